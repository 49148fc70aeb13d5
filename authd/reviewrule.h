/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_REVIEWRULE_H
#define AUTHD_REVIEWRULE_H

#include <stddef.h>
#include <stdint.h>

#include "reason.h"
#include "store.h"

/*
 * The rules of access reviews (docs/reviews.md), over the store and
 * nothing else: who may act on a campaign, who may decide which item,
 * what a decision and a close write, the defaults at a close, what an
 * item's recommendation is, and whether a revocation is in force.
 * review.c runs them inside the writer's transaction, with the audit
 * records it writes; the unit tests run them over a temporary store.
 */

/* Who is acting: a local account or a directory user who proved it. */
struct review_actor {
	char	name[257];
	int	admin;		/* the security function (admin_group) */
};

/* What reviewrule_access tells of a campaign. */
struct reviewrule_campaign {
	char	system[65];
	char	owner[257];
	int64_t	closed_ms;	/* 0 while open */
};

/*
 * Campaign `id` as `who` may act on it: RSN_OK with *c filled, or the
 * reason to refuse with *msg: RSN_NOT_FOUND, RSN_FORBIDDEN for someone
 * who is neither its owner nor the security function (c->system is then
 * filled too), RSN_INTERNAL when the store failed.
 */
enum reason reviewrule_access(struct store *st, int64_t id,
    const struct review_actor *who, struct reviewrule_campaign *c,
    const char **msg);

/* A decision on one user's items (all their roles, or one). */
struct reviewrule_decision {
	int64_t		 id;
	const char	*user;
	const char	*role;		/* NULL: every role of the user */
	const char	*decision;	/* "keep" or "revoke" */
	const char	*comment;	/* may be NULL */
	int64_t		 now;
	int		 require_comment;	/* review_require_comment */
	/* out */
	enum reason	 why;		/* RSN_OK: decided and written */
	const char	*msg;		/* why not, for the one who asked */
	char		 msgbuf[256];
	char		 system[65];	/* the campaign's, once known */
	int		 refused;	/* a refusal the trail must show */
};

/*
 * Decides `d` as `who`, inside a write transaction: the campaign must be
 * open and `who` its owner or the security function; nobody decides on
 * their own access, and the items of the system's owner (needs_admin)
 * are for the security function alone; an item is decided once; a revoke
 * (and a keep of a user flagged inactive) needs a comment when
 * `require_comment`.  A revoke is in force at once: one revocation per
 * role.  0 with d->why (and d->refused for refusals on separation of
 * duties or access), or an AUTHD_ERR_* from the store.
 */
int reviewrule_decide(struct store *st, const struct review_actor *who,
    struct reviewrule_decision *d);

/* A close of a campaign. */
struct reviewrule_closing {
	int64_t		 id;
	int64_t		 now;
	const char	*deflt;		/* "keep", "revoke" or NULL */
	/* out */
	enum reason	 why;
	const char	*msg;
	char		 msgbuf[256];
	char		 system[65];
	int64_t		 kept, revoked, defaulted;
};

/*
 * Decides every undecided item of an open campaign by the default, as
 * `who` (its owner or the security function), inside a write
 * transaction: without a default, a campaign with undecided items stays
 * open.  An account the directory disables (or expired), or a member it
 * does not resolve, is revoked whatever the default; each such decision
 * is marked by_default with the reason as its comment, and each revoke
 * is a revocation in force.  Fills the counts.  The caller then records
 * the close and marks the campaign closed (store_review_close) with the
 * chain head after that record.  0 with c->why, or an AUTHD_ERR_*.
 */
int reviewrule_close(struct store *st, const struct review_actor *who,
    struct reviewrule_closing *c);

/*
 * The decision a close with `deflt` gives an undecided item of account
 * state `account` (reason_str(): "ok" or why not).
 */
const char *reviewrule_default(const char *account, const char *deflt);

/*
 * Fills the flags of a snapshot's item: inactive (no allowed login on
 * record, or none in `inactive_days` before `now`) and needs_admin (the
 * system's owner's own access).
 */
void reviewrule_flags(struct store_review_item *it, const char *owner,
    int64_t now, int inactive_days);

/* What the report recommends for an item, into `buf`. */
void reviewrule_recommend(const struct store_review_item *it,
    long long inactive_days, char *buf, size_t sz);

/* "open", "overdue" or "closed". */
const char *reviewrule_state(int64_t closed_ms, int64_t due_ms, int64_t now);

/*
 * pol_revoked_fn over a store (arg: struct store *): 1 when `user`'s
 * `role` on `system` is revoked, with the review in `cite`; also 1 when
 * the store cannot say (fail closed).
 */
int reviewrule_revoked(void *arg, const char *system, const char *role,
    const char *user, char *cite, size_t citesz);

#endif
