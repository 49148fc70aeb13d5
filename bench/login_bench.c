/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * login_bench: what a two-factor login costs through real libpam,
 * pam_authd.so beside pam_oath.so, with pam_permit.so as the floor; or,
 * in relay mode, pam_authd.so through an authd in relay mode beside
 * pam_authd.so to the central authd's own socket.
 *
 *   login_bench --write-ldif FILE [--users N] [--bind-pw PW]
 *   login_bench --workdir DIR --socket PATH --admin-socket PATH
 *               --permit MODULE --oath MODULE --authd-module MODULE
 *               [--users N] [--rounds N] [--batch N] [--race N]
 *               [--probe N] [--window N] [--procs LIST] [--threads N]
 *               [--authd-pid PID] [--slapd-pid PID]
 *               [--json FILE] [--md FILE] [--oath-version TEXT]
 *   login_bench --workdir DIR --socket PATH --admin-socket PATH
 *               --permit MODULE --authd-module MODULE
 *               --relay-socket PATH [--tls-log FILE] [--database FILE]
 *               [--relay-pid PID] [--rate-conns N] [--rate-seconds S]
 *               [--rate-slices N] [--rate-warmup-ms MS]
 *               [--authd-version TEXT] [the options above but --race]
 *
 * bench/login.sh and bench/relay.sh do all of it; bench/README.md
 * explains the output.
 *
 * --write-ldif writes the directory: N users u0000.. (inetOrgPerson
 * under ou=people), all members of cn=bench-users (groupOfNames), and
 * the service account tests/lib/slapd.sh binds as.
 *
 * The benchmark proper, against an authd that is already running (its
 * policy maps the PAM service bench-authd to a system that requires a
 * one-time code and no password):
 *
 *   1. Enrolls every user over the admin socket (ENROLL, then CONFIRM
 *      with the previous time step's code, so the current one stays
 *      free), --threads connections at once, and keeps the secret each
 *      otpauth URI carries.
 *   2. Writes the same users and secrets as a pam_oath usersfile
 *      (HOTP/T30/6 lines) and the PAM stacks in DIR/pam: bench-permit
 *      (pam_permit for auth and account), bench-oath (pam_oath
 *      usersfile= window= digits=6, pam_permit for account),
 *      bench-authd (pam_authd for auth and account), and an "other"
 *      without modules (libpam reads it in every transaction).
 *   3. Warms authd's directory cache: one ACCOUNT request per user,
 *      untimed; then WARM_LOGINS untimed logins per stack, which must
 *      all succeed.
 *   4. Timed phases, one per --procs entry (default 1,2): that many
 *      client processes, each with its own disjoint share of the users,
 *      run rounds; in a round every stack runs a batch of logins, the
 *      order rotating from round to round, and the processes start each
 *      batch together (a process-shared barrier), so that two processes
 *      log in on the same stack, the same usersfile, the same authd at
 *      the same time.  A login is a full transaction on a fresh handle:
 *      pam_start_confdir, PAM_FAIL_DELAY set to a callback that does not
 *      sleep, PAM_RHOST and PAM_TTY, pam_authenticate (the prompt
 *      answered with the code), pam_acct_mgmt, pam_end; it is timed from
 *      pam_start_confdir to pam_end with CLOCK_MONOTONIC, and each of
 *      the four calls on its own.
 *   5. A race (2 processes): per round one user and one fresh code; both
 *      processes start their handles, meet at a barrier and call
 *      pam_authenticate with the same code, for pam_oath and pam_authd
 *      alternately; a third of the rounds at the same moment, the rest
 *      with one process starting later by a random offset of up to 1.5
 *      times pam_oath's median pam_authenticate (which covers the time
 *      between checking a code and writing it down).  Exactly one
 *      success is right, two is a double-accepted code, none a rejected
 *      valid login.
 *   6. Direct requests (--probe, default 200 of each): PING, FACTORS,
 *      AUTH and ACCOUNT sent to authd's PAM socket from this process the
 *      way pam_authd sends them, timed: what a connection, the read path
 *      and a durable decision cost, without libpam.  Not judged.
 *
 * Fresh codes.  pam_oath and authd both refuse a code of a time step at
 * or before the last one accepted for that user, so a user can log in
 * once per 30 s step per stack.  Every login takes a user whose
 * last-used step for that stack is older than the current step (a table
 * shared by all processes), computes that step's code with liboath just
 * before pam_start (untimed), and marks the user.  A user whose code
 * equals the code of the step before or after is skipped for that step:
 * a verifier with a window of 1 could match the neighbouring step and
 * call a valid login a replay.  When a process has no fresh user left
 * in a step it waits for the next step, untimed, and the wait is
 * reported.  With --window 1 (the default, for both modules) a code
 * computed in one step is still valid when checked in the next; with
 * --window 0 no code is computed in the last second of a step.
 *
 * Output: Markdown tables (also written to --md): per phase and stack
 * the successful logins and attempts, logins/s, p50/p99/max of the
 * successful logins (a rejected login may stop early: pam_oath skips
 * writing its file), the added cost over pam_permit at the median,
 * failures by reason ("start:", "auth:" or "acct:" and the PAM code of
 * the call that failed; "conv:prompts" when a stack prompted an
 * unexpected number of times); the median of each libpam call; the
 * race; the direct requests.  --json gets every number and names the
 * machine.  After each phase pam_oath's usersfile is read back: a user
 * whose recorded last code is not the last code accepted for them is a
 * lost update.
 *
 * Relay mode (--relay-socket, instead of --oath): the stacks are
 * pam_permit, pam_authd on --socket (the central authd's own PAM socket)
 * and pam_authd on the relay's socket (service bench-relay; the central
 * authd's policy must map it to the same system, and its host block must
 * list that system).  Both pam_authd stacks reach the same tokens, so a
 * user's step used on one is used on the other.  No race; one client
 * process unless --procs says otherwise.  The direct requests go to both
 * sockets in turn.  Then the forwarded decisions: ACCOUNT requests from
 * the load generator (loadgen.h) at --rate-conns connections (default
 * 32), users drawn at random, through the relay (service
 * bench-rate-relay) and to authd's socket (bench-rate-local), in
 * --rate-slices turns each (default 5) that share --rate-seconds
 * (default 10) per path; every answer must be allow, and with
 * --database each must have its record on the central authd's audit
 * trail.  TLS handshakes are counted in the central authd's log
 * (--tls-log; one "tls: host ... connected" line per accepted
 * connection) around the warm-up logins, each timed phase and each of
 * the relay's turns.  Targets: in every phase the relay adds at most
 * RELAY_ADDED_MS to a login at the median (the difference of the
 * medians), no handshake happens during a timed phase, and at
 * RELAY_TARGET_CONNS connections the relay forwards at least
 * RELAY_TARGET_RATE decisions/s.  A failed login on either pam_authd
 * stack is unexpected (exit 2) as in login mode.
 *
 * Exit status: 0 when the targets are met (pam_authd's added cost over
 * the floor at most half of pam_oath's, at the median, in every phase;
 * no valid pam_authd login rejected and no code accepted twice or not at
 * all in the race); 1 when a pam_authd target is missed; 2 on setup or
 * usage errors or any unexpected failure (a pam_permit login failing, a
 * pam_authd login failing with one process, a client dying).  pam_oath's
 * failures are reported, not judged.  Relay mode: 0 when its targets are
 * met, 1 when one is missed, 2 as above.
 */

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authd_err.h"
#include "pam_codes.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

#include "bench_util.h"
#include "loadgen.h"

#define STEP		30	/* TOTP time step, seconds */
#define DIGITS		6
#define SEED_LEN	20	/* what authd enrolls: 160 bits */
#define MAX_PROCS	2
#define MAX_PHASES	4
#define NCALLS		3	/* start, auth, acct */
#define NCODES		40	/* PAM codes are below this */
#define RPC_TIMEOUT_MS	10000
#define BENCH_RHOST	"192.0.2.10"
#define BENCH_TTY	"ssh"
#define BENCH_GROUP	"cn=bench-users,ou=groups," BENCH_SUFFIX
#define WARM_LOGINS	20	/* untimed logins per stack before timing */
/* Relay mode's targets (bench/README.md). */
#define RELAY_ADDED_MS		0.5	/* the relay's cost at the median */
#define RELAY_TARGET_RATE	5000.0	/* forwarded decisions/s ... */
#define RELAY_TARGET_CONNS	32	/* ... at this many connections */
/* Before each turn of the forwarded decisions but the first. */
#define RATE_SLICE_WARMUP_MS	200
/*
 * The relay's warm-up logins last this long at least: its keeper, which
 * looks at its pool every 200 ms, keeps relay_connections connections
 * idle, and opens one more when it finds one busy with a login.  Ten of
 * its rounds see the logins' concurrency before timing begins.
 */
#define RELAY_WARM_MS		2000

enum stack_id { ST_PERMIT, ST_OATH, ST_AUTHD, ST_RELAY, NSTACK };

static const struct stack_def {
	const char	*id;		/* in JSON */
	const char	*label;		/* in tables */
	const char	*service;	/* PAM service = stack file */
	int		 prompts;	/* expected per login */
} stacks[NSTACK] = {
	{ "permit", "pam_permit (floor)", "bench-permit", 0 },
	{ "oath", "pam_oath", "bench-oath", 1 },
	{ "authd", "pam_authd", "bench-authd", 1 },
	{ "relay", "pam_authd through the relay", "bench-relay", 1 },
};

/*
 * The stacks this run has: pam_permit and pam_authd always, pam_oath with
 * --oath, pam_authd through a relay with --relay-socket.
 */
static int stack_on[NSTACK];

enum call_id { CALL_START, CALL_AUTH, CALL_ACCT };
static const char *const call_names[NCALLS] = { "start", "auth", "acct" };

/* Where a login's time goes: the four libpam calls. */
enum part_id { PART_START, PART_AUTH, PART_ACCT, PART_END, NPARTS };
static const char *const part_names[NPARTS] = {
	"pam_start", "pam_authenticate", "pam_acct_mgmt", "pam_end",
};

/* One timed login. */
struct sample {
	int64_t		 ns;		/* pam_start_confdir .. pam_end */
	int32_t		 part[NPARTS];	/* ns per call */
	int32_t		 ok;
};

struct opts {
	const char	*ldif;
	const char	*bind_pw;
	const char	*workdir;
	const char	*socket;
	const char	*admin_socket;
	const char	*module[NSTACK];
	const char	*json;
	const char	*md;
	const char	*oath_version;
	const char	*authd_version;	/* reported only */
	/* relay mode (--relay-socket) */
	const char	*relay_socket;
	const char	*tls_log;	/* the central authd's log */
	const char	*database;	/* the central authd's database */
	int		 relay_pid;
	int		 rate_conns;
	int		 rate_seconds;
	int		 rate_slices;
	int		 rate_warmup_ms;
	int		 users;
	int		 rounds;
	int		 batch;
	int		 race;
	int		 probe;
	int		 window;
	int		 threads;
	int		 nphases;
	int		 procs[MAX_PHASES];
	int		 authd_pid;
	int		 slapd_pid;
	char		 confdir[4096];
	char		 usersfile[4096];
};

struct user {
	char	name[16];
	uint8_t	seed[SEED_LEN];
};

/* What one client process counts on one stack in one phase. */
struct pstats {
	size_t		 n;		/* logins timed */
	size_t		 ok;
	uint32_t	 fails[NCALLS][NCODES + 1];	/* [NCODES]: other */
	uint32_t	 bad_prompts;
	size_t		 pool_waits;	/* no fresh user left in a step */
	int64_t		 wait_ns;
	size_t		 skipped;	/* ambiguous codes */
};

/* One phase's results, in memory the clients share with the parent. */
struct phase {
	int		 procs;
	pthread_barrier_t bar;
	struct pstats	 ps[MAX_PROCS][NSTACK];
	int		 child_err[MAX_PROCS];
	struct sample	*lat;		/* [proc][stack][rounds * batch] */
	int64_t		*bstart, *bend;	/* [proc][stack][rounds] ns */
	size_t		 arena_len;
	/* filled in by the parent afterwards */
	double		 wall_s;
	double		 cpu_busy, cpu_clients, cpu_authd, cpu_slapd;
	double		 cpu_relay, cpu_others, cpu_steal;
	long		 handshakes;	/* TLS, in the central log; -1 unknown */
	size_t		 lost_updates, oath_checked;
	int64_t		 oath_missing;
};

/*
 * The race's start offsets: one process calls pam_authenticate this much
 * after the other, drawn at random (fixed seed) from 0 to 1.5 times the
 * median of pam_oath's pam_authenticate in the first phase, so that the
 * rounds cover the time a module spends between checking a code and
 * recording it, not only the same microsecond.  A third of the rounds
 * start at the same moment.  Results are counted in RACE_OFFSETS
 * buckets of the span.
 */
#define RACE_OFFSETS	10
#define RACE_SPAN_MIN_US	3000
#define RACE_SPAN_MAX_US	30000

struct race_round {
	int		 stack;
	int		 user;
	int		 offset_us;
	int		 delayed;	/* which process waits offset_us */
	char		 code[DIGITS + 1];
	int		 rc[MAX_PROCS];
	int		 call[MAX_PROCS];
};

struct race {
	pthread_barrier_t bar;
	int		 span_us;
	int		 child_err[MAX_PROCS];
	size_t		 pool_waits;
	struct race_round r[];
};

/* Direct requests to authd (probe_run). */
enum probe_kind {
	PR_PING_KEPT, PR_PING, PR_FACTORS, PR_AUTH, PR_ACCOUNT, PR_LOGIN,
	NPROBES
};

static const char *const probe_names[NPROBES] = {
	"PING, kept connection", "PING, new connection", "FACTORS",
	"AUTH, a fresh code", "ACCOUNT",
	"FACTORS, then AUTH with ACCOUNT (a login's requests)",
};

/* Where the direct requests go: authd's socket, the relay's. */
enum { PROBE_AUTHD, PROBE_RELAY, NPATHS };

static double probe_p50[NPATHS][NPROBES], probe_p90[NPATHS][NPROBES];

/* State all processes share: who used which user in which step. */
static int64_t *last_step;	/* [stack][user] */
/* The last code pam_oath accepted per user in the current phase. */
static char (*oath_last)[DIGITS + 1];

static struct user *users;
static int nusers;
static struct opts opt;

/* --- small helpers -------------------------------------------------------- */

static void note(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void *
shared_alloc(size_t len)
{
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		bench_die(2, "mmap %zu bytes: %s", len, strerror(errno));
	return p;
}

static void
barrier_init(pthread_barrier_t *b, unsigned n)
{
	pthread_barrierattr_t ba;

	if (pthread_barrierattr_init(&ba) != 0 ||
	    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_barrier_init(b, &ba, n) != 0)
		bench_die(2, "cannot set up a process-shared barrier");
	pthread_barrierattr_destroy(&ba);
}

static int
code_at(int u, int64_t step, char out[DIGITS + 1])
{
	return oath_totp_generate((const char *)users[u].seed, SEED_LEN,
	    (time_t)(step * STEP), STEP, 0, DIGITS, out) == OATH_OK ? 0 : -1;
}

static const char *
user_name(int u)
{
	return users[u].name;
}

static void
users_alloc(int n)
{
	int i, width = 4;

	for (i = 10000; i <= n - 1 && width < 9; i *= 10)
		width++;
	if ((users = calloc((size_t)n, sizeof(*users))) == NULL)
		bench_die(2, "out of memory");
	nusers = n;
	for (i = 0; i < n; i++)
		snprintf(users[i].name, sizeof(users[i].name), "u%0*d", width,
		    i);
}

/* --- the directory -------------------------------------------------------- */

static void
ldif_write(const char *path, const char *pw)
{
	FILE *f;
	int i;

	if ((f = fopen(path, "w")) == NULL)
		bench_die(2, "%s: %s", path, strerror(errno));
	fprintf(f, "# Generated by bench/login_bench.c: %d users, all in "
	    "one group.\n\n", nusers);
	bench_ldif_base(f, pw);
	fprintf(f, "dn: ou=people," BENCH_SUFFIX "\nobjectClass: "
	    "organizationalUnit\nou: people\n\n");
	fprintf(f, "dn: ou=groups," BENCH_SUFFIX "\nobjectClass: "
	    "organizationalUnit\nou: groups\n\n");
	for (i = 0; i < nusers; i++)
		fprintf(f, "dn: uid=%s,ou=people," BENCH_SUFFIX "\n"
		    "objectClass: inetOrgPerson\nuid: %s\ncn: Bench %d\n"
		    "sn: Bench\n\n", user_name(i), user_name(i), i);
	fprintf(f, "dn: %s\nobjectClass: groupOfNames\ncn: bench-users\n",
	    BENCH_GROUP);
	for (i = 0; i < nusers; i++)
		fprintf(f, "member: uid=%s,ou=people," BENCH_SUFFIX "\n",
		    user_name(i));
	fputc('\n', f);
	if (ferror(f) || fclose(f) != 0)
		bench_die(2, "%s: write failed", path);
}

/* --- talking to authd directly (setup only) ------------------------------- */

/*
 * One request on the connection *fd (opened on first use, opened again
 * once if it broke).  Returns 0 with the reply, or an AUTHD_ERR_*.
 */
static int
rpc(const char *path, int *fd, struct proto_msg *req,
    struct proto_msg **reply)
{
	int64_t deadline;
	int r = 0, attempt;

	*reply = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		deadline = mono_ms() + RPC_TIMEOUT_MS;
		if (*fd < 0 && (r = sock_connect(path, deadline, fd)) != 0)
			continue;
		if ((r = sock_call(*fd, req, deadline, NULL, NULL,
		    reply)) == 0 && (*reply)->reqid == req->reqid)
			return 0;
		if (r == 0) {
			r = AUTHD_ERR_REQID;
			proto_free(*reply);
			*reply = NULL;
		}
		close(*fd);
		*fd = -1;
	}
	return r;
}

static uint64_t
reply_status(const struct proto_msg *m)
{
	uint64_t st = PROTO_S_ERROR;

	(void)proto_get_u64(m, PROTO_A_STATUS, &st);
	return st;
}

struct worker_arg {
	pthread_t	 th;
	int		 t, nt;
	int		 kind;		/* 0 enroll, 1 warm */
	char		 err[256];
	size_t		 done;
};

static struct proto_msg *
request(uint8_t type, uint32_t reqid, int u)
{
	struct proto_msg *m;

	if ((m = proto_new(type, reqid)) == NULL ||
	    proto_add_str(m, PROTO_A_USER, user_name(u)) != 0) {
		proto_free(m);
		return NULL;
	}
	return m;
}

static int
enroll_one(struct worker_arg *wa, int *fd, int u, uint32_t *reqid)
{
	struct proto_msg *req = NULL, *reply = NULL;
	char code[DIGITS + 1];
	int r, tries;

	if ((req = request(PROTO_T_ENROLL, ++*reqid, u)) == NULL)
		goto nomem;
	if ((r = rpc(opt.admin_socket, fd, req, &reply)) != 0) {
		snprintf(wa->err, sizeof(wa->err), "enroll %s: %s",
		    user_name(u), authd_strerror(r));
		goto fail;
	}
	if (reply_status(reply) != PROTO_S_ALLOW ||
	    bench_uri_secret(proto_str(reply, PROTO_A_URI, ""), users[u].seed,
	    SEED_LEN) != 0) {
		snprintf(wa->err, sizeof(wa->err), "enroll %s: %s (%s)",
		    user_name(u), proto_str(reply, PROTO_A_REASON, "?"),
		    proto_str(reply, PROTO_A_MESSAGE, "no usable URI"));
		goto fail;
	}
	proto_free(req);
	proto_free(reply);
	req = reply = NULL;
	/*
	 * Confirm with the previous step's code, so that the current step
	 * stays free; once more if a step boundary fell in between.
	 */
	for (tries = 0; tries < 3; tries++) {
		if (code_at(u, time(NULL) / STEP - 1, code) != 0)
			goto nomem;
		if ((req = request(PROTO_T_CONFIRM, ++*reqid, u)) == NULL ||
		    proto_add_str(req, PROTO_A_CODE, code) != 0)
			goto nomem;
		if ((r = rpc(opt.admin_socket, fd, req, &reply)) != 0) {
			snprintf(wa->err, sizeof(wa->err), "confirm %s: %s",
			    user_name(u), authd_strerror(r));
			goto fail;
		}
		if (reply_status(reply) == PROTO_S_ALLOW)
			break;
		proto_free(req);
		proto_free(reply);
		req = reply = NULL;
	}
	if (tries == 3) {
		snprintf(wa->err, sizeof(wa->err), "confirm %s: refused",
		    user_name(u));
		goto fail;
	}
	proto_free(req);
	proto_free(reply);
	return 0;
 nomem:
	snprintf(wa->err, sizeof(wa->err), "out of memory");
 fail:
	proto_free(req);
	proto_free(reply);
	return -1;
}

/* An ACCOUNT request as pam_authd sends it: fills authd's cache. */
static int
warm_one(struct worker_arg *wa, int *fd, int u, uint32_t *reqid)
{
	struct proto_msg *req = NULL, *reply = NULL;
	int r;

	if ((req = request(PROTO_T_ACCOUNT, ++*reqid, u)) == NULL ||
	    proto_add_str(req, PROTO_A_SERVICE, stacks[ST_AUTHD].service) !=
	    0 || proto_add_str(req, PROTO_A_RHOST, BENCH_RHOST) != 0 ||
	    proto_add_str(req, PROTO_A_TTY, BENCH_TTY) != 0 ||
	    proto_add_u64(req, PROTO_A_PID, (uint64_t)getpid()) != 0) {
		snprintf(wa->err, sizeof(wa->err), "out of memory");
		proto_free(req);
		return -1;
	}
	r = rpc(opt.socket, fd, req, &reply);
	if (r != 0)
		snprintf(wa->err, sizeof(wa->err), "account %s: %s",
		    user_name(u), authd_strerror(r));
	else if (reply_status(reply) != PROTO_S_ALLOW) {
		snprintf(wa->err, sizeof(wa->err), "account %s: denied (%s)",
		    user_name(u), proto_str(reply, PROTO_A_REASON, "?"));
		r = -1;
	}
	proto_free(req);
	proto_free(reply);
	return r == 0 ? 0 : -1;
}

static void *
worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	uint32_t reqid = (uint32_t)(wa->t + 1) << 24;
	int u, fd = -1;

	for (u = wa->t; u < nusers; u += wa->nt) {
		if ((wa->kind == 0 ? enroll_one(wa, &fd, u, &reqid) :
		    warm_one(wa, &fd, u, &reqid)) != 0)
			break;
		wa->done++;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Runs enroll (kind 0) or warm (kind 1) over all users; seconds taken. */
static double
run_workers(int kind)
{
	struct worker_arg *wa;
	int64_t t0 = bench_now_ns();
	int i, nt = opt.threads;

	if ((wa = calloc((size_t)nt, sizeof(*wa))) == NULL)
		bench_die(2, "out of memory");
	for (i = 0; i < nt; i++) {
		wa[i].t = i;
		wa[i].nt = nt;
		wa[i].kind = kind;
		if (pthread_create(&wa[i].th, NULL, worker_main, &wa[i]) != 0)
			bench_die(2, "pthread_create failed");
	}
	for (i = 0; i < nt; i++)
		pthread_join(wa[i].th, NULL);
	for (i = 0; i < nt; i++)
		if (wa[i].err[0] != '\0')
			bench_die(2, "%s", wa[i].err);
	free(wa);
	return (double)(bench_now_ns() - t0) / 1e9;
}

/* Waits until authd answers PING on the admin socket. */
static void
authd_wait(void)
{
	struct proto_msg *req, *reply = NULL;
	int64_t until = mono_ms() + 20000;
	int fd = -1, r = AUTHD_ERR_CONNECT;

	if ((req = proto_new(PROTO_T_PING, 1)) == NULL)
		bench_die(2, "out of memory");
	while (mono_ms() < until) {
		if ((r = rpc(opt.admin_socket, &fd, req, &reply)) == 0)
			break;
		sleep_ms(100);
	}
	proto_free(req);
	proto_free(reply);
	if (fd >= 0)
		close(fd);
	if (r != 0)
		bench_die(2, "authd does not answer on %s: %s",
		    opt.admin_socket, authd_strerror(r));
}

/* The system behind bench-authd must ask for the code and nothing else. */
static void
factors_check(void)
{
	struct proto_msg *req, *reply = NULL;
	const char *f;
	int fd = -1, r;

	if ((req = request(PROTO_T_FACTORS, 7, 0)) == NULL ||
	    proto_add_str(req, PROTO_A_SERVICE, stacks[ST_AUTHD].service) != 0)
		bench_die(2, "out of memory");
	if ((r = rpc(opt.socket, &fd, req, &reply)) != 0)
		bench_die(2, "factors: %s", authd_strerror(r));
	f = proto_str(reply, PROTO_A_FACTORS, "");
	if (reply_status(reply) != PROTO_S_ALLOW || strcmp(f, "totp") != 0)
		bench_die(2, "service %s needs factors \"%s\" (%s); the "
		    "benchmark wants the code alone (mfa required, password "
		    "no)",
		    stacks[ST_AUTHD].service, f,
		    proto_str(reply, PROTO_A_REASON, "?"));
	proto_free(req);
	proto_free(reply);
	close(fd);
}

/* --- files: usersfile and PAM stacks -------------------------------------- */

static void
path_fmt(char *buf, size_t sz, const char *dir, const char *name)
{
	if (bench_path_join(buf, sz, dir, name) != 0)
		exit(2);
}

static void
write_file(const char *path, mode_t mode, const char *text)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		bench_die(2, "%s: %s", path, strerror(errno));
	if (fchmod(fileno(f), mode) != 0)
		bench_die(2, "%s: chmod: %s", path, strerror(errno));
	fputs(text, f);
	if (ferror(f) || fclose(f) != 0)
		bench_die(2, "%s: write failed", path);
}

static void
usersfile_write(void)
{
	char dir[4096];
	FILE *f;
	int u, i;

	path_fmt(dir, sizeof(dir), opt.workdir, "oath");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		bench_die(2, "%s: %s", dir, strerror(errno));
	path_fmt(opt.usersfile, sizeof(opt.usersfile), dir, "users.oath");
	if ((f = fopen(opt.usersfile, "w")) == NULL)
		bench_die(2, "%s: %s", opt.usersfile, strerror(errno));
	if (fchmod(fileno(f), 0600) != 0)
		bench_die(2, "%s: chmod: %s", opt.usersfile, strerror(errno));
	for (u = 0; u < nusers; u++) {
		fprintf(f, "HOTP/T30/6\t%s\t-\t", user_name(u));
		for (i = 0; i < SEED_LEN; i++)
			fprintf(f, "%02x", users[u].seed[i]);
		fputc('\n', f);
	}
	if (ferror(f) || fclose(f) != 0)
		bench_die(2, "%s: write failed", opt.usersfile);
}

/* pam_authd for auth and account on `socket`, as stack `st`. */
static void
authd_stack_write(int st, const char *socket)
{
	char path[4096], text[8192];

	path_fmt(path, sizeof(path), opt.confdir, stacks[st].service);
	snprintf(text, sizeof(text), "# generated by bench/login_bench.c\n"
	    "auth     required %s socket=%s\naccount  required %s socket=%s\n",
	    opt.module[ST_AUTHD], socket, opt.module[ST_AUTHD], socket);
	write_file(path, 0644, text);
}

static void
stacks_write(void)
{
	char path[4096], text[8192];

	path_fmt(opt.confdir, sizeof(opt.confdir), opt.workdir, "pam");
	if (mkdir(opt.confdir, 0755) != 0 && errno != EEXIST)
		bench_die(2, "%s: %s", opt.confdir, strerror(errno));
	path_fmt(path, sizeof(path), opt.confdir, stacks[ST_PERMIT].service);
	snprintf(text, sizeof(text), "# generated by bench/login_bench.c\n"
	    "auth     required %s\naccount  required %s\n",
	    opt.module[ST_PERMIT], opt.module[ST_PERMIT]);
	write_file(path, 0644, text);
	if (stack_on[ST_OATH]) {
		path_fmt(path, sizeof(path), opt.confdir,
		    stacks[ST_OATH].service);
		snprintf(text, sizeof(text), "# generated by "
		    "bench/login_bench.c\nauth     required %s usersfile=%s "
		    "window=%d digits=%d\naccount  required %s\n",
		    opt.module[ST_OATH], opt.usersfile, opt.window, DIGITS,
		    opt.module[ST_PERMIT]);
		write_file(path, 0644, text);
	}
	authd_stack_write(ST_AUTHD, opt.socket);
	if (stack_on[ST_RELAY])
		authd_stack_write(ST_RELAY, opt.relay_socket);
	/*
	 * libpam reads "other" in every transaction and logs an error when
	 * it is missing; give it one without modules.
	 */
	path_fmt(path, sizeof(path), opt.confdir, "other");
	write_file(path, 0644, "# generated by bench/login_bench.c: no "
	    "defaults, every stack names its modules\n");
}

/*
 * Reads the usersfile back: for every user with a code in oath_last, is
 * it the last code the file records?  Returns the number that is not
 * (lost updates); *checked and *missing (users without a line) too.
 */
static size_t
usersfile_check(size_t *checked, int64_t *missing)
{
	char *line = NULL, *save, *f[7];
	unsigned char *seen;
	size_t cap = 0, lost = 0;
	long long ll;
	FILE *fp;
	int i, u;

	*checked = 0;
	*missing = 0;
	if ((fp = fopen(opt.usersfile, "r")) == NULL)
		bench_die(2, "%s: %s", opt.usersfile, strerror(errno));
	if ((seen = calloc((size_t)nusers, 1)) == NULL)
		bench_die(2, "out of memory");
	while (getline(&line, &cap, fp) != -1) {
		for (i = 0; i < 7; i++)
			f[i] = strtok_r(i == 0 ? line : NULL, " \t\r\n", &save);
		if (f[1] == NULL || f[1][0] != 'u' ||
		    num_parse(f[1] + 1, 0, nusers - 1, &ll, NULL) != 0)
			continue;
		u = (int)ll;
		if (strcmp(f[1], user_name(u)) != 0 || oath_last[u][0] == '\0')
			continue;
		seen[u] = 1;
		(*checked)++;
		if (f[5] == NULL || strcmp(f[5], oath_last[u]) != 0)
			lost++;
	}
	for (u = 0; u < nusers; u++)
		if (oath_last[u][0] != '\0' && !seen[u])
			(*missing)++;
	free(line);
	free(seen);
	fclose(fp);
	return lost + (size_t)*missing;
}

/* --- one login ------------------------------------------------------------ */

struct conv_data {
	const char	*code;
	int		 prompts;
};

static int
conv_fn(int num_msg, const struct pam_message **msg,
    struct pam_response **resp, void *appdata)
{
	struct conv_data *cd = appdata;
	struct pam_response *r;
	int i;

	*resp = NULL;
	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)num_msg, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num_msg; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			cd->prompts++;
			if ((r[i].resp = strdup(cd->code)) == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
 fail:
	for (i = 0; i < num_msg; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

/* PAM_FAIL_DELAY: failure delays must not distort the timings. */
static void
no_delay(int retval, unsigned usec, void *appdata)
{
	(void)retval;
	(void)usec;
	(void)appdata;
}

struct session {
	pam_handle_t		*pamh;
	struct conv_data	 cd;
	struct pam_conv		 conv;
};

static int
session_start(struct session *s, int st, int u, const char *code)
{
	union {
		void (*fn)(int, unsigned, void *);
		const void *item;
	} delay_item;
	int rc;

	s->pamh = NULL;
	s->cd.code = code;
	s->cd.prompts = 0;
	s->conv.conv = conv_fn;
	s->conv.appdata_ptr = &s->cd;
	if ((rc = pam_start_confdir(stacks[st].service, user_name(u),
	    &s->conv, opt.confdir, &s->pamh)) != PAM_SUCCESS)
		return rc;
	delay_item.fn = no_delay;
	if ((rc = pam_set_item(s->pamh, PAM_FAIL_DELAY, delay_item.item)) !=
	    PAM_SUCCESS ||
	    (rc = pam_set_item(s->pamh, PAM_RHOST, BENCH_RHOST)) !=
	    PAM_SUCCESS ||
	    (rc = pam_set_item(s->pamh, PAM_TTY, BENCH_TTY)) != PAM_SUCCESS) {
		pam_end(s->pamh, rc);
		s->pamh = NULL;
	}
	return rc;
}

/*
 * A whole login on a fresh handle.  Returns the PAM code of the last call
 * made and sets *call to it (start, auth or acct).
 */
static int
login(int st, int u, const char *code, int *call, int *prompts,
    struct sample *sm)
{
	struct session s;
	int64_t t[NPARTS + 1];
	int rc, i;

	*call = CALL_START;
	*prompts = 0;
	memset(sm, 0, sizeof(*sm));
	t[0] = bench_now_ns();
	rc = session_start(&s, st, u, code);
	t[1] = t[2] = t[3] = t[4] = bench_now_ns();
	if (rc == PAM_SUCCESS) {
		*call = CALL_AUTH;
		rc = pam_authenticate(s.pamh, 0);
		t[2] = t[3] = bench_now_ns();
		if (rc == PAM_SUCCESS) {
			*call = CALL_ACCT;
			rc = pam_acct_mgmt(s.pamh, 0);
			t[3] = bench_now_ns();
		}
		pam_end(s.pamh, rc);
		t[4] = bench_now_ns();
		*prompts = s.cd.prompts;
	}
	sm->ns = t[NPARTS] - t[0];
	for (i = 0; i < NPARTS; i++)
		sm->part[i] = (int32_t)(t[i + 1] - t[i]);
	return rc;
}

static void
count_failure(struct pstats *ps, int call, int rc)
{
	ps->fails[call][rc >= 0 && rc < NCODES ? rc : NCODES]++;
}

/* --- fresh users and codes ------------------------------------------------ */

/* A process's share of the users: p, p + n, p + 2n, ... */
struct picker {
	int	first, stride, len;
	int	cur[NSTACK];
};

/* Where the last phase stopped per stack, so the next starts after it. */
static int *next_hint;

static void
picker_init(struct picker *pk, int p, int procs)
{
	int st;

	memset(pk, 0, sizeof(*pk));
	pk->first = p;
	pk->stride = procs;
	pk->len = (nusers - p + procs - 1) / procs;
	for (st = 0; st < NSTACK; st++)
		pk->cur[st] = (next_hint[st] / procs) % pk->len;
}

/*
 * The row of last_step a login on stack `st` uses: the relay forwards to
 * the same authd, whose tokens refuse a step used on either socket.
 */
static int
replay_row(int st)
{
	return st == ST_RELAY ? ST_AUTHD : st;
}

/*
 * Takes a user not used on stack `st` in the current step, marks it and
 * computes its code.  Waits (untimed, counted) for the next step when
 * none is left.  Returns the user.
 */
static int
pick(struct picker *pk, int st, char code[DIGITS + 1], struct pstats *ps,
    size_t *waits, int64_t *wait_ns)
{
	char prev[DIGITS + 1], next[DIGITS + 1];
	int64_t now_ms, step, t0;
	int i, u;

	for (;;) {
		now_ms = wall_ms();
		step = now_ms / 1000 / STEP;
		/* window 0: keep the last second of a step for checking. */
		if (opt.window == 0 && now_ms % (STEP * 1000) >=
		    (STEP - 1) * 1000)
			goto wait;
		for (i = 0; i < pk->len; i++) {
			u = pk->first + pk->cur[st] * pk->stride;
			pk->cur[st] = (pk->cur[st] + 1) % pk->len;
			next_hint[st] = u + 1;
			if (last_step[replay_row(st) * nusers + u] >= step)
				continue;
			last_step[replay_row(st) * nusers + u] = step;
			if (code_at(u, step, code) != 0 ||
			    code_at(u, step - 1, prev) != 0 ||
			    code_at(u, step + 1, next) != 0)
				bench_die(2, "oath_totp_generate failed");
			if (strcmp(code, prev) == 0 ||
			    strcmp(code, next) == 0) {
				if (ps != NULL)
					ps->skipped++;
				continue;
			}
			return u;
		}
 wait:
		(*waits)++;
		t0 = bench_now_ns();
		sleep_ms((step + 1) * STEP * 1000 - wall_ms() + 50);
		*wait_ns += bench_now_ns() - t0;
	}
}

/* --- timed phases --------------------------------------------------------- */

static size_t
lat_index(int p, int st, size_t i)
{
	size_t per = (size_t)opt.rounds * (size_t)opt.batch;

	return ((size_t)p * NSTACK + (size_t)st) * per + i;
}

static size_t
round_index(int p, int st, int r)
{
	return ((size_t)p * NSTACK + (size_t)st) * (size_t)opt.rounds +
	    (size_t)r;
}

/* The stacks of this run, in order, into on[]; returns their number. */
static int
stacks_on(int on[NSTACK])
{
	int st, n = 0;

	for (st = 0; st < NSTACK; st++)
		if (stack_on[st])
			on[n++] = st;
	return n;
}

/* One client process of a phase; never returns. */
static void
phase_child(struct phase *ph, int p)
{
	struct picker pk;
	char code[DIGITS + 1];
	struct sample *sm;
	int64_t wait0;
	int r, k, st, i, u, rc, call, prompts, on[NSTACK], non;
	struct pstats *ps;

	non = stacks_on(on);
	picker_init(&pk, p, ph->procs);
	for (r = 0; r < opt.rounds; r++) {
		for (k = 0; k < non; k++) {
			st = on[(r + k) % non];
			ps = &ph->ps[p][st];
			pthread_barrier_wait(&ph->bar);
			wait0 = ps->wait_ns;
			ph->bstart[round_index(p, st, r)] = bench_now_ns();
			for (i = 0; i < opt.batch; i++) {
				u = pick(&pk, st, code, ps, &ps->pool_waits,
				    &ps->wait_ns);
				sm = &ph->lat[lat_index(p, st, ps->n)];
				rc = login(st, u, code, &call, &prompts, sm);
				ps->n++;
				if (rc != PAM_SUCCESS)
					count_failure(ps, call, rc);
				else if (prompts != stacks[st].prompts)
					ps->bad_prompts++;
				else {
					sm->ok = 1;
					ps->ok++;
					if (st == ST_OATH)
						memcpy(oath_last[u], code,
						    sizeof(oath_last[u]));
				}
			}
			/* A wait for the next step is not part of the batch. */
			ph->bend[round_index(p, st, r)] = bench_now_ns() -
			    (ps->wait_ns - wait0);
		}
	}
	_exit(0);
}

struct cpu_snap {
	double	busy, steal, clients, authd, slapd, relay;
};

static void
cpu_get(struct cpu_snap *c)
{
	struct rusage ru;

	bench_machine_cpu(&c->busy, &c->steal);
	getrusage(RUSAGE_CHILDREN, &ru);
	c->clients = bench_ru_secs(&ru);
	c->authd = bench_proc_cpu(opt.authd_pid);
	c->slapd = bench_proc_cpu(opt.slapd_pid);
	c->relay = bench_proc_cpu(opt.relay_pid);
}

/*
 * TLS handshakes the central authd has accepted so far: the lines of its
 * log (--tls-log) that say a host connected, one per connection.  -1 when
 * there is no log to read.
 */
static long
handshakes(void)
{
	char line[1024];
	long n = 0;
	FILE *f;

	if (opt.tls_log == NULL || (f = fopen(opt.tls_log, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "tls: host ") != NULL &&
		    strstr(line, ") connected") != NULL)
			n++;
	fclose(f);
	return n;
}

/* The handshakes since `from` (a count of handshakes()); -1 unknown. */
static long
handshakes_since(long from)
{
	long now = handshakes();

	return from < 0 || now < 0 ? -1 : now - from;
}

/* Forks the clients, waits for them; returns the number that failed. */
static int
run_children(int n, void (*fn)(void *, int), void *arg, int *child_err)
{
	pid_t pids[MAX_PROCS];
	int i, st, bad = 0;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) < 0)
			bench_die(2, "fork: %s", strerror(errno));
		if (pids[i] == 0)
			fn(arg, i);
	}
	for (i = 0; i < n; i++) {
		while (waitpid(pids[i], &st, 0) < 0)
			if (errno != EINTR)
				bench_die(2, "waitpid: %s", strerror(errno));
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			child_err[i] = 1;
			bad++;
		}
	}
	return bad;
}

static void
phase_fn(void *arg, int i)
{
	phase_child(arg, i);
}

static struct phase *
phase_run(int procs)
{
	struct phase *ph;
	struct cpu_snap c0, c1;
	size_t per = (size_t)opt.rounds * (size_t)opt.batch, lat, rnd;
	int64_t t0;
	long hs0;
	char *arena;
	int on[NSTACK];

	lat = (size_t)procs * NSTACK * per * sizeof(struct sample);
	rnd = (size_t)procs * NSTACK * (size_t)opt.rounds * sizeof(int64_t);
	arena = shared_alloc(sizeof(*ph) + lat + 2 * rnd + 64);
	ph = (struct phase *)(void *)arena;
	ph->arena_len = sizeof(*ph) + lat + 2 * rnd + 64;
	ph->procs = procs;
	ph->lat = (struct sample *)(void *)(arena + ((sizeof(*ph) + 63) &
	    ~(size_t)63));
	ph->bstart = (int64_t *)(void *)(ph->lat + (size_t)procs * NSTACK *
	    per);
	ph->bend = ph->bstart + (size_t)procs * NSTACK * (size_t)opt.rounds;
	barrier_init(&ph->bar, (unsigned)procs);

	note("phase: %d client process%s, %d rounds x %d stacks x %d logins",
	    procs, procs == 1 ? "" : "es", opt.rounds, stacks_on(on),
	    opt.batch);
	hs0 = handshakes();
	cpu_get(&c0);
	t0 = bench_now_ns();
	if (run_children(procs, phase_fn, ph, ph->child_err) != 0)
		bench_die(2, "a client process of the %d-process phase failed",
		    procs);
	ph->wall_s = (double)(bench_now_ns() - t0) / 1e9;
	cpu_get(&c1);
	ph->handshakes = handshakes_since(hs0);
	ph->cpu_relay = (c1.relay - c0.relay) / ph->wall_s;
	ph->cpu_busy = (c1.busy - c0.busy) / ph->wall_s;
	ph->cpu_steal = (c1.steal - c0.steal) / ph->wall_s;
	ph->cpu_clients = (c1.clients - c0.clients) / ph->wall_s;
	ph->cpu_authd = (c1.authd - c0.authd) / ph->wall_s;
	ph->cpu_slapd = (c1.slapd - c0.slapd) / ph->wall_s;
	ph->cpu_others = ph->cpu_busy - ph->cpu_clients - ph->cpu_authd -
	    ph->cpu_slapd - ph->cpu_relay;
	if (ph->cpu_others < 0)
		ph->cpu_others = 0;
	if (stack_on[ST_OATH])
		ph->lost_updates = usersfile_check(&ph->oath_checked,
		    &ph->oath_missing);
	return ph;
}

/* --- the race ------------------------------------------------------------- */

static void
race_child(struct race *ra, int p)
{
	struct picker pk;
	struct session s;
	struct race_round *rr;
	int i, rc, nr = 2 * opt.race;
	int64_t wait_ns = 0, t0;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	picker_init(&pk, 0, 1);
	for (i = 0; i < nr; i++) {
		rr = &ra->r[i];
		if (p == 0) {
			/* Alternate the stacks, the order swapped every pair. */
			rr->stack = ((i / 2) % 2 == i % 2) ? ST_OATH : ST_AUTHD;
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			rr->offset_us = rng % 3 == 0 ? 0 :
			    (int)((rng >> 8) % (uint64_t)ra->span_us);
			rr->delayed = (int)((rng >> 40) & 1);
			rr->user = pick(&pk, rr->stack, rr->code, NULL,
			    &ra->pool_waits, &wait_ns);
		}
		pthread_barrier_wait(&ra->bar);
		/* Modules are loaded before the start line. */
		rc = session_start(&s, rr->stack, rr->user, rr->code);
		pthread_barrier_wait(&ra->bar);
		if (p == rr->delayed && rr->offset_us > 0) {
			/* Spin: a sleep this short would overshoot. */
			t0 = bench_now_ns() + (int64_t)rr->offset_us * 1000;
			while (bench_now_ns() < t0)
				;
		}
		if (rc != PAM_SUCCESS) {
			rr->rc[p] = rc;
			rr->call[p] = CALL_START;
			continue;
		}
		rc = pam_authenticate(s.pamh, 0);
		pam_end(s.pamh, rc);
		rr->rc[p] = rc;
		rr->call[p] = CALL_AUTH;
	}
	_exit(0);
}

static void
race_fn(void *arg, int i)
{
	race_child(arg, i);
}

static struct race *
race_run(double oath_auth_ms)
{
	struct race *ra;
	size_t len;

	len = sizeof(*ra) + (size_t)(2 * opt.race) * sizeof(ra->r[0]);
	ra = shared_alloc(len);
	barrier_init(&ra->bar, MAX_PROCS);
	ra->span_us = (int)(1.5 * oath_auth_ms * 1000);
	if (ra->span_us < RACE_SPAN_MIN_US)
		ra->span_us = RACE_SPAN_MIN_US;
	if (ra->span_us > RACE_SPAN_MAX_US)
		ra->span_us = RACE_SPAN_MAX_US;
	note("race: %d rounds per stack, 2 processes, the same code, "
	    "offsets 0..%.1f ms", opt.race, ra->span_us / 1000.0);
	if (run_children(MAX_PROCS, race_fn, ra, ra->child_err) != 0)
		bench_die(2, "a client process of the race failed");
	return ra;
}

/* --- statistics and reports ----------------------------------------------- */

/* Nearest-rank percentile of sorted v[0..n). */
static double
pctl(const int64_t *v, size_t n, double q)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(q * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1];
}

/*
 * One stack in one phase.  Times are over the successful logins: a
 * rejected login may stop early (pam_oath skips writing its file), and
 * counting it would make a module that rejects look cheaper.  p50_all
 * counts every attempt.
 */
struct series {
	size_t		 n, ok, failed;
	double		 p50, p90, p99, max, mean;	/* ms */
	double		 p50_all;
	double		 part[NPARTS];		/* p50 per call, ms */
	double		 per_s;			/* successful logins/s */
	double		 added;			/* p50 - floor's p50 */
	double		 added_paired;		/* median over rounds */
	double		 over_authd;		/* p50 - pam_authd's p50 */
	double		 over_authd_paired;	/* median over rounds */
	size_t		 pool_waits, skipped, bad_prompts;
	double		 wait_s;
	uint32_t	 fails[NCALLS][NCODES + 1];
};

struct results {
	struct series	 s[MAX_PHASES][NSTACK];
	/* race */
	size_t		 race_rounds[NSTACK], race_one[NSTACK];
	size_t		 race_double[NSTACK], race_none[NSTACK];
	uint32_t	 race_fails[NSTACK][NCALLS][NCODES + 1];
	size_t		 race_double_at[NSTACK][RACE_OFFSETS];
	size_t		 race_none_at[NSTACK][RACE_OFFSETS];
	size_t		 race_waits;
	int		 race_span_us;
	/* relay mode: forwarded decisions, handshakes outside the phases */
	struct lres	 rate_relay, rate_local;
	long		 hs_warm;	/* during the untimed logins */
	long		 hs_rate_first;	/* the first relay slice, warm-up too */
	long		 hs_rate_rest;	/* the other relay slices */
	/* verdicts */
	int		 cost_ok[MAX_PHASES];
	int		 relay_ok[MAX_PHASES];
	int		 hs_ok[MAX_PHASES];
	int		 rate_checked, rate_ok;
	int		 unexpected;
	int		 authd_miss;
	char		 why[8][160];
	int		 nwhy;
};

/*
 * Collects the times of stack st's successful logins (all attempts with
 * `all`), of round r only when r >= 0, part `part` (-1: the whole
 * login), sorted, into v; returns their number.
 */
static size_t
collect(const struct phase *ph, int st, int r, int part, int all, int64_t *v)
{
	const struct sample *sm;
	size_t n = 0, i, lo = 0, hi;
	int p;

	for (p = 0; p < ph->procs; p++) {
		hi = ph->ps[p][st].n;
		if (r >= 0) {
			lo = (size_t)r * (size_t)opt.batch;
			if (hi > lo + (size_t)opt.batch)
				hi = lo + (size_t)opt.batch;
		}
		for (i = lo; i < hi; i++) {
			sm = &ph->lat[lat_index(p, st, i)];
			if (sm->ok || all)
				v[n++] = part < 0 ? sm->ns : sm->part[part];
		}
	}
	qsort(v, n, sizeof(*v), bench_cmp_i64);
	return n;
}

/*
 * The median over rounds of the difference, within each round, between
 * stack st's median login and stack base's, in ms; v, v2 and diffs are
 * scratch space for a round's logins and the rounds.
 */
static double
paired_diff(const struct phase *ph, int st, int base, int64_t *v,
    int64_t *v2, double *diffs)
{
	size_t n, n2, nd = 0;
	int r;

	for (r = 0; r < opt.rounds; r++) {
		n = collect(ph, st, r, -1, 0, v);
		n2 = collect(ph, base, r, -1, 0, v2);
		if (n > 0 && n2 > 0)
			diffs[nd++] = (pctl(v, n, 0.5) - pctl(v2, n2, 0.5)) /
			    1e6;
	}
	qsort(diffs, nd, sizeof(*diffs), bench_cmp_double);
	return nd ? diffs[(nd - 1) / 2] : 0;
}

static void
series_fill(const struct phase *ph, struct series *sv)
{
	size_t per = (size_t)opt.rounds * (size_t)opt.batch, n, i;
	int64_t *v, *v2, s0, s1;
	double walls, *diffs;
	int p, st, r, c, k;

	if ((v = malloc((size_t)ph->procs * per * sizeof(*v))) == NULL ||
	    (v2 = malloc((size_t)ph->procs * per * sizeof(*v2))) == NULL ||
	    (diffs = malloc((size_t)opt.rounds * sizeof(*diffs))) == NULL)
		bench_die(2, "out of memory");
	for (st = 0; st < NSTACK; st++) {
		struct series *s = &sv[st];
		double sum = 0;

		memset(s, 0, sizeof(*s));
		for (p = 0; p < ph->procs; p++) {
			const struct pstats *ps = &ph->ps[p][st];

			s->n += ps->n;
			s->ok += ps->ok;
			s->pool_waits += ps->pool_waits;
			s->skipped += ps->skipped;
			s->bad_prompts += ps->bad_prompts;
			s->wait_s += (double)ps->wait_ns / 1e9;
			for (c = 0; c < NCALLS; c++)
				for (k = 0; k <= NCODES; k++)
					s->fails[c][k] += ps->fails[c][k];
		}
		s->failed = s->n - s->ok;
		n = collect(ph, st, -1, -1, 1, v);
		s->p50_all = pctl(v, n, 0.50) / 1e6;
		n = collect(ph, st, -1, -1, 0, v);
		for (i = 0; i < n; i++)
			sum += (double)v[i];
		s->mean = n ? sum / (double)n / 1e6 : 0;
		s->p50 = pctl(v, n, 0.50) / 1e6;
		s->p90 = pctl(v, n, 0.90) / 1e6;
		s->p99 = pctl(v, n, 0.99) / 1e6;
		s->max = n ? (double)v[n - 1] / 1e6 : 0;
		for (k = 0; k < NPARTS; k++) {
			n = collect(ph, st, -1, k, 0, v);
			s->part[k] = pctl(v, n, 0.50) / 1e6;
		}
		/* Throughput: logins over the batches' wall time. */
		walls = 0;
		for (r = 0; r < opt.rounds; r++) {
			s0 = INT64_MAX;
			s1 = 0;
			for (p = 0; p < ph->procs; p++) {
				if (ph->bstart[round_index(p, st, r)] < s0)
					s0 = ph->bstart[round_index(p, st, r)];
				if (ph->bend[round_index(p, st, r)] > s1)
					s1 = ph->bend[round_index(p, st, r)];
			}
			walls += (double)(s1 - s0) / 1e9;
		}
		s->per_s = walls > 0 ? (double)s->ok / walls : 0;
	}
	for (st = 0; st < NSTACK; st++) {
		sv[st].added = sv[st].p50 - sv[ST_PERMIT].p50;
		sv[st].added_paired = paired_diff(ph, st, ST_PERMIT, v, v2,
		    diffs);
		sv[st].over_authd = sv[st].p50 - sv[ST_AUTHD].p50;
		sv[st].over_authd_paired = paired_diff(ph, st, ST_AUTHD, v, v2,
		    diffs);
	}
	free(v);
	free(v2);
	free(diffs);
}

static void
race_fill(const struct race *ra, struct results *res)
{
	int i, p, ok, b;

	for (i = 0; i < 2 * opt.race; i++) {
		const struct race_round *rr = &ra->r[i];
		int st = rr->stack;

		res->race_rounds[st]++;
		for (p = 0, ok = 0; p < MAX_PROCS; p++) {
			if (rr->rc[p] == PAM_SUCCESS)
				ok++;
			else
				res->race_fails[st][rr->call[p]][rr->rc[p] >=
				    0 && rr->rc[p] < NCODES ? rr->rc[p] :
				    NCODES]++;
		}
		b = (int)((int64_t)rr->offset_us * RACE_OFFSETS /
		    ra->span_us);
		if (ok == 1)
			res->race_one[st]++;
		else if (ok == 0) {
			res->race_none[st]++;
			res->race_none_at[st][b]++;
		} else {
			res->race_double[st]++;
			res->race_double_at[st][b]++;
		}
	}
	res->race_waits = ra->pool_waits;
	res->race_span_us = ra->span_us;
}

/* "auth:PAM_AUTH_ERR 12, ..." or "none". */
static void
fails_str(const uint32_t f[NCALLS][NCODES + 1], size_t bad_prompts,
    char *buf, size_t sz, int json)
{
	size_t o = 0;
	int c, k, any = 0;

	buf[0] = '\0';
	if (json)
		o += (size_t)snprintf(buf + o, sz - o, "{");
	for (c = 0; c < NCALLS; c++)
		for (k = 0; k <= NCODES; k++) {
			if (f[c][k] == 0 || o >= sz)
				continue;
			o += (size_t)snprintf(buf + o, sz - o,
			    json ? "%s\"%s:%s\": %u" : "%s%s:%s %u",
			    any ? ", " : "", call_names[c], k == NCODES ?
			    "other" : pam_code_name(k), f[c][k]);
			any = 1;
		}
	if (bad_prompts && o < sz) {
		o += (size_t)snprintf(buf + o, sz - o, json ?
		    "%s\"conv:prompts\": %zu" : "%sconv:prompts %zu",
		    any ? ", " : "", bad_prompts);
		any = 1;
	}
	if (json && o < sz)
		snprintf(buf + o, sz - o, "}");
	else if (!any)
		snprintf(buf, sz, "none");
}

struct machine {
	struct bench_machine b;
	char	load0[64], load1[64];
};

static void
loadavg(char *buf, size_t sz)
{
	FILE *f;

	snprintf(buf, sz, "?");
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fgets(buf, (int)sz, f) != NULL)
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static void
machine_get(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	bench_machine_get(&m->b, "unknown");
	loadavg(m->load0, sizeof(m->load0));
}

static void why(struct results *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
why(struct results *res, const char *fmt, ...)
{
	va_list ap;

	if (res->nwhy >= 8)
		return;
	va_start(ap, fmt);
	vsnprintf(res->why[res->nwhy++], sizeof(res->why[0]), fmt, ap);
	va_end(ap);
}

/* Applies the targets and sorts failures into expected and not. */
static void
judge(struct phase **ph, struct results *res)
{
	int i, st;

	for (i = 0; i < opt.nphases; i++) {
		const struct series *s = res->s[i];
		int procs = ph[i]->procs;

		if (stack_on[ST_OATH]) {
			res->cost_ok[i] = s[ST_OATH].added > 0 &&
			    s[ST_AUTHD].added <= 0.5 * s[ST_OATH].added;
			if (!res->cost_ok[i]) {
				res->authd_miss = 1;
				why(res, "%d process%s: pam_authd adds %.3f "
				    "ms, more than half of pam_oath's %.3f ms",
				    procs, procs == 1 ? "" : "es",
				    s[ST_AUTHD].added, s[ST_OATH].added);
			}
		}
		if (stack_on[ST_RELAY]) {
			res->relay_ok[i] = s[ST_RELAY].over_authd <=
			    RELAY_ADDED_MS;
			res->hs_ok[i] = ph[i]->handshakes == 0;
			if (!res->relay_ok[i] || !res->hs_ok[i])
				res->authd_miss = 1;
			if (ph[i]->handshakes < 0) {
				res->unexpected = 1;
				why(res, "no central log to count TLS "
				    "handshakes in (--tls-log)");
			}
		}
		if (s[ST_PERMIT].failed > 0) {
			res->unexpected = 1;
			why(res, "%d process%s: %zu pam_permit logins failed",
			    procs, procs == 1 ? "" : "es", s[ST_PERMIT].failed);
		}
		for (st = ST_AUTHD; st < NSTACK; st++) {
			if (!stack_on[st] || s[st].failed == 0)
				continue;
			if (procs == 1)
				res->unexpected = 1;
			else
				res->authd_miss = 1;
			why(res, "%d process%s: %zu valid %s logins rejected",
			    procs, procs == 1 ? "" : "es", s[st].failed,
			    stacks[st].label);
		}
	}
	if (stack_on[ST_RELAY] && opt.rate_conns == RELAY_TARGET_CONNS) {
		res->rate_checked = 1;
		res->rate_ok = res->rate_relay.rate >= RELAY_TARGET_RATE;
		if (!res->rate_ok)
			res->authd_miss = 1;
	}
	if (opt.race > 0 && (res->race_double[ST_AUTHD] > 0 ||
	    res->race_none[ST_AUTHD] > 0)) {
		res->authd_miss = 1;
		why(res, "race: pam_authd accepted %zu codes twice and %zu "
		    "not at all", res->race_double[ST_AUTHD],
		    res->race_none[ST_AUTHD]);
	}
}

static int
exit_status(const struct results *res)
{
	return res->unexpected ? 2 : res->authd_miss ? 1 : 0;
}

/* The logins: a table of the stacks, the libpam calls, the CPUs. */
static void
md_logins(FILE *f, struct phase **ph, const struct results *res,
    double enroll_s, double warm_s)
{
	char buf[2048];
	int i, st, k, j, on[NSTACK], non = stacks_on(on);
	int relay = stack_on[ST_RELAY];

	fprintf(f, "| stack | procs | logins ok / tried | logins/s | p50 | "
	    "p90 | p99 | max | added p50 |%s failed logins by reason |\n",
	    relay ? " over pam_authd p50 |" : "");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
	    "---: |%s --- |\n", relay ? " ---: |" : "");
	for (i = 0; i < opt.nphases; i++)
		for (j = 0; j < non; j++) {
			const struct series *s = &res->s[i][st = on[j]];

			fails_str(s->fails, s->bad_prompts, buf, sizeof(buf),
			    0);
			fprintf(f, "| %s | %d | %zu / %zu | %.0f | %.3f | "
			    "%.3f | %.3f | %.3f | ", stacks[st].label,
			    ph[i]->procs, s->ok, s->n, s->per_s, s->p50,
			    s->p90, s->p99, s->max);
			if (st == ST_PERMIT)
				fprintf(f, "- | ");
			else
				fprintf(f, "%.3f (%.3f) | ", s->added,
				    s->added_paired);
			if (relay && st == ST_RELAY)
				fprintf(f, "%.3f (%.3f) | ", s->over_authd,
				    s->over_authd_paired);
			else if (relay)
				fprintf(f, "- | ");
			fprintf(f, "%s |\n", buf);
		}
	fprintf(f, "\nWhere the time goes: the median of each libpam call "
	    "(successful logins), ms.\n\n| stack | procs |");
	for (k = 0; k < NPARTS; k++)
		fprintf(f, " %s |", part_names[k]);
	fprintf(f, "\n| --- | ---: |");
	for (k = 0; k < NPARTS; k++)
		fprintf(f, " ---: |");
	fprintf(f, "\n");
	for (i = 0; i < opt.nphases; i++)
		for (j = 0; j < non; j++) {
			fprintf(f, "| %s | %d |", stacks[on[j]].label,
			    ph[i]->procs);
			for (k = 0; k < NPARTS; k++)
				fprintf(f, " %.3f |",
				    res->s[i][on[j]].part[k]);
			fprintf(f, "\n");
		}
	fprintf(f, "\n");
	for (i = 0; i < opt.nphases; i++) {
		size_t waits = 0, skipped = 0;

		for (j = 0; j < non; j++) {
			waits += res->s[i][on[j]].pool_waits;
			skipped += res->s[i][on[j]].skipped;
		}
		fprintf(f, "- %d process%s: %.1f s; CPUs busy %.2f (clients "
		    "%.2f, authd %.2f, ", ph[i]->procs, ph[i]->procs == 1 ?
		    "" : "es", ph[i]->wall_s, ph[i]->cpu_busy,
		    ph[i]->cpu_clients, ph[i]->cpu_authd);
		if (relay)
			fprintf(f, "relay %.2f, ", ph[i]->cpu_relay);
		fprintf(f, "slapd %.2f, other processes %.2f, steal %.2f); "
		    "waits for a fresh user %zu; users skipped for an "
		    "ambiguous code %zu", ph[i]->cpu_slapd, ph[i]->cpu_others,
		    ph[i]->cpu_steal, waits, skipped);
		if (relay)
			fprintf(f, "; TLS handshakes %ld", ph[i]->handshakes);
		if (stack_on[ST_OATH])
			fprintf(f, "; pam_oath usersfile: %zu lost updates of "
			    "%zu users checked%s", ph[i]->lost_updates,
			    ph[i]->oath_checked + (size_t)ph[i]->oath_missing,
			    ph[i]->oath_missing ? " (some users' lines "
			    "missing)" : "");
		fprintf(f, ".\n");
	}
	fprintf(f, "- setup: enrolled %d users in %.1f s, warmed authd's "
	    "directory cache in %.1f s.\n\n", nusers, enroll_s, warm_s);
}

/* The direct requests, to authd and in relay mode to the relay too. */
static void
md_probes(FILE *f)
{
	int k;

	if (opt.probe == 0)
		return;
	fprintf(f, "authd's requests without libpam, timed from this "
	    "process (%d each; a new connection per request, as pam_authd "
	    "makes them), ms:\n\n", opt.probe);
	if (!stack_on[ST_RELAY]) {
		fprintf(f, "| request | p50 | p90 |\n| --- | ---: | ---: |\n");
		for (k = 0; k < NPROBES; k++)
			fprintf(f, "| %s | %.3f | %.3f |\n", probe_names[k],
			    probe_p50[PROBE_AUTHD][k],
			    probe_p90[PROBE_AUTHD][k]);
	} else {
		fprintf(f, "| request | authd p50 | relay p50 | added p50 | "
		    "authd p90 | relay p90 |\n| --- | ---: | ---: | ---: | "
		    "---: | ---: |\n");
		for (k = 0; k < NPROBES; k++)
			fprintf(f, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f "
			    "|\n", probe_names[k], probe_p50[PROBE_AUTHD][k],
			    probe_p50[PROBE_RELAY][k],
			    probe_p50[PROBE_RELAY][k] -
			    probe_p50[PROBE_AUTHD][k],
			    probe_p90[PROBE_AUTHD][k],
			    probe_p90[PROBE_RELAY][k]);
	}
	fprintf(f, "\n");
}

/* The race (login mode). */
static void
md_race(FILE *f, const struct results *res)
{
	char buf[2048];
	int st;

	fprintf(f, "Race, 2 processes, the same fresh code for the same user, "
	    "pam_authenticate at the same moment (a third of the rounds) or "
	    "up to %.1f ms apart:\n\n", res->race_span_us / 1000.0);
	fprintf(f, "| stack | rounds | exactly one accepted | double-accepted "
	    "| none accepted (valid code rejected) | failures by reason |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: | --- |\n");
	for (st = ST_OATH; st <= ST_AUTHD; st++) {
		fails_str(res->race_fails[st], 0, buf, sizeof(buf), 0);
		fprintf(f, "| %s | %zu | %zu | %zu | %zu | %s |\n",
		    stacks[st].label, res->race_rounds[st], res->race_one[st],
		    res->race_double[st], res->race_none[st], buf);
	}
	fprintf(f, "\n");
}

/* Relay mode: the forwarded decisions and the handshakes. */
static void
md_relay(FILE *f, struct phase **ph, const struct results *res)
{
	const struct lres *r[NPATHS] = { &res->rate_local, &res->rate_relay };
	static const char *const name[NPATHS] = { "authd's socket",
	    "through the relay" };
	int i, p;

	fprintf(f, "### Forwarded decisions: ACCOUNT at %d connections\n\n"
	    "One epoll loop, one request outstanding per connection (closed "
	    "loop), users drawn at random, every answer checked (allow) and "
	    "found on the central authd's audit trail.  The relay and authd's "
	    "own socket take %d turns of %.1f s each (the first after a "
	    "%d ms warm-up, the others after %d ms).  CPU: microseconds per "
	    "decision.\n\n", opt.rate_conns, opt.rate_slices,
	    (double)opt.rate_seconds / opt.rate_slices, opt.rate_warmup_ms,
	    RATE_SLICE_WARMUP_MS);
	fprintf(f, "| path | decisions/s | p50 | p90 | p99 | max | audited | "
	    "authd CPU | relay CPU | client CPU | other load (CPUs) |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
	    "---: | ---: | ---: |\n");
	for (p = NPATHS - 1; p >= 0; p--) {
		fprintf(f, "| %s | %.0f | %.3f | %.3f | %.3f | %.3f | %lld | "
		    "%.0f | ", name[p], r[p]->rate, r[p]->p50, r[p]->p90,
		    r[p]->p99, r[p]->max, r[p]->audited, us_per(r[p]));
		if (p == PROBE_RELAY)
			fprintf(f, "%.0f | ", us_per2(r[p]));
		else
			fprintf(f, "- | ");
		fprintf(f, "%.0f | %.2f |\n", r[p]->n ? r[p]->self_cpu * 1e6 /
		    (double)r[p]->n : 0, r[p]->others_cpu);
	}
	fprintf(f, "\nThrough the relay: %.1f%% of authd's own rate.\n\n",
	    res->rate_local.rate > 0 ? 100 * res->rate_relay.rate /
	    res->rate_local.rate : 0);
	fprintf(f, "### TLS handshakes\n\nCounted in the central authd's "
	    "log (one line per accepted TLS connection).  The relay opened "
	    "its warm connections before the run began.\n\n| while | "
	    "handshakes |\n| --- | ---: |\n| untimed logins (warm-up) | %ld "
	    "|\n", res->hs_warm);
	for (i = 0; i < opt.nphases; i++)
		fprintf(f, "| timed logins, %d process%s | %ld |\n",
		    ph[i]->procs, ph[i]->procs == 1 ? "" : "es",
		    ph[i]->handshakes);
	fprintf(f, "| forwarded decisions, the relay's first turn (with its "
	    "warm-up) | %ld |\n| forwarded decisions, the relay's other "
	    "turns | %ld |\n\n", res->hs_rate_first, res->hs_rate_rest);
}

/* The targets of either mode, PASS or FAIL each, and the notes. */
static void
md_targets(FILE *f, struct phase **ph, const struct results *res)
{
	int i;

	fprintf(f, "Targets:\n\n");
	for (i = 0; stack_on[ST_OATH] && i < opt.nphases; i++)
		fprintf(f, "- %s: %d process%s: pam_authd's added cost %.3f ms "
		    "<= half of pam_oath's %.3f ms\n", res->cost_ok[i] ?
		    "PASS" : "FAIL", ph[i]->procs, ph[i]->procs == 1 ? "" :
		    "es", res->s[i][ST_AUTHD].added,
		    res->s[i][ST_OATH].added);
	for (i = 0; stack_on[ST_OATH] && i < opt.nphases; i++)
		if (ph[i]->procs > 1)
			fprintf(f, "- %s: %d processes: no valid pam_authd "
			    "login rejected (%zu; pam_oath: %zu)\n",
			    res->s[i][ST_AUTHD].failed == 0 ? "PASS" : "FAIL",
			    ph[i]->procs, res->s[i][ST_AUTHD].failed,
			    res->s[i][ST_OATH].failed);
	if (opt.race > 0)
		fprintf(f, "- %s: race: no code accepted twice or not at all "
		    "by pam_authd (%zu, %zu; pam_oath: %zu, %zu)\n",
		    res->race_double[ST_AUTHD] + res->race_none[ST_AUTHD] ==
		    0 ? "PASS" : "FAIL", res->race_double[ST_AUTHD],
		    res->race_none[ST_AUTHD], res->race_double[ST_OATH],
		    res->race_none[ST_OATH]);
	for (i = 0; stack_on[ST_RELAY] && i < opt.nphases; i++)
		fprintf(f, "- %s: %d process%s: the relay adds %.3f ms to a "
		    "login at the median (target <= %.1f ms; within rounds: "
		    "%.3f ms)\n", res->relay_ok[i] ? "PASS" : "FAIL",
		    ph[i]->procs, ph[i]->procs == 1 ? "" : "es",
		    res->s[i][ST_RELAY].over_authd, RELAY_ADDED_MS,
		    res->s[i][ST_RELAY].over_authd_paired);
	if (res->rate_checked)
		fprintf(f, "- %s: %.0f forwarded decisions/s at %d connections "
		    "(target >= %.0f; authd's own socket: %.0f/s)\n",
		    res->rate_ok ? "PASS" : "FAIL", res->rate_relay.rate,
		    opt.rate_conns, RELAY_TARGET_RATE, res->rate_local.rate);
	else if (stack_on[ST_RELAY])
		fprintf(f, "- not checked: forwarded decisions at %d "
		    "connections (this run: %d)\n", RELAY_TARGET_CONNS,
		    opt.rate_conns);
	for (i = 0; stack_on[ST_RELAY] && i < opt.nphases; i++)
		fprintf(f, "- %s: %d process%s: %ld TLS handshakes during the "
		    "timed logins (target 0)\n", res->hs_ok[i] ? "PASS" :
		    "FAIL", ph[i]->procs, ph[i]->procs == 1 ? "" : "es",
		    ph[i]->handshakes);
	for (i = 0; i < res->nwhy; i++)
		fprintf(f, "- note: %s\n", res->why[i]);
	fprintf(f, "\nResult: %s (exit %d)\n", exit_status(res) == 0 ?
	    "all targets met" : exit_status(res) == 2 ? "unexpected failure" :
	    stack_on[ST_RELAY] ? "a target missed" :
	    "a pam_authd target missed", exit_status(res));
}

/*
 * The report: login mode compares pam_authd with pam_oath, relay mode
 * pam_authd through the relay with pam_authd to authd's own socket.
 */
static void
report_md(FILE *f, struct phase **ph, const struct results *res,
    const struct machine *m, double enroll_s, double warm_s)
{
	if (stack_on[ST_RELAY]) {
		fprintf(f, "## A login through the relay beside a login to "
		    "authd\n\n");
		fprintf(f, "%s, %s, %ld CPUs, %s; authd %s.  pam_authd.so "
		    "through real libpam, to the PAM socket of a central "
		    "authd, and to an authd in relay mode on the same machine "
		    "that forwards each request over mutual TLS 1.3 on "
		    "127.0.0.1 to the same central authd.  %d users; %d rounds "
		    "x %d logins per stack and phase, stacks interleaved; "
		    "TOTP window %d.  Times in ms from pam_start to pam_end, "
		    "of the successful logins; \"added\" is the median minus "
		    "pam_permit's, \"over pam_authd\" the median minus that "
		    "of pam_authd to authd's own socket (in brackets: the "
		    "median over rounds of the same difference within a "
		    "round).\n\n", m->b.uname, m->b.cpu, m->b.ncpu, m->b.date,
		    opt.authd_version != NULL ? opt.authd_version :
		    "(version unknown)", nusers, opt.rounds, opt.batch,
		    opt.window);
	} else {
		fprintf(f, "## Login cost through real libpam\n\n");
		fprintf(f, "%s, %s, %ld CPUs, %s; pam_oath %s.  %d users; %d "
		    "rounds x %d logins per stack and phase, stacks "
		    "interleaved; TOTP window %d for both modules.  Times in "
		    "ms from pam_start to pam_end, of the successful logins; "
		    "\"added\" is the median minus pam_permit's median (in "
		    "brackets: the median over rounds of the same difference "
		    "within a round).\n\n", m->b.uname, m->b.cpu, m->b.ncpu,
		    m->b.date, opt.oath_version != NULL ? opt.oath_version :
		    "(version unknown)", nusers, opt.rounds, opt.batch,
		    opt.window);
	}
	md_logins(f, ph, res, enroll_s, warm_s);
	if (opt.race > 0)
		md_race(f, res);
	md_probes(f);
	if (stack_on[ST_RELAY])
		md_relay(f, ph, res);
	md_targets(f, ph, res);
}

/* One stack's logins in one phase as a JSON object. */
static void
json_series(FILE *f, int st, const struct series *s)
{
	char buf[4096];
	int k;

	fails_str(s->fails, s->bad_prompts, buf, sizeof(buf), 1);
	fprintf(f, "{ \"stack\": \"%s\", \"logins\": %zu, \"ok\": %zu, "
	    "\"failed\": %zu, \"logins_per_s\": %.1f, \"p50_ms\": %.4f, "
	    "\"p90_ms\": %.4f, \"p99_ms\": %.4f, \"max_ms\": %.4f, "
	    "\"mean_ms\": %.4f, \"p50_all_attempts_ms\": %.4f, "
	    "\"added_p50_ms\": %.4f, \"added_p50_paired_ms\": %.4f, ",
	    stacks[st].id, s->n, s->ok, s->failed, s->per_s, s->p50, s->p90,
	    s->p99, s->max, s->mean, s->p50_all, s->added, s->added_paired);
	if (stack_on[ST_RELAY])
		fprintf(f, "\"over_authd_p50_ms\": %.4f, "
		    "\"over_authd_p50_paired_ms\": %.4f, ", s->over_authd,
		    s->over_authd_paired);
	fprintf(f, "\"p50_calls_ms\": { ");
	for (k = 0; k < NPARTS; k++)
		fprintf(f, "%s\"%s\": %.4f", k ? ", " : "", part_names[k],
		    s->part[k]);
	fprintf(f, " }, \"pool_waits\": %zu, \"pool_wait_s\": %.3f, "
	    "\"skipped_ambiguous\": %zu, \"failures\": %s }", s->pool_waits,
	    s->wait_s, s->skipped, buf);
}

/* Relay mode: the forwarded decisions, the handshakes, the targets. */
static void
json_relay(FILE *f, struct phase **ph, const struct results *res)
{
	int i;

	fprintf(f, "  \"forwarded_decisions\": {\n    ");
	json_lres(f, "relay", &res->rate_relay);
	fprintf(f, ",\n    \"relay_cpu_us_per\": %.1f,\n    ",
	    us_per2(&res->rate_relay));
	json_lres(f, "authd", &res->rate_local);
	fprintf(f, ",\n    \"relay_of_authd\": %.4f\n  },\n",
	    res->rate_local.rate > 0 ? res->rate_relay.rate /
	    res->rate_local.rate : 0);
	fprintf(f, "  \"handshakes\": { \"warm_up_logins\": %ld, "
	    "\"timed_logins\": [", res->hs_warm);
	for (i = 0; i < opt.nphases; i++)
		fprintf(f, "%s{ \"procs\": %d, \"handshakes\": %ld }", i ?
		    ", " : "", ph[i]->procs, ph[i]->handshakes);
	fprintf(f, "], \"forwarded_first_turn\": %ld, "
	    "\"forwarded_other_turns\": %ld },\n", res->hs_rate_first,
	    res->hs_rate_rest);
	fprintf(f, "  \"targets\": {\n    \"relay_added_p50_ms\": [");
	for (i = 0; i < opt.nphases; i++)
		fprintf(f, "%s{ \"procs\": %d, \"value\": %.4f, "
		    "\"paired\": %.4f, \"target_max\": %.1f, \"pass\": %s }",
		    i ? ", " : "", ph[i]->procs,
		    res->s[i][ST_RELAY].over_authd,
		    res->s[i][ST_RELAY].over_authd_paired, RELAY_ADDED_MS,
		    res->relay_ok[i] ? "true" : "false");
	fprintf(f, "],\n    \"handshakes_timed_logins\": [");
	for (i = 0; i < opt.nphases; i++)
		fprintf(f, "%s{ \"procs\": %d, \"value\": %ld, \"target\": 0, "
		    "\"pass\": %s }", i ? ", " : "", ph[i]->procs,
		    ph[i]->handshakes, res->hs_ok[i] ? "true" : "false");
	fprintf(f, "],\n    \"forwarded_per_s\": { \"connections\": %d, "
	    "\"value\": %.1f, \"target_min\": %.0f, \"checked\": %s, "
	    "\"pass\": %s },\n", opt.rate_conns, res->rate_relay.rate,
	    RELAY_TARGET_RATE, res->rate_checked ? "true" : "false",
	    res->rate_ok ? "true" : "false");
}

/* report_md's numbers, all of them, and the machine. */
static void
report_json(const char *path, struct phase **ph, const struct results *res,
    const struct machine *m, double enroll_s, double warm_s,
    long usersfile_bytes)
{
	char buf[4096];
	FILE *f;
	int i, j, st, k, on[NSTACK], non = stacks_on(on);
	int relay = stack_on[ST_RELAY];

	if ((f = fopen(path, "w")) == NULL)
		bench_die(2, "%s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"benchmark\": \"%s\",\n  \"machine\": {\n    ",
	    relay ? "relay" : "login");
	bench_json_machine(f, &m->b, "    ");
	fprintf(f, ",\n    \"date\": \"%s\",\n"
	    "    \"loadavg_start\": \"%s\",\n    \"loadavg_end\": \"%s\"\n"
	    "  },\n", m->b.date, m->load0, m->load1);
	if (opt.authd_version != NULL) {
		fprintf(f, "  \"authd\": ");
		bench_json_str(f, opt.authd_version);
		fprintf(f, ",\n");
	}
	fprintf(f, "  \"settings\": { \"users\": %d, \"rounds\": %d, "
	    "\"batch\": %d, \"race_rounds\": %d, \"race_span_us\": %d, "
	    "\"window\": %d, \"procs\": [", nusers, opt.rounds, opt.batch,
	    opt.race, res->race_span_us, opt.window);
	for (i = 0; i < opt.nphases; i++)
		fprintf(f, "%s%d", i ? ", " : "", opt.procs[i]);
	if (relay)
		fprintf(f, "], \"forwarded\": { \"connections\": %d, "
		    "\"seconds\": %d, \"turns\": %d, \"warmup_ms\": %d, "
		    "\"turn_warmup_ms\": %d", opt.rate_conns, opt.rate_seconds,
		    opt.rate_slices, opt.rate_warmup_ms, RATE_SLICE_WARMUP_MS);
	/* Module names only: paths would name this machine's tree. */
	fprintf(f, "%s,\n    \"modules\": { ", relay ? " }" : "]");
	for (j = 0; j < non; j++) {
		/* The relay's stack is pam_authd's module too. */
		const char *mod = opt.module[on[j] == ST_RELAY ? ST_AUTHD :
		    on[j]], *base = strrchr(mod, '/');

		fprintf(f, "%s\"%s\": ", j ? ", " : "", stacks[on[j]].id);
		bench_json_str(f, base != NULL ? base + 1 : mod);
	}
	fprintf(f, " }");
	if (stack_on[ST_OATH]) {
		fprintf(f, ",\n    \"oath_version\": ");
		bench_json_str(f, opt.oath_version != NULL ?
		    opt.oath_version : "unknown");
	}
	fprintf(f, " },\n  \"setup\": { \"enroll_s\": %.3f, "
	    "\"warm_s\": %.3f, \"usersfile_bytes_after\": %ld },\n",
	    enroll_s, warm_s, usersfile_bytes);
	fprintf(f, "  \"phases\": [\n");
	for (i = 0; i < opt.nphases; i++) {
		fprintf(f, "    { \"procs\": %d, \"wall_s\": %.3f, \"cpus\": "
		    "{ \"busy\": %.3f, \"clients\": %.3f, \"authd\": %.3f, ",
		    ph[i]->procs, ph[i]->wall_s, ph[i]->cpu_busy,
		    ph[i]->cpu_clients, ph[i]->cpu_authd);
		if (relay)
			fprintf(f, "\"relay\": %.3f, ", ph[i]->cpu_relay);
		fprintf(f, "\"slapd\": %.3f, \"others\": %.3f, \"steal\": "
		    "%.3f }, ", ph[i]->cpu_slapd, ph[i]->cpu_others,
		    ph[i]->cpu_steal);
		if (relay)
			fprintf(f, "\"handshakes\": %ld, ",
			    ph[i]->handshakes);
		if (stack_on[ST_OATH])
			fprintf(f, "\"oath_lost_updates\": %zu, "
			    "\"oath_users_checked\": %zu, "
			    "\"oath_users_missing\": %" PRId64 ", ",
			    ph[i]->lost_updates, ph[i]->oath_checked,
			    ph[i]->oath_missing);
		fprintf(f, "\n      \"stacks\": [\n");
		for (j = 0; j < non; j++) {
			fprintf(f, "        ");
			json_series(f, on[j], &res->s[i][on[j]]);
			fprintf(f, "%s\n", j == non - 1 ? "" : ",");
		}
		fprintf(f, "      ] }%s\n", i == opt.nphases - 1 ? "" : ",");
	}
	fprintf(f, "  ],\n  \"race\": [\n");
	for (st = ST_OATH; opt.race > 0 && st <= ST_AUTHD; st++) {
		fails_str(res->race_fails[st], 0, buf, sizeof(buf), 1);
		fprintf(f, "    { \"stack\": \"%s\", \"rounds\": %zu, "
		    "\"exactly_one\": %zu, \"double_accepted\": %zu, "
		    "\"none_accepted\": %zu, \"failures\": %s,\n"
		    "      \"by_offset_us\": [", stacks[st].id,
		    res->race_rounds[st], res->race_one[st],
		    res->race_double[st], res->race_none[st], buf);
		for (k = 0; k < RACE_OFFSETS; k++)
			fprintf(f, "%s{ \"from_us\": %d, \"double\": %zu, "
			    "\"none\": %zu }", k ? ", " : "", k *
			    res->race_span_us / RACE_OFFSETS,
			    res->race_double_at[st][k],
			    res->race_none_at[st][k]);
		fprintf(f, "] }%s\n", st == ST_AUTHD ? "" : ",");
	}
	fprintf(f, "  ],\n  \"race_pool_waits\": %zu,\n  \"direct_requests\": "
	    "[", res->race_waits);
	for (k = 0; opt.probe > 0 && k < NPROBES; k++) {
		fprintf(f, "%s\n    { \"request\": \"%s\", \"n\": %d, "
		    "\"p50_ms\": %.4f, \"p90_ms\": %.4f", k ? "," : "",
		    probe_names[k], opt.probe, probe_p50[PROBE_AUTHD][k],
		    probe_p90[PROBE_AUTHD][k]);
		if (relay)
			fprintf(f, ", \"relay_p50_ms\": %.4f, "
			    "\"relay_p90_ms\": %.4f",
			    probe_p50[PROBE_RELAY][k],
			    probe_p90[PROBE_RELAY][k]);
		fprintf(f, " }");
	}
	fprintf(f, "\n  ],\n");
	if (relay)
		json_relay(f, ph, res);
	else {
		fprintf(f, "  \"targets\": {\n    \"added_cost_half_of_oath\": "
		    "[");
		for (i = 0; i < opt.nphases; i++)
			fprintf(f, "%s{ \"procs\": %d, \"authd_added_ms\": "
			    "%.4f, \"oath_added_ms\": %.4f, \"ratio\": %.3f, "
			    "\"pass\": %s }", i ? ", " : "", ph[i]->procs,
			    res->s[i][ST_AUTHD].added,
			    res->s[i][ST_OATH].added,
			    res->s[i][ST_OATH].added > 0 ?
			    res->s[i][ST_AUTHD].added /
			    res->s[i][ST_OATH].added : 0,
			    res->cost_ok[i] ? "true" : "false");
		fprintf(f, "],\n");
	}
	fprintf(f, "    \"notes\": [");
	for (i = 0; i < res->nwhy; i++) {
		fprintf(f, "%s", i ? ", " : "");
		bench_json_str(f, res->why[i]);
	}
	fprintf(f, "]\n  },\n  \"exit\": %d\n}\n", exit_status(res));
	if (ferror(f) || fclose(f) != 0)
		bench_die(2, "%s: write failed", path);
}

/* --- setup checks and warm-up --------------------------------------------- */

/*
 * Untimed logins on every stack, WARM_LOGINS each, and in relay mode for
 * RELAY_WARM_MS at least; any failure is a setup error.
 */
static void
warm_logins(void)
{
	struct picker pk;
	char code[DIGITS + 1];
	struct sample sm;
	size_t waits = 0;
	int64_t wait_ns = 0, until;
	int st, i, u, rc, call, prompts;

	until = bench_now_ns() + (stack_on[ST_RELAY] ? RELAY_WARM_MS : 0) *
	    INT64_C(1000000);
	picker_init(&pk, 0, 1);
	for (i = 0; i < WARM_LOGINS || bench_now_ns() < until; i++)
		for (st = 0; st < NSTACK; st++) {
			if (!stack_on[st])
				continue;
			u = pick(&pk, st, code, NULL, &waits, &wait_ns);
			rc = login(st, u, code, &call, &prompts, &sm);
			if (rc != PAM_SUCCESS)
				bench_die(2, "warm-up: %s login of %s failed: "
				    "%s:%s (see the logs in %s)",
				    stacks[st].label, user_name(u),
				    call_names[call], pam_code_name(rc),
				    opt.workdir);
			if (prompts != stacks[st].prompts)
				bench_die(2, "warm-up: %s prompted %d times, "
				    "expected %d", stacks[st].label, prompts,
				    stacks[st].prompts);
			if (st == ST_OATH)
				memcpy(oath_last[u], code, sizeof(oath_last[u]));
		}
}

/* --- authd without libpam: what its requests cost ------------------------ */

/*
 * The requests pam_authd sends, timed one by one from this process over
 * authd's PAM socket, each on a new connection as the module makes them
 * (PING also on a connection kept open): how much of a login is the
 * connection, how much the read path (FACTORS), how much a durable
 * decision (AUTH, ACCOUNT).  Diagnostics, not judged.
 */
static struct proto_msg *
pam_request(uint8_t type, uint32_t reqid, int u, const char *code,
    const char *service)
{
	struct proto_msg *m;

	if (type == PROTO_T_PING)
		return proto_new(type, reqid);
	if ((m = request(type, reqid, u)) == NULL)
		return NULL;
	if ((proto_add_str(m, PROTO_A_SERVICE, service) != 0 ||
	    proto_add_str(m, PROTO_A_RHOST, BENCH_RHOST) != 0 ||
	    proto_add_str(m, PROTO_A_TTY, BENCH_TTY) != 0 ||
	    proto_add_u64(m, PROTO_A_PID, (uint64_t)getpid()) != 0 ||
	    (code != NULL && proto_add_str(m, PROTO_A_CODE, code) != 0))) {
		proto_free(m);
		return NULL;
	}
	return m;
}

/* One direct request on *fd (a new connection when -1); it must allow. */
static void
probe_call(const char *sock, int *fd, struct proto_msg *req, int kind,
    int u)
{
	struct proto_msg *reply;
	int r;

	if ((r = rpc(sock, fd, req, &reply)) != 0 ||
	    reply_status(reply) != PROTO_S_ALLOW)
		bench_die(2, "direct %s request for %s to %s: %s",
		    probe_names[kind], user_name(u), sock, r != 0 ?
		    authd_strerror(r) : proto_str(reply, PROTO_A_REASON, "?"));
	proto_free(reply);
}

/*
 * Each kind of request opt.probe times, to authd's socket and, in relay
 * mode, to the relay's (PROBE_RELAY) in turn.  PR_LOGIN is what
 * pam_authd sends for a login, on one connection: FACTORS, then AUTH
 * asking for the account decision too.
 */
static void
probe_run(void)
{
	static const uint8_t types[NPROBES] = { PROTO_T_PING, PROTO_T_PING,
	    PROTO_T_FACTORS, PROTO_T_AUTH, PROTO_T_ACCOUNT, PROTO_T_FACTORS };
	static const int stack[NPATHS] = { ST_AUTHD, ST_RELAY };
	const char *sock[NPATHS] = { opt.socket, opt.relay_socket };
	struct proto_msg *req, *req2;
	struct picker pk;
	char code[DIGITS + 1];
	int64_t *v[NPATHS][NPROBES], t0, wait_ns = 0;
	size_t waits = 0;
	uint32_t reqid = 1;
	int i, k, kind, u, fd, kept[NPATHS] = { -1, -1 }, p;
	int npaths = stack_on[ST_RELAY] ? NPATHS : 1;

	picker_init(&pk, 0, 1);
	for (p = 0; p < npaths; p++)
		for (k = 0; k < NPROBES; k++)
			if ((v[p][k] = calloc((size_t)opt.probe,
			    sizeof(*v[p][k]))) == NULL)
				bench_die(2, "out of memory");
	note("direct requests to authd%s: %d of each kind", npaths > 1 ?
	    " and to the relay" : "", opt.probe);
	for (i = 0; i < opt.probe; i++)
		for (k = 0; k < NPROBES; k++)
			for (p = 0; p < npaths; p++) {
				kind = (i + k) % NPROBES;
				u = kind == PR_AUTH || kind == PR_LOGIN ?
				    pick(&pk, stack[p], code, NULL, &waits,
				    &wait_ns) : i % nusers;
				req = pam_request(types[kind], reqid++, u,
				    kind == PR_AUTH ? code : NULL,
				    stacks[stack[p]].service);
				req2 = NULL;
				if (kind == PR_LOGIN && ((req2 = pam_request(
				    PROTO_T_AUTH, reqid++, u, code,
				    stacks[stack[p]].service)) == NULL ||
				    proto_add_u64(req2, PROTO_A_ACCOUNT, 1) !=
				    0))
					req = NULL;
				if (req == NULL)
					bench_die(2, "out of memory");
				fd = -1;
				t0 = bench_now_ns();
				probe_call(sock[p], kind == PR_PING_KEPT ?
				    &kept[p] : &fd, req, kind, u);
				if (req2 != NULL)
					probe_call(sock[p], &fd, req2, kind, u);
				if (fd >= 0)
					close(fd);
				v[p][kind][i] = bench_now_ns() - t0;
				proto_free(req);
				proto_free(req2);
			}
	for (p = 0; p < npaths; p++) {
		if (kept[p] >= 0)
			close(kept[p]);
		for (k = 0; k < NPROBES; k++) {
			qsort(v[p][k], (size_t)opt.probe, sizeof(*v[p][k]),
			    bench_cmp_i64);
			probe_p50[p][k] = pctl(v[p][k], (size_t)opt.probe,
			    0.5) / 1e6;
			probe_p90[p][k] = pctl(v[p][k], (size_t)opt.probe,
			    0.9) / 1e6;
			free(v[p][k]);
		}
	}
}

/* --- relay mode: forwarded decisions ------------------------------------- */

/* An ACCOUNT request as pam_authd sends it, for a user drawn at random. */
static int
next_account(struct load *l, struct cconn *c)
{
	struct frame f;

	if (load_user(l, &c->user) == 0)
		return 0;
	c->reqid = load_reqid(l);
	frame_start(&f, c->out, sizeof(c->out), PROTO_T_ACCOUNT, c->reqid);
	if (frame_str(&f, PROTO_A_USER, user_name((int)c->user)) != 0 ||
	    frame_str(&f, PROTO_A_SERVICE, l->service) != 0 ||
	    frame_str(&f, PROTO_A_RHOST, BENCH_RHOST) != 0 ||
	    frame_str(&f, PROTO_A_TTY, BENCH_TTY) != 0) {
		lerr(l, "an ACCOUNT request does not fit");
		return -1;
	}
	c->outlen = frame_end(&f);
	return 1;
}

/* Every user holds the system's role: each answer must be allow, ok. */
static int
reply_account(struct load *l, struct cconn *c, const uint8_t *fr,
    size_t len)
{
	struct proto_msg *m;
	uint64_t st = PROTO_S_ERROR;
	int r = 0;

	if ((m = reply_parse(l, c, fr, len)) == NULL)
		return -1;
	(void)proto_get_u64(m, PROTO_A_STATUS, &st);
	if (st != PROTO_S_ALLOW ||
	    strcmp(proto_str(m, PROTO_A_REASON, "-"), "ok") != 0) {
		lerr(l, "%s: ACCOUNT %s: status %" PRIu64 ", reason %s (%s)",
		    l->sock, user_name((int)c->user), st, proto_str(m,
		    PROTO_A_REASON, "-"), proto_str(m, PROTO_A_MESSAGE, "-"));
		r = -1;
	} else
		l->allow++;
	proto_free(m);
	return r;
}

/*
 * ACCOUNT at opt.rate_conns connections, through the relay and to authd's
 * own socket in turns (opt.rate_slices each, the relay first), so that
 * both see the same background load.  authd's CPU time is accounted for
 * both, the relay's for the relay's turns.  Every answer must be an
 * allow, and each must have its record on the central authd's audit
 * trail (the service names the path: bench-rate-relay, bench-rate-local).
 */
static void
rate_run(struct results *res)
{
	static const char *const service[NPATHS] = { "bench-rate-local",
	    "bench-rate-relay" };
	const char *sock[NPATHS] = { opt.socket, opt.relay_socket };
	struct acc acc[NPATHS];
	struct load l;
	long hs;
	int k, p;

	memset(acc, 0, sizeof(acc));
	memset(&l, 0, sizeof(l));
	note("forwarded decisions: ACCOUNT at %d connections, %d turns of "
	    "%.1f s through the relay and to authd", opt.rate_conns,
	    opt.rate_slices, (double)opt.rate_seconds / opt.rate_slices);
	for (k = 0; k < opt.rate_slices; k++)
		for (p = NPATHS - 1; p >= 0; p--) {
			hs = handshakes();
			load_init(&l, sock[p], opt.authd_pid, NULL);
			l.server2 = p == PROBE_RELAY ? opt.relay_pid : 0;
			l.nconns = opt.rate_conns;
			l.next = next_account;
			l.reply = reply_account;
			l.nusers = (size_t)nusers;
			l.service = service[p];
			l.type = PROTO_T_ACCOUNT;
			l.warmup_ns = (int64_t)(k == 0 ? opt.rate_warmup_ms :
			    RATE_SLICE_WARMUP_MS) * 1000000;
			l.window_ns = (int64_t)opt.rate_seconds * 1000000000 /
			    opt.rate_slices;
			if (load_run(&l) != 0) {
				phase_fail(&l, service[p]);
				exit(2);
			}
			if (acc_add(&acc[p], &l) != 0)
				exit(2);
			if (p != PROBE_RELAY)
				continue;
			hs = handshakes_since(hs);
			if (k == 0)
				res->hs_rate_first = hs;
			else if (hs < 0 || res->hs_rate_rest < 0)
				res->hs_rate_rest = -1;
			else
				res->hs_rate_rest += hs;
		}
	free(l.lat.v);
	acc_done(&acc[PROBE_AUTHD], &res->rate_local);
	acc_done(&acc[PROBE_RELAY], &res->rate_relay);
	if (opt.database != NULL &&
	    (audit_check(opt.database, "account", service[PROBE_AUTHD],
	    &res->rate_local) != 0 || audit_check(opt.database, "account",
	    service[PROBE_RELAY], &res->rate_relay) != 0))
		bench_die(2, "forwarded decisions: the audit trail does not "
		    "hold one record per answer");
}

/* --- main ----------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: login_bench --write-ldif FILE [--users N] [--bind-pw PW]\n"
	    "       login_bench --workdir DIR --socket PATH --admin-socket PATH\n"
	    "                   --permit MODULE --authd-module MODULE\n"
	    "                   (--oath MODULE | --relay-socket PATH)\n"
	    "                   [--users N] [--rounds N] [--batch N] "
	    "[--race N]\n"
	    "                   [--probe N]\n"
	    "                   [--window N] [--procs LIST] [--threads N]\n"
	    "                   [--authd-pid PID] [--slapd-pid PID]\n"
	    "                   [--json FILE] [--md FILE] "
	    "[--oath-version TEXT]\n"
	    "                   [--authd-version TEXT]\n"
	    "relay mode:        [--tls-log FILE] [--database FILE] "
	    "[--relay-pid PID]\n"
	    "                   [--rate-conns N] [--rate-seconds S] "
	    "[--rate-slices N]\n"
	    "                   [--rate-warmup-ms MS]\n"
	    "bench/login.sh and bench/relay.sh run it; see "
	    "bench/README.md.\n");
	exit(2);
}

static void
procs_parse(const char *s)
{
	char buf[64], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	opt.nphases = 0;
	for (p = strtok_r(buf, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (opt.nphases >= MAX_PHASES)
			bench_die(2, "--procs: at most %d phases", MAX_PHASES);
		if (bench_opt_int("--procs", p, 1, MAX_PROCS,
		    &opt.procs[opt.nphases++]) != 0)
			exit(2);
	}
	if (opt.nphases == 0)
		bench_die(2, "--procs: empty");
}

static void
opts_parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "write-ldif", required_argument, NULL, 'L' },
		{ "bind-pw", required_argument, NULL, 'P' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "socket", required_argument, NULL, 's' },
		{ "admin-socket", required_argument, NULL, 'a' },
		{ "permit", required_argument, NULL, '0' },
		{ "oath", required_argument, NULL, '1' },
		{ "authd-module", required_argument, NULL, '2' },
		{ "users", required_argument, NULL, 'u' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "race", required_argument, NULL, 'R' },
		{ "probe", required_argument, NULL, 'Q' },
		{ "window", required_argument, NULL, 'W' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "authd-pid", required_argument, NULL, 'A' },
		{ "slapd-pid", required_argument, NULL, 'S' },
		{ "json", required_argument, NULL, 'j' },
		{ "md", required_argument, NULL, 'm' },
		{ "oath-version", required_argument, NULL, 'O' },
		{ "authd-version", required_argument, NULL, 'V' },
		{ "relay-socket", required_argument, NULL, 'X' },
		{ "tls-log", required_argument, NULL, 'T' },
		{ "database", required_argument, NULL, 'D' },
		{ "relay-pid", required_argument, NULL, 'Y' },
		{ "rate-conns", required_argument, NULL, 'C' },
		{ "rate-seconds", required_argument, NULL, 'E' },
		{ "rate-slices", required_argument, NULL, 'K' },
		{ "rate-warmup-ms", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct bench_numopt nums[] = {
		{ 'u', "--users", 20, 1000000, NULL, &opt.users },
		{ 'r', "--rounds", 1, 100000, NULL, &opt.rounds },
		{ 'b', "--batch", 1, 100000, NULL, &opt.batch },
		{ 'R', "--race", 0, 100000, NULL, &opt.race },
		{ 'Q', "--probe", 0, 100000, NULL, &opt.probe },
		{ 'W', "--window", 0, 10, NULL, &opt.window },
		{ 't', "--threads", 1, 64, NULL, &opt.threads },
		{ 'A', "--authd-pid", 1, INT32_MAX, NULL, &opt.authd_pid },
		{ 'S', "--slapd-pid", 1, INT32_MAX, NULL, &opt.slapd_pid },
		{ 'Y', "--relay-pid", 1, INT32_MAX, NULL, &opt.relay_pid },
		{ 'C', "--rate-conns", 1, 1024, NULL, &opt.rate_conns },
		{ 'E', "--rate-seconds", 1, 3600, NULL, &opt.rate_seconds },
		{ 'K', "--rate-slices", 1, 100, NULL, &opt.rate_slices },
		{ 'M', "--rate-warmup-ms", 0, 60000, NULL,
		    &opt.rate_warmup_ms },
	};
	int c, procs_given = 0;

	opt.bind_pw = BENCH_BIND_PW;
	opt.users = 4000;
	opt.rounds = 30;
	opt.batch = 50;
	opt.race = 300;
	opt.probe = 200;
	opt.window = 1;
	opt.threads = 8;
	opt.nphases = 2;
	opt.procs[0] = 1;
	opt.procs[1] = 2;
	opt.rate_conns = RELAY_TARGET_CONNS;
	opt.rate_seconds = 10;
	opt.rate_slices = 5;
	opt.rate_warmup_ms = 1000;
	while ((c = bench_getopt(argc, argv, "h", lo, nums,
	    BENCH_NITEMS(nums))) != -1) {
		switch (c) {
		case BENCH_OPT_BAD: exit(2);
		case 'L': opt.ldif = optarg; break;
		case 'P': opt.bind_pw = optarg; break;
		case 'w': opt.workdir = optarg; break;
		case 's': opt.socket = optarg; break;
		case 'a': opt.admin_socket = optarg; break;
		case '0': opt.module[ST_PERMIT] = optarg; break;
		case '1': opt.module[ST_OATH] = optarg; break;
		case '2': opt.module[ST_AUTHD] = optarg; break;
		case 'p': procs_parse(optarg); procs_given = 1; break;
		case 'j': opt.json = optarg; break;
		case 'm': opt.md = optarg; break;
		case 'O': opt.oath_version = optarg; break;
		case 'V': opt.authd_version = optarg; break;
		case 'X': opt.relay_socket = optarg; break;
		case 'T': opt.tls_log = optarg; break;
		case 'D': opt.database = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (opt.ldif == NULL && (opt.workdir == NULL || opt.socket == NULL ||
	    opt.admin_socket == NULL || opt.module[ST_PERMIT] == NULL ||
	    opt.module[ST_AUTHD] == NULL ||
	    (opt.module[ST_OATH] == NULL) == (opt.relay_socket == NULL)))
		usage();
	stack_on[ST_PERMIT] = stack_on[ST_AUTHD] = 1;
	stack_on[ST_OATH] = opt.module[ST_OATH] != NULL;
	stack_on[ST_RELAY] = opt.relay_socket != NULL;
	if (stack_on[ST_RELAY]) {
		/* The race is pam_oath's; one client process unless told. */
		opt.race = 0;
		if (!procs_given)
			opt.nphases = 1;
	}
}

int
main(int argc, char **argv)
{
	struct phase *ph[MAX_PHASES];
	struct results *res;
	struct race *ra = NULL;
	struct machine m;
	struct stat sb;
	double enroll_s, warm_s;
	FILE *f;
	long hs;
	int i, status;

	bench_setprogname("login_bench");
	opts_parse(argc, argv);
	users_alloc(opt.users);
	if (opt.ldif != NULL) {
		ldif_write(opt.ldif, opt.bind_pw);
		return 0;
	}
	/* A client's pam_end() must not be able to kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (oath_init() != OATH_OK)
		bench_die(2, "oath_init failed");
	machine_get(&m);
	last_step = shared_alloc((size_t)NSTACK * (size_t)nusers *
	    sizeof(*last_step));
	for (i = 0; i < NSTACK * nusers; i++)
		last_step[i] = -1;
	oath_last = shared_alloc((size_t)nusers * sizeof(*oath_last));
	next_hint = shared_alloc(NSTACK * sizeof(*next_hint));

	authd_wait();
	factors_check();
	note("enrolling %d users over the admin socket (%d connections)",
	    nusers, opt.threads);
	enroll_s = run_workers(0);
	note("enrolled in %.1f s (%.0f users/s)", enroll_s, nusers / enroll_s);
	if (stack_on[ST_OATH])
		usersfile_write();
	stacks_write();
	warm_s = run_workers(1);
	note("authd's directory cache warmed in %.1f s (one account request "
	    "per user)", warm_s);
	if ((res = calloc(1, sizeof(*res))) == NULL)
		bench_die(2, "out of memory");
	hs = handshakes();
	warm_logins();
	res->hs_warm = handshakes_since(hs);
	note("untimed logins done (%d per stack at least); timing",
	    WARM_LOGINS);

	for (i = 0; i < opt.nphases; i++)
		ph[i] = phase_run(opt.procs[i]);
	if (opt.race > 0) {
		/* The span of the race's offsets: pam_oath's check time. */
		series_fill(ph[0], res->s[0]);
		ra = race_run(res->s[0][ST_OATH].part[PART_AUTH]);
	}
	if (opt.probe > 0)
		probe_run();
	if (stack_on[ST_RELAY])
		rate_run(res);
	loadavg(m.load1, sizeof(m.load1));

	for (i = 0; i < opt.nphases; i++)
		series_fill(ph[i], res->s[i]);
	if (ra != NULL)
		race_fill(ra, res);
	judge(ph, res);
	status = exit_status(res);
	printf("\n");
	report_md(stdout, ph, res, &m, enroll_s, warm_s);
	if (opt.md != NULL) {
		if ((f = fopen(opt.md, "w")) == NULL)
			bench_die(2, "%s: %s", opt.md, strerror(errno));
		report_md(f, ph, res, &m, enroll_s, warm_s);
		if (ferror(f) || fclose(f) != 0)
			bench_die(2, "%s: write failed", opt.md);
	}
	if (opt.json != NULL)
		report_json(opt.json, ph, res, &m, enroll_s, warm_s,
		    stat(opt.usersfile, &sb) == 0 ? (long)sb.st_size : -1);
	oath_done();
	return status;
}
