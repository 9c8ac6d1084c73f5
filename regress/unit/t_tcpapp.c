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
 * The TLS ClientHello and HTTP decoders against the captures of
 * regress/captures/gen_tcpapp.py: per frame, the record (its fields
 * as the generator built them, JA3 strings and MD5s computed there
 * with Python's own MD5) or the counter that must move instead;
 * every frame cut at every length, from exact-size copies so the
 * sanitizers see any read past the frame.
 *
 * usage: t_tcpapp [capturedir]
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncagentd.h"
#include "records.h"
#include "records_tcp.pb-c.h"
#include "tap.h"

#define CAPTURE_DIR	"regress/captures"
#define MAXREC		8		/* app records of one frame */
#define RECBUF		16384
#define MAXFRAMES	1024

/* the JA3 description's own example: its string and MD5 */
#define README_JA3	"769,47-53-5-10-49161-49162-49171-49172-50-56-19-4," \
			"0-10-11,23-24-25,0"
#define README_MD5	"ada70206e40642a3e4461f35503241d5"

struct rec {
	int		 type;
	size_t		 len;
	uint8_t		 buf[RECBUF];
};

struct frame {
	u_char		*data;
	size_t		 caplen, len;
	int64_t		 ts;
};

static struct rec	 recs[MAXREC];
static size_t		 nrecs;
static uint64_t		 nbad;		/* records that failed to pack */
static struct type_stats *stats;
static int		 t_tls, t_http;
static struct frame	 frames[MAXFRAMES];
static int		 nframes;



/* what capture.c does: pack the record at once; keep the app ones */
static void
emit(void *arg, int type, const ProtobufCMessage *msg)
{
	uint8_t	 scratch[RECBUF], *out = scratch;
	size_t	 sz;

	sz = protobuf_c_message_get_packed_size(msg);
	if (sz > RECBUF) {
		nbad++;
		return;
	}
	if ((type == t_tls || type == t_http) && nrecs < MAXREC)
		out = recs[nrecs].buf;
	if (protobuf_c_message_pack(msg, out) != sz) {
		nbad++;
		return;
	}
	if ((type == t_tls || type == t_http) && nrecs < MAXREC) {
		recs[nrecs].type = type;
		recs[nrecs].len = sz;
		nrecs++;
	}
}

/* decode from an exact-size copy, counters and records from zero */
static void
decode_exact(const u_char *p, size_t caplen, size_t len, int64_t ts)
{
	u_char	*copy;

	if ((copy = malloc(caplen ? caplen : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	memcpy(copy, p, caplen);
	memset(stats, 0, nrectypes * sizeof(*stats));
	nrecs = 0;
	decode_packet(DLT_EN10MB, ts, copy, caplen, len);
	free(copy);
}

static int
load(const char *dir, const char *name)
{
	char			 path[1024], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr	*h;
	const u_char		*data;
	pcap_t			*pc;

	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
		ok(0, "%s", errbuf);
		return (-1);
	}
	nframes = 0;
	while (pcap_next_ex(pc, &h, &data) == 1 && nframes < MAXFRAMES) {
		struct frame	*f = &frames[nframes++];

		if ((f->data = malloc(h->caplen ? h->caplen : 1)) == NULL) {
			perror("malloc");
			exit(1);
		}
		memcpy(f->data, data, h->caplen);
		f->caplen = h->caplen;
		f->len = h->len;
		f->ts = (int64_t)h->ts.tv_sec * 1000000000 +
		    (int64_t)h->ts.tv_usec * 1000;
	}
	pcap_close(pc);
	return (0);
}

static void
unload(void)
{
	int	 i;

	for (i = 0; i < nframes; i++)
		free(frames[i].data);
	nframes = 0;
}

static void
append(char *buf, size_t sz, const char *s, int sep)
{
	if (sep)
		strlcat(buf, ",", sz);
	strlcat(buf, s, sz);
}

/* one field as the .expect file writes it; repeated: joined by ',' */
static void
render(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd,
    char *buf, size_t sz)
{
	const char	*base = (const char *)m + fd->offset;
	char		 num[64];
	size_t		 i, n = 1;

	buf[0] = '\0';
	if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
		memcpy(&n, (const char *)m + fd->quantifier_offset, sizeof(n));
		memcpy(&base, base, sizeof(base));
	}
	for (i = 0; i < n; i++) {
		switch (fd->type) {
		case PROTOBUF_C_TYPE_UINT32:
			snprintf(num, sizeof(num), "%u",
			    ((const uint32_t *)(const void *)base)[i]);
			append(buf, sz, num, i > 0);
			break;
		case PROTOBUF_C_TYPE_INT64:
			snprintf(num, sizeof(num), "%lld", (long long)
			    ((const int64_t *)(const void *)base)[i]);
			append(buf, sz, num, i > 0);
			break;
		case PROTOBUF_C_TYPE_BOOL:
			append(buf, sz, ((const protobuf_c_boolean *)
			    (const void *)base)[i] ? "1" : "0", i > 0);
			break;
		case PROTOBUF_C_TYPE_STRING:
			append(buf, sz, ((char *const *)(const void *)base)[i],
			    i > 0);
			break;
		case PROTOBUF_C_TYPE_BYTES: {
			const ProtobufCBinaryData *b =
			    (const ProtobufCBinaryData *)(const void *)base;

			if (b->len == 4 || b->len == 16)
				inet_ntop(b->len == 4 ? AF_INET : AF_INET6,
				    b->data, num, sizeof(num));
			else
				strlcpy(num, "?", sizeof(num));
			append(buf, sz, num, i > 0);
			break;
		}
		default:
			append(buf, sz, "?", i > 0);
		}
	}
}

/* the fields of the expect line (tab-separated name=value) in m */
static int
fields_ok(const ProtobufCMessage *m, char *spec, char *why, size_t whysz)
{
	const ProtobufCFieldDescriptor	*fd;
	static char			 got[RECBUF];
	char				*w, *save, *eq;

	for (w = strtok_r(spec, "\t", &save); w != NULL;
	    w = strtok_r(NULL, "\t", &save)) {
		if ((eq = strchr(w, '=')) == NULL)
			continue;
		*eq++ = '\0';
		fd = protobuf_c_message_descriptor_get_field_by_name(
		    m->descriptor, w);
		if (fd == NULL) {
			snprintf(why, whysz, "no field %s", w);
			return (0);
		}
		render(m, fd, got, sizeof(got));
		if (strcmp(got, eq) != 0) {
			snprintf(why, whysz, "%s=\"%.200s\", want \"%.200s\"",
			    w, got, eq);
			return (0);
		}
	}
	return (1);
}

/* the counters of a type: 1 record, or no record and one counter */
static int
counts_ok(int type, int rec, int err, int trunc)
{
	return (stats[type].records == (uint64_t)rec &&
	    stats[type].errors == (uint64_t)err &&
	    stats[type].truncated == (uint64_t)trunc);
}

static int
typeof_name(const char *s)
{
	if (strcmp(s, "TLSClientHello") == 0)
		return (t_tls);
	if (strcmp(s, "HTTP") == 0)
		return (t_http);
	return (-1);
}

/* one frame against its expect line; 1 if it is as expected */
static int
check_frame(const char *name, int n, char *line)
{
	ProtobufCMessage	*m;
	char			*label, *outcome, *rest, *save, why[512];
	int			 t, good;

	strtok_r(line, "\t", &save);
	label = strtok_r(NULL, "\t", &save);
	outcome = strtok_r(NULL, "\t", &save);
	rest = save;
	if (label == NULL || outcome == NULL || n > nframes) {
		ok(0, "%s frame %d: bad expect line", name, n);
		return (0);
	}
	decode_exact(frames[n - 1].data, frames[n - 1].caplen,
	    frames[n - 1].len, frames[n - 1].ts);
	why[0] = '\0';
	if (strcmp(outcome, "none") == 0) {
		good = nrecs == 0 && counts_ok(t_tls, 0, 0, 0) &&
		    counts_ok(t_http, 0, 0, 0);
	} else if (strncmp(outcome, "truncated ", 10) == 0) {
		t = typeof_name(outcome + 10);
		good = t != -1 && nrecs == 0 && counts_ok(t, 0, 1, 1);
	} else if (strncmp(outcome, "error ", 6) == 0) {
		t = typeof_name(outcome + 6);
		good = t != -1 && nrecs == 0 && counts_ok(t, 0, 1, 0);
	} else {
		t = typeof_name(outcome);
		good = t != -1 && nrecs == 1 && recs[0].type == t &&
		    counts_ok(t, 1, 0, 0);
		if (good) {
			m = protobuf_c_message_unpack(rectypes[t], NULL,
			    recs[0].len, recs[0].buf);
			good = m != NULL && fields_ok(m, rest, why,
			    sizeof(why));
			if (m != NULL)
				protobuf_c_message_free_unpacked(m, NULL);
		}
	}
	if (!good)
		ok(0, "%s frame %d %s: want %s: %zu records, TLS %llu/%llu/%llu "
		    "HTTP %llu/%llu/%llu %s", name, n, label, outcome, nrecs,
		    (unsigned long long)stats[t_tls].records,
		    (unsigned long long)stats[t_tls].errors,
		    (unsigned long long)stats[t_tls].truncated,
		    (unsigned long long)stats[t_http].records,
		    (unsigned long long)stats[t_http].errors,
		    (unsigned long long)stats[t_http].truncated, why);
	return (good);
}

static void
run_capture(const char *dir, const char *name)
{
	char	 path[1024], *line = NULL;
	size_t	 linesz = 0;
	FILE	*fp;
	int	 n = 0, good = 0;

	if (load(dir, name) == -1)
		return;
	snprintf(path, sizeof(path), "%s/%s.expect", dir, name);
	if ((fp = fopen(path, "r")) == NULL) {
		ok(0, "%s: cannot read", path);
		unload();
		return;
	}
	while (getline(&line, &linesz, fp) != -1) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n++;
		good += check_frame(name, n, line);
	}
	free(line);
	fclose(fp);
	ok(n > 0 && n == nframes && good == n,
	    "%s: %d of %d frames as expected (%d in the capture)", name, good,
	    n, nframes);
	unload();
}

/*
 * Every frame of a capture cut at every length: no read past the
 * copy (the sanitizers watch), and a TLS hello never gives a record
 * unless whole: cut inside it, it counts as truncated.
 */
static void
cut_all(const char *dir, const char *name)
{
	size_t	 k, hdr;
	int	 i, bad = 0, cuts = 0;

	if (load(dir, name) == -1)
		return;
	for (i = 0; i < nframes; i++) {
		struct frame	*f = &frames[i];
		int		 whole_tls;

		decode_exact(f->data, f->caplen, f->len, f->ts);
		whole_tls = stats[t_tls].records == 1;
		/* Ethernet, IPv4 or IPv6 without options, TCP */
		hdr = 14 + (f->caplen > 13 && f->data[12] == 0x86 ? 40 : 20) +
		    20;
		for (k = 0; k < f->caplen; k++) {
			decode_exact(f->data, k, f->len, f->ts);
			cuts++;
			if (nbad != 0)
				bad++;
			if (!whole_tls)
				continue;
			/* 6 bytes show a hello: from there, truncated */
			if (stats[t_tls].records != 0 || (k >= hdr + 6 ?
			    !counts_ok(t_tls, 0, 1, 1) :
			    !counts_ok(t_tls, 0, 0, 0))) {
				ok(0, "%s frame %d cut at %zu: TLS %llu/%llu/"
				    "%llu", name, i + 1, k, (unsigned long long)
				    stats[t_tls].records, (unsigned long long)
				    stats[t_tls].errors, (unsigned long long)
				    stats[t_tls].truncated);
				bad++;
			}
		}
	}
	ok(bad == 0, "%s: %d cuts of %d frames decode within bounds", name,
	    cuts, nframes);
	unload();
}

/* the one value everyone can look up: the JA3 description's example */
static void
ja3_readme(const char *dir)
{
	TLSClientHello	*m = NULL;
	int		 i;

	if (load(dir, "tcpapp-tls") == -1)
		return;
	for (i = 0; i < nframes && m == NULL; i++) {
		decode_exact(frames[i].data, frames[i].caplen, frames[i].len,
		    frames[i].ts);
		if (nrecs != 1 || recs[0].type != t_tls)
			continue;
		m = tlsclient_hello__unpack(NULL, recs[0].len, recs[0].buf);
		if (m != NULL && strcmp(m->server_name, "ja3.example") != 0) {
			tlsclient_hello__free_unpacked(m, NULL);
			m = NULL;
		}
	}
	ok(m != NULL && strcmp(m->ja3, README_JA3) == 0,
	    "JA3 string of the example hello: %s",
	    m != NULL ? m->ja3 : "(none)");
	ok(m != NULL && strcmp(m->ja3_hash, README_MD5) == 0,
	    "JA3 hash of the example hello: %s",
	    m != NULL ? m->ja3_hash : "(none)");
	ok(m != NULL && m->version == 0x0301 && m->max_version == 0 &&
	    m->n_cipher_suites == 12 && m->n_extensions == 3 &&
	    m->n_alpn == 0, "the example hello: TLS 1.0, 12 suites, "
	    "3 extensions, no ALPN");
	if (m != NULL)
		tlsclient_hello__free_unpacked(m, NULL);
	unload();
}

int
main(int argc, char *argv[])
{
	const char	*dir = argc > 1 ? argv[1] : CAPTURE_DIR;

	t_tls = rectype_byname("TLSClientHello");
	t_http = rectype_byname("HTTP");
	ok(t_tls != -1 && t_http != -1, "TLSClientHello and HTTP are "
	    "record types");
	if (t_tls == -1 || t_http == -1)
		return (1);
	if ((stats = calloc(nrectypes, sizeof(*stats))) == NULL) {
		perror("calloc");
		return (1);
	}
	decode_init(emit, NULL, stats);

	run_capture(dir, "tcpapp-tls");
	run_capture(dir, "tcpapp-tlscut");
	run_capture(dir, "tcpapp-http");
	ja3_readme(dir);
	cut_all(dir, "tcpapp-tls");
	cut_all(dir, "tcpapp-http");
	ok(nbad == 0, "every record packs (%llu did not)",
	    (unsigned long long)nbad);

	free(stats);
	return (nfail != 0);
}
