/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_POLICY_INT_H
#define AUTHD_POLICY_INT_H

/* What the policy parser and the engine share; see policy.h. */

#include "policy.h"

/*
 * One group that one of a system's roles names.  A system's rg_hash[i]
 * (policy_group_hash of rgroups[i].dn) are sorted, equal hashes by role,
 * then place in the role: the roles a user holds are found in one pass
 * over rg_hash (a cache line for a few roles) and the user's sorted
 * hashes, without reading the roles the user does not hold.  rg_hash and
 * rgroups are one allocation.
 */
struct pol_rgroup {
	const char	*dn;		/* the role's groups[group] */
	uint16_t	 role;		/* index in the system's roles[] */
	uint16_t	 group;		/* index in that role's groups[] */
};

/* Open addressing, keys borrowed from the policy. */
struct pol_htab {
	const char	**key;
	size_t		 *val;
	size_t		  mask;		/* size - 1; size a power of two */
};

struct policy {
	char			 version[17];
	int			 mfa_threshold;
	int			 nesting_depth;
	struct pol_network	**nets;		/* named, then inline */
	size_t			 nnets, nnamed;
	struct pol_window	**wins;
	size_t			 nwins;
	struct pol_zone		**zones;
	size_t			 nzones;
	struct pol_deny		*deny;		/* global */
	size_t			 ndeny;
	struct pol_system	*sys;
	size_t			 nsys;
	struct pol_host		*hosts;
	size_t			 nhosts;
	struct pol_htab		 byname, byservice, byhost;
	char			**files;	/* names cited by file:line */
	size_t			 nfiles;
};

/* Builds `z`'s offset table from the system's zone data; 0 or -1 with
 * `why` (128 bytes) set. */
int pol_zone_build(const char *name, struct pol_zone *z, char *why);
/* Seconds east of UTC in `z` at `t`. */
int32_t pol_zone_offset(const struct pol_zone *z, int64_t t);

int pol_htab_build(struct pol_htab *h, size_t n);
int pol_htab_put(struct pol_htab *h, const char *key, size_t val);
/* Returns 1 and *val if found. */
int pol_htab_get(const struct pol_htab *h, const char *key, size_t *val);
void pol_htab_free(struct pol_htab *h);

/* Parses an address or CIDR range into `r`; 0 or -1 with `why` set. */
int pol_range_parse(const char *s, struct pol_range *r, const char **why);

/*
 * Index of `dn` in the user's sorted groups, or -1; `h` is
 * policy_group_hash(dn) (used when the user's groups are hashed).
 */
int pol_group_index(const struct pol_user *u, const char *dn, uint64_t h);
/*
 * For each role of `sys`: gi[i] (sys->nroles entries) is set to the index
 * in the user's groups of the first of role i's groups (in the role's
 * order) that the user is in, or -1.
 */
void pol_roles_held(const struct pol_system *sys, const struct pol_user *u,
    int *gi);
/* "granting > ... > direct" for the user's groups[gi], bounded by sz. */
void pol_group_path(const struct pol_user *u, int gi, char *buf, size_t sz);

#endif
