/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "reason.h"

static const char *const names[RSN_LAST] = {
	[RSN_OK] = "ok",
	[RSN_BAD_CODE] = "bad-code",
	[RSN_REPLAY] = "replay",
	[RSN_LOCKED] = "locked",
	[RSN_LOCKOUT_START] = "lockout-start",
	[RSN_UNKNOWN_USER] = "unknown-user",
	[RSN_NO_TOKEN] = "no-token",
	[RSN_TOKEN_PENDING] = "token-pending",
	[RSN_BAD_FORMAT] = "bad-format",
	[RSN_UNKNOWN_SYSTEM] = "unknown-system",
	[RSN_NOT_MEMBER] = "not-member",
	[RSN_DIRECTORY_UNAVAILABLE] = "directory-unavailable",
	[RSN_INTERNAL] = "internal-error",
	[RSN_BAD_REQUEST] = "bad-request",
	[RSN_FORBIDDEN] = "forbidden",
	[RSN_BUSY] = "busy",
	[RSN_EXISTS] = "exists",
	[RSN_NOT_FOUND] = "not-found",
	[RSN_NO_ROLE] = "no-role",
	[RSN_DENY_RULE] = "deny-rule",
	[RSN_OUTSIDE_HOURS] = "outside-hours",
	[RSN_SOURCE_NOT_ALLOWED] = "source-not-allowed",
	[RSN_REVOKED] = "revoked-in-review",
	[RSN_BAD_PASSWORD] = "bad-password",
	[RSN_POLICY_ERROR] = "policy-error",
	[RSN_ACCOUNT_DISABLED] = "account-disabled",
	[RSN_ACCOUNT_EXPIRED] = "account-expired",
	[RSN_DEADLINE] = "deadline",
	[RSN_REPLY_LOST] = "reply-lost",
	[RSN_TOO_MANY] = "too-many-attempts",
	[RSN_HOST_NOT_ALLOWED] = "host-not-allowed",
	[RSN_NO_SERVER] = "no-server",
};

const char *
reason_str(enum reason r)
{
	if ((unsigned)r >= RSN_LAST || names[r] == NULL)
		return "internal-error";
	return names[r];
}

enum reason
reason_from_str(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < RSN_LAST; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return (enum reason)i;
	return RSN_LAST;
}
