/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Remediation of access reviews in the directory (remediation.h): the
 * LDAP writes that follow a close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "remediation.h"
#include "store.h"
#include "writer.h"

struct remedy_job {
	struct req	*rq;
	int64_t		 id;
	const char	*system, *user, *role, *text;
	int		 ok;
};

static int
remedy_tx(struct wtx *tx, void *arg)
{
	struct remedy_job *j = arg;
	char detail[800];
	int r;

	if ((r = store_review_remediation(tx->st, j->id, j->user, j->role,
	    j->text)) != 0)
		return r;
	snprintf(detail, sizeof(detail), "review %lld role %s: %s",
	    (long long)j->id, j->role, j->text);
	j->rq->system = j->system;
	j->rq->user = j->user;
	return req_audit(tx, j->rq, "review-remediation", j->ok ? "ok" :
	    "error", j->ok ? RSN_OK : RSN_DIRECTORY_UNAVAILABLE, detail, NULL);
}

void
remediation_run(struct req *rq, int64_t id, const char *system)
{
	struct authd *ad = rq->w->ad;
	struct store_item_filter f;
	struct store_item_list v;
	struct remedy_job j;
	char text[400], *udn;
	const char *group, *user, *role, *path;
	const char *saved_user = rq->user, *saved_system = rq->system;
	size_t i;
	int r;

	/* Read first: the directory is not asked with a listing open. */
	memset(&f, 0, sizeof(f));
	f.decision = "revoke";
	if (store_review_items_copy(rq->w->st, id, &f, &v) != 0)
		log_err("review %lld: the revoked items could not all be read "
		    "for remediation", (long long)id);
	for (i = 0; i < v.n; i++) {
		user = v.v[i]->user;
		role = v.v[i]->role;
		path = v.v[i]->path;
		if (user == NULL || role == NULL || path == NULL)
			continue;
		/* The group the user is a direct member of: the last. */
		group = strrchr(path, '>') != NULL ? strrchr(path, '>') + 2 :
		    path;
		udn = NULL;
		if (dir_user_dn(rq->w->dir, user, &udn) != 0)
			udn = NULL;
		r = dir_remove_member(rq->w->dir, ad->cfg->ldap_write_dn,
		    ad->writepw, group, user, udn, text, sizeof(text));
		free(udn);
		if (r == 0 || r == AUTHD_ERR_NOT_FOUND)
			log_notice("review %lld: remediation for %s: %s",
			    (long long)id, user, text);
		else
			log_err("review %lld: remediation for %s failed: %s",
			    (long long)id, user, text);
		memset(&j, 0, sizeof(j));
		j.rq = rq;
		j.id = id;
		j.system = system;
		j.user = user;
		j.role = role;
		j.ok = r == 0 || r == AUTHD_ERR_NOT_FOUND;
		j.text = text;
		if (writer_run(ad->writer, remedy_tx, &j) != 0)
			log_err("review %lld: remediation result of %s not "
			    "recorded", (long long)id, user);
	}
	/* The records named the items' users; the names go with `v`. */
	rq->user = saved_user;
	rq->system = saved_system;
	store_item_list_free(&v);
}
