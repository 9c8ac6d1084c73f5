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

#ifndef NCAP_PBGEN_H
#define NCAP_PBGEN_H

/*
 * Private to pbpack.c and the packers common/gen_pack.c writes at build
 * time ($(O)/proto/rectypes_pack.c), one for each record type: what
 * they share.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

/*
 * A generated packer: msg packed at p, the end of what it wrote; NULL
 * when the room up to end may be short (it may not be: pb_pack() then
 * packs msg the slow way, which knows).
 */
typedef unsigned char *(*pbgen_fn)(const ProtobufCMessage *,
		    unsigned char *, const unsigned char *);

struct pbgen {
	size_t		 type;		/* in rectypes[] */
	const char	*name;		/* its name, to be sure */
	pbgen_fn	 fn;
};

extern const struct pbgen	 pbgen[];
extern const size_t		 npbgen;

/* a field by its descriptor, of the message at base (pbpack.c) */
unsigned char	*pb_pack_field(const ProtobufCFieldDescriptor *,
		    const char *, unsigned char *, const unsigned char *);

/*
 * n bytes, most often an address of 4, 6 or 16: moves of a size known
 * here, which the compiler makes instructions of, rather than a call.
 */
static inline void
pb_copy(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n > 0)
		memcpy(d, s, n);
}

/*
 * varint_put()'s loop on 32 bits: t_pbpack -b packs the bench's records
 * 2-3 ns (10 %) slower through varint_put() itself.
 */
static inline unsigned char *
pbgen_u32(unsigned char *p, uint32_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return (p);
}

/*
 * A 64-bit varint, and a length and its bytes (pbpack.c): out of line,
 * which keeps the packers of all record types 14 KB rather than 34 KB
 * (ncagentd is to stay within 256 KB stripped), for 6 % more
 * instructions in them.
 */
unsigned char	*pbgen_u64(unsigned char *, uint64_t);
unsigned char	*pbgen_len(unsigned char *, const void *, size_t);

#endif /* NCAP_PBGEN_H */
