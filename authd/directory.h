/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_DIRECTORY_H
#define AUTHD_DIRECTORY_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "reason.h"

/*
 * The organisation's LDAP directory.  Each worker thread owns one `struct
 * dir`, whose connection is opened on first use and reused; a request
 * that finds it broken reconnects once.  Every operation is bounded by
 * ldap_timeout (network and operation).
 */

struct dir;

/*
 * Returns a new, unconnected handle for `cfg` and the service bind
 * password `bindpw` (neither copied: both must outlive the handle), or
 * NULL.
 */
struct dir *dir_new(const struct config *cfg, const char *bindpw);
/* Unbinds and frees; accepts NULL. */
void dir_free(struct dir *d);

/*
 * What a user's entry says about the account itself (ldap_account_policy
 * names which attributes count); read with the entry, judged at the time
 * of each decision by dir_account_state, so that an expiry day that
 * passes while the entry is cached takes effect.
 */
struct dir_account {
	int64_t		 expire_day;	/* shadowExpire; -1: none */
	int64_t		 inactive_day;	/* shadowLastChange + shadowMax +
					   shadowInactive; -1: none */
	int64_t		 expires_s;	/* AD accountExpires, Unix time; -1 */
	int		 locked;	/* the directory says disabled/locked */
	int		 subtree;	/* under an ldap_disabled_base */
	char		 lock_attr[24];	/* the attribute that said so */
};

/*
 * Judges `a` at time `now`: RSN_OK, RSN_ACCOUNT_DISABLED or
 * RSN_ACCOUNT_EXPIRED, with a short explanation in `why` (may be NULL).
 */
enum reason dir_account_state(const struct dir_account *a, time_t now,
    char *why, size_t whysz);

/*
 * Looks up `user` with ldap_user_filter under ldap_base.  Returns 0 and a
 * new DN string in *dn (caller frees) and, when `acct` is not NULL, the
 * account's state attributes, AUTHD_ERR_NOT_FOUND (no entry, or more than
 * one), or AUTHD_ERR_DIRECTORY (unreachable, timeout, failure).
 */
int dir_user_entry(struct dir *d, const char *user, char **dn,
    struct dir_account *acct);
/* dir_user_entry without the account state. */
int dir_user_dn(struct dir *d, const char *user, char **dn);

/*
 * Bounds every directory wait of the calling handle by `deadline_ms`
 * (mono_ms(); 0: ldap_timeout only) until it is set again: a request
 * whose client stops waiting at that moment gets no later answer.
 */
void dir_set_deadline(struct dir *d, int64_t deadline_ms);
/* The deadline dir_set_deadline set last (0: none). */
int64_t dir_deadline(const struct dir *d);

/*
 * Sets *member to 1 if the entry `user_dn` / uid `user` is a member of the
 * group `group_dn` (groupOfNames member, groupOfUniqueNames uniqueMember,
 * posixGroup memberUid), else 0.  A group that does not exist has no
 * members.  0 or AUTHD_ERR_DIRECTORY.
 */
int dir_is_member(struct dir *d, const char *group_dn, const char *user_dn,
    const char *user, int *member);

/* Bounds of the group walks below. */
#define DIR_DN_MAX		512	/* longest DN accepted */
#define DIR_DEPTH_MAX		16	/* deepest nesting followed */
#define DIR_GROUPS_MAX		1024	/* groups per walk */
#define DIR_MEMBERS_MAX		100000	/* users per dir_group_members */

/*
 * Every group a user is in, directly or through nested groups.  dn[] holds
 * the groups' DNs normalised with policy_dn_norm and sorted with strcmp;
 * parent[i] is the index (in dn[]) of the group through which dn[i] was
 * reached, -1 for a direct membership.  The walk is breadth-first, so the
 * chain of parents is a shortest path.  hash[] and order[] index the
 * groups by policy_group_hash for the policy engine (policy_groups_hash;
 * struct pol_user's ghash and gorder).  The arrays and the DNs are one
 * allocation, so that a user's groups lie on few pages.  `loops` counts
 * the groups met again on their own path (A in B in C in A); `truncated`
 * is 1 when the depth, DIR_GROUPS_MAX or a server size limit cut the walk
 * short.
 */
struct dir_groups {
	char		**dn;
	int		 *parent;
	uint64_t	 *hash;
	uint32_t	 *order;
	size_t		  n;
	int		  loops;
	int		  truncated;
};

/*
 * Fills *out (zeroed on entry; free with dir_groups_free) with the groups
 * of user `user` (posixGroup memberUid) whose entry is `user_dn`
 * (groupOfNames member, groupOfUniqueNames uniqueMember; may be NULL),
 * searched under ldap_group_base (default ldap_base), following nested
 * groups up to `depth` levels (1 = direct groups only, at most
 * DIR_DEPTH_MAX).  A uniqueMember value with a UID ("DN#'0101'B")
 * counts only when the entry's x500UniqueIdentifier is that UID, as in
 * the directory's own matching rule.  Values the server returns that are
 * not valid DNs of at most DIR_DN_MAX bytes are logged and skipped.
 * Returns 0, AUTHD_ERR_INVALID (bad argument), AUTHD_ERR_NOMEM or
 * AUTHD_ERR_DIRECTORY (then *out is empty: no partial answer).
 */
int dir_user_groups(struct dir *d, const char *user, const char *user_dn,
    int depth, struct dir_groups *out);
/* Frees what dir_user_groups filled in and zeroes `g`; accepts NULL. */
void dir_groups_free(struct dir_groups *g);
/* The bytes dir_groups_copy needs to copy `g`. */
size_t dir_groups_size(const struct dir_groups *g);
/*
 * Copies `g` into `mem` (dir_groups_size(g) bytes, aligned for uint64_t)
 * laid out as dir_user_groups lays out its block, so that a caller can
 * keep the groups inside an allocation of its own; `out` points into
 * `mem` and is not to be passed to dir_groups_free.
 */
void dir_groups_copy(const struct dir_groups *g, void *mem,
    struct dir_groups *out);

/*
 * Checks `password` for the entry `user_dn` with a simple bind on a new
 * connection of its own (never the service connection), with the same
 * TLS settings and timeouts, closed before returning.  An empty password,
 * one longer than 256 bytes or an empty DN is refused without binding.
 * Returns 0 (right), AUTHD_ERR_PERM (wrong, empty or refused credentials)
 * or AUTHD_ERR_DIRECTORY (could not ask).  The password is never logged.
 */
int dir_check_password(struct dir *d, const char *user_dn,
    const char *password);

/*
 * Removes `user` (DN `user_dn`, may be NULL for memberUid groups) from
 * the group `group_dn`, on a connection of its own bound as `write_dn`.
 * `msg` says what happened.  0, AUTHD_ERR_NOT_FOUND (no such group, or the
 * user is not a direct member), AUTHD_ERR_PERM (the write identity may not
 * change the group), AUTHD_ERR_CONFIG or AUTHD_ERR_DIRECTORY.
 */
int dir_remove_member(struct dir *d, const char *write_dn,
    const char *write_pw, const char *group_dn, const char *user,
    const char *user_dn, char *msg, size_t msgsz);

/*
 * Called by dir_group_members for each user: `user` (uid attribute, or
 * the memberUid value), `user_dn` (NULL for a memberUid whose entry the
 * user filter does not find) and `path`, the normalised DNs of the groups
 * that lead to the user, the group asked about first, joined by " > ".
 * A non-zero return stops the walk.
 */
typedef int dir_member_fn(void *arg, const char *user, const char *user_dn,
    const char *path);

/*
 * Calls `cb` once for every user who is a member of `group_dn`, directly
 * or through nested groups up to `depth` levels (1 = direct members only,
 * at most DIR_DEPTH_MAX), breadth-first so that `path` is a shortest one;
 * a loop of groups is followed once.  Only groups under ldap_group_base
 * count, and a uniqueMember UID is checked, as in dir_user_groups.
 * Returns 0, the first non-zero value `cb` returned, AUTHD_ERR_TOO_MANY
 * (more than DIR_MEMBERS_MAX users or DIR_GROUPS_MAX groups: the list
 * given so far is incomplete), AUTHD_ERR_INVALID, AUTHD_ERR_NOMEM or
 * AUTHD_ERR_DIRECTORY.
 */
int dir_group_members(struct dir *d, const char *group_dn, int depth,
    dir_member_fn *cb, void *arg);

/*
 * Reads the service bind password from `path`: a regular file owned by
 * root or the effective uid, mode 0600 or stricter, at most 256 bytes, one
 * line.  Returns 0 and a new string in secret memory (lib/secmem.h; free
 * with secmem_free_str).
 */
int dir_read_password(const char *path, char **out);

#endif
