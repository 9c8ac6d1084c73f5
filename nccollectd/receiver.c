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
 * has the crypto child open them, tracks sequence numbers, inflates
 * with a hard limit, unpacks and checks every batch and stores it.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "nccollectd.h"
#include "privsep.h"
#include "sandbox.h"
#include "util.h"

#define MAX_INFLIGHT	256		/* datagrams at the crypto child */
#define RESUME_INFLIGHT	64
#define READ_BURST	64		/* datagrams per read event */
#define MAX_SESSIONS	4096
#define WINDOW_BITS	1024		/* anti-replay window per session */

/*
 * One sensor session: a sensor key and the session id of its nonces.
 * The window remembers which of the last WINDOW_BITS sequence numbers
 * were seen, so late datagrams are stored and repeats are not.
 */
struct session {
	RB_ENTRY(session)	 tree;
	TAILQ_ENTRY(session)	 lru;
	unsigned char		 pk[WIRE_PKLEN];
	unsigned char		 id[WIRE_SESSIONLEN];
	uint64_t		 top;		/* highest sequence seen */
	uint64_t		 window[WINDOW_BITS / 64];
	uint64_t		 gaps;
	uint64_t		 repeats;
};

RB_HEAD(session_tree, session);

static int	 session_cmp(struct session *, struct session *);
RB_PROTOTYPE(session_tree, session, tree, session_cmp);

static void	 receiver_dispatch_parent(int, short, void *);
static void	 receiver_dispatch_crypto(int, short, void *);
static void	 receiver_read(int, short, void *);
static void	 receiver_pause(int);
static void	 receiver_finish(void);
static void	 receiver_done_check(void);
static void	 receive_plain(const struct dgram_hdr *, const unsigned char *,
		    size_t);
static int	 session_check(const struct dgram_hdr *);
static void	 drop(enum drop_cause, const struct dgram_hdr *, const char *);

static struct collector_conf	 conf;
static struct imsgev		 iev_parent, iev_crypto;
static int			 sock = -1;
static struct event		 ev_sock;
static int			 paused, draining, finishing;
static unsigned int		 ninflight;
static struct collector_stats	 stats;
static struct session_tree	 sessions = RB_INITIALIZER(&sessions);
static TAILQ_HEAD(session_lru_head, session) session_lru =
    TAILQ_HEAD_INITIALIZER(session_lru);
static unsigned int		 nsessions;
static z_stream			 zs;
static unsigned char		*dgbuf, *inflbuf;
static struct log_ratelimit	 rl_drop[DROP_NCAUSES];

RB_GENERATE(session_tree, session, tree, session_cmp);

static int
session_cmp(struct session *a, struct session *b)
{
	int	r;

	if ((r = memcmp(a->pk, b->pk, sizeof(a->pk))) != 0)
		return (r);
	return (memcmp(a->id, b->id, sizeof(a->id)));
}

__dead void
receiver_main(int debug, int verbose)
{
	struct priv_user	 user;
	struct imsg		 imsg;

	proc_child_init("receiver", &iev_parent, &iev_crypto, IMSG_CONFIG, &conf,
	    sizeof(conf));
	proc_recv(&iev_parent.ibuf, &imsg);
	if (imsg.hdr.type != IMSG_SOCKET || imsg.fd == -1)
		fatalx("expected IMSG_SOCKET with a socket");
	imsg_expect(&imsg, 0, "IMSG_SOCKET");
	sock = imsg.fd;
	imsg_free(&imsg);

	if ((dgbuf = malloc(WIRE_DGRAM_MAX + 1)) == NULL ||
	    (inflbuf = malloc(WIRE_MAX_BATCH)) == NULL)
		fatal(NULL);
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		fatalx("inflateInit");

	priv_lookup(&user, conf.user);
	/* spool directories 0750, files 0640, whatever we inherited */
	umask(027);
	/* the spool is all this process may ever see */
	priv_drop(&user, conf.spool);
	sandbox_enter(SANDBOX_RECEIVER);
	spool_init(verbose);

	event_init();
	iev_parent.handler = receiver_dispatch_parent;
	iev_crypto.handler = receiver_dispatch_crypto;
	imsg_event_add(&iev_parent);
	imsg_event_add(&iev_crypto);
	event_set(&ev_sock, sock, EV_READ | EV_PERSIST, receiver_read, NULL);
	event_add(&ev_sock, NULL);
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

static void
receiver_read(int fd, short event, void *arg)
{
	struct dgram_hdr	 h;
	struct msghdr		 msg;
	struct iovec		 iov[2];
	struct cmsghdr		*cm;
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(uint32_t))];
	}			 cmsgbuf;
	uint32_t		 ovfl;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < READ_BURST && !paused; i++) {
		memset(&h, 0, sizeof(h));
		memset(&msg, 0, sizeof(msg));
		iov[0].iov_base = dgbuf;
		iov[0].iov_len = WIRE_DGRAM_MAX + 1;
		msg.msg_name = &h.from;
		msg.msg_namelen = sizeof(h.from);
		msg.msg_iov = iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		if ((n = recvmsg(sock, &msg, MSG_DONTWAIT)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("recvmsg");
			else if (draining) {
				/* the socket is empty: store, then report */
				finishing = 1;
				event_del(&ev_sock);
				receiver_done_check();
			}
			return;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SO_RXQ_OVFL &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(ovfl))) {
				memcpy(&ovfl, CMSG_DATA(cm), sizeof(ovfl));
				stats.kernel_drops = ovfl;
			}
		}
		h.fromlen = msg.msg_namelen;
		h.len = (uint32_t)n;
		stats.datagrams++;
		stats.bytes += (uint64_t)n;
		if ((size_t)n < WIRE_MIN) {
			drop(DROP_SHORT, &h, "shorter than the header");
			continue;
		}
		if ((msg.msg_flags & MSG_TRUNC) || n > WIRE_DGRAM_MAX) {
			drop(DROP_LONG, &h, "larger than any datagram");
			continue;
		}
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = dgbuf;
		iov[1].iov_len = (size_t)n;
		if (imsg_composev_event(&iev_crypto, IMSG_OPEN, 0, 0, -1, iov,
		    2) == -1)
			fatal("imsg_compose");
		if (++ninflight >= MAX_INFLIGHT)
			receiver_pause(1);
	}
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

/*
 * Returns 0 for a sequence number not seen before (and records it),
 * -1 for a repeat or one too old to tell.
 */
static int
session_check(const struct dgram_hdr *h)
{
	struct session		 key, *s;
	struct wire_nonce	 n;
	uint64_t		 shift, i, bit;

	wire_nonce_decode(&n, h->nonce);
	memcpy(key.pk, h->pk, sizeof(key.pk));
	memcpy(key.id, n.session, sizeof(key.id));
	if ((s = RB_FIND(session_tree, &sessions, &key)) == NULL) {
		if (nsessions >= MAX_SESSIONS) {
			s = TAILQ_LAST(&session_lru, session_lru_head);
			TAILQ_REMOVE(&session_lru, s, lru);
			RB_REMOVE(session_tree, &sessions, s);
			nsessions--;
			stats.sessions_evicted++;
			free(s);
		}
		if ((s = calloc(1, sizeof(*s))) == NULL)
			fatal(NULL);
		memcpy(s->pk, key.pk, sizeof(s->pk));
		memcpy(s->id, key.id, sizeof(s->id));
		RB_INSERT(session_tree, &sessions, s);
		nsessions++;
	} else
		TAILQ_REMOVE(&session_lru, s, lru);
	TAILQ_INSERT_HEAD(&session_lru, s, lru);

	if (n.seq == 0)
		return (-1);
	if (n.seq > s->top) {
		shift = n.seq - s->top;
		/* numbers skipped over are gaps until they turn up late */
		s->gaps += shift - 1;
		stats.gaps += shift - 1;
		if (shift >= WINDOW_BITS)
			memset(s->window, 0, sizeof(s->window));
		else
			for (i = s->top + 1; i < n.seq; i++)
				s->window[(i % WINDOW_BITS) / 64] &=
				    ~(1ULL << (i % 64));
		s->top = n.seq;
		bit = n.seq % WINDOW_BITS;
		s->window[bit / 64] |= 1ULL << (bit % 64);
		return (0);
	}
	if (s->top - n.seq >= WINDOW_BITS) {
		s->repeats++;
		return (-1);
	}
	bit = n.seq % WINDOW_BITS;
	if (s->window[bit / 64] & (1ULL << (bit % 64))) {
		s->repeats++;
		return (-1);
	}
	s->window[bit / 64] |= 1ULL << (bit % 64);
	s->gaps--;
	stats.gaps--;
	return (0);
}

/* an authenticated plaintext: inflate, unpack, check, store */
static void
receive_plain(const struct dgram_hdr *h, const unsigned char *pt,
    size_t len)
{
	struct checked_batch	 cb;
	enum drop_cause		 why;
	const char		*what;
	char			 from[64];

	if (session_check(h) == -1) {
		drop(DROP_REPEAT, h, "sequence number seen before");
		return;
	}
	if (batch_unpack(pt, len, &zs, inflbuf, &cb, &why, &what) == -1) {
		drop(why, h, what);
		return;
	}
	if (spool_append(cb.sensor, cb.type, cb.recs, cb.len, cb.nrec,
	    &stats) == -1) {
		drop(DROP_WRITE, h, "could not store");
		goto done;
	}
	stats.batches++;
	stats.records += cb.nrec;
	log_debug("batch %u bytes from %s sensor %s type %s records %u",
	    h->len, sa_fmt((const struct sockaddr *)&h->from, from,
	    sizeof(from)), cb.sensor, cb.typename, cb.nrec);
 done:
	batch_unpack_free(&cb);
}

static int
receiver_imsg_crypto(struct imsgev *iev, struct imsg *imsg)
{
	struct dgram_hdr	h;
	size_t			len;

	if (IMSG_DATA_SIZE(imsg) < sizeof(h))
		fatalx("crypto: short imsg %u", imsg->hdr.type);
	memcpy(&h, imsg->data, sizeof(h));
	len = IMSG_DATA_SIZE(imsg) - sizeof(h);
	if (ninflight == 0)
		fatalx("crypto: answer to nothing");
	ninflight--;
	switch (imsg->hdr.type) {
	case IMSG_OPENED:
		if (len > WIRE_DGRAM_MAX)
			fatalx("crypto: plaintext too large");
		receive_plain(&h, (unsigned char *)imsg->data + sizeof(h), len);
		break;
	case IMSG_REJECTED:
		imsg_expect(imsg, sizeof(h), "IMSG_REJECTED");
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

static void
receiver_dispatch_crypto(int fd, short event, void *arg)
{
	proc_dispatch(arg, event, "crypto", receiver_imsg_crypto, NULL);
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
	if (!paused)
		receiver_read(sock, EV_READ, NULL);
}

static void
receiver_done_check(void)
{

	if (!finishing || ninflight > 0)
		return;
	spool_close_all();
	if (imsg_compose(&iev_parent.ibuf, IMSG_STATS, 0, 0, -1, &stats,
	    sizeof(stats)) == -1 ||
	    imsg_compose(&iev_parent.ibuf, IMSG_RECEIVER_DONE, 0, 0, -1,
	    NULL, 0) == -1)
		fatal("imsg_compose");
	if (imsgbuf_flush(&iev_parent.ibuf) == -1)
		fatal("imsgbuf_flush");
	proc_wait_close(&iev_parent.ibuf);
}

static int
receiver_imsg_parent(struct imsgev *iev, struct imsg *imsg)
{
	if (imsg->hdr.type != IMSG_SHUTDOWN)
		fatalx("parent: unexpected imsg %u", imsg->hdr.type);
	imsg_expect(imsg, 0, "IMSG_SHUTDOWN");
	receiver_finish();
	return (0);
}

static void
receiver_dispatch_parent(int fd, short event, void *arg)
{
	proc_dispatch(arg, event, "parent", receiver_imsg_parent, NULL);
}
