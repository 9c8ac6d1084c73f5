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
 * Wire format v2: one UDP datagram from sensor to collector.  Every
 * datagram carries its session's certificate, so each one can be
 * opened on its own: a lost datagram costs nothing but itself, and a
 * restarted collector picks up a running session.
 *
 *	off  len
 *	0      1  version (2)
 *	1     32  I, the sensor's identity public key
 *	33    24  N, the session nonce, random per session
 *	57    56  certificate: crypto_box from I to the collector, nonce
 *		  N, of E (32, the session public key) | T (8, big
 *		  endian, session start in ns since the epoch)
 *	113    8  sequence number, big endian, from 1 within the session
 *	121 16+n  crypto_box from E to the collector, nonce 16 zero bytes
 *		  | sequence number, of the plaintext
 *
 * The plaintext is an encoding byte (WIRE_ENC_RAW, WIRE_ENC_ZLIB or
 * WIRE_ENC_ZSTD, or'ed with WIRE_ENC_PADDED when padding follows and
 * with WIRE_ENC_ORIGIN when an origin follows), the origin if any, and
 * a protobuf Batch, as it is, as one zlib stream (RFC 1950) or as one
 * Zstandard frame (RFC 8878) that states its content size; padding is
 * 0x80 then zero bytes (ISO/IEC 7816-4).  A collector takes every
 * encoding; which one a sensor sends is its operator's choice.
 *
 * The origin (WIRE_ORIGINLEN bytes: a session nonce, then a sequence
 * number, big endian) names the datagram a batch first went out in,
 * when a sensor with several collectors seals it again in a session
 * for another: the batch keeps its first name wherever it is stored,
 * so that the collectors of one stream know it for the same batch.
 */
#define WIRE_VERSION		2

/* the collector's UDP port unless configured; the string made from it */
#define NCAP_PORT		4200
#define NCAP_PORT_STR		WIRE_STRING(NCAP_PORT)
#define WIRE_STRING(x)		WIRE_STRING_(x)
#define WIRE_STRING_(x)		#x

#define WIRE_PKLEN		crypto_box_PUBLICKEYBYTES	/* 32 */
#define WIRE_SKLEN		crypto_box_SECRETKEYBYTES	/* 32 */
#define WIRE_KEYLEN		crypto_box_BEFORENMBYTES	/* 32 */
#define WIRE_NONCELEN		crypto_box_NONCEBYTES		/* 24 */
#define WIRE_TAGLEN		crypto_box_MACBYTES		/* 16 */
#define WIRE_CERTPT		(WIRE_PKLEN + 8)
#define WIRE_CERTLEN		(WIRE_TAGLEN + WIRE_CERTPT)	/* 56 */

#define WIRE_OFF_ID		1
#define WIRE_OFF_SNONCE		(WIRE_OFF_ID + WIRE_PKLEN)	/* 33 */
#define WIRE_OFF_CERT		(WIRE_OFF_SNONCE + WIRE_NONCELEN) /* 57 */
#define WIRE_OFF_SEQ		(WIRE_OFF_CERT + WIRE_CERTLEN)	/* 113 */
#define WIRE_HDRLEN		(WIRE_OFF_SEQ + 8)		/* 121 */
/* what identifies a session: version, I, N and the certificate */
#define WIRE_SESSLEN		WIRE_OFF_SEQ
#define WIRE_OVERHEAD		(WIRE_HDRLEN + WIRE_TAGLEN)	/* 137 */
#define WIRE_MIN		(WIRE_OVERHEAD + 1)

#define WIRE_ENC_RAW		0
#define WIRE_ENC_ZLIB		1
#define WIRE_ENC_ZSTD		2
#define WIRE_NENC		3	/* encodings there are */
#define WIRE_ENC_PADDED		0x80
#define WIRE_ENC_ORIGIN		0x40
#define WIRE_ENC_FLAGS		(WIRE_ENC_PADDED | WIRE_ENC_ORIGIN)
#define WIRE_ORIGINLEN		(WIRE_NONCELEN + 8)	/* 32 */
#define WIRE_PAD_MAX		4096

#define WIRE_DGRAM_DEFAULT	1400
#define WIRE_DGRAM_MIN		512
#define WIRE_DGRAM_MAX		65000

/* the largest inflated batch either side accepts (a zip bomb is larger) */
#define WIRE_MAX_BATCH		(192 * 1024)

/*
 * A sensor's session.  k, the key shared between E and the collector,
 * must point to locked memory; E's secret exists only inside
 * wire_session_new().
 */
struct wire_session {
	unsigned char	 hdr[WIRE_SESSLEN];	/* version, I, N, certificate */
	unsigned char	*k;
	uint64_t	 created;		/* T */
	uint64_t	 seq;			/* last used */
};

/*
 * Start a session: a new E, its key with the collector, the
 * certificate under kid (the identity's key with the collector).
 * created must grow from one session to the next.  0, or -1 when the
 * collector key is unusable.
 */
int	 wire_session_new(struct wire_session *, const unsigned char *idpk,
	    const unsigned char *kid, const unsigned char *collpk,
	    uint64_t created);

/*
 * Seal plaintext (ptlen bytes) as the session's next datagram into
 * out, which must hold ptlen + WIRE_OVERHEAD bytes.  Returns the
 * datagram length.
 */
size_t	 wire_seal(unsigned char *out, struct wire_session *,
	    const unsigned char *pt, size_t ptlen);

/*
 * Plaintext bytes (encoding byte included) a datagram of max bytes
 * holds when it is padded to a multiple of pad (0 or 1: no padding).
 */
size_t	 wire_budget(size_t max, size_t pad);

/*
 * Pad a plaintext of *len bytes in a buffer of size bytes to a multiple
 * of block; 0, or -1 when it does not fit.
 */
int	 wire_pad(unsigned char *pt, size_t *len, size_t size, size_t block);
/*
 * A datagram's plaintext (pt, ptlen bytes, padded or not), to be sealed
 * again in another session, into out (room for ptlen +
 * WIRE_ORIGINLEN): without its padding, naming its origin, the
 * datagram it first went out in (session nonce, sequence number)
 * unless it names one already.  Its length, or 0 if pt is not a
 * plaintext of ours.
 */
size_t	 wire_origin_put(unsigned char *out, const unsigned char *pt,
	    size_t ptlen, const unsigned char *nonce, uint64_t seq);
/* the plaintext length without its padding, -1 if the padding is bad */
ssize_t	 wire_unpad(const unsigned char *pt, size_t len);

/*
 * 1 when a public key is in canonical form: below 2^255 - 19, so bit
 * 255 clear.  X25519 ignores bit 255 and reduces modulo p, so without
 * this check one sensor key would have several spellings and a
 * datagram could be replayed under another of them.
 */
int	 wire_pk_canonical(const unsigned char pk[WIRE_PKLEN]);

/* the fixed fields of a datagram of at least WIRE_MIN bytes */
const unsigned char *wire_id(const unsigned char *dgram);
uint64_t wire_seq(const unsigned char *dgram);

/*
 * Open a datagram's certificate with kid, the key shared by its
 * identity and the collector: E and T.  0, or -1 if it is not
 * authentic.
 */
int	 wire_cert_open(const unsigned char *dgram, const unsigned char *kid,
	    unsigned char epk[WIRE_PKLEN], uint64_t *created);

/*
 * Open a datagram with k, the key shared by its E and the collector.
 * Returns the plaintext length, or -1 when the datagram is too short,
 * too long for ptsz or fails authentication.
 */
ssize_t	 wire_open(unsigned char *pt, size_t ptsz, const unsigned char *k,
	    const unsigned char *dgram, size_t len);

/*
 * Acknowledgements: one UDP datagram from the collector to the address
 * a session's datagrams come from, saying which of them are done
 * (stored, or refused for good: sending them again changes nothing).
 *
 *	off  len
 *	0      1  version (2)
 *	1      1  kind (1, an acknowledgement)
 *	2     24  N, the nonce of the session acknowledged
 *	26    24  the ack's nonce: 0xff, then 23 random bytes
 *	50  16+n  crypto_box with A, the session's ack key, of the ack:
 *		  0   8  D, big endian: every datagram numbered 1 to D is
 *			 done (0: none yet)
 *		  8   4  credit, big endian: how many datagrams numbered
 *			 past D the sensor may have sent and not yet seen
 *			 acknowledged
 *		  12  2  m, big endian, 0 to 128: bytes of bitmap
 *		  14  m  bitmap: bit j (byte j / 8, bit j % 8 counted from
 *			 the least significant) set says D + 2 + j is done
 *
 * A is BLAKE2b (crypto_generichash) of the 11 bytes "ncap v2 ack",
 * 32 bytes long, keyed with K, the key E and the collector share: a key
 * of its own, so that no nonce of an ack can meet a datagram's, and so
 * that a sensor can keep A of a session after it wiped K.  A sensor
 * never has more than WIRE_ACK_WINDOW datagrams past D in flight,
 * whatever the credit: the collector's replay window is 1024 wide.
 */
#define WIRE_KIND_ACK		1
#define WIRE_ACK_OFF_SNONCE	2
#define WIRE_ACK_OFF_NONCE	(WIRE_ACK_OFF_SNONCE + WIRE_NONCELEN)	/* 26 */
#define WIRE_ACK_HDRLEN		(WIRE_ACK_OFF_NONCE + WIRE_NONCELEN)	/* 50 */
#define WIRE_ACK_PTMIN		14
#define WIRE_ACK_BITMAP_MAX	128
#define WIRE_ACK_MIN		(WIRE_ACK_HDRLEN + WIRE_TAGLEN + WIRE_ACK_PTMIN)
#define WIRE_ACK_MAX		(WIRE_ACK_MIN + WIRE_ACK_BITMAP_MAX)	/* 208 */
#define WIRE_ACK_WINDOW		960
#define WIRE_ACK_CONTEXT	"ncap v2 ack"

struct wire_ack {
	uint64_t	 done;		/* D */
	uint32_t	 credit;
	uint16_t	 nbitmap;	/* bytes of bitmap */
	unsigned char	 bitmap[WIRE_ACK_BITMAP_MAX];
};

/* A, the ack key, from K */
void	 wire_ack_key(unsigned char a[WIRE_KEYLEN], const unsigned char *k);
/* seal an ack of the session of nonce snonce; the datagram's length */
size_t	 wire_ack_seal(unsigned char out[WIRE_ACK_MAX],
	    const unsigned char *snonce, const unsigned char *a,
	    const struct wire_ack *);
/* the session nonce an ack names, NULL if dgram is not one */
const unsigned char *wire_ack_session(const unsigned char *dgram, size_t len);
/* 0, or -1 if it is not authentic under a or malformed */
int	 wire_ack_open(struct wire_ack *, const unsigned char *dgram,
	    size_t len, const unsigned char *a);
/* 1 if the ack says datagram seq is done */
int	 wire_ack_done(const struct wire_ack *, uint64_t seq);
/* record seq as done in an ack being built: 0, or -1 out of its reach */
int	 wire_ack_set(struct wire_ack *, uint64_t seq);

#endif /* NCAP_WIRE_H */
