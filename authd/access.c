/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The account decision: may this user use this system, now, from there?
 * The policy engine decides (lib/policy_eval.c); this file feeds it the
 * user's directory entry from the shared cache, and writes the decision
 * to the audit trail before the PAM module hears it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "writer.h"

#define LIST_USERS_MAX	100000

int
access_has_token(struct req *rq, const struct pol_system *sys)
{
	struct token t;
	int active;

	/* Only "mfa optional" asks; elsewhere the token is not read. */
	if (sys == NULL || sys->mfa != POL_MFA_OPTIONAL)
		return 0;
	memset(&t, 0, sizeof(t));
	if (store_token_get(rq->w->st, rq->user, &t) != 0)
		return 0;
	active = strcmp(t.state, "active") == 0;
	token_clear(&t);
	return active;
}

void
access_decide(struct req *rq, const struct policy *p,
    const struct access_query *aq, struct access_result *ar,
    pol_trace_fn *tf, void *ta)
{
	struct authd *ad = rq->w->ad;
	struct pol_query q;
	struct pol_user nobody;
	struct dc_info info;
	const struct dc_entry *e = NULL;
	char text[128];
	int r;

	memset(ar, 0, sizeof(*ar));
	memset(&q, 0, sizeof(q));
	memset(&nobody, 0, sizeof(nobody));
	memset(&info, 0, sizeof(info));
	nobody.name = aq->user;
	q.system = aq->system;
	q.service = aq->service;
	q.source = aq->source;
	q.at = aq->at;
	q.user = &nobody;
	q.has_token = aq->has_token;
	q.revoked = aq->revoked;
	q.revoked_arg = aq->revoked_arg;

	/* An unknown system costs no directory look-up. */
	if (policy_system_resolve(p, aq->system, aq->service) == NULL) {
		policy_decide(p, &q, &ar->d, tf, ta);
		snprintf(ar->dirinfo, sizeof(ar->dirinfo), "not asked");
		return;
	}
	r = dircache_get(ad->dc, rq->w->dir, aq->user,
	    policy_nesting_depth(p), &e, &info);
	if (r == 0 && e != NULL && e->found) {
		q.user = &e->pu;
		if (info.stale)
			snprintf(ar->dirinfo, sizeof(ar->dirinfo), "stale, "
			    "%lld s old (directory unavailable or busy)",
			    (long long)info.age_s);
		else if (info.from_cache)
			snprintf(ar->dirinfo, sizeof(ar->dirinfo), "cached, "
			    "%lld s old", (long long)info.age_s);
		else
			snprintf(ar->dirinfo, sizeof(ar->dirinfo), "fresh");
		ar->stale = info.stale;
		policy_decide(p, &q, &ar->d, tf, ta);
		dircache_put(e);
		return;
	}
	dircache_put(e);
	/* No entry to decide with: deny, and say why. */
	memset(&ar->d, 0, sizeof(ar->d));
	ar->d.sys = policy_system_resolve(p, aq->system, aq->service);
	ar->d.factors = policy_factors(p, ar->d.sys, aq->has_token,
	    ar->d.mfa);
	snprintf(ar->d.rule, sizeof(ar->d.rule), "default-deny");
	if (r == AUTHD_ERR_NOT_FOUND || (r == 0 && e != NULL)) {
		ar->d.reason = RSN_UNKNOWN_USER;
		snprintf(ar->dirinfo, sizeof(ar->dirinfo), "no such user");
		snprintf(ar->d.detail, sizeof(ar->d.detail), "the directory "
		    "has no (single) entry for this user");
	} else {
		ar->d.reason = RSN_DIRECTORY_UNAVAILABLE;
		snprintf(ar->dirinfo, sizeof(ar->dirinfo), "unavailable");
		snprintf(ar->d.detail, sizeof(ar->d.detail), "the directory "
		    "could not be asked and nothing usable is cached");
	}
	snprintf(text, sizeof(text), "%s", ar->dirinfo);
	if (tf != NULL)
		tf(ta, "directory", aq->user, 0, text);
}

static int
add_holder(void *arg, const char *user, const char *user_dn,
    const char *path)
{
	struct holders *hs = arg;
	struct holder *nh;
	size_t i;

	(void)user_dn;
	for (i = 0; i < hs->n; i++)
		if (strcmp(hs->h[i].user, user) == 0 &&
		    strcmp(hs->h[i].role, hs->role) == 0)
			return 0;	/* first path found is kept */
	if (hs->n >= LIST_USERS_MAX)
		return hs->err = AUTHD_ERR_TOO_MANY;
	if ((nh = realloc(hs->h, (hs->n + 1) * sizeof(*nh))) == NULL)
		return hs->err = AUTHD_ERR_NOMEM;
	hs->h = nh;
	nh = &hs->h[hs->n];
	nh->user = strdup(user);
	nh->role = strdup(hs->role);
	nh->path = strdup(path);
	hs->n++;
	if (nh->user == NULL || nh->role == NULL || nh->path == NULL)
		return hs->err = AUTHD_ERR_NOMEM;
	return 0;
}

static int
cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;
	int c = strcmp(x->user, y->user);

	return c != 0 ? c : strcmp(x->role, y->role);
}

int
access_holders(struct req *rq, const struct policy *p,
    const struct pol_system *sys, struct holders *hs)
{
	size_t i, j;
	int r = 0;

	memset(hs, 0, sizeof(*hs));
	for (i = 0; i < sys->nroles && r == 0; i++) {
		hs->role = sys->roles[i].name;
		for (j = 0; j < sys->roles[i].ngroups && r == 0; j++)
			r = dir_group_members(rq->w->dir,
			    sys->roles[i].groups[j], policy_nesting_depth(p),
			    add_holder, hs);
	}
	if (r == 0 && hs->err != 0)
		r = hs->err;
	if (r == 0)
		qsort(hs->h, hs->n, sizeof(*hs->h), cmp_holder);
	return r;
}

void
access_holders_free(struct holders *hs)
{
	size_t i;

	for (i = 0; i < hs->n; i++) {
		free(hs->h[i].user);
		free(hs->h[i].role);
		free(hs->h[i].path);
	}
	free(hs->h);
	memset(hs, 0, sizeof(*hs));
}

void
access_prepare(struct req *rq, struct access_outcome *o)
{
	struct authd *ad = rq->w->ad;
	struct access_query aq;
	struct access_result *ar = &o->ar;
	struct polref *ref;
	const struct policy *p;

	memset(&aq, 0, sizeof(aq));
	aq.user = rq->user;
	aq.system = rq->system;
	aq.service = rq->service;
	aq.source = rq->rhost;
	aq.at = time(NULL);
	aq.revoked = review_revoked;
	aq.revoked_arg = rq;
	p = pol_hold(ad, &ref);
	snprintf(rq->policy_version, sizeof(rq->policy_version), "%s",
	    policy_version(p));
	aq.has_token = access_has_token(rq, policy_system_resolve(p,
	    rq->system, rq->service));
	access_decide(rq, p, &aq, ar, NULL, NULL);
	/* Records name the system, also when the PAM service chose it. */
	if (ar->d.sys != NULL && rq->system == NULL) {
		snprintf(rq->sysname, sizeof(rq->sysname), "%s",
		    ar->d.sys->name);
		rq->system = rq->sysname;
	}
	pol_release(ad, ref);
	ar->d.sys = NULL;	/* the policy may go with the reference */

	snprintf(o->detail, sizeof(o->detail), "%s%s%s%s%s", ar->d.detail,
	    ar->d.detail[0] && ar->d.grants[0] ? "; " : "", ar->d.grants,
	    ar->stale ? "; directory " : "", ar->stale ? ar->dirinfo : "");
	o->rule = ar->d.rule[0] ? ar->d.rule : NULL;
	o->role = ar->d.roles[0] ? ar->d.roles : NULL;
	(void)policy_factors_str(ar->d.factors, o->factors,
	    sizeof(o->factors));
}

int
access_record(struct wtx *tx, struct req *rq, const struct access_outcome *o)
{
	struct req_cite cite = { o->rule, o->role, o->factors };

	return req_audit(tx, rq, "account", o->ar.d.allow ? "allow" : "deny",
	    o->ar.d.reason, o->detail[0] ? o->detail : NULL, &cite);
}

/* An account decision waiting for its record to be durable. */
struct access_pending {
	struct req		*rq;
	struct access_outcome	 o;
};

static int
access_job(struct wtx *tx, void *arg)
{
	struct access_pending *p = arg;

	return access_record(tx, p->rq, &p->o);
}

/* Sets the reply once the record is durable (result 0), or not. */
static int
access_reply(struct req *rq, const struct access_outcome *o, int result)
{
	if (result != 0) {
		log_err("account user=%s: audit write failed", rq->user);
		return reply_set(rq->reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
	}
	/* The audit copy in syslog is the decision's log line. */
	log_debug("account %s user=%s system=%s service=%s: %s (%s)",
	    o->ar.d.allow ? "allow" : "deny", rq->user, rq->system ?
	    rq->system : "-", rq->service, reason_str(o->ar.d.reason),
	    o->ar.d.rule);
	return reply_set(rq->reply, o->ar.d.allow ? PROTO_S_ALLOW :
	    PROTO_S_DENY, o->ar.d.reason, NULL);
}

static void
access_finish(void *arg, int result)
{
	struct access_pending *p = arg;
	struct req *rq = p->rq;
	int r;

	r = access_reply(rq, &p->o, result);
	free(p);
	req_finish(rq, r);
}

/*
 * The decision is made here; its reply follows the commit of its record,
 * sent by whichever thread commits it, so that this worker goes on to the
 * next request instead of waiting for the disk.
 */
int
access_handle(struct req *rq, struct proto_msg *reply)
{
	struct access_pending *p;

	(void)reply;	/* rq->reply */
	if ((p = malloc(sizeof(*p))) == NULL)
		return AUTHD_ERR_NOMEM;
	p->rq = rq;
	access_prepare(rq, &p->o);
	return req_defer(rq, access_job, access_finish, p);
}
