/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The code check's decision over the store (authd/authcore.c), without
 * root, slapd or a daemon: replay (a code's step must come after the last
 * accepted one), lockout escalation (threshold, doubling, cap, cleared by
 * a success), what a wrong password, a proof and an abandoned allow
 * count, and the factors a system asks for.  A stand-in for the seed
 * turns a code into its step: "000000" matches nothing, any other
 * six digits match the step they spell.
 */
#include <limits.h>
#include <string.h>

#include "authcore.h"
#include "check.h"
#include "tmpstore.h"

#define T0	INT64_C(1800000000000)	/* ms */
#define THRESH	3
#define LTIME	60
#define LMAX	240

static struct config cfg;

/* What the stand-ins saw; what the dummy answers. */
static int nmatch, ndummy, dummy_err;

static int
fake_match(void *arg, const char *user, const struct token *t,
    const char *code, time_t now, int64_t *step)
{
	(void)arg;
	(void)user;
	(void)t;
	(void)now;
	nmatch++;
	*step = -1;
	if (strcmp(code, "000000") == 0)
		return AUTHD_ERR_NOT_FOUND;
	*step = strtoll(code, NULL, 10);
	return 0;
}

static int
fake_dummy(void *arg, const char *code, time_t now)
{
	(void)arg;
	(void)code;
	(void)now;
	ndummy++;
	return dummy_err;
}

/* A check of `code` by `user` at `now_ms`, on a system asking a code. */
static void
in_init(struct authcore_in *in, const char *user, const char *code,
    int64_t now_ms)
{
	memset(in, 0, sizeof(*in));
	in->user = user;
	in->code = code;
	in->pre = RSN_OK;
	in->mfa = POL_MFA_REQUIRED;
	in->need = POL_F_TOTP;
	in->now = (time_t)(now_ms / 1000);
	in->now_ms = now_ms;
	in->match = fake_match;
	in->dummy = fake_dummy;
}

/* Checks and settles; returns the reason.  Exactly one of the stand-ins
 * runs per check, so that every answer costs the same. */
static enum reason
login(struct store *st, struct authcore_in *in, struct authcore_out *out)
{
	int before = nmatch + ndummy;

	CHECK_OK(authcore_check(st, in, out));
	CHECK_INT_EQ(nmatch + ndummy, before + 1);
	CHECK_OK(authcore_settle(st, &cfg, in, out));
	return out->why;
}

static enum reason
try_code(struct store *st, const char *user, const char *code, int64_t now,
    struct authcore_out *out)
{
	struct authcore_in in;

	in_init(&in, user, code, now);
	return login(st, &in, out);
}

static void
enroll(struct store *st, const char *user, const char *state, int64_t step)
{
	uint8_t sealed[8] = "sealed!";
	struct token t;

	memset(&t, 0, sizeof(t));
	snprintf(t.state, sizeof(t.state), "%s", state);
	t.sealed = sealed;
	t.sealed_len = sizeof(sealed);
	t.last_step = step;
	CHECK_OK(store_token_put(st, user, &t));
}

static int64_t
last_step(struct store *st, const char *user)
{
	struct token t;
	int64_t s = -1;

	if (store_token_get(st, user, &t) == 0)
		s = t.last_step;
	token_clear(&t);
	return s;
}

static void
test_replay(struct store *st)
{
	struct authcore_out out;

	enroll(st, "anna", "active", 0);
	CHECK_INT_EQ(try_code(st, "anna", "000100", T0, &out), RSN_OK);
	CHECK_INT_EQ(out.step, 100);
	CHECK_INT_EQ(last_step(st, "anna"), 100);
	/* The same step again, and an older one: refused, and counted. */
	CHECK_INT_EQ(try_code(st, "anna", "000100", T0, &out), RSN_REPLAY);
	CHECK_STR_HAS(out.detail, "step 100 already used");
	CHECK_INT_EQ(out.lo.failures, 1);
	CHECK_INT_EQ(try_code(st, "anna", "000099", T0, &out), RSN_REPLAY);
	CHECK_INT_EQ(out.lo.failures, 2);
	CHECK_INT_EQ(last_step(st, "anna"), 100);
	/* The next step is good, and forgives the failures. */
	CHECK_INT_EQ(try_code(st, "anna", "000101", T0, &out), RSN_OK);
	CHECK_INT_EQ(last_step(st, "anna"), 101);
	CHECK_OK(store_lockout_get(st, "anna", &out.lo));
	CHECK_INT_EQ(out.lo.failures, 0);
	CHECK_INT_EQ(out.lo.lock_count, 0);
}

/* THRESH wrong codes at `now`; the last one starts a lockout. */
static void
fail_to_lock(struct store *st, const char *user, int64_t now,
    int64_t want_secs, int64_t want_count)
{
	struct authcore_out out;
	int i;

	for (i = 0; i < THRESH; i++) {
		CHECK_INT_EQ(try_code(st, user, "000000", now, &out),
		    RSN_BAD_CODE);
		CHECK_INT_EQ(out.locked_now, i == THRESH - 1);
	}
	CHECK_INT_EQ(out.lock_secs, want_secs);
	CHECK_INT_EQ(out.lo.lock_count, want_count);
	CHECK_INT_EQ(out.lo.locked_until_ms, now + want_secs * 1000);
	CHECK_INT_EQ(out.lo.failures, 0);
}

static void
test_lockout(struct store *st)
{
	struct authcore_out out;
	struct lockout lo;
	int64_t now = T0;

	enroll(st, "bertil", "active", 0);
	fail_to_lock(st, "bertil", now, LTIME, 1);
	/* Locked: even the right code is refused, without being looked at. */
	nmatch = 0;
	CHECK_INT_EQ(try_code(st, "bertil", "000500", now + 1000, &out),
	    RSN_LOCKED);
	CHECK_INT_EQ(nmatch, 0);
	CHECK_STR_EQ(out.detail, "locked for 59 s more");
	CHECK_INT_EQ(last_step(st, "bertil"), 0);
	/* Refusals while locked count nothing more. */
	CHECK_OK(store_lockout_get(st, "bertil", &lo));
	CHECK_INT_EQ(lo.failures, 0);
	CHECK_INT_EQ(lo.lock_count, 1);
	/* Each lockout in a row doubles, up to the cap. */
	now += LTIME * 1000;
	fail_to_lock(st, "bertil", now, 2 * LTIME, 2);
	now += 2 * LTIME * 1000;
	fail_to_lock(st, "bertil", now, LMAX, 3);
	now += LMAX * 1000;
	fail_to_lock(st, "bertil", now, LMAX, 4);
	/* The last millisecond of a lockout is still locked. */
	now += LMAX * 1000;
	CHECK_INT_EQ(try_code(st, "bertil", "000600", now - 1, &out),
	    RSN_LOCKED);
	/* A success clears it all: the next lockout is the first again. */
	CHECK_INT_EQ(try_code(st, "bertil", "000600", now, &out), RSN_OK);
	CHECK_OK(store_lockout_get(st, "bertil", &lo));
	CHECK(lo.failures == 0 && lo.lock_count == 0 &&
	    lo.locked_until_ms == 0);
	fail_to_lock(st, "bertil", now, LTIME, 1);
}

static void
test_lockout_secs(void)
{
	struct config c = cfg;

	CHECK_INT_EQ(authcore_lockout_secs(&c, 0), LTIME);
	CHECK_INT_EQ(authcore_lockout_secs(&c, 1), LTIME);
	CHECK_INT_EQ(authcore_lockout_secs(&c, 2), 2 * LTIME);
	CHECK_INT_EQ(authcore_lockout_secs(&c, 3), LMAX);
	CHECK_INT_EQ(authcore_lockout_secs(&c, INT_MAX), LMAX);
	CHECK_INT_EQ(authcore_lockout_secs(&c, (int64_t)INT_MAX + 1), LMAX);
	CHECK_INT_EQ(authcore_lockout_secs(&c, INT64_MAX), LMAX);
	/* A cap below the first lockout wins. */
	c.lockout_time = 600;
	CHECK_INT_EQ(authcore_lockout_secs(&c, 1), LMAX);
}

/*
 * Random logins against a model of the rules: wrong and right codes,
 * replays, time passing; the answer and the counters must be the model's.
 */
static void
test_random(struct store *st)
{
	struct authcore_out out;
	struct lockout lo;
	int64_t now = T0, step = 1000, failures = 0, count = 0, until = 0;
	enum reason want;
	char code[24];
	int i, kind;

	check_rand_init();
	enroll(st, "cecilia", "active", step);
	for (i = 0; i < 2000; i++) {
		now += (int64_t)check_rand_n(90) * 1000;
		kind = (int)check_rand_n(3);
		if (kind == 0)
			snprintf(code, sizeof(code), "000000");
		else if (kind == 1)
			snprintf(code, sizeof(code), "%06lld",
			    (long long)(step - (int64_t)check_rand_n(3)));
		else
			snprintf(code, sizeof(code), "%06lld",
			    (long long)(step + 1));
		if (until > now)
			want = RSN_LOCKED;
		else
			want = kind == 0 ? RSN_BAD_CODE : kind == 1 ?
			    RSN_REPLAY : RSN_OK;
		CHECK_INT_EQ(try_code(st, "cecilia", code, now, &out), want);
		if (want == RSN_OK) {
			step++;
			failures = count = 0;
		} else if (want != RSN_LOCKED && ++failures >= THRESH) {
			count++;
			until = now + authcore_lockout_secs(&cfg, count) *
			    1000;
			failures = 0;
		}
		CHECK_OK(store_lockout_get(st, "cecilia", &lo));
		CHECK_INT_EQ(lo.failures, failures);
		CHECK_INT_EQ(lo.lock_count, count);
		CHECK_INT_EQ(last_step(st, "cecilia"), step);
	}
}

static void
test_pre(struct store *st)
{
	struct authcore_in in;
	struct authcore_out out;

	enroll(st, "david", "active", 0);
	/* A wrong password answers as itself and counts, code unseen. */
	in_init(&in, "david", "000700", T0);
	in.pre = RSN_BAD_PASSWORD;
	nmatch = 0;
	CHECK_INT_EQ(login(st, &in, &out), RSN_BAD_PASSWORD);
	CHECK_INT_EQ(nmatch, 0);
	CHECK_INT_EQ(out.lo.failures, 1);
	CHECK_INT_EQ(last_step(st, "david"), 0);
	/* An unknown user or a disabled account costs no count. */
	in.pre = RSN_UNKNOWN_USER;
	in.pre_detail = "not in the directory";
	CHECK_INT_EQ(login(st, &in, &out), RSN_UNKNOWN_USER);
	CHECK_STR_EQ(out.detail, "not in the directory");
	in.pre = RSN_ACCOUNT_DISABLED;
	CHECK_INT_EQ(login(st, &in, &out), RSN_ACCOUNT_DISABLED);
	CHECK_INT_EQ(out.lo.failures, 1);
	/* Wrong passwords lock out like wrong codes; locked answers first. */
	in.pre = RSN_BAD_PASSWORD;
	in.pre_detail = NULL;
	CHECK_INT_EQ(login(st, &in, &out), RSN_BAD_PASSWORD);
	CHECK_INT_EQ(login(st, &in, &out), RSN_BAD_PASSWORD);
	CHECK(out.locked_now);
	in.pre = RSN_UNKNOWN_USER;
	in.pre_detail = "not in the directory";
	CHECK_INT_EQ(login(st, &in, &out), RSN_LOCKED);
	CHECK_STR_EQ(out.detail, "");
}

static void
test_factors(struct store *st)
{
	struct authcore_in in;
	struct authcore_out out;

	/* No factor asked of authd: never an allow. */
	in_init(&in, "erik", "", T0);
	in.need = 0;
	CHECK_INT_EQ(login(st, &in, &out), RSN_NO_TOKEN);
	CHECK_INT_EQ(out.ignored, 0);
	/* mfa optional, no token: left to the rest of the stack. */
	in.mfa = POL_MFA_OPTIONAL;
	CHECK_INT_EQ(login(st, &in, &out), RSN_NO_TOKEN);
	CHECK_INT_EQ(out.ignored, 1);
	CHECK_STR_HAS(out.detail, "mfa optional and no token");
	/* mfa optional with an active token: the code is asked. */
	enroll(st, "erik", "active", 0);
	in.code = "000010";
	CHECK_INT_EQ(login(st, &in, &out), RSN_OK);
	CHECK_U64_EQ(out.need, POL_F_TOTP);
	CHECK_INT_EQ(last_step(st, "erik"), 10);
	/* Only the (checked) password: allowed, no code looked at. */
	in_init(&in, "erik", "", T0);
	in.need = POL_F_PASSWORD;
	nmatch = 0;
	CHECK_INT_EQ(login(st, &in, &out), RSN_OK);
	CHECK_INT_EQ(nmatch, 0);
	/* No token, a pending one, a malformed code (which counts). */
	CHECK_INT_EQ(try_code(st, "frida", "000011", T0, &out), RSN_NO_TOKEN);
	CHECK_INT_EQ(out.lo.failures, 0);
	enroll(st, "frida", "pending", 0);
	CHECK_INT_EQ(try_code(st, "frida", "000011", T0, &out),
	    RSN_TOKEN_PENDING);
	enroll(st, "frida", "active", 0);
	CHECK_INT_EQ(try_code(st, "frida", "12a456", T0, &out),
	    RSN_BAD_FORMAT);
	CHECK_INT_EQ(try_code(st, "frida", "1234567", T0, &out),
	    RSN_BAD_FORMAT);
	CHECK_INT_EQ(out.lo.failures, 2);
}

static void
test_proof_and_abandon(struct store *st)
{
	struct authcore_in in;
	struct authcore_out out;
	int i;

	enroll(st, "gustav", "active", 0);
	/* A proof never counts toward the lockout... */
	in_init(&in, "gustav", "000000", T0);
	in.proof = 1;
	for (i = 0; i < 2 * THRESH; i++)
		CHECK_INT_EQ(login(st, &in, &out), RSN_BAD_CODE);
	CHECK_OK(store_lockout_get(st, "gustav", &out.lo));
	CHECK_INT_EQ(out.lo.failures, 0);
	/* ...but uses its code up, and forgives nothing. */
	CHECK_INT_EQ(try_code(st, "gustav", "000000", T0, &out), RSN_BAD_CODE);
	in.code = "000020";
	CHECK_INT_EQ(login(st, &in, &out), RSN_OK);
	CHECK_INT_EQ(last_step(st, "gustav"), 20);
	CHECK_OK(store_lockout_get(st, "gustav", &out.lo));
	CHECK_INT_EQ(out.lo.failures, 1);
	CHECK_INT_EQ(try_code(st, "gustav", "000020", T0, &out), RSN_REPLAY);

	/* An allow nobody can receive: the code is used up, nothing more. */
	in_init(&in, "gustav", "000021", T0);
	CHECK_OK(authcore_check(st, &in, &out));
	CHECK_INT_EQ(out.why, RSN_OK);
	CHECK_OK(authcore_abandon(st, &in, &out));
	CHECK_INT_EQ(out.why, RSN_DEADLINE);
	CHECK_INT_EQ(last_step(st, "gustav"), 21);
	CHECK_OK(store_lockout_get(st, "gustav", &out.lo));
	CHECK_INT_EQ(out.lo.failures, 2);
	CHECK_INT_EQ(try_code(st, "gustav", "000021", T0, &out), RSN_REPLAY);
}

/* When the stand-in work cannot be done, nothing is decided. */
static void
test_dummy_fails(struct store *st)
{
	struct authcore_in in;
	struct authcore_out out;

	dummy_err = AUTHD_ERR_SYSTEM;
	in_init(&in, "nobody", "000040", T0);
	CHECK_ERR(authcore_check(st, &in, &out), AUTHD_ERR_SYSTEM);
	in.pre = RSN_BAD_PASSWORD;
	CHECK_ERR(authcore_check(st, &in, &out), AUTHD_ERR_SYSTEM);
	dummy_err = 0;
	CHECK_OK(store_lockout_get(st, "nobody", &out.lo));
	CHECK_INT_EQ(out.lo.failures, 0);
}

/* The writer's transaction: a job undone leaves no trace. */
static void
test_savepoint(struct store *st)
{
	struct authcore_out out;
	struct lockout lo;

	enroll(st, "helga", "active", 0);
	CHECK_OK(store_begin(st));
	CHECK_OK(store_savepoint(st));
	CHECK_INT_EQ(try_code(st, "helga", "000030", T0, &out), RSN_OK);
	CHECK_OK(store_savepoint_release(st));
	CHECK_OK(store_savepoint(st));
	CHECK_INT_EQ(try_code(st, "helga", "000000", T0, &out), RSN_BAD_CODE);
	CHECK_OK(store_savepoint_undo(st));
	CHECK_OK(store_savepoint_release(st));
	CHECK_OK(store_commit(st));
	CHECK_INT_EQ(last_step(st, "helga"), 30);
	CHECK_OK(store_lockout_get(st, "helga", &lo));
	CHECK_INT_EQ(lo.failures, 0);
	/* A rolled back transaction changes nothing. */
	CHECK_OK(store_begin(st));
	CHECK_INT_EQ(try_code(st, "helga", "000031", T0, &out), RSN_OK);
	store_rollback(st);
	CHECK_INT_EQ(last_step(st, "helga"), 30);
}

int
main(void)
{
	struct tmpstore t;
	struct store *st;

	memset(&cfg, 0, sizeof(cfg));
	cfg.lockout_threshold = THRESH;
	cfg.lockout_time = LTIME;
	cfg.lockout_max = LMAX;
	st = tmpstore_open(&t, "test_authcore");
	test_replay(st);
	test_lockout(st);
	test_lockout_secs();
	test_random(st);
	test_pre(st);
	test_factors(st);
	test_proof_and_abandon(st);
	test_dummy_fails(st);
	test_savepoint(st);
	tmpstore_close(&t);
	return check_done("test_authcore");
}
