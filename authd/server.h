/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_SERVER_H
#define AUTHD_SERVER_H

#include "authd.h"

/*
 * The main thread accepts connections (checking the peer at once and
 * taking each connection out of its socket's and its uid's budget,
 * budget.h; a bounded batch per socket at a time), keeps the idle and
 * partial-frame deadlines and handles signals.  A fixed pool
 * of workers serves one epoll set in which every connection is armed once
 * (EPOLLONESHOT).  One worker at a time, the leader, waits on it and takes
 * every ready connection: for each it reads the frame without blocking
 * (bounded size, bounded time), handles the request (directory, database,
 * audit), writes the reply and arms the connection again; before anything
 * that may wait it hands the rest and the lead to the next worker.  Decisions (auth, account, session records) do not wait for the
 * disk: the worker hands the record to the writer and goes on, and the
 * thread that commits it writes the reply and arms the connection
 * (server_conn_done).  A slow directory answer holds one worker, never
 * the main thread or the others.
 */

/*
 * Creates and binds the Unix socket at `path` (mode 0666: access is
 * decided per request from the peer's credentials).  Returns the listening
 * descriptor or -1 after logging why.
 */
int server_listen(const char *path);

/*
 * Serves on the three listening sockets (and the TLS listener `ts`, if
 * not NULL, whose connections become SOCK_TLS connections) until
 * SIGTERM/SIGINT, then stops accepting, finishes every request already
 * received (their audit records are committed and their replies sent)
 * and returns 0.  When the key keeper is gone (keeper.h) it stops the
 * same way and returns -1.  Frees `ts` and closes the sockets.
 */
struct tls_server;
int server_run(struct authd *ad, int pam_fd, int admin_fd, int review_fd,
    int web_fd,
    struct tls_server *ts);

/*
 * Gives back a connection whose reply was deferred (HANDLER_DEFERRED),
 * from whichever thread wrote it: armed for the next request when `keep`,
 * else closed.
 */
void server_conn_done(void *conn, int keep);

#endif
