/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The closed-loop load generator of the benchmarks that drive authd's
 * sockets with raw protocol frames (load_bench, and login_bench's
 * forwarded decisions): one epoll event loop holding N connections, each
 * with one request outstanding, timed with CLOCK_MONOTONIC; after a
 * warm-up, the replies that arrive within a fixed window count.  What a
 * request is and what its reply must be is the caller's (load_next_fn,
 * load_reply_fn).  Also: summing loads into results, and counting the
 * audit records a load left in authd's database.
 */
#ifndef BENCH_LOADGEN_H
#define BENCH_LOADGEN_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

#include "bench_util.h"

/* A reply that does not come within this is a failure. */
#define LOAD_REPLY_TIMEOUT_NS	INT64_C(10000000000)

/* xorshift64*: the users a load draws; cheap and reproducible. */
uint64_t rnd_next(uint64_t *s);

/*
 * Appends what `fd` holds to buf[*len..cap): 1 when bytes came, 0 when
 * nothing is there now, -1 when the peer closed or recv failed.
 */
int	recv_more(int fd, uint8_t *buf, size_t *len, size_t cap);
/* The body length in the 4-byte big-endian prefix of a frame. */
uint32_t frame_len(const uint8_t *p);

/* CPU time around a load's window. */
struct cpu_sample {
	int64_t		 t;		/* ns, CLOCK_MONOTONIC */
	double		 machine;	/* busy and stolen CPU seconds */
	double		 server;	/* the server process's */
	double		 server2;	/* the second server's, if any */
	double		 self;		/* this process's */
};

/* One connection of the generator. */
struct cconn {
	int		 fd;
	int		 busy;		/* a request is outstanding */
	uint32_t	 reqid;
	int64_t		 t0;		/* when it was sent */
	size_t		 user;
	int		 stage;		/* enrollment: 0 enroll, 1 confirm */
	uint8_t		 out[1024];
	size_t		 outlen;
	size_t		 inlen;
	uint8_t		 in[4 + PROTO_FRAME_MAX];
};

struct load;

/* Builds the next request into c->out: 1, or 0 when there is none. */
typedef int (load_next_fn)(struct load *, struct cconn *);
/* Checks a reply frame (length prefix included): 0, or -1 with l->err. */
typedef int (load_reply_fn)(struct load *, struct cconn *, const uint8_t *,
    size_t);

struct load {
	/* what to do */
	const char	*sock;
	int		 nconns;
	int64_t		 warmup_ns;
	int64_t		 window_ns;	/* 0: until next() has nothing */
	load_next_fn	*next;
	load_reply_fn	*reply;
	pid_t		 server;	/* for its CPU time */
	pid_t		 server2;	/* another process behind it, or 0 */
	void		*arg;		/* the caller's, for next and reply */
	/* what next and reply read */
	size_t		 nusers;	/* drawn from users 0..nusers-1 */
	unsigned	 nsys;
	const char	*service;	/* names the phase in the records */
	int		 echo;
	uint8_t		 type;		/* PROTO_T_ACCOUNT / _AUTH */
	const size_t	*list;		/* list mode: these users, once */
	size_t		 nlist, listpos;
	uint64_t	 rnd;
	uint32_t	 next_reqid;
	int		 busy;		/* requests outstanding */
	/* results */
	struct bench_lat lat;		/* ns: sent, answered in the window */
	uint64_t	 sent, received, in_window, allow, deny;
	double		 secs;		/* the window (or the whole list) */
	struct cpu_sample cpu0, cpu1;
	char		 err[512];
};

/*
 * Empties `l` (freeing its latencies) for a load on `sock`, whose CPU
 * time is that of process `server`; `arg` is the caller's.  The random
 * users and the request ids start from a fresh seed.
 */
void	load_init(struct load *l, const char *sock, pid_t server, void *arg);
/*
 * Runs one load: connects, sends, times.  Returns 0, or -1 with l->err
 * set (an unexpected answer, a missing reply, a broken connection).
 */
int	load_run(struct load *l);
/* The user of the next request: from the list, or drawn at random. */
int	load_user(struct load *l, size_t *user);
/* The next request id (never 0). */
uint32_t load_reqid(struct load *l);
/* Sets l->err unless it is set: the first failure is the one to report. */
void	lerr(struct load *l, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* "WHAT: why" on stderr; returns -1. */
int	phase_fail(const struct load *l, const char *what);
/* Parses a RESULT for c's request; NULL (reported) if it is not one. */
struct proto_msg *reply_parse(struct load *l, struct cconn *c,
	    const uint8_t *fr, size_t len);

/* A request being built in a connection's buffer: 4-byte prefix, body. */
struct frame {
	uint8_t		*b;
	size_t		 len, cap;
	uint16_t	 nattr;
};

void	frame_start(struct frame *f, uint8_t *buf, size_t cap, uint8_t type,
	    uint32_t reqid);
/* Appends a string attribute; -1 when it does not fit. */
int	frame_str(struct frame *f, uint16_t tag, const char *s);
/* Writes the length and the attribute count; returns the frame's length. */
size_t	frame_end(struct frame *f);

/* --- results -------------------------------------------------------------- */

/* One load, or the slices of one point summed. */
struct lres {
	int		 done;
	int		 conns;
	uint64_t	 n;		/* replies in the window */
	uint64_t	 received;	/* replies overall */
	uint64_t	 allow, deny;
	double		 secs;
	double		 rate;
	double		 p50, p90, p99, max;	/* ms */
	int		 slices;	/* loads summed */
	double		 best_p50;	/* the fastest slice's median, ms */
	double		 best_rate;	/* the busiest slice's rate */
	double		 server_cpu;	/* CPU seconds in the window */
	double		 server2_cpu;
	double		 self_cpu;
	double		 others_cpu;	/* CPUs busy with other processes */
	long long	 audited;	/* records of the phase, -1 unknown */
};

/* Loads summed: the slices of one point, or a single load. */
struct acc {
	struct bench_lat lat;
	int		 conns;
	int		 slices;
	uint64_t	 n, received, allow, deny;
	double		 secs, server_cpu, server2_cpu, self_cpu;
	double		 machine_cpu, wall;
	double		 best_p50;	/* the fastest slice's median, ms */
	double		 best_rate;	/* the busiest slice's rate */
};

/* Adds l's window to `a`; 0, or -1 (reported) when out of memory. */
int	acc_add(struct acc *a, struct load *l);
/* The summary of `a` into `r`; frees a's latencies. */
void	acc_done(struct acc *a, struct lres *r);
/* The summary of one load into `r`; 0, or -1 (reported). */
int	lres_fill(struct lres *r, struct load *l);
/* The server's CPU microseconds per decision in the window. */
double	us_per(const struct lres *r);
/* The same for the second server. */
double	us_per2(const struct lres *r);
/* Writes r as the JSON member "name":{...}. */
void	json_lres(FILE *f, const char *name, const struct lres *r);

/* --- the audit trail ------------------------------------------------------ */

/*
 * The audit records of `event` with `service` (NULL: any) in the database
 * `db`, by decision.  Read while authd runs: every answer a client got
 * was committed first.  0, or -1 (reported).
 */
int	count_records(const char *db, const char *event, const char *service,
	    long long *allow, long long *deny, long long *other);
/*
 * Counts the records of the phase `service` into r->audited; -1
 * (reported) unless there is exactly one per answer the clients got.
 */
int	audit_check(const char *db, const char *event, const char *service,
	    struct lres *r);

#endif
