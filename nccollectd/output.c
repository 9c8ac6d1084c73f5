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
 * Where the receiver's checked batches go.  Receiving (authentication,
 * the replay window, the rate limit, unpacking and checking) ends at
 * output_store(); what stores a batch is a backend behind it, and the
 * receiver learns the outcome through the done() it passed, with its
 * cookie.  The backend is output's: the spool (spool.c), or the
 * publisher process and JetStream behind it (jetstream.c).  What it
 * may do in the receiver's sandbox is the backend's to say too.
 */

#include <sys/types.h>

#include "nccollectd.h"

static const struct output_backend	*backend = &output_spool;

static void
output_choose(const struct collector_conf *conf)
{
	backend = conf->output == OUTPUT_JETSTREAM ? &output_jetstream :
	    &output_spool;
}

void
output_init(const struct collector_conf *conf, struct collector_stats *st,
    struct journal *j, void (*kick)(void))
{
	output_choose(conf);
	backend->init(conf, st, j, kick);
}

/* the first of them the receiver calls, before output_fds() */
void
output_recover(const struct collector_conf *conf, struct collector_stats *st,
    struct journal *j)
{
	output_choose(conf);
	backend->recover(conf, st, j);
}

void
output_reconf(const struct collector_conf *conf)
{
	backend->reconf(conf);
}

void
output_store(const struct output_batch *ob, output_done done, void *cookie)
{
	backend->store(ob, done, cookie);
}

/* before a journal entry: nothing held back, every batch reported */
void
output_flush(void)
{
	backend->flush();
}

/* before an ack, with sync: what was stored is on disk for good */
int
output_sync(void)
{
	return (backend->sync());
}

/* after a journal entry: what the backend closes now that it is safe */
unsigned int
output_committed(void)
{
	return (backend->committed());
}

void
output_rotate(void)
{
	backend->rotate();
}

/* at exit: whatever the backend holds is stored or given up */
void
output_close(int committed)
{
	backend->close(committed);
}

/* the receiver's sandbox: what the backend does in it, and holds */
void
output_rules(scmp_filter_ctx ctx)
{
	backend->rules(ctx);
}

unsigned int
output_fds(void)
{
	return (backend->fds);
}
