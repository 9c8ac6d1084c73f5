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
 * plaintext; of a datagram it reads only the fixed-size header (sensor
 * key, session nonce and certificate, sequence number) and the box.
 * It seals the receiver's acks with each session's ack key, A, made
 * from its key and kept beside it.
 *
 * Two caches, both in locked memory: the key each sensor identity
 * shares with us (for trusted sensors computed once at start, never
 * evicted), and the key of each session, from its certificate.  A
 * datagram of a known session costs no Curve25519 operation.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/tree.h>

#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "conf.h"
#include "keys.h"
#include "nccollectd.h"
#include "privsep.h"
#include "proc.h"
#include "sandbox.h"

#define KEYCACHE_SIZE	1024	/* open: sensor identities whose key is kept */
#define SESSCACHE_MIN	1024	/* session keys kept */
#define SESSCACHE_MAX	16384

/* the key a sensor identity shares with us */
struct peer {
	RB_ENTRY(peer)		 tree;
	TAILQ_ENTRY(peer)	 lru;
	unsigned char		 pk[WIRE_PKLEN];
	unsigned char		 k[WIRE_KEYLEN];
};

/* a session, as its datagrams' headers name it, and its key */
struct skey {
	RB_ENTRY(skey)		 tree;
	TAILQ_ENTRY(skey)	 lru;
	unsigned char		 sess[WIRE_SESSLEN];
	unsigned char		 epk[WIRE_PKLEN];
	uint64_t		 created;
	unsigned char		 k[WIRE_KEYLEN];
	unsigned char		 a[WIRE_KEYLEN];	/* its acks' */
};

RB_HEAD(peer_tree, peer);
static int	 peer_cmp(struct peer *, struct peer *);
RB_PROTOTYPE(peer_tree, peer, tree, peer_cmp);
RB_HEAD(skey_tree, skey);
static int	 skey_cmp(struct skey *, struct skey *);
RB_PROTOTYPE(skey_tree, skey, tree, skey_cmp);
TAILQ_HEAD(peer_list, peer);
TAILQ_HEAD(skey_list, skey);

static int	 crypto_imsg_receiver(int, struct imsg *);
static int	 crypto_reconf(const struct imsg *);
static __dead void crypto_shutdown(void);
static void	 crypto_show_config(uint32_t);
static void	 crypto_merge(struct collector_conf *);
static void	 rules_crypto(scmp_filter_ctx);
static void	 crypto_open(struct dgram_hdr *, const unsigned char *, size_t);
static void	 crypto_ack(struct imsg *);
static struct peer *peer_get(const unsigned char *);
static void	 peers_load(const struct conf_sensor *, unsigned int);
static struct skey *skey_get(const unsigned char *);

/* the parent's messages, in proc_child_imsg(): no stats to show */
static const struct proc_child	 hooks = {
	crypto_reconf, crypto_shutdown, NULL, crypto_show_config, NULL
};
static struct collector_conf	 conf;
static struct config_rx		 rx;
static int			 configured;
static unsigned char		*sk;		/* locked memory */
static struct peer		*peers;		/* locked memory */
static size_t			 npeers;
static struct skey		*skeys;		/* locked memory */
static size_t			 nskeys;
static struct peer_tree		 peer_tree = RB_INITIALIZER(&peer_tree);
static struct peer_list		 peer_lru = TAILQ_HEAD_INITIALIZER(peer_lru);
static struct peer_list		 peer_free = TAILQ_HEAD_INITIALIZER(peer_free);
static struct skey_tree		 skey_tree = RB_INITIALIZER(&skey_tree);
static struct skey_list		 skey_lru = TAILQ_HEAD_INITIALIZER(skey_lru);
static struct skey_list		 skey_free = TAILQ_HEAD_INITIALIZER(skey_free);
static int			 trusted;	/* only listed sensors */
static unsigned char		*ptbuf;

/*
 * Its data (RLIMIT_DATA: heap and private writable mappings) is one or
 * two MB at rest: the libraries' own and its two 256 kB imsg read
 * buffers.  At worst its queue back to the receiver holds an answer
 * for every datagram the receiver may have in flight, 256 of at most
 * 64 kB: 17 MB.  64 MB leaves room for that and still stops a runaway.
 * It opens no descriptor of its own.
 */
const struct sandbox		 crypto_sandbox = { rules_crypto, 0,
				    (rlim_t)64 * 1024 * 1024, 0 };

RB_GENERATE(peer_tree, peer, tree, peer_cmp);
RB_GENERATE(skey_tree, skey, tree, skey_cmp);

static int
peer_cmp(struct peer *a, struct peer *b)
{
	return (memcmp(a->pk, b->pk, sizeof(a->pk)));
}

static int
skey_cmp(struct skey *a, struct skey *b)
{
	return (memcmp(a->sess, b->sess, sizeof(a->sess)));
}

void
crypto_main(void)
{
	struct priv_user	 user;
	struct rlimit		 rl;
	char			 err[256];
	size_t			 i, need;

	/* no core dump or ptrace by our own user can show the key */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl PR_SET_DUMPABLE");
	if (sodium_init() == -1)
		fatalx("sodium_init");
	/*
	 * The loop exists before the first configuration, which a merge
	 * takes as it takes a reload, and before the sandbox, which need
	 * not let it be made.
	 */
	event_init();
	proc_child_hooks(&hooks);
	proc_wait(PROC_PARENT, proc_child_imsg, &configured);
	trusted = conf.nsensors > 0;

	priv_lookup(&user, conf.user);
	nskeys = 2 * (size_t)conf.nsensors + 64;
	if (nskeys < SESSCACHE_MIN)
		nskeys = SESSCACHE_MIN;
	if (nskeys > SESSCACHE_MAX)
		nskeys = SESSCACHE_MAX;
	/*
	 * Still root: allow ourselves to lock what the keys may need, the
	 * longest list a reload could bring next to the one in use.
	 */
	need = 2 * SENSORS_MAX * sizeof(*peers) + nskeys * sizeof(*skeys) +
	    256 * 1024;		/* old and new list on reload, guard pages */
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max = need;
		/* without CAP_SYS_RESOURCE, as high as the hard limit goes */
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == -1 &&
		    getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_MEMLOCK, &rl) == -1)
				log_warn("setrlimit RLIMIT_MEMLOCK");
			log_debug("locked memory limited to %llu bytes",
			    (unsigned long long)rl.rlim_cur);
		}
	}
	/* secrets live in guarded, locked memory, wiped when freed */
	sk = key_alloc(1, WIRE_SKLEN);
	skeys = key_alloc(nskeys, sizeof(*skeys));
	/* input jetstream: no datagram to open, and maybe no key */
	if (conf.input != INPUT_JETSTREAM &&
	    key_read(conf.keyfile, sk, 1, err, sizeof(err)) == -1)
		fatalx("keyfile: %s", err);
	for (i = 0; i < nskeys; i++)
		TAILQ_INSERT_TAIL(&skey_free, &skeys[i], lru);
	peers_load(conf.sensors, conf.nsensors);
	if ((ptbuf = malloc(WIRE_DGRAM_MAX)) == NULL)
		fatal(NULL);

	priv_drop(&user, conf.chroot);
	proc_sandbox();

	proc_listen(PROC_PARENT, proc_child_imsg, NULL);
	proc_listen(PROC_RECEIVER, crypto_imsg_receiver, proc_eof_ignore);
	proc_child_ready();
	event_dispatch();
	fatalx("event loop ended");
}

/*
 * The sensor identities we share a key with: with a list, exactly the
 * listed ones, each computed now, one Curve25519 each and never again;
 * without, a cache filled as keys turn up.  On reload the session keys
 * of identities no longer listed go too.
 */
static void
peers_load(const struct conf_sensor *list, unsigned int n)
{
	struct peer_tree	 tree = RB_INITIALIZER(&tree);
	struct peer		*p, *old, *np, key;
	struct skey		*s, *next;
	size_t			 i, nn;
	int			 nowtrusted = n > 0;

	nn = nowtrusted ? n : KEYCACHE_SIZE;
	/*
	 * The new list next to the old one, so that the keys of sensors
	 * that stay need no computing; when locked memory is short, the
	 * old one goes first and every key is computed again.
	 */
	if ((np = key_alloc_try(nn, sizeof(*np))) == NULL) {
		log_warnx("reload: locked memory is short, computing the "
		    "keys of all %zu sensors again", nn);
		sodium_free(peers);
		peers = NULL;
		RB_INIT(&peer_tree);
		trusted = 0;
		np = key_alloc(nn, sizeof(*np));
	}
	for (i = 0; nowtrusted && i < nn; i++) {
		p = &np[i];
		memcpy(p->pk, list[i].pk, sizeof(p->pk));
		/* a key listed before keeps what it shares with us */
		if (trusted && (old = RB_FIND(peer_tree, &peer_tree, p)) !=
		    NULL)
			memcpy(p->k, old->k, sizeof(p->k));
		else if (crypto_box_beforenm(p->k, p->pk, sk) != 0)
			fatalx("sensor %s: unusable key", list[i].name);
		if (RB_INSERT(peer_tree, &tree, p) != NULL)
			fatalx("sensor %s: key listed twice", list[i].name);
	}
	if (peers != NULL)
		sodium_free(peers);
	peers = np;
	npeers = nn;
	trusted = nowtrusted;
	peer_tree = tree;
	TAILQ_INIT(&peer_lru);
	TAILQ_INIT(&peer_free);
	if (!trusted) {
		for (i = 0; i < npeers; i++)
			TAILQ_INSERT_TAIL(&peer_free, &peers[i], lru);
		return;
	}
	/* session keys of identities no longer listed go too */
	for (s = RB_MIN(skey_tree, &skey_tree); s != NULL; s = next) {
		next = RB_NEXT(skey_tree, &skey_tree, s);
		memcpy(key.pk, wire_id(s->sess), sizeof(key.pk));
		if (RB_FIND(peer_tree, &peer_tree, &key) != NULL)
			continue;
		RB_REMOVE(skey_tree, &skey_tree, s);
		TAILQ_REMOVE(&skey_lru, s, lru);
		sodium_memzero(s, sizeof(*s));
		TAILQ_INSERT_HEAD(&skey_free, s, lru);
	}
}

/* a sensor identity's key with us; with a list, only a listed one */
static struct peer *
peer_get(const unsigned char *pk)
{
	struct peer	 key, *p;

	memcpy(key.pk, pk, sizeof(key.pk));
	if ((p = RB_FIND(peer_tree, &peer_tree, &key)) != NULL) {
		if (!trusted) {
			TAILQ_REMOVE(&peer_lru, p, lru);
			TAILQ_INSERT_HEAD(&peer_lru, p, lru);
		}
		return (p);
	}
	if (trusted)
		return (NULL);
	if ((p = TAILQ_FIRST(&peer_free)) != NULL)
		TAILQ_REMOVE(&peer_free, p, lru);
	else {
		p = TAILQ_LAST(&peer_lru, peer_list);
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

/*
 * The key of the datagram's session, or of an ack's (of a datagram only
 * its first WIRE_SESSLEN bytes are read): cached, or from its
 * certificate, which the sensor's identity key must have made.  NULL if
 * it did not.
 */
static struct skey *
skey_get(const unsigned char *dgram)
{
	struct skey	 key, *s;
	struct peer	*p;
	unsigned char	 epk[WIRE_PKLEN];
	uint64_t	 created;

	memcpy(key.sess, dgram, sizeof(key.sess));
	if ((s = RB_FIND(skey_tree, &skey_tree, &key)) != NULL) {
		TAILQ_REMOVE(&skey_lru, s, lru);
		TAILQ_INSERT_HEAD(&skey_lru, s, lru);
		return (s);
	}
	/* a sensor key has one spelling, or replays could wear another */
	if (!wire_pk_canonical(wire_id(dgram)) ||
	    (p = peer_get(wire_id(dgram))) == NULL)
		return (NULL);
	if (wire_cert_open(dgram, p->k, epk, &created) == -1)
		return (NULL);
	if ((s = TAILQ_FIRST(&skey_free)) != NULL)
		TAILQ_REMOVE(&skey_free, s, lru);
	else {
		s = TAILQ_LAST(&skey_lru, skey_list);
		TAILQ_REMOVE(&skey_lru, s, lru);
		RB_REMOVE(skey_tree, &skey_tree, s);
	}
	if (crypto_box_beforenm(s->k, epk, sk) != 0) {
		sodium_memzero(s, sizeof(*s));
		TAILQ_INSERT_HEAD(&skey_free, s, lru);
		return (NULL);
	}
	wire_ack_key(s->a, s->k);
	memcpy(s->sess, dgram, sizeof(s->sess));
	memcpy(s->epk, epk, sizeof(s->epk));
	s->created = created;
	RB_INSERT(skey_tree, &skey_tree, s);
	TAILQ_INSERT_HEAD(&skey_lru, s, lru);
	return (s);
}

static void
crypto_open(struct dgram_hdr *h, const unsigned char *dgram, size_t len)
{
	struct iovec	 iov[2];
	struct skey	*s = NULL;
	ssize_t		 ptlen = -1;

	/* what the receiver read, as we read it */
	memcpy(h->sess, dgram, sizeof(h->sess));
	h->seq = wire_seq(dgram);
	if (dgram[0] == WIRE_VERSION && (s = skey_get(dgram)) != NULL) {
		ptlen = wire_open(ptbuf, WIRE_DGRAM_MAX, s->k, dgram, len);
		memcpy(h->epk, s->epk, sizeof(h->epk));
		h->created = s->created;
	}
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(*h);
	iov[1].iov_base = ptbuf;
	iov[1].iov_len = ptlen > 0 ? (size_t)ptlen : 0;
	if (proc_composev(PROC_RECEIVER, ptlen >= 0 ? IMSG_OPENED :
	    IMSG_REJECTED, 0, -1, iov, ptlen >= 0 ? 2 : 1) == -1)
		fatal("imsg_compose");
	if (ptlen > 0)
		sodium_memzero(ptbuf, (size_t)ptlen);
}

/*
 * An ack for the receiver to send, sealed with its session's ack key;
 * a key evicted from the cache is made again from the certificate in
 * the session's header, as for a datagram.
 */
static void
crypto_ack(struct imsg *imsg)
{
	struct ack_req	 req;
	struct skey	*s;
	struct iovec	 iov[2];
	unsigned char	 out[WIRE_ACK_MAX];
	size_t		 len = 0;

	imsg_expect(imsg, sizeof(req), "IMSG_ACK");
	memcpy(&req, imsg->data, sizeof(req));
	if (req.ack.nbitmap > WIRE_ACK_BITMAP_MAX)
		fatalx("IMSG_ACK: a bitmap of %u bytes", req.ack.nbitmap);
	if (req.sess[0] == WIRE_VERSION && (s = skey_get(req.sess)) != NULL)
		len = wire_ack_seal(out, req.sess + WIRE_OFF_SNONCE, s->a,
		    &req.ack);
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	iov[1].iov_base = out;
	iov[1].iov_len = len;
	if (proc_composev(PROC_RECEIVER, len > 0 ? IMSG_ACK_SEALED :
	    IMSG_ACK_REFUSED, 0, -1, iov, len > 0 ? 2 : 1) == -1)
		fatal("imsg_compose");
}

static int
crypto_imsg_receiver(int from, struct imsg *imsg)
{
	struct dgram_hdr	h;

	if (imsg->hdr.type == IMSG_ACK) {
		crypto_ack(imsg);
		return (0);
	}
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

static int
crypto_reconf(const struct imsg *imsg)
{
	return (config_recv(&rx, imsg, crypto_merge));
}

/* the receiver has stored everything and is gone */
static __dead void
crypto_shutdown(void)
{
	sodium_free(skeys);
	sodium_free(peers);
	sodium_free(sk);
	proc_child_done();
}

static void
crypto_show_config(uint32_t peerid)
{
	config_send(PROC_PARENT, &conf, peerid);
}

/*
 * A configuration from the parent: at start, ours; on reload, all a
 * running crypto child takes from it is the list of trusted sensors.
 */
static void
crypto_merge(struct collector_conf *n)
{
	if (config_take(&conf, n, &configured) == 1)
		peers_load(conf.sensors, conf.nsensors);
}

/* the collector's crypto child: keys in guarded memory, nothing more */
static void
rules_crypto(scmp_filter_ctx ctx)
{
	sandbox_allow_keymem(ctx);
}
