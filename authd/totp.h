/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_TOTP_H
#define AUTHD_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* RFC 6238 as authenticator apps expect it: HMAC-SHA1, 6 digits, 30 s. */
#define TOTP_SEED_LEN	20	/* 160 bits, RFC 4226 recommendation */
#define TOTP_DIGITS	6
#define TOTP_STEP	30

/* Initialises liboath; call once before threads start.  0 or error. */
int totp_init(void);
void totp_done(void);

/* Fills `seed` with TOTP_SEED_LEN bytes from OpenSSL's CSPRNG. */
int totp_new_seed(uint8_t seed[TOTP_SEED_LEN]);

/*
 * Builds the otpauth:// URI for `user` at `issuer` (label and parameters
 * percent-encoded) into a new string *out; the caller frees it with
 * secure_free_str since it holds the seed.
 */
int totp_uri(const char *issuer, const char *user, const uint8_t *seed,
    size_t len, char **out);

/* Returns 1 if `code` is exactly `digits` ASCII digits. */
int totp_code_wellformed(const char *code, unsigned digits);

/*
 * Looks for `code` among the time steps now-window .. now+window (digits
 * and step as given; constant-time comparison of each candidate).  Returns
 * 0 and the matching step (T = floor(now / step)) in *step, or
 * AUTHD_ERR_NOT_FOUND.
 */
int totp_match(const uint8_t *seed, size_t len, time_t now, unsigned digits,
    unsigned stepsecs, unsigned window, const char *code, int64_t *step);

/* Generates the code for time `now` into `out` (digits + 1 bytes). */
int totp_generate(const uint8_t *seed, size_t len, time_t now,
    unsigned digits, unsigned stepsecs, char *out);

#endif
