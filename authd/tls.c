/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TLS terminator of the central side: see tls.h.  One thread per
 * relay connection: relays keep a few warm connections each, so there are
 * few, long-lived ones, and a thread that only copies bytes is the
 * simplest thing that keeps a slow peer from holding anybody else.
 */
#include <sys/socket.h>

#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "authd.h"
#include "log.h"
#include "peer.h"
#include "sock.h"
#include "tls.h"
#include "util.h"

#define TLS_ACCEPT_BATCH	16
#define TLS_BUF			(PROTO_FRAME_MAX + 4)

struct tls_conn {
	struct tls_conn		*next, *prev;
	struct tls_server	*ts;
	int			 fd;		/* TCP */
	pthread_t		 th;
	tls_adopt_fn		*adopt;
	void			*arg;
	struct tls_id		 id;
};

struct tls_server {
	const struct config	*cfg;
	SSL_CTX			*ctx;
	int			 fd;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 gone;
	struct tls_conn		*conns;
	size_t			 n;
	int			 stopping;
};

int
tls_hostport(const char *s, char *host, size_t hostsz, char *port,
    char *err, size_t errsz)
{
	const char *colon, *h = s;
	size_t hl;
	long long pn;

	if (s[0] == '[') {
		if ((colon = strchr(s, ']')) == NULL || colon[1] != ':') {
			snprintf(err, errsz, "%s: write [ADDRESS]:PORT", s);
			return -1;
		}
		h = s + 1;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || colon == s ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL) {
			snprintf(err, errsz, "%s: write NAME:PORT", s);
			return -1;
		}
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostsz || num_parse(colon + 1, 1, 65535, &pn,
	    NULL) != 0) {
		snprintf(err, errsz, "%s: bad name or port", s);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, 8, "%lld", pn);
	return 0;
}

static int
host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Copies a name from a certificate if it looks like a host name. */
static int
name_copy(const unsigned char *s, int len, char *out, size_t outsz)
{
	int i;

	if (len <= 0 || len > 253 || (size_t)len >= outsz || s[0] == '.' ||
	    s[0] == '-')
		return -1;
	for (i = 0; i < len; i++) {
		if (!host_char(s[i]))
			return -1;
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	}
	out[len] = '\0';
	return 0;
}

int
tls_cert_name(X509 *cert, char *out, size_t outsz)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	X509_NAME_ENTRY *e;
	ASN1_STRING *as;
	int i, r = -1;

	out[0] = '\0';
	if ((gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL,
	    NULL)) != NULL) {
		for (i = 0; i < sk_GENERAL_NAME_num(gens) && r != 0; i++) {
			g = sk_GENERAL_NAME_value(gens, i);
			if (g->type == GEN_DNS)
				r = name_copy(ASN1_STRING_get0_data(
				    g->d.dNSName), ASN1_STRING_length(
				    g->d.dNSName), out, outsz);
		}
		GENERAL_NAMES_free(gens);
		if (r == 0)
			return 0;
	}
	if ((i = X509_NAME_get_index_by_NID(X509_get_subject_name(cert),
	    NID_commonName, -1)) < 0 ||
	    (e = X509_NAME_get_entry(X509_get_subject_name(cert), i)) == NULL ||
	    (as = X509_NAME_ENTRY_get_data(e)) == NULL)
		return -1;
	return name_copy(ASN1_STRING_get0_data(as), ASN1_STRING_length(as),
	    out, outsz);
}

int
tls_cert_fp(X509 *cert, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n < 8)
		return -1;
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/*
 * Loads every CRL in `path` into the context's store: 0, or -1 after
 * logging why (and saying it in `err` when that is not NULL).
 */
static int
load_crl(SSL_CTX *ctx, const char *path, char *err, size_t errsz)
{
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	X509_CRL *crl;
	char why[160];
	FILE *f;
	int n = 0;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(why, sizeof(why), "tls_crl %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_crl(st, crl) != 1) {
			X509_CRL_free(crl);
			fclose(f);
			snprintf(why, sizeof(why), "tls_crl %s: cannot add a "
			    "CRL", path);
			goto fail;
		}
		X509_CRL_free(crl);
		n++;
	}
	ERR_clear_error();
	fclose(f);
	if (n == 0) {
		snprintf(why, sizeof(why), "tls_crl %s: no CRL in it", path);
		goto fail;
	}
	/* SECURITY NOTE: a revoked host certificate must not get in. */
	X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
	return 0;
 fail:
	log_err("%s", why);
	if (err != NULL)
		snprintf(err, errsz, "%s", why);
	return -1;
}

/*
 * SECURITY NOTE: TLS 1.3 only, a client certificate required and
 * verified against the organisation's CA alone (never the system's
 * store, where any public CA could vouch for any name); no session
 * resumption, so every connection is verified against the CRL in force.
 */
static int
ctx_rules(SSL_CTX *ctx)
{
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1)
		return -1;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return SSL_CTX_set_num_tickets(ctx, 0) == 1 ? 0 : -1;
}

static const char *
ssl_err(void)
{
	unsigned long e = ERR_peek_last_error();

	return e != 0 ? ERR_reason_error_string(e) : "unknown error";
}

int
tls_listen(const struct config *cfg, struct tls_server **out)
{
	struct tls_server *ts;
	struct addrinfo hints, *res = NULL;
	char host[256], port[8], err[128];
	int one = 1, r;

	*out = NULL;
	if (tls_hostport(cfg->tls_listen, host, sizeof(host), port, err,
	    sizeof(err)) != 0) {
		log_err("tls_listen %s", err);
		return -1;
	}
	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return -1;
	ts->cfg = cfg;
	ts->fd = -1;
	pthread_mutex_init(&ts->mtx, NULL);
	pthread_cond_init(&ts->gone, NULL);
	if ((ts->ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate_chain_file(ts->ctx, cfg->tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ts->ctx, cfg->tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ts->ctx) != 1 ||
	    SSL_CTX_load_verify_locations(ts->ctx, cfg->tls_client_ca,
	    NULL) != 1 || ctx_rules(ts->ctx) != 0) {
		log_err("tls: cannot load %s, %s or %s: %s", cfg->tls_cert,
		    cfg->tls_key, cfg->tls_client_ca, ssl_err());
		goto fail;
	}
	if (cfg->tls_crl != NULL && load_crl(ts->ctx, cfg->tls_crl, NULL,
	    0) != 0)
		goto fail;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port,
	    &hints, &res)) != 0) {
		log_err("tls_listen %s: %s", cfg->tls_listen, gai_strerror(r));
		goto fail;
	}
	if ((ts->fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(ts->fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) != 0 ||
	    bind(ts->fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(ts->fd, SOMAXCONN) != 0) {
		log_err("tls_listen %s: %s", cfg->tls_listen, strerror(errno));
		goto fail;
	}
	freeaddrinfo(res);
	*out = ts;
	return 0;
 fail:
	if (res != NULL)
		freeaddrinfo(res);
	tls_free(ts);
	return -1;
}

int
tls_fd(const struct tls_server *ts)
{
	return ts != NULL ? ts->fd : -1;
}

int
tls_wait(int fd, int e, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;

	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		return -1;
	if ((left = deadline - mono_ms()) <= 0)
		return -1;
	pfd.fd = fd;
	pfd.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
	return poll(&pfd, 1, (int)left) > 0 ? 0 : -1;
}

/* Writes all of `buf` to the TLS stream by `deadline`. */
static int
ssl_write_all(SSL *ssl, int fd, const uint8_t *buf, size_t len,
    int64_t deadline)
{
	size_t done = 0;
	int n;

	while (done < len) {
		if ((n = SSL_write(ssl, buf + done, (int)(len - done))) > 0)
			done += (size_t)n;
		else if (tls_wait(fd, SSL_get_error(ssl, n), deadline) != 0)
			return -1;
	}
	return 0;
}

/* Copies bytes both ways until either side ends. */
static void
pump(struct tls_conn *tc, SSL *ssl, int pair)
{
	const struct config *cfg = tc->ts->cfg;
	struct pollfd pfd[2];
	uint8_t *buf;
	ssize_t rn;
	int n;

	if ((buf = malloc(TLS_BUF)) == NULL)
		return;
	for (;;) {
		pfd[0].fd = tc->fd;
		pfd[1].fd = pair;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (SSL_pending(ssl) > 0)
			pfd[0].revents = POLLIN;
		else if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents) {
			n = SSL_read(ssl, buf, TLS_BUF);
			if (n > 0) {
				if (sock_write_all(pair, buf, (size_t)n,
				    mono_ms() + cfg->request_timeout) != 0)
					break;
			} else if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ)
				break;
		}
		if (pfd[1].revents) {
			rn = read(pair, buf, TLS_BUF);
			if (rn < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (rn <= 0 || ssl_write_all(ssl, tc->fd, buf,
			    (size_t)rn, mono_ms() + cfg->request_timeout) != 0)
				break;
		}
	}
	secure_free(buf, TLS_BUF);
}

/*
 * A refused handshake: recorded by a worker at most once a minute (all
 * TLS refusals together), with the number held back.
 */
static void
refused(struct tls_conn *tc)
{
	int sv[2];

	log_warn("tls: refused %s: %s", tc->id.addr, tc->id.why);
	if (!peer_refusal_due((uid_t)-1, SOCK_TLS, REFUSE_FORBIDDEN,
	    &tc->id.held))
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) != 0)
		return;
	close(sv[1]);
	tc->adopt(tc->arg, sv[0], &tc->id);
}

static void *
conn_main(void *arg)
{
	struct tls_conn *tc = arg;
	struct tls_server *ts = tc->ts;
	struct tls_conn *other;
	char host[sizeof(tc->id.host)];
	size_t same;
	SSL *ssl = NULL;
	X509 *cert = NULL;
	int64_t deadline = mono_ms() + ts->cfg->tls_handshake_timeout;
	long vr;
	int n, sv[2] = { -1, -1 };

	pthread_mutex_lock(&ts->mtx);
	ssl = SSL_new(ts->ctx);		/* holds its context across a reload */
	pthread_mutex_unlock(&ts->mtx);
	if (ssl == NULL || SSL_set_fd(ssl, tc->fd) != 1)
		goto out;
	while ((n = SSL_accept(ssl)) != 1)
		if (tls_wait(tc->fd, SSL_get_error(ssl, n), deadline) != 0)
			break;
	if (n != 1) {
		vr = SSL_get_verify_result(ssl);
		if (vr != X509_V_OK)
			snprintf(tc->id.why, sizeof(tc->id.why), "certificate: "
			    "%s", X509_verify_cert_error_string(vr));
		else if (mono_ms() >= deadline)
			snprintf(tc->id.why, sizeof(tc->id.why), "handshake "
			    "timed out");
		else
			snprintf(tc->id.why, sizeof(tc->id.why), "handshake: "
			    "%s", ssl_err());
		if ((cert = SSL_get1_peer_certificate(ssl)) != NULL)
			(void)tls_cert_fp(cert, tc->id.fp);
		refused(tc);
		goto out;
	}
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL ||
	    tls_cert_fp(cert, tc->id.fp) != 0) {
		snprintf(tc->id.why, sizeof(tc->id.why), "no client "
		    "certificate");
		refused(tc);
		goto out;
	}
	if (tls_cert_name(cert, host, sizeof(host)) != 0) {
		snprintf(tc->id.why, sizeof(tc->id.why), "the certificate "
		    "names no host");
		refused(tc);
		goto out;
	}
	/*
	 * SECURITY NOTE: one host (a compromised pilot server, say) may hold
	 * only its share of the connections, so that it cannot starve the
	 * other hosts' relays.
	 */
	pthread_mutex_lock(&ts->mtx);
	for (other = ts->conns, same = 0; other != NULL; other = other->next)
		if (other != tc && strcmp(other->id.host, host) == 0)
			same++;
	if (same < (size_t)ts->cfg->tls_host_connections)
		memcpy(tc->id.host, host, sizeof(tc->id.host));
	pthread_mutex_unlock(&ts->mtx);
	if (tc->id.host[0] == '\0') {
		snprintf(tc->id.why, sizeof(tc->id.why), "host %.100s already "
		    "holds %zu connections", host, same);
		refused(tc);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) != 0)
		goto out;
	log_info("tls: host %s (%s, certificate %s) connected", tc->id.host,
	    tc->id.addr, tc->id.fp);
	tc->adopt(tc->arg, sv[0], &tc->id);
	pump(tc, ssl, sv[1]);
	(void)SSL_shutdown(ssl);
 out:
	if (sv[1] >= 0)
		close(sv[1]);
	X509_free(cert);
	SSL_free(ssl);
	pthread_mutex_lock(&ts->mtx);
	if (tc->prev)
		tc->prev->next = tc->next;
	else
		ts->conns = tc->next;
	if (tc->next)
		tc->next->prev = tc->prev;
	ts->n--;
	close(tc->fd);
	pthread_cond_signal(&ts->gone);
	pthread_mutex_unlock(&ts->mtx);
	free(tc);
	return NULL;
}

void
tls_accept(struct tls_server *ts, tls_adopt_fn *adopt, void *arg)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct tls_conn *tc;
	pthread_attr_t attr;
	char h[NI_MAXHOST];
	int fd, i;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < TLS_ACCEPT_BATCH; i++) {
		sl = sizeof(ss);
		if ((fd = accept4(ts->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
			break;
		pthread_mutex_lock(&ts->mtx);
		/* SECURITY NOTE: a bounded number of handshakes and hosts. */
		if (ts->stopping || ts->n >= (size_t)ts->cfg->tls_connections ||
		    (tc = calloc(1, sizeof(*tc))) == NULL) {
			pthread_mutex_unlock(&ts->mtx);
			close(fd);
			continue;
		}
		tc->ts = ts;
		tc->fd = fd;
		tc->adopt = adopt;
		tc->arg = arg;
		if (getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), NULL,
		    0, NI_NUMERICHOST) != 0)
			snprintf(h, sizeof(h), "?");
		snprintf(tc->id.addr, sizeof(tc->id.addr), "%.63s", h);
		tc->next = ts->conns;
		if (ts->conns)
			ts->conns->prev = tc;
		ts->conns = tc;
		ts->n++;
		if (pthread_create(&tc->th, &attr, conn_main, tc) != 0) {
			ts->conns = tc->next;
			if (ts->conns)
				ts->conns->prev = NULL;
			ts->n--;
			close(fd);
			free(tc);
		}
		pthread_mutex_unlock(&ts->mtx);
	}
	pthread_attr_destroy(&attr);
}

int
tls_reload_crl(struct tls_server *ts, char *err, size_t errsz)
{
	STACK_OF(X509_OBJECT) *objs;
	STACK_OF(X509) *chain = NULL;
	X509_STORE *from, *to;
	X509_OBJECT *o;
	struct tls_conn *tc;
	SSL_CTX *nctx, *old;
	size_t closed = 0;
	int i, r = 0;

	if (ts == NULL || ts->cfg->tls_crl == NULL)
		return 0;
	/*
	 * A new context from the old one's certificate, key and CAs (the key
	 * file is root's: it is not read again) and the CRL file as it is
	 * now.  Connections being set up keep the context they started with.
	 */
	if ((nctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate(nctx, SSL_CTX_get0_certificate(
	    ts->ctx)) != 1 ||
	    SSL_CTX_use_PrivateKey(nctx, SSL_CTX_get0_privatekey(ts->ctx)) != 1 ||
	    ctx_rules(nctx) != 0) {
		snprintf(err, errsz, "tls: cannot set up a new context: %s",
		    ssl_err());
		log_err("%s", err);
		SSL_CTX_free(nctx);
		return -1;
	}
	if (SSL_CTX_get0_chain_certs(ts->ctx, &chain) == 1 && chain != NULL)
		r = SSL_CTX_set1_chain(nctx, chain) == 1 ? 0 : -1;
	from = SSL_CTX_get_cert_store(ts->ctx);
	to = SSL_CTX_get_cert_store(nctx);
	(void)X509_STORE_lock(from);
	objs = X509_STORE_get0_objects(from);
	for (i = 0; r == 0 && i < sk_X509_OBJECT_num(objs); i++) {
		o = sk_X509_OBJECT_value(objs, i);
		if (X509_OBJECT_get_type(o) == X509_LU_X509 &&
		    X509_STORE_add_cert(to, X509_OBJECT_get0_X509(o)) != 1)
			r = -1;
	}
	(void)X509_STORE_unlock(from);
	if (r != 0) {
		snprintf(err, errsz, "tls: cannot copy the client CA");
		log_err("%s", err);
		SSL_CTX_free(nctx);
		return -1;
	}
	/* An unreadable or empty CRL keeps the one in force. */
	if (load_crl(nctx, ts->cfg->tls_crl, err, errsz) != 0) {
		SSL_CTX_free(nctx);
		return -1;
	}
	pthread_mutex_lock(&ts->mtx);
	old = ts->ctx;
	ts->ctx = nctx;
	/*
	 * SECURITY NOTE: a host whose certificate the new CRL revokes must
	 * not keep a connection that was verified before: every host
	 * connects again and is verified against the new list.
	 */
	for (tc = ts->conns; tc != NULL; tc = tc->next, closed++)
		(void)shutdown(tc->fd, SHUT_RDWR);
	pthread_mutex_unlock(&ts->mtx);
	SSL_CTX_free(old);
	log_notice("tls: CRL %s reloaded; %zu host connections closed to be "
	    "verified again", ts->cfg->tls_crl, closed);
	snprintf(err, errsz, "CRL reloaded");
	return 0;
}

void
tls_free(struct tls_server *ts)
{
	struct tls_conn *tc;

	if (ts == NULL)
		return;
	pthread_mutex_lock(&ts->mtx);
	ts->stopping = 1;
	if (ts->fd >= 0)
		close(ts->fd);
	ts->fd = -1;
	for (tc = ts->conns; tc != NULL; tc = tc->next)
		(void)shutdown(tc->fd, SHUT_RDWR);
	while (ts->n > 0)
		pthread_cond_wait(&ts->gone, &ts->mtx);
	pthread_mutex_unlock(&ts->mtx);
	SSL_CTX_free(ts->ctx);
	pthread_mutex_destroy(&ts->mtx);
	pthread_cond_destroy(&ts->gone);
	free(ts);
}
