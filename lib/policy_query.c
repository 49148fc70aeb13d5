/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Questions about a policy that are not one decision: which roles a user
 * holds on a system by group membership, and whether a deny rule shuts a
 * user out whatever the source and time (authctl access list / user).
 */
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

size_t
policy_roles_held(const struct pol_system *sys, const struct pol_user *u,
    pol_held_fn *cb, void *arg)
{
	char path[768];
	size_t i, n = 0;
	int gi[POL_ROLES_MAX];

	pol_roles_held(sys, u, gi);
	for (i = 0; i < sys->nroles; i++) {
		if (gi[i] < 0)
			continue;
		pol_group_path(u, gi[i], path, sizeof(path));
		n++;
		if (cb != NULL)
			cb(arg, &sys->roles[i], path);
	}
	return n;
}

/* Does `d` name `u` (by user or group) with no source or time limit? */
static int
deny_always(const struct pol_deny *d, const struct pol_user *u)
{
	size_t i;

	if (d->cond.nwhen > 0 || d->cond.nfrom > 0)
		return 0;
	if (d->nusers == 0 && d->ngroups == 0)
		return 1;
	for (i = 0; i < d->nusers; i++)
		if (strcmp(d->users[i], u->name) == 0)
			return 1;
	for (i = 0; i < d->ngroups; i++)
		if (pol_group_index(u, d->groups[i], d->group_hash[i]) >= 0)
			return 1;
	return 0;
}

const struct pol_deny *
policy_deny_always(const struct policy *p, const struct pol_system *sys,
    const struct pol_user *u)
{
	size_t i;

	for (i = 0; i < p->ndeny; i++)
		if (deny_always(&p->deny[i], u))
			return &p->deny[i];
	for (i = 0; i < sys->ndeny; i++)
		if (deny_always(&sys->deny[i], u))
			return &sys->deny[i];
	return NULL;
}

/* "when W1,W2; from N1, ..." for the conditions of a system and role. */
const char *
policy_cond_str(const struct pol_system *sys, const struct pol_role *r,
    char *buf, size_t sz)
{
	const struct pol_cond *cs[2] = { &sys->cond, &r->cond };
	size_t i, k, len;

	buf[0] = '\0';
	for (k = 0; k < 2; k++) {
		for (i = 0; i < cs[k]->nwhen; i++) {
			len = strlen(buf);
			snprintf(buf + len, sz - len, "%s%s", i == 0 ?
			    (len ? "; when " : "when ") : ",",
			    cs[k]->when[i]->name);
		}
		for (i = 0; i < cs[k]->nfrom; i++) {
			len = strlen(buf);
			snprintf(buf + len, sz - len, "%s%s", i == 0 ?
			    (len ? "; from " : "from ") : ",",
			    cs[k]->from[i]->name != NULL ?
			    cs[k]->from[i]->name : "(ranges)");
		}
	}
	return buf;
}

size_t
policy_nhosts(const struct policy *p)
{
	return p->nhosts;
}

const struct pol_host *
policy_host_by_name(const struct policy *p, const char *name)
{
	char low[POL_HOST_NAME_MAX + 1];
	size_t i, n;

	if (name == NULL || (n = strlen(name)) > POL_HOST_NAME_MAX)
		return NULL;
	for (i = 0; i <= n; i++)
		low[i] = name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] + ('a' - 'A') : name[i];
	return pol_htab_get(&p->byhost, low, &i) ? &p->hosts[i] : NULL;
}

int
policy_host_allows(const struct pol_host *h, const char *system)
{
	size_t i;

	if (h == NULL || system == NULL)
		return 0;
	for (i = 0; i < h->nsystems; i++)
		if (strcmp(h->systems[i], system) == 0)
			return 1;
	return 0;
}
