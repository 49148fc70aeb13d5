/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_HANDLER_H
#define AUTHD_HANDLER_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "req.h"

struct worker;

/*
 * The dispatcher (handler.c): one table describes every request type
 * (who may send it, what it must carry, whether it is answered without
 * waiting, its handler), and handler_run takes one frame through it.
 *
 * handler_run handles one request frame body that arrived on `fd` and
 * writes the reply.  `peer`: the credentials the kernel recorded when the
 * client connected (SO_PEERCRED, read at accept).  `frame_err` is
 * non-zero when the frame could not be read whole (oversize, truncated),
 * or, for a peer refused at accept whose refusal is due to be recorded,
 * AUTHD_ERR_PERM (it may not use the socket, or its TLS handshake was
 * refused: `tls->why`) or AUTHD_ERR_TOO_MANY (it is
 * over its connection budget); `held` is then how many refusals of it
 * were held back before this one (peer_refusal_due), else 0.
 * Returns 0 to keep the connection, -1 to close it, HANDLER_DEFERRED when
 * the reply follows the commit of its audit record: then the thread that
 * commits it writes the reply and calls done(conn, keep), and the caller
 * must not touch the connection any more.  `tls`: on SOCK_TLS the host's
 * identity (tls.h), which becomes the actor of every record; else NULL.
 */
#define HANDLER_DEFERRED	1
struct tls_id;
int handler_run(struct worker *w, int fd, int kind, const struct ucred *peer,
    const struct tls_id *tls, const uint8_t *body, size_t len, int frame_err,
    unsigned long held, req_done_fn *done, void *conn);

#endif
