/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_AUDIT_H
#define AUTHD_AUDIT_H

#include <stdint.h>

#include "chain.h"

/*
 * The audit trail's record: one per decision and per admin action.
 * Records are written only by the writer (writer.h), inside the
 * transaction of the state change they describe, linked into a hash chain
 * (lib/chain.h), and kept by the store (store.h).
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

#endif
