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
 * nccollectd's configuration as a whole: its keywords (what each sets,
 * whether a running collector takes a change), printing it, and
 * carrying it with its list of sensors from the parent to the children,
 * the same way at start and on reload.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "conf.h"
#include "nccollectd.h"
#include "proc.h"

static void	 print_listen(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_sensors(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_keyfile(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_size(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_limits(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_output(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_input(FILE *, const struct conf_keyword *,
		    const void *);
static int	 js_shown(const struct conf_keyword *, const void *);
static int	 js_differs(const struct conf_keyword *, const void *);
static void	 print_js_durable(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_js_string(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_js_secret(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_js_pair(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_js_uint(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_js_yesno(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_js_seconds(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_js_ms(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_js_size(FILE *, const struct conf_keyword *,
		    const void *);

#define F(m)	CONF_FIELD(collector_conf, m)

/*
 * In the order -n prints them.  A keyword without CONF_RELOAD is fixed
 * for the life of the process: a reload that changes it is refused.
 */
const struct conf_keyword collector_keywords[] = {
	{ "listen on", 0, print_listen, { F(listen_addr), F(port) } },
	/* the socket is made once, at start */
	{ "receive-buffer", 0, print_size, { F(rcvbuf) } },
	{ "keyfile", 0, print_keyfile, { F(keyfile) } },
	{ "spool", 0, conf_print_string, { F(spool) } },
	{ "user", 0, conf_print_string, { F(user) } },
	{ "chroot", 0, conf_print_string, { F(chroot) } },
	{ "socket", 0, conf_print_socket, { F(ctlsock), F(rctlsock) } },
	{ "sync", CONF_RELOAD, conf_print_yesno, { F(sync) } },
	{ "rotate", CONF_RELOAD, print_limits,
	    { F(rotate_every), F(rotate_size) } },
	{ "keep", CONF_RELOAD, print_limits, { F(keep_age), F(keep_size) } },
	/* the publisher connects once, at start */
	{ "input", 0, print_input, { F(input) } },
	{ "output", 0, print_output, { F(output) } },
	{ "jetstream url", 0, print_js_string, { F(js.url) } },
	{ "jetstream stream", 0, print_js_string, { F(js.stream) } },
	{ "jetstream subject", 0, print_js_string, { F(js.subject) } },
	{ "jetstream durable", 0, print_js_durable, { F(js.durable) } },
	{ "jetstream credentials", 0, print_js_string, { F(js.creds) } },
	{ "jetstream user", 0, print_js_secret,
	    { F(js.user), F(js.password) } },
	{ "jetstream token", 0, print_js_secret, { F(js.token) } },
	{ "jetstream ca", 0, print_js_string, { F(js.ca) } },
	{ "jetstream certificate", 0, print_js_pair,
	    { F(js.cert), F(js.key) } },
	{ "jetstream replicas", 0, print_js_uint, { F(js.replicas) } },
	{ "jetstream create", 0, print_js_yesno, { F(js.create) } },
	{ "jetstream duplicate-window", 0, print_js_seconds,
	    { F(js.dupwindow) } },
	{ "jetstream timeout", 0, print_js_ms, { F(js.timeout) } },
	{ "jetstream marks", 0, print_js_string, { F(js.marks) } },
	{ "jetstream marks-ttl", 0, print_js_seconds, { F(js.marks_ttl) } },
	{ "jetstream queue-size", 0, print_js_size, { F(js.queue_size) } },
	{ "sensor", CONF_RELOAD, print_sensors, { { 0, 0, 0 } } },
};
const size_t collector_nkeywords = sizeof(collector_keywords) /
    sizeof(collector_keywords[0]);

static void
print_listen(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	const struct collector_conf	*c = conf;
	const char			*addr = conf_str(kw, conf, 0);

	/* input jetstream: no datagrams, no socket */
	if (c->input == INPUT_JETSTREAM)
		return;
	fprintf(fp, "%s ", kw->name);
	if (addr[0] == '\0')
		fprintf(fp, "*");
	else
		conf_print_quoted(fp, addr);
	fprintf(fp, " port %s\n", conf_str(kw, conf, 1));
}

/* input jetstream opens no datagram: a keyfile is not needed there */
static void
print_keyfile(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (conf_str(kw, conf, 0)[0] != '\0')
		conf_print_string(fp, kw, conf);
}

/* bytes, in the largest unit that takes them whole */
static void
print_size(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	unsigned int	n = conf_uint(kw, conf, 0);

	if (n != 0 && n % (1024 * 1024 * 1024) == 0)
		fprintf(fp, "%s %ug\n", kw->name, n / 1024 / 1024 / 1024);
	else if (n != 0 && n % (1024 * 1024) == 0)
		fprintf(fp, "%s %um\n", kw->name, n / 1024 / 1024);
	else if (n != 0 && n % 1024 == 0)
		fprintf(fp, "%s %uk\n", kw->name, n / 1024);
	else
		fprintf(fp, "%s %u\n", kw->name, n);
}

/* seconds in the largest unit that takes them whole */
static void
print_duration(FILE *fp, unsigned int s)
{
	if (s % 86400 == 0)
		fprintf(fp, "%ud", s / 86400);
	else if (s % 3600 == 0)
		fprintf(fp, "%uh", s / 3600);
	else if (s % 60 == 0)
		fprintf(fp, "%um", s / 60);
	else
		fprintf(fp, "%us", s);
}

static void
print_bytes(FILE *fp, uint64_t n)
{
	static const char	 unit[] = "tgmk";
	int			 i;

	for (i = 0; i < 4; i++)
		if (n % (1ULL << (10 * (4 - i))) == 0) {
			fprintf(fp, "%llu%c", (unsigned long long)(n >>
			    (10 * (4 - i))), unit[i]);
			return;
		}
	fprintf(fp, "%llu", (unsigned long long)n);
}

/* rotate and keep: a time and a size, either or both; unset, no line */
static void
print_limits(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	unsigned int	 t;
	uint64_t	 n;

	memcpy(&t, (const char *)conf + kw->field[0].off, sizeof(t));
	memcpy(&n, (const char *)conf + kw->field[1].off, sizeof(n));
	if (t == 0 && n == 0)
		return;
	fprintf(fp, "%s", kw->name);
	if (t != 0) {
		fprintf(fp, strcmp(kw->name, "rotate") == 0 ? " every " : " ");
		print_duration(fp, t);
	}
	if (n != 0) {
		fprintf(fp, " size ");
		print_bytes(fp, n);
	}
	fprintf(fp, "\n");
}

static void
print_output(FILE *fp, const struct conf_keyword *kw, const void *v)
{
	const struct collector_conf	*conf = v;

	fprintf(fp, "%s %s\n", kw->name, conf->output == OUTPUT_JETSTREAM ?
	    "jetstream" : "spool");
}

/* input jetstream only: sensors' datagrams are what listen says */
static void
print_input(FILE *fp, const struct conf_keyword *kw, const void *v)
{
	const struct collector_conf	*conf = v;

	if (conf->input == INPUT_JETSTREAM)
		fprintf(fp, "%s jetstream\n", kw->name);
}

/*
 * A jetstream line: all of them with input or output jetstream, and
 * otherwise those that are not the default
 */
static int
js_shown(const struct conf_keyword *kw, const void *v)
{
	const struct collector_conf	*conf = v;

	if (conf->output == OUTPUT_JETSTREAM || conf->input == INPUT_JETSTREAM)
		return (1);
	return (js_differs(kw, v));
}

/* not the default */
static int
js_differs(const struct conf_keyword *kw, const void *v)
{
	const struct collector_conf	*conf = v;
	struct collector_conf		 d;
	const char			*a, *b;
	int				 i;

	conf_defaults(&d);
	for (i = 0; i < 2 && kw->field[i].len != 0; i++) {
		a = (const char *)conf + kw->field[i].off;
		b = (const char *)&d + kw->field[i].off;
		if (kw->field[i].string ? strcmp(a, b) != 0 :
		    memcmp(a, b, kw->field[i].len) != 0)
			return (1);
	}
	return (0);
}

/* a string, when set */
static void
print_js_string(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (js_shown(kw, conf) && conf_str(kw, conf, 0)[0] != '\0')
		conf_print_string(fp, kw, conf);
}

/* the consumer: input jetstream's alone */
static void
print_js_durable(FILE *fp, const struct conf_keyword *kw, const void *v)
{
	const struct collector_conf	*conf = v;

	if (conf->input == INPUT_JETSTREAM || js_differs(kw, v))
		conf_print_string(fp, kw, v);
}

/*
 * A token, or a user and the password: never shown, not even to -n or
 * show config
 */
static void
print_js_secret(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (!js_shown(kw, conf) || conf_str(kw, conf, 0)[0] == '\0')
		return;
	fprintf(fp, "%s ", kw->name);
	if (kw->field[1].len != 0) {
		conf_print_quoted(fp, conf_str(kw, conf, 0));
		fprintf(fp, " password ");
	}
	fprintf(fp, "\"********\"\n");
}

/* the certificate and its key */
static void
print_js_pair(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (!js_shown(kw, conf) || conf_str(kw, conf, 0)[0] == '\0')
		return;
	fprintf(fp, "%s ", kw->name);
	conf_print_quoted(fp, conf_str(kw, conf, 0));
	fprintf(fp, " key ");
	conf_print_quoted(fp, conf_str(kw, conf, 1));
	putc('\n', fp);
}

static void
print_js_uint(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (js_shown(kw, conf))
		conf_print_uint(fp, kw, conf);
}

static void
print_js_yesno(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (js_shown(kw, conf))
		conf_print_yesno(fp, kw, conf);
}

static void
print_js_seconds(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (!js_shown(kw, conf))
		return;
	fprintf(fp, "%s ", kw->name);
	print_duration(fp, conf_uint(kw, conf, 0));
	putc('\n', fp);
}

static void
print_js_ms(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (js_shown(kw, conf))
		conf_print_ms(fp, kw, conf);
}

/* output jetstream's alone: shown with it, or if not the default */
static void
print_js_size(FILE *fp, const struct conf_keyword *kw, const void *v)
{
	const struct collector_conf	*conf = v;

	if (conf->output == OUTPUT_JETSTREAM || js_differs(kw, v))
		print_size(fp, kw, v);
}

static void
print_sensors(FILE *fp, const struct conf_keyword *kw, const void *v)
{
	const struct collector_conf	*conf = v;
	char				 hex[2 * WIRE_PKLEN + 1];
	unsigned int			 i;

	if (conf->nsensors == 0 && conf->input != INPUT_JETSTREAM)
		fprintf(fp, "# OPEN: no sensor listed, any holder of the "
		    "public key may write as any sensor\n");
	for (i = 0; i < conf->nsensors; i++) {
		sodium_bin2hex(hex, sizeof(hex), conf->sensors[i].pk,
		    WIRE_PKLEN);
		fprintf(fp, "%s ", kw->name);
		conf_print_quoted(fp, conf->sensors[i].name);
		fprintf(fp, " key %s\n", hex);
	}
}

void
print_config(const struct collector_conf *conf)
{
	conf_print(stdout, collector_keywords, collector_nkeywords, conf);
}

/*
 * Everything the configuration names that can be looked at before
 * starting: -n, and the parent before it starts its children.  Every
 * problem is told; -1 if there was one.
 */
int
config_check(const struct collector_conf *c)
{
	uid_t	uid;
	int	bad = 0;

	/* input jetstream: no datagram, no key, no socket */
	if (c->input != INPUT_JETSTREAM || c->keyfile[0] != '\0')
		bad |= check_private_key("keyfile", c->keyfile);
	if (c->input == INPUT_JETSTREAM && (c->listen_addr[0] != '\0' ||
	    strcmp(c->port, NCAP_PORT_STR) != 0)) {
		log_warnx("listen on: a collector with input jetstream takes "
		    "no datagrams");
		bad = -1;
	}
	if (c->input == INPUT_JETSTREAM && c->nsensors > 0) {
		log_warnx("sensor: a collector with input jetstream takes no "
		    "datagrams; its stream's subjects name the sensors");
		bad = -1;
	}
	if (check_user(c->user, &uid, NULL) == -1)
		bad = -1;
	else
		bad |= check_dir("spool", c->spool, uid);
	bad |= check_dir("chroot", c->chroot, 0);
	if (c->input != INPUT_JETSTREAM)
		bad |= check_host("listen on", c->listen_addr[0] ?
		    c->listen_addr : NULL, c->port, 1);
	bad |= check_socket_dir("socket", c->ctlsock);
	if (c->rctlsock[0] != '\0')
		bad |= check_socket_dir("socket", c->rctlsock);
	/* what the publisher reads at start, as root */
	if (c->output == OUTPUT_JETSTREAM || c->input == INPUT_JETSTREAM) {
		if (c->js.creds[0] != '\0')
			bad |= check_readable("jetstream credentials",
			    c->js.creds);
		if (c->js.ca[0] != '\0')
			bad |= check_readable("jetstream ca", c->js.ca);
		if (c->js.cert[0] != '\0') {
			bad |= check_readable("jetstream certificate",
			    c->js.cert);
			bad |= check_readable("jetstream certificate key",
			    c->js.key);
		}
	}
	return (bad ? -1 : 0);
}

/*
 * To a child, at start and on every reload, or back to the parent for
 * ncctl show config (peerid: the control connection): the settings,
 * then the sensors in pieces an imsg can hold.
 */
void
config_send(int id, const struct collector_conf *conf, uint32_t peerid)
{
	unsigned int	 i, k, n = conf->nsensors;

	if (proc_compose(id, IMSG_RECONF_START, peerid, -1, NULL, 0) == -1 ||
	    proc_compose(id, IMSG_CONF, peerid, -1, conf,
	    sizeof(*conf)) == -1)
		fatal("imsg_compose");
	for (i = 0; i < n; i += k) {
		k = n - i < SENSORS_PER_IMSG ? n - i : SENSORS_PER_IMSG;
		if (proc_compose(id, IMSG_SENSORS, peerid, -1,
		    conf->sensors + i, k * sizeof(*conf->sensors)) == -1)
			fatal("imsg_compose");
	}
	if (proc_compose(id, IMSG_RECONF_END, peerid, -1, NULL, 0) == -1)
		fatal("imsg_compose");
}

/*
 * A child takes a configuration whole, its list of sensors included: 0
 * the first time, at start, 1 on a reload.  The parent refuses a
 * reload that changes what takes a restart, so one arriving here is a
 * bug.
 */
int
config_take(struct collector_conf *conf, const struct collector_conf *n,
    int *configured)
{
	const char	*what;

	if (*configured && (what = conf_restart(collector_keywords,
	    collector_nkeywords, conf, n)) != NULL)
		fatalx("reload changed %s, which takes a restart", what);
	if (*configured)
		free(conf->sensors);
	*conf = *n;
	if (*configured)
		return (1);
	*configured = 1;
	return (0);
}

/*
 * A configuration arriving: built aside in rx, complete (1) at
 * IMSG_RECONF_END, when merge (unless NULL) takes it and
 * rx->conf.sensors is the caller's (or merge's) to keep and free; 0
 * while it arrives; -1 for a message that is not part of one.
 */
int
config_recv(struct config_rx *rx, const struct imsg *imsg,
    void (*merge)(struct collector_conf *))
{
	size_t	k;

	switch (imsg->hdr.type) {
	case IMSG_RECONF_START:
		imsg_expect(imsg, 0, "IMSG_RECONF_START");
		if (rx->state != 0)
			fatalx("IMSG_RECONF_START out of turn");
		memset(&rx->conf, 0, sizeof(rx->conf));
		rx->n = 0;
		rx->state = 1;
		return (0);
	case IMSG_CONF:
		imsg_expect(imsg, sizeof(rx->conf), "IMSG_CONF");
		if (rx->state != 1)
			fatalx("IMSG_CONF out of turn");
		/* the parent is trusted: it could have us run anything */
		memcpy(&rx->conf, imsg->data, sizeof(rx->conf));
		rx->conf.sensors = NULL;
		if (rx->conf.nsensors > SENSORS_MAX)
			fatalx("IMSG_CONF: %u sensors", rx->conf.nsensors);
		if (rx->conf.nsensors > 0 && (rx->conf.sensors = calloc(
		    rx->conf.nsensors, sizeof(*rx->conf.sensors))) == NULL)
			fatal(NULL);
		rx->state = 2;
		return (0);
	case IMSG_SENSORS:
		k = IMSG_DATA_SIZE(imsg) / sizeof(*rx->conf.sensors);
		if (rx->state != 2 || k == 0 ||
		    k > rx->conf.nsensors - rx->n ||
		    IMSG_DATA_SIZE(imsg) != k * sizeof(*rx->conf.sensors))
			fatalx("IMSG_SENSORS: bad length or out of turn");
		memcpy(rx->conf.sensors + rx->n, imsg->data,
		    k * sizeof(*rx->conf.sensors));
		rx->n += (unsigned int)k;
		return (0);
	case IMSG_RECONF_END:
		imsg_expect(imsg, 0, "IMSG_RECONF_END");
		if (rx->state != 2 || rx->n != rx->conf.nsensors)
			fatalx("IMSG_RECONF_END out of turn");
		rx->state = 0;
		if (merge != NULL)
			merge(&rx->conf);
		return (1);
	}
	return (-1);
}
