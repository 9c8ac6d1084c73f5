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

#ifndef NCAGENTD_DECODE_H
#define NCAGENTD_DECODE_H

/*
 * Private to decode*.c: the per-packet context and the decoder
 * functions that decode.c registers in its table.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

/*
 * Protocol numbers the system headers do not name.  The others come
 * from <net/ethernet.h> (ETHERTYPE_), <net/if_arp.h> (ARPHRD_),
 * <netinet/in.h> (IPPROTO_), <netinet/ip_icmp.h> (ICMP_),
 * <netinet/icmp6.h> (ND_) and <netinet/igmp.h> (IGMP_).
 */
#define ETHERTYPE_QINQ		0x88a8	/* 802.1ad service tag */
#define ETHERTYPE_QINQ1		0x9100	/* the service tag before 802.1ad */
#define ARPHRD_NETLINK		824	/* Linux: a netlink family follows */
#define ICMP_EXT_ECHO		42	/* RFC 8335 extended echo */
#define ICMP_EXT_ECHOREPLY	43
#define IGMP_V3_MEMBERSHIP_REPORT 0x22	/* RFC 3376 */

/*
 * DLT_NULL and DLT_LOOP: the capturing system's address family.
 * AF_INET is 2 everywhere, AF_INET6 differs from system to system.
 */
#define NULL_AF_INET		2
#define NULL_AF_INET6_LINUX	10
#define NULL_AF_INET6_BSD	24	/* OpenBSD, NetBSD */
#define NULL_AF_INET6_FREEBSD	28
#define NULL_AF_INET6_DARWIN	30	/* macOS */

/* the ports the application decoders are found by */
#define PORT_DNS		53
#define PORT_MDNS		5353
#define PORT_DHCP_SERVER	67
#define PORT_DHCP_CLIENT	68
#define PORT_NTP		123
#define PORT_HTTP		80
#define PORT_HTTP_ALT		8080
#define PORT_HTTP_DEV		8000	/* where development servers listen */
#define PORT_HTTPS		443
#define PORT_HTTPS_ALT		8443
#define PORT_SUBMISSIONS	465	/* mail submission over TLS */
#define PORT_DNS_TLS		853
#define PORT_IMAPS		993
#define PORT_POP3S		995

/* how the next layer is named, so the table can be searched for it */
enum layer {
	L_NONE,		/* nothing follows, or nothing we could name */
	L_DLT,		/* key: pcap link type */
	L_ETHERTYPE,	/* key: ethertype */
	L_IPPROTO,	/* key: IP protocol, after IPv4 or an extension */
	L_IP6NEXT,	/* key: IPv6 next header; falls back to L_IPPROTO */
	L_UDPPORT,	/* key: UDP destination port, then the source port */
	L_TCPPORT,	/* key: TCP destination port, then the source port */
	L_ICMP6TYPE,	/* key: ICMPv6 type; a type nobody decodes ends */
};

enum dres {
	D_NEXT,		/* done with this layer, go on with dctx.next */
	D_DONE,		/* done, and nothing that follows is decoded */
	D_TRUNC,	/* header cut short: no record */
	D_BAD,		/* header present but impossible: no record */
	D_UNKNOWN,	/* a variant we do not decode: no record */
};

struct dctx {
	int64_t		 ts;
	const uint8_t	*p;		/* this layer's bytes ... */
	size_t		 len;		/* ... and how many are left */
	enum layer	 next;		/* what the decoder found follows */
	uint32_t	 key;
	int		 last_type;	/* last record emitted, or -1 */
	int		 ipver;		/* innermost IP header seen: 4, 6 */
	size_t		 alen;		/* 4 or 16, 0 before any IP header */
	int		 ipcut;		/* the capture ends before the */
					/* innermost IP length says */
	uint8_t		 src[16];	/* innermost IP addresses, for */
	uint8_t		 dst[16];	/* the layers above it */
	uint32_t	 altkey;	/* port layers: the source port */
	uint16_t	 sport;		/* transport ports, for the */
	uint16_t	 dport;		/* application layers */
	size_t		 wirelen;	/* the frame's length on the wire */
};

/*
 * A decoder reads its header from c->p, at most c->len bytes, emits
 * its record through dec_emit() with the type it is given (-1 for
 * a header that has no record type of its own), then points c->p and
 * c->len at what follows and names it in c->next and c->key.
 */
typedef enum dres (*decoder_fn)(struct dctx *c, int type, uint32_t key);

void		 dec_emit(struct dctx *, int, const ProtobufCMessage *);

/* decode_link.c */
enum dres	 dec_null(struct dctx *, int, uint32_t);
enum dres	 dec_raw(struct dctx *, int, uint32_t);
enum dres	 dec_ether(struct dctx *, int, uint32_t);
enum dres	 dec_arp(struct dctx *, int, uint32_t);
enum dres	 dec_sll(struct dctx *, int, uint32_t);
enum dres	 dec_vlan(struct dctx *, int, uint32_t);

/* decode_ip.c */
enum dres	 dec_ipv4(struct dctx *, int, uint32_t);
enum dres	 dec_ipv6(struct dctx *, int, uint32_t);
enum dres	 dec_ip6opts(struct dctx *, int, uint32_t);
enum dres	 dec_ip6frag(struct dctx *, int, uint32_t);
enum dres	 dec_ah(struct dctx *, int, uint32_t);
enum dres	 dec_nonext(struct dctx *, int, uint32_t);

/* decode_transport.c */
enum dres	 dec_tcp(struct dctx *, int, uint32_t);
enum dres	 dec_udp(struct dctx *, int, uint32_t);
enum dres	 dec_icmp4(struct dctx *, int, uint32_t);
enum dres	 dec_icmp6(struct dctx *, int, uint32_t);

/* decode_icmp.c: neighbour discovery and IGMP (area "net") */
enum dres	 dec_nd_rs(struct dctx *, int, uint32_t);
enum dres	 dec_nd_ra(struct dctx *, int, uint32_t);
enum dres	 dec_nd_ns(struct dctx *, int, uint32_t);
enum dres	 dec_nd_na(struct dctx *, int, uint32_t);
enum dres	 dec_igmp(struct dctx *, int, uint32_t);

/* decode_dns.c, decode_dhcp.c, decode_ntp.c (area "udpapp") */
enum dres	 dec_dns(struct dctx *, int, uint32_t);
enum dres	 dec_dns_tcp(struct dctx *, int, uint32_t);
enum dres	 dec_dhcp(struct dctx *, int, uint32_t);
enum dres	 dec_ntp(struct dctx *, int, uint32_t);

/* decode_tls.c, decode_http.c (area "tcpapp") */
enum dres	 dec_tls(struct dctx *, int, uint32_t);
enum dres	 dec_http(struct dctx *, int, uint32_t);

/* decode_flow.c: a transport header, counted in its connection */
void		 flow_observe(const struct dctx *, unsigned int, uint32_t,
		    uint32_t, uint32_t);

/* big-endian reads; the caller has checked that the bytes are there */
static inline uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* bytes fields point at copies, so records never alias the frame */
static inline void
setbytes(ProtobufCBinaryData *b, uint8_t *buf, const uint8_t *src,
    size_t n)
{
	memcpy(buf, src, n);
	b->data = buf;
	b->len = n;
}

/*
 * The innermost IP header's addresses, for a record of a layer above
 * it (extension headers, transport, ICMP): the record points at the
 * context's copies, which outlive the record.
 */
static inline void
dec_addrs(struct dctx *c, ProtobufCBinaryData *src, ProtobufCBinaryData *dst)
{
	src->data = c->src;
	src->len = c->alen;
	dst->data = c->dst;
	dst->len = c->alen;
}

/* step over a header of n bytes, already checked to be there */
static inline void
dec_advance(struct dctx *c, size_t n)
{
	c->p += n;
	c->len -= n;
}

#endif /* NCAGENTD_DECODE_H */
