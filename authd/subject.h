/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_SUBJECT_H
#define AUTHD_SUBJECT_H

#include <time.h>

#include "dircache.h"
#include "policy.h"
#include "reason.h"

struct req;

/*
 * Who a user is, and whether the directory lets them in at all: one
 * resolution of a user name, through the shared directory cache, used by
 * the decisions of every phase, by `authctl access` and `policy test`, and
 * by review snapshots, so that none of them can tell a different story.
 */
struct subject {
	const struct dc_entry	*e;	/* held when the entry was found */
	enum reason		 state;	/* RSN_OK, RSN_UNKNOWN_USER,
					   RSN_ACCOUNT_DISABLED,
					   RSN_ACCOUNT_EXPIRED,
					   RSN_DIRECTORY_UNAVAILABLE or
					   RSN_BAD_FORMAT */
	int			 stale;	/* served from an old entry */
	char			 why[96];	/* the account state, in words */
	char			 dirinfo[96];	/* where the entry came from */
};

/*
 * Resolves `user` for a request with the nesting depth of `p`, judging
 * the account's state at `now`.  Always fills `s` (release with
 * subject_release); s->e is set whenever the directory has the entry,
 * also for a disabled or expired account.
 */
void subject_resolve(struct req *rq, const struct policy *p,
    const char *user, time_t now, struct subject *s);
/*
 * The reason a resolved user may not log in whatever they prove:
 * RSN_UNKNOWN_USER, RSN_ACCOUNT_DISABLED, RSN_ACCOUNT_EXPIRED; RSN_OK
 * otherwise (the directory being unavailable is for the caller to judge).
 */
enum reason subject_refusal(const struct subject *s);
/* Releases what subject_resolve holds; accepts a zeroed `s`. */
void subject_release(struct subject *s);

#endif
