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
 * jsread: every message of a JetStream stream that nccollectd's output
 * jetstream filled, as nccollectd.conf(5) describes them, read back
 * for the tests.
 *
 *	jsread url stream prefix [dir]
 *
 * One line per message on stdout, in the stream's order:
 *
 *	seq sensor type msgid records bytes
 *
 * sensor and type from the subject <prefix>.<sensor>.<Type> (a %2E of
 * the sensor's token a dot), msgid its Nats-Msg-Id, records its
 * Ncap-Records.  With dir, the payloads of each sensor and type are
 * appended to dir/sensor/Type.ncap behind the header of a spool file,
 * which ncctl dump then reads as it reads the spool's.  Exit 1, said,
 * on anything it cannot read.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "log.h"
#include "ncap.h"

static __dead void
usage(void)
{
	fprintf(stderr, "usage: jsread url stream prefix [dir]\n");
	exit(1);
}

/* dir/sensor/type.ncap, with its header if it is new */
static FILE *
open_ncap(const char *dir, const char *sensor, const char *type)
{
	unsigned char	 hdr[512];
	char		 path[1024];
	struct stat	 sb;
	size_t		 len;
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, sensor);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		err(1, "%s", path);
	snprintf(path, sizeof(path), "%s/%s/%s.ncap", dir, sensor, type);
	if ((fp = fopen(path, "a")) == NULL || fstat(fileno(fp), &sb) == -1)
		err(1, "%s", path);
	if (sb.st_size == 0) {
		if ((len = ncap_header_encode(hdr, sizeof(hdr), sensor, type,
		    0)) == 0)
			errx(1, "%s: header", path);
		if (fwrite(hdr, 1, len, fp) != len)
			err(1, "%s", path);
	}
	return (fp);
}

int
main(int argc, char *argv[])
{
	natsConnection	*nc = NULL;
	jsCtx		*js = NULL;
	jsStreamInfo	*si = NULL;
	natsMsg		*m;
	natsStatus	 s;
	jsErrCode	 jerr;
	const char	*subj, *id, *nrec, *p, *dir = NULL;
	char		 sensor[256], type[128];
	size_t		 plen, i, o;
	uint64_t	 seq;
	FILE		*fp;

	if (argc != 4 && argc != 5)
		usage();
	if (argc == 5)
		dir = argv[4];
	plen = strlen(argv[3]);
	if ((s = natsConnection_ConnectTo(&nc, argv[1])) != NATS_OK ||
	    (s = natsConnection_JetStream(&js, nc, NULL)) != NATS_OK ||
	    (s = js_GetStreamInfo(&si, js, argv[2], NULL, &jerr)) != NATS_OK)
		errx(1, "%s stream %s: %s", argv[1], argv[2],
		    nats_GetLastError(&s));
	for (seq = si->State.FirstSeq; seq != 0 && seq <= si->State.LastSeq;
	    seq++) {
		if ((s = js_GetMsg(&m, js, argv[2], seq, NULL, &jerr)) !=
		    NATS_OK) {
			/* a message deleted from the middle */
			if (s == NATS_NOT_FOUND)
				continue;
			errx(1, "message %llu: %s", (unsigned long long)seq,
			    nats_GetLastError(&s));
		}
		subj = natsMsg_GetSubject(m);
		if (strncmp(subj, argv[3], plen) != 0 || subj[plen] != '.' ||
		    (p = strrchr(subj + plen + 1, '.')) == NULL)
			errx(1, "message %llu: subject %s", (unsigned long
			    long)seq, subj);
		/* the sensor's token, %2E a dot again */
		for (i = plen + 1, o = 0; subj + i < p && o + 1 <
		    sizeof(sensor); o++) {
			if (strncmp(subj + i, "%2E", 3) == 0) {
				sensor[o] = '.';
				i += 3;
			} else
				sensor[o] = subj[i++];
		}
		sensor[o] = '\0';
		strlcpy(type, p + 1, sizeof(type));
		if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK)
			id = "-";
		if (natsMsgHeader_Get(m, "Ncap-Records", &nrec) != NATS_OK)
			nrec = "-";
		printf("%llu %s %s %s %s %d\n", (unsigned long long)seq,
		    sensor, type, id, nrec, natsMsg_GetDataLength(m));
		if (dir != NULL) {
			fp = open_ncap(dir, sensor, type);
			if (fwrite(natsMsg_GetData(m), 1,
			    (size_t)natsMsg_GetDataLength(m), fp) !=
			    (size_t)natsMsg_GetDataLength(m) || fclose(fp) != 0)
				err(1, "%s/%s/%s.ncap", dir, sensor, type);
		}
		natsMsg_Destroy(m);
	}
	jsStreamInfo_Destroy(si);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return (0);
}
