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
 * ncagentd's configuration as a whole: its keywords (what each sets,
 * whether a running sensor takes a change), printing it, and carrying
 * it from the parent to the children, the same way at start and on
 * reload.
 */

#include <sys/types.h>

#include <net/if.h>

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "ncagentd.h"
#include "pcaplib.h"
#include "proc.h"

static void	 print_unset(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_keyfile(FILE *, const struct conf_keyword *,
		    const void *);
static int	 check_interface(const char *, char *, size_t);
static int	 check_filter(const struct agent_conf *, char *, size_t);
static void	 print_collectors(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_pad(FILE *, const struct conf_keyword *, const void *);
static void	 print_compression(FILE *, const struct conf_keyword *,
		    const void *);
static void	 print_size(FILE *, const struct conf_keyword *,
		    const void *);

#define F(m)	CONF_FIELD(agent_conf, m)

/*
 * In the order -n prints them.  A keyword without CONF_RELOAD is fixed
 * for the life of the process: a reload that changes it is refused.
 */
const struct conf_keyword agent_keywords[] = {
	{ "name", CONF_RELOAD, conf_print_string, { F(name) } },
	{ "interface", 0, print_unset, { F(interface) } },
	{ "filter", 0, print_unset, { F(filter) } },
	/* each has a socket of its own, opened at start */
	{ "collector", 0, print_collectors,
	    { F(collectors), F(ncollectors) } },
	{ "collector-key", 0, print_unset, { F(collector_key) } },
	{ "failover-timeout", CONF_RELOAD, conf_print_ms, { F(failover_ms) } },
	{ "keyfile", 0, print_keyfile, { F(keyfile) } },
	{ "user", 0, conf_print_string, { F(user) } },
	{ "chroot", 0, conf_print_string, { F(chroot) } },
	{ "socket", 0, conf_print_socket, { F(ctlsock), F(rctlsock) } },
	{ "max-datagram", 0, conf_print_uint, { F(max_datagram) } },
	{ "flush-interval", CONF_RELOAD, conf_print_ms, { F(flush_ms) } },
	{ "rekey", CONF_RELOAD, conf_print_ms, { F(rekey_ms) } },
	{ "pad", CONF_RELOAD, print_pad, { F(pad) } },
	/* the crypto child has both compressors */
	{ "compression", CONF_RELOAD, print_compression, { F(compression) } },
	{ "acks", 0, conf_print_yesno, { F(acks) } },
	{ "queue-size", CONF_RELOAD, print_size, { F(queue_size) } },
	{ "snaplen", 0, conf_print_uint, { F(snaplen) } },
	/* the capture is opened once, at start */
	{ "buffer-size", 0, print_size, { F(bufsize) } },
	{ "promiscuous", 0, conf_print_yesno, { F(promisc) } },
	{ "connection-table-size", 0, conf_print_uint,
	    { F(conn_table_size) } },
	{ "connection-idle-timeout", CONF_RELOAD, conf_print_uint,
	    { F(conn_idle_timeout) } },
	{ "connection-active-timeout", CONF_RELOAD, conf_print_uint,
	    { F(conn_active_timeout) } },
};
const size_t agent_nkeywords = sizeof(agent_keywords) /
    sizeof(agent_keywords[0]);

/* a string that may be empty: then a comment says so */
static void
print_unset(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (conf_str(kw, conf, 0)[0] != '\0')
		conf_print_string(fp, kw, conf);
	else
		fprintf(fp, "# no %s\n", kw->name);
}

static void
print_keyfile(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (conf_str(kw, conf, 0)[0] != '\0')
		conf_print_string(fp, kw, conf);
	else
		fprintf(fp, "# no keyfile: an ephemeral key\n");
}

/* one line each, in order of preference, with a key of its own if any */
static void
print_collectors(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	const struct agent_collector	*c = (const void *)conf_str(kw,
					    conf, 0);
	unsigned int			 i, n = conf_uint(kw, conf, 1);

	for (i = 0; i < n; i++) {
		fprintf(fp, "%s ", kw->name);
		conf_print_quoted(fp, c[i].host);
		fprintf(fp, " port %s", c[i].port);
		if (c[i].key[0] != '\0') {
			fprintf(fp, " key ");
			conf_print_quoted(fp, c[i].key);
		}
		fprintf(fp, "\n");
	}
}

/*
 * Plaintext bytes a batch may take in a datagram: with several
 * collectors, room is left for the origin a batch sealed again for
 * another collector carries (wire.h).
 */
size_t
agent_budget(const struct agent_conf *c)
{
	return (wire_budget(c->max_datagram, c->pad) -
	    (c->ncollectors > 1 ? WIRE_ORIGINLEN : 0));
}

/* the public key file of collector i: its own, or the default */
const char *
collector_keyfile(const struct agent_conf *c, unsigned int i)
{
	return (c->collectors[i].key[0] != '\0' ? c->collectors[i].key :
	    c->collector_key);
}

static void
print_pad(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	if (conf_uint(kw, conf, 0) > 1)
		conf_print_uint(fp, kw, conf);
	else
		fprintf(fp, "# no padding\n");
}

static void
print_compression(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	fprintf(fp, "%s %s\n", kw->name, conf_uint(kw, conf, 0) ==
	    WIRE_ENC_ZSTD ? "zstd" : "zlib");
}

/* bytes, in the largest unit that says them exactly */
static void
print_size(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	unsigned int	 n = conf_uint(kw, conf, 0);
	const char	*units = "KMG";
	int		 u = -1;

	while (u < 2 && n != 0 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	if (u == -1)
		fprintf(fp, "%s %u\n", kw->name, n);
	else
		fprintf(fp, "%s %u%c\n", kw->name, n, units[u]);
}

void
print_config(const struct agent_conf *conf)
{
	conf_print(stdout, agent_keywords, agent_nkeywords, conf);
}

/*
 * Everything the configuration names that can be looked at before
 * starting, but what only libpcap can tell (config_check_capture()):
 * -n, and the parent before it starts its children.  Every problem is
 * told; -1 if there was one.
 */
int
config_check(const struct agent_conf *c)
{
	unsigned int	i, j;
	int		bad = 0;

	if (c->readfile[0] != '\0')
		bad |= check_readable("capture file", c->readfile);
	else if (c->interface[0] == '\0') {
		log_warnx("no interface: set \"interface\" or use -i or -r");
		bad = -1;
	}
	for (i = 0; i < c->ncollectors; i++)
		bad |= check_host("collector", c->collectors[i].host,
		    c->collectors[i].port, 0);
	/* each key file once, the default one even if none uses it */
	if (c->collector_key[0] != '\0')
		bad |= check_public_key("collector-key", c->collector_key);
	for (i = 0; i < c->ncollectors; i++) {
		if (c->collectors[i].key[0] == '\0')
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(collector_keyfile(c, j),
			    c->collectors[i].key) == 0)
				break;
		if (j == i && strcmp(c->collectors[i].key,
		    c->collector_key) != 0)
			bad |= check_public_key("collector key",
			    c->collectors[i].key);
	}
	if (c->keyfile[0] != '\0')
		bad |= check_private_key("keyfile", c->keyfile);
	bad |= check_user(c->user, NULL, NULL);
	bad |= check_dir("chroot", c->chroot, 0);
	bad |= check_socket_dir("socket", c->ctlsock);
	if (c->rctlsock[0] != '\0')
		bad |= check_socket_dir("socket", c->rctlsock);
	return (bad ? -1 : 0);
}

/*
 * What only libpcap can tell: the interface is there and up, the
 * filter compiles.  -n asks, and the capture child as it starts, before
 * the parent detaches: the parent itself never loads libpcap (see
 * pcaplib.c).  -n is told every problem; the capture child, given
 * fatal, ends with the first.
 */
int
config_check_capture(const struct agent_conf *c, int fatal)
{
	char	 why[sizeof(c->filter) + PCAP_ERRBUF_SIZE + 64];
	int	 bad = 0;

	pcaplib_open();
	if (c->readfile[0] == '\0' && c->interface[0] != '\0' &&
	    check_interface(c->interface, why, sizeof(why)) == -1) {
		if (fatal)
			fatalx("%s", why);
		log_warnx("%s", why);
		bad = -1;
	}
	if (check_filter(c, why, sizeof(why)) == -1) {
		if (fatal)
			fatalx("%s", why);
		log_warnx("%s", why);
		bad = -1;
	}
	return (bad);
}

/*
 * What libpcap can capture on, "any" and the like included.  A network
 * interface must be up: libpcap's pcap_activate() refuses one that is
 * down ("That device is not up"), though not one that is up without a
 * carrier.  libpcap's own devices (any, nflog, ...) are no network
 * interfaces and have no such state.
 */
static int
check_interface(const char *name, char *why, size_t len)
{
	pcap_if_t	*all, *d;
	char		 errbuf[PCAP_ERRBUF_SIZE];
	int		 found = 0, up = 0;

	if (pcaplib.findalldevs(&all, errbuf) == -1) {
		snprintf(why, len, "interface %s: %s", name, errbuf);
		return (-1);
	}
	for (d = all; d != NULL && !found; d = d->next)
		if ((found = strcmp(d->name, name) == 0))
			up = (d->flags & PCAP_IF_UP) != 0;
	pcaplib.freealldevs(all);
	if (!found) {
		snprintf(why, len, "interface %s: no such interface", name);
		return (-1);
	}
	if (!up && if_nametoindex(name) != 0) {
		snprintf(why, len, "interface %s: is down, and a capture "
		    "starts only on an interface that is up", name);
		return (-1);
	}
	return (0);
}

/*
 * The filter compiles: for -r, for the file's link type; live, for
 * Ethernet, as the link type is known only once the capture is open.
 */
static int
check_filter(const struct agent_conf *c, char *why, size_t len)
{
	struct bpf_program	 bpf;
	char			 errbuf[PCAP_ERRBUF_SIZE];
	pcap_t			*p = NULL;
	int			 rv = 0;

	if (c->filter[0] == '\0')
		return (0);
	if (c->readfile[0] != '\0')
		p = pcaplib.open_offline(c->readfile, errbuf);
	if (p == NULL && (p = pcaplib.open_dead(DLT_EN10MB,
	    (int)c->snaplen)) == NULL) {
		snprintf(why, len, "filter: pcap_open_dead failed");
		return (-1);
	}
	if (pcaplib.compile(p, &bpf, c->filter, 1,
	    PCAP_NETMASK_UNKNOWN) == -1) {
		snprintf(why, len, "filter \"%s\": %s", c->filter,
		    pcaplib.geterr(p));
		rv = -1;
	} else
		pcaplib.freecode(&bpf);
	pcaplib.close(p);
	return (rv);
}

/*
 * To a child, at start and on every reload, or back to the parent for
 * ncctl show config (peerid: the control connection).
 */
void
config_send(int id, const struct agent_conf *conf, uint32_t peerid)
{
	if (proc_compose(id, IMSG_RECONF_START, peerid, -1, NULL, 0) == -1 ||
	    proc_compose(id, IMSG_CONF, peerid, -1, conf,
	    sizeof(*conf)) == -1 ||
	    proc_compose(id, IMSG_RECONF_END, peerid, -1, NULL, 0) == -1)
		fatal("imsg_compose");
}

/*
 * A child takes a configuration whole: 0 the first time, at start, 1
 * on a reload.  The parent refuses a reload that changes what takes a
 * restart, so one arriving here is a bug.
 */
int
config_take(struct agent_conf *conf, const struct agent_conf *n,
    int *configured)
{
	const char	*what;

	if (*configured && (what = conf_restart(agent_keywords,
	    agent_nkeywords, conf, n)) != NULL)
		fatalx("reload changed %s, which takes a restart", what);
	*conf = *n;
	if (*configured)
		return (1);
	*configured = 1;
	return (0);
}

/*
 * A configuration arriving: built aside in rx, complete (1) at
 * IMSG_RECONF_END, when merge (unless NULL) takes it; 0 while it
 * arrives; -1 for a message that is not part of one.
 */
int
config_recv(struct config_rx *rx, const struct imsg *imsg,
    void (*merge)(const struct agent_conf *))
{
	switch (imsg->hdr.type) {
	case IMSG_RECONF_START:
		imsg_expect(imsg, 0, "IMSG_RECONF_START");
		if (rx->state != 0)
			fatalx("IMSG_RECONF_START out of turn");
		memset(&rx->conf, 0, sizeof(rx->conf));
		rx->state = 1;
		return (0);
	case IMSG_CONF:
		imsg_expect(imsg, sizeof(rx->conf), "IMSG_CONF");
		if (rx->state != 1)
			fatalx("IMSG_CONF out of turn");
		/* the parent is trusted: it could have us run anything */
		memcpy(&rx->conf, imsg->data, sizeof(rx->conf));
		rx->state = 2;
		return (0);
	case IMSG_RECONF_END:
		imsg_expect(imsg, 0, "IMSG_RECONF_END");
		if (rx->state != 2)
			fatalx("IMSG_RECONF_END out of turn");
		rx->state = 0;
		if (merge != NULL)
			merge(&rx->conf);
		return (1);
	}
	return (-1);
}
