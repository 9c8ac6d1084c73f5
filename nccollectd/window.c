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
 *
 * A number in the window is done, or on its way to being stored; one
 * that could not be stored is taken out again (uncommitted), so that it
 * is stored when the sensor sends it again.  What the window holds is
 * what the session's acks say.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "nccollectd.h"

static int	 window_isset(const struct slot *, uint64_t);

struct slot *
slot_find(struct sessions *ss, const unsigned char *sess)
{
	int	i;

	for (i = 0; i < 2; i++)
		if (ss->slot[i].used && memcmp(ss->slot[i].sess +
		    WIRE_OFF_SNONCE, sess + WIRE_OFF_SNONCE, WIRE_SESSLEN -
		    WIRE_OFF_SNONCE) == 0)
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
	/* the whole header: the crypto child finds the ack key by it */
	memcpy(sl->sess, sess, sizeof(sl->sess));
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

/*
 * A number committed but not stored (the disk was full) goes out of the
 * window again: it is missing, one gap more, and taken when it comes
 * again.  -1 if it is not in the window: the window moved on too far
 * for it to come again (a sensor that sent past its credit).
 */
int
window_uncommit(struct slot *sl, uint64_t seq, int64_t *gaps)
{
	uint64_t	 bit;

	*gaps = 0;
	if (seq == 0 || seq > sl->top || sl->top - seq >= WINDOW_BITS ||
	    !window_isset(sl, seq))
		return (-1);
	bit = seq % WINDOW_BITS;
	sl->window[bit / 64] &= ~(1ULL << (bit % 64));
	*gaps = 1;
	return (0);
}

static int
window_isset(const struct slot *sl, uint64_t seq)
{
	uint64_t	 bit = seq % WINDOW_BITS;

	return ((sl->window[bit / 64] >> (bit % 64)) & 1);
}

/*
 * The ack of a window: D, the highest number up to which all are done;
 * a bit for each number done past D + 1; and the credit, how many
 * numbers past D the sensor may have unacknowledged: WIRE_ACK_WINDOW
 * less those done past D, so that whatever it sends stays within the
 * 1024 numbers the window holds, and at most max.  Numbers behind the
 * window count as done: they would be refused as old, and sending them
 * again changes nothing.
 */
void
window_ack(const struct slot *sl, struct wire_ack *ack, uint32_t max)
{
	uint64_t	 low, n, i, past = 0;

	memset(ack, 0, sizeof(*ack));
	low = sl->top >= WINDOW_BITS ? sl->top - WINDOW_BITS + 1 : 1;
	ack->done = low - 1;
	n = sl->top >= low ? sl->top - low + 1 : 0;
	for (i = 0; i < n && window_isset(sl, low + i); i++)
		ack->done = low + i;
	/* low + i is D + 1, not done; what is done after it is a bit */
	for (i++; i < n; i++)
		if (window_isset(sl, low + i) &&
		    wire_ack_set(ack, low + i) == 0)
			past++;
	ack->credit = past >= WIRE_ACK_WINDOW ? 0 :
	    (uint32_t)(WIRE_ACK_WINDOW - past);
	if (ack->credit > max)
		ack->credit = max;
}

/* the window for the journal, in bytes that do not depend on the host */
void
window_get(const struct slot *sl, uint64_t *top,
    unsigned char bits[WINDOW_BITS / 8])
{
	int	 i;

	*top = sl->top;
	for (i = 0; i < WINDOW_BITS / 8; i++)
		bits[i] = (sl->window[i / 8] >> (8 * (i % 8))) & 0xff;
}

/* and back; bits of numbers above the top or below 1 are not taken */
void
window_set(struct slot *sl, uint64_t top,
    const unsigned char bits[WINDOW_BITS / 8])
{
	uint64_t	 seq, low;
	int		 i;

	sl->top = top;
	memset(sl->window, 0, sizeof(sl->window));
	for (i = 0; i < WINDOW_BITS / 8; i++)
		sl->window[i / 8] |= (uint64_t)bits[i] << (8 * (i % 8));
	low = top >= WINDOW_BITS ? top - WINDOW_BITS + 1 : 1;
	for (seq = top + 1; seq < low + WINDOW_BITS; seq++)
		sl->window[(seq % WINDOW_BITS) / 64] &=
		    ~(1ULL << (seq % 64));
}
