/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "slog.h"
#include "util.h"

#define SLOG_MAX	4096

struct slog {
	struct sockaddr_un	 sun;
	int			 fd;
	int			 facility;
	char			 host[256];
	unsigned long		 dropped;
};

int
slog_facility(const char *name, int *out)
{
	static const struct { const char *n; int f; } tab[] = {
		{ "authpriv", LOG_AUTHPRIV }, { "auth", LOG_AUTH },
		{ "daemon", LOG_DAEMON }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].n, name) == 0) {
			*out = tab[i].f;
			return 0;
		}
	return -1;
}

struct slog *
slog_open(const char *path, int facility, const char *host)
{
	struct slog *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->fd = -1;
	s->facility = facility;
	s->sun.sun_family = AF_UNIX;
	snprintf(s->sun.sun_path, sizeof(s->sun.sun_path), "%s", path);
	snprintf(s->host, sizeof(s->host), "%s", host);
	return s;
}

void
slog_close(struct slog *s)
{
	if (s == NULL)
		return;
	if (s->dropped)
		log_warn("syslog: %lu audit copies could not be sent",
		    s->dropped);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

void
slog_param(char *sd, size_t sz, const char *name, const char *value)
{
	size_t o = strlen(sd);
	const char *p;

	if (value == NULL || o + strlen(name) + 4 >= sz)
		return;
	o += (size_t)snprintf(sd + o, sz - o, " %s=\"", name);
	for (p = value; *p && o + 3 < sz; p++) {
		/* RFC 5424 6.3.3: escape '"', '\' and ']'. */
		if (*p == '"' || *p == '\\' || *p == ']')
			sd[o++] = '\\';
		sd[o++] = *p;
	}
	sd[o++] = '"';
	sd[o] = '\0';
}

void
slog_send(struct slog *s, const char *msgid, const char *sd, const char *msg)
{
	char line[SLOG_MAX], ts[32];
	struct timespec now;
	struct tm tm;
	int n, attempt;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "<%d>1 %s.%03ldZ %s authd %d %s %s %s",
	    s->facility | LOG_INFO, ts, now.tv_nsec / 1000000, s->host,
	    (int)getpid(), msgid, sd ? sd : "-", msg ? msg : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	for (attempt = 0; attempt < 2; attempt++) {
		if (s->fd < 0) {
			s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, 0);
			if (s->fd >= 0 && connect(s->fd,
			    (struct sockaddr *)&s->sun, sizeof(s->sun)) != 0) {
				close(s->fd);
				s->fd = -1;
			}
			if (s->fd < 0)
				break;
		}
		if (send(s->fd, line, (size_t)n, MSG_DONTWAIT |
		    MSG_NOSIGNAL) == n)
			return;
		/* The receiver may have restarted: reconnect once. */
		close(s->fd);
		s->fd = -1;
	}
	if (s->dropped++ == 0)
		log_warn("syslog: cannot send audit copies to %s: %s",
		    s->sun.sun_path, strerror(errno));
}
