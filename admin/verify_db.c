/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "authctl.h"
#include "proto.h"
#include "util.h"
#include "verify_db.h"

/*
 * SECURITY NOTE: the database verify reads may come from anyone (an
 * auditor's copy), and SQLite does what a file's schema says: a view
 * named audit over an endless recursive query kept verify busy forever.
 * Three defences, each enough for that file:
 *   - views, triggers, extensions and the schema's functions are off,
 *     nothing can write, and no row may be longer than authd writes
 *     (verify_db_config, verify_db_open);
 *   - every table verify reads is checked to be a real table, keyed by
 *     an INTEGER PRIMARY KEY, with plain columns (verify_db_check_table);
 *   - SQLite's work is bounded (verify_db_progress), and a scan whose keys
 *     do not strictly increase is refused (verify_db_next).
 */

#define VERIFY_DB_TEXT_MAX	512	/* a sanitised name or message */
#define VERIFY_DB_BUSY_MS	5000	/* wait for a lock before giving up */
#define VERIFY_DB_ROW_MAX	(4 * PROTO_FRAME_MAX) /* longest row read */
#define VERIFY_DB_PROGRESS_OPS	1000	/* VM instructions per progress call */
#define VERIFY_DB_BUDGET_BASE	100	/* progress calls before any row */
#define VERIFY_DB_BUDGET_ROW	1	/* progress calls added per row */
#define VERIFY_DB_COLS_MAX	32	/* columns listed in verify_db_tables */

/* The tables verify reads, and the columns it reads from them. */
static const char *const verify_db_audit_cols[] = { "seq", "time_ms",
	"node", "event", "actor", "user", "system", "service", "rhost", "tty",
	"decision", "reason", "request_id", "detail", "policy", "role", "rule",
	"factors", "hash", NULL };
static const char *const verify_db_cp_cols[] = { "seq", "time_ms", "node",
	"hash", "key_id", "sig", NULL };
static const char *const verify_db_base_cols[] = { "id", "seq", "hash",
	NULL };

static const struct verify_db_table {
	const char		*name;
	const char *const	*cols;		/* the first is the key */
} verify_db_tables[] = {
	{ "audit",		verify_db_audit_cols },
	{ "audit_checkpoints",	verify_db_cp_cols },
	{ "audit_base",		verify_db_base_cols },
};
#define VERIFY_DB_NTABLES \
	(sizeof(verify_db_tables) / sizeof(verify_db_tables[0]))

/*
 * Views and triggers do not run, functions in the schema are not
 * trusted, no extension can be loaded and nothing may write.  Each
 * setting must take.
 */
static const struct {
	int	op;
	int	on;
} verify_db_config[] = {
	{ SQLITE_DBCONFIG_DEFENSIVE,		1 },
	{ SQLITE_DBCONFIG_TRUSTED_SCHEMA,	0 },
	{ SQLITE_DBCONFIG_ENABLE_VIEW,		0 },
	{ SQLITE_DBCONFIG_ENABLE_TRIGGER,	0 },
	{ SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0 },
};
#define VERIFY_DB_NCONFIG \
	(sizeof(verify_db_config) / sizeof(verify_db_config[0]))

/*
 * The message SQLite gives may quote names from the file's schema, so it
 * is sanitised like any text from outside.
 */
int
verify_db_error(struct verify_db *d, const char *what)
{
	char path[VERIFY_DB_TEXT_MAX], msg[VERIFY_DB_TEXT_MAX];
	const char *m;

	if (d->reported)
		return AUTHCTL_EXIT_FAIL;
	d->reported = 1;
	str_sanitize(d->path, strlen(d->path), path, sizeof(path));
	if (d->spent > d->budget)
		m = "more work than any authd database needs; refusing the "
		    "file";
	else if (d->db != NULL && sqlite3_errcode(d->db) == SQLITE_TOOBIG)
		m = "a row longer than any authd writes; refusing the file";
	else
		m = d->db != NULL ? sqlite3_errmsg(d->db) : "out of memory";
	str_sanitize(m, strlen(m), msg, sizeof(msg));
	fprintf(stderr, "authctl: audit verify: %s: %s: %s\n", path, what,
	    msg);
	return AUTHCTL_EXIT_FAIL;
}

/* Says why table `table` is refused; `why` is a fixed text. */
static int
verify_db_refuse(struct verify_db *d, const char *table, const char *why)
{
	char path[VERIFY_DB_TEXT_MAX];

	str_sanitize(d->path, strlen(d->path), path, sizeof(path));
	fprintf(stderr, "authctl: audit verify: %s: %s: %s\n", path, table,
	    why);
	d->reported = 1;
	return AUTHCTL_EXIT_FAIL;
}

/*
 * SQLite may run VERIFY_DB_BUDGET_BASE thousand VM instructions (opening
 * and reading the schema), and a thousand more for every row asked for,
 * and is then interrupted.  Reading a row of authd's tables takes a few
 * dozen.  Without views, this is what bounds a crafted schema (loading
 * it) and anything else in a file that makes SQLite work harder than
 * authd's database ever does.
 */
static int
verify_db_progress(void *arg)
{
	struct verify_db *d = arg;

	return ++d->spent > d->budget;
}

int
verify_db_step(struct verify_db *d, sqlite3_stmt *st)
{
	d->budget += VERIFY_DB_BUDGET_ROW;
	return sqlite3_step(st);
}

/*
 * SECURITY NOTE: a crafted file can point several b-tree pages at the
 * same child, and a scan then returns the same rows again, up to an
 * astronomical number of times, each within the budget.  Keys that do
 * not strictly increase are refused, so a scan reads no more rows than
 * the keys it found span, and than the file holds.
 */
int
verify_db_next(struct verify_db *d, sqlite3_stmt *st, const char *what,
    struct verify_db_scan *s)
{
	int64_t key;
	int rc;

	if ((rc = verify_db_step(d, st)) != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			verify_db_error(d, what);
		return rc;
	}
	key = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
	    (s->started && key <= s->last)) {
		verify_db_refuse(d, what, "rows out of order (a damaged or "
		    "crafted b-tree); refusing the file");
		return SQLITE_CORRUPT;
	}
	s->started = 1;
	s->last = key;
	return SQLITE_ROW;
}

/*
 * What sqlite_master says table `t` is: NULL for a real table, with a
 * b-tree of its own, created by CREATE TABLE; else why it is refused.
 *
 * SQLite decides what an object is from the CREATE statement stored in
 * sqlite_master, which a crafted file can make disagree with the entry's
 * type and name; SQLite refuses some such files itself ("malformed
 * database schema"), and what slips through is still no view (they are
 * off) and no more work than the budget.  PRAGMA table_list would ask
 * the parsed schema, but to answer it compiles every view and connects
 * every virtual table in the file, in time that grows with the square of
 * their number.
 */
static const char *
verify_db_what(sqlite3_stmt *st, int n)
{
	static const char create[] = "CREATE TABLE ";
	static const char vcreate[] = "CREATE VIRTUAL TABLE ";
	const char *type, *sql;
	int64_t root;

	type = (const char *)sqlite3_column_text(st, 0);
	root = sqlite3_column_int64(st, 1);
	sql = (const char *)sqlite3_column_text(st, 2);
	if (n > 0 || type == NULL)
		return "not a table; refusing the file";
	if (strcmp(type, "view") == 0)
		return "not a table (view); refusing the file";
	if (strcmp(type, "table") != 0)
		return "not a table; refusing the file";
	if (root == 0 || (sql != NULL &&
	    sqlite3_strnicmp(sql, vcreate, sizeof(vcreate) - 1) == 0))
		return "not a table (virtual table); refusing the file";
	if (root < 0 || sql == NULL ||
	    sqlite3_strnicmp(sql, create, sizeof(create) - 1) != 0)
		return "not a table; refusing the file";
	return NULL;
}

/*
 * Checks one table: a real table (verify_db_what) holding every column
 * verify reads as a plain column, not a generated one (authd's tables
 * have none; a virtual one is computed on each read), the first of them
 * its INTEGER PRIMARY KEY, so that reading in key order is a walk of its
 * b-tree, not a sort.  Messages name only fixed words, never the file's.
 */
static int
verify_db_check_table(struct verify_db *d, const struct verify_db_table *t)
{
	sqlite3_stmt *st = NULL;
	const char *name, *decl, *why = NULL;
	char found[VERIFY_DB_COLS_MAX];
	size_t i;
	int rc, key, n = 0, ret = AUTHCTL_EXIT_FAIL;

	memset(found, 0, sizeof(found));
	/* SQLite's names are ASCII-case-insensitive, as NOCASE is. */
	if (sqlite3_prepare_v2(d->db, "SELECT type, rootpage, sql FROM "
	    "main.sqlite_master WHERE name = ?1 COLLATE NOCASE", -1, &st,
	    NULL) != SQLITE_OK)
		return verify_db_error(d, "cannot read the schema");
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	while ((rc = verify_db_step(d, st)) == SQLITE_ROW)
		if ((why = verify_db_what(st, n++)) != NULL)
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		verify_db_error(d, "cannot read the schema");
		goto out;
	}
	if (n == 0)
		why = "no such table (not an authd database with a hash chain)";
	if (why != NULL) {
		verify_db_refuse(d, t->name, why);
		goto out;
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(d->db, "SELECT name, type, pk, hidden FROM "
	    "pragma_table_xinfo(?1, 'main')", -1, &st, NULL) != SQLITE_OK) {
		verify_db_error(d, "cannot read the schema");
		goto out;
	}
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	while ((rc = verify_db_step(d, st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		decl = (const char *)sqlite3_column_text(st, 1);
		key = sqlite3_column_int(st, 2) != 0;
		for (i = 0; name != NULL && t->cols[i] != NULL; i++)
			if (sqlite3_stricmp(name, t->cols[i]) == 0)
				break;
		if (name == NULL || t->cols[i] == NULL) {
			/* A column verify does not read: not in the key. */
			if (key) {
				why = "keyed by other columns; refusing the "
				    "file";
				break;
			}
			continue;
		}
		found[i] = 1;
		if (sqlite3_column_int(st, 3) != 0) {
			why = "a generated column; refusing the file";
			break;
		}
		if ((i == 0) != key || (i == 0 && (decl == NULL ||
		    sqlite3_stricmp(decl, "INTEGER") != 0))) {
			why = "not keyed by an INTEGER PRIMARY KEY; refusing "
			    "the file";
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		verify_db_error(d, "cannot read the schema");
		goto out;
	}
	for (i = 0; why == NULL && t->cols[i] != NULL; i++)
		if (!found[i])
			why = "a column is missing (not an authd database with "
			    "a hash chain)";
	if (why != NULL) {
		verify_db_refuse(d, t->name, why);
		goto out;
	}
	ret = AUTHCTL_EXIT_OK;
 out:
	sqlite3_finalize(st);
	return ret;
}

static int
verify_db_check_schema(struct verify_db *d)
{
	size_t i;

	for (i = 0; i < VERIFY_DB_NTABLES; i++)
		if (verify_db_check_table(d, &verify_db_tables[i]) !=
		    AUTHCTL_EXIT_OK)
			return AUTHCTL_EXIT_FAIL;
	return AUTHCTL_EXIT_OK;
}

/*
 * Read-only, but not immutable: authd may be writing the database, and
 * its WAL must be read.  A symbolic link is followed: what it names is
 * checked like any other file.
 */
int
verify_db_open(struct verify_db *d, const char *path)
{
	char spath[VERIFY_DB_TEXT_MAX];
	struct stat sb;
	size_t i;
	int fd, rc, on;

	memset(d, 0, sizeof(*d));
	d->path = path;
	str_sanitize(path, strlen(path), spath, sizeof(spath));
	/*
	 * sqlite3 says only "unable to open"; the system says why.
	 * SECURITY NOTE: O_NONBLOCK and the type check: opening a FIFO
	 * would wait for a writer forever, and a device is not a database.
	 */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) < 0) {
		fprintf(stderr, "authctl: audit verify: cannot open the "
		    "database %s: %s\n", spath, strerror(errno));
		return AUTHCTL_EXIT_FAIL;
	}
	rc = fstat(fd, &sb);
	close(fd);
	if (rc != 0 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "authctl: audit verify: %s: %s\n", spath,
		    rc != 0 ? strerror(errno) : "not a regular file; refusing "
		    "the file");
		return AUTHCTL_EXIT_FAIL;
	}
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		return verify_db_error(d, "cannot open");
	for (i = 0; i < VERIFY_DB_NCONFIG; i++) {
		on = -1;
		if (sqlite3_db_config(d->db, verify_db_config[i].op,
		    verify_db_config[i].on, &on) != SQLITE_OK ||
		    on != verify_db_config[i].on)
			return verify_db_error(d, "cannot make reading safe");
	}
	/* A record's text came in one frame: its row is not much longer. */
	(void)sqlite3_limit(d->db, SQLITE_LIMIT_LENGTH, VERIFY_DB_ROW_MAX);
	(void)sqlite3_busy_timeout(d->db, VERIFY_DB_BUSY_MS);
	d->budget = VERIFY_DB_BUDGET_BASE;
	sqlite3_progress_handler(d->db, VERIFY_DB_PROGRESS_OPS,
	    verify_db_progress, d);
	/* A damaged page is found as it is read, not as it is used. */
	if (sqlite3_exec(d->db, "PRAGMA query_only = 1; PRAGMA mmap_size = 0;"
	    " PRAGMA cell_size_check = 1; BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return verify_db_error(d, "cannot start reading");
	return verify_db_check_schema(d);
}

int
verify_db_renew(struct verify_db *d)
{
	if (sqlite3_exec(d->db, "COMMIT; BEGIN", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return verify_db_error(d, "audit");
	return verify_db_check_schema(d);
}

void
verify_db_close(struct verify_db *d)
{
	if (d->db != NULL)
		sqlite3_close(d->db);
	d->db = NULL;
}
