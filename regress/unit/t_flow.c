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
 * Connection records: the captures regress/captures/gen_flow.py wrote
 * go frame by frame through decode_packet() with a connection table,
 * and every field of every Connection record must be what the
 * generator's .expect file says.  Then the cases a file cannot show:
 * every truncation of a frame, late segments after a close, a port
 * reused, expiry by the clock, a table of size 0.  And the table's
 * hash, against libsodium's.
 *
 * usage: t_flow [capturedir [corpusdir]]
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <pcap.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncagentd.h"
#include "records.h"
#include "records.pb-c.h"
#include "tap.h"
#include "records_flow.pb-c.h"

#define CAPTURE_DIR	"regress/captures"
#define CORPUS_DIR	"../shared/corpus/tcpdump-tests"
#define MAXCONN		64
#define MAXFRAMES	64
#define NS		1000000000LL

/* a Connection record, as stored or as expected */
struct conn {
	int64_t		 first, last, duration;
	unsigned int	 proto, sport, dport, flags, state;
	char		 src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint64_t	 pkts_c, pkts_s, bytes_c, bytes_s;
};

struct frame {
	int64_t		 ts;
	size_t		 len;
	uint8_t		*data;
};

static struct conn	 got[MAXCONN];
static size_t		 ngot, nother, ntoomany;
static int		 conn_type;
static struct type_stats *tstats;
static uint64_t		 evicted;
static struct frame	 frames[MAXFRAMES];
static size_t		 nframes;
static int		 dlt;


static void
addr(char *dst, const ProtobufCBinaryData *b)
{
	if (b->len == 4)
		inet_ntop(AF_INET, b->data, dst, INET6_ADDRSTRLEN);
	else if (b->len == 16)
		inet_ntop(AF_INET6, b->data, dst, INET6_ADDRSTRLEN);
	else
		snprintf(dst, INET6_ADDRSTRLEN, "len%zu", b->len);
}

/* what capture.c does: pack the record; we unpack it again to check */
static void
emit(void *arg, int type, const ProtobufCMessage *msg)
{
	Connection	*m;
	struct conn	*c;
	uint8_t		*buf;
	size_t		 sz;

	if (type != conn_type) {
		nother++;
		return;
	}
	sz = protobuf_c_message_get_packed_size(msg);
	if ((buf = malloc(sz ? sz : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	protobuf_c_message_pack(msg, buf);
	if ((m = connection__unpack(NULL, sz, buf)) == NULL) {
		fprintf(stderr, "Connection does not unpack\n");
		exit(1);
	}
	free(buf);
	if (ngot == MAXCONN) {
		ntoomany++;
		connection__free_unpacked(m, NULL);
		return;
	}
	c = &got[ngot++];
	c->first = m->timestamp_first;
	c->last = m->timestamp_last;
	c->duration = m->duration;
	c->proto = m->protocol;
	addr(c->src, &m->src_ip);
	addr(c->dst, &m->dst_ip);
	c->sport = m->src_port;
	c->dport = m->dst_port;
	c->pkts_c = m->packets_client;
	c->pkts_s = m->packets_server;
	c->bytes_c = m->bytes_client;
	c->bytes_s = m->bytes_server;
	c->flags = m->tcp_flags_seen;
	c->state = m->state;
	connection__free_unpacked(m, NULL);
}

static void	 start_timeouts(unsigned int, unsigned int, unsigned int);

/* a fresh table of the given size, with the default timeouts */
static void
start(unsigned int size)
{
	start_timeouts(size, CONN_IDLE_DEFAULT, CONN_ACTIVE_DEFAULT);
}

/* or with these, in seconds */
static void
start_timeouts(unsigned int size, unsigned int idle, unsigned int active)
{
	struct agent_conf	 conf;

	memset(&conf, 0, sizeof(conf));
	conf.conn_table_size = size;
	conf.conn_idle_timeout = idle;
	conf.conn_active_timeout = active;
	memset(tstats, 0, nrectypes * sizeof(*tstats));
	decode_init(emit, NULL, tstats);
	evicted = 0;
	flow_init(&conf, emit, NULL, tstats, &evicted);
	ngot = nother = ntoomany = 0;
}

/* each frame from a copy of exactly its captured size, for ASan */
static void
feed(const uint8_t *p, size_t caplen, size_t wirelen, int64_t ts)
{
	uint8_t	*copy;

	if ((copy = malloc(caplen ? caplen : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	memcpy(copy, p, caplen);
	decode_packet(dlt, ts, caplen ? copy : NULL, caplen, wirelen);
	free(copy);
}

static int
load(const char *path)
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr	*h;
	const u_char		*p;
	pcap_t			*pc;
	size_t			 i;

	for (i = 0; i < nframes; i++)
		free(frames[i].data);
	nframes = 0;
	if ((pc = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf)) == NULL) {
		fprintf(stderr, "%s\n", errbuf);
		return (-1);
	}
	dlt = pcap_datalink(pc);
	while (nframes < MAXFRAMES && pcap_next_ex(pc, &h, &p) == 1) {
		frames[nframes].ts = (int64_t)h->ts.tv_sec * NS +
		    h->ts.tv_usec;
		frames[nframes].len = h->caplen;
		if ((frames[nframes].data = malloc(h->caplen)) == NULL) {
			perror("malloc");
			exit(1);
		}
		memcpy(frames[nframes].data, p, h->caplen);
		nframes++;
	}
	pcap_close(pc);
	return (0);
}

static int
conn_eq(const struct conn *a, const struct conn *b, char *why, size_t len)
{
#define F(x, f) if (a->x != b->x) { snprintf(why, len, "%s %lld != %lld", \
	    f, (long long)a->x, (long long)b->x); return (0); }
	F(first, "timestamp_first");
	F(last, "timestamp_last");
	F(proto, "protocol");
	F(sport, "src_port");
	F(dport, "dst_port");
	F(pkts_c, "packets_client");
	F(pkts_s, "packets_server");
	F(bytes_c, "bytes_client");
	F(bytes_s, "bytes_server");
	F(flags, "tcp_flags_seen");
	F(duration, "duration");
	F(state, "state");
#undef F
	if (strcmp(a->src, b->src) != 0 || strcmp(a->dst, b->dst) != 0) {
		snprintf(why, len, "addresses %s %s != %s %s", a->src, a->dst,
		    b->src, b->dst);
		return (0);
	}
	return (1);
}

/* the transport records made since start(): one per flow_observe() */
static uint64_t
transport(void)
{
	const ProtobufCMessageDescriptor *d[] = { &tcp__descriptor,
	    &udp__descriptor, &icmpv4__descriptor, &icmpv6__descriptor };
	uint64_t	 n = 0;
	size_t		 i;
	int		 t;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if ((t = rectype_bydesc(d[i])) != -1)
			n += tstats[t].records;
	return (n);
}

/* one capture against its .expect file */
static void
run_capture(const char *dir, const char *name)
{
	char		 path[1024], line[512], why[256];
	struct conn	 want[MAXCONN];
	size_t		 nwant = 0, i;
	unsigned int	 table = 0;
	unsigned long long nev = 0;
	uint64_t	 sum;
	int		 eq;
	long long	 first, last, dur;
	unsigned long long pc, ps, bc, bs;
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s.expect", dir, name);
	if ((fp = fopen(path, "r")) == NULL) {
		ok(0, "%s: %s", name, path);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL && nwant < MAXCONN) {
		struct conn	*w = &want[nwant];

		if (sscanf(line, "table %u", &table) == 1 ||
		    sscanf(line, "evicted %llu", &nev) == 1)
			continue;
		if (sscanf(line, "conn %lld %lld %u %45s %45s %u %u %llu %llu "
		    "%llu %llu %u %lld %u", &first, &last, &w->proto, w->src,
		    w->dst, &w->sport, &w->dport, &pc, &ps, &bc, &bs,
		    &w->flags, &dur, &w->state) != 14)
			continue;
		w->first = first;
		w->last = last;
		w->duration = dur;
		w->pkts_c = pc;
		w->pkts_s = ps;
		w->bytes_c = bc;
		w->bytes_s = bs;
		nwant++;
	}
	fclose(fp);
	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	if (load(path) == -1 || table == 0) {
		ok(0, "%s: capture or table size", name);
		return;
	}

	start(table);
	for (i = 0; i < nframes; i++)
		feed(frames[i].data, frames[i].len, frames[i].len,
		    frames[i].ts);
	flow_shutdown();
	ok(ngot == nwant && ntoomany == 0, "%s: %zu Connection records "
	    "(want %zu)", name, ngot, nwant);
	for (i = 0; i < nwant && i < ngot; i++) {
		why[0] = '\0';
		eq = conn_eq(&got[i], &want[i], why, sizeof(why));
		ok(eq,
		    "%s: record %zu, %u %s:%u -> %s:%u state %u: every field "
		    "as expected%s%s", name, i + 1, want[i].proto, want[i].src,
		    want[i].sport, want[i].dst, want[i].dport, want[i].state,
		    why[0] ? ", not " : "", why);
	}
	ok(tstats[conn_type].records == nwant, "%s: records counted %llu",
	    name, (unsigned long long)tstats[conn_type].records);
	for (i = 0, sum = 0; i < ngot; i++)
		sum += got[i].pkts_c + got[i].pkts_s;
	ok(sum == transport(), "%s: %llu packets in the records, one per "
	    "TCP, UDP and ICMP header decoded", name,
	    (unsigned long long)sum);
	ok(evicted == nev, "%s: %llu evicted, want %llu", name,
	    (unsigned long long)evicted, nev);
}

/* flow-tcp frame 1 (the SYN) cut at every length */
static void
truncations(void)
{
	size_t	 cut, bad = 0, n = 0;
	int	 whole;

	if (nframes < 8)
		return;
	for (cut = 0; cut <= frames[0].len; cut++) {
		start(16);
		feed(frames[0].data, cut, frames[0].len, frames[0].ts);
		flow_shutdown();
		/* Ethernet, IPv4, TCP: 54 bytes make a whole TCP header */
		whole = cut >= 14 + 20 + 20;
		if (whole)
			n++;
		if (ngot != (whole ? 1U : 0U) || (ngot == 1 &&
		    (got[0].bytes_c != frames[0].len || got[0].pkts_c != 1 ||
		    got[0].state != 5 || got[0].flags != 0x02)))
			bad++;
	}
	ok(bad == 0 && n == frames[0].len - 53, "a SYN cut at each of %zu "
	    "lengths: a connection only with the whole TCP header", cut);
}

/*
 * flow-tcp's first connection, then late segments: a duplicate of the
 * last ACK and a FIN after the close start nothing; a SYN on the same
 * ports starts a new connection.  Then expiry by the clock.
 */
static void
late_segments(void)
{
	int64_t	 t;
	size_t	 i;

	if (nframes < 8)
		return;
	start(16);
	for (i = 0; i < 8; i++)
		feed(frames[i].data, frames[i].len, frames[i].len,
		    frames[i].ts);
	ok(ngot == 1 && got[0].state == 1 && got[0].pkts_c == 5 &&
	    got[0].pkts_s == 3, "closed at the last ACK, before shutdown");
	t = frames[7].ts + NS;
	feed(frames[7].data, frames[7].len, frames[7].len, t);
	feed(frames[6].data, frames[6].len, frames[6].len, t + 1);
	ok(ngot == 1, "a late ACK and FIN make no record");
	feed(frames[0].data, frames[0].len, frames[0].len, t + 2);
	feed(frames[1].data, frames[1].len, frames[1].len, t + 3);
	ok(ngot == 1, "a SYN on the ports again: a new connection, open");
	/* nothing for 60 s is not yet idle; longer is */
	flow_expire(t + 3 + 60 * NS);
	ok(ngot == 1, "60 s without a packet: still open");
	flow_expire(t + 3 + 60 * NS + 1);
	ok(ngot == 2 && got[1].state == 3 && got[1].first == t + 2 &&
	    got[1].last == t + 3 && got[1].pkts_c == 1 &&
	    got[1].pkts_s == 1 && got[1].flags == 0x12 &&
	    strcmp(got[1].src, "10.1.0.1") == 0 && got[1].sport == 40001,
	    "then idle: the new connection, client 10.1.0.1:40001");
	flow_shutdown();
	ok(ngot == 2, "nothing left at shutdown");
	ok(nother > 0, "the other records still made (%zu)", nother);
}

/*
 * flow-tcp's refused connection (frames 9 and 10: SYN, RST+ACK): the
 * RST again a second later is a late segment; six seconds later,
 * past the 5 s after a close, it is a connection of its own.
 */
static void
linger(void)
{
	int64_t	 t;

	if (nframes < 10)
		return;
	start(16);
	feed(frames[8].data, frames[8].len, frames[8].len, frames[8].ts);
	feed(frames[9].data, frames[9].len, frames[9].len, frames[9].ts);
	t = frames[9].ts;
	feed(frames[9].data, frames[9].len, frames[9].len, t + NS);
	ok(ngot == 1 && got[0].state == 2 && got[0].pkts_c == 1 &&
	    got[0].pkts_s == 1, "reset at the RST; the RST again 1 s later "
	    "is not counted");
	feed(frames[9].data, frames[9].len, frames[9].len, t + 6 * NS);
	ok(ngot == 2 && got[1].state == 2 && got[1].pkts_c == 1 &&
	    got[1].pkts_s == 0 && got[1].flags == 0x14 &&
	    strcmp(got[1].src, "10.1.0.2") == 0 && got[1].sport == 5556 &&
	    got[1].first == t + 6 * NS && got[1].duration == 0,
	    "6 s later it is a connection of its own, from its sender");
	flow_shutdown();
	ok(ngot == 2, "nothing left at shutdown");
}

/* an Ethernet, IPv4 and UDP frame from 10.9.0.1:sport to 10.9.0.2:53 */
static void
udp_at(unsigned int sport, int64_t ts)
{
	uint8_t	 f[14 + 20 + 8 + 4] = {
		/* Ethernet */
		0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00,
		/* IPv4, 46 - 14 bytes, UDP, no checksum */
		0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0,
		10, 9, 0, 1, 10, 9, 0, 2,
		/* UDP, 12 bytes, to port 53 */
		0, 0, 0, 53, 0, 12, 0, 0,
		'p', 'i', 'n', 'g'
	};

	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	feed(f, sizeof(f), sizeof(f), ts);
}

/*
 * The clock going back: a connection that is newer in the table but
 * older in time expires as soon as it is the oldest and its time has
 * come, and one whose active timeout took its last time back expires
 * by that time.  The table looks at its oldest entry only when it
 * must; these are the cases where a cached answer would be wrong.
 */
static void
clock_back(void)
{
	int64_t	 t = 1000 * NS;
	int	 odl = dlt;

	dlt = DLT_EN10MB;
	start(16);
	udp_at(1001, t);		/* X */
	udp_at(1002, t - 50 * NS);	/* Y: newer, but 50 s older */
	udp_at(1001, t + NS);		/* X again: Y is now the oldest */
	udp_at(1003, t + 11 * NS);	/* 61 s after Y */
	ok(ngot == 1 && got[0].sport == 1002 && got[0].state == 3 &&
	    got[0].last == t - 50 * NS,
	    "a connection older in time than the one before it expires once "
	    "that one is seen again (%zu records)", ngot);
	flow_shutdown();

	/* idle 600 s, active 300 s */
	start_timeouts(16, 600, 300);
	udp_at(2001, 100 * NS);
	udp_at(2001, 390 * NS);
	flow_expire(701 * NS);		/* still open: 311 s since */
	udp_at(2001, 80 * NS);		/* first goes back to 80 s ... */
	udp_at(2001, 385 * NS);		/* ... so this is 305 s after it */
	ok(ngot == 1 && got[0].state == 4 && got[0].first == 80 * NS &&
	    got[0].last == 390 * NS,
	    "active timeout reported (%zu records)", ngot);
	flow_expire(985 * NS);
	ok(ngot == 1, "600 s after the packet that began it again: open");
	flow_expire(985 * NS + 1);
	ok(ngot == 2 && got[1].state == 3 && got[1].first == 385 * NS &&
	    got[1].last == 385 * NS,
	    "then idle, from the time of that packet (%zu records)", ngot);
	flow_shutdown();
	dlt = odl;
}

/* a table of 0: no connection records, decoding as before */
static void
disabled(void)
{
	size_t	 i;

	start(0);
	for (i = 0; i < nframes; i++)
		feed(frames[i].data, frames[i].len, frames[i].len,
		    frames[i].ts);
	flow_expire(frames[nframes - 1].ts + 3600 * NS);
	flow_shutdown();
	ok(ngot == 0 && nother > 0, "connection-table-size 0: no Connection "
	    "records, %zu others", nother);
}

/*
 * Every capture of the corpus through a table of 8, so that many
 * connections are evicted: under the sanitizers nothing may go wrong,
 * and every record must be consistent.
 */
static void
corpus(const char *dir)
{
	char			 path[1024], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr	*h;
	const u_char		*p;
	struct dirent		*de;
	pcap_t			*pc;
	DIR			*d;
	size_t			 i, nfiles = 0, bad = 0, nrec = 0, nev6;
	uint64_t		 sum, nev = 0, nobs = 0;

	if ((d = opendir(dir)) == NULL) {
		printf("ok %d - # SKIP no corpus at %s\n", ++ntest, dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((pc = pcap_open_offline_with_tstamp_precision(path,
		    PCAP_TSTAMP_PRECISION_NANO, errbuf)) == NULL)
			continue;
		dlt = pcap_datalink(pc);
		if (decode_linktype_ok(dlt) == -1) {
			pcap_close(pc);
			continue;
		}
		nfiles++;
		start(8);
		/* the records are kept only up to MAXCONN: count the rest */
		while (pcap_next_ex(pc, &h, &p) == 1)
			feed(p, h->caplen, h->len, (int64_t)h->ts.tv_sec * NS +
			    h->ts.tv_usec);
		pcap_close(pc);
		flow_shutdown();
		for (i = 0, sum = 0, nev6 = 0; i < ngot; i++) {
			const struct conn	*c = &got[i];

			sum += c->pkts_c + c->pkts_s;
			if (c->state == 6)
				nev6++;
			if (c->duration != c->last - c->first ||
			    c->duration < 0 || c->pkts_c + c->pkts_s == 0 ||
			    /* only a missed SYN leaves the client silent */
			    (c->pkts_c == 0 && (c->proto != 6 ||
			    (c->flags & 0x12) != 0x12)) ||
			    c->state < 1 || c->state > 6 ||
			    (c->proto != 6 && c->flags != 0) ||
			    (c->proto != 6 && c->proto != 17 &&
			    (c->sport != 0 || c->dport != 0)) ||
			    c->bytes_c < c->pkts_c || c->bytes_s < c->pkts_s) {
				printf("# %s: record %zu inconsistent: %lld "
				    "%lld %lld %u %s %s %u %u %llu %llu %u %u\n",
				    de->d_name, i + 1, (long long)c->first,
				    (long long)c->last, (long long)c->duration,
				    c->proto, c->src, c->dst, c->sport,
				    c->dport, (unsigned long long)c->pkts_c,
				    (unsigned long long)c->pkts_s, c->flags,
				    c->state);
				bad++;
			}
		}
		/* the records seen whole add up; stragglers are not counted */
		if (ntoomany == 0 && (sum > transport() ||
		    nev6 != evicted)) {
			printf("# %s: %llu packets of %llu, %zu of %llu "
			    "evicted\n", de->d_name, (unsigned long long)sum,
			    (unsigned long long)transport(), nev6,
			    (unsigned long long)evicted);
			bad++;
		}
		nrec += ngot + ntoomany;
		nev += evicted;
		nobs += transport();
	}
	closedir(d);
	ok(bad == 0, "corpus: %zu captures, %zu Connection records of %llu "
	    "transport headers, %llu evicted, all consistent (%zu not)",
	    nfiles, nrec, (unsigned long long)nobs, (unsigned long long)nev,
	    bad);
}

/*
 * The table's hash is SipHash, with fewer rounds: with libsodium's, its
 * SipHash-2-4 is crypto_shorthash, for keys and inputs of every length
 * up to 64 bytes (a connection's key is 16 or 40).
 */
static void
siphash(void)
{
	unsigned char	 k[crypto_shorthash_KEYBYTES], m[64];
	unsigned char	 want[crypto_shorthash_BYTES], out[8];
	uint64_t	 h;
	size_t		 len, j;
	int		 i, bad = 0, same = 0;

	if (sodium_init() == -1) {
		printf("Bail out! sodium_init\n");
		exit(1);
	}
	for (i = 0; i < 1300; i++) {
		len = (size_t)i % (sizeof(m) + 1);
		randombytes_buf(k, sizeof(k));
		randombytes_buf(m, len);
		crypto_shorthash(want, m, len, k);
		h = flow_siphash(k, m, len, 2, 4);
		for (j = 0; j < sizeof(out); j++)
			out[j] = (unsigned char)(h >> (8 * j));
		if (memcmp(out, want, sizeof(out)) != 0)
			bad++;
		if (flow_siphash(k, m, len, 1, 3) == h)
			same++;
	}
	ok(bad == 0, "SipHash-2-4 is crypto_shorthash (%d of 1300 differ)",
	    bad);
	ok(same == 0, "SipHash-1-3, which the table uses, is another hash "
	    "(%d the same)", same);
}

int
main(int argc, char *argv[])
{
	const char	*dir = argc > 1 ? argv[1] : CAPTURE_DIR;
	const char	*cdir = argc > 2 ? argv[2] : CORPUS_DIR;
	const char	*caps[] = { "flow-udp", "flow-long", "flow-evict",
			    "flow-tcp" };
	size_t		 i;

	log_init(1, 0);
	if ((conn_type = rectype_bydesc(&connection__descriptor)) == -1) {
		printf("Bail out! Connection is not a record type\n");
		return (1);
	}
	if ((tstats = calloc(nrectypes, sizeof(*tstats))) == NULL) {
		perror("calloc");
		return (1);
	}
	siphash();
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		run_capture(dir, caps[i]);
	/* flow-tcp is loaded last */
	truncations();
	late_segments();
	linger();
	clock_back();
	disabled();
	corpus(cdir);
	for (i = 0; i < nframes; i++)
		free(frames[i].data);
	free(tstats);
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
