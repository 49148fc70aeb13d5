/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail.h"

/*
 * gen_trail DIR N CP_EVERY [SYSLOG]: writes an audit trail of N records
 * to DIR/authd.db, signed with a new key DIR/audit.key (public half
 * DIR/audit.key.pub), with a checkpoint every CP_EVERY records, and prints
 * a checkpoint of the head.  With SYSLOG, the syslog copies of every
 * record and checkpoint are written there as authd sends them.
 */

int
main(int argc, char **argv)
{
	char line[CHAIN_LINE_MAX + 1];
	struct trail *t;
	FILE *f = NULL;
	int n, every;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: gen_trail DIR N CP_EVERY [SYSLOG]\n");
		return 2;
	}
	n = atoi(argv[2]);
	every = atoi(argv[3]);
	if (trail_create(argv[1], &t) != 0)
		return 2;
	if (argc == 5 && (f = fopen(argv[4], "w")) == NULL) {
		perror(argv[4]);
		return 2;
	}
	t->syslog = f;
	if (trail_fill(t, n, every) != 0 || trail_checkpoint(t, 0, line) != 0)
		return 2;
	printf("%s\n", line);
	if (f != NULL && fclose(f) != 0)
		return 2;
	trail_close(t);
	return 0;
}
