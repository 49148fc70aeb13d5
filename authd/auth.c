/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One-time code verification: the TOTP check, replay protection and
 * lockout, all under one BEGIN IMMEDIATE transaction together with the
 * audit record, so two logins with the same code cannot both succeed and
 * no decision is answered before it is written down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "authcore.h"
#include "authd.h"
#include "authd_err.h"
#include "keeper.h"
#include "keeper_msg.h"
#include "log.h"
#include "subject.h"
#include "util.h"
#include "writer.h"


/*
 * Looks for the code in the user's token: the key keeper opens the seed
 * and checks it (keeper.h); the seed never enters this process.  Returns
 * 0 with *step set, AUTHD_ERR_NOT_FOUND for no match, or another error.
 */
static int
match_token(struct authd *ad, const char *user, const struct token *t,
    const char *code, int64_t *step)
{
	int r;

	r = keeper_verify(ad->keeper, user, t->sealed, t->sealed_len, code,
	    step);
	if (r == AUTHD_ERR_CRYPTO)
		log_err("token of %s does not open (wrong key or modified)",
		    user);
	return r;
}

/*
 * The same work as a real check, for users who cannot pass anyway, so the
 * answer's timing does not tell them apart (no user enumeration): the
 * keeper opens a sealed seed of nobody's and checks the code against it.
 * Returns 0, or an error when the keeper is gone.
 */
static int
dummy_match(struct authd *ad, const char *code)
{
	return keeper_dummy(ad->keeper, code);
}

/* One code check, run by the writer inside its transaction. */
struct auth_job {
	struct req	*rq;
	const char	*code;
	enum reason	 pre;		/* decided before: unknown system,
					   unknown user, disabled or expired
					   account, wrong password,
					   directory down */
	char		 detail_pre[96];	/* what decided it, in words */
	const char	*password;
	enum pol_mfa	 mfa;
	unsigned	 need;		/* POL_F_* the system requires */
	char		 used[32];	/* factors checked, for the record */
	time_t		 now;
	int64_t		 now_ms;
	enum reason	 why;
	int		 locked_now;
	int64_t		 lock_count;
	char		 detail[128];
	int		 proof;		/* auth_prove: no lockout counting */
	int		 ignored;	/* authd checked nothing: PAM_IGNORE */
	/* The account decision asked for with the code (PROTO_A_ACCOUNT). */
	const struct access_outcome *acc;
	int		 acc_done;	/* written down with the allow */
	/*
	 * The key keeper's answer, asked before the transaction (auth_ask)
	 * so that its round trip never holds the writer: for the sealed
	 * seed copied here, or (ask_sealed_len 0) a dummy check.
	 */
	int		 asked;
	int		 ask_r;		/* keeper_verify's or keeper_dummy's */
	int64_t		 ask_step;
	uint8_t		 ask_sealed[KEEPER_SEALED_MAX];
	size_t		 ask_sealed_len;
};

/* An answer that is not about the code: the keeper is gone. */
static int
keeper_failed(int r)
{
	return r != 0 && r != AUTHD_ERR_NOT_FOUND && r != AUTHD_ERR_CRYPTO;
}

/*
 * Before the transaction: the keeper checks the code against the token
 * as it is now, or does the dummy check for a user who has no active
 * token or a malformed code, one round trip either way.  auth_tx uses the
 * answer only if the token it reads under its lock is still the one
 * asked about (else it asks again); the replay check against the last
 * step stays inside the transaction.
 */
static void
auth_ask(struct req *rq, struct auth_job *j)
{
	struct authd *ad = rq->w->ad;
	struct token t;

	memset(&t, 0, sizeof(t));
	j->asked = 1;
	j->ask_sealed_len = 0;
	if (j->pre == RSN_OK && totp_code_wellformed(j->code, TOTP_DIGITS) &&
	    store_token_get(rq->w->st, rq->user, &t) == 0 &&
	    strcmp(t.state, "active") == 0 && t.sealed_len > 0 &&
	    t.sealed_len <= sizeof(j->ask_sealed)) {
		memcpy(j->ask_sealed, t.sealed, t.sealed_len);
		j->ask_sealed_len = t.sealed_len;
		j->ask_r = match_token(ad, rq->user, &t, j->code,
		    &j->ask_step);
	} else
		j->ask_r = dummy_match(ad, j->code);
	token_clear(&t);
}

/*
 * authcore's look for the code (arg: the auth_job): the keeper's answer
 * from before the transaction when it was about this very token, else
 * the keeper asked now.
 */
static int
core_match(void *arg, const char *user, const struct token *t,
    const char *code, time_t now, int64_t *step)
{
	struct auth_job *j = arg;

	(void)now;	/* the keeper reads its own clock */
	if (j->asked && j->ask_sealed_len > 0 &&
	    j->ask_sealed_len == t->sealed_len &&
	    memcmp(j->ask_sealed, t->sealed, t->sealed_len) == 0) {
		*step = j->ask_step;
		return j->ask_r;
	}
	return match_token(j->rq->w->ad, user, t, code, step);
}

/*
 * authcore's stand-in work (arg: the auth_job): the keeper did as much
 * before for whoever cannot pass; without the keeper authd decides
 * nothing.
 */
static int
core_dummy(void *arg, const char *code, time_t now)
{
	struct auth_job *j = arg;

	(void)now;
	if (j->asked)
		return keeper_failed(j->ask_r) ? j->ask_r : 0;
	return dummy_match(j->rq->w->ad, code);
}

static int
auth_tx(struct wtx *tx, void *arg)
{
	struct auth_job *j = arg;
	struct req_cite cite = { NULL, NULL, j->used };
	struct req *rq = j->rq;
	struct authd *ad = rq->w->ad;
	const struct config *c = ad->cfg;
	struct authcore_in in;
	struct authcore_out out;
	int64_t late;
	int r;

	j->why = RSN_OK;
	j->locked_now = 0;
	j->detail[0] = '\0';
	memset(&in, 0, sizeof(in));
	in.user = rq->user;
	in.code = j->code;
	in.pre = j->pre;
	in.pre_detail = j->detail_pre;
	in.mfa = j->mfa;
	in.need = j->need;
	in.now = j->now;
	in.now_ms = j->now_ms;
	in.proof = j->proof;
	in.match = core_match;
	in.dummy = core_dummy;
	in.arg = j;
	if ((r = authcore_check(tx->st, &in, &out)) != 0)
		return r;
	j->need = out.need;
	j->ignored = out.ignored;
	policy_factors_str(j->need, j->used, sizeof(j->used));

	/*
	 * SECURITY NOTE: an allow the client can no longer receive is not
	 * committed: the trail would show a login that nobody got.  The
	 * code is used up all the same (it was seen once).
	 */
	if (out.why == RSN_OK && (late = req_late_ms(rq)) > 0) {
		if ((r = authcore_abandon(tx->st, &in, &out)) != 0)
			return r;
		j->why = out.why;
		snprintf(j->detail, sizeof(j->detail), "abandoned: the client's "
		    "deadline passed %lld ms before the commit; the code was "
		    "right and is used up", (long long)late);
		return req_audit(tx, rq, "auth", "abandoned", j->why, j->detail,
		    &cite);
	}
	if ((r = authcore_settle(tx->st, c, &in, &out)) != 0)
		return r;
	j->why = out.why;
	j->locked_now = out.locked_now;
	j->lock_count = out.lo.lock_count;
	snprintf(j->detail, sizeof(j->detail), "%s", out.detail);
	if ((r = req_audit(tx, rq, "auth", j->why == RSN_OK ? "allow" :
	    j->ignored ? "ignore" : "deny", j->why, j->detail[0] ? j->detail :
	    NULL, &cite)) != 0)
		return r;
	if (j->locked_now) {
		snprintf(j->detail, sizeof(j->detail), "lockout %lld: %lld s "
		    "after %lld failed codes", (long long)out.lo.lock_count,
		    (long long)out.lock_secs,
		    (long long)c->lockout_threshold);
		if ((r = req_audit(tx, rq, "lockout", "deny",
		    RSN_LOCKOUT_START, j->detail, NULL)) != 0)
			return r;
	}
	/*
	 * The account decision the module asked for with the code: written
	 * in the same transaction, so that a login costs one commit.  Only
	 * after an allow: a failed login has no account phase.
	 */
	if (j->why == RSN_OK && j->acc != NULL &&
	    (r = access_record(tx, rq, j->acc)) == 0)
		j->acc_done = 1;
	return r;
}

static void check_password(struct req *, const struct subject *,
    struct auth_job *);

/*
 * Before the transaction: the system's factors from the policy, and the
 * directory password when the system asks for one (an LDAP bind, which
 * must not hold the writer).
 */
static void
auth_prepare(struct req *rq, struct auth_job *j)
{
	struct authd *ad = rq->w->ad;
	const struct pol_system *sys;
	const struct policy *p;
	struct polref *ref;
	struct subject sj;

	p = pol_hold(ad, &ref);
	snprintf(rq->policy_version, sizeof(rq->policy_version), "%s",
	    policy_version(p));
	if ((sys = policy_system_resolve(p, rq->system, rq->service)) ==
	    NULL) {
		j->pre = RSN_UNKNOWN_SYSTEM;
		j->need = POL_F_TOTP;
		pol_release(ad, ref);
		return;
	}
	if (rq->system == NULL) {
		snprintf(rq->sysname, sizeof(rq->sysname), "%s", sys->name);
		rq->system = rq->sysname;
	}
	j->mfa = sys->mfa;
	/* For "optional" the transaction adds TOTP if there is a token. */
	j->need = policy_factors(p, sys, 0, NULL);
	/*
	 * Who the user is decides first: an unknown user, or an account
	 * the directory disables or has expired, is denied with that reason
	 * whatever they typed (the person at the prompt sees the same
	 * answer as for a wrong code), and costs no bind and no count.
	 */
	subject_resolve(rq, p, rq->user, j->now, &sj);
	if ((j->pre = subject_refusal(&sj)) != RSN_OK) {
		snprintf(j->detail_pre, sizeof(j->detail_pre), "%s",
		    sj.why[0] ? sj.why : sj.dirinfo);
	} else
		check_password(rq, &sj, j);
	subject_release(&sj);
	pol_release(ad, ref);
}

/*
 * The directory password, when `j` needs it: sets j->pre on failure.
 * `sj` is the user, resolved (RSN_OK or the directory unavailable).
 */
static void
check_password(struct req *rq, const struct subject *sj, struct auth_job *j)
{
	struct lockout lo;
	const char *pw = j->password;
	int r;

	if (!(j->need & POL_F_PASSWORD))
		return;
	/* SECURITY NOTE: an empty password is never sent to a bind. */
	if (pw == NULL || pw[0] == '\0')
		j->pre = RSN_BAD_PASSWORD;
	else if (sj->state != RSN_OK || sj->e == NULL || sj->e->pu.dn == NULL)
		j->pre = RSN_DIRECTORY_UNAVAILABLE;
	/*
	 * SECURITY NOTE: a locked user costs the directory nothing: no bind
	 * that a directory-side password policy would count against them.
	 * The transaction answers "locked".
	 */
	else if (store_lockout_get(rq->w->st, rq->user, &lo) == 0 &&
	    lo.locked_until_ms > j->now_ms)
		return;
	else if ((r = dir_check_password(rq->w->dir, sj->e->pu.dn, pw)) != 0)
		j->pre = r == AUTHD_ERR_PERM ? RSN_BAD_PASSWORD :
		    RSN_DIRECTORY_UNAVAILABLE;
}

/*
 * Every decision reaches syslog as its audit copy (writer.c); this log
 * repeats a code check only for debugging, so that a login costs one
 * line, and says when it started a lockout.
 */
static void
auth_log(const struct req *rq, const struct auth_job *j)
{
	log_debug("auth %s user=%s system=%s service=%s factors=%s: %s",
	    j->why == RSN_OK ? "allow" : "deny", rq->user, rq->system ?
	    rq->system : "-", rq->service, j->used, reason_str(j->why));
	if (j->locked_now)
		log_notice("user=%s locked out after repeated failures",
		    rq->user);
}

/* A login waiting for its transaction: the code's, the account's. */
struct auth_pending {
	struct auth_job		j;
	struct access_outcome	acc;
};

/* Fills the reply once the transaction is durable (result 0), or not. */
static int
auth_reply(struct req *rq, struct auth_pending *p, int result)
{
	struct proto_msg *reply = rq->reply;
	struct auth_job *j = &p->j;
	int r;

	if (result != 0) {
		log_err("auth user=%s: %s", rq->user, authd_strerror(result));
		return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
	}
	auth_log(rq, j);
	/*
	 * The client hears only allow or deny; the reason travels too, for
	 * the PAM module's log line, never for the user's screen.
	 */
	if (j->acc_done && ((r = proto_add_u64(reply, PROTO_A_ACCOUNT,
	    p->acc.ar.d.allow ? PROTO_S_ALLOW : PROTO_S_DENY)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_ACCOUNT_REASON,
	    reason_str(p->acc.ar.d.reason))) != 0))
		return r;
	/* FACTORS "none": authd checked nothing, the stack decides. */
	if (j->ignored && (r = proto_add_str(reply, PROTO_A_FACTORS,
	    "none")) != 0)
		return r;
	return reply_set(reply, j->why == RSN_OK ? PROTO_S_ALLOW :
	    PROTO_S_DENY, j->why, NULL);
}

static void
auth_finish(void *arg, int result)
{
	struct auth_pending *p = arg;
	struct req *rq = p->j.rq;
	int r;

	r = auth_reply(rq, p, result);
	secure_free(p, sizeof(*p));
	req_finish(rq, r);
}

/*
 * The password is checked and the account decided here; the code is
 * checked and the token updated in the writer's transaction, whose
 * committing thread then sends the reply (req_defer).
 */
int
auth_handle(struct req *rq, struct proto_msg *reply)
{
	struct auth_pending *p;
	struct auth_job *j;
	uint64_t want = 0;

	/* A malformed request costs no bind and no lockout count. */
	if (proto_get_u64(rq->m, PROTO_A_ACCOUNT, &want) == 0 && want != 1)
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "ACCOUNT must be 1");
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return AUTHD_ERR_NOMEM;
	j = &p->j;
	j->rq = rq;
	j->code = proto_str(rq->m, PROTO_A_CODE, "");
	j->password = proto_str(rq->m, PROTO_A_PASSWORD, NULL);
	j->now = time(NULL);
	j->now_ms = wall_ms();
	auth_prepare(rq, j);
	/* Decided already (unknown system, password): no account phase. */
	if (want == 1 && j->pre == RSN_OK) {
		access_prepare(rq, &p->acc);
		j->acc = &p->acc;
	}
	auth_ask(rq, j);
	return req_defer(rq, auth_tx, auth_finish, p);
}

int
auth_prove(struct req *rq, const char *pw, const char *code,
    enum reason *why)
{
	struct auth_job j;
	const struct policy *p;
	struct polref *ref;
	struct subject sj;
	unsigned long held = 0;
	char detail[160];
	int r;

	memset(&j, 0, sizeof(j));
	j.rq = rq;
	j.code = code != NULL ? code : "";
	j.password = pw;
	j.now = time(NULL);
	j.now_ms = wall_ms();
	j.mfa = POL_MFA_REQUIRED;
	j.need = POL_F_PASSWORD | POL_F_TOTP;
	p = pol_hold(rq->w->ad, &ref);
	subject_resolve(rq, p, rq->user, j.now, &sj);
	if ((j.pre = subject_refusal(&sj)) == RSN_OK)
		check_password(rq, &sj, &j);
	subject_release(&sj);
	pol_release(rq->w->ad, ref);
	j.proof = 1;
	/*
	 * SECURITY NOTE: names the directory does not know cost a record
	 * a minute per uid, not one each: no filling the disk with them.
	 */
	if (j.pre == RSN_UNKNOWN_USER) {
		if ((r = dummy_match(rq->w->ad, j.code)) != 0)
			return r;
		*why = j.why = RSN_UNKNOWN_USER;
		if (peer_refusal_due(rq->peer.uid, rq->admin,
		    REFUSE_PROOF_UNKNOWN, &held)) {
			snprintf(detail, sizeof(detail), "a proof in the name "
			    "of a user the directory does not know (and %lu "
			    "more from this uid in the last minute)", held);
			if ((r = req_audit_commit(rq, "auth", "deny",
			    RSN_UNKNOWN_USER, detail, NULL)) != 0)
				return r;
		}
		auth_log(rq, &j);
		return 0;
	}
	auth_ask(rq, &j);
	if ((r = writer_run(rq->w->ad->writer, auth_tx, &j)) != 0)
		return r;
	*why = j.why;
	auth_log(rq, &j);
	return 0;
}

struct confirm_job {
	struct req	*rq;
	const char	*code;
	enum reason	 why;
};

static int
confirm_tx(struct wtx *tx, void *arg)
{
	struct confirm_job *j = arg;
	struct req *rq = j->rq;
	struct token t;
	int64_t step = -1;
	int r;

	j->why = RSN_OK;
	memset(&t, 0, sizeof(t));
	r = store_token_get(tx->st, rq->user, &t);
	if (r == AUTHD_ERR_NOT_FOUND)
		j->why = RSN_NO_TOKEN;
	else if (r != 0)
		goto out;
	else if (strcmp(t.state, "pending") != 0)
		j->why = RSN_EXISTS;
	else if (!totp_code_wellformed(j->code, TOTP_DIGITS))
		j->why = RSN_BAD_FORMAT;
	else {
		r = match_token(rq->w->ad, rq->user, &t, j->code, &step);
		if (r == AUTHD_ERR_NOT_FOUND)
			j->why = RSN_BAD_CODE;
		else if (r != 0)
			goto out;
	}
	/* The confirming code counts as used: it cannot log in afterwards. */
	if (j->why == RSN_OK &&
	    (r = store_token_update(tx->st, rq->user, "active", step)) != 0)
		goto out;
	r = req_audit(tx, rq, "confirm", j->why == RSN_OK ? "ok" : "deny",
	    j->why, NULL, NULL);
 out:
	token_clear(&t);
	return r;
}

int
auth_confirm(struct req *rq, struct proto_msg *reply)
{
	struct confirm_job j = { rq, proto_str(rq->m, PROTO_A_CODE, ""),
	    RSN_OK };
	int r;

	if ((r = writer_run(rq->w->ad->writer, confirm_tx, &j)) != 0) {
		log_err("confirm user=%s: %s", rq->user, authd_strerror(r));
		return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
	}
	log_notice("confirm user=%s by %s: %s", rq->user, rq->actor,
	    reason_str(j.why));
	return reply_set(reply, j.why == RSN_OK ? PROTO_S_ALLOW : PROTO_S_DENY,
	    j.why, j.why == RSN_OK ? "token active" : j.why == RSN_EXISTS ?
	    "token is already active" : j.why == RSN_NO_TOKEN ?
	    "no pending token" : "code not accepted");
}
