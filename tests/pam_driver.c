/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pam_driver: runs one real libpam transaction for tests.
 *
 *   pam_driver -d CONFDIR -s SERVICE -u USER [-r RHOST] [-t TTY]
 *              [-a RESPONSE]... [-e OP=PAMCODE]... [-T MS] [-W MS] OP...
 *
 * The PAM stack is read from CONFDIR/SERVICE (pam_start_confdir), so tests
 * never touch /etc/pam.d.  The OPs run in order on one handle:
 *
 *   auth     pam_authenticate(0)
 *   acct     pam_acct_mgmt(0)
 *   open     pam_open_session(0)
 *   close    pam_close_session(0)
 *   setcred  pam_setcred(PAM_ESTABLISH_CRED)
 *   delcred  pam_setcred(PAM_DELETE_CRED)
 *
 * Every op runs, whatever the results of the earlier ones.  Output, one
 * item a line, on stdout:
 *
 *   prompt=<text>        a PAM_PROMPT_ECHO_OFF/ON message; it is answered
 *                        with the next -a RESPONSE
 *   prompt-unanswered    no -a RESPONSE was left: the conversation fails
 *                        with PAM_CONV_ERR
 *   info=<text>          PAM_TEXT_INFO
 *   error=<text>         PAM_ERROR_MSG
 *   delay=<usec>         libpam's failure delay callback (PAM_FAIL_DELAY):
 *                        the delay libpam computed from the largest
 *                        pam_fail_delay() request, in microseconds, 0 if
 *                        none.  libpam calls it at the end of every auth,
 *                        whatever the result (without the callback it
 *                        would sleep only after a failure); the driver
 *                        never sleeps.
 *   OP=<PAM_NAME>        the op's result, e.g. auth=PAM_AUTH_ERR
 *   OP_ms=<n>            with -T or -W: how long the op took, in
 *                        milliseconds (CLOCK_MONOTONIC)
 *
 * Message text is printed byte for byte except that control characters
 * and backslash are escaped (\n, \r, \t, \\, \xNN) to keep one item a line.
 *
 * -e OP=PAMCODE sets an expected result.  One -e for an op applies to every
 * run of that op; several -e for the same op apply to its runs in order
 * and must match their number.  PAMCODE is a name (PAM_SUCCESS), PAM_<n>
 * or a number.
 *
 * -T MS measures every op and prints OP_ms=<n>.  The number is not
 * interpreted (write -T 1): bounds are asserted by the calling test, so
 * timings never change the exit status.
 *
 * -W MS is a hang guard: if an op has not returned after MS milliseconds,
 * the driver prints OP_ms=<n> and OP=TIMEOUT and exits 1 at once, so a
 * hung module cannot hang a test.  It implies -T.
 *
 * Exit status: 0 all expectations met (or none given), 1 an expectation
 * failed or -W fired, 2 usage error or pam_start_confdir failed.
 */

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pam_codes.h"

enum op_kind {
	OP_AUTH,
	OP_ACCT,
	OP_OPEN,
	OP_CLOSE,
	OP_SETCRED,
	OP_DELCRED,
	OP_NKINDS
};

static const char *const op_names[OP_NKINDS] = {
	"auth", "acct", "open", "close", "setcred", "delcred",
};

struct expectation {
	enum op_kind op;
	int code;
};

struct conv_state {
	char **responses;
	size_t nresponses;
	size_t next;
};

/* Hang guard for -W: a thread that ends the process if an op overruns. */
struct watchdog {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int started;
	int armed;
	int quit;
	const char *op;
	int64_t start_ms;
	long limit_ms;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pam_driver -d CONFDIR -s SERVICE -u USER [-r RHOST] [-t TTY]\n"
	    "                  [-a RESPONSE]... [-e OP=PAMCODE]... [-T MS] [-W MS]\n"
	    "                  OP...\n"
	    "\n"
	    "Runs OPs in order on one PAM handle created with\n"
	    "pam_start_confdir(SERVICE, USER, conv, CONFDIR).\n"
	    "\n"
	    "OPs:  auth acct open close setcred delcred\n"
	    "  -d CONFDIR       directory holding the PAM stack file SERVICE\n"
	    "  -s SERVICE       PAM service name\n"
	    "  -u USER          PAM_USER\n"
	    "  -r RHOST         set PAM_RHOST\n"
	    "  -t TTY           set PAM_TTY\n"
	    "  -a RESPONSE      answer to the next prompt (repeatable, in order)\n"
	    "  -e OP=PAMCODE    expected result of OP, e.g. auth=PAM_SUCCESS\n"
	    "  -T MS            print OP_ms=<n> per op (MS is not interpreted)\n"
	    "  -W MS            hang guard: an op still running after MS ms\n"
	    "                   prints OP=TIMEOUT and exits 1 (implies -T)\n"
	    "  -h, --help       this text\n"
	    "\n"
	    "Prints prompt=, info=, error=, delay=<usec>, OP=<PAM_NAME> lines.\n"
	    "Exit: 0 expectations met, 1 expectation failed or -W fired,\n"
	    "2 usage error or pam_start_confdir failure.\n");
}

static int
parse_op(const char *s, enum op_kind *out)
{
	int i;

	for (i = 0; i < OP_NKINDS; i++)
		if (strcmp(s, op_names[i]) == 0) {
			*out = (enum op_kind)i;
			return 0;
		}
	return -1;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints "key=text\n" with control characters and backslash escaped. */
static void
print_item(const char *key, const char *text)
{
	const unsigned char *p;

	fputs(key, stdout);
	putchar('=');
	for (p = (const unsigned char *)(text ? text : ""); *p; p++) {
		switch (*p) {
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\x%02x", *p);
			else
				putchar(*p);
		}
	}
	putchar('\n');
}

static void
free_responses(struct pam_response *r, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].resp) {
			memset(r[i].resp, 0, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
}

static int
conv_fn(int num_msg, const struct pam_message **msg,
    struct pam_response **resp, void *appdata)
{
	struct conv_state *st = appdata;
	struct pam_response *r;
	int i, rc = PAM_CONV_ERR;

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
			print_item("prompt", msg[i]->msg);
			if (st->next >= st->nresponses) {
				puts("prompt-unanswered");
				goto fail;
			}
			r[i].resp = strdup(st->responses[st->next++]);
			if (r[i].resp == NULL) {
				rc = PAM_BUF_ERR;
				goto fail;
			}
			break;
		case PAM_ERROR_MSG:
			print_item("error", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			print_item("info", msg[i]->msg);
			break;
		default:
			printf("unsupported-message-style=%d\n", msg[i]->msg_style);
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	free_responses(r, num_msg);
	return rc;
}

/* PAM_FAIL_DELAY callback: report the delay instead of sleeping. */
static void
delay_fn(int retval, unsigned usec, void *appdata)
{
	(void)retval;
	(void)appdata;
	printf("delay=%u\n", usec);
}

static void *
watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	struct timespec deadline;
	int64_t end, now;

	pthread_mutex_lock(&w->mu);
	while (!w->quit) {
		if (!w->armed) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		end = w->start_ms + w->limit_ms;
		now = mono_ms();
		if (now >= end) {
			char buf[256];
			int n;

			n = snprintf(buf, sizeof(buf), "%s_ms=%lld\n%s=TIMEOUT\n",
			    w->op, (long long)(now - w->start_ms), w->op);
			if (n > 0 && (size_t)n < sizeof(buf) &&
			    write(STDOUT_FILENO, buf, (size_t)n) < 0) {
				/* nothing more to do */
			}
			n = snprintf(buf, sizeof(buf),
			    "pam_driver: %s did not return within %ld ms\n",
			    w->op, w->limit_ms);
			if (n > 0 && (size_t)n < sizeof(buf) &&
			    write(STDERR_FILENO, buf, (size_t)n) < 0) {
				/* nothing more to do */
			}
			_exit(1);
		}
		deadline.tv_sec = (time_t)(end / 1000);
		deadline.tv_nsec = (long)(end % 1000) * 1000000L;
		pthread_cond_timedwait(&w->cv, &w->mu, &deadline);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int
watchdog_init(struct watchdog *w, long limit_ms)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof(*w));
	w->limit_ms = limit_ms;
	if (limit_ms <= 0)
		return 0;
	if (pthread_mutex_init(&w->mu, NULL) != 0 ||
	    pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&w->cv, &ca) != 0)
		return -1;
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0)
		return -1;
	w->started = 1;
	return 0;
}

static void
watchdog_arm(struct watchdog *w, const char *op, int64_t start_ms)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->op = op;
	w->start_ms = start_ms;
	w->armed = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void
watchdog_disarm(struct watchdog *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->armed = 0;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void
watchdog_stop(struct watchdog *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->started = 0;
}

static int
run_op(pam_handle_t *pamh, enum op_kind op)
{
	switch (op) {
	case OP_AUTH:
		return pam_authenticate(pamh, 0);
	case OP_ACCT:
		return pam_acct_mgmt(pamh, 0);
	case OP_OPEN:
		return pam_open_session(pamh, 0);
	case OP_CLOSE:
		return pam_close_session(pamh, 0);
	case OP_SETCRED:
		return pam_setcred(pamh, PAM_ESTABLISH_CRED);
	case OP_DELCRED:
		return pam_setcred(pamh, PAM_DELETE_CRED);
	case OP_NKINDS:
		break;
	}
	return PAM_SYSTEM_ERR;
}

static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Everything main() allocates, freed on every path. */
struct driver {
	struct conv_state cs;
	struct expectation *exp;
	enum op_kind *ops;
	int *results;
	int64_t *elapsed;
};

static int
drive(struct driver *d, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confdir = NULL, *service = NULL, *user = NULL;
	const char *rhost = NULL, *tty = NULL;
	struct conv_state *cs = &d->cs;
	struct expectation *exp;
	size_t nexp = 0, nops, i, j;
	enum op_kind *ops;
	int *results;
	int64_t *elapsed;
	size_t nexp_kind[OP_NKINDS] = { 0 }, nrun_kind[OP_NKINDS] = { 0 };
	long limit_ms = 0, dummy;
	int timing = 0;
	struct pam_conv conv;
	pam_handle_t *pamh = NULL;
	struct watchdog wd;
	union {
		void (*fn)(int, unsigned, void *);
		const void *item;
	} delay_item;
	int c, rc, last = PAM_SUCCESS, status = 0;

	cs->responses = calloc((size_t)argc, sizeof(*cs->responses));
	exp = d->exp = calloc((size_t)argc, sizeof(*exp));
	if (cs->responses == NULL || exp == NULL) {
		perror("pam_driver: calloc");
		return 2;
	}

	while ((c = getopt_long(argc, argv, "d:s:u:r:t:a:e:T:W:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			confdir = optarg;
			break;
		case 's':
			service = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'r':
			rhost = optarg;
			break;
		case 't':
			tty = optarg;
			break;
		case 'a':
			cs->responses[cs->nresponses++] = optarg;
			break;
		case 'e': {
			char opname[16];
			const char *eq = strchr(optarg, '=');
			size_t len;

			len = eq ? (size_t)(eq - optarg) : 0;
			if (eq == NULL || len == 0 || len >= sizeof(opname)) {
				fprintf(stderr, "pam_driver: bad expectation '%s' "
				    "(want OP=PAMCODE)\n", optarg);
				return 2;
			}
			memcpy(opname, optarg, len);
			opname[len] = '\0';
			if (parse_op(opname, &exp[nexp].op) != 0) {
				fprintf(stderr, "pam_driver: unknown op '%s' in "
				    "expectation '%s'\n", opname, optarg);
				return 2;
			}
			if (pam_code_parse(eq + 1, &exp[nexp].code) != 0) {
				fprintf(stderr, "pam_driver: unknown PAM code '%s' "
				    "in expectation '%s'\n", eq + 1, optarg);
				return 2;
			}
			nexp_kind[exp[nexp].op]++;
			nexp++;
			break;
		}
		case 'T':
			if (parse_long(optarg, 0, 86400000L, &dummy) != 0) {
				fprintf(stderr, "pam_driver: bad -T '%s' "
				    "(milliseconds)\n", optarg);
				return 2;
			}
			timing = 1;
			break;
		case 'W':
			if (parse_long(optarg, 1, 86400000L, &limit_ms) != 0) {
				fprintf(stderr, "pam_driver: bad -W '%s' "
				    "(milliseconds, > 0)\n", optarg);
				return 2;
			}
			timing = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}

	if (confdir == NULL || service == NULL || user == NULL) {
		fprintf(stderr, "pam_driver: -d, -s and -u are required\n");
		usage(stderr);
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "pam_driver: no OP given\n");
		usage(stderr);
		return 2;
	}

	nops = (size_t)(argc - optind);
	ops = d->ops = calloc(nops, sizeof(*ops));
	results = d->results = calloc(nops, sizeof(*results));
	elapsed = d->elapsed = calloc(nops, sizeof(*elapsed));
	if (ops == NULL || results == NULL || elapsed == NULL) {
		perror("pam_driver: calloc");
		return 2;
	}
	for (i = 0; i < nops; i++) {
		if (parse_op(argv[optind + (int)i], &ops[i]) != 0) {
			fprintf(stderr, "pam_driver: unknown op '%s'\n",
			    argv[optind + (int)i]);
			usage(stderr);
			return 2;
		}
		nrun_kind[ops[i]]++;
	}
	for (i = 0; i < OP_NKINDS; i++) {
		if (nexp_kind[i] > 0 && nrun_kind[i] == 0) {
			fprintf(stderr, "pam_driver: expectation for '%s', which "
			    "is not run\n", op_names[i]);
			return 2;
		}
		if (nexp_kind[i] > 1 && nexp_kind[i] != nrun_kind[i]) {
			fprintf(stderr, "pam_driver: %zu expectations for '%s' "
			    "but it runs %zu times\n", nexp_kind[i], op_names[i],
			    nrun_kind[i]);
			return 2;
		}
	}

	/* Line-buffered, so output survives _exit() and fork() in modules. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (watchdog_init(&wd, limit_ms) != 0) {
		fprintf(stderr, "pam_driver: cannot start the -W watchdog\n");
		return 2;
	}

	conv.conv = conv_fn;
	conv.appdata_ptr = cs;
	rc = pam_start_confdir(service, user, &conv, confdir, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_driver: pam_start_confdir(%s, %s, %s) "
		    "failed: %s (%d)\n", service, user, confdir,
		    pam_code_name(rc), rc);
		watchdog_stop(&wd);
		return 2;
	}
	if (rhost != NULL && (rc = pam_set_item(pamh, PAM_RHOST, rhost)) !=
	    PAM_SUCCESS) {
		fprintf(stderr, "pam_driver: PAM_RHOST: %s\n", pam_code_name(rc));
		status = 2;
	}
	if (tty != NULL && (rc = pam_set_item(pamh, PAM_TTY, tty)) !=
	    PAM_SUCCESS) {
		fprintf(stderr, "pam_driver: PAM_TTY: %s\n", pam_code_name(rc));
		status = 2;
	}
	delay_item.fn = delay_fn;
	if ((rc = pam_set_item(pamh, PAM_FAIL_DELAY, delay_item.item)) !=
	    PAM_SUCCESS) {
		fprintf(stderr, "pam_driver: PAM_FAIL_DELAY: %s\n",
		    pam_code_name(rc));
		status = 2;
	}
	if (status != 0) {
		pam_end(pamh, PAM_SYSTEM_ERR);
		watchdog_stop(&wd);
		return status;
	}

	for (i = 0; i < nops; i++) {
		int64_t t0 = mono_ms();

		watchdog_arm(&wd, op_names[ops[i]], t0);
		results[i] = run_op(pamh, ops[i]);
		watchdog_disarm(&wd);
		elapsed[i] = mono_ms() - t0;
		last = results[i];
		printf("%s=%s\n", op_names[ops[i]], pam_code_name(results[i]));
		if (timing)
			printf("%s_ms=%lld\n", op_names[ops[i]],
			    (long long)elapsed[i]);
	}
	pam_end(pamh, last);
	watchdog_stop(&wd);

	/* Judge the expectations. */
	for (i = 0; i < nops; i++) {
		size_t run = 0, seen = 0;
		const struct expectation *e = NULL;

		for (j = 0; j < i; j++)
			if (ops[j] == ops[i])
				run++;
		for (j = 0; j < nexp; j++) {
			if (exp[j].op != ops[i])
				continue;
			if (nexp_kind[ops[i]] == 1 || seen == run) {
				e = &exp[j];
				break;
			}
			seen++;
		}
		if (e != NULL && e->code != results[i]) {
			char expected[32];

			snprintf(expected, sizeof(expected), "%s",
			    pam_code_name(e->code));
			if (nrun_kind[ops[i]] > 1)
				fprintf(stderr, "pam_driver: expected %s=%s, got %s "
				    "(run %zu of %s)\n", op_names[ops[i]], expected,
				    pam_code_name(results[i]), run + 1,
				    op_names[ops[i]]);
			else
				fprintf(stderr, "pam_driver: expected %s=%s, got "
				    "%s\n", op_names[ops[i]], expected,
				    pam_code_name(results[i]));
			status = 1;
		}
	}

	return status;
}

int
main(int argc, char **argv)
{
	struct driver d;
	int status;

	memset(&d, 0, sizeof(d));
	status = drive(&d, argc, argv);
	free(d.cs.responses);
	free(d.exp);
	free(d.ops);
	free(d.results);
	free(d.elapsed);
	return status;
}
