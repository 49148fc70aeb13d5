/* SPDX-License-Identifier: BSD-2-Clause */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

static int log_stderr = 1;
static int log_level = LOG_INFO;
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static char log_ident[32] = "authd";
static int log_facility = LOG_DAEMON;
static int log_off;

void
log_init(const char *ident, int to_stderr, int facility)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_stderr = to_stderr;
	log_facility = facility;
	if (!to_stderr)
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_set_ident(const char *ident)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	if (!log_stderr) {
		closelog();
		openlog(log_ident, LOG_PID | LOG_NDELAY, log_facility);
	}
}

void
log_silence(void)
{
	log_off = 1;
	if (!log_stderr)
		closelog();
}

void
log_set_level(int level)
{
	log_level = level;
}

/*
 * The process's time zone (TZ, tzset) is global.  Whoever changes it for a
 * moment (the policy loader, to read a zone's rules) and whoever reads it
 * (syslog(3) stamps local time) take this lock.
 */
static pthread_mutex_t tz_mtx = PTHREAD_MUTEX_INITIALIZER;

void
log_tz_lock(void)
{
	pthread_mutex_lock(&tz_mtx);
}

void
log_tz_unlock(void)
{
	pthread_mutex_unlock(&tz_mtx);
}

int
log_get_level(void)
{
	return log_level;
}

void
log_msg(int pri, const char *fmt, ...)
{
	static const char *const lv[] = { "emerg", "alert", "crit", "error",
	    "warning", "notice", "info", "debug" };
	char msg[2048], ts[32];
	struct tm tm;
	int64_t now;
	time_t t;
	va_list ap;

	if (pri > log_level || log_off)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!log_stderr) {
		/* syslog(3) reads the time zone rules; see log_tz_lock. */
		log_tz_lock();
		syslog(pri, "%s", msg);
		log_tz_unlock();
		return;
	}
	now = wall_ms();
	t = (time_t)(now / 1000);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_mtx);
	fprintf(stderr, "%s.%03dZ %s[%s]: %s\n", ts, (int)(now % 1000),
	    log_ident, lv[pri & 7], msg);
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
}
