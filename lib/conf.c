/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "conf.h"
#include "lex.h"
#include "log.h"
#include "util.h"

#define FIELD(cfg, kw, T)	((T *)(void *)((char *)(cfg) + (kw)->off))

/* How authd.conf words what lex_split refuses (enum lex_err). */
static const char *const conf_lex_msg[] = {
	[LEX_OK] =		"internal error",
	[LEX_TOO_MANY] =	"too many arguments",
	[LEX_UNTERMINATED] =	"unterminated quoted string",
	[LEX_AFTER_QUOTE] =	"garbage after quoted string",
	[LEX_QUOTE_IN_WORD] =	"quote inside an argument",
};

/* Stores one value of a simple keyword.  NULL or an error message. */
static const char *
set_simple(const struct conf_kw *kw, void *cfg, const char *v)
{
	const char *e;
	long long n;
	char **sp;

	switch (kw->type) {
	case CONF_PATH:
		if (v[0] != '/')
			return "path must be absolute";
		/* FALLTHROUGH */
	case CONF_STR:
		sp = FIELD(cfg, kw, char *);
		free(*sp);
		if ((*sp = strdup(v)) == NULL)
			return "out of memory";
		return NULL;
	case CONF_INT:
		if (num_parse(v, kw->min, kw->max, &n, &e) != 0)
			return e;
		*FIELD(cfg, kw, long long) = n;
		return NULL;
	case CONF_BOOL:
		if (strcmp(v, "yes") == 0)
			*FIELD(cfg, kw, int) = 1;
		else if (strcmp(v, "no") == 0)
			*FIELD(cfg, kw, int) = 0;
		else
			return "expected yes or no";
		return NULL;
	case CONF_CUSTOM:
		break;
	}
	return "internal error";
}

static int
apply_defaults(const struct conf_kw *kws, void *cfg)
{
	const struct conf_kw *kw;
	const char *e;

	for (kw = kws; kw->name != NULL; kw++) {
		/* Numbers and booleans have no "unset" to dump: need a default. */
		if ((kw->type == CONF_INT || kw->type == CONF_BOOL) &&
		    kw->def == NULL) {
			log_err("keyword %s has no default", kw->name);
			return AUTHD_ERR_INTERNAL;
		}
		if (kw->type == CONF_CUSTOM || kw->def == NULL)
			continue;
		if ((e = set_simple(kw, cfg, kw->def)) != NULL) {
			log_err("default for %s: %s", kw->name, e);
			return AUTHD_ERR_INTERNAL;
		}
	}
	return 0;
}

/*
 * Reads the whole file, bounded.  Returns a NUL-terminated copy (with its
 * length in *len) or NULL.
 */
static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		log_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		log_err("%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size > CONF_FILE_MAX) {
		log_err("%s: larger than %d bytes", path, CONF_FILE_MAX);
		goto fail;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size &&
	    (n = read(fd, text + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("%s: %s", path, strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	text[got] = '\0';
	*len = got;
	close(fd);
	return text;
 fail:
	free(text);
	close(fd);
	return NULL;
}

int
conf_load(const char *path, const struct conf_kw *kws, void *cfg)
{
	const struct conf_kw *kw;
	char *text, *line, *next, *argv[CONF_ARGS_MAX];
	unsigned char seen[128] = { 0 };
	enum lex_err le;
	const char *e;
	int lineno = 0, errors = 0, argc;
	size_t nkw, len;

	for (nkw = 0; kws[nkw].name != NULL; nkw++)
		;
	if (nkw > sizeof(seen) || apply_defaults(kws, cfg) != 0)
		return AUTHD_ERR_INTERNAL;
	if ((text = slurp(path, &len)) == NULL)
		return AUTHD_ERR_CONFIG;
	/* SECURITY NOTE: a NUL would hide the rest of its line from us. */
	if ((line = memchr(text, '\0', len)) != NULL) {
		for (next = text; next < line; next++)
			lineno += *next == '\n';
		log_err("%s:%d: NUL byte in line", path, lineno + 1);
		free(text);
		return AUTHD_ERR_CONFIG;
	}
	for (line = text; line != NULL; line = next) {
		lineno++;
		argc = 0;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		e = NULL;
		if (strlen(line) > CONF_LINE_MAX)
			e = "line too long";
		else if (strchr(line, '\r') != NULL)
			e = "carriage return in line";
		else if ((argc = lex_split(line, argv, CONF_ARGS_MAX, 0,
		    &le)) < 0)
			e = conf_lex_msg[le];
		else if (argc == 0)
			continue;
		if (e != NULL)
			goto bad;
		for (kw = kws; kw->name != NULL; kw++)
			if (strcmp(kw->name, argv[0]) == 0)
				break;
		if (kw->name == NULL) {
			e = "unknown keyword";
			goto bad;
		}
		if (kw->type == CONF_CUSTOM) {
			e = kw->set(cfg, argc - 1, argv + 1);
		} else if (argc != 2) {
			e = argc < 2 ? "missing argument" : "extra arguments";
		} else if (seen[kw - kws]) {
			e = "keyword given twice";
		} else {
			seen[kw - kws] = 1;
			e = set_simple(kw, cfg, argv[1]);
		}
		if (e == NULL)
			continue;
 bad:
		{
			char san[128];

			log_err("%s:%d: %s%s%s", path, lineno, e,
			    argc > 0 && e != NULL ? ": " : "",
			    argc > 0 ? str_sanitize(argv[0], strlen(argv[0]),
			    san, sizeof(san)) : "");
		}
		errors++;
	}
	free(text);
	return errors ? AUTHD_ERR_CONFIG : 0;
}

void
conf_print_arg(FILE *f, const char *s)
{
	const char *p;

	if (*s != '\0' && strpbrk(s, " \t\"\\#") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

void
conf_dump(FILE *f, const struct conf_kw *kws, const void *cfg)
{
	const struct conf_kw *kw;
	char *const *sp;

	for (kw = kws; kw->name != NULL; kw++) {
		switch (kw->type) {
		case CONF_STR:
		case CONF_PATH:
			sp = FIELD(cfg, kw, char *const);
			if (*sp == NULL)
				continue;
			fprintf(f, "%s ", kw->name);
			conf_print_arg(f, *sp);
			fputc('\n', f);
			break;
		case CONF_INT:
			fprintf(f, "%s %lld\n", kw->name,
			    *FIELD(cfg, kw, const long long));
			break;
		case CONF_BOOL:
			fprintf(f, "%s %s\n", kw->name,
			    *FIELD(cfg, kw, const int) ? "yes" : "no");
			break;
		case CONF_CUSTOM:
			if (kw->dump != NULL)
				kw->dump(cfg, f);
			break;
		}
	}
}

void
conf_free(const struct conf_kw *kws, void *cfg)
{
	const struct conf_kw *kw;
	char **sp;

	for (kw = kws; kw->name != NULL; kw++) {
		if (kw->type != CONF_STR && kw->type != CONF_PATH)
			continue;
		sp = FIELD(cfg, kw, char *);
		free(*sp);
		*sp = NULL;
	}
}
