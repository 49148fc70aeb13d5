/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_REPORT_H
#define AUTHD_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

/*
 * One access review as authd's answer to review-show describes it: the
 * items (one ROW each) and the campaign (the RESULT), kept whole so that
 * they can be written as a table for people, or as the evidence for the
 * board in CSV, JSON or one self-contained HTML page (docs/reviews.md).
 * Text from authd is kept as sent and escaped by the fmt.h encoder of
 * each form when it is written.
 */

/* Items of one campaign: authd snapshots at most this many. */
#define REPORT_ITEMS_MAX	100000

enum report_format {
	REPORT_TABLE,	/* "key: value" lines, then a table; sanitised */
	REPORT_CSV,	/* RFC 4180, a header, one line per item */
	REPORT_JSON,	/* one object {"campaign": {...}, "items": [...]} */
	REPORT_HTML,	/* one page, inline CSS, printable on A4 */
};

struct report_item {
	char		*user;
	char		*role;
	char		*path;		/* the group path; NULL if none */
	char		*token;		/* token state */
	char		*account;	/* "ok", "account-disabled", ...;
					   NULL from an older authd */
	char		*recommend;	/* "keep", "revoke (no login ...)" */
	char		*decision;	/* "keep", "revoke"; NULL undecided */
	char		*actor;		/* who decided; NULL undecided */
	char		*comment;	/* NULL if none */
	char		*remediation;	/* NULL if none */
	uint64_t	 last_login;	/* ms since the epoch, 0 = never */
	uint64_t	 decided_at;	/* ms since the epoch, 0 undecided */
	int		 inactive;	/* no login within the limit */
	int		 needs_admin;	/* the security function decides */
	int		 by_default;	/* decided by the close's default */
};

struct report {
	/* The campaign. */
	uint64_t		 id;
	char			*system;
	char			*description;	/* NULL if none */
	char			*owner;
	char			*classification;
	char			*policy;	/* policy version at start */
	char			*state;		/* open, overdue, closed */
	uint64_t		 started;	/* ms since the epoch */
	char			*started_by;
	uint64_t		 due;		/* ms since the epoch */
	uint64_t		 closed;	/* ms since the epoch, 0 open */
	char			*closed_by;	/* NULL while open */
	char			*deflt;		/* close's default, or NULL */
	uint64_t		 head_seq;	/* chain head at close, or 0 */
	char			*head_hash;	/* its hash, NULL while open */
	/* The items, in authd's order (user, then role). */
	struct report_item	*items;
	size_t			 n;
	size_t			 cap;
};

/* What was decided, counted over the items. */
struct report_summary {
	size_t	kept;
	size_t	revoked;
	size_t	kept_default;		/* of kept: by the close's default */
	size_t	revoked_default;	/* of revoked: by the close's default */
	size_t	undecided;
	size_t	admin;			/* for the security function */
};

/* Empties `r` for use; report_free releases what it then holds. */
void report_init(struct report *r);
/* Frees everything `r` holds and empties it; accepts NULL. */
void report_free(struct report *r);

/*
 * Adds the item a ROW of kind "item" describes.  Returns 0, or
 * AUTHD_ERR_MISSING / AUTHD_ERR_BAD_VALUE (a row authd would not send),
 * AUTHD_ERR_TOO_MANY (more than REPORT_ITEMS_MAX) or AUTHD_ERR_NOMEM,
 * with a static description in *why.
 */
int report_add_item(struct report *r, const struct proto_msg *m,
    const char **why);

/*
 * Takes the campaign from the RESULT of review-show, after the items, and
 * checks it against them (COUNT, DECIDED).  Returns 0, or an error as
 * report_add_item does.
 */
int report_set_campaign(struct report *r, const struct proto_msg *m,
    const char **why);

/* Counts the decisions of `r` into *s. */
void report_summarize(const struct report *r, struct report_summary *s);

/*
 * Writes `r` (complete: items and campaign) to `f` in `format`.  `now`
 * (ms since the epoch) is the time the HTML page says it was made.  Write
 * errors are left in ferror(f).
 */
void report_write(FILE *f, enum report_format format,
    const struct report *r, int64_t now);

/*
 * Formats a due time for people into `out` (at least 32 bytes): a due
 * time at 00:00:00.000 UTC is the end of the day before, "YYYY-MM-DD"
 * (the form `--due YYYY-MM-DD` gives); any other as
 * "YYYY-MM-DDTHH:MM:SSZ".  Returns `out` ("-" for a time past 9999).
 */
const char *report_due_text(uint64_t due, char *out, size_t outsz);

#endif
