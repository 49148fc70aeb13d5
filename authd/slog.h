/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_SLOG_H
#define AUTHD_SLOG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Audit copies to syslog, as RFC 5424 lines written straight to a datagram
 * socket (default /dev/log), so a SIEM sees every record and every
 * checkpoint, and a gap in sequence numbers shows.  Sending never blocks: a
 * missing or full syslog loses the copy, never the record, which is
 * already durable in the database.  A lost copy is an alarm: logged at
 * once, then counted and logged at most once a minute while losses go on,
 * and counted since start for `authctl status`.
 */

struct slog;

/* facility: a syslog facility name (authpriv, auth, local0..local7). */
int slog_facility(const char *name, int *out);

/* Opens a sender for `path`; NULL on allocation failure only. */
struct slog *slog_open(const char *path, int facility, const char *host);
void slog_close(struct slog *s);

/*
 * Sends one line: MSGID `msgid`, structured data `sd` (already formatted,
 * may be NULL), and free text `msg`.
 */
void slog_send(struct slog *s, const char *msgid, const char *sd,
    const char *msg);

/*
 * The same in batches: slog_queue formats a line (sending the queue first
 * when it is full), slog_flush sends what is queued with as few system
 * calls as the receiver allows, in order.  One thread per slog.
 */
void slog_queue(struct slog *s, const char *msgid, const char *sd,
    const char *msg);
void slog_flush(struct slog *s);

/*
 * Counts `n` copies lost for a reason of the caller's (`why`, e.g. a full
 * queue) and raises the alarm as for copies that could not be sent.  On
 * the sending thread.
 */
void slog_drop(struct slog *s, unsigned long n, const char *why);

/*
 * Logs the losses counted since the last alarm line once that is a
 * minute old.  The sending thread calls it about once a second, so that
 * the count is logged even when nothing more is sent.
 */
void slog_tick(struct slog *s);

/* The copies sent and lost since slog_open.  Any thread. */
void slog_counts(struct slog *s, unsigned long *sent, unsigned long *lost);

/* Appends ` name="value"` to `sd` (size `sz`) with RFC 5424 escaping. */
void slog_param(char *sd, size_t sz, const char *name, const char *value);

#endif
