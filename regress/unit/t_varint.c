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

/* varint encoding and record framing against hand-worked bytes */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varint.h"
#include "tap.h"




/* encodings worked out by hand from the base-128 rule */
static const struct {
	uint64_t	 v;
	size_t		 len;
	unsigned char	 enc[VARINT_MAX];
} known[] = {
	{ 0, 1, { 0x00 } },
	{ 1, 1, { 0x01 } },
	{ 127, 1, { 0x7f } },
	{ 128, 2, { 0x80, 0x01 } },
	{ 300, 2, { 0xac, 0x02 } },
	{ 16383, 2, { 0xff, 0x7f } },
	{ 16384, 3, { 0x80, 0x80, 0x01 } },
	{ 0xffffffffULL, 5, { 0xff, 0xff, 0xff, 0xff, 0x0f } },
	{ 1ULL << 63, 10, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x01 } },
	{ UINT64_MAX, 10, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0x01 } },
};

/* inputs varint_get must refuse, each with why */
static const struct {
	const char	*what;
	size_t		 len;
	unsigned char	 b[12];
} bad[] = {
	{ "empty input", 0, { 0 } },
	{ "lone continuation byte", 1, { 0x80 } },
	{ "300 cut after its first byte", 1, { 0xac, 0x02 } },
	{ "nine continuation bytes, no end", 9, { 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff } },
	{ "eleven bytes", 11, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0x01 } },
	{ "tenth byte 0x02 (beyond 64 bits)", 10, { 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0x02 } },
	{ "tenth byte 0x7f", 10, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x7f } },
	{ "non-minimal zero 80 00", 2, { 0x80, 0x00 } },
	{ "non-minimal 127 ff 00", 2, { 0xff, 0x00 } },
	{ "non-minimal 1 81 80 00", 3, { 0x81, 0x80, 0x00 } },
	{ "non-minimal, ten bytes ending 00", 10, { 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0x00 } },
};

static void
test_known(void)
{
	unsigned char	 buf[VARINT_MAX + 2];
	uint64_t	 v;
	size_t		 i, n;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		memset(buf, 0xee, sizeof(buf));
		n = varint_put(buf, known[i].v);
		ok(n == known[i].len &&
		    memcmp(buf, known[i].enc, known[i].len) == 0 &&
		    buf[n] == 0xee,
		    "varint_put(%llu) gives the known %zu bytes",
		    (unsigned long long)known[i].v, known[i].len);
		ok(varint_len(known[i].v) == known[i].len,
		    "varint_len(%llu) == %zu",
		    (unsigned long long)known[i].v, known[i].len);
		v = 12345;
		n = varint_get(known[i].enc, known[i].len, &v);
		ok(n == known[i].len && v == known[i].v,
		    "varint_get decodes %llu from %zu bytes",
		    (unsigned long long)known[i].v, known[i].len);
	}

	/* trailing bytes are left for the caller */
	memcpy(buf, "\xac\x02\xff\x01", 4);
	n = varint_get(buf, 4, &v);
	ok(n == 2 && v == 300, "varint_get stops after its last byte");
}

static void
test_bad(void)
{
	uint64_t	 v;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 777;
		ok(varint_get(bad[i].b, bad[i].len, &v) == 0 && v == 777,
		    "varint_get refuses %s", bad[i].what);
	}
}

/* every length from 0 to 2^64-1 in steps that hit each byte count */
static void
test_roundtrip(void)
{
	unsigned char	 buf[VARINT_MAX];
	uint64_t	 v, got;
	size_t		 n;
	int		 shift, good = 1;

	for (shift = 0; shift < 64; shift++) {
		for (v = (1ULL << shift) - 1; v <= (1ULL << shift) + 1;
		    v++) {
			n = varint_put(buf, v);
			if (n != varint_len(v) ||
			    varint_get(buf, n, &got) != n || got != v ||
			    varint_get(buf, n - 1, &got) != 0)
				good = 0;
		}
	}
	ok(good, "put/get/len agree around every power of two, "
	    "and one byte short is refused");
}

static void
test_frames(void)
{
	/* "abc", an empty record, "xy", then a length 5 with 1 byte left */
	static const unsigned char buf[] = {
		0x03, 'a', 'b', 'c',
		0x00,
		0x02, 'x', 'y',
		0x05, 'q',
	};
	static const unsigned char huge[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
		'z',
	};
	static const unsigned char badlen[] = { 0x01, 'a', 0x80 };
	struct frame_iter	 it;
	const unsigned char	*rec;
	size_t			 reclen;

	frame_iter_init(&it, buf, sizeof(buf));
	ok(frame_next(&it, &rec, &reclen) == 1 && reclen == 3 &&
	    memcmp(rec, "abc", 3) == 0, "frame 1 is \"abc\"");
	ok(frame_next(&it, &rec, &reclen) == 1 && reclen == 0 &&
	    rec == buf + 5, "frame 2 is empty");
	ok(frame_next(&it, &rec, &reclen) == 1 && reclen == 2 &&
	    memcmp(rec, "xy", 2) == 0, "frame 3 is \"xy\"");
	ok(frame_next(&it, &rec, &reclen) == -1,
	    "a length beyond the buffer is -1");
	ok(frame_next(&it, &rec, &reclen) == -1,
	    "and stays -1 when asked again");

	/* the same run without the bad tail ends cleanly */
	frame_iter_init(&it, buf, 8);
	ok(frame_next(&it, &rec, &reclen) == 1 &&
	    frame_next(&it, &rec, &reclen) == 1 &&
	    frame_next(&it, &rec, &reclen) == 1 &&
	    frame_next(&it, &rec, &reclen) == 0,
	    "three frames, then a clean end");

	frame_iter_init(&it, NULL, 0);
	ok(frame_next(&it, &rec, &reclen) == 0, "an empty run is a clean end");

	frame_iter_init(&it, huge, sizeof(huge));
	ok(frame_next(&it, &rec, &reclen) == -1,
	    "a length of 2^64-1 is -1, not a wrapped pointer");

	frame_iter_init(&it, badlen, sizeof(badlen));
	ok(frame_next(&it, &rec, &reclen) == 1 && reclen == 1 &&
	    rec[0] == 'a' && frame_next(&it, &rec, &reclen) == -1,
	    "a truncated length varint is -1");
}

int
main(void)
{
	test_known();
	test_bad();
	test_roundtrip();
	test_frames();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
