/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's SQLite back end (store_sqlite.h): opening a connection, the
 * schema's numbered migrations, write transactions, the write-ahead log,
 * tokens and lockout; the operations table that store.c calls.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "log.h"
#include "store_sqlite.h"
#include "util.h"

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

	/* 6: the nodes that share the store and their heartbeats (nodes.c) */
	"CREATE TABLE nodes ("
	"  node TEXT PRIMARY KEY NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  seen_ms INTEGER NOT NULL,"
	"  head_seq INTEGER NOT NULL,"
	"  policy TEXT NOT NULL,"
	"  version TEXT NOT NULL);",
};

#define NMIGRATIONS	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- helpers shared by the back end's files ---- */

int
sq_err(struct sq *q, const char *what)
{
	log_err("database: %s: %s", what, sqlite3_errmsg(q->db));
	return AUTHD_ERR_DB;
}

sqlite3_stmt *
sq_cached(struct sq *q, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int i;

	for (i = 0; i < SQ_STMT_CACHE && q->cache[i].sql != NULL; i++)
		if (q->cache[i].sql == sql)
			return q->cache[i].st;
	if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		log_err("database: %s", sqlite3_errmsg(q->db));
		return NULL;
	}
	if (i < SQ_STMT_CACHE) {
		q->cache[i].sql = sql;
		q->cache[i].st = st;
		return st;
	}
	log_err("database: statement cache full");
	sqlite3_finalize(st);
	return NULL;
}

sqlite3_stmt *
sq_prepare(struct sq *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_err("database: %s", sqlite3_errmsg(q->db));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

void
sq_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

void
sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

const char *
sq_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
sq_step_done(struct sq *q, sqlite3_stmt *st, const char *what)
{
	return sqlite3_step(st) == SQLITE_DONE ? 0 : sq_err(q, what);
}

int
sq_once(struct sq *q, sqlite3_stmt *st, const char *what)
{
	int r = sq_step_done(q, st, what);

	sqlite3_finalize(st);
	return r;
}

/* ---- opening ---- */

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

static void
sqlite_close(struct store *s)
{
	struct sq *q = sq_of(s);
	int i;

	for (i = 0; i < SQ_STMT_CACHE; i++)
		sqlite3_finalize(q->cache[i].st);
	sqlite3_close(q->db);
	free(q);
}

static int
sqlite_open(const struct store_params *p, int migrate_schema,
    struct store **out)
{
	const char *path = p->database;
	struct sq *q;
	int r = AUTHD_ERR_DB;

	/*
	 * The first opener (the one that migrates) creates the file itself,
	 * 0600 from its first byte.  Later openers must not: closing any
	 * descriptor of the file would drop every POSIX lock this process
	 * holds on it, and another SQLite user could then delete the WAL
	 * under our feet.
	 */
	if (migrate_schema && create_private(path) != 0)
		return AUTHD_ERR_DB;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return AUTHD_ERR_NOMEM;
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		log_err("database %s: %s", path, q->db ?
		    sqlite3_errmsg(q->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(q->db, 10000);
	if ((r = exec(q->db, "PRAGMA journal_mode=WAL")) != 0 ||
	    (r = exec(q->db, "PRAGMA synchronous=FULL")) != 0 ||
	    (r = exec(q->db, "PRAGMA foreign_keys=ON")) != 0 ||
	    (r = exec(q->db, "PRAGMA secure_delete=ON")) != 0)
		goto fail;
	if (migrate_schema && (r = migrate(q->db)) != 0)
		goto fail;
	*out = &q->s;
	return 0;
 fail:
	sqlite_close(&q->s);
	return r;
}

static int
sqlite_attach_byuser(struct store *s, const char *path, int create)
{
	struct sq *q = sq_of(s);
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
	if (sqlite3_prepare_v2(q->db, "ATTACH DATABASE ?1 AS ux", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, ux, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/* Derived data: rebuilt from the trail, so NORMAL is enough. */
	if (exec(q->db, "PRAGMA ux.journal_mode=WAL") != 0 ||
	    exec(q->db, "PRAGMA ux.synchronous=NORMAL") != 0)
		return AUTHD_ERR_DB;
	if (create && exec(q->db,
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
	log_err("database %s: %s", ux, sqlite3_errmsg(q->db));
	return AUTHD_ERR_DB;
}

static const char *
sqlite_errmsg(struct store *s)
{
	struct sq *q = sq_of(s);

	return q->err[0] != '\0' ? q->err : sqlite3_errmsg(q->db);
}

/* ---- write transactions ---- */

/* Runs a fixed statement (a string literal: it is prepared once). */
static int
tx(struct store *s, const char *sql)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int rc;

	if ((st = sq_cached(q, sql)) == NULL)
		return AUTHD_ERR_DB;
	rc = sqlite3_step(st);
	sq_done(st);
	return rc == SQLITE_DONE ? 0 : sq_err(q, sql);
}

/*
 * BEGIN IMMEDIATE takes the database's one write lock at once, so that
 * what a job reads no other writer changes before the commit.
 */
static int
sqlite_begin(struct store *s)
{
	return tx(s, "BEGIN IMMEDIATE");
}

static int
sqlite_savepoint(struct store *s)
{
	return tx(s, "SAVEPOINT job");
}

static int
sqlite_savepoint_undo(struct store *s)
{
	return tx(s, "ROLLBACK TO job");
}

static int
sqlite_savepoint_release(struct store *s)
{
	return tx(s, "RELEASE job");
}

static int
sqlite_commit(struct store *s)
{
	return tx(s, "COMMIT");
}

static void
sqlite_rollback(struct store *s)
{
	(void)sqlite3_exec(sq_of(s)->db, "ROLLBACK", NULL, NULL, NULL);
}

/* SQLite's hook after each commit, with the WAL's length in pages. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sq *q = arg;

	(void)db;
	(void)name;
	q->on_commit(q->on_commit_arg, pages);
	return SQLITE_OK;
}

/* The hook replaces SQLite's own checkpoint-on-commit. */
static void
sqlite_on_commit(struct store *s, void (*fn)(void *, int), void *arg)
{
	struct sq *q = sq_of(s);

	q->on_commit = fn;
	q->on_commit_arg = arg;
	(void)sqlite3_wal_hook(q->db, wal_hook, q);
}

static int
sqlite_checkpoint(struct store *s, int *log, int *done)
{
	struct sq *q = sq_of(s);
	int rc;

	rc = sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    log, done);
	if (rc == SQLITE_OK)
		return 0;
	*log = *done = 0;
	if (rc == SQLITE_BUSY)		/* another checkpoint runs */
		return 0;
	log_warn("database: WAL checkpoint: %s", sqlite3_errmsg(q->db));
	return AUTHD_ERR_DB;
}

/* ---- tokens and lockout ---- */

/*
 * The cached statement for `sql` (a string literal) with `user` bound as
 * parameter 1; give it back with sq_done.  These run on every login, so
 * they are prepared once per connection.
 */
static int
prep(struct sq *q, const char *sql, const char *user, sqlite3_stmt **st)
{
	if ((*st = sq_cached(q, sql)) == NULL)
		return AUTHD_ERR_DB;
	if (sqlite3_bind_text(*st, 1, user, -1, SQLITE_STATIC) != SQLITE_OK) {
		log_err("database: %s", sqlite3_errmsg(q->db));
		sq_done(*st);
		*st = NULL;
		return AUTHD_ERR_DB;
	}
	return 0;
}

/* Steps a cached statement that returns no rows; gives it back. */
static int
run(struct sq *q, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sq_done(st);
	if (rc != SQLITE_DONE) {
		log_err("database: %s", sqlite3_errmsg(q->db));
		return AUTHD_ERR_DB;
	}
	return 0;
}

static int
sqlite_token_get(struct store *s, const char *user, struct token *t)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	const void *blob;
	int rc, r;

	if ((r = prep(q, "SELECT state, sealed, last_step, created_ms "
	    "FROM tokens WHERE user = ?1", user, &st)) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = AUTHD_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW) {
		log_err("database: %s", sqlite3_errmsg(q->db));
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
	sq_done(st);
	return r;
}

static int
sqlite_token_put(struct store *s, const char *user, const struct token *t)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int64_t now = wall_ms();
	int r;

	if ((r = prep(q, "INSERT OR REPLACE INTO tokens (user, state, sealed, "
	    "last_step, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?5)", user, &st)) != 0)
		return r;
	sqlite3_bind_text(st, 2, t->state, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, t->sealed, (int)t->sealed_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, t->last_step);
	sqlite3_bind_int64(st, 5, now);
	return run(q, st);
}

static int
sqlite_token_update(struct store *s, const char *user, const char *state,
    int64_t last_step)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int r;

	if ((r = prep(q, "UPDATE tokens SET state = ?2, last_step = ?3, "
	    "updated_ms = ?4 WHERE user = ?1", user, &st)) != 0)
		return r;
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, last_step);
	sqlite3_bind_int64(st, 4, wall_ms());
	if ((r = run(q, st)) != 0)
		return r;
	return sqlite3_changes(q->db) == 1 ? 0 : AUTHD_ERR_NOT_FOUND;
}

static int sqlite_lockout_clear(struct store *, const char *);

static int
sqlite_token_delete(struct store *s, const char *user)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int r, n;

	if ((r = prep(q, "DELETE FROM tokens WHERE user = ?1", user,
	    &st)) != 0 || (r = run(q, st)) != 0)
		return r;
	n = sqlite3_changes(q->db);
	if ((r = sqlite_lockout_clear(s, user)) != 0)
		return r;
	return n == 1 ? 0 : AUTHD_ERR_NOT_FOUND;
}

static int
sqlite_lockout_get(struct store *s, const char *user, struct lockout *l)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int rc, r;

	if ((r = prep(q, "SELECT failures, lock_count, locked_until_ms "
	    "FROM lockout WHERE user = ?1", user, &st)) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		l->failures = sqlite3_column_int64(st, 0);
		l->lock_count = sqlite3_column_int64(st, 1);
		l->locked_until_ms = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE) {
		log_err("database: %s", sqlite3_errmsg(q->db));
		r = AUTHD_ERR_DB;
	}
	sq_done(st);
	return r;
}

static int
sqlite_lockout_put(struct store *s, const char *user, const struct lockout *l)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int r;

	if ((r = prep(q, "INSERT OR REPLACE INTO lockout (user, failures, "
	    "lock_count, locked_until_ms) VALUES (?1, ?2, ?3, ?4)", user,
	    &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 2, l->failures);
	sqlite3_bind_int64(st, 3, l->lock_count);
	sqlite3_bind_int64(st, 4, l->locked_until_ms);
	return run(q, st);
}

static int
sqlite_lockout_clear(struct store *s, const char *user)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st;
	int r;

	if ((r = prep(q, "DELETE FROM lockout WHERE user = ?1", user,
	    &st)) != 0)
		return r;
	return run(q, st);
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.prefix = NULL,
	.open = sqlite_open,
	.close = sqlite_close,
	.attach_byuser = sqlite_attach_byuser,
	.errmsg = sqlite_errmsg,
	.begin = sqlite_begin,
	.savepoint = sqlite_savepoint,
	.savepoint_undo = sqlite_savepoint_undo,
	.savepoint_release = sqlite_savepoint_release,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.on_commit = sqlite_on_commit,
	.checkpoint = sqlite_checkpoint,
	.token_get = sqlite_token_get,
	.token_put = sqlite_token_put,
	.token_update = sqlite_token_update,
	.token_delete = sqlite_token_delete,
	.lockout_get = sqlite_lockout_get,
	.lockout_put = sqlite_lockout_put,
	.lockout_clear = sqlite_lockout_clear,
	.audit_append = store_sqlite_audit_append,
	.audit_checkpoint_put = store_sqlite_audit_checkpoint_put,
	.audit_base_set = store_sqlite_audit_base_set,
	.audit_head = store_sqlite_audit_head,
	.audit_last_checkpoint = store_sqlite_audit_last_checkpoint,
	.audit_list = store_sqlite_audit_list,
	.audit_get = store_sqlite_audit_get,
	.audit_cut = store_sqlite_audit_cut,
	.audit_prune = store_sqlite_audit_prune,
	.last_login = store_sqlite_last_login,
	.byuser_positions = store_sqlite_byuser_positions,
	.byuser_reset = store_sqlite_byuser_reset,
	.byuser_add = store_sqlite_byuser_add,
	.review_create = store_sqlite_review_create,
	.review_list = store_sqlite_review_list,
	.review_get = store_sqlite_review_get,
	.review_items = store_sqlite_review_items,
	.review_decide = store_sqlite_review_decide,
	.review_close = store_sqlite_review_close,
	.review_remediation = store_sqlite_review_remediation,
	.revocation_add = store_sqlite_revocation_add,
	.revocation_find = store_sqlite_revocation_find,
	.revocation_list = store_sqlite_revocation_list,
	.revocation_lift = store_sqlite_revocation_lift,
	.node_beat = store_sqlite_node_beat,
	.node_list = store_sqlite_node_list,
};
