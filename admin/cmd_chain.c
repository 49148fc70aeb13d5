/* SPDX-License-Identifier: BSD-2-Clause */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "authctl.h"
#include "authd_err.h"
#include "chain.h"
#include "fmt.h"
#include "proto.h"
#include "util.h"

/*
 * "authctl audit checkpoint" and "authctl audit prune": the commands that
 * ask authd to sign the head of the audit hash chain, or to cut the old
 * end of it off behind a signed checkpoint (lib/chain.h).
 */

enum {
	OPT_BEFORE = 256,
};

void
cmd_chain_checkpoint_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit checkpoint\n"
	    "\n"
	    "Asks authd to sign the head of the audit hash chain now and"
	    " prints the\n"
	    "signed checkpoint, one line.  Keep it outside the machine:\n"
	    "\n"
	    "    authctl audit checkpoint >> /secure/place/authd.checkpoints\n"
	    "\n"
	    "'authctl audit verify --checkpoint FILE' then detects records"
	    " changed\n"
	    "or removed up to it, including a cut-off tail.  Exit status 1"
	    " when the\n"
	    "trail is empty.\n"
	    "\n"
	    "  -h, --help   show this text\n");
}

void
cmd_chain_prune_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit prune --before TIME\n"
	    "\n"
	    "Removes the audit records older than TIME (UTC: YYYY-MM-DD,\n"
	    "YYYY-MM-DDTHH:MM:SSZ or @SECONDS).  authd signs a checkpoint at"
	    " the\n"
	    "cut, so the rest of the chain stays verifiable, and records the"
	    " prune\n"
	    "itself.  Prints\n"
	    "\n"
	    "    removed: N\n"
	    "    cut: SEQ           (the last removed record; when N > 0)\n"
	    "    checkpoint: LINE   (the checkpoint at the cut; when N > 0)\n"
	    "\n"
	    "  --before TIME  required; a TIME in the future is refused\n"
	    "  -h, --help     show this text\n");
}

/*
 * Checks a checkpoint line from authd before it is printed: it must parse,
 * read back exactly as chain_checkpoint_format writes it, and be printable
 * ASCII.  Fills *cp.  Returns 0, or -1 after printing why not.
 */
static int
chain_reply_line(const char *label, const char *line,
    struct chain_checkpoint *cp)
{
	char canon[CHAIN_LINE_MAX + 1];
	size_t i;

	if (chain_checkpoint_parse(line, cp) != 0 ||
	    chain_checkpoint_format(cp, canon, sizeof(canon)) != 0 ||
	    strcmp(canon, line) != 0)
		goto bad;
	/* SECURITY NOTE: the node name reaches a terminal and a file. */
	for (i = 0; line[i] != '\0'; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			goto bad;
	return 0;
 bad:
	fprintf(stderr, "authctl: %s: protocol error: malformed checkpoint in "
	    "the reply\n", label);
	return -1;
}

int
cmd_chain_checkpoint(const struct authctl *ctx, const struct cmd *c,
    int argc, char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	struct chain_checkpoint cp;
	const char *label = c->label, *line;
	int ret;

	while (cmd_getopt(c, argc, argv, &ret) != -1)
		;
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) != CMD_GO)
		return ret;
	if ((ret = client_new_request(PROTO_T_AUDIT_CHECKPOINT, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((ret = client_call(ctx, label, req, NULL, NULL, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if (proto_get_str(reply, PROTO_A_CHECKPOINT, &line) != 0) {
		fprintf(stderr, "authctl: %s: protocol error: no checkpoint in "
		    "the reply\n", label);
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	if (chain_reply_line(label, line, &cp) != 0) {
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	printf("%s\n", line);
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

const struct option cmd_chain_prune_opts[] = {
	{ "before",	required_argument,	NULL,	OPT_BEFORE },
	{ NULL,		0,			NULL,	0 },
};

int
cmd_chain_prune(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	struct chain_checkpoint cp;
	const char *label = c->label, *line, *err;
	char msg[128], iso[FMT_TIME_LEN];
	uint64_t count, seq;
	int64_t before = -1;
	int ch, r, ret;

	/* --before, the one option. */
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		if (fmt_time_parse(optarg, &before, &err) != 0) {
			snprintf(msg, sizeof(msg), "--before: %s; got", err);
			return client_usage_error(label, msg, optarg);
		}
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) != CMD_GO)
		return ret;
	if (before < 0) {
		client_usage_error(label, "--before TIME is required", NULL);
		c->usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	if (before == 0)
		return client_usage_error(label, "--before must be after the "
		    "epoch", NULL);
	/* A typo in the year must not empty the trail. */
	if (before > wall_ms()) {
		fmt_time_iso((uint64_t)before, 0, iso, sizeof(iso));
		return client_usage_error(label, "--before is in the future, "
		    "which would remove every record:", iso);
	}
	if ((ret = client_new_request(PROTO_T_AUDIT_PRUNE, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_u64(req, PROTO_A_BEFORE, (uint64_t)before)) != 0) {
		fprintf(stderr, "authctl: %s: %s\n", label, authd_strerror(r));
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	if ((ret = client_call(ctx, label, req, NULL, NULL, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	ret = AUTHCTL_EXIT_FAIL;
	if (proto_get_u64(reply, PROTO_A_COUNT, &count) != 0 ||
	    proto_get_u64(reply, PROTO_A_SEQ, &seq) != 0) {
		fprintf(stderr, "authctl: %s: protocol error: reply without "
		    "count or sequence number\n", label);
		goto out;
	}
	if (count == 0) {
		printf("removed: 0\n");
		ret = AUTHCTL_EXIT_OK;
		goto out;
	}
	if (proto_get_str(reply, PROTO_A_CHECKPOINT, &line) != 0) {
		fprintf(stderr, "authctl: %s: protocol error: no checkpoint at "
		    "the cut in the reply\n", label);
		goto out;
	}
	if (chain_reply_line(label, line, &cp) != 0)
		goto out;
	if ((uint64_t)cp.seq != seq) {
		fprintf(stderr, "authctl: %s: protocol error: the checkpoint "
		    "is not at the cut\n", label);
		goto out;
	}
	printf("removed: %llu\ncut: %llu\ncheckpoint: %s\n",
	    (unsigned long long)count, (unsigned long long)seq, line);
	ret = AUTHCTL_EXIT_OK;
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}
