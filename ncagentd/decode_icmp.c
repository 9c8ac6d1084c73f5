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
 * ICMPv6 neighbour discovery (RFC 4861) and IGMP (RFC 1112, 2236,
 * 3376).  The ND decoders run after dec_icmp6() has emitted the ICMPv6
 * record, on the same bytes: c->p is the start of the ICMPv6 message.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <netinet/igmp.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ncagentd.h"
#include "records.pb-c.h"
#include "decode.h"

/* fixed parts, from the ICMPv6 type on, before the options */
#define ND_RS_LEN	8
#define ND_RA_LEN	16
#define ND_NS_LEN	24
#define ND_NA_LEN	24

#define NDOPT_PREFIXLEN	32	/* length 4: the prefix ends at byte 32 */
#define ND_LLMAX	16	/* link-layer address bytes kept */
#define ND_MAXPREFIX	64	/* prefixes kept of one advertisement */
#define ND_PREFIXTEXT	(INET6_ADDRSTRLEN + 4)	/* "addr/128" */

#define IGMP_HDRLEN	8

/* what the options of one message said */
struct ndopts {
	uint8_t			 src_ll[ND_LLMAX];
	ProtobufCBinaryData	 src_mac;	/* into src_ll; len 0: none */
	uint8_t			 tgt_ll[ND_LLMAX];
	ProtobufCBinaryData	 tgt_mac;	/* into tgt_ll; len 0: none */
	char		 prefix[ND_MAXPREFIX][ND_PREFIXTEXT];
	char		*prefixp[ND_MAXPREFIX];
	size_t		 nprefix;
};

static enum dres nd_options(const struct dctx *, size_t, struct ndopts *);

/*
 * The options after the first fixed bytes of the message.  Each is a
 * type, a length in units of 8 bytes (0 is invalid: it would never
 * end) and its body.  Options must fill the message exactly, as
 * receivers demand: one that runs past the end is a message cut short.
 * The first source and target link-layer addresses are kept (their
 * first ND_LLMAX bytes), and up to ND_MAXPREFIX prefixes; other
 * options are skipped.  The options end where the message does, so a
 * message the capture cut (c->ipcut) is truncated even where the cut
 * falls between two options, and so is one shorter than its fixed
 * bytes.
 */
static enum dres
nd_options(const struct dctx *c, size_t fixed, struct ndopts *o)
{
	const uint8_t	*p = c->p + fixed;
	size_t		 len = c->len - fixed;
	size_t		 olen, alen;
	char		 addr[INET6_ADDRSTRLEN];

	if (c->len < fixed || c->ipcut)
		return (D_TRUNC);
	memset(&o->src_mac, 0, sizeof(o->src_mac));
	memset(&o->tgt_mac, 0, sizeof(o->tgt_mac));
	o->nprefix = 0;
	while (len > 0) {
		if (len < 2)
			return (D_TRUNC);
		if (p[1] == 0)
			return (D_BAD);
		olen = (size_t)p[1] * 8;
		if (len < olen)
			return (D_TRUNC);
		alen = olen - 2;
		if (alen > ND_LLMAX)
			alen = ND_LLMAX;
		switch (p[0]) {
		case ND_OPT_SOURCE_LINKADDR:
			/* the first only; an option holds 6 bytes or more */
			if (o->src_mac.len == 0)
				setbytes(&o->src_mac, o->src_ll, p + 2, alen);
			break;
		case ND_OPT_TARGET_LINKADDR:
			if (o->tgt_mac.len == 0)
				setbytes(&o->tgt_mac, o->tgt_ll, p + 2, alen);
			break;
		case ND_OPT_PREFIX_INFORMATION:
			/* too short to hold a prefix, or one too many */
			if (olen < NDOPT_PREFIXLEN ||
			    o->nprefix == ND_MAXPREFIX)
				break;
			if (inet_ntop(AF_INET6, p + 16, addr,
			    sizeof(addr)) == NULL)
				break;
			snprintf(o->prefix[o->nprefix], ND_PREFIXTEXT, "%s/%u",
			    addr, p[2]);
			o->prefixp[o->nprefix] = o->prefix[o->nprefix];
			o->nprefix++;
			break;
		default:
			break;
		}
		p += olen;
		len -= olen;
	}
	return (D_NEXT);
}

enum dres
dec_nd_rs(struct dctx *c, int type, uint32_t key)
{
	ICMPv6RouterSolicitation	 m = ICMPV6_ROUTER_SOLICITATION__INIT;
	struct ndopts			 o;
	enum dres			 r;

	if ((r = nd_options(c, ND_RS_LEN, &o)) != D_NEXT)
		return (r);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.source_mac = o.src_mac;
	dec_emit(c, type, &m.base);
	return (D_DONE);
}

enum dres
dec_nd_ra(struct dctx *c, int type, uint32_t key)
{
	ICMPv6RouterAdvertisement	 m = ICMPV6_ROUTER_ADVERTISEMENT__INIT;
	struct ndopts			 o;
	enum dres			 r;

	if ((r = nd_options(c, ND_RA_LEN, &o)) != D_NEXT)
		return (r);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.hop_limit = c->p[4];
	m.flags = c->p[5];
	m.router_lifetime = rd16(c->p + 6);
	m.reachable_time = rd32(c->p + 8);
	m.retrans_timer = rd32(c->p + 12);
	m.n_prefixes = o.nprefix;
	m.prefixes = o.prefixp;
	m.source_mac = o.src_mac;
	dec_emit(c, type, &m.base);
	return (D_DONE);
}

enum dres
dec_nd_ns(struct dctx *c, int type, uint32_t key)
{
	ICMPv6NeighborSolicitation	 m = ICMPV6_NEIGHBOR_SOLICITATION__INIT;
	struct ndopts			 o;
	uint8_t				 target[16];
	enum dres			 r;

	if ((r = nd_options(c, ND_NS_LEN, &o)) != D_NEXT)
		return (r);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	setbytes(&m.target, target, c->p + 8, 16);
	m.source_mac = o.src_mac;
	dec_emit(c, type, &m.base);
	return (D_DONE);
}

enum dres
dec_nd_na(struct dctx *c, int type, uint32_t key)
{
	ICMPv6NeighborAdvertisement	 m;
	struct ndopts			 o;
	uint8_t				 target[16];
	enum dres			 r;

	icmpv6_neighbor_advertisement__init(&m);
	if ((r = nd_options(c, ND_NA_LEN, &o)) != D_NEXT)
		return (r);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	/* router, solicited, override */
	m.flags = c->p[4] >> 5;
	setbytes(&m.target, target, c->p + 8, 16);
	m.target_mac = o.tgt_mac;
	dec_emit(c, type, &m.base);
	return (D_DONE);
}

/*
 * IGMP group membership: every version starts with type, max response
 * time (or code), checksum and, but in a v3 report, the group.  A v3
 * report lists its groups in records after a count instead: its group
 * is left 0.0.0.0.  The other types (DVMRP, PIMv1, mtrace, router
 * discovery) are other protocols in IGMP's clothes, not decoded.
 */
enum dres
dec_igmp(struct dctx *c, int type, uint32_t key)
{
	IGMP		 m = IGMP__INIT;
	uint8_t		 group[4];

	if (c->len < IGMP_HDRLEN)
		return (D_TRUNC);
	switch (c->p[0]) {
	case IGMP_MEMBERSHIP_QUERY:
	case IGMP_V1_MEMBERSHIP_REPORT:
	case IGMP_V2_MEMBERSHIP_REPORT:
	case IGMP_V2_LEAVE_GROUP:
	case IGMP_V3_MEMBERSHIP_REPORT:
		break;
	default:
		return (D_UNKNOWN);
	}
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.type = c->p[0];
	m.max_resp_time = c->p[1];
	if (m.type == IGMP_V3_MEMBERSHIP_REPORT) {
		memset(group, 0, sizeof(group));
		m.group.data = group;
		m.group.len = sizeof(group);
	} else
		setbytes(&m.group, group, c->p + 4, sizeof(group));
	dec_emit(c, type, &m.base);
	return (D_DONE);
}
