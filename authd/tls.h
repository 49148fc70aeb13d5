/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_TLS_H
#define AUTHD_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/*
 * The central side's TLS terminator (tls.c): pilot hosts' relays connect
 * over TLS 1.3 with a client certificate chained to tls_client_ca (and not
 * revoked in tls_crl).  Each connection gets its own thread, which does
 * the handshake within tls_handshake_timeout, names the host from its
 * certificate, and then only copies bytes between the TLS stream and one
 * end of a socketpair; the other end is handed to the server (server.c),
 * which reads frames from it like from any local client, on the socket
 * kind SOCK_TLS, with the host's identity attached.  Nothing here parses
 * a frame or decides anything: a stranger's handshake reaches only
 * OpenSSL, and the dispatcher sees only hosts OpenSSL verified.
 */

struct config;
struct tls_server;

/* Who is on the other end of a TLS connection. */
struct tls_id {
	char	host[254];	/* the certificate's name (lower case), or "" */
	char	fp[17];		/* SHA-256 of the certificate, 16 hex digits */
	char	addr[64];	/* the peer's address, sanitised */
	char	why[160];	/* when refused: why, else "" */
	unsigned long held;	/* refusals held back before this one */
};

/*
 * Hands one end of a socketpair to the server with the identity of its
 * host (`id->why` empty), or a refused handshake to be recorded
 * (`id->why` says why; the descriptor carries nothing).  The server owns
 * `fd` from then on.
 */
typedef void tls_adopt_fn(void *arg, int fd, const struct tls_id *id);

/*
 * As root: binds cfg->tls_listen and loads the certificate, its key, the
 * client CA and the CRL.  0 and *out, or -1 after logging why.
 */
int tls_listen(const struct config *cfg, struct tls_server **out);
/* The listening descriptor, for the server's poll. */
int tls_fd(const struct tls_server *ts);
/*
 * Accepts what is waiting (a bounded batch) and starts a thread per
 * connection, at most tls_connections at a time (others are closed).
 */
void tls_accept(struct tls_server *ts, tls_adopt_fn *adopt, void *arg);
/*
 * Reads tls_crl again (as authd's own user: the file must be readable by
 * it) into a new context for new connections, and closes every host's
 * connection so that each is verified again against the new list.  The
 * CRL in force stays when the file cannot be read or holds no CRL.  0
 * (`err` says what was done; nothing when there is no tls_crl), or -1
 * with `err` saying why.  Accepts NULL.
 */
int tls_reload_crl(struct tls_server *ts, char *err, size_t errsz);
/*
 * Stops accepting, shuts down every TLS connection and waits for their
 * threads; then frees `ts`.  Accepts NULL.
 */
void tls_free(struct tls_server *ts);

/*
 * "NAME" from a certificate: the first DNS subjectAltName, else the
 * common name, if it is a host name ([A-Za-z0-9.-], at most 253 bytes),
 * into `out` in lower case.  0, or -1 when it has none.
 */
int tls_cert_name(X509 *cert, char *out, size_t outsz);
/* The first 16 hex digits of the certificate's SHA-256, into out[17]. */
int tls_cert_fp(X509 *cert, char out[17]);

/*
 * Waits for `fd` as OpenSSL asked (`e`: SSL_ERROR_WANT_READ or _WRITE)
 * until `deadline` (mono_ms()).  0 when ready, -1 on any other `e`, an
 * error or the deadline.
 */
int tls_wait(int fd, int e, int64_t deadline);

/*
 * Splits "NAME:PORT" or "[ADDRESS]:PORT" into `host` (hostsz bytes) and
 * `port` (8 bytes).  0, or -1 with `err` (errsz bytes) saying why.
 */
int tls_hostport(const char *s, char *host, size_t hostsz, char *port,
    char *err, size_t errsz);

#endif
