/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One resolution of a user (subject.h): the directory entry from the
 * cache, and the account state the entry states.
 */
#include <stdio.h>
#include <string.h>

#include "authd.h"
#include "authd_err.h"
#include "subject.h"

void
subject_resolve(struct req *rq, const struct policy *p, const char *user,
    time_t now, struct subject *s)
{
	struct dc_info info;
	int r;

	memset(s, 0, sizeof(*s));
	memset(&info, 0, sizeof(info));
	r = dircache_get(rq->w->ad->dc, rq->w->dir, user,
	    policy_nesting_depth(p), &s->e, &info);
	if (r == 0 && s->e != NULL && s->e->found) {
		s->stale = info.stale;
		if (info.stale)
			snprintf(s->dirinfo, sizeof(s->dirinfo), "stale, "
			    "%lld s old (directory unavailable or busy)",
			    (long long)info.age_s);
		else if (info.from_cache)
			snprintf(s->dirinfo, sizeof(s->dirinfo), "cached, "
			    "%lld s old", (long long)info.age_s);
		else
			snprintf(s->dirinfo, sizeof(s->dirinfo), "fresh");
		s->state = dir_account_state(&s->e->acct, now, s->why,
		    sizeof(s->why));
		return;
	}
	dircache_put(s->e);
	s->e = NULL;
	if (r == AUTHD_ERR_NOT_FOUND || r == 0) {
		s->state = RSN_UNKNOWN_USER;
		snprintf(s->dirinfo, sizeof(s->dirinfo), "no such user");
	} else if (r == AUTHD_ERR_INVALID) {
		s->state = RSN_BAD_FORMAT;
		snprintf(s->dirinfo, sizeof(s->dirinfo), "not a user name");
	} else {
		s->state = RSN_DIRECTORY_UNAVAILABLE;
		snprintf(s->dirinfo, sizeof(s->dirinfo), "unavailable");
	}
}

void
subject_release(struct subject *s)
{
	dircache_put(s->e);
	s->e = NULL;
}

enum reason
subject_refusal(const struct subject *s)
{
	switch (s->state) {
	case RSN_UNKNOWN_USER:
	case RSN_BAD_FORMAT:
		return RSN_UNKNOWN_USER;
	case RSN_ACCOUNT_DISABLED:
	case RSN_ACCOUNT_EXPIRED:
		return s->state;
	default:
		return RSN_OK;
	}
}
