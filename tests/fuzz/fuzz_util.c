/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the small parsers and filters in lib/util.c and
 * lib/reason.c that see outside text: num_parse (config numbers, authctl
 * arguments), str_valid_user / str_valid_name and str_sanitize.  The first
 * bytes of the input choose the bounds and the output size.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "reason.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long long
take_ll(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && *n > 0; i++, (*p)++, (*n)--)
		v = v << 8 | **p;
	return (long long)v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long lo, hi, v, v2;
	const char *e;
	char *s, *out, buf[32];
	size_t outsz, olen, i;
	int r;

	if (size < 17)
		return 0;
	lo = take_ll(&data, &size);
	hi = take_ll(&data, &size);
	outsz = 4 + data[0];
	data++;
	size--;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	/* num_parse: success means in bounds and the same number. */
	r = num_parse(s, lo, hi, &v, &e);
	if (r == 0) {
		if (e != NULL || v < lo || v > hi)
			abort();
		snprintf(buf, sizeof(buf), "%lld", v);
		if (num_parse(buf, v, v, &v2, NULL) != 0 || v2 != v)
			abort();
		/* Only digits after an optional '-'. */
		for (i = (s[0] == '-'); s[i] != '\0'; i++)
			if (s[i] < '0' || s[i] > '9')
				abort();
	} else if ((r != AUTHD_ERR_INVALID && r != AUTHD_ERR_TOO_LARGE) ||
	    e == NULL || v != 0)
		abort();

	/* Validators: a valid name is never something a sanitiser changes. */
	if (str_valid_user(s) || str_valid_name(s)) {
		if (strlen(s) > AUTHD_USER_MAX || s[0] == '-')
			abort();
		for (i = 0; s[i] != '\0'; i++)
			if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '\\' ||
			    s[i] == '/')
				abort();
	}
	if (str_valid_name(s) && !str_valid_user(s))
		abort();
	(void)reason_from_str(s);

	/* str_sanitize on the raw bytes, NULs included, into outsz bytes. */
	if ((out = malloc(outsz)) == NULL) {
		free(s);
		return 0;
	}
	if (str_sanitize(data, size, out, outsz) != out)
		abort();
	olen = strnlen(out, outsz);
	if (olen >= outsz)
		abort();
	for (i = 0; i < olen; i++)
		if (out[i] < ' ' || out[i] >= 0x7f)
			abort();
	free(out);
	free(s);
	return 0;
}
