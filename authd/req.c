/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every request handler uses: the reply being built, its audit
 * records, handing a decision to the writer and finishing the request
 * once its record is durable.  Below the handlers; the dispatcher
 * (handler.c) is above them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "sock.h"
#include "util.h"
#include "writer.h"

int
reply_set(struct proto_msg *reply, enum proto_status status,
    enum reason reason, const char *message)
{
	int r;

	if ((r = proto_add_u64(reply, PROTO_A_STATUS, status)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_REASON, reason_str(reason))) != 0)
		return r;
	return proto_add_str(reply, PROTO_A_MESSAGE, message);
}

int
req_audit(struct wtx *tx, struct req *rq, const char *event,
    const char *decision, enum reason reason, const char *detail,
    const struct req_cite *cite)
{
	struct audit_rec a;

	memset(&a, 0, sizeof(a));
	a.node = rq->w->ad->cfg->node_name;
	a.event = event;
	a.actor = rq->actor;
	/* A name that failed validation is kept too (escaped) as evidence. */
	a.user = rq->user ? rq->user : rq->m ? proto_str(rq->m, PROTO_A_USER,
	    NULL) : NULL;
	a.system = rq->system;
	a.service = rq->service;
	a.rhost = rq->rhost;
	a.tty = rq->tty;
	a.decision = decision;
	a.reason = reason_str(reason);
	a.reqid = rq->m ? rq->m->reqid : 0;
	a.detail = detail;
	a.policy = rq->policy_version[0] ? rq->policy_version : NULL;
	if (cite != NULL) {
		a.rule = cite->rule;
		a.role = cite->role;
		a.factors = cite->factors;
	}
	return writer_audit(tx, &a);
}

struct one_record {
	struct req		*rq;
	const char		*event, *decision, *detail;
	enum reason		 reason;
	const struct req_cite	*cite;
};

static int
one_record_job(struct wtx *tx, void *arg)
{
	struct one_record *o = arg;

	return req_audit(tx, o->rq, o->event, o->decision, o->reason,
	    o->detail, o->cite);
}

int
req_audit_commit(struct req *rq, const char *event, const char *decision,
    enum reason reason, const char *detail, const struct req_cite *cite)
{
	struct one_record o = { rq, event, decision, detail, reason, cite };

	return writer_run(rq->w->ad->writer, one_record_job, &o);
}

int64_t
req_late_ms(const struct req *rq)
{
	int64_t now;

	if (rq->client_deadline == 0 || (now = mono_ms()) <=
	    rq->client_deadline)
		return 0;
	return now - rq->client_deadline;
}

int
reply_status_row(int fd, uint32_t reqid, const char *name,
    const char *state, uint64_t count, const char *detail, int64_t deadline)
{
	struct proto_msg *m;
	int r;

	if ((m = proto_new(PROTO_T_ROW, reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	r = proto_add_str(m, PROTO_A_KIND, state != NULL ? "state" :
	    "counter") ?:
	    proto_add_str(m, PROTO_A_NAME, name) ?:
	    (state != NULL ? proto_add_str(m, PROTO_A_STATE, state) :
	    proto_add_u64(m, PROTO_A_COUNT, count)) ?:
	    proto_add_str(m, PROTO_A_DETAIL, detail);
	if (r == 0)
		r = sock_write_msg(fd, m, deadline);
	proto_free(m);
	return r;
}

int
reply_error(int fd, uint32_t reqid, enum reason reason, const char *msg,
    int64_t deadline)
{
	struct proto_msg *m;
	int r;

	if ((m = proto_new(PROTO_T_RESULT, reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((r = reply_set(m, PROTO_S_ERROR, reason, msg)) == 0)
		r = sock_write_msg(fd, m, deadline);
	proto_free(m);
	return r;
}

/*
 * Writes the reply of a request that `r` (0, or an AUTHD_ERR_* of its
 * handler) ended.  0 to keep the connection, -1 to close it.
 */
int
req_reply(struct req *rq, int r)
{
	if (r != 0) {
		log_err("request %s: %s", proto_type_name(rq->m->type),
		    authd_strerror(r));
		reply_error(rq->fd, rq->m->reqid, RSN_INTERNAL,
		    "internal error", rq->deadline);
		return -1;
	}
	if ((r = sock_write_msg(rq->fd, rq->reply, rq->deadline)) != 0) {
		rq->last_write_err = r;
		if (r == AUTHD_ERR_TIMEOUT)
			log_warn("%s socket: client does not read its "
			    "replies; closing", peer_sock_name(rq->admin));
		return -1;
	}
	return 0;
}

void
req_free(struct req *rq)
{
	proto_free(rq->reply);
	proto_free(rq->msg);
	free(rq);
}

int
req_defer(struct req *rq, int (*fn)(struct wtx *, void *),
    void (*finish)(void *, int), void *arg)
{
	int r;

	/* Refused (stopping, no memory): answered now, as a failed write. */
	if ((r = writer_submit(rq->w->ad->writer, fn, finish, arg)) != 0)
		finish(arg, r);
	return REQ_DEFERRED;
}

/* A committed allow whose reply did not reach the client. */
struct lost {
	struct req	*rq;
	char		 detail[160];
};

static int
lost_job(struct wtx *tx, void *arg)
{
	struct lost *l = arg;

	return req_audit(tx, l->rq, "reply-lost", "error", RSN_REPLY_LOST,
	    l->detail, NULL);
}

static void
lost_finish(void *arg, int result)
{
	struct lost *l = arg;
	void *conn = l->rq->conn;
	req_done_fn *done = l->rq->done;

	if (result != 0)
		log_err("audit write failed for a lost reply");
	req_free(l->rq);
	free(l);
	done(conn, 0);
}

/* 1 when `rq`'s reply lets a user in (an allow of auth or account). */
static int
reply_allows(const struct req *rq)
{
	uint64_t st = PROTO_S_ERROR;

	return rq->m != NULL && (rq->m->type == PROTO_T_AUTH ||
	    rq->m->type == PROTO_T_ACCOUNT) && rq->reply != NULL &&
	    proto_get_u64(rq->reply, PROTO_A_STATUS, &st) == 0 &&
	    st == PROTO_S_ALLOW;
}

void
req_finish(struct req *rq, int r)
{
	void *conn = rq->conn;
	req_done_fn *done = rq->done;
	struct lost *l;
	int keep, wr;

	/* The thread that committed writes this: it never waits. */
	rq->deadline = mono_ms();
	keep = req_reply(rq, r);
	/*
	 * An allow is written down before its reply goes out; when the
	 * reply then cannot be written, the trail says so too.
	 */
	if (keep != 0 && r == 0 && reply_allows(rq) &&
	    (l = calloc(1, sizeof(*l))) != NULL) {
		wr = rq->last_write_err;
		l->rq = rq;
		snprintf(l->detail, sizeof(l->detail), "the allow of request "
		    "%08x was committed but its reply could not be written "
		    "(%s)", (unsigned)rq->m->reqid, authd_strerror(wr));
		if (writer_submit(rq->w->ad->writer, lost_job, lost_finish,
		    l) == 0)
			return;
		free(l);
	}
	req_free(rq);
	done(conn, keep == 0);
}
