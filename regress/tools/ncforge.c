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
 * ncforge: seal a plaintext read from stdin into wire format v2
 * datagrams and send them, the way a sensor would, or write them to
 * stdout.  Tests use it to hand the collector well-sealed but hostile
 * content, floods of new keys, and sessions of their choosing.
 *
 *	ncforge -k collector.pub [-s identity-secret-hex] [-T start-ns]
 *	    [-q seq] [-c count] [-R] [-t] [-o] [host port] < plaintext
 *
 * count datagrams (default 1) of one session, numbered from seq; -R
 * makes each one a new identity and session.  -t flips one bit of the
 * box's tag; -o writes to stdout, each datagram after its length in
 * two bytes, big endian, when count is given.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "log.h"
#include "util.h"
#include "wire.h"

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ncforge -k collector.pub [-s secret-hex] "
	    "[-T start-ns] [-q seq] [-c count] [-R] [-t] [-o] [host port] "
	    "< plaintext\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct addrinfo		 hints, *res = NULL;
	struct wire_session	 sess;
	unsigned char		 cpk[KEY_LEN], sk[KEY_LEN], pk[KEY_LEN];
	unsigned char		 kid[WIRE_KEYLEN], ks[WIRE_KEYLEN];
	unsigned char		 pt[WIRE_DGRAM_MAX], dg[WIRE_DGRAM_MAX + 64];
	unsigned char		 lenbuf[2];
	const char		*keyfile = NULL, *skhex = NULL;
	char			 errbuf[256];
	size_t			 ptlen = 0, dlen;
	ssize_t			 r;
	uint64_t		 seq = 1, start = 0, count = 1, i;
	int			 ch, tamper = 0, tostdout = 0, s = -1, error;
	int			 fresh = 0, framed = 0;

	while ((ch = getopt(argc, argv, "c:k:oq:Rs:tT:")) != -1) {
		switch (ch) {
		case 'c':
			count = strtoull(optarg, NULL, 0);
			framed = 1;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'o':
			tostdout = 1;
			break;
		case 'q':
			seq = strtoull(optarg, NULL, 0);
			break;
		case 'R':
			fresh = 1;
			break;
		case 's':
			skhex = optarg;
			break;
		case 't':
			tamper = 1;
			break;
		case 'T':
			start = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (keyfile == NULL || (!tostdout && argc != 2) || seq == 0)
		usage();
	if (sodium_init() == -1)
		errx(1, "sodium_init");
	if (key_read(keyfile, cpk, 0, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	while ((r = read(STDIN_FILENO, pt + ptlen, sizeof(pt) - ptlen)) > 0)
		ptlen += (size_t)r;
	if (r == -1)
		err(1, "read");
	if (ptlen + WIRE_OVERHEAD > WIRE_DGRAM_MAX)
		errx(1, "plaintext too large");
	if (!tostdout) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_DGRAM;
		if ((error = getaddrinfo(argv[0], argv[1], &hints, &res)))
			errx(1, "%s: %s", argv[0], gai_strerror(error));
		if ((s = socket(res->ai_family, res->ai_socktype, 0)) == -1)
			err(1, "socket");
	}
	if (start == 0)
		start = (uint64_t)now_ns();
	sess.k = ks;
	for (i = 0; i < count; i++) {
		if (i == 0 || fresh) {
			if (skhex != NULL && !fresh) {
				if (key_parse_hex(skhex, sk) == -1)
					errx(1, "bad secret key");
				crypto_scalarmult_base(pk, sk);
			} else
				crypto_box_keypair(pk, sk);
			if (crypto_box_beforenm(kid, cpk, sk) != 0 ||
			    wire_session_new(&sess, pk, kid, cpk, start) == -1)
				errx(1, "unusable collector key");
			sess.seq = seq - 1;
		}
		dlen = wire_seal(dg, &sess, pt, ptlen);
		if (tamper)
			dg[WIRE_HDRLEN] ^= 0x01;
		if (tostdout) {
			lenbuf[0] = (dlen >> 8) & 0xff;
			lenbuf[1] = dlen & 0xff;
			if ((framed && fwrite(lenbuf, 1, 2, stdout) != 2) ||
			    fwrite(dg, 1, dlen, stdout) != dlen)
				err(1, "write");
		} else if (sendto(s, dg, dlen, 0, res->ai_addr,
		    res->ai_addrlen) == -1)
			err(1, "sendto");
	}
	if (res != NULL)
		freeaddrinfo(res);
	return (0);
}
