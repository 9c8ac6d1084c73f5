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
 * nccollectd parent: reads the configuration, prepares the spool and
 * the UDP socket as root, starts the receiver, crypto and publisher
 * children and watches them.  It never parses network data and never
 * reads the key.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <event.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "nccollectd.h"
#include "conf.h"
#include "privsep.h"
#include "proc.h"
#include "records.h"
#include "util.h"

static __dead void usage(void);
static int	 open_socket(void);
static void	 parent_sighup(void);
static int	 parent_imsg(int, struct imsg *);
static void	 parent_ready(void);
static void	 parent_totals(void);
static void	 parent_reload(struct ctl_conn *);
static void	 ctl_show(struct ctl_conn *, const struct imsg *);
static void	 ctl_show_config(struct ctl_conn *, const struct imsg *);
static void	 ctl_reload(struct ctl_conn *, const struct imsg *);
static void	 stats_kv(struct ctl_conn *, const unsigned char *);
static void	 js_stats_kv(struct ctl_conn *, const struct js_stats *);
static void	 sensors_kv(struct ctl_conn *, const struct sensor_info *,
		    size_t);

/*
 * The processes: the receiver hands each datagram to the crypto child
 * to open, and with output jetstream each checked batch to the
 * publisher, so it talks to both directly; they stop once the
 * receiver has stored everything and gone.
 */
static const struct proc_def	 procs[PROC_NPROCS] = {
	[PROC_PARENT] = { "parent", NULL, NULL, 0, PROC_PARENT },
	[PROC_RECEIVER] = { "receiver", receiver_main, &receiver_sandbox,
	    PROC_BIT(PROC_CRYPTO) | PROC_BIT(PROC_PUBLISHER), PROC_PARENT },
	[PROC_CRYPTO] = { "crypto", crypto_main, &crypto_sandbox,
	    PROC_BIT(PROC_RECEIVER), PROC_RECEIVER },
	[PROC_PUBLISHER] = { "publisher", publisher_main, &publisher_sandbox,
	    PROC_BIT(PROC_RECEIVER), PROC_RECEIVER },
};

/* the control socket's requests; show ones on the restricted socket */
static const struct ctl_command	 ctl_commands[] = {
	{ IMSG_CTL_SHOW_STATS, 0, 1, ctl_show },
	{ IMSG_CTL_SHOW_SENSORS, 0, 1, ctl_show },
	{ IMSG_CTL_SHOW_CONFIG, 0, 1, ctl_show_config },
	{ IMSG_CTL_RELOAD, 0, 0, ctl_reload },
	{ IMSG_CTL_LOG_VERBOSE, sizeof(int), 0, control_log_verbose },
	{ IMSG_CTL_ROTATE, 0, 0, ctl_show },
};

static struct collector_conf	 conf;
static struct config_rx		 shown[PROC_NPROCS];	/* show config */
static struct collector_stats	 stats;
static int			 have_stats;
static const char		*conffile = NCCOLLECTD_CONF;
static int64_t			 started_ms;
/* what the kernel gave the socket, and why not more if it said */
static int			 rcvbuf_granted, rcvbuf_unforced;

const char *const drop_names[DROP_NCAUSES] = {
	"short", "long", "version", "untrusted", "ratelimit", "auth", "stale",
	"encoding", "zlib", "zstd", "bomb", "protobuf", "framing", "record",
	"name", "type", "repeat", "old", "write"
};

/* the receiver's counters as ncctl shows them */
static const struct ctl_field totals_fields[] = {
	CTL_FIELD(collector_stats, datagrams, "datagrams"),
	CTL_FIELD(collector_stats, bytes, "bytes"),
	CTL_FIELD(collector_stats, batches, "batches"),
	CTL_FIELD(collector_stats, encoded[WIRE_ENC_RAW], "batches-raw"),
	CTL_FIELD(collector_stats, encoded[WIRE_ENC_ZLIB], "batches-zlib"),
	CTL_FIELD(collector_stats, encoded[WIRE_ENC_ZSTD], "batches-zstd"),
	CTL_FIELD(collector_stats, records, "records"),
	CTL_FIELD(collector_stats, files, "files"),
	CTL_FIELD(collector_stats, gaps, "gaps"),
	CTL_FIELD(collector_stats, kernel_drops, "kernel-drops"),
	CTL_FIELD(collector_stats, sessions, "sessions"),
	CTL_FIELD(collector_stats, keys_evicted, "keys-evicted"),
	CTL_FIELD(collector_stats, renamed, "renamed"),
	CTL_FIELD(collector_stats, acks, "acks"),
	CTL_FIELD(collector_stats, acked, "acked"),
	CTL_FIELD(collector_stats, ack_errors, "ack-errors"),
	CTL_FIELD(collector_stats, journal_entries, "journal-entries"),
	CTL_FIELD(collector_stats, journal_bytes, "journal-bytes"),
	CTL_FIELD(collector_stats, journal_cut, "journal-cut"),
	CTL_FIELD(collector_stats, syncs, "syncs"),
	CTL_FIELD(collector_stats, rotated, "rotated"),
	CTL_FIELD(collector_stats, removed, "removed"),
	CTL_FIELD(collector_stats, removed_bytes, "removed-bytes"),
};
static const struct ctl_field type_fields[] = {
	CTL_FIELD(ctype_stats, records, "records"),
	CTL_FIELD(ctype_stats, batches, "batches"),
	CTL_FIELD(ctype_stats, bytes, "bytes"),
};
static const struct ctl_field js_fields[] = {
	CTL_FIELD(js_stats, published, "published"),
	CTL_FIELD(js_stats, bytes, "bytes"),
	CTL_FIELD(js_stats, duplicates, "duplicates"),
	CTL_FIELD(js_stats, pending, "pending-acks"),
	CTL_FIELD(js_stats, errors, "errors"),
	CTL_FIELD(js_stats, disconnects, "disconnects"),
	CTL_FIELD(js_stats, replays, "replays-dropped"),
	CTL_FIELD(js_stats, mark_errors, "marks-errors"),
};
/* input jetstream: the publisher's counts, then the receiver's */
static const struct ctl_field consumer_fields[] = {
	CTL_FIELD(js_stats, fetched, "fetched"),
	CTL_FIELD(js_stats, redelivered, "redelivered"),
	CTL_FIELD(js_stats, pending, "unanswered"),
	CTL_FIELD(js_stats, disconnects, "disconnects"),
};
static const struct ctl_field consumed_fields[] = {
	CTL_FIELD(collector_stats, consumed, "stored"),
	CTL_FIELD(collector_stats, consumed_records, "records"),
	CTL_FIELD(collector_stats, consumed_repeats, "repeats"),
	CTL_FIELD(collector_stats, consumed_bad, "bad"),
	CTL_FIELD(collector_stats, consumed_resets, "resets"),
};
static const struct ctl_field sensor_fields[] = {
	CTL_FIELD(sensor_info, sessions, "sessions"),
	CTL_FIELD(sensor_info, records, "records"),
	CTL_FIELD(sensor_info, batches, "batches"),
	CTL_FIELD(sensor_info, gaps, "gaps"),
	CTL_FIELD(sensor_info, repeats, "repeats"),
	CTL_FIELD(sensor_info, rejects, "rejects"),
};

static __dead void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnv] [-f file]\n", __progname);
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct event		 ev_sig[4];
	struct priv_user	 user;
	const char		*role = NULL;
	int			 ctlfd, rctlfd = -1;
	int			 ch, debug = 0, verbose = 0, noaction = 0, i;
	int			 sock = -1;

	setproctitle_init(argc, argv, environ);
	while ((ch = getopt(argc, argv, "df:nP:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction++;
			break;
		case 'P':
			role = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if (argc != 0)
		usage();

	proc_init(procs, PROC_NPROCS, debug, verbose);
	if (role != NULL) {
		log_init(debug, LOG_DAEMON);
		log_setverbose(verbose);
		proc_child(role);
	}

	log_init(1, LOG_DAEMON);
	log_setverbose(verbose);
	conf_defaults(&conf);
	if (parse_config(conffile, &conf, &conf.sensors) == -1)
		exit(1);
	conf.verbose = verbose;
	/* -nn: the file alone; -n: and everything it names */
	if (noaction) {
		if (noaction == 1 && config_check(&conf) == -1)
			exit(1);
		print_config(&conf);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		fatalx("need root privileges");
	if (config_check(&conf) == -1)
		exit(1);
	proc_init_self();
	priv_lookup(&user, conf.user);
	if (priv_ensure_dir("chroot", conf.chroot, 0, 0, 0755) == -1)
		fatalx("chroot directory %s unusable", conf.chroot);
	/* the spool is the receiver's whole world, and its own */
	if (priv_ensure_dir("spool", conf.spool, user.uid,
	    user.gid, 0750) == -1)
		fatalx("spool directory %s unusable", conf.spool);
	/* input jetstream: the publisher fetches, no datagram comes in */
	if (conf.input != INPUT_JETSTREAM)
		sock = open_socket();
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
	proc_signals(ev_sig, "closing the spool", parent_sighup);
	proc_spawn(argv[0], parent_imsg, parent_ready);
	setproctitle("parent");
	/* start is a reload from nothing */
	for (i = PROC_PARENT + 1; i < PROC_NPROCS; i++)
		config_send(i, &conf, 0);
	/* the socket goes to the receiver; our copy closes once sent */
	if (sock != -1 && proc_compose(PROC_RECEIVER, IMSG_SOCKET, 0, sock,
	    NULL, 0) == -1)
		fatal("imsg_compose");

	event_dispatch();
	parent_totals();
	control_cleanup(conf.ctlsock);
	control_cleanup(conf.rctlsock);
	exit(proc_failed() ? 1 : 0);
}

/* every child is up: what runs is what the log says */
static void
parent_ready(void)
{
	if (conf.input == INPUT_JETSTREAM) {
		log_info("collector started, consuming JetStream stream %s "
		    "at %s as %s, spool %s", conf.js.stream, conf.js.url,
		    conf.js.durable, conf.spool);
		return;
	}
	if (conf.output == OUTPUT_JETSTREAM)
		log_info("collector started on %s port %s, publishing to "
		    "JetStream stream %s at %s", conf.listen_addr[0] ?
		    conf.listen_addr : "*", conf.port, conf.js.stream,
		    conf.js.url);
	else
		log_info("collector started on %s port %s, spool %s",
		    conf.listen_addr[0] ? conf.listen_addr : "*", conf.port,
		    conf.spool);
	if (conf.nsensors == 0)
		log_warnx("OPEN: no sensor is listed in %s, so any holder of "
		    "the collector's public key may store records under any "
		    "sensor name", conffile);
	else
		log_info("%u trusted sensors; datagrams from other keys are "
		    "dropped", conf.nsensors);
	/*
	 * Linux grants twice what it is asked, room for its bookkeeping;
	 * less means SO_RCVBUFFORCE was refused and net.core.rmem_max
	 * held SO_RCVBUF back: bursts overflow sooner (kernel-drops).
	 */
	if ((unsigned int)rcvbuf_granted / 2 < conf.rcvbuf)
		log_warnx("receive buffer: %d bytes granted for %u asked, "
		    "not twice as many (SO_RCVBUFFORCE: %s; net.core.rmem_max "
		    "caps the rest)", rcvbuf_granted, conf.rcvbuf,
		    rcvbuf_unforced ? strerror(rcvbuf_unforced) : "taken");
	else
		log_debug("receive buffer: %d bytes granted for %u asked",
		    rcvbuf_granted, conf.rcvbuf);
}

/* bound as root, so a privileged port and a large buffer are possible */
static int
open_socket(void)
{
	struct addrinfo	 hints, *res, *ai;
	socklen_t	 len;
	int		 error, s = -1, sz = (int)conf.rcvbuf, on = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE;
	if ((error = getaddrinfo(conf.listen_addr[0] ? conf.listen_addr :
	    NULL, conf.port, &hints, &res)))
		fatalx("listen on %s port %s: %s", conf.listen_addr[0] ?
		    conf.listen_addr : "*", conf.port, gai_strerror(error));
	/* prefer IPv6 for "*", which takes IPv4 too */
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (!conf.listen_addr[0] && ai->ai_family == AF_INET6)
			break;
	if (ai == NULL)
		ai = res;
	if ((s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol)) == -1)
		fatal("socket");
	if (ai->ai_family == AF_INET6 && !conf.listen_addr[0]) {
		on = 0;
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		on = 1;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* past net.core.rmem_max, which SO_RCVBUF alone is held to */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1) {
		rcvbuf_unforced = errno;
		if (setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
			log_warn("setsockopt SO_RCVBUF");
	}
	len = sizeof(rcvbuf_granted);
	if (getsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf_granted, &len) == -1)
		log_warn("getsockopt SO_RCVBUF");
	/* the kernel tells us how many datagrams it dropped */
	if (setsockopt(s, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) == -1)
		log_warn("setsockopt SO_RXQ_OVFL");
	if (bind(s, ai->ai_addr, ai->ai_addrlen) == -1)
		fatal("bind %s port %s", conf.listen_addr[0] ?
		    conf.listen_addr : "*", conf.port);
	freeaddrinfo(res);
	return (s);
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
	size_t			 n;
	int			 closed;

	switch (config_recv(&shown[from], imsg, NULL)) {
	case 1:
		/* a child's configuration, for ncctl show config */
		c = control_find(imsg->hdr.peerid);
		if (c != NULL)
			control_config_kv(c, proc_name(from),
			    collector_keywords, collector_nkeywords,
			    &shown[from].conf);
		free(shown[from].conf.sensors);
		if (c == NULL)
			return (0);
		control_config_next(c, from);
		return (0);
	case 0:
		return (0);
	}
	switch (imsg->hdr.type) {
	case IMSG_STATS:
		imsg_expect(imsg, sizeof(stats) + nrectypes *
		    sizeof(struct ctype_stats), "IMSG_STATS");
		if (imsg->hdr.peerid != 0) {
			/* an answer for ncctl, if it is still there */
			if ((c = control_find(imsg->hdr.peerid)) == NULL)
				return (0);
			stats_kv(c, imsg->data);
			/* input jetstream: the publisher's part after it */
			if (conf.input == INPUT_JETSTREAM)
				control_ask(c, PROC_PUBLISHER,
				    IMSG_CTL_SHOW_STATS);
			else
				control_result(c, 0, "%s", "");
			return (0);
		}
		memcpy(&stats, imsg->data, sizeof(stats));
		have_stats = 1;
		return (0);
	case IMSG_SENSOR_INFO:
		n = IMSG_DATA_SIZE(imsg) / sizeof(struct sensor_info);
		if (n == 0 || n > SENSOR_INFO_PER_IMSG || n *
		    sizeof(struct sensor_info) != IMSG_DATA_SIZE(imsg))
			fatalx("IMSG_SENSOR_INFO: bad length");
		if ((c = control_find(imsg->hdr.peerid)) != NULL)
			sensors_kv(c, imsg->data, n);
		return (0);
	case IMSG_ROTATED:
		imsg_expect(imsg, sizeof(closed), "IMSG_ROTATED");
		memcpy(&closed, imsg->data, sizeof(closed));
		if ((c = control_find(imsg->hdr.peerid)) == NULL)
			return (0);
		if (closed >= 0)
			control_result(c, 0, "%d files closed", closed);
		else
			control_result(c, 1, "%s", closed == -2 ? "too many "
			    "rotate requests at once" : "not rotated: the "
			    "journal cannot be written (see the log)");
		return (0);
	case IMSG_JS_STATS:
		/*
		 * the publisher's part of show stats; with output
		 * jetstream the receiver's next, with input it was first
		 */
		imsg_expect(imsg, sizeof(struct js_stats), "IMSG_JS_STATS");
		if ((c = control_find(imsg->hdr.peerid)) == NULL)
			return (0);
		js_stats_kv(c, imsg->data);
		if (conf.input == INPUT_JETSTREAM)
			control_result(c, 0, "%s", "");
		else
			control_ask(c, PROC_RECEIVER, IMSG_CTL_SHOW_STATS);
		return (0);
	case IMSG_SENSOR_INFO_END:
		imsg_expect(imsg, 0, "IMSG_SENSOR_INFO_END");
		if ((c = control_find(imsg->hdr.peerid)) != NULL)
			control_result(c, 0, "%s", "");
		return (0);
	default:
		fatalx("%s: unexpected imsg %u", proc_name(from),
		    imsg->hdr.type);
	}
}

/* every counter of ncctl show stats, in its order, on one line */
static void
parent_totals(void)
{
	char		 line[1024];
	size_t		 off, i;

	/* a start that failed has nothing to count */
	if (!have_stats) {
		if (proc_all_ready())
			log_warnx("no statistics from the receiver process");
		return;
	}
	off = control_fields_line(line, sizeof(line), &stats, totals_fields,
	    CTL_NFIELDS(totals_fields));
	if (off < sizeof(line))
		off += strlcpy(line + off, "; dropped:", sizeof(line) - off);
	for (i = 0; i < DROP_NCAUSES && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off,
		    " %s %llu", drop_names[i],
		    (unsigned long long)stats.drops[i]);
	log_info("totals:%s", line);
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
	struct collector_conf	 n;
	const char		*what;
	int			 i;

	conf_defaults(&n);
	if (parse_config(conffile, &n, &n.sensors) == -1) {
		free(n.sensors);
		control_reload_refused(c, "%s has errors, the running "
		    "configuration stays", conffile);
		return;
	}
	n.verbose = conf.verbose;
	if ((what = conf_restart(collector_keywords, collector_nkeywords,
	    &conf, &n)) != NULL) {
		free(n.sensors);
		control_reload_refused(c, "%s changed, which takes a "
		    "restart; the running configuration stays", what);
		return;
	}
	free(conf.sensors);
	conf = n;
	for (i = PROC_PARENT + 1; i < PROC_NPROCS; i++)
		config_send(i, &conf, 0);
	if (conf.nsensors == 0 && conf.input != INPUT_JETSTREAM)
		log_warnx("reloaded %s: OPEN, no sensor is listed, so any "
		    "holder of the collector's public key may store records "
		    "under any sensor name", conffile);
	else
		log_info("reloaded %s: %u trusted sensors", conffile,
		    conf.nsensors);
	if (c != NULL)
		control_result(c, 0, "reloaded %s: %u sensors listed%s",
		    conffile, conf.nsensors, conf.nsensors ? "" :
		    ", open to any key");
}

static void
ctl_reload(struct ctl_conn *c, const struct imsg *imsg)
{
	parent_reload(c);
}

/*
 * the receiver counts, and knows the sensors; with output jetstream
 * the publisher counts what it published, and is asked first; with
 * input jetstream what it fetched, and is asked after the receiver,
 * whose counts of what it stored begin the same section
 */
static void
ctl_show(struct ctl_conn *c, const struct imsg *imsg)
{
	if (imsg->hdr.type == IMSG_CTL_SHOW_STATS &&
	    conf.output == OUTPUT_JETSTREAM)
		control_ask(c, PROC_PUBLISHER, imsg->hdr.type);
	else
		control_ask(c, PROC_RECEIVER, imsg->hdr.type);
}

/* ours, then each child's as it has it, in table order */
static void
ctl_show_config(struct ctl_conn *c, const struct imsg *imsg)
{
	control_config_kv(c, "parent", collector_keywords,
	    collector_nkeywords, &conf);
	control_config_next(c, PROC_PARENT);
}

static void
stats_kv(struct ctl_conn *c, const unsigned char *buf)
{
	struct collector_stats	 s;
	size_t			 i;

	memcpy(&s, buf, sizeof(s));
	control_kv(c, "", "", "uptime", NULL,
	    (uint64_t)(mono_ms() - started_ms) / 1000);
	control_kv(c, "", "", "sensors-listed", NULL, conf.nsensors);
	control_kv_fields(c, "", "", &s, totals_fields, CTL_NFIELDS(totals_fields));
	for (i = 0; i < DROP_NCAUSES; i++)
		control_kv(c, "dropped", "", drop_names[i], NULL, s.drops[i]);
	for (i = 0; i < nrectypes; i++)
		control_kv_fields(c, "types", rectypes[i]->name, buf +
		    sizeof(s) + i * sizeof(struct ctype_stats), type_fields,
		    CTL_NFIELDS(type_fields));
	if (conf.input == INPUT_JETSTREAM)
		control_kv_fields(c, "jetstream", "", &s, consumed_fields,
		    CTL_NFIELDS(consumed_fields));
}

/* show stats, section jetstream */
static void
js_stats_kv(struct ctl_conn *c, const struct js_stats *in)
{
	struct js_stats	 s;

	memcpy(&s, in, sizeof(s));
	s.server[sizeof(s.server) - 1] = '\0';
	s.last_error[sizeof(s.last_error) - 1] = '\0';
	control_kv(c, "jetstream", "", "server", s.server[0] ? s.server : "-",
	    0);
	control_kv(c, "jetstream", "", "connected", s.connected ? "yes" :
	    "no", 0);
	control_kv(c, "jetstream", "", "stream", s.ready ? conf.js.stream :
	    "-", 0);
	if (conf.input == INPUT_JETSTREAM) {
		control_kv(c, "jetstream", "", "consumer", s.ready ?
		    conf.js.durable : "-", 0);
		control_kv_fields(c, "jetstream", "", &s, consumer_fields,
		    CTL_NFIELDS(consumer_fields));
		/* as the server last said, once it said */
		if (s.known) {
			control_kv(c, "jetstream", "", "pending", NULL, s.left);
			control_kv(c, "jetstream", "", "ack-pending", NULL,
			    s.unacked);
		} else {
			control_kv(c, "jetstream", "", "pending", "-", 0);
			control_kv(c, "jetstream", "", "ack-pending", "-", 0);
		}
	} else
		control_kv_fields(c, "jetstream", "", &s, js_fields,
		    CTL_NFIELDS(js_fields));
	control_kv(c, "jetstream", "", "last-error", s.last_error[0] ?
	    s.last_error : "-", 0);
}

static void
sensors_kv(struct ctl_conn *c, const struct sensor_info *in, size_t n)
{
	struct sensor_info	 si;
	char			 item[80], hex[2 * WIRE_PKLEN + 1], addr[64];
	size_t			 i;

	for (i = 0; i < n; i++) {
		memcpy(&si, &in[i], sizeof(si));
		si.name[sizeof(si.name) - 1] = '\0';
		sodium_bin2hex(hex, sizeof(hex), si.pk, sizeof(si.pk));
		/* an item per key, by its fingerprint: two open sensors
		 * may claim one name */
		snprintf(item, sizeof(item), "%.16s", hex);
		control_kv(c, "sensors", item, "name", si.name[0] ? si.name :
		    "-", 0);
		control_kv(c, "sensors", item, "listed", si.listed ? "yes" :
		    "no", 0);
		control_kv(c, "sensors", item, "from",
		    si.last_seen ? sa_fmt((struct sockaddr *)&si.from, addr,
		    sizeof(addr)) : "-", 0);
		sodium_bin2hex(hex, sizeof(hex), si.session,
		    sizeof(si.session));
		control_kv(c, "sensors", item, "session",
		    si.sessions ? hex : "-", 0);
		control_kv(c, "sensors", item, "session-start", NULL,
		    si.session_start / 1000000000);
		control_kv(c, "sensors", item, "last-seen", NULL,
		    si.last_seen / 1000000000);
		control_kv_fields(c, "sensors", item, &si, sensor_fields,
		    CTL_NFIELDS(sensor_fields));
	}
}
