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

#ifndef NCAP_VARINT_H
#define NCAP_VARINT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Protobuf base-128 varints, the framing of batches and .ncap files:
 * every record is preceded by its length as a varint.
 */
#define VARINT_MAX	10

/*
 * Bytes written to buf (at least VARINT_MAX long), and bytes v takes.
 * Inline: the sensor's packer (pbpack.c) calls them for every field.
 */
static inline size_t
varint_put(unsigned char *buf, uint64_t v)
{
	size_t	 n = 0;

	while (v >= 0x80) {
		buf[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	buf[n++] = (unsigned char)v;
	return (n);
}

static inline size_t
varint_len(uint64_t v)
{
	size_t	 n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return (n);
}

/* bytes consumed, or 0 when buf does not hold a whole, minimal varint */
size_t	 varint_get(const unsigned char *buf, size_t len, uint64_t *v);

/*
 * Walk a framed run of records.  Returns 1 with *rec and *reclen set
 * to the next record, 0 at the clean end, -1 on a bad or truncated
 * frame.
 */
struct frame_iter {
	const unsigned char	*p;
	size_t			 left;
};

void	 frame_iter_init(struct frame_iter *, const void *buf, size_t len);

/*
 * Inline: the collector calls it for every record it checks.  On error
 * the iterator stays put, so it keeps saying -1.
 */
static inline int
frame_next(struct frame_iter *it, const unsigned char **rec, size_t *reclen)
{
	uint64_t	 len;
	size_t		 n;

	if (it->left == 0)
		return (0);
	/* most records are shorter than 128 bytes: a length of one byte */
	if (it->p[0] < 0x80) {
		len = it->p[0];
		n = 1;
	} else if ((n = varint_get(it->p, it->left, &len)) == 0)
		return (-1);
	if (len > it->left - n)
		return (-1);
	*rec = it->p + n;
	*reclen = (size_t)len;
	it->p += n + (size_t)len;
	it->left -= n + (size_t)len;
	return (1);
}

#endif /* NCAP_VARINT_H */
