/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "buf.h"
#include "util.h"

struct buf *
buf_new(size_t max)
{
	struct buf *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (b->cap != 0)
		secure_free(b->d, b->cap);
	free(b);
}

void
buf_reset(struct buf *b)
{
	if (b->cap != 0)
		explicit_bzero(b->d, b->cap);
	b->len = b->off = 0;
}

void
buf_view(struct buf *b, const void *p, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->d = (uint8_t *)(uintptr_t)p;
	b->len = b->max = len;
}

size_t
buf_avail(const struct buf *b)
{
	return b->len - b->off;
}

const uint8_t *
buf_ptr(const struct buf *b)
{
	return b->d != NULL ? b->d + b->off : NULL;
}

int
buf_reserve(struct buf *b, size_t len, uint8_t **out)
{
	size_t ncap;
	uint8_t *n;

	*out = NULL;
	if (len > b->max || b->len > b->max - len)
		return AUTHD_ERR_TOO_LARGE;
	if (len == 0)
		return 0;	/* nothing to reserve; *out stays NULL */
	if (b->len + len > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + len && ncap <= b->max / 2)
			ncap *= 2;
		if (ncap < b->len + len)
			ncap = b->len + len;
		if (ncap > b->max)
			ncap = b->max;
		/* SECURITY NOTE: no realloc, so old contents are wiped, not leaked. */
		if ((n = malloc(ncap)) == NULL)
			return AUTHD_ERR_NOMEM;
		if (b->len)
			memcpy(n, b->d, b->len);
		if (b->cap)
			secure_free(b->d, b->cap);
		b->d = n;
		b->cap = ncap;
	}
	*out = b->d + b->len;
	b->len += len;
	return 0;
}

int
buf_put(struct buf *b, const void *p, size_t len)
{
	uint8_t *dst;
	int r;

	if ((r = buf_reserve(b, len, &dst)) != 0)
		return r;
	if (len)
		memcpy(dst, p, len);
	return 0;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

int
buf_put_u16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { v >> 8, v };

	return buf_put(b, x, sizeof(x));
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	return buf_put(b, x, sizeof(x));
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	uint8_t x[8];
	int i;

	/* One append: a value that does not fit leaves nothing behind. */
	for (i = 7; i >= 0; i--, v >>= 8)
		x[i] = (uint8_t)v;
	return buf_put(b, x, sizeof(x));
}

int
buf_get_ptr(struct buf *b, size_t len, const uint8_t **out)
{
	if (out != NULL)
		*out = NULL;
	if (len > buf_avail(b))
		return AUTHD_ERR_TRUNCATED;
	if (out != NULL)
		*out = b->d != NULL ? b->d + b->off : NULL;
	b->off += len;
	return 0;
}

int
buf_get(struct buf *b, void *out, size_t len)
{
	const uint8_t *p;
	int r;

	if ((r = buf_get_ptr(b, len, &p)) != 0)
		return r;
	if (out != NULL && len)
		memcpy(out, p, len);
	return 0;
}

int
buf_get_u8(struct buf *b, uint8_t *out)
{
	return buf_get(b, out, 1);
}

int
buf_get_u16(struct buf *b, uint16_t *out)
{
	const uint8_t *p;
	int r;

	if ((r = buf_get_ptr(b, 2, &p)) != 0)
		return r;
	if (out != NULL)
		*out = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int
buf_get_u32(struct buf *b, uint32_t *out)
{
	const uint8_t *p;
	int r;

	if ((r = buf_get_ptr(b, 4, &p)) != 0)
		return r;
	if (out != NULL)
		*out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
buf_get_u64(struct buf *b, uint64_t *out)
{
	uint32_t hi, lo;
	int r;

	if (buf_avail(b) < 8)
		return AUTHD_ERR_TRUNCATED;
	if ((r = buf_get_u32(b, &hi)) != 0 || (r = buf_get_u32(b, &lo)) != 0)
		return r;
	if (out != NULL)
		*out = (uint64_t)hi << 32 | lo;
	return 0;
}
