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

#ifndef NCAGENTD_PCAPLIB_H
#define NCAGENTD_PCAPLIB_H

#include <pcap.h>

/*
 * The libpcap calls ncagentd makes, pcaplib.f for pcap_f: a new call
 * is one more line here (see pcaplib.c for why there is a table).
 */
#define PCAPLIB_CALLS \
	X(activate) \
	X(close) \
	X(compile) \
	X(create) \
	X(datalink) \
	X(datalink_val_to_name) \
	X(dispatch) \
	X(findalldevs) \
	X(freealldevs) \
	X(fopen_offline_with_tstamp_precision) \
	X(freecode) \
	X(get_selectable_fd) \
	X(get_tstamp_precision) \
	X(geterr) \
	X(open_dead) \
	X(open_offline) \
	X(set_buffer_size) \
	X(set_promisc) \
	X(set_snaplen) \
	X(set_timeout) \
	X(set_tstamp_precision) \
	X(setfilter) \
	X(setnonblock) \
	X(stats)

struct pcaplib {
#define X(f)	__typeof__(pcap_##f) *f;
	PCAPLIB_CALLS
#undef X
};

extern struct pcaplib	 pcaplib;

void	 pcaplib_open(void);

#endif
