/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dispatcher: every frame that arrives is parsed, its peer checked
 * against the socket and its budget, its type looked up in the one
 * request table, its names validated, and its handler called.  Handlers
 * answer through req.h; nothing here is called back by them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd.h"
#include "authd_err.h"
#include "budget.h"
#include "handler.h"
#include "log.h"
#include "nodes.h"
#include "tls.h"
#include "util.h"

/*
 * PING: liveness, and who answered: the node, and over TLS the host it
 * took the peer for (a relay's `authctl ping` shows both).
 */
static int
ping_handle(struct req *rq, struct proto_msg *reply)
{
	char msg[400];

	if (rq->tls != NULL)
		snprintf(msg, sizeof(msg), "node %s, as host %s",
		    rq->w->ad->cfg->node_name, rq->tls->host);
	else
		snprintf(msg, sizeof(msg), "node %s",
		    rq->w->ad->cfg->node_name);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, msg);
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
	if ((rq->admin != SOCK_PAM && rq->admin != SOCK_TLS) ||
	    proto_get_u64(rq->m, PROTO_A_WAIT,
	    &wait) != 0)
		return;
	if (wait > 600000)
		wait = 600000;
	rq->client_deadline = arrived + (wait > WAIT_MARGIN_MS ?
	    (int64_t)wait - WAIT_MARGIN_MS : 1);
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

	if (rq->tls != NULL) {
		/* tls.c logged it and found it due. */
		snprintf(detail, sizeof(detail), "%.60s%s", rq->tls->why,
		    rq->tls->held ? "; more not recorded" : "");
		rq->m = NULL;
		if (req_audit_commit(rq, "tls-refused", "deny", RSN_FORBIDDEN,
		    detail, NULL) != 0)
			log_err("audit write failed for a refused TLS peer");
		rq->m = m;
		return;
	}
	if (due || peer_refusal_due(rq->peer.uid, rq->admin,
	    REFUSE_FORBIDDEN, &held)) {
		log_warn("%s socket: refused uid %u (pid %d): not %s%s",
		    peer_sock_name(rq->admin), (unsigned)rq->peer.uid,
		    (int)rq->peer.pid, rq->admin == SOCK_WEB ? "web_user" :
		    rq->admin ? "root or in admin_group" :
		    "root or in client_group", held ? " (and earlier "
		    "refusals not logged)" : "");
		snprintf(detail, sizeof(detail), "%lu more refusals of this "
		    "uid in the last minute", held);
		rq->m = NULL;
		if (req_audit_commit(rq, rq->admin == SOCK_WEB ? "web-refused" :
		    rq->admin ? "admin-refused" : "client-refused", "deny", RSN_FORBIDDEN, held ? detail :
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

	if (due || peer_refusal_due(rq->peer.uid, rq->admin, why, &held)) {
		budget_describe(rq->w->ad->budget, rq->admin, rq->peer.uid,
		    why == REFUSE_REQUEST, what, sizeof(what));
		if (held > 0)
			snprintf(more, sizeof(more), "; %lu more refusals of "
			    "this uid in the last minute", held);
		log_warn("%s socket: uid %u (pid %d) over budget: %s; "
		    "refusing%s", peer_sock_name(rq->admin),
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

/* What a request must carry (struct req_type's `needs`). */
#define NEED_USER	0x01	/* a valid USER */
#define NEED_USER_OPT	0x02	/* a valid USER, if any */
#define NEED_PAM	0x04	/* SERVICE, and SYSTEM valid if given */

#define ON_PAM		(1u << SOCK_PAM)
#define ON_ADMIN	(1u << SOCK_ADMIN)
#define ON_REVIEW	(1u << SOCK_REVIEW)
#define ON_TLS		(1u << SOCK_TLS)
#define ON_WEB		(1u << SOCK_WEB)

/*
 * The one description of every request: its type, the sockets that
 * serve it, what it must carry, whether it is answered from memory and
 * the cache (else the worker hands the lead on before it starts: it may
 * wait for long), and its handler.
 */
static const struct req_type {
	uint8_t		 type;
	unsigned	 socks;
	unsigned	 needs;
	int		 quick;
	int		(*handler)(struct req *, struct proto_msg *);
} req_types[] = {
	{ PROTO_T_PING, ON_PAM | ON_ADMIN | ON_REVIEW | ON_TLS | ON_WEB, 0, 1,
	    ping_handle },
	{ PROTO_T_AUTH, ON_PAM | ON_TLS, NEED_PAM | NEED_USER, 1, auth_handle },
	{ PROTO_T_FACTORS, ON_PAM | ON_TLS, NEED_PAM | NEED_USER, 1,
	    factors_handle },
	{ PROTO_T_ACCOUNT, ON_PAM | ON_TLS, NEED_PAM | NEED_USER, 1,
	    access_handle },
	{ PROTO_T_SESSION_OPEN, ON_PAM | ON_TLS, NEED_PAM | NEED_USER, 1,
	    session_open_handle },
	{ PROTO_T_SESSION_CLOSE, ON_PAM | ON_TLS, NEED_PAM | NEED_USER, 1,
	    session_close_handle },
	{ PROTO_T_ENROLL, ON_ADMIN, NEED_USER, 0, admin_enroll },
	{ PROTO_T_CONFIRM, ON_ADMIN, NEED_USER, 0, auth_confirm },
	{ PROTO_T_UNLOCK, ON_ADMIN, NEED_USER, 0, admin_unlock },
	{ PROTO_T_RESET, ON_ADMIN, NEED_USER, 0, admin_reset },
	/* Without a user, status is authd's own. */
	{ PROTO_T_STATUS, ON_ADMIN, NEED_USER_OPT, 0, admin_status },
	{ PROTO_T_NODES, ON_ADMIN, 0, 0, nodes_handle },
	{ PROTO_T_AUDIT_LIST, ON_ADMIN, 0, 0, admin_audit_list },
	{ PROTO_T_AUDIT_SHOW, ON_ADMIN, 0, 0, admin_audit_show },
	{ PROTO_T_AUDIT_PRUNE, ON_ADMIN, 0, 0, admin_audit_prune },
	{ PROTO_T_AUDIT_CHECKPOINT, ON_ADMIN, 0, 0, admin_audit_checkpoint },
	{ PROTO_T_POLICY_RELOAD, ON_ADMIN, 0, 0, admin_policy_reload },
	{ PROTO_T_POLICY_TEST, ON_ADMIN, NEED_USER, 0, admin_policy_test },
	{ PROTO_T_ACCESS_LIST, ON_ADMIN, 0, 0, admin_access_list },
	{ PROTO_T_ACCESS_USER, ON_ADMIN, NEED_USER, 0, admin_access_user },
	{ PROTO_T_REVIEW_START, ON_ADMIN | ON_REVIEW, 0, 0, review_start },
	{ PROTO_T_REVIEW_LIST, ON_ADMIN | ON_REVIEW | ON_WEB, 0, 0,
	    review_list },
	{ PROTO_T_REVIEW_SHOW, ON_ADMIN | ON_REVIEW | ON_WEB, 0, 0,
	    review_show },
	{ PROTO_T_REVIEW_DECIDE, ON_ADMIN | ON_REVIEW | ON_WEB, NEED_USER, 0,
	    review_decide },
	{ PROTO_T_REVIEW_CLOSE, ON_ADMIN | ON_REVIEW | ON_WEB, 0, 0,
	    review_close },
	{ PROTO_T_REVOCATION_LIST, ON_ADMIN | ON_REVIEW, 0, 0,
	    review_revocation_list },
	{ PROTO_T_REVOCATION_LIFT, ON_ADMIN | ON_REVIEW, NEED_USER, 0,
	    review_revocation_lift },
	/*
	 * A person in a browser, through authd-web (web.c); the review
	 * requests above too, as the person of the web session.
	 */
	{ PROTO_T_WEB_ENROLL, ON_WEB, NEED_USER, 0, web_enroll },
	{ PROTO_T_WEB_CONFIRM, ON_WEB, NEED_USER, 0, web_confirm },
};

static const struct req_type *
req_type_find(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(req_types) / sizeof(req_types[0]); i++)
		if (req_types[i].type == type)
			return &req_types[i];
	return NULL;
}

/*
 * Validates the names a request carries, as its type says (`needs`),
 * and fills them in.
 */
static enum reason
check_names(struct req *rq, const struct req_type *t)
{
	const struct proto_msg *m = rq->m;
	const char *user = proto_str(m, PROTO_A_USER, NULL);

	rq->system = proto_str(m, PROTO_A_SYSTEM, NULL);
	rq->service = proto_str(m, PROTO_A_SERVICE, NULL);
	rq->rhost = proto_str(m, PROTO_A_RHOST, NULL);
	rq->tty = proto_str(m, PROTO_A_TTY, NULL);
	if ((t->needs & NEED_PAM) && ((rq->system != NULL &&
	    !str_valid_name(rq->system)) || rq->service == NULL ||
	    !str_valid_name(rq->service)))
		return RSN_BAD_REQUEST;
	if (!(t->needs & (NEED_USER | NEED_USER_OPT)) ||
	    (user == NULL && (t->needs & NEED_USER_OPT)))
		return RSN_OK;
	if (user == NULL)
		return RSN_BAD_REQUEST;
	if (!str_valid_user(user))
		return RSN_BAD_FORMAT;
	rq->user = user;
	return RSN_OK;
}

/*
 * A host over TLS asks only about its own systems (its `host` block in
 * the policy).  RSN_OK, or RSN_HOST_NOT_ALLOWED with `detail` set.  A
 * system nobody defined is left to the handler (unknown-system).
 */
static enum reason
check_host(struct req *rq, char *detail, size_t detailsz)
{
	struct polref *ref;
	const struct policy *p;
	const struct pol_host *h;
	const struct pol_system *sys;
	enum reason why = RSN_OK;

	if ((p = pol_hold(rq->w->ad, &ref)) == NULL) {
		snprintf(detail, detailsz, "no policy in force");
		return RSN_HOST_NOT_ALLOWED;
	}
	sys = policy_system_resolve(p, rq->system, rq->service);
	if ((h = policy_host_by_name(p, rq->tls->host)) == NULL) {
		snprintf(detail, detailsz, "no host block names %s",
		    rq->tls->host);
		why = RSN_HOST_NOT_ALLOWED;
	} else if (sys != NULL && !policy_host_allows(h, sys->name)) {
		snprintf(detail, detailsz, "host %s may not ask about system "
		    "%s", h->name, sys->name);
		why = RSN_HOST_NOT_ALLOWED;
	}
	pol_release(rq->w->ad, ref);
	return why;
}

/* handler_run, with `rq` filled in; frees it unless deferred. */
static int
handle(struct req *rq, const uint8_t *body, size_t len, int frame_err,
    unsigned long held)
{
	const struct req_type *t;
	struct proto_msg *m;
	enum reason why;
	unsigned long bad_held = 0;
	char detail[384];
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
		log_warn("%s socket: bad frame: %s", peer_sock_name(rq->admin),
		    authd_strerror(frame_err));
		reply_error(rq->fd, 0, RSN_BAD_REQUEST,
		    authd_strerror(frame_err), rq->deadline);
		goto out;
	}
	if ((r = proto_parse(body, len, &rq->msg)) != 0) {
		log_warn("%s socket: malformed request: %s",
		    peer_sock_name(rq->admin), authd_strerror(r));
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
	if ((t = req_type_find(m->type)) == NULL ||
	    !(t->socks & (1u << rq->admin))) {
		log_warn("%s socket: request type %s not served here",
		    peer_sock_name(rq->admin), proto_type_name(m->type));
		reply_error(rq->fd, m->reqid, RSN_BAD_REQUEST, "request type "
		    "not served on this socket", rq->deadline);
		goto out;
	}
	if ((rq->reply = proto_new(PROTO_T_RESULT, m->reqid)) == NULL)
		goto out;
	client_deadline(rq, rq->arrived);
	dir_set_deadline(rq->w->dir, rq->client_deadline);
	if ((why = check_names(rq, t)) != RSN_OK) {
		/*
		 * Malformed names are still decisions worth recording, at
		 * most once a minute per uid with the number held back, so
		 * that a flood of them costs a bounded number of records.
		 */
		if (why == RSN_BAD_FORMAT && rq->admin == SOCK_PAM &&
		    peer_refusal_due(rq->peer.uid, rq->admin,
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
	} else if (rq->admin == SOCK_TLS && (t->needs & NEED_PAM) &&
	    check_host(rq, detail, sizeof(detail)) != RSN_OK) {
		/*
		 * SECURITY NOTE: a host's certificate proves which host it
		 * is, not that it may speak for every system: one broken
		 * pilot host must not be able to test codes or probe access
		 * for systems it does not run.
		 */
		log_warn("tls: %s", detail);
		if ((r = req_audit_commit(rq, proto_type_name(m->type), "deny",
		    RSN_HOST_NOT_ALLOWED, detail, NULL)) == 0)
			r = reply_set(rq->reply, PROTO_S_DENY,
			    RSN_HOST_NOT_ALLOWED, "host not allowed");
	} else {
		/* Administration may take long: others go on meanwhile. */
		if (!t->quick)
			will_block();
		r = t->handler(rq, rq->reply);
	}
	/* Its handler handed it on: the completion owns rq now. */
	if (r == REQ_DEFERRED)
		return HANDLER_DEFERRED;
	keep = req_reply(rq, r);
 out:
	req_free(rq);
	return keep;
}

int
handler_run(struct worker *w, int fd, int kind, const struct ucred *peer,
    const struct tls_id *tls, const uint8_t *body, size_t len, int frame_err,
    unsigned long held, req_done_fn *done, void *conn)
{
	struct req *rq;

	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return -1;
	rq->w = w;
	rq->fd = fd;
	rq->admin = kind;
	rq->peer = *peer;
	/*
	 * SECURITY NOTE: a host's identity comes from its verified
	 * certificate alone, never from anything a request carries.
	 */
	if (kind == SOCK_TLS && tls != NULL && tls->why[0] == '\0')
		snprintf(rq->actor, sizeof(rq->actor), "tls:host=%s,fp=%s",
		    tls->host, tls->fp);
	else if (kind == SOCK_TLS && tls != NULL)
		snprintf(rq->actor, sizeof(rq->actor), "tls:addr=%s,fp=%s",
		    tls->addr, tls->fp[0] ? tls->fp : "none");
	else
		snprintf(rq->actor, sizeof(rq->actor), "%s:uid=%u,pid=%d",
		    peer_sock_name(kind), (unsigned)peer->uid, (int)peer->pid);
	rq->tls = kind == SOCK_TLS ? tls : NULL;
	rq->conn = conn;
	rq->done = done;
	rq->arrived = mono_ms();
	rq->deadline = rq->arrived + w->ad->cfg->request_timeout;
	return handle(rq, body, len, frame_err, held);
}
