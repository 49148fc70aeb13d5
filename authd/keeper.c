/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authd's side of the key keeper (keeper.h): starting it, a pool of
 * socketpairs for concurrent callers, one call per request.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "buf.h"
#include "config.h"
#include "keeper.h"
#include "keeper_msg.h"
#include "log.h"
#include "util.h"

/* The first answer waits for the keys to be read, or made. */
#define KEEPER_START_MS		30000
#define KEEPER_STOP_MS		3000

struct keeper {
	pid_t		 pid;
	int		 watch;		/* never read: hangs up with the keeper */
	int		*fd;		/* the channels */
	int		 nfd;
	int		*idle;		/* channels no call holds */
	int		 nidle;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;		/* a channel came back, or gone */
	atomic_int	 gone;
	atomic_int	 told;		/* "gone" logged */
	char		 why[128];	/* why it is gone (under mtx) */
	char		 node[128];
	char		 key_id[CHAIN_KEYID_LEN + 1];
};

/* Marks the keeper gone, once, with the first reason. */
static void
set_gone(struct keeper *kp, const char *why)
{
	pthread_mutex_lock(&kp->mtx);
	if (!atomic_load(&kp->gone)) {
		snprintf(kp->why, sizeof(kp->why), "%s", why);
		atomic_store(&kp->gone, 1);
	}
	pthread_cond_broadcast(&kp->cv);
	pthread_mutex_unlock(&kp->mtx);
}

/* How the keeper ended, if it has (WNOHANG); "" if it still runs. */
static void
exit_str(struct keeper *kp, int wait_ms, char *out, size_t outsz)
{
	int64_t until = mono_ms() + wait_ms;
	int status;
	pid_t p;

	out[0] = '\0';
	if (kp->pid <= 0)
		return;
	for (;;) {
		p = waitpid(kp->pid, &status, WNOHANG);
		if (p == kp->pid)
			break;
		if (p < 0 || mono_ms() >= until)
			return;
		usleep(10 * 1000);
	}
	kp->pid = -kp->pid;	/* reaped: keep it for the log only */
	if (WIFSIGNALED(status))
		snprintf(out, outsz, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(out, outsz, "exited with status %d",
		    WEXITSTATUS(status));
}

int
keeper_gone(struct keeper *kp)
{
	struct pollfd pfd;
	char how[96], why[128];

	if (kp == NULL)
		return 0;
	if (!atomic_load(&kp->gone)) {
		pfd.fd = kp->watch;
		pfd.events = 0;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) <= 0)
			return 0;
		set_gone(kp, "its socket hung up");
	}
	if (atomic_exchange(&kp->told, 1) == 0) {
		pthread_mutex_lock(&kp->mtx);
		snprintf(why, sizeof(why), "%s", kp->why);
		pthread_mutex_unlock(&kp->mtx);
		exit_str(kp, 200, how, sizeof(how));
		log_err("key keeper (pid %d) is gone: %s%s%s; authd cannot "
		    "check a code or sign its trail without it and stops",
		    kp->pid < 0 ? -kp->pid : kp->pid, why, how[0] ? "; " : "",
		    how);
	}
	return 1;
}

int
keeper_watch_fd(const struct keeper *kp)
{
	return kp != NULL ? kp->watch : -1;
}

pid_t
keeper_pid(const struct keeper *kp)
{
	return kp->pid < 0 ? -kp->pid : kp->pid;
}

const char *
keeper_key_id(const struct keeper *kp)
{
	return kp->key_id;
}

/* One round trip on `fd`: 0, or a reason in `why` (the keeper is gone). */
static int
round_trip(int fd, const uint8_t *req, size_t len, uint8_t *rep,
    size_t *replen, int timeout_ms, char *why, size_t whysz)
{
	struct pollfd pfd;
	int64_t until = mono_ms() + timeout_ms, now;
	ssize_t n;

	do {
		n = send(fd, req, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		snprintf(why, whysz, "a request could not be sent: %s",
		    n < 0 ? strerror(errno) : "short");
		return AUTHD_ERR_CLOSED;
	}
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		now = mono_ms();
		if (now >= until) {
			snprintf(why, whysz, "it did not answer within %d ms",
			    timeout_ms);
			return AUTHD_ERR_TIMEOUT;
		}
		n = poll(&pfd, 1, (int)(until - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whysz, "poll: %s", strerror(errno));
			return AUTHD_ERR_SYSTEM;
		}
		if (n > 0)
			break;
	}
	if ((n = keeper_recv(fd, rep)) <= 0) {
		snprintf(why, whysz, "%s", n == 0 ? "its socket closed" :
		    strerror(errno));
		return AUTHD_ERR_CLOSED;
	}
	if (n > KEEPER_MSG_MAX) {
		snprintf(why, whysz, "it sent a reply over %d bytes",
		    KEEPER_MSG_MAX);
		return AUTHD_ERR_TOO_LARGE;
	}
	*replen = (size_t)n;
	return 0;
}

static int
call_timeout(struct keeper *kp, const uint8_t *req, size_t len, uint8_t *rep,
    size_t *replen, int timeout_ms)
{
	char why[128];
	int fd, r;

	*replen = 0;
	pthread_mutex_lock(&kp->mtx);
	while (kp->nidle == 0 && !atomic_load(&kp->gone))
		pthread_cond_wait(&kp->cv, &kp->mtx);
	if (atomic_load(&kp->gone)) {
		pthread_mutex_unlock(&kp->mtx);
		return AUTHD_ERR_CLOSED;
	}
	fd = kp->idle[--kp->nidle];
	pthread_mutex_unlock(&kp->mtx);

	r = round_trip(fd, req, len, rep, replen, timeout_ms, why,
	    sizeof(why));

	/*
	 * SECURITY NOTE: after any failure the channel's next reply could be
	 * the late answer to this request: the keeper is given up, not the
	 * channel reused, so no answer is ever taken for another question.
	 */
	if (r != 0)
		set_gone(kp, why);
	pthread_mutex_lock(&kp->mtx);
	kp->idle[kp->nidle++] = fd;
	pthread_cond_signal(&kp->cv);
	pthread_mutex_unlock(&kp->mtx);
	return r;
}

int
keeper_call(struct keeper *kp, const uint8_t *req, size_t len, uint8_t *rep,
    size_t *replen)
{
	return call_timeout(kp, req, len, rep, replen, KEEPER_TIMEOUT_MS);
}

/*
 * A call whose reply must be `type` with status OK or NOMATCH: 0 with
 * *st and the body, AUTHD_ERR_* otherwise (a refusal or a reply that is
 * not one is a bug on one side: the keeper is given up).
 */
static int
ask(struct keeper *kp, uint8_t type, const uint8_t *req, size_t len,
    uint8_t *rep, enum keeper_status *st, struct buf *body, int timeout_ms)
{
	const uint8_t *b;
	size_t replen, blen;
	int r;

	if ((r = call_timeout(kp, req, len, rep, &replen, timeout_ms)) != 0)
		return r;
	if ((r = keeper_rep_header(type, rep, replen, st, &b, &blen)) != 0 ||
	    *st == KEEPER_S_REFUSED) {
		set_gone(kp, r != 0 ? "it sent a reply of another request" :
		    "it refused a request of authd's");
		return AUTHD_ERR_REQID;
	}
	buf_view(body, b, blen);
	return 0;
}

static int
pubkey(struct keeper *kp, int timeout_ms)
{
	uint8_t req[KEEPER_MSG_MAX], rep[KEEPER_MSG_MAX];
	uint8_t pk[KEEPER_PUBKEY_LEN];
	enum keeper_status st;
	struct buf body;
	size_t len;
	int r;

	if ((r = keeper_req_pubkey(req, &len)) != 0 ||
	    (r = ask(kp, KEEPER_T_PUBKEY, req, len, rep, &st, &body,
	    timeout_ms)) != 0)
		return r;
	if (st != KEEPER_S_OK || buf_get(&body, pk, sizeof(pk)) != 0 ||
	    buf_get(&body, kp->key_id, CHAIN_KEYID_LEN) != 0 ||
	    buf_avail(&body) != 0)
		return AUTHD_ERR_CRYPTO;
	kp->key_id[CHAIN_KEYID_LEN] = '\0';
	return 0;
}

int
keeper_enroll(struct keeper *kp, const char *user, uint8_t **sealed,
    size_t *sealed_len, char **uri)
{
	uint8_t req[KEEPER_MSG_MAX], rep[KEEPER_MSG_MAX], n;
	const uint8_t *p, *u;
	enum keeper_status st;
	struct buf body;
	uint16_t ulen;
	size_t len;
	int r;

	*sealed = NULL;
	*sealed_len = 0;
	*uri = NULL;
	if ((r = keeper_req_enroll(user, req, &len)) != 0)
		return r;
	if ((r = ask(kp, KEEPER_T_ENROLL, req, len, rep, &st, &body,
	    KEEPER_TIMEOUT_MS)) != 0)
		goto out;
	r = AUTHD_ERR_CRYPTO;
	if (st != KEEPER_S_OK || buf_get_u8(&body, &n) != 0 ||
	    buf_get_ptr(&body, n, &p) != 0 || buf_get_u16(&body, &ulen) != 0 ||
	    buf_get_ptr(&body, ulen, &u) != 0 || buf_avail(&body) != 0 ||
	    n == 0 || ulen == 0 || memchr(u, '\0', ulen) != NULL)
		goto out;
	r = AUTHD_ERR_NOMEM;
	if ((*sealed = malloc(n)) == NULL || (*uri = malloc(ulen + 1)) == NULL)
		goto out;
	memcpy(*sealed, p, n);
	*sealed_len = n;
	memcpy(*uri, u, ulen);
	(*uri)[ulen] = '\0';
	r = 0;
 out:
	/* SECURITY NOTE: the reply held the new seed (in the URI). */
	explicit_bzero(rep, sizeof(rep));
	if (r != 0) {
		free(*sealed);
		*sealed = NULL;
		*sealed_len = 0;
		free(*uri);
		*uri = NULL;
	}
	return r;
}

static int
check(struct keeper *kp, uint8_t type, const uint8_t *req, size_t len,
    int64_t *step)
{
	uint8_t rep[KEEPER_MSG_MAX];
	enum keeper_status st;
	struct buf body;
	uint64_t s;
	int r;

	*step = -1;
	if ((r = ask(kp, type, req, len, rep, &st, &body,
	    KEEPER_TIMEOUT_MS)) != 0)
		return r;
	if (st == KEEPER_S_NOMATCH)
		return buf_avail(&body) == 0 ? AUTHD_ERR_NOT_FOUND :
		    AUTHD_ERR_TRAILING;
	if (st == KEEPER_S_FAILED)
		return AUTHD_ERR_CRYPTO;
	if (buf_get_u64(&body, &s) != 0 || buf_avail(&body) != 0 ||
	    s > INT64_MAX)
		return AUTHD_ERR_BAD_VALUE;
	*step = (int64_t)s;
	return 0;
}

/* A code the keeper may be sent: longer ones are never right. */
static const char *
code_field(const char *code)
{
	return strlen(code) <= KEEPER_CODE_MAX ? code : "";
}

int
keeper_verify(struct keeper *kp, const char *user, const uint8_t *sealed,
    size_t sealed_len, const char *code, int64_t *step)
{
	uint8_t req[KEEPER_MSG_MAX];
	size_t len;
	int r;

	*step = -1;
	if ((r = keeper_req_verify(user, sealed, sealed_len, code_field(code),
	    req, &len)) != 0)
		return r == AUTHD_ERR_TOO_LARGE ? AUTHD_ERR_CRYPTO : r;
	r = check(kp, KEEPER_T_VERIFY, req, len, step);
	explicit_bzero(req, sizeof(req));
	return r;
}

int
keeper_dummy(struct keeper *kp, const char *code)
{
	uint8_t req[KEEPER_MSG_MAX];
	int64_t step;
	size_t len;
	int r;

	if ((r = keeper_req_dummy(code_field(code), req, &len)) != 0)
		return r;
	r = check(kp, KEEPER_T_DUMMY, req, len, &step);
	explicit_bzero(req, sizeof(req));
	return r == AUTHD_ERR_NOT_FOUND || r == AUTHD_ERR_CRYPTO ? 0 : r;
}

int
keeper_sign(struct keeper *kp, struct chain_checkpoint *cp)
{
	uint8_t req[KEEPER_MSG_MAX], rep[KEEPER_MSG_MAX];
	enum keeper_status st;
	struct buf body;
	size_t len;
	int r;

	if ((r = keeper_req_sign(cp->seq, cp->time_ms, cp->hash, req,
	    &len)) != 0 || (r = ask(kp, KEEPER_T_SIGN, req, len, rep, &st,
	    &body, KEEPER_TIMEOUT_MS)) != 0)
		return r;
	if (st != KEEPER_S_OK || buf_get(&body, cp->sig, CHAIN_SIG_LEN) != 0 ||
	    buf_get(&body, cp->key_id, CHAIN_KEYID_LEN) != 0 ||
	    buf_avail(&body) != 0)
		return AUTHD_ERR_CRYPTO;
	cp->key_id[CHAIN_KEYID_LEN] = '\0';
	snprintf(cp->node, sizeof(cp->node), "%s", kp->node);
	return 0;
}

static void
close_all(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

int
keeper_start(const struct config *c, int channels, struct keeper **out)
{
	struct keeper *kp;
	int *theirs = NULL, sv[2], their_watch = -1, i, r = AUTHD_ERR_SYSTEM;
	char how[96];

	*out = NULL;
	if (channels < 1 || channels > 1024)
		return AUTHD_ERR_INVALID;
	if ((kp = calloc(1, sizeof(*kp))) == NULL ||
	    (kp->fd = calloc((size_t)channels, sizeof(int))) == NULL ||
	    (kp->idle = calloc((size_t)channels, sizeof(int))) == NULL ||
	    (theirs = calloc((size_t)channels, sizeof(int))) == NULL) {
		if (kp != NULL) {
			free(kp->fd);
			free(kp->idle);
		}
		free(kp);
		return AUTHD_ERR_NOMEM;
	}
	pthread_mutex_init(&kp->mtx, NULL);
	pthread_cond_init(&kp->cv, NULL);
	kp->watch = -1;
	kp->nfd = channels;
	snprintf(kp->node, sizeof(kp->node), "%s", c->node_name);
	for (i = 0; i < channels; i++)
		kp->fd[i] = theirs[i] = -1;
	for (i = 0; i < channels; i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) != 0)
			goto syserr;
		kp->fd[i] = sv[0];
		theirs[i] = sv[1];
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		goto syserr;
	kp->watch = sv[0];
	their_watch = sv[1];
	/* Whatever stdio holds would be written twice. */
	fflush(NULL);
	if ((kp->pid = fork()) < 0)
		goto syserr;
	if (kp->pid == 0) {
		close_all(kp->fd, channels);
		close(kp->watch);
		keeper_main(c, theirs, channels, their_watch);
	}
	close_all(theirs, channels);
	close(their_watch);
	their_watch = -1;
	free(theirs);
	theirs = NULL;
	for (i = 0; i < channels; i++)
		kp->idle[i] = kp->fd[i];
	kp->nidle = channels;
	if ((r = pubkey(kp, KEEPER_START_MS)) != 0) {
		exit_str(kp, KEEPER_STOP_MS, how, sizeof(how));
		log_err("key keeper (pid %d) did not start%s%s%s",
		    keeper_pid(kp), how[0] ? " (" : "", how, how[0] ? ")" : "");
		atomic_store(&kp->told, 1);
		keeper_stop(kp);
		return r;
	}
	log_info("key keeper running (pid %d, %d channels), audit signing key "
	    "%s", kp->pid, channels, kp->key_id);
	*out = kp;
	return 0;
 syserr:
	log_err("cannot start the key keeper: %s", strerror(errno));
	if (their_watch >= 0)
		close(their_watch);
	if (theirs != NULL)
		close_all(theirs, channels);
	free(theirs);
	keeper_stop(kp);
	return r;
}

void
keeper_stop(struct keeper *kp)
{
	char how[96];

	if (kp == NULL)
		return;
	/* Its channels hang up: the keeper wipes its keys and exits. */
	close_all(kp->fd, kp->nfd);
	if (kp->watch >= 0)
		close(kp->watch);
	if (kp->pid > 0) {
		exit_str(kp, KEEPER_STOP_MS, how, sizeof(how));
		if (how[0] == '\0')
			log_err("key keeper (pid %d) did not exit within %d ms",
			    kp->pid, KEEPER_STOP_MS);
		else if (strcmp(how, "exited with status 0") != 0 &&
		    !atomic_load(&kp->told))
			log_err("key keeper (pid %d) %s", keeper_pid(kp), how);
		else
			log_info("key keeper %s", how);
	}
	pthread_mutex_destroy(&kp->mtx);
	pthread_cond_destroy(&kp->cv);
	free(kp->fd);
	free(kp->idle);
	free(kp);
}
