/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_PROTO_H
#define AUTHD_PROTO_H

#include <stddef.h>
#include <stdint.h>

/*
 * The wire protocol between pam_authd.so / authctl and authd; see
 * docs/protocol.md.  A frame is a 4-byte big-endian body length followed
 * by the body:
 *
 *	version:u8 type:u8 reqid:u32 nattr:u16 { tag:u16 len:u16 value[len] }*
 *
 * Parsing is strict: the length is checked against PROTO_FRAME_MAX before
 * anything is allocated, every tag must be known and valid for the message
 * type, no tag may repeat, strings hold no NUL, integers are exactly 8
 * bytes, and nothing may follow the last attribute.
 */

#define PROTO_VERSION		1
#define PROTO_FRAME_MAX		16384	/* body bytes */
#define PROTO_ATTR_MAX		48	/* attributes per message */
#define PROTO_HDR_LEN		8	/* version, type, reqid, nattr */

enum proto_type {
	/* PAM socket */
	PROTO_T_AUTH		= 0x01,	/* verify a one-time code */
	PROTO_T_ACCOUNT		= 0x02,	/* may USER use SYSTEM? */
	PROTO_T_SESSION_OPEN	= 0x03,	/* record a session start */
	PROTO_T_SESSION_CLOSE	= 0x04,	/* record a session end */
	PROTO_T_FACTORS		= 0x05,	/* which factors does a login need? */
	/* either socket */
	PROTO_T_PING		= 0x10,	/* liveness; answered with RESULT ok */
	/* admin socket */
	PROTO_T_ENROLL		= 0x40,	/* create a pending token */
	PROTO_T_CONFIRM		= 0x41,	/* activate a pending token with a code */
	PROTO_T_UNLOCK		= 0x42,	/* clear a lockout */
	PROTO_T_RESET		= 0x43,	/* remove a token */
	PROTO_T_STATUS		= 0x44,	/* token and lockout state of a user */
	PROTO_T_AUDIT_LIST	= 0x45,	/* stream audit records */
	PROTO_T_AUDIT_SHOW	= 0x46,	/* one audit record by sequence number */
	PROTO_T_AUDIT_PRUNE	= 0x47,	/* remove records before a time */
	PROTO_T_AUDIT_CHECKPOINT = 0x48, /* sign the chain head now */
	PROTO_T_POLICY_RELOAD	= 0x49,	/* read the policy files again */
	PROTO_T_POLICY_TEST	= 0x4a,	/* explain a decision (dry run) */
	PROTO_T_ACCESS_LIST	= 0x4b,	/* who has access to SYSTEM */
	PROTO_T_ACCESS_USER	= 0x4c,	/* which systems USER can reach */
	PROTO_T_NODES		= 0x4d,	/* the nodes sharing the store */
	/* access reviews: admin socket and review socket */
	PROTO_T_REVIEW_START	= 0x50,	/* snapshot a system's access */
	PROTO_T_REVIEW_LIST	= 0x51,	/* campaigns */
	PROTO_T_REVIEW_SHOW	= 0x52,	/* one campaign and its items */
	PROTO_T_REVIEW_DECIDE	= 0x53,	/* keep or revoke a user's access */
	PROTO_T_REVIEW_CLOSE	= 0x54,	/* close a campaign */
	PROTO_T_REVOCATION_LIST	= 0x55,	/* revocations in force */
	PROTO_T_REVOCATION_LIFT	= 0x56,	/* undo a revocation */
	/* web socket (authd-web, for a person who proves who they are) */
	PROTO_T_WEB_ENROLL	= 0x60,	/* password: a pending token, URI */
	PROTO_T_WEB_CONFIRM	= 0x61,	/* the app's code activates it */
	/* replies */
	PROTO_T_RESULT		= 0x80,	/* final answer to any request */
	PROTO_T_AUDIT_ROW	= 0x81,	/* one audit record (before RESULT) */
	PROTO_T_ROW		= 0x82,	/* one line of a listing (before RESULT) */
};

enum proto_tag {
	PROTO_A_USER = 1,	/* str: the subject user */
	PROTO_A_SYSTEM,		/* str: system name */
	PROTO_A_SERVICE,	/* str: PAM service name */
	PROTO_A_RHOST,		/* str: remote host (PAM_RHOST) */
	PROTO_A_TTY,		/* str: PAM_TTY */
	PROTO_A_CODE,		/* str: one-time code (secret) */
	PROTO_A_STATUS,		/* u64: enum proto_status */
	PROTO_A_REASON,		/* str: reason code, see reason.h */
	PROTO_A_MESSAGE,	/* str: human-readable detail */
	PROTO_A_URI,		/* str: otpauth:// URI (secret) */
	PROTO_A_LIMIT,		/* u64: maximum rows */
	PROTO_A_SINCE,		/* u64: lowest sequence number; pages forward */
	PROTO_A_FORCE,		/* u64: 1 = replace an existing token */
	PROTO_A_SEQ,		/* u64: audit sequence number */
	PROTO_A_TIME,		/* u64: ms since the epoch, UTC */
	PROTO_A_EVENT,		/* str: audit event type */
	PROTO_A_ACTOR,		/* str: who asked */
	PROTO_A_DECISION,	/* str: allow / deny / ok / error */
	PROTO_A_REQID,		/* u64: request id of the audited request */
	PROTO_A_NODE,		/* str: authd node name */
	PROTO_A_DETAIL,		/* str: free-form detail */
	PROTO_A_STATE,		/* str: token state */
	PROTO_A_FAILURES,	/* u64: consecutive failures */
	PROTO_A_LOCKED_UNTIL,	/* u64: ms since the epoch, 0 = not locked */
	PROTO_A_PID,		/* u64: client process id (informational) */
	PROTO_A_HASH,		/* str: record hash, hex */
	PROTO_A_POLICY,		/* str: policy version of a decision */
	PROTO_A_ROLE,		/* str: matched role */
	PROTO_A_RULE,		/* str: deciding rule */
	PROTO_A_FACTORS,	/* str: factors used, comma-separated */
	PROTO_A_TIME_FROM,	/* u64: ms since the epoch, inclusive */
	PROTO_A_TIME_UNTIL,	/* u64: ms since the epoch, exclusive */
	PROTO_A_BEFORE,		/* u64: ms since the epoch (prune) */
	PROTO_A_CHECKPOINT,	/* str: a signed checkpoint line */
	PROTO_A_COUNT,		/* u64: a number of records */
	PROTO_A_PASSWORD,	/* str: directory password (secret) */
	PROTO_A_KIND,		/* str: what a ROW describes */
	PROTO_A_NAME,		/* str: name of a rule, role, ... */
	PROTO_A_MATCHED,	/* u64: 1 = matched / met */
	PROTO_A_PATH,		/* str: group path that grants a role */
	PROTO_A_MFA,		/* str: the MFA requirement that applied */
	PROTO_A_REVIEW,		/* u64: review (campaign) id */
	PROTO_A_DUE,		/* u64: ms since the epoch, UTC */
	PROTO_A_COMMENT,	/* str: a reviewer's comment */
	PROTO_A_OWNER,		/* str: system owner */
	PROTO_A_DEFAULT,	/* str: keep / revoke for undecided items */
	PROTO_A_AS,		/* str: directory user proving who they are */
	PROTO_A_LAST_LOGIN,	/* u64: ms since the epoch, 0 = never */
	PROTO_A_INACTIVE,	/* u64: 1 = no login within the limit */
	PROTO_A_RECOMMEND,	/* str: the recommendation for an item */
	PROTO_A_CLOSED,		/* u64: ms since the epoch, 0 = open */
	PROTO_A_DECIDED,	/* u64: a number of decided items */
	PROTO_A_NEEDS_ADMIN,	/* u64: 1 = the security function decides */
	PROTO_A_REMEDIATION,	/* str: result of the directory change */
	PROTO_A_CLASS,		/* str: classification, "C3 I3 A2" */
	PROTO_A_DESCRIPTION,	/* str: a system's description */
	PROTO_A_ALL,		/* u64: 1 = every system */
	PROTO_A_DEFAULT_BY,	/* u64: 1 = decided by a close's default */
	PROTO_A_CLOSED_BY,	/* str: who closed a review */
	PROTO_A_ACCOUNT,	/* u64: auth: also decide the account; its status */
	PROTO_A_ACCOUNT_REASON,	/* str: that account decision's reason */
	PROTO_A_WAIT,		/* u64: ms the client waits for the answer */
	PROTO_A_SESSION,	/* str: a web session's public tag (hex) */
	PROTO_A_LAST,		/* not a tag: one past the highest */
};

enum proto_status {
	PROTO_S_ALLOW = 0,	/* allowed / done */
	PROTO_S_DENY = 1,	/* denied; REASON says why */
	PROTO_S_ERROR = 2,	/* request not processed; REASON says why */
};

struct proto_attr {
	uint16_t	 tag;
	uint16_t	 len;
	uint64_t	 u64;	/* integer value */
	char		*str;	/* NUL-terminated copy for strings */
};

struct proto_msg {
	uint8_t			version;
	uint8_t			type;
	uint32_t		reqid;
	size_t			nattr;
	struct proto_attr	attr[PROTO_ATTR_MAX];
};

/* Returns a new empty message, or NULL.  Free with proto_free. */
struct proto_msg *proto_new(uint8_t type, uint32_t reqid);
/* Wipes (values may be secrets) and frees `m`; accepts NULL. */
void proto_free(struct proto_msg *m);

/*
 * Adds an attribute.  Returns 0, AUTHD_ERR_BAD_TAG (unknown or wrong type),
 * AUTHD_ERR_DUP_TAG, AUTHD_ERR_TOO_MANY, AUTHD_ERR_BAD_VALUE (too long) or
 * AUTHD_ERR_NOMEM.  proto_add_str with a NULL value adds nothing.
 */
int proto_add_str(struct proto_msg *m, uint16_t tag, const char *v);
int proto_add_u64(struct proto_msg *m, uint16_t tag, uint64_t v);

/*
 * Look-ups.  Return 0 and set *out, or AUTHD_ERR_MISSING; *out is set to
 * NULL / 0 on entry.  Strings stay owned by the message.
 */
int proto_get_str(const struct proto_msg *m, uint16_t tag, const char **out);
int proto_get_u64(const struct proto_msg *m, uint16_t tag, uint64_t *out);
/* Returns the string or `def` when absent. */
const char *proto_str(const struct proto_msg *m, uint16_t tag, const char *def);

/*
 * Parses one frame body (without the length prefix).  Returns 0 and a new
 * message in *out, or a negative AUTHD_ERR_*; *out is NULL on error.
 */
int proto_parse(const uint8_t *body, size_t len, struct proto_msg **out);

/*
 * Encodes `m` as a complete frame (length prefix included) into a new
 * buffer *out of *outlen bytes, which the caller wipes and frees with
 * secure_free(*out, *outlen).
 */
int proto_encode(const struct proto_msg *m, uint8_t **out, size_t *outlen);

/* Returns the static name of a message type ("auth", ...) or "unknown". */
const char *proto_type_name(uint8_t type);

#endif
