/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHCTL_RECORD_H
#define AUTHCTL_RECORD_H

#include <stdio.h>

#include "proto.h"

/*
 * Audit records (AUDIT_ROW messages from authd) as authctl writes them:
 * a table for people, JSON lines or CSV for other programs, and
 * "key: value" lines for one record.  The columns, their names and their
 * order are the same in every form (docs/audit.md); text from authd is
 * escaped by the fmt.h encoder of each form, never written raw.  Writers
 * leave write errors in ferror(f).
 */

enum record_format {
	RECORD_TABLE,	/* aligned columns, sanitised, short hash */
	RECORD_JSONL,	/* one JSON object per line */
	RECORD_CSV,	/* RFC 4180 with a header line, CRLF line ends */
};

/*
 * Parses a --format value ("table", "jsonl", "csv") into *out.  Returns 0,
 * or -1 for anything else.
 */
int record_format_parse(const char *s, enum record_format *out);

/* Writes the header line of `format` (nothing for RECORD_JSONL). */
void record_header(FILE *f, enum record_format format);

/* Writes one record as one line (a CSV line may hold quoted newlines). */
void record_write(FILE *f, enum record_format format,
    const struct proto_msg *m);

/*
 * Writes every column of one record as a "key: value" line, values
 * sanitised as in the table and "-" for an absent value.  `keys`, if not
 * NULL, is a NULL-terminated list of the keys to write, in that order.
 */
void record_write_fields(FILE *f, const struct proto_msg *m,
    const char *const *keys);

#endif
