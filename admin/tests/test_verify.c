/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authctl.h"
#include "check.h"
#include "trail.h"
#include "verify.h"

/*
 * The offline verifier against generated trails: a clean trail verifies,
 * and each kind of tampering (modify, delete, reorder, retype, truncate,
 * rewrite, forged signature, prune without its checkpoint) fails and
 * names the right sequence numbers; a hostile file (a view, a crafted
 * b-tree, a schema that makes SQLite work) is refused quickly.
 */

/* Path sizes, each with room for the one before and a file name. */
#define ROOT_MAX	512
#define DIR_MAX		1024
#define FILE_MAX	2048
#define TEXT_MAX	4096

/* A hostile file is refused in well under this; past it, a failure. */
#define HOSTILE_SLOW_S	5
/* Then the verifier is killed: before the fix it never returned. */
#define HOSTILE_KILL_S	10

static char	 tmproot[ROOT_MAX];
static int	 ncase;

struct run {
	int	 status;
	char	*out;
	size_t	 len;
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory for one case, inside tmproot. */
static void
case_dir(char *dir, size_t sz)
{
	snprintf(dir, sz, "%s/case%d", tmproot, ++ncase);
	if (mkdir(dir, 0700) != 0) {
		perror(dir);
		exit(2);
	}
}

static struct trail *
new_trail(char *dir, size_t sz, int n, int cp_every)
{
	struct trail *t;

	case_dir(dir, sz);
	if (trail_create(dir, &t) != 0 || trail_fill(t, n, cp_every) != 0) {
		fprintf(stderr, "cannot build a trail in %s\n", dir);
		exit(2);
	}
	return t;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* Runs the verifier on dir/authd.db with dir/audit.key.pub. */
static void
run_verify(const char *dir, const char *key, const char *const *cps,
    size_t ncps, const char *const *sls, size_t nsls, struct run *r)
{
	char db[FILE_MAX], pub[FILE_MAX];
	struct verify_opts o;
	FILE *out;

	snprintf(db, sizeof(db), "%s/authd.db", dir);
	snprintf(pub, sizeof(pub), "%s/audit.key.pub", key != NULL ? key :
	    dir);
	free(r->out);
	r->out = NULL;
	if ((out = open_memstream(&r->out, &r->len)) == NULL)
		exit(2);
	o.db_path = db;
	o.key_path = pub;
	o.checkpoint_files = cps;
	o.ncheckpoint_files = ncps;
	o.syslog_files = sls;
	o.nsyslog_files = nsls;
	o.out = out;
	r->status = verify_run(&o);
	fclose(out);
	if (getenv("VERBOSE") != NULL)
		fprintf(stderr, "--- %s (exit %d)\n%s", dir, r->status, r->out);
}

static void
test_clean(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX];

	t = new_trail(dir, sizeof(dir), 50, 10);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	CHECK_STR_EQ(r.out, "verified 50 records, 5 checkpoints: OK\n");

	/* An empty trail verifies too. */
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 0, 0);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	CHECK_STR_EQ(r.out, "verified 0 records, 0 checkpoints: OK\n");
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 1, 1);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_EQ(r.out, "verified 1 record, 1 checkpoint: OK\n");
	trail_close(t);
	free(r.out);
}

static void
test_modified(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	sqlite3_stmt *st;
	char dir[DIR_MAX];

	t = new_trail(dir, sizeof(dir), 50, 10);
	trail_exec(t, "UPDATE audit SET decision = 'allow' WHERE seq = 17");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_EQ(r.out, "seq 17: record modified (hash does not match "
	    "its content)\nverified 50 records, 5 checkpoints: 1 problem\n");

	/* Two neighbours, each named. */
	trail_exec(t, "UPDATE audit SET rhost = '198.51.100.1' WHERE seq IN "
	    "(33, 34)");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 33: record modified");
	CHECK_STR_HAS(r.out, "seq 34: record modified");
	CHECK_STR_HAS(r.out, ": 3 problems\n");

	/* A field that was absent, made present (empty). */
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 20, 0);
	trail_exec(t, "UPDATE audit SET rhost = '' WHERE seq = 4");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 4: record modified (hash does not match");

	/* Same bytes, other type: hidden from decision = 'deny' filters. */
	trail_exec(t, "UPDATE audit SET rhost = NULL WHERE seq = 4");
	trail_exec(t, "UPDATE audit SET decision = CAST(decision AS BLOB) "
	    "WHERE seq = 6");
	trail_exec(t, "UPDATE audit SET request_id = 'x42' WHERE seq = 9");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_HAS(r.out, "seq 6: record modified (decision has the wrong "
	    "type)\n");
	CHECK_STR_HAS(r.out, "seq 9: record modified (request_id has the "
	    "wrong type)\n");
	CHECK(strstr(r.out, "seq 4:") == NULL);

	/* Bytes after a NUL are invisible to a C string. */
	trail_exec(t, "UPDATE audit SET decision = 'allow' WHERE seq = 6");
	trail_exec(t, "UPDATE audit SET request_id = 9 * 7919 WHERE seq = 9");
	if (sqlite3_prepare_v2(t->db, "UPDATE audit SET detail = ?1 WHERE seq "
	    "= 12", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, "plain\0 and more", 15,
		    SQLITE_STATIC);
		CHECK_INT_EQ(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_EQ(r.out, "seq 12: record modified (detail holds a NUL "
	    "byte)\nverified 20 records, 0 checkpoints: 1 problem\n");

	/* No hash: named, and the next record cannot be checked. */
	trail_exec(t, "UPDATE audit SET detail = 'plain' WHERE seq = 12");
	trail_exec(t, "UPDATE audit SET hash = NULL WHERE seq = 15");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 15: record modified (no hash stored)\n"
	    "note: seq 16: not verifiable, the record before it has no "
	    "usable hash\n");
	CHECK_STR_HAS(r.out, ": 1 problem\n");
	trail_close(t);
	free(r.out);
}

static void
test_deleted(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX];

	t = new_trail(dir, sizeof(dir), 50, 10);
	trail_exec(t, "DELETE FROM audit WHERE seq = 23");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_HAS(r.out, "seq 23: record deleted\n");
	CHECK_STR_HAS(r.out, ": 1 problem\n");

	trail_exec(t, "DELETE FROM audit WHERE seq BETWEEN 36 AND 38");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 36..38: records deleted\n");

	/* The first records: not explained by a prune base. */
	trail_exec(t, "DELETE FROM audit WHERE seq <= 2");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 1..2: records deleted\n");

	/* A deleted checkpointed record. */
	trail_exec(t, "DELETE FROM audit WHERE seq = 30");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 30: record deleted\n");
	CHECK_STR_HAS(r.out, "note: checkpoint at seq 30: its record is "
	    "missing\n");
	trail_close(t);
	free(r.out);
}

/* Swaps every column but seq between records a and b. */
static void
swap_rows(struct trail *t, int a, int b)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
	    "UPDATE audit SET seq = -1 WHERE seq = %d;"
	    "UPDATE audit SET seq = %d WHERE seq = %d;"
	    "UPDATE audit SET seq = %d WHERE seq = -1;", a, a, b, b);
	trail_exec(t, sql);
}

static void
test_reordered(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX];

	t = new_trail(dir, sizeof(dir), 50, 10);
	swap_rows(t, 31, 33);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_EQ(r.out, "seq 31: reordered (this is the record of seq "
	    "33)\nseq 33: reordered (this is the record of seq 31)\n"
	    "verified 50 records, 5 checkpoints: 2 problems\n");

	/* Neighbours. */
	swap_rows(t, 31, 33);
	swap_rows(t, 12, 13);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_EQ(r.out, "seq 12: reordered (this is the record of seq "
	    "13)\nseq 13: reordered (this is the record of seq 12)\n"
	    "verified 50 records, 5 checkpoints: 2 problems\n");

	/* A record given another sequence number. */
	swap_rows(t, 12, 13);
	trail_exec(t, "UPDATE audit SET seq = 1000 WHERE seq = 7");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "note: seq 7: its record is now at seq 1000\n");
	CHECK_STR_HAS(r.out, "seq 1000: reordered (this is the record of seq "
	    "7)\n");
	CHECK_STR_HAS(r.out, ": 2 problems\n");
	CHECK_STR_HAS(r.out, "seq 51..999: records deleted\n");

	/* The largest sequence number there is. */
	trail_exec(t, "UPDATE audit SET seq = 9223372036854775807 WHERE seq "
	    "= 1000");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 9223372036854775807: reordered (this is the "
	    "record of seq 7)\n");
	CHECK_STR_HAS(r.out, "seq 51..9223372036854775806: records deleted\n");
	trail_exec(t, "UPDATE audit SET seq = 1000 WHERE seq = "
	    "9223372036854775807");

	/* Three in a rotation. */
	trail_exec(t, "UPDATE audit SET seq = 7 WHERE seq = 1000");
	trail_exec(t, "UPDATE audit SET seq = -1 WHERE seq = 20;"
	    "UPDATE audit SET seq = 20 WHERE seq = 21;"
	    "UPDATE audit SET seq = 21 WHERE seq = 22;"
	    "UPDATE audit SET seq = 22 WHERE seq = -1;");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 20: reordered (this is the record of seq "
	    "21)\n");
	CHECK_STR_HAS(r.out, "seq 21: reordered (this is the record of seq "
	    "22)\n");
	CHECK_STR_HAS(r.out, "seq 22: reordered (this is the record of seq "
	    "20)\n");
	/* The checkpoint at 20 now sees another record's hash. */
	CHECK_STR_HAS(r.out, "checkpoint at seq 20: does not match");
	trail_close(t);
	free(r.out);
}

static void
test_rewritten(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX];

	/* New content with recomputed hashes: only a checkpoint shows it. */
	t = new_trail(dir, sizeof(dir), 50, 10);
	trail_exec(t, "UPDATE audit SET decision = 'allow', reason = 'ok' "
	    "WHERE seq = 44");
	CHECK_INT_EQ(trail_rehash(t, 44), 0);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_EQ(r.out, "checkpoint at seq 50: does not match the record's "
	    "hash (records up to seq 50 were changed after it was signed)\n"
	    "verified 50 records, 5 checkpoints: 1 problem\n");

	/* Many records: each named, no reorder search. */
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 300, 0);
	trail_exec(t, "UPDATE audit SET actor = 'uid:666' WHERE seq % 2 = 0");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 2: record modified");
	CHECK_STR_HAS(r.out, "seq 300: record modified");
	CHECK_STR_HAS(r.out, ": 150 problems\n");
	trail_close(t);
	free(r.out);
}

static void
test_signatures(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t, *other;
	char dir[DIR_MAX], odir[DIR_MAX];

	t = new_trail(dir, sizeof(dir), 30, 10);
	trail_exec(t, "UPDATE audit_checkpoints SET sig = "
	    "zeroblob(64) WHERE seq = 20");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_EQ(r.out, "checkpoint at seq 20: bad signature\nverified 30 "
	    "records, 3 checkpoints: 1 problem\n");

	/* A forged checkpoint: right hash, time changed. */
	trail_exec(t, "UPDATE audit_checkpoints SET time_ms = time_ms + 1 "
	    "WHERE seq = 10");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "checkpoint at seq 10: bad signature\n");
	trail_exec(t, "UPDATE audit_checkpoints SET hash = zeroblob(31) "
	    "WHERE seq = 30");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "checkpoint at seq 30: malformed\n");

	/* Text that would reach the terminal. */
	trail_exec(t, "UPDATE audit_checkpoints SET hash = (SELECT hash FROM "
	    "audit WHERE seq = 30), key_id = char(27) || '[2J0123456789ab' "
	    "WHERE seq = 30");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "checkpoint at seq 30: malformed\n");
	CHECK(strchr(r.out, 27) == NULL);

	/* Another authd's key. */
	other = new_trail(odir, sizeof(odir), 1, 0);
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 20, 10);
	run_verify(dir, odir, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_HAS(r.out, "checkpoint at seq 10: bad signature (made with "
	    "key ");
	CHECK_STR_HAS(r.out, ": 2 problems\n");
	trail_close(other);
	trail_close(t);
	free(r.out);
}

static void
test_truncated(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX], cpfile[FILE_MAX], line[CHAIN_LINE_MAX + 1];
	char text[TEXT_MAX];
	const char *cps[1];
	sqlite3_stmt *st;

	t = new_trail(dir, sizeof(dir), 50, 10);
	/* The operator keeps a checkpoint of the head elsewhere. */
	trail_fill(t, 5, 0);
	CHECK_INT_EQ(trail_checkpoint(t, 0, line), 0);
	snprintf(cpfile, sizeof(cpfile), "%s/saved.checkpoints", dir);
	snprintf(text, sizeof(text), "# saved by hand\n\n%s\n", line);
	write_file(cpfile, text);
	cps[0] = cpfile;
	run_verify(dir, NULL, cps, 1, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	CHECK_STR_EQ(r.out, "verified 55 records, 7 checkpoints: OK\n");

	/* The tail cut off with its checkpoints: only the copy knows. */
	trail_exec(t, "DELETE FROM audit WHERE seq > 47;"
	    "DELETE FROM audit_checkpoints WHERE seq > 47;");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	run_verify(dir, NULL, cps, 1, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	snprintf(text, sizeof(text), "%s:3: truncated: records after seq 47 "
	    "are missing (checkpoint at seq 55)\n", cpfile);
	CHECK_STR_HAS(r.out, text);
	CHECK_STR_HAS(r.out, ": 1 problem\n");

	/* Cut off, checkpoints left in the database: found without copy. */
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 50, 10);
	trail_exec(t, "DELETE FROM audit WHERE seq > 42");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_EQ(r.out, "truncated: records after seq 42 are missing "
	    "(checkpoint at seq 50)\nverified 42 records, 5 checkpoints: 1 "
	    "problem\n");

	/* Everything deleted. */
	trail_exec(t, "DELETE FROM audit");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "truncated: records after seq 0 are missing "
	    "(checkpoint at seq 50)\n");

	/* Cut and refilled: the saved checkpoint no longer matches. */
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 30, 0);
	CHECK_INT_EQ(trail_checkpoint(t, 0, line), 0);
	snprintf(cpfile, sizeof(cpfile), "%s/saved.checkpoints", dir);
	snprintf(text, sizeof(text), "%s\n", line);
	write_file(cpfile, text);
	trail_exec(t, "DELETE FROM audit WHERE seq > 25;"
	    "DELETE FROM audit_checkpoints;");
	t->head_seq = 25;
	if (sqlite3_prepare_v2(t->db, "SELECT hash FROM audit WHERE seq = 25",
	    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		memcpy(t->head_hash, sqlite3_column_blob(st, 0),
		    CHAIN_HASH_LEN);
	sqlite3_finalize(st);
	t->time_ms += 3600000;
	trail_fill(t, 10, 0);
	run_verify(dir, NULL, cps, 1, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_HAS(r.out, "checkpoint at seq 30: does not match the "
	    "record's hash");
	trail_close(t);
	free(r.out);
}

static void
test_external_files(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX], path[FILE_MAX], logpath[FILE_MAX];
	char text[TEXT_MAX], hex[2 * CHAIN_HASH_LEN + 1];
	const char *files[2];
	FILE *f;

	t = new_trail(dir, sizeof(dir), 10, 5);
	snprintf(path, sizeof(path), "%s/junk", dir);
	write_file(path, "no checkpoint here\n");
	files[0] = path;
	run_verify(dir, NULL, files, 1, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	snprintf(text, sizeof(text), "%s: no checkpoint in this file\n", path);
	CHECK_STR_HAS(r.out, text);

	write_file(path, "authd-checkpoint v1 seq=10 time=x\n");
	run_verify(dir, NULL, files, 1, NULL, 0, &r);
	snprintf(text, sizeof(text), "%s:1: malformed checkpoint\n", path);
	CHECK_STR_HAS(r.out, text);

	/* A line longer than any authd writes, then a checkpoint. */
	{
		char line[CHAIN_LINE_MAX + 1];
		FILE *f2;
		int i;

		CHECK_INT_EQ(trail_checkpoint(t, 0, line), 0);
		snprintf(path, sizeof(path), "%s/long", dir);
		if ((f2 = fopen(path, "w")) == NULL)
			exit(2);
		for (i = 0; i < 20000; i++)
			fputc(i % 2 == 0 ? 'x' : '\0', f2);
		fprintf(f2, "\n%s\n", line);
		fclose(f2);
		run_verify(dir, NULL, files, 1, NULL, 0, &r);
		CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
		snprintf(text, sizeof(text), "note: %s: 1 line longer than "
		    "16383 bytes, read only up to there\nverified 10 records, "
		    "3 checkpoints: OK\n", path);
		CHECK_STR_EQ(r.out, text);
	}

	/* Cannot read: a usage error, not a verdict. */
	snprintf(path, sizeof(path), "%s/does-not-exist", dir);
	run_verify(dir, NULL, files, 1, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_FAIL);
	CHECK_STR_EQ(r.out, "");
	run_verify(dir, dir, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	snprintf(path, sizeof(path), "%s/nokey", dir);
	mkdir(path, 0700);
	run_verify(dir, path, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_FAIL);
	snprintf(path, sizeof(path), "%s/nokey/audit.key.pub", dir);
	write_file(path, "not a key\n");
	snprintf(path, sizeof(path), "%s/nokey", dir);
	run_verify(dir, path, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_FAIL);
	/* Not a database, and no database at all. */
	run_verify(path, dir, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_FAIL);
	snprintf(path, sizeof(path), "%s/nokey/authd.db", dir);
	write_file(path, "SQLite format 3? no\n");
	snprintf(path, sizeof(path), "%s/nokey", dir);
	run_verify(path, dir, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_FAIL);
	trail_close(t);

	/* Syslog: checkpoints and record copies, junk lines between. */
	t = NULL;
	case_dir(dir, sizeof(dir));
	snprintf(logpath, sizeof(logpath), "%s/syslog", dir);
	if ((f = fopen(logpath, "w")) == NULL || trail_create(dir, &t) != 0)
		exit(2);
	t->syslog = f;
	fprintf(f, "Jan  1 00:00:00 host sshd[1]: unrelated line\n");
	trail_fill(t, 40, 8);
	fprintf(f, "Jan  1 00:00:00 host kernel: [authd@32473 mentioned] but "
	    "no value\n");
	/* A name an outsider chose, in authd's copy of the refusal. */
	chain_hex(t->head_hash, CHAIN_HASH_LEN, hex);
	fprintf(f, "<86>1 2026-01-01T00:00:00.000Z host authd 4242 audit "
	    "[authd@32473 seq=\"40\" hash=\"%s\" user=\"authd-checkpoint v1 "
	    "seq=1 x\\\" seq=\\\"2\\\" hash=\\\"00\\\"\"] auth deny\n",
	    hex);
	fclose(f);
	t->syslog = NULL;
	files[0] = logpath;
	run_verify(dir, NULL, NULL, 0, files, 1, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	CHECK_STR_HAS(r.out, ":47: not an authd record copy, though it looks "
	    "like one; ignored\n");
	CHECK_STR_HAS(r.out, "\nverified 40 records, 10 checkpoints: OK\n");
	CHECK_STR_HAS(r.out, ":48: not a checkpoint, though it looks like "
	    "one; ignored\n");
	/* Without the junk line, it verifies. */
	snprintf(path, sizeof(path), "%s/syslog.clean", dir);
	{
		char cmd[TEXT_MAX * 2];

		snprintf(cmd, sizeof(cmd), "grep -av mentioned '%s' > '%s'",
		    logpath, path);
		CHECK_INT_EQ(system(cmd), 0);
	}
	files[0] = path;
	run_verify(dir, NULL, NULL, 0, files, 1, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	snprintf(text, sizeof(text), "note: %s:47: not a checkpoint, though it "
	    "looks like one; ignored\nverified 40 records, 10 checkpoints: "
	    "OK\n", path);
	CHECK_STR_EQ(r.out, text);

	/* A rewrite after the last checkpoint: the copy differs. */
	trail_exec(t, "DELETE FROM audit_checkpoints WHERE seq = 40");
	trail_exec(t, "UPDATE audit SET user = 'mallory' WHERE seq = 37");
	trail_rehash(t, 37);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	run_verify(dir, NULL, NULL, 0, files, 1, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	snprintf(text, sizeof(text), "%s:46: checkpoint at seq 40: does not "
	    "match", path);
	CHECK_STR_HAS(r.out, text);
	snprintf(text, sizeof(text), "%s:42: seq 37: record differs from its "
	    "syslog copy\n", path);
	CHECK_STR_HAS(r.out, text);

	/* The tail cut off after the last checkpoint: the copies show it. */
	trail_exec(t, "DELETE FROM audit WHERE seq > 33;"
	    "DELETE FROM audit_checkpoints WHERE seq > 33;");
	run_verify(dir, NULL, NULL, 0, files, 1, &r);
	CHECK_STR_HAS(r.out, "truncated: records after seq 33 are missing "
	    "(checkpoint at seq 40)\n");
	trail_close(t);
	free(r.out);
}

/* Writes records and a checkpoint of them into a FIFO, a second later. */
struct later {
	struct trail	*t;
	const char	*fifo;
};

static void *
later_main(void *arg)
{
	struct later *l = arg;
	char line[CHAIN_LINE_MAX + 1];
	FILE *f;

	/* Opening blocks until verify_run opens the other end. */
	if ((f = fopen(l->fifo, "w")) == NULL)
		return NULL;
	sleep(1);
	if (trail_fill(l->t, 5, 0) == 0 && trail_checkpoint(l->t, 0, line) == 0)
		fprintf(f, "%s\n", line);
	fclose(f);
	return NULL;
}

/*
 * authd keeps writing while the verifier runs: a checkpoint saved after
 * the snapshot was taken is of newer records, not of cut-off ones.
 */
static void
test_live(void)
{
	struct run r = { 0, NULL, 0 };
	struct later l;
	pthread_t th;
	char dir[DIR_MAX], fifo[FILE_MAX], text[TEXT_MAX];
	const char *files[1];

	l.t = new_trail(dir, sizeof(dir), 20, 10);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	l.fifo = fifo;
	if (mkfifo(fifo, 0600) != 0 ||
	    pthread_create(&th, NULL, later_main, &l) != 0)
		exit(2);
	files[0] = fifo;
	run_verify(dir, NULL, files, 1, NULL, 0, &r);
	pthread_join(th, NULL);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	snprintf(text, sizeof(text), "note: %s:1: checkpoint at seq 25 is "
	    "newer than the verified trail, which ends at seq 20: records "
	    "were added while verifying\nverified 20 records, 3 checkpoints: "
	    "OK\n", fifo);
	CHECK_STR_EQ(r.out, text);
	trail_close(l.t);
	free(r.out);
}

static void
test_pruned(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX];

	t = new_trail(dir, sizeof(dir), 50, 10);
	CHECK_INT_EQ(trail_prune(t, 23), 0);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	CHECK_STR_EQ(r.out, "verified 27 records, 6 checkpoints: OK\n");

	/* The first record after the cut deleted. */
	trail_exec(t, "DELETE FROM audit WHERE seq = 24");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 24: record deleted\n");
	CHECK_STR_HAS(r.out, ": 1 problem\n");

	/* A base that no checkpoint vouches for. */
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 50, 10);
	CHECK_INT_EQ(trail_prune(t, 23), 0);
	trail_exec(t, "DELETE FROM audit_checkpoints WHERE seq = 23");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_EQ(r.out, "prune base at seq 23: no valid checkpoint at the "
	    "cut vouches for it\nverified 27 records, 5 checkpoints: 1 "
	    "problem\n");

	/* More cut off than the checkpoint says, with a new base. */
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 50, 10);
	CHECK_INT_EQ(trail_prune(t, 23), 0);
	trail_exec(t, "UPDATE audit_base SET seq = 26, hash = (SELECT hash "
	    "FROM audit WHERE seq = 26); DELETE FROM audit WHERE seq <= 26");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_HAS(r.out, "prune base at seq 26: no valid checkpoint");

	/* A base hash changed. */
	trail_close(t);
	t = new_trail(dir, sizeof(dir), 50, 10);
	CHECK_INT_EQ(trail_prune(t, 20), 0);
	trail_exec(t, "UPDATE audit_base SET hash = zeroblob(32)");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_HAS(r.out, "seq 21: record modified");
	CHECK_STR_HAS(r.out, "checkpoint at seq 20: does not match the prune "
	    "base\n");
	CHECK_STR_HAS(r.out, "prune base at seq 20: no valid checkpoint");

	/* A record put back below the cut. */
	trail_exec(t, "UPDATE audit_base SET hash = (SELECT hash FROM "
	    "audit_checkpoints WHERE seq = 20)");
	trail_exec(t, "INSERT INTO audit SELECT 5, time_ms, node, event, "
	    "actor, user, system, service, rhost, tty, decision, reason, "
	    "request_id, detail, policy, role, rule, factors, hash FROM audit "
	    "WHERE seq = 30");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_EQ(r.out, "seq 5: record inside the pruned part of the chain "
	    "(which ends at seq 20)\nverified 31 records, 5 checkpoints: 1 "
	    "problem\n");
	trail_close(t);
	free(r.out);
}

static void
test_large(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX];

	t = new_trail(dir, sizeof(dir), 20000, 1000);
	trail_exec(t, "DELETE FROM audit WHERE seq = 12345");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_STR_EQ(r.out, "seq 12345: record deleted\nnote: seq 12346: not "
	    "verifiable, the record before it is missing\nverified 19999 "
	    "records, 20 checkpoints: 1 problem\n");
	trail_close(t);
	free(r.out);
}


/* The whole of a small file, NUL-terminated; "" if it cannot be read. */
static char *
read_text(const char *path)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	if ((m = open_memstream(&t, &len)) == NULL)
		exit(2);
	if ((f = fopen(path, "r")) != NULL) {
		while ((c = getc(f)) != EOF)
			putc(c, m);
		fclose(f);
	}
	fclose(m);
	return t;
}

/*
 * Runs the verifier on dir/authd.db in a child process, which is killed
 * after HOSTILE_KILL_S seconds.  Returns its exit status (-1 if it was
 * killed) and what it wrote to stderr in *err; *secs is how long it took.
 */
static int
run_bounded(const char *dir, char **err, double *secs)
{
	struct run r = { 0, NULL, 0 };
	struct timespec t0, t1;
	char path[FILE_MAX];
	pid_t pid;
	int fd, st;

	snprintf(path, sizeof(path), "%s/verify.err", dir);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) < 0)
		exit(2);
	if (pid == 0) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(99);
		alarm(HOSTILE_KILL_S);
		run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
		_exit(r.status);
	}
	if (waitpid(pid, &st, 0) != pid)
		exit(2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	*err = read_text(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Closes the trail, then runs `sql` on its database in a new connection
 * (the schema tricks leave the old one's stale) and checks that the
 * verifier refuses the result quickly, with `msg` on stderr.
 */
static void
check_refused(struct trail *t, const char *dir, const char *sql,
    const char *msg)
{
	char db[FILE_MAX], want[TEXT_MAX], *err = NULL;
	sqlite3 *h = NULL;
	double secs;

	trail_close(t);
	snprintf(db, sizeof(db), "%s/authd.db", dir);
	if (sql != NULL && (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(h));
		exit(2);
	}
	sqlite3_close(h);
	CHECK_INT_EQ(run_bounded(dir, &err, &secs), AUTHCTL_EXIT_FAIL);
	CHECK(secs < HOSTILE_SLOW_S);
	if (getenv("VERBOSE") != NULL)
		fprintf(stderr, "--- %s: refused in %.2f s\n", dir, secs);
	snprintf(want, sizeof(want), "authctl: audit verify: %s: %s\n", db,
	    msg);
	CHECK_STR_EQ(err, want);
	free(err);
}

/*
 * Points the right-most child of the audit table's root page at the
 * child of its first cell, so that a scan walks that subtree twice.
 */
static void
share_subtree(const char *dir)
{
	unsigned char hdr[100], page[65536];
	char db[FILE_MAX];
	sqlite3 *h;
	sqlite3_stmt *st;
	size_t psz, off;
	long long root = 0;
	int fd;

	snprintf(db, sizeof(db), "%s/authd.db", dir);
	if (sqlite3_open(db, &h) != SQLITE_OK || sqlite3_prepare_v2(h,
	    "SELECT rootpage FROM sqlite_master WHERE name = 'audit'", -1, &st,
	    NULL) != SQLITE_OK)
		exit(2);
	if (sqlite3_step(st) == SQLITE_ROW)
		root = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	if (root < 1 || (fd = open(db, O_RDWR)) < 0 ||
	    pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		exit(2);
	psz = (size_t)hdr[16] << 8 | hdr[17];
	if (psz == 1)
		psz = 65536;
	if (pread(fd, page, psz, (off_t)(root - 1) * (off_t)psz) !=
	    (ssize_t)psz)
		exit(2);
	off = root == 1 ? 100 : 0;
	/* An interior table page: 12 header bytes, then cell pointers. */
	CHECK_INT_EQ(page[off], 0x05);
	if (page[off] == 0x05) {
		memcpy(&page[off + 8], &page[(size_t)page[off + 12] << 8 |
		    page[off + 13]], 4);
		if (pwrite(fd, page, psz, (off_t)(root - 1) * (off_t)psz) !=
		    (ssize_t)psz)
			exit(2);
	}
	close(fd);
}

static void
test_hostile(void)
{
	struct run r = { 0, NULL, 0 };
	struct trail *t;
	char dir[DIR_MAX], sql[TEXT_MAX];

	/* The view that kept verify busy forever. */
	t = new_trail(dir, sizeof(dir), 20, 10);
	check_refused(t, dir, "ALTER TABLE audit RENAME TO audit_old;"
	    "CREATE VIEW audit AS " TRAIL_ENDLESS_AUDIT,
	    "audit: not a table (view); refusing the file");
	t = new_trail(dir, sizeof(dir), 20, 10);
	check_refused(t, dir, "DROP TABLE audit_base; CREATE VIEW audit_base "
	    "AS " TRAIL_ENDLESS "SELECT x AS id, x AS seq, zeroblob(32) AS "
	    "hash FROM r", "audit_base: not a table (view); refusing the "
	    "file");

	/* sqlite_master's type says table; the statement says otherwise. */
	t = new_trail(dir, sizeof(dir), 20, 10);
	check_refused(t, dir, "ALTER TABLE audit RENAME TO audit_old;"
	    "CREATE VIRTUAL TABLE audit USING fts4(" TRAIL_COLUMNS ");"
	    "INSERT INTO audit (" TRAIL_COLUMNS ") SELECT "
	    TRAIL_COLUMNS " FROM audit_old;"
	    "PRAGMA writable_schema = ON;"
	    "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM "
	    "sqlite_master WHERE name = 'audit_old') WHERE name = 'audit'",
	    "audit: not a table (virtual table); refusing the file");

	/* A column computed on each read, and a key that is not the rowid. */
	t = new_trail(dir, sizeof(dir), 20, 10);
	check_refused(t, dir, "ALTER TABLE audit_checkpoints ADD COLUMN n "
	    "INTEGER GENERATED ALWAYS AS (length(sig)) VIRTUAL;"
	    "ALTER TABLE audit_checkpoints RENAME COLUMN time_ms TO t;"
	    "ALTER TABLE audit_checkpoints RENAME COLUMN n TO time_ms",
	    "audit_checkpoints: a generated column; refusing the file");
	t = new_trail(dir, sizeof(dir), 20, 10);
	check_refused(t, dir, "ALTER TABLE audit RENAME TO audit_old;"
	    "CREATE TABLE audit AS SELECT * FROM audit_old",
	    "audit: not keyed by an INTEGER PRIMARY KEY; refusing the file");
	t = new_trail(dir, sizeof(dir), 20, 10);
	check_refused(t, dir, "ALTER TABLE audit DROP COLUMN factors",
	    "audit: a column is missing (not an authd database with a hash "
	    "chain)");

	/* Pages shared in the b-tree: the same rows again. */
	t = new_trail(dir, sizeof(dir), 60, 10);
	trail_close(t);
	share_subtree(dir);
	check_refused(NULL, dir, NULL, "audit: rows out of order (a damaged "
	    "or crafted b-tree); refusing the file");

	/* A schema that takes SQLite more work to load than authd's. */
	t = new_trail(dir, sizeof(dir), 20, 10);
	check_refused(t, dir, "PRAGMA writable_schema = ON;"
	    "INSERT INTO sqlite_master WITH RECURSIVE r(x) AS (SELECT 1 UNION "
	    "ALL SELECT x + 1 FROM r WHERE x < 50000) SELECT 'view', 'v' || x,"
	    " 'v' || x, 0, 'CREATE VIEW v' || x || ' AS SELECT 1' FROM r",
	    "cannot read the schema: more work than any authd database needs;"
	    " refusing the file");

	/*
	 * A value longer than any record authd writes (a frame's worth,
	 * PROTO_FRAME_MAX bytes, is one).
	 */
	t = new_trail(dir, sizeof(dir), 20, 10);
	snprintf(sql, sizeof(sql), "UPDATE audit SET detail = printf('%%.%dc',"
	    " 'x') WHERE seq = 3", PROTO_FRAME_MAX);
	trail_exec(t, sql);
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_DENIED);
	CHECK_STR_HAS(r.out, "seq 3: record modified (hash does not match");
	check_refused(t, dir, "UPDATE audit SET detail = printf('%.70000c', "
	    "'x') WHERE seq = 3", "audit: a row longer than any authd writes; "
	    "refusing the file");

	/* Triggers never run: they do not stop a trail from verifying. */
	t = new_trail(dir, sizeof(dir), 20, 10);
	trail_exec(t, "CREATE TRIGGER t1 BEFORE UPDATE ON audit BEGIN "
	    TRAIL_ENDLESS "SELECT count(*) FROM r; END;"
	    "CREATE TRIGGER t2 AFTER DELETE ON audit_checkpoints BEGIN "
	    TRAIL_ENDLESS "SELECT count(*) FROM r; END");
	run_verify(dir, NULL, NULL, 0, NULL, 0, &r);
	CHECK_INT_EQ(r.status, AUTHCTL_EXIT_OK);
	CHECK_STR_EQ(r.out, "verified 20 records, 2 checkpoints: OK\n");
	trail_close(t);
	free(r.out);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	int ret;

	snprintf(tmproot, sizeof(tmproot), "%s/authctl-verify.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_clean();
	test_modified();
	test_deleted();
	test_reordered();
	test_rewritten();
	test_signatures();
	test_truncated();
	test_external_files();
	test_pruned();
	test_live();
	test_large();
	test_hostile();
	ret = check_done("test_verify");
	if (ret == 0 || getenv("KEEP") == NULL)
		nftw(tmproot, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}
