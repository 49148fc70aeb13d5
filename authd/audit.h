/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_AUDIT_H
#define AUTHD_AUDIT_H

#include <stdint.h>

#include "chain.h"
#include "store.h"

/*
 * The audit trail's storage: one record per decision and per admin
 * action.  Records are written only by the writer (writer.h), inside the
 * transaction of the state change they describe, linked into a hash chain
 * (lib/chain.h); this file holds the SQL.
 */

struct audit_rec {
	int64_t		 seq;		/* assigned by the writer */
	int64_t		 time_ms;	/* 0 = now */
	const char	*node;
	const char	*event;		/* auth, account, session-open, ... */
	const char	*actor;		/* who asked */
	const char	*user;
	const char	*system;
	const char	*service;
	const char	*rhost;
	const char	*tty;
	const char	*decision;	/* allow, deny, ok, error */
	const char	*reason;	/* reason_str() */
	uint32_t	 reqid;
	const char	*detail;
	const char	*policy;	/* policy version of a decision */
	const char	*role;		/* matched role */
	const char	*rule;		/* deciding rule */
	const char	*factors;	/* factors used */
	const uint8_t	*hash;		/* listings only: CHAIN_HASH_LEN bytes */
};

struct audit_filter {
	const char	*user;		/* NULL = any */
	const char	*system;
	const char	*event;
	const char	*decision;
	const char	*reason;
	int64_t		 time_from;	/* ms, inclusive; 0 = any */
	int64_t		 time_until;	/* ms, exclusive; 0 = any */
	int64_t		 since_seq;	/* > 0: from here on, ascending */
	int64_t		 limit;		/* else: the newest `limit` */
};

/* Fills the hashed view of a record. */
void audit_to_chain(const struct audit_rec *r, struct chain_rec *c);

/* Inserts a record with its seq and hash (writer only). */
int audit_insert(struct store *s, const struct audit_rec *r,
    const uint8_t hash[CHAIN_HASH_LEN]);
/* Stores a signed checkpoint (writer only). */
int audit_checkpoint_insert(struct store *s, const struct chain_checkpoint *cp);
/* Records where the chain starts after a prune (writer only). */
int audit_base_set(struct store *s, int64_t seq,
    const uint8_t hash[CHAIN_HASH_LEN]);
/* The chain head: newest record's seq and hash, else the base, else 0. */
int audit_head(struct store *s, int64_t *seq, uint8_t hash[CHAIN_HASH_LEN]);
/* The newest checkpoint's seq and time (0, 0 if none). */
int audit_last_checkpoint(struct store *s, int64_t *seq, int64_t *time_ms);

/*
 * Calls `cb` for each record matching `f`, oldest first.  String fields
 * are valid only during the call.  A non-zero return from `cb` stops the
 * listing and is returned.
 */
int audit_list(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_rec *, void *), void *arg);

/* Calls `cb` for record `seq`; AUTHD_ERR_NOT_FOUND if there is none. */
int audit_get(struct store *s, int64_t seq,
    int (*cb)(const struct audit_rec *, void *), void *arg);

/*
 * Removes the records with time before `before_ms` (writer only; the caller
 * has signed a checkpoint at the cut and set the base).  *cut is the
 * highest removed seq and *hash its hash (0 / untouched if none), *count
 * how many were removed.  Finding the cut and deleting are separate so the
 * caller can sign in between: call with `remove` 0, then 1.
 */
int audit_prune(struct store *s, int64_t before_ms, int remove, int64_t *cut,
    uint8_t hash[CHAIN_HASH_LEN], int64_t *count);

#endif
