/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "sock.h"
#include "util.h"

/* Waits for `events` on fd until the deadline. 0, _TIMEOUT or _SYSTEM. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	will_block();
	for (;;) {
		if ((left = deadline - mono_ms()) <= 0)
			return AUTHD_ERR_TIMEOUT;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return AUTHD_ERR_SYSTEM;
	}
}

int
sock_connect(const char *path, int64_t deadline, int *fd)
{
	struct sockaddr_un sun;
	socklen_t sl;
	int s, r, err;

	*fd = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path))
		return AUTHD_ERR_INVALID;
	strcpy(sun.sun_path, path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return AUTHD_ERR_SYSTEM;
	while (connect(s, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/*
			 * A Unix socket's backlog is full: nothing is in
			 * progress, so try again shortly, until the deadline.
			 */
			if (mono_ms() + 10 >= deadline) {
				close(s);
				return AUTHD_ERR_TIMEOUT;
			}
			(void)poll(NULL, 0, 10);
			continue;
		}
		if (errno != EINPROGRESS) {
			close(s);
			return AUTHD_ERR_CONNECT;
		}
		if ((r = wait_fd(s, POLLOUT, deadline)) != 0) {
			close(s);
			return r;
		}
		sl = sizeof(err);
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &sl) != 0 ||
		    err != 0) {
			close(s);
			errno = err;
			return AUTHD_ERR_CONNECT;
		}
		break;
	}
	*fd = s;
	return 0;
}

int
sock_write_all(int fd, const void *p, size_t len, int64_t deadline)
{
	const uint8_t *c = p;
	ssize_t n;
	int r;

	while (len > 0) {
		n = send(fd, c, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(fd, POLLOUT, deadline)) != 0)
				return r;
			continue;
		}
		return (n < 0 && errno == EPIPE) ? AUTHD_ERR_CLOSED :
		    AUTHD_ERR_SYSTEM;
	}
	return 0;
}

/* Reads exactly `len` bytes. */
static int
read_full(int fd, void *p, size_t len, int64_t deadline)
{
	uint8_t *c = p;
	ssize_t n;
	int r;

	while (len > 0) {
		n = recv(fd, c, len, MSG_DONTWAIT);
		if (n > 0) {
			c += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return AUTHD_ERR_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((r = wait_fd(fd, POLLIN, deadline)) != 0)
				return r;
			continue;
		}
		return errno == ECONNRESET ? AUTHD_ERR_CLOSED :
		    AUTHD_ERR_SYSTEM;
	}
	return 0;
}

int
sock_read_msg(int fd, int64_t deadline, struct proto_msg **out)
{
	uint8_t hdr[4], *body = NULL;
	uint32_t len;
	int r;

	*out = NULL;
	if ((r = read_full(fd, hdr, sizeof(hdr), deadline)) != 0)
		return r;
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	/* SECURITY NOTE: bound before allocating (memory exhaustion). */
	if (len > PROTO_FRAME_MAX)
		return AUTHD_ERR_TOO_LARGE;
	if (len < PROTO_HDR_LEN)
		return AUTHD_ERR_TRUNCATED;
	if ((body = malloc(len)) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((r = read_full(fd, body, len, deadline)) == 0)
		r = proto_parse(body, len, out);
	secure_free(body, len);
	return r;
}

int
sock_write_msg(int fd, const struct proto_msg *m, int64_t deadline)
{
	uint8_t *frame;
	size_t len;
	int r;

	if ((r = proto_encode(m, &frame, &len)) != 0)
		return r;
	r = sock_write_all(fd, frame, len, deadline);
	secure_free(frame, len);
	return r;
}

int
sock_call(int fd, const struct proto_msg *req, int64_t deadline,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct proto_msg **reply)
{
	struct proto_msg *m = NULL;
	uint64_t st;
	int r;

	*reply = NULL;
	/*
	 * authd may answer a connection it refuses before the request is
	 * written, and close it: the refusal is then waiting to be read.
	 */
	if ((r = sock_write_msg(fd, req, deadline)) != 0) {
		if (r == AUTHD_ERR_CLOSED && sock_read_msg(fd, deadline,
		    &m) == 0 && m->type == PROTO_T_RESULT && m->reqid == 0 &&
		    proto_get_u64(m, PROTO_A_STATUS, &st) == 0 &&
		    st == PROTO_S_ERROR) {
			*reply = m;
			return 0;
		}
		proto_free(m);
		return r;
	}
	for (;;) {
		if ((r = sock_read_msg(fd, deadline, &m)) != 0)
			return r;
		/*
		 * Request id 0 is authd refusing the connection itself
		 * (busy, malformed frame); clients never use 0.
		 */
		if (m->type == PROTO_T_RESULT && m->reqid == 0) {
			/* SECURITY NOTE: such a reply can only ever refuse. */
			if (proto_get_u64(m, PROTO_A_STATUS, &st) != 0 ||
			    st != PROTO_S_ERROR) {
				r = AUTHD_ERR_REQID;
				break;
			}
			*reply = m;
			return 0;
		}
		if (m->reqid != req->reqid) {
			r = AUTHD_ERR_REQID;
			break;
		}
		if (m->type == PROTO_T_RESULT) {
			*reply = m;
			return 0;
		}
		if ((m->type != PROTO_T_AUDIT_ROW && m->type != PROTO_T_ROW) ||
		    row_cb == NULL) {
			r = AUTHD_ERR_REQID;
			break;
		}
		if ((r = row_cb(m, arg)) != 0)
			break;
		proto_free(m);
		m = NULL;
	}
	proto_free(m);
	return r;
}
