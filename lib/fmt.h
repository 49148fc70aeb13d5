/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_FMT_H
#define AUTHD_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Output encodings for text that authd sends back (audit records, states):
 * ISO 8601 times, JSON strings, RFC 4180 CSV fields and sanitised table
 * cells.  Writers leave write errors in ferror(f) for the caller to check
 * once at the end.
 */

/* Enough for "YYYY-MM-DDTHH:MM:SS.mmmZ" and its NUL. */
#define FMT_TIME_LEN	32

/*
 * Formats `ms` (milliseconds since the epoch, UTC) as
 * "2026-11-24T01:02:03.456Z", or without the ".456" when `with_ms` is 0,
 * into `out` (at least FMT_TIME_LEN bytes).  Returns 0, or
 * AUTHD_ERR_INVALID (out is "") when the year would not be 0000..9999.
 */
int fmt_time_iso(uint64_t ms, int with_ms, char *out, size_t outsz);

/*
 * Parses a time given on the command line, in UTC: "YYYY-MM-DD" (that
 * day's midnight), "YYYY-MM-DDTHH:MM:SSZ" or "@SECONDS" (since the epoch).
 * The whole string must match; years are 1970..9999 and the date must
 * exist.  Returns 0 and the time in milliseconds since the epoch in *ms,
 * or AUTHD_ERR_INVALID (*ms is 0) with a static description in *errstr
 * (if not NULL).
 */
int fmt_time_parse(const char *s, int64_t *ms, const char **errstr);

/*
 * Parses an instant written with its zone, so that one string names one
 * instant wherever authctl runs: "YYYY-MM-DDTHH:MM[:SS]" followed by "Z"
 * or "+HH:MM" / "-HH:MM", or "@SECONDS" (since the epoch).  The whole
 * string must match; the instant must lie in 1970-01-01T00:00:00Z..
 * 9999-12-31T23:59:59Z and the date must exist.  Returns 0 and the time
 * in milliseconds since the epoch in *ms, or AUTHD_ERR_INVALID (*ms is 0)
 * with a static description in *errstr (if not NULL).
 */
int fmt_time_parse_zoned(const char *s, int64_t *ms, const char **errstr);

/*
 * Returns the length (1..4) of the well-formed UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF) at the start
 * of the `len` bytes at `p`, storing its code point in *cp; or 0 when the
 * bytes there are not one, or len is 0.
 */
size_t fmt_utf8_decode(const uint8_t *p, size_t len, uint32_t *cp);

/*
 * Writes `len` bytes at `s` as a JSON string, quotes included.  '"', '\\'
 * and the usual control characters get their short escapes; other C0 and
 * C1 controls, DEL, U+2028/U+2029 and bidirectional-override characters
 * are written as \uXXXX; a byte that is not part of well-formed UTF-8 is
 * written as \u00XX (its value read as Latin-1).  Everything else is
 * copied, so the output is valid UTF-8 and printable.
 */
void fmt_json_str(FILE *f, const char *s, size_t len);

/*
 * Writes `len` bytes at `s` as one RFC 4180 field: quoted when it holds a
 * comma, quote, CR or LF, with quotes doubled.  A value starting with '=',
 * '+', '-', '@', TAB, CR or a single quote gets a single quote in front,
 * as a spreadsheet expects before text that is not a formula.  LF and CR
 * are kept (inside the quotes); a backslash is written as "\\"; every
 * other byte that fmt_json_str would escape (controls, DEL, bytes that are
 * not well-formed UTF-8, and each byte of the code points it escapes) is
 * written as \xNN.  So the field is printable UTF-8, and the value comes
 * back exactly by dropping one leading single quote, if any, and undoing
 * the two escapes.  NULL writes an empty field.
 */
void fmt_csv_field(FILE *f, const char *s, size_t len);

/*
 * Writes `len` bytes at `s` as HTML text, safe both between tags and
 * inside a quoted attribute value: '&', '<', '>', '"' and '\'' become
 * character references.  What fmt_csv_field writes as \xNN (controls,
 * DEL, bytes that are not well-formed UTF-8, C1 controls, bidirectional
 * and line-separator code points) is written as the visible text \xNN,
 * and a backslash as "\\", as in a table cell; well-formed UTF-8 text
 * (Örjan) is copied.  NULL writes nothing.
 */
void fmt_html_text(FILE *f, const char *s, size_t len);

/*
 * Writes `s` as one cell of a whitespace-separated table: sanitised with
 * str_sanitize (non-printable bytes as \xNN, '\\' as "\\\\"), spaces as
 * \x20 unless `last`, "-" for NULL or "".  Unless `last`, the cell is
 * padded with spaces to `width` columns and followed by one space.
 */
void fmt_table_cell(FILE *f, const char *s, int width, int last);

#endif
