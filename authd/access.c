/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The account decision: may this user use this system, now, from there?
 * The policy engine decides (lib/policy_eval.c); this file feeds it the
 * user's directory entry from the shared cache, and writes the decision
 * to the audit trail before the PAM module hears it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "reviewrule.h"
#include "subject.h"
#include "writer.h"

#define LIST_USERS_MAX	100000

int
access_has_token(struct req *rq, const struct pol_system *sys)
{
	struct token t;
	int active;

	/* Only "mfa optional" asks; elsewhere the token is not read. */
	if (sys == NULL || sys->mfa != POL_MFA_OPTIONAL)
		return 0;
	memset(&t, 0, sizeof(t));
	if (store_token_get(rq->w->st, rq->user, &t) != 0)
		return 0;
	active = strcmp(t.state, "active") == 0;
	token_clear(&t);
	return active;
}

void
access_decide(struct req *rq, const struct policy *p,
    const struct access_query *aq, struct access_result *ar,
    pol_trace_fn *tf, void *ta)
{
	struct pol_query q;
	struct pol_user nobody;
	struct subject sj;
	char text[200];

	memset(ar, 0, sizeof(*ar));
	memset(&q, 0, sizeof(q));
	memset(&nobody, 0, sizeof(nobody));
	nobody.name = aq->user;
	q.system = aq->system;
	q.service = aq->service;
	q.source = aq->source;
	q.at = aq->at;
	q.user = &nobody;
	q.has_token = aq->has_token;
	q.revoked = aq->revoked;
	q.revoked_arg = aq->revoked_arg;

	/* An unknown system costs no directory look-up. */
	if (policy_system_resolve(p, aq->system, aq->service) == NULL) {
		policy_decide(p, &q, &ar->d, tf, ta);
		snprintf(ar->dirinfo, sizeof(ar->dirinfo), "not asked");
		return;
	}
	subject_resolve(rq, p, aq->user, aq->at, &sj);
	ar->account = sj.state;
	snprintf(ar->dirinfo, sizeof(ar->dirinfo), "%s", sj.dirinfo);
	ar->stale = sj.stale;
	if (sj.state == RSN_OK) {
		q.user = &sj.e->pu;
		policy_decide(p, &q, &ar->d, tf, ta);
		subject_release(&sj);
		return;
	}
	/* No entry to decide with, or one that may not come in: deny. */
	memset(&ar->d, 0, sizeof(ar->d));
	ar->d.sys = policy_system_resolve(p, aq->system, aq->service);
	ar->d.factors = policy_factors(p, ar->d.sys, aq->has_token,
	    ar->d.mfa);
	if ((ar->d.reason = subject_refusal(&sj)) == RSN_OK)
		ar->d.reason = sj.state;
	switch (sj.state) {
	case RSN_ACCOUNT_DISABLED:
	case RSN_ACCOUNT_EXPIRED:
		snprintf(ar->d.rule, sizeof(ar->d.rule), "account-state");
		snprintf(ar->d.detail, sizeof(ar->d.detail), "the directory "
		    "account is %s: %s", sj.state == RSN_ACCOUNT_DISABLED ?
		    "disabled" : "expired", sj.why);
		snprintf(text, sizeof(text), "%s; %s", sj.dirinfo, sj.why);
		break;
	case RSN_UNKNOWN_USER:
	case RSN_BAD_FORMAT:
		snprintf(ar->d.rule, sizeof(ar->d.rule), "default-deny");
		snprintf(ar->d.detail, sizeof(ar->d.detail), "the directory "
		    "has no (single) entry for this user");
		snprintf(text, sizeof(text), "%s", sj.dirinfo);
		break;
	default:
		snprintf(ar->d.rule, sizeof(ar->d.rule), "default-deny");
		snprintf(ar->d.detail, sizeof(ar->d.detail), "the directory "
		    "could not be asked and nothing usable is cached");
		snprintf(text, sizeof(text), "%s", sj.dirinfo);
		break;
	}
	subject_release(&sj);
	if (tf != NULL)
		tf(ta, "directory", aq->user, 0, text);
}

/* Adds (user, role, path) unless the user already has that role. */
static int
holder_add(struct holders *hs, const char *user, const char *role,
    const char *path, enum reason state)
{
	struct holder *nh;
	size_t i;

	for (i = hs->n; i-- > 0;)
		if (strcmp(hs->h[i].user, user) == 0 &&
		    strcmp(hs->h[i].role, role) == 0)
			return 0;	/* first path found is kept */
	if (hs->n >= LIST_USERS_MAX)
		return hs->err = AUTHD_ERR_TOO_MANY;
	if ((nh = realloc(hs->h, (hs->n + 1) * sizeof(*nh))) == NULL)
		return hs->err = AUTHD_ERR_NOMEM;
	hs->h = nh;
	nh = &hs->h[hs->n];
	nh->user = strdup(user);
	nh->role = strdup(role);
	nh->path = strdup(path);
	nh->state = state;
	hs->n++;
	if (nh->user == NULL || nh->role == NULL || nh->path == NULL)
		return hs->err = AUTHD_ERR_NOMEM;
	return 0;
}

/* dir_member_fn: a member of a role's group, to be resolved. */
static int
add_candidate(void *arg, const char *user, const char *user_dn,
    const char *path)
{
	struct holders *hs = arg;

	(void)user_dn;
	return holder_add(hs, user, hs->role, path, RSN_UNKNOWN_USER);
}

static void
held_role(void *arg, const struct pol_role *role, const char *path)
{
	struct holders *hs = arg;

	if (hs->err == 0)
		(void)holder_add(hs, hs->user, role->name, path, hs->state);
}

static int
cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;
	int c = strcmp(x->user, y->user);

	return c != 0 ? c : strcmp(x->role, y->role);
}

/*
 * The group walks find who might hold a role; each of them is then
 * resolved as a decision resolves them, and their roles are the ones the
 * policy finds in their own entry.  Members the directory does not
 * resolve to a user (left the user base, a stale DN) stay listed with
 * the group path that names them, as unknown-user: exactly what a review
 * must show.
 */
int
access_holders(struct req *rq, const struct policy *p,
    const struct pol_system *sys, struct holders *hs)
{
	struct holders cand;
	struct subject sj;
	time_t now = time(NULL);
	size_t i, j;
	int r = 0;

	memset(hs, 0, sizeof(*hs));
	memset(&cand, 0, sizeof(cand));
	for (i = 0; i < sys->nroles && r == 0; i++) {
		cand.role = sys->roles[i].name;
		for (j = 0; j < sys->roles[i].ngroups && r == 0; j++)
			r = dir_group_members(rq->w->dir,
			    sys->roles[i].groups[j], policy_nesting_depth(p),
			    add_candidate, &cand);
	}
	if (r == 0 && cand.err != 0)
		r = cand.err;
	if (r == 0)
		qsort(cand.h, cand.n, sizeof(*cand.h), cmp_holder);
	for (i = 0; r == 0 && i < cand.n; i++) {
		if (i > 0 && strcmp(cand.h[i].user, cand.h[i - 1].user) == 0)
			continue;
		subject_resolve(rq, p, cand.h[i].user, now, &sj);
		if (sj.state == RSN_DIRECTORY_UNAVAILABLE)
			r = AUTHD_ERR_DIRECTORY;
		else if (sj.e != NULL) {
			hs->user = cand.h[i].user;
			hs->state = sj.state;
			(void)policy_roles_held(sys, &sj.e->pu, held_role, hs);
		} else
			for (j = i; j < cand.n && r == 0 &&
			    strcmp(cand.h[j].user, cand.h[i].user) == 0; j++)
				r = holder_add(hs, cand.h[j].user,
				    cand.h[j].role, cand.h[j].path,
				    RSN_UNKNOWN_USER);
		subject_release(&sj);
		if (r == 0 && hs->err != 0)
			r = hs->err;
	}
	hs->user = NULL;
	hs->role = NULL;
	access_holders_free(&cand);
	if (r == 0)
		qsort(hs->h, hs->n, sizeof(*hs->h), cmp_holder);
	return r;
}

void
access_holders_free(struct holders *hs)
{
	size_t i;

	for (i = 0; i < hs->n; i++) {
		free(hs->h[i].user);
		free(hs->h[i].role);
		free(hs->h[i].path);
	}
	free(hs->h);
	memset(hs, 0, sizeof(*hs));
}

void
access_prepare(struct req *rq, struct access_outcome *o)
{
	struct authd *ad = rq->w->ad;
	struct access_query aq;
	struct access_result *ar = &o->ar;
	struct polref *ref;
	const struct policy *p;

	memset(&aq, 0, sizeof(aq));
	aq.user = rq->user;
	aq.system = rq->system;
	aq.service = rq->service;
	aq.source = rq->rhost;
	aq.at = time(NULL);
	aq.revoked = reviewrule_revoked;
	aq.revoked_arg = rq->w->st;
	p = pol_hold(ad, &ref);
	snprintf(rq->policy_version, sizeof(rq->policy_version), "%s",
	    policy_version(p));
	aq.has_token = access_has_token(rq, policy_system_resolve(p,
	    rq->system, rq->service));
	access_decide(rq, p, &aq, ar, NULL, NULL);
	/* Records name the system, also when the PAM service chose it. */
	if (ar->d.sys != NULL && rq->system == NULL) {
		snprintf(rq->sysname, sizeof(rq->sysname), "%s",
		    ar->d.sys->name);
		rq->system = rq->sysname;
	}
	pol_release(ad, ref);
	ar->d.sys = NULL;	/* the policy may go with the reference */

	snprintf(o->detail, sizeof(o->detail), "%s%s%s%s%s", ar->d.detail,
	    ar->d.detail[0] && ar->d.grants[0] ? "; " : "", ar->d.grants,
	    ar->stale ? "; directory " : "", ar->stale ? ar->dirinfo : "");
	o->rule = ar->d.rule[0] ? ar->d.rule : NULL;
	o->role = ar->d.roles[0] ? ar->d.roles : NULL;
	(void)policy_factors_str(ar->d.factors, o->factors,
	    sizeof(o->factors));
}

int
access_record(struct wtx *tx, struct req *rq, const struct access_outcome *o)
{
	struct req_cite cite = { o->rule, o->role, o->factors };

	return req_audit(tx, rq, "account", o->ar.d.allow ? "allow" : "deny",
	    o->ar.d.reason, o->detail[0] ? o->detail : NULL, &cite);
}

/* An account decision waiting for its record to be durable. */
struct access_pending {
	struct req		*rq;
	struct access_outcome	 o;
};

static int
access_job(struct wtx *tx, void *arg)
{
	struct access_pending *p = arg;
	struct req_cite cite = { p->o.rule, p->o.role, p->o.factors };
	char detail[160];
	int64_t late;

	/*
	 * SECURITY NOTE: an allow the client no longer waits for is not
	 * committed; the request is recorded as abandoned instead.
	 */
	if (p->o.ar.d.allow && (late = req_late_ms(p->rq)) > 0) {
		p->o.ar.d.allow = 0;
		p->o.ar.d.reason = RSN_DEADLINE;
		snprintf(detail, sizeof(detail), "abandoned: the client's "
		    "deadline passed %lld ms before the commit; the decision "
		    "was allow", (long long)late);
		return req_audit(tx, p->rq, "account",
		    "abandoned", RSN_DEADLINE, detail, &cite);
	}
	return access_record(tx, p->rq, &p->o);
}

/* Sets the reply once the record is durable (result 0), or not. */
static int
access_reply(struct req *rq, const struct access_outcome *o, int result)
{
	if (result != 0) {
		log_err("account user=%s: audit write failed", rq->user);
		return reply_set(rq->reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
	}
	/* The audit copy in syslog is the decision's log line. */
	log_debug("account %s user=%s system=%s service=%s: %s (%s)",
	    o->ar.d.allow ? "allow" : "deny", rq->user, rq->system ?
	    rq->system : "-", rq->service, reason_str(o->ar.d.reason),
	    o->ar.d.rule);
	return reply_set(rq->reply, o->ar.d.allow ? PROTO_S_ALLOW :
	    PROTO_S_DENY, o->ar.d.reason, NULL);
}

static void
access_finish(void *arg, int result)
{
	struct access_pending *p = arg;
	struct req *rq = p->rq;
	int r;

	r = access_reply(rq, &p->o, result);
	free(p);
	req_finish(rq, r);
}

/*
 * The decision is made here; its reply follows the commit of its record,
 * sent by whichever thread commits it, so that this worker goes on to the
 * next request instead of waiting for the disk.
 */
int
access_handle(struct req *rq, struct proto_msg *reply)
{
	struct access_pending *p;

	(void)reply;	/* rq->reply */
	if ((p = malloc(sizeof(*p))) == NULL)
		return AUTHD_ERR_NOMEM;
	p->rq = rq;
	access_prepare(rq, &p->o);
	return req_defer(rq, access_job, access_finish, p);
}
