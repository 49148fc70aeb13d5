/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The helpers authd's benchmark programs share (bench_util.h).
 */

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <liboath/oath.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authd_err.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

#include "bench_util.h"

extern char **environ;

/* One PING while authd starts; the syslog stand-in's receive buffer. */
#define BENCH_PING_TIMEOUT_MS	1000
#define BENCH_SINK_RCVBUF	(4 * 1024 * 1024)

static const char *progname = "bench";

/* --- messages ------------------------------------------------------------ */

void
bench_setprogname(const char *name)
{
	progname = name;
}

static void vwarnx(const char *, va_list)
    __attribute__((format(printf, 1, 0)));

static void
vwarnx(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
bench_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

void
bench_die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	exit(status);
}

/* --- options ------------------------------------------------------------- */

int
bench_opt_num(const char *name, const char *s, long long min, long long max,
    long long *out)
{
	const char *err;
	long long v;

	if (num_parse(s, min, max, &v, &err) != 0) {
		bench_warnx("%s: %s: %s (%lld..%lld)", name, s, err, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
bench_opt_int(const char *name, const char *s, int min, int max, int *out)
{
	long long v;

	if (bench_opt_num(name, s, min, max, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* 0: ch is not in t[0..n); 1: s stored through its entry; -1: bad s. */
static int
numopt(const struct bench_numopt *t, size_t n, int ch, const char *s)
{
	long long v;
	size_t k;

	for (k = 0; k < n && t[k].ch != ch; k++)
		;
	if (k == n)
		return 0;
	if (bench_opt_num(t[k].name, s, t[k].min, t[k].max, &v) != 0)
		return -1;
	if (t[k].ll != NULL)
		*t[k].ll = v;
	else
		*t[k].i = (int)v;
	return 1;
}

int
bench_getopt(int argc, char **argv, const char *optstring,
    const struct option *longopts, const struct bench_numopt *t, size_t n)
{
	int ch, r;

	while ((ch = getopt_long(argc, argv, optstring, longopts, NULL)) !=
	    -1) {
		if ((r = numopt(t, n, ch, optarg)) == 0)
			return ch;
		if (r < 0)
			return BENCH_OPT_BAD;
	}
	return -1;
}

/* --- time and latencies -------------------------------------------------- */

int64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Room for n more latencies in l; 0, or -1 when out of memory. */
static int
lat_room(struct bench_lat *l, size_t n)
{
	size_t ncap;
	int64_t *nv;

	if (l->cap - l->n >= n)
		return 0;
	/* Doubling, from a start that spares short runs any realloc. */
	for (ncap = l->cap ? l->cap * 2 : 65536; ncap - l->n < n; ncap *= 2)
		;
	if ((nv = realloc(l->v, ncap * sizeof(*nv))) == NULL)
		return -1;
	l->v = nv;
	l->cap = ncap;
	return 0;
}

int
bench_lat_add(struct bench_lat *l, int64_t ns)
{
	if (lat_room(l, 1) != 0)
		return -1;
	l->v[l->n++] = ns;
	return 0;
}

int
bench_lat_cat(struct bench_lat *dst, const struct bench_lat *src)
{
	if (src->n == 0)
		return 0;
	if (lat_room(dst, src->n) != 0)
		return -1;
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*dst->v));
	dst->n += src->n;
	return 0;
}

void
bench_lat_sort(struct bench_lat *l)
{
	if (l->n > 0)
		qsort(l->v, l->n, sizeof(*l->v), bench_cmp_i64);
}

double
bench_pct_ms(const int64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return (double)v[i] / 1e6;
}

int
bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

uint64_t
bench_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* --- the machine, for the results ---------------------------------------- */

void
bench_machine_get(struct bench_machine *m, const char *nocpu)
{
	struct utsname un;
	char line[512], *p;
	time_t t = time(NULL);
	struct tm tm;
	FILE *f;

	memset(m, 0, sizeof(*m));
	if (uname(&un) == 0)
		snprintf(m->uname, sizeof(m->uname), "%s %s %s", un.sysname,
		    un.release, un.machine);
	snprintf(m->cpu, sizeof(m->cpu), "%s", nocpu);
	if ((f = fopen("/proc/cpuinfo", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "model name", 10) != 0 ||
			    (p = strchr(line, ':')) == NULL)
				continue;
			p += strspn(p + 1, " \t") + 1;
			p[strcspn(p, "\n")] = '\0';
			snprintf(m->cpu, sizeof(m->cpu), "%s", p);
			break;
		}
		fclose(f);
	}
	m->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	gmtime_r(&t, &tm);
	strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double
bench_ru_secs(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec /
	    1e6 + (double)ru->ru_stime.tv_sec +
	    (double)ru->ru_stime.tv_usec / 1e6;
}

double
bench_self_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return bench_ru_secs(&ru);
}

double
bench_proc_cpu(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/*
	 * After "(comm)", which may hold spaces, state is field 3; utime
	 * and stime are fields 14 and 15.
	 */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1,
	    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
	    &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

void
bench_machine_cpu(double *busy, double *steal)
{
	unsigned long long v[8];
	double hz = (double)sysconf(_SC_CLK_TCK);
	char buf[512];
	FILE *f;

	memset(v, 0, sizeof(v));
	if ((f = fopen("/proc/stat", "re")) != NULL) {
		/* user nice system idle iowait irq softirq steal */
		if (fgets(buf, sizeof(buf), f) == NULL ||
		    sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
		    &v[7]) != 8)
			memset(v, 0, sizeof(v));
		fclose(f);
	}
	*busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / hz;
	*steal = (double)v[7] / hz;
}

/* --- output -------------------------------------------------------------- */

void
bench_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void
bench_json_machine(FILE *f, const struct bench_machine *m,
    const char *indent)
{
	fprintf(f, "\"uname\": ");
	bench_json_str(f, m->uname);
	fprintf(f, ",\n%s\"cpu\": ", indent);
	bench_json_str(f, m->cpu);
	fprintf(f, ",\n%s\"nproc\": %ld", indent, m->ncpu);
}

void
bench_ldif_base(FILE *f, const char *pw)
{
	fprintf(f, "dn: " BENCH_SUFFIX "\nobjectClass: dcObject\n"
	    "objectClass: organization\ndc: exempel\no: Exempel kommun\n\n");
	fprintf(f, "dn: ou=services," BENCH_SUFFIX "\nobjectClass: "
	    "organizationalUnit\nou: services\n\n");
	/* A throw-away server: slapd checks a clear-text value as well. */
	fprintf(f, "dn: " BENCH_BIND_DN "\nobjectClass: organizationalRole\n"
	    "objectClass: simpleSecurityObject\ncn: authd\nuserPassword: "
	    "%s\n\n", pw);
}

int
bench_path_join(char *out, size_t outsz, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= outsz) {
		bench_warnx("path too long: %s/%s", a, b);
		return -1;
	}
	return 0;
}

int
bench_mkdir_abs(const char *dir, mode_t mode, char *abs)
{
	if (mkdir(dir, mode) != 0 && errno != EEXIST) {
		bench_warnx("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (realpath(dir, abs) == NULL) {
		bench_warnx("%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* --- sockets and the syslog stand-in ------------------------------------- */

int
bench_sockaddr_un(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		bench_warnx("socket path too long: %s", path);
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static void *
sink_main(void *arg)
{
	struct bench_sink *s = arg;
	char buf[8192];
	struct pollfd pfd;

	pfd.fd = s->fd;
	pfd.events = POLLIN;
	while (!atomic_load(&s->stop)) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		while (recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			s->lines++;
	}
	return NULL;
}

int
bench_sink_start(struct bench_sink *s, const char *path)
{
	struct sockaddr_un sa;
	int sz = BENCH_SINK_RCVBUF;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (bench_sockaddr_un(&sa, path) != 0)
		return -1;
	unlink(path);
	if ((s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0666) != 0) {
		bench_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (pthread_create(&s->th, NULL, sink_main, s) != 0) {
		bench_warnx("cannot start the syslog sink");
		return -1;
	}
	return 0;
}

void
bench_sink_stop(struct bench_sink *s, const char *path)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->th, NULL);
	close(s->fd);
	unlink(path);
}

/* --- authd --------------------------------------------------------------- */

int
bench_authd_paths(struct bench_authd *a, const char *dir, const char *state)
{
	memset(a, 0, sizeof(*a));
	a->pid = -1;
	if (bench_path_join(a->policy, sizeof(a->policy), dir, "policy") ||
	    bench_path_join(a->sock, sizeof(a->sock), dir, "authd.sock") ||
	    bench_path_join(a->admin, sizeof(a->admin), dir, "admin.sock") ||
	    bench_path_join(a->conf, sizeof(a->conf), dir, "authd.conf") ||
	    bench_path_join(a->log, sizeof(a->log), dir, "authd.log") ||
	    bench_path_join(a->db, sizeof(a->db), state, "authd.db"))
		return -1;
	snprintf(a->dir, sizeof(a->dir), "%s", dir);
	snprintf(a->state, sizeof(a->state), "%s", state);
	return 0;
}

FILE *
bench_authd_conf(const struct bench_authd *a, const char *user)
{
	struct group *gr;
	FILE *f;

	if ((f = fopen(a->conf, "we")) == NULL) {
		bench_warnx("%s: %s", a->conf, strerror(errno));
		return NULL;
	}
	fprintf(f, "# written by %s\n", progname);
	fprintf(f, "socket %s\n", a->sock);
	fprintf(f, "admin_socket %s\n", a->admin);
	fprintf(f, "review_socket %s/review.sock\n", a->dir);
	fprintf(f, "database %s\n", a->db);
	fprintf(f, "seal_key %s/seal.key\n", a->state);
	fprintf(f, "audit_key %s/audit.key\n", a->state);
	fprintf(f, "node_name bench\n");
	if (geteuid() == 0)
		fprintf(f, "user %s\n", user);
	else if ((gr = getgrgid(getgid())) != NULL) {
		/* Not root: authd keeps our uid; let our group use it. */
		fprintf(f, "client_group %s\n", gr->gr_name);
		fprintf(f, "admin_group %s\n", gr->gr_name);
	}
	return f;
}

int
bench_chown_user(const char *path, const char *user)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL) {
		bench_warnx("no user %s for authd", user);
		return -1;
	}
	if (chown(path, pw->pw_uid, pw->pw_gid) != 0) {
		bench_warnx("chown %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
bench_spawn(const char *path, char *const argv[], const char *log,
    pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int e;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log,
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	e = posix_spawn(pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		bench_warnx("%s: %s", path, strerror(e));
		*pid = -1;
		return -1;
	}
	return 0;
}

/* One PING on socket `sock`; 0 when the server allows it, or AUTHD_ERR_*. */
static int
ping(const char *sock)
{
	struct proto_msg *req = NULL, *reply = NULL;
	int64_t deadline = mono_ms() + BENCH_PING_TIMEOUT_MS;
	uint64_t st;
	int fd = -1, r;

	if ((r = sock_connect(sock, deadline, &fd)) != 0)
		return r;
	if ((req = proto_new(PROTO_T_PING, 1)) == NULL)
		r = AUTHD_ERR_NOMEM;
	else if ((r = sock_call(fd, req, deadline, NULL, NULL, &reply)) == 0 &&
	    (proto_get_u64(reply, PROTO_A_STATUS, &st) != 0 ||
	    st != PROTO_S_ALLOW))
		r = AUTHD_ERR_INTERNAL;
	proto_free(req);
	proto_free(reply);
	close(fd);
	return r;
}

int
bench_authd_start(struct bench_authd *a, const char *authd, int timeout_ms)
{
	char *argv[] = { (char *)authd, "-d", "-f", a->conf, NULL };
	int64_t deadline = mono_ms() + timeout_ms;
	int status;

	if (bench_spawn(authd, argv, a->log, &a->pid) != 0)
		return -1;
	while (mono_ms() < deadline) {
		if (ping(a->sock) == 0)
			return 0;
		if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
			bench_warnx("authd exited at start; see %s", a->log);
			a->pid = -1;
			return -1;
		}
		usleep(50000);
	}
	bench_warnx("authd did not answer; see %s", a->log);
	return -1;
}

int
bench_authd_stop(struct bench_authd *a, int timeout_ms)
{
	int r;

	if (a->pid <= 0)
		return 0;
	r = bench_reap(a->pid, "authd", timeout_ms, &a->cpu);
	a->pid = -1;
	if (r != 0)
		bench_warnx("authd did not exit cleanly; see %s", a->log);
	return r;
}

int
bench_reap(pid_t pid, const char *what, int timeout_ms, double *cpu)
{
	int64_t deadline = mono_ms() + timeout_ms;
	struct rusage ru;
	int status = 0;

	memset(&ru, 0, sizeof(ru));
	kill(pid, SIGTERM);
	while (wait4(pid, &status, WNOHANG, &ru) == 0) {
		if (mono_ms() > deadline) {
			bench_warnx("%s ignored SIGTERM; killing it", what);
			kill(pid, SIGKILL);
			wait4(pid, &status, 0, &ru);
			break;
		}
		usleep(20000);
	}
	if (cpu != NULL)
		*cpu = bench_ru_secs(&ru);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int
bench_uri_secret(const char *uri, uint8_t *seed, size_t len)
{
	const char *p;
	char *out = NULL;
	size_t outlen = 0;
	int r = -1;

	if ((p = strstr(uri, "?secret=")) == NULL &&
	    (p = strstr(uri, "&secret=")) == NULL)
		return -1;
	p += strlen("?secret=");
	if (oath_base32_decode(p, strcspn(p, "&"), &out, &outlen) ==
	    OATH_OK && outlen == len) {
		memcpy(seed, out, len);
		r = 0;
	}
	secure_free(out, outlen);
	return r;
}
