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
 * From an authenticated plaintext to records fit to store: the
 * encoding byte, decompress with a hard limit, the Batch, its sensor
 * name and type, and every framed record, valid for any reader of its
 * type (validate.c).  Used by the receiver and,
 * on its own, by the fuzzer (regress/fuzz/fuzz_collector.c), so it
 * keeps no state but what the caller hands it.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zstd.h>

#include "ncap.h"
#include "nccollectd.h"
#include "records.h"
#include "util.h"
#include "varint.h"

/* a Zstandard frame's magic number, little-endian: 0xfd2fb528 */
static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

struct unpacker {
	struct libdeflate_decompressor	*dz;
	ZSTD_DCtx			*zd;
	unsigned char			*buf;	/* WIRE_MAX_BATCH */
};

static int	 unpack_fail(struct checked_batch *, enum drop_cause *,
		    const char **, enum drop_cause, const char *);
static int	 unpack_zstd(struct unpacker *, const unsigned char *,
		    size_t, size_t *, enum drop_cause *, const char **);

struct unpacker *
unpacker_new(void)
{
	struct unpacker	*up;

	if ((up = calloc(1, sizeof(*up))) == NULL)
		return (NULL);
	if ((up->buf = malloc(WIRE_MAX_BATCH)) != NULL &&
	    (up->dz = libdeflate_alloc_decompressor()) != NULL &&
	    (up->zd = ZSTD_createDCtx()) != NULL)
		return (up);
	if (up->dz != NULL)
		libdeflate_free_decompressor(up->dz);
	free(up->buf);
	free(up);
	return (NULL);
}

static int
unpack_fail(struct checked_batch *out, enum drop_cause *why,
    const char **what, enum drop_cause cause, const char *msg)
{
	batch_unpack_free(out);
	strlcpy(out->fault, msg, sizeof(out->fault));
	*why = cause;
	*what = out->fault;
	return (-1);
}

/*
 * One Zstandard frame, z bytes of it and nothing after, into up->buf:
 * its length in *blen, or -1 with why and what.  Only the current
 * format, by its magic number: neither a skippable frame nor one of
 * the legacy formats the library may still read.  The frame must say
 * how long its content is, and no longer than a batch may be, before a
 * byte of it is decompressed; then it is decompressed into exactly
 * that room, which it must fill: the library stops at the end of the
 * room, and checks the content against the size the frame stated.
 * Single-pass decompression needs no window: the context allocates
 * nothing, whatever window size the frame asks for.
 */
static int
unpack_zstd(struct unpacker *up, const unsigned char *z, size_t zlen,
    size_t *blen, enum drop_cause *why, const char **what)
{
	unsigned long long	 size;
	size_t			 n;

	*why = DROP_ZSTD;
	*what = "bad zstd frame";
	if (zlen < sizeof(zstd_magic) ||
	    memcmp(z, zstd_magic, sizeof(zstd_magic)) != 0)
		return (-1);
	size = ZSTD_getFrameContentSize(z, zlen);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
		return (-1);
	if (size > WIRE_MAX_BATCH) {
		*why = DROP_BOMB;
		*what = "inflates past the batch limit";
		return (-1);
	}
	/* one frame and nothing after it */
	n = ZSTD_findFrameCompressedSize(z, zlen);
	if (ZSTD_isError(n) || n != zlen)
		return (-1);
	n = ZSTD_decompressDCtx(up->zd, up->buf, (size_t)size, z, zlen);
	if (ZSTD_isError(n) || n != size)
		return (-1);
	*blen = n;
	return (0);
}

/*
 * pt holds the encoding byte and the batch; out points into up's
 * buffer (or into pt) until batch_unpack_free().  On -1 nothing is
 * held but the text of what, in out, and why and what say why the
 * datagram is dropped.
 */
int
batch_unpack(const unsigned char *pt, size_t len, struct unpacker *up,
    struct checked_batch *out, enum drop_cause *why, const char **what)
{
	const unsigned char	*buf;
	Batch			*b;
	size_t			 blen, zlen, body = 1;
	ssize_t			 unpadded;
	enum drop_cause		 cause;
	const char		*zmsg;
	uint32_t		 n = 0;
	int			 type;
	char			 msg[sizeof(out->fault)];

	memset(out, 0, sizeof(*out));
	if (len < 1)
		return (unpack_fail(out, why, what, DROP_ENCODING,
		    "empty plaintext"));
	if (pt[0] & WIRE_ENC_PADDED) {
		if ((unpadded = wire_unpad(pt, len)) < 1)
			return (unpack_fail(out, why, what, DROP_ENCODING,
			    "bad padding"));
		len = (size_t)unpadded;
	}
	/* the datagram the batch first went out in, when not this one */
	if (pt[0] & WIRE_ENC_ORIGIN) {
		if (len < 1 + WIRE_ORIGINLEN ||
		    be64_get(pt + 1 + WIRE_NONCELEN) == 0)
			return (unpack_fail(out, why, what, DROP_ENCODING,
			    "bad origin"));
		out->origin = pt + 1;
		body = 1 + WIRE_ORIGINLEN;
	}
	switch (pt[0] & ~WIRE_ENC_FLAGS) {
	case WIRE_ENC_RAW:
		buf = pt + body;
		blen = len - body;
		break;
	case WIRE_ENC_ZLIB:
		/*
		 * The limit is the room given: libdeflate writes nothing
		 * past it and says so.  It tells how long the stream was
		 * and what it inflated to.  It reads a few bytes ahead,
		 * and up to 8 zero bytes past the end of a stream cut
		 * short: one cut within a few bytes of where it reaches
		 * the limit may count as the other of the two.
		 */
		switch (libdeflate_zlib_decompress_ex(up->dz, pt + body,
		    len - body, up->buf, WIRE_MAX_BATCH, &zlen, &blen)) {
		case LIBDEFLATE_SUCCESS:
			break;
		case LIBDEFLATE_INSUFFICIENT_SPACE:
			/* more output than any batch may hold: a bomb */
			return (unpack_fail(out, why, what, DROP_BOMB,
			    "inflates past the batch limit"));
		default:
			return (unpack_fail(out, why, what, DROP_ZLIB,
			    "bad zlib stream"));
		}
		/* one stream and nothing after it */
		if (zlen != len - body || blen > WIRE_MAX_BATCH)
			return (unpack_fail(out, why, what, DROP_ZLIB,
			    "bad zlib stream"));
		buf = up->buf;
		break;
	case WIRE_ENC_ZSTD:
		if (unpack_zstd(up, pt + body, len - body, &blen, &cause,
		    &zmsg) == -1)
			return (unpack_fail(out, why, what, cause, zmsg));
		buf = up->buf;
		break;
	default:
		return (unpack_fail(out, why, what, DROP_ENCODING,
		    "unknown encoding"));
	}

	if ((b = batch__unpack(NULL, blen, buf)) == NULL)
		return (unpack_fail(out, why, what, DROP_PROTOBUF,
		    "not a batch"));
	out->batch = b;
	if (b->sensor == NULL || !valid_sensor_name(b->sensor,
	    strlen(b->sensor)))
		return (unpack_fail(out, why, what, DROP_NAME,
		    "sensor name not allowed"));
	if (b->type == NULL || (type = rectype_byname(b->type)) == -1)
		return (unpack_fail(out, why, what, DROP_TYPE,
		    "unknown record type"));
	if (records_check(type, b->records.data, b->records.len, &n, &cause,
	    msg, sizeof(msg)) == -1)
		return (unpack_fail(out, why, what, cause, msg));
	if (n != b->count)
		return (unpack_fail(out, why, what, DROP_FRAMING,
		    "record framing or count wrong"));
	out->sensor = b->sensor;
	out->typename = b->type;
	out->type = type;
	out->recs = b->records.data;
	out->len = b->records.len;
	out->nrec = n;
	out->encoding = pt[0] & ~WIRE_ENC_FLAGS;
	return (0);
}

/*
 * The records of a batch, or of a message of a stream: each framed,
 * no larger than any reader takes, and what its type says it is for
 * any reader (validate.c); at least one.
 */
int
records_check(int type, const unsigned char *recs, size_t len, uint32_t *np,
    enum drop_cause *why, char *fault, size_t faultlen)
{
	struct frame_iter	 it;
	struct rec_fault	 f;
	const unsigned char	*rec;
	size_t			 reclen;
	uint32_t		 n = 0;
	int			 r;
	char			 fs[160];

	frame_iter_init(&it, recs, len);
	while ((r = frame_next(&it, &rec, &reclen)) == 1) {
		/* no reader takes a record larger than this */
		if (reclen > NCAP_MAX_RECORD) {
			*why = DROP_RECORD;
			strlcpy(fault, "a record larger than any may be",
			    faultlen);
			return (-1);
		}
		/*
		 * every record must be what the batch says it is, for any
		 * reader: checked on the wire, where protobuf-c would hide
		 * a value out of range, and without building the message:
		 * what the check passes protobuf-c unpacks (the collector's
		 * fuzzer unpacks every record it passes, and aborts if not)
		 */
		if (record_check(rectypes[type], rec, reclen, &f) == -1) {
			rec_fault_str(&f, fs, sizeof(fs));
			snprintf(fault, faultlen, "record %u: %s", n + 1, fs);
			*why = DROP_RECORD;
			return (-1);
		}
		n++;
	}
	if (r == -1 || n == 0) {
		*why = DROP_FRAMING;
		strlcpy(fault, "record framing or count wrong", faultlen);
		return (-1);
	}
	*np = n;
	return (0);
}

void
batch_unpack_free(struct checked_batch *cb)
{
	if (cb->batch != NULL)
		batch__free_unpacked(cb->batch, NULL);
	memset(cb, 0, sizeof(*cb));
}
