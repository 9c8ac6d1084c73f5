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
 * the UDP socket as root, starts the receiver and crypto children and
 * watches them.  It never parses network data and never reads the key.
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

#include "nccollectd.h"
#include "privsep.h"

#define RCVBUF_SIZE	(8 * 1024 * 1024)

static __dead void usage(void);
static int	 open_socket(void);
static void	 parent_sig(int, short, void *);
static void	 parent_dispatch(int, short, void *);
static int	 parent_imsg(struct imsgev *, struct imsg *);
static void	 parent_totals(void);

static struct collector_conf	 conf;
static struct conf_sensor	*sensors;
static struct imsgev		 iev[2];	/* by enum nccollectd_child */
static struct proc_child	 procs[2] = {
	{ .name = "receiver" }, { .name = "crypto" }
};
static struct collector_stats	 stats;
static int			 have_stats, stopping, exitcode;

const char *const drop_names[DROP_NCAUSES] = {
	"short", "long", "version", "untrusted", "ratelimit", "auth", "stale",
	"encoding", "zlib", "bomb", "protobuf", "framing", "record", "name",
	"type", "repeat", "old", "write"
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
	const char		*conffile = NCCOLLECTD_CONF, *role = NULL;
	int			 ch, debug = 0, verbose = 0, noaction = 0, i;
	int			 sock;

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
			noaction = 1;
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

	if (role != NULL) {
		log_init(debug, LOG_DAEMON);
		log_setverbose(verbose);
		if (strcmp(role, "receiver") == 0)
			receiver_main(debug, verbose);
		if (strcmp(role, "crypto") == 0)
			crypto_main(debug, verbose);
		fatalx("unknown process role %s", role);
	}

	log_init(1, LOG_DAEMON);
	log_setverbose(verbose);
	conf_defaults(&conf);
	if (parse_config(conffile, &conf, &sensors) == -1)
		exit(1);
	conf.verbose = verbose;
	if (noaction) {
		print_config(&conf, sensors);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		fatalx("need root privileges");
	proc_init_self();
	priv_lookup(&user, conf.user);
	if (priv_ensure_dir(conf.chroot, 0, 0, 0755) == -1)
		fatalx("chroot directory %s unusable", conf.chroot);
	/* the spool is the receiver's whole world, and its own */
	if (priv_ensure_dir(conf.spool, user.uid, user.gid, 0750) == -1)
		fatalx("spool directory %s unusable", conf.spool);
	sock = open_socket();

	log_init(debug, LOG_DAEMON);
	log_procinit("parent");
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");

	event_init();
	proc_signals(ev_sig, parent_sig);
	proc_spawn(argv[0], procs, iev, parent_dispatch, debug, verbose);
	setproctitle("parent");
	for (i = 0; i < 2; i++) {
		if (imsg_compose_event(&iev[i], IMSG_CONFIG, 0, 0, -1, &conf,
		    sizeof(conf)) == -1)
			fatal("imsg_compose");
		send_sensors(&iev[i], sensors, conf.nsensors);
	}
	/* the socket goes to the receiver; our copy closes once sent */
	if (imsg_compose_event(&iev[CHILD_RECEIVER], IMSG_SOCKET, 0, 0, sock,
	    NULL, 0) == -1)
		fatal("imsg_compose");
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

	event_dispatch();
	parent_totals();
	exit(exitcode);
}

/* bound as root, so a privileged port and a large buffer are possible */
static int
open_socket(void)
{
	struct addrinfo	 hints, *res, *ai;
	int		 error, s = -1, sz = RCVBUF_SIZE, on = 1;

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
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1 &&
	    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
		log_warn("setsockopt SO_RCVBUF");
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
parent_sig(int sig, short event, void *arg)
{
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		if (stopping)
			return;
		stopping = 1;
		log_info("received signal %d, closing the spool", sig);
		if (imsg_compose_event(&iev[CHILD_RECEIVER], IMSG_SHUTDOWN, 0,
		    0, -1, NULL, 0) == -1)
			fatal("imsg_compose");
		break;
	case SIGHUP:
		log_warnx("SIGHUP: reload is not supported yet, ignored");
		break;
	case SIGCHLD:
		switch (proc_sigchld(procs, iev, IMSG_SHUTDOWN)) {
		case -1:
			exitcode = 1;
			event_loopexit(NULL);
			break;
		case 1:
			event_loopexit(NULL);
			break;
		}
		break;
	}
}

static int
parent_imsg(struct imsgev *e, struct imsg *imsg)
{
	struct proc_child	*p = e->data;

	switch (imsg->hdr.type) {
	case IMSG_STATS:
		imsg_expect(imsg, sizeof(stats), "IMSG_STATS");
		memcpy(&stats, imsg->data, sizeof(stats));
		have_stats = 1;
		return (0);
	case IMSG_RECEIVER_DONE:
		/* closing is the receiver's cue to exit */
		imsg_expect(imsg, 0, "IMSG_RECEIVER_DONE");
		p->may_exit = 1;
		proc_close(e, 0);
		return (-1);
	default:
		fatalx("%s: unexpected imsg %u", p->name, imsg->hdr.type);
	}
}

static void
parent_dispatch(int fd, short event, void *arg)
{
	struct imsgev		*e = arg;
	struct proc_child	*p = e->data;

	proc_dispatch(e, event, p->name, parent_imsg, proc_eof_ignore);
}

static void
parent_totals(void)
{
	char	 drops[512];
	size_t	 off = 0;
	int	 i;

	if (!have_stats) {
		log_warnx("no statistics from the receiver process");
		return;
	}
	drops[0] = '\0';
	for (i = 0; i < DROP_NCAUSES; i++)
		off += (size_t)snprintf(drops + off, sizeof(drops) - off,
		    " %s %llu", drop_names[i],
		    (unsigned long long)stats.drops[i]);
	log_info("totals: datagrams %llu bytes %llu batches %llu records "
	    "%llu files %llu gaps %llu kernel-drops %llu sessions %llu "
	    "keys-evicted %llu renamed %llu; dropped:%s",
	    (unsigned long long)stats.datagrams,
	    (unsigned long long)stats.bytes,
	    (unsigned long long)stats.batches,
	    (unsigned long long)stats.records,
	    (unsigned long long)stats.files,
	    (unsigned long long)stats.gaps,
	    (unsigned long long)stats.kernel_drops,
	    (unsigned long long)stats.sessions,
	    (unsigned long long)stats.keys_evicted,
	    (unsigned long long)stats.renamed, drops);
}
