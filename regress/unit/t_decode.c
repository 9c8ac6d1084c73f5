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
 * The packet decoder against captures whose every byte
 * regress/captures/gen.py chose: records per frame in layer order,
 * counters per type, key fields of known frames, every frame cut at
 * every length, and the tcpdump test corpus under the sanitizers.
 *
 * usage: t_decode [-c capturedir] [-C corpusdir] [capturedir [corpusdir]]
 *        t_decode -l file.pcap	(list the records of each frame, to
 *				 diff against tshark_layers.py -f)
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ncagentd.h"
#include "records.h"
#include "records.pb-c.h"
#include "tap.h"

#define CAPTURE_DIR	"regress/captures"
#define CORPUS_DIR	"../shared/corpus/tcpdump-tests"

#define MAXREC		1024	/* records kept of one capture */
#define MAXFRAMES	256
#define MAXLAYERS	16

struct rec {
	int		 frame;
	int		 type;
	size_t		 len;
	uint8_t		*buf;		/* packed, malloc'd */
};

/* what a capture's .expect file says */
struct expect {
	int		 linktype;
	int		 decoded;
	int		 nframes;
	struct {
		char	 label[64];
		int	 ntypes;
		int	 types[MAXLAYERS];
	}		 frame[MAXFRAMES];
	/* per rectypes[] index; a type the file does not name: all 0 */
	struct xcount {
		int	 listed;
		uint64_t records, errors, truncated, unknown;
	}		*count;
};


/* filled by emit() */
static struct rec	 recs[MAXREC];
static size_t		 nrecs;
static int		 store;		/* keep packed records in recs[] */
static int		 curframe;
static int64_t		 curts;
static int		 calltypes[MAXLAYERS + 1];
static int		 ncalltypes;
static uint64_t		 nemitted, badts, badpack, badtype;

static struct expect	 xp;
static struct type_stats *stats;



/*
 * What capture.c does with a record, packing it at once, plus checks
 * that hold for every record: its type, its timestamp.
 */
static void
emit(void *arg, int type, const ProtobufCMessage *msg)
{
	const ProtobufCFieldDescriptor	*fd;
	uint8_t				*out;
	size_t				 sz;
	int64_t				 ts;

	nemitted++;
	if (ncalltypes < MAXLAYERS + 1)
		calltypes[ncalltypes++] = type;
	if (type < 0 || (size_t)type >= nrectypes ||
	    msg->descriptor != rectypes[type]) {
		badtype++;
		return;
	}
	fd = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor,
	    "timestamp");
	if (fd != NULL) {
		memcpy(&ts, (const char *)msg + fd->offset, sizeof(ts));
		if (ts != curts)
			badts++;
	}
	/* records are as large as the frame makes them: DNS can be 6K */
	sz = protobuf_c_message_get_packed_size(msg);
	if ((out = malloc(sz ? sz : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	if (protobuf_c_message_pack(msg, out) != sz) {
		badpack++;
		free(out);
		return;
	}
	if (store && nrecs < MAXREC) {
		recs[nrecs].frame = curframe;
		recs[nrecs].type = type;
		recs[nrecs].len = sz;
		recs[nrecs].buf = out;
		nrecs++;
	} else
		free(out);
}

static void
free_recs(void)
{
	size_t	 i;

	for (i = 0; i < nrecs; i++)
		free(recs[i].buf);
	nrecs = 0;
}

/* decode from an exact-size copy, so the sanitizer sees any overread */
static void
decode_exact(int dlt, int64_t ts, const u_char *p, size_t caplen,
    size_t wirelen)
{
	u_char	*copy;

	if ((copy = malloc(caplen ? caplen : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	memcpy(copy, p, caplen);
	ncalltypes = 0;
	curts = ts;
	decode_packet(dlt, ts, copy, caplen, wirelen);
	free(copy);
}

static int64_t
pkt_ts(const struct pcap_pkthdr *h)
{
	return ((int64_t)h->ts.tv_sec * 1000000000 +
	    (int64_t)h->ts.tv_usec * 1000);
}

static int
read_expect(const char *path, struct expect *x)
{
	FILE	*fp;
	char	 line[1024], *w, *save;
	int	 n, t;

	memset(x->count, 0, nrectypes * sizeof(*x->count));
	memset(x->frame, 0, sizeof(x->frame));
	x->decoded = x->nframes = 0;
	x->linktype = -1;
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((w = strtok_r(line, " ", &save)) == NULL || *w == '#')
			continue;
		if (strcmp(w, "linktype") == 0) {
			if ((w = strtok_r(NULL, " ", &save)) == NULL)
				goto bad;
			x->linktype = atoi(w);
		} else if (strcmp(w, "decoded") == 0) {
			w = strtok_r(NULL, " ", &save);
			x->decoded = w != NULL && strcmp(w, "yes") == 0;
		} else if (strcmp(w, "frame") == 0) {
			if ((w = strtok_r(NULL, " ", &save)) == NULL)
				goto bad;
			n = atoi(w);
			if (n != x->nframes + 1 || n > MAXFRAMES)
				goto bad;
			x->nframes = n;
			if ((w = strtok_r(NULL, " ", &save)) == NULL)
				goto bad;
			strlcpy(x->frame[n - 1].label, w,
			    sizeof(x->frame[n - 1].label));
			while ((w = strtok_r(NULL, " ", &save)) != NULL) {
				if ((t = rectype_byname(w)) == -1 ||
				    x->frame[n - 1].ntypes == MAXLAYERS)
					goto bad;
				x->frame[n - 1].types[x->frame[n - 1].ntypes++]
				    = t;
			}
		} else if (strcmp(w, "count") == 0) {
			if ((w = strtok_r(NULL, " ", &save)) == NULL ||
			    (t = rectype_byname(w)) == -1)
				goto bad;
			if (sscanf(save, "%lu %lu %lu %lu",
			    &x->count[t].records, &x->count[t].errors,
			    &x->count[t].truncated, &x->count[t].unknown) != 4)
				goto bad;
			x->count[t].listed = 1;
		} else
			goto bad;
	}
	fclose(fp);
	return (0);
 bad:
	fclose(fp);
	return (-1);
}

static int
frame_bylabel(const char *label)
{
	int	 i;

	for (i = 0; i < xp.nframes; i++)
		if (strcmp(xp.frame[i].label, label) == 0)
			return (i + 1);
	return (-1);
}

static void
types_str(char *buf, size_t len, const int *types, int n)
{
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strlcat(buf, " ", len);
		strlcat(buf, types[i] >= 0 && (size_t)types[i] < nrectypes ?
		    rectypes[types[i]]->name : "?", len);
	}
}

/*
 * One capture: records per frame in order, counters per type.  The
 * records stay in recs[] for the field checks that follow.
 */
static void
run_capture(const char *dir, const char *name)
{
	char			 path[1024], errbuf[PCAP_ERRBUF_SIZE];
	char			 got[256], want[256], unlisted[512];
	struct pcap_pkthdr	*h;
	const u_char		*data;
	pcap_t			*pc;
	size_t			 i;
	int			 dlt, frame, t, r, types[MAXLAYERS];
	int			 n, okframes;

	snprintf(path, sizeof(path), "%s/%s.expect", dir, name);
	if (read_expect(path, &xp) == -1) {
		ok(0, "%s: cannot read", path);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
		ok(0, "%s: %s", path, errbuf);
		return;
	}
	dlt = pcap_datalink(pc);
	ok(decode_linktype_ok(dlt) == (xp.decoded ? 0 : -1),
	    "%s: link type %d %s", name, xp.linktype,
	    xp.decoded ? "decoded" : "refused");
	if (!xp.decoded) {
		pcap_close(pc);
		return;
	}

	memset(stats, 0, nrectypes * sizeof(*stats));
	decode_init(emit, NULL, stats);
	free_recs();
	store = 1;
	frame = 0;
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		curframe = ++frame;
		decode_exact(dlt, pkt_ts(h), data, h->caplen, h->len);
	}
	store = 0;
	pcap_close(pc);
	ok(r == PCAP_ERROR_BREAK && frame == xp.nframes,
	    "%s: %d frames read, %d expected", name, frame, xp.nframes);

	okframes = 0;
	for (frame = 1; frame <= xp.nframes; frame++) {
		n = 0;
		for (i = 0; i < nrecs; i++)
			if (recs[i].frame == frame && n < MAXLAYERS)
				types[n++] = recs[i].type;
		if (n == xp.frame[frame - 1].ntypes &&
		    memcmp(types, xp.frame[frame - 1].types,
		    n * sizeof(int)) == 0) {
			okframes++;
			continue;
		}
		types_str(got, sizeof(got), types, n);
		types_str(want, sizeof(want), xp.frame[frame - 1].types,
		    xp.frame[frame - 1].ntypes);
		ok(0, "%s frame %d %s: records [%s], want [%s]", name, frame,
		    xp.frame[frame - 1].label, got, want);
	}
	ok(okframes == xp.nframes, "%s: %d of %d frames give the records "
	    "expected, in layer order", name, okframes, xp.nframes);

	/*
	 * Every record type: those the file names with their counts, the
	 * rest must stay at 0 (one line for all of them).
	 */
	unlisted[0] = '\0';
	for (t = 0; (size_t)t < nrectypes; t++) {
		const struct type_stats	*s = &stats[t];
		const struct xcount	*x = &xp.count[t];

		if (!x->listed) {
			if (s->records || s->errors || s->truncated ||
			    s->unknown) {
				strlcat(unlisted, " ", sizeof(unlisted));
				strlcat(unlisted, rectypes[t]->name,
				    sizeof(unlisted));
			}
			continue;
		}
		ok(s->records == x->records && s->errors == x->errors &&
		    s->truncated == x->truncated && s->unknown == x->unknown,
		    "%s %s: records %lu errors %lu truncated %lu unknown %lu"
		    " (want %lu %lu %lu %lu)", name, rectypes[t]->name,
		    (unsigned long)s->records, (unsigned long)s->errors,
		    (unsigned long)s->truncated, (unsigned long)s->unknown,
		    (unsigned long)x->records, (unsigned long)x->errors,
		    (unsigned long)x->truncated, (unsigned long)x->unknown);
	}
	ok(unlisted[0] == '\0', "%s: no counts for types the .expect does "
	    "not list%s%s", name, unlisted[0] ? ", but:" : "", unlisted);
}

/* the nth record of a type in the frame with this label, unpacked */
static ProtobufCMessage *
getrec(const char *label, const char *type, int nth)
{
	size_t	 i;
	int	 frame, t;

	if ((frame = frame_bylabel(label)) == -1 ||
	    (t = rectype_byname(type)) == -1)
		return (NULL);
	for (i = 0; i < nrecs; i++) {
		if (recs[i].frame != frame || recs[i].type != t)
			continue;
		if (nth-- > 0)
			continue;
		return (protobuf_c_message_unpack(rectypes[t], NULL,
		    recs[i].len, recs[i].buf));
	}
	return (NULL);
}

static int
ip_is(const ProtobufCBinaryData *b, const char *text)
{
	uint8_t	 a[16];
	size_t	 len;

	if (strchr(text, ':') != NULL) {
		if (inet_pton(AF_INET6, text, a) != 1)
			return (0);
		len = 16;
	} else {
		if (inet_pton(AF_INET, text, a) != 1)
			return (0);
		len = 4;
	}
	return (b->len == len && memcmp(b->data, a, len) == 0);
}

static int
mac_is(const ProtobufCBinaryData *b, const char *text)
{
	unsigned int	 m[6];
	int		 i;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
	    &m[4], &m[5]) != 6 || b->len != 6)
		return (0);
	for (i = 0; i < 6; i++)
		if (b->data[i] != m[i])
			return (0);
	return (1);
}

#define REC(var, ctype, label, type, nth)				\
	ctype *var = (ctype *)getrec(label, type, nth);			\
	ok(var != NULL, "%s: %s record %d present", label, type, nth);	\
	if (var != NULL)

#define FREE(var)							\
	protobuf_c_message_free_unpacked(&(var)->base, NULL)

/* fields of frames of decode-ether, as gen.py built them */
static void
check_ether_fields(void)
{
	int64_t	 ts0 = 1700000000LL * 1000000000LL;

	{
		REC(e, Ethernet, "arp-request", "Ethernet", 0) {
			ok(e->timestamp == ts0, "arp-request: timestamp "
			    "%lld", (long long)e->timestamp);
			ok(mac_is(&e->src_mac, "02:00:00:00:00:01") &&
			    mac_is(&e->dst_mac, "ff:ff:ff:ff:ff:ff"),
			    "arp-request: Ethernet MACs");
			ok(e->ethertype == 0x0806 && e->payload_size == 46,
			    "arp-request: ethertype 0x%x, payload_size %u "
			    "(padded to 60)", e->ethertype, e->payload_size);
			FREE(e);
		}
	}
	{
		REC(a, ARP, "arp-request", "ARP", 0) {
			ok(a->operation == 1 &&
			    mac_is(&a->src_hw, "02:00:00:00:00:01") &&
			    ip_is(&a->src_ip, "10.1.0.1") &&
			    mac_is(&a->dst_hw, "00:00:00:00:00:00") &&
			    ip_is(&a->dst_ip, "10.1.0.2"),
			    "arp-request: who-has 10.1.0.2 tell 10.1.0.1");
			FREE(a);
		}
	}
	{
		REC(a, ARP, "arp-reply", "ARP", 0) {
			ok(a->operation == 2 &&
			    mac_is(&a->src_hw, "02:00:00:00:00:02") &&
			    ip_is(&a->src_ip, "10.1.0.2") &&
			    mac_is(&a->dst_hw, "02:00:00:00:00:01"),
			    "arp-reply: 10.1.0.2 is-at 02:00:00:00:00:02");
			FREE(a);
		}
	}
	{
		REC(a, ARP, "arp-odd-sizes", "ARP", 0) {
			ok(a->src_hw.len == 6 &&
			    ip_is(&a->src_ip, "fd00:1::1") &&
			    ip_is(&a->dst_ip, "fd00:1::2"),
			    "arp-odd-sizes: 16-byte protocol addresses");
			FREE(a);
		}
	}
	{
		REC(ip, IPv4, "tcp-syn", "IPv4", 0) {
			ok(ip->timestamp == ts0 + 2002000000LL,
			    "tcp-syn: timestamp of the third frame");
			ok(ip->version == 4 && ip->ihl == 5 && ip->tos == 0 &&
			    ip->length == 60 && ip->id == 0x1001 &&
			    ip->flags == 2 && ip->frag_offset == 0 &&
			    ip->ttl == 64 && ip->protocol == 6 &&
			    ip->checksum == 0x16b7,
			    "tcp-syn: IPv4 header fields");
			ok(ip_is(&ip->src_ip, "10.1.0.1") &&
			    ip_is(&ip->dst_ip, "10.1.0.2") &&
			    ip->options_size == 0 && ip->payload_size == 40,
			    "tcp-syn: IPv4 addresses and sizes");
			FREE(ip);
		}
	}
	{
		REC(t, TCP, "tcp-syn", "TCP", 0) {
			ok(ip_is(&t->src_ip, "10.1.0.1") &&
			    ip_is(&t->dst_ip, "10.1.0.2") &&
			    t->src_port == 40000 && t->dst_port == 8080,
			    "tcp-syn: addresses and ports");
			ok(t->seq_num == 1000 && t->ack_num == 0 &&
			    t->data_offset == 10 && t->flags == 0x02 &&
			    t->window == 64240 && t->checksum == 0x7951 &&
			    t->urgent == 0 && t->options_size == 20 &&
			    t->payload_size == 0,
			    "tcp-syn: SYN with 20 bytes of options");
			FREE(t);
		}
	}
	{
		REC(t, TCP, "tcp-synack", "TCP", 0) {
			ok(t->flags == 0x12 && t->seq_num == 5000 &&
			    t->ack_num == 1001 && t->src_port == 8080 &&
			    ip_is(&t->src_ip, "10.1.0.2"),
			    "tcp-synack: flags 0x%x", t->flags);
			FREE(t);
		}
	}
	{
		REC(e, Ethernet, "tcp-ack", "Ethernet", 0) {
			ok(e->payload_size == 46, "tcp-ack: Ethernet "
			    "payload_size %u includes the padding",
			    e->payload_size);
			FREE(e);
		}
	}
	{
		REC(ip, IPv4, "tcp-ack", "IPv4", 0) {
			ok(ip->length == 40 && ip->payload_size == 20,
			    "tcp-ack: IPv4 ends at its total length");
			FREE(ip);
		}
	}
	{
		REC(t, TCP, "tcp-ack", "TCP", 0) {
			ok(t->flags == 0x10 && t->payload_size == 0,
			    "tcp-ack: padding is no TCP payload (%u)",
			    t->payload_size);
			FREE(t);
		}
	}
	{
		REC(ip, IPv4, "tcp-data", "IPv4", 0) {
			ok(ip->tos == 0x10 && ip->ttl == 63 &&
			    ip->id == 0x1002 && ip->payload_size == 120,
			    "tcp-data: tos, ttl, id, payload_size");
			FREE(ip);
		}
	}
	{
		REC(t, TCP, "tcp-data", "TCP", 0) {
			ok(t->flags == 0x18 && t->payload_size == 100 &&
			    t->seq_num == 1001 && t->ack_num == 5001,
			    "tcp-data: PSH|ACK with 100 bytes");
			FREE(t);
		}
	}
	{
		REC(t, TCP, "tcp-fin", "TCP", 0) {
			ok(t->flags == 0x11, "tcp-fin: FIN|ACK");
			FREE(t);
		}
	}
	{
		REC(t, TCP, "tcp-rst", "TCP", 0) {
			ok(t->flags == 0x04 && t->window == 0,
			    "tcp-rst: RST, window 0");
			FREE(t);
		}
	}
	{
		REC(t, TCP, "tcp-allflags", "TCP", 0) {
			ok(t->flags == 0x1ff && t->urgent == 1 &&
			    t->payload_size == 1 && t->seq_num == 7 &&
			    t->ack_num == 9,
			    "tcp-allflags: flags 0x%x with NS, urgent 1",
			    t->flags);
			FREE(t);
		}
	}
	{
		REC(u, UDP, "udp", "UDP", 0) {
			ok(u->src_port == 5999 && u->dst_port == 9999 &&
			    u->length == 28 && u->checksum == 0x52cf &&
			    u->payload_size == 20 &&
			    ip_is(&u->dst_ip, "10.1.0.2"),
			    "udp: ports, length, checksum, payload_size");
			FREE(u);
		}
	}
	{
		REC(i, ICMPv4, "icmp-echo", "ICMPv4", 0) {
			ok(i->type == 8 && i->code == 0 &&
			    i->checksum == 0xf4c3 && i->id == 0x1234 &&
			    i->seq == 7 && ip_is(&i->src_ip, "10.1.0.1"),
			    "icmp-echo: type 8 id 0x1234 seq 7");
			FREE(i);
		}
	}
	{
		REC(i, ICMPv4, "icmp-echoreply", "ICMPv4", 0) {
			ok(i->type == 0 && i->id == 0x1234 && i->seq == 7 &&
			    ip_is(&i->src_ip, "10.1.0.2"),
			    "icmp-echoreply: type 0 id 0x1234 seq 7");
			FREE(i);
		}
	}
	{
		REC(i, ICMPv4, "icmp-tstamp", "ICMPv4", 0) {
			ok(i->type == 13 && i->id == 0x4321 && i->seq == 2,
			    "icmp-tstamp: type 13 carries id and seq");
			FREE(i);
		}
	}
	{
		REC(i, ICMPv4, "icmp-unreach", "ICMPv4", 0) {
			ok(i->type == 3 && i->code == 4 && i->id == 0 &&
			    i->seq == 0, "icmp-unreach: no id/seq (MTU "
			    "1400 where seq would be): %u", i->seq);
			FREE(i);
		}
	}
	{
		REC(ip, IPv4, "ipv4-options", "IPv4", 0) {
			ok(ip->ihl == 6 && ip->options_size == 4 &&
			    ip->payload_size == 11,
			    "ipv4-options: ihl 6, 4 bytes of options");
			FREE(ip);
		}
	}
	{
		REC(u, UDP, "ipv4-options", "UDP", 0) {
			ok(u->src_port == 5000 && u->payload_size == 3,
			    "ipv4-options: UDP after the options");
			FREE(u);
		}
	}
	{
		REC(ip, IPv4, "ipv4-frag-first", "IPv4", 0) {
			ok(ip->flags == 1 && ip->frag_offset == 0 &&
			    ip->id == 0x2222, "ipv4-frag-first: MF, offset 0");
			FREE(ip);
		}
	}
	{
		REC(u, UDP, "ipv4-frag-first", "UDP", 0) {
			ok(u->length == 108 && u->payload_size == 48,
			    "ipv4-frag-first: UDP length 108, 48 bytes here");
			FREE(u);
		}
	}
	{
		REC(ip, IPv4, "ipv4-frag-second", "IPv4", 0) {
			ok(ip->flags == 0 && ip->frag_offset == 7 &&
			    ip->payload_size == 52,
			    "ipv4-frag-second: offset 7 (56 bytes), no UDP");
			FREE(ip);
		}
	}
	{
		REC(ip, IPv4, "ipv4-in-ipv4", "IPv4", 1) {
			ok(ip_is(&ip->src_ip, "10.1.0.2") &&
			    ip->protocol == 17, "ipv4-in-ipv4: inner header");
			FREE(ip);
		}
	}
	{
		REC(u, UDP, "ipv4-in-ipv4", "UDP", 0) {
			ok(ip_is(&u->src_ip, "10.1.0.2") &&
			    ip_is(&u->dst_ip, "10.1.0.1") &&
			    u->src_port == 5300,
			    "ipv4-in-ipv4: UDP has the inner addresses");
			FREE(u);
		}
	}
	{
		REC(t, TCP, "ipv4-ah-tcp", "TCP", 0) {
			ok(t->dst_port == 22 && t->flags == 0x02,
			    "ipv4-ah-tcp: TCP found behind AH");
			FREE(t);
		}
	}
	{
		REC(ip, IPv4, "ipv4-tso", "IPv4", 0) {
			ok(ip->length == 0 && ip->payload_size == 120,
			    "ipv4-tso: total length 0, capture decides");
			FREE(ip);
		}
	}
	{
		REC(ip, IPv6, "ip6-tcp-syn", "IPv6", 0) {
			ok(ip->traffic_class == 0xb8 &&
			    ip->flow_label == 0x12345 &&
			    ip->payload_length == 40 &&
			    ip->next_header == 6 && ip->hop_limit == 64 &&
			    ip->payload_size == 40 &&
			    ip_is(&ip->src_ip, "fd00:1::1") &&
			    ip_is(&ip->dst_ip, "fd00:1::2"),
			    "ip6-tcp-syn: IPv6 header fields");
			FREE(ip);
		}
	}
	{
		REC(t, TCP, "ip6-tcp-syn", "TCP", 0) {
			ok(ip_is(&t->src_ip, "fd00:1::1") &&
			    ip_is(&t->dst_ip, "fd00:1::2") &&
			    t->dst_port == 443 && t->seq_num == 77 &&
			    t->options_size == 20,
			    "ip6-tcp-syn: TCP with IPv6 addresses");
			FREE(t);
		}
	}
	{
		REC(i, ICMPv6, "ip6-echo", "ICMPv6", 0) {
			ok(i->type == 128 && i->code == 0 &&
			    i->checksum == 0x4d10,
			    "ip6-echo: type 128, checksum 0x%x", i->checksum);
			FREE(i);
		}
	}
	{
		REC(e, Ethernet, "ip6-ns", "Ethernet", 0) {
			ok(mac_is(&e->dst_mac, "33:33:ff:00:00:02") &&
			    e->ethertype == 0x86dd,
			    "ip6-ns: to the solicited-node MAC");
			FREE(e);
		}
	}
	{
		REC(ip, IPv6, "ip6-ns", "IPv6", 0) {
			ok(ip->hop_limit == 255 &&
			    ip_is(&ip->dst_ip, "ff02::1:ff00:2"),
			    "ip6-ns: hop limit 255, solicited-node group");
			FREE(ip);
		}
	}
	{
		REC(i, ICMPv6, "ip6-ns", "ICMPv6", 0) {
			ok(i->type == 135 && ip_is(&i->dst_ip,
			    "ff02::1:ff00:2"), "ip6-ns: type 135");
			FREE(i);
		}
	}
	{
		REC(ip, IPv6, "ip6-hbh-udp", "IPv6", 0) {
			ok(ip->next_header == 0 && ip->payload_size == 19,
			    "ip6-hbh-udp: next header 0 (hop-by-hop)");
			FREE(ip);
		}
	}
	{
		REC(u, UDP, "ip6-hbh-udp", "UDP", 0) {
			ok(u->src_port == 546 && u->dst_port == 547 &&
			    u->payload_size == 3,
			    "ip6-hbh-udp: UDP behind hop-by-hop");
			FREE(u);
		}
	}
	{
		REC(u, UDP, "ip6-frag-first", "UDP", 0) {
			ok(u->dst_port == 6001 && u->length == 72 &&
			    u->payload_size == 16,
			    "ip6-frag-first: UDP in the first fragment");
			FREE(u);
		}
	}
	{
		REC(ip, IPv6, "ip6-chain-tcp", "IPv6", 0) {
			ok(ip->next_header == 0 && ip->payload_size == 52,
			    "ip6-chain-tcp: 32 bytes of extensions, 20 of "
			    "TCP");
			FREE(ip);
		}
	}
	{
		REC(t, TCP, "ip6-chain-tcp", "TCP", 0) {
			ok(t->dst_port == 80 && t->payload_size == 0,
			    "ip6-chain-tcp: TCP after hbh, dstopts, frag");
			FREE(t);
		}
	}
	{
		REC(e, Ethernet, "ether-8023", "Ethernet", 0) {
			ok(e->ethertype == 38, "ether-8023: 802.3 length "
			    "%u in ethertype", e->ethertype);
			FREE(e);
		}
	}
	{
		REC(ip, IPv4, "long-totlen", "IPv4", 0) {
			ok(ip->length == 1000 && ip->payload_size == 26,
			    "long-totlen: payload up to the capture (%u)",
			    ip->payload_size);
			FREE(ip);
		}
	}
	{
		REC(u, UDP, "long-totlen", "UDP", 0) {
			ok(u->payload_size == 4, "long-totlen: UDP payload "
			    "%u", u->payload_size);
			FREE(u);
		}
	}
}

/* frames added at the end of decode-ether */
static void
check_ether_fields2(void)
{
	{
		REC(t, TCP, "tcp-reserved", "TCP", 0) {
			ok(t->flags == 0xe10, "tcp-reserved: flags 0x%x "
			    "with the reserved bits", t->flags);
			FREE(t);
		}
	}
	{
		REC(i, ICMPv4, "icmp-xecho", "ICMPv4", 0) {
			ok(i->type == 42 && i->id == 0x0102 && i->seq == 5,
			    "icmp-xecho: extended echo id 0x%x seq %u "
			    "(8 bits)", i->id, i->seq);
			FREE(i);
		}
	}
}

static void
check_null_fields(void)
{
	{
		REC(t, TCP, "null-ip6-tcp", "TCP", 0) {
			ok(t->flags == 0x02 && ip_is(&t->src_ip, "fd00:1::1"),
			    "null-ip6-tcp: big-endian AF 30 is IPv6");
			FREE(t);
		}
	}
	{
		REC(i, ICMPv4, "null-icmp", "ICMPv4", 0) {
			ok(i->type == 8 && i->id == 9 && i->seq == 9,
			    "null-icmp: little-endian AF_INET");
			FREE(i);
		}
	}
}

static int
bytes_are(const ProtobufCBinaryData *b, const uint8_t *want, size_t len)
{
	return (b->len == len && (len == 0 || memcmp(b->data, want, len) == 0));
}

/* extension headers and neighbour discovery in decode-ether */
static void
check_ether_net_fields(void)
{
	{
		REC(n, ICMPv6NeighborSolicitation, "ip6-ns",
		    "ICMPv6NeighborSolicitation", 0) {
			ok(ip_is(&n->target, "fd00:1::2") &&
			    mac_is(&n->source_mac, "02:00:00:00:00:01") &&
			    ip_is(&n->src_ip, "fd00:1::1") &&
			    ip_is(&n->dst_ip, "ff02::1:ff00:2"),
			    "ip6-ns: target fd00:1::2 from 02:00:00:00:00:01");
			FREE(n);
		}
	}
	{
		REC(h, IPv6HopByHop, "ip6-hbh-udp", "IPv6HopByHop", 0) {
			ok(h->next_header == 17 && h->options_size == 6 &&
			    ip_is(&h->src_ip, "fd00:1::1") &&
			    ip_is(&h->dst_ip, "fd00:1::2"),
			    "ip6-hbh-udp: hop-by-hop, next 17, 6 bytes of "
			    "options");
			FREE(h);
		}
	}
	{
		REC(f, IPv6Fragment, "ip6-frag-next", "IPv6Fragment", 0) {
			ok(f->next_header == 17 && f->frag_offset == 3 &&
			    !f->more_fragments && f->identification == 0xabcd,
			    "ip6-frag-next: offset 3 (24 bytes), last, id "
			    "0x%x", f->identification);
			FREE(f);
		}
	}
	{
		REC(h, IPv6HopByHop, "ip6-chain-tcp", "IPv6HopByHop", 0) {
			ok(h->next_header == 60 && h->options_size == 6,
			    "ip6-chain-tcp: hop-by-hop names destination "
			    "options");
			FREE(h);
		}
	}
	{
		REC(f, IPv6Fragment, "ip6-chain-tcp", "IPv6Fragment", 0) {
			ok(f->next_header == 6 && f->frag_offset == 0 &&
			    f->more_fragments && f->identification == 0x77,
			    "ip6-chain-tcp: first fragment of 0x77, TCP next");
			FREE(f);
		}
	}
}

/* decode-net: VLAN tags, extension headers, ND, IGMP */
static void
check_net_fields(void)
{
	static const uint8_t	 ll14[14] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
				    11, 12, 13, 14 };
	int64_t			 ts0 = 1700000000LL * 1000000000LL;

	{
		REC(v, Dot1Q, "vlan-udp", "Dot1Q", 0) {
			ok(v->timestamp == ts0 && v->priority == 5 &&
			    v->drop_eligible && v->vlan_id == 100 &&
			    v->ethertype == 0x0800,
			    "vlan-udp: priority 5, DEI, VLAN 100, IPv4");
			FREE(v);
		}
	}
	{
		REC(u, UDP, "vlan-udp", "UDP", 0) {
			ok(u->src_port == 7300 && u->payload_size == 6,
			    "vlan-udp: UDP inside the tag");
			FREE(u);
		}
	}
	{
		REC(v, Dot1Q, "qinq-tcp", "Dot1Q", 0) {
			ok(v->priority == 1 && !v->drop_eligible &&
			    v->vlan_id == 200 && v->ethertype == 0x8100,
			    "qinq-tcp: outer 802.1ad tag, VLAN 200");
			FREE(v);
		}
	}
	{
		REC(v, Dot1Q, "qinq-tcp", "Dot1Q", 1) {
			ok(v->priority == 6 && v->vlan_id == 300 &&
			    v->ethertype == 0x86dd,
			    "qinq-tcp: inner tag, VLAN 300, IPv6");
			FREE(v);
		}
	}
	{
		REC(v, Dot1Q, "vlan9100-arp", "Dot1Q", 0) {
			ok(v->vlan_id == 4094 && v->ethertype == 0x0806,
			    "vlan9100-arp: 0x9100 tag, VLAN 4094, ARP");
			FREE(v);
		}
	}
	{
		REC(g, IGMP, "igmp-v1-report", "IGMP", 0) {
			ok(g->type == 0x12 && g->max_resp_time == 0 &&
			    ip_is(&g->group, "224.1.2.3") &&
			    ip_is(&g->src_ip, "10.1.0.1") &&
			    ip_is(&g->dst_ip, "10.1.0.2"),
			    "igmp-v1-report: group 224.1.2.3");
			FREE(g);
		}
	}
	{
		REC(g, IGMP, "igmp-v2-query", "IGMP", 0) {
			ok(g->type == 0x11 && g->max_resp_time == 100 &&
			    ip_is(&g->group, "0.0.0.0") &&
			    ip_is(&g->dst_ip, "224.0.0.1"),
			    "igmp-v2-query: general query, 10 s");
			FREE(g);
		}
	}
	{
		REC(g, IGMP, "igmp-v2-leave", "IGMP", 0) {
			ok(g->type == 0x17 && ip_is(&g->group, "239.1.1.1"),
			    "igmp-v2-leave: leave 239.1.1.1");
			FREE(g);
		}
	}
	{
		REC(g, IGMP, "igmp-v3-query", "IGMP", 0) {
			ok(g->type == 0x11 && g->max_resp_time == 0x64 &&
			    ip_is(&g->group, "239.2.2.2"),
			    "igmp-v3-query: group-specific, code 0x64");
			FREE(g);
		}
	}
	{
		REC(g, IGMP, "igmp-v3-report", "IGMP", 0) {
			ok(g->type == 0x22 && ip_is(&g->group, "0.0.0.0"),
			    "igmp-v3-report: group 0.0.0.0 (groups are in "
			    "its records)");
			FREE(g);
		}
	}
	{
		REC(h, IPv6HopByHop, "hbh-mld", "IPv6HopByHop", 0) {
			ok(h->next_header == 58 && h->options_size == 6 &&
			    ip_is(&h->src_ip, "fe80::1") &&
			    ip_is(&h->dst_ip, "ff02::16"),
			    "hbh-mld: router alert before ICMPv6");
			FREE(h);
		}
	}
	{
		REC(h, IPv6HopByHop, "hbh-long-echo", "IPv6HopByHop", 0) {
			ok(h->options_size == 22, "hbh-long-echo: length 2 "
			    "is 24 bytes, 22 of options (%u)", h->options_size);
			FREE(h);
		}
	}
	{
		REC(f, IPv6Fragment, "frag-atomic", "IPv6Fragment", 0) {
			ok(f->next_header == 17 && f->frag_offset == 0 &&
			    !f->more_fragments &&
			    f->identification == 0x01020304,
			    "frag-atomic: offset 0, no more fragments");
			FREE(f);
		}
	}
	{
		REC(f, IPv6Fragment, "frag-middle", "IPv6Fragment", 0) {
			ok(f->next_header == 6 && f->frag_offset == 185 &&
			    f->more_fragments &&
			    f->identification == 0xfedcba98,
			    "frag-middle: offset 185 in 8-byte units, more");
			FREE(f);
		}
	}
	{
		REC(r, ICMPv6RouterSolicitation, "nd-rs",
		    "ICMPv6RouterSolicitation", 0) {
			ok(mac_is(&r->source_mac, "02:00:00:00:00:01") &&
			    ip_is(&r->src_ip, "fe80::1") &&
			    ip_is(&r->dst_ip, "ff02::2"),
			    "nd-rs: from fe80::1, 02:00:00:00:00:01");
			FREE(r);
		}
	}
	{
		REC(r, ICMPv6RouterSolicitation, "nd-rs-noopt",
		    "ICMPv6RouterSolicitation", 0) {
			ok(r->source_mac.len == 0 && ip_is(&r->src_ip, "::"),
			    "nd-rs-noopt: no source address option");
			FREE(r);
		}
	}
	{
		REC(r, ICMPv6RouterAdvertisement, "nd-ra",
		    "ICMPv6RouterAdvertisement", 0) {
			ok(r->hop_limit == 64 && r->flags == 0xc8 &&
			    r->router_lifetime == 1800 &&
			    r->reachable_time == 30000 &&
			    r->retrans_timer == 1000,
			    "nd-ra: hop limit, flags M|O|high, timers");
			ok(r->n_prefixes == 2 &&
			    strcmp(r->prefixes[0], "fd00:1::/64") == 0 &&
			    strcmp(r->prefixes[1], "2001:db8:1::/48") == 0,
			    "nd-ra: prefixes %s, %s", r->n_prefixes > 0 ?
			    r->prefixes[0] : "-", r->n_prefixes > 1 ?
			    r->prefixes[1] : "-");
			ok(mac_is(&r->source_mac, "02:00:00:00:00:02") &&
			    ip_is(&r->src_ip, "fe80::2") &&
			    ip_is(&r->dst_ip, "ff02::1"),
			    "nd-ra: from fe80::2, 02:00:00:00:00:02, past "
			    "MTU and RDNSS options");
			FREE(r);
		}
	}
	{
		REC(r, ICMPv6RouterAdvertisement, "nd-ra-bare",
		    "ICMPv6RouterAdvertisement", 0) {
			ok(r->hop_limit == 0 && r->router_lifetime == 0 &&
			    r->n_prefixes == 0 && r->source_mac.len == 0,
			    "nd-ra-bare: no options");
			FREE(r);
		}
	}
	{
		REC(n, ICMPv6NeighborSolicitation, "nd-ns-dad",
		    "ICMPv6NeighborSolicitation", 0) {
			ok(ip_is(&n->target, "fd00:1::9") &&
			    n->source_mac.len == 0 && ip_is(&n->src_ip, "::"),
			    "nd-ns-dad: duplicate address detection");
			FREE(n);
		}
	}
	{
		REC(n, ICMPv6NeighborAdvertisement, "nd-na",
		    "ICMPv6NeighborAdvertisement", 0) {
			ok(n->flags == 3 && ip_is(&n->target, "fd00:1::2") &&
			    mac_is(&n->target_mac, "02:00:00:00:00:02"),
			    "nd-na: solicited|override (%u), target MAC",
			    n->flags);
			FREE(n);
		}
	}
	{
		REC(n, ICMPv6NeighborAdvertisement, "nd-na-router",
		    "ICMPv6NeighborAdvertisement", 0) {
			ok(n->flags == 7 && ip_is(&n->target, "fe80::2") &&
			    n->target_mac.len == 0,
			    "nd-na-router: router|solicited|override (%u)",
			    n->flags);
			FREE(n);
		}
	}
	{
		REC(n, ICMPv6NeighborSolicitation, "nd-ns-ll14",
		    "ICMPv6NeighborSolicitation", 0) {
			ok(bytes_are(&n->source_mac, ll14, sizeof(ll14)),
			    "nd-ns-ll14: a 14-byte link-layer address (%zu)",
			    n->source_mac.len);
			FREE(n);
		}
	}
}

static void
check_sll_fields(void)
{
	{
		REC(ip, IPv4, "sll-ipv4", "IPv4", 0) {
			ok(ip_is(&ip->src_ip, "10.1.0.1") &&
			    ip->protocol == 17 && ip->payload_size == 8,
			    "sll-ipv4: IPv4 after the 16-byte header");
			FREE(ip);
		}
	}
	{
		REC(v, Dot1Q, "sll-vlan", "Dot1Q", 0) {
			ok(v->priority == 3 && v->vlan_id == 42 &&
			    v->ethertype == 0x0800,
			    "sll-vlan: a tag the kernel left in place");
			FREE(v);
		}
	}
	{
		REC(g, IGMP, "sll-igmp", "IGMP", 0) {
			ok(g->type == 0x16 && ip_is(&g->group, "239.1.2.3"),
			    "sll-igmp: v2 report");
			FREE(g);
		}
	}
}

static void
check_sll2_fields(void)
{
	{
		REC(u, UDP, "sll2-ipv4", "UDP", 0) {
			ok(u->src_port == 7100 && u->payload_size == 3,
			    "sll2-ipv4: UDP after the 20-byte header");
			FREE(u);
		}
	}
	{
		REC(r, ICMPv6RouterAdvertisement, "sll2-ra",
		    "ICMPv6RouterAdvertisement", 0) {
			ok(r->n_prefixes == 1 &&
			    strcmp(r->prefixes[0], "fd00:1::/64") == 0 &&
			    mac_is(&r->source_mac, "02:00:00:00:00:02"),
			    "sll2-ra: one prefix, source address");
			FREE(r);
		}
	}
	{
		REC(v, Dot1Q, "sll2-qinq", "Dot1Q", 1) {
			ok(v->vlan_id == 20 && v->ethertype == 0x86dd,
			    "sll2-qinq: inner tag");
			FREE(v);
		}
	}
}

/*
 * Limits no capture reaches: an advertisement with more prefixes than
 * a record keeps, a link-layer option longer than an address.
 */
static void
check_nd_limits(void)
{
	uint8_t		*p;
	size_t		 len, off, i, nprefix = 70;
	int		 ra = rectype_byname("ICMPv6RouterAdvertisement");

	len = 40 + 16 + nprefix * 32 + 255 * 8;
	if ((p = calloc(1, len)) == NULL) {
		perror("calloc");
		exit(1);
	}
	p[0] = 0x60;
	p[4] = (len - 40) >> 8;
	p[5] = (len - 40) & 0xff;
	p[6] = 58;
	p[7] = 255;
	p[40] = 134;
	off = 56;
	for (i = 0; i < nprefix; i++, off += 32) {
		p[off] = 3;
		p[off + 1] = 4;
		p[off + 2] = 64;
		p[off + 16] = 0xfd;
		p[off + 17] = (uint8_t)i;
	}
	/* a source link-layer option of 2040 bytes, past a 64-byte record */
	p[off] = 1;
	p[off + 1] = 255;
	for (i = 2; i < 255 * 8; i++)
		p[off + i] = (uint8_t)i;

	memset(stats, 0, nrectypes * sizeof(*stats));
	decode_init(emit, NULL, stats);
	free_recs();
	store = 1;
	curframe = 1;
	decode_exact(DLT_RAW, 0, p, len, len);
	store = 0;
	ok(ncalltypes == 3 && calltypes[2] == ra && nrecs == 3 &&
	    stats[ra].errors == 0, "RA of %zu bytes with %zu prefixes: "
	    "decoded", len, nprefix);
	if (nrecs == 3) {
		ICMPv6RouterAdvertisement	*r;

		r = (ICMPv6RouterAdvertisement *)protobuf_c_message_unpack(
		    rectypes[ra], NULL, recs[2].len, recs[2].buf);
		ok(r != NULL && r->n_prefixes == 64 &&
		    strcmp(r->prefixes[0], "fd00::/64") == 0 &&
		    strcmp(r->prefixes[63], "fd3f::/64") == 0 &&
		    r->source_mac.len == 16 && r->source_mac.data[0] == 2 &&
		    r->source_mac.data[15] == 17,
		    "the first 64 prefixes kept, the first 16 bytes of a "
		    "long link-layer address");
		if (r != NULL)
			FREE(r);
	}
	free_recs();
	free(p);
}

/* DLT_IPV4 and DLT_IPV6 name the version: the other one is bogus */
static void
check_raw_version(void)
{
	uint8_t	 p[40];
	int	 i4 = rectype_byname("IPv4"), i6 = rectype_byname("IPv6");

	memset(p, 0, sizeof(p));
	p[0] = 0x60;
	memset(stats, 0, nrectypes * sizeof(*stats));
	decode_init(emit, NULL, stats);
	decode_exact(DLT_IPV4, 0, p, sizeof(p), sizeof(p));
	ok(ncalltypes == 0 && stats[i4].errors == 1 &&
	    stats[i4].truncated == 0, "DLT_IPV4 with an IPv6 packet: "
	    "bogus IPv4");
	p[0] = 0x45;
	p[3] = sizeof(p);
	decode_exact(DLT_IPV6, 0, p, sizeof(p), sizeof(p));
	ok(ncalltypes == 0 && stats[i6].errors == 1,
	    "DLT_IPV6 with an IPv4 packet: bogus IPv6");
	decode_exact(DLT_RAW, 0, p, sizeof(p), sizeof(p));
	ok(ncalltypes == 1 && calltypes[0] == i4,
	    "DLT_RAW with an IPv4 packet: IPv4");
}

/*
 * Every frame cut at every length, from an exact-size buffer: the
 * records are a prefix of the whole frame's, and a frame that lost a
 * record lost it to exactly one truncated header.
 */
static void
check_prefixes(const char *dir, const char *name, int blames)
{
	char			 path[1024], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr	*h;
	const u_char		*data;
	pcap_t			*pc;
	int			 full[MAXLAYERS + 1], nfull, dlt, frame;
	size_t			 n, t;
	uint64_t		 trunc;
	int			 cuts = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
		ok(0, "%s: %s", path, errbuf);
		return;
	}
	dlt = pcap_datalink(pc);
	decode_init(emit, NULL, stats);
	frame = 0;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		curframe = ++frame;
		decode_exact(dlt, pkt_ts(h), data, h->caplen, h->len);
		nfull = ncalltypes;
		memcpy(full, calltypes, sizeof(full));
		for (n = 0; n < h->caplen; n++) {
			memset(stats, 0, nrectypes * sizeof(*stats));
			decode_exact(dlt, pkt_ts(h), data, n, h->len);
			cuts++;
			trunc = 0;
			for (t = 0; t < nrectypes; t++)
				trunc += stats[t].truncated;
			if (ncalltypes > nfull || memcmp(calltypes, full,
			    ncalltypes * sizeof(int)) != 0 ||
			    (blames && ncalltypes < nfull && trunc != 1) ||
			    trunc > 1) {
				if (bad++ < 5)
					printf("# %s frame %d cut at %zu: %d "
					    "records, %lu truncated\n", name,
					    frame, n, ncalltypes,
					    (unsigned long)trunc);
			}
		}
	}
	pcap_close(pc);
	ok(bad == 0, "%s: %d cuts of %d frames give a prefix of the "
	    "records and one truncated header", name, cuts, frame);
}

/* the tcpdump test captures: nothing to assert but sanity */
static void
run_corpus(const char *dir)
{
	char			 path[1024], errbuf[PCAP_ERRBUF_SIZE];
	struct dirent		**ents;
	struct pcap_pkthdr	*h;
	const u_char		*data;
	pcap_t			*pc;
	uint64_t		 packets = 0, recsum = 0, errs = 0, unk = 0;
	uint64_t		 emitted0;
	int			 n, i, dlt, files = 0, decoded = 0;
	int			 unreadable = 0;
	size_t			 t;

	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		printf("ok %d # SKIP corpus %s absent\n", ++ntest, dir);
		return;
	}
	emitted0 = nemitted;
	badts = badpack = badtype = 0;
	memset(stats, 0, nrectypes * sizeof(*stats));
	decode_init(emit, NULL, stats);
	for (i = 0; i < n; i++) {
		if (strstr(ents[i]->d_name, ".pcap") == NULL)
			goto next;
		files++;
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
			unreadable++;
			goto next;
		}
		dlt = pcap_datalink(pc);
		if (decode_linktype_ok(dlt) == 0) {
			decoded++;
			while (pcap_next_ex(pc, &h, &data) == 1) {
				packets++;
				decode_exact(dlt, pkt_ts(h), data, h->caplen,
				    h->len);
			}
		}
		pcap_close(pc);
 next:
		free(ents[i]);
	}
	free(ents);
	for (t = 0; t < nrectypes; t++) {
		recsum += stats[t].records;
		errs += stats[t].errors;
		unk += stats[t].unknown;
	}
	ok(files > 0 && decoded > 0, "corpus: %d files, %d unreadable, %d "
	    "of a link type we decode", files, unreadable, decoded);
	ok(recsum == nemitted - emitted0 && badtype == 0 && badts == 0 &&
	    badpack == 0, "corpus: %lu packets, %lu records (%lu errors, "
	    "%lu unknown); every record of its type, with its packet's "
	    "timestamp, packed", (unsigned long)packets,
	    (unsigned long)recsum, (unsigned long)errs, (unsigned long)unk);
	if (recsum != nemitted - emitted0 || badtype || badts || badpack)
		printf("# %lu emitted, %lu of a wrong type, %lu with another "
		    "timestamp, %lu unpackable\n",
		    (unsigned long)(nemitted - emitted0),
		    (unsigned long)badtype, (unsigned long)badts,
		    (unsigned long)badpack);
	for (t = 0; t < nrectypes; t++)
		printf("# corpus %-9s records %6lu errors %4lu truncated %4lu"
		    " unknown %4lu\n", rectypes[t]->name,
		    (unsigned long)stats[t].records,
		    (unsigned long)stats[t].errors,
		    (unsigned long)stats[t].truncated,
		    (unsigned long)stats[t].unknown);
}

/* -l: the records of each frame, one line per frame */
static int
list_file(const char *path)
{
	char			 errbuf[PCAP_ERRBUF_SIZE], line[256];
	struct pcap_pkthdr	*h;
	const u_char		*data;
	pcap_t			*pc;
	int			 dlt, frame = 0;

	if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, errbuf);
		return (1);
	}
	dlt = pcap_datalink(pc);
	decode_init(emit, NULL, stats);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		frame++;
		ncalltypes = 0;
		if (decode_linktype_ok(dlt) == 0)
			decode_exact(dlt, pkt_ts(h), data, h->caplen, h->len);
		types_str(line, sizeof(line), calltypes, ncalltypes);
		printf("%d%s%s\n", frame, ncalltypes ? " " : "", line);
	}
	pcap_close(pc);
	return (0);
}

int
main(int argc, char *argv[])
{
	static const char *const caps[] = {
		"decode-ether", "decode-raw", "decode-null", "decode-loop",
		"decode-ipv4", "decode-ipv6", "decode-sll", "decode-sll2",
		"decode-user0", "decode-net",
	};
	const char	*capdir = CAPTURE_DIR, *corpus = CORPUS_DIR;
	const char	*list = NULL;
	char		 path[1024];
	size_t		 i;
	int		 ch;

	while ((ch = getopt(argc, argv, "c:C:l:")) != -1) {
		switch (ch) {
		case 'c':
			capdir = optarg;
			break;
		case 'C':
			corpus = optarg;
			break;
		case 'l':
			list = optarg;
			break;
		default:
			fprintf(stderr, "usage: t_decode [-c capturedir] "
			    "[-C corpusdir] [-l file] [capturedir "
			    "[corpusdir]]\n");
			return (1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0)
		capdir = argv[0];
	if (argc > 1)
		corpus = argv[1];
	if ((stats = calloc(nrectypes, sizeof(*stats))) == NULL ||
	    (xp.count = calloc(nrectypes, sizeof(*xp.count))) == NULL) {
		perror("calloc");
		return (1);
	}
	if (list != NULL)
		return (list_file(list));
	snprintf(path, sizeof(path), "%s/decode-ether.expect", capdir);
	if (access(path, R_OK) == -1) {
		printf("Bail out! %s: not found; run from the source root, "
		    "or give -c\n", path);
		return (1);
	}

	ok(nrectypes > 0 && rectype_byname("Ethernet") != -1,
	    "%zu record types, Ethernet among them", nrectypes);
	ok(decode_linktype_ok(DLT_EN10MB) == 0 &&
	    decode_linktype_ok(DLT_NULL) == 0 &&
	    decode_linktype_ok(DLT_LOOP) == 0 &&
	    decode_linktype_ok(DLT_RAW) == 0 &&
	    decode_linktype_ok(DLT_IPV4) == 0 &&
	    decode_linktype_ok(DLT_IPV6) == 0 &&
	    decode_linktype_ok(DLT_LINUX_SLL) == 0 &&
	    decode_linktype_ok(DLT_LINUX_SLL2) == 0,
	    "link types decoded: Ethernet, null, loop, raw, IPv4, IPv6, "
	    "Linux cooked v1 and v2");
	ok(decode_linktype_ok(DLT_USER0) == -1 &&
	    decode_linktype_ok(DLT_IEEE802_11_RADIO) == -1 &&
	    decode_linktype_ok(-1) == -1, "other link types refused");

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		run_capture(capdir, caps[i]);
		if (strcmp(caps[i], "decode-ether") == 0) {
			check_ether_fields();
			check_ether_fields2();
			check_ether_net_fields();
		} else if (strcmp(caps[i], "decode-null") == 0)
			check_null_fields();
		else if (strcmp(caps[i], "decode-net") == 0)
			check_net_fields();
		else if (strcmp(caps[i], "decode-sll") == 0)
			check_sll_fields();
		else if (strcmp(caps[i], "decode-sll2") == 0)
			check_sll2_fields();
	}
	check_raw_version();
	check_nd_limits();
	check_prefixes(capdir, "decode-ether", 1);
	check_prefixes(capdir, "decode-raw", 0);
	check_prefixes(capdir, "decode-null", 0);
	check_prefixes(capdir, "decode-net", 1);
	/* a cut cooked header has no record type to blame */
	check_prefixes(capdir, "decode-sll", 0);
	check_prefixes(capdir, "decode-sll2", 0);
	ok(badtype == 0 && badts == 0 && badpack == 0,
	    "every record of its type, with its packet's timestamp, packed");

	run_corpus(corpus);

	printf("1..%d\n", ntest);
	free_recs();
	free(xp.count);
	free(stats);
	return (nfail != 0);
}
