/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/secmem.c: the heap fallback before the arena exists,
 * the arena's pages locked and left out of core dumps, a full arena
 * falling back to the heap, and random allocations that must neither
 * overlap nor leak arena space.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "authd_err.h"
#include "check.h"
#include "secmem.h"

#define NBLOCKS		1024

/* The VmFlags of the mapping that holds `p`, from /proc/self/smaps. */
static int
vmflags_of(const void *p, char *out, size_t outsz)
{
	uintptr_t a = (uintptr_t)p, lo, hi;
	char line[512];
	int in = 0, found = 0;
	FILE *f;

	out[0] = '\0';
	if ((f = fopen("/proc/self/smaps", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			in = a >= lo && a < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, outsz, "%s", line + 8);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

static void
test_before_init(void)
{
	struct secmem_stats st;
	char *s;
	uint8_t *p;
	size_t i;

	secmem_get_stats(&st);
	CHECK_INT_EQ(st.state, SECMEM_HEAP);
	CHECK_U64_EQ(st.size, 0);
	CHECK_U64_EQ(st.used, 0);
	CHECK_STR_EQ(secmem_state_str(st.state), "heap");
	CHECK(secmem_alloc(0) == NULL);
	/* The heap, zeroed, and freed without complaint. */
	CHECK((p = secmem_alloc(100)) != NULL);
	if (p != NULL) {
		for (i = 0; i < 100 && p[i] == 0; i++)
			;
		CHECK_U64_EQ(i, 100);
		CHECK(!CRYPTO_secure_allocated(p));
	}
	secmem_free(p, 100);
	CHECK((s = secmem_strdup("hunter2")) != NULL);
	if (s != NULL)
		CHECK_STR_EQ(s, "hunter2");
	secmem_free_str(s);
	secmem_free(NULL, 10);
	secmem_free_str(NULL);
	secmem_get_stats(&st);
	CHECK_U64_EQ(st.overflows, 0);
}

static void
test_arena(void)
{
	struct secmem_stats st;
	char flags[512];
	void *p;
	int r;

	/* Rounded up to the 16 KiB minimum. */
	r = secmem_init(1);
	CHECK(r == 0 || r == AUTHD_ERR_PERM);
	secmem_get_stats(&st);
	CHECK_U64_EQ(st.size, 16384);
	CHECK_U64_EQ(st.used, 0);
	CHECK_INT_EQ(st.state, r == 0 ? SECMEM_LOCKED : SECMEM_UNLOCKED);
	CHECK_STR_EQ(secmem_state_str(st.state), r == 0 ? "locked" :
	    "not-locked");
	/* Once per process. */
	CHECK_ERR(secmem_init(16384), AUTHD_ERR_SYSTEM);

	CHECK((p = secmem_alloc(32)) != NULL);
	CHECK(CRYPTO_secure_allocated(p));
	secmem_get_stats(&st);
	CHECK(st.used >= 32);
	if (r == 0) {
		/* lo: locked (mlock); dd: left out of core dumps. */
		CHECK_OK(vmflags_of(p, flags, sizeof(flags)));
		CHECK_STR_HAS(flags, " lo");
		CHECK_STR_HAS(flags, " dd");
	} else
		printf("test_secmem: the arena is not locked here "
		    "(RLIMIT_MEMLOCK); lock flags not checked\n");
	secmem_free(p, 32);
	secmem_get_stats(&st);
	CHECK_U64_EQ(st.used, 0);
}

static void
test_full(void)
{
	static void *blk[NBLOCKS];
	struct secmem_stats st;
	void *extra, *p;
	size_t n, i;

	/* 64-byte blocks until one does not fit (16 KiB: at most 256). */
	for (n = 0; n < NBLOCKS; n++) {
		if ((blk[n] = secmem_alloc(64)) == NULL)
			break;
		memset(blk[n], 0xa5, 64);
		if (!CRYPTO_secure_allocated(blk[n]))
			break;
	}
	CHECK(n < NBLOCKS);
	CHECK(n >= 128);
	secmem_get_stats(&st);
	CHECK_U64_EQ(st.overflows, 1);
	/* The one that did not fit came from the heap, and works. */
	CHECK(n < NBLOCKS && blk[n] != NULL);
	extra = n < NBLOCKS ? blk[n] : NULL;
	/* The bound: the largest block still comes (from the heap). */
	CHECK(secmem_alloc(SECMEM_ALLOC_MAX + 1) == NULL);
	CHECK(secmem_alloc(SIZE_MAX) == NULL);
	CHECK((p = secmem_alloc(SECMEM_ALLOC_MAX)) != NULL);
	secmem_free(p, SECMEM_ALLOC_MAX);
	for (i = 0; i < n; i++)
		secmem_free(blk[i], 64);
	secmem_free(extra, 64);
	secmem_get_stats(&st);
	CHECK_U64_EQ(st.used, 0);
	CHECK_U64_EQ(st.overflows, 2);
}

/* Random sizes, random order: no overlap, and all the space comes back. */
static void
test_random(void)
{
	static uint8_t *blk[64];
	static size_t len[64];
	struct secmem_stats st;
	size_t i, k, round;

	check_rand_init();
	for (round = 0; round < 2000; round++) {
		i = (size_t)check_rand_n(64);
		if (blk[i] != NULL) {
			for (k = 0; k < len[i] && blk[i][k] == (uint8_t)i; k++)
				;
			CHECK_U64_EQ(k, len[i]);
			secmem_free(blk[i], len[i]);
			blk[i] = NULL;
			continue;
		}
		len[i] = 1 + (size_t)check_rand_n(300);
		if ((blk[i] = secmem_alloc(len[i])) != NULL)
			memset(blk[i], (int)i, len[i]);
		CHECK(blk[i] != NULL);
	}
	for (i = 0; i < 64; i++)
		secmem_free(blk[i], len[i]);
	secmem_get_stats(&st);
	CHECK_U64_EQ(st.used, 0);
}

int
main(void)
{
	struct secmem_stats st;

	test_before_init();
	test_arena();
	test_full();
	test_random();
	secmem_done();
	secmem_get_stats(&st);
	CHECK_INT_EQ(st.state, SECMEM_HEAP);
	CHECK_U64_EQ(st.size, 0);
	return check_done("test_secmem");
}
