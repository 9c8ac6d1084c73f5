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
 * zenc, the sensor's zlib encoder: every stream it writes is read back
 * by two other implementations, zlib's uncompress() and libdeflate, and
 * must give the input byte for byte.  Inputs: every length up to 600 of
 * four kinds, mixed inputs up to 200 kB (several blocks, distances near
 * 32 kB), the files of regress/captures whole and cut into batches, and
 * positions near 2^32.  Every room up to the size needed: 0 exactly when
 * too small, and nothing written past it.  Its Adler-32 equals zlib's at
 * every length to 20000 and every alignment.  zenc.c is built in, so
 * that the test can move its position base and call the checksum.
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zlib.h>

#include "zenc.c"
#include "tap.h"

#define CANARY	64

static struct libdeflate_decompressor *dec;
static unsigned long ncase, nbad;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static void
fail(const char *what, size_t n, const char *why)
{
	if (nbad++ < 20)
		printf("# wrong: %s len %zu: %s\n", what, n, why);
}

/* Both decoders must give back exactly in[0..n-1]. */
static int
verify(const uint8_t *c, size_t clen, const uint8_t *in, size_t n,
    const char *what)
{
	uint8_t *d = malloc(n + 1);
	uLongf dl = (uLongf)n + 1;
	size_t got = 0;
	int ok = 1;

	if (d == NULL)
		abort();
	if (uncompress(d, &dl, c, (uLong)clen) != Z_OK || dl != n ||
	    memcmp(d, in, n) != 0) {
		fail(what, n, "zlib uncompress");
		ok = 0;
	}
	memset(d, 0, n + 1);
	if (libdeflate_zlib_decompress(dec, c, clen, d, n + 1, &got) !=
	    LIBDEFLATE_SUCCESS || got != n || memcmp(d, in, n) != 0) {
		fail(what, n, "libdeflate decompress");
		ok = 0;
	}
	free(d);
	return ok;
}

static size_t
bound(size_t n)
{
	return n + n / 1000 + 64;
}

/* Compress with ample room and check; returns the compressed size. */
static size_t
check(struct zenc *z, const uint8_t *in, size_t n, const char *what)
{
	size_t room = bound(n), clen;
	uint8_t *c = malloc(room);

	if (c == NULL)
		abort();
	ncase++;
	clen = zenc_zlib(z, in, n, c, room);
	if (clen == 0)
		fail(what, n, "returned 0 with ample room");
	else
		verify(c, clen, in, n, what);
	free(c);
	return clen;
}

/*
 * Call with every room from 0 to the needed size: 0 must come back exactly
 * when the room is too small, the output must never change, and the bytes
 * after out + room must stay untouched.
 */
static void
check_rooms(struct zenc *z, const uint8_t *in, size_t n, const char *what)
{
	size_t need, room, r, i;
	uint8_t *ref = malloc(bound(n)), *c;

	if (ref == NULL)
		abort();
	need = zenc_zlib(z, in, n, ref, bound(n));
	if (need == 0 || !verify(ref, need, in, n, what)) {
		fail(what, n, "room test reference");
		free(ref);
		return;
	}
	if ((c = malloc(need + CANARY)) == NULL)
		abort();
	for (room = 0; room <= need; room++) {
		ncase++;
		memset(c, 0xa5, need + CANARY);
		r = zenc_zlib(z, in, n, c, room);
		if (r != (room < need ? 0 : need))
			fail(what, n, "wrong result for room");
		else if (r != 0 && memcmp(c, ref, need) != 0)
			fail(what, n, "output depends on room");
		for (i = room; i < need + CANARY; i++)
			if (c[i] != 0xa5) {
				fail(what, n, "wrote past room");
				break;
			}
	}
	free(c);
	free(ref);
}

static void
gen_text(uint8_t *p, size_t n)
{
	static const char *w[] = {
		"the ", "sensor ", "packet ", "of ", "and ", "temperature ",
		"value=", "42", ", ", "\n", "error ", "ok ", "a ", "record ",
		"timestamp ", "1700000000", "is ", "in ", "node-17 ", "."
	};
	size_t i = 0, j, k;

	while (i < n) {
		k = rnd() % 20;
		for (j = 0; w[k][j] != '\0' && i < n; j++)
			p[i++] = (uint8_t)w[k][j];
	}
}

/* Mixed data: noise, runs, text, and copies from up to 33 KB back. */
static void
gen_mixed(uint8_t *p, size_t n)
{
	size_t i = 0, l, d, j;

	while (i < n) {
		/* Two statements, as the order of calls is unspecified. */
		l = rnd() % 4 == 0 ? 3000 : 300;
		l = 1 + rnd() % l;
		if (l > n - i)
			l = n - i;
		switch (rnd() % 5) {
		case 0:
			for (j = 0; j < l; j++)
				p[i + j] = (uint8_t)rnd();
			break;
		case 1:
			memset(p + i, (int)(rnd() & 255), l);
			break;
		case 2:
			gen_text(p + i, l);
			break;
		default:
			/* Favour distances close to the 32 KB limit. */
			d = rnd() % 2 ? 32768 - rnd() % 64 : 1 + rnd() % 33000;
			if (d > i) {
				for (j = 0; j < l; j++)
					p[i + j] = (uint8_t)(rnd() % 4);
				break;
			}
			for (j = 0; j < l; j++)
				p[i + j] = p[i + j - d];
			break;
		}
		i += l;
	}
}

static void
gen(int kind, uint8_t *p, size_t n)
{
	size_t i, per = 1 + rnd() % 7;
	uint8_t pat[8];

	for (i = 0; i < 8; i++)
		pat[i] = (uint8_t)rnd();
	for (i = 0; i < n; i++) {
		switch (kind) {
		case 0:
			p[i] = (uint8_t)rnd();
			break;
		case 1:
			p[i] = 0;
			break;
		case 2:
			p[i] = pat[i % per];
			break;
		}
	}
	if (kind == 3)
		gen_text(p, n);
}

/* the test's captures, each file whole and cut into 2,600-byte batches */
static void
captures(struct zenc *z, const char *dir, struct libdeflate_compressor *ld)
{
	char		 path[1024];
	struct dirent	*de;
	DIR		*d;
	FILE		*f;
	uint8_t		*data, *c;
	size_t		 n, i, l, nfile = 0, nb = 0, ours = 0, theirs = 0;
	unsigned long	 f0 = nbad;

	if ((d = opendir(dir)) == NULL) {
		ok(0, "open %s", dir);
		return;
	}
	if ((data = malloc(1 << 20)) == NULL || (c = malloc(8192)) == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		n = fread(data, 1, 1 << 20, f);
		fclose(f);
		check(z, data, n, de->d_name);
		nfile++;
		for (i = 0; i < n; i += l) {
			l = n - i < 2600 ? n - i : 2600;
			ours += check(z, data + i, l, de->d_name);
			theirs += libdeflate_zlib_compress(ld, data + i, l, c,
			    8192);
			if (nb++ % 50 == 0)
				check_rooms(z, data + i, l, de->d_name);
		}
	}
	closedir(d);
	ok(nfile >= 10 && nbad == f0, "%zu captures whole and in %zu batches "
	    "read back", nfile, nb);
	/* libdeflate's fastest level, as a yardstick: within 3 % of it */
	ok(ours > 0 && ours * 100 <= theirs * 103, "batches compress to %zu "
	    "bytes, libdeflate's fastest level to %zu", ours, theirs);
	free(data);
	free(c);
}

static void
check_adler(const uint8_t *p, size_t n)
{
	uint32_t ours, theirs;

	ncase++;
	ours = zadler(p, n);
	theirs = (uint32_t)adler32_z(1, p, n);
	if (ours != theirs) {
		if (nbad++ < 5)
			printf("# Adler-32 of %zu bytes at %p: %08x, zlib's "
			    "%08x\n", n, (const void *)p, ours, theirs);
	}
}

int
main(int argc, char *argv[])
{
	static const char *kname[] = { "random", "zeros", "pattern", "text" };
	const char *dir = argc > 1 ? argv[1] : "regress/captures";
	struct libdeflate_compressor *ld;
	struct zenc *z;
	uint8_t *buf;
	size_t n, i;
	unsigned long f0;
	int kind;

	if ((z = zenc_new()) == NULL ||
	    (dec = libdeflate_alloc_decompressor()) == NULL ||
	    (ld = libdeflate_alloc_compressor(1)) == NULL ||
	    (buf = malloc(1 << 20)) == NULL)
		return (2);

	for (kind = 0; kind < 4; kind++) {
		f0 = nbad;
		for (n = 0; n <= 600; n++) {
			gen(kind, buf, n);
			check(z, buf, n, kname[kind]);
		}
		ok(nbad == f0, "%s, every length 0 to 600", kname[kind]);
	}
	/* the shortest stream of each: a fixed block, or a stored one */
	ok(zenc_zlib(z, buf, 0, buf + 1000, 64) == 8, "empty input: 8 bytes");

	f0 = nbad;
	for (i = 0; i < 100; i++) {
		n = rnd() % (200 * 1024 + 1);
		gen_mixed(buf, n);
		check(z, buf, n, "mixed");
	}
	ok(nbad == f0, "100 mixed inputs up to 200 kB");
	/* long runs and long random stretches both take several blocks */
	f0 = nbad;
	memset(buf, 'x', 1 << 20);
	check(z, buf, 1 << 20, "1 MB run");
	for (i = 0; i < (1 << 20); i++)
		buf[i] = (uint8_t)rnd();
	check(z, buf, 1 << 20, "1 MB random");
	ok(nbad == f0, "1 MB of one byte, 1 MB of noise");

	/* positions near the 32-bit limit, then the table's reset */
	f0 = nbad;
	z->base = UINT32_MAX - 5000;
	gen_text(buf, 4000);
	check(z, buf, 4000, "near wrap");
	check(z, buf, 1000, "exact wrap");
	check(z, buf, 3000, "after wrap");
	ok(z->base == 3000, "the base starts again from 0: %u", z->base);
	check(z, buf, 3000, "after wrap 2");
	ok(nbad == f0, "positions near 2^32 and after");

	/*
	 * Adler-32 against zlib's: every length to 20000 from every offset
	 * mod 8, of noise and of 0xff (the largest sums, the reduction's
	 * bound), and 1 MB of each.
	 */
	f0 = nbad;
	for (kind = 0; kind < 2; kind++) {
		for (i = 0; i < 20008; i++)
			buf[i] = kind == 0 ? (uint8_t)rnd() : 0xff;
		for (n = 0; n <= 20000; n++)
			check_adler(buf + n % 8, n);
		for (i = 0; i < (1 << 20); i++)
			buf[i] = kind == 0 ? (uint8_t)rnd() : 0xff;
		check_adler(buf, 1 << 20);
	}
	ok(nbad == f0, "Adler-32 as zlib's, every length to 20000, 1 MB");

	captures(z, dir, ld);

	f0 = nbad;
	for (kind = 0; kind < 4; kind++) {
		gen(kind, buf, 700);
		check_rooms(z, buf, 700, kname[kind]);
	}
	check_rooms(z, buf, 0, "empty");
	gen_mixed(buf, 40000);
	check_rooms(z, buf, 40000, "mixed 40 kB");
	ok(nbad == f0, "every room up to the size needed, 4 kinds, empty, "
	    "40 kB");
	printf("# %lu streams, %lu wrong\n", ncase, nbad);

	zenc_free(z);
	libdeflate_free_compressor(ld);
	libdeflate_free_decompressor(dec);
	free(buf);
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
