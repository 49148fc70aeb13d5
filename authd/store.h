/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_STORE_H
#define AUTHD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/*
 * authd's SQLite database (WAL, synchronous=FULL).  Each thread owns one
 * connection.  Only the writer (writer.h) changes anything, inside its
 * BEGIN IMMEDIATE transactions, so a check and the update that follows
 * it happen under one lock; workers only read.
 */

struct store;

/* Token as stored: the seed stays sealed (see seal.h). */
struct token {
	char		 state[16];	/* "pending" or "active" */
	uint8_t		*sealed;	/* owned; free with token_clear */
	size_t		 sealed_len;
	int64_t		 last_step;	/* last accepted TOTP step */
	int64_t		 created_ms;
};

/* Consecutive-failure state of one user. */
struct lockout {
	int64_t		 failures;
	int64_t		 lock_count;	/* lockouts since the last success */
	int64_t		 locked_until_ms;
};

/*
 * Opens (creating if needed, mode 0600) the database at `path` and applies
 * pending migrations when `migrate` is set.  Returns 0 and *out, or
 * AUTHD_ERR_DB after logging why.
 */
int store_open(const char *path, int migrate, struct store **out);
/*
 * The audit trail's per-user index lives in a database of its own,
 * `path`-byuser, kept by userindex.c off the commit path: appending a
 * record writes no page keyed by user.  store_attach_byuser attaches it
 * to `s` as "ux" (creating file and tables when `create`); a connection
 * that attaches it must not write (the writer's never does: its BEGIN
 * IMMEDIATE would lock the index too).  0 or AUTHD_ERR_DB.
 */
int store_attach_byuser(struct store *s, const char *path, int create);
/*
 * SQL for the sequence numbers of the records of the user bound at `p`:
 * those indexed, and those after the index (found by a scan of the few
 * records it has not reached).  For "seq IN (...)", with the user
 * compared again in the outer query: the index is derived data.
 */
#define STORE_SEQS_OF_USER(p)						\
	"SELECT seq FROM ux.audit_user WHERE bucket IN "		\
	"(SELECT b FROM ux.buckets) AND user = " p " UNION ALL "	\
	"SELECT seq FROM main.audit WHERE seq > "			\
	"IFNULL((SELECT upto FROM ux.state), 0) AND user = " p
/* Closes `s`; accepts NULL. */
void store_close(struct store *s);
/* The raw handle, for modules that keep their own SQL (audit.c). */
sqlite3 *store_db(struct store *s);

/*
 * A prepared statement for `sql`, kept for the connection's lifetime and
 * found again by the address of `sql` (pass a string literal).  Reset and
 * unbound on return; the caller resets it after use (store_stmt_done) and
 * never finalizes it.  NULL on error (logged).
 */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
/* Resets a statement from store_stmt and drops its bindings. */
void store_stmt_done(sqlite3_stmt *st);

/* Token of `user` into *t (AUTHD_ERR_NOT_FOUND if none). */
int store_token_get(struct store *s, const char *user, struct token *t);
/* Inserts or replaces the token of `user`. */
int store_token_put(struct store *s, const char *user, const struct token *t);
/* Sets state and last step. AUTHD_ERR_NOT_FOUND if no token. */
int store_token_update(struct store *s, const char *user, const char *state,
    int64_t last_step);
/* Deletes the token (and lockout state) of `user`. NOT_FOUND if none. */
int store_token_delete(struct store *s, const char *user);
/* Frees what store_token_get allocated. */
void token_clear(struct token *t);
/*
 * The state of `user`'s token for listings, a static string: "active",
 * "pending", or "none" when there is no token or it cannot be read.
 */
const char *store_token_state(struct store *s, const char *user);

/* Lockout state of `user`; all zero if none recorded. */
int store_lockout_get(struct store *s, const char *user, struct lockout *l);
int store_lockout_put(struct store *s, const char *user,
    const struct lockout *l);
int store_lockout_clear(struct store *s, const char *user);

#endif
