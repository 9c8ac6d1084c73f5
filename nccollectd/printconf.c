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

#include <sodium.h>

#include "nccollectd.h"
#include "util.h"

/*
 * nccollectd -n: the configuration in effect, defaults included, in
 * the syntax parse.y reads and always in the same order, so that a
 * test can compare it with a file.
 */

void
print_config(const struct collector_conf *conf,
    const struct conf_sensor *sensors)
{
	char		 hex[2 * WIRE_PKLEN + 1];
	unsigned int	 i;

	printf("listen on ");
	if (conf->listen_addr[0] == '\0')
		printf("*");
	else
		print_quoted(conf->listen_addr);
	printf(" port %s\n", conf->port);
	print_string("keyfile", conf->keyfile);
	print_string("spool", conf->spool);
	print_string("user", conf->user);
	print_string("chroot", conf->chroot);
	print_string("socket", conf->ctlsock);
	if (conf->rctlsock[0] != '\0') {
		printf("socket ");
		print_quoted(conf->rctlsock);
		printf(" restricted\n");
	}
	if (conf->nsensors == 0)
		printf("# OPEN: no sensor listed, any holder of the public key "
		    "may write as any sensor\n");
	for (i = 0; i < conf->nsensors; i++) {
		sodium_bin2hex(hex, sizeof(hex), sensors[i].pk, WIRE_PKLEN);
		printf("sensor ");
		print_quoted(sensors[i].name);
		printf(" key %s\n", hex);
	}
}
