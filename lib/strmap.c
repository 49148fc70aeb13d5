/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "strmap.h"

/* The table starts at this many slots and is at most half full. */
#define STRMAP_CAP_MIN	64

uint64_t
strmap_hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* Where `k` is, or the empty slot where it would go; m->cap > 0. */
static size_t
strmap_slot(const struct strmap *m, const char *k)
{
	size_t i = (size_t)strmap_hash(k) & (m->cap - 1);

	/* At most half full: an empty slot ends every probe. */
	while (m->key[i] != NULL && strcmp(m->key[i], k) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int
strmap_get(const struct strmap *m, const char *k, int *val)
{
	size_t i;

	if (m->cap == 0)
		return 0;
	i = strmap_slot(m, k);
	if (m->key[i] == NULL)
		return 0;
	if (val != NULL)
		*val = m->val[i];
	return 1;
}

/* Doubles the table (or makes the first one), moving the keys over. */
static int
strmap_grow(struct strmap *m)
{
	struct strmap nm;
	size_t i, j;

	if (m->cap > SIZE_MAX / 2 / sizeof(*nm.key))
		return AUTHD_ERR_NOMEM;
	nm.cap = m->cap == 0 ? STRMAP_CAP_MIN : m->cap * 2;
	nm.n = m->n;
	nm.val = NULL;
	if ((nm.key = calloc(nm.cap, sizeof(*nm.key))) == NULL ||
	    (nm.val = calloc(nm.cap, sizeof(*nm.val))) == NULL) {
		free(nm.key);
		return AUTHD_ERR_NOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (m->key[i] == NULL)
			continue;
		j = strmap_slot(&nm, m->key[i]);
		nm.key[j] = m->key[i];
		nm.val[j] = m->val[i];
	}
	free(m->key);
	free(m->val);
	*m = nm;
	return 0;
}

int
strmap_put(struct strmap *m, const char *k, int val)
{
	size_t i;
	int r;

	if (strmap_get(m, k, NULL))
		return AUTHD_ERR_EXISTS;
	if ((m->n + 1) * 2 > m->cap && (r = strmap_grow(m)) != 0)
		return r;
	i = strmap_slot(m, k);
	if ((m->key[i] = strdup(k)) == NULL)
		return AUTHD_ERR_NOMEM;
	m->val[i] = val;
	m->n++;
	return 0;
}

void
strmap_free(struct strmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		free(m->key[i]);
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}
