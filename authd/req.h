/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_REQ_H
#define AUTHD_REQ_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stdint.h>

#include "proto.h"
#include "reason.h"

/*
 * One request and what its handler uses to answer it (req.c): the reply,
 * audit records, the writer's commit, the end of the request.  The
 * dispatcher (handler.h) makes requests and calls the handlers; the
 * handlers call only these, never the dispatcher or the server.
 */

struct tls_id;
struct worker;
struct wtx;

/* Gives a connection back to its owner: keep it (1) or close it (0). */
typedef void req_done_fn(void *conn, int keep);

/* One request being handled. */
struct req {
	struct worker		*w;
	const struct proto_msg	*m;
	int			 fd;
	int			 admin;		/* SOCK_*: where it arrived */
	int64_t			 deadline;	/* mono_ms(): replies */
	int64_t			 client_deadline; /* mono_ms() when the client
						    stops waiting (WAIT), or 0 */
	int64_t			 arrived;	/* mono_ms() */
	int			 last_write_err; /* of the reply, or 0 */
	struct ucred		 peer;		/* local sockets */
	const struct tls_id	*tls;		/* SOCK_TLS: the host */
	char			 actor[320];
	const char		*user;		/* validated, or NULL */
	const char		*system;
	const char		*service;
	const char		*rhost;
	const char		*tty;
	char			 policy_version[17];	/* cited in records */
	char			 sysname[65];	/* the system a service mapped to */
	struct proto_msg	*msg;		/* owned: m */
	struct proto_msg	*reply;		/* owned: the RESULT being built */
	void			*conn;		/* the server's, for done */
	req_done_fn		*done;
};

/*
 * A handler that has nothing left to do but write down its decision hands
 * it on instead of waiting for the commit: req_defer(rq, fn, finish, arg)
 * gives fn to the writer (writer_submit) and returns REQ_DEFERRED, which
 * the handler returns as it is; finish(arg, result) then fills rq->reply
 * and calls req_finish(rq, r) (r: 0 or an AUTHD_ERR_*), which writes the
 * reply without waiting, frees rq and gives the connection back
 * (rq->done).  When the writer cannot take the job, finish runs at once
 * with that error, on this thread, as after a failed write.
 */
#define REQ_DEFERRED		1
int req_defer(struct req *rq, int (*fn)(struct wtx *, void *),
    void (*finish)(void *, int), void *arg);
void req_finish(struct req *rq, int r);

/*
 * Writes the reply of a request that `r` (0, or an AUTHD_ERR_* of its
 * handler) ended: rq->reply, or an internal error.  0 to keep the
 * connection, -1 to close it.
 */
int req_reply(struct req *rq, int r);
/* Frees `rq`, its message and its reply. */
void req_free(struct req *rq);

/*
 * Writes a RESULT with status error, `reason` and `msg` to `fd`, waiting
 * until `deadline` at most (mono_ms(); pass mono_ms() never to wait).
 */
int reply_error(int fd, uint32_t reqid, enum reason reason, const char *msg,
    int64_t deadline);

/*
 * Writes one ROW of a daemon's status (`authctl status` without a user)
 * to `fd`: KIND "counter" with COUNT, or "state" with STATE (when `state`
 * is not NULL); DETAIL may be NULL.  0 or an AUTHD_ERR_*.
 */
int reply_status_row(int fd, uint32_t reqid, const char *name,
    const char *state, uint64_t count, const char *detail, int64_t deadline);

/* Sets STATUS, REASON and (if not NULL) MESSAGE on a RESULT. */
int reply_set(struct proto_msg *reply, enum proto_status status,
    enum reason reason, const char *message);

/* Decision context an audit record may cite; any field may be NULL. */
struct req_cite {
	const char	*rule;
	const char	*role;
	const char	*factors;
};

/*
 * Inside a writer job: appends one audit record for `rq`.  `event`,
 * `decision`, `reason` as stored; `detail` and `cite` may be NULL.
 */
int req_audit(struct wtx *tx, struct req *rq, const char *event,
    const char *decision, enum reason reason, const char *detail,
    const struct req_cite *cite);

/*
 * Writes one audit record through the writer (for decisions that change
 * no other state).  0 only once the record is durable.
 */
int req_audit_commit(struct req *rq, const char *event, const char *decision,
    enum reason reason, const char *detail, const struct req_cite *cite);

/*
 * Inside a writer job, for a decision about to be written: 0 while the
 * client still waits for it, else how many ms ago it stopped waiting
 * (then an allow must not be committed: the request is abandoned).
 */
int64_t req_late_ms(const struct req *rq);

#endif
