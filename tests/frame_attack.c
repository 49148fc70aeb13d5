/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * frame_attack SOCKET pam|admin: sends malformed frames to a running authd and
 * checks that each gets an error reply (or, where no reply is possible, a
 * closed connection within the daemon's request timeout), and that authd
 * still answers a well-formed request afterwards.  Exit 0 when every check
 * holds, 1 otherwise, 2 on usage errors.
 */
#include <sys/socket.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "buf.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

static int failures;
static const char *sockpath;

#define WAIT_MS	10000	/* hang guard, not a performance bound */

static int
conn(void)
{
	int fd;

	if (sock_connect(sockpath, mono_ms() + WAIT_MS, &fd) != 0) {
		printf("FAIL: cannot connect to %s\n", sockpath);
		exit(1);
	}
	return fd;
}

/*
 * Sends raw bytes and expects a RESULT with status ERROR (and reason
 * `reason`, unless NULL).
 */
static void
expect_error_as(const char *what, const void *p, size_t len,
    const char *reason)
{
	struct proto_msg *m = NULL;
	uint64_t status = 99;
	int fd = conn(), r;

	(void)sock_write_all(fd, p, len, mono_ms() + WAIT_MS);
	r = sock_read_msg(fd, mono_ms() + WAIT_MS, &m);
	if (r == 0 && m->type == PROTO_T_RESULT &&
	    proto_get_u64(m, PROTO_A_STATUS, &status) == 0 &&
	    status == PROTO_S_ERROR && (reason == NULL ||
	    strcmp(proto_str(m, PROTO_A_REASON, ""), reason) == 0))
		printf("ok: %s -> error reply (%s: %s)\n", what,
		    proto_str(m, PROTO_A_REASON, "-"),
		    proto_str(m, PROTO_A_MESSAGE, "-"));
	else {
		printf("FAIL: %s -> %s, status %llu\n", what,
		    r ? authd_strerror(r) : "reply", (unsigned long long)status);
		failures++;
	}
	proto_free(m);
	close(fd);
}

static void
expect_error(const char *what, const void *p, size_t len)
{
	expect_error_as(what, p, len, NULL);
}

/* Sends raw bytes and expects the connection to be closed, no reply. */
static void
expect_close(const char *what, const void *p, size_t len)
{
	struct proto_msg *m = NULL;
	int fd = conn(), r;

	(void)sock_write_all(fd, p, len, mono_ms() + WAIT_MS);
	r = sock_read_msg(fd, mono_ms() + WAIT_MS, &m);
	if (r == AUTHD_ERR_CLOSED)
		printf("ok: %s -> connection closed\n", what);
	else {
		printf("FAIL: %s -> %s\n", what, authd_strerror(r));
		failures++;
	}
	proto_free(m);
	close(fd);
}

/* Frame = length prefix + body. */
static size_t
frame(uint8_t *out, const uint8_t *body, size_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	memcpy(out + 4, body, len);
	return len + 4;
}

/* A valid ping body with optional extra attribute bytes. */
static size_t
body(uint8_t *out, uint8_t version, uint8_t type, uint16_t nattr,
    const uint8_t *attrs, size_t alen)
{
	out[0] = version;
	out[1] = type;
	memcpy(out + 2, "\0\0\0\x2a", 4);
	out[6] = (uint8_t)(nattr >> 8);
	out[7] = (uint8_t)nattr;
	if (alen > 0)
		memcpy(out + 8, attrs, alen);
	return 8 + alen;
}

static void
ping_ok(const char *what)
{
	struct proto_msg *req = proto_new(PROTO_T_PING, 7), *rep = NULL;
	int64_t deadline = mono_ms() + WAIT_MS;
	uint64_t status = 99;
	int fd, r;

	/*
	 * Each socket has its budget of connections: right after a burst,
	 * authd may still be closing the burst's connections and refuse a
	 * new one as busy (or close it before the request is written) until
	 * it has.  Ask again until the hang guard.
	 */
	for (;;) {
		fd = conn();
		r = sock_call(fd, req, deadline, NULL, NULL, &rep);
		close(fd);
		if (((r == 0 && rep->reqid == 0 && strcmp(proto_str(rep,
		    PROTO_A_REASON, ""), "busy") == 0) ||
		    r == AUTHD_ERR_CLOSED) && mono_ms() + 100 < deadline) {
			proto_free(rep);
			rep = NULL;
			(void)poll(NULL, 0, 50);
			continue;
		}
		break;
	}
	if (r == 0 && proto_get_u64(rep, PROTO_A_STATUS, &status) == 0 &&
	    status == PROTO_S_ALLOW)
		printf("ok: %s\n", what);
	else {
		printf("FAIL: %s (%s)\n", what, authd_strerror(r));
		failures++;
	}
	proto_free(req);
	proto_free(rep);
}

/*
 * An AUTH whose ACCOUNT is not 1 (the only meaning it has) is refused
 * with an error, before its code is checked (malformed.sh checks that no
 * auth record was written).
 */
static void
account_value_refused(uint64_t v)
{
	struct proto_msg *req = proto_new(PROTO_T_AUTH, 9);
	uint8_t *out = NULL;
	size_t len = 0;
	char what[64];

	snprintf(what, sizeof(what), "AUTH with ACCOUNT=%llu",
	    (unsigned long long)v);
	if (req == NULL || proto_add_str(req, PROTO_A_USER, "anna") != 0 ||
	    proto_add_str(req, PROTO_A_SERVICE, "authd-test") != 0 ||
	    proto_add_str(req, PROTO_A_CODE, "123456") != 0 ||
	    proto_add_u64(req, PROTO_A_ACCOUNT, v) != 0 ||
	    proto_encode(req, &out, &len) != 0) {
		printf("FAIL: %s: cannot build the request\n", what);
		failures++;
	} else
		expect_error_as(what, out, len, "bad-request");
	if (out != NULL)
		secure_free(out, len);
	proto_free(req);
}

int
main(int argc, char **argv)
{
	static const uint8_t user_attr[] = { 0, PROTO_A_USER, 0, 4, 'a', 'n',
	    'n', 'a' };
	static const uint8_t dup_attr[] = { 0, PROTO_A_USER, 0, 1, 'a',
	    0, PROTO_A_USER, 0, 1, 'b' };
	static const uint8_t nul_attr[] = { 0, PROTO_A_USER, 0, 3, 'a', 0,
	    'b' };
	static const uint8_t short_attr[] = { 0, PROTO_A_USER, 0, 40, 'a' };
	static const uint8_t bad_tag[] = { 0x7f, 0x7f, 0, 1, 'a' };
	uint8_t b[PROTO_FRAME_MAX + 64], f[PROTO_FRAME_MAX + 128];
	size_t n, i;
	int fd, admin;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: frame_attack SOCKET pam|admin\n");
		return 0;
	}
	if (argc != 3 || (strcmp(argv[2], "pam") && strcmp(argv[2], "admin"))) {
		fprintf(stderr, "usage: frame_attack SOCKET pam|admin\n");
		return 2;
	}
	sockpath = argv[1];
	admin = strcmp(argv[2], "admin") == 0;
	srandom(1234);

	ping_ok("a well-formed ping is answered");

	n = body(b, PROTO_VERSION, PROTO_T_PING, 0, NULL, 0);
	expect_error("wrong version", f, frame(f, (b[0] = 9, b), n));
	n = body(b, PROTO_VERSION, 0x7e, 0, NULL, 0);
	expect_error("unknown message type", f, frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_PING, 1, user_attr,
	    sizeof(user_attr));
	expect_error("attribute not allowed for the type", f, frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_ACCOUNT, 2, dup_attr,
	    sizeof(dup_attr));
	expect_error("duplicate attribute", f, frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_ACCOUNT, 1, nul_attr,
	    sizeof(nul_attr));
	expect_error("embedded NUL", f, frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_ACCOUNT, 1, short_attr,
	    sizeof(short_attr));
	expect_error("attribute longer than the frame (truncated)", f,
	    frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_ACCOUNT, 1, bad_tag,
	    sizeof(bad_tag));
	expect_error("unknown tag", f, frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_PING, 0, NULL, 0);
	b[n++] = 0xee;
	expect_error("trailing byte", f, frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_PING, 40, NULL, 0);
	expect_error("too many attributes", f, frame(f, b, n));
	expect_error("frame shorter than a header", "\0\0\0\3abc", 7);
	expect_error("oversize frame (checked before reading it)",
	    "\0\x01\0\0", 4);
	expect_error("huge announced length", "\xff\xff\xff\xff", 4);
	/* Each socket serves its own request types only. */
	n = body(b, PROTO_VERSION, admin ? PROTO_T_ACCOUNT : PROTO_T_ENROLL,
	    1, user_attr, sizeof(user_attr));
	expect_error(admin ? "PAM request on the admin socket" :
	    "admin request on the PAM socket", f, frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_ACCOUNT, 0, NULL, 0);
	expect_error("request without its required attributes", f,
	    frame(f, b, n));
	n = body(b, PROTO_VERSION, PROTO_T_RESULT, 0, NULL, 0);
	expect_error("a reply type sent as a request", f, frame(f, b, n));
	if (!admin) {
		account_value_refused(0);
		account_value_refused(2);
		account_value_refused(UINT64_MAX);
	}
	/* A frame that stops half-way: authd gives up at its deadline. */
	expect_close("truncated frame, then silence", "\0\0\0\x20\x01\x10",
	    6);
	expect_close("connection closed mid-frame", "\0\0\0\x20\x01", 5);

	/* Garbage of every size, from many connections. */
	for (i = 0; i < 300; i++) {
		size_t len = 8 + (size_t)random() % 200, k;

		for (k = 0; k < len; k++)
			b[k] = (uint8_t)random();
		b[0] = PROTO_VERSION;
		fd = conn();
		(void)sock_write_all(fd, f, frame(f, b, len),
		    mono_ms() + WAIT_MS);
		close(fd);
	}
	printf("ok: 300 garbage frames sent\n");
	ping_ok("authd still serves after all of it");
	return failures ? 1 : 0;
}
