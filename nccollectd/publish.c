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
 * nccollectd publisher child: with output jetstream, the receiver's
 * checked batches go to a NATS JetStream stream from here, over one
 * connection of the C client (libnats), chrooted to the empty
 * directory, unprivileged, without keys and without the spool.  With
 * output spool it idles, in a sandbox that allows no connection.
 *
 * Each batch is a message on <subject>.<sensor>.<Type> whose payload is
 * the batch's framed records, as the spool appends them to the .ncap
 * file of that sensor and type, with a Nats-Msg-Id made of the sensor
 * key, the session and the sequence number of the datagram it came in
 * (nccollectd.conf(5) has the format).  It is published asynchronously;
 * the receiver learns it was stored only once JetStream acknowledged
 * it, and acks the sensor only then.  While no server can be reached,
 * or the stream is not there, every batch is refused at once: the
 * sensors keep their data and send it again.
 *
 * libnats runs threads of its own (reading the connection, flushing,
 * timers, the acks' callbacks, reconnecting).  They talk to the event
 * loop of this process only through a pipe: each callback writes one
 * struct nats_ev, which is shorter than PIPE_BUF and so written whole.
 * The connection is made once the sandbox is in place: the sandbox has
 * to allow what a reconnect does anyway, and a collector starts
 * whether the servers answer or not.  Host names in url are resolved
 * at start, before the chroot, where the resolver's files still are.
 *
 * With input jetstream the same connection consumes instead: a durable
 * pull consumer of the stream, made if it is not there, whose messages
 * a thread of ours fetches (libnats' fetch waits) and hands to the
 * loop through the same pipe, a pointer to each message in the
 * struct.  The loop sends each to the receiver, which checks and
 * stores it and answers once the journal has it; the message is acked
 * (or terminated, or refused for later) only then.  No more than
 * CONS_MAX_PENDING are between fetch and answer.  At shutdown the
 * receiver asks for no more (IMSG_CONSUMED_STOP): once the fetch under
 * way is over, and its messages sent, the receiver is told that all
 * came (IMSG_CONSUMED_END); its answers to them are acked before the
 * connection closes.  A consumer set up (at start, on a new connection,
 * or made again once the server says it is gone, with its stream
 * perhaps) is fetched for only once the receiver has its stream's
 * creation time and last sequence number (IMSG_CONSUMER_START) and has
 * answered (IMSG_CONSUMER_READY): its window may be another stream's.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/tree.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>
#include <sodium.h>

#include "nccollectd.h"
#include "marks.h"
#include "privsep.h"
#include "proc.h"
#include "records.h"
#include "sandbox.h"
#include "util.h"

/* batches awaiting their acks at most: the receiver sends no more */
#define PUB_MAX_PENDING	JS_MAX_PENDING
/* servers in url at most */
#define PUB_MAX_SERVERS	16
/* how long JetStream API requests (the stream's info) may take, ms */
#define PUB_API_WAIT	2000
/* between connections made again, when libnats gave one up, ms */
#define PUB_REOPEN	1000
/* between looks for the stream while it is not there, ms */
#define PUB_STREAM_RETRY 1000
/* hex key, '.', hex session nonce, '.', sequence number */
#define MSGID_MAX	(2 * WIRE_PKLEN + 1 + 2 * WIRE_NONCELEN + 1 + 20 + 1)
/*
 * the pipe from libnats' threads: an event for each publish that may
 * await its ack, and room for the connection's; within the 1 MB an
 * unprivileged process may ask (fs.pipe-max-size), which the kernel
 * rounds it up to
 */
#define PUB_PIPE_SIZE	((PUB_MAX_PENDING + MARKS_INFLIGHT + 64) * \
			    (int)sizeof(struct nats_ev))
#define PUB_PIPE_MAX	(1024 * 1024)
/* its pipe, the connection and the one a reconnect opens beside it */
#define PUB_FDS		4
/* input jetstream: the fetch thread's pipe too */
#define CONS_FDS	2
/* messages a fetch asks for at most, and how long it waits, ms */
#define CONS_FETCH	64
#define CONS_FETCH_WAIT	500
/* between fetches that failed, ms */
#define CONS_RETRY	1000
/*
 * How far past the consumer's ack floor (below which JetStream sends
 * nothing again) a fetch may go: the receiver tells a message sent
 * again by a window of WINDOW_BITS sequence numbers, which must reach
 * back to every one that may come again.  Past it, the server is
 * asked where the floor is every CONS_FLOOR_WAIT ms, and once the ack
 * wait has passed, those it waits for (delivered before, to a collector
 * that died, or their acks lost) are due: JetStream sends a message
 * again only to a fetch, before any new one, so a fetch of as many as
 * it waits for brings them, and the floor rises.
 */
#define CONS_SPREAD	(WINDOW_BITS / 2)
#define CONS_FLOOR_WAIT	250

/* what libnats' threads tell the loop */
enum nats_ev_kind {
	NEV_ACK,			/* a publish acknowledged, or failed */
	NEV_MARK,		/* the same, of a mark (marks.c) */
	NEV_CONNECTED,
	NEV_DISCONNECTED,
	NEV_CLOSED,
	NEV_ERROR,		/* an asynchronous error of the connection */
	NEV_MSG,		/* input: a message fetched, msg is ours */
	NEV_FETCHED,		/* input: the fetch is over, as status says */
};
struct nats_ev {
	int			 kind;
	int			 status;	/* natsStatus, NATS_OK */
	int			 errcode;	/* jsErrCode */
	int			 duplicate;
	char			 msgid[MSGID_MAX];
	/* why it failed; NEV_MARK: the subject, $KV.<bucket>.<key> */
	char			 text[sizeof("$KV..") + 64 + HWM_KEYLEN];
	/* NEV_MARK: the value written and the revision it made */
	uint64_t		 value, rev;
	natsMsg			*msg;
	/* NEV_FETCHED: the consumer as the server has it, or -1 */
	int64_t			 left, unacked;
	uint64_t		 floor, delivered;
	int			 gone;		/* or it is not there */
};
_Static_assert(PUB_PIPE_SIZE <= PUB_PIPE_MAX,
    "the pipe an unprivileged process may ask for");
/* input jetstream: a fetch, for the thread */
struct fetch_req {
	natsSubscription	*sub;
	natsConnection		*nc;
	jsCtx			*js;
	int			 n;
};
/* a message fetched, awaiting the receiver's answer */
struct held {
	RB_ENTRY(held)		 tree;
	uint64_t		 seq;		/* in the stream */
	natsMsg			*msg;
};
RB_HEAD(held_tree, held);
static int	 held_cmp(struct held *, struct held *);
RB_PROTOTYPE(held_tree, held, tree, held_cmp);
RB_GENERATE(held_tree, held, tree, held_cmp);

/*
 * A batch awaiting its ack, by its message id; the datagram it came in
 * and the one it first went out in, for the marks.
 */
struct inflight {
	RB_ENTRY(inflight)	 tree;
	char			 msgid[MSGID_MAX];
	uint64_t		 id;		/* the receiver's */
	size_t			 len;
	uint64_t		 seq, oseq;
	unsigned char		 pk[WIRE_PKLEN];
	unsigned char		 nonce[WIRE_NONCELEN];
	unsigned char		 onnonce[WIRE_NONCELEN];
};
RB_HEAD(inflight_tree, inflight);
static int	 inflight_cmp(struct inflight *, struct inflight *);
RB_PROTOTYPE(inflight_tree, inflight, tree, inflight_cmp);
RB_GENERATE(inflight_tree, inflight, tree, inflight_cmp);

static int	 pub_reconf(const struct imsg *);
static void	 pub_show_config(uint32_t);
static int	 pub_imsg_receiver(int, struct imsg *);
static void	 pub_merge(struct collector_conf *);
static void	 rules_publisher(scmp_filter_ctx);
static void	 pub_prepare(void);
static void	 pub_connect(void);
static void	 pub_open(int, short, void *);
static void	 pub_reopen(void);
static void	 pub_publish(struct imsg *);
static void	 pub_answer(uint64_t, int);
static void	 pub_marks_ack(const unsigned char *, const unsigned char *,
		    uint64_t, const unsigned char *, uint64_t);
static void	 pub_refuse(uint64_t, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static void	 pub_events(int, short, void *);
static void	 pub_event(const struct nats_ev *);
static void	 pub_stream(int, short, void *);
static void	 pub_stats(uint32_t);
static void	 pub_shutdown(void);
static void	 ev_send(const struct nats_ev *);
static void	 cb_ack(jsCtx *, natsMsg *, jsPubAck *, jsPubAckErr *, void *);
static void	 cb_connected(natsConnection *, void *);
static void	 cb_disconnected(natsConnection *, void *);
static void	 cb_closed(natsConnection *, void *);
static void	 cb_error(natsConnection *, natsSubscription *, natsStatus,
		    void *);
static natsStatus cb_jwt(char **, char **, void *);
static natsStatus cb_sign(char **, unsigned char **, int *, const char *,
		    void *);
static const char *nats_why(natsStatus);
static void	 cons_setup(int, short, void *);
static void	 cons_fetch(void);
static void	 cons_retry(int, short, void *);
static void	 cons_msg(natsMsg *);
static void	 cons_fetched(const struct nats_ev *);
static void	 cons_done(struct imsg *);
static void	 cons_drop(void);
static void	 cons_stop(struct imsg *);
static void	 cons_end(void);
static void	*fetch_thread(void *);
static void	 pub_receiver_eof(int);
static char	*read_file(const char *, size_t *);
static void	 read_creds(const char *);
static void	 resolve_servers(void);

/* the parent's messages, in proc_child_imsg() */
static const struct proc_child	 hooks = {
	pub_reconf, pub_shutdown, pub_stats, pub_show_config, NULL
};
static struct collector_conf	 conf;
static struct config_rx		 rx;
static int			 configured;
static int			 jetstream;	/* output jetstream */
static int			 consuming;	/* input jetstream */
static int			 connecting;	/* either: a connection */
static int			 reqpipe[2] = { -1, -1 };	/* to fetch */
static int			 fetching, reopen_wanted;
static int			 stopping, receiver_gone;
/* the receiver stops: no more fetches; and it was told all came */
static int			 draining, drained;
/* the receiver has the stream of the consumer set up */
static int			 started;
static natsSubscription		*pull;
static struct held_tree		 held = RB_INITIALIZER(&held);
static struct event		 ev_retry;
static struct log_ratelimit	 rl_fetch;
/* the consumer's ack floor and last delivered, as the server said */
static uint64_t			 ack_floor, delivered;
static int64_t			 blocked_ms;	/* since, by the floor */
static int64_t			 ack_wait_ms;	/* the consumer's */
/* for the fetch thread: set at start, never changed */
static char			 cons_stream[sizeof(conf.js.stream)];
static char			 cons_durable[sizeof(conf.js.durable)];
static int			 evpipe[2] = { -1, -1 };
static struct event		 ev_pipe, ev_stream, ev_open;
static int			 closing;	/* the connection, by us */
static natsOptions		*opts;
static natsConnection		*nc;
static jsCtx			*js;
static struct inflight_tree	 inflight = RB_INITIALIZER(&inflight);
static struct js_stats		 stats;
static struct log_ratelimit	 rl_refused, rl_failed, rl_conn;
/* read before the chroot: the servers, TLS and credentials */
static const char		*servers[PUB_MAX_SERVERS];
static int			 nservers;
static char			*expect_host;
static char			*ca_pem, *cert_pem, *key_pem;
static char			*creds_jwt, *creds_seed;

/*
 * What the publisher opens itself: with output jetstream its pipe and
 * the connection, and libnats may have one more while it reconnects.
 * Its threads, with output jetstream only, are counted in the filter's
 * place: RLIMIT_NPROC counts every process of the user, not ours.
 */
struct sandbox			 publisher_sandbox = { rules_publisher, 0, 0,
				    0 };

void
publisher_main(void)
{
	struct priv_user	 user;

	event_init();
	proc_child_hooks(&hooks);
	proc_wait(PROC_PARENT, proc_child_imsg, &configured);
	jetstream = conf.output == OUTPUT_JETSTREAM;
	consuming = conf.input == INPUT_JETSTREAM;
	connecting = jetstream || consuming;
	strlcpy(cons_stream, conf.js.stream, sizeof(cons_stream));
	strlcpy(cons_durable, conf.js.durable, sizeof(cons_durable));

	priv_lookup(&user, conf.user);
	if (connecting)
		pub_prepare();
	/* the empty directory: nothing to see, nothing to write */
	priv_drop(&user, conf.chroot);
	if (connecting) {
		publisher_sandbox.fds = PUB_FDS + (consuming ? CONS_FDS : 0);
		publisher_sandbox.threads = 1;
	}
	proc_sandbox();

	proc_listen(PROC_PARENT, proc_child_imsg, NULL);
	proc_listen(PROC_RECEIVER, pub_imsg_receiver, pub_receiver_eof);
	if (connecting) {
		event_set(&ev_pipe, evpipe[0], EV_READ | EV_PERSIST,
		    pub_events, NULL);
		event_add(&ev_pipe, NULL);
		evtimer_set(&ev_stream, consuming ? cons_setup : pub_stream,
		    NULL);
		evtimer_set(&ev_retry, cons_retry, NULL);
		pub_connect();
	}
	if (consuming) {
		pthread_t	t;
		int		e;

		if ((e = pthread_create(&t, NULL, fetch_thread, NULL)) != 0)
			fatalx("pthread_create: %s", strerror(e));
		pthread_detach(t);
	}
	proc_child_ready();
	event_dispatch();
	fatalx("event loop ended");
}

static int
inflight_cmp(struct inflight *a, struct inflight *b)
{
	return (strcmp(a->msgid, b->msgid));
}

/*
 * Still root, outside the chroot: what the connection needs from files
 * and the resolver, read now, and the pipe from libnats' threads.
 */
static void
pub_prepare(void)
{
	size_t	len;

	if (conf.js.ca[0] != '\0' && (ca_pem = read_file(conf.js.ca,
	    &len)) == NULL)
		fatal("jetstream ca %s", conf.js.ca);
	if (conf.js.cert[0] != '\0' && ((cert_pem = read_file(conf.js.cert,
	    &len)) == NULL || (key_pem = read_file(conf.js.key,
	    &len)) == NULL))
		fatal("jetstream certificate %s key %s", conf.js.cert,
		    conf.js.key);
	if (conf.js.creds[0] != '\0')
		read_creds(conf.js.creds);
	resolve_servers();
	if (pipe2(evpipe, O_CLOEXEC) == -1 ||
	    (consuming && pipe2(reqpipe, O_CLOEXEC) == -1))
		fatal("pipe2");
	/*
	 * room for an event of each publish awaiting its ack and more, so
	 * that a thread of libnats never waits on the loop
	 */
	if (fcntl(evpipe[1], F_SETPIPE_SZ, PUB_PIPE_SIZE) == -1)
		log_warn("jetstream: pipe of %d bytes", PUB_PIPE_SIZE);
	/* the loop never waits on the pipe; libnats' threads may */
	if (fcntl(evpipe[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
}

/* a whole file, NUL-terminated, or NULL */
static char *
read_file(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	size_t		 done;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	if (fstat(fd, &sb) == -1 || sb.st_size > 1024 * 1024) {
		if (errno == 0)
			errno = EFBIG;
		close(fd);
		return (NULL);
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL)
		fatal(NULL);
	for (done = 0; done < (size_t)sb.st_size; done += (size_t)n)
		if ((n = read(fd, buf + done, (size_t)sb.st_size -
		    done)) <= 0) {
			close(fd);
			free(buf);
			return (NULL);
		}
	close(fd);
	buf[done] = '\0';
	*len = done;
	return (buf);
}

/*
 * A NATS credentials file: the user's JWT, and the seed of the key
 * that signs the server's nonce, each on the line after its BEGIN
 * line.  Kept in memory: the file is out of reach once chrooted.
 */
static void
read_creds(const char *path)
{
	char	*buf, *line, *next, **want = NULL;
	size_t	 len;

	if ((buf = read_file(path, &len)) == NULL)
		fatal("jetstream credentials %s", path);
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (want != NULL && line[0] != '\0') {
			if ((*want = strdup(line)) == NULL)
				fatal(NULL);
			want = NULL;
		} else if (strstr(line, "BEGIN NATS USER JWT") != NULL)
			want = &creds_jwt;
		else if (strstr(line, "BEGIN USER NKEY SEED") != NULL)
			want = &creds_seed;
	}
	sodium_memzero(buf, len);
	free(buf);
	if (creds_jwt == NULL || creds_seed == NULL)
		fatalx("jetstream credentials %s: no user JWT and seed", path);
}

/*
 * The servers of url, each host name replaced by its addresses: inside
 * the chroot there is no resolver.  With TLS the certificate is checked
 * against the first name given.
 */
static void
resolve_servers(void)
{
	struct addrinfo	 hints, *res, *ai;
	char		 list[sizeof(conf.js.url)], addr[INET6_ADDRSTRLEN];
	char		 host[256], *url, *last, *h, *e, *s;
	unsigned char	 dummy[16];
	size_t		 hl;
	int		 error, i;

	strlcpy(list, conf.js.url, sizeof(list));
	for (url = strtok_r(list, ", ", &last); url != NULL;
	    url = strtok_r(NULL, ", ", &last)) {
		if (nservers == PUB_MAX_SERVERS)
			fatalx("jetstream url: more than %d servers",
			    PUB_MAX_SERVERS);
		/* scheme://[user[:password]@]host[:port] */
		h = (h = strstr(url, "://")) != NULL ? h + 3 : url;
		if ((e = strchr(h, '@')) != NULL)
			h = e + 1;
		if (*h == '[') {
			/* an IPv6 address, numeric already */
			if ((s = strdup(url)) == NULL)
				fatal(NULL);
			servers[nservers++] = s;
			continue;
		}
		hl = strcspn(h, ":/");
		if (hl == 0 || hl >= sizeof(host))
			fatalx("jetstream url %s: no host", url);
		memcpy(host, h, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, dummy) == 1) {
			if ((s = strdup(url)) == NULL)
				fatal(NULL);
			servers[nservers++] = s;
			continue;
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if ((error = getaddrinfo(host, NULL, &hints, &res)) != 0)
			fatalx("jetstream url %s: %s", url,
			    gai_strerror(error));
		/* every address of it: a server may listen on one only */
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (ai->ai_family == AF_INET6)
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
				    ai->ai_addr)->sin6_addr, addr,
				    sizeof(addr));
			else if (ai->ai_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)
				    ai->ai_addr)->sin_addr, addr, sizeof(addr));
			else
				continue;
			if (asprintf(&s, "%.*s%s%s%s%s", (int)(h - url), url,
			    ai->ai_family == AF_INET6 ? "[" : "", addr,
			    ai->ai_family == AF_INET6 ? "]" : "",
			    h + hl) == -1)
				fatal(NULL);
			for (i = 0; i < nservers; i++)
				if (strcmp(servers[i], s) == 0)
					break;
			if (i < nservers) {
				free(s);
				continue;
			}
			if (nservers == PUB_MAX_SERVERS)
				fatalx("jetstream url: more than %d servers",
				    PUB_MAX_SERVERS);
			log_debug("jetstream: %s is %s", url, s);
			servers[nservers++] = s;
		}
		freeaddrinfo(res);
		if (expect_host == NULL && (expect_host = strdup(host)) == NULL)
			fatal(NULL);
	}
	if (nservers == 0)
		fatalx("jetstream url: no server");
}

/*
 * Sandboxed: the library, its options and the first connection.  A
 * connect waits for each server up to PUB_API_WAIT, in the loop: with
 * none connected there is nothing else to do but answer ncctl.
 */
static void
pub_connect(void)
{
	natsStatus	 s;

	s = natsOptions_Create(&opts);
	if (s == NATS_OK)
		s = natsOptions_SetServers(opts, servers,
		    nservers);
	if (s == NATS_OK)
		s = natsOptions_SetName(opts, "nccollectd");
	/* the listed servers only, whose addresses we know */
	if (s == NATS_OK)
		s = natsOptions_SetIgnoreDiscoveredServers(opts, true);
	/* forever, every half second or so: nothing is lost meanwhile */
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(opts, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(opts, 500);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectJitter(opts, 100, 100);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(opts, PUB_API_WAIT);
	/* a server that stopped answering is left within seconds */
	if (s == NATS_OK)
		s = natsOptions_SetPingInterval(opts, 2000);
	if (s == NATS_OK)
		s = natsOptions_SetMaxPingsOut(opts, 2);
	if (s == NATS_OK)
		s = natsOptions_SetFailRequestsOnDisconnect(opts, true);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(opts, cb_disconnected, NULL);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(opts, cb_connected, NULL);
	if (s == NATS_OK)
		s = natsOptions_SetClosedCB(opts, cb_closed, NULL);
	if (s == NATS_OK)
		s = natsOptions_SetErrorHandler(opts, cb_error, NULL);
	if (s == NATS_OK && conf.js.user[0] != '\0')
		s = natsOptions_SetUserInfo(opts, conf.js.user,
		    conf.js.password);
	if (s == NATS_OK && conf.js.token[0] != '\0')
		s = natsOptions_SetToken(opts, conf.js.token);
	if (s == NATS_OK && creds_jwt != NULL)
		s = natsOptions_SetUserCredentialsCallbacks(opts, cb_jwt, NULL,
		    cb_sign, NULL);
	if (s == NATS_OK && ca_pem != NULL) {
		s = natsOptions_SetSecure(opts, true);
		if (s == NATS_OK)
			s = natsOptions_SetCATrustedCertificates(opts, ca_pem);
	}
	if (s == NATS_OK && cert_pem != NULL)
		s = natsOptions_SetCertificatesChain(opts, cert_pem, key_pem);
	if (s == NATS_OK && ca_pem != NULL && expect_host != NULL)
		s = natsOptions_SetExpectedHostname(opts, expect_host);
	if (s != NATS_OK)
		fatalx("jetstream: options: %s", nats_why(s));
	if (key_pem != NULL) {
		sodium_memzero(key_pem, strlen(key_pem));
		free(key_pem);
		key_pem = NULL;
	}

	evtimer_set(&ev_open, pub_open, NULL);
	pub_open(-1, 0, NULL);
}

/*
 * A connection, and its JetStream context, tried every PUB_REOPEN
 * until one is made (it says why not, where libnats' own retries would
 * not); libnats then reconnects one that is lost, and one it gives up
 * on (a server refusing our credentials twice) is made again here.
 */
static void
pub_open(int fd, short event, void *arg)
{
	jsOptions	 jo;
	natsStatus	 s;

	s = natsConnection_Connect(&nc, opts);
	if (s != NATS_OK) {
		nc = NULL;
		snprintf(stats.last_error, sizeof(stats.last_error),
		    "connect: %s", nats_why(s));
		log_warnx_rl(&rl_conn, "jetstream: %s: %s until a server of %s "
		    "answers", stats.last_error, consuming ? "nothing is "
		    "consumed" : "batches are refused, and sensors keep them,",
		    conf.js.url);
		evtimer_add_ms(&ev_open, PUB_REOPEN);
		return;
	}
	jsOptions_Init(&jo);
	jo.Wait = PUB_API_WAIT;
	jo.PublishAsync.AckHandler = cb_ack;
	/* the bound is ours, PUB_MAX_PENDING: the library never stalls */
	jo.PublishAsync.MaxPending = 0;
	if ((s = natsConnection_JetStream(&js, nc, &jo)) != NATS_OK)
		fatalx("jetstream: context: %s", nats_why(s));
	if (natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED) {
		struct nats_ev	ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = NEV_CONNECTED;
		pub_event(&ev);
	}
}

/*
 * A connection libnats closed, not by us: what awaited its acks is
 * refused (the library forgets it with the context), and a new one is
 * made.
 */
static void
pub_reopen(void)
{
	struct inflight	*f;
	const char	*why = NULL;

	/* the fetch thread holds the subscription until its fetch ends */
	if (fetching) {
		reopen_wanted = 1;
		return;
	}
	reopen_wanted = 0;
	cons_drop();
	if (natsConnection_GetLastError(nc, &why) != NATS_OK && why != NULL &&
	    why[0] != '\0')
		snprintf(stats.last_error, sizeof(stats.last_error),
		    "connection closed: %s", why);
	while ((f = RB_ROOT(&inflight)) != NULL) {
		RB_REMOVE(inflight_tree, &inflight, f);
		stats.pending--;
		stats.errors++;
		pub_answer(f->id, 0);
		free(f);
	}
	marks_close();
	jsCtx_Destroy(js);
	js = NULL;
	natsConnection_Destroy(nc);
	nc = NULL;
	log_warnx_rl(&rl_conn, "jetstream: %s: a new connection in %d ms",
	    stats.last_error[0] ? stats.last_error : "connection closed",
	    PUB_REOPEN);
	evtimer_add_ms(&ev_open, PUB_REOPEN);
}

/*
 * The stream, once connected: created if it is not there (and create
 * yes), else taken as it is.  Until then nothing is published; a
 * JetStream that is not ready yet (a cluster still electing its
 * leader) is asked again every PUB_STREAM_RETRY.
 */
static void
pub_stream(int fd, short event, void *arg)
{
	jsStreamConfig	 sc;
	jsStreamInfo	*si = NULL;
	jsErrCode	 jerr = 0;
	natsStatus	 s;
	char		 subj[sizeof(conf.js.subject) + 2];
	const char	*subjs[1];

	if (!stats.connected || stats.ready)
		return;
	s = js_GetStreamInfo(&si, js, conf.js.stream, NULL, &jerr);
	if (s == NATS_NOT_FOUND && conf.js.create) {
		jsStreamConfig_Init(&sc);
		snprintf(subj, sizeof(subj), "%s.>", conf.js.subject);
		subjs[0] = subj;
		sc.Name = conf.js.stream;
		sc.Subjects = subjs;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		sc.Replicas = (int64_t)conf.js.replicas;
		sc.Duplicates = (int64_t)conf.js.dupwindow * 1000000000LL;
		s = js_AddStream(&si, js, &sc, NULL, &jerr);
		if (s == NATS_OK)
			log_info("jetstream: stream %s created, subjects %s, "
			    "%u replicas, duplicate window %us",
			    conf.js.stream, subj, conf.js.replicas,
			    conf.js.dupwindow);
	}
	if (s != NATS_OK) {
		snprintf(stats.last_error, sizeof(stats.last_error),
		    "stream %s: %s (%d)", conf.js.stream,
		    s == NATS_NOT_FOUND ? "not found" : nats_why(s),
		    (int)jerr);
		log_warnx_rl(&rl_conn, "jetstream: %s: batches are refused "
		    "until it is there", stats.last_error);
		evtimer_add_ms(&ev_stream, PUB_STREAM_RETRY);
		return;
	}
	if (si->Config != NULL && si->Config->Replicas !=
	    (int64_t)conf.js.replicas)
		log_info("jetstream: stream %s has %lld replicas, not %u: "
		    "taken as it is", conf.js.stream,
		    (long long)si->Config->Replicas, conf.js.replicas);
	/* the sessions' marks, shared with the stream's other collectors */
	if (marks_open(js, &conf, si->Config != NULL ?
	    si->Config->Duplicates : 0, stats.last_error,
	    sizeof(stats.last_error)) == -1) {
		jsStreamInfo_Destroy(si);
		log_warnx_rl(&rl_conn, "jetstream: %s: batches are refused "
		    "until it is there", stats.last_error);
		evtimer_add_ms(&ev_stream, PUB_STREAM_RETRY);
		return;
	}
	jsStreamInfo_Destroy(si);
	stats.ready = 1;
	log_info("jetstream: publishing to stream %s on %s",
	    conf.js.stream, stats.server);
}

/* libnats' last error in this thread, without its "(file:line): " */
static const char *
nats_why(natsStatus s)
{
	const char	*t, *p;

	if ((t = nats_GetLastError(NULL)) == NULL || t[0] == '\0')
		return (natsStatus_GetText(s));
	if (t[0] == '(' && (p = strstr(t, "): ")) != NULL)
		return (p + 3);
	return (t);
}

/* libnats' threads: each event whole through the pipe */
static void
ev_send(const struct nats_ev *ev)
{
	ssize_t	n;

	do
		n = write(evpipe[1], ev, sizeof(*ev));
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(*ev))
		abort();
}

static void
cb_ack(jsCtx *ctx, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae,
    void *closure)
{
	struct nats_ev	 ev;
	const char	*id = NULL;

	memset(&ev, 0, sizeof(ev));
	ev.kind = NEV_ACK;
	if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK &&
	    id != NULL)
		strlcpy(ev.msgid, id, sizeof(ev.msgid));
	/* a mark's write: its subject in the bucket, and its value */
	if ((id = natsMsg_GetSubject(msg)) != NULL &&
	    strncmp(id, "$KV.", 4) == 0) {
		ev.kind = NEV_MARK;
		strlcpy(ev.text, id, sizeof(ev.text));
		(void)marks_number(natsMsg_GetData(msg),
		    natsMsg_GetDataLength(msg), &ev.value);
	}
	if (pa != NULL) {
		ev.duplicate = pa->Duplicate;
		ev.rev = pa->Sequence;
	} else if (pae != NULL) {
		ev.status = pae->Err != NATS_OK ? (int)pae->Err : NATS_ERR;
		ev.errcode = (int)pae->ErrCode;
		if (ev.kind == NEV_ACK)
			strlcpy(ev.text, pae->ErrText != NULL ?
			    pae->ErrText : natsStatus_GetText(pae->Err),
			    sizeof(ev.text));
	} else
		ev.status = NATS_ERR;
	natsMsg_Destroy(msg);
	ev_send(&ev);
}

static void
cb_connected(natsConnection *c, void *closure)
{
	struct nats_ev	ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = NEV_CONNECTED;
	ev_send(&ev);
}

static void
cb_disconnected(natsConnection *c, void *closure)
{
	struct nats_ev	ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = NEV_DISCONNECTED;
	ev_send(&ev);
}

static void
cb_closed(natsConnection *c, void *closure)
{
	struct nats_ev	ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = NEV_CLOSED;
	ev_send(&ev);
}

static void
cb_error(natsConnection *c, natsSubscription *sub, natsStatus err,
    void *closure)
{
	struct nats_ev	ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = NEV_ERROR;
	ev.status = (int)err;
	strlcpy(ev.text, natsStatus_GetText(err), sizeof(ev.text));
	ev_send(&ev);
}

/* credentials: the JWT, and the nonce signed with the seed */
static natsStatus
cb_jwt(char **jwt, char **err, void *closure)
{
	if ((*jwt = strdup(creds_jwt)) == NULL)
		return (NATS_NO_MEMORY);
	return (NATS_OK);
}

static natsStatus
cb_sign(char **err, unsigned char **sig, int *siglen, const char *nonce,
    void *closure)
{
	return (nats_Sign(creds_seed, nonce, sig, siglen));
}

/* the loop: what the threads wrote */
static void
pub_events(int fd, short event, void *arg)
{
	struct nats_ev	 ev;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < 256; i++) {
		if ((n = read(fd, &ev, sizeof(ev))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				fatal("read");
			return;
		}
		if (n != (ssize_t)sizeof(ev))
			fatalx("libnats' pipe: %zd bytes", n);
		pub_event(&ev);
	}
}

static void
pub_event(const struct nats_ev *ev)
{
	struct inflight	 key, *f;

	switch (ev->kind) {
	case NEV_MARK:
		marks_written(ev->text, ev->value, ev->status, ev->errcode,
		    ev->rev);
		break;
	case NEV_ACK:
		strlcpy(key.msgid, ev->msgid, sizeof(key.msgid));
		/* one the shutdown gave up on */
		if ((f = RB_FIND(inflight_tree, &inflight, &key)) == NULL)
			return;
		RB_REMOVE(inflight_tree, &inflight, f);
		stats.pending--;
		if (ev->status == NATS_OK) {
			stats.published++;
			stats.bytes += f->len;
			if (ev->duplicate)
				stats.duplicates++;
			pub_marks_ack(f->pk, f->nonce, f->seq, f->onnonce,
			    f->oseq);
			pub_answer(f->id, 1);
		} else {
			stats.errors++;
			snprintf(stats.last_error, sizeof(stats.last_error),
			    "publish: %s (%d)", ev->text, ev->errcode);
			log_warnx_rl(&rl_failed, "jetstream: %s: %s",
			    ev->msgid, stats.last_error);
			pub_answer(f->id, 0);
		}
		free(f);
		break;
	case NEV_CONNECTED:
		/* of a connection given up on since */
		if (nc == NULL)
			return;
		stats.connected = 1;
		stats.ready = 0;
		if (natsConnection_GetConnectedUrl(nc, stats.server,
		    sizeof(stats.server)) != NATS_OK)
			stats.server[0] = '\0';
		log_info("jetstream: connected to %s", stats.server);
		if (evtimer_pending(&ev_stream, NULL))
			evtimer_del(&ev_stream);
		if (consuming)
			cons_setup(-1, 0, NULL);
		else
			pub_stream(-1, 0, NULL);
		break;
	case NEV_DISCONNECTED:
		if (stats.connected)
			stats.disconnects++;
		stats.connected = stats.ready = 0;
		snprintf(stats.last_error, sizeof(stats.last_error),
		    "disconnected from %.200s", stats.server[0] ? stats.server :
		    conf.js.url);
		log_warnx("jetstream: %s: %s until a server answers",
		    stats.last_error, consuming ? "nothing is consumed" :
		    "batches are refused, and sensors keep them,");
		stats.server[0] = '\0';
		break;
	case NEV_CLOSED:
		stats.connected = stats.ready = 0;
		stats.server[0] = '\0';
		log_debug("jetstream: connection closed");
		if (!closing && nc != NULL)
			pub_reopen();
		break;
	case NEV_ERROR:
		snprintf(stats.last_error, sizeof(stats.last_error),
		    "connection: %s", ev->text);
		log_warnx_rl(&rl_conn, "jetstream: %s", stats.last_error);
		break;
	case NEV_MSG:
		cons_msg(ev->msg);
		break;
	case NEV_FETCHED:
		cons_fetched(ev);
		break;
	default:
		fatalx("libnats' pipe: event %d", ev->kind);
	}
}

static void
pub_answer(uint64_t id, int stored)
{
	struct pub_res	res;

	memset(&res, 0, sizeof(res));
	res.id = id;
	res.stored = stored;
	if (proc_compose(PROC_RECEIVER, IMSG_PUBLISHED, 0, -1, &res,
	    sizeof(res)) == -1)
		fatal("imsg_compose");
}

static void
pub_refuse(uint64_t id, const char *fmt, ...)
{
	va_list	ap;

	stats.errors++;
	va_start(ap, fmt);
	vsnprintf(stats.last_error, sizeof(stats.last_error), fmt, ap);
	va_end(ap);
	log_warnx_rl(&rl_refused, "jetstream: batch refused: %s",
	    stats.last_error);
	pub_answer(id, 0);
}

/* <subject>.<sensor>.<Type>, the sensor's name as subject_sensor_put() */
static void
pub_subject(char *buf, size_t len, const char *sensor, const char *type)
{
	size_t	off;
	int	n;

	off = strlcpy(buf, conf.js.subject, len);
	if (off + 1 < len)
		buf[off++] = '.';
	if (off < len && (n = subject_sensor_put(buf + off, len - off,
	    sensor)) != -1)
		off += (size_t)n;
	buf[off < len ? off : len - 1] = '\0';
	strlcat(buf, ".", len);
	strlcat(buf, type, len);
}

/*
 * JetStream has a batch: the marks learn it, as the datagram it came in
 * and, sealed again, as the one it first went out in.
 */
static void
pub_marks_ack(const unsigned char *pk, const unsigned char *nonce,
    uint64_t seq, const unsigned char *onnonce, uint64_t oseq)
{
	marks_ack(pk, nonce, seq);
	if (oseq != seq || memcmp(onnonce, nonce, WIRE_NONCELEN) != 0)
		marks_ack(pk, onnonce, oseq);
}

/* a batch from the receiver, published or refused at once */
static void
pub_publish(struct imsg *imsg)
{
	struct pub_req		 req;
	struct inflight		*f;
	jsPubOptions		 po;
	natsMsg			*m = NULL;
	natsStatus		 s;
	const unsigned char	*recs;
	char			 subject[sizeof(conf.js.subject) +
				    3 * SENSOR_NAME_MAX + RECTYPE_NAME_MAX + 3];
	char			 nonce[2 * WIRE_NONCELEN + 1];
	char			 pk[2 * WIRE_PKLEN + 1], num[32];
	size_t			 len;
	int			 r, resealed;

	if (IMSG_DATA_SIZE(imsg) < sizeof(req) ||
	    IMSG_DATA_SIZE(imsg) - sizeof(req) > WIRE_MAX_BATCH)
		fatalx("IMSG_PUBLISH: bad length");
	memcpy(&req, imsg->data, sizeof(req));
	recs = (const unsigned char *)imsg->data + sizeof(req);
	len = IMSG_DATA_SIZE(imsg) - sizeof(req);
	req.sensor[sizeof(req.sensor) - 1] = '\0';
	if (req.type < 0 || (size_t)req.type >= nrectypes)
		fatalx("IMSG_PUBLISH: record type %d", req.type);
	if (!jetstream)
		fatalx("IMSG_PUBLISH: the output is the spool");
	if (!stats.ready) {
		pub_refuse(req.id, "%s", stats.connected ? "the stream is not "
		    "there yet" : "no server connected");
		return;
	}
	if (stats.pending >= PUB_MAX_PENDING) {
		pub_refuse(req.id, "%d batches await their acks already",
		    PUB_MAX_PENDING);
		return;
	}
	/*
	 * Stored already, by us or another collector: a replay of this
	 * datagram, or, sealed again, of the one it first went out in.
	 */
	resealed = req.oseq != req.seq ||
	    memcmp(req.onnonce, req.nonce, sizeof(req.nonce)) != 0;
	r = marks_check(req.pk, req.nonce, req.seq, req.sensor);
	if (r == 0 && resealed)
		r = marks_check(req.pk, req.onnonce, req.oseq, req.sensor);
	switch (r) {
	case 1:
		pub_marks_ack(req.pk, req.nonce, req.seq, req.onnonce,
		    req.oseq);
		pub_answer(req.id, 1);
		return;
	case -1:
		pub_refuse(req.id, "the mark of its session could not be "
		    "read from bucket %s", conf.js.marks);
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		fatal(NULL);
	/* named after the datagram it first went out in */
	sodium_bin2hex(pk, sizeof(pk), req.pk, sizeof(req.pk));
	sodium_bin2hex(nonce, sizeof(nonce), req.onnonce,
	    sizeof(req.onnonce));
	snprintf(f->msgid, sizeof(f->msgid), "%s.%s.%llu", pk, nonce,
	    (unsigned long long)req.oseq);
	f->id = req.id;
	f->len = len;
	f->seq = req.seq;
	f->oseq = req.oseq;
	memcpy(f->pk, req.pk, sizeof(f->pk));
	memcpy(f->nonce, req.nonce, sizeof(f->nonce));
	memcpy(f->onnonce, req.onnonce, sizeof(f->onnonce));
	if (RB_INSERT(inflight_tree, &inflight, f) != NULL) {
		free(f);
		pub_refuse(req.id, "a batch of the same datagram awaits its "
		    "ack");
		return;
	}
	pub_subject(subject, sizeof(subject), req.sensor,
	    rectypes[req.type]->name);
	s = natsMsg_Create(&m, subject, NULL, (const char *)recs, (int)len);
	snprintf(num, sizeof(num), "%u", req.nrec);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Ncap-Records", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)req.created);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Ncap-Session-Start", num);
	jsPubOptions_Init(&po);
	po.MsgId = f->msgid;
	po.ExpectStream = conf.js.stream;
	po.MaxWait = conf.js.timeout;
	if (s == NATS_OK)
		s = js_PublishMsgAsync(js, &m, &po);
	if (s != NATS_OK) {
		natsMsg_Destroy(m);
		RB_REMOVE(inflight_tree, &inflight, f);
		free(f);
		pub_refuse(req.id, "publish: %s", nats_why(s));
		return;
	}
	stats.pending++;
}

static int
pub_imsg_receiver(int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_PUBLISH:
		pub_publish(imsg);
		break;
	case IMSG_CONSUMED_DONE:
		if (!consuming)
			fatalx("IMSG_CONSUMED_DONE: the input is sensors");
		cons_done(imsg);
		break;
	case IMSG_CONSUMED_STOP:
		if (!consuming)
			fatalx("IMSG_CONSUMED_STOP: the input is sensors");
		cons_stop(imsg);
		break;
	case IMSG_CONSUMER_READY:
		if (!consuming)
			fatalx("IMSG_CONSUMER_READY: the input is sensors");
		imsg_expect(imsg, 0, "IMSG_CONSUMER_READY");
		started = 1;
		cons_fetch();
		break;
	default:
		fatalx("receiver: unexpected imsg %u", imsg->hdr.type);
	}
	return (0);
}

static void
pub_stats(uint32_t peerid)
{
	stats.server[sizeof(stats.server) - 1] = '\0';
	marks_stats(&stats.replays, &stats.mark_errors);
	if (proc_compose(PROC_PARENT, IMSG_JS_STATS, peerid, -1, &stats,
	    sizeof(stats)) == -1)
		fatal("imsg_compose");
}

/*
 * The receiver has gone, every batch answered: what is still in flight
 * was given up with it.  The connection is flushed and closed.
 */
static void
pub_shutdown(void)
{
	struct inflight	*f;

	/* input: the receiver's last answers, until its channel ends */
	stopping = 1;
	if (consuming && !receiver_gone)
		return;

	while ((f = RB_ROOT(&inflight)) != NULL) {
		RB_REMOVE(inflight_tree, &inflight, f);
		free(f);
	}
	if (nc != NULL) {
		if (consuming)
			log_info("jetstream: %llu messages fetched, %llu of "
			    "them again", (unsigned long long)stats.fetched,
			    (unsigned long long)stats.redelivered);
		else
			log_info("jetstream: %llu batches published, %llu of "
			    "them duplicates, %llu failed", (unsigned long long)
			    stats.published, (unsigned long long)
			    stats.duplicates, (unsigned long long)stats.errors);
		marks_close();
		closing = 1;
		/* the last acks out before the connection goes */
		if (consuming && stats.connected)
			natsConnection_FlushTimeout(nc, PUB_API_WAIT);
		natsConnection_Close(nc);
	}
	proc_child_done();
}

static int
pub_reconf(const struct imsg *imsg)
{
	return (config_recv(&rx, imsg, pub_merge));
}

static void
pub_show_config(uint32_t peerid)
{
	config_send(PROC_PARENT, &conf, peerid);
}

/* nothing of the output reloads: the configuration, for show config */
static void
pub_merge(struct collector_conf *n)
{
	config_take(&conf, n, &configured);
}

/* the receiver's channel ended: its answers are all in */
static void
pub_receiver_eof(int id)
{
	proc_eof_ignore(id);
	if (receiver_gone)
		return;
	receiver_gone = 1;
	if (consuming && stopping)
		pub_shutdown();
}

static int
held_cmp(struct held *a, struct held *b)
{
	return (a->seq < b->seq ? -1 : a->seq > b->seq);
}

/*
 * input jetstream, once connected: the durable consumer, made if it is
 * not there (every message of the subjects, each acked by us, sent
 * again after timeout), else taken as it is; then the subscription
 * that fetches for it.  Until the stream is there, asked again every
 * PUB_STREAM_RETRY.  A connection libnats made again keeps its
 * subscription.
 */
static void
cons_setup(int fd, short event, void *arg)
{
	struct cons_start	 cs;
	jsConsumerConfig	 cc;
	jsConsumerInfo		*ci = NULL;
	jsStreamInfo		*si = NULL;
	jsSubOptions		 so;
	jsErrCode		 jerr = 0;
	natsStatus		 s;
	char			 filter[sizeof(conf.js.subject) + 2];

	if (!stats.connected || stats.ready)
		return;
	if (pull != NULL) {
		stats.ready = 1;
		log_info("jetstream: consuming stream %s as %s on %s again",
		    conf.js.stream, conf.js.durable, stats.server);
		cons_fetch();
		return;
	}
	snprintf(filter, sizeof(filter), "%s.>", conf.js.subject);
	/* which stream it is, for the receiver's window */
	memset(&cs, 0, sizeof(cs));
	if ((s = js_GetStreamInfo(&si, js, conf.js.stream, NULL, &jerr)) ==
	    NATS_OK) {
		cs.created = si->Created > 0 ? (uint64_t)si->Created : 0;
		cs.last = si->State.LastSeq;
		jsStreamInfo_Destroy(si);
		jerr = 0;
		s = js_GetConsumerInfo(&ci, js, conf.js.stream,
		    conf.js.durable, NULL, &jerr);
	}
	if (s == NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
		jsConsumerConfig_Init(&cc);
		cc.Durable = conf.js.durable;
		cc.DeliverPolicy = js_DeliverAll;
		cc.AckPolicy = js_AckExplicit;
		cc.AckWait = (int64_t)conf.js.timeout * 1000000;
		cc.FilterSubject = filter;
		cc.MaxAckPending = CONS_MAX_PENDING;
		s = js_AddConsumer(&ci, js, conf.js.stream, &cc, NULL, &jerr);
		if (s == NATS_OK) {
			cs.made = 1;
			log_info("jetstream: consumer %s of stream %s created, "
			    "subjects %s, ack wait %ums", conf.js.durable,
			    conf.js.stream, filter, conf.js.timeout);
		}
	}
	if (s == NATS_OK) {
		/* one made before may wait another time for its acks */
		ack_wait_ms = conf.js.timeout;
		if (ci->Config != NULL && ci->Config->AckWait > 0) {
			ack_wait_ms = ci->Config->AckWait / 1000000;
			if (ack_wait_ms != conf.js.timeout)
				log_info("jetstream: consumer %s waits %lld ms "
				    "for acks, not %u: taken as it is",
				    conf.js.durable, (long long)ack_wait_ms,
				    conf.js.timeout);
		}
		jsConsumerInfo_Destroy(ci);
		jsSubOptions_Init(&so);
		so.Stream = conf.js.stream;
		so.Consumer = conf.js.durable;
		so.ManualAck = true;
		s = js_PullSubscribe(&pull, js, filter, conf.js.durable, NULL,
		    &so, &jerr);
		if (s != NATS_OK)
			pull = NULL;
	}
	if (s != NATS_OK) {
		snprintf(stats.last_error, sizeof(stats.last_error),
		    "consumer %s of stream %s: %s (%d)", conf.js.durable,
		    conf.js.stream, s == NATS_NOT_FOUND ? "stream not found" :
		    nats_why(s), (int)jerr);
		log_warnx_rl(&rl_conn, "jetstream: %s: nothing is consumed "
		    "until it is there", stats.last_error);
		evtimer_add_ms(&ev_stream, PUB_STREAM_RETRY);
		return;
	}
	stats.ready = 1;
	/* where the consumer is: as the server says, from the next fetch */
	stats.known = 0;
	ack_floor = delivered = 0;
	blocked_ms = 0;
	log_info("jetstream: consuming stream %s as %s on %s",
	    conf.js.stream, conf.js.durable, stats.server);
	/* the fetches once the receiver's window is this stream's */
	if (proc_compose(PROC_RECEIVER, IMSG_CONSUMER_START, 0, -1, &cs,
	    sizeof(cs)) == -1)
		fatal("imsg_compose");
}

/* a fetch, for as many as the receiver may still take */
static void
cons_fetch(void)
{
	struct fetch_req	 req;
	int			 room = CONS_MAX_PENDING - (int)stats.pending;

	if (!stats.ready || !started || fetching || pull == NULL || stopping ||
	    draining || reopen_wanted || room <= 0 ||
	    evtimer_pending(&ev_retry, NULL))
		return;
	memset(&req, 0, sizeof(req));
	req.sub = pull;
	req.nc = nc;
	req.js = js;
	req.n = room < CONS_FETCH ? room : CONS_FETCH;
	/*
	 * Not past what the receiver's window can tell, once the server
	 * said where the floor is: one at a time, now and then, for what
	 * comes again to come.
	 */
	if (stats.known && delivered + (uint64_t)req.n > ack_floor +
	    CONS_SPREAD) {
		if (blocked_ms == 0)
			blocked_ms = mono_ms();
		if (mono_ms() - blocked_ms < ack_wait_ms + CONS_FLOOR_WAIT ||
		    stats.unacked <= stats.pending)
			req.n = 0;
		else if (stats.unacked - stats.pending < (uint64_t)req.n)
			req.n = (int)(stats.unacked - stats.pending);
		evtimer_add_ms(&ev_retry, CONS_FLOOR_WAIT);
	} else
		blocked_ms = 0;
	if (write(reqpipe[1], &req, sizeof(req)) != (ssize_t)sizeof(req))
		fatal("write to the fetch thread");
	fetching = 1;
}

static void
cons_retry(int fd, short event, void *arg)
{
	cons_fetch();
}

/*
 * Our thread: a fetch each time the loop asks, its messages and its
 * end through the pipe.  It ends with the process.
 */
static void *
fetch_thread(void *arg)
{
	struct fetch_req	 req;
	struct nats_ev		 ev;
	natsMsgList		 list;
	jsConsumerInfo		*ci;
	jsErrCode		 jerr;
	natsStatus		 s;
	ssize_t			 n;
	int			 i;

	for (;;) {
		if ((n = read(reqpipe[0], &req, sizeof(req))) == -1 &&
		    errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(req))
			return (NULL);
		memset(&list, 0, sizeof(list));
		/* none: what the server says of the consumer, only */
		s = req.n == 0 ? NATS_TIMEOUT : natsSubscription_Fetch(&list,
		    req.sub, req.n, CONS_FETCH_WAIT, NULL);
		for (i = 0; s == NATS_OK && i < list.Count; i++) {
			memset(&ev, 0, sizeof(ev));
			ev.kind = NEV_MSG;
			ev.msg = list.Msgs[i];
			list.Msgs[i] = NULL;
			ev_send(&ev);
		}
		natsMsgList_Destroy(&list);
		memset(&ev, 0, sizeof(ev));
		ev.kind = NEV_FETCHED;
		ev.status = (int)s;
		if (s != NATS_OK && s != NATS_TIMEOUT)
			strlcpy(ev.text, nats_why(s), sizeof(ev.text));
		/*
		 * what is left for the consumer, and delivered unacked;
		 * after a fetch that failed on a connection that works,
		 * whether the consumer is still there
		 */
		ev.left = ev.unacked = -1;
		ci = NULL;
		if (s == NATS_OK || s == NATS_TIMEOUT ||
		    natsConnection_Status(req.nc) ==
		    NATS_CONN_STATUS_CONNECTED) {
			jerr = 0;
			if ((s = js_GetConsumerInfo(&ci, req.js, cons_stream,
			    cons_durable, NULL, &jerr)) == NATS_OK) {
				ev.left = (int64_t)ci->NumPending;
				ev.unacked = ci->NumAckPending;
				ev.floor = ci->AckFloor.Stream;
				ev.delivered = ci->Delivered.Stream;
				jsConsumerInfo_Destroy(ci);
			} else {
				strlcpy(ev.text, nats_why(s), sizeof(ev.text));
				/* or its stream */
				ev.gone = s == NATS_NOT_FOUND ||
				    jerr == JSConsumerNotFoundErr ||
				    jerr == JSStreamNotFoundErr;
			}
		}
		ev_send(&ev);
	}
}

/* a number of a header, or -1 */
static int32_t
header_number(natsMsg *m, const char *name)
{
	const char	*v = NULL;
	const char	*errstr;
	long long	 n;

	if (natsMsgHeader_Get(m, name, &v) != NATS_OK || v == NULL)
		return (-1);
	n = strtonum(v, 0, INT32_MAX, &errstr);
	return (errstr != NULL ? -1 : (int32_t)n);
}

/* a message fetched: held, and to the receiver */
static void
cons_msg(natsMsg *m)
{
	struct cons_msg		 cm;
	struct held		*h, key;
	jsMsgMetaData		*md = NULL;
	struct iovec		 iov[2];
	const char		*v = NULL, *subj;
	int			 len;

	if (natsMsg_GetMetaData(&md, m) != NATS_OK) {
		log_warnx_rl(&rl_fetch, "jetstream: a message fetched that "
		    "JetStream did not send: ignored");
		natsMsg_Destroy(m);
		return;
	}
	memset(&cm, 0, sizeof(cm));
	cm.seq = md->Sequence.Stream;
	cm.delivered = md->NumDelivered;
	jsMsgMetaData_Destroy(md);
	stats.fetched++;
	if (cm.delivered > 1)
		stats.redelivered++;
	key.seq = cm.seq;
	if (stopping || drained || RB_FIND(held_tree, &held, &key) != NULL) {
		/* sent again while its first is with the receiver */
		natsMsg_Destroy(m);
		return;
	}
	subj = natsMsg_GetSubject(m);
	/* one too long to hold is no subject of ours */
	if (subj != NULL && strlen(subj) < sizeof(cm.subject))
		strlcpy(cm.subject, subj, sizeof(cm.subject));
	if (natsMsgHeader_Get(m, "Nats-Msg-Id", &v) == NATS_OK && v != NULL)
		strlcpy(cm.msgid, v, sizeof(cm.msgid));
	cm.nrec = header_number(m, "Ncap-Records");
	len = natsMsg_GetDataLength(m);
	if (len < 0 || len > WIRE_MAX_BATCH) {
		cm.nrec = -2;
		len = 0;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		fatal(NULL);
	h->seq = cm.seq;
	h->msg = m;
	RB_INSERT(held_tree, &held, h);
	stats.pending++;
	iov[0].iov_base = &cm;
	iov[0].iov_len = sizeof(cm);
	iov[1].iov_base = (void *)(uintptr_t)natsMsg_GetData(m);
	iov[1].iov_len = (size_t)len;
	if (proc_composev(PROC_RECEIVER, IMSG_CONSUMED, 0, -1, iov,
	    len > 0 ? 2 : 1) == -1)
		fatal("imsg_compose");
}

/* the thread's fetch is over: another, unless it failed */
static void
cons_fetched(const struct nats_ev *ev)
{
	fetching = 0;
	cons_end();
	if (ev->left < 0 && ev->text[0] != '\0')
		log_debug("jetstream: consumer info: %s", ev->text);
	if (ev->left >= 0) {
		stats.left = (uint64_t)ev->left;
		stats.unacked = (uint64_t)ev->unacked;
		stats.known = 1;
		if (ev->floor > ack_floor)
			ack_floor = ev->floor;
		if (ev->delivered > delivered)
			delivered = ev->delivered;
	}
	if (reopen_wanted) {
		pub_reopen();
		return;
	}
	if (stopping || draining)
		return;
	if (ev->gone) {
		/* deleted, or its stream: made again, once it is there */
		snprintf(stats.last_error, sizeof(stats.last_error),
		    "consumer %s of stream %s: not found", conf.js.durable,
		    conf.js.stream);
		log_warnx("jetstream: %s: it is set up again", stats.last_error);
		cons_drop();
		stats.ready = stats.known = 0;
		evtimer_add_ms(&ev_stream, PUB_STREAM_RETRY);
		return;
	}
	if (ev->status != NATS_OK && ev->status != NATS_TIMEOUT) {
		snprintf(stats.last_error, sizeof(stats.last_error),
		    "fetch: %s", ev->text);
		log_warnx_rl(&rl_fetch, "jetstream: %s", stats.last_error);
		evtimer_add_ms(&ev_retry, CONS_RETRY);
		return;
	}
	cons_fetch();
}

/* the receiver's answers: each message acked, terminated or refused */
static void
cons_done(struct imsg *imsg)
{
	struct cons_done	 d;
	struct held		 key, *h;
	const unsigned char	*p = imsg->data;
	size_t			 i, n;
	natsStatus		 s;

	n = IMSG_DATA_SIZE(imsg) / sizeof(d);
	if (n == 0 || n * sizeof(d) != IMSG_DATA_SIZE(imsg))
		fatalx("IMSG_CONSUMED_DONE: bad length");
	for (i = 0; i < n; i++) {
		memcpy(&d, p + i * sizeof(d), sizeof(d));
		key.seq = d.seq;
		/* of a connection given up since: it comes again */
		if ((h = RB_FIND(held_tree, &held, &key)) == NULL)
			continue;
		RB_REMOVE(held_tree, &held, h);
		stats.pending--;
		switch (d.verdict) {
		case CONS_ACK:
			s = natsMsg_Ack(h->msg, NULL);
			break;
		case CONS_TERM:
			s = natsMsg_Term(h->msg, NULL);
			break;
		case CONS_NAK:
			s = natsMsg_Nak(h->msg, NULL);
			break;
		default:
			fatalx("IMSG_CONSUMED_DONE: verdict %d", d.verdict);
		}
		if (s != NATS_OK) {
			snprintf(stats.last_error, sizeof(stats.last_error),
			    "ack %llu: %s", (unsigned long long)d.seq,
			    nats_why(s));
			log_warnx_rl(&rl_fetch, "jetstream: %s: it comes "
			    "again", stats.last_error);
		}
		natsMsg_Destroy(h->msg);
		free(h);
	}
	cons_fetch();
}

/* the receiver stops: once no fetch is under way, it is told all came */
static void
cons_stop(struct imsg *imsg)
{
	imsg_expect(imsg, 0, "IMSG_CONSUMED_STOP");
	draining = 1;
	cons_end();
}

static void
cons_end(void)
{
	if (!draining || fetching || drained)
		return;
	drained = 1;
	if (proc_compose(PROC_RECEIVER, IMSG_CONSUMED_END, 0, -1, NULL,
	    0) == -1)
		fatal("imsg_compose");
}

/*
 * The connection is given up: its messages are not ours to answer
 * any more (JetStream sends them again), nor its subscription.
 */
static void
cons_drop(void)
{
	struct held	*h;

	if (!consuming)
		return;
	while ((h = RB_ROOT(&held)) != NULL) {
		RB_REMOVE(held_tree, &held, h);
		natsMsg_Destroy(h->msg);
		free(h);
	}
	stats.pending = 0;
	started = 0;
	if (pull != NULL) {
		natsSubscription_Destroy(pull);
		pull = NULL;
	}
}

/*
 * The publisher's calls, chrooted to the empty directory.  With output
 * spool none beyond every child's.  With output jetstream, libnats':
 * TCP connections to the servers (a socket of no other kind, and no
 * listening), its threads (only threads: a new process is still
 * refused) and their locks.
 */
static void
rules_publisher(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp	 c[2];
	int			 af, r;

	if (!connecting)
		return;
	/*
	 * stream sockets of the two families, to connect to a server:
	 * any other socket kills (every child's rules refuse AF_UNIX)
	 */
	for (af = 0; af < 2; af++) {
		c[0] = sandbox_eq(0, af == 0 ? AF_INET : AF_INET6);
		c[1] = sandbox_masked(1, 0xf, SOCK_STREAM);
		if ((r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(socket), 2, c)) < 0)
			fatalx("seccomp rule for socket: %s", strerror(-r));
	}
	sandbox_allow(ctx, SCMP_SYS(connect));
	/* its options (TCP_NODELAY, keepalives), a connect's outcome */
	sandbox_allow(ctx, SCMP_SYS(setsockopt));
	sandbox_allow(ctx, SCMP_SYS(getsockopt));
	sandbox_allow(ctx, SCMP_SYS(getsockname));
	sandbox_allow(ctx, SCMP_SYS(getpeername));
	/* non-blocking connections */
	sandbox_allow(ctx, SCMP_SYS(fcntl));
	/* what the servers send (send is sendto without an address) */
	sandbox_allow(ctx, SCMP_SYS(recvfrom));
	sandbox_allow(ctx, SCMP_SYS(read));
	sandbox_allow(ctx, SCMP_SYS(shutdown));
	/*
	 * threads: clone with CLONE_THREAD, which shares the address
	 * space and cannot make a process; clone3, whose flags are out
	 * of the filter's reach, fails so that glibc falls back to clone
	 */
	sandbox_allow_if(ctx, SCMP_SYS(clone), sandbox_masked(0,
	    CLONE_THREAD, CLONE_THREAD));
	if ((r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0, NULL)) < 0)
		fatalx("seccomp rule for clone3: %s", strerror(-r));
	sandbox_allow(ctx, SCMP_SYS(set_robust_list));
	/* a thread's attributes, which the sanitizers read at its start */
	sandbox_allow(ctx, SCMP_SYS(sched_getaffinity));
	sandbox_allow(ctx, SCMP_SYS(rseq));
	sandbox_allow(ctx, SCMP_SYS(futex));
	sandbox_allow(ctx, SCMP_SYS(sched_yield));
	sandbox_allow(ctx, SCMP_SYS(nanosleep));
	sandbox_allow(ctx, SCMP_SYS(clock_nanosleep));
	/* thread stacks: their guard pages, and given back at exit */
	sandbox_allow_if(ctx, SCMP_SYS(mprotect), sandbox_masked(2, PROT_EXEC,
	    0));
	sandbox_allow(ctx, SCMP_SYS(madvise));
	/*
	 * OpenSSL, for TLS: what it mixes into its random pool, and the
	 * files it looks for (none is there in the empty chroot)
	 */
	sandbox_allow(ctx, SCMP_SYS(sysinfo));
	sandbox_allow(ctx, SCMP_SYS(newfstatat));
	/* signals blocked in new threads; their random inboxes, TLS */
	sandbox_allow(ctx, SCMP_SYS(rt_sigaction));
	sandbox_allow(ctx, SCMP_SYS(getrandom));
}
