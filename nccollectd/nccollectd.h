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

#ifndef NCCOLLECTD_H
#define NCCOLLECTD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <limits.h>
#include <stdint.h>

#include "conf.h"
#include "control.h"
#include "imsg.h"
#include "log.h"
#include "ncap.pb-c.h"
#include "proc.h"
#include "sandbox.h"
#include "util.h"
#include "wire.h"

#define NCCOLLECTD_CONF		"/etc/nccollectd.conf"
#define NCCOLLECTD_USER		"_nccollectd"
#define NCCOLLECTD_CHROOT	"/var/empty"
#define NCCOLLECTD_SPOOL	"/var/spool/ncap"
#define NCCOLLECTD_SYNC		0	/* acks wait for no fdatasync */

/*
 * The UDP socket's receive buffer, in bytes asked of the kernel (which
 * grants twice as much, for its bookkeeping).  The default holds about
 * 7000 datagrams of 1400 bytes, each charged some 2.3 kB: a second of
 * 100 sensors sending 70 a second while the receiver is held up.  The
 * least holds one datagram of the largest size; the kernel caps what
 * it is asked at INT_MAX / 2, above the most.
 */
#define RCVBUF_DEFAULT		(8 * 1024 * 1024)
/* rotate and keep: what the grammar takes */
#define ROTATE_EVERY_MAX	(366 * 86400)	/* seconds */
#define ROTATE_SIZE_MIN		(64 * 1024)
#define KEEP_AGE_MAX		(10 * 366 * 86400)
#define KEEP_SIZE_MIN		(64 * 1024)
#define RCVBUF_MIN		(64 * 1024)
#define RCVBUF_MAX		(512 * 1024 * 1024)

/* where checked batches go: the spool, or a NATS JetStream stream */
#define OUTPUT_SPOOL		0
#define OUTPUT_JETSTREAM	1
#define JS_URL			"nats://127.0.0.1:4222"
#define JS_STREAM		"NCAP"
#define JS_SUBJECT		"ncap"
#define JS_REPLICAS		1
#define JS_REPLICAS_MAX		5
#define JS_DUPWINDOW		120		/* seconds, JetStream's own */
#define JS_DUPWINDOW_MAX	(7 * 86400)
#define JS_MARKS		"NCAP-MARKS"
/* seconds a mark stays in a bucket made, after its last write */
#define JS_MARKS_TTL		(7 * 86400)
#define JS_MARKS_TTL_MIN	3600
#define JS_MARKS_TTL_MAX	(3660 * 86400)
#define JS_TIMEOUT		5000		/* ms a publish awaits its ack */
#define JS_TIMEOUT_MIN		100
#define JS_TIMEOUT_MAX		60000
/*
 * output jetstream: batches at the publisher (on their way to it, or
 * awaiting JetStream's acks) at most, and their bytes (queue-size); the
 * receiver refuses more, and their sensors send them again.  The least
 * takes one batch of the largest size.
 */
#define JS_MAX_PENDING		1024
#define JS_QUEUE_SIZE		(8 * 1024 * 1024)
#define JS_QUEUE_SIZE_MIN	WIRE_MAX_BATCH
#define JS_QUEUE_SIZE_MAX	(1024 * 1024 * 1024)
#define RECTYPE_NAME_MAX	63
/* where batches come from: sensors' datagrams, or a JetStream stream */
#define INPUT_SENSORS		0
#define INPUT_JETSTREAM		1
#define JS_DURABLE		"nccollectd"

/* the processes, by their place in the table (nccollectd.c) */
enum nccollectd_proc {
	PROC_RECEIVER = PROC_PARENT + 1,	/* datagrams to the spool */
	PROC_CRYPTO,				/* opens datagrams */
	PROC_PUBLISHER,				/* batches to JetStream */
	PROC_NPROCS
};

enum imsg_type {
	IMSG_NONE,
	IMSG_CONF,		/* parent -> children: struct collector_conf,
				   then its sensors, between
				   IMSG_RECONF_START and _END */
	IMSG_SENSORS,		/* parent -> children: struct conf_sensor[],
				   conf.nsensors in all, in one or more */
	IMSG_SOCKET,		/* parent -> receiver: the bound UDP socket */
	IMSG_OPEN,		/* receiver -> crypto: dgram_hdr + datagram */
	IMSG_OPENED,		/* crypto -> receiver: dgram_hdr + plaintext */
	IMSG_REJECTED,		/* crypto -> receiver: dgram_hdr */
	IMSG_STATS,		/* receiver -> parent: struct collector_stats
				   and nrectypes struct ctype_stats, at exit
				   or with ncctl's peerid on request */
	IMSG_SENSOR_INFO,	/* receiver -> parent: struct sensor_info[] */
	IMSG_SENSOR_INFO_END,	/* receiver -> parent: that was all */
	IMSG_ACK,		/* receiver -> crypto: struct ack_req */
	IMSG_ACK_SEALED,	/* crypto -> receiver: struct ack_req and the
				   ack datagram, WIRE_ACK_MIN to _MAX bytes */
	IMSG_ACK_REFUSED,	/* crypto -> receiver: struct ack_req, for a
				   session whose key it cannot make */
	IMSG_ROTATED,		/* receiver -> parent: int, files closed on
				   ncctl rotate, -1 the journal failed */
	IMSG_PUBLISH,		/* receiver -> publisher: struct pub_req and
				   the batch's framed records */
	IMSG_PUBLISHED,		/* publisher -> receiver: struct pub_res */
	IMSG_JS_STATS,		/* publisher -> parent: struct js_stats, with
				   ncctl's peerid */
	IMSG_CONSUMED,		/* publisher -> receiver: struct cons_msg
				   and the message's payload */
	IMSG_CONSUMED_DONE,	/* receiver -> publisher: struct cons_done */
	IMSG_CONSUMED_STOP,	/* receiver -> publisher: fetch no more */
	IMSG_CONSUMED_END,	/* publisher -> receiver: all it fetched was
				   sent, nothing more comes */
	IMSG_CONSUMER_START,	/* publisher -> receiver: struct cons_start,
				   before the first fetch of a consumer */
	IMSG_CONSUMER_READY,	/* receiver -> publisher: its window is the
				   stream's, the fetches may start */
};

/*
 * output jetstream: where and how the publisher publishes.  The
 * strings are empty when not given.
 */
struct js_conf {
	char		 url[1024];		/* servers, comma separated */
	char		 stream[64];
	char		 subject[128];		/* the subjects' prefix */
	char		 durable[64];		/* input: the consumer */
	char		 creds[PATH_MAX];	/* a NATS credentials file */
	char		 user[128];
	char		 password[128];
	char		 token[256];
	char		 ca[PATH_MAX];		/* TLS: the servers' CAs */
	char		 cert[PATH_MAX];	/* TLS: our certificate ... */
	char		 key[PATH_MAX];		/* ... and its key */
	unsigned int	 replicas;		/* of a stream it creates */
	int		 create;		/* the stream, if it is not */
	unsigned int	 dupwindow;		/* seconds, of a stream made */
	unsigned int	 timeout;		/* ms a publish awaits its ack;
						   input: the consumer's ack
						   wait */
	char		 marks[64];		/* the bucket of the marks */
	unsigned int	 queue_size;		/* bytes at the publisher */
	unsigned int	 marks_ttl;		/* seconds, of a bucket made */
};

struct collector_conf {
	char		 listen_addr[256];	/* empty: any */
	char		 port[16];
	char		 keyfile[PATH_MAX];	/* private key */
	char		 spool[PATH_MAX];
	char		 user[64];
	char		 chroot[PATH_MAX];	/* crypto child's empty root */
	int		 verbose;
	unsigned int	 nsensors;		/* 0: open to any sensor key */
	struct conf_sensor *sensors;		/* in each process its own */
	char		 ctlsock[CTL_PATH_MAX];	/* control socket */
	char		 rctlsock[CTL_PATH_MAX];	/* restricted one, or "" */
	unsigned int	 rcvbuf;		/* the socket's, asked */
	int		 sync;			/* fdatasync before acking */
	unsigned int	 rotate_every;		/* seconds; 0: by time never */
	uint64_t	 rotate_size;		/* bytes; 0: by size never */
	unsigned int	 keep_age;		/* seconds; 0: any age */
	uint64_t	 keep_size;		/* bytes; 0: any size */
	int		 output;		/* OUTPUT_* */
	int		 input;			/* INPUT_* */
	struct js_conf	 js;
};

/* a trusted sensor: its records go under name, whatever it claims */
struct conf_sensor {
	char		 name[SENSOR_NAME_MAX + 1];
	unsigned char	 pk[WIRE_PKLEN];
};
#define SENSORS_PER_IMSG	1024
#define SENSORS_MAX		65536

/*
 * A datagram between receiver and crypto: where it came from, its
 * session and sequence number as the receiver read them and, once
 * opened, the session's public key and start from its certificate.
 */
struct dgram_hdr {
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	uint32_t		 len;		/* datagram length on the wire */
	uint64_t		 seq;
	uint32_t		 pending;	/* receiver: a new key, held */
	unsigned char		 sess[WIRE_SESSLEN];
	unsigned char		 epk[WIRE_PKLEN];	/* crypto fills in */
	uint64_t		 created;		/* crypto fills in */
};

/*
 * An ack to seal, receiver -> crypto and back: the crypto child finds
 * the session's ack key by its header, as it finds its key for a
 * datagram.  to and newly are the receiver's, carried back with the
 * sealed datagram.
 */
struct ack_req {
	struct sockaddr_storage	 to;
	socklen_t		 tolen;
	uint32_t		 newly;		/* datagrams acked the first time */
	unsigned char		 sess[WIRE_SESSLEN];
	struct wire_ack		 ack;
};

/* why a datagram was dropped; the receiver counts each */
enum drop_cause {
	DROP_SHORT,		/* shorter than the fixed overhead */
	DROP_LONG,		/* longer than any datagram may be */
	DROP_VERSION,		/* not wire format v2 */
	DROP_UNTRUSTED,		/* a sensor key not in the list */
	DROP_RATE,		/* too many new sensor keys from one source */
	DROP_AUTH,		/* failed authentication */
	DROP_STALE,		/* a session older than the sensor's last two */
	DROP_ENCODING,		/* unknown encoding byte */
	DROP_ZLIB,		/* bad zlib stream */
	DROP_ZSTD,		/* bad zstd frame */
	DROP_BOMB,		/* decompresses past WIRE_MAX_BATCH */
	DROP_PROTOBUF,		/* not a Batch */
	DROP_FRAMING,		/* record framing or count wrong */
	DROP_RECORD,		/* a record that is not its type */
	DROP_NAME,		/* sensor name not allowed */
	DROP_TYPE,		/* unknown record type */
	DROP_REPEAT,		/* sequence number seen before */
	DROP_OLD,		/* sequence number behind the window */
	DROP_WRITE,		/* could not store */
	DROP_NCAUSES
};

struct collector_stats {
	uint64_t	 datagrams;
	uint64_t	 bytes;
	uint64_t	 batches;
	uint64_t	 encoded[WIRE_NENC];	/* batches stored, per encoding */
	uint64_t	 records;	/* stored */
	uint64_t	 gaps;		/* sequence numbers never seen */
	uint64_t	 files;		/* files created */
	uint64_t	 kernel_drops;	/* datagrams the socket buffer dropped */
	uint64_t	 sessions;	/* sessions started */
	uint64_t	 keys_evicted;	/* open mode: sensor keys forgotten */
	uint64_t	 renamed;	/* batches stored under the trusted name
					   instead of the one they claimed */
	uint64_t	 acks;		/* ack datagrams sent */
	uint64_t	 acked;		/* datagrams acknowledged, once each */
	uint64_t	 ack_errors;	/* acks not sent: sendto failed */
	uint64_t	 journal_entries;
	uint64_t	 journal_bytes;
	uint64_t	 journal_cut;	/* bytes cut off spool files at start */
	uint64_t	 syncs;		/* fdatasync and fsync calls */
	uint64_t	 rotated;	/* files closed and renamed */
	uint64_t	 removed;	/* closed files removed by keep */
	uint64_t	 removed_bytes;
	/* input jetstream: messages stored, their records, not again, bad */
	uint64_t	 consumed;
	uint64_t	 consumed_records;
	uint64_t	 consumed_repeats;
	uint64_t	 consumed_bad;
	uint64_t	 consumed_resets;	/* windows forgotten */
	uint64_t	 drops[DROP_NCAUSES];
};

/* what was stored, per record type */
struct ctype_stats {
	uint64_t	 records;
	uint64_t	 batches;
	uint64_t	 bytes;		/* of the records */
};

/* ncctl show sensors: one per sensor key the receiver knows */
struct sensor_info {
	/* listed, or last claimed */
	char			 name[SENSOR_NAME_MAX + 1];
	int			 listed;
	unsigned char		 pk[WIRE_PKLEN];
	struct sockaddr_storage	 from;		/* of the last one stored */
	unsigned char		 session[8];	/* newest session's nonce */
	uint64_t		 session_start;	/* its T, ns */
	uint64_t		 last_seen;	/* ns since the epoch */
	uint64_t		 sessions;
	uint64_t		 records;
	uint64_t		 batches;
	uint64_t		 gaps;
	uint64_t		 repeats;	/* repeat and old */
	uint64_t		 rejects;	/* every drop of its datagrams */
};
#define SENSOR_INFO_PER_IMSG	512

extern const char *const drop_names[DROP_NCAUSES];

/*
 * the children: their bodies and their sandboxes (receiver.c, crypto.c);
 * the receiver's counts the journal's descriptors and its output's at
 * start
 */
void	 receiver_main(void);
void	 crypto_main(void);
extern struct sandbox receiver_sandbox;
extern const struct sandbox crypto_sandbox;

/*
 * window.c, in the receiver: a sensor key's two newest sessions, each
 * with a window of the last WINDOW_BITS sequence numbers, so that late
 * datagrams are stored and repeats are not.  A number in the window is
 * done (stored, or refused for good) or on its way to the output; one
 * the output could not store is taken out again, to be taken when it
 * is sent again.  Acks are made from the window.  It keeps no state:
 * the caller owns the slots and the counters.
 */
#define WINDOW_BITS	1024		/* anti-replay window per session */
#define SLOT_ACK	0x01		/* receiver: owes the session an ack */
#define SLOT_JOURNAL	0x02		/* receiver: window not journaled */
struct slot {
	unsigned char		 sess[WIRE_SESSLEN];	/* its header */
	int			 used;
	int			 flags;
	uint64_t		 created;
	uint64_t		 top;		/* highest sequence taken */
	uint64_t		 window[WINDOW_BITS / 64];
	uint32_t		 ndone;		/* done since its last ack */
	socklen_t		 fromlen;
	struct sockaddr_storage	 from;		/* of its last authentic one */
};
struct sessions {
	struct slot		 slot[2];	/* newest first */
};
/* sess: a datagram's first WIRE_SESSLEN bytes */
struct slot	*slot_find(struct sessions *, const unsigned char *sess);
/* NULL: older than both sessions (or as old as one), stale */
struct slot	*slot_start(struct sessions *, const unsigned char *sess,
		    uint64_t created);
/* -1 for a sequence number not seen, else DROP_OLD or DROP_REPEAT */
int	 window_check(const struct slot *, uint64_t seq);
/* the same, and a new one is recorded; *gaps: change in numbers missed */
int	 window_commit(struct slot *, uint64_t seq, int64_t *gaps);
/* a committed number out again: 0, or -1 if it is not in the window */
int	 window_uncommit(struct slot *, uint64_t seq, int64_t *gaps);
/* the ack of what the window holds, its credit at most max */
void	 window_ack(const struct slot *, struct wire_ack *, uint32_t max);
/* the window as bytes, bit i of byte j for number n, n % 1024 = 8j + i */
void	 window_get(const struct slot *, uint64_t *top,
	    unsigned char bits[WINDOW_BITS / 8]);
void	 window_set(struct slot *, uint64_t top,
	    const unsigned char bits[WINDOW_BITS / 8]);

/*
 * trust.c, in the receiver: the sensor keys it knows.  Listed keys come
 * from the configuration; in open mode keys that authenticate are
 * learnt, and the least recently used is forgotten past MAX_KEYS.
 */
#define MAX_KEYS	4096		/* open: sensor keys remembered */
struct sensor {
	RB_ENTRY(sensor)	 tree;
	TAILQ_ENTRY(sensor)	 lru;		/* learnt keys only */
	unsigned char		 pk[WIRE_PKLEN];
	char			 name[SENSOR_NAME_MAX + 1];	/* if listed */
	int			 listed;
	int			 keep;		/* still listed, on reload */
	struct sessions		 sess;
	struct sensor_info	 info;		/* for ncctl show sensors */
	TAILQ_ENTRY(sensor)	 dirty;		/* a slot has SLOT_ flags */
	int			 isdirty;
};
RB_HEAD(sensor_tree, sensor);
RB_PROTOTYPE(sensor_tree, sensor, tree, sensor_cmp);
TAILQ_HEAD(sensor_lru, sensor);
struct trust {
	struct sensor_tree	 sensors;
	struct sensor_lru	 lru;		/* learnt, most recent first */
	unsigned int		 nlearnt;
	int			 trusted;	/* only listed keys may write */
	struct sensor_lru	 dirty;		/* owed an ack or a journal */
};
#define TRUST_INITIALIZER(t)	{ RB_INITIALIZER(&(t).sensors), \
				  TAILQ_HEAD_INITIALIZER((t).lru), 0, 0, \
				  TAILQ_HEAD_INITIALIZER((t).dirty) }
struct sensor	*trust_find(struct trust *, const unsigned char *pk);
/* *evicted counts the learnt keys forgotten to make room */
struct sensor	*trust_learn(struct trust *, const unsigned char *pk,
		    uint64_t *evicted);
void	 trust_touch(struct trust *, struct sensor *);
void	 trust_load(struct trust *, const struct conf_sensor *, unsigned int,
	    uint64_t *evicted);
void	 trust_info(const struct sensor *, struct sensor_info *);
/* a slot of the sensor has SLOT_ flags: on the dirty list, once */
void	 trust_dirty(struct trust *, struct sensor *);

/*
 * ratelimit.c, in the receiver: new sensor keys, each a Curve25519 for
 * the crypto child, limited per source address; a key at the crypto
 * child is pending and not counted again.  The caller passes the time.
 */
#define MAX_INFLIGHT	256		/* datagrams at the crypto child */
#define SRC_SLOTS	1024		/* sources whose new keys are counted */
#define NEWKEY_RATE	200		/* new sensor keys per second ... */
#define NEWKEY_BURST	1000		/* ... and at once, per source */
struct source {
	unsigned char		 addr[16];
	int			 used;
	int64_t			 last_ms;
	unsigned int		 tokens;
};
struct newkeys {
	struct source		 sources[SRC_SLOTS];
	unsigned char		 key[crypto_shorthash_KEYBYTES];
	struct {
		unsigned char	 pk[WIRE_PKLEN];
		unsigned int	 refs;
	}			 pending[MAX_INFLIGHT];
};
void	 newkey_init(struct newkeys *);
int	 newkey_allowed(struct newkeys *, const struct sockaddr_storage *,
	    const unsigned char *pk, int64_t now_ms);
void	 newkey_answered(struct newkeys *, const unsigned char *pk);

/*
 * output.c, in the receiver: where checked batches are stored.  Each
 * batch is handed over with done() and a cookie; done() says whether it
 * was stored (the backend logs why not), before output_store() returns
 * or later, from the event loop.  The batch and its records are the
 * caller's only until output_store() returns: a backend that reports
 * later keeps a copy, and hands that to done().
 */
struct output_batch {
	const char		*sensor;	/* the name to store it under */
	int			 type;		/* index into rectypes[] */
	const unsigned char	*recs;		/* framed records */
	size_t			 len;
	uint32_t		 nrec;
	/* the datagram it came in: sensor key, session, sequence number */
	const unsigned char	*sess;		/* its WIRE_SESSLEN bytes */
	uint64_t		 seq;
	uint64_t		 created;	/* the session's T, ns */
	/* the one it first went out in: session nonce, sequence number */
	const unsigned char	*onnonce;
	uint64_t		 oseq;
};
typedef void	(*output_done)(const struct output_batch *, int stored,
		    void *cookie);
struct journal;
struct output_backend {
	/* after the sandbox; kick: have the journal committed soon */
	void		 (*init)(const struct collector_conf *,
			    struct collector_stats *, struct journal *,
			    void (*kick)(void));
	/* at start, before the sandbox, once the journal cut its files */
	void		 (*recover)(const struct collector_conf *,
			    struct collector_stats *, struct journal *);
	void		 (*reconf)(const struct collector_conf *);
	void		 (*store)(const struct output_batch *, output_done,
			    void *cookie);
	/* before a journal entry: what it holds back, stored and reported */
	void		 (*flush)(void);
	/* what was stored so far, on disk for good: 0, or -1 */
	int		 (*sync)(void);
	/* the journal has all that was stored: files closed since */
	unsigned int	 (*committed)(void);
	/* ncctl rotate: close every file at the next commit */
	void		 (*rotate)(void);
	/* at exit; committed: the journal has all that was stored */
	void		 (*close)(int committed);
	/*
	 * the calls it makes in the receiver once sandboxed, each with
	 * its reason, and the descriptors it holds at most
	 */
	void		 (*rules)(scmp_filter_ctx);
	unsigned int	 fds;
};
void	 output_init(const struct collector_conf *, struct collector_stats *,
	    struct journal *, void (*kick)(void));
void	 output_recover(const struct collector_conf *,
	    struct collector_stats *, struct journal *);
void	 output_reconf(const struct collector_conf *);
void	 output_store(const struct output_batch *, output_done, void *cookie);
void	 output_flush(void);
int	 output_sync(void);
unsigned int output_committed(void);
void	 output_rotate(void);
void	 output_close(int committed);
void	 output_rules(scmp_filter_ctx);
unsigned int output_fds(void);

/*
 * spool.c: the spool as a backend, files relative to the receiver's
 * chroot; it reports a batch once the loop has run what was ready, or
 * at output_flush(), with the others of the same turn
 */
extern const struct output_backend output_spool;

/*
 * jetstream.c: the publisher as a backend.  Each batch goes to the
 * publisher process, and is reported once JetStream acknowledged it,
 * or did not.
 */
extern const struct output_backend output_jetstream;

/*
 * publish.c, the publisher process: batches from the receiver to
 * JetStream, a connection of libnats' (and its threads) in a sandbox
 * that holds no key and sees no spool.
 */
struct pub_req {
	uint64_t	 id;		/* the receiver's, for the answer */
	uint64_t	 seq;
	uint64_t	 created;	/* the session's T, ns */
	uint32_t	 nrec;
	int32_t		 type;		/* index into rectypes[] */
	unsigned char	 pk[WIRE_PKLEN];		/* sensor key */
	unsigned char	 nonce[WIRE_NONCELEN];	/* session */
	/* the datagram the batch first went out in: its name */
	uint64_t	 oseq;
	unsigned char	 onnonce[WIRE_NONCELEN];
	char		 sensor[SENSOR_NAME_MAX + 1];
};
struct pub_res {
	uint64_t	 id;
	int32_t		 stored;	/* JetStream acknowledged it */
};
/* ncctl show stats, section jetstream */
struct js_stats {
	char		 server[256];	/* connected to, or "" */
	int32_t		 connected;
	int32_t		 ready;		/* and the stream is there */
	uint64_t	 published;	/* messages JetStream acknowledged */
	uint64_t	 bytes;		/* of their payloads */
	uint64_t	 duplicates;	/* acknowledged as seen before */
	uint64_t	 pending;	/* awaiting their acks now */
	uint64_t	 errors;	/* publishes that failed */
	uint64_t	 disconnects;
	uint64_t	 replays;	/* batches stored already, dropped */
	uint64_t	 mark_errors;	/* reads and writes of marks failed */
	/* input jetstream: fetched, delivered more than once, left */
	uint64_t	 fetched;
	uint64_t	 redelivered;
	uint64_t	 left;		/* the stream's, for the consumer */
	uint64_t	 unacked;	/* delivered, not acked yet */
	int32_t		 known;		/* left and unacked, from the server */
	char		 last_error[256];
};
/*
 * input jetstream: a message the publisher fetched, for the receiver to
 * check and store; the receiver answers each, once the journal has it
 */
#define CONS_MSGID_MAX	160
struct cons_msg {
	uint64_t	 seq;		/* in the stream */
	uint64_t	 delivered;	/* times, this one included */
	int32_t		 nrec;		/* Ncap-Records, -1 if none or bad */
	char		 subject[sizeof(((struct js_conf *)0)->subject) +
			    3 * SENSOR_NAME_MAX + RECTYPE_NAME_MAX + 3];
	char		 msgid[CONS_MSGID_MAX];
};
#define CONS_ACK	0		/* stored, or stored before */
#define CONS_TERM	1		/* bad: never again */
#define CONS_NAK	2		/* not stored: again later */
struct cons_done {
	uint64_t	 seq;
	int32_t		 verdict;	/* CONS_* */
};
/* the stream and its consumer as the publisher found them, for the window */
struct cons_start {
	uint64_t	 created;	/* the stream's, ns since the epoch */
	uint64_t	 last;		/* the stream's last sequence number */
	int32_t		 made;		/* the consumer was not there */
};
/* the messages between fetch and answer at most */
#define CONS_MAX_PENDING	256
void	 publisher_main(void);
extern struct sandbox publisher_sandbox;

/*
 * hwm.c, in the publisher: the high-water marks of sensor sessions that
 * the collectors of a stream share (every number up to a session's mark
 * is stored in the stream), a bounded cache of them in front of a store
 * (marks.c: a JetStream key-value bucket) where a mark only grows.
 */
#define HWM_BITS	1024		/* numbers kept past a mark */
#define HWM_TRIES	4		/* a write's compare-and-sets */
/* a session's key: hex sensor key '.' hex session nonce */
#define HWM_KEYLEN	(2 * WIRE_PKLEN + 1 + 2 * WIRE_NONCELEN + 1)
enum hwm_result {
	HWM_OK,
	HWM_NOTFOUND,		/* get: no such key */
	HWM_CONFLICT,		/* put: the revision is not the last */
	HWM_ERROR,
};
struct hwm_store {
	/* the value and revision of key */
	int	(*get)(void *, const char *, uint64_t *, uint64_t *);
	/* value for key if its revision is still rev (0: no key yet) */
	int	(*put)(void *, const char *, uint64_t, uint64_t, uint64_t *);
	/* the same, sent: the outcome comes to hwm_written() */
	int	(*put_async)(void *, const char *, uint64_t, uint64_t);
	void	*arg;
};
struct hwm_sess {
	RB_ENTRY(hwm_sess)	 tree;
	TAILQ_ENTRY(hwm_sess)	 lru;
	char			 key[HWM_KEYLEN];
	uint64_t		 mark;		/* every number <= stored */
	uint64_t		 past[HWM_BITS / 64];	/* mark + 1 + i */
	uint64_t		 shared;	/* the store's value, last seen */
	uint64_t		 rev;		/* its revision, 0 none */
	uint64_t		 fetched;	/* ms, the store read */
	uint64_t		 writing;	/* the value sent, 0 none */
};
RB_HEAD(hwm_tree, hwm_sess);
TAILQ_HEAD(hwm_lru, hwm_sess);
struct hwm_cache {
	struct hwm_tree		 tree;
	struct hwm_lru		 lru;		/* least recently used first */
	unsigned int		 n, max;
	unsigned int		 writing;	/* sessions with a write sent */
	const struct hwm_store	*store;
	uint64_t		 reads, writes, conflicts, errors;
	uint64_t		 lost;		/* marks evicted unwritten */
};
void	 hwm_init(struct hwm_cache *, unsigned int, const struct hwm_store *);
void	 hwm_free(struct hwm_cache *);
struct hwm_sess *hwm_find(struct hwm_cache *, const char *);
struct hwm_sess *hwm_add(struct hwm_cache *, const char *);
void	 hwm_drop(struct hwm_cache *, struct hwm_sess *);
void	 hwm_raise(struct hwm_sess *, uint64_t);
void	 hwm_acked(struct hwm_sess *, uint64_t);
int	 hwm_stored(const struct hwm_sess *, uint64_t);
int	 hwm_read(struct hwm_cache *, struct hwm_sess *, uint64_t);
int	 hwm_write(struct hwm_cache *, struct hwm_sess *);
unsigned int hwm_flush(struct hwm_cache *);
unsigned int hwm_flush_async(struct hwm_cache *, unsigned int);
void	 hwm_written(struct hwm_cache *, const char *, uint64_t, int,
	    uint64_t);
void	 hwm_unsent(struct hwm_cache *);
int	 hwm_check(struct hwm_cache *, const char *, uint64_t, uint64_t,
	    uint64_t);
void	 hwm_ack(struct hwm_cache *, const char *, uint64_t);

/*
 * journal.c, in the receiver: .journal in the spool says what is
 * stored (each spool file's committed size) and done (each session's
 * window).  Entries are written after the records they cover and
 * before the acks that announce them; at start the journal is read
 * back, sessions take their windows again and files are cut back to
 * their committed size.  It grows by entries and is compacted, a
 * snapshot to JOURNAL_NEW renamed over it, past its bound.
 */
#define JOURNAL_NAME		".journal"
#define JOURNAL_NEW		".journal.new"
#define JOURNAL_BOUND		(1024 * 1024)	/* or 4 snapshots, if more */
#define JOURNAL_VERSION		2
/* a spool file's name in its sensor's directory */
#define SPOOL_NAME_MAX		(RECTYPE_NAME_MAX + 64)
/* the bytes of the items, and of an entry around them */
#define JI_HEADER		1
#define JI_FILE			2
#define JI_SESSION		3
#define JI_HDRLEN		3	/* kind, length (2) */
#define JI_HEADER_LEN		9	/* "ncapjrnl", version */
#define JI_SESSION_LEN		(WIRE_SESSLEN + 8 + 8 + WINDOW_BITS / 8)
#define JE_OVERHEAD		8	/* length (4), CRC-32 (4) */
struct jsession {
	unsigned char		 sess[WIRE_SESSLEN];
	uint64_t		 created;	/* T */
	uint64_t		 top;
	unsigned char		 bits[WINDOW_BITS / 8];
};
struct jfile {
	RB_ENTRY(jfile)		 tree;
	TAILQ_ENTRY(jfile)	 dirty;
	char			 sensor[SENSOR_NAME_MAX + 1];
	char			 name[SPOOL_NAME_MAX + 1];
	uint64_t		 ino;
	uint64_t		 committed;	/* as the journal has it */
	uint64_t		 size;		/* as written */
	int			 isdirty;
};
RB_HEAD(jfile_tree, jfile);
TAILQ_HEAD(jfile_list, jfile);
struct journal {
	int			 fd;		/* JOURNAL_NAME, or -1 */
	int			 dirfd;		/* the spool, or -1 */
	int			 sync;		/* fdatasync each entry */
	uint64_t		 size;		/* of JOURNAL_NAME */
	uint64_t		 reserved;	/* allocated up to */
	uint64_t		 bound;
	struct jfile_tree	 files;
	struct jfile_list	 dirty;		/* size != committed */
	unsigned char		*buf;		/* the entry being made */
	size_t			 len, cap;
	struct collector_stats	*st;
};
/*
 * input jetstream: the window of the stream's sequence numbers stored,
 * for the consumer of name "stream.durable", and which stream it was:
 * its creation time (0 not known, as in the older item of kind 4)
 */
#define JI_CONSUMER		4
#define JI_CONSUMER_STREAM	5
#define JCONSUMER_NAME_MAX	(64 + 1 + 63)
struct jconsumer {
	char			 name[JCONSUMER_NAME_MAX + 1];
	uint64_t		 top;
	uint64_t		 created;	/* ns since the epoch */
	unsigned char		 bits[WINDOW_BITS / 8];
};
struct journal_cb {
	void	(*session)(void *, const struct jsession *);
	void	(*file)(void *, const char *sensor, const char *name,
		    uint64_t ino, uint64_t size);
	void	(*consumer)(void *, const struct jconsumer *);
};
/* a journal's bytes: the length of the entries that are whole */
size_t	 journal_replay(const unsigned char *, size_t,
	    const struct journal_cb *, void *);
void	 journal_init(struct journal *, struct collector_stats *);
/* before the sandbox: read it, cut the files back, keep the spool open */
int	 journal_load(struct journal *, const struct journal_cb *, void *);
void	 journal_cut(struct journal *);
/* the spool: a file opened (NULL: it cannot be journaled), appended to */
struct jfile	*journal_file(struct journal *, const char *sensor,
		    const char *name, uint64_t ino, uint64_t size);
/* the spool renamed or removed a file: no more to cut at start */
void	 journal_forget(struct journal *, struct jfile *);
struct jfile	*journal_known(struct journal *, const char *sensor,
		    const char *name, uint64_t ino);
void	 journal_grow(struct journal *, struct jfile *, uint64_t size);
/* an entry: its sessions, then the files that grew, as one */
void	 journal_begin(struct journal *);
void	 journal_add_session(struct journal *, const struct jsession *);
void	 journal_add_consumer(struct journal *, const struct jconsumer *);
int	 journal_commit(struct journal *);
/* the whole state as a new journal; sessions() adds every session */
int	 journal_snapshot(struct journal *,
	    void (*sessions)(struct journal *, void *), void *);
int	 journal_full(const struct journal *);
/*
 * in the receiver's sandbox, whatever stores batches: the calls the
 * journal makes once sandboxed, and the descriptors it holds (itself,
 * the spool directory, the new journal of a compaction)
 */
void	 journal_rules(scmp_filter_ctx);
#define JOURNAL_FDS		3

/*
 * unpack.c, in the receiver (and the fuzzer): a plaintext checked
 * down to its records.  The pointers stay valid until
 * batch_unpack_free().
 */
struct checked_batch {
	Batch			*batch;		/* owns what follows */
	const char		*sensor;
	const char		*typename;
	int			 type;		/* index into rectypes[] */
	const unsigned char	*recs;		/* framed records */
	size_t			 len;
	uint32_t		 nrec;
	int			 encoding;	/* WIRE_ENC_*, no flags */
	/* WIRE_ORIGINLEN bytes in the plaintext, or NULL: this datagram */
	const unsigned char	*origin;
	char			 fault[224];	/* why it is not, for the log */
};
/*
 * The decompressors of every encoding and the WIRE_MAX_BATCH bytes
 * they write into, made once: decompressing allocates nothing.  NULL
 * when memory is short.
 */
struct unpacker;
struct unpacker *unpacker_new(void);
/* 0, or -1 with the cause and a message for the log */
int	 batch_unpack(const unsigned char *pt, size_t len, struct unpacker *,
	    struct checked_batch *, enum drop_cause *why, const char **what);
void	 batch_unpack_free(struct checked_batch *);
/*
 * framed records of a type, each checked as a batch's are: 0 and their
 * number in *n, or -1 with the cause and the fault
 */
int	 records_check(int type, const unsigned char *, size_t, uint32_t *n,
	    enum drop_cause *why, char *fault, size_t faultlen);

/*
 * consume.c, in the receiver with input jetstream: each message the
 * publisher fetched is checked as a batch is, stored through the
 * output unless the consumer's window says it was, and answered once
 * the journal has it.
 */
void	 consume_init(const struct collector_conf *,
	    struct collector_stats *, void (*kick)(void),
	    void (*count)(const struct output_batch *), void (*ended)(void));
void	 consume_restore(void *, const struct jconsumer *);
/* the receiver's journal entry and snapshot: the window, if it moved */
void	 consume_journal(struct journal *, int all);
/* the journal has it: each message answered */
void	 consume_committed(void);
/* messages stored but not answered: 0 once it may stop */
unsigned int consume_busy(void);
/*
 * shutdown: the publisher is told to fetch no more, ended() runs once
 * all it fetched came; consume_close(), last, sends the last answers
 */
void	 consume_stop(void);
void	 consume_close(void);

/*
 * validate.c: is an encoded record valid for every proto3 reader,
 * and its addresses of the length their kind has?  record_check()
 * returns 0, or -1 and where and why in the fault.
 */
enum addr_kind {
	ADDR_NONE,		/* not an address: any length */
	ADDR_IP,		/* IPv4 or IPv6: 4 or 16 bytes */
	ADDR_MAC,		/* Ethernet: 6 */
	ADDR_LINK,		/* an ND link-layer address option: 6 to 16 */
	ADDR_ARP,		/* as ARP's hlen or plen says: up to 255 */
};
struct rec_fault {
	const char	*msg;		/* the message it is in */
	const char	*field;		/* its field's name, NULL if unknown */
	uint32_t	 num;		/* its field number, 0 if none */
	const char	*why;
};
int	 record_check(const ProtobufCMessageDescriptor *,
	    const unsigned char *, size_t, struct rec_fault *);
void	 rec_fault_str(const struct rec_fault *, char *, size_t);
enum addr_kind addr_kind(const char *msg, const char *field);
int	 addr_len_ok(enum addr_kind, size_t);
const char *utf8_fault(const unsigned char *, size_t);

/* parse.y */
int	 parse_config(const char *file, struct collector_conf *,
	    struct conf_sensor **);
void	 conf_defaults(struct collector_conf *);

/*
 * config.c: the keywords, and the configuration between processes.  A
 * configuration arriving is built in a config_rx until it is whole.
 */
struct config_rx {
	struct collector_conf	 conf;
	unsigned int		 n;	/* sensors so far */
	int			 state;
};
extern const struct conf_keyword collector_keywords[];
extern const size_t collector_nkeywords;
void	 print_config(const struct collector_conf *);
int	 config_check(const struct collector_conf *);
void	 config_send(int id, const struct collector_conf *, uint32_t peerid);
int	 config_recv(struct config_rx *, const struct imsg *,
	    void (*merge)(struct collector_conf *));
int	 config_take(struct collector_conf *, const struct collector_conf *,
	    int *configured);

#endif /* NCCOLLECTD_H */
