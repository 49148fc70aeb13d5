/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for conf_load, with a keyword table holding every
 * keyword type.  The input becomes the contents of a memory-backed file
 * (memfd) opened through /proc/self/fd, so nothing touches the disk.  When
 * an input loads, the dump of the result must load again to the same
 * values and dump to the same text (the -T promise of authd and authctl).
 *
 * Errors are logged through lib/log.h; they are silenced unless
 * AUTHD_FUZZ_VERBOSE is set in the environment.
 */
#include <sys/mman.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "conf.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NITEMS	4

struct cfg {
	char		*name;
	char		*opt;
	char		*dir;
	long long	 count;
	long long	 big;
	int		 flag;
	int		 nitems;
	char		*items[NITEMS][CONF_ARGS_MAX];
};

static const char *
item_set(void *cfgp, int argc, char **argv)
{
	struct cfg *c = cfgp;
	int i;

	if (argc < 1)
		return "missing argument";
	if (c->nitems == NITEMS)
		return "too many items";
	for (i = 0; i < argc; i++)
		if ((c->items[c->nitems][i] = strdup(argv[i])) == NULL)
			return "out of memory";
	c->nitems++;
	return NULL;
}

static void
item_dump(const void *cfgp, FILE *f)
{
	const struct cfg *c = cfgp;
	int i, j;

	for (i = 0; i < c->nitems; i++) {
		fputs("Item", f);
		for (j = 0; j < CONF_ARGS_MAX && c->items[i][j] != NULL; j++) {
			fputc(' ', f);
			conf_print_arg(f, c->items[i][j]);
		}
		fputc('\n', f);
	}
}

static const struct conf_kw kws[] = {
	{ "Name", CONF_STR, offsetof(struct cfg, name), 0, 0, "dflt",
	    NULL, NULL },
	{ "Opt", CONF_STR, offsetof(struct cfg, opt), 0, 0, NULL, NULL, NULL },
	{ "Dir", CONF_PATH, offsetof(struct cfg, dir), 0, 0, "/var/lib/x",
	    NULL, NULL },
	{ "Count", CONF_INT, offsetof(struct cfg, count), 1, 100, "10",
	    NULL, NULL },
	{ "Big", CONF_INT, offsetof(struct cfg, big), LLONG_MIN, LLONG_MAX,
	    "0", NULL, NULL },
	{ "Flag", CONF_BOOL, offsetof(struct cfg, flag), 0, 0, "no", NULL,
	    NULL },
	{ "Item", CONF_CUSTOM, 0, 0, 0, NULL, item_set, item_dump },
	{ NULL, CONF_STR, 0, 0, 0, NULL, NULL, NULL },
};

static void
cfg_free(struct cfg *c)
{
	int i, j;

	conf_free(kws, c);
	for (i = 0; i < c->nitems; i++)
		for (j = 0; j < CONF_ARGS_MAX; j++)
			free(c->items[i][j]);
	memset(c, 0, sizeof(*c));
}

static int
same(const struct cfg *a, const struct cfg *b)
{
	int i, j;

#define SAME_STR(x, y) ((x) == NULL ? (y) == NULL : \
	((y) != NULL && strcmp((x), (y)) == 0))
	if (!SAME_STR(a->name, b->name) || !SAME_STR(a->opt, b->opt) ||
	    !SAME_STR(a->dir, b->dir) || a->count != b->count ||
	    a->big != b->big || a->flag != b->flag || a->nitems != b->nitems)
		return 0;
	for (i = 0; i < a->nitems; i++)
		for (j = 0; j < CONF_ARGS_MAX; j++)
			if (!SAME_STR(a->items[i][j], b->items[i][j]))
				return 0;
	return 1;
#undef SAME_STR
}

static int fd_in = -1, fd_dump = -1;
static char path_in[64], path_dump[64];

/* Replaces the contents of memfd `fd`. */
static void
fill(int fd, const void *p, size_t len)
{
	if (ftruncate(fd, 0) != 0 ||
	    (len > 0 && pwrite(fd, p, len, 0) != (ssize_t)len))
		abort();
}

static char *
dump(const struct cfg *c, size_t *len)
{
	char *t = NULL;
	FILE *f;

	if ((f = open_memstream(&t, len)) == NULL)
		abort();
	conf_dump(f, kws, c);
	if (fclose(f) != 0)
		abort();
	return t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg a, b;
	char *t1, *t2;
	size_t l1, l2;

	if (fd_in < 0) {
		log_init("fuzz_conf", 1, 0);
		if (getenv("AUTHD_FUZZ_VERBOSE") == NULL)
			log_set_level(LOG_CRIT);
		if ((fd_in = memfd_create("fuzz_conf", MFD_CLOEXEC)) < 0 ||
		    (fd_dump = memfd_create("fuzz_dump", MFD_CLOEXEC)) < 0)
			abort();
		snprintf(path_in, sizeof(path_in), "/proc/self/fd/%d", fd_in);
		snprintf(path_dump, sizeof(path_dump), "/proc/self/fd/%d",
		    fd_dump);
	}
	fill(fd_in, data, size);
	memset(&a, 0, sizeof(a));
	if (conf_load(path_in, kws, &a) != 0) {
		cfg_free(&a);
		return 0;
	}
	t1 = dump(&a, &l1);
	fill(fd_dump, t1, l1);
	memset(&b, 0, sizeof(b));
	if (conf_load(path_dump, kws, &b) != 0 || !same(&a, &b))
		abort();
	t2 = dump(&b, &l2);
	if (l1 != l2 || memcmp(t1, t2, l1) != 0)
		abort();
	free(t1);
	free(t2);
	cfg_free(&a);
	cfg_free(&b);
	return 0;
}
