/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for "authctl audit verify" over a crafted database:
 * the input is written as the database file, which verify_run (the
 * command's own entry point) opens and checks.  A file may come from
 * anyone, so whatever it holds, verify must return, within libFuzzer's
 * -timeout, with one of its three exit statuses, and without leaking.
 *
 * The public key is AUTHD_FUZZ_VERIFY_KEY (the key that signed the seeds
 * verify_seeds writes, so that their checkpoints verify), else a key
 * made for the run.  Verify's findings go to /dev/null; its errors to
 * stderr, which the ctest run closes (-close_fd_mask=2).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authctl.h"
#include "chain.h"
#include "log.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH_MAX_LEN	4096

static char	 dir[PATH_MAX_LEN];
static char	 db[PATH_MAX_LEN];
static char	 keypath[PATH_MAX_LEN];
static FILE	*null_out;

/* The files SQLite may make next to the database. */
static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

static void
cleanup(void)
{
	char p[PATH_MAX_LEN + 16];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", db, suffixes[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/audit.key", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/audit.key.pub", dir);
	unlink(p);
	rmdir(dir);
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *key = getenv("AUTHD_FUZZ_VERIFY_KEY");
	struct chain_key *k;

	log_init("fuzz_verify", 1, 0);
	if (getenv("AUTHD_FUZZ_VERBOSE") == NULL)
		log_set_level(LOG_CRIT);
	snprintf(dir, sizeof(dir), "%s/fuzz_verify.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : P_tmpdir);
	if (mkdtemp(dir) == NULL || (null_out = fopen("/dev/null", "w")) ==
	    NULL)
		abort();
	snprintf(db, sizeof(db), "%s/authd.db", dir);
	atexit(cleanup);
	if (key != NULL && *key != '\0') {
		snprintf(keypath, sizeof(keypath), "%s", key);
		return;
	}
	snprintf(keypath, sizeof(keypath), "%s/audit.key", dir);
	if (chain_key_open(keypath, &k) != 0)
		abort();
	chain_key_free(k);
	snprintf(keypath, sizeof(keypath), "%s/audit.key.pub", dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_opts o;
	char p[PATH_MAX_LEN + 16];
	size_t i;
	FILE *f;
	int r;

	if (null_out == NULL)
		setup();
	/* A fresh file, and nothing left of the last one's WAL. */
	for (i = 1; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", db, suffixes[i]);
		unlink(p);
	}
	if ((f = fopen(db, "w")) == NULL ||
	    (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	memset(&o, 0, sizeof(o));
	o.db_path = db;
	o.key_path = keypath;
	o.out = null_out;
	r = verify_run(&o);
	if (r != AUTHCTL_EXIT_OK && r != AUTHCTL_EXIT_DENIED &&
	    r != AUTHCTL_EXIT_FAIL)
		abort();
	return 0;
}
