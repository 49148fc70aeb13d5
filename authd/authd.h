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
struct tls_server;
struct nodes;

/* The sockets authd serves (struct req's `admin`). */
enum { SOCK_PAM = 0, SOCK_ADMIN = 1, SOCK_REVIEW = 2,
	/*
	 * Pilot hosts over TLS (tls.h): the peer is the host its certificate
	 * names, never a uid; it has no budget here (tls_connections bounds
	 * it) and is served only the PAM requests.
	 */
	SOCK_TLS = 3,
	/*
	 * authd-web (web.c): only web_user may connect; it forwards what a
	 * person proves in a browser, with the source address and session.
	 */
	SOCK_WEB = 4 };

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
	char		*dbpw;		/* database_password_file's, or NULL */
	int		 have_admin_gid, have_client_gid, have_web_uid;
	gid_t		 admin_gid, client_gid;
	uid_t		 web_uid;		/* web_user's, if have_web_uid */
	struct writer	*writer;	/* the database's one writer */
	struct dircache	*dc;		/* users' DNs and groups, shared */
	struct budget	*budget;	/* per socket and uid (budget.h) */
	struct store	*main_st;	/* the listener thread's connection */
	struct tls_server *tls;		/* pilot hosts (tls.h), or NULL */
	struct nodes	*nodes;		/* heartbeats (nodes.h) */
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

#include "peer.h"
#include "req.h"

/*
 * The policy in force (pol.c).  pol_load reads it at start; pol_hold returns
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
int session_open_handle(struct req *rq, struct proto_msg *reply);
int session_close_handle(struct req *rq, struct proto_msg *reply);
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
int web_enroll(struct req *rq, struct proto_msg *reply);
int web_confirm(struct req *rq, struct proto_msg *reply);
/*
 * Who is asking a review request on the web socket (web.c): a person
 * signing in (AS, PASSWORD, CODE) or signed in earlier in the same web
 * session (SESSION), into *w; the actor names them, the session and the
 * source.  RSN_OK, or the reason to refuse with *msg.
 */
struct review_actor;
enum reason web_reviewer(struct req *rq, struct review_actor *w,
    const char **msg);
/* Logs every overdue review (the listener calls it once a day). */
void review_log_overdue(struct authd *ad);

#endif
