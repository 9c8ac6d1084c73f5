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
 * ncagentd parent: reads the configuration, starts the capture and
 * crypto children and watches them.  It never touches packets or keys.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <event.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "ncagentd.h"
#include "conf.h"
#include "privsep.h"
#include "proc.h"
#include "records.h"
#include "util.h"

static __dead void usage(void);
static void	 parent_sighup(void);
static int	 parent_imsg(int, struct imsg *);
static void	 parent_ready(void);
static void	 parent_totals(void);
static int	 load_config(struct agent_conf *);
static void	 parent_reload(struct ctl_conn *);
static void	 ctl_show_stats(struct ctl_conn *, const struct imsg *);
static void	 ctl_show_config(struct ctl_conn *, const struct imsg *);
static void	 ctl_nosensors(struct ctl_conn *, const struct imsg *);
static void	 ctl_reload(struct ctl_conn *, const struct imsg *);
static void	 stats_kv(struct ctl_conn *, const unsigned char *);

/*
 * The processes: the capture child reads packets and sends what the
 * crypto child seals, so those two talk directly; the crypto child
 * stops once the capture child has sent everything and gone.
 */
static const struct proc_def	 procs[PROC_NPROCS] = {
	[PROC_PARENT] = { "parent", NULL, NULL, 0, PROC_PARENT },
	[PROC_CAPTURE] = { "capture", capture_main, &capture_sandbox,
	    PROC_BIT(PROC_CRYPTO), PROC_PARENT },
	[PROC_CRYPTO] = { "crypto", crypto_main, &crypto_sandbox,
	    PROC_BIT(PROC_CAPTURE), PROC_CAPTURE },
};

/* the control socket's requests; show ones on the restricted socket */
static const struct ctl_command	 ctl_commands[] = {
	{ IMSG_CTL_SHOW_STATS, 0, 1, ctl_show_stats },
	{ IMSG_CTL_SHOW_SENSORS, 0, 1, ctl_nosensors },
	{ IMSG_CTL_SHOW_CONFIG, 0, 1, ctl_show_config },
	{ IMSG_CTL_RELOAD, 0, 0, ctl_reload },
	{ IMSG_CTL_LOG_VERBOSE, sizeof(int), 0, control_log_verbose },
};

static struct agent_conf	 conf;
static struct config_rx		 shown[PROC_NPROCS];	/* show config */
static unsigned char		*statbuf;	/* last stats from capture */
static int			 have_stats;
static int			 exitcode;
static const char		*conffile = NCAGENTD_CONF;
static const char		*opt_iface, *opt_readfile;
static int			 opt_wait = -1;	/* -w, seconds */
static char			 readfile_abs[PATH_MAX];
static int64_t			 started_ms;

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnv] [-f file] [-i interface] "
	    "[-r file [-w seconds]]\n", __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct event	 ev_sig[4];
	const char	*role = NULL;
	int		 ch, debug = 0, verbose = 0, noaction = 0, i;
	int		 ctlfd, rctlfd = -1;
	const char	*errstr;

	setproctitle_init(argc, argv, environ);
	while ((ch = getopt(argc, argv, "df:i:nP:r:vw:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'i':
			opt_iface = optarg;
			break;
		case 'n':
			noaction++;
			break;
		case 'P':
			role = optarg;
			break;
		case 'r':
			opt_readfile = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'w':
			opt_wait = (int)strtonum(optarg, 1, 7 * 86400, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "-w %s: %s (1-%d seconds)\n",
				    optarg, errstr, 7 * 86400);
				usage();
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if (argc != 0 || (opt_wait != -1 && opt_readfile == NULL))
		usage();

	proc_init(procs, PROC_NPROCS, debug, verbose);
	if (role != NULL) {
		log_init(debug, LOG_DAEMON);
		log_setverbose(verbose);
		proc_child(role);
	}

	log_init(1, LOG_DAEMON);	/* stderr until we detach */
	log_setverbose(verbose);
	conf_defaults(&conf);
	if (load_config(&conf) == -1)
		exit(1);
	conf.verbose = verbose;
	/* -nn: the file alone; -n: and everything it names */
	if (noaction) {
		if (noaction == 1 && (config_check(&conf) |
		    config_check_capture(&conf, 0)) == -1)
			exit(1);
		print_config(&conf);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		fatalx("need root privileges");
	if (config_check(&conf) == -1)
		exit(1);
	if (sodium_init() == -1)
		fatalx("sodium_init");
	proc_init_self();
	if (priv_ensure_dir("chroot", conf.chroot, 0, 0, 0755) == -1)
		fatalx("chroot directory %s unusable", conf.chroot);
	if ((ctlfd = control_open(conf.ctlsock, 0)) == -1 ||
	    (conf.rctlsock[0] != '\0' &&
	    (rctlfd = control_open(conf.rctlsock, 1)) == -1))
		fatalx("cannot open the control socket");

	/* syslog from here on, and stderr until the children are up */
	log_init(debug, LOG_DAEMON);
	log_setstderr(!debug);
	log_procinit("parent");
	proc_detach(debug);

	event_init();
	started_ms = mono_ms();
	control_listen(ctlfd, 0, ctl_commands, CTL_NCOMMANDS(ctl_commands));
	if (rctlfd != -1)
		control_listen(rctlfd, 1, ctl_commands,
		    CTL_NCOMMANDS(ctl_commands));
	proc_signals(ev_sig, "flushing", parent_sighup);
	proc_spawn(argv[0], parent_imsg, parent_ready);
	setproctitle("parent");
	/* start is a reload from nothing */
	for (i = PROC_PARENT + 1; i < PROC_NPROCS; i++)
		config_send(i, &conf, 0);

	event_dispatch();
	if (proc_failed())
		exitcode = 1;
	parent_totals();
	control_cleanup(conf.ctlsock);
	control_cleanup(conf.rctlsock);
	exit(exitcode);
}

/* every child is up: what runs is what the log says */
static void
parent_ready(void)
{
	char		 list[COLLECTORS_MAX * 300];
	size_t		 len = 0;
	unsigned int	 i;

	/* "collector H port P", or in order "collectors H port P, ..." */
	list[0] = '\0';
	for (i = 0; i < conf.ncollectors && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
		    "%s%s port %s", i > 0 ? ", " : "",
		    conf.collectors[i].host, conf.collectors[i].port);
	log_info("sensor %s started, %s %s, collector%s %s, %s",
	    conf.name, conf.readfile[0] ? "reading" : "capturing on",
	    conf.readfile[0] ? conf.readfile : conf.interface,
	    conf.ncollectors > 1 ? "s" : "", list, conf.acks ?
	    "acknowledged" : "without acks");
}

/* the configuration file, then what the command line overrides */
static int
load_config(struct agent_conf *c)
{
	conf_defaults(c);
	if (parse_config(conffile, c) == -1)
		return (-1);
	if (opt_iface != NULL && strlcpy(c->interface, opt_iface,
	    sizeof(c->interface)) >= sizeof(c->interface)) {
		log_warnx("interface name too long: %s", opt_iface);
		return (-1);
	}
	c->replay_wait = opt_wait;
	/* made absolute at the first load: a reload runs from / */
	if (opt_readfile != NULL) {
		if (opt_readfile != readfile_abs) {
			if (realpath(opt_readfile, readfile_abs) == NULL) {
				log_warn("%s", opt_readfile);
				return (-1);
			}
			opt_readfile = readfile_abs;
		}
		if (strlcpy(c->readfile, opt_readfile, sizeof(c->readfile)) >=
		    sizeof(c->readfile)) {
			log_warnx("path too long: %s", opt_readfile);
			return (-1);
		}
	}
	return (0);
}

static void
parent_sighup(void)
{
	log_info("received SIGHUP, reloading %s", conffile);
	parent_reload(NULL);
}

static int
parent_imsg(int from, struct imsg *imsg)
{
	struct ctl_conn		*c;
	size_t			 statlen;

	switch (config_recv(&shown[from], imsg, NULL)) {
	case 1:
		/* a child's configuration, for ncctl show config */
		if ((c = control_find(imsg->hdr.peerid)) == NULL)
			return (0);
		control_config_kv(c, proc_name(from), agent_keywords,
		    agent_nkeywords, &shown[from].conf);
		control_config_next(c, from);
		return (0);
	case 0:
		return (0);
	}
	switch (imsg->hdr.type) {
	case IMSG_STATS:
		statlen = AGENT_STATLEN;
		imsg_expect(imsg, statlen, "IMSG_STATS");
		/* an answer for ncctl, if it is still there */
		if (imsg->hdr.peerid != 0) {
			if ((c = control_find(imsg->hdr.peerid)) != NULL) {
				stats_kv(c, imsg->data);
				control_result(c, 0, "%s", "");
			}
			return (0);
		}
		if (statbuf == NULL && (statbuf = malloc(statlen)) == NULL)
			fatal(NULL);
		memcpy(statbuf, imsg->data, statlen);
		have_stats = 1;
		return (0);
	default:
		fatalx("%s: unexpected imsg %u", proc_name(from),
		    imsg->hdr.type);
	}
}

/*
 * The capture child's counters as ncctl shows them, and, but for the
 * gauges and what the collectors' line says (CTL_SHOWN), as the totals
 * at exit do.
 */
static const struct ctl_field totals_fields[] = {
	CTL_FIELD(agent_stats, packets, "packets"),
	CTL_FIELD(agent_stats, bytes, "bytes"),
	CTL_FIELD(agent_stats, datagrams, "datagrams"),
	CTL_FIELD(agent_stats, wire_bytes, "wire-bytes"),
	CTL_FIELD(agent_stats, send_errors, "send-errors"),
	CTL_FIELD(agent_stats, pcap_drops, "pcap-drops"),
	CTL_FIELD(agent_stats, linktype_unknown, "unknown-linktype"),
	CTL_FIELD(agent_stats, flows_evicted, "connections-evicted"),
	CTL_FIELD(agent_stats, resent, "resent"),
	CTL_FIELD(agent_stats, acked, "acknowledged"),
	CTL_SHOWN(agent_stats, queued, "queued"),
	CTL_SHOWN(agent_stats, queued_bytes, "queued-bytes"),
	CTL_FIELD(agent_stats, qdropped, "queue-dropped"),
	CTL_FIELD(agent_stats, unacked, "unacknowledged"),
	CTL_FIELD(agent_stats, acks, "acks-received"),
	CTL_FIELD(agent_stats, acks_refused, "acks-refused"),
	CTL_FIELD(agent_stats, rtt_us, "rtt-us"),
	CTL_SHOWN(agent_stats, rto_ms, "rto-ms"),
	CTL_SHOWN(agent_stats, failovers, "failovers"),
	CTL_SHOWN(agent_stats, failbacks, "failbacks"),
	CTL_SHOWN(agent_stats, probes, "probes"),
	CTL_SHOWN(agent_stats, resealed, "resealed"),
	CTL_FIELD(agent_stats, pauses, "pauses"),
	CTL_FIELD(agent_stats, paused_ms, "paused-ms"),
};

/* each collector's, in ncctl and in the totals at exit alike */
static const struct ctl_field coll_fields[] = {
	CTL_FIELD(coll_stats, sent, "sent"),
	CTL_FIELD(coll_stats, acked, "acknowledged"),
	CTL_FIELD(coll_stats, failovers, "failovers"),
	CTL_FIELD(coll_stats, acks_stale, "acks-stale"),
};

/* the totals, so they can be compared with what the collector stored */
static void
parent_totals(void)
{
	struct agent_stats	*s = (struct agent_stats *)statbuf;
	struct coll_stats	*cs;
	struct type_stats	*t;
	char			 line[1024];
	uint64_t		 unacked = 0;
	size_t			 i;

	/* a start that failed has nothing to count */
	if (!have_stats) {
		if (proc_all_ready())
			log_warnx("no statistics from the capture process");
		return;
	}
	cs = (struct coll_stats *)(s + 1);
	t = (struct type_stats *)(cs + COLLECTORS_MAX);
	for (i = 0; i < nrectypes; i++)
		unacked += t[i].unacked;
	control_fields_line(line, sizeof(line), s, totals_fields,
	    CTL_NFIELDS(totals_fields));
	log_info("totals:%s", line);
	/* with several collectors, what went where */
	if (conf.ncollectors > 1) {
		log_info("collectors: failovers %llu failbacks %llu probes "
		    "%llu resealed %llu, last sent to %s port %s",
		    (unsigned long long)s->failovers,
		    (unsigned long long)s->failbacks,
		    (unsigned long long)s->probes,
		    (unsigned long long)s->resealed,
		    conf.collectors[s->collector].host,
		    conf.collectors[s->collector].port);
		for (i = 0; i < conf.ncollectors; i++) {
			control_fields_line(line, sizeof(line), &cs[i],
			    coll_fields, CTL_NFIELDS(coll_fields));
			log_info("collector %s port %s:%s",
			    conf.collectors[i].host, conf.collectors[i].port,
			    line);
		}
	}
	for (i = 0; i < nrectypes; i++) {
		if (t[i].records == 0 && t[i].errors == 0 &&
		    t[i].unknown == 0 && log_getverbose() == 0)
			continue;
		log_info("type %s: records %llu sent %llu batches %llu "
		    "errors %llu truncated %llu unknown %llu oversize %llu "
		    "resent %llu acknowledged %llu queue-dropped %llu "
		    "queue-dropped-datagrams %llu unacknowledged %llu",
		    rectypes[i]->name, (unsigned long long)t[i].records,
		    (unsigned long long)t[i].sent,
		    (unsigned long long)t[i].batches,
		    (unsigned long long)t[i].errors,
		    (unsigned long long)t[i].truncated,
		    (unsigned long long)t[i].unknown,
		    (unsigned long long)t[i].oversize,
		    (unsigned long long)t[i].resent,
		    (unsigned long long)t[i].acked,
		    (unsigned long long)t[i].qdropped,
		    (unsigned long long)t[i].qdropped_dgrams,
		    (unsigned long long)t[i].unacked);
	}
	/* a replay is done when the collector has every record */
	if (s->unacked > 0) {
		log_warnx("%llu records in %llu datagrams were not "
		    "acknowledged", (unsigned long long)unacked,
		    (unsigned long long)s->unacked);
		if (conf.readfile[0] != '\0')
			exitcode = 1;
	}
}

/*
 * SIGHUP or ncctl reload: read the file again and, if it is valid and
 * changes nothing that needs a restart, hand it to the children the
 * way they had it at start.  On any error the running configuration
 * stays.
 */
static void
parent_reload(struct ctl_conn *c)
{
	struct agent_conf	 n;
	const char		*what;
	int			 i;

	if (load_config(&n) == -1) {
		control_reload_refused(c, "%s has errors, the running "
		    "configuration stays", conffile);
		return;
	}
	n.verbose = conf.verbose;
	if ((what = conf_restart(agent_keywords, agent_nkeywords, &conf,
	    &n)) != NULL) {
		control_reload_refused(c, "%s changed, which takes a "
		    "restart; the running configuration stays", what);
		return;
	}
	conf = n;
	for (i = PROC_PARENT + 1; i < PROC_NPROCS; i++)
		config_send(i, &conf, 0);
	log_info("reloaded %s", conffile);
	if (c != NULL)
		control_result(c, 0, "reloaded %s", conffile);
}

static void
ctl_reload(struct ctl_conn *c, const struct imsg *imsg)
{
	parent_reload(c);
}

static void
ctl_show_stats(struct ctl_conn *c, const struct imsg *imsg)
{
	control_ask(c, PROC_CAPTURE, imsg->hdr.type);
}

static void
ctl_nosensors(struct ctl_conn *c, const struct imsg *imsg)
{
	control_result(c, 1, "ncagentd is a sensor: ask the collector about "
	    "sensors");
}

/* ours, then each child's as it has it, in table order */
static void
ctl_show_config(struct ctl_conn *c, const struct imsg *imsg)
{
	control_config_kv(c, "parent", agent_keywords, agent_nkeywords,
	    &conf);
	control_config_next(c, PROC_PARENT);
}

static const struct ctl_field type_fields[] = {
	CTL_FIELD(type_stats, records, "records"),
	CTL_FIELD(type_stats, bytes, "bytes"),
	CTL_FIELD(type_stats, sent, "sent"),
	CTL_FIELD(type_stats, batches, "datagrams"),
	CTL_FIELD(type_stats, wire_bytes, "wire-bytes"),
	CTL_FIELD(type_stats, errors, "errors"),
	CTL_FIELD(type_stats, truncated, "truncated"),
	CTL_FIELD(type_stats, unknown, "unknown"),
	CTL_FIELD(type_stats, oversize, "oversize"),
	CTL_FIELD(type_stats, resent, "resent"),
	CTL_FIELD(type_stats, acked, "acknowledged"),
	CTL_FIELD(type_stats, qdropped, "queue-dropped"),
	CTL_FIELD(type_stats, qdropped_dgrams, "queue-dropped-datagrams"),
	CTL_FIELD(type_stats, unacked, "unacknowledged"),
};

static void
stats_kv(struct ctl_conn *c, const unsigned char *buf)
{
	const struct agent_stats	*s = (const void *)buf;
	const unsigned char		*cbuf = buf + sizeof(*s);
	const unsigned char		*tbuf = cbuf + COLLECTORS_MAX *
					    sizeof(struct coll_stats);
	char				 name[300];
	size_t				 i;

	control_kv(c, "", "", "sensor", conf.name, 0);
	/* a collector that does not acknowledge needs "acks no" */
	control_kv(c, "", "", "acks", conf.acks ? "yes" : "no", 0);
	control_kv(c, "", "", "uptime", NULL,
	    (uint64_t)(mono_ms() - started_ms) / 1000);
	control_kv_fields(c, "", "", buf, totals_fields,
	    CTL_NFIELDS(totals_fields));
	/* the collector sent to now, and each, as "HOST port PORT" */
	if (s->collector < conf.ncollectors) {
		snprintf(name, sizeof(name), "%s port %s",
		    conf.collectors[s->collector].host,
		    conf.collectors[s->collector].port);
		control_kv(c, "", "", "collector", name, 0);
	}
	for (i = 0; i < conf.ncollectors; i++) {
		snprintf(name, sizeof(name), "%s port %s",
		    conf.collectors[i].host, conf.collectors[i].port);
		control_kv_fields(c, "collectors", name, cbuf +
		    i * sizeof(struct coll_stats), coll_fields,
		    CTL_NFIELDS(coll_fields));
	}
	for (i = 0; i < nrectypes; i++)
		control_kv_fields(c, "types", rectypes[i]->name,
		    tbuf + i * sizeof(struct type_stats), type_fields,
		    CTL_NFIELDS(type_fields));
}
