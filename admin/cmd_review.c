/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authctl.h"
#include "authd_err.h"
#include "fmt.h"
#include "prompt.h"
#include "proto.h"
#include "report.h"
#include "util.h"

/*
 * "authctl review" and "authctl revocation": access review campaigns
 * (docs/reviews.md).  Every request goes to authd's review socket, which
 * any local user may reach; authd decides who may do what, from the
 * peer's credentials or from a directory password and TOTP code that
 * --as USER reads from the terminal (prompt.c).  authctl checks every
 * argument before it asks for a secret or connects, and checks what
 * comes back before it writes anything.
 */

/* Rows of a listing: every campaign of years of quarters fits below. */
#define REVIEW_ROWS_MAX		100000
/* A comment: one line of text, as authd takes it. */
#define REVIEW_COMMENT_MAX	1000
/* MESSAGE (1024 bytes) sanitised. */
#define REVIEW_TEXT_MAX		(4 * 1024 + 8)
#define REVIEW_DAY_MS		INT64_C(86400000)
/* 9999-12-31T23:59:59Z, the last instant authctl shows. */
#define REVIEW_MS_MAX		INT64_C(253402300799000)
/* A report file is readable by its group: the auditors. */
#define REVIEW_REPORT_MODE	0640

enum {
	OPT_ALL = 256,
	OPT_AS,
	OPT_COMMENT,
	OPT_DEFAULT,
	OPT_DUE,
	OPT_FORCE,
	OPT_FORMAT,
	OPT_OPEN,
	OPT_OVERDUE,
	OPT_REVIEW_SOCKET,
	OPT_ROLE,
};

/* The options every review and revocation subcommand takes. */
#define REVIEW_COMMON_OPTS						\
	{ "as",		required_argument,	NULL,	OPT_AS },	\
	{ "help",	no_argument,		NULL,	'h' },		\
	{ "review-socket", required_argument,	NULL,	OPT_REVIEW_SOCKET }

/* One subcommand's run: its label, its socket, who it speaks as. */
struct rv {
	const char	*label;
	struct authctl	 ctl;		/* sock_path: the review socket */
	const char	*as;		/* --as USER, or NULL */
};

/* Columns of a listing (review list, revocation list). */
enum rv_kind {
	RV_STR,		/* text from authd */
	RV_NUM,		/* a number */
	RV_TIME,	/* ms since the epoch; 0 = none; a day in the table */
	RV_DUE,		/* a due time (report_due_text in the table) */
};

/*
 * A column, in CSV and JSON order: its key, its table title, the ROW tag
 * it shows, what kind of value that is, its place in the table and its
 * minimum table width (0 for the table's last column).
 */
struct rv_col {
	const char	*key;		/* CSV header, JSON member */
	const char	*title;		/* table header */
	uint16_t	 tag;
	enum rv_kind	 kind;
	int		 place;
	int		 width;
};

/*
 * In the table, the due time comes last: a day ("2026-12-31") or, when
 * authd chose it, an instant, which would push the columns after it.
 */
static const struct rv_col rv_review_cols[] = {
	{ "id",		"ID",		PROTO_A_REVIEW,	RV_NUM,	0,	5 },
	{ "system",	"SYSTEM",	PROTO_A_SYSTEM,	RV_STR,	1,	16 },
	{ "owner",	"OWNER",	PROTO_A_OWNER,	RV_STR,	2,	12 },
	{ "state",	"STATE",	PROTO_A_STATE,	RV_STR,	3,	8 },
	{ "started",	"STARTED",	PROTO_A_TIME,	RV_TIME, 4,	10 },
	{ "due",	"DUE",		PROTO_A_DUE,	RV_DUE,	8,	0 },
	{ "closed",	"CLOSED",	PROTO_A_CLOSED,	RV_TIME, 5,	10 },
	{ "items",	"ITEMS",	PROTO_A_COUNT,	RV_NUM,	6,	5 },
	{ "decided",	"DECIDED",	PROTO_A_DECIDED, RV_NUM, 7,	7 },
	{ NULL,		NULL,		0,		RV_STR,	0,	0 },
};

static const struct rv_col rv_revocation_cols[] = {
	{ "system",	"SYSTEM",	PROTO_A_SYSTEM,	RV_STR,	0,	16 },
	{ "user",	"USER",		PROTO_A_USER,	RV_STR,	1,	16 },
	{ "role",	"ROLE",		PROTO_A_ROLE,	RV_STR,	2,	16 },
	{ "review",	"REVIEW",	PROTO_A_REVIEW,	RV_NUM,	3,	6 },
	{ "revoked",	"REVOKED",	PROTO_A_TIME,	RV_TIME, 4,	10 },
	{ "by",		"BY",		PROTO_A_ACTOR,	RV_STR,	5,	0 },
	{ NULL,		NULL,		0,		RV_STR,	0,	0 },
};

/* State of one listing, shared with the row callback. */
struct rv_list {
	const char		*label;
	const char		*kind;		/* KIND every row must have */
	const struct rv_col	*cols;
	enum report_format	 format;	/* TABLE, CSV or JSON */
	uint64_t		 rows;
	int			 header;	/* header written */
};

/* ---- usage ---- */

static void
rv_common_usage(FILE *f)
{
	fprintf(f,
	    "  --as USER             prove who you are as directory user"
	    " USER: the\n"
	    "                        password and the verification code are"
	    " read from\n"
	    "                        the terminal (else two lines of standard"
	    " input);\n"
	    "                        without it authd knows you by your local"
	    " account\n"
	    "  --review-socket PATH  authd's review socket (default: the"
	    " global option,\n"
	    "                        else $%s, else\n"
	    "                        %s)\n"
	    "  -h, --help            show this text\n",
	    AUTHCTL_REVIEW_SOCKET_ENV, AUTHCTL_REVIEW_SOCKET_DEFAULT);
}

static void
rv_exit_usage(FILE *f, const char *ok)
{
	fprintf(f,
	    "\n"
	    "Exit status: 0 %s; 1 authd refused (the reason and its message"
	    " are\n"
	    "printed); 2 usage, input, connection or protocol error.\n", ok);
}

static void
rv_start_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl review start SYSTEM [--due DATE] [OPTIONS]\n"
	    "       authctl review start --all [--due DATE] [OPTIONS]\n"
	    "\n"
	    "Starts an access review of SYSTEM, or of every system in the"
	    " policy:\n"
	    "authd takes a snapshot of who holds which role, and the system"
	    " owner\n"
	    "decides each item.  For the security function (root or"
	    " admin_group).\n"
	    "Prints one line per review started:\n"
	    "  review ID started: system SYSTEM, owner OWNER, N items, due"
	    " DUE\n"
	    "\n"
	    "  --all                 every system in the policy\n"
	    "  --due DATE            YYYY-MM-DD: due at the end of that day"
	    " (00:00 UTC\n"
	    "                        of the day after); or an instant:\n"
	    "                        YYYY-MM-DDTHH:MM[:SS] with Z or +HH:MM,"
	    " or\n"
	    "                        @SECONDS (default: authd's"
	    " review_due_days\n"
	    "                        from now)\n");
	rv_common_usage(f);
	rv_exit_usage(f, "started");
}

static void
rv_list_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl review list [--open | --overdue]"
	    " [--format table|csv|json]\n"
	    "\n"
	    "Lists the review campaigns you may see (the security function:"
	    " all; a\n"
	    "system owner: those of their systems): id, system, owner, state"
	    " (open,\n"
	    "overdue or closed), started, due, closed, items, decided.\n"
	    "\n"
	    "  --open                only campaigns not closed (overdue"
	    " included)\n"
	    "  --overdue             only campaigns past their due time\n"
	    "  --format FORMAT       table (default; days, UTC), csv (RFC"
	    " 4180, a\n"
	    "                        header) or json (one array; times as"
	    " ISO 8601\n"
	    "                        UTC instants, an absent value left"
	    " out)\n");
	rv_common_usage(f);
	rv_exit_usage(f, "listed");
}

static void
rv_show_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl review show ID [--format table|csv|json]"
	    " [OPTIONS]\n"
	    "\n"
	    "Shows review ID: the campaign, then each item (user and role)"
	    " with its\n"
	    "token state, last login, recommendation, who decides it (the"
	    " owner, or\n"
	    "the security function for the owner's own access) and the"
	    " decision.\n"
	    "\n"
	    "  --format FORMAT       table (default), csv or json: the same"
	    " as\n"
	    "                        'review report --format csv|json'\n");
	rv_common_usage(f);
	rv_exit_usage(f, "shown");
}

static void
rv_decide_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl review decide ID USER keep|revoke [--role ROLE]"
	    " [--comment TEXT]\n"
	    "\n"
	    "Keeps or revokes USER's access in review ID: every role USER"
	    " holds in\n"
	    "the review, or only ROLE.  A revoke is in force at once.  Nobody"
	    " decides\n"
	    "on their own access.  Prints authd's answer.\n"
	    "\n"
	    "  --role ROLE           only this role\n"
	    "  --comment TEXT        why: one line of at most %d bytes"
	    " (authd may\n"
	    "                        require one to revoke, or to keep an"
	    " inactive user)\n",
	    REVIEW_COMMENT_MAX);
	rv_common_usage(f);
	rv_exit_usage(f, "decided");
}

static void
rv_close_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl review close ID [--default keep|revoke]"
	    " [OPTIONS]\n"
	    "\n"
	    "Closes review ID and records the audit chain head for the"
	    " report.\n"
	    "Items still undecided must be decided first, or given the"
	    " --default.\n"
	    "\n"
	    "  --default keep|revoke the decision for every undecided item,"
	    " recorded\n"
	    "                        as made by default\n");
	rv_common_usage(f);
	rv_exit_usage(f, "closed");
}

static void
rv_report_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl review report ID --format csv|html|json"
	    " [-o FILE [--force]]\n"
	    "\n"
	    "Writes review ID as evidence for the board: the campaign, every"
	    " item\n"
	    "with its decision, who made it and when, the comment, last"
	    " login, token,\n"
	    "recommendation and remediation, and the audit chain head"
	    " recorded at\n"
	    "close.  A review that is not closed gives a provisional"
	    " report.\n"
	    "\n"
	    "  --format FORMAT       csv (one line per item, the campaign"
	    " repeated),\n"
	    "                        html (one self-contained page, printable"
	    " on A4)\n"
	    "                        or json ({\"campaign\": ..., \"items\":"
	    " [...]})\n"
	    "  -o, --output FILE     write FILE (mode 0640) instead of"
	    " standard output;\n"
	    "                        complete or not at all\n"
	    "  --force               replace FILE if it exists\n");
	rv_common_usage(f);
	rv_exit_usage(f, "written");
}

static void
rv_revlist_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl revocation list [SYSTEM]"
	    " [--format table|csv|json] [OPTIONS]\n"
	    "\n"
	    "Lists the revocations in force (of SYSTEM only, if given) that"
	    " you may\n"
	    "see: system, user, role, review, revoked (when) and by (who).\n"
	    "\n"
	    "  --format FORMAT       table (default), csv or json\n");
	rv_common_usage(f);
	rv_exit_usage(f, "listed");
}

static void
rv_lift_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl revocation lift SYSTEM USER [--role ROLE]"
	    " --comment TEXT\n"
	    "\n"
	    "Lifts the revocations of USER on SYSTEM (of ROLE only, if"
	    " given), so\n"
	    "that the policy decides again.  For the security function; the"
	    " comment\n"
	    "(one line of at most %d bytes) is required and audited.\n"
	    "\n"
	    "  --role ROLE           only this role\n"
	    "  --comment TEXT        why the access comes back\n",
	    REVIEW_COMMENT_MAX);
	rv_common_usage(f);
	rv_exit_usage(f, "lifted");
}

void
cmd_review_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl review start SYSTEM|--all [--due DATE]\n"
	    "       authctl review list [--open|--overdue]"
	    " [--format table|csv|json]\n"
	    "       authctl review show ID [--format table|csv|json]\n"
	    "       authctl review decide ID USER keep|revoke [--role ROLE]"
	    " [--comment TEXT]\n"
	    "       authctl review close ID [--default keep|revoke]\n"
	    "       authctl review report ID --format csv|html|json"
	    " [-o FILE [--force]]\n"
	    "\n"
	    "  start   snapshot who has access (security function)\n"
	    "  list    the campaigns you may see\n"
	    "  show    a campaign and its items\n"
	    "  decide  keep or revoke an item (the system owner)\n"
	    "  close   close a campaign\n"
	    "  report  the evidence for the board\n"
	    "\n"
	    "Every subcommand takes --as USER and --review-socket PATH.\n"
	    "Run 'authctl review SUBCOMMAND --help' for its options.\n");
}

void
cmd_revocation_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl revocation list [SYSTEM]"
	    " [--format table|csv|json]\n"
	    "       authctl revocation lift SYSTEM USER [--role ROLE]"
	    " --comment TEXT\n"
	    "\n"
	    "  list  revocations in force, made in access reviews\n"
	    "  lift  undo a revocation (security function)\n"
	    "\n"
	    "Every subcommand takes --as USER and --review-socket PATH.\n"
	    "Run 'authctl revocation SUBCOMMAND --help' for its options.\n");
}

/* ---- arguments ---- */

static void
rv_init(struct rv *rv, const struct authctl *ctx, const struct cmd *c)
{
	memset(rv, 0, sizeof(*rv));
	rv->label = c->label;
	rv->ctl = *ctx;
	rv->ctl.sock_path = ctx->review_path != NULL ? ctx->review_path :
	    AUTHCTL_REVIEW_SOCKET_DEFAULT;
}

/*
 * Handles an option every subcommand takes (REVIEW_COMMON_OPTS).
 * Returns CMD_GO to go on parsing, or the exit status to return.
 */
static int
rv_option(struct rv *rv, int ch)
{
	switch (ch) {
	case OPT_AS:
		if (!str_valid_user(optarg))
			return client_usage_error(rv->label, "--as: invalid "
			    "user name", optarg);
		rv->as = optarg;
		break;
	case OPT_REVIEW_SOCKET:
		if (*optarg == '\0')
			return client_usage_error(rv->label, "--review-socket: "
			    "empty socket path", NULL);
		rv->ctl.sock_path = optarg;
		break;
	}
	return CMD_GO;
}

/* A review id: 1..2^63-1.  CMD_GO, or prints why and returns 2. */
static int
rv_id(const struct rv *rv, const char *s, uint64_t *id)
{
	long long v;

	*id = 0;
	if (num_parse(s, 1, INT64_MAX, &v, NULL) != 0)
		return client_usage_error(rv->label, "expected a review id (a "
		    "number from 1), not", s);
	*id = (uint64_t)v;
	return CMD_GO;
}

/*
 * A comment: 1..REVIEW_COMMENT_MAX bytes of well-formed UTF-8 without
 * control characters, so one line in every log, table and report.
 */
static int
rv_comment_valid(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len, i = 0, n;
	uint32_t cp;

	if ((len = strnlen(s, REVIEW_COMMENT_MAX + 1)) == 0 ||
	    len > REVIEW_COMMENT_MAX)
		return 0;
	while (i < len) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = fmt_utf8_decode(p + i, len - i, &cp)) == 0 ||
		    (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += n;
	}
	return 1;
}

static int
rv_comment(const struct rv *rv, const char *s, const char **out)
{
	char msg[128];

	if (!rv_comment_valid(s)) {
		snprintf(msg, sizeof(msg), "--comment: expected one line of "
		    "text, 1..%d bytes of UTF-8, not", REVIEW_COMMENT_MAX);
		return client_usage_error(rv->label, msg, strlen(s) > 60 ?
		    "(a longer text)" : s);
	}
	*out = s;
	return CMD_GO;
}

/*
 * --due: "YYYY-MM-DD" is due at the end of that day, 00:00 UTC of the
 * next; an instant with its zone or "@SECONDS" is due then.  Returns 0,
 * or -1 with a static description in *why.
 */
static int
rv_due_parse(const char *s, int64_t *ms, const char **why)
{
	static const char forms[] = "expected YYYY-MM-DD, "
	    "YYYY-MM-DDTHH:MM[:SS] with Z or +HH:MM, or @SECONDS";
	size_t i;

	*ms = 0;
	/* A day: four digits, '-', two, '-', two. */
	for (i = 0; i < 10 && s[i] != '\0'; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' :
		    (s[i] < '0' || s[i] > '9'))
			break;
	if (i == 10 && s[10] == '\0') {
		if (fmt_time_parse(s, ms, why) != 0) {
			*why = "no such day";
			return -1;
		}
		*ms += REVIEW_DAY_MS;
		if (*ms > REVIEW_MS_MAX) {
			*ms = 0;
			*why = "the last day is 9999-12-30";
			return -1;
		}
		return 0;
	}
	if (fmt_time_parse_zoned(s, ms, why) != 0) {
		/* The parser's own words, unless it did not see a time. */
		if (s[0] != '@' && strchr(s, 'T') == NULL)
			*why = forms;
		return -1;
	}
	return 0;
}

static int
rv_role(const struct rv *rv, const char *s, const char **out)
{
	if (!str_valid_name(s))
		return client_usage_error(rv->label, "--role: invalid role "
		    "name", s);
	*out = s;
	return CMD_GO;
}

/* Parses --format: table (if `table`), csv, json, html (if `html`). */
static int
rv_format(const struct rv *rv, const char *s, int table, int html,
    enum report_format *out)
{
	if (table && strcmp(s, "table") == 0)
		*out = REPORT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*out = REPORT_CSV;
	else if (strcmp(s, "json") == 0)
		*out = REPORT_JSON;
	else if (html && strcmp(s, "html") == 0)
		*out = REPORT_HTML;
	else
		return client_usage_error(rv->label, html ? "--format: "
		    "expected csv, html or json, not" : "--format: expected "
		    "table, csv or json, not", s);
	return CMD_GO;
}

/* ---- the identity proof ---- */

/*
 * With --as USER: reads USER's directory password and verification code
 * and adds AS, PASSWORD and CODE to `req`.  Both are wiped here;
 * rv_call wipes the request's copies once it is sent.
 */
static int
rv_prove(const struct rv *rv, struct proto_msg *req)
{
	char pw[PROMPT_PASSWORD_MAX + 2], code[PROMPT_CODE_MAX + 2];
	int r, ret;

	if (rv->as == NULL)
		return AUTHCTL_EXIT_OK;
	if ((ret = prompt_credentials(rv->label, rv->as, pw, code)) !=
	    AUTHCTL_EXIT_OK)
		return ret;
	ret = AUTHCTL_EXIT_FAIL;
	if ((r = proto_add_str(req, PROTO_A_AS, rv->as)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_PASSWORD, pw)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_CODE, code)) != 0) {
		fprintf(stderr, "authctl: %s: %s\n", rv->label,
		    authd_strerror(r));
		goto out;
	}
	ret = AUTHCTL_EXIT_OK;
 out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(code, sizeof(code));
	return ret;
}

/* Wipes the secret values of `req` in place, once they are sent. */
static void
rv_wipe(struct proto_msg *req)
{
	size_t i;

	for (i = 0; i < req->nattr; i++)
		if ((req->attr[i].tag == PROTO_A_PASSWORD ||
		    req->attr[i].tag == PROTO_A_CODE) &&
		    req->attr[i].str != NULL)
			explicit_bzero(req->attr[i].str, req->attr[i].len);
}

/*
 * Proves who is asking (--as), sends `req` over the review socket and
 * hands the rows to `row_cb`, as client_call does; returns its status
 * and, on success, the RESULT in *reply.
 */
static int
rv_call(const struct rv *rv, struct proto_msg *req,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct proto_msg **reply)
{
	int ret;

	*reply = NULL;
	if ((ret = rv_prove(rv, req)) != AUTHCTL_EXIT_OK) {
		rv_wipe(req);
		return ret;
	}
	ret = client_call(&rv->ctl, rv->label, req, row_cb, arg, reply);
	rv_wipe(req);
	return ret;
}

/* Reports a failure to build a request; returns AUTHCTL_EXIT_FAIL. */
static int
rv_internal(const struct rv *rv, int r)
{
	fprintf(stderr, "authctl: %s: %s\n", rv->label, authd_strerror(r));
	return AUTHCTL_EXIT_FAIL;
}

/* authd's MESSAGE, sanitised, or `def`. */
static const char *
rv_message(const struct proto_msg *reply, const char *def, char *out)
{
	const char *msg;

	if (proto_get_str(reply, PROTO_A_MESSAGE, &msg) != 0 || *msg == '\0')
		return def;
	/* SECURITY NOTE: text from authd reaches a terminal (escape codes). */
	return str_sanitize(msg, strlen(msg), out, REVIEW_TEXT_MAX);
}

/* A protocol error in a row or reply; returns an error for the callback. */
static int
rv_proto_error(const char *label, const char *why, int r)
{
	fprintf(stderr, "authctl: %s: protocol error: %s\n", label, why);
	return r;
}

/* Checks that a streamed frame is a ROW of `kind`. */
static int
rv_row_kind(const char *label, const struct proto_msg *m, const char *kind)
{
	const char *k;
	char msg[96];

	if (m->type != PROTO_T_ROW) {
		snprintf(msg, sizeof(msg), "unexpected %s frame",
		    proto_type_name(m->type));
		return rv_proto_error(label, msg, AUTHD_ERR_BAD_TYPE);
	}
	if (proto_get_str(m, PROTO_A_KIND, &k) != 0 || strcmp(k, kind) != 0) {
		snprintf(msg, sizeof(msg), "a row that is not of kind %s",
		    kind);
		return rv_proto_error(label, msg, AUTHD_ERR_BAD_VALUE);
	}
	return 0;
}

/* Checks the RESULT's COUNT against the rows that came. */
static int
rv_count(const char *label, const struct proto_msg *reply, uint64_t rows)
{
	uint64_t count;

	if (proto_get_u64(reply, PROTO_A_COUNT, &count) != 0) {
		fprintf(stderr, "authctl: %s: protocol error: a reply without "
		    "a count\n", label);
		return AUTHCTL_EXIT_FAIL;
	}
	if (count != rows) {
		fprintf(stderr, "authctl: %s: protocol error: %llu rows, but "
		    "authd counted %llu\n", label, (unsigned long long)rows,
		    (unsigned long long)count);
		return AUTHCTL_EXIT_FAIL;
	}
	return AUTHCTL_EXIT_OK;
}

/* ---- listings: review list, revocation list ---- */

/* Returns the table's i-th column, or NULL past the end. */
static const struct rv_col *
rv_table_col(const struct rv_col *cols, int i)
{
	const struct rv_col *c;

	for (c = cols; c->key != NULL; c++)
		if (c->place == i)
			return c;
	return NULL;
}

static void
rv_list_header(struct rv_list *o)
{
	const struct rv_col *c;
	int i;

	o->header = 1;
	switch (o->format) {
	case REPORT_CSV:
		for (c = o->cols; c->key != NULL; c++)
			printf("%s%s", c == o->cols ? "" : ",", c->key);
		fputs("\r\n", stdout);
		break;
	case REPORT_JSON:
		fputc('[', stdout);
		break;
	default:
		for (i = 0; (c = rv_table_col(o->cols, i)) != NULL; i++) {
			if (c->width > 0)
				printf("%-*s ", c->width, c->title);
			else
				printf("%s\n", c->title);
		}
		break;
	}
}

/* Writes one value of a table, CSV or JSON row. */
static void
rv_list_value(const struct rv_list *o, const struct rv_col *c,
    const struct proto_msg *m)
{
	char t[FMT_TIME_LEN], day[FMT_TIME_LEN], num[24];
	const char *s = NULL;
	uint64_t v = 0;

	if (c->kind == RV_STR)
		(void)proto_get_str(m, c->tag, &s);
	else
		(void)proto_get_u64(m, c->tag, &v);
	if (c->kind == RV_NUM) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
		s = num;
	} else if (c->kind == RV_TIME || c->kind == RV_DUE) {
		if (v == 0 || fmt_time_iso(v, 0, t, sizeof(t)) != 0)
			t[0] = '\0';
		s = t;
		if (o->format == REPORT_TABLE && c->kind == RV_DUE)
			s = report_due_text(v, day, sizeof(day));
		else if (o->format == REPORT_TABLE) {
			/* The day; csv and json have the instant. */
			snprintf(day, sizeof(day), "%.10s", t);
			s = day;
		}
	}
	switch (o->format) {
	case REPORT_CSV:
		if (s != NULL)
			fmt_csv_field(stdout, s, strlen(s));
		break;
	case REPORT_JSON:
		if (c->kind == RV_NUM)
			fputs(s, stdout);
		else
			fmt_json_str(stdout, s, strlen(s));
		break;
	default:
		fmt_table_cell(stdout, s, c->width, c->width == 0);
		break;
	}
}

static int
rv_list_row(const struct proto_msg *m, void *arg)
{
	struct rv_list *o = arg;
	const struct rv_col *c;
	const char *s;
	uint64_t v;
	int bad, i, r, n = 0;

	if ((r = rv_row_kind(o->label, m, o->kind)) != 0)
		return r;
	/* SECURITY NOTE: a daemon sending rows without end cannot flood us. */
	if (o->rows >= REVIEW_ROWS_MAX)
		return rv_proto_error(o->label, "too many rows",
		    AUTHD_ERR_TOO_MANY);
	for (c = o->cols; c->key != NULL; c++) {
		if (c->kind == RV_STR)
			bad = proto_get_str(m, c->tag, &s) != 0 || *s == '\0';
		else
			bad = proto_get_u64(m, c->tag, &v) != 0 ||
			    (c->kind != RV_NUM &&
			    v > (uint64_t)REVIEW_MS_MAX + 999);
		if (bad) {
			fprintf(stderr, "authctl: %s: protocol error: a row "
			    "without a valid %s\n", o->label, c->key);
			return AUTHD_ERR_MISSING;
		}
	}
	o->rows++;
	if (!o->header)
		rv_list_header(o);
	switch (o->format) {
	case REPORT_CSV:
		for (c = o->cols; c->key != NULL; c++) {
			if (c != o->cols)
				fputc(',', stdout);
			rv_list_value(o, c, m);
		}
		fputs("\r\n", stdout);
		break;
	case REPORT_JSON:
		fputs(o->rows > 1 ? ",\n{" : "\n{", stdout);
		for (c = o->cols; c->key != NULL; c++) {
			/* An absent time (closed: 0) is left out. */
			if (c->kind == RV_TIME && proto_get_u64(m, c->tag,
			    &v) == 0 && v == 0)
				continue;
			printf("%s\"%s\":", n++ > 0 ? "," : "", c->key);
			rv_list_value(o, c, m);
		}
		fputc('}', stdout);
		break;
	default:
		for (i = 0; (c = rv_table_col(o->cols, i)) != NULL; i++)
			rv_list_value(o, c, m);
		fputc('\n', stdout);
		break;
	}
	/* Stop early when the output is gone (full disk, closed pipe). */
	if (ferror(stdout)) {
		fprintf(stderr, "authctl: %s: cannot write the output: %s\n",
		    o->label, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	return 0;
}

/* Sends a listing request and writes its rows; returns an exit status. */
static int
rv_list_call(const struct rv *rv, struct rv_list *o, struct proto_msg *req)
{
	struct proto_msg *reply = NULL;
	int ret;

	if ((ret = rv_call(rv, req, rv_list_row, o, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	/* Rows lost: no closing bracket, so that a JSON reader notices. */
	if ((ret = rv_count(rv->label, reply, o->rows)) != AUTHCTL_EXIT_OK)
		goto out;
	if (!o->header)
		rv_list_header(o);
	if (o->format == REPORT_JSON)
		fputs(o->rows > 0 ? "\n]\n" : "]\n", stdout);
 out:
	proto_free(reply);
	return ret;
}

/* ---- review start ---- */

struct rv_started {
	const char	*label;
	uint64_t	 rows;
};

static int
rv_start_row(const struct proto_msg *m, void *arg)
{
	static char sys[4 * 64 + 8], owner[4 * 256 + 8];
	struct rv_started *st = arg;
	char due[FMT_TIME_LEN];
	const char *s, *o;
	uint64_t id, count, d;
	int r;

	if ((r = rv_row_kind(st->label, m, "review")) != 0)
		return r;
	if (st->rows >= REVIEW_ROWS_MAX)
		return rv_proto_error(st->label, "too many rows",
		    AUTHD_ERR_TOO_MANY);
	if (proto_get_u64(m, PROTO_A_REVIEW, &id) != 0 ||
	    proto_get_str(m, PROTO_A_SYSTEM, &s) != 0 || *s == '\0' ||
	    proto_get_str(m, PROTO_A_OWNER, &o) != 0 || *o == '\0' ||
	    proto_get_u64(m, PROTO_A_COUNT, &count) != 0 ||
	    proto_get_u64(m, PROTO_A_DUE, &d) != 0)
		return rv_proto_error(st->label, "a started review without "
		    "its id, system, owner, count or due time",
		    AUTHD_ERR_MISSING);
	st->rows++;
	/* SECURITY NOTE: text from authd reaches a terminal (escape codes). */
	printf("review %llu started: system %s, owner %s, %llu item%s, due "
	    "%s\n", (unsigned long long)id, str_sanitize(s, strlen(s), sys,
	    sizeof(sys)), str_sanitize(o, strlen(o), owner, sizeof(owner)),
	    (unsigned long long)count, count == 1 ? "" : "s",
	    report_due_text(d, due, sizeof(due)));
	/* Each line as its review starts: the next system may fail. */
	if (fflush(stdout) != 0) {
		fprintf(stderr, "authctl: %s: cannot write the output: %s\n",
		    st->label, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	return 0;
}

static const struct option rv_start_opts[] = {
	{ "all",	no_argument,		NULL,	OPT_ALL },
	{ "due",	required_argument,	NULL,	OPT_DUE },
	REVIEW_COMMON_OPTS,
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_review_start(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	struct rv_started st;
	struct rv rv;
	const char *system = NULL, *why;
	char msg[160];
	int64_t due = -1;
	int all = 0, ch, r, ret;

	rv_init(&rv, ctx, c);
	st.label = rv.label;
	st.rows = 0;
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_ALL:
			all = 1;
			break;
		case OPT_DUE:
			if (rv_due_parse(optarg, &due, &why) != 0) {
				snprintf(msg, sizeof(msg), "--due: %s; got",
				    why);
				return client_usage_error(rv.label, msg,
				    optarg);
			}
			break;
		default:
			if ((ret = rv_option(&rv, ch)) >= 0)
				return ret;
		}
	}
	if (ret != CMD_GO)
		return ret;
	if (all && optind < argc)
		return client_usage_error(rv.label, "name one system or --all, "
		    "not both; got", argv[optind]);
	if ((ret = cmd_operands(c, argc, argv, all ? 0 : 1, all ? 0 : 1,
	    "expected a system, or --all")) >= 0)
		return ret;
	if (!all) {
		system = argv[optind];
		if (!str_valid_name(system))
			return client_usage_error(rv.label, "invalid system "
			    "name", system);
	}
	if ((ret = client_new_request(PROTO_T_REVIEW_START, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, PROTO_A_SYSTEM, system)) != 0 ||
	    (all && (r = proto_add_u64(req, PROTO_A_ALL, 1)) != 0) ||
	    (due >= 0 && (r = proto_add_u64(req, PROTO_A_DUE,
	    (uint64_t)due)) != 0)) {
		ret = rv_internal(&rv, r);
		goto out;
	}
	if ((ret = rv_call(&rv, req, rv_start_row, &st, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((ret = rv_count(rv.label, reply, st.rows)) != AUTHCTL_EXIT_OK)
		goto out;
	if (st.rows == 0)
		printf("no review started: the policy has no systems\n");
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

/* ---- review list ---- */

static const struct option rv_list_opts[] = {
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ "open",	no_argument,		NULL,	OPT_OPEN },
	{ "overdue",	no_argument,		NULL,	OPT_OVERDUE },
	REVIEW_COMMON_OPTS,
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_review_list(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct rv_list o = { c->label, "review", rv_review_cols,
	    REPORT_TABLE, 0, 0 };
	struct proto_msg *req = NULL;
	const char *state = NULL;
	struct rv rv;
	int ch, r, ret;

	rv_init(&rv, ctx, c);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_FORMAT:
			if ((ret = rv_format(&rv, optarg, 1, 0,
			    &o.format)) >= 0)
				return ret;
			break;
		case OPT_OPEN:
		case OPT_OVERDUE:
			if (state != NULL)
				return client_usage_error(rv.label, "--open "
				    "and --overdue exclude each other", NULL);
			state = ch == OPT_OPEN ? "open" : "overdue";
			break;
		default:
			if ((ret = rv_option(&rv, ch)) >= 0)
				return ret;
		}
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) >= 0)
		return ret;
	if ((ret = client_new_request(PROTO_T_REVIEW_LIST, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, PROTO_A_STATE, state != NULL ? state :
	    "all")) != 0) {
		ret = rv_internal(&rv, r);
		goto out;
	}
	ret = rv_list_call(&rv, &o, req);
 out:
	proto_free(req);
	return ret;
}

/* ---- review show, review report ---- */

struct rv_fetch {
	const char	*label;
	struct report	*report;
};

static int
rv_item_row(const struct proto_msg *m, void *arg)
{
	struct rv_fetch *fe = arg;
	const char *why = NULL;
	int r;

	if ((r = rv_row_kind(fe->label, m, "item")) != 0)
		return r;
	if ((r = report_add_item(fe->report, m, &why)) != 0)
		return rv_proto_error(fe->label, why, r);
	return 0;
}

/* Asks for review `id` whole: its items, then the campaign. */
static int
rv_fetch(const struct rv *rv, uint64_t id, struct report *rep)
{
	struct proto_msg *req = NULL, *reply = NULL;
	struct rv_fetch fe = { rv->label, rep };
	const char *why = NULL;
	int r, ret;

	if ((ret = client_new_request(PROTO_T_REVIEW_SHOW, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_u64(req, PROTO_A_REVIEW, id)) != 0) {
		ret = rv_internal(rv, r);
		goto out;
	}
	if ((ret = rv_call(rv, req, rv_item_row, &fe, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	ret = AUTHCTL_EXIT_FAIL;
	if ((r = report_set_campaign(rep, reply, &why)) != 0) {
		rv_proto_error(rv->label, why, r);
		goto out;
	}
	if (rep->id != id) {
		rv_proto_error(rv->label, "the answer is about another review",
		    AUTHD_ERR_BAD_VALUE);
		goto out;
	}
	ret = AUTHCTL_EXIT_OK;
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

/* The options of review show and revocation list. */
static const struct option rv_format_opts[] = {
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	REVIEW_COMMON_OPTS,
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_review_show(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	enum report_format format = REPORT_TABLE;
	struct report rep;
	struct rv rv;
	uint64_t id;
	int ch, ret;

	rv_init(&rv, ctx, c);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		if (ch == OPT_FORMAT) {
			if ((ret = rv_format(&rv, optarg, 1, 0, &format)) >= 0)
				return ret;
		} else if ((ret = rv_option(&rv, ch)) >= 0)
			return ret;
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 1, 1, "expected a review id")) >=
	    0 || (ret = rv_id(&rv, argv[optind], &id)) >= 0)
		return ret;
	report_init(&rep);
	if ((ret = rv_fetch(&rv, id, &rep)) == AUTHCTL_EXIT_OK)
		report_write(stdout, format, &rep, wall_ms());
	report_free(&rep);
	return ret;
}

/* Says that `path` exists; returns AUTHCTL_EXIT_FAIL. */
static int
rv_exists(const struct rv *rv, const char *path)
{
	char spath[4 * 256 + 8];

	fprintf(stderr, "authctl: %s: %s exists; use --force to replace it\n",
	    rv->label, str_sanitize(path, strlen(path), spath, sizeof(spath)));
	return AUTHCTL_EXIT_FAIL;
}

/*
 * Writes `rep` to `path` complete or not at all: a temporary file in the
 * same directory, mode REVIEW_REPORT_MODE, synced, then renamed into
 * place; without `force` an existing file is never replaced.
 */
static int
rv_write_file(const struct rv *rv, const char *path, int force,
    enum report_format format, const struct report *rep)
{
	char tmp[PATH_MAX], dir[PATH_MAX], spath[4 * 256 + 8];
	const char *slash, *what = "write";
	size_t dirlen;
	FILE *f = NULL;
	int fd = -1, dfd, err = 0, created = 0;

	slash = strrchr(path, '/');
	dirlen = slash == NULL ? 0 : (size_t)(slash - path) + 1;
	snprintf(dir, sizeof(dir), "%.*s", dirlen > 0 ? (int)dirlen : 1,
	    dirlen > 0 ? path : ".");
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%s.XXXXXX",
	    dirlen > 0 ? dir : "", path + dirlen) >= sizeof(tmp)) {
		err = ENAMETOOLONG;
		goto fail;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		err = errno;
		what = "create a file next to";
		goto fail;
	}
	created = 1;
	/* Readable by the group (the auditors), whatever the umask says. */
	if (fchmod(fd, REVIEW_REPORT_MODE) != 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		err = errno;
		goto fail;
	}
	fd = -1;
	errno = 0;
	report_write(f, format, rep, wall_ms());
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		err = errno != 0 ? errno : EIO;
		goto fail;
	}
	err = fclose(f) != 0 ? errno : 0;
	f = NULL;
	if (err != 0)
		goto fail;
	if (force) {
		if (rename(tmp, path) != 0) {
			err = errno;
			goto fail;
		}
	} else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
	    RENAME_NOREPLACE) != 0) {
		/* A file system without it: link(2) does not replace either. */
		if ((errno != EINVAL && errno != ENOSYS) ||
		    link(tmp, path) != 0) {
			err = errno;
			goto fail;
		}
		(void)unlink(tmp);
	}
	/* The new name survives a crash once the directory is synced. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return AUTHCTL_EXIT_OK;
 fail:
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	if (created)
		(void)unlink(tmp);
	if (err == EEXIST)
		return rv_exists(rv, path);
	fprintf(stderr, "authctl: %s: cannot %s %s: %s\n", rv->label, what,
	    str_sanitize(path, strlen(path), spath, sizeof(spath)),
	    strerror(err));
	return AUTHCTL_EXIT_FAIL;
}

static const struct option rv_report_opts[] = {
	{ "force",	no_argument,		NULL,	OPT_FORCE },
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ "output",	required_argument,	NULL,	'o' },
	REVIEW_COMMON_OPTS,
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_review_report(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	enum report_format format = REPORT_TABLE;
	const char *out = NULL;
	struct report rep;
	struct stat sb;
	struct rv rv;
	uint64_t id;
	int ch, force = 0, ret;

	rv_init(&rv, ctx, c);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_FORCE:
			force = 1;
			break;
		case OPT_FORMAT:
			if ((ret = rv_format(&rv, optarg, 0, 1, &format)) >= 0)
				return ret;
			break;
		case 'o':
			/* Room for the temporary name next to it. */
			if (*optarg == '\0' ||
			    strlen(optarg) >= PATH_MAX - 16 ||
			    optarg[strlen(optarg) - 1] == '/')
				return client_usage_error(rv.label, "-o: "
				    "expected a file name, not", optarg);
			out = optarg;
			break;
		default:
			if ((ret = rv_option(&rv, ch)) >= 0)
				return ret;
		}
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 1, 1, "expected a review id")) >=
	    0 || (ret = rv_id(&rv, argv[optind], &id)) >= 0)
		return ret;
	if (format == REPORT_TABLE)
		return client_usage_error(rv.label, "--format is required: "
		    "csv, html or json", NULL);
	if (force && out == NULL)
		return client_usage_error(rv.label, "--force goes with -o "
		    "FILE", NULL);
	/* Early, before a password is asked for; the rename checks again. */
	if (out != NULL && !force && lstat(out, &sb) == 0)
		return rv_exists(&rv, out);
	report_init(&rep);
	if ((ret = rv_fetch(&rv, id, &rep)) != AUTHCTL_EXIT_OK)
		goto out;
	if (out != NULL)
		ret = rv_write_file(&rv, out, force, format, &rep);
	else
		report_write(stdout, format, &rep, wall_ms());
 out:
	report_free(&rep);
	return ret;
}

/* ---- review decide, review close ---- */

/* The options of review decide and revocation lift. */
static const struct option rv_comment_opts[] = {
	{ "comment",	required_argument,	NULL,	OPT_COMMENT },
	{ "role",	required_argument,	NULL,	OPT_ROLE },
	REVIEW_COMMON_OPTS,
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_review_decide(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	const char *role = NULL, *comment = NULL, *user, *decision;
	char text[REVIEW_TEXT_MAX];
	struct rv rv;
	uint64_t id;
	int ch, r, ret;

	rv_init(&rv, ctx, c);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_COMMENT:
			if ((ret = rv_comment(&rv, optarg, &comment)) >= 0)
				return ret;
			break;
		case OPT_ROLE:
			if ((ret = rv_role(&rv, optarg, &role)) >= 0)
				return ret;
			break;
		default:
			if ((ret = rv_option(&rv, ch)) >= 0)
				return ret;
		}
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 3, 3, "expected a review id, a "
	    "user and keep or revoke")) >= 0 ||
	    (ret = rv_id(&rv, argv[optind], &id)) >= 0)
		return ret;
	user = argv[optind + 1];
	decision = argv[optind + 2];
	if (!str_valid_user(user))
		return client_usage_error(rv.label, "invalid user name", user);
	if (strcmp(decision, "keep") != 0 && strcmp(decision, "revoke") != 0)
		return client_usage_error(rv.label, "expected keep or revoke, "
		    "not", decision);
	if ((ret = client_new_request(PROTO_T_REVIEW_DECIDE, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_u64(req, PROTO_A_REVIEW, id)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_USER, user)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_DECISION, decision)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_ROLE, role)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_COMMENT, comment)) != 0) {
		ret = rv_internal(&rv, r);
		goto out;
	}
	if ((ret = rv_call(&rv, req, NULL, NULL, &reply)) != AUTHCTL_EXIT_OK)
		goto out;
	printf("review %llu, %s%s%s%s: %s\n", (unsigned long long)id, user,
	    role != NULL ? " (role " : "", role != NULL ? role : "",
	    role != NULL ? ")" : "", rv_message(reply, decision, text));
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

static const struct option rv_close_opts[] = {
	{ "default",	required_argument,	NULL,	OPT_DEFAULT },
	REVIEW_COMMON_OPTS,
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_review_close(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	const char *deflt = NULL;
	char text[REVIEW_TEXT_MAX];
	struct rv rv;
	uint64_t id;
	int ch, r, ret;

	rv_init(&rv, ctx, c);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		if (ch == OPT_DEFAULT) {
			if (strcmp(optarg, "keep") != 0 &&
			    strcmp(optarg, "revoke") != 0)
				return client_usage_error(rv.label,
				    "--default: expected keep or revoke, not",
				    optarg);
			deflt = optarg;
		} else if ((ret = rv_option(&rv, ch)) >= 0)
			return ret;
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 1, 1, "expected a review id")) >=
	    0 || (ret = rv_id(&rv, argv[optind], &id)) >= 0)
		return ret;
	if ((ret = client_new_request(PROTO_T_REVIEW_CLOSE, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_u64(req, PROTO_A_REVIEW, id)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_DEFAULT, deflt)) != 0) {
		ret = rv_internal(&rv, r);
		goto out;
	}
	if ((ret = rv_call(&rv, req, NULL, NULL, &reply)) != AUTHCTL_EXIT_OK)
		goto out;
	printf("review %llu: %s\n", (unsigned long long)id,
	    rv_message(reply, "closed", text));
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

/* ---- revocation list, revocation lift ---- */

static int
cmd_revocation_list(const struct authctl *ctx, const struct cmd *c,
    int argc, char **argv)
{
	struct rv_list o = { c->label, "revocation", rv_revocation_cols,
	    REPORT_TABLE, 0, 0 };
	struct proto_msg *req = NULL;
	const char *system = NULL;
	struct rv rv;
	int ch, r, ret;

	rv_init(&rv, ctx, c);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		if (ch == OPT_FORMAT) {
			if ((ret = rv_format(&rv, optarg, 1, 0,
			    &o.format)) >= 0)
				return ret;
		} else if ((ret = rv_option(&rv, ch)) >= 0)
			return ret;
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 1, "")) >= 0)
		return ret;
	if (optind < argc) {
		system = argv[optind];
		if (!str_valid_name(system))
			return client_usage_error(rv.label, "invalid system "
			    "name", system);
	}
	if ((ret = client_new_request(PROTO_T_REVOCATION_LIST, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, PROTO_A_SYSTEM, system)) != 0) {
		ret = rv_internal(&rv, r);
		goto out;
	}
	ret = rv_list_call(&rv, &o, req);
 out:
	proto_free(req);
	return ret;
}

static int
cmd_revocation_lift(const struct authctl *ctx, const struct cmd *c,
    int argc, char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	const char *role = NULL, *comment = NULL, *system, *user;
	char text[REVIEW_TEXT_MAX];
	struct rv rv;
	int ch, r, ret;

	rv_init(&rv, ctx, c);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_COMMENT:
			if ((ret = rv_comment(&rv, optarg, &comment)) >= 0)
				return ret;
			break;
		case OPT_ROLE:
			if ((ret = rv_role(&rv, optarg, &role)) >= 0)
				return ret;
			break;
		default:
			if ((ret = rv_option(&rv, ch)) >= 0)
				return ret;
		}
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 2, 2, "expected a system and a "
	    "user")) >= 0)
		return ret;
	system = argv[optind];
	user = argv[optind + 1];
	if (!str_valid_name(system))
		return client_usage_error(rv.label, "invalid system name",
		    system);
	if (!str_valid_user(user))
		return client_usage_error(rv.label, "invalid user name", user);
	/* The reason is part of the record: nothing is sent without it. */
	if (comment == NULL)
		return client_usage_error(rv.label, "--comment TEXT is "
		    "required: say why the access comes back", NULL);
	if ((ret = client_new_request(PROTO_T_REVOCATION_LIFT, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_str(req, PROTO_A_SYSTEM, system)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_USER, user)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_ROLE, role)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_COMMENT, comment)) != 0) {
		ret = rv_internal(&rv, r);
		goto out;
	}
	if ((ret = rv_call(&rv, req, NULL, NULL, &reply)) != AUTHCTL_EXIT_OK)
		goto out;
	printf("revocation of %s on %s%s%s%s: %s\n", user, system,
	    role != NULL ? " (role " : "", role != NULL ? role : "",
	    role != NULL ? ")" : "", rv_message(reply, "lifted", text));
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

/* ---- the subcommands ---- */

const struct cmd cmd_review_subs[] = {
	{ "start", "review start", rv_start_usage, cmd_review_start,
	    rv_start_opts, NULL, NULL },
	{ "list", "review list", rv_list_usage, cmd_review_list,
	    rv_list_opts, NULL, NULL },
	{ "show", "review show", rv_show_usage, cmd_review_show,
	    rv_format_opts, NULL, NULL },
	{ "decide", "review decide", rv_decide_usage, cmd_review_decide,
	    rv_comment_opts, NULL, NULL },
	{ "close", "review close", rv_close_usage, cmd_review_close,
	    rv_close_opts, NULL, NULL },
	{ "report", "review report", rv_report_usage, cmd_review_report,
	    rv_report_opts, "o:", NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

const struct cmd cmd_revocation_subs[] = {
	{ "list", "revocation list", rv_revlist_usage, cmd_revocation_list,
	    rv_format_opts, NULL, NULL },
	{ "lift", "revocation lift", rv_lift_usage, cmd_revocation_lift,
	    rv_comment_opts, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};
