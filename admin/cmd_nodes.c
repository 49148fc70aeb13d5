/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <string.h>

#include "authctl.h"
#include "fmt.h"
#include "proto.h"
#include "util.h"

/*
 * "authctl nodes": the authd nodes that share this node's store, with
 * each one's last heartbeat, chain head and policy version.
 */

void
cmd_nodes_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl nodes\n"
	    "\n"
	    "Lists the authd nodes that share the database: whether each is\n"
	    "alive (a heartbeat within three node_heartbeat intervals), its\n"
	    "last heartbeat, its audit chain's head and its policy version.\n"
	    "\n"
	    "  -h, --help   show this text\n");
}

static int
node_row(const struct proto_msg *m, void *arg)
{
	char sname[128], sstate[32], spol[32], sdet[160], seen[FMT_TIME_LEN];
	const char *name, *state, *pol, *det;
	uint64_t t, seq;
	int *n = arg;

	if (m->type != PROTO_T_ROW ||
	    proto_get_str(m, PROTO_A_NAME, &name) != 0 ||
	    proto_get_str(m, PROTO_A_STATE, &state) != 0 ||
	    proto_get_str(m, PROTO_A_POLICY, &pol) != 0 ||
	    proto_get_u64(m, PROTO_A_TIME, &t) != 0 ||
	    proto_get_u64(m, PROTO_A_SEQ, &seq) != 0 ||
	    fmt_time_iso(t, 0, seen, sizeof(seen)) != 0) {
		fprintf(stderr, "authctl: nodes: protocol error: a node row "
		    "without its name, state, policy, time or head\n");
		return AUTHCTL_EXIT_FAIL;
	}
	det = proto_str(m, PROTO_A_DETAIL, "");
	/* SECURITY NOTE: text from authd reaches a terminal. */
	str_sanitize(name, strlen(name), sname, sizeof(sname));
	str_sanitize(state, strlen(state), sstate, sizeof(sstate));
	str_sanitize(pol, strlen(pol), spol, sizeof(spol));
	str_sanitize(det, strlen(det), sdet, sizeof(sdet));
	if ((*n)++ == 0)
		printf("%-24s %-7s %-20s %10s %-16s %s\n", "NODE", "STATE",
		    "LAST HEARTBEAT", "HEAD", "POLICY", "DETAIL");
	printf("%-24s %-7s %-20s %10llu %-16s %s\n", sname, sstate, seen,
	    (unsigned long long)seq, spol, sdet);
	return 0;
}

int
cmd_nodes(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	int ret, n = 0;

	while (cmd_getopt(c, argc, argv, &ret) != -1)
		;
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) != CMD_GO)
		return ret;
	if ((ret = client_new_request(PROTO_T_NODES, &req)) == AUTHCTL_EXIT_OK)
		ret = client_call(ctx, c->label, req, node_row, &n, &reply);
	if (ret == AUTHCTL_EXIT_OK && n == 0)
		printf("no node has recorded a heartbeat yet\n");
	proto_free(reply);
	proto_free(req);
	return ret;
}
