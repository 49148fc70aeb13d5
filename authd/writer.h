/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_WRITER_H
#define AUTHD_WRITER_H

#include <stdint.h>

#include "audit.h"
#include "chain.h"
#include "store.h"

/*
 * The one writer of authd's database, with group commit.  Threads hand it
 * jobs: a function that checks and updates state and appends audit
 * records.  Jobs run one transaction at a time, each in a savepoint (so
 * one job's failure undoes only that job), and writer_run returns only
 * once its job's transaction is durable.  Because there is one writer at
 * a time, a job's check and its update see no other writer in between;
 * because the records and the state share the transaction, no decision is
 * answered before its record is durable and no state changes without its
 * record.
 *
 * Who commits: the thread that hands in a job while nobody is committing
 * commits it itself, with every job waiting; jobs that arrive meanwhile
 * wait and are committed together by the first of their threads once the
 * commit before is done (audit_batch_max at most per transaction, one
 * with audit_group_commit off).  A lone request thus crosses no thread,
 * and concurrent ones share one fsync.  Jobs handed in with writer_submit
 * have no thread waiting for them: the committer goes on committing while
 * such a job is next, and runs their completions (the replies of the
 * decisions, handler.c's req_defer) after each commit.  Under load one
 * thread thus commits batch after batch while the others decide.
 *
 * The writer also keeps the audit hash chain (lib/chain.h), signs a
 * checkpoint every audit_checkpoint_records records or
 * audit_checkpoint_interval seconds (its own thread does that when authd
 * is idle), and copies every record and checkpoint to syslog after the
 * commit, in order.
 */

struct writer;
struct authd;

/* What a job sees: the writer's connection, inside its transaction. */
struct wtx {
	struct writer	*w;
	struct store	*st;
};

/*
 * Opens the writer's own database connection, loads the chain head and
 * starts its thread.  0 or an AUTHD_ERR_* after logging why.
 */
int writer_start(struct authd *ad, struct writer **out);

/*
 * Runs the jobs already handed in, signs a final checkpoint, stops the
 * thread and frees `w`; accepts NULL.
 */
void writer_stop(struct writer *w);

/*
 * The syslog copies of records and checkpoints since start: sent, and
 * lost (not sent, or dropped while too many waited).  Any thread.
 */
void writer_copies(struct writer *w, unsigned long *sent,
    unsigned long *lost);

/*
 * Runs fn(tx, arg) in the writer's transaction and returns once that
 * transaction is durable: fn's result (a non-zero result rolls back fn's
 * changes), or AUTHD_ERR_DB when the commit failed (then nothing fn did
 * happened).
 */
int writer_run(struct writer *w, int (*fn)(struct wtx *, void *), void *arg);

/*
 * Hands fn(tx, arg) to the writer without waiting for it: once its
 * transaction is durable (or failed), finish(arg, result) runs with the
 * result writer_run would have returned, on the thread that committed it
 * (perhaps this one, before writer_submit returns).  finish must not wait
 * for anything slow: the commits after it wait for it.  0 when handed in
 * (finish will be called exactly once), else an AUTHD_ERR_* and finish is
 * never called.
 */
int writer_submit(struct writer *w, int (*fn)(struct wtx *, void *),
    void (*finish)(void *, int), void *arg);

/*
 * Inside a job: appends `r` to the trail, linking it into the hash chain;
 * sets r->seq.  0 or AUTHD_ERR_*.
 */
int writer_audit(struct wtx *tx, struct audit_rec *r);

/*
 * Inside a job: signs the current chain head (or, with seq > 0, the record
 * `seq` whose hash is `hash`) and stores the checkpoint; *cp receives it.
 * AUTHD_ERR_NOT_FOUND when the trail is empty.
 */
int writer_checkpoint(struct wtx *tx, int64_t seq,
    const uint8_t hash[CHAIN_HASH_LEN], struct chain_checkpoint *cp);

/*
 * Inside a job: records that the chain now starts after `seq`/`hash`
 * (prune), so the next verification starts there.
 */
int writer_set_base(struct wtx *tx, int64_t seq,
    const uint8_t hash[CHAIN_HASH_LEN]);

#endif
