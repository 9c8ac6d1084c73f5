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
 * zenc: the crypto child's DEFLATE encoder, writing zlib streams (RFC
 * 1950 and 1951) of independent inputs of a few kilobytes, our batches.
 * libdeflate's fastest level fills a 128 kB hash table on every call
 * and builds its Huffman codes with a general sort: on 2.6 kB batches,
 * half its time.  Here the table is never cleared (positions carry a
 * base that grows from call to call, so older ones are told apart) and
 * the codes are built for alphabets of a few hundred symbols.
 *
 * LZ77 keeps, per hash of 4 bytes, the two latest positions in a table
 * that survives from call to call.  It takes the longer of their matches,
 * except that a match of the minimum length gives way to a longer one at
 * the next byte, and it hashes only the first position inside a match.
 * The symbols of an input, or of each BLKLEN bytes of a large one, become
 * one block of whichever kind is smallest: dynamic Huffman, fixed Huffman
 * or stored.  The stream's Adler-32 is computed here too: no library is
 * mapped in every process of the sensor for a few lines.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ncagentd.h"

#ifndef HBITS
#define HBITS		14		/* log2 of hash table entries */
#endif
#ifndef LAZY
#define LAZY		5		/* shorter matches look a byte on */
#endif
#ifndef INSERT
#define INSERT		1		/* positions hashed inside a match */
#endif
#define MAXMATCH	258
#define WINDOW		32768
/*
 * Matches start in the first BLKLEN bytes of a block, so it has at most
 * BLKLEN symbols and always fits a stored block.
 */
#define BLKLEN		16384
#define MAXIN		(1u << 30)	/* longest accepted input */
#define NLIT		286		/* literal/length symbols */
#define NDIST		30
#define NODIST		NDIST		/* the null distance of a literal */
#define NCL		19		/* code length symbols */
#define NBUCK		32		/* see huff_lengths() */
#define LVAL		288		/* see struct zenc */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    defined(__GNUC__) && !defined(ZENC_PORTABLE)
#define FASTLE		1		/* unaligned little-endian words */
#else
#define FASTLE		0
#endif
#if defined(__SSE2__) && !defined(ZENC_PORTABLE)
#include <emmintrin.h>
#define ADLER_SSE2	1
#else
#define ADLER_SSE2	0
#endif
#ifdef __GNUC__
#define INLINE		inline __attribute__((always_inline))
#define NOINLINE	__attribute__((noinline))
#else
#define INLINE		inline
#define NOINLINE
#endif

/* Length and distance base values and extra bits, from RFC 1951. */
static const uint16_t lbase[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258
};
static const uint8_t lxbits[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
};
static const uint16_t dbase[NDIST] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
	8193, 12289, 16385, 24577
};
static const uint8_t dxbits[NDIST + 1] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 0
};
static const uint8_t clxbits[NCL] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7
};
static const uint8_t clorder[NCL] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};

struct zenc {
	uint32_t	base;		/* added to positions in head */
	uint32_t	nsym;
	uint64_t	head[1 << HBITS];	/* latest | previous << 32 */
	/*
	 * Symbols: bits 0-9 a literal or LVAL + length - 3, 10-14 distance
	 * symbol (NODIST for a literal), 15-27 distance extra bits.
	 */
	uint32_t	sym[BLKLEN];
	uint32_t	lfreq[NLIT], dfreq[NDIST], cfreq[NCL];
	uint8_t		llen[NLIT], dlen[NDIST], clen[NCL];
	/*
	 * Codes ready to write: length plus extra bits in bits 0-5, length
	 * in 8-13, the code bit-reversed from 16.  lvt, for the block, and
	 * slvt, for the fixed code, also hold at LVAL + length - 3 each
	 * length's code with its extra bits.  dent[NODIST] stays 0.
	 */
	uint64_t	lvt[LVAL + 256], slvt[LVAL + 256];
	uint64_t	dent[NDIST + 1], sdent[NDIST + 1], cent[NCL];
	uint16_t	rle[NLIT + NDIST + 2];	/* code length symbols */
	uint8_t		lxb[288];	/* extra bits by literal/length */
	uint8_t		lenslot[MAXMATCH + 1], dslot[512], rev8[256];
	/* Scratch space for huff_lengths(). */
	uint32_t	key[NLIT + 1], big[NLIT], lw[NLIT + 2], w[NLIT + 1];
	uint16_t	pos[NLIT];
	uint8_t		kids[NLIT], rlen[NLIT], bucket[NLIT];
};

/* Bit writer: bits enter acc from the bottom, whole bytes leave. */
struct bw {
	uint8_t		*p, *end;
	uint64_t	 acc;
	unsigned	 n;
};

/* Bits of code entry e with extra bits x, and their number. */
#define EBITS(e, x)	((uint64_t)(x) << ((e) >> 8 & 63) | (e) >> 16)
#define ELEN(e)		((e) & 63)

static inline uint32_t
ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

static inline uint64_t
ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

#define ADLER_MOD	65521
/*
 * Bytes summed before the sums are reduced: the most for which the second
 * sum cannot pass 2^32 - 1 from values below ADLER_MOD; a multiple of 16.
 */
#define ADLER_RUN	5552

/*
 * Adler-32 of in (RFC 1950).  With SSE2 (every amd64), 16 bytes at a
 * time: sad adds them up for the first sum; for the second, the bytes
 * are weighted 16, 15, ... 1 by madd, and to 16 times the first sum as it
 * was before them goes each earlier block's total, a running sum of the
 * first sum's vector (ps).  The lanes stay below 2^32 within a run.
 */
static uint32_t
zadler(const uint8_t *in, size_t n)
{
	uint64_t a = 1, b = 0;
	size_t k;
#if ADLER_SSE2
	const __m128i zero = _mm_setzero_si128();
	const __m128i w0 = _mm_set_epi16(9, 10, 11, 12, 13, 14, 15, 16);
	const __m128i w1 = _mm_set_epi16(1, 2, 3, 4, 5, 6, 7, 8);
	__m128i v, s1, ps, s2;
	uint32_t l[4];
	size_t nb;
#endif

	while (n > 0) {
		k = n < ADLER_RUN ? n : ADLER_RUN;
		n -= k;
#if ADLER_SSE2
		s1 = ps = s2 = zero;
		for (nb = 0; k >= 16; k -= 16, in += 16, nb++) {
			v = _mm_loadu_si128((const __m128i *)(const void *)in);
			ps = _mm_add_epi32(ps, s1);
			s1 = _mm_add_epi32(s1, _mm_sad_epu8(v, zero));
			s2 = _mm_add_epi32(s2, _mm_madd_epi16(
			    _mm_unpacklo_epi8(v, zero), w0));
			s2 = _mm_add_epi32(s2, _mm_madd_epi16(
			    _mm_unpackhi_epi8(v, zero), w1));
		}
		/* sad leaves its sums in lanes 0 and 2 */
		_mm_storeu_si128((__m128i *)(void *)l, ps);
		b += 16 * ((uint64_t)l[0] + l[2]) + 16 * nb * a;
		_mm_storeu_si128((__m128i *)(void *)l, s2);
		b += (uint64_t)l[0] + l[1] + l[2] + l[3];
		_mm_storeu_si128((__m128i *)(void *)l, s1);
		a += (uint64_t)l[0] + l[2];
#endif
		for (; k > 0; k--) {
			a += *in++;
			b += a;
		}
		a %= ADLER_MOD;
		b %= ADLER_MOD;
	}
	return ((uint32_t)(b << 16 | a));
}

static inline unsigned
ctz64(uint64_t x)
{
#ifdef __GNUC__
	return ((unsigned)__builtin_ctzll(x));
#else
	unsigned n;

	for (n = 0; (x & 1) == 0; n++)
		x >>= 1;
	return (n);
#endif
}

/*
 * k bits of v into acc, which must then hold at most 63: flush() cannot
 * shift a full 64 bits out.  After a flush, 56 bits can be put.
 */
static inline void
put(struct bw *b, uint64_t v, unsigned k)
{
	b->acc |= v << b->n;
	b->n += k;
}

/*
 * Write out the whole bytes in acc, leaving at most 7 bits.  Callers have
 * checked that the block fits, and p never passes end.
 */
static inline void
flush(struct bw *b)
{
#if FASTLE
	if (b->end - b->p >= 8) {
		memcpy(b->p, &b->acc, 8);
		b->p += b->n >> 3;
		b->acc >>= b->n & 56;
		b->n &= 7;
		return;
	}
#endif
	for (; b->n >= 8 && b->p < b->end; b->n -= 8) {
		*b->p++ = (uint8_t)b->acc;
		b->acc >>= 8;
	}
}

static inline uint32_t
hash(uint32_t x)
{
	return ((x * 0x9e3779b1u) >> (32 - HBITS));
}

/* Length of the common prefix of a and b, known to be at least n. */
static inline uint32_t
match_len(const uint8_t *a, const uint8_t *b, uint32_t n, uint32_t max)
{
#if FASTLE
	uint64_t x;

	for (; n + 8 <= max; n += 8)
		if ((x = ld64(a + n) ^ ld64(b + n)) != 0)
			return (n + (ctz64(x) >> 3));
#endif
	while (n < max && a[n] == b[n])
		n++;
	return (n);
}

/*
 * Record position i and look for a match there longer than best, from
 * the two positions last seen with the same hash.  Returns the longer of
 * best and that match, and sets *dist for a new match.
 */
static INLINE uint32_t
find(uint64_t *head, uint32_t base, const uint8_t *in, uint32_t i,
    uint32_t inlen, uint32_t best, uint32_t *dist)
{
	uint32_t x = ld32(in + i), h = hash(x), c, l, max;
	uint64_t e = head[h];

	head[h] = e << 32 | (base + i);
	/* Stale entries from earlier calls are below base and wrap high. */
	c = (uint32_t)e - base;
	if (c >= i || i - c > WINDOW || ld32(in + c) != x)
		return (best);
	max = inlen - i < MAXMATCH ? inlen - i : MAXMATCH;
	if ((l = match_len(in + c, in + i, 4, max)) > best) {
		best = l;
		*dist = i - c;
	}
	/* The older position seldom matches unless the newer one does. */
	c = (uint32_t)(e >> 32) - base;
	if (c < i && i - c <= WINDOW && ld32(in + c) == x &&
	    (l = match_len(in + c, in + i, 4, max)) > best) {
		best = l;
		*dist = i - c;
	}
	return (best);
}

/*
 * LZ77 from position i to the end of the input or of the block, into
 * z->sym and the frequencies.  Returns the new position.  Not inlined, as
 * registers are then allocated better.
 */
static NOINLINE uint32_t
lz_block(struct zenc *z, const uint8_t *in, uint32_t inlen, uint32_t i)
{
	uint64_t *head = z->head;
	uint32_t *sym = z->sym, *lfreq = z->lfreq, base = z->base;
	uint32_t lim, blim, d = 0, len, l, ds, v, next;

	memset(z->lfreq, 0, sizeof(z->lfreq));
	memset(z->dfreq, 0, sizeof(z->dfreq));
	blim = inlen - i > BLKLEN ? i + BLKLEN : inlen;
	lim = inlen > 3 ? inlen - 3 : 0;	/* hashing reads 4 bytes */
	lim = lim < blim ? lim : blim;
	while (i < lim) {
		if ((len = find(head, base, in, i, inlen, 0, &d)) == 0) {
			v = in[i++];
			lfreq[v]++;
			*sym++ = v | NODIST << 10;
			continue;
		}
		next = i + 1;		/* the first position not hashed */
		while (len < LAZY && next < lim) {
			if ((l = find(head, base, in, next++, inlen, len,
			    &d)) == len)
				break;
			v = in[i++];
			lfreq[v]++;
			*sym++ = v | NODIST << 10;
			len = l;
		}
		l = z->lenslot[len];
		/* Above 256, slots start at multiples of 128, plus one. */
		ds = z->dslot[d <= 256 ? d - 1 : 256 + ((d - 1) >> 7)];
		lfreq[257 + l]++;
		z->dfreq[ds]++;
		*sym++ = (LVAL + len - 3) | ds << 10 | (d - dbase[ds]) << 15;
		/*
		 * Hashing all positions inside matches costs much time for
		 * little gain; the first one or two give most of it.
		 */
		for (l = i + (INSERT < len ? INSERT : len - 1); next <= l &&
		    next < lim; next++) {
			v = hash(ld32(in + next));
			head[v] = head[v] << 32 | (base + next);
		}
		i += len;
	}
	while (i < blim) {
		v = in[i++];
		lfreq[v]++;
		*sym++ = v | NODIST << 10;
	}
	z->nsym = (uint32_t)(sym - z->sym);
	return (i);
}

/*
 * Length-limited Huffman code lengths for freq[0..n-1], and the number of
 * codes of each length in blc.  The code is always complete: fewer than two
 * used symbols get two codes of length 1, as decoders may reject others.
 */
static void
huff_lengths(struct zenc *z, const uint32_t *freq, unsigned n,
    unsigned maxlen, uint8_t *len, unsigned *blc)
{
	uint32_t *key = z->key, *big = z->big, *lw = z->lw, *w = z->w;
	uint32_t a, a2, c, c2, k;
	uint16_t *pos = z->pos;
	uint8_t *kids = z->kids, *rlen = z->rlen, *bk = z->bucket;
	unsigned cnt[NBUCK][2], m = 0, nbig = 0, top = 0, li, ni, lo, hi;
	unsigned j, l, s, b;
	int excess;

	memset(len, 0, n);
	memset(blc, 0, 16 * sizeof(*blc));
	for (s = 0; s < n; s++) {
		key[m] = freq[s] << 9 | s;
		m += freq[s] != 0;
	}
	if (m < 2) {
		s = m != 0 ? key[0] & 511 : 0;
		len[s] = 1;
		len[s != 0 ? 0 : 1] = 1;
		blc[1] = 2;
		return;
	}

	/*
	 * Sort by frequency: used symbol j gets place pos[j], and lw[] the
	 * frequencies in order.  A few symbols are ranked by counting smaller
	 * keys, which takes no branches.
	 */
	if (m <= 32) {
		for (j = 0; j < m; j++) {
			for (b = l = 0; l < m; l++)
				b += key[l] < key[j];
			pos[j] = (uint16_t)b;
			lw[b] = key[j] >> 9;
		}
		goto sorted;
	}
	/*
	 * More are mostly infrequent: they are counted per frequency below
	 * NBUCK - 1 and ranked in their bucket as they come; only the few
	 * above are really sorted.  Separate counters for odd and even j
	 * keep increments of one counter from chaining through memory.
	 */
	memset(cnt, 0, sizeof(cnt));
	for (j = 0; j < m; j++) {
		b = key[j] >> 9;
		b = b < NBUCK - 1 ? b : NBUCK - 1;
		bk[j] = (uint8_t)b;
		pos[j] = (uint16_t)cnt[b][j & 1]++;
		big[nbig] = key[j];
		nbig += b == NBUCK - 1;
	}
	for (b = 1, l = 0; b < NBUCK; b++)
		for (j = 0; j < 2; j++) {
			c = cnt[b][j];
			cnt[b][j] = l;
			l += c;
		}
	top = cnt[NBUCK - 1][0];
	for (j = 0; j < m; j++) {
		pos[j] = (uint16_t)(pos[j] + cnt[bk[j]][j & 1]);
		lw[pos[j]] = bk[j];
	}
	for (j = 1; j < nbig; j++) {
		k = big[j];
		for (l = j; l > 0 && big[l - 1] > k; l--)
			big[l] = big[l - 1];
		big[l] = k;
	}
	for (l = 0; l < nbig; l++)
		lw[top + l] = big[l] >> 9;

sorted:
	/*
	 * Two-queue construction: leaves come sorted and internal nodes are
	 * made in nondecreasing weight order, so each node joins the two
	 * lightest of the first two leaves and the first two nodes; b is the
	 * number of leaves taken.  Infinite weights past the end of each
	 * queue save bounds tests.  The first nodes just pair up the many
	 * least frequent leaves.
	 */
	lw[m] = lw[m + 1] = UINT32_MAX;
	for (j = 1; lw[j] == lw[0]; j++)
		;
	for (k = 0; k < j / 2; k++) {
		w[k] = 2 * lw[0];
		kids[k] = 2;
	}
	li = 2 * k;
	w[k] = UINT32_MAX;
	for (ni = 0; k < m - 1; k++) {
		w[k + 1] = UINT32_MAX;
		a = lw[li];
		a2 = lw[li + 1];
		c = w[ni];
		c2 = w[ni + 1];
		b = (unsigned)(c2 >= a) + (unsigned)(a2 <= c);
		w[k] = b == 2 ? a + a2 : b == 1 ? a + c : c + c2;
		kids[k] = (uint8_t)b;
		li += b;
		ni += 2 - b;
	}

	/*
	 * Nodes are also consumed in creation order, so a later node is
	 * never deeper: the nodes of each depth form a run of indices below
	 * the run of the depth above, as long as its count of node children.
	 * Only the leaf children need counting.
	 */
	for (hi = m - 2, b = 1, l = 1; b > 0; l++, hi = lo - 1) {
		lo = hi + 1 - b;
		for (k = lo, s = 0; k <= hi; k++)
			s += kids[k];
		blc[l < maxlen ? l : maxlen] += s;
		b = 2 * b - s;
	}

	/*
	 * Clamping deep leaves to maxlen oversubscribes the code by excess
	 * units of 2^-maxlen.  Each step hangs a leaf from the deepest level
	 * below maxlen one level lower, next to a leaf taken from maxlen,
	 * which removes exactly one unit.
	 */
	excess = -(1 << maxlen);
	for (l = 1; l <= maxlen; l++)
		excess += (int)(blc[l] << (maxlen - l));
	for (; excess > 0; excess--) {
		for (l = maxlen - 1; blc[l] == 0; l--)
			;
		blc[l]--;
		blc[l + 1] += 2;
		blc[maxlen]--;
	}

	/* The longest codes go to the first places, the least frequent. */
	for (l = maxlen, j = 0; l > 0; l--)
		for (b = blc[l]; b > 0; b--)
			rlen[j++] = (uint8_t)l;
	for (j = 0; j < m; j++)
		len[key[j] & 511] = rlen[pos[j]];
	for (l = 0; l < nbig; l++)
		len[big[l] & 511] = rlen[top + l];
}

/*
 * Canonical codes from lengths, bit-reversed for LSB-first output, as
 * entries with xb extra bits; unused symbols get 0.
 */
static void
huff_codes(const struct zenc *z, const uint8_t *len, unsigned n,
    const unsigned *blc, const uint8_t *xb, uint64_t *ent)
{
	unsigned next[17], c = 0, l, s;

	next[0] = 0;
	for (l = 1; l < 16; l++) {
		next[l] = c;
		c = (c + blc[l]) << 1;
	}
	for (s = 0; s < n; s++) {
		l = len[s];
		c = next[l];
		/* Unused symbols count in next[16], so as not to chain. */
		next[l + ((unsigned)(l == 0) << 4)] = c + 1;
		c = ((unsigned)z->rev8[c & 255] << 8 | z->rev8[c >> 8 & 255]) >>
		    (16 - l);
		ent[s] = (c << 16 | l << 8 | (l + xb[s])) & -(uint32_t)(l != 0);
	}
}

/*
 * Run-length code the code lengths l[0..n-1] into z->rle (symbol in the
 * low 5 bits, repeat count above) and count z->cfreq.  l[-1] and l[n] to
 * l[n + 15] must hold a value that is no code length.
 */
static unsigned
rle_lens(struct zenc *z, const uint8_t *l, unsigned n)
{
	uint64_t starts[(NLIT + NDIST) / 64 + 2], w;
	uint32_t *cf = z->cfreq;
	uint16_t *o = z->rle;
	unsigned i, j, k, v, r, end, no = 0;

	/*
	 * Mark where runs start, a bit per length, so that finding the runs
	 * is not one long chain of dependent loads.
	 */
	for (i = 0; i <= n; i += 64) {
		for (w = 0, j = 0; j < 64 && i + j <= n; j += 8) {
#if FASTLE
			/* The top bit of each byte that differs... */
			uint64_t x = ld64(l + i + j) ^ ld64(l + i + j - 1);

			x = (((x & 0x7f7f7f7f7f7f7f7full) +
			    0x7f7f7f7f7f7f7f7full) | x) & 0x8080808080808080ull;
			/* ...gathered into 8 bits by a carry-free multiply. */
			w |= ((x >> 7) * 0x0102040810204080ull) >> 56 << j;
#else
			for (k = 0; k < 8; k++)
				w |= (uint64_t)(l[i + j + k] !=
				    (l - 1)[i + j + k]) << (j + k);
#endif
		}
		starts[i / 64] = w;
	}

	memset(cf, 0, sizeof(z->cfreq));
	w = starts[0] & ~1ull;
	for (i = 0, k = 0; i < n; i = end) {
		while (w == 0)
			w = starts[++k];
		end = k * 64 + ctz64(w);
		w &= w - 1;
		v = l[i];
		r = end - i;
		/* Runs too short to code are common: written without a loop. */
		if (r < 3 || (r == 3 && v != 0)) {
			o[no] = o[no + 1] = o[no + 2] = (uint16_t)v;
			no += r;
			cf[v] += r;
			continue;
		}
		if (v == 0) {
			for (; r >= 11; r -= j) {
				j = r < 138 ? r : 138;
				o[no++] = (uint16_t)(18 | (j - 11) << 5);
				cf[18]++;
			}
			if (r >= 3) {
				o[no++] = (uint16_t)(17 | (r - 3) << 5);
				cf[17]++;
				r = 0;
			}
		} else {
			o[no++] = (uint16_t)v;
			cf[v]++;
			for (r--; r >= 3; r -= j) {
				j = r < 6 ? r : 6;
				o[no++] = (uint16_t)(16 | (j - 3) << 5);
				cf[16]++;
			}
		}
		o[no] = o[no + 1] = (uint16_t)v;	/* up to 2 left */
		no += r;
		cf[v] += r;
	}
	return (no);
}

/* Fill in lvt the lengths with extra bits, for the lengths in use. */
static void
make_lvt(uint64_t *t)
{
	unsigned i, s;

	for (s = 0; s < 29; s++)
		if (t[257 + s] != 0)
			for (i = 0; i < 1u << lxbits[s]; i++)
				t[LVAL - 3 + lbase[s] + i] = EBITS(t[257 + s],
				    i) << 16 | ELEN(t[257 + s]);
}

/*
 * Write the symbols, one write each and no branches on the kind of symbol
 * (literals have null distance bits).  Without check, there must be room
 * for 8 bytes past the last byte written.  The writer is kept in locals
 * as stores through p could alias *b.
 */
static INLINE void
syms_loop(const struct zenc *z, struct bw *b, const uint64_t *lvt,
    const uint64_t *dent, int check)
{
	const uint32_t *sym = z->sym, *end = sym + z->nsym;
	uint64_t acc = b->acc, v, t, f;
	uint8_t *p = b->p;
	uint32_t x;
	unsigned n = b->n;

	for (; sym < end; sym++) {
		x = *sym;
		t = lvt[x & 1023];
		f = dent[(x >> 10) & 31];
		v = EBITS(f, x >> 15) << ELEN(t) | t >> 16;
		acc |= v << n;
		n += (unsigned)((t + f) & 63);	/* the sum is below 64 */
#if FASTLE
		if (!check) {
			memcpy(p, &acc, 8);
			p += n >> 3;
			acc >>= n & 56;
			n &= 7;
			continue;
		}
#endif
		(void)check;
		for (; n >= 8 && p < b->end; n -= 8) {
			*p++ = (uint8_t)acc;
			acc >>= 8;
		}
	}
	b->acc = acc;
	b->p = p;
	b->n = n;
}

/* The symbols and end-of-block, which take bits bits in all. */
static void
put_syms(const struct zenc *z, struct bw *b, const uint64_t *lvt,
    const uint64_t *dent, uint64_t bits)
{
	if ((uint64_t)(b->end - b->p) >= bits / 8 + 9)
		syms_loop(z, b, lvt, dent, 0);
	else
		syms_loop(z, b, lvt, dent, 1);
	put(b, lvt[256] >> 16, (unsigned)ELEN(lvt[256]));
	flush(b);
}

/*
 * Code the symbols in z->sym, which cover the n input bytes at p, as one
 * block of the smallest kind.  Returns 0 if it does not fit.
 */
static int
put_block(struct zenc *z, struct bw *b, const uint8_t *p, size_t n,
    int final)
{
	uint8_t all[8 + NLIT + NDIST + 16];
	uint32_t *lf = z->lfreq, *df = z->dfreq, d, e, f, g;
	uint64_t dyn, fix, sto, v;
	unsigned lblc[16], dblc[16], cblc[16], s, hlit, hdist, hclen, nrle;
	unsigned x;
	struct bw w;

	lf[256] = 1;
	huff_lengths(z, lf, NLIT, 15, z->llen, lblc);
	huff_lengths(z, df, NDIST, 15, z->dlen, dblc);
	for (hlit = NLIT; z->llen[hlit - 1] == 0; hlit--)
		;
	for (hdist = NDIST; z->dlen[hdist - 1] == 0; hdist--)
		;
	all[7] = 0xff;
	memcpy(all + 8, z->llen, hlit);
	memcpy(all + 8 + hlit, z->dlen, hdist);
	memset(all + 8 + hlit + hdist, 0xff, 16);
	nrle = rle_lens(z, all + 8, hlit + hdist);
	huff_lengths(z, z->cfreq, NCL, 7, z->clen, cblc);
	for (hclen = NCL; hclen > 4 && z->clen[clorder[hclen - 1]] == 0;
	    hclen--)
		;

	/*
	 * Exact sizes in bits of the three kinds of block, summed in 32 bits
	 * as a block has at most BLKLEN symbols of at most 48 bits.
	 */
	for (s = 0, d = 0; s < NLIT; s++)
		d += lf[s] * z->llen[s];
	for (s = 0, f = 0; s < 144; s++)
		f += lf[s];
	for (s = 144, g = 0; s < 256; s++)
		g += lf[s];
	fix = 3 + 8 * f + 9 * g;
	for (s = 256, e = 0; s < NLIT; s++) {
		fix += (s < 280 ? 7u : 8u) * lf[s];
		e += lf[s] * z->lxb[s];
	}
	for (s = 0, f = 0; s < NDIST; s++) {
		d += df[s] * z->dlen[s];
		f += df[s];
		e += df[s] * dxbits[s];
	}
	fix += 5 * f + e;
	d += e + z->cfreq[16] * 2 + z->cfreq[17] * 3 + z->cfreq[18] * 7;
	for (s = 0; s < NCL; s++)
		d += z->cfreq[s] * z->clen[s];
	dyn = 3 + 14 + 3 * hclen + (uint64_t)d;
	/* Header, padding to a byte, LEN and NLEN, then the bytes. */
	sto = 3 + ((8 - ((b->n + 3) & 7)) & 7) + 32 + 8 * (uint64_t)n;

	x = dyn < fix ? (dyn < sto ? 2 : 0) : (fix < sto ? 1 : 0);
	dyn = x == 2 ? dyn : x == 1 ? fix : sto;
	/* The Adler-32 trailer must fit as well. */
	if ((b->n + dyn + 7) / 8 + 4 > (uint64_t)(b->end - b->p))
		return (0);
	put(b, (uint32_t)final | x << 1, 3);
	if (x == 0) {
		b->n = (b->n + 7) & ~7u;
		flush(b);
		b->p[0] = (uint8_t)n;
		b->p[1] = (uint8_t)(n >> 8);
		b->p[2] = (uint8_t)~n;
		b->p[3] = (uint8_t)(~n >> 8);
		memcpy(b->p + 4, p, n);
		b->p += 4 + n;
		return (1);
	}
	if (x == 1) {
		put_syms(z, b, z->slvt, z->sdent, fix);
		return (1);
	}

	/* Entries past hlit and hdist are stale but never read. */
	huff_codes(z, z->llen, hlit, lblc, z->lxb, z->lvt);
	huff_codes(z, z->dlen, hdist, dblc, dxbits, z->dent);
	huff_codes(z, z->clen, NCL, cblc, clxbits, z->cent);
	w = *b;			/* a local copy stays in registers */
	put(&w, (hlit - 257) | (hdist - 1) << 5 | (hclen - 4) << 10, 14);
	flush(&w);
	for (v = 0, s = hclen; s-- > 0;)
		v = v << 3 | z->clen[clorder[s]];
	/* up to 57 bits: in two puts */
	x = 3 * hclen / 2;
	put(&w, v & ((1ull << x) - 1), x);
	flush(&w);
	put(&w, v >> x, 3 * hclen - x);
	flush(&w);
	for (s = 0; s < nrle; s++) {
		x = z->rle[s] & 31;
		put(&w, EBITS(z->cent[x], z->rle[s] >> 5),
		    (unsigned)ELEN(z->cent[x]));
		flush(&w);
	}
	*b = w;
	make_lvt(z->lvt);
	put_syms(z, b, z->lvt, z->dent, dyn);
	return (1);
}

struct zenc *
zenc_new(void)
{
	struct zenc *z;
	uint8_t len[288];
	unsigned i, s, c, blc[16];

	if ((z = calloc(1, sizeof(*z))) == NULL)
		return (NULL);
	for (i = 0; i < 256; i++) {
		for (c = 0, s = 0; s < 8; s++)
			c |= ((i >> s) & 1) << (7 - s);
		z->rev8[i] = (uint8_t)c;
	}
	for (s = 0; s < 29; s++) {
		for (i = lbase[s]; i < lbase[s] + (1u << lxbits[s]) &&
		    i <= MAXMATCH; i++)
			z->lenslot[i] = (uint8_t)s;
		z->lxb[257 + s] = lxbits[s];
	}
	for (s = 0; s < NDIST; s++)
		for (i = dbase[s]; i < dbase[s] + (1u << dxbits[s]); i++)
			z->dslot[i <= 256 ? i - 1 : 256 + ((i - 1) >> 7)] =
			    (uint8_t)s;

	/* The fixed codes; 286 and 287 count for the canonical order. */
	memset(blc, 0, sizeof(blc));
	for (s = 0; s < 288; s++) {
		len[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
		blc[len[s]]++;
	}
	huff_codes(z, len, 288, blc, z->lxb, z->slvt);
	make_lvt(z->slvt);
	memset(blc, 0, sizeof(blc));
	blc[5] = NDIST;
	memset(len, 5, NDIST);
	huff_codes(z, len, NDIST, blc, dxbits, z->sdent);
	return (z);
}

void
zenc_free(struct zenc *z)
{
	free(z);
}

size_t
zenc_zlib(struct zenc *z, const void *vin, size_t inlen, void *vout,
    size_t room)
{
	const uint8_t *in = vin;
	uint8_t *out = vout;
	struct bw b;
	uint32_t pos = 0, start, a;
	int final, ok;

	/* The shortest stream is 8 bytes. */
	if (room < 8 || inlen > MAXIN)
		return (0);
	/* Positions base + i must not wrap. */
	if (inlen > UINT32_MAX - z->base) {
		memset(z->head, 0, sizeof(z->head));
		z->base = 0;
	}
	out[0] = 0x78;		/* deflate, 32 KB window */
	out[1] = 0x01;		/* fastest, no dictionary, check bits */
	b.p = out + 2;
	b.end = out + room;
	b.acc = 0;
	b.n = 0;
	do {
		start = pos;
		pos = lz_block(z, in, (uint32_t)inlen, pos);
		final = pos == inlen;
		ok = put_block(z, &b, in + start, pos - start, final);
	} while (ok && !final);
	/* Every table entry made by this call is now below the base. */
	z->base += (uint32_t)inlen;
	if (!ok)
		return (0);
	b.n = (b.n + 7) & ~7u;
	flush(&b);
	a = zadler(in, inlen);
	b.p[0] = (uint8_t)(a >> 24);
	b.p[1] = (uint8_t)(a >> 16);
	b.p[2] = (uint8_t)(a >> 8);
	b.p[3] = (uint8_t)a;
	return ((size_t)(b.p + 4 - out));
}
