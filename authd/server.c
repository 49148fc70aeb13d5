/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "log.h"
#include "proto.h"
#include "reason.h"
#include "server.h"
#include "sock.h"
#include "util.h"

struct conn {
	struct conn	*next, *prev;
	int		 fd;
	int		 admin;
	int		 busy;		/* owned by a worker */
	int		 keep;		/* worker's verdict */
	uint8_t		 hdr[4];
	size_t		 hdr_got;
	uint8_t		*body;
	size_t		 body_len, body_got;
	int		 frame_err;
	int64_t		 deadline;	/* idle or partial-frame deadline */
};

struct server {
	struct authd	*ad;
	struct conn	*conns;
	size_t		 nconns;
	/* job queue */
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct conn	**queue;
	size_t		 qcap, qhead, qlen;
	int		 shutdown;
	int		 done_pipe[2];	/* workers -> listener: finished conns */
	size_t		 conn_max;	/* connections_max, within the fd limit */
	int64_t		 accept_pause_until;	/* after EMFILE */
	int64_t		 emfile_logged, limit_logged;
};

static volatile sig_atomic_t got_stop, got_hup;
static int sig_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGTERM || sig == SIGINT)
		got_stop = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	(void)!write(sig_pipe[1], "s", 1);
	errno = saved;
}

int
server_listen(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	/* Remove a stale socket, but never anything that is not a socket. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("%s exists and is not a socket", path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	/* The mode comes from the umask at bind: no chmod by path. */
	old = umask(0111);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r != 0 || listen(fd, SOMAXCONN) != 0) {
		log_err("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
conn_reset(struct conn *c, int64_t idle_deadline)
{
	if (c->body != NULL)
		secure_free(c->body, c->body_len);
	c->body = NULL;
	c->body_len = c->body_got = c->hdr_got = 0;
	c->frame_err = 0;
	c->busy = 0;
	c->deadline = idle_deadline;
}

static void
conn_close(struct server *sv, struct conn *c)
{
	conn_reset(c, 0);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		sv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	sv->nconns--;
	free(c);
}

/* Tells a client we cannot take its request, without waiting; closes. */
static void
refuse(struct server *sv, struct conn *c, const char *why)
{
	(void)reply_error(c->fd, 0, RSN_BUSY, why, mono_ms());
	conn_close(sv, c);
}

static int
enqueue(struct server *sv, struct conn *c)
{
	pthread_mutex_lock(&sv->mtx);
	if (sv->qlen == sv->qcap) {
		pthread_mutex_unlock(&sv->mtx);
		return -1;
	}
	sv->queue[(sv->qhead + sv->qlen) % sv->qcap] = c;
	sv->qlen++;
	c->busy = 1;
	pthread_cond_signal(&sv->cv);
	pthread_mutex_unlock(&sv->mtx);
	return 0;
}

/* Reads what is available of the current frame; enqueues it when whole. */
static void
conn_read(struct server *sv, struct conn *c)
{
	const struct config *cfg = sv->ad->cfg;
	uint32_t len;
	ssize_t n;

	/* A client that trickles a frame gets no more than its deadline. */
	if ((c->hdr_got > 0 || c->body_got > 0) && c->deadline <= mono_ms()) {
		log_warn("client too slow sending a request; closing");
		conn_close(sv, c);
		return;
	}
	for (;;) {
		if (c->hdr_got < sizeof(c->hdr))
			n = recv(c->fd, c->hdr + c->hdr_got,
			    sizeof(c->hdr) - c->hdr_got, MSG_DONTWAIT);
		else
			n = recv(c->fd, c->body + c->body_got,
			    c->body_len - c->body_got, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(sv, c);
			return;
		}
		if (c->hdr_got == 0 && c->body_got == 0)
			c->deadline = mono_ms() + cfg->request_timeout;
		if (c->hdr_got < sizeof(c->hdr)) {
			c->hdr_got += (size_t)n;
			if (c->hdr_got < sizeof(c->hdr))
				continue;
			len = (uint32_t)c->hdr[0] << 24 |
			    (uint32_t)c->hdr[1] << 16 |
			    (uint32_t)c->hdr[2] << 8 | c->hdr[3];
			/* SECURITY NOTE: size checked before allocating. */
			if (len > PROTO_FRAME_MAX || len < PROTO_HDR_LEN) {
				c->frame_err = len > PROTO_FRAME_MAX ?
				    AUTHD_ERR_TOO_LARGE : AUTHD_ERR_TRUNCATED;
				break;
			}
			if ((c->body = malloc(len)) == NULL) {
				conn_close(sv, c);
				return;
			}
			c->body_len = len;
			continue;
		}
		c->body_got += (size_t)n;
		if (c->body_got == c->body_len)
			break;
	}
	if (enqueue(sv, c) != 0) {
		log_warn("request queue full (%zu); refusing a request",
		    sv->qcap);
		refuse(sv, c, "authd is busy");
	}
}

static void
do_accept(struct server *sv, int lfd, int admin)
{
	const struct config *cfg = sv->ad->cfg;
	struct ucred peer;
	struct conn *c;
	unsigned long held;
	int fd, allowed;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0) {
		/*
		 * SECURITY NOTE: a peer that may not use this socket is
		 * turned away at once, so it cannot hold connection slots
		 * that root and the admins need.
		 */
		allowed = handler_peer_allowed(sv->ad, fd, admin, &peer);
		if (!allowed && !handler_refusal_due(peer.uid, admin, &held)) {
			/* Refused again within the minute: answer, close. */
			(void)reply_error(fd, 0, RSN_FORBIDDEN,
			    "permission denied", mono_ms());
			close(fd);
			continue;
		}
		if (sv->nconns >= sv->conn_max) {
			if (mono_ms() >= sv->limit_logged + 60000) {
				log_warn("connection limit (%zu) reached; "
				    "refusing", sv->conn_max);
				sv->limit_logged = mono_ms();
			}
			close(fd);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->admin = admin;
		c->deadline = mono_ms() + cfg->idle_timeout * 1000;
		c->next = sv->conns;
		if (sv->conns)
			sv->conns->prev = c;
		sv->conns = c;
		sv->nconns++;
		if (!allowed) {
			/* A worker answers "forbidden", audits and closes. */
			c->frame_err = AUTHD_ERR_PERM;
			if (enqueue(sv, c) != 0)
				conn_close(sv, c);
		}
	}
	if (errno == EMFILE || errno == ENFILE) {
		/*
		 * Out of descriptors: the pending connection stays in the
		 * backlog and poll would wake at once, forever.  Stop looking
		 * at the listeners for a moment instead of spinning.
		 */
		sv->accept_pause_until = mono_ms() + 200;
		if (mono_ms() >= sv->emfile_logged + 60000) {
			log_warn("out of file descriptors; accepting again "
			    "shortly");
			sv->emfile_logged = mono_ms();
		}
	}
}

struct worker_arg {
	struct server	*sv;
	struct worker	 w;
	pthread_t	 th;
};

static void *
worker_loop(void *arg)
{
	struct worker_arg *wa = arg;
	struct server *sv = wa->sv;
	struct conn *c;

	for (;;) {
		pthread_mutex_lock(&sv->mtx);
		while (sv->qlen == 0 && !sv->shutdown)
			pthread_cond_wait(&sv->cv, &sv->mtx);
		if (sv->qlen == 0) {
			pthread_mutex_unlock(&sv->mtx);
			break;
		}
		c = sv->queue[sv->qhead];
		sv->qhead = (sv->qhead + 1) % sv->qcap;
		sv->qlen--;
		pthread_mutex_unlock(&sv->mtx);

		c->keep = handler_run(&wa->w, c->fd, c->admin, c->body,
		    c->body_len, c->frame_err) == 0;
		/* Hand the connection back to the listener. */
		while (write(sv->done_pipe[1], &c, sizeof(c)) < 0 &&
		    errno == EINTR)
			;
	}
	return NULL;
}

/* Collects connections the workers have finished with. */
static void
collect_done(struct server *sv)
{
	struct conn *c;
	ssize_t n;

	while ((n = read(sv->done_pipe[0], &c, sizeof(c))) == sizeof(c)) {
		if (c->keep && !got_stop)
			conn_reset(c, mono_ms() +
			    sv->ad->cfg->idle_timeout * 1000);
		else
			conn_close(sv, c);
	}
}

/*
 * Every connection is a descriptor: keep connections_max below the
 * process's limit, with room for the database, LDAP and logs.
 */
static void
clamp_connections(const struct config *cfg, size_t *max)
{
	struct rlimit rl;
	size_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	room = rl.rlim_cur > 64 + 4 * (rlim_t)cfg->workers ?
	    (size_t)(rl.rlim_cur - 64 - 4 * (rlim_t)cfg->workers) : 4;
	if (*max > room) {
		log_warn("connections_max %zu exceeds what %llu file "
		    "descriptors allow; using %zu", *max,
		    (unsigned long long)rl.rlim_cur, room);
		*max = room;
	}
}

static size_t
busy_count(struct server *sv)
{
	struct conn *c;
	size_t n = 0;

	for (c = sv->conns; c != NULL; c = c->next)
		n += c->busy;
	return n;
}

static int
start_workers(struct server *sv, struct worker_arg *wa, size_t n)
{
	struct authd *ad = sv->ad;
	size_t i;

	for (i = 0; i < n; i++) {
		wa[i].sv = sv;
		wa[i].w.ad = ad;
		wa[i].w.id = (int)i;
		if (store_open(ad->cfg->database, 0, &wa[i].w.st) != 0 ||
		    (wa[i].w.dir = dir_new(ad->cfg, ad->bindpw)) == NULL) {
			log_err("worker %zu: cannot open its database or "
			    "directory handle", i);
			return -1;
		}
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&wa[i].th, NULL, worker_loop, &wa[i]) != 0) {
			log_err("cannot start worker %zu", i);
			return -1;
		}
	return 0;
}

static void
stop_workers(struct server *sv, struct worker_arg *wa, size_t n)
{
	size_t i;

	pthread_mutex_lock(&sv->mtx);
	sv->shutdown = 1;
	pthread_cond_broadcast(&sv->cv);
	pthread_mutex_unlock(&sv->mtx);
	for (i = 0; i < n; i++) {
		if (wa[i].th)
			pthread_join(wa[i].th, NULL);
		store_close(wa[i].w.st);
		dir_free(wa[i].w.dir);
	}
}

int
server_run(struct authd *ad, int pam_fd, int admin_fd, int review_fd)
{
	const struct config *cfg = ad->cfg;
	struct server sv;
	struct worker_arg *wa = NULL;
	struct pollfd *pfd = NULL;
	struct conn **pconn = NULL, *c, *next;
	struct sigaction sa;
	size_t nw = (size_t)cfg->workers, maxp, np, i, conn_max;
	int64_t now, wake, wake_cap = 0, next_overdue;
	int n, ret = -1, stopping = 0, paused;
	char sb[16];

	memset(&sv, 0, sizeof(sv));
	sv.ad = ad;
	sv.qcap = (size_t)cfg->queue_max;
	sv.done_pipe[0] = sv.done_pipe[1] = -1;
	pthread_mutex_init(&sv.mtx, NULL);
	pthread_cond_init(&sv.cv, NULL);
	conn_max = (size_t)cfg->connections_max;
	clamp_connections(cfg, &conn_max);
	sv.conn_max = conn_max;
	maxp = 5 + conn_max;	/* two pipes, three listeners, the clients */
	if ((sv.queue = calloc(sv.qcap, sizeof(*sv.queue))) == NULL ||
	    (wa = calloc(nw, sizeof(*wa))) == NULL ||
	    (pfd = calloc(maxp, sizeof(*pfd))) == NULL ||
	    (pconn = calloc(maxp, sizeof(*pconn))) == NULL ||
	    pipe2(sv.done_pipe, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		goto out;
	/* A worker's hand-back must never be lost: block rather than drop. */
	(void)fcntl(sv.done_pipe[1], F_SETFL, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (start_workers(&sv, wa, nw) != 0)
		goto stop;
	log_notice("serving with %zu workers", nw);
	next_overdue = mono_ms() + 5000;
	for (;;) {
		collect_done(&sv);
		if (!stopping && mono_ms() >= next_overdue) {
			review_log_overdue(ad);
			next_overdue = mono_ms() + 86400 * 1000;
		}
		if (got_stop && !stopping) {
			stopping = 1;
			log_notice("stopping: finishing %zu requests in hand",
			    busy_count(&sv));
			close(pam_fd);
			close(admin_fd);
			close(review_fd);
			pam_fd = admin_fd = review_fd = -1;
			for (c = sv.conns; c != NULL; c = next) {
				next = c->next;
				if (!c->busy)
					conn_close(&sv, c);
			}
		}
		if (stopping && busy_count(&sv) == 0)
			break;
		np = 0;
		pfd[np].fd = sig_pipe[0];
		pfd[np++].events = POLLIN;
		pfd[np].fd = sv.done_pipe[0];
		pfd[np++].events = POLLIN;
		now = mono_ms();
		if (!stopping) {
			paused = now < sv.accept_pause_until;
			pfd[np].fd = paused ? -1 : pam_fd;
			pfd[np++].events = POLLIN;
			pfd[np].fd = paused ? -1 : admin_fd;
			pfd[np++].events = POLLIN;
			pfd[np].fd = paused ? -1 : review_fd;
			pfd[np++].events = POLLIN;
			if (paused && sv.accept_pause_until < now + 1000)
				wake_cap = sv.accept_pause_until;
		}
		wake = wake_cap != 0 && wake_cap < now + 1000 ? wake_cap :
		    now + 1000;
		wake_cap = 0;
		for (c = sv.conns; c != NULL && np < maxp; c = c->next) {
			if (c->busy)
				continue;
			if (c->deadline < wake)
				wake = c->deadline;
			pconn[np] = c;
			pfd[np].fd = c->fd;
			pfd[np++].events = POLLIN;
		}
		n = poll(pfd, np, wake > now ? (int)(wake - now) : 0);
		if (n < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			while (read(sig_pipe[0], sb, sizeof(sb)) > 0)
				;
			if (got_hup && !got_stop) {
				got_hup = 0;
				(void)pol_reload(ad, "SIGHUP", NULL, 0);
			}
		}
		if (!stopping && n > 0) {
			if (pfd[2].revents & POLLIN)
				do_accept(&sv, pam_fd, 0);
			if (pfd[3].revents & POLLIN)
				do_accept(&sv, admin_fd, SOCK_ADMIN);
			if (pfd[4].revents & POLLIN)
				do_accept(&sv, review_fd, SOCK_REVIEW);
		}
		/* Connections: data, hang-ups, and deadlines. */
		now = mono_ms();
		for (i = stopping ? 2 : 5; i < np; i++) {
			c = pconn[i];
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(&sv, c);
			else if (c->deadline <= now) {
				if (c->hdr_got > 0)
					log_warn("client too slow sending a "
					    "request; closing");
				conn_close(&sv, c);
			}
		}
	}
	ret = 0;
 stop:
	stop_workers(&sv, wa, nw);
	collect_done(&sv);
	while (sv.conns != NULL)
		conn_close(&sv, sv.conns);
	log_notice("stopped");
 out:
	if (pam_fd >= 0)
		close(pam_fd);
	if (admin_fd >= 0)
		close(admin_fd);
	if (review_fd >= 0)
		close(review_fd);
	free(sv.queue);
	free(wa);
	free(pfd);
	free(pconn);
	for (i = 0; i < 2; i++) {
		if (sv.done_pipe[i] >= 0)
			close(sv.done_pipe[i]);
		if (sig_pipe[i] >= 0)
			close(sig_pipe[i]);
	}
	pthread_mutex_destroy(&sv.mtx);
	pthread_cond_destroy(&sv.cv);
	return ret;
}
