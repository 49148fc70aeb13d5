/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authd-web: employees enroll their own authenticator in a browser, and
 * system owners and the security function do the access reviews
 * (docs/web.md).  It holds no seal key, no database and no directory
 * password: it forwards what the person types to authd's web socket,
 * which decides and audits.  HTTP is libmicrohttpd's; HTTPS (TLS 1.2+)
 * is served directly, or plain HTTP on loopback behind a reverse proxy.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "authd_err.h"
#include "chain.h"
#include "conf.h"
#include "log.h"
#include "page.h"
#include "proto.h"
#include "report.h"
#include "review.h"
#include "util.h"

#define DEFAULT_CONFIG	"/etc/authd/authd-web.conf"
#define SESSIONS_MAX	4096
#define ID_LEN		32		/* random bytes of a session id */
#define HEX_ID		(2 * ID_LEN)
#define FIELD_MAX	256		/* bytes of a form field (but comment) */
#define COMMENT_MAX	1000		/* bytes of a review comment */
#define BODY_MAX	8192		/* bytes of any request body */
/* A page: a campaign's items take about 1.5 KiB each. */
#define PAGE_MAX	(4 * 1024 * 1024)
#define COOKIE		"__Host-authd-web"

struct webconf {
	char		*listen;	/* HTTPS "ADDRESS:PORT" */
	char		*tls_cert, *tls_key;
	char		*http_listen;	/* plain HTTP on loopback, or NULL */
	char		*socket;	/* authd's web socket */
	char		*user;
	long long	 session_idle;	/* s */
	long long	 connections;
	long long	 connections_per_ip;
	long long	 timeout;	/* ms for authd's answer */
};

#define OFF(f)	offsetof(struct webconf, f)
static const struct conf_kw keywords[] = {
	{ "listen", CONF_STR, OFF(listen), 0, 0, NULL, NULL, NULL },
	{ "tls_cert", CONF_PATH, OFF(tls_cert), 0, 0, NULL, NULL, NULL },
	{ "tls_key", CONF_PATH, OFF(tls_key), 0, 0, NULL, NULL, NULL },
	{ "http_listen", CONF_STR, OFF(http_listen), 0, 0, NULL, NULL, NULL },
	{ "socket", CONF_PATH, OFF(socket), 0, 0, "/run/authd/web.sock", NULL,
	    NULL },
	{ "user", CONF_STR, OFF(user), 0, 0, "_authd-web", NULL, NULL },
	{ "session_idle", CONF_INT, OFF(session_idle), 5, 3600, "300", NULL,
	    NULL },
	{ "connections", CONF_INT, OFF(connections), 1, 4096, "64", NULL,
	    NULL },
	{ "connections_per_ip", CONF_INT, OFF(connections_per_ip), 1, 1024,
	    "8", NULL, NULL },
	{ "timeout", CONF_INT, OFF(timeout), 500, 60000, "5000", NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL },
};

static struct webconf cfg;
static int behind_proxy;	/* serving plain HTTP to a reverse proxy */

/*
 * Server-side sessions.  The browser holds only the random id (cookie);
 * authd sees only its tag (a hash), so the trail never holds a usable
 * session id.  `uri` is the new token's otpauth URI, shown until the
 * person confirms or leaves, then wiped.
 */
enum sstate { S_ANON = 0, S_ENROLL, S_DONE, S_REVIEW };

struct session {
	int		 used;
	unsigned char	 id[ID_LEN];
	char		 tag[33];
	char		 csrf[HEX_ID + 1];
	char		 user[AUTHD_USER_MAX + 1];
	enum sstate	 state;
	char		*uri;
	int64_t		 last;
};

static struct session sessions[SESSIONS_MAX];
static pthread_mutex_t smtx = PTHREAD_MUTEX_INITIALIZER;

static int
unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = s[2 * i] >= '0' && s[2 * i] <= '9' ? s[2 * i] - '0' :
		    s[2 * i] >= 'a' && s[2 * i] <= 'f' ? s[2 * i] - 'a' + 10 : -1;
		lo = s[2 * i + 1] >= '0' && s[2 * i + 1] <= '9' ?
		    s[2 * i + 1] - '0' : s[2 * i + 1] >= 'a' &&
		    s[2 * i + 1] <= 'f' ? s[2 * i + 1] - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static void
session_wipe(struct session *s)
{
	secure_free_str(s->uri);
	OPENSSL_cleanse(s, sizeof(*s));
}

/* Fills a fresh id, tag and CSRF token into `s`.  0, or -1. */
static int
session_keys(struct session *s)
{
	unsigned char csrf[ID_LEN], h[SHA256_DIGEST_LENGTH];

	if (RAND_bytes(s->id, sizeof(s->id)) != 1 ||
	    RAND_bytes(csrf, sizeof(csrf)) != 1)
		return -1;
	chain_hex(csrf, sizeof(csrf), s->csrf);
	SHA256(s->id, sizeof(s->id), h);
	chain_hex(h, 16, s->tag);
	return 0;
}

/*
 * The live session whose id the cookie holds, or NULL: expired ones are
 * wiped on the way.  Call with smtx held.
 * SECURITY NOTE: ids are compared in constant time.
 */
static struct session *
session_find(const char *cookie, int64_t now)
{
	unsigned char id[ID_LEN];
	size_t i;
	struct session *found = NULL;

	for (i = 0; i < SESSIONS_MAX; i++)
		if (sessions[i].used &&
		    now - sessions[i].last > cfg.session_idle * 1000)
			session_wipe(&sessions[i]);
	if (cookie == NULL || unhex(cookie, id, sizeof(id)) != 0)
		return NULL;
	for (i = 0; i < SESSIONS_MAX; i++)
		if (sessions[i].used &&
		    CRYPTO_memcmp(sessions[i].id, id, sizeof(id)) == 0)
			found = &sessions[i];
	OPENSSL_cleanse(id, sizeof(id));
	if (found != NULL)
		found->last = now;
	return found;
}

/* A new anonymous session, or NULL when all are taken.  smtx held. */
static struct session *
session_new(int64_t now)
{
	size_t i;

	for (i = 0; i < SESSIONS_MAX; i++)
		if (!sessions[i].used) {
			memset(&sessions[i], 0, sizeof(sessions[i]));
			if (session_keys(&sessions[i]) != 0)
				return NULL;
			sessions[i].used = 1;
			sessions[i].last = now;
			return &sessions[i];
		}
	return NULL;
}

/* One request's state across MHD's calls: the bounded form. */
struct form {
	struct MHD_PostProcessor *pp;
	size_t	 body;
	int	 bad;
	char	 csrf[HEX_ID + 1];
	char	 user[AUTHD_USER_MAX + 1];
	char	 password[FIELD_MAX + 1];
	char	 code[16];
	/* The review pages'. */
	char	 id[24];
	char	 subject[AUTHD_USER_MAX + 1];
	char	 role[FIELD_MAX + 1];
	char	 decision[16];
	char	 comment[COMMENT_MAX + 1];
	char	 deflt[16];
	char	 confirm[8];
	char	 show[16];
};

static enum MHD_Result
form_field(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *ctype, const char *enc,
    const char *data, uint64_t off, size_t size)
{
	struct form *f = cls;
	char *dst = NULL;
	size_t cap = 0;

	(void)kind; (void)filename; (void)ctype; (void)enc;
	if (strcmp(key, "csrf") == 0)
		dst = f->csrf, cap = sizeof(f->csrf);
	else if (strcmp(key, "user") == 0)
		dst = f->user, cap = sizeof(f->user);
	else if (strcmp(key, "password") == 0)
		dst = f->password, cap = sizeof(f->password);
	else if (strcmp(key, "code") == 0)
		dst = f->code, cap = sizeof(f->code);
	else if (strcmp(key, "id") == 0)
		dst = f->id, cap = sizeof(f->id);
	else if (strcmp(key, "subject") == 0)
		dst = f->subject, cap = sizeof(f->subject);
	else if (strcmp(key, "role") == 0)
		dst = f->role, cap = sizeof(f->role);
	else if (strcmp(key, "decision") == 0)
		dst = f->decision, cap = sizeof(f->decision);
	else if (strcmp(key, "comment") == 0)
		dst = f->comment, cap = sizeof(f->comment);
	else if (strcmp(key, "default") == 0)
		dst = f->deflt, cap = sizeof(f->deflt);
	else if (strcmp(key, "confirm") == 0)
		dst = f->confirm, cap = sizeof(f->confirm);
	else if (strcmp(key, "show") == 0)
		dst = f->show, cap = sizeof(f->show);
	else
		return MHD_YES;		/* unknown fields are ignored */
	/* SECURITY NOTE: a field longer than its buffer fails the form. */
	if (off + size >= cap || memchr(data, '\0', size) != NULL) {
		f->bad = 1;
		return MHD_NO;
	}
	memcpy(dst + off, data, size);
	dst[off + size] = '\0';
	return MHD_YES;
}

static void
form_free(struct form *f)
{
	if (f == NULL)
		return;
	if (f->pp != NULL)
		MHD_destroy_post_processor(f->pp);
	OPENSSL_cleanse(f, sizeof(*f));
	free(f);
}

static void
done_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls; (void)c; (void)toe;
	form_free(*con_cls);
	*con_cls = NULL;
}

/* The browser's address, as text (IPv4-mapped IPv6 as IPv4). */
static void
source_addr(struct MHD_Connection *c, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	const struct sockaddr_in6 *s6;
	const char *xff, *last;

	snprintf(out, outsz, "0.0.0.0");
	/*
	 * Behind the reverse proxy (loopback only) the browser is the last
	 * address the proxy added to X-Forwarded-For: the proxy must set it
	 * (docs/web.md), never pass on what the browser sent.
	 */
	if (behind_proxy && (xff = MHD_lookup_connection_value(c,
	    MHD_HEADER_KIND, "X-Forwarded-For")) != NULL) {
		last = strrchr(xff, ',');
		last = last != NULL ? last + 1 : xff;
		while (*last == ' ')
			last++;
		snprintf(out, outsz, "%.45s", last);
		return;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, out, (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out,
			    (socklen_t)outsz);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, out,
			    (socklen_t)outsz);
	}
}

/*
 * Asks authd (`type`: WEB_ENROLL or WEB_CONFIRM).  Returns 0 with the
 * status and reason, and for an enrollment the URI copied into *uri;
 * -1 when authd cannot be asked.
 */
static int
ask_authd(uint8_t type, const char *user, const char *secret,
    const char *src, const char *tag, uint64_t *status, char *reason,
    size_t reasonsz, char **uri)
{
	struct rv_conn k = { cfg.socket, cfg.timeout, src, tag };
	struct rv_answer ans;
	struct proto_msg *q, *a = NULL;
	const char *u;
	int r = -1;

	if ((q = rv_request(&k, type)) != NULL &&
	    (proto_add_str(q, PROTO_A_USER, user) != 0 ||
	    proto_add_str(q, type == PROTO_T_WEB_ENROLL ? PROTO_A_PASSWORD :
	    PROTO_A_CODE, secret) != 0)) {
		proto_free(q);
		q = NULL;
	}
	if (rv_call(&k, q, NULL, NULL, &ans, &a) != 0)
		return -1;
	*status = ans.status;
	snprintf(reason, reasonsz, "%s", ans.reason);
	if (uri != NULL && *status == PROTO_S_ALLOW) {
		if ((u = proto_str(a, PROTO_A_URI, NULL)) == NULL ||
		    (*uri = strdup(u)) == NULL)
			goto out;
	}
	r = 0;
 out:
	proto_free(a);
	return r;
}

/* The base32 secret of an otpauth URI, into `out` ("" if none). */
static void
uri_secret(const char *uri, char *out, size_t outsz)
{
	const char *p = uri != NULL ? strstr(uri, "secret=") : NULL;
	size_t n;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += 7;
	n = strcspn(p, "&");
	if (n < outsz)
		snprintf(out, outsz, "%.*s", (int)n, p);
}

/* Every response's headers: no framing, no script, no caching. */
static void
headers(struct MHD_Response *r, const char *ctype, enum lang l)
{
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'self'; img-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Content-Language", l == LANG_EN ? "en" :
	    "sv");
	MHD_add_response_header(r, "Strict-Transport-Security",
	    "max-age=31536000");
}

static enum MHD_Result send_full(struct MHD_Connection *, unsigned,
    const char *, const char *, size_t, enum lang, const char *,
    const char *, const char *);

static enum MHD_Result
send_buf(struct MHD_Connection *c, unsigned code, const char *ctype,
    const char *body, size_t len, enum lang l, const char *cookie,
    const char *location)
{
	return send_full(c, code, ctype, body, len, l, cookie, location,
	    NULL);
}

static enum MHD_Result
send_full(struct MHD_Connection *c, unsigned code, const char *ctype,
    const char *body, size_t len, enum lang l, const char *cookie,
    const char *location, const char *disposition)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char set[160];

	if ((r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY)) == NULL)
		return MHD_NO;
	headers(r, ctype, l);
	if (cookie != NULL) {
		/* "" clears it (logout). */
		snprintf(set, sizeof(set), "%s=%s; Path=/; Secure; HttpOnly; "
		    "SameSite=Strict%s", COOKIE, cookie, cookie[0] == '\0' ?
		    "; Max-Age=0" : "");
		MHD_add_response_header(r, "Set-Cookie", set);
	}
	if (location != NULL)
		MHD_add_response_header(r, "Location", location);
	if (disposition != NULL)
		MHD_add_response_header(r, "Content-Disposition", disposition);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

enum view { V_LOGIN, V_ENROLL, V_DONE, V_ERROR, V_RV_LOGIN, V_RV_LIST,
    V_RV_ITEMS, V_RV_ACCEPT };

/* Renders a page (wiped after sending: it may hold the secret). */
static enum MHD_Result
send_page(struct MHD_Connection *c, unsigned code, enum view v,
    struct page *pg, const char *cookie)
{
	struct sb b;
	enum MHD_Result ret;

	sb_init(&b, PAGE_MAX);
	switch (v) {
	case V_LOGIN: page_login(&b, pg); break;
	case V_ENROLL: page_enroll(&b, pg); break;
	case V_DONE: page_done(&b, pg); break;
	case V_RV_LOGIN: page_review_login(&b, pg); break;
	case V_RV_LIST: page_review_list(&b, pg); break;
	case V_RV_ITEMS: page_review_items(&b, pg); break;
	case V_RV_ACCEPT: page_review_accept(&b, pg); break;
	default: page_error(&b, pg); break;
	}
	if (b.err) {
		sb_free(&b);
		return send_buf(c, 500, "text/plain; charset=utf-8",
		    "internal error\n", 15, pg->lang, NULL, NULL);
	}
	ret = send_buf(c, code, "text/html; charset=utf-8", b.p, b.len,
	    pg->lang, cookie, NULL);
	sb_free(&b);
	return ret;
}

/* The message for authd's reason. */
static const char *
reason_msg(const char *reason)
{
	if (strcmp(reason, "exists") == 0)
		return "m-exists";
	if (strcmp(reason, "not-member") == 0 ||
	    strcmp(reason, "source-not-allowed") == 0)
		return "m-notallowed";
	if (strcmp(reason, "too-many") == 0)
		return "m-toomany";
	if (strcmp(reason, "bad-code") == 0 ||
	    strcmp(reason, "bad-format") == 0)
		return "m-badcode";
	if (strcmp(reason, "bad-password") == 0)
		return "m-bad";
	return "m-unavailable";
}

/* The page a session shows now, with `msg`; smtx held. */
static enum MHD_Result
show(struct MHD_Connection *c, unsigned code, struct session *s,
    struct page *pg, const char *cookie)
{
	char secret[128];
	enum MHD_Result ret;

	pg->csrf = s->csrf;
	pg->user = s->user;
	if (s->state == S_ENROLL) {
		uri_secret(s->uri, secret, sizeof(secret));
		pg->uri = s->uri;
		pg->secret = secret;
		ret = send_page(c, code, V_ENROLL, pg, cookie);
		OPENSSL_cleanse(secret, sizeof(secret));
		return ret;
	}
	return send_page(c, code, s->state == S_DONE ? V_DONE : V_LOGIN, pg,
	    cookie);
}

static enum MHD_Result
redirect(struct MHD_Connection *c, enum lang l, const char *cookie)
{
	return send_buf(c, 303, "text/plain; charset=utf-8", "", 0, l, cookie,
	    "/");
}

/* ---- the review pages ---- */

/* A 303 to `to` (a path of ours). */
static enum MHD_Result
redirect_to(struct MHD_Connection *c, enum lang l, const char *cookie,
    const char *to)
{
	return send_buf(c, 303, "text/plain; charset=utf-8", "", 0, l, cookie,
	    to);
}

static void
rv_conn_of(struct MHD_Connection *c, const struct session *s,
    struct rv_conn *k, char *src, size_t srcsz)
{
	source_addr(c, src, srcsz);
	k->socket = cfg.socket;
	k->timeout = cfg.timeout;
	k->src = src;
	k->tag = s->tag;
}

/* A campaign id from a form or the query: 1..2^63-1, else 0. */
static uint64_t
rv_id(const char *s)
{
	long long v;

	if (s == NULL || num_parse(s, 1, INT64_MAX, &v, NULL) != 0)
		return 0;
	return (uint64_t)v;
}

/* The items shown: one of the filters, "all" otherwise. */
static const char *
rv_show_of(const char *s)
{
	if (s != NULL && (strcmp(s, "undecided") == 0 ||
	    strcmp(s, "revoke") == 0))
		return s;
	return "all";
}

/*
 * authd no longer knows the session's person (expired, or authd
 * restarted): the session signs in again.
 */
static int
rv_expired(struct session *s, const struct rv_answer *a)
{
	if (a->status == PROTO_S_ALLOW || strcmp(a->reason, "forbidden") != 0 ||
	    strstr(a->message, "not signed in") == NULL)
		return 0;
	s->state = S_ANON;
	s->user[0] = '\0';
	return 1;
}

/* The page after authd could not be asked or refused. */
static enum MHD_Result
rv_fail(struct MHD_Connection *c, struct session *s, struct page *pg, int r,
    const struct rv_answer *a)
{
	if (r == 0 && rv_expired(s, a)) {
		pg->msg = "m-expired";
		return send_page(c, 403, V_RV_LOGIN, pg, NULL);
	}
	pg->msg = r != 0 ? "m-unavailable" : strcmp(a->reason, "forbidden") ==
	    0 || strcmp(a->reason, "not-found") == 0 ? "m-rv-forbidden" :
	    "m-refused";
	pg->detail = r == 0 ? a->message : NULL;
	return send_page(c, r != 0 ? 503 : 403, V_ERROR, pg, NULL);
}

/* The campaigns page.  smtx held. */
static enum MHD_Result
rv_campaigns(struct MHD_Connection *c, struct session *s, struct page *pg)
{
	struct rv_conn k;
	struct rv_answer a;
	struct rv_list l;
	char src[INET6_ADDRSTRLEN + 1];
	enum MHD_Result ret;
	int r;

	rv_conn_of(c, s, &k, src, sizeof(src));
	if ((r = rv_list(&k, NULL, NULL, NULL, &l, &a)) != 0 ||
	    a.status != PROTO_S_ALLOW) {
		rv_list_free(&l);
		return rv_fail(c, s, pg, r, &a);
	}
	pg->campaigns = &l;
	ret = send_page(c, 200, V_RV_LIST, pg, NULL);
	rv_list_free(&l);
	return ret;
}

/*
 * Campaign `id` with its items into `rep` (report_init'ed here): 0, or
 * -1 with *ret the page that says why (and `rep` freed).  smtx held.
 */
static int
rv_fetch(struct MHD_Connection *c, struct session *s, struct page *pg,
    uint64_t id, struct report *rep, enum MHD_Result *ret)
{
	struct rv_conn k;
	struct rv_answer a;
	char src[INET6_ADDRSTRLEN + 1];
	int r;

	report_init(rep);
	rv_conn_of(c, s, &k, src, sizeof(src));
	if ((r = rv_show(&k, id, rep, &a)) != 0 ||
	    a.status != PROTO_S_ALLOW) {
		report_free(rep);
		*ret = rv_fail(c, s, pg, r, &a);
		return -1;
	}
	return 0;
}

/*
 * Campaign `id` as `v` (items or the confirmation of accept-all), with
 * the message already in `pg`.  smtx held.
 */
static enum MHD_Result
rv_campaign(struct MHD_Connection *c, struct session *s, struct page *pg,
    uint64_t id, enum view v)
{
	struct report rep;
	enum MHD_Result ret;

	if (rv_fetch(c, s, pg, id, &rep, &ret) != 0)
		return ret;
	pg->rep = &rep;
	pg->now = wall_ms();
	ret = send_page(c, 200, v, pg, NULL);
	report_free(&rep);
	return ret;
}

/* GET /review/report?id=N&format=csv|html: the CLI's report.  smtx held. */
static enum MHD_Result
rv_report(struct MHD_Connection *c, struct session *s, struct page *pg)
{
	const char *fmt = MHD_lookup_connection_value(c,
	    MHD_GET_ARGUMENT_KIND, "format");
	uint64_t id = rv_id(MHD_lookup_connection_value(c,
	    MHD_GET_ARGUMENT_KIND, "id"));
	int html = fmt != NULL && strcmp(fmt, "html") == 0;
	struct report rep;
	char disp[160], *buf = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	FILE *f;
	int r;

	if (id == 0 || (!html && (fmt == NULL || strcmp(fmt, "csv") != 0))) {
		pg->msg = "m-notfound";
		return send_page(c, 404, V_ERROR, pg, NULL);
	}
	if (rv_fetch(c, s, pg, id, &rep, &ret) != 0)
		return ret;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		report_free(&rep);
		pg->msg = "m-unavailable";
		return send_page(c, 500, V_ERROR, pg, NULL);
	}
	report_write(f, html ? REPORT_HTML : REPORT_CSV, &rep, wall_ms());
	r = ferror(f);
	if (fclose(f) != 0 || r) {
		free(buf);
		report_free(&rep);
		pg->msg = "m-unavailable";
		return send_page(c, 500, V_ERROR, pg, NULL);
	}
	/* A system's name is a policy name; anything else is left out. */
	snprintf(disp, sizeof(disp), "attachment; filename=\"review-%" PRIu64
	    "-%s.%s\"", id, str_valid_name(rep.system) ? rep.system :
	    "system", html ? "html" : "csv");
	log_info("web session %s downloaded the report of review %" PRIu64,
	    s->tag, id);
	ret = send_full(c, 200, html ? "text/html; charset=utf-8" :
	    "text/csv; charset=utf-8", buf, len, pg->lang, NULL, NULL, disp);
	free(buf);
	report_free(&rep);
	return ret;
}

/* GET under /review.  smtx held; `s` live. */
static enum MHD_Result
rv_get(struct MHD_Connection *c, const char *url, struct session *s,
    struct page *pg, const char *cookie)
{
	const char *m = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "msg");
	uint64_t id;

	pg->title = "rv-title";
	pg->csrf = s->csrf;
	if (s->state != S_REVIEW)
		return send_page(c, strcmp(url, "/review") == 0 ? 200 : 403,
		    V_RV_LOGIN, pg, cookie);
	pg->user = s->user;
	if (strcmp(url, "/review") == 0)
		return rv_campaigns(c, s, pg);
	if (strcmp(url, "/review/report") == 0)
		return rv_report(c, s, pg);
	if (strcmp(url, "/review/campaign") != 0 ||
	    (id = rv_id(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "id"))) == 0) {
		pg->msg = "m-notfound";
		return send_page(c, 404, V_ERROR, pg, NULL);
	}
	pg->show = rv_show_of(MHD_lookup_connection_value(c,
	    MHD_GET_ARGUMENT_KIND, "show"));
	/* Only our own messages, by name: nothing from the URL is shown. */
	if (m != NULL && strcmp(m, "decided") == 0)
		pg->msg = "m-decided";
	else if (m != NULL && strcmp(m, "accepted") == 0)
		pg->msg = "m-accepted";
	else if (m != NULL && strcmp(m, "closed") == 0)
		pg->msg = "m-closed";
	return rv_campaign(c, s, pg, id, V_RV_ITEMS);
}

/* The message for a refused review sign-in. */
static const char *
rv_signin_msg(const struct rv_answer *a)
{
	if (strcmp(a->reason, "too-many") == 0)
		return "m-toomany";
	if (strcmp(a->reason, "forbidden") == 0 ||
	    strcmp(a->reason, "bad-format") == 0)
		return "m-rv-bad";
	return "m-unavailable";
}

/* POST /review/login.  smtx held. */
static enum MHD_Result
rv_login(struct MHD_Connection *c, struct session *s, struct form *f,
    struct page *pg)
{
	struct rv_conn k;
	struct rv_answer a;
	struct rv_list l;
	char src[INET6_ADDRSTRLEN + 1], cookie[HEX_ID + 1];
	int r;

	if (!str_valid_user(f->user)) {
		pg->msg = "m-rv-bad";
		return send_page(c, 200, V_RV_LOGIN, pg, NULL);
	}
	/* SECURITY NOTE: a new id and tag at every sign-in (no fixation). */
	secure_free_str(s->uri);
	s->uri = NULL;
	if (session_keys(s) != 0) {
		session_wipe(s);
		pg->msg = "m-unavailable";
		return send_page(c, 500, V_ERROR, pg, "");
	}
	s->state = S_ANON;
	s->user[0] = '\0';
	pg->csrf = s->csrf;
	chain_hex(s->id, sizeof(s->id), cookie);
	rv_conn_of(c, s, &k, src, sizeof(src));
	r = rv_list(&k, f->user, f->password, f->code, &l, &a);
	OPENSSL_cleanse(f->password, sizeof(f->password));
	OPENSSL_cleanse(f->code, sizeof(f->code));
	rv_list_free(&l);
	if (r != 0 || a.status != PROTO_S_ALLOW) {
		pg->msg = r != 0 ? "m-unavailable" : rv_signin_msg(&a);
		return send_page(c, 200, V_RV_LOGIN, pg, cookie);
	}
	snprintf(s->user, sizeof(s->user), "%s", f->user);
	s->state = S_REVIEW;
	log_info("web session %s signed in to the reviews", s->tag);
	return redirect_to(c, pg->lang, cookie, "/review");
}

/* Where a campaign's page is, with a message of ours. */
static void
rv_back(char *out, size_t outsz, uint64_t id, const char *show,
    const char *msg)
{
	snprintf(out, outsz, "/review/campaign?id=%" PRIu64 "&show=%s&msg=%s",
	    id, rv_show_of(show), msg);
}

/* The items page again, with authd's refusal.  smtx held. */
static enum MHD_Result
rv_refused(struct MHD_Connection *c, struct session *s, struct page *pg,
    uint64_t id, const char *msg, int r, const struct rv_answer *a)
{
	if (r != 0 || rv_expired(s, a))
		return rv_fail(c, s, pg, r, a);
	pg->msg = msg;
	pg->detail = a->message;
	return rv_campaign(c, s, pg, id, V_RV_ITEMS);
}

/*
 * POST /review/decide or /review/close: one request to authd, then the
 * campaign again (with authd's refusal, if it refused).  smtx held.
 */
static enum MHD_Result
rv_act(struct MHD_Connection *c, struct session *s, struct form *f,
    struct page *pg, int closing)
{
	struct rv_conn k;
	struct rv_answer a;
	char src[INET6_ADDRSTRLEN + 1], to[128];
	const char *what = closing ? f->deflt : f->decision;
	uint64_t id = rv_id(f->id);
	int r;

	pg->show = rv_show_of(f->show);
	/* A close's default may be empty; a decision may not. */
	if (id == 0 || (!closing && !str_valid_user(f->subject)) ||
	    ((!closing || what[0] != '\0') && strcmp(what, "keep") != 0 &&
	    strcmp(what, "revoke") != 0)) {
		pg->msg = "m-forbidden";
		return send_page(c, 400, V_ERROR, pg, NULL);
	}
	rv_conn_of(c, s, &k, src, sizeof(src));
	/* authd checks the role, the comment and who may decide or close. */
	r = closing ? rv_close(&k, id, what[0] ? what : NULL, &a) :
	    rv_decide(&k, id, f->subject, f->role[0] ? f->role : NULL, what,
	    f->comment[0] ? f->comment : NULL, &a);
	if (r != 0 || a.status != PROTO_S_ALLOW)
		return rv_refused(c, s, pg, id, closing ? "m-close-refused" :
		    "m-refused", r, &a);
	rv_back(to, sizeof(to), id, f->show, closing ? "closed" : "decided");
	return redirect_to(c, pg->lang, NULL, to);
}

struct accept_job {
	const struct rv_conn	*k;
	uint64_t		 id;
	struct rv_answer	 refused;	/* the first refusal */
	int			 nrefused, r;
};

/*
 * Decides each undecided item but the person's own as recommended at the
 * campaign's start, one request each (authd checks every one).
 */
static void
rv_accept_all(struct accept_job *j, const struct report *rep,
    const char *user)
{
	const struct report_item *it;
	struct rv_answer a;
	char comment[320];
	size_t i;
	int rv;

	for (i = 0; i < rep->n && j->r == 0; i++) {
		it = &rep->items[i];
		if (it->decision != NULL || strcmp(it->user, user) == 0)
			continue;
		rv = it->recommend != NULL &&
		    strncmp(it->recommend, "revoke", 6) == 0;
		snprintf(comment, sizeof(comment), "accepted the "
		    "recommendation: %.256s", it->recommend != NULL ?
		    it->recommend : "keep");
		j->r = rv_decide(j->k, j->id, it->user, it->role, rv ?
		    "revoke" : "keep", comment, &a);
		if (j->r == 0 && a.status != PROTO_S_ALLOW &&
		    j->nrefused++ == 0)
			j->refused = a;
	}
}

/* POST /review/accept: the confirmation, or (confirm=yes) the decisions. */
static enum MHD_Result
rv_accept_post(struct MHD_Connection *c, struct session *s, struct form *f,
    struct page *pg)
{
	struct accept_job j;
	struct rv_conn k;
	struct report rep;
	char src[INET6_ADDRSTRLEN + 1], to[128];
	uint64_t id = rv_id(f->id);
	enum MHD_Result ret;

	if (id == 0) {
		pg->msg = "m-forbidden";
		return send_page(c, 400, V_ERROR, pg, NULL);
	}
	if (strcmp(f->confirm, "yes") != 0)
		return rv_campaign(c, s, pg, id, V_RV_ACCEPT);
	if (rv_fetch(c, s, pg, id, &rep, &ret) != 0)
		return ret;
	rv_conn_of(c, s, &k, src, sizeof(src));
	memset(&j, 0, sizeof(j));
	j.k = &k;
	j.id = id;
	rv_accept_all(&j, &rep, s->user);
	report_free(&rep);
	log_info("web session %s accepted the recommendations of review %"
	    PRIu64 " (%d refused)", s->tag, id, j.nrefused);
	if (j.r != 0 || j.nrefused > 0)
		return rv_refused(c, s, pg, id, "m-refused", j.r, &j.refused);
	rv_back(to, sizeof(to), id, "all", "accepted");
	return redirect_to(c, pg->lang, NULL, to);
}

/* A POST under /review.  smtx held; CSRF checked. */
static enum MHD_Result
rv_post(struct MHD_Connection *c, const char *url, struct session *s,
    struct form *f, struct page *pg)
{
	pg->title = "rv-title";
	pg->csrf = s->csrf;
	if (strcmp(url, "/review/login") == 0)
		return rv_login(c, s, f, pg);
	if (s->state != S_REVIEW) {
		pg->msg = "m-expired";
		return send_page(c, 403, V_RV_LOGIN, pg, NULL);
	}
	pg->user = s->user;
	if (strcmp(url, "/review/decide") == 0 ||
	    strcmp(url, "/review/close") == 0)
		return rv_act(c, s, f, pg, strcmp(url, "/review/close") == 0);
	if (strcmp(url, "/review/accept") == 0)
		return rv_accept_post(c, s, f, pg);
	pg->msg = "m-notfound";
	return send_page(c, 404, V_ERROR, pg, NULL);
}

/* A POST from a session: /login, /confirm or /logout.  smtx held. */
static enum MHD_Result
post(struct MHD_Connection *c, const char *url, struct session *s,
    struct form *f, struct page *pg)
{
	char src[INET6_ADDRSTRLEN + 1], reason[64], cookie[HEX_ID + 1];
	char *uri = NULL;
	uint64_t status = PROTO_S_ERROR;
	int r;

	source_addr(c, src, sizeof(src));
	if (strcmp(url, "/logout") == 0) {
		log_info("web session %s signed out", s->tag);
		session_wipe(s);
		return redirect(c, pg->lang, "");
	}
	if (strncmp(url, "/review/", 8) == 0)
		return rv_post(c, url, s, f, pg);
	if (strcmp(url, "/login") == 0 && s->state == S_ANON) {
		if (!str_valid_user(f->user)) {
			pg->msg = "m-bad";
			return show(c, 200, s, pg, NULL);
		}
		/*
		 * SECURITY NOTE: a new id (and CSRF token) at every sign-in,
		 * before authd hears of it, so that the tag authd ties the
		 * enrollment to is the new one's: no session fixation.
		 */
		if (session_keys(s) != 0) {
			session_wipe(s);
			pg->msg = "m-unavailable";
			return send_page(c, 500, V_ERROR, pg, "");
		}
		chain_hex(s->id, sizeof(s->id), cookie);
		/*
		 * authd takes at least its proof floor to answer; other
		 * sessions wait for the lock meanwhile, which bounds how
		 * fast anyone can guess through this process.
		 */
		r = ask_authd(PROTO_T_WEB_ENROLL, f->user, f->password, src,
		    s->tag, &status, reason, sizeof(reason), &uri);
		OPENSSL_cleanse(f->password, sizeof(f->password));
		if (r != 0 || status != PROTO_S_ALLOW) {
			secure_free_str(uri);
			pg->msg = r != 0 ? "m-unavailable" : reason_msg(reason);
			return show(c, 200, s, pg, cookie);
		}
		snprintf(s->user, sizeof(s->user), "%s", f->user);
		s->uri = uri;
		s->state = S_ENROLL;
		return redirect(c, pg->lang, cookie);
	}
	if (strcmp(url, "/confirm") == 0 && s->state == S_ENROLL) {
		r = ask_authd(PROTO_T_WEB_CONFIRM, s->user, f->code, src,
		    s->tag, &status, reason, sizeof(reason), NULL);
		if (r == 0 && status == PROTO_S_ALLOW) {
			secure_free_str(s->uri);
			s->uri = NULL;
			s->state = S_DONE;
			return redirect(c, pg->lang, NULL);
		}
		pg->msg = r != 0 ? "m-unavailable" : reason_msg(reason);
		return show(c, 200, s, pg, NULL);
	}
	pg->msg = "m-forbidden";
	return send_page(c, 403, V_ERROR, pg, NULL);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct page pg;
	struct form *f = *con_cls;
	struct session *s;
	char cookie[HEX_ID + 1];
	enum MHD_Result ret;
	int is_post = strcmp(method, "POST") == 0, is_review;

	(void)cls; (void)version;
	memset(&pg, 0, sizeof(pg));
	pg.lang = page_lang(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Accept-Language"));
	if (f == NULL) {
		if ((f = calloc(1, sizeof(*f))) == NULL)
			return MHD_NO;
		*con_cls = f;
		if (is_post && (f->pp = MHD_create_post_processor(c, 1024,
		    form_field, f)) == NULL)
			f->bad = 1;	/* not a urlencoded form */
		return MHD_YES;
	}
	if (is_post && *upload_size > 0) {
		/* SECURITY NOTE: bounded body; the rest is not parsed. */
		f->body += *upload_size;
		if (!f->bad && (f->body > BODY_MAX ||
		    MHD_post_process(f->pp, upload, *upload_size) != MHD_YES))
			f->bad = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    !is_post) {
		pg.msg = "m-forbidden";
		return send_page(c, 405, V_ERROR, &pg, NULL);
	}
	if (!is_post && strcmp(url, "/style.css") == 0)
		return send_buf(c, 200, "text/css; charset=utf-8", page_css,
		    strlen(page_css), pg.lang, NULL, NULL);
	is_review = strcmp(url, "/review") == 0 ||
	    strncmp(url, "/review/", 8) == 0;
	if (!is_post && strcmp(url, "/") != 0 && !is_review) {
		pg.msg = "m-notfound";
		return send_page(c, 404, V_ERROR, &pg, NULL);
	}
	pthread_mutex_lock(&smtx);
	s = session_find(MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
	    COOKIE), mono_ms());
	if (!is_post) {
		if (s != NULL && is_review)
			ret = rv_get(c, url, s, &pg, NULL);
		else if (s != NULL && s->state == S_REVIEW)
			ret = redirect_to(c, pg.lang, NULL, "/review");
		else if (s != NULL) {
			ret = show(c, 200, s, &pg, NULL);
		} else if ((s = session_new(mono_ms())) == NULL) {
			pg.msg = "m-unavailable";
			ret = send_page(c, 503, V_ERROR, &pg, NULL);
		} else {
			chain_hex(s->id, sizeof(s->id), cookie);
			ret = is_review ? rv_get(c, url, s, &pg, cookie) :
			    show(c, 200, s, &pg, cookie);
		}
		pthread_mutex_unlock(&smtx);
		return ret;
	}
	/*
	 * SECURITY NOTE: a POST needs a live session and its CSRF token
	 * (compared in constant time): a forged form, a cookie replayed
	 * after logout and one past the idle timeout are all refused.
	 */
	if (s == NULL || f->bad || strlen(f->csrf) != HEX_ID ||
	    CRYPTO_memcmp(f->csrf, s->csrf, HEX_ID) != 0) {
		pthread_mutex_unlock(&smtx);
		log_notice("refused a POST to %s: %s", url, s == NULL ?
		    "no live session" : f->bad ? "malformed form" :
		    "CSRF token missing or wrong");
		pg.msg = s == NULL ? "m-expired" : "m-forbidden";
		if (is_review)
			pg.title = "rv-title";
		return send_page(c, 403, V_ERROR, &pg, NULL);
	}
	ret = post(c, url, s, f, &pg);
	pthread_mutex_unlock(&smtx);
	return ret;
}

/* "ADDRESS:PORT" ("[v6]:PORT") into a listening socket.  -1 on error. */
static int
listen_on(const char *spec, int loopback_only)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char host[64];
	const char *colon = strrchr(spec, ':');
	long long port;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host) ||
	    num_parse(colon + 1, 1, 65535, &port, NULL) != 0)
		goto bad;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host) - 2);
		host[strlen(host) - 2] = '\0';
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
		if (loopback_only && (ntohl(s4->sin_addr.s_addr) >> 24) != 127)
			goto loop;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
		if (loopback_only && !IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			goto loop;
	} else
		goto bad;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) {
		log_err("listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
 loop:
	log_err("http_listen %s: plain HTTP is served on loopback only", spec);
	return -1;
 bad:
	log_err("not ADDRESS:PORT: %s", spec);
	return -1;
}

/* Reads a whole (small) file as a string; NULL on error. */
static char *
slurp(const char *path)
{
	FILE *fp;
	char *p;
	long n;

	if ((fp = fopen(path, "re")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (n = ftell(fp)) < 0 || n > 65536 || fseek(fp, 0, SEEK_SET) != 0 ||
	    (p = calloc(1, (size_t)n + 1)) == NULL) {
		log_err("cannot read %s", path);
		if (fp != NULL)
			fclose(fp);
		return NULL;
	}
	if (fread(p, 1, (size_t)n, fp) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(fp);
	return p;
}

/* Started as root: become `user` for good.  0, or -1. */
static int
drop_to(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_err("user %s does not exist", user);
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0 || setuid(0) == 0) {
		log_err("cannot become %s", user);
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t got_stop;

static void
on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

int
main(int argc, char **argv)
{
	const char *conffile = DEFAULT_CONFIG;
	struct MHD_Daemon *d = NULL;
	char *cert = NULL, *key = NULL;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION;
	int ch, fd = -1, foreground = 0, ret = 1;

	/* -d: log to stderr; -f FILE: the configuration. */
	while ((ch = getopt(argc, argv, "df:")) != -1) {
		if (ch == 'd')
			foreground = 1;
		else if (ch == 'f')
			conffile = optarg;
		else {
			fprintf(stderr, "usage: authd-web [-d] [-f FILE]\n");
			return 2;
		}
	}
	log_init("authd-web", foreground, LOG_AUTHPRIV);
	if (conf_load(conffile, keywords, &cfg) != 0)
		return 1;
	if ((cfg.listen == NULL) == (cfg.http_listen == NULL)) {
		log_err("%s: set exactly one of listen (HTTPS) and http_listen "
		    "(behind a reverse proxy)", conffile);
		goto out;
	}
	if (cfg.listen != NULL) {
		if (cfg.tls_cert == NULL || cfg.tls_key == NULL) {
			log_err("%s: listen needs tls_cert and tls_key",
			    conffile);
			goto out;
		}
		/* As root: the key is root's to read. */
		if ((cert = slurp(cfg.tls_cert)) == NULL ||
		    (key = slurp(cfg.tls_key)) == NULL ||
		    (fd = listen_on(cfg.listen, 0)) < 0)
			goto out;
		flags |= MHD_USE_TLS;
	} else {
		behind_proxy = 1;
		if ((fd = listen_on(cfg.http_listen, 1)) < 0)
			goto out;
	}
	if (drop_to(cfg.user) != 0)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_COMPLETED, done_cb, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg.connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg.connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_HTTPS_PRIORITIES,
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
	    MHD_OPTION_END);
	if (d == NULL) {
		log_err("cannot start the HTTP server");
		goto out;
	}
	fd = -1;	/* MHD's now */
	if (key != NULL) {
		OPENSSL_cleanse(key, strlen(key));
	}
	log_notice("serving on %s (%s)", cfg.listen != NULL ? cfg.listen :
	    cfg.http_listen, cfg.listen != NULL ? "HTTPS" :
	    "HTTP for a reverse proxy");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!got_stop)
		pause();
	ret = 0;
 out:
	if (d != NULL)
		MHD_stop_daemon(d);
	if (fd >= 0)
		close(fd);
	free(cert);
	if (key != NULL) {
		OPENSSL_cleanse(key, strlen(key));
		free(key);
	}
	pthread_mutex_lock(&smtx);
	for (ch = 0; ch < SESSIONS_MAX; ch++)
		if (sessions[ch].used)
			session_wipe(&sessions[ch]);
	pthread_mutex_unlock(&smtx);
	conf_free(keywords, &cfg);
	return ret;
}
