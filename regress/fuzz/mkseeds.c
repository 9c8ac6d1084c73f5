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
 * Seeds for fuzz_collector: the plaintexts ncagentd would send for
 * some captures.  Every frame is decoded (and at the end of each
 * capture its connections are emitted), its records packed and
 * framed per type, and every BATCH_RECS records of a type become a
 * Batch, written three times: raw (WIRE_ENC_RAW), deflated
 * (WIRE_ENC_ZLIB) and as a Zstandard frame (WIRE_ENC_ZSTD).
 *
 * usage: mkseeds outdir file.pcap ...
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "../../ncagentd/ncagentd.h"
#include "ncap.h"
#include "records.h"
#include "varint.h"

#define BATCH_RECS	8
#define RECS_MAX	(64 * 1024)

struct pending {
	unsigned char	 buf[RECS_MAX];
	size_t		 len;
	uint32_t	 n;
};

static struct pending	*pend;
static const char	*outdir;
static unsigned int	 nseeds;

static void	 emit(void *, int, const ProtobufCMessage *);
static void	 flush(int);
static void	 write_seed(const char *, const unsigned char *, size_t);

static void
write_seed(const char *kind, const unsigned char *p, size_t len)
{
	char	 path[1024];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s-%05u", outdir, kind, nseeds);
	if ((fp = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	if (fwrite(p, 1, len, fp) != len || fclose(fp) != 0)
		err(1, "%s", path);
}

/* one Batch of what a type has pending, raw and deflated */
static void
flush(int type)
{
	Batch		 b = BATCH__INIT;
	unsigned char	*pt, *z;
	uLongf		 zlen;
	size_t		 len, zslen;

	if (pend[type].n == 0)
		return;
	b.sensor = (char *)(uintptr_t)"seed";
	b.type = (char *)(uintptr_t)rectypes[type]->name;
	b.count = pend[type].n;
	b.records.data = pend[type].buf;
	b.records.len = pend[type].len;
	len = batch__get_packed_size(&b);
	zlen = compressBound(len);
	if (ZSTD_compressBound(len) > zlen)
		zlen = ZSTD_compressBound(len);
	zslen = zlen;
	if ((pt = malloc(len + 1)) == NULL || (z = malloc(zlen + 1)) == NULL)
		err(1, NULL);
	pt[0] = WIRE_ENC_RAW;
	batch__pack(&b, pt + 1);
	nseeds++;
	if (len + 1 <= WIRE_DGRAM_MAX)
		write_seed("raw", pt, len + 1);
	z[0] = WIRE_ENC_ZLIB;
	if (compress2(z + 1, &zlen, pt + 1, len, Z_BEST_SPEED) != Z_OK)
		errx(1, "compress2");
	if (zlen + 1 <= WIRE_DGRAM_MAX)
		write_seed("zlib", z, zlen + 1);
	/* at the sensor's level; the frame states its size */
	z[0] = WIRE_ENC_ZSTD;
	zslen = ZSTD_compress(z + 1, zslen, pt + 1, len, -1);
	if (ZSTD_isError(zslen))
		errx(1, "ZSTD_compress: %s", ZSTD_getErrorName(zslen));
	if (zslen + 1 <= WIRE_DGRAM_MAX)
		write_seed("zstd", z, zslen + 1);
	free(pt);
	free(z);
	pend[type].n = 0;
	pend[type].len = 0;
}

static void
emit(void *arg, int type, const ProtobufCMessage *msg)
{
	struct pending	*p = &pend[type];
	size_t		 sz;

	sz = protobuf_c_message_get_packed_size(msg);
	if (sz > NCAP_MAX_RECORD)
		return;
	if (p->len + VARINT_MAX + sz > sizeof(p->buf))
		flush(type);
	p->len += varint_put(p->buf + p->len, sz);
	p->len += protobuf_c_message_pack(msg, p->buf + p->len);
	if (++p->n == BATCH_RECS)
		flush(type);
}

int
main(int argc, char *argv[])
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	struct agent_conf	 conf;
	uint64_t		 evicted;
	struct type_stats	*st;
	struct pcap_pkthdr	*h;
	const u_char		*p;
	pcap_t			*pc;
	size_t			 t;
	int			 i, dlt;

	if (argc < 3) {
		fprintf(stderr, "usage: mkseeds outdir file.pcap ...\n");
		return (1);
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) == -1 && errno != EEXIST)
		err(1, "%s", outdir);
	if ((pend = calloc(nrectypes, sizeof(*pend))) == NULL ||
	    (st = calloc(nrectypes, sizeof(*st))) == NULL)
		err(1, NULL);
	decode_init(emit, NULL, st);
	memset(&conf, 0, sizeof(conf));
	conf.conn_table_size = 1024;
	conf.conn_idle_timeout = 60;
	conf.conn_active_timeout = 300;
	flow_init(&conf, emit, NULL, st, &evicted);
	for (i = 2; i < argc; i++) {
		if ((pc = pcap_open_offline(argv[i], errbuf)) == NULL) {
			warnx("%s", errbuf);
			continue;
		}
		dlt = pcap_datalink(pc);
		if (decode_linktype_ok(dlt) == 0)
			while (pcap_next_ex(pc, &h, &p) == 1)
				decode_packet(dlt, (int64_t)h->ts.tv_sec *
				    1000000000 + h->ts.tv_usec * 1000, p,
				    h->caplen, h->len);
		pcap_close(pc);
		flow_shutdown();
		for (t = 0; t < nrectypes; t++)
			flush((int)t);
	}
	printf("%u batches\n", nseeds);
	return (0);
}
