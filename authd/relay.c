/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authd in relay mode: see relay.h.  The main thread accepts local
 * clients; each gets a thread that reads its frames (bounded as on the
 * central side), forwards them and writes the answers back.  A keeper
 * thread keeps every server's pool of warm connections filled, pings the
 * idle ones, and tries a dead server again once its back-off is over.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "authd.h"
#include "authd_err.h"
#include "budget.h"
#include "log.h"
#include "peer.h"
#include "priv.h"
#include "relay.h"
#include "server.h"
#include "sock.h"
#include "tls.h"
#include "util.h"

#define RELAY_POOL_MAX		64	/* idle connections kept per server */
#define RELAY_WAIT_MARGIN_MS	100	/* kept back from the client's WAIT */
#define RELAY_IDLE_MIN		4	/* serving threads started at once */
#define RELAY_IDLE_MAX		16	/* idle serving threads kept */

struct rconn {
	SSL		*ssl;
	int		 fd;
	int64_t		 used;		/* mono_ms() of its last answer */
	char		 addr[64];
};

struct rsrv {
	char		 spec[270];	/* as configured */
	char		 name[256];
	char		 port[8];
	struct rconn	*idle[RELAY_POOL_MAX];
	size_t		 nidle;
	int64_t		 dead_until;	/* back-off: mono_ms() */
	int		 down;		/* failed, logged, not answered since */
	char		 last_err[192];
	unsigned long	 answered, failed, handshakes;
	/* An address of the name that failed: tried last until bad_until. */
	char		 bad_addr[64];
	int64_t		 bad_until;
};

struct relay {
	struct config	*cfg;
	struct authd	 ad;		/* for peer checks only */
	SSL_CTX		*ctx;
	struct rsrv	 srv[RELAY_SERVERS_MAX];
	size_t		 nsrv;
	pthread_mutex_t	 mtx;		/* the servers' state and pools */
	int		 lfd, afd;	/* the PAM and admin sockets */
	struct budget	*budget;	/* connections and requests per uid */
	size_t		 nthreads, nidle;	/* serving threads */
	int64_t		 refusal_logged;	/* mono_ms() */
	unsigned long	 refusals_held;
	int		 all_down;	/* "no server" logged for this episode */
	/* For `authctl status` on the relay. */
	unsigned long	 forwarded, no_server, handshakes_on_requests;
};

static volatile sig_atomic_t relay_stop;

static void
on_stop(int sig)
{
	(void)sig;
	relay_stop = 1;
}

int
relay_servers_check(const char *servers, char *err, size_t errsz)
{
	char *copy, *tok, *save = NULL, host[256], port[8];
	int n = 0, r = 0;

	if ((copy = strdup(servers)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, " \t", &save); tok != NULL && r == 0;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (++n > RELAY_SERVERS_MAX) {
			snprintf(err, errsz, "at most %d servers",
			    RELAY_SERVERS_MAX);
			r = -1;
		} else
			r = tls_hostport(tok, host, sizeof(host), port, err,
			    errsz);
	}
	if (r == 0 && n == 0) {
		snprintf(err, errsz, "no server");
		r = -1;
	}
	free(copy);
	return r;
}

static void
rconn_free(struct rconn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

/*
 * Connects to one address of `s` and does the handshake by `deadline`.
 * SECURITY NOTE: the server must show a certificate that chains to
 * relay_ca (not the system's store) and names the server as configured;
 * anything else is a failure, never a warning.
 */
static struct rconn *
rconn_open(struct relay *rl, const struct rsrv *s, const struct addrinfo *ai,
    int64_t deadline, char *err, size_t errsz)
{
	struct rconn *c;
	struct pollfd pfd;
	socklen_t sl;
	long vr;
	int n, e = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, c->addr, sizeof(c->addr),
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(c->addr, sizeof(c->addr), "?");
	if ((c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol)) < 0)
		goto syserr;
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto syserr;
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		n = deadline > mono_ms() ? poll(&pfd, 1, (int)(deadline -
		    mono_ms())) : 0;
		if (n <= 0) {
			snprintf(err, errsz, "%s: connect timed out", c->addr);
			goto fail;
		}
		sl = sizeof(e);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0 ||
		    e != 0) {
			errno = e;
			goto syserr;
		}
	}
	if ((c->ssl = SSL_new(rl->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, s->name) != 1 ||
	    X509_VERIFY_PARAM_set1_host(SSL_get0_param(c->ssl), s->name,
	    0) != 1) {
		snprintf(err, errsz, "%s: cannot set up TLS", c->addr);
		goto fail;
	}
	/*
	 * SSL_get_error looks at this thread's error queue first: an error
	 * left there by another connection's failure would make a wait
	 * look like a failure of this one.
	 */
	ERR_clear_error();
	while ((n = SSL_connect(c->ssl)) != 1)
		if (tls_wait(c->fd, SSL_get_error(c->ssl, n), deadline) != 0)
			break;
	if (n != 1) {
		if ((vr = SSL_get_verify_result(c->ssl)) != X509_V_OK)
			snprintf(err, errsz, "%s: certificate: %s", c->addr,
			    X509_verify_cert_error_string(vr));
		else if (mono_ms() >= deadline)
			snprintf(err, errsz, "%s: handshake timed out",
			    c->addr);
		else
			snprintf(err, errsz, "%s: handshake failed: %s",
			    c->addr, ERR_peek_last_error() ?
			    ERR_reason_error_string(ERR_peek_last_error()) :
			    "closed");
		ERR_clear_error();
		goto fail;
	}
	c->used = mono_ms();
	return c;
 syserr:
	snprintf(err, errsz, "%s: %s", c->addr, strerror(errno));
 fail:
	rconn_free(c);
	return NULL;
}

/*
 * Every address of `s`, in order, each within relay_connect_timeout; an
 * address that failed lately last, or (`others`) not at all.
 */
static struct rconn *
rsrv_connect(struct relay *rl, struct rsrv *s, int64_t deadline,
    int others, char *err, size_t errsz)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct rconn *c = NULL;
	char bad[64] = "", a[64];
	int64_t d;
	int r, pass, isbad;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(s->name, s->port, &hints, &res)) != 0) {
		snprintf(err, errsz, "%s", gai_strerror(r));
		return NULL;
	}
	pthread_mutex_lock(&rl->mtx);
	if (s->bad_until > mono_ms())
		memcpy(bad, s->bad_addr, sizeof(bad));
	pthread_mutex_unlock(&rl->mtx);
	snprintf(err, errsz, "no other address");
	for (pass = 0; pass < (others ? 1 : 2) && c == NULL; pass++)
		for (ai = res; ai != NULL && c == NULL; ai = ai->ai_next) {
			isbad = getnameinfo(ai->ai_addr, ai->ai_addrlen, a,
			    sizeof(a), NULL, 0, NI_NUMERICHOST) == 0 &&
			    strcmp(a, bad) == 0;
			if (isbad != (pass == 1))
				continue;
			d = mono_ms() + rl->cfg->relay_connect_timeout;
			if (d > deadline)
				d = deadline;
			if (d <= mono_ms())
				break;
			c = rconn_open(rl, s, ai, d, err, errsz);
		}
	freeaddrinfo(res);
	if (c != NULL) {
		pthread_mutex_lock(&rl->mtx);
		s->handshakes++;
		pthread_mutex_unlock(&rl->mtx);
	}
	return c;
}

static int
ssl_write_all(struct rconn *c, const uint8_t *p, size_t len, int64_t deadline)
{
	size_t done = 0;
	int n;

	while (done < len) {
		if ((n = SSL_write(c->ssl, p + done, (int)(len - done))) > 0)
			done += (size_t)n;
		else if (tls_wait(c->fd, SSL_get_error(c->ssl, n), deadline) != 0)
			return -1;
	}
	return 0;
}

static int
ssl_read_full(struct rconn *c, uint8_t *p, size_t len, int64_t deadline)
{
	size_t done = 0;
	int n;

	while (done < len) {
		if ((n = SSL_read(c->ssl, p + done, (int)(len - done))) > 0)
			done += (size_t)n;
		else if (tls_wait(c->fd, SSL_get_error(c->ssl, n), deadline) != 0)
			return -1;
	}
	return 0;
}

/*
 * Sends one frame (`frame`, `len` bytes with its length prefix) and reads
 * the answer: frames up to and including the RESULT, into *out (malloc'd,
 * with prefixes).  0, or -1 (the connection is then useless).
 */
static int
rconn_call(struct rconn *c, const uint8_t *frame, size_t len,
    int64_t deadline, uint8_t **out, size_t *outlen)
{
	uint8_t hdr[4], *buf = NULL, *nb;
	size_t n = 0;
	uint32_t bl;

	*out = NULL;
	ERR_clear_error();	/* as in rconn_open; call_err sees this call's */
	if (ssl_write_all(c, frame, len, deadline) != 0)
		return -1;
	for (;;) {
		if (ssl_read_full(c, hdr, 4, deadline) != 0)
			goto fail;
		bl = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		    (uint32_t)hdr[2] << 8 | hdr[3];
		/* SECURITY NOTE: bounded like any frame, before allocating. */
		if (bl < PROTO_HDR_LEN || bl > PROTO_FRAME_MAX ||
		    n + 4 + bl > 4 * (PROTO_FRAME_MAX + 4) ||
		    (nb = realloc(buf, n + 4 + bl)) == NULL)
			goto fail;
		buf = nb;
		memcpy(buf + n, hdr, 4);
		if (ssl_read_full(c, buf + n + 4, bl, deadline) != 0)
			goto fail;
		/* Byte 1 of a body is its type: RESULT ends the answer. */
		if (buf[n + 4 + 1] == PROTO_T_RESULT) {
			n += 4 + bl;
			break;
		}
		n += 4 + bl;
	}
	c->used = mono_ms();
	*out = buf;
	*outlen = n;
	return 0;
 fail:
	free(buf);
	return -1;
}

/*
 * Whether an idle connection can still carry a request: nothing may be
 * waiting on it, so anything readable is the server's close (a restart,
 * a CRL reload) or an error.
 */
static int
rconn_usable(const struct rconn *c)
{
	struct pollfd pfd;

	pfd.fd = c->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 0 && SSL_pending(c->ssl) == 0;
}

/* The most recently used idle connection of `s` that is usable, or NULL. */
static struct rconn *
rsrv_take(struct relay *rl, struct rsrv *s)
{
	struct rconn *c = NULL;

	pthread_mutex_lock(&rl->mtx);
	while (c == NULL && s->nidle > 0) {
		c = s->idle[--s->nidle];
		if (!rconn_usable(c)) {
			rconn_free(c);
			c = NULL;
		}
	}
	pthread_mutex_unlock(&rl->mtx);
	return c;
}

/*
 * Why a call on `c` failed: the alert the server sent ("certificate
 * revoked", "unknown ca", ...) if there was one, else `what`.
 */
static void
call_err(const struct rconn *c, const char *what, char *err, size_t errsz)
{
	unsigned long e = ERR_peek_last_error();

	if (e != 0 && ERR_reason_error_string(e) != NULL)
		snprintf(err, errsz, "%s: %s", c->addr,
		    ERR_reason_error_string(e));
	else
		snprintf(err, errsz, "%s: %s", c->addr, what);
	ERR_clear_error();
}

/*
 * One address of `s` failed (a name may have several): it is tried last
 * for relay_backoff, and its idle connections are dropped.
 */
static void
rsrv_addr_failed(struct relay *rl, struct rsrv *s, const char *addr)
{
	size_t i, j;

	pthread_mutex_lock(&rl->mtx);
	snprintf(s->bad_addr, sizeof(s->bad_addr), "%s", addr);
	s->bad_until = mono_ms() + rl->cfg->relay_backoff * 1000;
	for (i = j = 0; i < s->nidle; i++)
		if (strcmp(s->idle[i]->addr, addr) == 0)
			rconn_free(s->idle[i]);
		else
			s->idle[j++] = s->idle[i];
	s->nidle = j;
	pthread_mutex_unlock(&rl->mtx);
}

/* A server failed: back-off, and one log line per episode. */
static void
rsrv_failed(struct relay *rl, struct rsrv *s, const char *err)
{
	size_t i;

	pthread_mutex_lock(&rl->mtx);
	s->dead_until = mono_ms() + rl->cfg->relay_backoff * 1000;
	s->failed++;
	snprintf(s->last_err, sizeof(s->last_err), "%s", err);
	if (!s->down)
		log_warn("relay: server %s failed: %s; trying it again in "
		    "%llds", s->spec, err, rl->cfg->relay_backoff);
	s->down = 1;
	/* Its other connections are no better. */
	for (i = 0; i < s->nidle; i++)
		rconn_free(s->idle[i]);
	s->nidle = 0;
	pthread_mutex_unlock(&rl->mtx);
}

static void
rsrv_answered(struct relay *rl, struct rsrv *s, struct rconn *c)
{
	pthread_mutex_lock(&rl->mtx);
	s->answered++;
	if (s->down)
		log_notice("relay: server %s answers again (%s)", s->spec,
		    c->addr);
	s->down = 0;
	s->dead_until = 0;
	rl->all_down = 0;
	if (s->nidle < RELAY_POOL_MAX) {
		s->idle[s->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&rl->mtx);
	rconn_free(c);
}

/* Sets the WAIT of a request to `ms`, adding it if the client sent none. */
static int
set_wait(struct proto_msg *m, int64_t ms)
{
	size_t i;

	for (i = 0; i < m->nattr; i++)
		if (m->attr[i].tag == PROTO_A_WAIT) {
			m->attr[i].u64 = (uint64_t)ms;
			return 0;
		}
	return proto_add_u64(m, PROTO_A_WAIT, (uint64_t)ms);
}

/*
 * Forwards one request: servers in order, those in back-off skipped
 * (unless all are), each within relay_reply_timeout and the client's
 * deadline.  0 with the answer in *out and "SERVER (ADDRESS)" in `who`,
 * or -1: nobody answered.
 */
static int
forward(struct relay *rl, struct proto_msg *m, int64_t deadline,
    uint8_t **out, size_t *outlen, char *who, size_t whosz)
{
	struct rsrv *s;
	struct rconn *c;
	uint8_t *frame;
	char err[192], err2[192];
	int64_t now, d;
	size_t i, flen;
	int pass, attempt, r, tried = 0;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < rl->nsrv; i++) {
			s = &rl->srv[i];
			if ((now = mono_ms()) >= deadline)
				return -1;
			pthread_mutex_lock(&rl->mtx);
			/* The second pass: only when every one was skipped. */
			if (pass == 0 && s->dead_until > now) {
				pthread_mutex_unlock(&rl->mtx);
				continue;
			}
			pthread_mutex_unlock(&rl->mtx);
			c = rsrv_take(rl, s);
			tried++;
			/* A second try only at another address of the name. */
			for (attempt = 0; attempt < 2; attempt++) {
				if (c == NULL) {
					/* The first error is the one told. */
					if ((c = rsrv_connect(rl, s, deadline,
					    attempt, attempt ? err2 : err,
					    sizeof(err))) == NULL)
						break;
					pthread_mutex_lock(&rl->mtx);
					rl->handshakes_on_requests++;
					pthread_mutex_unlock(&rl->mtx);
				}
				now = mono_ms();
				d = now + rl->cfg->relay_reply_timeout;
				if (d > deadline)
					d = deadline;
				/*
				 * SECURITY NOTE: the central node is told how
				 * long this attempt waits, so that it never
				 * commits an allow after the relay has stopped
				 * waiting for it (and perhaps asked another).
				 */
				frame = NULL;
				if ((m->type != PROTO_T_PING && set_wait(m, d -
				    now) != 0) || proto_encode(m, &frame,
				    &flen) != 0) {
					rconn_free(c);	/* out of memory */
					return -1;
				}
				r = rconn_call(c, frame, flen, d, out, outlen);
				secure_free(frame, flen);
				if (r == 0) {
					snprintf(who, whosz, "%s (%s)",
					    s->spec, c->addr);
					rsrv_answered(rl, s, c);
					return 0;
				}
				call_err(c, "no answer", err, sizeof(err));
				rsrv_addr_failed(rl, s, c->addr);
				rconn_free(c);
				c = NULL;
				if (mono_ms() >= deadline)
					break;
			}
			rsrv_failed(rl, s, err);
		}
		if (tried > 0)
			break;
	}
	return -1;
}

/* The keeper's ping on `c`: the server answered, or it failed. */
static void
keeper_ping(struct relay *rl, struct rsrv *s, struct rconn *c,
    const uint8_t *frame, size_t flen)
{
	uint8_t *ans;
	size_t alen;
	char err[192];

	if (rconn_call(c, frame, flen, mono_ms() +
	    rl->cfg->relay_connect_timeout, &ans, &alen) == 0) {
		free(ans);
		rsrv_answered(rl, s, c);
		return;
	}
	call_err(c, "no answer to a ping", err, sizeof(err));
	rsrv_addr_failed(rl, s, c->addr);
	rconn_free(c);
	rsrv_failed(rl, s, err);
}

/* The keeper: warm pools, pings, dead servers tried again. */
static void *
keeper(void *arg)
{
	struct relay *rl = arg;
	const struct config *cfg = rl->cfg;
	struct proto_msg *ping;
	struct rconn *c;
	struct rsrv *s;
	uint8_t *frame = NULL;
	size_t flen = 0, i, want;
	char err[192];
	int64_t now;

	if ((ping = proto_new(PROTO_T_PING, 1)) == NULL ||
	    proto_encode(ping, &frame, &flen) != 0) {
		proto_free(ping);
		return NULL;
	}
	proto_free(ping);
	while (!relay_stop) {
		for (i = 0; i < rl->nsrv && !relay_stop; i++) {
			s = &rl->srv[i];
			now = mono_ms();
			pthread_mutex_lock(&rl->mtx);
			want = s->dead_until > now ? 0 :
			    (size_t)cfg->relay_connections;
			c = NULL;
			/* The oldest idle one, if due for a ping. */
			if (s->nidle > 0 && now - s->idle[0]->used >=
			    cfg->relay_keepalive * 1000) {
				c = s->idle[0];
				memmove(s->idle, s->idle + 1, --s->nidle *
				    sizeof(s->idle[0]));
			}
			pthread_mutex_unlock(&rl->mtx);
			/* Closed by the server: not a failure, just gone. */
			if (c != NULL && !rconn_usable(c)) {
				rconn_free(c);
				continue;
			}
			if (c != NULL) {
				keeper_ping(rl, s, c, frame, flen);
				continue;
			}
			pthread_mutex_lock(&rl->mtx);
			/* Dead, back-off over: one try decides. */
			if (s->dead_until != 0 && s->dead_until <= now)
				want = 1;
			want = s->nidle < want;
			pthread_mutex_unlock(&rl->mtx);
			if (!want)
				continue;
			if ((c = rsrv_connect(rl, s, mono_ms() +
			    cfg->relay_connect_timeout * 4, 0, err,
			    sizeof(err))) == NULL) {
				rsrv_failed(rl, s, err);
				continue;
			}
			/*
			 * In TLS 1.3 the server judges the relay's
			 * certificate after the relay's handshake is done:
			 * only an answer proves the connection.
			 */
			keeper_ping(rl, s, c, frame, flen);
		}
		(void)poll(NULL, 0, 200);
	}
	free(frame);
	return NULL;
}

/* Reads `len` bytes from a local client by `deadline`. */
static int
read_full(int fd, uint8_t *p, size_t len, int64_t deadline)
{
	struct pollfd pfd;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if ((n = recv(fd, p + done, len - done, MSG_DONTWAIT)) > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (deadline <= mono_ms() || poll(&pfd, 1, (int)(deadline -
		    mono_ms())) <= 0)
			return -1;
	}
	return 0;
}

/* The request types a relay forwards: the PAM module's. */
static int
forwarded(uint8_t type)
{
	return type == PROTO_T_PING || type == PROTO_T_AUTH ||
	    type == PROTO_T_ACCOUNT || type == PROTO_T_FACTORS ||
	    type == PROTO_T_SESSION_OPEN || type == PROTO_T_SESSION_CLOSE;
}

/*
 * `authctl status` on a relay: each server's state and last error, and
 * the relay's counters (a handshake on a request's path means no warm
 * connection was there).  The rows are copied under the lock and written
 * after it.
 */
static int
relay_status(struct relay *rl, int fd, uint32_t reqid, int64_t deadline)
{
	struct { char name[300], state[16], detail[400]; } row[RELAY_SERVERS_MAX];
	unsigned long fwd, nos, hs = 0, hsr;
	struct proto_msg *res;
	struct rsrv *s;
	int64_t now = mono_ms();
	size_t i, n;
	int r = 0;

	pthread_mutex_lock(&rl->mtx);
	n = rl->nsrv;
	for (i = 0; i < n; i++) {
		s = &rl->srv[i];
		snprintf(row[i].name, sizeof(row[i].name), "server %s",
		    s->spec);
		snprintf(row[i].state, sizeof(row[i].state), "%s", s->down ?
		    "down" : s->answered > 0 ? "up" : "not yet tried");
		snprintf(row[i].detail, sizeof(row[i].detail), "%zu warm, "
		    "%lu answers, %lu failures, %lu handshakes%s%s%s",
		    s->nidle, s->answered, s->failed, s->handshakes,
		    s->down && s->dead_until > now ? ", in back-off" : "",
		    s->last_err[0] ? "; last error: " : "", s->last_err);
		hs += s->handshakes;
	}
	fwd = rl->forwarded;
	nos = rl->no_server;
	hsr = rl->handshakes_on_requests;
	pthread_mutex_unlock(&rl->mtx);
	for (i = 0; i < n && r == 0; i++)
		r = reply_status_row(fd, reqid, row[i].name, row[i].state, 0,
		    row[i].detail, deadline);
	if (r == 0)
		r = reply_status_row(fd, reqid, "requests-forwarded", NULL, fwd,
		    NULL, deadline) ?: reply_status_row(fd, reqid,
		    "requests-no-server", NULL, nos, "refused: no server "
		    "answered", deadline) ?: reply_status_row(fd, reqid,
		    "tls-handshakes", NULL, hs, NULL, deadline) ?:
		    reply_status_row(fd, reqid, "tls-handshakes-on-requests",
		    NULL, hsr, "no warm connection was ready", deadline);
	if (r != 0)
		return -1;
	if ((res = proto_new(PROTO_T_RESULT, reqid)) == NULL)
		return -1;
	r = reply_set(res, PROTO_S_ALLOW, RSN_OK, NULL) ?:
	    sock_write_msg(fd, res, deadline);
	proto_free(res);
	return r != 0 ? -1 : 0;
}

/*
 * `authctl ping` on a relay: a ping through the servers, and who
 * answered it (the central node's message names itself and the host it
 * took this relay for).
 */
static int
relay_ping(struct relay *rl, int fd, uint32_t reqid, int64_t deadline)
{
	struct proto_msg *ping = NULL, *ans = NULL, *res = NULL;
	uint8_t *buf = NULL;
	size_t len;
	char who[320], msg[800];
	int r = -1;

	if ((ping = proto_new(PROTO_T_PING, reqid)) == NULL)
		return -1;
	if (forward(rl, ping, deadline, &buf, &len, who, sizeof(who)) != 0) {
		proto_free(ping);
		return reply_error(fd, reqid, RSN_NO_SERVER, "no "
		    "authentication server answered", mono_ms() + 100) ? -1 : 0;
	}
	/* A ping's answer is one RESULT frame. */
	if (len > 4 && proto_parse(buf + 4, len - 4, &ans) == 0)
		snprintf(msg, sizeof(msg), "%s, via %s", proto_str(ans,
		    PROTO_A_MESSAGE, "?"), who);
	else
		snprintf(msg, sizeof(msg), "an unreadable answer, via %s",
		    who);
	if ((res = proto_new(PROTO_T_RESULT, reqid)) != NULL &&
	    reply_set(res, PROTO_S_ALLOW, RSN_OK, msg) == 0)
		r = sock_write_msg(fd, res, deadline) != 0 ? -1 : 0;
	proto_free(res);
	proto_free(ans);
	proto_free(ping);
	free(buf);
	return r;
}

/* A request on the relay's admin socket: ping and status only. */
static int
admin_request(struct relay *rl, int fd, const struct proto_msg *m,
    int64_t deadline)
{
	if (m->type == PROTO_T_PING)
		return relay_ping(rl, fd, m->reqid, deadline);
	if (m->type == PROTO_T_STATUS && proto_str(m, PROTO_A_USER, NULL) ==
	    NULL)
		return relay_status(rl, fd, m->reqid, deadline);
	return reply_error(fd, m->reqid, RSN_BAD_REQUEST, "a relay answers "
	    "ping and status; ask a central node", mono_ms() + 100) ? -1 : 0;
}

/* A PAM request: forwarded, or refused when no server answers. */
static int
pam_request(struct relay *rl, int fd, struct proto_msg *m, int64_t arrived)
{
	const struct config *cfg = rl->cfg;
	uint8_t *ans = NULL;
	size_t alen = 0;
	uint64_t wait;
	int64_t deadline;
	char who[320];
	int r;

	if (!forwarded(m->type))
		return reply_error(fd, m->reqid, RSN_BAD_REQUEST, "request "
		    "type not served by a relay", mono_ms() + 100) ? -1 : 0;
	deadline = arrived + cfg->request_timeout;
	if (proto_get_u64(m, PROTO_A_WAIT, &wait) == 0 && wait < 600000 &&
	    arrived + (int64_t)wait - RELAY_WAIT_MARGIN_MS < deadline)
		deadline = arrived + (int64_t)wait - RELAY_WAIT_MARGIN_MS;
	if (forward(rl, m, deadline, &ans, &alen, who, sizeof(who)) == 0) {
		pthread_mutex_lock(&rl->mtx);
		rl->forwarded++;
		pthread_mutex_unlock(&rl->mtx);
		r = sock_write_all(fd, ans, alen, mono_ms() +
		    cfg->request_timeout);
		secure_free(ans, alen);
		return r != 0 ? -1 : 0;
	}
	pthread_mutex_lock(&rl->mtx);
	rl->no_server++;
	if (!rl->all_down)
		log_err("relay: no central server answered; refusing requests "
		    "until one does");
	rl->all_down = 1;
	pthread_mutex_unlock(&rl->mtx);
	return reply_error(fd, m->reqid, RSN_NO_SERVER, "no authentication "
	    "server answered", mono_ms() + 100) ? -1 : 0;
}

/*
 * A refused local client: logged at most once a minute, with the number
 * held back, so that a user knocking in a loop cannot fill the log.
 */
static void
refusal_log(struct relay *rl, uid_t uid, const char *what)
{
	unsigned long held;

	pthread_mutex_lock(&rl->mtx);
	if (mono_ms() - rl->refusal_logged < 60000 && rl->refusal_logged) {
		rl->refusals_held++;
		pthread_mutex_unlock(&rl->mtx);
		return;
	}
	held = rl->refusals_held;
	rl->refusals_held = 0;
	rl->refusal_logged = mono_ms();
	pthread_mutex_unlock(&rl->mtx);
	log_warn("relay: refused uid %u: %s%s", (unsigned)uid, what, held ?
	    " (and earlier refusals not logged)" : "");
}

/* Serves one accepted client until it closes, is idle too long or errs. */
static void
serve_client(struct relay *rl, int fd, int kind, uid_t uid, uint8_t *frame)
{
	const struct config *cfg = rl->cfg;
	struct proto_msg *m = NULL;
	uint32_t bl;
	int64_t arrived;
	int r;

	for (;;) {
		if (read_full(fd, frame, 4, mono_ms() + cfg->idle_timeout *
		    1000) != 0)
			break;
		arrived = mono_ms();
		bl = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 |
		    (uint32_t)frame[2] << 8 | frame[3];
		/* SECURITY NOTE: size checked before reading it. */
		if (bl < PROTO_HDR_LEN || bl > PROTO_FRAME_MAX) {
			(void)reply_error(fd, 0, RSN_BAD_REQUEST, "bad frame",
			    mono_ms() + 100);
			break;
		}
		if (read_full(fd, frame + 4, bl, arrived +
		    cfg->request_timeout) != 0)
			break;
		/* Checked here, then sent on with its WAIT brought down. */
		if (proto_parse(frame + 4, bl, &m) != 0) {
			(void)reply_error(fd, 0, RSN_BAD_REQUEST, "malformed "
			    "request", mono_ms() + 100);
			break;
		}
		/*
		 * SECURITY NOTE: a local user's requests come out of its own
		 * budget, as on a central node's PAM socket.
		 */
		if (kind == SOCK_PAM && budget_request(rl->budget, kind, uid,
		    arrived) != BUDGET_OK) {
			refusal_log(rl, uid, "requests");
			r = reply_error(fd, m->reqid, RSN_BUSY, "too many "
			    "requests", mono_ms() + 100) ? -1 : 0;
		} else if (kind == SOCK_ADMIN)
			r = admin_request(rl, fd, m, arrived +
			    cfg->request_timeout);
		else
			r = pam_request(rl, fd, m, arrived);
		proto_free(m);
		m = NULL;
		if (r != 0)
			break;
		/* Nothing of a request stays in the buffer. */
		explicit_bzero(frame, 4 + (size_t)bl);
	}
	proto_free(m);
}

/*
 * Admits an accepted client: the socket's peer rule, then its uid's
 * share of the connections.  0 (give the connection back with
 * budget_conn_put), or -1 after answering the refusal and closing `fd`.
 */
static int
client_admit(struct relay *rl, int fd, int kind, struct ucred *peer)
{
	int verdict;

	/* SECURITY NOTE: the same peer rules as authd's sockets. */
	if (!peer_allowed(&rl->ad, fd, kind, peer)) {
		refusal_log(rl, peer->uid, kind == SOCK_ADMIN ? "the admin "
		    "socket" : "the pam socket");
		(void)reply_error(fd, 0, RSN_FORBIDDEN, "permission denied",
		    mono_ms());
		close(fd);
		return -1;
	}
	/*
	 * SECURITY NOTE: no local user may hold every connection: each
	 * comes out of its socket's share and its uid's budget.
	 */
	if ((verdict = budget_conn_take(rl->budget, kind, peer->uid)) !=
	    BUDGET_OK) {
		refusal_log(rl, peer->uid, "connections");
		(void)reply_error(fd, 0, RSN_BUSY, "too many connections",
		    mono_ms());
		close(fd);
		return -1;
	}
	return 0;
}

static int spawn_server(struct relay *rl);

/*
 * A serving thread: accepts a client itself (no hand-over, no thread
 * started per login), serves it, and goes back to accepting.  When it
 * takes the last idle place it starts another, so a client always finds
 * a thread waiting; beyond RELAY_IDLE_MAX idle ones it ends.
 */
static void *
serve_loop(void *arg)
{
	struct relay *rl = arg;
	struct pollfd pfd[2];
	struct ucred peer;
	uint8_t *frame;
	int fd, kind;

	if ((frame = malloc(PROTO_FRAME_MAX + 4)) == NULL)
		goto gone;
	while (!relay_stop) {
		pfd[0].fd = rl->lfd;
		pfd[1].fd = rl->afd;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, 500) <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			kind = SOCK_PAM;
		else if (pfd[1].revents & POLLIN)
			kind = SOCK_ADMIN;
		else
			continue;
		/* Another thread may have taken it first. */
		if ((fd = accept4(kind == SOCK_PAM ? rl->lfd : rl->afd, NULL,
		    NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
			continue;
		if (client_admit(rl, fd, kind, &peer) != 0)
			continue;
		pthread_mutex_lock(&rl->mtx);
		if (--rl->nidle == 0 && rl->nthreads < (size_t)rl->cfg->
		    connections_max)
			(void)spawn_server(rl);
		pthread_mutex_unlock(&rl->mtx);
		serve_client(rl, fd, kind, peer.uid, frame);
		close(fd);
		budget_conn_put(rl->budget, kind, peer.uid);
		pthread_mutex_lock(&rl->mtx);
		if (rl->nidle >= RELAY_IDLE_MAX) {
			rl->nthreads--;
			pthread_mutex_unlock(&rl->mtx);
			secure_free(frame, PROTO_FRAME_MAX + 4);
			return NULL;
		}
		rl->nidle++;
		pthread_mutex_unlock(&rl->mtx);
	}
	secure_free(frame, PROTO_FRAME_MAX + 4);
 gone:
	pthread_mutex_lock(&rl->mtx);
	rl->nthreads--;
	rl->nidle--;
	pthread_mutex_unlock(&rl->mtx);
	return NULL;
}

/* Starts one more serving thread, idle; called with rl->mtx held. */
static int
spawn_server(struct relay *rl)
{
	pthread_attr_t attr;
	pthread_t th;
	int r;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rl->nthreads++;
	rl->nidle++;
	if ((r = pthread_create(&th, &attr, serve_loop, rl)) != 0) {
		rl->nthreads--;
		rl->nidle--;
		log_err("relay: cannot start a thread: %s", strerror(r));
	}
	pthread_attr_destroy(&attr);
	return r;
}

static int
relay_setup(struct relay *rl)
{
	const struct config *cfg = rl->cfg;
	char *copy, *tok, *save = NULL, err[128];
	struct group *gr;

	/* SECURITY NOTE: TLS 1.3, the organisation's CA only. */
	if ((rl->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(rl->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(rl->ctx, cfg->relay_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(rl->ctx, cfg->relay_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(rl->ctx) != 1 ||
	    SSL_CTX_load_verify_locations(rl->ctx, cfg->relay_ca, NULL) != 1) {
		log_err("relay: cannot load %s, %s or %s", cfg->relay_cert,
		    cfg->relay_key, cfg->relay_ca);
		return -1;
	}
	SSL_CTX_set_verify(rl->ctx, SSL_VERIFY_PEER, NULL);
	if ((copy = strdup(cfg->relay_servers)) == NULL)
		return -1;
	for (tok = strtok_r(copy, " \t", &save); tok != NULL &&
	    rl->nsrv < RELAY_SERVERS_MAX; tok = strtok_r(NULL, " \t", &save)) {
		struct rsrv *s = &rl->srv[rl->nsrv++];

		snprintf(s->spec, sizeof(s->spec), "%s", tok);
		(void)tls_hostport(tok, s->name, sizeof(s->name), s->port, err,
		    sizeof(err));
	}
	free(copy);
	if (cfg->client_group != NULL && (gr = getgrnam(cfg->client_group)) !=
	    NULL) {
		rl->ad.client_gid = gr->gr_gid;
		rl->ad.have_client_gid = 1;
	}
	if (cfg->admin_group != NULL && (gr = getgrnam(cfg->admin_group)) !=
	    NULL) {
		rl->ad.admin_gid = gr->gr_gid;
		rl->ad.have_admin_gid = 1;
	}
	return 0;
}

/*
 * The relay's state outlives relay_main: a serving thread still reading
 * from a slow client at the stop may touch it until the process ends.
 */
static struct relay relay_state;

int
relay_main(struct config *cfg)
{
	struct relay *rl = &relay_state;
	struct sigaction sa;
	pthread_t kth;
	int ret = 1, have_keeper = 0, i;
	size_t j, k;

	rl->cfg = cfg;
	rl->ad.cfg = cfg;
	rl->lfd = rl->afd = -1;
	pthread_mutex_init(&rl->mtx, NULL);
	if (relay_setup(rl) != 0 ||
	    budget_new(cfg, (size_t)cfg->connections_max, &rl->budget) != 0 ||
	    (rl->lfd = server_listen(cfg->socket_path)) < 0)
		goto out;
	/* Logins matter more than `authctl status`: go on without it. */
	if ((rl->afd = server_listen(cfg->admin_socket_path)) < 0)
		log_err("relay: no admin socket: authctl ping and status "
		    "cannot reach this relay");
	if (priv_drop(cfg->user) != 0)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (pthread_create(&kth, NULL, keeper, rl) != 0)
		goto out;
	have_keeper = 1;
	pthread_mutex_lock(&rl->mtx);
	for (i = 0; i < RELAY_IDLE_MIN; i++)
		(void)spawn_server(rl);
	pthread_mutex_unlock(&rl->mtx);
	log_notice("authd relay starting: pam socket %s, admin socket %s, "
	    "%zu servers (%s)", cfg->socket_path, cfg->admin_socket_path,
	    rl->nsrv, cfg->relay_servers);
	while (!relay_stop)
		(void)poll(NULL, 0, 200);
	log_notice("relay stopping");
	ret = 0;
 out:
	relay_stop = 1;
	if (have_keeper)
		pthread_join(kth, NULL);
	/* Idle serving threads see the stop within their poll's 500 ms. */
	for (i = 0; i < 10; i++) {
		pthread_mutex_lock(&rl->mtx);
		j = rl->nthreads;
		pthread_mutex_unlock(&rl->mtx);
		if (j == 0)
			break;
		(void)poll(NULL, 0, 100);
	}
	pthread_mutex_lock(&rl->mtx);
	for (j = 0; j < rl->nsrv; j++) {
		for (k = 0; k < rl->srv[j].nidle; k++)
			rconn_free(rl->srv[j].idle[k]);
		rl->srv[j].nidle = 0;
	}
	pthread_mutex_unlock(&rl->mtx);
	/* What a thread still serving may use stays until the exit. */
	if (rl->nthreads == 0) {
		if (rl->lfd >= 0)
			close(rl->lfd);
		if (rl->afd >= 0)
			close(rl->afd);
		budget_free(rl->budget);
		SSL_CTX_free(rl->ctx);
	}
	return ret;
}
