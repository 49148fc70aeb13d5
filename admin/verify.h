/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHCTL_VERIFY_H
#define AUTHCTL_VERIFY_H

#include <stddef.h>
#include <stdio.h>

/*
 * Offline verification of authd's audit trail ("authctl audit verify"):
 * reads the database file directly, read-only, and checks the hash chain,
 * the signed checkpoints and the prune base (lib/chain.h) against an
 * Ed25519 public key, and against checkpoints and record copies held
 * outside the database.  What is checked and every message it prints are
 * in docs/audit.md.
 */

#define VERIFY_DB_DEFAULT	"/var/lib/authd/authd.db"
#define VERIFY_KEY_DEFAULT	"/var/lib/authd/audit.key.pub"

struct verify_opts {
	const char		*db_path;	/* the SQLite database */
	const char		*key_path;	/* PEM Ed25519 public key */
	const char *const	*checkpoint_files; /* "-" is standard input */
	size_t			 ncheckpoint_files;
	const char *const	*syslog_files;	/* "-" is standard input */
	size_t			 nsyslog_files;
	FILE			*out;		/* findings and the summary */
};

/*
 * Verifies the trail.  Every finding is one line on o->out, then a summary
 * line.  Returns AUTHCTL_EXIT_OK when everything verified,
 * AUTHCTL_EXIT_DENIED when anything did not (a problem line was written
 * for each), or AUTHCTL_EXIT_FAIL when the verification could not be done
 * (a file could not be opened or read, the database is not an authd
 * database, or is refused as hostile: verify_db.h): the reason is on
 * stderr, and the findings so far are not a verdict.  Memory use does not
 * grow with the size of the trail, and SQLite's work is bounded by the
 * rows read, whatever the file holds.
 */
int verify_run(const struct verify_opts *o);

#endif
