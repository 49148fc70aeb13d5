/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "log.h"
#include "trail.h"

/* The audit tables as docs/audit.md describes them. */
static const char trail_schema[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
	"  node TEXT NOT NULL, event TEXT NOT NULL, actor TEXT NOT NULL,"
	"  user TEXT, system TEXT, service TEXT, rhost TEXT, tty TEXT,"
	"  decision TEXT NOT NULL, reason TEXT NOT NULL, request_id INTEGER,"
	"  detail TEXT, policy TEXT, role TEXT, rule TEXT, factors TEXT,"
	"  hash BLOB);"
	"CREATE TABLE audit_checkpoints ("
	"  seq INTEGER PRIMARY KEY NOT NULL, time_ms INTEGER NOT NULL,"
	"  node TEXT NOT NULL, hash BLOB NOT NULL, key_id TEXT NOT NULL,"
	"  sig BLOB NOT NULL);"
	"CREATE TABLE audit_base ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
	"  hash BLOB NOT NULL);";

/* Text that exporters and the verifier must carry without harm. */
static const char *const trail_details[] = {
	"plain",
	"comma, and \"quotes\"",
	"two\nlines\r\nand CRLF",
	"escape \x1b[31mred\x1b[0m and bell \x07",
	"latin-1 bytes \xe5\xe4\xf6 are not UTF-8",
	"=HYPERLINK(\"http://example.invalid\")",
	"\xc3\x85sa \xe2\x9c\x93 UTF-8",
	"back\\slash and ]bracket",
	"bidi \xe2\x80\xae override",
	"-starts with a dash",
	"'starts with a quote",
	NULL,
};
#define TRAIL_NDETAILS	(sizeof(trail_details) / sizeof(trail_details[0]))

int
trail_exec(struct trail *t, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(t->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "trail: %s: %s\n", sql,
		    err != NULL ? err : sqlite3_errmsg(t->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int
trail_create(const char *dir, struct trail **out)
{
	struct trail *t;
	char path[4096];

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->time_ms = 1767225600000LL;	/* 2026-01-01T00:00:00Z */
	/* Not the "created audit signing key" notice in every test. */
	log_set_level(LOG_WARNING);
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	if (chain_key_open(path, &t->key) != 0) {
		fprintf(stderr, "trail: cannot create the key %s\n", path);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/authd.db", dir);
	if (sqlite3_open(path, &t->db) != SQLITE_OK) {
		fprintf(stderr, "trail: cannot create %s\n", path);
		goto fail;
	}
	if (trail_exec(t, trail_schema) != 0)
		goto fail;
	*out = t;
	return 0;
 fail:
	trail_close(t);
	return -1;
}

void
trail_close(struct trail *t)
{
	if (t == NULL)
		return;
	sqlite3_close(t->db);
	chain_key_free(t->key);
	free(t);
}

static void
trail_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Writes `v` as an RFC 5424 PARAM-VALUE: '"', '\\' and ']' escaped. */
static void
trail_sd_value(FILE *f, const char *name, const char *v)
{
	if (v == NULL)
		return;
	fprintf(f, " %s=\"", name);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\' || *v == ']')
			fputc('\\', f);
		/* Keep one line per record; syslog would escape these too. */
		fputc(*v == '\n' || *v == '\r' ? ' ' : *v, f);
	}
	fputc('"', f);
}

static int
trail_insert(struct trail *t, const struct chain_rec *r,
    const uint8_t hash[CHAIN_HASH_LEN])
{
	const char *text[] = { r->node, r->event, r->actor, r->user,
	    r->system, r->service, r->rhost, r->tty, r->decision, r->reason };
	sqlite3_stmt *st;
	int i, rc;

	if (sqlite3_prepare_v2(t->db, "INSERT INTO audit (" TRAIL_COLUMNS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, r->seq);
	sqlite3_bind_int64(st, 2, r->time_ms);
	for (i = 0; i < 10; i++)
		trail_bind_text(st, 3 + i, text[i]);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)r->reqid);
	trail_bind_text(st, 14, r->detail);
	trail_bind_text(st, 15, r->policy);
	trail_bind_text(st, 16, r->role);
	trail_bind_text(st, 17, r->rule);
	trail_bind_text(st, 18, r->factors);
	sqlite3_bind_blob(st, 19, hash, CHAIN_HASH_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
trail_fill(struct trail *t, int n, int cp_every)
{
	static const char *const users[] = { "anna", "bo", "cecilia" };
	static const char *const decisions[] = { "allow", "deny" };
	char hex[2 * CHAIN_HASH_LEN + 1], seqs[32];
	struct chain_rec r;
	int i;

	if (trail_exec(t, "BEGIN") != 0)
		return -1;
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.seq = t->head_seq + 1;
		r.time_ms = t->time_ms;
		t->time_ms += 60000;
		r.reqid = (uint64_t)(r.seq * 7919) & 0xffffffffu;
		r.node = "test-node";
		r.event = r.seq % 5 == 0 ? "account" : "auth";
		r.actor = "uid:0";
		r.user = users[r.seq % 3];
		r.system = "pilot";
		r.service = "sshd";
		r.rhost = r.seq % 4 == 0 ? NULL : "192.0.2.7";
		r.tty = r.seq % 2 == 0 ? "pts/1" : NULL;
		r.decision = decisions[r.seq % 2];
		r.reason = r.seq % 2 == 0 ? "bad-code" : "ok";
		r.detail = trail_details[r.seq % TRAIL_NDETAILS];
		r.policy = "2026-01";
		r.role = r.seq % 3 == 0 ? "admin, \"ops\"" : NULL;
		r.rule = r.seq % 3 == 0 ? "rule-7" : NULL;
		r.factors = r.seq % 2 == 0 ? NULL : "totp";
		if (chain_hash(t->head_hash, &r, t->head_hash) != 0 ||
		    trail_insert(t, &r, t->head_hash) != 0) {
			fprintf(stderr, "trail: cannot append %lld: %s\n",
			    (long long)r.seq, sqlite3_errmsg(t->db));
			return -1;
		}
		t->head_seq = r.seq;
		if (t->syslog != NULL) {
			chain_hex(t->head_hash, CHAIN_HASH_LEN, hex);
			snprintf(seqs, sizeof(seqs), "%lld", (long long)r.seq);
			fprintf(t->syslog, "<86>1 2026-01-01T00:00:00.000Z "
			    "host authd 4242 audit [authd@32473");
			trail_sd_value(t->syslog, "seq", seqs);
			trail_sd_value(t->syslog, "hash", hex);
			trail_sd_value(t->syslog, "event", r.event);
			trail_sd_value(t->syslog, "user", r.user);
			trail_sd_value(t->syslog, "detail", r.detail);
			fprintf(t->syslog, "] %s %s\n", r.event, r.decision);
		}
		if (cp_every > 0 && r.seq % cp_every == 0 &&
		    trail_checkpoint(t, 0, NULL) != 0)
			return -1;
	}
	return trail_exec(t, "COMMIT");
}

/* The stored hash of record `seq`. 0 or -1. */
static int
trail_hash_of(struct trail *t, int64_t seq, uint8_t out[CHAIN_HASH_LEN])
{
	sqlite3_stmt *st;
	int ret = -1;

	if (sqlite3_prepare_v2(t->db, "SELECT hash FROM audit WHERE seq = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == CHAIN_HASH_LEN) {
		memcpy(out, sqlite3_column_blob(st, 0), CHAIN_HASH_LEN);
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

int
trail_checkpoint(struct trail *t, int64_t seq, char *line)
{
	struct chain_checkpoint cp;
	char buf[CHAIN_LINE_MAX + 1];
	sqlite3_stmt *st;
	int rc;

	memset(&cp, 0, sizeof(cp));
	cp.seq = seq == 0 ? t->head_seq : seq;
	cp.time_ms = t->time_ms;
	snprintf(cp.node, sizeof(cp.node), "test-node");
	if (trail_hash_of(t, cp.seq, cp.hash) != 0 ||
	    chain_sign(t->key, &cp) != 0 ||
	    chain_checkpoint_format(&cp, buf, sizeof(buf)) != 0)
		return -1;
	if (sqlite3_prepare_v2(t->db, "INSERT OR REPLACE INTO "
	    "audit_checkpoints (seq, time_ms, node, hash, key_id, sig) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, cp.seq);
	sqlite3_bind_int64(st, 2, cp.time_ms);
	sqlite3_bind_text(st, 3, cp.node, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 4, cp.hash, CHAIN_HASH_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, cp.key_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 6, cp.sig, CHAIN_SIG_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (t->syslog != NULL)
		fprintf(t->syslog, "<85>1 2026-01-01T00:00:00.000Z host authd "
		    "4242 checkpoint - %s\n", buf);
	if (line != NULL)
		memcpy(line, buf, sizeof(buf));
	return 0;
}

int
trail_prune(struct trail *t, int64_t cut)
{
	uint8_t hash[CHAIN_HASH_LEN];
	sqlite3_stmt *st;
	char sql[128];
	int rc;

	if (trail_hash_of(t, cut, hash) != 0 ||
	    trail_checkpoint(t, cut, NULL) != 0 ||
	    sqlite3_prepare_v2(t->db, "INSERT OR REPLACE INTO audit_base "
	    "(id, seq, hash) VALUES (1, ?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, cut);
	sqlite3_bind_blob(st, 2, hash, CHAIN_HASH_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	snprintf(sql, sizeof(sql), "DELETE FROM audit WHERE seq <= %lld",
	    (long long)cut);
	return trail_exec(t, sql);
}

static const char *
trail_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
trail_rehash(struct trail *t, int64_t from)
{
	uint8_t prev[CHAIN_HASH_LEN], h[CHAIN_HASH_LEN];
	struct chain_rec r;
	sqlite3_stmt *st, *up;
	int rc;

	memset(prev, 0, sizeof(prev));
	if (from > 1 && trail_hash_of(t, from - 1, prev) != 0)
		return -1;
	if (sqlite3_prepare_v2(t->db, "SELECT " TRAIL_COLUMNS " FROM audit "
	    "WHERE seq >= ?1 ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(t->db, "UPDATE audit SET hash = ?1 WHERE "
	    "seq = ?2", -1, &up, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_int64(st, 1, from);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.seq = sqlite3_column_int64(st, 0);
		r.time_ms = sqlite3_column_int64(st, 1);
		r.node = trail_col(st, 2);
		r.event = trail_col(st, 3);
		r.actor = trail_col(st, 4);
		r.user = trail_col(st, 5);
		r.system = trail_col(st, 6);
		r.service = trail_col(st, 7);
		r.rhost = trail_col(st, 8);
		r.tty = trail_col(st, 9);
		r.decision = trail_col(st, 10);
		r.reason = trail_col(st, 11);
		r.reqid = (uint64_t)sqlite3_column_int64(st, 12);
		r.detail = trail_col(st, 13);
		r.policy = trail_col(st, 14);
		r.role = trail_col(st, 15);
		r.rule = trail_col(st, 16);
		r.factors = trail_col(st, 17);
		if (chain_hash(prev, &r, h) != 0)
			break;
		sqlite3_reset(up);
		sqlite3_bind_blob(up, 1, h, CHAIN_HASH_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, r.seq);
		if (sqlite3_step(up) != SQLITE_DONE)
			break;
		memcpy(prev, h, sizeof(prev));
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	return rc == SQLITE_DONE ? 0 : -1;
}
