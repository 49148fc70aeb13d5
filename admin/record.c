/* SPDX-License-Identifier: BSD-2-Clause */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "proto.h"
#include "record.h"

/* Room for a column title or a "key:" label. */
#define RECORD_WORD_MAX		32
/* Hex digits of the record hash shown in the table (its width). */
#define RECORD_HASH_SHORT	12

enum record_kind {
	RECORD_U64,	/* decimal number */
	RECORD_TIME,	/* ms since the epoch, shown as ISO 8601 UTC */
	RECORD_STR,	/* text from authd: escaped per format */
	RECORD_HASH,	/* text; the table shows only its first digits */
};

/*
 * The columns, in output order.  detail, the free text, stays last in
 * every form, so that a reader (or a grep anchored on commas) finds the
 * other fields where they always were; new columns go just before it.
 * `width` is the minimum table width; 0 leaves the column out of the
 * table; -1 marks the column that the table shows last, taking the rest
 * of the line.
 */
static const struct record_col {
	const char		*key;
	uint16_t		 tag;
	enum record_kind	 kind;
	int			 width;
} record_cols[] = {
	{ "seq",	PROTO_A_SEQ,		RECORD_U64,	6 },
	{ "time",	PROTO_A_TIME,		RECORD_TIME,	24 },
	{ "event",	PROTO_A_EVENT,		RECORD_STR,	14 },
	{ "decision",	PROTO_A_DECISION,	RECORD_STR,	8 },
	{ "reason",	PROTO_A_REASON,		RECORD_STR,	21 },
	{ "user",	PROTO_A_USER,		RECORD_STR,	12 },
	{ "system",	PROTO_A_SYSTEM,		RECORD_STR,	12 },
	{ "service",	PROTO_A_SERVICE,	RECORD_STR,	8 },
	{ "rhost",	PROTO_A_RHOST,		RECORD_STR,	15 },
	{ "tty",	PROTO_A_TTY,		RECORD_STR,	8 },
	{ "actor",	PROTO_A_ACTOR,		RECORD_STR,	24 },
	{ "reqid",	PROTO_A_REQID,		RECORD_U64,	0 },
	{ "node",	PROTO_A_NODE,		RECORD_STR,	0 },
	{ "policy",	PROTO_A_POLICY,		RECORD_STR,	0 },
	{ "role",	PROTO_A_ROLE,		RECORD_STR,	0 },
	{ "rule",	PROTO_A_RULE,		RECORD_STR,	0 },
	{ "factors",	PROTO_A_FACTORS,	RECORD_STR,	0 },
	{ "hash", PROTO_A_HASH, RECORD_HASH, RECORD_HASH_SHORT },
	{ "detail",	PROTO_A_DETAIL,		RECORD_STR,	-1 },
};
#define RECORD_NCOLS	(sizeof(record_cols) / sizeof(record_cols[0]))

int
record_format_parse(const char *s, enum record_format *out)
{
	if (strcmp(s, "table") == 0)
		*out = RECORD_TABLE;
	else if (strcmp(s, "jsonl") == 0)
		*out = RECORD_JSONL;
	else if (strcmp(s, "csv") == 0)
		*out = RECORD_CSV;
	else
		return -1;
	return 0;
}

/*
 * Formats the numeric column `c` of `m` into `out` as the table and CSV
 * show it.  Returns 0, or -1 when the record lacks it.
 */
static int
record_number(const struct record_col *c, const struct proto_msg *m,
    char *out, size_t outsz)
{
	uint64_t v;

	out[0] = '\0';
	if (proto_get_u64(m, c->tag, &v) != 0)
		return -1;
	/* A time past year 9999 is shown as the raw number. */
	if (c->kind == RECORD_TIME && fmt_time_iso(v, 1, out, outsz) == 0)
		return 0;
	snprintf(out, outsz, "%llu", (unsigned long long)v);
	return 0;
}

/*
 * The table in column order, except that the width -1 column comes last:
 * returns the i-th column the table shows, or NULL past the end.
 */
static const struct record_col *
record_table_col(size_t i)
{
	size_t k, n = 0;

	for (k = 0; k < RECORD_NCOLS; k++)
		if (record_cols[k].width > 0 && n++ == i)
			return &record_cols[k];
	for (k = 0; k < RECORD_NCOLS; k++)
		if (record_cols[k].width < 0 && n++ == i)
			return &record_cols[k];
	return NULL;
}

void
record_header(FILE *f, enum record_format format)
{
	const struct record_col *c;
	char title[RECORD_WORD_MAX];
	size_t i, j;

	switch (format) {
	case RECORD_JSONL:
		return;
	case RECORD_CSV:
		for (i = 0; i < RECORD_NCOLS; i++)
			fprintf(f, "%s%s", i > 0 ? "," : "",
			    record_cols[i].key);
		fputs("\r\n", f);
		return;
	case RECORD_TABLE:
		for (i = 0; (c = record_table_col(i)) != NULL; i++) {
			for (j = 0; c->key[j] != '\0' &&
			    j < sizeof(title) - 1; j++)
				title[j] = (char)toupper(
				    (unsigned char)c->key[j]);
			title[j] = '\0';
			fmt_table_cell(f, title, c->width, c->width < 0);
		}
		fputc('\n', f);
		return;
	}
}

static void
record_write_table(FILE *f, const struct proto_msg *m)
{
	char num[FMT_TIME_LEN], hash[RECORD_HASH_SHORT + 1];
	const struct record_col *c;
	const char *s;
	size_t i;

	for (i = 0; (c = record_table_col(i)) != NULL; i++) {
		if (c->kind == RECORD_U64 || c->kind == RECORD_TIME)
			s = record_number(c, m, num, sizeof(num)) == 0 ?
			    num : NULL;
		else if ((s = proto_str(m, c->tag, NULL)) != NULL &&
		    c->kind == RECORD_HASH) {
			snprintf(hash, sizeof(hash), "%s", s);
			s = hash;
		}
		fmt_table_cell(f, s, c->width, c->width < 0);
	}
	fputc('\n', f);
}

static void
record_write_json(FILE *f, const struct proto_msg *m)
{
	char iso[FMT_TIME_LEN];
	const struct record_col *c;
	const char *s, *sep = "";
	uint64_t v;
	size_t i;

	fputc('{', f);
	for (i = 0; i < RECORD_NCOLS; i++) {
		c = &record_cols[i];
		if (c->kind == RECORD_STR || c->kind == RECORD_HASH) {
			if (proto_get_str(m, c->tag, &s) != 0)
				continue;
			fprintf(f, "%s\"%s\":", sep, c->key);
			fmt_json_str(f, s, strlen(s));
		} else {
			if (proto_get_u64(m, c->tag, &v) != 0)
				continue;
			/* "time" when it has an ISO form; always "time_ms". */
			if (c->kind == RECORD_TIME &&
			    fmt_time_iso(v, 1, iso, sizeof(iso)) == 0) {
				fprintf(f, "%s\"%s\":\"%s\"", sep, c->key, iso);
				sep = ",";
			}
			fprintf(f, "%s\"%s%s\":%llu", sep, c->key,
			    c->kind == RECORD_TIME ? "_ms" : "",
			    (unsigned long long)v);
		}
		sep = ",";
	}
	fputs("}\n", f);
}

static void
record_write_csv(FILE *f, const struct proto_msg *m)
{
	char num[FMT_TIME_LEN];
	const struct record_col *c;
	const char *s;
	size_t i;

	for (i = 0; i < RECORD_NCOLS; i++) {
		c = &record_cols[i];
		if (i > 0)
			fputc(',', f);
		if (c->kind == RECORD_STR || c->kind == RECORD_HASH) {
			if (proto_get_str(m, c->tag, &s) == 0)
				fmt_csv_field(f, s, strlen(s));
		} else if (record_number(c, m, num, sizeof(num)) == 0)
			fputs(num, f);
	}
	fputs("\r\n", f);
}

void
record_write(FILE *f, enum record_format format, const struct proto_msg *m)
{
	switch (format) {
	case RECORD_TABLE:
		record_write_table(f, m);
		break;
	case RECORD_JSONL:
		record_write_json(f, m);
		break;
	case RECORD_CSV:
		record_write_csv(f, m);
		break;
	}
}

static const struct record_col *
record_find(const char *key)
{
	size_t i;

	for (i = 0; i < RECORD_NCOLS; i++)
		if (strcmp(record_cols[i].key, key) == 0)
			return &record_cols[i];
	return NULL;
}

void
record_write_fields(FILE *f, const struct proto_msg *m,
    const char *const *keys)
{
	char num[FMT_TIME_LEN], label[RECORD_WORD_MAX];
	const struct record_col *c;
	const char *s;
	size_t i;

	for (i = 0; keys != NULL ? keys[i] != NULL : i < RECORD_NCOLS; i++) {
		if ((c = keys != NULL ? record_find(keys[i]) :
		    &record_cols[i]) == NULL)
			continue;
		if (c->kind == RECORD_U64 || c->kind == RECORD_TIME)
			s = record_number(c, m, num, sizeof(num)) == 0 ?
			    num : NULL;
		else
			s = proto_str(m, c->tag, NULL);
		snprintf(label, sizeof(label), "%s:", c->key);
		fprintf(f, "%-10s", label);
		/* As the table's last column: sanitised, spaces kept. */
		fmt_table_cell(f, s, 0, 1);
		fputc('\n', f);
	}
}
