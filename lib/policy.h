/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_POLICY_H
#define AUTHD_POLICY_H

/*
 * The policy language (policies/README.md is its reference) and the
 * decision engine.  A loaded policy is immutable: authd swaps whole
 * policies on reload, and any number of threads may decide with one at
 * the same time.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "reason.h"

#define POL_NAME_MAX		64	/* names of systems, roles, ... */
#define POL_DN_MAX		512	/* group DNs */
#define POL_TEXT_MAX		256	/* descriptions */
#define POL_FILE_MAX		(1024 * 1024)
#define POL_FILES_MAX		256
#define POL_LINE_MAX		1024
#define POL_SYSTEMS_MAX		4096
#define POL_ROLES_MAX		64	/* per system */
#define POL_GROUPS_MAX		64	/* per role */
#define POL_NETWORKS_MAX	256
#define POL_RANGES_MAX		1024	/* per network */
#define POL_WINDOWS_MAX		256
#define POL_DENY_MAX		256	/* per scope */
#define POL_WHO_MAX		128	/* users or groups per deny rule */
#define POL_REFS_MAX		32	/* names after `when` / `from` */
#define POL_ERR_MAX		512
#define POL_HOSTS_MAX		4096
#define POL_HOST_NAME_MAX	253	/* a DNS name */
#define POL_HOST_SYSTEMS_MAX	64	/* systems per host */

/* Factors a login needs. */
#define POL_F_TOTP		0x1
#define POL_F_PASSWORD		0x2

enum pol_mfa {
	POL_MFA_CLASSIFIED = 0,
	POL_MFA_REQUIRED,
	POL_MFA_OPTIONAL,
};

/* An address range; IPv4 is held as IPv4-mapped IPv6 (bits + 96). */
struct pol_range {
	uint8_t		addr[16];
	uint8_t		bits;
};

struct pol_network {
	char			*name;
	int			 local;		/* matches "no remote host" */
	struct pol_range	*ranges;
	size_t			 nranges;
	struct pol_range	*except;
	size_t			 nexcept;
	int			 line;
	char			*file;
};

/* A zone's UTC offsets: offset[i] applies from start[i] on. */
struct pol_zone {
	char		*name;
	int64_t		*start;
	int32_t		*offset;	/* seconds east of UTC */
	size_t		 n;
};

struct pol_window {
	char			*name;
	const struct pol_zone	*zone;
	uint8_t			 days;		/* bit 0 = Monday ... bit 6 */
	uint16_t		 from[16], to[16];	/* minutes of the day */
	size_t			 nhours;	/* 0: the whole day */
	int			 line;
	char			*file;
};

/* Conditions shared by systems, roles and deny rules. */
struct pol_cond {
	const struct pol_window	**when;
	size_t			 nwhen;
	const struct pol_network **from;	/* named or inline */
	size_t			 nfrom;
};

struct pol_deny {
	char			*name;
	char			**users;
	size_t			 nusers;
	char			**groups;	/* normalised DNs */
	uint64_t		*group_hash;	/* policy_group_hash of each */
	size_t			 ngroups;
	struct pol_cond		 cond;
	int			 line;
	char			*file;
};

struct pol_role {
	char			*name;
	char			*description;
	char			**groups;	/* normalised DNs */
	size_t			 ngroups;
	struct pol_cond		 cond;
	int			 line;
	char			*file;
};

struct pol_rgroup;	/* internal: policy_int.h */

struct pol_system {
	char			*name;
	char			*description;
	char			**services;
	size_t			 nservices;
	char			*owner;
	int			 conf, integ, avail;	/* KLASSA 0-4 */
	enum pol_mfa		 mfa;
	int			 password;
	struct pol_cond		 cond;
	struct pol_role		*roles;
	size_t			 nroles;
	uint64_t		*rg_hash;	/* the roles' groups by hash, */
	struct pol_rgroup	*rgroups;	/* and whose they are */
	size_t			 nrgroups;
	struct pol_deny		*deny;
	size_t			 ndeny;
	int			 line;
	char			*file;
};

/*
 * A pilot host that reaches authd over TLS (`host NAME { systems ... }`):
 * the name its certificate carries and the only systems it may ask about.
 */
struct pol_host {
	char			*name;		/* lower case */
	char			**systems;	/* names of defined systems */
	size_t			 nsystems;
	int			 line;
	char			*file;
};

struct policy;

/*
 * Loading.  *out is set to NULL on entry.  On error the policy is not
 * built, AUTHD_ERR_CONFIG (the text is wrong), AUTHD_ERR_PERM (a file or
 * the directory is writable by group or others, or not owned by root or
 * this user), AUTHD_ERR_SYSTEM (cannot read) or AUTHD_ERR_NOMEM is
 * returned, and `err` (POL_ERR_MAX bytes) holds one line "file:line:
 * message" (or "file: message").  A text that reads "out of memory" is
 * still AUTHD_ERR_CONFIG.
 */
/* Every *.policy file in `dir`, in name order. */
int policy_load_dir(const char *dir, struct policy **out, char *err);
/* The named files, in the order given. */
int policy_load_files(const char *const *paths, size_t n,
    struct policy **out, char *err);
/* One text in memory, reported as `name` (tests, fuzzing). */
int policy_load_text(const char *name, const char *text, size_t len,
    struct policy **out, char *err);
void policy_free(struct policy *p);

/* 16 hex digits of SHA-256 over the file names and contents. */
const char *policy_version(const struct policy *p);
int policy_mfa_threshold(const struct policy *p);
int policy_nesting_depth(const struct policy *p);

size_t policy_nsystems(const struct policy *p);
const struct pol_system *policy_system_at(const struct policy *p, size_t i);
const struct pol_system *policy_system_by_name(const struct policy *p,
    const char *name);
/* By name when `system` is not NULL, else by PAM service. */
const struct pol_system *policy_system_resolve(const struct policy *p,
    const char *system, const char *service);
/*
 * The host entry named `name` (compared without regard to ASCII case), or
 * NULL when the policy names no such host.
 */
const struct pol_host *policy_host_by_name(const struct policy *p,
    const char *name);
/* 1 when `h` may ask about the system named `system`, else 0. */
int policy_host_allows(const struct pol_host *h, const char *system);
size_t policy_nhosts(const struct policy *p);
/* The global deny rules. */
const struct pol_deny *policy_deny_at(const struct policy *p, size_t i,
    size_t *n);

/*
 * A user as the directory describes them.  `groups` are the normalised
 * DNs of every group the user is in, directly or through nesting, sorted
 * with strcmp; parent[i] is the index of the group through which groups[i]
 * was reached (the user's direct group has -1).
 *
 * `ghash` and `gorder` (both NULL, or both `ngroups` long; see
 * policy_groups_hash) index the groups by policy_group_hash: ghash[i] is
 * the hash of groups[gorder[i]], ascending.  With them a membership check
 * searches one small array of integers instead of comparing strings
 * spread over the heap; without them the engine compares the strings.
 * Either way the answers are the same.
 */
struct pol_user {
	const char		*name;
	const char		*dn;
	const char *const	*groups;
	const int		*parent;
	size_t			 ngroups;
	const uint64_t		*ghash;
	const uint32_t		*gorder;
};

/* Returns 1 when `user`'s `role` on `system` was revoked; `cite` gets a
 * short text such as "review 12".  May be NULL in a query. */
typedef int pol_revoked_fn(void *arg, const char *system, const char *role,
    const char *user, char *cite, size_t citesz);

struct pol_query {
	const char		*system;	/* name, or NULL */
	const char		*service;	/* PAM service */
	const char		*source;	/* NULL/"": local */
	time_t			 at;
	const struct pol_user	*user;
	int			 has_token;	/* active TOTP token: 1/0 */
	pol_revoked_fn		*revoked;
	void			*revoked_arg;
};

/*
 * Explanation of a decision, step by step (authctl policy test): `kind`
 * is "system", "deny", "role" or "factors"; `name` what was tested;
 * `matched` whether it matched; `detail` in words.
 */
typedef void pol_trace_fn(void *arg, const char *kind, const char *name,
    int matched, const char *detail);

struct pol_decision {
	int			 allow;
	enum reason		 reason;
	const struct pol_system	*sys;
	char			 rule[160];	/* the rule that decided */
	char			 roles[512];	/* applying roles, comma-separated */
	char			 grants[1024];	/* "role: group > group; ..." */
	unsigned		 factors;	/* POL_F_* */
	char			 mfa[96];	/* which MFA requirement applied */
	char			 detail[256];	/* why not, in words */
};

/*
 * Decides `q` (q->user must not be NULL).  The answer depends only on the
 * policy and the query.  `trace` may be NULL.
 */
void policy_decide(const struct policy *p, const struct pol_query *q,
    struct pol_decision *d, pol_trace_fn *trace, void *trace_arg);

/*
 * The factors `sys` requires (POL_F_*), for a user who has an active TOTP
 * token or not (matters for `mfa optional` only); `why` (96 bytes, may be
 * NULL) names the requirement that applied.
 */
unsigned policy_factors(const struct policy *p, const struct pol_system *sys,
    int has_token, char *why);

/* Writes "password,totp", "totp", ... or "none" into buf. */
const char *policy_factors_str(unsigned factors, char *buf, size_t bufsz);

/*
 * Normalises a DN for comparison (ldap_dn_normalize, then ASCII case
 * folding) into a new string; NULL if it is not a DN.
 */
char *policy_dn_norm(const char *dn);

/*
 * A fixed (unkeyed) 64-bit hash of a normalised group DN: the same in
 * every process and every policy, so a user's hashed groups stay valid
 * across policy reloads.  Equal hashes never decide anything on their own:
 * the engine confirms each with strcmp.
 */
uint64_t policy_group_hash(const char *dn);
/*
 * Fills hash[0..n-1] and order[0..n-1] for a user's `groups` (n at most
 * UINT32_MAX): hash[i] = policy_group_hash(groups[order[i]]), ascending,
 * equal hashes in the order of their groups.  Allocates nothing.
 */
void policy_groups_hash(const char *const *groups, size_t n,
    uint64_t *hash, uint32_t *order);

/* Calls `cb` for every role of `sys` that `u` holds by group membership
 * (conditions not considered), with the group path; returns how many. */
typedef void pol_held_fn(void *arg, const struct pol_role *role,
    const char *path);
size_t policy_roles_held(const struct pol_system *sys,
    const struct pol_user *u, pol_held_fn *cb, void *arg);
/* A deny rule (global or the system's) that names `u` with no source or
 * time condition, or NULL. */
const struct pol_deny *policy_deny_always(const struct policy *p,
    const struct pol_system *sys, const struct pol_user *u);
/* The `when` and `from` of a system and role in words. */
const char *policy_cond_str(const struct pol_system *sys,
    const struct pol_role *r, char *buf, size_t sz);

/*
 * Parses an address or CIDR range ("10.0.0.0/8", "2001:db8::/32") into
 * *r, as a network's `address` does: 0, or -1 with *why set.
 */
int policy_range_parse(const char *s, struct pol_range *r, const char **why);
/* 1 when `source` (NULL/"": local) is in `n`; host names never are. */
int policy_network_match(const struct pol_network *n, const char *source);
/* 1 when `at` is within `w`. */
int policy_window_match(const struct pol_window *w, time_t at);

#endif
