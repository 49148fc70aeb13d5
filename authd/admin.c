/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Administrative requests from authctl: enrollment, unlock, reset, status
 * (of a user, or of authd itself) and the audit trail (list, show, prune,
 * checkpoint).  Every change is an
 * audit record written in the same transaction as the change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "authd.h"
#include "authd_err.h"
#include "keeper.h"
#include "log.h"
#include "nodes.h"
#include "secmem.h"
#include "sock.h"
#include "util.h"
#include "writer.h"

#define AUDIT_LIST_MAX	10000

/* A job's outcome: the reason and a message for the administrator. */
struct admin_job {
	struct req	*rq;
	enum reason	 why;
	char		 detail[128];
	struct token	*token;		/* enroll: the new pending token */
	uint64_t	 force;
	/* prune / checkpoint */
	int64_t		 before_ms;
	int64_t		 cut, count;
	struct chain_checkpoint cp;
};

static int
admin_fail(struct req *rq, const char *what, int r, struct proto_msg *reply)
{
	log_err("%s user=%s: %s", what, rq->user ? rq->user : "-",
	    authd_strerror(r));
	return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
}

static int
enroll_tx(struct wtx *tx, void *arg)
{
	struct admin_job *j = arg;
	struct token old;
	int r;

	memset(&old, 0, sizeof(old));
	j->why = RSN_OK;
	r = store_token_get(tx->st, j->rq->user, &old);
	if (r != 0 && r != AUTHD_ERR_NOT_FOUND)
		return r;
	if (r == 0 && strcmp(old.state, "active") == 0 && !j->force)
		j->why = RSN_EXISTS;
	else if ((r = store_token_put(tx->st, j->rq->user, j->token)) != 0 ||
	    (r = store_lockout_clear(tx->st, j->rq->user)) != 0)
		goto out;
	r = req_audit(tx, j->rq, "enroll", j->why == RSN_OK ? "ok" : "deny",
	    j->why, j->why != RSN_OK ? "active token exists" : old.sealed ?
	    "pending token replaces the old one" : "pending token created",
	    NULL);
 out:
	token_clear(&old);
	return r;
}

int
admin_enroll(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct admin_job j;
	struct token t;
	struct dir_account acct;
	char *dn = NULL, *uri = NULL, state[96] = "";
	enum reason why;
	int r;

	memset(&j, 0, sizeof(j));
	memset(&t, 0, sizeof(t));
	j.rq = rq;
	j.token = &t;
	(void)proto_get_u64(rq->m, PROTO_A_FORCE, &j.force);
	/*
	 * Only people the directory knows, and lets in, get a token: asked
	 * now, not from the cache, since a token outlives any cache entry.
	 */
	r = dir_user_entry(rq->w->dir, rq->user, &dn, &acct);
	free(dn);
	why = r == 0 ? dir_account_state(&acct, time(NULL), state,
	    sizeof(state)) : r == AUTHD_ERR_NOT_FOUND ? RSN_UNKNOWN_USER :
	    RSN_DIRECTORY_UNAVAILABLE;
	if (why != RSN_OK) {
		if (req_audit_commit(rq, "enroll", "deny", why, state[0] ?
		    state : NULL, NULL) != 0)
			return admin_fail(rq, "enroll", AUTHD_ERR_DB, reply);
		return reply_set(reply, PROTO_S_DENY, why, why ==
		    RSN_UNKNOWN_USER ? "user not found in the directory" :
		    why == RSN_ACCOUNT_DISABLED ? "the directory account is "
		    "disabled" : why == RSN_ACCOUNT_EXPIRED ? "the directory "
		    "account has expired" : "directory unavailable");
	}
	/*
	 * The key keeper makes the seed, seals it and writes the URI: the
	 * seed is in this process only as the URI that authctl shows once.
	 */
	if ((r = keeper_enroll(ad->keeper, rq->user, &t.sealed, &t.sealed_len,
	    &uri)) != 0)
		goto fail;
	snprintf(t.state, sizeof(t.state), "pending");
	if ((r = writer_run(ad->writer, enroll_tx, &j)) != 0)
		goto fail;
	log_notice("enroll user=%s by %s: %s", rq->user, rq->actor,
	    reason_str(j.why));
	if (j.why == RSN_OK)
		r = reply_set(reply, PROTO_S_ALLOW, RSN_OK, "pending until "
		    "confirmed") ?: proto_add_str(reply, PROTO_A_URI, uri);
	else
		r = reply_set(reply, PROTO_S_DENY, j.why, "user already has "
		    "an active token (use --force to replace it)");
	goto out;
 fail:
	r = admin_fail(rq, "enroll", r, reply);
 out:
	secure_free_str(uri);
	token_clear(&t);
	return r;
}

static int
unlock_tx(struct wtx *tx, void *arg)
{
	struct admin_job *j = arg;
	struct lockout lo;
	int r;

	if ((r = store_lockout_get(tx->st, j->rq->user, &lo)) != 0)
		return r;
	snprintf(j->detail, sizeof(j->detail), "%s; %lld failures cleared",
	    lo.locked_until_ms > wall_ms() ? "was locked" : "was not locked",
	    (long long)lo.failures);
	if ((r = store_lockout_clear(tx->st, j->rq->user)) != 0)
		return r;
	return req_audit(tx, j->rq, "unlock", "ok", RSN_OK, j->detail, NULL);
}

int
admin_unlock(struct req *rq, struct proto_msg *reply)
{
	struct admin_job j;
	int r;

	memset(&j, 0, sizeof(j));
	j.rq = rq;
	if ((r = writer_run(rq->w->ad->writer, unlock_tx, &j)) != 0)
		return admin_fail(rq, "unlock", r, reply);
	log_notice("unlock user=%s by %s (%s)", rq->user, rq->actor, j.detail);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, j.detail);
}

static int
reset_tx(struct wtx *tx, void *arg)
{
	struct admin_job *j = arg;
	int r;

	j->why = RSN_OK;
	r = store_token_delete(tx->st, j->rq->user);
	if (r == AUTHD_ERR_NOT_FOUND)
		j->why = RSN_NO_TOKEN;
	else if (r != 0)
		return r;
	return req_audit(tx, j->rq, "reset", j->why == RSN_OK ? "ok" : "deny",
	    j->why, j->why == RSN_OK ? "token removed" : NULL, NULL);
}

int
admin_reset(struct req *rq, struct proto_msg *reply)
{
	struct admin_job j;
	int r;

	memset(&j, 0, sizeof(j));
	j.rq = rq;
	if ((r = writer_run(rq->w->ad->writer, reset_tx, &j)) != 0)
		return admin_fail(rq, "reset", r, reply);
	log_notice("reset user=%s by %s: %s", rq->user, rq->actor,
	    reason_str(j.why));
	return reply_set(reply, j.why == RSN_OK ? PROTO_S_ALLOW : PROTO_S_DENY,
	    j.why, j.why == RSN_OK ? "token removed" : "user has no token");
}

/* One ROW of the daemon's status (req.h's reply_status_row). */
static int
status_row(struct req *rq, const char *name, const char *state,
    uint64_t count, const char *detail)
{
	return reply_status_row(rq->fd, rq->m->reqid, name, state, count,
	    detail, rq->deadline);
}

/* `authctl status` without a user: authd's own counters and state. */
static int
daemon_status(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct secmem_stats sm;
	unsigned long sent, lost;
	char to[160], mem[128], nodes[256];
	int r;

	writer_copies(ad->writer, &sent, &lost);
	secmem_get_stats(&sm);
	snprintf(to, sizeof(to), "to %s", ad->cfg->syslog_socket);
	snprintf(mem, sizeof(mem), "%zu bytes, %zu in use, %lu overflows to "
	    "the heap", sm.size, sm.used, sm.overflows);
	if (ad->nodes != NULL && (r = status_row(rq, "policy-versions",
	    nodes_policy_state(ad->nodes, nodes, sizeof(nodes)), 0,
	    nodes)) != 0)
		return r;
	if ((r = status_row(rq, "audit-copies-sent", NULL, sent, to)) != 0 ||
	    (r = status_row(rq, "audit-copies-lost", NULL, lost, to)) != 0 ||
	    (r = status_row(rq, "secret-memory", secmem_state_str(sm.state),
	    0, mem)) != 0)
		return r;
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}

int
admin_status(struct req *rq, struct proto_msg *reply)
{
	struct store *st = rq->w->st;
	struct token t;
	struct lockout lo;
	int r, r2;

	if (rq->user == NULL)
		return daemon_status(rq, reply);
	r = store_token_get(st, rq->user, &t);
	if (r != 0 && r != AUTHD_ERR_NOT_FOUND)
		return admin_fail(rq, "status", r, reply);
	if ((r2 = store_lockout_get(st, rq->user, &lo)) != 0) {
		token_clear(&t);
		return admin_fail(rq, "status", r2, reply);
	}
	r2 = reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL) ?:
	    proto_add_str(reply, PROTO_A_USER, rq->user) ?:
	    proto_add_str(reply, PROTO_A_STATE, r == 0 ? t.state : "none") ?:
	    proto_add_u64(reply, PROTO_A_FAILURES, (uint64_t)lo.failures) ?:
	    proto_add_u64(reply, PROTO_A_LOCKED_UNTIL,
	    lo.locked_until_ms > wall_ms() ? (uint64_t)lo.locked_until_ms : 0);
	token_clear(&t);
	return r2;
}

static int
send_row(const struct audit_rec *a, void *arg)
{
	struct req *rq = arg;
	struct proto_msg *m;
	char hex[2 * CHAIN_HASH_LEN + 1];
	int r;

	if ((m = proto_new(PROTO_T_AUDIT_ROW, rq->m->reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (a->hash != NULL)
		chain_hex(a->hash, CHAIN_HASH_LEN, hex);
	r = proto_add_u64(m, PROTO_A_SEQ, (uint64_t)a->seq) ?:
	    proto_add_u64(m, PROTO_A_TIME, (uint64_t)a->time_ms) ?:
	    proto_add_str(m, PROTO_A_EVENT, a->event) ?:
	    proto_add_str(m, PROTO_A_ACTOR, a->actor) ?:
	    proto_add_str(m, PROTO_A_USER, a->user) ?:
	    proto_add_str(m, PROTO_A_SYSTEM, a->system) ?:
	    proto_add_str(m, PROTO_A_SERVICE, a->service) ?:
	    proto_add_str(m, PROTO_A_RHOST, a->rhost) ?:
	    proto_add_str(m, PROTO_A_TTY, a->tty) ?:
	    proto_add_str(m, PROTO_A_DECISION, a->decision) ?:
	    proto_add_str(m, PROTO_A_REASON, a->reason) ?:
	    proto_add_u64(m, PROTO_A_REQID, a->reqid) ?:
	    proto_add_str(m, PROTO_A_NODE, a->node) ?:
	    proto_add_str(m, PROTO_A_DETAIL, a->detail) ?:
	    proto_add_str(m, PROTO_A_POLICY, a->policy) ?:
	    proto_add_str(m, PROTO_A_ROLE, a->role) ?:
	    proto_add_str(m, PROTO_A_RULE, a->rule) ?:
	    proto_add_str(m, PROTO_A_FACTORS, a->factors) ?:
	    proto_add_str(m, PROTO_A_HASH, a->hash ? hex : NULL);
	if (r == 0)
		r = sock_write_msg(rq->fd, m, rq->deadline);
	proto_free(m);
	return r;
}

/* A filter string: absent is fine; present must be a plain token. */
static int
filter_ok(const char *v)
{
	return v == NULL || str_valid_name(v);
}

int
admin_audit_list(struct req *rq, struct proto_msg *reply)
{
	const struct proto_msg *m = rq->m;
	struct audit_filter f;
	uint64_t limit = 100, since = 0, from = 0, until = 0;
	int r;

	memset(&f, 0, sizeof(f));
	if (proto_get_u64(m, PROTO_A_LIMIT, &limit) != 0)
		limit = 100;
	(void)proto_get_u64(m, PROTO_A_SINCE, &since);
	(void)proto_get_u64(m, PROTO_A_TIME_FROM, &from);
	(void)proto_get_u64(m, PROTO_A_TIME_UNTIL, &until);
	f.user = proto_str(m, PROTO_A_USER, NULL);
	f.system = proto_str(m, PROTO_A_SYSTEM, NULL);
	f.event = proto_str(m, PROTO_A_EVENT, NULL);
	f.decision = proto_str(m, PROTO_A_DECISION, NULL);
	f.reason = proto_str(m, PROTO_A_REASON, NULL);
	if (limit == 0 || limit > AUDIT_LIST_MAX || since > INT64_MAX ||
	    from > INT64_MAX || until > INT64_MAX ||
	    (f.user != NULL && !str_valid_user(f.user)) ||
	    !filter_ok(f.system) || !filter_ok(f.event) ||
	    !filter_ok(f.decision) || !filter_ok(f.reason))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "bad filter");
	f.since_seq = (int64_t)since;
	f.time_from = (int64_t)from;
	f.time_until = (int64_t)until;
	f.limit = (int64_t)limit;
	/* Reading is long: give the listing more time than one decision. */
	rq->deadline += 60000;
	if ((r = store_audit_list(rq->w->st, &f, send_row, rq)) != 0) {
		log_err("audit list: %s", authd_strerror(r));
		return r;
	}
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}

int
admin_audit_show(struct req *rq, struct proto_msg *reply)
{
	uint64_t seq = 0;
	int r;

	if (proto_get_u64(rq->m, PROTO_A_SEQ, &seq) != 0 || seq == 0 ||
	    seq > INT64_MAX)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a sequence number is required");
	r = store_audit_get(rq->w->st, (int64_t)seq, send_row, rq);
	if (r == AUTHD_ERR_NOT_FOUND)
		return reply_set(reply, PROTO_S_DENY, RSN_NOT_FOUND,
		    "no record with that sequence number");
	if (r != 0)
		return r;
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}

static int
add_checkpoint(struct proto_msg *reply, const struct chain_checkpoint *cp)
{
	char line[CHAIN_LINE_MAX];
	int r;

	if ((r = chain_checkpoint_format(cp, line, sizeof(line))) != 0)
		return r;
	return proto_add_str(reply, PROTO_A_CHECKPOINT, line);
}

static int
checkpoint_tx(struct wtx *tx, void *arg)
{
	struct admin_job *j = arg;
	int r;

	j->why = RSN_OK;
	r = writer_checkpoint(tx, 0, NULL, &j->cp);
	if (r == AUTHD_ERR_NOT_FOUND) {
		j->why = RSN_NOT_FOUND;
		return 0;
	}
	return r;
}

int
admin_audit_checkpoint(struct req *rq, struct proto_msg *reply)
{
	struct admin_job j;
	int r;

	memset(&j, 0, sizeof(j));
	j.rq = rq;
	if ((r = writer_run(rq->w->ad->writer, checkpoint_tx, &j)) != 0)
		return admin_fail(rq, "audit checkpoint", r, reply);
	if (j.why != RSN_OK)
		return reply_set(reply, PROTO_S_DENY, j.why,
		    "the audit trail is empty");
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL) ?:
	    add_checkpoint(reply, &j.cp);
}

/*
 * A prune keeps the chain verifiable: the record at the cut is signed in
 * a checkpoint, the chain's base moves to it, and the prune itself is the
 * next record, all in one transaction.
 */
static int
prune_tx(struct wtx *tx, void *arg)
{
	struct admin_job *j = arg;
	uint8_t hash[CHAIN_HASH_LEN];
	int64_t n;
	int r;

	if ((r = store_audit_cut(tx->st, j->before_ms, &j->cut, hash,
	    &n)) != 0)
		return r;
	if (j->cut == 0) {
		snprintf(j->detail, sizeof(j->detail), "nothing before the "
		    "given time");
		return req_audit(tx, j->rq, "audit-prune", "ok", RSN_OK,
		    j->detail, NULL);
	}
	if ((r = writer_checkpoint(tx, j->cut, hash, &j->cp)) != 0 ||
	    (r = writer_set_base(tx, j->cut, hash)) != 0 ||
	    (r = store_audit_prune(tx->st, j->cut, &j->count)) != 0)
		return r;
	snprintf(j->detail, sizeof(j->detail), "removed %lld records up to "
	    "seq %lld; chain continues from the checkpoint there",
	    (long long)j->count, (long long)j->cut);
	return req_audit(tx, j->rq, "audit-prune", "ok", RSN_OK, j->detail,
	    NULL);
}

int
admin_audit_prune(struct req *rq, struct proto_msg *reply)
{
	struct admin_job j;
	uint64_t before = 0;
	int r;

	if (proto_get_u64(rq->m, PROTO_A_BEFORE, &before) != 0 ||
	    before == 0 || before > INT64_MAX)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a time is required");
	memset(&j, 0, sizeof(j));
	j.rq = rq;
	j.before_ms = (int64_t)before;
	if ((r = writer_run(rq->w->ad->writer, prune_tx, &j)) != 0)
		return admin_fail(rq, "audit prune", r, reply);
	log_notice("audit prune by %s: %s", rq->actor, j.detail);
	r = reply_set(reply, PROTO_S_ALLOW, RSN_OK, j.detail) ?:
	    proto_add_u64(reply, PROTO_A_SEQ, (uint64_t)j.cut) ?:
	    proto_add_u64(reply, PROTO_A_COUNT, (uint64_t)j.count);
	if (r == 0 && j.cut > 0)
		r = add_checkpoint(reply, &j.cp);
	return r;
}
