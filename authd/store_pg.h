/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_STORE_PG_H
#define AUTHD_STORE_PG_H

#include <stddef.h>

#include <libpq-fe.h>

#include "store_backend.h"

/*
 * The PostgreSQL back end of the store, split by area like SQLite's:
 * store_pg.c (connecting, the schema's migrations, transactions, tokens,
 * lockout), store_pg_audit.c (the trail of this node, last logins),
 * store_pg_review.c (campaigns, items, revocations).  Private to those
 * three files.
 *
 * Every statement is prepared once per connection (found again by the
 * address of its text, a string literal) and run with its parameters
 * apart from it.  Every wait is bounded: connect_timeout, TCP keepalives
 * and tcp_user_timeout on the socket, statement_timeout (the locks a
 * statement waits for included) in the server, and a deadline of the
 * client's own on each answer (a commit's wait for a standby included).
 */

#define PG_STMT_CACHE	64
#define PG_NPARAMS	20
#define PG_NODE_MAX	256
#define PG_GRACE_MS	500	/* the client's wait beyond the server's */

/* A connection. */
struct pg {
	struct store	 s;		/* first: the store's handle */
	PGconn		*conn;
	char		 node[PG_NODE_MAX];
	const char	*cache[PG_STMT_CACHE];	/* prepared as "s<i>" */
	int		 ncache;
	int		 timeout_ms;
	int		 in_tx;		/* a write transaction is open */
	int		 broken;	/* abandoned: open it again */
	int		 warned;	/* the last command had a WARNING */
	char		 warning[256];
	char		 err[256];	/* why the last operation failed */
};

/* The parameters of one statement: text, integers as text, bytes. */
struct pg_args {
	int		 n;
	const char	*v[PG_NPARAMS];
	int		 len[PG_NPARAMS];
	int		 fmt[PG_NPARAMS];
	char		 num[PG_NPARAMS][24];
};

static inline struct pg *
pg_of(struct store *s)
{
	return (struct pg *)s;
}

void pga_init(struct pg_args *a);
/* Adds text, or SQL NULL when `v` is NULL. */
void pga_text(struct pg_args *a, const char *v);
void pga_int(struct pg_args *a, int64_t v);
void pga_bytes(struct pg_args *a, const uint8_t *p, size_t len);

/*
 * Runs `sql` (a string literal) with `a` (NULL: none): the result of a
 * command that succeeded (PQclear it), or NULL after logging `what` and
 * the server's reason.  Outside a write transaction a connection that
 * was lost is opened again first.
 */
PGresult *pg_exec(struct pg *q, const char *sql, const struct pg_args *a,
    const char *what);
/*
 * pg_exec for a command that returns no rows: 0 and *changed (the rows
 * it changed; may be NULL), or AUTHD_ERR_DB.
 */
int pg_cmd(struct pg *q, const char *sql, const struct pg_args *a,
    const char *what, int64_t *changed);
/* Column `c` of row `r`: as an integer (0 for NULL), as text (NULL). */
int64_t pg_int(const PGresult *res, int r, int c);
const char *pg_str(const PGresult *res, int r, int c);
/*
 * Row `r` of `res` into the struct at `out`, column i into the field of
 * cols[i] (text: a pointer into `res`, NULL for NULL; integers: 0 for
 * NULL); the struct is zeroed first.  For the listings' row structs.
 */
enum pg_type { PG_TEXT, PG_I64, PG_INT, PG_U32 };
struct pg_col {
	size_t		off;
	enum pg_type	type;
};
void pg_row(const PGresult *res, int r, const struct pg_col *cols,
    size_t ncols, void *out, size_t size);
#define PG_COL(type, f, t)	{ offsetof(type, f), t }
#define PG_NCOLS(cols)		(sizeof(cols) / sizeof(cols[0]))
/*
 * A bytea column (text format "\x..") into `out` (at most `max` bytes):
 * its length, or -1 when it is NULL, too long or not hex.
 */
long pg_bytes(const PGresult *res, int r, int c, uint8_t *out, size_t max);

/* store_pg_audit.c */
int store_pg_audit_append(struct store *, const struct audit_rec *,
    const uint8_t *);
int store_pg_audit_checkpoint_put(struct store *,
    const struct chain_checkpoint *);
int store_pg_audit_base_set(struct store *, int64_t, const uint8_t *);
int store_pg_audit_head(struct store *, int64_t *, uint8_t *);
int store_pg_audit_last_checkpoint(struct store *, int64_t *, int64_t *);
int store_pg_audit_list(struct store *, const struct audit_filter *,
    int (*)(const struct audit_rec *, void *), void *);
int store_pg_audit_get(struct store *, int64_t,
    int (*)(const struct audit_rec *, void *), void *);
int store_pg_audit_cut(struct store *, int64_t, int64_t *, uint8_t *,
    int64_t *);
int store_pg_audit_prune(struct store *, int64_t, int64_t *);
int store_pg_last_login(struct store *, const char *, const char *,
    int64_t *);

/* store_pg_review.c */
int store_pg_review_create(struct store *, const struct store_review *,
    const struct store_review_item *, size_t, int64_t *);
int store_pg_review_list(struct store *, const char *,
    int (*)(const struct store_review *, void *), void *);
int store_pg_review_get(struct store *, int64_t,
    int (*)(const struct store_review *, void *), void *);
int store_pg_review_items(struct store *, int64_t,
    const struct store_item_filter *,
    int (*)(const struct store_review_item *, void *), void *);
int store_pg_review_decide(struct store *, int64_t, const char *,
    const char *, const struct store_decision *);
int store_pg_review_close(struct store *, int64_t, int64_t, const char *,
    const char *, int64_t, const uint8_t *);
int store_pg_review_remediation(struct store *, int64_t, const char *,
    const char *, const char *);
int store_pg_revocation_add(struct store *, const struct store_revocation *);
int store_pg_revocation_find(struct store *, const char *, const char *,
    const char *, int64_t *);
int store_pg_revocation_list(struct store *, const char *, const char *,
    int (*)(const struct store_revocation *, void *), void *);
int store_pg_node_beat(struct store *, const struct store_node *);
int store_pg_node_list(struct store *,
    int (*)(const struct store_node *, void *), void *);
int store_pg_revocation_lift(struct store *, const char *, const char *,
    const char *, int64_t, const char *, const char *, int64_t *);

#endif
