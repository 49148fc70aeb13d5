/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_TEST_TMPSTORE_H
#define AUTHD_TEST_TMPSTORE_H

/*
 * A store (authd/store.h) in a temporary directory under $TMPDIR (or
 * P_tmpdir), with the schema migrated, for the unit tests of the decisions
 * over it: no root, no slapd, no daemon.
 *
 * With AUTHD_TEST_DATABASE set (a postgresql:// URI of an empty database;
 * tests/core/pg.sh sets it), the same tests run on that database instead,
 * with the password in the file AUTHD_TEST_DATABASE_PASSWORD_FILE.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

struct tmpstore {
	char		 dir[PATH_MAX];
	char		 path[PATH_MAX + 16];
	char		 password[256];
	struct store	*st;
};

/* The test database's password into t->password ("" without a file). */
static inline void
tmpstore_password(struct tmpstore *t)
{
	const char *file = getenv("AUTHD_TEST_DATABASE_PASSWORD_FILE");
	FILE *f;

	t->password[0] = '\0';
	if (file == NULL || (f = fopen(file, "r")) == NULL)
		return;
	if (fgets(t->password, sizeof(t->password), f) == NULL)
		t->password[0] = '\0';
	t->password[strcspn(t->password, "\r\n")] = '\0';
	fclose(f);
}

/* Creates the directory and opens the store; exits on failure. */
static inline struct store *
tmpstore_open(struct tmpstore *t, const char *name)
{
	const char *tmp = getenv("TMPDIR"), *db = getenv("AUTHD_TEST_DATABASE");
	struct store_params p = { 0 };

	log_init(name, 1, 0);
	if (db != NULL && *db != '\0') {
		t->dir[0] = t->path[0] = '\0';
		tmpstore_password(t);
		p.database = db;
		p.node = "test-node";
		p.password = t->password[0] != '\0' ? t->password : NULL;
		if (store_open(&p, 1, &t->st) != 0) {
			fprintf(stderr, "%s: cannot open the test database\n",
			    name);
			exit(2);
		}
		return t->st;
	}
	snprintf(t->dir, sizeof(t->dir), "%s/%s.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : P_tmpdir, name);
	if (mkdtemp(t->dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(t->path, sizeof(t->path), "%s/authd.db", t->dir);
	p.database = t->path;
	p.node = "test-node";
	if (store_open(&p, 1, &t->st) != 0) {
		fprintf(stderr, "%s: cannot open a store in %s\n", name,
		    t->dir);
		exit(2);
	}
	return t->st;
}

/* Closes the store and removes its files and directory. */
static inline void
tmpstore_close(struct tmpstore *t)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char p[PATH_MAX + 32];
	size_t i;

	store_close(t->st);
	t->st = NULL;
	if (t->path[0] == '\0')
		return;		/* a database server's: the script drops it */
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, ext[i]);
		(void)unlink(p);
	}
	(void)rmdir(t->dir);
}

#endif
