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

#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lex.h"
#include "log.h"

static struct file {
	FILE			*stream;
	const char		*name;
	const struct lex_grammar *g;
	int			 lineno;	/* where the reading is */
	int			 toklineno;	/* where the last token began */
	int			 errors;
	int			 midline;	/* a token since the newline */
	int			 lexerr;	/* it said what is wrong */
	int			 pushback[4];
	int			 npushback;
} file;

int
lex_open(const char *path, const struct lex_grammar *g)
{
	size_t	 i;

	/* bsearch() would miss words quietly */
	for (i = 1; i < g->nkeywords; i++)
		if (strcmp(g->keywords[i - 1].k_name,
		    g->keywords[i].k_name) >= 0)
			fatalx("%s: keyword \"%s\" out of order", __func__,
			    g->keywords[i].k_name);

	memset(&file, 0, sizeof(file));
	memset(g->seen, 0, g->nseen * sizeof(g->seen[0]));
	if ((file.stream = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return (-1);
	}
	file.name = path;
	file.g = g;
	file.lineno = 1;
	return (0);
}

int
lex_close(void)
{
	int	 errors;

	if (ferror(file.stream)) {
		log_warn("%s: read", file.name);
		file.errors++;
	}
	fclose(file.stream);
	errors = file.errors;
	memset(&file, 0, sizeof(file));
	return (errors);
}

int
yyerror(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	/* the lexer reported this one already, in its own words */
	if (file.lexerr && strcmp(fmt, "syntax error") == 0) {
		file.lexerr = 0;
		return (0);
	}
	file.errors++;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("%s: out of memory", __func__);
	va_end(ap);
	log_warnx("%s:%d: %s", file.name, file.toklineno, msg);
	free(msg);
	return (0);
}

static int
kw_cmp(const void *k, const void *e)
{
	return (strcmp(k, ((const struct lex_keyword *)e)->k_name));
}

static void
lungetc(int c)
{
	if (c == EOF)
		return;
	if (file.npushback == (int)(sizeof(file.pushback) /
	    sizeof(file.pushback[0])))
		fatalx("%s: pushback full", __func__);
	file.pushback[file.npushback++] = c;
}

/*
 * The next character.  Unless raw, a backslash right before a newline
 * joins the two lines: the pair reads as a blank.
 */
static int
lgetc(int raw)
{
	int	 c, next;

	if (file.npushback > 0)
		return (file.pushback[--file.npushback]);
	c = getc(file.stream);
	if (raw || c != '\\')
		return (c);
	next = getc(file.stream);
	if (next != '\n') {
		lungetc(next);
		return (c);
	}
	file.lineno++;
	return (' ');
}

/* after an error in the middle of a line: drop the rest of it */
static int
findeol(void)
{
	int	 c;

	while ((c = lgetc(0)) != '\n' && c != EOF)
		;
	lungetc(c);
	file.lexerr = 1;
	return (file.g->error);
}

/*
 * A plain decimal number, written the way "%lld" would write it.
 * LLONG_MIN is not one: it is LEX_BADNUM.
 */
static int
is_number(const char *s, long long *n)
{
	const char	*p = s, *errstr;

	if (*p == '-')
		p++;
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0') ||
	    strcmp(s, "-0") == 0)
		return (0);
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return (0);
	*n = strtonum(s, LEX_BADNUM + 1, LLONG_MAX, &errstr);
	return (errstr == NULL);
}

static int
is_wordchar(int c)
{
	return (c != EOF && !isspace(c) && c != '#' && c != '"' &&
	    c != '\'');
}

/* a quoted string, its opening quote read */
static int
quoted(struct lex_value *val, int quotec)
{
	char	 buf[8192];
	size_t	 len = 0;
	int	 c, next;

	for (;;) {
		c = lgetc(1);
		if (c == EOF || c == '\n') {
			yyerror("unterminated quoted string");
			lungetc(c);
			file.lexerr = 1;
			return (file.g->error);
		}
		if (c == quotec)
			break;
		if (c == '\\') {
			next = lgetc(1);
			if (next == '\n') {
				file.lineno++;
				continue;
			}
			if (next == quotec || next == '\\')
				c = next;
			else
				lungetc(next);
		}
		if (iscntrl(c) && c != '\t') {
			yyerror("invalid character 0x%02x in string", c);
			return (findeol());
		}
		if (len >= sizeof(buf) - 1) {
			yyerror("string too long");
			return (findeol());
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	if ((val->v.string = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return (file.g->string);
}

/* a keyword, a number or any other word, its first character read */
static int
word(struct lex_value *val, int c)
{
	char				 buf[8192];
	size_t				 len = 0;
	const struct lex_keyword	*kw;
	long long			 n;

	do {
		if (iscntrl(c)) {
			yyerror("invalid character 0x%02x", c);
			return (findeol());
		}
		if (len >= sizeof(buf) - 1) {
			yyerror("word too long");
			return (findeol());
		}
		buf[len++] = c;
	} while (is_wordchar(c = lgetc(0)));
	lungetc(c);
	buf[len] = '\0';

	kw = bsearch(buf, file.g->keywords, file.g->nkeywords,
	    sizeof(file.g->keywords[0]), kw_cmp);
	if (kw != NULL)
		return (kw->k_val);
	if (is_number(buf, &n)) {
		val->v.number = n;
		return (file.g->number);
	}
	if ((val->v.string = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return (file.g->string);
}

int
lex(struct lex_value *val)
{
	int	 c;

	while ((c = lgetc(0)) == ' ' || c == '\t' || c == '\r')
		;
	val->lineno = file.toklineno = file.lineno;

	/* comments run to the end of the line, continuation or not */
	if (c == '#')
		while ((c = lgetc(1)) != '\n' && c != EOF)
			;

	if (c == EOF) {
		/* a last line without its newline still ends a statement */
		if (file.midline) {
			file.midline = 0;
			return ('\n');
		}
		return (0);
	}
	if (c == '\n') {
		file.lineno++;
		file.lexerr = 0;
		file.midline = 0;
		return ('\n');
	}
	file.midline = 1;

	if (c == '"' || c == '\'')
		return (quoted(val, c));
	return (word(val, c));
}

/* each statement once; a repeat names the line of the first */
int
lex_once(int stmt, const char *what)
{
	int	*line;

	if (stmt < 0 || (size_t)stmt >= file.g->nseen)
		fatalx("%s: no statement %d", __func__, stmt);
	line = &file.g->seen[stmt];
	if (*line != 0) {
		yyerror("%s given twice (first on line %d)", what, *line);
		return (-1);
	}
	*line = file.toklineno;
	return (0);
}

int
lex_copy(char *dst, size_t dstlen, const char *src, const char *what)
{
	if (strlcpy(dst, src, dstlen) >= dstlen) {
		yyerror("%s too long (at most %zu characters)", what,
		    dstlen - 1);
		return (-1);
	}
	return (0);
}

int
lex_copy_path(char *dst, size_t dstlen, const char *src, const char *what)
{
	if (src[0] != '/') {
		yyerror("%s \"%s\" is not an absolute path", what, src);
		return (-1);
	}
	return (lex_copy(dst, dstlen, src, what));
}

/* a control socket: an absolute path that fits a sockaddr_un */
int
lex_copy_socket(char *dst, size_t dstlen, const char *path)
{
	if (path[0] != '/') {
		yyerror("socket \"%s\": give an absolute path", path);
		return (-1);
	}
	if (strlen(path) >= dstlen) {
		yyerror("socket \"%s\": longer than %zu characters", path,
		    dstlen - 1);
		return (-1);
	}
	strlcpy(dst, path, dstlen);
	return (0);
}

char *
lex_number_string(long long n)
{
	char	*s;

	if (asprintf(&s, "%lld", n) == -1)
		fatal("%s", __func__);
	return (s);
}

/* the lexer hands numbers with leading zeros over as words */
long long
lex_number(const char *s)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, LEX_BADNUM + 1, LLONG_MAX, &errstr);
	if (errstr != NULL) {
		if (strcmp(errstr, "invalid") == 0)
			yyerror("\"%s\" is not a number", s);
		else
			yyerror("number %s is %s", s, errstr);
		return (LEX_BADNUM);
	}
	return (n);
}

long long
lex_port(long long n)
{
	if (n == LEX_BADNUM)
		return (-1);
	if (n < 1 || n > 65535) {
		yyerror("port %lld out of range (1-65535)", n);
		return (-1);
	}
	return (n);
}

/* a unit after a number, and what it multiplies by */
struct lex_unit {
	const char	*name;
	long long	 mult;
};

/*
 * A number and its unit, as a word: digits, then one of units (either
 * case), or nothing for plain.  Past LEX_HUGE the value stops growing,
 * never wrapped: the callers refuse it.  -1 for a word of another
 * shape.
 */
static int
lex_scaled(const char *s, const struct lex_unit *units, long long plain,
    long long *v)
{
	const char	*p;
	long long	 n = 0, d, mult = plain;

	for (p = s; isdigit((unsigned char)*p); p++) {
		d = *p - '0';
		n = n > (LEX_HUGE - d) / 10 ? LEX_HUGE : n * 10 + d;
	}
	if (p == s)
		return (-1);
	if (*p != '\0') {
		for (; units->name != NULL; units++)
			if (strcasecmp(p, units->name) == 0)
				break;
		if (units->name == NULL)
			return (-1);
		mult = units->mult;
	}
	*v = n > LEX_HUGE / mult ? LEX_HUGE : n * mult;
	return (0);
}

/* bytes: "4096", "64k", "4M", "10g", "2t"; LEX_BADNUM, said */
long long
lex_size(const char *s)
{
	static const struct lex_unit	 units[] = {
		{ "k", 1LL << 10 }, { "m", 1LL << 20 }, { "g", 1LL << 30 },
		{ "t", 1LL << 40 }, { NULL, 0 }
	};
	long long			 v;

	if (lex_scaled(s, units, 1, &v) == -1) {
		yyerror("\"%s\": give bytes, or a number followed by K, M, "
		    "G or T", s);
		return (LEX_BADNUM);
	}
	if (v >= LEX_HUGE) {
		yyerror("size %s is too large", s);
		return (LEX_BADNUM);
	}
	return (v);
}

/*
 * Milliseconds: "250ms", "90s", "30m", "1h", "7d", or "90" (seconds);
 * LEX_BADNUM, said.
 */
long long
lex_duration(const char *s)
{
	static const struct lex_unit	 units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
		{ "h", 3600 * 1000 }, { "d", 86400 * 1000 }, { NULL, 0 }
	};
	long long			 v;

	if (lex_scaled(s, units, 1000, &v) == -1) {
		yyerror("\"%s\": give seconds, or a number followed by ms, s, "
		    "m, h or d", s);
		return (LEX_BADNUM);
	}
	if (v >= LEX_HUGE) {
		yyerror("duration %s is too long", s);
		return (LEX_BADNUM);
	}
	return (v);
}

/* the lexer's plain number, seconds, in milliseconds; LEX_BADNUM, said */
long long
lex_duration_number(long long n)
{
	if (n < 0) {
		yyerror("duration %lld is negative", n);
		return (LEX_BADNUM);
	}
	if (n > (LEX_HUGE - 1) / 1000) {
		yyerror("duration %lld is too long", n);
		return (LEX_BADNUM);
	}
	return (n * 1000);
}

/* milliseconds in the largest unit that takes them whole */
static void
duration_str(char *buf, size_t len, long long ms)
{
	static const struct lex_unit	 units[] = {
		{ "d", 86400 * 1000 }, { "h", 3600 * 1000 },
		{ "m", 60 * 1000 }, { "s", 1000 }, { "ms", 1 }
	};
	size_t				 i;

	for (i = 0; ms != 0 && ms % units[i].mult != 0; i++)
		;
	if (ms == 0)
		i = 3;
	snprintf(buf, len, "%lld%s", ms / units[i].mult, units[i].name);
}

int
lex_duration_check(const char *what, long long ms, long long min,
    long long max, int whole)
{
	char	 v[32], lo[32], hi[32];

	if (ms == LEX_BADNUM)
		return (-1);
	duration_str(v, sizeof(v), ms);
	if (ms < min || ms > max) {
		duration_str(lo, sizeof(lo), min);
		duration_str(hi, sizeof(hi), max);
		yyerror("%s %s out of range (%s-%s)", what, v, lo, hi);
		return (-1);
	}
	if (whole && ms % 1000 != 0) {
		yyerror("%s %s: give whole seconds", what, v);
		return (-1);
	}
	return (0);
}
