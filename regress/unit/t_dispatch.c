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
 * proc_dispatch: messages that arrived before the peer closed are all
 * handled before the close is, in order; a parent's last order comes
 * just before it closes the channel.
 */

#include <sys/socket.h>

#include <event.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "proc.h"
#include "tap.h"

static int	seen[8], nseen, eofs, eof_after;

static int
handler(struct imsgev *iev, struct imsg *imsg)
{
	if (nseen < 8)
		seen[nseen++] = (int)imsg->hdr.type;
	return (0);
}

static void
on_eof(struct imsgev *iev)
{
	eofs++;
	eof_after = nseen;
}

int
main(void)
{
	struct imsgev	iev;
	struct imsgbuf	out;
	struct imsg	imsg;
	int		sv[2];

	event_init();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (1);
	memset(&iev, 0, sizeof(iev));
	if (imsgbuf_init(&iev.ibuf, sv[0]) == -1 ||
	    imsgbuf_init(&out, sv[1]) == -1)
		return (1);
	/* two messages, then the close, all before the reader looks */
	if (imsg_compose(&out, 7, 0, 0, -1, NULL, 0) == -1 ||
	    imsg_compose(&out, 9, 0, 0, -1, "x", 1) == -1 ||
	    imsgbuf_flush(&out) == -1)
		return (1);
	imsgbuf_clear(&out);
	close(sv[1]);

	/*
	 * As in a child: its configuration is taken with proc_recv, whose
	 * read brings the next message along; the event loop's next read
	 * then sees only the close.
	 */
	proc_recv(&iev.ibuf, &imsg);
	ok(imsg.hdr.type == 7, "proc_recv takes the first message");
	imsg_free(&imsg);
	proc_dispatch(&iev, EV_READ, "peer", handler, on_eof);
	ok(nseen == 1 && seen[0] == 9,
	    "the message read with it is handled (%d)", nseen);
	ok(eofs == 1, "the close reported once");
	ok(eof_after == 1, "and only after that message");

	printf("1..%d\n", ntest);
	return (nfail ? 1 : 0);
}
