/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_SEAL_H
#define AUTHD_SEAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * TOTP seeds are stored sealed with AES-256-GCM under a 32-byte key kept
 * in a file only authd's user can read.  The user name is bound in as
 * associated data, so a sealed seed copied to another user's row does not
 * open.  Sealed layout: version (1) | nonce (12) | ciphertext | tag (16).
 */

#define SEAL_KEY_LEN	32
#define SEAL_OVERHEAD	(1 + 12 + 16)

struct seal_key;

/*
 * Opens the key file at `path`, creating it with a fresh random key (mode
 * 0600, O_EXCL) if it does not exist.  An existing file must be a regular
 * file owned by the effective uid with no group/other permission bits and
 * exactly SEAL_KEY_LEN bytes.  The key is read straight into secret memory
 * (lib/secmem.h: locked, left out of core dumps once secmem_init ran).
 * Returns 0 and *out (free with seal_key_free), or AUTHD_ERR_NOMEM /
 * _PERM / _SYSTEM / _CRYPTO after logging why.
 */
int seal_key_open(const char *path, struct seal_key **out);
/* Wipes and frees the key; accepts NULL. */
void seal_key_free(struct seal_key *k);

/*
 * Seals `len` bytes for `user` into a new buffer *out of *outlen bytes
 * (plain malloc; not secret, but the caller frees it).
 */
int seal(const struct seal_key *k, const char *user, const uint8_t *plain,
    size_t len, uint8_t **out, size_t *outlen);

/*
 * Opens a sealed buffer for `user` into `plain` (room for `plainmax`
 * bytes), setting *plainlen.  AUTHD_ERR_CRYPTO if it was modified, sealed
 * for another user or under another key.  The caller wipes `plain`, which
 * for a seed should be secret memory (secmem_alloc).
 */
int unseal(const struct seal_key *k, const char *user, const uint8_t *in,
    size_t inlen, uint8_t *plain, size_t plainmax, size_t *plainlen);

#endif
