/* SPDX-License-Identifier: BSD-2-Clause */
#include "authd_err.h"

const char *
authd_strerror(int err)
{
	switch (err) {
	case AUTHD_OK: return "success";
	case AUTHD_ERR_INTERNAL: return "internal error";
	case AUTHD_ERR_NOMEM: return "out of memory";
	case AUTHD_ERR_SYSTEM: return "system error";
	case AUTHD_ERR_TOO_LARGE: return "input too large";
	case AUTHD_ERR_TRUNCATED: return "input truncated";
	case AUTHD_ERR_TRAILING: return "trailing bytes after message";
	case AUTHD_ERR_VERSION: return "unsupported protocol version";
	case AUTHD_ERR_BAD_TYPE: return "unknown message type";
	case AUTHD_ERR_BAD_TAG: return "unknown or misplaced attribute";
	case AUTHD_ERR_DUP_TAG: return "duplicate attribute";
	case AUTHD_ERR_BAD_VALUE: return "malformed attribute value";
	case AUTHD_ERR_MISSING: return "required attribute missing";
	case AUTHD_ERR_TOO_MANY: return "too many items";
	case AUTHD_ERR_TIMEOUT: return "timed out";
	case AUTHD_ERR_CLOSED: return "connection closed";
	case AUTHD_ERR_CONNECT: return "cannot connect to authd";
	case AUTHD_ERR_REQID: return "reply does not match request";
	case AUTHD_ERR_CONFIG: return "configuration error";
	case AUTHD_ERR_PERM: return "permission denied";
	case AUTHD_ERR_CRYPTO: return "cryptographic failure";
	case AUTHD_ERR_NOT_FOUND: return "not found";
	case AUTHD_ERR_EXISTS: return "already exists";
	case AUTHD_ERR_DIRECTORY: return "directory unavailable";
	case AUTHD_ERR_DB: return "database error";
	case AUTHD_ERR_INVALID: return "invalid argument";
	}
	return "unknown error";
}
