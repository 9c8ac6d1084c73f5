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
 * The collector's key cache (nccollectd/trust.c): listed keys and
 * learnt ones, the least recently used learnt key evicted at MAX_KEYS,
 * and what a reload of the sensor list keeps, renames and forgets.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"
#include "tap.h"

static const unsigned char *key(unsigned int);
static void	 entry(struct conf_sensor *, unsigned int, const char *);
static unsigned int count(struct trust *);
static unsigned int present(struct trust *, unsigned int, unsigned int);
static void	 test_listed(void);
static void	 test_lru(void);
static void	 test_reload(void);
static void	 test_emptied(void);
static void	 test_info(void);

/* a public key made of a number, distinct for every number */
static const unsigned char *
key(unsigned int i)
{
	static unsigned char	 pk[4][WIRE_PKLEN];
	static int		 k;

	k = (k + 1) % 4;
	memset(pk[k], 0x5a, WIRE_PKLEN);
	pk[k][0] = (unsigned char)(i >> 24);
	pk[k][1] = (unsigned char)(i >> 16);
	pk[k][2] = (unsigned char)(i >> 8);
	pk[k][3] = (unsigned char)i;
	return (pk[k]);
}

static void
entry(struct conf_sensor *cs, unsigned int i, const char *name)
{
	memset(cs, 0, sizeof(*cs));
	memcpy(cs->pk, key(i), WIRE_PKLEN);
	strlcpy(cs->name, name, sizeof(cs->name));
}

/* the keys in the tree, walked */
static unsigned int
count(struct trust *t)
{
	struct sensor	*s;
	unsigned int	 n = 0;

	RB_FOREACH(s, sensor_tree, &t->sensors)
		n++;
	return (n);
}

/* how many of keys from..to-1 are known */
static unsigned int
present(struct trust *t, unsigned int from, unsigned int to)
{
	unsigned int	 i, n = 0;

	for (i = from; i < to; i++)
		if (trust_find(t, key(i)) != NULL)
			n++;
	return (n);
}

static void
test_listed(void)
{
	struct trust		 t = TRUST_INITIALIZER(t);
	struct conf_sensor	*list;
	uint64_t		 ev = 0;
	unsigned int		 i, n = MAX_KEYS + 1000, bad = 0;
	char			 name[16];

	ok(trust_find(&t, key(1)) == NULL && !t.trusted && count(&t) == 0,
	    "a new cache knows no key and is open");
	if ((list = calloc(n, sizeof(*list))) == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		entry(&list[i], i, name);
	}
	trust_load(&t, list, n, &ev);
	ok(t.trusted && count(&t) == n && present(&t, 0, n) == n && ev == 0,
	    "%u listed keys, more than MAX_KEYS: all kept, none evicted", n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		if (!trust_find(&t, key(i))->listed ||
		    strcmp(trust_find(&t, key(i))->name, name) != 0)
			bad++;
	}
	ok(bad == 0 && t.nlearnt == 0, "each listed under its name");

	/* learning beside listed keys fills the LRU, never evicts them */
	for (i = 0; i < MAX_KEYS + 10; i++)
		trust_learn(&t, key(1000000 + i), &ev);
	ok(ev == 10 && t.nlearnt == MAX_KEYS,
	    "MAX_KEYS + 10 learnt beside them: 10 evicted (%llu), %u learnt",
	    (unsigned long long)ev, t.nlearnt);
	ok(present(&t, 0, n) == n, "no listed key was evicted");
	ok(present(&t, 1000000, 1000010) == 0 &&
	    present(&t, 1000010, 1000000 + MAX_KEYS + 10) == MAX_KEYS,
	    "the 10 learnt first went, the rest stay");
	free(list);
}

static void
test_lru(void)
{
	struct trust	 t = TRUST_INITIALIZER(t);
	struct sensor	*s;
	uint64_t	 ev = 0;
	unsigned int	 i;

	for (i = 1; i <= MAX_KEYS; i++)
		trust_learn(&t, key(i), &ev);
	ok(ev == 0 && t.nlearnt == MAX_KEYS && count(&t) == MAX_KEYS,
	    "MAX_KEYS learnt: none evicted");
	s = trust_find(&t, key(1));
	ok(s != NULL && !s->listed && s->name[0] == '\0',
	    "a learnt key is not listed and has no name");
	trust_touch(&t, s);
	trust_learn(&t, key(MAX_KEYS + 1), &ev);
	ok(ev == 1 && t.nlearnt == MAX_KEYS, "one more: one evicted");
	ok(trust_find(&t, key(1)) != NULL, "not the oldest, which was used");
	ok(trust_find(&t, key(2)) == NULL, "but the least recently used");
	trust_learn(&t, key(MAX_KEYS + 2), &ev);
	ok(ev == 2 && trust_find(&t, key(3)) == NULL &&
	    trust_find(&t, key(1)) != NULL, "and the next one after it");
	for (i = 0; i < MAX_KEYS - 3; i++)
		trust_learn(&t, key(2 * MAX_KEYS + i), &ev);
	ok(trust_find(&t, key(1)) != NULL && trust_find(&t, key(4)) == NULL,
	    "MAX_KEYS - 3 more: the used one is still there");
	trust_learn(&t, key(3 * MAX_KEYS), &ev);
	ok(trust_find(&t, key(1)) == NULL && ev == MAX_KEYS,
	    "and goes once all older ones went (%llu evicted)",
	    (unsigned long long)ev);
}

static void
test_reload(void)
{
	struct trust		 t = TRUST_INITIALIZER(t);
	struct conf_sensor	 list[3];
	struct sensor		*a, *b;
	struct slot		*sl;
	unsigned char		 sess[WIRE_SESSLEN];
	uint64_t		 ev = 0;
	int64_t			 g;

	/* open: A and B learnt, A with a session and records */
	a = trust_learn(&t, key(0xa), &ev);
	b = trust_learn(&t, key(0xb), &ev);
	memset(sess, 0x11, sizeof(sess));
	sl = slot_start(&a->sess, sess, 1000);
	window_commit(sl, 77, &g);
	a->info.records = 12;
	ok(trust_find(&t, key(0xa)) == a && trust_find(&t, key(0xb)) == b &&
	    t.nlearnt == 2, "open: A and B learnt");

	entry(&list[0], 0xa, "alpha");
	entry(&list[1], 0xc, "gamma");
	trust_load(&t, list, 2, &ev);
	ok(t.trusted && t.nlearnt == 0 && count(&t) == 2,
	    "listing A and C: trusted, two keys, none learnt");
	ok(trust_find(&t, key(0xa)) == a && a->listed &&
	    strcmp(a->name, "alpha") == 0, "learnt A is now listed as alpha");
	ok(slot_find(&a->sess, sess) != NULL && window_check(slot_find(
	    &a->sess, sess), 77) == DROP_REPEAT && a->info.records == 12,
	    "and keeps its session, window and counts");
	ok(trust_find(&t, key(0xb)) == NULL, "learnt B, not listed: forgotten");
	ok(trust_find(&t, key(0xc)) != NULL && trust_find(&t,
	    key(0xc))->listed, "C is new and listed");

	entry(&list[0], 0xa, "alpha2");
	trust_load(&t, list, 2, &ev);
	ok(trust_find(&t, key(0xa)) == a && strcmp(a->name, "alpha2") == 0 &&
	    slot_find(&a->sess, sess) != NULL,
	    "renamed alpha2: the same key, its session kept");

	entry(&list[0], 0xc, "gamma");
	trust_load(&t, list, 1, &ev);
	ok(trust_find(&t, key(0xa)) == NULL && count(&t) == 1,
	    "A no longer listed: forgotten, sessions and all");
	ok(ev == 0, "forgetting on reload is no eviction");

	/* listed again later: a new key, no session */
	entry(&list[1], 0xa, "alpha");
	trust_load(&t, list, 2, &ev);
	a = trust_find(&t, key(0xa));
	ok(a != NULL && a->listed && slot_find(&a->sess, sess) == NULL,
	    "listed again: known, without the old session");
}

static void
test_emptied(void)
{
	struct trust		 t = TRUST_INITIALIZER(t);
	struct conf_sensor	*list;
	struct sensor		*c;
	uint64_t		 ev = 0;
	unsigned int		 i, n = MAX_KEYS + 904;

	if ((list = calloc(n, sizeof(*list))) == NULL)
		exit(1);
	entry(&list[0], 0xc, "gamma");
	trust_load(&t, list, 1, &ev);
	c = trust_find(&t, key(0xc));
	trust_load(&t, NULL, 0, &ev);
	ok(!t.trusted && trust_find(&t, key(0xc)) == c,
	    "list emptied: open, C is still known");
	ok(!c->listed && c->name[0] == '\0' && t.nlearnt == 1,
	    "as a learnt key, without its name");
	for (i = 0; i < MAX_KEYS - 1; i++)
		trust_learn(&t, key(100 + i), &ev);
	ok(ev == 0 && trust_find(&t, key(0xc)) == c, "MAX_KEYS in all: kept");
	trust_learn(&t, key(100 + MAX_KEYS), &ev);
	ok(ev == 1 && trust_find(&t, key(0xc)) == NULL,
	    "then evicted like any learnt key, the oldest");

	/* more listed than MAX_KEYS, then none: the excess goes */
	for (i = 0; i < n; i++)
		entry(&list[i], 50000 + i, "x");
	ev = 0;
	trust_load(&t, list, n, &ev);
	ok(t.nlearnt == 0 && count(&t) == n && ev == 0,
	    "%u listed: the learnt ones forgotten, not counted evicted", n);
	trust_load(&t, NULL, 0, &ev);
	ok(t.nlearnt == MAX_KEYS && count(&t) == MAX_KEYS && ev == 904,
	    "list emptied: MAX_KEYS stay learnt, 904 evicted (%llu)",
	    (unsigned long long)ev);
	free(list);
}

static void
test_info(void)
{
	struct trust		 t = TRUST_INITIALIZER(t);
	struct conf_sensor	 list[1];
	struct sensor_info	 si;
	struct sensor		*s;
	uint64_t		 ev = 0;

	s = trust_learn(&t, key(7), &ev);
	strlcpy(s->info.name, "claimed", sizeof(s->info.name));
	s->info.batches = 3;
	trust_info(s, &si);
	ok(!si.listed && strcmp(si.name, "claimed") == 0 && si.batches == 3 &&
	    memcmp(si.pk, key(7), WIRE_PKLEN) == 0,
	    "a learnt key: the name it last claimed, its key and counts");
	entry(&list[0], 7, "listed7");
	trust_load(&t, list, 1, &ev);
	trust_info(s, &si);
	ok(si.listed && strcmp(si.name, "listed7") == 0 && si.batches == 3,
	    "a listed key: its listed name, whatever it claimed");
	ok(strcmp(s->info.name, "claimed") == 0,
	    "the claimed name stays in the key's own info");
}

int
main(void)
{
	test_listed();
	test_lru();
	test_reload();
	test_emptied();
	test_info();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
