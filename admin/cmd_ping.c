/* SPDX-License-Identifier: BSD-2-Clause */
#include <getopt.h>
#include <stdio.h>

#include "authctl.h"
#include "proto.h"

/*
 * "authctl ping": checks that authd accepts the admin connection and
 * answers.
 */

void
cmd_ping_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl ping\n"
	    "\n"
	    "Checks that authd answers on the admin socket.\n"
	    "\n"
	    "  -h, --help   show this text\n");
}

int
cmd_ping(const struct authctl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 },
	};
	struct proto_msg *req = NULL, *reply = NULL;
	int ch, ret;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_ping_usage(stdout);
			return AUTHCTL_EXIT_OK;
		default:
			client_bad_option("ping", argv, ch);
			cmd_ping_usage(stderr);
			return AUTHCTL_EXIT_FAIL;
		}
	}
	if (optind != argc) {
		client_usage_error("ping", "unexpected argument",
		    argv[optind]);
		cmd_ping_usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	if ((ret = client_new_request(PROTO_T_PING, &req)) != AUTHCTL_EXIT_OK)
		goto out;
	if ((ret = client_call(ctx, "ping", req, NULL, NULL, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	printf("authd is alive\n");
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}
