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

#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stddef.h>
#include <stdint.h>

#include "ncagentd.h"
#include "records.pb-c.h"
#include "decode.h"

#define TCP_HDRLEN	20	/* without options */
#define UDP_HDRLEN	8
#define ICMP4_HDRLEN	8	/* type, code, checksum, 4 bytes per type */
#define ICMP6_HDRLEN	4	/* type, code, checksum */

enum dres
dec_tcp(struct dctx *c, int type, uint32_t key)
{
	TCP		 m = TCP__INIT;
	size_t		 hlen;

	if (c->len < TCP_HDRLEN)
		return (D_TRUNC);
	m.data_offset = c->p[12] >> 4;
	if (m.data_offset < 5)
		return (D_BAD);
	hlen = (size_t)m.data_offset * 4;
	if (c->len < hlen)
		return (D_TRUNC);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.src_port = rd16(c->p);
	m.dst_port = rd16(c->p + 2);
	m.seq_num = rd32(c->p + 4);
	m.ack_num = rd32(c->p + 8);
	/* the 12 bits after the data offset: 3 reserved, NS, the 8 flags */
	m.flags = rd16(c->p + 12) & 0x0fff;
	m.window = rd16(c->p + 14);
	m.checksum = rd16(c->p + 16);
	m.urgent = rd16(c->p + 18);
	m.options_size = hlen - TCP_HDRLEN;
	m.payload_size = c->len - hlen;
	dec_emit(c, type, &m.base);
	flow_observe(c, IPPROTO_TCP, m.src_port, m.dst_port, m.flags);
	if (m.payload_size == 0)
		return (D_DONE);
	/* the segment's data, to an application decoder if one knows it */
	c->sport = (uint16_t)m.src_port;
	c->dport = (uint16_t)m.dst_port;
	dec_advance(c, hlen);
	c->next = L_TCPPORT;
	c->key = m.dst_port;
	c->altkey = m.src_port;
	return (D_NEXT);
}

enum dres
dec_udp(struct dctx *c, int type, uint32_t key)
{
	UDP		 m = UDP__INIT;
	size_t		 extent;

	if (c->len < UDP_HDRLEN)
		return (D_TRUNC);
	m.length = rd16(c->p + 4);
	/* shorter than its own header; 0 is an IPv6 jumbogram's */
	if (m.length != 0 && m.length < UDP_HDRLEN)
		return (D_BAD);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.src_port = rd16(c->p);
	m.dst_port = rd16(c->p + 2);
	m.checksum = rd16(c->p + 6);
	/* past the IP payload: a fragment, or cut by the capture */
	extent = c->len;
	if (m.length != 0 && m.length < extent)
		extent = m.length;
	m.payload_size = extent - UDP_HDRLEN;
	dec_emit(c, type, &m.base);
	flow_observe(c, IPPROTO_UDP, m.src_port, m.dst_port, 0);
	if (m.payload_size == 0)
		return (D_DONE);
	c->sport = (uint16_t)m.src_port;
	c->dport = (uint16_t)m.dst_port;
	c->p += UDP_HDRLEN;
	c->len = extent - UDP_HDRLEN;
	c->next = L_UDPPORT;
	c->key = m.dst_port;
	c->altkey = m.src_port;
	return (D_NEXT);
}

/*
 * The messages whose second word is an identifier and a sequence:
 * echo, and timestamp, information and address mask (13 to 18).
 */
static int
icmp4_hasid(unsigned int t)
{
	return (t == ICMP_ECHOREPLY || t == ICMP_ECHO ||
	    (t >= ICMP_TSTAMP && t <= ICMP_MASKREPLY));
}

/* RFC 8335 extended echo: an identifier, an 8-bit sequence, flags */
static int
icmp4_isxecho(unsigned int t)
{
	return (t == ICMP_EXT_ECHO || t == ICMP_EXT_ECHOREPLY);
}

/* only the outer header: what an error message quotes is not decoded */
enum dres
dec_icmp4(struct dctx *c, int type, uint32_t key)
{
	ICMPv4		 m = ICMPV4__INIT;

	if (c->len < ICMP4_HDRLEN)
		return (D_TRUNC);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.type = c->p[0];
	m.code = c->p[1];
	m.checksum = rd16(c->p + 2);
	if (icmp4_hasid(m.type)) {
		m.id = rd16(c->p + 4);
		m.seq = rd16(c->p + 6);
	} else if (icmp4_isxecho(m.type)) {
		m.id = rd16(c->p + 4);
		m.seq = c->p[6];
	}
	dec_emit(c, type, &m.base);
	flow_observe(c, IPPROTO_ICMP, 0, 0, 0);
	return (D_DONE);
}

enum dres
dec_icmp6(struct dctx *c, int type, uint32_t key)
{
	ICMPv6		 m = ICMPV6__INIT;

	if (c->len < ICMP6_HDRLEN)
		return (D_TRUNC);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.type = c->p[0];
	m.code = c->p[1];
	m.checksum = rd16(c->p + 2);
	dec_emit(c, type, &m.base);
	flow_observe(c, IPPROTO_ICMPV6, 0, 0, 0);

	/*
	 * A message type with a record of its own (neighbour discovery)
	 * reads the whole message again; any other type ends here.
	 */
	c->next = L_ICMP6TYPE;
	c->key = m.type;
	return (D_NEXT);
}
