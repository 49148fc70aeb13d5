/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/prctl.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authctl.h"
#include "util.h"

/*
 * authctl: the administration client of authd.  Parses the global
 * options, then hands the rest of the command line to one command; every
 * change it asks for is made, checked and audited by authd.
 */

enum {
	OPT_REVIEW_SOCKET = 256,	/* long option only */
};

/* The commands; those with subcommands list them in their cmd_*.c. */
static const struct cmd authctl_cmds[] = {
	{ "enroll", "enroll", cmd_token_enroll_usage, cmd_token_enroll,
	    cmd_token_enroll_opts, NULL, NULL },
	{ "unlock", "unlock", cmd_token_unlock_usage, cmd_token_unlock,
	    NULL, NULL, NULL },
	{ "reset", "reset", cmd_token_reset_usage, cmd_token_reset,
	    NULL, NULL, NULL },
	{ "status", "status", cmd_token_status_usage, cmd_token_status,
	    NULL, NULL, NULL },
	{ "audit", "audit", cmd_audit_usage, NULL, NULL, NULL,
	    cmd_audit_subs },
	{ "policy", "policy", cmd_policy_usage, NULL, NULL, NULL,
	    cmd_policy_subs },
	{ "access", "access", cmd_access_usage, NULL, NULL, NULL,
	    cmd_access_subs },
	{ "review", "review", cmd_review_usage, NULL, NULL, NULL,
	    cmd_review_subs },
	{ "revocation", "revocation", cmd_revocation_usage, NULL, NULL, NULL,
	    cmd_revocation_subs },
	{ "ping", "ping", cmd_ping_usage, cmd_ping, NULL, NULL, NULL },
	{ "nodes", "nodes", cmd_nodes_usage, cmd_nodes, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static void
authctl_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl [-s PATH] [-t SECONDS] [--review-socket PATH]"
	    " COMMAND [ARGS...]\n"
	    "\n"
	    "Commands:\n"
	    "  enroll [--force] [--no-qr] [--qr-invert] USER\n"
	    "                          create a pending token; print its URI"
	    " and QR code\n"
	    "  enroll --confirm USER CODE\n"
	    "                          activate the pending token with a"
	    " first code\n"
	    "  unlock USER             clear a lockout\n"
	    "  reset USER              remove a token\n"
	    "  status USER             show token state, failures and"
	    " lockout\n"
	    "  status                  show authd's counters (audit copies"
	    " lost...)\n"
	    "  audit list [OPTIONS]    show audit records (table, jsonl,"
	    " csv)\n"
	    "  audit export [OPTIONS]  write every matching record (jsonl,"
	    " csv)\n"
	    "  audit show SEQ          one record with every field\n"
	    "  audit last-login USER [SYSTEM]\n"
	    "                          the newest successful login of USER\n"
	    "  audit checkpoint        sign the audit chain's head; print the"
	    " checkpoint\n"
	    "  audit prune --before TIME\n"
	    "                          remove the records older than TIME\n"
	    "  audit verify [OPTIONS]  check the audit chain offline (no"
	    " daemon)\n"
	    "  policy check [-d DIR | FILE...]\n"
	    "                          validate policy files (no daemon)\n"
	    "  policy reload           make authd read its policy again\n"
	    "  policy test USER SYSTEM [--from ADDR] [--at TIME]\n"
	    "                          explain the decision for a login\n"
	    "  access list SYSTEM      who has access to SYSTEM, by which"
	    " role\n"
	    "  access user USER        which systems USER can reach\n"
	    "  review start SYSTEM|--all [--due DATE]\n"
	    "                          start access reviews (security"
	    " function)\n"
	    "  review list [--open|--overdue]\n"
	    "                          the review campaigns you may see\n"
	    "  review show ID          a campaign and its items\n"
	    "  review decide ID USER keep|revoke [--role ROLE]"
	    " [--comment TEXT]\n"
	    "                          decide an item (system owner)\n"
	    "  review close ID [--default keep|revoke]\n"
	    "                          close a campaign\n"
	    "  review report ID --format csv|html|json [-o FILE]\n"
	    "                          the evidence for the board\n"
	    "  revocation list [SYSTEM]\n"
	    "                          revocations in force\n"
	    "  revocation lift SYSTEM USER [--role ROLE] --comment TEXT\n"
	    "                          undo a revocation (security"
	    " function)\n"
	    "  ping                    check that authd answers\n"
	    "  nodes                   the nodes sharing the database\n"
	    "  help [COMMAND]          show this text or a command's usage\n"
	    "\n"
	    "Options:\n"
	    "  -s, --socket PATH       admin socket (default: $%s,\n"
	    "                          else %s)\n"
	    "  -t, --timeout SECONDS   give up after SECONDS, %d..%d"
	    " (default %d)\n"
	    "  --review-socket PATH    review socket, for review and"
	    " revocation\n"
	    "                          (default: $%s,\n"
	    "                          else %s)\n"
	    "  -h, --help              show this text\n"
	    "\n"
	    "Exit status: 0 done; 1 authd refused or failed the request, or"
	    " audit\n"
	    "verify found a problem, or policy check found an error, or"
	    " policy\n"
	    "test answered deny; 2 usage, connection, protocol or timeout"
	    " error.\n",
	    AUTHCTL_SOCKET_ENV, AUTHCTL_SOCKET_DEFAULT, AUTHCTL_TIMEOUT_MIN,
	    AUTHCTL_TIMEOUT_MAX, AUTHCTL_TIMEOUT_DEFAULT,
	    AUTHCTL_REVIEW_SOCKET_ENV, AUTHCTL_REVIEW_SOCKET_DEFAULT);
}

/* "authctl help [COMMAND]": usage on stdout. */
static int
authctl_help(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 2) {
		authctl_usage(stdout);
		return AUTHCTL_EXIT_OK;
	}
	if (argc > 2)
		return client_usage_error("help", "unexpected argument",
		    argv[2]);
	if ((cmd = cmd_find(authctl_cmds, argv[1])) == NULL)
		return client_usage_error("help", "unknown command", argv[1]);
	cmd->usage(stdout);
	return AUTHCTL_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",	no_argument,		NULL,	'h' },
		{ "review-socket", required_argument, NULL, OPT_REVIEW_SOCKET },
		{ "socket",	required_argument,	NULL,	's' },
		{ "timeout",	required_argument,	NULL,	't' },
		{ NULL,		0,			NULL,	0 },
	};
	struct authctl ctx = { NULL, AUTHCTL_TIMEOUT_DEFAULT, NULL };
	const struct cmd *cmd;
	const char *err;
	long long t;
	int ch, ret = AUTHCTL_EXIT_FAIL;

	/*
	 * SECURITY NOTE: enroll handles a TOTP seed; no core dump and no
	 * ptrace by other processes of the same user may read it.
	 */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	/* '+': options after the command name belong to the command. */
	while ((ch = getopt_long(argc, argv, "+:hs:t:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			authctl_usage(stdout);
			ret = AUTHCTL_EXIT_OK;
			goto out;
		case 's':
			if (*optarg == '\0') {
				ret = client_usage_error(NULL,
				    "-s: empty socket path", NULL);
				goto out;
			}
			ctx.sock_path = optarg;
			break;
		case OPT_REVIEW_SOCKET:
			if (*optarg == '\0') {
				ret = client_usage_error(NULL,
				    "--review-socket: empty socket path", NULL);
				goto out;
			}
			ctx.review_path = optarg;
			break;
		case 't':
			if (num_parse(optarg, AUTHCTL_TIMEOUT_MIN,
			    AUTHCTL_TIMEOUT_MAX, &t, &err) != 0) {
				fprintf(stderr, "authctl: -t: timeout must be "
				    "%d..%d seconds: %s\n", AUTHCTL_TIMEOUT_MIN,
				    AUTHCTL_TIMEOUT_MAX, err);
				goto out;
			}
			ctx.timeout = (int)t;
			break;
		default:
			client_bad_option(NULL, argv, ch);
			authctl_usage(stderr);
			goto out;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		authctl_usage(stderr);
		goto out;
	}
	/*
	 * SECURITY NOTE: secure_getenv, so that a set-id installation cannot
	 * be pointed at a fake daemon by its caller's environment.
	 */
	if (ctx.sock_path == NULL &&
	    ((ctx.sock_path = secure_getenv(AUTHCTL_SOCKET_ENV)) == NULL ||
	    *ctx.sock_path == '\0'))
		ctx.sock_path = AUTHCTL_SOCKET_DEFAULT;
	if (ctx.review_path == NULL &&
	    ((ctx.review_path = secure_getenv(AUTHCTL_REVIEW_SOCKET_ENV)) ==
	    NULL || *ctx.review_path == '\0'))
		ctx.review_path = AUTHCTL_REVIEW_SOCKET_DEFAULT;

	if (strcmp(argv[0], "help") == 0)
		ret = authctl_help(argc, argv);
	else if ((cmd = cmd_find(authctl_cmds, argv[0])) == NULL) {
		client_usage_error(NULL, "unknown command", argv[0]);
		fprintf(stderr, "Run 'authctl help' for a list of commands.\n");
	} else
		ret = cmd_run(&ctx, cmd, argc, argv);
 out:
	/* Output that did not reach its file is a failure (full disk). */
	if (fclose(stdout) != 0 && ret == AUTHCTL_EXIT_OK) {
		fprintf(stderr, "authctl: cannot write to standard output: "
		    "%s\n", strerror(errno));
		ret = AUTHCTL_EXIT_FAIL;
	}
	return ret;
}
