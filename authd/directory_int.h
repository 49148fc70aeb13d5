/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_DIRECTORY_INT_H
#define AUTHD_DIRECTORY_INT_H

/*
 * What directory.c (connection, binds, user look-ups) lends the group
 * walks of directory_groups.c; see directory.h.  Only those two files
 * include it, and directory.c uses nothing of directory_groups.c.
 */

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "config.h"
#include "directory.h"

struct dir {
	const struct config	*cfg;
	const char		*bindpw;	/* the caller's */
	LDAP			*ld;		/* NULL: not connected */
	int64_t			 deadline;	/* dir_set_deadline; 0: none */
};

/*
 * Runs one search on the handle's connection (connecting and binding
 * first if need be) and returns its entries in *res (ldap_msgfree; may be
 * NULL when there are none); read them with d->ld, which a later search
 * may replace.  *limited (if not NULL) is set when the size limit (ours
 * or the server's) cut the answer short; a base that does not exist
 * gives no entries.  Reconnects and retries once when the connection
 * turns out to be broken.  0 or AUTHD_ERR_DIRECTORY.
 */
int dir_search(struct dir *d, const char *base, int scope,
    const char *filter, char **attrs, int sizelimit, LDAPMessage **res,
    int *limited);

/*
 * Escapes `v` for use as an assertion value in a filter: a new string
 * (ldap_memfree), or NULL when out of memory.
 */
char *dir_escape(const char *v);

/* 1 when s[pos] is escaped by an odd number of backslashes before it. */
int dir_escaped_at(const char *s, size_t pos);

/*
 * 1 when the normalised DN `norm` is `nbase` or lies under it.  The ','
 * before the suffix must separate RDNs, not be an escaped one in a value.
 */
int dir_dn_under(const char *norm, const char *nbase);

#endif
