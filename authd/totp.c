/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "authd_err.h"
#include "totp.h"
#include "util.h"

int
totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : AUTHD_ERR_INTERNAL;
}

void
totp_done(void)
{
	oath_done();
}

int
totp_new_seed(uint8_t seed[TOTP_SEED_LEN])
{
	return RAND_bytes(seed, TOTP_SEED_LEN) == 1 ? 0 : AUTHD_ERR_CRYPTO;
}

/* Appends `s` percent-encoded (RFC 3986 unreserved kept) to `out`. */
static size_t
pct(char *out, size_t o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

int
totp_uri(const char *issuer, const char *user, const uint8_t *seed,
    size_t len, char **out)
{
	char *b32 = NULL, *u = NULL;
	size_t b32len = 0, max, o = 0;
	int r = AUTHD_ERR_NOMEM;

	*out = NULL;
	if (oath_base32_encode((const char *)seed, len, &b32, &b32len) !=
	    OATH_OK)
		return AUTHD_ERR_INTERNAL;
	/* Strip '=' padding: apps do not want it. */
	while (b32len > 0 && b32[b32len - 1] == '=')
		b32[--b32len] = '\0';
	max = 3 * (2 * strlen(issuer) + strlen(user)) + b32len + 128;
	if ((u = malloc(max)) == NULL)
		goto out;
	o = (size_t)snprintf(u, max, "otpauth://totp/");
	o = pct(u, o, issuer);
	u[o++] = ':';
	o = pct(u, o, user);
	o += (size_t)snprintf(u + o, max - o, "?secret=%s&issuer=", b32);
	o = pct(u, o, issuer);
	snprintf(u + o, max - o, "&algorithm=SHA1&digits=%d&period=%d",
	    TOTP_DIGITS, TOTP_STEP);
	*out = u;
	r = 0;
 out:
	secure_free(b32, b32len);
	return r;
}

int
totp_code_wellformed(const char *code, unsigned digits)
{
	size_t i;

	for (i = 0; code[i] != '\0'; i++)
		if (i >= digits || code[i] < '0' || code[i] > '9')
			return 0;
	return i == digits;
}

/* liboath comparison callback: 0 when equal, in constant time. */
static int
cmp_otp(void *handle, const char *candidate)
{
	const char *code = handle;
	size_t n = strlen(candidate);

	if (strlen(code) != n)
		return 1;
	return CRYPTO_memcmp(code, candidate, n) != 0;
}

int
totp_match(const uint8_t *seed, size_t len, time_t now, unsigned digits,
    unsigned stepsecs, unsigned window, const char *code, int64_t *step)
{
	uint64_t counter = 0;
	int pos = 0, rc;

	*step = -1;
	if (!totp_code_wellformed(code, digits))
		return AUTHD_ERR_NOT_FOUND;
	rc = oath_totp_validate3_callback((const char *)seed, len, now,
	    stepsecs, 0, digits, window, &pos, &counter, cmp_otp,
	    (void *)(uintptr_t)code);
	if (rc < 0)
		return AUTHD_ERR_NOT_FOUND;
	*step = (int64_t)counter;
	return 0;
}

int
totp_generate(const uint8_t *seed, size_t len, time_t now, unsigned digits,
    unsigned stepsecs, char *out)
{
	return oath_totp_generate((const char *)seed, len, now, stepsecs, 0,
	    digits, out) == OATH_OK ? 0 : AUTHD_ERR_INTERNAL;
}
