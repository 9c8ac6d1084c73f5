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
 * Rate limits on sensor keys not seen before, each of which costs the
 * crypto child a Curve25519 before it can say whether the datagram is
 * authentic: a token bucket per source address, and the set of new
 * keys already at the crypto child, counted once however many of
 * their datagrams are in flight.  The caller passes the time, so the
 * buckets follow whatever clock it keeps.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "nccollectd.h"

static struct source *source_find(struct newkeys *,
		    const struct sockaddr_storage *, int64_t);
static void	 pending_add(struct newkeys *, const unsigned char *);

void
newkey_init(struct newkeys *nk)
{
	memset(nk, 0, sizeof(*nk));
	crypto_shorthash_keygen(nk->key);
}

/*
 * The bucket of an address, hashed into a fixed table under a secret
 * key so no sender can aim at another's bucket; a collision just
 * starts a full bucket.
 */
static struct source *
source_find(struct newkeys *nk, const struct sockaddr_storage *from,
    int64_t now_ms)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct source			*src;
	unsigned char			 addr[16], hash[crypto_shorthash_BYTES];
	uint64_t			 slot;

	memset(addr, 0, sizeof(addr));
	if (from->ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)from;
		memcpy(addr, &sin->sin_addr, sizeof(sin->sin_addr));
	} else if (from->ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)from;
		memcpy(addr, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
	}
	crypto_shorthash(hash, addr, sizeof(addr), nk->key);
	memcpy(&slot, hash, sizeof(slot));
	src = &nk->sources[slot % SRC_SLOTS];
	if (!src->used || memcmp(src->addr, addr, sizeof(addr)) != 0) {
		memcpy(src->addr, addr, sizeof(addr));
		src->used = 1;
		src->tokens = NEWKEY_BURST;
		src->last_ms = now_ms;
	}
	return (src);
}

/*
 * 1 if a datagram of a key not seen before may go to the crypto child:
 * a key already there is not counted again, a new one takes a token of
 * its source's bucket, which gains NEWKEY_RATE a second up to
 * NEWKEY_BURST.  A key allowed is pending until newkey_answered().
 */
int
newkey_allowed(struct newkeys *nk, const struct sockaddr_storage *from,
    const unsigned char *pk, int64_t now_ms)
{
	struct source	*src;
	int64_t		 add;
	unsigned int	 i;

	for (i = 0; i < MAX_INFLIGHT; i++)
		if (nk->pending[i].refs > 0 && memcmp(nk->pending[i].pk, pk,
		    WIRE_PKLEN) == 0) {
			nk->pending[i].refs++;
			return (1);
		}
	src = source_find(nk, from, now_ms);
	if ((add = (now_ms - src->last_ms) * NEWKEY_RATE / 1000) > 0) {
		src->tokens = src->tokens + add > NEWKEY_BURST ?
		    NEWKEY_BURST : src->tokens + (unsigned int)add;
		src->last_ms += add * 1000 / NEWKEY_RATE;
	}
	if (src->tokens == 0)
		return (0);
	src->tokens--;
	pending_add(nk, pk);
	return (1);
}

static void
pending_add(struct newkeys *nk, const unsigned char *pk)
{
	unsigned int	i;

	for (i = 0; i < MAX_INFLIGHT; i++)
		if (nk->pending[i].refs == 0) {
			memcpy(nk->pending[i].pk, pk, WIRE_PKLEN);
			nk->pending[i].refs = 1;
			return;
		}
	fatalx("more new keys pending than datagrams in flight");
}

/* the crypto child answered for a datagram of a pending key */
void
newkey_answered(struct newkeys *nk, const unsigned char *pk)
{
	unsigned int	i;

	for (i = 0; i < MAX_INFLIGHT; i++)
		if (nk->pending[i].refs > 0 && memcmp(nk->pending[i].pk, pk,
		    WIRE_PKLEN) == 0) {
			nk->pending[i].refs--;
			return;
		}
	fatalx("a new key answered that was not pending");
}
