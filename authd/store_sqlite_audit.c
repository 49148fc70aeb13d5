/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's SQLite back end (store_sqlite.h): the audit trail, its
 * checkpoints and base, its index by user (a database of its own,
 * attached as "ux"), and last logins.
 */
#include <stdio.h>
#include <string.h>

#include "authd_err.h"
#include "log.h"
#include "store_sqlite.h"

#define COLUMNS	"seq, time_ms, node, event, actor, user, system, service, " \
		"rhost, tty, decision, reason, request_id, detail, policy, " \
		"role, rule, factors, hash"

static int
db_err(struct sq *q, const char *what)
{
	log_err("audit: %s: %s", what, sqlite3_errmsg(q->db));
	return AUTHD_ERR_DB;
}

/* Steps a statement that returns no rows; finalizes it. */
static int
done(struct sq *q, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(q, what);
}

int
store_sqlite_audit_append(struct store *s, const struct audit_rec *r,
    const uint8_t *hash)
{
	struct sq *q = sq_of(s);
	const char *text[] = { r->node, r->event, r->actor, r->user,
	    r->system, r->service, r->rhost, r->tty, r->decision, r->reason };
	static const char sql[] = "INSERT INTO audit (" COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	    "?16, ?17, ?18, ?19)";
	sqlite3_stmt *st;
	int i, rc;

	if ((st = sq_cached(q, sql)) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(st, 1, r->seq);
	sqlite3_bind_int64(st, 2, r->time_ms);
	for (i = 0; i < 10; i++)
		sq_bind_text(st, 3 + i, text[i]);
	sqlite3_bind_int64(st, 13, r->reqid);
	sq_bind_text(st, 14, r->detail);
	sq_bind_text(st, 15, r->policy);
	sq_bind_text(st, 16, r->role);
	sq_bind_text(st, 17, r->rule);
	sq_bind_text(st, 18, r->factors);
	sqlite3_bind_blob(st, 19, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sq_done(st);
	return rc == SQLITE_DONE ? 0 : db_err(q, "insert");
}

int
store_sqlite_audit_checkpoint_put(struct store *s,
    const struct chain_checkpoint *cp)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO "
	    "audit_checkpoints (seq, time_ms, node, hash, key_id, sig) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &st, NULL) != SQLITE_OK)
		return db_err(q, "checkpoint");
	sqlite3_bind_int64(st, 1, cp->seq);
	sqlite3_bind_int64(st, 2, cp->time_ms);
	sqlite3_bind_text(st, 3, cp->node, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, cp->hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, cp->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, cp->sig, CHAIN_SIG_LEN, SQLITE_STATIC);
	return done(q, st, "checkpoint");
}

int
store_sqlite_audit_base_set(struct store *s, int64_t seq, const uint8_t *hash)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO audit_base "
	    "(id, seq, hash) VALUES (1, ?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return db_err(q, "base");
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_blob(st, 2, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	return done(q, st, "base");
}

/* Runs a one-row query of (integer, blob-or-integer). 1 = row, 0 = none. */
static int
one_row(struct sq *q, const char *sql, int64_t *a, uint8_t *blob, int64_t *b)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(q, "query");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*a = sqlite3_column_int64(st, 0);
		if (blob != NULL) {
			if (sqlite3_column_bytes(st, 1) != CHAIN_HASH_LEN) {
				log_err("audit: record %lld has no valid hash",
				    (long long)*a);
				ret = AUTHD_ERR_DB;
			} else
				memcpy(blob, sqlite3_column_blob(st, 1),
				    CHAIN_HASH_LEN);
		}
		if (b != NULL)
			*b = sqlite3_column_int64(st, 1);
		if (ret == 0)
			ret = 1;
	} else if (rc != SQLITE_DONE)
		ret = db_err(q, "query");
	sqlite3_finalize(st);
	return ret;
}

int
store_sqlite_audit_head(struct store *s, int64_t *seq, uint8_t *hash)
{
	struct sq *q = sq_of(s);
	int r;

	r = one_row(q, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	    seq, hash, NULL);
	if (r == 0)
		r = one_row(q, "SELECT seq, hash FROM audit_base WHERE id = 1",
		    seq, hash, NULL);
	return r < 0 ? r : 0;
}

int
store_sqlite_audit_last_checkpoint(struct store *s, int64_t *seq,
    int64_t *time_ms)
{
	int r;

	r = one_row(sq_of(s), "SELECT seq, time_ms FROM audit_checkpoints "
	    "ORDER BY seq DESC LIMIT 1", seq, NULL, time_ms);
	return r < 0 ? r : 0;
}

/* Steps through rows of COLUMNS, calling cb for each. */
static int
each_row(struct sq *q, sqlite3_stmt *st,
    int (*cb)(const struct audit_rec *, void *), void *arg, int *rows)
{
	struct audit_rec r;
	int rc, ret = 0;

	*rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.seq = sqlite3_column_int64(st, 0);
		r.time_ms = sqlite3_column_int64(st, 1);
		r.node = sq_text(st, 2);
		r.event = sq_text(st, 3);
		r.actor = sq_text(st, 4);
		r.user = sq_text(st, 5);
		r.system = sq_text(st, 6);
		r.service = sq_text(st, 7);
		r.rhost = sq_text(st, 8);
		r.tty = sq_text(st, 9);
		r.decision = sq_text(st, 10);
		r.reason = sq_text(st, 11);
		r.reqid = (uint32_t)sqlite3_column_int64(st, 12);
		r.detail = sq_text(st, 13);
		r.policy = sq_text(st, 14);
		r.role = sq_text(st, 15);
		r.rule = sq_text(st, 16);
		r.factors = sq_text(st, 17);
		if (sqlite3_column_bytes(st, 18) == CHAIN_HASH_LEN)
			r.hash = sqlite3_column_blob(st, 18);
		(*rows)++;
		if ((ret = cb(&r, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(q, "list");
	return ret;
}

int
store_sqlite_audit_list(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
#define FILTER	"seq >= ?1 AND (?2 IS NULL OR user = ?2) " \
		"AND (?3 IS NULL OR system = ?3) AND (?4 IS NULL OR " \
		"event = ?4) AND (?5 IS NULL OR decision = ?5) AND (?6 IS " \
		"NULL OR reason = ?6) AND (?7 = 0 OR time_ms >= ?7) AND " \
		"(?8 = 0 OR time_ms < ?8)"
	/* By user: the records the user index names, not a scan. */
#define BYUSER	"seq IN (" SQ_SEQS_OF_USER("?2") ") AND "
	/* Forward pages from a sequence number, or the newest records. */
	static const char *const sql[2][2] = {
		{ "SELECT * FROM (SELECT " COLUMNS " FROM audit WHERE " FILTER
		  " ORDER BY seq DESC LIMIT ?9) ORDER BY seq",
		  "SELECT * FROM (SELECT " COLUMNS " FROM audit WHERE " BYUSER
		  FILTER " ORDER BY seq DESC LIMIT ?9) ORDER BY seq" },
		{ "SELECT " COLUMNS " FROM audit WHERE " FILTER
		  " ORDER BY seq LIMIT ?9",
		  "SELECT " COLUMNS " FROM audit WHERE " BYUSER FILTER
		  " ORDER BY seq LIMIT ?9" },
	};
#undef BYUSER
#undef FILTER
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int ret, rows;

	if (sqlite3_prepare_v2(q->db, sql[f->since_seq > 0][f->user != NULL],
	    -1, &st, NULL) != SQLITE_OK)
		return db_err(q, "list");
	sqlite3_bind_int64(st, 1, f->since_seq);
	sq_bind_text(st, 2, f->user);
	sq_bind_text(st, 3, f->system);
	sq_bind_text(st, 4, f->event);
	sq_bind_text(st, 5, f->decision);
	sq_bind_text(st, 6, f->reason);
	sqlite3_bind_int64(st, 7, f->time_from);
	sqlite3_bind_int64(st, 8, f->time_until);
	sqlite3_bind_int64(st, 9, f->limit);
	ret = each_row(q, st, cb, arg, &rows);
	sqlite3_finalize(st);
	return ret;
}

int
store_sqlite_audit_get(struct store *s, int64_t seq,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int ret, rows;

	if (sqlite3_prepare_v2(q->db, "SELECT " COLUMNS " FROM audit "
	    "WHERE seq = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_err(q, "show");
	sqlite3_bind_int64(st, 1, seq);
	ret = each_row(q, st, cb, arg, &rows);
	sqlite3_finalize(st);
	return ret == 0 && rows == 0 ? AUTHD_ERR_NOT_FOUND : ret;
}

int
store_sqlite_audit_cut(struct store *s, int64_t before_ms, int64_t *cut,
    uint8_t *hash, int64_t *count)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(q->db, "SELECT seq, hash, (SELECT count(*) "
	    "FROM audit WHERE time_ms < ?1) FROM audit WHERE time_ms < ?1 "
	    "ORDER BY seq DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return db_err(q, "prune");
	sqlite3_bind_int64(st, 1, before_ms);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_bytes(st, 1) == CHAIN_HASH_LEN) {
		*cut = sqlite3_column_int64(st, 0);
		memcpy(hash, sqlite3_column_blob(st, 1), CHAIN_HASH_LEN);
		*count = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : db_err(q, "prune");
}

int
store_sqlite_audit_prune(struct store *s, int64_t cut, int64_t *count)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int r;

	/* The triggers let only this maintenance step delete records. */
	if (sqlite3_exec(q->db, "INSERT INTO audit_maintenance VALUES (1)",
	    NULL, NULL, NULL) != SQLITE_OK)
		return db_err(q, "prune");
	if (sqlite3_prepare_v2(q->db, "DELETE FROM audit WHERE seq <= ?1",
	    -1, &st, NULL) != SQLITE_OK)
		return db_err(q, "prune");
	sqlite3_bind_int64(st, 1, cut);
	if ((r = done(q, st, "prune")) != 0)
		return r;
	*count = sqlite3_changes(q->db);
	if (sqlite3_exec(q->db, "DELETE FROM audit_maintenance", NULL, NULL,
	    NULL) != SQLITE_OK)
		return db_err(q, "prune");
	return 0;
}

int
store_sqlite_last_login(struct store *s, const char *user, const char *system,
    int64_t *ms)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int rc;

	if ((st = sq_cached(q, "SELECT MAX(time_ms) FROM audit WHERE "
	    "seq IN (" SQ_SEQS_OF_USER("?1") ") AND user = ?1 AND "
	    "system = ?2 AND event = 'account' AND decision = 'allow'")) ==
	    NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, system, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*ms = sqlite3_column_int64(st, 0);
	sq_done(st);
	return rc == SQLITE_ROW ? 0 : db_err(q, "last login");
}

/* ---- the index by user: quiet, store_errmsg says why ---- */

/* Keeps why an operation failed, before a ROLLBACK replaces it. */
static int
ux_fail(struct sq *q)
{
	snprintf(q->err, sizeof(q->err), "%s", sqlite3_errmsg(q->db));
	return AUTHD_ERR_DB;
}

/* Runs a cached statement with two integers bound; 0 or AUTHD_ERR_DB. */
static int
ux_run(struct sq *q, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = sq_cached(q, sql)) == NULL)
		return ux_fail(q);
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	rc = sqlite3_step(st);
	sq_done(st);
	return rc == SQLITE_DONE ? 0 : ux_fail(q);
}

int
store_sqlite_byuser_positions(struct store *s, int64_t *upto, int64_t *head)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int rc;

	q->err[0] = '\0';
	if ((st = sq_cached(q, "SELECT (SELECT upto FROM ux.state), "
	    "(SELECT IFNULL(MAX(seq), 0) FROM main.audit)")) == NULL)
		return ux_fail(q);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*upto = sqlite3_column_int64(st, 0);
		*head = sqlite3_column_int64(st, 1);
	} else
		(void)ux_fail(q);
	sq_done(st);
	return rc == SQLITE_ROW ? 0 : AUTHD_ERR_DB;
}

int
store_sqlite_byuser_reset(struct store *s)
{
	struct sq *q = sq_of(s);
	int r;

	q->err[0] = '\0';
	if ((r = ux_run(q, "BEGIN", 0, 0)) != 0)
		return r;
	if ((r = ux_run(q, "DELETE FROM ux.audit_user", 0, 0)) != 0 ||
	    (r = ux_run(q, "DELETE FROM ux.buckets", 0, 0)) != 0 ||
	    (r = ux_run(q, "INSERT OR REPLACE INTO ux.state VALUES (1, 0)",
	    0, 0)) != 0) {
		(void)ux_run(q, "ROLLBACK", 0, 0);
		return r;
	}
	return ux_run(q, "COMMIT", 0, 0);
}

int
store_sqlite_byuser_add(struct store *s, int64_t from, int64_t to)
{
	struct sq *q = sq_of(s);
	int r;

	q->err[0] = '\0';
	/* Deferred: only the index is written; the trail is only read. */
	if ((r = ux_run(q, "BEGIN", 0, 0)) != 0)
		return r;
	if ((r = ux_run(q, "INSERT OR IGNORE INTO ux.buckets SELECT DISTINCT "
	    "seq >> 16 FROM main.audit WHERE seq > ?1 AND seq <= ?2",
	    from, to)) != 0 ||
	    (r = ux_run(q, "INSERT OR IGNORE INTO ux.audit_user "
	    "SELECT seq >> 16, user, seq FROM main.audit WHERE seq > ?1 AND "
	    "seq <= ?2 AND user IS NOT NULL ORDER BY 1, 2, 3",
	    from, to)) != 0 ||
	    (r = ux_run(q, "INSERT OR REPLACE INTO ux.state VALUES (1, ?2)",
	    from, to)) != 0) {
		(void)ux_run(q, "ROLLBACK", 0, 0);
		return r;
	}
	return ux_run(q, "COMMIT", 0, 0);
}
