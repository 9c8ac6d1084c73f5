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
 * TLS ClientHello at the start of a TCP segment: server name, ALPN,
 * cipher suites, extensions and the JA3 fingerprint.  No reassembly:
 * a hello cut by the end of the segment (or of the capture, or of its
 * record) yields no record and counts as truncated, even when the
 * part we have holds the server name.  A partial hello would give a
 * JA3 of some other client, and a name alone is not what the record
 * promises.
 */

#include <sys/types.h>

#include <md5.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ncagentd.h"
#include "records_tcp.pb-c.h"
#include "decode.h"

#define TLS_RECHDR		5	/* content type, version, length */
#define TLS_HSHDR		4	/* handshake type, 24-bit length */
#define TLS_HANDSHAKE		22
#define TLS_CLIENTHELLO		1
#define TLS_RANDOM		32

#define EXT_SERVER_NAME		0
#define EXT_GROUPS		10	/* supported_groups, once elliptic_curves */
#define EXT_POINT_FORMATS	11
#define EXT_ALPN		16
#define EXT_VERSIONS		43	/* supported_versions */
#define SNI_HOST_NAME		0

/*
 * What one record keeps.  Real clients offer a few dozen suites and
 * extensions; a hello past these bounds is refused as bogus rather
 * than given a JA3 of its first values.
 */
#define TLS_MAXCIPHERS		256
#define TLS_MAXEXTS		64
#define TLS_MAXGROUPS		64
#define TLS_MAXFORMATS		16
#define TLS_MAXALPN		16
#define TLS_MAXNAME		255	/* a DNS name is at most 253 */
/* 5 digits and a separator per value, the version, 4 commas */
#define JA3_MAX			(6 * (TLS_MAXCIPHERS + TLS_MAXEXTS + \
				    TLS_MAXGROUPS + TLS_MAXFORMATS) + 16)

/* a running view of bytes yet to be read */
struct rbuf {
	const uint8_t	*p;
	size_t		 len;
};

struct hello {
	uint32_t	 version;
	uint32_t	 max_version;
	uint32_t	 ciphers[TLS_MAXCIPHERS];
	size_t		 nciphers;
	uint32_t	 exts[TLS_MAXEXTS];
	size_t		 nexts;
	uint32_t	 groups[TLS_MAXGROUPS];
	size_t		 ngroups;
	uint32_t	 formats[TLS_MAXFORMATS];
	size_t		 nformats;
	int		 has_name;
	char		 name[TLS_MAXNAME + 1];
	char		 alpnbuf[TLS_MAXALPN][256];
	char		*alpn[TLS_MAXALPN];
	size_t		 nalpn;
	char		 ja3[JA3_MAX];
	char		 ja3_hash[MD5_DIGEST_STRING_LENGTH];
};

static int
get8(struct rbuf *r, uint32_t *v)
{
	if (r->len < 1)
		return (-1);
	*v = r->p[0];
	r->p++;
	r->len--;
	return (0);
}

static int
get16(struct rbuf *r, uint32_t *v)
{
	if (r->len < 2)
		return (-1);
	*v = rd16(r->p);
	r->p += 2;
	r->len -= 2;
	return (0);
}

/* split the next n bytes off into sub */
static int
take(struct rbuf *r, size_t n, struct rbuf *sub)
{
	if (r->len < n)
		return (-1);
	sub->p = r->p;
	sub->len = n;
	r->p += n;
	r->len -= n;
	return (0);
}

/* a vector: its length in lenbytes (1 or 2), then that many bytes */
static int
vec(struct rbuf *r, int lenbytes, struct rbuf *sub)
{
	uint32_t	 n;

	if ((lenbytes == 1 ? get8(r, &n) : get16(r, &n)) == -1)
		return (-1);
	return (take(r, n, sub));
}

/* RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa */
static int
grease(uint32_t v)
{
	return ((v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff));
}

/* records carry text: what is not printable ASCII shows as '?' */
static void
copytext(char *dst, const uint8_t *src, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[n] = '\0';
}

/* a list of 16-bit values (groups, versions) filling the whole body */
static int
list16(struct rbuf *body, uint32_t *out, size_t max, size_t *n)
{
	struct rbuf	 l;
	uint32_t	 v;

	if (vec(body, 2, &l) == -1 || body->len != 0 || l.len % 2 != 0)
		return (-1);
	while (l.len > 0) {
		if (*n == max)
			return (-1);
		if (get16(&l, &v) == -1)
			return (-1);
		out[(*n)++] = v;
	}
	return (0);
}

static int
ext_server_name(struct hello *h, struct rbuf *body)
{
	struct rbuf	 l, name;
	uint32_t	 t;

	if (vec(body, 2, &l) == -1 || body->len != 0)
		return (-1);
	while (l.len > 0) {
		if (get8(&l, &t) == -1 || vec(&l, 2, &name) == -1)
			return (-1);
		if (t != SNI_HOST_NAME || h->has_name)
			continue;
		if (name.len > TLS_MAXNAME)
			return (-1);
		copytext(h->name, name.p, name.len);
		h->has_name = 1;
	}
	return (0);
}

static int
ext_alpn(struct hello *h, struct rbuf *body)
{
	struct rbuf	 l, proto;

	if (vec(body, 2, &l) == -1 || body->len != 0)
		return (-1);
	while (l.len > 0) {
		/* RFC 7301: protocol names are 1 to 255 bytes */
		if (vec(&l, 1, &proto) == -1 || proto.len == 0 ||
		    h->nalpn == TLS_MAXALPN)
			return (-1);
		copytext(h->alpnbuf[h->nalpn], proto.p, proto.len);
		h->alpn[h->nalpn] = h->alpnbuf[h->nalpn];
		h->nalpn++;
	}
	return (0);
}

static int
ext_point_formats(struct hello *h, struct rbuf *body)
{
	struct rbuf	 l;
	uint32_t	 v;

	if (vec(body, 1, &l) == -1 || body->len != 0)
		return (-1);
	while (l.len > 0) {
		if (h->nformats == TLS_MAXFORMATS)
			return (-1);
		if (get8(&l, &v) == -1)
			return (-1);
		h->formats[h->nformats++] = v;
	}
	return (0);
}

static int
ext_versions(struct hello *h, struct rbuf *body)
{
	struct rbuf	 l;
	uint32_t	 v;

	if (vec(body, 1, &l) == -1 || body->len != 0 || l.len % 2 != 0)
		return (-1);
	while (l.len > 0) {
		if (get16(&l, &v) == -1)
			return (-1);
		if (!grease(v) && v > h->max_version)
			h->max_version = v;
	}
	return (0);
}

static int
extension(struct hello *h, uint32_t type, struct rbuf *body)
{
	switch (type) {
	case EXT_SERVER_NAME:
		return (ext_server_name(h, body));
	case EXT_ALPN:
		return (ext_alpn(h, body));
	case EXT_GROUPS:
		return (list16(body, h->groups, TLS_MAXGROUPS, &h->ngroups));
	case EXT_POINT_FORMATS:
		return (ext_point_formats(h, body));
	case EXT_VERSIONS:
		return (ext_versions(h, body));
	}
	return (0);
}

/*
 * The body of a ClientHello whose every byte is there: each length
 * inside it must agree with what remains, or the hello is bogus.
 */
static int
parse_hello(struct hello *h, struct rbuf *r)
{
	struct rbuf	 rnd, sid, suites, comp, exts, body;
	uint32_t	 v, type;

	if (get16(r, &h->version) == -1 || take(r, TLS_RANDOM, &rnd) == -1 ||
	    vec(r, 1, &sid) == -1 || vec(r, 2, &suites) == -1 ||
	    suites.len % 2 != 0 || vec(r, 1, &comp) == -1)
		return (-1);
	while (suites.len > 0) {
		if (h->nciphers == TLS_MAXCIPHERS)
			return (-1);
		if (get16(&suites, &v) == -1)
			return (-1);
		h->ciphers[h->nciphers++] = v;
	}
	/* extensions are optional; if present they fill the rest */
	if (r->len == 0)
		return (0);
	if (vec(r, 2, &exts) == -1 || r->len != 0)
		return (-1);
	while (exts.len > 0) {
		if (get16(&exts, &type) == -1 || vec(&exts, 2, &body) == -1 ||
		    h->nexts == TLS_MAXEXTS)
			return (-1);
		h->exts[h->nexts++] = type;
		if (extension(h, type, &body) == -1)
			return (-1);
	}
	return (0);
}

/* one JA3 field: the values but GREASE in decimal, '-' between them */
static void
ja3_list(char *buf, size_t sz, const uint32_t *v, size_t n)
{
	char	 num[16];
	size_t	 i;
	int	 first = 1;

	for (i = 0; i < n; i++) {
		if (grease(v[i]))
			continue;
		snprintf(num, sizeof(num), "%s%u", first ? "" : "-", v[i]);
		strlcat(buf, num, sz);
		first = 0;
	}
}

static void
ja3(struct hello *h)
{
	static const char	 hex[] = "0123456789abcdef";
	MD5_CTX			 ctx;
	uint8_t			 d[MD5_DIGEST_LENGTH];
	size_t			 i;

	snprintf(h->ja3, sizeof(h->ja3), "%u,", h->version);
	ja3_list(h->ja3, sizeof(h->ja3), h->ciphers, h->nciphers);
	strlcat(h->ja3, ",", sizeof(h->ja3));
	ja3_list(h->ja3, sizeof(h->ja3), h->exts, h->nexts);
	strlcat(h->ja3, ",", sizeof(h->ja3));
	ja3_list(h->ja3, sizeof(h->ja3), h->groups, h->ngroups);
	strlcat(h->ja3, ",", sizeof(h->ja3));
	ja3_list(h->ja3, sizeof(h->ja3), h->formats, h->nformats);

	MD5Init(&ctx);
	MD5Update(&ctx, (const uint8_t *)h->ja3, strlen(h->ja3));
	MD5Final(d, &ctx);
	for (i = 0; i < MD5_DIGEST_LENGTH; i++) {
		h->ja3_hash[2 * i] = hex[d[i] >> 4];
		h->ja3_hash[2 * i + 1] = hex[d[i] & 0xf];
	}
	h->ja3_hash[2 * MD5_DIGEST_LENGTH] = '\0';
}

/*
 * Only a handshake record whose first message is a ClientHello is
 * ours; anything else on a TLS port (other records, the middle of a
 * record, six bytes too few to tell) is let go without a count.
 */
enum dres
dec_tls(struct dctx *c, int type, uint32_t key)
{
	TLSClientHello	 m = TLSCLIENT_HELLO__INIT;
	struct hello	 h;
	struct rbuf	 r;
	size_t		 reclen, hslen;

	if (c->len < TLS_RECHDR + 1 || c->p[0] != TLS_HANDSHAKE ||
	    c->p[1] != 3 || c->p[TLS_RECHDR] != TLS_CLIENTHELLO)
		return (D_DONE);
	if (c->len < TLS_RECHDR + TLS_HSHDR)
		return (D_TRUNC);
	reclen = rd16(c->p + 3);
	hslen = (size_t)c->p[6] << 16 | (size_t)rd16(c->p + 7);
	/* a hello that goes on in the next record is not reassembled */
	if (TLS_HSHDR + hslen > reclen)
		return (D_TRUNC);
	if (c->len - TLS_RECHDR - TLS_HSHDR < hslen)
		return (D_TRUNC);

	memset(&h, 0, sizeof(h));
	r.p = c->p + TLS_RECHDR + TLS_HSHDR;
	r.len = hslen;
	if (parse_hello(&h, &r) == -1)
		return (D_BAD);
	ja3(&h);

	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.src_port = c->sport;
	m.dst_port = c->dport;
	m.version = h.version;
	m.max_version = h.max_version;
	if (h.has_name)
		m.server_name = h.name;
	m.n_alpn = h.nalpn;
	m.alpn = h.alpn;
	m.n_cipher_suites = h.nciphers;
	m.cipher_suites = h.ciphers;
	m.n_extensions = h.nexts;
	m.extensions = h.exts;
	m.ja3 = h.ja3;
	m.ja3_hash = h.ja3_hash;
	dec_emit(c, type, &m.base);
	return (D_DONE);
}
