/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verify_seeds SEEDDIR WORKDIR: writes fuzz_verify's seed corpus, made at
 * test time rather than committed as binary files.  A trail is generated
 * in WORKDIR (admin/tests/trail.c; its key, WORKDIR/audit.key.pub, is the
 * one fuzz_verify is given), then each seed is a database image of it:
 *
 *   trail     a clean trail with checkpoints
 *   tampered  a record changed, two swapped, one deleted
 *   pruned    pruned, with its base and the checkpoint at the cut
 *   view      audit as a view over an endless recursive query
 *   vtab      audit as a virtual table (if SQLite has fts4)
 *
 * The images use 512-byte pages and a rollback journal, so that they are
 * small and single files.  Exit status 0, or 1 after saying why.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "trail.h"

#define SEED_PATH_MAX	4096

static const char *seeddir;

/* Writes the database image of `t` to SEEDDIR/name. */
static int
seed_write(struct trail *t, const char *name)
{
	char path[SEED_PATH_MAX];
	unsigned char *img;
	sqlite3_int64 len = 0;
	FILE *f;
	int ok;

	if ((img = sqlite3_serialize(t->db, "main", &len, 0)) == NULL) {
		fprintf(stderr, "verify_seeds: %s: cannot serialize\n", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", seeddir, name);
	ok = (f = fopen(path, "w")) != NULL &&
	    fwrite(img, 1, (size_t)len, f) == (size_t)len;
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	sqlite3_free(img);
	if (!ok)
		perror(path);
	return ok ? 0 : -1;
}

/* A fresh trail of `n` records in `dir`, in small pages, no WAL. */
static struct trail *
seed_trail(const char *dir, int n)
{
	static const char *const old[] = { "", "-wal", "-shm", "-journal" };
	char path[SEED_PATH_MAX];
	struct trail *t;
	size_t i;

	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		snprintf(path, sizeof(path), "%s/authd.db%s", dir, old[i]);
		unlink(path);
	}
	if (trail_create(dir, &t) != 0)
		return NULL;
	if (trail_fill(t, n, 4) != 0 || trail_exec(t, "PRAGMA journal_mode = "
	    "DELETE; PRAGMA page_size = 512; VACUUM") != 0) {
		trail_close(t);
		return NULL;
	}
	return t;
}

int
main(int argc, char **argv)
{
	struct trail *t = NULL;
	int ret = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: verify_seeds SEEDDIR WORKDIR\n");
		return 2;
	}
	seeddir = argv[1];
	if (mkdir(argv[2], 0700) != 0 && errno != EEXIST) {
		perror(argv[2]);
		return 1;
	}
	if ((t = seed_trail(argv[2], 12)) == NULL ||
	    seed_write(t, "trail") != 0)
		goto out;
	if (trail_exec(t, "UPDATE audit SET detail = 'x' WHERE seq = 3;"
	    "UPDATE audit SET seq = -1 WHERE seq = 6;"
	    "UPDATE audit SET seq = 6 WHERE seq = 7;"
	    "UPDATE audit SET seq = 7 WHERE seq = -1;"
	    "DELETE FROM audit WHERE seq = 10") != 0 ||
	    seed_write(t, "tampered") != 0)
		goto out;
	trail_close(t);
	if ((t = seed_trail(argv[2], 12)) == NULL || trail_prune(t, 5) != 0 ||
	    seed_write(t, "pruned") != 0)
		goto out;
	if (trail_exec(t, "ALTER TABLE audit RENAME TO audit_old;"
	    "CREATE VIEW audit AS " TRAIL_ENDLESS_AUDIT) != 0 ||
	    seed_write(t, "view") != 0)
		goto out;
	/* Not every SQLite has fts4: then there is no such seed. */
	if (sqlite3_exec(t->db, "DROP VIEW audit; CREATE VIRTUAL TABLE audit "
	    "USING fts4(" TRAIL_COLUMNS "); INSERT INTO audit (" TRAIL_COLUMNS
	    ") SELECT " TRAIL_COLUMNS " FROM audit_old", NULL, NULL, NULL) ==
	    SQLITE_OK && seed_write(t, "vtab") != 0)
		goto out;
	ret = 0;
 out:
	trail_close(t);
	return ret;
}
