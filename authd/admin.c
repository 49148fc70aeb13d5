/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Administrative requests from authctl: enrollment, unlock, reset, status
 * and the audit listing.  Every change is audited in its own transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "sock.h"
#include "util.h"

#define AUDIT_LIST_MAX	10000

int
admin_enroll(struct req *rq, struct proto_msg *reply)
{
	struct authd *ad = rq->w->ad;
	struct store *st = rq->w->st;
	struct token t, old;
	uint8_t seed[TOTP_SEED_LEN];
	uint64_t force = 0;
	char *dn = NULL, *uri = NULL;
	enum reason why = RSN_OK;
	int r;

	memset(&t, 0, sizeof(t));
	memset(&old, 0, sizeof(old));
	(void)proto_get_u64(rq->m, PROTO_A_FORCE, &force);
	/* Only people the directory knows get a token. */
	r = dir_user_dn(rq->w->dir, rq->user, &dn);
	free(dn);
	if (r != 0) {
		why = r == AUTHD_ERR_NOT_FOUND ? RSN_UNKNOWN_USER :
		    RSN_DIRECTORY_UNAVAILABLE;
		if (req_audit_commit(rq, "enroll", "deny", why, NULL) != 0)
			return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
		return reply_set(reply, PROTO_S_DENY, why, why ==
		    RSN_UNKNOWN_USER ? "user not found in the directory" :
		    "directory unavailable");
	}
	if ((r = totp_new_seed(seed)) != 0 ||
	    (r = totp_uri(ad->cfg->issuer, rq->user, seed, sizeof(seed),
	    &uri)) != 0 ||
	    (r = seal(ad->key, rq->user, seed, sizeof(seed), &t.sealed,
	    &t.sealed_len)) != 0)
		goto fail_nostore;
	snprintf(t.state, sizeof(t.state), "pending");
	if ((r = store_begin(st)) != 0)
		goto fail_nostore;
	r = store_token_get(st, rq->user, &old);
	if (r != 0 && r != AUTHD_ERR_NOT_FOUND)
		goto fail;
	if (r == 0 && strcmp(old.state, "active") == 0 && !force)
		why = RSN_EXISTS;
	else if ((r = store_token_put(st, rq->user, &t)) != 0 ||
	    (r = store_lockout_clear(st, rq->user)) != 0)
		goto fail;
	if ((r = req_audit(rq, "enroll", why == RSN_OK ? "ok" : "deny", why,
	    why == RSN_OK ? (old.sealed ? "pending token replaces the old one" :
	    "pending token created") : "active token exists")) != 0)
		goto fail;
	if ((r = store_commit(st)) != 0)
		goto fail_nostore;
	log_notice("enroll user=%s by %s: %s", rq->user, rq->actor,
	    reason_str(why));
	if (why == RSN_OK)
		r = reply_set(reply, PROTO_S_ALLOW, RSN_OK, "pending until "
		    "confirmed") ?: proto_add_str(reply, PROTO_A_URI, uri);
	else
		r = reply_set(reply, PROTO_S_DENY, why, "user already has an "
		    "active token (use --force to replace it)");
	goto out;
 fail:
	store_rollback(st);
 fail_nostore:
	log_err("enroll user=%s: %s", rq->user, authd_strerror(r));
	r = reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
 out:
	explicit_bzero(seed, sizeof(seed));
	secure_free_str(uri);
	token_clear(&t);
	token_clear(&old);
	return r;
}

int
admin_unlock(struct req *rq, struct proto_msg *reply)
{
	struct store *st = rq->w->st;
	struct lockout lo;
	char detail[96];
	int r;

	if ((r = store_begin(st)) != 0)
		goto fail;
	if ((r = store_lockout_get(st, rq->user, &lo)) != 0)
		goto fail;
	snprintf(detail, sizeof(detail), "%s; %lld failures cleared",
	    lo.locked_until_ms > wall_ms() ? "was locked" : "was not locked",
	    (long long)lo.failures);
	if ((r = store_lockout_clear(st, rq->user)) != 0 ||
	    (r = req_audit(rq, "unlock", "ok", RSN_OK, detail)) != 0)
		goto fail;
	if ((r = store_commit(st)) != 0)
		goto fail;
	log_notice("unlock user=%s by %s (%s)", rq->user, rq->actor, detail);
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, detail);
 fail:
	store_rollback(st);
	log_err("unlock user=%s: %s", rq->user, authd_strerror(r));
	return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
}

int
admin_reset(struct req *rq, struct proto_msg *reply)
{
	struct store *st = rq->w->st;
	enum reason why = RSN_OK;
	int r;

	if ((r = store_begin(st)) != 0)
		goto fail;
	r = store_token_delete(st, rq->user);
	if (r == AUTHD_ERR_NOT_FOUND)
		why = RSN_NO_TOKEN;
	else if (r != 0)
		goto fail;
	if ((r = req_audit(rq, "reset", why == RSN_OK ? "ok" : "deny", why,
	    why == RSN_OK ? "token removed" : NULL)) != 0 ||
	    (r = store_commit(st)) != 0)
		goto fail;
	log_notice("reset user=%s by %s: %s", rq->user, rq->actor,
	    reason_str(why));
	return reply_set(reply, why == RSN_OK ? PROTO_S_ALLOW : PROTO_S_DENY,
	    why, why == RSN_OK ? "token removed" : "user has no token");
 fail:
	store_rollback(st);
	log_err("reset user=%s: %s", rq->user, authd_strerror(r));
	return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
}

int
admin_status(struct req *rq, struct proto_msg *reply)
{
	struct store *st = rq->w->st;
	struct token t;
	struct lockout lo;
	int r, r2;

	r = store_token_get(st, rq->user, &t);
	if (r != 0 && r != AUTHD_ERR_NOT_FOUND)
		goto fail;
	if ((r2 = store_lockout_get(st, rq->user, &lo)) != 0) {
		token_clear(&t);
		r = r2;
		goto fail;
	}
	r2 = reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL) ?:
	    proto_add_str(reply, PROTO_A_USER, rq->user) ?:
	    proto_add_str(reply, PROTO_A_STATE, r == 0 ? t.state : "none") ?:
	    proto_add_u64(reply, PROTO_A_FAILURES, (uint64_t)lo.failures) ?:
	    proto_add_u64(reply, PROTO_A_LOCKED_UNTIL,
	    lo.locked_until_ms > wall_ms() ? (uint64_t)lo.locked_until_ms : 0);
	token_clear(&t);
	return r2;
 fail:
	log_err("status user=%s: %s", rq->user, authd_strerror(r));
	return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, NULL);
}

static int
send_row(const struct audit_rec *a, void *arg)
{
	struct req *rq = arg;
	struct proto_msg *m;
	int r;

	if ((m = proto_new(PROTO_T_AUDIT_ROW, rq->m->reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	r = proto_add_u64(m, PROTO_A_SEQ, (uint64_t)a->seq) ?:
	    proto_add_u64(m, PROTO_A_TIME, (uint64_t)a->time_ms) ?:
	    proto_add_str(m, PROTO_A_EVENT, a->event) ?:
	    proto_add_str(m, PROTO_A_ACTOR, a->actor) ?:
	    proto_add_str(m, PROTO_A_USER, a->user) ?:
	    proto_add_str(m, PROTO_A_SYSTEM, a->system) ?:
	    proto_add_str(m, PROTO_A_SERVICE, a->service) ?:
	    proto_add_str(m, PROTO_A_RHOST, a->rhost) ?:
	    proto_add_str(m, PROTO_A_TTY, a->tty) ?:
	    proto_add_str(m, PROTO_A_DECISION, a->decision) ?:
	    proto_add_str(m, PROTO_A_REASON, a->reason) ?:
	    proto_add_u64(m, PROTO_A_REQID, a->reqid) ?:
	    proto_add_str(m, PROTO_A_NODE, a->node) ?:
	    proto_add_str(m, PROTO_A_DETAIL, a->detail);
	if (r == 0)
		r = sock_write_msg(rq->fd, m, rq->deadline);
	proto_free(m);
	return r;
}

int
admin_audit_list(struct req *rq, struct proto_msg *reply)
{
	struct audit_filter f;
	uint64_t limit = 100, since = 0;
	const char *user = proto_str(rq->m, PROTO_A_USER, NULL);
	const char *sys = proto_str(rq->m, PROTO_A_SYSTEM, NULL);
	int r;

	if (proto_get_u64(rq->m, PROTO_A_LIMIT, &limit) != 0)
		limit = 100;
	(void)proto_get_u64(rq->m, PROTO_A_SINCE, &since);
	if (limit == 0 || limit > AUDIT_LIST_MAX || since > INT64_MAX ||
	    (user != NULL && !str_valid_user(user)) ||
	    (sys != NULL && !str_valid_name(sys)))
		return reply_set(reply, PROTO_S_ERROR, RSN_BAD_REQUEST,
		    "bad filter");
	memset(&f, 0, sizeof(f));
	f.user = user;
	f.system = sys;
	f.since_seq = (int64_t)since;
	f.limit = (int64_t)limit;
	/* Reading is long: give the listing more time than one decision. */
	rq->deadline += 60000;
	if ((r = audit_list(rq->w->st, &f, send_row, rq)) != 0) {
		log_err("audit list: %s", authd_strerror(r));
		return r;
	}
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}
