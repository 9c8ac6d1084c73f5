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
 * The sensor keys the receiver knows, each with its two newest sessions
 * and what ncctl show sensors reports of it.  Listed keys come from the
 * configuration and stay while they are listed; in open mode any key
 * that authenticates is learnt, and the least recently used learnt key
 * is forgotten to make room, MAX_KEYS of them at most.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"

static int	 sensor_cmp(struct sensor *, struct sensor *);
static struct sensor *sensor_new(struct trust *, const unsigned char *);
static void	 sensor_forget(struct trust *, struct sensor *);

RB_GENERATE(sensor_tree, sensor, tree, sensor_cmp);

static int
sensor_cmp(struct sensor *a, struct sensor *b)
{
	return (memcmp(a->pk, b->pk, sizeof(a->pk)));
}

struct sensor *
trust_find(struct trust *t, const unsigned char *pk)
{
	struct sensor	key;

	memcpy(key.pk, pk, sizeof(key.pk));
	return (RB_FIND(sensor_tree, &t->sensors, &key));
}

/* in the tree, neither listed nor learnt yet */
static struct sensor *
sensor_new(struct trust *t, const unsigned char *pk)
{
	struct sensor	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal(NULL);
	memcpy(s->pk, pk, sizeof(s->pk));
	memcpy(s->info.pk, pk, sizeof(s->info.pk));
	RB_INSERT(sensor_tree, &t->sensors, s);
	return (s);
}

/* a sensor key goes, with its sessions */
static void
sensor_forget(struct trust *t, struct sensor *s)
{
	if (!s->listed) {
		TAILQ_REMOVE(&t->lru, s, lru);
		t->nlearnt--;
	}
	/* what it owed (an ack, a journal entry) goes with it */
	if (s->isdirty)
		TAILQ_REMOVE(&t->dirty, s, dirty);
	RB_REMOVE(sensor_tree, &t->sensors, s);
	free(s);
}

/* open mode: a key that authenticated; the oldest learnt one may go */
struct sensor *
trust_learn(struct trust *t, const unsigned char *pk, uint64_t *evicted)
{
	struct sensor	*s;

	if (t->nlearnt >= MAX_KEYS) {
		sensor_forget(t, TAILQ_LAST(&t->lru, sensor_lru));
		(*evicted)++;
	}
	s = sensor_new(t, pk);
	TAILQ_INSERT_HEAD(&t->lru, s, lru);
	t->nlearnt++;
	return (s);
}

/* a learnt key stored a batch: it is the last to be forgotten */
void
trust_touch(struct trust *t, struct sensor *s)
{
	if (s->listed)
		return;
	TAILQ_REMOVE(&t->lru, s, lru);
	TAILQ_INSERT_HEAD(&t->lru, s, lru);
}

/*
 * The list of trusted sensors, at start and on reload.  A key that
 * stays keeps its sessions and windows, so nothing in flight is lost
 * or stored twice, even when its name changes.  A key no longer listed
 * is forgotten, or, when the list is now empty, stays as a learnt one.
 */
void
trust_load(struct trust *t, const struct conf_sensor *list, unsigned int n,
    uint64_t *evicted)
{
	struct sensor	*s, *next;
	unsigned int	 i;

	RB_FOREACH(s, sensor_tree, &t->sensors)
		s->keep = 0;
	for (i = 0; i < n; i++) {
		if ((s = trust_find(t, list[i].pk)) == NULL)
			s = sensor_new(t, list[i].pk);
		else if (!s->listed) {
			TAILQ_REMOVE(&t->lru, s, lru);
			t->nlearnt--;
		}
		s->listed = 1;
		s->keep = 1;
		strlcpy(s->name, list[i].name, sizeof(s->name));
	}
	t->trusted = n > 0;
	for (s = RB_MIN(sensor_tree, &t->sensors); s != NULL; s = next) {
		next = RB_NEXT(sensor_tree, &t->sensors, s);
		if (s->keep)
			continue;
		if (t->trusted)
			sensor_forget(t, s);
		else if (s->listed) {
			/* open now: a key once listed is one more learnt */
			s->listed = 0;
			s->name[0] = '\0';
			TAILQ_INSERT_HEAD(&t->lru, s, lru);
			t->nlearnt++;
		}
	}
	while (t->nlearnt > MAX_KEYS) {
		sensor_forget(t, TAILQ_LAST(&t->lru, sensor_lru));
		(*evicted)++;
	}
}

/* what ncctl show sensors reports: a listed key by its listed name */
void
trust_info(const struct sensor *s, struct sensor_info *si)
{
	*si = s->info;
	si->listed = s->listed;
	if (s->listed)
		strlcpy(si->name, s->name, sizeof(si->name));
}

/* a slot of the sensor owes an ack or a journal entry */
void
trust_dirty(struct trust *t, struct sensor *s)
{
	if (s->isdirty)
		return;
	s->isdirty = 1;
	TAILQ_INSERT_TAIL(&t->dirty, s, dirty);
}
