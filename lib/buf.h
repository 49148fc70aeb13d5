/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_BUF_H
#define AUTHD_BUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * A bounded byte buffer.  Writers append at the end and never grow past
 * `max`; readers consume from `off`.  Contents are wiped on free, since
 * buffers carry codes and secrets.
 */
struct buf {
	uint8_t	*d;
	size_t	 len;	/* bytes written */
	size_t	 off;	/* bytes consumed by readers */
	size_t	 cap;	/* bytes allocated */
	size_t	 max;	/* hard limit on len */
};

/* Returns a new empty buffer limited to `max` bytes, or NULL. Free with buf_free. */
struct buf *buf_new(size_t max);
/* Wipes and frees `b`; accepts NULL. */
void buf_free(struct buf *b);
/* Wipes contents and resets len and off to 0. */
void buf_reset(struct buf *b);
/* Initialises a read-only view of `len` bytes at `p` (not copied, not freed). */
void buf_view(struct buf *b, const void *p, size_t len);

/* Bytes not yet consumed. */
size_t buf_avail(const struct buf *b);
/* Pointer to the first unconsumed byte. */
const uint8_t *buf_ptr(const struct buf *b);

/* Appenders: 0, AUTHD_ERR_TOO_LARGE past max, or AUTHD_ERR_NOMEM. */
int buf_put(struct buf *b, const void *p, size_t len);
int buf_put_u8(struct buf *b, uint8_t v);
int buf_put_u16(struct buf *b, uint16_t v);
int buf_put_u32(struct buf *b, uint32_t v);
int buf_put_u64(struct buf *b, uint64_t v);
/* Reserves `len` bytes at the end and returns a pointer to them in *out. */
int buf_reserve(struct buf *b, size_t len, uint8_t **out);

/* Readers (big-endian): 0 or AUTHD_ERR_TRUNCATED; `out` may be NULL to skip. */
int buf_get(struct buf *b, void *out, size_t len);
int buf_get_u8(struct buf *b, uint8_t *out);
int buf_get_u16(struct buf *b, uint16_t *out);
int buf_get_u32(struct buf *b, uint32_t *out);
int buf_get_u64(struct buf *b, uint64_t *out);
/* Consumes `len` bytes and returns a pointer to them (valid while b lives). */
int buf_get_ptr(struct buf *b, size_t len, const uint8_t **out);

#endif
