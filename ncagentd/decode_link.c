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

#include <net/ethernet.h>
#include <net/if_arp.h>
#include <pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "ncagentd.h"
#include "records.pb-c.h"
#include "decode.h"

#define ETHER_HDRLEN	14
#define ETHER_MINTYPE	0x0600	/* below: an 802.3 length, not a type */
#define ARP_HDRLEN	8	/* without the addresses */
#define NULL_HDRLEN	4
#define SLL_HDRLEN	16	/* Linux cooked capture v1 */
#define SLL2_HDRLEN	20	/* and v2 */
#define VLAN_HDRLEN	4	/* tag control, then the next ethertype */

/*
 * DLT_NULL carries the sender's address family in the sender's byte
 * order, DLT_LOOP in network order; no family fits in 16 bits once
 * swapped, so a value with high bits set is taken as swapped.  IPv6
 * has a different AF_INET6 on every system that used these.
 */
enum dres
dec_null(struct dctx *c, int type, uint32_t key)
{
	uint32_t	 af;

	if (c->len < NULL_HDRLEN)
		return (D_TRUNC);
	af = rd32(c->p);
	if (af & 0xffff0000)
		af = __builtin_bswap32(af);
	dec_advance(c, NULL_HDRLEN);

	switch (af) {
	case NULL_AF_INET:
		c->next = L_ETHERTYPE;
		c->key = ETHERTYPE_IP;
		break;
	case NULL_AF_INET6_LINUX:
	case NULL_AF_INET6_BSD:
	case NULL_AF_INET6_FREEBSD:
	case NULL_AF_INET6_DARWIN:
		c->next = L_ETHERTYPE;
		c->key = ETHERTYPE_IPV6;
		break;
	default:
		return (D_DONE);
	}
	return (D_NEXT);
}

/*
 * Raw IP: DLT_IPV4 and DLT_IPV6 name the version, and a packet of the
 * other one is bogus; DLT_RAW leaves it to the version nibble.
 */
enum dres
dec_raw(struct dctx *c, int type, uint32_t key)
{
	unsigned int	 v;

	if (key == DLT_IPV4)
		v = 4;
	else if (key == DLT_IPV6)
		v = 6;
	else if (c->len < 1)
		return (D_TRUNC);
	else
		v = c->p[0] >> 4;

	if (v == 4)
		c->key = ETHERTYPE_IP;
	else if (v == 6)
		c->key = ETHERTYPE_IPV6;
	else
		return (D_DONE);
	c->next = L_ETHERTYPE;
	return (D_NEXT);
}

enum dres
dec_ether(struct dctx *c, int type, uint32_t key)
{
	Ethernet	 m = ETHERNET__INIT;
	uint8_t		 src[6], dst[6];

	if (c->len < ETHER_HDRLEN)
		return (D_TRUNC);
	setbytes(&m.dst_mac, dst, c->p, 6);
	setbytes(&m.src_mac, src, c->p + 6, 6);
	m.ethertype = rd16(c->p + 12);
	m.timestamp = c->ts;
	m.payload_size = c->len - ETHER_HDRLEN;
	dec_emit(c, type, &m.base);

	dec_advance(c, ETHER_HDRLEN);
	/* an 802.3 length finds no decoder and counts as unknown */
	c->next = L_ETHERTYPE;
	c->key = m.ethertype;
	return (D_NEXT);
}

/*
 * Linux cooked capture (what capturing on "any" gives) has no record of
 * its own: it names the ethertype that follows.  v1: packet type,
 * ARPHRD type, address length, 8 address bytes, protocol; v2: protocol,
 * reserved, interface index, ARPHRD type, packet type, address length,
 * 8 address bytes.  A protocol below 0x0600 is a Linux ETH_P_ value
 * (802.2 LLC, CAN, ...), and under ARPHRD_NETLINK a netlink family:
 * neither is an ethertype, and neither is decoded.
 */
enum dres
dec_sll(struct dctx *c, int type, uint32_t key)
{
	uint16_t	 hatype, proto;
	size_t		 hlen;

	if (key == DLT_LINUX_SLL2) {
		hlen = SLL2_HDRLEN;
		if (c->len < hlen)
			return (D_TRUNC);
		proto = rd16(c->p);
		hatype = rd16(c->p + 8);
	} else {
		hlen = SLL_HDRLEN;
		if (c->len < hlen)
			return (D_TRUNC);
		hatype = rd16(c->p + 2);
		proto = rd16(c->p + 14);
	}
	if (hatype == ARPHRD_NETLINK || proto < ETHER_MINTYPE)
		return (D_DONE);
	dec_advance(c, hlen);
	c->next = L_ETHERTYPE;
	c->key = proto;
	return (D_NEXT);
}

/* an 802.1Q or 802.1ad tag: one record per tag, outer first */
enum dres
dec_vlan(struct dctx *c, int type, uint32_t key)
{
	Dot1Q		 m = DOT1_Q__INIT;
	uint16_t	 tci;

	if (c->len < VLAN_HDRLEN)
		return (D_TRUNC);
	tci = rd16(c->p);
	m.timestamp = c->ts;
	m.priority = tci >> 13;
	m.drop_eligible = (tci >> 12) & 1;
	m.vlan_id = tci & 0x0fff;
	m.ethertype = rd16(c->p + 2);
	dec_emit(c, type, &m.base);

	dec_advance(c, VLAN_HDRLEN);
	c->next = L_ETHERTYPE;
	c->key = m.ethertype;
	return (D_NEXT);
}

/*
 * ARP and RARP: the addresses are as long as the header says, so
 * Ethernet and IPv4 give 6 and 4 bytes, anything else what it has.
 */
enum dres
dec_arp(struct dctx *c, int type, uint32_t key)
{
	ARP		 m = ARP__INIT;
	uint8_t		 sha[255], spa[255], tha[255], tpa[255];
	const uint8_t	*a;
	size_t		 hln, pln;

	if (c->len < ARP_HDRLEN)
		return (D_TRUNC);
	/* RFC 2225 ATMARP has another layout */
	if (rd16(c->p) == ARPHRD_ATM)
		return (D_UNKNOWN);
	hln = c->p[4];
	pln = c->p[5];
	if (c->len - ARP_HDRLEN < 2 * (hln + pln))
		return (D_TRUNC);
	m.timestamp = c->ts;
	m.operation = rd16(c->p + 6);
	a = c->p + ARP_HDRLEN;
	setbytes(&m.src_hw, sha, a, hln);
	setbytes(&m.src_ip, spa, a + hln, pln);
	setbytes(&m.dst_hw, tha, a + hln + pln, hln);
	setbytes(&m.dst_ip, tpa, a + 2 * hln + pln, pln);
	dec_emit(c, type, &m.base);
	return (D_DONE);
}
