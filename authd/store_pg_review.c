/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's PostgreSQL back end (store_pg.h): access review campaigns,
 * their items, and the revocations they made.  Storage only: who may
 * decide what, and the defaults at a close, are reviewrule.c's.
 *
 * Campaigns are shared by the nodes.  Inside a write transaction a
 * campaign and its items are read FOR UPDATE, so that the rules checked
 * on what was read still hold when the decision or the close is written,
 * whichever node writes it.
 */
#include <string.h>

#include "authd_err.h"
#include "log.h"
#include "store_pg.h"

int
store_pg_review_create(struct store *s, const struct store_review *r,
    const struct store_review_item *items, size_t n, int64_t *id)
{
	struct pg *q = pg_of(s);
	struct pg_args a;
	PGresult *res;
	size_t i;
	int ret = 0;

	pga_init(&a);
	pga_text(&a, r->system);
	pga_text(&a, r->owner);
	pga_text(&a, r->description);
	pga_text(&a, r->class);
	pga_text(&a, r->policy);
	pga_int(&a, r->started_ms);
	pga_text(&a, r->started_by);
	pga_int(&a, r->due_ms);
	pga_int(&a, r->inactive_days);
	if ((res = pg_exec(q, "INSERT INTO reviews (system, owner, "
	    "description, class, policy, started_ms, started_by, due_ms, "
	    "inactive_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
	    "RETURNING id", &a, "review")) == NULL)
		return AUTHD_ERR_DB;
	*id = PQntuples(res) == 1 ? pg_int(res, 0, 0) : 0;
	PQclear(res);
	if (*id == 0)
		return AUTHD_ERR_DB;
	for (i = 0; i < n && ret == 0; i++) {
		const struct store_review_item *it = &items[i];

		pga_init(&a);
		pga_int(&a, *id);
		pga_text(&a, it->user);
		pga_text(&a, it->role);
		pga_text(&a, it->path);
		pga_text(&a, it->token);
		pga_int(&a, it->last_login_ms);
		pga_int(&a, it->inactive);
		pga_int(&a, it->needs_admin);
		pga_text(&a, it->account);
		ret = pg_cmd(q, "INSERT INTO review_items (review_id, "
		    "\"user\", role, path, token, last_login_ms, inactive, "
		    "needs_admin, account) VALUES ($1, $2, $3, $4, $5, $6, $7, "
		    "$8, $9)", &a, "review item", NULL);
	}
	return ret;
}


#define R(f, t)	PG_COL(struct store_review, f, t)
/* STORE_REVIEW_COLUMNS but the head's hash, then the two counts. */
static const struct pg_col review_cols[] = {
	R(id, PG_I64), R(system, PG_TEXT), R(owner, PG_TEXT),
	R(description, PG_TEXT), R(class, PG_TEXT), R(policy, PG_TEXT),
	R(started_ms, PG_I64), R(started_by, PG_TEXT), R(due_ms, PG_I64),
	R(inactive_days, PG_INT), R(closed_ms, PG_I64),
	R(closed_by, PG_TEXT), R(close_default, PG_TEXT),
	R(head_seq, PG_I64),
};
#undef R

/* Calls cb for each row of STORE_REVIEW_COLUMNS (and the two counts). */
static int
review_rows(const PGresult *res, int counts,
    int (*cb)(const struct store_review *, void *), void *arg)
{
	struct store_review r;
	uint8_t hash[CHAIN_HASH_LEN];
	int i, n = PQntuples(res), ret = 0;

	for (i = 0; i < n && ret == 0; i++) {
		pg_row(res, i, review_cols, PG_NCOLS(review_cols), &r,
		    sizeof(r));
		if (pg_bytes(res, i, STORE_REVIEW_NCOLUMNS - 1, hash,
		    sizeof(hash)) == CHAIN_HASH_LEN)
			r.head_hash = hash;
		if (counts) {
			r.nitems = pg_int(res, i, STORE_REVIEW_NCOLUMNS);
			r.ndecided = pg_int(res, i, STORE_REVIEW_NCOLUMNS + 1);
		}
		ret = cb(&r, arg);
	}
	return ret;
}

int
store_pg_review_list(struct store *s, const char *owner,
    int (*cb)(const struct store_review *, void *), void *arg)
{
	struct pg *q = pg_of(s);
	struct pg_args a;
	PGresult *res;
	int ret;

	pga_init(&a);
	pga_text(&a, owner);
	if ((res = pg_exec(q, "SELECT " STORE_REVIEW_COLUMNS ", "
	    "(SELECT COUNT(*) FROM review_items i WHERE i.review_id = r.id), "
	    "(SELECT COUNT(*) FROM review_items i WHERE i.review_id = r.id "
	    "AND i.decision IS NOT NULL) FROM reviews r WHERE ($1::text IS "
	    "NULL OR r.owner = $1) ORDER BY r.id", &a, "reviews")) == NULL)
		return AUTHD_ERR_DB;
	ret = review_rows(res, 1, cb, arg);
	PQclear(res);
	return ret;
}

int
store_pg_review_get(struct store *s, int64_t id,
    int (*cb)(const struct store_review *, void *), void *arg)
{
	static const char *const sql[2] = {
		"SELECT " STORE_REVIEW_COLUMNS " FROM reviews r "
		"WHERE r.id = $1",
		"SELECT " STORE_REVIEW_COLUMNS " FROM reviews r "
		"WHERE r.id = $1 FOR UPDATE",
	};
	struct pg *q = pg_of(s);
	struct pg_args a;
	PGresult *res;
	int ret;

	pga_init(&a);
	pga_int(&a, id);
	if ((res = pg_exec(q, sql[q->in_tx != 0], &a, "review")) == NULL)
		return AUTHD_ERR_DB;
	ret = PQntuples(res) == 0 ? AUTHD_ERR_NOT_FOUND :
	    review_rows(res, 0, cb, arg);
	PQclear(res);
	return ret;
}

#define I(f, t)	PG_COL(struct store_review_item, f, t)
/* The columns of ITEMS below, in order. */
static const struct pg_col item_cols[] = {
	I(user, PG_TEXT), I(role, PG_TEXT), I(path, PG_TEXT),
	I(token, PG_TEXT), I(last_login_ms, PG_I64), I(inactive, PG_INT),
	I(needs_admin, PG_INT), I(decision, PG_TEXT), I(decided_by, PG_TEXT),
	I(decided_ms, PG_I64), I(comment, PG_TEXT), I(by_default, PG_INT),
	I(remediation, PG_TEXT), I(account, PG_TEXT),
};
#undef I

int
store_pg_review_items(struct store *s, int64_t id,
    const struct store_item_filter *f,
    int (*cb)(const struct store_review_item *, void *), void *arg)
{
#define ITEMS	"SELECT \"user\", role, path, token, last_login_ms, " \
		"inactive, needs_admin, decision, decided_by, decided_ms, " \
		"comment, by_default, remediation, account FROM review_items " \
		"WHERE review_id = $1 AND "
#define FILTER	"($3::text IS NULL OR role = $3) AND ($4::text IS NULL OR " \
		"decision = $4) AND ($5::int = 0 OR decision IS NULL) " \
		"ORDER BY \"user\", role"
	/* One user's items through the key; in a write, locked. */
	static const char *const sql[2][2] = {
		{ ITEMS "$2::text IS NULL AND " FILTER,
		  ITEMS "\"user\" = $2 AND " FILTER },
		{ ITEMS "$2::text IS NULL AND " FILTER " FOR UPDATE",
		  ITEMS "\"user\" = $2 AND " FILTER " FOR UPDATE" },
	};
#undef FILTER
#undef ITEMS
	struct pg *q = pg_of(s);
	struct store_review_item it;
	struct pg_args a;
	PGresult *res;
	int i, n, ret = 0;

	pga_init(&a);
	pga_int(&a, id);
	pga_text(&a, f->user);
	pga_text(&a, f->role);
	pga_text(&a, f->decision);
	pga_int(&a, f->undecided);
	if ((res = pg_exec(q, sql[q->in_tx != 0][f->user != NULL], &a,
	    "review items")) == NULL)
		return AUTHD_ERR_DB;
	n = PQntuples(res);
	for (i = 0; i < n && ret == 0; i++) {
		pg_row(res, i, item_cols, PG_NCOLS(item_cols), &it,
		    sizeof(it));
		ret = cb(&it, arg);
	}
	PQclear(res);
	return ret;
}

int
store_pg_review_decide(struct store *s, int64_t id, const char *user,
    const char *role, const struct store_decision *d)
{
	struct pg_args a;

	pga_init(&a);
	pga_int(&a, id);
	pga_text(&a, user);
	pga_text(&a, role);
	pga_text(&a, d->decision);
	pga_text(&a, d->by);
	pga_int(&a, d->when_ms);
	pga_text(&a, d->comment);
	pga_int(&a, d->by_default);
	return pg_cmd(pg_of(s), "UPDATE review_items SET decision = $4, "
	    "decided_by = $5, decided_ms = $6, comment = $7, by_default = $8 "
	    "WHERE review_id = $1 AND \"user\" = $2 AND ($3::text IS NULL OR "
	    "role = $3)", &a, "decide", NULL);
}

int
store_pg_review_close(struct store *s, int64_t id, int64_t when_ms,
    const char *by, const char *deflt, int64_t head_seq,
    const uint8_t *head_hash)
{
	struct pg_args a;

	pga_init(&a);
	pga_int(&a, id);
	pga_int(&a, when_ms);
	pga_text(&a, by);
	pga_text(&a, deflt);
	pga_int(&a, head_seq);
	pga_bytes(&a, head_hash, CHAIN_HASH_LEN);
	return pg_cmd(pg_of(s), "UPDATE reviews SET closed_ms = $2, "
	    "closed_by = $3, close_default = $4, head_seq = $5, head_hash = "
	    "$6 WHERE id = $1", &a, "close", NULL);
}

int
store_pg_review_remediation(struct store *s, int64_t id, const char *user,
    const char *role, const char *text)
{
	struct pg_args a;

	pga_init(&a);
	pga_int(&a, id);
	pga_text(&a, user);
	pga_text(&a, role);
	pga_text(&a, text);
	return pg_cmd(pg_of(s), "UPDATE review_items SET remediation = $4 "
	    "WHERE review_id = $1 AND \"user\" = $2 AND role = $3", &a,
	    "remediation", NULL);
}

/* ---- revocations ---- */

int
store_pg_revocation_add(struct store *s, const struct store_revocation *r)
{
	struct pg_args a;

	pga_init(&a);
	pga_text(&a, r->system);
	pga_text(&a, r->user);
	pga_text(&a, r->role);
	pga_int(&a, r->review_id);
	pga_int(&a, r->created_ms);
	pga_text(&a, r->created_by);
	return pg_cmd(pg_of(s), "INSERT INTO revocations (system, \"user\", "
	    "role, review_id, created_ms, created_by) VALUES ($1, $2, $3, $4, "
	    "$5, $6)", &a, "revocation", NULL);
}

int
store_pg_revocation_find(struct store *s, const char *system,
    const char *user, const char *role, int64_t *review_id)
{
	struct pg_args a;
	PGresult *res;
	int ret;

	pga_init(&a);
	pga_text(&a, system);
	pga_text(&a, user);
	pga_text(&a, role);
	if ((res = pg_exec(pg_of(s), "SELECT review_id FROM revocations WHERE "
	    "system = $1 AND \"user\" = $2 AND role = $3 AND lifted_ms IS NULL "
	    "ORDER BY id LIMIT 1", &a, "revocations")) == NULL)
		return AUTHD_ERR_DB;
	if (PQntuples(res) == 1) {
		*review_id = pg_int(res, 0, 0);
		ret = 0;
	} else
		ret = AUTHD_ERR_NOT_FOUND;
	PQclear(res);
	return ret;
}

#define V(f, t)	PG_COL(struct store_revocation, f, t)
static const struct pg_col revocation_cols[] = {
	V(system, PG_TEXT), V(user, PG_TEXT), V(role, PG_TEXT),
	V(review_id, PG_I64), V(created_ms, PG_I64), V(created_by, PG_TEXT),
};
#undef V

int
store_pg_revocation_list(struct store *s, const char *system,
    const char *owner, int (*cb)(const struct store_revocation *, void *),
    void *arg)
{
	struct store_revocation v;
	struct pg_args a;
	PGresult *res;
	int i, n, ret = 0;

	pga_init(&a);
	pga_text(&a, system);
	pga_text(&a, owner);
	if ((res = pg_exec(pg_of(s), "SELECT v.system, v.\"user\", v.role, "
	    "v.review_id, v.created_ms, v.created_by FROM revocations v JOIN "
	    "reviews r ON r.id = v.review_id WHERE v.lifted_ms IS NULL AND "
	    "($1::text IS NULL OR v.system = $1) AND ($2::text IS NULL OR "
	    "r.owner = $2) ORDER BY v.system, v.\"user\", v.role", &a,
	    "revocations")) == NULL)
		return AUTHD_ERR_DB;
	n = PQntuples(res);
	for (i = 0; i < n && ret == 0; i++) {
		pg_row(res, i, revocation_cols, PG_NCOLS(revocation_cols), &v,
		    sizeof(v));
		ret = cb(&v, arg);
	}
	PQclear(res);
	return ret;
}

int
store_pg_revocation_lift(struct store *s, const char *system,
    const char *user, const char *role, int64_t when_ms, const char *by,
    const char *comment, int64_t *n)
{
	struct pg_args a;

	pga_init(&a);
	pga_text(&a, system);
	pga_text(&a, user);
	pga_text(&a, role);
	pga_int(&a, when_ms);
	pga_text(&a, by);
	pga_text(&a, comment);
	return pg_cmd(pg_of(s), "UPDATE revocations SET lifted_ms = $4, "
	    "lifted_by = $5, lift_comment = $6 WHERE system = $1 AND "
	    "\"user\" = $2 AND ($3::text IS NULL OR role = $3) AND "
	    "lifted_ms IS NULL", &a, "lift", n);
}

/* ---- the nodes (store.h) ---- */

int
store_pg_node_beat(struct store *s, const struct store_node *n)
{
	struct pg_args a;

	pga_init(&a);
	pga_text(&a, n->node);
	pga_int(&a, n->started_ms);
	pga_int(&a, n->seen_ms);
	pga_int(&a, n->head_seq);
	pga_text(&a, n->policy);
	pga_text(&a, n->version);
	return pg_cmd(pg_of(s), "INSERT INTO nodes (node, started_ms, seen_ms, "
	    "head_seq, policy, version) VALUES ($1, $2, $3, $4, $5, $6) ON "
	    "CONFLICT (node) DO UPDATE SET started_ms = $2, seen_ms = $3, "
	    "head_seq = $4, policy = $5, version = $6", &a, "node heartbeat",
	    NULL);
}

#define N(f, t)	PG_COL(struct store_node, f, t)
static const struct pg_col node_cols[] = {
	N(node, PG_TEXT), N(started_ms, PG_I64), N(seen_ms, PG_I64),
	N(head_seq, PG_I64), N(policy, PG_TEXT), N(version, PG_TEXT),
};
#undef N

int
store_pg_node_list(struct store *s,
    int (*cb)(const struct store_node *, void *), void *arg)
{
	struct store_node n;
	struct pg_args a;
	PGresult *res;
	int i, rows, ret = 0;

	pga_init(&a);
	if ((res = pg_exec(pg_of(s), "SELECT node, started_ms, seen_ms, "
	    "head_seq, policy, version FROM nodes ORDER BY node", &a,
	    "nodes")) == NULL)
		return AUTHD_ERR_DB;
	rows = PQntuples(res);
	for (i = 0; i < rows && ret == 0; i++) {
		pg_row(res, i, node_cols, PG_NCOLS(node_cols), &n, sizeof(n));
		ret = cb(&n, arg);
	}
	PQclear(res);
	return ret;
}
