/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/random.h>
#include <sys/un.h>

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "authd_err.h"
#include "pam_authd.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

#define CODE_PROMPT	"Verification code: "
#define PASSWORD_PROMPT	"Password: "
#define PA_PASSWORD_MAX	256
#define PA_USER_WIRE_MAX	256	/* USER on the wire (protocol bound) */

static const char *
phase_name(enum pa_phase p)
{
	switch (p) {
	case PA_AUTH:
		return "auth";
	case PA_ACCOUNT:
		return "account";
	case PA_SESSION_OPEN:
		return "session-open";
	case PA_SESSION_CLOSE:
		return "session-close";
	}
	return "?";
}

/* Parses "NAME=N" in [min, max]; returns 0 or -1. */
static int
opt_num(const char *v, long long min, long long max, int *out)
{
	long long n;

	if (num_parse(v, min, max, &n, NULL) != 0)
		return -1;
	*out = (int)n;
	return 0;
}

int
pa_parse_opts(pam_handle_t *pamh, int argc, const char **argv,
    struct pa_opts *o)
{
	struct sockaddr_un sun;
	char san[128];
	int i, secs;

	memset(o, 0, sizeof(*o));
	o->socket = PA_DEFAULT_SOCKET;
	o->timeout_ms = PA_DEFAULT_TIMEOUT_MS;
	o->delay_ms = PA_DEFAULT_DELAY_MS;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "socket=", 7) == 0 && a[7] == '/' &&
		    strlen(a + 7) < sizeof(sun.sun_path))
			o->socket = a + 7;
		else if (strncmp(a, "system=", 7) == 0 &&
		    str_valid_name(a + 7))
			o->system = a + 7;
		else if (strncmp(a, "timeout=", 8) == 0 &&
		    opt_num(a + 8, 1, 60, &secs) == 0)
			o->timeout_ms = secs * 1000;
		else if (strncmp(a, "delay=", 6) == 0 &&
		    opt_num(a + 6, 0, 10000, &o->delay_ms) == 0)
			;
		else if (strcmp(a, "debug") == 0)
			o->debug = 1;
		else if (strcmp(a, "use_first_pass") == 0)
			o->use_first_pass = 1;
		else if (strcmp(a, "try_first_pass") == 0)
			o->try_first_pass = 1;
		else if (strcmp(a, "separate_account") == 0)
			o->separate_account = 1;
		else {
			pam_syslog(pamh, LOG_ERR, "unknown or malformed "
			    "option \"%s\"; refusing", str_sanitize(a,
			    strlen(a), san, sizeof(san)));
			return PAM_SERVICE_ERR;
		}
	}
	if (o->use_first_pass && o->try_first_pass) {
		pam_syslog(pamh, LOG_ERR, "use_first_pass and try_first_pass "
		    "together; refusing");
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static uint32_t
new_reqid(void)
{
	uint32_t id = 0;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint32_t)mono_ms() ^ ((uint32_t)getpid() << 16);
	return id ? id : 1;
}

/*
 * Gets the one-time code: from PAM_AUTHTOK with use_first_pass (or with
 * try_first_pass when it looks like a code), otherwise by prompting.  On
 * PAM_SUCCESS *code is a new string the caller wipes with
 * secure_free_str.
 */
static int
get_code(pam_handle_t *pamh, const struct pa_opts *o, char **code)
{
	const void *item = NULL;
	char *resp = NULL;
	int rc;

	*code = NULL;
	if (o->use_first_pass || o->try_first_pass) {
		if (pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS &&
		    item != NULL && (o->use_first_pass ||
		    (strlen(item) <= 8 && strspn(item, "0123456789") ==
		    strlen(item) && strlen(item) >= 6))) {
			*code = strdup(item);
			return *code ? PAM_SUCCESS : PAM_BUF_ERR;
		}
		if (o->use_first_pass)
			return PAM_AUTH_ERR;
	}
	rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", CODE_PROMPT);
	if (rc != PAM_SUCCESS) {
		secure_free_str(resp);
		return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : rc;
	}
	if (resp == NULL)
		return PAM_CONV_ERR;
	*code = resp;
	return PAM_SUCCESS;
}

static int
map_result(enum pa_phase phase, uint64_t status)
{
	if (status == PROTO_S_ALLOW)
		return PAM_SUCCESS;
	switch (phase) {
	case PA_AUTH:
		return status == PROTO_S_DENY ? PAM_AUTH_ERR :
		    PAM_AUTHINFO_UNAVAIL;
	case PA_ACCOUNT:
		return status == PROTO_S_DENY ? PAM_PERM_DENIED :
		    PAM_AUTHINFO_UNAVAIL;
	default:
		return PAM_SESSION_ERR;
	}
}

/* The answer when authd cannot be asked: never success. */
static int
unavailable(enum pa_phase phase)
{
	return (phase == PA_AUTH || phase == PA_ACCOUNT) ?
	    PAM_AUTHINFO_UNAVAIL : PAM_SESSION_ERR;
}

/* Copies at most `max` bytes of `s` into `buf` (max + 1 bytes). */
static const char *
cut(const char *s, char *buf, size_t max)
{
	snprintf(buf, max + 1, "%s", s);
	return buf;
}

static int
item_str(pam_handle_t *pamh, int type, const char **out)
{
	const void *v = NULL;

	*out = NULL;
	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == NULL)
		return 0;
	*out = v;
	return 0;
}

/* What every request of one PAM call carries. */
struct pa_call {
	pam_handle_t		*pamh;
	const struct pa_opts	*o;
	enum pa_phase		 phase;
	const char		*user, *system, *service, *rhost, *tty;
	int			 fd;	/* kept for the call's next request */
};

/*
 * The account decision authd made with an accepted code, kept on the PAM
 * handle for pam_acct_mgmt (pam_set_data): the same user and system, and
 * fresh, or pam_acct_mgmt asks authd itself.
 */
#define PA_ACCOUNT_DATA	"pam_authd_account"

struct pa_account {
	uint64_t	 status;
	uint32_t	 reqid;
	int64_t		 at_ms;		/* mono_ms() */
	char		 user[257];
	char		 target[65];	/* system=, else the service */
	char		 reason[65];
};

static void
account_free(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

static void
account_keep(const struct pa_call *pc, const struct proto_msg *reply)
{
	struct pa_account *a;
	uint64_t st;

	if (proto_get_u64(reply, PROTO_A_ACCOUNT, &st) != 0 ||
	    st > PROTO_S_ERROR || (a = calloc(1, sizeof(*a))) == NULL)
		return;
	a->status = st;
	a->reqid = reply->reqid;
	a->at_ms = mono_ms();
	snprintf(a->user, sizeof(a->user), "%s", pc->user);
	snprintf(a->target, sizeof(a->target), "%s", pc->system ?
	    pc->system : pc->service);
	snprintf(a->reason, sizeof(a->reason), "%s",
	    proto_str(reply, PROTO_A_ACCOUNT_REASON, "-"));
	if (pam_set_data(pc->pamh, PA_ACCOUNT_DATA, a, account_free) !=
	    PAM_SUCCESS)
		free(a);
}

/*
 * Takes the kept account decision if it answers this call (it is used
 * once); 1 with *a filled, else 0.
 */
static int
account_take(const struct pa_call *pc, struct pa_account *out)
{
	const void *d = NULL;
	const struct pa_account *a;
	int ok;

	if (pam_get_data(pc->pamh, PA_ACCOUNT_DATA, &d) != PAM_SUCCESS ||
	    d == NULL)
		return 0;
	a = d;
	ok = strcmp(a->user, pc->user) == 0 && strcmp(a->target, pc->system ?
	    pc->system : pc->service) == 0 &&
	    mono_ms() - a->at_ms <= PA_ACCOUNT_FRESH_MS;
	if (ok)
		*out = *a;
	(void)pam_set_data(pc->pamh, PA_ACCOUNT_DATA, NULL, NULL);
	return ok;
}

/* A kept connection that authd has closed (idle) reads as ready. */
static int
conn_usable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) == 0;
}

/*
 * One exchange with authd: a request of `type` (with `code` and `pw` when
 * not NULL).  Returns PAM_SUCCESS with the reply's status in *status and
 * the reply in *reply (the caller frees it), or the PAM code for "authd
 * could not be asked".
 */
static int
exchange(struct pa_call *pc, uint8_t type, const char *code,
    const char *pw, uint64_t *status, struct proto_msg **reply)
{
	struct proto_msg *req = NULL;
	char san[257], ubuf[PA_USER_WIRE_MAX + 1];
	int64_t deadline;
	int r, rc = PAM_BUF_ERR, fd = -1;

	*reply = NULL;
	*status = PROTO_S_ERROR;
	if ((req = proto_new(type, new_reqid())) == NULL)
		goto out;
	/*
	 * Overlong items are cut to the protocol's bounds, not refused: authd
	 * denies a name it cannot accept, and records it.
	 */
	if ((r = proto_add_str(req, PROTO_A_USER, cut(pc->user, ubuf,
	    PA_USER_WIRE_MAX))) != 0) {
		pam_syslog(pc->pamh, LOG_NOTICE, "user name not acceptable "
		    "(%s)", authd_strerror(r));
		rc = pc->phase == PA_AUTH ? PAM_AUTH_ERR :
		    unavailable(pc->phase);
		goto out;
	}
	/*
	 * rhost and tty go as they are, only cut to the protocol's bounds:
	 * authd escapes them once, where they are stored and logged.
	 */
	if ((pc->system && proto_add_str(req, PROTO_A_SYSTEM, pc->system) !=
	    0) || proto_add_str(req, PROTO_A_SERVICE, pc->service) != 0 ||
	    (pc->rhost && proto_add_str(req, PROTO_A_RHOST, cut(pc->rhost, san,
	    256)) != 0) ||
	    (pc->tty && proto_add_str(req, PROTO_A_TTY, cut(pc->tty, san,
	    64)) != 0) ||
	    proto_add_u64(req, PROTO_A_PID, (uint64_t)getpid()) != 0 ||
	    /* authd does nothing for this request after we stop waiting. */
	    proto_add_u64(req, PROTO_A_WAIT, (uint64_t)pc->o->timeout_ms) !=
	    0 ||
	    (code && proto_add_str(req, PROTO_A_CODE, code) != 0) ||
	    (pw && proto_add_str(req, PROTO_A_PASSWORD, pw) != 0) ||
	    (type == PROTO_T_AUTH && !pc->o->separate_account &&
	    proto_add_u64(req, PROTO_A_ACCOUNT, 1) != 0))
		goto out;

	deadline = mono_ms() + pc->o->timeout_ms;
	/* One connection serves the call's requests while authd keeps it. */
	if (pc->fd >= 0 && conn_usable(pc->fd)) {
		fd = pc->fd;
		pc->fd = -1;
	} else if (pc->fd >= 0) {
		close(pc->fd);
		pc->fd = -1;
	}
	if ((fd < 0 && (r = sock_connect(pc->o->socket, deadline, &fd)) !=
	    0) || (r = sock_call(fd, req, deadline, NULL, NULL, reply)) != 0) {
		pam_syslog(pc->pamh, LOG_ERR, "%s: authd at %s: %s",
		    proto_type_name(type), pc->o->socket, authd_strerror(r));
		rc = unavailable(pc->phase);
		goto out;
	}
	if (proto_get_u64(*reply, PROTO_A_STATUS, status) != 0 ||
	    *status > PROTO_S_ERROR) {
		pam_syslog(pc->pamh, LOG_ERR, "%s: malformed reply from authd",
		    proto_type_name(type));
		proto_free(*reply);
		*reply = NULL;
		rc = unavailable(pc->phase);
		goto out;
	}
	rc = PAM_SUCCESS;
	/* Kept for the next request of this call; pa_run closes it. */
	pc->fd = fd;
	fd = -1;
 out:
	if (fd >= 0)
		close(fd);
	proto_free(req);	/* wipes the code and password */
	return rc;
}

/*
 * Gets the directory password: PAM_AUTHTOK with use_first_pass (or
 * try_first_pass when set), else a prompt, whose answer becomes
 * PAM_AUTHTOK for the modules after this one.
 */
static int
get_password(pam_handle_t *pamh, const struct pa_opts *o, char **pw)
{
	const void *item = NULL;
	char *resp = NULL;
	int rc;

	*pw = NULL;
	if ((o->use_first_pass || o->try_first_pass) &&
	    pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS &&
	    item != NULL) {
		*pw = strdup(item);
		return *pw ? PAM_SUCCESS : PAM_BUF_ERR;
	}
	if (o->use_first_pass)
		return PAM_AUTH_ERR;
	rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s",
	    PASSWORD_PROMPT);
	if (rc != PAM_SUCCESS) {
		secure_free_str(resp);
		return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : rc;
	}
	if (resp == NULL)
		return PAM_CONV_ERR;
	(void)pam_set_item(pamh, PAM_AUTHTOK, resp);
	*pw = resp;
	return PAM_SUCCESS;
}

/*
 * The auth phase: ask authd which factors this system needs, prompt for
 * them (password first, then the code), and have authd check them.
 */
static int
run_auth(struct pa_call *pc, uint64_t *status, struct proto_msg **reply)
{
	struct pa_opts o = *pc->o;
	const char *factors;
	char *code = NULL, *pw = NULL;
	int rc, need_pw, need_code;

	/*
	 * The same delay for every failure, whatever the reason (wrong code
	 * or password, unknown user, lockout).
	 */
	if (o.delay_ms > 0)
		(void)pam_fail_delay(pc->pamh, (unsigned)o.delay_ms * 1000);
	/* A decision kept from an earlier attempt is not this one's. */
	(void)pam_set_data(pc->pamh, PA_ACCOUNT_DATA, NULL, NULL);
	if ((rc = exchange(pc, PROTO_T_FACTORS, NULL, NULL, status, reply)) !=
	    PAM_SUCCESS || *status != PROTO_S_ALLOW)
		return rc;
	factors = proto_str(*reply, PROTO_A_FACTORS, "");
	need_pw = strstr(factors, "password") != NULL;
	need_code = strstr(factors, "totp") != NULL;
	proto_free(*reply);
	*reply = NULL;
	/* Nothing for authd to check: leave the decision to the stack. */
	if (!need_pw && !need_code)
		return PAM_IGNORE;
	if (need_pw) {
		if ((rc = get_password(pc->pamh, &o, &pw)) != PAM_SUCCESS)
			goto out;
		/* PAM_AUTHTOK was the password: the code is prompted. */
		o.use_first_pass = o.try_first_pass = 0;
		if (strlen(pw) > PA_PASSWORD_MAX) {
			/* Still asked, so that it is audited and counted. */
			secure_free_str(pw);
			if ((pw = strdup("")) == NULL) {
				rc = PAM_BUF_ERR;
				goto out;
			}
		}
	}
	if (need_code) {
		if ((rc = get_code(pc->pamh, &o, &code)) != PAM_SUCCESS)
			goto out;
		/* SECURITY NOTE: bound what goes on the wire; still asked, so
		 * an overlong answer is audited and counted as a failure. */
		if (strlen(code) > PA_CODE_MAX) {
			secure_free_str(code);
			if ((code = strdup("overlong")) == NULL) {
				rc = PAM_BUF_ERR;
				goto out;
			}
		}
	}
	rc = exchange(pc, PROTO_T_AUTH, code ? code : "", pw, status, reply);
	if (rc == PAM_SUCCESS && *status == PROTO_S_ALLOW)
		account_keep(pc, *reply);
	/*
	 * "mfa optional" and no token: authd checked nothing (it says so
	 * with FACTORS none on a deny); the rest of the stack decides.
	 */
	else if (rc == PAM_SUCCESS && *status == PROTO_S_DENY &&
	    strcmp(proto_str(*reply, PROTO_A_FACTORS, ""), "none") == 0) {
		proto_free(*reply);
		*reply = NULL;
		rc = PAM_IGNORE;
	}
 out:
	secure_free_str(code);
	secure_free_str(pw);
	return rc;
}

int
pa_run(pam_handle_t *pamh, enum pa_phase phase, int flags, int argc,
    const char **argv)
{
	struct pa_opts o;
	struct pa_call pc;
	struct proto_msg *reply = NULL;
	const char *user = NULL, *service = NULL, *rhost = NULL, *tty = NULL;
	const char *reason = "-";
	char san[257];
	uint64_t status = PROTO_S_ERROR;
	struct pa_account kept;
	uint32_t reqid = 0;
	uint8_t type;
	int rc;

	(void)flags;
	if ((rc = pa_parse_opts(pamh, argc, argv, &o)) != PAM_SUCCESS)
		return rc;
	if ((rc = pam_get_user(pamh, &user, NULL)) != PAM_SUCCESS)
		return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : rc;
	if (user == NULL || *user == '\0')
		return phase == PA_AUTH ? PAM_AUTH_ERR : unavailable(phase);
	item_str(pamh, PAM_SERVICE, &service);
	item_str(pamh, PAM_RHOST, &rhost);
	item_str(pamh, PAM_TTY, &tty);
	if (service == NULL || !str_valid_name(service)) {
		pam_syslog(pamh, LOG_ERR, "service name unusable; set "
		    "system=");
		return phase == PA_AUTH || phase == PA_ACCOUNT ?
		    PAM_SERVICE_ERR : PAM_SESSION_ERR;
	}
	pc.pamh = pamh;
	pc.o = &o;
	pc.phase = phase;
	pc.user = user;
	/* Without system= authd maps the PAM service to a system. */
	pc.system = o.system;
	pc.service = service;
	pc.rhost = rhost;
	pc.tty = tty;

	pc.fd = -1;

	if (phase == PA_ACCOUNT && !o.separate_account &&
	    account_take(&pc, &kept)) {
		/* authd decided and recorded it with the code just now. */
		status = kept.status;
		reason = kept.reason;
		reqid = kept.reqid;
	} else {
		if (phase == PA_AUTH)
			rc = run_auth(&pc, &status, &reply);
		else {
			type = phase == PA_ACCOUNT ? PROTO_T_ACCOUNT : phase ==
			    PA_SESSION_OPEN ? PROTO_T_SESSION_OPEN :
			    PROTO_T_SESSION_CLOSE;
			rc = exchange(&pc, type, NULL, NULL, &status, &reply);
		}
		if (pc.fd >= 0)
			close(pc.fd);
		if (rc != PAM_SUCCESS || reply == NULL)
			goto out;
		reason = proto_str(reply, PROTO_A_REASON, "-");
		reqid = reply->reqid;
	}
	rc = map_result(phase, status);
	if (rc != PAM_SUCCESS || o.debug)
		pam_syslog(pamh, rc == PAM_SUCCESS ? LOG_DEBUG : LOG_NOTICE,
		    "%s %s for user %s, %s %s: %s (request %08x)",
		    phase_name(phase), status == PROTO_S_ALLOW ? "allowed" :
		    status == PROTO_S_DENY ? "denied" : "failed",
		    str_sanitize(user, strlen(user), san, sizeof(san)),
		    o.system ? "system" : "service", o.system ? o.system :
		    service, str_sanitize(reason, strlen(reason),
		    (char[64]){ 0 }, 64), (unsigned)reqid);
 out:
	proto_free(reply);
	return rc;
}
