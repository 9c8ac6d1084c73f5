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
 * lexer is common/lex.c, the one ncagentd.conf has too.
 */

%{
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "keys.h"
#include "lex.h"
#include "nccollectd.h"
#include "util.h"

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
	KW_RCVBUF,
	KW_SYNC,
	KW_ROTATE,
	KW_KEEP,
	KW_OUTPUT,
	KW_JS_URL,
	KW_JS_STREAM,
	KW_JS_SUBJECT,
	KW_JS_CREDS,
	KW_JS_USER,
	KW_JS_TOKEN,
	KW_JS_CA,
	KW_JS_CERT,
	KW_JS_REPLICAS,
	KW_JS_CREATE,
	KW_JS_DUPWINDOW,
	KW_JS_TIMEOUT,
	KW_JS_MARKS,
	KW_JS_QUEUESIZE,
	KW_JS_MARKSTTL,
	KW_INPUT,
	KW_JS_DURABLE,
	KW_COUNT
};
static int	 seen[KW_COUNT];

typedef struct lex_value YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

int	 yyparse(void);
int	 yylex(void);

static void	 add_sensor(const char *, const char *);

static int	 limit_once(const char *, long long *);
static void	 set_limit(const char *, long long *, long long, long long,
		    long long, const char *);
static void	 set_age(const char *, long long *, long long, long long);
static int	 js_name(const char *, const char *, int);
static int	 js_check(const char *);

/* the parts of one rotate or keep line; -1 not given */
static long long	 every = -1, bysize = -1, age = -1;

static struct conf_sensor	*sensors;
static int			*slines;	/* the line of each */
static unsigned int		 nalloc;
%}

%token	CHROOT KEY KEYFILE LISTEN ON PORT RCVBUF SENSOR SPOOL USER
%token	RESTRICTED SOCKET SYNC YES NO ROTATE EVERY SIZE KEEP
%token	OUTPUT JETSTREAM URL STREAM SUBJECT CREDENTIALS PASSWORD TOKEN CA
%token	CERTIFICATE REPLICAS CREATE DUPWINDOW TIMEOUT MARKS INPUT DURABLE
%token	QUEUESIZE MARKSTTL
%token	ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.string>	string
%type	<v.number>	number port size yesno duration
%destructor	{ free($$); }	<v.string>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar main
		| grammar error '\n'	{ every = bysize = age = -1; }
		;

/* a name may well be all digits */
string		: STRING
		| NUMBER	{ $$ = lex_number_string($1); }
		;

/* numbers with leading zeros reach us as words */
number		: NUMBER
		| STRING	{ $$ = lex_number($1); free($1); }
		;

/* bytes: a number, or one followed by k, m, g or t (of 1024, either case) */
size		: NUMBER
		| STRING	{ $$ = lex_size($1); free($1); }
		;

/* milliseconds: a number is seconds, a word has ms, s, m, h or d */
duration	: NUMBER	{ $$ = lex_duration_number($1); }
		| STRING	{ $$ = lex_duration($1); free($1); }
		;

rotation	: EVERY duration {
			set_age("rotate every", &every, $2, ROTATE_EVERY_MAX);
		}
		| SIZE size {
			set_limit("rotate size", &bysize, $2, ROTATE_SIZE_MIN,
			    LEX_HUGE - 1, "64k and up");
		}
		;

rotations	: rotation
		| rotations rotation
		;

keeping		: duration {
			set_age("keep", &age, $1, KEEP_AGE_MAX);
		}
		| SIZE size {
			set_limit("keep size", &bysize, $2, KEEP_SIZE_MIN,
			    LEX_HUGE - 1, "64k and up");
		}
		| duration SIZE size {
			set_age("keep", &age, $1, KEEP_AGE_MAX);
			set_limit("keep size", &bysize, $3, KEEP_SIZE_MIN,
			    LEX_HUGE - 1, "64k and up");
		}
		;

/* -1: wrong, and said so */
yesno		: YES	{ $$ = 1; }
		| NO	{ $$ = 0; }
		| STRING {
			yyerror("\"%s\" is neither yes nor no", $1);
			free($1);
			$$ = -1;
		}
		;

/* -1: wrong, and said so */
port		: /* empty */	{ $$ = NCAP_PORT; }
		| PORT number	{ $$ = lex_port($2); }
		;

/*
 * output jetstream's settings, on its line or each on a jetstream line
 * of its own
 */
jsopts		: /* empty */
		| jsopts jsopt
		;

jsopt		: URL string {
			if (lex_once(KW_JS_URL, "jetstream url") == 0) {
				if ($2[0] == '\0')
					yyerror("jetstream url is empty");
				else
					lex_copy(conf->js.url,
					    sizeof(conf->js.url), $2,
					    "jetstream url");
			}
			free($2);
		}
		| STREAM string {
			if (lex_once(KW_JS_STREAM, "jetstream stream") == 0 &&
			    js_name("jetstream stream", $2, 0) == 0)
				lex_copy(conf->js.stream,
				    sizeof(conf->js.stream), $2,
				    "jetstream stream");
			free($2);
		}
		| SUBJECT string {
			if (lex_once(KW_JS_SUBJECT, "jetstream subject") == 0 &&
			    js_name("jetstream subject", $2, 1) == 0)
				lex_copy(conf->js.subject,
				    sizeof(conf->js.subject), $2,
				    "jetstream subject");
			free($2);
		}
		| DURABLE string {
			if (lex_once(KW_JS_DURABLE, "jetstream durable") == 0 &&
			    js_name("jetstream durable", $2, 0) == 0)
				lex_copy(conf->js.durable,
				    sizeof(conf->js.durable), $2,
				    "jetstream durable");
			free($2);
		}
		| CREDENTIALS string {
			if (lex_once(KW_JS_CREDS, "jetstream credentials") == 0)
				lex_copy_path(conf->js.creds,
				    sizeof(conf->js.creds), $2,
				    "jetstream credentials");
			free($2);
		}
		| USER string PASSWORD string {
			if (lex_once(KW_JS_USER, "jetstream user") == 0) {
				if ($2[0] == '\0')
					yyerror("jetstream user is empty");
				else if (lex_copy(conf->js.user,
				    sizeof(conf->js.user), $2,
				    "jetstream user") == 0)
					lex_copy(conf->js.password,
					    sizeof(conf->js.password), $4,
					    "jetstream password");
			}
			free($2);
			free($4);
		}
		| TOKEN string {
			if (lex_once(KW_JS_TOKEN, "jetstream token") == 0) {
				if ($2[0] == '\0')
					yyerror("jetstream token is empty");
				else
					lex_copy(conf->js.token,
					    sizeof(conf->js.token), $2,
					    "jetstream token");
			}
			free($2);
		}
		| CA string {
			if (lex_once(KW_JS_CA, "jetstream ca") == 0)
				lex_copy_path(conf->js.ca, sizeof(conf->js.ca),
				    $2, "jetstream ca");
			free($2);
		}
		| CERTIFICATE string KEY string {
			if (lex_once(KW_JS_CERT, "jetstream certificate") ==
			    0 && lex_copy_path(conf->js.cert,
			    sizeof(conf->js.cert), $2,
			    "jetstream certificate") == 0)
				lex_copy_path(conf->js.key,
				    sizeof(conf->js.key), $4,
				    "jetstream certificate key");
			free($2);
			free($4);
		}
		| REPLICAS number {
			if (lex_once(KW_JS_REPLICAS, "jetstream replicas") ==
			    0 && $2 != LEX_BADNUM) {
				if ($2 < 1 || $2 > JS_REPLICAS_MAX)
					yyerror("jetstream replicas %lld out "
					    "of range (1-%d)", $2,
					    JS_REPLICAS_MAX);
				else
					conf->js.replicas = $2;
			}
		}
		| CREATE yesno {
			if (lex_once(KW_JS_CREATE, "jetstream create") == 0 &&
			    $2 != -1)
				conf->js.create = $2;
		}
		| DUPWINDOW duration {
			if (lex_once(KW_JS_DUPWINDOW,
			    "jetstream duplicate-window") == 0 &&
			    lex_duration_check("jetstream duplicate-window",
			    $2, 1000, (long long)JS_DUPWINDOW_MAX * 1000,
			    1) == 0)
				conf->js.dupwindow = $2 / 1000;
		}
		| TIMEOUT duration {
			if (lex_once(KW_JS_TIMEOUT, "jetstream timeout") == 0 &&
			    lex_duration_check("jetstream timeout", $2,
			    JS_TIMEOUT_MIN, JS_TIMEOUT_MAX, 0) == 0)
				conf->js.timeout = $2;
		}
		| MARKS string {
			if (lex_once(KW_JS_MARKS, "jetstream marks") == 0 &&
			    js_name("jetstream marks", $2, 0) == 0)
				lex_copy(conf->js.marks,
				    sizeof(conf->js.marks), $2,
				    "jetstream marks");
			free($2);
		}
		| MARKSTTL duration {
			if (lex_once(KW_JS_MARKSTTL, "jetstream marks-ttl") ==
			    0 && lex_duration_check("jetstream marks-ttl", $2,
			    JS_MARKS_TTL_MIN * 1000LL, JS_MARKS_TTL_MAX * 1000LL,
			    1) == 0)
				conf->js.marks_ttl = $2 / 1000;
		}
		| QUEUESIZE size {
			if (lex_once(KW_JS_QUEUESIZE, "jetstream queue-size") ==
			    0 && $2 != LEX_BADNUM) {
				if ($2 < JS_QUEUE_SIZE_MIN ||
				    $2 > JS_QUEUE_SIZE_MAX)
					yyerror("jetstream queue-size %lld out "
					    "of range (%dk-%dg)", $2,
					    JS_QUEUE_SIZE_MIN >> 10,
					    JS_QUEUE_SIZE_MAX >> 30);
				else
					conf->js.queue_size = $2;
			}
		}
		;

main		: LISTEN ON string port '\n' {
			if (lex_once(KW_LISTEN, "listen") == 0) {
				/* "*": every local address */
				if ($3[0] == '\0')
					yyerror("listen address is empty");
				else if (strcmp($3, "*") == 0)
					conf->listen_addr[0] = '\0';
				else
					lex_copy(conf->listen_addr,
					    sizeof(conf->listen_addr), $3,
					    "listen address");
				if ($4 != -1)
					snprintf(conf->port, sizeof(conf->port),
					    "%lld", $4);
			}
			free($3);
		}
		| KEYFILE string '\n' {
			if (lex_once(KW_KEYFILE, "keyfile") == 0)
				lex_copy_path(conf->keyfile,
				    sizeof(conf->keyfile), $2, "keyfile");
			free($2);
		}
		| SPOOL string '\n' {
			if (lex_once(KW_SPOOL, "spool") == 0)
				lex_copy_path(conf->spool,
				    sizeof(conf->spool), $2, "spool");
			free($2);
		}
		| SOCKET string '\n' {
			if (lex_once(KW_SOCKET, "socket") == 0)
				lex_copy_socket(conf->ctlsock,
				    sizeof(conf->ctlsock), $2);
			free($2);
		}
		| SOCKET string RESTRICTED '\n' {
			if (lex_once(KW_RSOCKET, "socket ... restricted") == 0)
				lex_copy_socket(conf->rctlsock,
				    sizeof(conf->rctlsock), $2);
			free($2);
		}
		| RCVBUF size '\n' {
			if (lex_once(KW_RCVBUF, "receive-buffer") == 0 &&
			    $2 != LEX_BADNUM) {
				if ($2 < RCVBUF_MIN || $2 > RCVBUF_MAX)
					yyerror("receive-buffer %lld out of "
					    "range (%dk-%dm)", $2,
					    RCVBUF_MIN / 1024,
					    RCVBUF_MAX / 1024 / 1024);
				else
					conf->rcvbuf = $2;
			}
		}
		| USER string '\n' {
			if (lex_once(KW_USER, "user") == 0) {
				if ($2[0] == '\0')
					yyerror("user is empty");
				else
					lex_copy(conf->user,
					    sizeof(conf->user), $2, "user");
			}
			free($2);
		}
		| CHROOT string '\n' {
			if (lex_once(KW_CHROOT, "chroot") == 0)
				lex_copy_path(conf->chroot,
				    sizeof(conf->chroot), $2, "chroot");
			free($2);
		}
		| SYNC yesno '\n' {
			if (lex_once(KW_SYNC, "sync") == 0 && $2 != -1)
				conf->sync = $2;
		}
		| ROTATE rotations '\n' {
			if (lex_once(KW_ROTATE, "rotate") == 0) {
				if (every > 0)
					conf->rotate_every = every;
				if (bysize > 0)
					conf->rotate_size = bysize;
			}
			every = bysize = -1;
		}
		| ROTATE '\n' {
			yyerror("rotate: give every and a time, size and "
			    "bytes, or both");
		}
		| KEEP '\n' {
			yyerror("keep: give a time, size and bytes, or both");
		}
		| KEEP keeping '\n' {
			if (lex_once(KW_KEEP, "keep") == 0) {
				if (age > 0)
					conf->keep_age = age;
				if (bysize > 0)
					conf->keep_size = bysize;
			}
			age = bysize = -1;
		}
		| OUTPUT SPOOL '\n' {
			if (lex_once(KW_OUTPUT, "output") == 0)
				conf->output = OUTPUT_SPOOL;
		}
		| OUTPUT JETSTREAM jsopts '\n' {
			if (lex_once(KW_OUTPUT, "output") == 0)
				conf->output = OUTPUT_JETSTREAM;
		}
		| INPUT JETSTREAM jsopts '\n' {
			if (lex_once(KW_INPUT, "input") == 0)
				conf->input = INPUT_JETSTREAM;
		}
		| JETSTREAM jsopt '\n'
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

/* sorted by strcmp(), bsearch() needs it */
static const struct lex_keyword keywords[] = {
	{ "ca",			CA },
	{ "certificate",	CERTIFICATE },
	{ "chroot",		CHROOT },
	{ "create",		CREATE },
	{ "credentials",	CREDENTIALS },
	{ "duplicate-window",	DUPWINDOW },
	{ "durable",		DURABLE },
	{ "every",		EVERY },
	{ "input",		INPUT },
	{ "jetstream",		JETSTREAM },
	{ "keep",		KEEP },
	{ "key",		KEY },
	{ "keyfile",		KEYFILE },
	{ "listen",		LISTEN },
	{ "marks",		MARKS },
	{ "marks-ttl",		MARKSTTL },
	{ "no",			NO },
	{ "on",			ON },
	{ "output",		OUTPUT },
	{ "password",		PASSWORD },
	{ "port",		PORT },
	{ "queue-size",		QUEUESIZE },
	{ "receive-buffer",	RCVBUF },
	{ "replicas",		REPLICAS },
	{ "restricted",		RESTRICTED },
	{ "rotate",		ROTATE },
	{ "sensor",		SENSOR },
	{ "size",		SIZE },
	{ "socket",		SOCKET },
	{ "spool",		SPOOL },
	{ "stream",		STREAM },
	{ "subject",		SUBJECT },
	{ "sync",		SYNC },
	{ "timeout",		TIMEOUT },
	{ "token",		TOKEN },
	{ "url",		URL },
	{ "user",		USER },
	{ "yes",		YES },
};

static const struct lex_grammar lexicon = {
	keywords, sizeof(keywords) / sizeof(keywords[0]),
	STRING, NUMBER, ERROR, seen, KW_COUNT
};

int
yylex(void)
{
	return (lex(&yylval));
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
	c->rcvbuf = RCVBUF_DEFAULT;
	c->sync = NCCOLLECTD_SYNC;
	c->output = OUTPUT_SPOOL;
	strlcpy(c->js.url, JS_URL, sizeof(c->js.url));
	strlcpy(c->js.stream, JS_STREAM, sizeof(c->js.stream));
	strlcpy(c->js.subject, JS_SUBJECT, sizeof(c->js.subject));
	strlcpy(c->js.durable, JS_DURABLE, sizeof(c->js.durable));
	c->js.replicas = JS_REPLICAS;
	c->js.create = 1;
	c->js.dupwindow = JS_DUPWINDOW;
	c->js.timeout = JS_TIMEOUT;
	strlcpy(c->js.marks, JS_MARKS, sizeof(c->js.marks));
	c->js.queue_size = JS_QUEUE_SIZE;
	c->js.marks_ttl = JS_MARKS_TTL;
}

/*
 * A stream's name (no dots), or the subjects' prefix (tokens between
 * dots): letters, digits, - and _, never a wildcard or a blank.
 */
static int
js_name(const char *what, const char *s, int dots)
{
	const char	*p;

	if (s[0] == '\0' || s[0] == '.' || s[strlen(s) - 1] == '.' ||
	    strstr(s, "..") != NULL) {
		yyerror("%s \"%s\": not a %s", what, s, dots ?
		    "subject prefix" : "stream name");
		return (-1);
	}
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    (dots && *p == '.'))) {
			yyerror("%s \"%s\": letters, digits, - and _%s only",
			    what, s, dots ? ", tokens between dots" : "");
			return (-1);
		}
	return (0);
}

/* one way to authenticate at most: the number of errors said */
static int
js_check(const char *filename)
{
	int	n = (conf->js.creds[0] != '\0') +
		    (conf->js.user[0] != '\0') + (conf->js.token[0] != '\0');

	if (n > 1) {
		log_warnx("%s: jetstream: give credentials, user or token, "
		    "not %d of them", filename, n);
		return (1);
	}
	/*
	 * a mark gone, JetStream's window must still drop a replay; the
	 * default outlasts a long window
	 */
	if (!seen[KW_JS_MARKSTTL] && conf->js.marks_ttl <= conf->js.dupwindow)
		conf->js.marks_ttl = 2 * conf->js.dupwindow;
	if (conf->js.marks_ttl <= conf->js.dupwindow) {
		log_warnx("%s: jetstream marks-ttl is not longer than the "
		    "duplicate-window", filename);
		return (1);
	}
	return (0);
}

/*
 * One part of a rotate or keep line: each at most once, in its range.
 * A wrong one leaves the part unset; the line still counts as given.
 */
static int
limit_once(const char *what, long long *part)
{
	if (*part != -1) {
		yyerror("%s given twice", what);
		*part = 0;
		return (-1);
	}
	*part = 0;
	return (0);
}

static void
set_limit(const char *what, long long *part, long long v, long long min,
    long long max, const char *range)
{
	if (limit_once(what, part) == -1 || v == LEX_BADNUM)
		return;
	if (v < min || v > max) {
		yyerror("%s %lld out of range (%s)", what, v, range);
		return;
	}
	*part = v;
}

/* a time, in milliseconds, kept in whole seconds from 1 to max */
static void
set_age(const char *what, long long *part, long long ms, long long max)
{
	if (limit_once(what, part) == 0 &&
	    lex_duration_check(what, ms, 1000, max * 1000, 1) == 0)
		*part = ms / 1000;
}

/* a trusted sensor: a name and a key, neither given twice */
static void
add_sensor(const char *name, const char *hex)
{
	struct conf_sensor	*s;
	unsigned char		 pk[WIRE_PKLEN];
	const char		*why;
	int			*l;

	if (!valid_sensor_name(name, strlen(name))) {
		yyerror("sensor \"%s\": a name is " SENSOR_NAME_RULE, name);
		return;
	}
	if (strlen(hex) != KEY_HEXLEN || key_parse_hex(hex, pk) == -1) {
		yyerror("sensor %s: key must be 64 hexadecimal digits", name);
		return;
	}
	if (!key_public_ok(pk, &why)) {
		yyerror("sensor %s: key is %s", name, why);
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

/*
 * No name and no key twice: sorted, so thousands of sensors stay
 * quick.  The number of errors said.
 */
static int
check_sensors(const char *filename, unsigned int n)
{
	unsigned int	*ix, i;
	int		 errors = 0;

	if (n < 2)
		return (0);
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
			errors++;
		}
	qsort(ix, n, sizeof(*ix), by_key);
	for (i = 1; i < n; i++)
		if (memcmp(sensors[ix[i]].pk, sensors[ix[i - 1]].pk,
		    WIRE_PKLEN) == 0) {
			log_warnx("%s:%d: sensor %s has the key of sensor %s",
			    filename, slines[ix[i]], sensors[ix[i]].name,
			    sensors[ix[i - 1]].name);
			errors++;
		}
	free(ix);
	return (errors);
}

int
parse_config(const char *filename, struct collector_conf *c,
    struct conf_sensor **sp)
{
	int	 errors;

	if (lex_open(filename, &lexicon) == -1)
		return (-1);
	conf = c;
	yyparse();
	errors = lex_close();

	/* a collector that consumes a stream opens no datagram */
	if (!seen[KW_KEYFILE] && c->input != INPUT_JETSTREAM) {
		log_warnx("%s: no keyfile given", filename);
		errors++;
	}
	if (c->input == INPUT_JETSTREAM && c->output == OUTPUT_JETSTREAM) {
		log_warnx("%s:%d: input jetstream stores into the spool: not "
		    "with output jetstream", filename, seen[KW_OUTPUT]);
		errors++;
	}
	errors += check_sensors(filename, c->nsensors);
	errors += js_check(filename);
	free(slines);
	slines = NULL;

	conf = NULL;
	*sp = sensors;
	sensors = NULL;
	nalloc = 0;
	return (errors ? -1 : 0);
}
