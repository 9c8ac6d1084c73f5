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

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncap.h"
#include "ncap.pb-c.h"
#include "records.h"
#include "varint.h"

#ifndef NCAP_VERSION
#define NCAP_VERSION	"0"
#endif

size_t
ncap_header_encode(unsigned char *buf, size_t len, const char *sensor,
    const char *type, int64_t created_ns)
{
	Header		 h;
	unsigned char	 pfx[VARINT_MAX];
	size_t		 hlen, plen;

	header__init(&h);
	/* the casts only satisfy the generated struct; pack reads them */
	h.magic = (char *)(uintptr_t)NCAP_MAGIC;
	h.format = NCAP_FORMAT;
	h.created = created_ns;
	h.sensor = (char *)(uintptr_t)(sensor != NULL ? sensor : "");
	h.record_type = (char *)(uintptr_t)(type != NULL ? type : "");
	h.software_version = (char *)(uintptr_t)NCAP_VERSION;

	hlen = header__get_packed_size(&h);
	plen = varint_put(pfx, hlen);
	if (hlen > NCAP_MAX_RECORD || len < plen || len - plen < hlen)
		return (0);
	memcpy(buf, pfx, plen);
	if (header__pack(&h, buf + plen) != hlen)
		return (0);
	return (plen + hlen);
}

/*
 * Read one varint-framed record into r->buf.  what names the record
 * in messages.  1 a record, 0 clean end of file, -1 error.
 */
static int
ncap_read(struct ncap_reader *r, const char *what, size_t *lenp, char *err,
    size_t errlen)
{
	unsigned char	 pfx[VARINT_MAX];
	uint64_t	 start = r->off, len;
	size_t		 n = 0, got;
	int		 c;

	/* the length: bytes up to one without the continuation bit */
	for (;;) {
		if ((c = getc(r->fp)) == EOF) {
			if (ferror(r->fp)) {
				snprintf(err, errlen, "%s at offset %" PRIu64
				    ": read: %s", what, start,
				    strerror(errno));
				return (-1);
			}
			if (n == 0)
				return (0);
			snprintf(err, errlen, "%s at offset %" PRIu64
			    ": truncated length prefix: %s", what, start,
			    NCAP_TORN);
			r->torn = 1;
			return (-1);
		}
		pfx[n++] = (unsigned char)c;
		if ((c & 0x80) == 0 || n == sizeof(pfx))
			break;
	}
	if (varint_get(pfx, n, &len) != n) {
		snprintf(err, errlen, "%s at offset %" PRIu64
		    ": bad length prefix", what, start);
		return (-1);
	}
	if (len > NCAP_MAX_RECORD || len > r->bufsz) {
		snprintf(err, errlen, "%s at offset %" PRIu64 ": length %"
		    PRIu64 " exceeds the limit of %d bytes", what, start, len,
		    NCAP_MAX_RECORD);
		return (-1);
	}
	r->off += n;

	got = fread(r->buf, 1, (size_t)len, r->fp);
	r->off += got;
	if (got != len) {
		if (ferror(r->fp))
			snprintf(err, errlen, "%s at offset %" PRIu64
			    ": read: %s", what, start, strerror(errno));
		else {
			snprintf(err, errlen, "%s at offset %" PRIu64
			    ": truncated, %zu of %" PRIu64 " bytes: %s", what,
			    start, got, len, NCAP_TORN);
			r->torn = 1;
		}
		return (-1);
	}
	*lenp = (size_t)len;
	return (1);
}

int
ncap_open(struct ncap_reader *r, FILE *fp, char *err, size_t errlen)
{
	size_t	 len;
	int	 rv;

	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->type = -1;
	r->bufsz = NCAP_MAX_RECORD;
	if ((r->buf = malloc(r->bufsz)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return (-1);
	}

	if ((rv = ncap_read(r, "header", &len, err, errlen)) == 0)
		snprintf(err, errlen, "empty file, no header");
	if (rv != 1)
		goto fail;

	if ((r->hdr = header__unpack(NULL, len, r->buf)) == NULL) {
		snprintf(err, errlen, "not an ncap file (no header)");
		goto fail;
	}
	if (r->hdr->magic == NULL || strcmp(r->hdr->magic, NCAP_MAGIC) != 0) {
		snprintf(err, errlen, "not an ncap file (bad magic)");
		goto fail;
	}
	if (r->hdr->format != NCAP_FORMAT) {
		snprintf(err, errlen, "format %" PRIu32 " not supported "
		    "(this is format %d)", r->hdr->format, NCAP_FORMAT);
		goto fail;
	}
	if ((r->type = rectype_byname(r->hdr->record_type)) == -1) {
		snprintf(err, errlen, "unknown record type \"%.64s\"",
		    r->hdr->record_type != NULL ? r->hdr->record_type : "");
		goto fail;
	}
	return (0);
 fail:
	ncap_close(r);
	return (-1);
}

int
ncap_next(struct ncap_reader *r, const unsigned char **rec, size_t *len,
    char *err, size_t errlen)
{
	char	 what[48];
	int	 rv;

	/* records count from 1, after the header */
	snprintf(what, sizeof(what), "record %" PRIu64, r->nrec + 1);
	if ((rv = ncap_read(r, what, len, err, errlen)) != 1)
		return (rv);
	r->nrec++;
	*rec = r->buf;
	return (1);
}

/* the stream stays open: it belongs to whoever passed it in */
void
ncap_close(struct ncap_reader *r)
{
	if (r->hdr != NULL)
		header__free_unpacked(r->hdr, NULL);
	free(r->buf);
	r->hdr = NULL;
	r->buf = NULL;
	r->bufsz = 0;
	r->type = -1;
}
