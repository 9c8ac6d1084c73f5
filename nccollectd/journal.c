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
 * The receiver's journal, .journal in the spool: what it stored and
 * what it said was done, so that after a restart nothing a sensor was
 * told is done is stored again, and nothing it was not told is kept.
 *
 * It is a sequence of entries, each checked on its own, so that one
 * torn by a crash is found and ignored, with whatever follows it:
 *
 *	0	4	n, big endian
 *	4	n	items
 *	4 + n	4	CRC-32 (zlib's crc32) of the n + 4 bytes before it
 *
 * An item is its kind (1 byte), the length of its body (2 bytes, big
 * endian) and its body, numbers big endian:
 *
 *	1 header	"ncapjrnl" and the version, 2: the first item of
 *			the first entry
 *	2 file		committed size (8), inode (8), length of the
 *			sensor name (1), the sensor name, the file's
 *			name in the sensor's directory: the spool file
 *			sensor/name
 *	3 session	the session's header (113 bytes: version, I, N,
 *			certificate), T (8), the highest number taken
 *			(8) and the window (128): bit i of byte j set
 *			says the number n, n % 1024 = 8j + i, within
 *			1023 below the highest, is done
 *	4 consumer	input jetstream: the highest stream sequence
 *			number stored (8), the window (128) as a
 *			session's, and the consumer's name, "stream.durable"
 *			(the rest); read, no longer written
 *	5 consumer	as 4, with the stream's creation time (8, ns since
 *			the epoch, 0 not known) after the highest number:
 *			a stream made again under the same name numbers
 *			from 1 again, and its window is not the old one's
 *
 * A later item for the same file or session replaces an earlier one;
 * items of another kind are skipped.  The items of one entry were true
 * together, so an entry is taken whole or not at all.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "nccollectd.h"
#include "util.h"

#define JI_FILE_MIN	17	/* size, inode, name length */
#define JOURNAL_MAGIC	"ncapjrnl"
#define JOURNAL_SPARE	(64 * 1024)	/* reserved ahead of its end */

struct load {
	struct journal		*j;
	const struct journal_cb	*cb;
	void			*arg;
};

static int	 jfile_cmp(struct jfile *, struct jfile *);
static struct jfile *jfile_find(struct journal *, const char *, const char *);
static int	 items_walk(const unsigned char *, size_t,
		    const struct journal_cb *, void *, int);
static void	 load_file(void *, const char *, const char *, uint64_t,
		    uint64_t);
static void	 load_session(void *, const struct jsession *);
static void	 load_consumer(void *, const struct jconsumer *);
static void	 need(struct journal *, size_t);
static void	 put_file(struct journal *, const struct jfile *, uint64_t);
static void	 put_header(struct journal *);
static void	 entry_start(struct journal *);
static void	 entry_end(struct journal *);
static int	 append(struct journal *, const unsigned char *, size_t);
static void	 reserve(struct journal *);

RB_PROTOTYPE(jfile_tree, jfile, tree, jfile_cmp);
RB_GENERATE(jfile_tree, jfile, tree, jfile_cmp);

static struct log_ratelimit	 rl_write;

static int
jfile_cmp(struct jfile *a, struct jfile *b)
{
	int	r;

	if ((r = strcmp(a->sensor, b->sensor)) != 0)
		return (r);
	return (strcmp(a->name, b->name));
}

/* a file's name as the spool makes them: not hidden, no slash */
static int
valid_file_name(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > SPOOL_NAME_MAX || s[0] == '.')
		return (0);
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-' || s[i] == '.'))
			return (0);
	return (1);
}

/*
 * The items of an entry: checked only (cb NULL), or handed to cb.  -1
 * for one that is not what its kind says; the first entry of a journal
 * starts with its header.
 */
static int
items_walk(const unsigned char *p, size_t n, const struct journal_cb *cb,
    void *arg, int first)
{
	struct jsession	 js;
	struct jconsumer jc;
	char		 sensor[SENSOR_NAME_MAX + 1];
	char		 name[SPOOL_NAME_MAX + 1];
	const unsigned char *b;
	size_t		 off = 0, len, slen, tlen, numlen;
	int		 kind;

	while (off < n) {
		if (n - off < JI_HDRLEN)
			return (-1);
		kind = p[off];
		len = (size_t)p[off + 1] << 8 | p[off + 2];
		off += JI_HDRLEN;
		if (len > n - off)
			return (-1);
		if (first && off == JI_HDRLEN && kind != JI_HEADER)
			return (-1);
		b = p + off;
		switch (kind) {
		case JI_HEADER:
			if (len != JI_HEADER_LEN || memcmp(b, JOURNAL_MAGIC,
			    8) != 0 || b[8] != JOURNAL_VERSION)
				return (-1);
			break;
		case JI_FILE:
			if (len < JI_FILE_MIN)
				return (-1);
			slen = b[16];
			if (slen > len - JI_FILE_MIN)
				return (-1);
			tlen = len - JI_FILE_MIN - slen;
			if (!valid_sensor_name(
			    (const char *)b + JI_FILE_MIN, slen) ||
			    !valid_file_name((const char *)b + JI_FILE_MIN +
			    slen, tlen))
				return (-1);
			if (cb == NULL)
				break;
			memcpy(sensor, b + JI_FILE_MIN, slen);
			sensor[slen] = '\0';
			memcpy(name, b + JI_FILE_MIN + slen, tlen);
			name[tlen] = '\0';
			cb->file(arg, sensor, name, be64_get(b + 8),
			    be64_get(b));
			break;
		case JI_SESSION:
			if (len != JI_SESSION_LEN)
				return (-1);
			if (cb == NULL)
				break;
			memcpy(js.sess, b, WIRE_SESSLEN);
			js.created = be64_get(b + WIRE_SESSLEN);
			js.top = be64_get(b + WIRE_SESSLEN + 8);
			memcpy(js.bits, b + WIRE_SESSLEN + 16, sizeof(js.bits));
			cb->session(arg, &js);
			break;
		case JI_CONSUMER:
		case JI_CONSUMER_STREAM:
			/* the numbers before the window: top, creation */
			numlen = kind == JI_CONSUMER ? 8 : 16;
			if (len < numlen + WINDOW_BITS / 8 + 1 ||
			    len > numlen + WINDOW_BITS / 8 + JCONSUMER_NAME_MAX)
				return (-1);
			if (cb == NULL || cb->consumer == NULL)
				break;
			memset(&jc, 0, sizeof(jc));
			jc.top = be64_get(b);
			if (kind == JI_CONSUMER_STREAM)
				jc.created = be64_get(b + 8);
			memcpy(jc.bits, b + numlen, sizeof(jc.bits));
			memcpy(jc.name, b + numlen + sizeof(jc.bits),
			    len - numlen - sizeof(jc.bits));
			cb->consumer(arg, &jc);
			break;
		default:
			/* a later version's: what it says is not ours */
			break;
		}
		off += len;
	}
	return (first && n == 0 ? -1 : 0);
}

/*
 * The entries of a journal, each handed to cb once it is known whole,
 * in order, up to the first that is not: the length of those.
 */
size_t
journal_replay(const unsigned char *buf, size_t len,
    const struct journal_cb *cb, void *arg)
{
	size_t	 off = 0, n;

	while (len - off >= JE_OVERHEAD) {
		n = be32_get(buf + off);
		if (n > len - off - JE_OVERHEAD)
			break;
		if (crc32_z(0, buf + off, n + 4) != be32_get(buf + off + 4 + n))
			break;
		if (items_walk(buf + off + 4, n, NULL, NULL, off == 0) == -1)
			break;
		items_walk(buf + off + 4, n, cb, arg, off == 0);
		off += n + JE_OVERHEAD;
	}
	return (off);
}

void
journal_init(struct journal *j, struct collector_stats *st)
{
	memset(j, 0, sizeof(*j));
	j->fd = j->dirfd = -1;
	j->bound = JOURNAL_BOUND;
	RB_INIT(&j->files);
	TAILQ_INIT(&j->dirty);
	j->st = st;
}

static struct jfile *
jfile_find(struct journal *j, const char *sensor, const char *name)
{
	struct jfile	 key;

	if (strlcpy(key.sensor, sensor, sizeof(key.sensor)) >=
	    sizeof(key.sensor) || strlcpy(key.name, name, sizeof(key.name)) >=
	    sizeof(key.name))
		fatalx("%s: %s/%s: name too long", __func__, sensor, name);
	return (RB_FIND(jfile_tree, &j->files, &key));
}

static void
load_file(void *arg, const char *sensor, const char *name, uint64_t ino,
    uint64_t size)
{
	struct load	*l = arg;
	struct jfile	*jf;

	if ((jf = jfile_find(l->j, sensor, name)) == NULL) {
		if ((jf = calloc(1, sizeof(*jf))) == NULL)
			fatal(NULL);
		strlcpy(jf->sensor, sensor, sizeof(jf->sensor));
		strlcpy(jf->name, name, sizeof(jf->name));
		RB_INSERT(jfile_tree, &l->j->files, jf);
	}
	jf->ino = ino;
	jf->committed = jf->size = size;
	if (l->cb != NULL && l->cb->file != NULL)
		l->cb->file(l->arg, sensor, name, ino, size);
}

static void
load_session(void *arg, const struct jsession *js)
{
	struct load	*l = arg;

	if (l->cb != NULL && l->cb->session != NULL)
		l->cb->session(l->arg, js);
}

static void
load_consumer(void *arg, const struct jconsumer *jc)
{
	struct load	*l = arg;

	if (l->cb != NULL && l->cb->consumer != NULL)
		l->cb->consumer(l->arg, jc);
}

/*
 * At start, in the spool, before the sandbox: the journal read back,
 * its files kept here and its sessions handed to cb.  0, or -1 when
 * there is none yet.  Anything else that keeps it from being read is
 * fatal: starting without it would store again what it says is done.
 */
int
journal_load(struct journal *j, const struct journal_cb *cb, void *arg)
{
	const struct journal_cb	 wrap = { load_session, load_file,
				    load_consumer };
	struct load		 l = { j, cb, arg };
	struct stat		 sb;
	unsigned char		*buf;
	size_t			 len = 0, valid;
	ssize_t			 n;
	int			 fd;

	/* a rename is on disk once its directory is */
	if ((j->dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		log_warn("open the spool directory");
	if ((fd = open(JOURNAL_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		if (errno != ENOENT)
			fatal("open %s", JOURNAL_NAME);
		log_info("no %s in the spool: starting one", JOURNAL_NAME);
		return (-1);
	}
	if (fstat(fd, &sb) == -1)
		fatal("fstat %s", JOURNAL_NAME);
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL)
		fatal(NULL);
	while ((n = read(fd, buf + len, (size_t)sb.st_size + 1 - len)) > 0)
		if ((len += (size_t)n) > (size_t)sb.st_size)
			fatalx("%s grew while read", JOURNAL_NAME);
	if (n == -1)
		fatal("read %s", JOURNAL_NAME);
	close(fd);
	valid = journal_replay(buf, len, &wrap, &l);
	if (valid == 0 && len > 0)
		log_warnx("%s is not a journal: what it held is lost",
		    JOURNAL_NAME);
	else if (valid < len)
		log_warnx("%s: %zu bytes after offset %zu are no whole entry "
		    "(cut by a crash): ignored", JOURNAL_NAME, len - valid,
		    valid);
	free(buf);
	return (0);
}

/*
 * At start: every file the journal knows cut back to its committed size
 * (what lies past it was never acknowledged, or is a crash's torn
 * write: it will come again).  A file no longer there, or another one
 * under its name, is forgotten; files it never knew stay as they are.
 */
void
journal_cut(struct journal *j)
{
	struct jfile	*jf, *next;
	struct stat	 sb;
	char		 path[SENSOR_NAME_MAX + SPOOL_NAME_MAX + 2];
	int		 fd, forget;

	for (jf = RB_MIN(jfile_tree, &j->files); jf != NULL; jf = next) {
		next = RB_NEXT(jfile_tree, &j->files, jf);
		snprintf(path, sizeof(path), "%s/%s", jf->sensor, jf->name);
		forget = 1;
		if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) ==
		    -1) {
			if (errno != ENOENT)
				log_warn("journal: open %s", path);
		} else if (fstat(fd, &sb) == -1)
			log_warn("journal: fstat %s", path);
		else if ((uint64_t)sb.st_ino != jf->ino)
			log_warnx("journal: %s is not the file it knows, left "
			    "as it is", path);
		else if ((uint64_t)sb.st_size > jf->committed) {
			if (ftruncate(fd, (off_t)jf->committed) == -1)
				fatal("journal: ftruncate %s", path);
			log_info("journal: cut %llu bytes off %s, past what "
			    "was acknowledged", (unsigned long long)
			    ((uint64_t)sb.st_size - jf->committed), path);
			j->st->journal_cut += (uint64_t)sb.st_size -
			    jf->committed;
			forget = 0;
		} else {
			if ((uint64_t)sb.st_size < jf->committed) {
				log_warnx("journal: %s is %llu bytes shorter "
				    "than acknowledged: records were lost",
				    path, (unsigned long long)(jf->committed -
				    (uint64_t)sb.st_size));
				jf->committed = (uint64_t)sb.st_size;
			}
			jf->size = jf->committed;
			forget = 0;
		}
		if (fd != -1)
			close(fd);
		if (forget) {
			RB_REMOVE(jfile_tree, &j->files, jf);
			free(jf);
		}
	}
}

static void
need(struct journal *j, size_t n)
{
	unsigned char	*p;
	size_t		 cap;

	if (j->cap - j->len >= n)
		return;
	for (cap = j->cap ? j->cap : 4096; cap - j->len < n; cap *= 2)
		;
	if ((p = realloc(j->buf, cap)) == NULL)
		fatal(NULL);
	j->buf = p;
	j->cap = cap;
}

static void
entry_start(struct journal *j)
{
	j->len = 0;
	need(j, 4);
	j->len = 4;
}

/* the length before the items, the CRC after them */
static void
entry_end(struct journal *j)
{
	need(j, 4);
	be32_put(j->buf, (uint32_t)(j->len - 4));
	be32_put(j->buf + j->len, (uint32_t)crc32_z(0, j->buf, j->len));
	j->len += 4;
}

static void
put_header(struct journal *j)
{
	unsigned char	*p;

	need(j, JI_HDRLEN + JI_HEADER_LEN);
	p = j->buf + j->len;
	p[0] = JI_HEADER;
	p[1] = 0;
	p[2] = JI_HEADER_LEN;
	memcpy(p + 3, JOURNAL_MAGIC, 8);
	p[11] = JOURNAL_VERSION;
	j->len += JI_HDRLEN + JI_HEADER_LEN;
}

static void
put_file(struct journal *j, const struct jfile *jf, uint64_t size)
{
	unsigned char	*p;
	size_t		 slen = strlen(jf->sensor), tlen = strlen(jf->name);
	size_t		 len = JI_FILE_MIN + slen + tlen;

	need(j, JI_HDRLEN + len);
	p = j->buf + j->len;
	p[0] = JI_FILE;
	p[1] = (len >> 8) & 0xff;
	p[2] = len & 0xff;
	be64_put(p + 3, size);
	be64_put(p + 11, jf->ino);
	p[19] = (unsigned char)slen;
	memcpy(p + 20, jf->sensor, slen);
	memcpy(p + 20 + slen, jf->name, tlen);
	j->len += JI_HDRLEN + len;
}

void
journal_add_session(struct journal *j, const struct jsession *js)
{
	unsigned char	*p;

	need(j, JI_HDRLEN + JI_SESSION_LEN);
	p = j->buf + j->len;
	p[0] = JI_SESSION;
	p[1] = (JI_SESSION_LEN >> 8) & 0xff;
	p[2] = JI_SESSION_LEN & 0xff;
	memcpy(p + 3, js->sess, WIRE_SESSLEN);
	be64_put(p + 3 + WIRE_SESSLEN, js->created);
	be64_put(p + 3 + WIRE_SESSLEN + 8, js->top);
	memcpy(p + 3 + WIRE_SESSLEN + 16, js->bits, sizeof(js->bits));
	j->len += JI_HDRLEN + JI_SESSION_LEN;
}

void
journal_add_consumer(struct journal *j, const struct jconsumer *jc)
{
	unsigned char	*p;
	size_t		 nlen = strnlen(jc->name, JCONSUMER_NAME_MAX);
	size_t		 len = 16 + sizeof(jc->bits) + nlen;

	need(j, JI_HDRLEN + len);
	p = j->buf + j->len;
	p[0] = JI_CONSUMER_STREAM;
	p[1] = (len >> 8) & 0xff;
	p[2] = len & 0xff;
	be64_put(p + 3, jc->top);
	be64_put(p + 3 + 8, jc->created);
	memcpy(p + 3 + 16, jc->bits, sizeof(jc->bits));
	memcpy(p + 3 + 16 + sizeof(jc->bits), jc->name, nlen);
	j->len += JI_HDRLEN + len;
}

/*
 * An entry onto the journal, on disk for good with sync.  One that
 * could not be written whole is cut off again: every entry after a
 * torn one would be lost with it.
 */
static int
append(struct journal *j, const unsigned char *buf, size_t len)
{
	size_t	 done;

	if (j->fd == -1)
		return (-1);
	if (write_all(j->fd, buf, len, &done) == -1) {
		log_warnx_rl(&rl_write, "write %s: %s", JOURNAL_NAME,
		    strerror(errno));
		if (done > 0 && ftruncate(j->fd, (off_t)j->size) == -1)
			fatal("ftruncate %s", JOURNAL_NAME);
		return (-1);
	}
	/*
	 * A failed fdatasync may have lost what it could not write, and
	 * tells no more: what the journal says can no longer be told
	 * from what is on disk.  Start again from the journal.
	 */
	if (j->sync) {
		j->st->syncs++;
		if (fdatasync(j->fd) == -1)
			fatal("fdatasync %s", JOURNAL_NAME);
	}
	j->size += len;
	j->st->journal_entries++;
	j->st->journal_bytes += len;
	if (j->size + JOURNAL_SPARE / 2 > j->reserved)
		reserve(j);
	return (0);
}

/*
 * The spool opened a file, of size bytes.  One the journal does not
 * know (new, or an older collector's) is journaled at once, before
 * anything is appended: a crash must not leave records in a file the
 * journal would not cut.  NULL when that entry could not be written.
 */
struct jfile *
journal_file(struct journal *j, const char *sensor, const char *name,
    uint64_t ino, uint64_t size)
{
	struct jfile	*jf, tmp;
	unsigned char	*save;
	size_t		 savelen, savecap;
	int		 r;

	if ((jf = jfile_find(j, sensor, name)) != NULL && jf->ino == ino) {
		/* open again after the spool closed it: as we left it */
		if (size != jf->size)
			journal_grow(j, jf, size);
		return (jf);
	}
	memset(&tmp, 0, sizeof(tmp));
	strlcpy(tmp.sensor, sensor, sizeof(tmp.sensor));
	strlcpy(tmp.name, name, sizeof(tmp.name));
	tmp.ino = ino;
	/* an entry of its own, aside from one being made */
	save = j->buf;
	savelen = j->len;
	savecap = j->cap;
	j->buf = NULL;
	j->cap = 0;
	entry_start(j);
	put_file(j, &tmp, size);
	entry_end(j);
	r = append(j, j->buf, j->len);
	free(j->buf);
	j->buf = save;
	j->len = savelen;
	j->cap = savecap;
	if (r == -1)
		return (NULL);
	if (jf == NULL) {
		if ((jf = calloc(1, sizeof(*jf))) == NULL)
			fatal(NULL);
		*jf = tmp;
		RB_INSERT(jfile_tree, &j->files, jf);
	} else if (jf->isdirty) {
		TAILQ_REMOVE(&j->dirty, jf, dirty);
		jf->isdirty = 0;
	}
	jf->ino = ino;
	jf->committed = jf->size = size;
	return (jf);
}

/*
 * The spool renamed a file it closed, or removed one: nothing of it is
 * cut at start any more.  Only once what it holds is committed: a
 * crash then leaves its item naming a file no longer there, or another
 * file under its name, and either is left alone.
 */
void
journal_forget(struct journal *j, struct jfile *jf)
{
	if (jf->isdirty)
		TAILQ_REMOVE(&j->dirty, jf, dirty);
	RB_REMOVE(jfile_tree, &j->files, jf);
	free(jf);
}

/* the file the journal knows under that name, if it is this one */
struct jfile *
journal_known(struct journal *j, const char *sensor, const char *name,
    uint64_t ino)
{
	struct jfile	*jf;

	if ((jf = jfile_find(j, sensor, name)) != NULL && jf->ino == ino)
		return (jf);
	return (NULL);
}

/* the spool appended to a file: it is size bytes, not yet committed */
void
journal_grow(struct journal *j, struct jfile *jf, uint64_t size)
{
	jf->size = size;
	if (!jf->isdirty) {
		jf->isdirty = 1;
		TAILQ_INSERT_TAIL(&j->dirty, jf, dirty);
	}
}

void
journal_begin(struct journal *j)
{
	entry_start(j);
}

/*
 * The entry: the sessions added, then every file that grew, at the
 * size it has now.  0 when it is in the journal (or there was
 * nothing to say), -1 when it could not be written.
 */
int
journal_commit(struct journal *j)
{
	struct jfile	*jf;

	TAILQ_FOREACH(jf, &j->dirty, dirty)
		put_file(j, jf, jf->size);
	if (j->len == 4)
		return (0);
	entry_end(j);
	if (append(j, j->buf, j->len) == -1)
		return (-1);
	while ((jf = TAILQ_FIRST(&j->dirty)) != NULL) {
		TAILQ_REMOVE(&j->dirty, jf, dirty);
		jf->isdirty = 0;
		jf->committed = jf->size;
	}
	return (0);
}

/*
 * Room for the journal to grow, so that once the spool files have
 * filled the disk it still says what they hold, and that is acked.
 * A little: only what is stored or refused makes it grow.
 */
static void
reserve(struct journal *j)
{
	if (fallocate(j->fd, FALLOC_FL_KEEP_SIZE, (off_t)j->size,
	    JOURNAL_SPARE) == 0)
		j->reserved = j->size + JOURNAL_SPARE;
	else
		log_debug("journal: nothing reserved: %s", strerror(errno));
}

/*
 * Compaction, and the journal's start: the whole state, every file and
 * (from sessions()) every session, as the first entry of a new file
 * renamed over the journal.  On disk before the rename, whatever sync
 * says: the old journal is gone after it.  0, or -1 when the journal
 * stays as it was.
 */
int
journal_snapshot(struct journal *j, void (*sessions)(struct journal *,
    void *), void *arg)
{
	struct jfile	*jf;
	size_t		 done;
	int		 fd;

	entry_start(j);
	put_header(j);
	RB_FOREACH(jf, jfile_tree, &j->files)
		put_file(j, jf, jf->size);
	if (sessions != NULL)
		sessions(j, arg);
	entry_end(j);

	if ((fd = open(JOURNAL_NEW, O_WRONLY | O_APPEND | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0640)) == -1) {
		log_warnx_rl(&rl_write, "open %s: %s", JOURNAL_NEW,
		    strerror(errno));
		return (-1);
	}
	/* ftruncate: what a compaction that failed left */
	if (ftruncate(fd, 0) == -1 ||
	    write_all(fd, j->buf, j->len, &done) == -1)
		goto fail;
	j->st->syncs++;
	if (fdatasync(fd) == -1 || rename(JOURNAL_NEW, JOURNAL_NAME) == -1)
		goto fail;
	if (j->dirfd != -1) {
		j->st->syncs++;
		if (fsync(j->dirfd) == -1)
			log_warn("fsync the spool directory");
	}
	if (j->fd != -1)
		close(j->fd);
	j->fd = fd;
	j->size = j->len;
	j->reserved = 0;
	j->bound = 4 * (uint64_t)j->len > JOURNAL_BOUND ?
	    4 * (uint64_t)j->len : JOURNAL_BOUND;
	reserve(j);
	j->st->journal_entries++;
	j->st->journal_bytes += j->len;
	while ((jf = TAILQ_FIRST(&j->dirty)) != NULL) {
		TAILQ_REMOVE(&j->dirty, jf, dirty);
		jf->isdirty = 0;
	}
	RB_FOREACH(jf, jfile_tree, &j->files)
		jf->committed = jf->size;
	return (0);

 fail:
	log_warnx_rl(&rl_write, "journal compaction: %s", strerror(errno));
	close(fd);
	return (-1);
}

/*
 * The journal in the receiver's sandbox, whatever the output: entries
 * appended (write, which every child has) and compactions, in the
 * spool, the receiver's root.
 */
void
journal_rules(scmp_filter_ctx ctx)
{
	/* a compaction's new journal, opened to append */
	sandbox_allow_append(ctx);
	/*
	 * a failed entry is cut back; the new journal of a compaction is
	 * emptied first
	 */
	sandbox_allow(ctx, SCMP_SYS(ftruncate));
	/* sync yes: each entry on disk before the acks it announces */
	sandbox_allow(ctx, SCMP_SYS(fdatasync));
	/* compaction: the new journal over the old one, in the spool */
	sandbox_allow(ctx, SCMP_SYS(rename));
	/* and the rename on disk: the spool directory, held open */
	sandbox_allow(ctx, SCMP_SYS(fsync));
	/* room reserved for the journal, for when the disk fills */
	sandbox_allow(ctx, SCMP_SYS(fallocate));
}

/* time for a compaction: grown past its bound, or not there yet */
int
journal_full(const struct journal *j)
{
	return (j->fd == -1 || j->size > j->bound);
}
