/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
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

/* Lines queued for one sendmmsg(); more are sent in further calls. */
#define SLOG_BATCH	32
/* After a failed connect, copies are dropped for this long (ms). */
#define SLOG_RETRY_MS	1000
/*
 * How long one flush may wait for a full receiver to make room (ms): a
 * syslog daemon that drains its socket loses nothing; one that stalls
 * costs each commit this much at most, then the copies are dropped.
 */
#define SLOG_WAIT_MS	20
/* Lost copies are logged at once, then at most once per this (ms). */
#define SLOG_ALARM_MS	60000

struct slog {
	struct sockaddr_un	 sun;
	int			 fd;
	int			 facility;
	int			 pid;		/* authd does not fork once serving */
	char			 host[256];
	int64_t			 retry_at;	/* mono_ms(): connect again */
	/* Since start; read by any thread (slog_counts). */
	atomic_ulong		 sent, lost;
	/* The loss alarm, owned by the sending thread. */
	unsigned long		 unreported;	/* lost since the last line */
	char			 why[128];	/* what failed last */
	int64_t			 last_line;	/* mono_ms() of it, 0: none */
	int			 alarmed;	/* a loss line, no recovery yet */
	char			(*buf)[SLOG_MAX];
	size_t			 len[SLOG_BATCH];
	size_t			 nq;
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
	if ((s->buf = malloc(SLOG_BATCH * sizeof(*s->buf))) == NULL) {
		free(s);
		return NULL;
	}
	s->fd = -1;
	s->pid = (int)getpid();
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
	if (atomic_load(&s->lost) > 0)
		log_warn("syslog: %lu audit copies could not be sent",
		    atomic_load(&s->lost));
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
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
slog_counts(struct slog *s, unsigned long *sent, unsigned long *lost)
{
	*sent = atomic_load(&s->sent);
	*lost = atomic_load(&s->lost);
}

void
slog_tick(struct slog *s)
{
	int64_t now = mono_ms();

	/*
	 * SECURITY NOTE: a lost copy is an alarm (someone may be silencing
	 * the SIEM's view of the trail): the first loss after a quiet
	 * minute is logged at once, and later ones are counted and logged
	 * once a minute, so that a dead syslog cannot flood authd's log.
	 */
	if (s->unreported == 0 || (s->last_line != 0 &&
	    now - s->last_line < SLOG_ALARM_MS))
		return;
	if (s->alarmed)
		log_err("syslog: audit copies lost: %lu more in the last "
		    "%lld s, %lu since start (%s)", s->unreported,
		    (long long)((now - s->last_line + 500) / 1000),
		    atomic_load(&s->lost), s->why);
	else
		log_err("syslog: audit copies lost: %lu could not be sent "
		    "(%s), %lu since start; the records are kept in the "
		    "database", s->unreported, s->why, atomic_load(&s->lost));
	s->unreported = 0;
	s->last_line = now;
	s->alarmed = 1;
}

void
slog_drop(struct slog *s, unsigned long n, const char *why)
{
	if (n == 0)
		return;
	atomic_fetch_add(&s->lost, n);
	s->unreported += n;
	snprintf(s->why, sizeof(s->why), "%s", why);
	slog_tick(s);
}

/* Copies got through: the end of a loss alarm, if one was raised. */
static void
slog_sent(struct slog *s, size_t n)
{
	atomic_fetch_add(&s->sent, n);
	if (!s->alarmed || s->unreported > 0)
		return;
	log_notice("syslog: audit copies reach %s again (%lu lost since "
	    "start)", s->sun.sun_path, atomic_load(&s->lost));
	s->alarmed = 0;
}

/* Connects if need be; 0 when s->fd can be used. */
static int
slog_connect(struct slog *s)
{
	if (s->fd >= 0)
		return 0;
	/* A missing syslog costs one failed connect a second, no more. */
	if (mono_ms() < s->retry_at)
		return -1;
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd >= 0 && connect(s->fd, (struct sockaddr *)&s->sun,
	    sizeof(s->sun)) != 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->fd < 0) {
		s->retry_at = mono_ms() + SLOG_RETRY_MS;
		return -1;
	}
	return 0;
}

void
slog_flush(struct slog *s)
{
	struct mmsghdr mh[SLOG_BATCH];
	struct iovec iov[SLOG_BATCH];
	size_t i, done = 0;
	int64_t deadline, left;
	int n, attempt, err = 0;

	memset(mh, 0, sizeof(mh));
	for (i = 0; i < s->nq; i++) {
		iov[i].iov_base = s->buf[i];
		iov[i].iov_len = s->len[i];
		mh[i].msg_hdr.msg_iov = &iov[i];
		mh[i].msg_hdr.msg_iovlen = 1;
	}
	deadline = mono_ms() + SLOG_WAIT_MS;
	for (attempt = 0; attempt < 2 && done < s->nq; attempt++) {
		if (slog_connect(s) != 0) {
			err = errno;
			break;
		}
		while (done < s->nq) {
			n = sendmmsg(s->fd, mh + done, (unsigned)(s->nq - done),
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
			    (left = deadline - mono_ms()) > 0) {
				/* The receiver's queue is full: let it drain. */
				struct pollfd p = { s->fd, POLLOUT, 0 };

				if (poll(&p, 1, (int)left) >= 0)
					continue;
			}
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		if (done == s->nq)
			break;
		err = errno;
		/* A stalled receiver drops copies; a restarted one is redialled. */
		if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
			break;
		close(s->fd);
		s->fd = -1;
	}
	if (done > 0)
		slog_sent(s, done);
	if (done < s->nq) {
		char why[128];

		snprintf(why, sizeof(why), "to %s: %s", s->sun.sun_path,
		    strerror(err));
		slog_drop(s, s->nq - done, why);
	}
	s->nq = 0;
}

void
slog_queue(struct slog *s, const char *msgid, const char *sd, const char *msg)
{
	char ts[32];
	struct timespec now;
	struct tm tm;
	int n;

	if (s->nq == SLOG_BATCH)
		slog_flush(s);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(s->buf[s->nq], SLOG_MAX, "<%d>1 %s.%03ldZ %s authd %d "
	    "%s %s %s", s->facility | LOG_INFO, ts, now.tv_nsec / 1000000,
	    s->host, s->pid, msgid, sd ? sd : "-", msg ? msg : "");
	if (n < 0)
		return;
	s->len[s->nq++] = (size_t)n >= SLOG_MAX ? SLOG_MAX - 1 : (size_t)n;
}

void
slog_send(struct slog *s, const char *msgid, const char *sd, const char *msg)
{
	slog_queue(s, msgid, sd, msg);
	slog_flush(s);
}
