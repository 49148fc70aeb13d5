/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The code check's decision over the store (authcore.h): replay and
 * lockout, with no request, socket or key in sight.
 */
#include <stdio.h>
#include <string.h>

#include "authcore.h"
#include "authd_err.h"
#include "totp.h"

int64_t
authcore_lockout_secs(const struct config *c, int64_t n)
{
	int64_t d = c->lockout_time;

	while (--n > 0 && d < c->lockout_max)
		d *= 2;
	return d < c->lockout_max ? d : c->lockout_max;
}

int
authcore_check(struct store *st, const struct authcore_in *in,
    struct authcore_out *out)
{
	struct token t;
	int r, have_token, dummy = 1;

	memset(out, 0, sizeof(*out));
	out->why = RSN_OK;
	out->step = -1;
	out->need = in->need;
	r = store_token_get(st, in->user, &t);
	if (r != 0 && r != AUTHD_ERR_NOT_FOUND)
		goto out;
	have_token = (r == 0);
	if ((r = store_lockout_get(st, in->user, &out->lo)) != 0)
		goto out;
	/* "mfa optional": the code is asked of users who have a token. */
	if (in->mfa == POL_MFA_OPTIONAL && have_token &&
	    strcmp(t.state, "active") == 0)
		out->need |= POL_F_TOTP;

	if (in->pre != RSN_OK) {
		/*
		 * SECURITY NOTE: a wrong password costs what a wrong code
		 * costs, answers the same, and counts toward the lockout.
		 */
		out->why = out->lo.locked_until_ms > in->now_ms ? RSN_LOCKED :
		    in->pre;
		if (out->why == in->pre && in->pre_detail != NULL &&
		    in->pre_detail[0] != '\0')
			snprintf(out->detail, sizeof(out->detail), "%s",
			    in->pre_detail);
	} else if (out->lo.locked_until_ms > in->now_ms) {
		out->why = RSN_LOCKED;
		snprintf(out->detail, sizeof(out->detail), "locked for %lld s "
		    "more", (long long)((out->lo.locked_until_ms - in->now_ms +
		    999) / 1000));
	} else if (out->need == 0) {
		/*
		 * Nothing for authd to check: never an allow.  On an "mfa
		 * optional" system a user without a token is left to the rest
		 * of the PAM stack (the module returns PAM_IGNORE).
		 */
		out->why = RSN_NO_TOKEN;
		out->ignored = in->mfa == POL_MFA_OPTIONAL;
		snprintf(out->detail, sizeof(out->detail), "%s", out->ignored ?
		    "mfa optional and no token: left to the rest of the PAM "
		    "stack" : "the system requires no factor of authd");
	} else if (!(out->need & POL_F_TOTP)) {
		/* The password (checked before) was the only factor. */
	} else if (!have_token) {
		out->why = RSN_NO_TOKEN;
	} else if (strcmp(t.state, "active") != 0) {
		out->why = RSN_TOKEN_PENDING;
	} else if (!totp_code_wellformed(in->code, TOTP_DIGITS)) {
		out->why = RSN_BAD_FORMAT;
	} else {
		dummy = 0;
		r = in->match(in->arg, in->user, &t, in->code, in->now,
		    &out->step);
		if (r == AUTHD_ERR_NOT_FOUND) {
			out->why = RSN_BAD_CODE;
			out->step = -1;
		} else if (r != 0)
			goto out;
		else if (out->step <= t.last_step) {
			/* SECURITY NOTE: a code is good for one login only. */
			out->why = RSN_REPLAY;
			snprintf(out->detail, sizeof(out->detail), "step %lld "
			    "already used (last accepted %lld)",
			    (long long)out->step, (long long)t.last_step);
		}
	}
	/*
	 * SECURITY NOTE: whoever cannot pass costs the work of a real
	 * check all the same (no user enumeration by timing).
	 */
	r = dummy ? in->dummy(in->arg, in->code, in->now) : 0;
 out:
	token_clear(&t);
	return r;
}

/* The failures that count toward a lockout. */
static int
counts(enum reason why)
{
	return why == RSN_BAD_CODE || why == RSN_REPLAY ||
	    why == RSN_BAD_FORMAT || why == RSN_BAD_PASSWORD;
}

int
authcore_settle(struct store *st, const struct config *c,
    const struct authcore_in *in, struct authcore_out *out)
{
	struct lockout *lo = &out->lo;
	int r;

	out->locked_now = 0;
	if (in->proof) {
		/* SECURITY NOTE: a proof locks nobody out (proof.h). */
		if (out->why == RSN_OK && out->step >= 0)
			return store_token_update(st, in->user, "active",
			    out->step);
		return 0;
	}
	if (out->why == RSN_OK) {
		if (out->step >= 0 && (r = store_token_update(st, in->user,
		    "active", out->step)) != 0)
			return r;
		memset(lo, 0, sizeof(*lo));
		return store_lockout_clear(st, in->user);
	}
	if (!counts(out->why))
		return 0;
	if (++lo->failures >= c->lockout_threshold) {
		lo->lock_count++;
		out->lock_secs = authcore_lockout_secs(c, lo->lock_count);
		lo->locked_until_ms = in->now_ms + out->lock_secs * 1000;
		lo->failures = 0;
		out->locked_now = 1;
	}
	return store_lockout_put(st, in->user, lo);
}

int
authcore_abandon(struct store *st, const struct authcore_in *in,
    struct authcore_out *out)
{
	int r;

	if (out->step >= 0 && (r = store_token_update(st, in->user, "active",
	    out->step)) != 0)
		return r;
	out->why = RSN_DEADLINE;
	return 0;
}
