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

/* Reads exactly `n` decimal digits at `s` into *out. */
static int
fmt_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* 9999-12-31T23:59:59Z, the last second fmt_time_iso can show. */
#define FMT_SEC_MAX	253402300799LL
/* Longest zoned form: "YYYY-MM-DDTHH:MM:SS+HH:MM". */
#define FMT_ZONED_LEN_MAX	25

/*
 * Turns a civil UTC date and time into seconds since the epoch.  Returns
 * 0, or -1 with a static description in *why: a field out of range, or a
 * day the month does not have.
 */
static int
fmt_civil_sec(int y, int mo, int d, int h, int mi, int se, long long *sec,
    const char **why)
{
	struct tm tm, back;
	time_t t;

	*sec = 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 59) {
		*why = "no such date or time";
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	/* timegm() normalises 02-30 to 03-02: a round trip catches that. */
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
	    back.tm_mday != d || back.tm_mon != mo - 1) {
		*why = "no such date";
		return -1;
	}
	*sec = (long long)t;
	return 0;
}

/* "@SECONDS", 0..FMT_SEC_MAX, into milliseconds. */
static int
fmt_epoch_parse(const char *s, int64_t *ms, const char **why)
{
	long long sec;

	if (num_parse(s + 1, 0, FMT_SEC_MAX, &sec, NULL) != 0) {
		*why = "@SECONDS must be 0..253402300799";
		return -1;
	}
	*ms = (int64_t)sec * 1000;
	return 0;
}

int
fmt_time_parse(const char *s, int64_t *ms, const char **errstr)
{
	const char *why = "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
	    "@SECONDS";
	size_t len = strlen(s);
	long long sec;
	int y, mo, d, h = 0, mi = 0, se = 0;

	*ms = 0;
	if (s[0] == '@') {
		if (fmt_epoch_parse(s, ms, &why) != 0)
			goto bad;
		return 0;
	}
	if (len != 10 && len != 20)
		goto bad;
	if (fmt_digits(s, 4, &y) != 0 || s[4] != '-' ||
	    fmt_digits(s + 5, 2, &mo) != 0 || s[7] != '-' ||
	    fmt_digits(s + 8, 2, &d) != 0)
		goto bad;
	if (len == 20 && (s[10] != 'T' || fmt_digits(s + 11, 2, &h) != 0 ||
	    s[13] != ':' || fmt_digits(s + 14, 2, &mi) != 0 || s[16] != ':' ||
	    fmt_digits(s + 17, 2, &se) != 0 || s[19] != 'Z'))
		goto bad;
	if (fmt_civil_sec(y, mo, d, h, mi, se, &sec, &why) != 0)
		goto bad;
	*ms = (int64_t)sec * 1000;
	return 0;
 bad:
	if (errstr != NULL)
		*errstr = why;
	return AUTHD_ERR_INVALID;
}

int
fmt_time_parse_zoned(const char *s, int64_t *ms, const char **errstr)
{
	const char *why = "expected YYYY-MM-DDTHH:MM[:SS] with Z or +HH:MM, "
	    "or @SECONDS";
	const char *p;
	long long sec;
	size_t len;
	int y, mo, d, h, mi, se = 0, oh = 0, om = 0, sign = 0;

	*ms = 0;
	if (s[0] == '@') {
		if (fmt_epoch_parse(s, ms, &why) != 0)
			goto bad;
		return 0;
	}
	/* Every form is short: no need to look further than this. */
	if ((len = strnlen(s, FMT_ZONED_LEN_MAX + 1)) < 17 ||
	    len > FMT_ZONED_LEN_MAX)
		goto bad;
	if (fmt_digits(s, 4, &y) != 0 || s[4] != '-' ||
	    fmt_digits(s + 5, 2, &mo) != 0 || s[7] != '-' ||
	    fmt_digits(s + 8, 2, &d) != 0 || s[10] != 'T' ||
	    fmt_digits(s + 11, 2, &h) != 0 || s[13] != ':' ||
	    fmt_digits(s + 14, 2, &mi) != 0)
		goto bad;
	p = s + 16;
	if (p[0] == ':') {
		if (fmt_digits(p + 1, 2, &se) != 0)
			goto bad;
		p += 3;
	}
	if (p[0] == 'Z' && p[1] == '\0')
		;
	else if ((p[0] == '+' || p[0] == '-') &&
	    fmt_digits(p + 1, 2, &oh) == 0 && p[3] == ':' &&
	    fmt_digits(p + 4, 2, &om) == 0 && p[6] == '\0')
		sign = p[0] == '+' ? 1 : -1;
	else {
		why = "expected Z or +HH:MM / -HH:MM after the time (the zone "
		    "is required)";
		goto bad;
	}
	if (oh > 23 || om > 59) {
		why = "no such date, time or offset";
		goto bad;
	}
	if (fmt_civil_sec(y, mo, d, h, mi, se, &sec, &why) != 0)
		goto bad;
	/* Local time = UTC + offset, so UTC = local time - offset. */
	sec -= sign * (oh * 3600LL + om * 60LL);
	if (sec < 0 || sec > FMT_SEC_MAX) {
		why = "the time must be 1970-01-01T00:00Z.."
		    "9999-12-31T23:59:59Z";
		goto bad;
	}
	*ms = (int64_t)sec * 1000;
	return 0;
 bad:
	if (errstr != NULL)
		*errstr = why;
	return AUTHD_ERR_INVALID;
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
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, j, n;
	uint32_t cp;
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
	 * quote makes it text.  A value that starts with a quote gets one
	 * too, so that the guard can always be told from the value.
	 */
	if (s[0] != '\0' && strchr("=+-@\t\r'", s[0]) != NULL)
		fputc('\'', f);
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			fputc(p[i], f);
			fputc(p[i], f);
			i++;
		} else if (p[i] == '\n' || p[i] == '\r' ||
		    (p[i] >= 0x20 && p[i] < 0x7f)) {
			fputc(p[i], f);
			i++;
		} else if ((n = fmt_utf8_decode(p + i, len - i, &cp)) == 0 ||
		    cp < 0x80) {
			/*
			 * SECURITY NOTE: no raw control, DEL or broken UTF-8
			 * (terminal escapes, viewers that reject the file).
			 */
			fprintf(f, "\\x%02x", p[i]);
			i++;
		} else if (fmt_json_must_escape(cp)) {
			for (j = 0; j < n; j++)
				fprintf(f, "\\x%02x", p[i + j]);
			i += n;
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
		}
	}
	if (quote)
		fputc('"', f);
}

void
fmt_html_text(FILE *f, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, j, n;
	uint32_t cp;

	if (s == NULL)
		return;
	while (i < len) {
		switch (p[i]) {
		/* SECURITY NOTE: markup in a name or comment (injection). */
		case '&':
			fputs("&amp;", f);
			i++;
			continue;
		case '<':
			fputs("&lt;", f);
			i++;
			continue;
		case '>':
			fputs("&gt;", f);
			i++;
			continue;
		case '"':
			fputs("&quot;", f);
			i++;
			continue;
		case '\'':
			fputs("&#39;", f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", f);
			i++;
			continue;
		}
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			fputc(p[i], f);
			i++;
		} else if ((n = fmt_utf8_decode(p + i, len - i, &cp)) == 0 ||
		    cp < 0x80) {
			/* Controls, DEL, bytes that are not UTF-8: visible. */
			fprintf(f, "\\x%02x", p[i]);
			i++;
		} else if (fmt_json_must_escape(cp)) {
			/* SECURITY NOTE: no text shown out of its order. */
			for (j = 0; j < n; j++)
				fprintf(f, "\\x%02x", p[i + j]);
			i += n;
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
		}
	}
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
