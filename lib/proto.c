/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "buf.h"
#include "proto.h"
#include "util.h"

enum { T_STR, T_U64 };

/* Per tag: value type and longest accepted string (bytes, without NUL). */
static const struct {
	uint8_t		type;
	uint16_t	max;
} tags[PROTO_A_LAST] = {
	[PROTO_A_USER] =	{ T_STR, 256 },
	[PROTO_A_SYSTEM] =	{ T_STR, 64 },
	[PROTO_A_SERVICE] =	{ T_STR, 64 },
	[PROTO_A_RHOST] =	{ T_STR, 256 },
	[PROTO_A_TTY] =		{ T_STR, 64 },
	[PROTO_A_CODE] =	{ T_STR, 64 },
	[PROTO_A_STATUS] =	{ T_U64, 8 },
	[PROTO_A_REASON] =	{ T_STR, 64 },
	[PROTO_A_MESSAGE] =	{ T_STR, 1024 },
	[PROTO_A_URI] =		{ T_STR, 1024 },
	[PROTO_A_LIMIT] =	{ T_U64, 8 },
	[PROTO_A_SINCE] =	{ T_U64, 8 },
	[PROTO_A_FORCE] =	{ T_U64, 8 },
	[PROTO_A_SEQ] =		{ T_U64, 8 },
	[PROTO_A_TIME] =	{ T_U64, 8 },
	[PROTO_A_EVENT] =	{ T_STR, 64 },
	[PROTO_A_ACTOR] =	{ T_STR, 256 },
	[PROTO_A_DECISION] =	{ T_STR, 16 },
	[PROTO_A_REQID] =	{ T_U64, 8 },
	[PROTO_A_NODE] =	{ T_STR, 256 },
	[PROTO_A_DETAIL] =	{ T_STR, 2048 },
	[PROTO_A_STATE] =	{ T_STR, 16 },
	[PROTO_A_FAILURES] =	{ T_U64, 8 },
	[PROTO_A_LOCKED_UNTIL] = { T_U64, 8 },
	[PROTO_A_PID] =		{ T_U64, 8 },
	[PROTO_A_HASH] =	{ T_STR, 64 },
	[PROTO_A_POLICY] =	{ T_STR, 128 },
	[PROTO_A_ROLE] =	{ T_STR, 256 },
	[PROTO_A_RULE] =	{ T_STR, 256 },
	[PROTO_A_FACTORS] =	{ T_STR, 128 },
	[PROTO_A_TIME_FROM] =	{ T_U64, 8 },
	[PROTO_A_TIME_UNTIL] =	{ T_U64, 8 },
	[PROTO_A_BEFORE] =	{ T_U64, 8 },
	[PROTO_A_CHECKPOINT] =	{ T_STR, 1024 },
	[PROTO_A_COUNT] =	{ T_U64, 8 },
	[PROTO_A_PASSWORD] =	{ T_STR, 256 },
	[PROTO_A_KIND] =	{ T_STR, 32 },
	[PROTO_A_NAME] =	{ T_STR, 256 },
	[PROTO_A_MATCHED] =	{ T_U64, 8 },
	[PROTO_A_PATH] =	{ T_STR, 2048 },
	[PROTO_A_MFA] =		{ T_STR, 128 },
	[PROTO_A_REVIEW] =	{ T_U64, 8 },
	[PROTO_A_DUE] =		{ T_U64, 8 },
	[PROTO_A_COMMENT] =	{ T_STR, 1024 },
	[PROTO_A_OWNER] =	{ T_STR, 256 },
	[PROTO_A_DEFAULT] =	{ T_STR, 16 },
	[PROTO_A_AS] =		{ T_STR, 256 },
	[PROTO_A_LAST_LOGIN] =	{ T_U64, 8 },
	[PROTO_A_INACTIVE] =	{ T_U64, 8 },
	[PROTO_A_RECOMMEND] =	{ T_STR, 256 },
	[PROTO_A_CLOSED] =	{ T_U64, 8 },
	[PROTO_A_DECIDED] =	{ T_U64, 8 },
	[PROTO_A_NEEDS_ADMIN] =	{ T_U64, 8 },
	[PROTO_A_REMEDIATION] =	{ T_STR, 512 },
	[PROTO_A_CLASS] =	{ T_STR, 32 },
	[PROTO_A_DESCRIPTION] =	{ T_STR, 256 },
	[PROTO_A_ALL] =		{ T_U64, 8 },
	[PROTO_A_DEFAULT_BY] =	{ T_U64, 8 },
	[PROTO_A_CLOSED_BY] =	{ T_STR, 256 },
	[PROTO_A_ACCOUNT] =	{ T_U64, 8 },
	[PROTO_A_ACCOUNT_REASON] = { T_STR, 64 },
	[PROTO_A_WAIT] =	{ T_U64, 8 },
	[PROTO_A_SESSION] =	{ T_STR, 64 },
};

#define A(t)	(UINT64_C(1) << (t))
_Static_assert(PROTO_A_LAST <= 64, "tag sets are 64-bit masks");
/* What describes a review, its items and revocations. */
#define REVIEW_FIELDS (A(PROTO_A_REVIEW) | A(PROTO_A_DUE) | \
	A(PROTO_A_COMMENT) | A(PROTO_A_OWNER) | A(PROTO_A_DEFAULT) | \
	A(PROTO_A_LAST_LOGIN) | A(PROTO_A_INACTIVE) | A(PROTO_A_RECOMMEND) | \
	A(PROTO_A_CLOSED) | A(PROTO_A_DECIDED) | A(PROTO_A_NEEDS_ADMIN) | \
	A(PROTO_A_REMEDIATION) | A(PROTO_A_CLASS) | A(PROTO_A_DESCRIPTION) | \
	A(PROTO_A_HASH) | A(PROTO_A_SEQ) | A(PROTO_A_ACTOR) | \
	A(PROTO_A_TIME) | A(PROTO_A_DEFAULT_BY) | A(PROTO_A_CLOSED_BY))
/* Who is asking, proved with two factors (review socket). */
#define PROOF	(A(PROTO_A_AS) | A(PROTO_A_PASSWORD) | A(PROTO_A_CODE))
/*
 * The review requests authd-web forwards also carry the web session's
 * tag and the source address (authd takes them from the web socket only).
 */
#define WEB_WHO	(A(PROTO_A_RHOST) | A(PROTO_A_SESSION))
#define PAM_REQ	(A(PROTO_A_USER) | A(PROTO_A_SYSTEM) | A(PROTO_A_SERVICE) | \
		 A(PROTO_A_RHOST) | A(PROTO_A_TTY) | A(PROTO_A_PID) | \
		 A(PROTO_A_WAIT))
/*
 * What authd-web forwards: the person, their password (enroll), the
 * source address and the web session's tag.
 */
#define WEB_REQ	(A(PROTO_A_USER) | A(PROTO_A_PASSWORD) | A(PROTO_A_RHOST) | \
		 A(PROTO_A_SESSION))

/* Per message type: its name and the tags it may carry. */
static const struct {
	uint8_t		 type;
	const char	*name;
	uint64_t	 allowed;
} types[] = {
	{ PROTO_T_AUTH, "auth", PAM_REQ | A(PROTO_A_CODE) |
	    A(PROTO_A_PASSWORD) | A(PROTO_A_ACCOUNT) },
	{ PROTO_T_FACTORS, "factors", PAM_REQ },
	{ PROTO_T_ACCOUNT, "account", PAM_REQ },
	{ PROTO_T_SESSION_OPEN, "session-open", PAM_REQ },
	{ PROTO_T_SESSION_CLOSE, "session-close", PAM_REQ },
	{ PROTO_T_PING, "ping", 0 },
	{ PROTO_T_ENROLL, "enroll", A(PROTO_A_USER) | A(PROTO_A_FORCE) },
	{ PROTO_T_CONFIRM, "confirm", A(PROTO_A_USER) | A(PROTO_A_CODE) },
	{ PROTO_T_UNLOCK, "unlock", A(PROTO_A_USER) },
	{ PROTO_T_RESET, "reset", A(PROTO_A_USER) },
	{ PROTO_T_STATUS, "status", A(PROTO_A_USER) },
	{ PROTO_T_AUDIT_LIST, "audit-list", A(PROTO_A_USER) |
	    A(PROTO_A_SYSTEM) | A(PROTO_A_LIMIT) | A(PROTO_A_SINCE) |
	    A(PROTO_A_TIME_FROM) | A(PROTO_A_TIME_UNTIL) |
	    A(PROTO_A_DECISION) | A(PROTO_A_REASON) | A(PROTO_A_EVENT) },
	{ PROTO_T_AUDIT_SHOW, "audit-show", A(PROTO_A_SEQ) },
	{ PROTO_T_AUDIT_PRUNE, "audit-prune", A(PROTO_A_BEFORE) },
	{ PROTO_T_AUDIT_CHECKPOINT, "audit-checkpoint", 0 },
	{ PROTO_T_POLICY_RELOAD, "policy-reload", 0 },
	{ PROTO_T_POLICY_TEST, "policy-test", A(PROTO_A_USER) |
	    A(PROTO_A_SYSTEM) | A(PROTO_A_RHOST) | A(PROTO_A_TIME) },
	{ PROTO_T_ACCESS_LIST, "access-list", A(PROTO_A_SYSTEM) },
	{ PROTO_T_ACCESS_USER, "access-user", A(PROTO_A_USER) },
	{ PROTO_T_NODES, "nodes", 0 },
	{ PROTO_T_REVIEW_START, "review-start", PROOF | A(PROTO_A_SYSTEM) |
	    A(PROTO_A_ALL) | A(PROTO_A_DUE) },
	{ PROTO_T_REVIEW_LIST, "review-list", PROOF | WEB_WHO |
	    A(PROTO_A_STATE) },
	{ PROTO_T_REVIEW_SHOW, "review-show", PROOF | WEB_WHO |
	    A(PROTO_A_REVIEW) },
	{ PROTO_T_REVIEW_DECIDE, "review-decide", PROOF | WEB_WHO |
	    A(PROTO_A_REVIEW) | A(PROTO_A_USER) | A(PROTO_A_ROLE) |
	    A(PROTO_A_DECISION) | A(PROTO_A_COMMENT) },
	{ PROTO_T_REVIEW_CLOSE, "review-close", PROOF | WEB_WHO |
	    A(PROTO_A_REVIEW) | A(PROTO_A_DEFAULT) },
	{ PROTO_T_REVOCATION_LIST, "revocation-list", PROOF |
	    A(PROTO_A_SYSTEM) },
	{ PROTO_T_REVOCATION_LIFT, "revocation-lift", PROOF |
	    A(PROTO_A_SYSTEM) | A(PROTO_A_USER) | A(PROTO_A_ROLE) |
	    A(PROTO_A_COMMENT) },
	{ PROTO_T_WEB_ENROLL, "web-enroll", WEB_REQ },
	{ PROTO_T_WEB_CONFIRM, "web-confirm", (WEB_REQ & ~A(PROTO_A_PASSWORD)) |
	    A(PROTO_A_CODE) },
	{ PROTO_T_RESULT, "result", A(PROTO_A_STATUS) | A(PROTO_A_REASON) |
	    A(PROTO_A_MESSAGE) | A(PROTO_A_URI) | A(PROTO_A_USER) |
	    A(PROTO_A_STATE) | A(PROTO_A_FAILURES) | A(PROTO_A_LOCKED_UNTIL) |
	    A(PROTO_A_SEQ) | A(PROTO_A_CHECKPOINT) | A(PROTO_A_COUNT) |
	    A(PROTO_A_FACTORS) | A(PROTO_A_POLICY) | A(PROTO_A_RULE) |
	    A(PROTO_A_ROLE) | A(PROTO_A_PATH) | A(PROTO_A_MFA) |
	    A(PROTO_A_DETAIL) | A(PROTO_A_SYSTEM) | A(PROTO_A_ACCOUNT) |
	    A(PROTO_A_ACCOUNT_REASON) | REVIEW_FIELDS },
	{ PROTO_T_AUDIT_ROW, "audit-row", A(PROTO_A_SEQ) | A(PROTO_A_TIME) |
	    A(PROTO_A_EVENT) | A(PROTO_A_ACTOR) | A(PROTO_A_USER) |
	    A(PROTO_A_SYSTEM) | A(PROTO_A_SERVICE) | A(PROTO_A_RHOST) |
	    A(PROTO_A_TTY) | A(PROTO_A_DECISION) | A(PROTO_A_REASON) |
	    A(PROTO_A_REQID) | A(PROTO_A_NODE) | A(PROTO_A_DETAIL) |
	    A(PROTO_A_HASH) | A(PROTO_A_POLICY) | A(PROTO_A_ROLE) |
	    A(PROTO_A_RULE) | A(PROTO_A_FACTORS) },
	{ PROTO_T_ROW, "row", A(PROTO_A_KIND) | A(PROTO_A_NAME) |
	    A(PROTO_A_MATCHED) | A(PROTO_A_DETAIL) | A(PROTO_A_USER) |
	    A(PROTO_A_SYSTEM) | A(PROTO_A_ROLE) | A(PROTO_A_PATH) |
	    A(PROTO_A_RULE) | A(PROTO_A_STATE) | A(PROTO_A_TIME) |
	    A(PROTO_A_DECISION) | A(PROTO_A_ACTOR) | A(PROTO_A_COUNT) |
	    A(PROTO_A_ACCOUNT_REASON) | A(PROTO_A_SEQ) | A(PROTO_A_POLICY) |
	    REVIEW_FIELDS },
};

static int
type_index(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return (int)i;
	return -1;
}

const char *
proto_type_name(uint8_t type)
{
	int i = type_index(type);

	return i < 0 ? "unknown" : types[i].name;
}

struct proto_msg *
proto_new(uint8_t type, uint32_t reqid)
{
	struct proto_msg *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->version = PROTO_VERSION;
	m->type = type;
	m->reqid = reqid;
	return m;
}

void
proto_free(struct proto_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nattr; i++)
		if (m->attr[i].str != NULL)
			secure_free(m->attr[i].str, m->attr[i].len);
	explicit_bzero(m, sizeof(*m));
	free(m);
}

/* Checks that `tag` may be added to `m` with value type `vt`. */
static int
check_tag(const struct proto_msg *m, uint16_t tag, int vt)
{
	int ti;
	size_t i;

	if (tag == 0 || tag >= PROTO_A_LAST || tags[tag].type != vt)
		return AUTHD_ERR_BAD_TAG;
	if ((ti = type_index(m->type)) < 0)
		return AUTHD_ERR_BAD_TYPE;
	if ((types[ti].allowed & A(tag)) == 0)
		return AUTHD_ERR_BAD_TAG;
	for (i = 0; i < m->nattr; i++)
		if (m->attr[i].tag == tag)
			return AUTHD_ERR_DUP_TAG;
	if (m->nattr >= PROTO_ATTR_MAX)
		return AUTHD_ERR_TOO_MANY;
	return 0;
}

/* Adds a string of `len` bytes that must not contain NUL. */
static int
add_strn(struct proto_msg *m, uint16_t tag, const uint8_t *v, size_t len)
{
	struct proto_attr *a;
	int r;

	if ((r = check_tag(m, tag, T_STR)) != 0)
		return r;
	if (len > tags[tag].max || memchr(v, '\0', len) != NULL)
		return AUTHD_ERR_BAD_VALUE;
	a = &m->attr[m->nattr];
	if ((a->str = malloc(len + 1)) == NULL)
		return AUTHD_ERR_NOMEM;
	memcpy(a->str, v, len);
	a->str[len] = '\0';
	a->tag = tag;
	a->len = (uint16_t)len;
	m->nattr++;
	return 0;
}

int
proto_add_str(struct proto_msg *m, uint16_t tag, const char *v)
{
	size_t len;

	if (v == NULL)
		return 0;
	len = strlen(v);
	if (len > UINT16_MAX)
		return AUTHD_ERR_BAD_VALUE;
	return add_strn(m, tag, (const uint8_t *)v, len);
}

int
proto_add_u64(struct proto_msg *m, uint16_t tag, uint64_t v)
{
	int r;

	if ((r = check_tag(m, tag, T_U64)) != 0)
		return r;
	m->attr[m->nattr].tag = tag;
	m->attr[m->nattr].len = 8;
	m->attr[m->nattr].u64 = v;
	m->nattr++;
	return 0;
}

static const struct proto_attr *
find(const struct proto_msg *m, uint16_t tag)
{
	size_t i;

	for (i = 0; i < m->nattr; i++)
		if (m->attr[i].tag == tag)
			return &m->attr[i];
	return NULL;
}

int
proto_get_str(const struct proto_msg *m, uint16_t tag, const char **out)
{
	const struct proto_attr *a;

	*out = NULL;
	if ((a = find(m, tag)) == NULL || a->str == NULL)
		return AUTHD_ERR_MISSING;
	*out = a->str;
	return 0;
}

int
proto_get_u64(const struct proto_msg *m, uint16_t tag, uint64_t *out)
{
	const struct proto_attr *a;

	*out = 0;
	if ((a = find(m, tag)) == NULL || a->str != NULL)
		return AUTHD_ERR_MISSING;
	*out = a->u64;
	return 0;
}

const char *
proto_str(const struct proto_msg *m, uint16_t tag, const char *def)
{
	const char *s;

	return proto_get_str(m, tag, &s) == 0 ? s : def;
}

int
proto_parse(const uint8_t *body, size_t len, struct proto_msg **out)
{
	struct proto_msg *m = NULL;
	struct buf b;
	uint8_t version, type;
	uint16_t nattr, tag, alen, i;
	uint32_t reqid;
	const uint8_t *v;
	int r;

	*out = NULL;
	if (len > PROTO_FRAME_MAX)
		return AUTHD_ERR_TOO_LARGE;
	buf_view(&b, body, len);
	if ((r = buf_get_u8(&b, &version)) != 0)
		return r;
	if (version != PROTO_VERSION)
		return AUTHD_ERR_VERSION;
	if ((r = buf_get_u8(&b, &type)) != 0 ||
	    (r = buf_get_u32(&b, &reqid)) != 0 ||
	    (r = buf_get_u16(&b, &nattr)) != 0)
		return r;
	if (type_index(type) < 0)
		return AUTHD_ERR_BAD_TYPE;
	if (nattr > PROTO_ATTR_MAX)
		return AUTHD_ERR_TOO_MANY;
	if ((m = proto_new(type, reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	for (i = 0; i < nattr; i++) {
		if ((r = buf_get_u16(&b, &tag)) != 0 ||
		    (r = buf_get_u16(&b, &alen)) != 0 ||
		    (r = buf_get_ptr(&b, alen, &v)) != 0)
			goto out;
		if (tag == 0 || tag >= PROTO_A_LAST) {
			r = AUTHD_ERR_BAD_TAG;
			goto out;
		}
		if (tags[tag].type == T_U64) {
			struct buf vb;
			uint64_t x;

			if (alen != 8) {
				r = AUTHD_ERR_BAD_VALUE;
				goto out;
			}
			buf_view(&vb, v, alen);
			if ((r = buf_get_u64(&vb, &x)) != 0 ||
			    (r = proto_add_u64(m, tag, x)) != 0)
				goto out;
		} else if ((r = add_strn(m, tag, v, alen)) != 0)
			goto out;
	}
	if (buf_avail(&b) != 0) {
		r = AUTHD_ERR_TRAILING;
		goto out;
	}
	*out = m;
	m = NULL;
	r = 0;
 out:
	proto_free(m);
	return r;
}

int
proto_encode(const struct proto_msg *m, uint8_t **out, size_t *outlen)
{
	struct buf *b;
	size_t i;
	int r;

	*out = NULL;
	*outlen = 0;
	if ((b = buf_new(4 + PROTO_FRAME_MAX)) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((r = buf_put_u32(b, 0)) != 0 ||
	    (r = buf_put_u8(b, m->version)) != 0 ||
	    (r = buf_put_u8(b, m->type)) != 0 ||
	    (r = buf_put_u32(b, m->reqid)) != 0 ||
	    (r = buf_put_u16(b, (uint16_t)m->nattr)) != 0)
		goto out;
	for (i = 0; i < m->nattr; i++) {
		const struct proto_attr *a = &m->attr[i];

		if ((r = buf_put_u16(b, a->tag)) != 0 ||
		    (r = buf_put_u16(b, a->len)) != 0)
			goto out;
		if (a->str != NULL)
			r = buf_put(b, a->str, a->len);
		else
			r = buf_put_u64(b, a->u64);
		if (r != 0)
			goto out;
	}
	/* Patch in the body length. */
	b->d[0] = (uint8_t)((b->len - 4) >> 24);
	b->d[1] = (uint8_t)((b->len - 4) >> 16);
	b->d[2] = (uint8_t)((b->len - 4) >> 8);
	b->d[3] = (uint8_t)(b->len - 4);
	*out = b->d;
	*outlen = b->len;
	b->d = NULL;
	b->cap = 0;
	r = 0;
 out:
	buf_free(b);
	return r;
}
