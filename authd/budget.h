/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_BUDGET_H
#define AUTHD_BUDGET_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/*
 * What each socket and each peer may take of authd, so that a local user
 * can block no login and no administrator.
 *
 * Connections.  connections_max is the total: it is what the descriptor
 * limit bounds, and operators have sized it.  From it the admin socket
 * gets admin_connections, the review socket review_connections, a few
 * (BUDGET_REFUSING_MAX at most) carry refusals that are being recorded,
 * and the PAM socket gets the rest.  No socket can take another's share.
 * Of the PAM and of the admin share the last root_connections are root's
 * alone.  On the PAM socket a uid other than root holds at most
 * pam_connections_per_uid connections, on the review socket at most
 * review_connections_per_uid.
 *
 * Requests.  A token bucket per uid and socket: review_request_rate
 * requests a second, up to review_request_burst at once, on the review
 * socket; pam_request_rate and pam_request_burst on the PAM socket; a
 * rate of 0 is no limit.  The admin socket has none.
 *
 * Root is never limited per uid: its PAM clients (sshd, login, su) carry
 * everybody's logins, and root can stop authd anyway.  It is bound only by
 * each socket's share, and has its reserve in two of them.
 *
 * Every function may be called from any thread.
 */

/* Connections that carry a refusal to a worker for recording, at most. */
#define BUDGET_REFUSING_MAX	8

/* Why a connection or a request is refused (0: it is not). */
enum budget_verdict {
	BUDGET_OK = 0,
	BUDGET_SOCKET_FULL,	/* the socket's share is taken */
	BUDGET_RESERVED,	/* what is left of it is root's reserve */
	BUDGET_UID_FULL,	/* the uid holds all the connections it may */
	BUDGET_RATE,		/* the uid's requests are over its rate */
	BUDGET_NOMEM,		/* no memory to count the uid's connections */
};

struct budget;

/*
 * Creates the budgets of `cfg` for `total` connections in all: normally
 * connections_max, less when the descriptor limit allows fewer (then the
 * admin and review shares and root's reserve shrink in proportion).
 * Returns 0 and *out (free with budget_free), or AUTHD_ERR_NOMEM.
 */
int budget_new(const struct config *cfg, size_t total, struct budget **out);

/* Frees `b`; accepts NULL.  Nobody may use it any more. */
void budget_free(struct budget *b);

/*
 * The share of socket `kind` (SOCK_*), and in *reserve the part of it
 * that only root may take (may be NULL).
 */
size_t budget_share(const struct budget *b, int kind, size_t *reserve);

/*
 * Takes a connection of `uid` on socket `kind` out of the budget.
 * Returns BUDGET_OK (then budget_conn_put must give it back exactly
 * once) or why it may not be taken (then nothing was taken).
 */
int budget_conn_take(struct budget *b, int kind, uid_t uid);

/* Gives back a connection that budget_conn_take took. */
void budget_conn_put(struct budget *b, int kind, uid_t uid);

/*
 * Takes one of the connections that carry a refusal to be recorded:
 * 1 when there was one (give it back with budget_refusal_put), else 0.
 */
int budget_refusal_take(struct budget *b);
void budget_refusal_put(struct budget *b);

/*
 * Spends one request of `uid` on socket `kind` at `now_ms` (mono_ms()).
 * Returns BUDGET_OK or BUDGET_RATE (nothing spent).  The buckets of the
 * least recently seen uids are forgotten when many uids are seen (a
 * forgotten uid starts with a full bucket).
 */
int budget_request(struct budget *b, int kind, uid_t uid, int64_t now_ms);

/*
 * Describes, for logs and audit details, the budget that refused `uid`
 * on socket `kind`: its requests (`requests` non-zero) or its
 * connections.  Always NUL-terminates `buf` (when `size` > 0).
 */
void budget_describe(const struct budget *b, int kind, uid_t uid,
    int requests, char *buf, size_t size);

#endif
