/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/proto.c.  The expectations below (which tags each
 * message type carries, value types, string limits) are written out again
 * from docs/protocol.md rather than taken from the library, so a change to
 * the library's tables that the document does not describe fails here.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "buf.h"
#include "check.h"
#include "proto.h"
#include "util.h"

#define STR	1
#define U64	2

/* Value type and longest string per tag (index = tag). */
static const struct {
	int		 vt;
	size_t		 max;
	const char	*name;
} tagspec[PROTO_A_LAST] = {
	[PROTO_A_USER] =	{ STR, 256, "USER" },
	[PROTO_A_SYSTEM] =	{ STR, 64, "SYSTEM" },
	[PROTO_A_SERVICE] =	{ STR, 64, "SERVICE" },
	[PROTO_A_RHOST] =	{ STR, 256, "RHOST" },
	[PROTO_A_TTY] =		{ STR, 64, "TTY" },
	[PROTO_A_CODE] =	{ STR, 64, "CODE" },
	[PROTO_A_STATUS] =	{ U64, 8, "STATUS" },
	[PROTO_A_REASON] =	{ STR, 64, "REASON" },
	[PROTO_A_MESSAGE] =	{ STR, 1024, "MESSAGE" },
	[PROTO_A_URI] =		{ STR, 1024, "URI" },
	[PROTO_A_LIMIT] =	{ U64, 8, "LIMIT" },
	[PROTO_A_SINCE] =	{ U64, 8, "SINCE" },
	[PROTO_A_FORCE] =	{ U64, 8, "FORCE" },
	[PROTO_A_SEQ] =		{ U64, 8, "SEQ" },
	[PROTO_A_TIME] =	{ U64, 8, "TIME" },
	[PROTO_A_EVENT] =	{ STR, 64, "EVENT" },
	[PROTO_A_ACTOR] =	{ STR, 256, "ACTOR" },
	[PROTO_A_DECISION] =	{ STR, 16, "DECISION" },
	[PROTO_A_REQID] =	{ U64, 8, "REQID" },
	[PROTO_A_NODE] =	{ STR, 256, "NODE" },
	[PROTO_A_DETAIL] =	{ STR, 2048, "DETAIL" },
	[PROTO_A_STATE] =	{ STR, 16, "STATE" },
	[PROTO_A_FAILURES] =	{ U64, 8, "FAILURES" },
	[PROTO_A_LOCKED_UNTIL] = { U64, 8, "LOCKED_UNTIL" },
	[PROTO_A_PID] =		{ U64, 8, "PID" },
	[PROTO_A_HASH] =	{ STR, 64, "HASH" },
	[PROTO_A_POLICY] =	{ STR, 128, "POLICY" },
	[PROTO_A_ROLE] =	{ STR, 256, "ROLE" },
	[PROTO_A_RULE] =	{ STR, 256, "RULE" },
	[PROTO_A_FACTORS] =	{ STR, 128, "FACTORS" },
	[PROTO_A_TIME_FROM] =	{ U64, 8, "TIME_FROM" },
	[PROTO_A_TIME_UNTIL] =	{ U64, 8, "TIME_UNTIL" },
	[PROTO_A_BEFORE] =	{ U64, 8, "BEFORE" },
	[PROTO_A_CHECKPOINT] =	{ STR, 1024, "CHECKPOINT" },
	[PROTO_A_COUNT] =	{ U64, 8, "COUNT" },
	[PROTO_A_PASSWORD] =	{ STR, 256, "PASSWORD" },
	[PROTO_A_KIND] =	{ STR, 32, "KIND" },
	[PROTO_A_NAME] =	{ STR, 256, "NAME" },
	[PROTO_A_MATCHED] =	{ U64, 8, "MATCHED" },
	[PROTO_A_PATH] =	{ STR, 2048, "PATH" },
	[PROTO_A_MFA] =		{ STR, 128, "MFA" },
	[PROTO_A_REVIEW] =	{ U64, 8, "REVIEW" },
	[PROTO_A_DUE] =		{ U64, 8, "DUE" },
	[PROTO_A_COMMENT] =	{ STR, 1024, "COMMENT" },
	[PROTO_A_OWNER] =	{ STR, 256, "OWNER" },
	[PROTO_A_DEFAULT] =	{ STR, 16, "DEFAULT" },
	[PROTO_A_AS] =		{ STR, 256, "AS" },
	[PROTO_A_LAST_LOGIN] =	{ U64, 8, "LAST_LOGIN" },
	[PROTO_A_INACTIVE] =	{ U64, 8, "INACTIVE" },
	[PROTO_A_RECOMMEND] =	{ STR, 256, "RECOMMEND" },
	[PROTO_A_CLOSED] =	{ U64, 8, "CLOSED" },
	[PROTO_A_DECIDED] =	{ U64, 8, "DECIDED" },
	[PROTO_A_NEEDS_ADMIN] =	{ U64, 8, "NEEDS_ADMIN" },
	[PROTO_A_REMEDIATION] =	{ STR, 512, "REMEDIATION" },
	[PROTO_A_CLASS] =	{ STR, 32, "CLASS" },
	[PROTO_A_DESCRIPTION] =	{ STR, 256, "DESCRIPTION" },
	[PROTO_A_ALL] =		{ U64, 8, "ALL" },
	[PROTO_A_DEFAULT_BY] =	{ U64, 8, "DEFAULT_BY" },
	[PROTO_A_CLOSED_BY] =	{ STR, 256, "CLOSED_BY" },
	[PROTO_A_ACCOUNT] =	{ U64, 8, "ACCOUNT" },
	[PROTO_A_ACCOUNT_REASON] = { STR, 64, "ACCOUNT_REASON" },
	[PROTO_A_WAIT] =	{ U64, 8, "WAIT" },
	[PROTO_A_SESSION] =	{ STR, 64, "SESSION" },
};

#define B(t)	(UINT64_C(1) << (t))
#define RV	(B(PROTO_A_REVIEW) | B(PROTO_A_DUE) | B(PROTO_A_COMMENT) | \
		 B(PROTO_A_OWNER) | B(PROTO_A_DEFAULT) | B(PROTO_A_LAST_LOGIN) | \
		 B(PROTO_A_INACTIVE) | B(PROTO_A_RECOMMEND) | B(PROTO_A_CLOSED) | \
		 B(PROTO_A_DECIDED) | B(PROTO_A_NEEDS_ADMIN) | \
		 B(PROTO_A_REMEDIATION) | B(PROTO_A_CLASS) | \
		 B(PROTO_A_DESCRIPTION) | B(PROTO_A_HASH) | B(PROTO_A_SEQ) | \
		 B(PROTO_A_ACTOR) | B(PROTO_A_TIME) | B(PROTO_A_DEFAULT_BY) | \
		 B(PROTO_A_CLOSED_BY))
#define PROVE	(B(PROTO_A_AS) | B(PROTO_A_PASSWORD) | B(PROTO_A_CODE))
/* The review requests authd-web forwards: the session and the source. */
#define WEBWHO	(B(PROTO_A_RHOST) | B(PROTO_A_SESSION))
#define PAMSET	(B(PROTO_A_USER) | B(PROTO_A_SYSTEM) | B(PROTO_A_SERVICE) | \
		 B(PROTO_A_RHOST) | B(PROTO_A_TTY) | B(PROTO_A_PID) | \
		 B(PROTO_A_WAIT))
#define WEBSET	(B(PROTO_A_USER) | B(PROTO_A_PASSWORD) | B(PROTO_A_RHOST) | \
		 B(PROTO_A_SESSION))

static const struct {
	uint8_t		 type;
	const char	*name;
	uint64_t	 allowed;
} typespec[] = {
	{ PROTO_T_AUTH, "auth", PAMSET | B(PROTO_A_CODE) |
	    B(PROTO_A_PASSWORD) | B(PROTO_A_ACCOUNT) },
	{ PROTO_T_FACTORS, "factors", PAMSET },
	{ PROTO_T_ACCOUNT, "account", PAMSET },
	{ PROTO_T_SESSION_OPEN, "session-open", PAMSET },
	{ PROTO_T_SESSION_CLOSE, "session-close", PAMSET },
	{ PROTO_T_PING, "ping", 0 },
	{ PROTO_T_ENROLL, "enroll", B(PROTO_A_USER) | B(PROTO_A_FORCE) },
	{ PROTO_T_CONFIRM, "confirm", B(PROTO_A_USER) | B(PROTO_A_CODE) },
	{ PROTO_T_UNLOCK, "unlock", B(PROTO_A_USER) },
	{ PROTO_T_RESET, "reset", B(PROTO_A_USER) },
	{ PROTO_T_STATUS, "status", B(PROTO_A_USER) },
	{ PROTO_T_AUDIT_LIST, "audit-list", B(PROTO_A_USER) |
	    B(PROTO_A_SYSTEM) | B(PROTO_A_LIMIT) | B(PROTO_A_SINCE) |
	    B(PROTO_A_TIME_FROM) | B(PROTO_A_TIME_UNTIL) |
	    B(PROTO_A_DECISION) | B(PROTO_A_REASON) | B(PROTO_A_EVENT) },
	{ PROTO_T_AUDIT_SHOW, "audit-show", B(PROTO_A_SEQ) },
	{ PROTO_T_AUDIT_PRUNE, "audit-prune", B(PROTO_A_BEFORE) },
	{ PROTO_T_AUDIT_CHECKPOINT, "audit-checkpoint", 0 },
	{ PROTO_T_POLICY_RELOAD, "policy-reload", 0 },
	{ PROTO_T_POLICY_TEST, "policy-test", B(PROTO_A_USER) |
	    B(PROTO_A_SYSTEM) | B(PROTO_A_RHOST) | B(PROTO_A_TIME) },
	{ PROTO_T_ACCESS_LIST, "access-list", B(PROTO_A_SYSTEM) },
	{ PROTO_T_ACCESS_USER, "access-user", B(PROTO_A_USER) },
	{ PROTO_T_NODES, "nodes", 0 },
	{ PROTO_T_REVIEW_START, "review-start", PROVE | B(PROTO_A_SYSTEM) |
	    B(PROTO_A_ALL) | B(PROTO_A_DUE) },
	{ PROTO_T_REVIEW_LIST, "review-list", PROVE | WEBWHO |
	    B(PROTO_A_STATE) },
	{ PROTO_T_REVIEW_SHOW, "review-show", PROVE | WEBWHO |
	    B(PROTO_A_REVIEW) },
	{ PROTO_T_REVIEW_DECIDE, "review-decide", PROVE | WEBWHO |
	    B(PROTO_A_REVIEW) | B(PROTO_A_USER) | B(PROTO_A_ROLE) |
	    B(PROTO_A_DECISION) | B(PROTO_A_COMMENT) },
	{ PROTO_T_REVIEW_CLOSE, "review-close", PROVE | WEBWHO |
	    B(PROTO_A_REVIEW) | B(PROTO_A_DEFAULT) },
	{ PROTO_T_REVOCATION_LIST, "revocation-list", PROVE |
	    B(PROTO_A_SYSTEM) },
	{ PROTO_T_REVOCATION_LIFT, "revocation-lift", PROVE |
	    B(PROTO_A_SYSTEM) | B(PROTO_A_USER) | B(PROTO_A_ROLE) |
	    B(PROTO_A_COMMENT) },
	{ PROTO_T_WEB_ENROLL, "web-enroll", WEBSET },
	{ PROTO_T_WEB_CONFIRM, "web-confirm", (WEBSET & ~B(PROTO_A_PASSWORD)) |
	    B(PROTO_A_CODE) },
	{ PROTO_T_RESULT, "result", B(PROTO_A_STATUS) | B(PROTO_A_REASON) |
	    B(PROTO_A_MESSAGE) | B(PROTO_A_URI) | B(PROTO_A_USER) |
	    B(PROTO_A_STATE) | B(PROTO_A_FAILURES) | B(PROTO_A_LOCKED_UNTIL) |
	    B(PROTO_A_SEQ) | B(PROTO_A_CHECKPOINT) | B(PROTO_A_COUNT) |
	    B(PROTO_A_FACTORS) | B(PROTO_A_POLICY) | B(PROTO_A_RULE) |
	    B(PROTO_A_ROLE) | B(PROTO_A_PATH) | B(PROTO_A_MFA) |
	    B(PROTO_A_DETAIL) | B(PROTO_A_SYSTEM) | B(PROTO_A_ACCOUNT) |
	    B(PROTO_A_ACCOUNT_REASON) | RV },
	{ PROTO_T_AUDIT_ROW, "audit-row", B(PROTO_A_SEQ) | B(PROTO_A_TIME) |
	    B(PROTO_A_EVENT) | B(PROTO_A_ACTOR) | B(PROTO_A_USER) |
	    B(PROTO_A_SYSTEM) | B(PROTO_A_SERVICE) | B(PROTO_A_RHOST) |
	    B(PROTO_A_TTY) | B(PROTO_A_DECISION) | B(PROTO_A_REASON) |
	    B(PROTO_A_REQID) | B(PROTO_A_NODE) | B(PROTO_A_DETAIL) |
	    B(PROTO_A_HASH) | B(PROTO_A_POLICY) | B(PROTO_A_ROLE) |
	    B(PROTO_A_RULE) | B(PROTO_A_FACTORS) },
	{ PROTO_T_ROW, "row", B(PROTO_A_KIND) | B(PROTO_A_NAME) |
	    B(PROTO_A_MATCHED) | B(PROTO_A_DETAIL) | B(PROTO_A_USER) |
	    B(PROTO_A_SYSTEM) | B(PROTO_A_ROLE) | B(PROTO_A_PATH) |
	    B(PROTO_A_RULE) | B(PROTO_A_STATE) | B(PROTO_A_TIME) |
	    B(PROTO_A_DECISION) | B(PROTO_A_ACTOR) | B(PROTO_A_COUNT) |
	    B(PROTO_A_ACCOUNT_REASON) | B(PROTO_A_SEQ) | B(PROTO_A_POLICY) |
	    RV },
};
#define NTYPES	(sizeof(typespec) / sizeof(typespec[0]))

/* A tag allowed in `type` with value type `vt` (for building bad frames). */
static uint16_t
some_tag(size_t ti, int vt)
{
	uint16_t t;

	for (t = 1; t < PROTO_A_LAST; t++)
		if ((typespec[ti].allowed & B(t)) && tagspec[t].vt == vt)
			return t;
	return 0;
}

static int
type_known(unsigned int type)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (typespec[i].type == type)
			return 1;
	return 0;
}

/* Fills `s` with `len` random non-NUL bytes (any other value allowed). */
static void
rand_str(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		s[i] = (char)(1 + check_rand_n(255));
	s[len] = '\0';
}

/* Field-by-field equality of two parsed or built messages. */
static int
msg_equal(const struct proto_msg *a, const struct proto_msg *b)
{
	size_t i;

	if (a->version != b->version || a->type != b->type ||
	    a->reqid != b->reqid || a->nattr != b->nattr)
		return 0;
	for (i = 0; i < a->nattr; i++) {
		const struct proto_attr *x = &a->attr[i], *y = &b->attr[i];

		if (x->tag != y->tag || x->len != y->len ||
		    (x->str == NULL) != (y->str == NULL))
			return 0;
		if (x->str != NULL) {
			if (memcmp(x->str, y->str, x->len) != 0 ||
			    x->str[x->len] != '\0' || y->str[y->len] != '\0')
				return 0;
		} else if (x->u64 != y->u64)
			return 0;
	}
	return 1;
}

/*
 * Encodes `m`, checks the length prefix, parses the body back and compares;
 * also checks that re-encoding the parsed message gives identical bytes.
 * Returns the encoded frame (caller frees with secure_free) or NULL.
 */
static uint8_t *
roundtrip(const struct proto_msg *m, size_t *flen)
{
	struct proto_msg *p = NULL;
	uint8_t *f = NULL, *f2 = NULL;
	size_t len = 0, len2 = 0, body;
	int r;

	*flen = 0;
	r = proto_encode(m, &f, &len);
	CHECK_OK(r);
	if (r != 0)
		return NULL;
	CHECK(len >= 4 + PROTO_HDR_LEN);
	body = (size_t)f[0] << 24 | (size_t)f[1] << 16 | (size_t)f[2] << 8 |
	    f[3];
	CHECK_U64_EQ(body, len - 4);
	CHECK(body <= PROTO_FRAME_MAX);
	r = proto_parse(f + 4, len - 4, &p);
	CHECK_OK(r);
	if (r == 0) {
		CHECK(msg_equal(m, p));
		CHECK_OK(proto_encode(p, &f2, &len2));
		CHECK_U64_EQ(len2, len);
		if (f2 != NULL && len2 == len)
			CHECK_MEM_EQ(f2, f, len);
		secure_free(f2, len2);
	} else
		CHECK(p == NULL);
	proto_free(p);
	*flen = len;
	return f;
}

/* Stands for "not yet set": proto_parse must overwrite it. */
static struct proto_msg unset;

/* Every proper prefix of a valid body is TRUNCATED; trailing is TRAILING. */
static void
check_strict(const uint8_t *body, size_t len)
{
	struct proto_msg *p;
	uint8_t *copy;
	size_t k, bad = 0;

	/* Heap copies, so ASan sees any read past the given length. */
	for (k = 0; k < len; k++) {
		if ((copy = malloc(k ? k : 1)) == NULL)
			break;
		memcpy(copy, body, k);
		p = &unset;
		if (proto_parse(copy, k, &p) != AUTHD_ERR_TRUNCATED ||
		    p != NULL) {
			if (bad++ == 0)
				CHECK_U64_EQ(k, len);	/* reports k */
		}
		if (p != &unset)
			proto_free(p);
		free(copy);
	}
	CHECK_U64_EQ(bad, 0);
	if ((copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, body, len);
	copy[len] = 0;
	CHECK_ERR(proto_parse(copy, len + 1, &p), AUTHD_ERR_TRAILING);
	CHECK(p == NULL);
	copy[len] = 0xff;
	CHECK_ERR(proto_parse(copy, len + 1, &p), AUTHD_ERR_TRAILING);
	free(copy);
}

/* Every type with every tag it allows, strings at their maximum length. */
static void
test_each_type(void)
{
	struct proto_msg *m;
	uint8_t *f;
	size_t ti, flen;
	uint16_t t;
	char *s;

	for (ti = 0; ti < NTYPES; ti++) {
		m = proto_new(typespec[ti].type, 0x80000001u + (uint32_t)ti);
		CHECK(m != NULL);
		if (m == NULL)
			return;
		CHECK_U64_EQ(m->version, PROTO_VERSION);
		CHECK_U64_EQ(m->nattr, 0);
		for (t = 1; t < PROTO_A_LAST; t++) {
			if (!(typespec[ti].allowed & B(t)))
				continue;
			if (tagspec[t].vt == U64) {
				CHECK_OK(proto_add_u64(m, t,
				    UINT64_MAX - t));
				continue;
			}
			if ((s = malloc(tagspec[t].max + 1)) == NULL)
				return;
			memset(s, 'a' + t, tagspec[t].max);
			s[tagspec[t].max] = '\0';
			CHECK_OK(proto_add_str(m, t, s));
			free(s);
		}
		f = roundtrip(m, &flen);
		if (f != NULL) {
			CHECK_STR_EQ(proto_type_name(f[5]), typespec[ti].name);
			check_strict(f + 4, flen - 4);
		}
		secure_free(f, flen);
		proto_free(m);
	}
}

/* Known-answer frames: the byte layout in docs/protocol.md. */
static void
test_known_bytes(void)
{
	static const uint8_t ping[] = {
		0x00, 0x00, 0x00, 0x08,		/* body length */
		0x01, 0x10,			/* version 1, ping */
		0x01, 0x02, 0x03, 0x04,		/* reqid */
		0x00, 0x00,			/* no attributes */
	};
	static const uint8_t auth[] = {
		0x00, 0x00, 0x00, 0x1d,
		0x01, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x02,
		0x00, 0x01, 0x00, 0x05, 'a', 'l', 'i', 'c', 'e',	/* USER */
		0x00, 0x19, 0x00, 0x08,					/* PID */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x39,
	};
	struct proto_msg *m, *p;
	uint8_t *f;
	size_t len;
	uint64_t pid;
	const char *u;

	if ((m = proto_new(PROTO_T_PING, 0x01020304)) == NULL)
		return;
	CHECK_OK(proto_encode(m, &f, &len));
	CHECK_U64_EQ(len, sizeof(ping));
	if (f != NULL && len == sizeof(ping))
		CHECK_MEM_EQ(f, ping, sizeof(ping));
	secure_free(f, len);
	proto_free(m);

	if ((m = proto_new(PROTO_T_AUTH, 7)) == NULL)
		return;
	CHECK_OK(proto_add_str(m, PROTO_A_USER, "alice"));
	CHECK_OK(proto_add_u64(m, PROTO_A_PID, 12345));
	CHECK_OK(proto_encode(m, &f, &len));
	CHECK_U64_EQ(len, sizeof(auth));
	if (f != NULL && len == sizeof(auth))
		CHECK_MEM_EQ(f, auth, sizeof(auth));
	secure_free(f, len);
	proto_free(m);

	CHECK_OK(proto_parse(auth + 4, sizeof(auth) - 4, &p));
	if (p == NULL)
		return;
	CHECK_U64_EQ(p->type, PROTO_T_AUTH);
	CHECK_U64_EQ(p->reqid, 7);
	CHECK_OK(proto_get_str(p, PROTO_A_USER, &u));
	CHECK_STR_EQ(u, "alice");
	CHECK_OK(proto_get_u64(p, PROTO_A_PID, &pid));
	CHECK_U64_EQ(pid, 12345);
	proto_free(p);
}

/* Random valid messages: random type, tag subset, order and values. */
static void
test_random_roundtrip(void)
{
	enum { ITER = 2000 };
	static char s[2048 + 1];
	struct proto_msg *m;
	uint16_t order[PROTO_A_LAST], t, tmp;
	size_t it, ti, i, n, j, flen, len;
	uint8_t *f;

	check_rand_init();
	for (it = 0; it < ITER; it++) {
		ti = (size_t)check_rand_n(NTYPES);
		m = proto_new(typespec[ti].type, (uint32_t)check_rand());
		if (m == NULL) {
			CHECK(m != NULL);
			return;
		}
		n = 0;
		for (t = 1; t < PROTO_A_LAST; t++)
			if ((typespec[ti].allowed & B(t)) &&
			    check_rand_n(3) != 0)
				order[n++] = t;
		for (i = n; i > 1; i--) {
			j = (size_t)check_rand_n(i);
			tmp = order[i - 1];
			order[i - 1] = order[j];
			order[j] = tmp;
		}
		for (i = 0; i < n; i++) {
			t = order[i];
			if (tagspec[t].vt == U64) {
				CHECK_OK(proto_add_u64(m, t, check_rand()));
				continue;
			}
			/* Mostly short, sometimes exactly at the limit. */
			switch (check_rand_n(4)) {
			case 0: len = tagspec[t].max; break;
			case 1: len = 0; break;
			default: len = (size_t)check_rand_n(tagspec[t].max);
			}
			rand_str(s, len);
			CHECK_OK(proto_add_str(m, t, s));
		}
		CHECK_U64_EQ(m->nattr, n);
		f = roundtrip(m, &flen);
		if (f != NULL && it % 50 == 0)
			check_strict(f + 4, flen - 4);
		secure_free(f, flen);
		proto_free(m);
	}
}

/*
 * Frame builder for malformed input: header fields as given, attributes
 * appended raw.  The body is in b->d[0 .. b->len).
 */
static struct buf *
frame(uint8_t version, uint8_t type, uint32_t reqid, uint16_t nattr)
{
	struct buf *b;

	if ((b = buf_new(PROTO_FRAME_MAX + 4096)) == NULL)
		return NULL;
	if (buf_put_u8(b, version) != 0 || buf_put_u8(b, type) != 0 ||
	    buf_put_u32(b, reqid) != 0 || buf_put_u16(b, nattr) != 0) {
		buf_free(b);
		return NULL;
	}
	return b;
}

static void
attr_raw(struct buf *b, uint16_t tag, const void *v, uint16_t len)
{
	CHECK_OK(buf_put_u16(b, tag));
	CHECK_OK(buf_put_u16(b, len));
	CHECK_OK(buf_put(b, v, len));
}

static void
attr_u64(struct buf *b, uint16_t tag, uint64_t v)
{
	CHECK_OK(buf_put_u16(b, tag));
	CHECK_OK(buf_put_u16(b, 8));
	CHECK_OK(buf_put_u64(b, v));
}

/* Parses b's body and returns the result; frees any message. */
static int
parse_buf(const struct buf *b)
{
	struct proto_msg *p = &unset;
	uint8_t *copy;
	int r;

	/* A heap copy of the exact size, so ASan catches over-reads. */
	if ((copy = malloc(b->len ? b->len : 1)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (b->len)
		memcpy(copy, b->d, b->len);
	r = proto_parse(copy, b->len, &p);
	if (r != 0)
		CHECK(p == NULL);
	else
		CHECK(p != NULL && p != &unset);
	if (p != &unset)
		proto_free(p);
	free(copy);
	return r;
}

#define EXPECT_FRAME(b, want) do {					\
	if ((b) != NULL)						\
		CHECK_ERR(parse_buf(b), want);				\
	buf_free(b);							\
} while (0)

static void
test_header(void)
{
	struct buf *b;
	unsigned int v, t;
	size_t ti;

	/* Version: only PROTO_VERSION, whatever follows. */
	for (v = 0; v < 256; v++) {
		b = frame((uint8_t)v, PROTO_T_PING, 1, 0);
		EXPECT_FRAME(b, v == PROTO_VERSION ? AUTHD_OK :
		    AUTHD_ERR_VERSION);
	}
	/* The version is judged before the rest of the header is read. */
	b = buf_new(1);
	if (b != NULL)
		CHECK_OK(buf_put_u8(b, 2));
	EXPECT_FRAME(b, AUTHD_ERR_VERSION);

	/* Type: exactly the documented set. */
	for (t = 0; t < 256; t++) {
		b = frame(PROTO_VERSION, (uint8_t)t, 1, 0);
		EXPECT_FRAME(b, type_known(t) ? AUTHD_OK : AUTHD_ERR_BAD_TYPE);
	}
	for (ti = 0; ti < NTYPES; ti++)
		CHECK_STR_EQ(proto_type_name(typespec[ti].type),
		    typespec[ti].name);
	CHECK_STR_EQ(proto_type_name(0), "unknown");
	CHECK_STR_EQ(proto_type_name(0xff), "unknown");

	/* Request ids are carried verbatim, all 32 bits. */
	{
		static const uint32_t ids[] = { 0, 1, INT32_MAX,
		    (uint32_t)INT32_MAX + 1, UINT32_MAX };
		struct proto_msg *p;
		size_t i;

		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			if ((b = frame(PROTO_VERSION, PROTO_T_RESULT, ids[i],
			    0)) == NULL)
				continue;
			CHECK_OK(proto_parse(b->d, b->len, &p));
			if (p != NULL)
				CHECK_U64_EQ(p->reqid, ids[i]);
			proto_free(p);
			buf_free(b);
		}
	}

	/* Attribute count: PROTO_ATTR_MAX passes the count check. */
	b = frame(PROTO_VERSION, PROTO_T_RESULT, 1, PROTO_ATTR_MAX);
	EXPECT_FRAME(b, AUTHD_ERR_TRUNCATED);
	b = frame(PROTO_VERSION, PROTO_T_RESULT, 1, PROTO_ATTR_MAX + 1);
	EXPECT_FRAME(b, AUTHD_ERR_TOO_MANY);
	b = frame(PROTO_VERSION, PROTO_T_RESULT, 1, UINT16_MAX);
	EXPECT_FRAME(b, AUTHD_ERR_TOO_MANY);
	/* nattr larger than what follows, and smaller. */
	b = frame(PROTO_VERSION, PROTO_T_RESULT, 1, 2);
	if (b != NULL)
		attr_u64(b, PROTO_A_STATUS, 0);
	EXPECT_FRAME(b, AUTHD_ERR_TRUNCATED);
	b = frame(PROTO_VERSION, PROTO_T_RESULT, 1, 0);
	if (b != NULL)
		attr_u64(b, PROTO_A_STATUS, 0);
	EXPECT_FRAME(b, AUTHD_ERR_TRAILING);
}

static void
test_size_limit(void)
{
	struct buf *b;
	uint8_t *big;
	struct proto_msg *p;

	/* Exactly PROTO_FRAME_MAX passes the size check (then has junk). */
	b = frame(PROTO_VERSION, PROTO_T_PING, 1, 0);
	if (b != NULL) {
		while (b->len < PROTO_FRAME_MAX)
			CHECK_OK(buf_put_u8(b, 0));
		CHECK_U64_EQ(b->len, PROTO_FRAME_MAX);
	}
	EXPECT_FRAME(b, AUTHD_ERR_TRAILING);
	b = frame(PROTO_VERSION, PROTO_T_PING, 1, 0);
	if (b != NULL) {
		while (b->len < PROTO_FRAME_MAX + 1)
			CHECK_OK(buf_put_u8(b, 0));
	}
	EXPECT_FRAME(b, AUTHD_ERR_TOO_LARGE);

	/* The size is judged before anything is read. */
	if ((big = calloc(1, PROTO_FRAME_MAX + 1)) == NULL)
		return;
	CHECK_ERR(proto_parse(big, PROTO_FRAME_MAX + 1, &p),
	    AUTHD_ERR_TOO_LARGE);
	CHECK(p == NULL);
	CHECK_ERR(proto_parse(big, SIZE_MAX, &p), AUTHD_ERR_TOO_LARGE);
	CHECK_ERR(proto_parse(big, 0, &p), AUTHD_ERR_TRUNCATED);
	free(big);
}

static void
test_tags(void)
{
	static const uint16_t unknown[] = { 0, PROTO_A_LAST, PROTO_A_LAST + 1,
	    0x100, 0x7fff, 0x8000, 0xffff };
	struct buf *b;
	size_t ti, i;
	uint16_t t;

	for (ti = 0; ti < NTYPES; ti++) {
		uint8_t type = typespec[ti].type;

		/* Unknown tags, with plausible string and u64 values. */
		for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
			b = frame(PROTO_VERSION, type, 1, 1);
			if (b != NULL)
				attr_raw(b, unknown[i], "x", 1);
			EXPECT_FRAME(b, AUTHD_ERR_BAD_TAG);
			b = frame(PROTO_VERSION, type, 1, 1);
			if (b != NULL)
				attr_u64(b, unknown[i], 1);
			EXPECT_FRAME(b, AUTHD_ERR_BAD_TAG);
		}
		/* Known tags: accepted exactly when the type allows them. */
		for (t = 1; t < PROTO_A_LAST; t++) {
			int want = (typespec[ti].allowed & B(t)) ? AUTHD_OK :
			    AUTHD_ERR_BAD_TAG;

			b = frame(PROTO_VERSION, type, 1, 1);
			if (b != NULL) {
				if (tagspec[t].vt == U64)
					attr_u64(b, t, 1);
				else
					attr_raw(b, t, "x", 1);
			}
			EXPECT_FRAME(b, want);
		}
		/* A bad tag after a good one is still caught. */
		if ((t = some_tag(ti, STR)) != 0) {
			b = frame(PROTO_VERSION, type, 1, 2);
			if (b != NULL) {
				attr_raw(b, t, "ok", 2);
				attr_raw(b, PROTO_A_LAST, "", 0);
			}
			EXPECT_FRAME(b, AUTHD_ERR_BAD_TAG);
		}
	}
}

static void
test_duplicates(void)
{
	struct buf *b;
	size_t ti;
	uint16_t t;

	for (ti = 0; ti < NTYPES; ti++) {
		for (t = 1; t < PROTO_A_LAST; t++) {
			if (!(typespec[ti].allowed & B(t)))
				continue;
			/* Same value twice, and different values twice. */
			b = frame(PROTO_VERSION, typespec[ti].type, 1, 2);
			if (b != NULL) {
				if (tagspec[t].vt == U64) {
					attr_u64(b, t, 5);
					attr_u64(b, t, 5);
				} else {
					attr_raw(b, t, "a", 1);
					attr_raw(b, t, "a", 1);
				}
			}
			EXPECT_FRAME(b, AUTHD_ERR_DUP_TAG);
			b = frame(PROTO_VERSION, typespec[ti].type, 1, 3);
			if (b != NULL) {
				if (tagspec[t].vt == U64) {
					attr_u64(b, t, 5);
					attr_u64(b, t, 6);
				} else {
					attr_raw(b, t, "a", 1);
					attr_raw(b, t, "", 0);
				}
				attr_raw(b, PROTO_A_LAST, "", 0);
			}
			EXPECT_FRAME(b, AUTHD_ERR_DUP_TAG);
		}
	}
}

static void
test_values(void)
{
	static char s[2048 + 2];
	struct buf *b;
	size_t ti;
	uint16_t t, l;

	for (t = 1; t < PROTO_A_LAST; t++) {
		/* A type that allows t. */
		for (ti = 0; ti < NTYPES; ti++)
			if (typespec[ti].allowed & B(t))
				break;
		CHECK(ti < NTYPES);	/* every tag is used somewhere */
		if (ti == NTYPES)
			continue;
		if (tagspec[t].vt == U64) {
			/* Integers are exactly 8 bytes. */
			for (l = 0; l <= 16; l++) {
				memset(s, 0, l);
				b = frame(PROTO_VERSION, typespec[ti].type, 1, 1);
				if (b != NULL)
					attr_raw(b, t, s, l);
				EXPECT_FRAME(b, l == 8 ? AUTHD_OK :
				    AUTHD_ERR_BAD_VALUE);
			}
			continue;
		}
		/* Strings: at the limit OK, one past it BAD_VALUE. */
		l = (uint16_t)tagspec[t].max;
		memset(s, 'x', sizeof(s));
		b = frame(PROTO_VERSION, typespec[ti].type, 1, 1);
		if (b != NULL)
			attr_raw(b, t, s, l);
		EXPECT_FRAME(b, AUTHD_OK);
		b = frame(PROTO_VERSION, typespec[ti].type, 1, 1);
		if (b != NULL)
			attr_raw(b, t, s, (uint16_t)(l + 1));
		EXPECT_FRAME(b, AUTHD_ERR_BAD_VALUE);
		/* Empty strings are allowed. */
		b = frame(PROTO_VERSION, typespec[ti].type, 1, 1);
		if (b != NULL)
			attr_raw(b, t, s, 0);
		EXPECT_FRAME(b, AUTHD_OK);
		/* A NUL anywhere in the value is refused. */
		s[0] = '\0';
		b = frame(PROTO_VERSION, typespec[ti].type, 1, 1);
		if (b != NULL)
			attr_raw(b, t, s, 4);
		EXPECT_FRAME(b, AUTHD_ERR_BAD_VALUE);
		s[0] = 'x';
		s[2] = '\0';
		b = frame(PROTO_VERSION, typespec[ti].type, 1, 1);
		if (b != NULL)
			attr_raw(b, t, s, 4);
		EXPECT_FRAME(b, AUTHD_ERR_BAD_VALUE);
		s[2] = 'x';
		s[l - 1] = '\0';
		b = frame(PROTO_VERSION, typespec[ti].type, 1, 1);
		if (b != NULL)
			attr_raw(b, t, s, l);
		EXPECT_FRAME(b, AUTHD_ERR_BAD_VALUE);
		s[l - 1] = 'x';
		/* Bytes other than NUL, including 0x80..0xff, pass. */
		s[0] = '\x01';
		s[1] = '\xff';
		s[2] = '\n';
		b = frame(PROTO_VERSION, typespec[ti].type, 1, 1);
		if (b != NULL)
			attr_raw(b, t, s, 4);
		EXPECT_FRAME(b, AUTHD_OK);
		memset(s, 'x', 3);
	}

	/* A value length reaching past the end of the body. */
	b = frame(PROTO_VERSION, PROTO_T_RESULT, 1, 1);
	if (b != NULL) {
		CHECK_OK(buf_put_u16(b, PROTO_A_REASON));
		CHECK_OK(buf_put_u16(b, 5));
		CHECK_OK(buf_put(b, "abcd", 4));
	}
	EXPECT_FRAME(b, AUTHD_ERR_TRUNCATED);
	b = frame(PROTO_VERSION, PROTO_T_RESULT, 1, 1);
	if (b != NULL) {
		CHECK_OK(buf_put_u16(b, PROTO_A_REASON));
		CHECK_OK(buf_put_u16(b, UINT16_MAX));
	}
	EXPECT_FRAME(b, AUTHD_ERR_TRUNCATED);
}

static void
test_add_errors(void)
{
	struct proto_msg *m;
	char s[2048 + 2];
	const char *out;
	uint64_t u;
	uint16_t t;

	if ((m = proto_new(PROTO_T_RESULT, 9)) == NULL)
		return;
	/* Unknown tags. */
	CHECK_ERR(proto_add_str(m, 0, "x"), AUTHD_ERR_BAD_TAG);
	CHECK_ERR(proto_add_u64(m, 0, 1), AUTHD_ERR_BAD_TAG);
	CHECK_ERR(proto_add_str(m, PROTO_A_LAST, "x"), AUTHD_ERR_BAD_TAG);
	CHECK_ERR(proto_add_u64(m, PROTO_A_LAST, 1), AUTHD_ERR_BAD_TAG);
	CHECK_ERR(proto_add_str(m, UINT16_MAX, "x"), AUTHD_ERR_BAD_TAG);
	/* Known tag, wrong value type. */
	CHECK_ERR(proto_add_str(m, PROTO_A_STATUS, "0"), AUTHD_ERR_BAD_TAG);
	CHECK_ERR(proto_add_u64(m, PROTO_A_REASON, 0), AUTHD_ERR_BAD_TAG);
	/* Not allowed in a RESULT. */
	CHECK_ERR(proto_add_str(m, PROTO_A_CODE, "123456"), AUTHD_ERR_BAD_TAG);
	CHECK_ERR(proto_add_u64(m, PROTO_A_PID, 1), AUTHD_ERR_BAD_TAG);
	CHECK_U64_EQ(m->nattr, 0);
	/* NULL adds nothing. */
	CHECK_OK(proto_add_str(m, PROTO_A_REASON, NULL));
	CHECK_U64_EQ(m->nattr, 0);
	/* Length: at the limit and one past it. */
	memset(s, 'r', sizeof(s));
	s[65] = '\0';
	CHECK_ERR(proto_add_str(m, PROTO_A_REASON, s), AUTHD_ERR_BAD_VALUE);
	s[64] = '\0';
	CHECK_OK(proto_add_str(m, PROTO_A_REASON, s));
	/* Duplicates. */
	CHECK_ERR(proto_add_str(m, PROTO_A_REASON, "ok"), AUTHD_ERR_DUP_TAG);
	CHECK_OK(proto_add_u64(m, PROTO_A_STATUS, PROTO_S_DENY));
	CHECK_ERR(proto_add_u64(m, PROTO_A_STATUS, PROTO_S_ALLOW),
	    AUTHD_ERR_DUP_TAG);
	CHECK_U64_EQ(m->nattr, 2);
	/* Look-ups. */
	CHECK_OK(proto_get_str(m, PROTO_A_REASON, &out));
	CHECK(out != NULL && strlen(out) == 64);
	CHECK_OK(proto_get_u64(m, PROTO_A_STATUS, &u));
	CHECK_U64_EQ(u, PROTO_S_DENY);
	out = "junk";
	CHECK_ERR(proto_get_str(m, PROTO_A_MESSAGE, &out), AUTHD_ERR_MISSING);
	CHECK(out == NULL);
	out = "junk";
	CHECK_ERR(proto_get_str(m, PROTO_A_STATUS, &out), AUTHD_ERR_MISSING);
	CHECK(out == NULL);
	u = 7;
	CHECK_ERR(proto_get_u64(m, PROTO_A_REASON, &u), AUTHD_ERR_MISSING);
	CHECK_U64_EQ(u, 0);
	u = 7;
	CHECK_ERR(proto_get_u64(m, PROTO_A_SEQ, &u), AUTHD_ERR_MISSING);
	CHECK_U64_EQ(u, 0);
	CHECK_STR_EQ(proto_str(m, PROTO_A_MESSAGE, "dflt"), "dflt");
	CHECK_STR_EQ(proto_str(m, PROTO_A_MESSAGE, NULL), NULL);
	CHECK(proto_str(m, PROTO_A_REASON, NULL) != NULL);
	proto_free(m);

	/* Longer than any tag allows, and longer than a u16 length. */
	if ((m = proto_new(PROTO_T_AUDIT_ROW, 1)) == NULL)
		return;
	{
		char *huge = malloc(70000);

		if (huge != NULL) {
			memset(huge, 'd', 69999);
			huge[69999] = '\0';
			CHECK_ERR(proto_add_str(m, PROTO_A_DETAIL, huge),
			    AUTHD_ERR_BAD_VALUE);
			huge[2048] = '\0';
			CHECK_OK(proto_add_str(m, PROTO_A_DETAIL, huge));
			free(huge);
		}
	}
	proto_free(m);

	/* A message of unknown type takes no attributes. */
	if ((m = proto_new(0x99, 1)) == NULL)
		return;
	CHECK_ERR(proto_add_str(m, PROTO_A_USER, "u"), AUTHD_ERR_BAD_TYPE);
	CHECK_ERR(proto_add_u64(m, PROTO_A_SEQ, 1), AUTHD_ERR_BAD_TYPE);
	proto_free(m);

	/* Ping takes none either. */
	if ((m = proto_new(PROTO_T_PING, 1)) == NULL)
		return;
	for (t = 1; t < PROTO_A_LAST; t++) {
		if (tagspec[t].vt == U64)
			CHECK_ERR(proto_add_u64(m, t, 1), AUTHD_ERR_BAD_TAG);
		else
			CHECK_ERR(proto_add_str(m, t, "x"), AUTHD_ERR_BAD_TAG);
	}
	proto_free(m);

	/* The attribute array is bounded even if a caller filled it. */
	if ((m = proto_new(PROTO_T_RESULT, 1)) == NULL)
		return;
	m->nattr = PROTO_ATTR_MAX;
	CHECK_ERR(proto_add_u64(m, PROTO_A_SEQ, 1), AUTHD_ERR_TOO_MANY);
	CHECK_ERR(proto_add_str(m, PROTO_A_USER, "u"), AUTHD_ERR_TOO_MANY);
	CHECK_U64_EQ(m->nattr, PROTO_ATTR_MAX);
	proto_free(m);
	proto_free(NULL);
}

/* Messages the library itself refuses to accept back. */
static void
test_encode_unparseable(void)
{
	struct proto_msg *m, *p;
	uint8_t *f;
	size_t len;

	if ((m = proto_new(PROTO_T_PING, 1)) == NULL)
		return;
	m->version = PROTO_VERSION + 1;
	CHECK_OK(proto_encode(m, &f, &len));
	if (f != NULL)
		CHECK_ERR(proto_parse(f + 4, len - 4, &p), AUTHD_ERR_VERSION);
	secure_free(f, len);
	m->version = PROTO_VERSION;
	m->type = 0x7e;
	CHECK_OK(proto_encode(m, &f, &len));
	if (f != NULL)
		CHECK_ERR(proto_parse(f + 4, len - 4, &p), AUTHD_ERR_BAD_TYPE);
	secure_free(f, len);
	proto_free(m);
}

/* A full request as pam_authd.so sends it. */
static void
test_pam_request(void)
{
	struct proto_msg *m;
	uint8_t *f;
	size_t len;

	if ((m = proto_new(PROTO_T_AUTH, 42)) == NULL)
		return;
	CHECK_OK(proto_add_str(m, PROTO_A_USER, "alice"));
	CHECK_OK(proto_add_str(m, PROTO_A_SYSTEM, "web01"));
	CHECK_OK(proto_add_str(m, PROTO_A_SERVICE, "sshd"));
	CHECK_OK(proto_add_str(m, PROTO_A_RHOST, "192.0.2.7"));
	CHECK_OK(proto_add_str(m, PROTO_A_TTY, "ssh"));
	CHECK_OK(proto_add_str(m, PROTO_A_CODE, "123456"));
	CHECK_OK(proto_add_u64(m, PROTO_A_PID, 4242));
	CHECK_STR_EQ(proto_str(m, PROTO_A_CODE, NULL), "123456");
	f = roundtrip(m, &len);
	if (f != NULL)
		check_strict(f + 4, len - 4);
	secure_free(f, len);
	proto_free(m);
}

/*
 * The fuzzing seeds in tests/fuzz/corpus/proto are written by
 * make_corpus.sh from the document, not by this library: each must parse,
 * and must re-encode to exactly its own bytes.
 */
static void
test_corpus(const char *dir)
{
	struct proto_msg *p;
	struct dirent *de;
	uint8_t body[PROTO_FRAME_MAX + 1], *f;
	char path[4096];
	size_t n, flen;
	int count = 0;
	DIR *d;
	FILE *fp;

	CHECK((d = opendir(dir)) != NULL);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((fp = fopen(path, "rb")) == NULL) {
			CHECK(fp != NULL);
			continue;
		}
		n = fread(body, 1, sizeof(body), fp);
		fclose(fp);
		count++;
		CHECK_OK(proto_parse(body, n, &p));
		if (p == NULL) {
			fprintf(stderr, "  seed %s\n", de->d_name);
			continue;
		}
		CHECK_OK(proto_encode(p, &f, &flen));
		CHECK_U64_EQ(flen, n + 4);
		if (f != NULL && flen == n + 4)
			CHECK_MEM_EQ(f + 4, body, n);
		secure_free(f, flen);
		proto_free(p);
	}
	closedir(d);
	CHECK(count >= 10);
}

int
main(int argc, char **argv)
{
	test_known_bytes();
	test_each_type();
	test_pam_request();
	test_random_roundtrip();
	test_header();
	test_size_limit();
	test_tags();
	test_duplicates();
	test_values();
	test_add_errors();
	test_encode_unparseable();
	if (argc > 1)
		test_corpus(argv[1]);
	return check_done("test_proto");
}
