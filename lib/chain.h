/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_CHAIN_H
#define AUTHD_CHAIN_H

#include <stddef.h>
#include <stdint.h>

/*
 * The audit trail's tamper evidence, shared by authd (which writes it)
 * and authctl (which verifies it): one implementation, two faces.
 *
 * Record hash, domain-separated as RFC 9162 leaf hashes are:
 *
 *	hash(n) = SHA-256(0x00 || hash(n-1) || "authd-audit-v1" || enc(n))
 *
 * where hash(0) is 32 zero bytes (or, after a prune, the hash of the last
 * removed record) and enc(n) is: seq:u64 time_ms:u64 reqid:u64, then each
 * text field in the order of struct chain_rec as present:u8 len:u32 bytes
 * (absent fields are present=0 with no length).  Integers are big-endian.
 *
 * Checkpoint: an Ed25519 signature over
 *
 *	0x01 || "authd-checkpoint-v1" || seq:u64 || time_ms:u64 || hash(seq)
 *	     || len:u32 node
 *
 * written as one text line (see chain_checkpoint_format) to the database
 * and to syslog, so that a copy lives outside the database.
 */

#define CHAIN_HASH_LEN		32
#define CHAIN_SIG_LEN		64
#define CHAIN_KEYID_LEN		16	/* hex characters of SHA-256(pubkey) */
#define CHAIN_LINE_MAX		512

/* One audit record as hashed.  NULL text fields are "absent". */
struct chain_rec {
	int64_t		 seq;
	int64_t		 time_ms;
	uint64_t	 reqid;
	const char	*node;
	const char	*event;
	const char	*actor;
	const char	*user;
	const char	*system;
	const char	*service;
	const char	*rhost;
	const char	*tty;
	const char	*decision;
	const char	*reason;
	const char	*detail;
	const char	*policy;
	const char	*role;
	const char	*rule;
	const char	*factors;
};

struct chain_checkpoint {
	int64_t		 seq;
	int64_t		 time_ms;
	uint8_t		 hash[CHAIN_HASH_LEN];
	uint8_t		 sig[CHAIN_SIG_LEN];
	char		 node[128];
	char		 key_id[CHAIN_KEYID_LEN + 1];
};

struct chain_key;

/* Computes hash(n) from hash(n-1) `prev`.  0 or AUTHD_ERR_*. */
int chain_hash(const uint8_t prev[CHAIN_HASH_LEN], const struct chain_rec *r,
    uint8_t out[CHAIN_HASH_LEN]);

/*
 * Opens the Ed25519 signing key at `path` (PEM, PKCS#8), creating it (mode
 * 0600, O_EXCL) if absent, and (re)writes its public half to `path`.pub
 * (mode 0644) for verifiers.  The key file must be owned by the effective
 * uid with no group/other permission bits.  Free with chain_key_free.
 */
int chain_key_open(const char *path, struct chain_key **out);

/* Loads a public key (PEM) for verification.  Free with chain_key_free. */
int chain_pubkey_load(const char *path, struct chain_key **out);

/* Frees a key; accepts NULL. */
void chain_key_free(struct chain_key *k);

/* The key's id: the first CHAIN_KEYID_LEN hex digits of SHA-256(pubkey). */
const char *chain_key_id(const struct chain_key *k);

/* Copies the raw 32-byte Ed25519 public key into `out`.  0 or _CRYPTO. */
int chain_key_pubkey(const struct chain_key *k, uint8_t out[32]);

/* Fills cp->sig and cp->key_id by signing seq, time, hash and node. */
int chain_sign(const struct chain_key *k, struct chain_checkpoint *cp);

/* 0 if cp's signature verifies under `k`, else AUTHD_ERR_CRYPTO. */
int chain_verify(const struct chain_key *k, const struct chain_checkpoint *cp);

/*
 * Formats a checkpoint as one line (no newline):
 *   authd-checkpoint v1 seq=N time=MS node=NAME hash=HEX key=ID sig=HEX
 * Returns 0, or AUTHD_ERR_TOO_LARGE if `outsz` is too small.
 */
int chain_checkpoint_format(const struct chain_checkpoint *cp, char *out,
    size_t outsz);

/*
 * Finds and parses the first checkpoint in `line` (it may be embedded in a
 * syslog line).  0, AUTHD_ERR_NOT_FOUND (no checkpoint here) or
 * AUTHD_ERR_BAD_VALUE (malformed).
 */
int chain_checkpoint_parse(const char *line, struct chain_checkpoint *cp);

/* Lower-case hex of `len` bytes into `out` (2 * len + 1 bytes). */
void chain_hex(const uint8_t *p, size_t len, char *out);

#endif
