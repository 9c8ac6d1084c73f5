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
 * directory per sensor, one .ncap file per record type.  Files stay
 * open (up to SPOOL_MAX_OPEN, least recently used closed first) and
 * each batch is appended with a single write (a short one finished with
 * another); a failed write is cut back so a file never holds half a
 * batch.  The journal learns of every file opened and of its size after
 * every batch: it commits that size, and cuts back to it at start.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ncap.h"
#include "nccollectd.h"
#include "records.h"
#include "util.h"

struct sfile {
	RB_ENTRY(sfile)		 tree;
	TAILQ_ENTRY(sfile)	 lru;
	char			 sensor[SENSOR_NAME_MAX + 1];
	int			 type;
	int			 fd;
	off_t			 size;
	int			 dirty;		/* written since its fdatasync */
	struct jfile		*jf;
};

RB_HEAD(sfile_tree, sfile);
static int	 sfile_cmp(struct sfile *, struct sfile *);
RB_PROTOTYPE(sfile_tree, sfile, tree, sfile_cmp);
RB_GENERATE(sfile_tree, sfile, tree, sfile_cmp);

static void		 spool_init(int, struct collector_stats *,
			    struct journal *);
static void		 spool_store(const struct output_batch *, output_done,
			    void *);
static int		 spool_append(const char *, int, const unsigned char *,
			    size_t, struct collector_stats *);
static int		 spool_sync(void);
static void		 spool_close_all(void);
static struct sfile	*sfile_open(const char *, int, struct collector_stats *);
static void		 sfile_close(struct sfile *);
static void		 sfile_sync(struct sfile *);

const struct output_backend	 output_spool = {
	spool_init, spool_store, spool_sync, spool_close_all
};

static struct sfile_tree		 files = RB_INITIALIZER(&files);
static TAILQ_HEAD(sfile_lru_head, sfile) lru = TAILQ_HEAD_INITIALIZER(lru);
static unsigned int			 nopen;
static int				 spool_verbose;
static struct collector_stats		*spool_stats;
static struct journal			*journal;
static struct log_ratelimit		 rl_io;

static int
sfile_cmp(struct sfile *a, struct sfile *b)
{
	int	r;

	if ((r = strcmp(a->sensor, b->sensor)) != 0)
		return (r);
	return (a->type - b->type);
}

static void
spool_init(int verbose, struct collector_stats *st, struct journal *j)
{
	spool_verbose = verbose;
	spool_stats = st;
	journal = j;
}

/* stored or not, it is said before the caller goes on */
static void
spool_store(const struct output_batch *ob, output_done done, void *cookie)
{
	done(ob, spool_append(ob->sensor, ob->type, ob->recs, ob->len,
	    spool_stats) == 0, cookie);
}

static struct sfile *
sfile_open(const char *sensor, int type, struct collector_stats *st)
{
	struct sfile	*f;
	struct stat	 sb;
	unsigned char	 hdr[512];
	char		 path[SENSOR_NAME_MAX + 128];
	size_t		 hlen, done;

	/* the name was checked: no slash, no leading dot, not empty */
	if (mkdir(sensor, 0750) == -1 && errno != EEXIST) {
		log_warnx_rl(&rl_io, "mkdir %s: %s", sensor,
		    strerror(errno));
		return (NULL);
	}
	snprintf(path, sizeof(path), "%s/%s.ncap", sensor,
	    rectypes[type]->name);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		fatal(NULL);
	strlcpy(f->sensor, sensor, sizeof(f->sensor));
	f->type = type;
	if ((f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1 || fstat(f->fd, &sb) == -1) {
		log_warnx_rl(&rl_io, "open %s: %s", path,
		    strerror(errno));
		if (f->fd != -1)
			close(f->fd);
		free(f);
		return (NULL);
	}
	f->size = sb.st_size;
	if (f->size == 0) {
		hlen = ncap_header_encode(hdr, sizeof(hdr), sensor,
		    rectypes[type]->name, now_ns());
		if (hlen == 0)
			fatalx("%s: header does not fit", __func__);
		if (write_all(f->fd, hdr, hlen, &done) == -1) {
			log_warnx_rl(&rl_io, "write %s: %s", path,
			    strerror(errno));
			if (ftruncate(f->fd, 0) == -1)
				log_warn("ftruncate %s", path);
			close(f->fd);
			free(f);
			return (NULL);
		}
		f->size = (off_t)hlen;
		f->dirty = 1;
		st->files++;
		if (spool_verbose)
			log_info("new file %s", path);
	}
	/* nothing goes into a file the journal could not cut back */
	if ((f->jf = journal_file(journal, sensor, rectypes[type]->name,
	    (uint64_t)sb.st_ino, (uint64_t)f->size)) == NULL) {
		close(f->fd);
		free(f);
		return (NULL);
	}
	if (nopen >= SPOOL_MAX_OPEN)
		sfile_close(TAILQ_LAST(&lru, sfile_lru_head));
	RB_INSERT(sfile_tree, &files, f);
	TAILQ_INSERT_HEAD(&lru, f, lru);
	nopen++;
	return (f);
}

static void
sfile_close(struct sfile *f)
{
	/* with sync, what it holds must be on disk before it is acked */
	if (f->dirty && journal->sync)
		sfile_sync(f);
	RB_REMOVE(sfile_tree, &files, f);
	TAILQ_REMOVE(&lru, f, lru);
	nopen--;
	if (close(f->fd) == -1)
		log_warn("close %s/%s.ncap", f->sensor, rectypes[f->type]->name);
	free(f);
}

/* append framed records; 0 on success, -1 (logged) on failure */
static int
spool_append(const char *sensor, int type, const unsigned char *recs,
    size_t len, struct collector_stats *st)
{
	struct sfile	 key, *f;
	size_t		 done;

	strlcpy(key.sensor, sensor, sizeof(key.sensor));
	key.type = type;
	if ((f = RB_FIND(sfile_tree, &files, &key)) != NULL) {
		TAILQ_REMOVE(&lru, f, lru);
		TAILQ_INSERT_HEAD(&lru, f, lru);
	} else if ((f = sfile_open(sensor, type, st)) == NULL)
		return (-1);

	if (write_all(f->fd, recs, len, &done) == -1) {
		log_warnx_rl(&rl_io, "write %s/%s.ncap: %s", sensor,
		    rectypes[type]->name, strerror(errno));
		/* cut a partial batch off again, so every record is whole */
		if (done > 0 && ftruncate(f->fd, f->size) == -1)
			log_warn("ftruncate %s/%s.ncap", sensor,
			    rectypes[type]->name);
		return (-1);
	}
	f->size += (off_t)len;
	f->dirty = 1;
	journal_grow(journal, f->jf, (uint64_t)f->size);
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
		fatal("fdatasync %s/%s.ncap", f->sensor,
		    rectypes[f->type]->name);
	f->dirty = 0;
}

/* every file written since the last time, on disk for good */
static int
spool_sync(void)
{
	struct sfile	*f;

	RB_FOREACH(f, sfile_tree, &files)
		if (f->dirty)
			sfile_sync(f);
	return (0);
}

static void
spool_close_all(void)
{
	struct sfile	*f;

	while ((f = RB_ROOT(&files)) != NULL)
		sfile_close(f);
}
