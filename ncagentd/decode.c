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
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "ncagentd.h"
#include "records.h"
#include "records.pb-c.h"
#include "records_udp.pb-c.h"
#include "records_tcp.pb-c.h"
#include "decode.h"

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* deeper than any sane tunnel or extension header chain */
#define DECODE_MAXLAYERS	32

/*
 * Every layer we decode, in one place.  Adding a record type is a
 * message in records.proto, a decoder function and one line here.
 * desc is the record type the decoder emits, NULL for a header that
 * has none (its errors count against the layer that carried it).
 */
static const struct decoder {
	enum layer				 layer;
	uint32_t				 key;
	const ProtobufCMessageDescriptor	*desc;
	decoder_fn				 fn;
} decoders[] = {
	{ L_DLT,	DLT_EN10MB,	&ethernet__descriptor,	dec_ether },
	{ L_DLT,	DLT_NULL,	NULL,			dec_null },
	{ L_DLT,	DLT_LOOP,	NULL,			dec_null },
	{ L_DLT,	DLT_RAW,	NULL,			dec_raw },
	{ L_DLT,	DLT_IPV4,	NULL,			dec_raw },
	{ L_DLT,	DLT_IPV6,	NULL,			dec_raw },

	{ L_ETHERTYPE,	ETHERTYPE_IP,	&ipv4__descriptor,	dec_ipv4 },
	{ L_ETHERTYPE,	ETHERTYPE_IPV6,	&ipv6__descriptor,	dec_ipv6 },
	{ L_ETHERTYPE,	ETHERTYPE_ARP,	&arp__descriptor,	dec_arp },
	{ L_ETHERTYPE,	ETHERTYPE_REVARP, &arp__descriptor,	dec_arp },

	/* IPv6 extension headers: only after IPv6 or one another */
	{ L_IP6NEXT,	IPPROTO_HOPOPTS, &ipv6_hop_by_hop__descriptor,
	    dec_ip6opts },
	{ L_IP6NEXT,	IPPROTO_ROUTING, NULL,			dec_ip6opts },
	{ L_IP6NEXT,	IPPROTO_DSTOPTS, NULL,			dec_ip6opts },
	{ L_IP6NEXT,	IPPROTO_FRAGMENT, &ipv6_fragment__descriptor,
	    dec_ip6frag },
	{ L_IP6NEXT,	IPPROTO_NONE,	NULL,			dec_nonext },

	{ L_IPPROTO,	IPPROTO_TCP,	&tcp__descriptor,	dec_tcp },
	{ L_IPPROTO,	IPPROTO_UDP,	&udp__descriptor,	dec_udp },
	{ L_IPPROTO,	IPPROTO_ICMP,	&icmpv4__descriptor,	dec_icmp4 },
	{ L_IPPROTO,	IPPROTO_ICMPV6,	&icmpv6__descriptor,	dec_icmp6 },
	{ L_IPPROTO,	IPPROTO_AH,	NULL,			dec_ah },
	{ L_IPPROTO,	IPPROTO_IPIP,	&ipv4__descriptor,	dec_ipv4 },
	{ L_IPPROTO,	IPPROTO_IPV6,	&ipv6__descriptor,	dec_ipv6 },

	/* link and network layers, second set (area "net") */
	{ L_DLT,	DLT_LINUX_SLL,	NULL,			dec_sll },
	{ L_DLT,	DLT_LINUX_SLL2,	NULL,			dec_sll },
	{ L_ETHERTYPE,	ETHERTYPE_VLAN,	&dot1_q__descriptor,	dec_vlan },
	{ L_ETHERTYPE,	ETHERTYPE_QINQ,	&dot1_q__descriptor,	dec_vlan },
	{ L_ETHERTYPE,	ETHERTYPE_QINQ1, &dot1_q__descriptor,	dec_vlan },
	{ L_IPPROTO,	IPPROTO_IGMP,	&igmp__descriptor,	dec_igmp },
	{ L_ICMP6TYPE,	ND_ROUTER_SOLICIT,
	    &icmpv6_router_solicitation__descriptor,		dec_nd_rs },
	{ L_ICMP6TYPE,	ND_ROUTER_ADVERT,
	    &icmpv6_router_advertisement__descriptor,		dec_nd_ra },
	{ L_ICMP6TYPE,	ND_NEIGHBOR_SOLICIT,
	    &icmpv6_neighbor_solicitation__descriptor,		dec_nd_ns },
	{ L_ICMP6TYPE,	ND_NEIGHBOR_ADVERT,
	    &icmpv6_neighbor_advertisement__descriptor,		dec_nd_na },

	/* UDP applications (area "udpapp"); mDNS has DNS's format */
	{ L_UDPPORT,	PORT_DNS,	&dns__descriptor,	dec_dns },
	{ L_UDPPORT,	PORT_MDNS,	&dns__descriptor,	dec_dns },
	{ L_TCPPORT,	PORT_DNS,	&dns__descriptor,	dec_dns_tcp },
	{ L_UDPPORT,	PORT_DHCP_SERVER, &dhcpv4__descriptor,	dec_dhcp },
	{ L_UDPPORT,	PORT_DHCP_CLIENT, &dhcpv4__descriptor,	dec_dhcp },
	{ L_UDPPORT,	PORT_NTP,	&ntp__descriptor,	dec_ntp },

	/* TCP applications (area "tcpapp"): every TLS and HTTP port */
	{ L_TCPPORT,	PORT_HTTPS,	&tlsclient_hello__descriptor, dec_tls },
	{ L_TCPPORT,	PORT_HTTPS_ALT,	&tlsclient_hello__descriptor, dec_tls },
	{ L_TCPPORT,	PORT_SUBMISSIONS, &tlsclient_hello__descriptor,
	    dec_tls },
	{ L_TCPPORT,	PORT_DNS_TLS,	&tlsclient_hello__descriptor, dec_tls },
	{ L_TCPPORT,	PORT_IMAPS,	&tlsclient_hello__descriptor, dec_tls },
	{ L_TCPPORT,	PORT_POP3S,	&tlsclient_hello__descriptor, dec_tls },
	{ L_TCPPORT,	PORT_HTTP,	&http__descriptor,	dec_http },
	{ L_TCPPORT,	PORT_HTTP_ALT,	&http__descriptor,	dec_http },
	{ L_TCPPORT,	PORT_HTTP_DEV,	&http__descriptor,	dec_http },
};

/* the rectypes[] index of each decoder's desc, resolved once */
static int			 dec_type[nitems(decoders)];

/*
 * The table by layer and key, for the few lookups of every packet (a
 * scan of the table took more instructions than the decoders): open
 * addressing, each slot the index of a decoder plus one, 0 for none.
 */
#define DEC_SLOTS	256	/* a power of 2, twice the table or more */
static uint8_t			 dec_slot[DEC_SLOTS];
static int			 dec_slotted;
_Static_assert(nitems(decoders) <= DEC_SLOTS / 2,
    "the decoders' slots must stay less than half full");

static emit_fn			 emit_cb;
static void			*emit_arg;
static struct type_stats	*stats;

static inline const struct decoder *dec_lookup(enum layer, uint32_t, int *);
static const struct decoder	*dec_lookup_port(const struct dctx *, int *);

static unsigned int
dec_hash(enum layer layer, uint32_t key)
{
	uint32_t	 h = (uint32_t)layer * 0x9e3779b1U ^ key;

	h *= 0x85ebca6bU;
	return ((h ^ h >> 16) & (DEC_SLOTS - 1));
}

/* the first of a layer and key is the one found, as in a scan */
static void
dec_slots(void)
{
	const struct decoder	*d;
	size_t			 i;
	unsigned int		 h;

	for (i = 0; i < nitems(decoders); i++) {
		for (h = dec_hash(decoders[i].layer, decoders[i].key);
		    dec_slot[h] != 0; h = (h + 1) & (DEC_SLOTS - 1)) {
			d = &decoders[dec_slot[h] - 1];
			if (d->layer == decoders[i].layer &&
			    d->key == decoders[i].key)
				break;
		}
		if (dec_slot[h] == 0)
			dec_slot[h] = (uint8_t)(i + 1);
	}
	dec_slotted = 1;
}

void
decode_init(emit_fn emit, void *arg, struct type_stats *per_type)
{
	size_t		 i;

	emit_cb = emit;
	emit_arg = arg;
	stats = per_type;
	if (!dec_slotted)
		dec_slots();
	for (i = 0; i < nitems(decoders); i++) {
		if (decoders[i].desc == NULL) {
			dec_type[i] = -1;
			continue;
		}
		if ((dec_type[i] = rectype_bydesc(decoders[i].desc)) == -1)
			fatalx("%s: record type %s missing from rectypes",
			    __func__, decoders[i].desc->name);
	}
}

int
decode_linktype_ok(int dlt)
{
	int	 type;

	/* before decode_init(), at the capture's opening */
	if (!dec_slotted)
		dec_slots();
	if (dlt < 0 || dec_lookup(L_DLT, (uint32_t)dlt, &type) == NULL)
		return (-1);
	return (0);
}

static inline const struct decoder *
dec_find(enum layer layer, uint32_t key, int *type)
{
	const struct decoder	*d;
	unsigned int		 h, i;

	for (h = dec_hash(layer, key); (i = dec_slot[h]) != 0;
	    h = (h + 1) & (DEC_SLOTS - 1)) {
		d = &decoders[i - 1];
		if (d->key == key && d->layer == layer) {
			*type = dec_type[i - 1];
			return (d);
		}
	}
	return (NULL);
}

static inline const struct decoder *
dec_lookup(enum layer layer, uint32_t key, int *type)
{
	const struct decoder	*d;

	/* after the extension headers comes an ordinary IP protocol */
	if ((d = dec_find(layer, key, type)) == NULL && layer == L_IP6NEXT)
		d = dec_find(L_IPPROTO, key, type);
	return (d);
}

/*
 * An application is known by its port on either side: the destination
 * port first (a request), then the source port (a reply).
 */
static const struct decoder *
dec_lookup_port(const struct dctx *c, int *type)
{
	const struct decoder	*d;

	if ((d = dec_lookup(c->next, c->key, type)) == NULL)
		d = dec_lookup(c->next, c->altkey, type);
	return (d);
}

void
dec_emit(struct dctx *c, int type, const ProtobufCMessage *msg)
{
	stats[type].records++;
	c->last_type = type;
	emit_cb(emit_arg, type, msg);
}

void
decode_packet(int dlt, int64_t ts_ns, const unsigned char *p,
    size_t caplen, size_t wirelen)
{
	struct dctx		 c;
	const struct decoder	*d;
	int			 depth, type, blame;

	/* every layer is bounded by what was captured, not by wirelen */
	(void)wirelen;
	if (dlt < 0 || p == NULL)
		return;

	memset(&c, 0, sizeof(c));
	c.ts = ts_ns;
	c.wirelen = wirelen;
	c.p = p;
	c.len = caplen;
	c.next = L_DLT;
	c.key = (uint32_t)dlt;
	c.last_type = -1;

	for (depth = 0; depth < DECODE_MAXLAYERS; depth++) {
		if (c.next == L_NONE)
			return;
		if (c.next == L_UDPPORT || c.next == L_TCPPORT) {
			/* most ports are nobody's: not an unknown protocol */
			if ((d = dec_lookup_port(&c, &type)) == NULL)
				return;
		} else if ((d = dec_lookup(c.next, c.key, &type)) == NULL) {
			/*
			 * The link type itself is counted by the caller;
			 * an ICMPv6 type without a record is no unknown.
			 */
			if (c.next != L_DLT && c.next != L_ICMP6TYPE &&
			    c.last_type != -1)
				stats[c.last_type].unknown++;
			return;
		}
		blame = type != -1 ? type : c.last_type;
		c.next = L_NONE;
		switch (d->fn(&c, type, d->key)) {
		case D_NEXT:
			break;
		case D_DONE:
			return;
		case D_TRUNC:
			if (blame != -1) {
				stats[blame].errors++;
				stats[blame].truncated++;
			}
			return;
		case D_BAD:
			if (blame != -1)
				stats[blame].errors++;
			return;
		case D_UNKNOWN:
			if (c.last_type != -1)
				stats[c.last_type].unknown++;
			return;
		}
	}
	/* a chain this deep is an attack or garbage */
	if (c.last_type != -1)
		stats[c.last_type].errors++;
}
