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
 * A sensor's name as one token of a NATS subject and back
 * (subject_sensor_put/get, common/util.c): the collector publishes
 * under it, ncctl dump -u and a consuming collector read it.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "util.h"

static void
roundtrip(const char *name, const char *want)
{
	char	tok[3 * SENSOR_NAME_MAX + 1], back[SENSOR_NAME_MAX + 1];
	int	n;

	n = subject_sensor_put(tok, sizeof(tok), name);
	ok(n == (int)strlen(want) && strcmp(tok, want) == 0,
	    "\"%s\" is the token \"%s\" (%d)", name, want, n);
	ok(subject_sensor_get(tok, strlen(tok), back) == 0 &&
	    strcmp(back, name) == 0, "and \"%s\" is \"%s\" again", tok, back);
}

static void	 split_cases(void);

static void
refused(const char *tok, const char *why)
{
	char	back[SENSOR_NAME_MAX + 1];

	ok(subject_sensor_get(tok, strlen(tok), back) == -1,
	    "\"%.20s%s\" is no name's token: %s", tok,
	    strlen(tok) > 20 ? "..." : "", why);
}

/* subject_split(): a subject back to its sensor and type, or why not */
static void
split_cases(void)
{
	char		 sensor[SENSOR_NAME_MAX + 1];
	const char	*type = NULL;

	ok(subject_split("ncap.dc1%2Es1.TCP", "ncap", sensor, &type) == 0 &&
	    strcmp(sensor, "dc1.s1") == 0 && strcmp(type, "TCP") == 0,
	    "ncap.dc1%%2Es1.TCP: sensor dc1.s1, type TCP");
	ok(subject_split("site.a.ncap.s1.DNS", "site.a.ncap", sensor,
	    &type) == 0 && strcmp(sensor, "s1") == 0 &&
	    strcmp(type, "DNS") == 0, "a prefix of several tokens");
	ok(subject_split("ncapx.s1.TCP", "ncap", sensor, &type) == -1,
	    "another prefix that starts the same: -1");
	ok(subject_split("ncap.s1", "ncap", sensor, &type) == -1,
	    "no type: -1");
	ok(subject_split("ncap.s1.TCP.x", "ncap", sensor, &type) == -1,
	    "a token too many: -1");
	ok(subject_split("ncap.s%2e1.TCP", "ncap", sensor, &type) == -2,
	    "a sensor token no name's: -2");
	ok(subject_split("ncap..TCP", "ncap", sensor, &type) == -2,
	    "an empty sensor token: -2");
}

int
main(void)
{
	char	name[SENSOR_NAME_MAX + 2], want[3 * SENSOR_NAME_MAX + 4];
	char	tok[8];
	int	i;

	roundtrip("bench", "bench");
	roundtrip("dc1.s1", "dc1%2Es1");
	roundtrip("a.b-c_d.", "a%2Eb-c_d%2E");
	/* the longest name, all of it dots but the first */
	name[0] = 'x';
	strlcpy(want, "x", sizeof(want));
	for (i = 1; i < SENSOR_NAME_MAX; i++) {
		name[i] = '.';
		strlcat(want, "%2E", sizeof(want));
	}
	name[SENSOR_NAME_MAX] = '\0';
	roundtrip(name, want);

	ok(subject_sensor_put(tok, sizeof(tok), "abcdefgh") == -1,
	    "a token one byte too long for its buffer: -1");
	ok(subject_sensor_put(tok, sizeof(tok), "abcdefg") == 7,
	    "one that fits with its NUL: its length");
	ok(subject_sensor_put(tok, sizeof(tok), "abcde.") == -1,
	    "a %%2E that does not fit: -1");

	refused("", "empty");
	refused("dc1.s1", "a dot ends a token");
	refused("dc1%2es1", "%2e is not how a dot is written");
	refused("dc1%2", "cut short");
	refused("dc1%41", "only a dot is escaped");
	refused("%2Edc1", "a name starts with no dot");
	refused("a b", "a space");
	name[SENSOR_NAME_MAX] = 'y';
	name[SENSOR_NAME_MAX + 1] = '\0';
	memset(name, 'z', SENSOR_NAME_MAX + 1);
	refused(name, "65 characters");
	split_cases();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
