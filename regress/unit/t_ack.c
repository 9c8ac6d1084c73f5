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
 * The acknowledgement of wire format v2, against bytes PyNaCl and
 * Python's hashlib made from the manual's description (the key, the
 * nonce and the plaintext of the datagram below), and then as it goes
 * both ways through wire.c.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tap.h"
#include "wire.h"

/* K = 00 01 .. 1f; A = BLAKE2b-256 of "ncap v2 ack" keyed with K */
static const char	 ack_a[] =
    "94cb673de2b4f2e81dd007965188e49fe13c04d1269f5869df53e3bc773f10bb";
/* N = 24 bytes 0x11, nonce ff 01 .. 17, D 1000, credit 500, 05 80 */
static const char	 ack_dg[] =
    "0201111111111111111111111111111111111111111111111111ff0102030405"
    "060708090a0b0c0d0e0f1011121314151617323e2b642a811f237a6107610e7b"
    "b1d660c0015141a4bac5ea3604dd69b658c4";

static void
hex(unsigned char *out, size_t len, const char *s)
{
	size_t	n;

	if (sodium_hex2bin(out, len, s, strlen(s), NULL, &n, NULL) != 0 ||
	    n != len)
		printf("Bail out! bad test vector\n");
}

int
main(void)
{
	unsigned char	 k[WIRE_KEYLEN], a[WIRE_KEYLEN], want[WIRE_KEYLEN];
	unsigned char	 dg[82], out[WIRE_ACK_MAX], sn[WIRE_NONCELEN];
	struct wire_ack	 ack, got;
	size_t		 i, len;
	int		 bad;

	if (sodium_init() == -1)
		return (1);
	for (i = 0; i < sizeof(k); i++)
		k[i] = (unsigned char)i;
	hex(want, sizeof(want), ack_a);
	hex(dg, sizeof(dg), ack_dg);

	wire_ack_key(a, k);
	ok(memcmp(a, want, sizeof(a)) == 0, "A is BLAKE2b of the context "
	    "keyed with K, as hashlib makes it");
	ok(wire_ack_session(dg, sizeof(dg)) == dg + 2,
	    "PyNaCl's ack names its session at offset 2");
	ok(wire_ack_open(&got, dg, sizeof(dg), a) == 0,
	    "PyNaCl's ack opens");
	ok(got.done == 1000 && got.credit == 500 && got.nbitmap == 2,
	    "D 1000, credit 500, a bitmap of 2 bytes");
	ok(wire_ack_done(&got, 1) && wire_ack_done(&got, 1000) &&
	    !wire_ack_done(&got, 1001) && wire_ack_done(&got, 1002) &&
	    !wire_ack_done(&got, 1003) && wire_ack_done(&got, 1004) &&
	    wire_ack_done(&got, 1017) && !wire_ack_done(&got, 1018) &&
	    !wire_ack_done(&got, 5000),
	    "done: 1 to 1000, 1002, 1004 and 1017 (bits 0, 2, 15)");

	/*
	 * Every byte matters: header, nonce, tag, ciphertext.  N is not
	 * sealed, it chooses the key: another N finds another session's
	 * A, or none, and the ack does not open under it.
	 */
	bad = 0;
	for (i = 0; i < sizeof(dg); i++) {
		if (i >= WIRE_ACK_OFF_SNONCE && i < WIRE_ACK_OFF_NONCE)
			continue;
		dg[i] ^= 0x01;
		if (wire_ack_open(&got, dg, sizeof(dg), a) == 0)
			bad++;
		dg[i] ^= 0x01;
	}
	ok(bad == 0, "a flipped bit anywhere is refused (%d opened)", bad);
	ok(wire_ack_open(&got, dg, sizeof(dg) - 1, a) == -1,
	    "so is a datagram cut short");
	ok(wire_ack_open(&got, dg, sizeof(dg), k) == -1,
	    "and one opened with K instead of A");

	/* our seal, our open */
	memset(&ack, 0, sizeof(ack));
	memset(sn, 0x22, sizeof(sn));
	ack.done = 7;
	ack.credit = 960;
	ok(wire_ack_set(&ack, 7) == 0 && ack.nbitmap == 0,
	    "setting what D covers changes nothing");
	ok(wire_ack_set(&ack, 8) == -1, "D + 1 is D's to move, not a bit's");
	ok(wire_ack_set(&ack, 9) == 0 && wire_ack_set(&ack, 1032) == 0 &&
	    ack.nbitmap == 128, "D + 2 and D + 1025 set, 128 bytes of bitmap");
	ok(wire_ack_set(&ack, 1033) == -1, "D + 1026 is out of reach");
	len = wire_ack_seal(out, sn, a, &ack);
	ok(len == WIRE_ACK_MAX, "a full ack is %zu bytes", len);
	ok(wire_ack_open(&got, out, len, a) == 0 && got.done == 7 &&
	    got.credit == 960 && wire_ack_done(&got, 9) &&
	    wire_ack_done(&got, 1032) && !wire_ack_done(&got, 8) &&
	    !wire_ack_done(&got, 10), "it opens to what was sealed");
	ok(memcmp(wire_ack_session(out, len), sn, sizeof(sn)) == 0,
	    "naming its session");
	ok(out[WIRE_ACK_OFF_NONCE] == 0xff, "its nonce starts with 0xff");
	ack.nbitmap = 0;
	len = wire_ack_seal(out, sn, a, &ack);
	ok(len == WIRE_ACK_MIN, "an ack without a bitmap is %zu bytes", len);
	out[1] = 0;
	ok(wire_ack_session(out, len) == NULL, "kind 0 is no ack");
	out[1] = WIRE_KIND_ACK;
	out[WIRE_ACK_OFF_NONCE] = 0;
	ok(wire_ack_session(out, len) == NULL,
	    "nor is one whose nonce could be a datagram's");

	printf("1..%d\n", ntest);
	return (nfail ? 1 : 0);
}
