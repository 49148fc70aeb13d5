/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authd-web's pages.  Swedish first, English when the browser prefers
 * it.  Accessible by construction: a language on the document, a label
 * for every field, a visible focus, text contrast above 4.5:1, the QR
 * code with a text alternative and the secret as text beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <qrencode.h>

#include "page.h"

void
sb_init(struct sb *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
sb_free(struct sb *b)
{
	if (b->p != NULL) {
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

static void
sb_put(struct sb *b, const char *s, size_t n)
{
	size_t cap;
	char *np;

	if (b->err)
		return;
	if (b->len + n + 1 > b->max) {
		b->err = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		/* A copy, so that no secret stays behind in freed memory. */
		if ((np = malloc(cap)) == NULL) {
			b->err = 1;
			return;
		}
		if (b->p != NULL) {
			memcpy(np, b->p, b->len);
			OPENSSL_cleanse(b->p, b->cap);
			free(b->p);
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sb_add(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void
sb_esc(struct sb *b, const char *s)
{
	const char *e;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default:
			sb_put(b, s, 1);
			continue;
		}
		sb_add(b, e);
	}
}

/*
 * The first of sv and en by the browser's preference (q values; equal
 * ones in the order given); Swedish when it names neither.
 */
enum lang
page_lang(const char *accept)
{
	char tag[16];
	const char *p = accept, *q;
	double best = -1, w;
	enum lang l = LANG_SV, cand;
	size_t n;

	if (accept == NULL || strlen(accept) > 512)
		return LANG_SV;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ";,");
		if (n == 0)
			break;
		snprintf(tag, sizeof(tag), "%.*s", (int)(n < 15 ? n : 15), p);
		p += n;
		w = 1.0;
		if (*p == ';') {
			q = strstr(p, "q=");
			if (q != NULL && q < p + strcspn(p, ","))
				w = strtod(q + 2, NULL);
			p += strcspn(p, ",");
		}
		if (strncasecmp(tag, "sv", 2) == 0 && (tag[2] == '\0' ||
		    tag[2] == '-'))
			cand = LANG_SV;
		else if (strncasecmp(tag, "en", 2) == 0 && (tag[2] == '\0' ||
		    tag[2] == '-'))
			cand = LANG_EN;
		else
			continue;
		if (w > best) {
			best = w;
			l = cand;
		}
	}
	return l;
}

/* Every text a page shows, in both languages. */
static const struct {
	const char	*key;
	const char	*sv, *en;
} texts[] = {
	{ "title", "Kodgenerator för inloggning",
	    "Authenticator for signing in" },
	{ "intro", "Logga in med ditt lösenord för att koppla en "
	    "kodgenerator (app i mobilen) till ditt konto.",
	    "Sign in with your password to link an authenticator (an app on "
	    "your phone) to your account." },
	{ "user", "Användarnamn", "User name" },
	{ "password", "Lösenord", "Password" },
	{ "signin", "Logga in", "Sign in" },
	{ "scan", "Skanna QR-koden med din kodgenerator, eller skriv in "
	    "nyckeln nedan.", "Scan the QR code with your authenticator, or "
	    "type in the key below." },
	{ "qralt", "QR-kod för kodgeneratorn", "QR code for the "
	    "authenticator" },
	{ "secret", "Nyckel", "Key" },
	{ "code", "Sexsiffrig kod från appen", "Six-digit code from the app" },
	{ "confirm", "Bekräfta", "Confirm" },
	{ "logout", "Logga ut", "Sign out" },
	{ "done", "Klart. Din kodgenerator är aktiverad och används från "
	    "och med nästa inloggning.", "Done. Your authenticator is active "
	    "and is used from your next sign-in on." },
	{ "signedin", "Inloggad som", "Signed in as" },
	{ "m-bad", "Inloggningen godtogs inte.", "Sign-in not accepted." },
	{ "m-exists", "Du har redan en aktiv kodgenerator. Kontakta "
	    "IT-supporten för att byta.", "You already have an active "
	    "authenticator. Contact IT support to replace it." },
	{ "m-notallowed", "Du kan inte registrera en kodgenerator själv "
	    "härifrån. Kontakta IT-supporten.", "You cannot enroll an "
	    "authenticator yourself from here. Contact IT support." },
	{ "m-toomany", "För många misslyckade försök. Försök igen senare.",
	    "Too many failed attempts. Try again later." },
	{ "m-badcode", "Koden godtogs inte. Försök igen med nästa kod.",
	    "Code not accepted. Try again with the next code." },
	{ "m-expired", "Sessionen har gått ut. Logga in igen.",
	    "Your session has expired. Sign in again." },
	{ "m-forbidden", "Begäran avvisades.", "Request refused." },
	{ "m-unavailable", "Tjänsten är inte tillgänglig just nu. Försök "
	    "igen senare.", "The service is unavailable. Try again later." },
	{ "m-notfound", "Sidan finns inte.", "Page not found." },
	/* The review pages (page_review.c). */
	{ "rv-title", "Behörighetsgranskning", "Access review" },
	{ "rv-intro", "Systemägare och säkerhetsfunktionen: logga in med "
	    "lösenord och en kod från din kodgenerator.", "System owners and "
	    "the security function: sign in with your password and a code "
	    "from your authenticator." },
	{ "rv-code", "Kod från kodgeneratorn (sex siffror)",
	    "Code from your authenticator (six digits)" },
	{ "rv-campaigns", "Granskningar", "Reviews" },
	{ "rv-none", "Det finns inga granskningar för dig.",
	    "There are no reviews for you." },
	{ "rv-id", "Nr", "No." },
	{ "rv-system", "System", "System" },
	{ "rv-owner", "Ägare", "Owner" },
	{ "rv-state", "Status", "State" },
	{ "rv-due", "Senast", "Due" },
	{ "rv-progress", "Beslutade", "Decided" },
	{ "rv-of", "av", "of" },
	{ "rv-open", "Öppna granskning", "Open review" },
	{ "st-open", "pågår", "open" },
	{ "st-overdue", "försenad", "overdue" },
	{ "st-closed", "avslutad", "closed" },
	{ "rv-back", "Till alla granskningar", "Back to all reviews" },
	{ "rv-items", "Behörigheter att granska", "Access to review" },
	{ "rv-filter", "Visa", "Show" },
	{ "f-all", "alla", "all" },
	{ "f-undecided", "ej beslutade", "undecided" },
	{ "f-revoke", "rekommenderas återkallas", "recommended revoke" },
	{ "rv-user", "Användare", "User" },
	{ "rv-role", "Roll", "Role" },
	{ "rv-path", "Grupp", "Group path" },
	{ "rv-token", "Kodgenerator", "Token" },
	{ "rv-last", "Senaste inloggning", "Last login" },
	{ "rv-inactive", "Inaktivitet", "Inactivity" },
	{ "rv-recommend", "Rekommendation (vid start)",
	    "Recommendation (at start)" },
	{ "rv-decision", "Beslut", "Decision" },
	{ "rv-never", "aldrig", "never" },
	{ "rv-days", "dagar sedan", "days ago" },
	{ "rv-flag", "inaktiv", "inactive" },
	{ "rv-active", "aktiv", "active" },
	{ "rec-keep", "behåll", "keep" },
	{ "rec-revoke", "återkalla", "revoke" },
	{ "d-keep", "Behålls", "Kept" },
	{ "d-revoke", "Återkallad", "Revoked" },
	{ "rv-default", "(vid avslut)", "(at close)" },
	{ "rv-by", "av", "by" },
	{ "rv-comment", "Kommentar", "Comment" },
	{ "rv-keep", "Behåll", "Keep" },
	{ "rv-revoke", "Återkalla", "Revoke" },
	{ "rv-own", "Din egen behörighet: beslutas av säkerhetsfunktionen, "
	    "inte av dig.", "Your own access: the security function decides "
	    "it, not you." },
	{ "rv-admin", "Beslutas av säkerhetsfunktionen.",
	    "The security function decides it." },
	{ "rv-nomatch", "Inga behörigheter att visa.", "No access to show." },
	{ "rv-acceptall", "Godta alla rekommendationer",
	    "Accept all recommendations" },
	{ "rv-accept-q", "Följande beslut fattas enligt rekommendationerna. "
	    "Återkallade behörigheter spärras direkt.", "The following is "
	    "decided as recommended. Revoked access is blocked at once." },
	{ "rv-accept-none", "Det finns inga obeslutade behörigheter som du "
	    "kan besluta.", "There is no undecided access that you may "
	    "decide." },
	{ "rv-accept-do", "Ja, besluta enligt rekommendationerna",
	    "Yes, decide as recommended" },
	{ "rv-cancel", "Avbryt", "Cancel" },
	{ "rv-close", "Avsluta granskningen", "Close the review" },
	{ "rv-close-default", "Obeslutade behörigheter vid avslut",
	    "Undecided access at close" },
	{ "rv-close-none", "inga tillåts (avslutas bara när allt är beslutat)",
	    "none allowed (closes only when all is decided)" },
	{ "rv-close-keep", "behåll", "keep" },
	{ "rv-close-revoke", "återkalla", "revoke" },
	{ "rv-report", "Rapport", "Report" },
	{ "rv-report-html", "Ladda ned rapporten (HTML)",
	    "Download the report (HTML)" },
	{ "rv-report-csv", "Ladda ned rapporten (CSV)",
	    "Download the report (CSV)" },
	{ "m-decided", "Beslutet är registrerat.", "The decision is recorded." },
	{ "m-refused", "Beslutet avvisades.", "The decision was refused." },
	{ "m-accepted", "Rekommendationerna är godtagna.",
	    "The recommendations are accepted." },
	{ "m-closed", "Granskningen är avslutad.", "The review is closed." },
	{ "m-close-refused", "Granskningen kunde inte avslutas.",
	    "The review could not be closed." },
	{ "m-rv-bad", "Inloggningen godtogs inte (lösenord eller kod).",
	    "Sign-in not accepted (password or code)." },
	{ "m-rv-forbidden", "Du har inte behörighet till den här "
	    "granskningen.", "You may not see this review." },
};

const char *
page_text(enum lang l, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].key, key) == 0)
			return l == LANG_EN ? texts[i].en : texts[i].sv;
	return key;
}

void
page_put(struct sb *b, const char *pre, const char *text, const char *post)
{
	sb_add(b, pre);
	sb_esc(b, text);
	sb_add(b, post);
}

void
page_head(struct sb *b, const struct page *pg)
{
	sb_add(b, "<!DOCTYPE html>\n<html lang=\"");
	sb_add(b, pg->lang == LANG_EN ? "en" : "sv");
	sb_add(b, "\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>");
	sb_esc(b, page_text(pg->lang, pg->title != NULL ? pg->title :
	    "title"));
	sb_add(b, "</title><link rel=\"stylesheet\" href=\"/style.css\">"
	    "</head><body><main");
	sb_add(b, pg->title != NULL ? " class=\"wide\">" : ">");
	page_put(b, "<h1>", page_text(pg->lang, pg->title != NULL ?
	    pg->title : "title"), "</h1>");
	if (pg->msg != NULL) {
		page_put(b, "<p class=\"msg\" role=\"alert\">",
		    page_text(pg->lang, pg->msg), "");
		if (pg->detail != NULL && pg->detail[0] != '\0')
			page_put(b, " <span lang=\"en\">(", pg->detail,
			    ")</span>");
		sb_add(b, "</p>");
	}
}

void
page_tail(struct sb *b)
{
	sb_add(b, "</main></body></html>\n");
}

void
page_form(struct sb *b, const struct page *pg, const char *action)
{
	sb_add(b, "<form method=\"post\" action=\"");
	sb_add(b, action);
	sb_add(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	sb_esc(b, pg->csrf != NULL ? pg->csrf : "");
	sb_add(b, "\">");
}

void
page_field(struct sb *b, const struct page *pg, const char *name,
    const char *label, const char *type, const char *extra)
{
	sb_add(b, "<p><label for=\"");
	sb_add(b, name);
	sb_add(b, "\">");
	sb_esc(b, page_text(pg->lang, label));
	sb_add(b, "</label><input id=\"");
	sb_add(b, name);
	sb_add(b, "\" name=\"");
	sb_add(b, name);
	sb_add(b, "\" type=\"");
	sb_add(b, type);
	sb_add(b, "\" required ");
	sb_add(b, extra);
	sb_add(b, "></p>");
}

void
page_button(struct sb *b, const struct page *pg, const char *label)
{
	page_put(b, "<p><button type=\"submit\">", page_text(pg->lang, label),
	    "</button></p></form>");
}

void
page_logout(struct sb *b, const struct page *pg)
{
	page_form(b, pg, "/logout");
	page_button(b, pg, "logout");
}

void
page_signin(struct sb *b, const struct page *pg, const char *action,
    const char *intro, int with_code)
{
	page_head(b, pg);
	page_put(b, "<p>", page_text(pg->lang, intro), "</p>");
	page_form(b, pg, action);
	page_field(b, pg, "user", "user", "text", "autocomplete=\"username\" "
	    "maxlength=\"64\" autocapitalize=\"none\" spellcheck=\"false\"");
	page_field(b, pg, "password", "password", "password",
	    "autocomplete=\"current-password\" maxlength=\"256\"");
	if (with_code)
		page_field(b, pg, "code", "rv-code", "text",
		    "inputmode=\"numeric\" autocomplete=\"one-time-code\" "
		    "pattern=\"[0-9]{6}\" maxlength=\"6\"");
	page_button(b, pg, "signin");
	page_tail(b);
}

void
page_login(struct sb *b, const struct page *pg)
{
	page_signin(b, pg, "/login", "intro", 0);
}

/* The QR code of `text` as SVG: one path of dark modules, 4 quiet. */
static void
qr_svg(struct sb *b, const char *text, const char *alt)
{
	QRcode *qr;
	char num[64];
	int x, y, w;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL) {
		b->err = 1;
		return;
	}
	w = qr->width;
	snprintf(num, sizeof(num), "0 0 %d %d", w + 8, w + 8);
	sb_add(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" "
	    "role=\"img\" shape-rendering=\"crispEdges\" viewBox=\"");
	sb_add(b, num);
	sb_add(b, "\"><title>");
	sb_esc(b, alt);
	sb_add(b, "</title><rect width=\"100%\" height=\"100%\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"");
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++)
			if (qr->data[y * w + x] & 1) {
				snprintf(num, sizeof(num), "M%d %dh1v1h-1z",
				    x + 4, y + 4);
				sb_add(b, num);
			}
	sb_add(b, "\"/></svg>");
	OPENSSL_cleanse(qr->data, (size_t)w * (size_t)w);
	QRcode_free(qr);
}

void
page_enroll(struct sb *b, const struct page *pg)
{
	page_head(b, pg);
	page_put(b, "<p>", page_text(pg->lang, "signedin"), " <strong>");
	page_put(b, "", pg->user != NULL ? pg->user : "", "</strong></p>");
	page_put(b, "<p>", page_text(pg->lang, "scan"), "</p>");
	if (pg->uri != NULL)
		qr_svg(b, pg->uri, page_text(pg->lang, "qralt"));
	page_put(b, "<p>", page_text(pg->lang, "secret"), ": <code id=\"secret\">");
	page_put(b, "", pg->secret != NULL ? pg->secret : "", "</code></p>");
	page_form(b, pg, "/confirm");
	page_field(b, pg, "code", "code", "text", "inputmode=\"numeric\" "
	    "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" "
	    "maxlength=\"6\"");
	page_button(b, pg, "confirm");
	page_logout(b, pg);
	page_tail(b);
}

/* The page after enrolling (`done`), or one with a link to sign in. */
static void
page_short(struct sb *b, const struct page *pg, int done)
{
	page_head(b, pg);
	if (done) {
		page_put(b, "<p id=\"done\">", page_text(pg->lang, "done"), "</p>");
		page_logout(b, pg);
	} else
		page_put(b, pg->title != NULL ? "<p><a href=\"/review\">" :
		    "<p><a href=\"/\">", page_text(pg->lang, "signin"),
		    "</a></p>");
	page_tail(b);
}

void
page_done(struct sb *b, const struct page *pg)
{
	page_short(b, pg, 1);
}

void
page_error(struct sb *b, const struct page *pg)
{
	page_short(b, pg, 0);
}

const char page_css[] =
    "body{font-family:sans-serif;background:#fff;color:#1a1a1a;"
    "margin:0;line-height:1.5}\n"
    "main{max-width:36rem;margin:2rem auto;padding:0 1rem}\n"
    "label{display:block;font-weight:bold}\n"
    "input{font-size:1.1rem;padding:.4rem;border:2px solid #555;"
    "width:100%;box-sizing:border-box}\n"
    "button{font-size:1.1rem;padding:.5rem 1.2rem;background:#004b87;"
    "color:#fff;border:0}\n"
    "input:focus,button:focus,a:focus{outline:3px solid #b35c00;"
    "outline-offset:2px}\n"
    ".msg{border-left:4px solid #a00;padding-left:.5rem;color:#700}\n"
    ".qr{width:300px;height:300px;display:block}\n"
    "code{font-size:1.1rem;word-break:break-all}\n"
    "main.wide{max-width:90rem}\n"
    "table{border-collapse:collapse;width:100%;margin:1rem 0}\n"
    "th,td{border:1px solid #767676;padding:.3rem .4rem;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#e8eef4}\n"
    "td input{font-size:1rem;padding:.2rem}\n"
    "td button,.inline button{font-size:1rem;padding:.3rem .7rem;"
    "margin:.2rem .2rem 0 0}\n"
    "button.revoke{background:#8a1c1c}\n"
    "select{font-size:1.1rem;padding:.3rem;border:2px solid #555}\n"
    "select:focus{outline:3px solid #b35c00;outline-offset:2px}\n"
    ".path{font-size:.85rem;word-break:break-all}\n"
    ".overdue{color:#8a1c1c;font-weight:bold}\n"
    "nav a{margin-right:1rem}\n"
    "a{color:#004b87}\n"
    "a[aria-current]{font-weight:bold;color:#1a1a1a}\n"
    "dl{display:grid;grid-template-columns:max-content auto;"
    "gap:.1rem 1rem}\n"
    "dt{font-weight:bold}\n"
    "dd{margin:0}\n";
