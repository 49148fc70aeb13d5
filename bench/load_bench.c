/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * load_bench: the capacity of one authd, and how the cost of its
 * decisions grows with the number of users and systems (bench/README.md,
 * "Capacity and growth of one authd").
 *
 *   load_bench ldif --users N [--systems LIST] [--out FILE]
 *   load_bench echo --socket PATH [--threads N | --sync FILE]
 *   load_bench run --authd PATH --dir DIR --ldap-uri URI
 *                  [--bind-dn DN --bind-pw PW] [options]
 *
 * ldif writes the directory of the largest population: N users under
 * ou=people (inetOrgPerson), and under ou=groups (groupOfNames) a team
 * group per 50 users, the role groups of both policies and the group of
 * terminated users that a global deny rule names.  bench/capacity.sh loads
 * it into a throw-away slapd.
 *
 * echo is the floor: a bare Unix-socket server that reads authd's frames
 * (a 4-byte big-endian length, then the body) and writes each one back,
 * one epoll event loop per thread (default one thread).  With --sync it
 * is the durable floor: the frames read in one pass of its loop are
 * written to FILE and fdatasync()ed before they are sent back (group
 * commit of bare frames, what any server pays that answers only what is
 * on the disk).
 *
 * run does the rest against one real authd, started and stopped here
 * (durable auditing with group commit, as in production), its population
 * grown in place:
 *
 *  - Per population (default 1,000, 10,000 and 100,000 users; each the
 *    first N users of the directory) the new users are enrolled through
 *    the admin socket (ENROLL, then CONFIRM with a code computed with
 *    liboath) and put in authd's directory cache with one ACCOUNT
 *    request each.  Then, for each policy size (default 10 and 200
 *    systems; the next one through policy-reload), it times ACCOUNT at 1
 *    and at 32 connections and AUTH (a code checked, the token updated)
 *    at 1 connection for --auth-users distinct users.
 *  - After the largest population: the capacity series, ACCOUNT at 1, 8,
 *    32 and 128 connections, the echo server, the durable echo server
 *    and authd taking turns in short slices so that all see the same
 *    background load.
 *
 * The load generator (loadgen.c) is one epoll event loop holding N
 * connections, each with one request outstanding (closed loop), timed
 * with CLOCK_MONOTONIC; after a warm-up, the replies within a fixed
 * window count.  Users are drawn at random from the population; nine in
 * ten hold a role on the system asked about (allow), one in ten does not
 * (deny: no role, or a deny rule).  Every reply must be the one expected
 * (status and reason), and after every phase the audit trail must hold
 * exactly one record per reply the clients got; anything else stops the
 * run (exit 2).
 *
 * Writes a Markdown summary to stdout (and --md FILE) and every number
 * with the machine to --json FILE.  Exit status: 0 when every target that
 * the run could check was met, 1 when one was missed, 2 on a usage or
 * setup error or an unexpected answer.
 */

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "authd_err.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

#include "bench_util.h"
#include "loadgen.h"

#define LB_TEAM_SIZE		50
#define LB_NAME			24	/* user or system name, with NUL */
#define LB_USERS_MAX		1000000
#define LB_SYSTEMS_MAX		1000
#define LB_LIST_MAX		8
#define LB_CONNS_MAX		1024
#define LB_SEED_LEN		20	/* authd's TOTP seeds: 160 bits */
#define LB_STEP			30
#define LB_START_TIMEOUT_MS	30000
#define LB_STOP_TIMEOUT_MS	30000	/* SIGTERM, then SIGKILL */
#define LB_SLICE_WARMUP_MS	200	/* before each slice but the first */
/* Targets (bench/README.md). */
#define LB_TARGET_RATE		10000.0	/* decisions/s at 32 connections */
#define LB_TARGET_ECHO_SHARE	0.25	/* of the echo floor, same conns */
#define LB_TARGET_P99_MS	5.0	/* at 32 connections */
#define LB_TARGET_CONNS		32
#define LB_TARGET_GROWTH	2.0	/* largest / smallest decision cost */

/* --- small helpers ------------------------------------------------------ */

/* "1,8,32": up to LB_LIST_MAX numbers in [min, max], ascending. */
static int
opt_list(const char *name, const char *s, long long min, long long max,
    long long *v, int *n)
{
	char buf[256], *tok, *save = NULL;

	*n = 0;
	if (strlen(s) >= sizeof(buf)) {
		bench_warnx("%s: too long", name);
		return -1;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (*n == LB_LIST_MAX) {
			bench_warnx("%s: at most %d values", name, LB_LIST_MAX);
			return -1;
		}
		if (bench_opt_num(name, tok, min, max, &v[*n]) != 0)
			return -1;
		if (*n > 0 && v[*n] <= v[*n - 1]) {
			bench_warnx("%s: values must ascend", name);
			return -1;
		}
		(*n)++;
	}
	if (*n == 0) {
		bench_warnx("%s: no value", name);
		return -1;
	}
	return 0;
}

/* --- the population ----------------------------------------------------- */

/*
 * User i is "u" and six digits.  Nine in ten hold the role "users" on one
 * system of each policy (user_system); of the others, half are in no role
 * group (deny, no-role) and half are terminated (deny, deny-rule).  One in
 * a hundred also holds "admins" on their system.  Everyone is in a team.
 */
enum ukind { U_ALLOW, U_NOROLE, U_TERMINATED };

static void
user_name(size_t i, char out[LB_NAME])
{
	snprintf(out, LB_NAME, "u%06zu", i);
}

static enum ukind
user_kind(size_t i)
{
	if (i % 10 != 0)
		return U_ALLOW;
	return i % 20 == 0 ? U_TERMINATED : U_NOROLE;
}

/* splitmix64 of the user's number: which system they are asked about. */
static unsigned
user_system(size_t i, unsigned nsys)
{
	uint64_t x = i;

	return (unsigned)(bench_splitmix64(&x) % nsys);
}

static int
user_admin(size_t i)
{
	return i % 100 == 1;
}

static void
system_name(unsigned k, char out[LB_NAME])
{
	snprintf(out, LB_NAME, "sys%03u", k);
}

/* --- ldif ----------------------------------------------------------------- */

/* The members of one role group: `admins` or users, of system k of nsys. */
static size_t
ldif_role_members(FILE *f, size_t nusers, unsigned nsys, unsigned k,
    int admins)
{
	char name[LB_NAME];
	size_t i, n = 0;

	for (i = 0; i < nusers; i++) {
		if (user_kind(i) != U_ALLOW || (admins && !user_admin(i)) ||
		    user_system(i, nsys) != k)
			continue;
		user_name(i, name);
		fprintf(f, "member: uid=%s,ou=people," BENCH_SUFFIX "\n", name);
		n++;
	}
	return n;
}

static int
ldif_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "users",	required_argument, NULL, 'u' },
		{ "systems",	required_argument, NULL, 's' },
		{ "bind-pw",	required_argument, NULL, 'p' },
		{ "out",	required_argument, NULL, 'o' },
		{ NULL,		0,		   NULL, 0 },
	};
	long long nusers = 100000, sys[LB_LIST_MAX] = { 10, 200 };
	const char *out = NULL, *pw = BENCH_BIND_PW;
	char name[LB_NAME];
	size_t i, t, nteams;
	int ch, nsys = 2, s, admins;
	unsigned k;
	FILE *f = stdout;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			if (bench_opt_num("--users", optarg, 1, LB_USERS_MAX,
			    &nusers) != 0)
				return 2;
			break;
		case 's':
			if (opt_list("--systems", optarg, 1, LB_SYSTEMS_MAX,
			    sys, &nsys) != 0)
				return 2;
			break;
		case 'p':
			pw = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		bench_warnx("ldif: unexpected argument %s", argv[optind]);
		return 2;
	}
	if (out != NULL && (f = fopen(out, "we")) == NULL) {
		bench_warnx("%s: %s", out, strerror(errno));
		return 2;
	}
	fprintf(f, "# Generated by bench/load_bench.c: %lld users, the role "
	    "groups of policies\n# with", nusers);
	for (s = 0; s < nsys; s++)
		fprintf(f, "%s %lld", s ? "," : "", sys[s]);
	fprintf(f, " systems.  The service account is the one "
	    "tests/lib/slapd.sh\n# binds as.\n\n");
	bench_ldif_base(f, pw);
	fprintf(f, "dn: ou=people," BENCH_SUFFIX "\nobjectClass: "
	    "organizationalUnit\nou: people\n\n");
	fprintf(f, "dn: ou=groups," BENCH_SUFFIX "\nobjectClass: "
	    "organizationalUnit\nou: groups\n\n");
	for (i = 0; i < (size_t)nusers; i++) {
		user_name(i, name);
		fprintf(f, "dn: uid=%s,ou=people," BENCH_SUFFIX "\n"
		    "objectClass: inetOrgPerson\nuid: %s\ncn: %s\n"
		    "sn: Anvandare\n\n", name, name, name);
	}
	nteams = ((size_t)nusers + LB_TEAM_SIZE - 1) / LB_TEAM_SIZE;
	for (t = 0; t < nteams; t++) {
		fprintf(f, "dn: cn=team-%05zu,ou=groups," BENCH_SUFFIX "\n"
		    "objectClass: groupOfNames\ncn: team-%05zu\n", t, t);
		for (i = t * LB_TEAM_SIZE; i < (t + 1) * LB_TEAM_SIZE &&
		    i < (size_t)nusers; i++) {
			user_name(i, name);
			fprintf(f, "member: uid=%s,ou=people," BENCH_SUFFIX
			    "\n", name);
		}
		fputc('\n', f);
	}
	fprintf(f, "dn: cn=avslutade,ou=groups," BENCH_SUFFIX "\nobjectClass: "
	    "groupOfNames\ncn: avslutade\n");
	/* groupOfNames needs a member: the service account stands in. */
	fprintf(f, "member: " BENCH_BIND_DN "\n");
	for (i = 0; i < (size_t)nusers; i++)
		if (user_kind(i) == U_TERMINATED) {
			user_name(i, name);
			fprintf(f, "member: uid=%s,ou=people," BENCH_SUFFIX
			    "\n", name);
		}
	fputc('\n', f);
	for (s = 0; s < nsys; s++)
		for (k = 0; k < (unsigned)sys[s]; k++)
			for (admins = 0; admins < 2; admins++) {
				system_name(k, name);
				fprintf(f, "dn: cn=p%lld-%s-%s,ou=groups,"
				    BENCH_SUFFIX "\nobjectClass: groupOfNames\n"
				    "cn: p%lld-%s-%s\n", sys[s], name,
				    admins ? "admins" : "users", sys[s], name,
				    admins ? "admins" : "users");
				if (ldif_role_members(f, (size_t)nusers,
				    (unsigned)sys[s], k, admins) == 0)
					fprintf(f, "member: " BENCH_BIND_DN
					    "\n");
				fputc('\n', f);
			}
	if (ferror(f) || (f != stdout && fclose(f) != 0)) {
		bench_warnx("%s: write failed", out ? out : "stdout");
		return 2;
	}
	return 0;
}

/* --- the policy ----------------------------------------------------------- */

/* Writes the policy of `nsys` systems to `path` (temp file, rename). */
static int
policy_write(const char *dir, unsigned nsys)
{
	char tmp[4096], path[4096], name[LB_NAME];
	unsigned k;
	FILE *f;

	if (bench_path_join(tmp, sizeof(tmp), dir, "bench.policy.new") != 0 ||
	    bench_path_join(path, sizeof(path), dir, "bench.policy") != 0)
		return -1;
	if ((f = fopen(tmp, "we")) == NULL) {
		bench_warnx("%s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "# written by load_bench: %u systems, two roles each, "
	    "TOTP required\n\n", nsys);
	fprintf(f, "deny avslutade {\n    group \"cn=avslutade,ou=groups,"
	    BENCH_SUFFIX "\"\n}\n");
	for (k = 0; k < nsys; k++) {
		system_name(k, name);
		fprintf(f, "\nsystem %s {\n"
		    "    description \"bench system %u of %u\"\n"
		    "    owner u000001\n"
		    "    confidentiality 2\n"
		    "    integrity 3\n"
		    "    availability 2\n"
		    "    mfa required\n"
		    "    role users {\n"
		    "        group \"cn=p%u-%s-users,ou=groups," BENCH_SUFFIX
		    "\"\n"
		    "    }\n"
		    "    role admins {\n"
		    "        group \"cn=p%u-%s-admins,ou=groups," BENCH_SUFFIX
		    "\"\n"
		    "    }\n"
		    "}\n", name, k + 1, nsys, nsys, name, nsys, name);
	}
	if (ferror(f) | (fclose(f) != 0) || chmod(tmp, 0644) != 0 ||
	    rename(tmp, path) != 0) {
		bench_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* --- echo: the floor ------------------------------------------------------ */

struct econn {
	int	 fd;
	size_t	 len;
	size_t	 ready;		/* durable echo: whole frames held back */
	uint8_t	 buf[4 + PROTO_FRAME_MAX];
};

struct echo_thread {
	pthread_t	 th;
	int		 lfd;
	int		 sync_fd;	/* durable echo: the log, else -1 */
	off_t		 sync_off;
};

/* The durable echo's log wraps here, as a WAL is started over. */
#define ECHO_LOG_MAX	(64 * 1024 * 1024)

static void
econn_close(struct econn *c)
{
	close(c->fd);
	free(c);
}

/*
 * Reads what is there and writes back every complete frame; with `hold`,
 * counts them in c->ready instead, for echo_flush.
 */
static int
econn_read(struct econn *c, int hold)
{
	uint32_t flen;
	size_t off;
	int r;

	for (;;) {
		if ((r = recv_more(c->fd, c->buf, &c->len,
		    sizeof(c->buf))) <= 0)
			return r;
		off = 0;
		while (c->len - off >= 4) {
			flen = frame_len(c->buf + off);
			if (flen < PROTO_HDR_LEN || flen > PROTO_FRAME_MAX)
				return -1;
			if (c->len - off < 4 + (size_t)flen)
				break;
			if (hold) {
				off += 4 + (size_t)flen;
				c->ready = off;
				continue;
			}
			/*
			 * One request outstanding per connection: the reply
			 * always fits the socket buffer.
			 */
			if (send(c->fd, c->buf + off, 4 + (size_t)flen,
			    MSG_NOSIGNAL | MSG_DONTWAIT) !=
			    (ssize_t)(4 + flen))
				return -1;
			off += 4 + (size_t)flen;
		}
		if (off > 0 && !hold) {
			memmove(c->buf, c->buf + off, c->len - off);
			c->len -= off;
		}
	}
}

/*
 * The durable echo: the frames of every connection read in one pass go to
 * the log, one fdatasync makes them durable, then they are sent back -
 * group commit with nothing else.  Closes connections it cannot answer.
 */
static int
echo_flush(struct echo_thread *et, struct econn **held, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (et->sync_off + (off_t)held[i]->ready > ECHO_LOG_MAX)
			et->sync_off = 0;
		if (pwrite(et->sync_fd, held[i]->buf, held[i]->ready,
		    et->sync_off) != (ssize_t)held[i]->ready)
			return -1;
		et->sync_off += (off_t)held[i]->ready;
	}
	if (n > 0 && fdatasync(et->sync_fd) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct econn *c = held[i];

		if (send(c->fd, c->buf, c->ready, MSG_NOSIGNAL |
		    MSG_DONTWAIT) != (ssize_t)c->ready) {
			econn_close(c);
			continue;
		}
		memmove(c->buf, c->buf + c->ready, c->len - c->ready);
		c->len -= c->ready;
		c->ready = 0;
	}
	return 0;
}

static void *
echo_loop(void *arg)
{
	struct echo_thread *et = arg;
	struct epoll_event ev, evs[256];
	struct econn *c, *held[256];
	int ep, n, i, fd, nheld, hold = et->sync_fd >= 0;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return NULL;
	/* Several loops share the listener; one of them is woken. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, et->lfd, &ev) != 0)
		return NULL;
	for (;;) {
		if ((n = epoll_wait(ep, evs, 256, -1)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		nheld = 0;
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				while ((fd = accept4(et->lfd, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					if ((c = calloc(1, sizeof(*c))) ==
					    NULL) {
						close(fd);
						continue;
					}
					c->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd,
					    &ev) != 0)
						econn_close(c);
				}
				continue;
			}
			c = evs[i].data.ptr;
			if (econn_read(c, hold) != 0)
				econn_close(c);	/* epoll forgets it */
			else if (c->ready > 0)
				held[nheld++] = c;
		}
		if (hold && echo_flush(et, held, nheld) != 0)
			break;
	}
	close(ep);
	return NULL;
}

static int
echo_listen(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (bench_sockaddr_un(&sun, path) != 0)
		return -1;
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		bench_warnx("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int
echo_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket",	required_argument, NULL, 's' },
		{ "threads",	required_argument, NULL, 't' },
		{ "sync",	required_argument, NULL, 'y' },
		{ NULL,		0,		   NULL, 0 },
	};
	static struct echo_thread et[64];
	const char *path = NULL, *sync_path = NULL;
	long long nth = 1;
	int ch, lfd, i, sfd = -1;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 't':
			if (bench_opt_num("--threads", optarg, 1, 64,
			    &nth) != 0)
				return 2;
			break;
		case 'y':
			sync_path = optarg;
			break;
		default:
			return 2;
		}
	}
	if (path == NULL || optind != argc || (sync_path != NULL &&
	    nth != 1)) {
		bench_warnx("usage: load_bench echo --socket PATH "
		    "[--threads N | --sync FILE]");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (sync_path != NULL && (sfd = open(sync_path, O_WRONLY | O_CREAT |
	    O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		bench_warnx("%s: %s", sync_path, strerror(errno));
		return 2;
	}
	if ((lfd = echo_listen(path)) < 0)
		return 2;
	for (i = 0; i < nth; i++) {
		et[i].lfd = lfd;
		et[i].sync_fd = sfd;
		if (i > 0 && pthread_create(&et[i].th, NULL, echo_loop,
		    &et[i]) != 0) {
			bench_warnx("echo: cannot start thread %d", i);
			return 2;
		}
	}
	/* The first loop runs here; SIGTERM ends the process. */
	echo_loop(&et[0]);
	bench_warnx("echo: the event loop failed: %s", strerror(errno));
	return 2;
}

/* Status and reason as expected; 0, or -1 (reported). */
static int
reply_expect(struct load *l, struct cconn *c, const struct proto_msg *m,
    uint64_t status, const char *reason)
{
	const char *why = proto_str(m, PROTO_A_REASON, "-");
	char name[LB_NAME];
	uint64_t st = 99;

	(void)proto_get_u64(m, PROTO_A_STATUS, &st);
	if (st == status && (reason == NULL || strcmp(why, reason) == 0))
		return 0;
	user_name(c->user, name);
	lerr(l, "%s %s: status %" PRIu64 " reason %s (message: %s); expected "
	    "status %" PRIu64 " reason %s", proto_type_name(l->type ? l->type :
	    PROTO_T_ACCOUNT), name, st, why, proto_str(m, PROTO_A_MESSAGE,
	    "-"), status, reason ? reason : "any");
	return -1;
}

/* --- the requests --------------------------------------------------------- */

/* What the bench knows of each user: the TOTP seed, the last step used. */
struct pop {
	uint8_t		(*seed)[LB_SEED_LEN];
	int64_t		*last_step;
	size_t		 enrolled;
	size_t		 max;
};

/* The population a load of this program asks about (load_init's arg). */
static struct pop *
pop_of(const struct load *l)
{
	return l->arg;
}

/* The code of c's user at `now` into the request; its step is used. */
static int
frame_code(struct load *l, struct cconn *c, struct frame *f, time_t now)
{
	char code[16];

	if (oath_totp_generate((const char *)pop_of(l)->seed[c->user],
	    LB_SEED_LEN, now, LB_STEP, 0, 6, code) != OATH_OK) {
		lerr(l, "oath_totp_generate failed");
		return -1;
	}
	pop_of(l)->last_step[c->user] = (int64_t)now / LB_STEP;
	return frame_str(f, PROTO_A_CODE, code);
}

static int
next_decision(struct load *l, struct cconn *c)
{
	struct frame f;
	char name[LB_NAME], sys[LB_NAME];
	time_t now;

	if (load_user(l, &c->user) == 0)
		return 0;
	user_name(c->user, name);
	system_name(user_system(c->user, l->nsys), sys);
	c->reqid = load_reqid(l);
	frame_start(&f, c->out, sizeof(c->out), l->type, c->reqid);
	if (frame_str(&f, PROTO_A_USER, name) != 0 ||
	    frame_str(&f, PROTO_A_SYSTEM, sys) != 0 ||
	    frame_str(&f, PROTO_A_SERVICE, l->service) != 0 ||
	    frame_str(&f, PROTO_A_RHOST, "192.0.2.10") != 0)
		return -1;
	if (l->type == PROTO_T_AUTH) {
		/* SECURITY NOTE: each user's step is used once (replay). */
		now = time(NULL);
		if ((int64_t)now / LB_STEP <= pop_of(l)->last_step[c->user]) {
			lerr(l, "%s: step %lld already used", name,
			    (long long)now / LB_STEP);
			return -1;
		}
		if (frame_code(l, c, &f, now) != 0)
			return -1;
	}
	c->outlen = frame_end(&f);
	return 1;
}

static int
reply_decision(struct load *l, struct cconn *c, const uint8_t *fr,
    size_t len)
{
	struct proto_msg *m;
	enum ukind k = user_kind(c->user);
	uint64_t st;
	int r;

	if (l->echo) {
		if (len != c->outlen || memcmp(fr, c->out, len) != 0) {
			lerr(l, "%s: the echo differs from the request",
			    l->sock);
			return -1;
		}
		return 0;
	}
	if ((m = reply_parse(l, c, fr, len)) == NULL)
		return -1;
	if (l->type == PROTO_T_AUTH)
		st = PROTO_S_ALLOW;	/* everyone has a token: any role */
	else
		st = k == U_ALLOW ? PROTO_S_ALLOW : PROTO_S_DENY;
	r = reply_expect(l, c, m, st, st == PROTO_S_ALLOW ? "ok" :
	    k == U_TERMINATED ? "deny-rule" : "no-role");
	proto_free(m);
	if (r == 0) {
		if (st == PROTO_S_ALLOW)
			l->allow++;
		else
			l->deny++;
	}
	return r;
}

/* Enrollment: ENROLL, then CONFIRM with the previous step's code. */
static int
next_enroll(struct load *l, struct cconn *c)
{
	struct frame f;
	char name[LB_NAME];
	time_t now;

	if (c->stage == 0 && load_user(l, &c->user) == 0)
		return 0;
	user_name(c->user, name);
	c->reqid = load_reqid(l);
	frame_start(&f, c->out, sizeof(c->out), c->stage == 0 ?
	    PROTO_T_ENROLL : PROTO_T_CONFIRM, c->reqid);
	if (frame_str(&f, PROTO_A_USER, name) != 0)
		return -1;
	if (c->stage == 1) {
		/*
		 * The previous step, so that the current one stays free for
		 * a login (the confirming code counts as used); but near the
		 * end of a step the current one: the previous step's code
		 * would no longer be accepted once the next step begins.
		 */
		now = time(NULL);
		if (now % LB_STEP < LB_STEP - 5)
			now -= LB_STEP;
		if (frame_code(l, c, &f, now) != 0)
			return -1;
	}
	c->outlen = frame_end(&f);
	return 1;
}

static int
reply_enroll(struct load *l, struct cconn *c, const uint8_t *fr, size_t len)
{
	struct proto_msg *m;
	const char *uri;
	char name[LB_NAME];
	int r;

	if ((m = reply_parse(l, c, fr, len)) == NULL)
		return -1;
	if ((r = reply_expect(l, c, m, PROTO_S_ALLOW, "ok")) == 0 &&
	    c->stage == 0) {
		if (proto_get_str(m, PROTO_A_URI, &uri) != 0 ||
		    bench_uri_secret(uri, pop_of(l)->seed[c->user],
		    LB_SEED_LEN) != 0) {
			user_name(c->user, name);
			lerr(l, "enroll %s: no usable otpauth URI", name);
			r = -1;
		}
	}
	proto_free(m);
	if (r == 0) {
		l->allow++;
		c->stage = !c->stage;
	}
	return r;
}

/* --- authd ---------------------------------------------------------------- */

struct opts {
	const char	*authd;
	const char	*dir;
	const char	*ldap_uri;
	const char	*bind_dn;
	const char	*bind_pw;
	const char	*user;
	const char	*json;
	const char	*md;
	const char	*self;
	const char	*authd_version;	/* reported only */
	long long	 pops[LB_LIST_MAX];
	int		 npops;
	long long	 systems[LB_LIST_MAX];
	int		 nsystems;
	long long	 conns[LB_LIST_MAX];
	int		 nconns;
	long long	 seconds;
	long long	 growth_seconds;
	long long	 warmup_ms;
	long long	 auth_users;
	long long	 workers;
	long long	 echo_threads;
	long long	 enroll_conns;
	long long	 growth_conns;
	long long	 slices;
	long long	 growth_slices;
	double		 slapd_secs;	/* reported only */
	long long	 directory_users;	/* reported only */
};

static int
write_conf(const struct opts *o, const struct bench_authd *d,
    const char *logsock, size_t cache_size)
{
	char pwfile[4096];
	FILE *f;
	int fd;

	if (bench_path_join(pwfile, sizeof(pwfile), d->dir, "ldap.pw") != 0)
		return -1;
	if ((fd = open(pwfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		bench_warnx("%s: %s", pwfile, strerror(errno));
		return -1;
	}
	fprintf(f, "%s\n", o->bind_pw);
	if (fclose(f) != 0 || (f = bench_authd_conf(d, o->user)) == NULL)
		return -1;
	fprintf(f, "syslog_socket %s\n", logsock);
	fprintf(f, "issuer \"load bench\"\n");
	fprintf(f, "ldap_uri %s\n", o->ldap_uri);
	fprintf(f, "ldap_base " BENCH_SUFFIX "\n");
	fprintf(f, "ldap_group_base ou=groups," BENCH_SUFFIX "\n");
	fprintf(f, "ldap_bind_dn %s\n", o->bind_dn);
	fprintf(f, "ldap_bind_password_file %s\n", pwfile);
	fprintf(f, "ldap_timeout 10\n");
	/* Nothing is read from the directory again during the run. */
	fprintf(f, "ldap_cache_ttl 86400\n");
	fprintf(f, "ldap_cache_size %zu\n", cache_size);
	fprintf(f, "policy_dir %s\n", d->policy);
	fprintf(f, "audit_group_commit yes\n");
	fprintf(f, "workers %lld\n", o->workers);
	fprintf(f, "connections_max 1024\n");
	/*
	 * Enrollment holds enroll_conns admin connections at once (32 by
	 * default): the admin socket's share must take them (authd's check
	 * keeps it within half of connections_max, with the review share).
	 */
	fprintf(f, "admin_connections %lld\n", o->enroll_conns < 16 ? 16 :
	    o->enroll_conns > 480 ? 480 : o->enroll_conns);
	if (ferror(f) | (fclose(f) != 0)) {
		bench_warnx("%s: write failed", d->conf);
		return -1;
	}
	return 0;
}

/* One request on a socket, blocking; the RESULT in *reply. */
static int
call(const char *sock, struct proto_msg *req, int64_t timeout_ms,
    struct proto_msg **reply)
{
	int64_t deadline = mono_ms() + timeout_ms;
	int fd = -1, r;

	*reply = NULL;
	if ((r = sock_connect(sock, deadline, &fd)) == 0)
		r = sock_call(fd, req, deadline, NULL, NULL, reply);
	if (fd >= 0)
		close(fd);
	return r;
}

/* policy-reload on the admin socket; 0 when authd took the policy. */
static int
policy_reload(const struct bench_authd *d)
{
	struct proto_msg *req, *reply = NULL;
	uint64_t st = 99;
	int r;

	if ((req = proto_new(PROTO_T_POLICY_RELOAD, 1)) == NULL)
		return -1;
	if ((r = call(d->admin, req, 30000, &reply)) != 0)
		bench_warnx("policy-reload: %s", authd_strerror(r));
	else if (proto_get_u64(reply, PROTO_A_STATUS, &st) != 0 ||
	    st != PROTO_S_ALLOW) {
		bench_warnx("policy-reload: %s: %s", proto_str(reply,
		    PROTO_A_REASON, "?"), proto_str(reply, PROTO_A_MESSAGE,
		    "-"));
		r = -1;
	}
	proto_free(req);
	proto_free(reply);
	return r;
}

/* --- results -------------------------------------------------------------- */

struct gpoint {
	size_t		 users;
	unsigned	 systems;
	struct lres	 acct1, acctn, auth;
};

struct ppoint {
	int		 conns;
	struct lres	 echo, decho, authd;	/* decho: the durable echo */
};

struct popinfo {
	size_t		 users;
	size_t		 enrolled_new;
	double		 enroll_secs;
	size_t		 filled_new;
	double		 warm_secs;
};

struct run {
	struct gpoint	 g[LB_LIST_MAX * LB_LIST_MAX];
	int		 ng;
	struct ppoint	 p[LB_LIST_MAX];
	int		 np;
	struct popinfo	 pi[LB_LIST_MAX];
	int		 npi;
	size_t		 cap_users;
	unsigned	 cap_systems;
	struct bench_machine m;
	double		 authd_start_secs;
	uint64_t	 syslog_lines;
	long long	 syslog_dropped;	/* authd's count, -1 unknown */
	/* targets */
	int		 have_cap, cap_rate_ok, cap_share_ok, cap_p99_ok;
	double		 cap_rate, cap_share, cap_dshare, cap_p99;
	int		 have_growth, growth_acct_ok, growth_auth_ok;
	double		 growth_acct, growth_auth;
	double		 growth_acct_best, growth_auth_best;
	double		 other_load;	/* mean over the timed points */
	const struct gpoint *g_small, *g_large;
};

/* --- the run -------------------------------------------------------------- */

/*
 * What a load of decisions asks: `type` (ACCOUNT or AUTH) at `conns`
 * connections, for users 0..n-1 about their systems of a policy of nsys
 * systems, the phase named `service`.  After load_init.
 */
static void
load_decisions(struct load *l, int conns, size_t n, unsigned nsys,
    const char *service, uint8_t type)
{
	l->nconns = conns;
	l->next = next_decision;
	l->reply = reply_decision;
	l->nusers = n;
	l->nsys = nsys;
	l->service = service;
	l->type = type;
}

/* Slice k of `slices` in a window of `secs`: the first warms up longer. */
static void
load_slice(struct load *l, const struct opts *o, int k, long long secs,
    long long slices)
{
	l->warmup_ns = (k == 0 ? o->warmup_ms : LB_SLICE_WARMUP_MS) * 1000000;
	l->window_ns = secs * 1000000000 / slices;
}

/* Enrolls users pop->enrolled .. n-1, `conns` at a time. */
static int
enroll(const struct opts *o, const struct bench_authd *d, struct load *l,
    struct pop *pop, size_t n, struct popinfo *pi)
{
	size_t *list, i, from = pop->enrolled;
	long long a, dn, ot;
	int r;

	pi->enrolled_new = n - from;
	if (n <= from)
		return 0;
	if ((list = calloc(n - from, sizeof(*list))) == NULL)
		return -1;
	for (i = from; i < n; i++)
		list[i - from] = i;
	load_init(l, d->admin, d->pid, pop);
	l->nconns = (int)o->enroll_conns;
	l->next = next_enroll;
	l->reply = reply_enroll;
	l->list = list;
	l->nlist = n - from;
	l->type = PROTO_T_ENROLL;
	r = load_run(l);
	free(list);
	if (r != 0)
		return phase_fail(l, "enroll");
	pi->enroll_secs = l->secs;
	pop->enrolled = n;
	/* Every user of the population: a confirmed token, on the record. */
	if (count_records(d->db, "confirm", NULL, &a, &dn, &ot) != 0)
		return -1;
	if (a != (long long)n || dn != 0 || ot != 0) {
		bench_warnx("enroll: %zu tokens confirmed, but the audit trail "
		    "holds %lld confirmations (%lld denied, %lld other)", n,
		    a, dn, ot);
		return -1;
	}
	return 0;
}

/*
 * Fills the directory cache with the users `from` .. n-1: each once, in a
 * random order, at 32 connections; every answer checked.
 */
static int
warm(const struct bench_authd *d, struct load *l, struct pop *pop, size_t from,
    size_t n, unsigned nsys, struct popinfo *pi)
{
	struct lres r;
	size_t *list, i, j, t, cnt = n - from;
	char service[32];
	int ret;

	if (cnt == 0)
		return 0;
	if ((list = calloc(cnt, sizeof(*list))) == NULL)
		return -1;
	for (i = 0; i < cnt; i++)
		list[i] = from + i;
	load_init(l, d->sock, d->pid, pop);
	for (i = cnt - 1; i > 0; i--) {
		j = (size_t)(rnd_next(&l->rnd) % (i + 1));
		t = list[i];
		list[i] = list[j];
		list[j] = t;
	}
	snprintf(service, sizeof(service), "fill-%zu", n);
	load_decisions(l, 32, n, nsys, service, PROTO_T_ACCOUNT);
	l->list = list;
	l->nlist = cnt;
	ret = load_run(l);
	free(list);
	if (ret != 0)
		return phase_fail(l, "filling the cache");
	pi->warm_secs = l->secs;
	pi->filled_new = cnt;
	if (lres_fill(&r, l) != 0)
		return -1;
	return audit_check(d->db, "account", service, &r);
}

/*
 * Times ACCOUNT with `conns` connections for `secs`, in o->growth_slices
 * slices (new connections each; the first warms up).
 */
static int
time_account(const struct opts *o, const struct bench_authd *d, struct load *l,
    struct pop *pop, size_t n, unsigned nsys, int conns, int64_t secs,
    const char *service, struct lres *r)
{
	struct acc a;
	int k;

	memset(&a, 0, sizeof(a));
	for (k = 0; k < o->growth_slices; k++) {
		load_init(l, d->sock, d->pid, pop);
		load_decisions(l, conns, n, nsys, service, PROTO_T_ACCOUNT);
		load_slice(l, o, k, secs, o->growth_slices);
		if (load_run(l) != 0) {
			free(a.lat.v);
			return phase_fail(l, service);
		}
		if (acc_add(&a, l) != 0) {
			free(a.lat.v);
			return -1;
		}
	}
	acc_done(&a, r);
	return audit_check(d->db, "account", service, r);
}

/*
 * AUTH for `count` distinct users at one connection: users whose current
 * step is still free (each code is good once).
 */
static int
time_auth(const struct opts *o, const struct bench_authd *d, struct load *l,
    struct pop *pop, size_t n, unsigned nsys, size_t count,
    const char *service, struct lres *r)
{
	size_t *perm, *list, i, j, t, got = 0, from, to;
	struct acc a;
	int64_t step;
	int ret = -1, waited = 0, k;

	memset(&a, 0, sizeof(a));
	if (count > n)
		count = n;
	if ((perm = calloc(n, sizeof(*perm))) == NULL ||
	    (list = calloc(count, sizeof(*list))) == NULL) {
		free(perm);
		return -1;
	}
	load_init(l, d->sock, d->pid, pop);
	for (;;) {
		for (i = 0; i < n; i++)
			perm[i] = i;
		step = (int64_t)time(NULL) / LB_STEP;
		for (i = 0, got = 0; i < n && got < count; i++) {
			j = i + (size_t)(rnd_next(&l->rnd) % (n - i));
			t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
			if (pop->last_step[perm[i]] < step)
				list[got++] = perm[i];
		}
		if (got == count || waited)
			break;
		/* Not enough free users in this step: wait for the next. */
		sleep((unsigned)(LB_STEP - time(NULL) % LB_STEP + 1));
		waited = 1;
	}
	if (got < count) {
		bench_warnx("auth: only %zu users with a free step", got);
		goto out;
	}
	/* In slices as ACCOUNT is, each a share of the list. */
	for (k = 0, from = 0; k < o->growth_slices; k++, from = to) {
		to = count * (size_t)(k + 1) / (size_t)o->growth_slices;
		if (to == from)
			continue;
		load_init(l, d->sock, d->pid, pop);
		load_decisions(l, 1, n, nsys, service, PROTO_T_AUTH);
		l->list = list + from;
		l->nlist = to - from;
		if (load_run(l) != 0) {
			phase_fail(l, service);
			goto out;
		}
		if (acc_add(&a, l) != 0)
			goto out;
	}
	acc_done(&a, r);
	ret = audit_check(d->db, "auth", service, r);
 out:
	free(a.lat.v);
	free(perm);
	free(list);
	return ret;
}

/* Waits until the echo server answers on `sock`. */
static int
echo_wait(const char *sock, pid_t pid)
{
	int64_t deadline = mono_ms() + 10000;
	int fd, status;

	while (mono_ms() < deadline) {
		if (sock_connect(sock, mono_ms() + 1000, &fd) == 0) {
			close(fd);
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			bench_warnx("the echo server exited at start");
			return -1;
		}
		usleep(20000);
	}
	bench_warnx("the echo server did not start");
	return -1;
}

/* The capacity series: echo and authd at each concurrency, interleaved. */
static int
capacity(const struct opts *o, const struct bench_authd *d, struct load *l,
    struct pop *pop, size_t n, unsigned nsys, struct run *run)
{
	char esock[4096], elog[4096], th[16], service[32];
	char dsock[4096], dlog[4096], dfile[4096];
	char *argv[] = { "load_bench", "echo", "--socket", esock, "--threads",
	    th, NULL };
	char *dargv[] = { "load_bench", "echo", "--socket", dsock, "--sync",
	    dfile, NULL };
	static const char *const turn_name[] = { "echo", "durable echo" };
	struct ppoint *p;
	struct acc acc[3];
	pid_t epid = -1, dpid = -1, pid;
	const char *sock;
	int i, k, ret = -1, t;

	memset(acc, 0, sizeof(acc));

	if (bench_path_join(esock, sizeof(esock), d->dir, "echo.sock") != 0 ||
	    bench_path_join(elog, sizeof(elog), d->dir, "echo.log") != 0 ||
	    bench_path_join(dsock, sizeof(dsock), d->dir, "decho.sock") != 0 ||
	    bench_path_join(dlog, sizeof(dlog), d->dir, "decho.log") != 0 ||
	    bench_path_join(dfile, sizeof(dfile), d->dir, "decho.data") != 0)
		return -1;
	snprintf(th, sizeof(th), "%lld", o->echo_threads);
	if (bench_spawn(o->self, argv, elog, &epid) != 0 ||
	    echo_wait(esock, epid) != 0 ||
	    bench_spawn(o->self, dargv, dlog, &dpid) != 0 ||
	    echo_wait(dsock, dpid) != 0)
		goto out;
	run->cap_users = n;
	run->cap_systems = nsys;
	for (i = 0; i < o->nconns; i++) {
		p = &run->p[run->np++];
		p->conns = (int)o->conns[i];
		printf("load_bench: capacity, %d connections ...\n",
		    p->conns);
		fflush(stdout);
		snprintf(service, sizeof(service), "cap-c%d", p->conns);
		/*
		 * The echo, the durable echo and authd take turns in short
		 * slices, so that all see the same background load; the
		 * first slice of each warms up longer.
		 */
		for (k = 0; k < o->slices; k++)
			for (t = 0; t < 3; t++) {
				sock = t == 0 ? esock : t == 1 ? dsock :
				    d->sock;
				pid = t == 0 ? epid : t == 1 ? dpid : d->pid;
				load_init(l, sock, pid, pop);
				l->echo = t < 2;
				load_decisions(l, p->conns, n, nsys, service,
				    PROTO_T_ACCOUNT);
				load_slice(l, o, k, o->seconds, o->slices);
				if (load_run(l) != 0) {
					phase_fail(l, t < 2 ? turn_name[t] :
					    service);
					goto out;
				}
				if (acc_add(&acc[t], l) != 0)
					goto out;
			}
		acc_done(&acc[0], &p->echo);
		acc_done(&acc[1], &p->decho);
		acc_done(&acc[2], &p->authd);
		if (audit_check(d->db, "account", service, &p->authd) != 0)
			goto out;
	}
	ret = 0;
 out:
	if (epid > 0)
		(void)bench_reap(epid, "the echo server", LB_STOP_TIMEOUT_MS,
		    NULL);
	if (dpid > 0)
		(void)bench_reap(dpid, "the durable echo server",
		    LB_STOP_TIMEOUT_MS, NULL);
	unlink(esock);
	unlink(dsock);
	unlink(dfile);
	for (t = 0; t < 3; t++)
		free(acc[t].lat.v);
	return ret;
}

/* Prepares the directories authd needs; as root they are authd's. */
static int
prepare_dirs(const struct opts *o, const struct bench_authd *d)
{
	if (mkdir(d->dir, 0755) != 0 && errno != EEXIST) {
		bench_warnx("%s: %s", d->dir, strerror(errno));
		return -1;
	}
	/* authd, once it has dropped to its user, must reach its sockets. */
	if (chmod(d->dir, 0755) != 0 || mkdir(d->state, 0700) != 0 ||
	    mkdir(d->policy, 0755) != 0) {
		bench_warnx("%s: %s", d->dir, strerror(errno));
		return -1;
	}
	if (geteuid() == 0 && bench_chown_user(d->state, o->user) != 0)
		return -1;
	return 0;
}

/* What authd logged at stop about audit copies it could not send. */
static long long
syslog_dropped(const char *log)
{
	char line[1024], *p;
	long long n = 0;
	FILE *f;

	if ((f = fopen(log, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if ((p = strstr(line, "syslog: ")) != NULL &&
		    strstr(p, " audit copies could not be sent") != NULL)
			n += strtoll(p + strlen("syslog: "), NULL, 10);
	fclose(f);
	return n;
}

/*
 * One authd for the whole run: per population the new users are enrolled
 * and put in the cache, then each policy size is measured.
 */
static int
run_all(const struct opts *o, struct run *run)
{
	struct bench_authd d;
	struct bench_sink sink;
	char state[4096], logsock[4096];
	struct load l;
	struct pop pop;
	struct gpoint *g;
	struct popinfo *pi;
	char service[32];
	size_t maxn = (size_t)o->pops[o->npops - 1], n, prev = 0;
	unsigned nsys, cur;
	int i, s, ret = -1, sink_on = 0;
	int64_t t0;

	memset(&l, 0, sizeof(l));
	memset(&pop, 0, sizeof(pop));
	if (bench_path_join(state, sizeof(state), o->dir, "state") != 0 ||
	    bench_path_join(logsock, sizeof(logsock), o->dir,
	    "log.sock") != 0 || bench_authd_paths(&d, o->dir, state) != 0 ||
	    prepare_dirs(o, &d) != 0)
		return -1;
	if ((pop.seed = calloc(maxn, sizeof(*pop.seed))) == NULL ||
	    (pop.last_step = calloc(maxn, sizeof(*pop.last_step))) == NULL)
		goto out;
	pop.max = maxn;
	if (bench_sink_start(&sink, logsock) != 0)
		goto out;
	sink_on = 1;
	cur = (unsigned)o->systems[0];
	if (policy_write(d.policy, cur) != 0 ||
	    write_conf(o, &d, logsock, maxn * 2 > 100000 ? maxn * 2 :
	    100000) != 0)
		goto out;
	printf("load_bench: starting authd ...\n");
	fflush(stdout);
	t0 = bench_now_ns();
	if (bench_authd_start(&d, o->authd, LB_START_TIMEOUT_MS) != 0)
		goto out;
	run->authd_start_secs = (double)(bench_now_ns() - t0) / 1e9;
	for (i = 0; i < o->npops; i++, prev = n) {
		n = (size_t)o->pops[i];
		pi = &run->pi[run->npi++];
		pi->users = n;
		printf("load_bench: %zu users: enrolling %zu ...\n", n,
		    n - pop.enrolled);
		fflush(stdout);
		if (enroll(o, &d, &l, &pop, n, pi) != 0)
			goto out;
		printf("load_bench: %zu users: putting %zu in the cache "
		    "...\n", n, n - prev);
		fflush(stdout);
		if (warm(&d, &l, &pop, prev, n, cur, pi) != 0)
			goto out;
		for (s = 0; s < o->nsystems; s++) {
			nsys = (unsigned)o->systems[s];
			if (nsys != cur && (policy_write(d.policy, nsys) != 0 ||
			    policy_reload(&d) != 0))
				goto out;
			cur = nsys;
			g = &run->g[run->ng++];
			g->users = n;
			g->systems = nsys;
			printf("load_bench: %zu users, %u systems ...\n", n,
			    nsys);
			fflush(stdout);
			snprintf(service, sizeof(service), "g%zu-s%u-c1", n,
			    nsys);
			if (time_account(o, &d, &l, &pop, n, nsys, 1,
			    o->growth_seconds, service, &g->acct1) != 0)
				goto out;
			snprintf(service, sizeof(service), "g%zu-s%u-c%lld", n,
			    nsys, o->growth_conns);
			if (time_account(o, &d, &l, &pop, n, nsys,
			    (int)o->growth_conns, o->growth_seconds, service,
			    &g->acctn) != 0)
				goto out;
			snprintf(service, sizeof(service), "g%zu-s%u-auth", n,
			    nsys);
			if (time_auth(o, &d, &l, &pop, n, nsys,
			    (size_t)o->auth_users, service, &g->auth) != 0)
				goto out;
		}
	}
	if (o->nconns > 0 && capacity(o, &d, &l, &pop, maxn, cur, run) != 0)
		goto out;
	if (bench_authd_stop(&d, LB_STOP_TIMEOUT_MS) != 0)
		goto out;
	run->syslog_dropped = syslog_dropped(d.log);
	ret = 0;
 out:
	if (ret != 0 && d.pid > 0)
		(void)bench_authd_stop(&d, LB_STOP_TIMEOUT_MS);
	if (sink_on) {
		bench_sink_stop(&sink, logsock);
		run->syslog_lines = sink.lines;
	}
	free(l.lat.v);
	if (pop.seed != NULL) {
		explicit_bzero(pop.seed, maxn * sizeof(*pop.seed));
		free(pop.seed);
	}
	free(pop.last_step);
	return ret;
}

/* --- targets and reports -------------------------------------------------- */

static void
targets(const struct opts *o, struct run *run)
{
	const struct ppoint *p;
	double sum = 0;
	int i, n = 0;

	for (i = 0; i < run->np; i++, n += 3)
		sum += run->p[i].echo.others_cpu + run->p[i].decho.others_cpu +
		    run->p[i].authd.others_cpu;
	for (i = 0; i < run->ng; i++, n += 3)
		sum += run->g[i].acct1.others_cpu +
		    run->g[i].acctn.others_cpu + run->g[i].auth.others_cpu;
	run->other_load = n > 0 ? sum / n : 0;

	for (i = 0; i < run->np; i++) {
		p = &run->p[i];
		if (p->conns != LB_TARGET_CONNS)
			continue;
		run->have_cap = 1;
		run->cap_rate = p->authd.rate;
		run->cap_share = p->echo.rate > 0 ? p->authd.rate /
		    p->echo.rate : 0;
		run->cap_dshare = p->decho.rate > 0 ? p->authd.rate /
		    p->decho.rate : 0;
		run->cap_p99 = p->authd.p99;
		run->cap_rate_ok = run->cap_rate >= LB_TARGET_RATE;
		run->cap_share_ok = run->cap_share >= LB_TARGET_ECHO_SHARE;
		run->cap_p99_ok = run->cap_p99 <= LB_TARGET_P99_MS;
	}
	/* The smallest population and policy against the largest. */
	if (run->ng >= 2 && o->npops >= 2) {
		run->g_small = &run->g[0];
		run->g_large = &run->g[run->ng - 1];
		run->have_growth = 1;
		run->growth_acct = run->g_small->acct1.p50 > 0 ?
		    run->g_large->acct1.p50 / run->g_small->acct1.p50 : 0;
		run->growth_auth = run->g_small->auth.p50 > 0 ?
		    run->g_large->auth.p50 / run->g_small->auth.p50 : 0;
		run->growth_acct_best = run->g_small->acct1.best_p50 > 0 ?
		    run->g_large->acct1.best_p50 /
		    run->g_small->acct1.best_p50 : 0;
		run->growth_auth_best = run->g_small->auth.best_p50 > 0 ?
		    run->g_large->auth.best_p50 /
		    run->g_small->auth.best_p50 : 0;
		run->growth_acct_ok = run->growth_acct <= LB_TARGET_GROWTH;
		run->growth_auth_ok = run->growth_auth <= LB_TARGET_GROWTH;
	}
}

static int
all_met(const struct run *run)
{
	if (run->have_cap && !(run->cap_rate_ok && run->cap_share_ok &&
	    run->cap_p99_ok))
		return 0;
	if (run->have_growth && !(run->growth_acct_ok && run->growth_auth_ok))
		return 0;
	return 1;
}

/* 12345.6 as "12,346". */
static const char *
thou(double v, char *buf, size_t sz)
{
	char tmp[32];
	long long n = (long long)(v + 0.5);
	size_t len, o = 0, i;

	snprintf(tmp, sizeof(tmp), "%lld", n);
	len = strlen(tmp);
	for (i = 0; i < len && o + 2 < sz; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

static const char *
ok(int v)
{
	return v ? "PASS" : "FAIL";
}

/* A Markdown table's alignment row: `n` right-aligned columns. */
static void
md_rule(FILE *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(f, "| ---: ");
	fprintf(f, "|\n");
}

/* A growth target's line: the largest point's `what` p50 / the smallest's. */
static void
md_growth(FILE *f, const struct run *run, const char *what, int pass,
    double ratio)
{
	char a[32], b[32];

	fprintf(f, "- %s: %s p50 at %s users / %u systems is %.2fx that at "
	    "%s / %u (target <= %.0fx)\n", ok(pass), what,
	    thou((double)run->g_large->users, a, sizeof(a)),
	    run->g_large->systems, ratio, thou((double)run->g_small->users, b,
	    sizeof(b)), run->g_small->systems, LB_TARGET_GROWTH);
}

static void
report_md(FILE *f, const struct opts *o, const struct run *run)
{
	const struct gpoint *g;
	const struct ppoint *p;
	const struct popinfo *pi;
	char a[32], b[32], c[32];
	int i;

	fprintf(f, "# Capacity and growth of one authd\n\n");
	fprintf(f, "Machine: %s, %s, %ld CPUs; %s.\n\n", run->m.uname,
	    run->m.cpu, run->m.ncpu, run->m.date);
	fprintf(f, "authd %s (release build): durable audit with group "
	    "commit, %lld workers, its log to a file (-d), audit copies to a "
	    "datagram socket the bench drains.  Load: one epoll loop, one "
	    "request outstanding per connection (closed loop), %lld ms "
	    "warm-up per point.  \"other load\": CPUs that other processes "
	    "of the machine used meanwhile.\n\n", o->authd_version,
	    o->workers, o->warmup_ms);
	fprintf(f, "Setup: the directory holds %s users", thou((double)
	    o->directory_users, a, sizeof(a)));
	if (o->slapd_secs > 0)
		fprintf(f, " (slapadd and slapd start: %.1f s)",
		    o->slapd_secs);
	fprintf(f, "; one authd (started in %.1f s) for the whole run, its "
	    "population grown in place: new users enrolled over the admin "
	    "socket (ENROLL, CONFIRM; %lld connections), then put in the "
	    "directory cache with one ACCOUNT each (32 connections).\n\n",
	    run->authd_start_secs, o->enroll_conns);
	fprintf(f, "| users | enrolled | enrollment s | users/s | put in the "
	    "cache | cache fill s | users/s |\n");
	md_rule(f, 7);
	for (i = 0; i < run->npi; i++) {
		pi = &run->pi[i];
		fprintf(f, "| %s | %s | %.1f | %s | ", thou((double)pi->users,
		    a, sizeof(a)), thou((double)pi->enrolled_new, b,
		    sizeof(b)), pi->enroll_secs, pi->enroll_secs > 0 ?
		    thou((double)pi->enrolled_new / pi->enroll_secs, c,
		    sizeof(c)) : "-");
		fprintf(f, "%s | %.1f | %s |\n", thou((double)pi->filled_new,
		    a, sizeof(a)), pi->warm_secs, pi->warm_secs > 0 ?
		    thou((double)pi->filled_new / pi->warm_secs, b,
		    sizeof(b)) : "-");
	}
	if (run->syslog_dropped > 0)
		fprintf(f, "\nauthd could not send %lld of its audit copies "
		    "to the syslog socket (the bench drained %" PRIu64 "; "
		    "net.unix.max_dgram_qlen limits the queue).\n",
		    run->syslog_dropped, run->syslog_lines);
	if (run->np > 0) {
		fprintf(f, "\n## Capacity: %s users, %u systems, ACCOUNT\n\n"
		    "Each point: %lld s each of echo, durable echo and authd, "
		    "in %lld alternating turns.  The durable echo writes the "
		    "frames it read in one pass to a file and fdatasyncs it "
		    "before it answers them: group commit and nothing else, "
		    "the floor of any server that answers only what is on the "
		    "disk.\n\n", thou((double)run->cap_users, a, sizeof(a)),
		    run->cap_systems, o->seconds, o->slices);
		fprintf(f, "| connections | echo/s | echo p50 ms | durable "
		    "echo/s | durable p50 ms | authd decisions/s | p50 ms | "
		    "p99 ms | max ms | of echo | of durable echo | authd CPU "
		    "µs/decision | other load (CPUs) |\n");
		md_rule(f, 13);
		for (i = 0; i < run->np; i++) {
			p = &run->p[i];
			fprintf(f, "| %d | %s | %.3f | %s | %.3f | %s | %.3f "
			    "| %.3f | %.2f | %.1f%% | %.1f%% | %.0f | %.2f |\n",
			    p->conns, thou(p->echo.rate, a, sizeof(a)),
			    p->echo.p50, thou(p->decho.rate, c, sizeof(c)),
			    p->decho.p50, thou(p->authd.rate, b, sizeof(b)),
			    p->authd.p50, p->authd.p99, p->authd.max,
			    p->echo.rate > 0 ? 100 * p->authd.rate /
			    p->echo.rate : 0, p->decho.rate > 0 ? 100 *
			    p->authd.rate / p->decho.rate : 0,
			    us_per(&p->authd), p->authd.others_cpu);
		}
	}
	if (run->ng > 0) {
		fprintf(f, "\n## Growth: %lld s per ACCOUNT point, AUTH for "
		    "%lld distinct users\n\n", o->growth_seconds,
		    o->auth_users);
		fprintf(f, "The 1-connection medians are also given for the "
		    "fastest of the %lld slices each point is measured in: "
		    "the least disturbed by other processes.\n\n",
		    o->growth_slices);
		fprintf(f, "| users | systems | ACCOUNT p50 ms (1 conn) | "
		    "fastest slice | p99 ms | ACCOUNT/s (%lld conns) | p99 ms "
		    "| authd CPU µs/decision | AUTH p50 ms (1 conn) | fastest "
		    "slice | p99 ms | other load (CPUs) |\n", o->growth_conns);
		md_rule(f, 12);
		for (i = 0; i < run->ng; i++) {
			g = &run->g[i];
			fprintf(f, "| %s | %u | %.3f | %.3f | %.3f | %s | %.3f "
			    "| %.0f | %.3f | %.3f | %.3f | %.2f |\n",
			    thou((double)g->users, a, sizeof(a)), g->systems,
			    g->acct1.p50, g->acct1.best_p50, g->acct1.p99,
			    thou(g->acctn.rate, b, sizeof(b)), g->acctn.p99,
			    us_per(&g->acctn), g->auth.p50, g->auth.best_p50,
			    g->auth.p99, (g->acct1.others_cpu +
			    g->acctn.others_cpu + g->auth.others_cpu) / 3);
		}
	}
	fprintf(f, "\n## Targets\n\n");
	if (run->have_cap) {
		fprintf(f, "- %s: %s audited decisions/s at %d connections "
		    "(target >= %s)\n", ok(run->cap_rate_ok), thou(
		    run->cap_rate, a, sizeof(a)), LB_TARGET_CONNS,
		    thou(LB_TARGET_RATE, b, sizeof(b)));
		fprintf(f, "- %s: %.1f%% of the echo floor's rate at %d "
		    "connections (target >= %.0f%%; %.1f%% of the durable "
		    "echo's)\n", ok(run->cap_share_ok), 100 * run->cap_share,
		    LB_TARGET_CONNS, 100 * LB_TARGET_ECHO_SHARE,
		    100 * run->cap_dshare);
		fprintf(f, "- %s: p99 %.2f ms at %d connections (target <= "
		    "%.0f ms)\n", ok(run->cap_p99_ok), run->cap_p99,
		    LB_TARGET_CONNS, LB_TARGET_P99_MS);
	} else
		fprintf(f, "- not checked: capacity at %d connections (not "
		    "in this run)\n", LB_TARGET_CONNS);
	if (run->have_growth) {
		md_growth(f, run, "ACCOUNT", run->growth_acct_ok,
		    run->growth_acct);
		md_growth(f, run, "AUTH", run->growth_auth_ok,
		    run->growth_auth);
		fprintf(f, "- (a guide) the fastest slices' medians: ACCOUNT "
		    "%.2fx, AUTH %.2fx\n", run->growth_acct_best,
		    run->growth_auth_best);
		fprintf(f, "- (a guide) authd CPU per ACCOUNT at %lld "
		    "connections: %.0f µs against %.0f µs, %.2fx\n",
		    o->growth_conns, us_per(&run->g_large->acctn),
		    us_per(&run->g_small->acctn), us_per(&run->g_small->acctn)
		    > 0 ? us_per(&run->g_large->acctn) /
		    us_per(&run->g_small->acctn) : 0);
	} else
		fprintf(f, "- not checked: growth (needs two populations)\n");
	if (run->other_load >= 0.25)
		fprintf(f, "\nOther processes used %.2f CPUs on average while "
		    "this run timed (of %ld): the numbers above are those of a "
		    "shared machine.\n", run->other_load, run->m.ncpu);
	fprintf(f, "\n%s\n", all_met(run) ? "All targets checked were met." :
	    "A target was missed.");
}

/*
 * The targets the run checked, each as
 * "NAME":{"value":V,"target_min" or "target_max":T,"pass":B}.
 */
static void
json_targets(FILE *f, const struct run *run)
{
	const struct {
		int		 checked;
		const char	*name;
		double		 value;
		int		 vprec;		/* decimals */
		const char	*bound;
		double		 target;
		int		 tprec;
		int		 pass;
	} t[] = {
		{ run->have_cap, "rate_at_32", run->cap_rate, 1, "target_min",
		    LB_TARGET_RATE, 0, run->cap_rate_ok },
		{ run->have_cap, "share_of_echo_at_32", run->cap_share, 4,
		    "target_min", LB_TARGET_ECHO_SHARE, 2, run->cap_share_ok },
		{ run->have_cap, "p99_ms_at_32", run->cap_p99, 4, "target_max",
		    LB_TARGET_P99_MS, 1, run->cap_p99_ok },
		{ run->have_growth, "growth_account_p50", run->growth_acct, 4,
		    "target_max", LB_TARGET_GROWTH, 1, run->growth_acct_ok },
		{ run->have_growth, "growth_auth_p50", run->growth_auth, 4,
		    "target_max", LB_TARGET_GROWTH, 1, run->growth_auth_ok },
	};
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].checked)
			fprintf(f, "%s\"%s\":{\"value\":%.*f,\"%s\":%.*f,"
			    "\"pass\":%s}", n++ ? "," : "", t[i].name,
			    t[i].vprec, t[i].value, t[i].bound, t[i].tprec,
			    t[i].target, t[i].pass ? "true" : "false");
	if (run->have_growth)
		fprintf(f, ",\"growth_account_best_slice\":%.4f,"
		    "\"growth_auth_best_slice\":%.4f,"
		    "\"from\":{\"users\":%zu,\"systems\":%u},\"to\":{\"users\":"
		    "%zu,\"systems\":%u}", run->growth_acct_best,
		    run->growth_auth_best, run->g_small->users,
		    run->g_small->systems, run->g_large->users,
		    run->g_large->systems);
}

static int
report_json(const char *path, const struct opts *o, const struct run *run)
{
	const struct popinfo *pi;
	int i;
	FILE *f;

	if ((f = fopen(path, "we")) == NULL) {
		bench_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"benchmark\":\"capacity\",\n \"machine\":{\"uname\":");
	bench_json_str(f, run->m.uname);
	fprintf(f, ",\"cpu\":");
	bench_json_str(f, run->m.cpu);
	fprintf(f, ",\"nproc\":%ld,\"date\":\"%s\"},\n", run->m.ncpu,
	    run->m.date);
	fprintf(f, " \"authd\":");
	bench_json_str(f, o->authd_version);
	fprintf(f, ",\n \"config\":{\"slices\":%lld,\"workers\":%lld,"
	    "\"audit_group_commit\":true,"
	    "\"seconds\":%lld,\"growth_seconds\":%lld,\"warmup_ms\":%lld,"
	    "\"auth_users\":%lld,\"echo_threads\":%lld,\"enroll_conns\":%lld,"
	    "\"growth_conns\":%lld,\"directory_users\":%lld,"
	    "\"slapd_seconds\":%.2f},\n", o->slices, o->workers, o->seconds,
	    o->growth_seconds, o->warmup_ms, o->auth_users, o->echo_threads,
	    o->enroll_conns, o->growth_conns, o->directory_users,
	    o->slapd_secs);
	fprintf(f, " \"setup\":[");
	for (i = 0; i < run->npi; i++) {
		pi = &run->pi[i];
		fprintf(f, "%s\n  {\"users\":%zu,\"enrolled_new\":%zu,"
		    "\"enroll_s\":%.3f,\"cache_filled_new\":%zu,"
		    "\"cache_fill_s\":%.3f}", i ? "," : "", pi->users,
		    pi->enrolled_new, pi->enroll_secs, pi->filled_new,
		    pi->warm_secs);
	}
	fprintf(f, "],\n \"capacity\":{\"users\":%zu,\"systems\":%u,"
	    "\"points\":[", run->cap_users, run->cap_systems);
	for (i = 0; i < run->np; i++) {
		fprintf(f, "%s\n  {\"connections\":%d,", i ? "," : "",
		    run->p[i].conns);
		json_lres(f, "echo", &run->p[i].echo);
		fputc(',', f);
		json_lres(f, "durable_echo", &run->p[i].decho);
		fputc(',', f);
		json_lres(f, "authd", &run->p[i].authd);
		fprintf(f, ",\"of_echo\":%.4f,\"of_durable_echo\":%.4f}",
		    run->p[i].echo.rate > 0 ? run->p[i].authd.rate /
		    run->p[i].echo.rate : 0, run->p[i].decho.rate > 0 ?
		    run->p[i].authd.rate / run->p[i].decho.rate : 0);
	}
	fprintf(f, "]},\n \"growth\":[");
	for (i = 0; i < run->ng; i++) {
		fprintf(f, "%s\n  {\"users\":%zu,\"systems\":%u,", i ? "," : "",
		    run->g[i].users, run->g[i].systems);
		json_lres(f, "account_1", &run->g[i].acct1);
		fputc(',', f);
		json_lres(f, "account_n", &run->g[i].acctn);
		fputc(',', f);
		json_lres(f, "auth_1", &run->g[i].auth);
		fputc('}', f);
	}
	fprintf(f, "],\n \"authd_start_s\":%.3f,\"syslog_datagrams\":%" PRIu64
	    ",\"syslog_dropped\":%lld,\n", run->authd_start_secs,
	    run->syslog_lines, run->syslog_dropped);
	fprintf(f, " \"targets\":{");
	json_targets(f, run);
	fprintf(f, "},\n \"other_load_cpus\":%.3f,\"pass\":%s}\n",
	    run->other_load, all_met(run) ? "true" : "false");
	if (ferror(f) | (fclose(f) != 0)) {
		bench_warnx("%s: write failed", path);
		return -1;
	}
	return 0;
}

/* --- main ----------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: load_bench ldif --users N [--systems LIST] [--out FILE]\n"
	    "       load_bench echo --socket PATH [--threads N]\n"
	    "       load_bench run --authd PATH --dir DIR --ldap-uri URI\n"
	    "                  [--bind-dn DN] [--bind-pw PW] [options]\n"
	    "\n"
	    "run options:\n"
	    "  --populations LIST  users per authd start (default"
	    " 1000,10000,100000)\n"
	    "  --systems LIST      policy sizes (default 10,200)\n"
	    "  --conns LIST        capacity concurrencies (default"
	    " 1,8,32,128; 0: none)\n"
	    "  --seconds S         capacity window per point (default 5)\n"
	    "  --slices N          turns echo and authd take in it"
	    " (default 5)\n"
	    "  --growth-seconds S  growth window per point (default 3)\n"
	    "  --growth-slices N   slices of it, and of the AUTH users"
	    " (default 5)\n"
	    "  --warmup-ms MS      unmeasured time before each window"
	    " (default 1000)\n"
	    "  --auth-users N      AUTH requests per growth point"
	    " (default 500)\n"
	    "  --growth-conns N    connections of the growth rate"
	    " (default 32)\n"
	    "  --workers N         authd's workers (default 16, authd's"
	    " own)\n"
	    "  --echo-threads N    echo server event loops (default 1)\n"
	    "  --enroll-conns N    enrollment connections (default 32)\n"
	    "  --user NAME         authd's user when run as root"
	    " (default _authd)\n"
	    "  --json FILE, --md FILE   also write the results there\n"
	    "  --directory-users N, --slapd-ms MS, --authd-version S"
	    "   reported only\n");
}

static int
run_main(int argc, char **argv, const char *self)
{
	static const struct option longopts[] = {
		{ "authd",		required_argument, NULL, 'a' },
		{ "dir",		required_argument, NULL, 'd' },
		{ "ldap-uri",		required_argument, NULL, 'L' },
		{ "bind-dn",		required_argument, NULL, 'D' },
		{ "bind-pw",		required_argument, NULL, 'w' },
		{ "user",		required_argument, NULL, 'u' },
		{ "json",		required_argument, NULL, 'j' },
		{ "md",			required_argument, NULL, 'm' },
		{ "populations",	required_argument, NULL, 'P' },
		{ "systems",		required_argument, NULL, 'S' },
		{ "conns",		required_argument, NULL, 'c' },
		{ "seconds",		required_argument, NULL, 's' },
		{ "growth-seconds",	required_argument, NULL, 'g' },
		{ "warmup-ms",		required_argument, NULL, 'W' },
		{ "auth-users",		required_argument, NULL, 'A' },
		{ "growth-conns",	required_argument, NULL, 'G' },
		{ "workers",		required_argument, NULL, 'k' },
		{ "echo-threads",	required_argument, NULL, 'e' },
		{ "enroll-conns",	required_argument, NULL, 'E' },
		{ "directory-users",	required_argument, NULL, 'U' },
		{ "slapd-ms",		required_argument, NULL, 'T' },
		{ "slices",		required_argument, NULL, 'K' },
		{ "growth-slices",	required_argument, NULL, 'X' },
		{ "authd-version",	required_argument, NULL, 'V' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 },
	};
	struct opts o = {
		.user = "_authd", .bind_dn = BENCH_BIND_DN,
		.bind_pw = BENCH_BIND_PW,
		.pops = { 1000, 10000, 100000 }, .npops = 3,
		.systems = { 10, 200 }, .nsystems = 2,
		.conns = { 1, 8, 32, 128 }, .nconns = 4,
		.seconds = 5, .growth_seconds = 3, .warmup_ms = 1000,
		.auth_users = 500, .workers = 16, .echo_threads = 1,
		.enroll_conns = 32, .growth_conns = 32, .slices = 5,
		.growth_slices = 5,
		.authd_version = "unknown",
	};
	static struct run run;
	long long slapd_ms = 0;
	const struct bench_numopt nums[] = {
		{ 's', "--seconds", 1, 3600, &o.seconds, NULL },
		{ 'g', "--growth-seconds", 1, 3600, &o.growth_seconds, NULL },
		{ 'W', "--warmup-ms", 0, 60000, &o.warmup_ms, NULL },
		{ 'A', "--auth-users", 1, LB_USERS_MAX, &o.auth_users, NULL },
		{ 'G', "--growth-conns", 1, LB_CONNS_MAX, &o.growth_conns,
		    NULL },
		{ 'k', "--workers", 1, 256, &o.workers, NULL },
		{ 'e', "--echo-threads", 1, 64, &o.echo_threads, NULL },
		{ 'E', "--enroll-conns", 1, LB_CONNS_MAX, &o.enroll_conns,
		    NULL },
		{ 'U', "--directory-users", 0, LB_USERS_MAX,
		    &o.directory_users, NULL },
		{ 'T', "--slapd-ms", 0, 86400000, &slapd_ms, NULL },
		{ 'K', "--slices", 1, 100, &o.slices, NULL },
		{ 'X', "--growth-slices", 1, 100, &o.growth_slices, NULL },
	};
	char absdir[PATH_MAX];
	int ch, rc;

	while ((ch = bench_getopt(argc, argv, "h", longopts, nums,
	    BENCH_NITEMS(nums))) != -1) {
		switch (ch) {
		case BENCH_OPT_BAD:
			return 2;
		case 'a': o.authd = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'L': o.ldap_uri = optarg; break;
		case 'D': o.bind_dn = optarg; break;
		case 'w': o.bind_pw = optarg; break;
		case 'u': o.user = optarg; break;
		case 'j': o.json = optarg; break;
		case 'm': o.md = optarg; break;
		case 'P':
			if (opt_list("--populations", optarg, 1, LB_USERS_MAX,
			    o.pops, &o.npops) != 0)
				return 2;
			break;
		case 'S':
			if (opt_list("--systems", optarg, 1, LB_SYSTEMS_MAX,
			    o.systems, &o.nsystems) != 0)
				return 2;
			break;
		case 'c':
			if (strcmp(optarg, "0") == 0)
				o.nconns = 0;
			else if (opt_list("--conns", optarg, 1, LB_CONNS_MAX,
			    o.conns, &o.nconns) != 0)
				return 2;
			break;
		case 'V':
			o.authd_version = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.authd == NULL || o.dir == NULL ||
	    o.ldap_uri == NULL) {
		usage(stderr);
		return 2;
	}
	if (access(o.authd, X_OK) != 0) {
		bench_warnx("%s: %s", o.authd, strerror(errno));
		return 2;
	}
	o.slapd_secs = (double)slapd_ms / 1000;
	if (o.directory_users == 0)
		o.directory_users = o.pops[o.npops - 1];
	if (bench_mkdir_abs(o.dir, 0755, absdir) != 0)
		return 2;
	o.dir = absdir;
	o.self = self;
	signal(SIGPIPE, SIG_IGN);
	if (oath_init() != OATH_OK) {
		bench_warnx("oath_init failed");
		return 2;
	}
	bench_machine_get(&run.m, "unknown CPU");
	printf("load_bench: measuring in %s\n", o.dir);
	fflush(stdout);
	rc = run_all(&o, &run);
	oath_done();
	if (rc != 0) {
		bench_warnx("stopped: an unexpected failure (authd's log and "
		    "data are under %s)", o.dir);
		return 2;
	}
	targets(&o, &run);
	printf("\n");
	report_md(stdout, &o, &run);
	if (o.md != NULL) {
		FILE *f = fopen(o.md, "we");

		if (f == NULL) {
			bench_warnx("%s: %s", o.md, strerror(errno));
			return 2;
		}
		fprintf(f, "<!-- written by bench/capacity.sh -->\n");
		report_md(f, &o, &run);
		if (ferror(f) | (fclose(f) != 0))
			return 2;
	}
	if (o.json != NULL && report_json(o.json, &o, &run) != 0)
		return 2;
	return all_met(&run) ? 0 : 1;
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n;

	bench_setprogname("load_bench");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "ldif") == 0)
		return ldif_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "echo") == 0)
		return echo_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0) {
		/* The echo server is this program again. */
		if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <=
		    0) {
			bench_warnx("cannot find this program: %s",
			    strerror(errno));
			return 2;
		}
		self[n] = '\0';
		return run_main(argc - 1, argv + 1, self);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
