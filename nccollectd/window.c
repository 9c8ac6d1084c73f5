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
 * The replay window of a sensor session.  A datagram's session is named
 * by its session nonce and certificate; a key keeps its two newest
 * sessions, so an old one cannot be replayed once two newer ones were
 * seen.  Only datagrams that authenticated move a window: the receiver
 * checks before the crypto child opens a datagram and commits after.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "nccollectd.h"

struct slot *
slot_find(struct sessions *ss, const unsigned char *sess)
{
	int	i;

	for (i = 0; i < 2; i++)
		if (ss->slot[i].used && memcmp(ss->slot[i].id,
		    sess + WIRE_OFF_SNONCE, sizeof(ss->slot[i].id)) == 0)
			return (&ss->slot[i]);
	return (NULL);
}

/*
 * An authentic session not seen before: it takes the place of the
 * older of the two when it is newer than that one, else it is stale,
 * an old session replayed (or a sensor whose clock went back).
 */
struct slot *
slot_start(struct sessions *ss, const unsigned char *sess, uint64_t created)
{
	struct slot	*sl;

	if (!ss->slot[0].used || created > ss->slot[0].created) {
		ss->slot[1] = ss->slot[0];
		sl = &ss->slot[0];
	} else if (created < ss->slot[0].created && (!ss->slot[1].used ||
	    created > ss->slot[1].created))
		sl = &ss->slot[1];
	else
		return (NULL);
	memset(sl, 0, sizeof(*sl));
	memcpy(sl->id, sess + WIRE_OFF_SNONCE, sizeof(sl->id));
	sl->used = 1;
	sl->created = created;
	return (sl);
}

/*
 * -1 for a sequence number not seen before, else why the datagram is
 * dropped: a repeat, or too far behind to tell.
 */
int
window_check(const struct slot *sl, uint64_t seq)
{
	uint64_t	 bit;

	if (seq == 0 || (seq <= sl->top && sl->top - seq >= WINDOW_BITS))
		return (DROP_OLD);
	bit = seq % WINDOW_BITS;
	if (seq <= sl->top && (sl->window[bit / 64] & (1ULL << (bit % 64))))
		return (DROP_REPEAT);
	return (-1);
}

/*
 * As window_check(), and a number not seen before is recorded.  Numbers
 * skipped over count as gaps until they turn up late: *gaps is how many
 * the window moved past, or -1 for a late one.
 */
int
window_commit(struct slot *sl, uint64_t seq, int64_t *gaps)
{
	uint64_t	 shift, i, bit;
	int		 why;

	*gaps = 0;
	if ((why = window_check(sl, seq)) != -1)
		return (why);
	bit = seq % WINDOW_BITS;
	if (seq > sl->top) {
		shift = seq - sl->top;
		*gaps = (int64_t)(shift - 1);
		if (shift >= WINDOW_BITS)
			memset(sl->window, 0, sizeof(sl->window));
		else
			for (i = sl->top + 1; i < seq; i++)
				sl->window[(i % WINDOW_BITS) / 64] &=
				    ~(1ULL << (i % 64));
		sl->top = seq;
	} else
		*gaps = -1;
	sl->window[bit / 64] |= 1ULL << (bit % 64);
	return (-1);
}
