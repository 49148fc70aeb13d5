/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>
#include <time.h>

#include "authd_err.h"
#include "fmt.h"
#include "util.h"

/* The longest string attribute authd sends (PROTO_A_DETAIL), sanitised. */
#define FMT_CELL_MAX	(4 * 2048 + 8)

int
fmt_time_iso(uint64_t ms, int with_ms, char *out, size_t outsz)
{
	/* 9999-12-31T23:59:59Z: keeps the fixed four-digit year. */
	const uint64_t max_sec = 253402300799ULL;
	struct tm tm;
	time_t t;
	int n;

	if (outsz > 0)
		out[0] = '\0';
	if (outsz < FMT_TIME_LEN || ms / 1000 > max_sec)
		return AUTHD_ERR_INVALID;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return AUTHD_ERR_INVALID;
	if (with_ms)
		n = snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
	else
		n = snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= outsz) {
		out[0] = '\0';
		return AUTHD_ERR_INVALID;
	}
	return 0;
}

size_t
fmt_utf8_decode(const uint8_t *p, size_t len, uint32_t *cp)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n, i;
	uint32_t c;

	*cp = 0;
	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	/*
	 * The second byte's range depends on the first: this is what rules
	 * out overlong forms (E0, F0), UTF-16 surrogates (ED) and code points
	 * past U+10FFFF (F4) without decoding first.
	 */
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;	/* continuation byte, C0, C1 or F5..FF */
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return n;
}

/*
 * Code points that are valid but must not reach a terminal or a JSON
 * consumer raw: C1 controls (some terminals act on them), the JavaScript
 * line separators, and the bidirectional controls that make text display
 * in a different order than it is stored.
 */
static int
fmt_json_must_escape(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||
	    cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0xfeff;
}

void
fmt_json_str(FILE *f, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, n;
	uint32_t cp;

	fputc('"', f);
	while (i < len) {
		if (p[i] < 0x80) {
			switch (p[i]) {
			case '"':
				fputs("\\\"", f);
				break;
			case '\\':
				fputs("\\\\", f);
				break;
			case '\n':
				fputs("\\n", f);
				break;
			case '\t':
				fputs("\\t", f);
				break;
			case '\r':
				fputs("\\r", f);
				break;
			case '\b':
				fputs("\\b", f);
				break;
			case '\f':
				fputs("\\f", f);
				break;
			default:
				/*
				 * SECURITY NOTE: no raw ESC or other control
				 * (terminal escape injection).
				 */
				if (p[i] < 0x20 || p[i] == 0x7f)
					fprintf(f, "\\u%04x", p[i]);
				else
					fputc(p[i], f);
			}
			i++;
			continue;
		}
		if ((n = fmt_utf8_decode(p + i, len - i, &cp)) == 0) {
			/* Not UTF-8: keep the byte's value, as valid JSON. */
			fprintf(f, "\\u%04x", p[i]);
			i++;
		} else if (fmt_json_must_escape(cp)) {
			fprintf(f, "\\u%04x", (unsigned)cp);
			i += n;
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
		}
	}
	fputc('"', f);
}

void
fmt_csv_field(FILE *f, const char *s, size_t len)
{
	size_t i;
	int quote;

	if (s == NULL || len == 0)
		return;
	quote = memchr(s, ',', len) != NULL || memchr(s, '"', len) != NULL ||
	    memchr(s, '\r', len) != NULL || memchr(s, '\n', len) != NULL;
	if (quote)
		fputc('"', f);
	/*
	 * SECURITY NOTE: a spreadsheet runs a cell starting with one of these
	 * as a formula (CSV injection, e.g. =HYPERLINK or DDE); a leading
	 * quote makes it text.
	 */
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		fputc('\'', f);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	if (quote)
		fputc('"', f);
}

void
fmt_table_cell(FILE *f, const char *s, int width, int last)
{
	char cell[FMT_CELL_MAX];
	int n = 0;
	size_t i;

	if (s == NULL || *s == '\0')
		s = "-";
	else {
		/* SECURITY NOTE: text from authd reaches a terminal. */
		str_sanitize(s, strlen(s), cell, sizeof(cell));
		s = cell;
	}
	for (i = 0; s[i] != '\0'; i++, n++) {
		/* Keeps one cell one whitespace-separated word. */
		if (s[i] == ' ' && !last) {
			fputs("\\x20", f);
			n += 3;
		} else
			fputc(s[i], f);
	}
	if (last)
		return;
	for (; n < width; n++)
		fputc(' ', f);
	fputc(' ', f);
}
