/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHCTL_TEST_TRAIL_H
#define AUTHCTL_TEST_TRAIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "chain.h"

/*
 * A test generator of audit trails as authd stores them (the tables
 * audit, audit_base and audit_checkpoints, docs/audit.md), hashed with
 * chain_hash and signed with chain_sign, so that the verifier can be
 * tested without the daemon.  Tests tamper with the result through
 * trail->db.
 */

/* The columns of the table audit, in order. */
#define TRAIL_COLUMNS	"seq, time_ms, node, event, actor, user, system, " \
			"service, rhost, tty, decision, reason, request_id, " \
			"detail, policy, role, rule, factors, hash"

/*
 * What a hostile file can hold: a query of endless rows (x = 1, 2, ...),
 * and one whose rows are shaped like the table audit's.
 */
#define TRAIL_ENDLESS	"WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL " \
			"SELECT x + 1 FROM r) "
#define TRAIL_ENDLESS_AUDIT TRAIL_ENDLESS				\
	"SELECT x AS seq, 0 AS time_ms, 'n' AS node, 'auth' AS event,"	\
	" 'uid:0' AS actor, NULL AS user, NULL AS system, NULL AS service,"\
	" NULL AS rhost, NULL AS tty, 'allow' AS decision, 'ok' AS reason,"\
	" 1 AS request_id, NULL AS detail, NULL AS policy, NULL AS role,"\
	" NULL AS rule, NULL AS factors, zeroblob(32) AS hash FROM r"

struct trail {
	sqlite3			*db;
	struct chain_key	*key;
	int64_t			 head_seq;
	uint8_t			 head_hash[CHAIN_HASH_LEN];
	int64_t			 time_ms;	/* of the next record */
	FILE			*syslog;	/* copies, if not NULL */
};

/*
 * Creates `dir`/authd.db and the signing key `dir`/audit.key (with
 * audit.key.pub).  Returns 0 and the trail in *out, or -1 after printing
 * why.  Free with trail_close.
 */
int trail_create(const char *dir, struct trail **out);
void trail_close(struct trail *t);

/*
 * Appends `n` generated records (every field used, awkward text
 * included), signing a checkpoint after every `cp_every` records (0 =
 * never).  Each record and checkpoint is also written to t->syslog as an
 * RFC 5424 line when that is set.  0 or -1.
 */
int trail_fill(struct trail *t, int n, int cp_every);

/*
 * Signs and stores a checkpoint of the record `seq` (0 = the head); its
 * line goes to `line` (CHAIN_LINE_MAX + 1 bytes) if not NULL.  0 or -1.
 */
int trail_checkpoint(struct trail *t, int64_t seq, char *line);

/*
 * Prunes as authd does: a checkpoint at `cut`, the base (cut, hash(cut)),
 * then the records up to `cut` removed.  0 or -1.
 */
int trail_prune(struct trail *t, int64_t cut);

/*
 * Rewrites the stored hashes of records `from`..head so that they chain
 * again (what an attacker without the signing key can do).  0 or -1.
 */
int trail_rehash(struct trail *t, int64_t from);

/* Runs SQL on the trail's database; 0 or -1 after printing the error. */
int trail_exec(struct trail *t, const char *sql);

#endif
