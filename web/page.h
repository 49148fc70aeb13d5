/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_WEB_PAGE_H
#define AUTHD_WEB_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "review.h"

/*
 * authd-web's pages (page.c): HTML with no script and no inline style,
 * in Swedish or English, every value escaped, the QR code as inline SVG.
 */

enum lang { LANG_SV = 0, LANG_EN = 1 };

/* A bounded, growing text; `err` once anything did not fit. */
struct sb {
	char	*p;
	size_t	 len, cap, max;
	int	 err;
};

void sb_init(struct sb *b, size_t max);
/* Wipes (pages may hold a secret) and frees. */
void sb_free(struct sb *b);
void sb_add(struct sb *b, const char *s);
/* Adds `s` escaped for HTML text and attribute values. */
void sb_esc(struct sb *b, const char *s);

/* The language a browser asks for (Accept-Language, may be NULL). */
enum lang page_lang(const char *accept);

/* What a page shows; strings may be NULL. */
struct page {
	enum lang	 lang;
	const char	*csrf;		/* the session's form token */
	const char	*user;		/* signed in as */
	const char	*uri;		/* otpauth URI (secret) */
	const char	*secret;	/* its base32 secret (secret) */
	const char	*msg;		/* a message key, see page.c */
	const char	*detail;	/* authd's message with it, or NULL */
	const char	*title;		/* the heading's key; NULL enrollment */
	/* The review pages (page_review.c). */
	const struct rv_list *campaigns;
	const struct report *rep;	/* a campaign and its items */
	const char	*show;		/* the items shown: all, undecided,
					   revoke (recommended) */
	int64_t		 now;		/* ms since the epoch */
};

/* The text `key` in `l` (the key itself if it has none). */
const char *page_text(enum lang l, const char *key);
/* `pre`, then `text` escaped, then `post`. */
void page_put(struct sb *b, const char *pre, const char *text,
    const char *post);
/* A document's start (title, heading, message) and end. */
void page_head(struct sb *b, const struct page *pg);
void page_tail(struct sb *b);
/* A POST form's start to `action`, with the CSRF token. */
void page_form(struct sb *b, const struct page *pg, const char *action);
/* A labelled, required input (`label` a text key; `extra` attributes). */
void page_field(struct sb *b, const struct page *pg, const char *name,
    const char *label, const char *type, const char *extra);
/* A submit button (`label` a text key) that ends the form. */
void page_button(struct sb *b, const struct page *pg, const char *label);
/* The sign-out form. */
void page_logout(struct sb *b, const struct page *pg);
/* A sign-in page posting to `action`: user, password, and the code. */
void page_signin(struct sb *b, const struct page *pg, const char *action,
    const char *intro, int with_code);

/* The pages; each fills `b` with a whole HTML document. */
void page_login(struct sb *b, const struct page *pg);
void page_enroll(struct sb *b, const struct page *pg);
void page_done(struct sb *b, const struct page *pg);
void page_error(struct sb *b, const struct page *pg);
/* The review pages. */
void page_review_login(struct sb *b, const struct page *pg);
void page_review_list(struct sb *b, const struct page *pg);
void page_review_items(struct sb *b, const struct page *pg);
void page_review_accept(struct sb *b, const struct page *pg);

/* The style sheet (served as /style.css: CSP allows no inline style). */
extern const char page_css[];

#endif
