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

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "ncagentd.h"
#include "records.pb-c.h"
#include "decode.h"

#define IPV4_HDRLEN	20	/* without options */
#define IPV6_HDRLEN	40
#define IP6_EXTMIN	8	/* every extension header is 8n bytes */
#define IP6_FRAGLEN	8
#define AH_MINLEN	12
#define IPV4_OFFMASK	0x1fff

enum dres
dec_ipv4(struct dctx *c, int type, uint32_t key)
{
	IPv4		 m = IPV4__INIT;
	size_t		 hlen, extent;

	if (c->len < IPV4_HDRLEN)
		return (D_TRUNC);
	m.version = c->p[0] >> 4;
	m.ihl = c->p[0] & 0x0f;
	if (m.version != 4 || m.ihl < 5)
		return (D_BAD);
	hlen = (size_t)m.ihl * 4;
	if (c->len < hlen)
		return (D_TRUNC);
	m.length = rd16(c->p + 2);

	/*
	 * Ethernet pads short frames: the packet ends at its total
	 * length.  A total length of 0 is what TCP segmentation offload
	 * leaves in locally sent packets; then the capture decides.
	 */
	if (m.length == 0)
		extent = c->len;
	else if (m.length < hlen)
		return (D_BAD);
	else
		extent = m.length < c->len ? m.length : c->len;
	c->ipcut = m.length > c->len;

	m.timestamp = c->ts;
	m.tos = c->p[1];
	m.id = rd16(c->p + 4);
	m.flags = rd16(c->p + 6) >> 13;
	m.frag_offset = rd16(c->p + 6) & IPV4_OFFMASK;
	m.ttl = c->p[8];
	m.protocol = c->p[9];
	m.checksum = rd16(c->p + 10);
	c->ipver = 4;
	c->alen = 4;
	setbytes(&m.src_ip, c->src, c->p + 12, 4);
	setbytes(&m.dst_ip, c->dst, c->p + 16, 4);
	m.options_size = hlen - IPV4_HDRLEN;
	m.payload_size = extent - hlen;
	dec_emit(c, type, &m.base);

	/* only the first fragment has the next header */
	if (m.frag_offset != 0)
		return (D_DONE);
	c->len = extent;
	dec_advance(c, hlen);
	c->next = L_IPPROTO;
	c->key = m.protocol;
	return (D_NEXT);
}

enum dres
dec_ipv6(struct dctx *c, int type, uint32_t key)
{
	IPv6		 m = IPV6__INIT;
	uint32_t	 vtcfl;
	size_t		 extent;

	if (c->len < IPV6_HDRLEN)
		return (D_TRUNC);
	vtcfl = rd32(c->p);
	if (vtcfl >> 28 != 6)
		return (D_BAD);
	m.timestamp = c->ts;
	m.traffic_class = (vtcfl >> 20) & 0xff;
	m.flow_label = vtcfl & 0xfffff;
	m.payload_length = rd16(c->p + 4);
	m.next_header = c->p[6];
	m.hop_limit = c->p[7];
	c->ipver = 6;
	c->alen = 16;
	setbytes(&m.src_ip, c->src, c->p + 8, 16);
	setbytes(&m.dst_ip, c->dst, c->p + 24, 16);

	/* 0 is a jumbogram (or offload): the capture decides */
	extent = c->len - IPV6_HDRLEN;
	if (m.payload_length != 0 && m.payload_length < extent)
		extent = m.payload_length;
	c->ipcut = m.payload_length > c->len - IPV6_HDRLEN;
	m.payload_size = extent;
	dec_emit(c, type, &m.base);

	dec_advance(c, IPV6_HDRLEN);
	c->len = extent;
	c->next = L_IP6NEXT;
	c->key = m.next_header;
	return (D_NEXT);
}

/*
 * Hop-by-hop, routing and destination options, skipped by length; the
 * hop-by-hop header (the one given a record type) gets a record.
 */
enum dres
dec_ip6opts(struct dctx *c, int type, uint32_t key)
{
	IPv6HopByHop	 m = IPV6_HOP_BY_HOP__INIT;
	size_t		 hlen;

	if (c->len < 2)
		return (D_TRUNC);
	hlen = ((size_t)c->p[1] + 1) * IP6_EXTMIN;
	if (c->len < hlen)
		return (D_TRUNC);
	if (type != -1) {
		m.timestamp = c->ts;
		dec_addrs(c, &m.src_ip, &m.dst_ip);
		m.next_header = c->p[0];
		m.options_size = hlen - 2;
		dec_emit(c, type, &m.base);
	}
	c->next = L_IP6NEXT;
	c->key = c->p[0];
	dec_advance(c, hlen);
	return (D_NEXT);
}

enum dres
dec_ip6frag(struct dctx *c, int type, uint32_t key)
{
	IPv6Fragment	 m = IPV6_FRAGMENT__INIT;
	uint16_t	 offmf;

	if (c->len < IP6_FRAGLEN)
		return (D_TRUNC);
	offmf = rd16(c->p + 2);
	if (type != -1) {
		m.timestamp = c->ts;
		dec_addrs(c, &m.src_ip, &m.dst_ip);
		m.next_header = c->p[0];
		m.frag_offset = offmf >> 3;
		m.more_fragments = offmf & 1;
		m.identification = rd32(c->p + 4);
		dec_emit(c, type, &m.base);
	}
	/* only the first fragment has the next header */
	if ((offmf >> 3) != 0)
		return (D_DONE);
	c->next = L_IP6NEXT;
	c->key = c->p[0];
	dec_advance(c, IP6_FRAGLEN);
	return (D_NEXT);
}

/* the authentication header, after IPv4 or IPv6; its length in words */
enum dres
dec_ah(struct dctx *c, int type, uint32_t key)
{
	size_t		 hlen;

	if (c->len < 2)
		return (D_TRUNC);
	hlen = ((size_t)c->p[1] + 2) * 4;
	if (hlen < AH_MINLEN)
		return (D_BAD);
	if (c->len < hlen)
		return (D_TRUNC);
	c->next = c->ipver == 6 ? L_IP6NEXT : L_IPPROTO;
	c->key = c->p[0];
	dec_advance(c, hlen);
	return (D_NEXT);
}

/* IPv6 "no next header": nothing follows, and that is no error */
enum dres
dec_nonext(struct dctx *c, int type, uint32_t key)
{
	return (D_DONE);
}
