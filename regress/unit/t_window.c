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
 * The collector's replay window (nccollectd/window.c): sessions of a
 * sensor key, newest first, and the window of sequence numbers of a
 * session, checked against what a plain set of numbers seen says.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"
#include "tap.h"

#define MODEL_MAX	20000		/* numbers the model follows */

static void	 sess_name(unsigned char *, unsigned char);
static int	 commit(struct slot *, uint64_t, int64_t *);
static void	 test_first(void);
static void	 test_order(void);
static void	 test_edge(void);
static void	 test_jump(void);
static void	 test_check_only(void);
static void	 test_model(void);
static void	 test_sessions(void);

/* a datagram's session bytes whose nonce and certificate are all c */
static void
sess_name(unsigned char *sess, unsigned char c)
{
	memset(sess, 0xee, WIRE_SESSLEN);
	memset(sess + WIRE_OFF_SNONCE, c, WIRE_SESSLEN - WIRE_OFF_SNONCE);
}

/* window_commit(), and a check that it agrees with window_check() */
static int
commit(struct slot *sl, uint64_t seq, int64_t *gaps)
{
	int	 c, r;

	c = window_check(sl, seq);
	r = window_commit(sl, seq, gaps);
	if (c != r)
		printf("# seq %llu: check says %d, commit %d\n",
		    (unsigned long long)seq, c, r);
	return (c == r ? r : -2);
}

static void
test_first(void)
{
	struct slot	 sl;
	int64_t		 g = 99;

	memset(&sl, 0, sizeof(sl));
	ok(window_check(&sl, 0) == DROP_OLD, "seq 0 is old in a new session");
	ok(commit(&sl, 0, &g) == DROP_OLD && g == 0 && sl.top == 0,
	    "seq 0 is not recorded and counts no gap");
	ok(commit(&sl, 1, &g) == -1 && g == 0 && sl.top == 1,
	    "first datagram, seq 1: taken, no gap");

	memset(&sl, 0, sizeof(sl));
	ok(commit(&sl, 5, &g) == -1 && g == 4 && sl.top == 5,
	    "first datagram, seq 5: taken, 1-4 are 4 gaps (got %lld)",
	    (long long)g);
	ok(commit(&sl, 0, &g) == DROP_OLD, "seq 0 is old after that too");
}

static void
test_order(void)
{
	struct slot	 sl;
	int64_t		 g, sum = 0;
	uint64_t	 seq;
	int		 bad = 0;

	memset(&sl, 0, sizeof(sl));
	for (seq = 1; seq <= 3000; seq++) {
		if (commit(&sl, seq, &g) != -1 || g != 0)
			bad++;
		sum += g;
	}
	ok(bad == 0 && sum == 0 && sl.top == 3000,
	    "3000 in order: all taken, no gaps");
	ok(commit(&sl, 3000, &g) == DROP_REPEAT && g == 0 && sl.top == 3000,
	    "the newest again is a repeat");
	ok(commit(&sl, 2500, &g) == DROP_REPEAT, "one 500 back is a repeat");
	ok(commit(&sl, 3010, &g) == -1 && g == 9,
	    "3010 after 3000: taken, 9 gaps (got %lld)", (long long)g);
	ok(commit(&sl, 3005, &g) == -1 && g == -1,
	    "3005 late: taken, one gap fewer");
	ok(commit(&sl, 3005, &g) == DROP_REPEAT && g == 0,
	    "3005 again: a repeat, gaps unchanged");
	ok(commit(&sl, 3001, &g) == -1 && g == -1 && sl.top == 3010,
	    "3001 late: taken, the top stays 3010");
}

/* top 2000: 977 (top - 1023) is the oldest the window holds */
static void
test_edge(void)
{
	struct slot	 sl;
	int64_t		 g;

	memset(&sl, 0, sizeof(sl));
	ok(commit(&sl, 2000, &g) == -1 && g == 1999, "2000 first: 1999 gaps");
	ok(commit(&sl, 2000 - 1024, &g) == DROP_OLD && g == 0,
	    "top - 1024 is behind the window");
	ok(commit(&sl, 1, &g) == DROP_OLD, "1 is behind the window");
	ok(commit(&sl, 2000 - 1023, &g) == -1 && g == -1,
	    "top - 1023 is inside: taken late");
	ok(commit(&sl, 2000 - 1023, &g) == DROP_REPEAT,
	    "top - 1023 again: a repeat");
	ok(commit(&sl, 2001, &g) == -1 && g == 0, "2001 next: taken");
	ok(commit(&sl, 2000 - 1023, &g) == DROP_OLD,
	    "the window moved: 977 is now old, not a repeat");
}

static void
test_jump(void)
{
	struct slot	 sl;
	int64_t		 g;

	memset(&sl, 0, sizeof(sl));
	commit(&sl, 1500, &g);
	commit(&sl, 2000, &g);
	/* 2524 shares 1500's bit; 600 on, the bit must be clear */
	ok(commit(&sl, 2600, &g) == -1 && g == 599, "2000 to 2600: 599 gaps");
	ok(commit(&sl, 2524, &g) == -1 && g == -1,
	    "2524, in 1500's place in the window, is taken, not a repeat");
	ok(commit(&sl, 2000, &g) == DROP_REPEAT,
	    "2000 is still remembered 600 on");

	/* a jump of exactly the window forgets everything */
	ok(commit(&sl, 2600 + 1024, &g) == -1 && g == 1023,
	    "a jump of 1024: 1023 gaps");
	ok(commit(&sl, 2600 + 1024 - 1000, &g) == -1,
	    "3624 - 1000 is taken: the old bits in its place were cleared");
	ok(commit(&sl, 2600, &g) == DROP_OLD, "2600 is now old");
	ok(commit(&sl, 2600 + 1024 - 1, &g) == -1 && g == -1,
	    "3623, never seen, is taken late");

	memset(&sl, 0, sizeof(sl));
	commit(&sl, 7, &g);
	ok(commit(&sl, 1ULL << 40, &g) == -1 &&
	    g == (int64_t)((1ULL << 40) - 8),
	    "a jump to 2^40: 2^40 - 8 gaps");
	ok(commit(&sl, 7, &g) == DROP_OLD, "7 is far behind it");
	ok(commit(&sl, (1ULL << 40) - 1, &g) == -1 && g == -1,
	    "2^40 - 1 is taken late");
	ok(commit(&sl, UINT64_MAX, &g) == -1 && sl.top == UINT64_MAX,
	    "the largest sequence number is taken");
	ok(commit(&sl, UINT64_MAX, &g) == DROP_REPEAT,
	    "and is a repeat after that");
}

static void
test_check_only(void)
{
	struct slot	 sl, before;
	int64_t		 g;

	memset(&sl, 0, sizeof(sl));
	commit(&sl, 100, &g);
	before = sl;
	ok(window_check(&sl, 50) == -1 && window_check(&sl, 50) == -1,
	    "check-only: 50 is new, and new again");
	ok(window_check(&sl, 5000) == -1 && window_check(&sl, 100) ==
	    DROP_REPEAT, "check-only: 5000 is new and does not move the top");
	ok(memcmp(&sl, &before, sizeof(sl)) == 0,
	    "checking changes nothing in the slot");
	ok(window_commit(&sl, 50, &g) == -1 && window_check(&sl, 50) ==
	    DROP_REPEAT, "once committed, 50 is a repeat");
}

/*
 * Random numbers near a moving top, each against a set of the numbers
 * taken: taken if new and within 1023 of the highest, old if further
 * back, else a repeat; the gaps are the numbers up to the top never
 * taken.
 */
static void
test_model(void)
{
	static unsigned char	 seen[MODEL_MAX + 1];
	struct slot		 sl;
	uint64_t		 top = 0, taken = 0, seq;
	int64_t			 g, gaps = 0;
	int			 i, want, got, bad = 0, gbad = 0;
	int			 n[3] = { 0, 0, 0 };

	memset(&sl, 0, sizeof(sl));
	srandom(1);
	for (i = 0; i < 200000; i++) {
		seq = top + 32 < 1100 ? (uint64_t)(random() % 1100) :
		    top + 32 - (uint64_t)(random() % 1100);
		if (seq > MODEL_MAX)
			break;
		if (seq == 0 || (seq <= top && top - seq >= 1024))
			want = DROP_OLD;
		else if (seen[seq])
			want = DROP_REPEAT;
		else
			want = -1;
		n[want == -1 ? 0 : want == DROP_REPEAT ? 1 : 2]++;
		got = commit(&sl, seq, &g);
		if (got != want && bad++ < 5)
			printf("# seq %llu top %llu: got %d, want %d\n",
			    (unsigned long long)seq, (unsigned long long)top,
			    got, want);
		if (want == -1) {
			seen[seq] = 1;
			taken++;
			if (seq > top)
				top = seq;
		}
		gaps += g;
		if ((uint64_t)gaps != top - taken)
			gbad++;
	}
	ok(bad == 0, "%d random numbers: every verdict as the set says "
	    "(%d new, %d repeats, %d old)", i, n[0], n[1], n[2]);
	ok(n[0] > 1000 && n[1] > 1000 && n[2] > 1000,
	    "each verdict was wanted often");
	ok(gbad == 0 && (uint64_t)gaps == top - taken,
	    "gaps are the numbers up to the top never taken (%lld)",
	    (long long)gaps);
	ok(taken > 10000 && top > 15000,
	    "the model moved far (%llu taken, top %llu)",
	    (unsigned long long)taken, (unsigned long long)top);
}

static void
test_sessions(void)
{
	struct sessions	 ss;
	struct slot	*sl;
	unsigned char	 a[WIRE_SESSLEN], b[WIRE_SESSLEN], c[WIRE_SESSLEN];
	unsigned char	 d[WIRE_SESSLEN], e[WIRE_SESSLEN];
	int64_t		 g;

	memset(&ss, 0, sizeof(ss));
	sess_name(a, 'a');
	sess_name(b, 'b');
	sess_name(c, 'c');
	sess_name(d, 'd');
	sess_name(e, 'e');
	ok(slot_find(&ss, a) == NULL, "no session in a new key");
	ok((sl = slot_start(&ss, a, 100)) == &ss.slot[0],
	    "the first session takes the newest slot");
	window_commit(sl, 40, &g);
	ok(slot_find(&ss, a) == &ss.slot[0], "and is found there");
	ok(slot_find(&ss, b) == NULL, "another nonce is not");

	/* named by nonce and certificate, not by version and key */
	memcpy(d, a, sizeof(d));
	d[0] ^= 1;
	d[WIRE_OFF_SNONCE - 1] ^= 1;
	ok(slot_find(&ss, d) == &ss.slot[0],
	    "the bytes before the nonce do not name a session");
	d[WIRE_SESSLEN - 1] ^= 1;
	ok(slot_find(&ss, d) == NULL,
	    "the certificate's last byte does");
	sess_name(d, 'd');

	ok(slot_start(&ss, b, 100) == NULL, "as old as the newest: stale");
	ok((sl = slot_start(&ss, b, 50)) == &ss.slot[1],
	    "older than the only one: takes the second slot");
	ok(slot_find(&ss, a) == &ss.slot[0] && slot_find(&ss, b) ==
	    &ss.slot[1], "both are found, newest first");
	ok(slot_start(&ss, c, 10) == NULL, "older than both: stale");
	ok(slot_start(&ss, c, 50) == NULL, "as old as the older: stale");

	ok((sl = slot_start(&ss, c, 200)) == &ss.slot[0],
	    "newer than both: takes the newest slot");
	ok(ss.slot[1].created == 100 && slot_find(&ss, a) == &ss.slot[1],
	    "the newest before moves to the second slot");
	ok(ss.slot[1].top == 40 && window_check(&ss.slot[1], 40) ==
	    DROP_REPEAT, "with its window");
	ok(slot_find(&ss, b) == NULL, "the oldest is forgotten");
	ok(slot_start(&ss, b, 50) == NULL, "and stale if it comes back");

	ok((sl = slot_start(&ss, d, 150)) == &ss.slot[1],
	    "between the two: replaces the older");
	ok(sl->top == 0 && window_check(sl, 40) == -1,
	    "with a fresh window");
	ok(slot_find(&ss, a) == NULL && slot_find(&ss, c) == &ss.slot[0] &&
	    slot_find(&ss, d) == &ss.slot[1], "the older one is gone");
	ok(ss.slot[0].created == 200 && ss.slot[1].created == 150,
	    "still newest first");
	ok(slot_start(&ss, e, 150) == NULL && slot_start(&ss, e, 200) == NULL,
	    "equal to either: stale");
}

int
main(void)
{
	test_first();
	test_order();
	test_edge();
	test_jump();
	test_check_only();
	test_model();
	test_sessions();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
