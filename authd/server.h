/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_SERVER_H
#define AUTHD_SERVER_H

#include "authd.h"

/*
 * The listener: one thread polls both sockets and every idle connection,
 * reads request frames without blocking (bounded size, bounded time) and
 * hands complete frames to a fixed pool of workers through a bounded
 * queue.  A worker handles the request (directory, database, audit),
 * writes the reply and gives the connection back.  A slow directory
 * answer therefore holds one worker, never the listener or the others.
 */

/*
 * Creates and binds the Unix socket at `path` (mode 0666: access is
 * decided per request from the peer's credentials).  Returns the listening
 * descriptor or -1 after logging why.
 */
int server_listen(const char *path);

/*
 * Serves on the two listening sockets until SIGTERM/SIGINT, then stops
 * accepting, finishes every request already received (their audit records
 * are committed and their replies sent) and returns 0.
 */
int server_run(struct authd *ad, int pam_fd, int admin_fd, int review_fd);

#endif
