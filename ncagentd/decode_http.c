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
 * HTTP/1.x at the start of a TCP segment: a request or status line and
 * the header lines after it that end inside the segment.  No
 * reassembly: a header line the segment cuts is left out (never half
 * a value), and what follows in later segments is not looked at.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "ncagentd.h"
#include "records_tcp.pb-c.h"
#include "decode.h"

/*
 * Each string a record keeps is cut at this many bytes (the record
 * must fit a datagram); the record's truncated field says so.
 */
#define HTTP_STRMAX		1024

struct line {
	const uint8_t	*p;
	size_t		 len;
};

struct http {
	int		 truncated;
	char		 method[8];
	char		 version[9];
	char		 uri[HTTP_STRMAX + 1];
	char		 host[HTTP_STRMAX + 1];
	char		 user_agent[HTTP_STRMAX + 1];
	char		 content_type[HTTP_STRMAX + 1];
};

/* the methods of RFC 9110 and PATCH (RFC 5789) */
static const char *const methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
	"TRACE", "PATCH",
};

#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

/*
 * The next line: up to LF, without it and a CR before it.  -1 if the
 * segment ends first.
 */
static int
getline_lf(struct line *r, struct line *l)
{
	const uint8_t	*nl;
	size_t		 n;

	if ((nl = memchr(r->p, '\n', r->len)) == NULL)
		return (-1);
	n = (size_t)(nl - r->p);
	l->p = r->p;
	l->len = n > 0 && r->p[n - 1] == '\r' ? n - 1 : n;
	r->p += n + 1;
	r->len -= n + 1;
	return (0);
}

/* a control byte, DEL, or not ASCII at all */
static int
isctl(uint8_t ch)
{
	return (ch < 0x20 || ch >= 0x7f);
}

/* the method the segment starts with, followed by a space, or -1 */
static int
method(const uint8_t *p, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < NMETHODS; i++) {
		n = strlen(methods[i]);
		if (len > n && memcmp(p, methods[i], n) == 0 && p[n] == ' ')
			return ((int)i);
	}
	return (-1);
}

/* "HTTP/x.y", exactly 8 bytes */
static int
version(const uint8_t *p, size_t len)
{
	return (len >= 8 && memcmp(p, "HTTP/", 5) == 0 &&
	    p[5] >= '0' && p[5] <= '9' && p[6] == '.' &&
	    p[7] >= '0' && p[7] <= '9' ? 0 : -1);
}

/* a string for the record: bounded, and valid UTF-8 whatever came */
static void
keep(struct http *h, char *dst, const uint8_t *src, size_t n)
{
	size_t	 i;

	if (n > HTTP_STRMAX) {
		n = HTTP_STRMAX;
		h->truncated = 1;
	}
	for (i = 0; i < n; i++)
		dst[i] = isctl(src[i]) ? '?' : (char)src[i];
	dst[n] = '\0';
}

/* "METHOD SP URI SP HTTP/x.y", no control or non-ASCII bytes */
static int
request_line(struct http *h, const struct line *l, int mi)
{
	size_t	 mlen, i, ulen;

	for (i = 0; i < l->len; i++)
		if (isctl(l->p[i]))
			return (-1);
	mlen = strlen(methods[mi]);
	for (ulen = 0; mlen + 1 + ulen < l->len &&
	    l->p[mlen + 1 + ulen] != ' '; ulen++)
		;
	if (ulen == 0 || l->len != mlen + 1 + ulen + 1 + 8 ||
	    version(l->p + mlen + 1 + ulen + 1, 8) == -1)
		return (-1);
	strlcpy(h->method, methods[mi], sizeof(h->method));
	keep(h, h->uri, l->p + mlen + 1, ulen);
	keep(h, h->version, l->p + mlen + 1 + ulen + 1, 8);
	return (0);
}

/* "HTTP/x.y SP 3DIGIT", then a reason phrase or nothing */
static int
status_line(struct http *h, const struct line *l, uint32_t *code)
{
	const uint8_t	*p = l->p;
	size_t		 i;

	for (i = 0; i < l->len; i++)
		if (l->p[i] != '\t' && l->p[i] < 0x20)
			return (-1);
	if (l->len < 12 || version(p, l->len) == -1 || p[8] != ' ' ||
	    p[9] < '0' || p[9] > '9' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || (l->len > 12 && p[12] != ' '))
		return (-1);
	keep(h, h->version, p, 8);
	*code = (uint32_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 +
	    (p[11] - '0'));
	return (0);
}

/* name ':' OWS value OWS; the first of each name we keep wins */
static void
header(struct http *h, const struct line *l, int *seen)
{
	static const char *const names[] = {
		"host", "user-agent", "content-type"
	};
	char		*dst[3];
	const uint8_t	*colon, *v, *e;
	size_t		 i, nlen;

	dst[0] = h->host;
	dst[1] = h->user_agent;
	dst[2] = h->content_type;
	if ((colon = memchr(l->p, ':', l->len)) == NULL)
		return;
	nlen = (size_t)(colon - l->p);
	v = colon + 1;
	e = l->p + l->len;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (i = 0; i < 3; i++) {
		if (seen[i] || nlen != strlen(names[i]) ||
		    strncasecmp((const char *)l->p, names[i], nlen) != 0)
			continue;
		keep(h, dst[i], v, (size_t)(e - v));
		seen[i] = 1;
	}
}

/*
 * Data that starts with neither a request nor a status line (the rest
 * of a body, another protocol) is let go without a count.  A line that
 * starts like one but is malformed counts as an error; one the segment
 * cuts counts as truncated.
 */
enum dres
dec_http(struct dctx *c, int type, uint32_t key)
{
	HTTP		 m = HTTP__INIT;
	struct http	 h;
	struct line	 r, l;
	int		 mi, seen[3];
	uint32_t	 code = 0;

	r.p = c->p;
	r.len = c->len;
	mi = method(c->p, c->len);
	if (mi == -1 && (c->len < 5 || memcmp(c->p, "HTTP/", 5) != 0))
		return (D_DONE);
	if (getline_lf(&r, &l) == -1)
		return (D_TRUNC);

	memset(&h, 0, sizeof(h));
	if (mi != -1) {
		if (request_line(&h, &l, mi) == -1)
			return (D_BAD);
	} else if (status_line(&h, &l, &code) == -1)
		return (D_BAD);

	/* header lines up to the blank one; a cut line is left out */
	memset(seen, 0, sizeof(seen));
	while (getline_lf(&r, &l) == 0 && l.len > 0) {
		/* an obsolete folded continuation: not ours to join */
		if (l.p[0] == ' ' || l.p[0] == '\t')
			continue;
		header(&h, &l, seen);
	}

	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.src_port = c->sport;
	m.dst_port = c->dport;
	m.method = h.method;
	m.uri = h.uri;
	m.version = h.version;
	m.status_code = code;
	m.host = h.host;
	m.user_agent = h.user_agent;
	m.content_type = h.content_type;
	m.truncated = h.truncated;
	dec_emit(c, type, &m.base);
	return (D_DONE);
}
