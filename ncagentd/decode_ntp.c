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
#include "records_udp.pb-c.h"
#include "decode.h"

#define NTP_HDRLEN	48	/* RFC 5905 7.3, without extensions or MAC */
#define NTP_MODE_CTL	6	/* control messages: another layout */
#define NTP_MODE_PRIV	7	/* private (ntpdc) messages: as well */

enum dres
dec_ntp(struct dctx *c, int type, uint32_t key)
{
	NTP		 m = NTP__INIT;
	const uint8_t	*p = c->p;
	char		 refid[5];
	size_t		 i;

	/* the mode comes first: control messages are shorter */
	if (c->len < 1)
		return (D_TRUNC);
	m.mode = p[0] & 0x7;
	if (m.mode == NTP_MODE_CTL || m.mode == NTP_MODE_PRIV)
		return (D_UNKNOWN);
	if (c->len < NTP_HDRLEN)
		return (D_TRUNC);
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.leap = p[0] >> 6;
	m.version = (p[0] >> 3) & 0x7;
	m.stratum = p[1];
	m.poll = (int8_t)p[2];
	m.precision = (int8_t)p[3];
	m.reference_id = rd32(p + 12);
	m.transmit_time = (uint64_t)rd32(p + 40) << 32 | rd32(p + 44);
	/* a kiss code or a reference clock's name: up to four letters */
	if (m.stratum <= 1) {
		for (i = 0; i < 4; i++) {
			if (p[12 + i] < 0x20 || p[12 + i] >= 0x7f)
				break;
			refid[i] = (char)p[12 + i];
		}
		refid[i] = '\0';
		m.reference_text = refid;
	}
	dec_emit(c, type, &m.base);
	return (D_DONE);
}
