/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_LOG_H
#define AUTHD_LOG_H

#include <syslog.h>

/*
 * Logging for authd and authctl (the PAM module uses pam_syslog).  In the
 * foreground lines go to stderr with a UTC timestamp; otherwise to syslog
 * without LOG_CONS, so a machine without a syslog daemon does not pay for
 * console writes.  Never pass a secret or a one-time code.
 */

/* Sets the identity, destination (1 = stderr) and facility. */
void log_init(const char *ident, int to_stderr, int facility);
/* Changes the identity the lines carry (a process forked off). */
void log_set_ident(const char *ident);
/*
 * From now on nothing is logged: syslog's socket is closed, stderr no
 * longer written (a process about to close its descriptors).
 */
void log_silence(void);
/* Messages above `level` (LOG_ERR..LOG_DEBUG) are dropped. */
void log_set_level(int level);
int log_get_level(void);
/* Serialises use of the process's time zone (TZ and tzset). */
void log_tz_lock(void);
void log_tz_unlock(void);

void log_msg(int pri, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
