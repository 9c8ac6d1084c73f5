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
 * The collector's limit on new sensor keys (nccollectd/ratelimit.c):
 * NEWKEY_BURST at once per source, NEWKEY_RATE a second after that, on
 * a clock the test drives; sources apart; a key pending at the crypto
 * child counted once.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "nccollectd.h"
#include "tap.h"

static struct newkeys	 nk;

static void	 v4(struct sockaddr_storage *, uint32_t);
static unsigned int slot_of(const struct sockaddr_storage *);
static const unsigned char *pk(unsigned int);
static int	 one(const struct sockaddr_storage *, unsigned int, int64_t);
static unsigned int run(const struct sockaddr_storage *, unsigned int,
		    unsigned int, int64_t);
static void	 test_burst(const struct sockaddr_storage *);
static void	 test_refill(const struct sockaddr_storage *);
static void	 test_sources(const struct sockaddr_storage *,
		    const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
static void	 test_pending(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);

static void
v4(struct sockaddr_storage *ss, uint32_t a)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(a);
	sin->sin_port = htons(4200);
}

/* the bucket an address falls in, computed here from the hash key */
static unsigned int
slot_of(const struct sockaddr_storage *ss)
{
	unsigned char	 addr[16], h[crypto_shorthash_BYTES];
	uint64_t	 v;

	memset(addr, 0, sizeof(addr));
	memcpy(addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	crypto_shorthash(h, addr, sizeof(addr), nk.key);
	memcpy(&v, h, sizeof(v));
	return ((unsigned int)(v % SRC_SLOTS));
}

static const unsigned char *
pk(unsigned int i)
{
	static unsigned char	 k[WIRE_PKLEN];

	memset(k, 0xc3, sizeof(k));
	memcpy(k, &i, sizeof(i));
	return (k);
}

/* one datagram of a new key, answered at once if it went */
static int
one(const struct sockaddr_storage *from, unsigned int key, int64_t now)
{
	if (!newkey_allowed(&nk, from, pk(key), now))
		return (0);
	newkey_answered(&nk, pk(key));
	return (1);
}

/* n new keys from key on: how many were allowed */
static unsigned int
run(const struct sockaddr_storage *from, unsigned int key, unsigned int n,
    int64_t now)
{
	unsigned int	 i, got = 0;

	for (i = 0; i < n; i++)
		got += (unsigned int)one(from, key + i, now);
	return (got);
}

static void
test_burst(const struct sockaddr_storage *a)
{
	ok(run(a, 0, NEWKEY_BURST, 1000) == NEWKEY_BURST,
	    "a new source: %d new keys at once allowed", NEWKEY_BURST);
	ok(!one(a, NEWKEY_BURST, 1000), "the next one is refused");
	ok(!one(a, NEWKEY_BURST, 1000), "and refused again: it was not held");
	ok(run(a, 5000, 100, 1000) == 0, "as are 100 more at the same time");
}

static void
test_refill(const struct sockaddr_storage *a)
{
	int64_t	 t = 1000;

	ok(!one(a, 1, t + 4), "4 ms later: still none (200/s is one per 5 ms)");
	ok(one(a, 2, t + 5) && !one(a, 3, t + 5),
	    "5 ms later: exactly one");
	t += 5;
	ok(run(a, 100, 300, t + 1000) == NEWKEY_RATE,
	    "a second later: %d, the rate", NEWKEY_RATE);
	t += 1000;
	/* 7 ms is one token and 2 ms toward the next */
	ok(run(a, 500, 5, t + 7) == 1, "7 ms later: one");
	ok(run(a, 600, 5, t + 10) == 1,
	    "3 ms after that: one more, the 2 ms were not lost");
	t += 10;
	ok(run(a, 700, 2000, t + 4999) == 999,
	    "4999 ms later: 999, none rounded up");
	t += 4999;
	ok(run(a, 1000, 3000, t + 100000) == NEWKEY_BURST,
	    "100 s later: no more than the burst, %d", NEWKEY_BURST);
	t += 100000;
	ok(run(a, 4000, 10, t - 50) == 0,
	    "a clock that went back gives nothing");
}

static void
test_sources(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
    const struct sockaddr_storage *c)
{
	struct sockaddr_storage	 z;
	int64_t			 t = 500000;

	/*
	 * No address to tell: all zeroes, as in a bucket never used, on a
	 * clock that starts at 0.
	 */
	memset(&z, 0, sizeof(z));
	z.ss_family = AF_UNIX;
	ok(run(&z, 0, NEWKEY_BURST + 10, 0) == NEWKEY_BURST,
	    "a source without an address, at time 0, has a burst too");
	memset(nk.sources, 0, sizeof(nk.sources));

	ok(run(a, 0, NEWKEY_BURST + 10, t) == NEWKEY_BURST,
	    "source A empties its bucket");
	ok(run(b, 0, NEWKEY_BURST + 10, t) == NEWKEY_BURST,
	    "source B, in another bucket, still has its burst");
	ok(!one(a, 99999, t), "A is still refused");
	ok(one(b, 99999, t + 5) && !one(a, 99998, t + 4),
	    "each refills on its own clock");
	/* C shares A's bucket: it starts afresh, and so does A after it */
	ok(run(c, 0, NEWKEY_BURST + 10, t) == NEWKEY_BURST,
	    "source C, hashed to A's bucket, starts a full one");
	ok(run(a, 0, 10, t) == 10, "and A after it starts afresh too");
}

static void
test_pending(const struct sockaddr_storage *d, const struct sockaddr_storage *a)
{
	int64_t	 t = 900000;
	int	 i, held = 1;

	/* D down to one token */
	ok(run(d, 0, NEWKEY_BURST - 1, t) == NEWKEY_BURST - 1,
	    "source D takes all but one token");
	ok(newkey_allowed(&nk, d, pk(77), t), "key K takes the last");
	for (i = 0; i < 5; i++)
		held &= newkey_allowed(&nk, d, pk(77), t);
	ok(held, "five more datagrams of K, at the crypto child: allowed");
	ok(!one(d, 78, t), "a key not pending finds the bucket empty");
	ok(run(a, 200000, NEWKEY_BURST + 10, t) == NEWKEY_BURST,
	    "source A empties its bucket");
	ok(newkey_allowed(&nk, a, pk(77), t),
	    "K from A too: allowed, pending, not counted");
	for (i = 0; i < 6; i++)
		newkey_answered(&nk, pk(77));
	ok(newkey_allowed(&nk, d, pk(77), t),
	    "one datagram of K still at the crypto child: K allowed");
	newkey_answered(&nk, pk(77));
	newkey_answered(&nk, pk(77));
	ok(!newkey_allowed(&nk, d, pk(77), t),
	    "all answered: K is new again, and D has no token for it");
	ok(newkey_allowed(&nk, d, pk(77), t + 5) &&
	    !newkey_allowed(&nk, d, pk(79), t + 5),
	    "5 ms on, K takes the one token");
	newkey_answered(&nk, pk(77));
}

int
main(void)
{
	struct sockaddr_storage	 a, b, c, d, x;
	unsigned int		 i, sa;

	if (sodium_init() == -1)
		return (1);
	newkey_init(&nk);
	for (i = 0; i < sizeof(nk.key); i++)
		if (nk.key[i] != 0)
			break;
	ok(i < sizeof(nk.key), "newkey_init makes a hash key");
	/* addresses whose buckets are known: apart, or shared with A */
	memset(nk.key, 0x42, sizeof(nk.key));
	v4(&a, 0x0a000001);
	sa = slot_of(&a);
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	for (i = 2; i < 100000; i++) {
		v4(&x, 0x0a000000 + i);
		if (slot_of(&x) == sa) {
			if (c.ss_family == 0)
				c = x;
		} else if (b.ss_family == 0)
			b = x;
		else if (d.ss_family == 0 && slot_of(&x) != slot_of(&b))
			d = x;
		if (c.ss_family && d.ss_family)
			break;
	}
	if (c.ss_family == 0 || d.ss_family == 0) {
		printf("Bail out! no addresses found\n");
		return (1);
	}

	test_burst(&a);
	test_refill(&a);
	memset(nk.sources, 0, sizeof(nk.sources));
	test_sources(&a, &b, &c);
	test_pending(&d, &a);
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
