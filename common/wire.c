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

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "util.h"
#include "wire.h"

/* a datagram's nonce: 16 zero bytes, then the sequence number */
static void
data_nonce(unsigned char n[WIRE_NONCELEN], uint64_t seq)
{
	memset(n, 0, WIRE_NONCELEN - 8);
	be64_put(n + WIRE_NONCELEN - 8, seq);
}

int
wire_session_new(struct wire_session *s, const unsigned char *idpk,
    const unsigned char *kid, const unsigned char *collpk, uint64_t created)
{
	unsigned char	 cpt[WIRE_CERTPT], esk[WIRE_SKLEN];
	int		 r;

	s->hdr[0] = WIRE_VERSION;
	memcpy(s->hdr + WIRE_OFF_ID, idpk, WIRE_PKLEN);
	randombytes_buf(s->hdr + WIRE_OFF_SNONCE, WIRE_NONCELEN);
	/* E's secret lives on this stack frame only, and is wiped here */
	crypto_box_keypair(cpt, esk);
	r = crypto_box_beforenm(s->k, collpk, esk);
	sodium_memzero(esk, sizeof(esk));
	if (r != 0)
		return (-1);
	be64_put(cpt + WIRE_PKLEN, created);
	if (crypto_box_easy_afternm(s->hdr + WIRE_OFF_CERT, cpt, sizeof(cpt),
	    s->hdr + WIRE_OFF_SNONCE, kid) != 0)
		return (-1);
	s->created = created;
	s->seq = 0;
	return (0);
}

size_t
wire_seal(unsigned char *out, struct wire_session *s,
    const unsigned char *pt, size_t ptlen)
{
	unsigned char	 nonce[WIRE_NONCELEN];

	s->seq++;
	memcpy(out, s->hdr, WIRE_SESSLEN);
	be64_put(out + WIRE_OFF_SEQ, s->seq);
	data_nonce(nonce, s->seq);
	/* the tag comes first, then the ciphertext: crypto_box_easy's layout */
	if (crypto_box_easy_afternm(out + WIRE_HDRLEN, pt, ptlen, nonce,
	    s->k) != 0)
		return (0);
	return (ptlen + WIRE_OVERHEAD);
}

size_t
wire_budget(size_t max, size_t pad)
{
	size_t	b = max - WIRE_OVERHEAD;

	if (pad <= 1)
		return (b);
	/* room for the 0x80 that starts the padding */
	return (b / pad * pad - 1);
}

int
wire_pad(unsigned char *pt, size_t *len, size_t size, size_t block)
{
	size_t	padded;

	if (block < 1 || *len >= SIZE_MAX - block)
		return (-1);
	padded = (*len / block + 1) * block;
	if (padded > size)
		return (-1);
	pt[*len] = 0x80;
	memset(pt + *len + 1, 0, padded - *len - 1);
	*len = padded;
	return (0);
}

ssize_t
wire_unpad(const unsigned char *pt, size_t len)
{
	while (len > 0 && pt[len - 1] == 0)
		len--;
	if (len == 0 || pt[len - 1] != 0x80)
		return (-1);
	return ((ssize_t)(len - 1));
}

size_t
wire_origin_put(unsigned char *out, const unsigned char *pt, size_t ptlen,
    const unsigned char *nonce, uint64_t seq)
{
	ssize_t	n = (ssize_t)ptlen;

	if (ptlen < 1)
		return (0);
	if ((pt[0] & WIRE_ENC_PADDED) && (n = wire_unpad(pt, ptlen)) < 1)
		return (0);
	if (pt[0] & WIRE_ENC_ORIGIN) {
		if ((size_t)n < 1 + WIRE_ORIGINLEN)
			return (0);
		memcpy(out, pt, (size_t)n);
		out[0] &= ~WIRE_ENC_PADDED;
		return ((size_t)n);
	}
	out[0] = (pt[0] & ~WIRE_ENC_PADDED) | WIRE_ENC_ORIGIN;
	memcpy(out + 1, nonce, WIRE_NONCELEN);
	be64_put(out + 1 + WIRE_NONCELEN, seq);
	memcpy(out + 1 + WIRE_ORIGINLEN, pt + 1, (size_t)n - 1);
	return ((size_t)n + WIRE_ORIGINLEN);
}

const unsigned char *
wire_id(const unsigned char *dgram)
{
	return (dgram + WIRE_OFF_ID);
}

uint64_t
wire_seq(const unsigned char *dgram)
{
	return (be64_get(dgram + WIRE_OFF_SEQ));
}

int
wire_cert_open(const unsigned char *dgram, const unsigned char *kid,
    unsigned char epk[WIRE_PKLEN], uint64_t *created)
{
	unsigned char	cpt[WIRE_CERTPT];

	if (crypto_box_open_easy_afternm(cpt, dgram + WIRE_OFF_CERT,
	    WIRE_CERTLEN, dgram + WIRE_OFF_SNONCE, kid) != 0)
		return (-1);
	memcpy(epk, cpt, WIRE_PKLEN);
	*created = be64_get(cpt + WIRE_PKLEN);
	return (0);
}

ssize_t
wire_open(unsigned char *pt, size_t ptsz, const unsigned char *k,
    const unsigned char *dgram, size_t len)
{
	unsigned char	 nonce[WIRE_NONCELEN];
	size_t		 ptlen;

	if (len < WIRE_MIN || dgram[0] != WIRE_VERSION)
		return (-1);
	ptlen = len - WIRE_OVERHEAD;
	if (ptlen > ptsz)
		return (-1);
	data_nonce(nonce, wire_seq(dgram));
	if (crypto_box_open_easy_afternm(pt, dgram + WIRE_HDRLEN,
	    len - WIRE_HDRLEN, nonce, k) != 0)
		return (-1);
	return ((ssize_t)ptlen);
}

int
wire_pk_canonical(const unsigned char pk[WIRE_PKLEN])
{
	int	i;

	if (pk[31] & 0x80)
		return (0);
	/* p = 2^255 - 19: little-endian ed ff .. ff 7f */
	if (pk[31] != 0x7f)
		return (1);
	for (i = 30; i > 0; i--)
		if (pk[i] != 0xff)
			return (1);
	return (pk[0] < 0xed);
}

/*
 * Acknowledgements.  The ack nonce starts with 0xff, a datagram's with
 * zero bytes; the keys differ anyway.
 */
void
wire_ack_key(unsigned char a[WIRE_KEYLEN], const unsigned char *k)
{
	crypto_generichash(a, WIRE_KEYLEN,
	    (const unsigned char *)WIRE_ACK_CONTEXT,
	    sizeof(WIRE_ACK_CONTEXT) - 1, k, WIRE_KEYLEN);
}

size_t
wire_ack_seal(unsigned char out[WIRE_ACK_MAX], const unsigned char *snonce,
    const unsigned char *a, const struct wire_ack *ack)
{
	unsigned char	 pt[WIRE_ACK_PTMIN + WIRE_ACK_BITMAP_MAX];
	size_t		 ptlen;

	if (ack->nbitmap > WIRE_ACK_BITMAP_MAX)
		return (0);
	be64_put(pt, ack->done);
	pt[8] = (ack->credit >> 24) & 0xff;
	pt[9] = (ack->credit >> 16) & 0xff;
	pt[10] = (ack->credit >> 8) & 0xff;
	pt[11] = ack->credit & 0xff;
	pt[12] = (ack->nbitmap >> 8) & 0xff;
	pt[13] = ack->nbitmap & 0xff;
	memcpy(pt + WIRE_ACK_PTMIN, ack->bitmap, ack->nbitmap);
	ptlen = WIRE_ACK_PTMIN + ack->nbitmap;

	out[0] = WIRE_VERSION;
	out[1] = WIRE_KIND_ACK;
	memcpy(out + WIRE_ACK_OFF_SNONCE, snonce, WIRE_NONCELEN);
	out[WIRE_ACK_OFF_NONCE] = 0xff;
	randombytes_buf(out + WIRE_ACK_OFF_NONCE + 1, WIRE_NONCELEN - 1);
	if (crypto_box_easy_afternm(out + WIRE_ACK_HDRLEN, pt, ptlen,
	    out + WIRE_ACK_OFF_NONCE, a) != 0)
		return (0);
	return (WIRE_ACK_HDRLEN + WIRE_TAGLEN + ptlen);
}

const unsigned char *
wire_ack_session(const unsigned char *dgram, size_t len)
{
	if (len < WIRE_ACK_MIN || len > WIRE_ACK_MAX ||
	    dgram[0] != WIRE_VERSION || dgram[1] != WIRE_KIND_ACK ||
	    dgram[WIRE_ACK_OFF_NONCE] != 0xff)
		return (NULL);
	return (dgram + WIRE_ACK_OFF_SNONCE);
}

int
wire_ack_open(struct wire_ack *ack, const unsigned char *dgram, size_t len,
    const unsigned char *a)
{
	unsigned char	 pt[WIRE_ACK_PTMIN + WIRE_ACK_BITMAP_MAX];
	size_t		 ptlen;

	if (wire_ack_session(dgram, len) == NULL)
		return (-1);
	ptlen = len - WIRE_ACK_HDRLEN - WIRE_TAGLEN;
	if (crypto_box_open_easy_afternm(pt, dgram + WIRE_ACK_HDRLEN,
	    len - WIRE_ACK_HDRLEN, dgram + WIRE_ACK_OFF_NONCE, a) != 0)
		return (-1);
	memset(ack, 0, sizeof(*ack));
	ack->done = be64_get(pt);
	ack->credit = (uint32_t)pt[8] << 24 | (uint32_t)pt[9] << 16 |
	    (uint32_t)pt[10] << 8 | pt[11];
	ack->nbitmap = (uint16_t)(pt[12] << 8 | pt[13]);
	/* the bitmap is all there is after the fixed part, no more */
	if (ack->nbitmap != ptlen - WIRE_ACK_PTMIN)
		return (-1);
	memcpy(ack->bitmap, pt + WIRE_ACK_PTMIN, ack->nbitmap);
	return (0);
}

int
wire_ack_done(const struct wire_ack *ack, uint64_t seq)
{
	uint64_t	j;

	if (seq <= ack->done)
		return (1);
	if (seq == ack->done + 1)
		return (0);
	j = seq - ack->done - 2;
	if (j >= (uint64_t)ack->nbitmap * 8)
		return (0);
	return ((ack->bitmap[j / 8] >> (j % 8)) & 1);
}

int
wire_ack_set(struct wire_ack *ack, uint64_t seq)
{
	uint64_t	j;

	if (seq <= ack->done)
		return (0);
	if (seq == ack->done + 1)
		return (-1);
	j = seq - ack->done - 2;
	if (j >= WIRE_ACK_BITMAP_MAX * 8)
		return (-1);
	ack->bitmap[j / 8] |= 1 << (j % 8);
	if (j / 8 + 1 > ack->nbitmap)
		ack->nbitmap = (uint16_t)(j / 8 + 1);
	return (0);
}
