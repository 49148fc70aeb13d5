/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "audit.h"
#include "authd_err.h"
#include "log.h"
#include "util.h"

/* Binds `v` sanitised (text from outside never reaches the trail raw). */
static void
bind_clean(sqlite3_stmt *st, int i, const char *v)
{
	char buf[1024];

	if (v == NULL) {
		sqlite3_bind_null(st, i);
		return;
	}
	str_sanitize(v, strlen(v), buf, sizeof(buf));
	sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

int
audit_append(struct store *s, struct audit_rec *r)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO audit (time_ms, node, event, "
	    "actor, user, system, service, rhost, tty, decision, reason, "
	    "request_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13)", -1, &st, NULL) != SQLITE_OK) {
		log_err("audit: %s", sqlite3_errmsg(db));
		return AUTHD_ERR_DB;
	}
	if (r->time_ms == 0)
		r->time_ms = wall_ms();
	sqlite3_bind_int64(st, 1, r->time_ms);
	bind_clean(st, 2, r->node ? r->node : "-");
	bind_clean(st, 3, r->event);
	bind_clean(st, 4, r->actor ? r->actor : "-");
	bind_clean(st, 5, r->user);
	bind_clean(st, 6, r->system);
	bind_clean(st, 7, r->service);
	bind_clean(st, 8, r->rhost);
	bind_clean(st, 9, r->tty);
	bind_clean(st, 10, r->decision);
	bind_clean(st, 11, r->reason);
	sqlite3_bind_int64(st, 12, r->reqid);
	bind_clean(st, 13, r->detail);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_err("audit: %s", sqlite3_errmsg(db));
		return AUTHD_ERR_DB;
	}
	r->seq = sqlite3_last_insert_rowid(db);
	return 0;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
audit_list(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	struct audit_rec r;
	int rc, ret = 0;

	/* Newest `limit` matching records, returned oldest first. */
	if (sqlite3_prepare_v2(db, "SELECT * FROM (SELECT seq, time_ms, node, "
	    "event, actor, user, system, service, rhost, tty, decision, "
	    "reason, request_id, detail FROM audit WHERE seq >= ?1 AND "
	    "(?2 IS NULL OR user = ?2) AND (?3 IS NULL OR system = ?3) "
	    "ORDER BY seq DESC LIMIT ?4) ORDER BY seq", -1, &st, NULL) !=
	    SQLITE_OK) {
		log_err("audit: %s", sqlite3_errmsg(db));
		return AUTHD_ERR_DB;
	}
	sqlite3_bind_int64(st, 1, f->since_seq);
	if (f->user)
		sqlite3_bind_text(st, 2, f->user, -1, SQLITE_STATIC);
	if (f->system)
		sqlite3_bind_text(st, 3, f->system, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.seq = sqlite3_column_int64(st, 0);
		r.time_ms = sqlite3_column_int64(st, 1);
		r.node = col(st, 2);
		r.event = col(st, 3);
		r.actor = col(st, 4);
		r.user = col(st, 5);
		r.system = col(st, 6);
		r.service = col(st, 7);
		r.rhost = col(st, 8);
		r.tty = col(st, 9);
		r.decision = col(st, 10);
		r.reason = col(st, 11);
		r.reqid = (uint32_t)sqlite3_column_int64(st, 12);
		r.detail = col(st, 13);
		if ((ret = cb(&r, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		log_err("audit: %s", sqlite3_errmsg(db));
		ret = AUTHD_ERR_DB;
	}
	sqlite3_finalize(st);
	return ret;
}
