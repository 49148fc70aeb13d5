/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The requests about the policy: reload, the factors a login needs, the
 * dry run (authctl policy test) and the access listings (authctl access
 * list / user).  The policy in force itself is pol.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "reviewrule.h"
#include "subject.h"
#include "sock.h"
#include "util.h"
#include "writer.h"


int
admin_policy_reload(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	char err[POL_ERR_MAX], by[160];
	struct polref *ref;
	const struct policy *p;
	int r;

	snprintf(by, sizeof(by), "%.150s", rq->actor);
	if (pol_reload(ad, by, err, sizeof(err)) != 0)
		return reply_set(reply, PROTO_S_ERROR, RSN_POLICY_ERROR, err);
	p = pol_hold(ad, &ref);
	r = proto_add_str(reply, PROTO_A_POLICY, policy_version(p));
	pol_release(ad, ref);
	return r != 0 ? r : reply_set(reply, PROTO_S_ALLOW, RSN_OK,
	    "policy reloaded");
}

/* PAM socket: which factors does a login to this system need? */
int
factors_handle(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	const struct pol_system *sys;
	const struct policy *p;
	struct polref *ref;
	char why[96], fs[32];
	unsigned f;
	int r;

	p = pol_hold(ad, &ref);
	if ((sys = policy_system_resolve(p, rq->system, rq->service)) ==
	    NULL) {
		pol_release(ad, ref);
		log_info("factors user=%s service=%s: unknown system",
		    rq->user, rq->service);
		return reply_set(reply, PROTO_S_DENY, RSN_UNKNOWN_SYSTEM,
		    NULL);
	}
	/*
	 * SECURITY NOTE: "mfa optional" asks everyone for the code, token or
	 * not, so that the prompt tells no one who has one; the code is
	 * checked only for users who do (auth.c).
	 */
	f = policy_factors(p, sys, 1, why);
	if (sys->mfa == POL_MFA_OPTIONAL)
		snprintf(why, sizeof(why), "mfa optional (the code counts "
		    "when the user has a token)");
	if ((r = proto_add_str(reply, PROTO_A_FACTORS, policy_factors_str(f,
	    fs, sizeof(fs)))) == 0 &&
	    (r = proto_add_str(reply, PROTO_A_MFA, why)) == 0 &&
	    (r = proto_add_str(reply, PROTO_A_SYSTEM, sys->name)) == 0)
		r = reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
	pol_release(ad, ref);
	return r;
}

/* ---- authctl policy test ---- */

struct rows {
	struct req	*rq;
	int		 err;
};

static int
send_row(struct rows *rs, struct proto_msg *row)
{
	int r;

	if (rs->err == 0 && (r = sock_write_msg(rs->rq->fd, row,
	    rs->rq->deadline)) != 0)
		rs->err = r;
	proto_free(row);
	return rs->err;
}

static void
trace_row(void *arg, const char *kind, const char *name, int matched,
    const char *detail)
{
	struct rows *rs = arg;
	struct proto_msg *row;

	if (rs->err != 0)
		return;
	if ((row = proto_new(PROTO_T_ROW, rs->rq->m->reqid)) == NULL) {
		rs->err = AUTHD_ERR_NOMEM;
		return;
	}
	/* Over-long texts are cut to the protocol's bounds, never refused. */
	if (proto_add_str(row, PROTO_A_KIND, kind) != 0 ||
	    proto_add_str(row, PROTO_A_NAME, name) != 0 ||
	    proto_add_u64(row, PROTO_A_MATCHED, matched ? 1 : 0) != 0 ||
	    proto_add_str(row, PROTO_A_DETAIL, detail) != 0) {
		proto_free(row);
		rs->err = AUTHD_ERR_INTERNAL;
		return;
	}
	(void)send_row(rs, row);
}

int
admin_policy_test(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct access_query aq;
	struct access_result ar;
	struct rows rs = { rq, 0 };
	struct polref *ref;
	const struct policy *p;
	const char *system = proto_str(rq->m, PROTO_A_SYSTEM, NULL);
	char fs[32];
	uint64_t ms = 0;
	int r;

	if (system == NULL || !str_valid_name(system))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a valid system name is required");
	memset(&aq, 0, sizeof(aq));
	aq.user = rq->user;
	aq.source = proto_str(rq->m, PROTO_A_RHOST, NULL);
	aq.at = proto_get_u64(rq->m, PROTO_A_TIME, &ms) == 0 ?
	    (time_t)(ms / 1000) : time(NULL);
	aq.revoked = reviewrule_revoked;
	aq.revoked_arg = rq->w->st;
	p = pol_hold(ad, &ref);
	/* A system name, or else a PAM service name. */
	if (policy_system_by_name(p, system) == NULL &&
	    policy_system_resolve(p, NULL, system) != NULL)
		aq.service = system;
	else
		aq.system = system;
	aq.has_token = access_has_token(rq, policy_system_resolve(p,
	    aq.system, aq.service));
	access_decide(rq, p, &aq, &ar, trace_row, &rs);
	trace_row(&rs, "directory", rq->user, ar.d.reason !=
	    RSN_UNKNOWN_USER && ar.d.reason != RSN_DIRECTORY_UNAVAILABLE &&
	    ar.account == RSN_OK, ar.dirinfo);
	if ((r = proto_add_str(reply, PROTO_A_POLICY, policy_version(p))) ==
	    0 && ar.d.sys != NULL && (r = proto_add_str(reply,
	    PROTO_A_ACCOUNT_REASON, reason_str(ar.account))) == 0)
		r = proto_add_str(reply, PROTO_A_SYSTEM, ar.d.sys->name);
	pol_release(ad, ref);
	if (rs.err != 0)
		return rs.err;
	if (r != 0 ||
	    (r = proto_add_str(reply, PROTO_A_RULE, ar.d.rule[0] ?
	    ar.d.rule : NULL)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_ROLE, ar.d.roles[0] ?
	    ar.d.roles : NULL)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_PATH, ar.d.grants[0] ?
	    ar.d.grants : NULL)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_FACTORS, ar.d.sys ?
	    policy_factors_str(ar.d.factors, fs, sizeof(fs)) : NULL)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_MFA, ar.d.mfa[0] ? ar.d.mfa :
	    NULL)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_DETAIL, ar.d.detail[0] ?
	    ar.d.detail : NULL)) != 0)
		return r;
	return reply_set(reply, ar.d.allow ? PROTO_S_ALLOW : PROTO_S_DENY,
	    ar.d.reason, NULL);
}

/* ---- authctl access list / user ---- */

/*
 * "when kontorstid; from stadsnat,vpn" as "when=kontorstid;from=stadsnat,vpn":
 * one word, so that it stays one column in a table.
 */
static void
compact(char *s)
{
	char *r = s, *w = s;

	for (; *r != '\0'; r++) {
		if (*r == ' ' && w > s && w[-1] == ';')
			continue;
		*w++ = *r == ' ' ? '=' : *r;
	}
	*w = '\0';
}

/*
 * A row of a listing; `cond` may be NULL.  Users shut out by a deny rule
 * without conditions are listed with MATCHED 0 and the rule, so that the
 * listing shows group membership that grants nothing.
 */
static int
access_row(struct rows *rs, const char *user, const char *system,
    const char *role, const char *path, const char *cond, const char *state,
    const char *deny, enum reason account)
{
	struct proto_msg *row;
	char detail[512];

	snprintf(detail, sizeof(detail), "%s%s%s%s", cond ? cond : "",
	    cond && cond[0] && deny ? "; " : "", deny ? "denied-by " : "",
	    deny ? deny : "");
	compact(detail);
	if ((row = proto_new(PROTO_T_ROW, rs->rq->m->reqid)) == NULL)
		return rs->err = AUTHD_ERR_NOMEM;
	if (proto_add_str(row, PROTO_A_KIND, "access") != 0 ||
	    proto_add_str(row, PROTO_A_USER, user) != 0 ||
	    proto_add_str(row, PROTO_A_SYSTEM, system) != 0 ||
	    proto_add_str(row, PROTO_A_ROLE, role) != 0 ||
	    proto_add_str(row, PROTO_A_PATH, path) != 0 ||
	    proto_add_str(row, PROTO_A_DETAIL, detail[0] ? detail : NULL) !=
	    0 ||
	    proto_add_str(row, PROTO_A_STATE, state) != 0 ||
	    proto_add_str(row, PROTO_A_ACCOUNT_REASON, reason_str(account)) !=
	    0 ||
	    proto_add_u64(row, PROTO_A_MATCHED, deny == NULL &&
	    account == RSN_OK) != 0) {
		proto_free(row);
		return rs->err = AUTHD_ERR_INTERNAL;
	}
	return send_row(rs, row);
}

/* The deny rule without conditions that shuts `user` out, or NULL. */
static const char *
always_denied(struct req *rq, const struct policy *p,
    const struct pol_system *sys, const char *user, char *buf, size_t sz)
{
	const struct dc_entry *e = NULL;
	const struct pol_deny *d = NULL;
	struct dc_info info;

	if (dircache_get(rq->w->ad->dc, rq->w->dir, user,
	    policy_nesting_depth(p), &e, &info) == 0 && e != NULL && e->found)
		d = policy_deny_always(p, sys, &e->pu);
	dircache_put(e);
	if (d == NULL)
		return NULL;
	snprintf(buf, sz, "%s", d->name);
	return buf;
}

int
admin_access_list(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	const char *system = proto_str(rq->m, PROTO_A_SYSTEM, NULL);
	const struct pol_system *sys;
	const struct policy *p;
	struct polref *ref;
	struct holders hs;
	struct rows rs = { rq, 0 };
	char cond[256], dbuf[96];
	const struct pol_role *role;
	size_t i, j, listed = 0;
	int r = 0;

	if (system == NULL || !str_valid_name(system))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "a valid system name is required");
	memset(&hs, 0, sizeof(hs));
	p = pol_hold(ad, &ref);
	if ((sys = policy_system_by_name(p, system)) == NULL) {
		pol_release(ad, ref);
		return reply_set(reply, PROTO_S_DENY, RSN_UNKNOWN_SYSTEM,
		    "no such system in the policy");
	}
	r = access_holders(rq, p, sys, &hs);
	if (r == 0) {
		for (i = 0; i < hs.n && rs.err == 0; i++) {
			role = NULL;
			for (j = 0; j < sys->nroles; j++)
				if (strcmp(sys->roles[j].name,
				    hs.h[i].role) == 0)
					role = &sys->roles[j];
			(void)access_row(&rs, hs.h[i].user, sys->name,
			    hs.h[i].role, hs.h[i].path, role ?
			    policy_cond_str(sys, role, cond, sizeof(cond)) :
			    NULL, store_token_state(rq->w->st, hs.h[i].user),
			    always_denied(rq, p, sys, hs.h[i].user, dbuf,
			    sizeof(dbuf)), hs.h[i].state);
			listed++;
		}
	}
	pol_release(ad, ref);
	access_holders_free(&hs);
	if (r == AUTHD_ERR_DIRECTORY)
		return reply_set(reply, PROTO_S_ERROR,
		    RSN_DIRECTORY_UNAVAILABLE, "the directory could not be "
		    "asked");
	if (r != 0)
		return r;
	if (rs.err != 0)
		return rs.err;
	if ((r = proto_add_u64(reply, PROTO_A_COUNT, listed)) != 0)
		return r;
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}

struct user_rows {
	struct rows			*rs;
	const struct pol_system		*sys;
	const char			*user;
	const char			*deny;
	enum reason			 account;
	size_t				 n;
};

static void
user_role_row(void *arg, const struct pol_role *role, const char *path)
{
	struct user_rows *ur = arg;
	char cond[256];

	if (ur->rs->err != 0)
		return;
	(void)access_row(ur->rs, ur->user, ur->sys->name, role->name, path,
	    policy_cond_str(ur->sys, role, cond, sizeof(cond)), NULL,
	    ur->deny, ur->account);
	ur->n++;
}

int
admin_access_user(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	const struct pol_deny *d;
	const struct policy *p;
	struct polref *ref;
	struct subject sj;
	struct rows rs = { rq, 0 };
	struct user_rows ur;
	char dbuf[96];
	size_t i;
	int r;

	p = pol_hold(ad, &ref);
	subject_resolve(rq, p, rq->user, time(NULL), &sj);
	if (sj.e == NULL) {
		pol_release(ad, ref);
		if (sj.state == RSN_DIRECTORY_UNAVAILABLE)
			return reply_set(reply, PROTO_S_ERROR,
			    RSN_DIRECTORY_UNAVAILABLE, "the directory could "
			    "not be asked");
		return reply_set(reply, PROTO_S_DENY, RSN_UNKNOWN_USER,
		    "no such user in the directory");
	}
	/* A disabled or expired account: its roles, each marked so. */
	memset(&ur, 0, sizeof(ur));
	ur.rs = &rs;
	ur.user = rq->user;
	ur.account = sj.state;
	for (i = 0; i < policy_nsystems(p) && rs.err == 0; i++) {
		ur.sys = policy_system_at(p, i);
		d = policy_deny_always(p, ur.sys, &sj.e->pu);
		if (d != NULL)
			snprintf(dbuf, sizeof(dbuf), "%s", d->name);
		ur.deny = d != NULL ? dbuf : NULL;
		(void)policy_roles_held(ur.sys, &sj.e->pu, user_role_row, &ur);
	}
	subject_release(&sj);
	pol_release(ad, ref);
	if (rs.err != 0)
		return rs.err;
	if ((r = proto_add_u64(reply, PROTO_A_COUNT, ur.n)) != 0 ||
	    (r = proto_add_str(reply, PROTO_A_ACCOUNT_REASON,
	    reason_str(ur.account))) != 0)
		return r;
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}
