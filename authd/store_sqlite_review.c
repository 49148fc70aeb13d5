/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's SQLite back end (store_sqlite.h): access review campaigns,
 * their items, and the revocations they made.  Storage only: who may
 * decide what, and the defaults at a close, are reviewrule.c's.
 */
#include <string.h>

#include "authd_err.h"
#include "log.h"
#include "store_sqlite.h"

int
store_sqlite_review_create(struct store *s, const struct store_review *r,
    const struct store_review_item *items, size_t n, int64_t *id)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	size_t i;
	int ret;

	if ((st = sq_prepare(q, "INSERT INTO reviews (system, owner, "
	    "description, class, policy, started_ms, started_by, due_ms, "
	    "inactive_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")) ==
	    NULL)
		return AUTHD_ERR_DB;
	sq_bind_text(st, 1, r->system);
	sq_bind_text(st, 2, r->owner);
	sq_bind_text(st, 3, r->description);
	sq_bind_text(st, 4, r->class);
	sq_bind_text(st, 5, r->policy);
	sqlite3_bind_int64(st, 6, r->started_ms);
	sq_bind_text(st, 7, r->started_by);
	sqlite3_bind_int64(st, 8, r->due_ms);
	sqlite3_bind_int(st, 9, r->inactive_days);
	ret = sq_step_done(q, st, "review");
	sqlite3_finalize(st);
	if (ret != 0)
		return ret;
	*id = sqlite3_last_insert_rowid(q->db);
	if ((st = sq_prepare(q, "INSERT INTO review_items (review_id, user, "
	    "role, path, token, last_login_ms, inactive, needs_admin, account) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")) == NULL)
		return AUTHD_ERR_DB;
	for (i = 0; i < n && ret == 0; i++) {
		const struct store_review_item *it = &items[i];

		sqlite3_bind_int64(st, 1, *id);
		sq_bind_text(st, 2, it->user);
		sq_bind_text(st, 3, it->role);
		sq_bind_text(st, 4, it->path);
		sq_bind_text(st, 5, it->token);
		sqlite3_bind_int64(st, 6, it->last_login_ms);
		sqlite3_bind_int(st, 7, it->inactive);
		sqlite3_bind_int(st, 8, it->needs_admin);
		sq_bind_text(st, 9, it->account);
		ret = sq_step_done(q, st, "review item");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ret;
}


/* Row of STORE_REVIEW_COLUMNS (and the two counts of a listing) into *r. */
static void
review_row(sqlite3_stmt *st, struct store_review *r, int counts)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->system = sq_text(st, 1);
	r->owner = sq_text(st, 2);
	r->description = sq_text(st, 3);
	r->class = sq_text(st, 4);
	r->policy = sq_text(st, 5);
	r->started_ms = sqlite3_column_int64(st, 6);
	r->started_by = sq_text(st, 7);
	r->due_ms = sqlite3_column_int64(st, 8);
	r->inactive_days = sqlite3_column_int(st, 9);
	r->closed_ms = sqlite3_column_int64(st, 10);
	r->closed_by = sq_text(st, 11);
	r->close_default = sq_text(st, 12);
	r->head_seq = sqlite3_column_int64(st, 13);
	if (sqlite3_column_bytes(st, 14) == CHAIN_HASH_LEN)
		r->head_hash = sqlite3_column_blob(st, 14);
	if (counts) {
		r->nitems = sqlite3_column_int64(st, STORE_REVIEW_NCOLUMNS);
		r->ndecided = sqlite3_column_int64(st,
		    STORE_REVIEW_NCOLUMNS + 1);
	}
}

/* Calls cb for each row of a STORE_REVIEW_COLUMNS query; *rows: how many. */
static int
review_rows(struct sq *q, sqlite3_stmt *st, int counts,
    int (*cb)(const struct store_review *, void *), void *arg, int *rows)
{
	struct store_review r;
	int rc, ret = 0;

	*rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		review_row(st, &r, counts);
		(*rows)++;
		if ((ret = cb(&r, arg)) != 0)
			return ret;
	}
	return rc == SQLITE_DONE ? 0 : sq_err(q, "reviews");
}

int
store_sqlite_review_list(struct store *s, const char *owner,
    int (*cb)(const struct store_review *, void *), void *arg)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int ret, rows;

	if ((st = sq_prepare(q, "SELECT " STORE_REVIEW_COLUMNS ", "
	    "(SELECT COUNT(*) FROM review_items i WHERE i.review_id = r.id), "
	    "(SELECT COUNT(*) FROM review_items i WHERE i.review_id = r.id "
	    "AND i.decision IS NOT NULL) FROM reviews r WHERE (?1 IS NULL OR "
	    "r.owner = ?1) ORDER BY r.id")) == NULL)
		return AUTHD_ERR_DB;
	sq_bind_text(st, 1, owner);
	ret = review_rows(q, st, 1, cb, arg, &rows);
	sqlite3_finalize(st);
	return ret;
}

int
store_sqlite_review_get(struct store *s, int64_t id,
    int (*cb)(const struct store_review *, void *), void *arg)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int ret, rows;

	if ((st = sq_prepare(q, "SELECT " STORE_REVIEW_COLUMNS " FROM "
	    "reviews r WHERE r.id = ?1")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	ret = review_rows(q, st, 0, cb, arg, &rows);
	sqlite3_finalize(st);
	return ret == 0 && rows == 0 ? AUTHD_ERR_NOT_FOUND : ret;
}

int
store_sqlite_review_items(struct store *s, int64_t id,
    const struct store_item_filter *f,
    int (*cb)(const struct store_review_item *, void *), void *arg)
{
#define ITEMS	"SELECT user, role, path, token, last_login_ms, inactive, " \
		"needs_admin, decision, decided_by, decided_ms, comment, " \
		"by_default, remediation, account FROM review_items WHERE " \
		"review_id = ?1 AND "
#define FILTER	"(?3 IS NULL OR role = ?3) AND (?4 IS NULL OR decision = " \
		"?4) AND (?5 = 0 OR decision IS NULL) ORDER BY user, role"
	/* One user's items through the key, not a scan of the campaign. */
	static const char *const sql[2] = {
		ITEMS "(?2 IS NULL) AND " FILTER,
		ITEMS "user = ?2 AND " FILTER,
	};
#undef FILTER
#undef ITEMS
	struct sq *q = sq_of(s);
	struct store_review_item it;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if ((st = sq_prepare(q, sql[f->user != NULL])) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	sq_bind_text(st, 2, f->user);
	sq_bind_text(st, 3, f->role);
	sq_bind_text(st, 4, f->decision);
	sqlite3_bind_int(st, 5, f->undecided);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&it, 0, sizeof(it));
		it.user = sq_text(st, 0);
		it.role = sq_text(st, 1);
		it.path = sq_text(st, 2);
		it.token = sq_text(st, 3);
		it.last_login_ms = sqlite3_column_int64(st, 4);
		it.inactive = sqlite3_column_int(st, 5);
		it.needs_admin = sqlite3_column_int(st, 6);
		it.decision = sq_text(st, 7);
		it.decided_by = sq_text(st, 8);
		it.decided_ms = sqlite3_column_int64(st, 9);
		it.comment = sq_text(st, 10);
		it.by_default = sqlite3_column_int(st, 11);
		it.remediation = sq_text(st, 12);
		it.account = sq_text(st, 13);
		if ((ret = cb(&it, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sq_err(q, "review items");
	sqlite3_finalize(st);
	return ret;
}

int
store_sqlite_review_decide(struct store *s, int64_t id, const char *user,
    const char *role, const struct store_decision *d)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int ret;

	/* A close writes one per undecided item: prepared once. */
	if ((st = sq_cached(q, "UPDATE review_items SET decision = ?4, "
	    "decided_by = ?5, decided_ms = ?6, comment = ?7, by_default = ?8 "
	    "WHERE review_id = ?1 AND user = ?2 AND (?3 IS NULL OR role = "
	    "?3)")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	sq_bind_text(st, 2, user);
	sq_bind_text(st, 3, role);
	sq_bind_text(st, 4, d->decision);
	sq_bind_text(st, 5, d->by);
	sqlite3_bind_int64(st, 6, d->when_ms);
	sq_bind_text(st, 7, d->comment);
	sqlite3_bind_int(st, 8, d->by_default);
	ret = sq_step_done(q, st, "decide");
	sq_done(st);
	return ret;
}

int
store_sqlite_review_close(struct store *s, int64_t id, int64_t when_ms,
    const char *by, const char *deflt, int64_t head_seq,
    const uint8_t *head_hash)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;

	if ((st = sq_prepare(q, "UPDATE reviews SET closed_ms = ?2, "
	    "closed_by = ?3, close_default = ?4, head_seq = ?5, head_hash = "
	    "?6 WHERE id = ?1")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, when_ms);
	sq_bind_text(st, 3, by);
	sq_bind_text(st, 4, deflt);
	sqlite3_bind_int64(st, 5, head_seq);
	sqlite3_bind_blob(st, 6, head_hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	return sq_once(q, st, "close");
}

int
store_sqlite_review_remediation(struct store *s, int64_t id,
    const char *user, const char *role, const char *text)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;

	if ((st = sq_prepare(q, "UPDATE review_items SET remediation = ?4 "
	    "WHERE review_id = ?1 AND user = ?2 AND role = ?3")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	sq_bind_text(st, 2, user);
	sq_bind_text(st, 3, role);
	sq_bind_text(st, 4, text);
	return sq_once(q, st, "remediation");
}

/* ---- revocations ---- */

int
store_sqlite_revocation_add(struct store *s, const struct store_revocation *r)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int ret;

	if ((st = sq_cached(q, "INSERT INTO revocations (system, user, role, "
	    "review_id, created_ms, created_by) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6)")) == NULL)
		return AUTHD_ERR_DB;
	sq_bind_text(st, 1, r->system);
	sq_bind_text(st, 2, r->user);
	sq_bind_text(st, 3, r->role);
	sqlite3_bind_int64(st, 4, r->review_id);
	sqlite3_bind_int64(st, 5, r->created_ms);
	sq_bind_text(st, 6, r->created_by);
	ret = sq_step_done(q, st, "revocation");
	sq_done(st);
	return ret;
}

int
store_sqlite_revocation_find(struct store *s, const char *system,
    const char *user, const char *role, int64_t *review_id)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int ret;

	/* Asked on every account decision: prepared once. */
	if ((st = sq_cached(q, "SELECT review_id FROM revocations WHERE "
	    "system = ?1 AND user = ?2 AND role = ?3 AND lifted_ms IS NULL "
	    "ORDER BY id LIMIT 1")) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_text(st, 1, system, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*review_id = sqlite3_column_int64(st, 0);
		ret = 0;
		break;
	case SQLITE_DONE:
		ret = AUTHD_ERR_NOT_FOUND;
		break;
	default:
		ret = sq_err(q, "revocations");
	}
	sq_done(st);
	return ret;
}

int
store_sqlite_revocation_list(struct store *s, const char *system,
    const char *owner, int (*cb)(const struct store_revocation *, void *),
    void *arg)
{
	struct sq *q = sq_of(s);
	struct store_revocation v;
	sqlite3_stmt *st;
	int rc, ret = 0;

	if ((st = sq_prepare(q, "SELECT v.system, v.user, v.role, "
	    "v.review_id, v.created_ms, v.created_by FROM revocations v JOIN "
	    "reviews r ON r.id = v.review_id WHERE v.lifted_ms IS NULL AND "
	    "(?1 IS NULL OR v.system = ?1) AND (?2 IS NULL OR r.owner = ?2) "
	    "ORDER BY v.system, v.user, v.role")) == NULL)
		return AUTHD_ERR_DB;
	sq_bind_text(st, 1, system);
	sq_bind_text(st, 2, owner);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&v, 0, sizeof(v));
		v.system = sq_text(st, 0);
		v.user = sq_text(st, 1);
		v.role = sq_text(st, 2);
		v.review_id = sqlite3_column_int64(st, 3);
		v.created_ms = sqlite3_column_int64(st, 4);
		v.created_by = sq_text(st, 5);
		if ((ret = cb(&v, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = sq_err(q, "revocations");
	sqlite3_finalize(st);
	return ret;
}

int
store_sqlite_revocation_lift(struct store *s, const char *system,
    const char *user, const char *role, int64_t when_ms, const char *by,
    const char *comment, int64_t *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int ret;

	if ((st = sq_prepare(q, "UPDATE revocations SET lifted_ms = ?4, "
	    "lifted_by = ?5, lift_comment = ?6 WHERE system = ?1 AND user = "
	    "?2 AND (?3 IS NULL OR role = ?3) AND lifted_ms IS NULL")) == NULL)
		return AUTHD_ERR_DB;
	sq_bind_text(st, 1, system);
	sq_bind_text(st, 2, user);
	sq_bind_text(st, 3, role);
	sqlite3_bind_int64(st, 4, when_ms);
	sq_bind_text(st, 5, by);
	sq_bind_text(st, 6, comment);
	if ((ret = sq_step_done(q, st, "lift")) == 0)
		*n = sqlite3_changes(q->db);
	sqlite3_finalize(st);
	return ret;
}

/* ---- the nodes (store.h) ---- */

int
store_sqlite_node_beat(struct store *s, const struct store_node *n)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;

	if ((st = sq_prepare(q, "INSERT INTO nodes (node, started_ms, "
	    "seen_ms, head_seq, policy, version) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6) ON CONFLICT (node) DO UPDATE SET started_ms = ?2, seen_ms = "
	    "?3, head_seq = ?4, policy = ?5, version = ?6")) == NULL)
		return AUTHD_ERR_DB;
	sq_bind_text(st, 1, n->node);
	sqlite3_bind_int64(st, 2, n->started_ms);
	sqlite3_bind_int64(st, 3, n->seen_ms);
	sqlite3_bind_int64(st, 4, n->head_seq);
	sq_bind_text(st, 5, n->policy);
	sq_bind_text(st, 6, n->version);
	return sq_once(q, st, "node heartbeat");
}

int
store_sqlite_node_list(struct store *s,
    int (*cb)(const struct store_node *, void *), void *arg)
{
	struct sq *q = sq_of(s);
	struct store_node n;
	sqlite3_stmt *st;
	int r, ret = 0;

	if ((st = sq_prepare(q, "SELECT node, started_ms, seen_ms, head_seq, "
	    "policy, version FROM nodes ORDER BY node")) == NULL)
		return AUTHD_ERR_DB;
	while (ret == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		n.node = sq_text(st, 0);
		n.started_ms = sqlite3_column_int64(st, 1);
		n.seen_ms = sqlite3_column_int64(st, 2);
		n.head_seq = sqlite3_column_int64(st, 3);
		n.policy = sq_text(st, 4);
		n.version = sq_text(st, 5);
		ret = cb(&n, arg);
	}
	if (ret == 0 && r != SQLITE_DONE)
		ret = sq_err(q, "nodes");
	sqlite3_finalize(st);
	return ret;
}
