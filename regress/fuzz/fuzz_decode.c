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
 * libFuzzer harness for the packet decoder.  The first byte picks one
 * of the link types decode_linktype_ok() accepts, the rest is the
 * frame.  Every record emitted, the Connection records of the
 * connections it opened included, is packed, unpacked and packed
 * again, and must come back byte for byte: what the sensor sends is
 * what the collector reads.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ncagentd/ncagentd.h"
#include "records.h"
#include "fuzz.h"

/* link types are scanned up to here (LINKTYPE_LINUX_SLL2 is 276) */
#define DLT_SCAN	1024
#define MAX_DLTS	64
/* a fixed timestamp: the decoder only copies it */
#define FUZZ_TS		((int64_t)1700000000 * 1000000000)

/* small, so that every input's connections are few and emitted */
#define FUZZ_CONNS	64

static int			 dlts[MAX_DLTS];
static size_t			 ndlts;
static struct type_stats	*tstats;
static size_t			 nemitted;
static uint64_t			 nevicted;

static void	 fuzz_decode_init(void);
static void	 fuzz_emit(void *, int, const ProtobufCMessage *);

static void
fuzz_decode_init(void)
{
	struct agent_conf	 conf;
	int			 dlt;

	if (tstats != NULL)
		return;
	if ((tstats = calloc(nrectypes, sizeof(*tstats))) == NULL)
		abort();
	decode_init(fuzz_emit, NULL, tstats);
	memset(&conf, 0, sizeof(conf));
	conf.conn_table_size = FUZZ_CONNS;
	conf.conn_idle_timeout = 60;
	conf.conn_active_timeout = 300;
	flow_init(&conf, fuzz_emit, NULL, tstats, &nevicted);
	for (dlt = 0; dlt < DLT_SCAN && ndlts < MAX_DLTS; dlt++)
		if (decode_linktype_ok(dlt) == 0)
			dlts[ndlts++] = dlt;
	if (ndlts == 0)
		abort();
}

/*
 * A byte names the link type whose low byte it is (how seeds.py
 * writes them); any other byte still picks one, so no input is
 * wasted on a link type that is not decoded.
 */
int
fuzz_decode_linktype(uint8_t b)
{
	size_t	 i;

	fuzz_decode_init();
	for (i = 0; i < ndlts; i++)
		if ((dlts[i] & 0xff) == b)
			return (dlts[i]);
	return (dlts[b % ndlts]);
}

static void
fuzz_emit(void *arg, int type, const ProtobufCMessage *msg)
{
	ProtobufCMessage	*back;
	uint8_t			*p1, *p2;
	size_t			 sz;

	nemitted++;
	if (type < 0 || (size_t)type >= nrectypes ||
	    msg->descriptor != rectypes[type]) {
		fprintf(stderr, "record of type %d is a %s\n", type,
		    msg->descriptor->name);
		abort();
	}
	if (!protobuf_c_message_check(msg)) {
		fprintf(stderr, "%s: fails protobuf_c_message_check\n",
		    msg->descriptor->name);
		abort();
	}
	sz = protobuf_c_message_get_packed_size(msg);
	if ((p1 = malloc(sz + 1)) == NULL || (p2 = malloc(sz + 1)) == NULL)
		abort();
	if (protobuf_c_message_pack(msg, p1) != sz)
		abort();
	if ((back = protobuf_c_message_unpack(rectypes[type], NULL, sz,
	    p1)) == NULL) {
		fprintf(stderr, "%s: %zu packed bytes do not unpack\n",
		    msg->descriptor->name, sz);
		abort();
	}
	if (protobuf_c_message_get_packed_size(back) != sz ||
	    protobuf_c_message_pack(back, p2) != sz ||
	    memcmp(p1, p2, sz) != 0) {
		fprintf(stderr, "%s: does not round-trip\n",
		    msg->descriptor->name);
		abort();
	}
	protobuf_c_message_free_unpacked(back, NULL);
	free(p1);
	free(p2);
}

size_t
fuzz_decode(const uint8_t *data, size_t size)
{
	uint8_t	*frame;
	size_t	 before;
	int	 dlt;

	if (size < 1)
		return (0);
	dlt = fuzz_decode_linktype(data[0]);
	/* an exact-size copy: any read past the frame is an overflow */
	if ((frame = malloc(size - 1 ? size - 1 : 1)) == NULL)
		abort();
	memcpy(frame, data + 1, size - 1);
	before = nemitted;
	decode_packet(dlt, FUZZ_TS, frame, size - 1, size - 1);
	free(frame);
	/* the connections it opened, emitted: each input starts afresh */
	flow_shutdown();
	return (nemitted - before);
}

#ifdef NCAP_LIBFUZZER
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(data, size);
	return (0);
}
#endif
