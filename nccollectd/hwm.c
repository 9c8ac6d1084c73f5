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
 * The high-water marks of sensor sessions, shared by the collectors of
 * one stream, in the publisher.  A session's mark says that every
 * sequence number up to it was stored in the stream, by this collector
 * or another; a batch at or below it is a retransmit or a replay and
 * is not published again.  The marks live in a store that every
 * collector reads and writes (a JetStream key-value bucket, marks.c):
 * a mark only grows there, by compare-and-set on the key's revision,
 * so that two collectors never lower one another's.
 *
 * Here is what decides, on the caller's clock and through a store of
 * function pointers, so that a unit test can play the bucket and its
 * conflicts: a cache of sessions, bounded, least recently used out
 * first, each with its mark, the numbers acknowledged past it and what
 * the store said last.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"

static int	 hwm_cmp(struct hwm_sess *, struct hwm_sess *);
static void	 hwm_shift(struct hwm_sess *, uint64_t);
static int	 hwm_bit(const struct hwm_sess *, uint64_t);
static int	 hwm_get(struct hwm_cache *, struct hwm_sess *, uint64_t *,
		    uint64_t *);
static void	 hwm_take(struct hwm_sess *, uint64_t, uint64_t);
RB_PROTOTYPE(hwm_tree, hwm_sess, tree, hwm_cmp);
RB_GENERATE(hwm_tree, hwm_sess, tree, hwm_cmp);

static int
hwm_cmp(struct hwm_sess *a, struct hwm_sess *b)
{
	return (strcmp(a->key, b->key));
}

void
hwm_init(struct hwm_cache *c, unsigned int max, const struct hwm_store *st)
{
	memset(c, 0, sizeof(*c));
	RB_INIT(&c->tree);
	TAILQ_INIT(&c->lru);
	c->max = max;
	c->store = st;
}

/* the session's entry, or NULL */
struct hwm_sess *
hwm_find(struct hwm_cache *c, const char *key)
{
	struct hwm_sess	 k, *s;

	if (strlcpy(k.key, key, sizeof(k.key)) >= sizeof(k.key))
		return (NULL);
	if ((s = RB_FIND(hwm_tree, &c->tree, &k)) != NULL) {
		TAILQ_REMOVE(&c->lru, s, lru);
		TAILQ_INSERT_TAIL(&c->lru, s, lru);
	}
	return (s);
}

/*
 * A new entry, never read from the store: the least recently used one
 * makes room, its mark written first if the store has less.
 */
struct hwm_sess *
hwm_add(struct hwm_cache *c, const char *key)
{
	struct hwm_sess	*s;

	if (strlen(key) >= sizeof(s->key))
		return (NULL);
	while (c->n >= c->max && (s = TAILQ_FIRST(&c->lru)) != NULL) {
		if (s->mark > s->shared && hwm_write(c, s) == -1)
			c->lost++;
		hwm_drop(c, s);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	strlcpy(s->key, key, sizeof(s->key));
	RB_INSERT(hwm_tree, &c->tree, s);
	TAILQ_INSERT_TAIL(&c->lru, s, lru);
	c->n++;
	return (s);
}

void
hwm_drop(struct hwm_cache *c, struct hwm_sess *s)
{
	/* its write's outcome, when it comes, finds nobody */
	if (s->writing != 0)
		c->writing--;
	RB_REMOVE(hwm_tree, &c->tree, s);
	TAILQ_REMOVE(&c->lru, s, lru);
	c->n--;
	free(s);
}

void
hwm_free(struct hwm_cache *c)
{
	struct hwm_sess	*s;

	while ((s = TAILQ_FIRST(&c->lru)) != NULL)
		hwm_drop(c, s);
}

static int
hwm_bit(const struct hwm_sess *s, uint64_t seq)
{
	uint64_t	 i = seq - s->mark - 1;

	return ((s->past[i / 64] >> (i % 64)) & 1);
}

/*
 * The mark moves up by n, the bits past it with it, and on over the
 * numbers stored right after it
 */
static void
hwm_shift(struct hwm_sess *s, uint64_t n)
{
	uint64_t	 past[HWM_BITS / 64], i, j;

	while (n > 0) {
		memset(past, 0, sizeof(past));
		for (i = n; i < HWM_BITS; i++) {
			j = i - n;
			if ((s->past[i / 64] >> (i % 64)) & 1)
				past[j / 64] |= 1ULL << (j % 64);
		}
		memcpy(s->past, past, sizeof(past));
		s->mark += n;
		for (n = 0; n < HWM_BITS && ((s->past[n / 64] >> (n % 64)) &
		    1); n++)
			;
	}
}

/*
 * The mark is at least v: what another collector stored, read from
 * the store.
 */
void
hwm_raise(struct hwm_sess *s, uint64_t v)
{
	if (v <= s->mark)
		return;
	if (v - s->mark >= HWM_BITS) {
		memset(s->past, 0, sizeof(s->past));
		s->mark = v;
	} else
		hwm_shift(s, v - s->mark);
}

/*
 * JetStream acknowledged seq: the mark moves on if it was the next.
 * One too far past the mark to be kept (beyond what a sensor may have
 * unacknowledged) is forgotten: the mark only ever says less.
 */
void
hwm_acked(struct hwm_sess *s, uint64_t seq)
{
	uint64_t	 i;

	if (seq <= s->mark || seq - s->mark > HWM_BITS)
		return;
	i = seq - s->mark - 1;
	s->past[i / 64] |= 1ULL << (i % 64);
	if (seq == s->mark + 1)
		hwm_shift(s, 1);
}

/* 1 if seq is known stored: at or below the mark, or acked past it */
int
hwm_stored(const struct hwm_sess *s, uint64_t seq)
{
	if (seq <= s->mark)
		return (1);
	if (seq - s->mark > HWM_BITS)
		return (0);
	return (hwm_bit(s, seq));
}

/*
 * What the store holds, value v at revision rev: what a write must
 * expect next, and at least the mark
 */
static void
hwm_take(struct hwm_sess *s, uint64_t v, uint64_t rev)
{
	s->rev = rev;
	s->shared = v;
	hwm_raise(s, v);
}

/* the store's value and revision of the session's key, 0 for none */
static int
hwm_get(struct hwm_cache *c, struct hwm_sess *s, uint64_t *v,
    uint64_t *rev)
{
	switch (c->store->get(c->store->arg, s->key, v, rev)) {
	case HWM_OK:
		return (0);
	case HWM_NOTFOUND:
		*v = *rev = 0;
		return (0);
	default:
		c->errors++;
		return (-1);
	}
}

/*
 * What the store holds for the session, read now: its value raises
 * the mark, and its revision is the one a write must expect.
 * -1 if it could not be read.
 */
int
hwm_read(struct hwm_cache *c, struct hwm_sess *s, uint64_t now)
{
	uint64_t	 v, rev;

	if (hwm_get(c, s, &v, &rev) == -1)
		return (-1);
	c->reads++;
	s->fetched = now;
	hwm_take(s, v, rev);
	return (0);
}

/*
 * The mark to the store, if the store has less: set, expecting the
 * revision last seen; when another collector wrote since, its value is
 * read, taken if higher, and ours written again if still higher, at
 * most HWM_TRIES times.  0 when the store holds at least our mark.
 */
int
hwm_write(struct hwm_cache *c, struct hwm_sess *s)
{
	uint64_t	 rev, v;
	int		 i, r;

	for (i = 0; i < HWM_TRIES; i++) {
		if (s->shared >= s->mark)
			return (0);
		r = c->store->put(c->store->arg, s->key, s->mark, s->rev,
		    &rev);
		if (r == HWM_OK) {
			c->writes++;
			s->shared = s->mark;
			s->rev = rev;
			return (0);
		}
		if (r != HWM_CONFLICT)
			break;
		c->conflicts++;
		if (hwm_get(c, s, &v, &rev) == -1)
			return (-1);
		hwm_take(s, v, rev);
	}
	c->errors++;
	return (-1);
}

/*
 * Every mark the store has less of, written: every few seconds and
 * at exit.  The number that could not be, to be tried again; after the
 * first that failed (not a conflict: the store did not answer) no
 * more is tried, each would wait as long.
 */
unsigned int
hwm_flush(struct hwm_cache *c)
{
	struct hwm_sess	*s;
	unsigned int	 failed = 0;

	TAILQ_FOREACH(s, &c->lru, lru)
		if (s->mark > s->shared && (failed > 0 ||
		    hwm_write(c, s) == -1))
			failed++;
	return (failed);
}

/*
 * The same without waiting for the store, every few seconds: each
 * write is sent (put_async), at most max under way at once, and its
 * outcome taken by hwm_written().  A session whose write is under way
 * is left for the next time, and so are those past max.  After a write
 * that could not be sent no more is tried: the number of those, left
 * unsent.
 */
unsigned int
hwm_flush_async(struct hwm_cache *c, unsigned int max)
{
	struct hwm_sess	*s;
	unsigned int	 failed = 0;

	TAILQ_FOREACH(s, &c->lru, lru) {
		if (s->mark <= s->shared || s->writing != 0)
			continue;
		if (failed > 0) {
			failed++;
			continue;
		}
		if (c->writing >= max)
			continue;
		if (c->store->put_async(c->store->arg, s->key, s->mark,
		    s->rev) != HWM_OK) {
			c->errors++;
			failed++;
			continue;
		}
		s->writing = s->mark;
		c->writing++;
	}
	return (failed);
}

/*
 * The outcome r of the write of value v that hwm_flush_async() sent for
 * key, rev the key's revision it made.  One for a session gone, or for
 * a write forgotten since (hwm_unsent()), is too late: nothing.  When
 * another collector wrote first, its value is read now, and ours is
 * written again the next time if still higher.  A key that is not
 * there, and still refused a write that expected none, was deleted
 * (the store keeps a marker of that): written now, awaited, as
 * hwm_write() makes a key over such a marker.
 */
void
hwm_written(struct hwm_cache *c, const char *key, uint64_t v, int r,
    uint64_t rev)
{
	struct hwm_sess	 k, *s;
	uint64_t	 nv, nrev;

	if (strlcpy(k.key, key, sizeof(k.key)) >= sizeof(k.key) ||
	    (s = RB_FIND(hwm_tree, &c->tree, &k)) == NULL ||
	    s->writing != v || v == 0)
		return;
	s->writing = 0;
	c->writing--;
	switch (r) {
	case HWM_OK:
		c->writes++;
		if (v > s->shared) {
			s->shared = v;
			s->rev = rev;
		}
		break;
	case HWM_CONFLICT:
		c->conflicts++;
		if (hwm_get(c, s, &nv, &nrev) == -1)
			break;
		if (nrev == 0 && s->rev == 0) {
			hwm_write(c, s);
			break;
		}
		hwm_take(s, nv, nrev);
		break;
	default:
		c->errors++;
		break;
	}
}

/* the connection is gone: the writes sent have no outcome to come */
void
hwm_unsent(struct hwm_cache *c)
{
	struct hwm_sess	*s;

	TAILQ_FOREACH(s, &c->lru, lru)
		s->writing = 0;
	c->writing = 0;
}

/*
 * Whether a batch of the session key, number seq, is stored already:
 * 1 yes, 0 no, -1 the store could not be asked.  A session not in the
 * cache is read from the store; one whose reading is older than
 * refresh ms is read again before a number it does not know is
 * published, so that what another collector stored since counts.
 */
int
hwm_check(struct hwm_cache *c, const char *key, uint64_t seq, uint64_t now,
    uint64_t refresh)
{
	struct hwm_sess	*s;

	if ((s = hwm_find(c, key)) == NULL) {
		if ((s = hwm_add(c, key)) == NULL)
			return (-1);
		if (hwm_read(c, s, now) == -1) {
			hwm_drop(c, s);
			return (-1);
		}
	} else if (!hwm_stored(s, seq) && now - s->fetched >= refresh &&
	    hwm_read(c, s, now) == -1)
		return (-1);
	return (hwm_stored(s, seq));
}

/* JetStream acknowledged the batch seq of session key */
void
hwm_ack(struct hwm_cache *c, const char *key, uint64_t seq)
{
	struct hwm_sess	*s;

	/* one read before it was published; gone since, it stays so */
	if ((s = hwm_find(c, key)) != NULL)
		hwm_acked(s, seq);
}
