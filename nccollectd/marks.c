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
 * The publisher's shared high-water marks (hwm.c) in a JetStream
 * key-value bucket, `jetstream marks': made if it is not there (with
 * `jetstream create'), as many replicas as the stream, one revision
 * kept per key, each key gone `jetstream marks-ttl' after its last
 * write.  A key is a sensor session, <hex sensor key>.<hex
 * session nonce>; its value the session's mark in decimal.  Marks are
 * written every twelfth of the stream's duplicate window (1 to 10
 * seconds) and at exit, each only if the bucket has less, by
 * compare-and-set on the key's revision.  Every few seconds they are
 * published as JetStream messages on the bucket's subjects, with the
 * revision expected, asynchronously like the batches (MARKS_INFLIGHT
 * at most under way): a write each, awaited, would hold the loop some
 * 0.1 ms on loopback, 0.4 ms with three replicas, for each session
 * with news, and a collector has thousands.  The acks come back with
 * the batches' (marks_written()).
 *
 * JetStream's duplicate window already drops a batch published twice
 * within it; the marks hold beyond it.  A session is read from the
 * bucket when its first batch comes, and read again before a batch
 * the cache does not know as stored once its reading is older than
 * the window less the writes' interval and a margin: what another
 * collector stored before that reading counts, and what it stored
 * since is still within the window.  Those reads, a write that makes
 * room in the cache and the writes at exit are requests of libnats',
 * each awaited in the loop (PUB_API_WAIT at most).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>
#include <sodium.h>

#include "nccollectd.h"
#include "marks.h"

/* sessions in the cache at most */
#define MARKS_CACHE	16384
/* between writes of the marks, ms: a twelfth of the window, in these */
#define MARKS_FLUSH_MIN	1000
#define MARKS_FLUSH_MAX	10000
/* what a write of another collector may take beyond that, ms */
#define MARKS_MARGIN	500
/* after the bucket did not answer, it is not asked for that long, ms */
#define MARKS_BACKOFF	1000
/*
 * JetStream's refusals of a write on a revision not the key's last: the
 * second while another such write of the key is still being decided
 */
#define MARKS_WRONG_LAST	10071
#define MARKS_WRONG_LAST_BUSY	10164

static int	 kv_get(void *, const char *, uint64_t *, uint64_t *);
static int	 kv_put(void *, const char *, uint64_t, uint64_t, uint64_t *);
static int	 kv_put_async(void *, const char *, uint64_t, uint64_t);
static void	 marks_tick(int, short, void *);
static void	 marks_quiet(uint64_t);

static const struct hwm_store	 kv_store = { kv_get, kv_put, kv_put_async,
				    NULL };
static struct hwm_cache		 cache;
static int			 inited;
static kvStore			*kv;
static jsCtx			*kvjs;		/* the bucket's context */
static char			 kvbucket[64];
static int64_t			 kvwait;	/* ms an ack may take */
static struct event		 ev_flush;
static uint64_t			 refresh;	/* ms */
static unsigned int		 flush_ms;
static uint64_t			 replays;
static uint64_t			 quiet_until;	/* ms: MARKS_BACKOFF */
static struct log_ratelimit	 rl_marks, rl_replay;

static int
kv_get(void *arg, const char *key, uint64_t *v, uint64_t *rev)
{
	kvEntry		*e = NULL;
	natsStatus	 s;
	const char	*p;
	int		 len;

	if (kv == NULL)
		return (HWM_ERROR);
	if ((s = kvStore_Get(&e, kv, key)) == NATS_NOT_FOUND)
		return (HWM_NOTFOUND);
	if (s != NATS_OK) {
		log_warnx_rl(&rl_marks, "jetstream marks: %s: %s", key,
		    natsStatus_GetText(s));
		return (HWM_ERROR);
	}
	*rev = kvEntry_Revision(e);
	p = kvEntry_Value(e);
	len = kvEntry_ValueLen(e);
	if (marks_number(p, len, v) == -1)
		log_warnx_rl(&rl_marks, "jetstream marks: %s: \"%.*s\" is "
		    "not a number: taken as 0", key, len, p);
	kvEntry_Destroy(e);
	return (HWM_OK);
}

/*
 * A mark's value, len bytes of decimal at p, into v: 0 if there are
 * none or more than a number's digits, and -1 (v 0) if they are not
 * a number.  One past 2^64 - 1 would mark every later batch of the
 * session stored: it is no mark, as text is not.  Pure: libnats'
 * threads read the marks they wrote with it too.
 */
int
marks_number(const char *p, int len, uint64_t *v)
{
	char	buf[24];

	*v = 0;
	if (p == NULL || len <= 0 || len >= (int)sizeof(buf))
		return (0);
	memcpy(buf, p, (size_t)len);
	buf[len] = '\0';
	if (strspn(buf, "0123456789") != (size_t)len)
		return (-1);
	errno = 0;
	*v = strtoull(buf, NULL, 10);
	if (errno == ERANGE) {
		*v = 0;
		return (-1);
	}
	return (0);
}

/* a call that failed (the cache's errors from errs on): quiet a while */
static void
marks_quiet(uint64_t errs)
{
	if (cache.errors != errs)
		quiet_until = (uint64_t)mono_ms() + MARKS_BACKOFF;
}

/*
 * A write that failed: a conflict if the key's revision moved on (or
 * it is gone, or there where we expected none), else an error.
 */
static int
kv_put(void *arg, const char *key, uint64_t v, uint64_t last, uint64_t *rev)
{
	natsStatus	 s;
	uint64_t	 ov, orev = 0;
	char		 buf[24];
	int		 r;

	if (kv == NULL)
		return (HWM_ERROR);
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	if (last == 0)
		s = kvStore_CreateString(rev, kv, key, buf);
	else
		s = kvStore_UpdateString(rev, kv, key, buf, last);
	if (s == NATS_OK)
		return (HWM_OK);
	r = kv_get(arg, key, &ov, &orev);
	if ((r == HWM_OK && orev != last) || (r == HWM_NOTFOUND && last != 0))
		return (HWM_CONFLICT);
	log_warnx_rl(&rl_marks, "jetstream marks: %s: %s", key,
	    natsStatus_GetText(s));
	return (HWM_ERROR);
}

/*
 * The same, published without waiting, on the subject of the key in
 * the bucket, $KV.<bucket>.<key>: JetStream stores it only if the
 * key's last revision is last (none for 0), and its ack
 * (marks_written()) says which.
 */
static int
kv_put_async(void *arg, const char *key, uint64_t v, uint64_t last)
{
	jsPubOptions	 po;
	natsMsg		*m = NULL;
	natsStatus	 s;
	char		 subject[sizeof("$KV..") + sizeof(kvbucket) + HWM_KEYLEN];
	char		 buf[24];

	if (kv == NULL)
		return (HWM_ERROR);
	snprintf(subject, sizeof(subject), "$KV.%s.%s", kvbucket, key);
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	jsPubOptions_Init(&po);
	po.MaxWait = kvwait;
	if (last == 0)
		po.ExpectNoMessage = true;
	else
		po.ExpectLastSubjectSeq = last;
	if ((s = natsMsg_Create(&m, subject, NULL, buf, (int)strlen(buf))) ==
	    NATS_OK && (s = js_PublishMsgAsync(kvjs, &m, &po)) == NATS_OK)
		return (HWM_OK);
	natsMsg_Destroy(m);
	log_warnx_rl(&rl_marks, "jetstream marks: %s: %s", key,
	    natsStatus_GetText(s));
	return (HWM_ERROR);
}

/*
 * The ack of a write kv_put_async() sent, from the publisher's loop:
 * the subject it went to, the value, the status and JetStream's error
 * code, and the revision it made.  None within `jetstream timeout' is
 * an error (NATS_TIMEOUT), so that every write sent has an outcome.
 */
void
marks_written(const char *subject, uint64_t v, int status, int errcode,
    uint64_t rev)
{
	size_t		 n = strlen(kvbucket);
	uint64_t	 errs = cache.errors;
	int		 r;

	if (!inited || strncmp(subject, "$KV.", 4) != 0 ||
	    strncmp(subject + 4, kvbucket, n) != 0 || subject[4 + n] != '.')
		return;
	if (status == NATS_OK)
		r = HWM_OK;
	else if (errcode == MARKS_WRONG_LAST ||
	    errcode == MARKS_WRONG_LAST_BUSY)
		r = HWM_CONFLICT;
	else {
		r = HWM_ERROR;
		log_warnx_rl(&rl_marks, "jetstream marks: %s: %s (%d)",
		    subject + 5 + n, natsStatus_GetText(status), errcode);
	}
	hwm_written(&cache, subject + 5 + n, v, r, rev);
	marks_quiet(errs);
}

/*
 * The bucket, once the stream is there (dupwindow its duplicate
 * window, ns): 0, or -1 and why in err.
 */
int
marks_open(jsCtx *js, const struct collector_conf *conf, int64_t dupwindow,
    char *err, size_t errlen)
{
	kvConfig	 kc;
	natsStatus	 s;
	int64_t		 w;

	if (!inited) {
		hwm_init(&cache, MARKS_CACHE, &kv_store);
		evtimer_set(&ev_flush, marks_tick, NULL);
		inited = 1;
	}
	if (kv != NULL)
		return (0);
	kvjs = js;
	kvwait = conf->js.timeout;
	strlcpy(kvbucket, conf->js.marks, sizeof(kvbucket));
	s = js_KeyValue(&kv, js, conf->js.marks);
	if (s == NATS_NOT_FOUND && conf->js.create) {
		kvConfig_Init(&kc);
		kc.Bucket = conf->js.marks;
		kc.Description = "ncap: the sessions' high-water marks";
		kc.History = 1;
		kc.TTL = (int64_t)conf->js.marks_ttl * 1000000000LL;
		kc.StorageType = js_FileStorage;
		kc.Replicas = (int)conf->js.replicas;
		s = js_CreateKeyValue(&kv, js, &kc);
		if (s == NATS_OK)
			log_info("jetstream: marks bucket %s created, %u "
			    "replicas, a mark kept %u s after its last write",
			    conf->js.marks, conf->js.replicas,
			    conf->js.marks_ttl);
	}
	if (s != NATS_OK) {
		kv = NULL;
		snprintf(err, errlen, "marks bucket %s: %s", conf->js.marks,
		    s == NATS_NOT_FOUND ? "not found" : natsStatus_GetText(s));
		return (-1);
	}
	w = dupwindow / 1000000;
	flush_ms = w / 12 < MARKS_FLUSH_MIN ? MARKS_FLUSH_MIN :
	    w / 12 > MARKS_FLUSH_MAX ? MARKS_FLUSH_MAX : (unsigned int)(w / 12);
	refresh = w > flush_ms + MARKS_MARGIN ? (uint64_t)(w - flush_ms -
	    MARKS_MARGIN) : 0;
	log_info("jetstream: marks in bucket %s, written every %u ms, read "
	    "again after %" PRIu64 " ms", conf->js.marks, flush_ms, refresh);
	evtimer_add_ms(&ev_flush, flush_ms);
	return (0);
}

/*
 * The connection is gone: the marks are written if they can be, and
 * the bucket's handle, of the JetStream context, is forgotten.  The
 * cache stays: what was read of the bucket is still true.
 */
void
marks_close(void)
{
	if (!inited)
		return;
	/* what was sent and not acked is written again now */
	hwm_unsent(&cache);
	if (kv != NULL && hwm_flush(&cache) > 0)
		log_warnx("jetstream marks: some were not written");
	if (evtimer_pending(&ev_flush, NULL))
		evtimer_del(&ev_flush);
	if (kv != NULL)
		kvStore_Destroy(kv);
	kv = NULL;
	kvjs = NULL;
}

static void
marks_tick(int fd, short event, void *arg)
{
	unsigned int	 n;
	uint64_t	 errs = cache.errors;

	if ((uint64_t)mono_ms() >= quiet_until &&
	    (n = hwm_flush_async(&cache, MARKS_INFLIGHT)) > 0)
		log_warnx_rl(&rl_marks, "jetstream marks: %u not written, "
		    "tried again in %u ms", n, flush_ms);
	marks_quiet(errs);
	evtimer_add_ms(&ev_flush, flush_ms);
}

static void
marks_key(char *key, const unsigned char *pk, const unsigned char *nonce)
{
	char	 n[2 * WIRE_NONCELEN + 1];

	sodium_bin2hex(key, 2 * WIRE_PKLEN + 1, pk, WIRE_PKLEN);
	sodium_bin2hex(n, sizeof(n), nonce, WIRE_NONCELEN);
	key[2 * WIRE_PKLEN] = '.';
	memcpy(key + 2 * WIRE_PKLEN + 1, n, sizeof(n));
}

/*
 * A batch of session pk, nonce, number seq: 1 if it is stored in the
 * stream already (at or below the session's mark), and is counted and
 * said; 0 to publish; -1 if the bucket could not be asked.
 */
int
marks_check(const unsigned char *pk, const unsigned char *nonce,
    uint64_t seq, const char *sensor)
{
	char		 key[HWM_KEYLEN];
	uint64_t	 now = (uint64_t)mono_ms(), errs = cache.errors;
	int		 r;

	/* not at all, or it did not answer a moment ago */
	if (kv == NULL || now < quiet_until)
		return (-1);
	marks_key(key, pk, nonce);
	r = hwm_check(&cache, key, seq, now, refresh);
	marks_quiet(errs);
	if (r == 1) {
		replays++;
		log_warnx_rl(&rl_replay, "jetstream: sensor %s session %.16s: "
		    "number %" PRIu64 " is stored already: not published "
		    "again (%" PRIu64 " so far)", sensor, key +
		    2 * WIRE_PKLEN + 1, seq, replays);
	}
	return (r);
}

/* JetStream has the batch seq of session pk, nonce */
void
marks_ack(const unsigned char *pk, const unsigned char *nonce, uint64_t seq)
{
	char	 key[HWM_KEYLEN];

	if (!inited)
		return;
	marks_key(key, pk, nonce);
	hwm_ack(&cache, key, seq);
}

void
marks_stats(uint64_t *dropped, uint64_t *errors)
{
	*dropped = replays;
	*errors = cache.errors;
}
