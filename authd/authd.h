/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_AUTHD_H
#define AUTHD_AUTHD_H

#include <sys/socket.h>
#include <sys/types.h>

#include <pthread.h>
#include <stdint.h>

#include "config.h"
#include "dircache.h"
#include "directory.h"
#include "policy.h"
#include "proto.h"
#include "reason.h"
#include "store.h"
#include "totp.h"

struct budget;
struct keeper;

/* The sockets authd serves (struct req's `admin`). */
enum { SOCK_PAM = 0, SOCK_ADMIN = 1, SOCK_REVIEW = 2 };

/* Daemon-wide state; read-only once the workers run. */
struct authd {
	struct config	*cfg;
	/*
	 * The seal key and the audit signing key are not here: only the key
	 * keeper holds them (keeper.h).  The passwords live in locked memory
	 * (lib/secmem.h), wiped at exit.
	 */
	struct keeper	*keeper;
	char		*bindpw;	/* LDAP service password */
	char		*writepw;	/* LDAP remediation password, or NULL */
	int		 have_admin_gid, have_client_gid;
	gid_t		 admin_gid, client_gid;
	struct writer	*writer;	/* the database's one writer */
	struct dircache	*dc;		/* users' DNs and groups, shared */
	struct budget	*budget;	/* per socket and uid (budget.h) */
	struct store	*main_st;	/* the listener thread's connection */
	/* The policy in force; swapped whole on reload (policyadm.c). */
	pthread_mutex_t	 pol_mtx;
	struct polref	*pol;
};

struct polref;
struct wtx;

/* What one worker thread owns. */
struct worker {
	struct authd	*ad;
	struct store	*st;
	struct dir	*dir;
	int		 id;
};

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
	struct ucred		 peer;
	char			 actor[128];
	const char		*user;		/* validated, or NULL */
	const char		*system;
	const char		*service;
	const char		*rhost;
	const char		*tty;
	char			 policy_version[17];	/* cited in records */
	char			 sysname[65];	/* the system a service mapped to */
	struct proto_msg	*msg;		/* owned: m */
	struct proto_msg	*reply;		/* owned: the RESULT being built */
	void			*conn;		/* the server's, for req_finish */
};

/*
 * Handles one request frame body that arrived on `fd` and writes the
 * reply.  `peer`: the credentials the kernel recorded when the client
 * connected (SO_PEERCRED, read at accept).  `frame_err` is non-zero when
 * the frame could not be read whole (oversize, truncated), or, for a
 * peer refused at accept whose refusal is due to be recorded,
 * AUTHD_ERR_PERM (it may not use the socket) or AUTHD_ERR_TOO_MANY (it is
 * over its connection budget); `held` is then how many refusals of it
 * were held back before this one (handler_refusal_due), else 0.
 * Returns 0 to keep the connection, -1 to close it, HANDLER_DEFERRED when
 * the reply follows the commit of its audit record: then the thread that
 * commits it writes the reply and calls server_conn_done(conn, ...), and
 * the caller must not touch the connection any more.
 */
#define HANDLER_DEFERRED	1
int handler_run(struct worker *w, int fd, int admin, const struct ucred *peer,
    const uint8_t *body, size_t len, int frame_err, unsigned long held,
    void *conn);

/*
 * A handler that has nothing left to do but write down its decision hands
 * it on instead of waiting for the commit: req_defer(rq, fn, finish, arg)
 * gives fn to the writer (writer_submit) and returns REQ_DEFERRED, which
 * the handler returns as it is; finish(arg, result) then fills rq->reply
 * and calls req_finish(rq, r) (r: 0 or an AUTHD_ERR_*), which writes the
 * reply without waiting, frees rq and gives the connection back.  When
 * the writer cannot take the job, finish runs at once with that error,
 * on this thread, as after a failed write.
 */
#define REQ_DEFERRED		1
int req_defer(struct req *rq, int (*fn)(struct wtx *, void *),
    void (*finish)(void *, int), void *arg);
void req_finish(struct req *rq, int r);

/*
 * Fills *peer from `fd` and returns 1 if that peer may use the socket
 * (admin: root or admin_group; PAM: root or client_group), else 0.
 */
int handler_peer_allowed(struct authd *ad, int fd, int admin,
    struct ucred *peer);

/* "pam", "admin" or "review". */
const char *sock_kind_name(int kind);
/* 1 when the peer is root or in admin_group (the security function). */
int handler_peer_is_admin(struct authd *ad, int fd, const struct ucred *peer);

/*
 * What a refusal is for: a peer that may not use the socket, one over its
 * budget of connections or of requests (budget.h), or a malformed user
 * name in a PAM request.
 */
enum {
	REFUSE_FORBIDDEN = 0, REFUSE_CONNECTION, REFUSE_REQUEST,
	REFUSE_BAD_NAME,
	REFUSE_PROOF_LIMIT,	/* proofs of identity over their limit */
	REFUSE_PROOF_UNKNOWN	/* proofs in the name of unknown users */
};

/*
 * Refusals are logged and audited at most once a minute per uid, socket
 * and `why` (REFUSE_*): returns 1 when this one is due (and *held, how
 * many were held back since), else 0 and counts it.
 */
int handler_refusal_due(uid_t uid, int admin, int why, unsigned long *held);

/*
 * Writes a RESULT with status error, `reason` and `msg` to `fd`, waiting
 * until `deadline` at most (mono_ms(); pass mono_ms() never to wait).
 */
int reply_error(int fd, uint32_t reqid, enum reason reason, const char *msg,
    int64_t deadline);

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

/*
 * The policy (policyadm.c).  pol_load reads it at start; pol_hold returns
 * the one in force and a reference to give back with pol_release;
 * pol_reload reads it again and swaps it in, or keeps the old one and
 * puts "file:line: message" into `err` (may be NULL).  Both reloads are
 * audited, with `by` as the actor.
 */
int pol_load(struct authd *ad);
const struct policy *pol_hold(struct authd *ad, struct polref **ref);
void pol_release(struct authd *ad, struct polref *ref);
int pol_reload(struct authd *ad, const char *by, char *err, size_t errsz);
void pol_done(struct authd *ad);
/* Copies the version of the policy in force ("" before pol_load). */
void pol_version(struct authd *ad, char out[17]);

/* The request handlers; each fills `reply` (a RESULT). */
int auth_handle(struct req *rq, struct proto_msg *reply);
/*
 * Checks that `rq->user` is who they say, with the directory password
 * and a TOTP code (replay as for a login; audited as an auth record of
 * service `rq->service`).  A proof is not a login: it never counts toward
 * the user's lockout (proof.h limits it), a locked user costs no bind,
 * and proofs in the name of users the directory does not know are
 * recorded once a minute per peer uid with their number.  0 with
 * *why = RSN_OK when proved.
 */
int auth_prove(struct req *rq, const char *pw, const char *code,
    enum reason *why);
int auth_confirm(struct req *rq, struct proto_msg *reply);
int access_handle(struct req *rq, struct proto_msg *reply);
int admin_enroll(struct req *rq, struct proto_msg *reply);
int admin_unlock(struct req *rq, struct proto_msg *reply);
int admin_reset(struct req *rq, struct proto_msg *reply);
int admin_status(struct req *rq, struct proto_msg *reply);
int admin_audit_list(struct req *rq, struct proto_msg *reply);
int admin_audit_show(struct req *rq, struct proto_msg *reply);
int admin_audit_prune(struct req *rq, struct proto_msg *reply);
int admin_audit_checkpoint(struct req *rq, struct proto_msg *reply);
int factors_handle(struct req *rq, struct proto_msg *reply);
int admin_policy_reload(struct req *rq, struct proto_msg *reply);
int admin_policy_test(struct req *rq, struct proto_msg *reply);
int admin_access_list(struct req *rq, struct proto_msg *reply);
int admin_access_user(struct req *rq, struct proto_msg *reply);
int review_start(struct req *rq, struct proto_msg *reply);
int review_list(struct req *rq, struct proto_msg *reply);
int review_show(struct req *rq, struct proto_msg *reply);
int review_decide(struct req *rq, struct proto_msg *reply);
int review_close(struct req *rq, struct proto_msg *reply);
int review_revocation_list(struct req *rq, struct proto_msg *reply);
int review_revocation_lift(struct req *rq, struct proto_msg *reply);
/* pol_revoked_fn over the request's store (arg: struct req *). */
/* After a close: removes revoked users from their granting groups in the
 * directory (ldap_write_dn) and records the result of each. */
void review_remediate(struct req *rq, int64_t id, const char *system);
/* Logs every overdue review (the listener calls it once a day). */
void review_log_overdue(struct authd *ad);
int review_revoked(void *arg, const char *system, const char *role,
    const char *user, char *cite, size_t citesz);

#endif
