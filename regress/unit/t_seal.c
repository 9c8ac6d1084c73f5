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
 * Wire format v2: the layout byte by byte, checked against plain
 * crypto_box_easy/crypto_box_open_easy computed here (not the
 * precomputed-key calls wire.c makes); sequence numbers, session
 * changes, padding; one flipped bit anywhere in a datagram makes the
 * collector reject it.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wire.h"
#include "tap.h"

/* what the collector does: the identity key, the certificate, the box */
static ssize_t
collector_open(unsigned char *pt, size_t ptsz, const unsigned char *csk,
    const unsigned char *dg, size_t len)
{
	unsigned char	kid[WIRE_KEYLEN], ks[WIRE_KEYLEN], epk[WIRE_PKLEN];
	uint64_t	created;

	if (len < WIRE_MIN || dg[0] != WIRE_VERSION ||
	    !wire_pk_canonical(wire_id(dg)) ||
	    crypto_box_beforenm(kid, wire_id(dg), csk) != 0 ||
	    wire_cert_open(dg, kid, epk, &created) == -1 ||
	    crypto_box_beforenm(ks, epk, csk) != 0)
		return (-1);
	return (wire_open(pt, ptsz, ks, dg, len));
}

static uint64_t
be64(const unsigned char *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (v);
}

int
main(void)
{
	struct wire_session	 s;
	unsigned char		 cpk[32], csk[32], ipk[32], isk[32];
	unsigned char		 kid[WIRE_KEYLEN], ks[WIRE_KEYLEN];
	unsigned char		 k2[WIRE_KEYLEN], kc[WIRE_KEYLEN];
	unsigned char		 cert[WIRE_CERTPT], epk[32], oldhdr[WIRE_SESSLEN];
	unsigned char		 pt[300], out[400], dg[400 + WIRE_OVERHEAD];
	unsigned char		 nonce[24], pbuf[64];
	uint64_t		 created;
	size_t			 dlen, i, plen;
	ssize_t			 r;
	int			 bad, b, ok1;

	if (sodium_init() == -1)
		return (1);
	crypto_box_keypair(cpk, csk);
	crypto_box_keypair(ipk, isk);
	if (crypto_box_beforenm(kid, cpk, isk) != 0)
		return (1);
	randombytes_buf(pt, sizeof(pt));
	s.k = ks;
	s.created = 0;

	ok(WIRE_OFF_ID == 1 && WIRE_OFF_SNONCE == 33 && WIRE_OFF_CERT == 57 &&
	    WIRE_OFF_SEQ == 113 && WIRE_HDRLEN == 121 && WIRE_OVERHEAD == 137,
	    "offsets 1, 33, 57, 113, 121; 137 bytes of overhead");
	ok(wire_session_new(&s, ipk, kid, cpk, 0x0102030405060708ULL) == 0,
	    "a session starts");
	dlen = wire_seal(dg, &s, pt, sizeof(pt));
	ok(dlen == sizeof(pt) + 137, "datagram is plaintext + 137 bytes");
	ok(dg[0] == 2, "it starts with version 2");
	ok(memcmp(dg + 1, ipk, 32) == 0, "then the identity key");
	/* the certificate, opened with the plain call from the two keys */
	ok(crypto_box_open_easy(cert, dg + 57, 56, dg + 33, ipk, csk) == 0,
	    "then a nonce and a certificate the identity made for us");
	memcpy(epk, cert, 32);
	ok(be64(cert + 32) == 0x0102030405060708ULL,
	    "the certificate holds the session start, big-endian");
	ok(memcmp(epk, ipk, 32) != 0, "and a session key that is not the "
	    "identity key");
	ok(be64(dg + 113) == 1, "the first sequence number is 1");
	memset(nonce, 0, sizeof(nonce));
	memcpy(nonce + 16, dg + 113, 8);
	ok(crypto_box_open_easy(out, dg + 121, dlen - 121, nonce, epk,
	    csk) == 0 && memcmp(out, pt, sizeof(pt)) == 0,
	    "the box opens from the session key, nonce 16 zeros | sequence");
	ok(wire_id(dg) == dg + 1 && wire_seq(dg) == 1, "wire_id, wire_seq");

	r = collector_open(out, sizeof(out), csk, dg, dlen);
	ok(r == (ssize_t)sizeof(pt) && memcmp(out, pt, sizeof(pt)) == 0,
	    "the collector opens it");
	ok(wire_cert_open(dg, kid, k2, &created) == 0 && memcmp(k2, epk,
	    32) == 0 && created == 0x0102030405060708ULL,
	    "wire_cert_open gives the same key and start");

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

	dlen = wire_seal(dg, &s, pt, sizeof(pt));
	ok(wire_seq(dg) == 2 && collector_open(out, sizeof(out), csk, dg,
	    dlen) == (ssize_t)sizeof(pt), "the next one is number 2");
	/* a new session: new nonce, new session key, numbers from 1 */
	memcpy(oldhdr, s.hdr, sizeof(oldhdr));
	memcpy(k2, ks, sizeof(k2));
	ok(wire_session_new(&s, ipk, kid, cpk, 0x0102030405060709ULL) == 0,
	    "a second session starts");
	dlen = wire_seal(dg, &s, pt, sizeof(pt));
	ok(wire_seq(dg) == 1 && memcmp(dg + 33, oldhdr + 33, 24) != 0 &&
	    memcmp(ks, k2, sizeof(ks)) != 0, "with its own nonce, key, and "
	    "numbers from 1");
	ok(collector_open(out, sizeof(out), csk, dg, dlen) ==
	    (ssize_t)sizeof(pt), "the collector opens it");
	/* the old session's certificate on a new session's box */
	memcpy(dg, oldhdr, sizeof(oldhdr));
	ok(collector_open(out, sizeof(out), csk, dg, dlen) == -1,
	    "an old certificate on a new box is rejected");

	/* a certificate made by another identity for the same key */
	dlen = wire_seal(dg, &s, pt, sizeof(pt));
	crypto_box_keypair(k2, kc);
	memcpy(dg + 1, k2, 32);
	ok(collector_open(out, sizeof(out), csk, dg, dlen) == -1,
	    "another identity key in front of the certificate is rejected");

	/* X25519 ignores bit 255: without the check a second spelling */
	dlen = wire_seal(dg, &s, pt, sizeof(pt));
	if (crypto_box_beforenm(kc, ipk, csk) != 0)
		return (1);
	dg[32] ^= 0x80;
	ok(crypto_box_beforenm(k2, dg + 1, csk) == 0 && memcmp(k2, kc,
	    sizeof(kc)) == 0, "bit 255 of the identity key does not change "
	    "the shared key");
	ok(!wire_pk_canonical(dg + 1), "so a key with bit 255 set is not "
	    "canonical");
	ok(collector_open(out, sizeof(out), csk, dg, dlen) == -1,
	    "and is rejected");
	dg[32] ^= 0x80;
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
	ok(wire_open(out, 10, ks, dg, dlen) == -1,
	    "a plaintext larger than the buffer is refused");
	dg[0] = 1;
	ok(wire_open(out, sizeof(out), ks, dg, dlen) == -1,
	    "version 1 is refused");
	dg[0] = 2;

	/* the plaintext holds at least its encoding byte */
	dlen = wire_seal(dg, &s, pt, 0);
	ok(dlen == WIRE_OVERHEAD && collector_open(out, sizeof(out), csk, dg,
	    dlen) == -1, "a datagram without an encoding byte is rejected");
	dlen = wire_seal(dg, &s, pt, 1);
	ok(collector_open(out, sizeof(out), csk, dg, dlen) == 1,
	    "one with just the encoding byte opens");

	/* padding: ISO/IEC 7816-4 to a multiple of the block */
	ok1 = 1;
	for (plen = 1; plen < 40; plen++) {
		memset(pbuf, 0xaa, sizeof(pbuf));
		i = plen;
		if (wire_pad(pbuf, &i, sizeof(pbuf), 16) == -1 ||
		    i % 16 != 0 || i <= plen || i > plen + 16 ||
		    pbuf[plen] != 0x80 || wire_unpad(pbuf, i) != (ssize_t)plen)
			ok1 = 0;
	}
	ok(ok1, "padding to 16 and back, 1 to 39 bytes");
	i = 48;
	ok(wire_pad(pbuf, &i, 48, 16) == -1, "padding that does not fit "
	    "is refused");
	memset(pbuf, 0, 16);
	ok(wire_unpad(pbuf, 16) == -1, "all zeros is not padding");
	ok(wire_budget(1400, 0) == 1400 - 137 && wire_budget(1400, 1) ==
	    1400 - 137, "no padding: the budget is what the box holds");
	ok(wire_budget(1400, 256) == 1024 - 1 && wire_budget(1400, 100) ==
	    1200 - 1, "padding: the largest multiple, less the 0x80");

	printf("1..%d\n", ntest);
	return (nfail ? 1 : 0);
}
