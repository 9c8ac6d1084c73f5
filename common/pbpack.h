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

#ifndef NCAP_PBPACK_H
#define NCAP_PBPACK_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

/*
 * A message packed in one pass over its descriptor, into a buffer of
 * known room: the same bytes as protobuf_c_message_pack(), without
 * protobuf_c_message_get_packed_size() walking it all first.
 *
 * pb_supported() says whether pb_pack() knows every field of a message
 * type and of the types nested in it: proto3 fields (singular, oneof,
 * repeated, packed or not) of every scalar type, strings, bytes and
 * messages.  proto2's required and optional fields, and whatever a
 * later protobuf-c adds, are refused (the sensor does not start with a
 * record type refused: records are proto3).
 *
 * pb_pack(), for a message of a type pb_supported() takes, returns the
 * packed length, or PB_FAIL when the message needs more than room
 * bytes.  It never writes past out + room; on PB_FAIL what it wrote
 * there is garbage.
 */
#define PB_FAIL		((size_t)-1)

int	 pb_supported(const ProtobufCMessageDescriptor *);
/*
 * pb_pack() of a record of rectypes[type], whose packer is found by
 * the type rather than looked up by its descriptor (which must be
 * rectypes[type]'s, or it is looked up as by pb_pack()).
 */
size_t	 pb_pack_record(size_t type, const ProtobufCMessage *,
	    unsigned char *out, size_t room);
/*
 * pb_pack() packs each type by a plan made from its descriptor the
 * first time (which allocates memory), a record type by the packer
 * generated for it at build time; pb_plans() says whether to use
 * plans, and generated packers: without, the same bytes more slowly
 * (for the tests).  Not for threads: the plans are shared without a
 * lock.
 */
void	 pb_plans(int with_plans, int generated);
size_t	 pb_pack(const ProtobufCMessage *, unsigned char *out,
	    size_t room);

#endif /* NCAP_PBPACK_H */
