/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_WEB_PAGE_H
#define AUTHD_WEB_PAGE_H

#include <stddef.h>

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
};

/* The pages; each fills `b` with a whole HTML document. */
void page_login(struct sb *b, const struct page *pg);
void page_enroll(struct sb *b, const struct page *pg);
void page_done(struct sb *b, const struct page *pg);
void page_error(struct sb *b, const struct page *pg);

/* The style sheet (served as /style.css: CSP allows no inline style). */
extern const char page_css[];

#endif
