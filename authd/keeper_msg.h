/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_KEEPER_MSG_H
#define AUTHD_KEEPER_MSG_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "chain.h"
#include "seal.h"

/*
 * The key keeper's message set: what authd may ask the process that holds
 * the seal key and the audit signing key (keeper.h), and nothing else.
 * One message is one SOCK_SEQPACKET record of at most KEEPER_MSG_MAX
 * bytes, in a fixed binary layout (integers big-endian, strings and blobs
 * as u8 length + bytes, no NUL inside):
 *
 *   request  type:u8 body
 *   reply    type:u8 status:u8 body      (type as in the request)
 *
 *   type     request body                      reply body (status OK)
 *   PUBKEY   -                                 pubkey[32] keyid[16]
 *   ENROLL   user:str                          sealed:blob uri:u16 len+bytes
 *   VERIFY   user:str sealed:blob code:str     step:u64
 *   DUMMY    code:str                          step:u64
 *   SIGN     seq:u64 time_ms:u64 hash[32]      sig[64] keyid[16]
 *
 * Every other reply body is empty.  VERIFY and DUMMY answer NOMATCH when no
 * step in the window matches; VERIFY answers FAILED when the sealed seed
 * does not open for that user (modified, another user's, another key).
 * Anything else (an unknown type, a field too long or malformed, a short
 * or a trailing byte, a message over KEEPER_MSG_MAX) is answered REFUSED
 * with type 0 when the type itself was not understood.
 *
 * The keeper generates every seed itself; ENROLL is the one reply that
 * carries one (in the otpauth:// URI the person's app needs), and only a
 * new one.  There is no message that returns a key or opens a stored
 * seed.  VERIFY and DUMMY check against the keeper's own clock and its
 * configured window, not times or windows from the request.
 */

#define KEEPER_MSG_MAX		1024
#define KEEPER_CODE_MAX		16	/* longer codes are never right */
#define KEEPER_SEALED_MAX	(SEAL_OVERHEAD + 64)
#define KEEPER_URI_MAX		768
#define KEEPER_PUBKEY_LEN	32

enum keeper_type {
	KEEPER_T_PUBKEY = 1,
	KEEPER_T_ENROLL = 2,
	KEEPER_T_VERIFY = 3,
	KEEPER_T_DUMMY = 4,
	KEEPER_T_SIGN = 5,
};

enum keeper_status {
	KEEPER_S_OK = 0,
	KEEPER_S_NOMATCH = 1,	/* a well-formed check, no step matched */
	KEEPER_S_FAILED = 2,	/* the request was understood and failed */
	KEEPER_S_REFUSED = 3,	/* not a message of the set */
};

/* What the keeper holds and answers with; filled by keeper_keys_open. */
struct keeper_keys {
	struct seal_key		*seal;
	struct chain_key	*sign;
	uint8_t			 pubkey[KEEPER_PUBKEY_LEN];
	/* A seed of nobody's, sealed: DUMMY opens and checks it. */
	uint8_t			*dummy;
	size_t			 dummy_len;
	char			 issuer[65];	/* of the otpauth:// URI */
	char			 node[128];	/* signed into checkpoints */
	unsigned		 window;	/* TOTP steps either side */
};

/*
 * Opens (creating on first use) the seal key and the audit signing key at
 * the given paths (seal_key_open, chain_key_open: owned by the effective
 * uid, mode 0600 or stricter), seals a dummy seed and runs each operation
 * once, so that nothing is loaded lazily after the keeper lost its file
 * system.  0 or an AUTHD_ERR_* after logging why; on failure nothing is
 * left to free.  keeper_keys_close wipes and frees; accepts NULL members.
 */
int keeper_keys_open(struct keeper_keys *k, const char *seal_path,
    const char *sign_path, const char *issuer, const char *node,
    unsigned window);
void keeper_keys_close(struct keeper_keys *k);

/*
 * Answers one request of `len` bytes (`len` > KEEPER_MSG_MAX means the
 * record was longer than that and is refused) into `out` (KEEPER_MSG_MAX
 * bytes), setting *outlen; `now` is the keeper's clock.  Always writes a
 * reply.  Returns the reply's status.  The keeper's one parser: it reads
 * nothing outside `req`.
 */
enum keeper_status keeper_answer(const struct keeper_keys *k,
    const uint8_t *req, size_t len, time_t now, uint8_t *out,
    size_t *outlen);

/*
 * The other face, for authd: requests built and replies parsed with the
 * same layout.  Encoders write into `out` (KEEPER_MSG_MAX bytes) and set
 * *len; 0 or AUTHD_ERR_TOO_LARGE / _INVALID for fields out of bounds.
 */
int keeper_req_pubkey(uint8_t *out, size_t *len);
int keeper_req_enroll(const char *user, uint8_t *out, size_t *len);
int keeper_req_verify(const char *user, const uint8_t *sealed,
    size_t sealed_len, const char *code, uint8_t *out, size_t *len);
int keeper_req_dummy(const char *code, uint8_t *out, size_t *len);
int keeper_req_sign(int64_t seq, int64_t time_ms,
    const uint8_t hash[CHAIN_HASH_LEN], uint8_t *out, size_t *len);

/*
 * Checks a reply's header against the request type `type` and sets
 * *status and the body (*body, *bodylen: inside `rep`).  0, or
 * AUTHD_ERR_REQID / _TRUNCATED for a reply that is not one.
 */
int keeper_rep_header(uint8_t type, const uint8_t *rep, size_t len,
    enum keeper_status *status, const uint8_t **body, size_t *bodylen);

/*
 * Both sides: reads one record from the SOCK_SEQPACKET `fd` without
 * waiting into `msg` (KEEPER_MSG_MAX bytes).  Returns its length (0: an
 * empty record, or the peer hung up), KEEPER_MSG_MAX + 1 when the record
 * was longer (the rest is discarded), or -1 with errno.
 */
ssize_t keeper_recv(int fd, uint8_t *msg);

#endif
