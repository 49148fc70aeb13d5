/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_ACCESS_H
#define AUTHD_ACCESS_H

#include <time.h>

#include "policy.h"

struct req;

/* One question to the engine on behalf of a request. */
struct access_query {
	const char	*user;
	const char	*system;	/* by name, or NULL */
	const char	*service;	/* PAM service, when system is NULL */
	const char	*source;	/* remote host or NULL */
	time_t		 at;
	int		 has_token;
	pol_revoked_fn	*revoked;
	void		*revoked_arg;
};

struct access_result {
	struct pol_decision	d;
	enum reason		account;	/* the subject's state */
	char			dirinfo[96];	/* where the user's entry came from */
	int			stale;
};

/*
 * Decides `aq` with policy `p`, looking the user up in the directory cache
 * through the request's worker.  An unknown user or an unreachable
 * directory is a deny with its reason, never an error.
 */
void access_decide(struct req *rq, const struct policy *p,
    const struct access_query *aq, struct access_result *ar,
    pol_trace_fn *tf, void *ta);

/*
 * The account decision of a request, ready to be written down: made by
 * access_prepare outside any transaction, appended to the trail by
 * access_record inside one (alone, or with the auth decision it follows).
 */
struct access_outcome {
	struct access_result	ar;
	char			detail[1500];
	char			factors[32];
	const char		*rule, *role;
};

struct wtx;

void access_prepare(struct req *rq, struct access_outcome *o);
int access_record(struct wtx *tx, struct req *rq,
    const struct access_outcome *o);

/*
 * 1 when the request's user has an active TOTP token and `sys` asks
 * whether they do (mfa optional); 0 otherwise, without reading it.
 */
int access_has_token(struct req *rq, const struct pol_system *sys);

/* Who holds a role on a system by group membership, sorted by user. */
struct holder {
	char		*user;
	char		*role;
	char		*path;		/* granting group first */
	enum reason	 state;		/* subject_resolve's: RSN_OK, or the
					   account is disabled / expired, or
					   the member is no user the
					   directory resolves (unknown-user) */
};

struct holders {
	struct holder	*h;
	size_t		 n;
	const char	*role;		/* being expanded */
	const char	*user;		/* being resolved */
	enum reason	 state;
	int		 err;
};

/*
 * Fills `hs` with every (user, role) of `sys` (the first path found for
 * each): the members of the roles' groups, each resolved as a decision
 * resolves them (subject.h), with their state.  0, AUTHD_ERR_DIRECTORY
 * or another error.  Free with access_holders_free, also after an error.
 */
int access_holders(struct req *rq, const struct policy *p,
    const struct pol_system *sys, struct holders *hs);
void access_holders_free(struct holders *hs);

#endif
