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
};

static const char *
T(enum lang l, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].key, key) == 0)
			return l == LANG_EN ? texts[i].en : texts[i].sv;
	return key;
}

/* `pre`, then `text` escaped, then `post`. */
static void
put(struct sb *b, const char *pre, const char *text, const char *post)
{
	sb_add(b, pre);
	sb_esc(b, text);
	sb_add(b, post);
}

static void
head(struct sb *b, const struct page *pg)
{
	sb_add(b, "<!DOCTYPE html>\n<html lang=\"");
	sb_add(b, pg->lang == LANG_EN ? "en" : "sv");
	sb_add(b, "\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>");
	sb_esc(b, T(pg->lang, "title"));
	put(b, "</title><link rel=\"stylesheet\" href=\"/style.css\">"
	    "</head><body><main><h1>", T(pg->lang, "title"), "</h1>");
	if (pg->msg != NULL)
		put(b, "<p class=\"msg\" role=\"alert\">",
		    T(pg->lang, pg->msg), "</p>");
}

static void
tail(struct sb *b)
{
	sb_add(b, "</main></body></html>\n");
}

static void
form(struct sb *b, const struct page *pg, const char *action)
{
	sb_add(b, "<form method=\"post\" action=\"");
	sb_add(b, action);
	sb_add(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	sb_esc(b, pg->csrf != NULL ? pg->csrf : "");
	sb_add(b, "\">");
}

static void
field(struct sb *b, const struct page *pg, const char *name,
    const char *label, const char *type, const char *extra)
{
	sb_add(b, "<p><label for=\"");
	sb_add(b, name);
	sb_add(b, "\">");
	sb_esc(b, T(pg->lang, label));
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

static void
button(struct sb *b, const struct page *pg, const char *label)
{
	put(b, "<p><button type=\"submit\">", T(pg->lang, label),
	    "</button></p></form>");
}

static void
logout(struct sb *b, const struct page *pg)
{
	form(b, pg, "/logout");
	button(b, pg, "logout");
}

void
page_login(struct sb *b, const struct page *pg)
{
	head(b, pg);
	put(b, "<p>", T(pg->lang, "intro"), "</p>");
	form(b, pg, "/login");
	field(b, pg, "user", "user", "text", "autocomplete=\"username\" "
	    "maxlength=\"64\" autocapitalize=\"none\" spellcheck=\"false\"");
	field(b, pg, "password", "password", "password",
	    "autocomplete=\"current-password\" maxlength=\"256\"");
	button(b, pg, "signin");
	tail(b);
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
	head(b, pg);
	put(b, "<p>", T(pg->lang, "signedin"), " <strong>");
	put(b, "", pg->user != NULL ? pg->user : "", "</strong></p>");
	put(b, "<p>", T(pg->lang, "scan"), "</p>");
	if (pg->uri != NULL)
		qr_svg(b, pg->uri, T(pg->lang, "qralt"));
	put(b, "<p>", T(pg->lang, "secret"), ": <code id=\"secret\">");
	put(b, "", pg->secret != NULL ? pg->secret : "", "</code></p>");
	form(b, pg, "/confirm");
	field(b, pg, "code", "code", "text", "inputmode=\"numeric\" "
	    "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" "
	    "maxlength=\"6\"");
	button(b, pg, "confirm");
	logout(b, pg);
	tail(b);
}

/* The page after enrolling (`done`), or one with a link to sign in. */
static void
page_short(struct sb *b, const struct page *pg, int done)
{
	head(b, pg);
	if (done) {
		put(b, "<p id=\"done\">", T(pg->lang, "done"), "</p>");
		logout(b, pg);
	} else
		put(b, "<p><a href=\"/\">", T(pg->lang, "signin"),
		    "</a></p>");
	tail(b);
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
    "code{font-size:1.1rem;word-break:break-all}\n";
