/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_CONF_H
#define AUTHD_CONF_H

#include <stddef.h>
#include <stdio.h>

/*
 * A keyword-table configuration parser in the manner of OpenSSH's servconf:
 * one line per setting, "keyword argument...", '#' comments, arguments
 * separated by blanks or double-quoted (with \" and \\).  Unknown keywords,
 * missing or extra arguments, out-of-range numbers and repeated settings
 * are errors reported as "file:line: message".
 */

#define CONF_LINE_MAX	1024		/* bytes per line */
#define CONF_FILE_MAX	(1 << 20)	/* bytes per file */
#define CONF_ARGS_MAX	8		/* arguments per line */

enum conf_type {
	CONF_STR,	/* char *: one argument */
	CONF_PATH,	/* char *: one absolute path */
	CONF_INT,	/* long long in [min, max] */
	CONF_BOOL,	/* int: yes/no */
	CONF_CUSTOM,	/* handled by `set`; may repeat */
};

struct conf_kw {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;		/* offset of the field in the struct */
	long long	 min, max;	/* CONF_INT bounds */
	const char	*def;		/* default, as text; NULL = unset
					   (STR and PATH only) */
	/* CONF_CUSTOM: store argv; return NULL or a static error message. */
	const char	*(*set)(void *cfg, int argc, char **argv);
	/* CONF_CUSTOM: print every stored value as config lines. */
	void		 (*dump)(const void *cfg, FILE *f);
};

/*
 * Applies defaults, then parses `path` into `cfg` per the NULL-terminated
 * table `kws`.  Returns 0, or AUTHD_ERR_CONFIG after logging every error
 * found as "file:line: message".
 */
int conf_load(const char *path, const struct conf_kw *kws, void *cfg);

/* Writes the effective configuration in a form conf_load reads back. */
void conf_dump(FILE *f, const struct conf_kw *kws, const void *cfg);

/* Frees the strings conf_load stored (not CONF_CUSTOM values). */
void conf_free(const struct conf_kw *kws, void *cfg);

/* Writes `s` quoted if it needs to be, for dumps. */
void conf_print_arg(FILE *f, const char *s);

#endif
