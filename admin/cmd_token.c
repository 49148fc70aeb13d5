/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "authctl.h"
#include "authd_err.h"
#include "buf.h"
#include "fmt.h"
#include "proto.h"
#include "qr.h"
#include "util.h"

/*
 * The token commands: enroll (and its --confirm), unlock, reset, status.
 */

/* A version 40 symbol in half blocks is about 52 KiB. */
#define TOKEN_QR_MAX		(256 * 1024)
#define TOKEN_CODE_MIN		6
#define TOKEN_CODE_MAX		8
#define TOKEN_URI_PREFIX	"otpauth://"
/* Room for a sanitised token state. */
#define TOKEN_TEXT_MAX		256

enum {
	OPT_CONFIRM = 256,
	OPT_FORCE,
	OPT_NO_QR,
	OPT_QR_INVERT,
};

void
cmd_token_enroll_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl enroll [--force] [--no-qr] [--qr-invert] USER\n"
	    "       authctl enroll --confirm USER CODE\n"
	    "\n"
	    "Creates a pending TOTP token for USER and prints its otpauth://"
	    " URI\n"
	    "and a QR code to scan with an authenticator app.  The token"
	    " becomes\n"
	    "active when confirmed with a first code from the app.\n"
	    "\n"
	    "  --force      replace an existing token\n"
	    "  --no-qr      print the URI without the QR code\n"
	    "  --qr-invert  draw the QR code for dark text on a light"
	    " background\n"
	    "               (the default suits light text on a dark"
	    " background)\n"
	    "  --confirm    activate USER's pending token with CODE (6 to 8"
	    " digits)\n"
	    "  -h, --help   show this text\n");
}

void
cmd_token_unlock_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl unlock USER\n"
	    "\n"
	    "Clears USER's lockout and failure count.\n"
	    "\n"
	    "  -h, --help   show this text\n");
}

void
cmd_token_reset_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl reset USER\n"
	    "\n"
	    "Removes USER's token; USER must enroll again.\n"
	    "\n"
	    "  -h, --help   show this text\n");
}

void
cmd_token_status_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl status [USER]\n"
	    "\n"
	    "Shows USER's token state (none, pending, active), consecutive\n"
	    "failures and lockout.  Without USER, shows authd's own status:\n"
	    "the audit copies sent to syslog and lost on the way since it\n"
	    "started, and whether its secret memory is locked.\n"
	    "\n"
	    "  -h, --help   show this text\n");
}

/* Reports a failure to build a request (out of memory, a bug). */
static int
cmd_token_internal(const char *label, int r)
{
	fprintf(stderr, "authctl: %s: %s\n", label, authd_strerror(r));
	return AUTHCTL_EXIT_FAIL;
}

/* Writes all `len` bytes at `p` to `fd`.  Returns 0 or -1 (errno set). */
static int
cmd_token_write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, c, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Returns 1 if `uri` looks like what authd must send: "otpauth://" and
 * then printable ASCII without spaces.  SECURITY NOTE: the URI goes to a
 * terminal unsanitised (it must stay exact to be usable), so anything
 * that could carry an escape sequence or fake a second line is refused.
 */
static int
cmd_token_valid_uri(const char *uri)
{
	size_t i;

	if (strncmp(uri, TOKEN_URI_PREFIX, strlen(TOKEN_URI_PREFIX)) != 0)
		return 0;
	for (i = 0; uri[i] != '\0'; i++)
		if ((unsigned char)uri[i] <= ' ' ||
		    (unsigned char)uri[i] >= 0x7f)
			return 0;
	return 1;
}

/* Returns 1 if `code` is TOKEN_CODE_MIN..TOKEN_CODE_MAX ASCII digits. */
static int
cmd_token_valid_code(const char *code)
{
	size_t i;

	for (i = 0; code[i] != '\0'; i++)
		if (i >= TOKEN_CODE_MAX || code[i] < '0' || code[i] > '9')
			return 0;
	return i >= TOKEN_CODE_MIN;
}

/*
 * Sends a request of `type` about `user` (plus FORCE when `force`) and
 * returns client_call's status, with the allow RESULT in *reply.
 */
static int
cmd_token_request(const struct authctl *ctx, const char *label, uint8_t type,
    const char *user, int force, struct proto_msg **reply)
{
	struct proto_msg *req = NULL;
	int r, ret;

	*reply = NULL;
	/* SECURITY NOTE: checked here too, so nothing odd is ever sent. */
	if (!str_valid_user(user))
		return client_usage_error(label, "invalid user name", user);
	if ((ret = client_new_request(type, &req)) != AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, PROTO_A_USER, user)) != 0 ||
	    (force && (r = proto_add_u64(req, PROTO_A_FORCE, 1)) != 0)) {
		ret = cmd_token_internal(label, r);
		goto out;
	}
	ret = client_call(ctx, label, req, NULL, NULL, reply);
 out:
	proto_free(req);
	return ret;
}

/*
 * Asks for a new token and prints its URI, the QR code (unless `qr` is 0)
 * and how to confirm it.
 */
static int
cmd_token_do_enroll(const struct authctl *ctx, const char *user, int force,
    int qr, enum qr_style style)
{
	struct proto_msg *reply = NULL;
	struct buf *drawing = NULL;
	const char *uri;
	int r, ret;

	if ((ret = cmd_token_request(ctx, "enroll", PROTO_T_ENROLL, user,
	    force, &reply)) != AUTHCTL_EXIT_OK)
		goto out;
	ret = AUTHCTL_EXIT_FAIL;
	if (proto_get_str(reply, PROTO_A_URI, &uri) != 0 ||
	    !cmd_token_valid_uri(uri)) {
		/* Not even a sanitised copy: it may hold the seed. */
		fprintf(stderr, "authctl: enroll: protocol error: reply "
		    "without a valid otpauth URI\n");
		goto out;
	}
	/*
	 * SECURITY NOTE: the URI and its drawing carry the seed.  They are
	 * written with write(2) from the reply and from a buffer that is
	 * wiped on free, never through stdio, whose buffer is not wiped
	 * (a later heap reuse or a core dump would show the seed).
	 */
	if (fflush(stdout) != 0 ||
	    cmd_token_write_all(STDOUT_FILENO, uri, strlen(uri)) != 0 ||
	    cmd_token_write_all(STDOUT_FILENO, "\n", 1) != 0) {
		fprintf(stderr, "authctl: enroll: cannot write to standard "
		    "output: %s\n", strerror(errno));
		goto out;
	}
	if (qr) {
		if ((drawing = buf_new(TOKEN_QR_MAX)) == NULL)
			r = AUTHD_ERR_NOMEM;
		else
			r = qr_render(uri, style, drawing, NULL);
		if (r != 0) {
			fprintf(stderr, "authctl: enroll: cannot draw the QR "
			    "code (%s); use the URI above\n",
			    authd_strerror(r));
			goto out;
		}
		if (cmd_token_write_all(STDOUT_FILENO, buf_ptr(drawing),
		    buf_avail(drawing)) != 0) {
			fprintf(stderr, "authctl: enroll: cannot write to "
			    "standard output: %s\n", strerror(errno));
			goto out;
		}
	}
	printf("Confirm with: authctl enroll --confirm %s CODE\n", user);
	ret = AUTHCTL_EXIT_OK;
 out:
	buf_free(drawing);
	proto_free(reply);
	return ret;
}

/* Activates `user`'s pending token with `code`, which is wiped. */
static int
cmd_token_do_confirm(const struct authctl *ctx, const char *user, char *code)
{
	const char *label = "enroll --confirm";
	struct proto_msg *req = NULL, *reply = NULL;
	int r, ret = AUTHCTL_EXIT_FAIL, valid;

	if ((valid = cmd_token_valid_code(code)) &&
	    (ret = client_new_request(PROTO_T_CONFIRM, &req)) ==
	    AUTHCTL_EXIT_OK && (r = proto_add_str(req, PROTO_A_CODE,
	    code)) != 0)
		ret = cmd_token_internal(label, r);
	/*
	 * SECURITY NOTE: the code stays in /proc/PID/cmdline for as long as
	 * this process runs; wiping argv hides it from ps from now on.
	 */
	explicit_bzero(code, strlen(code));
	if (!str_valid_user(user)) {
		ret = client_usage_error(label, "invalid user name", user);
		goto out;
	}
	if (!valid) {
		/* The message never repeats the code. */
		ret = client_usage_error(label, "CODE must be 6 to 8 digits",
		    NULL);
		goto out;
	}
	if (ret != AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, PROTO_A_USER, user)) != 0) {
		ret = cmd_token_internal(label, r);
		goto out;
	}
	if ((ret = client_call(ctx, label, req, NULL, NULL, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	printf("token for %s is active\n", user);
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

const struct option cmd_token_enroll_opts[] = {
	{ "confirm",	no_argument,	NULL,	OPT_CONFIRM },
	{ "force",	no_argument,	NULL,	OPT_FORCE },
	{ "no-qr",	no_argument,	NULL,	OPT_NO_QR },
	{ "qr-invert",	no_argument,	NULL,	OPT_QR_INVERT },
	{ NULL,		0,		NULL,	0 },
};

int
cmd_token_enroll(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	enum qr_style style = QR_STYLE_DARK_TERMINAL;
	int ch, confirm = 0, force = 0, qr = 1, qropt = 0, ret;

	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_CONFIRM:
			confirm = 1;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		case OPT_NO_QR:
			qr = 0;
			qropt = 1;
			break;
		case OPT_QR_INVERT:
			style = QR_STYLE_LIGHT_TERMINAL;
			qropt = 1;
			break;
		}
	}
	if (ret != CMD_GO)
		return ret;
	argc -= optind;
	argv += optind;
	if (confirm) {
		if (force || qropt)
			return client_usage_error("enroll --confirm",
			    "--force, --no-qr and --qr-invert do not apply",
			    NULL);
		if (argc != 2) {
			client_usage_error("enroll --confirm",
			    "expected USER and CODE", NULL);
			cmd_token_enroll_usage(stderr);
			return AUTHCTL_EXIT_FAIL;
		}
		return cmd_token_do_confirm(ctx, argv[0], argv[1]);
	}
	if (argc != 1) {
		client_usage_error("enroll", "expected one USER", NULL);
		cmd_token_enroll_usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	return cmd_token_do_enroll(ctx, argv[0], force, qr, style);
}

/*
 * Parses "COMMAND [-h] USER" ("COMMAND [-h] [USER]" with `optional`).
 * Returns CMD_GO with *user set (NULL when left out), or the exit status
 * to return (help shown, or a usage error reported).
 */
static int
cmd_token_user_args(const struct cmd *c, int argc, char **argv,
    int optional, const char **user)
{
	int ret;

	*user = NULL;
	while (cmd_getopt(c, argc, argv, &ret) != -1)
		;
	if (ret != CMD_GO)
		return ret;
	if (optional && argc == optind)
		return CMD_GO;
	if (argc - optind != 1) {
		client_usage_error(c->label, optional ? "expected at most one "
		    "USER" : "expected one USER", NULL);
		c->usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	*user = argv[optind];
	return CMD_GO;
}

int
cmd_token_unlock(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *reply = NULL;
	const char *user;
	int ret;

	if ((ret = cmd_token_user_args(c, argc, argv, 0, &user)) != CMD_GO)
		return ret;
	if ((ret = cmd_token_request(ctx, "unlock", PROTO_T_UNLOCK, user, 0,
	    &reply)) == AUTHCTL_EXIT_OK)
		printf("%s unlocked\n", user);
	proto_free(reply);
	return ret;
}

int
cmd_token_reset(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *reply = NULL;
	const char *user;
	int ret;

	if ((ret = cmd_token_user_args(c, argc, argv, 0, &user)) != CMD_GO)
		return ret;
	if ((ret = cmd_token_request(ctx, "reset", PROTO_T_RESET, user, 0,
	    &reply)) == AUTHCTL_EXIT_OK)
		printf("token for %s removed\n", user);
	proto_free(reply);
	return ret;
}

/*
 * One ROW of authd's own status, printed as "NAME: COUNT" (a counter) or
 * "NAME: STATE" (a state), with " (DETAIL)" when there is one.
 */
static int
cmd_token_daemon_row(const struct proto_msg *m, void *arg)
{
	char sname[TOKEN_TEXT_MAX], sval[TOKEN_TEXT_MAX];
	char sdetail[TOKEN_TEXT_MAX];
	const char *kind, *name, *state, *detail;
	uint64_t count;

	(void)arg;
	if (m->type != PROTO_T_ROW ||
	    proto_get_str(m, PROTO_A_KIND, &kind) != 0 ||
	    proto_get_str(m, PROTO_A_NAME, &name) != 0)
		goto bad;
	/* SECURITY NOTE: text from authd reaches a terminal. */
	if (strcmp(kind, "counter") == 0 &&
	    proto_get_u64(m, PROTO_A_COUNT, &count) == 0)
		snprintf(sval, sizeof(sval), "%llu", (unsigned long long)count);
	else if (strcmp(kind, "state") == 0 &&
	    proto_get_str(m, PROTO_A_STATE, &state) == 0)
		str_sanitize(state, strlen(state), sval, sizeof(sval));
	else
		goto bad;
	str_sanitize(name, strlen(name), sname, sizeof(sname));
	if (proto_get_str(m, PROTO_A_DETAIL, &detail) == 0 &&
	    *detail != '\0') {
		str_sanitize(detail, strlen(detail), sdetail, sizeof(sdetail));
		printf("%s: %s (%s)\n", sname, sval, sdetail);
	} else
		printf("%s: %s\n", sname, sval);
	return 0;
 bad:
	fprintf(stderr, "authctl: status: protocol error: a status row "
	    "without a kind, a name and a count or state\n");
	return AUTHD_ERR_BAD_VALUE;
}

/* `authctl status` without a user: authd's own counters and state. */
static int
cmd_token_daemon_status(const struct authctl *ctx)
{
	struct proto_msg *req = NULL, *reply = NULL;
	int ret;

	if ((ret = client_new_request(PROTO_T_STATUS, &req)) ==
	    AUTHCTL_EXIT_OK)
		ret = client_call(ctx, "status", req, cmd_token_daemon_row,
		    NULL, &reply);
	proto_free(reply);
	proto_free(req);
	return ret;
}

int
cmd_token_status(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *reply = NULL;
	char sstate[TOKEN_TEXT_MAX], until[FMT_TIME_LEN];
	const char *user, *state;
	uint64_t failures, locked;
	int ret;

	if ((ret = cmd_token_user_args(c, argc, argv, 1, &user)) != CMD_GO)
		return ret;
	if (user == NULL)
		return cmd_token_daemon_status(ctx);
	if ((ret = cmd_token_request(ctx, "status", PROTO_T_STATUS, user, 0,
	    &reply)) != AUTHCTL_EXIT_OK)
		goto out;
	ret = AUTHCTL_EXIT_FAIL;
	if (proto_get_str(reply, PROTO_A_STATE, &state) != 0 ||
	    proto_get_u64(reply, PROTO_A_FAILURES, &failures) != 0 ||
	    proto_get_u64(reply, PROTO_A_LOCKED_UNTIL, &locked) != 0) {
		fprintf(stderr, "authctl: status: protocol error: reply "
		    "without state, failures or locked-until\n");
		goto out;
	}
	if (locked != 0 && fmt_time_iso(locked, 0, until, sizeof(until)) != 0) {
		fprintf(stderr, "authctl: status: protocol error: lockout "
		    "time out of range\n");
		goto out;
	}
	/* SECURITY NOTE: text from authd reaches a terminal. */
	str_sanitize(state, strlen(state), sstate, sizeof(sstate));
	printf("user: %s\n", user);
	printf("token: %s\n", sstate);
	printf("failures: %llu\n", (unsigned long long)failures);
	if (locked == 0)
		printf("locked: no\n");
	else
		printf("locked: until %s\n", until);
	ret = AUTHCTL_EXIT_OK;
 out:
	proto_free(reply);
	return ret;
}
