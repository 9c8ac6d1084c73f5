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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ncagentd.h"
#include "records_udp.pb-c.h"
#include "decode.h"

/* op .. file: the BOOTP header of RFC 951, options after it */
#define BOOTP_HDRLEN	236
#define DHCP_COOKIE	0x63825363	/* 99.130.83.99, RFC 2131 3. */
#define DHCP_COOKIELEN	4

#define OPT_PAD		0
#define OPT_HOSTNAME	12
#define OPT_REQIP	50
#define OPT_MSGTYPE	53
#define OPT_PARAMS	55
#define OPT_END		255

/* the host name, each byte escaped at most to \DDD */
static char		 hostname[255 * 4 + 1];
static uint32_t		 params[255];
static uint8_t		 reqip[4];

static void
hostname_text(const uint8_t *p, size_t n)
{
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '\\') {
			snprintf(hostname + o, sizeof(hostname) - o, "\\%03u",
			    p[i]);
			o += 4;
		} else
			hostname[o++] = (char)p[i];
	}
	hostname[o] = '\0';
}

/*
 * The options after the cookie, up to the End option.  Options
 * running out without End mean the message was cut: RFC 2131 4.1
 * ends the options field with it.  A repeated option counts once,
 * the first time.
 */
static enum dres
dhcp_options(const uint8_t *p, size_t len, DHCPv4 *m)
{
	size_t	 off = 0, olen, i;
	uint8_t	 code;
	int	 seen_name = 0;

	for (;;) {
		if (off >= len)
			return (D_TRUNC);
		code = p[off++];
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return (D_NEXT);
		if (off >= len)
			return (D_TRUNC);
		olen = p[off++];
		if (olen > len - off)
			return (D_TRUNC);
		switch (code) {
		case OPT_MSGTYPE:
			if (olen == 1 && m->message_type == 0)
				m->message_type = p[off];
			break;
		case OPT_HOSTNAME:
			if (!seen_name) {
				hostname_text(p + off, olen);
				m->hostname = hostname;
				seen_name = 1;
			}
			break;
		case OPT_REQIP:
			if (olen == 4 && m->requested_ip.len == 0)
				setbytes(&m->requested_ip, reqip, p + off, 4);
			break;
		case OPT_PARAMS:
			if (m->n_parameter_list == 0) {
				for (i = 0; i < olen; i++)
					params[i] = p[off + i];
				m->parameter_list = params;
				m->n_parameter_list = olen;
			}
			break;
		}
		off += olen;
	}
}

enum dres
dec_dhcp(struct dctx *c, int type, uint32_t key)
{
	DHCPv4		 m = DHCPV4__INIT;
	const uint8_t	*p = c->p;
	uint8_t		 ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
	uint8_t		 chaddr[ETHER_ADDR_LEN];
	enum dres	 r;

	/* even plain BOOTP has its 64-byte vendor area (RFC 951) */
	if (c->len < BOOTP_HDRLEN + DHCP_COOKIELEN)
		return (D_TRUNC);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.op = p[0];
	m.htype = p[1];
	m.xid = rd32(p + 4);
	m.flags = rd16(p + 10);
	setbytes(&m.client_ip, ciaddr, p + 12, 4);
	setbytes(&m.your_ip, yiaddr, p + 16, 4);
	setbytes(&m.server_ip, siaddr, p + 20, 4);
	setbytes(&m.relay_ip, giaddr, p + 24, 4);
	if (p[1] == ARPHRD_ETHER && p[2] == ETHER_ADDR_LEN)
		setbytes(&m.client_mac, chaddr, p + 28, ETHER_ADDR_LEN);
	/* no cookie: plain BOOTP, whose vendor area we do not read */
	if (rd32(p + BOOTP_HDRLEN) == DHCP_COOKIE) {
		r = dhcp_options(p + BOOTP_HDRLEN + DHCP_COOKIELEN,
		    c->len - BOOTP_HDRLEN - DHCP_COOKIELEN, &m);
		if (r != D_NEXT)
			return (r);
	}
	dec_emit(c, type, &m.base);
	return (D_DONE);
}
