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

#include <stddef.h>
#include <stdint.h>

#include "varint.h"

/*
 * Only the minimal encoding is accepted, so a value has exactly one
 * spelling: a last byte of zero after others means padding, and the
 * tenth byte may hold only the top bit of a 64-bit value.
 */
size_t
varint_get(const unsigned char *buf, size_t len, uint64_t *v)
{
	uint64_t	 val = 0;
	size_t		 i;

	for (i = 0; i < len && i < VARINT_MAX; i++) {
		unsigned char	 b = buf[i];

		if (i == VARINT_MAX - 1 && b > 1)
			return (0);
		val |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			if (i > 0 && b == 0)
				return (0);
			*v = val;
			return (i + 1);
		}
	}
	/* truncated, or longer than any 64-bit value needs */
	return (0);
}

void
frame_iter_init(struct frame_iter *it, const void *buf, size_t len)
{
	it->p = buf;
	it->left = len;
}
