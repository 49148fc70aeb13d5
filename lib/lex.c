/* SPDX-License-Identifier: BSD-2-Clause */
#include "lex.h"

/* 1 when `c` ends a word that is not quoted, or a closing quote's word. */
static int
lex_word_end(char c, int flags)
{
	return c == '\0' || c == ' ' || c == '\t' ||
	    (c == '#' && (flags & LEX_HASH_ENDS));
}

int
lex_split(char *line, char **argv, int max, int flags, enum lex_err *err)
{
	char *r = line, *w;
	int argc = 0;

	*err = LEX_OK;
	for (;;) {
		while (*r == ' ' || *r == '\t')
			r++;
		if (*r == '\0' || *r == '#')
			return argc;
		if (argc >= max) {
			*err = LEX_TOO_MANY;
			return -1;
		}
		/* Words shrink as quotes and escapes go: `w` trails `r`. */
		argv[argc++] = w = r;
		if (*r == '"') {
			for (r++; *r != '"'; r++) {
				if (*r == '\0') {
					*err = LEX_UNTERMINATED;
					return -1;
				}
				if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
					r++;
				*w++ = *r;
			}
			r++;
			if (!lex_word_end(*r, flags)) {
				*err = LEX_AFTER_QUOTE;
				return -1;
			}
		} else {
			for (; !lex_word_end(*r, flags); r++) {
				if (*r == '"') {
					*err = LEX_QUOTE_IN_WORD;
					return -1;
				}
				*w++ = *r;
			}
		}
		/* Only with LEX_HASH_ENDS: the rest is a comment. */
		if (*r == '#') {
			*w = '\0';
			return argc;
		}
		if (*r != '\0')
			r++;
		*w = '\0';
	}
}
