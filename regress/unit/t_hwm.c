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
 * recently used session makes room with its mark written.
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
};
static struct fkey	 fkeys[16];
static int		 nfkeys;
static uint64_t		 fseq;
static int		 fail_get, fail_put;
static int		 ngets, nputs;
/* before the next put: another collector writes this value first */
static uint64_t		 race_value;

static struct fkey	*fk_find(const char *);
static int		 f_get(void *, const char *, uint64_t *, uint64_t *);
static int		 f_put(void *, const char *, uint64_t, uint64_t,
			    uint64_t *);
static void		 f_set(const char *, uint64_t);
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

static const struct hwm_store	 fstore = { f_get, f_put, NULL };

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
	if ((k = fk_find(key)) == NULL)
		return (HWM_NOTFOUND);
	*v = k->v;
	*rev = k->rev;
	return (HWM_OK);
}

/* as JetStream: set only if the key's last revision is rev (0: none) */
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
	if ((k == NULL && rev != 0) || (k != NULL && k->rev != rev))
		return (HWM_CONFLICT);
	if (k == NULL) {
		k = &fkeys[nfkeys++];
		strlcpy(k->key, key, sizeof(k->key));
	}
	k->v = v;
	k->rev = *nrev = ++fseq;
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
	fail_get = fail_put = 0;
	ngets = nputs = 0;
	race_value = 0;
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
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
