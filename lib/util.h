/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_UTIL_H
#define AUTHD_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Longest user name accepted anywhere (bytes). */
#define AUTHD_USER_MAX		64
/* Longest system or PAM service name. */
#define AUTHD_NAME_MAX		64

/* Wipes `len` bytes at `p` and frees it; accepts NULL. */
void secure_free(void *p, size_t len);
/* Wipes and frees a NUL-terminated string; accepts NULL. */
void secure_free_str(char *s);

/*
 * Parses a decimal integer in [min, max] from the whole of `s` (no sign
 * other than a leading '-', no spaces, no trailing bytes).  Returns 0 and
 * sets *out, or AUTHD_ERR_INVALID / AUTHD_ERR_TOO_LARGE; *errstr (if not
 * NULL) gets a static description.
 */
int num_parse(const char *s, long long min, long long max, long long *out,
    const char **errstr);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t mono_ms(void);
/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t wall_ms(void);

/*
 * Returns 1 if `s` is an acceptable user name: 1..AUTHD_USER_MAX bytes of
 * printable ASCII, no space, '/', ':', '\\', '*', '(' or ')', not starting
 * with '-'.  These are the characters that are safe in an LDAP filter after
 * escaping, a path, a log line and an otpauth label.
 */
int str_valid_user(const char *s);
/* Same idea for system and service names: [A-Za-z0-9._-], 1..AUTHD_NAME_MAX. */
int str_valid_name(const char *s);

/*
 * Copies `in` (`inlen` bytes, may contain anything) to `out` as printable
 * ASCII, escaping everything else as \xNN and backslash as \\, truncating
 * with "..." to fit `outsz` (which must be >= 4).  For text from outside
 * that reaches a log line or a terminal.  Returns `out`.
 */
char *str_sanitize(const void *in, size_t inlen, char *out, size_t outsz);

/*
 * Says that the calling thread is about to wait (for a socket, the
 * directory, a commit).  A thread that holds work others could do in the
 * meantime registers, with will_block_hook, what hands it on; elsewhere
 * it does nothing.  The hook is per thread.
 */
void will_block(void);
void will_block_hook(void (*fn)(void *), void *arg);

#endif
