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
 * ncctl dump -u: the records of a JetStream stream.  A collector's
 * jetstream output publishes each batch to <prefix>.<sensor>.<Type>,
 * its payload the records as the spool appends them to Type.ncap:
 * each preceded by its length as a varint, no file header.  The dump
 * reads the stream through an ordered consumer (ephemeral, no acks),
 * from the start or from -a, up to the last message the stream held
 * when it began, and gives every payload's records to the same
 * dumper as files, after a header made from the subject.
 */

#include <err.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "ncap.h"
#include "ncctl.h"
#include "records.h"
#include "util.h"
#include "varint.h"

#define STREAM_PREFIX	"ncap"
/* how long a dump waits for the next message before asking the server */
#define STREAM_WAIT_MS	2000
/* and how many such waits without a message it bears */
#define STREAM_STALLS	15
/*
 * A batch reaches the stream after its records were captured, so a
 * message the stream received before -a holds no record of the range,
 * unless the sensor's clock ran ahead of the server's; by this much it
 * may.
 */
#define STREAM_SKEW_NS	(3600LL * 1000000000)
/* messages of one kind of fault written before the rest are only counted */
#define STREAM_REPORTS	10

enum fault {
	F_SUBJECT,		/* not <prefix>.<sensor>.<Type> */
	F_TYPE,			/* a Type ncctl does not know */
	F_FRAMING,		/* a length bad, too large or past the end */
	F_RECORD,		/* a record that does not unpack */
	F_NFAULTS
};

static const char *const fault_names[F_NFAULTS] = {
	"with a subject not of the form prefix.sensor.type",
	"of an unknown record type",
	"with bad framing",
	"with records that are not valid",
};

struct reader {
	struct dumper	*d;
	const char	*stream;
	const char	*prefix;
	Header		 hdr;		/* of the records being written */
	char		 sensor[SENSOR_NAME_MAX + 1];
	char		 type[128];
	int		 have_hdr;
	uint64_t	 msgs;		/* messages read */
	uint64_t	 records;	/* records written */
	uint64_t	 faults[F_NFAULTS];	/* messages with each fault */
	uint64_t	 badrecs;	/* records not valid */
};

static int	 subject_ok(const char *);
static void	 fault(struct reader *, enum fault, uint64_t, const char *,
		    const char *, ...)
		    __attribute__((__format__(printf, 5, 6)));
static void	 payload(struct reader *, natsMsg *, const jsMsgMetaData *);
static int	 nats_fail(const char *, natsStatus, jsErrCode);
static int	 done_reading(natsSubscription *, uint64_t, int *,
		    const char *);

/* a subject prefix: tokens of letters, digits, '_' and '-', dot-separated */
static int
subject_ok(const char *s)
{
	const char	*p;

	if (*s == '\0' || *s == '.')
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (*p == '.' && (p[1] == '.' || p[1] == '\0'))
			return (0);
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			return (0);
	}
	return (1);
}

/*
 * One message at fault: counted, and said, for the first few of each
 * kind; the dump goes on.
 */
static void
fault(struct reader *r, enum fault f, uint64_t seq, const char *subj,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 why[256];

	if (++r->faults[f] > STREAM_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fflush(stdout);
	warnx("%s message %" PRIu64 " (%.200s): %s%s", r->stream, seq, subj,
	    why, r->faults[f] == STREAM_REPORTS ? "; more of these are "
	    "only counted" : "");
}

/* the records of one message, by the sensor and type of its subject */
static void
payload(struct reader *r, natsMsg *msg, const jsMsgMetaData *meta)
{
	struct frame_iter	 it;
	const char		*subj, *sensor, *tname;
	char			 name[SENSOR_NAME_MAX + 1];
	const unsigned char	*data, *rec;
	uint64_t		 seq = meta->Sequence.Stream, n = 0, bad = 0;
	size_t			 len, reclen, slen, off;
	int			 type, rv;

	subj = natsMsg_GetSubject(msg);
	data = (const unsigned char *)natsMsg_GetData(msg);
	len = natsMsg_GetDataLength(msg) > 0 ?
	    (size_t)natsMsg_GetDataLength(msg) : 0;

	/* <prefix>.<sensor>.<Type>, the sensor's dots written %2E */
	switch (subject_split(subj, r->prefix, name, &tname)) {
	case -1:
		fault(r, F_SUBJECT, seq, subj, "not %s.sensor.type", r->prefix);
		return;
	case -2:
		fault(r, F_SUBJECT, seq, subj, "not a valid sensor name");
		return;
	}
	sensor = name;
	slen = strlen(name);
	if ((type = rectype_byname(tname)) == -1) {
		fault(r, F_TYPE, seq, subj, "unknown record type \"%.64s\"",
		    tname);
		return;
	}

	/* a header for the records, when they are of another sensor or type */
	if (!r->have_hdr || strcmp(r->type, tname) != 0 ||
	    strlen(r->sensor) != slen || memcmp(r->sensor, sensor, slen) != 0) {
		memcpy(r->sensor, sensor, slen);
		r->sensor[slen] = '\0';
		strlcpy(r->type, tname, sizeof(r->type));
		header__init(&r->hdr);
		r->hdr.magic = (char *)(uintptr_t)NCAP_MAGIC;
		r->hdr.format = NCAP_FORMAT;
		r->hdr.created = meta->Timestamp;
		r->hdr.sensor = r->sensor;
		r->hdr.record_type = r->type;
		r->hdr.software_version = (char *)(uintptr_t)"";
		r->have_hdr = 1;
		dumper_header(r->d, &r->hdr, type, 1);
	}

	frame_iter_init(&it, data, len);
	for (;;) {
		off = len - it.left;
		if ((rv = frame_next(&it, &rec, &reclen)) != 1)
			break;
		if (reclen > NCAP_MAX_RECORD) {
			rv = -1;
			break;
		}
		n++;
		switch (dumper_record(r->d, rec, reclen)) {
		case 1:
			r->records++;
			break;
		case -1:
			/* a message with several counts once */
			r->badrecs++;
			if (bad++ == 0)
				fault(r, F_RECORD, seq, subj, "record %" PRIu64
				    ": not a valid %s record", n,
				    rectypes[type]->name);
			break;
		}
	}
	if (rv == -1)
		fault(r, F_FRAMING, seq, subj, "record %" PRIu64 " at offset "
		    "%zu: a length that is malformed, above %d or past the "
		    "payload's end (%zu bytes); the records before it are "
		    "written", n + 1, off, NCAP_MAX_RECORD, len);
}

static int
nats_fail(const char *what, natsStatus s, jsErrCode jerr)
{
	const char	*text;

	fflush(stdout);
	if (jerr == JSStreamNotFoundErr)
		warnx("%s: no such stream", what);
	else if ((text = nats_GetLastError(NULL)) != NULL && *text != '\0')
		warnx("%s: %s", what, text);
	else
		warnx("%s: %s", what, natsStatus_GetText(s));
	return (1);
}

/*
 * After a wait without a message: whether the consumer has nothing
 * left to deliver and delivered nothing after cseq, its sequence of
 * the last message read.  -1 when the server does not answer, or
 * says there is more but sends nothing.
 */
static int
done_reading(natsSubscription *sub, uint64_t cseq, int *stalls,
    const char *what)
{
	jsConsumerInfo	*ci = NULL;
	jsErrCode	 jerr = 0;
	natsStatus	 s;
	int		 done;

	if ((s = natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr)) !=
	    NATS_OK)
		return (-nats_fail(what, s, jerr));
	done = ci->NumPending == 0 && ci->Delivered.Consumer <= cseq;
	jsConsumerInfo_Destroy(ci);
	if (!done && ++*stalls > STREAM_STALLS) {
		fflush(stdout);
		warnx("%s: no message in %d s, though the server has more to "
		    "deliver", what, STREAM_STALLS * STREAM_WAIT_MS / 1000);
		return (-1);
	}
	return (done);
}

int
dump_stream(const struct stream_query *q, enum dump_fmt fmt,
    const struct dump_range *range)
{
	struct reader		 r;
	natsOptions		*opts = NULL;
	natsConnection		*nc = NULL;
	jsCtx			*js = NULL;
	jsStreamInfo		*si = NULL;
	jsSubOptions		 so;
	natsSubscription	*sub = NULL;
	natsMsg			*msg;
	jsMsgMetaData		*meta;
	natsStatus		 s;
	jsErrCode		 jerr = 0;
	char			 filter[512], what[256];
	char			 token[3 * SENSOR_NAME_MAX + 1];
	uint64_t		 last, seen = 0, seq, pending, nbad;
	int			 status = 0, stalls = 0, d, i;

	memset(&r, 0, sizeof(r));
	r.stream = q->stream;
	r.prefix = q->prefix != NULL ? q->prefix : STREAM_PREFIX;
	if (!subject_ok(r.prefix))
		errx(1, "-p %s: not a subject prefix (letters, digits, '_' "
		    "and '-', tokens separated by dots)", r.prefix);
	if (q->sensor != NULL && !valid_sensor_name(q->sensor,
	    strlen(q->sensor)))
		errx(1, "-S %s: not a sensor name (%s)", q->sensor,
		    SENSOR_NAME_RULE);
	if (q->type != NULL && rectype_byname(q->type) == -1)
		errx(1, "-T %s: unknown record type", q->type);
	/*
	 * Without -S and -T, any number of tokens after the prefix: a
	 * subject that is not of our form is then seen and counted.
	 */
	if (q->sensor != NULL)
		subject_sensor_put(token, sizeof(token), q->sensor);
	if (q->sensor == NULL && q->type == NULL)
		i = snprintf(filter, sizeof(filter), "%s.>", r.prefix);
	else
		i = snprintf(filter, sizeof(filter), "%s.%s.%s", r.prefix,
		    q->sensor != NULL ? token : "*",
		    q->type != NULL ? q->type : "*");
	if (i < 0 || (size_t)i >= sizeof(filter))
		errx(1, "-p %s: too long", r.prefix);

	snprintf(what, sizeof(what), "%s", q->url);
	if ((s = natsOptions_Create(&opts)) != NATS_OK ||
	    (s = natsOptions_SetURL(opts, q->url)) != NATS_OK ||
	    (s = natsOptions_SetName(opts, "ncctl dump")) != NATS_OK ||
	    (s = natsOptions_SetAllowReconnect(opts, false)) != NATS_OK ||
	    (s = natsConnection_Connect(&nc, opts)) != NATS_OK ||
	    (s = natsConnection_JetStream(&js, nc, NULL)) != NATS_OK) {
		status = nats_fail(what, s, 0);
		goto out;
	}
	snprintf(what, sizeof(what), "%s stream %s", q->url, q->stream);
	if ((s = js_GetStreamInfo(&si, js, q->stream, NULL, &jerr)) !=
	    NATS_OK) {
		status = nats_fail(what, s, jerr);
		goto out;
	}
	/* what was there when the dump began, and nothing after it */
	last = si->State.LastSeq;
	if (si->State.Msgs == 0)
		goto out;

	jsSubOptions_Init(&so);
	so.Stream = q->stream;
	so.Ordered = true;
	if (range->begin > STREAM_SKEW_NS) {
		so.Config.DeliverPolicy = js_DeliverByStartTime;
		so.Config.OptStartTime = range->begin - STREAM_SKEW_NS;
	}
	if ((s = js_SubscribeSync(&sub, js, filter, NULL, &so, &jerr)) !=
	    NATS_OK) {
		status = nats_fail(what, s, jerr);
		goto out;
	}

	r.d = dumper_open(fmt, range);
	/* no message may match at all */
	if ((d = done_reading(sub, 0, &stalls, what)) == 1)
		goto close;
	if (d == -1) {
		status = 1;
		goto close;
	}
	for (;;) {
		s = natsSubscription_NextMsg(&msg, sub, STREAM_WAIT_MS);
		if (s == NATS_TIMEOUT) {
			if ((d = done_reading(sub, seen, &stalls, what)) == 1)
				break;
			if (d == -1) {
				status = 1;
				break;
			}
			continue;
		}
		if (s != NATS_OK) {
			status = nats_fail(what, s, 0);
			break;
		}
		stalls = 0;
		if ((s = natsMsg_GetMetaData(&meta, msg)) != NATS_OK) {
			natsMsg_Destroy(msg);
			status = nats_fail(what, s, 0);
			break;
		}
		seq = meta->Sequence.Stream;
		pending = meta->NumPending;
		seen = meta->Sequence.Consumer;
		if (seq <= last) {
			r.msgs++;
			payload(&r, msg, meta);
		}
		jsMsgMetaData_Destroy(meta);
		natsMsg_Destroy(msg);
		if (seq >= last || pending == 0)
			break;
	}
 close:
	if (dumper_close(r.d) == -1)
		status = 1;
	nbad = 0;
	for (i = 0; i < F_NFAULTS; i++)
		nbad += r.faults[i];
	if (nbad > 0) {
		fprintf(stderr, "ncctl: %s: %" PRIu64 " of %" PRIu64
		    " messages bad (", what, nbad, r.msgs);
		for (i = 0, d = 0; i < F_NFAULTS; i++)
			if (r.faults[i] > 0)
				fprintf(stderr, "%s%" PRIu64 " %s",
				    d++ ? ", " : "", r.faults[i],
				    fault_names[i]);
		fprintf(stderr, "), %" PRIu64 " records written, %" PRIu64
		    " not valid\n", r.records, r.badrecs);
		status = 1;
	}
 out:
	if (sub != NULL) {
		natsSubscription_Unsubscribe(sub);
		natsSubscription_Destroy(sub);
	}
	jsStreamInfo_Destroy(si);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(opts);
	nats_Close();
	return (status);
}
