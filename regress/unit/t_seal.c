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
 * Wire format v1 sealing: the layout matches plain crypto_box_easy,
 * the nonce is session id then big-endian sequence number, and one
 * flipped bit anywhere in a datagram makes the collector reject it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wire.h"
#include "tap.h"



/* what the collector does: shared key from the datagram's sender key */
static ssize_t
collector_open(unsigned char *pt, size_t ptsz, const unsigned char *csk,
    const unsigned char *dg, size_t len)
{
	unsigned char	k[crypto_box_BEFORENMBYTES];

	if (len < WIRE_PKLEN || !wire_pk_canonical(dg) ||
	    crypto_box_beforenm(k, dg, csk) != 0)
		return (-1);
	return (wire_open(pt, ptsz, k, dg, len));
}

int
main(void)
{
	unsigned char		 cpk[32], csk[32], spk[32], ssk[32];
	unsigned char		 k[crypto_box_BEFORENMBYTES];
	unsigned char		 k2[crypto_box_BEFORENMBYTES];
	unsigned char		 kc[crypto_box_BEFORENMBYTES];
	unsigned char		 pt[300], out[300], dg[300 + WIRE_OVERHEAD];
	unsigned char		 ref[300 + crypto_box_MACBYTES];
	unsigned char		 nb[WIRE_NONCELEN];
	struct wire_nonce	 n, m;
	size_t			 dlen, i;
	ssize_t			 r;
	int			 bad, b;
	static const unsigned char seqbe[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	if (sodium_init() == -1)
		return (1);
	crypto_box_keypair(cpk, csk);
	crypto_box_keypair(spk, ssk);
	if (crypto_box_beforenm(k, cpk, ssk) != 0)
		return (1);
	randombytes_buf(pt, sizeof(pt));
	randombytes_buf(n.session, sizeof(n.session));

	n.seq = 0x0102030405060708ULL;
	wire_nonce_encode(nb, &n);
	ok(memcmp(nb, n.session, WIRE_SESSIONLEN) == 0,
	    "nonce starts with the session id");
	ok(memcmp(nb + WIRE_SESSIONLEN, seqbe, 8) == 0,
	    "nonce ends with the sequence number, big-endian");
	wire_nonce_decode(&m, nb);
	ok(m.seq == n.seq && memcmp(m.session, n.session,
	    WIRE_SESSIONLEN) == 0, "nonce decodes back");

	n.seq = 1;
	dlen = wire_seal(dg, spk, &n, k, pt, sizeof(pt));
	ok(dlen == sizeof(pt) + 72, "datagram is plaintext + 72 bytes");
	ok(memcmp(dg, spk, 32) == 0, "datagram starts with the sensor key");
	wire_nonce_encode(nb, &n);
	ok(memcmp(dg + 32, nb, 24) == 0, "then the nonce");
	/* an independent computation with crypto_box_easy */
	ok(crypto_box_easy(ref, pt, sizeof(pt), nb, cpk, ssk) == 0 &&
	    memcmp(dg + 56, ref, sizeof(ref)) == 0,
	    "then exactly what crypto_box_easy gives: tag, ciphertext");

	if (crypto_box_beforenm(kc, spk, csk) != 0)
		return (1);
	r = collector_open(out, sizeof(out), csk, dg, dlen);
	ok(r == (ssize_t)sizeof(pt) && memcmp(out, pt, sizeof(pt)) == 0,
	    "the collector opens it");

	bad = 0;
	for (i = 0; i < dlen; i++) {
		for (b = 0; b < 8; b++) {
			dg[i] ^= (unsigned char)(1 << b);
			if (collector_open(out, sizeof(out), csk, dg, dlen) !=
			    -1)
				bad++;
			dg[i] ^= (unsigned char)(1 << b);
		}
	}
	ok(bad == 0, "every one of the datagram's bits flipped is rejected");
	ok(collector_open(out, sizeof(out), csk, dg, dlen) ==
	    (ssize_t)sizeof(pt), "and the unflipped datagram still opens");

	/* X25519 ignores bit 255: without the check this one would open */
	dg[31] ^= 0x80;
	ok(crypto_box_beforenm(k2, dg, csk) == 0 && memcmp(k2, kc,
	    sizeof(kc)) == 0, "bit 255 of the sender key does not change "
	    "the shared key");
	ok(!wire_pk_canonical(dg), "so a key with bit 255 set is not "
	    "canonical");
	dg[31] ^= 0x80;
	memset(k2, 0xff, 32);
	k2[0] = 0xec;
	k2[31] = 0x7f;
	ok(wire_pk_canonical(k2), "2^255 - 20 is canonical");
	k2[0] = 0xed;
	ok(!wire_pk_canonical(k2), "2^255 - 19 is not");

	ok(collector_open(out, sizeof(out), csk, dg, dlen - 1) == -1,
	    "a datagram one byte short is rejected");
	ok(collector_open(out, sizeof(out), csk, dg, WIRE_MIN - 1) == -1,
	    "a datagram shorter than the overhead is rejected");
	ok(wire_open(out, 10, k, dg, dlen) == -1,
	    "a plaintext larger than the buffer is refused");

	/* the plaintext holds at least its encoding byte */
	dlen = wire_seal(dg, spk, &n, k, pt, 0);
	ok(dlen == WIRE_OVERHEAD && collector_open(out, sizeof(out), csk, dg,
	    dlen) == -1, "a datagram without an encoding byte is rejected");
	dlen = wire_seal(dg, spk, &n, k, pt, 1);
	ok(collector_open(out, sizeof(out), csk, dg, dlen) == 1,
	    "one with just the encoding byte opens");

	printf("1..%d\n", ntest);
	return (nfail ? 1 : 0);
}
