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

/*
 * nccollectd.conf: one keyword per line, each at most once.  The
 * lexer is the one ncagentd's parse.y has: '#' comments, single or
 * double quoted strings, a backslash before the newline continues a
 * line, and a word that is a plain decimal number comes back as NUMBER.
 */

%{
#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "keys.h"
#include "nccollectd.h"
#include "util.h"

/* what "number" yields for a word that is not one, once reported */
#define BADNUM		LLONG_MIN

static struct file {
	FILE		*stream;
	const char	*name;
	int		 lineno;
	int		 errors;
	int		 lasttok;	/* last token handed to the parser */
	int		 lexerr;	/* the lexer already said what is wrong */
	int		 pushback[4];
	int		 npushback;
} *file;

static struct collector_conf	*conf;

/* the line each keyword was first seen on, 0 if not yet */
enum keyword {
	KW_LISTEN,
	KW_KEYFILE,
	KW_SPOOL,
	KW_USER,
	KW_CHROOT,
	KW_SOCKET,
	KW_RSOCKET,
	KW_COUNT
};
static int	 seen[KW_COUNT];

typedef struct {
	union {
		long long	 number;
		char		*string;
	} v;
	int	 lineno;
} YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

int	 yyparse(void);
int	 yylex(void);
int	 yyerror(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));

static int	 once(enum keyword, const char *);
static int	 copy(char *, size_t, const char *, const char *);
static int	 copy_path(char *, size_t, const char *, const char *);
static void	 copy_socket(char *, const char *);
static void	 add_sensor(const char *, const char *);

static struct conf_sensor	*sensors;
static int			*slines;	/* the line of each */
static unsigned int		 nalloc;
%}

%token	CHROOT KEY KEYFILE LISTEN ON PORT SENSOR SPOOL USER
%token	RESTRICTED SOCKET
%token	ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.string>	string
%type	<v.number>	number port
%destructor	{ free($$); }	<v.string>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar main
		| grammar error '\n'
		;

string		: STRING
		| NUMBER {
			if (asprintf(&$$, "%lld", $1) == -1)
				fatal("%s", __func__);
		}
		;

/* numbers with leading zeros reach us as words */
number		: NUMBER
		| STRING {
			const char	*errstr;

			$$ = strtonum($1, BADNUM + 1, LLONG_MAX, &errstr);
			if (errstr != NULL) {
				if (strcmp(errstr, "invalid") == 0)
					yyerror("\"%s\" is not a number", $1);
				else
					yyerror("number %s is %s", $1, errstr);
				$$ = BADNUM;
			}
			free($1);
		}
		;

/* -1: wrong, and said so */
port		: /* empty */	{ $$ = NCAP_PORT; }
		| PORT number {
			$$ = $2;
			if ($2 == BADNUM)
				$$ = -1;
			else if ($2 < 1 || $2 > 65535) {
				yyerror("port %lld out of range (1-65535)",
				    $2);
				$$ = -1;
			}
		}
		;

main		: LISTEN ON string port '\n' {
			if (once(KW_LISTEN, "listen") == 0) {
				/* "*": every local address */
				if ($3[0] == '\0')
					yyerror("listen address is empty");
				else if (strcmp($3, "*") == 0)
					conf->listen_addr[0] = '\0';
				else
					copy(conf->listen_addr,
					    sizeof(conf->listen_addr), $3,
					    "listen address");
				if ($4 != -1)
					snprintf(conf->port, sizeof(conf->port),
					    "%lld", $4);
			}
			free($3);
		}
		| KEYFILE string '\n' {
			if (once(KW_KEYFILE, "keyfile") == 0)
				copy_path(conf->keyfile, sizeof(conf->keyfile),
				    $2, "keyfile");
			free($2);
		}
		| SPOOL string '\n' {
			if (once(KW_SPOOL, "spool") == 0)
				copy_path(conf->spool, sizeof(conf->spool),
				    $2, "spool");
			free($2);
		}
		| SOCKET string '\n' {
			if (once(KW_SOCKET, "socket") == 0)
				copy_socket(conf->ctlsock, $2);
			free($2);
		}
		| SOCKET string RESTRICTED '\n' {
			if (once(KW_RSOCKET, "socket ... restricted") == 0)
				copy_socket(conf->rctlsock, $2);
			free($2);
		}
		| USER string '\n' {
			if (once(KW_USER, "user") == 0) {
				if ($2[0] == '\0')
					yyerror("user is empty");
				else
					copy(conf->user, sizeof(conf->user),
					    $2, "user");
			}
			free($2);
		}
		| CHROOT string '\n' {
			if (once(KW_CHROOT, "chroot") == 0)
				copy_path(conf->chroot, sizeof(conf->chroot),
				    $2, "chroot");
			free($2);
		}
		| SENSOR string KEY string '\n' {
			add_sensor($2, $4);
			free($2);
			free($4);
		}
		| STRING {
			yyerror("unknown keyword \"%s\"", $1);
			free($1);
			$1 = NULL;	/* YYERROR hands it to %destructor */
			YYERROR;
		}
		;

%%

struct keywords {
	const char	*k_name;
	int		 k_val;
};

int
yyerror(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	/* the lexer reported this one already, in its own words */
	if (file->lexerr && strcmp(fmt, "syntax error") == 0) {
		file->lexerr = 0;
		return (0);
	}
	file->errors++;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("%s: out of memory", __func__);
	va_end(ap);
	log_warnx("%s:%d: %s", file->name, yylval.lineno, msg);
	free(msg);
	return (0);
}

static int
kw_cmp(const void *k, const void *e)
{
	return (strcmp(k, ((const struct keywords *)e)->k_name));
}

static int
lookup(const char *s)
{
	/* sorted by strcmp(), bsearch() needs it */
	static const struct keywords keywords[] = {
		{ "chroot",		CHROOT },
		{ "key",		KEY },
		{ "keyfile",		KEYFILE },
		{ "listen",		LISTEN },
		{ "on",			ON },
		{ "port",		PORT },
		{ "restricted",		RESTRICTED },
		{ "sensor",		SENSOR },
		{ "socket",		SOCKET },
		{ "spool",		SPOOL },
		{ "user",		USER },
	};
	const struct keywords	*p;

	p = bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), kw_cmp);
	if (p == NULL)
		return (STRING);
	return (p->k_val);
}

static void
lungetc(int c)
{
	if (c == EOF)
		return;
	if (file->npushback == (int)(sizeof(file->pushback) /
	    sizeof(file->pushback[0])))
		fatalx("%s: pushback full", __func__);
	file->pushback[file->npushback++] = c;
}

/*
 * The next character.  Unless raw, a backslash right before a newline
 * joins the two lines: the pair reads as a blank.
 */
static int
lgetc(int raw)
{
	int	 c, next;

	if (file->npushback > 0)
		return (file->pushback[--file->npushback]);
	c = getc(file->stream);
	if (raw || c != '\\')
		return (c);
	next = getc(file->stream);
	if (next != '\n') {
		lungetc(next);
		return (c);
	}
	file->lineno++;
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
	file->lexerr = 1;
	return (ERROR);
}

/* a plain decimal number, written the way "%lld" would write it */
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
	*n = strtonum(s, BADNUM + 1, LLONG_MAX, &errstr);
	return (errstr == NULL);
}

static int
is_wordchar(int c)
{
	return (c != EOF && !isspace(c) && c != '#' && c != '"' &&
	    c != '\'');
}

int
yylex(void)
{
	char		 buf[8192];
	size_t		 len = 0;
	int		 c, quotec, next, token;
	long long	 n;

	while ((c = lgetc(0)) == ' ' || c == '\t' || c == '\r')
		;
	yylval.lineno = file->lineno;

	/* comments run to the end of the line, continuation or not */
	if (c == '#')
		while ((c = lgetc(1)) != '\n' && c != EOF)
			;

	if (c == EOF) {
		/* a last line without its newline still ends a statement */
		if (file->lasttok != '\n' && file->lasttok != 0) {
			file->lasttok = '\n';
			return ('\n');
		}
		return (0);
	}
	if (c == '\n') {
		file->lineno++;
		file->lexerr = 0;
		return (file->lasttok = '\n');
	}
	file->lasttok = STRING;

	if (c == '"' || c == '\'') {
		quotec = c;
		for (;;) {
			c = lgetc(1);
			if (c == EOF || c == '\n') {
				yyerror("unterminated quoted string");
				lungetc(c);
				file->lexerr = 1;
				return (ERROR);
			}
			if (c == quotec)
				break;
			if (c == '\\') {
				next = lgetc(1);
				if (next == '\n') {
					file->lineno++;
					continue;
				}
				if (next == quotec || next == '\\')
					c = next;
				else
					lungetc(next);
			}
			if (iscntrl(c) && c != '\t') {
				yyerror("invalid character 0x%02x in string",
				    c);
				return (findeol());
			}
			if (len >= sizeof(buf) - 1) {
				yyerror("string too long");
				return (findeol());
			}
			buf[len++] = c;
		}
		buf[len] = '\0';
		if ((yylval.v.string = strdup(buf)) == NULL)
			fatal("%s", __func__);
		return (STRING);
	}

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

	if ((token = lookup(buf)) != STRING)
		return (token);
	if (is_number(buf, &n)) {
		yylval.v.number = n;
		return (NUMBER);
	}
	if ((yylval.v.string = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return (STRING);
}

/* each keyword once; a repeat names the line of the first */
static int
once(enum keyword kw, const char *word)
{
	if (seen[kw] != 0) {
		yyerror("%s given twice (first on line %d)", word, seen[kw]);
		return (-1);
	}
	seen[kw] = yylval.lineno;
	return (0);
}

static int
copy(char *dst, size_t dstlen, const char *src, const char *what)
{
	if (strlcpy(dst, src, dstlen) >= dstlen) {
		yyerror("%s too long (at most %zu characters)", what,
		    dstlen - 1);
		return (-1);
	}
	return (0);
}

static int
copy_path(char *dst, size_t dstlen, const char *src, const char *what)
{
	if (src[0] != '/') {
		yyerror("%s \"%s\" is not an absolute path", what, src);
		return (-1);
	}
	return (copy(dst, dstlen, src, what));
}

/* a control socket: an absolute path that fits a sockaddr_un */
static void
copy_socket(char *dst, const char *path)
{
	if (path[0] != '/')
		yyerror("socket \"%s\": give an absolute path", path);
	else if (strlen(path) >= CTL_PATH_MAX)
		yyerror("socket \"%s\": longer than %d characters", path,
		    CTL_PATH_MAX - 1);
	else
		strlcpy(dst, path, CTL_PATH_MAX);
}

void
conf_defaults(struct collector_conf *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->port, NCAP_PORT_STR, sizeof(c->port));
	strlcpy(c->spool, NCCOLLECTD_SPOOL, sizeof(c->spool));
	strlcpy(c->user, NCCOLLECTD_USER, sizeof(c->user));
	strlcpy(c->chroot, NCCOLLECTD_CHROOT, sizeof(c->chroot));
	strlcpy(c->ctlsock, NCCOLLECTD_SOCKET, sizeof(c->ctlsock));
}

/* a trusted sensor: a name and a key, neither given twice */
static void
add_sensor(const char *name, const char *hex)
{
	struct conf_sensor	*s;
	unsigned char		 pk[WIRE_PKLEN], n[32], q[32];
	int			*l;

	if (!valid_sensor_name(name, strlen(name))) {
		yyerror("sensor \"%s\": a name is 1-64 of A-Z a-z 0-9 . _ - "
		    "and does not start with '.'", name);
		return;
	}
	if (strlen(hex) != KEY_HEXLEN || key_parse_hex(hex, pk) == -1) {
		yyerror("sensor %s: key must be 64 hexadecimal digits", name);
		return;
	}
	if (!wire_pk_canonical(pk)) {
		yyerror("sensor %s: key is not a canonical Curve25519 public "
		    "key", name);
		return;
	}
	/* a point of small order shares the zero key with everyone */
	memset(n, 0x5a, sizeof(n));
	if (crypto_scalarmult(q, n, pk) != 0) {
		yyerror("sensor %s: key is a point of small order, no key "
		    "a sensor could have", name);
		return;
	}
	if (conf->nsensors >= SENSORS_MAX) {
		yyerror("more than %d sensors", SENSORS_MAX);
		return;
	}
	if (conf->nsensors == nalloc) {
		nalloc = nalloc ? nalloc * 2 : 16;
		if ((s = reallocarray(sensors, nalloc, sizeof(*s))) == NULL ||
		    (l = reallocarray(slines, nalloc, sizeof(*l))) == NULL)
			fatal(NULL);
		sensors = s;
		slines = l;
	}
	slines[conf->nsensors] = yylval.lineno;
	s = &sensors[conf->nsensors++];
	memset(s, 0, sizeof(*s));
	strlcpy(s->name, name, sizeof(s->name));
	memcpy(s->pk, pk, sizeof(s->pk));
}

static int
by_name(const void *a, const void *b)
{
	const unsigned int	*x = a, *y = b;
	int			 r;

	if ((r = strcmp(sensors[*x].name, sensors[*y].name)) != 0)
		return (r);
	return (slines[*x] - slines[*y]);
}

static int
by_key(const void *a, const void *b)
{
	const unsigned int	*x = a, *y = b;
	int			 r;

	if ((r = memcmp(sensors[*x].pk, sensors[*y].pk, WIRE_PKLEN)) != 0)
		return (r);
	return (slines[*x] - slines[*y]);
}

/* no name and no key twice: sorted, so thousands of sensors stay quick */
static void
check_sensors(const char *filename, unsigned int n)
{
	unsigned int	*ix, i;

	if (n < 2)
		return;
	if ((ix = calloc(n, sizeof(*ix))) == NULL)
		fatal(NULL);
	for (i = 0; i < n; i++)
		ix[i] = i;
	qsort(ix, n, sizeof(*ix), by_name);
	for (i = 1; i < n; i++)
		if (strcmp(sensors[ix[i]].name, sensors[ix[i - 1]].name) ==
		    0) {
			log_warnx("%s:%d: sensor %s listed twice", filename,
			    slines[ix[i]], sensors[ix[i]].name);
			file->errors++;
		}
	qsort(ix, n, sizeof(*ix), by_key);
	for (i = 1; i < n; i++)
		if (memcmp(sensors[ix[i]].pk, sensors[ix[i - 1]].pk,
		    WIRE_PKLEN) == 0) {
			log_warnx("%s:%d: sensor %s has the key of sensor %s",
			    filename, slines[ix[i]], sensors[ix[i]].name,
			    sensors[ix[i - 1]].name);
			file->errors++;
		}
	free(ix);
}

int
parse_config(const char *filename, struct collector_conf *c,
    struct conf_sensor **sp)
{
	struct file	 f;
	int		 errors;

	memset(&f, 0, sizeof(f));
	memset(seen, 0, sizeof(seen));
	if ((f.stream = fopen(filename, "r")) == NULL) {
		log_warn("%s", filename);
		return (-1);
	}
	f.name = filename;
	f.lineno = 1;
	file = &f;
	conf = c;

	yyparse();
	if (ferror(f.stream)) {
		log_warn("%s: read", filename);
		f.errors++;
	}
	fclose(f.stream);

	if (!seen[KW_KEYFILE]) {
		log_warnx("%s: no keyfile given", filename);
		f.errors++;
	}
	check_sensors(filename, c->nsensors);
	free(slines);
	slines = NULL;

	errors = f.errors;
	file = NULL;
	conf = NULL;
	*sp = sensors;
	sensors = NULL;
	nalloc = 0;
	return (errors ? -1 : 0);
}
