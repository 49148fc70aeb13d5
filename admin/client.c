/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/random.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "authctl.h"
#include "authd_err.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

/* Room for a sanitised path, reason or message in a diagnostic. */
#define CLIENT_TEXT_MAX	1024

/* Lets client_call tell a row callback's failure from a transport error. */
struct client_rows {
	int	(*cb)(const struct proto_msg *, void *);
	void	*arg;
	int	 failed;
};

int
client_new_request(uint8_t type, struct proto_msg **out)
{
	uint32_t reqid = 0;
	ssize_t n;

	*out = NULL;
	/* Zero is never used, so a zeroed reply cannot match by accident. */
	while (reqid == 0) {
		n = getrandom(&reqid, sizeof(reqid), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(reqid)) {
			fprintf(stderr, "authctl: cannot get random bytes: "
			    "%s\n", n < 0 ? strerror(errno) : "short read");
			return AUTHCTL_EXIT_FAIL;
		}
	}
	if ((*out = proto_new(type, reqid)) == NULL) {
		fprintf(stderr, "authctl: %s\n",
		    authd_strerror(AUTHD_ERR_NOMEM));
		return AUTHCTL_EXIT_FAIL;
	}
	return AUTHCTL_EXIT_OK;
}

static int
client_row(const struct proto_msg *m, void *arg)
{
	struct client_rows *rows = arg;
	int r;

	if ((r = rows->cb(m, rows->arg)) != 0) {
		rows->failed = 1;
		return r;
	}
	return 0;
}

/* Prints why the connection to `path` failed; `err` is the saved errno. */
static void
client_connect_error(const char *path, int r, int err)
{
	char spath[CLIENT_TEXT_MAX];
	const char *why;

	str_sanitize(path, strlen(path), spath, sizeof(spath));
	switch (r) {
	case AUTHD_ERR_CONNECT:
	case AUTHD_ERR_SYSTEM:
		why = err != 0 ? strerror(err) : authd_strerror(r);
		break;
	case AUTHD_ERR_INVALID:
		why = "socket path too long";
		break;
	case AUTHD_ERR_TIMEOUT:
		why = "timed out";
		break;
	default:
		why = authd_strerror(r);
		break;
	}
	fprintf(stderr, "authctl: cannot connect to authd at %s: %s\n",
	    spath, why);
}

/* Prints why the exchange failed after connecting. */
static void
client_call_error(const struct authctl *ctx, const char *label, int r,
    int err)
{
	switch (r) {
	case AUTHD_ERR_TIMEOUT:
		fprintf(stderr, "authctl: %s: no answer from authd within "
		    "%d second%s\n", label, ctx->timeout,
		    ctx->timeout == 1 ? "" : "s");
		break;
	case AUTHD_ERR_CLOSED:
		fprintf(stderr, "authctl: %s: authd closed the connection "
		    "without answering\n", label);
		break;
	case AUTHD_ERR_SYSTEM:
		fprintf(stderr, "authctl: %s: %s\n", label,
		    err != 0 ? strerror(err) : authd_strerror(r));
		break;
	default:
		fprintf(stderr, "authctl: %s: protocol error: %s\n", label,
		    authd_strerror(r));
		break;
	}
}

/*
 * Checks a RESULT and reports a refusal.  Returns AUTHCTL_EXIT_OK for
 * allow, AUTHCTL_EXIT_DENIED for deny or error, AUTHCTL_EXIT_FAIL for a
 * malformed RESULT.
 */
static int
client_check_result(const char *label, const struct proto_msg *m)
{
	char sreason[CLIENT_TEXT_MAX], smsg[CLIENT_TEXT_MAX];
	const char *reason, *msg;
	uint64_t status;

	if (proto_get_u64(m, PROTO_A_STATUS, &status) != 0) {
		fprintf(stderr, "authctl: %s: protocol error: reply without "
		    "status\n", label);
		return AUTHCTL_EXIT_FAIL;
	}
	switch (status) {
	case PROTO_S_ALLOW:
		return AUTHCTL_EXIT_OK;
	case PROTO_S_DENY:
	case PROTO_S_ERROR:
		break;
	default:
		fprintf(stderr, "authctl: %s: protocol error: unknown status "
		    "%llu\n", label, (unsigned long long)status);
		return AUTHCTL_EXIT_FAIL;
	}
	if (proto_get_str(m, PROTO_A_REASON, &reason) != 0) {
		fprintf(stderr, "authctl: %s: protocol error: refusal without "
		    "reason\n", label);
		return AUTHCTL_EXIT_FAIL;
	}
	/* SECURITY NOTE: text from authd reaches a terminal (escape codes). */
	str_sanitize(reason, strlen(reason), sreason, sizeof(sreason));
	if (proto_get_str(m, PROTO_A_MESSAGE, &msg) == 0 && *msg != '\0') {
		str_sanitize(msg, strlen(msg), smsg, sizeof(smsg));
		fprintf(stderr, "authctl: %s: %s: %s\n", label, sreason, smsg);
	} else
		fprintf(stderr, "authctl: %s: %s\n", label, sreason);
	return AUTHCTL_EXIT_DENIED;
}

/*
 * The exchange behind client_call and client_call_answer: with `answer`
 * set, a deny RESULT is returned like an allow, and an error RESULT is
 * AUTHCTL_EXIT_FAIL.
 */
static int
client_exchange(const struct authctl *ctx, const char *label,
    const struct proto_msg *req,
    int (*row_cb)(const struct proto_msg *, void *), void *arg, int answer,
    struct proto_msg **reply)
{
	struct client_rows rows = { row_cb, arg, 0 };
	struct proto_msg *m = NULL;
	uint64_t status;
	int64_t deadline;
	int fd = -1, r, ret = AUTHCTL_EXIT_FAIL;

	*reply = NULL;
	/* One deadline for connect, send and every frame of the answer. */
	deadline = mono_ms() + (int64_t)ctx->timeout * 1000;
	errno = 0;
	if ((r = sock_connect(ctx->sock_path, deadline, &fd)) != 0) {
		client_connect_error(ctx->sock_path, r, errno);
		goto out;
	}
	errno = 0;
	if ((r = sock_call(fd, req, deadline, row_cb != NULL ? client_row :
	    NULL, &rows, &m)) != 0) {
		if (!rows.failed)
			client_call_error(ctx, label, r, errno);
		goto out;
	}
	if (answer && proto_get_u64(m, PROTO_A_STATUS, &status) == 0 &&
	    status == PROTO_S_DENY)
		ret = AUTHCTL_EXIT_OK;
	else if ((ret = client_check_result(label, m)) != AUTHCTL_EXIT_OK) {
		if (answer && ret == AUTHCTL_EXIT_DENIED)
			ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	*reply = m;
	m = NULL;
 out:
	proto_free(m);
	if (fd != -1)
		close(fd);
	return ret;
}

int
client_call(const struct authctl *ctx, const char *label,
    const struct proto_msg *req,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct proto_msg **reply)
{
	return client_exchange(ctx, label, req, row_cb, arg, 0, reply);
}

int
client_call_answer(const struct authctl *ctx, const char *label,
    const struct proto_msg *req,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct proto_msg **reply)
{
	return client_exchange(ctx, label, req, row_cb, arg, 1, reply);
}

int
client_usage_error(const char *label, const char *msg, const char *arg)
{
	char sarg[CLIENT_TEXT_MAX];

	fprintf(stderr, "authctl: ");
	if (label != NULL)
		fprintf(stderr, "%s: ", label);
	if (arg != NULL) {
		str_sanitize(arg, strlen(arg), sarg, sizeof(sarg));
		fprintf(stderr, "%s '%s'\n", msg, sarg);
	} else
		fprintf(stderr, "%s\n", msg);
	return AUTHCTL_EXIT_FAIL;
}

int
client_bad_option(const char *label, char **argv, int opt)
{
	char name[CLIENT_TEXT_MAX];
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	size_t len;

	if (arg != NULL && strncmp(arg, "--", 2) == 0) {
		/* Long option: show it without any "=value". */
		len = strcspn(arg, "=");
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, arg, len);
		name[len] = '\0';
	} else if (optopt > ' ' && optopt < 0x7f)
		snprintf(name, sizeof(name), "-%c", optopt);
	else
		snprintf(name, sizeof(name), "?");
	return client_usage_error(label, opt == ':' ?
	    "missing argument for option" : "unknown option", name);
}
