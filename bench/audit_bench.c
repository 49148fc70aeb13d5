/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * audit_bench: what durable auditing costs, and what group commit buys.
 *
 *   audit_bench --authd PATH [--dir DIR] [--clients N] [--seconds S]
 *               [--fsync-seconds S] [--warmup-ms MS] [--user NAME]
 *               [--min-ratio R] [--json FILE] [--csv FILE] [--conf LINE]...
 *
 * 1. The disk's raw fdatasync rate: one 4 KiB block written and
 *    fdatasync()ed in a loop, in DIR (where the databases live).
 * 2. Audited decisions per second against a real authd started twice on
 *    a fresh database in DIR, once with "audit_group_commit no" (one
 *    transaction and fsync per record) and once with "yes" (concurrent
 *    requests share one).  N client threads (default 16) each hold one
 *    connection to the PAM socket and send SESSION_OPEN requests back to
 *    back, speaking the wire protocol with lib/sock.h: a session-open is
 *    nothing but an audit record, so the directory (LDAP) plays no part;
 *    authd is pointed at an unreachable one.  After a warm-up, requests
 *    that complete within S seconds are counted and timed.
 *
 * authd's syslog copy goes to a datagram socket the bench drains, as a
 * system logger would.  After each run the bench stops authd and counts
 * the run's records in the database: every allow a client received must
 * be there.
 *
 * Prints a Markdown table; --json/--csv also write the numbers to files.
 * Exit status: 0 when group commit reaches --min-ratio (default 5) times
 * the one-per-record rate and every run was clean; 1 when it does not,
 * or a client saw an error, or records are missing; 2 on a usage or
 * setup error.  Run as root (authd then drops to --user, default
 * _authd), or as any user, when authd runs as that user.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "authd_err.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

#include "bench_util.h"

#define BENCH_CLIENTS_MAX	256
#define BENCH_BLOCK		4096
/* How long a single request may take before the client gives up. */
#define BENCH_REQ_TIMEOUT_MS	10000
#define BENCH_START_TIMEOUT_MS	15000
#define BENCH_STOP_TIMEOUT_MS	20000	/* SIGTERM, then SIGKILL */

struct bench_opts {
	const char	*authd;
	const char	*dir;
	const char	*user;
	const char	*json;
	const char	*csv;
	const char	*extra[16];	/* --conf lines for both runs */
	int		 nextra;
	int		 clients;
	int		 seconds;
	int		 fsync_seconds;
	int		 warmup_ms;
	double		 min_ratio;
};

struct run_result {
	const char	*mode;		/* "one-per-record" / "group-commit" */
	int		 group_commit;
	uint64_t	 ok;		/* allows received in the measured window */
	uint64_t	 total_ok;	/* allows received overall */
	uint64_t	 errors;	/* anything else, or a broken connection */
	double		 secs;		/* measured window */
	double		 rate;		/* ok / secs */
	double		 p50_ms, p99_ms, max_ms;
	long long	 audited;	/* records found afterwards, -1 unknown */
	double		 authd_cpu;	/* authd's user+system seconds, whole run */
	double		 client_cpu;	/* the clients' (this process), whole run */
};

struct fsync_result {
	uint64_t	 n;
	double		 secs;
	double		 rate;
	double		 p50_ms, p99_ms;
};

/* Shared by the client threads of one run. */
enum { PHASE_WARMUP, PHASE_MEASURE, PHASE_STOP };

struct load {
	const char	*sock;
	const char	*service;
	atomic_int	 phase;
	atomic_uint	 next_reqid;
};

struct client {
	pthread_t	 th;
	struct load	*ld;
	int		 id;
	uint64_t	 ok, total_ok, errors;
	struct bench_lat lat;		/* ns, in the measured window */
	char		 errmsg[128];
};

/* --- 1. raw fdatasync ---------------------------------------------------- */

static int
bench_fsync(const char *dir, int seconds, struct fsync_result *res)
{
	char path[4096], block[BENCH_BLOCK];
	struct bench_lat l = { NULL, 0, 0 };
	int64_t start, end, t;
	int fd, ret = -1;

	memset(res, 0, sizeof(*res));
	if (bench_path_join(path, sizeof(path), dir, "fsync.probe") != 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		bench_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	memset(block, 'a', sizeof(block));
	/* The block exists and its size is fixed before timing starts. */
	if (pwrite(fd, block, sizeof(block), 0) != (ssize_t)sizeof(block) ||
	    fsync(fd) != 0)
		goto out;
	start = bench_now_ns();
	end = start + (int64_t)seconds * 1000000000;
	do {
		t = bench_now_ns();
		block[0]++;
		if (pwrite(fd, block, sizeof(block), 0) !=
		    (ssize_t)sizeof(block) || fdatasync(fd) != 0)
			goto out;
		if (bench_lat_add(&l, bench_now_ns() - t) != 0)
			goto out;
	} while (bench_now_ns() < end);
	res->n = l.n;
	res->secs = (double)(bench_now_ns() - start) / 1e9;
	res->rate = (double)res->n / res->secs;
	bench_lat_sort(&l);
	res->p50_ms = bench_pct_ms(l.v, l.n, 50);
	res->p99_ms = bench_pct_ms(l.v, l.n, 99);
	ret = 0;
 out:
	if (ret != 0)
		bench_warnx("fdatasync probe: %s", strerror(errno));
	close(fd);
	unlink(path);
	free(l.v);
	return ret;
}

/* --- authd --------------------------------------------------------------- */

/* The system the requests name, in a policy of its own (policies/README.md). */
static int
write_policy(const struct bench_authd *d)
{
	char path[4096 + 32];
	FILE *f;

	if (mkdir(d->policy, 0755) != 0 && errno != EEXIST) {
		bench_warnx("%s: %s", d->policy, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/bench.policy", d->policy);
	if ((f = fopen(path, "we")) == NULL) {
		bench_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# written by audit_bench\n"
	    "system pilot {\n"
	    "    owner root\n"
	    "    confidentiality 2\n"
	    "    integrity 2\n"
	    "    availability 2\n"
	    "    role users {\n"
	    "        group \"cn=pilot-users,dc=bench,dc=invalid\"\n"
	    "    }\n"
	    "}\n");
	if (fchmod(fileno(f), 0644) != 0 || fclose(f) != 0) {
		bench_warnx("%s: cannot write", path);
		return -1;
	}
	return 0;
}

static int
write_conf(const struct bench_opts *o, const struct bench_authd *d,
    const char *logsock, int group_commit)
{
	FILE *f;
	int i;

	if (write_policy(d) != 0 || (f = bench_authd_conf(d, o->user)) == NULL)
		return -1;
	/* Nothing listens here: session records need no directory. */
	fprintf(f, "ldap_uri ldap://127.0.0.1:1/\n");
	fprintf(f, "ldap_base dc=bench,dc=invalid\n");
	fprintf(f, "ldap_timeout 1\n");
	fprintf(f, "policy_dir %s\n", d->policy);
	fprintf(f, "syslog_socket %s\n", logsock);
	fprintf(f, "audit_group_commit %s\n", group_commit ? "yes" : "no");
	for (i = 0; i < o->nextra; i++)
		fprintf(f, "%s\n", o->extra[i]);
	if (fclose(f) != 0) {
		bench_warnx("%s: %s", d->conf, strerror(errno));
		return -1;
	}
	return 0;
}

/* --- the clients --------------------------------------------------------- */

static int
client_connect(struct client *c, int *fd)
{
	int r;

	if ((r = sock_connect(c->ld->sock, mono_ms() + BENCH_REQ_TIMEOUT_MS,
	    fd)) != 0)
		snprintf(c->errmsg, sizeof(c->errmsg), "connect: %s",
		    authd_strerror(r));
	return r;
}

/* One SESSION_OPEN; 0 when authd allowed it (the record is durable). */
static int
client_request(struct client *c, int fd)
{
	struct proto_msg *req = NULL, *reply = NULL;
	uint32_t reqid;
	uint64_t st;
	int r;

	/* Non-zero and distinct: the low bits are a counter. */
	reqid = atomic_fetch_add(&c->ld->next_reqid, 1);
	if (reqid == 0)
		reqid = atomic_fetch_add(&c->ld->next_reqid, 1);
	if ((req = proto_new(PROTO_T_SESSION_OPEN, reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((r = proto_add_str(req, PROTO_A_USER, "bench")) != 0 ||
	    (r = proto_add_str(req, PROTO_A_SYSTEM, "pilot")) != 0 ||
	    (r = proto_add_str(req, PROTO_A_SERVICE, c->ld->service)) != 0 ||
	    (r = proto_add_str(req, PROTO_A_RHOST, "192.0.2.77")) != 0 ||
	    (r = proto_add_str(req, PROTO_A_TTY, "bench")) != 0 ||
	    (r = proto_add_u64(req, PROTO_A_PID, (uint64_t)getpid())) != 0)
		goto out;
	if ((r = sock_call(fd, req, mono_ms() + BENCH_REQ_TIMEOUT_MS, NULL,
	    NULL, &reply)) != 0) {
		snprintf(c->errmsg, sizeof(c->errmsg), "request: %s",
		    authd_strerror(r));
		goto out;
	}
	if (proto_get_u64(reply, PROTO_A_STATUS, &st) != 0 ||
	    st != PROTO_S_ALLOW) {
		snprintf(c->errmsg, sizeof(c->errmsg), "reply: status %llu "
		    "reason %s", (unsigned long long)st,
		    proto_str(reply, PROTO_A_REASON, "?"));
		r = AUTHD_ERR_INTERNAL;
	}
 out:
	proto_free(req);
	proto_free(reply);
	return r;
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	int64_t t0;
	int fd = -1, phase;

	while ((phase = atomic_load(&c->ld->phase)) != PHASE_STOP) {
		if (fd < 0 && client_connect(c, &fd) != 0) {
			c->errors++;
			usleep(10000);
			continue;
		}
		t0 = bench_now_ns();
		if (client_request(c, fd) != 0) {
			/* authd may have closed the connection: start over. */
			c->errors++;
			close(fd);
			fd = -1;
			continue;
		}
		c->total_ok++;
		/* Counted when it started and ended inside the window. */
		if (phase == PHASE_MEASURE &&
		    atomic_load(&c->ld->phase) == PHASE_MEASURE) {
			c->ok++;
			if (bench_lat_add(&c->lat, bench_now_ns() - t0) != 0) {
				c->errors++;
				break;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Records of this run's service in the database (authd is stopped). */
static long long
count_records(const char *dbpath, const char *service)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM audit WHERE "
	    "event = 'session-open' AND service = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
 out:
	if (n < 0)
		bench_warnx("%s: %s", dbpath,
		    db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int
bench_run(const struct bench_opts *o, const char *logsock, int group_commit,
    struct run_result *res)
{
	struct client *cl = NULL;
	struct load ld;
	struct bench_authd d;
	struct bench_lat all = { NULL, 0, 0 };
	char dir[4096];
	double cpu0 = 0;
	int64_t t_start, t_end;
	int as_root = geteuid() == 0, i, ret = -1, started = 0;
	uint32_t seed;

	memset(res, 0, sizeof(*res));
	res->group_commit = group_commit;
	res->mode = group_commit ? "group-commit" : "one-per-record";
	res->audited = -1;

	/* Everything of the run's authd in one directory. */
	if (bench_path_join(dir, sizeof(dir), o->dir, res->mode) != 0 ||
	    bench_authd_paths(&d, dir, dir) != 0)
		return -1;
	if (mkdir(d.dir, 0700) != 0) {
		bench_warnx("%s: %s", d.dir, strerror(errno));
		return -1;
	}
	if (as_root && bench_chown_user(d.dir, o->user) != 0)
		return -1;
	if (write_conf(o, &d, logsock, group_commit) != 0)
		return -1;
	if (bench_authd_start(&d, o->authd, BENCH_START_TIMEOUT_MS) != 0)
		goto out;
	cpu0 = bench_self_cpu();

	memset(&ld, 0, sizeof(ld));
	ld.sock = d.sock;
	ld.service = group_commit ? "bench-group" : "bench-single";
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint32_t)getpid();
	atomic_init(&ld.phase, PHASE_WARMUP);
	atomic_init(&ld.next_reqid, seed | 1);
	if ((cl = calloc((size_t)o->clients, sizeof(*cl))) == NULL)
		goto out;
	for (i = 0; i < o->clients; i++) {
		cl[i].ld = &ld;
		cl[i].id = i;
		if (pthread_create(&cl[i].th, NULL, client_main, &cl[i]) != 0) {
			bench_warnx("pthread_create failed");
			atomic_store(&ld.phase, PHASE_STOP);
			break;
		}
		started++;
	}
	if (started == o->clients) {
		usleep((useconds_t)o->warmup_ms * 1000);
		t_start = bench_now_ns();
		atomic_store(&ld.phase, PHASE_MEASURE);
		usleep((useconds_t)o->seconds * 1000000);
		atomic_store(&ld.phase, PHASE_STOP);
		t_end = bench_now_ns();
		res->secs = (double)(t_end - t_start) / 1e9;
	}
	for (i = 0; i < started; i++)
		pthread_join(cl[i].th, NULL);
	res->client_cpu = bench_self_cpu() - cpu0;
	if (started != o->clients)
		goto out;

	for (i = 0; i < o->clients; i++) {
		res->ok += cl[i].ok;
		res->total_ok += cl[i].total_ok;
		res->errors += cl[i].errors;
		if (cl[i].errors != 0)
			bench_warnx("%s client %d: %llu "
			    "errors, last: %s", res->mode, i,
			    (unsigned long long)cl[i].errors, cl[i].errmsg);
		if (bench_lat_cat(&all, &cl[i].lat) != 0)
			goto out;
	}
	bench_lat_sort(&all);
	res->rate = res->secs > 0 ? (double)res->ok / res->secs : 0;
	res->p50_ms = bench_pct_ms(all.v, all.n, 50);
	res->p99_ms = bench_pct_ms(all.v, all.n, 99);
	res->max_ms = bench_pct_ms(all.v, all.n, 100);
	ret = 0;
 out:
	if (bench_authd_stop(&d, BENCH_STOP_TIMEOUT_MS) != 0)
		ret = -1;
	res->authd_cpu = d.cpu;
	if (ret == 0)
		res->audited = count_records(d.db, ld.service);
	if (cl != NULL)
		for (i = 0; i < o->clients; i++)
			free(cl[i].lat.v);
	free(cl);
	free(all.v);
	return ret;
}

/* --- reporting ----------------------------------------------------------- */

static void
report(FILE *f, const struct bench_opts *o, const struct fsync_result *fs,
    const struct run_result *r, size_t nr, double ratio)
{
	size_t i;

	fprintf(f, "\n%d clients, %d s per run (after %d ms warm-up), "
	    "database in the same directory as the fdatasync probe",
	    o->clients, o->seconds, o->warmup_ms);
	for (i = 0; i < (size_t)o->nextra; i++)
		fprintf(f, "%s%s", i ? ", " : "; authd.conf: ", o->extra[i]);
	fprintf(f, "\n\n");
	fprintf(f, "| measurement | per second | p50 ms | p99 ms | count | "
	    "errors | audited | authd CPU µs/decision |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	    "\n");
	fprintf(f, "| raw fdatasync (4 KiB block) | %.0f | %.3f | %.3f | "
	    "%llu | 0 | - | - |\n", fs->rate, fs->p50_ms, fs->p99_ms,
	    (unsigned long long)fs->n);
	for (i = 0; i < nr; i++)
		fprintf(f, "| decisions, %s | %.0f | %.3f | %.3f | %llu | %llu "
		    "| %lld of %llu | %.0f |\n", r[i].mode, r[i].rate,
		    r[i].p50_ms, r[i].p99_ms, (unsigned long long)r[i].ok,
		    (unsigned long long)r[i].errors, r[i].audited,
		    (unsigned long long)r[i].total_ok,
		    r[i].total_ok ? r[i].authd_cpu * 1e6 /
		    (double)r[i].total_ok : 0);
	fprintf(f, "\ngroup commit / one-per-record: %.2fx (target >= %.1fx)\n",
	    ratio, o->min_ratio);
}

static int
write_json(const char *path, const struct bench_opts *o,
    const struct fsync_result *fs, const struct run_result *r, size_t nr,
    double ratio, int pass)
{
	FILE *f;
	size_t i;

	if ((f = fopen(path, "we")) == NULL)
		return -1;
	fprintf(f, "{\"clients\":%d,\"seconds\":%d,\"warmup_ms\":%d,\n",
	    o->clients, o->seconds, o->warmup_ms);
	fprintf(f, " \"fdatasync\":{\"per_s\":%.1f,\"p50_ms\":%.4f,"
	    "\"p99_ms\":%.4f,\"count\":%llu},\n", fs->rate, fs->p50_ms,
	    fs->p99_ms, (unsigned long long)fs->n);
	fprintf(f, " \"runs\":[\n");
	for (i = 0; i < nr; i++)
		fprintf(f, "  {\"mode\":\"%s\",\"audit_group_commit\":%s,"
		    "\"decisions_per_s\":%.1f,\"p50_ms\":%.4f,\"p99_ms\":%.4f,"
		    "\"max_ms\":%.4f,\"measured\":%llu,\"received\":%llu,"
		    "\"errors\":%llu,\"audited\":%lld,\"authd_cpu_s\":%.3f,"
		    "\"client_cpu_s\":%.3f}%s\n", r[i].mode,
		    r[i].group_commit ? "true" : "false", r[i].rate,
		    r[i].p50_ms, r[i].p99_ms, r[i].max_ms,
		    (unsigned long long)r[i].ok,
		    (unsigned long long)r[i].total_ok,
		    (unsigned long long)r[i].errors, r[i].audited,
		    r[i].authd_cpu, r[i].client_cpu, i + 1 < nr ? "," : "");
	fprintf(f, " ],\n \"ratio\":%.3f,\"target_ratio\":%.1f,\"pass\":%s}\n",
	    ratio, o->min_ratio, pass ? "true" : "false");
	return fclose(f);
}

static int
write_csv(const char *path, const struct fsync_result *fs,
    const struct run_result *r, size_t nr)
{
	FILE *f;
	size_t i;

	if ((f = fopen(path, "we")) == NULL)
		return -1;
	fprintf(f, "measurement,per_s,p50_ms,p99_ms,count,errors,audited\r\n");
	fprintf(f, "fdatasync,%.1f,%.4f,%.4f,%llu,0,\r\n", fs->rate,
	    fs->p50_ms, fs->p99_ms, (unsigned long long)fs->n);
	for (i = 0; i < nr; i++)
		fprintf(f, "%s,%.1f,%.4f,%.4f,%llu,%llu,%lld\r\n", r[i].mode,
		    r[i].rate, r[i].p50_ms, r[i].p99_ms,
		    (unsigned long long)r[i].ok,
		    (unsigned long long)r[i].errors, r[i].audited);
	return fclose(f);
}

/* --- main ---------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: audit_bench --authd PATH [--dir DIR] [--clients N]"
	    " [--seconds S]\n"
	    "                   [--fsync-seconds S] [--warmup-ms MS]"
	    " [--user NAME]\n"
	    "                   [--min-ratio R] [--json FILE] [--csv FILE]\n"
	    "                   [--conf LINE]...\n"
	    "\n"
	    "  --authd PATH        the authd binary to measure\n"
	    "  --dir DIR           an empty or new directory on the disk to"
	    " measure\n"
	    "                      (default: a new ./audit-bench.XXXXXX)\n"
	    "  --clients N         concurrent connections (default 16)\n"
	    "  --seconds S         measured time per run (default 5)\n"
	    "  --fsync-seconds S   fdatasync probe time (default 2)\n"
	    "  --warmup-ms MS      unmeasured time before each run"
	    " (default 500)\n"
	    "  --user NAME         authd's user when run as root"
	    " (default _authd)\n"
	    "  --min-ratio R       required group-commit speed-up"
	    " (default 5)\n"
	    "  --json FILE, --csv FILE   also write the numbers there\n"
	    "  --conf LINE         an authd.conf line for both runs, e.g."
	    " \"workers 16\"\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "authd",		required_argument, NULL, 'a' },
		{ "dir",		required_argument, NULL, 'd' },
		{ "clients",		required_argument, NULL, 'c' },
		{ "seconds",		required_argument, NULL, 's' },
		{ "fsync-seconds",	required_argument, NULL, 'F' },
		{ "warmup-ms",		required_argument, NULL, 'w' },
		{ "user",		required_argument, NULL, 'u' },
		{ "min-ratio",		required_argument, NULL, 'r' },
		{ "json",		required_argument, NULL, 'j' },
		{ "csv",		required_argument, NULL, 'C' },
		{ "conf",		required_argument, NULL, 'o' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 },
	};
	struct bench_opts o = {
		.user = "_authd", .clients = 16, .seconds = 5,
		.fsync_seconds = 2, .warmup_ms = 500, .min_ratio = 5.0,
	};
	const struct bench_numopt nums[] = {
		{ 'c', "--clients", 1, BENCH_CLIENTS_MAX, NULL, &o.clients },
		{ 's', "--seconds", 1, 3600, NULL, &o.seconds },
		{ 'F', "--fsync-seconds", 1, 3600, NULL, &o.fsync_seconds },
		{ 'w', "--warmup-ms", 0, 60000, NULL, &o.warmup_ms },
	};
	struct fsync_result fs;
	struct run_result runs[2];
	struct bench_sink sink;
	struct stat st;
	char dirbuf[] = "audit-bench.XXXXXX", logsock[108], absdir[PATH_MAX];
	double ratio = 0;
	int ch, pass, clean = 1;
	size_t i;

	bench_setprogname("audit_bench");
	while ((ch = bench_getopt(argc, argv, "h", longopts, nums,
	    BENCH_NITEMS(nums))) != -1) {
		switch (ch) {
		case BENCH_OPT_BAD:
			return 2;
		case 'a': o.authd = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'u': o.user = optarg; break;
		case 'j': o.json = optarg; break;
		case 'C': o.csv = optarg; break;
		case 'o':
			if (o.nextra == (int)(sizeof(o.extra) /
			    sizeof(o.extra[0])) || strchr(optarg, '\n')) {
				bench_warnx("--conf: too many "
				    "lines, or a newline in one");
				return 2;
			}
			o.extra[o.nextra++] = optarg;
			break;
		case 'r': {
			char *end;

			errno = 0;
			o.min_ratio = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(o.min_ratio >= 0 && o.min_ratio <= 1000)) {
				bench_warnx("--min-ratio: "
				    "expected a number 0..1000");
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.authd == NULL) {
		usage(stderr);
		return 2;
	}
	errno = 0;
	if (stat(o.authd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    access(o.authd, X_OK) != 0) {
		bench_warnx("%s: %s", o.authd,
		    errno ? strerror(errno) : "not an executable file");
		return 2;
	}
	if (o.dir == NULL) {
		if (mkdtemp(dirbuf) == NULL) {
			perror("audit_bench: mkdtemp");
			return 2;
		}
		o.dir = dirbuf;
	}
	if (bench_mkdir_abs(o.dir, 0700, absdir) != 0)
		return 2;
	o.dir = absdir;
	/* authd, once it has dropped to its user, must reach the log socket. */
	if (chmod(o.dir, 0755) != 0) {
		bench_warnx("%s: %s", o.dir, strerror(errno));
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	printf("audit_bench: measuring in %s\n", o.dir);
	fflush(stdout);
	if (bench_fsync(o.dir, o.fsync_seconds, &fs) != 0)
		return 2;
	if (bench_path_join(logsock, sizeof(logsock), o.dir, "log.sock") != 0)
		return 2;
	if (bench_sink_start(&sink, logsock) != 0)
		return 2;
	for (i = 0; i < 2; i++) {
		printf("audit_bench: audit_group_commit %s ...\n",
		    i == 0 ? "no" : "yes");
		fflush(stdout);
		if (bench_run(&o, logsock, (int)i, &runs[i]) != 0) {
			bench_sink_stop(&sink, logsock);
			return 2;
		}
	}
	bench_sink_stop(&sink, logsock);

	if (runs[0].rate > 0)
		ratio = runs[1].rate / runs[0].rate;
	for (i = 0; i < 2; i++) {
		if (runs[i].errors != 0) {
			bench_warnx("%s: %llu client errors",
			    runs[i].mode, (unsigned long long)runs[i].errors);
			clean = 0;
		}
		/* SECURITY NOTE: an allow without its record is the bug. */
		if (runs[i].audited < 0 ||
		    (uint64_t)runs[i].audited < runs[i].total_ok) {
			bench_warnx("%s: %llu allows received "
			    "but %lld records written", runs[i].mode,
			    (unsigned long long)runs[i].total_ok,
			    runs[i].audited);
			clean = 0;
		}
	}
	pass = clean && runs[0].rate > 0 && ratio >= o.min_ratio;
	report(stdout, &o, &fs, runs, 2, ratio);
	printf("syslog sink received %llu datagrams\n",
	    (unsigned long long)sink.lines);
	if (o.json && write_json(o.json, &o, &fs, runs, 2, ratio, pass) != 0)
		bench_warnx("%s: %s", o.json, strerror(errno));
	if (o.csv && write_csv(o.csv, &fs, runs, 2) != 0)
		bench_warnx("%s: %s", o.csv, strerror(errno));
	printf("%s\n", pass ? "PASS" : "FAIL");
	return pass ? 0 : 1;
}
