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
 * nccollectd crypto child: the only process that holds the collector's
 * secret key.  It opens datagrams the receiver hands it and returns the
 * plaintext; it reads nothing of a datagram but the fixed-size sender
 * key and nonce at its start.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "nccollectd.h"
#include "privsep.h"
#include "sandbox.h"

#define KEYCACHE_SIZE	1024	/* sensors whose shared key is kept */

/* a precomputed shared key per sensor key: one Curve25519 per sensor */
struct peer {
	RB_ENTRY(peer)		 tree;
	TAILQ_ENTRY(peer)	 lru;
	unsigned char		 pk[WIRE_PKLEN];
	unsigned char		 k[crypto_box_BEFORENMBYTES];
};

RB_HEAD(peer_tree, peer);
static int	 peer_cmp(struct peer *, struct peer *);
RB_PROTOTYPE(peer_tree, peer, tree, peer_cmp);

static void	 crypto_dispatch_receiver(int, short, void *);
static void	 crypto_dispatch_parent(int, short, void *);
static void	 crypto_open(struct dgram_hdr *, const unsigned char *, size_t);
static struct peer *peer_get(const unsigned char *);

static struct collector_conf	 conf;
static struct imsgev		 iev_parent, iev_receiver;
static unsigned char		*sk;		/* locked memory */
static struct peer		*peers;		/* locked memory */
static struct peer_tree		 peer_tree = RB_INITIALIZER(&peer_tree);
static TAILQ_HEAD(peer_lru_head, peer) peer_lru =
    TAILQ_HEAD_INITIALIZER(peer_lru);
static TAILQ_HEAD(, peer)	 peer_free = TAILQ_HEAD_INITIALIZER(peer_free);
static unsigned char		*ptbuf;

RB_GENERATE(peer_tree, peer, tree, peer_cmp);

static int
peer_cmp(struct peer *a, struct peer *b)
{
	return (memcmp(a->pk, b->pk, sizeof(a->pk)));
}

__dead void
crypto_main(int debug, int verbose)
{
	struct priv_user	 user;
	char			 err[256];
	int			 i;

	/* no core dump or ptrace by our own user can show the key */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl PR_SET_DUMPABLE");
	if (sodium_init() == -1)
		fatalx("sodium_init");
	proc_child_init("crypto", &iev_parent, &iev_receiver, IMSG_CONFIG, &conf,
	    sizeof(conf));

	priv_lookup(&user, conf.user);
	/* secrets live in guarded, locked memory, wiped when freed */
	if ((sk = sodium_malloc(WIRE_SKLEN)) == NULL ||
	    (peers = sodium_allocarray(KEYCACHE_SIZE, sizeof(*peers))) ==
	    NULL)
		fatal("sodium_malloc");
	if (key_read(conf.keyfile, sk, 1, err, sizeof(err)) == -1)
		fatalx("keyfile: %s", err);
	for (i = 0; i < KEYCACHE_SIZE; i++)
		TAILQ_INSERT_TAIL(&peer_free, &peers[i], lru);
	if ((ptbuf = malloc(WIRE_DGRAM_MAX)) == NULL)
		fatal(NULL);

	priv_drop(&user, conf.chroot);
	sandbox_enter(SANDBOX_COLLECTOR_CRYPTO);

	event_init();
	iev_parent.handler = crypto_dispatch_parent;
	iev_receiver.handler = crypto_dispatch_receiver;
	imsg_event_add(&iev_parent);
	imsg_event_add(&iev_receiver);
	event_dispatch();
	fatalx("event loop ended");
}

static struct peer *
peer_get(const unsigned char *pk)
{
	struct peer	 key, *p;

	memcpy(key.pk, pk, sizeof(key.pk));
	if ((p = RB_FIND(peer_tree, &peer_tree, &key)) != NULL) {
		TAILQ_REMOVE(&peer_lru, p, lru);
		TAILQ_INSERT_HEAD(&peer_lru, p, lru);
		return (p);
	}
	if ((p = TAILQ_FIRST(&peer_free)) != NULL)
		TAILQ_REMOVE(&peer_free, p, lru);
	else {
		p = TAILQ_LAST(&peer_lru, peer_lru_head);
		TAILQ_REMOVE(&peer_lru, p, lru);
		RB_REMOVE(peer_tree, &peer_tree, p);
	}
	memcpy(p->pk, pk, sizeof(p->pk));
	if (crypto_box_beforenm(p->k, pk, sk) != 0) {
		/* a low-order point: no sensor has such a key */
		sodium_memzero(p, sizeof(*p));
		TAILQ_INSERT_HEAD(&peer_free, p, lru);
		return (NULL);
	}
	RB_INSERT(peer_tree, &peer_tree, p);
	TAILQ_INSERT_HEAD(&peer_lru, p, lru);
	return (p);
}

static void
crypto_open(struct dgram_hdr *h, const unsigned char *dgram, size_t len)
{
	struct iovec	 iov[2];
	struct peer	*p = NULL;
	ssize_t		 ptlen = -1;

	memcpy(h->pk, dgram, WIRE_PKLEN);
	memcpy(h->nonce, dgram + WIRE_PKLEN, WIRE_NONCELEN);
	/* a sensor key has one spelling, or replays could wear another */
	if (wire_pk_canonical(dgram) && (p = peer_get(dgram)) != NULL)
		ptlen = wire_open(ptbuf, WIRE_DGRAM_MAX, p->k, dgram, len);
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(*h);
	iov[1].iov_base = ptbuf;
	iov[1].iov_len = ptlen > 0 ? (size_t)ptlen : 0;
	if (imsg_composev_event(&iev_receiver, ptlen >= 0 ? IMSG_OPENED :
	    IMSG_REJECTED, 0, 0, -1, iov, ptlen >= 0 ? 2 : 1) == -1)
		fatal("imsg_compose");
	if (ptlen > 0)
		sodium_memzero(ptbuf, (size_t)ptlen);
}

static int
crypto_imsg_receiver(struct imsgev *iev, struct imsg *imsg)
{
	struct dgram_hdr	h;

	if (imsg->hdr.type != IMSG_OPEN)
		fatalx("receiver: unexpected imsg %u", imsg->hdr.type);
	if (IMSG_DATA_SIZE(imsg) < sizeof(h) + WIRE_MIN ||
	    IMSG_DATA_SIZE(imsg) - sizeof(h) > WIRE_DGRAM_MAX)
		fatalx("IMSG_OPEN: bad length %zu", IMSG_DATA_SIZE(imsg));
	memcpy(&h, imsg->data, sizeof(h));
	crypto_open(&h, (unsigned char *)imsg->data + sizeof(h),
	    IMSG_DATA_SIZE(imsg) - sizeof(h));
	return (0);
}

static void
crypto_dispatch_receiver(int fd, short event, void *arg)
{
	proc_dispatch(arg, event, "receiver", crypto_imsg_receiver,
	    proc_eof_ignore);
}

static int
crypto_imsg_parent(struct imsgev *iev, struct imsg *imsg)
{
	if (imsg->hdr.type != IMSG_SHUTDOWN)
		fatalx("parent: unexpected imsg %u", imsg->hdr.type);
	/* the receiver has stored everything and is gone */
	imsg_expect(imsg, 0, "IMSG_SHUTDOWN");
	sodium_free(peers);
	sodium_free(sk);
	exit(0);
}

static void
crypto_dispatch_parent(int fd, short event, void *arg)
{
	proc_dispatch(arg, event, "parent", crypto_imsg_parent, NULL);
}
