/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authd_err.h"
#include "util.h"

static __thread void (*block_fn)(void *);
static __thread void *block_arg;

void
will_block(void)
{
	if (block_fn != NULL)
		block_fn(block_arg);
}

void
will_block_hook(void (*fn)(void *), void *arg)
{
	block_fn = fn;
	block_arg = arg;
}

void
secure_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void
secure_free_str(char *s)
{
	if (s == NULL)
		return;
	secure_free(s, strlen(s));
}

int
num_parse(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	const char *e = NULL;
	char *end;
	long long v;

	*out = 0;
	if (s == NULL || *s == '\0' || !(*s == '-' || (*s >= '0' && *s <= '9')))
		e = "not a number";
	else {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (*end != '\0')
			e = "not a number";
		else if (errno == ERANGE)
			e = v == LLONG_MIN ? "too small" : "too large";
		else if (v < min || v > max)
			e = v < min ? "too small" : "too large";
		else
			*out = v;
	}
	if (errstr != NULL)
		*errstr = e;
	if (e == NULL)
		return 0;
	return strcmp(e, "not a number") == 0 ? AUTHD_ERR_INVALID :
	    AUTHD_ERR_TOO_LARGE;
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int64_t
wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int
str_valid_user(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= AUTHD_USER_MAX || c <= ' ' || c >= 0x7f ||
		    strchr("/:\\*()", c) != NULL)
			return 0;
	}
	return 1;
}

int
str_valid_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= AUTHD_NAME_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

char *
str_sanitize(const void *in, size_t inlen, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t i, o = 0;

	for (i = 0; i < inlen; i++) {
		unsigned char c = p[i];
		size_t need = (c == '\\') ? 2 : (c < ' ' || c >= 0x7f) ? 4 : 1;

		if (o + need + 4 > outsz) {	/* room for "..." and NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (need == 4) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}
