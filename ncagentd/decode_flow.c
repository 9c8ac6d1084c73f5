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
 * Connection records: a fixed table of the conversations seen, keyed
 * by protocol, addresses and ports so that both directions of one
 * find the same entry.  It is allocated once; packets only move
 * entries between lists.  Time is the capture's: a replayed file
 * expires connections as it did live, and gives the same records.
 *
 * The table is larger than the caches, and a packet of a new
 * connection when it is full (most, at a flow exporter's rates) touches
 * three entries: the one evicted, the one that becomes the oldest and
 * its own.  Nothing else: entries are found by hash in an array of
 * slots that holds each one's hash (open addressing, linear probing,
 * at most half full, and an entry's slot emptied by moving back the
 * ones after it), so that looking up a new connection touches none; an
 * entry is 96 bytes, on two cache lines at most, its list links table
 * indices rather than pointers; the oldest of a list is kept, not
 * found through the one before it, and is fetched ahead of its turn.
 */

#include <sys/types.h>

#include <endian.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ncagentd.h"
#include "records.h"
#include "records_flow.pb-c.h"
#include "decode.h"

#define NS		1000000000LL
#define LINGER_NS	(5 * NS)	/* late segments after a close */
#define CONN_ALIGN	64		/* a cache line */
#define CONN_SIZE	96		/* an entry's bytes */
#ifndef CONN_PKTS_MAX
#define CONN_PKTS_MAX	UINT32_MAX	/* t_flowmax makes it small */
#endif

/* Connection.state, documented in proto/records_flow.proto */
#define ST_CLOSED	1
#define ST_RESET	2
#define ST_IDLE		3
#define ST_ACTIVE	4
#define ST_SHUTDOWN	5
#define ST_EVICTED	6

enum cstate {
	C_OPEN,
	C_CLOSING,	/* FIN both ways: waiting for the last ACK */
	C_DONE,		/* emitted; absorbs stragglers until idle */
};

/*
 * Both endpoints in a fixed order, so both directions compare equal:
 * the lower (address, port) is a, the higher b.  The addresses come
 * last, a then b, alen bytes each, so that an IPv4 key is hashed in
 * 14 bytes; the rest is zero, and memcmp sees no garbage (there is no
 * padding: 38 bytes, aligned on 2).
 */
struct ckey {
	uint16_t	 aport;
	uint16_t	 bport;
	uint8_t		 proto;
	uint8_t		 alen;
	uint8_t		 addr[32];
};
_Static_assert(sizeof(struct ckey) == 38, "a key has no padding");
#define CKEY_LEN(alen)	(offsetof(struct ckey, addr) + 2 * (alen))

/*
 * An entry.  Its links are indices into the table plus one (0: none),
 * and its packet counters 32 bits: one about to wrap reports the
 * connection as the active timeout does, and counts from zero.
 */
struct conn {
	struct ckey		 key;
	uint16_t		 flags;		/* TCP flags, both ways */
	uint32_t		 prev;	/* lru, done or free: newer */
	uint32_t		 next;	/* older */
	int64_t			 first;
	int64_t			 last;
	uint64_t		 bytes[2];	/* [0]: from the client */
	uint32_t		 pkts[2];
	uint32_t		 hash;
	uint8_t			 client;	/* 0: key.a is the client */
	uint8_t			 fin;		/* 1 << direction of a FIN */
	uint8_t			 firstfin;	/* direction of the first */
	uint8_t			 state;		/* enum cstate */
};
_Static_assert(sizeof(struct conn) == CONN_SIZE,
    "a connection is 96 bytes, on two cache lines at most");

/*
 * The open (lru) and the emitted (done) connections, newest first, and
 * when the oldest can time out at the earliest.  Every packet asks; the
 * tail, a cold entry, is looked at only once that time has come or the
 * tail has left.  The free entries are a list too (tail and due unused).
 */
struct clist {
	struct conn	*head;
	struct conn	*tail;
	int64_t		 due;
};

/* a connection's slot: its hash, and its index in the table plus one */
struct slot {
	uint32_t	 hash;
	uint32_t	 idx;		/* 0: empty */
};

static void		*table_mem;	/* what was allocated for table */
static struct conn	*table;
static size_t		 ntable, nused;	/* entries, entries ever used */
static struct slot	*slots;
static uint32_t		 smask;
static struct clist	 lru = { NULL, NULL, INT64_MIN };
static struct clist	 done = { NULL, NULL, INT64_MIN };
static struct clist	 freeq = { NULL, NULL, INT64_MIN };
static unsigned char	 hkey[crypto_shorthash_KEYBYTES];
static int64_t		 now, idle_ns, active_ns, linger_ns;
static int		 conn_type = -1;
static emit_fn		 emit_cb;
static void		*emit_arg;
static struct type_stats *stats;
static uint64_t		*nevicted;

static void	 clist_init(struct clist *);
static void	 slot_add(const struct conn *);
static void	 slot_del(const struct conn *);
static void	 conn_emit(struct conn *, unsigned int);
static void	 conn_free(struct conn *, struct clist *);
static void	 clist_insert(struct clist *, struct conn *);
static void	 clist_remove(struct clist *, struct conn *);
static void	 clist_expire(struct clist *, int64_t, int);
static void	 conn_done(struct conn *, unsigned int);
static struct conn *conn_new(const struct ckey *, uint32_t);
static void	 conn_tcp(struct conn *, unsigned int, unsigned int);
static void	 flow_idle(void);

/*
 * SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): the state of four words, its round, and the hash of len bytes
 * under the 16-byte key k with c rounds a word and d at the end.
 * libsodium's crypto_shorthash is SipHash-2-4; the table uses 1-3,
 * enough to keep anyone from aiming packets at one slot, as hash
 * tables use it, in half the time.  t_flow holds flow_siphash(.., 2, 4)
 * to crypto_shorthash.
 */
#define ROTL64(x, b)	((x) << (b) | (x) >> (64 - (b)))

static inline void
sipround(uint64_t *v0, uint64_t *v1, uint64_t *v2, uint64_t *v3)
{
	*v0 += *v1;
	*v1 = ROTL64(*v1, 13);
	*v1 ^= *v0;
	*v0 = ROTL64(*v0, 32);
	*v2 += *v3;
	*v3 = ROTL64(*v3, 16);
	*v3 ^= *v2;
	*v0 += *v3;
	*v3 = ROTL64(*v3, 21);
	*v3 ^= *v0;
	*v2 += *v1;
	*v1 = ROTL64(*v1, 17);
	*v1 ^= *v2;
	*v2 = ROTL64(*v2, 32);
}

static inline uint64_t
le64(const unsigned char *p)
{
	uint64_t	 v;

	memcpy(&v, p, sizeof(v));
	return (le64toh(v));
}

/* inlined where c and d are constants, so that the rounds unroll */
static inline __attribute__((always_inline)) uint64_t
siphash(const unsigned char *k, const unsigned char *in, size_t len, int c,
    int d)
{
	uint64_t	 k0 = le64(k), k1 = le64(k + 8), m, last;
	uint64_t	 v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t	 v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t	 v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t	 v3 = 0x7465646279746573ULL ^ k1;
	size_t		 i, left = len & 7;
	int		 r;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		for (r = 0; r < c; r++)
			sipround(&v0, &v1, &v2, &v3);
		v0 ^= m;
	}
	/* the last word: the bytes left and the length's low byte */
	last = (uint64_t)len << 56;
	while (left > 0) {
		left--;
		last |= (uint64_t)in[i + left] << (8 * left);
	}
	v3 ^= last;
	for (r = 0; r < c; r++)
		sipround(&v0, &v1, &v2, &v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (r = 0; r < d; r++)
		sipround(&v0, &v1, &v2, &v3);
	return (v0 ^ v1 ^ v2 ^ v3);
}

uint64_t
flow_siphash(const unsigned char *k, const void *in, size_t len, int c, int d)
{
	return (siphash(k, in, len, c, d));
}

void
flow_reconf(const struct agent_conf *conf)
{
	idle_ns = (int64_t)conf->conn_idle_timeout * NS;
	active_ns = (int64_t)conf->conn_active_timeout * NS;
	linger_ns = idle_ns < LINGER_NS ? idle_ns : LINGER_NS;
	/* new timeouts: the tails are looked at again */
	lru.due = done.due = INT64_MIN;
}

void
flow_init(const struct agent_conf *conf, emit_fn emit, void *arg,
    struct type_stats *per_type, uint64_t *evicted)
{
	size_t	 ns;

	/* a second call starts afresh (the unit test does that) */
	free(table_mem);
	free(slots);
	table_mem = NULL;
	table = NULL;
	slots = NULL;
	ntable = nused = 0;
	clist_init(&lru);
	clist_init(&done);
	clist_init(&freeq);
	now = 0;

	emit_cb = emit;
	emit_arg = arg;
	stats = per_type;
	nevicted = evicted;
	flow_reconf(conf);
	if ((conn_type = rectype_bydesc(&connection__descriptor)) == -1)
		fatalx("%s: Connection missing from rectypes", __func__);
	/* a table size of 0 turns connection records off */
	if (conf->conn_table_size == 0)
		return;
	if (sodium_init() == -1)
		fatalx("sodium_init");
	/* a secret hash key: nobody can aim packets at one bucket */
	randombytes_buf(hkey, sizeof(hkey));
	/* at most half full */
	for (ns = 2; ns < 2 * conf->conn_table_size; ns <<= 1)
		;
	/* calloc: aligned by hand, the pages left untouched */
	if ((table_mem = calloc(conf->conn_table_size + 1,
	    sizeof(*table))) == NULL ||
	    (slots = calloc(ns, sizeof(*slots))) == NULL)
		fatal("connection table");
	table = (struct conn *)(((uintptr_t)table_mem + CONN_ALIGN - 1) &
	    ~(uintptr_t)(CONN_ALIGN - 1));
	smask = (uint32_t)(ns - 1);
	/*
	 * Entries are taken in order as they are first needed, not put on
	 * the free list here: what a sensor that sees few connections
	 * never uses is never touched, and takes no memory.
	 */
	ntable = conf->conn_table_size;
}

static void
conn_emit(struct conn *e, unsigned int state)
{
	Connection	 m = CONNECTION__INIT;
	uint8_t		*ca, *sa;

	ca = e->key.addr + (e->client ? e->key.alen : 0);
	sa = e->key.addr + (e->client ? 0 : e->key.alen);
	m.timestamp_first = e->first;
	m.timestamp_last = e->last;
	m.protocol = e->key.proto;
	m.src_ip.data = ca;
	m.src_ip.len = e->key.alen;
	m.dst_ip.data = sa;
	m.dst_ip.len = e->key.alen;
	m.src_port = e->client ? e->key.bport : e->key.aport;
	m.dst_port = e->client ? e->key.aport : e->key.bport;
	m.packets_client = e->pkts[0];
	m.packets_server = e->pkts[1];
	m.bytes_client = e->bytes[0];
	m.bytes_server = e->bytes[1];
	m.tcp_flags_seen = e->flags;
	m.duration = e->last - e->first;
	m.state = state;
	stats[conn_type].records++;
	emit_cb(emit_arg, conn_type, &m.base);
}

/* an entry's link: its index in the table plus one, and back */
static uint32_t
conn_idx(const struct conn *e)
{
	return (e == NULL ? 0 : (uint32_t)(e - table) + 1);
}

static struct conn *
conn_at(uint32_t idx)
{
	return (idx == 0 ? NULL : &table[idx - 1]);
}

/* both lines an entry may lie on */
static void
conn_prefetch(const struct conn *e)
{
	__builtin_prefetch(e, 1);
	__builtin_prefetch((const char *)e + CONN_SIZE - 1, 1);
}

static void
clist_init(struct clist *l)
{
	l->head = l->tail = NULL;
	l->due = INT64_MIN;
}

static void
clist_insert(struct clist *l, struct conn *e)
{
	if (l->head == NULL) {
		l->due = INT64_MIN;
		l->tail = e;
	} else
		l->head->prev = conn_idx(e);
	e->prev = 0;
	e->next = conn_idx(l->head);
	l->head = e;
}

/*
 * The oldest leaving makes another the oldest, which the next packet
 * looks at (and, the table full, evicts): it is fetched now, while
 * this packet is decoded.
 */
static void
clist_remove(struct clist *l, struct conn *e)
{
	struct conn	*prev = conn_at(e->prev), *next = conn_at(e->next);

	if (next == NULL) {
		l->due = INT64_MIN;
		l->tail = prev;
		if (prev != NULL)
			conn_prefetch(prev);
	} else
		next->prev = e->prev;
	if (prev == NULL)
		l->head = next;
	else
		prev->next = e->next;
}

static void
slot_add(const struct conn *e)
{
	uint32_t	 i;

	for (i = e->hash & smask; slots[i].idx != 0; i = (i + 1) & smask)
		;
	slots[i].hash = e->hash;
	slots[i].idx = conn_idx(e);
}

/*
 * Empty e's slot, and move back into it each of the slots that follow
 * (up to an empty one) whose own place is not between: a lookup from
 * there would otherwise stop at the hole.
 */
static void
slot_del(const struct conn *e)
{
	uint32_t	 i, j, home, idx = conn_idx(e);

	for (i = e->hash & smask; slots[i].idx != idx; i = (i + 1) & smask)
		;
	for (j = (i + 1) & smask; slots[j].idx != 0; j = (j + 1) & smask) {
		home = slots[j].hash & smask;
		/* home cyclically in (i, j]: it stays */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		slots[i] = slots[j];
		i = j;
	}
	slots[i].hash = 0;
	slots[i].idx = 0;
}

/*
 * The oldest entries are at the tail: stop at the first one in time.
 * Open ones are reported as they go (report), emitted ones just go.
 */
static void
clist_expire(struct clist *l, int64_t timeout, int report)
{
	struct conn	*e;

	if (now <= l->due)
		return;
	while ((e = l->tail) != NULL && now - e->last > timeout) {
		if (report)
			conn_emit(e, e->state == C_CLOSING ? ST_CLOSED :
			    ST_IDLE);
		conn_free(e, l);
	}
	/* the tail's last moves only with the tail, but for a lone entry */
	l->due = e != NULL ? e->last + timeout : INT64_MAX;
}

static void
conn_free(struct conn *e, struct clist *l)
{
	slot_del(e);
	clist_remove(l, e);
	clist_insert(&freeq, e);
}

/*
 * Emitted: the key stays a few seconds, so that a retransmitted FIN or
 * a last ACK does not make a connection of its own.
 */
static void
conn_done(struct conn *e, unsigned int state)
{
	conn_emit(e, state);
	e->state = C_DONE;
	clist_remove(&lru, e);
	clist_insert(&done, e);
}

/* a free entry, or the least recently seen one made free */
static struct conn *
conn_new(const struct ckey *k, uint32_t h)
{
	struct conn	*e;

	if ((e = freeq.head) == NULL && nused < ntable) {
		e = &table[nused++];
		clist_insert(&freeq, e);
	}
	if (e == NULL) {
		if ((e = done.tail) != NULL)
			conn_free(e, &done);
		else {
			e = lru.tail;
			conn_emit(e, ST_EVICTED);
			if (nevicted != NULL)
				(*nevicted)++;
			conn_free(e, &lru);
		}
		e = freeq.head;
	}
	clist_remove(&freeq, e);
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->hash = h;
	slot_add(e);
	clist_insert(&lru, e);
	return (e);
}

static void
flow_idle(void)
{
	clist_expire(&lru, idle_ns, 1);
	clist_expire(&done, linger_ns, 0);
}

void
flow_expire(int64_t now_ns)
{
	if (table == NULL)
		return;
	if (now_ns > now)
		now = now_ns;
	flow_idle();
}

/* the sensor stops: every open connection, oldest first */
void
flow_shutdown(void)
{
	struct conn	*e;

	if (table == NULL)
		return;
	while ((e = lru.tail) != NULL) {
		conn_emit(e, e->state == C_CLOSING ? ST_CLOSED : ST_SHUTDOWN);
		conn_free(e, &lru);
	}
	while ((e = done.tail) != NULL)
		conn_free(e, &done);
}

/* TCP: what this segment does to the connection's life */
static void
conn_tcp(struct conn *e, unsigned int dir, unsigned int flags)
{
	if (flags & TH_RST) {
		conn_done(e, ST_RESET);
		return;
	}
	if (flags & TH_FIN) {
		if (e->fin == 0)
			e->firstfin = (uint8_t)dir;
		e->fin |= 1 << dir;
		if (e->fin == 3)
			e->state = C_CLOSING;
		return;
	}
	/* the ACK of the second FIN ends it */
	if (e->state == C_CLOSING && dir == e->firstfin && (flags & TH_ACK))
		conn_done(e, ST_CLOSED);
}

/*
 * Called by the transport decoders once their header is complete: a
 * packet carried in a tunnel counts for the outer and the inner
 * conversation, as it does in tshark's conversation tables.
 */
void
flow_observe(const struct dctx *c, unsigned int proto, uint32_t sport,
    uint32_t dport, uint32_t flags)
{
	struct ckey	 k;
	struct conn	*e = NULL;
	uint32_t	 h, i;
	unsigned int	 side, dir, syn;
	int		 cmp;

	if (table == NULL)
		return;
	/* the clock is the capture's, then the idle ones go */
	if (c->ts > now)
		now = c->ts;
	flow_idle();
	if (c->alen != 4 && c->alen != 16)
		return;
	/*
	 * The table full, a new connection takes the oldest one's place:
	 * its slot, another cache miss, is fetched while the key is
	 * hashed.
	 */
	if (freeq.head == NULL && nused == ntable &&
	    (e = done.tail != NULL ? done.tail : lru.tail) != NULL) {
		__builtin_prefetch(&slots[e->hash & smask], 1);
		e = NULL;
	}

	memset(&k, 0, sizeof(k));
	k.proto = (uint8_t)proto;
	k.alen = (uint8_t)c->alen;
	if ((cmp = memcmp(c->src, c->dst, c->alen)) == 0)
		cmp = (int)sport - (int)dport;
	side = cmp > 0;		/* 0: the sender is endpoint a */
	memcpy(k.addr, side ? c->dst : c->src, c->alen);
	memcpy(k.addr + c->alen, side ? c->src : c->dst, c->alen);
	k.aport = (uint16_t)(side ? dport : sport);
	k.bport = (uint16_t)(side ? sport : dport);
	h = (uint32_t)siphash(hkey, (const unsigned char *)&k,
	    CKEY_LEN(c->alen), 1, 3);

	/*
	 * An entry is looked at only when its hash is the same: both its
	 * lines, the counters' while the key is compared.
	 */
	for (i = h & smask; slots[i].idx != 0; i = (i + 1) & smask) {
		if (slots[i].hash != h)
			continue;
		e = conn_at(slots[i].idx);
		__builtin_prefetch((const char *)e + CONN_SIZE - 1, 1);
		if (memcmp(&e->key, &k, sizeof(k)) == 0)
			break;
		e = NULL;
	}

	/* a SYN alone opens a new connection on ports used before */
	syn = k.proto == IPPROTO_TCP &&
	    (flags & (TH_SYN | TH_ACK)) == TH_SYN;
	if (e != NULL && e->state == C_DONE) {
		/* after RST or the last ACK: part of what was */
		if (!syn)
			return;
		conn_free(e, &done);
		e = NULL;
	} else if (e != NULL && syn && e->state == C_CLOSING) {
		conn_emit(e, ST_CLOSED);
		conn_free(e, &lru);
		e = NULL;
	}

	if (e == NULL) {
		e = conn_new(&k, h);
		/* the client sent the first packet, or was sent a SYN+ACK */
		e->client = (uint8_t)side;
		if (k.proto == IPPROTO_TCP &&
		    (flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
			e->client = !side;
		e->first = e->last = c->ts;
	} else {
		/*
		 * Long enough, or a counter full: report it and go on
		 * counting from zero.
		 */
		dir = side != e->client;
		if (c->ts - e->first >= active_ns ||
		    e->pkts[dir] >= CONN_PKTS_MAX) {
			conn_emit(e, ST_ACTIVE);
			e->first = e->last = c->ts;
			lru.due = INT64_MIN;	/* last may have gone back */
			memset(e->pkts, 0, sizeof(e->pkts));
			memset(e->bytes, 0, sizeof(e->bytes));
			e->flags = 0;
		}
		/* back-to-back packets of one connection move nothing */
		if (lru.head != e) {
			clist_remove(&lru, e);
			clist_insert(&lru, e);
		}
	}

	dir = side != e->client;
	e->pkts[dir]++;
	e->bytes[dir] += c->wirelen;
	e->flags |= flags;
	if (c->ts > e->last)
		e->last = c->ts;
	if (c->ts < e->first)
		e->first = c->ts;
	if (k.proto == IPPROTO_TCP)
		conn_tcp(e, dir, flags);
}
