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
 * gen_pack HEADER...: write, from the descriptors of the record types
 * (rectypes[], linked in), a packer of each in C: for pb_pack(), which
 * packs a record with it (pbgen.h says how).  Run at build time; the
 * HEADERs are those of the record types, which the code includes.
 *
 * A packer writes the fields pbpack.c knows the kind of (singular
 * uint32, int32, enum, int64, uint64, bool, bytes, string) one after
 * the other, in the order of their numbers as pb_pack() does, each
 * test, key and value written out; any other field it leaves to
 * pb_pack_field().  It checks the room once for the longest the
 * scalars could be, then for each bytes or string its length: it
 * gives up (NULL) when the room might be short, and pb_pack() packs
 * the record again the slow way, which fails only when it is short.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "records.h"

enum kind { K_U32, K_I32, K_64, K_BOOL, K_BYTES, K_STRING, K_FIELD };

#define VARINT32	5	/* bytes a 32-bit varint takes at most */
#define VARINT64	10

static enum kind
kind(const ProtobufCFieldDescriptor *f)
{
	if (f->label != PROTOBUF_C_LABEL_NONE ||
	    (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0)
		return (K_FIELD);
	switch (f->type) {
	case PROTOBUF_C_TYPE_UINT32:
		return (K_U32);
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_ENUM:
		return (K_I32);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		return (K_64);
	case PROTOBUF_C_TYPE_BOOL:
		return (K_BOOL);
	case PROTOBUF_C_TYPE_BYTES:
		return (K_BYTES);
	case PROTOBUF_C_TYPE_STRING:
		return (K_STRING);
	default:
		return (K_FIELD);
	}
}

/* the key of f as C statements writing it, and its length */
static size_t
key(const ProtobufCFieldDescriptor *f, enum kind k, char *out, size_t len)
{
	uint64_t	 v;
	size_t		 n = 0, o = 0;

	v = (uint64_t)f->id << 3 | (k == K_BYTES || k == K_STRING ? 2 : 0);
	out[0] = '\0';
	do {
		o += (size_t)snprintf(out + o, len - o, "%s*p++ = 0x%02x;",
		    n > 0 ? " " : "", (unsigned int)((v & 0x7f) |
		    (v >= 0x80 ? 0x80 : 0)));
		v >>= 7;
		n++;
	} while (v != 0 && o < len);
	return (n);
}

/* bytes the field takes at most, its data aside */
static size_t
worst(const ProtobufCFieldDescriptor *f)
{
	char		 buf[128];
	enum kind	 k = kind(f);
	size_t		 n;

	if (k == K_FIELD)
		return (0);
	n = key(f, k, buf, sizeof(buf));
	switch (k) {
	case K_U32:
	case K_BYTES:
	case K_STRING:
		return (n + VARINT32);
	case K_BOOL:
		return (n + 1);
	default:
		return (n + VARINT64);
	}
}

/* what the fields from i on take at most, their data aside */
static size_t
rest(const ProtobufCMessageDescriptor *d, unsigned int i)
{
	size_t	 w = 0;

	for (; i < d->n_fields; i++)
		w += worst(&d->fields[i]);
	return (w);
}

static void
packer(const ProtobufCMessageDescriptor *d)
{
	const ProtobufCFieldDescriptor	*f;
	char				 k[128];
	unsigned int			 i;
	int				 strings = 0, bytes = 0;

	printf("\n/* %s, %u fields */\n", d->name, d->n_fields);
	printf("static unsigned char *\n");
	printf("pack_%s(const ProtobufCMessage *msg, unsigned char *p,\n"
	    "    const unsigned char *end)\n{\n", d->c_name);
	printf("\tconst %s\t*m = (const %s *)msg;\n", d->c_name, d->c_name);
	for (i = 0; i < d->n_fields; i++)
		if (kind(&d->fields[i]) == K_STRING)
			strings = 1;
		else if (kind(&d->fields[i]) == K_BYTES)
			bytes = 1;
	if (strings)
		printf("\tconst char\t*s;\n");
	if (strings || bytes)
		printf("\tsize_t\t\t n;\n");
	printf("\n");
	printf("\tif (msg->n_unknown_fields != 0 || end - p < %zu)\n"
	    "\t\treturn (NULL);\n", rest(d, 0));
	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		key(f, kind(f), k, sizeof(k));
		switch (kind(f)) {
		case K_U32:
			printf("\tif (m->%s != 0) {\n\t\t%s\n"
			    "\t\tp = pbgen_u32(p, m->%s);\n\t}\n", f->name, k,
			    f->name);
			break;
		case K_I32:
			printf("\tif (m->%s != 0) {\n\t\t%s\n"
			    "\t\tp = pbgen_u64(p, (uint64_t)(int64_t)"
			    "(int32_t)m->%s);\n\t}\n", f->name, k, f->name);
			break;
		case K_64:
			printf("\tif (m->%s != 0) {\n\t\t%s\n"
			    "\t\tp = pbgen_u64(p, (uint64_t)m->%s);\n\t}\n",
			    f->name, k, f->name);
			break;
		case K_BOOL:
			printf("\tif (m->%s) {\n\t\t%s\n\t\t*p++ = 1;\n\t}\n",
			    f->name, k);
			break;
		case K_BYTES:
			printf("\tif ((n = m->%s.len) != 0) {\n"
			    "\t\tif (n > UINT32_MAX || n > (size_t)(end - p) - "
			    "%zu)\n"
			    "\t\t\treturn (NULL);\n\t\t%s\n"
			    "\t\tp = pbgen_len(p, m->%s.data, n);\n\t}\n",
			    f->name, rest(d, i), k, f->name);
			break;
		case K_STRING:
			printf("\tif ((s = m->%s) != NULL && *s != '\\0') {\n"
			    "\t\tif ((n = strlen(s)) > UINT32_MAX ||\n"
			    "\t\t    n > (size_t)(end - p) - %zu)\n"
			    "\t\t\treturn (NULL);\n\t\t%s\n"
			    "\t\tp = pbgen_len(p, s, n);\n\t}\n",
			    f->name, rest(d, i), k);
			break;
		case K_FIELD:
			printf("\t/* %s: by its descriptor */\n"
			    "\tif ((p = pb_pack_field(&msg->descriptor->"
			    "fields[%u],\n\t    (const char *)msg, p, end)) == "
			    "NULL ||\n\t    end - p < %zu)\n"
			    "\t\treturn (NULL);\n", f->name, i,
			    rest(d, i + 1));
			break;
		}
	}
	printf("\treturn (p);\n}\n");
}

int
main(int argc, char *argv[])
{
	size_t	 i;
	int	 a;

	printf("/* generated by common/gen_pack.c from the record types */\n");
	printf("#include <stddef.h>\n#include <stdint.h>\n"
	    "#include <string.h>\n\n#include \"pbgen.h\"\n");
	for (a = 1; a < argc; a++) {
		const char	*base = strrchr(argv[a], '/');

		printf("#include \"%s\"\n", base != NULL ? base + 1 : argv[a]);
	}
	for (i = 0; i < nrectypes; i++) {
		if (rectypes[i]->magic !=
		    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC) {
			fprintf(stderr, "gen_pack: rectypes[%zu]: no "
			    "descriptor\n", i);
			return (1);
		}
		packer(rectypes[i]);
	}
	printf("\nconst struct pbgen pbgen[] = {\n");
	for (i = 0; i < nrectypes; i++)
		printf("\t{ %zu, \"%s\", pack_%s },\n", i, rectypes[i]->name,
		    rectypes[i]->c_name);
	printf("};\nconst size_t npbgen = sizeof(pbgen) / sizeof(pbgen[0]);\n");
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("gen_pack");
		return (1);
	}
	return (0);
}
