/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's PostgreSQL back end (store_pg.h): the audit trail, its
 * checkpoints and base, and last logins.
 *
 * The nodes sharing the database share the trail, one hash chain each:
 * a record's key is (node, seq), and everything here but last logins is
 * about the chain of the handle's node (its head, checkpoints, base, the
 * records it lists, prunes).  A login on any node counts as the user's
 * last login.
 */
#include <string.h>

#include "authd_err.h"
#include "log.h"
#include "store_pg.h"

#define COLUMNS	"seq, time_ms, node, event, actor, \"user\", system, " \
		"service, rhost, tty, decision, reason, request_id, detail, " \
		"policy, role, rule, factors, hash"

int
store_pg_audit_append(struct store *s, const struct audit_rec *r,
    const uint8_t *hash)
{
	struct pg *q = pg_of(s);
	const char *text[] = { r->node, r->event, r->actor, r->user,
	    r->system, r->service, r->rhost, r->tty, r->decision, r->reason };
	struct pg_args a;
	size_t i;

	/* The record's node is the chain's: hashed as it is stored. */
	if (r->node == NULL || strcmp(r->node, q->node) != 0) {
		log_err("audit: a record of another node than %s", q->node);
		return AUTHD_ERR_DB;
	}
	pga_init(&a);
	pga_int(&a, r->seq);
	pga_int(&a, r->time_ms);
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		pga_text(&a, text[i]);
	pga_int(&a, r->reqid);
	pga_text(&a, r->detail);
	pga_text(&a, r->policy);
	pga_text(&a, r->role);
	pga_text(&a, r->rule);
	pga_text(&a, r->factors);
	pga_bytes(&a, hash, CHAIN_HASH_LEN);
	return pg_cmd(q, "INSERT INTO audit (" COLUMNS ") VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
	    "$18, $19)", &a, "audit insert", NULL);
}

int
store_pg_audit_checkpoint_put(struct store *s,
    const struct chain_checkpoint *cp)
{
	struct pg *q = pg_of(s);
	struct pg_args a;

	pga_init(&a);
	pga_text(&a, q->node);
	pga_int(&a, cp->seq);
	pga_int(&a, cp->time_ms);
	pga_bytes(&a, cp->hash, CHAIN_HASH_LEN);
	pga_text(&a, cp->key_id);
	pga_bytes(&a, cp->sig, CHAIN_SIG_LEN);
	return pg_cmd(q, "INSERT INTO audit_checkpoints (node, seq, time_ms, "
	    "hash, key_id, sig) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT "
	    "(node, seq) DO UPDATE SET time_ms = EXCLUDED.time_ms, hash = "
	    "EXCLUDED.hash, key_id = EXCLUDED.key_id, sig = EXCLUDED.sig",
	    &a, "audit checkpoint", NULL);
}

int
store_pg_audit_base_set(struct store *s, int64_t seq, const uint8_t *hash)
{
	struct pg *q = pg_of(s);
	struct pg_args a;

	pga_init(&a);
	pga_text(&a, q->node);
	pga_int(&a, seq);
	pga_bytes(&a, hash, CHAIN_HASH_LEN);
	return pg_cmd(q, "INSERT INTO audit_base (node, seq, hash) VALUES ($1, "
	    "$2, $3) ON CONFLICT (node) DO UPDATE SET seq = EXCLUDED.seq, "
	    "hash = EXCLUDED.hash", &a, "audit base", NULL);
}

/*
 * The first row of `sql` (node bound as $1): 1 and *a with the hash in
 * `hash` (when not NULL, column 1) or the integer in *b (column 1), 0 when
 * there is none, or AUTHD_ERR_DB.
 */
static int
one_row(struct pg *q, const char *sql, int64_t *a, uint8_t *hash,
    int64_t *b)
{
	struct pg_args args;
	PGresult *res;
	int ret = 0;

	pga_init(&args);
	pga_text(&args, q->node);
	if ((res = pg_exec(q, sql, &args, "audit")) == NULL)
		return AUTHD_ERR_DB;
	if (PQntuples(res) > 0) {
		*a = pg_int(res, 0, 0);
		ret = 1;
		if (hash != NULL && pg_bytes(res, 0, 1, hash,
		    CHAIN_HASH_LEN) != CHAIN_HASH_LEN) {
			log_err("audit: record %lld has no valid hash",
			    (long long)*a);
			ret = AUTHD_ERR_DB;
		}
		if (b != NULL)
			*b = pg_int(res, 0, 1);
	}
	PQclear(res);
	return ret;
}

int
store_pg_audit_head(struct store *s, int64_t *seq, uint8_t *hash)
{
	struct pg *q = pg_of(s);
	int r;

	r = one_row(q, "SELECT seq, hash FROM audit WHERE node = $1 ORDER BY "
	    "seq DESC LIMIT 1", seq, hash, NULL);
	if (r == 0)
		r = one_row(q, "SELECT seq, hash FROM audit_base WHERE node = "
		    "$1", seq, hash, NULL);
	return r < 0 ? r : 0;
}

int
store_pg_audit_last_checkpoint(struct store *s, int64_t *seq,
    int64_t *time_ms)
{
	int r;

	r = one_row(pg_of(s), "SELECT seq, time_ms FROM audit_checkpoints "
	    "WHERE node = $1 ORDER BY seq DESC LIMIT 1", seq, NULL, time_ms);
	return r < 0 ? r : 0;
}

#define A(f, t)	PG_COL(struct audit_rec, f, t)
/* COLUMNS but the hash, in order. */
static const struct pg_col audit_cols[] = {
	A(seq, PG_I64), A(time_ms, PG_I64), A(node, PG_TEXT),
	A(event, PG_TEXT), A(actor, PG_TEXT), A(user, PG_TEXT),
	A(system, PG_TEXT), A(service, PG_TEXT), A(rhost, PG_TEXT),
	A(tty, PG_TEXT), A(decision, PG_TEXT), A(reason, PG_TEXT),
	A(reqid, PG_U32), A(detail, PG_TEXT), A(policy, PG_TEXT),
	A(role, PG_TEXT), A(rule, PG_TEXT), A(factors, PG_TEXT),
};
#undef A
#define HASH_COLUMN	18

/* Calls cb for each row of COLUMNS in `res`. */
static int
each_row(const PGresult *res, int (*cb)(const struct audit_rec *, void *),
    void *arg)
{
	struct audit_rec r;
	uint8_t hash[CHAIN_HASH_LEN];
	int i, n = PQntuples(res), ret = 0;

	for (i = 0; i < n && ret == 0; i++) {
		pg_row(res, i, audit_cols, PG_NCOLS(audit_cols), &r,
		    sizeof(r));
		if (pg_bytes(res, i, HASH_COLUMN, hash, sizeof(hash)) ==
		    CHAIN_HASH_LEN)
			r.hash = hash;
		ret = cb(&r, arg);
	}
	return ret;
}

int
store_pg_audit_list(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
#define FILTER	"node = $10 AND seq >= $1 AND ($3::text IS NULL OR " \
		"system = $3) AND ($4::text IS NULL OR event = $4) AND " \
		"($5::text IS NULL OR decision = $5) AND " \
		"($6::text IS NULL OR " \
		"reason = $6) AND ($7::bigint = 0 OR time_ms >= $7) AND " \
		"($8::bigint = 0 OR time_ms < $8)"
	/* By user through the index, not a scan of the node's trail. */
#define ANYUSER	"$2::text IS NULL AND "
#define BYUSER	"\"user\" = $2 AND "
	/* Forward pages from a sequence number, or the newest records. */
	static const char *const sql[2][2] = {
		{ "SELECT * FROM (SELECT " COLUMNS " FROM audit WHERE " ANYUSER
		  FILTER " ORDER BY seq DESC LIMIT $9) t ORDER BY seq",
		  "SELECT * FROM (SELECT " COLUMNS " FROM audit WHERE " BYUSER
		  FILTER " ORDER BY seq DESC LIMIT $9) t ORDER BY seq" },
		{ "SELECT " COLUMNS " FROM audit WHERE " ANYUSER FILTER
		  " ORDER BY seq LIMIT $9",
		  "SELECT " COLUMNS " FROM audit WHERE " BYUSER FILTER
		  " ORDER BY seq LIMIT $9" },
	};
#undef BYUSER
#undef ANYUSER
#undef FILTER
	struct pg *q = pg_of(s);
	struct pg_args a;
	PGresult *res;
	int ret;

	pga_init(&a);
	pga_int(&a, f->since_seq);
	pga_text(&a, f->user);
	pga_text(&a, f->system);
	pga_text(&a, f->event);
	pga_text(&a, f->decision);
	pga_text(&a, f->reason);
	pga_int(&a, f->time_from);
	pga_int(&a, f->time_until);
	if (f->limit >= 0)
		pga_int(&a, f->limit);
	else
		pga_text(&a, NULL);	/* no limit, as SQLite's -1 */
	pga_text(&a, q->node);
	if ((res = pg_exec(q, sql[f->since_seq > 0][f->user != NULL], &a,
	    "audit list")) == NULL)
		return AUTHD_ERR_DB;
	ret = each_row(res, cb, arg);
	PQclear(res);
	return ret;
}

int
store_pg_audit_get(struct store *s, int64_t seq,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
	struct pg *q = pg_of(s);
	struct pg_args a;
	PGresult *res;
	int ret;

	pga_init(&a);
	pga_text(&a, q->node);
	pga_int(&a, seq);
	if ((res = pg_exec(q, "SELECT " COLUMNS " FROM audit WHERE node = $1 "
	    "AND seq = $2", &a, "audit show")) == NULL)
		return AUTHD_ERR_DB;
	ret = PQntuples(res) == 0 ? AUTHD_ERR_NOT_FOUND :
	    each_row(res, cb, arg);
	PQclear(res);
	return ret;
}

int
store_pg_audit_cut(struct store *s, int64_t before_ms, int64_t *cut,
    uint8_t *hash, int64_t *count)
{
	struct pg *q = pg_of(s);
	struct pg_args a;
	PGresult *res;

	pga_init(&a);
	pga_text(&a, q->node);
	pga_int(&a, before_ms);
	if ((res = pg_exec(q, "SELECT seq, hash, (SELECT count(*) FROM audit "
	    "WHERE node = $1 AND time_ms < $2) FROM audit WHERE node = $1 AND "
	    "time_ms < $2 ORDER BY seq DESC LIMIT 1", &a, "prune")) == NULL)
		return AUTHD_ERR_DB;
	if (PQntuples(res) == 1 && pg_bytes(res, 0, 1, hash,
	    CHAIN_HASH_LEN) == CHAIN_HASH_LEN) {
		*cut = pg_int(res, 0, 0);
		*count = pg_int(res, 0, 2);
	}
	PQclear(res);
	return 0;
}

int
store_pg_audit_prune(struct store *s, int64_t cut, int64_t *count)
{
	struct pg *q = pg_of(s);
	struct pg_args a;
	int r;

	/* The trigger lets only this maintenance step delete records. */
	if ((r = pg_cmd(q, "INSERT INTO audit_maintenance VALUES (1)", NULL,
	    "prune", NULL)) != 0)
		return r;
	pga_init(&a);
	pga_text(&a, q->node);
	pga_int(&a, cut);
	if ((r = pg_cmd(q, "DELETE FROM audit WHERE node = $1 AND seq <= $2",
	    &a, "prune", count)) != 0)
		return r;
	return pg_cmd(q, "DELETE FROM audit_maintenance", NULL, "prune", NULL);
}

int
store_pg_last_login(struct store *s, const char *user, const char *system,
    int64_t *ms)
{
	struct pg *q = pg_of(s);
	struct pg_args a;
	PGresult *res;

	pga_init(&a);
	pga_text(&a, user);
	pga_text(&a, system);
	if ((res = pg_exec(q, "SELECT MAX(time_ms) FROM audit WHERE \"user\" = "
	    "$1 AND system = $2 AND event = 'account' AND decision = 'allow'",
	    &a, "last login")) == NULL)
		return AUTHD_ERR_DB;
	if (PQntuples(res) == 1)
		*ms = pg_int(res, 0, 0);
	PQclear(res);
	return 0;
}
