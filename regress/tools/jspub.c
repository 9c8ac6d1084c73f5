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
 * jspub: publish files into a JetStream stream, as a collector's
 * jetstream output would publish batches, for t_dumpstream.
 *
 *	jspub -u url -s stream [-c subject ...] < list
 *
 * -c (repeated) first creates the stream, in memory, with those
 * subjects.  Each line of the list is "subject file": the file's bytes
 * are one message on that subject, with a Nats-Msg-Id unique to the
 * line; every publish is acknowledged before the next.
 */

#include <err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

#define MAXSUBJ		16
#define MAXMSG		(1024 * 1024)

static __dead void
usage(void)
{
	fprintf(stderr, "usage: jspub -u url -s stream [-c subject ...] "
	    "< list\n");
	exit(2);
}

static __dead void
fail(const char *what, natsStatus s)
{
	const char	*text = nats_GetLastError(NULL);

	errx(1, "%s: %s", what, text != NULL && *text != '\0' ? text :
	    natsStatus_GetText(s));
}

int
main(int argc, char *argv[])
{
	const char	*subj[MAXSUBJ], *url = NULL, *stream = NULL;
	natsConnection	*nc = NULL;
	jsCtx		*js = NULL;
	jsStreamConfig	 sc;
	jsStreamInfo	*si = NULL;
	jsPubAck	*pa = NULL;
	natsMsg		*msg;
	natsStatus	 s;
	jsErrCode	 jerr = 0;
	FILE		*fp;
	char		 line[1024], *path, id[64];
	unsigned char	*buf;
	size_t		 len;
	unsigned long	 n = 0;
	int		 ch, nsubj = 0;

	while ((ch = getopt(argc, argv, "c:s:u:")) != -1) {
		switch (ch) {
		case 'c':
			if (nsubj == MAXSUBJ)
				usage();
			subj[nsubj++] = optarg;
			break;
		case 's':
			stream = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		default:
			usage();
		}
	}
	if (url == NULL || stream == NULL || optind != argc)
		usage();
	if ((buf = malloc(MAXMSG)) == NULL)
		err(1, NULL);

	if ((s = natsConnection_ConnectTo(&nc, url)) != NATS_OK)
		fail(url, s);
	if ((s = natsConnection_JetStream(&js, nc, NULL)) != NATS_OK)
		fail("jetstream", s);
	if (nsubj > 0) {
		jsStreamConfig_Init(&sc);
		sc.Name = stream;
		sc.Subjects = subj;
		sc.SubjectsLen = nsubj;
		sc.Storage = js_MemoryStorage;
		if ((s = js_AddStream(&si, js, &sc, NULL, &jerr)) != NATS_OK)
			fail(stream, s);
		jsStreamInfo_Destroy(si);
	}

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((path = strchr(line, ' ')) == NULL)
			errx(1, "line %lu: not \"subject file\"", n + 1);
		*path++ = '\0';
		if ((fp = fopen(path, "re")) == NULL)
			err(1, "%s", path);
		len = fread(buf, 1, MAXMSG, fp);
		if (ferror(fp) || !feof(fp))
			errx(1, "%s: cannot read it whole", path);
		fclose(fp);
		n++;
		snprintf(id, sizeof(id), "jspub-%ld-%lu", (long)getpid(), n);
		if ((s = natsMsg_Create(&msg, line, NULL, (const char *)buf,
		    (int)len)) != NATS_OK ||
		    (s = natsMsgHeader_Set(msg, "Nats-Msg-Id", id)) != NATS_OK)
			fail("message", s);
		if ((s = js_PublishMsg(&pa, js, msg, NULL, &jerr)) != NATS_OK)
			fail(line, s);
		jsPubAck_Destroy(pa);
		natsMsg_Destroy(msg);
	}
	if (ferror(stdin))
		err(1, "stdin");
	printf("%lu\n", n);

	free(buf);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	nats_Close();
	return (0);
}
