/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The key keeper (authd/keeper.c, keeper_proc.c, keeper_msg.c), a real
 * forked one: enrollment, codes checked against its clock, the dummy
 * check, checkpoint signatures that verify under the .pub file; every
 * message outside the set refused (unknown types, short, trailing, too
 * long fields, a record over KEEPER_MSG_MAX, an empty record) while the
 * keeper goes on answering; a killed keeper noticed and every call then
 * failing.  It also times one caller alone, and concurrent callers with
 * one channel (one pair behind a lock) and with one per caller, and
 * prints the three.
 *
 * As root the keeper runs as nobody with its chroot; otherwise as the
 * caller, as authd does when started as its own user.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <liboath/oath.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "keeper.h"
#include "keeper_msg.h"
#include "log.h"
#include "totp.h"
#include "util.h"

static char dir[] = "/tmp/keeper-test.XXXXXX";
static char seal_path[256], sign_path[256], pub_path[256];

static struct config
test_config(void)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	c.seal_key = seal_path;
	c.audit_key = sign_path;
	c.issuer = "Exempel kommun";
	c.node_name = "test-node";
	c.totp_window = 1;
	c.user = c.keeper_user = "nobody";
	return c;
}

/* The seed inside an otpauth:// URI; its length, or 0. */
static size_t
uri_seed(const char *uri, char *seed, size_t max)
{
	const char *p = strstr(uri, "secret="), *e;
	char b32[128];
	char *out = NULL;
	size_t len = 0;

	if (p == NULL)
		return 0;
	p += 7;
	e = strchr(p, '&');
	if (e == NULL || (size_t)(e - p) >= sizeof(b32))
		return 0;
	memcpy(b32, p, (size_t)(e - p));
	b32[e - p] = '\0';
	if (oath_base32_decode(b32, strlen(b32), &out, &len) != OATH_OK ||
	    len > max) {
		free(out);
		return 0;
	}
	memcpy(seed, out, len);
	explicit_bzero(out, len);
	free(out);
	return len;
}

/* Sends raw bytes; the reply's status, or -1 if there was no reply. */
static int
raw(struct keeper *kp, const void *req, size_t len, uint8_t *type)
{
	uint8_t rep[KEEPER_MSG_MAX];
	size_t replen = 0;

	if (keeper_call(kp, req, len, rep, &replen) != 0 || replen < 2)
		return -1;
	if (type != NULL)
		*type = rep[0];
	return rep[1];
}

static void
test_messages(struct keeper *kp)
{
	uint8_t *sealed = NULL, bad[KEEPER_SEALED_MAX], type = 9;
	uint8_t big[KEEPER_MSG_MAX + 64], req[KEEPER_MSG_MAX];
	char *uri = NULL, seed[64], code[16], code2[16];
	struct chain_checkpoint cp;
	struct chain_key *pub = NULL;
	size_t slen = 0, len, n;
	int64_t step;
	time_t now;

	/* --- the message set ------------------------------------------- */
	CHECK_INT_EQ(keeper_enroll(kp, "anna", &sealed, &slen, &uri), 0);
	CHECK(uri != NULL && strncmp(uri, "otpauth://totp/Exempel%20kommun:"
	    "anna?secret=", 44) == 0);
	CHECK(slen == SEAL_OVERHEAD + TOTP_SEED_LEN);
	n = uri != NULL ? uri_seed(uri, seed, sizeof(seed)) : 0;
	CHECK_INT_EQ(n, TOTP_SEED_LEN);
	now = time(NULL);
	if (now % TOTP_STEP >= TOTP_STEP - 2)
		sleep(3);	/* not across a step boundary */
	now = time(NULL);
	CHECK(totp_generate((uint8_t *)seed, n, now, TOTP_DIGITS, TOTP_STEP,
	    code) == 0);
	CHECK(totp_generate((uint8_t *)seed, n, now - 5 * TOTP_STEP,
	    TOTP_DIGITS, TOTP_STEP, code2) == 0);
	CHECK_INT_EQ(keeper_verify(kp, "anna", sealed, slen, code, &step), 0);
	CHECK_INT_EQ(step, now / TOTP_STEP);
	/* The keeper's clock and window: an old code is no code. */
	CHECK_INT_EQ(keeper_verify(kp, "anna", sealed, slen, code2, &step),
	    AUTHD_ERR_NOT_FOUND);
	CHECK_INT_EQ(keeper_verify(kp, "anna", sealed, slen, "12ab56", &step),
	    AUTHD_ERR_NOT_FOUND);
	CHECK_INT_EQ(keeper_verify(kp, "anna", sealed, slen,
	    "77777777777777777777777", &step), AUTHD_ERR_NOT_FOUND);
	/* Sealed for anna: it opens for nobody else, nor modified. */
	CHECK_INT_EQ(keeper_verify(kp, "bertil", sealed, slen, code, &step),
	    AUTHD_ERR_CRYPTO);
	memcpy(bad, sealed, slen);
	bad[slen - 1] ^= 1;
	CHECK_INT_EQ(keeper_verify(kp, "anna", bad, slen, code, &step),
	    AUTHD_ERR_CRYPTO);
	CHECK_INT_EQ(keeper_dummy(kp, code), 0);
	CHECK_INT_EQ(keeper_dummy(kp, ""), 0);

	memset(&cp, 0, sizeof(cp));
	cp.seq = 42;
	cp.time_ms = 1700000000000LL;
	memset(cp.hash, 0xab, sizeof(cp.hash));
	CHECK_INT_EQ(keeper_sign(kp, &cp), 0);
	CHECK(strcmp(cp.node, "test-node") == 0);
	CHECK(chain_pubkey_load(pub_path, &pub) == 0);
	if (pub != NULL) {
		CHECK(strcmp(cp.key_id, chain_key_id(pub)) == 0);
		CHECK(strcmp(keeper_key_id(kp), chain_key_id(pub)) == 0);
		CHECK(chain_verify(pub, &cp) == 0);
		cp.seq++;
		CHECK(chain_verify(pub, &cp) != 0);
	}
	chain_key_free(pub);

	/* --- nothing outside it ---------------------------------------- */
	CHECK_INT_EQ(raw(kp, "", 0, &type), KEEPER_S_REFUSED);
	CHECK_INT_EQ(type, 0);
	CHECK_INT_EQ(raw(kp, "\x00", 1, &type), KEEPER_S_REFUSED);
	CHECK_INT_EQ(raw(kp, "\x06", 1, &type), KEEPER_S_REFUSED);
	CHECK_INT_EQ(type, 0);
	CHECK_INT_EQ(raw(kp, "\xff\x00", 2, &type), KEEPER_S_REFUSED);
	/* A trailing byte. */
	CHECK_INT_EQ(raw(kp, "\x01\x00", 2, &type), KEEPER_S_REFUSED);
	CHECK_INT_EQ(type, KEEPER_T_PUBKEY);
	CHECK_INT_EQ(raw(kp, "\x01", 1, NULL), KEEPER_S_OK);
	/* ENROLL: empty, short, NUL inside, not a user name, trailing. */
	CHECK_INT_EQ(raw(kp, "\x02\x00", 2, NULL), KEEPER_S_REFUSED);
	CHECK_INT_EQ(raw(kp, "\x02\x05" "anna", 6, NULL), KEEPER_S_REFUSED);
	CHECK_INT_EQ(raw(kp, "\x02\x04" "an\0a", 6, NULL), KEEPER_S_REFUSED);
	CHECK_INT_EQ(raw(kp, "\x02\x04" "-x*y", 6, NULL), KEEPER_S_REFUSED);
	CHECK_INT_EQ(raw(kp, "\x02\x04" "anna" "x", 7, NULL), KEEPER_S_REFUSED);
	memset(big, 'a', sizeof(big));
	big[0] = KEEPER_T_ENROLL;
	big[1] = AUTHD_USER_MAX + 1;
	CHECK_INT_EQ(raw(kp, big, 2 + AUTHD_USER_MAX + 1, NULL),
	    KEEPER_S_REFUSED);
	big[1] = AUTHD_USER_MAX;
	CHECK_INT_EQ(raw(kp, big, 2 + AUTHD_USER_MAX, NULL), KEEPER_S_OK);
	/* VERIFY: a blob too short to be one, a code over 16 bytes. */
	CHECK(keeper_req_verify("anna", sealed, slen, code, req, &len) == 0);
	CHECK_INT_EQ(raw(kp, req, len, NULL), KEEPER_S_OK);
	CHECK_INT_EQ(raw(kp, req, len - 1, NULL), KEEPER_S_REFUSED);
	req[len] = 0;
	CHECK_INT_EQ(raw(kp, req, len + 1, NULL), KEEPER_S_REFUSED);
	CHECK(keeper_req_verify("anna", sealed, SEAL_OVERHEAD, code, req,
	    &len) == 0);
	CHECK_INT_EQ(raw(kp, req, len, NULL), KEEPER_S_REFUSED);
	CHECK(keeper_req_verify("anna", sealed, slen, "", req, &len) == 0);
	req[len - 1] = KEEPER_CODE_MAX + 1;
	memset(req + len, '1', KEEPER_CODE_MAX + 1);
	CHECK_INT_EQ(raw(kp, req, len + KEEPER_CODE_MAX + 1, NULL),
	    KEEPER_S_REFUSED);
	/* SIGN: short, trailing, a sequence number past INT64_MAX. */
	CHECK(keeper_req_sign(1, 2, cp.hash, req, &len) == 0);
	CHECK_INT_EQ(raw(kp, req, len, NULL), KEEPER_S_OK);
	CHECK_INT_EQ(raw(kp, req, len - 1, NULL), KEEPER_S_REFUSED);
	CHECK_INT_EQ(raw(kp, req, len + 1, NULL), KEEPER_S_REFUSED);
	req[1] = 0x80;
	CHECK_INT_EQ(raw(kp, req, len, NULL), KEEPER_S_REFUSED);
	/* A record longer than any message: refused whole, not cut. */
	memset(big, 0, sizeof(big));
	big[0] = KEEPER_T_PUBKEY;
	CHECK_INT_EQ(raw(kp, big, sizeof(big), &type), KEEPER_S_REFUSED);
	CHECK_INT_EQ(type, 0);
	/* And after all that it still answers. */
	CHECK_INT_EQ(keeper_verify(kp, "anna", sealed, slen, code, &step), 0);
	CHECK_INT_EQ(keeper_gone(kp), 0);

	explicit_bzero(seed, sizeof(seed));
	secure_free_str(uri);
	free(sealed);
}

/* --- concurrent callers ------------------------------------------------ */

#define CALLERS		8
#define CALLS		2000

static void *
caller(void *arg)
{
	struct keeper *kp = arg;
	int i;

	for (i = 0; i < CALLS; i++)
		if (keeper_dummy(kp, "123456") != 0)
			return (void *)1;
	return NULL;
}

static void
time_callers(const struct config *c, int callers, int channels)
{
	struct keeper *kp = NULL;
	pthread_t th[CALLERS];
	int64_t t0, t1;
	void *ret;
	int i, bad = 0;

	CHECK(keeper_start(c, channels, &kp) == 0);
	if (kp == NULL)
		return;
	t0 = mono_ms();
	for (i = 0; i < callers; i++)
		CHECK(pthread_create(&th[i], NULL, caller, kp) == 0);
	for (i = 0; i < callers; i++) {
		pthread_join(th[i], &ret);
		bad += ret != NULL;
	}
	t1 = mono_ms();
	CHECK_INT_EQ(bad, 0);
	printf("# %d caller%s, %d channel%s: %d checks in %lld ms, %.1f us "
	    "each\n", callers, callers == 1 ? "" : "s", channels,
	    channels == 1 ? "" : "s", callers * CALLS, (long long)(t1 - t0),
	    1000.0 * (double)(t1 - t0) / (callers * CALLS));
	keeper_stop(kp);
}

static void
test_death(const struct config *c)
{
	struct keeper *kp = NULL;
	int64_t step, t0;

	CHECK(keeper_start(c, 2, &kp) == 0);
	if (kp == NULL)
		return;
	CHECK_INT_EQ(keeper_gone(kp), 0);
	CHECK(kill(keeper_pid(kp), SIGKILL) == 0);
	/* The watch descriptor hangs up at once. */
	for (t0 = mono_ms(); !keeper_gone(kp) && mono_ms() - t0 < 5000; )
		usleep(10000);
	CHECK_INT_EQ(keeper_gone(kp), 1);
	CHECK(keeper_dummy(kp, "123456") != 0);
	CHECK(keeper_verify(kp, "anna", (const uint8_t *)"x", 1, "123456",
	    &step) != 0);
	keeper_stop(kp);
}

int
main(void)
{
	struct keeper *kp = NULL;
	struct config c;
	struct stat st;

	log_init("test_keeper", 1, 0);
	if (getenv("AUTHD_TEST_VERBOSE") == NULL)
		log_set_level(LOG_ERR);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(seal_path, sizeof(seal_path), "%s/seal.key", dir);
	snprintf(sign_path, sizeof(sign_path), "%s/audit.key", dir);
	snprintf(pub_path, sizeof(pub_path), "%s/audit.key.pub", dir);
	c = test_config();
	/* As root the keeper makes its keys as nobody: its directory. */
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("nobody");

		CHECK(pw != NULL && chown(dir, pw->pw_uid, pw->pw_gid) == 0);
	}
	CHECK(keeper_start(&c, 4, &kp) == 0);
	if (kp != NULL) {
		CHECK(stat(seal_path, &st) == 0 && (st.st_mode & 0777) == 0600);
		test_messages(kp);
		keeper_stop(kp);
	}
	time_callers(&c, 1, 1);
	time_callers(&c, CALLERS, 1);
	time_callers(&c, CALLERS, CALLERS);
	test_death(&c);
	unlink(seal_path);
	unlink(sign_path);
	unlink(pub_path);
	rmdir(dir);
	return check_done("test_keeper");
}
