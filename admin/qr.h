/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHCTL_QR_H
#define AUTHCTL_QR_H

#include "buf.h"

/*
 * QR codes for a terminal, drawn with Unicode half blocks so that one text
 * row shows two module rows.  The text usually is an otpauth:// URI, i.e.
 * a TOTP seed: every intermediate copy this file makes is wiped.
 */

/* Modules of light margin around the symbol (ISO/IEC 18004 asks for 4). */
#define QR_QUIET_ZONE	4

enum qr_style {
	/*
	 * For light text on a dark background (the usual terminal): light
	 * modules and the quiet zone are drawn as blocks, dark modules are
	 * left as the dark background.
	 */
	QR_STYLE_DARK_TERMINAL = 0,
	/* For dark text on a light background: dark modules are blocks. */
	QR_STYLE_LIGHT_TERMINAL = 1,
};

/*
 * Encodes `text` (8-bit mode, case-sensitive, error correction level M,
 * smallest version that fits) and appends its drawing to `out`: one line
 * per two module rows, quiet zone included, each line ending in "\n".
 * If `width` is not NULL it receives the symbol's size in modules
 * (without the quiet zone).  Returns 0, AUTHD_ERR_TOO_LARGE (text does not
 * fit a QR code, or `out` is too small), AUTHD_ERR_INVALID or
 * AUTHD_ERR_NOMEM.  `out` may hold a partial drawing on error.
 */
int qr_render(const char *text, enum qr_style style, struct buf *out,
    int *width);

#endif
