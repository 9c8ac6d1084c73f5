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
 * The protobuf wire format as protobuf-c 1.4 writes it, for proto3
 * messages: fields in the descriptor's order (by number), each as a
 * varint key (number << 3 | wire type) and its value; a singular field
 * left out when zero, "" or NULL, a oneof member only when its case is
 * set and, for a string or message, it is neither NULL nor the default;
 * repeated scalars packed when the descriptor says so; unknown fields
 * last, as they were kept.
 *
 * Every write is checked against the end of the room first.  A nested
 * message is written after a one-byte length and moved up in the rare
 * case that its length needs more bytes, so nothing is sized twice:
 * sizing each first made a DNS record 25-35% slower to pack.
 *
 * Each message type is packed by its plan, made from its descriptor
 * the first time one is packed: per field where its value is, its key
 * already a varint, and the kind records are made of (uint32, 64-bit,
 * int32 or enum, bool, bytes, string) told apart once, not for every
 * record.  What else there is (repeated, oneof, nested messages and
 * the rarer scalars) goes through the descriptor's field, as without
 * a plan.  A plan costs 24 bytes a field; a type with none (the table
 * full, or no memory) is packed from its descriptor alone.
 *
 * A record type's plan has, besides, the packer common/gen_pack.c wrote
 * for it at build time (pbgen.h), the same fields written out in C: it
 * packs the record unless the room might be short, in which case the
 * plan packs it again.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbgen.h"
#include "pbpack.h"
#include "records.h"
#include "varint.h"

#define WT_VARINT	0
#define WT_64BIT	1
#define WT_LENGTH	2
#define WT_32BIT	5

#define VARINT_WORST	10	/* a 64-bit varint */
#define SCALAR_MAX	15	/* a key of 5 bytes, a varint of 10 */
#define FIELD_MAX	0x1fffffff	/* the highest field number */
#define NEST_MAX	32	/* types nested in one, for pb_supported() */
#define KNOWN_FLAGS	(PROTOBUF_C_FIELD_FLAG_PACKED | \
			PROTOBUF_C_FIELD_FLAG_DEPRECATED | \
			PROTOBUF_C_FIELD_FLAG_ONEOF)

#define PLANS		256	/* types with a plan, a power of 2 */
#define KEY_MAX		5	/* a key, field number <= FIELD_MAX */
#define PLAN_FIELDS	4096	/* a type with more has no plan */

/* how a plan packs a field */
enum op_kind {
	OP_U32,		/* uint32 */
	OP_64,		/* int64, uint64 */
	OP_I32,		/* int32, enum: sign-extended */
	OP_BOOL,
	OP_BYTES,
	OP_STRING,
	OP_FIELD,	/* anything else: by its field descriptor */
};

struct op {
	uint32_t			 off;	/* of the value */
	uint8_t				 kind;	/* enum op_kind */
	uint8_t				 keylen;
	unsigned char			 key[KEY_MAX];
	const ProtobufCFieldDescriptor	*f;	/* OP_FIELD */
};

struct plan {
	const ProtobufCMessageDescriptor *desc;
	pbgen_fn			 fn;	/* a record type's */
	unsigned int			 nops;
	struct op			 ops[];
};

/*
 * Plans by descriptor address, found by open addressing (a packet's
 * records are of a few types in turn: a cache of the last one found
 * missed nearly always).  Descriptors are protobuf-c's generated ones,
 * which live as long as the program does.
 */
static struct plan	*plans[PLANS];
static int		 use_plans = 1, use_gen = 1;

/*
 * The last 64-bit varint written, as it was: the records of a packet
 * all begin with its timestamp, 9 bytes to encode one at a time.  (A
 * cache of 2 or 4 values, for a connection evicted between two records
 * of a packet, cost more than it saved.)
 */
static uint64_t		 last64;
static unsigned char	 last64_buf[VARINT_WORST];
static size_t		 last64_len;

static unsigned char	*pack_msg(const ProtobufCMessage *, unsigned char *,
			    const unsigned char *);

/* a varint at p: where the next byte goes */
static inline unsigned char *
vput(unsigned char *p, uint64_t v)
{
	return (p + varint_put(p, v));
}

static inline unsigned char *
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
	return (p + 4);
}

static inline unsigned char *
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	return (put32(p + 4, (uint32_t)(v >> 32)));
}

static inline int
is_varint(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_BOOL:
	case PROTOBUF_C_TYPE_ENUM:
		return (1);
	default:
		return (0);
	}
}

/*
 * A varint type's value as the wire has it: a negative int32 or enum
 * sign-extended to 64 bits (ten bytes), sint zigzagged, bool 0 or 1.
 */
static inline uint64_t
varint_value(ProtobufCType t, const void *m)
{
	int32_t		 i32;
	int64_t		 i64;

	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_ENUM:
		return ((uint64_t)(int64_t)*(const int32_t *)m);
	case PROTOBUF_C_TYPE_SINT32:
		i32 = *(const int32_t *)m;
		return (i32 < 0 ? ~((uint32_t)i32 << 1) : (uint32_t)i32 << 1);
	case PROTOBUF_C_TYPE_SINT64:
		i64 = *(const int64_t *)m;
		return (i64 < 0 ? ~((uint64_t)i64 << 1) : (uint64_t)i64 << 1);
	case PROTOBUF_C_TYPE_UINT32:
		return (*(const uint32_t *)m);
	case PROTOBUF_C_TYPE_BOOL:
		return (*(const protobuf_c_boolean *)m != 0);
	default:	/* INT64, UINT64 */
		return (*(const uint64_t *)m);
	}
}

/* a proto3 singular field that is left out: zero, "" or NULL */
static inline int
is_zero(const ProtobufCFieldDescriptor *f, const void *m)
{
	const char	*s;

	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		return (*(const protobuf_c_boolean *)m == 0);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return (*(const uint64_t *)m == 0);
	/* -0.0 is zero too, a NaN is not */
	case PROTOBUF_C_TYPE_FLOAT:
		return (*(const float *)m == 0);
	case PROTOBUF_C_TYPE_DOUBLE:
		return (*(const double *)m == 0);
	case PROTOBUF_C_TYPE_STRING:
		s = *(char * const *)m;
		return (s == NULL || *s == '\0');
	case PROTOBUF_C_TYPE_BYTES:
		return (((const ProtobufCBinaryData *)m)->len == 0);
	case PROTOBUF_C_TYPE_MESSAGE:
		return (*(ProtobufCMessage * const *)m == NULL);
	default:
		return (*(const uint32_t *)m == 0);
	}
}

/* a key, a length and the bytes */
static inline unsigned char *
put_len(unsigned char *p, const unsigned char *end, uint64_t key,
    const void *data, size_t len)
{
	if (len > UINT32_MAX ||
	    (size_t)(end - p) < varint_len(key) + varint_len(len) + len)
		return (NULL);
	p = vput(p, key);
	p = vput(p, len);
	pb_copy(p, data, len);
	return (p + len);
}

/* a plan's key, already a varint */
static inline unsigned char *
put_key(unsigned char *p, const struct op *op)
{
	unsigned int	 i;

	p[0] = op->key[0];
	for (i = 1; i < op->keylen; i++)
		p[i] = op->key[i];
	return (p + op->keylen);
}

/* the same as put_len(), with a plan's key */
static inline unsigned char *
put_len_op(unsigned char *p, const unsigned char *end, const struct op *op,
    const void *data, size_t len)
{
	if (len > UINT32_MAX ||
	    (size_t)(end - p) < op->keylen + varint_len(len) + len)
		return (NULL);
	p = put_key(p, op);
	if (len < 0x80)
		*p++ = (unsigned char)len;
	else
		p = vput(p, len);
	pb_copy(p, data, len);
	return (p + len);
}

/* a key and bytes already in the wire's form: an unknown field */
static inline unsigned char *
put_raw(unsigned char *p, const unsigned char *end, uint64_t key,
    const void *data, size_t len)
{
	if ((size_t)(end - p) < varint_len(key) + len)
		return (NULL);
	p = vput(p, key);
	if (len > 0)
		memcpy(p, data, len);
	return (p + len);
}

/* one value with its key: a singular field, or one of a repeated one */
static unsigned char *
pack_field(const ProtobufCFieldDescriptor *f, const void *m,
    unsigned char *p, const unsigned char *end)
{
	const ProtobufCBinaryData	*bd;
	const ProtobufCMessage		*sub;
	const char			*s;
	unsigned char			*q;
	uint64_t			 key = (uint64_t)f->id << 3, v;
	uint32_t			 v32;
	size_t				 len, n;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_BOOL:
	case PROTOBUF_C_TYPE_ENUM:
		v = varint_value(f->type, m);
		if ((size_t)(end - p) < SCALAR_MAX &&
		    (size_t)(end - p) < varint_len(key) + varint_len(v))
			return (NULL);
		p = vput(p, key | WT_VARINT);
		return (vput(p, v));
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		if ((size_t)(end - p) < varint_len(key) + 4)
			return (NULL);
		memcpy(&v32, m, sizeof(v32));
		p = vput(p, key | WT_32BIT);
		return (put32(p, v32));
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		if ((size_t)(end - p) < varint_len(key) + 8)
			return (NULL);
		memcpy(&v, m, sizeof(v));
		p = vput(p, key | WT_64BIT);
		return (put64(p, v));
	case PROTOBUF_C_TYPE_STRING:
		/* NULL is "", as protobuf-c has it */
		s = *(char * const *)m;
		return (put_len(p, end, key | WT_LENGTH, s,
		    s != NULL ? strlen(s) : 0));
	case PROTOBUF_C_TYPE_BYTES:
		bd = m;
		return (put_len(p, end, key | WT_LENGTH, bd->data, bd->len));
	case PROTOBUF_C_TYPE_MESSAGE:
		sub = *(ProtobufCMessage * const *)m;
		if ((size_t)(end - p) < varint_len(key) + 1)
			return (NULL);
		p = vput(p, key | WT_LENGTH);
		if (sub == NULL) {
			*p = 0;
			return (p + 1);
		}
		/* most are shorter than 128: one byte of length */
		if ((q = pack_msg(sub, p + 1, end)) == NULL)
			return (NULL);
		len = (size_t)(q - (p + 1));
		if (len < 0x80) {
			*p = (unsigned char)len;
			return (q);
		}
		n = varint_len(len);
		if (len > UINT32_MAX || (size_t)(end - q) < n - 1)
			return (NULL);
		memmove(p + n, p + 1, len);
		vput(p, len);
		return (p + n + len);
	}
	return (NULL);
}

static unsigned char *
pack_repeated(const ProtobufCFieldDescriptor *f, size_t count,
    const void *array, unsigned char *p, const unsigned char *end)
{
	const unsigned char	*a = array;
	unsigned char		*start;
	uint64_t		 key = (uint64_t)f->id << 3 | WT_LENGTH, v;
	uint32_t		 v32;
	size_t			 i, len, n, r, stride;

	stride = field_elem_size(f->type);
	if ((f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) == 0) {
		for (i = 0; i < count && p != NULL; i++)
			p = pack_field(f, a + i * stride, p, end);
		return (p);
	}

	if (!is_varint(f->type)) {
		/* fixed width: the length is known before */
		if (count > UINT32_MAX / stride ||
		    (size_t)(end - p) < varint_len(key) + varint_len(count * stride) +
		    count * stride)
			return (NULL);
		p = vput(p, key);
		p = vput(p, count * stride);
		for (i = 0; i < count; i++, a += stride) {
			if (stride == 4) {
				memcpy(&v32, a, sizeof(v32));
				p = put32(p, v32);
			} else {
				memcpy(&v, a, sizeof(v));
				p = put64(p, v);
			}
		}
		return (p);
	}

	/*
	 * Varints take a byte at least each: room for the length of count
	 * bytes, then move the values up if theirs is longer.
	 */
	r = varint_len(count);
	if ((size_t)(end - p) < varint_len(key) + r + count)
		return (NULL);
	p = vput(p, key);
	start = p + r;
	for (i = 0, p = start; i < count; i++, a += stride) {
		v = varint_value(f->type, a);
		if ((size_t)(end - p) < VARINT_WORST &&
		    (size_t)(end - p) < varint_len(v))
			return (NULL);
		p = vput(p, v);
	}
	len = (size_t)(p - start);
	if ((n = varint_len(len)) > r) {
		if (len > UINT32_MAX || (size_t)(end - p) < n - r)
			return (NULL);
		memmove(start + (n - r), start, len);
	}
	vput(start - r, len);
	return (start - r + n + len);
}

/*
 * A proto3 singular field, left out when zero: the types records are
 * made of tested and written at once, the rest by pack_field().
 */
static inline unsigned char *
pack_singular(const ProtobufCFieldDescriptor *f, const void *m,
    unsigned char *p, const unsigned char *end)
{
	const ProtobufCBinaryData	*bd;
	const char			*s;
	ProtobufCType			 t = f->type;
	uint64_t			 v;

	/* tests rather than a switch: the branches predict better */
	if (t == PROTOBUF_C_TYPE_UINT32) {
		if ((v = *(const uint32_t *)m) == 0)
			return (p);
	} else if (t == PROTOBUF_C_TYPE_BYTES) {
		bd = m;
		if (bd->len == 0)
			return (p);
		return (put_len(p, end, (uint64_t)f->id << 3 | WT_LENGTH,
		    bd->data, bd->len));
	} else if (t == PROTOBUF_C_TYPE_INT64 || t == PROTOBUF_C_TYPE_UINT64) {
		if ((v = *(const uint64_t *)m) == 0)
			return (p);
	} else if (t == PROTOBUF_C_TYPE_BOOL) {
		if (*(const protobuf_c_boolean *)m == 0)
			return (p);
		v = 1;
	} else if (t == PROTOBUF_C_TYPE_STRING) {
		s = *(char * const *)m;
		if (s == NULL || *s == '\0')
			return (p);
		return (put_len(p, end, (uint64_t)f->id << 3 | WT_LENGTH,
		    s, strlen(s)));
	} else {
		if (is_zero(f, m))
			return (p);
		return (pack_field(f, m, p, end));
	}
	if ((size_t)(end - p) < SCALAR_MAX &&
	    (size_t)(end - p) < varint_len((uint64_t)f->id << 3) + varint_len(v))
		return (NULL);
	p = vput(p, (uint64_t)f->id << 3 | WT_VARINT);
	return (vput(p, v));
}

/* one field by its descriptor: repeated, oneof or singular */
unsigned char *
pb_pack_field(const ProtobufCFieldDescriptor *f, const char *base,
    unsigned char *p, const unsigned char *end)
{
	const void	*m = base + f->offset;
	const void	*q = base + f->quantifier_offset;
	const void	*ptr;

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		if (*(const size_t *)q == 0)
			return (p);
		return (pack_repeated(f, *(const size_t *)q,
		    *(void * const *)m, p, end));
	}
	if (f->label != PROTOBUF_C_LABEL_NONE)
		return (NULL);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		if (*(const uint32_t *)q != f->id)
			return (p);
		if (f->type == PROTOBUF_C_TYPE_STRING ||
		    f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ptr = *(void * const *)m;
			if (ptr == NULL || ptr == f->default_value)
				return (p);
		}
		return (pack_field(f, m, p, end));
	}
	return (pack_singular(f, m, p, end));
}

static struct plan *
plan_make(const ProtobufCMessageDescriptor *d)
{
	const ProtobufCFieldDescriptor	*f;
	struct plan			*pl;
	struct op			*op;
	unsigned int			 i;
	int				 wt;

	if (d->n_fields > PLAN_FIELDS ||
	    (pl = malloc(sizeof(*pl) + d->n_fields * sizeof(*op))) == NULL)
		return (NULL);
	pl->desc = d;
	pl->fn = NULL;
	for (i = 0; i < npbgen; i++)
		if (pbgen[i].type < nrectypes && rectypes[pbgen[i].type] == d &&
		    strcmp(pbgen[i].name, d->name) == 0)
			pl->fn = pbgen[i].fn;
	pl->nops = d->n_fields;
	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		op = &pl->ops[i];
		memset(op, 0, sizeof(*op));
		op->off = f->offset;
		op->f = f;
		op->kind = OP_FIELD;
		wt = WT_VARINT;
		if (f->label == PROTOBUF_C_LABEL_NONE &&
		    (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) == 0 &&
		    f->id <= FIELD_MAX && f->offset <= UINT32_MAX) {
			switch (f->type) {
			case PROTOBUF_C_TYPE_UINT32:
				op->kind = OP_U32;
				break;
			case PROTOBUF_C_TYPE_INT64:
			case PROTOBUF_C_TYPE_UINT64:
				op->kind = OP_64;
				break;
			case PROTOBUF_C_TYPE_INT32:
			case PROTOBUF_C_TYPE_ENUM:
				op->kind = OP_I32;
				break;
			case PROTOBUF_C_TYPE_BOOL:
				op->kind = OP_BOOL;
				break;
			case PROTOBUF_C_TYPE_BYTES:
				op->kind = OP_BYTES;
				wt = WT_LENGTH;
				break;
			case PROTOBUF_C_TYPE_STRING:
				op->kind = OP_STRING;
				wt = WT_LENGTH;
				break;
			default:
				break;
			}
		}
		if (op->kind != OP_FIELD)
			op->keylen = (uint8_t)varint_put(op->key,
			    (uint64_t)f->id << 3 | (uint64_t)wt);
	}
	return (pl);
}

/* the plan of a type, made the first time; NULL: pack without */
static inline struct plan *
plan_get(const ProtobufCMessageDescriptor *d)
{
	uintptr_t	 h;
	unsigned int	 i, n;

	if (!use_plans)
		return (NULL);
	h = (uintptr_t)d;
	i = (unsigned int)((h >> 4 ^ h >> 12) & (PLANS - 1));
	for (n = 0; n < PLANS; n++, i = (i + 1) & (PLANS - 1)) {
		if (plans[i] == NULL) {
			if ((plans[i] = plan_make(d)) == NULL)
				return (NULL);
			break;
		}
		if (plans[i]->desc == d)
			break;
	}
	if (n == PLANS)
		return (NULL);
	return (plans[i]);
}

/* a record type's generated packer first, then its plan */
static unsigned char *
pack_msg(const ProtobufCMessage *msg, unsigned char *p,
    const unsigned char *end)
{
	const ProtobufCMessageDescriptor	*d = msg->descriptor;
	const ProtobufCMessageUnknownField	*u;
	const ProtobufCBinaryData		*bd;
	const struct plan			*pl;
	const struct op				*op, *oend;
	const char				*base = (const char *)msg;
	const char				*s;
	const void				*m;
	unsigned char				*q;
	uint64_t				 v;
	size_t					 i;

	if ((pl = plan_get(d)) != NULL && pl->fn != NULL && use_gen &&
	    (q = pl->fn(msg, p, end)) != NULL)
		return (q);
	if (pl == NULL) {
		for (i = 0; i < d->n_fields; i++)
			if ((p = pb_pack_field(&d->fields[i], base, p, end)) ==
			    NULL)
				return (NULL);
		goto unknown;
	}
	for (op = pl->ops, oend = op + pl->nops; op < oend; op++) {
		m = base + op->off;
		switch (op->kind) {
		case OP_U32:
			if ((v = *(const uint32_t *)m) == 0)
				continue;
			break;
		case OP_64:
			if ((v = *(const uint64_t *)m) == 0)
				continue;
			if (v < 0x80)
				break;
			if ((size_t)(end - p) < (size_t)op->keylen +
			    VARINT_WORST &&
			    (size_t)(end - p) < op->keylen + varint_len(v))
				return (NULL);
			p = put_key(p, op);
			p = pbgen_u64(p, v);
			continue;
		case OP_I32:
			if ((v = (uint64_t)(int64_t)*(const int32_t *)m) == 0)
				continue;
			break;
		case OP_BOOL:
			if (*(const protobuf_c_boolean *)m == 0)
				continue;
			v = 1;
			break;
		case OP_BYTES:
			bd = m;
			if (bd->len == 0)
				continue;
			if ((p = put_len_op(p, end, op, bd->data, bd->len)) ==
			    NULL)
				return (NULL);
			continue;
		case OP_STRING:
			s = *(char * const *)m;
			if (s == NULL || *s == '\0')
				continue;
			if ((p = put_len_op(p, end, op, s, strlen(s))) == NULL)
				return (NULL);
			continue;
		default:
			if ((p = pb_pack_field(op->f, base, p, end)) == NULL)
				return (NULL);
			continue;
		}
		/* a varint: its key, then the value */
		if ((size_t)(end - p) < SCALAR_MAX &&
		    (size_t)(end - p) < op->keylen + varint_len(v))
			return (NULL);
		p = put_key(p, op);
		p = vput(p, v);
	}
 unknown:
	for (i = 0; i < msg->n_unknown_fields; i++) {
		u = &msg->unknown_fields[i];
		if ((p = put_raw(p, end, (uint64_t)u->tag << 3 |
		    u->wire_type, u->data, u->len)) == NULL)
			return (NULL);
	}
	return (p);
}

unsigned char *
pbgen_u64(unsigned char *p, uint64_t v)
{
	if (v < 0x80) {
		*p = (unsigned char)v;
		return (p + 1);
	}
	if (v != last64 || last64_len == 0) {
		last64 = v;
		last64_len = varint_put(last64_buf, v);
	}
	pb_copy(p, last64_buf, last64_len);
	return (p + last64_len);
}

unsigned char *
pbgen_len(unsigned char *p, const void *data, size_t n)
{
	if (n < 0x80)
		*p++ = (unsigned char)n;
	else
		p = pbgen_u32(p, (uint32_t)n);
	pb_copy(p, data, n);
	return (p + n);
}

void
pb_plans(int with_plans, int generated)
{
	use_plans = with_plans;
	use_gen = generated;
}

size_t
pb_pack(const ProtobufCMessage *msg, unsigned char *out, size_t room)
{
	unsigned char	*end;

	if (msg == NULL || msg->descriptor == NULL ||
	    msg->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return (PB_FAIL);
	if (room > PTRDIFF_MAX)
		room = PTRDIFF_MAX;
	if ((end = pack_msg(msg, out, out + room)) == NULL)
		return (PB_FAIL);
	return ((size_t)(end - out));
}

size_t
pb_pack_record(size_t type, const ProtobufCMessage *msg, unsigned char *out,
    size_t room)
{
	unsigned char	*end;

	/* pbgen[] is in the order of rectypes[] */
	if (type < npbgen && pbgen[type].type == type && msg != NULL &&
	    msg->descriptor == rectypes[type] && use_gen) {
		if (room > PTRDIFF_MAX)
			room = PTRDIFF_MAX;
		if ((end = pbgen[type].fn(msg, out, out + room)) != NULL)
			return ((size_t)(end - out));
	}
	return (pb_pack(msg, out, room));
}

/* a type and those in it, each once: path[] holds the types above */
static int
supported(const ProtobufCMessageDescriptor *d,
    const ProtobufCMessageDescriptor **path, size_t depth)
{
	const ProtobufCFieldDescriptor	*f;
	size_t				 i;

	if (d == NULL || d->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return (-1);
	for (i = 0; i < depth; i++)
		if (path[i] == d)
			return (0);	/* recursive: checked above */
	if (depth == NEST_MAX)
		return (-1);
	path[depth] = d;
	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		if (f->id == 0 || f->id > FIELD_MAX ||
		    (f->flags & ~KNOWN_FLAGS) != 0)
			return (-1);
		if (f->label != PROTOBUF_C_LABEL_NONE &&
		    f->label != PROTOBUF_C_LABEL_REPEATED)
			return (-1);
		switch (f->type) {
		case PROTOBUF_C_TYPE_INT32:
		case PROTOBUF_C_TYPE_SINT32:
		case PROTOBUF_C_TYPE_SFIXED32:
		case PROTOBUF_C_TYPE_INT64:
		case PROTOBUF_C_TYPE_SINT64:
		case PROTOBUF_C_TYPE_SFIXED64:
		case PROTOBUF_C_TYPE_UINT32:
		case PROTOBUF_C_TYPE_FIXED32:
		case PROTOBUF_C_TYPE_UINT64:
		case PROTOBUF_C_TYPE_FIXED64:
		case PROTOBUF_C_TYPE_FLOAT:
		case PROTOBUF_C_TYPE_DOUBLE:
		case PROTOBUF_C_TYPE_BOOL:
		case PROTOBUF_C_TYPE_ENUM:
			break;
		case PROTOBUF_C_TYPE_STRING:
		case PROTOBUF_C_TYPE_BYTES:
			if (f->flags & PROTOBUF_C_FIELD_FLAG_PACKED)
				return (-1);
			break;
		case PROTOBUF_C_TYPE_MESSAGE:
			if ((f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) ||
			    supported(f->descriptor, path, depth + 1) == -1)
				return (-1);
			break;
		default:
			return (-1);
		}
	}
	return (0);
}

int
pb_supported(const ProtobufCMessageDescriptor *d)
{
	const ProtobufCMessageDescriptor	*path[NEST_MAX];

	return (supported(d, path, 0));
}
