/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_SECMEM_H
#define AUTHD_SECMEM_H

#include <stddef.h>

/*
 * Memory for secrets: keys, directory passwords, seeds while they are
 * open.  secmem_init sets aside one arena of pages that is locked in RAM
 * (mlock: never written to swap), left out of core dumps
 * (MADV_DONTDUMP) and fenced by inaccessible guard pages.  The arena is
 * OpenSSL's secure heap (CRYPTO_secure_malloc_init), so OpenSSL keeps its
 * own private keys (the audit signing key) and its random generators'
 * state there too.  Every block is wiped when freed.
 *
 * Before secmem_init, when it failed, or when the arena is full,
 * secmem_alloc takes ordinary heap memory (still wiped on free): tools and
 * tests that hold no long-lived secret need not set anything up, and a
 * full arena costs protection, not a login.
 */

/* Where secmem_alloc's blocks come from. */
enum secmem_state {
	SECMEM_HEAP = 0,	/* no arena: the ordinary heap */
	SECMEM_UNLOCKED,	/* an arena, but mlock or madvise failed */
	SECMEM_LOCKED,		/* a locked arena, left out of core dumps */
};

struct secmem_stats {
	enum secmem_state	state;
	size_t			size;		/* arena bytes, 0 without */
	size_t			used;		/* bytes handed out from it */
	unsigned long		overflows;	/* blocks the heap gave instead */
};

/*
 * Sets up the arena with at least `size` bytes (rounded up to a power of
 * two, at least 16 KiB); once per process, before any thread starts.
 * Returns 0 when it is locked and left out of core dumps; AUTHD_ERR_PERM
 * when it exists but could not be locked (RLIMIT_MEMLOCK too low without
 * CAP_IPC_LOCK), AUTHD_ERR_SYSTEM when there is none (or secmem_init ran
 * before).  Either failure is logged; allocation works regardless.
 */
int secmem_init(size_t size);

/* The largest block secmem_alloc hands out: secrets are small. */
#define SECMEM_ALLOC_MAX	65536

/*
 * Returns `len` (1..SECMEM_ALLOC_MAX) zeroed bytes for a secret, or NULL
 * for another `len` or when even the heap has none.  Free with
 * secmem_free(p, len), with the same `len`.
 */
void *secmem_alloc(size_t len);
/* Wipes and frees a block from secmem_alloc; accepts NULL. */
void secmem_free(void *p, size_t len);

/* Copies `s` into a new secmem block, or NULL.  Free with secmem_free_str. */
char *secmem_strdup(const char *s);
/* Wipes and frees a string from secmem_strdup; accepts NULL. */
void secmem_free_str(char *s);

/* Fills *st with the arena's state and use (thread-safe). */
void secmem_get_stats(struct secmem_stats *st);
/* "locked", "not-locked" or "heap". */
const char *secmem_state_str(enum secmem_state s);

/*
 * Releases the arena if nothing in it is in use (OpenSSL may still hold
 * blocks, which it wipes itself at exit).  Call at exit, after the last
 * secmem_free.
 */
void secmem_done(void);

#endif
