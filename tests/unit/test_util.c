/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/util.c, lib/reason.c and lib/authd_err.c: bounded
 * number parsing, name validation, sanitising for logs, and the stable
 * string tables.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "check.h"
#include "reason.h"
#include "util.h"

#define NUM_OK(s, min, max, want) do {					\
	long long v_ = 12345;						\
	const char *e_ = "unset";					\
	CHECK_OK(num_parse(s, min, max, &v_, &e_));			\
	CHECK(v_ == (want));						\
	CHECK(e_ == NULL);						\
} while (0)

#define NUM_BAD(s, min, max, err, msg) do {				\
	long long v_ = 12345;						\
	const char *e_ = NULL;						\
	CHECK_ERR(num_parse(s, min, max, &v_, &e_), err);		\
	CHECK_INT_EQ(v_, 0);						\
	CHECK_STR_EQ(e_, msg);						\
} while (0)

static void
test_num_parse(void)
{
	char s[64];
	long long v;

	NUM_OK("0", 0, 0, 0);
	NUM_OK("-0", -1, 1, 0);
	NUM_OK("42", 0, 100, 42);
	NUM_OK("007", 0, 100, 7);
	NUM_OK("-9223372036854775808", LLONG_MIN, LLONG_MAX, LLONG_MIN);
	NUM_OK("9223372036854775807", LLONG_MIN, LLONG_MAX, LLONG_MAX);
	NUM_BAD("9223372036854775808", LLONG_MIN, LLONG_MAX,
	    AUTHD_ERR_TOO_LARGE, "too large");
	NUM_BAD("-9223372036854775809", LLONG_MIN, LLONG_MAX,
	    AUTHD_ERR_TOO_LARGE, "too small");
	NUM_BAD("18446744073709551616", LLONG_MIN, LLONG_MAX,
	    AUTHD_ERR_TOO_LARGE, "too large");
	NUM_BAD("-99999999999999999999", LLONG_MIN, LLONG_MAX,
	    AUTHD_ERR_TOO_LARGE, "too small");

	/* INT_MAX / INT_MAX + 1 and INT_MIN / INT_MIN - 1 with int bounds. */
	snprintf(s, sizeof(s), "%d", INT_MAX);
	NUM_OK(s, INT_MIN, INT_MAX, INT_MAX);
	snprintf(s, sizeof(s), "%lld", (long long)INT_MAX + 1);
	NUM_BAD(s, INT_MIN, INT_MAX, AUTHD_ERR_TOO_LARGE, "too large");
	snprintf(s, sizeof(s), "%d", INT_MIN);
	NUM_OK(s, INT_MIN, INT_MAX, INT_MIN);
	snprintf(s, sizeof(s), "%lld", (long long)INT_MIN - 1);
	NUM_BAD(s, INT_MIN, INT_MAX, AUTHD_ERR_TOO_LARGE, "too small");

	/* Exactly at and one past small bounds. */
	NUM_OK("1", 1, 65535, 1);
	NUM_OK("65535", 1, 65535, 65535);
	NUM_BAD("0", 1, 65535, AUTHD_ERR_TOO_LARGE, "too small");
	NUM_BAD("65536", 1, 65535, AUTHD_ERR_TOO_LARGE, "too large");
	NUM_BAD("-1", 0, 10, AUTHD_ERR_TOO_LARGE, "too small");

	/* Not numbers at all. */
	NUM_BAD("", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD(NULL, 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("12x", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("x12", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD(" 1", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("1 ", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("\t1", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("1\n", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("+1", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("-", -100, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("--1", -100, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("-+1", -100, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("- 1", -100, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("0x10", 0, 100, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("1e3", 0, 10000, AUTHD_ERR_INVALID, "not a number");
	NUM_BAD("1.0", 0, 100, AUTHD_ERR_INVALID, "not a number");
	/* Garbage after a too-large number is still "not a number". */
	NUM_BAD("99999999999999999999x", 0, 100, AUTHD_ERR_INVALID,
	    "not a number");

	/* errstr may be NULL. */
	CHECK_ERR(num_parse("5", 0, 4, &v, NULL), AUTHD_ERR_TOO_LARGE);
	CHECK_OK(num_parse("4", 0, 4, &v, NULL));
	CHECK_INT_EQ(v, 4);
}

/* Random values in random ranges agree with a plain comparison. */
static void
test_num_random(void)
{
	long long x, lo, hi, v;
	char s[32];
	int it, r;

	check_rand_init();
	for (it = 0; it < 5000; it++) {
		/*
		 * One draw per statement: the sequence must not depend on
		 * the compiler's order of evaluation.
		 */
		x = (long long)check_rand();
		if (it % 2)
			x >>= check_rand_n(63);
		lo = (long long)check_rand();
		lo >>= check_rand_n(64);
		hi = (long long)check_rand();
		hi >>= check_rand_n(64);
		if (lo > hi) {
			v = lo;
			lo = hi;
			hi = v;
		}
		if (it % 5 == 0)
			lo = x;
		if (it % 7 == 0)
			hi = x;
		snprintf(s, sizeof(s), "%lld", x);
		r = num_parse(s, lo, hi, &v, NULL);
		if (x >= lo && x <= hi) {
			CHECK_OK(r);
			CHECK(v == x);
		} else
			CHECK_ERR(r, AUTHD_ERR_TOO_LARGE);
	}
}

static void
test_valid_user(void)
{
	char s[80];
	unsigned int c;

	CHECK(str_valid_user("alice"));
	CHECK(str_valid_user("a"));
	CHECK(str_valid_user("john.doe"));
	CHECK(str_valid_user("svc_backup-2"));
	CHECK(str_valid_user("a-"));
	CHECK(str_valid_user("user@EXAMPLE.ORG"));
	CHECK(!str_valid_user(NULL));
	CHECK(!str_valid_user(""));
	CHECK(!str_valid_user("-alice"));
	CHECK(!str_valid_user("-"));
	CHECK(!str_valid_user("al ice"));
	CHECK(!str_valid_user(" alice"));
	CHECK(!str_valid_user("alice "));
	CHECK(!str_valid_user("al\tice"));
	CHECK(!str_valid_user("a/b"));
	CHECK(!str_valid_user("../x"));
	CHECK(!str_valid_user("a:b"));
	CHECK(!str_valid_user("a\\b"));
	CHECK(!str_valid_user("a*"));
	CHECK(!str_valid_user("*"));
	CHECK(!str_valid_user("a(b"));
	CHECK(!str_valid_user("a)b"));
	CHECK(!str_valid_user("caf\xc3\xa9"));
	CHECK(!str_valid_user("\x80"));
	CHECK(!str_valid_user("a\x7f"));
	CHECK(!str_valid_user("a\nb"));
	CHECK(!str_valid_user("a\x01"));
	CHECK(!str_valid_user("\x1b[31m"));

	/* Length: AUTHD_USER_MAX (64) passes, 65 does not. */
	memset(s, 'u', sizeof(s));
	s[AUTHD_USER_MAX] = '\0';
	CHECK(str_valid_user(s));
	s[AUTHD_USER_MAX] = 'u';
	s[AUTHD_USER_MAX + 1] = '\0';
	CHECK(!str_valid_user(s));
	s[sizeof(s) - 1] = '\0';
	CHECK(!str_valid_user(s));

	/* Every single byte: exactly printable ASCII minus the specials. */
	for (c = 1; c < 256; c++) {
		int want = c > ' ' && c < 0x7f && strchr("/:\\*()-", (int)c) ==
		    NULL;

		s[0] = (char)c;
		s[1] = '\0';
		CHECK_INT_EQ(str_valid_user(s), want);
		/* Not first: '-' is fine inside a name. */
		s[0] = 'x';
		s[1] = (char)c;
		s[2] = '\0';
		CHECK_INT_EQ(str_valid_user(s), want || c == '-');
	}
}

static void
test_valid_name(void)
{
	char s[80];
	unsigned int c;

	CHECK(str_valid_name("web01"));
	CHECK(str_valid_name("sshd"));
	CHECK(str_valid_name("host.example.org"));
	CHECK(str_valid_name("a_b-c"));
	CHECK(!str_valid_name(NULL));
	CHECK(!str_valid_name(""));
	CHECK(!str_valid_name("-x"));
	CHECK(!str_valid_name("a b"));
	CHECK(!str_valid_name("a/b"));
	CHECK(!str_valid_name("a@b"));
	CHECK(!str_valid_name("a:b"));
	CHECK(!str_valid_name("caf\xc3\xa9"));
	memset(s, 'n', sizeof(s));
	s[AUTHD_NAME_MAX] = '\0';
	CHECK(str_valid_name(s));
	s[AUTHD_NAME_MAX] = 'n';
	s[AUTHD_NAME_MAX + 1] = '\0';
	CHECK(!str_valid_name(s));
	for (c = 1; c < 256; c++) {
		int want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

		s[0] = 'x';
		s[1] = (char)c;
		s[2] = '\0';
		CHECK_INT_EQ(str_valid_name(s), want);
	}
}

/*
 * Decodes sanitised output (\\ and \xNN) into raw bytes.  Returns the
 * decoded length, or -1 if `s` holds anything a sanitiser must not emit.
 */
static long
unsanitize(const char *s, size_t slen, unsigned char *out)
{
	size_t i, o = 0;
	unsigned int x;

	for (i = 0; i < slen; i++) {
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f)
			return -1;
		if (s[i] != '\\') {
			out[o++] = (unsigned char)s[i];
			continue;
		}
		if (i + 1 < slen && s[i + 1] == '\\') {
			out[o++] = '\\';
			i++;
			continue;
		}
		if (i + 3 < slen && s[i + 1] == 'x' &&
		    sscanf(s + i + 2, "%2x", &x) == 1) {
			/* Only what needs escaping is escaped. */
			if (x >= ' ' && x < 0x7f)
				return -1;
			out[o++] = (unsigned char)x;
			i += 3;
			continue;
		}
		return -1;
	}
	return (long)o;
}

static void
test_sanitize_fixed(void)
{
	char out[64];

	CHECK_STR_EQ(str_sanitize("plain", 5, out, sizeof(out)), "plain");
	CHECK_STR_EQ(str_sanitize("", 0, out, sizeof(out)), "");
	CHECK_STR_EQ(str_sanitize("a\\b", 3, out, sizeof(out)), "a\\\\b");
	CHECK_STR_EQ(str_sanitize("\n\r\t", 3, out, sizeof(out)),
	    "\\x0a\\x0d\\x09");
	CHECK_STR_EQ(str_sanitize("\x1b[0m", 4, out, sizeof(out)),
	    "\\x1b[0m");
	CHECK_STR_EQ(str_sanitize("\x7f\x80\xff", 3, out, sizeof(out)),
	    "\\x7f\\x80\\xff");
	/* Embedded NUL: inlen counts, not strlen. */
	CHECK_STR_EQ(str_sanitize("a\0b", 3, out, sizeof(out)), "a\\x00b");
	CHECK(str_sanitize("x", 1, out, sizeof(out)) == out);
	/* Truncation. */
	CHECK_STR_EQ(str_sanitize("abcdefghij", 10, out, 8), "abcd...");
	CHECK_STR_EQ(str_sanitize("abcdefghij", 10, out, 4), "...");
	CHECK_STR_EQ(str_sanitize("a", 1, out, 5), "a");
	CHECK_STR_EQ(str_sanitize("\x01\x02", 2, out, 9), "\\x01...");
	/* An escape is never cut in half. */
	CHECK_STR_EQ(str_sanitize("ab\x01", 3, out, 8), "ab...");
	CHECK_STR_EQ(str_sanitize("ab\\", 3, out, 6), "ab...");
}

/* Random bytes, random sizes: never overflows, always printable. */
static void
test_sanitize_random(void)
{
	unsigned char in[200], dec[200];
	size_t it, i, inlen, outsz, olen;
	char *out;
	long dl;
	int bad;

	check_rand_init();
	for (it = 0; it < 20000; it++) {
		inlen = (size_t)check_rand_n(sizeof(in) + 1);
		for (i = 0; i < inlen; i++) {
			/* Bias towards the interesting bytes. */
			switch (check_rand_n(4)) {
			case 0: in[i] = '\\'; break;
			case 1: in[i] = (unsigned char)check_rand_n(32); break;
			default: in[i] = (unsigned char)check_rand();
			}
		}
		outsz = 4 + (size_t)check_rand_n(it % 2 ? 24 : 900);
		/* Exactly outsz bytes on the heap: ASan sees any overflow. */
		if ((out = malloc(outsz)) == NULL)
			break;
		memset(out, 'Z', outsz);
		str_sanitize(in, inlen, out, outsz);
		olen = strnlen(out, outsz);
		bad = 0;
		if (olen >= outsz)
			bad = 1;
		else if (olen >= 3 && memcmp(out + olen - 3, "...", 3) == 0 &&
		    (dl = unsanitize(out, olen - 3, dec)) >= 0 &&
		    (size_t)dl < inlen && memcmp(dec, in, (size_t)dl) == 0) {
			/* Truncated: a true prefix of the input. */
		} else if ((dl = unsanitize(out, olen, dec)) < 0 ||
		    (size_t)dl != inlen || memcmp(dec, in, inlen) != 0)
			bad = 1;
		if (bad) {
			CHECK(!bad);
			fprintf(stderr, "  iteration %zu, inlen %zu, outsz %zu\n",
			    it, inlen, outsz);
		}
		free(out);
	}
}

static void
test_reason(void)
{
	static const char *const want[RSN_LAST] = {
		"ok", "bad-code", "replay", "locked", "lockout-start",
		"unknown-user", "no-token", "token-pending", "bad-format",
		"unknown-system", "not-member", "directory-unavailable",
		"internal-error", "bad-request", "forbidden", "busy", "exists",
		"not-found", "no-role", "deny-rule", "outside-hours",
		"source-not-allowed", "revoked-in-review", "bad-password",
		"policy-error", "account-disabled", "account-expired",
		"deadline", "reply-lost", "too-many-attempts", "host-not-allowed", "no-server",
	};
	int i, j;

	for (i = 0; i < RSN_LAST; i++) {
		const char *s = reason_str((enum reason)i);

		CHECK(s != NULL);
		if (s == NULL)
			continue;
		/* The strings are stable: scripts match on them. */
		CHECK_STR_EQ(s, want[i]);
		CHECK_INT_EQ(reason_from_str(s), i);
		for (j = 0; j < i; j++)
			CHECK(strcmp(s, reason_str((enum reason)j)) != 0);
		/* Tokens that fit a log line and the protocol's REASON. */
		CHECK(strlen(s) > 0 && strlen(s) <= 64);
		CHECK(strspn(s, "abcdefghijklmnopqrstuvwxyz-") == strlen(s));
	}
	CHECK_STR_EQ(reason_str(RSN_LAST), "internal-error");
	CHECK_STR_EQ(reason_str((enum reason)-1), "internal-error");
	CHECK_STR_EQ(reason_str((enum reason)1000), "internal-error");
	CHECK_INT_EQ(reason_from_str("nope"), RSN_LAST);
	CHECK_INT_EQ(reason_from_str(""), RSN_LAST);
	CHECK_INT_EQ(reason_from_str("OK"), RSN_LAST);
	CHECK_INT_EQ(reason_from_str("ok "), RSN_LAST);
	CHECK_INT_EQ(reason_from_str(NULL), RSN_LAST);
}

static void
test_strerror(void)
{
	const char *s, *unknown = authd_strerror(1);
	int e, f;

	CHECK(unknown != NULL);
	CHECK_STR_EQ(authd_strerror(AUTHD_OK), "success");
	for (e = AUTHD_OK; e >= AUTHD_ERR_INVALID; e--) {
		s = authd_strerror(e);
		CHECK(s != NULL);
		if (s == NULL)
			continue;
		CHECK(*s != '\0');
		CHECK(strcmp(s, unknown) != 0);
		for (f = AUTHD_OK; f > e; f--)
			CHECK(strcmp(s, authd_strerror(f)) != 0);
	}
	CHECK_STR_EQ(authd_strerror(AUTHD_ERR_INVALID - 1), unknown);
	CHECK_STR_EQ(authd_strerror(INT_MIN), unknown);
	CHECK_STR_EQ(authd_strerror(INT_MAX), unknown);
}

static void
test_misc(void)
{
	int64_t a, b, w;
	char *p;

	a = mono_ms();
	b = mono_ms();
	CHECK(a > 0);
	CHECK(b >= a);
	w = wall_ms();
	CHECK(w > INT64_C(1600000000000));	/* after September 2020 */
	secure_free(NULL, 10);
	secure_free_str(NULL);
	if ((p = strdup("secret")) != NULL)
		secure_free_str(p);
	if ((p = malloc(32)) != NULL)
		secure_free(p, 32);
}

int
main(void)
{
	test_num_parse();
	test_num_random();
	test_valid_user();
	test_valid_name();
	test_sanitize_fixed();
	test_sanitize_random();
	test_reason();
	test_strerror();
	test_misc();
	return check_done("test_util");
}
