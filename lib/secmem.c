/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/resource.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "authd_err.h"
#include "log.h"
#include "secmem.h"

#define SECMEM_MIN	(16 * 1024)
#define SECMEM_MAX	(16 * 1024 * 1024)
/* The smallest block the arena hands out (a power of two). */
#define SECMEM_BLOCK	16

/* Set once by secmem_init, before any thread starts; read-only after. */
static enum secmem_state secmem_state = SECMEM_HEAP;
static size_t secmem_size;
static atomic_ulong secmem_overflows;
static atomic_int secmem_full_logged;

static void
limit_str(char *out, size_t outsz)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		snprintf(out, outsz, "unknown");
	else if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(out, outsz, "unlimited");
	else
		snprintf(out, outsz, "%llu bytes",
		    (unsigned long long)rl.rlim_cur);
}

int
secmem_init(size_t size)
{
	char lim[32];
	size_t sz = SECMEM_MIN;
	int rc;

	while (sz < size && sz < SECMEM_MAX)
		sz *= 2;
	if (CRYPTO_secure_malloc_initialized()) {
		log_err("secret memory: already set up");
		return AUTHD_ERR_SYSTEM;
	}
	/* 1: locked and left out of dumps; 2: mlock or madvise failed. */
	rc = CRYPTO_secure_malloc_init(sz, SECMEM_BLOCK);
	if (rc == 0) {
		log_err("secret memory: cannot set aside %zu bytes; keys and "
		    "seeds stay in the ordinary heap, where they may be "
		    "written to swap", sz);
		return AUTHD_ERR_SYSTEM;
	}
	secmem_size = sz;
	if (rc != 1) {
		limit_str(lim, sizeof(lim));
		log_err("secret memory: cannot lock %zu bytes in RAM "
		    "(RLIMIT_MEMLOCK %s, no CAP_IPC_LOCK): keys and seeds may "
		    "be written to swap; raise the limit (systemd: "
		    "LimitMEMLOCK=) or start authd as root", sz, lim);
		secmem_state = SECMEM_UNLOCKED;
		return AUTHD_ERR_PERM;
	}
	secmem_state = SECMEM_LOCKED;
	log_info("secret memory: %zu bytes locked in RAM, left out of core "
	    "dumps", sz);
	return 0;
}

void *
secmem_alloc(size_t len)
{
	void *p;

	if (len == 0 || len > SECMEM_ALLOC_MAX)
		return NULL;
	/* Without an arena this is the ordinary heap already. */
	if ((p = OPENSSL_secure_zalloc(len)) != NULL ||
	    !CRYPTO_secure_malloc_initialized())
		return p;
	/* The arena is full: the secret still gets memory, and a warning. */
	atomic_fetch_add(&secmem_overflows, 1);
	if (atomic_exchange(&secmem_full_logged, 1) == 0)
		log_warn("secret memory: the %zu-byte arena is full; secrets "
		    "that do not fit go to the ordinary heap", secmem_size);
	return OPENSSL_zalloc(len);
}

void
secmem_free(void *p, size_t len)
{
	/* Arena blocks are wiped whole; heap blocks for `len` bytes. */
	OPENSSL_secure_clear_free(p, len);
}

char *
secmem_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if ((p = secmem_alloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

void
secmem_free_str(char *s)
{
	if (s == NULL)
		return;
	secmem_free(s, strlen(s) + 1);
}

void
secmem_get_stats(struct secmem_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->state = secmem_state;
	st->size = secmem_size;
	if (secmem_size > 0)
		st->used = CRYPTO_secure_used();
	st->overflows = atomic_load(&secmem_overflows);
}

const char *
secmem_state_str(enum secmem_state s)
{
	switch (s) {
	case SECMEM_LOCKED:
		return "locked";
	case SECMEM_UNLOCKED:
		return "not-locked";
	case SECMEM_HEAP:
		break;
	}
	return "heap";
}

void
secmem_done(void)
{
	if (secmem_size > 0 && CRYPTO_secure_malloc_done() == 1) {
		secmem_size = 0;
		secmem_state = SECMEM_HEAP;
	}
}
