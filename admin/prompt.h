/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHCTL_PROMPT_H
#define AUTHCTL_PROMPT_H

#include <stddef.h>

/*
 * Secrets typed by the person at the terminal: a directory password and
 * a verification code, read with echo off and kept only in the caller's
 * buffers.  Any command of authctl may ask for them.
 */

#define PROMPT_PASSWORD_MAX	256	/* bytes (PROTO_A_PASSWORD) */
#define PROMPT_CODE_MIN		6	/* digits of a TOTP code */
#define PROMPT_CODE_MAX		8

/*
 * Prompts with `prompt` and reads one line of at most `max` bytes into
 * `buf` (max + 2 bytes; a CR before the LF dropped): from the terminal
 * `tty` with echo off, or from standard input when `tty` is -1.  The
 * terminal is restored on every path, a signal included, which is then
 * delivered as it would have been (a stop and continue asks again).
 * Returns AUTHCTL_EXIT_OK, or AUTHCTL_EXIT_FAIL after printing
 * "authctl: LABEL: ..." naming the `what` that could not be read, with
 * `buf` wiped.
 */
int prompt_line(const char *label, int tty, const char *prompt, char *buf,
    size_t max, const char *what);

/*
 * Reads the directory password of `user` and a verification code, in
 * that order: from the terminal (/dev/tty) with echo off, else two lines
 * of standard input (cron, tests).  `pw` holds PROMPT_PASSWORD_MAX + 2
 * bytes, `code` PROMPT_CODE_MAX + 2.  Returns AUTHCTL_EXIT_OK with both
 * NUL-terminated, the password not empty and the code 6 to 8 digits; or
 * AUTHCTL_EXIT_FAIL after printing why (never the code itself), with
 * both wiped.  The caller wipes them once used.
 */
int prompt_credentials(const char *label, const char *user, char *pw,
    char *code);

#endif
