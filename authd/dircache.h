/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_DIRCACHE_H
#define AUTHD_DIRCACHE_H

#include <stdint.h>

#include "config.h"
#include "directory.h"
#include "policy.h"

/*
 * The users' DNs and groups, as the directory last described them, shared
 * by all worker threads.  An entry is fresh for ldap_cache_ttl seconds;
 * when the directory cannot be asked, entries keep serving (marked stale)
 * until they are ldap_cache_max_stale seconds old.  After a failed look-up
 * the directory is not asked at all for ldap_retry_interval seconds, so a
 * dead or frozen server costs the users it would have been asked about
 * nothing.  At most ldap_cache_size users are kept (the oldest entry
 * makes room).  Unknown users are remembered for ldap_cache_ttl.
 */

struct dircache;

/*
 * One user's entry.  Immutable once published and reference counted: a
 * caller holds it from dircache_get until dircache_put, however the cache
 * changes in the meantime.  The user's groups come hashed (pu.ghash and
 * pu.gorder, see struct pol_user), which depends on no policy: a reload
 * keeps entries valid.
 */
struct dc_entry {
	struct pol_user	 pu;		/* name, dn, groups and their hashes */
	int		 found;		/* 0: the user is unknown */
	struct dir_account acct;	/* when found: the account's state */
	int64_t		 fetched_ms;	/* when read (the cache's clock) */
	int		 depth;		/* the nesting depth it was read with */
	int		 loops;		/* as in struct dir_groups */
	int		 truncated;	/* as in struct dir_groups */
};

/* How dircache_get answered. */
struct dc_info {
	int		 from_cache;	/* not read from the directory now */
	int		 stale;		/* older than ldap_cache_ttl: the
					   directory failed or is being asked */
	int64_t		 age_s;		/* age of the entry served */
};

/*
 * A new, empty cache with the limits of `c` (which must outlive it), or
 * NULL.  Keyed with random bytes, so user names chosen by an attacker
 * cannot pile up in one hash chain.
 */
struct dircache *dircache_new(const struct config *c);
/*
 * Frees the cache; no thread may be using it.  Entries still held are
 * freed by their last dircache_put.  Accepts NULL.
 */
void dircache_free(struct dircache *c);

/*
 * Looks `user` up at nesting depth `depth` (1..DIR_DEPTH_MAX), through
 * the cache, asking the directory with `d` (the calling thread's own
 * handle) when needed.  Returns:
 *   0 and a held entry in *e (release with dircache_put);
 *   AUTHD_ERR_NOT_FOUND: the directory has no such user (or more than
 *     one entry matches); *e is NULL;
 *   AUTHD_ERR_DIRECTORY: the directory cannot be asked and nothing
 *     usable is cached; *e is NULL;
 *   AUTHD_ERR_INVALID (not a valid user name or depth), AUTHD_ERR_NOMEM.
 * `info` (may be NULL) says where the answer came from.  While another
 * thread asks the directory about the same user, a cached entry within
 * ldap_cache_max_stale is served stale at once; a caller with nothing
 * usable waits for that thread's answer instead of asking again.
 */
int dircache_get(struct dircache *c, struct dir *d, const char *user,
    int depth, const struct dc_entry **e, struct dc_info *info);
/* Releases an entry from dircache_get; accepts NULL. */
void dircache_put(const struct dc_entry *e);
/*
 * Drops every entry (a reloaded policy changed the nesting depth, say).
 * Entries held by callers stay valid until they are put.
 */
void dircache_flush(struct dircache *c);
/*
 * Replaces the monotonic millisecond clock (default mono_ms) by
 * `now_ms`; for tests.  Call before any other use.
 */
void dircache_set_clock(struct dircache *c, int64_t (*now_ms)(void));

#endif
