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
 * The DNS, DHCPv4 and NTP decoders against the captures of
 * regress/captures/gen_udpapp.py: the application record (or the
 * error) of every frame, the fields of known frames, and every frame
 * cut at every length, each decoded from a copy of exactly that size
 * so that the sanitizers see any read past it.
 *
 * usage: t_udpapp [capturedir]
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncagentd.h"
#include "records.h"
#include "records_udp.pb-c.h"
#include "tap.h"

#define CAPTURE_DIR	"regress/captures"
#define MAXFRAMES	512
#define RECBUF		65536

struct frame {
	char		 label[64];
	int		 app;		/* record type expected, or -1 */
	int		 errtype;	/* type whose counters the frame bumps */
	char		 err[16];	/* trunc, bad, unknown, or "" */
	size_t		 whole;		/* shortest length giving the record */
	size_t		 caplen;
	size_t		 wirelen;
	uint8_t		*data;
	uint8_t		*rec;		/* the app record, packed */
	size_t		 reclen;
};

static struct frame	 frames[MAXFRAMES];
static int		 nframes;
static struct type_stats *stats;
static int		 t_dns, t_dhcp, t_ntp, t_udp;

/* what the emit callback saw of the frame being decoded */
static int		 want_app;
static int		 napp;
static uint8_t		 appbuf[RECBUF];
static size_t		 applen;



static int
isapp(int type)
{
	return (type == t_dns || type == t_dhcp || type == t_ntp);
}

static void
emit(void *arg, int type, const ProtobufCMessage *msg)
{
	size_t	 sz;

	if (!isapp(type))
		return;
	napp++;
	if (msg->descriptor != rectypes[type])
		return;
	sz = protobuf_c_message_get_packed_size(msg);
	if (sz <= sizeof(appbuf)) {
		applen = protobuf_c_message_pack(msg, appbuf);
		want_app = type;
	}
}

/* one frame from an exact-size copy; the counters it changed in delta */
static void
decode_one(const uint8_t *p, size_t caplen, size_t wirelen,
    struct type_stats *delta)
{
	struct type_stats	*before;
	uint8_t			*copy;
	size_t			 i;

	if ((before = calloc(nrectypes, sizeof(*before))) == NULL ||
	    (copy = malloc(caplen ? caplen : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	memcpy(before, stats, nrectypes * sizeof(*stats));
	memcpy(copy, p, caplen);
	napp = 0;
	want_app = -1;
	applen = 0;
	decode_packet(DLT_EN10MB, 1700000000LL * 1000000000, copy, caplen,
	    wirelen);
	for (i = 0; i < nrectypes; i++) {
		delta[i].records = stats[i].records - before[i].records;
		delta[i].errors = stats[i].errors - before[i].errors;
		delta[i].truncated = stats[i].truncated - before[i].truncated;
		delta[i].unknown = stats[i].unknown - before[i].unknown;
	}
	free(copy);
	free(before);
}

static int
read_capture(const char *dir, const char *name)
{
	char			 path[1024], line[256], label[64], app[32];
	char			 err[32], errbuf[PCAP_ERRBUF_SIZE], *colon;
	struct pcap_pkthdr	*h;
	const u_char		*data;
	pcap_t			*pc;
	FILE			*fp;
	int			 n, r;
	size_t			 whole;

	for (n = 0; n < nframes; n++) {
		free(frames[n].data);
		free(frames[n].rec);
	}
	memset(frames, 0, sizeof(frames));
	nframes = 0;
	snprintf(path, sizeof(path), "%s/%s.expect", dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "frame %d %63s %31s %31s %zu", &n, label, app,
		    err, &whole) != 5 || n != nframes + 1 || n > MAXFRAMES) {
			fclose(fp);
			return (-1);
		}
		strlcpy(frames[nframes].label, label,
		    sizeof(frames[nframes].label));
		frames[nframes].app = strcmp(app, "-") == 0 ? -1 :
		    rectype_byname(app);
		frames[nframes].errtype = -1;
		if ((colon = strchr(err, ':')) != NULL) {
			*colon = '\0';
			frames[nframes].errtype = rectype_byname(err);
			strlcpy(frames[nframes].err, colon + 1,
			    sizeof(frames[nframes].err));
		}
		frames[nframes].whole = whole;
		nframes++;
	}
	fclose(fp);

	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	if ((pc = pcap_open_offline(path, errbuf)) == NULL)
		return (-1);
	n = 0;
	while ((r = pcap_next_ex(pc, &h, &data)) == 1 && n < nframes) {
		if ((frames[n].data = malloc(h->caplen)) == NULL) {
			perror("malloc");
			exit(1);
		}
		memcpy(frames[n].data, data, h->caplen);
		frames[n].caplen = h->caplen;
		frames[n].wirelen = h->len;
		n++;
	}
	pcap_close(pc);
	return (n == nframes ? 0 : -1);
}

/* where the application's bytes start: after Ethernet, IP, UDP/TCP */
static size_t
app_start(const struct frame *f)
{
	size_t	 off;
	int	 proto;

	if (f->data[12] == 0x08 && f->data[13] == 0x00) {
		off = 14 + (size_t)(f->data[14] & 0xf) * 4;
		proto = f->data[23];
	} else {
		off = 14 + 40;
		proto = f->data[20];
	}
	return (off + (proto == 6 ? 20 : 8));
}

/* the records and counters of every frame, as .expect says */
static void
run_frames(const char *name)
{
	struct type_stats	*d;
	struct frame		*f;
	int			 i, good = 0, want;

	if ((d = calloc(nrectypes, sizeof(*d))) == NULL)
		exit(1);
	for (i = 0; i < nframes; i++) {
		f = &frames[i];
		decode_one(f->data, f->caplen, f->wirelen, d);
		want = 1;
		if (f->app != -1 && (napp != 1 || want_app != f->app ||
		    d[f->app].errors != 0))
			want = 0;
		if (f->app == -1 && napp != 0)
			want = 0;
		if (strcmp(f->err, "trunc") == 0 &&
		    (d[f->errtype].errors != 1 || d[f->errtype].truncated != 1))
			want = 0;
		if (strcmp(f->err, "bad") == 0 &&
		    (d[f->errtype].errors != 1 || d[f->errtype].truncated != 0))
			want = 0;
		if (strcmp(f->err, "unknown") == 0 &&
		    d[f->errtype].unknown != 1)
			want = 0;
		if (!want) {
			ok(0, "%s frame %d %s: %d app records (type %d), "
			    "want type %d err %s", name, i + 1, f->label, napp,
			    want_app, f->app, f->err[0] ? f->err : "none");
			continue;
		}
		if (applen > 0 && (f->rec = malloc(applen)) != NULL) {
			memcpy(f->rec, appbuf, applen);
			f->reclen = applen;
		}
		good++;
	}
	ok(good == nframes, "%s: %d of %d frames give the record and "
	    "counters expected", name, good, nframes);
	free(d);
}

/*
 * Every whole frame captured to every shorter length: the record
 * only from f->whole bytes on; below, one truncated error once a byte
 * of the application is there, none before.
 */
static void
run_cuts(const char *name)
{
	struct type_stats	*d;
	struct frame		*f;
	size_t			 n, start, bad = 0, tried = 0;
	int			 i;

	if ((d = calloc(nrectypes, sizeof(*d))) == NULL)
		exit(1);
	for (i = 0; i < nframes; i++) {
		f = &frames[i];
		if (f->caplen != f->wirelen)
			continue;
		start = app_start(f);
		for (n = 0; n <= f->caplen; n++) {
			decode_one(f->data, n, f->wirelen, d);
			if (f->app == -1)
				continue;	/* no crash is all we ask */
			tried++;
			if (n >= f->whole) {
				if (napp != 1 || d[f->app].errors != 0)
					bad++;
			} else if (napp != 0 ||
			    d[f->app].errors != (n > start) ||
			    d[f->app].truncated != (n > start)) {
				if (bad++ < 5)
					printf("# %s %s cut to %zu: %d records,"
					    " errors %lu\n", name, f->label, n,
					    napp, (unsigned long)
					    d[f->app].errors);
			}
		}
	}
	ok(bad == 0, "%s: every frame cut at every length (%zu cuts): "
	    "records only when whole, truncated counted otherwise", name,
	    tried);
	free(d);
}

static const struct frame *
bylabel(const char *label)
{
	int	 i;

	for (i = 0; i < nframes; i++)
		if (strcmp(frames[i].label, label) == 0)
			return (&frames[i]);
	return (NULL);
}

static ProtobufCMessage *
unpack(const char *label, const ProtobufCMessageDescriptor *desc)
{
	const struct frame	*f;

	if ((f = bylabel(label)) == NULL || f->rec == NULL)
		return (NULL);
	return (protobuf_c_message_unpack(desc, NULL, f->reclen, f->rec));
}

static int
ip_is(const ProtobufCBinaryData *b, const char *text)
{
	uint8_t	 a[16];
	size_t	 len = 4;

	if (strchr(text, ':') != NULL) {
		len = 16;
		if (inet_pton(AF_INET6, text, a) != 1)
			return (0);
	} else if (inet_pton(AF_INET, text, a) != 1)
		return (0);
	return (b->len == len && memcmp(b->data, a, len) == 0);
}

static int
rr_is(const DNS__RR *rr, const char *name, uint32_t type, uint32_t class,
    uint32_t ttl, const char *data)
{
	if (strcmp(rr->name, name) != 0 || rr->type != type ||
	    rr->class_ != class || rr->ttl != ttl ||
	    strcmp(rr->data, data) != 0) {
		printf("# rr %s %u %u %u [%s]\n", rr->name, rr->type,
		    rr->class_, rr->ttl, rr->data);
		return (0);
	}
	return (1);
}

static void
check_dns(void)
{
	DNS	*m;

	m = (DNS *)unpack("r-cname", &dns__descriptor);
	ok(m != NULL && m->id == 0x1234 && m->qr && !m->aa && !m->tc &&
	    m->rd && m->ra && m->opcode == 0 && m->rcode == 0 &&
	    m->flags == 0x8180 && m->src_port == 53 &&
	    m->dst_port == 40000 && ip_is(&m->src_ip, "10.9.0.53") &&
	    ip_is(&m->dst_ip, "10.9.0.2") && !m->tcp &&
	    m->qdcount == 1 && m->ancount == 4 && m->nscount == 1 &&
	    m->arcount == 1, "r-cname: header");
	ok(m != NULL && m->n_questions == 1 &&
	    strcmp(m->questions[0]->name, "www.example.com") == 0 &&
	    m->questions[0]->type == 1 && m->questions[0]->class_ == 1,
	    "r-cname: the question");
	ok(m != NULL && m->n_answers == 4 &&
	    rr_is(m->answers[0], "www.example.com", 5, 1, 300,
	    "web.example.com") &&
	    rr_is(m->answers[1], "web.example.com", 5, 1, 300,
	    "cdn.example.net") &&
	    rr_is(m->answers[2], "cdn.example.net", 1, 1, 60, "192.0.2.10") &&
	    rr_is(m->answers[3], "cdn.example.net", 1, 1, 60, "192.0.2.11"),
	    "r-cname: a compressed CNAME chain to two addresses");
	ok(m != NULL && m->n_authorities == 1 && m->n_additionals == 1 &&
	    rr_is(m->authorities[0], "example.com", 2, 1, 86400,
	    "ns1.example.com") &&
	    rr_is(m->additionals[0], ".", 41, 1232, 0, ""),
	    "r-cname: NS in authority, OPT (the root) in additional");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("r-aaaa", &dns__descriptor);
	ok(m != NULL && m->n_answers == 1 && ip_is(&m->src_ip, "fd00:9::53") &&
	    rr_is(m->answers[0], "v6.example.org", 28, 1, 300, "2001:db8::1"),
	    "r-aaaa: over IPv6, the address as text");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("r-mx", &dns__descriptor);
	ok(m != NULL && m->n_answers == 2 &&
	    rr_is(m->answers[0], "example.com", 15, 1, 300,
	    "10 mail.example.com") &&
	    rr_is(m->answers[1], "example.com", 15, 1, 300,
	    "20 backup.example.net"), "r-mx: preference and exchange");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("r-txt", &dns__descriptor);
	ok(m != NULL && m->aa && m->n_answers == 1 &&
	    rr_is(m->answers[0], "txt.example.com", 16, 1, 300,
	    "\"v=spf1 -all\" \"say \\\"hi\\\" \\\\ there\" \"\\001bin\""),
	    "r-txt: each string quoted, escaped as dig does");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("r-nxdomain", &dns__descriptor);
	ok(m != NULL && m->rcode == 3 && m->n_answers == 0 &&
	    m->n_authorities == 1 &&
	    rr_is(m->authorities[0], "example.com", 6, 1, 300,
	    "ns.example.com hostmaster.example.com 2023111401 7200 3600 "
	    "1209600 300"), "r-nxdomain: rcode 3, the SOA in authority");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("r-ptr", &dns__descriptor);
	ok(m != NULL && m->n_answers == 1 &&
	    rr_is(m->answers[0], "10.2.0.192.in-addr.arpa", 12, 1, 300,
	    "host.example.com"), "r-ptr: the name");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("r-hex", &dns__descriptor);
	ok(m != NULL && m->n_answers == 2 &&
	    rr_is(m->answers[0], "odd.example.com", 13, 1, 300,
	    "03783836056c696e7578") &&
	    rr_is(m->answers[1], "odd.example.com", 1, 1, 300, "010203"),
	    "r-hex: HINFO and an A of 3 bytes as hex");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("r-escaped", &dns__descriptor);
	ok(m != NULL && m->n_questions == 1 && strcmp(m->questions[0]->name,
	    "a\\046b.c\\032d\\092\\001\\255.com") == 0,
	    "r-escaped: '.', ' ', '\\', 0x01, 0xff in labels as \\DDD");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	/* 33 for the question, 46 or 47 for each answer: 2044 for 43 */
	m = (DNS *)unpack("r-many", &dns__descriptor);
	ok(m != NULL && m->ancount == 70 && m->n_answers == 43 &&
	    strcmp(m->answers[42]->data, "198.51.100.42") == 0,
	    "r-many: 70 answers, the first 43 kept (the budget is spent)");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("r-cap", &dns__descriptor);
	ok(m != NULL && m->ancount == 70 && m->n_answers == 64 &&
	    rr_is(m->answers[63], ".", 10, 1, 63, ""),
	    "r-cap: 70 empty answers, the first 64 kept");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("mdns", &dns__descriptor);
	ok(m != NULL && m->src_port == 5353 && m->dst_port == 5353 &&
	    m->qr && m->aa && m->n_questions == 0 && m->n_answers == 1 &&
	    rr_is(m->answers[0], "printer.local", 1, 0x8001, 120,
	    "10.9.0.7"), "mdns: port 5353, the cache-flush bit kept in class");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("header-only", &dns__descriptor);
	ok(m != NULL && m->id == 0x0101 && m->n_questions == 0 &&
	    m->n_answers == 0 && m->n_authorities == 0 &&
	    m->n_additionals == 0, "header-only: a record of no entries");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DNS *)unpack("tcp-r", &dns__descriptor);
	ok(m != NULL && m->tcp && m->id == 0x1234 && m->n_answers == 4 &&
	    rr_is(m->answers[3], "cdn.example.net", 1, 1, 60, "192.0.2.11"),
	    "tcp-r: over TCP after the length");
	protobuf_c_message_free_unpacked(&m->base, NULL);
}

static void
check_dhcp(void)
{
	static const uint32_t	 params[] = { 1, 3, 6, 15, 28, 42, 119, 252 };
	static const uint8_t	 mac[] = { 2, 0, 0, 0, 0, 0x11 };
	DHCPv4			*m;

	m = (DHCPv4 *)unpack("discover", &dhcpv4__descriptor);
	ok(m != NULL && m->op == 1 && m->xid == 0x3903f326 &&
	    m->client_mac.len == 6 && memcmp(m->client_mac.data, mac, 6) == 0 &&
	    ip_is(&m->client_ip, "0.0.0.0") && ip_is(&m->your_ip, "0.0.0.0") &&
	    ip_is(&m->dst_ip, "255.255.255.255") && m->message_type == 1 &&
	    strcmp(m->hostname, "iot-cam-7") == 0 &&
	    m->requested_ip.len == 0 && m->n_parameter_list == 8 &&
	    memcmp(m->parameter_list, params, sizeof(params)) == 0 &&
	    m->flags == 0x8000, "discover: header, hostname, parameters");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DHCPv4 *)unpack("offer", &dhcpv4__descriptor);
	ok(m != NULL && m->op == 2 && m->message_type == 2 &&
	    ip_is(&m->your_ip, "10.9.0.100") &&
	    ip_is(&m->server_ip, "10.9.0.53") && m->hostname[0] == '\0' &&
	    m->n_parameter_list == 0, "offer: your and server address");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DHCPv4 *)unpack("request", &dhcpv4__descriptor);
	ok(m != NULL && m->message_type == 3 &&
	    ip_is(&m->requested_ip, "10.9.0.100"), "request: requested IP");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DHCPv4 *)unpack("ack", &dhcpv4__descriptor);
	ok(m != NULL && m->message_type == 5, "ack: message type 5");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DHCPv4 *)unpack("renew", &dhcpv4__descriptor);
	ok(m != NULL && ip_is(&m->client_ip, "10.9.0.100") &&
	    m->xid == 0x3903f327 && m->flags == 0,
	    "renew: client address, padding after End");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (DHCPv4 *)unpack("bootp", &dhcpv4__descriptor);
	ok(m != NULL && m->xid == 0x01020304 && m->message_type == 0 &&
	    m->hostname[0] == '\0', "bootp: no cookie, no options");
	protobuf_c_message_free_unpacked(&m->base, NULL);
}

static void
check_ntp(void)
{
	const uint64_t	 t = (uint64_t)(1700000000ULL + 2208988800ULL) << 32 |
			    0x80000000;
	NTP		*m;

	m = (NTP *)unpack("client", &ntp__descriptor);
	ok(m != NULL && m->version == 4 && m->mode == 3 && m->stratum == 0 &&
	    m->poll == 6 && m->precision == -20 && m->leap == 0 &&
	    m->reference_id == 0 && m->transmit_time == t,
	    "client: mode 3, the raw transmit timestamp");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (NTP *)unpack("server", &ntp__descriptor);
	ok(m != NULL && m->mode == 4 && m->stratum == 2 &&
	    m->precision == -23 && m->reference_id == 0xc0000201 &&
	    m->reference_text[0] == '\0' &&
	    m->transmit_time == t + (1ULL << 32), "server: stratum 2");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (NTP *)unpack("stratum1", &ntp__descriptor);
	ok(m != NULL && m->version == 3 && m->stratum == 1 && m->poll == 10 &&
	    m->precision == -29 && m->reference_id == 0x47505300 &&
	    strcmp(m->reference_text, "GPS") == 0,
	    "stratum1: the reference clock's name");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = (NTP *)unpack("broadcast", &ntp__descriptor);
	ok(m != NULL && m->mode == 5 && m->leap == 3 && m->stratum == 3,
	    "broadcast: mode 5, leap 3");
	protobuf_c_message_free_unpacked(&m->base, NULL);
}

int
main(int argc, char *argv[])
{
	static const char *const caps[] = { "udpapp-dns", "udpapp-dns-cut",
	    "udpapp-dhcp", "udpapp-dhcp-cut", "udpapp-ntp" };
	const char	*dir = argc > 1 ? argv[1] : CAPTURE_DIR;
	size_t		 i;

	if ((stats = calloc(nrectypes, sizeof(*stats))) == NULL)
		return (1);
	t_dns = rectype_byname("DNS");
	t_dhcp = rectype_byname("DHCPv4");
	t_ntp = rectype_byname("NTP");
	t_udp = rectype_byname("UDP");
	ok(t_dns != -1 && t_dhcp != -1 && t_ntp != -1 && t_udp != -1,
	    "record types DNS, DHCPv4, NTP exist");
	decode_init(emit, NULL, stats);

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (read_capture(dir, caps[i]) == -1) {
			ok(0, "%s: cannot read the capture or .expect",
			    caps[i]);
			continue;
		}
		run_frames(caps[i]);
		if (strcmp(caps[i], "udpapp-dns") == 0)
			check_dns();
		else if (strcmp(caps[i], "udpapp-dhcp") == 0)
			check_dhcp();
		else if (strcmp(caps[i], "udpapp-ntp") == 0)
			check_ntp();
		run_cuts(caps[i]);
	}
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
