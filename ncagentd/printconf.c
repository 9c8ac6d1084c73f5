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

#include <stdio.h>

#include "ncagentd.h"
#include "util.h"

/*
 * ncagentd -n: the configuration in effect, defaults included, in
 * the syntax parse.y reads and always in the same order, so that a
 * test can compare it with a file.
 */

static void
print_interval(const char *keyword, unsigned int ms)
{
	if (ms % 1000 == 0)
		printf("%s %u\n", keyword, ms / 1000);
	else
		printf("%s %ums\n", keyword, ms);
}

void
print_config(const struct agent_conf *conf)
{
	print_string("name", conf->name);
	if (conf->interface[0] != '\0')
		print_string("interface", conf->interface);
	else
		printf("# no interface\n");
	if (conf->filter[0] != '\0')
		print_string("filter", conf->filter);
	else
		printf("# no filter\n");
	printf("collector ");
	print_quoted(conf->collector);
	printf(" port %s\n", conf->port);
	print_string("collector-key", conf->collector_key);
	if (conf->keyfile[0] != '\0')
		print_string("keyfile", conf->keyfile);
	else
		printf("# no keyfile: an ephemeral key\n");
	print_string("user", conf->user);
	print_string("chroot", conf->chroot);
	print_string("socket", conf->ctlsock);
	if (conf->rctlsock[0] != '\0') {
		printf("socket ");
		print_quoted(conf->rctlsock);
		printf(" restricted\n");
	}
	printf("max-datagram %u\n", conf->max_datagram);
	print_interval("flush-interval", conf->flush_ms);
	print_interval("rekey", conf->rekey_ms);
	if (conf->pad > 1)
		printf("pad %u\n", conf->pad);
	else
		printf("# no padding\n");
	printf("snaplen %u\n", conf->snaplen);
	printf("promiscuous %s\n", conf->promisc ? "yes" : "no");
	printf("connection-table-size %u\n", conf->conn_table_size);
	printf("connection-idle-timeout %u\n", conf->conn_idle_timeout);
	printf("connection-active-timeout %u\n", conf->conn_active_timeout);
}
