/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_DIRECTORY_H
#define AUTHD_DIRECTORY_H

#include "config.h"

/*
 * The organisation's LDAP directory.  Each worker thread owns one `struct
 * dir`, whose connection is opened on first use and reused; a request
 * that finds it broken reconnects once.  Every operation is bounded by
 * ldap_timeout (network and operation).
 */

struct dir;

/*
 * Returns a new, unconnected handle for `cfg` (which must outlive it) and
 * the service bind password `bindpw` (copied), or NULL.
 */
struct dir *dir_new(const struct config *cfg, const char *bindpw);
/* Unbinds, wipes and frees; accepts NULL. */
void dir_free(struct dir *d);

/*
 * Looks up `user` with ldap_user_filter under ldap_base.  Returns 0 and a
 * new DN string in *dn (caller frees), AUTHD_ERR_NOT_FOUND (no entry, or
 * more than one), or AUTHD_ERR_DIRECTORY (unreachable, timeout, failure).
 */
int dir_user_dn(struct dir *d, const char *user, char **dn);

/*
 * Sets *member to 1 if the entry `user_dn` / uid `user` is a member of the
 * group `group_dn` (groupOfNames member, groupOfUniqueNames uniqueMember,
 * posixGroup memberUid), else 0.  A group that does not exist has no
 * members.  0 or AUTHD_ERR_DIRECTORY.
 */
int dir_is_member(struct dir *d, const char *group_dn, const char *user_dn,
    const char *user, int *member);

/*
 * Reads the service bind password from `path`: a regular file owned by
 * root or the effective uid, mode 0600 or stricter, at most 256 bytes, one
 * line.  Returns 0 and a new string (free with secure_free_str).
 */
int dir_read_password(const char *path, char **out);

#endif
