/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The limits on proofs of identity (authd/proof.c): per uid, per named
 * user, root's exemption, the window, the doubling block.
 */
#include <stdio.h>

#include "check.h"
#include "proof.h"

#define T0	INT64_C(1000000000)

/* Fails `n` proofs of `uid` for `user` at `now`. */
static void
fails(uid_t uid, const char *user, int n, int64_t now)
{
	int i;

	for (i = 0; i < n; i++)
		proof_done(uid, user, 0, now);
}

static void
test_uid(void)
{
	int64_t w;

	proof_reset();
	fails(1001, "anna", PROOF_UID_FAILS - 1, T0);
	CHECK_INT_EQ(proof_admit(1001, "anna", T0), 0);
	fails(1001, "bertil", 1, T0);
	/* The uid's failures count whoever they named. */
	w = proof_admit(1001, "cecilia", T0);
	CHECK(w == PROOF_BLOCK_MS);
	/* Another uid, and the named users, are not held by it. */
	CHECK_INT_EQ(proof_admit(1002, "anna", T0), 0);
	/* The block ends; the next one in a row is twice as long. */
	CHECK_INT_EQ(proof_admit(1001, "anna", T0 + PROOF_BLOCK_MS), 0);
	fails(1001, "x", PROOF_UID_FAILS, T0 + PROOF_BLOCK_MS);
	CHECK(proof_admit(1001, "anna", T0 + PROOF_BLOCK_MS) ==
	    2 * PROOF_BLOCK_MS);
	/* Successes forgive nothing. */
	proof_done(1001, "self", 1, T0 + PROOF_BLOCK_MS);
	CHECK(proof_admit(1001, "anna", T0 + PROOF_BLOCK_MS) > 0);
}

static void
test_user(void)
{
	int i;

	proof_reset();
	/* Many uids, one name: the name is held, nobody's uid is. */
	for (i = 0; i < PROOF_USER_FAILS; i++)
		proof_done((uid_t)(2000 + i), "anna", 0, T0);
	CHECK(proof_admit(3000, "anna", T0) == PROOF_BLOCK_MS);
	CHECK(proof_admit(0, "anna", T0) == PROOF_BLOCK_MS);
	CHECK_INT_EQ(proof_admit(3000, "bertil", T0), 0);
	CHECK_INT_EQ(proof_admit(2000, "bertil", T0), 0);
}

static void
test_root_and_window(void)
{
	proof_reset();
	/* Root is not limited per uid. */
	fails(0, "a", 1, T0);
	fails(0, "b", 1, T0);
	fails(0, "c", 1, T0);
	fails(0, "d", 1, T0);
	fails(0, "e", 1, T0);
	fails(0, "f", 1, T0);
	CHECK_INT_EQ(proof_admit(0, "g", T0), 0);
	/* Failures older than the window no longer count. */
	fails(1001, "a", PROOF_UID_FAILS - 1, T0);
	fails(1001, "a", 1, T0 + PROOF_WINDOW_MS);
	CHECK_INT_EQ(proof_admit(1001, "a", T0 + PROOF_WINDOW_MS), 0);
	/* The block is capped. */
	proof_reset();
	{
		int64_t now = T0;
		int i;

		for (i = 0; i < 20; i++) {
			fails(1001, "z", PROOF_UID_FAILS, now);
			CHECK(proof_admit(1001, "y", now) <= PROOF_BLOCK_MAX_MS);
			now += proof_admit(1001, "y", now);
		}
		CHECK(proof_admit(1001, "y", now) == 0);
	}
}

int
main(void)
{
	test_uid();
	test_user();
	test_root_and_window();
	return check_done("test_proof");
}
