/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "dircache.h"
#include "log.h"
#include "util.h"

#define DC_BUCKETS_MIN	1024
#define DC_BUCKETS_MAX	((size_t)1 << 24)

/*
 * An entry, with what only the cache sees of it.  One allocation holds
 * it, the user's name and DN and the groups (laid out by dir_groups_copy),
 * starting on a cache line: a decision reads the entry from a few
 * neighbouring lines, not from allocations spread over the heap.
 */
struct dc_node {
	struct dc_entry		 e;	/* first: dircache_put casts back */
	atomic_uint		 refs;	/* the table's and the callers' */
};
#define DC_ALIGN	64

/* A user's place in the table; the name follows in the allocation. */
struct dc_slot {
	uint64_t	 hash;
	struct dc_slot	*hnext;		/* hash chain */
	struct dc_node	*cur;		/* NULL until an entry is published */
	int		 busy;		/* a thread is asking the directory */
	struct dc_slot	*older;		/* age list: published, or created */
	struct dc_slot	*newer;
	char		 user[];
};

struct dircache {
	pthread_mutex_t	  mu;		/* everything below */
	pthread_cond_t	  cv;		/* a busy slot became idle */
	struct dc_slot	**bucket;
	size_t		  nbucket;	/* a power of 2 */
	size_t		  n;
	size_t		  max;
	struct dc_slot	 *oldest;
	struct dc_slot	 *newest;
	int64_t		  ttl_ms;
	int64_t		  stale_ms;
	int64_t		  retry_ms;
	int64_t		  down_until;	/* no look-ups before this */
	int		  down;		/* the last look-up failed */
	int64_t		(*now)(void);
	uint64_t	  k0, k1;	/* the hash key */
};

static uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND do {							\
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);	\
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);	\
} while (0)

/*
 * SipHash-2-4 of `len` bytes at `p` under the cache's key.  SECURITY
 * NOTE: user names come from whoever talks to PAM; with an unkeyed hash
 * they could choose names that share one chain and make every probe,
 * made under the lock all workers share, walk it.
 */
static uint64_t
dc_hash(const struct dircache *c, const void *p, size_t len)
{
	const unsigned char *in = p;
	uint64_t v0 = c->k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = c->k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = c->k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = c->k1 ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)in[i + j] << (8 * j);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (m = (uint64_t)(len & 0xff) << 56, j = 0; i + j < len; j++)
		m |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static void
node_free(struct dc_node *n)
{
	if (n == NULL)
		return;
	free(n);
}

static void
node_release(struct dc_node *n)
{
	if (n != NULL && atomic_fetch_sub_explicit(&n->refs, 1,
	    memory_order_acq_rel) == 1)
		node_free(n);
}

static void
node_hold(struct dc_node *n)
{
	atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
}

void
dircache_put(const struct dc_entry *e)
{
	/* `e` is the first member of its node. */
	node_release((struct dc_node *)(uintptr_t)e);
}

static void
age_unlink(struct dircache *c, struct dc_slot *s)
{
	if (s->older != NULL)
		s->older->newer = s->newer;
	else
		c->oldest = s->newer;
	if (s->newer != NULL)
		s->newer->older = s->older;
	else
		c->newest = s->older;
	s->older = s->newer = NULL;
}

static void
age_append(struct dircache *c, struct dc_slot *s)
{
	s->older = c->newest;
	s->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = s;
	else
		c->oldest = s;
	c->newest = s;
}

static struct dc_slot *
slot_find(const struct dircache *c, uint64_t h, const char *user)
{
	struct dc_slot *s;

	for (s = c->bucket[h & (c->nbucket - 1)]; s != NULL; s = s->hnext)
		if (s->hash == h && strcmp(s->user, user) == 0)
			return s;
	return NULL;
}

/* Takes `s` out of the table (chain, age list, count). */
static void
slot_unhash(struct dircache *c, struct dc_slot *s)
{
	struct dc_slot **pp;

	for (pp = &c->bucket[s->hash & (c->nbucket - 1)]; *pp != s;
	    pp = &(*pp)->hnext)
		;
	*pp = s->hnext;
	age_unlink(c, s);
	c->n--;
}

/* Takes `s` out of the table and frees it; `s` must not be busy. */
static void
slot_remove(struct dircache *c, struct dc_slot *s)
{
	slot_unhash(c, s);
	node_release(s->cur);
	free(s);
}

/* Doubles the buckets; on failure the chains just grow longer. */
static void
table_grow(struct dircache *c)
{
	struct dc_slot **nb, *s, *next;
	size_t i, nn = c->nbucket * 2;

	if (nn > DC_BUCKETS_MAX || (nb = calloc(nn, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < c->nbucket; i++) {
		for (s = c->bucket[i]; s != NULL; s = next) {
			next = s->hnext;
			s->hnext = nb[s->hash & (nn - 1)];
			nb[s->hash & (nn - 1)] = s;
		}
	}
	free(c->bucket);
	c->bucket = nb;
	c->nbucket = nn;
}

/*
 * Drops the oldest entries until at most `max` users are cached, sparing
 * `keep` (just published).  The age list is in order of publication, so
 * its head is the oldest entry: past max_stale if any is.  Busy slots
 * stay (their owners will publish into them): the table may hold a slot
 * per worker more than `max` rather than fail a look-up.
 */
static void
make_room(struct dircache *c, const struct dc_slot *keep)
{
	struct dc_slot *v, *next;

	for (v = c->oldest; c->n > c->max && v != NULL && v != keep;
	    v = next) {
		next = v->newer;
		if (!v->busy)
			slot_remove(c, v);
	}
}

/*
 * A new, empty slot for `user`.  Nothing is evicted for it yet: a look-up
 * that fails must not cost another user their entry.
 */
static struct dc_slot *
slot_new(struct dircache *c, const char *user, uint64_t h)
{
	struct dc_slot *s;
	size_t len = strlen(user) + 1;

	if ((s = calloc(1, sizeof(*s) + len)) == NULL)
		return NULL;
	memcpy(s->user, user, len);
	s->hash = h;
	s->hnext = c->bucket[h & (c->nbucket - 1)];
	c->bucket[h & (c->nbucket - 1)] = s;
	age_append(c, s);
	c->n++;
	if (c->n > c->nbucket)
		table_grow(c);
	return s;
}

struct dircache *
dircache_new(const struct config *cfg)
{
	struct dircache *c;
	uint64_t key[2];
	ssize_t got;

	do {
		got = getrandom(key, sizeof(key), 0);
	} while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(key)) {
		log_err("directory cache: getrandom failed");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->k0 = key[0];
	c->k1 = key[1];
	explicit_bzero(key, sizeof(key));
	c->nbucket = DC_BUCKETS_MIN;
	if ((c->bucket = calloc(c->nbucket, sizeof(*c->bucket))) == NULL) {
		free(c);
		return NULL;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->bucket);
		free(c);
		return NULL;
	}
	if (pthread_cond_init(&c->cv, NULL) != 0) {
		pthread_mutex_destroy(&c->mu);
		free(c->bucket);
		free(c);
		return NULL;
	}
	c->max = cfg->ldap_cache_size > 0 ? (size_t)cfg->ldap_cache_size : 1;
	c->ttl_ms = cfg->ldap_cache_ttl * 1000;
	c->stale_ms = cfg->ldap_cache_max_stale * 1000;
	c->retry_ms = cfg->ldap_retry_interval * 1000;
	c->now = mono_ms;
	return c;
}

void
dircache_set_clock(struct dircache *c, int64_t (*now_ms)(void))
{
	c->now = now_ms != NULL ? now_ms : mono_ms;
}

void
dircache_free(struct dircache *c)
{
	struct dc_slot *s, *next;

	if (c == NULL)
		return;
	for (s = c->oldest; s != NULL; s = next) {
		next = s->newer;
		node_release(s->cur);
		free(s);
	}
	free(c->bucket);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void
dircache_flush(struct dircache *c)
{
	struct dc_slot *s, *next, *gone = NULL;

	pthread_mutex_lock(&c->mu);
	for (s = c->oldest; s != NULL; s = next) {
		next = s->newer;
		if (s->busy) {
			/* Its owner publishes into it; the entry goes now. */
			node_release(s->cur);
			s->cur = NULL;
			continue;
		}
		slot_unhash(c, s);
		s->hnext = gone;
		gone = s;
	}
	pthread_mutex_unlock(&c->mu);
	/* Freed outside the lock: a big cache takes a while. */
	for (s = gone; s != NULL; s = next) {
		next = s->hnext;
		node_release(s->cur);
		free(s);
	}
}

/* Reads `user` from the directory into a new node (one reference). */
static int
fetch(struct dir *d, const char *user, int depth, int64_t t0,
    struct dc_node **out)
{
	struct dc_node *n;
	struct dir_groups g, ng;
	struct dir_account acct;
	char *dn = NULL, *p;
	size_t ulen = strlen(user) + 1, dlen = 0, off, size;
	int r;

	*out = NULL;
	memset(&g, 0, sizeof(g));
	r = dir_user_entry(d, user, &dn, &acct);
	if (r == 0) {
		if ((r = dir_user_groups(d, user, dn, depth, &g)) != 0)
			goto out;
		dlen = strlen(dn) + 1;
	} else if (r != AUTHD_ERR_NOT_FOUND)
		goto out;
	/* The node, the name and DN, then the groups (8-byte aligned). */
	off = (sizeof(*n) + ulen + dlen + 7) & ~(size_t)7;
	size = (off + dir_groups_size(&g) + DC_ALIGN - 1) &
	    ~(size_t)(DC_ALIGN - 1);
	r = AUTHD_ERR_NOMEM;
	if ((n = aligned_alloc(DC_ALIGN, size)) == NULL)
		goto out;
	memset(n, 0, sizeof(*n));
	atomic_init(&n->refs, 1);
	n->e.fetched_ms = t0;
	n->e.depth = depth;
	p = (char *)(n + 1);
	n->e.pu.name = memcpy(p, user, ulen);
	if (dn != NULL) {
		n->e.pu.dn = memcpy(p + ulen, dn, dlen);
		n->e.found = 1;
		n->e.acct = acct;
	}
	dir_groups_copy(&g, (char *)n + off, &ng);
	n->e.loops = ng.loops;
	n->e.truncated = ng.truncated;
	n->e.pu.groups = (const char *const *)ng.dn;
	n->e.pu.parent = ng.parent;
	n->e.pu.ngroups = ng.n;
	n->e.pu.ghash = ng.hash;
	n->e.pu.gorder = ng.order;
	*out = n;
	r = 0;
 out:
	free(dn);
	dir_groups_free(&g);
	return r;
}

/* Hands a held node to the caller as dircache_get answers it. */
static int
serve(struct dc_node *n, int64_t now, int from_cache, int stale,
    const struct dc_entry **e, struct dc_info *info)
{
	info->from_cache = from_cache;
	info->stale = stale;
	info->age_s = now > n->e.fetched_ms ?
	    (now - n->e.fetched_ms) / 1000 : 0;
	if (!n->e.found) {
		node_release(n);
		return AUTHD_ERR_NOT_FOUND;
	}
	*e = &n->e;
	return 0;
}

/* How long a refresh may take when an old entry could answer instead. */
#define DC_STALE_WAIT_MS	300

/* An entry that may serve, stale, while the directory cannot be asked. */
static struct dc_node *
usable(const struct dircache *c, const struct dc_slot *s, int depth,
    int64_t now)
{
	struct dc_node *n;

	if (s == NULL || (n = s->cur) == NULL || !n->e.found ||
	    n->e.depth != depth || now - n->e.fetched_ms >= c->stale_ms)
		return NULL;
	return n;
}

int
dircache_get(struct dircache *c, struct dir *d, const char *user, int depth,
    const struct dc_entry **e, struct dc_info *info)
{
	struct dc_info dummy;
	struct dc_slot *s;
	struct dc_node *n, *old;
	uint64_t h;
	int64_t now, t0, saved;
	int r, recovered = 0, can_stale;

	*e = NULL;
	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (user == NULL || !str_valid_user(user) || depth < 1 ||
	    depth > DIR_DEPTH_MAX)
		return AUTHD_ERR_INVALID;
	h = dc_hash(c, user, strlen(user));
	now = c->now();
	pthread_mutex_lock(&c->mu);
	for (;;) {
		s = slot_find(c, h, user);
		n = s != NULL ? s->cur : NULL;
		if (n != NULL && n->e.depth == depth &&
		    now - n->e.fetched_ms < c->ttl_ms) {
			node_hold(n);
			pthread_mutex_unlock(&c->mu);
			return serve(n, now, 1, 0, e, info);
		}
		/*
		 * The directory failed a moment ago, or another thread is
		 * asking it about this user: do not ask (again).  Serve
		 * what is cached, or wait for the other thread's answer.
		 */
		if (now < c->down_until || (s != NULL && s->busy)) {
			if ((n = usable(c, s, depth, now)) != NULL) {
				node_hold(n);
				pthread_mutex_unlock(&c->mu);
				return serve(n, now, 1, 1, e, info);
			}
			if (now < c->down_until) {
				pthread_mutex_unlock(&c->mu);
				return AUTHD_ERR_DIRECTORY;
			}
			will_block();
			pthread_cond_wait(&c->cv, &c->mu);
			now = c->now();
			continue;
		}
		break;
	}
	if (s == NULL && (s = slot_new(c, user, h)) == NULL) {
		pthread_mutex_unlock(&c->mu);
		return AUTHD_ERR_NOMEM;
	}
	s->busy = 1;
	can_stale = usable(c, s, depth, now) != NULL;
	pthread_mutex_unlock(&c->mu);

	t0 = c->now();
	will_block();
	/*
	 * With an entry that may serve stale, the directory gets a short
	 * while only: a recently seen user's login does not wait out a
	 * directory that does not answer.
	 */
	saved = dir_deadline(d);
	if (can_stale && (saved == 0 ||
	    saved > mono_ms() + DC_STALE_WAIT_MS))
		dir_set_deadline(d, mono_ms() + DC_STALE_WAIT_MS);
	r = fetch(d, user, depth, t0, &n);
	dir_set_deadline(d, saved);

	pthread_mutex_lock(&c->mu);
	s->busy = 0;
	pthread_cond_broadcast(&c->cv);
	if (r == 0) {
		old = s->cur;
		s->cur = n;
		age_unlink(c, s);
		age_append(c, s);
		if (old == NULL)
			make_room(c, s);
		recovered = c->down;
		c->down = 0;
		node_hold(n);
		pthread_mutex_unlock(&c->mu);
		if (recovered)
			log_notice("directory: answering again");
		if (n->e.loops > 0 && (old == NULL ||
		    old->e.loops != n->e.loops))
			log_warn("directory: the groups of %s hold %d loop(s) "
			    "of nested groups; each is followed once", user,
			    n->e.loops);
		if (n->e.truncated && (old == NULL || !old->e.truncated))
			log_warn("directory: the groups of %s were cut short "
			    "(nesting depth %d, %d groups or a server size "
			    "limit)", user, depth, DIR_GROUPS_MAX);
		node_release(old);
		return serve(n, t0, 0, 0, e, info);
	}
	if (r == AUTHD_ERR_DIRECTORY) {
		c->down_until = c->now() + c->retry_ms;
		if (!c->down)
			log_warn("directory: look-up failed; not asking again "
			    "for %lld s, serving cached entries up to %lld s "
			    "old", (long long)(c->retry_ms / 1000),
			    (long long)(c->stale_ms / 1000));
		c->down = 1;
		/*
		 * Whether the old entry may serve is judged at the time the
		 * request came (`now`), not after the directory made it wait.
		 */
		if ((n = usable(c, s, depth, now)) != NULL) {
			node_hold(n);
			pthread_mutex_unlock(&c->mu);
			return serve(n, now, 1, 1, e, info);
		}
	}
	if (s->cur == NULL)
		slot_remove(c, s);
	pthread_mutex_unlock(&c->mu);
	return r;
}
