/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHCTL_VERIFY_DB_H
#define AUTHCTL_VERIFY_DB_H

#include <stdint.h>

#include <sqlite3.h>

/*
 * The database side of "authctl audit verify" (verify.c): reading a
 * database file that may come from anyone.  SQLite opens it read-only
 * with its schema's views, triggers and functions off; the tables verify
 * reads are checked to be real tables with the columns it reads; and
 * SQLite's work is bounded by the rows asked for, so that no file can
 * keep verify busy or make it read a row twice.  What is refused is in
 * docs/audit.md.
 *
 * Every function that fails has said why on stderr, as
 * "authctl: audit verify: PATH: WHAT: REASON", once.
 */

struct verify_db {
	sqlite3		*db;
	const char	*path;		/* as given, for messages */
	uint64_t	 budget;	/* progress calls allowed so far */
	uint64_t	 spent;		/* progress calls made */
	int		 reported;	/* an error was reported */
};

/*
 * Opens `path` (kept, not copied) read-only, starts a read transaction
 * and checks the schema.  Returns AUTHCTL_EXIT_OK, or AUTHCTL_EXIT_FAIL
 * after saying why; either way the caller calls verify_db_close.
 */
int verify_db_open(struct verify_db *d, const char *path);

/* Closes the database; accepts one that failed to open, or never did. */
void verify_db_close(struct verify_db *d);

/*
 * Ends the read transaction and starts another, whose snapshot may be
 * newer, and checks its schema again.  Returns AUTHCTL_EXIT_OK, or
 * AUTHCTL_EXIT_FAIL after saying why.
 */
int verify_db_renew(struct verify_db *d);

/*
 * sqlite3_step for any statement on d->db: each call adds the budget of
 * one row.  Returns what sqlite3_step returns; on an error other than
 * SQLITE_DONE, verify_db_error says what went wrong.
 */
int verify_db_step(struct verify_db *d, sqlite3_stmt *st);

/* Where a scan in key order is: zero it before the first row. */
struct verify_db_scan {
	int		 started;
	int64_t		 last;		/* the key of the last row */
};

/*
 * The next row of `st`, which reads table `what` in the order of its
 * INTEGER PRIMARY KEY, selected as column 0.  Returns SQLITE_ROW,
 * SQLITE_DONE, or another code after saying why (a database error, or a
 * key that does not strictly increase).
 */
int verify_db_next(struct verify_db *d, sqlite3_stmt *st, const char *what,
    struct verify_db_scan *s);

/*
 * Says why the last call on d->db failed, `what` naming what was being
 * read, unless a refusal was said already.  Returns AUTHCTL_EXIT_FAIL.
 */
int verify_db_error(struct verify_db *d, const char *what);

#endif
