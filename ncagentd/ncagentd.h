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

#ifndef NCAGENTD_H
#define NCAGENTD_H

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "conf.h"
#include "control.h"
#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "wire.h"

#define NCAGENTD_CONF		"/etc/ncagentd.conf"
#define NCAGENTD_USER		"_ncagentd"
#define NCAGENTD_CHROOT		"/var/empty"

#define FLUSH_DEFAULT_MS	1000
#define REKEY_DEFAULT_MS	(600 * 1000)
#define SNAPLEN_DEFAULT		65535
#define CONN_TABLE_DEFAULT	16384
#define CONN_TABLE_MAX		1048576
#define CONN_IDLE_DEFAULT	60
#define CONN_ACTIVE_DEFAULT	300
#define CONN_TIMEOUT_MAX	(7 * 86400)
/* datagrams kept until acknowledged: a few MB, see ncagentd.conf(5) */
#define QUEUE_SIZE_DEFAULT	(4U * 1024 * 1024)
/* buffer-size: the kernel's capture buffer, as tcpdump -B */
#define BUFFER_SIZE_DEFAULT	(4U * 1024 * 1024)
/* the encoding of compressed batches: zlib, which any collector takes */
#define COMPRESSION_DEFAULT	WIRE_ENC_ZLIB
#define BUFFER_SIZE_MIN		(256U * 1024)
#define BUFFER_SIZE_MAX		(1024U * 1024 * 1024)
#define QUEUE_SIZE_MIN		(64U * 1024)
#define QUEUE_SIZE_MAX		(2048U * 1024 * 1024)
/* collectors a sensor may list, in order of preference */
#define COLLECTORS_MAX		8
/* failover-timeout: acks may stop this long before the next collector */
#define FAILOVER_DEFAULT_MS	3000
#define FAILOVER_MIN_MS		500
#define FAILOVER_MAX_MS		(3600 * 1000)

/* the processes, by their place in the table (ncagentd.c) */
enum ncagentd_proc {
	PROC_CAPTURE = PROC_PARENT + 1,	/* packets to batches, sends */
	PROC_CRYPTO,			/* compresses and seals batches */
	PROC_NPROCS
};

enum imsg_type {
	IMSG_NONE,
	IMSG_CONF,		/* parent -> children: struct agent_conf,
				   between IMSG_RECONF_START and _END */
	IMSG_BATCH,		/* capture -> crypto: batch_hdr + plaintext */
	IMSG_DATAGRAM,		/* crypto -> capture: batch_hdr + datagram */
	IMSG_BATCH_TOOBIG,	/* crypto -> capture: batch_hdr + the
				   plaintext it came with */
	IMSG_STATS,		/* capture -> parent: struct agent_stats, at
				   exit, or with ncctl's peerid on request */
	IMSG_SESSION_NEW,	/* crypto -> capture: struct session_new,
				   those before it get no more */
	IMSG_SESSION_DONE,	/* capture -> crypto: the nonce of an older
				   session with nothing left undone */
	IMSG_ACK,		/* capture -> crypto: an ack, as it came */
	IMSG_ACK_OPENED,	/* crypto -> capture: struct ack_opened */
	IMSG_COLLECTOR,		/* capture -> crypto: struct collector_switch,
				   seal for that collector from now on */
	IMSG_RESEAL,		/* capture -> crypto: batch_hdr + the
				   plaintext of a datagram, to seal again */
};

/* one collector line: the key file is the default one when empty */
struct agent_collector {
	char		 host[256];		/* host or address */
	char		 port[16];
	char		 key[PATH_MAX];		/* its own collector-key */
};

/* configuration, as the parent parsed it and the children receive it */
struct agent_conf {
	char		 name[SENSOR_NAME_MAX + 1];	/* sensor name */
	char		 interface[64];
	char		 filter[1024];
	char		 readfile[PATH_MAX];	/* -r, offline */
	struct agent_collector collectors[COLLECTORS_MAX]; /* preferred first */
	unsigned int	 ncollectors;
	char		 collector_key[PATH_MAX];	/* the default key */
	unsigned int	 failover_ms;	/* no ack this long: the next one */
	char		 keyfile[PATH_MAX];	/* empty: ephemeral */
	char		 user[64];
	char		 chroot[PATH_MAX];
	unsigned int	 max_datagram;
	unsigned int	 flush_ms;
	unsigned int	 rekey_ms;		/* new session key every */
	unsigned int	 pad;			/* 0, 1: none */
	unsigned int	 compression;		/* WIRE_ENC_ZLIB or _ZSTD */
	unsigned int	 snaplen;
	unsigned int	 bufsize;		/* the capture buffer */
	int		 promisc;
	int		 verbose;
	unsigned int	 conn_table_size;	/* 0: no Connection records */
	unsigned int	 conn_idle_timeout;	/* seconds */
	unsigned int	 conn_active_timeout;	/* seconds */
	unsigned int	 queue_size;	/* bytes of datagrams kept for acks */
	int		 acks;		/* 0: send and forget */
	int		 replay_wait;	/* -w: seconds at the end of -r, or -1 */
	char		 ctlsock[CTL_PATH_MAX];	/* control socket */
	char		 rctlsock[CTL_PATH_MAX];	/* restricted one, or "" */
};

/*
 * A batch in flight between the capture and crypto children.  With
 * several collectors, a datagram comes back with its plaintext after
 * it (ptlen bytes), which the queue keeps to have it sealed again for
 * another collector; epoch says which collector it was sealed for.
 */
struct batch_hdr {
	uint32_t	 id;		/* capture's batch number */
	uint32_t	 type;		/* index into rectypes[] */
	uint32_t	 nrec;		/* records in the batch */
	uint32_t	 rawlen;	/* length of the framed records */
	uint32_t	 flags;		/* BATCH_ */
	uint32_t	 coll;		/* a probe's collector */
	uint32_t	 epoch;		/* crypto -> capture: sealed in */
	uint32_t	 ptlen;		/* crypto -> capture: plaintext after */
};
#define BATCH_PROBE		0x01	/* seal for coll, in a session of its
					   own, to see whether it answers */
#define BATCH_RESENT		0x02	/* a reseal of a datagram sent before */

/* the collector the crypto child seals for, from a switch on */
struct collector_switch {
	uint32_t	 coll;
	uint32_t	 epoch;
};

/* a new session of the crypto child, in the epoch of a collector */
struct session_new {
	unsigned char	 nonce[WIRE_NONCELEN];
	uint32_t	 epoch;
};

/* an ack the crypto child opened, or could not (ok 0) */
struct ack_opened {
	unsigned char	 nonce[WIRE_NONCELEN];	/* the session it names */
	uint32_t	 ok;
	struct wire_ack	 ack;
};

/* what the capture child counts, per record type and in total */
struct type_stats {
	uint64_t	 records;	/* decoded into a record */
	uint64_t	 errors;	/* decode errors (truncated included) */
	uint64_t	 truncated;	/* header cut short by the capture */
	uint64_t	 unknown;	/* payload of a protocol we do not decode */
	uint64_t	 sent;		/* records handed to the collector */
	uint64_t	 oversize;	/* records too large for any datagram */
	uint64_t	 batches;
	uint64_t	 bytes;		/* of the records made */
	uint64_t	 wire_bytes;	/* of the datagrams sent */
	uint64_t	 resent;	/* records sent again */
	uint64_t	 acked;		/* records acknowledged */
	uint64_t	 qdropped;	/* records dropped from a full queue */
	uint64_t	 qdropped_dgrams;	/* and their datagrams */
	uint64_t	 unacked;	/* records not acknowledged at exit */
};

struct agent_stats {
	uint64_t	 packets;
	uint64_t	 bytes;
	uint64_t	 datagrams;
	uint64_t	 wire_bytes;	/* datagram bytes sent */
	uint64_t	 send_errors;
	uint64_t	 pcap_drops;	/* kernel drops reported by libpcap */
	uint64_t	 linktype_unknown;
	uint64_t	 flows_evicted;	/* connections pushed out of the table */
	uint64_t	 resent;	/* datagrams sent again */
	uint64_t	 acked;		/* datagrams acknowledged */
	uint64_t	 queued;	/* datagrams kept now */
	uint64_t	 queued_bytes;	/* what they take, as queue-size counts */
	uint64_t	 qdropped;	/* datagrams dropped from a full queue */
	uint64_t	 unacked;	/* datagrams not acknowledged at exit */
	uint64_t	 acks;		/* acks opened and taken */
	uint64_t	 acks_refused;	/* malformed, unknown, forged, false */
	uint64_t	 rtt_us;	/* smoothed round-trip time, 0: none yet */
	uint64_t	 rto_ms;	/* the resend timeout now */
	uint64_t	 collector;	/* the one sent to, by its place */
	uint64_t	 failovers;	/* to the next, for lack of acks */
	uint64_t	 failbacks;	/* to a preferred one that answered */
	uint64_t	 probes;	/* batches sent to see if one answers */
	uint64_t	 resealed;	/* datagrams sealed for another */
	uint64_t	 pauses;	/* times reading stopped: crypto child
					   or, -r, queue behind */
	uint64_t	 paused_ms;	/* and for how long in all */
	/*
	 * followed by COLLECTORS_MAX struct coll_stats, then nrectypes
	 * struct type_stats
	 */
};

/* what the capture child counts per collector */
struct coll_stats {
	uint64_t	 sent;		/* datagrams gone out, resends too */
	uint64_t	 acked;		/* datagrams it acknowledged */
	uint64_t	 failovers;	/* times it was left for lack of acks */
	uint64_t	 acks_stale;	/* acks of sessions given up */
};
#define AGENT_STATLEN	(sizeof(struct agent_stats) + COLLECTORS_MAX * \
			    sizeof(struct coll_stats) + nrectypes * \
			    sizeof(struct type_stats))

/*
 * Decoding, in the capture child (decode*.c).  decode_packet() turns
 * one captured frame into records and hands each to the emit function
 * given to decode_init(); it never reads past caplen.
 */
typedef void	(*emit_fn)(void *arg, int type, const ProtobufCMessage *);

void	 decode_init(emit_fn, void *arg, struct type_stats *per_type);
/* 0 if the link type is decoded, -1 if not (counted by the caller) */
int	 decode_linktype_ok(int dlt);
void	 decode_packet(int dlt, int64_t ts_ns, const unsigned char *p,
	    size_t caplen, size_t wirelen);

/*
 * Connection records (decode_flow.c), in the capture child: the table
 * is made once by flow_init(); flow_expire() emits the connections
 * idle at a time given in ns (live capture, when no packets come);
 * flow_shutdown() emits every open one.
 */
void	 flow_init(const struct agent_conf *, emit_fn, void *,
	    struct type_stats *, uint64_t *evicted);
void	 flow_expire(int64_t now_ns);
void	 flow_shutdown(void);
/* the timeouts of a reloaded configuration */
void	 flow_reconf(const struct agent_conf *);
/* SipHash-c-d of len bytes under the 16-byte key k (for t_flow) */
uint64_t flow_siphash(const unsigned char *, const void *, size_t, int,
	    int);

/*
 * The resend timeout (queue.c), as RFC 6298 computes it, in
 * microseconds: SRTT and RTTVAR from round-trip samples, doubled at
 * each timeout of a silent collector up to RTO_MAX_US, and back to
 * what the samples say once it answers.
 */
#define RTO_INITIAL_US		1000000
#define RTO_MIN_US		200000
#define RTO_MAX_US		60000000
#define RTO_G_US		1000		/* our timers' granularity */
struct rto {
	int64_t		 srtt;		/* 0 until the first sample */
	int64_t		 rttvar;
	int64_t		 base;		/* from the samples */
	int64_t		 rto;		/* base, backed off */
};
void	 rto_init(struct rto *);
void	 rto_sample(struct rto *, int64_t rtt);
void	 rto_backoff(struct rto *);
void	 rto_reset(struct rto *);

/*
 * The delivery queue (queue.c), in the capture child: every datagram
 * sent, kept until an ack says it is done, sent again when none does,
 * within each session's window.  Its clock is the caller's, in
 * microseconds.  send() returns 0 once the datagram went out;
 * session_done() says an older session has nothing left.
 */
#define QUEUE_CREDIT_INITIAL	64	/* datagrams before a first ack */
struct dq;
struct dq_hooks {
	int	 (*send)(void *, const unsigned char *, size_t);
	void	 (*session_done)(void *, const unsigned char *nonce);
	void	*arg;
};
/* what the queue holds a datagram for, its payload aside */
#define DQ_COST(len)		((len) + dq_overhead)
extern const size_t	 dq_overhead;

struct dq *dq_new(size_t limit, const struct dq_hooks *,
	    struct agent_stats *, struct type_stats *);
void	 dq_free(struct dq *);
/* a new limit; with drop, the oldest go until the rest fit */
void	 dq_limit(struct dq *, size_t, int drop);
/* a session starts: those before it get no more datagrams */
void	 dq_session(struct dq *, const unsigned char *nonce);
/*
 * Keep a datagram of the newest session (nonce and sequence number
 * are read from it), and its plaintext if pt is not NULL, within the
 * same cost; with drop, the oldest go to make room for it.  counted:
 * it went out before, sealed for another collector, so its first send
 * here counts as a resend.
 */
void	 dq_push(struct dq *, const unsigned char *dgram, size_t len,
	    const unsigned char *pt, size_t ptlen, uint32_t type,
	    uint32_t nrec, int counted, int drop);
/*
 * Every datagram held, oldest first, to fn (sent: it went out at least
 * once, here or, counted, before; dgram: the datagram, pt its
 * plaintext), then forgotten with its session, no session_done()
 * said: the queue is as new, its timeout back to the initial one.
 */
typedef void	 (*dq_drain_fn)(void *, uint32_t type, uint32_t nrec,
		    int sent, const unsigned char *dgram,
		    const unsigned char *pt, size_t ptlen);
void	 dq_drain(struct dq *, dq_drain_fn, void *);
/* 1 while datagrams sent wait for an ack */
int	 dq_waiting(const struct dq *);
/* the resend timeout now, in microseconds */
int64_t	 dq_rto(const struct dq *);
/* send what the sessions' windows let through, oldest first */
void	 dq_pump(struct dq *, int64_t now);
/* 1 if a session of that nonce has datagrams or may get some */
int	 dq_known(const struct dq *, const unsigned char *nonce);
/*
 * An authentic ack: free what it says is done, take its credit and a
 * round-trip sample.  The number freed, or -1 when it says a datagram
 * never sent is done (nothing is freed then).
 */
int	 dq_ack(struct dq *, const unsigned char *nonce,
	    const struct wire_ack *, int64_t now);
/* the resend timer: send again what waited longer than the timeout */
void	 dq_timeout(struct dq *, int64_t now);
/* microseconds until dq_timeout() has something to do, -1: never */
int64_t	 dq_next(const struct dq *, int64_t now);
/* datagrams and bytes held; 1 when reserve more bytes would not fit */
size_t	 dq_count(const struct dq *);
int	 dq_full(const struct dq *, size_t reserve);
/* datagrams held that were never sent: they wait for credit */
size_t	 dq_unsent(const struct dq *);
/* the gauges of agent_stats, now */
void	 dq_gauges(const struct dq *);
/* at exit: count what is held as unacknowledged; datagrams */
size_t	 dq_unacked(struct dq *);
/* for tests: 1 if the datagram is held */
int	 dq_holds(const struct dq *, const unsigned char *nonce,
	    uint64_t seq);

/* the children: their bodies and their sandboxes (capture.c, crypto.c) */
struct sandbox;
void	 capture_main(void);
void	 crypto_main(void);
/* the capture's descriptors depend on how many collectors it has */
extern struct sandbox capture_sandbox;
extern const struct sandbox crypto_sandbox;

/*
 * zenc.c: the crypto child's zlib encoder, for one batch at a time.
 * zenc_zlib() returns the length of the stream, 0 when it does not fit
 * in room; it writes nothing past out + room.
 */
struct zenc;
struct zenc *zenc_new(void);
void	 zenc_free(struct zenc *);
size_t	 zenc_zlib(struct zenc *, const void *in, size_t inlen, void *out,
	    size_t room);

/* parse.y */
int	 parse_config(const char *file, struct agent_conf *);
void	 conf_defaults(struct agent_conf *);

/*
 * config.c: the keywords, and the configuration between processes.  A
 * configuration arriving is built in a config_rx until it is whole.
 */
struct config_rx {
	struct agent_conf	 conf;
	int			 state;
};
extern const struct conf_keyword agent_keywords[];
extern const size_t agent_nkeywords;
void	 print_config(const struct agent_conf *);
const char *collector_keyfile(const struct agent_conf *, unsigned int);
size_t	 agent_budget(const struct agent_conf *);
int	 config_check(const struct agent_conf *);
int	 config_check_capture(const struct agent_conf *, int);
void	 config_send(int id, const struct agent_conf *, uint32_t peerid);
int	 config_recv(struct config_rx *, const struct imsg *,
	    void (*merge)(const struct agent_conf *));
int	 config_take(struct agent_conf *, const struct agent_conf *,
	    int *configured);

#endif /* NCAGENTD_H */
