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
 * common/pbpack.c against protobuf-c, the second implementation: the
 * same bytes as protobuf_c_message_pack() for random messages of every
 * record type and of pbtest.proto's Kinds (every kind of field), built
 * by walking the descriptors; never a byte past the room it is given,
 * and a failure for a room one byte short; descriptors it must refuse;
 * then every record the decoder makes of the captures and the tcpdump
 * corpus, packed both ways; and random messages again, packed without
 * the packers generated for the record types (by the plans pb_pack()
 * makes of the descriptors), then without the plans either.
 *
 * usage: t_pbpack [capturedir [corpusdir]]
 *        t_pbpack -b file.pcap [-n rounds] [-t type]
 *					(records/s of each packer)
 */

#include <sys/types.h>

#include <dirent.h>
#include <math.h>
#include <pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ncagentd.h"
#include "pbpack.h"
#include "records.h"
#include "varint.h"
#include "tap.h"
#include "pbtest.pb-c.h"
#include "pbtest2.pb-c.h"

#define CAPTURE_DIR	"regress/captures"
#define CORPUS_DIR	"../shared/corpus/tcpdump-tests"

#define SEED		0x6e636170706b3031ULL
#define ITER_RECORD	3000	/* random messages of each record type */
#define ITER_KINDS	6000	/* and of Kinds */
#define MAXDEPTH	3	/* nested messages, for recursive types */
#define CANARY		64	/* bytes after the room, to stay */
#define CANARY_BYTE	0xa5
#define SHOWN_MAX	5	/* mismatches described in full */
#define BUFMAX		(1024 * 1024)

#define BENCH_MAX	250000	/* records kept for -b */
#define BENCH_MIN	200000	/* records packed in one timing */
#define BENCH_FRAME	(192 * 1024)	/* framed records, a batch's */

struct counts {
	uint64_t	 msgs;		/* messages compared */
	uint64_t	 differ;	/* other bytes or length */
	uint64_t	 overrun;	/* wrote past the room */
	uint64_t	 short_ok;	/* fitted a room too short */
	uint64_t	 exact_fail;	/* failed a room just long enough */
};

static uint64_t		 rng = SEED;
static void		**arena;
static size_t		 narena, arenacap;
static unsigned char	*want, *got;
static int		 shown;
static struct type_stats *tstats;
static uint64_t		 evicted;
static struct counts	 cap_counts;
static uint64_t		*cap_pertype;

/* xorshift64*: the same messages on every machine and libc */
static uint64_t
rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545f4914f6cdd1dULL);
}

static uint32_t
rnd(uint32_t n)
{
	return ((uint32_t)(rnd64() % n));
}

/* a value of 0 to 64 significant bits: varints of each length */
static uint64_t
rnd_bits(unsigned int max)
{
	unsigned int	 bits = rnd(max + 1);

	if (bits == 0)
		return (0);
	return ((rnd64() >> (64 - bits)) | 1ULL << (bits - 1));
}

static void *
amalloc(size_t len)
{
	void	**na, *p;

	if (narena == arenacap) {
		arenacap = arenacap ? arenacap * 2 : 1024;
		if ((na = reallocarray(arena, arenacap, sizeof(*arena))) ==
		    NULL) {
			perror("reallocarray");
			exit(1);
		}
		arena = na;
	}
	if ((p = calloc(1, len ? len : 1)) == NULL) {
		perror("calloc");
		exit(1);
	}
	arena[narena++] = p;
	return (p);
}

static void
arena_free(void)
{
	size_t	 i;

	for (i = 0; i < narena; i++)
		free(arena[i]);
	narena = 0;
}

/* lengths around 127/128 and 16383/16384 most of all */
static size_t
rnd_len(void)
{
	switch (rnd(16)) {
	case 0:
		return (0);
	case 1:
		return (120 + rnd(16));
	case 2:
		return (rnd(400));
	case 3:
		return (rnd(50) == 0 ? 16370 + rnd(30) : rnd(3000));
	default:
		return (1 + rnd(24));
	}
}

/*
 * How many elements a repeated field gets: packed scalars past 127 and
 * 16383 bytes at times, strings, bytes and messages fewer.
 */
static size_t
rnd_count(const ProtobufCFieldDescriptor *f, int depth)
{
	if (depth > 0)
		return (rnd(3));
	if (f->type == PROTOBUF_C_TYPE_STRING ||
	    f->type == PROTOBUF_C_TYPE_BYTES ||
	    f->type == PROTOBUF_C_TYPE_MESSAGE)
		return (rnd(20) == 0 ? 100 + rnd(60) : rnd(8));
	switch (rnd(20)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return (0);
	case 4:
		return (100 + rnd(60));
	case 5:
		return (rnd(40) == 0 ? 3000 + rnd(3000) : rnd(300));
	default:
		return (1 + rnd(6));
	}
}

static char *
rnd_string(size_t len)
{
	char	*s;
	size_t	 i;

	s = amalloc(len + 1);
	for (i = 0; i < len; i++)
		s[i] = (char)(1 + rnd(255));	/* any byte but NUL */
	s[len] = '\0';
	return (s);
}

static ProtobufCMessage *rnd_msg(const ProtobufCMessageDescriptor *, int);

/*
 * One value of the field's type at p.  In an array nothing may be
 * NULL (protobuf-c's sizing would follow it); a singular string,
 * bytes or message may be NULL, empty or the default.
 */
static void
rnd_value(const ProtobufCFieldDescriptor *f, void *p, int depth, int inarray)
{
	ProtobufCBinaryData	*bd;
	uint64_t		 v;
	uint32_t		 v32;
	size_t			 len;
	double			 d;
	float			 fl;
	int32_t			 i32;
	int64_t			 i64;
	static const double	 specials[] = { 0.0, -0.0, 1.0, -1.5,
	    1e300, 1e-300 };

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		v32 = (uint32_t)rnd_bits(31);
		i32 = rnd(2) ? -(int32_t)v32 : (int32_t)v32;
		if (rnd(50) == 0)
			i32 = rnd(2) ? INT32_MIN : INT32_MAX;
		memcpy(p, &i32, sizeof(i32));
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		v32 = (uint32_t)rnd_bits(32);
		memcpy(p, &v32, sizeof(v32));
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		v = rnd_bits(63);
		i64 = rnd(2) ? -(int64_t)v : (int64_t)v;
		if (rnd(50) == 0)
			i64 = rnd(2) ? INT64_MIN : INT64_MAX;
		memcpy(p, &i64, sizeof(i64));
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		v = rnd_bits(64);
		memcpy(p, &v, sizeof(v));
		break;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE:
		switch (rnd(4)) {
		case 0:
			d = specials[rnd(sizeof(specials) /
			    sizeof(specials[0]))];
			break;
		case 1:
			d = rnd(2) ? NAN : (rnd(2) ? INFINITY : -INFINITY);
			break;
		default:
			d = ((double)rnd64() - (double)rnd64()) /
			    (double)(1 + rnd(1000));
			break;
		}
		if (f->type == PROTOBUF_C_TYPE_FLOAT) {
			fl = (float)d;
			memcpy(p, &fl, sizeof(fl));
		} else
			memcpy(p, &d, sizeof(d));
		break;
	case PROTOBUF_C_TYPE_BOOL:
		/* protobuf-c packs any nonzero as 1 */
		*(protobuf_c_boolean *)p = rnd(4) == 0 ? -1 - (int)rnd(3) :
		    (int)rnd(2);
		break;
	case PROTOBUF_C_TYPE_STRING:
		if (!inarray && rnd(8) == 0)
			*(char **)p = NULL;
		else if (!inarray && rnd(8) == 0 && f->default_value != NULL)
			*(const void **)p = f->default_value;
		else
			*(char **)p = rnd_string(rnd_len());
		break;
	case PROTOBUF_C_TYPE_BYTES:
		bd = p;
		len = rnd_len();
		bd->len = len;
		/* an empty one with and without data */
		bd->data = len || rnd(2) ? amalloc(len) : NULL;
		for (v = 0; v < len; v++)
			bd->data[v] = (uint8_t)rnd(256);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		if (!inarray && (depth >= MAXDEPTH || rnd(4) == 0))
			*(ProtobufCMessage **)p = NULL;
		else
			*(ProtobufCMessage **)p = rnd_msg(f->descriptor,
			    depth + 1);
		break;
	}
}

/* unknown fields, as an unpacked message from a newer sender has */
static void
rnd_unknown(ProtobufCMessage *m)
{
	ProtobufCMessageUnknownField	*u;
	size_t				 i, n = rnd(4);
	static const ProtobufCWireType	 wt[] = {
		PROTOBUF_C_WIRE_TYPE_VARINT, PROTOBUF_C_WIRE_TYPE_64BIT,
		PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, PROTOBUF_C_WIRE_TYPE_32BIT
	};

	m->n_unknown_fields = n;
	m->unknown_fields = amalloc(n * sizeof(*u));
	for (i = 0; i < n; i++) {
		u = &m->unknown_fields[i];
		u->tag = 1 + (uint32_t)rnd_bits(28);
		u->wire_type = wt[rnd(4)];
		u->len = rnd(20);
		u->data = amalloc(u->len);
		memset(u->data, (int)rnd(256), u->len);
	}
}

static ProtobufCMessage *
rnd_msg(const ProtobufCMessageDescriptor *d, int depth)
{
	const ProtobufCFieldDescriptor	*f;
	ProtobufCMessage		*m;
	unsigned char			*base, *arr;
	uint32_t			*ocase;
	size_t				 i, j, n, es;

	m = amalloc(d->sizeof_message);
	d->message_init(m);
	base = (unsigned char *)m;
	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    depth >= MAXDEPTH)
				continue;
			n = rnd_count(f, depth);
			es = field_elem_size(f->type);
			arr = amalloc(n * es);
			for (j = 0; j < n; j++)
				rnd_value(f, arr + j * es, depth, 1);
			*(size_t *)(base + f->quantifier_offset) = n;
			*(void **)(base + f->offset) = arr;
		} else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			/* one member of a oneof at most, maybe left zero */
			ocase = (uint32_t *)(base + f->quantifier_offset);
			if (*ocase != 0 || rnd(3) != 0)
				continue;
			*ocase = f->id;
			if (rnd(5) != 0)
				rnd_value(f, base + f->offset, depth, 0);
		} else if (rnd(4) != 0)
			rnd_value(f, base + f->offset, depth, 0);
	}
	if (depth == 0 && rnd(10) == 0)
		rnd_unknown(m);
	return (m);
}

static void
hexdump(const char *what, const unsigned char *p, size_t len)
{
	size_t	 i;

	printf("# %s (%zu):", what, len);
	for (i = 0; i < len && i < 64; i++)
		printf(" %02x", p[i]);
	printf("%s\n", len > 64 ? " ..." : "");
}

static int
canary_ok(const unsigned char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] != CANARY_BYTE)
			return (0);
	return (1);
}

/*
 * pb_pack() into a room of room bytes in got[], with a canary after
 * it; -1 when it wrote past the room.  In turn, pb_pack_record() of the
 * message's record type, and of another (which must look it up).
 */
static size_t
pack_room(const ProtobufCMessage *m, size_t room, int *overrun)
{
	static unsigned int	 turn;
	int			 t = rectype_bydesc(m->descriptor);
	size_t			 n;

	memset(got, CANARY_BYTE, room + CANARY);
	switch (turn++ % 3) {
	case 0:
		n = pb_pack(m, got, room);
		break;
	case 1:
		n = pb_pack_record(t != -1 ? (size_t)t : 0, m, got, room);
		break;
	default:
		n = pb_pack_record(t != -1 ? ((size_t)t + 1) % nrectypes : 0,
		    m, got, room);
		break;
	}
	if (!canary_ok(got + room, CANARY))
		*overrun = 1;
	return (n);
}

/*
 * The message both ways, and in rooms of its length, one byte less and
 * some length less yet.  Returns 0 if all is as it should be.
 */
static int
compare(const ProtobufCMessage *m, struct counts *c)
{
	unsigned char	*exact;
	size_t		 len, n, room;
	int		 bad = 0, overrun = 0;

	c->msgs++;
	len = protobuf_c_message_get_packed_size(m);
	if (len + CANARY > BUFMAX) {
		printf("# %s of %zu bytes: larger than the test's buffer\n",
		    m->descriptor->name, len);
		c->differ++;
		return (-1);
	}
	if (protobuf_c_message_pack(m, want) != len) {
		printf("# %s: protobuf-c packs other than it sizes\n",
		    m->descriptor->name);
		c->differ++;
		return (-1);
	}

	n = pack_room(m, len + 1 + rnd(CANARY), &overrun);
	if (n != len || memcmp(want, got, len) != 0) {
		c->differ++;
		bad = 1;
		if (shown++ < SHOWN_MAX) {
			printf("# %s: pb_pack %zd bytes, protobuf-c %zu\n",
			    m->descriptor->name, (ssize_t)n, len);
			for (n = 0; n < len && want[n] == got[n]; n++)
				;
			printf("# first difference at byte %zu\n", n);
			hexdump("protobuf-c", want, len);
			hexdump("pb_pack", got, len);
		}
	}

	if (pack_room(m, len, &overrun) != len ||
	    memcmp(want, got, len) != 0) {
		c->exact_fail++;
		bad = 1;
	}
	if (len > 0) {
		if (pack_room(m, len - 1, &overrun) != PB_FAIL) {
			c->short_ok++;
			bad = 1;
		}
		room = rnd((uint32_t)len);
		if (pack_room(m, room, &overrun) != PB_FAIL) {
			c->short_ok++;
			bad = 1;
		}
		/* exactly the room, for the sanitizers to watch */
		if ((exact = malloc(len - 1 ? len - 1 : 1)) == NULL) {
			perror("malloc");
			exit(1);
		}
		if (pb_pack(m, exact, len - 1) != PB_FAIL) {
			c->short_ok++;
			bad = 1;
		}
		free(exact);
	}
	if ((exact = malloc(len ? len : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	if (pb_pack(m, exact, len) != len || memcmp(exact, want, len) != 0) {
		c->exact_fail++;
		bad = 1;
	}
	free(exact);
	if (overrun) {
		c->overrun++;
		bad = 1;
	}
	return (bad ? -1 : 0);
}

static void
report(const char *what, const struct counts *c)
{
	ok(c->msgs > 0 && c->differ == 0, "%s: %lu messages, the same bytes "
	    "as protobuf-c (%lu differ)", what, (unsigned long)c->msgs,
	    (unsigned long)c->differ);
	ok(c->msgs > 0 && c->overrun == 0 && c->short_ok == 0 &&
	    c->exact_fail == 0, "%s: never past the room, fails one byte "
	    "short, fits its length (%lu overruns, %lu too short fitted, %lu "
	    "exact failed)", what, (unsigned long)c->overrun,
	    (unsigned long)c->short_ok, (unsigned long)c->exact_fail);
}

static void
random_type(const ProtobufCMessageDescriptor *d, int iter)
{
	struct counts	 c;
	char		 what[128];
	int		 i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < iter; i++) {
		compare(rnd_msg(d, 0), &c);
		arena_free();
	}
	snprintf(what, sizeof(what), "random %s", d->name);
	report(what, &c);
}

/* zero and empty values: left out alike */
static void
check_zero(void)
{
	Kinds		 k = KINDS__INIT;
	static char	 empty[] = "";
	struct counts	 c;

	memset(&c, 0, sizeof(c));
	compare(&k.base, &c);
	k.str = empty;
	k.fl = -0.0f;
	k.db = -0.0;
	k.byt.data = (uint8_t *)empty;
	compare(&k.base, &c);
	k.choice_case = KINDS__CHOICE_O_STR;
	k.o_str = (char *)(uintptr_t)protobuf_c_empty_string;
	compare(&k.base, &c);
	k.o_str = empty;	/* set, and not the default: packed */
	compare(&k.base, &c);
	k.choice_case = KINDS__CHOICE_O_U32;
	k.o_u32 = 0;		/* set: packed although 0 */
	compare(&k.base, &c);
	ok(c.differ == 0 && c.overrun == 0 && c.short_ok == 0 &&
	    c.exact_fail == 0 && pb_pack(&((Kinds)KINDS__INIT).base, got, 0)
	    == 0, "zero, empty and default values as protobuf-c has them");
}

/*
 * A NULL in an array of messages: protobuf-c packs it as an empty
 * one, but cannot size it, so compare() never makes one.
 */
static void
check_null_element(void)
{
	Kinds		 k = KINDS__INIT, child = KINDS__INIT;
	Kinds		*arr[3] = { &child, NULL, &child };
	size_t		 len, n;

	child.u32 = 300;
	k.n_r_child = 3;
	k.r_child = arr;
	len = protobuf_c_message_pack(&k.base, want);
	n = pb_pack(&k.base, got, BUFMAX);
	ok(n == len && memcmp(want, got, len) == 0 &&
	    pb_pack(&k.base, got, len - 1) == PB_FAIL,
	    "a NULL in an array of messages packed empty, as protobuf-c does");
}

/* a copy of d whose field i is changed by the caller */
static ProtobufCMessageDescriptor *
desc_copy(const ProtobufCMessageDescriptor *d, ProtobufCFieldDescriptor **fp,
    unsigned int i)
{
	ProtobufCMessageDescriptor	*nd;
	ProtobufCFieldDescriptor	*nf;

	nd = amalloc(sizeof(*nd));
	nf = amalloc(d->n_fields * sizeof(*nf));
	memcpy(nd, d, sizeof(*nd));
	memcpy(nf, d->fields, d->n_fields * sizeof(*nf));
	nd->fields = nf;
	*fp = &nf[i];
	return (nd);
}

/* what pb_supported() takes and what it leaves to protobuf-c */
static void
check_supported(void)
{
	ProtobufCMessageDescriptor	*nd, *outer;
	ProtobufCFieldDescriptor	*f;
	Old				 old = OLD__INIT;
	size_t				 i;
	int				 all = 1;
	unsigned int			 child;

	for (i = 0; i < nrectypes; i++)
		if (pb_supported(rectypes[i]) != 0) {
			printf("# %s refused\n", rectypes[i]->name);
			all = 0;
		}
	ok(all, "every record type (%zu) supported", nrectypes);
	ok(pb_supported(&kinds__descriptor) == 0,
	    "Kinds, with every kind of proto3 field, supported");
	ok(pb_supported(&old__descriptor) == -1 &&
	    pb_pack(&old.base, got, BUFMAX) == PB_FAIL,
	    "proto2 required and optional refused, and not packed");
	ok(pb_supported(NULL) == -1, "no descriptor refused");

	nd = desc_copy(&kinds__descriptor, &f, 0);
	f->type = (ProtobufCType)(PROTOBUF_C_TYPE_MESSAGE + 1);
	ok(pb_supported(nd) == -1, "a type after MESSAGE refused");
	nd = desc_copy(&kinds__descriptor, &f, 0);
	f->flags |= 1U << 7;
	ok(pb_supported(nd) == -1, "a flag unknown refused");
	nd = desc_copy(&kinds__descriptor, &f, 0);
	f->label = PROTOBUF_C_LABEL_OPTIONAL;
	ok(pb_supported(nd) == -1, "an optional field refused");
	nd = desc_copy(&kinds__descriptor, &f, 14);	/* str */
	f->label = PROTOBUF_C_LABEL_REPEATED;
	f->flags |= PROTOBUF_C_FIELD_FLAG_PACKED;
	ok(pb_supported(nd) == -1, "packed strings refused");
	nd = desc_copy(&kinds__descriptor, &f, 0);
	nd->magic = 0;
	ok(pb_supported(nd) == -1, "a descriptor without its magic refused");

	/* one nested type refused refuses the one it is in */
	for (child = 0; child < kinds__descriptor.n_fields; child++)
		if (kinds__descriptor.fields[child].id == 17)
			break;
	nd = desc_copy(&kinds__descriptor, &f, 0);
	f->type = (ProtobufCType)99;
	outer = desc_copy(&kinds__descriptor, &f, child);
	f->descriptor = nd;
	ok(f->type == PROTOBUF_C_TYPE_MESSAGE && pb_supported(outer) == -1,
	    "a message holding a type refused, refused");
	arena_free();
}

/* every record of a capture, packed both ways */
static void
emit(void *arg, int type, const ProtobufCMessage *msg)
{
	if (type >= 0 && (size_t)type < nrectypes)
		cap_pertype[type]++;
	compare(msg, &cap_counts);
}

static int
run_pcap(const char *path, emit_fn fn)
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	struct agent_conf	 conf;
	struct pcap_pkthdr	*h;
	const u_char		*data;
	pcap_t			*pc;
	int			 dlt;

	if ((pc = pcap_open_offline(path, errbuf)) == NULL)
		return (-1);
	dlt = pcap_datalink(pc);
	if (decode_linktype_ok(dlt) == -1) {
		pcap_close(pc);
		return (0);
	}
	memset(&conf, 0, sizeof(conf));
	conf.conn_table_size = CONN_TABLE_DEFAULT;
	conf.conn_idle_timeout = CONN_IDLE_DEFAULT;
	conf.conn_active_timeout = CONN_ACTIVE_DEFAULT;
	decode_init(fn, NULL, tstats);
	flow_init(&conf, fn, NULL, tstats, &evicted);
	while (pcap_next_ex(pc, &h, &data) == 1)
		decode_packet(dlt, (int64_t)h->ts.tv_sec * 1000000000 +
		    (int64_t)h->ts.tv_usec * 1000, data, h->caplen, h->len);
	flow_shutdown();
	pcap_close(pc);
	return (1);
}

static int
is_pcap(const struct dirent *de)
{
	return (strstr(de->d_name, ".pcap") != NULL);
}

static void
run_dir(const char *dir, const char *what, int needed)
{
	struct dirent	**ents;
	char		 path[1024], missing[512];
	int		 i, n, files = 0;
	size_t		 t;

	if ((n = scandir(dir, &ents, is_pcap, alphasort)) == -1) {
		if (needed)
			ok(0, "%s: cannot read %s", what, dir);
		else
			printf("ok %d # SKIP %s absent\n", ++ntest, dir);
		return;
	}
	memset(&cap_counts, 0, sizeof(cap_counts));
	memset(cap_pertype, 0, nrectypes * sizeof(*cap_pertype));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (run_pcap(path, emit) == 1)
			files++;
		free(ents[i]);
	}
	free(ents);
	printf("# %s: %d files decoded\n", what, files);
	report(what, &cap_counts);
	missing[0] = '\0';
	for (t = 0; t < nrectypes; t++) {
		printf("# %s %-28s %8lu records\n", what, rectypes[t]->name,
		    (unsigned long)cap_pertype[t]);
		if (cap_pertype[t] == 0) {
			strlcat(missing, " ", sizeof(missing));
			strlcat(missing, rectypes[t]->name, sizeof(missing));
		}
	}
	if (needed)
		ok(missing[0] == '\0', "%s: records of every type compared%s%s",
		    what, missing[0] ? ", none of:" : "", missing);
}

/* -b: records kept from a capture, packed again and again */
struct brec {
	ProtobufCMessage	*msg;
};

static struct brec	*brecs;
static size_t		 nbrecs;
static int		 benchtype = -1;	/* -t: records of one type */

static void
bench_emit(void *arg, int type, const ProtobufCMessage *msg)
{
	size_t	 len;

	if (nbrecs == BENCH_MAX || (benchtype != -1 && type != benchtype))
		return;
	/* the decoder's message is gone after this: keep a copy */
	len = protobuf_c_message_pack(msg, want);
	if ((brecs[nbrecs].msg = protobuf_c_message_unpack(msg->descriptor,
	    NULL, len, want)) == NULL) {
		fprintf(stderr, "unpack failed\n");
		exit(1);
	}
	nbrecs++;
}

static double
cpu_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

enum bmode { B_PBC, B_PB, B_PBC_FRAMED, B_PB_DIRECT, B_PB_SCRATCH };

static const char *const bnames[] = {
	"protobuf-c size+pack",
	"pb_pack",
	"protobuf-c, framed in a batch",
	"pb_pack, framed in place",
	"pb_pack, framed from a scratch",
};

/* one pass over the records; returns a checksum of what was written */
static size_t
bench_pass(enum bmode mode, unsigned char *fb, unsigned char *scratch)
{
	size_t	 i, len, pos = 0, k, sum = 0;

	for (i = 0; i < nbrecs; i++) {
		const ProtobufCMessage	*m = brecs[i].msg;

		if (pos > BENCH_FRAME) {
			sum += pos;
			pos = 0;
		}
		switch (mode) {
		case B_PBC:
			len = protobuf_c_message_get_packed_size(m);
			sum += protobuf_c_message_pack(m, scratch) + len;
			break;
		case B_PB:
			sum += pb_pack(m, scratch, BENCH_FRAME);
			break;
		case B_PBC_FRAMED:
			len = protobuf_c_message_get_packed_size(m);
			pos += varint_put(fb + pos, len);
			pos += protobuf_c_message_pack(m, fb + pos);
			break;
		case B_PB_DIRECT:
			len = pb_pack(m, fb + pos + 1, BENCH_FRAME);
			if ((k = varint_len(len)) > 1)
				memmove(fb + pos + k, fb + pos + 1, len);
			varint_put(fb + pos, len);
			pos += k + len;
			break;
		case B_PB_SCRATCH:
			len = pb_pack(m, scratch, BENCH_FRAME);
			pos += varint_put(fb + pos, len);
			memcpy(fb + pos, scratch, len);
			pos += len;
			break;
		}
	}
	return (sum + pos);
}

static int
bench(const char *path, int rounds)
{
	unsigned char	*fb, *scratch;
	double		 t0, best[5];
	size_t		 i, reps, sum = 0;
	int		 r, mode;

	if ((brecs = calloc(BENCH_MAX, sizeof(*brecs))) == NULL ||
	    (fb = malloc(2 * BENCH_FRAME)) == NULL ||
	    (scratch = malloc(BENCH_FRAME)) == NULL) {
		perror("malloc");
		return (1);
	}
	if (run_pcap(path, bench_emit) != 1) {
		fprintf(stderr, "%s: not a capture we decode\n", path);
		return (1);
	}
	printf("%s: %zu records\n", path, nbrecs);
	for (mode = 0; mode < 5; mode++)
		best[mode] = 1e9;
	if (nbrecs == 0) {
		fprintf(stderr, "%s: no records\n", path);
		return (1);
	}
	/* a timing is of BENCH_MIN records at least, for the clock */
	reps = nbrecs < BENCH_MIN ? (BENCH_MIN + nbrecs - 1) / nbrecs : 1;
	for (r = 0; r < rounds; r++)
		for (mode = 0; mode < 5; mode++) {
			t0 = cpu_s();
			for (i = 0; i < reps; i++)
				sum += bench_pass((enum bmode)mode, fb,
				    scratch);
			t0 = cpu_s() - t0;
			if (t0 < best[mode])
				best[mode] = t0;
		}
	for (mode = 0; mode < 5; mode++)
		printf("%-32s %10.0f records/s %7.1f ns/record\n",
		    bnames[mode], (double)(nbrecs * reps) / best[mode],
		    best[mode] * 1e9 / (double)(nbrecs * reps));
	printf("(checksum %zu, best of %d rounds of %zu records, CPU "
	    "time)\n", sum, rounds, nbrecs * reps);
	for (i = 0; i < nbrecs; i++)
		protobuf_c_message_free_unpacked(brecs[i].msg, NULL);
	free(brecs);
	free(fb);
	free(scratch);
	return (0);
}

int
main(int argc, char *argv[])
{
	const char	*capdir = CAPTURE_DIR, *corpus = CORPUS_DIR;
	const char	*benchfile = NULL;
	size_t		 i;
	int		 ch, rounds = 5;

	while ((ch = getopt(argc, argv, "b:n:t:")) != -1) {
		switch (ch) {
		case 'b':
			benchfile = optarg;
			break;
		case 't':
			if ((benchtype = rectype_byname(optarg)) == -1) {
				fprintf(stderr, "%s: no such type\n", optarg);
				return (1);
			}
			break;
		case 'n':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: t_pbpack [capturedir "
			    "[corpusdir]]\n       t_pbpack -b file.pcap "
			    "[-n rounds] [-t type]\n");
			return (1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0)
		capdir = argv[0];
	if (argc > 1)
		corpus = argv[1];
	if ((tstats = calloc(nrectypes, sizeof(*tstats))) == NULL ||
	    (cap_pertype = calloc(nrectypes, sizeof(*cap_pertype))) == NULL ||
	    (want = malloc(BUFMAX)) == NULL || (got = malloc(BUFMAX)) == NULL) {
		perror("malloc");
		return (1);
	}
	if (benchfile != NULL)
		return (bench(benchfile, rounds < 1 ? 1 : rounds));

	check_supported();
	check_zero();
	check_null_element();
	for (i = 0; i < nrectypes; i++)
		random_type(rectypes[i], ITER_RECORD);
	random_type(&kinds__descriptor, ITER_KINDS);
	run_dir(capdir, "captures", 1);
	run_dir(corpus, "corpus", 0);

	/*
	 * without the generated packers: the plans alone; without plans:
	 * the descriptors alone; the same bytes
	 */
	pb_plans(1, 0);
	check_zero();
	check_null_element();
	for (i = 0; i < nrectypes; i++)
		random_type(rectypes[i], ITER_RECORD / 3);
	run_dir(capdir, "captures, plans alone", 1);
	pb_plans(0, 0);
	check_zero();
	check_null_element();
	for (i = 0; i < nrectypes; i++)
		random_type(rectypes[i], ITER_RECORD / 10);
	random_type(&kinds__descriptor, ITER_KINDS);
	pb_plans(1, 1);

	printf("1..%d\n", ntest);
	return (nfail != 0);
}
