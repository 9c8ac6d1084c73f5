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

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ncap.pb-c.h"
#include "records.h"

/*
 * Descriptor lookups run once per decoded packet, so they go through a
 * copy of rectypes[] sorted by address, built on first use, and a
 * one-entry cache in front of it: a capture is mostly the same few
 * types in a row.
 */
struct rectype_ent {
	uintptr_t	 addr;
	int		 idx;
};

static struct rectype_ent	*sorted;
static int			 sorted_tried;
static const ProtobufCMessageDescriptor *last_desc;
static int			 last_idx = -1;

static int
rectype_cmp(const void *a, const void *b)
{
	const struct rectype_ent *ea = a, *eb = b;

	if (ea->addr < eb->addr)
		return (-1);
	return (ea->addr > eb->addr);
}

static void
rectype_sort(void)
{
	size_t	 i;

	sorted_tried = 1;
	if (nrectypes == 0 || nrectypes > INT32_MAX)
		return;
	if ((sorted = calloc(nrectypes, sizeof(*sorted))) == NULL)
		return;		/* the linear scan still works */
	for (i = 0; i < nrectypes; i++) {
		sorted[i].addr = (uintptr_t)rectypes[i];
		sorted[i].idx = (int)i;
	}
	qsort(sorted, nrectypes, sizeof(*sorted), rectype_cmp);
}

int
rectype_byname(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < nrectypes; i++)
		if (strcmp(rectypes[i]->name, name) == 0)
			return ((int)i);
	return (-1);
}

int
rectype_bydesc(const ProtobufCMessageDescriptor *desc)
{
	uintptr_t	 key = (uintptr_t)desc;
	size_t		 lo, hi, mid, i;
	int		 idx = -1;

	if (desc == NULL)
		return (-1);
	if (desc == last_desc)
		return (last_idx);
	if (!sorted_tried)
		rectype_sort();

	if (sorted != NULL) {
		lo = 0;
		hi = nrectypes;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (sorted[mid].addr == key) {
				idx = sorted[mid].idx;
				break;
			}
			if (sorted[mid].addr < key)
				lo = mid + 1;
			else
				hi = mid;
		}
	} else {
		for (i = 0; i < nrectypes; i++)
			if (rectypes[i] == desc) {
				idx = (int)i;
				break;
			}
	}

	/* misses are not cached: they are bugs, not the hot path */
	if (idx != -1) {
		last_desc = desc;
		last_idx = idx;
	}
	return (idx);
}

const ProtobufCMessageDescriptor *
rectype_header(void)
{
	return (&header__descriptor);
}

size_t
field_elem_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return (sizeof(int32_t));
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return (sizeof(uint32_t));
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return (sizeof(int64_t));
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return (sizeof(uint64_t));
	case PROTOBUF_C_TYPE_FLOAT:
		return (sizeof(float));
	case PROTOBUF_C_TYPE_DOUBLE:
		return (sizeof(double));
	case PROTOBUF_C_TYPE_BOOL:
		return (sizeof(protobuf_c_boolean));
	case PROTOBUF_C_TYPE_ENUM:
		return (sizeof(int));
	case PROTOBUF_C_TYPE_STRING:
		return (sizeof(char *));
	case PROTOBUF_C_TYPE_BYTES:
		return (sizeof(ProtobufCBinaryData));
	case PROTOBUF_C_TYPE_MESSAGE:
		return (sizeof(ProtobufCMessage *));
	}
	return (0);
}
