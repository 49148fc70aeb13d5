/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_ERR_H
#define AUTHD_ERR_H

/*
 * Error codes shared by authd, pam_authd.so and authctl.  Library functions
 * return 0 on success or one of these (negative) values.
 */
enum authd_err {
	AUTHD_OK = 0,
	AUTHD_ERR_INTERNAL = -1,	/* a bug or an unexpected library failure */
	AUTHD_ERR_NOMEM = -2,		/* allocation failed */
	AUTHD_ERR_SYSTEM = -3,		/* a system call failed; see errno */
	AUTHD_ERR_TOO_LARGE = -4,	/* input exceeds a hard size limit */
	AUTHD_ERR_TRUNCATED = -5,	/* input ended before a complete value */
	AUTHD_ERR_TRAILING = -6,	/* bytes left over after a complete value */
	AUTHD_ERR_VERSION = -7,		/* unsupported protocol version */
	AUTHD_ERR_BAD_TYPE = -8,	/* unknown message type */
	AUTHD_ERR_BAD_TAG = -9,		/* unknown or misplaced attribute tag */
	AUTHD_ERR_DUP_TAG = -10,	/* attribute present twice */
	AUTHD_ERR_BAD_VALUE = -11,	/* attribute value malformed (NUL, length) */
	AUTHD_ERR_MISSING = -12,	/* a required attribute is absent */
	AUTHD_ERR_TOO_MANY = -13,	/* a count exceeds its bound */
	AUTHD_ERR_TIMEOUT = -14,	/* deadline passed */
	AUTHD_ERR_CLOSED = -15,		/* peer closed the connection */
	AUTHD_ERR_CONNECT = -16,	/* cannot connect to authd */
	AUTHD_ERR_REQID = -17,		/* reply does not match the request */
	AUTHD_ERR_CONFIG = -18,		/* configuration error (already reported) */
	AUTHD_ERR_PERM = -19,		/* permission or file mode refused */
	AUTHD_ERR_CRYPTO = -20,		/* cryptographic operation failed */
	AUTHD_ERR_NOT_FOUND = -21,	/* no such object */
	AUTHD_ERR_EXISTS = -22,		/* object already exists */
	AUTHD_ERR_DIRECTORY = -23,	/* directory (LDAP) unreachable or failed */
	AUTHD_ERR_DB = -24,		/* database failure */
	AUTHD_ERR_INVALID = -25,	/* invalid argument */
};

/* Returns a static, human-readable description of an authd_err value. */
const char *authd_strerror(int err);

#endif
