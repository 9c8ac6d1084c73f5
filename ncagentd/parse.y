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
 * ncagentd.conf: one keyword per line, each at most once but collector,
 * which lists the collectors in order of preference.  The lexer is
 * common/lex.c, the one nccollectd.conf has too.
 */

%{
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "lex.h"
#include "ncagentd.h"
#include "util.h"

#define FLUSH_MIN_MS	50
#define FLUSH_MAX_MS	(3600 * 1000)
#define REKEY_MIN_MS	100
#define REKEY_MAX_MS	(86400 * 1000)
/* a datagram's worth is too little to queue */
#define QUEUE_DATAGRAMS_MIN	8

static struct agent_conf	*conf;

/* the line each keyword was first seen on, 0 if not yet */
enum keyword {
	KW_NAME,
	KW_INTERFACE,
	KW_FILTER,
	KW_COLLECTOR,
	KW_COLLECTORKEY,
	KW_KEYFILE,
	KW_USER,
	KW_CHROOT,
	KW_MAXDATAGRAM,
	KW_FLUSHINTERVAL,
	KW_SNAPLEN,
	KW_PROMISCUOUS,
	KW_CONNTABLE,
	KW_CONNIDLE,
	KW_CONNACTIVE,
	KW_REKEY,
	KW_PAD,
	KW_SOCKET,
	KW_RSOCKET,
	KW_QUEUESIZE,
	KW_ACKS,
	KW_BUFSIZE,
	KW_COMPRESSION,
	KW_FAILOVER,
	KW_COUNT
};
static int	 seen[KW_COUNT];

/* the collector line being read: its options, once each */
static struct agent_collector	 coll;
static int			 coll_port, coll_key, coll_bad;
static int			 coll_line[COLLECTORS_MAX];

typedef struct lex_value YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

int	 yyparse(void);
int	 yylex(void);

static void	 set_ms(enum keyword, const char *, unsigned int *,
		    long long, long long, long long);
static void	 set_seconds(enum keyword, const char *, unsigned int *,
		    long long);
static void	 collector_add(const char *, int);
%}

%token	CHROOT COLLECTOR COLLECTORKEY FILTER FLUSHINTERVAL INTERFACE
%token	KEYFILE MAXDATAGRAM NAME NO PORT PROMISCUOUS SNAPLEN USER YES
%token	RESTRICTED SOCKET
%token	CONNTABLE CONNIDLE CONNACTIVE PAD REKEY
%token	ACKS QUEUESIZE BUFSIZE COMPRESSION FAILOVER KEY
%token	ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.string>	string
%type	<v.number>	number yesno duration size
%destructor	{ free($$); }	<v.string>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar main
		| grammar error '\n'
		;

/* a name may well be all digits */
string		: STRING
		| NUMBER	{ $$ = lex_number_string($1); }
		;

/* numbers with leading zeros reach us as words */
number		: NUMBER
		| STRING	{ $$ = lex_number($1); free($1); }
		;

/* milliseconds: a number is seconds, a word has ms, s, m, h or d */
duration	: NUMBER	{ $$ = lex_duration_number($1); }
		| STRING	{ $$ = lex_duration($1); free($1); }
		;

/* bytes: a number, or one followed by k, m, g or t (of 1024, either case) */
size		: NUMBER
		| STRING	{ $$ = lex_size($1); free($1); }
		;

yesno		: YES	{ $$ = 1; }
		| NO	{ $$ = 0; }
		| STRING {
			yyerror("\"%s\" is neither yes nor no", $1);
			free($1);
			$$ = -1;
		}
		;

/* what may follow a collector's address, in any order, once each */
collopts	: /* empty */
		| collopts collopt
		;

collopt		: PORT number {
			long long	 p;

			if (coll_port++)
				yyerror("collector: port given twice");
			else if ((p = lex_port($2)) == -1)
				coll_bad = 1;
			else
				snprintf(coll.port, sizeof(coll.port), "%lld",
				    p);
		}
		| KEY string {
			if (coll_key++)
				yyerror("collector: key given twice");
			else if (lex_copy_path(coll.key, sizeof(coll.key), $2,
			    "collector key") == -1)
				coll_bad = 1;
			free($2);
		}
		;

main		: NAME string '\n' {
			if (lex_once(KW_NAME, "name") == 0) {
				if (!valid_sensor_name($2, strlen($2)))
					yyerror("invalid name \"%s\": "
					    SENSOR_NAME_RULE, $2);
				else
					lex_copy(conf->name,
					    sizeof(conf->name), $2, "name");
			}
			free($2);
		}
		| INTERFACE string '\n' {
			if (lex_once(KW_INTERFACE, "interface") == 0) {
				if ($2[0] == '\0')
					yyerror("interface is empty");
				else
					lex_copy(conf->interface,
					    sizeof(conf->interface), $2,
					    "interface");
			}
			free($2);
		}
		| FILTER string '\n' {
			if (lex_once(KW_FILTER, "filter") == 0)
				lex_copy(conf->filter, sizeof(conf->filter),
				    $2, "filter");
			free($2);
		}
		| COLLECTOR string {
			memset(&coll, 0, sizeof(coll));
			strlcpy(coll.port, NCAP_PORT_STR, sizeof(coll.port));
			coll_port = coll_key = coll_bad = 0;
			if (!seen[KW_COLLECTOR])
				seen[KW_COLLECTOR] = $<lineno>1;
		} collopts '\n' {
			collector_add($2, $<lineno>1);
			free($2);
		}
		| COLLECTORKEY string '\n' {
			if (lex_once(KW_COLLECTORKEY, "collector-key") == 0)
				lex_copy_path(conf->collector_key,
				    sizeof(conf->collector_key), $2,
				    "collector-key");
			free($2);
		}
		| KEYFILE string '\n' {
			if (lex_once(KW_KEYFILE, "keyfile") == 0)
				lex_copy_path(conf->keyfile,
				    sizeof(conf->keyfile), $2, "keyfile");
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
		| MAXDATAGRAM number '\n' {
			if (lex_once(KW_MAXDATAGRAM, "max-datagram") == 0 &&
			    $2 != LEX_BADNUM) {
				if ($2 < 512 || $2 > 65000)
					yyerror("max-datagram %lld out of "
					    "range (512-65000)", $2);
				else
					conf->max_datagram = $2;
			}
		}
		| FLUSHINTERVAL duration '\n' {
			set_ms(KW_FLUSHINTERVAL, "flush-interval",
			    &conf->flush_ms, $2, FLUSH_MIN_MS, FLUSH_MAX_MS);
		}
		| FAILOVER duration '\n' {
			set_ms(KW_FAILOVER, "failover-timeout",
			    &conf->failover_ms, $2, FAILOVER_MIN_MS,
			    FAILOVER_MAX_MS);
		}
		| REKEY duration '\n' {
			set_ms(KW_REKEY, "rekey", &conf->rekey_ms, $2,
			    REKEY_MIN_MS, REKEY_MAX_MS);
		}
		| PAD number '\n' {
			if (lex_once(KW_PAD, "pad") == 0 && $2 != LEX_BADNUM) {
				if ($2 < 1 || $2 > WIRE_PAD_MAX)
					yyerror("pad %lld out of range "
					    "(1-%d)", $2, WIRE_PAD_MAX);
				else
					conf->pad = $2;
			}
		}
		| SNAPLEN number '\n' {
			if (lex_once(KW_SNAPLEN, "snaplen") == 0 &&
			    $2 != LEX_BADNUM) {
				if ($2 < 64 || $2 > 262144)
					yyerror("snaplen %lld out of range "
					    "(64-262144)", $2);
				else
					conf->snaplen = $2;
			}
		}
		| BUFSIZE size '\n' {
			if (lex_once(KW_BUFSIZE, "buffer-size") == 0 &&
			    $2 != LEX_BADNUM) {
				if ($2 < BUFFER_SIZE_MIN || $2 > BUFFER_SIZE_MAX)
					yyerror("buffer-size %lld out of range "
					    "(256K-1G)", $2);
				else
					conf->bufsize = $2;
			}
		}
		| QUEUESIZE size '\n' {
			if (lex_once(KW_QUEUESIZE, "queue-size") == 0 &&
			    $2 != LEX_BADNUM) {
				if ($2 < QUEUE_SIZE_MIN || $2 > QUEUE_SIZE_MAX)
					yyerror("queue-size %lld out of range "
					    "(64K-2G)", $2);
				else
					conf->queue_size = $2;
			}
		}
		| COMPRESSION string '\n' {
			if (lex_once(KW_COMPRESSION, "compression") == 0) {
				if (strcmp($2, "zlib") == 0)
					conf->compression = WIRE_ENC_ZLIB;
				else if (strcmp($2, "zstd") == 0)
					conf->compression = WIRE_ENC_ZSTD;
				else
					yyerror("compression \"%s\" is neither "
					    "zlib nor zstd", $2);
			}
			free($2);
		}
		| ACKS yesno '\n' {
			if (lex_once(KW_ACKS, "acks") == 0 && $2 != -1)
				conf->acks = $2;
		}
		| PROMISCUOUS yesno '\n' {
			if (lex_once(KW_PROMISCUOUS, "promiscuous") == 0 &&
			    $2 != -1)
				conf->promisc = $2;
		}
		| CONNTABLE number '\n' {
			if (lex_once(KW_CONNTABLE, "connection-table-size") ==
			    0 && $2 != LEX_BADNUM) {
				if ($2 < 0 || $2 > CONN_TABLE_MAX)
					yyerror("connection-table-size %lld out "
					    "of range (0-%d)", $2,
					    CONN_TABLE_MAX);
				else
					conf->conn_table_size = $2;
			}
		}
		| CONNIDLE duration '\n' {
			set_seconds(KW_CONNIDLE, "connection-idle-timeout",
			    &conf->conn_idle_timeout, $2);
		}
		| CONNACTIVE duration '\n' {
			set_seconds(KW_CONNACTIVE, "connection-active-timeout",
			    &conf->conn_active_timeout, $2);
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
	{ "acks",		ACKS },
	{ "buffer-size",	BUFSIZE },
	{ "chroot",		CHROOT },
	{ "collector",		COLLECTOR },
	{ "collector-key",	COLLECTORKEY },
	{ "compression",	COMPRESSION },
	{ "connection-active-timeout", CONNACTIVE },
	{ "connection-idle-timeout", CONNIDLE },
	{ "connection-table-size", CONNTABLE },
	{ "failover-timeout",	FAILOVER },
	{ "filter",		FILTER },
	{ "flush-interval",	FLUSHINTERVAL },
	{ "interface",		INTERFACE },
	{ "key",		KEY },
	{ "keyfile",		KEYFILE },
	{ "max-datagram",	MAXDATAGRAM },
	{ "name",		NAME },
	{ "no",			NO },
	{ "pad",		PAD },
	{ "port",		PORT },
	{ "promiscuous",	PROMISCUOUS },
	{ "queue-size",		QUEUESIZE },
	{ "rekey",		REKEY },
	{ "restricted",		RESTRICTED },
	{ "snaplen",		SNAPLEN },
	{ "socket",		SOCKET },
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

/* a duration kept in milliseconds, from min to max */
static void
set_ms(enum keyword kw, const char *name, unsigned int *ms, long long v,
    long long min, long long max)
{
	if (lex_once(kw, name) == 0 &&
	    lex_duration_check(name, v, min, max, 0) == 0)
		*ms = (unsigned int)v;
}

/* a connection timeout, kept in whole seconds */
static void
set_seconds(enum keyword kw, const char *name, unsigned int *s,
    long long v)
{
	if (lex_once(kw, name) == 0 &&
	    lex_duration_check(name, v, 1000, CONN_TIMEOUT_MAX * 1000LL,
	    1) == 0)
		*s = (unsigned int)(v / 1000);
}

/*
 * A collector line read: the next in order of preference, unless it
 * was wrong or names one listed before.
 */
static void
collector_add(const char *host, int line)
{
	unsigned int	 i;

	if (host[0] == '\0') {
		yyerror("collector address is empty");
		return;
	}
	if (lex_copy(coll.host, sizeof(coll.host), host, "collector") == -1 ||
	    coll_bad)
		return;
	for (i = 0; i < conf->ncollectors; i++)
		if (strcmp(conf->collectors[i].host, coll.host) == 0 &&
		    strcmp(conf->collectors[i].port, coll.port) == 0) {
			yyerror("collector %s port %s given twice (first on "
			    "line %d)", coll.host, coll.port, coll_line[i]);
			return;
		}
	if (conf->ncollectors == COLLECTORS_MAX) {
		yyerror("more than %d collectors", COLLECTORS_MAX);
		return;
	}
	coll_line[conf->ncollectors] = line;
	conf->collectors[conf->ncollectors++] = coll;
}

/* the sensor's default name: the host name up to its first dot */
static int
default_name(const char *filename)
{
	char	 host[256];

	if (gethostname(host, sizeof(host)) == -1) {
		log_warn("%s: gethostname", filename);
		return (-1);
	}
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	if (!valid_sensor_name(host, strlen(host))) {
		log_warnx("%s: host name \"%s\" is not a valid sensor name "
		    "(" SENSOR_NAME_RULE "): give one with \"name\"",
		    filename, host);
		return (-1);
	}
	strlcpy(conf->name, host, sizeof(conf->name));
	return (0);
}

void
conf_defaults(struct agent_conf *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->user, NCAGENTD_USER, sizeof(c->user));
	strlcpy(c->chroot, NCAGENTD_CHROOT, sizeof(c->chroot));
	strlcpy(c->ctlsock, NCAGENTD_SOCKET, sizeof(c->ctlsock));
	c->max_datagram = 1400;
	c->flush_ms = FLUSH_DEFAULT_MS;
	c->rekey_ms = REKEY_DEFAULT_MS;
	c->snaplen = SNAPLEN_DEFAULT;
	c->promisc = 1;
	c->conn_table_size = CONN_TABLE_DEFAULT;
	c->conn_idle_timeout = CONN_IDLE_DEFAULT;
	c->conn_active_timeout = CONN_ACTIVE_DEFAULT;
	c->queue_size = QUEUE_SIZE_DEFAULT;
	c->bufsize = BUFFER_SIZE_DEFAULT;
	c->acks = 1;
	c->failover_ms = FAILOVER_DEFAULT_MS;
	c->compression = COMPRESSION_DEFAULT;
	c->replay_wait = -1;
}

int
parse_config(const char *filename, struct agent_conf *c)
{
	unsigned int	 i;
	int		 errors, keyless = 0;

	if (lex_open(filename, &lexicon) == -1)
		return (-1);
	conf = c;
	yyparse();
	errors = lex_close();

	if (!seen[KW_NAME] && default_name(filename) == -1)
		errors++;
	if (!seen[KW_COLLECTOR]) {
		log_warnx("%s: no collector given", filename);
		errors++;
	}
	/* without acks nothing says a collector stopped answering */
	if (c->ncollectors > 1 && !c->acks) {
		log_warnx("%s: %u collectors, and acks no: a sensor moves to "
		    "the next collector when acks stop", filename,
		    c->ncollectors);
		errors++;
	}
	if (c->pad > c->max_datagram - WIRE_OVERHEAD) {
		log_warnx("%s: pad %u is more than a datagram of %u bytes "
		    "holds", filename, c->pad, c->max_datagram);
		errors++;
	}
	if (c->queue_size / c->max_datagram < QUEUE_DATAGRAMS_MIN) {
		log_warnx("%s: queue-size %u holds fewer than %d datagrams of "
		    "max-datagram %u", filename, c->queue_size,
		    QUEUE_DATAGRAMS_MIN, c->max_datagram);
		errors++;
	}
	/* the default key is for the collectors that name none */
	for (i = 0; i < c->ncollectors; i++)
		if (c->collectors[i].key[0] == '\0')
			keyless++;
	if (!seen[KW_COLLECTORKEY] && (keyless > 0 || c->ncollectors == 0)) {
		if (c->ncollectors <= 1)
			log_warnx("%s: no collector-key given", filename);
		else
			log_warnx("%s: no collector-key given, and %d "
			    "collectors name no key of their own", filename,
			    keyless);
		errors++;
	}

	conf = NULL;
	return (errors ? -1 : 0);
}
