/* SPDX-License-Identifier: BSD-2-Clause */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "authctl.h"
#include "authd_err.h"
#include "fmt.h"
#include "proto.h"
#include "util.h"

/*
 * "authctl access": who can use a system (list), and which systems a
 * user can reach (user), as authd's policy and directory say now: the
 * role, the group path that grants it and its conditions.  Rows are
 * written as they arrive, as a table for people, or CSV or one JSON array
 * for other programs, with the same columns in every form.
 */

/* Rows of one listing: every user of a large system fits well below. */
#define ACCESS_ROWS_MAX		1000000
/* Room for an upper-case column title. */
#define ACCESS_WORD_MAX		32

enum {
	OPT_FORMAT = 256,
};

enum access_format {
	ACCESS_TABLE,	/* aligned columns, sanitised */
	ACCESS_CSV,	/* RFC 4180 with a header line, CRLF line ends */
	ACCESS_JSON,	/* one JSON array of objects, one object a line */
};

/*
 * A column, in CSV and JSON order: its key (CSV header, JSON member), the
 * ROW tag it shows, whether a row must have it, its place in the table
 * and its minimum table width (0 for the table's last column, which keeps
 * its spaces).
 */
struct access_col {
	const char	*key;
	uint16_t	 tag;
	int		 required;
	int		 place;
	int		 width;
};

/*
 * In the table, the short values come first, so that they stay in line,
 * and the path (groups within groups, "cn=a,... > cn=b,..."), the longest
 * and most varied value, comes last.
 */
static const struct access_col access_list_cols[] = {
	{ "user",	PROTO_A_USER,	1,	0,	16 },
	{ "role",	PROTO_A_ROLE,	1,	1,	16 },
	{ "path",	PROTO_A_PATH,	0,	5,	0 },
	{ "conditions",	PROTO_A_DETAIL,	0,	4,	24 },
	{ "token",	PROTO_A_STATE,	0,	3,	7 },
	{ "account",	PROTO_A_ACCOUNT_REASON, 0, 2,	16 },
	{ NULL,		0,		0,	0,	0 },
};

static const struct access_col access_user_cols[] = {
	{ "system",	PROTO_A_SYSTEM,	1,	0,	16 },
	{ "role",	PROTO_A_ROLE,	1,	1,	16 },
	{ "path",	PROTO_A_PATH,	0,	4,	0 },
	{ "conditions",	PROTO_A_DETAIL,	0,	3,	24 },
	{ "account",	PROTO_A_ACCOUNT_REASON, 0, 2,	16 },
	{ NULL,		0,		0,	0,	0 },
};

/* State of one listing, shared with the row callback. */
struct access_out {
	const char		*label;
	FILE			*f;
	enum access_format	 format;
	const struct access_col	*cols;
	uint64_t		 rows;
	int			 header;	/* header written */
};

static void
access_list_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl access list SYSTEM [--format table|csv|json]\n"
	    "\n"
	    "Lists everyone who holds a role on SYSTEM under the current"
	    " policy and\n"
	    "directory: user, role, path (the group path that grants the"
	    " role),\n"
	    "conditions (when= / from=, if any, and \"denied-by=NAME\""
	    " when a\n"
	    "deny rule shuts the user out anyway), token (the state of"
	    " the user's\n"
	    "TOTP token: active, pending or none) and account (ok,"
	    " account-disabled,\n"
	    "account-expired, or unknown-user for a group member the"
	    " directory\n"
	    "does not resolve: a stale membership).\n"
	    "\n"
	    "  --format FORMAT  table (default, for people; the path comes"
	    " last),\n"
	    "                   csv (RFC 4180, with a header) or json (one"
	    " array of\n"
	    "                   objects; a value that is absent is left out)\n"
	    "  -h, --help       show this text\n"
	    "\n"
	    "Exit status: 0 listed; 1 authd refused (e.g. unknown-system); 2"
	    " usage,\n"
	    "connection or protocol error, and the listing is then"
	    " incomplete.\n");
}

static void
access_user_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl access user USER [--format table|csv|json]\n"
	    "\n"
	    "Lists the systems USER can reach under the current policy and"
	    " directory:\n"
	    "system, role, path (the group path that grants the role) and"
	    " conditions\n"
	    "(when= / from=, if any, and \"denied-by=NAME\" when a deny"
	    " rule shuts\n"
	    "the user out anyway).\n"
	    "\n"
	    "  --format FORMAT  table (default, for people; the path comes"
	    " last),\n"
	    "                   csv (RFC 4180, with a header) or json (one"
	    " array of\n"
	    "                   objects; a value that is absent is left out)\n"
	    "  -h, --help       show this text\n"
	    "\n"
	    "Exit status: 0 listed; 1 authd refused (e.g. unknown-user); 2"
	    " usage,\n"
	    "connection or protocol error, and the listing is then"
	    " incomplete.\n");
}

void
cmd_access_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl access list SYSTEM [--format table|csv|json]\n"
	    "       authctl access user USER [--format table|csv|json]\n"
	    "\n"
	    "  list  who has access to SYSTEM, by which role and group path\n"
	    "  user  which systems USER can reach, by which role\n"
	    "\n"
	    "Run 'authctl access SUBCOMMAND --help' for its options.\n");
}

/* Returns the table's i-th column, or NULL past the end. */
static const struct access_col *
access_table_col(const struct access_col *cols, size_t i)
{
	size_t k;

	for (k = 0; cols[k].key != NULL; k++)
		if (cols[k].place == (int)i)
			return &cols[k];
	return NULL;
}

static void
access_header(struct access_out *o)
{
	const struct access_col *c;
	char title[ACCESS_WORD_MAX];
	size_t i, j;

	o->header = 1;
	switch (o->format) {
	case ACCESS_TABLE:
		for (i = 0; (c = access_table_col(o->cols, i)) != NULL; i++) {
			for (j = 0; c->key[j] != '\0' &&
			    j < sizeof(title) - 1; j++)
				title[j] = (char)toupper(
				    (unsigned char)c->key[j]);
			title[j] = '\0';
			fmt_table_cell(o->f, title, c->width, c->width == 0);
		}
		fputc('\n', o->f);
		break;
	case ACCESS_CSV:
		for (i = 0; o->cols[i].key != NULL; i++)
			fprintf(o->f, "%s%s", i > 0 ? "," : "",
			    o->cols[i].key);
		fputs("\r\n", o->f);
		break;
	case ACCESS_JSON:
		fputc('[', o->f);
		break;
	}
}

static void
access_write(struct access_out *o, const struct proto_msg *m)
{
	const struct access_col *c;
	const char *s, *sep = "";
	size_t i;

	switch (o->format) {
	case ACCESS_TABLE:
		for (i = 0; (c = access_table_col(o->cols, i)) != NULL; i++)
			fmt_table_cell(o->f, proto_str(m, c->tag, NULL),
			    c->width, c->width == 0);
		fputc('\n', o->f);
		break;
	case ACCESS_CSV:
		for (i = 0; o->cols[i].key != NULL; i++) {
			if (i > 0)
				fputc(',', o->f);
			if (proto_get_str(m, o->cols[i].tag, &s) == 0)
				fmt_csv_field(o->f, s, strlen(s));
		}
		fputs("\r\n", o->f);
		break;
	case ACCESS_JSON:
		fputs(o->rows > 1 ? ",\n{" : "\n{", o->f);
		for (i = 0; o->cols[i].key != NULL; i++) {
			if (proto_get_str(m, o->cols[i].tag, &s) != 0)
				continue;
			fprintf(o->f, "%s\"%s\":", sep, o->cols[i].key);
			fmt_json_str(o->f, s, strlen(s));
			sep = ",";
		}
		fputc('}', o->f);
		break;
	}
}

/* Ends the listing: what a JSON array needs after its last row. */
static void
access_trailer(struct access_out *o)
{
	if (!o->header)
		access_header(o);
	if (o->format == ACCESS_JSON)
		fputs(o->rows > 0 ? "\n]\n" : "]\n", o->f);
}

/* Row callback for client_call: checks one row and writes it. */
static int
access_row(const struct proto_msg *m, void *arg)
{
	struct access_out *o = arg;
	const char *s;
	size_t i;

	if (m->type != PROTO_T_ROW) {
		fprintf(stderr, "authctl: %s: protocol error: unexpected %s "
		    "frame\n", o->label, proto_type_name(m->type));
		return AUTHD_ERR_BAD_TYPE;
	}
	/* SECURITY NOTE: a daemon sending rows without end cannot flood us. */
	if (o->rows >= ACCESS_ROWS_MAX) {
		fprintf(stderr, "authctl: %s: protocol error: more than %d "
		    "rows\n", o->label, ACCESS_ROWS_MAX);
		return AUTHD_ERR_TOO_MANY;
	}
	for (i = 0; o->cols[i].key != NULL; i++)
		if (o->cols[i].required && (proto_get_str(m, o->cols[i].tag,
		    &s) != 0 || *s == '\0')) {
			fprintf(stderr, "authctl: %s: protocol error: row "
			    "without a %s\n", o->label, o->cols[i].key);
			return AUTHD_ERR_MISSING;
		}
	o->rows++;
	if (!o->header)
		access_header(o);
	access_write(o, m);
	/* Stop early when the output is gone (full disk, closed pipe). */
	if (ferror(o->f)) {
		fprintf(stderr, "authctl: %s: cannot write the output: %s\n",
		    o->label, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	return 0;
}

static const struct option access_opts[] = {
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ NULL,		0,			NULL,	0 },
};

/*
 * The options and the one operand (`what`) of a subcommand.  Returns
 * CMD_GO to go on with the request (*arg set), or the exit status to
 * return.
 */
static int
access_args(const struct cmd *c, int argc, char **argv, const char *what,
    enum access_format *format, const char **arg)
{
	char msg[64];
	int ch, ret;

	*arg = NULL;
	/* --format, the one option. */
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		if (strcmp(optarg, "table") == 0)
			*format = ACCESS_TABLE;
		else if (strcmp(optarg, "csv") == 0)
			*format = ACCESS_CSV;
		else if (strcmp(optarg, "json") == 0)
			*format = ACCESS_JSON;
		else
			return client_usage_error(c->label, "--format: "
			    "expected table, csv or json, not", optarg);
	}
	snprintf(msg, sizeof(msg), "expected a %s", what);
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 1, 1, msg)) != CMD_GO)
		return ret;
	*arg = argv[optind];
	return CMD_GO;
}

/*
 * Sends one access request of `type` with `tag` = `value` and writes the
 * rows of the answer as `o` says.  Returns an exit status.
 */
static int
access_call(const struct authctl *ctx, struct access_out *o, uint8_t type,
    uint16_t tag, const char *value)
{
	struct proto_msg *req = NULL, *reply = NULL;
	uint64_t count;
	int r, ret;

	if ((ret = client_new_request(type, &req)) != AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, tag, value)) != 0) {
		fprintf(stderr, "authctl: %s: %s\n", o->label,
		    authd_strerror(r));
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	if ((ret = client_call(ctx, o->label, req, access_row, o, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	/*
	 * A COUNT that disagrees means rows were lost: no closing bracket,
	 * so that a JSON reader notices too.
	 */
	if (proto_get_u64(reply, PROTO_A_COUNT, &count) == 0 &&
	    count != o->rows) {
		fprintf(stderr, "authctl: %s: protocol error: %llu rows, but "
		    "authd counted %llu\n", o->label,
		    (unsigned long long)o->rows, (unsigned long long)count);
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	access_trailer(o);
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

static int
cmd_access_list(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct access_out o = { c->label, stdout, ACCESS_TABLE,
	    access_list_cols, 0, 0 };
	const char *sys;
	int ret;

	if ((ret = access_args(c, argc, argv, "system", &o.format, &sys)) >=
	    0)
		return ret;
	if (!str_valid_name(sys))
		return client_usage_error(o.label, "invalid system name", sys);
	return access_call(ctx, &o, PROTO_T_ACCESS_LIST, PROTO_A_SYSTEM, sys);
}

static int
cmd_access_user(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct access_out o = { c->label, stdout, ACCESS_TABLE,
	    access_user_cols, 0, 0 };
	const char *user;
	int ret;

	if ((ret = access_args(c, argc, argv, "user", &o.format, &user)) >=
	    0)
		return ret;
	if (!str_valid_user(user))
		return client_usage_error(o.label, "invalid user name", user);
	return access_call(ctx, &o, PROTO_T_ACCESS_USER, PROTO_A_USER, user);
}

const struct cmd cmd_access_subs[] = {
	{ "list", "access list", access_list_usage, cmd_access_list,
	    access_opts, NULL, NULL },
	{ "user", "access user", access_user_usage, cmd_access_user,
	    access_opts, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};
