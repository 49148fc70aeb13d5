/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Access reviews (docs/reviews.md), the requests: a campaign is a
 * snapshot of who holds which role on a system; the system owner keeps or
 * revokes each item; a revoke takes effect at once (the engine asks
 * reviewrule_revoked); closing records the audit chain head, so that the
 * report can be tied to the trail.
 *
 * Who may act: the security function (root or admin_group, by peer
 * credentials; in authd-web, members of web_security_groups) on any
 * campaign; a system owner on their own systems, known by the local
 * account name of the peer (here) or proved with directory password and
 * TOTP code (here, or for authd-web's session in web.c).  What each may do is reviewrule.c's, storage
 * store.h's, the directory writes after a close remediation.c's; this
 * file reads the requests, takes the snapshots and writes the replies.
 *
 * Every check and the change it permits run in one writer transaction,
 * with the audit record that tells of it.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "proof.h"
#include "remediation.h"
#include "reviewrule.h"
#include "sock.h"
#include "util.h"
#include "writer.h"

#define DAY_MS		INT64_C(86400000)
#define ITEMS_MAX	100000

static int64_t
review_now(struct authd *ad)
{
	return wall_ms() + ad->cfg->review_time_offset * 1000;
}

/*
 * A proof over its limit (proof.h): refused without looking at it,
 * recorded once a minute per uid with the number held back.
 */
static enum reason
proof_refuse(struct req *rq, int64_t wait)
{
	unsigned long held = 0;
	char detail[160];

	if (peer_refusal_due(rq->peer.uid, rq->admin, REFUSE_PROOF_LIMIT,
	    &held)) {
		log_warn("review socket: proofs by uid %u (or in the name of "
		    "%s) over their limit for %lld s more",
		    (unsigned)rq->peer.uid, rq->user,
		    (long long)((wait + 999) / 1000));
		snprintf(detail, sizeof(detail), "proof refused: too many "
		    "failed proofs, %lld s to wait (and %lu more refused from "
		    "this uid in the last minute)",
		    (long long)((wait + 999) / 1000), held);
		if (req_audit_commit(rq, "auth", "deny", RSN_TOO_MANY, detail,
		    NULL) != 0)
			return RSN_INTERNAL;
	}
	return RSN_TOO_MANY;
}

/*
 * Establishes who is asking: a directory user proved with password and
 * code (AS, PASSWORD, CODE), else the peer's local account.  Returns
 * RSN_OK, or the reason to refuse with *msg.
 */
static enum reason
reviewer(struct req *rq, struct review_actor *w, const char **msg)
{
	const char *as = proto_str(rq->m, PROTO_A_AS, NULL);
	const char *saved_user = rq->user, *saved_service = rq->service;
	struct passwd pw, *pwp = NULL;
	char buf[4096];
	enum reason why = RSN_INTERNAL;
	int64_t start, wait;
	int r;

	memset(w, 0, sizeof(*w));
	/* authd-web's uid is nobody: the person is its session's. */
	if (rq->admin == SOCK_WEB)
		return web_reviewer(rq, w, msg);
	/*
	 * SECURITY NOTE: a source address or a web session is authd-web's
	 * to tell; a local peer must not put them in the audit trail.
	 */
	if (proto_str(rq->m, PROTO_A_RHOST, NULL) != NULL ||
	    proto_str(rq->m, PROTO_A_SESSION, NULL) != NULL) {
		*msg = "RHOST and SESSION are for the web socket";
		return RSN_BAD_REQUEST;
	}
	if (as != NULL) {
		if (!str_valid_user(as)) {
			*msg = "invalid user name";
			return RSN_BAD_FORMAT;
		}
		rq->user = as;
		rq->service = "authctl-review";
		start = mono_ms();
		if ((wait = proof_admit(rq->peer.uid, as, start)) > 0)
			why = proof_refuse(rq, wait);
		else {
			r = auth_prove(rq, proto_str(rq->m, PROTO_A_PASSWORD,
			    NULL), proto_str(rq->m, PROTO_A_CODE, NULL), &why);
			if (r != 0)
				why = RSN_INTERNAL;
			else
				proof_done(rq->peer.uid, as, why == RSN_OK,
				    mono_ms());
		}
		rq->user = saved_user;
		rq->service = saved_service;
		/*
		 * SECURITY NOTE: every proof is answered after the same
		 * floor, so that its time tells no one whether the name
		 * exists, the bind ran or the account is locked.
		 */
		proof_floor(start);
		if (why == RSN_INTERNAL) {
			*msg = "internal error";
			return RSN_INTERNAL;
		}
		if (why == RSN_TOO_MANY) {
			*msg = "too many failed proofs; try again later";
			return RSN_TOO_MANY;
		}
		if (why != RSN_OK) {
			*msg = "password or code not accepted";
			return RSN_FORBIDDEN;
		}
		snprintf(w->name, sizeof(w->name), "%s", as);
		snprintf(rq->actor, sizeof(rq->actor), "%.64s (password+totp)",
		    as);
		return RSN_OK;
	}
	if (getpwuid_r(rq->peer.uid, &pw, buf, sizeof(buf), &pwp) != 0 ||
	    pwp == NULL || !str_valid_user(pw.pw_name)) {
		*msg = "your account has no name authd can use";
		return RSN_FORBIDDEN;
	}
	snprintf(w->name, sizeof(w->name), "%s", pw.pw_name);
	w->admin = rq->peer.uid == 0 || peer_is_admin(rq->w->ad,
	    rq->fd, &rq->peer);
	snprintf(rq->actor, sizeof(rq->actor), "%.64s (uid %u%s)", w->name,
	    (unsigned)rq->peer.uid, w->admin ? ", security function" : "");
	return RSN_OK;
}

/* ---- start ---- */

struct start_job {
	struct req		*rq;
	const struct pol_system	*sys;
	const char		*policy;
	const struct review_actor *who;
	int64_t			 now, due;
	int			 inactive_days;
	struct holders		 hs;	/* the items' strings are theirs */
	struct store_review_item *items;
	size_t			 nitems;
	int64_t			 id;
};

static int
start_tx(struct wtx *tx, void *arg)
{
	struct start_job *j = arg;
	const struct pol_system *sys = j->sys;
	struct store_review rv;
	char cls[32], detail[160];
	int r;

	snprintf(cls, sizeof(cls), "C%d I%d A%d", sys->conf, sys->integ,
	    sys->avail);
	memset(&rv, 0, sizeof(rv));
	rv.system = sys->name;
	rv.owner = sys->owner;
	rv.description = sys->description;
	rv.class = cls;
	rv.policy = j->policy;
	rv.started_ms = j->now;
	rv.started_by = j->who->name;
	rv.due_ms = j->due;
	rv.inactive_days = j->inactive_days;
	if ((r = store_review_create(tx->st, &rv, j->items, j->nitems,
	    &j->id)) != 0)
		return r;
	snprintf(detail, sizeof(detail), "review %lld: %zu items, owner %s, "
	    "due %lld", (long long)j->id, j->nitems, sys->owner,
	    (long long)j->due);
	j->rq->system = sys->name;
	return req_audit(tx, j->rq, "review-start", "ok", RSN_OK, detail, NULL);
}

/*
 * The snapshot of one system: everyone who holds a role on it through
 * the directory and the policy (not shut out by a deny rule without
 * conditions, not already revoked), with token, last login, inactivity
 * and the account's state; members of the roles' groups whom the
 * directory disables, or does not resolve at all, are items too (to be
 * revoked), never plain holders.
 */
static int
snapshot(struct req *rq, const struct policy *p, const struct pol_system *sys,
    int64_t now, struct start_job *j)
{
	struct holders *hs = &j->hs;
	const struct dc_entry *e;
	struct dc_info info;
	char cite[64];
	size_t i;
	int r, skip;

	if ((r = access_holders(rq, p, sys, hs)) != 0)
		return r;
	if (hs->n > ITEMS_MAX ||
	    (j->items = calloc(hs->n + 1, sizeof(*j->items))) == NULL)
		return AUTHD_ERR_NOMEM;
	for (i = 0; i < hs->n; i++) {
		struct store_review_item *it = &j->items[j->nitems];
		const struct holder *h = &hs->h[i];

		e = NULL;
		skip = reviewrule_revoked(rq->w->st, sys->name, h->role,
		    h->user, cite, sizeof(cite));
		if (!skip && h->state == RSN_OK &&
		    dircache_get(rq->w->ad->dc, rq->w->dir, h->user,
		    policy_nesting_depth(p), &e, &info) == 0 &&
		    e != NULL && e->found)
			skip = policy_deny_always(p, sys, &e->pu) != NULL;
		dircache_put(e);
		if (skip)
			continue;
		it->user = h->user;
		it->role = h->role;
		it->path = h->path;
		it->token = store_token_state(rq->w->st, it->user);
		/* None on record when it cannot be read: flagged inactive. */
		if (store_last_login(rq->w->st, it->user, sys->name,
		    &it->last_login_ms) != 0)
			it->last_login_ms = 0;
		reviewrule_flags(it, sys->owner, now, j->inactive_days);
		it->account = reason_str(h->state);
		j->nitems++;
	}
	return 0;
}

static int
send_msg(struct req *rq, struct proto_msg *m)
{
	int r = sock_write_msg(rq->fd, m, rq->deadline);

	proto_free(m);
	return r;
}

/* The RESULT after a listing of `n` rows (or the error `r`). */
static int
list_done(struct proto_msg *reply, int64_t n, int r)
{
	if (r != 0)
		return r;
	if ((r = proto_add_u64(reply, PROTO_A_COUNT, (uint64_t)n)) != 0)
		return r;
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}

/* 1 when `s` is present and not empty. */
static int
nz(const char *s)
{
	return s != NULL && *s != '\0';
}

int
review_start(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	const char *system = proto_str(rq->m, PROTO_A_SYSTEM, NULL), *msg;
	const struct pol_system *sys;
	const struct policy *p;
	struct polref *ref;
	struct start_job j;
	struct proto_msg *row;
	struct review_actor who;
	enum reason why;
	uint64_t all = 0, due = 0;
	int64_t now = review_now(ad);
	size_t i, started = 0;
	int r = 0;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	if (!who.admin)
		return reply_set(reply, PROTO_S_ERROR, RSN_FORBIDDEN, "starting "
		    "a review is for the security function (admin_group)");
	(void)proto_get_u64(rq->m, PROTO_A_ALL, &all);
	if ((system == NULL) == (all == 0))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "name one system, or all");
	if (system != NULL && !str_valid_name(system))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_FORMAT,
		    "invalid system name");
	if (proto_get_u64(rq->m, PROTO_A_DUE, &due) != 0)
		due = (uint64_t)(now + ad->cfg->review_due_days * DAY_MS);
	if ((int64_t)due <= now || (int64_t)due > now + 3650 * DAY_MS)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "the due date must be in the future (within ten years)");

	p = pol_hold(ad, &ref);
	snprintf(rq->policy_version, sizeof(rq->policy_version), "%s",
	    policy_version(p));
	if (system != NULL && policy_system_by_name(p, system) == NULL) {
		pol_release(ad, ref);
		return reply_set(reply, PROTO_S_ERROR, RSN_UNKNOWN_SYSTEM,
		    "no such system in the policy");
	}
	for (i = 0; i < policy_nsystems(p) && r == 0; i++) {
		sys = policy_system_at(p, i);
		if (system != NULL && strcmp(sys->name, system) != 0)
			continue;
		memset(&j, 0, sizeof(j));
		j.rq = rq;
		j.sys = sys;
		j.policy = policy_version(p);
		j.who = &who;
		j.now = now;
		j.due = (int64_t)due;
		j.inactive_days = (int)ad->cfg->review_inactive_days;
		if ((r = snapshot(rq, p, sys, now, &j)) == 0 &&
		    (r = writer_run(ad->writer, start_tx, &j)) == 0) {
			started++;
			log_notice("review %lld started for %s by %s: %zu items",
			    (long long)j.id, sys->name, who.name, j.nitems);
			if ((row = proto_new(PROTO_T_ROW, rq->m->reqid)) ==
			    NULL)
				r = AUTHD_ERR_NOMEM;
			else if (proto_add_str(row, PROTO_A_KIND, "review") !=
			    0 || proto_add_u64(row, PROTO_A_REVIEW,
			    (uint64_t)j.id) != 0 || proto_add_str(row,
			    PROTO_A_SYSTEM, sys->name) != 0 ||
			    proto_add_str(row, PROTO_A_OWNER, sys->owner) != 0 ||
			    proto_add_u64(row, PROTO_A_COUNT, j.nitems) != 0 ||
			    proto_add_u64(row, PROTO_A_DUE, due) != 0) {
				proto_free(row);
				r = AUTHD_ERR_INTERNAL;
			} else
				r = send_msg(rq, row);
		}
		free(j.items);
		access_holders_free(&j.hs);
	}
	pol_release(ad, ref);
	if (r == AUTHD_ERR_DIRECTORY)
		return reply_set(reply, PROTO_S_ERROR,
		    RSN_DIRECTORY_UNAVAILABLE, "the directory could not be "
		    "asked; no review started for the system it failed on");
	if (r != 0)
		return r;
	if ((r = proto_add_u64(reply, PROTO_A_COUNT, started)) != 0 ||
	    (started == 1 && (r = proto_add_u64(reply, PROTO_A_REVIEW,
	    (uint64_t)j.id)) != 0))
		return r;
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}

/* ---- list, show ---- */

struct list_job {
	struct req	*rq;
	const char	*filter;	/* "all", "open" or "overdue" */
	int64_t		 now, n;
};

static int
list_row(const struct store_review *rv, void *arg)
{
	struct list_job *l = arg;
	struct proto_msg *row;
	const char *st = reviewrule_state(rv->closed_ms, rv->due_ms, l->now);

	if ((strcmp(l->filter, "open") == 0 && strcmp(st, "closed") == 0) ||
	    (strcmp(l->filter, "overdue") == 0 && strcmp(st, "overdue") != 0))
		return 0;
	if ((row = proto_new(PROTO_T_ROW, l->rq->m->reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (proto_add_str(row, PROTO_A_KIND, "review") != 0 ||
	    proto_add_u64(row, PROTO_A_REVIEW, (uint64_t)rv->id) != 0 ||
	    proto_add_str(row, PROTO_A_SYSTEM, rv->system) != 0 ||
	    proto_add_str(row, PROTO_A_OWNER, rv->owner) != 0 ||
	    proto_add_u64(row, PROTO_A_TIME, (uint64_t)rv->started_ms) != 0 ||
	    proto_add_u64(row, PROTO_A_DUE, (uint64_t)rv->due_ms) != 0 ||
	    proto_add_u64(row, PROTO_A_CLOSED, (uint64_t)rv->closed_ms) != 0 ||
	    proto_add_str(row, PROTO_A_STATE, st) != 0 ||
	    proto_add_u64(row, PROTO_A_COUNT, (uint64_t)rv->nitems) != 0 ||
	    proto_add_u64(row, PROTO_A_DECIDED, (uint64_t)rv->ndecided) != 0) {
		proto_free(row);
		return AUTHD_ERR_INTERNAL;
	}
	l->n++;
	return send_msg(l->rq, row);
}

int
review_list(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	const char *filter = proto_str(rq->m, PROTO_A_STATE, "all"), *msg;
	struct review_actor who;
	struct list_job l;
	enum reason why;
	int r;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	if (strcmp(filter, "all") != 0 && strcmp(filter, "open") != 0 &&
	    strcmp(filter, "overdue") != 0)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "list all, open or overdue");
	memset(&l, 0, sizeof(l));
	l.rq = rq;
	l.filter = filter;
	l.now = review_now(ad);
	/* Owners see the campaigns of their own systems. */
	r = store_review_list(rq->w->st, who.admin ? NULL : who.name,
	    list_row, &l);
	return list_done(reply, l.n, r);
}

struct show_job {
	struct req	*rq;
	long long	 inactive_days;
	int64_t		 now, n, decided;
	struct proto_msg *reply;
};

static int
show_item(const struct store_review_item *it, void *arg)
{
	struct show_job *sj = arg;
	struct proto_msg *row;
	char rec[256];

	reviewrule_recommend(it, sj->inactive_days, rec, sizeof(rec));
	if (nz(it->decision))
		sj->decided++;
	if ((row = proto_new(PROTO_T_ROW, sj->rq->m->reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (proto_add_str(row, PROTO_A_KIND, "item") != 0 ||
	    proto_add_str(row, PROTO_A_USER, it->user) != 0 ||
	    proto_add_str(row, PROTO_A_ROLE, it->role) != 0 ||
	    proto_add_str(row, PROTO_A_PATH, it->path) != 0 ||
	    proto_add_str(row, PROTO_A_STATE, it->token) != 0 ||
	    proto_add_str(row, PROTO_A_ACCOUNT_REASON, it->account) != 0 ||
	    proto_add_u64(row, PROTO_A_LAST_LOGIN,
	    (uint64_t)it->last_login_ms) != 0 ||
	    proto_add_u64(row, PROTO_A_INACTIVE, (uint64_t)it->inactive) != 0 ||
	    proto_add_str(row, PROTO_A_RECOMMEND, rec) != 0 ||
	    proto_add_u64(row, PROTO_A_NEEDS_ADMIN,
	    (uint64_t)it->needs_admin) != 0 ||
	    (nz(it->decision) && (proto_add_str(row, PROTO_A_DECISION,
	    it->decision) != 0 || proto_add_str(row, PROTO_A_ACTOR,
	    it->decided_by ? it->decided_by : "") != 0 ||
	    proto_add_u64(row, PROTO_A_TIME, (uint64_t)it->decided_ms) != 0 ||
	    proto_add_u64(row, PROTO_A_DEFAULT_BY,
	    (uint64_t)it->by_default) != 0)) ||
	    (nz(it->comment) && proto_add_str(row, PROTO_A_COMMENT,
	    it->comment) != 0) ||
	    (nz(it->remediation) && proto_add_str(row, PROTO_A_REMEDIATION,
	    it->remediation) != 0)) {
		proto_free(row);
		return AUTHD_ERR_INTERNAL;
	}
	sj->n++;
	return send_msg(sj->rq, row);
}

/* The RESULT of a show: the campaign, after its items. */
static int
show_review(const struct store_review *rv, void *arg)
{
	struct show_job *sj = arg;
	struct proto_msg *reply = sj->reply;
	char hex[2 * CHAIN_HASH_LEN + 1] = "";
	int r;

	if (rv->head_hash != NULL)
		chain_hex(rv->head_hash, CHAIN_HASH_LEN, hex);
	if ((r = proto_add_u64(reply, PROTO_A_REVIEW, (uint64_t)rv->id)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_SYSTEM, rv->system)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_OWNER, rv->owner)) != 0 ||
	    (nz(rv->description) && (r = proto_add_str(reply,
	    PROTO_A_DESCRIPTION, rv->description)) != 0) ||
	    (r = proto_add_str(reply, PROTO_A_CLASS, rv->class)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_POLICY, rv->policy)) != 0 ||
	    (r = proto_add_u64(reply, PROTO_A_TIME,
	    (uint64_t)rv->started_ms)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_ACTOR, rv->started_by)) != 0 ||
	    (r = proto_add_u64(reply, PROTO_A_DUE, (uint64_t)rv->due_ms)) != 0 ||
	    (r = proto_add_u64(reply, PROTO_A_CLOSED,
	    (uint64_t)rv->closed_ms)) != 0 ||
	    (nz(rv->closed_by) && (r = proto_add_str(reply, PROTO_A_CLOSED_BY,
	    rv->closed_by)) != 0) ||
	    (nz(rv->close_default) && (r = proto_add_str(reply,
	    PROTO_A_DEFAULT, rv->close_default)) != 0) ||
	    (rv->head_seq != 0 && ((r = proto_add_u64(reply, PROTO_A_SEQ,
	    (uint64_t)rv->head_seq)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_HASH, hex)) != 0)) ||
	    (r = proto_add_str(reply, PROTO_A_STATE,
	    reviewrule_state(rv->closed_ms, rv->due_ms, sj->now))) != 0 ||
	    (r = proto_add_u64(reply, PROTO_A_COUNT, (uint64_t)sj->n)) != 0 ||
	    (r = proto_add_u64(reply, PROTO_A_DECIDED,
	    (uint64_t)sj->decided)) != 0)
		return r;
	return 0;
}

int
review_show(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct reviewrule_campaign c;
	struct review_actor who;
	struct show_job sj;
	enum reason why;
	const char *msg;
	uint64_t id = 0;
	int r;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	if (proto_get_u64(rq->m, PROTO_A_REVIEW, &id) != 0 || id > INT64_MAX)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a review id is required");
	if ((why = reviewrule_access(rq->w->st, (int64_t)id, &who, &c,
	    &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	memset(&sj, 0, sizeof(sj));
	sj.rq = rq;
	sj.inactive_days = ad->cfg->review_inactive_days;
	sj.now = review_now(ad);
	sj.reply = reply;
	if ((r = store_review_items(rq->w->st, (int64_t)id, NULL, show_item,
	    &sj)) != 0)
		return r;
	if ((r = store_review_get(rq->w->st, (int64_t)id, show_review,
	    &sj)) != 0)
		return r == AUTHD_ERR_NOT_FOUND ? AUTHD_ERR_DB : r;
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}

/* ---- decide ---- */

struct decide_job {
	struct req			*rq;
	const struct review_actor	*who;
	struct reviewrule_decision	 d;
};

static int
decide_tx(struct wtx *tx, void *arg)
{
	struct decide_job *j = arg;
	struct reviewrule_decision *d = &j->d;
	char detail[1400];
	int r;

	if ((r = reviewrule_decide(tx->st, j->who, d)) != 0)
		return r;
	if (d->refused) {
		/* A refused attempt changes nothing, but is on the record. */
		snprintf(detail, sizeof(detail), "review %lld: %s %s refused: "
		    "%s", (long long)d->id, d->decision, d->user, d->msg);
		j->rq->system = d->system[0] ? d->system : NULL;
		j->rq->user = d->user;
		return req_audit(tx, j->rq, "review-decide", "deny",
		    RSN_FORBIDDEN, detail, NULL);
	}
	if (d->why != RSN_OK)
		return 0;
	snprintf(detail, sizeof(detail), "review %lld: %s %s (role %s)%s%s",
	    (long long)d->id, d->decision, d->user, d->role ? d->role : "all",
	    d->comment ? ": " : "", d->comment ? d->comment : "");
	j->rq->system = d->system;
	j->rq->user = d->user;
	return req_audit(tx, j->rq, "review-decide", d->decision, RSN_OK,
	    detail, NULL);
}

int
review_decide(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct reviewrule_decision *d;
	struct decide_job j;
	struct review_actor who;
	enum reason why;
	const char *msg;
	uint64_t id = 0;
	int r;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	memset(&j, 0, sizeof(j));
	d = &j.d;
	j.rq = rq;
	j.who = &who;
	d->now = review_now(ad);
	d->user = rq->user;
	d->role = proto_str(rq->m, PROTO_A_ROLE, NULL);
	d->decision = proto_str(rq->m, PROTO_A_DECISION, "");
	d->comment = proto_str(rq->m, PROTO_A_COMMENT, NULL);
	d->require_comment = ad->cfg->review_require_comment;
	if (proto_get_u64(rq->m, PROTO_A_REVIEW, &id) != 0 || id > INT64_MAX)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a review id is required");
	d->id = (int64_t)id;
	if (strcmp(d->decision, "keep") != 0 &&
	    strcmp(d->decision, "revoke") != 0)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "decide keep or revoke");
	if (d->role != NULL && !str_valid_name(d->role))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_FORMAT,
		    "invalid role name");
	if (d->comment != NULL && (strlen(d->comment) > 1000 ||
	    strpbrk(d->comment, "\n\r") != NULL))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_FORMAT,
		    "a comment is one line of at most 1000 bytes");
	if ((r = writer_run(ad->writer, decide_tx, &j)) != 0)
		return r;
	if (d->why != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, d->why, d->msg);
	log_notice("review %lld: %s decided %s for %s", (long long)d->id,
	    who.name, d->decision, d->user);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, strcmp(d->decision,
	    "revoke") == 0 ? "revoked; in force now" : "kept");
}

/* ---- close ---- */

struct close_job {
	struct req			*rq;
	const struct review_actor	*who;
	struct reviewrule_closing	 c;
};

static int
close_tx(struct wtx *tx, void *arg)
{
	struct close_job *j = arg;
	struct reviewrule_closing *c = &j->c;
	char detail[256];
	uint8_t hash[CHAIN_HASH_LEN];
	int64_t seq = 0;
	int r;

	if ((r = reviewrule_close(tx->st, j->who, c)) != 0)
		return r;
	if (c->why != RSN_OK)
		return 0;
	snprintf(detail, sizeof(detail), "review %lld closed: %lld kept, %lld "
	    "revoked, %lld of them by default%s%s", (long long)c->id,
	    (long long)c->kept, (long long)c->revoked,
	    (long long)c->defaulted, c->deflt ? " " : "",
	    c->deflt ? c->deflt : "");
	j->rq->system = c->system;
	if ((r = req_audit(tx, j->rq, "review-close", "ok", RSN_OK, detail,
	    NULL)) != 0)
		return r;
	/* The chain head, the close record included, goes in the report. */
	if ((r = store_audit_head(tx->st, &seq, hash)) != 0)
		return r;
	return store_review_close(tx->st, c->id, c->now, j->who->name,
	    c->deflt, seq, hash);
}

int
review_close(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct reviewrule_closing *c;
	struct close_job j;
	struct review_actor who;
	enum reason why;
	const char *msg;
	char text[160];
	uint64_t id = 0;
	int r;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	memset(&j, 0, sizeof(j));
	c = &j.c;
	j.rq = rq;
	j.who = &who;
	c->now = review_now(ad);
	c->deflt = proto_str(rq->m, PROTO_A_DEFAULT, NULL);
	if (proto_get_u64(rq->m, PROTO_A_REVIEW, &id) != 0 || id > INT64_MAX)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a review id is required");
	c->id = (int64_t)id;
	if (c->deflt != NULL && strcmp(c->deflt, "keep") != 0 &&
	    strcmp(c->deflt, "revoke") != 0)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "the default is keep or revoke");
	if ((r = writer_run(ad->writer, close_tx, &j)) != 0)
		return r;
	if (c->why != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, c->why, c->msg);
	log_notice("review %lld closed by %s: %lld kept, %lld revoked",
	    (long long)c->id, who.name, (long long)c->kept,
	    (long long)c->revoked);
	if (ad->cfg->ldap_write_dn != NULL)
		remediation_run(rq, c->id, c->system);
	snprintf(text, sizeof(text), "closed: %lld kept, %lld revoked (%lld "
	    "by default)", (long long)c->kept, (long long)c->revoked,
	    (long long)c->defaulted);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, text);
}

/* ---- revocations ---- */

struct revlist_job {
	struct req	*rq;
	int64_t		 n;
};

static int
revocation_row(const struct store_revocation *v, void *arg)
{
	struct revlist_job *l = arg;
	struct proto_msg *row;

	if ((row = proto_new(PROTO_T_ROW, l->rq->m->reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (proto_add_str(row, PROTO_A_KIND, "revocation") != 0 ||
	    proto_add_str(row, PROTO_A_SYSTEM, v->system) != 0 ||
	    proto_add_str(row, PROTO_A_USER, v->user) != 0 ||
	    proto_add_str(row, PROTO_A_ROLE, v->role) != 0 ||
	    proto_add_u64(row, PROTO_A_REVIEW, (uint64_t)v->review_id) != 0 ||
	    proto_add_u64(row, PROTO_A_TIME, (uint64_t)v->created_ms) != 0 ||
	    proto_add_str(row, PROTO_A_ACTOR, v->created_by) != 0) {
		proto_free(row);
		return AUTHD_ERR_INTERNAL;
	}
	l->n++;
	return send_msg(l->rq, row);
}

int
review_revocation_list(struct req *rq, struct proto_msg *reply)
{
	const char *system = proto_str(rq->m, PROTO_A_SYSTEM, NULL), *msg;
	struct review_actor who;
	struct revlist_job l;
	enum reason why;
	int r;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	if (system != NULL && !str_valid_name(system))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_FORMAT,
		    "invalid system name");
	memset(&l, 0, sizeof(l));
	l.rq = rq;
	/* Owners see the revocations of their own systems. */
	r = store_revocation_list(rq->w->st, system, who.admin ? NULL :
	    who.name, revocation_row, &l);
	return list_done(reply, l.n, r);
}

struct lift_job {
	struct req	*rq;
	const char	*system, *user, *role, *comment, *by;
	int64_t		 now;
	int64_t		 n;
};

static int
lift_tx(struct wtx *tx, void *arg)
{
	struct lift_job *j = arg;
	char detail[1200];
	int r;

	if ((r = store_revocation_lift(tx->st, j->system, j->user, j->role,
	    j->now, j->by, j->comment, &j->n)) != 0)
		return r;
	if (j->n == 0)
		return 0;
	snprintf(detail, sizeof(detail), "%lld revocation(s) of %s on %s "
	    "(role %s) lifted: %s", (long long)j->n, j->user, j->system,
	    j->role ? j->role : "all", j->comment);
	j->rq->system = j->system;
	return req_audit(tx, j->rq, "revocation-lift", "ok", RSN_OK, detail,
	    NULL);
}

int
review_revocation_lift(struct req *rq, struct proto_msg *reply)
{
	struct lift_job j;
	struct review_actor who;
	enum reason why;
	const char *msg;
	int r;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	if (!who.admin)
		return reply_set(reply, PROTO_S_ERROR, RSN_FORBIDDEN, "lifting "
		    "a revocation is for the security function (admin_group)");
	memset(&j, 0, sizeof(j));
	j.rq = rq;
	j.system = proto_str(rq->m, PROTO_A_SYSTEM, NULL);
	j.user = rq->user;
	j.role = proto_str(rq->m, PROTO_A_ROLE, NULL);
	j.comment = proto_str(rq->m, PROTO_A_COMMENT, NULL);
	j.by = who.name;
	j.now = review_now(rq->w->ad);
	if (j.system == NULL || !str_valid_name(j.system) ||
	    (j.role != NULL && !str_valid_name(j.role)))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a valid system (and role) is required");
	if (j.comment == NULL || *j.comment == '\0' ||
	    strlen(j.comment) > 1000 || strpbrk(j.comment, "\n\r") != NULL)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a comment (one line, at most 1000 bytes) is required");
	if ((r = writer_run(rq->w->ad->writer, lift_tx, &j)) != 0)
		return r;
	if (j.n == 0)
		return reply_set(reply, PROTO_S_ERROR, RSN_NOT_FOUND,
		    "no revocation in force matches");
	log_notice("%s lifted %lld revocation(s) of %s on %s", who.name,
	    (long long)j.n, j.user, j.system);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, "lifted");
}

/* ---- overdue campaigns ---- */

static int
overdue_row(const struct store_review *rv, void *arg)
{
	const int64_t *now = arg;

	if (rv->closed_ms == 0 && rv->due_ms < *now)
		log_warn("review %lld of %s (owner %s) is overdue by %lld "
		    "days: %lld items undecided", (long long)rv->id,
		    rv->system, rv->owner,
		    (long long)((*now - rv->due_ms) / DAY_MS),
		    (long long)(rv->nitems - rv->ndecided));
	return 0;
}

void
review_log_overdue(struct authd *ad)
{
	int64_t now = review_now(ad);

	if (ad->main_st != NULL)
		(void)store_review_list(ad->main_st, NULL, overdue_row, &now);
}
