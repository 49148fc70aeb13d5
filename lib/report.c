/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "fmt.h"
#include "proto.h"
#include "report.h"
#include "util.h"

/*
 * An access review, whole, in the four forms authctl writes it: "review
 * show" (a table for people, or CSV / JSON) and "review report" (the
 * evidence for the board: CSV, JSON or one HTML page).  Every form shows
 * the same facts: the campaign, each item with its decision, who made it,
 * when and why, and the audit chain head recorded at close.
 */

/* 9999-12-31T23:59:59.999Z: the last instant fmt_time_iso shows. */
#define REPORT_MS_MAX		UINT64_C(253402300799999)
#define REPORT_DAY_MS		UINT64_C(86400000)
/* The longest string attribute authd sends (PATH, 2048 bytes), sanitised. */
#define REPORT_TEXT_MAX		(4 * 2048 + 8)
/* Width of the keys in the table form's campaign lines. */
#define REPORT_KEY_WIDTH	16

void
report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
}

static void
report_item_free(struct report_item *it)
{
	free(it->user);
	free(it->role);
	free(it->path);
	free(it->token);
	free(it->account);
	free(it->recommend);
	free(it->decision);
	free(it->actor);
	free(it->comment);
	free(it->remediation);
	memset(it, 0, sizeof(*it));
}

void
report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		report_item_free(&r->items[i]);
	free(r->items);
	free(r->system);
	free(r->description);
	free(r->owner);
	free(r->classification);
	free(r->policy);
	free(r->state);
	free(r->started_by);
	free(r->closed_by);
	free(r->deflt);
	free(r->head_hash);
	memset(r, 0, sizeof(*r));
}

/* What is missing from a row or reply, by the tag's name on the wire. */
static const char *
report_missing(uint16_t tag)
{
	static const struct {
		uint16_t	 tag;
		const char	*why;
	} names[] = {
		{ PROTO_A_USER, "USER missing or empty" },
		{ PROTO_A_ROLE, "ROLE missing or empty" },
		{ PROTO_A_STATE, "STATE missing or empty" },
		{ PROTO_A_RECOMMEND, "RECOMMEND missing or empty" },
		{ PROTO_A_ACTOR, "ACTOR missing or empty" },
		{ PROTO_A_SYSTEM, "SYSTEM missing or empty" },
		{ PROTO_A_OWNER, "OWNER missing or empty" },
		{ PROTO_A_CLASS, "CLASS missing or empty" },
		{ PROTO_A_POLICY, "POLICY missing or empty" },
		{ PROTO_A_LAST_LOGIN, "LAST_LOGIN missing" },
		{ PROTO_A_INACTIVE, "INACTIVE missing" },
		{ PROTO_A_NEEDS_ADMIN, "NEEDS_ADMIN missing" },
		{ PROTO_A_TIME, "TIME missing" },
		{ PROTO_A_DEFAULT_BY, "DEFAULT_BY missing" },
		{ PROTO_A_REVIEW, "REVIEW missing" },
		{ PROTO_A_DUE, "DUE missing" },
		{ PROTO_A_CLOSED, "CLOSED missing" },
		{ PROTO_A_COUNT, "COUNT missing" },
		{ PROTO_A_DECIDED, "DECIDED missing" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].tag == tag)
			return names[i].why;
	return "a required value is missing";
}

/*
 * Copies the string `tag` of `m` into *out.  A required one must be
 * present and not empty; an optional one that is absent or empty leaves
 * *out NULL.
 */
static int
report_str(const struct proto_msg *m, uint16_t tag, int required, char **out,
    const char **why)
{
	const char *s;

	*out = NULL;
	if (proto_get_str(m, tag, &s) != 0 || *s == '\0') {
		if (!required)
			return 0;
		*why = report_missing(tag);
		return AUTHD_ERR_MISSING;
	}
	if ((*out = strdup(s)) == NULL) {
		*why = "out of memory";
		return AUTHD_ERR_NOMEM;
	}
	return 0;
}

/* Reads the integer `tag` of `m`, which must be present and <= max. */
static int
report_u64(const struct proto_msg *m, uint16_t tag, uint64_t max,
    uint64_t *out, const char **why)
{
	if (proto_get_u64(m, tag, out) != 0) {
		*why = report_missing(tag);
		return AUTHD_ERR_MISSING;
	}
	if (*out > max) {
		*why = "a number or time is out of range";
		return AUTHD_ERR_BAD_VALUE;
	}
	return 0;
}

static int
report_is_decision(const char *s)
{
	return s != NULL && (strcmp(s, "keep") == 0 ||
	    strcmp(s, "revoke") == 0);
}

int
report_add_item(struct report *r, const struct proto_msg *m,
    const char **why)
{
	struct report_item it, *items;
	const char *kind;
	uint64_t v;
	size_t cap;
	int ret;

	memset(&it, 0, sizeof(it));
	if (proto_get_str(m, PROTO_A_KIND, &kind) != 0 ||
	    strcmp(kind, "item") != 0) {
		*why = "a row that is not an item";
		return AUTHD_ERR_BAD_VALUE;
	}
	/* SECURITY NOTE: a daemon sending rows without end cannot flood us. */
	if (r->n >= REPORT_ITEMS_MAX) {
		*why = "more items than a review can have";
		return AUTHD_ERR_TOO_MANY;
	}
	if ((ret = report_str(m, PROTO_A_USER, 1, &it.user, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_ROLE, 1, &it.role, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_PATH, 0, &it.path, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_STATE, 1, &it.token, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_ACCOUNT_REASON, 0, &it.account,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_RECOMMEND, 1, &it.recommend,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_DECISION, 0, &it.decision,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_COMMENT, 0, &it.comment, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_REMEDIATION, 0, &it.remediation,
	    why)) != 0 ||
	    (ret = report_u64(m, PROTO_A_LAST_LOGIN, REPORT_MS_MAX,
	    &it.last_login, why)) != 0 ||
	    (ret = report_u64(m, PROTO_A_INACTIVE, 1, &v, why)) != 0)
		goto fail;
	it.inactive = (int)v;
	if ((ret = report_u64(m, PROTO_A_NEEDS_ADMIN, 1, &v, why)) != 0)
		goto fail;
	it.needs_admin = (int)v;
	if (it.decision != NULL) {
		/* A decision comes with who made it, when, and how. */
		if (!report_is_decision(it.decision)) {
			*why = "a decision other than keep or revoke";
			ret = AUTHD_ERR_BAD_VALUE;
			goto fail;
		}
		if ((ret = report_str(m, PROTO_A_ACTOR, 1, &it.actor,
		    why)) != 0 ||
		    (ret = report_u64(m, PROTO_A_TIME, REPORT_MS_MAX,
		    &it.decided_at, why)) != 0 ||
		    (ret = report_u64(m, PROTO_A_DEFAULT_BY, 1, &v, why)) != 0)
			goto fail;
		it.by_default = (int)v;
	}
	if (r->n == r->cap) {
		cap = r->cap == 0 ? 64 : r->cap * 2;
		if ((items = reallocarray(r->items, cap, sizeof(*items))) ==
		    NULL) {
			*why = "out of memory";
			ret = AUTHD_ERR_NOMEM;
			goto fail;
		}
		r->items = items;
		r->cap = cap;
	}
	r->items[r->n++] = it;
	return 0;
 fail:
	report_item_free(&it);
	return ret;
}

/* Returns 1 if `s` is 1..64 lower-case hex digits (a chain hash). */
static int
report_is_hex(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 64 || !((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i > 0;
}

int
report_set_campaign(struct report *r, const struct proto_msg *m,
    const char **why)
{
	uint64_t count, decided;
	size_t i, n = 0;
	int ret;

	if ((ret = report_u64(m, PROTO_A_REVIEW, INT64_MAX, &r->id,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_SYSTEM, 1, &r->system, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_DESCRIPTION, 0, &r->description,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_OWNER, 1, &r->owner, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_CLASS, 1, &r->classification,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_POLICY, 1, &r->policy, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_STATE, 1, &r->state, why)) != 0 ||
	    (ret = report_u64(m, PROTO_A_TIME, REPORT_MS_MAX, &r->started,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_ACTOR, 1, &r->started_by,
	    why)) != 0 ||
	    (ret = report_u64(m, PROTO_A_DUE, REPORT_MS_MAX, &r->due,
	    why)) != 0 ||
	    (ret = report_u64(m, PROTO_A_CLOSED, REPORT_MS_MAX, &r->closed,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_CLOSED_BY, 0, &r->closed_by,
	    why)) != 0 ||
	    (ret = report_str(m, PROTO_A_DEFAULT, 0, &r->deflt, why)) != 0 ||
	    (ret = report_str(m, PROTO_A_HASH, 0, &r->head_hash, why)) != 0 ||
	    (ret = report_u64(m, PROTO_A_COUNT, REPORT_ITEMS_MAX, &count,
	    why)) != 0 ||
	    (ret = report_u64(m, PROTO_A_DECIDED, REPORT_ITEMS_MAX, &decided,
	    why)) != 0)
		return ret;
	if (proto_get_u64(m, PROTO_A_SEQ, &r->head_seq) != 0)
		r->head_seq = 0;
	if (r->deflt != NULL && !report_is_decision(r->deflt)) {
		*why = "a default other than keep or revoke";
		return AUTHD_ERR_BAD_VALUE;
	}
	if (r->head_hash != NULL && (!report_is_hex(r->head_hash) ||
	    r->head_seq == 0)) {
		*why = "an audit chain head that is not a sequence number and "
		    "a hex hash";
		return AUTHD_ERR_BAD_VALUE;
	}
	/* Rows lost or made up on the way would change the evidence. */
	for (i = 0; i < r->n; i++)
		if (r->items[i].decision != NULL)
			n++;
	if (count != r->n || decided != n) {
		*why = "the item counts disagree with the items sent";
		return AUTHD_ERR_BAD_VALUE;
	}
	return 0;
}

void
report_summarize(const struct report *r, struct report_summary *s)
{
	const struct report_item *it;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		if (it->needs_admin)
			s->admin++;
		if (it->decision == NULL)
			s->undecided++;
		else if (strcmp(it->decision, "keep") == 0) {
			s->kept++;
			s->kept_default += it->by_default != 0;
		} else {
			s->revoked++;
			s->revoked_default += it->by_default != 0;
		}
	}
}

const char *
report_due_text(uint64_t due, char *out, size_t outsz)
{
	char iso[FMT_TIME_LEN];

	/* "--due 2026-12-31" is due at 2027-01-01T00:00Z: show the day. */
	if (due > 0 && due % REPORT_DAY_MS == 0 &&
	    fmt_time_iso(due - 1, 0, iso, sizeof(iso)) == 0) {
		snprintf(out, outsz, "%.10s", iso);
		return out;
	}
	if (fmt_time_iso(due, 0, iso, sizeof(iso)) != 0)
		snprintf(out, outsz, "-");
	else
		snprintf(out, outsz, "%s", iso);
	return out;
}

/* ISO 8601 UTC to the second, "" for 0 (none). */
static const char *
report_iso(uint64_t ms, char *out)
{
	if (ms == 0 || fmt_time_iso(ms, 0, out, FMT_TIME_LEN) != 0)
		out[0] = '\0';
	return out;
}

static const char *
report_decides(const struct report_item *it)
{
	return it->needs_admin ? "security function" : "owner";
}

/* ---- table: for people, text sanitised ---- */

/* Sanitises `s` into `out` (REPORT_TEXT_MAX bytes); "-" for NULL or "". */
static const char *
report_text(const char *s, char *out)
{
	if (s == NULL || *s == '\0')
		return "-";
	/* SECURITY NOTE: text from authd reaches a terminal (escape codes). */
	return str_sanitize(s, strlen(s), out, REPORT_TEXT_MAX);
}

/* A "key: value" line of the campaign, value sanitised. */
static void
report_line(FILE *f, const char *key, const char *value)
{
	static char text[REPORT_TEXT_MAX];
	char k[REPORT_KEY_WIDTH + 2];

	snprintf(k, sizeof(k), "%s:", key);
	fprintf(f, "%-*s%s\n", REPORT_KEY_WIDTH, k, report_text(value, text));
}

/* A cell of text authctl itself chose (no escaping needed), padded. */
static void
report_cell(FILE *f, const char *s, int width)
{
	fprintf(f, "%-*s ", width, s);
}

static void
report_write_table(FILE *f, const struct report *r)
{
	static char a[REPORT_TEXT_MAX], b[REPORT_TEXT_MAX];
	const struct report_item *it;
	char t1[FMT_TIME_LEN], t2[FMT_TIME_LEN], word[32];
	size_t i, k;

	fprintf(f, "review %llu: %s\n", (unsigned long long)r->id,
	    report_text(r->system, a));
	report_line(f, "description", r->description);
	report_line(f, "owner", r->owner);
	report_line(f, "classification", r->classification);
	report_line(f, "policy", r->policy);
	report_line(f, "state", r->state);
	fprintf(f, "%-*s%s by %s\n", REPORT_KEY_WIDTH, "started:",
	    report_iso(r->started, t1), report_text(r->started_by, a));
	fprintf(f, "%-*s%s\n", REPORT_KEY_WIDTH, "due:",
	    report_due_text(r->due, t2, sizeof(t2)));
	if (r->closed != 0)
		fprintf(f, "%-*s%s by %s\n", REPORT_KEY_WIDTH, "closed:",
		    report_iso(r->closed, t1), report_text(r->closed_by, a));
	else
		fprintf(f, "%-*s-\n", REPORT_KEY_WIDTH, "closed:");
	report_line(f, "default", r->deflt);
	if (r->head_hash != NULL)
		fprintf(f, "%-*sseq %llu, hash %s\n", REPORT_KEY_WIDTH,
		    "audit head:", (unsigned long long)r->head_seq,
		    report_text(r->head_hash, a));
	else
		fprintf(f, "%-*s-\n", REPORT_KEY_WIDTH, "audit head:");
	k = 0;
	for (i = 0; i < r->n; i++)
		k += r->items[i].decision != NULL;
	fprintf(f, "%-*s%zu (%zu decided)\n", REPORT_KEY_WIDTH, "items:",
	    r->n, k);
	if (r->n == 0)
		return;

	fputc('\n', f);
	report_cell(f, "USER", 12);
	report_cell(f, "ROLE", 16);
	report_cell(f, "TOKEN", 8);
	report_cell(f, "LAST LOGIN", 10);
	report_cell(f, "RECOMMEND", 9);
	report_cell(f, "DECIDES", 17);
	fputs("DECISION\n", f);
	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		fmt_table_cell(f, it->user, 12, 0);
		fmt_table_cell(f, it->role, 16, 0);
		fmt_table_cell(f, it->token, 8, 0);
		/* The day is enough here; CSV and JSON have the instant. */
		snprintf(t1, sizeof(t1), "%.10s", it->last_login == 0 ?
		    "never" : report_iso(it->last_login, t2));
		report_cell(f, t1, 10);
		/* The recommendation's first word; its reason comes below. */
		k = strcspn(it->recommend, " ");
		snprintf(word, sizeof(word), "%.*s", (int)(k < sizeof(word) ?
		    k : sizeof(word) - 1), it->recommend);
		fmt_table_cell(f, word, 9, 0);
		report_cell(f, report_decides(it), 17);
		fprintf(f, "%s%s\n", it->decision != NULL ? it->decision : "-",
		    it->by_default ? " (default)" : "");
		if (it->recommend[k] != '\0')
			fprintf(f, "  recommendation: %s\n",
			    report_text(it->recommend, a));
		if (it->decision != NULL)
			fprintf(f, "  decided by %s at %s%s\n",
			    report_text(it->actor, a),
			    report_iso(it->decided_at, t2), it->by_default ?
			    ", the default at close" : "");
		if (it->comment != NULL)
			fprintf(f, "  comment: %s\n",
			    report_text(it->comment, b));
		if (it->remediation != NULL)
			fprintf(f, "  remediation: %s\n",
			    report_text(it->remediation, b));
		if (it->path != NULL)
			fprintf(f, "  via: %s\n", report_text(it->path, b));
	}
}

/* ---- CSV: one line per item, the campaign repeated ---- */

static const char *const report_csv_keys[] = {
	"review", "system", "description", "owner", "classification",
	"policy", "state", "started", "started_by", "due", "closed",
	"closed_by", "default", "head_seq", "head_hash", "user", "role",
	"path", "token", "account", "last_login", "inactive",
	"recommendation",
	"decides", "decision", "by_default", "decided_by", "decided_at",
	"comment", "remediation", NULL,
};

static void
report_csv_str(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	if (s != NULL)
		fmt_csv_field(f, s, strlen(s));
}

static void
report_csv_num(FILE *f, uint64_t v, int present)
{
	fputc(',', f);
	if (present)
		fprintf(f, "%llu", (unsigned long long)v);
}

static void
report_write_csv(FILE *f, const struct report *r)
{
	const struct report_item *it;
	char t[FMT_TIME_LEN];
	size_t i;

	for (i = 0; report_csv_keys[i] != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? "," : "", report_csv_keys[i]);
	fputs("\r\n", f);
	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		fprintf(f, "%llu", (unsigned long long)r->id);
		report_csv_str(f, r->system, 0);
		report_csv_str(f, r->description, 0);
		report_csv_str(f, r->owner, 0);
		report_csv_str(f, r->classification, 0);
		report_csv_str(f, r->policy, 0);
		report_csv_str(f, r->state, 0);
		report_csv_str(f, report_iso(r->started, t), 0);
		report_csv_str(f, r->started_by, 0);
		report_csv_str(f, report_iso(r->due, t), 0);
		report_csv_str(f, report_iso(r->closed, t), 0);
		report_csv_str(f, r->closed_by, 0);
		report_csv_str(f, r->deflt, 0);
		report_csv_num(f, r->head_seq, r->head_hash != NULL);
		report_csv_str(f, r->head_hash, 0);
		report_csv_str(f, it->user, 0);
		report_csv_str(f, it->role, 0);
		report_csv_str(f, it->path, 0);
		report_csv_str(f, it->token, 0);
		report_csv_str(f, it->account, 0);
		report_csv_str(f, report_iso(it->last_login, t), 0);
		report_csv_str(f, it->inactive ? "yes" : "no", 0);
		report_csv_str(f, it->recommend, 0);
		report_csv_str(f, report_decides(it), 0);
		report_csv_str(f, it->decision, 0);
		report_csv_str(f, it->decision == NULL ? NULL :
		    it->by_default ? "yes" : "no", 0);
		report_csv_str(f, it->actor, 0);
		report_csv_str(f, report_iso(it->decided_at, t), 0);
		report_csv_str(f, it->comment, 0);
		report_csv_str(f, it->remediation, 0);
		fputs("\r\n", f);
	}
}

/* ---- JSON: {"campaign": {...}, "items": [...]} ---- */

/* Writes "key": value members; an absent value (NULL, 0 time) is left out. */
static void
report_json_key(FILE *f, int *n, const char *key)
{
	fprintf(f, "%s\"%s\":", *n > 0 ? "," : "", key);
	(*n)++;
}

static void
report_json_str(FILE *f, int *n, const char *key, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	report_json_key(f, n, key);
	fmt_json_str(f, s, strlen(s));
}

static void
report_json_num(FILE *f, int *n, const char *key, uint64_t v)
{
	report_json_key(f, n, key);
	fprintf(f, "%llu", (unsigned long long)v);
}

static void
report_json_bool(FILE *f, int *n, const char *key, int v)
{
	report_json_key(f, n, key);
	fputs(v ? "true" : "false", f);
}

static void
report_json_time(FILE *f, int *n, const char *key, uint64_t ms)
{
	char t[FMT_TIME_LEN];

	report_json_str(f, n, key, report_iso(ms, t));
}

static void
report_write_json(FILE *f, const struct report *r)
{
	const struct report_item *it;
	struct report_summary s;
	size_t i;
	int n = 0;

	report_summarize(r, &s);
	fputs("{\"campaign\":{", f);
	report_json_num(f, &n, "review", r->id);
	report_json_str(f, &n, "system", r->system);
	report_json_str(f, &n, "description", r->description);
	report_json_str(f, &n, "owner", r->owner);
	report_json_str(f, &n, "classification", r->classification);
	report_json_str(f, &n, "policy", r->policy);
	report_json_str(f, &n, "state", r->state);
	report_json_bool(f, &n, "provisional", r->closed == 0);
	report_json_time(f, &n, "started", r->started);
	report_json_str(f, &n, "started_by", r->started_by);
	report_json_time(f, &n, "due", r->due);
	report_json_time(f, &n, "closed", r->closed);
	report_json_str(f, &n, "closed_by", r->closed_by);
	report_json_str(f, &n, "default", r->deflt);
	if (r->head_hash != NULL) {
		report_json_num(f, &n, "head_seq", r->head_seq);
		report_json_str(f, &n, "head_hash", r->head_hash);
	}
	report_json_num(f, &n, "count", r->n);
	report_json_num(f, &n, "decided", r->n - s.undecided);
	report_json_key(f, &n, "summary");
	fprintf(f, "{\"kept\":%zu,\"revoked\":%zu,\"kept_by_default\":%zu,"
	    "\"revoked_by_default\":%zu,\"undecided\":%zu,"
	    "\"security_function\":%zu}", s.kept, s.revoked, s.kept_default,
	    s.revoked_default, s.undecided, s.admin);
	fputs("},\n\"items\":[", f);
	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		fputs(i > 0 ? ",\n{" : "\n{", f);
		n = 0;
		report_json_str(f, &n, "user", it->user);
		report_json_str(f, &n, "role", it->role);
		report_json_str(f, &n, "path", it->path);
		report_json_str(f, &n, "token", it->token);
		report_json_str(f, &n, "account", it->account);
		report_json_time(f, &n, "last_login", it->last_login);
		report_json_bool(f, &n, "inactive", it->inactive);
		report_json_str(f, &n, "recommendation", it->recommend);
		report_json_str(f, &n, "decides", report_decides(it));
		report_json_str(f, &n, "decision", it->decision);
		if (it->decision != NULL)
			report_json_bool(f, &n, "by_default", it->by_default);
		report_json_str(f, &n, "decided_by", it->actor);
		report_json_time(f, &n, "decided_at", it->decided_at);
		report_json_str(f, &n, "comment", it->comment);
		report_json_str(f, &n, "remediation", it->remediation);
		fputc('}', f);
	}
	fputs(r->n > 0 ? "\n]}\n" : "]}\n", f);
}

/* ---- HTML: one page, nothing fetched, printable ---- */

/*
 * SECURITY NOTE: the page loads nothing (no URL anywhere, no script): it
 * is evidence that must read the same offline and years later, and a
 * viewer must not be made to fetch anything by a name or comment.
 */
static const char report_css[] =
    "@page { size: A4 landscape; margin: 12mm; }\n"
    "html { font-family: \"DejaVu Sans\", \"Liberation Sans\", Arial, "
    "sans-serif; font-size: 10pt; color: #111; background: #fff; }\n"
    "body { margin: 1.5em auto; max-width: 273mm; }\n"
    "h1 { font-size: 16pt; margin: 0 0 .3em; }\n"
    "h2 { font-size: 12pt; margin: 1.2em 0 .4em; "
    "page-break-after: avoid; break-after: avoid; }\n"
    "table { border-collapse: collapse; }\n"
    "th, td { border: 1px solid #999; padding: 2pt 4pt; text-align: left; "
    "vertical-align: top; }\n"
    "th { background: #eee; }\n"
    "table.kv th { width: 15em; }\n"
    "table.items { width: 100%; font-size: 8.5pt; }\n"
    "tr { page-break-inside: avoid; break-inside: avoid; }\n"
    "thead { display: table-header-group; }\n"
    "td.num { text-align: right; }\n"
    ".mono { font-family: \"DejaVu Sans Mono\", \"Liberation Mono\", "
    "monospace; overflow-wrap: anywhere; }\n"
    "td.path { font-size: 7.5pt; overflow-wrap: anywhere; }\n"
    ".provisional { border: 2pt solid #a00; color: #a00; padding: 6pt; "
    "font-weight: bold; }\n"
    "tr.revoke td.decision, td.rec-revoke, td.sf { font-weight: bold; }\n"
    "tr.undecided td.decision { font-style: italic; }\n"
    "footer { margin-top: 1.5em; font-size: 8pt; color: #444; }\n"
    "@media print {\n"
    "  body { margin: 0; max-width: none; }\n"
    "  th { -webkit-print-color-adjust: exact; "
    "print-color-adjust: exact; }\n"
    "}\n";

/* Writes NUL-terminated text, escaped; "" for NULL. */
static void
report_html(FILE *f, const char *s)
{
	if (s != NULL)
		fmt_html_text(f, s, strlen(s));
}

/* A row of the campaign table: th, then the escaped value or "-". */
static void
report_html_kv(FILE *f, const char *key, const char *value)
{
	fprintf(f, "<tr><th scope=\"row\">%s</th><td>", key);
	if (value != NULL && *value != '\0')
		report_html(f, value);
	else
		fputs("-", f);
	fputs("</td></tr>\n", f);
}

/* "TIME by WHO" for the campaign table. */
static void
report_html_when(FILE *f, const char *key, uint64_t ms, const char *who)
{
	char t[FMT_TIME_LEN];

	fprintf(f, "<tr><th scope=\"row\">%s</th><td>", key);
	if (ms == 0)
		fputs("not closed", f);
	else {
		fprintf(f, "%s by ", report_iso(ms, t));
		report_html(f, who != NULL ? who : "-");
	}
	fputs("</td></tr>\n", f);
}

static void
report_html_item(FILE *f, size_t i, const struct report_item *it)
{
	char t[FMT_TIME_LEN];
	const char *cls = it->decision == NULL ? "undecided" :
	    strcmp(it->decision, "revoke") == 0 ? "revoke" : "keep";

	fprintf(f, "<tr class=\"%s\"><td class=\"num\">%zu</td><td>", cls,
	    i + 1);
	report_html(f, it->user);
	fputs("</td><td>", f);
	report_html(f, it->role);
	fputs("</td><td>", f);
	report_html(f, it->token);
	fputs("</td><td>", f);
	if (it->last_login == 0)
		fputs("never", f);
	else
		fprintf(f, "%.10s", report_iso(it->last_login, t));
	if (it->inactive)
		fputs(" (inactive)", f);
	fprintf(f, "</td><td%s>", strncmp(it->recommend, "revoke", 6) == 0 ?
	    " class=\"rec-revoke\"" : "");
	report_html(f, it->recommend);
	fprintf(f, "</td><td%s>%s</td><td class=\"decision\">",
	    it->needs_admin ? " class=\"sf\"" : "", report_decides(it));
	if (it->decision == NULL)
		fputs("undecided", f);
	else {
		report_html(f, it->decision);
		if (it->by_default)
			fputs(" (default at close)", f);
	}
	fputs("</td><td>", f);
	report_html(f, it->actor);
	fputs("</td><td>", f);
	report_html(f, report_iso(it->decided_at, t));
	fputs("</td><td>", f);
	report_html(f, it->comment);
	fputs("</td><td>", f);
	report_html(f, it->remediation);
	fputs("</td><td class=\"path\">", f);
	report_html(f, it->path);
	fputs("</td></tr>\n", f);
}

static void
report_write_html(FILE *f, const struct report *r, int64_t now)
{
	struct report_summary s;
	char t[FMT_TIME_LEN], due[FMT_TIME_LEN];
	size_t i;

	report_summarize(r, &s);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>", f);
	fprintf(f, "Access review %llu: ", (unsigned long long)r->id);
	report_html(f, r->system);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    report_css);
	fprintf(f, "<h1>Access review %llu: ", (unsigned long long)r->id);
	report_html(f, r->system);
	fputs("</h1>\n", f);
	if (r->closed == 0) {
		fputs("<p class=\"provisional\">Provisional: this review is "
		    "not closed (state: ", f);
		report_html(f, r->state);
		fputs("). Items may still be decided, and the audit chain "
		    "head is recorded only at close. Make the report again "
		    "after the review is closed.</p>\n", f);
	}

	fputs("<h2>Campaign</h2>\n<table class=\"kv\">\n", f);
	fprintf(f, "<tr><th scope=\"row\">Review</th><td>%llu</td></tr>\n",
	    (unsigned long long)r->id);
	report_html_kv(f, "System", r->system);
	report_html_kv(f, "Description", r->description);
	report_html_kv(f, "System owner", r->owner);
	report_html_kv(f, "Classification", r->classification);
	fputs("<tr><th scope=\"row\">Policy version</th><td class=\"mono\">",
	    f);
	report_html(f, r->policy);
	fputs("</td></tr>\n", f);
	report_html_when(f, "Started", r->started, r->started_by);
	report_due_text(r->due, due, sizeof(due));
	fprintf(f, "<tr><th scope=\"row\">Due</th><td>%s%s</td></tr>\n", due,
	    strlen(due) == 10 ? " (end of the day, UTC)" : "");
	report_html_kv(f, "State", r->state);
	report_html_when(f, "Closed", r->closed, r->closed_by);
	fputs("<tr><th scope=\"row\">Default at close</th><td>", f);
	if (r->closed == 0)
		fputs("-", f);
	else if (r->deflt == NULL)
		fputs("none: every item was decided", f);
	else {
		report_html(f, r->deflt);
		fputs(": the items left undecided were decided so", f);
	}
	fputs("</td></tr>\n<tr><th scope=\"row\">Audit chain head at "
	    "close</th><td class=\"mono\">", f);
	if (r->head_hash == NULL)
		fputs("-", f);
	else {
		fprintf(f, "seq %llu<br>hash ",
		    (unsigned long long)r->head_seq);
		report_html(f, r->head_hash);
	}
	fputs("</td></tr>\n</table>\n", f);

	fputs("<h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr>"
	    "<th>Items</th><th>Kept</th><th>Revoked</th>"
	    "<th>Decided by default</th><th>Undecided</th>"
	    "<th>For the security function</th></tr></thead>\n", f);
	fprintf(f, "<tbody><tr><td class=\"num\">%zu</td>"
	    "<td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
	    "<td>%zu (%zu kept, %zu revoked)</td>"
	    "<td class=\"num\">%zu</td><td class=\"num\">%zu</td></tr>"
	    "</tbody>\n</table>\n", r->n, s.kept, s.revoked,
	    s.kept_default + s.revoked_default, s.kept_default,
	    s.revoked_default, s.undecided, s.admin);

	fputs("<h2>Items</h2>\n", f);
	if (r->n == 0)
		fputs("<p>No items: nobody held a role on the system when the "
		    "review started.</p>\n", f);
	else {
		fputs("<table class=\"items\">\n<thead><tr><th>#</th>"
		    "<th>User</th><th>Role</th><th>Token</th>"
		    "<th>Last login</th><th>Recommendation</th>"
		    "<th>Decides</th><th>Decision</th><th>Decided by</th>"
		    "<th>Decided at</th><th>Comment</th>"
		    "<th>Remediation</th><th>Granted through</th></tr>"
		    "</thead>\n<tbody>\n", f);
		for (i = 0; i < r->n; i++)
			report_html_item(f, i, &r->items[i]);
		fputs("</tbody>\n</table>\n", f);
	}

	fprintf(f, "<footer>\n<p>Generated by authctl at %s from authd's "
	    "record of review %llu. Times are UTC.", report_iso((uint64_t)now,
	    t), (unsigned long long)r->id);
	if (r->head_hash != NULL)
		fprintf(f, " The audit chain head ties this report to the "
		    "audit trail: <code>authctl audit show %llu</code> shows "
		    "the closing record, and <code>authctl audit verify</code> "
		    "checks the chain up to it.", (unsigned long long)
		    r->head_seq);
	fputs("</p>\n</footer>\n</body>\n</html>\n", f);
}

void
report_write(FILE *f, enum report_format format, const struct report *r,
    int64_t now)
{
	switch (format) {
	case REPORT_TABLE:
		report_write_table(f, r);
		break;
	case REPORT_CSV:
		report_write_csv(f, r);
		break;
	case REPORT_JSON:
		report_write_json(f, r);
		break;
	case REPORT_HTML:
		report_write_html(f, r, now);
		break;
	}
}
