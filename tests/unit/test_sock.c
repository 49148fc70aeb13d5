/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/sock.c over socketpair(2) and a listening Unix socket
 * in a private temporary directory: frame round trips, size checks before
 * allocation, EOF and deadlines, sock_call's request-id matching and row
 * stream, connect errors, and SIGPIPE safety.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "check.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

/* Generous: only a hang, never slowness, should fail a test. */
#define SOON		(mono_ms() + 5000)
#define SHORT_MS	200

static char tmpdir[64];

static int
pair(int sv[2])
{
	int r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);

	CHECK(r == 0);
	return r;
}

static void
close_pair(int sv[2])
{
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	sv[0] = sv[1] = -1;
}

static void
write_raw(int fd, const void *p, size_t len)
{
	CHECK(write(fd, p, len) == (ssize_t)len);
}

static void
write_len(int fd, uint32_t len)
{
	uint8_t h[4] = { len >> 24, len >> 16, len >> 8, len };

	write_raw(fd, h, sizeof(h));
}

static struct proto_msg *
result(uint32_t reqid, uint64_t status, const char *reason)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_RESULT, reqid)) == NULL)
		return NULL;
	if (proto_add_u64(m, PROTO_A_STATUS, status) != 0 ||
	    proto_add_str(m, PROTO_A_REASON, reason) != 0) {
		proto_free(m);
		return NULL;
	}
	return m;
}

static struct proto_msg *
row(uint32_t reqid, uint64_t seq)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_AUDIT_ROW, reqid)) == NULL)
		return NULL;
	if (proto_add_u64(m, PROTO_A_SEQ, seq) != 0 ||
	    proto_add_str(m, PROTO_A_EVENT, "auth") != 0) {
		proto_free(m);
		return NULL;
	}
	return m;
}

/* Writes `m` to fd and frees it. */
static void
send_msg(int fd, struct proto_msg *m)
{
	CHECK(m != NULL);
	if (m == NULL)
		return;
	CHECK_OK(sock_write_msg(fd, m, SOON));
	proto_free(m);
}

static void
test_roundtrip(void)
{
	struct proto_msg *m, *p;
	char big[2049];
	int sv[2], i;
	uint64_t u;

	if (pair(sv) != 0)
		return;
	if ((m = proto_new(PROTO_T_AUTH, 0xfedcba98)) == NULL)
		return;
	CHECK_OK(proto_add_str(m, PROTO_A_USER, "alice"));
	CHECK_OK(proto_add_str(m, PROTO_A_CODE, "000000"));
	CHECK_OK(proto_add_u64(m, PROTO_A_PID, UINT64_MAX));
	CHECK_OK(sock_write_msg(sv[0], m, SOON));
	/* Several frames back to back are read one at a time. */
	CHECK_OK(sock_write_msg(sv[0], m, SOON));
	proto_free(m);
	for (i = 0; i < 2; i++) {
		CHECK_OK(sock_read_msg(sv[1], SOON, &p));
		if (p == NULL)
			continue;
		CHECK_U64_EQ(p->type, PROTO_T_AUTH);
		CHECK_U64_EQ(p->reqid, 0xfedcba98);
		CHECK_STR_EQ(proto_str(p, PROTO_A_USER, NULL), "alice");
		CHECK_STR_EQ(proto_str(p, PROTO_A_CODE, NULL), "000000");
		CHECK_OK(proto_get_u64(p, PROTO_A_PID, &u));
		CHECK_U64_EQ(u, UINT64_MAX);
		proto_free(p);
	}

	/* A large frame, several kilobytes. */
	if ((m = proto_new(PROTO_T_AUDIT_ROW, 3)) == NULL)
		return;
	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_OK(proto_add_str(m, PROTO_A_DETAIL, big));
	big[1024] = '\0';
	CHECK_OK(proto_add_str(m, PROTO_A_NODE, big + 1024 - 256));
	CHECK_OK(sock_write_msg(sv[0], m, SOON));
	proto_free(m);
	CHECK_OK(sock_read_msg(sv[1], SOON, &p));
	if (p != NULL)
		CHECK_U64_EQ(strlen(proto_str(p, PROTO_A_DETAIL, "")), 2048);
	proto_free(p);
	close_pair(sv);
}

/* A frame that arrives in pieces, with pauses, is still read whole. */
static void
test_slow_writer(void)
{
	struct proto_msg *m, *p;
	uint8_t *f;
	size_t len, cut[] = { 0, 1, 3, 6, 0 };
	pid_t pid;
	int sv[2], st, i;

	if (pair(sv) != 0)
		return;
	if ((m = proto_new(PROTO_T_STATUS, 77)) == NULL)
		return;
	CHECK_OK(proto_add_str(m, PROTO_A_USER, "bob"));
	CHECK_OK(proto_encode(m, &f, &len));
	proto_free(m);
	if (f == NULL)
		return;
	cut[4] = len;
	if ((pid = fork()) == 0) {
		close(sv[1]);
		for (i = 0; i < 4; i++) {
			usleep(20000);
			if (write(sv[0], f + cut[i], cut[i + 1] - cut[i]) < 0)
				_exit(1);
		}
		_exit(0);
	}
	CHECK(pid > 0);
	close(sv[0]);
	sv[0] = -1;
	CHECK_OK(sock_read_msg(sv[1], SOON, &p));
	if (p != NULL) {
		CHECK_U64_EQ(p->reqid, 77);
		CHECK_STR_EQ(proto_str(p, PROTO_A_USER, NULL), "bob");
	}
	proto_free(p);
	if (pid > 0) {
		CHECK(waitpid(pid, &st, 0) == pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	secure_free(f, len);
	close_pair(sv);
}

static void
test_bad_length(void)
{
	static const uint8_t ping[] = { 1, PROTO_T_PING, 0, 0, 0, 1, 0, 0 };
	static const uint32_t small[] = { 0, 1, PROTO_HDR_LEN - 1 };
	static const uint32_t large[] = { PROTO_FRAME_MAX + 1, 0x01000000,
	    0x7fffffff, 0x80000000, 0xffffffff };
	struct proto_msg *p;
	uint8_t *body;
	size_t i;
	int sv[2];

	/* Too large: refused from the header alone, before any body. */
	for (i = 0; i < sizeof(large) / sizeof(large[0]); i++) {
		if (pair(sv) != 0)
			return;
		write_len(sv[0], large[i]);
		CHECK_ERR(sock_read_msg(sv[1], mono_ms() + SHORT_MS, &p),
		    AUTHD_ERR_TOO_LARGE);
		CHECK(p == NULL);
		close_pair(sv);
	}
	/*
	 * Shorter than a message header: refused from the length alone too,
	 * without waiting for a body (none is sent; waiting would time out).
	 */
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		if (pair(sv) != 0)
			return;
		write_len(sv[0], small[i]);
		CHECK_ERR(sock_read_msg(sv[1], mono_ms() + SHORT_MS, &p),
		    AUTHD_ERR_TRUNCATED);
		CHECK(p == NULL);
		close_pair(sv);
	}
	/* Exactly PROTO_HDR_LEN and exactly PROTO_FRAME_MAX are read. */
	if (pair(sv) != 0)
		return;
	write_len(sv[0], PROTO_HDR_LEN);
	write_raw(sv[0], ping, sizeof(ping));
	CHECK_OK(sock_read_msg(sv[1], SOON, &p));
	proto_free(p);
	if ((body = calloc(1, PROTO_FRAME_MAX)) != NULL) {
		memcpy(body, ping, sizeof(ping));
		write_len(sv[0], PROTO_FRAME_MAX);
		write_raw(sv[0], body, PROTO_FRAME_MAX);
		/* The whole frame is consumed, then judged by the parser. */
		CHECK_ERR(sock_read_msg(sv[1], SOON, &p), AUTHD_ERR_TRAILING);
		CHECK(p == NULL);
		free(body);
	}
	/* A parse error consumes exactly its frame; the next one reads. */
	write_len(sv[0], PROTO_HDR_LEN);
	write_raw(sv[0], "\x02\x10\0\0\0\1\0\0", PROTO_HDR_LEN);
	write_len(sv[0], PROTO_HDR_LEN);
	write_raw(sv[0], ping, sizeof(ping));
	CHECK_ERR(sock_read_msg(sv[1], SOON, &p), AUTHD_ERR_VERSION);
	CHECK_OK(sock_read_msg(sv[1], SOON, &p));
	if (p != NULL)
		CHECK_U64_EQ(p->type, PROTO_T_PING);
	proto_free(p);
	close_pair(sv);
}

static void
test_closed(void)
{
	struct proto_msg *p;
	int sv[2];

	/* Closed before anything. */
	if (pair(sv) != 0)
		return;
	close(sv[0]);
	sv[0] = -1;
	CHECK_ERR(sock_read_msg(sv[1], SOON, &p), AUTHD_ERR_CLOSED);
	CHECK(p == NULL);
	close_pair(sv);

	/* Closed in the middle of the length prefix. */
	if (pair(sv) != 0)
		return;
	write_raw(sv[0], "\0\0", 2);
	close(sv[0]);
	sv[0] = -1;
	CHECK_ERR(sock_read_msg(sv[1], SOON, &p), AUTHD_ERR_CLOSED);
	close_pair(sv);

	/* Closed in the middle of the body. */
	if (pair(sv) != 0)
		return;
	write_len(sv[0], 20);
	write_raw(sv[0], "\1\1\0\0\0\1\0\1\0\1", 10);
	close(sv[0]);
	sv[0] = -1;
	CHECK_ERR(sock_read_msg(sv[1], SOON, &p), AUTHD_ERR_CLOSED);
	CHECK(p == NULL);
	close_pair(sv);

	/* Half-closed: the peer stops writing but the socket stays up. */
	if (pair(sv) != 0)
		return;
	write_len(sv[0], PROTO_HDR_LEN);
	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK_ERR(sock_read_msg(sv[1], SOON, &p), AUTHD_ERR_CLOSED);
	close_pair(sv);
}

static void
test_timeout(void)
{
	struct proto_msg *p;
	int64_t deadline;
	int sv[2];

	if (pair(sv) != 0)
		return;
	/* Nothing arrives. */
	deadline = mono_ms() + SHORT_MS;
	CHECK_ERR(sock_read_msg(sv[1], deadline, &p), AUTHD_ERR_TIMEOUT);
	CHECK(p == NULL);
	CHECK(mono_ms() >= deadline);		/* did not give up early */
	CHECK(mono_ms() < deadline + 5000);	/* and did not hang */
	/* Half a frame arrives, then nothing. */
	write_len(sv[0], 12);
	write_raw(sv[0], "\1\x10", 2);
	deadline = mono_ms() + SHORT_MS;
	CHECK_ERR(sock_read_msg(sv[1], deadline, &p), AUTHD_ERR_TIMEOUT);
	CHECK(mono_ms() >= deadline);
	close_pair(sv);

	/* A deadline already passed, nothing waiting. */
	if (pair(sv) != 0)
		return;
	CHECK_ERR(sock_read_msg(sv[1], mono_ms() - 1, &p), AUTHD_ERR_TIMEOUT);
	close_pair(sv);
}

/* A peer that never reads: writes stop at the deadline. */
static void
test_write_timeout(void)
{
	enum { BIG = 8 << 20 };
	uint8_t *junk;
	int sv[2], sz = 4096;

	if (pair(sv) != 0)
		return;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if ((junk = calloc(1, BIG)) != NULL) {
		CHECK_ERR(sock_write_all(sv[0], junk, BIG,
		    mono_ms() + SHORT_MS), AUTHD_ERR_TIMEOUT);
		free(junk);
	}
	close_pair(sv);
}

struct rows {
	int		n;
	uint64_t	seq[8];
	int		fail_at;	/* return an error on this row (1-based) */
};

static int
row_cb(const struct proto_msg *m, void *arg)
{
	struct rows *r = arg;
	uint64_t seq;

	if (m->type != PROTO_T_AUDIT_ROW || proto_get_u64(m, PROTO_A_SEQ,
	    &seq) != 0)
		return AUTHD_ERR_INTERNAL;
	if (r->n < 8)
		r->seq[r->n] = seq;
	if (++r->n == r->fail_at)
		return AUTHD_ERR_INVALID;
	return 0;
}

/* The request sock_call wrote must be on the other end, intact. */
static void
check_request(int fd, uint32_t reqid)
{
	struct proto_msg *p;

	CHECK_OK(sock_read_msg(fd, SOON, &p));
	if (p == NULL)
		return;
	CHECK_U64_EQ(p->type, PROTO_T_AUDIT_LIST);
	CHECK_U64_EQ(p->reqid, reqid);
	proto_free(p);
}

static void
test_call(void)
{
	struct proto_msg *req, *rep;
	struct rows rows;
	uint64_t u;
	int sv[2], i;

	if ((req = proto_new(PROTO_T_AUDIT_LIST, 5)) == NULL)
		return;
	CHECK_OK(proto_add_u64(req, PROTO_A_LIMIT, 3));

	/* Plain RESULT. */
	if (pair(sv) != 0)
		return;
	send_msg(sv[1], result(5, PROTO_S_ALLOW, "ok"));
	CHECK_OK(sock_call(sv[0], req, SOON, NULL, NULL, &rep));
	CHECK(rep != NULL);
	if (rep != NULL) {
		CHECK_U64_EQ(rep->type, PROTO_T_RESULT);
		CHECK_OK(proto_get_u64(rep, PROTO_A_STATUS, &u));
		CHECK_U64_EQ(u, PROTO_S_ALLOW);
	}
	proto_free(rep);
	check_request(sv[1], 5);
	close_pair(sv);

	/* A RESULT for another request. */
	if (pair(sv) != 0)
		return;
	send_msg(sv[1], result(6, PROTO_S_ALLOW, "ok"));
	rep = req;
	CHECK_ERR(sock_call(sv[0], req, SOON, NULL, NULL, &rep),
	    AUTHD_ERR_REQID);
	CHECK(rep == NULL);
	check_request(sv[1], 5);
	close_pair(sv);

	/*
	 * Request id 0 is authd refusing the request before it could read
	 * it (busy, malformed frame): returned as the reply, not REQID, so
	 * the client sees the reason.
	 */
	if (pair(sv) != 0)
		return;
	send_msg(sv[1], result(0, PROTO_S_ERROR, "busy"));
	CHECK_OK(sock_call(sv[0], req, SOON, NULL, NULL, &rep));
	CHECK(rep != NULL);
	if (rep != NULL) {
		CHECK_U64_EQ(rep->reqid, 0);
		CHECK_OK(proto_get_u64(rep, PROTO_A_STATUS, &u));
		CHECK_U64_EQ(u, PROTO_S_ERROR);
		CHECK_STR_EQ(proto_str(rep, PROTO_A_REASON, NULL), "busy");
	}
	proto_free(rep);
	close_pair(sv);
	/* Only a RESULT may carry request id 0. */
	if (pair(sv) != 0)
		return;
	send_msg(sv[1], row(0, 1));
	memset(&rows, 0, sizeof(rows));
	CHECK_ERR(sock_call(sv[0], req, SOON, row_cb, &rows, &rep),
	    AUTHD_ERR_REQID);
	CHECK_INT_EQ(rows.n, 0);
	close_pair(sv);

	/* Rows, then the RESULT: the callback sees each row in order. */
	if (pair(sv) != 0)
		return;
	for (i = 1; i <= 3; i++)
		send_msg(sv[1], row(5, (uint64_t)i * 10));
	send_msg(sv[1], result(5, PROTO_S_ALLOW, "ok"));
	memset(&rows, 0, sizeof(rows));
	CHECK_OK(sock_call(sv[0], req, SOON, row_cb, &rows, &rep));
	CHECK_INT_EQ(rows.n, 3);
	CHECK_U64_EQ(rows.seq[0], 10);
	CHECK_U64_EQ(rows.seq[1], 20);
	CHECK_U64_EQ(rows.seq[2], 30);
	CHECK(rep != NULL && rep->type == PROTO_T_RESULT);
	proto_free(rep);
	close_pair(sv);

	/* The callback's error ends the call with that error. */
	if (pair(sv) != 0)
		return;
	for (i = 1; i <= 3; i++)
		send_msg(sv[1], row(5, (uint64_t)i));
	send_msg(sv[1], result(5, PROTO_S_ALLOW, "ok"));
	memset(&rows, 0, sizeof(rows));
	rows.fail_at = 2;
	CHECK_ERR(sock_call(sv[0], req, SOON, row_cb, &rows, &rep),
	    AUTHD_ERR_INVALID);
	CHECK_INT_EQ(rows.n, 2);
	CHECK(rep == NULL);
	close_pair(sv);

	/* Rows with no callback to take them. */
	if (pair(sv) != 0)
		return;
	send_msg(sv[1], row(5, 1));
	send_msg(sv[1], result(5, PROTO_S_ALLOW, "ok"));
	CHECK_ERR(sock_call(sv[0], req, SOON, NULL, NULL, &rep),
	    AUTHD_ERR_REQID);
	close_pair(sv);

	/* A row for another request. */
	if (pair(sv) != 0)
		return;
	send_msg(sv[1], row(5, 1));
	send_msg(sv[1], row(4, 2));
	send_msg(sv[1], result(5, PROTO_S_ALLOW, "ok"));
	memset(&rows, 0, sizeof(rows));
	CHECK_ERR(sock_call(sv[0], req, SOON, row_cb, &rows, &rep),
	    AUTHD_ERR_REQID);
	CHECK_INT_EQ(rows.n, 1);
	close_pair(sv);

	/* A reply that is neither a row nor a RESULT. */
	if (pair(sv) != 0)
		return;
	send_msg(sv[1], proto_new(PROTO_T_PING, 5));
	memset(&rows, 0, sizeof(rows));
	CHECK_ERR(sock_call(sv[0], req, SOON, row_cb, &rows, &rep),
	    AUTHD_ERR_REQID);
	CHECK_INT_EQ(rows.n, 0);
	close_pair(sv);

	/* The server hangs up without answering. */
	if (pair(sv) != 0)
		return;
	CHECK(shutdown(sv[1], SHUT_WR) == 0);
	CHECK_ERR(sock_call(sv[0], req, SOON, NULL, NULL, &rep),
	    AUTHD_ERR_CLOSED);
	close_pair(sv);

	/* The server never answers. */
	if (pair(sv) != 0)
		return;
	CHECK_ERR(sock_call(sv[0], req, mono_ms() + SHORT_MS, NULL, NULL,
	    &rep), AUTHD_ERR_TIMEOUT);
	close_pair(sv);
	proto_free(req);
}

static int
listener(const char *path, int backlog)
{
	struct sockaddr_un sun;
	int s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    (backlog >= 0 && listen(s, backlog) != 0)) {
		close(s);
		return -1;
	}
	return s;
}

static void
test_connect(void)
{
	struct sockaddr_un sun;
	struct proto_msg *m, *p;
	char path[sizeof(sun.sun_path) + 16];
	size_t dl = strlen(tmpdir);
	int fd, ls, c, fl;

	/* No such socket. */
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	fd = 99;
	CHECK_ERR(sock_connect(path, SOON, &fd), AUTHD_ERR_CONNECT);
	CHECK_INT_EQ(fd, -1);

	/* Path lengths around sizeof(sun_path): 107 fits, 108 does not. */
	CHECK(dl + 2 < sizeof(sun.sun_path));
	memset(path, 0, sizeof(path));
	memcpy(path, tmpdir, dl);
	path[dl] = '/';
	memset(path + dl + 1, 'p', sizeof(sun.sun_path) - dl - 2);
	CHECK_U64_EQ(strlen(path), sizeof(sun.sun_path) - 1);
	CHECK_ERR(sock_connect(path, SOON, &fd), AUTHD_ERR_CONNECT);
	path[strlen(path)] = 'p';
	CHECK_U64_EQ(strlen(path), sizeof(sun.sun_path));
	fd = 99;
	CHECK_ERR(sock_connect(path, SOON, &fd), AUTHD_ERR_INVALID);
	CHECK_INT_EQ(fd, -1);
	memset(path + dl + 1, 'q', sizeof(path) - dl - 2);
	path[sizeof(path) - 1] = '\0';
	CHECK_ERR(sock_connect(path, SOON, &fd), AUTHD_ERR_INVALID);
	CHECK_ERR(sock_connect(NULL, SOON, &fd), AUTHD_ERR_INVALID);
	CHECK_ERR(sock_connect("", SOON, &fd), AUTHD_ERR_CONNECT);

	/* Something that is not a socket. */
	snprintf(path, sizeof(path), "%s/file", tmpdir);
	if ((c = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0)
		close(c);
	CHECK_ERR(sock_connect(path, SOON, &fd), AUTHD_ERR_CONNECT);

	/* A bound socket nobody listens on. */
	snprintf(path, sizeof(path), "%s/bound", tmpdir);
	ls = listener(path, -1);
	CHECK(ls >= 0);
	CHECK_ERR(sock_connect(path, SOON, &fd), AUTHD_ERR_CONNECT);
	if (ls >= 0)
		close(ls);

	/* A listening socket: connected, non-blocking, close-on-exec. */
	snprintf(path, sizeof(path), "%s/live", tmpdir);
	if ((ls = listener(path, 8)) < 0) {
		CHECK(ls >= 0);
		return;
	}
	CHECK_OK(sock_connect(path, SOON, &fd));
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK((fl = fcntl(fd, F_GETFL)) >= 0 && (fl & O_NONBLOCK));
		CHECK((fl = fcntl(fd, F_GETFD)) >= 0 && (fl & FD_CLOEXEC));
		CHECK((c = accept(ls, NULL, NULL)) >= 0);
		if ((m = proto_new(PROTO_T_PING, 31)) != NULL) {
			CHECK_OK(sock_write_msg(fd, m, SOON));
			proto_free(m);
		}
		if (c >= 0) {
			CHECK_OK(sock_read_msg(c, SOON, &p));
			if (p != NULL)
				CHECK_U64_EQ(p->reqid, 31);
			proto_free(p);
			close(c);
		}
		close(fd);
	}
	close(ls);
}

/*
 * A listener whose queue is full and that never accepts: the connect must
 * not report success with a socket that is not connected (the caller
 * would then fail with a confusing system error on its first write).
 */
static void
test_connect_backlog(void)
{
	char path[128];
	int ls, fd[4], i, r;

	snprintf(path, sizeof(path), "%s/full", tmpdir);
	if ((ls = listener(path, 0)) < 0) {
		CHECK(ls >= 0);
		return;
	}
	for (i = 0; i < 4; i++) {
		r = sock_connect(path, mono_ms() + SHORT_MS, &fd[i]);
		if (r == 0) {
			struct sockaddr_un peer;
			socklen_t pl = sizeof(peer);

			CHECK(getpeername(fd[i], (struct sockaddr *)&peer,
			    &pl) == 0);
		} else {
			CHECK(r == AUTHD_ERR_TIMEOUT ||
			    r == AUTHD_ERR_CONNECT);
			CHECK_INT_EQ(fd[i], -1);
		}
	}
	for (i = 0; i < 4; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	close(ls);
}

/*
 * Writing to a closed peer returns an error instead of raising SIGPIPE.
 * Runs in a child with SIGPIPE at its default action, so a regression
 * shows up as a child killed by the signal rather than a dead test.
 */
static void
test_sigpipe(void)
{
	struct proto_msg *m;
	pid_t pid;
	int sv[2], st, r1, r2;

	if ((pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			_exit(10);
		close(sv[1]);
		if ((m = proto_new(PROTO_T_PING, 1)) == NULL)
			_exit(11);
		r1 = sock_write_msg(sv[0], m, mono_ms() + 5000);
		r2 = sock_write_all(sv[0], "abc", 3, mono_ms() + 5000);
		proto_free(m);
		_exit(r1 == AUTHD_ERR_CLOSED && r2 == AUTHD_ERR_CLOSED ? 0 : 12);
	}
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(!WIFSIGNALED(st));
	if (WIFSIGNALED(st))
		fprintf(stderr, "child killed by signal %d\n", WTERMSIG(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
cleanup(void)
{
	char p[128];
	static const char *const names[] = { "missing", "file", "bound",
	    "live", "full" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		(void)unlink(p);
	}
	(void)rmdir(tmpdir);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	/* sun_path is short: keep the directory name short too. */
	if (t == NULL || strlen(t) > 40)
		t = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/sockXXXXXX", t);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_roundtrip();
	test_slow_writer();
	test_bad_length();
	test_closed();
	test_timeout();
	test_write_timeout();
	test_call();
	test_connect();
	test_connect_backlog();
	test_sigpipe();
	cleanup();
	return check_done("test_sock");
}
