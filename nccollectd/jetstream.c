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
 * output jetstream, in the receiver: each checked batch goes to the
 * publisher process over its channel, and is reported to the receiver
 * when the publisher answers: stored once JetStream acknowledged it,
 * not stored if it refused it or no ack came in time.  The receiver
 * keeps what it awaits; here is only what the report needs.  Nothing
 * is written in the spool but the journal, which keeps the sessions'
 * windows: the receiver's calls suffice.
 *
 * No more than JS_MAX_PENDING batches, of jetstream queue-size bytes
 * in all, are at the publisher, queued on its channel or awaiting
 * their acks; the batches past either bound are refused at once, and
 * their sensors send them again.  So a publisher held up (a server
 * slow to answer, a call to the marks bucket) costs the receiver no
 * more memory than that, whatever the number of sensors.
 */

#include <sys/types.h>
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"

/* a batch at the publisher */
struct published {
	RB_ENTRY(published)	 tree;
	uint64_t		 id;
	output_done		 done;
	void			*cookie;
	char			 sensor[SENSOR_NAME_MAX + 1];
	int			 type;
	size_t			 len;
	uint32_t		 nrec;
};
RB_HEAD(published_tree, published);
static int	 published_cmp(struct published *, struct published *);
RB_PROTOTYPE(published_tree, published, tree, published_cmp);
RB_GENERATE(published_tree, published, tree, published_cmp);

static void	 js_init(const struct collector_conf *,
		    struct collector_stats *, struct journal *,
		    void (*)(void));
static void	 js_recover(const struct collector_conf *,
		    struct collector_stats *, struct journal *);
static void	 js_reconf(const struct collector_conf *);
static void	 js_store(const struct output_batch *, output_done, void *);
static void	 js_flush(void);
static int	 js_sync(void);
static unsigned int js_committed(void);
static void	 js_rotate(void);
static void	 js_close(int);
static void	 js_rules(scmp_filter_ctx);
static int	 js_imsg(int, struct imsg *);

const struct output_backend	 output_jetstream = {
	js_init, js_recover, js_reconf, js_store, js_flush, js_sync,
	js_committed, js_rotate, js_close, js_rules, 0
};

static struct published_tree	 published = RB_INITIALIZER(&published);
static uint64_t			 next_id;
static unsigned int		 npublished;	/* batches at the publisher */
static size_t			 pubbytes;	/* and their bytes */
static size_t			 queue_size;	/* jetstream queue-size */
static struct log_ratelimit	 rl_full;	/* batches refused for it */

static int
published_cmp(struct published *a, struct published *b)
{
	return (a->id < b->id ? -1 : a->id > b->id);
}

/* the publisher's answers, from the loop on */
static void
js_init(const struct collector_conf *c, struct collector_stats *st,
    struct journal *j, void (*kick)(void))
{
	queue_size = c->js.queue_size;
	proc_listen(PROC_PUBLISHER, js_imsg, NULL);
}

/* no files of its own to recover */
static void
js_recover(const struct collector_conf *c, struct collector_stats *st,
    struct journal *j)
{
}

/* nothing of it reloads */
static void
js_reconf(const struct collector_conf *c)
{
}

static void
js_store(const struct output_batch *ob, output_done done, void *cookie)
{
	struct published	*p;
	struct pub_req		 req;
	struct iovec		 iov[2];

	if (npublished >= JS_MAX_PENDING ||
	    ob->len > queue_size - pubbytes) {
		log_warnx_rl(&rl_full, "jetstream: batch refused: %u batches "
		    "of %zu bytes are at the publisher already", npublished,
		    pubbytes);
		done(ob, 0, cookie);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal(NULL);
	p->id = ++next_id;
	p->done = done;
	p->cookie = cookie;
	strlcpy(p->sensor, ob->sensor, sizeof(p->sensor));
	p->type = ob->type;
	p->len = ob->len;
	p->nrec = ob->nrec;
	RB_INSERT(published_tree, &published, p);
	npublished++;
	pubbytes += p->len;

	memset(&req, 0, sizeof(req));
	req.id = p->id;
	req.seq = ob->seq;
	req.created = ob->created;
	req.nrec = ob->nrec;
	req.type = ob->type;
	memcpy(req.pk, ob->sess + WIRE_OFF_ID, sizeof(req.pk));
	memcpy(req.nonce, ob->sess + WIRE_OFF_SNONCE, sizeof(req.nonce));
	memcpy(req.onnonce, ob->onnonce, sizeof(req.onnonce));
	req.oseq = ob->oseq;
	strlcpy(req.sensor, ob->sensor, sizeof(req.sensor));
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	iov[1].iov_base = (void *)(uintptr_t)ob->recs;
	iov[1].iov_len = ob->len;
	if (proc_composev(PROC_PUBLISHER, IMSG_PUBLISH, 0, -1, iov, 2) == -1)
		fatal("imsg_compose");
}

static int
js_imsg(int from, struct imsg *imsg)
{
	struct published	 key, *p;
	struct output_batch	 ob;
	struct pub_res		 res;

	if (imsg->hdr.type != IMSG_PUBLISHED)
		fatalx("publisher: unexpected imsg %u", imsg->hdr.type);
	imsg_expect(imsg, sizeof(res), "IMSG_PUBLISHED");
	memcpy(&res, imsg->data, sizeof(res));
	key.id = res.id;
	if ((p = RB_FIND(published_tree, &published, &key)) == NULL)
		fatalx("publisher: an answer for batch %llu, not sent",
		    (unsigned long long)res.id);
	RB_REMOVE(published_tree, &published, p);
	npublished--;
	pubbytes -= p->len;
	/* what the report counts: the records are gone */
	memset(&ob, 0, sizeof(ob));
	ob.sensor = p->sensor;
	ob.type = p->type;
	ob.len = p->len;
	ob.nrec = p->nrec;
	p->done(&ob, res.stored != 0, p->cookie);
	free(p);
	return (0);
}

/*
 * Nothing is held back here: a batch is the publisher's until
 * JetStream answers, which no flush hastens.
 */
static void
js_flush(void)
{
}

/* JetStream's ack says it is stored, as the stream stores */
static int
js_sync(void)
{
	return (0);
}

static unsigned int
js_committed(void)
{
	return (0);
}

/* no files to close */
static void
js_rotate(void)
{
}

/* the receiver finishes once every batch is answered: none is left */
static void
js_close(int committed)
{
}

/* the publisher's channel is one of the receiver's: nothing more */
static void
js_rules(scmp_filter_ctx ctx)
{
}
