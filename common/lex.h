/*
 * Copyright (c) 2026 The ncap developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

#ifndef NCAP_LEX_H
#define NCAP_LEX_H

#include <limits.h>
#include <stddef.h>

/*
 * The lexer of both configuration files, and the checks of values
 * their grammars share.  One line is one statement: '#' comments,
 * single or double quoted strings, a backslash before the newline
 * continues a line, and a word that is a plain decimal number is a
 * number.  Errors read "file:line: message"; the line is that of the
 * token last read.  One file at a time.
 */

/* a grammar's word and the token byacc numbered it */
struct lex_keyword {
	const char	*k_name;
	int		 k_val;
};

/* what a grammar's words are and what it numbered the rest */
struct lex_grammar {
	const struct lex_keyword *keywords;	/* sorted by strcmp() */
	size_t			 nkeywords;
	int			 string;	/* any other word, or quoted */
	int			 number;	/* a plain decimal number */
	int			 error;		/* reported, line skipped */
	/* per statement given at most once: its line, or 0 */
	int			*seen;
	size_t			 nseen;
};

/* a token's value: a grammar's YYSTYPE */
struct lex_value {
	union {
		long long	 number;
		char		*string;	/* the grammar frees it */
	} v;
	int		 lineno;
};

/* what lex_number() yields for a word that is not a number */
#define LEX_BADNUM	LLONG_MIN
#define LEX_HUGE	(1LL << 62)	/* sizes and durations stop here */

/* -1, said, if the file cannot be opened; clears seen[] */
int	 lex_open(const char *path, const struct lex_grammar *);
/* the errors reported while the file was open, a read error among them */
int	 lex_close(void);
/* the next token: a keyword's, the grammar's, '\n' or 0 at the end */
int	 lex(struct lex_value *);
/* "file:line: message"; silent on the parser's "syntax error" after ours */
int	 yyerror(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));

/* statement seen[stmt], named what, given a first time: 0 */
int	 lex_once(int stmt, const char *what);
/* 0, or -1 when said what is wrong */
int	 lex_copy(char *, size_t, const char *, const char *what);
int	 lex_copy_path(char *, size_t, const char *, const char *what);
int	 lex_copy_socket(char *, size_t, const char *);
/* a number where a string is wanted (a name may be all digits) */
char	*lex_number_string(long long);
/* a word where a number is wanted ("0010"), or LEX_BADNUM, said */
long long lex_number(const char *);
/* a port, or -1 when it is not one (said, unless LEX_BADNUM) */
long long lex_port(long long);
/* bytes: a number, or one followed by k, m, g or t (1024^n, either case) */
long long lex_size(const char *);
/*
 * Durations, in milliseconds: a number followed by ms, s, m, h or d
 * (either case), or a plain number of seconds, as a word or as the
 * lexer's number.  LEX_BADNUM, said, for anything else, a negative
 * number or one that reaches LEX_HUGE.
 */
long long lex_duration(const char *);
long long lex_duration_number(long long);
/*
 * A duration of keyword what from min to max ms, and, if whole, in
 * whole seconds: 0, or -1 said (nothing more for LEX_BADNUM).
 */
int	 lex_duration_check(const char *what, long long, long long min,
	    long long max, int whole);

#endif /* NCAP_LEX_H */
