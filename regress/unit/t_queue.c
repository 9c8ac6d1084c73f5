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
 * The sensor's delivery queue (ncagentd/queue.c) and its resend
 * timeout, on a clock the test turns by hand: RFC 6298's arithmetic
 * worked out on paper, what each session's window lets through, what
 * an ack frees and what it may not, resending, backing off and
 * probing, dropping for room, and the end of a session.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncagentd.h"
#include "tap.h"

#define MS		1000	/* the clock is in microseconds */
#define DGLEN		200

/* what the queue sent, in order: session nonce byte and sequence */
static struct {
	int		 nonce;
	uint64_t	 seq;
} sent[8192];
static size_t		 nsent;
static int		 sendfail;
static unsigned char	 done_nonce[16];
static size_t		 ndone;

static int
t_send(void *arg, const unsigned char *d, size_t len)
{
	if (nsent < sizeof(sent) / sizeof(sent[0])) {
		sent[nsent].nonce = d[WIRE_OFF_SNONCE];
		sent[nsent].seq = wire_seq(d);
	}
	nsent++;
	return (sendfail ? -1 : 0);
}

static void
t_done(void *arg, const unsigned char *nonce)
{
	if (ndone < sizeof(done_nonce))
		done_nonce[ndone] = nonce[0];
	ndone++;
}

static const struct dq_hooks	 hooks = { t_send, t_done, NULL };

static unsigned char *
dgram(int nonce, uint64_t seq)
{
	static unsigned char	 d[DGLEN];
	int			 i;

	memset(d, 0, sizeof(d));
	d[0] = WIRE_VERSION;
	memset(d + WIRE_OFF_SNONCE, nonce, WIRE_NONCELEN);
	for (i = 0; i < 8; i++)
		d[WIRE_OFF_SEQ + i] = (seq >> (56 - 8 * i)) & 0xff;
	return (d);
}

static const unsigned char *
nonce_of(int n)
{
	static unsigned char	 b[WIRE_NONCELEN];

	memset(b, n, sizeof(b));
	return (b);
}

static void
push(struct dq *q, int nonce, uint64_t from, uint64_t to, int drop)
{
	uint64_t	seq;

	for (seq = from; seq <= to; seq++)
		dq_push(q, dgram(nonce, seq), DGLEN, NULL, 0,
		    (uint32_t)(seq % 2), (uint32_t)(seq % 2 + 1), 0, drop);
}

static struct wire_ack *
mkack(uint64_t d, uint32_t credit)
{
	static struct wire_ack	 a;

	memset(&a, 0, sizeof(a));
	a.done = d;
	a.credit = credit;
	return (&a);
}

/* the highest sequence number sent so far of a session */
static uint64_t
highest_sent(int nonce)
{
	uint64_t	h = 0;
	size_t		i;

	for (i = 0; i < nsent && i < sizeof(sent) / sizeof(sent[0]); i++)
		if (sent[i].nonce == nonce && sent[i].seq > h)
			h = sent[i].seq;
	return (h);
}

static void
test_rto(void)
{
	struct rto	r;
	int		i;

	rto_init(&r);
	ok(r.rto == 1000 * MS && r.srtt == 0,
	    "before a sample RTO is 1 s (RFC 6298 2.1)");
	rto_sample(&r, 100 * MS);
	ok(r.srtt == 100 * MS && r.rttvar == 50 * MS && r.rto == 300 * MS,
	    "a first sample of 100 ms: SRTT 100, RTTVAR 50, RTO 300 ms");
	rto_sample(&r, 100 * MS);
	ok(r.srtt == 100 * MS && r.rttvar == 37500 && r.rto == 250 * MS,
	    "a second of 100 ms: RTTVAR 3/4 of 50, RTO 100 + 4 * 37.5");
	rto_sample(&r, 180 * MS);
	ok(r.srtt == 110 * MS && r.rttvar == 48125 && r.rto == 302500,
	    "180 ms: SRTT 7/8 100 + 1/8 180 = 110, RTTVAR 3/4 37.5 + "
	    "1/4 80 = 48.125, RTO 302.5 ms (got %lld %lld %lld)",
	    (long long)r.srtt, (long long)r.rttvar, (long long)r.rto);
	rto_backoff(&r);
	ok(r.rto == 605 * MS, "a timeout doubles it (5.5)");
	rto_backoff(&r);
	ok(r.rto == 1210 * MS, "and again");
	for (i = 0; i < 20; i++)
		rto_backoff(&r);
	ok(r.rto == RTO_MAX_US, "up to 60 s and no further (2.5)");
	rto_reset(&r);
	ok(r.rto == 302500, "the collector answers: back to 302.5 ms");
	rto_backoff(&r);
	rto_backoff(&r);
	rto_sample(&r, 110 * MS);
	ok(r.rto < 300 * MS, "a new sample ends the backoff (%lld us)",
	    (long long)r.rto);
	for (i = 0; i < 50; i++)
		rto_sample(&r, 300);
	ok(r.rto == RTO_MIN_US, "samples of 0.3 ms: RTO stays at its floor, "
	    "200 ms");
	ok(r.srtt < 2 * MS && r.srtt >= 300, "while SRTT follows them "
	    "(%lld us)", (long long)r.srtt);
	rto_init(&r);
	rto_sample(&r, 0);
	ok(r.srtt == 1 && r.rto == RTO_MIN_US,
	    "a sample of 0 counts as 1 us: SRTT 0 means none yet");
	rto_init(&r);
	rto_sample(&r, 100 * 1000 * MS);
	ok(r.rto == RTO_MAX_US, "a sample of 100 s: RTO at its 60 s ceiling");
}

static void
test_window(void)
{
	struct agent_stats	 st;
	struct type_stats	 ts[2];
	struct wire_ack		*a;
	struct dq		*q;
	uint64_t		 seq;
	int			 bad, n;

	memset(&st, 0, sizeof(st));
	memset(ts, 0, sizeof(ts));
	nsent = 0;
	q = dq_new(16 * 1024 * 1024, &hooks, &st, ts);
	dq_session(q, nonce_of(1));
	push(q, 1, 1, 2000, 0);
	dq_pump(q, 0);
	ok(nsent == QUEUE_CREDIT_INITIAL, "before an ack, %d datagrams go "
	    "(%zu)", QUEUE_CREDIT_INITIAL, nsent);
	bad = 0;
	for (seq = 1; seq <= QUEUE_CREDIT_INITIAL; seq++)
		bad += sent[seq - 1].seq != seq || sent[seq - 1].nonce != 1;
	ok(bad == 0, "numbered 1 to %d, in order", QUEUE_CREDIT_INITIAL);
	ok(st.datagrams == QUEUE_CREDIT_INITIAL &&
	    ts[0].sent + ts[1].sent == 96 && ts[0].batches == 32,
	    "counted as sent: datagrams, records and datagrams per type");

	n = dq_ack(q, nonce_of(1), mkack(10, 100), 50 * MS);
	ok(n == 10 && st.acked == 10 && ts[0].acked + ts[1].acked == 15,
	    "an ack of D 10 frees 10 datagrams of 15 records (%d)", n);
	ok(!dq_holds(q, nonce_of(1), 10) && dq_holds(q, nonce_of(1), 11),
	    "up to 10 and not 11");
	dq_gauges(q);
	ok(st.rtt_us == 50 * MS && st.rto_ms == 200,
	    "a round trip of 50 ms measured, RTO at its floor of 200 ms");
	dq_pump(q, 50 * MS);
	ok(highest_sent(1) == 110, "credit 100 past D: up to 110 in flight "
	    "(%llu)", (unsigned long long)highest_sent(1));

	a = mkack(10, 100);
	wire_ack_set(a, 12);
	wire_ack_set(a, 14);
	n = dq_ack(q, nonce_of(1), a, 60 * MS);
	ok(n == 2 && dq_holds(q, nonce_of(1), 11) &&
	    !dq_holds(q, nonce_of(1), 12) && dq_holds(q, nonce_of(1), 13) &&
	    !dq_holds(q, nonce_of(1), 14), "a bitmap frees 12 and 14 alone");
	dq_pump(q, 60 * MS);
	ok(highest_sent(1) == 112, "two fewer in flight: two more go");

	/* what was never sent cannot be done */
	n = dq_ack(q, nonce_of(1), mkack(113, 960), 70 * MS);
	ok(n == -1 && dq_holds(q, nonce_of(1), 11) && st.acked == 12,
	    "an ack whose D is past what was sent is refused, frees nothing");
	a = mkack(10, 960);
	wire_ack_set(a, 11 + 2 - 2 + 102);	/* 113 */
	ok(dq_ack(q, nonce_of(1), a, 70 * MS) == -1 &&
	    dq_holds(q, nonce_of(1), 11), "and so is one whose bitmap is");
	dq_pump(q, 70 * MS);
	ok(highest_sent(1) == 112, "neither gave any credit");
	ok(dq_ack(q, nonce_of(9), mkack(1000, 960), 70 * MS) == 0 &&
	    !dq_known(q, nonce_of(9)) && dq_known(q, nonce_of(1)),
	    "an ack of a session not known frees nothing");

	/* the window: never more than 960 past the first held */
	a = mkack(10, 5000);
	for (seq = 13; seq <= 112; seq++)
		wire_ack_set(a, seq);
	n = dq_ack(q, nonce_of(1), a, 80 * MS);
	ok(n == 99, "everything from 12 to 112 but 11 acknowledged (%d)", n);
	dq_pump(q, 80 * MS);
	ok(highest_sent(1) == 10 + WIRE_ACK_WINDOW,
	    "credit 5000, but 11 is not done: at most %d past D (%llu)",
	    WIRE_ACK_WINDOW, (unsigned long long)highest_sent(1));
	/* an older ack: D smaller than the last, its credit is old */
	n = dq_ack(q, nonce_of(1), mkack(5, 1), 90 * MS);
	ok(n == 0, "an older ack frees nothing more");
	n = dq_ack(q, nonce_of(1), mkack(11, 30), 100 * MS);
	dq_pump(q, 100 * MS);
	ok(n == 1 && highest_sent(1) == 10 + WIRE_ACK_WINDOW,
	    "D 11, credit 30, and 859 in flight: none more goes (%llu)",
	    (unsigned long long)highest_sent(1));

	dq_free(q);
}

static void
test_resend(void)
{
	struct agent_stats	 st;
	struct type_stats	 ts[2];
	struct wire_ack		*a;
	struct dq		*q;
	size_t			 before;

	memset(&st, 0, sizeof(st));
	memset(ts, 0, sizeof(ts));
	nsent = 0;
	q = dq_new(16 * 1024 * 1024, &hooks, &st, ts);
	push(q, 1, 1, 10, 0);
	dq_pump(q, 0);
	ok(dq_next(q, 0) == RTO_INITIAL_US,
	    "ten sent at 0: the first resend is due in 1 s");
	dq_timeout(q, 999 * MS);
	ok(nsent == 10, "nothing is sent again before");
	dq_timeout(q, 1000 * MS);
	ok(nsent == 11 && sent[10].seq == 1 && st.resent == 1 &&
	    ts[1].resent == 2, "at 1 s, not a word from the collector yet: "
	    "the oldest goes again as a probe, counted as resent");
	ok(dq_next(q, 1000 * MS) == 1000 * MS,
	    "the others wait for the doubled timeout: due at 2 s");
	ok(dq_ack(q, nonce_of(1), mkack(0, 100), 1500 * MS) == 0,
	    "an ack that frees nothing: the collector is back");
	dq_timeout(q, 2000 * MS);
	ok(nsent == 21 && sent[11].seq == 2 && sent[19].seq == 10 &&
	    sent[20].seq == 1 && st.resent == 11 && ts[1].resent == 12,
	    "the timeout is 1 s again: at 2 s all ten go, oldest first");
	ok(dq_next(q, 2000 * MS) == 1000 * MS, "a collector that answers "
	    "lost them: no doubling, the next are due at 3 s");
	dq_timeout(q, 3000 * MS);
	ok(nsent == 22 && sent[21].seq == 2,
	    "the collector is silent again: one probe only, the oldest");
	ok(dq_next(q, 3000 * MS) == 1000 * MS,
	    "and the timeout doubles: the others are due 2 s after their "
	    "last send, at 4 s");
	dq_timeout(q, 3999 * MS);
	ok(nsent == 22, "not before");

	/* Karn: a datagram sent more than once gives no sample */
	a = mkack(3, 100);
	ok(dq_ack(q, nonce_of(1), a, 10100 * MS) == 3, "an ack frees 1 to 3");
	dq_gauges(q);
	ok(st.rtt_us == 0, "all sent again: no round-trip sample");
	before = nsent;
	dq_timeout(q, 10200 * MS);
	ok(nsent == before + 7,
	    "the collector spoke: at the next timeout the 7 left all go");
	push(q, 1, 11, 11, 0);
	dq_pump(q, 10200 * MS);
	a = mkack(11, 100);
	ok(dq_ack(q, nonce_of(1), a, 10240 * MS) == 8,
	    "11 sent once, acknowledged with the rest");
	dq_gauges(q);
	ok(st.rtt_us == 40 * MS, "it gives the sample: 40 ms (%llu)",
	    (unsigned long long)st.rtt_us);
	ok(dq_next(q, 10240 * MS) == -1 && dq_count(q) == 0,
	    "nothing held, no timer");

	/* a credit of 0 lets one probe through */
	push(q, 1, 12, 20, 0);
	dq_ack(q, nonce_of(1), mkack(11, 0), 10250 * MS);
	before = nsent;
	dq_pump(q, 10250 * MS);
	ok(nsent == before + 1, "credit 0: one datagram goes, as a probe");

	/* a send that fails is sent again, and counted once it goes */
	push(q, 2, 1, 1, 0);
	sendfail = 1;
	before = st.datagrams;
	dq_pump(q, 11000 * MS);
	sendfail = 0;
	ok(st.datagrams == before, "a failed send is not counted as sent");
	dq_timeout(q, 13000 * MS);
	ok(st.datagrams == before + 1 && sent[nsent - 1].nonce == 2,
	    "its resend is, as sent");
	ok(dq_unacked(q) == 10 && st.unacked == 10 &&
	    ts[0].unacked + ts[1].unacked == 15,
	    "at the end 10 datagrams of 15 records are unacknowledged");
	dq_free(q);
}

static void
test_drop(void)
{
	struct agent_stats	 st;
	struct type_stats	 ts[2];
	struct dq		*q;
	size_t			 limit = 10 * DQ_COST(DGLEN);
	int			 bad = 0;
	uint64_t		 seq;

	memset(&st, 0, sizeof(st));
	memset(ts, 0, sizeof(ts));
	nsent = ndone = 0;
	q = dq_new(limit, &hooks, &st, ts);
	for (seq = 1; seq <= 25; seq++) {
		push(q, 1, seq, seq, 1);
		dq_gauges(q);
		bad += st.queued_bytes > limit;
	}
	ok(bad == 0 && st.queued == 10 && st.queued_bytes == limit,
	    "live, 25 datagrams in room for 10: never more than room");
	ok(st.qdropped == 15 && ts[0].qdropped_dgrams == 7 &&
	    ts[1].qdropped_dgrams == 8 && ts[0].qdropped == 7 &&
	    ts[1].qdropped == 16, "15 dropped, counted per type with records");
	ok(!dq_holds(q, nonce_of(1), 15) && dq_holds(q, nonce_of(1), 16),
	    "the oldest went");
	dq_pump(q, 0);
	ok(sent[0].seq == 16 && nsent == 10,
	    "past the dropped ones the window starts at the first held");
	push(q, 1, 26, 40, 0);
	dq_gauges(q);
	ok(st.queued == 25 && st.qdropped == 15 && dq_full(q, 0),
	    "a replay drops nothing: the queue is over its limit, and full");
	dq_limit(q, 5 * DQ_COST(DGLEN), 1);
	dq_gauges(q);
	ok(st.queued == 5 && st.qdropped == 35,
	    "a smaller limit, live: the oldest go at once");
	ok(dq_full(q, 0), "and it is full");
	dq_free(q);
}

static void
test_sessions(void)
{
	struct agent_stats	 st;
	struct type_stats	 ts[2];
	struct dq		*q;

	memset(&st, 0, sizeof(st));
	memset(ts, 0, sizeof(ts));
	nsent = ndone = 0;
	q = dq_new(16 * 1024 * 1024, &hooks, &st, ts);
	dq_session(q, nonce_of(1));
	push(q, 1, 1, 5, 0);
	dq_session(q, nonce_of(2));
	ok(ndone == 0, "a new session: the old one still has 5 datagrams");
	push(q, 2, 1, 5, 0);
	dq_pump(q, 0);
	ok(nsent == 10 && sent[0].nonce == 1 && sent[5].nonce == 2,
	    "both send, the older first");
	ok(dq_ack(q, nonce_of(2), mkack(5, 100), 1 * MS) == 5 && ndone == 0,
	    "the newest done: nothing to say, it may get more");
	ok(dq_ack(q, nonce_of(1), mkack(4, 100), 2 * MS) == 4 && ndone == 0,
	    "the older one, but for one");
	ok(dq_ack(q, nonce_of(1), mkack(5, 100), 3 * MS) == 1 && ndone == 1 &&
	    done_nonce[0] == 1 && !dq_known(q, nonce_of(1)),
	    "its last done: said once, and it is forgotten");
	dq_session(q, nonce_of(3));
	ok(ndone == 2 && done_nonce[1] == 2,
	    "a session with nothing left is done as soon as a newer begins");
	dq_session(q, nonce_of(3));
	ok(ndone == 2, "the same session again changes nothing");
	push(q, 4, 1, 1, 0);
	ok(ndone == 3 && done_nonce[2] == 3 && dq_known(q, nonce_of(4)),
	    "a datagram of a new nonce begins its session");
	dq_free(q);
}

/* what dq_drain() handed over, in order */
static struct {
	uint32_t	 type, nrec;
	int		 sent;
	unsigned char	 pt[8];
	size_t		 ptlen;
	unsigned char	 nonce;		/* the datagram's, its first byte */
	uint64_t	 seq;
} drained[64];
static size_t		 ndrained;

static void
t_drained(void *arg, uint32_t type, uint32_t nrec, int was_sent,
    const unsigned char *d, const unsigned char *pt, size_t ptlen)
{
	if (ndrained < sizeof(drained) / sizeof(drained[0])) {
		drained[ndrained].nonce = d[WIRE_OFF_SNONCE];
		drained[ndrained].seq = wire_seq(d);
		drained[ndrained].type = type;
		drained[ndrained].nrec = nrec;
		drained[ndrained].sent = was_sent;
		drained[ndrained].ptlen = ptlen;
		memcpy(drained[ndrained].pt, pt, ptlen < 8 ? ptlen : 8);
	}
	ndrained++;
}

/* a switch of collector: the plaintexts back, the queue as new */
static void
test_drain(void)
{
	struct agent_stats	 st;
	struct type_stats	 ts[2];
	struct dq		*q;
	unsigned char		 pt[8];
	uint64_t		 seq;
	size_t			 i;
	int			 bad = 0;

	memset(&st, 0, sizeof(st));
	memset(ts, 0, sizeof(ts));
	nsent = ndone = ndrained = 0;
	q = dq_new(16 * 1024 * 1024, &hooks, &st, ts);
	for (seq = 1; seq <= 6; seq++) {
		memset(pt, (int)seq, sizeof(pt));
		dq_push(q, dgram(seq <= 3 ? 1 : 2, seq <= 3 ? seq : seq - 3),
		    DGLEN, pt, sizeof(pt), (uint32_t)(seq % 2), 1, 0, 0);
	}
	dq_gauges(q);
	ok(st.queued_bytes == 6 * DQ_COST(DGLEN + sizeof(pt)),
	    "a datagram's plaintext counts with it");
	dq_pump(q, 0);
	ok(dq_ack(q, nonce_of(1), mkack(2, 100), 1 * MS) == 2,
	    "two of six acknowledged");
	push(q, 2, 4, 4, 0);
	dq_drain(q, t_drained, NULL);
	ok(ndrained == 5, "the drain hands over the five held");
	for (i = 0; i < 4 && i < ndrained; i++)
		bad += drained[i].pt[0] != i + 3 || drained[i].ptlen != 8 ||
		    !drained[i].sent || drained[i].type != (i + 3) % 2 ||
		    drained[i].nonce != (i == 0 ? 1 : 2) ||
		    drained[i].seq != (i == 0 ? 3 : i);
	ok(bad == 0, "oldest first, each with its datagram, plaintext and "
	    "type, said to have gone out");
	ok(ndrained == 5 && drained[4].ptlen == 0 && !drained[4].sent,
	    "one never sent is said to be so, with no plaintext kept");
	dq_gauges(q);
	ok(dq_count(q) == 0 && st.queued_bytes == 0 && ndone == 0 &&
	    !dq_known(q, nonce_of(1)) && !dq_known(q, nonce_of(2)),
	    "then the queue is empty, its sessions forgotten, none said done");
	ok(dq_rto(q) == RTO_INITIAL_US && !dq_waiting(q),
	    "its timeout back to the initial one, nothing waiting");
	/* sealed again for another collector: a resend, not a first send */
	nsent = 0;
	memset(pt, 9, sizeof(pt));
	dq_push(q, dgram(3, 1), DGLEN, pt, sizeof(pt), 0, 4, 1, 0);
	dq_push(q, dgram(3, 2), DGLEN, pt, sizeof(pt), 0, 5, 0, 0);
	dq_pump(q, 10 * MS);
	ok(nsent == 2 && dq_waiting(q), "both go to the new collector");
	ok(st.resent == 1 && ts[0].resent == 4 && st.datagrams == 7,
	    "the one sent before counts as resent, the other as sent");
	ok(dq_ack(q, nonce_of(3), mkack(2, 100), 30 * MS) == 2 &&
	    !dq_waiting(q), "acknowledged, nothing waits");
	/* switched again before it went out: still sent before */
	dq_push(q, dgram(4, 1), DGLEN, pt, sizeof(pt), 0, 4, 1, 0);
	dq_push(q, dgram(4, 2), DGLEN, pt, sizeof(pt), 0, 4, 0, 0);
	ndrained = 0;
	dq_drain(q, t_drained, NULL);
	ok(ndrained == 2 && drained[0].sent && !drained[1].sent,
	    "one counted before is drained as sent, though it did not go "
	    "out here");
	dq_free(q);
}

int
main(void)
{
	test_rto();
	test_window();
	test_resend();
	test_drop();
	test_sessions();
	test_drain();
	printf("1..%d\n", ntest);
	return (nfail ? 1 : 0);
}
