/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>

#include "authctl.h"
#include "authd_err.h"
#include "verify.h"

/*
 * "authctl audit verify": the command line of the offline verifier in
 * verify.c.  It does not talk to authd, so that a copy of the database can
 * be checked anywhere, and a compromised daemon cannot answer for itself.
 */

enum {
	OPT_DATABASE = 256,
	OPT_KEY,
	OPT_CHECKPOINT,
	OPT_FROM_SYSLOG,
};

void
cmd_verify_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit verify [--database PATH] [--key FILE]\n"
	    "                            [--checkpoint FILE]..."
	    " [--from-syslog FILE]...\n"
	    "\n"
	    "Checks the audit trail in authd's database, offline and"
	    " read-only:\n"
	    "every record's hash, missing and reordered records, every signed\n"
	    "checkpoint, the checkpoint at a prune cut, and, against"
	    " checkpoints kept\n"
	    "elsewhere, a cut-off tail.  Prints one line per problem and a"
	    " summary.\n"
	    "\n"
	    "  --database PATH     the database (default %s)\n"
	    "  --key FILE          authd's audit public key, PEM\n"
	    "                      (default %s)\n"
	    "  --checkpoint FILE   checkpoints saved from 'authctl audit"
	    " checkpoint';\n"
	    "                      the file must hold at least one\n"
	    "  --from-syslog FILE  syslog lines: every checkpoint and every"
	    " record copy\n"
	    "                      in them is checked, other lines are"
	    " ignored\n"
	    "  -h, --help          show this text\n"
	    "\n"
	    "FILE may be '-' for standard input (once).  The two options may"
	    " be\n"
	    "repeated.  Exit status: 0 everything verified; 1 a problem was"
	    " found;\n"
	    "2 the verification could not be done (a file cannot be read, or"
	    " the\n"
	    "database is refused as not what authd writes).\n",
	    VERIFY_DB_DEFAULT, VERIFY_KEY_DEFAULT);
}

const struct option cmd_verify_opts[] = {
	{ "checkpoint",	required_argument, NULL, OPT_CHECKPOINT },
	{ "database",	required_argument, NULL, OPT_DATABASE },
	{ "from-syslog", required_argument, NULL, OPT_FROM_SYSLOG },
	{ "key",	required_argument,	NULL,	OPT_KEY },
	{ NULL,		0,			NULL,	0 },
};

int
cmd_verify(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct verify_opts o = { VERIFY_DB_DEFAULT, VERIFY_KEY_DEFAULT, NULL,
	    0, NULL, 0, stdout };
	const char *label = c->label;
	const char **cps = NULL, **sls = NULL;
	int ch, ret = AUTHCTL_EXIT_FAIL;

	(void)ctx;
	/* No more files than arguments. */
	if ((cps = calloc((size_t)argc, sizeof(*cps))) == NULL ||
	    (sls = calloc((size_t)argc, sizeof(*sls))) == NULL) {
		fprintf(stderr, "authctl: %s: %s\n", label,
		    authd_strerror(AUTHD_ERR_NOMEM));
		goto out;
	}
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_CHECKPOINT:
			cps[o.ncheckpoint_files++] = optarg;
			break;
		case OPT_DATABASE:
			o.db_path = optarg;
			break;
		case OPT_FROM_SYSLOG:
			sls[o.nsyslog_files++] = optarg;
			break;
		case OPT_KEY:
			o.key_path = optarg;
			break;
		}
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) != CMD_GO)
		goto out;
	ret = AUTHCTL_EXIT_FAIL;
	if (*o.db_path == '\0' || *o.key_path == '\0') {
		client_usage_error(label, "empty file name", NULL);
		goto out;
	}
	o.checkpoint_files = cps;
	o.syslog_files = sls;
	ret = verify_run(&o);
 out:
	free(cps);
	free(sls);
	return ret;
}
