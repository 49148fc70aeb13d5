/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define STMT_CACHE	32

struct store {
	sqlite3		*db;
	struct {
		const char	*sql;
		sqlite3_stmt	*st;
	} cache[STMT_CACHE];
};

/*
 * Numbered migrations: migrations[i] takes the schema from user_version i
 * to i + 1.  Never edit one that has shipped; append a new one.
 */
static const char *const migrations[] = {
	/* 1: tokens, lockout state, audit trail */
	"CREATE TABLE tokens ("
	"  user TEXT PRIMARY KEY NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'active')),"
	"  sealed BLOB NOT NULL,"
	"  last_step INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE TABLE lockout ("
	"  user TEXT PRIMARY KEY NOT NULL,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  lock_count INTEGER NOT NULL DEFAULT 0,"
	"  locked_until_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time_ms INTEGER NOT NULL,"
	"  node TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  user TEXT, system TEXT, service TEXT, rhost TEXT, tty TEXT,"
	"  decision TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  request_id INTEGER,"
	"  detail TEXT);"
	"CREATE INDEX audit_user ON audit(user, seq);"
	/* The audit trail is append-only for authd itself. */
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;",

	/* 2: hash chain, signed checkpoints, prune base, decision context */
	"ALTER TABLE audit ADD COLUMN policy TEXT;"
	"ALTER TABLE audit ADD COLUMN role TEXT;"
	"ALTER TABLE audit ADD COLUMN rule TEXT;"
	"ALTER TABLE audit ADD COLUMN factors TEXT;"
	"ALTER TABLE audit ADD COLUMN hash BLOB;"
	"CREATE INDEX audit_time ON audit(time_ms);"
	"CREATE TABLE audit_checkpoints ("
	"  seq INTEGER PRIMARY KEY NOT NULL,"
	"  time_ms INTEGER NOT NULL,"
	"  node TEXT NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  key_id TEXT NOT NULL,"
	"  sig BLOB NOT NULL);"
	"CREATE TABLE audit_base ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  seq INTEGER NOT NULL,"
	"  hash BLOB NOT NULL);"
	/* A row here, inside authd's own transaction, permits a prune. */
	"CREATE TABLE audit_maintenance (active INTEGER NOT NULL);"
	"DROP TRIGGER audit_no_update;"
	"DROP TRIGGER audit_no_delete;"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance)"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;",

	/* 3: access reviews, their items, and the revocations they made */
	"CREATE TABLE reviews ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  system TEXT NOT NULL,"
	"  owner TEXT NOT NULL,"
	"  description TEXT,"
	"  class TEXT NOT NULL,"
	"  policy TEXT NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  started_by TEXT NOT NULL,"
	"  due_ms INTEGER NOT NULL,"
	"  inactive_days INTEGER NOT NULL,"
	"  closed_ms INTEGER,"
	"  closed_by TEXT,"
	"  close_default TEXT,"
	"  head_seq INTEGER,"
	"  head_hash BLOB);"
	"CREATE TABLE review_items ("
	"  review_id INTEGER NOT NULL REFERENCES reviews(id),"
	"  user TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  token TEXT NOT NULL,"
	"  last_login_ms INTEGER NOT NULL,"
	"  inactive INTEGER NOT NULL,"
	"  needs_admin INTEGER NOT NULL,"
	"  decision TEXT CHECK (decision IN ('keep', 'revoke')),"
	"  decided_by TEXT,"
	"  decided_ms INTEGER,"
	"  comment TEXT,"
	"  by_default INTEGER NOT NULL DEFAULT 0,"
	"  remediation TEXT,"
	"  PRIMARY KEY (review_id, user, role));"
	"CREATE TABLE revocations ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  system TEXT NOT NULL,"
	"  user TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  review_id INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  lifted_ms INTEGER,"
	"  lifted_by TEXT,"
	"  lift_comment TEXT);"
	"CREATE INDEX revocations_active ON revocations(system, user, role)"
	"  WHERE lifted_ms IS NULL;",

	/* 4: the per-user index moves off the commit path (userindex.c) */
	"DROP INDEX audit_user;",

	/* 5: a review item's account state (subject.h) */
	"ALTER TABLE review_items ADD COLUMN account TEXT NOT NULL DEFAULT 'ok';",
};

#define NMIGRATIONS	((int)(sizeof(migrations) / sizeof(migrations[0])))

static int
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_err("database: %s", err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return AUTHD_ERR_DB;
	}
	return 0;
}

static int
user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc;

	*v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return AUTHD_ERR_DB;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : AUTHD_ERR_DB;
}

static int
migrate(sqlite3 *db)
{
	char sql[64];
	int v, r;

	if ((r = exec(db, "BEGIN IMMEDIATE")) != 0)
		return r;
	if ((r = user_version(db, &v)) != 0)
		goto fail;
	if (v > NMIGRATIONS) {
		log_err("database schema %d is newer than this authd (%d)", v,
		    NMIGRATIONS);
		r = AUTHD_ERR_DB;
		goto fail;
	}
	for (; v < NMIGRATIONS; v++) {
		log_notice("database: applying migration %d", v + 1);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((r = exec(db, migrations[v])) != 0 ||
		    (r = exec(db, sql)) != 0)
			goto fail;
	}
	return exec(db, "COMMIT");
 fail:
	exec(db, "ROLLBACK");
	return r;
}

/* Creates `path` if need be, 0600 from its first byte (no symlink). */
static int
create_private(const char *path)
{
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		log_err("database %s: cannot open", path);
		return AUTHD_ERR_DB;
	}
	close(fd);
	return 0;
}

int
store_open(const char *path, int migrate_schema, struct store **out)
{
	struct store *s;
	int r = AUTHD_ERR_DB;

	*out = NULL;
	/*
	 * The first opener (the one that migrates) creates the file itself,
	 * 0600 from its first byte.  Later openers must not: closing any
	 * descriptor of the file would drop every POSIX lock this process
	 * holds on it, and another SQLite user could then delete the WAL
	 * under our feet.
	 */
	if (migrate_schema && create_private(path) != 0)
		return AUTHD_ERR_DB;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return AUTHD_ERR_NOMEM;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		log_err("database %s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if ((r = exec(s->db, "PRAGMA journal_mode=WAL")) != 0 ||
	    (r = exec(s->db, "PRAGMA synchronous=FULL")) != 0 ||
	    (r = exec(s->db, "PRAGMA foreign_keys=ON")) != 0 ||
	    (r = exec(s->db, "PRAGMA secure_delete=ON")) != 0)
		goto fail;
	if (migrate_schema && (r = migrate(s->db)) != 0)
		goto fail;
	*out = s;
	return 0;
 fail:
	store_close(s);
	return r;
}

int
store_attach_byuser(struct store *s, const char *path, int create)
{
	char ux[4096];
	sqlite3_stmt *st = NULL;
	int rc;

	if ((size_t)snprintf(ux, sizeof(ux), "%s-byuser", path) >=
	    sizeof(ux)) {
		log_err("database %s: path too long", path);
		return AUTHD_ERR_DB;
	}
	/* As for the database itself: 0600 from its first byte. */
	if (create && create_private(ux) != 0)
		return AUTHD_ERR_DB;
	if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ?1 AS ux", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, ux, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/* Derived data: rebuilt from the trail, so NORMAL is enough. */
	if (exec(s->db, "PRAGMA ux.journal_mode=WAL") != 0 ||
	    exec(s->db, "PRAGMA ux.synchronous=NORMAL") != 0)
		return AUTHD_ERR_DB;
	if (create && exec(s->db,
	    "CREATE TABLE IF NOT EXISTS ux.audit_user ("
	    "  bucket INTEGER NOT NULL, user TEXT NOT NULL,"
	    "  seq INTEGER NOT NULL, PRIMARY KEY (bucket, user, seq))"
	    "  WITHOUT ROWID;"
	    "CREATE TABLE IF NOT EXISTS ux.buckets (b INTEGER PRIMARY KEY);"
	    "CREATE TABLE IF NOT EXISTS ux.state ("
	    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
	    "  upto INTEGER NOT NULL);"
	    "INSERT OR IGNORE INTO ux.state VALUES (1, 0);") != 0)
		return AUTHD_ERR_DB;
	return 0;
 fail:
	log_err("database %s: %s", ux, sqlite3_errmsg(s->db));
	return AUTHD_ERR_DB;
}

sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int i;

	for (i = 0; i < STMT_CACHE && s->cache[i].sql != NULL; i++)
		if (s->cache[i].sql == sql)
			return s->cache[i].st;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		log_err("database: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	if (i < STMT_CACHE) {
		s->cache[i].sql = sql;
		s->cache[i].st = st;
		return st;
	}
	log_err("database: statement cache full");
	sqlite3_finalize(st);
	return NULL;
}

void
store_stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT_CACHE; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close(s->db);
	free(s);
}

sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

/*
 * The cached statement for `sql` (a string literal) with `user` bound as
 * parameter 1; give it back with store_stmt_done.  These run on every
 * login, so they are prepared once per connection.
 */
static int
prep(struct store *s, const char *sql, const char *user, sqlite3_stmt **st)
{
	if ((*st = store_stmt(s, sql)) == NULL)
		return AUTHD_ERR_DB;
	if (sqlite3_bind_text(*st, 1, user, -1, SQLITE_STATIC) != SQLITE_OK) {
		log_err("database: %s", sqlite3_errmsg(s->db));
		store_stmt_done(*st);
		*st = NULL;
		return AUTHD_ERR_DB;
	}
	return 0;
}

/* Steps a statement that returns no rows; gives it back. */
static int
run(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		log_err("database: %s", sqlite3_errmsg(s->db));
		return AUTHD_ERR_DB;
	}
	return 0;
}

int
store_token_get(struct store *s, const char *user, struct token *t)
{
	sqlite3_stmt *st;
	const void *blob;
	int rc, r;

	memset(t, 0, sizeof(*t));
	if ((r = prep(s, "SELECT state, sealed, last_step, created_ms "
	    "FROM tokens WHERE user = ?1", user, &st)) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = AUTHD_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW) {
		log_err("database: %s", sqlite3_errmsg(s->db));
		r = AUTHD_ERR_DB;
	} else {
		snprintf(t->state, sizeof(t->state), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		blob = sqlite3_column_blob(st, 1);
		t->sealed_len = (size_t)sqlite3_column_bytes(st, 1);
		t->last_step = sqlite3_column_int64(st, 2);
		t->created_ms = sqlite3_column_int64(st, 3);
		if (t->sealed_len == 0 || t->sealed_len > 4096 ||
		    (t->sealed = malloc(t->sealed_len)) == NULL) {
			r = AUTHD_ERR_DB;
			t->sealed_len = 0;
		} else
			memcpy(t->sealed, blob, t->sealed_len);
	}
	store_stmt_done(st);
	return r;
}

void
token_clear(struct token *t)
{
	free(t->sealed);
	memset(t, 0, sizeof(*t));
}

const char *
store_token_state(struct store *s, const char *user)
{
	struct token t;
	const char *state = "none";

	if (store_token_get(s, user, &t) == 0)
		state = strcmp(t.state, "active") == 0 ? "active" : "pending";
	token_clear(&t);
	return state;
}

int
store_token_put(struct store *s, const char *user, const struct token *t)
{
	sqlite3_stmt *st;
	int64_t now = wall_ms();
	int r;

	if ((r = prep(s, "INSERT OR REPLACE INTO tokens (user, state, sealed, "
	    "last_step, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?5)", user, &st)) != 0)
		return r;
	sqlite3_bind_text(st, 2, t->state, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, t->sealed, (int)t->sealed_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, t->last_step);
	sqlite3_bind_int64(st, 5, now);
	return run(s, st);
}

int
store_token_update(struct store *s, const char *user, const char *state,
    int64_t last_step)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prep(s, "UPDATE tokens SET state = ?2, last_step = ?3, "
	    "updated_ms = ?4 WHERE user = ?1", user, &st)) != 0)
		return r;
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, last_step);
	sqlite3_bind_int64(st, 4, wall_ms());
	if ((r = run(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : AUTHD_ERR_NOT_FOUND;
}

int
store_token_delete(struct store *s, const char *user)
{
	sqlite3_stmt *st;
	int r, n;

	if ((r = prep(s, "DELETE FROM tokens WHERE user = ?1", user,
	    &st)) != 0 || (r = run(s, st)) != 0)
		return r;
	n = sqlite3_changes(s->db);
	if ((r = store_lockout_clear(s, user)) != 0)
		return r;
	return n == 1 ? 0 : AUTHD_ERR_NOT_FOUND;
}

int
store_lockout_get(struct store *s, const char *user, struct lockout *l)
{
	sqlite3_stmt *st;
	int rc, r;

	memset(l, 0, sizeof(*l));
	if ((r = prep(s, "SELECT failures, lock_count, locked_until_ms "
	    "FROM lockout WHERE user = ?1", user, &st)) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		l->failures = sqlite3_column_int64(st, 0);
		l->lock_count = sqlite3_column_int64(st, 1);
		l->locked_until_ms = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE) {
		log_err("database: %s", sqlite3_errmsg(s->db));
		r = AUTHD_ERR_DB;
	}
	store_stmt_done(st);
	return r;
}

int
store_lockout_put(struct store *s, const char *user, const struct lockout *l)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prep(s, "INSERT OR REPLACE INTO lockout (user, failures, "
	    "lock_count, locked_until_ms) VALUES (?1, ?2, ?3, ?4)", user,
	    &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 2, l->failures);
	sqlite3_bind_int64(st, 3, l->lock_count);
	sqlite3_bind_int64(st, 4, l->locked_until_ms);
	return run(s, st);
}

int
store_lockout_clear(struct store *s, const char *user)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prep(s, "DELETE FROM lockout WHERE user = ?1", user,
	    &st)) != 0)
		return r;
	return run(s, st);
}
