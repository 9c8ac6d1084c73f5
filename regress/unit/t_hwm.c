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
 * The publisher's shared high-water marks (nccollectd/hwm.c): a
 * session's mark against a plain set of the numbers acknowledged (in
 * order, out of order, with gaps and repeats, and numbers too far
 * ahead), and two collectors' caches sharing one store played here, a
 * table of keys with revisions as a JetStream bucket keeps them: a
 * mark never goes down in it, whoever writes when (conflicts made on
 * purpose between a read and a write), a session is read again only
 * after the refresh interval, failures are said, and the cache's least
 * recently used session makes room with its mark written.  The writes
 * sent without waiting (hwm_flush_async()) are held here and delivered
 * when a test says, each to hwm_written() as the store took it.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"
#include "tap.h"

#define MODEL_MAX	5000

/* the store: keys, their values and revisions, one sequence for all */
struct fkey {
	char		 key[HWM_KEYLEN];
	uint64_t	 v, rev;
	int		 deleted;	/* a marker: read as none */
};
static struct fkey	 fkeys[16];
static int		 nfkeys;
static uint64_t		 fseq;
static int		 fail_get, fail_put;
static int		 ngets, nputs;
/* before the next put: another collector writes this value first */
static uint64_t		 race_value;
/* the writes sent, not yet delivered */
struct fsent {
	char		 key[HWM_KEYLEN];
	uint64_t	 v, rev;
};
static struct fsent	 fsent[16];
static int		 nfsent, fail_send;
/* each write delivered fails: no ack in time */
static int		 fail_deliver;

static struct fkey	*fk_find(const char *);
static int		 f_get(void *, const char *, uint64_t *, uint64_t *);
static int		 f_put(void *, const char *, uint64_t, uint64_t,
			    uint64_t *);
static void		 f_set(const char *, uint64_t);
static int		 f_send(void *, const char *, uint64_t, uint64_t);
static void		 f_deliver(struct hwm_cache *);
static uint64_t		 f_value(const char *);
static void		 f_reset(void);
static uint64_t		 model_mark(const unsigned char *);
static void		 test_order(void);
static void		 test_gaps(void);
static void		 test_far(void);
static void		 test_raise(void);
static void		 test_model(void);
static void		 test_cas(void);
static void		 test_race(void);
static void		 test_check(void);
static void		 test_errors(void);
static void		 test_lru(void);
static void		 test_async(void);
static struct hwm_sess	*race_async(struct hwm_cache *, const char *, uint64_t,
			    uint64_t);
static void		 test_async_cas(void);
static void		 test_async_gone(void);
static void		 test_async_lost(void);

static const struct hwm_store	 fstore = { f_get, f_put, f_send, NULL };

static struct fkey *
fk_find(const char *key)
{
	int	i;

	for (i = 0; i < nfkeys; i++)
		if (strcmp(fkeys[i].key, key) == 0)
			return (&fkeys[i]);
	return (NULL);
}

static int
f_get(void *arg, const char *key, uint64_t *v, uint64_t *rev)
{
	struct fkey	*k;

	ngets++;
	if (fail_get)
		return (HWM_ERROR);
	if ((k = fk_find(key)) == NULL || k->deleted)
		return (HWM_NOTFOUND);
	*v = k->v;
	*rev = k->rev;
	return (HWM_OK);
}

/*
 * as a JetStream bucket's create or update: set only if the key's last
 * revision is rev (0: none, or a deleted key's marker)
 */
static int
f_put(void *arg, const char *key, uint64_t v, uint64_t rev, uint64_t *nrev)
{
	struct fkey	*k;

	nputs++;
	if (fail_put)
		return (HWM_ERROR);
	if (race_value != 0) {
		f_set(key, race_value);
		race_value = 0;
	}
	k = fk_find(key);
	if ((k == NULL && rev != 0) || (k != NULL && k->deleted && rev != 0) ||
	    (k != NULL && !k->deleted && k->rev != rev))
		return (HWM_CONFLICT);
	if (k == NULL) {
		k = &fkeys[nfkeys++];
		strlcpy(k->key, key, sizeof(k->key));
	}
	k->v = v;
	k->rev = *nrev = ++fseq;
	k->deleted = 0;
	return (HWM_OK);
}

/* a write of someone else's, unconditional */
static void
f_set(const char *key, uint64_t v)
{
	struct fkey	*k;

	if ((k = fk_find(key)) == NULL) {
		k = &fkeys[nfkeys++];
		strlcpy(k->key, key, sizeof(k->key));
	}
	k->v = v;
	k->rev = ++fseq;
}

/* a write sent: held until f_deliver() */
static int
f_send(void *arg, const char *key, uint64_t v, uint64_t rev)
{
	if (fail_send || nfsent == (int)(sizeof(fsent) / sizeof(fsent[0])))
		return (HWM_ERROR);
	strlcpy(fsent[nfsent].key, key, sizeof(fsent[nfsent].key));
	fsent[nfsent].v = v;
	fsent[nfsent].rev = rev;
	nfsent++;
	return (HWM_OK);
}

/* the writes sent reach the store, in order; each outcome to the cache */
static void
f_deliver(struct hwm_cache *c)
{
	struct fkey	*k;
	uint64_t	 nrev = 0;
	int		 i, r;

	for (i = 0; i < nfsent; i++) {
		k = fk_find(fsent[i].key);
		/* a message expecting none: a deleted key's marker is one */
		if (k != NULL && k->deleted && fsent[i].rev == 0)
			r = HWM_CONFLICT;
		else if (fail_deliver)
			r = HWM_ERROR;
		else
			r = f_put(NULL, fsent[i].key, fsent[i].v,
			    fsent[i].rev, &nrev);
		hwm_written(c, fsent[i].key, fsent[i].v, r, nrev);
	}
	nfsent = 0;
}

static uint64_t
f_value(const char *key)
{
	struct fkey	*k;

	return ((k = fk_find(key)) != NULL ? k->v : 0);
}

static void
f_reset(void)
{
	memset(fkeys, 0, sizeof(fkeys));
	nfkeys = 0;
	fail_get = fail_put = fail_send = fail_deliver = 0;
	ngets = nputs = 0;
	race_value = 0;
	nfsent = 0;
}

/* the highest m with every number 1..m in the set */
static uint64_t
model_mark(const unsigned char *set)
{
	uint64_t	 m = 0;

	while (m + 1 < MODEL_MAX && set[m + 1])
		m++;
	return (m);
}

static void
test_order(void)
{
	struct hwm_sess	 s;
	uint64_t	 i;

	memset(&s, 0, sizeof(s));
	ok(s.mark == 0 && !hwm_stored(&s, 1), "a new session: mark 0, "
	    "nothing stored");
	for (i = 1; i <= 3000; i++)
		hwm_acked(&s, i);
	ok(s.mark == 3000, "3000 in order: mark 3000 (%llu)",
	    (unsigned long long)s.mark);
	ok(hwm_stored(&s, 1) && hwm_stored(&s, 3000) && !hwm_stored(&s, 3001),
	    "1 and 3000 stored, 3001 not");
	hwm_acked(&s, 3000);
	hwm_acked(&s, 17);
	ok(s.mark == 3000, "repeats and old numbers change nothing");
}

static void
test_gaps(void)
{
	struct hwm_sess	 s;

	memset(&s, 0, sizeof(s));
	hwm_acked(&s, 1);
	hwm_acked(&s, 2);
	hwm_acked(&s, 4);
	hwm_acked(&s, 5);
	hwm_acked(&s, 5);
	ok(s.mark == 2, "1 2 4 5 5: mark 2 (%llu)",
	    (unsigned long long)s.mark);
	ok(hwm_stored(&s, 4) && hwm_stored(&s, 5) && !hwm_stored(&s, 3) &&
	    !hwm_stored(&s, 6), "4 and 5 known stored, 3 and 6 not");
	hwm_acked(&s, 3);
	ok(s.mark == 5, "3 comes: mark 5 (%llu)", (unsigned long long)s.mark);
	hwm_acked(&s, 7);
	hwm_acked(&s, 6);
	ok(s.mark == 7, "7 then 6: mark 7");
}

static void
test_far(void)
{
	struct hwm_sess	 s;

	memset(&s, 0, sizeof(s));
	hwm_acked(&s, HWM_BITS);
	ok(hwm_stored(&s, HWM_BITS), "the last number kept past the "
	    "mark is kept");
	hwm_acked(&s, HWM_BITS + 1);
	ok(!hwm_stored(&s, HWM_BITS + 1) && !hwm_stored(&s, 1ULL << 40),
	    "one further is forgotten: never said stored");
	ok(s.mark == 0, "the mark stays 0");
}

static void
test_raise(void)
{
	struct hwm_sess	 s;

	memset(&s, 0, sizeof(s));
	hwm_acked(&s, 12);
	hwm_acked(&s, 13);
	hwm_acked(&s, 20);
	hwm_raise(&s, 11);
	ok(s.mark == 13, "raised to 11 by another collector: on over 12 and "
	    "13, mark 13 (%llu)", (unsigned long long)s.mark);
	ok(hwm_stored(&s, 20) && !hwm_stored(&s, 19), "20 still known, 19 "
	    "not");
	hwm_raise(&s, 5);
	ok(s.mark == 13, "a lower value does not lower it");
	hwm_raise(&s, 5000);
	ok(s.mark == 5000 && !hwm_stored(&s, 5001), "raised far: mark 5000, "
	    "nothing past it");
}

/* random order within a sensor's credit, repeats: against the set */
static void
test_model(void)
{
	struct hwm_sess	 s;
	unsigned char	*set;
	uint64_t	 next = 1, seq, x;
	int		 i, bad = 0, badst = 0;

	if ((set = calloc(MODEL_MAX, 1)) == NULL)
		abort();
	memset(&s, 0, sizeof(s));
	srandom(7);
	for (i = 0; i < 20000 && next < MODEL_MAX - 300; i++) {
		/* a number among the 300 after the mark, or a repeat */
		seq = s.mark + 1 + (uint64_t)(random() % 300);
		if (random() % 10 == 0 && next > 1)
			seq = 1 + (uint64_t)random() % next;
		if (seq >= MODEL_MAX)
			continue;
		if (seq >= next)
			next = seq + 1;
		set[seq] = 1;
		hwm_acked(&s, seq);
		if (s.mark != model_mark(set))
			bad++;
		x = 1 + (uint64_t)random() % (MODEL_MAX - 1);
		if (hwm_stored(&s, x) != set[x])
			badst++;
	}
	ok(bad == 0, "out of order and repeated: the mark is always the "
	    "set's (%d differ, mark %llu)", bad, (unsigned long long)s.mark);
	ok(badst == 0, "and stored() says what the set says (%d differ)",
	    badst);
	free(set);
}

/* two collectors, one store: the mark never goes down */
static void
test_cas(void)
{
	struct hwm_cache	 a, b;
	struct hwm_sess		*sa, *sb;
	const char		*k = "aa.bb";
	uint64_t		 i;

	f_reset();
	hwm_init(&a, 8, &fstore);
	hwm_init(&b, 8, &fstore);
	sa = hwm_add(&a, k);
	sb = hwm_add(&b, k);
	ok(hwm_read(&a, sa, 0) == 0 && hwm_read(&b, sb, 0) == 0 &&
	    sa->rev == 0, "both read a session the store has not");
	for (i = 1; i <= 10; i++)
		hwm_acked(sa, i);
	for (i = 1; i <= 7; i++)
		hwm_acked(sb, i);
	ok(hwm_flush(&a) == 0 && f_value(k) == 10, "A writes 10");
	ok(hwm_flush(&b) == 0 && f_value(k) == 10, "B's 7, on a revision "
	    "that is old, does not lower it");
	ok(b.conflicts == 1 && sb->mark == 10 && sb->shared == 10,
	    "B had a conflict, read 10 and took it");
	for (i = 8; i <= 12; i++)
		hwm_acked(sb, i);
	ok(sb->mark == 12 && hwm_flush(&b) == 0 && f_value(k) == 12,
	    "B, at 12, writes 12");
	for (i = 11; i <= 11; i++)
		hwm_acked(sa, i);
	ok(hwm_flush(&a) == 0 && f_value(k) == 12 && sa->mark == 12,
	    "A's 11 on an old revision: the store keeps 12, A takes it");
	nputs = 0;
	ok(hwm_flush(&a) == 0 && hwm_flush(&b) == 0 && nputs == 0,
	    "nothing new: no writes");
	hwm_free(&a);
	hwm_free(&b);
}

/* another write between our read and our write, each time */
static void
test_race(void)
{
	struct hwm_cache	 c;
	struct hwm_sess		*s;
	const char		*k = "cc.dd";
	uint64_t		 i;

	f_reset();
	hwm_init(&c, 8, &fstore);
	s = hwm_add(&c, k);
	hwm_read(&c, s, 0);
	for (i = 1; i <= 100; i++)
		hwm_acked(s, i);
	race_value = 40;
	ok(hwm_flush(&c) == 0 && f_value(k) == 100 && c.conflicts == 1,
	    "a write of 40 between read and write: conflict, read again, "
	    "100 written");
	for (i = 101; i <= 110; i++)
		hwm_acked(s, i);
	race_value = 500;
	ok(hwm_flush(&c) == 0 && f_value(k) == 500 && s->mark == 500,
	    "one of 500 meanwhile: kept, and taken");
	hwm_free(&c);
}

/* read once, again only after refresh, and only for what it lacks */
static void
test_check(void)
{
	struct hwm_cache	 c;
	const char		*k = "ee.ff";

	f_reset();
	hwm_init(&c, 8, &fstore);
	f_set(k, 50);
	ok(hwm_check(&c, k, 50, 0, 1000) == 1 && ngets == 1,
	    "a session stored to 50 elsewhere: 50 is a replay, one read");
	ok(hwm_check(&c, k, 3, 10, 1000) == 1 && ngets == 1,
	    "3 too, without reading again");
	ok(hwm_check(&c, k, 51, 20, 1000) == 0 && ngets == 1,
	    "51 is new; read 20 ms ago, not read again");
	f_set(k, 60);
	ok(hwm_check(&c, k, 55, 500, 1000) == 0 && ngets == 1,
	    "stored elsewhere since, within the refresh: not known yet");
	ok(hwm_check(&c, k, 55, 1000, 1000) == 1 && ngets == 2,
	    "after the refresh it is read again: a replay");
	hwm_ack(&c, k, 61);
	ok(hwm_check(&c, k, 61, 5000, 1000) == 1 && ngets == 2,
	    "one we had acknowledged: known without reading");
	hwm_free(&c);
}

static void
test_errors(void)
{
	struct hwm_cache	 c;
	struct hwm_sess		*s;
	const char		*k = "11.22";

	f_reset();
	hwm_init(&c, 8, &fstore);
	fail_get = 1;
	ok(hwm_check(&c, k, 1, 0, 1000) == -1 && c.n == 0 && c.errors == 1,
	    "a read that fails: -1, counted, nothing cached");
	fail_get = 0;
	ok(hwm_check(&c, k, 1, 0, 1000) == 0, "once it works: 1 is new");
	s = hwm_find(&c, k);
	hwm_acked(s, 1);
	fail_put = 1;
	ok(hwm_flush(&c) == 1 && f_value(k) == 0 && c.errors == 2,
	    "a write that fails: one left, counted");
	fail_put = 0;
	ok(hwm_flush(&c) == 0 && f_value(k) == 1, "written the next time");
	hwm_check(&c, "33.44", 1, 0, 1000);
	hwm_ack(&c, "33.44", 1);
	hwm_ack(&c, k, 2);
	fail_put = 1;
	nputs = 0;
	ok(hwm_flush(&c) == 2 && nputs == 1, "two to write, the store does "
	    "not answer: one tried, two left");
	fail_put = 0;
	ok(hwm_flush(&c) == 0 && f_value(k) == 2 && f_value("33.44") == 1,
	    "both written the next time");
	hwm_free(&c);
}

static void
test_lru(void)
{
	struct hwm_cache	 c;
	struct hwm_sess		*s;

	f_reset();
	hwm_init(&c, 2, &fstore);
	hwm_check(&c, "k1", 1, 0, 1000);
	hwm_ack(&c, "k1", 1);
	hwm_check(&c, "k2", 1, 0, 1000);
	hwm_check(&c, "k1", 2, 0, 1000);	/* k1 used last */
	hwm_check(&c, "k3", 1, 0, 1000);
	ok(c.n == 2 && hwm_find(&c, "k2") == NULL && hwm_find(&c, "k1") !=
	    NULL, "bounded at 2: the least recently used, k2, is out");
	hwm_ack(&c, "k3", 1);
	hwm_ack(&c, "k3", 2);
	hwm_check(&c, "k4", 1, 0, 1000);
	ok(hwm_find(&c, "k1") == NULL && f_value("k1") == 1,
	    "k1 out next, its mark written first");
	ok(hwm_check(&c, "k1", 1, 0, 1000) == 1, "and read back, 1 is a "
	    "replay");
	s = hwm_find(&c, "k1");
	ok(s != NULL && s->mark == 1, "mark 1");
	hwm_free(&c);
}

/* hwm_flush_async(): sent, at most max, none twice, taken on delivery */
static void
test_async(void)
{
	struct hwm_cache	 c;
	struct hwm_sess		*s;
	const char		*keys[3] = { "a1", "a2", "a3" };
	int			 i;

	f_reset();
	hwm_init(&c, 8, &fstore);
	for (i = 0; i < 3; i++) {
		hwm_check(&c, keys[i], 1, 0, 1000);
		hwm_ack(&c, keys[i], 1);
		hwm_ack(&c, keys[i], 2);
	}
	nputs = 0;
	ok(hwm_flush_async(&c, 2) == 0 && nfsent == 2 && c.writing == 2 &&
	    nputs == 0 && f_value("a1") == 0,
	    "three to write, at most two under way: two sent, none waited for");
	ok(hwm_flush_async(&c, 2) == 0 && nfsent == 2,
	    "sent again before their acks: nothing more");
	f_deliver(&c);
	ok(c.writing == 0 && c.writes == 2 && f_value("a1") == 2 &&
	    f_value("a2") == 2 && f_value("a3") == 0,
	    "delivered: the store has the two marks, the cache knows it");
	ok(hwm_flush_async(&c, 2) == 0 && nfsent == 1 &&
	    strcmp(fsent[0].key, "a3") == 0, "the next time: the third");
	hwm_ack(&c, "a3", 3);
	ok(hwm_flush_async(&c, 2) == 0 && nfsent == 1,
	    "a mark that moved on while its write is under way: not sent twice");
	f_deliver(&c);
	s = hwm_find(&c, "a3");
	ok(f_value("a3") == 2 && s->shared == 2 && s->mark == 3,
	    "the write of 2 delivered: the store has 2, the mark is 3");
	hwm_flush_async(&c, 2);
	f_deliver(&c);
	ok(f_value("a3") == 3 && s->shared == 3 && c.writing == 0,
	    "then 3 is written, on the revision the first write made");
	ok(hwm_flush_async(&c, 2) == 0 && nfsent == 0, "nothing left");
	hwm_ack(&c, "a1", 3);
	fail_send = 1;
	ok(hwm_flush_async(&c, 2) == 1 && c.errors == 1 && c.writing == 0,
	    "a write that cannot be sent: one left, counted");
	hwm_free(&c);
}

/*
 * numbers 1 to n of session key acknowledged and its mark's write sent;
 * another collector writes theirs first, then ours is delivered
 */
static struct hwm_sess *
race_async(struct hwm_cache *c, const char *key, uint64_t n, uint64_t theirs)
{
	uint64_t	 i;

	hwm_check(c, key, 1, 0, 1000);
	for (i = 1; i <= n; i++)
		hwm_ack(c, key, i);
	hwm_flush_async(c, 8);
	f_set(key, theirs);
	f_deliver(c);
	return (hwm_find(c, key));
}

/* another collector writes between our send and its delivery */
static void
test_async_cas(void)
{
	struct hwm_cache	 c;
	struct hwm_sess		*s;

	f_reset();
	hwm_init(&c, 8, &fstore);
	s = race_async(&c, "b1", 5, 9);
	ok(c.conflicts == 1 && f_value("b1") == 9 && s->mark == 9 &&
	    s->shared == 9, "theirs was higher: ours refused, theirs read, "
	    "our mark raised to it");
	ok(hwm_flush_async(&c, 8) == 0 && nfsent == 0,
	    "and nothing to write");
	s = race_async(&c, "b2", 7, 3);
	ok(f_value("b2") == 3 && s->mark == 7 && s->shared == 3,
	    "theirs was lower: refused all the same, the store's 3 known");
	hwm_flush_async(&c, 8);
	f_deliver(&c);
	ok(f_value("b2") == 7 && s->shared == 7, "ours written the next time, "
	    "on their revision: the mark never went down");
	hwm_free(&c);
}

/* a write with no ack in time; a key deleted under a session */
static void
test_async_lost(void)
{
	struct hwm_cache	 c;
	struct hwm_sess		*s;
	struct fkey		*k;

	f_reset();
	hwm_init(&c, 8, &fstore);
	hwm_check(&c, "t1", 1, 0, 1000);
	hwm_ack(&c, "t1", 1);
	hwm_flush_async(&c, 8);
	fail_deliver = 1;
	f_deliver(&c);
	s = hwm_find(&c, "t1");
	ok(c.errors == 1 && c.writing == 0 && s->writing == 0 &&
	    f_value("t1") == 0, "no ack in time: an error, no write under "
	    "way any more");
	fail_deliver = 0;
	hwm_flush_async(&c, 8);
	f_deliver(&c);
	ok(f_value("t1") == 1 && s->shared == 1, "sent again the next "
	    "time, and written");
	k = fk_find("t1");
	k->deleted = 1;
	s->rev = s->shared = 0;
	hwm_ack(&c, "t1", 2);
	nputs = 0;
	hwm_flush_async(&c, 8);
	f_deliver(&c);
	ok(k->deleted == 0 && f_value("t1") == 2 && s->shared == 2 &&
	    c.writing == 0, "a key deleted: the write expecting none is "
	    "refused, the key read as none, and made again, awaited");
	hwm_free(&c);
}

/* outcomes that come too late: the session gone, or the write forgotten */
static void
test_async_gone(void)
{
	struct hwm_cache	 c;

	f_reset();
	hwm_init(&c, 1, &fstore);
	hwm_check(&c, "g1", 1, 0, 1000);
	hwm_ack(&c, "g1", 1);
	hwm_flush_async(&c, 8);
	hwm_check(&c, "g2", 1, 0, 1000);
	ok(c.n == 1 && c.writing == 0 && f_value("g1") == 1,
	    "a session with a write under way makes room: written as it "
	    "goes, no write counted under way");
	f_deliver(&c);
	ok(f_value("g1") == 1 && c.writing == 0 && c.conflicts == 0,
	    "its late outcome changes nothing");
	hwm_ack(&c, "g2", 1);
	hwm_flush_async(&c, 8);
	hwm_unsent(&c);
	ok(c.writing == 0 && hwm_find(&c, "g2")->writing == 0,
	    "the connection gone: no write is under way any more");
	hwm_flush_async(&c, 8);
	ok(nfsent == 2, "so it is sent again");
	f_deliver(&c);
	ok(f_value("g2") == 1 && c.writing == 0 && hwm_find(&c, "g2")->shared
	    == 1, "the first copy stored is taken; the second, refused, "
	    "comes too late to matter");
	hwm_free(&c);
}

int
main(void)
{
	test_order();
	test_gaps();
	test_far();
	test_raise();
	test_model();
	test_cas();
	test_race();
	test_check();
	test_errors();
	test_lru();
	test_async();
	test_async_cas();
	test_async_gone();
	test_async_lost();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
