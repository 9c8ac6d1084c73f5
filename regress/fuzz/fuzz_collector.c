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
 * libFuzzer harness for the collector's path from an authenticated
 * plaintext (encoding byte and Batch) to records fit to store:
 * batch_unpack() in nccollectd/unpack.c, as the receiver calls it.
 * What it accepts must be what spool_append() may write: a valid
 * sensor name, a known type, and exactly nrec well-framed records,
 * each of which protobuf-c reads and writes back as a record the
 * check (nccollectd/validate.c) passes too.  protobuf-c must never
 * refuse a record the check passed: the check is meant to be the
 * stricter of the two.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nccollectd/nccollectd.h"
#include "ncap.h"
#include "records.h"
#include "util.h"
#include "varint.h"
#include "fuzz.h"

static struct unpacker	*unpacker;
static char		 lastwhy[sizeof(((struct checked_batch *)0)->fault)];

static void	 fuzz_record_check(const ProtobufCMessageDescriptor *,
		    const unsigned char *, size_t);
static void	 fuzz_collector_check(const struct checked_batch *);

/*
 * A stored record, as protobuf-c reads and writes it back.  The
 * receiver checks records on the wire only; that protobuf-c unpacks
 * every record the check passes is held here, not there.
 */
static void
fuzz_record_check(const ProtobufCMessageDescriptor *desc,
    const unsigned char *rec, size_t len)
{
	struct rec_fault	 f;
	ProtobufCMessage	*m;
	unsigned char		*out;
	size_t			 olen;
	char			 text[256];

	if (record_check(desc, rec, len, &f) == -1)
		abort();
	if ((m = protobuf_c_message_unpack(desc, NULL, len, rec)) == NULL)
		abort();
	olen = protobuf_c_message_get_packed_size(m);
	if ((out = malloc(olen ? olen : 1)) == NULL)
		abort();
	if (protobuf_c_message_pack(m, out) != olen)
		abort();
	if (record_check(desc, out, olen, &f) == -1) {
		rec_fault_str(&f, text, sizeof(text));
		fprintf(stderr, "protobuf-c wrote back a bad record: %s\n",
		    text);
		abort();
	}
	free(out);
	protobuf_c_message_free_unpacked(m, NULL);
}

/* what the receiver would append, checked again on its own */
static void
fuzz_collector_check(const struct checked_batch *cb)
{
	struct frame_iter	 it;
	const unsigned char	*rec;
	size_t			 reclen;
	uint32_t		 n = 0;
	int			 r;

	if (cb->sensor == NULL || !valid_sensor_name(cb->sensor,
	    strlen(cb->sensor)) || cb->type < 0 ||
	    (size_t)cb->type >= nrectypes ||
	    strcmp(cb->typename, rectypes[cb->type]->name) != 0 ||
	    cb->nrec == 0 || cb->recs == NULL || cb->encoding < 0 ||
	    cb->encoding >= WIRE_NENC) {
		fprintf(stderr, "accepted a batch that is not valid\n");
		abort();
	}
	frame_iter_init(&it, cb->recs, cb->len);
	while ((r = frame_next(&it, &rec, &reclen)) == 1) {
		if (reclen > NCAP_MAX_RECORD)
			abort();
		fuzz_record_check(rectypes[cb->type], rec, reclen);
		n++;
	}
	if (r != 0 || n != cb->nrec) {
		fprintf(stderr, "accepted %u records, %u framed\n",
		    cb->nrec, n);
		abort();
	}
}

uint64_t	 fuzz_origin_seq;
uint8_t		 fuzz_origin_nonce0;

const char *
fuzz_collector(const uint8_t *data, size_t size, uint32_t *nrec)
{
	struct checked_batch	 cb;
	enum drop_cause		 why;
	const char		*what;
	unsigned char		*pt;

	if (unpacker == NULL && (unpacker = unpacker_new()) == NULL)
		abort();
	*nrec = 0;
	/* the receiver takes no plaintext longer than a datagram */
	if (size > WIRE_DGRAM_MAX)
		return ("longer than a datagram");
	/* an exact-size copy: any read past the plaintext is an overflow */
	if ((pt = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(pt, data, size);
	if (batch_unpack(pt, size, unpacker, &cb, &why, &what) == -1) {
		free(pt);
		if ((int)why < 0 || why >= DROP_NCAUSES || what == NULL ||
		    cb.batch != NULL)
			abort();
		/* what is in cb, which ends here */
		strlcpy(lastwhy, what, sizeof(lastwhy));
		return (lastwhy);
	}
	fuzz_collector_check(&cb);
	/* an origin is read where the plaintext says, and only then */
	if ((cb.origin != NULL) != ((pt[0] & WIRE_ENC_ORIGIN) != 0) ||
	    (cb.origin != NULL && cb.origin != pt + 1))
		abort();
	fuzz_origin_seq = cb.origin != NULL ?
	    be64_get(cb.origin + WIRE_NONCELEN) : 0;
	fuzz_origin_nonce0 = cb.origin != NULL ? cb.origin[0] : 0;
	*nrec = cb.nrec;
	batch_unpack_free(&cb);
	free(pt);
	return (NULL);
}

#ifdef NCAP_LIBFUZZER
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t	 n;

	fuzz_collector(data, size, &n);
	return (0);
}
#endif
