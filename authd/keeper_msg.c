/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The key keeper's messages (keeper_msg.h): the keeper's one parser and
 * what it answers, and the encoders authd uses to ask.  Everything but
 * keeper_recv runs on bytes in memory, so that the fuzzer drives exactly
 * the code the keeper runs.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "authd_err.h"
#include "buf.h"
#include "keeper_msg.h"
#include "log.h"
#include "secmem.h"
#include "totp.h"
#include "util.h"

/* Room for an opened seed (as in the seal: at most 64 bytes). */
#define SEED_MAX	64

/* --- the keeper's side ---------------------------------------------- */

int
keeper_keys_open(struct keeper_keys *k, const char *seal_path,
    const char *sign_path, const char *issuer, const char *node,
    unsigned window)
{
	uint8_t seed[TOTP_SEED_LEN];
	struct chain_checkpoint cp;
	char *uri = NULL;
	int64_t step;
	int r;

	memset(k, 0, sizeof(*k));
	snprintf(k->issuer, sizeof(k->issuer), "%s", issuer);
	snprintf(k->node, sizeof(k->node), "%s", node);
	k->window = window;
	if ((r = totp_init()) != 0 ||
	    (r = seal_key_open(seal_path, &k->seal)) != 0 ||
	    (r = chain_key_open(sign_path, &k->sign)) != 0 ||
	    (r = chain_key_pubkey(k->sign, k->pubkey)) != 0)
		goto fail;
	/*
	 * The dummy seed, sealed and forgotten: DUMMY opens it as VERIFY
	 * opens a real one.  The warm-up below loads what OpenSSL and liboath
	 * would otherwise load on first use (providers, configuration).
	 */
	if ((r = totp_new_seed(seed)) != 0 ||
	    (r = seal(k->seal, "-", seed, sizeof(seed), &k->dummy,
	    &k->dummy_len)) != 0 ||
	    (r = totp_uri(k->issuer, "-", seed, sizeof(seed), &uri)) != 0)
		goto fail;
	(void)totp_match(seed, sizeof(seed), time(NULL), TOTP_DIGITS,
	    TOTP_STEP, k->window, "000000", &step);
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.node, sizeof(cp.node), "%s", k->node);
	if ((r = chain_sign(k->sign, &cp)) != 0)
		goto fail;
	explicit_bzero(seed, sizeof(seed));
	secure_free_str(uri);
	return 0;
 fail:
	explicit_bzero(seed, sizeof(seed));
	secure_free_str(uri);
	keeper_keys_close(k);
	return r;
}

void
keeper_keys_close(struct keeper_keys *k)
{
	seal_key_free(k->seal);
	chain_key_free(k->sign);
	free(k->dummy);
	memset(k, 0, sizeof(*k));
}

/* A string field: u8 length (1..max, or 0..max with `empty`), no NUL. */
static int
get_str(struct buf *b, size_t max, int empty, char *out)
{
	const uint8_t *p;
	uint8_t n;
	int r;

	if ((r = buf_get_u8(b, &n)) != 0 || (r = buf_get_ptr(b, n, &p)) != 0)
		return r;
	if (n > max || (n == 0 && !empty) || memchr(p, '\0', n) != NULL)
		return AUTHD_ERR_BAD_VALUE;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
reply_head(struct buf *o, uint8_t type, enum keeper_status st)
{
	buf_reset(o);
	return buf_put_u8(o, type) ?: buf_put_u8(o, (uint8_t)st);
}

/* Opens `sealed` for `user` and looks for `code` now. */
static enum keeper_status
check_code(const struct keeper_keys *k, const char *user,
    const uint8_t *sealed, size_t sealed_len, const char *code, time_t now,
    int64_t *step)
{
	enum keeper_status st = KEEPER_S_FAILED;
	uint8_t *seed;
	size_t len;

	*step = -1;
	/*
	 * SECURITY NOTE: the open seed is in locked memory, so that it never
	 * reaches swap or a core dump, and is wiped as it is freed.
	 */
	if ((seed = secmem_alloc(SEED_MAX)) == NULL)
		return KEEPER_S_FAILED;
	if (unseal(k->seal, user, sealed, sealed_len, seed, SEED_MAX,
	    &len) == 0)
		st = totp_match(seed, len, now, TOTP_DIGITS, TOTP_STEP,
		    k->window, code, step) == 0 ? KEEPER_S_OK :
		    KEEPER_S_NOMATCH;
	secmem_free(seed, SEED_MAX);
	return st;
}

static enum keeper_status
answer_enroll(const struct keeper_keys *k, struct buf *in, struct buf *o)
{
	char user[AUTHD_USER_MAX + 1], *uri = NULL;
	uint8_t seed[TOTP_SEED_LEN], *sealed = NULL;
	size_t sealed_len = 0, ulen;
	enum keeper_status st = KEEPER_S_REFUSED;

	if (get_str(in, AUTHD_USER_MAX, 0, user) != 0 ||
	    buf_avail(in) != 0 || !str_valid_user(user))
		return st;
	st = KEEPER_S_FAILED;
	if (totp_new_seed(seed) != 0 ||
	    seal(k->seal, user, seed, sizeof(seed), &sealed,
	    &sealed_len) != 0 ||
	    totp_uri(k->issuer, user, seed, sizeof(seed), &uri) != 0 ||
	    sealed_len > KEEPER_SEALED_MAX ||
	    (ulen = strlen(uri)) > KEEPER_URI_MAX)
		goto out;
	if (reply_head(o, KEEPER_T_ENROLL, KEEPER_S_OK) != 0 ||
	    buf_put_u8(o, (uint8_t)sealed_len) != 0 ||
	    buf_put(o, sealed, sealed_len) != 0 ||
	    buf_put_u16(o, (uint16_t)ulen) != 0 || buf_put(o, uri, ulen) != 0)
		goto out;
	st = KEEPER_S_OK;
 out:
	explicit_bzero(seed, sizeof(seed));
	secure_free_str(uri);
	free(sealed);
	return st;
}

static enum keeper_status
answer_check(const struct keeper_keys *k, uint8_t type, struct buf *in,
    time_t now, struct buf *o)
{
	char user[AUTHD_USER_MAX + 1], code[KEEPER_CODE_MAX + 1];
	const uint8_t *sealed;
	uint8_t n;
	enum keeper_status st;
	int64_t step;

	if (type == KEEPER_T_DUMMY) {
		if (get_str(in, KEEPER_CODE_MAX, 1, code) != 0 ||
		    buf_avail(in) != 0)
			return KEEPER_S_REFUSED;
		/* SECURITY NOTE: as much work as VERIFY: no user enumeration. */
		st = check_code(k, "-", k->dummy, k->dummy_len, code, now,
		    &step);
	} else {
		if (get_str(in, AUTHD_USER_MAX, 0, user) != 0 ||
		    !str_valid_user(user) || buf_get_u8(in, &n) != 0 ||
		    n <= SEAL_OVERHEAD || n > KEEPER_SEALED_MAX ||
		    buf_get_ptr(in, n, &sealed) != 0 ||
		    get_str(in, KEEPER_CODE_MAX, 1, code) != 0 ||
		    buf_avail(in) != 0)
			return KEEPER_S_REFUSED;
		st = check_code(k, user, sealed, n, code, now, &step);
	}
	explicit_bzero(code, sizeof(code));
	if (reply_head(o, type, st) != 0 ||
	    (st == KEEPER_S_OK && buf_put_u64(o, (uint64_t)step) != 0))
		return KEEPER_S_FAILED;
	return st;
}

static enum keeper_status
answer_sign(const struct keeper_keys *k, struct buf *in, struct buf *o)
{
	struct chain_checkpoint cp;
	uint64_t seq, t;

	memset(&cp, 0, sizeof(cp));
	if (buf_get_u64(in, &seq) != 0 || buf_get_u64(in, &t) != 0 ||
	    buf_get(in, cp.hash, CHAIN_HASH_LEN) != 0 || buf_avail(in) != 0 ||
	    seq > INT64_MAX || t > INT64_MAX)
		return KEEPER_S_REFUSED;
	cp.seq = (int64_t)seq;
	cp.time_ms = (int64_t)t;
	snprintf(cp.node, sizeof(cp.node), "%s", k->node);
	if (chain_sign(k->sign, &cp) != 0)
		return KEEPER_S_FAILED;
	if (reply_head(o, KEEPER_T_SIGN, KEEPER_S_OK) != 0 ||
	    buf_put(o, cp.sig, CHAIN_SIG_LEN) != 0 ||
	    buf_put(o, cp.key_id, CHAIN_KEYID_LEN) != 0)
		return KEEPER_S_FAILED;
	return KEEPER_S_OK;
}

enum keeper_status
keeper_answer(const struct keeper_keys *k, const uint8_t *req, size_t len,
    time_t now, uint8_t *out, size_t *outlen)
{
	struct buf in, o;
	enum keeper_status st = KEEPER_S_REFUSED;
	uint8_t type = 0;

	memset(&o, 0, sizeof(o));
	o.d = out;
	o.cap = o.max = KEEPER_MSG_MAX;
	buf_view(&in, req, len <= KEEPER_MSG_MAX ? len : 0);
	if (len <= KEEPER_MSG_MAX && buf_get_u8(&in, &type) == 0) {
		switch (type) {
		case KEEPER_T_PUBKEY:
			if (buf_avail(&in) != 0)
				break;
			st = reply_head(&o, type, KEEPER_S_OK) != 0 ||
			    buf_put(&o, k->pubkey, KEEPER_PUBKEY_LEN) != 0 ||
			    buf_put(&o, chain_key_id(k->sign),
			    CHAIN_KEYID_LEN) != 0 ? KEEPER_S_FAILED :
			    KEEPER_S_OK;
			break;
		case KEEPER_T_ENROLL:
			st = answer_enroll(k, &in, &o);
			break;
		case KEEPER_T_VERIFY:
		case KEEPER_T_DUMMY:
			st = answer_check(k, type, &in, now, &o);
			break;
		case KEEPER_T_SIGN:
			st = answer_sign(k, &in, &o);
			break;
		default:
			type = 0;	/* not one of ours: not echoed */
			break;
		}
	}
	/* A failure leaves no partial body behind: the header alone. */
	if (st != KEEPER_S_OK && st != KEEPER_S_NOMATCH)
		(void)reply_head(&o, type, st);
	*outlen = o.len;
	return st;
}

/* --- authd's side ----------------------------------------------------- */

static void
req_init(struct buf *b, uint8_t *out)
{
	memset(b, 0, sizeof(*b));
	b->d = out;
	b->cap = b->max = KEEPER_MSG_MAX;
}

static int
put_str(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return AUTHD_ERR_TOO_LARGE;
	return buf_put_u8(b, (uint8_t)n) ?: buf_put(b, s, n);
}

int
keeper_req_pubkey(uint8_t *out, size_t *len)
{
	struct buf b;
	int r;

	req_init(&b, out);
	r = buf_put_u8(&b, KEEPER_T_PUBKEY);
	*len = b.len;
	return r;
}

/* A request of a type and one string. */
static int
req_str(uint8_t type, const char *str, size_t max, uint8_t *out, size_t *len)
{
	struct buf b;
	int r;

	req_init(&b, out);
	r = buf_put_u8(&b, type) ?: put_str(&b, str, max);
	*len = b.len;
	return r;
}

int
keeper_req_enroll(const char *user, uint8_t *out, size_t *len)
{
	return req_str(KEEPER_T_ENROLL, user, AUTHD_USER_MAX, out, len);
}

int
keeper_req_verify(const char *user, const uint8_t *sealed, size_t sealed_len,
    const char *code, uint8_t *out, size_t *len)
{
	struct buf b;
	int r;

	req_init(&b, out);
	if (sealed_len > KEEPER_SEALED_MAX)
		return AUTHD_ERR_TOO_LARGE;
	r = buf_put_u8(&b, KEEPER_T_VERIFY) ?:
	    put_str(&b, user, AUTHD_USER_MAX) ?:
	    buf_put_u8(&b, (uint8_t)sealed_len) ?:
	    buf_put(&b, sealed, sealed_len) ?:
	    put_str(&b, code, KEEPER_CODE_MAX);
	*len = b.len;
	return r;
}

int
keeper_req_dummy(const char *code, uint8_t *out, size_t *len)
{
	return req_str(KEEPER_T_DUMMY, code, KEEPER_CODE_MAX, out, len);
}

int
keeper_req_sign(int64_t seq, int64_t time_ms,
    const uint8_t hash[CHAIN_HASH_LEN], uint8_t *out, size_t *len)
{
	struct buf b;
	int r;

	req_init(&b, out);
	if (seq < 0 || time_ms < 0)
		return AUTHD_ERR_INVALID;
	r = buf_put_u8(&b, KEEPER_T_SIGN) ?:
	    buf_put_u64(&b, (uint64_t)seq) ?:
	    buf_put_u64(&b, (uint64_t)time_ms) ?:
	    buf_put(&b, hash, CHAIN_HASH_LEN);
	*len = b.len;
	return r;
}

int
keeper_rep_header(uint8_t type, const uint8_t *rep, size_t len,
    enum keeper_status *status, const uint8_t **body, size_t *bodylen)
{
	*body = NULL;
	*bodylen = 0;
	if (len < 2)
		return AUTHD_ERR_TRUNCATED;
	if (rep[1] > KEEPER_S_REFUSED || (rep[0] != type &&
	    !(rep[0] == 0 && rep[1] == KEEPER_S_REFUSED)))
		return AUTHD_ERR_REQID;
	*status = (enum keeper_status)rep[1];
	*body = rep + 2;
	*bodylen = len - 2;
	return 0;
}

ssize_t
keeper_recv(int fd, uint8_t *msg)
{
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = msg;
	iov.iov_len = KEEPER_MSG_MAX;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	do {
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	/* SECURITY NOTE: a record cut to fit is never read as a message. */
	if (n >= 0 && (mh.msg_flags & MSG_TRUNC))
		n = KEEPER_MSG_MAX + 1;
	return n;
}
