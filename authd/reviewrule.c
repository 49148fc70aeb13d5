/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The rules of access reviews over the store (reviewrule.h): storage is
 * store.h's, the wire and the proofs of identity review.c's, the
 * directory writes remediation.c's.
 */
#include <stdio.h>
#include <string.h>

#include "authd_err.h"
#include "reviewrule.h"

#define DAY_MS		INT64_C(86400000)

/* ---- a campaign and who may act on it ---- */

static int
campaign_cb(const struct store_review *r, void *arg)
{
	struct reviewrule_campaign *c = arg;

	snprintf(c->system, sizeof(c->system), "%s", r->system ? r->system :
	    "");
	snprintf(c->owner, sizeof(c->owner), "%s", r->owner ? r->owner : "");
	c->closed_ms = r->closed_ms;
	return 0;
}

enum reason
reviewrule_access(struct store *st, int64_t id, const struct review_actor *who,
    struct reviewrule_campaign *c, const char **msg)
{
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = store_review_get(st, id, campaign_cb, c)) ==
	    AUTHD_ERR_NOT_FOUND) {
		*msg = "no such review";
		return RSN_NOT_FOUND;
	}
	if (r != 0) {
		*msg = "internal error";
		return RSN_INTERNAL;
	}
	if (!who->admin && strcmp(c->owner, who->name) != 0) {
		*msg = "only the system owner or the security function may act "
		    "on this review";
		return RSN_FORBIDDEN;
	}
	*msg = NULL;
	return RSN_OK;
}

/* ---- decide ---- */

/* A revocation in force of `user`'s `role` by review `id`. */
static int
revoke(struct store *st, const char *system, const char *user,
    const char *role, int64_t id, int64_t now, const char *by)
{
	struct store_revocation v;

	memset(&v, 0, sizeof(v));
	v.system = system;
	v.user = user;
	v.role = role;
	v.review_id = id;
	v.created_ms = now;
	v.created_by = by;
	return store_revocation_add(st, &v);
}

/*
 * Campaign `id`, open, as `who` may act on it: RSN_OK, or why not with
 * *msg (`closed`: what to say when it is closed).  `system` gets the
 * campaign's system whenever it exists.
 */
static enum reason
open_campaign(struct store *st, int64_t id, const struct review_actor *who,
    const char *closed, char system[65], const char **msg)
{
	struct reviewrule_campaign c;
	enum reason why;

	why = reviewrule_access(st, id, who, &c, msg);
	snprintf(system, 65, "%s", c.system);
	if (why == RSN_OK && c.closed_ms != 0) {
		*msg = closed;
		return RSN_BAD_REQUEST;
	}
	return why;
}

int
reviewrule_decide(struct store *st, const struct review_actor *who,
    struct reviewrule_decision *d)
{
	struct store_item_filter f;
	struct store_item_list u;
	struct store_decision w;
	size_t i;
	int r, revoking = strcmp(d->decision, "revoke") == 0;
	int inactive = 0, needs_admin = 0, decided = 0;

	d->refused = 0;
	memset(&u, 0, sizeof(u));
	d->why = open_campaign(st, d->id, who, "the review is closed",
	    d->system, &d->msg);
	if (d->why == RSN_FORBIDDEN)
		d->refused = 1;
	if (d->why != RSN_OK)
		return 0;
	memset(&f, 0, sizeof(f));
	f.user = d->user;
	f.role = d->role;
	if ((r = store_review_items_copy(st, d->id, &f, &u)) != 0)
		goto out;
	for (i = 0; i < u.n; i++) {
		inactive |= u.v[i]->inactive;
		needs_admin |= u.v[i]->needs_admin;
		decided |= u.v[i]->decision != NULL;
	}
	if (u.n == 0) {
		d->why = RSN_NOT_FOUND;
		snprintf(d->msgbuf, sizeof(d->msgbuf), "%s%s%s is not in review "
		    "%lld", d->user, d->role ? " with role " : "",
		    d->role ? d->role : "", (long long)d->id);
		d->msg = d->msgbuf;
		goto out;
	}
	/* SECURITY NOTE: separation of duties. */
	if (strcmp(d->user, who->name) == 0 || (needs_admin && !who->admin)) {
		d->why = RSN_FORBIDDEN;
		d->msg = "nobody decides on their own access: this item is for "
		    "the security function (admin_group)";
		d->refused = 1;
		goto out;
	}
	if (decided) {
		d->why = RSN_EXISTS;
		d->msg = "already decided";
		goto out;
	}
	if (d->require_comment && (d->comment == NULL || *d->comment ==
	    '\0') && (revoking || inactive)) {
		d->why = RSN_BAD_REQUEST;
		d->msg = revoking ? "a comment is required to revoke" :
		    "a comment is required to keep a user flagged as inactive";
		goto out;
	}
	memset(&w, 0, sizeof(w));
	w.decision = d->decision;
	w.by = who->name;
	w.when_ms = d->now;
	w.comment = d->comment;
	if ((r = store_review_decide(st, d->id, d->user, d->role, &w)) != 0)
		goto out;
	/* A revoke is in force at once, role by role. */
	for (i = 0; revoking && i < u.n; i++)
		if ((r = revoke(st, d->system, d->user, u.v[i]->role, d->id,
		    d->now, who->name)) != 0)
			goto out;
	d->why = RSN_OK;
	d->msg = NULL;
 out:
	store_item_list_free(&u);
	return r;
}

/* ---- close ---- */

const char *
reviewrule_default(const char *account, const char *deflt)
{
	/*
	 * SECURITY NOTE: an account the directory disables, or a member it
	 * does not resolve, is never kept by default.
	 */
	if (account == NULL || strcmp(account, "ok") != 0)
		return "revoke";
	return deflt;
}

static int
count_cb(const struct store_review_item *it, void *arg)
{
	struct reviewrule_closing *c = arg;

	if (it->decision != NULL && strcmp(it->decision, "keep") == 0)
		c->kept++;
	else if (it->decision != NULL && strcmp(it->decision, "revoke") == 0)
		c->revoked++;
	c->defaulted += it->by_default != 0;
	return 0;
}

int
reviewrule_close(struct store *st, const struct review_actor *who,
    struct reviewrule_closing *c)
{
	struct store_item_filter f;
	struct store_item_list p;
	struct store_decision w;
	const char *account;
	char comment[96];
	size_t i;
	int r;

	c->kept = c->revoked = c->defaulted = 0;
	memset(&p, 0, sizeof(p));
	c->why = open_campaign(st, c->id, who, "the review is already closed",
	    c->system, &c->msg);
	if (c->why != RSN_OK)
		return 0;
	memset(&f, 0, sizeof(f));
	f.undecided = 1;
	if ((r = store_review_items_copy(st, c->id, &f, &p)) != 0)
		goto out;
	if (p.n > 0 && c->deflt == NULL) {
		c->why = RSN_BAD_REQUEST;
		snprintf(c->msgbuf, sizeof(c->msgbuf), "%lld items are "
		    "undecided: decide them, or close with --default keep or "
		    "--default revoke", (long long)p.n);
		c->msg = c->msgbuf;
		goto out;
	}
	/* The default, recorded as such, item by item. */
	for (i = 0; i < p.n; i++) {
		account = p.v[i]->account ? p.v[i]->account : "";
		memset(&w, 0, sizeof(w));
		w.decision = reviewrule_default(account, c->deflt);
		w.by = who->name;
		w.when_ms = c->now;
		w.by_default = 1;
		if (strcmp(account, "ok") != 0)
			snprintf(comment, sizeof(comment), "closed: account %s",
			    account);
		else
			snprintf(comment, sizeof(comment), "closed with "
			    "--default %s", c->deflt);
		w.comment = comment;
		if ((r = store_review_decide(st, c->id, p.v[i]->user,
		    p.v[i]->role, &w)) != 0)
			goto out;
		if (strcmp(w.decision, "revoke") == 0 && (r = revoke(st,
		    c->system, p.v[i]->user, p.v[i]->role, c->id, c->now,
		    who->name)) != 0)
			goto out;
	}
	if ((r = store_review_items(st, c->id, NULL, count_cb, c)) != 0)
		goto out;
	c->why = RSN_OK;
	c->msg = NULL;
 out:
	store_item_list_free(&p);
	return r;
}

/* ---- snapshots and reports ---- */

void
reviewrule_flags(struct store_review_item *it, const char *owner, int64_t now,
    int inactive_days)
{
	it->inactive = it->last_login_ms == 0 || now - it->last_login_ms >
	    inactive_days * DAY_MS;
	it->needs_admin = strcmp(it->user, owner) == 0;
}

void
reviewrule_recommend(const struct store_review_item *it,
    long long inactive_days, char *buf, size_t sz)
{
	if (it->account != NULL && strcmp(it->account, "ok") != 0)
		snprintf(buf, sz, "revoke (%s)", it->account);
	else if (it->last_login_ms == 0)
		snprintf(buf, sz, "revoke (no login on record)");
	else if (it->inactive)
		snprintf(buf, sz, "revoke (no login in %lld days)",
		    inactive_days);
	else
		snprintf(buf, sz, "keep");
}

const char *
reviewrule_state(int64_t closed_ms, int64_t due_ms, int64_t now)
{
	return closed_ms != 0 ? "closed" : due_ms < now ? "overdue" : "open";
}

int
reviewrule_revoked(void *arg, const char *system, const char *role,
    const char *user, char *cite, size_t citesz)
{
	struct store *st = arg;
	int64_t id;
	int r;

	r = store_revocation_find(st, system, user, role, &id);
	if (r == AUTHD_ERR_NOT_FOUND)
		return 0;
	if (r == 0)
		snprintf(cite, citesz, "review %lld", (long long)id);
	else	/* SECURITY NOTE: unknown counts as revoked */
		snprintf(cite, citesz, "review (database error)");
	return 1;
}
