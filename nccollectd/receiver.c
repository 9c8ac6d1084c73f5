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
 * nccollectd receiver child: chrooted to the spool, unprivileged, the
 * only process that parses what sensors send.  It reads datagrams,
 * has the crypto child open them, tracks sequence numbers,
 * decompresses with a hard limit, unpacks and checks every batch and
 * stores it.
 *
 * What is done (stored, or refused for good) is acknowledged: every
 * ACK_INTERVAL, if anything was done, the journal says so (after an
 * fdatasync with sync), then each session owed one gets an ack of all
 * it has done, sealed by the crypto child and sent from our socket.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "conf.h"
#include "nccollectd.h"
#include "privsep.h"
#include "proc.h"
#include "records.h"
#include "sandbox.h"
#include "util.h"

#define RESUME_INFLIGHT	64		/* of MAX_INFLIGHT */
#define READ_BURST	64		/* datagrams per read event */
#define RECV_BATCH	16		/* datagrams per recvmmsg */
/*
 * How long what is done waits for its ack.  A sensor may have 960
 * datagrams unacknowledged, half a second's worth at 2000 a second, so
 * 5 ms keeps it sending; at most 200 acks a second per session, each
 * covering all it has done, and with sync one fdatasync of what 5 ms
 * brought.
 */
#define ACK_INTERVAL	5		/* ms */
#define ACK_PROBE	1		/* credit while storing fails, or
					   once told to stop */

/*
 * A batch at the output: the datagram it came in, for the report; it
 * is in its window, but not done until the output says so.
 */
struct storing {
	TAILQ_ENTRY(storing)	 entry;
	struct dgram_hdr	 h;
	int			 encoding;	/* WIRE_ENC_* */
};

static int	 receiver_reconf(const struct imsg *);
static void	 receiver_show_config(uint32_t);
static int	 receiver_imsg_parent(struct imsg *);
static int	 receiver_imsg_crypto(int, struct imsg *);
static void	 receiver_merge(struct collector_conf *);
static void	 rules_receiver(scmp_filter_ctx);
static void	 receiver_read(int, short, void *);
static void	 receiver_pause(int);
static void	 receiver_finish(void);
static void	 receiver_done_check(void);
static void	 receiver_ended(void);
static void	 receive_msg(struct msghdr *, unsigned int,
		    const unsigned char *);
static void	 receive_one(struct dgram_hdr *, const unsigned char *,
		    size_t);
static void	 receive_plain(const struct dgram_hdr *, const unsigned char *,
		    size_t);
static void	 batch_stored(const struct output_batch *, int, void *);
static void	 batch_count(const struct output_batch *);
static void	 sensor_drop(struct sensor *, enum drop_cause,
		    const struct dgram_hdr *, const char *);
static void	 send_stats(uint32_t);
static void	 send_sensor_info(uint32_t);
static void	 drop(enum drop_cause, const struct dgram_hdr *, const char *);
static void	 slot_owe(struct sensor *, struct slot *, int);
static void	 slot_done(const struct slot *, struct slot *);
static void	 tick_arm(void);
static void	 receiver_tick(int, short, void *);
static void	 ack_flush(void);
static void	 ack_ask(struct slot *);
static void	 ack_sealed(struct imsg *);
static void	 journal_slot(struct journal *, const struct slot *);
static void	 snapshot_sessions(struct journal *, void *);
static void	 restore_session(void *, const struct jsession *);
static void	 journal_start(void);
static void	 rotate_ask(uint32_t);
static void	 rotate_answer(int);

/* the parent's messages, in proc_child_imsg() */
static const struct proc_child	 hooks = {
	receiver_reconf, receiver_finish, send_stats, receiver_show_config,
	receiver_imsg_parent
};
static struct collector_conf	 conf;
static struct config_rx		 rx;
static int			 configured;
static int			 sock = -1, have_sock;
static struct event		 ev_sock;
static int			 paused, draining, finishing;
static unsigned int		 ninflight;
static unsigned int		 nstoring;	/* batches at the output */
static int			 in_store;	/* in output_store() or
						   output_flush() */
static struct collector_stats	 stats;
static struct trust		 trust = TRUST_INITIALIZER(trust);
static struct ctype_stats	*tstats;	/* per record type */
static struct newkeys		 newkeys;
static struct unpacker		*unpacker;
static unsigned char		*dgbuf;		/* RECV_BATCH datagrams */
static struct log_ratelimit	 rl_drop[DROP_NCAUSES], rl_renamed, rl_ack;
static TAILQ_HEAD(, storing)	 storing = TAILQ_HEAD_INITIALIZER(storing);
static struct journal		 journal;
static struct event		 ev_tick;
static int			 tick_armed, flushed;
static int64_t			 tick_ms = ACK_INTERVAL;
static unsigned int		 nacking;	/* acks at the crypto child */
static int			 failing;	/* the output fails: probe */
static int			 committed;	/* the last flush wrote it all */
/* ncctl rotate: the connections told once the files are closed */
#define ROTATE_WAITING	16
static uint32_t			 rotating[ROTATE_WAITING];
static unsigned int		 nrotating;

/*
 * What the receiver opens itself: its UDP socket, then what the
 * journal and the output hold, which they count (receiver_main()).
 */
#define RECEIVER_FDS	1
struct sandbox			 receiver_sandbox = { rules_receiver, 0, 0, 0 };

void
receiver_main(void)
{
	struct priv_user	 user;

	if (sodium_init() == -1)
		fatalx("sodium_init");
	if ((tstats = calloc(nrectypes, sizeof(*tstats))) == NULL)
		fatal(NULL);
	newkey_init(&newkeys);
	/*
	 * The loop exists before the first configuration, which a merge
	 * takes as it takes a reload, and before the sandbox, which need
	 * not let it be made.
	 */
	event_init();
	proc_child_hooks(&hooks);
	proc_wait(PROC_PARENT, proc_child_imsg, &configured);
	/* input jetstream: no datagrams, the publisher's messages */
	if (conf.input == INPUT_SENSORS)
		proc_wait(PROC_PARENT, proc_child_imsg, &have_sock);

	/* pages a datagram never reached stay unused */
	if ((dgbuf = malloc(RECV_BATCH * (WIRE_DGRAM_MAX + 1))) == NULL ||
	    (unpacker = unpacker_new()) == NULL)
		fatal(NULL);

	priv_lookup(&user, conf.user);
	/* spool directories 0750, files 0640, whatever we inherited */
	umask(027);
	/* the spool is all this process may ever see */
	priv_drop(&user, conf.spool);
	/* the sandbox reads no file: the journal comes first */
	journal_start();
	receiver_sandbox.fds = RECEIVER_FDS + JOURNAL_FDS + output_fds();
	proc_sandbox();

	evtimer_set(&ev_tick, receiver_tick, NULL);
	output_init(&conf, &stats, &journal, tick_arm);
	proc_listen(PROC_PARENT, proc_child_imsg, NULL);
	proc_listen(PROC_CRYPTO, receiver_imsg_crypto, NULL);
	if (conf.input == INPUT_JETSTREAM)
		consume_init(&conf, &stats, tick_arm, batch_count,
		    receiver_ended);
	else {
		event_set(&ev_sock, sock, EV_READ | EV_PERSIST, receiver_read,
		    NULL);
		event_add(&ev_sock, NULL);
	}
	proc_child_ready();
	event_dispatch();
	fatalx("event loop ended");
}

static void
drop(enum drop_cause cause, const struct dgram_hdr *h, const char *what)
{
	char	from[64];

	stats.drops[cause]++;
	log_warnx_rl(&rl_drop[cause], "dropped datagram from %s: %s",
	    h ? sa_fmt((const struct sockaddr *)&h->from, from, sizeof(from)) :
	    "?", what);
}

/*
 * Up to READ_BURST datagrams, RECV_BATCH to a system call, and never
 * more than the crypto child may be given: once paused, none is read
 * that would wait.
 */
static void
receiver_read(int fd, short event, void *arg)
{
	static struct sockaddr_storage	 from[RECV_BATCH];
	static struct mmsghdr		 mm[RECV_BATCH];
	static struct iovec		 iov[RECV_BATCH];
	static union {
		struct cmsghdr		 hdr;
		unsigned char		 buf[CMSG_SPACE(sizeof(uint32_t))];
	}				 cmsgbuf[RECV_BATCH];
	static int			 ready;
	struct msghdr			*msg;
	unsigned int			 want, k;
	int				 i, n;

	if (!ready) {
		for (k = 0; k < RECV_BATCH; k++) {
			iov[k].iov_base = dgbuf + k * (WIRE_DGRAM_MAX + 1);
			iov[k].iov_len = WIRE_DGRAM_MAX + 1;
			msg = &mm[k].msg_hdr;
			msg->msg_name = &from[k];
			msg->msg_iov = &iov[k];
			msg->msg_iovlen = 1;
			msg->msg_control = cmsgbuf[k].buf;
		}
		ready = 1;
	}
	for (i = 0; i < READ_BURST && !paused; i += n) {
		want = READ_BURST - i;
		if (want > RECV_BATCH)
			want = RECV_BATCH;
		if (want > MAX_INFLIGHT - ninflight)
			want = MAX_INFLIGHT - ninflight;
		if (want == 0)
			return;
		/* what the kernel wrote over last time */
		for (k = 0; k < want; k++) {
			mm[k].msg_hdr.msg_namelen = sizeof(from[k]);
			mm[k].msg_hdr.msg_controllen = sizeof(cmsgbuf[k].buf);
		}
		if ((n = recvmmsg(sock, mm, want, MSG_DONTWAIT, NULL)) == -1) {
			if (errno == EINTR) {
				n = 1;
				continue;
			}
			if (errno != EAGAIN)
				log_warn("recvmmsg");
			else if (draining) {
				/* the socket is empty: store, then report */
				finishing = 1;
				event_del(&ev_sock);
				receiver_done_check();
			}
			return;
		}
		for (k = 0; k < (unsigned int)n; k++)
			receive_msg(&mm[k].msg_hdr, mm[k].msg_len,
			    iov[k].iov_base);
		/*
		 * Fewer than asked for: the socket is empty now.  Draining,
		 * the next call sees it so (or sees what came since).
		 */
		if ((unsigned int)n < want && !draining)
			return;
	}
	/*
	 * Draining, a full burst may have emptied the socket without
	 * seeing it empty, and an empty socket raises no event: look
	 * again once the loop has run.
	 */
	if (draining && !paused && !finishing)
		event_active(&ev_sock, EV_READ, 1);
}

/* one datagram read: counted, and taken further if it may be ours */
static void
receive_msg(struct msghdr *msg, unsigned int n, const unsigned char *dg)
{
	struct dgram_hdr h;
	struct cmsghdr	*cm;
	uint32_t	 ovfl;

	memset(&h, 0, sizeof(h));
	if (msg->msg_namelen <= sizeof(h.from))
		memcpy(&h.from, msg->msg_name, msg->msg_namelen);
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SO_RXQ_OVFL &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(ovfl))) {
			memcpy(&ovfl, CMSG_DATA(cm), sizeof(ovfl));
			stats.kernel_drops = ovfl;
		}
	}
	h.fromlen = msg->msg_namelen;
	h.len = n;
	stats.datagrams++;
	stats.bytes += n;
	if (n < WIRE_MIN) {
		drop(DROP_SHORT, &h, "shorter than the header");
		return;
	}
	if ((msg->msg_flags & MSG_TRUNC) || n > WIRE_DGRAM_MAX) {
		drop(DROP_LONG, &h, "larger than any datagram");
		return;
	}
	receive_one(&h, dg, n);
}

/*
 * What the header alone tells, before any cryptography: the version,
 * whether the key may write here, and for a known session whether the
 * sequence number is new.  The rest goes to the crypto child.
 */
static void
receive_one(struct dgram_hdr *h, const unsigned char *dg, size_t n)
{
	struct iovec	 iov[2];
	struct sensor	*s;
	struct slot	*sl;
	int		 why;

	if (dg[0] != WIRE_VERSION) {
		drop(DROP_VERSION, h, "not wire format version 2");
		return;
	}
	memcpy(h->sess, dg, sizeof(h->sess));
	h->seq = wire_seq(dg);
	if ((s = trust_find(&trust, wire_id(dg))) == NULL) {
		if (trust.trusted) {
			drop(DROP_UNTRUSTED, h, "sensor key not listed");
			return;
		}
		/* a new key will cost the crypto child a Curve25519 */
		if (!newkey_allowed(&newkeys, &h->from, wire_id(dg),
		    mono_ms())) {
			drop(DROP_RATE, h, "too many new sensor keys");
			return;
		}
		h->pending = 1;
	} else if ((sl = slot_find(&s->sess, h->sess)) != NULL &&
	    (why = window_check(sl, h->seq)) != -1 &&
	    sl->fromlen == h->fromlen &&
	    memcmp(&sl->from, &h->from, h->fromlen) == 0) {
		/*
		 * Done before, and its ack lost: acked again.  From
		 * another address it is opened first, so that no one but
		 * the sensor can point a session's acks elsewhere.
		 */
		slot_owe(s, sl, SLOT_ACK);
		sensor_drop(s, (enum drop_cause)why, h, why == DROP_OLD ?
		    "sequence number behind the window" :
		    "sequence number seen before");
		return;
	}
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(*h);
	iov[1].iov_base = (void *)(uintptr_t)dg;
	iov[1].iov_len = n;
	if (proc_composev(PROC_CRYPTO, IMSG_OPEN, 0, -1, iov, 2) == -1)
		fatal("imsg_compose");
	if (++ninflight >= MAX_INFLIGHT)
		receiver_pause(1);
}

static void
receiver_pause(int pause)
{
	if (pause == paused || finishing)
		return;
	paused = pause;
	if (pause)
		event_del(&ev_sock);
	else {
		event_add(&ev_sock, NULL);
		/* an empty socket raises no event: look now */
		if (draining)
			receiver_read(sock, EV_READ, NULL);
	}
}

/* a datagram of a known key dropped: counted for it too */
static void
sensor_drop(struct sensor *s, enum drop_cause cause,
    const struct dgram_hdr *h, const char *what)
{
	s->info.rejects++;
	if (cause == DROP_REPEAT || cause == DROP_OLD)
		s->info.repeats++;
	drop(cause, h, what);
}

/*
 * An authenticated plaintext: its session and sequence number are
 * recorded, then it is decompressed, unpacked, checked and stored.
 */
static void
receive_plain(const struct dgram_hdr *h, const unsigned char *pt,
    size_t len)
{
	struct checked_batch	 cb;
	struct output_batch	 ob;
	struct storing		*st;
	struct sensor		*s;
	struct slot		*sl;
	enum drop_cause		 why;
	const char		*what, *name;
	char			 from[64], hex[2 * 8 + 1];
	char			 ehex[2 * WIRE_PKLEN + 1];
	int64_t			 gaps;
	int			 w;

	if ((s = trust_find(&trust, wire_id(h->sess))) == NULL) {
		/* unlisted by a reload while the datagram was being opened */
		if (trust.trusted) {
			drop(DROP_UNTRUSTED, h, "sensor key not listed");
			return;
		}
		s = trust_learn(&trust, wire_id(h->sess), &stats.keys_evicted);
	} else
		trust_touch(&trust, s);
	if ((sl = slot_find(&s->sess, h->sess)) == NULL) {
		if ((sl = slot_start(&s->sess, h->sess, h->created)) == NULL) {
			sensor_drop(s, DROP_STALE, h, "session older than the "
			    "sensor's last two");
			return;
		}
		stats.sessions++;
		s->info.sessions++;
		if (sl == &s->sess.slot[0]) {
			memcpy(s->info.session, sl->sess + WIRE_OFF_SNONCE,
			    sizeof(s->info.session));
			s->info.session_start = h->created;
		}
		sodium_bin2hex(hex, sizeof(hex), h->sess + WIRE_OFF_SNONCE, 8);
		log_debug("session %s... of %s from %s: created %llu, "
		    "session key %s", hex, s->listed ? s->name : "open sensor",
		    sa_fmt((const struct sockaddr *)&h->from, from,
		    sizeof(from)), (unsigned long long)h->created,
		    sodium_bin2hex(ehex, sizeof(ehex), h->epk, WIRE_PKLEN));
	}
	/* authentic: the session's acks go where it is now */
	sl->from = h->from;
	sl->fromlen = h->fromlen;
	if ((w = window_commit(sl, h->seq, &gaps)) != -1) {
		slot_owe(s, sl, SLOT_ACK);
		sensor_drop(s, (enum drop_cause)w, h, w == DROP_OLD ?
		    "sequence number behind the window" :
		    "sequence number seen before");
		return;
	}
	/* a late datagram takes one back: unsigned arithmetic wraps */
	stats.gaps += (uint64_t)gaps;
	s->info.gaps += (uint64_t)gaps;
	if (batch_unpack(pt, len, unpacker, &cb, &why, &what) == -1) {
		/* sent again, it would be refused again: done */
		sl->ndone++;
		slot_owe(s, sl, SLOT_ACK | SLOT_JOURNAL);
		sensor_drop(s, why, h, what);
		return;
	}
	/* a listed key writes under its name, whatever the batch says */
	name = cb.sensor;
	if (s->listed && strcmp(s->name, cb.sensor) != 0) {
		name = s->name;
		stats.renamed++;
		log_warnx_rl(&rl_renamed, "sensor %s sent a batch as \"%s\": "
		    "stored as %s", s->name, cb.sensor, s->name);
	}
	ob.sensor = name;
	ob.type = cb.type;
	ob.recs = cb.recs;
	ob.len = cb.len;
	ob.nrec = cb.nrec;
	ob.sess = h->sess;
	ob.seq = h->seq;
	ob.created = h->created;
	if (cb.origin != NULL) {
		ob.onnonce = cb.origin;
		ob.oseq = be64_get(cb.origin + WIRE_NONCELEN);
	} else {
		ob.onnonce = h->sess + WIRE_OFF_SNONCE;
		ob.oseq = h->seq;
	}
	if ((st = malloc(sizeof(*st))) == NULL)
		fatal(NULL);
	st->h = *h;
	st->encoding = cb.encoding;
	TAILQ_INSERT_TAIL(&storing, st, entry);
	nstoring++;
	in_store = 1;
	output_store(&ob, batch_stored, st);
	in_store = 0;
	batch_unpack_free(&cb);
}

/*
 * The output's report on a batch: what was stored is counted, for the
 * sensor too, and done; what was not is a datagram dropped, and taken
 * out of its window, to be stored when it comes again.
 */
static void
batch_stored(const struct output_batch *ob, int stored, void *cookie)
{
	struct storing	*st = cookie;
	struct sensor	*s;
	struct slot	*sl = NULL;
	char		 from[64];
	int64_t		 gaps;

	TAILQ_REMOVE(&storing, st, entry);
	/* the key, or its session, may have gone if the report came later */
	if ((s = trust_find(&trust, wire_id(st->h.sess))) != NULL)
		sl = slot_find(&s->sess, st->h.sess);
	if (!stored) {
		failing = 1;
		if (sl != NULL && window_uncommit(sl, st->h.seq, &gaps) == 0) {
			stats.gaps += (uint64_t)gaps;
			s->info.gaps += (uint64_t)gaps;
		}
		if (s != NULL)
			sensor_drop(s, DROP_WRITE, &st->h, "could not store");
		else
			drop(DROP_WRITE, &st->h, "could not store");
		goto done;
	}
	failing = 0;
	if (sl != NULL) {
		sl->ndone++;
		slot_owe(s, sl, SLOT_ACK | SLOT_JOURNAL);
	}
	stats.encoded[st->encoding]++;
	batch_count(ob);
	if (s != NULL) {
		s->info.records += ob->nrec;
		s->info.batches++;
		s->info.from = st->h.from;
		s->info.last_seen = (uint64_t)now_ns();
		strlcpy(s->info.name, ob->sensor, sizeof(s->info.name));
	}
	/* the address is formatted only for a log that shows it */
	if (log_getverbose() > 0)
		log_debug("batch %u bytes from %s sensor %s type %s records "
		    "%u", st->h.len, sa_fmt((const struct sockaddr *)
		    &st->h.from, from, sizeof(from)), ob->sensor,
		    rectypes[ob->type]->name, ob->nrec);
 done:
	free(st);
	nstoring--;
	/* a report later than output_store() may be the last one awaited */
	if (!in_store)
		receiver_done_check();
}

/* a batch stored, from a sensor or a stream: the totals and its type's */
static void
batch_count(const struct output_batch *ob)
{
	stats.batches++;
	stats.records += ob->nrec;
	tstats[ob->type].records += ob->nrec;
	tstats[ob->type].batches++;
	tstats[ob->type].bytes += ob->len;
}

static int
receiver_imsg_crypto(int from, struct imsg *imsg)
{
	struct dgram_hdr	h;
	struct sensor		*s;
	size_t			len;

	if (imsg->hdr.type == IMSG_ACK_SEALED ||
	    imsg->hdr.type == IMSG_ACK_REFUSED) {
		ack_sealed(imsg);
		receiver_done_check();
		return (0);
	}
	if (IMSG_DATA_SIZE(imsg) < sizeof(h))
		fatalx("crypto: short imsg %u", imsg->hdr.type);
	memcpy(&h, imsg->data, sizeof(h));
	len = IMSG_DATA_SIZE(imsg) - sizeof(h);
	if (ninflight == 0)
		fatalx("crypto: answer to nothing");
	ninflight--;
	if (h.pending)
		newkey_answered(&newkeys, wire_id(h.sess));
	switch (imsg->hdr.type) {
	case IMSG_OPENED:
		if (len > WIRE_DGRAM_MAX)
			fatalx("crypto: plaintext too large");
		receive_plain(&h, (unsigned char *)imsg->data + sizeof(h), len);
		break;
	case IMSG_REJECTED:
		imsg_expect(imsg, sizeof(h), "IMSG_REJECTED");
		if ((s = trust_find(&trust, wire_id(h.sess))) != NULL)
			sensor_drop(s, DROP_AUTH, &h, "failed authentication");
		else
			drop(DROP_AUTH, &h, "failed authentication");
		break;
	default:
		fatalx("crypto: unexpected imsg %u", imsg->hdr.type);
	}
	if (ninflight <= RESUME_INFLIGHT)
		receiver_pause(0);
	receiver_done_check();
	return (0);
}

/*
 * Read what the socket still holds (datagrams the kernel accepted are
 * ours to store), then store the rest and report.
 */
static void
receiver_finish(void)
{
	if (draining)
		return;
	draining = 1;
	/*
	 * input jetstream: the publisher fetches no more, and once what
	 * it fetched is stored, receiver_ended()
	 */
	if (sock == -1) {
		consume_stop();
		return;
	}
	if (!paused)
		receiver_read(sock, EV_READ, NULL);
}

/*
 * Once all that was read is stored: the journal and the acks of it,
 * and once the acks are sent, the end.
 */
static void
receiver_done_check(void)
{
	if (!finishing || ninflight > 0 || nstoring > 0)
		return;
	if (!flushed) {
		flushed = 1;
		if (tick_armed)
			evtimer_del(&ev_tick);
		tick_armed = 0;
		ack_flush();
	}
	if (nacking > 0)
		return;
	output_close(committed);
	send_stats(0);
	if (sock == -1)
		consume_close();
	proc_child_done();
}

/* input jetstream: the publisher sent all it fetched */
static void
receiver_ended(void)
{
	finishing = 1;
	receiver_done_check();
}

/* the totals and, after them, the counts per type */
static void
send_stats(uint32_t peerid)
{
	struct iovec	iov[2];

	iov[0].iov_base = &stats;
	iov[0].iov_len = sizeof(stats);
	iov[1].iov_base = tstats;
	iov[1].iov_len = nrectypes * sizeof(*tstats);
	if (proc_composev(PROC_PARENT, IMSG_STATS, peerid, -1, iov, 2) == -1)
		fatal("imsg_compose");
}

static void
send_sensor_info(uint32_t peerid)
{
	struct sensor_info	*buf;
	struct sensor		*s;
	size_t			 n = 0;

	if ((buf = calloc(SENSOR_INFO_PER_IMSG, sizeof(*buf))) == NULL)
		fatal(NULL);
	RB_FOREACH(s, sensor_tree, &trust.sensors) {
		trust_info(s, &buf[n]);
		if (++n == SENSOR_INFO_PER_IMSG) {
			if (proc_compose(PROC_PARENT, IMSG_SENSOR_INFO,
			    peerid, -1, buf, n * sizeof(*buf)) == -1)
				fatal("imsg_compose");
			n = 0;
		}
	}
	if ((n > 0 && proc_compose(PROC_PARENT, IMSG_SENSOR_INFO, peerid, -1,
	    buf, n * sizeof(*buf)) == -1) ||
	    proc_compose(PROC_PARENT, IMSG_SENSOR_INFO_END, peerid, -1, NULL,
	    0) == -1)
		fatal("imsg_compose");
	free(buf);
}

static int
receiver_reconf(const struct imsg *imsg)
{
	return (config_recv(&rx, imsg, receiver_merge));
}

static void
receiver_show_config(uint32_t peerid)
{
	config_send(PROC_PARENT, &conf, peerid);
}

/* the parent's messages that are the receiver's alone: 0 for another */
static int
receiver_imsg_parent(struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_SOCKET:
		if (have_sock || imsg->fd == -1)
			fatalx("IMSG_SOCKET: out of turn or without a socket");
		imsg_expect(imsg, 0, "IMSG_SOCKET");
		sock = imsg->fd;
		imsg->fd = -1;
		have_sock = 1;
		break;
	case IMSG_CTL_SHOW_SENSORS:
		imsg_expect(imsg, 0, "IMSG_CTL_SHOW_SENSORS");
		send_sensor_info(imsg->hdr.peerid);
		break;
	case IMSG_CTL_ROTATE:
		imsg_expect(imsg, 0, "IMSG_CTL_ROTATE");
		rotate_ask(imsg->hdr.peerid);
		break;
	default:
		return (0);
	}
	return (1);
}

/*
 * A configuration from the parent, at start and on reload: all a
 * running receiver takes from it is the list of trusted sensors,
 * whether to sync before acking, and the output's rotate and keep.
 */
static void
receiver_merge(struct collector_conf *n)
{
	int	reload;

	reload = config_take(&conf, n, &configured);
	trust_load(&trust, conf.sensors, conf.nsensors, &stats.keys_evicted);
	journal.sync = conf.sync;
	if (reload) {
		output_reconf(&conf);
		log_info("sensor list reloaded: %u sensors%s", conf.nsensors,
		    conf.nsensors ? "" : ", open to any key");
	}
}

/*
 * nccollectd's receiver child: its root is the spool.  Its own calls,
 * then the journal's and the output's, each stated in its own file.
 */
static void
rules_receiver(scmp_filter_ctx ctx)
{
	/*
	 * acks, to the address a session's datagrams came from: any
	 * address, but only on the socket they came in on, whose number
	 * is known now
	 */
	if (sock != -1) {
		sandbox_allow_if(ctx, SCMP_SYS(sendto), sandbox_eq(0,
		    (scmp_datum_t)sock));
		/* its datagrams, on that socket too */
		sandbox_allow_if(ctx, SCMP_SYS(recvmmsg), sandbox_eq(0,
		    (scmp_datum_t)sock));
	}
	journal_rules(ctx);
	output_rules(ctx);
}

/* a session owes an ack, or its window a journal entry: at the tick */
static void
slot_owe(struct sensor *s, struct slot *sl, int flags)
{
	sl->flags |= flags;
	trust_dirty(&trust, s);
	tick_arm();
}

/*
 * The slot as done: without what is on its way to the output, which
 * is in the window but may yet fail.  (The spool reports before
 * output_store() returns: then nothing is.)
 */
static void
slot_done(const struct slot *sl, struct slot *d)
{
	struct storing	*st;
	int64_t		 g;

	*d = *sl;
	TAILQ_FOREACH(st, &storing, entry)
		if (memcmp(st->h.sess, sl->sess, WIRE_SESSLEN) == 0)
			window_uncommit(d, st->h.seq, &g);
}

/*
 * One tick for everything done meanwhile.  With sync, a tick that took
 * longer than ACK_INTERVAL spaces the next one as far: the syncs then
 * take half the time at most, and each covers more.
 */
static void
tick_arm(void)
{
	if (tick_armed || flushed)
		return;
	tick_armed = 1;
	evtimer_add_ms(&ev_tick, (unsigned int)tick_ms);
}

static void
receiver_tick(int fd, short event, void *arg)
{
	tick_armed = 0;
	ack_flush();
	/* the flush may have reported the last batch awaited */
	receiver_done_check();
}

/*
 * What is done, on disk (with sync), then in the journal, then told:
 * an ack to every session that is owed one.  If the journal cannot be
 * written (a full disk), nothing is told: the windows say more than
 * the journal would restore.  The next tick tries again.
 */
static void
ack_flush(void)
{
	struct sensor	*s;
	struct slot	*sl;
	int64_t		 t0 = mono_ms();
	int		 i, r = -1;

	/*
	 * what the output holds back is stored first, and in this entry;
	 * its reports wait for receiver_done_check() as output_store()'s
	 * do
	 */
	in_store = 1;
	output_flush();
	in_store = 0;
	journal.sync = conf.sync;
	if (conf.sync)
		output_sync();
	if (journal_full(&journal))
		r = journal_snapshot(&journal, snapshot_sessions, NULL);
	if (r == -1 && journal.fd != -1) {
		journal_begin(&journal);
		TAILQ_FOREACH(s, &trust.dirty, dirty)
			for (i = 0; i < 2; i++) {
				sl = &s->sess.slot[i];
				if (sl->used && (sl->flags & SLOT_JOURNAL))
					journal_slot(&journal, sl);
			}
		consume_journal(&journal, 0);
		r = journal_commit(&journal);
	}
	tick_ms = conf.sync && mono_ms() - t0 > ACK_INTERVAL ?
	    mono_ms() - t0 : ACK_INTERVAL;
	committed = r == 0;
	if (r == -1) {
		failing = 1;
		rotate_answer(-1);
		tick_arm();
		return;
	}
	rotate_answer((int)output_committed());
	consume_committed();
	while ((s = TAILQ_FIRST(&trust.dirty)) != NULL) {
		for (i = 0; i < 2; i++) {
			sl = &s->sess.slot[i];
			if (sl->used && (sl->flags & SLOT_ACK))
				ack_ask(sl);
			sl->flags = 0;
		}
		TAILQ_REMOVE(&trust.dirty, s, dirty);
		s->isdirty = 0;
	}
}

/*
 * A session's ack, for the crypto child to seal: all it has done, and
 * while storing fails a credit that lets its sensor send one datagram
 * at a time, a probe.  Draining too: the socket must be empty for the
 * receiver to finish, and sensors given the full credit keep it from
 * ever being so whenever they send faster than it stores.  A session
 * restored from the journal that has not sent since has no address yet.
 */
static void
ack_ask(struct slot *sl)
{
	struct ack_req	 req;
	struct slot	 d;

	if (sl->fromlen == 0)
		return;
	memset(&req, 0, sizeof(req));
	slot_done(sl, &d);
	window_ack(&d, &req.ack, failing || draining ? ACK_PROBE :
	    WIRE_ACK_WINDOW);
	memcpy(req.sess, sl->sess, sizeof(req.sess));
	req.to = sl->from;
	req.tolen = sl->fromlen;
	req.newly = sl->ndone;
	sl->ndone = 0;
	if (proc_compose(PROC_CRYPTO, IMSG_ACK, 0, -1, &req,
	    sizeof(req)) == -1)
		fatal("imsg_compose");
	nacking++;
}

/* the crypto child's answer: the sealed ack goes out, or not at all */
static void
ack_sealed(struct imsg *imsg)
{
	struct ack_req	 req;
	struct sensor	*s;
	struct slot	*sl;
	size_t		 len;
	char		 to[64];

	if (IMSG_DATA_SIZE(imsg) < sizeof(req))
		fatalx("crypto: short imsg %u", imsg->hdr.type);
	memcpy(&req, imsg->data, sizeof(req));
	len = IMSG_DATA_SIZE(imsg) - sizeof(req);
	if (nacking == 0)
		fatalx("crypto: an ack asked for by no one");
	nacking--;
	if (req.tolen == 0 || req.tolen > sizeof(req.to))
		fatalx("crypto: ack to an address of %u bytes", req.tolen);
	if (imsg->hdr.type == IMSG_ACK_REFUSED) {
		imsg_expect(imsg, sizeof(req), "IMSG_ACK_REFUSED");
		log_warnx_rl(&rl_ack, "ack to %s: no key for its session",
		    sa_fmt((struct sockaddr *)&req.to, to, sizeof(to)));
		return;
	}
	if (len < WIRE_ACK_MIN || len > WIRE_ACK_MAX)
		fatalx("IMSG_ACK_SEALED: an ack of %zu bytes", len);
	if (sendto(sock, (unsigned char *)imsg->data + sizeof(req), len,
	    MSG_DONTWAIT, (struct sockaddr *)&req.to, req.tolen) == -1) {
		stats.ack_errors++;
		log_warnx_rl(&rl_ack, "ack to %s: %s", sa_fmt((struct
		    sockaddr *)&req.to, to, sizeof(to)), strerror(errno));
		/* the next tick tries again, for the same datagrams */
		if ((s = trust_find(&trust, wire_id(req.sess))) != NULL &&
		    (sl = slot_find(&s->sess, req.sess)) != NULL) {
			sl->ndone += req.newly;
			slot_owe(s, sl, SLOT_ACK);
		}
		return;
	}
	stats.acks++;
	stats.acked += req.newly;
}

/*
 * ncctl rotate: the files are closed at the next commit, and the
 * connection told then.
 */
static void
rotate_ask(uint32_t peerid)
{
	int	 n;

	if (nrotating == ROTATE_WAITING) {
		n = -2;
		if (proc_compose(PROC_PARENT, IMSG_ROTATED, peerid, -1, &n,
		    sizeof(n)) == -1)
			fatal("imsg_compose");
		return;
	}
	rotating[nrotating++] = peerid;
	output_rotate();
	tick_arm();
}

static void
rotate_answer(int n)
{
	unsigned int	 i;

	for (i = 0; i < nrotating; i++)
		if (proc_compose(PROC_PARENT, IMSG_ROTATED, rotating[i], -1,
		    &n, sizeof(n)) == -1)
			fatal("imsg_compose");
	nrotating = 0;
}

/* a session's window as the journal keeps it: what is done */
static void
journal_slot(struct journal *j, const struct slot *sl)
{
	struct jsession	 js;
	struct slot	 d;

	slot_done(sl, &d);
	memcpy(js.sess, sl->sess, sizeof(js.sess));
	js.created = sl->created;
	window_get(&d, &js.top, js.bits);
	journal_add_session(j, &js);
}

/* a snapshot of the journal: every session of every key */
static void
snapshot_sessions(struct journal *j, void *arg)
{
	struct sensor	*s;
	int		 i;

	RB_FOREACH(s, sensor_tree, &trust.sensors)
		for (i = 0; i < 2; i++)
			if (s->sess.slot[i].used)
				journal_slot(j, &s->sess.slot[i]);
	consume_journal(j, 1);
}

/*
 * A session from the journal takes its window again, under a key still
 * listed or, open, learnt again, unless two newer ones came since.
 */
static void
restore_session(void *arg, const struct jsession *js)
{
	struct sensor	*s;
	struct slot	*sl;

	if ((s = trust_find(&trust, wire_id(js->sess))) == NULL) {
		if (trust.trusted)
			return;
		s = trust_learn(&trust, wire_id(js->sess),
		    &stats.keys_evicted);
	}
	if ((sl = slot_find(&s->sess, js->sess)) == NULL &&
	    (sl = slot_start(&s->sess, js->sess, js->created)) == NULL)
		return;
	window_set(sl, js->top, js->bits);
	if (sl == &s->sess.slot[0]) {
		memcpy(s->info.session, sl->sess + WIRE_OFF_SNONCE,
		    sizeof(s->info.session));
		s->info.session_start = sl->created;
	}
}

/*
 * At start, in the spool and before the sandbox: the sessions' windows
 * as the journal has them, the spool files cut back to what it
 * committed, and a new journal of that.  Without one no ack goes out
 * until a tick manages to write it.
 */
static void
journal_start(void)
{
	const struct journal_cb	 cb = { restore_session, NULL,
				    consume_restore };
	struct sensor		*s;
	unsigned int		 nkeys = 0, nsess = 0;

	journal_init(&journal, &stats);
	journal.sync = conf.sync;
	journal_load(&journal, &cb, &conf);
	journal_cut(&journal);
	output_recover(&conf, &stats, &journal);
	RB_FOREACH(s, sensor_tree, &trust.sensors)
		if (s->sess.slot[0].used) {
			nkeys++;
			nsess += 1 + s->sess.slot[1].used;
		}
	if (nsess > 0)
		log_info("journal: %u sessions of %u sensor keys restored",
		    nsess, nkeys);
	if (journal_snapshot(&journal, snapshot_sessions, NULL) == -1)
		log_warnx("journal: cannot write %s: no acks until it can",
		    JOURNAL_NAME);
}
