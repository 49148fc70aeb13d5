/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHCTL_H
#define AUTHCTL_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

/*
 * Internal interfaces of authctl, the administration client of authd.
 * Every command function returns one of the exit statuses below and has
 * already printed its diagnostics to stderr (prefixed "authctl: ").
 */

#define AUTHCTL_SOCKET_DEFAULT	"/run/authd/admin.sock"
#define AUTHCTL_SOCKET_ENV	"AUTHD_ADMIN_SOCKET"
/* The review socket: any local user may connect (docs/reviews.md). */
#define AUTHCTL_REVIEW_SOCKET_DEFAULT	"/run/authd/review.sock"
#define AUTHCTL_REVIEW_SOCKET_ENV	"AUTHD_REVIEW_SOCKET"
#define AUTHCTL_TIMEOUT_DEFAULT	10	/* seconds */
#define AUTHCTL_TIMEOUT_MIN	1
#define AUTHCTL_TIMEOUT_MAX	300

enum authctl_exit {
	AUTHCTL_EXIT_OK = 0,		/* done */
	AUTHCTL_EXIT_DENIED = 1,	/* authd answered deny or error; or
					   audit verify found a problem */
	AUTHCTL_EXIT_FAIL = 2,		/* usage, connect, protocol, timeout,
					   a file that cannot be read */
};

/* Settings from the global options, shared by every command. */
struct authctl {
	const char	*sock_path;	/* admin socket */
	int		 timeout;	/* seconds for connect and exchange */
	const char	*review_path;	/* review socket (review, revocation) */
};

/*
 * client.c: one request/reply exchange with authd over the socket in
 * ctx->sock_path (the admin socket; the review commands pass a copy of
 * the context that names the review socket there).
 */

/*
 * Returns a new request of `type` with a random non-zero request id in
 * *out, or prints why not and returns AUTHCTL_EXIT_FAIL (*out is NULL).
 * Free with proto_free.
 */
int client_new_request(uint8_t type, struct proto_msg **out);

/*
 * Connects to authd, sends `req`, hands every AUDIT_ROW and ROW to `row_cb`
 * (may be NULL; it checks the frame's type) and checks the RESULT.
 * `label` names the command in messages.
 * Returns AUTHCTL_EXIT_OK with the RESULT (status allow) in *reply, which
 * the caller frees with proto_free; AUTHCTL_EXIT_DENIED after printing
 * "authctl: LABEL: REASON[: MESSAGE]" for a deny or error answer; or
 * AUTHCTL_EXIT_FAIL after printing a connection, timeout or protocol error.
 * *reply is NULL unless AUTHCTL_EXIT_OK is returned.  A non-zero return
 * from row_cb aborts the exchange with AUTHCTL_EXIT_FAIL; row_cb reports
 * its own error.
 */
int client_call(const struct authctl *ctx, const char *label,
    const struct proto_msg *req,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct proto_msg **reply);

/*
 * As client_call, for requests whose deny is an answer rather than a
 * refusal (policy test): returns AUTHCTL_EXIT_OK with the RESULT in *reply
 * for status allow and for status deny; the caller reads STATUS.  A RESULT
 * with status error is reported as client_call does, and returns
 * AUTHCTL_EXIT_FAIL (*reply is NULL).
 */
int client_call_answer(const struct authctl *ctx, const char *label,
    const struct proto_msg *req,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct proto_msg **reply);

/*
 * Prints "authctl: LABEL: MESSAGE" to stderr, with `arg` (text from the
 * command line, may be NULL) appended sanitised in single quotes.
 * Returns AUTHCTL_EXIT_FAIL, so that usage errors read
 * `return client_usage_error(...)`.
 */
int client_usage_error(const char *label, const char *msg, const char *arg);

/*
 * Reports a getopt failure (unknown option or missing argument) for the
 * command `label` and returns AUTHCTL_EXIT_FAIL.  `argv` and `opt` are the
 * arguments getopt_long saw and the value it returned.
 */
int client_bad_option(const char *label, char **argv, int opt);

/*
 * cmd.c: the commands.  Each command ("ping") and subcommand ("review
 * start") is one row of a table: its name, its usage text, its handler
 * and its options, the one description that choosing a command, "authctl
 * help", -h/--help and the option parser read.  authctl.c holds the
 * table of commands; a command with subcommands points at their table,
 * which its own cmd_*.c holds.  A table ends with a row whose name is
 * NULL.
 */
struct cmd;

/* Runs command `c`, argv[0] being its name; returns an exit status. */
typedef int cmd_fn(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv);

struct cmd {
	const char		*name;		/* as typed: "start" */
	const char		*label;		/* in messages ("review
						   start") */
	void			(*usage)(FILE *);
	cmd_fn			*run;
	const struct option	*opts;		/* long options besides --help;
						   NULL: none */
	const char		*shortopts;	/* besides -h ("o:"); NULL */
	const struct cmd	*subs;		/* subcommands (then no run);
						   NULL: none */
};

/* Returned by argument parsers for "carry on with the command". */
#define CMD_GO	(-1)

/* The row of `table` named `name`, or NULL. */
const struct cmd *cmd_find(const struct cmd *table, const char *name);

/*
 * Runs command `c` with `argc` arguments, argv[0] being its name.  With
 * subcommands: the one argv[1] names ("-h", "--help" and "help" print
 * c->usage on stdout; none or an unknown one is a usage error, reported
 * with c->usage on stderr); else c->run, with getopt reset.  Returns the
 * command's exit status.
 */
int cmd_run(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv);

/*
 * getopt_long(3) over the options of `c` and -h/--help.  Returns the
 * next option, with *stop CMD_GO, for the caller to handle; or -1 when
 * the options are done, *stop telling how: CMD_GO (optind is the first
 * operand), AUTHCTL_EXIT_OK (-h: c->usage printed on stdout) or
 * AUTHCTL_EXIT_FAIL (an unknown option or a missing argument, reported
 * with c->usage on stderr), which the command returns.
 */
int cmd_getopt(const struct cmd *c, int argc, char **argv, int *stop);

/*
 * After the options: CMD_GO when between `min` and `max` operands
 * follow, else AUTHCTL_EXIT_FAIL after printing `want` (too few) or
 * "unexpected argument" (too many) and c->usage on stderr.
 */
int cmd_operands(const struct cmd *c, int argc, char **argv, int min,
    int max, const char *want);

/* The commands' handlers, usage texts and options, for the tables. */
cmd_fn cmd_token_enroll, cmd_token_unlock, cmd_token_reset, cmd_token_status;
cmd_fn cmd_chain_checkpoint, cmd_chain_prune, cmd_verify, cmd_ping;
cmd_fn cmd_nodes;

void cmd_token_enroll_usage(FILE *f);
void cmd_token_unlock_usage(FILE *f);
void cmd_token_reset_usage(FILE *f);
void cmd_token_status_usage(FILE *f);
void cmd_chain_checkpoint_usage(FILE *f);
void cmd_chain_prune_usage(FILE *f);
void cmd_verify_usage(FILE *f);
void cmd_audit_usage(FILE *f);
void cmd_ping_usage(FILE *f);
void cmd_nodes_usage(FILE *f);
void cmd_policy_usage(FILE *f);
void cmd_access_usage(FILE *f);
void cmd_review_usage(FILE *f);
void cmd_revocation_usage(FILE *f);

extern const struct option cmd_token_enroll_opts[];
extern const struct option cmd_chain_prune_opts[];
extern const struct option cmd_verify_opts[];

/* The subcommands of audit, policy, access, review and revocation. */
extern const struct cmd cmd_audit_subs[];
extern const struct cmd cmd_policy_subs[];
extern const struct cmd cmd_access_subs[];
extern const struct cmd cmd_review_subs[];
extern const struct cmd cmd_revocation_subs[];

#endif
