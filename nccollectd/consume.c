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
 * input jetstream, in the receiver: the messages of a stream, which
 * the publisher process fetches for a durable consumer, stored in the
 * spool as batches from sensors are.
 *
 * Each message is checked as a batch is (nccollectd.conf(5), JETSTREAM
 * MESSAGES): its subject names a sensor the spool takes and a record
 * type, and its payload is framed records of that type, each valid, as
 * many as Ncap-Records says.  One that is not is counted, logged and
 * terminated, never to come again.  One that is goes through
 * output_store(), and its stream sequence number into the consumer's
 * window (window.c, as a session's), which the journal keeps with the
 * sizes of the files it grew.  Every message is answered (acked,
 * terminated, or refused to come again later) only once the journal
 * has it: a crash before loses nothing, JetStream sends it again, and
 * a message the window says was stored is acked, not stored twice.
 *
 * The window is of one stream: one deleted and made again under the
 * same name numbers its messages from 1 again, which the old window
 * would take for repeats, acked and never stored.  So the journal
 * keeps the stream's creation time with it, and before the first
 * fetch of a consumer the publisher says what it found
 * (IMSG_CONSUMER_START): another stream, one whose last sequence
 * number is below the window's, or, if the journal knows no creation
 * time, a consumer that had to be made, and the window is forgotten.
 * The publisher fetches once the receiver answered
 * (IMSG_CONSUMER_READY), which it does after every message of the
 * earlier consumer it was sent.
 *
 * At shutdown the publisher is told to fetch no more; it hands over
 * what its last fetch brought and says so (IMSG_CONSUMED_END), and
 * only then is the journal written for the last time, and its answers
 * sent, before the receiver exits: every message it stored is
 * journaled and acked, and none comes again after a restart.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nccollectd.h"
#include "proc.h"
#include "records.h"
#include "util.h"

/* answers per imsg to the publisher */
#define CONS_DONE_PER_IMSG	256

static int	 consume_imsg(int, struct imsg *);
static void	 consume_msg(struct imsg *);
static void	 consume_start(struct imsg *);
static const char *stamp(uint64_t, char *, size_t);
static void	 consume_bad(const struct cons_msg *, const char *);
static void	 consume_stored(const struct output_batch *, int, void *);
static void	 answer(uint64_t, int);

static struct slot		 window;	/* sequence numbers stored */
static uint64_t			 created;	/* of its stream, or 0 */
static char			 name[JCONSUMER_NAME_MAX + 1];
static int			 moved;		/* not journaled yet */
static struct cons_done		*answers;	/* once journaled */
static unsigned int		 nanswers, cap;
static const struct collector_conf *conf;
static struct collector_stats	*stats;
static void			(*kick)(void);
static void			(*count)(const struct output_batch *);
static void			(*ended)(void);
static struct log_ratelimit	 rl_bad, rl_write;

static void
consume_name(const struct collector_conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%s", c->js.stream, c->js.durable);
}

/*
 * At start, from the journal, before the sandbox: the window of this
 * stream's consumer (another's, of an earlier configuration, is not
 * ours).
 */
void
consume_restore(void *arg, const struct jconsumer *jc)
{
	const struct collector_conf	*c = arg;
	char				 n[JCONSUMER_NAME_MAX + 1];

	consume_name(c, n, sizeof(n));
	if (strcmp(n, jc->name) != 0)
		return;
	window_set(&window, jc->top, jc->bits);
	created = jc->created;
	strlcpy(name, n, sizeof(name));
}

/* after the sandbox: the publisher's messages, from the loop on */
void
consume_init(const struct collector_conf *c, struct collector_stats *st,
    void (*kickfn)(void), void (*countfn)(const struct output_batch *),
    void (*endfn)(void))
{
	conf = c;
	stats = st;
	kick = kickfn;
	count = countfn;
	ended = endfn;
	consume_name(c, name, sizeof(name));
	if (window.top != 0)
		log_info("journal: consumer %s, stored up to stream sequence "
		    "%llu", name, (unsigned long long)window.top);
	cap = CONS_MAX_PENDING;
	if ((answers = calloc(cap, sizeof(*answers))) == NULL)
		fatal(NULL);
	proc_listen(PROC_PUBLISHER, consume_imsg, NULL);
}

static int
consume_imsg(int from, struct imsg *imsg)
{
	switch (imsg->hdr.type) {
	case IMSG_CONSUMED:
		consume_msg(imsg);
		break;
	case IMSG_CONSUMER_START:
		consume_start(imsg);
		break;
	case IMSG_CONSUMED_END:
		imsg_expect(imsg, 0, "IMSG_CONSUMED_END");
		ended();
		break;
	default:
		fatalx("publisher: unexpected imsg %u", imsg->hdr.type);
	}
	return (0);
}

/*
 * Before the first fetch of a consumer: the window, if it is not the
 * stream's, forgotten.  The answers not sent yet are to messages the
 * publisher no longer holds (it gave up their connection or their
 * consumer); sent after this, they would answer new ones of the same
 * numbers.
 */
static void
consume_start(struct imsg *imsg)
{
	struct cons_start	 cs;
	char			 why[192], was[40], now[40];

	imsg_expect(imsg, sizeof(cs), "IMSG_CONSUMER_START");
	memcpy(&cs, imsg->data, sizeof(cs));
	why[0] = '\0';
	/* nothing stored, nothing to forget */
	if (window.top == 0)
		;
	else if (created != 0 && cs.created != 0 && created != cs.created)
		snprintf(why, sizeof(why), "made %s, it is not the stream "
		    "the window is of, made %s", stamp(cs.created, now,
		    sizeof(now)), stamp(created, was, sizeof(was)));
	else if (cs.last < window.top)
		snprintf(why, sizeof(why), "its sequence numbers started "
		    "again: the last is %llu", (unsigned long long)cs.last);
	else if (created == 0 && cs.made)
		snprintf(why, sizeof(why), "its consumer was not there, and "
		    "the journal does not say which stream the window is of");
	if (why[0] != '\0') {
		stats->consumed_resets++;
		log_warnx("jetstream: stream %s: %s: the window of the "
		    "sequence numbers stored, up to %llu, is forgotten, and "
		    "every message taken as new", conf->js.stream, why,
		    (unsigned long long)window.top);
		memset(&window, 0, sizeof(window));
	}
	if (why[0] != '\0' || created != cs.created) {
		created = cs.created;
		moved = 1;
		kick();
	}
	nanswers = 0;
	if (proc_compose(PROC_PUBLISHER, IMSG_CONSUMER_READY, 0, -1, NULL,
	    0) == -1)
		fatal("imsg_compose");
}

/* a stream's creation time, UTC, as the server gave it */
static const char *
stamp(uint64_t ns, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t = (time_t)(ns / 1000000000);
	size_t		 n;

	if (gmtime_r(&t, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else
		snprintf(buf + n, len - n, ".%09lluZ",
		    (unsigned long long)(ns % 1000000000));
	return (buf);
}

static void
consume_msg(struct imsg *imsg)
{
	struct cons_msg		 cm;
	struct output_batch	 ob;
	const unsigned char	*payload;
	const char		*tname;
	enum drop_cause		 why;
	char			 sensor[SENSOR_NAME_MAX + 1], fault[224];
	size_t			 len;
	uint32_t		 n;
	int64_t			 gaps;
	int			 type, w;

	if (IMSG_DATA_SIZE(imsg) < sizeof(cm) ||
	    IMSG_DATA_SIZE(imsg) - sizeof(cm) > WIRE_MAX_BATCH)
		fatalx("IMSG_CONSUMED: bad length");
	memcpy(&cm, imsg->data, sizeof(cm));
	cm.subject[sizeof(cm.subject) - 1] = '\0';
	cm.msgid[sizeof(cm.msgid) - 1] = '\0';
	payload = (const unsigned char *)imsg->data + sizeof(cm);
	len = IMSG_DATA_SIZE(imsg) - sizeof(cm);

	/*
	 * Stored before, its ack lost or not sent before a crash.  One
	 * behind the window cannot be told: the publisher fetches no
	 * further past the consumer's ack floor than half of it, so none
	 * should come; if one does, it is stored, twice rather than lost.
	 */
	if ((w = window_check(&window, cm.seq)) == DROP_OLD)
		log_warnx_rl(&rl_write, "jetstream: message %llu is behind "
		    "the window of stream sequence numbers stored (up to "
		    "%llu): stored, perhaps again", (unsigned long long)cm.seq,
		    (unsigned long long)window.top);
	else if (w != -1) {
		stats->consumed_repeats++;
		log_debug("jetstream: message %llu (%s) stored before",
		    (unsigned long long)cm.seq, cm.msgid);
		answer(cm.seq, CONS_ACK);
		return;
	}
	if (cm.nrec == -2) {
		consume_bad(&cm, "larger than any batch may be");
		return;
	}
	if (subject_split(cm.subject, conf->js.subject, sensor,
	    &tname) != 0) {
		consume_bad(&cm, "its subject names no sensor the spool takes");
		return;
	}
	if ((type = rectype_byname(tname)) == -1) {
		consume_bad(&cm, "its subject names no record type");
		return;
	}
	if (records_check(type, payload, len, &n, &why, fault,
	    sizeof(fault)) == -1) {
		consume_bad(&cm, fault);
		return;
	}
	if (cm.nrec < 0 || (uint32_t)cm.nrec != n) {
		snprintf(fault, sizeof(fault), "Ncap-Records %s %d, the "
		    "payload holds %u", cm.nrec < 0 ? "missing or not a "
		    "number:" : "says", cm.nrec, n);
		consume_bad(&cm, fault);
		return;
	}
	window_commit(&window, cm.seq, &gaps);
	moved = 1;
	memset(&ob, 0, sizeof(ob));
	ob.sensor = sensor;
	ob.type = type;
	ob.recs = payload;
	ob.len = len;
	ob.nrec = n;
	ob.seq = cm.seq;
	/* reported before cm goes: at once, not with the loop's turn */
	output_store(&ob, consume_stored, &cm);
	output_flush();
}

/* the output's report, before output_flush() returned (the spool's) */
static void
consume_stored(const struct output_batch *ob, int stored, void *cookie)
{
	const struct cons_msg	*cm = cookie;
	int64_t			 gaps;

	if (!stored) {
		/* the disk is full: again later, from JetStream */
		window_uncommit(&window, cm->seq, &gaps);
		stats->drops[DROP_WRITE]++;
		log_warnx_rl(&rl_write, "jetstream: message %llu could not "
		    "be stored: JetStream sends it again",
		    (unsigned long long)cm->seq);
		answer(cm->seq, CONS_NAK);
		return;
	}
	stats->consumed++;
	stats->consumed_records += ob->nrec;
	count(ob);
	log_debug("jetstream: message %llu: sensor %s type %s records %u",
	    (unsigned long long)cm->seq, ob->sensor, rectypes[ob->type]->name,
	    ob->nrec);
	answer(cm->seq, CONS_ACK);
}

/* not a batch: counted, said, and never sent again */
static void
consume_bad(const struct cons_msg *cm, const char *why)
{
	stats->consumed_bad++;
	log_warnx_rl(&rl_bad, "jetstream: message %llu (%s) on %s: %s: "
	    "skipped", (unsigned long long)cm->seq, cm->msgid[0] ? cm->msgid :
	    "no Nats-Msg-Id", cm->subject, why);
	answer(cm->seq, CONS_TERM);
}

/*
 * An answer, sent once the journal has it.  The publisher holds no more
 * than CONS_MAX_PENDING, but those of a connection it gave up may still
 * be here, unsent while the journal cannot be written: room is made.
 */
static void
answer(uint64_t seq, int verdict)
{
	struct cons_done	*n;

	if (nanswers == cap) {
		if ((n = reallocarray(answers, 2 * cap, sizeof(*n))) == NULL)
			fatal(NULL);
		answers = n;
		cap *= 2;
	}
	answers[nanswers].seq = seq;
	answers[nanswers].verdict = verdict;
	nanswers++;
	kick();
}

/* the receiver's journal entry, or (all) its snapshot */
void
consume_journal(struct journal *j, int all)
{
	struct jconsumer	 jc;

	if ((!moved && !all) || (window.top == 0 && created == 0))
		return;
	memset(&jc, 0, sizeof(jc));
	strlcpy(jc.name, name, sizeof(jc.name));
	jc.created = created;
	window_get(&window, &jc.top, jc.bits);
	journal_add_consumer(j, &jc);
}

/* the journal has every message answered so far: JetStream is told */
void
consume_committed(void)
{
	unsigned int	 i, k;

	if (answers == NULL)
		return;
	moved = 0;
	for (i = 0; i < nanswers; i += k) {
		k = nanswers - i < CONS_DONE_PER_IMSG ? nanswers - i :
		    CONS_DONE_PER_IMSG;
		if (proc_compose(PROC_PUBLISHER, IMSG_CONSUMED_DONE, 0, -1,
		    answers + i, k * sizeof(*answers)) == -1)
			fatal("imsg_compose");
	}
	nanswers = 0;
}

/* shutdown: the publisher fetches no more, and says when all came */
void
consume_stop(void)
{
	if (proc_compose(PROC_PUBLISHER, IMSG_CONSUMED_STOP, 0, -1, NULL,
	    0) == -1)
		fatal("imsg_compose");
}

/* at the end, the last answers written before the receiver exits */
void
consume_close(void)
{
	if (proc_flush(PROC_PUBLISHER) == -1)
		log_warn("jetstream: the last answers to the publisher");
}

unsigned int
consume_busy(void)
{
	return (nanswers);
}
