/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/buf.c: big-endian round trips at edge values, the
 * hard size limit, reads past the end, growth, reset and read-only views.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "authd_err.h"
#include "buf.h"
#include "check.h"

static void
test_roundtrip_edges(void)
{
	static const uint8_t v8[] = { 0, 1, 0x7f, 0x80, 0xfe, 0xff };
	static const uint16_t v16[] = { 0, 1, 0xff, 0x100, 0x7fff, 0x8000,
	    0xfffe, 0xffff };
	static const uint32_t v32[] = { 0, 1, 0xffff, 0x10000, INT32_MAX,
	    (uint32_t)INT32_MAX + 1, UINT32_MAX - 1, UINT32_MAX };
	static const uint64_t v64[] = { 0, 1, UINT32_MAX,
	    (uint64_t)UINT32_MAX + 1, INT64_MAX, (uint64_t)INT64_MAX + 1,
	    UINT64_MAX - 1, UINT64_MAX };
	struct buf *b;
	uint8_t x8;
	uint16_t x16;
	uint32_t x32;
	uint64_t x64;
	size_t i, want;

	CHECK((b = buf_new(1024)) != NULL);
	if (b == NULL)
		return;
	for (i = 0; i < sizeof(v8) / sizeof(v8[0]); i++)
		CHECK_OK(buf_put_u8(b, v8[i]));
	for (i = 0; i < sizeof(v16) / sizeof(v16[0]); i++)
		CHECK_OK(buf_put_u16(b, v16[i]));
	for (i = 0; i < sizeof(v32) / sizeof(v32[0]); i++)
		CHECK_OK(buf_put_u32(b, v32[i]));
	for (i = 0; i < sizeof(v64) / sizeof(v64[0]); i++)
		CHECK_OK(buf_put_u64(b, v64[i]));
	want = sizeof(v8) + sizeof(v16) + sizeof(v32) + sizeof(v64);
	CHECK_U64_EQ(b->len, want);
	CHECK_U64_EQ(buf_avail(b), want);

	for (i = 0; i < sizeof(v8) / sizeof(v8[0]); i++) {
		x8 = 0x55;
		CHECK_OK(buf_get_u8(b, &x8));
		CHECK_U64_EQ(x8, v8[i]);
	}
	for (i = 0; i < sizeof(v16) / sizeof(v16[0]); i++) {
		x16 = 0x5555;
		CHECK_OK(buf_get_u16(b, &x16));
		CHECK_U64_EQ(x16, v16[i]);
	}
	for (i = 0; i < sizeof(v32) / sizeof(v32[0]); i++) {
		x32 = 0x55555555;
		CHECK_OK(buf_get_u32(b, &x32));
		CHECK_U64_EQ(x32, v32[i]);
	}
	for (i = 0; i < sizeof(v64) / sizeof(v64[0]); i++) {
		x64 = 0x5555555555555555ULL;
		CHECK_OK(buf_get_u64(b, &x64));
		CHECK_U64_EQ(x64, v64[i]);
	}
	CHECK_U64_EQ(buf_avail(b), 0);
	CHECK_U64_EQ(b->off, want);
	buf_free(b);
}

/* The wire format is big-endian; check the bytes, not just round trips. */
static void
test_byte_order(void)
{
	static const uint8_t want[] = {
		0xa5,
		0x01, 0x02,
		0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	struct buf *b;

	CHECK((b = buf_new(sizeof(want))) != NULL);
	if (b == NULL)
		return;
	CHECK_OK(buf_put_u8(b, 0xa5));
	CHECK_OK(buf_put_u16(b, 0x0102));
	CHECK_OK(buf_put_u32(b, 0x01020304));
	CHECK_OK(buf_put_u64(b, 0x0102030405060708ULL));
	CHECK_U64_EQ(b->len, sizeof(want));
	if (b->len == sizeof(want))
		CHECK_MEM_EQ(b->d, want, sizeof(want));
	buf_free(b);
}

/* Every short read fails with TRUNCATED and consumes nothing. */
static void
test_read_past_end(void)
{
	static const uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t *p;
	struct buf v;
	uint8_t x8, out[9];
	uint16_t x16;
	uint32_t x32;
	uint64_t x64;
	size_t n;

	for (n = 0; n <= sizeof(data); n++) {
		buf_view(&v, data, n);
		if (n < 1)
			CHECK_ERR(buf_get_u8(&v, &x8), AUTHD_ERR_TRUNCATED);
		if (n < 2)
			CHECK_ERR(buf_get_u16(&v, &x16), AUTHD_ERR_TRUNCATED);
		if (n < 4)
			CHECK_ERR(buf_get_u32(&v, &x32), AUTHD_ERR_TRUNCATED);
		if (n < 8)
			CHECK_ERR(buf_get_u64(&v, &x64), AUTHD_ERR_TRUNCATED);
		CHECK_ERR(buf_get(&v, out, n + 1), AUTHD_ERR_TRUNCATED);
		p = data;
		CHECK_ERR(buf_get_ptr(&v, n + 1, &p), AUTHD_ERR_TRUNCATED);
		CHECK(p == NULL);
		CHECK_ERR(buf_get_ptr(&v, SIZE_MAX, NULL),
		    AUTHD_ERR_TRUNCATED);
		/* Failed reads leave the offset alone. */
		CHECK_U64_EQ(v.off, 0);
		CHECK_U64_EQ(buf_avail(&v), n);
		/* Exactly what is there can still be read. */
		CHECK_OK(buf_get(&v, out, n));
		if (n > 0)
			CHECK_MEM_EQ(out, data, n);
		CHECK_U64_EQ(buf_avail(&v), 0);
		CHECK_ERR(buf_get_u8(&v, NULL), AUTHD_ERR_TRUNCATED);
		CHECK_U64_EQ(v.off, n);
	}

	/* A partly consumed buffer: 5 left, a u64 must not eat 4 of them. */
	buf_view(&v, data, sizeof(data));
	CHECK_OK(buf_get(&v, NULL, 3));
	CHECK_ERR(buf_get_u64(&v, &x64), AUTHD_ERR_TRUNCATED);
	CHECK_U64_EQ(v.off, 3);
	CHECK_OK(buf_get_u32(&v, &x32));
	CHECK_U64_EQ(x32, 0x04050607);
	CHECK_ERR(buf_get_u16(&v, &x16), AUTHD_ERR_TRUNCATED);
	CHECK_U64_EQ(v.off, 7);
	CHECK_OK(buf_get_u8(&v, &x8));
	CHECK_U64_EQ(x8, 8);
}

/* Writes exactly at `max` succeed; one byte more fails and changes nothing. */
static void
test_max(void)
{
	static const size_t maxes[] = { 1, 2, 7, 8, 255, 256, 257, 4096 };
	uint8_t *p, chunk[4096];
	struct buf *b;
	size_t i, m;

	memset(chunk, 0xab, sizeof(chunk));
	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		m = maxes[i];
		CHECK((b = buf_new(m)) != NULL);
		if (b == NULL)
			return;
		CHECK_ERR(buf_put(b, chunk, m + 1), AUTHD_ERR_TOO_LARGE);
		CHECK_U64_EQ(b->len, 0);
		CHECK_OK(buf_put(b, chunk, m));
		CHECK_U64_EQ(b->len, m);
		CHECK(b->cap <= m);
		CHECK_ERR(buf_put_u8(b, 1), AUTHD_ERR_TOO_LARGE);
		CHECK_ERR(buf_put(b, chunk, SIZE_MAX), AUTHD_ERR_TOO_LARGE);
		p = chunk;
		CHECK_ERR(buf_reserve(b, 1, &p), AUTHD_ERR_TOO_LARGE);
		CHECK(p == NULL);
		/* A zero-length write at the limit is still fine. */
		CHECK_OK(buf_put(b, chunk, 0));
		CHECK_U64_EQ(b->len, m);
		buf_free(b);
	}

	/* Each fixed-width writer, one byte short of room. */
	CHECK((b = buf_new(1)) != NULL);
	if (b == NULL)
		return;
	CHECK_ERR(buf_put_u16(b, 1), AUTHD_ERR_TOO_LARGE);
	CHECK_OK(buf_put_u8(b, 1));
	CHECK_ERR(buf_put_u8(b, 1), AUTHD_ERR_TOO_LARGE);
	CHECK_U64_EQ(b->len, 1);
	buf_free(b);

	CHECK((b = buf_new(3)) != NULL);
	if (b == NULL)
		return;
	CHECK_ERR(buf_put_u32(b, 1), AUTHD_ERR_TOO_LARGE);
	CHECK_U64_EQ(b->len, 0);
	buf_free(b);
}

/*
 * A failed append must not leave part of a value behind: callers that
 * handle TOO_LARGE and carry on would otherwise emit a corrupt stream.
 */
static void
test_put_u64_atomic(void)
{
	static const size_t room[] = { 0, 1, 4, 5, 7 };
	struct buf *b;
	size_t i;

	for (i = 0; i < sizeof(room) / sizeof(room[0]); i++) {
		CHECK((b = buf_new(room[i])) != NULL);
		if (b == NULL)
			return;
		CHECK_ERR(buf_put_u64(b, UINT64_MAX), AUTHD_ERR_TOO_LARGE);
		CHECK_U64_EQ(b->len, 0);
		buf_free(b);
	}
}

/* A buffer limited to 0 bytes accepts exactly nothing. */
static void
test_max_zero(void)
{
	struct buf *b;

	CHECK((b = buf_new(0)) != NULL);
	if (b == NULL)
		return;
	CHECK_U64_EQ(buf_avail(b), 0);
	CHECK_ERR(buf_put_u8(b, 0), AUTHD_ERR_TOO_LARGE);
	CHECK_ERR(buf_get_u8(b, NULL), AUTHD_ERR_TRUNCATED);
	CHECK_OK(buf_put(b, "", 0));
	CHECK_U64_EQ(b->len, 0);
	/* Zero-length reads of a buffer that never allocated. */
	CHECK_OK(buf_get(b, NULL, 0));
	CHECK_OK(buf_get_ptr(b, 0, NULL));
	CHECK_U64_EQ(b->off, 0);
	buf_free(b);
}

/* Growth past the initial allocation keeps every byte, in order. */
static void
test_growth(void)
{
	struct buf *b;
	size_t i, n = 5000, cap_seen = 0, grew = 0;
	uint8_t x;
	int ok = 1;

	CHECK((b = buf_new(n)) != NULL);
	if (b == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (buf_put_u8(b, (uint8_t)(i * 7 + 3)) != 0) {
			ok = 0;
			break;
		}
		if (b->cap != cap_seen) {
			grew++;
			cap_seen = b->cap;
		}
		if (b->cap < b->len || b->cap > b->max)
			ok = 0;
	}
	CHECK(ok);
	CHECK(grew >= 3);	/* crossed the first allocation several times */
	CHECK_U64_EQ(b->len, n);
	CHECK_U64_EQ(b->cap, n);	/* the last growth is capped at max */
	for (i = 0; i < n && ok; i++)
		if (buf_get_u8(b, &x) != 0 || x != (uint8_t)(i * 7 + 3))
			ok = 0;
	CHECK(ok);
	CHECK_U64_EQ(buf_avail(b), 0);
	buf_free(b);

	/* One big write straight past the first allocation. */
	CHECK((b = buf_new(1 << 20)) != NULL);
	if (b == NULL)
		return;
	CHECK_OK(buf_put_u32(b, 0xdeadbeef));
	{
		static uint8_t big[100000];
		uint32_t w;

		memset(big, 0x5a, sizeof(big));
		big[0] = 1;
		big[sizeof(big) - 1] = 2;
		CHECK_OK(buf_put(b, big, sizeof(big)));
		CHECK_OK(buf_get_u32(b, &w));
		CHECK_U64_EQ(w, 0xdeadbeef);
		CHECK_U64_EQ(buf_avail(b), sizeof(big));
		CHECK_MEM_EQ(buf_ptr(b), big, sizeof(big));
	}
	buf_free(b);
}

static void
test_reserve(void)
{
	struct buf *b;
	uint8_t *p = NULL;
	uint16_t x;

	CHECK((b = buf_new(16)) != NULL);
	if (b == NULL)
		return;
	CHECK_OK(buf_put_u8(b, 9));
	CHECK_OK(buf_reserve(b, 2, &p));
	CHECK(p != NULL);
	if (p == NULL) {
		buf_free(b);
		return;
	}
	CHECK(p == b->d + 1);
	p[0] = 0x12;
	p[1] = 0x34;
	CHECK_U64_EQ(b->len, 3);
	CHECK_OK(buf_get_u8(b, NULL));
	CHECK_OK(buf_get_u16(b, &x));
	CHECK_U64_EQ(x, 0x1234);
	buf_free(b);
}

static void
test_reset(void)
{
	struct buf *b;
	size_t i, cap;
	uint32_t x;
	int zero = 1;

	CHECK((b = buf_new(64)) != NULL);
	if (b == NULL)
		return;
	CHECK_OK(buf_put_u32(b, 0x11223344));
	CHECK_OK(buf_put_u32(b, 0x55667788));
	CHECK_OK(buf_get_u32(b, &x));
	cap = b->cap;
	buf_reset(b);
	CHECK_U64_EQ(b->len, 0);
	CHECK_U64_EQ(b->off, 0);
	CHECK_U64_EQ(buf_avail(b), 0);
	CHECK_U64_EQ(b->cap, cap);
	CHECK_U64_EQ(b->max, 64);
	/* The old contents are wiped, not merely forgotten. */
	for (i = 0; i < b->cap; i++)
		if (b->d[i] != 0)
			zero = 0;
	CHECK(zero);
	CHECK_ERR(buf_get_u8(b, NULL), AUTHD_ERR_TRUNCATED);
	/* The whole limit is available again. */
	for (i = 0; i < 16; i++)
		CHECK_OK(buf_put_u32(b, (uint32_t)i));
	CHECK_ERR(buf_put_u8(b, 0), AUTHD_ERR_TOO_LARGE);
	CHECK_OK(buf_get_u32(b, &x));
	CHECK_U64_EQ(x, 0);
	buf_free(b);

	/* Resetting a buffer that never allocated is harmless. */
	CHECK((b = buf_new(8)) != NULL);
	if (b == NULL)
		return;
	buf_reset(b);
	CHECK_U64_EQ(b->len, 0);
	buf_free(b);
	buf_free(NULL);
}

static void
test_view(void)
{
	static const uint8_t data[] = { 0x00, 0x01, 0xff, 0xfe, 0x80, 0x7f };
	struct buf v;
	uint16_t x;

	memset(&v, 0xee, sizeof(v));
	buf_view(&v, data, sizeof(data));
	CHECK(v.d == data);
	CHECK_U64_EQ(v.len, sizeof(data));
	CHECK_U64_EQ(v.off, 0);
	CHECK_U64_EQ(v.cap, 0);	/* not owned: nothing to free or wipe */
	CHECK(buf_ptr(&v) == data);
	CHECK_OK(buf_get_u16(&v, &x));
	CHECK_U64_EQ(x, 0x0001);
	CHECK(buf_ptr(&v) == data + 2);
	CHECK_OK(buf_get_u16(&v, &x));
	CHECK_U64_EQ(x, 0xfffe);
	CHECK_OK(buf_get_u16(&v, &x));
	CHECK_U64_EQ(x, 0x807f);
	CHECK_ERR(buf_get_u8(&v, NULL), AUTHD_ERR_TRUNCATED);
	/* A view is full: it cannot be appended to. */
	CHECK_ERR(buf_put_u8(&v, 0), AUTHD_ERR_TOO_LARGE);
	CHECK_U64_EQ(v.len, sizeof(data));
}

/* Random sequences of typed writes read back in the same order. */
static void
test_random(void)
{
	enum { OPS = 64, ITER = 500 };
	int kind[OPS];
	uint64_t val[OPS], got;
	struct buf *b;
	size_t it, i, n, len;
	uint8_t x8;
	uint16_t x16;
	uint32_t x32;
	int r;

	check_rand_init();
	for (it = 0; it < ITER; it++) {
		n = 1 + (size_t)check_rand_n(OPS);
		len = 0;
		for (i = 0; i < n; i++) {
			kind[i] = (int)check_rand_n(4);
			val[i] = check_rand();
			len += (size_t)1 << kind[i];
		}
		/* Sometimes exactly the needed size, sometimes one short. */
		if ((b = buf_new(len - (it % 3 == 0))) == NULL) {
			CHECK(b != NULL);
			return;
		}
		r = 0;
		for (i = 0; i < n && r == 0; i++) {
			switch (kind[i]) {
			case 0: r = buf_put_u8(b, (uint8_t)val[i]); break;
			case 1: r = buf_put_u16(b, (uint16_t)val[i]); break;
			case 2: r = buf_put_u32(b, (uint32_t)val[i]); break;
			default: r = buf_put_u64(b, val[i]); break;
			}
		}
		if (it % 3 == 0) {
			/* Only the last write can fail, and it must. */
			CHECK_ERR(r, AUTHD_ERR_TOO_LARGE);
			CHECK_U64_EQ(i, n);
			buf_free(b);
			continue;
		}
		CHECK_OK(r);
		CHECK_U64_EQ(b->len, len);
		for (i = 0; i < n; i++) {
			switch (kind[i]) {
			case 0:
				r = buf_get_u8(b, &x8);
				got = x8;
				val[i] &= 0xff;
				break;
			case 1:
				r = buf_get_u16(b, &x16);
				got = x16;
				val[i] &= 0xffff;
				break;
			case 2:
				r = buf_get_u32(b, &x32);
				got = x32;
				val[i] &= 0xffffffff;
				break;
			default:
				r = buf_get_u64(b, &got);
				break;
			}
			if (r != 0 || got != val[i])
				break;
		}
		CHECK_U64_EQ(i, n);
		CHECK_U64_EQ(buf_avail(b), 0);
		buf_free(b);
	}
}

int
main(void)
{
	test_roundtrip_edges();
	test_byte_order();
	test_read_past_end();
	test_max();
	test_put_u64_atomic();
	test_max_zero();
	test_growth();
	test_reserve();
	test_reset();
	test_view();
	test_random();
	return check_done("test_buf");
}
