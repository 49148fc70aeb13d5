/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * totp.c: RFC 6238 Appendix B (SHA1), the window and the matched step,
 * constant-format checks, and the otpauth URI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "totp.h"
#include "util.h"

static int failures;

#define CHECK(e) do { if (!(e)) { printf("FAIL %s:%d: %s\n", __FILE__, \
	__LINE__, #e); failures++; } } while (0)

int
main(void)
{
	static const struct { long long t; const char *code; } rfc[] = {
		{ 59, "94287082" }, { 1111111109, "07081804" },
		{ 1111111111, "14050471" }, { 1234567890, "89005924" },
		{ 2000000000, "69279037" }, { 20000000000LL, "65353130" },
	};
	const uint8_t *key = (const uint8_t *)"12345678901234567890";
	uint8_t seed[TOTP_SEED_LEN], seed2[TOTP_SEED_LEN];
	char out[16], *uri = NULL;
	int64_t step;
	size_t i;
	int k;

	CHECK(totp_init() == 0);
	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		CHECK(totp_generate(key, 20, (time_t)rfc[i].t, 8, 30, out) == 0);
		CHECK(strcmp(out, rfc[i].code) == 0);
		/* The verifier finds the vector at its own step, window 0. */
		CHECK(totp_match(key, 20, (time_t)rfc[i].t, 8, 30, 0,
		    rfc[i].code, &step) == 0);
		CHECK(step == rfc[i].t / 30);
	}
	/* Window: previous and next steps match with window 1, not 0. */
	CHECK(totp_generate(key, 20, 1111111109 - 30, 6, 30, out) == 0);
	CHECK(totp_match(key, 20, 1111111109, 6, 30, 0, out, &step) ==
	    AUTHD_ERR_NOT_FOUND);
	CHECK(totp_match(key, 20, 1111111109, 6, 30, 1, out, &step) == 0);
	CHECK(step == 1111111109 / 30 - 1);
	CHECK(totp_generate(key, 20, 1111111109 + 30, 6, 30, out) == 0);
	CHECK(totp_match(key, 20, 1111111109, 6, 30, 1, out, &step) == 0);
	CHECK(step == 1111111109 / 30 + 1);
	CHECK(totp_generate(key, 20, 1111111109 + 60, 6, 30, out) == 0);
	CHECK(totp_match(key, 20, 1111111109, 6, 30, 1, out, &step) ==
	    AUTHD_ERR_NOT_FOUND);
	CHECK(totp_match(key, 20, 1111111109, 6, 30, 2, out, &step) == 0);

	/* Malformed codes never match. */
	CHECK(!totp_code_wellformed("", 6));
	CHECK(!totp_code_wellformed("12345", 6));
	CHECK(!totp_code_wellformed("1234567", 6));
	CHECK(!totp_code_wellformed("12345a", 6));
	CHECK(!totp_code_wellformed(" 12345", 6));
	CHECK(totp_code_wellformed("012345", 6));
	CHECK(totp_match(key, 20, 59, 6, 30, 1, "", &step) ==
	    AUTHD_ERR_NOT_FOUND && step == -1);

	/* Seeds are 160 bits and differ. */
	CHECK(totp_new_seed(seed) == 0 && totp_new_seed(seed2) == 0);
	CHECK(memcmp(seed, seed2, sizeof(seed)) != 0);

	/* The URI apps read. */
	CHECK(totp_uri("Exempel kommun", "anna", key, 20, &uri) == 0);
	CHECK(uri != NULL && strcmp(uri, "otpauth://totp/Exempel%20kommun:"
	    "anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Exempel%20"
	    "kommun&algorithm=SHA1&digits=6&period=30") == 0);
	if (uri)
		printf("uri: %s\n", uri);
	secure_free_str(uri);
	CHECK(totp_uri("a&b=c", "x@y.se", key, 20, &uri) == 0);
	CHECK(uri != NULL && strstr(uri, "totp/a%26b%3Dc:x%40y.se?") != NULL);
	secure_free_str(uri);

	/* Small random loop: a generated code always verifies at its step. */
	srandom(42);
	for (k = 0; k < 500; k++) {
		time_t t = (time_t)(random() % 4000000000LL);

		CHECK(totp_new_seed(seed) == 0);
		CHECK(totp_generate(seed, sizeof(seed), t, 6, 30, out) == 0);
		CHECK(totp_match(seed, sizeof(seed), t, 6, 30, 1, out,
		    &step) == 0 && step == t / 30);
	}
	totp_done();
	printf("%s\n", failures ? "FAILED" : "all passed");
	return failures ? 1 : 0;
}
