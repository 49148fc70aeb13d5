/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seal.c: round trip, tamper detection, binding to the user, and the key
 * file checks (created 0600, refused when group/other may read, wrong
 * size, or a symlink).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "log.h"
#include "seal.h"

static int failures;

#define CHECK(e) do { if (!(e)) { printf("FAIL %s:%d: %s\n", __FILE__, \
	__LINE__, #e); failures++; } } while (0)

int
main(void)
{
	char dir[] = "/tmp/seal-test.XXXXXX", path[256], link[256];
	const uint8_t plain[20] = "abcdefghijklmnopqrst";
	uint8_t out[64], *sealed = NULL, *sealed2 = NULL;
	struct seal_key *k = NULL, *k2 = NULL;
	size_t slen, slen2, olen;
	struct stat st;
	size_t i;
	int fd;

	log_init("test_seal", 1, 0);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/seal.key", dir);
	snprintf(link, sizeof(link), "%s/link.key", dir);

	CHECK(seal_key_open(path, &k) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == SEAL_KEY_LEN);
	CHECK(seal(k, "anna", plain, sizeof(plain), &sealed, &slen) == 0);
	CHECK(slen == sizeof(plain) + SEAL_OVERHEAD);
	CHECK(memmem(sealed, slen, plain, sizeof(plain)) == NULL);
	CHECK(unseal(k, "anna", sealed, slen, out, sizeof(out), &olen) == 0);
	CHECK(olen == sizeof(plain) && memcmp(out, plain, olen) == 0);
	/* Two seals of the same seed differ (fresh nonce). */
	CHECK(seal(k, "anna", plain, sizeof(plain), &sealed2, &slen2) == 0);
	CHECK(slen2 == slen && memcmp(sealed, sealed2, slen) != 0);
	/* Bound to the user. */
	CHECK(unseal(k, "bertil", sealed, slen, out, sizeof(out), &olen) ==
	    AUTHD_ERR_CRYPTO && olen == 0);
	/* Every single-bit flip is detected. */
	for (i = 0; i < slen * 8; i++) {
		sealed[i / 8] ^= (uint8_t)(1 << (i % 8));
		CHECK(unseal(k, "anna", sealed, slen, out, sizeof(out),
		    &olen) != 0);
		sealed[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	CHECK(unseal(k, "anna", sealed, slen - 1, out, sizeof(out), &olen) != 0);
	CHECK(unseal(k, "anna", sealed, SEAL_OVERHEAD, out, sizeof(out),
	    &olen) != 0);
	CHECK(unseal(k, "anna", sealed, slen, out, 4, &olen) != 0);
	/* Reopening reads the same key. */
	CHECK(seal_key_open(path, &k2) == 0);
	CHECK(unseal(k2, "anna", sealed, slen, out, sizeof(out), &olen) == 0);
	seal_key_free(k2);
	k2 = NULL;
	/* A key file others may read is refused. */
	CHECK(chmod(path, 0640) == 0);
	CHECK(seal_key_open(path, &k2) == AUTHD_ERR_PERM && k2 == NULL);
	CHECK(chmod(path, 0600) == 0);
	/* So is a symlink, and a file of the wrong size. */
	CHECK(symlink(path, link) == 0);
	CHECK(seal_key_open(link, &k2) != 0 && k2 == NULL);
	unlink(link);
	CHECK((fd = open(link, O_WRONLY | O_CREAT, 0600)) >= 0);
	CHECK(write(fd, "short", 5) == 5);
	close(fd);
	CHECK(seal_key_open(link, &k2) == AUTHD_ERR_PERM && k2 == NULL);
	unlink(link);
	/* A different key does not open the seal. */
	CHECK(seal_key_open(link, &k2) == 0);
	CHECK(unseal(k2, "anna", sealed, slen, out, sizeof(out), &olen) ==
	    AUTHD_ERR_CRYPTO);
	unlink(link);
	unlink(path);
	rmdir(dir);
	seal_key_free(k);
	seal_key_free(k2);
	free(sealed);
	free(sealed2);
	printf("%s\n", failures ? "FAILED" : "all passed");
	return failures ? 1 : 0;
}
