/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_STORE_SQLITE_H
#define AUTHD_STORE_SQLITE_H

#include <sqlite3.h>

#include "store_backend.h"

/*
 * The SQLite back end of the store, split by area: store_sqlite.c
 * (opening, the schema's migrations, transactions, tokens, lockout),
 * store_sqlite_audit.c (the trail, its index by user, last logins),
 * store_sqlite_review.c (campaigns, items, revocations).  Private to
 * those three files.
 */

#define SQ_STMT_CACHE	32

/* A connection. */
struct sq {
	struct store	 s;		/* first: the store's handle */
	sqlite3		*db;
	struct {
		const char	*sql;
		sqlite3_stmt	*st;
	} cache[SQ_STMT_CACHE];
	void		(*on_commit)(void *, int);
	void		*on_commit_arg;
	char		 err[256];	/* why a quiet operation failed */
};

/* The connection behind a handle. */
static inline struct sq *
sq_of(struct store *s)
{
	return (struct sq *)s;
}

/*
 * A prepared statement for `sql`, kept for the connection's lifetime and
 * found again by the address of `sql` (pass a string literal): for the
 * statements that run on every decision.  Give it back with sq_done
 * (never finalize it).  NULL on error (logged).
 */
sqlite3_stmt *sq_cached(struct sq *q, const char *sql);
/* A statement prepared for one use: finalize it.  NULL on error (logged). */
sqlite3_stmt *sq_prepare(struct sq *q, const char *sql);
/* Resets a statement from sq_cached and drops its bindings. */
void sq_done(sqlite3_stmt *st);
/* Logs the connection's error with `what` and returns AUTHD_ERR_DB. */
int sq_err(struct sq *q, const char *what);
/* Binds text, or NULL when `v` is. */
void sq_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Column `i` as text, NULL for SQL NULL. */
const char *sq_text(sqlite3_stmt *st, int i);
/*
 * Steps a statement that returns no rows: 0, or AUTHD_ERR_DB after
 * logging `what`.  Leaves resetting or finalizing to the caller.
 */
int sq_step_done(struct sq *q, sqlite3_stmt *st, const char *what);
/* sq_step_done for a statement from sq_prepare, which it finalizes. */
int sq_once(struct sq *q, sqlite3_stmt *st, const char *what);

/*
 * SQL for the sequence numbers of the records of the user bound at `p`:
 * those indexed, and those after the index (found by a scan of the few
 * records it has not reached).  For "seq IN (...)", with the user
 * compared again in the outer query: the index is derived data.
 */
#define SQ_SEQS_OF_USER(p)						\
	"SELECT seq FROM ux.audit_user WHERE bucket IN "		\
	"(SELECT b FROM ux.buckets) AND user = " p " UNION ALL "	\
	"SELECT seq FROM main.audit WHERE seq > "			\
	"IFNULL((SELECT upto FROM ux.state), 0) AND user = " p

/* store_sqlite_audit.c */
int store_sqlite_audit_append(struct store *, const struct audit_rec *,
    const uint8_t *);
int store_sqlite_audit_checkpoint_put(struct store *,
    const struct chain_checkpoint *);
int store_sqlite_audit_base_set(struct store *, int64_t, const uint8_t *);
int store_sqlite_audit_head(struct store *, int64_t *, uint8_t *);
int store_sqlite_audit_last_checkpoint(struct store *, int64_t *,
    int64_t *);
int store_sqlite_audit_list(struct store *, const struct audit_filter *,
    int (*)(const struct audit_rec *, void *), void *);
int store_sqlite_audit_get(struct store *, int64_t,
    int (*)(const struct audit_rec *, void *), void *);
int store_sqlite_audit_cut(struct store *, int64_t, int64_t *, uint8_t *,
    int64_t *);
int store_sqlite_audit_prune(struct store *, int64_t, int64_t *);
int store_sqlite_last_login(struct store *, const char *, const char *,
    int64_t *);
int store_sqlite_byuser_positions(struct store *, int64_t *, int64_t *);
int store_sqlite_byuser_reset(struct store *);
int store_sqlite_byuser_add(struct store *, int64_t, int64_t);

/* store_sqlite_review.c */
int store_sqlite_review_create(struct store *, const struct store_review *,
    const struct store_review_item *, size_t, int64_t *);
int store_sqlite_review_list(struct store *, const char *,
    int (*)(const struct store_review *, void *), void *);
int store_sqlite_review_get(struct store *, int64_t,
    int (*)(const struct store_review *, void *), void *);
int store_sqlite_review_items(struct store *, int64_t,
    const struct store_item_filter *,
    int (*)(const struct store_review_item *, void *), void *);
int store_sqlite_review_decide(struct store *, int64_t, const char *,
    const char *, const struct store_decision *);
int store_sqlite_review_close(struct store *, int64_t, int64_t, const char *,
    const char *, int64_t, const uint8_t *);
int store_sqlite_review_remediation(struct store *, int64_t, const char *,
    const char *, const char *);
int store_sqlite_revocation_add(struct store *,
    const struct store_revocation *);
int store_sqlite_revocation_find(struct store *, const char *, const char *,
    const char *, int64_t *);
int store_sqlite_revocation_list(struct store *, const char *, const char *,
    int (*)(const struct store_revocation *, void *), void *);
int store_sqlite_node_beat(struct store *, const struct store_node *);
int store_sqlite_node_list(struct store *,
    int (*)(const struct store_node *, void *), void *);
int store_sqlite_revocation_lift(struct store *, const char *, const char *,
    const char *, int64_t, const char *, const char *, int64_t *);

#endif
