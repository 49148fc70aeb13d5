/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_STRMAP_H
#define AUTHD_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * A map from strings to ints, open addressing with linear probing, for
 * sets and indices whose size is not known in advance.  The map owns
 * copies of its keys.  A zeroed struct strmap is an empty map; `n` is the
 * number of keys and may be read, the rest is the map's own.  Keys are
 * never removed: the map is built, read, then freed whole.
 *
 * SECURITY NOTE: the hash is unkeyed (strmap_hash), so whoever chooses
 * the keys can make them collide; a collision costs a strcmp, never a
 * wrong answer.  Callers that fill a map from outside input bound the
 * number of keys themselves.
 */
struct strmap {
	char		**key;
	int		 *val;
	size_t		  cap;		/* 0 or a power of 2 */
	size_t		  n;
};

/* FNV-1a (64 bits) of the NUL-terminated string `s`. */
uint64_t strmap_hash(const char *s);

/*
 * Returns 1 and sets *val (when `val` is not NULL) if `k` is in the map,
 * else 0.  Accepts an empty map.
 */
int strmap_get(const struct strmap *m, const char *k, int *val);

/*
 * Adds a copy of `k` with the value `val`.  Returns 0, AUTHD_ERR_EXISTS
 * (`k` is in the map already; the map is unchanged) or AUTHD_ERR_NOMEM
 * (the map is unchanged and still usable).
 */
int strmap_put(struct strmap *m, const char *k, int val);

/* Frees the keys and the map's arrays and zeroes `m`; accepts NULL. */
void strmap_free(struct strmap *m);

#endif
