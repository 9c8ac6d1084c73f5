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

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "ncap.h"
#include "ncctl.h"
#include "records.h"

/*
 * The dumper knows no record type: it walks the protobuf-c descriptors,
 * so a type added to records.proto dumps without a line changed here.
 * JSON keys are the field names in field-number order (the order of
 * the descriptor's fields), and every field is written, zero or not.
 */

#define OUTBUFSZ	(64 * 1024)

#define TFIELD_UNKNOWN	(-2)

struct dumper {
	FILE			*out;
	enum dump_fmt		 fmt;
	FILE			*cell;		/* CSV: JSON text of one cell */
	char			*cellbuf;
	size_t			 cellsz;
	int			 type;		/* of the records that follow */
	const Header		*pending;	/* to write before them */
	struct dump_range	 range;
	int			 ranged;
	int			*tfield;	/* per type: its time field */
	char			*warned;	/* per type: it has none */
};

static const void *field_ptr(const ProtobufCMessage *, unsigned int);
static int	 field_present(const ProtobufCMessage *,
		    const ProtobufCFieldDescriptor *);
static size_t	 utf8_seq(const unsigned char *, size_t);

static void	 put_float(FILE *, double, int);
static void	 bytes_text(FILE *, const ProtobufCBinaryData *);
static void	 json_value(FILE *, const ProtobufCFieldDescriptor *,
		    const void *);
static void	 json_field(FILE *, const ProtobufCMessage *,
		    const ProtobufCFieldDescriptor *);
static void	 json_message(FILE *, const ProtobufCMessage *);
static void	 csv_text(FILE *, const char *, size_t);
static void	 csv_safe(FILE *, const char *);
static void	 csv_begin(struct dumper *, const Header *,
		    const ProtobufCMessageDescriptor *);
static void	 csv_record(struct dumper *, const ProtobufCMessage *);
static int	 time_field(const ProtobufCMessageDescriptor *);
static int	 in_range(struct dumper *, int, const ProtobufCMessage *);
static void	 dumper_put_header(struct dumper *, const Header *, int);
static int	 dump_one(struct dumper *, FILE *, const char *);

/* a member of a message, found by its descriptor's offset */
static const void *
field_ptr(const ProtobufCMessage *m, unsigned int off)
{
	return ((const unsigned char *)m + off);
}

/*
 * Proto3 fields are always present.  A oneof member is present when
 * the oneof's case names it, and an optional scalar when its has_
 * flag is set (optional strings and messages are absent when NULL,
 * which json_value sees for itself).
 */
static int
field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return (*(const uint32_t *)field_ptr(m, f->quantifier_offset) ==
		    f->id);
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
	    f->type != PROTOBUF_C_TYPE_STRING &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE)
		return (*(const protobuf_c_boolean *)field_ptr(m,
		    f->quantifier_offset) != 0);
	return (1);
}

/* length of the well-formed UTF-8 sequence at s, or 0 */
static size_t
utf8_seq(const unsigned char *s, size_t left)
{
	uint32_t	 cp;
	size_t		 n, i;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return (0);
	if (left < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and code points past Unicode */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

/*
 * A JSON string.  The output is always valid JSON: a byte that is not
 * part of well-formed UTF-8 is written as \u00XX, so none is lost.
 */
void
json_string(FILE *out, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 len = strlen(str), i = 0, n;

	putc('"', out);
	while (i < len) {
		if (s[i] >= 0x80) {
			if ((n = utf8_seq(s + i, len - i)) == 0) {
				fprintf(out, "\\u%04x", s[i]);
				n = 1;
			} else
				fwrite(s + i, 1, n, out);
			i += n;
			continue;
		}
		switch (s[i]) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (s[i] < 0x20 || s[i] == 0x7f)
				fprintf(out, "\\u%04x", s[i]);
			else
				putc(s[i], out);
			break;
		}
		i++;
	}
	putc('"', out);
}

/* the shortest text that reads back as the same value; null if none */
static void
put_float(FILE *out, double d, int single)
{
	char	 buf[320];	/* the compiler sizes %g as if it were %f */
	int	 prec, maxprec = single ? 9 : 17;

	if (!isfinite(d)) {
		fputs("null", out);
		return;
	}
	for (prec = single ? 6 : 15; prec < maxprec; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (single ? strtof(buf, NULL) == (float)d :
		    strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, d);
	fputs(buf, out);
}

/*
 * Addresses travel as bytes: 4 and 16 bytes are IP addresses, 6 a MAC
 * address, anything else is shown as hex.
 */
static void
bytes_text(FILE *out, const ProtobufCBinaryData *b)
{
	char	 addr[INET6_ADDRSTRLEN];
	size_t	 i;

	switch (b->len) {
	case 4:
		fputs(inet_ntop(AF_INET, b->data, addr, sizeof(addr)), out);
		break;
	case 16:
		fputs(inet_ntop(AF_INET6, b->data, addr, sizeof(addr)), out);
		break;
	case 6:
		fprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x", b->data[0],
		    b->data[1], b->data[2], b->data[3], b->data[4],
		    b->data[5]);
		break;
	default:
		for (i = 0; i < b->len; i++)
			fprintf(out, "%02x", b->data[i]);
		break;
	}
}

/* one value of field f, stored at p */
static void
json_value(FILE *out, const ProtobufCFieldDescriptor *f, const void *p)
{
	const char		*s;
	const ProtobufCMessage	*sub;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		fprintf(out, "%" PRId32, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		fprintf(out, "%d", *(const int *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		fprintf(out, "%" PRIu32, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		fprintf(out, "%" PRId64, *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		fprintf(out, "%" PRIu64, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		put_float(out, *(const float *)p, 1);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		put_float(out, *(const double *)p, 0);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)p ? "true" : "false", out);
		break;
	case PROTOBUF_C_TYPE_STRING:
		if ((s = *(const char *const *)p) == NULL)
			fputs("null", out);
		else
			json_string(out, s);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		putc('"', out);
		bytes_text(out, p);
		putc('"', out);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		if ((sub = *(const ProtobufCMessage *const *)p) == NULL)
			fputs("null", out);
		else
			json_message(out, sub);
		break;
	}
}

static void
json_field(FILE *out, const ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f)
{
	const unsigned char	*arr;
	size_t			 n, i, sz;

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		n = *(const size_t *)field_ptr(m, f->quantifier_offset);
		arr = *(const unsigned char *const *)field_ptr(m, f->offset);
		if ((sz = field_elem_size(f->type)) == 0)
			errx(1, "unknown protobuf-c field type %d", (int)f->type);
		putc('[', out);
		for (i = 0; i < n; i++) {
			if (i > 0)
				putc(',', out);
			json_value(out, f, arr + i * sz);
		}
		putc(']', out);
		return;
	}
	if (!field_present(m, f)) {
		fputs("null", out);
		return;
	}
	json_value(out, f, field_ptr(m, f->offset));
}

static void
json_message(FILE *out, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor	*d = m->descriptor;
	unsigned int				 i;

	putc('{', out);
	for (i = 0; i < d->n_fields; i++) {
		if (i > 0)
			putc(',', out);
		json_string(out, d->fields[i].name);
		putc(':', out);
		json_field(out, m, &d->fields[i]);
	}
	putc('}', out);
}

/* one CSV cell, quoted as RFC 4180 has it when it must be */
static void
csv_text(FILE *out, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			break;
	if (i == len) {
		fwrite(s, 1, len, out);
		return;
	}
	putc('"', out);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			putc('"', out);
		putc(s[i], out);
	}
	putc('"', out);
}

/* header values in the comment line: one line, one word each */
static void
csv_safe(FILE *out, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		putc(*p <= ' ' || *p == 0x7f ? '?' : *p, out);
}

static void
csv_begin(struct dumper *d, const Header *h,
    const ProtobufCMessageDescriptor *desc)
{
	unsigned int	 i;

	fputs("# ncap type=", d->out);
	csv_safe(d->out, h->record_type);
	fputs(" sensor=", d->out);
	csv_safe(d->out, h->sensor);
	fprintf(d->out, " created=%" PRId64 " software=", h->created);
	csv_safe(d->out, h->software_version);
	putc('\n', d->out);

	for (i = 0; i < desc->n_fields; i++) {
		if (i > 0)
			putc(',', d->out);
		fputs(desc->fields[i].name, d->out);
	}
	putc('\n', d->out);
}

/*
 * Scalars are plain cells; repeated fields and nested messages are
 * their JSON text in one cell; an absent field is an empty cell.
 */
static void
csv_record(struct dumper *d, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor	*desc = m->descriptor;
	const ProtobufCFieldDescriptor		*f;
	const void				*p;
	const char				*s;
	unsigned int				 i;

	for (i = 0; i < desc->n_fields; i++) {
		f = &desc->fields[i];
		p = field_ptr(m, f->offset);
		if (i > 0)
			putc(',', d->out);
		if (f->label != PROTOBUF_C_LABEL_REPEATED &&
		    !field_present(m, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED ||
		    f->type == PROTOBUF_C_TYPE_MESSAGE) {
			if (f->label != PROTOBUF_C_LABEL_REPEATED &&
			    *(const ProtobufCMessage *const *)p == NULL)
				continue;
			rewind(d->cell);
			json_field(d->cell, m, f);
			if (fflush(d->cell) == EOF)
				err(1, "memory stream");
			csv_text(d->out, d->cellbuf, d->cellsz);
			continue;
		}
		switch (f->type) {
		case PROTOBUF_C_TYPE_STRING:
			if ((s = *(const char *const *)p) != NULL)
				csv_text(d->out, s, strlen(s));
			break;
		case PROTOBUF_C_TYPE_BYTES:
			bytes_text(d->out, p);
			break;
		default:
			json_value(d->out, f, p);
			break;
		}
	}
	putc('\n', d->out);
}

/*
 * The time of a record: its int64 field named "timestamp", or else
 * the first int64 field whose name starts so (Connection's
 * timestamp_first); -1 when it has none.
 */
static int
time_field(const ProtobufCMessageDescriptor *desc)
{
	const ProtobufCFieldDescriptor	*f;
	unsigned int			 i;
	int				 found = -1;

	for (i = 0; i < desc->n_fields; i++) {
		f = &desc->fields[i];
		if (f->type != PROTOBUF_C_TYPE_INT64 ||
		    f->label == PROTOBUF_C_LABEL_REPEATED ||
		    strncmp(f->name, "timestamp", 9) != 0)
			continue;
		if (strcmp(f->name, "timestamp") == 0)
			return ((int)i);
		if (found == -1)
			found = (int)i;
	}
	return (found);
}

/* whether the record's time is in the range, for a range that is set */
static int
in_range(struct dumper *d, int type, const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor	*f;
	int64_t				 t;

	if (d->tfield[type] == TFIELD_UNKNOWN)
		d->tfield[type] = time_field(rectypes[type]);
	if (d->tfield[type] < 0) {
		if (!d->warned[type]) {
			fflush(d->out);
			warnx("%s records have no timestamp: none is in a "
			    "time range", rectypes[type]->name);
			d->warned[type] = 1;
		}
		return (0);
	}
	f = &m->descriptor->fields[d->tfield[type]];
	if (!field_present(m, f))
		return (0);
	t = *(const int64_t *)field_ptr(m, f->offset);
	return (t >= d->range.begin && t < d->range.end);
}

struct dumper *
dumper_open(enum dump_fmt fmt, const struct dump_range *range)
{
	struct dumper	*d;
	size_t		 i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		err(1, NULL);
	d->out = stdout;
	d->fmt = fmt;
	d->type = -1;
	if (range != NULL)
		d->range = *range;
	else {
		d->range.begin = INT64_MIN;
		d->range.end = INT64_MAX;
	}
	d->ranged = d->range.begin != INT64_MIN || d->range.end != INT64_MAX;
	if ((d->tfield = reallocarray(NULL, nrectypes,
	    sizeof(*d->tfield))) == NULL ||
	    (d->warned = calloc(nrectypes, sizeof(*d->warned))) == NULL)
		err(1, NULL);
	for (i = 0; i < nrectypes; i++)
		d->tfield[i] = TFIELD_UNKNOWN;
	/* fully buffered even on a terminal: dumps can be long */
	setvbuf(d->out, NULL, _IOFBF, OUTBUFSZ);
	if (fmt == DUMP_CSV &&
	    (d->cell = open_memstream(&d->cellbuf, &d->cellsz)) == NULL)
		err(1, "open_memstream");
	return (d);
}

static void
dumper_put_header(struct dumper *d, const Header *h, int type)
{
	if (d->fmt == DUMP_CSV)
		csv_begin(d, h, rectypes[type]);
	else {
		json_message(d->out, &h->base);
		putc('\n', d->out);
	}
}

void
dumper_header(struct dumper *d, const Header *h, int type, int lazy)
{
	d->type = type;
	d->pending = NULL;
	if (lazy)
		d->pending = h;
	else
		dumper_put_header(d, h, type);
}

int
dumper_record(struct dumper *d, const unsigned char *rec, size_t len)
{
	ProtobufCMessage	*m;
	int			 rv = 1;

	if (d->type < 0 || (size_t)d->type >= nrectypes)
		errx(1, "dumper_record: no header before the record");
	m = protobuf_c_message_unpack(rectypes[d->type], NULL, len, rec);
	if (m == NULL) {
		/* what is written so far comes before the message */
		fflush(d->out);
		return (-1);
	}
	if (d->ranged && !in_range(d, d->type, m))
		rv = 0;
	else {
		if (d->pending != NULL) {
			dumper_put_header(d, d->pending, d->type);
			d->pending = NULL;
		}
		if (d->fmt == DUMP_CSV)
			csv_record(d, m);
		else {
			json_message(d->out, m);
			putc('\n', d->out);
		}
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return (rv);
}

int
dumper_close(struct dumper *d)
{
	int	 rv = 0;

	if (d->cell != NULL) {
		fclose(d->cell);
		free(d->cellbuf);
	}
	if (fflush(d->out) == EOF || ferror(d->out)) {
		warn("stdout");
		rv = -1;
	}
	free(d->tfield);
	free(d->warned);
	free(d);
	return (rv);
}

/* a file to stdout, through d; 0, or 1 when it could not be read whole */
static int
dump_one(struct dumper *d, FILE *in, const char *name)
{
	struct ncap_reader	 r;
	const unsigned char	*rec;
	size_t			 len;
	char			 errbuf[256];
	int			 rv, status = 0;

	if (ncap_open(&r, in, errbuf, sizeof(errbuf)) == -1) {
		fflush(d->out);
		warnx("%s: %s", name, errbuf);
		return (1);
	}
	dumper_header(d, r.hdr, r.type, 0);
	while ((rv = ncap_next(&r, &rec, &len, errbuf, sizeof(errbuf))) == 1) {
		/* keep going: one bad record hides no others */
		if (dumper_record(d, rec, len) == -1) {
			warnx("%s: record %" PRIu64 ": not a valid %s record",
			    name, r.nrec, rectypes[r.type]->name);
			status = 1;
		}
	}
	if (rv == -1) {
		fflush(d->out);
		warnx("%s: %s", name, errbuf);
		status = 1;
	}
	ncap_close(&r);
	return (status);
}

int
dump_file(FILE *in, const char *name, enum dump_fmt fmt,
    const struct dump_range *range)
{
	struct dumper	*d;
	int		 status;

	d = dumper_open(fmt, range);
	status = dump_one(d, in, name);
	if (dumper_close(d) == -1)
		status = 1;
	return (status);
}

/* digits of a fraction of a second, as ns; the end, or NULL */
static const char *
frac_ns(const char *s, int64_t *ns)
{
	int64_t	 scale = 100000000;

	*ns = 0;
	if (*s != '.')
		return (s);
	if (!isdigit((unsigned char)*++s))
		return (NULL);
	for (; isdigit((unsigned char)*s); s++) {
		if (scale == 0)
			return (NULL);	/* finer than a nanosecond */
		*ns += (*s - '0') * scale;
		scale /= 10;
	}
	return (s);
}

/*
 * A time for -a and -b: seconds since the epoch, or a UTC date and
 * time as YYYY-MM-DD[THH:MM[:SS]], both with a fraction of a second
 * if wanted; nanoseconds since the epoch, as records hold them.
 */
int
parse_time(const char *s, int64_t *ns)
{
	struct tm	 tm;
	const char	*p;
	char		*end;
	long long	 sec;
	int64_t		 frac;
	time_t		 t;

	if (isdigit((unsigned char)s[0]) && strchr(s, '-') == NULL) {
		errno = 0;
		sec = strtoll(s, &end, 10);
		if (errno != 0 || sec > INT64_MAX / 1000000000 - 1 ||
		    (p = frac_ns(end, &frac)) == NULL || *p != '\0')
			return (-1);
		*ns = (int64_t)sec * 1000000000 + frac;
		return (0);
	}
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return (-1);
	frac = 0;
	if (*p == 'T' || *p == ' ') {
		if ((end = strptime(p + 1, "%H:%M", &tm)) == NULL)
			return (-1);
		p = end;
		if (*p == ':') {
			if ((end = strptime(p + 1, "%S", &tm)) == NULL ||
			    (p = frac_ns(end, &frac)) == NULL)
				return (-1);
		}
	}
	if (*p == 'Z')
		p++;
	if (*p != '\0' || (t = timegm(&tm)) == (time_t)-1 ||
	    t > INT64_MAX / 1000000000 - 1 || t < INT64_MIN / 1000000000 + 1)
		return (-1);
	*ns = (int64_t)t * 1000000000 + frac;
	return (0);
}

/* a file to dump, and when its header says it was created */
struct dump_item {
	char		*path;
	int64_t		 created;
};

static int
item_cmp(const void *a, const void *b)
{
	const struct dump_item	*x = a, *y = b;

	if (x->created != y->created)
		return (x->created < y->created ? -1 : 1);
	return (strcmp(x->path, y->path));
}

static void
item_add(struct dump_item **items, size_t *n, size_t *size, const char *path)
{
	struct dump_item	*it;
	size_t			 ns;

	if (*n == *size) {
		ns = *size ? *size * 2 : 16;
		if ((it = reallocarray(*items, ns, sizeof(**items))) == NULL)
			err(1, NULL);
		*items = it;
		*size = ns;
	}
	it = &(*items)[(*n)++];
	if ((it->path = strdup(path)) == NULL)
		err(1, NULL);
	it->created = INT64_MAX;
}

/* whether a name is a spool file's: .ncap, or .ncap.open while written */
static int
spool_name(const char *name)
{
	size_t	 len = strlen(name);

	if (name[0] == '.')
		return (0);
	if (len > 5 && strcmp(name + len - 5, ".ncap") == 0)
		return (1);
	return (len > 10 && strcmp(name + len - 10, ".ncap.open") == 0);
}

/*
 * The .ncap files of a directory, not below it, not hidden, and the
 * ones the collector still writes (.ncap.open)
 */
static int
item_dir(struct dump_item **items, size_t *n, size_t *size, const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		*path;

	if ((d = opendir(dir)) == NULL) {
		warn("%s", dir);
		return (1);
	}
	while ((e = readdir(d)) != NULL) {
		if (!spool_name(e->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) == -1)
			err(1, NULL);
		item_add(items, n, size, path);
		free(path);
	}
	closedir(d);
	return (0);
}

int
dump_paths(int argc, char *argv[], enum dump_fmt fmt,
    const struct dump_range *range)
{
	struct dumper		*d;
	struct dump_item	*items = NULL;
	struct ncap_reader	 r;
	struct stat		 st;
	FILE			*fp;
	char			 errbuf[256];
	size_t			 n = 0, size = 0, i;
	int			 status = 0;

	for (i = 0; i < (size_t)argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			status |= item_dir(&items, &n, &size, argv[i]);
		else
			item_add(&items, &n, &size, argv[i]);
	}
	/* each header once, for the order; the dump reads it again */
	for (i = 0; i < n; i++) {
		if ((fp = fopen(items[i].path, "re")) == NULL)
			continue;
		if (ncap_open(&r, fp, errbuf, sizeof(errbuf)) == 0) {
			items[i].created = r.hdr->created;
			ncap_close(&r);
		}
		fclose(fp);
	}
	if (n > 0)
		qsort(items, n, sizeof(*items), item_cmp);
	d = dumper_open(fmt, range);
	for (i = 0; i < n; i++) {
		if ((fp = fopen(items[i].path, "re")) == NULL) {
			fflush(d->out);
			warn("%s", items[i].path);
			status = 1;
		} else {
			status |= dump_one(d, fp, items[i].path);
			fclose(fp);
		}
		free(items[i].path);
	}
	free(items);
	if (dumper_close(d) == -1)
		status = 1;
	return (status);
}
