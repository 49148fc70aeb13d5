/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_SOCK_H
#define AUTHD_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * Blocking-with-deadline socket I/O for clients (pam_authd.so, authctl)
 * and for authd's workers.  Every function takes an absolute deadline on
 * CLOCK_MONOTONIC in milliseconds (see mono_ms()) and never waits past it.
 * Writes use MSG_NOSIGNAL: a client inside sshd must not die of SIGPIPE.
 */

/*
 * Connects to the Unix socket at `path`.  Returns 0 and the descriptor
 * (non-blocking, close-on-exec) in *fd, or AUTHD_ERR_CONNECT /
 * AUTHD_ERR_TIMEOUT / AUTHD_ERR_INVALID; *fd is -1 on error.
 */
int sock_connect(const char *path, int64_t deadline, int *fd);

/* Writes all `len` bytes.  0, AUTHD_ERR_TIMEOUT, _CLOSED or _SYSTEM. */
int sock_write_all(int fd, const void *p, size_t len, int64_t deadline);

/*
 * Reads one frame and parses it.  Returns 0 and a new message in *out, or
 * AUTHD_ERR_TIMEOUT, _CLOSED (EOF before a complete frame), _TOO_LARGE
 * (checked before allocating) or a parse error.
 */
int sock_read_msg(int fd, int64_t deadline, struct proto_msg **out);

/* Encodes and writes `m`, wiping the encoded copy. */
int sock_write_msg(int fd, const struct proto_msg *m, int64_t deadline);

/*
 * Sends `req` and reads frames until a RESULT whose request id matches.
 * AUDIT_ROW and ROW frames in between are handed to `row_cb` (if not NULL; a
 * non-zero return aborts with that value); any other frame or a mismatching
 * request id is AUTHD_ERR_REQID.  On success *reply is the RESULT; a RESULT
 * with request id 0 is authd refusing the connection (busy, malformed)
 * and is returned as the reply too.
 */
int sock_call(int fd, const struct proto_msg *req, int64_t deadline,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct proto_msg **reply);

#endif
