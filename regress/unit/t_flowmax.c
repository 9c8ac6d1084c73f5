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
 * A connection's packet counters are 32 bits in the table: one about
 * to wrap reports the connection (state active) and counts from zero,
 * so that no packet goes uncounted.  Four billion packets take too
 * long here, so decode_flow.c is built into this test with counters
 * that hold 3 (the Makefile links no other copy of it).  Each
 * direction's counter fills in turn, the client's as the lower
 * endpoint of the key, then the server's with the client the higher.
 */

#define CONN_PKTS_MAX	3
#include "decode_flow.c"

#include <stdio.h>

#include "tap.h"

#define MAXREC	8

static struct {
	int64_t		 first, last;
	uint64_t	 pc, ps, bc, bs;
	unsigned int	 state;
}			 rec[MAXREC];
static size_t		 nrec, nother;

static void
emit(void *arg, int type, const ProtobufCMessage *msg)
{
	Connection	*m;
	uint8_t		 buf[512];
	size_t		 sz;

	if (type != conn_type || nrec == MAXREC) {
		nother++;
		return;
	}
	if ((sz = protobuf_c_message_get_packed_size(msg)) > sizeof(buf)) {
		fprintf(stderr, "a Connection of %zu bytes\n", sz);
		exit(1);
	}
	protobuf_c_message_pack(msg, buf);
	if ((m = connection__unpack(NULL, sz, buf)) == NULL) {
		fprintf(stderr, "Connection does not unpack\n");
		exit(1);
	}
	rec[nrec].first = m->timestamp_first;
	rec[nrec].last = m->timestamp_last;
	rec[nrec].pc = m->packets_client;
	rec[nrec].ps = m->packets_server;
	rec[nrec].bc = m->bytes_client;
	rec[nrec].bs = m->bytes_server;
	rec[nrec].state = m->state;
	nrec++;
	connection__free_unpacked(m, NULL);
}

/*
 * One UDP packet of 100 + i bytes at T0 + i, client to server or back;
 * the client is 10.0.0.1 (endpoint a of the key), or with high
 * 10.0.0.2 (endpoint b).
 */
#define T0	1700000000000000000LL
static void
packet(int i, int fromclient, int high)
{
	struct dctx	 c;
	uint8_t		 lo[4] = { 10, 0, 0, 1 }, hi[4] = { 10, 0, 0, 2 };
	uint8_t		*cl = high ? hi : lo, *sv = high ? lo : hi;

	memset(&c, 0, sizeof(c));
	c.ts = T0 + i;
	c.alen = 4;
	c.wirelen = 100 + i;
	memcpy(c.src, fromclient ? cl : sv, 4);
	memcpy(c.dst, fromclient ? sv : cl, 4);
	flow_observe(&c, IPPROTO_UDP, fromclient ? 40000 : 53,
	    fromclient ? 53 : 40000, 0);
}

static struct agent_conf	 conf;
static struct type_stats	*ts;
static uint64_t			 ev;

/* a fresh table, no record yet */
static void
start(void)
{
	flow_init(&conf, emit, NULL, ts, &ev);
	nrec = nother = 0;
}

/* the sensor stops: 3 Connection records in all, and no other? */
static int
ended(const char *what)
{
	flow_shutdown();
	ok(nrec == 3 && nother == 0, "%s: 3 Connection records (%zu), no "
	    "other (%zu)", what, nrec, nother);
	return (nrec == 3);
}

/* the client's counter, the client the lower endpoint of the key */
static void
client_full(void)
{
	uint64_t	 pc = 0, ps = 0, bc = 0, bs = 0;
	size_t		 i;
	int		 n;

	/* 7 from the client (100..106 bytes), then 2 back (107, 108) */
	start();
	for (n = 0; n < 7; n++)
		packet(n, 1, 0);
	ok(nrec == 2, "7 packets one way, counters of 3: %zu records "
	    "before the end (2)", nrec);
	packet(7, 0, 0);
	packet(8, 0, 0);
	if (!ended("one way"))
		return;
	ok(rec[0].state == ST_ACTIVE && rec[1].state == ST_ACTIVE &&
	    rec[2].state == ST_SHUTDOWN, "states active, active, shutdown "
	    "(%u %u %u)", rec[0].state, rec[1].state, rec[2].state);
	ok(rec[0].pc == 3 && rec[0].bc == 100 + 101 + 102 &&
	    rec[0].first == T0 && rec[0].last == T0 + 2,
	    "first: packets 0-2, 3 packets, 303 bytes (%llu, %llu)",
	    (unsigned long long)rec[0].pc, (unsigned long long)rec[0].bc);
	ok(rec[1].pc == 3 && rec[1].bc == 103 + 104 + 105 &&
	    rec[1].first == T0 + 3 && rec[1].last == T0 + 5,
	    "second: packets 3-5, from the packet that found the counter "
	    "full (%llu, %llu, first +%lld)", (unsigned long long)rec[1].pc,
	    (unsigned long long)rec[1].bc, (long long)(rec[1].first - T0));
	ok(rec[2].pc == 1 && rec[2].ps == 2 && rec[2].bc == 106 &&
	    rec[2].bs == 107 + 108, "last: 1 packet from the client, 2 back "
	    "(%llu, %llu)", (unsigned long long)rec[2].pc,
	    (unsigned long long)rec[2].ps);
	for (i = 0; i < nrec; i++) {
		pc += rec[i].pc;
		ps += rec[i].ps;
		bc += rec[i].bc;
		bs += rec[i].bs;
	}
	ok(pc == 7 && ps == 2 && bc == 100 + 101 + 102 + 103 + 104 + 105 +
	    106 && bs == 215, "every packet and byte counted once (%llu+%llu "
	    "packets)", (unsigned long long)pc, (unsigned long long)ps);
	ok(ev == 0, "nothing evicted (%llu)", (unsigned long long)ev);
}

/*
 * The server's counter, the client the higher endpoint: 1 from the
 * client (100 bytes), 7 back (101..107), 1 more (108).
 */
static void
server_full(void)
{
	int	n;

	start();
	packet(0, 1, 1);
	for (n = 1; n < 8; n++)
		packet(n, 0, 1);
	packet(8, 1, 1);
	if (!ended("the other way"))
		return;
	ok(rec[0].state == ST_ACTIVE && rec[0].pc == 1 && rec[0].ps == 3 &&
	    rec[0].bs == 101 + 102 + 103 && rec[0].last == T0 + 3,
	    "first: the client's packet and 3 back (%llu, %llu)",
	    (unsigned long long)rec[0].pc, (unsigned long long)rec[0].ps);
	ok(rec[1].state == ST_ACTIVE && rec[1].pc == 0 && rec[1].ps == 3 &&
	    rec[1].bs == 104 + 105 + 106 && rec[1].first == T0 + 4,
	    "second: 3 back, from the packet that found the server's counter "
	    "full (%llu, %llu, first +%lld)", (unsigned long long)rec[1].pc,
	    (unsigned long long)rec[1].ps, (long long)(rec[1].first - T0));
	ok(rec[2].state == ST_SHUTDOWN && rec[2].pc == 1 && rec[2].ps == 1 &&
	    rec[2].bc == 108 && rec[2].bs == 107, "last: 1 each way (%llu, "
	    "%llu)", (unsigned long long)rec[2].pc,
	    (unsigned long long)rec[2].ps);
}

int
main(void)
{
	if ((ts = calloc(nrectypes, sizeof(*ts))) == NULL)
		return (1);
	conf.conn_table_size = 4;
	conf.conn_idle_timeout = 60;
	conf.conn_active_timeout = 3600;
	client_full();
	server_full();
	free(ts);
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
