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
 * The capture child's delivery queue: every datagram the crypto child
 * sealed stays here until an ack of the collector says it is done.
 * Datagrams are kept per session, in sequence order, and sessions in
 * the order they began, so the oldest datagram is the first of the
 * first session.  Those sent and not done are also on a list by the
 * time they were last sent, whose head is the next to be sent again.
 * Nothing here knows a descriptor or a clock: the caller sends and
 * says what time it is, which is how the unit tests drive it.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ncagentd.h"
#include "wire.h"

struct dq_sess;

struct dq_dgram {
	TAILQ_ENTRY(dq_dgram)	 entry;		/* its session's, by seq */
	TAILQ_ENTRY(dq_dgram)	 flight;	/* sent: by last send */
	struct dq_sess		*sess;
	uint64_t		 seq;
	uint32_t		 type;
	uint32_t		 nrec;
	int64_t			 first;		/* first sent */
	int64_t			 last;		/* last sent */
	uint32_t		 tries;		/* sends attempted */
	uint32_t		 sent;		/* sends that went out */
	size_t			 len;
	size_t			 ptlen;		/* its plaintext, after it */
	int			 counted;	/* sent before, to another */
	unsigned char		 data[];
};

struct dq_sess {
	TAILQ_ENTRY(dq_sess)	 entry;
	TAILQ_HEAD(, dq_dgram)	 dgrams;
	struct dq_dgram		*unsent;	/* the first never sent */
	unsigned char		 nonce[WIRE_NONCELEN];
	uint64_t		 done;		/* D, from its acks */
	uint64_t		 last_seq;	/* the highest it was given */
	uint32_t		 credit;
	int			 acked;		/* has had an ack */
	int			 closed;	/* a newer session began */
	size_t			 held;
	size_t			 inflight;	/* sent, held */
};

struct dq {
	TAILQ_HEAD(dq_sessions, dq_sess) sessions;	/* oldest first */
	TAILQ_HEAD(, dq_dgram)	 flight;	/* least recently sent first */
	struct dq_hooks		 hooks;
	struct rto		 rto;
	struct agent_stats	*stats;
	struct type_stats	*tstats;
	size_t			 limit;
	size_t			 bytes;
	size_t			 count;
	int			 silent;	/* no ack yet, or since a timeout */
};

const size_t	 dq_overhead = sizeof(struct dq_dgram);

static struct dq_sess *sess_find(const struct dq *, const unsigned char *);
static void	 sess_check(struct dq *, struct dq_sess *);
static void	 dgram_send(struct dq *, struct dq_dgram *, int64_t);
static void	 dgram_free(struct dq *, struct dq_dgram *);
static void	 drop_oldest(struct dq *);

/*
 * RFC 6298: the first sample sets SRTT and RTTVAR, later ones move
 * them by 1/8 and 1/4; RTO is SRTT + max(G, 4 RTTVAR), within bounds.
 * A timeout doubles RTO until a new sample, which only a datagram sent
 * once may give (Karn): for one sent again, which send was answered is
 * unknown.  Unlike TCP, whose timeouts mean congestion, ours mean a
 * silent collector: the first ack after it ends the backoff too.
 */
void
rto_init(struct rto *r)
{
	r->srtt = r->rttvar = 0;
	r->base = r->rto = RTO_INITIAL_US;
}

void
rto_sample(struct rto *r, int64_t rtt)
{
	int64_t	d;

	if (rtt < 1)
		rtt = 1;
	if (r->srtt == 0) {
		r->srtt = rtt;
		r->rttvar = rtt / 2;
	} else {
		d = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;
		r->rttvar = (3 * r->rttvar + d) / 4;
		r->srtt = (7 * r->srtt + rtt) / 8;
	}
	r->base = r->srtt + (4 * r->rttvar > RTO_G_US ? 4 * r->rttvar :
	    RTO_G_US);
	if (r->base < RTO_MIN_US)
		r->base = RTO_MIN_US;
	if (r->base > RTO_MAX_US)
		r->base = RTO_MAX_US;
	r->rto = r->base;
}

void
rto_backoff(struct rto *r)
{
	r->rto = r->rto > RTO_MAX_US / 2 ? RTO_MAX_US : r->rto * 2;
}

void
rto_reset(struct rto *r)
{
	r->rto = r->base;
}

struct dq *
dq_new(size_t limit, const struct dq_hooks *hooks, struct agent_stats *stats,
    struct type_stats *tstats)
{
	struct dq	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		fatal(NULL);
	TAILQ_INIT(&q->sessions);
	TAILQ_INIT(&q->flight);
	q->hooks = *hooks;
	q->stats = stats;
	q->tstats = tstats;
	q->limit = limit;
	q->silent = 1;
	rto_init(&q->rto);
	return (q);
}

void
dq_free(struct dq *q)
{
	struct dq_sess	*s;
	struct dq_dgram	*d;

	while ((s = TAILQ_FIRST(&q->sessions)) != NULL) {
		while ((d = TAILQ_FIRST(&s->dgrams)) != NULL)
			dgram_free(q, d);
		TAILQ_REMOVE(&q->sessions, s, entry);
		free(s);
	}
	free(q);
}

void
dq_limit(struct dq *q, size_t limit, int drop)
{
	q->limit = limit;
	while (drop && q->count > 0 && q->bytes > q->limit)
		drop_oldest(q);
}

static struct dq_sess *
sess_find(const struct dq *q, const unsigned char *nonce)
{
	struct dq_sess	*s;

	TAILQ_FOREACH(s, &q->sessions, entry)
		if (memcmp(s->nonce, nonce, WIRE_NONCELEN) == 0)
			return (s);
	return (NULL);
}

/* an older session with nothing left is told of and forgotten */
static void
sess_check(struct dq *q, struct dq_sess *s)
{
	if (!s->closed || s->held > 0)
		return;
	TAILQ_REMOVE(&q->sessions, s, entry);
	if (q->hooks.session_done != NULL)
		q->hooks.session_done(q->hooks.arg, s->nonce);
	free(s);
}

void
dq_session(struct dq *q, const unsigned char *nonce)
{
	struct dq_sess	*s, *last;

	last = TAILQ_LAST(&q->sessions, dq_sessions);
	if (last != NULL && memcmp(last->nonce, nonce, WIRE_NONCELEN) == 0)
		return;
	if (sess_find(q, nonce) != NULL)
		fatalx("%s: an older session began again", __func__);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal(NULL);
	TAILQ_INIT(&s->dgrams);
	memcpy(s->nonce, nonce, WIRE_NONCELEN);
	TAILQ_INSERT_TAIL(&q->sessions, s, entry);
	if (last != NULL) {
		last->closed = 1;
		sess_check(q, last);
	}
}

void
dq_push(struct dq *q, const unsigned char *dgram, size_t len,
    const unsigned char *pt, size_t ptlen, uint32_t type, uint32_t nrec,
    int counted, int drop)
{
	struct dq_sess	*s;
	struct dq_dgram	*d;
	uint64_t	 seq;

	if (len < WIRE_MIN)
		fatalx("%s: datagram of %zu bytes", __func__, len);
	if (pt == NULL)
		ptlen = 0;
	dq_session(q, dgram + WIRE_OFF_SNONCE);
	s = TAILQ_LAST(&q->sessions, dq_sessions);
	seq = wire_seq(dgram);
	if (seq <= s->last_seq)
		fatalx("%s: sequence number %llu after %llu", __func__,
		    (unsigned long long)seq, (unsigned long long)s->last_seq);
	/* live, the newest records matter most: the oldest make room */
	while (drop && q->count > 0 &&
	    q->bytes + DQ_COST(len + ptlen) > q->limit)
		drop_oldest(q);
	/* dropping may have ended older sessions, never this one */
	if ((d = malloc(sizeof(*d) + len + ptlen)) == NULL)
		fatal(NULL);
	memset(d, 0, sizeof(*d));
	d->sess = s;
	d->seq = seq;
	d->type = type;
	d->nrec = nrec;
	d->len = len;
	d->ptlen = ptlen;
	d->counted = counted;
	memcpy(d->data, dgram, len);
	if (ptlen > 0)
		memcpy(d->data + len, pt, ptlen);
	TAILQ_INSERT_TAIL(&s->dgrams, d, entry);
	if (s->unsent == NULL)
		s->unsent = d;
	s->last_seq = seq;
	s->held++;
	q->count++;
	q->bytes += DQ_COST(len + ptlen);
}

void
dq_drain(struct dq *q, dq_drain_fn fn, void *arg)
{
	struct dq_sess	*s;
	struct dq_dgram	*d;

	while ((s = TAILQ_FIRST(&q->sessions)) != NULL) {
		while ((d = TAILQ_FIRST(&s->dgrams)) != NULL) {
			fn(arg, d->type, d->nrec, d->sent > 0 || d->counted,
			    d->data, d->data + d->len, d->ptlen);
			dgram_free(q, d);
		}
		TAILQ_REMOVE(&q->sessions, s, entry);
		free(s);
	}
	rto_init(&q->rto);
	q->silent = 1;
}

int
dq_waiting(const struct dq *q)
{
	return (!TAILQ_EMPTY(&q->flight));
}

int64_t
dq_rto(const struct dq *q)
{
	return (q->rto.rto);
}

/*
 * A session may have min(credit, WIRE_ACK_WINDOW) datagrams in flight
 * past D (the initial credit before its first ack; at least one, so
 * that a credit of 0 still lets one probe through), and sends none
 * numbered more than WIRE_ACK_WINDOW past the first it holds: no
 * datagram it holds can fall behind the collector's replay window.
 * Without drops the first held is D + 1; past a datagram dropped
 * for room the window moves on, and the collector counts that one
 * done once it is behind its window.
 */
void
dq_pump(struct dq *q, int64_t now)
{
	struct dq_sess	*s;
	struct dq_dgram	*d;
	uint64_t	 base;
	size_t		 limit;

	TAILQ_FOREACH(s, &q->sessions, entry) {
		limit = s->acked ? s->credit : QUEUE_CREDIT_INITIAL;
		if (limit > WIRE_ACK_WINDOW)
			limit = WIRE_ACK_WINDOW;
		if (limit < 1)
			limit = 1;
		while ((d = s->unsent) != NULL && s->inflight < limit) {
			base = TAILQ_FIRST(&s->dgrams)->seq - 1;
			if (d->seq - base > WIRE_ACK_WINDOW)
				break;
			s->unsent = TAILQ_NEXT(d, entry);
			dgram_send(q, d, now);
		}
	}
}

static void
dgram_send(struct dq *q, struct dq_dgram *d, int64_t now)
{
	struct type_stats	*t = &q->tstats[d->type];

	if (d->tries == 0) {
		d->first = now;
		d->sess->inflight++;
	} else
		TAILQ_REMOVE(&q->flight, d, flight);
	d->tries++;
	d->last = now;
	TAILQ_INSERT_TAIL(&q->flight, d, flight);
	if (q->hooks.send(q->hooks.arg, d->data, d->len) == -1)
		return;
	if (d->sent++ == 0 && !d->counted) {
		q->stats->datagrams++;
		q->stats->wire_bytes += d->len;
		t->sent += d->nrec;
		t->batches++;
		t->wire_bytes += d->len;
	} else {
		q->stats->resent++;
		t->resent += d->nrec;
	}
}

static void
dgram_free(struct dq *q, struct dq_dgram *d)
{
	struct dq_sess	*s = d->sess;

	if (s->unsent == d)
		s->unsent = TAILQ_NEXT(d, entry);
	if (d->tries > 0) {
		TAILQ_REMOVE(&q->flight, d, flight);
		s->inflight--;
	}
	TAILQ_REMOVE(&s->dgrams, d, entry);
	s->held--;
	q->count--;
	q->bytes -= DQ_COST(d->len + d->ptlen);
	free(d);
}

static void
drop_oldest(struct dq *q)
{
	struct dq_sess	*s;
	struct dq_dgram	*d;

	TAILQ_FOREACH(s, &q->sessions, entry)
		if ((d = TAILQ_FIRST(&s->dgrams)) != NULL)
			break;
	if (s == NULL)
		return;
	q->stats->qdropped++;
	q->tstats[d->type].qdropped += d->nrec;
	q->tstats[d->type].qdropped_dgrams++;
	dgram_free(q, d);
	sess_check(q, s);
}

int
dq_known(const struct dq *q, const unsigned char *nonce)
{
	return (sess_find(q, nonce) != NULL);
}

int
dq_ack(struct dq *q, const unsigned char *nonce, const struct wire_ack *ack,
    int64_t now)
{
	struct dq_sess	*s;
	struct dq_dgram	*d, *next;
	uint64_t	 unsent, seq, reach;
	int64_t		 sample = -1;
	int		 freed = 0;

	/* a session that ended since: what the ack says is done, is */
	if ((s = sess_find(q, nonce)) == NULL)
		return (0);
	if (ack->nbitmap > WIRE_ACK_BITMAP_MAX)
		return (-1);
	/*
	 * The collector cannot have what was never sent: an ack that says
	 * so is wrong, and none of it is believed.
	 */
	unsent = s->unsent != NULL ? s->unsent->seq : s->last_seq + 1;
	if (ack->done >= unsent)
		return (-1);
	reach = ack->done + 1 + (uint64_t)ack->nbitmap * 8;
	for (seq = unsent > ack->done + 2 ? unsent : ack->done + 2;
	    seq <= reach; seq++)
		if (wire_ack_done(ack, seq))
			return (-1);

	/* the collector is back: what waited for it goes at once */
	if (q->silent)
		rto_reset(&q->rto);
	q->silent = 0;
	/*
	 * Acks carry no order of their own: one with a smaller D than the
	 * last is older, and its credit is out of date.
	 */
	if (!s->acked || ack->done >= s->done) {
		s->done = ack->done;
		s->credit = ack->credit;
		s->acked = 1;
	}
	for (d = TAILQ_FIRST(&s->dgrams); d != NULL && d->seq <= reach;
	    d = next) {
		next = TAILQ_NEXT(d, entry);
		if (!wire_ack_done(ack, d->seq))
			continue;
		/* the last sent once gives the sample least delayed */
		if (d->tries == 1 && d->sent == 1 && d->first > sample)
			sample = d->first;
		q->stats->acked++;
		q->tstats[d->type].acked += d->nrec;
		dgram_free(q, d);
		freed++;
	}
	if (sample >= 0)
		rto_sample(&q->rto, now - sample);
	sess_check(q, s);
	return (freed);
}

/*
 * What waited longer than RTO is sent again, the longest waiting
 * first.  While the collector is silent (no ack yet, or none since
 * the last timeout) only the first goes, once per timeout, as a probe,
 * and RTO doubles.  A collector that answers lost those datagrams, and
 * is not slowed down for it: backing off for each, with losses spread
 * over a window, would have the timeout double again and again.
 */
void
dq_timeout(struct dq *q, int64_t now)
{
	struct dq_dgram	*d;

	d = TAILQ_FIRST(&q->flight);
	if (d == NULL || d->last + q->rto.rto > now)
		return;
	while ((d = TAILQ_FIRST(&q->flight)) != NULL &&
	    d->last + q->rto.rto <= now) {
		dgram_send(q, d, now);
		if (q->silent)
			break;
	}
	if (q->silent)
		rto_backoff(&q->rto);
	q->silent = 1;
}

int64_t
dq_next(const struct dq *q, int64_t now)
{
	struct dq_dgram	*d;

	if ((d = TAILQ_FIRST(&q->flight)) == NULL)
		return (-1);
	return (d->last + q->rto.rto > now ? d->last + q->rto.rto - now : 0);
}

size_t
dq_count(const struct dq *q)
{
	return (q->count);
}

size_t
dq_unsent(const struct dq *q)
{
	const struct dq_sess	*s;
	size_t			 n = 0;

	TAILQ_FOREACH(s, &q->sessions, entry)
		n += s->held - s->inflight;
	return (n);
}

int
dq_full(const struct dq *q, size_t reserve)
{
	return (q->bytes + reserve >= q->limit);
}

void
dq_gauges(const struct dq *q)
{
	q->stats->queued = q->count;
	q->stats->queued_bytes = q->bytes;
	q->stats->rtt_us = (uint64_t)q->rto.srtt;
	q->stats->rto_ms = (uint64_t)q->rto.rto / 1000;
}

size_t
dq_unacked(struct dq *q)
{
	struct dq_sess	*s;
	struct dq_dgram	*d;

	TAILQ_FOREACH(s, &q->sessions, entry)
		TAILQ_FOREACH(d, &s->dgrams, entry) {
			q->stats->unacked++;
			q->tstats[d->type].unacked += d->nrec;
		}
	return (q->count);
}

int
dq_holds(const struct dq *q, const unsigned char *nonce, uint64_t seq)
{
	struct dq_sess	*s;
	struct dq_dgram	*d;

	if ((s = sess_find(q, nonce)) == NULL)
		return (0);
	TAILQ_FOREACH(d, &s->dgrams, entry)
		if (d->seq == seq)
			return (1);
	return (0);
}
