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
 * The spool, as the receiver sees it from inside its chroot: one
 * directory per sensor, and in it the files of each record type.
 *
 * Without rotate, one file per type, Type.ncap, appended to forever.
 * With rotate, the current file of a type is Type-START.ncap.open; it
 * is closed (renamed to Type-START-END.ncap, -N added where that name
 * is taken) when its period of the clock ends, when it reaches its
 * size, on ncctl rotate, or when the collector stops, and a new one is
 * begun by the next batch.  A file is renamed only once the journal has
 * committed all it holds: after a crash it is never a closed file that
 * has records past what was acknowledged.  At start every file left
 * open is closed, after the journal has cut it.
 *
 * Files stay open (up to SPOOL_MAX_OPEN, least recently used closed
 * first; with rotate they stay current while closed).  The batches of
 * one turn of the loop are appended together: their records wait in
 * wbuf, and once the loop has run what was ready (or wbuf is full, or
 * a file is to be closed, or the receiver is about to write the
 * journal) each file gets one writev of its batches in the order they
 * came, and then each batch is reported.  A failed write is cut back
 * so a file never holds half a batch, and the file's batches are then
 * written one by one, each stored or not as it would have been alone.
 * The journal learns of every file opened and of its size after every
 * write: it commits that size, and cuts back to it at start.
 *
 * keep removes closed files, oldest first (by the end of their span),
 * while they are older than its age or the spool is larger than its
 * size: after files were closed, and every KEEP_INTERVAL.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/tree.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ncap.h"
#include "nccollectd.h"
#include "records.h"
#include "util.h"

/*
 * The files kept open at most (the least recently used one is closed
 * once one more is open), and the descriptors the receiver's sandbox
 * counts for the spool: those, the one opened before the oldest is
 * closed, and the two directories keep reads at a time.
 */
#define SPOOL_MAX_OPEN	256
#define SPOOL_FDS	(SPOOL_MAX_OPEN + 1 + 2)
#define OPEN_SUFFIX	".ncap.open"
#define STAMP_LEN	16		/* 20261203T040000Z */
#define KEEP_INTERVAL	60		/* seconds between looks */
#define SPOOL_WBUF	(256 * 1024)	/* records waiting, bytes at most */
#define SPOOL_WAITING	128		/* batches waiting at most */

#if WIRE_MAX_BATCH > SPOOL_WBUF
#error "a batch must fit in wbuf"
#endif

struct sfile {
	RB_ENTRY(sfile)		 tree;
	TAILQ_ENTRY(sfile)	 lru;		/* while fd != -1 */
	char			 sensor[SENSOR_NAME_MAX + 1];
	int			 type;
	char			 name[SPOOL_NAME_MAX + 1];
	time_t			 start;		/* its span begins */
	int			 fd;		/* -1: closed for now */
	off_t			 size;
	int			 dirty;		/* written since its fdatasync */
	int			 due;		/* closed at the next commit */
	struct jfile		*jf;
};

/* a batch waiting in wbuf, and what its report counts */
struct waiting {
	struct sfile		*f;
	size_t			 off;		/* its records in wbuf */
	size_t			 len;
	int			 type;
	uint32_t		 nrec;
	output_done		 done;
	void			*cookie;
	int			 stored;
	char			 sensor[SENSOR_NAME_MAX + 1];
};

/* a closed file, as keep sees it */
struct kept {
	char			 path[SENSOR_NAME_MAX + SPOOL_NAME_MAX + 2];
	time_t			 start, end;
	off_t			 size;
};

RB_HEAD(sfile_tree, sfile);
static int	 sfile_cmp(struct sfile *, struct sfile *);
RB_PROTOTYPE(sfile_tree, sfile, tree, sfile_cmp);
RB_GENERATE(sfile_tree, sfile, tree, sfile_cmp);

static void		 spool_init(const struct collector_conf *,
			    struct collector_stats *, struct journal *,
			    void (*)(void));
static void		 spool_recover(const struct collector_conf *,
			    struct collector_stats *, struct journal *);
static void		 spool_reconf(const struct collector_conf *);
static void		 spool_store(const struct output_batch *, output_done,
			    void *);
static struct sfile	*spool_file(const char *, int);
static int		 spool_put(struct sfile *, const unsigned char *,
			    size_t);
static void		 spool_write(struct sfile *, unsigned int);
static void		 spool_flush(void);
static void		 spool_flush_event(int, short, void *);
static int		 writev_all(int, struct iovec *, int, size_t *);
static int		 spool_sync(void);
static unsigned int	 spool_committed(void);
static void		 spool_rotate(void);
static void		 spool_close_all(int);
static struct sfile	*sfile_new(const char *, int);
static int		 sfile_open(struct sfile *);
static void		 sfile_release(struct sfile *, int);
static void		 sfile_finish(struct sfile *);
static void		 sfile_due(struct sfile *);
static void		 sfile_grew(struct sfile *, size_t);
static time_t		 wall_s(void);
static void		 sfile_sync(struct sfile *);
static int		 close_name(const char *, const char *, time_t, time_t,
			    char *, size_t);
static int		 parse_stamp(const char *, time_t *);
static void		 fmt_stamp(char *, size_t, time_t);
static int		 closed_name(const char *, time_t *, time_t *);
static void		 rotate_arm(void);
static void		 rotate_timer(int, short, void *);
static void		 keep_timer(int, short, void *);
static void		 spool_keep(void);
static off_t		 torn_cut(const char *, int);
static void		 spool_rules(scmp_filter_ctx);

const struct output_backend	 output_spool = {
	spool_init, spool_recover, spool_reconf, spool_store, spool_flush,
	spool_sync, spool_committed, spool_rotate, spool_close_all,
	spool_rules, SPOOL_FDS
};

static struct sfile_tree		 files = RB_INITIALIZER(&files);
static TAILQ_HEAD(sfile_lru_head, sfile) lru = TAILQ_HEAD_INITIALIZER(lru);
static unsigned int			 nopen;
static int				 spool_verbose;
static struct collector_stats		*spool_stats;
static struct journal			*journal;
static struct log_ratelimit		 rl_io;
static void				(*kick)(void);
static unsigned int			 every, keep_age;
static uint64_t				 maxsize, keep_size;
static int				 rotating, keep_due;
static unsigned int			 ndue;		/* files due */
static struct event			 ev_rotate, ev_keep, ev_flush;
static unsigned char			*wbuf;
static size_t				 wlen;
static struct waiting			 waiting[SPOOL_WAITING];
static unsigned int			 nwaiting;

static int
sfile_cmp(struct sfile *a, struct sfile *b)
{
	int	r;

	if ((r = strcmp(a->sensor, b->sensor)) != 0)
		return (r);
	return (a->type - b->type);
}

/* to be closed at the next commit */
static void
sfile_due(struct sfile *f)
{
	if (!f->due) {
		f->due = 1;
		ndue++;
	}
}

/*
 * The time a file's span is named by, and keep's ages are measured
 * against, from the clock its header's time comes from: time(3) reads a
 * coarser one, up to a tick behind, and a header written within a tick
 * of a second's end fell outside a span that opened and closed within
 * that tick.
 */
static time_t
wall_s(void)
{
	return ((time_t)(now_ns() / 1000000000));
}

/* len bytes appended whole: the journal knows, a full file is due */
static void
sfile_grew(struct sfile *f, size_t len)
{
	f->size += (off_t)len;
	f->dirty = 1;
	journal_grow(journal, f->jf, (uint64_t)f->size);
	if (maxsize != 0 && (uint64_t)f->size >= maxsize && !f->due) {
		sfile_due(f);
		kick();
	}
}

static void
spool_init(const struct collector_conf *c, struct collector_stats *st,
    struct journal *j, void (*kickfn)(void))
{
	spool_stats = st;
	journal = j;
	kick = kickfn;
	evtimer_set(&ev_rotate, rotate_timer, NULL);
	evtimer_set(&ev_keep, keep_timer, NULL);
	event_set(&ev_flush, -1, 0, spool_flush_event, NULL);
	if ((wbuf = malloc(SPOOL_WBUF)) == NULL)
		fatal(NULL);
	spool_reconf(c);
}

/*
 * At start and on reload.  Rotation switched on or off: every current
 * file is closed at the next commit, and the next batch begins a file
 * under the other naming.
 */
static void
spool_reconf(const struct collector_conf *c)
{
	struct sfile	*f;
	int		 was = rotating;

	spool_verbose = c->verbose;
	every = c->rotate_every;
	maxsize = c->rotate_size;
	rotating = every != 0 || maxsize != 0;
	keep_age = c->keep_age;
	keep_size = c->keep_size;
	if (was != rotating) {
		RB_FOREACH(f, sfile_tree, &files)
			sfile_due(f);
		kick();
	}
	if (evtimer_pending(&ev_rotate, NULL))
		evtimer_del(&ev_rotate);
	rotate_arm();
	if (evtimer_pending(&ev_keep, NULL))
		evtimer_del(&ev_keep);
	if (keep_age != 0 || keep_size != 0) {
		/* a look now, then one every KEEP_INTERVAL */
		keep_due = 1;
		kick();
		evtimer_add_ms(&ev_keep, KEEP_INTERVAL * 1000);
	}
}

/*
 * The timer at the next end of a period, on the clock's multiples, or
 * in an hour if that is sooner: a timer runs on the monotonic clock, so
 * one that looks again now and then follows the wall clock when it is
 * set, and a long period does not overflow it.
 */
static void
rotate_arm(void)
{
	struct timeval	 now;
	int64_t		 ms;

	if (every == 0)
		return;
	gettimeofday(&now, NULL);
	ms = ((int64_t)now.tv_sec / every + 1) * every * 1000 -
	    ((int64_t)now.tv_sec * 1000 + now.tv_usec / 1000);
	if (ms > 3600 * 1000)
		ms = 3600 * 1000;
	evtimer_add_ms(&ev_rotate, (unsigned int)ms + 1);
}

static void
rotate_timer(int fd, short event, void *arg)
{
	struct sfile	*f;
	time_t		 now = wall_s();
	int		 n = 0;

	RB_FOREACH(f, sfile_tree, &files)
		if (every != 0 && f->start / every < now / every) {
			sfile_due(f);
			n++;
		}
	if (n > 0)
		kick();
	rotate_arm();
}

static void
keep_timer(int fd, short event, void *arg)
{
	keep_due = 1;
	kick();
	evtimer_add_ms(&ev_keep, KEEP_INTERVAL * 1000);
}

/* ncctl rotate: every current file closed at the next commit */
static void
spool_rotate(void)
{
	struct sfile	*f;

	RB_FOREACH(f, sfile_tree, &files)
		sfile_due(f);
}

/*
 * The batch waits in wbuf for the end of the loop's turn; a file that
 * cannot be opened is reported at once.
 */
static void
spool_store(const struct output_batch *ob, output_done done, void *cookie)
{
	struct waiting	*w;
	struct sfile	*f;

	if (nwaiting == SPOOL_WAITING || SPOOL_WBUF - wlen < ob->len)
		spool_flush();
	if ((f = spool_file(ob->sensor, ob->type)) == NULL) {
		done(ob, 0, cookie);
		return;
	}
	w = &waiting[nwaiting++];
	w->f = f;
	w->off = wlen;
	w->len = ob->len;
	w->type = ob->type;
	w->nrec = ob->nrec;
	w->done = done;
	w->cookie = cookie;
	w->stored = 0;
	strlcpy(w->sensor, ob->sensor, sizeof(w->sensor));
	memcpy(wbuf + wlen, ob->recs, ob->len);
	wlen += ob->len;
	/* once the loop has run what is ready now */
	if (nwaiting == 1)
		event_active(&ev_flush, EV_WRITE, 1);
}

static void
spool_flush_event(int fd, short event, void *arg)
{
	spool_flush();
}

/*
 * What waits is written, each file's batches in one writev, and then
 * reported.  The reports come last, from a copy: they may have the
 * receiver write its journal, and close every file.
 */
static void
spool_flush(void)
{
	struct waiting		 w[SPOOL_WAITING];
	struct output_batch	 ob;
	unsigned int		 i, n;

	for (i = 0; i < nwaiting; i++)
		if (waiting[i].f != NULL)
			spool_write(waiting[i].f, i);
	n = nwaiting;
	memcpy(w, waiting, n * sizeof(w[0]));
	nwaiting = 0;
	wlen = 0;
	for (i = 0; i < n; i++) {
		memset(&ob, 0, sizeof(ob));
		ob.sensor = w[i].sensor;
		ob.type = w[i].type;
		ob.len = w[i].len;
		ob.nrec = w[i].nrec;
		w[i].done(&ob, w[i].stored, w[i].cookie);
	}
}

/*
 * The batches of f that wait, from waiting[first] on: in one writev,
 * or when that fails, cut back and one by one.
 */
static void
spool_write(struct sfile *f, unsigned int first)
{
	struct iovec	 iov[SPOOL_WAITING];
	size_t		 len = 0, done;
	unsigned int	 i;
	int		 n = 0;

	for (i = first; i < nwaiting; i++)
		if (waiting[i].f == f) {
			iov[n].iov_base = wbuf + waiting[i].off;
			iov[n].iov_len = waiting[i].len;
			len += waiting[i].len;
			n++;
		}
	if (writev_all(f->fd, iov, n, &done) == 0) {
		sfile_grew(f, len);
		for (i = first; i < nwaiting; i++)
			if (waiting[i].f == f) {
				waiting[i].stored = 1;
				waiting[i].f = NULL;
			}
		return;
	}
	/* as if they had never been together; cut back, or none goes on */
	if (done > 0 && ftruncate(f->fd, f->size) == -1) {
		log_warn("ftruncate %s/%s", f->sensor, f->name);
		n = 0;
	}
	for (i = first; i < nwaiting; i++)
		if (waiting[i].f == f) {
			waiting[i].stored = n > 0 && spool_put(f,
			    wbuf + waiting[i].off, waiting[i].len) == 0;
			waiting[i].f = NULL;
		}
}

/* all of iov written, or -1 with the bytes that were in *done */
static int
writev_all(int fd, struct iovec *iov, int n, size_t *done)
{
	ssize_t	 r;
	size_t	 left;

	*done = 0;
	while (n > 0) {
		if ((r = writev(fd, iov, n)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (r == 0) {
			errno = EIO;
			return (-1);
		}
		*done += (size_t)r;
		for (left = (size_t)r; n > 0 && left >= iov->iov_len; n--)
			left -= (iov++)->iov_len;
		if (n > 0) {
			iov->iov_base = (unsigned char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return (0);
}

/* "20261203T040000Z" */
static void
fmt_stamp(char *buf, size_t len, time_t t)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
}

static int
parse_stamp(const char *s, time_t *t)
{
	struct tm	 tm;
	int		 i;

	for (i = 0; i < STAMP_LEN - 1; i++)
		if (i == 8 ? s[i] != 'T' : (s[i] < '0' || s[i] > '9'))
			return (-1);
	if (s[STAMP_LEN - 1] != 'Z')
		return (-1);
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d%2d%2dT%2d%2d%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon--;
	*t = timegm(&tm);
	return (0);
}

/*
 * Type-START-END.ncap or Type-START-END-N.ncap, a closed file: 1 and
 * its span, or 0.
 */
static int
closed_name(const char *name, time_t *start, time_t *end)
{
	size_t		 len = strlen(name), n;
	const char	*p;

	if (len < 5 || strcmp(name + len - 5, ".ncap") != 0)
		return (0);
	len -= 5;
	/* a -N after the end, if two closed within one second */
	for (n = len; n > 0 && name[n - 1] >= '0' && name[n - 1] <= '9'; n--)
		;
	if (n < len && n > 0 && name[n - 1] == '-')
		len = n - 1;
	if (len < 2 * (STAMP_LEN + 1) + 1)
		return (0);
	p = name + len - STAMP_LEN;
	if (p[-1] != '-' || p[-STAMP_LEN - 2] != '-' ||
	    parse_stamp(p, end) == -1 ||
	    parse_stamp(p - STAMP_LEN - 1, start) == -1)
		return (0);
	return (1);
}

/*
 * The closed name of dir/open (Type-START.ncap.open), free in dir:
 * 0, or -1 when open is not such a name.
 */
static int
close_name(const char *dir, const char *open, time_t start, time_t end,
    char *buf, size_t len)
{
	struct stat	 sb;
	char		 e[STAMP_LEN + 1];
	size_t		 olen = strlen(open);
	int		 i;

	if (olen <= strlen(OPEN_SUFFIX) ||
	    strcmp(open + olen - strlen(OPEN_SUFFIX), OPEN_SUFFIX) != 0)
		return (-1);
	olen -= strlen(OPEN_SUFFIX);
	fmt_stamp(e, sizeof(e), end < start ? start : end);
	for (i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(buf, len, "%s/%.*s-%s.ncap", dir, (int)olen,
			    open, e);
		else
			snprintf(buf, len, "%s/%.*s-%s-%d.ncap", dir,
			    (int)olen, open, e, i);
		if (stat(buf, &sb) == -1 && errno == ENOENT)
			return (0);
	}
	return (-1);
}

static struct sfile *
sfile_new(const char *sensor, int type)
{
	struct sfile	*f;
	char		 s[STAMP_LEN + 1];

	if ((f = calloc(1, sizeof(*f))) == NULL)
		fatal(NULL);
	strlcpy(f->sensor, sensor, sizeof(f->sensor));
	f->type = type;
	f->fd = -1;
	f->start = wall_s();
	if (rotating) {
		fmt_stamp(s, sizeof(s), f->start);
		snprintf(f->name, sizeof(f->name), "%s-%s" OPEN_SUFFIX,
		    rectypes[type]->name, s);
	} else
		snprintf(f->name, sizeof(f->name), "%s.ncap",
		    rectypes[type]->name);
	RB_INSERT(sfile_tree, &files, f);
	return (f);
}

/* its descriptor, for a new file or one closed for now: 0, or -1 */
static int
sfile_open(struct sfile *f)
{
	struct stat	 sb;
	unsigned char	 hdr[512];
	char		 path[SENSOR_NAME_MAX + SPOOL_NAME_MAX + 2];
	size_t		 hlen, done;
	int		 fd;

	/* the name was checked: no slash, no leading dot, not empty */
	if (mkdir(f->sensor, 0750) == -1 && errno != EEXIST) {
		log_warnx_rl(&rl_io, "mkdir %s: %s", f->sensor,
		    strerror(errno));
		return (-1);
	}
	snprintf(path, sizeof(path), "%s/%s", f->sensor, f->name);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1 || fstat(fd, &sb) == -1) {
		log_warnx_rl(&rl_io, "open %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	f->size = sb.st_size;
	if (f->size == 0) {
		hlen = ncap_header_encode(hdr, sizeof(hdr), f->sensor,
		    rectypes[f->type]->name, now_ns());
		if (hlen == 0)
			fatalx("%s: header does not fit", __func__);
		if (write_all(fd, hdr, hlen, &done) == -1) {
			log_warnx_rl(&rl_io, "write %s: %s", path,
			    strerror(errno));
			if (ftruncate(fd, 0) == -1)
				log_warn("ftruncate %s", path);
			close(fd);
			return (-1);
		}
		f->size = (off_t)hlen;
		f->dirty = 1;
		spool_stats->files++;
		if (spool_verbose)
			log_info("new file %s", path);
	}
	/* nothing goes into a file the journal could not cut back */
	if ((f->jf = journal_file(journal, f->sensor, f->name,
	    (uint64_t)sb.st_ino, (uint64_t)f->size)) == NULL) {
		close(fd);
		return (-1);
	}
	if (nopen >= SPOOL_MAX_OPEN)
		sfile_release(TAILQ_LAST(&lru, sfile_lru_head), 0);
	f->fd = fd;
	TAILQ_INSERT_HEAD(&lru, f, lru);
	nopen++;
	return (0);
}

/*
 * Its descriptor closed, for room or (keep) before it is closed for
 * good.  Without rotate the file is then forgotten (its name says all);
 * with it, it stays the current one.
 */
static void
sfile_release(struct sfile *f, int keep)
{
	/* what waits for it is written first */
	if (nwaiting > 0)
		spool_flush();
	/* with sync, what it holds must be on disk before it is acked */
	if (f->dirty && journal->sync)
		sfile_sync(f);
	TAILQ_REMOVE(&lru, f, lru);
	nopen--;
	if (close(f->fd) == -1)
		log_warn("close %s/%s", f->sensor, f->name);
	f->fd = -1;
	if (!keep && !rotating && !f->due) {
		RB_REMOVE(sfile_tree, &files, f);
		free(f);
	}
}

/*
 * Closed for good, once the journal has all it holds: renamed to its
 * closed name if it was an open one, and forgotten.
 */
static void
sfile_finish(struct sfile *f)
{
	char	 from[SENSOR_NAME_MAX + SPOOL_NAME_MAX + 2];
	char	 to[SENSOR_NAME_MAX + SPOOL_NAME_MAX + 2];

	if (f->fd != -1)
		sfile_release(f, 1);
	snprintf(from, sizeof(from), "%s/%s", f->sensor, f->name);
	if (close_name(f->sensor, f->name, f->start, wall_s(), to,
	    sizeof(to)) == 0) {
		if (rename(from, to) == -1)
			log_warn("rename %s to %s", from, to);
		else {
			spool_stats->rotated++;
			if (spool_verbose)
				log_info("closed %s", to);
			if (f->jf != NULL)
				journal_forget(journal, f->jf);
		}
	}
	if (f->due)
		ndue--;
	RB_REMOVE(sfile_tree, &files, f);
	free(f);
}

/* the file of a sensor's records of a type, open; NULL (logged) */
static struct sfile *
spool_file(const char *sensor, int type)
{
	struct sfile	 key, *f;
	int		 isnew = 0;

	strlcpy(key.sensor, sensor, sizeof(key.sensor));
	key.type = type;
	if ((f = RB_FIND(sfile_tree, &files, &key)) == NULL) {
		f = sfile_new(sensor, type);
		isnew = 1;
	}
	if (f->fd == -1 && sfile_open(f) == -1) {
		if (isnew) {
			RB_REMOVE(sfile_tree, &files, f);
			free(f);
		}
		return (NULL);
	}
	TAILQ_REMOVE(&lru, f, lru);
	TAILQ_INSERT_HEAD(&lru, f, lru);
	return (f);
}

/* append one batch's records; 0 on success, -1 (logged) on failure */
static int
spool_put(struct sfile *f, const unsigned char *recs, size_t len)
{
	size_t	 done;

	if (write_all(f->fd, recs, len, &done) == -1) {
		log_warnx_rl(&rl_io, "write %s/%s: %s", f->sensor, f->name,
		    strerror(errno));
		/* cut a partial batch off again, so every record is whole */
		if (done > 0 && ftruncate(f->fd, f->size) == -1)
			log_warn("ftruncate %s/%s", f->sensor, f->name);
		return (-1);
	}
	sfile_grew(f, len);
	return (0);
}

/*
 * A failed fdatasync may have dropped what it could not write and
 * says no more: what was stored can no longer be told.  The receiver
 * dies, and its start cuts every file back to what the journal says.
 */
static void
sfile_sync(struct sfile *f)
{
	spool_stats->syncs++;
	if (fdatasync(f->fd) == -1)
		fatal("fdatasync %s/%s", f->sensor, f->name);
	f->dirty = 0;
}

/* every file written since the last time, on disk for good */
static int
spool_sync(void)
{
	struct sfile	*f;

	TAILQ_FOREACH(f, &lru, lru)
		if (f->dirty)
			sfile_sync(f);
	return (0);
}

/*
 * The journal has committed everything written: the files due are
 * closed, and keep looks at the spool if it is time.  The number of
 * files closed.
 */
static unsigned int
spool_committed(void)
{
	struct sfile	*f, *next;
	unsigned int	 n = 0;

	for (f = RB_MIN(sfile_tree, &files); ndue > 0 && f != NULL; f = next) {
		next = RB_NEXT(sfile_tree, &files, f);
		if (!f->due)
			continue;
		sfile_finish(f);
		n++;
	}
	if (keep_due || (n > 0 && (keep_age != 0 || keep_size != 0))) {
		keep_due = 0;
		if (keep_age != 0 || keep_size != 0)
			spool_keep();
	}
	return (n);
}

/* at exit; committed: the journal has all they hold, close them too */
static void
spool_close_all(int committed)
{
	struct sfile	*f;

	while ((f = RB_ROOT(&files)) != NULL) {
		if (committed && rotating)
			sfile_finish(f);
		else {
			if (f->fd != -1)
				sfile_release(f, 1);
			RB_REMOVE(sfile_tree, &files, f);
			free(f);
		}
	}
	ndue = 0;
}

static int
kept_cmp(const void *a, const void *b)
{
	const struct kept	*x = a, *y = b;

	if (x->end != y->end)
		return (x->end < y->end ? -1 : 1);
	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	return (strcmp(x->path, y->path));
}

/*
 * keep: the spool's size (every file of every sensor, and the
 * journal), then closed files removed, the oldest first, while they
 * are too old or the spool too large.
 */
static void
spool_keep(void)
{
	struct kept	*k = NULL, *nk;
	struct dirent	*e, *fe;
	struct stat	 sb;
	DIR		*top, *d;
	uint64_t	 total = 0;
	size_t		 n = 0, cap = 0, i;
	time_t		 now = wall_s(), start, end;
	char		 path[SENSOR_NAME_MAX + SPOOL_NAME_MAX + 2];
	int		 old;

	if ((top = opendir(".")) == NULL) {
		log_warnx_rl(&rl_io, "keep: the spool: %s", strerror(errno));
		return;
	}
	while ((e = readdir(top)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (lstat(e->d_name, &sb) == -1)
			continue;
		if (S_ISREG(sb.st_mode)) {
			total += (uint64_t)sb.st_size;	/* the journal */
			continue;
		}
		/* a sensor's directory, which the spool made */
		if (!S_ISDIR(sb.st_mode) ||
		    !valid_sensor_name(e->d_name, strlen(e->d_name)) ||
		    (d = opendir(e->d_name)) == NULL)
			continue;
		while ((fe = readdir(d)) != NULL) {
			if (fe->d_name[0] == '.' || snprintf(path,
			    sizeof(path), "%s/%s", e->d_name, fe->d_name) >=
			    (int)sizeof(path))
				continue;
			if (lstat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
				continue;
			total += (uint64_t)sb.st_size;
			if (!closed_name(fe->d_name, &start, &end))
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				if ((nk = reallocarray(k, cap,
				    sizeof(*k))) == NULL)
					fatal(NULL);
				k = nk;
			}
			strlcpy(k[n].path, path, sizeof(k[n].path));
			k[n].start = start;
			k[n].end = end;
			k[n].size = sb.st_size;
			n++;
		}
		closedir(d);
	}
	closedir(top);
	if (n > 0)
		qsort(k, n, sizeof(*k), kept_cmp);
	for (i = 0; i < n; i++) {
		old = keep_age != 0 && k[i].end + (time_t)keep_age <= now;
		if (!old && (keep_size == 0 || total <= keep_size))
			break;
		if (unlink(k[i].path) == -1) {
			log_warnx_rl(&rl_io, "keep: unlink %s: %s", k[i].path,
			    strerror(errno));
			continue;
		}
		total -= (uint64_t)k[i].size;
		spool_stats->removed++;
		spool_stats->removed_bytes += (uint64_t)k[i].size;
		log_info("keep: removed %s, %lld bytes: %s", k[i].path,
		    (long long)k[i].size, old ? "older than keep allows" :
		    "the spool is larger than keep allows");
	}
	free(k);
}

/*
 * A file the journal does not know (an older collector's, or the
 * journal was lost): a torn tail, a record cut short by a crash, is
 * found and cut, so that what is appended to it stays readable.  The
 * bytes cut.
 */
static off_t
torn_cut(const char *path, int fd)
{
	struct ncap_reader	 r;
	const unsigned char	*rec;
	struct stat		 sb;
	FILE			*fp;
	char			 err[256];
	size_t			 len;
	uint64_t		 whole = 0;
	int			 rv = -1, dfd;

	if (fstat(fd, &sb) == -1 || (dfd = dup(fd)) == -1) {
		log_warn("%s", path);
		return (0);
	}
	if ((fp = fdopen(dfd, "r")) == NULL) {
		log_warn("%s", path);
		close(dfd);
		return (0);
	}
	/* a header cut short: a file that never held a record */
	if (ncap_open(&r, fp, err, sizeof(err)) == 0) {
		do
			whole = r.off;
		while ((rv = ncap_next(&r, &rec, &len, err, sizeof(err))) == 1);
		ncap_close(&r);
	}
	fclose(fp);
	if (rv == 0)
		return (0);
	if (!r.torn) {
		log_warnx("spool: %s: %s: left as it is", path, err);
		return (0);
	}
	if (ftruncate(fd, (off_t)whole) == -1)
		fatal("ftruncate %s", path);
	return (sb.st_size - (off_t)whole);
}

/*
 * At start, in the spool, before the sandbox and after the journal cut
 * what it knows: a torn tail cut off every file it does not know, then
 * every file left open closed (its span ends when it was last
 * written), or removed if that left it empty.
 */
static void
spool_recover(const struct collector_conf *c, struct collector_stats *st,
    struct journal *j)
{
	struct dirent	*e, *fe;
	struct stat	 sb;
	struct jfile	*jf;
	DIR		*top, *d;
	time_t		 start, end;
	off_t		 cut;
	size_t		 len, olen = strlen(OPEN_SUFFIX);
	char		 path[SENSOR_NAME_MAX + SPOOL_NAME_MAX + 2];
	char		 to[SENSOR_NAME_MAX + SPOOL_NAME_MAX + 2];
	int		 fd, isopen;

	if ((top = opendir(".")) == NULL)
		fatal("the spool");
	while ((e = readdir(top)) != NULL) {
		if (!valid_sensor_name(e->d_name, strlen(e->d_name)) ||
		    lstat(e->d_name, &sb) == -1 || !S_ISDIR(sb.st_mode) ||
		    (d = opendir(e->d_name)) == NULL)
			continue;
		while ((fe = readdir(d)) != NULL) {
			len = strlen(fe->d_name);
			if (fe->d_name[0] == '.' || len > SPOOL_NAME_MAX)
				continue;
			isopen = len > olen && strcmp(fe->d_name + len - olen,
			    OPEN_SUFFIX) == 0;
			if (!isopen && (len < 5 ||
			    strcmp(fe->d_name + len - 5, ".ncap") != 0 ||
			    closed_name(fe->d_name, &start, &end)))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", e->d_name,
			    fe->d_name) >= (int)sizeof(path))
				continue;
			if ((fd = open(path, O_RDWR | O_NOFOLLOW |
			    O_CLOEXEC)) == -1 || fstat(fd, &sb) == -1) {
				log_warn("spool: %s", path);
				if (fd != -1)
					close(fd);
				continue;
			}
			jf = journal_known(j, e->d_name, fe->d_name,
			    (uint64_t)sb.st_ino);
			if (jf == NULL && S_ISREG(sb.st_mode) &&
			    (cut = torn_cut(path, fd)) > 0) {
				log_warnx("spool: cut a torn tail of %lld "
				    "bytes off %s, which the journal does not "
				    "know", (long long)cut, path);
				st->journal_cut += (uint64_t)cut;
			}
			/*
			 * one killed as it made the file, before its header
			 * was whole, holds nothing: no reader takes it
			 */
			if (isopen && fstat(fd, &sb) == 0 && sb.st_size == 0) {
				close(fd);
				if (unlink(path) == -1)
					log_warn("spool: unlink %s", path);
				else
					log_info("spool: %s, left open and empty, "
					    "removed", path);
				if (jf != NULL)
					journal_forget(j, jf);
				continue;
			}
			close(fd);
			if (!isopen || parse_stamp(fe->d_name + len - olen -
			    STAMP_LEN, &start) == -1 ||
			    close_name(e->d_name, fe->d_name, start,
			    sb.st_mtime, to, sizeof(to)) == -1)
				continue;
			if (rename(path, to) == -1) {
				log_warn("spool: rename %s to %s", path, to);
				continue;
			}
			log_info("spool: %s, left open, closed as %s", path,
			    to);
			st->rotated++;
			if (jf != NULL)
				journal_forget(j, jf);
		}
		closedir(d);
	}
	closedir(top);
}

/*
 * The spool in the receiver's sandbox, whose root it is: directories
 * and files made and appended to, renamed, read as directories and
 * removed by keep, never a file read.
 */
static void
spool_rules(scmp_filter_ctx ctx)
{
	/* a directory per sensor */
	sandbox_allow(ctx, SCMP_SYS(mkdir));
	/*
	 * and a file per record type, opened to append: the receiver
	 * cannot read what it stored
	 */
	sandbox_allow_append(ctx);
	/* the size of a file opened, where the next batch goes; keep's */
	sandbox_allow(ctx, SCMP_SYS(fstat));
	sandbox_allow(ctx, SCMP_SYS(newfstatat));
	/* a turn's batches appended to a file in one call */
	sandbox_allow(ctx, SCMP_SYS(writev));
	/* a failed append is cut back to whole batches */
	sandbox_allow(ctx, SCMP_SYS(ftruncate));
	/* sync yes: the files on disk before the journal says they are */
	sandbox_allow(ctx, SCMP_SYS(fdatasync));
	/* rotate: a file closed once the journal has it all, renamed */
	sandbox_allow(ctx, SCMP_SYS(rename));
	/* keep: the spool's directories read, never a file... */
	sandbox_allow_if(ctx, SCMP_SYS(openat), sandbox_masked(2,
	    O_ACCMODE | O_DIRECTORY, O_RDONLY | O_DIRECTORY));
	sandbox_allow(ctx, SCMP_SYS(getdents64));
	/* ... and closed files removed */
	sandbox_allow(ctx, SCMP_SYS(unlink));
}
