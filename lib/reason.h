/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_REASON_H
#define AUTHD_REASON_H

/*
 * Reason codes carried by every decision: in the audit record, in the
 * reply to the client and in the PAM module's log line.  The strings are
 * stable; scripts and reports match on them.
 */
enum reason {
	RSN_OK = 0,		/* allowed / done */
	RSN_BAD_CODE,		/* code does not match any step in the window */
	RSN_REPLAY,		/* code matched a step not after the last accepted */
	RSN_LOCKED,		/* user is locked out after repeated failures */
	RSN_LOCKOUT_START,	/* this failure started a lockout */
	RSN_UNKNOWN_USER,		/* user not in the directory / no such user */
	RSN_NO_TOKEN,		/* user has no token */
	RSN_TOKEN_PENDING,	/* token enrolled but not yet confirmed */
	RSN_BAD_FORMAT,		/* code or name malformed */
	RSN_UNKNOWN_SYSTEM,	/* system not configured */
	RSN_NOT_MEMBER,		/* user lacks the system's group */
	RSN_DIRECTORY_UNAVAILABLE,/* LDAP unreachable or failed */
	RSN_INTERNAL,		/* database or other internal failure */
	RSN_BAD_REQUEST,		/* malformed or unsupported request */
	RSN_FORBIDDEN,		/* peer not allowed on this socket */
	RSN_BUSY,			/* queue full */
	RSN_EXISTS,		/* token already exists */
	RSN_NOT_FOUND,		/* no such record */
	RSN_NO_ROLE,		/* user holds no role on the system */
	RSN_DENY_RULE,		/* an explicit deny rule matched */
	RSN_OUTSIDE_HOURS,	/* roles held, but outside their windows */
	RSN_SOURCE_NOT_ALLOWED,	/* roles held, but not from this source */
	RSN_REVOKED,		/* revoked in an access review */
	RSN_BAD_PASSWORD,	/* directory password wrong or empty */
	RSN_POLICY_ERROR,	/* a policy could not be loaded */
	RSN_ACCOUNT_DISABLED,	/* the directory account is disabled or locked */
	RSN_ACCOUNT_EXPIRED,	/* the directory account has expired */
	RSN_DEADLINE,		/* the client's deadline passed: abandoned */
	RSN_REPLY_LOST,		/* the reply could not be written */
	RSN_TOO_MANY,		/* too many failed attempts: wait */
	RSN_HOST_NOT_ALLOWED,	/* a TLS host asked about a system not its own */
	RSN_NO_SERVER,		/* a relay reached no central authd in time */
	RSN_LAST
};

/* Returns the stable string for a reason ("bad-code", ...). */
const char *reason_str(enum reason r);
/* Returns the reason for a string, or RSN_LAST if unknown. */
enum reason reason_from_str(const char *s);

#endif
