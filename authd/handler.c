/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/socket.h>

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "authd.h"
#include "authd_err.h"
#include "budget.h"
#include "log.h"
#include "server.h"
#include "sock.h"
#include "util.h"
#include "writer.h"

#define GROUPS_MAX	256


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

/* Time kept back from the client's WAIT for the commit and the reply. */
#define WAIT_MARGIN_MS	200

/*
 * The moment the client stops waiting, from the WAIT it sent (PAM socket
 * only), as a deadline for the directory and for committing an allow.
 */
static void
client_deadline(struct req *rq, int64_t arrived)
{
	uint64_t wait = 0;

	rq->client_deadline = 0;
	if (rq->admin != SOCK_PAM || proto_get_u64(rq->m, PROTO_A_WAIT,
	    &wait) != 0)
		return;
	if (wait > 600000)
		wait = 600000;
	rq->client_deadline = arrived + (wait > WAIT_MARGIN_MS ?
	    (int64_t)wait - WAIT_MARGIN_MS : 1);
}

/*
 * Returns 1 if the peer on `fd` runs as root or has `gid` among its
 * groups.  The groups are those of the connecting process itself
 * (SO_PEERGROUPS), as a file permission check would see them; where the
 * kernel cannot tell, the user's groups from the group database count.
 */
static int
peer_in_group(int fd, const struct ucred *peer, int have_gid, gid_t gid)
{
	struct passwd pw, *pwp = NULL;
	gid_t groups[GROUPS_MAX];
	socklen_t sl = sizeof(groups);
	char pwbuf[4096];
	int n, i;

	if (peer->uid == 0)
		return 1;
	if (!have_gid)
		return 0;
	if (peer->gid == gid)
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &sl) == 0) {
		n = (int)(sl / sizeof(gid_t));
	} else {
		if (getpwuid_r(peer->uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 ||
		    pwp == NULL)
			return 0;
		n = GROUPS_MAX;
		/* More groups than we look at: refused, not guessed. */
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
			return 0;
	}
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* Whether a peer with credentials `peer` may use this socket. */
static int
peer_in_role(struct authd *ad, int fd, int admin, const struct ucred *peer)
{
	/* The review socket serves anyone; each request says who may act. */
	if (admin == SOCK_REVIEW)
		return 1;
	return admin == SOCK_ADMIN ? peer_in_group(fd, peer,
	    ad->have_admin_gid, ad->admin_gid) : peer_in_group(fd, peer,
	    ad->have_client_gid, ad->client_gid);
}

const char *
sock_kind_name(int kind)
{
	return kind == SOCK_ADMIN ? "admin" : kind == SOCK_REVIEW ? "review" :
	    "pam";
}

int
handler_peer_is_admin(struct authd *ad, int fd, const struct ucred *peer)
{
	return peer_in_group(fd, peer, ad->have_admin_gid, ad->admin_gid);
}

int
handler_peer_allowed(struct authd *ad, int fd, int admin, struct ucred *peer)
{
	socklen_t sl = sizeof(*peer);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, peer, &sl) != 0) {
		/* Unknown: nobody, refused. */
		peer->pid = 0;
		peer->uid = (uid_t)-1;
		peer->gid = (gid_t)-1;
		return 0;
	}
	return peer_in_role(ad, fd, admin, peer);
}

/*
 * Refusals are audited at most once a minute per uid, socket and cause,
 * with the number held back since: a local user knocking in a loop must
 * not be able to fill the disk or keep the writer busy.
 */
#define REFUSE_SLOTS		128
#define REFUSE_INTERVAL_MS	60000

static struct {
	uid_t		uid;
	int		admin;
	int		why;
	int		used;
	int64_t		last_ms;
	unsigned long	held;
} refusals[REFUSE_SLOTS];
static pthread_mutex_t refuse_mtx = PTHREAD_MUTEX_INITIALIZER;

int
handler_refusal_due(uid_t uid, int admin, int why, unsigned long *held)
{
	int64_t now = mono_ms();
	int i, slot = 0, due;

	pthread_mutex_lock(&refuse_mtx);
	for (i = 0; i < REFUSE_SLOTS; i++) {
		if (refusals[i].used && refusals[i].uid == uid &&
		    refusals[i].admin == admin && refusals[i].why == why) {
			slot = i;
			break;
		}
		if (!refusals[i].used || refusals[i].last_ms <
		    refusals[slot].last_ms)
			slot = i;
	}
	if (i == REFUSE_SLOTS) {	/* new (or evicted) slot */
		refusals[slot].used = 1;
		refusals[slot].uid = uid;
		refusals[slot].admin = admin;
		refusals[slot].why = why;
		refusals[slot].last_ms = now - REFUSE_INTERVAL_MS;
		refusals[slot].held = 0;
	}
	due = now - refusals[slot].last_ms >= REFUSE_INTERVAL_MS;
	*held = refusals[slot].held;
	if (due) {
		refusals[slot].last_ms = now;
		refusals[slot].held = 0;
	} else
		refusals[slot].held++;
	pthread_mutex_unlock(&refuse_mtx);
	return due;
}

/*
 * Refuses a peer that may not use this socket: an error reply, and (rate
 * limited) a log line and an audit record.  Nothing the peer sent is
 * recorded: it has not been allowed to say anything.  `due`: the refusal
 * was found due at accept, with `held` held back before it.
 */
static void
refuse_peer(struct req *rq, uint32_t reqid, int due, unsigned long held)
{
	const struct proto_msg *m = rq->m;
	char detail[96];

	if (due || handler_refusal_due(rq->peer.uid, rq->admin,
	    REFUSE_FORBIDDEN, &held)) {
		log_warn("%s socket: refused uid %u (pid %d): not %s%s",
		    sock_kind_name(rq->admin), (unsigned)rq->peer.uid,
		    (int)rq->peer.pid, rq->admin ? "root or in admin_group" :
		    "root or in client_group", held ? " (and earlier "
		    "refusals not logged)" : "");
		snprintf(detail, sizeof(detail), "%lu more refusals of this "
		    "uid in the last minute", held);
		rq->m = NULL;
		if (req_audit_commit(rq, rq->admin ? "admin-refused" :
		    "client-refused", "deny", RSN_FORBIDDEN, held ? detail :
		    NULL, NULL) != 0)
			log_err("audit write failed for a refused peer");
		rq->m = m;
	}
	reply_error(rq->fd, reqid, RSN_FORBIDDEN, "permission denied",
	    rq->deadline);
}

/*
 * Refuses a connection (`why` REFUSE_CONNECTION) or a request
 * (REFUSE_REQUEST) over the peer's budget: an error reply with reason
 * busy, and (rate limited as refuse_peer) a log line and an audit record
 * that say which budget and how many were held back.  `due` and `held`
 * as for refuse_peer.  Returns what writing the reply returned.
 */
static int
refuse_budget(struct req *rq, uint32_t reqid, int why, int due,
    unsigned long held)
{
	const struct proto_msg *m = rq->m;
	char what[128], more[96] = "", detail[sizeof(what) + sizeof(more)];

	if (due || handler_refusal_due(rq->peer.uid, rq->admin, why, &held)) {
		budget_describe(rq->w->ad->budget, rq->admin, rq->peer.uid,
		    why == REFUSE_REQUEST, what, sizeof(what));
		if (held > 0)
			snprintf(more, sizeof(more), "; %lu more refusals of "
			    "this uid in the last minute", held);
		log_warn("%s socket: uid %u (pid %d) over budget: %s; "
		    "refusing%s", sock_kind_name(rq->admin),
		    (unsigned)rq->peer.uid, (int)rq->peer.pid, what, more);
		snprintf(detail, sizeof(detail), "%s%s", what, more);
		rq->m = NULL;
		if (req_audit_commit(rq, "over-budget", "deny", RSN_BUSY,
		    detail, NULL) != 0)
			log_err("audit write failed for a refusal over budget");
		rq->m = m;
	}
	return reply_error(rq->fd, reqid, RSN_BUSY, why == REFUSE_REQUEST ?
	    "too many requests; try again later" : "too many connections; "
	    "try again later", rq->deadline);
}

/* Which request types each socket serves. */
static int
type_allowed(int admin, uint8_t type)
{
	switch (type) {
	case PROTO_T_PING:
		return 1;
	case PROTO_T_AUTH:
	case PROTO_T_FACTORS:
	case PROTO_T_ACCOUNT:
	case PROTO_T_SESSION_OPEN:
	case PROTO_T_SESSION_CLOSE:
		return admin == SOCK_PAM;
	case PROTO_T_REVIEW_START:
	case PROTO_T_REVIEW_LIST:
	case PROTO_T_REVIEW_SHOW:
	case PROTO_T_REVIEW_DECIDE:
	case PROTO_T_REVIEW_CLOSE:
	case PROTO_T_REVOCATION_LIST:
	case PROTO_T_REVOCATION_LIFT:
		return admin == SOCK_ADMIN || admin == SOCK_REVIEW;
	case PROTO_T_ENROLL:
	case PROTO_T_CONFIRM:
	case PROTO_T_UNLOCK:
	case PROTO_T_RESET:
	case PROTO_T_STATUS:
	case PROTO_T_AUDIT_LIST:
	case PROTO_T_AUDIT_SHOW:
	case PROTO_T_AUDIT_PRUNE:
	case PROTO_T_AUDIT_CHECKPOINT:
	case PROTO_T_POLICY_RELOAD:
	case PROTO_T_POLICY_TEST:
	case PROTO_T_ACCESS_LIST:
	case PROTO_T_ACCESS_USER:
		return admin == SOCK_ADMIN;
	}
	return 0;
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

/* Session records: nothing to decide, only to write down. */
static void
session_finish(void *arg, int result)
{
	struct one_record *o = arg;
	struct req *rq = o->rq;

	free(o);
	req_finish(rq, result != 0 ? reply_set(rq->reply, PROTO_S_ERROR,
	    RSN_INTERNAL, "audit write failed") : reply_set(rq->reply,
	    PROTO_S_ALLOW, RSN_OK, NULL));
}

static int
session_handle(struct req *rq, const char *event)
{
	struct one_record *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return AUTHD_ERR_NOMEM;
	o->rq = rq;
	o->event = event;
	o->decision = "ok";
	o->reason = RSN_OK;
	return req_defer(rq, one_record_job, session_finish, o);
}

/*
 * Validates the names a request carries.  PAM requests need USER and
 * SERVICE (SYSTEM when the module names one); admin requests that name a
 * user need a valid USER.
 */
static enum reason
check_names(struct req *rq)
{
	const struct proto_msg *m = rq->m;
	const char *user = proto_str(m, PROTO_A_USER, NULL);
	int pam = rq->admin == SOCK_PAM && m->type != PROTO_T_PING;

	rq->system = proto_str(m, PROTO_A_SYSTEM, NULL);
	rq->service = proto_str(m, PROTO_A_SERVICE, NULL);
	rq->rhost = proto_str(m, PROTO_A_RHOST, NULL);
	rq->tty = proto_str(m, PROTO_A_TTY, NULL);
	if (pam && ((rq->system != NULL && !str_valid_name(rq->system)) ||
	    rq->service == NULL || !str_valid_name(rq->service)))
		return RSN_BAD_REQUEST;
	if (m->type == PROTO_T_PING || m->type == PROTO_T_AUDIT_LIST ||
	    m->type == PROTO_T_AUDIT_SHOW || m->type == PROTO_T_AUDIT_PRUNE ||
	    m->type == PROTO_T_AUDIT_CHECKPOINT ||
	    m->type == PROTO_T_POLICY_RELOAD || m->type == PROTO_T_ACCESS_LIST ||
	    m->type == PROTO_T_REVIEW_START || m->type == PROTO_T_REVIEW_LIST ||
	    m->type == PROTO_T_REVIEW_SHOW || m->type == PROTO_T_REVIEW_CLOSE ||
	    m->type == PROTO_T_REVOCATION_LIST)
		return RSN_OK;
	/* Without a user, status is authd's own. */
	if (user == NULL && m->type == PROTO_T_STATUS)
		return RSN_OK;
	if (user == NULL)
		return RSN_BAD_REQUEST;
	if (!str_valid_user(user))
		return RSN_BAD_FORMAT;
	rq->user = user;
	return RSN_OK;
}

/* Requests answered from memory and the cache, most of the time. */
static int
type_quick(uint8_t type)
{
	return type == PROTO_T_PING || type == PROTO_T_AUTH ||
	    type == PROTO_T_ACCOUNT || type == PROTO_T_SESSION_OPEN ||
	    type == PROTO_T_SESSION_CLOSE || type == PROTO_T_FACTORS;
}

static int
dispatch(struct req *rq, struct proto_msg *reply)
{
	/* Administration may take long: others' requests go on meanwhile. */
	if (!type_quick(rq->m->type))
		will_block();
	switch (rq->m->type) {
	case PROTO_T_PING:
		return reply_set(reply, PROTO_S_ALLOW, RSN_OK, "pong");
	case PROTO_T_AUTH:
		return auth_handle(rq, reply);
	case PROTO_T_ACCOUNT:
		return access_handle(rq, reply);
	case PROTO_T_SESSION_OPEN:
		return session_handle(rq, "session-open");
	case PROTO_T_SESSION_CLOSE:
		return session_handle(rq, "session-close");
	case PROTO_T_ENROLL:
		return admin_enroll(rq, reply);
	case PROTO_T_CONFIRM:
		return auth_confirm(rq, reply);
	case PROTO_T_UNLOCK:
		return admin_unlock(rq, reply);
	case PROTO_T_RESET:
		return admin_reset(rq, reply);
	case PROTO_T_STATUS:
		return admin_status(rq, reply);
	case PROTO_T_AUDIT_LIST:
		return admin_audit_list(rq, reply);
	case PROTO_T_AUDIT_SHOW:
		return admin_audit_show(rq, reply);
	case PROTO_T_AUDIT_PRUNE:
		return admin_audit_prune(rq, reply);
	case PROTO_T_AUDIT_CHECKPOINT:
		return admin_audit_checkpoint(rq, reply);
	case PROTO_T_FACTORS:
		return factors_handle(rq, reply);
	case PROTO_T_POLICY_RELOAD:
		return admin_policy_reload(rq, reply);
	case PROTO_T_POLICY_TEST:
		return admin_policy_test(rq, reply);
	case PROTO_T_ACCESS_LIST:
		return admin_access_list(rq, reply);
	case PROTO_T_ACCESS_USER:
		return admin_access_user(rq, reply);
	case PROTO_T_REVIEW_START:
		return review_start(rq, reply);
	case PROTO_T_REVIEW_LIST:
		return review_list(rq, reply);
	case PROTO_T_REVIEW_SHOW:
		return review_show(rq, reply);
	case PROTO_T_REVIEW_DECIDE:
		return review_decide(rq, reply);
	case PROTO_T_REVIEW_CLOSE:
		return review_close(rq, reply);
	case PROTO_T_REVOCATION_LIST:
		return review_revocation_list(rq, reply);
	case PROTO_T_REVOCATION_LIFT:
		return review_revocation_lift(rq, reply);
	}
	return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST, "unsupported");
}

/*
 * Writes the reply of a request that `r` (0, or an AUTHD_ERR_* of its
 * handler) ended.  0 to keep the connection, -1 to close it.
 */
static int
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
			    "replies; closing", sock_kind_name(rq->admin));
		return -1;
	}
	return 0;
}

static void
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

	if (result != 0)
		log_err("audit write failed for a lost reply");
	req_free(l->rq);
	free(l);
	server_conn_done(conn, 0);
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
	server_conn_done(conn, keep == 0);
}

/* handler_run, with `rq` filled in; frees it unless deferred. */
static int
handle(struct req *rq, const uint8_t *body, size_t len, int frame_err,
    unsigned long held)
{
	struct proto_msg *m;
	enum reason why;
	unsigned long bad_held = 0;
	char detail[128];
	int r, keep = -1;

	/* Records cite the policy in force; decisions the one they used. */
	pol_version(rq->w->ad, rq->policy_version);

	/* Refused at accept, before it could send anything. */
	if (frame_err == AUTHD_ERR_PERM) {
		refuse_peer(rq, 0, 1, held);
		goto out;
	}
	if (frame_err == AUTHD_ERR_TOO_MANY) {
		(void)refuse_budget(rq, 0, REFUSE_CONNECTION, 1, held);
		goto out;
	}
	if (frame_err != 0) {
		log_warn("%s socket: bad frame: %s", sock_kind_name(rq->admin),
		    authd_strerror(frame_err));
		reply_error(rq->fd, 0, RSN_BAD_REQUEST,
		    authd_strerror(frame_err), rq->deadline);
		goto out;
	}
	if ((r = proto_parse(body, len, &rq->msg)) != 0) {
		log_warn("%s socket: malformed request: %s",
		    sock_kind_name(rq->admin), authd_strerror(r));
		reply_error(rq->fd, 0, RSN_BAD_REQUEST, authd_strerror(r),
		    rq->deadline);
		goto out;
	}
	rq->m = m = rq->msg;
	/*
	 * SECURITY NOTE: the peer is checked on every request, with the
	 * credentials the kernel fixed when it connected.
	 */
	if (!peer_in_role(rq->w->ad, rq->fd, rq->admin, &rq->peer)) {
		refuse_peer(rq, m->reqid, 0, 0);
		goto out;
	}
	/*
	 * SECURITY NOTE: every uid's requests come out of its own budget, so
	 * that one local user's flood cannot keep the workers, the database
	 * and the directory from everybody else (root is never limited).
	 * The connection stays: closing it would only make the flood cost
	 * authd an accept per request.
	 */
	if (budget_request(rq->w->ad->budget, rq->admin, rq->peer.uid,
	    mono_ms()) != BUDGET_OK) {
		keep = refuse_budget(rq, m->reqid, REFUSE_REQUEST, 0, 0) == 0 ?
		    0 : -1;
		goto out;
	}
	if (!type_allowed(rq->admin, m->type)) {
		log_warn("%s socket: request type %s not served here",
		    sock_kind_name(rq->admin), proto_type_name(m->type));
		reply_error(rq->fd, m->reqid, RSN_BAD_REQUEST, "request type "
		    "not served on this socket", rq->deadline);
		goto out;
	}
	if ((rq->reply = proto_new(PROTO_T_RESULT, m->reqid)) == NULL)
		goto out;
	client_deadline(rq, rq->arrived);
	dir_set_deadline(rq->w->dir, rq->client_deadline);
	if ((why = check_names(rq)) != RSN_OK) {
		/*
		 * Malformed names are still decisions worth recording, at
		 * most once a minute per uid with the number held back, so
		 * that a flood of them costs a bounded number of records.
		 */
		if (why == RSN_BAD_FORMAT && rq->admin == SOCK_PAM &&
		    handler_refusal_due(rq->peer.uid, rq->admin,
		    REFUSE_BAD_NAME, &bad_held)) {
			if (bad_held)
				snprintf(detail, sizeof(detail), "malformed "
				    "user name (and %lu more from this uid in "
				    "the last minute)", bad_held);
			else
				snprintf(detail, sizeof(detail), "malformed "
				    "user name");
			if (req_audit_commit(rq, proto_type_name(m->type),
			    "deny", why, detail, NULL) != 0) {
				reply_error(rq->fd, m->reqid, RSN_INTERNAL,
				    "audit failed", rq->deadline);
				goto out;
			}
		}
		r = reply_set(rq->reply, why == RSN_BAD_FORMAT &&
		    rq->admin == SOCK_PAM ? PROTO_S_DENY : PROTO_S_ERROR, why,
		    "invalid name");
	} else
		r = dispatch(rq, rq->reply);
	/* Its handler handed it on: the completion owns rq now. */
	if (r == REQ_DEFERRED)
		return HANDLER_DEFERRED;
	keep = req_reply(rq, r);
 out:
	req_free(rq);
	return keep;
}

int
handler_run(struct worker *w, int fd, int admin, const struct ucred *peer,
    const uint8_t *body, size_t len, int frame_err, unsigned long held,
    void *conn)
{
	struct req *rq;

	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return -1;
	rq->w = w;
	rq->fd = fd;
	rq->admin = admin;
	rq->peer = *peer;
	snprintf(rq->actor, sizeof(rq->actor), "%s:uid=%u,pid=%d",
	    sock_kind_name(admin), (unsigned)peer->uid, (int)peer->pid);
	rq->conn = conn;
	rq->arrived = mono_ms();
	rq->deadline = rq->arrived + w->ad->cfg->request_timeout;
	return handle(rq, body, len, frame_err, held);
}
