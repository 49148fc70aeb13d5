/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the key keeper's one parser (authd/keeper_msg.c):
 * the input is one request record as the keeper receives it, answered by
 * keeper_answer with real keys made for the run.  Whatever arrives, the
 * keeper must answer with a reply of the set, within KEEPER_MSG_MAX
 * bytes, never read outside the record, never leak, and never put more
 * than a new token's sealed seed and URI into a reply.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authd_err.h"
#include "keeper_msg.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH_MAX_LEN	4096

static char			 dir[PATH_MAX_LEN];
static char			 seal_path[PATH_MAX_LEN];
static char			 sign_path[PATH_MAX_LEN];
static struct keeper_keys	 keys;
static int			 ready;

static void
cleanup(void)
{
	char p[PATH_MAX_LEN + 16];

	keeper_keys_close(&keys);
	unlink(seal_path);
	unlink(sign_path);
	snprintf(p, sizeof(p), "%s.pub", sign_path);
	unlink(p);
	rmdir(dir);
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	log_init("fuzz_keeper", 1, 0);
	if (getenv("AUTHD_FUZZ_VERBOSE") == NULL)
		log_set_level(LOG_CRIT);
	snprintf(dir, sizeof(dir), "%s/fuzz_keeper.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : P_tmpdir);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(seal_path, sizeof(seal_path), "%s/seal.key", dir);
	snprintf(sign_path, sizeof(sign_path), "%s/audit.key", dir);
	if (keeper_keys_open(&keys, seal_path, sign_path, "Exempel kommun",
	    "fuzz-node", 1) != 0)
		abort();
	atexit(cleanup);
	ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[KEEPER_MSG_MAX];
	enum keeper_status st;
	size_t outlen = 0;

	if (!ready)
		setup();
	/* A fixed clock: the same input gives the same answer. */
	st = keeper_answer(&keys, data, size, (time_t)1700000000, out,
	    &outlen);
	if (outlen < 2 || outlen > KEEPER_MSG_MAX || out[1] != (uint8_t)st ||
	    st > KEEPER_S_REFUSED)
		abort();
	/* A reply echoes the request's type, or 0 for one not understood. */
	if (out[0] != 0 && (size == 0 || out[0] != data[0]))
		abort();
	/* Only OK and NOMATCH carry a body; nothing else says anything. */
	if (st != KEEPER_S_OK && st != KEEPER_S_NOMATCH && outlen != 2)
		abort();
	if (st == KEEPER_S_NOMATCH && outlen != 2)
		abort();
	/* Past the maximum the record is refused, whatever it held. */
	if (size > KEEPER_MSG_MAX && (st != KEEPER_S_REFUSED || out[0] != 0))
		abort();
	return 0;
}
