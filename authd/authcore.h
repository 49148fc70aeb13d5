/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_AUTHCORE_H
#define AUTHD_AUTHCORE_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "policy.h"
#include "reason.h"
#include "store.h"

/*
 * The code check's decision, over the store and nothing else: lockout,
 * the factors a system asks for, the token's state, the code, replay;
 * and what the decision changes (the token's last step, the lockout
 * counters).  auth.c runs it inside the writer's transaction with the
 * audit record it writes; the unit tests run it over a temporary store.
 *
 * The seed never passes through here: `match` (the caller's) opens it
 * and looks for the code; `dummy` costs what a real check costs for a
 * user who cannot pass, so that the answer's timing tells nothing.
 * Every check calls exactly one of the two.
 */

/*
 * Looks for `code` in the steps around `now` of the sealed seed of token
 * `t` of `user`: 0 with *step set, AUTHD_ERR_NOT_FOUND for no match, or
 * another error.
 */
typedef int authcore_match_fn(void *arg, const char *user,
    const struct token *t, const char *code, time_t now, int64_t *step);
/*
 * The same work as a real check, with nothing to find: 0, or an error
 * when the work could not be done (then nothing is decided).
 */
typedef int authcore_dummy_fn(void *arg, const char *code, time_t now);

/* What one code check is asked. */
struct authcore_in {
	const char	*user;
	const char	*code;
	enum reason	 pre;		/* decided before the transaction:
					   unknown system or user, account
					   disabled or expired, wrong password,
					   directory down; else RSN_OK */
	const char	*pre_detail;	/* what decided it, in words, or NULL */
	enum pol_mfa	 mfa;
	unsigned	 need;		/* POL_F_* the system requires */
	time_t		 now;
	int64_t		 now_ms;
	int		 proof;		/* a proof of identity: it locks
					   nobody out (proof.h) */
	authcore_match_fn *match;
	authcore_dummy_fn *dummy;
	void		*arg;		/* for match and dummy */
};

/* Its outcome. */
struct authcore_out {
	enum reason	 why;		/* RSN_OK: allow */
	unsigned	 need;		/* in->need, with POL_F_TOTP added when
					   mfa is optional and the user has an
					   active token */
	int		 ignored;	/* authd checked nothing: the rest of
					   the PAM stack decides (PAM_IGNORE) */
	int64_t		 step;		/* the step the code matched, or -1 */
	struct lockout	 lo;		/* the user's lockout counters */
	int		 locked_now;	/* this failure started lockout
					   lo.lock_count, for lock_secs */
	int64_t		 lock_secs;
	char		 detail[128];	/* for the record, or "" */
};

/*
 * Decides `in` over `st` (inside a write transaction: what it reads stays
 * so until the commit).  Changes nothing.  0 with *out filled, or an
 * AUTHD_ERR_* (the store's, match's or dummy's).
 */
int authcore_check(struct store *st, const struct authcore_in *in,
    struct authcore_out *out);
/*
 * Writes down what the decision in `out` changes: after an allow the
 * code's step is used up and the lockout counters cleared (a proof clears
 * nothing); a wrong code, replayed code, malformed code or wrong password
 * counts toward the lockout, which after `c->lockout_threshold` failures
 * in a row locks the user for `c->lockout_time` seconds, doubling with
 * each lockout since the last success up to `c->lockout_max`.  Sets
 * out->lo, locked_now and lock_secs.  0 or an AUTHD_ERR_*.
 */
int authcore_settle(struct store *st, const struct config *c,
    const struct authcore_in *in, struct authcore_out *out);
/*
 * Instead of authcore_settle, for an allow that the client can no longer
 * receive: the code is used up all the same (it was seen once), nothing
 * else changes, and out->why becomes RSN_DEADLINE.
 */
int authcore_abandon(struct store *st, const struct authcore_in *in,
    struct authcore_out *out);
/*
 * The length in seconds of the `n`-th lockout in a row: lockout_time,
 * doubling, capped at lockout_max.
 */
int64_t authcore_lockout_secs(const struct config *c, int64_t n);

#endif
