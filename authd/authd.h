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
#include "seal.h"
#include "store.h"
#include "totp.h"

/* Daemon-wide state; read-only once the workers run. */
struct authd {
	struct config	*cfg;
	struct seal_key	*key;
	char		*bindpw;	/* LDAP service password, wiped at exit */
	int		 have_admin_gid, have_client_gid;
	gid_t		 admin_gid, client_gid;
	/* Stand-in seed so that users without a token cost the same work. */
	uint8_t		 dummy_seed[TOTP_SEED_LEN];
	uint8_t		*dummy_sealed;	/* dummy_seed sealed, opened alike */
	size_t		 dummy_sealed_len;
	struct writer	*writer;	/* the database's one writer */
	struct dircache	*dc;		/* users' DNs and groups, shared */
	/* The policy in force; swapped whole on reload (policyadm.c). */
	pthread_mutex_t	 pol_mtx;
	struct polref	*pol;
};

struct polref;

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
	int			 admin;		/* arrived on the admin socket */
	int64_t			 deadline;	/* mono_ms() */
	struct ucred		 peer;
	char			 actor[128];
	const char		*user;		/* validated, or NULL */
	const char		*system;
	const char		*service;
	const char		*rhost;
	const char		*tty;
	char			 policy_version[17];	/* cited in records */
};

/*
 * Handles one request frame body that arrived on `fd` and writes the
 * reply.  `frame_err` is non-zero when the frame could not be read whole
 * (oversize, truncated), or AUTHD_ERR_PERM for a peer refused at accept
 * whose refusal is due to be audited.
 * Returns 0 to keep the connection, -1 to close it.
 */
int handler_run(struct worker *w, int fd, int admin, const uint8_t *body,
    size_t len, int frame_err);

/*
 * Fills *peer from `fd` and returns 1 if that peer may use the socket
 * (admin: root or admin_group; PAM: root or client_group), else 0.
 */
int handler_peer_allowed(struct authd *ad, int fd, int admin,
    struct ucred *peer);

/*
 * Refusals are audited at most once a minute per uid and socket: returns 1
 * when this one is due (and *held, how many were held back since).
 */
int handler_refusal_due(uid_t uid, int admin, unsigned long *held);

/*
 * Writes a RESULT with status error, `reason` and `msg` to `fd`, waiting
 * until `deadline` at most (mono_ms(); pass mono_ms() never to wait).
 */
int reply_error(int fd, uint32_t reqid, enum reason reason, const char *msg,
    int64_t deadline);

/* Sets STATUS, REASON and (if not NULL) MESSAGE on a RESULT. */
int reply_set(struct proto_msg *reply, enum proto_status status,
    enum reason reason, const char *message);

struct wtx;

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

#endif
