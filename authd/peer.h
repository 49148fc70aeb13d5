/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_PEER_H
#define AUTHD_PEER_H

#include <sys/socket.h>
#include <sys/types.h>

/*
 * Who is on the other end of a socket (peer.c): the credentials the
 * kernel recorded at connect() against the socket's role, and how often
 * a refusal is written down.
 */

struct authd;

/*
 * Fills *peer from `fd` and returns 1 if that peer may use the socket
 * of kind `kind` (admin: root or admin_group; PAM: root or client_group;
 * review: anyone; TLS: the host OpenSSL verified; web: web_user), else 0 (an unreadable peer is nobody, uid -1).
 */
int peer_allowed(struct authd *ad, int fd, int kind, struct ucred *peer);
/* Whether `peer` (read at accept) may use a socket of kind `kind`. */
int peer_in_role(struct authd *ad, int fd, int kind,
    const struct ucred *peer);
/* 1 when the peer is root or in admin_group (the security function). */
int peer_is_admin(struct authd *ad, int fd, const struct ucred *peer);
/* "pam", "admin", "review", "tls" or "web". */
const char *peer_sock_name(int kind);

/*
 * What a refusal is for: a peer that may not use the socket, one over its
 * budget of connections or of requests (budget.h), a malformed user name
 * in a PAM request, proofs of identity (proof.h).
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
int peer_refusal_due(uid_t uid, int kind, int why, unsigned long *held);

#endif
