/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "authd_err.h"
#include "log.h"
#include "seal.h"
#include "secmem.h"

#define SEAL_VERSION	1
#define NONCE_LEN	12
#define TAG_LEN		16
#define AAD_PREFIX	"authd totp seed v1"

/* Lives in locked memory (secmem), read there straight from the file. */
struct seal_key {
	uint8_t	k[SEAL_KEY_LEN];
};

static int
key_create(const char *path, struct seal_key *key)
{
	char *dir, *tmp;
	int fd, dfd, r = AUTHD_ERR_SYSTEM;

	if (RAND_bytes(key->k, SEAL_KEY_LEN) != 1)
		return AUTHD_ERR_CRYPTO;
	/* SECURITY NOTE: O_EXCL|O_NOFOLLOW: never write through a planted link. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		log_err("seal key %s: cannot create: %s", path,
		    strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	if (write(fd, key->k, SEAL_KEY_LEN) != SEAL_KEY_LEN || fsync(fd) != 0) {
		log_err("seal key %s: write: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return AUTHD_ERR_SYSTEM;
	}
	close(fd);
	/* Make the new name durable too. */
	if ((tmp = strdup(path)) != NULL) {
		dir = dirname(tmp);
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		free(tmp);
	}
	log_notice("created seal key %s", path);
	r = 0;
	return r;
}

static int
key_read(const char *path, int fd, struct seal_key *key)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0) {
		log_err("seal key %s: fstat: %s", path, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		log_err("seal key %s: must be a regular file owned by uid %u "
		    "with mode 0600 or stricter", path, (unsigned)geteuid());
		return AUTHD_ERR_PERM;
	}
	if (st.st_size != SEAL_KEY_LEN) {
		log_err("seal key %s: must be exactly %d bytes", path,
		    SEAL_KEY_LEN);
		return AUTHD_ERR_PERM;
	}
	/* Unbuffered read(2): no stdio copy of the key left behind. */
	do {
		n = read(fd, key->k, SEAL_KEY_LEN);
	} while (n < 0 && errno == EINTR);
	if (n != SEAL_KEY_LEN) {
		log_err("seal key %s: short read", path);
		return AUTHD_ERR_SYSTEM;
	}
	return 0;
}

int
seal_key_open(const char *path, struct seal_key **out)
{
	struct seal_key *key;
	int fd, r;

	*out = NULL;
	if ((key = secmem_alloc(sizeof(*key))) == NULL)
		return AUTHD_ERR_NOMEM;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		r = key_create(path, key);
	else if (fd < 0) {
		log_err("seal key %s: %s", path, strerror(errno));
		r = errno == ELOOP ? AUTHD_ERR_PERM : AUTHD_ERR_SYSTEM;
	} else {
		r = key_read(path, fd, key);
		close(fd);
	}
	if (r != 0) {
		seal_key_free(key);
		return r;
	}
	*out = key;
	return 0;
}

void
seal_key_free(struct seal_key *k)
{
	secmem_free(k, sizeof(*k));
}

/* Associated data: a fixed label and the user name, NUL-separated. */
static int
set_aad(EVP_CIPHER_CTX *ctx, const char *user)
{
	int n;

	return EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)AAD_PREFIX,
	    sizeof(AAD_PREFIX)) == 1 &&
	    EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)user,
	    (int)strlen(user)) == 1;
}

int
seal(const struct seal_key *k, const char *user, const uint8_t *plain,
    size_t len, uint8_t **out, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *b = NULL;
	size_t blen = len + SEAL_OVERHEAD;
	int n, r = AUTHD_ERR_CRYPTO;

	*out = NULL;
	*outlen = 0;
	if (len == 0 || len > 1024)
		return AUTHD_ERR_INVALID;
	if ((b = malloc(blen)) == NULL)
		return AUTHD_ERR_NOMEM;
	b[0] = SEAL_VERSION;
	if (RAND_bytes(b + 1, NONCE_LEN) != 1 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->k,
	    b + 1) != 1 || !set_aad(ctx, user) ||
	    EVP_EncryptUpdate(ctx, b + 1 + NONCE_LEN, &n, plain,
	    (int)len) != 1 || (size_t)n != len ||
	    EVP_EncryptFinal_ex(ctx, b + 1 + NONCE_LEN + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    b + 1 + NONCE_LEN + len) != 1)
		goto out;
	*out = b;
	*outlen = blen;
	b = NULL;
	r = 0;
 out:
	EVP_CIPHER_CTX_free(ctx);
	free(b);
	return r;
}

int
unseal(const struct seal_key *k, const char *user, const uint8_t *in,
    size_t inlen, uint8_t *plain, size_t plainmax, size_t *plainlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	size_t len;
	int n, r = AUTHD_ERR_CRYPTO;

	*plainlen = 0;
	if (inlen <= SEAL_OVERHEAD || in[0] != SEAL_VERSION)
		return AUTHD_ERR_CRYPTO;
	len = inlen - SEAL_OVERHEAD;
	if (len > plainmax)
		return AUTHD_ERR_TOO_LARGE;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k->k,
	    in + 1) != 1 || !set_aad(ctx, user) ||
	    EVP_DecryptUpdate(ctx, plain, &n, in + 1 + NONCE_LEN,
	    (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    (void *)(uintptr_t)(in + 1 + NONCE_LEN + len)) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + n, &n) != 1) {
		explicit_bzero(plain, plainmax);
		goto out;
	}
	*plainlen = len;
	r = 0;
 out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}
