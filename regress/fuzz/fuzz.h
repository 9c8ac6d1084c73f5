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

#ifndef NCAP_FUZZ_H
#define NCAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * The fuzzers' entry points, apart from LLVMFuzzerTestOneInput so
 * that regress/unit/t_fuzzcases.c can link both and replay what they
 * found.  A harness aborts on anything wrong; these return what
 * happened, for tests to check.
 */

/* data[0] picks a link type, the rest is a frame; records emitted */
size_t		 fuzz_decode(const uint8_t *data, size_t size);
/* the link type data[0] picks */
int		 fuzz_decode_linktype(uint8_t b);

/*
 * a plaintext: NULL when stored, else why the datagram is dropped
 * (until the next call)
 */
const char	*fuzz_collector(const uint8_t *data, size_t size,
		    uint32_t *nrec);
/*
 * the origin the last plaintext stored named (WIRE_ENC_ORIGIN): its
 * sequence number and the first byte of its nonce; 0 for none
 */
extern uint64_t	 fuzz_origin_seq;
extern uint8_t	 fuzz_origin_nonce0;

#endif /* NCAP_FUZZ_H */
