/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/lex.c, the line lexer of authd.conf and the policy
 * files: fixed cases in both modes (a '#' inside a word or ending it),
 * the word limit at max and max + 1, every error, then a random loop
 * that quotes random words, joins them with random blanks and a comment
 * and expects the same words back.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lex.h"

#define ARGS_MAX	16

/* Splits a copy of `text`; returns the count, words in argv. */
static int
split(const char *text, char *buf, size_t bufsz, char **argv, int max,
    int flags, enum lex_err *err)
{
	snprintf(buf, bufsz, "%s", text);
	return lex_split(buf, argv, max, flags, err);
}

/* `text` splits into the NULL-terminated `want` in mode `flags`. */
static void
words(const char *text, int flags, const char *const *want)
{
	char buf[256], *argv[ARGS_MAX];
	enum lex_err err = LEX_TOO_MANY;
	int n, i;

	for (n = 0; want[n] != NULL; n++)
		;
	CHECK_INT_EQ(split(text, buf, sizeof(buf), argv, ARGS_MAX, flags,
	    &err), n);
	CHECK_INT_EQ(err, LEX_OK);
	for (i = 0; i < n; i++)
		CHECK_STR_EQ(argv[i], want[i]);
}

#define WORDS(text, flags, ...) do {					\
	static const char *const want_[] = { __VA_ARGS__, NULL };	\
	words(text, flags, want_);					\
} while (0)

#define REFUSED(text, flags, want) do {					\
	char buf_[256], *argv_[ARGS_MAX];				\
	enum lex_err err_ = LEX_OK;					\
	CHECK_INT_EQ(split(text, buf_, sizeof(buf_), argv_, ARGS_MAX,	\
	    flags, &err_), -1);						\
	CHECK_INT_EQ(err_, want);					\
} while (0)

static void
test_fixed(void)
{
	char buf[64], *argv[ARGS_MAX];
	enum lex_err err;
	int mode;

	for (mode = 0; mode < 2; mode++) {
		int f = mode ? LEX_HASH_ENDS : 0;

		CHECK_INT_EQ(split("", buf, sizeof(buf), argv, ARGS_MAX, f,
		    &err), 0);
		CHECK_INT_EQ(split(" \t ", buf, sizeof(buf), argv, ARGS_MAX,
		    f, &err), 0);
		CHECK_INT_EQ(split("# a \"b", buf, sizeof(buf), argv,
		    ARGS_MAX, f, &err), 0);
		CHECK_INT_EQ(split("  #", buf, sizeof(buf), argv, ARGS_MAX,
		    f, &err), 0);
		WORDS("a", f, "a");
		WORDS("\ta  b\t\tc ", f, "a", "b", "c");
		WORDS("a # b c", f, "a");
		WORDS("\"\"", f, "");
		WORDS("\"\" \"\"", f, "", "");
		WORDS("\"a b\" c", f, "a b", "c");
		WORDS("\"#\" x", f, "#", "x");
		WORDS("\"q\\\"uote\" \"back\\\\slash\"", f, "q\"uote",
		    "back\\slash");
		/* Other backslashes stay, inside quotes and out. */
		WORDS("\"a\\b\" x\\y \\z", f, "a\\b", "x\\y", "\\z");
		WORDS("\"\\\\\"", f, "\\");
		WORDS("\xc3\xa5 \x7f", f, "\xc3\xa5", "\x7f");
		REFUSED("\"open", f, LEX_UNTERMINATED);
		REFUSED("\"esc\\\"", f, LEX_UNTERMINATED);
		REFUSED("a \"", f, LEX_UNTERMINATED);
		REFUSED("\"a\"b", f, LEX_AFTER_QUOTE);
		REFUSED("\"a\"\"b\"", f, LEX_AFTER_QUOTE);
		REFUSED("a\"b\"", f, LEX_QUOTE_IN_WORD);
		REFUSED("a\"", f, LEX_QUOTE_IN_WORD);
	}
	/* authd.conf: '#' inside a word is part of it. */
	WORDS("a#b c", 0, "a#b", "c");
	WORDS("a# b", 0, "a#", "b");
	REFUSED("\"a\"#", 0, LEX_AFTER_QUOTE);
	/* The policy language: '#' ends the word and the line. */
	WORDS("a#b c", LEX_HASH_ENDS, "a");
	WORDS("a# b", LEX_HASH_ENDS, "a");
	WORDS("\"a b\"# c", LEX_HASH_ENDS, "a b");
	WORDS("x a#\"", LEX_HASH_ENDS, "x", "a");
}

/* Exactly `max` words pass, one more is too many; 0 allows none. */
static void
test_limit(void)
{
	char buf[64], *argv[ARGS_MAX];
	enum lex_err err;

	CHECK_INT_EQ(split("1 2 3 4 5 6 7 8", buf, sizeof(buf), argv, 8, 0,
	    &err), 8);
	CHECK_INT_EQ(err, LEX_OK);
	CHECK_STR_EQ(argv[7], "8");
	CHECK_INT_EQ(split("1 2 3 4 5 6 7 8 # 9", buf, sizeof(buf), argv, 8,
	    0, &err), 8);
	CHECK_INT_EQ(split("1 2 3 4 5 6 7 8 9", buf, sizeof(buf), argv, 8,
	    0, &err), -1);
	CHECK_INT_EQ(err, LEX_TOO_MANY);
	CHECK_INT_EQ(split("1 2 3 4 5 6 7 8 \"", buf, sizeof(buf), argv, 8,
	    LEX_HASH_ENDS, &err), -1);
	CHECK_INT_EQ(err, LEX_TOO_MANY);
	CHECK_INT_EQ(split("1 2 3 4 5 6 7 8 9", buf, sizeof(buf), argv,
	    ARGS_MAX, 0, &err), 9);
	CHECK_INT_EQ(split("", buf, sizeof(buf), argv, 0, 0, &err), 0);
	CHECK_INT_EQ(split("a", buf, sizeof(buf), argv, 0, 0, &err), -1);
	CHECK_INT_EQ(err, LEX_TOO_MANY);
	CHECK_INT_EQ(split("a", buf, sizeof(buf), argv, INT_MIN, 0, &err),
	    -1);
	CHECK_INT_EQ(split("a", buf, sizeof(buf), argv, INT_MAX, 0, &err),
	    1);
}

/* Writes `w` as one word that lex_split reads back; returns the end. */
static char *
quote(char *o, const char *w)
{
	const char *p;

	/* Quoted whenever in doubt, even where one mode would not need it. */
	if (*w != '\0' && strpbrk(w, " \t\"\\#") == NULL)
		return stpcpy(o, w);
	*o++ = '"';
	for (p = w; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '"';
	return o;
}

static void
test_random(void)
{
	static const char alphabet[] = "ab# \t\"\\Z\xc3\xa5";
	char w[ARGS_MAX][12], line[ARGS_MAX * 30 + 32], *o, *argv[ARGS_MAX];
	enum lex_err err;
	int round, n, i, k, len, f, got, bad = 0;

	check_rand_init();
	for (round = 0; round < 20000; round++) {
		f = check_rand_n(2) ? LEX_HASH_ENDS : 0;
		n = (int)check_rand_n(ARGS_MAX + 1);
		o = line;
		for (k = (int)check_rand_n(3); k > 0; k--)
			*o++ = check_rand_n(2) ? ' ' : '\t';
		for (i = 0; i < n; i++) {
			len = (int)check_rand_n(sizeof(w[i]));
			for (k = 0; k < len; k++)
				w[i][k] = alphabet[check_rand_n(
				    sizeof(alphabet) - 1)];
			w[i][len] = '\0';
			if (i > 0)
				for (k = 1 + (int)check_rand_n(3); k > 0; k--)
					*o++ = check_rand_n(2) ? ' ' : '\t';
			o = quote(o, w[i]);
		}
		if (check_rand_n(2))
			o = stpcpy(o, n > 0 ? " # \"a b" : "#x");
		*o = '\0';
		got = lex_split(line, argv, ARGS_MAX, f, &err);
		if (got != n || err != LEX_OK) {
			bad++;
			continue;
		}
		for (i = 0; i < n; i++)
			if (strcmp(argv[i], w[i]) != 0)
				bad++;
	}
	CHECK_INT_EQ(bad, 0);
}

int
main(void)
{
	test_fixed();
	test_limit();
	test_random();
	return check_done("test_lex");
}
