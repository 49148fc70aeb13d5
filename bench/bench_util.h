/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What authd's benchmark programs (audit_bench, policy_bench, login_bench
 * and load_bench) share: messages, number options, the monotonic clock,
 * latency percentiles, the machine and its CPU time for the results,
 * JSON strings, the directory's base entries, the syslog stand-in, and
 * starting and stopping authd.  bench/CMakeLists.txt builds it as the
 * library benchutil; nothing outside bench/ uses it.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/un.h>

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The directory the benchmarks write, and the service account in it. */
#define BENCH_SUFFIX		"dc=exempel,dc=se"
#define BENCH_BIND_DN		"cn=authd,ou=services," BENCH_SUFFIX
/* The service account's password in tests/lib/slapd.sh. */
#define BENCH_BIND_PW		"authd-service-secret"

/* The number of elements of array `a`. */
#define BENCH_NITEMS(a)		(sizeof(a) / sizeof((a)[0]))

/* --- messages ------------------------------------------------------------ */

/* Names the program in messages (e.g. "audit_bench"); main calls it first. */
void	bench_setprogname(const char *name);
/* Prints "PROGRAM: message" and a newline on stderr. */
void	bench_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Flushes stdout, prints as bench_warnx does and exits with `status`. */
void	bench_die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* --- options ------------------------------------------------------------- */

/*
 * Parses the value `s` of option `name` as a decimal number in [min, max]
 * (lib/util.h num_parse).  Returns 0 and sets *out, or -1 after printing
 * "PROGRAM: NAME: VALUE: why (MIN..MAX)"; *out is then unchanged.
 */
int	bench_opt_num(const char *name, const char *s, long long min,
	    long long max, long long *out);
/* The same into an int; [min, max] must lie within int's range. */
int	bench_opt_int(const char *name, const char *s, int min, int max,
	    int *out);

/* One number option of a program: getopt_long's value, bounds, target. */
struct bench_numopt {
	int		 ch;		/* getopt_long's return value */
	const char	*name;		/* "--seconds", for messages */
	long long	 min, max;
	long long	*ll;		/* where the value goes: ll, */
	int		*i;		/* or else i */
};

/* What bench_getopt returns after a number option's bad value. */
#define BENCH_OPT_BAD		(-2)

/*
 * getopt_long(3) that parses and stores the number options of the table
 * t[0..n) itself: returns the next other option's value (or '?'), -1 at
 * the end, or BENCH_OPT_BAD after a value that is not a number within
 * its entry's bounds (reported by bench_opt_num).
 */
int	bench_getopt(int argc, char **argv, const char *optstring,
	    const struct option *longopts, const struct bench_numopt *t,
	    size_t n);

/* --- time and latencies -------------------------------------------------- */

/* Nanoseconds on CLOCK_MONOTONIC. */
int64_t	bench_now_ns(void);

/* Latencies in nanoseconds, a growing array; { NULL, 0, 0 } is empty. */
struct bench_lat {
	int64_t		*v;
	size_t		 n, cap;
};

/* Appends `ns`; 0, or -1 when out of memory (l is unchanged then). */
int	bench_lat_add(struct bench_lat *l, int64_t ns);
/* Appends src's latencies to dst; 0, or -1 when out of memory. */
int	bench_lat_cat(struct bench_lat *dst, const struct bench_lat *src);
/* Sorts l's latencies in ascending order. */
void	bench_lat_sort(struct bench_lat *l);
/*
 * Percentile `p` (0..100) of the sorted v[0..n), in milliseconds: the
 * element at p% of the way from the first to the last, rounded; 0 when
 * n is 0.
 */
double	bench_pct_ms(const int64_t *v, size_t n, double p);
/* qsort comparators for int64_t and for double, ascending. */
int	bench_cmp_i64(const void *a, const void *b);
int	bench_cmp_double(const void *a, const void *b);

/* splitmix64: advances *state and returns the next number. */
uint64_t bench_splitmix64(uint64_t *state);

/* --- the machine, for the results ---------------------------------------- */

struct bench_machine {
	char		 uname[256];	/* "Linux 6.1.0-18-amd64 x86_64" */
	char		 cpu[256];	/* /proc/cpuinfo's first model name */
	long		 ncpu;		/* CPUs online */
	char		 date[32];	/* now, UTC: 2026-01-12T09:30:00Z */
};

/* Describes this machine; cpu is `nocpu` where /proc names no model. */
void	bench_machine_get(struct bench_machine *m, const char *nocpu);

/* User plus system seconds in `ru`. */
double	bench_ru_secs(const struct rusage *ru);
/* CPU seconds this process has used so far (all its threads). */
double	bench_self_cpu(void);
/* User plus system CPU seconds of process `pid` (/proc); 0 when unknown. */
double	bench_proc_cpu(long pid);
/*
 * The CPU seconds of the whole machine, all CPUs, from /proc/stat: *busy
 * gets user, nice, system, irq and softirq time, *steal the time the
 * hypervisor took.  Both are 0 when /proc/stat cannot be read.
 */
void	bench_machine_cpu(double *busy, double *steal);

/* --- output -------------------------------------------------------------- */

/* Writes `s` to f as a JSON string: quoted, '"', '\\' and controls escaped. */
void	bench_json_str(FILE *f, const char *s);
/*
 * Writes m's "uname", "cpu" and "nproc" members to f, as `"key": value`,
 * each after the first on a new line indented by `indent`.
 */
void	bench_json_machine(FILE *f, const struct bench_machine *m,
	    const char *indent);

/*
 * The first entries of every benchmark directory: BENCH_SUFFIX,
 * ou=services and the service account BENCH_BIND_DN with password `pw`.
 */
void	bench_ldif_base(FILE *f, const char *pw);

/* Writes "a/b" into out; -1 (reported) when it does not fit. */
int	bench_path_join(char *out, size_t outsz, const char *a,
	    const char *b);
/*
 * Creates the directory `dir` with `mode` unless it exists, and writes
 * its absolute path (authd takes no other) to abs[0..PATH_MAX); 0, or -1
 * (reported).
 */
int	bench_mkdir_abs(const char *dir, mode_t mode, char *abs);

/* --- sockets and the syslog stand-in ------------------------------------- */

/* Fills `sa` for the Unix socket `path`; -1 (reported) when too long. */
int	bench_sockaddr_un(struct sockaddr_un *sa, const char *path);

/*
 * The syslog stand-in: a datagram socket that a thread drains, as a
 * system logger would, so that authd's audit copies go somewhere.
 */
struct bench_sink {
	pthread_t	 th;
	int		 fd;
	atomic_int	 stop;
	uint64_t	 lines;		/* datagrams received */
};

/* Binds `path` (mode 0666) and starts the thread; 0, or -1 (reported). */
int	bench_sink_start(struct bench_sink *s, const char *path);
/* Stops the thread, closes and removes the socket; lines stays set. */
void	bench_sink_stop(struct bench_sink *s, const char *path);

/* --- authd --------------------------------------------------------------- */

/* One authd that a benchmark starts, and where it keeps what. */
struct bench_authd {
	pid_t		 pid;		/* -1 when not running */
	double		 cpu;		/* user+system seconds, once stopped */
	char		 dir[4096];	/* sockets, authd.conf, authd.log */
	char		 state[4096];	/* the database and the keys */
	char		 policy[4096];	/* DIR/policy, policy_dir */
	char		 sock[4096];	/* DIR/authd.sock, the PAM socket */
	char		 admin[4096];	/* DIR/admin.sock */
	char		 conf[4096];	/* DIR/authd.conf */
	char		 log[4096];	/* DIR/authd.log: its stdout, stderr */
	char		 db[4096];	/* STATE/authd.db */
};

/* Sets a's paths below `dir` and `state`, pid -1; 0, or -1 (reported). */
int	bench_authd_paths(struct bench_authd *a, const char *dir,
	    const char *state);
/*
 * Creates a->conf and writes the lines every benchmark's authd.conf has:
 * a header naming the program, the three sockets (review_socket is
 * DIR/review.sock), database, seal_key and audit_key (in STATE),
 * node_name bench, then "user USER" when this process is root (authd
 * drops to USER), else client_group and admin_group naming this
 * process's group, as authd then keeps this uid.  Returns the file, open
 * for the caller's lines, or NULL (reported).
 */
FILE	*bench_authd_conf(const struct bench_authd *a, const char *user);
/*
 * Starts `authd` in the foreground (-d -f CONF), its output appended to
 * a->log, and waits up to `timeout_ms` for it to answer PING on a->sock.
 * 0 when it does; -1 (reported) otherwise, with a->pid -1 when authd did
 * not start or exited, or still set when it did not answer (stop it).
 */
int	bench_authd_start(struct bench_authd *a, const char *authd,
	    int timeout_ms);
/*
 * Stops a running authd (bench_reap, a->cpu set); 0 when it exited with
 * status 0 or was not running, else -1 (reported).  a->pid is -1 after.
 */
int	bench_authd_stop(struct bench_authd *a, int timeout_ms);
/* Gives `path` to `user` and that user's group; 0, or -1 (reported). */
int	bench_chown_user(const char *path, const char *user);

/*
 * Starts `path` with argv, stdin from /dev/null, stdout and stderr
 * appended to `log`.  0 with *pid set, or -1 (reported) with *pid -1.
 */
int	bench_spawn(const char *path, char *const argv[], const char *log,
	    pid_t *pid);
/*
 * SIGTERM to `pid` (named `what` in messages), then SIGKILL after
 * `timeout_ms`; reaps it.  Returns 0 when it exited with status 0, else
 * -1; *cpu (if not NULL) gets its user plus system seconds.
 */
int	bench_reap(pid_t pid, const char *what, int timeout_ms, double *cpu);

/*
 * The secret of an otpauth:// URI (its secret= parameter, base32) decoded
 * into seed[0..len); 0, or -1 when there is none or it is not len bytes.
 */
int	bench_uri_secret(const char *uri, uint8_t *seed, size_t len);

#endif
