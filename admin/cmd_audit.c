/* SPDX-License-Identifier: BSD-2-Clause */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "authctl.h"
#include "authd_err.h"
#include "fmt.h"
#include "proto.h"
#include "util.h"

/*
 * "authctl audit list": streams audit records from authd and writes them
 * as a table for people, or as JSON lines or CSV for other programs.
 */

#define AUDIT_LIMIT_DEFAULT	100
#define AUDIT_LIMIT_MAX		10000
/* Room for a column title or a number. */
#define AUDIT_WORD_MAX		32

enum audit_format {
	AUDIT_TABLE,
	AUDIT_JSONL,
	AUDIT_CSV,
};

enum audit_kind {
	AUDIT_U64,	/* decimal number */
	AUDIT_TIME,	/* ms since the epoch, shown as ISO 8601 UTC */
	AUDIT_STR,	/* text from authd: escaped per format */
};

/*
 * The columns, in output order.  `width` is the minimum table width;
 * 0 leaves the column out of the table; -1 marks the table's last column,
 * which takes the rest of the line.
 */
static const struct audit_col {
	const char	*key;
	uint16_t	 tag;
	enum audit_kind	 kind;
	int		 width;
} audit_cols[] = {
	{ "seq",	PROTO_A_SEQ,		AUDIT_U64,	6 },
	{ "time",	PROTO_A_TIME,		AUDIT_TIME,	24 },
	{ "event",	PROTO_A_EVENT,		AUDIT_STR,	14 },
	{ "decision",	PROTO_A_DECISION,	AUDIT_STR,	8 },
	{ "reason",	PROTO_A_REASON,		AUDIT_STR,	14 },
	{ "user",	PROTO_A_USER,		AUDIT_STR,	12 },
	{ "system",	PROTO_A_SYSTEM,		AUDIT_STR,	12 },
	{ "service",	PROTO_A_SERVICE,	AUDIT_STR,	8 },
	{ "rhost",	PROTO_A_RHOST,		AUDIT_STR,	15 },
	{ "tty",	PROTO_A_TTY,		AUDIT_STR,	8 },
	{ "actor",	PROTO_A_ACTOR,		AUDIT_STR,	20 },
	{ "reqid",	PROTO_A_REQID,		AUDIT_U64,	0 },
	{ "node",	PROTO_A_NODE,		AUDIT_STR,	0 },
	{ "detail",	PROTO_A_DETAIL,		AUDIT_STR,	-1 },
};
#define AUDIT_NCOLS	(sizeof(audit_cols) / sizeof(audit_cols[0]))

/* State of one listing, shared with the row callback. */
struct audit_out {
	FILE			*f;
	enum audit_format	 format;
	uint64_t		 limit;		/* rows asked for */
	uint64_t		 rows;		/* rows received */
	int			 header;	/* header written */
};

enum {
	OPT_USER = 256,
	OPT_SYSTEM,
	OPT_LIMIT,
	OPT_SINCE,
	OPT_FORMAT,
};

void
cmd_audit_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit list [--user USER] [--system SYSTEM]"
	    " [--limit N]\n"
	    "                          [--since SEQ] [--format"
	    " table|jsonl|csv]\n"
	    "\n"
	    "Shows the newest matching records of the audit log, oldest"
	    " first.\n"
	    "\n"
	    "  --user USER      only records about USER\n"
	    "  --system SYSTEM  only records about SYSTEM\n"
	    "  --limit N        the newest N records, 1..%d (default %d)\n"
	    "  --since SEQ      only records with sequence number SEQ or"
	    " higher\n"
	    "  --format FORMAT  table (default, for people), jsonl (one JSON"
	    " object\n"
	    "                   per line) or csv (RFC 4180, with a header)\n"
	    "  -h, --help       show this text\n",
	    AUDIT_LIMIT_MAX, AUDIT_LIMIT_DEFAULT);
}

/*
 * Formats the numeric column `c` of `m` into `out` as the table and CSV
 * show it.  Returns 0, or -1 when the row lacks it.
 */
static int
cmd_audit_number(const struct audit_col *c, const struct proto_msg *m,
    char *out, size_t outsz)
{
	uint64_t v;

	out[0] = '\0';
	if (proto_get_u64(m, c->tag, &v) != 0)
		return -1;
	/* A time past year 9999 is shown as the raw number. */
	if (c->kind == AUDIT_TIME && fmt_time_iso(v, 1, out, outsz) == 0)
		return 0;
	snprintf(out, outsz, "%llu", (unsigned long long)v);
	return 0;
}

static void
cmd_audit_header(struct audit_out *o)
{
	char title[AUDIT_WORD_MAX];
	size_t i, j;

	o->header = 1;
	if (o->format == AUDIT_JSONL)
		return;
	for (i = 0; i < AUDIT_NCOLS; i++) {
		const struct audit_col *c = &audit_cols[i];

		if (o->format == AUDIT_CSV) {
			fprintf(o->f, "%s%s", i > 0 ? "," : "", c->key);
			continue;
		}
		if (c->width == 0)
			continue;
		for (j = 0; c->key[j] != '\0' && j < sizeof(title) - 1; j++)
			title[j] = (char)toupper((unsigned char)c->key[j]);
		title[j] = '\0';
		fmt_table_cell(o->f, title, c->width, c->width < 0);
	}
	fputs(o->format == AUDIT_CSV ? "\r\n" : "\n", o->f);
}

static void
cmd_audit_row_table(FILE *f, const struct proto_msg *m)
{
	char num[FMT_TIME_LEN];
	const struct audit_col *c;
	const char *s;
	size_t i;

	for (i = 0; i < AUDIT_NCOLS; i++) {
		c = &audit_cols[i];
		if (c->width == 0)
			continue;
		if (c->kind == AUDIT_STR)
			s = proto_str(m, c->tag, NULL);
		else
			s = cmd_audit_number(c, m, num, sizeof(num)) == 0 ?
			    num : NULL;
		fmt_table_cell(f, s, c->width, c->width < 0);
	}
	fputc('\n', f);
}

static void
cmd_audit_row_json(FILE *f, const struct proto_msg *m)
{
	char iso[FMT_TIME_LEN];
	const struct audit_col *c;
	const char *s, *sep = "";
	uint64_t v;
	size_t i;

	fputc('{', f);
	for (i = 0; i < AUDIT_NCOLS; i++) {
		c = &audit_cols[i];
		if (c->kind == AUDIT_STR) {
			if (proto_get_str(m, c->tag, &s) != 0)
				continue;
			fprintf(f, "%s\"%s\":", sep, c->key);
			fmt_json_str(f, s, strlen(s));
		} else {
			if (proto_get_u64(m, c->tag, &v) != 0)
				continue;
			/* "time" when it has an ISO form; always "time_ms". */
			if (c->kind == AUDIT_TIME &&
			    fmt_time_iso(v, 1, iso, sizeof(iso)) == 0) {
				fprintf(f, "%s\"%s\":\"%s\"", sep, c->key, iso);
				sep = ",";
			}
			fprintf(f, "%s\"%s%s\":%llu", sep, c->key,
			    c->kind == AUDIT_TIME ? "_ms" : "",
			    (unsigned long long)v);
		}
		sep = ",";
	}
	fputs("}\n", f);
}

static void
cmd_audit_row_csv(FILE *f, const struct proto_msg *m)
{
	char num[FMT_TIME_LEN];
	const struct audit_col *c;
	const char *s;
	size_t i;

	for (i = 0; i < AUDIT_NCOLS; i++) {
		c = &audit_cols[i];
		if (i > 0)
			fputc(',', f);
		if (c->kind == AUDIT_STR) {
			if (proto_get_str(m, c->tag, &s) == 0)
				fmt_csv_field(f, s, strlen(s));
		} else if (cmd_audit_number(c, m, num, sizeof(num)) == 0)
			fputs(num, f);
	}
	fputs("\r\n", f);
}

/* Row callback for client_call: bounds, then writes one record. */
static int
cmd_audit_row(const struct proto_msg *m, void *arg)
{
	struct audit_out *o = arg;

	/* SECURITY NOTE: a daemon sending more than asked cannot flood us. */
	if (++o->rows > o->limit) {
		fprintf(stderr, "authctl: audit list: protocol error: more "
		    "records than the limit of %llu\n",
		    (unsigned long long)o->limit);
		return AUTHD_ERR_TOO_MANY;
	}
	if (!o->header)
		cmd_audit_header(o);
	switch (o->format) {
	case AUDIT_TABLE:
		cmd_audit_row_table(o->f, m);
		break;
	case AUDIT_JSONL:
		cmd_audit_row_json(o->f, m);
		break;
	case AUDIT_CSV:
		cmd_audit_row_csv(o->f, m);
		break;
	}
	/* Stop early when the output is gone (full disk, closed pipe). */
	if (ferror(o->f)) {
		fprintf(stderr, "authctl: audit list: cannot write the "
		    "output: %s\n", strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	return 0;
}

static int
cmd_audit_list(const struct authctl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format",	required_argument,	NULL,	OPT_FORMAT },
		{ "help",	no_argument,		NULL,	'h' },
		{ "limit",	required_argument,	NULL,	OPT_LIMIT },
		{ "since",	required_argument,	NULL,	OPT_SINCE },
		{ "system",	required_argument,	NULL,	OPT_SYSTEM },
		{ "user",	required_argument,	NULL,	OPT_USER },
		{ NULL,		0,			NULL,	0 },
	};
	const char *label = "audit list", *user = NULL, *sys = NULL, *err;
	struct audit_out o = { stdout, AUDIT_TABLE, AUDIT_LIMIT_DEFAULT, 0, 0 };
	struct proto_msg *req = NULL, *reply = NULL;
	long long limit = AUDIT_LIMIT_DEFAULT, since = -1;
	int ch, r, ret;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_FORMAT:
			if (strcmp(optarg, "table") == 0)
				o.format = AUDIT_TABLE;
			else if (strcmp(optarg, "jsonl") == 0)
				o.format = AUDIT_JSONL;
			else if (strcmp(optarg, "csv") == 0)
				o.format = AUDIT_CSV;
			else
				return client_usage_error(label, "--format: "
				    "expected table, jsonl or csv, not",
				    optarg);
			break;
		case OPT_LIMIT:
			if (num_parse(optarg, 1, AUDIT_LIMIT_MAX, &limit,
			    &err) != 0) {
				fprintf(stderr, "authctl: %s: --limit: must be "
				    "1..%d: %s\n", label, AUDIT_LIMIT_MAX, err);
				return AUTHCTL_EXIT_FAIL;
			}
			break;
		case OPT_SINCE:
			if (num_parse(optarg, 0, INT64_MAX, &since,
			    &err) != 0) {
				fprintf(stderr, "authctl: %s: --since: must be "
				    "a sequence number: %s\n", label, err);
				return AUTHCTL_EXIT_FAIL;
			}
			break;
		case OPT_SYSTEM:
			sys = optarg;
			break;
		case OPT_USER:
			user = optarg;
			break;
		case 'h':
			cmd_audit_usage(stdout);
			return AUTHCTL_EXIT_OK;
		default:
			client_bad_option(label, argv, ch);
			cmd_audit_usage(stderr);
			return AUTHCTL_EXIT_FAIL;
		}
	}
	if (optind != argc) {
		client_usage_error(label, "unexpected argument", argv[optind]);
		cmd_audit_usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	if (user != NULL && !str_valid_user(user))
		return client_usage_error(label, "--user: invalid user name",
		    user);
	if (sys != NULL && !str_valid_name(sys))
		return client_usage_error(label, "--system: invalid system "
		    "name", sys);
	o.limit = (uint64_t)limit;

	if ((ret = client_new_request(PROTO_T_AUDIT_LIST, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, PROTO_A_USER, user)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_SYSTEM, sys)) != 0 ||
	    (r = proto_add_u64(req, PROTO_A_LIMIT, o.limit)) != 0 ||
	    (since >= 0 &&
	    (r = proto_add_u64(req, PROTO_A_SINCE, (uint64_t)since)) != 0)) {
		fprintf(stderr, "authctl: %s: %s\n", label, authd_strerror(r));
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	if ((ret = client_call(ctx, label, req, cmd_audit_row, &o,
	    &reply)) != AUTHCTL_EXIT_OK)
		goto out;
	/* An empty listing still gets its header. */
	if (!o.header)
		cmd_audit_header(&o);
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

int
cmd_audit(const struct authctl *ctx, int argc, char **argv)
{
	if (argc < 2) {
		client_usage_error("audit", "expected a subcommand", NULL);
		cmd_audit_usage(stderr);
		return AUTHCTL_EXIT_FAIL;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cmd_audit_usage(stdout);
		return AUTHCTL_EXIT_OK;
	}
	if (strcmp(argv[1], "list") == 0)
		return cmd_audit_list(ctx, argc - 1, argv + 1);
	client_usage_error("audit", "unknown subcommand", argv[1]);
	cmd_audit_usage(stderr);
	return AUTHCTL_EXIT_FAIL;
}
