/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_STORE_H
#define AUTHD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "chain.h"

/*
 * The store: every piece of state authd keeps, in the terms of what it
 * is (tokens, lockout, the audit trail, access reviews, revocations, the
 * trail's index by user), and the only place where SQL is written.  A
 * back end implements these operations (store_backend.h); store_open
 * picks it from the `database` setting.  SQLite (store_sqlite*.c, WAL,
 * synchronous=FULL) is the one for a file name.
 *
 * Each thread owns one handle (a connection).  Only the writer
 * (writer.h) changes anything, inside a write transaction (store_begin
 * .. store_commit) cut into one savepoint per job; workers only read.
 * Inside a write transaction what an operation read stays as it read it
 * until the commit, so a check and the update that follows happen under
 * one lock: SQLite lets one writer in at a time (BEGIN IMMEDIATE).
 *
 * A back end that several nodes share (PostgreSQL) is a new
 * store_<name>*.c and a row in store.c's table, chosen by the prefix of
 * `database`.  Beyond the contracts below it must decide every check and
 * update of a job in the database (rows locked as they are read, or a
 * serialization failure returned as AUTHD_ERR_DB, which fails the batch
 * as a failed commit does), never check in one transaction and write in
 * another; and keep one hash chain per node in the shared trail, so that
 * the head, the checkpoints, the base and the sequence numbers (the
 * writer's head + 1) are those of its node's records (the node's name is
 * for it to take from store_open's parameters: callers pass nothing
 * else).  The index by user (store_attach_byuser, store_byuser_*) and
 * the write-ahead log (store_on_commit, store_checkpoint) are SQLite's
 * ways of keeping commits cheap; another back end may do nothing there.
 *
 * Unless a comment says otherwise an operation returns 0 or an
 * AUTHD_ERR_* (AUTHD_ERR_DB after logging why), sets its out-parameters
 * on entry, and strings handed to a callback are valid only during the
 * call; a non-zero return from a callback stops the listing and is
 * returned.
 */

struct store;

/* ---- opening ---- */

/* What a store is opened with (store_params fills it). */
struct store_params {
	const char	*database;	/* a file name, or a back end's URI */
	const char	*node;		/* node_name: whose chain it appends */
	const char	*password;	/* to the database server, or NULL */
	int		 timeout_ms;	/* bound on each wait for a server */
};

/*
 * Opens (creating if needed, mode 0600) the store named by `p->database`
 * and applies pending schema migrations when `migrate` is set (the first
 * opener only).  Returns 0 and *out, or AUTHD_ERR_DB after logging why.
 */
int store_open(const struct store_params *p, int migrate,
    struct store **out);
struct config;
/* The parameters of the settings `c`, with the database password read by
 * authd as root (or NULL). */
void store_params(const struct config *c, const char *password,
    struct store_params *p);
/*
 * For `authd -t`: 0 when the store named by `p` can be reached and its
 * schema is the one this authd writes; else AUTHD_ERR_DB after logging
 * why.  A back end without a server to reach (SQLite) answers 0.
 */
int store_check(const struct store_params *p);
/* Closes `s`; accepts NULL. */
void store_close(struct store *s);
/*
 * The audit trail's index by user (userindex.h) lives off the commit
 * path, in SQLite a database of its own, `database`-byuser, attached to
 * `s` (created with its tables when `create`).  A handle that attaches it
 * must not write (the writer's never does: a write transaction would lock
 * the index too).  A back end without such an index does nothing.
 */
int store_attach_byuser(struct store *s, const char *database, int create);
/* Why the last operation on `s` failed, for operations that say they do
 * not log; never NULL. */
const char *store_errmsg(struct store *s);

/* ---- write transactions (the writer's) ---- */

/* Starts a write transaction (see above). */
int store_begin(struct store *s);
/* Marks the start of one job inside the transaction. */
int store_savepoint(struct store *s);
/* Undoes what was done since store_savepoint; the mark stays. */
int store_savepoint_undo(struct store *s);
/* Forgets the mark (after an undo too); what the job did stays. */
int store_savepoint_release(struct store *s);
/* Makes the transaction durable. */
int store_commit(struct store *s);
/* Abandons the transaction; quiet, and harmless when none is open. */
void store_rollback(struct store *s);

/*
 * The write-ahead log.  After each commit on `s`, fn(arg, pages) learns
 * how long the log has grown (pages), so that its owner can copy it into
 * the database (store_checkpoint) on another handle, off the commit path.
 * A back end without such a log never calls fn.
 */
void store_on_commit(struct store *s, void (*fn)(void *, int), void *arg);
/*
 * Copies what it can of the log into the database without waiting for
 * anyone: *log is the log's length in pages, *done how many of them are
 * in the database now (both 0 when another copy was running or there is
 * no log).  0, or AUTHD_ERR_DB after logging why.
 */
int store_checkpoint(struct store *s, int *log, int *done);

/* ---- tokens and lockout ---- */

/* Token as stored: the seed stays sealed (see seal.h). */
struct token {
	char		 state[16];	/* "pending" or "active" */
	uint8_t		*sealed;	/* owned; free with token_clear */
	size_t		 sealed_len;
	int64_t		 last_step;	/* last accepted TOTP step */
	int64_t		 created_ms;
};

/* Consecutive-failure state of one user. */
struct lockout {
	int64_t		 failures;
	int64_t		 lock_count;	/* lockouts since the last success */
	int64_t		 locked_until_ms;
};

/* Token of `user` into *t (AUTHD_ERR_NOT_FOUND if none). */
int store_token_get(struct store *s, const char *user, struct token *t);
/* Inserts or replaces the token of `user`. */
int store_token_put(struct store *s, const char *user, const struct token *t);
/* Sets state and last step. AUTHD_ERR_NOT_FOUND if no token. */
int store_token_update(struct store *s, const char *user, const char *state,
    int64_t last_step);
/* Deletes the token (and lockout state) of `user`. NOT_FOUND if none. */
int store_token_delete(struct store *s, const char *user);
/* Frees what store_token_get allocated. */
void token_clear(struct token *t);
/*
 * The state of `user`'s token for listings, a static string: "active",
 * "pending", or "none" when there is no token or it cannot be read.
 */
const char *store_token_state(struct store *s, const char *user);

/* Lockout state of `user`; all zero if none recorded. */
int store_lockout_get(struct store *s, const char *user, struct lockout *l);
int store_lockout_put(struct store *s, const char *user,
    const struct lockout *l);
int store_lockout_clear(struct store *s, const char *user);

/* ---- the audit trail (audit.h) ---- */

/*
 * Appends `r` with its seq (the chain head's + 1, chosen by the writer,
 * the trail's one appender) and hash (lib/chain.h), inside the writer's
 * transaction.  The text fields are stored as given (sanitised).
 */
int store_audit_append(struct store *s, const struct audit_rec *r,
    const uint8_t hash[CHAIN_HASH_LEN]);
/* Stores a signed checkpoint (the writer's transaction). */
int store_audit_checkpoint_put(struct store *s,
    const struct chain_checkpoint *cp);
/* Records where the chain starts after a prune (the writer's
 * transaction). */
int store_audit_base_set(struct store *s, int64_t seq,
    const uint8_t hash[CHAIN_HASH_LEN]);
/* The chain head: newest record's seq and hash, else the base, else 0. */
int store_audit_head(struct store *s, int64_t *seq,
    uint8_t hash[CHAIN_HASH_LEN]);
/* The newest checkpoint's seq and time (0, 0 if none). */
int store_audit_last_checkpoint(struct store *s, int64_t *seq,
    int64_t *time_ms);
/* Calls `cb` for each record matching `f`, oldest first. */
int store_audit_list(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_rec *, void *), void *arg);
/* Calls `cb` for record `seq`; AUTHD_ERR_NOT_FOUND if there is none. */
int store_audit_get(struct store *s, int64_t seq,
    int (*cb)(const struct audit_rec *, void *), void *arg);
/*
 * Where a prune of the records older than `before_ms` would cut: the
 * highest such seq (*cut, 0 if none), its hash and how many there are.
 * The caller signs a checkpoint there and moves the base before it calls
 * store_audit_prune (all in the writer's transaction).
 */
int store_audit_cut(struct store *s, int64_t before_ms, int64_t *cut,
    uint8_t hash[CHAIN_HASH_LEN], int64_t *count);
/* Removes the records up to `cut`; *count: how many. */
int store_audit_prune(struct store *s, int64_t cut, int64_t *count);
/*
 * The time of the newest allowed account decision of `user` on `system`
 * (*ms, 0 if none on record).
 */
int store_last_login(struct store *s, const char *user, const char *system,
    int64_t *ms);

/*
 * The index by user (userindex.h).  These do not log (the index's thread
 * runs them every second and logs a failure once a minute); store_errmsg
 * says why one failed.  Each is its own transaction.
 */
/* How far the index reached (*upto) and the trail's newest seq (*head). */
int store_byuser_positions(struct store *s, int64_t *upto, int64_t *head);
/* Empties the index, to be rebuilt from the start of the trail. */
int store_byuser_reset(struct store *s);
/* Indexes the records after `from` up to `to`, and reaches `to`. */
int store_byuser_add(struct store *s, int64_t from, int64_t to);

/* ---- access reviews (docs/reviews.md) ---- */

/* A campaign.  Listings fill nitems and ndecided; store_review_get not. */
struct store_review {
	int64_t		 id;
	const char	*system;
	const char	*owner;
	const char	*description;	/* may be NULL */
	const char	*class;		/* "C2 I3 A1" */
	const char	*policy;	/* version in force at the start */
	int64_t		 started_ms;
	const char	*started_by;
	int64_t		 due_ms;
	int		 inactive_days;
	int64_t		 closed_ms;	/* 0 while open */
	const char	*closed_by;	/* NULL while open */
	const char	*close_default;	/* NULL, "keep" or "revoke" */
	int64_t		 head_seq;	/* chain head at the close, or 0 */
	const uint8_t	*head_hash;	/* CHAIN_HASH_LEN bytes, or NULL */
	int64_t		 nitems;
	int64_t		 ndecided;
};

/* One (user, role) of a campaign. */
struct store_review_item {
	const char	*user;
	const char	*role;
	const char	*path;		/* granting group first, " > " between */
	const char	*token;		/* store_token_state() at the start */
	int64_t		 last_login_ms;	/* 0: none on record */
	int		 inactive;
	int		 needs_admin;	/* the owner's own: the security
					   function decides */
	const char	*account;	/* reason_str(): "ok", or why not */
	const char	*decision;	/* "keep", "revoke", or NULL */
	const char	*decided_by;	/* NULL until decided */
	int64_t		 decided_ms;
	const char	*comment;	/* may be NULL */
	int		 by_default;	/* decided by the close's default */
	const char	*remediation;	/* what the directory said, or NULL */
};

/* Which items of a campaign: NULL and 0 fields select all. */
struct store_item_filter {
	const char	*user;
	const char	*role;
	const char	*decision;	/* "keep" or "revoke" */
	int		 undecided;	/* only items without a decision */
};

/* A decision on items, as written. */
struct store_decision {
	const char	*decision;	/* "keep" or "revoke" */
	const char	*by;
	int64_t		 when_ms;
	const char	*comment;	/* may be NULL */
	int		 by_default;
};

/*
 * Creates campaign `r` (id, the close fields and the counts ignored)
 * with its `n` items (the decision fields ignored); *id: its number.
 */
int store_review_create(struct store *s, const struct store_review *r,
    const struct store_review_item *items, size_t n, int64_t *id);
/*
 * Calls `cb` for every campaign of `owner` (NULL: all), by id, with
 * nitems and ndecided.
 */
int store_review_list(struct store *s, const char *owner,
    int (*cb)(const struct store_review *, void *), void *arg);
/* Calls `cb` for campaign `id`; AUTHD_ERR_NOT_FOUND if there is none. */
int store_review_get(struct store *s, int64_t id,
    int (*cb)(const struct store_review *, void *), void *arg);
/* Calls `cb` for the items of `id` that `f` selects, by user and role. */
int store_review_items(struct store *s, int64_t id,
    const struct store_item_filter *f,
    int (*cb)(const struct store_review_item *, void *), void *arg);
/*
 * The same listing into memory: *l gets a copy of each item (one block
 * each, the strings inside it).  Free with store_item_list_free, also
 * after an error.
 */
struct store_item_list {
	struct store_review_item	**v;
	size_t				  n, cap;
};
int store_review_items_copy(struct store *s, int64_t id,
    const struct store_item_filter *f, struct store_item_list *l);
void store_item_list_free(struct store_item_list *l);
/*
 * Writes decision `d` on the items of `id` of `user` with `role` (NULL:
 * all their roles), decided or not: the rules (reviewrule.h) checked
 * first.
 */
int store_review_decide(struct store *s, int64_t id, const char *user,
    const char *role, const struct store_decision *d);
/*
 * Closes `id` at `when_ms` by `by` with the default `deflt` (may be
 * NULL) and the chain head that the close record ended
 * (`head_seq`, `head_hash`).
 */
int store_review_close(struct store *s, int64_t id, int64_t when_ms,
    const char *by, const char *deflt, int64_t head_seq,
    const uint8_t head_hash[CHAIN_HASH_LEN]);
/* Records what the directory said when an item's revoke was carried out. */
int store_review_remediation(struct store *s, int64_t id, const char *user,
    const char *role, const char *text);

/* ---- revocations: in force until lifted ---- */

struct store_revocation {
	const char	*system;
	const char	*user;
	const char	*role;
	int64_t		 review_id;
	int64_t		 created_ms;
	const char	*created_by;
};

/* Adds a revocation in force (review `r->review_id`). */
int store_revocation_add(struct store *s, const struct store_revocation *r);
/*
 * 0 and *review_id (the first review that revoked it) when `user`'s
 * `role` on `system` is revoked, AUTHD_ERR_NOT_FOUND when not, or
 * AUTHD_ERR_DB.  Asked on every account decision.
 */
int store_revocation_find(struct store *s, const char *system,
    const char *user, const char *role, int64_t *review_id);
/*
 * Calls `cb` for every revocation in force on `system` (NULL: any) of
 * the campaigns of `owner` (NULL: any), by system, user and role.
 */
int store_revocation_list(struct store *s, const char *system,
    const char *owner, int (*cb)(const struct store_revocation *, void *),
    void *arg);
/*
 * Lifts the revocations of `user` on `system` in force (`role`, or all
 * when NULL) at `when_ms` by `by` with `comment`; *n: how many.
 */
int store_revocation_lift(struct store *s, const char *system,
    const char *user, const char *role, int64_t when_ms, const char *by,
    const char *comment, int64_t *n);

/* ---- the nodes that share the store (`authctl nodes`) ---- */

/* A node as it last said it was alive. */
struct store_node {
	const char	*node;
	int64_t		 started_ms;	/* when it started */
	int64_t		 seen_ms;	/* its last heartbeat */
	int64_t		 head_seq;	/* its chain's head then */
	const char	*policy;	/* the policy version it had in force */
	const char	*version;	/* authd's version */
};

/*
 * In a write transaction: records that node `n->node` is alive now
 * (inserted or updated).
 */
int store_node_beat(struct store *s, const struct store_node *n);
/* Every node that has beaten, by name. */
int store_node_list(struct store *s,
    int (*cb)(const struct store_node *, void *), void *arg);

#endif
