/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "authctl.h"
#include "prompt.h"
#include "util.h"

enum {
	PROMPT_LINE_OK = 0,
	PROMPT_LINE_EOF,	/* end of input before anything */
	PROMPT_LINE_LONG,	/* longer than allowed */
	PROMPT_LINE_NUL,	/* a NUL byte */
	PROMPT_LINE_INTR,	/* a signal came */
	PROMPT_LINE_ERR,	/* read error; errno */
};

static volatile sig_atomic_t prompt_signo;

static void
prompt_catch(int sig)
{
	prompt_signo = sig;
}

/* Signals that must not leave the terminal without echo. */
static const int prompt_signals[] = {
	SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU,
};
#define PROMPT_NSIGNALS	(sizeof(prompt_signals) / sizeof(prompt_signals[0]))

/*
 * Reads one line of at most `max` bytes (a CR before the LF dropped)
 * into `buf` (max + 2 bytes) with read(2), a byte at a time: no stdio
 * buffer keeps a copy of the secret, and the next line stays unread.
 */
static int
prompt_read_line(int fd, char *buf, size_t max, size_t *lenp)
{
	size_t n = 0;
	ssize_t r;
	char c;
	int ret = PROMPT_LINE_OK;

	*lenp = 0;
	for (;;) {
		if (prompt_signo != 0)
			return PROMPT_LINE_INTR;
		if ((r = read(fd, &c, 1)) < 0) {
			if (errno == EINTR)
				continue;
			return PROMPT_LINE_ERR;
		}
		if (r == 0) {
			if (n == 0 && ret == PROMPT_LINE_OK)
				return PROMPT_LINE_EOF;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			ret = PROMPT_LINE_NUL;
		/* One byte more than max: room for a CR to drop. */
		if (n > max) {
			ret = PROMPT_LINE_LONG;
			continue;	/* read to the end of the line */
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > max)
		ret = PROMPT_LINE_LONG;
	buf[n] = '\0';
	*lenp = n;
	return ret;
}

static void
prompt_write_str(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += n;
		len -= (size_t)n;
	}
}

int
prompt_line(const char *label, int tty, const char *prompt, char *buf,
    size_t max, const char *what)
{
	struct sigaction sa, old[PROMPT_NSIGNALS];
	struct termios saved, quiet;
	size_t i, len;
	int in = tty >= 0 ? tty : STDIN_FILENO, echo_off, r, sig, err;

 again:
	prompt_signo = 0;
	memset(old, 0, sizeof(old));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = prompt_catch;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal ends the read, and echo comes back first. */
	for (i = 0; i < PROMPT_NSIGNALS; i++)
		(void)sigaction(prompt_signals[i], &sa, &old[i]);
	echo_off = 0;
	if (tty >= 0 && tcgetattr(tty, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
		quiet.c_lflag |= ECHONL;
		/* TCSAFLUSH: nothing typed before the prompt is taken. */
		echo_off = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
	}
	prompt_write_str(tty >= 0 ? tty : STDERR_FILENO, prompt);
	r = prompt_read_line(in, buf, max, &len);
	err = errno;
	if (echo_off)
		(void)tcsetattr(tty, TCSANOW, &saved);
	if (tty < 0)
		prompt_write_str(STDERR_FILENO, "\n");
	for (i = 0; i < PROMPT_NSIGNALS; i++)
		(void)sigaction(prompt_signals[i], &old[i], NULL);
	if (prompt_signo != 0) {
		sig = prompt_signo;
		explicit_bzero(buf, max + 2);
		(void)raise(sig);
		/* Stopped and continued: ask again. */
		if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			goto again;
		fprintf(stderr, "authctl: %s: interrupted\n", label);
		return AUTHCTL_EXIT_FAIL;
	}
	switch (r) {
	case PROMPT_LINE_OK:
		return AUTHCTL_EXIT_OK;
	case PROMPT_LINE_EOF:
		fprintf(stderr, "authctl: %s: no %s given (end of input)\n",
		    label, what);
		break;
	case PROMPT_LINE_LONG:
		fprintf(stderr, "authctl: %s: the %s is longer than %zu "
		    "bytes\n", label, what, max);
		break;
	case PROMPT_LINE_NUL:
		fprintf(stderr, "authctl: %s: the %s holds a NUL byte\n",
		    label, what);
		break;
	default:
		fprintf(stderr, "authctl: %s: cannot read the %s: %s\n", label,
		    what, strerror(err));
		break;
	}
	explicit_bzero(buf, max + 2);
	return AUTHCTL_EXIT_FAIL;
}

int
prompt_credentials(const char *label, const char *user, char *pw,
    char *code)
{
	char prompt[AUTHD_USER_MAX + 32];
	size_t i, n;
	int tty, ret;

	memset(pw, 0, PROMPT_PASSWORD_MAX + 2);
	memset(code, 0, PROMPT_CODE_MAX + 2);
	/*
	 * SECURITY NOTE: from the terminal with echo off (shoulder surfing,
	 * terminal logs and scrollback), as ssh and sudo read a password,
	 * not from whatever standard input is connected to.  Standard input
	 * only when there is no terminal (cron, tests).
	 */
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
	if ((ret = prompt_line(label, tty, prompt, pw, PROMPT_PASSWORD_MAX,
	    "password")) != AUTHCTL_EXIT_OK ||
	    (ret = prompt_line(label, tty, "Verification code: ", code,
	    PROMPT_CODE_MAX, "verification code")) != AUTHCTL_EXIT_OK)
		goto out;
	ret = AUTHCTL_EXIT_FAIL;
	if (pw[0] == '\0') {
		fprintf(stderr, "authctl: %s: empty password\n", label);
		goto out;
	}
	n = strlen(code);
	for (i = 0; i < n && code[i] >= '0' && code[i] <= '9'; i++)
		;
	/* The message never repeats the code. */
	if (i != n || n < PROMPT_CODE_MIN) {
		fprintf(stderr, "authctl: %s: the verification code is %d to "
		    "%d digits\n", label, PROMPT_CODE_MIN, PROMPT_CODE_MAX);
		goto out;
	}
	ret = AUTHCTL_EXIT_OK;
 out:
	if (ret != AUTHCTL_EXIT_OK) {
		explicit_bzero(pw, PROMPT_PASSWORD_MAX + 2);
		explicit_bzero(code, PROMPT_CODE_MAX + 2);
	}
	if (tty >= 0)
		close(tty);
	return ret;
}
