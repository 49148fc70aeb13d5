/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authd-web's requests (docs/web.md).  Self-enrollment: a person in a
 * browser proves who they are with their directory password (WEB_ENROLL)
 * and, if they have no active token and web_enroll_groups and
 * web_enroll_networks let them, gets a pending token's otpauth URI; the
 * app's first code then activates it (WEB_CONFIRM) from the same web
 * session.  Reviews: the review requests, served on the web socket too,
 * ask web_reviewer who is asking (a person proved with password and code
 * earlier in the same web session).  authd-web only forwards: every
 * decision is made and written down here and in review.c, with the web
 * session's tag and the source address in the actor.
 */
#include <arpa/inet.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "authd.h"
#include "authd_err.h"
#include "directory.h"
#include "log.h"
#include "proof.h"
#include "reviewrule.h"
#include "subject.h"
#include "util.h"

/* A web session's public tag: hex, never the session id itself. */
#define TAG_MIN		16
#define TAG_MAX		64
/* How long a pending token waits for its code from the same session. */
#define STARTED_MS	(10 * 60 * 1000)
#define STARTED_SLOTS	256
/*
 * How long a proof in the review pages holds for its web session: an
 * hour without a request (authd-web's own idle timeout is shorter, at
 * most that), and a working day at most.
 */
#define REVIEWER_IDLE_MS	(60 * 60 * 1000)
#define REVIEWER_MAX_MS		(12 * 60 * 60 * 1000)
#define REVIEWER_SLOTS		256

/*
 * Which web session started each user's pending token: WEB_CONFIRM is
 * served only to that session, so no other browser can finish an
 * enrollment it did not start, and no password is kept anywhere in
 * between.  In memory: after a restart the person signs in again.
 */
static struct {
	int	used;
	char	user[AUTHD_USER_MAX + 1];
	char	tag[TAG_MAX + 1];
	int64_t	until;
} started[STARTED_SLOTS];
static pthread_mutex_t started_mtx = PTHREAD_MUTEX_INITIALIZER;

static void
started_put(const char *user, const char *tag, int64_t now)
{
	size_t i, slot = 0;

	pthread_mutex_lock(&started_mtx);
	for (i = 0; i < STARTED_SLOTS; i++) {
		if (started[i].used && strcmp(started[i].user, user) == 0) {
			slot = i;
			break;
		}
		if (!started[i].used || (started[slot].used &&
		    started[i].until < started[slot].until))
			slot = i;
	}
	started[slot].used = 1;
	snprintf(started[slot].user, sizeof(started[slot].user), "%s", user);
	snprintf(started[slot].tag, sizeof(started[slot].tag), "%s", tag);
	started[slot].until = now + STARTED_MS;
	pthread_mutex_unlock(&started_mtx);
}

/* 1 when `tag` started `user`'s enrollment and it has not expired. */
static int
started_by(const char *user, const char *tag, int64_t now, int forget)
{
	size_t i, n = strlen(tag);
	int ok = 0;

	pthread_mutex_lock(&started_mtx);
	for (i = 0; i < STARTED_SLOTS; i++) {
		if (!started[i].used || strcmp(started[i].user, user) != 0)
			continue;
		ok = started[i].until > now && strlen(started[i].tag) == n &&
		    CRYPTO_memcmp(started[i].tag, tag, n) == 0;
		if (forget && ok)
			started[i].used = 0;
		break;
	}
	pthread_mutex_unlock(&started_mtx);
	return ok;
}

static int
tag_valid(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n >= TAG_MIN && n <= TAG_MAX;
}

static int
addr_valid(const char *s)
{
	unsigned char buf[16];

	return strlen(s) <= INET6_ADDRSTRLEN &&
	    (inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1);
}

/*
 * Who is asking: the web session's tag and the source address authd-web
 * forwarded, both checked, into the actor of every record.  0, or -1 when
 * either is missing or malformed.
 */
static int
web_who(struct req *rq, const char **src, const char **tag)
{
	*src = proto_str(rq->m, PROTO_A_RHOST, NULL);
	*tag = proto_str(rq->m, PROTO_A_SESSION, NULL);
	if (*src == NULL || *tag == NULL || !addr_valid(*src) ||
	    !tag_valid(*tag))
		return -1;
	snprintf(rq->actor, sizeof(rq->actor), "web:session=%s,src=%s,uid=%u",
	    *tag, *src, (unsigned)rq->peer.uid);
	rq->rhost = *src;
	rq->service = "authd-web";
	return 0;
}

/*
 * A proof over its limit (proof.h): refused without looking at it,
 * recorded once a minute with the number held back.
 */
static int
web_too_many(struct req *rq, int64_t wait, struct proto_msg *reply)
{
	unsigned long held = 0;
	char detail[160];

	if (peer_refusal_due(rq->peer.uid, rq->admin, REFUSE_PROOF_LIMIT,
	    &held)) {
		log_warn("web socket: proofs from %s (or in the name of %s) "
		    "over their limit for %lld s more", rq->rhost, rq->user,
		    (long long)((wait + 999) / 1000));
		snprintf(detail, sizeof(detail), "proof refused: too many "
		    "failed proofs, %lld s to wait (and %lu more refused on "
		    "the web socket in the last minute)",
		    (long long)((wait + 999) / 1000), held);
		if (req_audit_commit(rq, "web-signin", "deny", RSN_TOO_MANY,
		    detail, NULL) != 0)
			return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL,
			    NULL);
	}
	return reply_set(reply, PROTO_S_DENY, RSN_TOO_MANY,
	    "too many failed attempts; try again later");
}

/*
 * What both requests do first: who is asking, and whether their proofs
 * are over the limit.  Returns 1 with *r when the request is answered.
 */
static int
web_begin(struct req *rq, struct proto_msg *reply, int64_t start,
    const char **src, const char **tag, int *r)
{
	int64_t wait;

	if (web_who(rq, src, tag) != 0) {
		*r = reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "RHOST and SESSION are required");
		return 1;
	}
	if ((wait = proof_admit_src(*src, rq->user, start)) > 0) {
		*r = web_too_many(rq, wait, reply);
		proof_floor(start);
		return 1;
	}
	return 0;
}

/*
 * Whether the person may enroll through the web: one of their groups
 * (nested, as the policy sees them) is in web_enroll_groups and `src` is
 * in web_enroll_networks.  RSN_OK, RSN_NOT_MEMBER or
 * RSN_SOURCE_NOT_ALLOWED with `detail` set.  Nothing configured: nobody.
 */
static enum reason
web_eligible(const struct config *c, const struct pol_user *pu,
    const char *src, char *detail, size_t detailsz)
{
	struct pol_network net;
	size_t i, j;

	memset(&net, 0, sizeof(net));
	net.ranges = c->web_ranges;
	net.nranges = c->nweb_ranges;
	if (c->nweb_ranges == 0 || !policy_network_match(&net, src)) {
		snprintf(detail, detailsz, "source %s is not in "
		    "web_enroll_networks", src);
		return RSN_SOURCE_NOT_ALLOWED;
	}
	for (i = 0; i < pu->ngroups; i++)
		for (j = 0; j < c->nweb_groups; j++)
			if (strcmp(pu->groups[i], c->web_groups_norm[j]) == 0)
				return RSN_OK;
	snprintf(detail, detailsz, "in none of web_enroll_groups");
	return RSN_NOT_MEMBER;
}

/*
 * The person's directory password, and whether they may self-enroll.
 * `*proved` is 0 when the password (or the name) was not accepted: a
 * failed proof.  Returns the reason, with `detail` set.
 */
static enum reason
web_signin(struct req *rq, const char *src, int *proved, char *detail,
    size_t detailsz)
{
	const char *pw = proto_str(rq->m, PROTO_A_PASSWORD, NULL);
	const struct policy *p;
	struct polref *ref;
	struct subject sj;
	enum reason why;
	int r;

	*proved = 0;
	detail[0] = '\0';
	p = pol_hold(rq->w->ad, &ref);
	subject_resolve(rq, p, rq->user, time(NULL), &sj);
	if ((why = subject_refusal(&sj)) != RSN_OK)
		snprintf(detail, detailsz, "%s", sj.why[0] ? sj.why :
		    sj.dirinfo);
	/* SECURITY NOTE: an empty password is never sent to a bind. */
	else if (pw == NULL || pw[0] == '\0')
		why = RSN_BAD_PASSWORD;
	else if (sj.state != RSN_OK || sj.e == NULL || sj.e->pu.dn == NULL)
		why = RSN_DIRECTORY_UNAVAILABLE;
	else if ((r = dir_check_password(rq->w->dir, sj.e->pu.dn, pw)) != 0)
		why = r == AUTHD_ERR_PERM ? RSN_BAD_PASSWORD :
		    RSN_DIRECTORY_UNAVAILABLE;
	else {
		*proved = 1;
		why = web_eligible(rq->w->ad->cfg, &sj.e->pu, src, detail,
		    detailsz);
	}
	/* The directory being down proves nothing either way. */
	if (why == RSN_DIRECTORY_UNAVAILABLE)
		*proved = -1;
	subject_release(&sj);
	pol_release(rq->w->ad, ref);
	return why;
}

int
web_enroll(struct req *rq, struct proto_msg *reply)
{
	const char *src, *tag;
	char detail[160];
	enum reason why;
	uint64_t status = PROTO_S_ERROR;
	int64_t start = mono_ms();
	int proved, r;

	if (web_begin(rq, reply, start, &src, &tag, &r))
		return r;
	why = web_signin(rq, src, &proved, detail, sizeof(detail));
	if (proved >= 0)
		proof_done_src(src, rq->user, proved, mono_ms());
	if ((r = req_audit_commit(rq, "web-signin", why == RSN_OK ? "allow" :
	    "deny", why, detail[0] ? detail : NULL, NULL)) != 0) {
		proof_floor(start);
		return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
	}
	if (why != RSN_OK) {
		/*
		 * SECURITY NOTE: every proof is answered after the same
		 * floor, and a wrong password, an unknown name and a closed
		 * account get the same answer: the browser learns nothing
		 * about who exists.  Who may not self-enroll hears it only
		 * after the right password.
		 */
		proof_floor(start);
		if (!proved)
			return reply_set(reply, PROTO_S_DENY, RSN_BAD_PASSWORD,
			    "sign-in not accepted");
		return reply_set(reply, why == RSN_DIRECTORY_UNAVAILABLE ?
		    PROTO_S_ERROR : PROTO_S_DENY, why, NULL);
	}
	/*
	 * As `authctl enroll` without --force: a pending token, never over
	 * an active one (SECURITY NOTE: a password alone must not replace
	 * the second factor it is meant to be paired with).
	 */
	r = admin_enroll(rq, reply);
	if (r == 0 && proto_get_u64(reply, PROTO_A_STATUS, &status) == 0 &&
	    status == PROTO_S_ALLOW)
		started_put(rq->user, tag, mono_ms());
	proof_floor(start);
	return r;
}

int
web_confirm(struct req *rq, struct proto_msg *reply)
{
	const char *src, *tag;
	uint64_t status = PROTO_S_ERROR;
	int64_t start = mono_ms();
	int r;

	if (web_begin(rq, reply, start, &src, &tag, &r))
		return r;
	/*
	 * SECURITY NOTE: only the web session that started the enrollment
	 * (with the password) may finish it; a code guessed from elsewhere
	 * counts as a failed proof like a wrong password.
	 */
	if (!started_by(rq->user, tag, mono_ms(), 0)) {
		proof_done_src(src, rq->user, 0, mono_ms());
		r = req_audit_commit(rq, "confirm", "deny", RSN_NO_TOKEN,
		    "no enrollment started in this web session", NULL);
		proof_floor(start);
		return r != 0 ? reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL,
		    NULL) : reply_set(reply, PROTO_S_DENY, RSN_NO_TOKEN,
		    "no pending token");
	}
	r = auth_confirm(rq, reply);
	if (r == 0 && proto_get_u64(reply, PROTO_A_STATUS, &status) == 0 &&
	    status == PROTO_S_ALLOW)
		(void)started_by(rq->user, tag, mono_ms(), 1);
	else
		proof_done_src(src, rq->user, 0, mono_ms());
	proof_floor(start);
	return r;
}

/*
 * Who proved themselves with password and code in which web session,
 * for the review pages: the later requests of that session (by its tag,
 * which only authd-web can send) act as that person, without sending
 * the password again and without reusing a code.  In memory: after a
 * restart of authd the person signs in again.
 */
static struct {
	int	used;
	char	tag[TAG_MAX + 1];
	char	user[AUTHD_USER_MAX + 1];
	int	admin;
	int64_t	since, last;
} reviewers[REVIEWER_SLOTS];
static pthread_mutex_t reviewers_mtx = PTHREAD_MUTEX_INITIALIZER;

static void
reviewer_put(const char *tag, const char *user, int admin, int64_t now)
{
	size_t i, slot = 0;

	pthread_mutex_lock(&reviewers_mtx);
	for (i = 0; i < REVIEWER_SLOTS; i++) {
		if (reviewers[i].used && strcmp(reviewers[i].tag, tag) == 0) {
			slot = i;
			break;
		}
		/* A free slot, else the one idle longest. */
		if (!reviewers[i].used || (reviewers[slot].used &&
		    reviewers[i].last < reviewers[slot].last))
			slot = i;
	}
	reviewers[slot].used = 1;
	snprintf(reviewers[slot].tag, sizeof(reviewers[slot].tag), "%s", tag);
	snprintf(reviewers[slot].user, sizeof(reviewers[slot].user), "%s",
	    user);
	reviewers[slot].admin = admin;
	reviewers[slot].since = reviewers[slot].last = now;
	pthread_mutex_unlock(&reviewers_mtx);
}

/* The person signed in with `tag`, into *w; 0, or -1 (none, expired). */
static int
reviewer_get(const char *tag, int64_t now, struct review_actor *w)
{
	size_t i, n = strlen(tag);
	int r = -1;

	pthread_mutex_lock(&reviewers_mtx);
	for (i = 0; i < REVIEWER_SLOTS; i++) {
		if (!reviewers[i].used || strlen(reviewers[i].tag) != n ||
		    CRYPTO_memcmp(reviewers[i].tag, tag, n) != 0)
			continue;
		if (now - reviewers[i].last > REVIEWER_IDLE_MS ||
		    now - reviewers[i].since > REVIEWER_MAX_MS) {
			memset(&reviewers[i], 0, sizeof(reviewers[i]));
			break;
		}
		reviewers[i].last = now;
		snprintf(w->name, sizeof(w->name), "%s", reviewers[i].user);
		w->admin = reviewers[i].admin;
		r = 0;
		break;
	}
	pthread_mutex_unlock(&reviewers_mtx);
	return r;
}

/*
 * Whether `user` is in one of web_security_groups (nested, as the policy
 * sees them): the security function in the review pages.  Nothing
 * configured, or the directory not answering: no.
 */
static int
web_security_member(struct req *rq, const char *user)
{
	const struct config *c = rq->w->ad->cfg;
	const struct policy *p;
	struct polref *ref;
	struct subject sj;
	size_t i, j;
	int yes = 0;

	if (c->nweb_security == 0)
		return 0;
	p = pol_hold(rq->w->ad, &ref);
	subject_resolve(rq, p, user, time(NULL), &sj);
	if (sj.state == RSN_OK && sj.e != NULL)
		for (i = 0; i < sj.e->pu.ngroups && !yes; i++)
			for (j = 0; j < c->nweb_security && !yes; j++)
				yes = strcmp(sj.e->pu.groups[i],
				    c->web_security_norm[j]) == 0;
	subject_release(&sj);
	pol_release(rq->w->ad, ref);
	return yes;
}

/*
 * The proof of a sign-in to the review pages: AS with PASSWORD and CODE,
 * checked as a login (auth_prove audits it, service authd-web) but
 * limited as a proof (proof.h, per source and per person: never the PAM
 * lockout).  RSN_OK with *admin set, or the reason with *msg.
 */
static enum reason
web_review_prove(struct req *rq, const char *src, const char *as,
    int *admin, const char **msg)
{
	const char *saved = rq->user;
	unsigned long held = 0;
	char detail[160];
	enum reason why = RSN_INTERNAL;
	int64_t start = mono_ms(), wait;

	*admin = 0;
	rq->user = as;
	if ((wait = proof_admit_src(src, as, start)) > 0) {
		why = RSN_TOO_MANY;
		if (peer_refusal_due(rq->peer.uid, rq->admin,
		    REFUSE_PROOF_LIMIT, &held)) {
			snprintf(detail, sizeof(detail), "proof refused: too "
			    "many failed proofs, %lld s to wait (and %lu more "
			    "refused on the web socket in the last minute)",
			    (long long)((wait + 999) / 1000), held);
			if (req_audit_commit(rq, "auth", "deny", RSN_TOO_MANY,
			    detail, NULL) != 0)
				why = RSN_INTERNAL;
		}
	} else if (auth_prove(rq, proto_str(rq->m, PROTO_A_PASSWORD, NULL),
	    proto_str(rq->m, PROTO_A_CODE, NULL), &why) != 0)
		why = RSN_INTERNAL;
	else {
		proof_done_src(src, as, why == RSN_OK, mono_ms());
		if (why == RSN_OK)
			*admin = web_security_member(rq, as);
	}
	rq->user = saved;
	/* SECURITY NOTE: the same floor for every answer, as for --as. */
	proof_floor(start);
	*msg = why == RSN_OK ? NULL : why == RSN_INTERNAL ? "internal error" :
	    why == RSN_TOO_MANY ? "too many failed proofs; try again later" :
	    "password or code not accepted";
	return why == RSN_OK || why == RSN_INTERNAL || why == RSN_TOO_MANY ?
	    why : RSN_FORBIDDEN;
}

enum reason
web_reviewer(struct req *rq, struct review_actor *w, const char **msg)
{
	const char *src, *tag, *as = proto_str(rq->m, PROTO_A_AS, NULL);
	enum reason why;
	int admin = 0;

	memset(w, 0, sizeof(*w));
	if (web_who(rq, &src, &tag) != 0) {
		*msg = "RHOST and SESSION are required";
		return RSN_BAD_REQUEST;
	}
	if (as != NULL) {
		if (!str_valid_user(as)) {
			*msg = "invalid user name";
			return RSN_BAD_FORMAT;
		}
		if ((why = web_review_prove(rq, src, as, &admin, msg)) !=
		    RSN_OK)
			return why;
		/* The session's tag is new at every sign-in (authd-web). */
		reviewer_put(tag, as, admin, mono_ms());
		snprintf(w->name, sizeof(w->name), "%s", as);
		w->admin = admin;
	} else if (reviewer_get(tag, mono_ms(), w) != 0) {
		*msg = "not signed in, or the sign-in has expired";
		return RSN_FORBIDDEN;
	}
	snprintf(rq->actor, sizeof(rq->actor), "%.64s (password+totp%s, "
	    "web:session=%s,src=%s,uid=%u)", w->name, w->admin ?
	    ", security function" : "", tag, src, (unsigned)rq->peer.uid);
	return RSN_OK;
}
