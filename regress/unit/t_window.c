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
 * session, checked against what a plain set of numbers seen says; a
 * number taken back out when it could not be stored; and the acks made
 * from a window, read back as a sensor reads them (wire.c), for known
 * sequences and against the set.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"
#include "tap.h"

#define MODEL_MAX	20000		/* numbers the model follows */
#define ACK_PROBE_TEST	1		/* a probe's credit */

static void	 sess_name(unsigned char *, unsigned char);
static int	 commit(struct slot *, uint64_t, int64_t *);
static void	 test_first(void);
static void	 test_order(void);
static void	 test_edge(void);
static void	 test_jump(void);
static void	 test_check_only(void);
static void	 test_model(void);
static void	 test_sessions(void);
static void	 test_uncommit(void);
static void	 test_ack(void);
static void	 test_ack_model(void);
static void	 test_bytes(void);
static int	 acked(const struct wire_ack *, uint64_t, uint64_t, int);

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
	ok(memcmp(sl->sess, a, WIRE_SESSLEN) == 0,
	    "and keeps its whole header, for its acks' key");
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

/*
 * A number committed and then not stored: out of the window again, a
 * gap again, taken when it comes again.
 */
static void
test_uncommit(void)
{
	struct slot	 sl;
	int64_t		 g, sum = 0;
	uint64_t	 seq;

	memset(&sl, 0, sizeof(sl));
	for (seq = 1; seq <= 10; seq++) {
		commit(&sl, seq, &g);
		sum += g;
	}
	ok(window_uncommit(&sl, 5, &g) == 0 && g == 1,
	    "5 not stored: out again, one gap more");
	sum += g;
	ok(window_check(&sl, 5) == -1 && window_check(&sl, 4) == DROP_REPEAT,
	    "5 is taken when it comes again, 4 is still a repeat");
	ok(window_uncommit(&sl, 5, &g) == -1 && g == 0,
	    "5 cannot go out twice");
	ok(commit(&sl, 5, &g) == -1 && g == -1 && sl.top == 10,
	    "5 again: taken late, the gap closes, the top stays");
	sum += g;
	ok(sum == 0, "no gap is left (%lld)", (long long)sum);
	ok(window_uncommit(&sl, 10, &g) == 0 && g == 1 && sl.top == 10 &&
	    window_check(&sl, 10) == -1,
	    "the top out again: it stays the top, and is taken again");
	ok(window_uncommit(&sl, 11, &g) == -1 && g == 0 &&
	    window_uncommit(&sl, 0, &g) == -1,
	    "a number above the top, or 0, was never in");
	commit(&sl, 2000, &g);
	ok(window_uncommit(&sl, 9, &g) == -1 && g == 0,
	    "one behind the window cannot come back");
}

/*
 * acked(ack, from, to, want): every number from..to is (want 1) or is
 * not (want 0) done, as the sensor reads the ack
 */
static int
acked(const struct wire_ack *ack, uint64_t from, uint64_t to, int want)
{
	uint64_t	 seq;

	for (seq = from; ; seq++) {
		if (wire_ack_done(ack, seq) != want)
			return (0);
		if (seq == to)
			return (1);
	}
}

static void
test_ack(void)
{
	struct slot	 sl;
	struct wire_ack	 a;
	int64_t		 g;
	uint64_t	 seq;

	memset(&sl, 0, sizeof(sl));
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == 0 && a.nbitmap == 0 && a.credit == 960,
	    "nothing done: D 0, no bitmap, credit 960");

	for (seq = 1; seq <= 10; seq++)
		commit(&sl, seq, &g);
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == 10 && a.nbitmap == 0 && a.credit == 960,
	    "1-10 done: D 10, no bitmap, credit 960");

	commit(&sl, 12, &g);
	commit(&sl, 15, &g);
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == 10 && a.nbitmap == 1 && a.bitmap[0] == 0x09 &&
	    a.credit == 958, "and 12, 15: D 10, bitmap 09 (bits 0, 3), "
	    "credit 958 (got D %llu, %u bytes, %02x, %u)",
	    (unsigned long long)a.done, a.nbitmap, a.bitmap[0], a.credit);
	ok(acked(&a, 1, 10, 1) && acked(&a, 11, 11, 0) && acked(&a, 12, 12,
	    1) && acked(&a, 13, 14, 0) && acked(&a, 15, 15, 1) &&
	    acked(&a, 16, 2000, 0), "the sensor reads 1-10, 12 and 15 done");
	window_ack(&sl, &a, ACK_PROBE_TEST);
	ok(a.done == 10 && a.credit == ACK_PROBE_TEST,
	    "the same with a credit of at most %d: %u", ACK_PROBE_TEST,
	    a.credit);

	commit(&sl, 11, &g);
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == 12 && a.nbitmap == 1 && a.bitmap[0] == 0x02 &&
	    a.credit == 959, "11 late: D 12, bitmap 02 (15), credit 959");

	ok(window_uncommit(&sl, 3, &g) == 0, "3 not stored after all");
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == 2 && acked(&a, 1, 2, 1) && acked(&a, 3, 3, 0) &&
	    acked(&a, 4, 12, 1) && acked(&a, 15, 15, 1) && a.credit == 960 -
	    10, "3 out: D 2, bits for 4-12 and 15, credit 950 (got %u)",
	    a.credit);

	/* a gap at 1, then 2-1000: as much done past D as the window */
	memset(&sl, 0, sizeof(sl));
	for (seq = 2; seq <= 1000; seq++)
		commit(&sl, seq, &g);
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == 0 && a.nbitmap == 125 && a.credit == 0 &&
	    acked(&a, 1, 1, 0) && acked(&a, 2, 1000, 1),
	    "1 missing, 2-1000 done: D 0, 999 bits, credit 0");

	/* the window moved past numbers never seen: those are done */
	memset(&sl, 0, sizeof(sl));
	commit(&sl, 2000, &g);
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == 976 && a.nbitmap == 128 && acked(&a, 977, 1999, 0) &&
	    acked(&a, 2000, 2000, 1) && a.credit == 959,
	    "2000 alone: D 976, behind the window; bit 1022 for 2000; "
	    "credit 959 (got D %llu)", (unsigned long long)a.done);
	for (seq = 977; seq < 2000; seq++)
		commit(&sl, seq, &g);
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == 2000 && a.nbitmap == 0 && a.credit == 960,
	    "977-1999 late: D 2000");

	memset(&sl, 0, sizeof(sl));
	commit(&sl, UINT64_MAX, &g);
	window_ack(&sl, &a, WIRE_ACK_WINDOW);
	ok(a.done == UINT64_MAX - 1024 && acked(&a, UINT64_MAX, UINT64_MAX,
	    1) && !wire_ack_done(&a, UINT64_MAX - 1),
	    "the largest number: D 2^64 - 1025 and its bit");
}

/*
 * Random commits and uncommits against a set: the ack says done of
 * every number the set holds or that is behind the window, of no
 * other, and its credit is 960 less those done past D.
 */
static void
test_ack_model(void)
{
	static unsigned char	 in[MODEL_MAX + 1];
	struct slot		 sl;
	struct wire_ack		 a;
	uint64_t		 top = 0, seq, d, past;
	int64_t			 g;
	int			 i, bad = 0, badc = 0, nun = 0;

	memset(&sl, 0, sizeof(sl));
	srandom(7);
	for (i = 0; i < 20000; i++) {
		seq = top + 64 < 1000 ? (uint64_t)(random() % 1000) + 1 :
		    top + 64 - (uint64_t)(random() % 1000);
		if (seq > MODEL_MAX - 2000)
			break;
		if (window_commit(&sl, seq, &g) == -1) {
			in[seq] = 1;
			if (seq > top)
				top = seq;
			/* one in four is not stored, and taken out again */
			if (random() % 4 == 0) {
				if (window_uncommit(&sl, seq, &g) == 0)
					nun++;
				in[seq] = 0;
			}
		}
		if (i % 50 != 0)
			continue;
		window_ack(&sl, &a, WIRE_ACK_WINDOW);
		for (d = 0; d < top && (in[d + 1] || top - (d + 1) >= 1024);
		    d++)
			;
		past = 0;
		for (seq = 1; seq <= top + 2; seq++) {
			if (wire_ack_done(&a, seq) != (in[seq] ||
			    (seq <= top && top - seq >= 1024)))
				bad++;
			if (seq > d && in[seq])
				past++;
		}
		if (a.done != d || a.credit != (past >= 960 ? 0 : 960 - past))
			badc++;
	}
	ok(bad == 0 && badc == 0, "%d random steps (%d taken out again): "
	    "the acks say done of what the set holds or the window left "
	    "behind, and of nothing else; D and credit as it says", i, nun);
	ok(top > 10000 && nun > 1000, "the model moved far (top %llu)",
	    (unsigned long long)top);
}

/* the window for the journal: bytes, and back, the same window */
static void
test_bytes(void)
{
	struct slot	 sl, back;
	unsigned char	 bits[WINDOW_BITS / 8], all[WINDOW_BITS / 8];
	uint64_t	 top, seq;
	int64_t		 g;
	int		 i, same = 1;

	memset(&sl, 0, sizeof(sl));
	srandom(3);
	for (i = 0; i < 3000; i++)
		window_commit(&sl, (uint64_t)(random() % 5000) + 1, &g);
	window_get(&sl, &top, bits);
	memset(&back, 0, sizeof(back));
	window_set(&back, top, bits);
	ok(top == sl.top && memcmp(back.window, sl.window,
	    sizeof(sl.window)) == 0, "a window to bytes and back is the same");
	for (seq = sl.top - 1023; seq <= sl.top; seq++)
		if (((bits[(seq % 1024) / 8] >> (seq % 8)) & 1) !=
		    (window_check(&sl, seq) == DROP_REPEAT))
			same = 0;
	ok(same, "bit i of byte j is the number n with n %% 1024 = 8j + i");

	/* bits of numbers that cannot be: above the top, 0 */
	memset(all, 0xff, sizeof(all));
	memset(&back, 0, sizeof(back));
	window_set(&back, 10, all);
	ok(window_check(&back, 10) == DROP_REPEAT &&
	    window_check(&back, 1) == DROP_REPEAT &&
	    window_check(&back, 11) == -1, "set to all ones with top 10: "
	    "1-10 are repeats, 11 is new");
	window_commit(&back, 500, &g);
	ok(g == 489, "and 11-499 are gaps when 500 comes (%lld)",
	    (long long)g);
	window_get(&back, &top, bits);
	ok(bits[0] == 0xfe && bits[1] == 0x07 && bits[2] == 0,
	    "only 1-10 and 500 come back out (%02x %02x %02x)", bits[0],
	    bits[1], bits[2]);
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
	test_uncommit();
	test_ack();
	test_ack_model();
	test_bytes();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
