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
 * What the fuzzers found, replayed: every file of regress/fuzz/crashes
 * goes through both harnesses (regress/fuzz/fuzz_decode.c and
 * fuzz_collector.c, linked here without libFuzzer), which abort on
 * anything wrong; under the sanitizers (make san) so does any bad
 * read.  Before that, the harnesses themselves are checked against
 * inputs whose outcome is known.
 *
 * usage: t_fuzzcases [crashdir]
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "ncap.pb-c.h"
#include "records.pb-c.h"
#include "varint.h"
#include "wire.h"
#include "../fuzz/fuzz.h"
#include "tap.h"

#define CRASH_DIR	"regress/fuzz/crashes"
#define BUFSZ		(512 * 1024)


static int	 same(const char *, const char *);
static size_t	 mkbatch(unsigned char *, const char *, const char *,
		    uint32_t, int);
static size_t	 deflated(unsigned char *, const unsigned char *, size_t);
static size_t	 zstded(unsigned char *, const unsigned char *, size_t, int);
static size_t	 zframe(unsigned char *, uint64_t, int, uint32_t,
		    const unsigned char *);
static void	 known_decode(void);
static void	 known_collector(void);
static void	 known_origin(const unsigned char *, size_t,
		    const unsigned char *, size_t);
static void	 known_zstd(void);
static void	 replay(const char *);


/* two outcomes of fuzz_collector(), NULL meaning stored */
static int
same(const char *got, const char *want)
{
	if (got == NULL || want == NULL)
		return (got == want);
	return (strcmp(got, want) == 0);
}

/* an ARP request 10.0.0.1 -> 10.0.0.2 in Ethernet, without padding */
static const uint8_t arp_frame[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* dst */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src */
	0x08, 0x06,				/* ARP */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,	/* Ethernet/IPv4 */
	0x00, 0x01,				/* request */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 10, 0, 0, 1,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 10, 0, 0, 2,
};

/* UDP 10.0.0.1:40000 -> 10.0.0.2:40001, 4 bytes, ports nobody decodes */
static const uint8_t udp_frame[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	0x45, 0x00, 0x00, 32, 0x00, 0x01, 0x00, 0x00, 64, 17, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x9c, 0x40, 0x9c, 0x41, 0x00, 12, 0x00, 0x00,
	'a', 'b', 'c', 'd',
};

static void
known_decode(void)
{
	uint8_t	 in[1 + sizeof(arp_frame)], in2[1 + sizeof(udp_frame)];
	size_t	 i, n;
	int	 allok = 1;

	ok(fuzz_decode_linktype(1) == 1, "byte 1 picks Ethernet (DLT 1)");
	ok(fuzz_decode_linktype(0) == 0, "byte 0 picks null (DLT 0)");
	ok(fuzz_decode_linktype(12) == 12, "byte 12 picks raw IP (DLT 12)");
	ok(fuzz_decode(in, 0) == 0, "no input, no record");
	memset(in, 0, sizeof(in));
	in[0] = 1;
	memcpy(in + 1, arp_frame, sizeof(arp_frame));
	n = fuzz_decode(in, sizeof(in));
	ok(n == 2, "an ARP frame: Ethernet and ARP records (got %zu)", n);
	/* 14 bytes: the Ethernet header and not a byte of ARP */
	n = fuzz_decode(in, 1 + 14);
	ok(n == 1, "Ethernet header alone: one record (got %zu)", n);
	n = fuzz_decode(in, 1 + 13);
	ok(n == 0, "13 bytes: no record (got %zu)", n);
	in2[0] = 1;
	memcpy(in2 + 1, udp_frame, sizeof(udp_frame));
	n = fuzz_decode(in2, sizeof(in2));
	ok(n == 4, "a UDP frame: Ethernet, IPv4, UDP and, at the end, its "
	    "Connection (got %zu)", n);
	/* every cut of the frame, from an exact-size copy */
	for (i = 0; i <= sizeof(in); i++) {
		n = fuzz_decode(in, i);
		if (n > 2 || (i < 1 + 14 && n != 0))
			allok = 0;
	}
	ok(allok, "every cut of the ARP frame: at most the records it holds");
}

/* a raw Batch, by hand: sensor s1, type Ethernet, count 1, records */
static const uint8_t bad_record[] = {
	WIRE_ENC_RAW,
	0x0a, 2, 's', '1',
	0x12, 8, 'E', 't', 'h', 'e', 'r', 'n', 'e', 't',
	0x18, 1,
	0x22, 3, 2, 0xff, 0xff,		/* a record: a tag without end */
};

/* a Batch of count Ethernet records (nrec really framed), encoded */
static size_t
mkbatch(unsigned char *out, const char *sensor, const char *type,
    uint32_t count, int nrec)
{
	Ethernet	 e = ETHERNET__INIT;
	Batch		 b = BATCH__INIT;
	unsigned char	 recs[1024], mac[6] = { 2, 0, 0, 0, 0, 1 };
	size_t		 len = 0, sz;
	int		 i;

	for (i = 0; i < nrec; i++) {
		e.timestamp = 1000 + i;
		e.src_mac.data = mac;
		e.src_mac.len = sizeof(mac);
		e.ethertype = 0x0800;
		sz = ethernet__get_packed_size(&e);
		len += varint_put(recs + len, sz);
		len += ethernet__pack(&e, recs + len);
	}
	b.sensor = (char *)(uintptr_t)sensor;
	b.type = (char *)(uintptr_t)type;
	b.count = count;
	b.records.data = recs;
	b.records.len = len;
	out[0] = WIRE_ENC_RAW;
	return (1 + batch__pack(&b, out + 1));
}

/* the same plaintext with its batch deflated */
static size_t
deflated(unsigned char *out, const unsigned char *raw, size_t len)
{
	uLongf	 zlen = BUFSZ - 1;

	out[0] = WIRE_ENC_ZLIB;
	if (compress(out + 1, &zlen, raw + 1, len - 1) != Z_OK) {
		fprintf(stderr, "compress failed\n");
		exit(1);
	}
	return (1 + zlen);
}

/*
 * The same plaintext with its batch as a Zstandard frame, made by
 * libzstd at the sensor's level, and stating its content size unless
 * nosize.
 */
static size_t
zstded(unsigned char *out, const unsigned char *raw, size_t len, int nosize)
{
	ZSTD_CCtx	*cc;
	size_t		 zlen;

	out[0] = WIRE_ENC_ZSTD;
	if ((cc = ZSTD_createCCtx()) == NULL ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cc,
	    ZSTD_c_compressionLevel, -1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag,
	    !nosize)) ||
	    ZSTD_isError(zlen = ZSTD_compress2(cc, out + 1, BUFSZ - 1,
	    raw + 1, len - 1))) {
		fprintf(stderr, "ZSTD_compress2 failed\n");
		exit(1);
	}
	ZSTD_freeCCtx(cc);
	return (1 + zlen);
}

/*
 * A plaintext with a frame made by hand (RFC 8878): single segment,
 * a content size field of 4 bytes saying size, and one last block of
 * n bytes: raw, from data, or with rle, n times data[0].
 */
static size_t
zframe(unsigned char *out, uint64_t size, int rle, uint32_t n,
    const unsigned char *data)
{
	uint32_t	 bh = 1 | (rle ? 1 : 0) << 1 | n << 3;
	size_t		 len = 0;

	out[len++] = WIRE_ENC_ZSTD;
	out[len++] = 0x28;		/* magic number 0xfd2fb528 */
	out[len++] = 0xb5;
	out[len++] = 0x2f;
	out[len++] = 0xfd;
	out[len++] = 0xa0;		/* 4-byte content size, one segment */
	out[len++] = size & 0xff;
	out[len++] = (size >> 8) & 0xff;
	out[len++] = (size >> 16) & 0xff;
	out[len++] = (size >> 24) & 0xff;
	out[len++] = bh & 0xff;		/* block header, little-endian */
	out[len++] = (bh >> 8) & 0xff;
	out[len++] = (bh >> 16) & 0xff;
	memcpy(out + len, data, rle ? 1 : n);
	return (len + (rle ? 1 : n));
}

/*
 * A batch sealed again for another collector names the datagram it
 * first went out in: raw (2 records) and z, the same deflated, each
 * with an origin, padded or not; the origin of one named already
 * stays; an origin cut short, or numbered 0, is dropped.
 */
static void
known_origin(const unsigned char *raw, size_t len, const unsigned char *z,
    size_t zlen)
{
	unsigned char	 a[2048], b[2048], c[2048], nonce[WIRE_NONCELEN];
	const char	*r;
	uint32_t	 n;
	size_t		 alen, blen, clen;

	memset(nonce, 0xa5, sizeof(nonce));
	alen = wire_origin_put(a, raw, len, nonce, 77);
	ok(alen == len + WIRE_ORIGINLEN && a[0] == (WIRE_ENC_RAW |
	    WIRE_ENC_ORIGIN) && memcmp(a + 1, nonce, WIRE_NONCELEN) == 0 &&
	    a[1 + WIRE_NONCELEN + 7] == 77 &&
	    memcmp(a + 1 + WIRE_ORIGINLEN, raw + 1, len - 1) == 0,
	    "an origin goes between the encoding byte and the batch");
	r = fuzz_collector(a, alen, &n);
	ok(same(r, NULL) && n == 2 && fuzz_origin_seq == 77 &&
	    fuzz_origin_nonce0 == 0xa5, "raw, with an origin: stored, the "
	    "origin read (%llu)", (unsigned long long)fuzz_origin_seq);
	memset(nonce, 0x5a, sizeof(nonce));
	blen = wire_origin_put(b, a, alen, nonce, 78);
	ok(blen == alen && memcmp(a, b, alen) == 0,
	    "sealed again, it keeps its first origin");
	/* deflated and padded: the padding goes, the origin comes */
	memcpy(c, z, zlen);
	clen = zlen;
	c[0] |= WIRE_ENC_PADDED;
	if (wire_pad(c, &clen, sizeof(c), 64) == -1)
		clen = 0;
	r = fuzz_collector(c, clen, &n);
	ok(clen % 64 == 0 && same(r, NULL) && n == 2 && fuzz_origin_seq == 0,
	    "deflated and padded, no origin: stored");
	blen = wire_origin_put(b, c, clen, nonce, 9);
	ok(blen == zlen + WIRE_ORIGINLEN && b[0] == (WIRE_ENC_ZLIB |
	    WIRE_ENC_ORIGIN), "its padding is taken off, an origin put in");
	r = fuzz_collector(b, blen, &n);
	ok(same(r, NULL) && n == 2 && fuzz_origin_seq == 9 &&
	    fuzz_origin_nonce0 == 0x5a, "deflated, with an origin: stored");
	b[0] |= WIRE_ENC_PADDED;
	if (wire_pad(b, &blen, sizeof(b), 64) == -1)
		blen = 0;
	r = fuzz_collector(b, blen, &n);
	ok(same(r, NULL) && n == 2 && fuzz_origin_seq == 9,
	    "padded again: stored, with its origin");
	c[0] = WIRE_ENC_ZLIB | WIRE_ENC_PADDED;
	c[1] = 0;
	ok(wire_origin_put(b, c, 2, nonce, 9) == 0,
	    "a plaintext with bad padding is not sealed again");
	r = fuzz_collector(a, 1 + WIRE_ORIGINLEN - 1, &n);
	ok(same(r, "bad origin"), "an origin cut short: %s", r);
	memset(a + 1 + WIRE_NONCELEN, 0, 8);
	r = fuzz_collector(a, alen, &n);
	ok(same(r, "bad origin"), "an origin numbered 0: %s", r);
}

static void
known_collector(void)
{
	unsigned char	*raw, *z, *zeros;
	const char	*r;
	uint32_t	 n;
	size_t		 len, zlen;

	if ((raw = malloc(BUFSZ)) == NULL || (z = malloc(BUFSZ)) == NULL ||
	    (zeros = calloc(1, BUFSZ)) == NULL) {
		perror("malloc");
		exit(1);
	}
	len = mkbatch(raw, "s1", "Ethernet", 2, 2);
	r = fuzz_collector(raw, len, &n);
	ok(same(r, NULL) && n == 2, "a raw batch of 2 records is stored");
	zlen = deflated(z, raw, len);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, NULL) && n == 2, "the same deflated is stored");
	known_origin(raw, len, z, zlen);
	r = fuzz_collector(z, zlen - 1, &n);
	ok(same(r, "bad zlib stream"), "deflated, cut by a byte: %s", r);
	/* the stream must be all of the plaintext */
	z[zlen] = 0;
	r = fuzz_collector(z, zlen + 1, &n);
	ok(same(r, "bad zlib stream"), "deflated, a byte after it: %s", r);
	z[zlen - 1] ^= 1;
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "bad zlib stream"), "deflated, its Adler-32 wrong: %s", r);
	z[zlen - 1] ^= 1;
	/* a preset dictionary (FDICT) is not ours to know */
	z[2] = (z[2] & 0xc0) | 0x20;
	z[2] += (31 - (z[1] << 8 | z[2]) % 31) % 31;
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "bad zlib stream"), "deflated, with FDICT set: %s", r);
	r = fuzz_collector(raw, 0, &n);
	ok(same(r, "empty plaintext"), "empty: %s", r);
	raw[0] = 7;
	r = fuzz_collector(raw, len, &n);
	ok(same(r, "unknown encoding"), "encoding 7: %s", r);
	len = mkbatch(raw, "s1", "Ethernet", 3, 2);
	r = fuzz_collector(raw, len, &n);
	ok(same(r, "record framing or count wrong"), "count 3 of 2: %s", r);
	len = mkbatch(raw, "s1", "Ethernet", 0, 0);
	r = fuzz_collector(raw, len, &n);
	ok(same(r, "record framing or count wrong"), "no record: %s", r);
	len = mkbatch(raw, "../s1", "Ethernet", 1, 1);
	r = fuzz_collector(raw, len, &n);
	ok(same(r, "sensor name not allowed"), "sensor ../s1: %s", r);
	len = mkbatch(raw, "s1", "Nosuchtype", 1, 1);
	r = fuzz_collector(raw, len, &n);
	ok(same(r, "unknown record type"), "type Nosuchtype: %s", r);
	/* a message of ncap.proto, not a record type */
	len = mkbatch(raw, "s1", "Batch", 1, 1);
	r = fuzz_collector(raw, len, &n);
	ok(same(r, "unknown record type"), "type Batch: %s", r);
	/* one record of two bytes: a tag whose varint never ends */
	memcpy(raw, bad_record, sizeof(bad_record));
	r = fuzz_collector(raw, sizeof(bad_record), &n);
	ok(same(r, "record 1: Ethernet: a tag cut short"), "a bad record: %s",
	    r);
	/* the same, framed as 3 bytes of which 2 are there */
	raw[sizeof(bad_record) - 3] = 0x03;
	r = fuzz_collector(raw, sizeof(bad_record), &n);
	ok(same(r, "record framing or count wrong"), "a cut frame: %s", r);
	/*
	 * a batch of zeros deflates small: as long as the limit, it
	 * inflates and is no Batch; a byte more, and it is a bomb, even
	 * when the stream goes wrong only after that byte
	 */
	zeros[0] = WIRE_ENC_RAW;
	zlen = deflated(z, zeros, WIRE_MAX_BATCH + 1);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "not a batch"), "%zu deflated bytes of %d zeros: %s",
	    zlen, WIRE_MAX_BATCH, r);
	zlen = deflated(z, zeros, WIRE_MAX_BATCH + 2);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "inflates past the batch limit"), "%zu deflated bytes "
	    "of %d zeros: %s", zlen, WIRE_MAX_BATCH + 1, r);
	z[zlen - 1] ^= 1;
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "inflates past the batch limit"), "the same, its "
	    "Adler-32 wrong: %s", r);
	raw[0] = WIRE_ENC_RAW;
	r = fuzz_collector(raw, 1, &n);
	ok(same(r, "sensor name not allowed"), "an empty Batch: %s", r);
	free(raw);
	free(z);
	free(zeros);
}

/*
 * Encoding 2: one Zstandard frame that states its size, as the sensor
 * makes it, is stored; anything else is dropped, as a bomb when the
 * size it states is past the batch limit, before anything is
 * decompressed.
 */
static void
known_zstd(void)
{
	static const unsigned char	 garbage[] = "\x02this is no zstd frame";
	unsigned char			*raw, *z, *zeros;
	const char			*r;
	uint32_t			 n;
	size_t				 len, zlen, blen;

	if ((raw = malloc(BUFSZ)) == NULL || (z = malloc(BUFSZ)) == NULL ||
	    (zeros = calloc(1, BUFSZ)) == NULL) {
		perror("malloc");
		exit(1);
	}
	len = mkbatch(raw, "s1", "Ethernet", 2, 2);
	zlen = zstded(z, raw, len, 0);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, NULL) && n == 2, "a batch of 2 records in a zstd frame is "
	    "stored: %s", r ? r : "stored");
	r = fuzz_collector(z, zlen - 1, &n);
	ok(same(r, "bad zstd frame"), "the frame cut by a byte: %s", r);
	r = fuzz_collector(z, 8, &n);
	ok(same(r, "bad zstd frame"), "its header cut short: %s", r);
	r = fuzz_collector(z, 1, &n);
	ok(same(r, "bad zstd frame"), "the encoding byte alone: %s", r);
	z[zlen] = 0;
	r = fuzz_collector(z, zlen + 1, &n);
	ok(same(r, "bad zstd frame"), "a byte after the frame: %s", r);
	/* a second, empty frame: one frame, and nothing after it */
	memcpy(z + zlen, "\x28\xb5\x2f\xfd\x20\x00\x01\x00\x00", 9);
	r = fuzz_collector(z, zlen + 9, &n);
	ok(same(r, "bad zstd frame"), "an empty frame after it: %s", r);
	r = fuzz_collector(garbage, sizeof(garbage) - 1, &n);
	ok(same(r, "bad zstd frame"), "garbage: %s", r);
	/* a skippable frame, and the magic number of format v0.7 */
	z[1] = 0x50;
	z[2] = 0x2a;
	z[3] = 0x4d;
	z[4] = 0x18;
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "bad zstd frame"), "a skippable frame: %s", r);
	zlen = zstded(z, raw, len, 0);
	z[1] = 0x27;
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "bad zstd frame"), "magic number 0xfd2fb527: %s", r);
	zlen = zstded(z, raw, len, 1);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "bad zstd frame"), "a frame without its content size: %s",
	    r);

	/* frames by hand: raw and RLE blocks, and lies about the size */
	blen = len - 1;
	zlen = zframe(z, blen, 0, (uint32_t)blen, raw + 1);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, NULL) && n == 2, "the batch in a raw block is stored: %s",
	    r ? r : "stored");
	zlen = zframe(z, blen - 1, 0, (uint32_t)blen, raw + 1);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "bad zstd frame"), "its size stated a byte short: %s", r);
	zlen = zframe(z, blen + 1, 0, (uint32_t)blen, raw + 1);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "bad zstd frame"), "its size stated a byte long: %s", r);
	zlen = zframe(z, 100, 1, 100000, zeros);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "bad zstd frame"), "100 stated, 100000 in an RLE block: "
	    "%s", r);
	zlen = zframe(z, 20 * 1024 * 1024, 1, 100000, zeros);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "inflates past the batch limit"), "20 MB stated in %zu "
	    "bytes: %s", zlen, r);
	/* of zeros, as long as the limit: no Batch; a byte more: a bomb */
	zeros[0] = WIRE_ENC_RAW;
	zlen = zstded(z, zeros, WIRE_MAX_BATCH + 1, 0);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "not a batch"), "%zu bytes of zstd, %d zeros: %s", zlen,
	    WIRE_MAX_BATCH, r);
	zlen = zstded(z, zeros, WIRE_MAX_BATCH + 2, 0);
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, "inflates past the batch limit"), "%zu bytes of zstd, %d "
	    "zeros: %s", zlen, WIRE_MAX_BATCH + 1, r);

	/* padded, as a sensor with pad sends it */
	zlen = zstded(z, raw, len, 0);
	z[0] |= WIRE_ENC_PADDED;
	z[zlen++] = 0x80;
	memset(z + zlen, 0, 64 - zlen % 64);
	zlen += 64 - zlen % 64;
	r = fuzz_collector(z, zlen, &n);
	ok(same(r, NULL) && n == 2, "padded to %zu bytes, it is stored: %s",
	    zlen, r ? r : "stored");
	free(raw);
	free(z);
	free(zeros);
}

/* both harnesses over every file of dir; a crash is a failed test */
static void
replay(const char *dir)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	FILE		*fp;
	char		 path[1024];
	unsigned char	*buf;
	size_t		 len;
	uint32_t	 n;
	int		 nfiles = 0;

	if ((d = opendir(dir)) == NULL) {
		printf("# %s: no crash files to replay\n", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if ((buf = malloc(st.st_size ? (size_t)st.st_size : 1)) ==
		    NULL || (fp = fopen(path, "rb")) == NULL) {
			ok(0, "%s: cannot read", path);
			free(buf);
			continue;
		}
		len = fread(buf, 1, (size_t)st.st_size, fp);
		fclose(fp);
		fuzz_decode(buf, len);
		fuzz_collector(buf, len, &n);
		ok(1, "%s: both harnesses survive %zu bytes", de->d_name, len);
		free(buf);
		nfiles++;
	}
	closedir(d);
	printf("# %d crash files replayed\n", nfiles);
}

int
main(int argc, char *argv[])
{
	known_decode();
	known_collector();
	known_zstd();
	replay(argc > 1 ? argv[1] : CRASH_DIR);
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
