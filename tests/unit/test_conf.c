/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/conf.c with a keyword table of every type, files in a
 * private temporary directory, and the "file:line: message" reports
 * captured from stderr.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "check.h"
#include "conf.h"
#include "log.h"

#define NITEMS	8

struct cfg {
	char		*name;		/* Name: STR with a default */
	char		*opt;		/* Opt: STR without a default */
	char		*dir;		/* Dir: PATH */
	long long	 count;		/* Count: INT in [1, 100] */
	long long	 big;		/* Big: INT in [LLONG_MIN, LLONG_MAX] */
	long long	 neg;		/* Neg: INT in [INT_MIN, -1] */
	int		 flag;		/* Flag: BOOL */
	int		 nitems;	/* Item: CUSTOM, repeatable */
	char		*items[NITEMS][CONF_ARGS_MAX];
};

static void
items_free(struct cfg *c)
{
	int i, j;

	for (i = 0; i < c->nitems; i++)
		for (j = 0; j < CONF_ARGS_MAX; j++)
			free(c->items[i][j]);
	c->nitems = 0;
	memset(c->items, 0, sizeof(c->items));
}

/* Item takes 1..7 arguments (all a line can carry after the keyword). */
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
	{ "Name", CONF_STR, offsetof(struct cfg, name), 0, 0,
	    "default name", NULL, NULL },
	{ "Opt", CONF_STR, offsetof(struct cfg, opt), 0, 0, NULL, NULL, NULL },
	{ "Dir", CONF_PATH, offsetof(struct cfg, dir), 0, 0, "/var/lib/x",
	    NULL, NULL },
	{ "Count", CONF_INT, offsetof(struct cfg, count), 1, 100, "10",
	    NULL, NULL },
	{ "Big", CONF_INT, offsetof(struct cfg, big), LLONG_MIN, LLONG_MAX,
	    "-1", NULL, NULL },
	{ "Neg", CONF_INT, offsetof(struct cfg, neg), INT_MIN, -1, "-5",
	    NULL, NULL },
	{ "Flag", CONF_BOOL, offsetof(struct cfg, flag), 0, 0, "yes", NULL,
	    NULL },
	{ "Item", CONF_CUSTOM, 0, 0, 0, NULL, item_set, item_dump },
	{ NULL, CONF_STR, 0, 0, 0, NULL, NULL, NULL },
};

static char dir[64];
static char errs[8192];		/* stderr of the last load() */

static void
cfg_free(struct cfg *c)
{
	conf_free(kws, c);
	items_free(c);
	memset(c, 0, sizeof(*c));
}

/* Writes `len` bytes to dir/name; returns the path (static). */
static const char *
write_file(const char *name, const void *text, size_t len)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, text, len) != (ssize_t)len) {
		perror(path);
		exit(1);
	}
	close(fd);
	return path;
}

/* conf_load with stderr captured into errs[]. */
static int
load(const char *path, struct cfg *c)
{
	char ep[128];
	int fd, saved, r;
	ssize_t n;

	snprintf(ep, sizeof(ep), "%s/stderr", dir);
	fflush(stderr);
	if ((fd = open(ep, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    (saved = dup(2)) < 0 || dup2(fd, 2) < 0) {
		perror("capture stderr");
		exit(1);
	}
	r = conf_load(path, kws, c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, errs, sizeof(errs) - 1, 0);
	errs[n > 0 ? n : 0] = '\0';
	close(fd);
	(void)unlink(ep);
	return r;
}

/* Loads `text` as a file; returns conf_load's result; cfg freed. */
static int
load_text(const char *text)
{
	struct cfg c;
	int r;

	memset(&c, 0, sizeof(c));
	r = load(write_file("t.conf", text, strlen(text)), &c);
	cfg_free(&c);
	return r;
}

/* `text` fails and the report names `line` with `msg`. */
#define BAD(text, line, msg) do {					\
	char want_[256];						\
	CHECK_ERR(load_text(text), AUTHD_ERR_CONFIG);			\
	snprintf(want_, sizeof(want_), "%s/t.conf:%d: %s", dir, line, msg); \
	CHECK_STR_HAS(errs, want_);					\
} while (0)

#define GOOD(text) do {							\
	CHECK_OK(load_text(text));					\
	CHECK_STR_EQ(errs, "");						\
} while (0)

static void
test_defaults(void)
{
	struct cfg c;

	memset(&c, 0, sizeof(c));
	CHECK_OK(load(write_file("empty.conf", "", 0), &c));
	CHECK_STR_EQ(c.name, "default name");
	CHECK(c.opt == NULL);
	CHECK_STR_EQ(c.dir, "/var/lib/x");
	CHECK_INT_EQ(c.count, 10);
	CHECK_INT_EQ(c.big, -1);
	CHECK_INT_EQ(c.neg, -5);
	CHECK_INT_EQ(c.flag, 1);
	CHECK_INT_EQ(c.nitems, 0);
	cfg_free(&c);
	CHECK(c.name == NULL && c.dir == NULL);
}

static void
test_valid(void)
{
	static const char text[] =
	    "# a comment\n"
	    "\n"
	    "   \t  \n"
	    "Name   plain\n"
	    "\tOpt \"two words\"  # trailing comment\n"
	    "Dir /srv/authd\n"
	    "Count 100\n"
	    "Big -9223372036854775808\n"
	    "Neg -2147483648\n"
	    "Flag no\n"
	    "Item a\n"
	    "Item \"q\\\"uote\" \"back\\\\slash\" \"#hash\" \"\" x\\y\n"
	    "   # indented comment\n"
	    "Item 1 2 3 4 5 6 7\n";
	struct cfg c;

	memset(&c, 0, sizeof(c));
	CHECK_OK(load(write_file("ok.conf", text, strlen(text)), &c));
	CHECK_STR_EQ(errs, "");
	CHECK_STR_EQ(c.name, "plain");
	CHECK_STR_EQ(c.opt, "two words");
	CHECK_STR_EQ(c.dir, "/srv/authd");
	CHECK_INT_EQ(c.count, 100);
	CHECK(c.big == LLONG_MIN);
	CHECK_INT_EQ(c.neg, INT_MIN);
	CHECK_INT_EQ(c.flag, 0);
	CHECK_INT_EQ(c.nitems, 3);
	CHECK_STR_EQ(c.items[0][0], "a");
	CHECK(c.items[0][1] == NULL);
	CHECK_STR_EQ(c.items[1][0], "q\"uote");
	CHECK_STR_EQ(c.items[1][1], "back\\slash");
	CHECK_STR_EQ(c.items[1][2], "#hash");
	CHECK_STR_EQ(c.items[1][3], "");
	CHECK_STR_EQ(c.items[1][4], "x\\y");	/* no escapes outside quotes */
	CHECK_STR_EQ(c.items[2][6], "7");
	cfg_free(&c);

	/* No newline at the end of the file. */
	memset(&c, 0, sizeof(c));
	CHECK_OK(load(write_file("nonl.conf", "Count 7", 7), &c));
	CHECK_INT_EQ(c.count, 7);
	cfg_free(&c);

	/* A second load into the same struct replaces, not leaks. */
	memset(&c, 0, sizeof(c));
	CHECK_OK(load(write_file("a.conf", "Name one\n", 9), &c));
	CHECK_OK(load(write_file("b.conf", "Name two\n", 9), &c));
	CHECK_STR_EQ(c.name, "two");
	cfg_free(&c);
}

static void
test_ints(void)
{
	GOOD("Count 1\n");
	GOOD("Count 100\n");
	GOOD("Count 010\n");
	BAD("Count 0\n", 1, "too small");
	BAD("Count 101\n", 1, "too large");
	BAD("Count -1\n", 1, "too small");
	GOOD("Big 9223372036854775807\n");
	GOOD("Big -9223372036854775808\n");
	BAD("Big 9223372036854775808\n", 1, "too large");
	BAD("Big 99999999999999999999999\n", 1, "too large");
	BAD("Big -9223372036854775809\n", 1, "too small");
	GOOD("Neg -1\n");
	GOOD("Neg -2147483648\n");
	BAD("Neg 0\n", 1, "too large");
	BAD("Neg -2147483649\n", 1, "too small");
	BAD("Count abc\n", 1, "not a number");
	BAD("Count 12x\n", 1, "not a number");
	BAD("Count +5\n", 1, "not a number");
	BAD("Count 0x10\n", 1, "not a number");
	BAD("Count \"\"\n", 1, "not a number");
	BAD("Count -\n", 1, "not a number");
	BAD("Count 1.5\n", 1, "not a number");
}

static void
test_errors(void)
{
	char line[CONF_LINE_MAX + 16];
	size_t n;

	BAD("Name x\n\nBogus 1\n", 3, "unknown keyword");
	BAD("Name x\n\nBogus 1\n", 3, "unknown keyword: Bogus");
	BAD("name x\n", 1, "unknown keyword");	/* keywords match exactly */
	BAD("Count\n", 1, "missing argument");
	BAD("Count 1 2\n", 1, "extra arguments");
	BAD("Flag yes no\n", 1, "extra arguments");
	BAD("Item\n", 1, "missing argument");
	BAD("Count 5\nCount 5\n", 2, "keyword given twice");
	BAD("Opt a\n# x\nOpt b\n", 3, "keyword given twice");
	BAD("Dir relative/path\n", 1, "path must be absolute");
	BAD("Dir \"\"\n", 1, "path must be absolute");
	BAD("Dir ./x\n", 1, "path must be absolute");
	BAD("Flag maybe\n", 1, "expected yes or no");
	BAD("Flag YES\n", 1, "expected yes or no");
	BAD("Flag 1\n", 1, "expected yes or no");
	BAD("Name \"open\n", 1, "unterminated quoted string");
	BAD("Name \"esc\\\"\n", 1, "unterminated quoted string");
	BAD("Name \"a\"b\n", 1, "garbage after quoted string");
	BAD("Name a\"b\"\n", 1, "quote inside an argument");
	BAD("Name x\r\n", 1, "carriage return in line");
	BAD("Item 1 2 3 4 5 6 7 8\n", 1, "too many arguments");
	/* Errors in several lines: each one is reported. */
	BAD("Bogus\nCount 0\nFlag x\n", 1, "unknown keyword");
	BAD("Bogus\nCount 0\nFlag x\n", 2, "too small");
	BAD("Bogus\nCount 0\nFlag x\n", 3, "expected yes or no");
	/* Keywords from outside are sanitised before they are logged. */
	BAD("Bo\x1bgus 1\n", 1, "unknown keyword: Bo\\x1bgus");

	/* Line length: CONF_LINE_MAX bytes pass, one more does not. */
	memcpy(line, "Name ", 5);
	memset(line + 5, 'n', CONF_LINE_MAX - 5);
	line[CONF_LINE_MAX] = '\n';
	line[CONF_LINE_MAX + 1] = '\0';
	n = strlen(line);
	CHECK_U64_EQ(n, CONF_LINE_MAX + 1);
	GOOD(line);
	memcpy(line + CONF_LINE_MAX, "n\n", 3);
	BAD(line, 1, "line too long");
	/* Comment lines count too. */
	memset(line, '#', CONF_LINE_MAX + 1);
	line[CONF_LINE_MAX + 1] = '\n';
	line[CONF_LINE_MAX + 2] = '\0';
	BAD(line, 1, "line too long");
}

/* A file that is not there, not a file, or too big. */
static void
test_files(void)
{
	struct cfg c;
	char path[128];
	char *text;
	size_t i;

	memset(&c, 0, sizeof(c));
	snprintf(path, sizeof(path), "%s/nonexistent", dir);
	CHECK_ERR(load(path, &c), AUTHD_ERR_CONFIG);
	CHECK_STR_HAS(errs, "nonexistent");
	cfg_free(&c);
	CHECK_ERR(load(dir, &c), AUTHD_ERR_CONFIG);
	CHECK_STR_HAS(errs, "not a regular file");
	cfg_free(&c);

	/* CONF_FILE_MAX bytes of comments pass; one byte more fails. */
	if ((text = malloc(CONF_FILE_MAX + 1)) == NULL)
		return;
	for (i = 0; i < CONF_FILE_MAX; i++)
		text[i] = (i % 64 == 63) ? '\n' : '#';
	CHECK_OK(load(write_file("max.conf", text, CONF_FILE_MAX), &c));
	cfg_free(&c);
	text[CONF_FILE_MAX] = '\n';
	CHECK_ERR(load(write_file("max.conf", text, CONF_FILE_MAX + 1), &c),
	    AUTHD_ERR_CONFIG);
	CHECK_STR_HAS(errs, "larger than");
	cfg_free(&c);
	free(text);
	snprintf(path, sizeof(path), "%s/max.conf", dir);
	(void)unlink(path);
}

/*
 * A NUL byte must not end the parse early: whatever follows it has to be
 * read (or the file refused), never silently ignored.
 */
static void
test_nul(void)
{
	static const char text[] = "Count 5\n\0\nBogus 1\n";
	static const char text2[] = "Count 5\0Bogus\nCount 6\n";
	struct cfg c;

	memset(&c, 0, sizeof(c));
	CHECK_ERR(load(write_file("nul.conf", text, sizeof(text) - 1), &c),
	    AUTHD_ERR_CONFIG);
	cfg_free(&c);
	CHECK_ERR(load(write_file("nul.conf", text2, sizeof(text2) - 1), &c),
	    AUTHD_ERR_CONFIG);
	cfg_free(&c);
}

/* dump(load(x)) loads back to the same values and dumps identically. */
static void
check_dump_roundtrip(const struct cfg *a)
{
	struct cfg b;
	char path[128], *t1 = NULL, *t2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *f;
	int i, j;

	snprintf(path, sizeof(path), "%s/dump.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return;
	conf_dump(f, kws, a);
	fclose(f);
	memset(&b, 0, sizeof(b));
	CHECK_OK(load(path, &b));
	CHECK_STR_EQ(errs, "");
	CHECK_STR_EQ(b.name, a->name);
	CHECK_STR_EQ(b.opt, a->opt);
	CHECK_STR_EQ(b.dir, a->dir);
	CHECK_INT_EQ(b.count, a->count);
	CHECK(b.big == a->big);
	CHECK_INT_EQ(b.neg, a->neg);
	CHECK_INT_EQ(b.flag, a->flag);
	CHECK_INT_EQ(b.nitems, a->nitems);
	for (i = 0; i < a->nitems && i < b.nitems; i++)
		for (j = 0; j < CONF_ARGS_MAX; j++)
			CHECK_STR_EQ(b.items[i][j], a->items[i][j]);
	if ((f = open_memstream(&t1, &l1)) != NULL) {
		conf_dump(f, kws, a);
		fclose(f);
	}
	if ((f = open_memstream(&t2, &l2)) != NULL) {
		conf_dump(f, kws, &b);
		fclose(f);
	}
	CHECK_STR_EQ(t1, t2);
	free(t1);
	free(t2);
	cfg_free(&b);
	(void)unlink(path);
}

static void
test_dump(void)
{
	static const char text[] =
	    "Name \"with space and \\\"quotes\\\" and \\\\ and # too\"\n"
	    "Opt \"\"\n"
	    "Dir \"/path with/spaces\"\n"
	    "Count 1\n"
	    "Big 9223372036854775807\n"
	    "Neg -2147483648\n"
	    "Flag no\n"
	    "Item one \"t\two\" \"\\\\\"\n"
	    "Item \"#\" \"\\\"\" \"a\\\\\\\"b\"\n";
	struct cfg c;

	memset(&c, 0, sizeof(c));
	CHECK_OK(load(write_file("d.conf", text, strlen(text)), &c));
	CHECK_STR_EQ(c.name, "with space and \"quotes\" and \\ and # too");
	CHECK_STR_EQ(c.opt, "");
	CHECK_STR_EQ(c.dir, "/path with/spaces");
	CHECK_STR_EQ(c.items[0][1], "t\two");
	CHECK_STR_EQ(c.items[1][2], "a\\\"b");
	check_dump_roundtrip(&c);
	cfg_free(&c);

	/* Defaults only. */
	memset(&c, 0, sizeof(c));
	CHECK_OK(load(write_file("d.conf", "", 0), &c));
	check_dump_roundtrip(&c);
	cfg_free(&c);
}

/* Random strings through conf_print_arg and back. */
static void
test_random_strings(void)
{
	static const char alphabet[] = "ab Z09 \t\"\\#'=/.-~\x7f\x80\xff";
	struct cfg c;
	char s[64];
	size_t it, i, len;

	check_rand_init();
	for (it = 0; it < 300; it++) {
		memset(&c, 0, sizeof(c));
		len = (size_t)check_rand_n(sizeof(s));
		for (i = 0; i < len; i++)
			s[i] = alphabet[check_rand_n(sizeof(alphabet) - 1)];
		s[len] = '\0';
		if ((c.name = strdup(s)) == NULL || (c.opt = strdup(s)) == NULL)
			break;
		if ((c.dir = malloc(len + 2)) == NULL)
			break;
		c.dir[0] = '/';
		memcpy(c.dir + 1, s, len + 1);
		c.count = 1 + (long long)check_rand_n(100);
		c.big = (long long)check_rand();
		c.neg = -1 - (long long)check_rand_n(INT_MAX);
		c.flag = (int)check_rand_n(2);
		c.nitems = 1;
		c.items[0][0] = strdup(s);
		c.items[0][1] = strdup("x");
		check_dump_roundtrip(&c);
		cfg_free(&c);
	}
	cfg_free(&c);
}

static void
cleanup(void)
{
	static const char *const names[] = { "t.conf", "empty.conf",
	    "ok.conf", "nonl.conf", "a.conf", "b.conf", "nul.conf",
	    "d.conf" };
	char p[128];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		(void)unlink(p);
	}
	if (rmdir(dir) != 0)
		perror(dir);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	if (t == NULL || strlen(t) > 40)
		t = "/tmp";
	snprintf(dir, sizeof(dir), "%s/confXXXXXX", t);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	log_init("test_conf", 1, 0);
	test_defaults();
	test_valid();
	test_ints();
	test_errors();
	test_files();
	test_nul();
	test_dump();
	test_random_strings();
	cleanup();
	return check_done("test_conf");
}
