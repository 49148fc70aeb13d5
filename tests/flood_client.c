/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flood_client: a local user who tries to take authd's capacity.
 *
 *   flood_client hold SOCKET N SECONDS
 *	Opens N connections to SOCKET, waits until authd has answered those
 *	it turns away, then holds the rest for SECONDS: every 3 s it sends
 *	a PING on each (inside any idle timeout), and on the first one it
 *	sends PINGs back to back, as fast as authd answers.  Prints
 *	"held H of N (refused R)" once the connections are open, and at the
 *	end "pings: A answered, B busy, C other; lost L".
 *   flood_client ping SOCKET
 *	One PING on a new connection: exit 0 when authd answers it, 1
 *	otherwise (the reason is printed).
 *
 * Exit 2 on usage errors.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

#define WAIT_MS		5000	/* per call: a hang guard */
#define KEEPALIVE_MS	3000
#define QUIET_MS	1000	/* no refusal this long: the rest are held */
#define SETTLE_MAX_MS	15000

struct tally {
	unsigned long	answered, busy, other;
};

/*
 * One PING on `fd`: 0 answered, 1 busy, 2 other error, -1 connection
 * gone.  `why` receives the reason or the error.
 */
static int
ping(int fd, uint32_t id, char why[64])
{
	struct proto_msg *req, *rep = NULL;
	uint64_t status = 99;
	int r, ret;

	snprintf(why, 64, "no memory");
	if ((req = proto_new(PROTO_T_PING, id)) == NULL)
		return 2;
	r = sock_call(fd, req, mono_ms() + WAIT_MS, NULL, NULL, &rep);
	proto_free(req);
	/* Refused at accept: the answer may be there before the request. */
	if (r == AUTHD_ERR_CLOSED && sock_read_msg(fd, mono_ms() + 100,
	    &rep) == 0)
		r = 0;
	if (r != 0) {
		snprintf(why, 64, "%s", authd_strerror(r));
		return -1;
	}
	(void)proto_get_u64(rep, PROTO_A_STATUS, &status);
	snprintf(why, 64, "%s", proto_str(rep, PROTO_A_REASON, "-"));
	if (status == PROTO_S_ALLOW)
		ret = 0;
	else
		ret = strcmp(why, "busy") == 0 ? 1 : 2;
	/* Request id 0: authd refused the connection and closes it. */
	if (rep->reqid == 0)
		ret = -1;
	proto_free(rep);
	return ret;
}

static void
count(struct tally *t, int r)
{
	if (r == 0)
		t->answered++;
	else if (r == 1)
		t->busy++;
	else
		t->other++;
}

/* Enough descriptors for `n` connections, if the hard limit allows. */
static void
raise_nofile(size_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= n + 16)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > n + 16 ?
	    n + 16 : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

static int
hold(const char *path, size_t n, long seconds)
{
	struct pollfd *pfd;
	struct tally t = { 0, 0, 0 };
	int64_t end, quiet_since, settle_end, next_keep;
	size_t i, opened = 0, held, refused = 0, lost = 0;
	uint32_t id = 1;
	char b[256], why[64];
	int r;

	raise_nofile(n);
	if ((pfd = calloc(n, sizeof(*pfd))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		if (sock_connect(path, mono_ms() + WAIT_MS, &pfd[opened].fd)
		    != 0)
			break;
		pfd[opened++].events = POLLIN;
	}
	/*
	 * authd answers a connection it refuses (or just closes it): wait
	 * until nothing more is refused for a while.
	 */
	settle_end = mono_ms() + SETTLE_MAX_MS;
	quiet_since = mono_ms();
	while (mono_ms() - quiet_since < QUIET_MS && mono_ms() < settle_end) {
		if (poll(pfd, opened, 100) <= 0)
			continue;
		for (i = 0; i < opened; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			while (read(pfd[i].fd, b, sizeof(b)) > 0)
				;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			refused++;
			quiet_since = mono_ms();
		}
	}
	/* The held ones to the front. */
	for (i = held = 0; i < opened; i++)
		if (pfd[i].fd >= 0)
			pfd[held++] = pfd[i];
	printf("held %zu of %zu (refused %zu)\n", held, n,
	    refused + n - opened);
	fflush(stdout);

	end = mono_ms() + seconds * 1000;
	next_keep = mono_ms() + KEEPALIVE_MS;
	while (mono_ms() < end && held > 0) {
		if (mono_ms() >= next_keep) {
			for (i = held; i-- > 1; ) {
				if ((r = ping(pfd[i].fd, id++, why)) >= 0) {
					count(&t, r);
					continue;
				}
				close(pfd[i].fd);
				pfd[i] = pfd[--held];
				lost++;
			}
			next_keep = mono_ms() + KEEPALIVE_MS;
		}
		if ((r = ping(pfd[0].fd, id++, why)) >= 0) {
			count(&t, r);
			continue;
		}
		close(pfd[0].fd);
		pfd[0] = pfd[--held];
		lost++;
	}
	for (i = 0; i < held; i++)
		close(pfd[i].fd);
	printf("pings: %lu answered, %lu busy, %lu other; lost %zu\n",
	    t.answered, t.busy, t.other, lost);
	free(pfd);
	return 0;
}

static int
ping_once(const char *path)
{
	char why[64];
	int fd, r;

	if ((r = sock_connect(path, mono_ms() + WAIT_MS, &fd)) != 0) {
		printf("ping: %s\n", authd_strerror(r));
		return 1;
	}
	r = ping(fd, 7, why);
	close(fd);
	printf("ping: %s\n", r == 0 ? "answered" : why);
	return r == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	long long n, seconds;

	if (argc == 5 && strcmp(argv[1], "hold") == 0 &&
	    num_parse(argv[3], 1, 100000, &n, NULL) == 0 &&
	    num_parse(argv[4], 0, 3600, &seconds, NULL) == 0)
		return hold(argv[2], (size_t)n, (long)seconds);
	if (argc == 3 && strcmp(argv[1], "ping") == 0)
		return ping_once(argv[2]);
	fprintf(stderr, "usage: flood_client hold SOCKET N SECONDS\n"
	    "       flood_client ping SOCKET\n");
	return 2;
}
