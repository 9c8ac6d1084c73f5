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

#ifndef NCAP_RECORDS_H
#define NCAP_RECORDS_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

/*
 * The record types, generated at build time from proto/records.proto:
 * every top-level message there is a record type, named by its proto
 * message name (the name users see in file names and dumps).  Helper
 * messages must be nested inside the record that uses them.
 */
extern const ProtobufCMessageDescriptor *const rectypes[];
extern const size_t nrectypes;

/* index into rectypes[], or -1 */
int	 rectype_byname(const char *name);
int	 rectype_bydesc(const ProtobufCMessageDescriptor *);
const ProtobufCMessageDescriptor *rectype_header(void);

/*
 * Bytes one element of a repeated field of this type takes in its
 * array (what protobuf-c's generated structs hold), 0 for a type this
 * protobuf-c does not have.
 */
size_t	 field_elem_size(ProtobufCType);

#endif /* NCAP_RECORDS_H */
