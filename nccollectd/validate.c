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
 * Is an encoded record one that every proto3 reader takes, and reads
 * as we do?  The check walks the record's bytes (tag, wire type,
 * value) against its message's protobuf-c descriptor, for every type
 * alike.  It reads the wire, not what protobuf-c unpacks, because the
 * unpacker hides faults: it keeps the low 32 bits of a uint32 or
 * int32 varint, reads any non-zero bool as 1 (of any wire type), drops
 * the bits of a 10-byte varint past 64, takes field numbers past
 * 2^29-1, and keeps strings as they come, cut at a NUL.
 *
 * Most fields are known ones of a short tag, of their own wire type and
 * plainly valid: a quick pass, looking the tag up in a table, passes
 * over those, and leaves any other field to the full walk, which looks
 * at it afresh and alone says what is wrong.  The quick pass accepts
 * only what the walk accepts, and takes the same bytes.
 */

#include <sys/types.h>

#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "log.h"
#include "nccollectd.h"

#define WT_VARINT	0
#define WT_64BIT	1
#define WT_LEN		2
#define WT_32BIT	5

#define FIELD_MAX	((1U << 29) - 1)	/* proto's largest field number */
#define LEN_VARINT_MAX	5	/* a tag or a length is 32 bits */
#define NEST_MAX	16	/* records nest one deep; this is plenty */
#define QUICK_TAGS	256	/* tags the quick pass knows: fields 1 to 31 */
#define QUICK_LEN	128	/* lengths it knows: those of one byte */

/*
 * Address fields: bytes whose length says what they hold.  Every
 * bytes field of every record type has its line (t_validate checks),
 * the first that matches; a message of NULL matches any.  A table
 * here, not an option on the fields in proto/: protoc-c 1.4 keeps no
 * custom options in the descriptors it writes (nor does Debian ship
 * the descriptor.proto that declaring one needs).
 */
static const struct addr_rule {
	const char	*msg;
	const char	*field;
	enum addr_kind	 kind;
} addr_rules[] = {
	/* as long as the ARP header says (hlen, plen) */
	{ "ARP",	"src_hw",	ADDR_ARP },
	{ "ARP",	"src_ip",	ADDR_ARP },
	{ "ARP",	"dst_hw",	ADDR_ARP },
	{ "ARP",	"dst_ip",	ADDR_ARP },
	/* neighbour discovery's link-layer address options */
	{ NULL,		"source_mac",	ADDR_LINK },
	{ NULL,		"target_mac",	ADDR_LINK },
	{ NULL,		"src_mac",	ADDR_MAC },
	{ NULL,		"dst_mac",	ADDR_MAC },
	{ NULL,		"client_mac",	ADDR_MAC },
	{ NULL,		"src_ip",	ADDR_IP },
	{ NULL,		"dst_ip",	ADDR_IP },
	{ NULL,		"target",	ADDR_IP },
	{ NULL,		"group",	ADDR_IP },
	{ NULL,		"client_ip",	ADDR_IP },
	{ NULL,		"your_ip",	ADDR_IP },
	{ NULL,		"server_ip",	ADDR_IP },
	{ NULL,		"requested_ip",	ADDR_IP },
	{ NULL,		"relay_ip",	ADDR_IP },
};

/*
 * What the quick pass (quick()) makes of a value of a field's own wire
 * type: it passes over what is plainly valid, and leaves the rest to
 * the full walk.
 */
enum quick {
	Q_NONE,		/* the full walk's */
	Q_VARINT,	/* qlen bytes at most, the last no more than qlast
			   when there are qlen */
	Q_FIXED,	/* qlen bytes */
	Q_STRING,	/* UTF-8 */
	Q_BYTES,	/* a length lenok allows */
	Q_MESSAGE,	/* its message, checked */
};

/*
 * What the walk needs of each field, made once per message on first
 * sight and kept small: this is read for every field of every record,
 * the descriptors only for a fault or a nested message.
 */
struct vfield {
	uint32_t	 id;
	uint8_t		 type;		/* ProtobufCType */
	uint8_t		 wt;		/* its wire type, unpacked */
	uint8_t		 addr;		/* enum addr_kind, for bytes */
	uint8_t		 packable;	/* a repeated scalar */
	uint64_t	 lenok[QUICK_LEN / 64];	/* bit n: n bytes may be */
	struct vmsg	*sub;		/* a message's, found when met */
};

/* a tag, as the quick pass sees it: all a scalar's value needs */
struct qtag {
	uint8_t		 quick;		/* enum quick */
	uint8_t		 qlen;
	uint8_t		 qlast;
	uint8_t		 idx;		/* its field, in f */
};

struct vmsg {
	const ProtobufCMessageDescriptor *desc;
	struct vfield	*f;		/* parallel to desc->fields */
	size_t		 n;
	struct vmsg	*next;
	struct qtag	 quick[QUICK_TAGS];	/* by tag */
};

static struct vmsg	*vmsgs, *vlast;

static inline struct vmsg *vmsg_get(const ProtobufCMessageDescriptor *);
static struct vmsg *vmsg_find(const ProtobufCMessageDescriptor *);
static inline int get_varint(const unsigned char **, size_t *, uint64_t *);
static inline size_t varint_span(const unsigned char *, size_t);
static void	 quick_init(struct vmsg *, size_t);
static inline ssize_t quick(const struct vmsg *, const unsigned char *,
		    size_t, int, struct rec_fault *);
static const char *value_fault(ProtobufCType, uint64_t);
static int	 wire_of(ProtobufCType);
static size_t	 fixed_size(int);
static const char *packed_fault(const struct vfield *, const unsigned char *,
		    size_t);
static int	 fault(struct rec_fault *, const struct vmsg *,
		    const ProtobufCFieldDescriptor *, uint32_t, const char *);
static int	 msg_check(struct vmsg *, const unsigned char *, size_t,
		    int, struct rec_fault *);

enum addr_kind
addr_kind(const char *msg, const char *field)
{
	size_t	 i;

	for (i = 0; i < sizeof(addr_rules) / sizeof(addr_rules[0]); i++)
		if (strcmp(addr_rules[i].field, field) == 0 &&
		    (addr_rules[i].msg == NULL ||
		    strcmp(addr_rules[i].msg, msg) == 0))
			return (addr_rules[i].kind);
	return (ADDR_NONE);
}

/* an empty field is proto3's absent one, for addresses too */
int
addr_len_ok(enum addr_kind kind, size_t len)
{
	switch (kind) {
	case ADDR_NONE:
		return (1);
	case ADDR_IP:
		return (len == 0 || len == 4 || len == 16);
	case ADDR_MAC:
		return (len == 0 || len == 6);
	case ADDR_LINK:
		/* an option is 8 bytes or more; the sensor keeps 16 */
		return (len == 0 || (len >= 6 && len <= 16));
	case ADDR_ARP:
		return (len <= 255);
	}
	return (0);
}

/*
 * Well-formed UTF-8 as Unicode defines it (no overlong forms, no
 * surrogates, nothing past U+10FFFF), and no NUL: protobuf-c's
 * readers, ncctl's among them, would end the string there.  NULL if
 * it is, else why not.
 */
const char *
utf8_fault(const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;
	unsigned char	 lo, hi;

	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] == 0)
				return ("NUL in a string");
			i++;
			continue;
		}
		/* the lead byte, and the range of the byte after it */
		lo = 0x80;
		hi = 0xbf;
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1;
		else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			if (s[i] == 0xe0)
				lo = 0xa0;	/* else overlong */
			else if (s[i] == 0xed)
				hi = 0x9f;	/* else a surrogate */
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			if (s[i] == 0xf0)
				lo = 0x90;	/* else overlong */
			else if (s[i] == 0xf4)
				hi = 0x8f;	/* else past U+10FFFF */
		} else
			return ("not UTF-8");
		if (len - i - 1 < n)
			return ("not UTF-8: a sequence cut short");
		if (s[i + 1] < lo || s[i + 1] > hi)
			return ("not UTF-8");
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return ("not UTF-8");
		i += n + 1;
	}
	return (NULL);
}

/* a batch is of one type: the last one looked up, mostly, no call */
static inline struct vmsg *
vmsg_get(const ProtobufCMessageDescriptor *desc)
{
	if (vlast != NULL && vlast->desc == desc)
		return (vlast);
	return (vmsg_find(desc));
}

static struct vmsg *
vmsg_find(const ProtobufCMessageDescriptor *desc)
{
	const ProtobufCFieldDescriptor	*fd;
	struct vmsg			*vm;
	unsigned int			 i;

	for (vm = vmsgs; vm != NULL; vm = vm->next)
		if (vm->desc == desc)
			return (vlast = vm);
	if ((vm = calloc(1, sizeof(*vm))) == NULL ||
	    (vm->f = calloc(desc->n_fields + 1, sizeof(*vm->f))) == NULL)
		fatal(NULL);
	vm->desc = desc;
	vm->n = desc->n_fields;
	for (i = 0; i < desc->n_fields; i++) {
		fd = &desc->fields[i];
		vm->f[i].id = fd->id;
		vm->f[i].type = (uint8_t)fd->type;
		vm->f[i].wt = (uint8_t)wire_of(fd->type);
		if (fd->type == PROTOBUF_C_TYPE_BYTES)
			vm->f[i].addr = (uint8_t)addr_kind(desc->name,
			    fd->name);
		vm->f[i].packable = fd->label == PROTOBUF_C_LABEL_REPEATED &&
		    vm->f[i].wt != WT_LEN;
		quick_init(vm, i);
	}
	/* message fields find theirs when first met: types may recurse */
	vm->next = vmsgs;
	vmsgs = vm;
	return (vlast = vm);
}

/*
 * A varint of at most 10 bytes and 64 bits.  0, or -1 if it runs past
 * left, -2 if it is longer or larger.
 */
static inline int
get_varint(const unsigned char **pp, size_t *left, uint64_t *v)
{
	const unsigned char	*p = *pp;
	size_t			 i, max = *left < 10 ? *left : 10;
	uint64_t		 x = 0;

	/* most tags and many values are one byte */
	if (max > 0 && p[0] < 0x80) {
		*v = p[0];
		*pp = p + 1;
		(*left)--;
		return (0);
	}
	for (i = 0; i < max; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0)
			break;
	}
	if (i == max)
		return (max == 10 ? -2 : -1);
	/* the tenth byte holds bit 63 and nothing more */
	if (i == 9 && p[i] > 1)
		return (-2);
	*v = x;
	*pp = p + i + 1;
	*left -= i + 1;
	return (0);
}

/*
 * How long the varint at p is, up to 10 bytes and left; 0 if it does
 * not end there.  Eight bytes are looked at together when there are
 * eight: a timestamp in nanoseconds takes nine.
 */
static inline size_t
varint_span(const unsigned char *p, size_t left)
{
	uint64_t	 w, ends;
	size_t		 i = 0, max = left < 10 ? left : 10;

	if (left > 0 && p[0] < 0x80)
		return (1);
	if (left >= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		/* the high bit clear: the last byte */
		if ((ends = ~le64toh(w) & 0x8080808080808080ULL) != 0)
			return ((size_t)__builtin_ctzll(ends) / 8 + 1);
		i = sizeof(w);
	}
	for (; i < max; i++)
		if (p[i] < 0x80)
			return (i + 1);
	return (0);
}

/*
 * What the quick pass takes of field i, and its tag's entry if that
 * is short enough.  A varint of a 32-bit type passes when it has 4
 * bytes or fewer (28 bits), or 5 whose last holds no bit past 31 (past
 * 30 for int32: a negative one, sign-extended to 10 bytes, is the full
 * walk's); a bool's is 0 or 1 in one byte; a 64-bit one is
 * get_varint()'s: 10 bytes at most, the tenth 0 or 1.
 */
static void
quick_init(struct vmsg *vm, size_t i)
{
	struct vfield	*vf = &vm->f[i];
	struct qtag	 q;
	size_t		 n;

	memset(&q, 0, sizeof(q));
	switch (vf->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_ENUM:
		q.quick = Q_VARINT;
		q.qlen = 5;
		q.qlast = 0x07;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_SINT32:
		q.quick = Q_VARINT;
		q.qlen = 5;
		q.qlast = 0x0f;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		q.quick = Q_VARINT;
		q.qlen = 1;
		q.qlast = 0x01;
		break;
	case PROTOBUF_C_TYPE_STRING:
		q.quick = Q_STRING;
		break;
	case PROTOBUF_C_TYPE_BYTES:
		q.quick = Q_BYTES;
		for (n = 0; n < QUICK_LEN; n++)
			if (addr_len_ok(vf->addr, n))
				vf->lenok[n / 64] |= 1ULL << (n % 64);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		q.quick = Q_MESSAGE;
		break;
	default:
		if ((q.qlen = (uint8_t)fixed_size(vf->wt)) != 0)
			q.quick = Q_FIXED;
		else {
			/* the 64-bit varints */
			q.quick = Q_VARINT;
			q.qlen = 10;
			q.qlast = 0x01;
		}
		break;
	}
	if (vf->id < QUICK_TAGS >> 3 && i <= UINT8_MAX) {
		q.idx = (uint8_t)i;
		vm->quick[vf->id << 3 | vf->wt] = q;
	}
}

/*
 * The quick pass over the field at p: a known one, of a tag of one or
 * two bytes and of its own wire type, whose value is plainly valid.
 * The bytes it takes, or 0 for the full walk to look at the field
 * (which finds the same field, and what is wrong if anything is); -1
 * if a message in it is not valid, the fault in f.
 */
static inline ssize_t
quick(const struct vmsg *vm, const unsigned char *p, size_t left, int depth,
    struct rec_fault *f)
{
	const struct qtag	*q;
	const struct vfield	*vf;
	size_t			 tl = 1, n;
	unsigned int		 tag = p[0];

	if (tag >= 0x80) {
		if (left < 2 || p[1] >= 0x80)
			return (0);
		tag = (tag & 0x7f) | (unsigned int)p[1] << 7;
		if (tag >= QUICK_TAGS)
			return (0);
		tl = 2;
	}
	q = &vm->quick[tag];
	p += tl;
	left -= tl;
	switch (q->quick) {
	case Q_NONE:
		return (0);
	case Q_VARINT:
		if ((n = varint_span(p, left)) == 0 || n > q->qlen ||
		    (n == q->qlen && p[n - 1] > q->qlast))
			return (0);
		return ((ssize_t)(tl + n));
	case Q_FIXED:
		if (left < q->qlen)
			return (0);
		return ((ssize_t)(tl + q->qlen));
	}
	/* a length of one byte, and as many bytes */
	if (left < 1 || (n = p[0]) >= QUICK_LEN || n > left - 1)
		return (0);
	p++;
	vf = &vm->f[q->idx];
	switch (q->quick) {
	case Q_STRING:
		if (utf8_fault(p, n) != NULL)
			return (0);
		break;
	case Q_BYTES:
		if ((vf->lenok[n / 64] & 1ULL << (n % 64)) == 0)
			return (0);
		break;
	case Q_MESSAGE:
		if (vf->sub == NULL)
			return (0);
		if (msg_check(vf->sub, p, n, depth + 1, f) == -1)
			return (-1);
		break;
	default:
		return (0);
	}
	return ((ssize_t)(tl + 1 + n));
}

/* NULL if v is a value of a field of type t on the wire, else why not */
static const char *
value_fault(ProtobufCType t, uint64_t v)
{
	int64_t	 s = (int64_t)v;

	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
		/* a negative int32 is sign-extended to 64 bits, 10 bytes */
		if (s < INT32_MIN || s > INT32_MAX)
			return ("int32 out of range");
		break;
	case PROTOBUF_C_TYPE_ENUM:
		/* proto3 enums are open: any int32 is a value */
		if (s < INT32_MIN || s > INT32_MAX)
			return ("enum out of int32 range");
		break;
	case PROTOBUF_C_TYPE_UINT32:
		if (v > UINT32_MAX)
			return ("uint32 out of range");
		break;
	case PROTOBUF_C_TYPE_SINT32:
		/* zigzag: 32 bits too */
		if (v > UINT32_MAX)
			return ("sint32 out of range");
		break;
	case PROTOBUF_C_TYPE_BOOL:
		if (v > 1)
			return ("bool neither 0 nor 1");
		break;
	default:
		/* 64-bit types: get_varint() saw to that */
		break;
	}
	return (NULL);
}

/* the wire type a field of type t is sent as, unpacked */
static int
wire_of(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return (WT_32BIT);
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return (WT_64BIT);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return (WT_LEN);
	default:
		return (WT_VARINT);
	}
}

/* bytes of a fixed-size value, 0 for a varint */
static size_t
fixed_size(int wt)
{
	return (wt == WT_32BIT ? 4 : wt == WT_64BIT ? 8 : 0);
}

/* a packed run of scalars: whole elements, each in range */
static const char *
packed_fault(const struct vfield *vf, const unsigned char *p, size_t len)
{
	const char	*why;
	uint64_t	 v;
	size_t		 sz;

	if ((sz = fixed_size(vf->wt)) != 0)
		return (len % sz != 0 ? "packed values not a whole number" :
		    NULL);
	while (len > 0) {
		if (get_varint(&p, &len, &v) != 0)
			return ("packed varint cut short or too long");
		if ((why = value_fault(vf->type, v)) != NULL)
			return (why);
	}
	return (NULL);
}

/* the fault, where it is and why; -1 for the caller to return */
static int
fault(struct rec_fault *f, const struct vmsg *vm,
    const ProtobufCFieldDescriptor *fd, uint32_t num, const char *why)
{
	f->msg = vm->desc->name;
	f->field = fd != NULL ? fd->name : NULL;
	f->num = num;
	f->why = why;
	return (-1);
}

static int
msg_check(struct vmsg *vm, const unsigned char *p, size_t left, int depth,
    struct rec_fault *f)
{
	const ProtobufCMessageDescriptor	*desc = vm->desc;
	const ProtobufCFieldDescriptor		*fd;
	struct vfield				*vf;
	const unsigned char			*val;
	const char				*why;
	uint64_t				 tag, v = 0;
	size_t					 vlen = 0, before, idx = 0;
	ssize_t					 q;
	uint32_t				 num;
	int					 wt, r;

	if (depth > NEST_MAX)
		return (fault(f, vm, NULL, 0, "messages nested too deep"));
	while (left > 0) {
		if ((q = quick(vm, p, left, depth, f)) > 0) {
			p += q;
			left -= (size_t)q;
			continue;
		}
		if (q == -1)
			return (-1);

		/* the full walk, which says what is wrong */
		before = left;
		if ((r = get_varint(&p, &left, &tag)) != 0)
			return (fault(f, vm, NULL, 0, r == -1 ?
			    "a tag cut short" : "a tag longer than 5 bytes"));
		if (before - left > LEN_VARINT_MAX)
			return (fault(f, vm, NULL, 0,
			    "a tag longer than 5 bytes"));
		if ((tag >> 3) == 0 || (tag >> 3) > FIELD_MAX)
			return (fault(f, vm, NULL, 0,
			    "field number out of range"));
		num = (uint32_t)(tag >> 3);
		wt = (int)(tag & 7);

		/* the value must be there and whole, known field or not */
		why = NULL;
		val = p;
		switch (wt) {
		case WT_VARINT:
			if ((r = get_varint(&p, &left, &v)) != 0)
				why = r == -1 ? "runs past the end of its "
				    "message" : "a varint longer than 64 bits";
			break;
		case WT_64BIT:
		case WT_32BIT:
			vlen = fixed_size(wt);
			if (left < vlen)
				why = "runs past the end of its message";
			else {
				p += vlen;
				left -= vlen;
			}
			break;
		case WT_LEN:
			before = left;
			if ((r = get_varint(&p, &left, &v)) != 0 || v > left)
				why = "runs past the end of its message";
			else if (before - left > LEN_VARINT_MAX)
				why = "a length longer than 5 bytes";
			else {
				val = p;
				vlen = (size_t)v;
				p += vlen;
				left -= vlen;
			}
			break;
		case 3:
		case 4:
			why = "wire type of a group, which proto3 has not";
			break;
		default:
			why = "wire type 6 or 7, which none is";
			break;
		}
		if (why != NULL)
			return (fault(f, vm,
			    protobuf_c_message_descriptor_get_field(desc, num),
			    num, why));

		/*
		 * fields mostly come in order, the zero ones left out:
		 * look from the last one on, then everywhere
		 */
		while (idx < vm->n && vm->f[idx].id < num)
			idx++;
		if (idx >= vm->n || vm->f[idx].id != num) {
			if ((fd = protobuf_c_message_descriptor_get_field(desc,
			    num)) == NULL)
				continue;	/* a newer sensor's: kept */
			idx = (size_t)(fd - desc->fields);
		}
		vf = &vm->f[idx++];

		if (wt != vf->wt) {
			/* proto3 repeated scalars may come packed */
			if (wt != WT_LEN || !vf->packable)
				why = "wrong wire type for its type";
			else
				why = packed_fault(vf, val, vlen);
			if (why != NULL)
				return (fault(f, vm, &desc->fields[idx - 1],
				    num, why));
			continue;
		}
		switch (vf->type) {
		case PROTOBUF_C_TYPE_STRING:
			why = utf8_fault(val, vlen);
			break;
		case PROTOBUF_C_TYPE_BYTES:
			if (!addr_len_ok(vf->addr, vlen))
				why = "address of a wrong length";
			break;
		case PROTOBUF_C_TYPE_MESSAGE:
			if (vf->sub == NULL)
				vf->sub = vmsg_get(
				    desc->fields[idx - 1].descriptor);
			if (msg_check(vf->sub, val, vlen, depth + 1, f) == -1)
				return (-1);
			break;
		default:
			if (wt == WT_VARINT)
				why = value_fault(vf->type, v);
			break;
		}
		if (why != NULL)
			return (fault(f, vm, &desc->fields[idx - 1], num, why));
	}
	return (0);
}

int
record_check(const ProtobufCMessageDescriptor *desc, const unsigned char *rec,
    size_t len, struct rec_fault *f)
{
	memset(f, 0, sizeof(*f));
	return (msg_check(vmsg_get(desc), rec, len, 0, f));
}

/* "DNS.Question.name (field 1): not UTF-8", for the log */
void
rec_fault_str(const struct rec_fault *f, char *buf, size_t len)
{
	if (f->field != NULL)
		snprintf(buf, len, "%s.%s (field %u): %s", f->msg, f->field,
		    f->num, f->why);
	else if (f->num != 0)
		snprintf(buf, len, "%s, unknown field %u: %s", f->msg, f->num,
		    f->why);
	else
		snprintf(buf, len, "%s: %s", f->msg, f->why);
}
