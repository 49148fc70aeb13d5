/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One-time code verification: the TOTP check, replay protection and
 * lockout, all under one BEGIN IMMEDIATE transaction together with the
 * audit record, so two logins with the same code cannot both succeed and
 * no decision is answered before it is written down.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "util.h"

/* Lockout length after the n-th lockout in a row: doubling, capped. */
static int64_t
lockout_secs(const struct config *c, int64_t n)
{
	int64_t d = c->lockout_time;

	while (--n > 0 && d < c->lockout_max)
		d *= 2;
	return d < c->lockout_max ? d : c->lockout_max;
}

/*
 * Opens the user's seed and looks for the code.  Returns 0 with *step set,
 * AUTHD_ERR_NOT_FOUND for no match, or another error.
 */
static int
match_token(struct authd *ad, const char *user, const struct token *t,
    const char *code, time_t now, int64_t *step)
{
	uint8_t seed[64];
	size_t len;
	int r;

	*step = -1;
	if ((r = unseal(ad->key, user, t->sealed, t->sealed_len, seed,
	    sizeof(seed), &len)) != 0) {
		log_err("token of %s does not open (wrong key or modified)",
		    user);
		return r;
	}
	r = totp_match(seed, len, now, TOTP_DIGITS, TOTP_STEP,
	    (unsigned)ad->cfg->totp_window, code, step);
	explicit_bzero(seed, sizeof(seed));
	return r;
}

/*
 * The same work as a real check, for users who cannot pass anyway, so the
 * answer's timing does not tell them apart (no user enumeration).
 */
static void
dummy_match(struct authd *ad, const char *code, time_t now)
{
	int64_t step;

	(void)totp_match(ad->dummy_seed, sizeof(ad->dummy_seed), now,
	    TOTP_DIGITS, TOTP_STEP, (unsigned)ad->cfg->totp_window, code,
	    &step);
}

int
auth_handle(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct store *st = rq->w->st;
	const struct config *c = ad->cfg;
	const char *code = proto_str(rq->m, PROTO_A_CODE, "");
	struct token t;
	struct lockout lo;
	enum reason why = RSN_OK;
	time_t now = time(NULL);
	int64_t now_ms = wall_ms(), step = -1;
	char detail[128] = "";
	int r, have_token = 0, locked_now = 0;

	memset(&t, 0, sizeof(t));
	if ((r = store_begin(st)) != 0)
		goto fail;
	r = store_token_get(st, rq->user, &t);
	if (r != 0 && r != AUTHD_ERR_NOT_FOUND)
		goto fail;
	have_token = (r == 0);
	if ((r = store_lockout_get(st, rq->user, &lo)) != 0)
		goto fail;

	if (!have_token) {
		why = RSN_NO_TOKEN;
		dummy_match(ad, code, now);
	} else if (strcmp(t.state, "active") != 0) {
		why = RSN_TOKEN_PENDING;
		dummy_match(ad, code, now);
	} else if (lo.locked_until_ms > now_ms) {
		why = RSN_LOCKED;
		dummy_match(ad, code, now);
		snprintf(detail, sizeof(detail), "locked for %lld s more",
		    (long long)((lo.locked_until_ms - now_ms + 999) / 1000));
	} else if (!totp_code_wellformed(code, TOTP_DIGITS)) {
		why = RSN_BAD_FORMAT;
		dummy_match(ad, code, now);
	} else {
		r = match_token(ad, rq->user, &t, code, now, &step);
		if (r == AUTHD_ERR_NOT_FOUND)
			why = RSN_BAD_CODE;
		else if (r != 0)
			goto fail;
		else if (step <= t.last_step) {
			/* SECURITY NOTE: a code is good for one login only. */
			why = RSN_REPLAY;
			snprintf(detail, sizeof(detail), "step %lld already "
			    "used (last accepted %lld)", (long long)step,
			    (long long)t.last_step);
		}
	}

	if (why == RSN_OK) {
		if ((r = store_token_update(st, rq->user, "active", step)) != 0 ||
		    (r = store_lockout_clear(st, rq->user)) != 0)
			goto fail;
	} else if (why == RSN_BAD_CODE || why == RSN_REPLAY || why == RSN_BAD_FORMAT) {
		if (++lo.failures >= c->lockout_threshold) {
			lo.lock_count++;
			lo.locked_until_ms = now_ms +
			    lockout_secs(c, lo.lock_count) * 1000;
			lo.failures = 0;
			locked_now = 1;
		}
		if ((r = store_lockout_put(st, rq->user, &lo)) != 0)
			goto fail;
	}
	if ((r = req_audit(rq, "auth", why == RSN_OK ? "allow" : "deny", why,
	    detail[0] ? detail : NULL)) != 0)
		goto fail;
	if (locked_now) {
		snprintf(detail, sizeof(detail), "lockout %lld: %lld s after "
		    "%lld failed codes", (long long)lo.lock_count,
		    (long long)lockout_secs(c, lo.lock_count),
		    (long long)c->lockout_threshold);
		if ((r = req_audit(rq, "lockout", "deny", RSN_LOCKOUT_START,
		    detail)) != 0)
			goto fail;
	}
	if ((r = store_commit(st)) != 0)
		goto fail_committed;
	token_clear(&t);
	log_info("auth %s user=%s system=%s service=%s: %s%s", why == RSN_OK ?
	    "allow" : "deny", rq->user, rq->system, rq->service,
	    reason_str(why), locked_now ? " (lockout started)" : "");
	/*
	 * The client hears only allow or deny; the reason travels too, for
	 * the PAM module's log line, never for the user's screen.
	 */
	return reply_set(reply, why == RSN_OK ? PROTO_S_ALLOW : PROTO_S_DENY,
	    why, NULL);
 fail:
	store_rollback(st);
 fail_committed:
	token_clear(&t);
	log_err("auth user=%s: %s", rq->user, authd_strerror(r));
	return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
}

int
auth_confirm(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct store *st = rq->w->st;
	const char *code = proto_str(rq->m, PROTO_A_CODE, "");
	struct token t;
	enum reason why = RSN_OK;
	int64_t step = -1;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = store_begin(st)) != 0)
		goto fail;
	r = store_token_get(st, rq->user, &t);
	if (r == AUTHD_ERR_NOT_FOUND)
		why = RSN_NO_TOKEN;
	else if (r != 0)
		goto fail;
	else if (strcmp(t.state, "pending") != 0)
		why = RSN_EXISTS;
	else if (!totp_code_wellformed(code, TOTP_DIGITS))
		why = RSN_BAD_FORMAT;
	else {
		r = match_token(ad, rq->user, &t, code, time(NULL), &step);
		if (r == AUTHD_ERR_NOT_FOUND)
			why = RSN_BAD_CODE;
		else if (r != 0)
			goto fail;
	}
	/* The confirming code counts as used: it cannot log in afterwards. */
	if (why == RSN_OK &&
	    (r = store_token_update(st, rq->user, "active", step)) != 0)
		goto fail;
	if ((r = req_audit(rq, "confirm", why == RSN_OK ? "ok" : "deny", why,
	    NULL)) != 0)
		goto fail;
	if ((r = store_commit(st)) != 0)
		goto fail_committed;
	token_clear(&t);
	log_notice("confirm user=%s by %s: %s", rq->user, rq->actor,
	    reason_str(why));
	return reply_set(reply, why == RSN_OK ? PROTO_S_ALLOW : PROTO_S_DENY,
	    why, why == RSN_OK ? "token active" : why == RSN_EXISTS ?
	    "token is already active" : why == RSN_NO_TOKEN ?
	    "no pending token" : "code not accepted");
 fail:
	store_rollback(st);
 fail_committed:
	token_clear(&t);
	log_err("confirm user=%s: %s", rq->user, authd_strerror(r));
	return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
}
