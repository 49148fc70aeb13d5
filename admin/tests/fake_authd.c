/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/socket.h>
#include <sys/un.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

/*
 * fake_authd SOCKET N DUMP [MODE]: a stand-in for authd's admin socket
 * that serves N generated audit records (awkward text included) with the
 * audit-list semantics of docs/protocol.md, audit-show, audit-checkpoint
 * and audit-prune, so that authctl's audit commands can be tested without
 * the daemon.  It writes every record to DUMP, one line each, with its
 * fields as hex, for comparing what authctl wrote with what was sent.
 * MODE makes it misbehave: "extra" (a row more than LIMIT), "unordered"
 * (rows out of order), "badcp" (a control byte in a checkpoint), "norow"
 * (audit-show answered without its row), "policyerror" (policy-reload
 * rejected), "nover" (policy-reload answered without a version).
 *
 * policy-test, access-list and access-user get canned answers (fake_policy
 * and fake_access say which names get which), and so do the review and
 * revocation requests (fake_review; MODE "nosystems" makes "start --all"
 * find no system).  Every request is appended to DUMP.req, one line
 * each: its type name, then its attributes as key=value in the order
 * sent, strings sanitised, secrets (PASSWORD, CODE) as "<N bytes>"; tests
 * read what authctl sent, or that it sent nothing.
 */

#define FAKE_FIELDS	15

static const struct {
	const char	*key;
	uint16_t	 tag;
} fake_fields[FAKE_FIELDS] = {
	{ "event", PROTO_A_EVENT }, { "actor", PROTO_A_ACTOR },
	{ "user", PROTO_A_USER }, { "system", PROTO_A_SYSTEM },
	{ "service", PROTO_A_SERVICE }, { "rhost", PROTO_A_RHOST },
	{ "tty", PROTO_A_TTY }, { "decision", PROTO_A_DECISION },
	{ "reason", PROTO_A_REASON }, { "node", PROTO_A_NODE },
	{ "detail", PROTO_A_DETAIL }, { "policy", PROTO_A_POLICY },
	{ "role", PROTO_A_ROLE }, { "rule", PROTO_A_RULE },
	{ "factors", PROTO_A_FACTORS },
};

struct fake_rec {
	uint64_t	 seq;
	uint64_t	 time_ms;
	uint64_t	 reqid;
	const char	*f[FAKE_FIELDS];
	char		 hash[65];
	int		 gone;		/* pruned */
};

static const char *const fake_details[] = {
	"plain", "comma, and \"quotes\"", "two\nlines\r\nand CRLF",
	"escape \x1b[31mred\x1b[0m and bell \x07",
	"latin-1 bytes \xe5\xe4\xf6 are not UTF-8",
	"=HYPERLINK(\"http://example.invalid\")", "\xc3\x85sa \xe2\x9c\x93",
	"back\\slash", "bidi \xe2\x80\xae override", "-dash", "'quote",
	"tab\there", "", NULL,
};
#define FAKE_NDETAILS	(sizeof(fake_details) / sizeof(fake_details[0]))

static struct fake_rec	*recs;
static size_t		 nrecs;
static const char	*mode = "";

static void
fake_gen(size_t n)
{
	static const char *const users[] = { "anna", "bo", "cecilia" };
	static const char *const events[] = { "auth", "auth", "account",
	    "session-open", "enroll" };
	struct fake_rec *r;
	size_t i;

	if ((recs = calloc(n, sizeof(*recs))) == NULL)
		exit(2);
	for (i = 0; i < n; i++) {
		r = &recs[i];
		r->seq = i + 1;
		r->time_ms = 1767225600000ULL + i * 60000ULL + i % 1000;
		r->reqid = (r->seq * 2654435761ULL) & 0xffffffffULL;
		r->f[0] = events[i % 5];
		r->f[1] = i % 7 == 0 ? "uid:0 (root)" : "pam";
		r->f[2] = users[i % 3];
		r->f[3] = i % 2 == 0 ? "pilot" : "ekonomi";
		r->f[4] = i % 5 == 4 ? NULL : "sshd";
		r->f[5] = i % 4 == 0 ? NULL : "192.0.2.7, \"x\"";
		r->f[6] = i % 3 == 0 ? "pts/\x01" : NULL;
		r->f[7] = i % 5 == 4 ? "ok" : i % 2 == 0 ? "allow" : "deny";
		r->f[8] = i % 2 == 0 ? "ok" : "bad-code";
		r->f[9] = "node-1";
		r->f[10] = fake_details[i % FAKE_NDETAILS];
		r->f[11] = i % 4 == 1 ? NULL : "v7";
		r->f[12] = i % 3 == 0 ? "=cmd|' /C calc'!A0" : NULL;
		r->f[13] = i % 3 == 0 ? "rule \"ops\", 2" : NULL;
		r->f[14] = i % 2 == 0 ? "totp" : NULL;
		snprintf(r->hash, sizeof(r->hash), "%016llx%048x",
		    (unsigned long long)(r->seq * 0x9e3779b97f4a7c15ULL), 0);
	}
	nrecs = n;
}

static void
fake_dump(const char *path)
{
	FILE *f;
	size_t i, k;
	const unsigned char *p;

	if ((f = fopen(path, "w")) == NULL)
		exit(2);
	for (i = 0; i < nrecs; i++) {
		fprintf(f, "seq=%llu time_ms=%llu reqid=%llu hash=%s",
		    (unsigned long long)recs[i].seq,
		    (unsigned long long)recs[i].time_ms,
		    (unsigned long long)recs[i].reqid, recs[i].hash);
		for (k = 0; k < FAKE_FIELDS; k++) {
			if (recs[i].f[k] == NULL)
				continue;
			fprintf(f, " %s=", fake_fields[k].key);
			p = (const unsigned char *)recs[i].f[k];
			for (; *p != '\0'; p++)
				fprintf(f, "%02x", *p);
		}
		fputc('\n', f);
	}
	fclose(f);
}

static struct proto_msg *
fake_row(const struct fake_rec *r, uint32_t reqid)
{
	struct proto_msg *m;
	size_t k;

	if ((m = proto_new(PROTO_T_AUDIT_ROW, reqid)) == NULL)
		exit(2);
	proto_add_u64(m, PROTO_A_SEQ, r->seq);
	proto_add_u64(m, PROTO_A_TIME, r->time_ms);
	proto_add_u64(m, PROTO_A_REQID, r->reqid);
	proto_add_str(m, PROTO_A_HASH, r->hash);
	for (k = 0; k < FAKE_FIELDS; k++)
		proto_add_str(m, fake_fields[k].tag, r->f[k]);
	return m;
}

static struct proto_msg *
fake_result(uint32_t reqid, uint64_t status, const char *reason)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_RESULT, reqid)) == NULL)
		exit(2);
	proto_add_u64(m, PROTO_A_STATUS, status);
	proto_add_str(m, PROTO_A_REASON, reason);
	return m;
}

/* Does record r match the filters of request q? */
static int
fake_match(const struct fake_rec *r, const struct proto_msg *q)
{
	static const uint16_t tags[] = { PROTO_A_USER, PROTO_A_SYSTEM,
	    PROTO_A_DECISION, PROTO_A_REASON, PROTO_A_EVENT };
	static const int idx[] = { 2, 3, 7, 8, 0 };
	const char *want;
	uint64_t t;
	size_t i;

	if (r->gone)
		return 0;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (proto_get_str(q, tags[i], &want) == 0 &&
		    (r->f[idx[i]] == NULL || strcmp(r->f[idx[i]], want) != 0))
			return 0;
	if (proto_get_u64(q, PROTO_A_TIME_FROM, &t) == 0 && r->time_ms < t)
		return 0;
	if (proto_get_u64(q, PROTO_A_TIME_UNTIL, &t) == 0 && t > 0 &&
	    r->time_ms >= t)
		return 0;
	return 1;
}

static void
fake_send(int fd, struct proto_msg *m)
{
	sock_write_msg(fd, m, mono_ms() + 5000);
	proto_free(m);
}

static void
fake_list(int fd, const struct proto_msg *q)
{
	uint64_t limit = 100, since, sent = 0;
	size_t i, first, n = 0, *pick;
	int has_since;

	if (proto_get_u64(q, PROTO_A_LIMIT, &limit) == 0 &&
	    (limit < 1 || limit > 10000)) {
		fake_send(fd, fake_result(q->reqid, PROTO_S_ERROR,
		    "bad-request"));
		return;
	}
	/* As authd does: SINCE 0 is no SINCE. */
	has_since = proto_get_u64(q, PROTO_A_SINCE, &since) == 0 && since > 0;
	if ((pick = calloc(nrecs + 1, sizeof(*pick))) == NULL)
		exit(2);
	for (i = 0; i < nrecs; i++)
		if ((!has_since || recs[i].seq >= since) &&
		    fake_match(&recs[i], q))
			pick[n++] = i;
	/* With SINCE the first LIMIT, else the newest LIMIT; oldest first. */
	first = has_since || n <= limit ? 0 : n - limit;
	if (strcmp(mode, "extra") == 0 && first > 0)
		first--;
	if (strcmp(mode, "unordered") == 0 && n - first >= 2) {
		i = pick[first];
		pick[first] = pick[first + 1];
		pick[first + 1] = i;
	}
	for (i = first; i < n && (sent < limit ||
	    (strcmp(mode, "extra") == 0 && sent == limit)); i++, sent++)
		fake_send(fd, fake_row(&recs[pick[i]], q->reqid));
	free(pick);
	fake_send(fd, fake_result(q->reqid, PROTO_S_ALLOW, "ok"));
}

static const char fake_cp_tail[] =
    " node=node-1 hash=00112233445566778899aabbccddeeff00112233445566778899"
    "aabbccddeeff key=0123456789abcdef sig=" "00000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000";

static void
fake_checkpoint_line(char *out, size_t sz, uint64_t seq)
{
	snprintf(out, sz, "authd-checkpoint v1 seq=%llu time=1767225600000%s",
	    (unsigned long long)seq, fake_cp_tail);
	if (strcmp(mode, "badcp") == 0)
		out[strlen("authd-checkpoint v1 seq=1 time=1767225600000 "
		    "node=node")] = '\x1b';
}

/* The canned policy: one version for every answer. */
#define FAKE_POLICY	"0123456789abcdef"
#define FAKE_DN_ATTEST	"cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se"
#define FAKE_DN_TEAM	"cn=team \"norr\",ou=grupper,dc=exempel,dc=se"

static const char *const fake_tag_names[PROTO_A_LAST] = {
	[PROTO_A_USER] = "user", [PROTO_A_SYSTEM] = "system",
	[PROTO_A_RHOST] = "rhost", [PROTO_A_TIME] = "time",
	[PROTO_A_LIMIT] = "limit", [PROTO_A_SINCE] = "since",
	[PROTO_A_SEQ] = "seq", [PROTO_A_BEFORE] = "before",
	[PROTO_A_TIME_FROM] = "time_from", [PROTO_A_TIME_UNTIL] = "time_until",
	[PROTO_A_DECISION] = "decision", [PROTO_A_REASON] = "reason",
	[PROTO_A_EVENT] = "event", [PROTO_A_STATE] = "state",
	[PROTO_A_ROLE] = "role", [PROTO_A_CODE] = "code",
	[PROTO_A_PASSWORD] = "password", [PROTO_A_REVIEW] = "review",
	[PROTO_A_DUE] = "due", [PROTO_A_COMMENT] = "comment",
	[PROTO_A_DEFAULT] = "default", [PROTO_A_AS] = "as",
	[PROTO_A_ALL] = "all",
};

static const char *req_log;

/* Appends request q to the request log. */
static void
fake_log(const struct proto_msg *q)
{
	char text[4 * 1024 + 8];
	const struct proto_attr *a;
	FILE *f;
	size_t i;

	if ((f = fopen(req_log, "a")) == NULL)
		exit(2);
	fputs(proto_type_name(q->type), f);
	for (i = 0; i < q->nattr; i++) {
		a = &q->attr[i];
		if (a->tag < PROTO_A_LAST && fake_tag_names[a->tag] != NULL)
			fprintf(f, " %s=", fake_tag_names[a->tag]);
		else
			fprintf(f, " tag%u=", a->tag);
		/* Secrets: that they came, and their length, not the value. */
		if (a->str != NULL && (a->tag == PROTO_A_PASSWORD ||
		    a->tag == PROTO_A_CODE))
			fprintf(f, "<%u bytes>", (unsigned)a->len);
		else if (a->str != NULL)
			fputs(str_sanitize(a->str, a->len, text, sizeof(text)),
			    f);
		else
			fprintf(f, "%llu", (unsigned long long)a->u64);
	}
	fputc('\n', f);
	fclose(f);
}

/* A trace row of policy-test; name and detail may be NULL. */
static void
fake_trace(int fd, uint32_t reqid, const char *kind, const char *name,
    uint64_t matched, const char *detail)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_ROW, reqid)) == NULL)
		exit(2);
	proto_add_str(m, PROTO_A_KIND, kind);
	proto_add_str(m, PROTO_A_NAME, name);
	proto_add_u64(m, PROTO_A_MATCHED, matched);
	proto_add_str(m, PROTO_A_DETAIL, detail);
	fake_send(fd, m);
}

/*
 * policy-test, with the trace in the order and wording of authd (the
 * engine's steps, then the directory).  System "okand": deny
 * unknown-system.  Users: "bo" deny by a deny rule, "esc" an allow with
 * control bytes in its text, "error" an error status, "flood" more trace
 * rows than authctl takes, "auditrow" an AUDIT_ROW in the trace,
 * "badflag" a MATCHED of 2, "noreason" an allow without REASON; anyone
 * else: allow.
 */
static void
fake_policy(int fd, const struct proto_msg *q)
{
	const char *user = proto_str(q, PROTO_A_USER, ""), *sys;
	struct proto_msg *m;
	size_t i;

	sys = proto_str(q, PROTO_A_SYSTEM, "");
	if (strcmp(user, "error") == 0) {
		m = fake_result(q->reqid, PROTO_S_ERROR, "internal-error");
		proto_add_str(m, PROTO_A_MESSAGE, "cannot write the answer");
		fake_send(fd, m);
		return;
	}
	if (strcmp(sys, "okand") == 0) {
		fake_trace(fd, q->reqid, "system", sys, 0,
		    "no system named okand");
		fake_trace(fd, q->reqid, "directory", user, 1, "fresh");
		m = fake_result(q->reqid, PROTO_S_DENY, "unknown-system");
		proto_add_str(m, PROTO_A_POLICY, FAKE_POLICY);
		proto_add_str(m, PROTO_A_RULE, "default-deny");
		proto_add_str(m, PROTO_A_DETAIL, "no system named okand");
		fake_send(fd, m);
		return;
	}
	if (strcmp(user, "auditrow") == 0 && nrecs > 0)
		fake_send(fd, fake_row(&recs[0], q->reqid));
	if (strcmp(user, "flood") == 0)
		for (i = 0; i < 2000; i++)
			fake_trace(fd, q->reqid, "role", "r", 0, NULL);
	fake_trace(fd, q->reqid, "system", sys,
	    strcmp(user, "badflag") == 0 ? 2 : 1,
	    "by name, owner anna, classification C2 I3 A2");
	if (strcmp(user, "bo") == 0) {
		fake_trace(fd, q->reqid, "deny", "deny avslutade", 1,
		    "member of cn=avslutade,ou=grupper,dc=exempel,dc=se");
		fake_trace(fd, q->reqid, "factors", "password,totp", 1,
		    "mfa required (classification I3 >= 2)");
		fake_trace(fd, q->reqid, "directory", user, 1, "fresh");
		m = fake_result(q->reqid, PROTO_S_DENY, "deny-rule");
		proto_add_str(m, PROTO_A_SYSTEM, sys);
		proto_add_str(m, PROTO_A_RULE, "deny avslutade");
		proto_add_str(m, PROTO_A_POLICY, FAKE_POLICY);
		proto_add_str(m, PROTO_A_DETAIL,
		    "member of cn=avslutade,ou=grupper,dc=exempel,dc=se");
		fake_send(fd, m);
		return;
	}
	fake_trace(fd, q->reqid, "deny", "deny avslutade", 0,
	    "user not named, in no listed group");
	fake_trace(fd, q->reqid, "deny", "system ekonomi deny konsulter-natt",
	    0, NULL);
	fake_trace(fd, q->reqid, "role", "attestant", 1,
	    strcmp(user, "esc") == 0 ? "held via \x1b[31mkontorstid\x07" :
	    "held via " FAKE_DN_ATTEST " > " FAKE_DN_TEAM);
	fake_trace(fd, q->reqid, "role", "handlaggare", 0,
	    "not in any of its groups");
	fake_trace(fd, q->reqid, "factors", "password,totp", 1,
	    "mfa required (classification I3 >= 2)");
	fake_trace(fd, q->reqid, "directory", user, 1, "fresh");
	m = fake_result(q->reqid, PROTO_S_ALLOW,
	    strcmp(user, "noreason") == 0 ? NULL : "ok");
	proto_add_str(m, PROTO_A_SYSTEM, sys);
	proto_add_str(m, PROTO_A_RULE, "system ekonomi role attestant");
	proto_add_str(m, PROTO_A_ROLE, "attestant");
	proto_add_str(m, PROTO_A_PATH, "attestant: " FAKE_DN_ATTEST " > "
	    FAKE_DN_TEAM);
	proto_add_str(m, PROTO_A_FACTORS, "password,totp");
	proto_add_str(m, PROTO_A_MFA, "mfa required (classification I3 >= 2)");
	proto_add_str(m, PROTO_A_POLICY, FAKE_POLICY);
	fake_send(fd, m);
}

/*
 * A row of access-list or access-user, as authd sends it: MATCHED 0 when
 * a deny rule shuts the user out (the conditions say which).
 */
static void
fake_access_row(int fd, uint32_t reqid, const char *user, const char *sys,
    const char *role, const char *path, const char *cond, const char *state,
    const char *account)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_ROW, reqid)) == NULL)
		exit(2);
	proto_add_str(m, PROTO_A_KIND, "access");
	proto_add_str(m, PROTO_A_ACCOUNT_REASON, account);
	proto_add_u64(m, PROTO_A_MATCHED, cond == NULL ||
	    strstr(cond, "denied by") == NULL);
	proto_add_str(m, PROTO_A_USER, user);
	proto_add_str(m, PROTO_A_SYSTEM, sys);
	proto_add_str(m, PROTO_A_ROLE, role);
	proto_add_str(m, PROTO_A_PATH, path);
	proto_add_str(m, PROTO_A_DETAIL, cond);
	proto_add_str(m, PROTO_A_STATE, state);
	fake_send(fd, m);
}

/*
 * access-list: "ekonomi" three rows (one shut out by a deny rule), "tom"
 * none, "badcount" a COUNT that disagrees, "norole" a row without ROLE,
 * anything else unknown-system.  access-user: "anna" two rows, "tom" none,
 * anyone else unknown-user.
 */
static void
fake_access(int fd, const struct proto_msg *q)
{
	const char *sys = proto_str(q, PROTO_A_SYSTEM, "");
	const char *user = proto_str(q, PROTO_A_USER, "");
	struct proto_msg *m;
	uint64_t n = 0;

	if (q->type == PROTO_T_ACCESS_LIST) {
		if (strcmp(sys, "ekonomi") == 0) {
			fake_access_row(fd, q->reqid, "anna", sys, "attestant",
			    FAKE_DN_ATTEST " > " FAKE_DN_TEAM,
			    "when kontorstid; from stadsnat", "active", "ok");
			fake_access_row(fd, q->reqid, "bo", sys, "handlaggare",
			    "cn=ekonomi-handl,ou=grupper,dc=exempel,dc=se",
			    NULL, "pending", "ok");
			fake_access_row(fd, q->reqid, "cecilia", sys,
			    "attestant", "=cn=\x1b[2Jx", "when natt; denied "
			    "by deny avslutade", "none", "account-disabled");
			n = 3;
		} else if (strcmp(sys, "badcount") == 0) {
			fake_access_row(fd, q->reqid, "anna", sys, "r", NULL,
			    NULL, "active", NULL);
			n = 2;
		} else if (strcmp(sys, "norole") == 0) {
			fake_access_row(fd, q->reqid, "anna", sys, NULL, NULL,
			    NULL, "active", NULL);
			n = 1;
		} else if (strcmp(sys, "tom") != 0) {
			m = fake_result(q->reqid, PROTO_S_DENY,
			    "unknown-system");
			proto_add_str(m, PROTO_A_MESSAGE, "no such system");
			fake_send(fd, m);
			return;
		}
	} else {
		if (strcmp(user, "anna") == 0) {
			fake_access_row(fd, q->reqid, user, "ekonomi",
			    "attestant", FAKE_DN_ATTEST " > " FAKE_DN_TEAM,
			    "when kontorstid; from stadsnat", NULL, "ok");
			fake_access_row(fd, q->reqid, user, "pilot",
			    "operator", "cn=pilot-ops,ou=grupper,dc=exempel,"
			    "dc=se", NULL, NULL, "ok");
			n = 2;
		} else if (strcmp(user, "tom") != 0) {
			m = fake_result(q->reqid, PROTO_S_DENY, "unknown-user");
			fake_send(fd, m);
			return;
		}
	}
	m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
	proto_add_u64(m, PROTO_A_COUNT, n);
	fake_send(fd, m);
}


/* ---- access reviews ---- */

#define FAKE_HEAD_HASH \
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define FAKE_T_START	1790834400000ULL	/* 2026-10-01T06:00:00Z */
#define FAKE_T_DUE	1798761600000ULL	/* 2027-01-01T00:00:00Z */

/* A canned item of review-show; decision NULL: undecided. */
struct fake_item {
	const char	*user, *role, *path, *token, *recommend;
	uint64_t	 last_login, inactive, needs_admin;
	const char	*decision, *actor;
	uint64_t	 time, by_default;
	const char	*comment, *remediation;
};

static const struct fake_item fake_items12[] = {
	{ "anna", "attestant", FAKE_DN_ATTEST " > " FAKE_DN_TEAM, "active",
	    "keep", 1790755200000ULL, 0, 1, NULL, NULL, 0, 0, NULL, NULL },
	{ "bo", "handlaggare", "cn=ekonomi-handl,ou=grupper,dc=exempel,dc=se",
	    "pending", "revoke (no login on record)", 0, 1, 0, "revoke",
	    "anna", 1791191520000ULL, 0,
	    "<script>alert(1)</script> & \"x\"", NULL },
	{ "cecilia", "attestant", FAKE_DN_ATTEST, "none",
	    "revoke (no login in 90 days)", 1777620600000ULL, 1, 0, "keep",
	    "anna", 1791280800000ULL, 0,
	    "=SUM(A1) vikarie f\xc3\xb6r \xc3\x96rjan, \"tillf\xc3\xa4lligt\"",
	    NULL },
	{ "dag", "granskare", "=cn=\x1b[2Jx", "active", "keep",
	    1791380700000ULL, 0, 0, NULL, NULL, 0, 0, NULL, NULL },
};

static const struct fake_item fake_items10[] = {
	{ "erik", "lonehandlaggare", "cn=lon,ou=grupper,dc=exempel,dc=se",
	    "active", "keep", 1781956800000ULL, 0, 0, "keep", "cecilia",
	    1782900000000ULL, 0, "arbetar med l\xc3\xb6ner", NULL },
	{ "frida", "lonechef", "cn=lon-chefer,ou=grupper,dc=exempel,dc=se",
	    "none", "revoke (no login on record)", 0, 1, 0, "revoke", "root",
	    1782986400000ULL, 1, "closed with --default revoke",
	    "removed from cn=lon-chefer,ou=grupper,dc=exempel,dc=se" },
};

static void
fake_item_row(int fd, uint32_t reqid, const struct fake_item *it,
    const char *kind)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_ROW, reqid)) == NULL)
		exit(2);
	proto_add_str(m, PROTO_A_KIND, kind);
	proto_add_str(m, PROTO_A_USER, it->user);
	proto_add_str(m, PROTO_A_ROLE, it->role);
	proto_add_str(m, PROTO_A_PATH, it->path);
	proto_add_str(m, PROTO_A_STATE, it->token);
	proto_add_u64(m, PROTO_A_LAST_LOGIN, it->last_login);
	proto_add_u64(m, PROTO_A_INACTIVE, it->inactive);
	proto_add_str(m, PROTO_A_RECOMMEND, it->recommend);
	proto_add_u64(m, PROTO_A_NEEDS_ADMIN, it->needs_admin);
	if (it->decision != NULL) {
		proto_add_str(m, PROTO_A_DECISION, it->decision);
		proto_add_str(m, PROTO_A_ACTOR, it->actor);
		proto_add_u64(m, PROTO_A_TIME, it->time);
		proto_add_u64(m, PROTO_A_DEFAULT_BY, it->by_default);
	}
	proto_add_str(m, PROTO_A_COMMENT, it->comment);
	proto_add_str(m, PROTO_A_REMEDIATION, it->remediation);
	fake_send(fd, m);
}

/* An error RESULT with a message, as authd's review code sends them. */
static void
fake_refuse(int fd, uint32_t reqid, const char *reason, const char *msg)
{
	struct proto_msg *m = fake_result(reqid, PROTO_S_ERROR, reason);

	proto_add_str(m, PROTO_A_MESSAGE, msg);
	fake_send(fd, m);
}

/* A campaign row of review-start or review-list. */
static void
fake_review_row(int fd, uint32_t reqid, uint64_t id, const char *sys,
    const char *owner, uint64_t count, uint64_t due, int full,
    uint64_t closed, const char *state, uint64_t decided)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_ROW, reqid)) == NULL)
		exit(2);
	proto_add_str(m, PROTO_A_KIND, "review");
	proto_add_u64(m, PROTO_A_REVIEW, id);
	proto_add_str(m, PROTO_A_SYSTEM, sys);
	proto_add_str(m, PROTO_A_OWNER, owner);
	if (full) {
		proto_add_u64(m, PROTO_A_TIME, id < 12 ? 1775023200000ULL :
		    FAKE_T_START);
		proto_add_u64(m, PROTO_A_CLOSED, closed);
		proto_add_str(m, PROTO_A_STATE, state);
		proto_add_u64(m, PROTO_A_DECIDED, decided);
	}
	proto_add_u64(m, PROTO_A_COUNT, count);
	proto_add_u64(m, PROTO_A_DUE, due);
	fake_send(fd, m);
}

static void
fake_review_start(int fd, const struct proto_msg *q)
{
	const char *sys = proto_str(q, PROTO_A_SYSTEM, NULL);
	struct proto_msg *m;
	uint64_t all = 0, due, n = 0;
	int has_due;

	(void)proto_get_u64(q, PROTO_A_ALL, &all);
	if (!(has_due = proto_get_u64(q, PROTO_A_DUE, &due) == 0))
		due = FAKE_T_DUE;
	if ((sys == NULL) == (all == 0)) {
		fake_refuse(fd, q->reqid, "bad-request",
		    "name one system, or all");
		return;
	}
	if (all) {
		if (strcmp(mode, "nosystems") != 0) {
			fake_review_row(fd, q->reqid, 12, "ekonomi", "anna", 37,
			    due, 0, 0, NULL, 0);
			fake_review_row(fd, q->reqid, 13, "pilot", "bo", 1,
			    due, 0, 0, NULL, 0);
			fake_review_row(fd, q->reqid, 14, "lon", "cecilia", 0,
			    due, 0, 0, NULL, 0);
			n = 3;
		}
	} else if (strcmp(sys, "ekonomi") == 0 || strcmp(sys, "pilot") == 0) {
		/* Without DUE, pilot's is not at midnight (now + 30 days). */
		if (strcmp(sys, "pilot") == 0 && !has_due)
			due = 1777615200000ULL;
		fake_review_row(fd, q->reqid, 12, sys, strcmp(sys, "pilot") ==
		    0 ? "bo" : "anna", strcmp(sys, "pilot") == 0 ? 1 : 37, due,
		    0, 0, NULL, 0);
		n = 1;
	} else if (strcmp(sys, "badcount") == 0) {
		fake_review_row(fd, q->reqid, 12, "ekonomi", "anna", 37, due,
		    0, 0, NULL, 0);
		n = 2;
	} else if (strcmp(sys, "half") == 0) {
		fake_review_row(fd, q->reqid, 12, "ekonomi", "anna", 37, due,
		    0, 0, NULL, 0);
		fake_refuse(fd, q->reqid, "directory-unavailable", "the "
		    "directory could not be asked; no review started for the "
		    "system it failed on");
		return;
	} else {
		fake_refuse(fd, q->reqid, "unknown-system",
		    "no such system in the policy");
		return;
	}
	m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
	proto_add_u64(m, PROTO_A_COUNT, n);
	if (n == 1)
		proto_add_u64(m, PROTO_A_REVIEW, 12);
	fake_send(fd, m);
}

/*
 * review-list: 10 (lon, closed), 11 (pilot, overdue, due not at
 * midnight), 12 (ekonomi, open), filtered by STATE; "--as tom" sees none.
 */
static void
fake_review_list(int fd, const struct proto_msg *q)
{
	const char *st = proto_str(q, PROTO_A_STATE, "all");
	struct proto_msg *m;
	uint64_t n = 0;
	int all = strcmp(st, "all") == 0, open = strcmp(st, "open") == 0;

	if (!all && !open && strcmp(st, "overdue") != 0) {
		fake_refuse(fd, q->reqid, "bad-request",
		    "list all, open or overdue");
		return;
	}
	if (strcmp(proto_str(q, PROTO_A_AS, ""), "tom") != 0) {
		if (all) {
			fake_review_row(fd, q->reqid, 10, "lon", "cecilia", 2,
			    1777593600000ULL, 1, 1782986400000ULL, "closed",
			    2);
			n++;
		}
		fake_review_row(fd, q->reqid, 11, "pilot", "bo", 1,
		    1777615200000ULL, 1, 0, "overdue", 0);
		n++;
		if (all || open) {
			fake_review_row(fd, q->reqid, 12, "ekonomi", "anna", 4,
			    FAKE_T_DUE, 1, 0, "open", 2);
			n++;
		}
	}
	m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
	proto_add_u64(m, PROTO_A_COUNT, n);
	fake_send(fd, m);
}

/*
 * review-show: 12 open (four items), 10 closed (two, one by default,
 * with the chain head), 14 open without items; 13 forbidden; 77 a COUNT
 * that disagrees, 78 a row of the wrong kind, 79 an item without ROLE,
 * 80 the answer about another review; anything else not-found.
 */
static void
fake_review_show(int fd, const struct proto_msg *q)
{
	const struct fake_item *items = NULL;
	struct fake_item bad;
	struct proto_msg *m;
	uint64_t id = 0, count, decided = 0;
	size_t i, n = 0;

	(void)proto_get_u64(q, PROTO_A_REVIEW, &id);
	switch (id) {
	case 10:
		items = fake_items10;
		n = 2;
		break;
	case 12:
	case 77:
	case 80:
		items = fake_items12;
		n = 4;
		break;
	case 14:
		break;
	case 78:
		fake_review_row(fd, q->reqid, 12, "ekonomi", "anna", 4,
		    FAKE_T_DUE, 1, 0, "open", 2);
		break;
	case 79:
		bad = fake_items12[0];
		bad.role = NULL;
		fake_item_row(fd, q->reqid, &bad, "item");
		break;
	case 13:
		fake_refuse(fd, q->reqid, "forbidden", "only the system owner "
		    "or the security function may act on this review");
		return;
	default:
		fake_refuse(fd, q->reqid, "not-found", "no such review");
		return;
	}
	for (i = 0; i < n; i++) {
		fake_item_row(fd, q->reqid, &items[i], "item");
		decided += items[i].decision != NULL;
	}
	count = id == 77 ? n + 1 : n;
	m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
	proto_add_u64(m, PROTO_A_REVIEW, id == 80 ? 12 : id);
	proto_add_str(m, PROTO_A_SYSTEM, id == 10 ? "lon" : "ekonomi");
	proto_add_str(m, PROTO_A_OWNER, id == 10 ? "cecilia" : "anna");
	if (id != 10)
		proto_add_str(m, PROTO_A_DESCRIPTION, "Ekonomisystemet "
		    "<Raindance> & \"l\xc3\xb6n\"");
	proto_add_str(m, PROTO_A_CLASS, "C3 I3 A2");
	proto_add_str(m, PROTO_A_POLICY, FAKE_POLICY);
	proto_add_u64(m, PROTO_A_TIME, id == 10 ? 1775023200000ULL :
	    FAKE_T_START);
	proto_add_str(m, PROTO_A_ACTOR, "root");
	proto_add_u64(m, PROTO_A_DUE, id == 10 ? 1777593600000ULL :
	    FAKE_T_DUE);
	if (id == 10) {
		proto_add_u64(m, PROTO_A_CLOSED, 1782986400000ULL);
		proto_add_str(m, PROTO_A_CLOSED_BY, "root");
		proto_add_str(m, PROTO_A_DEFAULT, "revoke");
		proto_add_u64(m, PROTO_A_SEQ, 4711);
		proto_add_str(m, PROTO_A_HASH, FAKE_HEAD_HASH);
		proto_add_str(m, PROTO_A_STATE, "closed");
	} else {
		proto_add_u64(m, PROTO_A_CLOSED, 0);
		proto_add_str(m, PROTO_A_STATE, "open");
	}
	proto_add_u64(m, PROTO_A_COUNT, count);
	proto_add_u64(m, PROTO_A_DECIDED, decided);
	fake_send(fd, m);
}

static void
fake_review_decide(int fd, const struct proto_msg *q)
{
	const char *user = proto_str(q, PROTO_A_USER, "");
	const char *decision = proto_str(q, PROTO_A_DECISION, "");
	struct proto_msg *m;
	uint64_t id = 0;

	(void)proto_get_u64(q, PROTO_A_REVIEW, &id);
	if (id == 10)
		fake_refuse(fd, q->reqid, "bad-request", "the review is "
		    "closed");
	else if (id != 12)
		fake_refuse(fd, q->reqid, "not-found", "no such review");
	else if (strcmp(user, "anna") == 0)
		fake_refuse(fd, q->reqid, "forbidden", "nobody decides on "
		    "their own access: this item is for the security function "
		    "(admin_group)");
	else if (strcmp(user, "bo") == 0 || strcmp(user, "cecilia") == 0)
		fake_refuse(fd, q->reqid, "exists", "already decided");
	else if (strcmp(user, "dag") != 0)
		fake_refuse(fd, q->reqid, "not-found", "not in review 12");
	else {
		m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
		proto_add_str(m, PROTO_A_MESSAGE, strcmp(decision, "revoke") ==
		    0 ? "revoked; in force now" : "kept");
		fake_send(fd, m);
	}
}

static void
fake_review_close(int fd, const struct proto_msg *q)
{
	const char *deflt = proto_str(q, PROTO_A_DEFAULT, NULL);
	struct proto_msg *m;
	uint64_t id = 0;

	(void)proto_get_u64(q, PROTO_A_REVIEW, &id);
	if (id == 10)
		fake_refuse(fd, q->reqid, "bad-request", "the review is "
		    "already closed");
	else if (id != 12)
		fake_refuse(fd, q->reqid, "not-found", "no such review");
	else if (deflt == NULL)
		fake_refuse(fd, q->reqid, "bad-request", "2 items are "
		    "undecided: decide them, or close with --default keep or "
		    "--default revoke");
	else {
		m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
		proto_add_str(m, PROTO_A_MESSAGE, strcmp(deflt, "keep") == 0 ?
		    "closed: 3 kept, 1 revoked (2 by default)" :
		    "closed: 1 kept, 3 revoked (2 by default)");
		fake_send(fd, m);
	}
}

static void
fake_revocation_row(int fd, uint32_t reqid, const char *sys,
    const char *user, const char *role, uint64_t review, uint64_t t,
    const char *actor)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_ROW, reqid)) == NULL)
		exit(2);
	proto_add_str(m, PROTO_A_KIND, "revocation");
	proto_add_str(m, PROTO_A_SYSTEM, sys);
	proto_add_str(m, PROTO_A_USER, user);
	proto_add_str(m, PROTO_A_ROLE, role);
	proto_add_u64(m, PROTO_A_REVIEW, review);
	proto_add_u64(m, PROTO_A_TIME, t);
	proto_add_str(m, PROTO_A_ACTOR, actor);
	fake_send(fd, m);
}

static void
fake_revocations(int fd, const struct proto_msg *q)
{
	const char *sys = proto_str(q, PROTO_A_SYSTEM, NULL);
	struct proto_msg *m;
	uint64_t n = 0;

	if (q->type == PROTO_T_REVOCATION_LIFT) {
		if (strcmp(proto_str(q, PROTO_A_SYSTEM, ""), "ekonomi") != 0 ||
		    strcmp(proto_str(q, PROTO_A_USER, ""), "bo") != 0) {
			fake_refuse(fd, q->reqid, "not-found",
			    "no revocation in force matches");
			return;
		}
		m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
		proto_add_str(m, PROTO_A_MESSAGE, "lifted");
		fake_send(fd, m);
		return;
	}
	if (sys == NULL || strcmp(sys, "ekonomi") == 0) {
		fake_revocation_row(fd, q->reqid, "ekonomi", "bo",
		    "handlaggare", 12, 1791191520000ULL, "anna");
		n++;
	}
	if (sys == NULL || strcmp(sys, "lon") == 0) {
		fake_revocation_row(fd, q->reqid, "lon", "frida", "lonechef",
		    10, 1782986400000ULL, "root");
		n++;
	}
	m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
	proto_add_u64(m, PROTO_A_COUNT, n);
	fake_send(fd, m);
}

/*
 * The review and revocation requests.  "--as mallory" is refused as
 * authd refuses a wrong password or code; --as without a password or a
 * code is a request authctl must never send.
 */
static void
fake_review(int fd, const struct proto_msg *q)
{
	const char *as = proto_str(q, PROTO_A_AS, NULL);

	if (as != NULL && (proto_str(q, PROTO_A_PASSWORD, NULL) == NULL ||
	    proto_str(q, PROTO_A_CODE, NULL) == NULL)) {
		fake_refuse(fd, q->reqid, "bad-request", "AS without proof");
		return;
	}
	if (as != NULL && strcmp(as, "mallory") == 0) {
		fake_refuse(fd, q->reqid, "forbidden",
		    "password or code not accepted");
		return;
	}
	switch (q->type) {
	case PROTO_T_REVIEW_START:
		fake_review_start(fd, q);
		break;
	case PROTO_T_REVIEW_LIST:
		fake_review_list(fd, q);
		break;
	case PROTO_T_REVIEW_SHOW:
		fake_review_show(fd, q);
		break;
	case PROTO_T_REVIEW_DECIDE:
		fake_review_decide(fd, q);
		break;
	case PROTO_T_REVIEW_CLOSE:
		fake_review_close(fd, q);
		break;
	default:
		fake_revocations(fd, q);
		break;
	}
}

static void
fake_request(int fd, const struct proto_msg *q)
{
	char line[600];
	struct proto_msg *m;
	uint64_t v, count = 0, cut = 0;
	size_t i;

	switch (q->type) {
	case PROTO_T_PING:
		fake_send(fd, fake_result(q->reqid, PROTO_S_ALLOW, "ok"));
		break;
	case PROTO_T_AUDIT_LIST:
		fake_list(fd, q);
		break;
	case PROTO_T_AUDIT_SHOW:
		if (proto_get_u64(q, PROTO_A_SEQ, &v) != 0 || v == 0 ||
		    v > nrecs || recs[v - 1].gone) {
			m = fake_result(q->reqid, PROTO_S_DENY, "not-found");
			proto_add_str(m, PROTO_A_MESSAGE, "no such record");
			fake_send(fd, m);
			break;
		}
		if (strcmp(mode, "norow") != 0)
			fake_send(fd, fake_row(&recs[v - 1], q->reqid));
		fake_send(fd, fake_result(q->reqid, PROTO_S_ALLOW, "ok"));
		break;
	case PROTO_T_AUDIT_CHECKPOINT:
		if (nrecs == 0) {
			fake_send(fd, fake_result(q->reqid, PROTO_S_DENY,
			    "not-found"));
			break;
		}
		m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
		fake_checkpoint_line(line, sizeof(line), nrecs);
		proto_add_str(m, PROTO_A_CHECKPOINT, line);
		fake_send(fd, m);
		break;
	case PROTO_T_AUDIT_PRUNE:
		if (proto_get_u64(q, PROTO_A_BEFORE, &v) != 0) {
			fake_send(fd, fake_result(q->reqid, PROTO_S_ERROR,
			    "bad-request"));
			break;
		}
		for (i = 0; i < nrecs && recs[i].time_ms < v; i++)
			if (!recs[i].gone) {
				recs[i].gone = 1;
				count++;
				cut = recs[i].seq;
			}
		m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
		proto_add_u64(m, PROTO_A_COUNT, count);
		proto_add_u64(m, PROTO_A_SEQ, cut);
		if (count > 0) {
			fake_checkpoint_line(line, sizeof(line), cut);
			proto_add_str(m, PROTO_A_CHECKPOINT, line);
		}
		fake_send(fd, m);
		break;
	case PROTO_T_POLICY_RELOAD:
		if (strcmp(mode, "policyerror") == 0) {
			m = fake_result(q->reqid, PROTO_S_ERROR,
			    "policy-error");
			proto_add_str(m, PROTO_A_MESSAGE, "ekonomi.policy:12: "
			    "unknown window 'kvall'");
		} else {
			m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
			if (strcmp(mode, "nover") != 0)
				proto_add_str(m, PROTO_A_POLICY, FAKE_POLICY);
			proto_add_str(m, PROTO_A_MESSAGE, "policy reloaded");
		}
		fake_send(fd, m);
		break;
	case PROTO_T_POLICY_TEST:
		fake_policy(fd, q);
		break;
	case PROTO_T_ACCESS_LIST:
	case PROTO_T_ACCESS_USER:
		fake_access(fd, q);
		break;
	case PROTO_T_REVIEW_START:
	case PROTO_T_REVIEW_LIST:
	case PROTO_T_REVIEW_SHOW:
	case PROTO_T_REVIEW_DECIDE:
	case PROTO_T_REVIEW_CLOSE:
	case PROTO_T_REVOCATION_LIST:
	case PROTO_T_REVOCATION_LIFT:
		fake_review(fd, q);
		break;
	default:
		fake_send(fd, fake_result(q->reqid, PROTO_S_ERROR,
		    "bad-request"));
		break;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct proto_msg *q;
	char path[4096];
	int lfd, fd;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: fake_authd SOCKET N DUMP [MODE]\n");
		return 2;
	}
	if (argc == 5)
		mode = argv[4];
	signal(SIGPIPE, SIG_IGN);
	fake_gen((size_t)strtoul(argv[2], NULL, 10));
	fake_dump(argv[3]);
	if ((size_t)snprintf(path, sizeof(path), "%s.req", argv[3]) >=
	    sizeof(path))
		return 2;
	req_log = path;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(lfd, 8) != 0) {
		perror(argv[1]);
		return 2;
	}
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		while (sock_read_msg(fd, mono_ms() + 5000, &q) == 0) {
			fake_log(q);
			fake_request(fd, q);
			proto_free(q);
		}
		close(fd);
	}
}
