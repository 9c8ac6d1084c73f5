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
 * The list of trusted sensors travels from the parent to both children
 * right after the configuration, in pieces an imsg can hold.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "nccollectd.h"
#include "privsep.h"

void
send_sensors(struct imsgev *iev, const struct conf_sensor *s, unsigned int n)
{
	unsigned int	 i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < SENSORS_PER_IMSG ? n - i : SENSORS_PER_IMSG;
		if (imsg_compose_event(iev, IMSG_SENSORS, 0, 0, -1, s + i,
		    k * sizeof(*s)) == -1)
			fatal("imsg_compose");
	}
}

struct conf_sensor *
recv_sensors(struct imsgbuf *ibuf, unsigned int n)
{
	struct conf_sensor	*s;
	struct imsg		 imsg;
	unsigned int		 i, k;

	if (n == 0)
		return (NULL);
	if (n > SENSORS_MAX)
		fatalx("%u sensors, more than %u", n, SENSORS_MAX);
	if ((s = calloc(n, sizeof(*s))) == NULL)
		fatal(NULL);
	for (i = 0; i < n; i += k) {
		k = n - i < SENSORS_PER_IMSG ? n - i : SENSORS_PER_IMSG;
		proc_recv(ibuf, &imsg);
		if (imsg.hdr.type != IMSG_SENSORS)
			fatalx("expected IMSG_SENSORS, got %u", imsg.hdr.type);
		imsg_expect(&imsg, k * sizeof(*s), "IMSG_SENSORS");
		memcpy(s + i, imsg.data, k * sizeof(*s));
		imsg_free(&imsg);
	}
	for (i = 0; i < n; i++)
		if (s[i].name[sizeof(s[i].name) - 1] != '\0')
			fatalx("IMSG_SENSORS: name not terminated");
	return (s);
}

/*
 * A reloaded list arrives while the child runs: IMSG_RECONF says how
 * many, IMSG_SENSORS bring them.  Each returns 1 once the list is
 * complete (rx->list, rx->n), then sensors_rx_done() frees it.
 */
int
sensors_rx_start(struct sensors_rx *rx, const struct imsg *imsg)
{
	struct collector_conf	 nconf;

	imsg_expect(imsg, sizeof(nconf), "IMSG_RECONF");
	memcpy(&nconf, imsg->data, sizeof(nconf));
	if (rx->want != 0 || nconf.nsensors > SENSORS_MAX)
		fatalx("IMSG_RECONF out of turn");
	free(rx->list);
	rx->list = NULL;
	rx->want = nconf.nsensors;
	rx->n = 0;
	if (rx->want == 0)
		return (1);
	if ((rx->list = calloc(rx->want, sizeof(*rx->list))) == NULL)
		fatal(NULL);
	return (0);
}

int
sensors_rx_add(struct sensors_rx *rx, const struct imsg *imsg)
{
	size_t	k = IMSG_DATA_SIZE(imsg) / sizeof(*rx->list), i;

	if (rx->want == 0 || k == 0 || k > rx->want - rx->n ||
	    IMSG_DATA_SIZE(imsg) != k * sizeof(*rx->list))
		fatalx("IMSG_SENSORS: bad length or out of turn");
	memcpy(rx->list + rx->n, imsg->data, k * sizeof(*rx->list));
	for (i = rx->n; i < rx->n + k; i++)
		rx->list[i].name[sizeof(rx->list[i].name) - 1] = '\0';
	rx->n += (unsigned int)k;
	return (rx->n == rx->want);
}

void
sensors_rx_done(struct sensors_rx *rx)
{
	free(rx->list);
	rx->list = NULL;
	rx->want = 0;
}
