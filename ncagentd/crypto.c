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
 * ncagentd crypto child: the only process that holds the sensor's
 * identity key.  It compresses each batch the capture child hands it
 * (compressing is not parsing: the bytes stay opaque), as a zlib
 * stream or a Zstandard frame as configured, and seals it
 * into a datagram for the collector, under a session key it replaces
 * every rekey interval.  Of the identity key it keeps only what it
 * shares with the collector, to certify new sessions.  With acks, it
 * opens the collector's acks with each session's ack key, which it
 * keeps, unlike the session key, until the capture child says the
 * session has nothing left to be acknowledged.
 *
 * With several collectors it has each one's key, and seals for one of
 * them, the capture child's choice: at a switch (IMSG_COLLECTOR) it
 * forgets every session, starts one for that collector, and seals in
 * it what the capture child hands back to be sealed again
 * (IMSG_RESEAL, the plaintext it returned with each datagram, opaque
 * here as a batch is).  A probe, a batch for another collector to see
 * whether it answers, gets a session of its own, one datagram long.
 */

#include <sys/types.h>
#include <sys/prctl.h>

#include <errno.h>
#include <event.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "conf.h"
#include "keys.h"
#include "ncagentd.h"
#include "privsep.h"
#include "proc.h"
#include "sandbox.h"
#include "util.h"

/*
 * zlib streams come from zenc.c.  On 1,595 batches of the bench's
 * records (2.6 kB on average), it writes 0.2 % more bytes than
 * libdeflate's fastest level in two thirds of its time, and 2.1 us
 * where libdeflate takes 6.9 to compress 100 bytes.
 *
 * zstd's first negative level.  On batches of 2.8 kB, levels 1, -1 and
 * -3 compress to 0.441, 0.457 and 0.542 at 225, 330 and 400 MB/s, with
 * 540, 960 and 1100 MB/s to decompress: -1 gives the bytes on the wire
 * of libdeflate's level 1 (0.452) at twice its speed.
 */
#define ZSTD_LEVEL		(-1)

static int	 crypto_imsg_capture(int, struct imsg *);
static int	 crypto_reconf(const struct imsg *);
static __dead void crypto_shutdown(void);
static void	 crypto_show_config(uint32_t);
static void	 crypto_merge(const struct agent_conf *);
static void	 rules_crypto(scmp_filter_ctx);
static size_t	 compress_batch(const unsigned char *, size_t,
		    unsigned char *, size_t);
static void	 crypto_seal(const struct batch_hdr *, const unsigned char *,
		    size_t);
static void	 crypto_send(struct batch_hdr *, const unsigned char *,
		    size_t, const unsigned char *, size_t);
static void	 crypto_reseal(const struct batch_hdr *, const unsigned char *,
		    size_t);
static void	 crypto_switch(const struct collector_switch *);
static uint64_t	 session_created(void);
static void	 crypto_rekey(int, short, void *);
static void	 session_start(int);
static void	 session_done(const unsigned char *);
static void	 ack_open(const unsigned char *, size_t);
static void	 crypto_probe(struct batch_hdr *, const unsigned char *,
		    size_t);

/* the parent's messages, in proc_child_imsg(): no stats to show */
static const struct proc_child	 hooks = {
	crypto_reconf, crypto_shutdown, NULL, crypto_show_config, NULL
};
static struct agent_conf	 conf;
static struct config_rx		 rx;
static int			 configured;
static unsigned char		 idpk[WIRE_PKLEN];
static unsigned char		 collpk[COLLECTORS_MAX][WIRE_PKLEN];
/* identity <-> each collector, locked */
static unsigned char		*kid;
static struct wire_session	 sess;		/* sess.k locked */
static uint32_t			 cur, epoch;	/* sealing for, since */
/* a probe's session, and its ack key until the next probe; locked */
static struct wire_session	 psess;
static unsigned char		*probeack;
static unsigned char		 probenonce[WIRE_NONCELEN];
static int			 probing;
static uint64_t			 last_created;
static struct event		 ev_rekey;
static struct zenc	*zc;
static ZSTD_CCtx		*zs;
static unsigned char		*ptbuf, *dgbuf;
static size_t			 budget;	/* plaintext bytes per datagram */
/*
 * The ack keys, locked: the current session's, then the previous one's
 * while it has datagrams not done.  The collector keeps a sensor's two
 * newest sessions only, so a rekey waits until that one is done.
 */
static unsigned char		*ackkeys;	/* 2 * WIRE_KEYLEN */
static unsigned char		 acknonce[2][WIRE_NONCELEN];
static int			 prev_pending, rekey_deferred;

/*
 * Its data (RLIMIT_DATA: heap and private writable mappings) is one or
 * two MB at rest: the libraries' own and its two 256 kB imsg read
 * buffers.  At worst its queue back to the capture holds an answer for
 * every batch the capture may have in flight, 64 of at most 64 kB, and
 * with several collectors each answer its plaintext too (the capture
 * child hands back what is to be sealed again within the same 64).
 * 64 MB leaves room for that and still stops a runaway.  It opens no
 * descriptor of its own.
 */
const struct sandbox		 crypto_sandbox = { rules_crypto, 0,
				    (rlim_t)64 * 1024 * 1024, 0 };

void
crypto_main(void)
{
	struct priv_user	 user;
	unsigned char		 sk[WIRE_SKLEN];
	char			 err[256];
	unsigned int		 i;

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
	evtimer_set(&ev_rekey, crypto_rekey, NULL);
	proc_child_hooks(&hooks);
	proc_wait(PROC_PARENT, proc_child_imsg, &configured);

	priv_lookup(&user, conf.user);
	for (i = 0; i < conf.ncollectors; i++)
		if (key_read(collector_keyfile(&conf, i), collpk[i], 0, err,
		    sizeof(err)) == -1)
			fatalx("collector-key: %s", err);
	if (conf.keyfile[0] != '\0') {
		if (key_read(conf.keyfile, sk, 1, err, sizeof(err)) == -1)
			fatalx("keyfile: %s", err);
		crypto_scalarmult_base(idpk, sk);
	} else
		crypto_box_keypair(idpk, sk);
	/* secrets live in guarded, locked memory, wiped when freed */
	kid = key_alloc(conf.ncollectors, WIRE_KEYLEN);
	sess.k = key_alloc(1, WIRE_KEYLEN);
	if (conf.acks)
		ackkeys = key_alloc(2, WIRE_KEYLEN);
	if (conf.ncollectors > 1) {
		psess.k = key_alloc(1, WIRE_KEYLEN);
		probeack = key_alloc(1, WIRE_KEYLEN);
		sodium_mprotect_readonly(psess.k);
		sodium_mprotect_readonly(probeack);
	}
	for (i = 0; i < conf.ncollectors; i++)
		if (crypto_box_beforenm(kid + i * WIRE_KEYLEN, collpk[i],
		    sk) != 0)
			fatalx("collector-key %s is not a usable public key",
			    collector_keyfile(&conf, i));
	/* certifying sessions needs only the key shared with the collector */
	sodium_memzero(sk, sizeof(sk));
	sodium_mprotect_readonly(kid);
	session_start(0);

	if ((ptbuf = malloc(conf.max_datagram)) == NULL ||
	    (dgbuf = malloc(conf.max_datagram)) == NULL)
		fatal(NULL);
	/*
	 * Both compressors, for the process's life, whichever is
	 * configured: a reload may switch.  zenc allocates nothing
	 * more; zstd's sizes its tables at the first batch (and again
	 * for a batch of another size class), within RLIMIT_DATA.
	 * The frame states its size, which the collector requires, and
	 * has no checksum: the box is one.
	 */
	if ((zc = zenc_new()) == NULL)
		fatal("zenc_new");
	if ((zs = ZSTD_createCCtx()) == NULL)
		fatal("ZSTD_createCCtx");
	if (ZSTD_isError(ZSTD_CCtx_setParameter(zs, ZSTD_c_compressionLevel,
	    ZSTD_LEVEL)) || ZSTD_isError(ZSTD_CCtx_setParameter(zs,
	    ZSTD_c_contentSizeFlag, 1)) || ZSTD_isError(
	    ZSTD_CCtx_setParameter(zs, ZSTD_c_checksumFlag, 0)))
		fatalx("ZSTD_CCtx_setParameter");

	priv_drop(&user, conf.chroot);
	proc_sandbox();

	proc_listen(PROC_PARENT, proc_child_imsg, NULL);
	proc_listen(PROC_CAPTURE, crypto_imsg_capture, proc_eof_ignore);
	proc_child_ready();
	event_dispatch();
	fatalx("event loop ended");
}

/* the collector refuses a session not newer than the last */
static uint64_t
session_created(void)
{
	uint64_t	created;

	created = (uint64_t)now_ns();
	if (created <= last_created)
		created = last_created + 1;
	last_created = created;
	return (created);
}

/*
 * A new session key, certified by the identity.  The old session key
 * is overwritten in place: what was sealed under it cannot be opened
 * with anything this process still holds.  Its ack key, made from it
 * one way, stays for the acks still to come.  fresh: the sessions
 * before are forgotten (a switch of collector), not kept for acks.
 */
static void
session_start(int fresh)
{
	struct session_new	sn;
	char			hex[2 * 8 + 1];
	static int		started;

	sodium_mprotect_readwrite(sess.k);
	if (wire_session_new(&sess, idpk, kid + cur * WIRE_KEYLEN,
	    collpk[cur], session_created()) == -1)
		fatalx("collector-key %s is not a usable public key",
		    collector_keyfile(&conf, cur));
	if (conf.acks) {
		sodium_mprotect_readwrite(ackkeys);
		if (started && !fresh) {
			memcpy(ackkeys + WIRE_KEYLEN, ackkeys, WIRE_KEYLEN);
			memcpy(acknonce[1], acknonce[0], WIRE_NONCELEN);
			prev_pending = 1;
		}
		wire_ack_key(ackkeys, sess.k);
		sodium_mprotect_readonly(ackkeys);
		memcpy(acknonce[0], sess.hdr + WIRE_OFF_SNONCE, WIRE_NONCELEN);
		/* before any datagram of it, on the same channel */
		memset(&sn, 0, sizeof(sn));
		memcpy(sn.nonce, acknonce[0], WIRE_NONCELEN);
		sn.epoch = epoch;
		if (proc_compose(PROC_CAPTURE, IMSG_SESSION_NEW, 0, -1, &sn,
		    sizeof(sn)) == -1)
			fatal("imsg_compose");
	}
	started = 1;
	sodium_mprotect_readonly(sess.k);
	sodium_bin2hex(hex, sizeof(hex), sess.hdr + WIRE_OFF_SNONCE, 8);
	log_debug("session %s... started", hex);
}

/* the previous session has nothing left: its ack key goes */
static void
session_done(const unsigned char *nonce)
{
	if (!prev_pending || memcmp(nonce, acknonce[1], WIRE_NONCELEN) != 0)
		fatalx("capture: IMSG_SESSION_DONE for a session not pending");
	sodium_mprotect_readwrite(ackkeys);
	sodium_memzero(ackkeys + WIRE_KEYLEN, WIRE_KEYLEN);
	sodium_mprotect_readonly(ackkeys);
	prev_pending = 0;
	if (rekey_deferred) {
		rekey_deferred = 0;
		log_debug("rekey, deferred until now");
		session_start(0);
		evtimer_add_ms(&ev_rekey, conf.rekey_ms);
	}
}

/* open an ack with the ack key of the session it names, if we have it */
static void
ack_open(const unsigned char *dgram, size_t len)
{
	struct ack_opened	 ao;
	const unsigned char	*nonce;
	int			 slot = -1;

	if ((nonce = wire_ack_session(dgram, len)) == NULL)
		fatalx("capture: IMSG_ACK that is no ack");
	memset(&ao, 0, sizeof(ao));
	memcpy(ao.nonce, nonce, WIRE_NONCELEN);
	if (memcmp(nonce, acknonce[0], WIRE_NONCELEN) == 0)
		slot = 0;
	else if (prev_pending && memcmp(nonce, acknonce[1],
	    WIRE_NONCELEN) == 0)
		slot = 1;
	if (slot != -1)
		ao.ok = wire_ack_open(&ao.ack, dgram, len,
		    ackkeys + slot * WIRE_KEYLEN) == 0;
	else if (probing && memcmp(nonce, probenonce, WIRE_NONCELEN) == 0)
		ao.ok = wire_ack_open(&ao.ack, dgram, len, probeack) == 0;
	if (!ao.ok)
		memset(&ao.ack, 0, sizeof(ao.ack));
	if (proc_compose(PROC_CAPTURE, IMSG_ACK_OPENED, 0, -1, &ao,
	    sizeof(ao)) == -1)
		fatal("imsg_compose");
}

/*
 * With acks, a rekey waits while the previous session has datagrams
 * not done: a third session would make the collector forget it.
 */
static void
crypto_rekey(int fd, short event, void *arg)
{
	if (conf.acks && prev_pending) {
		if (!rekey_deferred)
			log_debug("rekey deferred: the previous session has "
			    "datagrams not acknowledged");
		rekey_deferred = 1;
		return;
	}
	session_start(0);
	evtimer_add_ms(&ev_rekey, conf.rekey_ms);
}

/*
 * The batch compressed as configured into out, which has room bytes:
 * its length, or 0 when it does not fit.
 */
static size_t
compress_batch(const unsigned char *batch, size_t len, unsigned char *out,
    size_t room)
{
	size_t	 n;

	if (conf.compression != WIRE_ENC_ZSTD)
		return (zenc_zlib(zc, batch, len, out, room));
	n = ZSTD_compress2(zs, out, room, batch, len);
	if (!ZSTD_isError(n))
		return (n);
	if (ZSTD_getErrorCode(n) != ZSTD_error_dstSize_tooSmall)
		fatalx("zstd: %s", ZSTD_getErrorName(n));
	return (0);
}

/*
 * Compress when it makes the batch fit or smaller, seal, return the
 * datagram.  A batch that fits neither way goes back to be split.
 */
static void
crypto_seal(const struct batch_hdr *h, const unsigned char *batch,
    size_t len)
{
	struct batch_hdr hdr;
	struct iovec	 iov[2];
	size_t		 ptlen = 0, zlen;
	int		 type = IMSG_DATAGRAM;

	/*
	 * With all of ptbuf as room, a stream longer than the budget
	 * is seen as such, not as one that did not fit.  0 when it did
	 * not fit at all.
	 */
	zlen = compress_batch(batch, len, ptbuf + 1, conf.max_datagram - 1);
	if (zlen > 0 && zlen <= budget - 1 && zlen < len) {
		ptbuf[0] = (unsigned char)conf.compression;
		ptlen = 1 + zlen;
	} else if (len <= budget - 1) {
		ptbuf[0] = WIRE_ENC_RAW;
		memcpy(ptbuf + 1, batch, len);
		ptlen = 1 + len;
	} else
		type = IMSG_BATCH_TOOBIG;
	/* budget left room for the padding */
	if (type == IMSG_DATAGRAM && conf.pad > 1) {
		ptbuf[0] |= WIRE_ENC_PADDED;
		if (wire_pad(ptbuf, &ptlen, conf.max_datagram - WIRE_OVERHEAD,
		    conf.pad) == -1)
			fatalx("padding does not fit");
	}

	if (type == IMSG_BATCH_TOOBIG) {
		/* the capture child kept no copy: it is split from this */
		iov[0].iov_base = (void *)(uintptr_t)h;
		iov[0].iov_len = sizeof(*h);
		iov[1].iov_base = (void *)(uintptr_t)batch;
		iov[1].iov_len = len;
		if (proc_composev(PROC_CAPTURE, IMSG_BATCH_TOOBIG, 0, -1, iov,
		    2) == -1)
			fatal("imsg_compose");
		return;
	}
	hdr = *h;
	if (h->flags & BATCH_PROBE)
		crypto_probe(&hdr, ptbuf, ptlen);
	else
		crypto_send(&hdr, ptbuf, ptlen, NULL, 0);
}

/*
 * Seal a plaintext in the current session and hand the datagram back,
 * and with several collectors the plaintext after it, to be sealed
 * again should the capture child switch.  A probe's datagram, sealed
 * already, comes as dgram.
 */
static void
crypto_send(struct batch_hdr *h, const unsigned char *pt, size_t ptlen,
    const unsigned char *dgram, size_t dlen)
{
	struct iovec	 iov[3];
	int		 n = 2;

	if (dgram == NULL) {
		/* a nonce is never used twice: a new session first */
		if (sess.seq == UINT64_MAX) {
			if (conf.acks && prev_pending)
				fatalx("sequence numbers used up while the "
				    "previous session waits for acks");
			session_start(0);
		}
		if ((dlen = wire_seal(dgbuf, &sess, pt, ptlen)) == 0)
			fatalx("wire_seal failed");
		dgram = dgbuf;
	}
	h->epoch = epoch;
	h->ptlen = conf.ncollectors > 1 ? (uint32_t)ptlen : 0;
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(*h);
	iov[1].iov_base = (void *)(uintptr_t)dgram;
	iov[1].iov_len = dlen;
	if (h->ptlen > 0) {
		iov[2].iov_base = (void *)(uintptr_t)pt;
		iov[2].iov_len = ptlen;
		n = 3;
	}
	if (proc_composev(PROC_CAPTURE, IMSG_DATAGRAM, 0, -1, iov, n) == -1)
		fatal("imsg_compose");
}

/*
 * A probe: a session of its own for collector h->coll, one datagram
 * long, whose ack key stays until the next probe; the session key is
 * wiped at once.
 */
static void
crypto_probe(struct batch_hdr *h, const unsigned char *pt, size_t ptlen)
{
	size_t	 dlen;

	if (h->coll >= conf.ncollectors || conf.ncollectors < 2)
		fatalx("capture: a probe of collector %u", h->coll);
	sodium_mprotect_readwrite(psess.k);
	if (wire_session_new(&psess, idpk, kid + h->coll * WIRE_KEYLEN,
	    collpk[h->coll], session_created()) == -1)
		fatalx("collector-key %s is not a usable public key",
		    collector_keyfile(&conf, h->coll));
	if ((dlen = wire_seal(dgbuf, &psess, pt, ptlen)) == 0)
		fatalx("wire_seal failed");
	sodium_mprotect_readwrite(probeack);
	wire_ack_key(probeack, psess.k);
	sodium_mprotect_readonly(probeack);
	sodium_memzero(psess.k, WIRE_KEYLEN);
	sodium_mprotect_readonly(psess.k);
	memcpy(probenonce, psess.hdr + WIRE_OFF_SNONCE, WIRE_NONCELEN);
	probing = 1;
	crypto_send(h, pt, ptlen, dgbuf, dlen);
}

/*
 * A datagram's plaintext, without its padding, sealed again in the
 * current session, padded as configured now.  One that a reload of
 * pad left too long to pad goes as it is.
 */
static void
crypto_reseal(const struct batch_hdr *h, const unsigned char *pt,
    size_t ptlen)
{
	struct batch_hdr	 hdr = *h;
	size_t			 room = conf.max_datagram - WIRE_OVERHEAD;

	if (ptlen < 1 || ptlen > room || (pt[0] & WIRE_ENC_PADDED))
		fatalx("IMSG_RESEAL: plaintext of %zu bytes", ptlen);
	memcpy(ptbuf, pt, ptlen);
	if (conf.pad > 1 && (ptlen / conf.pad + 1) * conf.pad <= room) {
		ptbuf[0] |= WIRE_ENC_PADDED;
		if (wire_pad(ptbuf, &ptlen, room, conf.pad) == -1)
			fatalx("padding does not fit");
	}
	crypto_send(&hdr, ptbuf, ptlen, NULL, 0);
}

/*
 * From now on, seal for another collector: the sessions so far are
 * forgotten, their ack keys with them (what they did not get acked is
 * coming back to be sealed again), and a new one starts at once.
 */
static void
crypto_switch(const struct collector_switch *cs)
{
	if (cs->coll >= conf.ncollectors || !conf.acks)
		fatalx("capture: a switch to collector %u", cs->coll);
	cur = cs->coll;
	epoch = cs->epoch;
	sodium_mprotect_readwrite(ackkeys);
	sodium_memzero(ackkeys, 2 * WIRE_KEYLEN);
	sodium_mprotect_readonly(ackkeys);
	prev_pending = 0;
	rekey_deferred = 0;
	session_start(1);
	evtimer_add_ms(&ev_rekey, conf.rekey_ms);
}

static int
crypto_imsg_capture(int from, struct imsg *imsg)
{
	struct batch_hdr	h;

	switch (imsg->hdr.type) {
	case IMSG_BATCH:
		break;
	case IMSG_ACK:
		if (!conf.acks || IMSG_DATA_SIZE(imsg) < WIRE_ACK_MIN ||
		    IMSG_DATA_SIZE(imsg) > WIRE_ACK_MAX)
			fatalx("IMSG_ACK: bad length %zu",
			    IMSG_DATA_SIZE(imsg));
		ack_open(imsg->data, IMSG_DATA_SIZE(imsg));
		return (0);
	case IMSG_COLLECTOR:
		imsg_expect(imsg, sizeof(struct collector_switch),
		    "IMSG_COLLECTOR");
		crypto_switch(imsg->data);
		return (0);
	case IMSG_RESEAL:
		if (IMSG_DATA_SIZE(imsg) <= sizeof(h))
			fatalx("IMSG_RESEAL: bad length %zu",
			    IMSG_DATA_SIZE(imsg));
		memcpy(&h, imsg->data, sizeof(h));
		crypto_reseal(&h, (unsigned char *)imsg->data + sizeof(h),
		    IMSG_DATA_SIZE(imsg) - sizeof(h));
		return (0);
	case IMSG_SESSION_DONE:
		imsg_expect(imsg, WIRE_NONCELEN, "IMSG_SESSION_DONE");
		if (!conf.acks)
			fatalx("capture: IMSG_SESSION_DONE without acks");
		session_done(imsg->data);
		return (0);
	default:
		fatalx("capture: unexpected imsg %u", imsg->hdr.type);
	}
	if (IMSG_DATA_SIZE(imsg) <= sizeof(h) ||
	    IMSG_DATA_SIZE(imsg) - sizeof(h) > WIRE_MAX_BATCH)
		fatalx("IMSG_BATCH: bad length %zu", IMSG_DATA_SIZE(imsg));
	memcpy(&h, imsg->data, sizeof(h));
	crypto_seal(&h, (unsigned char *)imsg->data + sizeof(h),
	    IMSG_DATA_SIZE(imsg) - sizeof(h));
	return (0);
}

static int
crypto_reconf(const struct imsg *imsg)
{
	return (config_recv(&rx, imsg, crypto_merge));
}

/* capture is done and gone: nothing is left to seal */
static __dead void
crypto_shutdown(void)
{
	sodium_free(sess.k);
	sodium_free(kid);
	if (psess.k != NULL) {
		sodium_free(psess.k);
		sodium_free(probeack);
	}
	if (ackkeys != NULL)
		sodium_free(ackkeys);
	proc_child_done();
}

static void
crypto_show_config(uint32_t peerid)
{
	config_send(PROC_PARENT, &conf, peerid);
}

/*
 * A configuration, at start as on reload: the padding, the rekey
 * interval and the compression, which the next batch takes.  At start
 * the interval was 0, which arms the timer.
 */
static void
crypto_merge(const struct agent_conf *n)
{
	unsigned int	 rekey_ms = conf.rekey_ms;

	config_take(&conf, n, &configured);
	budget = agent_budget(&conf);
	/* the session goes on; the next one comes at the new interval */
	if (conf.rekey_ms != rekey_ms)
		evtimer_add_ms(&ev_rekey, conf.rekey_ms);
}

/* the sensor's crypto child: keys in guarded memory, nothing more */
static void
rules_crypto(scmp_filter_ctx ctx)
{
	sandbox_allow_keymem(ctx);
}
