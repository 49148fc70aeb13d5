/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "audit.h"
#include "authd_err.h"
#include "log.h"
#include "util.h"

#define COLUMNS	"seq, time_ms, node, event, actor, user, system, service, " \
		"rhost, tty, decision, reason, request_id, detail, policy, " \
		"role, rule, factors, hash"

void
audit_to_chain(const struct audit_rec *r, struct chain_rec *c)
{
	memset(c, 0, sizeof(*c));
	c->seq = r->seq;
	c->time_ms = r->time_ms;
	c->reqid = r->reqid;
	c->node = r->node;
	c->event = r->event;
	c->actor = r->actor;
	c->user = r->user;
	c->system = r->system;
	c->service = r->service;
	c->rhost = r->rhost;
	c->tty = r->tty;
	c->decision = r->decision;
	c->reason = r->reason;
	c->detail = r->detail;
	c->policy = r->policy;
	c->role = r->role;
	c->rule = r->rule;
	c->factors = r->factors;
}

static int
db_err(struct store *s, const char *what)
{
	log_err("audit: %s: %s", what, sqlite3_errmsg(store_db(s)));
	return AUTHD_ERR_DB;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Steps a statement that returns no rows; finalizes it. */
static int
done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(s, what);
}

int
audit_insert(struct store *s, const struct audit_rec *r,
    const uint8_t hash[CHAIN_HASH_LEN])
{
	const char *text[] = { r->node, r->event, r->actor, r->user,
	    r->system, r->service, r->rhost, r->tty, r->decision, r->reason };
	static const char sql[] = "INSERT INTO audit (" COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	    "?16, ?17, ?18, ?19)";
	sqlite3_stmt *st;
	int i, rc;

	if ((st = store_stmt(s, sql)) == NULL)
		return AUTHD_ERR_DB;
	sqlite3_bind_int64(st, 1, r->seq);
	sqlite3_bind_int64(st, 2, r->time_ms);
	for (i = 0; i < 10; i++)
		bind_text(st, 3 + i, text[i]);
	sqlite3_bind_int64(st, 13, r->reqid);
	bind_text(st, 14, r->detail);
	bind_text(st, 15, r->policy);
	bind_text(st, 16, r->role);
	bind_text(st, 17, r->rule);
	bind_text(st, 18, r->factors);
	sqlite3_bind_blob(st, 19, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : db_err(s, "insert");
}

int
audit_checkpoint_insert(struct store *s, const struct chain_checkpoint *cp)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(store_db(s), "INSERT OR REPLACE INTO "
	    "audit_checkpoints (seq, time_ms, node, hash, key_id, sig) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "checkpoint");
	sqlite3_bind_int64(st, 1, cp->seq);
	sqlite3_bind_int64(st, 2, cp->time_ms);
	sqlite3_bind_text(st, 3, cp->node, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, cp->hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, cp->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, cp->sig, CHAIN_SIG_LEN, SQLITE_STATIC);
	return done(s, st, "checkpoint");
}

int
audit_base_set(struct store *s, int64_t seq, const uint8_t hash[CHAIN_HASH_LEN])
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(store_db(s), "INSERT OR REPLACE INTO audit_base "
	    "(id, seq, hash) VALUES (1, ?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "base");
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_blob(st, 2, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	return done(s, st, "base");
}

/* Runs a one-row query of (integer, blob-or-integer). 1 = row, 0 = none. */
static int
one_row(struct store *s, const char *q, int64_t *a, uint8_t *blob,
    int64_t *b)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(store_db(s), q, -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "query");
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
		ret = db_err(s, "query");
	sqlite3_finalize(st);
	return ret;
}

int
audit_head(struct store *s, int64_t *seq, uint8_t hash[CHAIN_HASH_LEN])
{
	int r;

	*seq = 0;
	memset(hash, 0, CHAIN_HASH_LEN);
	r = one_row(s, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	    seq, hash, NULL);
	if (r == 0)
		r = one_row(s, "SELECT seq, hash FROM audit_base WHERE id = 1",
		    seq, hash, NULL);
	return r < 0 ? r : 0;
}

int
audit_last_checkpoint(struct store *s, int64_t *seq, int64_t *time_ms)
{
	int r;

	*seq = *time_ms = 0;
	r = one_row(s, "SELECT seq, time_ms FROM audit_checkpoints ORDER BY "
	    "seq DESC LIMIT 1", seq, NULL, time_ms);
	return r < 0 ? r : 0;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Steps through rows of COLUMNS, calling cb for each. */
static int
each_row(struct store *s, sqlite3_stmt *st,
    int (*cb)(const struct audit_rec *, void *), void *arg, int *rows)
{
	struct audit_rec r;
	int rc, ret = 0;

	*rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.seq = sqlite3_column_int64(st, 0);
		r.time_ms = sqlite3_column_int64(st, 1);
		r.node = col(st, 2);
		r.event = col(st, 3);
		r.actor = col(st, 4);
		r.user = col(st, 5);
		r.system = col(st, 6);
		r.service = col(st, 7);
		r.rhost = col(st, 8);
		r.tty = col(st, 9);
		r.decision = col(st, 10);
		r.reason = col(st, 11);
		r.reqid = (uint32_t)sqlite3_column_int64(st, 12);
		r.detail = col(st, 13);
		r.policy = col(st, 14);
		r.role = col(st, 15);
		r.rule = col(st, 16);
		r.factors = col(st, 17);
		if (sqlite3_column_bytes(st, 18) == CHAIN_HASH_LEN)
			r.hash = sqlite3_column_blob(st, 18);
		(*rows)++;
		if ((ret = cb(&r, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(s, "list");
	return ret;
}

int
audit_list(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
#define FILTER	"seq >= ?1 AND (?2 IS NULL OR user = ?2) " \
		"AND (?3 IS NULL OR system = ?3) AND (?4 IS NULL OR " \
		"event = ?4) AND (?5 IS NULL OR decision = ?5) AND (?6 IS " \
		"NULL OR reason = ?6) AND (?7 = 0 OR time_ms >= ?7) AND " \
		"(?8 = 0 OR time_ms < ?8)"
	/* By user: the records the user index names, not a scan. */
#define BYUSER	"seq IN (" STORE_SEQS_OF_USER("?2") ") AND "
	/* Forward pages from a sequence number, or the newest records. */
	static const char *const q[2][2] = {
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
	sqlite3_stmt *st;
	int ret, rows;

	if (sqlite3_prepare_v2(store_db(s), q[f->since_seq > 0][f->user !=
	    NULL], -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "list");
	sqlite3_bind_int64(st, 1, f->since_seq);
	bind_text(st, 2, f->user);
	bind_text(st, 3, f->system);
	bind_text(st, 4, f->event);
	bind_text(st, 5, f->decision);
	bind_text(st, 6, f->reason);
	sqlite3_bind_int64(st, 7, f->time_from);
	sqlite3_bind_int64(st, 8, f->time_until);
	sqlite3_bind_int64(st, 9, f->limit);
	ret = each_row(s, st, cb, arg, &rows);
	sqlite3_finalize(st);
	return ret;
}

int
audit_get(struct store *s, int64_t seq,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
	sqlite3_stmt *st;
	int ret, rows;

	if (sqlite3_prepare_v2(store_db(s), "SELECT " COLUMNS " FROM audit "
	    "WHERE seq = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "show");
	sqlite3_bind_int64(st, 1, seq);
	ret = each_row(s, st, cb, arg, &rows);
	sqlite3_finalize(st);
	return ret == 0 && rows == 0 ? AUTHD_ERR_NOT_FOUND : ret;
}

int
audit_prune(struct store *s, int64_t before_ms, int remove, int64_t *cut,
    uint8_t hash[CHAIN_HASH_LEN], int64_t *count)
{
	sqlite3_stmt *st;
	int r;

	if (!remove) {
		*cut = *count = 0;
		if (sqlite3_prepare_v2(store_db(s), "SELECT seq, hash, "
		    "(SELECT count(*) FROM audit WHERE time_ms < ?1) FROM audit "
		    "WHERE time_ms < ?1 ORDER BY seq DESC LIMIT 1", -1, &st,
		    NULL) != SQLITE_OK)
			return db_err(s, "prune");
		sqlite3_bind_int64(st, 1, before_ms);
		r = sqlite3_step(st);
		if (r == SQLITE_ROW && sqlite3_column_bytes(st, 1) ==
		    CHAIN_HASH_LEN) {
			*cut = sqlite3_column_int64(st, 0);
			memcpy(hash, sqlite3_column_blob(st, 1),
			    CHAIN_HASH_LEN);
			*count = sqlite3_column_int64(st, 2);
		}
		sqlite3_finalize(st);
		return r == SQLITE_ROW || r == SQLITE_DONE ? 0 :
		    db_err(s, "prune");
	}
	/* The triggers let only this maintenance step delete records. */
	if (sqlite3_exec(store_db(s), "INSERT INTO audit_maintenance VALUES "
	    "(1)", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(s, "prune");
	if (sqlite3_prepare_v2(store_db(s), "DELETE FROM audit WHERE seq <= ?1",
	    -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "prune");
	sqlite3_bind_int64(st, 1, *cut);
	if ((r = done(s, st, "prune")) != 0)
		return r;
	*count = sqlite3_changes(store_db(s));
	if (sqlite3_exec(store_db(s), "DELETE FROM audit_maintenance", NULL,
	    NULL, NULL) != SQLITE_OK)
		return db_err(s, "prune");
	return 0;
}
