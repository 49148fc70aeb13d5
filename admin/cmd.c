/* SPDX-License-Identifier: BSD-2-Clause */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "authctl.h"

/*
 * The machinery every command of authctl shares (struct cmd in
 * authctl.h): choosing a subcommand, -h/--help, unknown options and
 * missing option arguments, and the count of operands.  The commands'
 * own files hold their tables and handle only their own options.
 */

/* Long options of one subcommand, --help not counted. */
#define CMD_OPTS_MAX	15

const struct cmd *
cmd_find(const struct cmd *table, const char *name)
{
	const struct cmd *c;

	for (c = table; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int
cmd_run(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	const struct cmd *sub;

	if (c->subs == NULL) {
		/* Every command parses its options from the start. */
		optind = 0;
		return c->run(ctx, c, argc, argv);
	}
	if (argc < 2) {
		client_usage_error(c->label, "expected a subcommand", NULL);
		c->usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		c->usage(stdout);
		return AUTHCTL_EXIT_OK;
	}
	if ((sub = cmd_find(c->subs, argv[1])) == NULL) {
		client_usage_error(c->label, "unknown subcommand", argv[1]);
		c->usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	return cmd_run(ctx, sub, argc - 1, argv + 1);
}

int
cmd_getopt(const struct cmd *c, int argc, char **argv, int *stop)
{
	struct option opts[CMD_OPTS_MAX + 2];
	char shortopts[16];
	size_t n;
	int ch;

	*stop = CMD_GO;
	memset(opts, 0, sizeof(opts));
	for (n = 0; c->opts != NULL && c->opts[n].name != NULL; n++) {
		if (n == CMD_OPTS_MAX) {
			fprintf(stderr, "authctl: %s: internal error: more "
			    "than %d options\n", c->label, CMD_OPTS_MAX);
			*stop = AUTHCTL_EXIT_FAIL;
			return -1;
		}
		opts[n] = c->opts[n];
	}
	opts[n].name = "help";
	opts[n].has_arg = no_argument;
	opts[n].val = 'h';
	/* ':' first: getopt prints nothing, client_bad_option does. */
	snprintf(shortopts, sizeof(shortopts), ":h%s",
	    c->shortopts != NULL ? c->shortopts : "");
	switch ((ch = getopt_long(argc, argv, shortopts, opts, NULL))) {
	case -1:
		return -1;
	case 'h':
		c->usage(stdout);
		*stop = AUTHCTL_EXIT_OK;
		return -1;
	case ':':
	case '?':
		client_bad_option(c->label, argv, ch);
		c->usage(stderr);
		*stop = AUTHCTL_EXIT_FAIL;
		return -1;
	default:
		return ch;
	}
}

int
cmd_operands(const struct cmd *c, int argc, char **argv, int min, int max,
    const char *want)
{
	int n = argc - optind;

	if (n >= min && n <= max)
		return CMD_GO;
	if (n < min)
		client_usage_error(c->label, want, NULL);
	else
		client_usage_error(c->label, "unexpected argument",
		    argv[optind + max]);
	c->usage(stderr);
	return AUTHCTL_EXIT_FAIL;
}
