/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_TEST_CHECK_H
#define AUTHD_TEST_CHECK_H

/*
 * Minimal assertions for the unit tests.  A failing CHECK prints
 * "file:line: expression" (with both values where it knows them) and the
 * test carries on, so one run shows every failure; check_done() then makes
 * the program exit 1.  Each test is one translation unit, so the state
 * below is per program.
 *
 * Random loops use check_rand(), a small deterministic generator: the seed
 * is fixed (AUTHD_TEST_SEED in the environment overrides it) and printed
 * with the failures, so any failing run can be repeated exactly.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"

#define CHECK_DEFAULT_SEED	0x5eed0a17d0c0ffeeULL
#define CHECK_PRINT_MAX		100	/* failures printed in full */

static unsigned long	check_nrun;
static unsigned long	check_nfail;
static uint64_t		check_seed = CHECK_DEFAULT_SEED;
static uint64_t		check_rstate = CHECK_DEFAULT_SEED;
static int		check_seeded;

/* Records one failed check; prints it unless too many were printed. */
static inline int
check_fail_begin(const char *file, int line, const char *what)
{
	check_nfail++;
	if (check_nfail > CHECK_PRINT_MAX)
		return 0;
	fprintf(stderr, "%s:%d: FAIL: %s", file, line, what);
	if (check_seeded)
		fprintf(stderr, " [seed 0x%016" PRIx64 "]", check_seed);
	return 1;
}

#define CHECK(e) do {							\
	check_nrun++;							\
	if (!(e) && check_fail_begin(__FILE__, __LINE__, #e))		\
		fputc('\n', stderr);					\
} while (0)

/* Signed integers, compared as long long. */
#define CHECK_INT_EQ(a, b) do {						\
	long long check_a_ = (long long)(a), check_b_ = (long long)(b);	\
	check_nrun++;							\
	if (check_a_ != check_b_ &&					\
	    check_fail_begin(__FILE__, __LINE__, #a " == " #b))		\
		fprintf(stderr, " (%lld != %lld)\n", check_a_, check_b_); \
} while (0)

/* Unsigned integers, compared as uint64_t. */
#define CHECK_U64_EQ(a, b) do {						\
	uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);	\
	check_nrun++;							\
	if (check_a_ != check_b_ &&					\
	    check_fail_begin(__FILE__, __LINE__, #a " == " #b))		\
		fprintf(stderr, " (0x%" PRIx64 " != 0x%" PRIx64 ")\n",	\
		    check_a_, check_b_);				\
} while (0)

/* An authd_err result; prints both codes with their descriptions. */
#define CHECK_ERR(expr, want) do {					\
	int check_g_ = (expr), check_w_ = (want);			\
	check_nrun++;							\
	if (check_g_ != check_w_ &&					\
	    check_fail_begin(__FILE__, __LINE__, #expr " == " #want))	\
		fprintf(stderr, " (got %d \"%s\", want %d \"%s\")\n",	\
		    check_g_, authd_strerror(check_g_), check_w_,	\
		    authd_strerror(check_w_));				\
} while (0)

#define CHECK_OK(expr)	CHECK_ERR(expr, AUTHD_OK)

/* NUL-terminated strings; NULL compares equal only to NULL. */
#define CHECK_STR_EQ(a, b) do {						\
	const char *check_a_ = (a), *check_b_ = (b);			\
	check_nrun++;							\
	if (!(check_a_ == check_b_ || (check_a_ != NULL &&		\
	    check_b_ != NULL && strcmp(check_a_, check_b_) == 0)) &&	\
	    check_fail_begin(__FILE__, __LINE__, #a " == " #b))		\
		fprintf(stderr, " (\"%s\" != \"%s\")\n",		\
		    check_a_ ? check_a_ : "(null)",			\
		    check_b_ ? check_b_ : "(null)");			\
} while (0)

/* `needle` occurs in `hay`. */
#define CHECK_STR_HAS(hay, needle) do {					\
	const char *check_h_ = (hay), *check_n_ = (needle);		\
	check_nrun++;							\
	if ((check_h_ == NULL || strstr(check_h_, check_n_) == NULL) &&	\
	    check_fail_begin(__FILE__, __LINE__,			\
	    #hay " contains " #needle))					\
		fprintf(stderr, " (\"%s\" not in \"%s\")\n", check_n_,	\
		    check_h_ ? check_h_ : "(null)");			\
} while (0)

#define CHECK_MEM_EQ(a, b, n) do {					\
	check_nrun++;							\
	if (memcmp((a), (b), (n)) != 0 &&				\
	    check_fail_begin(__FILE__, __LINE__,			\
	    "memcmp(" #a ", " #b ", " #n ") == 0"))			\
		fputc('\n', stderr);					\
} while (0)

/* Seeds check_rand(): AUTHD_TEST_SEED if set, else the fixed default. */
static inline void
check_rand_init(void)
{
	const char *s = getenv("AUTHD_TEST_SEED");

	if (s != NULL && *s != '\0')
		check_seed = strtoull(s, NULL, 0);
	check_rstate = check_seed;
	check_seeded = 1;
}

/* splitmix64: small, fast and the same on every platform. */
static inline uint64_t
check_rand(void)
{
	uint64_t z = (check_rstate += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n); n > 0. */
static inline uint64_t
check_rand_n(uint64_t n)
{
	return check_rand() % n;
}

/* Prints a summary; returns the exit status for main(). */
static inline int
check_done(const char *name)
{
	if (check_nfail != 0) {
		fprintf(stderr, "%s: %lu of %lu checks FAILED", name,
		    check_nfail, check_nrun);
		if (check_seeded)
			fprintf(stderr, " (AUTHD_TEST_SEED=0x%016" PRIx64 ")",
			    check_seed);
		fputc('\n', stderr);
		return 1;
	}
	printf("%s: %lu checks passed\n", name, check_nrun);
	return 0;
}

#endif
