/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The key keeper process (keeper.h): it opens the seal key and the audit
 * signing key, gives up everything else it could reach, and answers
 * keeper_msg.h's messages until authd hangs up.  After its set-up it logs
 * nothing (it has no descriptor to log to): authd logs what its answers
 * mean.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "authd_err.h"
#include "config.h"
#include "keeper.h"
#include "keeper_msg.h"
#include "log.h"
#include "priv.h"
#include "secmem.h"

/* Its keys, the dummy seed and OpenSSL's one random generator. */
#define KEEPER_SECMEM	(16 * 1024)

/* The first descriptor of the channels once they are moved together. */
#define FD_BASE		3

#if defined(__SANITIZE_ADDRESS__)
#define KEEPER_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEPER_SANITIZED	1
#endif
#endif

/*
 * Its root: a directory made for it and removed at once.  The keeper
 * keeps it as its root; nobody can create anything in a directory that
 * no longer exists, so the keeper's file system is empty for good, and
 * nothing is left behind on the disk.
 */
static int
chroot_empty(void)
{
	char path[] = "/tmp/authd-keeper.XXXXXX";
	struct stat st;
	int fd;

	if (mkdtemp(path) == NULL) {
		log_err("key keeper: mkdtemp %s: %s", path, strerror(errno));
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		log_err("key keeper: %s: %s", path, strerror(errno));
		(void)rmdir(path);
		return -1;
	}
	/*
	 * SECURITY NOTE: checked on the descriptor, after the removal: the
	 * root is the directory made here (root's, 0700) and gone from
	 * every path, whatever was renamed in /tmp meanwhile.
	 */
	if (fchdir(fd) != 0 || rmdir(path) != 0 || fstat(fd, &st) != 0 ||
	    st.st_uid != 0 || (st.st_mode & 077) != 0 || st.st_nlink != 0 ||
	    chroot(".") != 0 || chdir("/") != 0) {
		log_err("key keeper: cannot chroot to an empty directory: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Moves the keeper's descriptors to FD_BASE.. and closes every other one,
 * stdin, stdout and stderr included.  fds[] and *watch are updated.
 */
static int
keep_only(int *fds, int nfds, int *watch)
{
	int *tmp, i, hi = *watch, r = -1;

	for (i = 0; i < nfds; i++)
		if (fds[i] > hi)
			hi = fds[i];
	if (hi < FD_BASE + nfds)
		hi = FD_BASE + nfds;
	if ((tmp = calloc((size_t)nfds + 1, sizeof(int))) == NULL)
		return -1;
	/* First above every one of them, then down into place. */
	for (i = 0; i <= nfds; i++)
		if ((tmp[i] = fcntl(i < nfds ? fds[i] : *watch,
		    F_DUPFD_CLOEXEC, hi + 1)) < 0)
			goto out;
	for (i = 0; i <= nfds; i++)
		if (dup3(tmp[i], FD_BASE + i, O_CLOEXEC) != FD_BASE + i)
			goto out;
	if (close_range(0, FD_BASE - 1, 0) != 0 ||
	    close_range(FD_BASE + nfds + 1, ~0U, 0) != 0)
		goto out;
	for (i = 0; i < nfds; i++)
		fds[i] = FD_BASE + i;
	*watch = FD_BASE + nfds;
	r = 0;
 out:
	free(tmp);
	return r;
}

/* No new descriptors, processes or file data; no core file. */
static int
limits(int nfds)
{
	struct rlimit none = { 0, 0 };
	struct rlimit fds = { (rlim_t)(FD_BASE + nfds + 1),
	    (rlim_t)(FD_BASE + nfds + 1) };

	return setrlimit(RLIMIT_NOFILE, &fds) == 0 &&
	    setrlimit(RLIMIT_NPROC, &none) == 0 &&
	    setrlimit(RLIMIT_FSIZE, &none) == 0 &&
	    setrlimit(RLIMIT_CORE, &none) == 0 ? 0 : -1;
}

/*
 * The system calls the keeper's loop makes, and nothing else: any other
 * kills it (authd then stops, saying so).  Sanitizer builds skip this:
 * AddressSanitizer's runtime makes calls of its own (reports,
 * LeakSanitizer's thread walk) that no list here could foresee.
 */
static int
seccomp_apply(void)
{
#ifdef KEEPER_SANITIZED
	return 1;
#else
	static const int allow[] = {
		SCMP_SYS(recvmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg),
		SCMP_SYS(sendto), SCMP_SYS(poll), SCMP_SYS(ppoll),
		SCMP_SYS(close), SCMP_SYS(exit), SCMP_SYS(exit_group),
		SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
		SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
		SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(getrandom),
		SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
		SCMP_SYS(time), SCMP_SYS(getpid), SCMP_SYS(gettid),
		/* abort(): a failed assertion ends it as a crash would */
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(tgkill),
	};
	scmp_filter_ctx ctx;
	size_t i;
	int rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -1;
	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0) != 0)
			goto out;
	/* SECURITY NOTE: memory for malloc, never executable memory. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0)
		goto out;
	rc = seccomp_load(ctx) == 0 ? 0 : -1;
 out:
	seccomp_release(ctx);
	return rc;
#endif
}

/* Answers until authd hangs up (all channels, or the watch pair). */
static void
serve(const struct keeper_keys *k, int *fds, int nfds, int watch)
{
	struct pollfd *pfd;
	uint8_t req[KEEPER_MSG_MAX], rep[KEEPER_MSG_MAX];
	size_t replen;
	ssize_t n;
	int i, open = nfds;

	if ((pfd = calloc((size_t)nfds + 1, sizeof(*pfd))) == NULL)
		return;
	for (i = 0; i < nfds; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	pfd[nfds].fd = watch;
	pfd[nfds].events = 0;
	while (open > 0) {
		if (poll(pfd, (nfds_t)nfds + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[nfds].revents != 0)
			break;
		for (i = 0; i < nfds; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			n = (pfd[i].revents & POLLIN) ? keeper_recv(pfd[i].fd,
			    req) : 0;
			/* A record of 0 bytes is a message too, and refused. */
			if (n < 0 || (n == 0 && (pfd[i].revents &
			    (POLLHUP | POLLERR | POLLNVAL)))) {
				if (n < 0 && errno == EAGAIN)
					continue;
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open--;
				continue;
			}
			(void)keeper_answer(k, req, (size_t)n, time(NULL), rep,
			    &replen);
			explicit_bzero(req, sizeof(req));
			if (send(pfd[i].fd, rep, replen, MSG_NOSIGNAL) !=
			    (ssize_t)replen) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open--;
			}
			/* ENROLL's reply held a new seed. */
			explicit_bzero(rep, replen);
		}
	}
	free(pfd);
}

void
keeper_main(const struct config *c, const int *theirs, int nfds, int watch)
{
	struct keeper_keys k;
	const char *user = c->keeper_user != NULL ? c->keeper_user : c->user;
	int *fds, root = geteuid() == 0, i;
	uid_t uid = 0;
	gid_t gid = 0;

	log_set_ident("authd-keeper");
	(void)prctl(PR_SET_NAME, "authd-keeper", 0, 0, 0);
	/*
	 * It ends when authd hangs up, never on a signal meant for authd: a
	 * service manager's SIGTERM to the whole group, a terminal's SIGINT
	 * would otherwise end it first, and authd's last checkpoint with it.
	 */
	(void)signal(SIGTERM, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	if ((fds = calloc((size_t)nfds, sizeof(int))) == NULL)
		_exit(1);
	for (i = 0; i < nfds; i++)
		fds[i] = theirs[i];
	if (priv_no_dump() != 0)
		_exit(1);
	/* Locked as root (CAP_IPC_LOCK); locks are not inherited by fork. */
	(void)secmem_init(KEEPER_SECMEM);

	if (root) {
		if (priv_lookup(user, &uid, &gid) != 0)
			_exit(1);
		/*
		 * The keys are read and made as keeper_user, as they were by
		 * authd's user: a key file must be that user's, mode 0600.
		 */
		if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
		    setresuid((uid_t)-1, uid, (uid_t)-1) != 0) {
			log_err("key keeper: cannot become %s: %s", user,
			    strerror(errno));
			_exit(1);
		}
	}
	if (keeper_keys_open(&k, c->seal_key, c->audit_key, c->issuer,
	    c->node_name, (unsigned)c->totp_window) != 0)
		_exit(1);
	if (root) {
		if (setresuid((uid_t)-1, 0, (uid_t)-1) != 0 ||
		    chroot_empty() != 0 || priv_drop_ids(user, uid, gid) != 0)
			_exit(1);
	} else
		log_info("key keeper: not started as root: it runs as authd's "
		    "user, without a chroot; its system calls stay limited");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_err("key keeper: no_new_privs: %s", strerror(errno));
		_exit(1);
	}
#ifdef KEEPER_SANITIZED
	log_info("key keeper: sanitizer build: no seccomp filter");
#endif
	/* From here on it has nothing to log to. */
	log_silence();
	if (keep_only(fds, nfds, &watch) != 0 || limits(nfds) != 0 ||
	    priv_no_dump() != 0)
		_exit(1);
	if (seccomp_apply() < 0)
		_exit(1);
	serve(&k, fds, nfds, watch);
	keeper_keys_close(&k);
	secmem_done();
	/* No atexit handlers: nothing of authd's to flush or run here. */
	_exit(0);
}
