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

#ifndef NCAP_NCAP_H
#define NCAP_NCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ncap.pb-c.h"

/*
 * The .ncap file: a Header record, then the records, each preceded
 * by its length as a varint.  The header names the record type, so a
 * file can be read without knowing its name.
 */
#define NCAP_MAGIC		"ncap"
#define NCAP_FORMAT		1
#define NCAP_MAX_RECORD		(64 * 1024)	/* no record is larger */

/* encode a header into buf (varint-framed); bytes written or 0 */
size_t	 ncap_header_encode(unsigned char *buf, size_t len,
	    const char *sensor, const char *type, int64_t created_ns);

/* reading: one framed record at a time from a stdio stream */
struct ncap_reader {
	FILE		*fp;
	unsigned char	*buf;
	size_t		 bufsz;
	uint64_t	 nrec;		/* records read, header excluded */
	uint64_t	 off;		/* bytes consumed from fp */
	Header		*hdr;
	int		 type;		/* index into rectypes[] */
	int		 torn;		/* the file ends inside a record */
};

/*
 * A file that ends inside a record has a torn tail: the collector died
 * while writing it (it cuts such a tail when it opens the file again),
 * or is writing it now.  Every record before it is whole.
 */
#define NCAP_TORN	"a torn tail (a crash, or a write under way); every " \
			"record before it is whole"

/* 0 and the header read, or -1 with a message in err */
int	 ncap_open(struct ncap_reader *, FILE *, char *err, size_t errlen);
/* 1 a record, 0 clean end, -1 truncated or corrupt (message in err) */
int	 ncap_next(struct ncap_reader *, const unsigned char **rec,
	    size_t *len, char *err, size_t errlen);
void	 ncap_close(struct ncap_reader *);

#endif /* NCAP_NCAP_H */
