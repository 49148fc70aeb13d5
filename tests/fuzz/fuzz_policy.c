/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the policy parser (policy_load_text) and, when an
 * input loads, the decision engine.  Every system (up to SYS_MAX) is
 * decided for a fixed user, from a few sources, at a few times, by name
 * and by PAM service; each decision is made twice, with and without a
 * trace, and the two must be the same bytes.  The windows and networks
 * the systems name are also matched directly, at the edges of time_t.
 *
 * A load that fails must leave no policy and a "fuzz.policy..." message;
 * LeakSanitizer checks that every path frees what it took.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authd_err.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SYS_MAX	32

/* The user: normalised DNs sorted with strcmp; team-a is in g. */
static const char *const groups[] = {
	"cn=a,dc=x",
	"cn=ekonomi-handl,ou=grupper,dc=exempel,dc=se",
	"cn=g,dc=x",
	"cn=konsulter,ou=grupper,dc=exempel,dc=se",
	"cn=team-a,dc=x",
};
static const int parent[] = { -1, 4, 4, -1, -1 };

static const char *const sources[] = {
	NULL, "", "10.20.1.5", "10.20.99.7", "192.0.2.1", "2001:db8:20::1",
	"::ffff:10.20.1.5", "host.example.se", "0.0.0.0", "::",
};

static const time_t times[] = {
	0,
	1768208400,	/* 2026-01-12 09:00 UTC, a Monday */
	1774746000,	/* 2026-03-29 01:00 UTC, summer time begins */
	1792890000,	/* 2026-10-25 01:00 UTC, summer time ends */
	-1,
	(time_t)INT64_MAX,
	(time_t)INT64_MIN,
};

static void
trace_cb(void *arg, const char *kind, const char *name, int matched,
    const char *detail)
{
	size_t *n = arg;

	/* Every string must be terminated: strlen reads it all. */
	*n += strlen(kind) + strlen(name) + strlen(detail) + (matched != 0);
}

/* Revokes roles whose name starts with 'r'; leaves cite unterminated. */
static int
revoked_cb(void *arg, const char *system, const char *role,
    const char *user, char *cite, size_t citesz)
{
	(void)arg;
	(void)system;
	(void)user;
	if (role[0] != 'r')
		return 0;
	memset(cite, 'c', citesz);
	return 1;
}

static void
check_decision(const struct policy *p, const struct pol_system *sys,
    const struct pol_query *q)
{
	struct pol_decision d1, d2;
	size_t tn = 0;

	policy_decide(p, q, &d1, trace_cb, &tn);
	policy_decide(p, q, &d2, NULL, NULL);
	if (memcmp(&d1, &d2, sizeof(d1)) != 0)
		abort();
	if (d1.allow != (d1.reason == RSN_OK) || d1.sys != sys || tn == 0)
		abort();
	if (memchr(d1.rule, '\0', sizeof(d1.rule)) == NULL ||
	    memchr(d1.roles, '\0', sizeof(d1.roles)) == NULL ||
	    memchr(d1.grants, '\0', sizeof(d1.grants)) == NULL ||
	    memchr(d1.mfa, '\0', sizeof(d1.mfa)) == NULL ||
	    memchr(d1.detail, '\0', sizeof(d1.detail)) == NULL)
		abort();
	if (d1.allow && (d1.roles[0] == '\0' || d1.grants[0] == '\0'))
		abort();
}

static void
check_cond(const struct pol_cond *c)
{
	size_t i, k;

	for (i = 0; i < c->nwhen; i++)
		for (k = 0; k < sizeof(times) / sizeof(times[0]); k++)
			(void)policy_window_match(c->when[i], times[k]);
	for (i = 0; i < c->nfrom; i++)
		for (k = 0; k < sizeof(sources) / sizeof(sources[0]); k++)
			(void)policy_network_match(c->from[i], sources[k]);
}

static void
held_cb(void *arg, const struct pol_role *role, const char *path)
{
	size_t *n = arg;

	*n += strlen(role->name) + strlen(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = (struct policy *)&p;
	const struct pol_system *sys;
	struct pol_user u;
	struct pol_query q;
	char err[POL_ERR_MAX], buf[256];
	size_t i, j, k, n, hn = 0;
	int r;

	memset(err, 'e', sizeof(err));
	if ((r = policy_load_text("fuzz.policy", (const char *)data, size,
	    &p, err)) != 0) {
		/* Text in memory: any error is the text's (not memory). */
		if (r != AUTHD_ERR_CONFIG || p != NULL ||
		    memchr(err, '\0', sizeof(err)) == NULL ||
		    strncmp(err, "fuzz.policy", 11) != 0)
			abort();
		return 0;
	}
	if (p == NULL || strlen(policy_version(p)) != 16)
		abort();

	memset(&u, 0, sizeof(u));
	u.name = "anna";
	u.dn = "uid=anna,dc=x";
	u.groups = groups;
	u.parent = parent;
	u.ngroups = sizeof(groups) / sizeof(groups[0]);

	n = policy_nsystems(p);
	for (i = 0; i < n && i < SYS_MAX; i++) {
		sys = policy_system_at(p, i);
		if (sys == NULL || policy_system_by_name(p, sys->name) != sys ||
		    sys->nservices == 0 ||
		    policy_system_resolve(p, NULL, sys->services[0]) != sys)
			abort();
		for (k = 0; k < sizeof(sources) / sizeof(sources[0]); k++) {
			memset(&q, 0, sizeof(q));
			q.system = k % 2 ? sys->name : NULL;
			q.service = sys->services[k % sys->nservices];
			q.source = sources[k];
			q.at = times[k % (sizeof(times) / sizeof(times[0]))];
			q.user = &u;
			q.has_token = (int)(k % 2);
			if (k % 3 == 0) {
				q.revoked = revoked_cb;
				q.revoked_arg = NULL;
			}
			check_decision(p, sys, &q);
		}
		check_cond(&sys->cond);
		for (j = 0; j < sys->nroles; j++) {
			check_cond(&sys->roles[j].cond);
			(void)policy_cond_str(sys, &sys->roles[j], buf,
			    sizeof(buf));
			if (memchr(buf, '\0', sizeof(buf)) == NULL)
				abort();
		}
		for (j = 0; j < sys->ndeny; j++)
			check_cond(&sys->deny[j].cond);
		(void)policy_roles_held(sys, &u, held_cb, &hn);
		(void)policy_deny_always(p, sys, &u);
		(void)policy_factors(p, sys, 0, NULL);
	}
	/* A user with no groups, and an unknown system. */
	memset(&q, 0, sizeof(q));
	u.ngroups = 0;
	q.user = &u;
	q.service = "no-such-service";
	policy_decide(p, &q, &(struct pol_decision){ 0 }, NULL, NULL);
	for (i = 0; i < n && i < SYS_MAX; i++) {
		q.system = policy_system_at(p, i)->name;
		check_decision(p, policy_system_at(p, i), &q);
	}
	policy_free(p);
	return 0;
}
