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

#include <string.h>

#include <sodium.h>

#include "wire.h"

void
wire_nonce_encode(unsigned char out[WIRE_NONCELEN], const struct wire_nonce *n)
{
	int	i;

	memcpy(out, n->session, WIRE_SESSIONLEN);
	for (i = 0; i < 8; i++)
		out[WIRE_SESSIONLEN + i] = (n->seq >> (56 - 8 * i)) & 0xff;
}

void
wire_nonce_decode(struct wire_nonce *n, const unsigned char in[WIRE_NONCELEN])
{
	int	i;

	memcpy(n->session, in, WIRE_SESSIONLEN);
	n->seq = 0;
	for (i = 0; i < 8; i++)
		n->seq = (n->seq << 8) | in[WIRE_SESSIONLEN + i];
}

size_t
wire_seal(unsigned char *out, const unsigned char *ourpk,
    const struct wire_nonce *n, const unsigned char *k,
    const unsigned char *pt, size_t ptlen)
{
	unsigned char	*nonce = out + WIRE_PKLEN;

	memcpy(out, ourpk, WIRE_PKLEN);
	wire_nonce_encode(nonce, n);
	/* the tag comes first, then the ciphertext: crypto_box_easy's layout */
	if (crypto_box_easy_afternm(out + WIRE_PKLEN + WIRE_NONCELEN, pt,
	    ptlen, nonce, k) != 0)
		return (0);
	return (ptlen + WIRE_OVERHEAD);
}

ssize_t
wire_open(unsigned char *pt, size_t ptsz, const unsigned char *k,
    const unsigned char *dgram, size_t len)
{
	const unsigned char	*nonce = dgram + WIRE_PKLEN;
	const unsigned char	*box = nonce + WIRE_NONCELEN;
	size_t			 ptlen;

	if (len < WIRE_MIN)
		return (-1);
	ptlen = len - WIRE_OVERHEAD;
	if (ptlen > ptsz)
		return (-1);
	if (crypto_box_open_easy_afternm(pt, box, len - WIRE_PKLEN -
	    WIRE_NONCELEN, nonce, k) != 0)
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
