/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_race: several processes submit the same one-time code at the same
 * moment, to show that a code is accepted at most once.
 *
 *   pam_race -d CONFDIR -s SERVICE [-s SERVICE2...] [-n PROCS] [-w SECONDS]
 *            [-v] < ROUNDS
 *
 * stdin holds one round per line, "USER CODE" (blank lines and lines
 * starting with '#' are skipped).  For every round PROCS (default 2)
 * children are forked.  Each child creates its PAM handle with
 * pam_start_confdir(SERVICE, USER, conv, CONFDIR) (with several -s, child
 * i takes the i-th SERVICE, round robin: stacks that ask different authd
 * nodes) - loading the modules
 * before the start line keeps the processes close together - reports
 * that it is ready, and blocks reading a shared pipe.  When all children
 * are ready the parent closes the pipe's write end, so all of them see EOF
 * at the same moment and call pam_authenticate(); the conversation
 * answers every prompt with CODE.  A child exits 0 on PAM_SUCCESS, 1 on
 * PAM_AUTH_ERR and 2 on anything else.  Children install a PAM_FAIL_DELAY
 * callback that does nothing, so failure delays do not slow rounds down.
 *
 * Output, one line per round and a summary:
 *
 *   USER CODE successes=<k> failures=<m> errors=<e>
 *   rounds=<r> double_accepts=<rounds with k>1> no_accepts=<rounds with
 *   k==0> errors=<total e>
 *
 * A child still running SECONDS (-w, default 60) after the start is
 * killed with its process group (each child leads its own) and counted as
 * an error.  -v prints each child's result and the PAM messages it got
 * on stderr.
 *
 * Exit status: 0 no round had more than one success, 1 some round did,
 * 2 usage error or unreadable input.  no_accepts and errors are reported,
 * not judged.
 */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pam_codes.h"

#define MAX_PROCS	256
#define LINE_MAX_LEN	1024

struct child_conv {
	const char *code;
	int verbose;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pam_race -d CONFDIR -s SERVICE [-s SERVICE...] [-n PROCS]\n"
	    "                [-w SECONDS] [-v]\n"
	    "\n"
	    "With several -s (at most 4), process i uses the i-th, round robin.\n"
	    "Reads lines \"USER CODE\" from stdin.  For each, PROCS processes\n"
	    "(default 2, at most %d) call pam_authenticate for USER at the same\n"
	    "moment, answering the prompt with CODE.  Prints per round\n"
	    "  USER CODE successes=<k> failures=<m> errors=<e>\n"
	    "and finally\n"
	    "  rounds=<r> double_accepts=<n> no_accepts=<n> errors=<n>\n"
	    "  -w SECONDS  kill children still running after this (default 60)\n"
	    "  -v          print each child's result and PAM messages on stderr\n"
	    "Exit: 0 no double accepts, 1 double accepts, 2 usage error.\n",
	    MAX_PROCS);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
child_conv_fn(int num_msg, const struct pam_message **msg,
    struct pam_response **resp, void *appdata)
{
	const struct child_conv *cc = appdata;
	struct pam_response *r;
	int i;

	*resp = NULL;
	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)num_msg, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num_msg; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			r[i].resp = strdup(cc->code);
			if (r[i].resp == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			if (cc->verbose)
				fprintf(stderr, "pam_race[%ld]: %s: %s\n",
				    (long)getpid(),
				    msg[i]->msg_style == PAM_ERROR_MSG ?
				    "error" : "info",
				    msg[i]->msg ? msg[i]->msg : "");
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

static void
no_delay(int retval, unsigned usec, void *appdata)
{
	(void)retval;
	(void)usec;
	(void)appdata;
}

/* The child's side of a round; never returns. */
static void
child_run(const char *confdir, const char *service, const char *user,
    const char *code, int ready_fd, int go_fd, int verbose)
{
	struct child_conv cc = { code, verbose };
	struct pam_conv conv = { child_conv_fn, &cc };
	pam_handle_t *pamh = NULL;
	union {
		void (*fn)(int, unsigned, void *);
		const void *item;
	} delay_item;
	char b;
	ssize_t n;
	int rc, start_rc;

	start_rc = pam_start_confdir(service, user, &conv, confdir, &pamh);
	if (start_rc == PAM_SUCCESS) {
		delay_item.fn = no_delay;
		pam_set_item(pamh, PAM_FAIL_DELAY, delay_item.item);
	}

	/* Ready; then wait for the start line (EOF on go_fd). */
	b = 'r';
	while (write(ready_fd, &b, 1) < 0 && errno == EINTR)
		;
	close(ready_fd);
	do {
		n = read(go_fd, &b, 1);
	} while (n < 0 && errno == EINTR);
	close(go_fd);

	if (start_rc != PAM_SUCCESS) {
		if (verbose)
			fprintf(stderr, "pam_race[%ld]: pam_start_confdir: %s\n",
			    (long)getpid(), pam_code_name(start_rc));
		_exit(2);
	}
	rc = pam_authenticate(pamh, 0);
	if (verbose)
		fprintf(stderr, "pam_race[%ld]: %s %s auth=%s\n", (long)getpid(),
		    user, code, pam_code_name(rc));
	pam_end(pamh, rc);
	_exit(rc == PAM_SUCCESS ? 0 : rc == PAM_AUTH_ERR ? 1 : 2);
}

/*
 * Reads one byte per started child from ready_fd, or until EOF (children
 * that died early) or the deadline.
 */
static void
await_ready(int ready_fd, int nchildren, int64_t deadline)
{
	struct pollfd pfd = { ready_fd, POLLIN, 0 };
	char buf[MAX_PROCS];
	int got = 0, left;
	ssize_t n;

	while (got < nchildren) {
		left = (int)(deadline - mono_ms());
		if (left <= 0)
			return;
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		n = read(ready_fd, buf, (size_t)(nchildren - got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		got += (int)n;
	}
}

struct round_result {
	int successes;
	int failures;
	int errors;
};

#define MAX_SERVICES	4

static void
run_round(const char *confdir, const char *const *service, int nservices,
    const char *user, const char *code, int nprocs, int wait_s, int verbose,
    struct round_result *res)
{
	pid_t pids[MAX_PROCS];
	int done[MAX_PROCS];
	int go[2], ready[2], started = 0, remaining, i, st;
	int64_t deadline;
	pid_t p;

	memset(res, 0, sizeof(*res));
	if (pipe(go) != 0 || pipe(ready) != 0) {
		perror("pam_race: pipe");
		res->errors = nprocs;
		return;
	}
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < nprocs; i++) {
		p = fork();
		if (p < 0) {
			perror("pam_race: fork");
			break;
		}
		if (p == 0) {
			/* Own process group, so a timeout also ends helpers
			 * that stay in it (pam_exec's children do not: they
			 * call setsid()). */
			setpgid(0, 0);
			close(go[1]);
			close(ready[0]);
			child_run(confdir, service[i % nservices], user, code,
			    ready[1], go[0], verbose);
		}
		setpgid(p, p);
		pids[started] = p;
		done[started] = 0;
		started++;
	}
	res->errors += nprocs - started;
	close(go[0]);
	close(ready[1]);

	deadline = mono_ms() + (int64_t)wait_s * 1000;
	await_ready(ready[0], started, deadline);
	close(ready[0]);
	/* Start line: every child's read() returns 0 now. */
	close(go[1]);

	remaining = started;
	while (remaining > 0) {
		int progressed = 0;

		for (i = 0; i < started; i++) {
			if (done[i])
				continue;
			p = waitpid(pids[i], &st, WNOHANG);
			if (p == 0)
				continue;
			done[i] = 1;
			remaining--;
			progressed = 1;
			if (p < 0)
				res->errors++;
			else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				res->successes++;
			else if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
				res->failures++;
			else
				res->errors++;
		}
		if (remaining == 0)
			break;
		if (mono_ms() >= deadline) {
			for (i = 0; i < started; i++) {
				if (done[i])
					continue;
				fprintf(stderr, "pam_race: child %ld (%s) still "
				    "running after %d s; killing it\n",
				    (long)pids[i], user, wait_s);
				kill(-pids[i], SIGKILL);
				kill(pids[i], SIGKILL);
				while (waitpid(pids[i], &st, 0) < 0 &&
				    errno == EINTR)
					;
				done[i] = 1;
				res->errors++;
			}
			break;
		}
		if (!progressed) {
			struct timespec ts = { 0, 2 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
}

static int
parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confdir = NULL, *service[MAX_SERVICES];
	int nprocs = 2, wait_s = 60, verbose = 0, nservices = 0, c;
	long rounds = 0, double_accepts = 0, no_accepts = 0, errors = 0;
	long lineno = 0;
	char line[LINE_MAX_LEN];

	while ((c = getopt_long(argc, argv, "d:s:n:w:vh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			confdir = optarg;
			break;
		case 's':
			if (nservices == MAX_SERVICES) {
				fprintf(stderr, "pam_race: at most %d -s\n",
				    MAX_SERVICES);
				return 2;
			}
			service[nservices++] = optarg;
			break;
		case 'n':
			if (parse_int(optarg, 1, MAX_PROCS, &nprocs) != 0) {
				fprintf(stderr, "pam_race: -n wants 1..%d\n",
				    MAX_PROCS);
				return 2;
			}
			break;
		case 'w':
			if (parse_int(optarg, 1, 86400, &wait_s) != 0) {
				fprintf(stderr, "pam_race: -w wants seconds\n");
				return 2;
			}
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (confdir == NULL || nservices == 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	/* A child's pam_end() must not be able to kill us via SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *user, *code, *extra, *save = NULL;
		size_t len = strlen(line);
		struct round_result res;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(stdin)) {
			fprintf(stderr, "pam_race: stdin line %ld is too long\n",
			    lineno);
			return 2;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		user = strtok_r(line, " \t", &save);
		if (user == NULL || user[0] == '#')
			continue;
		code = strtok_r(NULL, " \t", &save);
		extra = strtok_r(NULL, " \t", &save);
		if (code == NULL || extra != NULL) {
			fprintf(stderr, "pam_race: stdin line %ld: want "
			    "\"USER CODE\"\n", lineno);
			return 2;
		}

		run_round(confdir, service, nservices, user, code, nprocs,
		    wait_s, verbose, &res);
		rounds++;
		if (res.successes > 1)
			double_accepts++;
		if (res.successes == 0)
			no_accepts++;
		errors += res.errors;
		printf("%s %s successes=%d failures=%d errors=%d\n", user, code,
		    res.successes, res.failures, res.errors);
	}
	if (ferror(stdin)) {
		perror("pam_race: stdin");
		return 2;
	}
	printf("rounds=%ld double_accepts=%ld no_accepts=%ld errors=%ld\n",
	    rounds, double_accepts, no_accepts, errors);
	return double_accepts == 0 ? 0 : 1;
}
