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
 * The .ncap file format: the header as written, the reader on good
 * files and on every kind of damage, and the record type table.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncap.h"
#include "ncap.pb-c.h"
#include "records.h"
#include "tap.h"
#include "varint.h"

#ifndef NCAP_VERSION
#define NCAP_VERSION	"0"
#endif

#define CREATED		1700000000123456789LL


static void	 ok_err(int, const char *, const char *, const char *);
static FILE	*mkfile(const unsigned char *, size_t);
static size_t	 frame(unsigned char *, const unsigned char *, size_t);
static size_t	 good_file(unsigned char *, size_t *);
static size_t	 custom_header(unsigned char *, const char *, uint32_t,
		    const char *);
static void	 test_header(void);
static void	 test_read(void);
static void	 test_damage(void);
static void	 test_rectypes(void);


/* cond, and the error message holds needle */
static void
ok_err(int cond, const char *err, const char *needle, const char *what)
{
	int	 found = strstr(err, needle) != NULL;

	ok(cond && found, "%s", what);
	if (!found)
		printf("# message \"%s\" lacks \"%s\"\n", err, needle);
}

static FILE *
mkfile(const unsigned char *buf, size_t len)
{
	FILE	*fp;

	if ((fp = tmpfile()) == NULL) {
		perror("tmpfile");
		exit(1);
	}
	if (len > 0 && fwrite(buf, 1, len, fp) != len) {
		perror("fwrite");
		exit(1);
	}
	rewind(fp);
	return (fp);
}

static size_t
frame(unsigned char *out, const unsigned char *rec, size_t len)
{
	size_t	 n;

	n = varint_put(out, len);
	if (len > 0)
		memcpy(out + n, rec, len);
	return (n + len);
}

/* record payloads for good_file; the reader does not look inside */
static unsigned char	 rec1[] = { 0x08, 0x96, 0x01 };
static unsigned char	 rec3[200];
static unsigned char	 recmax[NCAP_MAX_RECORD];
static size_t		 rec4_off;	/* where the last record starts */

/* header, then records of 3, 0, 200 and NCAP_MAX_RECORD bytes */
static size_t
good_file(unsigned char *buf, size_t *hlen)
{
	size_t	 n, i;

	for (i = 0; i < sizeof(rec3); i++)
		rec3[i] = (unsigned char)i;
	for (i = 0; i < sizeof(recmax); i++)
		recmax[i] = (unsigned char)(i * 7);

	n = ncap_header_encode(buf, 512, "s1", rectypes[0]->name, CREATED);
	*hlen = n;
	n += frame(buf + n, rec1, sizeof(rec1));
	n += frame(buf + n, NULL, 0);
	n += frame(buf + n, rec3, sizeof(rec3));
	rec4_off = n;
	n += frame(buf + n, recmax, sizeof(recmax));
	return (n);
}

/* a framed Header with the given magic, format and type */
static size_t
custom_header(unsigned char *buf, const char *magic, uint32_t format,
    const char *type)
{
	Header		 h;
	unsigned char	 body[512];
	size_t		 len;

	header__init(&h);
	h.magic = (char *)(uintptr_t)magic;
	h.format = format;
	h.sensor = (char *)(uintptr_t)"s1";
	h.record_type = (char *)(uintptr_t)type;
	len = header__pack(&h, body);
	return (frame(buf, body, len));
}

static void
test_header(void)
{
	/* field 1 "ncap", field 2 = 1: the start of every file */
	static const unsigned char start[] = {
		0x0a, 0x04, 'n', 'c', 'a', 'p', 0x10, 0x01, 0x18
	};
	unsigned char	 buf[512];
	uint64_t	 len;
	size_t		 n, pl, i;
	Header		*h;
	int		 small = 1;

	n = ncap_header_encode(buf, sizeof(buf), "sensor-1.a", "TCP",
	    CREATED);
	ok(n > 0, "header encodes");
	pl = varint_get(buf, n, &len);
	ok(pl == 1 && len == n - pl, "header is framed by its length");
	ok(n - pl >= sizeof(start) &&
	    memcmp(buf + pl, start, sizeof(start)) == 0,
	    "header bytes start with magic and format 1");

	h = header__unpack(NULL, n - pl, buf + pl);
	ok(h != NULL, "header unpacks");
	if (h != NULL) {
		ok(strcmp(h->magic, "ncap") == 0 && h->format == 1 &&
		    h->created == CREATED, "header magic, format, created");
		ok(strcmp(h->sensor, "sensor-1.a") == 0 &&
		    strcmp(h->record_type, "TCP") == 0,
		    "header sensor and record type");
		ok(strcmp(h->software_version, NCAP_VERSION) == 0,
		    "header software version");
		header__free_unpacked(h, NULL);
	}

	for (i = 0; i < n; i++)
		if (ncap_header_encode(buf, i, "sensor-1.a", "TCP",
		    CREATED) != 0)
			small = 0;
	ok(small, "header refuses every buffer too small for it");
}

static void
test_read(void)
{
	static unsigned char	 buf[NCAP_MAX_RECORD + 1024];
	struct ncap_reader	 r;
	const unsigned char	*rec;
	char			 err[256];
	size_t			 n, hlen, len;
	FILE			*fp;

	n = good_file(buf, &hlen);
	fp = mkfile(buf, n);
	ok(ncap_open(&r, fp, err, sizeof(err)) == 0, "good file opens");
	ok(r.type == 0 && r.hdr != NULL &&
	    strcmp(r.hdr->sensor, "s1") == 0 && r.hdr->created == CREATED &&
	    strcmp(r.hdr->record_type, rectypes[0]->name) == 0,
	    "reader has the header and its type");

	ok(ncap_next(&r, &rec, &len, err, sizeof(err)) == 1 &&
	    len == sizeof(rec1) && memcmp(rec, rec1, len) == 0,
	    "record 1 reads back");
	ok(ncap_next(&r, &rec, &len, err, sizeof(err)) == 1 && len == 0,
	    "empty record 2 reads back");
	ok(ncap_next(&r, &rec, &len, err, sizeof(err)) == 1 &&
	    len == sizeof(rec3) && memcmp(rec, rec3, len) == 0,
	    "record 3 (two-byte length) reads back");
	ok(ncap_next(&r, &rec, &len, err, sizeof(err)) == 1 &&
	    len == sizeof(recmax) && memcmp(rec, recmax, len) == 0,
	    "record of NCAP_MAX_RECORD bytes reads back");
	ok(ncap_next(&r, &rec, &len, err, sizeof(err)) == 0 && r.nrec == 4,
	    "clean end after 4 records");
	ok(ncap_next(&r, &rec, &len, err, sizeof(err)) == 0,
	    "end stays the end");
	ncap_close(&r);
	fclose(fp);

	/* a header and nothing else is a valid, empty file */
	fp = mkfile(buf, hlen);
	ok(ncap_open(&r, fp, err, sizeof(err)) == 0 &&
	    ncap_next(&r, &rec, &len, err, sizeof(err)) == 0 && r.nrec == 0,
	    "header-only file has no records");
	ncap_close(&r);
	fclose(fp);
}

static void
test_damage(void)
{
	static unsigned char	 buf[2 * NCAP_MAX_RECORD + 1024];
	struct ncap_reader	 r;
	const unsigned char	*rec;
	char			 err[256], want[64];
	size_t			 n, hlen, len;
	FILE			*fp;
	int			 rv;

	/* the last record loses its last byte */
	n = good_file(buf, &hlen);
	fp = mkfile(buf, n - 1);
	ok(ncap_open(&r, fp, err, sizeof(err)) == 0, "truncated file opens");
	while ((rv = ncap_next(&r, &rec, &len, err, sizeof(err))) == 1)
		;
	snprintf(want, sizeof(want), "record 4 at offset %zu", rec4_off);
	ok_err(rv == -1 && r.nrec == 3, err, want,
	    "truncated tail is an error naming record and offset");
	ok_err(rv == -1, err, "truncated", "and says truncated");
	ncap_close(&r);
	fclose(fp);

	/* a length prefix cut in the middle */
	n = hlen;
	buf[n++] = 0x80;
	fp = mkfile(buf, n);
	ok(ncap_open(&r, fp, err, sizeof(err)) == 0, "header opens");
	rv = ncap_next(&r, &rec, &len, err, sizeof(err));
	ok_err(rv == -1, err, "record 1", "truncated length prefix refused");
	ncap_close(&r);
	fclose(fp);

	/* a padded (non-minimal) length prefix */
	n = hlen;
	buf[n++] = 0x83;
	buf[n++] = 0x00;
	memset(buf + n, 0, 3);
	fp = mkfile(buf, n + 3);
	ok(ncap_open(&r, fp, err, sizeof(err)) == 0 &&
	    ncap_next(&r, &rec, &len, err, sizeof(err)) == -1,
	    "non-minimal length prefix refused");
	ncap_close(&r);
	fclose(fp);

	/* one byte over the limit, with the bytes all there */
	n = hlen;
	n += varint_put(buf + n, NCAP_MAX_RECORD + 1);
	memset(buf + n, 0, NCAP_MAX_RECORD + 1);
	fp = mkfile(buf, n + NCAP_MAX_RECORD + 1);
	ok(ncap_open(&r, fp, err, sizeof(err)) == 0, "header opens");
	rv = ncap_next(&r, &rec, &len, err, sizeof(err));
	ok_err(rv == -1, err, "exceeds", "oversize record refused");
	ncap_close(&r);
	fclose(fp);

	/* a huge length must be refused before anything is read */
	n = hlen;
	n += varint_put(buf + n, UINT64_MAX);
	fp = mkfile(buf, n);
	ok(ncap_open(&r, fp, err, sizeof(err)) == 0 &&
	    ncap_next(&r, &rec, &len, err, sizeof(err)) == -1,
	    "2^64-1 length refused");
	ncap_close(&r);
	fclose(fp);

	n = custom_header(buf, "ncaq", NCAP_FORMAT, rectypes[0]->name);
	fp = mkfile(buf, n);
	ok_err(ncap_open(&r, fp, err, sizeof(err)) == -1, err, "magic",
	    "wrong magic refused");
	fclose(fp);

	n = custom_header(buf, "", NCAP_FORMAT, rectypes[0]->name);
	fp = mkfile(buf, n);
	ok(ncap_open(&r, fp, err, sizeof(err)) == -1, "empty magic refused");
	fclose(fp);

	n = custom_header(buf, NCAP_MAGIC, NCAP_FORMAT + 1,
	    rectypes[0]->name);
	fp = mkfile(buf, n);
	ok_err(ncap_open(&r, fp, err, sizeof(err)) == -1, err, "format",
	    "unknown format refused");
	fclose(fp);

	n = custom_header(buf, NCAP_MAGIC, NCAP_FORMAT, "NoSuchType");
	fp = mkfile(buf, n);
	ok_err(ncap_open(&r, fp, err, sizeof(err)) == -1, err,
	    "unknown record type", "unknown record type refused");
	fclose(fp);

	n = custom_header(buf, NCAP_MAGIC, NCAP_FORMAT, "Header");
	fp = mkfile(buf, n);
	ok(ncap_open(&r, fp, err, sizeof(err)) == -1,
	    "Header is not a record type");
	fclose(fp);

	/* field 1 with wire type 7 does not unpack as anything */
	buf[0] = 2;
	buf[1] = 0x0f;
	buf[2] = 0x00;
	fp = mkfile(buf, 3);
	ok_err(ncap_open(&r, fp, err, sizeof(err)) == -1, err,
	    "not an ncap file", "garbage first record refused");
	fclose(fp);

	/* an oversize header, say a text file */
	n = varint_put(buf, NCAP_MAX_RECORD + 1);
	memset(buf + n, 'x', NCAP_MAX_RECORD + 1);
	fp = mkfile(buf, n + NCAP_MAX_RECORD + 1);
	ok_err(ncap_open(&r, fp, err, sizeof(err)) == -1, err, "header",
	    "oversize header refused");
	fclose(fp);

	fp = mkfile(buf, 0);
	ok_err(ncap_open(&r, fp, err, sizeof(err)) == -1, err, "empty",
	    "empty file refused");
	fclose(fp);

	n = ncap_header_encode(buf, sizeof(buf), "s1", rectypes[0]->name,
	    CREATED);
	fp = mkfile(buf, n - 1);
	ok_err(ncap_open(&r, fp, err, sizeof(err)) == -1, err, "truncated",
	    "truncated header refused");
	fclose(fp);
}

static void
test_rectypes(void)
{
	size_t	 i;
	int	 byname = 1, bydesc = 1, idx;

	ok(nrectypes > 0, "there are record types");
	for (i = 0; i < nrectypes; i++) {
		if (rectype_byname(rectypes[i]->name) != (int)i)
			byname = 0;
		/* twice: once through the table, once through the cache */
		if (rectype_bydesc(rectypes[i]) != (int)i ||
		    rectype_bydesc(rectypes[i]) != (int)i)
			bydesc = 0;
	}
	/* and backwards, so the cache is never the answer */
	for (i = nrectypes; i-- > 0;)
		if (rectype_bydesc(rectypes[i]) != (int)i)
			bydesc = 0;
	ok(byname, "rectype_byname finds every type");
	ok(bydesc, "rectype_bydesc finds every type");

	idx = rectype_byname("TCP");
	ok(idx >= 0 && strcmp(rectypes[idx]->name, "TCP") == 0,
	    "TCP is a record type");
	idx = rectype_byname("Ethernet");
	ok(idx >= 0 && rectype_bydesc(rectypes[idx]) == idx,
	    "Ethernet is a record type");
	ok(rectype_byname("tcp") == -1 && rectype_byname("") == -1 &&
	    rectype_byname("Header") == -1 && rectype_byname(NULL) == -1,
	    "rectype_byname misses");
	ok(rectype_bydesc(&header__descriptor) == -1 &&
	    rectype_bydesc(&batch__descriptor) == -1 &&
	    rectype_bydesc(NULL) == -1, "rectype_bydesc misses");
	ok(rectype_bydesc(rectypes[0]) == 0, "a miss spoils no cache");
	ok(rectype_header() == &header__descriptor, "rectype_header");
}

int
main(void)
{
	if (nrectypes == 0) {
		printf("Bail out! no record types\n");
		return (1);
	}
	test_rectypes();
	test_header();
	test_read();
	test_damage();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
