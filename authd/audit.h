/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_AUDIT_H
#define AUTHD_AUDIT_H

#include <stdint.h>

#include "store.h"

/*
 * The audit trail: one record per decision and per admin action, written
 * in the same transaction as the state change it describes and committed
 * before the reply leaves authd.  Text from outside is stored sanitised.
 */

struct audit_rec {
	int64_t		 seq;		/* set by audit_append / audit_list */
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
};

struct audit_filter {
	const char	*user;		/* NULL = any */
	const char	*system;	/* NULL = any */
	int64_t		 since_seq;	/* 0 = from the start */
	int64_t		 limit;		/* newest `limit` records */
};

/*
 * Appends `r` inside the caller's open transaction; the record reaches disk
 * with the caller's COMMIT.  Sets r->seq.  0 or AUTHD_ERR_DB.
 */
int audit_append(struct store *s, struct audit_rec *r);

/*
 * Calls `cb` for each record matching `f`, oldest first.  String fields
 * are valid only during the call.  A non-zero return from `cb` stops the
 * listing and is returned.
 */
int audit_list(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_rec *, void *), void *arg);

#endif
