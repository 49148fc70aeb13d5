/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/strmap.c: the string map the directory's group walks
 * keep their seen groups and reported users in.  Boundary cases (empty
 * map, empty and long keys, INT_MIN/INT_MAX values, the first growths),
 * then a random loop against a plain array searched linearly.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "check.h"
#include "strmap.h"

static void
test_hash(void)
{
	/* FNV-1a 64, its published test values. */
	CHECK_U64_EQ(strmap_hash(""), UINT64_C(0xcbf29ce484222325));
	CHECK_U64_EQ(strmap_hash("a"), UINT64_C(0xaf63dc4c8601ec8c));
	CHECK_U64_EQ(strmap_hash("foobar"), UINT64_C(0x85944171f73967e8));
	/* Bytes above 0x7f count as unsigned. */
	CHECK(strmap_hash("\xff") != strmap_hash("\x7f"));
}

static void
test_empty(void)
{
	struct strmap m;
	int v = 7;

	memset(&m, 0, sizeof(m));
	CHECK_INT_EQ(strmap_get(&m, "x", &v), 0);
	CHECK_INT_EQ(strmap_get(&m, "", NULL), 0);
	CHECK_INT_EQ(v, 7);
	CHECK_U64_EQ(m.n, 0);
	strmap_free(&m);
	strmap_free(&m);	/* twice: zeroed by the first */
	strmap_free(NULL);
	CHECK_U64_EQ(m.cap, 0);
}

static void
test_boundaries(void)
{
	struct strmap m;
	char *big;
	int v;

	memset(&m, 0, sizeof(m));
	CHECK_OK(strmap_put(&m, "", INT_MIN));
	CHECK_OK(strmap_put(&m, "max", INT_MAX));
	CHECK_OK(strmap_put(&m, "ma", 0));
	CHECK_OK(strmap_put(&m, "max ", -1));
	CHECK_U64_EQ(m.n, 4);
	CHECK_INT_EQ(strmap_get(&m, "", &v), 1);
	CHECK_INT_EQ(v, INT_MIN);
	CHECK_INT_EQ(strmap_get(&m, "max", &v), 1);
	CHECK_INT_EQ(v, INT_MAX);
	CHECK_INT_EQ(strmap_get(&m, "max ", &v), 1);
	CHECK_INT_EQ(v, -1);
	CHECK_INT_EQ(strmap_get(&m, "m", NULL), 0);
	CHECK_INT_EQ(strmap_get(&m, "MAX", NULL), 0);

	/* A key given twice is refused and changes nothing. */
	CHECK_ERR(strmap_put(&m, "max", 5), AUTHD_ERR_EXISTS);
	CHECK_ERR(strmap_put(&m, "", 5), AUTHD_ERR_EXISTS);
	CHECK_INT_EQ(strmap_get(&m, "max", &v), 1);
	CHECK_INT_EQ(v, INT_MAX);
	CHECK_U64_EQ(m.n, 4);

	/* A long key is copied whole; one byte shorter is another key. */
	if ((big = malloc(70000)) != NULL) {
		memset(big, 'k', 69999);
		big[69999] = '\0';
		CHECK_OK(strmap_put(&m, big, 42));
		big[69998] = '\0';
		CHECK_INT_EQ(strmap_get(&m, big, NULL), 0);
		big[69998] = 'k';
		/* The map keeps a copy of its own. */
		big[0] = 'x';
		CHECK_INT_EQ(strmap_get(&m, big, NULL), 0);
		big[0] = 'k';
		CHECK_INT_EQ(strmap_get(&m, big, &v), 1);
		CHECK_INT_EQ(v, 42);
		free(big);
	}
	strmap_free(&m);
	CHECK_U64_EQ(m.n, 0);
	CHECK(m.key == NULL && m.val == NULL);
}

/* Around the growths: 64 slots hold 32 keys, the 33rd doubles them. */
static void
test_growth(void)
{
	struct strmap m;
	char k[32];
	size_t cap;
	int i, j, v, bad;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < 1025; i++) {
		cap = m.cap;
		snprintf(k, sizeof(k), "cn=g%d,dc=example", i);
		CHECK_OK(strmap_put(&m, k, i));
		if (i == 0)
			CHECK_U64_EQ(m.cap, 64);
		else if (i == 32 || i == 64 || i == 512)
			CHECK_U64_EQ(m.cap, cap * 2);
		else if (i == 31 || i == 63 || i == 511)
			CHECK_U64_EQ(m.cap, cap);
		CHECK(m.n * 2 <= m.cap);
	}
	CHECK_U64_EQ(m.n, 1025);
	for (bad = 0, j = 0; j < 1025; j++) {
		snprintf(k, sizeof(k), "cn=g%d,dc=example", j);
		if (strmap_get(&m, k, &v) != 1 || v != j)
			bad++;
	}
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(strmap_get(&m, "cn=g1025,dc=example", NULL), 0);
	strmap_free(&m);
}

/* Every key rand_key makes: 1 + 3 + 9 + 27 + 81 + 243. */
#define REF_MAX		364

/* The reference: the same keys in an array, searched one by one. */
struct ref {
	char	key[REF_MAX][8];
	int	val[REF_MAX];
	size_t	n;
};

static int
ref_find(const struct ref *r, const char *k)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->key[i], k) == 0)
			return (int)i;
	return -1;
}

/*
 * A key of 0..5 bytes from a small alphabet (one byte above 0x7f), so
 * that the loop puts and asks for the same keys again and again.
 */
static void
rand_key(char *k)
{
	size_t len = (size_t)check_rand_n(6), i;

	for (i = 0; i < len; i++)
		k[i] = "ab\xe9"[check_rand_n(3)];
	k[len] = '\0';
}

static void
test_random(void)
{
	static struct ref ref;
	struct strmap m;
	char k[8];
	int round, op, v, at, r;

	check_rand_init();
	for (round = 0; round < 20; round++) {
		memset(&m, 0, sizeof(m));
		ref.n = 0;
		for (op = 0; op < 2000; op++) {
			rand_key(k);
			at = ref_find(&ref, k);
			if (check_rand_n(2) == 0) {
				v = (int)(uint32_t)check_rand();
				r = strmap_put(&m, k, v);
				if (at >= 0) {
					CHECK_ERR(r, AUTHD_ERR_EXISTS);
				} else {
					CHECK_OK(r);
					CHECK(ref.n < REF_MAX);
					if (ref.n < REF_MAX) {
						memcpy(ref.key[ref.n], k,
						    sizeof(k));
						ref.val[ref.n++] = v;
					}
				}
			} else {
				v = 12345;
				r = strmap_get(&m, k, &v);
				CHECK_INT_EQ(r, at >= 0);
				if (at >= 0)
					CHECK_INT_EQ(v, ref.val[at]);
			}
			CHECK_U64_EQ(m.n, ref.n);
		}
		strmap_free(&m);
	}
}

int
main(void)
{
	test_hash();
	test_empty();
	test_boundaries();
	test_growth();
	test_random();
	return check_done("test_strmap");
}
