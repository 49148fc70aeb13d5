/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fmt.h"

/*
 * The encoders authctl writes audit records with: command-line times, and
 * CSV fields, which must stay printable and come back exactly.
 */

static void
test_time_parse(void)
{
	static const struct {
		const char	*in;
		int64_t		 ms;	/* -1: refused */
	} cases[] = {
		{ "1970-01-01", 0 },
		{ "2026-01-01", 1767225600000LL },
		{ "2026-01-01T00:00:00Z", 1767225600000LL },
		{ "2026-11-24T01:02:03Z", 1795482123000LL },
		{ "2024-02-29", 1709164800000LL },
		{ "9999-12-31T23:59:59Z", 253402300799000LL },
		{ "@0", 0 },
		{ "@1767225600", 1767225600000LL },
		{ "@253402300799", 253402300799000LL },
		{ "@253402300800", -1 },
		{ "@-1", -1 },
		{ "@", -1 },
		{ "@1e3", -1 },
		{ "@ 5", -1 },
		{ "1969-12-31", -1 },
		{ "2025-02-29", -1 },
		{ "2026-02-30", -1 },
		{ "2026-04-31", -1 },
		{ "2026-13-01", -1 },
		{ "2026-00-10", -1 },
		{ "2026-01-00", -1 },
		{ "2026-01-01T24:00:00Z", -1 },
		{ "2026-01-01T23:60:00Z", -1 },
		{ "2026-01-01T23:59:60Z", -1 },
		{ "2026-01-01T00:00:00", -1 },
		{ "2026-01-01T00:00:00+01:00", -1 },
		{ "2026-01-01 00:00:00Z", -1 },
		{ "2026-1-01", -1 },
		{ "2026-01-01x", -1 },
		{ " 2026-01-01", -1 },
		{ "", -1 },
		{ "1767225600", -1 },
		{ "+026-01-01", -1 },
	};
	const char *err;
	int64_t ms;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = NULL;
		r = fmt_time_parse(cases[i].in, &ms, &err);
		if (cases[i].ms < 0) {
			CHECK_ERR(r, AUTHD_ERR_INVALID);
			CHECK(err != NULL);
			CHECK_INT_EQ(ms, 0);
		} else {
			CHECK_OK(r);
			CHECK_INT_EQ(ms, cases[i].ms);
		}
	}
}

/* fmt_csv_field into a string. */
static char *
csv(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &n)) == NULL)
		exit(2);
	fmt_csv_field(f, s, len);
	fclose(f);
	return buf;
}

/*
 * Decodes one field as docs/audit.md tells a reader to: RFC 4180 quotes,
 * one leading single quote dropped, then \\ and \xNN.  Returns the value
 * (malloc) and its length, or NULL when the field is not well formed.
 */
static char *
csv_decode(const char *f, size_t *outlen)
{
	size_t len = strlen(f), i, n = 0;
	char *raw, *out;
	unsigned int b;

	if ((raw = malloc(len + 1)) == NULL || (out = malloc(len + 1)) ==
	    NULL)
		exit(2);
	if (len > 0 && f[0] == '"') {
		if (len < 2 || f[len - 1] != '"')
			goto bad;
		for (i = 1; i < len - 1; i++) {
			if (f[i] == '"' && f[++i] != '"')
				goto bad;
			raw[n++] = f[i];
		}
	} else {
		if (strpbrk(f, ",\"\r\n") != NULL)
			goto bad;
		memcpy(raw, f, len);
		n = len;
	}
	raw[n] = '\0';
	i = raw[0] == '\'' ? 1 : 0;
	for (len = 0; i < n; i++) {
		if (raw[i] != '\\') {
			out[len++] = raw[i];
			continue;
		}
		if (raw[i + 1] == '\\') {
			out[len++] = '\\';
			i++;
		} else if (raw[i + 1] == 'x' &&
		    sscanf(raw + i + 2, "%2x", &b) == 1) {
			out[len++] = (char)b;
			i += 3;
		} else
			goto bad;
	}
	free(raw);
	*outlen = len;
	return out;
 bad:
	free(raw);
	free(out);
	return NULL;
}

/* Printable: no C0 but CR/LF, no DEL, valid UTF-8 (fmt_utf8_decode). */
static int
printable(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s), i = 0, n;
	uint32_t cp;

	while (i < len) {
		if ((n = fmt_utf8_decode(p + i, len - i, &cp)) == 0)
			return 0;
		if ((cp < 0x20 && cp != '\r' && cp != '\n') || cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f) || cp == 0x202e)
			return 0;
		i += n;
	}
	return 1;
}

static void
check_csv(const char *in, size_t len, const char *want)
{
	char *got = csv(in, len), *back;
	size_t blen = 0;

	if (want != NULL)
		CHECK_STR_EQ(got, want);
	CHECK(printable(got));
	back = csv_decode(got, &blen);
	CHECK(back != NULL);
	if (back != NULL) {
		CHECK_U64_EQ(blen, len);
		if (blen == len)
			CHECK_MEM_EQ(back, in, len);
	}
	free(back);
	free(got);
}

static void
test_csv(void)
{
	char buf[64];
	size_t i, j, len;

	check_csv("plain", 5, "plain");
	check_csv("a,b", 3, "\"a,b\"");
	check_csv("say \"hi\"", 8, "\"say \"\"hi\"\"\"");
	check_csv("two\nlines", 9, "\"two\nlines\"");
	check_csv("cr\r\nlf", 6, "\"cr\r\nlf\"");
	check_csv("=1+2", 4, "'=1+2");
	check_csv("+1", 2, "'+1");
	check_csv("-1", 2, "'-1");
	check_csv("@SUM(A1)", 8, "'@SUM(A1)");
	check_csv("'quoted", 7, "''quoted");
	check_csv("=a,b", 4, "\"'=a,b\"");
	check_csv("\ttab", 4, "'\\x09tab");
	check_csv("esc \x1b[31m", 9, "esc \\x1b[31m");
	check_csv("del\x7f", 4, "del\\x7f");
	check_csv("back\\slash", 10, "back\\\\slash");
	check_csv("\\x41", 4, "\\\\x41");
	check_csv("\xe5\xe4\xf6", 3, "\\xe5\\xe4\\xf6");
	check_csv("\xc3\x85sa", 4, "\xc3\x85sa");
	check_csv("\xe2\x80\xae", 3, "\\xe2\\x80\\xae");
	check_csv("\xc2\x85", 2, "\\xc2\\x85");
	check_csv("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
	check_csv("nul\0byte", 8, "nul\\x00byte");

	/* Random bytes come back exactly and stay printable. */
	check_rand_init();
	for (i = 0; i < 20000; i++) {
		len = (size_t)check_rand_n(sizeof(buf));
		for (j = 0; j < len; j++)
			buf[j] = (char)check_rand_n(256);
		check_csv(buf, len, NULL);
	}
}

int
main(void)
{
	test_time_parse();
	test_csv();
	return check_done("test_fmt");
}
