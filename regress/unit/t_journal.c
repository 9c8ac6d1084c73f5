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
 * The collector's journal (nccollectd/journal.c), in a directory of its
 * own that stands for the spool: entries written, read back item by
 * item as they were written, byte for byte as the manual's layout says;
 * a journal cut at every byte offset, and one with any byte of its last
 * entry changed, gives back exactly its whole entries; a full disk
 * leaves no entry and loses nothing to say; spool files are cut back to
 * their committed size at start, and only the journal's own; a
 * compaction says the same in fewer bytes.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "nccollectd.h"
#include "tap.h"

#define MAXSEEN		256

/* what a replay handed over, in order */
struct seen {
	int		 n;
	char		 kind[MAXSEEN];		/* 'f' or 's' */
	char		 name[MAXSEEN][80];	/* sensor/file */
	uint64_t	 size[MAXSEEN], ino[MAXSEEN];
	struct jsession	 js[MAXSEEN];
};

static void	 seen_file(void *, const char *, const char *, uint64_t,
		    uint64_t);
static void	 seen_session(void *, const struct jsession *);
static void	 make_session(struct jsession *, unsigned char, uint64_t);
static int	 same_session(const struct jsession *,
		    const struct jsession *);
static unsigned char *slurp(const char *, size_t *);
static void	 spew(const char *, const void *, size_t, int);
static uint64_t	 fsize(const char *);
static uint64_t	 finode(const char *);
static void	 add_two(struct journal *, void *);
static void	 test_layout(void);
static void	 test_torn(void);
static void	 test_full(void);
static void	 test_cut(void);
static void	 test_compact(void);
static void	 test_consumer(void);
static void	 seen_consumer(void *, const struct jconsumer *);
static size_t	 put_entry(unsigned char *, int, const unsigned char *,
		    size_t);

static const struct journal_cb	 seen_cb = { seen_session, seen_file, NULL };
static const struct journal_cb	 all_cb = { seen_session, seen_file,
				    seen_consumer };
static struct jconsumer		 last_jc;
static int			 njc;
static struct collector_stats	 st;

static void
seen_file(void *arg, const char *sensor, const char *file, uint64_t ino,
    uint64_t size)
{
	struct seen	*s = arg;

	if (s->n >= MAXSEEN)
		return;
	s->kind[s->n] = 'f';
	snprintf(s->name[s->n], sizeof(s->name[s->n]), "%s/%s", sensor, file);
	s->size[s->n] = size;
	s->ino[s->n] = ino;
	s->n++;
}

static void
seen_session(void *arg, const struct jsession *js)
{
	struct seen	*s = arg;

	if (s->n >= MAXSEEN)
		return;
	s->kind[s->n] = 's';
	s->js[s->n] = *js;
	s->n++;
}

static void
seen_consumer(void *arg, const struct jconsumer *jc)
{
	last_jc = *jc;
	njc++;
}

/* an entry of one item of kind and body at p: its length */
static size_t
put_entry(unsigned char *p, int kind, const unsigned char *body,
    size_t len)
{
	uint32_t	 n = JI_HDRLEN + len, crc;

	p[0] = n >> 24;
	p[1] = (n >> 16) & 0xff;
	p[2] = (n >> 8) & 0xff;
	p[3] = n & 0xff;
	p[4] = kind;
	p[5] = (len >> 8) & 0xff;
	p[6] = len & 0xff;
	memcpy(p + 4 + JI_HDRLEN, body, len);
	crc = crc32_z(0, p, 4 + n);
	p[4 + n] = crc >> 24;
	p[4 + n + 1] = (crc >> 16) & 0xff;
	p[4 + n + 2] = (crc >> 8) & 0xff;
	p[4 + n + 3] = crc & 0xff;
	return (4 + n + 4);
}

/*
 * A consumer item: read back whole, with its stream's creation time,
 * the last of two winning; a reader that takes no consumers skips it
 * and still reads the rest of the entry; one too short to hold a
 * window makes its entry not whole.  One of the older kind, without
 * the stream's creation time, is read with none.
 */
static void
test_consumer(void)
{
	struct journal		 j;
	struct jconsumer	 jc;
	struct jsession		 js;
	struct seen		 s;
	unsigned char		*buf, *p, body[16 + WINDOW_BITS / 8 + 12];
	size_t			 len, n;
	uint32_t		 crc;

	unlink(JOURNAL_NAME);
	journal_init(&j, &st);
	journal_load(&j, NULL, NULL);
	ok(journal_snapshot(&j, NULL, NULL) == 0, "consumer: a journal");
	memset(&jc, 0, sizeof(jc));
	strlcpy(jc.name, "NCAP.spool-1", sizeof(jc.name));
	jc.top = 4711;
	jc.created = 0x1234567890abcdefULL;
	memset(jc.bits, 0xa5, sizeof(jc.bits));
	make_session(&js, 7, 99);
	journal_begin(&j);
	journal_add_consumer(&j, &jc);
	journal_add_session(&j, &js);
	ok(journal_commit(&j) == 0, "consumer: an entry with a consumer");
	jc.top = 4712;
	jc.created = 1764759371038925510ULL;
	jc.bits[0] = 0x01;
	journal_begin(&j);
	journal_add_consumer(&j, &jc);
	ok(journal_commit(&j) == 0, "consumer: and another");
	close(j.fd);
	close(j.dirfd);
	buf = slurp(JOURNAL_NAME, &len);
	njc = 0;
	memset(&s, 0, sizeof(s));
	ok(journal_replay(buf, len, &all_cb, &s) == len,
	    "consumer: the journal is whole");
	ok(njc == 2 && last_jc.top == 4712 && last_jc.bits[0] == 0x01 &&
	    last_jc.bits[1] == 0xa5 && strcmp(last_jc.name, "NCAP.spool-1") ==
	    0, "consumer: read back as written, the last one last");
	ok(last_jc.created == 1764759371038925510ULL,
	    "consumer: with its stream's creation time");
	ok(s.n == 1 && s.kind[0] == 's' && s.js[0].top == 99,
	    "consumer: the session beside it too");
	memset(&s, 0, sizeof(s));
	ok(journal_replay(buf, len, &seen_cb, &s) == len && s.n == 1,
	    "consumer: a reader without consumers skips it, reads the rest");
	/* an entry, whole, whose consumer item is too short to be one */
	p = buf + len;
	memset(p, 0, 4 + JI_HDRLEN + 10 + 4);
	p[3] = JI_HDRLEN + 10;
	p[4] = JI_CONSUMER;
	p[6] = 10;
	crc = crc32_z(0, p, 4 + JI_HDRLEN + 10);
	p[4 + JI_HDRLEN + 10] = crc >> 24;
	p[4 + JI_HDRLEN + 11] = (crc >> 16) & 0xff;
	p[4 + JI_HDRLEN + 12] = (crc >> 8) & 0xff;
	p[4 + JI_HDRLEN + 13] = crc & 0xff;
	njc = 0;
	memset(&s, 0, sizeof(s));
	ok(journal_replay(buf, len + 4 + JI_HDRLEN + 14, &all_cb, &s) == len &&
	    njc == 2, "consumer: an item too short ends the journal before "
	    "its entry");
	/* the older kind: top, window, name */
	memset(body, 0, sizeof(body));
	body[7] = 99;
	body[8] = 0x0f;
	memcpy(body + 8 + WINDOW_BITS / 8, "NCAP.old", 8);
	n = put_entry(buf + len, JI_CONSUMER, body, 8 + WINDOW_BITS / 8 + 8);
	njc = 0;
	memset(&s, 0, sizeof(s));
	ok(journal_replay(buf, len + n, &all_cb, &s) == len + n && njc == 3 &&
	    last_jc.top == 99 && last_jc.created == 0 && last_jc.bits[0] ==
	    0x0f && strcmp(last_jc.name, "NCAP.old") == 0,
	    "consumer: one of the older kind, read without a creation time");
	/* as long as the older kind's with a name of 1: too short */
	n = put_entry(buf + len, JI_CONSUMER_STREAM, body,
	    8 + WINDOW_BITS / 8 + 1);
	njc = 0;
	ok(journal_replay(buf, len + n, &all_cb, &s) == len && njc == 2,
	    "consumer: one too short for a creation time ends the journal "
	    "before its entry");
	free(buf);
}

/* a session whose header bytes are all c, window bits 0x5a */
static void
make_session(struct jsession *js, unsigned char c, uint64_t top)
{
	memset(js, 0, sizeof(*js));
	memset(js->sess, c, sizeof(js->sess));
	js->sess[0] = WIRE_VERSION;
	js->created = 1000 + c;
	js->top = top;
	memset(js->bits, 0x5a, sizeof(js->bits));
	js->bits[0] = c;
}

/* field by field: the padding after sess is whatever the reader's was */
static int
same_session(const struct jsession *x, const struct jsession *y)
{
	return (memcmp(x->sess, y->sess, sizeof(x->sess)) == 0 &&
	    x->created == y->created && x->top == y->top &&
	    memcmp(x->bits, y->bits, sizeof(x->bits)) == 0);
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*buf;
	FILE		*fp;

	*len = 0;
	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	if ((buf = malloc(1 << 20)) == NULL)
		exit(1);
	*len = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return (buf);
}

static void
spew(const char *path, const void *buf, size_t len, int append)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND :
	    O_TRUNC), 0640)) == -1 || write(fd, buf, len) != (ssize_t)len) {
		printf("Bail out! write %s\n", path);
		exit(1);
	}
	close(fd);
}

static uint64_t
fsize(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == -1 ? (uint64_t)-1 : (uint64_t)sb.st_size);
}

static uint64_t
finode(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == -1 ? 0 : (uint64_t)sb.st_ino);
}

/*
 * A new journal, a spool file appended to, two entries: the items come
 * back in order, and the bytes are the manual's.
 */
static void
test_layout(void)
{
	struct journal	 j;
	struct jfile	*jf;
	struct jsession	 a, b;
	struct seen	 s;
	unsigned char	*buf, *p;
	size_t		 len, n, off;
	int		 good;

	journal_init(&j, &st);
	ok(journal_load(&j, &seen_cb, NULL) == -1, "no journal yet");
	ok(journal_snapshot(&j, NULL, NULL) == 0 && fsize(JOURNAL_NAME) ==
	    JE_OVERHEAD + JI_HDRLEN + JI_HEADER_LEN,
	    "a new one: its header alone, %d bytes",
	    JE_OVERHEAD + JI_HDRLEN + JI_HEADER_LEN);

	mkdir("s1", 0750);
	spew("s1/UDP.ncap", "header", 6, 0);
	jf = journal_file(&j, "s1", "UDP.ncap", finode("s1/UDP.ncap"), 6);
	ok(jf != NULL && jf->committed == 6, "a file opened is journaled "
	    "at once, at its size");
	ok(journal_file(&j, "s1", "UDP.ncap", finode("s1/UDP.ncap"), 6) == jf &&
	    st.journal_entries == 2, "and not again when opened again");
	spew("s1/UDP.ncap", "0123456789", 10, 1);
	journal_grow(&j, jf, 16);
	make_session(&a, 'a', 40);
	make_session(&b, 'b', 7);
	journal_begin(&j);
	journal_add_session(&j, &a);
	ok(journal_commit(&j) == 0 && jf->committed == 16 && !jf->isdirty,
	    "an entry: a session and the file that grew");
	a.top = 41;
	journal_begin(&j);
	journal_add_session(&j, &a);
	journal_add_session(&j, &b);
	ok(journal_commit(&j) == 0, "another: both sessions");
	journal_begin(&j);
	ok(journal_commit(&j) == 0 && st.journal_entries == 4,
	    "an entry with nothing to say is not written");

	buf = slurp(JOURNAL_NAME, &len);
	memset(&s, 0, sizeof(s));
	ok(journal_replay(buf, len, &seen_cb, &s) == len,
	    "the journal replays to its end (%zu bytes)", len);
	ok(s.n == 5 && s.kind[0] == 'f' && s.size[0] == 6 &&
	    strcmp(s.name[0], "s1/UDP.ncap") == 0 &&
	    s.ino[0] == finode("s1/UDP.ncap") && s.kind[1] == 's' &&
	    s.js[1].top == 40 && s.kind[2] == 'f' && s.size[2] == 16 &&
	    s.kind[3] == 's' && s.kind[4] == 's' && s.js[3].top == 41 &&
	    same_session(&s.js[4], &b),
	    "the file at 6, a at 40 and the file at 16, a at 41 and b");

	/* the bytes, as the manual has them */
	p = buf;
	n = (size_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	ok(n == JI_HDRLEN + JI_HEADER_LEN && memcmp(p + 4,
	    "\x01\x00\x09ncapjrnl\x02", 12) == 0 &&
	    crc32(0, p, 4 + n) == ((uint32_t)p[4 + n] << 24 |
	    p[5 + n] << 16 | p[6 + n] << 8 | p[7 + n]),
	    "entry 1: length 12, header item 01 0009 \"ncapjrnl\" 02, "
	    "CRC-32 of length and items");
	off = 8 + n;
	p = buf + off;
	n = (size_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	good = n == 3 + 17 + 2 + 8 && p[4] == JI_FILE && p[5] == 0 &&
	    p[6] == 27 && memcmp(p + 7, "\0\0\0\0\0\0\0\x06", 8) == 0 &&
	    p[23] == 2 && memcmp(p + 24, "s1UDP.ncap", 10) == 0;
	ok(good, "entry 2: file item 02 001b, size 6, inode, 2 \"s1\" "
	    "\"UDP.ncap\"");
	off += 8 + n;
	p = buf + off;
	n = (size_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	good = n == 3 + JI_SESSION_LEN + 3 + 17 + 2 + 8 &&
	    p[4] == JI_SESSION && p[5] == 1 && p[6] == 1 &&
	    memcmp(p + 7, a.sess, WIRE_SESSLEN) == 0 &&
	    p[7 + 113 + 7] == ((1000 + 'a') & 0xff) &&
	    p[7 + 113 + 15] == 40 && p[7 + 113 + 16] == 'a' &&
	    p[7 + 113 + 17] == 0x5a;
	ok(good, "entry 3: session item 03 0101: header, T, top 40, window; "
	    "then the file");
	free(buf);
}

/*
 * Cut at every byte offset, or any byte of the last entry changed:
 * exactly the whole entries before come back, and their items only.
 */
static void
test_torn(void)
{
	struct seen	 s;
	unsigned char	*buf;
	size_t		 len, cut, last, got, bounds[8];
	int		 nb = 0, bad = 0, badn = 0, i, want;

	buf = slurp(JOURNAL_NAME, &len);
	/* the entries' ends, from their lengths */
	for (cut = 0; cut < len && nb < 8; nb++) {
		cut += 8 + ((size_t)buf[cut] << 24 | buf[cut + 1] << 16 |
		    buf[cut + 2] << 8 | buf[cut + 3]);
		bounds[nb] = cut;
	}
	ok(nb == 4 && bounds[nb - 1] == len, "the journal is 4 entries");
	for (cut = 0; cut <= len; cut++) {
		memset(&s, 0, sizeof(s));
		got = journal_replay(buf, cut, &seen_cb, &s);
		want = 0;
		for (i = 0; i < nb && bounds[i] <= cut; i++)
			want = (int)bounds[i];
		if (got != (size_t)want)
			bad++;
		/* items: none, 1, 3, 5 after 1, 2, 3, 4 entries */
		if (s.n != (i == 0 ? 0 : i == 1 ? 0 : i == 2 ? 1 : i == 3 ?
		    3 : 5))
			badn++;
	}
	ok(bad == 0 && badn == 0, "cut at each of %zu offsets: the whole "
	    "entries before it, and their items only", len + 1);

	last = bounds[nb - 2];
	bad = 0;
	for (cut = last; cut < len; cut++) {
		buf[cut] ^= 0x20;
		memset(&s, 0, sizeof(s));
		if (journal_replay(buf, len, &seen_cb, &s) != last || s.n != 3)
			bad++;
		buf[cut] ^= 0x20;
	}
	ok(bad == 0, "any of the %zu bytes of the last entry changed: it "
	    "is ignored, the others are not", len - last);
	buf[0] ^= 1;
	ok(journal_replay(buf, len, &seen_cb, &s) == 0,
	    "a first entry that is not whole: nothing");
	buf[0] ^= 1;
	/* a whole first entry without the header is no journal */
	buf[4] = 7;
	cut = 4 + JI_HDRLEN + JI_HEADER_LEN;
	buf[cut] = (unsigned char)(crc32(0, buf, cut) >> 24);
	buf[cut + 1] = (unsigned char)(crc32(0, buf, cut) >> 16);
	buf[cut + 2] = (unsigned char)(crc32(0, buf, cut) >> 8);
	buf[cut + 3] = (unsigned char)crc32(0, buf, cut);
	ok(journal_replay(buf, len, &seen_cb, &s) == 0,
	    "nor one that does not start with its header");
	free(buf);

	/* on disk: a torn tail is ignored at load, and gone after */
	buf = slurp(JOURNAL_NAME, &len);
	spew(JOURNAL_NAME, buf, len - 5, 0);
	free(buf);
}

/*
 * What the journal holds after test_torn cut its last entry: loaded,
 * then a new snapshot without the torn tail.  And a disk that is
 * full: no entry, nothing forgotten for the next.
 */
static void
test_full(void)
{
	struct journal	 j;
	struct jfile	*jf;
	struct seen	 s;
	struct jsession	 a;
	unsigned char	*buf;
	size_t		 len, got;
	int		 fd;

	journal_init(&j, &st);
	memset(&s, 0, sizeof(s));
	ok(journal_load(&j, &seen_cb, &s) == 0 && s.n == 3 &&
	    s.js[1].top == 40, "a torn journal loads to its last whole entry");
	ok(journal_snapshot(&j, NULL, NULL) == 0, "and is compacted");
	buf = slurp(JOURNAL_NAME, &len);
	memset(&s, 0, sizeof(s));
	got = journal_replay(buf, len, &seen_cb, &s);
	ok(got == len && s.n == 1 && s.size[0] == 16,
	    "the new one is whole: the file at 16 (%d items, %llu)", s.n,
	    (unsigned long long)s.size[0]);
	free(buf);

	jf = journal_file(&j, "s1", "UDP.ncap", finode("s1/UDP.ncap"), 16);
	spew("s1/UDP.ncap", "0123456789", 10, 1);
	journal_grow(&j, jf, 26);
	if ((fd = open("/dev/full", O_WRONLY | O_APPEND)) == -1) {
		ok(1, "# SKIP no /dev/full");
		return;
	}
	close(j.fd);
	j.fd = fd;
	make_session(&a, 'c', 9);
	journal_begin(&j);
	journal_add_session(&j, &a);
	ok(journal_commit(&j) == -1 && jf->isdirty && jf->committed == 16,
	    "a full disk: no entry, the file still to be committed");
	ok(journal_file(&j, "s2", "UDP.ncap", 99, 10) == NULL,
	    "and a new file cannot be journaled, so not written to");
	close(j.fd);
	j.fd = open(JOURNAL_NAME, O_WRONLY | O_APPEND);
	journal_begin(&j);
	journal_add_session(&j, &a);
	ok(journal_commit(&j) == 0 && !jf->isdirty && jf->committed == 26,
	    "space again: the next entry says it all");
	close(j.fd);
}

/*
 * At start: files cut back to what the journal committed, and counted;
 * a file of another inode, or gone, forgotten and not touched.
 */
static void
test_cut(void)
{
	struct journal	 j;
	struct jfile	*jf;
	struct seen	 s;
	unsigned char	*buf;
	size_t		 len;

	mkdir("s2", 0750);
	mkdir("s3", 0750);
	mkdir("s4", 0750);
	spew("s2/TCP.ncap", "hdr", 3, 0);
	spew("s3/TCP.ncap", "hdr", 3, 0);
	spew("s4/TCP.ncap", "hdr", 3, 0);
	spew("older.ncap", "x", 1, 0);
	journal_init(&j, &st);
	journal_load(&j, NULL, NULL);
	journal_cut(&j);
	journal_snapshot(&j, NULL, NULL);
	journal_file(&j, "s2", "TCP.ncap", finode("s2/TCP.ncap"), 3);
	journal_file(&j, "s3", "TCP.ncap", finode("s3/TCP.ncap"), 3);
	jf = journal_file(&j, "s4", "TCP.ncap", finode("s4/TCP.ncap"), 3);
	spew("s4/TCP.ncap", "0123", 4, 1);
	journal_grow(&j, jf, 7);
	journal_begin(&j);
	journal_commit(&j);
	close(j.fd);
	close(j.dirfd);

	/* records appended after the last entry, never acknowledged */
	spew("s1/UDP.ncap", "not acked", 9, 1);
	spew("s2/TCP.ncap", "torn", 4, 1);
	/* another file under s3's name; s4 shorter than committed */
	spew("s3/new", "another file", 12, 0);
	rename("s3/new", "s3/TCP.ncap");
	spew("s4/TCP.ncap", "hdr0", 4, 0);
	memset(&st, 0, sizeof(st));
	journal_init(&j, &st);
	journal_load(&j, NULL, NULL);
	journal_cut(&j);
	ok(fsize("s1/UDP.ncap") == 26 && fsize("s2/TCP.ncap") == 3 &&
	    st.journal_cut == 13, "cut back: 9 bytes off s1/UDP, 4 off "
	    "s2/TCP, 13 counted (%llu)", (unsigned long long)st.journal_cut);
	ok(fsize("s3/TCP.ncap") == 12 && fsize("older.ncap") == 1,
	    "another file under a known name, and one it never knew, left "
	    "as they are");
	ok(fsize("s4/TCP.ncap") == 4, "one shorter than committed left too");
	ok(journal_snapshot(&j, NULL, NULL) == 0, "a snapshot of that");
	close(j.fd);
	close(j.dirfd);
	buf = slurp(JOURNAL_NAME, &len);
	memset(&s, 0, sizeof(s));
	journal_replay(buf, len, &seen_cb, &s);
	ok(s.n == 3 && strcmp(s.name[0], "s1/UDP.ncap") == 0 && s.size[0] == 26 &&
	    strcmp(s.name[1], "s2/TCP.ncap") == 0 && s.size[1] == 3 &&
	    strcmp(s.name[2], "s4/TCP.ncap") == 0 && s.size[2] == 4,
	    "holds s1/UDP at 26, s2/TCP at 3, s4/TCP at its 4 now, not s3");
	free(buf);
}

static void
add_two(struct journal *j, void *arg)
{
	struct jsession	*js = arg;

	journal_add_session(j, &js[0]);
	journal_add_session(j, &js[1]);
}

/*
 * Many entries past the bound: full; the snapshot the receiver makes
 * then says in one entry what the last of them said.
 */
static void
test_compact(void)
{
	struct journal	 j;
	struct jfile	*jf;
	struct jsession	 js[2];
	struct seen	 s;
	unsigned char	*buf;
	size_t		 len, before;
	int		 i;

	journal_init(&j, &st);
	journal_load(&j, NULL, NULL);
	journal_cut(&j);
	ok(journal_snapshot(&j, NULL, NULL) == 0 && !journal_full(&j) &&
	    j.bound == JOURNAL_BOUND, "bound: %d bytes at least",
	    JOURNAL_BOUND);
	jf = journal_file(&j, "s1", "UDP.ncap", finode("s1/UDP.ncap"), 26);
	make_session(&js[0], 'x', 0);
	make_session(&js[1], 'y', 0);
	for (i = 1; !journal_full(&j) && i < 10000; i++) {
		js[i % 2].top = (uint64_t)i;
		journal_grow(&j, jf, 26 + (uint64_t)i);
		journal_begin(&j);
		journal_add_session(&j, &js[i % 2]);
		if (journal_commit(&j) == -1)
			break;
	}
	before = (size_t)fsize(JOURNAL_NAME);
	ok(journal_full(&j) && before > JOURNAL_BOUND,
	    "%d entries later it is full (%zu bytes)", i, before);
	ok(journal_snapshot(&j, add_two, js) == 0 && !journal_full(&j),
	    "compacted");
	buf = slurp(JOURNAL_NAME, &len);
	memset(&s, 0, sizeof(s));
	ok(journal_replay(buf, len, &seen_cb, &s) == len && len ==
	    JE_OVERHEAD + JI_HDRLEN + JI_HEADER_LEN + 3 * (JI_HDRLEN + 17 +
	    10) + 2 * (JI_HDRLEN + JI_SESSION_LEN),
	    "into one entry of %zu bytes: header, 3 files, 2 sessions", len);
	ok(s.n == 5 && s.kind[3] == 's' && s.js[3].top == js[0].top &&
	    s.js[4].top == js[1].top && s.size[0] == 26 + (uint64_t)i - 1,
	    "the last of what the entries said: tops %llu and %llu, the "
	    "file at %llu", (unsigned long long)js[0].top,
	    (unsigned long long)js[1].top, (unsigned long long)s.size[0]);
	ok(fsize(JOURNAL_NEW) == (uint64_t)-1,
	    "no new journal is left beside it");
	free(buf);
	close(j.fd);
}

int
main(void)
{
	char	 dir[] = "/tmp/t_journal.XXXXXX", cmd[64];

	log_init(1, 0);
	if (mkdtemp(dir) == NULL || chdir(dir) == -1) {
		printf("Bail out! no directory\n");
		return (1);
	}
	test_layout();
	test_torn();
	test_full();
	test_cut();
	test_compact();
	test_consumer();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (chdir("/") == -1 || system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
