/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_RELAY_H
#define AUTHD_RELAY_H

#include <stddef.h>

/*
 * Relay mode (relay.c): authd on a pilot host, set by relay_servers.  It
 * holds no token, database, directory or policy: it serves the local PAM
 * socket (the PAM module is the same) and forwards each PAM request over
 * TLS 1.3, with the host's client certificate, to the first central node
 * in relay_servers that answers, within the time the client said it
 * waits (WAIT); the WAIT it forwards is what is left of that attempt, so
 * a central node never commits an allow nobody waits for.  Its admin
 * socket answers `authctl ping` (which node answered, as which host) and
 * `authctl status` (each server's state and last error).  Connections are kept warm (a handshake
 * is never on a login's path while a server is up), idle ones are pinged
 * every relay_keepalive seconds, every address of each name is tried,
 * and a server that fails (refused, timed out, a certificate not from
 * relay_ca, not for its name, or expired) is left alone for relay_backoff
 * seconds.  When no server answers, the client gets an error (the module
 * then returns PAM_AUTHINFO_UNAVAIL): there is no fail-open.
 */

struct config;

/*
 * Checks a relay_servers value: 1..RELAY_SERVERS_MAX words "NAME:PORT"
 * (or "[ADDRESS]:PORT").  0, or -1 with `err` (errsz bytes) saying why.
 */
#define RELAY_SERVERS_MAX	8
int relay_servers_check(const char *servers, char *err, size_t errsz);

/*
 * Runs authd as a relay with `cfg` until SIGTERM/SIGINT: binds the PAM
 * socket and reads the host key as root, drops to cfg->user, serves.
 * Returns the process's exit status.
 */
int relay_main(struct config *cfg);

#endif
