/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_LEX_H
#define AUTHD_LEX_H

/*
 * The words of one line of authd.conf (lib/conf.c) and of a policy file
 * (lib/policy.c), one lexer for both: blanks (space, tab) separate words,
 * a '#' where a word would start begins a comment, and "..." quotes a
 * word that holds blanks, '#' or nothing at all, with \" and \\ inside
 * the quotes (a backslash anywhere else is an ordinary byte).  Each file
 * words its own error messages from enum lex_err.
 */

/* Why lex_split refused a line. */
enum lex_err {
	LEX_OK = 0,
	LEX_TOO_MANY,		/* more than `max` words */
	LEX_UNTERMINATED,	/* a quote not closed by the end of the line */
	LEX_AFTER_QUOTE,	/* no word end right after a closing quote */
	LEX_QUOTE_IN_WORD,	/* a '"' inside a word that is not quoted */
};

/*
 * With LEX_HASH_ENDS, a '#' also ends a word that is not quoted and
 * begins a comment ("a#b" is the word "a"), as in the policy language;
 * without it the '#' is part of the word, as in authd.conf.
 */
#define LEX_HASH_ENDS	0x1

/*
 * Splits the NUL-terminated `line` in place into at most `max` words:
 * argv[0..n-1] point into `line`, each word NUL-terminated with its
 * quotes and escapes removed.  Returns the number of words (0 for a
 * blank or comment line), or -1 with *err set, when argv holds nothing
 * to use and `line` is partly rewritten.
 */
int lex_split(char *line, char **argv, int max, int flags,
    enum lex_err *err);

#endif
