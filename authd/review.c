/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Access reviews (docs/reviews.md): a campaign is a snapshot of who holds
 * which role on a system; the system owner keeps or revokes each item; a
 * revoke takes effect at once (the engine asks review_revoked); closing
 * records the audit chain head, so that the report can be tied to the
 * trail.
 *
 * Who may act: the security function (root or admin_group, by peer
 * credentials) on any campaign; a system owner on their own systems, known
 * by the local account name of the peer or proved with directory password
 * and TOTP code.  Nobody decides on their own access.
 *
 * Every check and the change it permits run in one writer transaction.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "audit.h"
#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "proof.h"
#include "sock.h"
#include "util.h"
#include "writer.h"

#define DAY_MS		INT64_C(86400000)
#define ITEMS_MAX	100000

/* Who is asking. */
struct who {
	char	name[257];
	int	admin;
};

static int64_t
review_now(struct authd *ad)
{
	return wall_ms() + ad->cfg->review_time_offset * 1000;
}

/* Sleeps until PROOF_FLOOR_MS after `start` (mono_ms()). */
static void
proof_floor(int64_t start)
{
	int64_t left = start + PROOF_FLOOR_MS - mono_ms();
	struct timespec ts;

	if (left <= 0)
		return;
	will_block();
	ts.tv_sec = (time_t)(left / 1000);
	ts.tv_nsec = (long)(left % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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
reviewer(struct req *rq, struct who *w, const char **msg)
{
	const char *as = proto_str(rq->m, PROTO_A_AS, NULL);
	const char *saved_user = rq->user, *saved_service = rq->service;
	struct passwd pw, *pwp = NULL;
	char buf[4096];
	enum reason why = RSN_INTERNAL;
	int64_t start, wait;
	int r;

	memset(w, 0, sizeof(*w));
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

/* ---- small SQL helpers (on the worker's or the writer's store) ---- */

static sqlite3_stmt *
prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK) {
		log_err("database: %s", sqlite3_errmsg(store_db(st)));
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

int
review_revoked(void *arg, const char *system, const char *role,
    const char *user, char *cite, size_t citesz)
{
	struct req *rq = arg;
	sqlite3_stmt *s;
	int found = 0;

	if ((s = store_stmt(rq->w->st, "SELECT review_id FROM revocations "
	    "WHERE system = ?1 AND user = ?2 AND role = ?3 AND lifted_ms IS "
	    "NULL ORDER BY id LIMIT 1")) == NULL)
		return 1;	/* SECURITY NOTE: unknown counts as revoked */
	sqlite3_bind_text(s, 1, system, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, role, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		snprintf(cite, citesz, "review %lld",
		    (long long)sqlite3_column_int64(s, 0));
		found = 1;
		break;
	case SQLITE_DONE:
		break;
	default:
		log_err("database: %s", sqlite3_errmsg(store_db(rq->w->st)));
		snprintf(cite, citesz, "review (database error)");
		found = 1;
	}
	store_stmt_done(s);
	return found;
}

/* The newest allowed account decision of `user` on `system`, 0 if none. */
static int64_t
last_login(struct store *st, const char *user, const char *system)
{
	sqlite3_stmt *s;
	int64_t t = 0;

	if ((s = store_stmt(st, "SELECT MAX(time_ms) FROM audit WHERE "
	    "seq IN (" STORE_SEQS_OF_USER("?1") ") AND user = ?1 AND "
	    "system = ?2 AND event = 'account' AND decision = 'allow'")) ==
	    NULL)
		return 0;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, system, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		t = sqlite3_column_int64(s, 0);
	store_stmt_done(s);
	return t;
}

/* ---- start ---- */

struct item {
	char		*user;
	char		*role;
	char		*path;
	const char	*token;
	int64_t		 last_login;
	int		 inactive;
	int		 needs_admin;
	enum reason	 account;	/* the holder's state (subject.h) */
};

struct start_job {
	struct req		*rq;
	const struct pol_system	*sys;
	const char		*policy;
	const struct who	*who;
	int64_t			 now, due;
	int			 inactive_days;
	struct item		*items;
	size_t			 nitems;
	int64_t			 id;
};

static int
start_tx(struct wtx *tx, void *arg)
{
	struct start_job *j = arg;
	const struct pol_system *sys = j->sys;
	sqlite3_stmt *s;
	char cls[32], detail[160];
	size_t i;
	int r = AUTHD_ERR_DB;

	snprintf(cls, sizeof(cls), "C%d I%d A%d", sys->conf, sys->integ,
	    sys->avail);
	if ((s = prepare(tx->st, "INSERT INTO reviews (system, owner, "
	    "description, class, policy, started_ms, started_by, due_ms, "
	    "inactive_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")) ==
	    NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_text(s, 1, sys->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sys->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, sys->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, cls, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, j->policy, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, j->now);
	sqlite3_bind_text(s, 7, j->who->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, j->due);
	sqlite3_bind_int(s, 9, j->inactive_days);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(s);
	j->id = sqlite3_last_insert_rowid(store_db(tx->st));
	if ((s = prepare(tx->st, "INSERT INTO review_items (review_id, user, "
	    "role, path, token, last_login_ms, inactive, needs_admin, account) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")) == NULL)
		return AUTHD_ERR_DB;
	for (i = 0; i < j->nitems; i++) {
		const struct item *it = &j->items[i];

		sqlite3_bind_int64(s, 1, j->id);
		sqlite3_bind_text(s, 2, it->user, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, it->role, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, it->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, it->token, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, it->last_login);
		sqlite3_bind_int(s, 7, it->inactive);
		sqlite3_bind_int(s, 8, it->needs_admin);
		sqlite3_bind_text(s, 9, reason_str(it->account), -1,
		    SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto out;
		sqlite3_reset(s);
	}
	snprintf(detail, sizeof(detail), "review %lld: %zu items, owner %s, "
	    "due %lld", (long long)j->id, j->nitems, sys->owner,
	    (long long)j->due);
	j->rq->system = sys->name;
	r = req_audit(tx, j->rq, "review-start", "ok", RSN_OK, detail, NULL);
 out:
	if (r == AUTHD_ERR_DB)
		log_err("database: %s", sqlite3_errmsg(store_db(tx->st)));
	sqlite3_finalize(s);
	return r;
}

static void
items_free(struct item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(items[i].user);
		free(items[i].role);
		free(items[i].path);
	}
	free(items);
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
	struct holders hs;
	const struct dc_entry *e;
	struct dc_info info;
	char cite[64];
	size_t i;
	int r, skip;

	if ((r = access_holders(rq, p, sys, &hs)) != 0) {
		access_holders_free(&hs);
		return r;
	}
	if (hs.n > ITEMS_MAX ||
	    (j->items = calloc(hs.n + 1, sizeof(*j->items))) == NULL) {
		access_holders_free(&hs);
		return AUTHD_ERR_NOMEM;
	}
	for (i = 0; i < hs.n; i++) {
		struct item *it = &j->items[j->nitems];

		e = NULL;
		skip = review_revoked(rq, sys->name, hs.h[i].role,
		    hs.h[i].user, cite, sizeof(cite));
		if (!skip && hs.h[i].state == RSN_OK &&
		    dircache_get(rq->w->ad->dc, rq->w->dir,
		    hs.h[i].user, policy_nesting_depth(p), &e, &info) == 0 &&
		    e != NULL && e->found)
			skip = policy_deny_always(p, sys, &e->pu) != NULL;
		dircache_put(e);
		if (skip)
			continue;
		it->user = hs.h[i].user;
		it->role = hs.h[i].role;
		it->path = hs.h[i].path;
		hs.h[i].user = hs.h[i].role = hs.h[i].path = NULL;
		it->token = store_token_state(rq->w->st, it->user);
		it->last_login = last_login(rq->w->st, it->user, sys->name);
		it->inactive = it->last_login == 0 || now - it->last_login >
		    j->inactive_days * DAY_MS;
		it->needs_admin = strcmp(it->user, sys->owner) == 0;
		it->account = hs.h[i].state;
		j->nitems++;
	}
	access_holders_free(&hs);
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
	struct who who;
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
		items_free(j.items, j.nitems);
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

/* "open", "overdue" or "closed". */
static const char *
state_of(int64_t closed, int64_t due, int64_t now)
{
	return closed != 0 ? "closed" : due < now ? "overdue" : "open";
}

int
review_list(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	const char *filter = proto_str(rq->m, PROTO_A_STATE, "all"), *msg, *st;
	struct proto_msg *row;
	sqlite3_stmt *s;
	struct who who;
	enum reason why;
	int64_t now = review_now(ad), n = 0;
	int rc, r = 0;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	if (strcmp(filter, "all") != 0 && strcmp(filter, "open") != 0 &&
	    strcmp(filter, "overdue") != 0)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "list all, open or overdue");
	if ((s = prepare(rq->w->st, "SELECT r.id, r.system, r.owner, "
	    "r.started_ms, r.due_ms, COALESCE(r.closed_ms, 0), "
	    "(SELECT COUNT(*) FROM review_items i WHERE i.review_id = r.id), "
	    "(SELECT COUNT(*) FROM review_items i WHERE i.review_id = r.id "
	    "AND i.decision IS NOT NULL) FROM reviews r WHERE (?1 OR r.owner "
	    "= ?2) ORDER BY r.id")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int(s, 1, who.admin);
	sqlite3_bind_text(s, 2, who.name, -1, SQLITE_STATIC);
	while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		st = state_of(sqlite3_column_int64(s, 5),
		    sqlite3_column_int64(s, 4), now);
		if ((strcmp(filter, "open") == 0 && strcmp(st, "closed") ==
		    0) || (strcmp(filter, "overdue") == 0 &&
		    strcmp(st, "overdue") != 0))
			continue;
		if ((row = proto_new(PROTO_T_ROW, rq->m->reqid)) == NULL) {
			r = AUTHD_ERR_NOMEM;
			break;
		}
		if (proto_add_str(row, PROTO_A_KIND, "review") != 0 ||
		    proto_add_u64(row, PROTO_A_REVIEW,
		    (uint64_t)sqlite3_column_int64(s, 0)) != 0 ||
		    proto_add_str(row, PROTO_A_SYSTEM, col_text(s, 1)) != 0 ||
		    proto_add_str(row, PROTO_A_OWNER, col_text(s, 2)) != 0 ||
		    proto_add_u64(row, PROTO_A_TIME,
		    (uint64_t)sqlite3_column_int64(s, 3)) != 0 ||
		    proto_add_u64(row, PROTO_A_DUE,
		    (uint64_t)sqlite3_column_int64(s, 4)) != 0 ||
		    proto_add_u64(row, PROTO_A_CLOSED,
		    (uint64_t)sqlite3_column_int64(s, 5)) != 0 ||
		    proto_add_str(row, PROTO_A_STATE, st) != 0 ||
		    proto_add_u64(row, PROTO_A_COUNT,
		    (uint64_t)sqlite3_column_int64(s, 6)) != 0 ||
		    proto_add_u64(row, PROTO_A_DECIDED,
		    (uint64_t)sqlite3_column_int64(s, 7)) != 0) {
			proto_free(row);
			r = AUTHD_ERR_INTERNAL;
			break;
		}
		r = send_msg(rq, row);
		n++;
	}
	sqlite3_finalize(s);
	return list_done(reply, n, r);
}

/*
 * The campaign `id` as seen by `who`: RSN_OK with its system and owner,
 * RSN_NOT_FOUND, or RSN_FORBIDDEN for someone who is neither the owner
 * nor the security function.
 */
static enum reason
review_access(struct store *st, int64_t id, const struct who *who,
    char *system, char *owner, int64_t *closed, const char **msg)
{
	sqlite3_stmt *s;
	enum reason why = RSN_NOT_FOUND;

	*msg = "no such review";
	if ((s = prepare(st, "SELECT system, owner, COALESCE(closed_ms, 0) "
	    "FROM reviews WHERE id = ?1")) == NULL) {
		*msg = "internal error";
		return RSN_INTERNAL;
	}
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(system, 65, "%s", col_text(s, 0));
		snprintf(owner, 257, "%s", col_text(s, 1));
		*closed = sqlite3_column_int64(s, 2);
		if (who->admin || strcmp(owner, who->name) == 0)
			why = RSN_OK;
		else {
			why = RSN_FORBIDDEN;
			*msg = "only the system owner or the security function "
			    "may act on this review";
		}
	}
	sqlite3_finalize(s);
	return why;
}

int
review_show(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	char system[65], owner[257], rec[256];
	struct proto_msg *row;
	sqlite3_stmt *s;
	struct who who;
	enum reason why;
	const char *msg;
	uint64_t id = 0;
	int64_t closed = 0, now = review_now(ad), n = 0, decided = 0;
	int rc, r = 0, inactive;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	if (proto_get_u64(rq->m, PROTO_A_REVIEW, &id) != 0 || id > INT64_MAX)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a review id is required");
	if ((why = review_access(rq->w->st, (int64_t)id, &who, system, owner,
	    &closed, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);

	if ((s = prepare(rq->w->st, "SELECT user, role, path, token, "
	    "last_login_ms, inactive, needs_admin, COALESCE(decision, ''), "
	    "COALESCE(decided_by, ''), COALESCE(decided_ms, 0), "
	    "COALESCE(comment, ''), by_default, COALESCE(remediation, ''), "
	    "account FROM review_items WHERE review_id = ?1 ORDER BY user, "
	    "role")) ==
	    NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(s, 1, (int64_t)id);
	while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		inactive = sqlite3_column_int(s, 5);
		if (strcmp(col_text(s, 13), "ok") != 0)
			snprintf(rec, sizeof(rec), "revoke (%s)",
			    col_text(s, 13));
		else if (sqlite3_column_int64(s, 4) == 0)
			snprintf(rec, sizeof(rec), "revoke (no login on record)");
		else if (inactive)
			snprintf(rec, sizeof(rec), "revoke (no login in %lld "
			    "days)", (long long)ad->cfg->review_inactive_days);
		else
			snprintf(rec, sizeof(rec), "keep");
		if (*col_text(s, 7) != '\0')
			decided++;
		if ((row = proto_new(PROTO_T_ROW, rq->m->reqid)) == NULL) {
			r = AUTHD_ERR_NOMEM;
			break;
		}
		if (proto_add_str(row, PROTO_A_KIND, "item") != 0 ||
		    proto_add_str(row, PROTO_A_USER, col_text(s, 0)) != 0 ||
		    proto_add_str(row, PROTO_A_ROLE, col_text(s, 1)) != 0 ||
		    proto_add_str(row, PROTO_A_PATH, col_text(s, 2)) != 0 ||
		    proto_add_str(row, PROTO_A_STATE, col_text(s, 3)) != 0 ||
		    proto_add_str(row, PROTO_A_ACCOUNT_REASON,
		    col_text(s, 13)) != 0 ||
		    proto_add_u64(row, PROTO_A_LAST_LOGIN,
		    (uint64_t)sqlite3_column_int64(s, 4)) != 0 ||
		    proto_add_u64(row, PROTO_A_INACTIVE, (uint64_t)inactive) !=
		    0 ||
		    proto_add_str(row, PROTO_A_RECOMMEND, rec) != 0 ||
		    proto_add_u64(row, PROTO_A_NEEDS_ADMIN,
		    (uint64_t)sqlite3_column_int(s, 6)) != 0 ||
		    (*col_text(s, 7) && (proto_add_str(row, PROTO_A_DECISION,
		    col_text(s, 7)) != 0 || proto_add_str(row, PROTO_A_ACTOR,
		    col_text(s, 8)) != 0 || proto_add_u64(row, PROTO_A_TIME,
		    (uint64_t)sqlite3_column_int64(s, 9)) != 0 ||
		    proto_add_u64(row, PROTO_A_DEFAULT_BY,
		    (uint64_t)sqlite3_column_int(s, 11)) != 0)) ||
		    (*col_text(s, 10) && proto_add_str(row, PROTO_A_COMMENT,
		    col_text(s, 10)) != 0) ||
		    (*col_text(s, 12) && proto_add_str(row,
		    PROTO_A_REMEDIATION, col_text(s, 12)) != 0)) {
			proto_free(row);
			r = AUTHD_ERR_INTERNAL;
			break;
		}
		r = send_msg(rq, row);
		n++;
	}
	sqlite3_finalize(s);
	if (r != 0)
		return r;

	if ((s = prepare(rq->w->st, "SELECT system, owner, "
	    "COALESCE(description, ''), class, policy, started_ms, "
	    "started_by, due_ms, COALESCE(closed_ms, 0), "
	    "COALESCE(closed_by, ''), COALESCE(close_default, ''), "
	    "COALESCE(head_seq, 0), head_hash FROM reviews WHERE id = ?1")) ==
	    NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(s, 1, (int64_t)id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return AUTHD_ERR_DB;
	}
	{
		char hex[2 * CHAIN_HASH_LEN + 1] = "";
		const void *h = sqlite3_column_blob(s, 12);

		if (h != NULL && sqlite3_column_bytes(s, 12) ==
		    CHAIN_HASH_LEN)
			chain_hex(h, CHAIN_HASH_LEN, hex);
		if ((r = proto_add_u64(reply, PROTO_A_REVIEW, id)) != 0 ||
		    (r = proto_add_str(reply, PROTO_A_SYSTEM, col_text(s, 0))) !=
		    0 ||
		    (r = proto_add_str(reply, PROTO_A_OWNER, col_text(s, 1))) !=
		    0 ||
		    (*col_text(s, 2) && (r = proto_add_str(reply,
		    PROTO_A_DESCRIPTION, col_text(s, 2))) != 0) ||
		    (r = proto_add_str(reply, PROTO_A_CLASS, col_text(s, 3))) !=
		    0 ||
		    (r = proto_add_str(reply, PROTO_A_POLICY, col_text(s, 4))) !=
		    0 ||
		    (r = proto_add_u64(reply, PROTO_A_TIME,
		    (uint64_t)sqlite3_column_int64(s, 5))) != 0 ||
		    (r = proto_add_str(reply, PROTO_A_ACTOR, col_text(s, 6))) !=
		    0 ||
		    (r = proto_add_u64(reply, PROTO_A_DUE,
		    (uint64_t)sqlite3_column_int64(s, 7))) != 0 ||
		    (r = proto_add_u64(reply, PROTO_A_CLOSED,
		    (uint64_t)sqlite3_column_int64(s, 8))) != 0 ||
		    (*col_text(s, 9) && (r = proto_add_str(reply,
		    PROTO_A_CLOSED_BY, col_text(s, 9))) != 0) ||
		    (*col_text(s, 10) && (r = proto_add_str(reply,
		    PROTO_A_DEFAULT, col_text(s, 10))) != 0) ||
		    (sqlite3_column_int64(s, 11) && ((r = proto_add_u64(reply,
		    PROTO_A_SEQ, (uint64_t)sqlite3_column_int64(s, 11))) != 0 ||
		    (r = proto_add_str(reply, PROTO_A_HASH, hex)) != 0)) ||
		    (r = proto_add_str(reply, PROTO_A_STATE,
		    state_of(sqlite3_column_int64(s, 8),
		    sqlite3_column_int64(s, 7), now))) != 0 ||
		    (r = proto_add_u64(reply, PROTO_A_COUNT, (uint64_t)n)) != 0 ||
		    (r = proto_add_u64(reply, PROTO_A_DECIDED,
		    (uint64_t)decided)) != 0) {
			sqlite3_finalize(s);
			return r;
		}
	}
	sqlite3_finalize(s);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}

/* ---- decide ---- */

struct decide_job {
	struct req		*rq;
	const struct who	*who;
	int64_t			 id, now;
	const char		*user, *role, *decision, *comment;
	int			 require_comment;
	enum reason		 why;
	const char		*msg;
	char			 msgbuf[256];
	char			 system[65];
	int			 changed;
};

static int
insert_revocation(struct store *st, const char *system, const char *user,
    const char *role, int64_t id, int64_t now, const char *by)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = prepare(st, "INSERT INTO revocations (system, user, role, "
	    "review_id, created_ms, created_by) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6)")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_text(s, 1, system, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, id);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_text(s, 6, by, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : AUTHD_ERR_DB;
}

static int
decide_tx(struct wtx *tx, void *arg)
{
	struct decide_job *j = arg;
	char owner[257], roles[512] = "", detail[1400];
	sqlite3_stmt *s;
	int64_t closed;
	int n = 0, inactive = 0, needs_admin = 0, decided = 0, r, rc;

	j->why = review_access(tx->st, j->id, j->who, j->system, owner,
	    &closed, &j->msg);
	if (j->why == RSN_FORBIDDEN)
		goto refused;
	if (j->why != RSN_OK)
		return 0;
	if (closed != 0) {
		j->why = RSN_BAD_REQUEST;
		j->msg = "the review is closed";
		return 0;
	}
	if ((s = prepare(tx->st, "SELECT role, inactive, needs_admin, "
	    "decision IS NOT NULL FROM review_items WHERE review_id = ?1 AND "
	    "user = ?2 AND (?3 IS NULL OR role = ?3) ORDER BY role")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(s, 1, j->id);
	sqlite3_bind_text(s, 2, j->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, j->role, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		n++;
		snprintf(roles + strlen(roles), sizeof(roles) - strlen(roles),
		    "%s%s", n > 1 ? "," : "", col_text(s, 0));
		inactive |= sqlite3_column_int(s, 1);
		needs_admin |= sqlite3_column_int(s, 2);
		decided |= sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return AUTHD_ERR_DB;
	if (n == 0) {
		j->why = RSN_NOT_FOUND;
		snprintf(j->msgbuf, sizeof(j->msgbuf), "%s%s%s is not in review "
		    "%lld", j->user, j->role ? " with role " : "",
		    j->role ? j->role : "", (long long)j->id);
		j->msg = j->msgbuf;
		return 0;
	}
	/* SECURITY NOTE: separation of duties. */
	if (strcmp(j->user, j->who->name) == 0 || (needs_admin &&
	    !j->who->admin)) {
		j->why = RSN_FORBIDDEN;
		j->msg = "nobody decides on their own access: this item is for "
		    "the security function (admin_group)";
		goto refused;
	}
	if (decided) {
		j->why = RSN_EXISTS;
		j->msg = "already decided";
		return 0;
	}
	if (j->require_comment && (j->comment == NULL || *j->comment ==
	    '\0') && (strcmp(j->decision, "revoke") == 0 || inactive)) {
		j->why = RSN_BAD_REQUEST;
		j->msg = strcmp(j->decision, "revoke") == 0 ? "a comment is "
		    "required to revoke" : "a comment is required to keep a "
		    "user flagged as inactive";
		return 0;
	}

	if ((s = prepare(tx->st, "UPDATE review_items SET decision = ?4, "
	    "decided_by = ?5, decided_ms = ?6, comment = ?7 WHERE "
	    "review_id = ?1 AND user = ?2 AND (?3 IS NULL OR role = ?3)")) ==
	    NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(s, 1, j->id);
	sqlite3_bind_text(s, 2, j->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, j->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, j->decision, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, j->who->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, j->now);
	sqlite3_bind_text(s, 7, j->comment, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return AUTHD_ERR_DB;
	if (strcmp(j->decision, "revoke") == 0) {
		char *role, *save = NULL;

		for (role = strtok_r(roles, ",", &save); role != NULL;
		    role = strtok_r(NULL, ",", &save))
			if ((r = insert_revocation(tx->st, j->system, j->user,
			    role, j->id, j->now, j->who->name)) != 0)
				return r;
		snprintf(roles, sizeof(roles), "%s", j->role ? j->role :
		    "all");
	}
	snprintf(detail, sizeof(detail), "review %lld: %s %s (role %s)%s%s",
	    (long long)j->id, j->decision, j->user, j->role ? j->role : "all",
	    j->comment ? ": " : "", j->comment ? j->comment : "");
	j->rq->system = j->system;
	j->rq->user = j->user;
	j->changed = 1;
	return req_audit(tx, j->rq, "review-decide", j->decision, RSN_OK,
	    detail, NULL);
 refused:
	/* A refused attempt changes nothing, but is on the record. */
	snprintf(detail, sizeof(detail), "review %lld: %s %s refused: %s",
	    (long long)j->id, j->decision, j->user, j->msg);
	j->rq->system = j->system[0] ? j->system : NULL;
	j->rq->user = j->user;
	return req_audit(tx, j->rq, "review-decide", "deny", RSN_FORBIDDEN,
	    detail, NULL);
}

int
review_decide(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct decide_job j;
	struct who who;
	enum reason why;
	const char *msg;
	uint64_t id = 0;
	int r;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	memset(&j, 0, sizeof(j));
	j.rq = rq;
	j.who = &who;
	j.now = review_now(ad);
	j.user = rq->user;
	j.role = proto_str(rq->m, PROTO_A_ROLE, NULL);
	j.decision = proto_str(rq->m, PROTO_A_DECISION, "");
	j.comment = proto_str(rq->m, PROTO_A_COMMENT, NULL);
	j.require_comment = ad->cfg->review_require_comment;
	if (proto_get_u64(rq->m, PROTO_A_REVIEW, &id) != 0 || id > INT64_MAX)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a review id is required");
	j.id = (int64_t)id;
	if (strcmp(j.decision, "keep") != 0 &&
	    strcmp(j.decision, "revoke") != 0)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "decide keep or revoke");
	if (j.role != NULL && !str_valid_name(j.role))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_FORMAT,
		    "invalid role name");
	if (j.comment != NULL && (strlen(j.comment) > 1000 ||
	    strpbrk(j.comment, "\n\r") != NULL))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_FORMAT,
		    "a comment is one line of at most 1000 bytes");
	if ((r = writer_run(ad->writer, decide_tx, &j)) != 0)
		return r;
	if (j.why != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, j.why, j.msg);
	log_notice("review %lld: %s decided %s for %s", (long long)j.id,
	    who.name, j.decision, j.user);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, strcmp(j.decision,
	    "revoke") == 0 ? "revoked; in force now" : "kept");
}

/* ---- close ---- */

struct close_job {
	struct req		*rq;
	const struct who	*who;
	int64_t			 id, now;
	const char		*deflt;
	enum reason		 why;
	const char		*msg;
	char			 msgbuf[256];
	char			 system[65];
	int64_t			 kept, revoked, defaulted;
};

static int
close_tx(struct wtx *tx, void *arg)
{
	struct close_job *j = arg;
	char owner[257], detail[256];
	uint8_t hash[CHAIN_HASH_LEN];
	sqlite3_stmt *s;
	int64_t closed, undecided = 0, seq = 0;
	int r, rc;

	j->why = review_access(tx->st, j->id, j->who, j->system, owner,
	    &closed, &j->msg);
	if (j->why != RSN_OK)
		return 0;
	if (closed != 0) {
		j->why = RSN_BAD_REQUEST;
		j->msg = "the review is already closed";
		return 0;
	}
	if ((s = prepare(tx->st, "SELECT COUNT(*) FROM review_items WHERE "
	    "review_id = ?1 AND decision IS NULL")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(s, 1, j->id);
	if (sqlite3_step(s) == SQLITE_ROW)
		undecided = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (undecided > 0 && j->deflt == NULL) {
		j->why = RSN_BAD_REQUEST;
		snprintf(j->msgbuf, sizeof(j->msgbuf), "%lld items are "
		    "undecided: decide them, or close with --default keep or "
		    "--default revoke", (long long)undecided);
		j->msg = j->msgbuf;
		return 0;
	}
	if (undecided > 0) {
		/*
		 * The default, recorded as such, item by item.  An account
		 * the directory disables, or a member it does not resolve,
		 * is never kept by default.
		 */
		{
			if ((s = prepare(tx->st, "SELECT user, role FROM "
			    "review_items WHERE review_id = ?1 AND decision IS "
			    "NULL AND (?2 = 'revoke' OR account <> 'ok')")) ==
			    NULL)
				return AUTHD_ERR_DB;
			sqlite3_bind_int64(s, 1, j->id);
			sqlite3_bind_text(s, 2, j->deflt, -1, SQLITE_STATIC);
			r = 0;
			while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW)
				r = insert_revocation(tx->st, j->system,
				    col_text(s, 0), col_text(s, 1), j->id,
				    j->now, j->who->name);
			sqlite3_finalize(s);
			if (r != 0)
				return r;
		}
		if ((s = prepare(tx->st, "UPDATE review_items SET decision = "
		    "CASE WHEN account <> 'ok' THEN 'revoke' ELSE ?2 END, "
		    "decided_by = ?3, decided_ms = ?4, by_default = 1, "
		    "comment = CASE WHEN account <> 'ok' THEN 'closed: "
		    "account ' || account ELSE 'closed with --default ' || ?2 "
		    "END WHERE review_id = ?1 AND decision IS NULL")) == NULL)
			return AUTHD_ERR_DB;
		sqlite3_bind_int64(s, 1, j->id);
		sqlite3_bind_text(s, 2, j->deflt, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, j->who->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, j->now);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return AUTHD_ERR_DB;
	}
	if ((s = prepare(tx->st, "SELECT SUM(decision = 'keep'), "
	    "SUM(decision = 'revoke'), SUM(by_default) FROM review_items "
	    "WHERE review_id = ?1")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(s, 1, j->id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		j->kept = sqlite3_column_int64(s, 0);
		j->revoked = sqlite3_column_int64(s, 1);
		j->defaulted = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	snprintf(detail, sizeof(detail), "review %lld closed: %lld kept, %lld "
	    "revoked, %lld of them by default%s%s", (long long)j->id,
	    (long long)j->kept, (long long)j->revoked,
	    (long long)j->defaulted, j->deflt ? " " : "",
	    j->deflt ? j->deflt : "");
	j->rq->system = j->system;
	if ((r = req_audit(tx, j->rq, "review-close", "ok", RSN_OK, detail,
	    NULL)) != 0)
		return r;
	/* The chain head, the close record included, goes in the report. */
	if ((r = audit_head(tx->st, &seq, hash)) != 0)
		return r;
	if ((s = prepare(tx->st, "UPDATE reviews SET closed_ms = ?2, "
	    "closed_by = ?3, close_default = ?4, head_seq = ?5, head_hash = "
	    "?6 WHERE id = ?1")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(s, 1, j->id);
	sqlite3_bind_int64(s, 2, j->now);
	sqlite3_bind_text(s, 3, j->who->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, j->deflt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, seq);
	sqlite3_bind_blob(s, 6, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : AUTHD_ERR_DB;
}

int
review_close(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct close_job j;
	struct who who;
	enum reason why;
	const char *msg;
	char text[160];
	uint64_t id = 0;
	int r;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	memset(&j, 0, sizeof(j));
	j.rq = rq;
	j.who = &who;
	j.now = review_now(ad);
	j.deflt = proto_str(rq->m, PROTO_A_DEFAULT, NULL);
	if (proto_get_u64(rq->m, PROTO_A_REVIEW, &id) != 0 || id > INT64_MAX)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a review id is required");
	j.id = (int64_t)id;
	if (j.deflt != NULL && strcmp(j.deflt, "keep") != 0 &&
	    strcmp(j.deflt, "revoke") != 0)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "the default is keep or revoke");
	if ((r = writer_run(ad->writer, close_tx, &j)) != 0)
		return r;
	if (j.why != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, j.why, j.msg);
	log_notice("review %lld closed by %s: %lld kept, %lld revoked",
	    (long long)j.id, who.name, (long long)j.kept,
	    (long long)j.revoked);
	if (ad->cfg->ldap_write_dn != NULL)
		review_remediate(rq, j.id, j.system);
	snprintf(text, sizeof(text), "closed: %lld kept, %lld revoked (%lld "
	    "by default)", (long long)j.kept, (long long)j.revoked,
	    (long long)j.defaulted);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, text);
}

/* ---- revocations ---- */

int
review_revocation_list(struct req *rq, struct proto_msg *reply)
{
	const char *system = proto_str(rq->m, PROTO_A_SYSTEM, NULL), *msg;
	struct proto_msg *row;
	sqlite3_stmt *s;
	struct who who;
	enum reason why;
	int64_t n = 0;
	int r = 0;

	if ((why = reviewer(rq, &who, &msg)) != RSN_OK)
		return reply_set(reply, PROTO_S_ERROR, why, msg);
	if (system != NULL && !str_valid_name(system))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_FORMAT,
		    "invalid system name");
	/* Owners see the revocations of their own systems. */
	if ((s = prepare(rq->w->st, "SELECT v.system, v.user, v.role, "
	    "v.review_id, v.created_ms, v.created_by FROM revocations v JOIN "
	    "reviews r ON r.id = v.review_id WHERE v.lifted_ms IS NULL AND "
	    "(?1 IS NULL OR v.system = ?1) AND (?2 OR r.owner = ?3) ORDER BY "
	    "v.system, v.user, v.role")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_text(s, 1, system, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, who.admin);
	sqlite3_bind_text(s, 3, who.name, -1, SQLITE_STATIC);
	while (r == 0 && sqlite3_step(s) == SQLITE_ROW) {
		if ((row = proto_new(PROTO_T_ROW, rq->m->reqid)) == NULL) {
			r = AUTHD_ERR_NOMEM;
			break;
		}
		if (proto_add_str(row, PROTO_A_KIND, "revocation") != 0 ||
		    proto_add_str(row, PROTO_A_SYSTEM, col_text(s, 0)) != 0 ||
		    proto_add_str(row, PROTO_A_USER, col_text(s, 1)) != 0 ||
		    proto_add_str(row, PROTO_A_ROLE, col_text(s, 2)) != 0 ||
		    proto_add_u64(row, PROTO_A_REVIEW,
		    (uint64_t)sqlite3_column_int64(s, 3)) != 0 ||
		    proto_add_u64(row, PROTO_A_TIME,
		    (uint64_t)sqlite3_column_int64(s, 4)) != 0 ||
		    proto_add_str(row, PROTO_A_ACTOR, col_text(s, 5)) != 0) {
			proto_free(row);
			r = AUTHD_ERR_INTERNAL;
			break;
		}
		r = send_msg(rq, row);
		n++;
	}
	sqlite3_finalize(s);
	return list_done(reply, n, r);
}

struct lift_job {
	struct req	*rq;
	const char	*system, *user, *role, *comment, *by;
	int64_t		 now;
	int		 n;
};

static int
lift_tx(struct wtx *tx, void *arg)
{
	struct lift_job *j = arg;
	char detail[1200];
	sqlite3_stmt *s;
	int rc;

	if ((s = prepare(tx->st, "UPDATE revocations SET lifted_ms = ?4, "
	    "lifted_by = ?5, lift_comment = ?6 WHERE system = ?1 AND user = "
	    "?2 AND (?3 IS NULL OR role = ?3) AND lifted_ms IS NULL")) ==
	    NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_text(s, 1, j->system, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, j->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, j->role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, j->now);
	sqlite3_bind_text(s, 5, j->by, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, j->comment, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return AUTHD_ERR_DB;
	if ((j->n = sqlite3_changes(store_db(tx->st))) == 0)
		return 0;
	snprintf(detail, sizeof(detail), "%d revocation(s) of %s on %s "
	    "(role %s) lifted: %s", j->n, j->user, j->system, j->role ?
	    j->role : "all", j->comment);
	j->rq->system = j->system;
	return req_audit(tx, j->rq, "revocation-lift", "ok", RSN_OK, detail,
	    NULL);
}

int
review_revocation_lift(struct req *rq, struct proto_msg *reply)
{
	struct lift_job j;
	struct who who;
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
	log_notice("%s lifted %d revocation(s) of %s on %s", who.name, j.n,
	    j.user, j.system);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, "lifted");
}

/* ---- remediation in the directory ---- */

struct remedy_job {
	struct req	*rq;
	int64_t		 id;
	const char	*system, *user, *role, *text;
	int		 ok;
};

static int
remedy_tx(struct wtx *tx, void *arg)
{
	struct remedy_job *j = arg;
	char detail[800];
	sqlite3_stmt *s;
	int rc;

	if ((s = prepare(tx->st, "UPDATE review_items SET remediation = ?4 "
	    "WHERE review_id = ?1 AND user = ?2 AND role = ?3")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(s, 1, j->id);
	sqlite3_bind_text(s, 2, j->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, j->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, j->text, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return AUTHD_ERR_DB;
	snprintf(detail, sizeof(detail), "review %lld role %s: %s",
	    (long long)j->id, j->role, j->text);
	j->rq->system = j->system;
	j->rq->user = j->user;
	return req_audit(tx, j->rq, "review-remediation", j->ok ? "ok" :
	    "error", j->ok ? RSN_OK : RSN_DIRECTORY_UNAVAILABLE, detail, NULL);
}

void
review_remediate(struct req *rq, int64_t id, const char *system)
{
	struct authd *ad = rq->w->ad;
	struct remedy_job j;
	sqlite3_stmt *s;
	char text[400], *udn, *user, *role, *path;
	const char *group;
	int r;

	if ((s = prepare(rq->w->st, "SELECT user, role, path FROM "
	    "review_items WHERE review_id = ?1 AND decision = 'revoke' "
	    "ORDER BY user, role")) == NULL)
		return;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		user = strdup(col_text(s, 0));
		role = strdup(col_text(s, 1));
		path = strdup(col_text(s, 2));
		if (user == NULL || role == NULL || path == NULL) {
			free(user);
			free(role);
			free(path);
			break;
		}
		/* The group the user is a direct member of: the last. */
		group = strrchr(path, '>') != NULL ? strrchr(path, '>') + 2 :
		    path;
		udn = NULL;
		if (dir_user_dn(rq->w->dir, user, &udn) != 0)
			udn = NULL;
		r = dir_remove_member(rq->w->dir, ad->cfg->ldap_write_dn,
		    ad->writepw, group, user, udn, text, sizeof(text));
		free(udn);
		if (r == 0 || r == AUTHD_ERR_NOT_FOUND)
			log_notice("review %lld: remediation for %s: %s",
			    (long long)id, user, text);
		else
			log_err("review %lld: remediation for %s failed: %s",
			    (long long)id, user, text);
		memset(&j, 0, sizeof(j));
		j.rq = rq;
		j.id = id;
		j.system = system;
		j.user = user;
		j.role = role;
		j.ok = r == 0 || r == AUTHD_ERR_NOT_FOUND;
		j.text = text;
		if (writer_run(ad->writer, remedy_tx, &j) != 0)
			log_err("review %lld: remediation result of %s not "
			    "recorded", (long long)id, user);
		free(user);
		free(role);
		free(path);
	}
	sqlite3_finalize(s);
}

void
review_log_overdue(struct authd *ad)
{
	sqlite3_stmt *s;
	int64_t now = review_now(ad);

	if (ad->main_st == NULL || (s = prepare(ad->main_st, "SELECT id, "
	    "system, owner, due_ms, (SELECT COUNT(*) FROM review_items i "
	    "WHERE i.review_id = r.id AND i.decision IS NULL) FROM reviews r "
	    "WHERE closed_ms IS NULL AND due_ms < ?1 ORDER BY id")) == NULL)
		return;
	sqlite3_bind_int64(s, 1, now);
	while (sqlite3_step(s) == SQLITE_ROW)
		log_warn("review %lld of %s (owner %s) is overdue by %lld "
		    "days: %lld items undecided",
		    (long long)sqlite3_column_int64(s, 0), col_text(s, 1),
		    col_text(s, 2), (long long)((now -
		    sqlite3_column_int64(s, 3)) / DAY_MS),
		    (long long)sqlite3_column_int64(s, 4));
	sqlite3_finalize(s);
}
