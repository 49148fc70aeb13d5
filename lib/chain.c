/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "authd_err.h"
#include "buf.h"
#include "chain.h"
#include "log.h"
#include "util.h"

#define REC_LABEL	"authd-audit-v1"
#define CP_LABEL	"authd-checkpoint-v1"
#define CP_PREFIX	"authd-checkpoint v1 "
#define KEYFILE_MAX	8192

struct chain_key {
	EVP_PKEY	*pkey;
	int		 private;
	char		 id[CHAIN_KEYID_LEN + 1];
};

void
chain_hex(const uint8_t *p, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
put_text(struct buf *b, const char *s)
{
	size_t len;
	int r;

	if (s == NULL)
		return buf_put_u8(b, 0);
	len = strlen(s);
	if (len > UINT32_MAX)
		return AUTHD_ERR_TOO_LARGE;
	if ((r = buf_put_u8(b, 1)) != 0 ||
	    (r = buf_put_u32(b, (uint32_t)len)) != 0)
		return r;
	return buf_put(b, s, len);
}

static int
sha256(const void *p, size_t len, uint8_t out[CHAIN_HASH_LEN])
{
	unsigned int n = 0;

	return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == CHAIN_HASH_LEN ? 0 : AUTHD_ERR_CRYPTO;
}

int
chain_hash(const uint8_t prev[CHAIN_HASH_LEN], const struct chain_rec *r,
    uint8_t out[CHAIN_HASH_LEN])
{
	const char *text[] = { r->node, r->event, r->actor, r->user,
	    r->system, r->service, r->rhost, r->tty, r->decision, r->reason,
	    r->detail, r->policy, r->role, r->rule, r->factors };
	struct buf *b;
	size_t i;
	int ret;

	if ((b = buf_new(1 << 20)) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((ret = buf_put_u8(b, 0x00)) != 0 ||
	    (ret = buf_put(b, prev, CHAIN_HASH_LEN)) != 0 ||
	    (ret = buf_put(b, REC_LABEL, sizeof(REC_LABEL) - 1)) != 0 ||
	    (ret = buf_put_u64(b, (uint64_t)r->seq)) != 0 ||
	    (ret = buf_put_u64(b, (uint64_t)r->time_ms)) != 0 ||
	    (ret = buf_put_u64(b, r->reqid)) != 0)
		goto out;
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		if ((ret = put_text(b, text[i])) != 0)
			goto out;
	ret = sha256(b->d, b->len, out);
 out:
	buf_free(b);
	return ret;
}

/* The signed message of a checkpoint. */
static int
cp_message(const struct chain_checkpoint *cp, struct buf *b)
{
	int r;

	if ((r = buf_put_u8(b, 0x01)) != 0 ||
	    (r = buf_put(b, CP_LABEL, sizeof(CP_LABEL) - 1)) != 0 ||
	    (r = buf_put_u64(b, (uint64_t)cp->seq)) != 0 ||
	    (r = buf_put_u64(b, (uint64_t)cp->time_ms)) != 0 ||
	    (r = buf_put(b, cp->hash, CHAIN_HASH_LEN)) != 0 ||
	    (r = buf_put_u32(b, (uint32_t)strlen(cp->node))) != 0)
		return r;
	return buf_put(b, cp->node, strlen(cp->node));
}

static int
set_id(struct chain_key *k)
{
	uint8_t raw[32], h[CHAIN_HASH_LEN];
	char hex[2 * CHAIN_HASH_LEN + 1];
	size_t len = sizeof(raw);

	if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &len) != 1 ||
	    sha256(raw, len, h) != 0)
		return AUTHD_ERR_CRYPTO;
	chain_hex(h, sizeof(h), hex);
	memcpy(k->id, hex, CHAIN_KEYID_LEN);
	k->id[CHAIN_KEYID_LEN] = '\0';
	return 0;
}

/* Reads a whole small file (bounded) into a NUL-terminated buffer. */
static int
read_small(int fd, const char *path, char **out, size_t *outlen)
{
	char *p;
	ssize_t n;
	size_t got = 0;

	*out = NULL;
	if ((p = malloc(KEYFILE_MAX + 1)) == NULL)
		return AUTHD_ERR_NOMEM;
	while (got < KEYFILE_MAX && (n = read(fd, p + got,
	    KEYFILE_MAX - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("%s: %s", path, strerror(errno));
			secure_free(p, KEYFILE_MAX + 1);
			return AUTHD_ERR_SYSTEM;
		}
		got += (size_t)n;
	}
	p[got] = '\0';
	*out = p;
	*outlen = got;
	return 0;
}

static int
write_pub(const struct chain_key *k, const char *path)
{
	char pubpath[4096], tmp[4200];
	FILE *f = NULL;
	int fd, r = AUTHD_ERR_SYSTEM;

	if ((size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >=
	    sizeof(pubpath))
		return AUTHD_ERR_TOO_LARGE;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", pubpath, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		log_err("%s: %s", tmp, strerror(errno));
		return r;
	}
	(void)fchmod(fd, 0644);
	if (PEM_write_PUBKEY(f, k->pkey) == 1 && fflush(f) == 0 &&
	    fsync(fileno(f)) == 0 && rename(tmp, pubpath) == 0)
		r = 0;
	else
		log_err("%s: cannot write", pubpath);
	fclose(f);
	if (r != 0)
		unlink(tmp);
	return r;
}

int
chain_key_open(const char *path, struct chain_key **out)
{
	struct chain_key *k = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	struct stat st;
	char *pem = NULL;
	size_t pemlen = 0;
	BIO *bio = NULL;
	FILE *f;
	int fd, r = AUTHD_ERR_CRYPTO;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return AUTHD_ERR_NOMEM;
	k->private = 1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		/* First start: a new key, 0600 from its first byte. */
		if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL)) ==
		    NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
		    EVP_PKEY_keygen(ctx, &k->pkey) != 1)
			goto out;
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600)) < 0) {
			log_err("%s: cannot create: %s", path, strerror(errno));
			r = AUTHD_ERR_SYSTEM;
			goto out;
		}
		if ((f = fdopen(fd, "w")) == NULL) {
			close(fd);
			r = AUTHD_ERR_SYSTEM;
			goto out;
		}
		if (PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0, NULL,
		    NULL) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
			fclose(f);
			unlink(path);
			log_err("%s: cannot write the key", path);
			r = AUTHD_ERR_SYSTEM;
			goto out;
		}
		fclose(f);
		log_notice("created audit signing key %s", path);
	} else if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		r = errno == ELOOP ? AUTHD_ERR_PERM : AUTHD_ERR_SYSTEM;
		goto out;
	} else {
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
			log_err("%s: must be a regular file owned by uid %u "
			    "with mode 0600 or stricter", path,
			    (unsigned)geteuid());
			close(fd);
			r = AUTHD_ERR_PERM;
			goto out;
		}
		r = read_small(fd, path, &pem, &pemlen);
		close(fd);
		if (r != 0)
			goto out;
		r = AUTHD_ERR_CRYPTO;
		if ((bio = BIO_new_mem_buf(pem, (int)pemlen)) == NULL ||
		    (k->pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL,
		    NULL)) == NULL || EVP_PKEY_get_id(k->pkey) !=
		    EVP_PKEY_ED25519) {
			log_err("%s: not an Ed25519 private key", path);
			goto out;
		}
	}
	if ((r = set_id(k)) != 0 || (r = write_pub(k, path)) != 0)
		goto out;
	*out = k;
	k = NULL;
	r = 0;
 out:
	BIO_free(bio);
	if (pem != NULL)
		secure_free(pem, KEYFILE_MAX + 1);
	EVP_PKEY_CTX_free(ctx);
	chain_key_free(k);
	return r;
}

int
chain_pubkey_load(const char *path, struct chain_key **out)
{
	struct chain_key *k;
	char *pem = NULL;
	size_t len;
	BIO *bio = NULL;
	int fd, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		log_err("%s: %s", path, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	r = read_small(fd, path, &pem, &len);
	close(fd);
	if (r != 0)
		return r;
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		free(pem);
		return AUTHD_ERR_NOMEM;
	}
	r = AUTHD_ERR_CRYPTO;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (k->pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_id(k->pkey) != EVP_PKEY_ED25519) {
		log_err("%s: not an Ed25519 public key", path);
		goto out;
	}
	if ((r = set_id(k)) != 0)
		goto out;
	*out = k;
	k = NULL;
 out:
	BIO_free(bio);
	free(pem);
	chain_key_free(k);
	return r;
}

void
chain_key_free(struct chain_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *
chain_key_id(const struct chain_key *k)
{
	return k->id;
}

int
chain_key_pubkey(const struct chain_key *k, uint8_t out[32])
{
	size_t len = 32;

	return EVP_PKEY_get_raw_public_key(k->pkey, out, &len) == 1 &&
	    len == 32 ? 0 : AUTHD_ERR_CRYPTO;
}

int
chain_sign(const struct chain_key *k, struct chain_checkpoint *cp)
{
	EVP_MD_CTX *md = NULL;
	struct buf *b;
	size_t siglen = CHAIN_SIG_LEN;
	int r = AUTHD_ERR_CRYPTO;

	if (!k->private)
		return AUTHD_ERR_INVALID;
	if ((b = buf_new(4096)) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((r = cp_message(cp, b)) != 0)
		goto out;
	r = AUTHD_ERR_CRYPTO;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(md, cp->sig, &siglen, b->d, b->len) != 1 ||
	    siglen != CHAIN_SIG_LEN)
		goto out;
	memcpy(cp->key_id, k->id, sizeof(cp->key_id));
	r = 0;
 out:
	EVP_MD_CTX_free(md);
	buf_free(b);
	return r;
}

int
chain_verify(const struct chain_key *k, const struct chain_checkpoint *cp)
{
	EVP_MD_CTX *md = NULL;
	struct buf *b;
	int r = AUTHD_ERR_CRYPTO;

	if ((b = buf_new(4096)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (cp_message(cp, b) == 0 && (md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(md, cp->sig, CHAIN_SIG_LEN, b->d, b->len) == 1)
		r = 0;
	EVP_MD_CTX_free(md);
	buf_free(b);
	return r;
}

int
chain_checkpoint_format(const struct chain_checkpoint *cp, char *out,
    size_t outsz)
{
	char hash[2 * CHAIN_HASH_LEN + 1], sig[2 * CHAIN_SIG_LEN + 1];
	int n;

	chain_hex(cp->hash, CHAIN_HASH_LEN, hash);
	chain_hex(cp->sig, CHAIN_SIG_LEN, sig);
	n = snprintf(out, outsz, CP_PREFIX "seq=%lld time=%lld node=%s "
	    "hash=%s key=%s sig=%s", (long long)cp->seq,
	    (long long)cp->time_ms, cp->node, hash, cp->key_id, sig);
	return n < 0 || (size_t)n >= outsz ? AUTHD_ERR_TOO_LARGE : 0;
}

static int
unhex(const char *s, size_t n, uint8_t *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' &&
		    hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' &&
		    lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
chain_checkpoint_parse(const char *line, struct chain_checkpoint *cp)
{
	const char *p;
	char hash[2 * CHAIN_HASH_LEN + 1], sig[2 * CHAIN_SIG_LEN + 1];
	long long seq, t;
	int n = 0;

	memset(cp, 0, sizeof(*cp));
	if ((p = strstr(line, CP_PREFIX)) == NULL)
		return AUTHD_ERR_NOT_FOUND;
	if (strlen(p) > CHAIN_LINE_MAX ||
	    sscanf(p, CP_PREFIX "seq=%lld time=%lld node=%127s hash=%64[0-9a-f] "
	    "key=%16[0-9a-f] sig=%128[0-9a-f]%n", &seq, &t, cp->node, hash,
	    cp->key_id, sig, &n) != 6 || n == 0 || seq < 0 || t < 0 ||
	    strlen(hash) != 2 * CHAIN_HASH_LEN ||
	    strlen(sig) != 2 * CHAIN_SIG_LEN ||
	    strlen(cp->key_id) != CHAIN_KEYID_LEN ||
	    unhex(hash, CHAIN_HASH_LEN, cp->hash) != 0 ||
	    unhex(sig, CHAIN_SIG_LEN, cp->sig) != 0)
		return AUTHD_ERR_BAD_VALUE;
	cp->seq = seq;
	cp->time_ms = t;
	return 0;
}
