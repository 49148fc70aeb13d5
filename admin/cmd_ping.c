/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <string.h>

#include "authctl.h"
#include "proto.h"
#include "util.h"

/*
 * "authctl ping": checks that authd accepts the admin connection and
 * answers, and says who answered: the node, or on a pilot host's relay
 * the central node, the server it was reached through and the host name
 * it took the relay for.
 */

void
cmd_ping_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl ping\n"
	    "\n"
	    "Checks that authd answers on the admin socket, and shows who\n"
	    "answered: the node, or through a relay, the central node, the\n"
	    "server it was reached at and the host it took the relay for.\n"
	    "\n"
	    "  -h, --help   show this text\n");
}

int
cmd_ping(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	char smsg[512];
	const char *msg;
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
	/* SECURITY NOTE: text from authd reaches a terminal. */
	if (proto_get_str(reply, PROTO_A_MESSAGE, &msg) == 0 && *msg != '\0') {
		str_sanitize(msg, strlen(msg), smsg, sizeof(smsg));
		printf("authd is alive: %s\n", smsg);
	} else
		printf("authd is alive\n");
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}
