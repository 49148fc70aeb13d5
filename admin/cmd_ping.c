/* SPDX-License-Identifier: BSD-2-Clause */
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
cmd_ping(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	int ret;

	while (cmd_getopt(c, argc, argv, &ret) != -1)
		;
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) != CMD_GO)
		return ret;
	if ((ret = client_new_request(PROTO_T_PING, &req)) != AUTHCTL_EXIT_OK)
		goto out;
	if ((ret = client_call(ctx, c->label, req, NULL, NULL, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	printf("authd is alive\n");
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}
