/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authd-web: employees enroll their own authenticator in a browser
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
#include "sock.h"
#include "util.h"

#define DEFAULT_CONFIG	"/etc/authd/authd-web.conf"
#define SESSIONS_MAX	4096
#define ID_LEN		32		/* random bytes of a session id */
#define HEX_ID		(2 * ID_LEN)
#define FIELD_MAX	256		/* bytes of any form field */
#define BODY_MAX	2048		/* bytes of any request body */
#define PAGE_MAX	(256 * 1024)
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
enum sstate { S_ANON = 0, S_ENROLL, S_DONE };

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
	struct proto_msg *q = NULL, *a = NULL;
	int64_t deadline = mono_ms() + cfg.timeout;
	uint32_t reqid;
	int fd = -1, r = -1;

	if (RAND_bytes((unsigned char *)&reqid, sizeof(reqid)) != 1)
		return -1;
	reqid |= 1;
	if ((q = proto_new(type, reqid)) == NULL ||
	    proto_add_str(q, PROTO_A_USER, user) != 0 ||
	    proto_add_str(q, type == PROTO_T_WEB_ENROLL ? PROTO_A_PASSWORD :
	    PROTO_A_CODE, secret) != 0 ||
	    proto_add_str(q, PROTO_A_RHOST, src) != 0 ||
	    proto_add_str(q, PROTO_A_SESSION, tag) != 0)
		goto out;
	if (sock_connect(cfg.socket, deadline, &fd) != 0) {
		log_err("cannot reach authd at %s", cfg.socket);
		goto out;
	}
	if ((r = sock_call(fd, q, deadline, NULL, NULL, &a)) != 0) {
		log_err("authd: %s", authd_strerror(r));
		r = -1;
		goto out;
	}
	if (proto_get_u64(a, PROTO_A_STATUS, status) != 0) {
		r = -1;
		goto out;
	}
	snprintf(reason, reasonsz, "%s", proto_str(a, PROTO_A_REASON, ""));
	if (uri != NULL && *status == PROTO_S_ALLOW) {
		const char *u = proto_str(a, PROTO_A_URI, NULL);

		if (u == NULL || (*uri = strdup(u)) == NULL) {
			r = -1;
			goto out;
		}
	}
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	proto_free(q);
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

static enum MHD_Result
send_buf(struct MHD_Connection *c, unsigned code, const char *ctype,
    const char *body, size_t len, enum lang l, const char *cookie,
    const char *location)
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
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

enum view { V_LOGIN, V_ENROLL, V_DONE, V_ERROR };

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
	int is_post = strcmp(method, "POST") == 0;

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
	if (!is_post && strcmp(url, "/") != 0) {
		pg.msg = "m-notfound";
		return send_page(c, 404, V_ERROR, &pg, NULL);
	}
	pthread_mutex_lock(&smtx);
	s = session_find(MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
	    COOKIE), mono_ms());
	if (!is_post) {
		if (s != NULL) {
			ret = show(c, 200, s, &pg, NULL);
		} else if ((s = session_new(mono_ms())) == NULL) {
			pg.msg = "m-unavailable";
			ret = send_page(c, 503, V_ERROR, &pg, NULL);
		} else {
			chain_hex(s->id, sizeof(s->id), cookie);
			ret = show(c, 200, s, &pg, cookie);
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
