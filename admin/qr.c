/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <string.h>

#include <qrencode.h>

#include "authd_err.h"
#include "buf.h"
#include "qr.h"

/* UTF-8 for U+2580 UPPER HALF BLOCK, U+2584 LOWER, U+2588 FULL. */
#define QR_UPPER	"\xe2\x96\x80"
#define QR_LOWER	"\xe2\x96\x84"
#define QR_FULL		"\xe2\x96\x88"

/*
 * Wipes the module matrix before freeing it.  SECURITY NOTE: the matrix
 * is the seed in another encoding; a freed, unwiped copy would survive in
 * the heap (core dumps, later reads of reused memory).
 */
static void
qr_free(QRcode *qr)
{
	if (qr == NULL)
		return;
	if (qr->data != NULL && qr->width > 0)
		explicit_bzero(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
}

/*
 * Returns 1 if the cell at (x, y) of the symbol with its quiet zone (both
 * counted from the top-left corner of the margin) is drawn as ink in
 * `style`.  Cells past the margin are never ink: they are the terminal's
 * own background.
 */
static int
qr_ink(const QRcode *qr, enum qr_style style, int x, int y)
{
	int full = qr->width + 2 * QR_QUIET_ZONE, mx, my, dark;

	if (x < 0 || y < 0 || x >= full || y >= full)
		return 0;
	mx = x - QR_QUIET_ZONE;
	my = y - QR_QUIET_ZONE;
	dark = mx >= 0 && my >= 0 && mx < qr->width && my < qr->width &&
	    (qr->data[my * qr->width + mx] & 1) != 0;
	return style == QR_STYLE_LIGHT_TERMINAL ? dark : !dark;
}

int
qr_render(const char *text, enum qr_style style, struct buf *out, int *width)
{
	QRcode *qr = NULL;
	const char *glyph;
	int full, x, y, top, bottom, r;

	if (width != NULL)
		*width = 0;
	if (text == NULL || *text == '\0')
		return AUTHD_ERR_INVALID;
	errno = 0;
	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL) {
		if (errno == ERANGE)
			return AUTHD_ERR_TOO_LARGE;
		return errno == ENOMEM ? AUTHD_ERR_NOMEM : AUTHD_ERR_INVALID;
	}
	full = qr->width + 2 * QR_QUIET_ZONE;
	for (y = 0; y < full; y += 2) {
		for (x = 0; x < full; x++) {
			top = qr_ink(qr, style, x, y);
			bottom = qr_ink(qr, style, x, y + 1);
			if (top && bottom)
				glyph = QR_FULL;
			else if (top)
				glyph = QR_UPPER;
			else if (bottom)
				glyph = QR_LOWER;
			else
				glyph = " ";
			if ((r = buf_put(out, glyph, strlen(glyph))) != 0)
				goto out;
		}
		if ((r = buf_put_u8(out, '\n')) != 0)
			goto out;
	}
	if (width != NULL)
		*width = qr->width;
	r = 0;
 out:
	qr_free(qr);
	return r;
}
