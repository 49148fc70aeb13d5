/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hang_server: a misbehaving stand-in for authd, for failure tests.
 *
 *   hang_server SOCKETPATH MODE
 *
 * Listens on the Unix stream socket SOCKETPATH (a stale socket there is
 * removed first; any other kind of file is left alone and is an error),
 * prints "ready" on stdout once it listens, and serves until SIGTERM or
 * SIGINT, then removes the socket and exits 0.  MODE:
 *
 *   hang     accept, read and discard whatever comes, never answer;
 *            connections stay open until the client closes them
 *   close    accept and close at once
 *   garbage  accept, wait for the first bytes of a request, answer with
 *            64 random bytes, then read and discard like "hang"
 *
 * At most MAX_CLIENTS connections are held; while that many are open, no
 * new ones are accepted (they wait in the listen backlog).  One thread, one
 * poll() loop.  Diagnostics go to stderr.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CLIENTS	64
#define GARBAGE_LEN	64

enum mode { MODE_HANG, MODE_CLOSE, MODE_GARBAGE };

struct client {
	int fd;
	int answered;
};

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
	fprintf(f, "usage: hang_server SOCKETPATH hang|close|garbage\n");
}

static int
remove_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "hang_server: %s exists and is not a socket\n",
		    path);
		return -1;
	}
	return unlink(path);
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "hang_server: socket path too long (max %zu)\n",
		    sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (remove_stale(path) != 0) {
		perror("hang_server: removing stale socket");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("hang_server: socket");
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("hang_server: bind");
		close(fd);
		return -1;
	}
	/* Clients of any user may connect, like to the real PAM socket. */
	if (chmod(path, 0666) != 0)
		perror("hang_server: chmod (continuing)");
	if (listen(fd, MAX_CLIENTS) != 0) {
		perror("hang_server: listen");
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* Reads and discards what is available; returns -1 once the peer is gone. */
static int
drain(int fd, size_t *got)
{
	char buf[4096];
	ssize_t n;

	*got = 0;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			*got += (size_t)n;
			continue;
		}
		if (n == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -1;
	}
}

static void
send_garbage(int fd)
{
	unsigned char junk[GARBAGE_LEN];
	size_t off = 0;
	ssize_t n;

	if (getrandom(junk, sizeof(junk), 0) != (ssize_t)sizeof(junk)) {
		size_t i;

		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)rand();
	}
	while (off < sizeof(junk)) {
		n = send(fd, junk + off, sizeof(junk) - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			break;	/* full or gone: garbage is garbage */
	}
}

int
main(int argc, char **argv)
{
	struct client clients[MAX_CLIENTS];
	struct pollfd pfds[MAX_CLIENTS + 1];
	int map[MAX_CLIENTS + 1];
	struct sigaction sa;
	sigset_t block, orig;
	enum mode mode;
	const char *path;
	int lfd, nclients = 0, i, n, nfds;

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
	if (strcmp(argv[2], "hang") == 0)
		mode = MODE_HANG;
	else if (strcmp(argv[2], "close") == 0)
		mode = MODE_CLOSE;
	else if (strcmp(argv[2], "garbage") == 0)
		mode = MODE_GARBAGE;
	else {
		usage(stderr);
		return 2;
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
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);

	lfd = listen_on(path);
	if (lfd < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);

	while (!stop_requested) {
		nfds = 0;
		if (nclients < MAX_CLIENTS) {
			pfds[nfds].fd = lfd;
			pfds[nfds].events = POLLIN;
			map[nfds++] = -1;
		}
		for (i = 0; i < nclients; i++) {
			pfds[nfds].fd = clients[i].fd;
			pfds[nfds].events = POLLIN;
			map[nfds++] = i;
		}
		n = ppoll(pfds, (nfds_t)nfds, NULL, &orig);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("hang_server: ppoll");
			break;
		}
		/* Clients first, back to front, so removal keeps indices. */
		for (i = nfds - 1; i >= 0; i--) {
			int ci = map[i];
			size_t got;

			if (ci < 0 || pfds[i].revents == 0)
				continue;
			if (drain(clients[ci].fd, &got) < 0 ||
			    (pfds[i].revents & (POLLERR | POLLNVAL))) {
				close(clients[ci].fd);
				clients[ci] = clients[--nclients];
				continue;
			}
			if (mode == MODE_GARBAGE && got > 0 &&
			    !clients[ci].answered) {
				send_garbage(clients[ci].fd);
				clients[ci].answered = 1;
			}
		}
		if (nfds > 0 && map[0] == -1 && (pfds[0].revents & POLLIN)) {
			while (nclients < MAX_CLIENTS) {
				int cfd = accept4(lfd, NULL, NULL,
				    SOCK_CLOEXEC | SOCK_NONBLOCK);

				if (cfd < 0)
					break;
				if (mode == MODE_CLOSE) {
					close(cfd);
					continue;
				}
				clients[nclients].fd = cfd;
				clients[nclients].answered = 0;
				nclients++;
			}
			if (nclients == MAX_CLIENTS)
				fprintf(stderr, "hang_server: %d clients open; "
				    "not accepting more\n", MAX_CLIENTS);
		}
	}

	for (i = 0; i < nclients; i++)
		close(clients[i].fd);
	close(lfd);
	unlink(path);
	return 0;
}
