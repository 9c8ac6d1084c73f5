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
 * ncagentd capture child: the only process that touches packets.  It
 * opens the capture and the UDP socket as root, chroots, drops to the
 * unprivileged user, then decodes frames into records, packs them into
 * per-type batches, hands each batch to the crypto child to compress
 * and seal, and sends what comes back to the collector.  With acks, it
 * keeps each datagram (queue.c) until the collector's ack, which the
 * crypto child opens, says it is done.
 *
 * With several collectors it has a socket to each and sends to one,
 * the first at start.  When no ack came for failover-timeout while
 * datagrams waited for one, it moves to the next: the queue's
 * datagrams go back to the crypto child, which kept nothing of them,
 * as the plaintexts it returned with them, to be sealed for the next
 * collector, and are sent to it.  While not on the first, every
 * failover-timeout the next batch is a probe of a collector before the
 * current one (in turn): sealed for it alone and sent to it only; its
 * ack brings the sensor back to it, and without one in failover-timeout
 * the batch is sealed for the current collector as any other.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <event.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ncagentd.h"
#include "ncap.pb-c.h"
#include "pbpack.h"
#include "pcaplib.h"
#include "privsep.h"
#include "proc.h"
#include "records.h"
#include "sandbox.h"
#include "util.h"
#include "varint.h"

/*
 * Batches at the crypto child: some milliseconds of its work, so that
 * neither child waits on the other for want of a turn on a busy core.
 * With 64 and 16 a core stood idle 18 % of a replay, 10 % with these.
 * Their bytes are bounded too: the count alone let batches of a large
 * max-datagram (up to WIRE_MAX_BATCH each) hold tens of MB while the
 * crypto child lagged.  The default's 256 batches take about 700K.
 */
#define MAX_INFLIGHT		256
#define RESUME_INFLIGHT		64
#define MAX_INFLIGHT_BYTES	(1024 * 1024)
#define RESUME_INFLIGHT_BYTES	(MAX_INFLIGHT_BYTES / 4)
/*
 * Datagrams a replay lets wait for credit before it stops reading:
 * enough that an ack's credit finds them ready; more would be read
 * sooner but sent no sooner.  (Live, the queue fills to its own limit
 * while a collector is away; a replay waits for it instead.)
 */
#define REPLAY_AHEAD		256
/*
 * Packets per loop turn, live or -r: what they make is bounded, and a
 * pause for the crypto child (MAX_INFLIGHT) takes effect within it.
 * Live, the ring's descriptor stays readable while a block holds more.
 */
#define DISPATCH_CHUNK		256
#define READ_BUFFER		(256 * 1024)	/* -r's file */
#define BATCH_HEADROOM		256	/* Batch fields around the records */
#define RECORD_MAX		(WIRE_MAX_BATCH - BATCH_HEADROOM) /* framed */
/*
 * A batch's buffer: the Batch fields before the records (BATCH_HEADROOM,
 * written in place when it is handed over), room for its target and,
 * beyond, for a record packed there before it is known to fit.  Once
 * handed over (the imsg holds a copy), it goes back to a pool.
 */
#define RECORD_ROOM		2048	/* a record packed in place */
#define LENGTH_ROOM		3	/* a record's length, framed */
#define POOL_MAX		16	/* buffers kept */
#define POOL_BYTES		(1024 * 1024)		/* for batches */
#define RATIO_SPREADS		4	/* deviations a batch's size allows */
#define MAX_OPENING		64	/* acks at the crypto child */
#define ACKS_PER_READ		64	/* acks read per loop turn */
/*
 * After SIGTERM, how long acks are waited for: a few round trips and
 * resends with a backed-off timeout, well within the 30 s the rc
 * script gives before SIGKILL and systemd's 90.
 */
#define SHUTDOWN_WAIT_S		10

/* the records of one type that are not yet handed over */
struct tbatch {
	unsigned char	*buf;		/* headroom, then records */
	size_t		 len;		/* of the records */
	size_t		 cap;		/* of buf */
	uint32_t	 nrec;
	double		 ratio;		/* compressed/raw, observed */
	double		 spread;	/* mean deviation from ratio */
	size_t		 target;	/* raw bytes to aim for */
};

/* a batch at the crypto child, kept until its datagram is back */
struct inflight {
	TAILQ_ENTRY(inflight)	 entry;
	struct batch_hdr	 hdr;
	size_t			 bytes;		/* handed over */
	int			 reseal;	/* a datagram's again */
};

/* a datagram's plaintext, waiting to be sealed for the collector now */
struct reseal {
	TAILQ_ENTRY(reseal)	 entry;
	uint32_t		 type;
	uint32_t		 nrec;
	int			 sent;		/* went out before */
	size_t			 ptlen;
	unsigned char		 pt[];
};

/* the probe of a collector preferred to the current one */
enum probe_state { PROBE_NONE, PROBE_SEALING, PROBE_SENT };
struct probe {
	enum probe_state	 state;
	uint32_t		 coll;
	uint32_t		 type;
	uint32_t		 nrec;
	unsigned char		 nonce[WIRE_NONCELEN];
	uint64_t		 seq;
	unsigned char		*pt;
	size_t			 ptlen;
	int			 sent;		/* it went out */
};

static int	 capture_reconf(const struct imsg *);
static void	 capture_shutdown(void);
static void	 capture_stats(uint32_t);
static void	 capture_show_config(uint32_t);
static int	 capture_imsg_crypto(int, struct imsg *);
static void	 capture_open(void);
static int	 collector_socket(const struct agent_collector *);
static void	 capture_read(int, short, void *);
static void	 capture_flush_timer(int, short, void *);
static void	 capture_pause(void);
static void	 pause_time(void);
static void	 capture_finish(int);
static void	 capture_merge(const struct agent_conf *);
static void	 rules_capture(scmp_filter_ctx);
static void	 capture_done_check(void);
static void	 emit_record(void *, int, const ProtobufCMessage *);
static void	 emit_copy(int, const unsigned char *, size_t);
static void	 batch_flush(int);
static void	 batch_submit(int, unsigned char *, size_t, size_t,
		    uint32_t);
static unsigned char *buf_get(size_t, size_t *);
static void	 buf_put(unsigned char *, size_t);
static void	 inflight_add(struct inflight *, size_t);
static int	 inflight_full(void);
static void	 batch_sent(const struct batch_hdr *, const unsigned char *,
		    size_t);
static void	 batch_toobig(const struct batch_hdr *, const unsigned char *,
		    size_t);
static void	 pkt_handler(u_char *, const struct pcap_pkthdr *,
		    const u_char *);
static int64_t	 mono_us(void);
static int	 queue_send(void *, const unsigned char *, size_t);
static void	 queue_session_done(void *, const unsigned char *);
static void	 queue_run(int);
static void	 queue_resend(int, short, void *);
static void	 queue_giveup(int, short, void *);
static void	 ack_read(int, short, void *);
static void	 ack_take(unsigned int, const unsigned char *, ssize_t);
static void	 ack_opened(const struct ack_opened *);
static void	 reseal_add(uint32_t, uint32_t, int, const unsigned char *,
		    size_t, const unsigned char *, uint64_t, int);
static void	 reseal_drained(void *, uint32_t, uint32_t, int,
		    const unsigned char *, const unsigned char *, size_t);
static void	 reseal_feed(void);
static void	 collector_switch(unsigned int, int);
static void	 failover_timer(int, short, void *);
static void	 probe_sent(const struct batch_hdr *, const unsigned char *,
		    size_t, const unsigned char *);
static void	 probe_timer(int, short, void *);
static void	 probe_acked(const struct ack_opened *);
static void	 probe_clear(void);
static void	 failback_timer(int, short, void *);
static int	 probe_due(void);

/* the parent's messages, in proc_child_imsg() */
static const struct proc_child	 hooks = {
	capture_reconf, capture_shutdown, capture_stats, capture_show_config,
	NULL
};
static struct agent_conf	 conf;
static struct config_rx		 rx;
static int			 configured;
static pcap_t			*pcap;
static int			 dlt, dlt_ok, nanots;
static int			 udpfd[COLLECTORS_MAX];	/* to each */
static struct event		 ev_read, ev_flush;
static int			 paused, finishing;
static int64_t			 paused_since;	/* mono_ns() */
static int64_t			 paused_ns;	/* in all */
static int			 pause_crypto, pause_queue;
static struct tbatch		*batches;
static TAILQ_HEAD(, inflight)	 inflight = TAILQ_HEAD_INITIALIZER(inflight);
static unsigned int		 ninflight;
static size_t			 inflight_bytes;
static uint32_t			 batch_id;
static unsigned char		*recbuf;	/* a packed record */
static struct {
	unsigned char		*buf;
	size_t			 cap;
}				 pool[POOL_MAX];
static unsigned int		 npool;
static size_t			 pool_bytes;
static size_t			 budget;	/* plaintext bytes per datagram */
static unsigned char		*statbuf;
static struct agent_stats	*stats;
static struct coll_stats	*cstats;	/* COLLECTORS_MAX */
static struct type_stats	*tstats;
static struct log_ratelimit	 rl_send, rl_oversize, rl_ack, rl_switch;
/* with acks: the datagrams kept, acks being opened, the end's wait */
static struct dq		*dq;
static struct event		 ev_ack[COLLECTORS_MAX];
static struct event		 ev_resend, ev_shutdown, ev_stall;
static unsigned int		 nopening;
/*
 * Several collectors: the one sent to and the epoch of its choice
 * (what the crypto child sealed in an older one is sealed again), the
 * time since which datagrams wait for its ack, the plaintexts to be
 * sealed for it, the probe.
 */
static unsigned int		 cur;
static uint32_t			 epoch;
static int64_t			 waiting_since;	/* 0: none waits */
static unsigned int		 stale_openings; /* of acks of before */
static TAILQ_HEAD(, reseal)	 reseals = TAILQ_HEAD_INITIALIZER(reseals);
static size_t			 reseal_bytes;
static struct probe		 probe;
static unsigned int		 probe_turn;
static int64_t			 probe_next;
static unsigned int		 failback;	/* to this one less 1 */
static struct event		 ev_failover, ev_probe, ev_failback;
static int			 gaveup;
static const struct dq_hooks	 queue_hooks = {
	queue_send, queue_session_done, NULL
};

/*
 * What the capture opens itself: pcap and a socket to each collector,
 * which capture_main() counts before the sandbox.
 */
struct sandbox			 capture_sandbox = { rules_capture, 2, 0, 0 };

void
capture_main(void)
{
	struct priv_user	 user;
	struct timeval		 tv;
	size_t			 i;

	/*
	 * The loop exists before the first configuration, which a merge
	 * takes as it takes a reload, and before the sandbox, which need
	 * not let it be made.
	 */
	event_init();
	evtimer_set(&ev_flush, capture_flush_timer, NULL);
	proc_child_hooks(&hooks);
	proc_wait(PROC_PARENT, proc_child_imsg, &configured);

	if ((statbuf = calloc(1, AGENT_STATLEN)) == NULL ||
	    (batches = calloc(nrectypes, sizeof(*batches))) == NULL ||
	    (recbuf = malloc(RECORD_MAX)) == NULL)
		fatal(NULL);
	stats = (struct agent_stats *)statbuf;
	cstats = (struct coll_stats *)(stats + 1);
	tstats = (struct type_stats *)(cstats + COLLECTORS_MAX);
	for (i = 0; i < nrectypes; i++) {
		/* start by assuming 2:1 and learn the real ratio per type */
		batches[i].ratio = 0.5;
		batches[i].target = budget * 2;
		/* records are proto3, all of which pb_pack() knows */
		if (pb_supported(rectypes[i]) != 0)
			fatalx("%s: a record type pb_pack() cannot pack",
			    rectypes[i]->name);
	}
	if (conf.acks)
		dq = dq_new(conf.queue_size, &queue_hooks, stats, tstats);

	/*
	 * Open what we need while we are still root: libpcap first, and
	 * the checks only it can make, which the parent has not made.
	 */
	priv_lookup(&user, conf.user);
	config_check_capture(&conf, 1);
	capture_open();
	/* the connection table: all its memory, and a random hash key */
	flow_init(&conf, emit_record, NULL, tstats, &stats->flows_evicted);
	priv_drop(&user, conf.chroot);
	capture_sandbox.fds = 1 + conf.ncollectors;
	proc_sandbox();

	decode_init(emit_record, NULL, tstats);

	proc_listen(PROC_PARENT, proc_child_imsg, NULL);
	proc_listen(PROC_CRYPTO, capture_imsg_crypto, NULL);
	if (conf.readfile[0] != '\0') {
		evtimer_set(&ev_read, capture_read, NULL);
		timerclear(&tv);
		evtimer_add(&ev_read, &tv);
	} else {
		event_set(&ev_read, pcaplib.get_selectable_fd(pcap),
		    EV_READ | EV_PERSIST, capture_read, NULL);
		event_add(&ev_read, NULL);
	}
	if (dq != NULL) {
		for (i = 0; i < conf.ncollectors; i++) {
			event_set(&ev_ack[i], udpfd[i], EV_READ | EV_PERSIST,
			    ack_read, (void *)(uintptr_t)i);
			event_add(&ev_ack[i], NULL);
		}
		evtimer_set(&ev_failover, failover_timer, NULL);
		evtimer_set(&ev_probe, probe_timer, NULL);
		evtimer_set(&ev_failback, failback_timer, NULL);
		evtimer_set(&ev_resend, queue_resend, NULL);
		evtimer_set(&ev_shutdown, queue_giveup, NULL);
		evtimer_set(&ev_stall, queue_giveup, NULL);
	}

	log_debug("capture started, link type %s",
	    pcaplib.datalink_val_to_name(dlt) ?
	    pcaplib.datalink_val_to_name(dlt) : "unknown");
	proc_child_ready();
	event_dispatch();
	fatalx("event loop ended");
}

/* a UDP socket connected to a collector */
static int
collector_socket(const struct agent_collector *c)
{
	struct addrinfo		 hints, *res, *ai;
	int			 error, sz, fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if ((error = getaddrinfo(c->host, c->port, &hints, &res)))
		fatalx("collector %s port %s: %s", c->host, c->port,
		    gai_strerror(error));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype |
		    SOCK_CLOEXEC, ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		fatal("collector %s port %s", c->host, c->port);
	sz = 1024 * 1024;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) == -1)
		log_warn("setsockopt SO_SNDBUF");
	return (fd);
}

static void
capture_open(void)
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program	 bpf;
	FILE			*fp;
	char			*rbuf;
	unsigned int		 i;
	int			 error;

	for (i = 0; i < conf.ncollectors; i++)
		udpfd[i] = collector_socket(&conf.collectors[i]);

	if (conf.readfile[0] != '\0') {
		/*
		 * libpcap reads a file through stdio, which reads it a
		 * block (4 KB) at a time, one read(2) for 40 frames: it
		 * gets a buffer of its own, which lives as long as we do
		 * (glibc sizes one it allocates by the block).
		 */
		if ((fp = fopen(conf.readfile, "r")) == NULL)
			fatal("%s", conf.readfile);
		if ((rbuf = malloc(READ_BUFFER)) == NULL)
			fatal(NULL);
		if (setvbuf(fp, rbuf, _IOFBF, READ_BUFFER) != 0)
			log_warnx("%s: setvbuf failed", conf.readfile);
		pcap = pcaplib.fopen_offline_with_tstamp_precision(fp,
		    PCAP_TSTAMP_PRECISION_NANO, errbuf);
		if (pcap == NULL)
			fatalx("%s: %s", conf.readfile, errbuf);
		nanots = 1;
	} else {
		if ((pcap = pcaplib.create(conf.interface, errbuf)) == NULL)
			fatalx("%s: %s", conf.interface, errbuf);
		pcaplib.set_snaplen(pcap, (int)conf.snaplen);
		pcaplib.set_promisc(pcap, conf.promisc);
		pcaplib.set_timeout(pcap, 100);
		pcaplib.set_buffer_size(pcap, (int)conf.bufsize);
		nanots = pcaplib.set_tstamp_precision(pcap,
		    PCAP_TSTAMP_PRECISION_NANO) == 0;
		if ((error = pcaplib.activate(pcap)) < 0)
			fatalx("%s: %s", conf.interface,
			    pcaplib.geterr(pcap));
		if (error > 0)
			log_warnx("%s: %s", conf.interface,
			    pcaplib.geterr(pcap));
		if (pcaplib.setnonblock(pcap, 1, errbuf) == -1)
			fatalx("%s: %s", conf.interface, errbuf);
		nanots = pcaplib.get_tstamp_precision(pcap) ==
		    PCAP_TSTAMP_PRECISION_NANO;
	}
	if (conf.filter[0] != '\0') {
		if (pcaplib.compile(pcap, &bpf, conf.filter, 1,
		    PCAP_NETMASK_UNKNOWN) == -1)
			fatalx("filter \"%s\": %s", conf.filter,
			    pcaplib.geterr(pcap));
		if (pcaplib.setfilter(pcap, &bpf) == -1)
			fatalx("filter: %s", pcaplib.geterr(pcap));
		pcaplib.freecode(&bpf);
	}
	dlt = pcaplib.datalink(pcap);
	if (!(dlt_ok = decode_linktype_ok(dlt) == 0))
		log_warnx("link type %d (%s) is not decoded: frames are only "
		    "counted", dlt, pcaplib.datalink_val_to_name(dlt) ?
		    pcaplib.datalink_val_to_name(dlt) : "unknown");
}

static void
pkt_handler(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
	int64_t	sec, ts;

	stats->packets++;
	stats->bytes += h->len;
	/*
	 * A capture file's seconds are unsigned 32 bits, which libpcap
	 * sign-extends: after 2038 they come out negative.
	 */
	sec = h->ts.tv_sec < 0 ? h->ts.tv_sec + (1LL << 32) : h->ts.tv_sec;
	ts = sec * 1000000000 + (int64_t)h->ts.tv_usec * (nanots ? 1 : 1000);
	if (!dlt_ok) {
		stats->linktype_unknown++;
		return;
	}
	decode_packet(dlt, ts, p, h->caplen, h->len);
}

static void
capture_read(int fd, short event, void *arg)
{
	struct timeval	tv;
	int		n;

	if (paused || finishing)
		return;
	if (conf.readfile[0] == '\0') {
		if (pcaplib.dispatch(pcap, DISPATCH_CHUNK, pkt_handler,
		    NULL) == -1)
			log_warnx("pcap_dispatch: %s", pcaplib.geterr(pcap));
		return;
	}
	n = pcaplib.dispatch(pcap, DISPATCH_CHUNK, pkt_handler, NULL);
	if (n == -1)
		log_warnx("%s: %s", conf.readfile, pcaplib.geterr(pcap));
	if (n <= 0) {
		log_debug("end of %s", conf.readfile);
		capture_finish(0);
		return;
	}
	timerclear(&tv);
	evtimer_add(&ev_read, &tv);
}

/* a pause has ended: its length into the counters */
static void
pause_time(void)
{
	paused_ns += mono_ns() - paused_since;
	stats->paused_ms = (uint64_t)(paused_ns / 1000000);
}

/*
 * Reading stops while the crypto child has enough batches waiting, and
 * in a replay while the queue has no room for what they will become.
 */
static void
capture_pause(void)
{
	struct timeval	tv;
	int		pause = pause_crypto || pause_queue;

	if (pause == paused || finishing)
		return;
	paused = pause;
	if (pause) {
		stats->pauses++;
		paused_since = mono_ns();
		event_del(&ev_read);
		return;
	}
	pause_time();
	if (conf.readfile[0] != '\0') {
		timerclear(&tv);
		evtimer_add(&ev_read, &tv);
	} else
		event_add(&ev_read, NULL);
}

static void
capture_flush_timer(int fd, short event, void *arg)
{
	struct timespec	ts;
	size_t		i;

	/* live, quiet links still end idle connections; files never */
	if (conf.readfile[0] == '\0' &&
	    clock_gettime(CLOCK_REALTIME, &ts) == 0)
		flow_expire((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	for (i = 0; i < nrectypes; i++)
		batch_flush((int)i);
	evtimer_add_ms(&ev_flush, conf.flush_ms);
}

/*
 * Stop reading, hand over every batch, exit once all are sent and,
 * with acks, done: after SIGTERM for at most SHUTDOWN_WAIT_S, at the
 * end of a replay for as long as it takes (or -w allows).
 */
static void
capture_finish(int shutdown)
{
	struct pcap_stat	ps;
	size_t			i;

	if (shutdown && dq != NULL && !evtimer_pending(&ev_shutdown, NULL))
		evtimer_add_ms(&ev_shutdown, SHUTDOWN_WAIT_S * 1000);
	if (finishing) {
		capture_done_check();
		return;
	}
	finishing = 1;
	event_del(&ev_read);
	/* a pause under way ends here: reading is over */
	if (paused) {
		paused = 0;
		pause_time();
	}
	if (conf.readfile[0] == '\0' && pcaplib.stats(pcap, &ps) == 0)
		stats->pcap_drops = ps.ps_drop + ps.ps_ifdrop;
	/* nothing observed is lost: open connections go out now */
	flow_shutdown();
	for (i = 0; i < nrectypes; i++)
		batch_flush((int)i);
	capture_done_check();
}

/* the parent logs what is left unacknowledged, from the counters */
static void
capture_done_check(void)
{
	if (!finishing || ninflight > 0)
		return;
	if (dq != NULL) {
		if ((dq_count(dq) > 0 || !TAILQ_EMPTY(&reseals) ||
		    probe.state != PROBE_NONE) && !gaveup)
			return;
		dq_gauges(dq);
		dq_unacked(dq);
		/* what waited to be sealed again, or for a probe's ack */
		while (!TAILQ_EMPTY(&reseals)) {
			struct reseal	*r = TAILQ_FIRST(&reseals);

			stats->unacked++;
			tstats[r->type].unacked += r->nrec;
			TAILQ_REMOVE(&reseals, r, entry);
			free(r);
		}
		if (probe.state == PROBE_SENT) {
			stats->unacked++;
			tstats[probe.type].unacked += probe.nrec;
		}
	}
	if (proc_compose(PROC_PARENT, IMSG_STATS, 0, -1, statbuf,
	    AGENT_STATLEN) == -1)
		fatal("imsg_compose");
	/* the parent closes the channel once it has read both */
	proc_child_done();
}

/*
 * A record is packed where it goes, after the type's batch, a byte left
 * for its length (moved up in the rare case it takes more).  Only a
 * record that does not fit the room left there is packed aside, as
 * large as a batch takes, and copied, as is one that starts the next
 * batch.
 */
static void
emit_record(void *arg, int type, const ProtobufCMessage *msg)
{
	struct tbatch	*tb = &batches[type];
	unsigned char	*rec = recbuf;
	size_t		 len = PB_FAIL, need, room = 0, n;

	if (tb->buf == NULL)
		tb->buf = buf_get(BATCH_HEADROOM + tb->target + RECORD_ROOM,
		    &tb->cap);
	if (tb->cap - BATCH_HEADROOM - tb->len > LENGTH_ROOM) {
		rec = tb->buf + BATCH_HEADROOM + tb->len + 1;
		room = tb->cap - BATCH_HEADROOM - tb->len - LENGTH_ROOM;
		if (room > RECORD_MAX)
			room = RECORD_MAX;
		len = pb_pack_record((size_t)type, msg, rec, room);
	}
	if (len == PB_FAIL && room < RECORD_MAX) {
		rec = recbuf;
		len = pb_pack_record((size_t)type, msg, recbuf, RECORD_MAX);
	}
	if (len == PB_FAIL || (need = varint_len(len) + len) > RECORD_MAX) {
		tstats[type].oversize++;
		log_warnx_rl(&rl_oversize, "%s record dropped: more than %d "
		    "bytes framed, too large for any batch",
		    rectypes[type]->name, RECORD_MAX);
		return;
	}
	if (rec == recbuf || (tb->len > 0 && tb->len + need > tb->target)) {
		emit_copy(type, rec, len);
		return;
	}
	if (len < 0x80)
		rec[-1] = (unsigned char)len;
	else {
		n = varint_len(len);
		memmove(rec - 1 + n, rec, len);
		varint_put(rec - 1, len);
	}
	tb->len += need;
	tb->nrec++;
	tstats[type].bytes += len;
}

/* a record packed elsewhere: after the batch, or starting the next */
static void
emit_copy(int type, const unsigned char *rec, size_t len)
{
	struct tbatch	*tb = &batches[type];
	unsigned char	*nbuf;
	size_t		 need = varint_len(len) + len, ncap, n;

	if (rec != recbuf) {
		/* packed after the batch, whose buffer goes now */
		memcpy(recbuf, rec, len);
		rec = recbuf;
	}
	if (tb->len > 0 && tb->len + need > tb->target)
		batch_flush(type);
	if (tb->buf == NULL)
		tb->buf = buf_get(BATCH_HEADROOM + tb->target + RECORD_ROOM,
		    &tb->cap);
	if (BATCH_HEADROOM + tb->len + need > tb->cap) {
		ncap = BATCH_HEADROOM + tb->len + need + RECORD_ROOM;
		if ((nbuf = realloc(tb->buf, ncap)) == NULL)
			fatal(NULL);
		tb->buf = nbuf;
		tb->cap = ncap;
	}
	n = BATCH_HEADROOM + tb->len;
	n += varint_put(tb->buf + n, len);
	memcpy(tb->buf + n, rec, len);
	tb->len += need;
	tb->nrec++;
	tstats[type].bytes += len;
}

static void
batch_flush(int type)
{
	struct tbatch	*tb = &batches[type];

	if (tb->nrec == 0)
		return;
	/* batch_submit() handed the buffer back; the type takes another */
	batch_submit(type, tb->buf, tb->cap, tb->len, tb->nrec);
	tb->buf = NULL;
	tb->len = tb->cap = 0;
	tb->nrec = 0;
}

/*
 * A buffer of cap bytes at least, one handed over before if one is as
 * large; *capp says how large it is.
 */
static unsigned char *
buf_get(size_t cap, size_t *capp)
{
	unsigned char	*buf;
	unsigned int	 i;

	for (i = npool; i > 0; i--)
		if (pool[i - 1].cap >= cap) {
			buf = pool[i - 1].buf;
			*capp = pool[i - 1].cap;
			pool_bytes -= *capp;
			pool[i - 1] = pool[--npool];
			return (buf);
		}
	if ((buf = malloc(cap)) == NULL)
		fatal(NULL);
	*capp = cap;
	return (buf);
}

/*
 * Into the pool, which keeps POOL_MAX buffers and POOL_BYTES at most:
 * a buffer comes back as soon as its batch is handed over, so a few
 * serve every type in turn.
 */
static void
buf_put(unsigned char *buf, size_t cap)
{
	if (npool == POOL_MAX || pool_bytes + cap > POOL_BYTES) {
		free(buf);
		return;
	}
	pool[npool].buf = buf;
	pool[npool].cap = cap;
	pool_bytes += cap;
	npool++;
}

/*
 * The Batch around the framed records, in the headroom before them:
 * its other fields as pb_pack() makes them, then the records' key and
 * length, field 4 being the last, as protobuf-c packs it.  To crypto.
 */
static void
batch_submit(int type, unsigned char *buf, size_t cap, size_t len,
    uint32_t nrec)
{
	Batch		 b = BATCH__INIT;
	struct inflight	*f;
	struct iovec	 iov[2];
	unsigned char	 hdr[BATCH_HEADROOM];
	size_t		 hlen, plen;

	/* protobuf-c wants a char *, the descriptor's name is const */
	b.sensor = conf.name;
	b.type = (char *)(uintptr_t)rectypes[type]->name;
	b.count = nrec;
	if ((hlen = pb_pack(&b.base, hdr, sizeof(hdr) - 1 - VARINT_MAX)) ==
	    PB_FAIL)
		fatalx("%s: Batch fields longer than %d bytes", __func__,
		    BATCH_HEADROOM);
	hdr[hlen++] = 4 << 3 | 2;	/* records, length-delimited */
	hlen += varint_put(hdr + hlen, len);
	if ((plen = hlen + len) > WIRE_MAX_BATCH)
		fatalx("%s: batch of %zu bytes", __func__, len);
	memcpy(buf + BATCH_HEADROOM - hlen, hdr, hlen);

	if ((f = calloc(1, sizeof(*f))) == NULL)
		fatal(NULL);
	f->hdr.id = ++batch_id;
	f->hdr.type = (uint32_t)type;
	f->hdr.nrec = nrec;
	f->hdr.rawlen = (uint32_t)len;
	if (probe_due()) {
		f->hdr.flags = BATCH_PROBE;
		f->hdr.coll = probe_turn++ % cur;
		probe.state = PROBE_SEALING;
	}
	iov[0].iov_base = &f->hdr;
	iov[0].iov_len = sizeof(f->hdr);
	iov[1].iov_base = buf + BATCH_HEADROOM - hlen;
	iov[1].iov_len = plen;
	if (proc_composev(PROC_CRYPTO, IMSG_BATCH, 0, -1, iov, 2) == -1)
		fatal("imsg_compose");
	buf_put(buf, cap);
	inflight_add(f, plen);
	if (inflight_full()) {
		pause_crypto = 1;
		capture_pause();
	}
}

static void
inflight_add(struct inflight *f, size_t bytes)
{
	f->bytes = bytes;
	TAILQ_INSERT_TAIL(&inflight, f, entry);
	ninflight++;
	inflight_bytes += bytes;
}

/* enough waits at the crypto child: the capture pauses */
static int
inflight_full(void)
{
	return (ninflight >= MAX_INFLIGHT ||
	    inflight_bytes >= MAX_INFLIGHT_BYTES);
}

static struct inflight *
inflight_take(const struct batch_hdr *h)
{
	struct inflight	*f;

	/* the crypto child answers in order */
	if ((f = TAILQ_FIRST(&inflight)) == NULL || f->hdr.id != h->id)
		fatalx("crypto answered batch %u out of order", h->id);
	/* what the crypto child said of it, the same batch */
	if (f->hdr.type != h->type || f->hdr.nrec != h->nrec ||
	    f->hdr.flags != h->flags || f->hdr.coll != h->coll)
		fatalx("crypto answered batch %u with another", h->id);
	TAILQ_REMOVE(&inflight, f, entry);
	ninflight--;
	inflight_bytes -= f->bytes;
	if (ninflight <= RESUME_INFLIGHT &&
	    inflight_bytes <= RESUME_INFLIGHT_BYTES) {
		pause_crypto = 0;
		capture_pause();
	}
	/* what waits to be sealed again takes the room first */
	reseal_feed();
	return (f);
}

static void
batch_sent(const struct batch_hdr *h, const unsigned char *dgram,
    size_t len)
{
	struct inflight		*f;
	struct tbatch		*tb;
	const unsigned char	*pt = dgram + len;
	double			 r, d, worst;
	ssize_t			 n;

	f = inflight_take(h);
	tb = &batches[f->hdr.type];
	if (len < WIRE_MIN)
		fatalx("crypto: datagram of %zu bytes", len);
	if (dq != NULL && (h->flags & BATCH_PROBE))
		probe_sent(h, dgram, len, pt);
	else if (dq != NULL && h->epoch != epoch)
		/* sealed for the collector before: for this one, again */
		reseal_add(h->type, h->nrec, (h->flags & BATCH_RESENT) != 0,
		    pt, h->ptlen, dgram + WIRE_OFF_SNONCE, wire_seq(dgram), 1);
	else if (dq != NULL) {
		/* kept, and sent when its session's window has room */
		dq_push(dq, dgram, len, h->ptlen > 0 ? pt : NULL, h->ptlen,
		    f->hdr.type, f->hdr.nrec, (h->flags & BATCH_RESENT) != 0,
		    conf.readfile[0] == '\0');
	} else if ((n = send(udpfd[0], dgram, len, 0)) == -1 ||
	    (size_t)n != len) {
		stats->send_errors++;
		log_warnx_rl(&rl_send, "send to collector: %s (%u %s records "
		    "lost)", n == -1 ? strerror(errno) : "short write",
		    f->hdr.nrec, rectypes[f->hdr.type]->name);
	} else {
		stats->datagrams++;
		stats->wire_bytes += len;
		cstats[0].sent++;
		tstats[f->hdr.type].sent += f->hdr.nrec;
		tstats[f->hdr.type].batches++;
		tstats[f->hdr.type].wire_bytes += len;
	}
	if (f->reseal) {
		/* nothing to learn from it */
		free(f);
		queue_run(0);
		return;
	}
	/*
	 * Learn how well this type compresses, and how steadily, to size
	 * the next batch: as large as fits unless it compresses worse than
	 * the ratio by RATIO_SPREADS mean deviations.  Most types vary
	 * little: a fixed margin would leave their datagrams emptier than
	 * they need be.
	 */
	r = (double)(len - WIRE_OVERHEAD) / (double)f->hdr.rawlen;
	if (r > 1.0)
		r = 1.0;
	if (f->hdr.rawlen >= tb->target / 2) {
		d = r > tb->ratio ? r - tb->ratio : tb->ratio - r;
		tb->spread = 0.95 * tb->spread + 0.05 * d;
		tb->ratio = 0.75 * tb->ratio + 0.25 * r;
	}
	worst = tb->ratio + RATIO_SPREADS * tb->spread;
	tb->target = (size_t)(budget / (worst < 0.05 ? 0.05 : worst));
	if (tb->target < budget)
		tb->target = budget;
	if (tb->target > WIRE_MAX_BATCH - BATCH_HEADROOM)
		tb->target = WIRE_MAX_BATCH - BATCH_HEADROOM;
	free(f);
	if (dq != NULL)
		queue_run(0);
	else
		capture_done_check();
}

/*
 * Even compressed, the batch did not fit: send it as two halves.  The
 * crypto child sent it back, the records last, as batch_submit() made
 * it.
 */
static void
batch_toobig(const struct batch_hdr *h, const unsigned char *batch,
    size_t len)
{
	struct inflight		*f;
	struct tbatch		*tb;
	struct frame_iter	 it;
	const unsigned char	*rec, *recs;
	unsigned char		*a, *b;
	size_t			 reclen, cut = 0, acap, bcap;
	uint32_t		 i, half;

	f = inflight_take(h);
	if (f->reseal)
		fatalx("crypto: a datagram to seal again is too big");
	if (len < f->hdr.rawlen)
		fatalx("crypto: batch %u sent back short", h->id);
	/* a probe that did not fit: the next batch will be one */
	if (f->hdr.flags & BATCH_PROBE)
		probe.state = PROBE_NONE;
	tb = &batches[f->hdr.type];
	tb->ratio = tb->ratio * 1.5 > 1.0 ? 1.0 : tb->ratio * 1.5;
	if (f->hdr.nrec == 1) {
		tstats[f->hdr.type].oversize++;
		log_warnx_rl(&rl_oversize, "%s record of %u bytes dropped: "
		    "does not fit max-datagram %u", rectypes[f->hdr.type]->name,
		    f->hdr.rawlen, conf.max_datagram);
	} else {
		log_debug("%s batch of %u records did not fit max-datagram "
		    "%u compressed: split in two", rectypes[f->hdr.type]->name,
		    f->hdr.nrec, conf.max_datagram);
		half = f->hdr.nrec / 2;
		recs = batch + len - f->hdr.rawlen;
		frame_iter_init(&it, recs, f->hdr.rawlen);
		for (i = 0; i < half; i++) {
			if (frame_next(&it, &rec, &reclen) != 1)
				fatalx("%s: own batch misframed", __func__);
			cut = (size_t)(rec + reclen - recs);
		}
		a = buf_get(BATCH_HEADROOM + cut, &acap);
		b = buf_get(BATCH_HEADROOM + f->hdr.rawlen - cut, &bcap);
		memcpy(a + BATCH_HEADROOM, recs, cut);
		memcpy(b + BATCH_HEADROOM, recs + cut, f->hdr.rawlen - cut);
		batch_submit((int)f->hdr.type, a, acap, cut, half);
		batch_submit((int)f->hdr.type, b, bcap, f->hdr.rawlen - cut,
		    f->hdr.nrec - half);
	}
	free(f);
	capture_done_check();
}

static int
capture_imsg_crypto(int from, struct imsg *imsg)
{
	struct batch_hdr	h;
	struct ack_opened	ao;
	struct session_new	sn;

	switch (imsg->hdr.type) {
	case IMSG_SESSION_NEW:
		imsg_expect(imsg, sizeof(sn), "IMSG_SESSION_NEW");
		if (dq == NULL)
			fatalx("crypto: IMSG_SESSION_NEW without acks");
		memcpy(&sn, imsg->data, sizeof(sn));
		/* a session for the collector before: none of it is kept */
		if (sn.epoch == epoch)
			dq_session(dq, sn.nonce);
		return (0);
	case IMSG_ACK_OPENED:
		imsg_expect(imsg, sizeof(ao), "IMSG_ACK_OPENED");
		if (dq == NULL || nopening == 0)
			fatalx("crypto: IMSG_ACK_OPENED unasked");
		memcpy(&ao, imsg->data, sizeof(ao));
		nopening--;
		ack_opened(&ao);
		return (0);
	}
	if (IMSG_DATA_SIZE(imsg) < sizeof(h))
		fatalx("crypto: short imsg %u", imsg->hdr.type);
	memcpy(&h, imsg->data, sizeof(h));
	switch (imsg->hdr.type) {
	case IMSG_DATAGRAM:
		/* the datagram, then its plaintext with several collectors */
		if (h.ptlen > IMSG_DATA_SIZE(imsg) - sizeof(h) ||
		    (h.ptlen == 0) != (conf.ncollectors < 2) ||
		    IMSG_DATA_SIZE(imsg) - sizeof(h) - h.ptlen >
		    WIRE_DGRAM_MAX)
			fatalx("crypto: datagram of a bad length");
		batch_sent(&h, (unsigned char *)imsg->data + sizeof(h),
		    IMSG_DATA_SIZE(imsg) - sizeof(h) - h.ptlen);
		break;
	case IMSG_BATCH_TOOBIG:
		batch_toobig(&h, (unsigned char *)imsg->data + sizeof(h),
		    IMSG_DATA_SIZE(imsg) - sizeof(h));
		break;
	default:
		fatalx("crypto: unexpected imsg %u", imsg->hdr.type);
	}
	return (0);
}

static int
capture_reconf(const struct imsg *imsg)
{
	return (config_recv(&rx, imsg, capture_merge));
}

static void
capture_shutdown(void)
{
	capture_finish(1);
}

/* for ncctl: the same counters as at exit, now */
static void
capture_stats(uint32_t peerid)
{
	struct pcap_stat	ps;

	if (conf.readfile[0] == '\0' && !finishing &&
	    pcaplib.stats(pcap, &ps) == 0)
		stats->pcap_drops = ps.ps_drop + ps.ps_ifdrop;
	if (dq != NULL)
		dq_gauges(dq);
	if (proc_compose(PROC_PARENT, IMSG_STATS, peerid, -1, statbuf,
	    AGENT_STATLEN) == -1)
		fatal("imsg_compose");
}

static void
capture_show_config(uint32_t peerid)
{
	config_send(PROC_PARENT, &conf, peerid);
}

/*
 * A configuration from the parent, at start as on reload: what a
 * reload may change while we run is the name batches carry, how long
 * they wait, their size with padding, how long connections live, how
 * much the queue may hold.  Start is a reload from nothing: the flush
 * timer is armed because its interval was 0.
 * Batches under way are not touched; the next ones follow the change.
 */
static void
capture_merge(const struct agent_conf *n)
{
	unsigned int	 flush_ms = conf.flush_ms;
	int		 reload;

	reload = config_take(&conf, n, &configured);
	budget = agent_budget(&conf) - 1;
	if (conf.flush_ms != flush_ms)
		evtimer_add_ms(&ev_flush, conf.flush_ms);
	/*
	 * A smaller queue: live, the oldest go now; a replay waits.  (At
	 * start there is none yet: capture_main() makes it of this size.)
	 */
	if (dq != NULL) {
		dq_limit(dq, conf.queue_size, conf.readfile[0] == '\0');
		queue_run(0);
	}
	flow_reconf(&conf);
	if (reload)
		log_info("configuration reloaded");
}

/* ncagentd's capture child: reads packets, sends datagrams */
static void
rules_capture(scmp_filter_ctx ctx)
{
	unsigned int	i;

	/* the capture file of -r */
	sandbox_allow(ctx, SCMP_SYS(read));
	/* pcap_stats() and pcap's look at a socket error after poll */
	sandbox_allow_if(ctx, SCMP_SYS(getsockopt), sandbox_eq(1, SOL_PACKET));
	sandbox_allow_if(ctx, SCMP_SYS(getsockopt), sandbox_eq(1, SOL_SOCKET));
	/*
	 * When the interface goes down, pcap finds which one it was bound
	 * to and reads its flags: up again, or gone?
	 */
	sandbox_allow(ctx, SCMP_SYS(getsockname));
	sandbox_allow_if(ctx, SCMP_SYS(ioctl), sandbox_eq(1, SIOCGIFFLAGS));
	/* send() to the collector is sendto() with no address: allowed */
	/* with acks, recv() on the socket to the collector, and no other */
	if (conf.acks)
		for (i = 0; i < conf.ncollectors; i++)
			sandbox_allow_if(ctx, SCMP_SYS(recvfrom), sandbox_eq(0,
			    (scmp_datum_t)udpfd[i]));
}

static int64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* the queue's way out: a send error is counted, the resend will come */
static int
queue_send(void *arg, const unsigned char *dgram, size_t len)
{
	ssize_t	n;

	/* from the first send not acknowledged, failed ones too */
	if (waiting_since == 0)
		waiting_since = mono_us();
	if ((n = send(udpfd[cur], dgram, len, 0)) == -1 || (size_t)n != len) {
		stats->send_errors++;
		log_warnx_rl(&rl_send, "send to collector %s port %s: %s "
		    "(sent again later)", conf.collectors[cur].host,
		    conf.collectors[cur].port, n == -1 ? strerror(errno) :
		    "short write");
		return (-1);
	}
	cstats[cur].sent++;
	return (0);
}

/* the crypto child may forget that session's ack key, and rekey */
static void
queue_session_done(void *arg, const unsigned char *nonce)
{
	if (proc_compose(PROC_CRYPTO, IMSG_SESSION_DONE, 0, -1, nonce,
	    WIRE_NONCELEN) == -1)
		fatal("imsg_compose");
}

/*
 * After anything that changes the queue: send what the windows let
 * through, set the resend timer, and in a replay read on only while
 * the queue has room for the batches at the crypto child.  With -w, a
 * replay gives up once datagrams waited that long without an ack
 * freeing any (progress: one just did).
 */
static void
queue_run(int progress)
{
	struct timeval	tv;
	int64_t		now = mono_us(), next;

	if (conf.replay_wait >= 0 && !gaveup) {
		if (dq_count(dq) == 0)
			evtimer_del(&ev_stall);
		else if (progress || !evtimer_pending(&ev_stall, NULL))
			evtimer_add_ms(&ev_stall,
			    (unsigned int)conf.replay_wait * 1000);
	}
	/* a failback waits for what is in flight: no more goes out */
	if (failback == 0)
		dq_pump(dq, now);
	else if (!dq_waiting(dq)) {
		collector_switch(failback - 1, 1);
		return;
	}
	if ((next = dq_next(dq, now)) == -1)
		evtimer_del(&ev_resend);
	else {
		tv.tv_sec = next / 1000000;
		tv.tv_usec = next % 1000000;
		evtimer_add(&ev_resend, &tv);
	}
	/* with several collectors: acks stopped for how long? */
	if (!dq_waiting(dq))
		waiting_since = 0;
	if (conf.ncollectors < 2 || waiting_since == 0)
		evtimer_del(&ev_failover);
	else {
		next = waiting_since + (int64_t)conf.failover_ms * 1000 - now;
		if (next < 0)
			next = 0;
		tv.tv_sec = next / 1000000;
		tv.tv_usec = next % 1000000;
		evtimer_add(&ev_failover, &tv);
	}
	if (conf.readfile[0] != '\0') {
		/*
		 * A datagram's plaintext is kept too, to seal it again.
		 * What waits for credit is sent no sooner for having been
		 * read sooner: a replay reads on only while little does.
		 */
		pause_queue = dq_full(dq, ninflight *
		    DQ_COST(conf.max_datagram * (conf.ncollectors > 1 ?
		    2 : 1)) + reseal_bytes) || dq_unsent(dq) >= REPLAY_AHEAD;
		capture_pause();
	}
	capture_done_check();
}

static void
queue_resend(int fd, short event, void *arg)
{
	dq_timeout(dq, mono_us());
	queue_run(0);
}

/* the wait for acks is over: what is left is counted and logged */
static void
queue_giveup(int fd, short event, void *arg)
{
	gaveup = 1;
	if (!finishing) {
		log_warnx("no ack in %d seconds: the rest of %s is not read",
		    conf.replay_wait, conf.readfile);
		capture_finish(0);
	} else
		capture_done_check();
}

/*
 * The socket is connected: only the collector's address reaches it.
 * Still, anything may come from there.
 */
static void
ack_read(int fd, short event, void *arg)
{
	unsigned char	buf[WIRE_ACK_MAX + 1];
	unsigned int	c = (unsigned int)(uintptr_t)arg;
	ssize_t		n;
	int		i;

	for (i = 0; i < ACKS_PER_READ; i++) {
		/* MSG_TRUNC: the length of a longer datagram, not ours */
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* an ICMP error of an earlier send: nobody there */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH || errno == EINTR)
				continue;
			log_warn("recv from collector %s port %s",
			    conf.collectors[c].host, conf.collectors[c].port);
			break;
		}
		ack_take(c, buf, n);
	}
}

/*
 * A session we know goes to the crypto child to be opened: one of the
 * collector sent to, or the probe of another.  Acks of a collector
 * left behind, of sessions given up, are only counted.
 */
static void
ack_take(unsigned int c, const unsigned char *buf, ssize_t n)
{
	const unsigned char	*nonce;

	if (n < 0 || (nonce = wire_ack_session(buf, (size_t)n)) == NULL) {
		stats->acks_refused++;
		log_warnx_rl(&rl_ack, "malformed ack of %zd bytes refused", n);
		return;
	}
	if (probe.state == PROBE_SENT && c == probe.coll &&
	    memcmp(nonce, probe.nonce, WIRE_NONCELEN) == 0)
		;
	else if (c != cur) {
		cstats[c].acks_stale++;
		return;
	} else if (!dq_known(dq, nonce)) {
		stats->acks_refused++;
		log_warnx_rl(&rl_ack, "ack of an unknown session refused");
		return;
	}
	if (nopening >= MAX_OPENING) {
		stats->acks_refused++;
		log_warnx_rl(&rl_ack, "ack refused: %d are being opened",
		    MAX_OPENING);
		return;
	}
	if (proc_compose(PROC_CRYPTO, IMSG_ACK, 0, -1, buf, (size_t)n) == -1)
		fatal("imsg_compose");
	nopening++;
}

static void
ack_opened(const struct ack_opened *ao)
{
	int	n;

	if (probe.state == PROBE_SENT && memcmp(ao->nonce, probe.nonce,
	    WIRE_NONCELEN) == 0) {
		if (stale_openings > 0)
			stale_openings--;
		probe_acked(ao);
		return;
	}
	/* asked of the crypto child before a switch made it forget */
	if (stale_openings > 0) {
		stale_openings--;
		return;
	}
	if (!ao->ok) {
		stats->acks_refused++;
		log_warnx_rl(&rl_ack, "ack refused: not authentic");
		return;
	}
	if (ao->ack.nbitmap > WIRE_ACK_BITMAP_MAX)
		fatalx("crypto: ack with %u bytes of bitmap", ao->ack.nbitmap);
	if ((n = dq_ack(dq, ao->nonce, &ao->ack, mono_us())) == -1) {
		stats->acks_refused++;
		log_warnx_rl(&rl_ack, "ack refused: it says a datagram never "
		    "sent is done");
		return;
	}
	stats->acks++;
	cstats[cur].acked += (uint64_t)n;
	/* it answers: the wait for acks starts again from now */
	if (waiting_since != 0)
		waiting_since = mono_us();
	queue_run(n > 0);
}

/*
 * Several collectors: a datagram's plaintext to be sealed for the
 * collector now, in the order they come, when the crypto child has
 * room for more; counted as resealed unless it is a probe's, which
 * was sealed for no collector the sensor sent to.  It names the
 * datagram it first went out in, session nonce and number seq, unless
 * it was sealed again before and names that one already: wherever it
 * is stored, it is stored under that name, and the collectors of one
 * stream can tell it was stored already (nccollectd.conf(5)).
 */
static void
reseal_add(uint32_t type, uint32_t nrec, int sent, const unsigned char *pt,
    size_t ptlen, const unsigned char *nonce, uint64_t seq, int count)
{
	struct reseal	*r;

	if (ptlen == 0 || type >= nrectypes)
		fatalx("%s: no plaintext to seal again", __func__);
	if ((r = malloc(sizeof(*r) + ptlen + WIRE_ORIGINLEN)) == NULL)
		fatal(NULL);
	r->type = type;
	r->nrec = nrec;
	r->sent = sent;
	if ((r->ptlen = wire_origin_put(r->pt, pt, ptlen, nonce, seq)) == 0)
		fatalx("%s: not a plaintext", __func__);
	TAILQ_INSERT_TAIL(&reseals, r, entry);
	reseal_bytes += DQ_COST(r->ptlen);
	if (count)
		stats->resealed++;
}

static void
reseal_drained(void *arg, uint32_t type, uint32_t nrec, int sent,
    const unsigned char *dgram, const unsigned char *pt, size_t ptlen)
{
	reseal_add(type, nrec, sent, pt, ptlen, dgram + WIRE_OFF_SNONCE,
	    wire_seq(dgram), 1);
}

static void
reseal_feed(void)
{
	struct reseal	*r;
	struct inflight	*f;
	struct iovec	 iov[2];

	while (!gaveup && !inflight_full() &&
	    (r = TAILQ_FIRST(&reseals)) != NULL) {
		if ((f = calloc(1, sizeof(*f))) == NULL)
			fatal(NULL);
		f->hdr.id = ++batch_id;
		f->hdr.type = r->type;
		f->hdr.nrec = r->nrec;
		f->hdr.flags = r->sent ? BATCH_RESENT : 0;
		f->reseal = 1;
		iov[0].iov_base = &f->hdr;
		iov[0].iov_len = sizeof(f->hdr);
		iov[1].iov_base = r->pt;
		iov[1].iov_len = r->ptlen;
		if (proc_composev(PROC_CRYPTO, IMSG_RESEAL, 0, -1, iov,
		    2) == -1)
			fatal("imsg_compose");
		inflight_add(f, r->ptlen);
		TAILQ_REMOVE(&reseals, r, entry);
		reseal_bytes -= DQ_COST(r->ptlen);
		free(r);
	}
	if (inflight_full()) {
		pause_crypto = 1;
		capture_pause();
	}
}

/*
 * To collector to, for lack of acks or, failback, because it answered
 * a probe: what the queue holds is sealed again for it and sent there.
 */
static void
collector_switch(unsigned int to, int back)
{
	struct collector_switch	 cs;
	const struct agent_collector *from = &conf.collectors[cur];
	size_t			 held = dq_count(dq);

	if (back) {
		stats->failbacks++;
		log_warnx_rl(&rl_switch, "collector %s port %s answers again: "
		    "back to it from %s port %s, %zu datagrams sealed again",
		    conf.collectors[to].host, conf.collectors[to].port,
		    from->host, from->port, held);
	} else {
		stats->failovers++;
		cstats[cur].failovers++;
		log_warnx_rl(&rl_switch, "collector %s port %s: no ack in %u "
		    "ms, failing over to %s port %s, %zu datagrams sealed "
		    "again", from->host, from->port, conf.failover_ms,
		    conf.collectors[to].host, conf.collectors[to].port, held);
	}
	failback = 0;
	evtimer_del(&ev_failback);
	epoch++;
	dq_drain(dq, reseal_drained, NULL);
	cur = to;
	stats->collector = to;
	waiting_since = 0;
	stale_openings = nopening;
	/* the first probe of a collector left now waits a while */
	probe_next = mono_us() + (int64_t)conf.failover_ms * 1000;
	cs.coll = to;
	cs.epoch = epoch;
	if (proc_compose(PROC_CRYPTO, IMSG_COLLECTOR, 0, -1, &cs,
	    sizeof(cs)) == -1)
		fatal("imsg_compose");
	reseal_feed();
	queue_run(0);
}

static void
failover_timer(int fd, short event, void *arg)
{
	if (waiting_since == 0 || conf.ncollectors < 2)
		return;
	if (mono_us() - waiting_since < (int64_t)conf.failover_ms * 1000) {
		queue_run(0);
		return;
	}
	/* silent while a failback waits for it: go back now */
	if (failback != 0)
		collector_switch(failback - 1, 1);
	else
		collector_switch((cur + 1) % conf.ncollectors, 0);
}

/* what was in flight to the collector left did not all get acked */
static void
failback_timer(int fd, short event, void *arg)
{
	if (failback != 0)
		collector_switch(failback - 1, 1);
}

/* the next batch probes a collector preferred to the current one */
static int
probe_due(void)
{
	return (dq != NULL && conf.ncollectors > 1 && cur > 0 &&
	    failback == 0 && probe.state == PROBE_NONE && !finishing &&
	    mono_us() >= probe_next);
}

/* a probe sealed: sent to its collector only, and an ack awaited */
static void
probe_sent(const struct batch_hdr *h, const unsigned char *dgram,
    size_t len, const unsigned char *pt)
{
	ssize_t	n;

	if (probe.state != PROBE_SEALING || h->coll >= conf.ncollectors ||
	    h->ptlen == 0)
		fatalx("crypto: a probe unasked");
	if ((probe.pt = malloc(h->ptlen)) == NULL)
		fatal(NULL);
	memcpy(probe.pt, pt, h->ptlen);
	probe.ptlen = h->ptlen;
	probe.coll = h->coll;
	probe.type = h->type;
	probe.nrec = h->nrec;
	memcpy(probe.nonce, dgram + WIRE_OFF_SNONCE, WIRE_NONCELEN);
	probe.seq = wire_seq(dgram);
	probe.state = PROBE_SENT;
	stats->probes++;
	/* counted as sent once it went out, as the queue counts */
	if ((n = send(udpfd[h->coll], dgram, len, 0)) == -1 ||
	    (size_t)n != len)
		stats->send_errors++;
	else {
		probe.sent = 1;
		cstats[h->coll].sent++;
		stats->datagrams++;
		stats->wire_bytes += len;
		tstats[h->type].sent += h->nrec;
		tstats[h->type].batches++;
		tstats[h->type].wire_bytes += len;
	}
	evtimer_add_ms(&ev_probe, conf.failover_ms);
}

static void
probe_clear(void)
{
	evtimer_del(&ev_probe);
	free(probe.pt);
	probe.pt = NULL;
	probe.sent = 0;
	probe.state = PROBE_NONE;
	probe_next = mono_us() + (int64_t)conf.failover_ms * 1000;
}

/* no answer: the batch goes to the current collector as any other */
static void
probe_timer(int fd, short event, void *arg)
{
	if (probe.state != PROBE_SENT)
		return;
	reseal_add(probe.type, probe.nrec, probe.sent, probe.pt, probe.ptlen,
	    probe.nonce, probe.seq, 0);
	probe_clear();
	reseal_feed();
	queue_run(0);
}

/* the probed collector has the batch: back to it if it is preferred */
static void
probe_acked(const struct ack_opened *ao)
{
	unsigned int	 c = probe.coll;

	if (!ao->ok || ao->ack.nbitmap > WIRE_ACK_BITMAP_MAX) {
		stats->acks_refused++;
		log_warnx_rl(&rl_ack, "ack of a probe refused: not authentic");
		return;
	}
	stats->acks++;
	/* refused for good or uncommitted: the timer decides */
	if (!wire_ack_done(&ao->ack, 1))
		return;
	stats->acked++;
	cstats[c].acked++;
	tstats[probe.type].acked += probe.nrec;
	probe_clear();
	/*
	 * Back to it once what is in flight to the current one is acked
	 * (that is not stored twice), or after a resend timeout: nothing
	 * new goes out meanwhile.
	 */
	if (c < cur && (failback == 0 || c < failback - 1)) {
		failback = c + 1;
		evtimer_add_ms(&ev_failback, (unsigned int)(dq_rto(dq) / 1000));
	}
	queue_run(1);
}
