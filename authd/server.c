/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "budget.h"
#include "handler.h"
#include "keeper.h"
#include "log.h"
#include "proto.h"
#include "reason.h"
#include "server.h"
#include "sock.h"
#include "tls.h"
#include "util.h"

/*
 * Who may touch what.  A connection is either armed in the epoll set (no
 * thread holds it) or held by exactly one worker: EPOLLONESHOT hands each
 * readiness to one leader and disarms the descriptor until it is armed
 * again (`busy` while its request is served).  The list, the counts,
 * `busy`, `closing` and the deadline of a connection nobody holds are
 * under sv->mtx; the frame state belongs to the holder.  Only the holder
 * closes a descriptor, and it does so under sv->mtx, so the main thread's
 * shutdown() of an idle connection never reaches a descriptor number that
 * was reused.
 */

/* Readiness events a leader takes at once. */
#define LEAD_EVENTS	64
/* Connections accepted from one listener before the others get a turn. */
#define ACCEPT_BATCH	32

struct conn {
	struct conn	*next, *prev;
	struct server	*sv;
	int		 fd;
	int		 admin;		/* SOCK_*: where it arrived */
	struct ucred	 peer;		/* SO_PEERCRED, read at accept */
	/*
	 * Refused at accept (AUTHD_ERR_PERM or _TOO_MANY, in frame_err): it
	 * holds one of the budget's refusal connections, not a share, and
	 * only carries the refusal to a worker to be recorded.
	 */
	int		 refusing;
	unsigned long	 held;		/* refusals held back before it */
	struct tls_id	*tls;		/* SOCK_TLS: its host (tls.h) */
	int		 busy;		/* held by a worker */
	int		 closing;	/* shut down; its holder closes it */
	uint8_t		 hdr[4];
	size_t		 hdr_got;
	uint8_t		*body;
	size_t		 body_len, body_got;
	int		 frame_err;
	int64_t		 deadline;	/* idle or partial-frame deadline */
};

struct server {
	struct authd	*ad;
	pthread_mutex_t	 mtx;
	struct conn	*conns;
	size_t		 nconns, nbusy;
	size_t		 conn_max;	/* connections_max, within the fd limit */
	atomic_int	 stopping;
	int		 ep;		/* the workers' epoll set */
	int		 stop_fd;	/* eventfd: level-triggered, all workers */
	int		 poke_fd;	/* eventfd: workers -> main: deadlines */
	int64_t		 accept_pause_until;	/* after EMFILE */
	int64_t		 emfile_logged;
	/*
	 * Leader and followers.  One worker at a time, the leader (holding
	 * lead_mtx), waits for readiness and serves the whole batch it gets,
	 * so that a burst of requests costs one wake-up rather than one per
	 * request, and the other workers sleep on the mutex instead of being
	 * woken one by one for nothing.  Before anything that may wait (a
	 * commit, the directory, a socket: will_block()), it passes the rest
	 * of its batch (`stash`) and the lead to the next worker; a request
	 * waiting for the directory thus never holds up another.
	 */
	pthread_mutex_t	 lead_mtx;
	struct epoll_event stash[LEAD_EVENTS];	/* under lead_mtx */
	int		 nstash;
};

/* What reading a connection gave. */
enum { READ_WHOLE, READ_PARTIAL, READ_CLOSED };

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
conn_reset(struct conn *c)
{
	if (c->body != NULL)
		secure_free(c->body, c->body_len);
	c->body = NULL;
	c->body_len = c->body_got = c->hdr_got = 0;
	c->frame_err = 0;
}

static void
poke(struct server *sv)
{
	uint64_t one = 1;

	(void)!write(sv->poke_fd, &one, sizeof(one));
}

/* Idle connections: the review socket, which anyone may reach, waits less. */
static int64_t
idle_deadline(const struct server *sv, int kind)
{
	const struct config *cfg = sv->ad->cfg;

	return mono_ms() + (kind == SOCK_REVIEW ? cfg->review_idle_timeout :
	    cfg->idle_timeout) * 1000;
}

/* The holder closes `c` (its descriptor leaves the epoll set with it). */
static void
conn_close(struct server *sv, struct conn *c)
{
	if (c->admin == SOCK_TLS)
		;	/* tls_connections bounds these, not the budget */
	else if (c->refusing)
		budget_refusal_put(sv->ad->budget);
	else
		budget_conn_put(sv->ad->budget, c->admin, c->peer.uid);
	pthread_mutex_lock(&sv->mtx);
	if (c->prev)
		c->prev->next = c->next;
	else
		sv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	sv->nconns--;
	if (c->busy)
		sv->nbusy--;
	close(c->fd);
	pthread_mutex_unlock(&sv->mtx);
	conn_reset(c);
	free(c->tls);
	free(c);
	if (atomic_load(&sv->stopping))
		poke(sv);
}

/*
 * Arms `c` (`op`: EPOLL_CTL_ADD or _MOD) for one readiness of `events`;
 * the leader that takes that readiness holds it.  On failure nobody can hold it, so
 * it is closed here.
 */
static void
conn_arm(struct server *sv, struct conn *c, int op, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events | EPOLLONESHOT;
	ev.data.ptr = c;
	if (epoll_ctl(sv->ep, op, c->fd, &ev) != 0) {
		log_err("epoll: %s", strerror(errno));
		conn_close(sv, c);
	}
}

/*
 * The holder gives `c` back: armed for its next request, with `deadline`
 * for it to arrive by.  While authd stops, it is closed instead.
 */
static void
conn_release(struct server *sv, struct conn *c, int64_t deadline)
{
	pthread_mutex_lock(&sv->mtx);
	if (atomic_load(&sv->stopping)) {
		pthread_mutex_unlock(&sv->mtx);
		conn_close(sv, c);
		return;
	}
	c->deadline = deadline;
	c->busy = 0;
	sv->nbusy--;
	pthread_mutex_unlock(&sv->mtx);
	conn_arm(sv, c, EPOLL_CTL_MOD, EPOLLIN);
}

/* Reads what is available of the current frame, without waiting. */
static int
conn_read(struct server *sv, struct conn *c)
{
	const struct config *cfg = sv->ad->cfg;
	uint32_t len;
	ssize_t n;

	/* A client that trickles a frame gets no more than its deadline. */
	if ((c->hdr_got > 0 || c->body_got > 0) && c->deadline <= mono_ms()) {
		log_warn("client too slow sending a request; closing");
		return READ_CLOSED;
	}
	/*
	 * Shut down before a leader held it (stop, idle deadline): a request
	 * that came meanwhile could not be answered, so it is not read.
	 * Nobody sets `closing` on a held connection; batch_hold's lock
	 * orders the write before this read.
	 */
	if (c->closing)
		return READ_CLOSED;
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
			return READ_PARTIAL;
		if (n <= 0)
			return READ_CLOSED;
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
				return READ_WHOLE;
			}
			if ((c->body = malloc(len)) == NULL)
				return READ_CLOSED;
			c->body_len = len;
			continue;
		}
		c->body_got += (size_t)n;
		if (c->body_got == c->body_len)
			return READ_WHOLE;
	}
}

struct worker_arg {
	struct server	*sv;
	struct worker	 w;
	pthread_t	 th;
	int		 leading;	/* holds sv->lead_mtx */
	struct epoll_event *rest;	/* of its batch, not served yet */
	int		 nrest;
};

/*
 * A leader takes the connections of a batch (sv->mtx): from now on the
 * main thread leaves them alone, also while they wait in a stash.
 */
static void
batch_hold(struct server *sv, const struct epoll_event *evs, int n)
{
	struct conn *c;
	int i;

	pthread_mutex_lock(&sv->mtx);
	for (i = 0; i < n; i++)
		if ((c = evs[i].data.ptr) != NULL) {
			c->busy = 1;
			sv->nbusy++;
		}
	pthread_mutex_unlock(&sv->mtx);
}

/* One readiness of one held connection: read, and answer a whole request. */
static void
serve(struct worker_arg *wa, struct conn *c)
{
	struct server *sv = wa->sv;
	uint8_t *body;
	size_t len;
	int keep, partial, frame_err;

	if (!c->refusing) {
		switch (conn_read(sv, c)) {
		case READ_CLOSED:
			conn_close(sv, c);
			return;
		case READ_PARTIAL:
			/*
			 * Part of a frame (or nothing): wait for the rest.  The
			 * main thread must then watch the frame's deadline.
			 */
			partial = c->hdr_got > 0;
			conn_release(sv, c, c->deadline);
			if (partial)
				poke(sv);
			return;
		default:
			break;
		}
	}
	/* The frame is this thread's: a deferred reply may outrun it. */
	body = c->body;
	len = c->body_len;
	frame_err = c->frame_err;
	c->body = NULL;
	conn_reset(c);
	/* A refused peer (c->refusing) is answered and closed. */
	keep = handler_run(&wa->w, c->fd, c->admin, &c->peer, c->tls, body,
	    len, frame_err, c->held, server_conn_done, c);
	if (body != NULL)
		secure_free(body, len);
	if (keep != HANDLER_DEFERRED)
		server_conn_done(c, keep == 0);
}

void
server_conn_done(void *conn, int keep)
{
	struct conn *c = conn;

	if (!keep || c->refusing)
		conn_close(c->sv, c);
	else
		conn_release(c->sv, c, idle_deadline(c->sv, c->admin));
}

/*
 * will_block() of a worker: if it leads, the rest of its batch and the
 * lead go to the next worker (the batch is handed over whole, in order).
 */
static void
lead_pass(void *arg)
{
	struct worker_arg *wa = arg;
	struct server *sv = wa->sv;

	if (!wa->leading)
		return;
	if (wa->nrest > 0)
		memcpy(sv->stash, wa->rest, (size_t)wa->nrest *
		    sizeof(*wa->rest));
	sv->nstash = wa->nrest;
	wa->nrest = 0;
	wa->leading = 0;
	pthread_mutex_unlock(&sv->lead_mtx);
}

static void *
worker_loop(void *arg)
{
	struct worker_arg *wa = arg;
	struct server *sv = wa->sv;
	struct epoll_event evs[LEAD_EVENTS];
	int i, n;

	will_block_hook(lead_pass, wa);
	for (;;) {
		if (!wa->leading) {
			pthread_mutex_lock(&sv->lead_mtx);
			wa->leading = 1;
		}
		if ((n = sv->nstash) > 0) {
			memcpy(evs, sv->stash, (size_t)n * sizeof(*evs));
			sv->nstash = 0;
		} else if ((n = epoll_wait(sv->ep, evs, LEAD_EVENTS,
		    -1)) < 0) {
			if (errno == EINTR)
				continue;
			log_err("worker %d: epoll: %s", wa->w.id,
			    strerror(errno));
			break;
		} else
			batch_hold(sv, evs, n);
		for (i = 0; i < n; i++) {
			wa->rest = evs + i + 1;
			wa->nrest = n - i - 1;
			/* stop_fd, level-triggered: every leader sees it. */
			if (evs[i].data.ptr == NULL)
				goto stop;
			serve(wa, evs[i].data.ptr);
			if (!wa->leading)
				break;	/* the rest went with the lead */
		}
		wa->nrest = 0;
	}
 stop:
	lead_pass(wa);
	will_block_hook(NULL, NULL);
	return NULL;
}

/*
 * Adds a connection the main thread accepted to the set: one that took
 * its budget (`refusal` 0), or one refused with `refusal` (AUTHD_ERR_PERM,
 * _TOO_MANY) that holds a refusal connection of the budget.  Either is
 * given back when it closes, here too if it cannot be added.
 */
static struct conn *
conn_add(struct server *sv, int fd, int admin, const struct ucred *peer,
    int refusal, unsigned long held, struct tls_id *tls)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		if (admin == SOCK_TLS)
			;
		else if (refusal)
			budget_refusal_put(sv->ad->budget);
		else
			budget_conn_put(sv->ad->budget, admin, peer->uid);
		close(fd);
		return NULL;
	}
	c->sv = sv;
	c->tls = tls;
	c->fd = fd;
	c->admin = admin;
	c->peer = *peer;
	c->deadline = idle_deadline(sv, admin);
	/* A worker answers, records the refusal and closes. */
	if (refusal) {
		c->refusing = 1;
		c->frame_err = refusal;
		c->held = held;
	}
	pthread_mutex_lock(&sv->mtx);
	c->next = sv->conns;
	if (sv->conns)
		sv->conns->prev = c;
	sv->conns = c;
	sv->nconns++;
	pthread_mutex_unlock(&sv->mtx);
	/* A socket is writable at once: the refusal needs no request. */
	conn_arm(sv, c, EPOLL_CTL_ADD, refusal ? EPOLLOUT : EPOLLIN);
	return c;
}

/*
 * tls_adopt_fn: one end of a socketpair whose other end a TLS thread
 * copies to and from a verified host (or a refused handshake to record,
 * `id->why`).  Called from the TLS threads: conn_add locks what it
 * shares, and epoll_ctl is safe from any thread.
 */
static void
tls_adopt(void *arg, int fd, const struct tls_id *id)
{
	struct server *sv = arg;
	struct ucred nobody = { 0, (uid_t)-1, (gid_t)-1 };
	struct tls_id *copy;
	struct conn *c;

	if ((copy = malloc(sizeof(*copy))) == NULL) {
		close(fd);
		return;
	}
	*copy = *id;
	pthread_mutex_lock(&sv->mtx);
	if (atomic_load(&sv->stopping)) {
		pthread_mutex_unlock(&sv->mtx);
		free(copy);
		close(fd);
		return;
	}
	pthread_mutex_unlock(&sv->mtx);
	if ((c = conn_add(sv, fd, SOCK_TLS, &nobody, id->why[0] ?
	    AUTHD_ERR_PERM : 0, id->held, copy)) == NULL)
		free(copy);
}

/*
 * Turns away a connection that may not use its socket (`why`
 * REFUSE_FORBIDDEN) or is over its budget (REFUSE_CONNECTION,
 * `verdict`).  Once a minute per uid a worker answers it and records the
 * refusal (with the number held back); the others are answered here,
 * without waiting, and closed.
 */
static void
refuse(struct server *sv, int fd, int kind, const struct ucred *peer,
    int why, int verdict)
{
	struct budget *b = sv->ad->budget;
	unsigned long held;

	if (peer_refusal_due(peer->uid, kind, why, &held)) {
		if (budget_refusal_take(b)) {
			(void)conn_add(sv, fd, kind, peer, why ==
			    REFUSE_FORBIDDEN ? AUTHD_ERR_PERM :
			    AUTHD_ERR_TOO_MANY, held, NULL);
			return;
		}
		/* Refusals of other uids fill the budget's: log this one. */
		log_warn("%s socket: refused uid %u (pid %d): %s; not audited: "
		    "other refusals are being recorded", peer_sock_name(kind),
		    (unsigned)peer->uid, (int)peer->pid, why ==
		    REFUSE_FORBIDDEN ? "not allowed" : verdict ==
		    BUDGET_UID_FULL ? "its connections are all taken" :
		    "the socket's connections are all taken");
	}
	if (why == REFUSE_FORBIDDEN)
		(void)reply_error(fd, 0, RSN_FORBIDDEN, "permission denied",
		    mono_ms());
	else
		(void)reply_error(fd, 0, RSN_BUSY, "too many connections; "
		    "try again later", mono_ms());
	close(fd);
}

static void
do_accept(struct server *sv, int lfd, int kind)
{
	struct ucred peer;
	int fd = -1, i, verdict;

	/*
	 * SECURITY NOTE: a bounded batch per listener and wake-up, so that
	 * a local user who connects in a loop to the review socket cannot
	 * keep the main thread from accepting on the PAM and admin sockets.
	 */
	for (i = 0; i < ACCEPT_BATCH; i++) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) < 0)
			break;
		/*
		 * SECURITY NOTE: a peer that may not use this socket is
		 * turned away at once, so it cannot hold connection slots
		 * that root and the admins need.
		 */
		if (!peer_allowed(sv->ad, fd, kind, &peer)) {
			refuse(sv, fd, kind, &peer, REFUSE_FORBIDDEN, 0);
			continue;
		}
		/*
		 * SECURITY NOTE: every connection comes out of its socket's
		 * share and its uid's budget: a local user who floods the
		 * review socket takes no capacity that logins and
		 * administrators need, nor all of the review socket's.
		 */
		if ((verdict = budget_conn_take(sv->ad->budget, kind,
		    peer.uid)) != BUDGET_OK) {
			refuse(sv, fd, kind, &peer, REFUSE_CONNECTION, verdict);
			continue;
		}
		(void)conn_add(sv, fd, kind, &peer, 0, 0, NULL);
	}
	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
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

/*
 * Shuts down every connection nobody holds whose deadline has passed (or
 * every one, `all`): its worker then reads the end and closes it.  Returns
 * the earliest deadline of those left.
 */
static int64_t
sweep(struct server *sv, int64_t now, int all)
{
	struct conn *c;
	int64_t next = INT64_MAX;

	pthread_mutex_lock(&sv->mtx);
	for (c = sv->conns; c != NULL; c = c->next) {
		if (c->busy || c->closing)
			continue;
		if (all || c->deadline <= now) {
			/* A partial frame's holder-to-be says so in the log. */
			(void)shutdown(c->fd, SHUT_RDWR);
			c->closing = 1;
		} else if (c->deadline < next)
			next = c->deadline;
	}
	pthread_mutex_unlock(&sv->mtx);
	return next;
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

static void
log_shares(const struct server *sv)
{
	const struct budget *b = sv->ad->budget;
	size_t pam, admin, review, web, pam_root, admin_root;

	pam = budget_share(b, SOCK_PAM, &pam_root);
	admin = budget_share(b, SOCK_ADMIN, &admin_root);
	review = budget_share(b, SOCK_REVIEW, NULL);
	web = budget_share(b, SOCK_WEB, NULL);
	log_info("connections: %zu in all; pam %zu (%zu of them root's), "
	    "admin %zu (%zu root's), review %zu, web %zu", sv->conn_max, pam,
	    pam_root, admin, admin_root, review, web);
}

static int
start_workers(struct server *sv, struct worker_arg *wa, size_t n)
{
	struct authd *ad = sv->ad;
	size_t i;

	struct store_params sp;

	store_params(ad->cfg, ad->dbpw, &sp);
	for (i = 0; i < n; i++) {
		wa[i].sv = sv;
		wa[i].w.ad = ad;
		wa[i].w.id = (int)i;
		if (store_open(&sp, 0, &wa[i].w.st) != 0 ||
		    store_attach_byuser(wa[i].w.st, ad->cfg->database,
		    0) != 0 ||
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
	uint64_t one = 1;
	size_t i;

	(void)!write(sv->stop_fd, &one, sizeof(one));
	for (i = 0; i < n; i++) {
		if (wa[i].th)
			pthread_join(wa[i].th, NULL);
		store_close(wa[i].w.st);
		dir_free(wa[i].w.dir);
	}
}

static size_t
conn_count(struct server *sv, size_t *busy)
{
	size_t n;

	pthread_mutex_lock(&sv->mtx);
	n = sv->nconns;
	if (busy != NULL)
		*busy = sv->nbusy;
	pthread_mutex_unlock(&sv->mtx);
	return n;
}

int
server_run(struct authd *ad, int pam_fd, int admin_fd, int review_fd,
    int web_fd, struct tls_server *ts)
{
	const struct config *cfg = ad->cfg;
	struct server sv;
	struct worker_arg *wa = NULL;
	struct pollfd pfd[8];
	struct epoll_event ev;
	struct sigaction sa;
	size_t nw = (size_t)cfg->workers, i, busy;
	int64_t now, wake, next_overdue;
	int n, ret = -1, stopping = 0, paused, lost = 0;
	char sb[16];
	uint64_t cnt;

	memset(&sv, 0, sizeof(sv));
	sv.ad = ad;
	sv.ep = sv.stop_fd = sv.poke_fd = -1;
	atomic_init(&sv.stopping, 0);
	pthread_mutex_init(&sv.mtx, NULL);
	pthread_mutex_init(&sv.lead_mtx, NULL);
	sv.conn_max = (size_t)cfg->connections_max;
	clamp_connections(cfg, &sv.conn_max);
	if (budget_new(cfg, sv.conn_max, &ad->budget) != 0 ||
	    (wa = calloc(nw, sizeof(*wa))) == NULL ||
	    (sv.ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (sv.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (sv.poke_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_err("cannot set up the server: %s", strerror(errno));
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;		/* level-triggered: every leader sees it */
	ev.data.ptr = NULL;
	if (epoll_ctl(sv.ep, EPOLL_CTL_ADD, sv.stop_fd, &ev) != 0) {
		log_err("epoll: %s", strerror(errno));
		goto out;
	}

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
	log_shares(&sv);
	next_overdue = mono_ms() + 5000;
	for (;;) {
		now = mono_ms();
		if (!stopping && now >= next_overdue) {
			review_log_overdue(ad);
			next_overdue = mono_ms() + 86400 * 1000;
		}
		/*
		 * SECURITY NOTE: without its key keeper authd could only
		 * refuse: it stops, as on SIGTERM, and exits non-zero.
		 */
		if (!lost && keeper_gone(ad->keeper)) {
			lost = 1;
			got_stop = 1;
		}
		if (got_stop && !stopping) {
			stopping = 1;
			(void)conn_count(&sv, &busy);
			log_notice("stopping: finishing %zu requests in hand",
			    busy);
			close(pam_fd);
			close(admin_fd);
			close(review_fd);
			if (web_fd >= 0)
				close(web_fd);
			pam_fd = admin_fd = review_fd = web_fd = -1;
			/*
			 * The TLS listener is no longer polled; the hosts'
			 * connections end with their pairs, once answered.
			 */
			/* From now on a worker closes what it gives back. */
			pthread_mutex_lock(&sv.mtx);
			atomic_store(&sv.stopping, 1);
			pthread_mutex_unlock(&sv.mtx);
			(void)sweep(&sv, now, 1);
		}
		if (stopping && conn_count(&sv, NULL) == 0)
			break;
		wake = sweep(&sv, now, 0);
		if (stopping || wake > now + 1000)
			wake = now + (stopping ? 50 : 1000);

		pfd[0].fd = sig_pipe[0];
		pfd[1].fd = sv.poke_fd;
		paused = stopping || now < sv.accept_pause_until;
		pfd[2].fd = paused ? -1 : pam_fd;
		pfd[3].fd = paused ? -1 : admin_fd;
		pfd[4].fd = paused ? -1 : review_fd;
		pfd[5].fd = paused ? -1 : tls_fd(ts);
		/* The keeper's end: only its hang-up counts (POLLHUP). */
		pfd[6].fd = lost ? -1 : keeper_watch_fd(ad->keeper);
		pfd[7].fd = paused ? -1 : web_fd;
		for (i = 0; i < 8; i++) {
			pfd[i].events = i == 6 ? 0 : POLLIN;
			pfd[i].revents = 0;
		}
		if (!stopping && now < sv.accept_pause_until &&
		    sv.accept_pause_until < wake)
			wake = sv.accept_pause_until;
		n = poll(pfd, 8, wake > now ? (int)(wake - now) : 0);
		if (n < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			while (read(sig_pipe[0], sb, sizeof(sb)) > 0)
				;
			if (got_hup && !got_stop) {
				got_hup = 0;
				(void)pol_reload(ad, "SIGHUP", NULL, 0);
			}
		}
		if (pfd[1].revents & POLLIN)
			(void)!read(sv.poke_fd, &cnt, sizeof(cnt));
		if (!stopping) {
			if (pfd[2].revents & POLLIN)
				do_accept(&sv, pam_fd, SOCK_PAM);
			if (pfd[3].revents & POLLIN)
				do_accept(&sv, admin_fd, SOCK_ADMIN);
			if (pfd[4].revents & POLLIN)
				do_accept(&sv, review_fd, SOCK_REVIEW);
			if (pfd[7].revents & POLLIN)
				do_accept(&sv, web_fd, SOCK_WEB);
			if (pfd[5].revents & POLLIN)
				tls_accept(ts, tls_adopt, &sv);
		}
	}
	ret = lost ? -1 : 0;
 stop:
	if (ret != 0) {
		/* Workers that did start: let them close what they hold. */
		pthread_mutex_lock(&sv.mtx);
		atomic_store(&sv.stopping, 1);
		pthread_mutex_unlock(&sv.mtx);
		(void)sweep(&sv, mono_ms(), 1);
	}
	stop_workers(&sv, wa, nw);
	/* Only connections no worker was left to close remain. */
	while (sv.conns != NULL) {
		struct conn *c = sv.conns;

		sv.conns = c->next;
		close(c->fd);
		conn_reset(c);
		free(c->tls);
		free(c);
	}
	log_notice("stopped");
 out:
	if (pam_fd >= 0)
		close(pam_fd);
	if (admin_fd >= 0)
		close(admin_fd);
	if (review_fd >= 0)
		close(review_fd);
	if (web_fd >= 0)
		close(web_fd);
	free(wa);
	tls_free(ts);
	for (i = 0; i < 2; i++)
		if (sig_pipe[i] >= 0)
			close(sig_pipe[i]);
	if (sv.ep >= 0)
		close(sv.ep);
	if (sv.stop_fd >= 0)
		close(sv.stop_fd);
	if (sv.poke_fd >= 0)
		close(sv.poke_fd);
	budget_free(ad->budget);
	ad->budget = NULL;
	pthread_mutex_destroy(&sv.mtx);
	pthread_mutex_destroy(&sv.lead_mtx);
	return ret;
}
