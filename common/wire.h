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

#ifndef NCAP_WIRE_H
#define NCAP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/*
 * Wire format v1: one UDP datagram from sensor to collector.
 *
 *	sensor public key (32) | nonce (24) | crypto_box (16 tag + ciphertext)
 *
 * nonce = session id (16 random bytes) | sequence number (64 bit, big
 * endian, from 1 within the session).  The plaintext is one encoding
 * byte (WIRE_ENC_RAW or WIRE_ENC_ZLIB) and a protobuf Batch.
 */
#define WIRE_PKLEN		crypto_box_PUBLICKEYBYTES	/* 32 */
#define WIRE_SKLEN		crypto_box_SECRETKEYBYTES	/* 32 */
#define WIRE_NONCELEN		crypto_box_NONCEBYTES		/* 24 */
#define WIRE_SESSIONLEN		16
#define WIRE_TAGLEN		crypto_box_MACBYTES		/* 16 */
#define WIRE_OVERHEAD		(WIRE_PKLEN + WIRE_NONCELEN + WIRE_TAGLEN)
#define WIRE_MIN		(WIRE_OVERHEAD + 1)

#define WIRE_ENC_RAW		0
#define WIRE_ENC_ZLIB		1

#define WIRE_DGRAM_DEFAULT	1400
#define WIRE_DGRAM_MIN		512
#define WIRE_DGRAM_MAX		65000

/* the largest inflated batch either side accepts (a zip bomb is larger) */
#define WIRE_MAX_BATCH		(192 * 1024)

struct wire_nonce {
	unsigned char	 session[WIRE_SESSIONLEN];
	uint64_t	 seq;
};

void	 wire_nonce_encode(unsigned char out[WIRE_NONCELEN],
	    const struct wire_nonce *);
void	 wire_nonce_decode(struct wire_nonce *,
	    const unsigned char in[WIRE_NONCELEN]);

/*
 * Seal plaintext (ptlen bytes) into out, which must hold ptlen +
 * WIRE_OVERHEAD bytes, with a shared key from crypto_box_beforenm.
 * Returns the datagram length, 0 if the plaintext is too large.
 */
size_t	 wire_seal(unsigned char *out, const unsigned char *ourpk,
	    const struct wire_nonce *, const unsigned char *k,
	    const unsigned char *pt, size_t ptlen);

/*
 * 1 when a public key is in canonical form: below 2^255 - 19, so bit
 * 255 clear.  X25519 ignores bit 255 and reduces modulo p, so without
 * this check one sensor key would have several spellings and a
 * datagram could be replayed under another of them.
 */
int	 wire_pk_canonical(const unsigned char pk[WIRE_PKLEN]);

/*
 * Open a datagram: the sender key and nonce are read from it, the
 * shared key for that sender comes from the caller.  Returns plaintext
 * length, or -1 when the datagram is too short or fails authentication.
 */
ssize_t	 wire_open(unsigned char *pt, size_t ptsz, const unsigned char *k,
	    const unsigned char *dgram, size_t len);

#endif /* NCAP_WIRE_H */
