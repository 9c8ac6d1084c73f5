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
 * The collector's record check (nccollectd/validate.c) against
 * records encoded here byte by byte: for each rule one just inside,
 * which passes, and one just outside, which fails for the reason and
 * at the field the test expects.  The real record types give the
 * fields they have; vtest.proto the kinds none has yet.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"
#include "records.h"
#include "records.pb-c.h"
#include "records_flow.pb-c.h"
#include "records_tcp.pb-c.h"
#include "records_udp.pb-c.h"
#include "vtest.pb-c.h"
#include "tap.h"

#define WT_VARINT	0
#define WT_64BIT	1
#define WT_LEN		2
#define WT_32BIT	5

#define R_UTF8		"not UTF-8"
#define R_CUT8		"not UTF-8: a sequence cut short"
#define R_PAST		"runs past the end of its message"
#define R_WIRE		"wrong wire type for its type"
#define R_ADDR		"address of a wrong length"
#define R_LONG		"a varint longer than 64 bits"

/* a record being written */
struct rb {
	unsigned char	 b[2048];
	size_t		 n;
};

static void	 put_raw(struct rb *, const void *, size_t);
static void	 put_varint(struct rb *, uint64_t);
static void	 put_tag(struct rb *, uint32_t, int);
static void	 put_uint(struct rb *, uint32_t, uint64_t);
static void	 put_bytes(struct rb *, uint32_t, const void *, size_t);
static void	 want(const ProtobufCMessageDescriptor *, const struct rb *,
		    const char *, const char *, const char *);
static void	 test_utf8(void);
static void	 test_ints(void);
static void	 test_wire(void);
static void	 test_addr(void);
static void	 test_unknown(void);
static void	 test_nested(void);
static void	 test_kinds(void);
static void	 test_table(void);

static void
put_raw(struct rb *r, const void *p, size_t len)
{
	if (len > sizeof(r->b) - r->n) {
		fprintf(stderr, "test record too large\n");
		exit(1);
	}
	memcpy(r->b + r->n, p, len);
	r->n += len;
}

/* the shortest varint of v */
static void
put_varint(struct rb *r, uint64_t v)
{
	unsigned char	 c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v != 0)
			c |= 0x80;
		put_raw(r, &c, 1);
	} while (v != 0);
}

static void
put_tag(struct rb *r, uint32_t num, int wt)
{
	put_varint(r, (uint64_t)num << 3 | (uint64_t)wt);
}

static void
put_uint(struct rb *r, uint32_t num, uint64_t v)
{
	put_tag(r, num, WT_VARINT);
	put_varint(r, v);
}

static void
put_bytes(struct rb *r, uint32_t num, const void *p, size_t len)
{
	put_tag(r, num, WT_LEN);
	put_varint(r, len);
	put_raw(r, p, len);
}

/*
 * r, checked as a record of type d from an exact-size copy (a read
 * past it is the sanitizers' to see): accepted when why is NULL, else
 * refused for why at field (NULL: at no known field).
 */
static void
want(const ProtobufCMessageDescriptor *d, const struct rb *r,
    const char *why, const char *field, const char *name)
{
	struct rec_fault	 f;
	unsigned char		*copy;
	char			 text[256];
	int			 rv;

	if ((copy = malloc(r->n ? r->n : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	memcpy(copy, r->b, r->n);
	rv = record_check(d, copy, r->n, &f);
	free(copy);
	if (rv == 0) {
		ok(why == NULL, "%s: accepted", name);
		return;
	}
	rec_fault_str(&f, text, sizeof(text));
	if (why == NULL) {
		ok(0, "%s: refused (%s)", name, text);
		return;
	}
	ok(f.why != NULL && strcmp(f.why, why) == 0 &&
	    (field == NULL ? f.field == NULL : (f.field != NULL &&
	    strcmp(f.field, field) == 0)), "%s: refused (%s)", name, text);
}

/* NTP.reference_text (12) holding s */
#define TEXT(s, why, name) do {						\
	r.n = 0;							\
	put_uint(&r, 1, 1700000000000000000ULL);			\
	put_bytes(&r, 12, (s), sizeof(s) - 1);				\
	want(&ntp__descriptor, &r, (why), "reference_text", (name));	\
} while (0)

static void
test_utf8(void)
{
	struct rb	 r;

	TEXT("", NULL, "empty string");
	TEXT("GPS", NULL, "ASCII");
	TEXT("\x7f", NULL, "U+007F, the last 1-byte");
	TEXT("\xc2\x80", NULL, "U+0080, the first 2-byte");
	TEXT("caf\xc3\xa9", NULL, "2-byte e-acute");
	TEXT("\xdf\xbf", NULL, "U+07FF, the last 2-byte");
	TEXT("\xc0\x80", R_UTF8, "overlong NUL C0 80");
	TEXT("\xc1\xbf", R_UTF8, "overlong U+007F C1 BF");
	TEXT("\xe0\xa0\x80", NULL, "U+0800, the first 3-byte");
	TEXT("\xe0\x9f\xbf", R_UTF8, "overlong U+07FF E0 9F BF");
	TEXT("\xe2\x82\xac", NULL, "3-byte euro sign");
	TEXT("\xed\x9f\xbf", NULL, "U+D7FF, before the surrogates");
	TEXT("\xed\xa0\x80", R_UTF8, "surrogate U+D800");
	TEXT("\xed\xbf\xbf", R_UTF8, "surrogate U+DFFF");
	TEXT("\xee\x80\x80", NULL, "U+E000, after the surrogates");
	TEXT("\xef\xbf\xbf", NULL, "U+FFFF, the last 3-byte");
	TEXT("\xf0\x90\x80\x80", NULL, "U+10000, the first 4-byte");
	TEXT("\xf0\x8f\xbf\xbf", R_UTF8, "overlong U+FFFF F0 8F BF BF");
	TEXT("\xf0\x9f\x98\x80", NULL, "4-byte emoji");
	TEXT("\xf4\x8f\xbf\xbf", NULL, "U+10FFFF, the last");
	TEXT("\xf4\x90\x80\x80", R_UTF8, "U+110000, past Unicode");
	TEXT("\xf5\x80\x80\x80", R_UTF8, "lead byte F5");
	TEXT("\xff", R_UTF8, "byte FF");
	TEXT("\x80", R_UTF8, "a lone continuation byte");
	TEXT("\xc3" "a", R_UTF8, "a 2-byte lead before ASCII");
	TEXT("\xe2\x82" "a", R_UTF8, "a 3-byte sequence broken by ASCII");
	TEXT("\xc3", R_CUT8, "a 2-byte sequence cut at the end");
	TEXT("a\xe2\x82", R_CUT8, "a 3-byte sequence cut at the end");
	TEXT("a\xf0\x9f\x98", R_CUT8, "a 4-byte sequence cut at the end");
	TEXT("a\0b", "NUL in a string", "a NUL inside a string");
}

static void
test_ints(void)
{
	struct rb	 r;
	static const unsigned char one10[] = { 0x81, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x00 };
	static const unsigned char neg11[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x81, 0x00 };
	static const unsigned char min64[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x01 };
	static const unsigned char over64[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x02 };

	/* uint32: UDP.src_port (4) */
	r.n = 0;
	put_uint(&r, 4, UINT32_MAX);
	want(&udp__descriptor, &r, NULL, NULL, "uint32 2^32-1");
	r.n = 0;
	put_uint(&r, 4, (uint64_t)UINT32_MAX + 1);
	want(&udp__descriptor, &r, "uint32 out of range", "src_port",
	    "uint32 2^32 (protobuf-c reads 0)");
	r.n = 0;
	put_uint(&r, 4, UINT64_MAX);
	want(&udp__descriptor, &r, "uint32 out of range", "src_port",
	    "uint32 2^64-1");
	r.n = 0;
	put_tag(&r, 4, WT_VARINT);
	put_raw(&r, one10, sizeof(one10));
	want(&udp__descriptor, &r, NULL, NULL, "uint32 1 in 10 bytes");

	/* bool: DNS.qr (7) */
	r.n = 0;
	put_uint(&r, 7, 0);
	want(&dns__descriptor, &r, NULL, NULL, "bool 0");
	r.n = 0;
	put_uint(&r, 7, 1);
	want(&dns__descriptor, &r, NULL, NULL, "bool 1");
	r.n = 0;
	put_uint(&r, 7, 2);
	want(&dns__descriptor, &r, "bool neither 0 nor 1", "qr",
	    "bool 2 (protobuf-c reads 1)");

	/* int32: NTP.poll (7); negatives are 10 bytes */
	r.n = 0;
	put_uint(&r, 7, (uint64_t)(int64_t)-1);
	want(&ntp__descriptor, &r, NULL, NULL, "int32 -1 in 10 bytes");
	r.n = 0;
	put_uint(&r, 7, (uint64_t)(int64_t)INT32_MIN);
	want(&ntp__descriptor, &r, NULL, NULL, "int32 -2^31");
	r.n = 0;
	put_uint(&r, 7, INT32_MAX);
	want(&ntp__descriptor, &r, NULL, NULL, "int32 2^31-1");
	r.n = 0;
	put_uint(&r, 7, (uint64_t)INT32_MAX + 1);
	want(&ntp__descriptor, &r, "int32 out of range", "poll",
	    "int32 2^31 (protobuf-c reads -2^31)");
	r.n = 0;
	put_uint(&r, 7, UINT32_MAX);
	want(&ntp__descriptor, &r, "int32 out of range", "poll",
	    "int32 -1 in 5 bytes, as 32 bits");
	r.n = 0;
	put_uint(&r, 7, (uint64_t)((int64_t)INT32_MIN - 1));
	want(&ntp__descriptor, &r, "int32 out of range", "poll",
	    "int32 -2^31-1 (protobuf-c reads 2^31-1)");
	r.n = 0;
	put_tag(&r, 7, WT_VARINT);
	put_raw(&r, neg11, sizeof(neg11));
	want(&ntp__descriptor, &r, R_LONG, "poll", "a varint of 11 bytes");

	/* int64 and uint64: UDP.timestamp (1), NTP.transmit_time (10) */
	r.n = 0;
	put_tag(&r, 1, WT_VARINT);
	put_raw(&r, min64, sizeof(min64));
	want(&udp__descriptor, &r, NULL, NULL, "int64 -2^63");
	r.n = 0;
	put_tag(&r, 1, WT_VARINT);
	put_raw(&r, over64, sizeof(over64));
	want(&udp__descriptor, &r, R_LONG, "timestamp",
	    "a 10-byte varint of 65 bits (protobuf-c drops the bit)");
	r.n = 0;
	put_uint(&r, 10, UINT64_MAX);
	want(&ntp__descriptor, &r, NULL, NULL, "uint64 2^64-1");
}

static void
test_wire(void)
{
	struct rb	 r;
	unsigned char	 v[16];

	memset(v, 0, sizeof(v));
	r.n = 0;
	put_bytes(&r, 4, v, 1);
	want(&udp__descriptor, &r, R_WIRE, "src_port",
	    "uint32 sent length-delimited");
	r.n = 0;
	put_tag(&r, 4, WT_32BIT);
	put_raw(&r, v, 4);
	want(&udp__descriptor, &r, R_WIRE, "src_port", "uint32 sent as 32 bits");
	r.n = 0;
	put_tag(&r, 7, WT_32BIT);
	put_raw(&r, "\0\0\0\1", 4);
	want(&dns__descriptor, &r, R_WIRE, "qr",
	    "bool sent as 32 bits (protobuf-c reads 1)");
	r.n = 0;
	put_bytes(&r, 7, "\1", 1);
	want(&dns__descriptor, &r, R_WIRE, "qr",
	    "bool sent length-delimited (protobuf-c reads 1)");
	r.n = 0;
	put_uint(&r, 12, 3);
	want(&ntp__descriptor, &r, R_WIRE, "reference_text",
	    "string sent as a varint");
	r.n = 0;
	put_uint(&r, 14, 1);
	want(&dns__descriptor, &r, R_WIRE, "questions",
	    "message sent as a varint");

	/* TLSClientHello.cipher_suites (9), repeated uint32: packed */
	r.n = 0;
	put_bytes(&r, 9, "\x01\x80\x80\x04", 4);
	want(&tlsclient_hello__descriptor, &r, NULL, NULL,
	    "packed uint32 [1, 65536]");
	r.n = 0;
	put_uint(&r, 9, 1);
	put_uint(&r, 9, 0xc02f);
	want(&tlsclient_hello__descriptor, &r, NULL, NULL,
	    "the same field unpacked");
	r.n = 0;
	put_bytes(&r, 9, "\x01\x80\x80\x80\x80\x10", 6);
	want(&tlsclient_hello__descriptor, &r, "uint32 out of range",
	    "cipher_suites", "packed uint32 [1, 2^32]");
	r.n = 0;
	put_bytes(&r, 9, "\x01\x80", 2);
	want(&tlsclient_hello__descriptor, &r,
	    "packed varint cut short or too long", "cipher_suites",
	    "packed uint32, the last cut short");
	r.n = 0;
	put_tag(&r, 9, WT_32BIT);
	put_raw(&r, v, 4);
	want(&tlsclient_hello__descriptor, &r, R_WIRE, "cipher_suites",
	    "repeated uint32 sent as 32 bits");
	r.n = 0;
	put_uint(&r, 7, 1);
	put_bytes(&r, 4, "\x35", 1);
	want(&udp__descriptor, &r, R_WIRE, "src_port",
	    "a single uint32 sent packed");

	/* lengths */
	r.n = 0;
	put_tag(&r, 2, WT_LEN);
	put_varint(&r, 5);
	put_raw(&r, v, 4);
	want(&udp__descriptor, &r, R_PAST, "src_ip",
	    "a length-delimited field past the record");
	r.n = 0;
	put_tag(&r, 2, WT_LEN);
	put_raw(&r, "\x84\x80\x80\x80\x80\x00", 6);
	put_raw(&r, v, 4);
	want(&udp__descriptor, &r, "a length longer than 5 bytes", "src_ip",
	    "a length in 6 bytes");
	r.n = 0;
	put_tag(&r, 2, WT_LEN);
	put_raw(&r, "\x84\x80\x80\x80\x00", 5);
	put_raw(&r, v, 4);
	want(&udp__descriptor, &r, NULL, NULL, "a length in 5 bytes");
	r.n = 0;
	put_tag(&r, 1, WT_VARINT);
	put_raw(&r, "\x80\x80", 2);
	want(&udp__descriptor, &r, R_PAST, "timestamp",
	    "a varint cut by the end");
	r.n = 0;
	put_tag(&r, 1, WT_64BIT);
	put_raw(&r, v, 7);
	want(&udp__descriptor, &r, R_PAST, "timestamp",
	    "7 bytes of a 64-bit value");
	/*
	 * cut by one byte, of the wire type their fields have and
	 * otherwise valid: the quick pass must leave them to the walk
	 */
	r.n = 0;
	put_tag(&r, 2, WT_LEN);
	put_varint(&r, 4);
	put_raw(&r, v, 3);
	want(&udp__descriptor, &r, R_PAST, "src_ip",
	    "an address of 4 bytes, 3 there");
	r.n = 0;
	put_tag(&r, 4, WT_32BIT);
	put_raw(&r, v, 3);
	want(&every__descriptor, &r, R_PAST, "f32", "3 bytes of a fixed32");
	r.n = 0;
	put_tag(&r, 5, WT_64BIT);
	put_raw(&r, v, 7);
	want(&every__descriptor, &r, R_PAST, "sf64",
	    "7 bytes of an sfixed64");
	r.n = 0;
	put_tag(&r, 16, WT_LEN);
	put_varint(&r, 3);
	put_raw(&r, "ab", 2);
	want(&every__descriptor, &r, R_PAST, "word",
	    "a string of 3 bytes, 2 there");
	r.n = 0;
	put_tag(&r, 14, WT_LEN);
	put_varint(&r, 3);
	put_raw(&r, "\x08\x01", 2);
	want(&every__descriptor, &r, R_PAST, "child",
	    "a message of 3 bytes, 2 there");

	/* tags */
	r.n = 0;
	put_raw(&r, "\x00\x01", 2);
	want(&udp__descriptor, &r, "field number out of range", NULL,
	    "field number 0");
	r.n = 0;
	put_uint(&r, (1U << 29) - 1, 1);
	want(&udp__descriptor, &r, NULL, NULL, "field number 2^29-1");
	r.n = 0;
	put_raw(&r, "\x80\x80\x80\x80\x20\x01", 6);
	want(&udp__descriptor, &r, "field number out of range", NULL,
	    "field number 2^29 (protobuf-c takes it)");
	r.n = 0;
	put_raw(&r, "\xa0\x80\x80\x80\x80\x00\x01", 7);
	want(&udp__descriptor, &r, "a tag longer than 5 bytes", NULL,
	    "field 4 in a 6-byte tag");
	r.n = 0;
	put_uint(&r, 4, 1);
	put_raw(&r, "\xa0", 1);
	want(&udp__descriptor, &r, "a tag cut short", NULL,
	    "a tag cut by the end");
}

static void
test_addr(void)
{
	struct rb	 r;
	unsigned char	 a[300];
	char		 name[128];
	size_t		 i;
	static const struct {
		const ProtobufCMessageDescriptor	*d;
		uint32_t				 num;
		const char				*field;
		size_t					 len;
		int					 good;
	} cases[] = {
		{ &udp__descriptor, 2, "src_ip", 0, 1 },
		{ &udp__descriptor, 2, "src_ip", 4, 1 },
		{ &udp__descriptor, 2, "src_ip", 16, 1 },
		{ &udp__descriptor, 2, "src_ip", 3, 0 },
		{ &udp__descriptor, 2, "src_ip", 5, 0 },
		{ &udp__descriptor, 3, "dst_ip", 6, 0 },
		{ &udp__descriptor, 3, "dst_ip", 15, 0 },
		{ &udp__descriptor, 3, "dst_ip", 17, 0 },
		{ &ethernet__descriptor, 2, "src_mac", 6, 1 },
		{ &ethernet__descriptor, 2, "src_mac", 5, 0 },
		{ &ethernet__descriptor, 3, "dst_mac", 7, 0 },
		{ &ethernet__descriptor, 3, "dst_mac", 4, 0 },
		{ &dhcpv4__descriptor, 6, "client_mac", 6, 1 },
		{ &dhcpv4__descriptor, 6, "client_mac", 16, 0 },
		{ &dhcpv4__descriptor, 12, "requested_ip", 4, 1 },
		{ &dhcpv4__descriptor, 12, "requested_ip", 5, 0 },
		{ &icmpv6_router_solicitation__descriptor, 4, "source_mac", 6,
		    1 },
		{ &icmpv6_router_solicitation__descriptor, 4, "source_mac", 16,
		    1 },
		{ &icmpv6_router_solicitation__descriptor, 4, "source_mac", 5,
		    0 },
		{ &icmpv6_router_solicitation__descriptor, 4, "source_mac", 17,
		    0 },
		{ &icmpv6_neighbor_solicitation__descriptor, 4, "target", 16,
		    1 },
		{ &icmpv6_neighbor_solicitation__descriptor, 4, "target", 6,
		    0 },
		{ &igmp__descriptor, 6, "group", 4, 1 },
		{ &igmp__descriptor, 6, "group", 8, 0 },
		/* ARP's are as long as its header says, 255 at most */
		{ &arp__descriptor, 3, "src_hw", 20, 1 },
		{ &arp__descriptor, 4, "src_ip", 6, 1 },
		{ &arp__descriptor, 6, "dst_ip", 255, 1 },
		{ &arp__descriptor, 6, "dst_ip", 256, 0 },
		{ &connection__descriptor, 4, "src_ip", 16, 1 },
		{ &connection__descriptor, 5, "dst_ip", 12, 0 },
	};

	memset(a, 0xa5, sizeof(a));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.n = 0;
		put_uint(&r, 1, 1);
		put_bytes(&r, cases[i].num, a, cases[i].len);
		snprintf(name, sizeof(name), "%s.%s of %zu bytes",
		    cases[i].d->name, cases[i].field, cases[i].len);
		want(cases[i].d, &r, cases[i].good ? NULL : R_ADDR,
		    cases[i].field, name);
	}
}

static void
test_unknown(void)
{
	struct rb	 r;
	char		 name[64];
	int		 wt;
	static const unsigned char z[8];

	/* a newer sensor's fields are kept, if whole */
	for (wt = 0; wt < 8; wt++) {
		r.n = 0;
		put_uint(&r, 4, 53);
		put_tag(&r, 100, wt);
		switch (wt) {
		case WT_VARINT:
			put_varint(&r, 1ULL << 40);
			break;
		case WT_64BIT:
			put_raw(&r, z, 8);
			break;
		case WT_LEN:
			put_varint(&r, 3);
			put_raw(&r, "new", 3);
			break;
		case WT_32BIT:
			put_raw(&r, z, 4);
			break;
		default:
			put_raw(&r, z, 8);
			break;
		}
		put_uint(&r, 5, 53);
		snprintf(name, sizeof(name), "an unknown field of wire type "
		    "%d", wt);
		if (wt == 3 || wt == 4)
			want(&udp__descriptor, &r, "wire type of a group, "
			    "which proto3 has not", NULL, name);
		else if (wt == 6 || wt == 7)
			want(&udp__descriptor, &r, "wire type 6 or 7, which "
			    "none is", NULL, name);
		else
			want(&udp__descriptor, &r, NULL, NULL, name);
	}
	r.n = 0;
	put_tag(&r, 100, WT_LEN);
	put_varint(&r, 9);
	put_raw(&r, z, 8);
	want(&udp__descriptor, &r, R_PAST, NULL,
	    "unknown length-delimited field past the record");
	r.n = 0;
	put_tag(&r, 100, WT_32BIT);
	put_raw(&r, z, 3);
	want(&udp__descriptor, &r, R_PAST, NULL,
	    "unknown 32-bit field of 3 bytes");
	r.n = 0;
	put_tag(&r, 100, WT_VARINT);
	put_raw(&r, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	want(&udp__descriptor, &r, R_LONG, NULL,
	    "unknown varint of 11 bytes");
}

static void
test_nested(void)
{
	struct rb	 r, q;

	/* DNS.questions (14): Question { name 1, type 2, class 3 } */
	q.n = 0;
	put_bytes(&q, 1, "example.org", 11);
	put_uint(&q, 2, 1);
	r.n = 0;
	put_uint(&r, 7, 1);
	put_bytes(&r, 14, q.b, q.n);
	put_bytes(&r, 14, q.b, q.n);
	want(&dns__descriptor, &r, NULL, NULL, "two good questions");

	q.n = 0;
	put_bytes(&q, 1, "\xed\xa0\x80", 3);
	put_bytes(&r, 14, q.b, q.n);
	want(&dns__descriptor, &r, R_UTF8, "name",
	    "a surrogate in the third question's name");

	q.n = 0;
	put_uint(&q, 2, 1ULL << 32);
	r.n = 0;
	put_bytes(&r, 14, q.b, q.n);
	want(&dns__descriptor, &r, "uint32 out of range", "type",
	    "a question's type 2^32");

	q.n = 0;
	put_uint(&q, 2, 1);
	put_raw(&q, "\x18", 1);
	r.n = 0;
	put_bytes(&r, 14, q.b, q.n);
	put_uint(&r, 7, 1);
	want(&dns__descriptor, &r, R_PAST, "class",
	    "a question cut inside, the record whole after it");

	/* repeated strings: TLSClientHello.alpn (8) */
	r.n = 0;
	put_bytes(&r, 8, "h2", 2);
	put_bytes(&r, 8, "http/1.1", 8);
	want(&tlsclient_hello__descriptor, &r, NULL, NULL, "two ALPN strings");
	put_bytes(&r, 8, "\xc0\xaf", 2);
	want(&tlsclient_hello__descriptor, &r, R_UTF8, "alpn",
	    "an overlong '/' in the third");
}

static void
test_kinds(void)
{
	struct rb	 r, c;
	unsigned char	 v[16];
	int		 i;

	memset(v, 0, sizeof(v));
	r.n = 0;
	put_uint(&r, 1, UINT32_MAX);
	want(&every__descriptor, &r, NULL, NULL, "sint32 zigzag 2^32-1");
	r.n = 0;
	put_uint(&r, 1, 1ULL << 32);
	want(&every__descriptor, &r, "sint32 out of range", "s32",
	    "sint32 zigzag 2^32 (protobuf-c reads 0)");
	r.n = 0;
	put_uint(&r, 2, UINT64_MAX);
	want(&every__descriptor, &r, NULL, NULL, "sint64 zigzag 2^64-1");

	/* proto3 enums are open: any int32 */
	r.n = 0;
	put_uint(&r, 3, 1);
	want(&every__descriptor, &r, NULL, NULL, "enum, a declared value");
	r.n = 0;
	put_uint(&r, 3, 5);
	want(&every__descriptor, &r, NULL, NULL, "enum, an undeclared value");
	r.n = 0;
	put_uint(&r, 3, (uint64_t)(int64_t)INT32_MIN);
	want(&every__descriptor, &r, NULL, NULL, "enum -2^31");
	r.n = 0;
	put_uint(&r, 3, 1ULL << 31);
	want(&every__descriptor, &r, "enum out of int32 range", "kind",
	    "enum 2^31");
	r.n = 0;
	put_bytes(&r, 18, "\x01\x80\x80\x80\x80\x08", 6);
	want(&every__descriptor, &r, "enum out of int32 range", "kinds",
	    "packed enums [1, 2^31]");

	/* fixed sizes */
	r.n = 0;
	put_tag(&r, 4, WT_32BIT);
	put_raw(&r, v, 4);
	put_tag(&r, 5, WT_64BIT);
	put_raw(&r, v, 8);
	put_tag(&r, 6, WT_32BIT);
	put_raw(&r, v, 4);
	put_tag(&r, 7, WT_64BIT);
	put_raw(&r, v, 8);
	want(&every__descriptor, &r, NULL, NULL,
	    "fixed32, sfixed64, float, double");
	r.n = 0;
	put_uint(&r, 4, 1);
	want(&every__descriptor, &r, R_WIRE, "f32", "fixed32 as a varint");
	r.n = 0;
	put_tag(&r, 7, WT_32BIT);
	put_raw(&r, v, 4);
	want(&every__descriptor, &r, R_WIRE, "ratio", "double as 32 bits");
	r.n = 0;
	put_tag(&r, 6, WT_64BIT);
	put_raw(&r, v, 8);
	want(&every__descriptor, &r, R_WIRE, "level", "float as 64 bits");
	r.n = 0;
	put_bytes(&r, 10, v, 8);
	want(&every__descriptor, &r, NULL, NULL, "packed fixed32, 8 bytes");
	r.n = 0;
	put_bytes(&r, 10, v, 7);
	want(&every__descriptor, &r, "packed values not a whole number",
	    "words", "packed fixed32, 7 bytes");

	/* repeated bool and sint32 */
	r.n = 0;
	put_bytes(&r, 8, "\x00\x01\x01", 3);
	put_uint(&r, 8, 1);
	want(&every__descriptor, &r, NULL, NULL, "bools [0, 1, 1], then 1");
	r.n = 0;
	put_bytes(&r, 8, "\x00\x02", 2);
	want(&every__descriptor, &r, "bool neither 0 nor 1", "bits",
	    "packed bools [0, 2] (protobuf-c reads [0, 1])");
	r.n = 0;
	put_uint(&r, 8, 2);
	want(&every__descriptor, &r, "bool neither 0 nor 1", "bits",
	    "an unpacked bool 2");
	r.n = 0;
	put_bytes(&r, 9, "\x03\x80\x80\x80\x80\x10", 6);
	want(&every__descriptor, &r, "sint32 out of range", "deltas",
	    "packed sint32 [-2, 2^31 zigzag 2^32]");

	/* addresses in a repeated field, and bytes that are none */
	r.n = 0;
	put_bytes(&r, 11, v, 16);
	put_bytes(&r, 11, v, 4);
	put_bytes(&r, 13, v, 7);
	want(&every__descriptor, &r, NULL, NULL,
	    "repeated addresses 16 and 4; 7 bytes of blob");
	put_bytes(&r, 11, v, 8);
	want(&every__descriptor, &r, R_ADDR, "target",
	    "the third address of 8 bytes");

	/* a oneof, both members: the last wins, as proto3 says */
	r.n = 0;
	put_bytes(&r, 16, "w", 1);
	put_uint(&r, 17, 7);
	want(&every__descriptor, &r, NULL, NULL, "oneof, both members sent");
	r.n = 0;
	put_bytes(&r, 16, "\xe0\x80\xaf", 3);
	want(&every__descriptor, &r, R_UTF8, "word", "oneof string overlong");

	/* nesting, to a depth */
	r.n = 0;
	put_uint(&r, 1, 2);
	for (i = 0; i < 16; i++) {
		c = r;
		r.n = 0;
		put_bytes(&r, 14, c.b, c.n);
	}
	want(&every__descriptor, &r, NULL, NULL, "16 levels of child");
	c = r;
	r.n = 0;
	put_bytes(&r, 15, c.b, c.n);
	want(&every__descriptor, &r, "messages nested too deep", NULL,
	    "17 levels");
	r.n = 0;
	put_uint(&r, 1, 1ULL << 32);
	c = r;
	r.n = 0;
	put_bytes(&r, 15, c.b, c.n);
	c = r;
	r.n = 0;
	put_bytes(&r, 14, c.b, c.n);
	want(&every__descriptor, &r, "sint32 out of range", "s32",
	    "a bad value two levels down");
}

/* every bytes field of every record type is an address of a kind */
static void
test_table(void)
{
	const ProtobufCMessageDescriptor	*d, *stack[64];
	const ProtobufCFieldDescriptor		*fd;
	struct rec_fault			 f;
	size_t					 i, n;
	unsigned int				 k;
	char					 text[256];
	int					 allok = 1;

	for (i = 0; i < nrectypes; i++) {
		n = 0;
		stack[n++] = rectypes[i];
		while (n > 0) {
			d = stack[--n];
			for (k = 0; k < d->n_fields; k++) {
				fd = &d->fields[k];
				if (fd->type == PROTOBUF_C_TYPE_MESSAGE &&
				    fd->descriptor != d && n < 64)
					stack[n++] = fd->descriptor;
				if (fd->type != PROTOBUF_C_TYPE_BYTES)
					continue;
				if (addr_kind(d->name, fd->name) == ADDR_NONE) {
					printf("# %s.%s: no address kind\n",
					    d->name, fd->name);
					allok = 0;
				}
			}
		}
	}
	ok(allok, "every bytes field of the %zu record types has an address "
	    "kind", nrectypes);
	ok(addr_kind("Every", "blob") == ADDR_NONE, "a field the table does "
	    "not name is not an address");
	ok(addr_kind("ARP", "src_ip") == ADDR_ARP &&
	    addr_kind("UDP", "src_ip") == ADDR_IP, "ARP's src_ip is ARP's, "
	    "any other an IP address");

	memset(&f, 0, sizeof(f));
	f.msg = "DNS.Question";
	f.field = "name";
	f.num = 1;
	f.why = "not UTF-8";
	rec_fault_str(&f, text, sizeof(text));
	ok(strcmp(text, "DNS.Question.name (field 1): not UTF-8") == 0,
	    "a fault at a field: %s", text);
	f.field = NULL;
	f.num = 100;
	f.why = "wire type 6 or 7, which none is";
	rec_fault_str(&f, text, sizeof(text));
	ok(strcmp(text, "DNS.Question, unknown field 100: wire type 6 or 7, "
	    "which none is") == 0, "a fault at an unknown field: %s", text);
}

int
main(void)
{
	test_utf8();
	test_ints();
	test_wire();
	test_addr();
	test_unknown();
	test_nested();
	test_kinds();
	test_table();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
