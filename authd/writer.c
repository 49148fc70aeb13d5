/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <syslog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authd.h"
#include "authd_err.h"
#include "keeper.h"
#include "log.h"
#include "slog.h"
#include "util.h"
#include "writer.h"

struct wjob {
	int		(*fn)(struct wtx *, void *);
	void		*arg;
	/* writer_submit: called once committed, no thread waits (heap) */
	void		(*finish)(void *, int);
	int		 result;
	int		 done;
	int		 lead;		/* its waiter is to commit next */
	int		 woken;		/* released: done, and may return */
	pthread_cond_t	 cv;		/* its waiter alone is woken */
	struct wjob	*next;
};

/* A syslog copy waiting for its transaction to commit. */
struct wline {
	char	*msgid;
	char	*sd;
	char	*msg;
};

struct writer {
	struct authd		*ad;
	struct store		*st;
	struct slog		*slog;
	pthread_t		 th;
	int			 started;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;		/* the writer thread: stop */
	struct wjob		*head, *tail;	/* waiting for a commit */
	int			 busy;		/* a thread is committing */
	int			 stopping;
	/* chain state, owned by the writer thread */
	int64_t			 head_seq;
	uint8_t			 head_hash[CHAIN_HASH_LEN];
	int64_t			 cp_seq;	/* last checkpoint of the head */
	int64_t			 cp_time_ms;
	int			 head_stale;	/* a commit failed: read it */
	unsigned long long	 njobs, nbatches;	/* for the stop log */
	/*
	 * WAL checkpoints run on the writer thread's own connection, not in
	 * the commit of whoever crosses SQLite's page threshold: copying
	 * the WAL into the database and syncing it takes milliseconds.
	 */
	struct store		*ckst;
	atomic_int		 ckpt_wanted;
	atomic_int		 ckpt_base;	/* WAL pages the last one saw */
	int			 ckpt_hold;	/* the writer thread wants the role */
	int			 hold_granted;	/* and has it */
	/* syslog copies of the current transaction */
	struct wline		*lines;
	size_t			 nlines, caplines;
	/*
	 * Copies of committed transactions, in order, for the writer
	 * thread to send (under mtx): a slow syslog never holds a commit.
	 */
	struct wline		*out;
	size_t			 nout, capout;
	unsigned long		 out_dropped;
};

static void
lines_drop(struct writer *w, size_t keep)
{
	while (w->nlines > keep) {
		struct wline *l = &w->lines[--w->nlines];

		free(l->msgid);
		free(l->sd);
		free(l->msg);
	}
}

static int
line_add(struct writer *w, const char *msgid, const char *sd, const char *msg)
{
	struct wline *n;

	if (w->nlines == w->caplines) {
		size_t cap = w->caplines ? 2 * w->caplines : 64;

		if ((n = realloc(w->lines, cap * sizeof(*n))) == NULL)
			return AUTHD_ERR_NOMEM;
		w->lines = n;
		w->caplines = cap;
	}
	n = &w->lines[w->nlines];
	n->msgid = strdup(msgid);
	n->sd = sd ? strdup(sd) : NULL;
	n->msg = strdup(msg ? msg : "");
	w->nlines++;
	if (n->msgid == NULL || (sd && n->sd == NULL) || n->msg == NULL) {
		lines_drop(w, w->nlines - 1);
		return AUTHD_ERR_NOMEM;
	}
	return 0;
}

/* Copies `v` sanitised into `buf`; NULL stays NULL. */
static const char *
clean(const char *v, char *buf, size_t sz)
{
	if (v == NULL)
		return NULL;
	return str_sanitize(v, strlen(v), buf, sz);
}

int
writer_audit(struct wtx *tx, struct audit_rec *r)
{
	struct writer *w = tx->w;
	char b[15][1024], sd[2048], hex[2 * CHAIN_HASH_LEN + 1], seqs[32];
	struct chain_rec c;
	struct audit_rec s;
	uint8_t hash[CHAIN_HASH_LEN];
	int ret;

	/* What is hashed is exactly what is stored: sanitised text. */
	memset(&c, 0, sizeof(c));
	s = *r;
	s.seq = w->head_seq + 1;
	if (s.time_ms == 0)
		s.time_ms = wall_ms();
	s.node = clean(r->node ? r->node : "-", b[0], sizeof(b[0]));
	s.event = clean(r->event, b[1], sizeof(b[1]));
	s.actor = clean(r->actor ? r->actor : "-", b[2], sizeof(b[2]));
	s.user = clean(r->user, b[3], sizeof(b[3]));
	s.system = clean(r->system, b[4], sizeof(b[4]));
	s.service = clean(r->service, b[5], sizeof(b[5]));
	s.rhost = clean(r->rhost, b[6], sizeof(b[6]));
	s.tty = clean(r->tty, b[7], sizeof(b[7]));
	s.decision = clean(r->decision, b[8], sizeof(b[8]));
	s.reason = clean(r->reason, b[9], sizeof(b[9]));
	s.detail = clean(r->detail, b[10], sizeof(b[10]));
	s.policy = clean(r->policy, b[11], sizeof(b[11]));
	s.role = clean(r->role, b[12], sizeof(b[12]));
	s.rule = clean(r->rule, b[13], sizeof(b[13]));
	s.factors = clean(r->factors, b[14], sizeof(b[14]));
	audit_to_chain(&s, &c);
	if ((ret = chain_hash(w->head_hash, &c, hash)) != 0)
		return ret;
	if ((ret = store_audit_append(tx->st, &s, hash)) != 0)
		return ret;
	w->head_seq = s.seq;
	memcpy(w->head_hash, hash, sizeof(hash));
	r->seq = s.seq;

	chain_hex(hash, sizeof(hash), hex);
	snprintf(seqs, sizeof(seqs), "%lld", (long long)s.seq);
	snprintf(sd, sizeof(sd), "[authd@32473");
	slog_param(sd, sizeof(sd) - 1, "seq", seqs);
	slog_param(sd, sizeof(sd) - 1, "hash", hex);
	slog_param(sd, sizeof(sd) - 1, "event", s.event);
	slog_param(sd, sizeof(sd) - 1, "decision", s.decision);
	slog_param(sd, sizeof(sd) - 1, "reason", s.reason);
	slog_param(sd, sizeof(sd) - 1, "user", s.user);
	slog_param(sd, sizeof(sd) - 1, "system", s.system);
	slog_param(sd, sizeof(sd) - 1, "service", s.service);
	slog_param(sd, sizeof(sd) - 1, "rhost", s.rhost);
	slog_param(sd, sizeof(sd) - 1, "actor", s.actor);
	strcat(sd, "]");
	return line_add(w, "audit", sd, s.detail ? s.detail : "");
}

int
writer_checkpoint(struct wtx *tx, int64_t seq,
    const uint8_t hash[CHAIN_HASH_LEN], struct chain_checkpoint *cp)
{
	struct writer *w = tx->w;
	char line[CHAIN_LINE_MAX];
	int r;

	memset(cp, 0, sizeof(*cp));
	if (seq == 0) {
		if (w->head_seq == 0)
			return AUTHD_ERR_NOT_FOUND;
		seq = w->head_seq;
		hash = w->head_hash;
	}
	cp->seq = seq;
	cp->time_ms = wall_ms();
	memcpy(cp->hash, hash, CHAIN_HASH_LEN);
	snprintf(cp->node, sizeof(cp->node), "%s", w->ad->cfg->node_name);
	/* Signed by the key keeper: the key is not in this process. */
	if ((r = keeper_sign(w->ad->keeper, cp)) != 0 ||
	    (r = store_audit_checkpoint_put(tx->st, cp)) != 0 ||
	    (r = chain_checkpoint_format(cp, line, sizeof(line))) != 0)
		return r;
	if (seq == w->head_seq) {
		w->cp_seq = seq;
		w->cp_time_ms = cp->time_ms;
	}
	return line_add(w, "checkpoint", NULL, line);
}

int
writer_set_base(struct wtx *tx, int64_t seq, const uint8_t hash[CHAIN_HASH_LEN])
{
	return store_audit_base_set(tx->st, seq, hash);
}

/* Copies waiting for the writer thread, at most (then dropped, counted). */
#define OUT_MAX		65536

static void
line_free(struct wline *l)
{
	free(l->msgid);
	free(l->sd);
	free(l->msg);
}

/*
 * Durable (w->mtx held): the syslog copies of the last transaction go to
 * the writer thread, which sends them in commit order.
 */
static void
lines_hand_over(struct writer *w)
{
	struct wline *n;
	size_t i, cap;

	if (w->nlines == 0)
		return;
	if (w->nout + w->nlines > w->capout) {
		cap = w->capout ? w->capout : 256;
		while (cap < w->nout + w->nlines)
			cap *= 2;
		if (cap > OUT_MAX)
			cap = OUT_MAX;
		if (cap > w->capout && (n = realloc(w->out, cap *
		    sizeof(*n))) != NULL) {
			w->out = n;
			w->capout = cap;
		}
	}
	for (i = 0; i < w->nlines; i++) {
		if (w->nout < w->capout)
			w->out[w->nout++] = w->lines[i];
		else {
			line_free(&w->lines[i]);
			w->out_dropped++;
		}
	}
	w->nlines = 0;
	pthread_cond_signal(&w->cv);
}

/* The writer thread (w->mtx held): sends what commits handed over. */
static void
lines_send(struct writer *w)
{
	struct wline *out;
	unsigned long dropped;
	size_t i, n;

	while (w->nout > 0 || w->out_dropped > 0) {
		out = w->out;
		n = w->nout;
		dropped = w->out_dropped;
		w->out = NULL;
		w->nout = w->capout = 0;
		w->out_dropped = 0;
		pthread_mutex_unlock(&w->mtx);
		for (i = 0; i < n; i++) {
			slog_queue(w->slog, out[i].msgid, out[i].sd,
			    out[i].msg);
			line_free(&out[i]);
		}
		slog_flush(w->slog);
		free(out);
		if (dropped > 0) {
			char why[64];

			snprintf(why, sizeof(why), "more than %d waiting",
			    OUT_MAX);
			slog_drop(w->slog, dropped, why);
		}
		pthread_mutex_lock(&w->mtx);
	}
}

static int load_head(struct writer *);

/*
 * Runs a batch of jobs in one transaction (or each alone).  The syslog
 * copies of a committed batch stay in w->lines for lines_send().
 */
static void
run_batch(struct writer *w, struct wjob *jobs)
{
	const struct config *c = w->ad->cfg;
	struct wtx tx = { w, w->st };
	struct chain_checkpoint cp;
	uint8_t saved_hash[CHAIN_HASH_LEN], job_hash[CHAIN_HASH_LEN];
	int64_t saved_seq = w->head_seq, saved_cp = w->cp_seq;
	int64_t saved_cpt = w->cp_time_ms, job_seq, job_cp, job_cpt;
	struct wjob *j;
	size_t job_lines;
	int r;

	w->nbatches++;
	if ((r = store_begin(w->st)) != 0) {
		memcpy(saved_hash, w->head_hash, sizeof(saved_hash));
		goto fail;
	}
	/*
	 * After a failed commit the chain may stand elsewhere than this
	 * thread last knew: a server can keep a transaction it did not
	 * confirm (a synchronous standby that never answered).  The
	 * database says where, inside the transaction.
	 */
	if (w->head_stale && (r = load_head(w)) == 0) {
		w->head_stale = 0;
		log_notice("writer: after a failed commit the chain stands at "
		    "seq %lld", (long long)w->head_seq);
	}
	saved_seq = w->head_seq;
	saved_cp = w->cp_seq;
	saved_cpt = w->cp_time_ms;
	memcpy(saved_hash, w->head_hash, sizeof(saved_hash));
	if (r != 0)
		goto fail;
	for (j = jobs; j != NULL; j = j->next) {
		w->njobs++;
		job_seq = w->head_seq;
		job_cp = w->cp_seq;
		job_cpt = w->cp_time_ms;
		memcpy(job_hash, w->head_hash, sizeof(job_hash));
		job_lines = w->nlines;
		if ((r = store_savepoint(w->st)) != 0)
			goto fail;
		j->result = j->fn(&tx, j->arg);
		if (j->result != 0) {
			/* Undo this job only, chain head included. */
			if ((r = store_savepoint_undo(w->st)) != 0)
				goto fail;
			w->head_seq = job_seq;
			w->cp_seq = job_cp;
			w->cp_time_ms = job_cpt;
			memcpy(w->head_hash, job_hash, sizeof(job_hash));
			lines_drop(w, job_lines);
		}
		if ((r = store_savepoint_release(w->st)) != 0)
			goto fail;
	}
	if (w->head_seq - w->cp_seq >= c->audit_checkpoint_records &&
	    (r = writer_checkpoint(&tx, 0, NULL, &cp)) != 0)
		goto fail;
	if ((r = store_commit(w->st)) != 0)
		goto fail;
	return;
 fail:
	store_rollback(w->st);
	w->head_seq = saved_seq;
	memcpy(w->head_hash, saved_hash, sizeof(saved_hash));
	w->cp_seq = saved_cp;
	w->cp_time_ms = saved_cpt;
	lines_drop(w, 0);
	w->head_stale = 1;
	for (j = jobs; j != NULL; j = j->next)
		j->result = AUTHD_ERR_DB;
	log_err("writer: transaction failed; %s", "its requests are refused");
}

static int
cp_job(struct wtx *tx, void *arg)
{
	return writer_checkpoint(tx, 0, NULL, arg);
}

/* A checkpoint is due by time: records since the last, interval passed. */
static int
cp_due(struct writer *w, int64_t now)
{
	return w->head_seq > w->cp_seq && now - w->cp_time_ms >=
	    w->ad->cfg->audit_checkpoint_interval * 1000;
}

/*
 * Group commit without a commit thread.  The first thread to hand in a
 * job while nobody commits becomes the committer: it takes every job
 * waiting (its own among them), runs them in one transaction, sends the
 * syslog copies, and wakes the batch.  Jobs handed in meanwhile wait; when
 * the committer is done it passes the role to the first of them, whose
 * thread then commits them all.  A lone request thus costs no thread
 * hand-off, and concurrent ones still share one fsync.  The chain state,
 * the syslog copies and the database connection belong to the committer
 * (`busy`), handed on under w->mtx.
 */

/* Takes the next batch off the queue (w->mtx held). */
static struct wjob *
take_batch(struct writer *w)
{
	size_t max = w->ad->cfg->audit_group_commit ?
	    (size_t)w->ad->cfg->audit_batch_max : 1;
	struct wjob *batch = w->head, *j;
	size_t n;

	for (n = 1, j = batch; j != NULL && n < max; n++)
		j = j->next;
	if (j != NULL) {
		w->head = j->next;
		j->next = NULL;
	} else
		w->head = NULL;
	if (w->head == NULL)
		w->tail = NULL;
	return batch;
}

/*
 * Gives up the committer role (w->mtx held): to the first waiting job's
 * thread if there is one, else to nobody.
 */
static void
pass_on(struct writer *w)
{
	if (w->ckpt_hold) {
		/* To the writer thread, for a checkpoint no commit disturbs. */
		w->hold_granted = 1;
		pthread_cond_signal(&w->cv);
	} else if (w->head != NULL) {
		w->head->lead = 1;
		pthread_cond_signal(&w->head->cv);
	} else
		w->busy = 0;
}

/* Whether the committer must go on: a job nobody else would commit waits. */
static int
more_to_commit(struct writer *w, struct wjob *mine)
{
	if (mine != NULL && !mine->done)
		return 1;
	return w->head != NULL && w->head->finish != NULL && !w->ckpt_hold;
}

/*
 * As the committer: commits batches until `mine` is done (NULL: one batch
 * at most, for the writer thread's checkpoints), and on while the next
 * job waiting was handed in by writer_submit, whose thread does not wait.
 * Called and returns with w->mtx held.
 */
static void
commit_until(struct writer *w, struct wjob *mine)
{
	struct wjob *batch, **pp, *fin, **fp, *j;
	int64_t now;

	do {
		batch = take_batch(w);
		pthread_mutex_unlock(&w->mtx);
		if (batch != NULL)
			run_batch(w, batch);
		now = wall_ms();
		if (cp_due(w, now)) {
			struct chain_checkpoint cp;
			struct wjob cpjob;

			memset(&cpjob, 0, sizeof(cpjob));
			cpjob.fn = cp_job;
			cpjob.arg = &cp;
			run_batch(w, &cpjob);
			/* A failed checkpoint waits an interval, not spins. */
			if (cpjob.result != 0)
				w->cp_time_ms = now;
		}
		pthread_mutex_lock(&w->mtx);
		/*
		 * Release the batch, mine and the submitted jobs aside, in a
		 * chain: each released waiter releases the next (writer_run),
		 * so that this thread does not pay for every wake-up.
		 */
		fin = NULL;
		fp = &fin;
		for (pp = &batch; *pp != NULL; ) {
			j = *pp;
			j->done = 1;
			if (j == mine || j->finish != NULL) {
				*pp = j->next;
				j->next = NULL;
				if (j->finish != NULL) {
					*fp = j;
					fp = &j->next;
				}
			} else
				pp = &j->next;
		}
		if (batch != NULL) {
			batch->woken = 1;
			pthread_cond_signal(&batch->cv);
		}
		/* The copies follow, in order, from the writer thread. */
		lines_hand_over(w);
		if (fin != NULL) {
			/* Their replies: on this thread, never under w->mtx. */
			pthread_mutex_unlock(&w->mtx);
			while ((j = fin) != NULL) {
				fin = j->next;
				j->finish(j->arg, j->result);
				free(j);
			}
			pthread_mutex_lock(&w->mtx);
		}
	} while (more_to_commit(w, mine));
	pass_on(w);
}

/*
 * WAL growth after which the writer thread checkpoints: small, because
 * the fsync of the database that ends a checkpoint delays the commits'
 * own fsync (SQLite's default is 1,000).
 */
#define WAL_CHECKPOINT_PAGES	250
/*
 * WAL pages after which it holds commits for one: while commits stream
 * in, a passive checkpoint never copies the last frames, so the WAL is
 * never started over and would grow without bound.
 */
#define WAL_HOLD_PAGES		16000
/*
 * Before holding commits: passive rounds while a round copies more than
 * WAL_HOLD_TAIL frames, at most WAL_CATCH_UP_ROUNDS of them.
 */
#define WAL_HOLD_TAIL		100
#define WAL_CATCH_UP_ROUNDS	4

/* After each commit (committer's thread): ask for a checkpoint if due. */
static void
wal_grown(void *arg, int pages)
{
	struct writer *w = arg;
	int base = atomic_load(&w->ckpt_base);

	/*
	 * Only when the WAL grew by as much again since the last checkpoint
	 * (or started over): while commits stream in, a checkpoint leaves
	 * the WAL as long as it was, and asking after every commit would
	 * copy and sync the database file back to back.
	 */
	if (pages < base)
		base = 0;
	if (pages >= base + WAL_CHECKPOINT_PAGES &&
	    atomic_exchange(&w->ckpt_wanted, 1) == 0) {
		pthread_mutex_lock(&w->mtx);
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mtx);
	}
}

/*
 * A PASSIVE checkpoint on the writer thread's connection; *log: WAL
 * frames, *done: how many of them are in the database now.
 */
static void
ckpt_passive(struct writer *w, int *log, int *done)
{
	int r;

	r = store_checkpoint(w->ckst, log, done);
	atomic_store(&w->ckpt_base, r == 0 && *log > 0 ? *log : 0);
}

/*
 * The writer thread, w->mtx held: checkpoints the WAL when asked.  A
 * PASSIVE checkpoint lets commits go on (frames they use wait), so under
 * sustained load it never copies the last frames and the WAL never starts
 * over.  Past WAL_HOLD_PAGES the writer thread checkpoints again while
 * each round still has much to copy (the frames committed during the one
 * before), then takes the committer role for one last, short checkpoint;
 * the next commit starts the WAL over.
 */
static void
wal_checkpoint(struct writer *w)
{
	int log, done, before, i;

	if (atomic_exchange(&w->ckpt_wanted, 0) == 0)
		return;
	pthread_mutex_unlock(&w->mtx);
	ckpt_passive(w, &log, &done);
	for (i = 0; i < WAL_CATCH_UP_ROUNDS && log >= WAL_HOLD_PAGES; i++) {
		before = done;
		ckpt_passive(w, &log, &done);
		if (done - before <= WAL_HOLD_TAIL)
			break;
	}
	pthread_mutex_lock(&w->mtx);
	if (log < WAL_HOLD_PAGES)
		return;
	if (w->busy) {
		w->ckpt_hold = 1;
		while (!w->hold_granted)
			pthread_cond_wait(&w->cv, &w->mtx);
		w->ckpt_hold = w->hold_granted = 0;
	} else
		w->busy = 1;
	pthread_mutex_unlock(&w->mtx);
	ckpt_passive(w, &log, &done);
	pthread_mutex_lock(&w->mtx);
	/* Submitted jobs that waited meanwhile have no thread of their own. */
	commit_until(w, NULL);
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct timespec ts;
	int64_t next_tick = mono_ms() + 1000;

	/*
	 * The writer thread commits nothing of its own: it sends the
	 * syslog copies of every commit, checkpoints the WAL when asked,
	 * signs the chain head when records wait for a checkpoint and
	 * nobody commits, and once more at stop.
	 */
	pthread_mutex_lock(&w->mtx);
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		if (w->stopping)
			ts.tv_nsec += 10 * 1000 * 1000;	/* a committer ends */
		else
			ts.tv_sec += 1;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if ((w->busy || !w->stopping) &&
		    atomic_load(&w->ckpt_wanted) == 0 && w->nout == 0)
			(void)pthread_cond_timedwait(&w->cv, &w->mtx, &ts);
		lines_send(w);
		/* Lost copies are logged even when nothing more is sent. */
		pthread_mutex_unlock(&w->mtx);
		slog_tick(w->slog);
		pthread_mutex_lock(&w->mtx);
		wal_checkpoint(w);
		/* The committer role once a second (or at stop), no more. */
		if (!w->stopping && mono_ms() < next_tick)
			continue;
		next_tick = mono_ms() + 1000;
		if (w->busy)
			continue;
		w->busy = 1;
		if (w->stopping)
			w->cp_time_ms = 0;	/* sign what is left */
		commit_until(w, NULL);
		if (w->stopping && w->head == NULL) {
			lines_send(w);
			break;
		}
	}
	pthread_mutex_unlock(&w->mtx);
	return NULL;
}

/* Finds where the chain stands: the newest record, or the prune base. */
static int
load_head(struct writer *w)
{
	int r;

	if ((r = store_audit_head(w->st, &w->head_seq, w->head_hash)) != 0)
		return r;
	return store_audit_last_checkpoint(w->st, &w->cp_seq,
	    &w->cp_time_ms);
}

int
writer_start(struct authd *ad, struct writer **out)
{
	const struct config *c = ad->cfg;
	struct store_params sp;
	struct writer *w;
	int fac = LOG_AUTHPRIV, r;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return AUTHD_ERR_NOMEM;
	w->ad = ad;
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cv, NULL);
	(void)slog_facility(c->syslog_facility, &fac);
	if ((w->slog = slog_open(c->syslog_socket, fac, c->node_name)) ==
	    NULL) {
		r = AUTHD_ERR_NOMEM;
		goto fail;
	}
	store_params(c, ad->dbpw, &sp);
	if ((r = store_open(&sp, 0, &w->st)) != 0 ||
	    (r = store_open(&sp, 0, &w->ckst)) != 0 ||
	    (r = load_head(w)) != 0)
		goto fail;
	/* The writer thread checkpoints the log, off the commit path. */
	store_on_commit(w->st, wal_grown, w);
	if (pthread_create(&w->th, NULL, writer_main, w) != 0) {
		r = AUTHD_ERR_SYSTEM;
		goto fail;
	}
	w->started = 1;
	log_info("audit chain at seq %lld (last checkpoint %lld), key %s, "
	    "group commit %s", (long long)w->head_seq, (long long)w->cp_seq,
	    keeper_key_id(ad->keeper), c->audit_group_commit ? "on" : "off");
	*out = w;
	return 0;
 fail:
	writer_stop(w);
	return r;
}

void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mtx);
		w->stopping = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mtx);
		pthread_join(w->th, NULL);
		log_info("writer: %llu jobs in %llu transactions", w->njobs,
		    w->nbatches);
	}
	lines_drop(w, 0);
	free(w->lines);
	while (w->nout > 0)
		line_free(&w->out[--w->nout]);
	free(w->out);
	store_close(w->st);
	store_close(w->ckst);
	slog_close(w->slog);
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cv);
	free(w);
}

void
writer_copies(struct writer *w, unsigned long *sent, unsigned long *lost)
{
	slog_counts(w->slog, sent, lost);
}

/* Queues `job` (w->mtx held): 0, or AUTHD_ERR_DB while the writer stops. */
static int
enqueue(struct writer *w, struct wjob *job)
{
	if (w->stopping)
		return AUTHD_ERR_DB;
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	return 0;
}

int
writer_run(struct writer *w, int (*fn)(struct wtx *, void *), void *arg)
{
	struct wjob job;
	int committed = 0;

	memset(&job, 0, sizeof(job));
	job.fn = fn;
	job.arg = arg;
	pthread_cond_init(&job.cv, NULL);
	will_block();
	pthread_mutex_lock(&w->mtx);
	if (enqueue(w, &job) != 0) {
		pthread_mutex_unlock(&w->mtx);
		pthread_cond_destroy(&job.cv);
		return AUTHD_ERR_DB;
	}
	/* Nobody commits: this thread does, its job and all waiting. */
	if (!w->busy) {
		w->busy = 1;
		commit_until(w, &job);
		committed = 1;
	}
	/* Else: released by the job before it, or asked to commit next. */
	while (!committed && !job.woken) {
		if (job.lead) {
			job.lead = 0;
			commit_until(w, &job);
			committed = 1;
			break;
		}
		pthread_cond_wait(&job.cv, &w->mtx);
	}
	if (!committed && job.next != NULL) {
		job.next->woken = 1;
		pthread_cond_signal(&job.next->cv);
	}
	pthread_mutex_unlock(&w->mtx);
	pthread_cond_destroy(&job.cv);
	return job.result;
}

int
writer_submit(struct writer *w, int (*fn)(struct wtx *, void *),
    void (*finish)(void *, int), void *arg)
{
	struct wjob *job;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return AUTHD_ERR_NOMEM;
	job->fn = fn;
	job->arg = arg;
	job->finish = finish;
	pthread_mutex_lock(&w->mtx);
	if (enqueue(w, job) != 0) {
		pthread_mutex_unlock(&w->mtx);
		free(job);
		return AUTHD_ERR_DB;
	}
	/* Nobody commits: this thread does, while submitted jobs wait. */
	if (!w->busy) {
		w->busy = 1;
		will_block();
		commit_until(w, NULL);
	}
	pthread_mutex_unlock(&w->mtx);
	return 0;
}
