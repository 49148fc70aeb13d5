/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The account decision: may this user use this system?  For now a system
 * admits the members of one directory group (config "system NAME DN").
 * This file is the seam where the policy engine takes over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd.h"
#include "authd_err.h"
#include "log.h"

int
access_handle(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	const struct config_system *sys;
	enum reason why = RSN_OK;
	char detail[640] = "", rule[96] = "", *dn = NULL;
	struct req_cite cite = { NULL, NULL, NULL };
	int r, member = 0;

	if ((sys = config_system(ad->cfg, rq->system)) == NULL)
		why = RSN_UNKNOWN_SYSTEM;
	else if ((r = dir_user_dn(rq->w->dir, rq->user, &dn)) != 0)
		why = r == AUTHD_ERR_NOT_FOUND ? RSN_UNKNOWN_USER :
		    RSN_DIRECTORY_UNAVAILABLE;
	else if ((r = dir_is_member(rq->w->dir, sys->group_dn, dn, rq->user,
	    &member)) != 0)
		why = RSN_DIRECTORY_UNAVAILABLE;
	else if (!member)
		why = RSN_NOT_MEMBER;
	if (sys != NULL) {
		snprintf(detail, sizeof(detail), "group %s", sys->group_dn);
		snprintf(rule, sizeof(rule), "system %s", sys->name);
	}
	free(dn);

	cite.rule = rule[0] ? rule : NULL;
	if (req_audit_commit(rq, "account", why == RSN_OK ? "allow" : "deny",
	    why, detail[0] ? detail : NULL, &cite) != 0) {
		log_err("account user=%s: audit write failed", rq->user);
		return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
	}
	log_info("account %s user=%s system=%s service=%s: %s",
	    why == RSN_OK ? "allow" : "deny", rq->user, rq->system, rq->service,
	    reason_str(why));
	return reply_set(reply, why == RSN_OK ? PROTO_S_ALLOW : PROTO_S_DENY,
	    why, NULL);
}
