/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * syslog_sink: a stand-in for the system logger, for tests.
 *
 *   syslog_sink SOCKETPATH OUTFILE
 *
 * Binds an AF_UNIX datagram socket at SOCKETPATH (a stale socket there is
 * removed first; any other kind of file is left alone and is an error),
 * makes it writable for every user (authd sends after dropping to its own
 * user), prints "ready" on stdout once it is bound, and appends every
 * datagram it receives to OUTFILE followed by '\n', flushing after each.
 * The datagram is written byte for byte: a test that expects one line per
 * message sees it when a sender puts a raw newline into one.  Empty
 * datagrams are written as empty lines.
 *
 * On SIGTERM or SIGINT it reads what is already queued, removes the
 * socket and exits 0.  Diagnostics go to stderr; exit 1 on errors, 2 on
 * usage errors.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Larger than any datagram a logger accepts; longer ones are cut. */
#define SINK_DGRAM_MAX	(64 * 1024)
/* Ask for a large queue so a burst from authd is not dropped. */
#define SINK_RCVBUF	(4 * 1024 * 1024)

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: syslog_sink SOCKETPATH OUTFILE\n");
}

static int
remove_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "syslog_sink: %s exists and is not a socket\n",
		    path);
		errno = EEXIST;
		return -1;
	}
	return unlink(path);
}

static int
bind_dgram(const char *path)
{
	struct sockaddr_un sa;
	size_t len = strlen(path);
	int fd, sz = SINK_RCVBUF;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sa.sun_path)) {
		fprintf(stderr, "syslog_sink: socket path empty or too long "
		    "(max %zu)\n", sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, len + 1);
	if (remove_stale(path) != 0) {
		perror("syslog_sink: removing stale socket");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("syslog_sink: socket");
		return -1;
	}
	/* SO_RCVBUFFORCE works as root; otherwise take what the limit allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("syslog_sink: bind");
		close(fd);
		return -1;
	}
	/* Like /dev/log: any local process may log. */
	if (chmod(path, 0666) != 0) {
		perror("syslog_sink: chmod");
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/*
 * Receives every queued datagram and appends it to `out`.  Returns 0 when
 * the queue is empty, -1 on an error.
 */
static int
drain(int fd, FILE *out, char *buf, size_t bufsz)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, bufsz, MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			perror("syslog_sink: recv");
			return -1;
		}
		if ((size_t)n > bufsz) {
			fprintf(stderr, "syslog_sink: datagram of %zd bytes cut "
			    "to %zu\n", n, bufsz);
			n = (ssize_t)bufsz;
		}
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n ||
		    fputc('\n', out) == EOF || fflush(out) != 0) {
			perror("syslog_sink: writing the output file");
			return -1;
		}
	}
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct pollfd pfd;
	sigset_t block, orig;
	const char *path;
	FILE *out;
	char *buf;
	int fd, n, ret = 0;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	path = argv[1];
	if ((buf = malloc(SINK_DGRAM_MAX)) == NULL) {
		perror("syslog_sink: malloc");
		return 1;
	}
	if ((out = fopen(argv[2], "ae")) == NULL) {
		fprintf(stderr, "syslog_sink: %s: %s\n", argv[2],
		    strerror(errno));
		free(buf);
		return 1;
	}

	/*
	 * SIGTERM/SIGINT are blocked except inside ppoll(), so a signal
	 * cannot slip in between checking the flag and going to sleep.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);

	if ((fd = bind_dgram(path)) < 0) {
		fclose(out);
		free(buf);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop_requested) {
		n = ppoll(&pfd, 1, NULL, &orig);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("syslog_sink: ppoll");
			ret = 1;
			break;
		}
		if (drain(fd, out, buf, SINK_DGRAM_MAX) != 0) {
			ret = 1;
			break;
		}
	}
	/* What was sent before the signal is kept. */
	if (ret == 0 && drain(fd, out, buf, SINK_DGRAM_MAX) != 0)
		ret = 1;
	close(fd);
	unlink(path);
	if (fclose(out) != 0) {
		perror("syslog_sink: closing the output file");
		ret = 1;
	}
	free(buf);
	return ret;
}
