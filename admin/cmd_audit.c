/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "authctl.h"
#include "authd_err.h"
#include "fmt.h"
#include "proto.h"
#include "record.h"
#include "util.h"

/*
 * "authctl audit": reads the audit trail through authd.  list and export
 * stream records (export pages through all of them), show gives one
 * record, last-login the newest successful login of a user.  The other
 * subcommands live in cmd_chain.c (checkpoint, prune) and cmd_verify.c
 * (verify, which reads the database itself).
 */

#define AUDIT_LIMIT_DEFAULT	100
#define AUDIT_LIMIT_MAX		10000
/* Records per request while exporting. */
#define AUDIT_PAGE		1000

enum {
	OPT_USER = 256,
	OPT_SYSTEM,
	OPT_SINCE,
	OPT_SINCE_SEQ,
	OPT_UNTIL,
	OPT_DECISION,
	OPT_REASON,
	OPT_EVENT,
	OPT_LIMIT,
	OPT_FORMAT,
};

/* The getopt_long entries of the record filters, shared by list and export. */
#define AUDIT_FILTER_OPTIONS						\
	{ "decision",	required_argument,	NULL,	OPT_DECISION },	\
	{ "event",	required_argument,	NULL,	OPT_EVENT },	\
	{ "reason",	required_argument,	NULL,	OPT_REASON },	\
	{ "since",	required_argument,	NULL,	OPT_SINCE },	\
	{ "since-seq",	required_argument,	NULL,	OPT_SINCE_SEQ }, \
	{ "since-time",	required_argument,	NULL,	OPT_SINCE },	\
	{ "system",	required_argument,	NULL,	OPT_SYSTEM },	\
	{ "until",	required_argument,	NULL,	OPT_UNTIL },	\
	{ "user",	required_argument,	NULL,	OPT_USER }

/* What the filter options asked for; -1 = not given. */
struct audit_filter {
	const char	*user;
	const char	*system;
	const char	*decision;
	const char	*reason;
	const char	*event;
	int64_t		 from_ms;	/* TIME_FROM, inclusive */
	int64_t		 until_ms;	/* TIME_UNTIL, exclusive */
	int64_t		 since_seq;	/* SINCE */
};

/* State of one exchange, shared with the row callback. */
struct audit_out {
	const char		*label;
	FILE			*f;
	enum record_format	 format;
	const char *const	*keys;		/* "key: value" form, or NULL */
	int			 fields;	/* write "key: value" lines */
	uint64_t		 limit;		/* rows allowed in this reply */
	uint64_t		 rows;		/* rows in this reply */
	uint64_t		 total;		/* rows over all replies */
	int64_t			 next_seq;	/* lowest seq of the next row */
	int64_t			 want_seq;	/* show: the one seq, else -1 */
	int			 header;	/* header written */
};

/* A fresh exchange for `label`, written to stdout in `format`. */
static void
audit_out_init(struct audit_out *o, const char *label,
    enum record_format format)
{
	memset(o, 0, sizeof(*o));
	o->label = label;
	o->f = stdout;
	o->format = format;
	o->want_seq = -1;
}

static const char *const audit_last_login_keys[] = {
	"time", "user", "system", "service", "rhost", "seq", NULL
};

static void
audit_filter_usage(FILE *f)
{
	fprintf(f,
	    "Filters (all must match):\n"
	    "  --user USER        records about USER\n"
	    "  --system SYSTEM    records about SYSTEM\n"
	    "  --since TIME       records at TIME or later (also"
	    " --since-time)\n"
	    "  --until TIME       records before TIME\n"
	    "  --since-seq SEQ    records with sequence number SEQ or higher,"
	    " oldest\n"
	    "                     first\n"
	    "  --decision WORD    allow, deny, ok or error\n"
	    "  --reason REASON    reason code, such as bad-code or not-member\n"
	    "  --event EVENT      event type, such as auth, account or enroll\n"
	    "\n"
	    "TIME is UTC: YYYY-MM-DD (its midnight), YYYY-MM-DDTHH:MM:SSZ or\n"
	    "@SECONDS since the epoch.  --since 2026-01-01 --until 2026-02-01"
	    " is\n"
	    "January.\n");
}

static void
audit_list_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit list [FILTERS] [--limit N]"
	    " [--format table|jsonl|csv]\n"
	    "\n"
	    "Shows the newest N matching records, oldest first; with"
	    " --since-seq,\n"
	    "the first N matching records from that sequence number on.\n"
	    "\n"
	    "  --limit N        at most N records, 1..%d (default %d)\n"
	    "  --format FORMAT  table (default, for people; HASH is the first"
	    " %d\n"
	    "                   hex digits), jsonl (one JSON object per line)"
	    " or csv\n"
	    "                   (RFC 4180, with a header)\n"
	    "  -h, --help       show this text\n"
	    "\n", AUDIT_LIMIT_MAX, AUDIT_LIMIT_DEFAULT, 12);
	audit_filter_usage(f);
}

static void
audit_export_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit export [FILTERS] [--format jsonl|csv]\n"
	    "\n"
	    "Writes every matching record, oldest first, with all its fields"
	    " and\n"
	    "its full hash.  An exit status other than 0 means the export is\n"
	    "incomplete.\n"
	    "\n"
	    "  --format FORMAT  jsonl (default, one JSON object per line) or"
	    " csv\n"
	    "                   (RFC 4180, with a header)\n"
	    "  -h, --help       show this text\n"
	    "\n");
	audit_filter_usage(f);
}

static void
audit_show_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit show [--format text|jsonl] SEQ\n"
	    "\n"
	    "Shows the record with sequence number SEQ, every field on a line"
	    " of\n"
	    "its own (\"key: value\"; \"-\" when the record has no value).\n"
	    "\n"
	    "  --format FORMAT  text (default) or jsonl\n"
	    "  -h, --help       show this text\n");
}

static void
audit_last_login_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit last-login USER [SYSTEM]\n"
	    "\n"
	    "Shows the newest successful login (event auth, decision allow)"
	    " of\n"
	    "USER, on SYSTEM if given: its time, system, service, remote host"
	    " and\n"
	    "sequence number.  Exit status 1 when there is none in the"
	    " trail.\n"
	    "\n"
	    "  -h, --help   show this text\n");
}

void
cmd_audit_usage(FILE *f)
{
	fprintf(f,
	    "usage: authctl audit list [FILTERS] [--limit N]"
	    " [--format table|jsonl|csv]\n"
	    "       authctl audit export [FILTERS] [--format jsonl|csv]\n"
	    "       authctl audit show [--format text|jsonl] SEQ\n"
	    "       authctl audit last-login USER [SYSTEM]\n"
	    "       authctl audit checkpoint\n"
	    "       authctl audit prune --before TIME\n"
	    "       authctl audit verify [--database PATH] [--key FILE]\n"
	    "                            [--checkpoint FILE]..."
	    " [--from-syslog FILE]...\n"
	    "\n"
	    "  list        show audit records\n"
	    "  export      write every matching record as JSON lines or CSV\n"
	    "  show        show one record with every field\n"
	    "  last-login  the newest successful login of a user\n"
	    "  checkpoint  sign the head of the hash chain now; print the"
	    " checkpoint\n"
	    "  prune       remove the records before TIME\n"
	    "  verify      check the hash chain and its signatures (offline)\n"
	    "\n"
	    "Run 'authctl audit SUBCOMMAND --help' for its options.\n");
}

/* Parses a TIME option value into *ms; prints why not. */
static int
audit_time_arg(const char *label, const char *opt, const char *arg,
    int64_t *ms)
{
	const char *err = NULL;
	char msg[128];
	size_t i;

	if (fmt_time_parse(arg, ms, &err) == 0)
		return AUTHCTL_EXIT_OK;
	/* "--since 1234" used to mean a sequence number. */
	for (i = 0; arg[i] >= '0' && arg[i] <= '9'; i++)
		;
	if (i > 0 && arg[i] == '\0') {
		fprintf(stderr, "authctl: %s: %s: expected a TIME, not a bare "
		    "number; use @%s for seconds since the epoch%s\n", label,
		    opt, arg, strcmp(opt, "--since") == 0 ? ", --since-seq "
		    "for a sequence number" : "");
		return AUTHCTL_EXIT_FAIL;
	}
	snprintf(msg, sizeof(msg), "%s: %s; got", opt, err);
	return client_usage_error(label, msg, arg);
}

/*
 * Handles `ch` if it is a filter option.  Returns AUTHCTL_EXIT_OK when it
 * was one, AUTHCTL_EXIT_FAIL after printing why its value is wrong, or -1
 * when `ch` is not a filter option.
 */
static int
audit_filter_option(const char *label, int ch, const char *arg,
    struct audit_filter *flt)
{
	long long v;
	const char *err;

	switch (ch) {
	case OPT_USER:
		if (!str_valid_user(arg))
			return client_usage_error(label, "--user: invalid user "
			    "name", arg);
		flt->user = arg;
		return AUTHCTL_EXIT_OK;
	case OPT_SYSTEM:
		if (!str_valid_name(arg))
			return client_usage_error(label, "--system: invalid "
			    "system name", arg);
		flt->system = arg;
		return AUTHCTL_EXIT_OK;
	case OPT_SINCE:
		return audit_time_arg(label, "--since", arg, &flt->from_ms);
	case OPT_UNTIL:
		if (audit_time_arg(label, "--until", arg, &flt->until_ms) !=
		    AUTHCTL_EXIT_OK)
			return AUTHCTL_EXIT_FAIL;
		/* On the wire a TIME_UNTIL of 0 means no bound. */
		if (flt->until_ms == 0)
			return client_usage_error(label, "--until must be "
			    "after the epoch:", arg);
		return AUTHCTL_EXIT_OK;
	case OPT_SINCE_SEQ:
		if (num_parse(arg, 0, INT64_MAX, &v, &err) != 0) {
			fprintf(stderr, "authctl: %s: --since-seq: must be a "
			    "sequence number: %s\n", label, err);
			return AUTHCTL_EXIT_FAIL;
		}
		flt->since_seq = v;
		return AUTHCTL_EXIT_OK;
	case OPT_DECISION:
		if (strcmp(arg, "allow") != 0 && strcmp(arg, "deny") != 0 &&
		    strcmp(arg, "ok") != 0 && strcmp(arg, "error") != 0)
			return client_usage_error(label, "--decision: expected "
			    "allow, deny, ok or error, not", arg);
		flt->decision = arg;
		return AUTHCTL_EXIT_OK;
	case OPT_REASON:
		/* Reasons are an open set; this only catches typos. */
		if (!str_valid_name(arg))
			return client_usage_error(label, "--reason: invalid "
			    "reason", arg);
		flt->reason = arg;
		return AUTHCTL_EXIT_OK;
	case OPT_EVENT:
		if (!str_valid_name(arg))
			return client_usage_error(label, "--event: invalid "
			    "event", arg);
		flt->event = arg;
		return AUTHCTL_EXIT_OK;
	default:
		return -1;
	}
}

/* Checks the filters as a whole, after every option was read. */
static int
audit_filter_check(const char *label, const struct audit_filter *flt)
{
	if (flt->from_ms >= 0 && flt->until_ms >= 0 &&
	    flt->from_ms >= flt->until_ms)
		return client_usage_error(label, "--since must be before "
		    "--until", NULL);
	return AUTHCTL_EXIT_OK;
}

/* Adds the filters except SINCE to `req`.  0 or an AUTHD_ERR_*. */
static int
audit_filter_add(struct proto_msg *req, const struct audit_filter *flt)
{
	int r;

	if ((r = proto_add_str(req, PROTO_A_USER, flt->user)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_SYSTEM, flt->system)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_DECISION, flt->decision)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_REASON, flt->reason)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_EVENT, flt->event)) != 0)
		return r;
	if (flt->from_ms >= 0 && (r = proto_add_u64(req, PROTO_A_TIME_FROM,
	    (uint64_t)flt->from_ms)) != 0)
		return r;
	if (flt->until_ms >= 0 && (r = proto_add_u64(req, PROTO_A_TIME_UNTIL,
	    (uint64_t)flt->until_ms)) != 0)
		return r;
	return 0;
}

/*
 * Row callback for client_call: checks that the rows come in ascending
 * sequence order and within the limit, then writes one record.
 */
static int
audit_row(const struct proto_msg *m, void *arg)
{
	struct audit_out *o = arg;
	uint64_t seq;

	/* Only audit records answer an audit request. */
	if (m->type != PROTO_T_AUDIT_ROW) {
		fprintf(stderr, "authctl: %s: protocol error: unexpected "
		    "message type 0x%02x\n", o->label, m->type);
		return AUTHD_ERR_BAD_TYPE;
	}
	/* SECURITY NOTE: a daemon sending more than asked cannot flood us. */
	if (++o->rows > o->limit) {
		fprintf(stderr, "authctl: %s: protocol error: more records "
		    "than the limit of %llu\n", o->label,
		    (unsigned long long)o->limit);
		return AUTHD_ERR_TOO_MANY;
	}
	/*
	 * Ascending order is what makes paging terminate: each page starts
	 * after the last record of the one before.
	 */
	if (proto_get_u64(m, PROTO_A_SEQ, &seq) != 0 || seq > INT64_MAX ||
	    (int64_t)seq < o->next_seq ||
	    (o->want_seq >= 0 && (int64_t)seq != o->want_seq)) {
		fprintf(stderr, "authctl: %s: protocol error: record without "
		    "a sequence number or out of order\n", o->label);
		return AUTHD_ERR_BAD_VALUE;
	}
	o->next_seq = (int64_t)seq + 1;
	o->total++;
	if (o->fields)
		record_write_fields(o->f, m, o->keys);
	else {
		if (!o->header) {
			record_header(o->f, o->format);
			o->header = 1;
		}
		record_write(o->f, o->format, m);
	}
	/* Stop early when the output is gone (full disk, closed pipe). */
	if (ferror(o->f)) {
		fprintf(stderr, "authctl: %s: cannot write the output: %s\n",
		    o->label, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	return 0;
}

/*
 * Sends one audit-list request with the filters, SINCE (if since >= 0)
 * and LIMIT, writing the rows through `o`.  Returns an exit status.
 */
static int
audit_list_call(const struct authctl *ctx, const struct audit_filter *flt,
    int64_t since, uint64_t limit, struct audit_out *o)
{
	struct proto_msg *req = NULL, *reply = NULL;
	int r, ret;

	o->rows = 0;
	o->limit = limit;
	/*
	 * Sequence numbers start at 1; SINCE 0 is not sent, because authd
	 * reads it as no SINCE (the newest records, not the first).
	 */
	if (since == 0)
		since = 1;
	if (since >= 0)
		o->next_seq = since;
	if ((ret = client_new_request(PROTO_T_AUDIT_LIST, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = audit_filter_add(req, flt)) != 0 ||
	    (r = proto_add_u64(req, PROTO_A_LIMIT, limit)) != 0 ||
	    (since >= 0 &&
	    (r = proto_add_u64(req, PROTO_A_SINCE, (uint64_t)since)) != 0)) {
		fprintf(stderr, "authctl: %s: %s\n", o->label,
		    authd_strerror(r));
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	ret = client_call(ctx, o->label, req, audit_row, o, &reply);
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

static const struct option audit_list_opts[] = {
	AUDIT_FILTER_OPTIONS,
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ "limit",	required_argument,	NULL,	OPT_LIMIT },
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_audit_list(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct audit_filter flt = { NULL, NULL, NULL, NULL, NULL, -1, -1, -1 };
	struct audit_out o;
	const char *label = c->label, *err;
	long long limit = AUDIT_LIMIT_DEFAULT;
	int ch, ret;

	audit_out_init(&o, label, RECORD_TABLE);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		if ((ret = audit_filter_option(label, ch, optarg, &flt)) >= 0) {
			if (ret != AUTHCTL_EXIT_OK)
				return ret;
			continue;
		}
		switch (ch) {
		case OPT_FORMAT:
			if (record_format_parse(optarg, &o.format) != 0)
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
		}
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) != CMD_GO ||
	    (ret = audit_filter_check(label, &flt)) != AUTHCTL_EXIT_OK)
		return ret;
	if ((ret = audit_list_call(ctx, &flt, flt.since_seq, (uint64_t)limit,
	    &o)) != AUTHCTL_EXIT_OK)
		return ret;
	/* An empty listing still gets its header. */
	if (!o.header)
		record_header(o.f, o.format);
	return AUTHCTL_EXIT_OK;
}

static const struct option audit_export_opts[] = {
	AUDIT_FILTER_OPTIONS,
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_audit_export(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct audit_filter flt = { NULL, NULL, NULL, NULL, NULL, -1, -1, -1 };
	struct audit_out o;
	const char *label = c->label;
	int64_t since;
	int ch, ret;

	audit_out_init(&o, label, RECORD_JSONL);
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		if ((ret = audit_filter_option(label, ch, optarg, &flt)) >= 0) {
			if (ret != AUTHCTL_EXIT_OK)
				return ret;
			continue;
		}
		switch (ch) {
		case OPT_FORMAT:
			if (record_format_parse(optarg, &o.format) != 0 ||
			    o.format == RECORD_TABLE)
				return client_usage_error(label, "--format: "
				    "expected jsonl or csv, not", optarg);
			break;
		}
	}
	if (ret != CMD_GO ||
	    (ret = cmd_operands(c, argc, argv, 0, 0, "")) != CMD_GO ||
	    (ret = audit_filter_check(label, &flt)) != AUTHCTL_EXIT_OK)
		return ret;
	/*
	 * Forward pages: each starts after the last record of the one before
	 * (audit_row keeps next_seq), until a page comes back short.  Records
	 * that arrive meanwhile are included.
	 */
	since = flt.since_seq >= 1 ? flt.since_seq : 1;
	for (;;) {
		if ((ret = audit_list_call(ctx, &flt, since, AUDIT_PAGE,
		    &o)) != AUTHCTL_EXIT_OK)
			return ret;
		if (o.rows < AUDIT_PAGE)
			break;
		since = o.next_seq;
	}
	if (!o.header)
		record_header(o.f, o.format);
	return AUTHCTL_EXIT_OK;
}

static const struct option audit_show_opts[] = {
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ NULL,		0,			NULL,	0 },
};

static int
cmd_audit_show(const struct authctl *ctx, const struct cmd *c, int argc,
    char **argv)
{
	struct proto_msg *req = NULL, *reply = NULL;
	struct audit_out o;
	const char *label = c->label, *err;
	long long seq;
	int ch, r, ret;

	audit_out_init(&o, label, RECORD_JSONL);
	o.fields = 1;
	while ((ch = cmd_getopt(c, argc, argv, &ret)) != -1) {
		switch (ch) {
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o.fields = 1;
			else if (strcmp(optarg, "jsonl") == 0)
				o.fields = 0;
			else
				return client_usage_error(label, "--format: "
				    "expected text or jsonl, not", optarg);
			break;
		}
	}
	if (ret != CMD_GO || (ret = cmd_operands(c, argc, argv, 1, 1,
	    "expected a sequence number")) != CMD_GO)
		return ret;
	if (num_parse(argv[optind], 1, INT64_MAX, &seq, &err) != 0) {
		fprintf(stderr, "authctl: %s: SEQ must be a sequence number: "
		    "%s\n", label, err);
		return AUTHCTL_EXIT_FAIL;
	}
	o.limit = 1;
	o.want_seq = o.next_seq = seq;
	if ((ret = client_new_request(PROTO_T_AUDIT_SHOW, &req)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if ((r = proto_add_u64(req, PROTO_A_SEQ, (uint64_t)seq)) != 0) {
		fprintf(stderr, "authctl: %s: %s\n", label, authd_strerror(r));
		ret = AUTHCTL_EXIT_FAIL;
		goto out;
	}
	if ((ret = client_call(ctx, label, req, audit_row, &o, &reply)) !=
	    AUTHCTL_EXIT_OK)
		goto out;
	if (o.rows != 1) {
		fprintf(stderr, "authctl: %s: protocol error: authd answered "
		    "without the record\n", label);
		ret = AUTHCTL_EXIT_FAIL;
	}
 out:
	proto_free(reply);
	proto_free(req);
	return ret;
}

static int
cmd_audit_last_login(const struct authctl *ctx, const struct cmd *c,
    int argc, char **argv)
{
	struct audit_filter flt = { NULL, NULL, "allow", NULL, "auth", -1, -1,
	    -1 };
	struct audit_out o;
	char suser[AUTHD_USER_MAX * 4 + 1], ssys[AUTHD_NAME_MAX * 4 + 1];
	const char *label = c->label;
	int ret;

	audit_out_init(&o, label, RECORD_TABLE);
	o.fields = 1;
	o.keys = audit_last_login_keys;
	while (cmd_getopt(c, argc, argv, &ret) != -1)
		;
	if (ret != CMD_GO || (ret = cmd_operands(c, argc, argv, 1, 2,
	    "expected a user")) != CMD_GO)
		return ret;
	flt.user = argv[optind];
	if (!str_valid_user(flt.user))
		return client_usage_error(label, "invalid user name", flt.user);
	if (argc - optind == 2) {
		flt.system = argv[optind + 1];
		if (!str_valid_name(flt.system))
			return client_usage_error(label, "invalid system name",
			    flt.system);
	}
	/* Without SINCE authd returns the newest match. */
	if ((ret = audit_list_call(ctx, &flt, -1, 1, &o)) != AUTHCTL_EXIT_OK)
		return ret;
	if (o.rows == 0) {
		/* Valid names are printable ASCII, but keep the one rule. */
		str_sanitize(flt.user, strlen(flt.user), suser, sizeof(suser));
		if (flt.system != NULL)
			str_sanitize(flt.system, strlen(flt.system), ssys,
			    sizeof(ssys));
		fprintf(stderr, "authctl: %s: no successful login of '%s'%s%s"
		    "%s in the audit trail\n", label, suser,
		    flt.system != NULL ? " on '" : "",
		    flt.system != NULL ? ssys : "",
		    flt.system != NULL ? "'" : "");
		return AUTHCTL_EXIT_DENIED;
	}
	return AUTHCTL_EXIT_OK;
}

const struct cmd cmd_audit_subs[] = {
	{ "list", "audit list", audit_list_usage, cmd_audit_list,
	    audit_list_opts, NULL, NULL },
	{ "export", "audit export", audit_export_usage, cmd_audit_export,
	    audit_export_opts, NULL, NULL },
	{ "show", "audit show", audit_show_usage, cmd_audit_show,
	    audit_show_opts, NULL, NULL },
	{ "last-login", "audit last-login", audit_last_login_usage,
	    cmd_audit_last_login, NULL, NULL, NULL },
	{ "checkpoint", "audit checkpoint", cmd_chain_checkpoint_usage,
	    cmd_chain_checkpoint, NULL, NULL, NULL },
	{ "prune", "audit prune", cmd_chain_prune_usage, cmd_chain_prune,
	    cmd_chain_prune_opts, NULL, NULL },
	{ "verify", "audit verify", cmd_verify_usage, cmd_verify,
	    cmd_verify_opts, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};
