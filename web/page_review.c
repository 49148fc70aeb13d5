/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The review pages of authd-web (docs/web.md): sign-in with password and
 * code, the campaigns, one campaign's items with a form per item, the
 * confirmation of "accept all recommendations".  What authd sent is
 * escaped everywhere; the decisions themselves are authd's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "page.h"

#define DAY_MS	INT64_C(86400000)

/* `ms` (since the epoch, UTC) as YYYY-MM-DD into `out`. */
static const char *
day(uint64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%d", &tm) == 0)
		snprintf(out, outsz, "-");
	return out;
}

static void
num(struct sb *b, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRIu64, v);
	sb_add(b, s);
}

/* A state's name ("st-" key), overdue in its own class. */
static void
state(struct sb *b, const struct page *pg, const char *st)
{
	char key[24];

	snprintf(key, sizeof(key), "st-%s", st);
	page_put(b, strcmp(st, "overdue") == 0 ? "<span class=\"overdue\">" :
	    "<span>", strcmp(page_text(pg->lang, key), key) == 0 ? st :
	    page_text(pg->lang, key), "</span>");
}

static void
hidden(struct sb *b, const char *name, const char *value)
{
	sb_add(b, "<input type=\"hidden\" name=\"");
	sb_add(b, name);
	page_put(b, "\" value=\"", value, "\">");
}

static void
hidden_id(struct sb *b, uint64_t id)
{
	sb_add(b, "<input type=\"hidden\" name=\"id\" value=\"");
	num(b, id);
	sb_add(b, "\">");
}

static void
signed_in(struct sb *b, const struct page *pg)
{
	page_put(b, "<p>", page_text(pg->lang, "signedin"), " <strong>");
	page_put(b, "", pg->user != NULL ? pg->user : "", "</strong></p>");
}

void
page_review_login(struct sb *b, const struct page *pg)
{
	page_signin(b, pg, "/review/login", "rv-intro", 1);
}

void
page_review_list(struct sb *b, const struct page *pg)
{
	const struct rv_campaign *c;
	char d[32];
	size_t i;

	page_head(b, pg);
	signed_in(b, pg);
	page_put(b, "<h2>", page_text(pg->lang, "rv-campaigns"), "</h2>");
	if (pg->campaigns == NULL || pg->campaigns->n == 0)
		page_put(b, "<p id=\"none\">", page_text(pg->lang, "rv-none"),
		    "</p>");
	else {
		page_put(b, "<table id=\"campaigns\"><caption>",
		    page_text(pg->lang, "rv-campaigns"), "</caption><thead><tr>");
		page_put(b, "<th scope=\"col\">", page_text(pg->lang, "rv-id"),
		    "</th>");
		page_put(b, "<th scope=\"col\">", page_text(pg->lang,
		    "rv-system"), "</th>");
		page_put(b, "<th scope=\"col\">", page_text(pg->lang,
		    "rv-owner"), "</th>");
		page_put(b, "<th scope=\"col\">", page_text(pg->lang,
		    "rv-state"), "</th>");
		page_put(b, "<th scope=\"col\">", page_text(pg->lang, "rv-due"),
		    "</th>");
		page_put(b, "<th scope=\"col\">", page_text(pg->lang,
		    "rv-progress"), "</th></tr></thead><tbody>");
		for (i = 0; i < pg->campaigns->n; i++) {
			c = &pg->campaigns->c[i];
			sb_add(b, "<tr><td>");
			num(b, c->id);
			sb_add(b, "</td><th scope=\"row\"><a href=\"/review/"
			    "campaign?id=");
			num(b, c->id);
			page_put(b, "\">", c->system, "</a></th>");
			page_put(b, "<td>", c->owner, "</td><td>");
			state(b, pg, c->state);
			page_put(b, "</td><td>", report_due_text(c->due, d,
			    sizeof(d)), "</td><td>");
			num(b, c->decided);
			page_put(b, " ", page_text(pg->lang, "rv-of"), " ");
			num(b, c->count);
			sb_add(b, "</td></tr>");
		}
		sb_add(b, "</tbody></table>");
	}
	page_logout(b, pg);
	page_tail(b);
}

/* Whether item `it` is shown under the filter. */
static int
shown(const struct page *pg, const struct report_item *it)
{
	if (pg->show != NULL && strcmp(pg->show, "undecided") == 0)
		return it->decision == NULL;
	if (pg->show != NULL && strcmp(pg->show, "revoke") == 0)
		return it->recommend != NULL &&
		    strncmp(it->recommend, "revoke", 6) == 0;
	return 1;
}

/* Whether the person may be offered the item: not their own access. */
static int
own(const struct page *pg, const struct report_item *it)
{
	return pg->user != NULL && strcmp(it->user, pg->user) == 0;
}

static void
campaign_head(struct sb *b, const struct page *pg)
{
	const struct report *r = pg->rep;
	char d[32];

	signed_in(b, pg);
	page_put(b, "<p><a href=\"/review\">", page_text(pg->lang, "rv-back"),
	    "</a></p>");
	sb_add(b, "<h2 id=\"campaign\">");
	num(b, r->id);
	page_put(b, ": ", r->system, "</h2><dl>");
	page_put(b, "<dt>", page_text(pg->lang, "rv-owner"), "</dt>");
	page_put(b, "<dd>", r->owner, "</dd>");
	page_put(b, "<dt>", page_text(pg->lang, "rv-state"), "</dt><dd>");
	state(b, pg, r->state != NULL ? r->state : "");
	page_put(b, "</dd><dt>", page_text(pg->lang, "rv-due"), "</dt>");
	page_put(b, "<dd>", report_due_text(r->due, d, sizeof(d)), "</dd>");
	page_put(b, "<dt>", page_text(pg->lang, "rv-progress"), "</dt><dd>");
}

/* The recommendation: keep or revoke, then authd's reason as sent. */
static void
recommend(struct sb *b, const struct page *pg, const char *rec)
{
	int rv = rec != NULL && strncmp(rec, "revoke", 6) == 0;

	page_put(b, "<strong>", page_text(pg->lang, rv ? "rec-revoke" :
	    "rec-keep"), "</strong>");
	if (rec != NULL && strlen(rec) > (rv ? 6u : 4u))
		page_put(b, " <span lang=\"en\">", rec + (rv ? 6 : 4),
		    "</span>");
}

static void
item_cells(struct sb *b, const struct page *pg, const struct report_item *it)
{
	char d[32];
	int64_t days;

	page_put(b, "<td>", it->role, "</td>");
	page_put(b, "<td class=\"path\">", it->path != NULL ? it->path : "",
	    "</td>");
	page_put(b, "<td>", strcmp(it->token, "active") == 0 ?
	    page_text(pg->lang, "rv-active") : it->token, "</td>");
	page_put(b, "<td>", it->last_login == 0 ? page_text(pg->lang,
	    "rv-never") : day(it->last_login, d, sizeof(d)), "</td><td>");
	if (it->last_login != 0 && pg->now > (int64_t)it->last_login) {
		days = (pg->now - (int64_t)it->last_login) / DAY_MS;
		num(b, (uint64_t)days);
		page_put(b, " ", page_text(pg->lang, "rv-days"), "");
	}
	if (it->inactive)
		page_put(b, it->last_login != 0 ? ", <strong>" : "<strong>",
		    page_text(pg->lang, "rv-flag"), "</strong>");
	sb_add(b, "</td><td>");
	recommend(b, pg, it->recommend);
	sb_add(b, "</td>");
}

/* The decision, or the form to make it. */
static void
item_decision(struct sb *b, const struct page *pg, const struct report_item *it,
    size_t i)
{
	char d[32], n[24];

	sb_add(b, "<td>");
	if (it->decision != NULL) {
		page_put(b, "<strong>", page_text(pg->lang,
		    strcmp(it->decision, "revoke") == 0 ? "d-revoke" :
		    "d-keep"), "</strong> ");
		if (it->by_default)
			page_put(b, "", page_text(pg->lang, "rv-default"), " ");
		page_put(b, "", page_text(pg->lang, "rv-by"), " ");
		page_put(b, "", it->actor != NULL ? it->actor : "", " ");
		page_put(b, "", day(it->decided_at, d, sizeof(d)), "");
		if (it->comment != NULL)
			page_put(b, "<br><q>", it->comment, "</q>");
	} else if (own(pg, it)) {
		page_put(b, "<p class=\"own\">", page_text(pg->lang, "rv-own"),
		    "</p>");
	} else if (pg->rep->closed == 0) {
		if (it->needs_admin)
			page_put(b, "<p>", page_text(pg->lang, "rv-admin"),
			    "</p>");
		snprintf(n, sizeof(n), "c%zu", i);
		page_form(b, pg, "/review/decide");
		hidden_id(b, pg->rep->id);
		hidden(b, "subject", it->user);
		hidden(b, "role", it->role);
		hidden(b, "show", pg->show != NULL ? pg->show : "all");
		page_put(b, "<label for=\"", n, "\">");
		page_put(b, "", page_text(pg->lang, "rv-comment"), " (");
		page_put(b, "", it->user, ", ");
		page_put(b, "", it->role, ")</label>");
		page_put(b, "<input type=\"text\" maxlength=\"1000\" "
		    "name=\"comment\" id=\"", n, "\">");
		page_put(b, "<br><button type=\"submit\" name=\"decision\" "
		    "value=\"keep\">", page_text(pg->lang, "rv-keep"),
		    "</button>");
		page_put(b, "<button type=\"submit\" class=\"revoke\" "
		    "name=\"decision\" value=\"revoke\">",
		    page_text(pg->lang, "rv-revoke"), "</button></form>");
	}
	sb_add(b, "</td>");
}

static void
filters(struct sb *b, const struct page *pg)
{
	static const char *const f[] = { "all", "undecided", "revoke" };
	char key[24];
	size_t i;

	page_put(b, "<nav aria-label=\"", page_text(pg->lang, "rv-filter"),
	    "\"><p>");
	page_put(b, "", page_text(pg->lang, "rv-filter"), ": ");
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "f-%s", f[i]);
		sb_add(b, "<a href=\"/review/campaign?id=");
		num(b, pg->rep->id);
		page_put(b, "&amp;show=", f[i], "\"");
		if (pg->show != NULL && strcmp(pg->show, f[i]) == 0)
			sb_add(b, " aria-current=\"page\"");
		page_put(b, ">", page_text(pg->lang, key), "</a> ");
	}
	sb_add(b, "</p></nav>");
}

static void
campaign_actions(struct sb *b, const struct page *pg)
{
	const struct report *r = pg->rep;

	if (r->closed == 0) {
		page_form(b, pg, "/review/accept");
		hidden_id(b, r->id);
		page_button(b, pg, "rv-acceptall");
		page_put(b, "<h2>", page_text(pg->lang, "rv-close"), "</h2>");
		page_form(b, pg, "/review/close");
		hidden_id(b, r->id);
		page_put(b, "<p><label for=\"default\">", page_text(pg->lang,
		    "rv-close-default"), "</label>");
		page_put(b, "<select id=\"default\" name=\"default\">"
		    "<option value=\"\">", page_text(pg->lang, "rv-close-none"),
		    "</option>");
		page_put(b, "<option value=\"keep\">", page_text(pg->lang,
		    "rv-close-keep"), "</option>");
		page_put(b, "<option value=\"revoke\">", page_text(pg->lang,
		    "rv-close-revoke"), "</option></select></p>");
		page_button(b, pg, "rv-close");
	}
	page_put(b, "<h2>", page_text(pg->lang, "rv-report"), "</h2><p>");
	sb_add(b, "<a id=\"report-html\" href=\"/review/report?id=");
	num(b, r->id);
	page_put(b, "&amp;format=html\">", page_text(pg->lang,
	    "rv-report-html"), "</a> ");
	sb_add(b, "<a id=\"report-csv\" href=\"/review/report?id=");
	num(b, r->id);
	page_put(b, "&amp;format=csv\">", page_text(pg->lang,
	    "rv-report-csv"), "</a></p>");
}

void
page_review_items(struct sb *b, const struct page *pg)
{
	const struct report *r = pg->rep;
	const struct report_item *it;
	static const char *const cols[] = { "rv-role", "rv-path", "rv-token",
	    "rv-last", "rv-inactive", "rv-recommend", "rv-decision" };
	size_t i, decided = 0, n = 0;

	page_head(b, pg);
	if (r == NULL) {
		page_tail(b);
		return;
	}
	campaign_head(b, pg);
	for (i = 0; i < r->n; i++)
		decided += r->items[i].decision != NULL;
	num(b, decided);
	page_put(b, " ", page_text(pg->lang, "rv-of"), " ");
	num(b, r->n);
	sb_add(b, "</dd></dl>");
	filters(b, pg);
	page_put(b, "<table id=\"items\"><caption>", page_text(pg->lang,
	    "rv-items"), "</caption><thead><tr>");
	page_put(b, "<th scope=\"col\">", page_text(pg->lang, "rv-user"),
	    "</th>");
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		page_put(b, "<th scope=\"col\">", page_text(pg->lang, cols[i]),
		    "</th>");
	sb_add(b, "</tr></thead><tbody>");
	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		if (!shown(pg, it))
			continue;
		n++;
		page_put(b, "<tr><th scope=\"row\" class=\"user\">", it->user,
		    "</th>");
		item_cells(b, pg, it);
		item_decision(b, pg, it, i);
		sb_add(b, "</tr>");
	}
	sb_add(b, "</tbody></table>");
	if (n == 0)
		page_put(b, "<p>", page_text(pg->lang, "rv-nomatch"), "</p>");
	campaign_actions(b, pg);
	page_logout(b, pg);
	page_tail(b);
}

void
page_review_accept(struct sb *b, const struct page *pg)
{
	const struct report *r = pg->rep;
	const struct report_item *it;
	size_t i, n = 0;

	page_head(b, pg);
	if (r == NULL) {
		page_tail(b);
		return;
	}
	campaign_head(b, pg);
	sb_add(b, "</dd></dl>");
	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		if (it->decision != NULL || own(pg, it))
			continue;
		if (n++ == 0) {
			page_put(b, "<p>", page_text(pg->lang, "rv-accept-q"),
			    "</p><ul id=\"accept\">");
		}
		page_put(b, "<li>", it->user, " (");
		page_put(b, "", it->role, "): ");
		recommend(b, pg, it->recommend);
		sb_add(b, "</li>");
	}
	if (n == 0)
		page_put(b, "<p>", page_text(pg->lang, "rv-accept-none"),
		    "</p>");
	else {
		sb_add(b, "</ul>");
		page_form(b, pg, "/review/accept");
		hidden_id(b, r->id);
		hidden(b, "confirm", "yes");
		page_button(b, pg, "rv-accept-do");
	}
	sb_add(b, "<p><a href=\"/review/campaign?id=");
	num(b, r->id);
	page_put(b, "\">", page_text(pg->lang, "rv-cancel"), "</a></p>");
	page_logout(b, pg);
	page_tail(b);
}
