/* SPDX-License-Identifier: BSD-2-Clause */
#include <arpa/inet.h>

#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authctl.h"
#include "authd_err.h"
#include "fmt.h"
#include "policy.h"
#include "proto.h"
#include "util.h"

/*
 * "authctl policy": check validates policy files with the same parser
 * authd uses, without the daemon; reload asks authd to read its policy
 * again; test asks authd to explain the decision it would make for a
 * login, step by step (a dry run: nothing is audited as a login).
 */

#define POLCTL_DIR_DEFAULT	"/etc/authd/policy.d"
/* Longest --from: a host name or an address as PAM_RHOST holds it. */
#define POLCTL_RHOST_MAX	255
/* Host name labels (RFC 1123). */
#define POLCTL_LABEL_MAX	63
/*
 * Trace rows of one decision: the directory, the system, every deny rule
 * (global and the system's), every role and the factors fit well below.
 */
#define POLCTL_TRACE_MAX	(4 + 2 * POL_DENY_MAX + POL_ROLES_MAX + 64)
/* The longest string attribute (DETAIL, 2048 bytes) sanitised. */
#define POLCTL_TEXT_MAX		(4 * 2048 + 8)

enum {
	OPT_AT = 256,
	OPT_FROM,
};

/* One trace row, copied from its frame until the RESULT has come. */
struct polctl_row {
	char	*kind;
	char	*name;		/* may be NULL */
	char	*detail;	/* may be NULL */
	int	 matched;
};

struct polctl_trace {
	const char		*label;
	struct polctl_row	*rows;
	size_t			 n;
};

static void
polctl_check_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl policy check [-d DIR | FILE...]\n"
	    "\n"
	    "Reads a policy with the parser authd uses and reports the first"
	    " error\n"
	    "as FILE:LINE: MESSAGE, without contacting authd.  Without"
	    " arguments,\n"
	    "every *.policy file in %s, in name order; with FILEs,\n"
	    "those files, in the order given, as one policy (at most %d).\n"
	    "Prints \"policy OK: N systems, version V\" for a valid policy.\n"
	    "\n"
	    "  -d, --dir DIR  the *.policy files in DIR\n"
	    "  -h, --help     show this text\n"
	    "\n"
	    "Exit status: 0 valid; 1 the policy has an error; 2 usage error,"
	    " or a\n"
	    "directory or file that cannot be read.\n",
	    POLCTL_DIR_DEFAULT, POL_FILES_MAX);
}

static void
polctl_reload_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl policy reload\n"
	    "\n"
	    "Asks authd to read its policy files again.  A policy with any"
	    " error is\n"
	    "rejected whole and the previous one keeps serving; the error is"
	    " printed\n"
	    "as FILE:LINE: MESSAGE.  Prints \"policy reloaded: version V\".\n"
	    "\n"
	    "  -h, --help   show this text\n"
	    "\n"
	    "Exit status: 0 reloaded; 1 rejected; 2 usage, connection or"
	    " protocol\n"
	    "error.\n");
}

static void
polctl_test_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl policy test USER SYSTEM [--from ADDR] [--at TIME]\n"
	    "\n"
	    "Asks authd which decision it would make for USER logging in to"
	    " SYSTEM,\n"
	    "and why: the roles and the group path behind each, the deny"
	    " rules, the\n"
	    "conditions met or missed, the factors.  Nothing is changed.\n"
	    "\n"
	    "  --from ADDR  the remote host: an IPv4 or IPv6 address or a host"
	    " name,\n"
	    "               at most %d bytes (default: a local login)\n"
	    "  --at TIME    YYYY-MM-DDTHH:MM[:SS] followed by Z or +HH:MM /"
	    " -HH:MM\n"
	    "               (the zone is required), or @SECONDS since the"
	    " epoch\n"
	    "               (default: now)\n"
	    "  -h, --help   show this text\n"
	    "\n"
	    "Output, one \"key: value\" per line (\"-\" when there is"
	    " none):\n"
	    "decision, reason, system, rule, roles, grants, factors, policy,"
	    " detail;\n"
	    "then \"trace:\" and one line per step, \"  KIND NAME: matched|not"
	    " matched:\n"
	    "DETAIL\".\n"
	    "\n"
	    "Exit status: 0 allow; 1 deny; 2 usage, connection, protocol or"
	    " authd\n"
	    "error.\n", POLCTL_RHOST_MAX);
}

void
cmd_policy_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl policy check [-d DIR | FILE...]\n"
	    "       authctl policy reload\n"
	    "       authctl policy test USER SYSTEM [--from ADDR]"
	    " [--at TIME]\n"
	    "\n"
	    "  check   validate policy files, without authd\n"
	    "  reload  make authd read its policy files again\n"
	    "  test    explain the decision for a login (dry run)\n"
	    "\n"
	    "Run 'authctl policy SUBCOMMAND --help' for its options.\n");
}

/*
 * Returns 1 if `s` may be sent as the remote host: an IPv4 or IPv6
 * address, or a host name (labels of letters, digits, '-' and '_', 1..63
 * bytes, not starting or ending with '-', the last not all digits so that
 * a mistyped address is not taken for a name); 1..POLCTL_RHOST_MAX bytes.
 */
static int
polctl_rhost_valid(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;
	size_t len, i, start, n;
	int digits = 1;

	if ((len = strnlen(s, POLCTL_RHOST_MAX + 1)) == 0 ||
	    len > POLCTL_RHOST_MAX)
		return 0;
	if (inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1)
		return 1;
	for (start = i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z') ||
			    (s[i] >= '0' && s[i] <= '9') ||
			    s[i] == '-' || s[i] == '_'))
				return 0;
			if (s[i] < '0' || s[i] > '9')
				digits = 0;
			continue;
		}
		n = i - start;
		if (n == 0 || n > POLCTL_LABEL_MAX || s[start] == '-' ||
		    s[i - 1] == '-')
			return 0;
		if (i == len && digits)
			return 0;
		start = i + 1;
		digits = 1;
	}
	return 1;
}

static const struct option polctl_check_opts[] = {
	{ "dir",	required_argument,	NULL,	'd' },
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_policy_check(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct policy *p = NULL;
	char err[POL_ERR_MAX], serr[4 * POL_ERR_MAX + 8];
	const char *label = c->label, *dir = NULL;
	size_t nfiles, i;
	int ch, r;

	(void)ctx;	/* no daemon: the policy is read here */
	/* -d, the one option. */
	while ((ch = cmd_getopt(c, argc, argv, &r)) != -1) {
		if (*optarg == '\0' || strlen(optarg) >= PATH_MAX)
			return client_usage_error(label, "-d: expected a "
			    "directory, not", optarg);
		dir = optarg;
	}
	if (r != CMD_GO)
		return r;
	nfiles = (size_t)(argc - optind);
	if (dir != NULL && nfiles > 0) {
		client_usage_error(label, "-d DIR and FILEs exclude each "
		    "other; got", argv[optind]);
		polctl_check_usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	if (nfiles > POL_FILES_MAX) {
		fprintf(stderr, "authctl: %s: at most %d files\n", label,
		    POL_FILES_MAX);
		return AUTHCTL_EXIT_FAIL;
	}
	for (i = 0; i < nfiles; i++)
		if (argv[optind + i][0] == '\0' ||
		    strlen(argv[optind + i]) >= PATH_MAX)
			return client_usage_error(label, "expected a file, not",
			    argv[optind + i]);
	err[0] = '\0';
	if (nfiles > 0)
		r = policy_load_files((const char *const *)&argv[optind],
		    nfiles, &p, err);
	else
		r = policy_load_dir(dir != NULL ? dir : POLCTL_DIR_DEFAULT, &p,
		    err);
	if (r != 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s", authd_strerror(r));
		/* File names and bytes of the files reach the terminal. */
		str_sanitize(err, strnlen(err, sizeof(err)), serr,
		    sizeof(serr));
		fprintf(stderr, "authctl: %s: %s\n", label, serr);
		/* A policy with an error is 1; not getting to read it is 2. */
		return r == AUTHD_ERR_CONFIG ? AUTHCTL_EXIT_DENIED :
		    AUTHCTL_EXIT_FAIL;
	}
	printf("policy OK: %zu systems, version %s\n", policy_nsystems(p),
	    policy_version(p));
	policy_free(p);
	return AUTHCTL_EXIT_OK;
}

static int
cmd_policy_reload(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	char sver[4 * 128 + 8];
	const char *label = c->label, *ver;
	int ret;

	while (cmd_getopt(c, argc, argv, &ret) != -1)
		;
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) != CMD_GO)
		return ret;
	if ((ret = client_new_request(PROTO_T_POLICY_RELOAD, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	/*
	 * A rejected policy is a RESULT error, reason policy-error, with
	 * "file:line: message" as MESSAGE: client_call prints it.
	 */
	if ((ret = client_call(ctx, label, req, NULL, NULL, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if (proto_get_str(reply, PROTO_A_POLICY, &ver) != 0 || *ver == '\0') {
		fprintf(stderr, "authctl: %s: protocol error: reply without "
		    "the policy version\n", label);
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	/*
	 * SECURITY NOTE: text from authd reaches a terminal (escape codes).
	 * authd's MESSAGE only says what this line says; the version is what
	 * an operator compares with the audit trail.
	 */
	str_sanitize(ver, strlen(ver), sver, sizeof(sver));
	printf("policy reloaded: version %s\n", sver);
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

static void
polctl_trace_free(struct polctl_trace *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->rows[i].kind);
		free(t->rows[i].name);
		free(t->rows[i].detail);
	}
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}

/* strdup that keeps NULL. */
static int
polctl_dup(const char *s, char **out)
{
	*out = NULL;
	if (s != NULL && (*out = strdup(s)) == NULL)
		return -1;
	return 0;
}

/*
 * Row callback for client_call_answer: keeps each trace step, to be
 * printed after the decision that the RESULT brings.
 */
static int
polctl_trace_row(const struct proto_msg *m, void *arg)
{
	struct polctl_trace *t = arg;
	struct polctl_row *rows, *row;
	const char *kind;
	uint64_t matched;

	if (m->type != PROTO_T_ROW) {
		fprintf(stderr, "authctl: %s: protocol error: unexpected %s "
		    "frame\n", t->label, proto_type_name(m->type));
		return AUTHD_ERR_BAD_TYPE;
	}
	/* SECURITY NOTE: a daemon sending rows without end cannot flood us. */
	if (t->n >= POLCTL_TRACE_MAX) {
		fprintf(stderr, "authctl: %s: protocol error: more than %d "
		    "trace rows\n", t->label, POLCTL_TRACE_MAX);
		return AUTHD_ERR_TOO_MANY;
	}
	if (proto_get_str(m, PROTO_A_KIND, &kind) != 0 || *kind == '\0' ||
	    proto_get_u64(m, PROTO_A_MATCHED, &matched) != 0 || matched > 1) {
		fprintf(stderr, "authctl: %s: protocol error: trace row "
		    "without a kind or with a bad matched flag\n", t->label);
		return AUTHD_ERR_BAD_VALUE;
	}
	if ((rows = reallocarray(t->rows, t->n + 1, sizeof(*rows))) == NULL)
		goto nomem;
	t->rows = rows;
	row = &t->rows[t->n];
	memset(row, 0, sizeof(*row));
	t->n++;
	row->matched = (int)matched;
	if (polctl_dup(kind, &row->kind) != 0 ||
	    polctl_dup(proto_str(m, PROTO_A_NAME, NULL), &row->name) != 0 ||
	    polctl_dup(proto_str(m, PROTO_A_DETAIL, NULL), &row->detail) != 0)
		goto nomem;
	return 0;
 nomem:
	fprintf(stderr, "authctl: %s: %s\n", t->label,
	    authd_strerror(AUTHD_ERR_NOMEM));
	return AUTHD_ERR_NOMEM;
}

/* Sanitises `s` into `out` (POLCTL_TEXT_MAX bytes); "-" for NULL or "". */
static const char *
polctl_text(const char *s, char *out)
{
	if (s == NULL || *s == '\0')
		return "-";
	/* SECURITY NOTE: text from authd reaches a terminal (escape codes). */
	return str_sanitize(s, strlen(s), out, POLCTL_TEXT_MAX);
}

/* Writes "key: value" for the string attribute `tag` of `m`. */
static void
polctl_field(const char *key, const struct proto_msg *m, uint16_t tag)
{
	static char text[POLCTL_TEXT_MAX];

	printf("%s: %s\n", key, polctl_text(proto_str(m, tag, NULL), text));
}

/* Writes the decision, then the trace.  m is a RESULT allow or deny. */
static void
polctl_test_print(const struct proto_msg *m, int allow,
    const struct polctl_trace *t)
{
	static char a[POLCTL_TEXT_MAX], b[POLCTL_TEXT_MAX], c[POLCTL_TEXT_MAX];
	const struct polctl_row *row;
	const char *mfa;
	size_t i;

	printf("decision: %s\n", allow ? "allow" : "deny");
	polctl_field("reason", m, PROTO_A_REASON);
	polctl_field("system", m, PROTO_A_SYSTEM);
	polctl_field("rule", m, PROTO_A_RULE);
	polctl_field("roles", m, PROTO_A_ROLE);
	polctl_field("grants", m, PROTO_A_PATH);
	printf("factors: %s", polctl_text(proto_str(m, PROTO_A_FACTORS, NULL),
	    a));
	if ((mfa = proto_str(m, PROTO_A_MFA, NULL)) != NULL && *mfa != '\0')
		printf(" (%s)", polctl_text(mfa, b));
	printf("\n");
	polctl_field("policy", m, PROTO_A_POLICY);
	polctl_field("detail", m, PROTO_A_DETAIL);
	printf("trace:\n");
	for (i = 0; i < t->n; i++) {
		row = &t->rows[i];
		printf("  %s %s: %s: %s\n", polctl_text(row->kind, a),
		    polctl_text(row->name, b),
		    row->matched ? "matched" : "not matched",
		    polctl_text(row->detail, c));
	}
}

static const struct option polctl_test_opts[] = {
	{ "at",		required_argument,	NULL,	OPT_AT },
	{ "from",	required_argument,	NULL,	OPT_FROM },
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_policy_test(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct polctl_trace trace = { c->label, NULL, 0 };
	struct proto_msg *req = NULL, *reply = NULL;
	const char *label = c->label, *from = NULL, *user, *sys, *why;
	const char *reason;
	char msg[160];
	uint64_t status;
	int64_t at = -1;
	int ch, r, ret;

	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_AT:
			if (fmt_time_parse_zoned(optarg, &at, &why) != 0) {
				snprintf(msg, sizeof(msg), "--at: %s; got",
				    why);
				return client_usage_error(label, msg, optarg);
			}
			break;
		case OPT_FROM:
			if (!polctl_rhost_valid(optarg)) {
				snprintf(msg, sizeof(msg), "--from: expected "
				    "an address or a host name of at most %d "
				    "bytes, not", POLCTL_RHOST_MAX);
				return client_usage_error(label, msg, optarg);
			}
			from = optarg;
			break;
		}
	}
	if (ret != CMD_GO || (ret = cmd_operands(c, argc, argv, 2, 2,
	    argc - optind == 1 ? "expected a system after the user" :
	    "expected a user and a system")) != CMD_GO)
		return ret;
	user = argv[optind];
	sys = argv[optind + 1];
	if (!str_valid_user(user))
		return client_usage_error(label, "invalid user name", user);
	if (!str_valid_name(sys))
		return client_usage_error(label, "invalid system name", sys);

	if ((ret = client_new_request(PROTO_T_POLICY_TEST, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, PROTO_A_USER, user)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_SYSTEM, sys)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_RHOST, from)) != 0 ||
	    (at >= 0 && (r = proto_add_u64(req, PROTO_A_TIME,
	    (uint64_t)at)) != 0)) {
		fprintf(stderr, "authctl: %s: %s\n", label, authd_strerror(r));
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	/* A deny is an answer here, printed in full like an allow. */
	if ((ret = client_call_answer(ctx, label, req, polctl_trace_row,
	    &trace, &reply)) != AUTHCTL_EXIT_OK)
		goto out;
	ret = AUTHCTL_EXIT_FAIL;
	if (proto_get_u64(reply, PROTO_A_STATUS, &status) != 0 ||
	    (status != PROTO_S_ALLOW && status != PROTO_S_DENY) ||
	    proto_get_str(reply, PROTO_A_REASON, &reason) != 0 ||
	    *reason == '\0') {
		fprintf(stderr, "authctl: %s: protocol error: decision without "
		    "a status or a reason\n", label);
		goto out;
	}
	polctl_test_print(reply, status == PROTO_S_ALLOW, &trace);
	ret = status == PROTO_S_ALLOW ? AUTHCTL_EXIT_OK : AUTHCTL_EXIT_DENIED;
 out:
	polctl_trace_free(&trace);
	proto_free(reply);
	proto_free(req);
	return ret;
}

const struct cmd cmd_policy_subs[] = {
	{ "check", "policy check", polctl_check_usage, cmd_policy_check,
	    polctl_check_opts, "d:", NULL },
	{ "reload", "policy reload", polctl_reload_usage, cmd_policy_reload,
	    NULL, NULL, NULL },
	{ "test", "policy test", polctl_test_usage, cmd_policy_test,
	    polctl_test_opts, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};
