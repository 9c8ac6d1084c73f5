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
 * ncforge: seal a plaintext read from stdin into one wire format v1
 * datagram and send it, the way a sensor would, or write it to stdout.
 * Tests use it to hand the collector well-sealed but hostile content.
 *
 *	ncforge -k collector.pub [-s sensor-secret-hex] [-i session-hex]
 *	    [-q seq] [-t] [-o] host port < plaintext
 *
 * -t flips one bit of the tag after sealing; -o writes the datagram to
 * stdout instead of sending it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "log.h"
#include "wire.h"

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ncforge -k collector.pub [-s secret-hex] "
	    "[-i session-hex] [-q seq] [-t] [-o] host port < plaintext\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct addrinfo		 hints, *res;
	struct wire_nonce	 n;
	unsigned char		 cpk[KEY_LEN], sk[KEY_LEN], pk[KEY_LEN];
	unsigned char		 k[crypto_box_BEFORENMBYTES];
	unsigned char		 pt[WIRE_DGRAM_MAX], dg[WIRE_DGRAM_MAX + 64];
	const char		*keyfile = NULL, *skhex = NULL, *sess = NULL;
	char			 errbuf[256];
	size_t			 ptlen = 0, dlen;
	ssize_t			 r;
	int			 ch, tamper = 0, tostdout = 0, s, error;

	memset(&n, 0, sizeof(n));
	n.seq = 1;
	while ((ch = getopt(argc, argv, "i:k:oq:s:t")) != -1) {
		switch (ch) {
		case 'i':
			sess = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'o':
			tostdout = 1;
			break;
		case 'q':
			n.seq = strtoull(optarg, NULL, 0);
			break;
		case 's':
			skhex = optarg;
			break;
		case 't':
			tamper = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (keyfile == NULL || (!tostdout && argc != 2))
		usage();
	if (sodium_init() == -1)
		errx(1, "sodium_init");
	if (key_read(keyfile, cpk, 0, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	if (skhex != NULL) {
		if (key_parse_hex(skhex, sk) == -1)
			errx(1, "bad secret key");
		crypto_scalarmult_base(pk, sk);
	} else
		crypto_box_keypair(pk, sk);
	if (sess != NULL) {
		if (strlen(sess) != 2 * WIRE_SESSIONLEN || sodium_hex2bin(
		    n.session, sizeof(n.session), sess, strlen(sess), NULL,
		    NULL, NULL) != 0)
			errx(1, "bad session id");
	} else
		randombytes_buf(n.session, sizeof(n.session));
	while ((r = read(STDIN_FILENO, pt + ptlen, sizeof(pt) - ptlen)) > 0)
		ptlen += (size_t)r;
	if (r == -1)
		err(1, "read");
	if (ptlen + WIRE_OVERHEAD > WIRE_DGRAM_MAX)
		errx(1, "plaintext too large");
	if (crypto_box_beforenm(k, cpk, sk) != 0)
		errx(1, "crypto_box_beforenm");
	dlen = wire_seal(dg, pk, &n, k, pt, ptlen);
	if (tamper)
		dg[WIRE_PKLEN + WIRE_NONCELEN] ^= 0x01;
	if (tostdout) {
		if (fwrite(dg, 1, dlen, stdout) != dlen)
			err(1, "write");
		return (0);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if ((error = getaddrinfo(argv[0], argv[1], &hints, &res)))
		errx(1, "%s: %s", argv[0], gai_strerror(error));
	if ((s = socket(res->ai_family, res->ai_socktype, 0)) == -1)
		err(1, "socket");
	if (sendto(s, dg, dlen, 0, res->ai_addr, res->ai_addrlen) == -1)
		err(1, "sendto");
	freeaddrinfo(res);
	return (0);
}
