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
 * Writes the input of t_dump.sh to stdout: "header" writes the Header
 * record of a Sample file, "records" three framed Sample records whose
 * dump the test knows by heart.  Built against dumptest.proto.
 */

#include <err.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ncap.h"
#include "records.pb-c.h"
#include "varint.h"

#define CREATED		1700000000123456789LL

static void	 put_record(const ProtobufCMessage *);

static uint8_t	 v4[] = { 10, 1, 0, 2 };
static uint8_t	 v6[] = { 0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static uint8_t	 mac[] = { 0x02, 0, 0, 0, 0, 0x01 };
static uint8_t	 blob[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
static uint8_t	 e1addr[] = { 192, 0, 2, 1 };
static uint8_t	 e2addr[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 1 };
static uint8_t	 a4[] = { 10, 0, 0, 1 };
static uint8_t	 a16[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static uint8_t	 a6[] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static uint8_t	 a3[] = { 1, 2, 3 };

static void
put_record(const ProtobufCMessage *m)
{
	unsigned char	 buf[4096], pfx[VARINT_MAX];
	size_t		 len;

	if ((len = protobuf_c_message_get_packed_size(m)) > sizeof(buf))
		errx(1, "record too large");
	protobuf_c_message_pack(m, buf);
	fwrite(pfx, 1, varint_put(pfx, len), stdout);
	fwrite(buf, 1, len, stdout);
}

int
main(int argc, char *argv[])
{
	Sample			 s;
	Sample__Entry		 e, e1, e2, *ents[2];
	uint32_t		 ports[] = { 53, 443, 65535 };
	char			*names[] = { "a,b", "c\"d" };
	ProtobufCBinaryData	 addrs[4];
	protobuf_c_boolean	 bits[] = { 1, 0 };
	unsigned char		 hdr[256];
	size_t			 n;

	if (argc != 2)
		errx(1, "usage: dumptest header | records");

	if (strcmp(argv[1], "header") == 0) {
		if ((n = ncap_header_encode(hdr, sizeof(hdr), "s1", "Sample",
		    CREATED)) == 0)
			errx(1, "ncap_header_encode");
		fwrite(hdr, 1, n, stdout);
		return (fflush(stdout) != 0);
	}
	if (strcmp(argv[1], "records") != 0)
		errx(1, "unknown mode %s", argv[1]);

	/* 1: every field set, strings that need escaping in both formats */
	sample__init(&s);
	s.timestamp = 1700000000000000001LL;
	s.src_ip.data = v4;
	s.src_ip.len = sizeof(v4);
	s.dst_ip.data = v6;
	s.dst_ip.len = sizeof(v6);
	s.mac.data = mac;
	s.mac.len = sizeof(mac);
	s.blob.data = blob;
	s.blob.len = sizeof(blob);
	s.flag = 1;
	s.text = "say \"hi\", then\nleave\\ \t \xc3\xa9\x01\xff";
	s.n_ports = 3;
	s.ports = ports;
	s.n_names = 2;
	s.names = names;
	sample__entry__init(&e);
	e.name = "example.com";
	e.type = 1;
	e.addr.data = e1addr;
	e.addr.len = sizeof(e1addr);
	s.entry = &e;
	sample__entry__init(&e1);
	e1.name = "x";
	e1.type = 28;
	e1.addr.data = e2addr;
	e1.addr.len = sizeof(e2addr);
	sample__entry__init(&e2);
	ents[0] = &e1;
	ents[1] = &e2;
	s.n_entries = 2;
	s.entries = ents;
	s.delta = -42;
	s.big = UINT64_MAX;
	s.kind = SAMPLE__KIND__KIND_SEVEN;
	s.ratio = 0.1;
	s.level = 1.5f;
	addrs[0].data = a4;
	addrs[0].len = sizeof(a4);
	addrs[1].data = a16;
	addrs[1].len = sizeof(a16);
	addrs[2].data = a6;
	addrs[2].len = sizeof(a6);
	addrs[3].data = a3;
	addrs[3].len = sizeof(a3);
	s.n_addrs = 4;
	s.addrs = addrs;
	s.f32 = UINT32_MAX;
	s.sf64 = INT64_MIN;
	s.n_bits = 2;
	s.bits = bits;
	s.choice_case = SAMPLE__CHOICE_WORD;
	s.word = "w";
	put_record(&s.base);

	/* 2: nothing set, every field at its zero value */
	sample__init(&s);
	put_record(&s.base);

	/* 3: an empty nested message, a zero oneof member, NaN */
	sample__init(&s);
	sample__entry__init(&e);
	s.timestamp = -1;
	s.entry = &e;
	s.ratio = NAN;
	s.choice_case = SAMPLE__CHOICE_NUMBER;
	s.number = 0;
	put_record(&s.base);

	return (fflush(stdout) != 0);
}
