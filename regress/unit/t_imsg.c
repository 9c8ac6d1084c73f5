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

/* the imsg channel over a real socketpair */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "tap.h"
#include "log.h"




static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		fatal("socketpair");
}

/* a payload byte that depends on its position and a seed */
static unsigned char
pattern(size_t i, unsigned int seed)
{
	return ((unsigned char)((i * 131 + seed * 7 + (i >> 8)) & 0xff));
}

static int
pattern_ok(const unsigned char *p, size_t len, unsigned int seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern(i, seed))
			return (0);
	return (1);
}

/* the next message, reading as needed; -1 on error or after 5s */
static int
next_msg(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 r;

	for (;;) {
		if ((r = imsg_get(ibuf, imsg)) != 0)
			return (r);
		pfd.fd = ibuf->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 5000) != 1)
			return (-1);
		n = imsgbuf_read(ibuf);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			return (-1);
	}
}

/* raw wire bytes: header in host order, then the payload */
static size_t
raw_msg(unsigned char *buf, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t pid, const void *data, size_t datalen)
{
	struct imsg_hdr	 hdr;

	hdr.type = type;
	hdr.len = len;
	hdr.peerid = peerid;
	hdr.pid = pid;
	memcpy(buf, &hdr, sizeof(hdr));
	if (datalen > 0)
		memcpy(buf + sizeof(hdr), data, datalen);
	return (sizeof(hdr) + datalen);
}

static int
fd_is_closed(int fd)
{
	return (fcntl(fd, F_GETFD) == -1 && errno == EBADF);
}

static void
test_roundtrip(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 m;
	struct iovec	 iov[3];
	unsigned char	 big[1000];
	size_t		 i;
	int		 sv[2];

	pair(sv);
	ok(imsgbuf_init(&a, sv[0]) == 0 && imsgbuf_init(&b, sv[1]) == 0,
	    "imsgbuf_init");
	ok((fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0,
	    "imsgbuf_init makes the socket non-blocking");

	for (i = 0; i < sizeof(big); i++)
		big[i] = pattern(i, 3);
	iov[0].iov_base = big;
	iov[0].iov_len = 10;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = big + 10;
	iov[2].iov_len = 90;

	ok(imsg_compose(&a, 1, 11, 101, -1, NULL, 0) == 0 &&
	    imsg_compose(&a, 2, 22, 202, -1, "hello", 5) == 0 &&
	    imsg_compose(&a, 3, 33, 303, -1, big, sizeof(big)) == 0 &&
	    imsg_composev(&a, 4, 44, 404, -1, iov, 3) == 0 &&
	    imsg_composev(&a, 5, 55, 505, -1, NULL, 0) == 0,
	    "compose five messages");
	ok(imsgbuf_queuelen(&a) == 5, "five are queued");
	ok(imsgbuf_flush(&a) == 0 && imsgbuf_queuelen(&a) == 0,
	    "flush empties the queue");

	ok(next_msg(&b, &m) == 1 && m.hdr.type == 1 && m.hdr.peerid == 11 &&
	    m.hdr.pid == 101 && IMSG_DATA_SIZE(&m) == 0 && m.data == NULL &&
	    m.fd == -1, "empty message: header intact, data NULL, no fd");
	imsg_free(&m);
	ok(next_msg(&b, &m) == 1 && m.hdr.type == 2 && m.hdr.peerid == 22 &&
	    m.hdr.pid == 202 && IMSG_DATA_SIZE(&m) == 5 &&
	    memcmp(m.data, "hello", 5) == 0 && m.fd == -1,
	    "\"hello\" arrives");
	imsg_free(&m);
	ok(next_msg(&b, &m) == 1 && m.hdr.type == 3 &&
	    m.hdr.len == IMSG_HEADER_SIZE + sizeof(big) &&
	    pattern_ok(m.data, sizeof(big), 3), "1000 bytes arrive intact");
	imsg_free(&m);
	ok(next_msg(&b, &m) == 1 && m.hdr.type == 4 && m.hdr.peerid == 44 &&
	    IMSG_DATA_SIZE(&m) == 100 && pattern_ok(m.data, 100, 3),
	    "composev joins its iovecs in order");
	imsg_free(&m);
	ok(next_msg(&b, &m) == 1 && m.hdr.type == 5 && m.data == NULL,
	    "composev with no iovecs sends a bare header");
	imsg_free(&m);
	ok(imsg_get(&b, &m) == 0, "then nothing is left");
	ok(imsgbuf_read(&b) == -1 && errno == EAGAIN,
	    "reading an idle channel is EAGAIN");

	close(sv[0]);
	ok(imsgbuf_read(&b) == 0, "reading after the peer closed is EOF");
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[1]);
}

/* feed one message a byte at a time past the sender's imsg code */
static void
test_partial(void)
{
	struct imsgbuf	 b;
	struct imsg	 m;
	unsigned char	 wire[64];
	size_t		 len, i;
	int		 sv[2], early = 0, readerr = 0;

	pair(sv);
	if (imsgbuf_init(&b, sv[1]) == -1)
		fatal("imsgbuf_init");
	len = raw_msg(wire, 7, IMSG_HEADER_SIZE + 10, 9, 42, "0123456789",
	    10);
	for (i = 0; i < len; i++) {
		if (write(sv[0], wire + i, 1) != 1)
			fatal("write");
		if (imsgbuf_read(&b) != 1)
			readerr = 1;
		if (i + 1 < len && imsg_get(&b, &m) != 0)
			early = 1;
	}
	ok(!readerr, "each read takes the one byte written");
	ok(!early, "imsg_get says 0 for each of the first %zu bytes",
	    len - 1);
	ok(imsg_get(&b, &m) == 1 && m.hdr.type == 7 && m.hdr.peerid == 9 &&
	    m.hdr.pid == 42 && IMSG_DATA_SIZE(&m) == 10 &&
	    memcmp(m.data, "0123456789", 10) == 0,
	    "the last byte completes the hand-built message");
	imsg_free(&m);
	ok(b.rlen == 0, "nothing is left in the read buffer");
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

static void
test_batched(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 m;
	unsigned int	 i, good = 1;
	ssize_t		 n;
	int		 sv[2];

	pair(sv);
	if (imsgbuf_init(&a, sv[0]) == -1 || imsgbuf_init(&b, sv[1]) == -1)
		fatal("imsgbuf_init");
	for (i = 0; i < 5; i++)
		if (imsg_compose(&a, 100 + i, i, 0, -1, "abcdefgh", i) == -1)
			fatal("imsg_compose");
	if (imsgbuf_flush(&a) == -1)
		fatal("imsgbuf_flush");
	n = imsgbuf_read(&b);
	ok(n == (ssize_t)(5 * IMSG_HEADER_SIZE + 0 + 1 + 2 + 3 + 4),
	    "one read takes all five messages (%zd bytes)", n);
	for (i = 0; i < 5; i++) {
		if (imsg_get(&b, &m) != 1 || m.hdr.type != 100 + i ||
		    IMSG_DATA_SIZE(&m) != i ||
		    (i > 0 && memcmp(m.data, "abcdefgh", i) != 0))
			good = 0;
		imsg_free(&m);
	}
	ok(good, "five imsg_get calls return them in order");
	ok(imsg_get(&b, &m) == 0 && b.rlen == 0, "and then 0");
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

/* send len raw bytes in one sendmsg, with fd (or -1) on them */
static void
raw_send(int s, const void *wire, size_t len, int fd)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)wire;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	if (sendmsg(s, &msg, 0) != (ssize_t)len)
		fatal("sendmsg");
}

/*
 * Messages taken from the front of the read buffer are moved out of
 * the way only at the next read: what is left then (the start of a
 * message) and an fd that comes with the rest of it must still pair
 * up as they did.
 */
static void
test_readahead(void)
{
	struct imsgbuf	 b;
	struct imsg	 m;
	unsigned char	 wire[4 * (IMSG_HEADER_SIZE + 100)], data[100];
	size_t		 la, lb, lc, ld, cut, i;
	int		 sv[2], p[2], good = 1;
	char		 buf[8];

	for (i = 0; i < sizeof(data); i++)
		data[i] = pattern(i, 5);
	pair(sv);
	if (imsgbuf_init(&b, sv[1]) == -1 || pipe(p) == -1)
		fatal("imsgbuf_init");
	la = raw_msg(wire, 1, IMSG_HEADER_SIZE + 10, 1, 0, data, 10);
	lb = raw_msg(wire + la, 2, IMSG_HEADER_SIZE + 20, 2, 0, data, 20);
	lc = raw_msg(wire + la + lb, 3, IMSG_HEADER_SIZE + 100, 3, 0, data,
	    100);
	ld = raw_msg(wire + la + lb + lc, 4,
	    (IMSG_HEADER_SIZE + 30) | IMSG_FD_MARK, 4, 0, data, 30);
	/* A, B and the first 40 bytes of C; then the rest, D and an fd */
	cut = la + lb + 40;
	raw_send(sv[0], wire, cut, -1);
	ok(imsgbuf_read(&b) == (ssize_t)cut, "one read: two messages and "
	    "a part");
	ok(imsg_get(&b, &m) == 1 && m.hdr.type == 1 &&
	    IMSG_DATA_SIZE(&m) == 10 && pattern_ok(m.data, 10, 5),
	    "the first is taken");
	imsg_free(&m);
	ok(imsg_get(&b, &m) == 1 && m.hdr.type == 2 &&
	    IMSG_DATA_SIZE(&m) == 20 && pattern_ok(m.data, 20, 5),
	    "the second is taken");
	imsg_free(&m);
	ok(imsg_get(&b, &m) == 0 && b.roff == la + lb && b.rlen == cut,
	    "the part waits, behind what was taken");
	raw_send(sv[0], wire + cut, lc - 40 + ld, p[1]);
	close(p[1]);
	ok(imsgbuf_read(&b) == (ssize_t)(lc - 40 + ld) && b.roff == 0 &&
	    b.rlen == lc + ld, "the next read moved the part to the front");
	if (imsg_get(&b, &m) != 1 || m.hdr.type != 3 || m.fd != -1 ||
	    IMSG_DATA_SIZE(&m) != 100 || !pattern_ok(m.data, 100, 5))
		good = 0;
	imsg_free(&m);
	ok(good, "the message cut in two is whole, and gets no fd");
	ok(imsg_get(&b, &m) == 1 && m.hdr.type == 4 && m.fd >= 0 &&
	    IMSG_DATA_SIZE(&m) == 30 && pattern_ok(m.data, 30, 5),
	    "the fd sent with the rest goes to the marked message after it");
	close(m.fd);
	imsg_free(&m);
	ok(read(p[0], buf, sizeof(buf)) == 0, "it was the pipe's write end");
	ok(imsg_get(&b, &m) == 0 && b.rlen == 0 && b.roff == 0 &&
	    TAILQ_EMPTY(&b.fds), "and nothing is left");
	imsgbuf_clear(&b);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static void
test_fdpass(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 m;
	char		 buf[16];
	int		 sv[2], p[2], p2[2], fd;

	pair(sv);
	if (imsgbuf_init(&a, sv[0]) == -1 || imsgbuf_init(&b, sv[1]) == -1)
		fatal("imsgbuf_init");
	if (pipe(p) == -1 || pipe(p2) == -1)
		fatal("pipe");

	/* plain, fd, plain, fd: each fd must land on its own message */
	if (imsg_compose(&a, 1, 0, 0, -1, "one", 3) == -1 ||
	    imsg_compose(&a, 2, 0, 0, p[1], "two", 3) == -1 ||
	    imsg_compose(&a, 3, 0, 0, -1, NULL, 0) == -1 ||
	    imsg_compose(&a, 4, 0, 0, p2[1], NULL, 0) == -1)
		fatal("imsg_compose");
	ok(imsgbuf_flush(&a) == 0, "flush messages carrying fds");
	ok(fd_is_closed(p[1]) && fd_is_closed(p2[1]),
	    "the sender's copies are closed once sent");

	ok(next_msg(&b, &m) == 1 && m.hdr.type == 1 && m.fd == -1,
	    "a message sent without an fd gets none");
	imsg_free(&m);
	ok(next_msg(&b, &m) == 1 && m.hdr.type == 2 && m.fd >= 0 &&
	    m.hdr.len == IMSG_HEADER_SIZE + 3 && IMSG_DATA_SIZE(&m) == 3 &&
	    memcmp(m.data, "two", 3) == 0,
	    "the fd arrives with its message, the mark masked off");
	fd = m.fd;
	imsg_free(&m);
	ok(write(fd, "through", 7) == 7, "write through the received fd");
	close(fd);
	ok(read(p[0], buf, sizeof(buf)) == 7 && memcmp(buf, "through", 7) == 0,
	    "the pipe's read end sees it");
	ok(read(p[0], buf, sizeof(buf)) == 0,
	    "and then EOF: no other copy of the write end is open");

	ok(next_msg(&b, &m) == 1 && m.hdr.type == 3 && m.fd == -1,
	    "the plain message between gets no fd");
	imsg_free(&m);
	ok(next_msg(&b, &m) == 1 && m.hdr.type == 4 && m.fd >= 0 &&
	    m.data == NULL, "the second fd arrives with an empty payload");
	close(m.fd);
	imsg_free(&m);
	ok(read(p2[0], buf, sizeof(buf)) == 0,
	    "closing it leaves the second pipe at EOF");
	ok(TAILQ_EMPTY(&b.fds), "no fd is left unclaimed");

	/* an fd never sent is closed with the queue */
	close(p[0]);
	if (pipe(p) == -1)
		fatal("pipe");
	if (imsg_compose(&a, 5, 0, 0, p[1], NULL, 0) == -1)
		fatal("imsg_compose");
	imsgbuf_clear(&a);
	ok(fd_is_closed(p[1]) && read(p[0], buf, sizeof(buf)) == 0,
	    "imsgbuf_clear closes the fd of an unsent message");
	close(p[0]);

	/* an fd received but never claimed is closed with the buffer */
	if (imsgbuf_init(&a, sv[0]) == -1 || pipe(p) == -1)
		fatal("imsgbuf_init");
	if (imsg_compose(&a, 6, 0, 0, p[1], NULL, 0) == -1 ||
	    imsgbuf_flush(&a) == -1)
		fatal("imsg_compose");
	ok(imsgbuf_read(&b) == (ssize_t)IMSG_HEADER_SIZE &&
	    !TAILQ_EMPTY(&b.fds), "an fd waits in the receive queue");
	imsgbuf_clear(&b);
	ok(read(p[0], buf, sizeof(buf)) == 0,
	    "imsgbuf_clear closes a received fd nobody claimed");
	close(p[0]);
	close(p2[0]);
	imsgbuf_clear(&a);
	close(sv[0]);
	close(sv[1]);
}

static void
test_oversize(void)
{
	struct imsgbuf	 a;
	struct iovec	 iov[2];
	unsigned char	*big;
	int		 sv[2], p[2];

	pair(sv);
	if (imsgbuf_init(&a, sv[0]) == -1)
		fatal("imsgbuf_init");
	if ((big = calloc(1, IMSG_MAXDATA + 1)) == NULL)
		fatal("calloc");
	errno = 0;
	ok(imsg_compose(&a, 1, 0, 0, -1, big, IMSG_MAXDATA + 1) == -1 &&
	    errno == EMSGSIZE, "IMSG_MAXDATA + 1 bytes: EMSGSIZE");
	iov[0].iov_base = big;
	iov[0].iov_len = IMSG_MAXDATA;
	iov[1].iov_base = big;
	iov[1].iov_len = 1;
	errno = 0;
	ok(imsg_composev(&a, 1, 0, 0, -1, iov, 2) == -1 && errno == EMSGSIZE,
	    "iovecs summing to IMSG_MAXDATA + 1: EMSGSIZE");
	iov[1].iov_len = SIZE_MAX;
	errno = 0;
	ok(imsg_composev(&a, 1, 0, 0, -1, iov, 2) == -1 && errno == EMSGSIZE,
	    "iovec lengths that would wrap: EMSGSIZE");
	ok(imsgbuf_queuelen(&a) == 0, "nothing was queued");
	if (pipe(p) == -1)
		fatal("pipe");
	ok(imsg_compose(&a, 1, 0, 0, p[1], big, IMSG_MAXDATA + 1) == -1 &&
	    fd_is_closed(p[1]), "a refused message's fd is closed");
	close(p[0]);
	ok(imsg_compose(&a, 1, 0, 0, -1, big, IMSG_MAXDATA) == 0,
	    "exactly IMSG_MAXDATA is accepted");
	free(big);
	imsgbuf_clear(&a);
	close(sv[0]);
	close(sv[1]);
}

/* write raw bytes, optionally with an fd, and see what imsg_get says */
static int
forged(const void *wire, size_t len, int passfd, int *err)
{
	struct imsgbuf	 b;
	struct imsg	 m;
	int		 sv[2], r;

	pair(sv);
	if (imsgbuf_init(&b, sv[1]) == -1)
		fatal("imsgbuf_init");
	raw_send(sv[0], wire, len, passfd);
	if (imsgbuf_read(&b) != (ssize_t)len)
		fatal("imsgbuf_read");
	errno = 0;
	r = imsg_get(&b, &m);
	*err = errno;
	if (r == 1) {
		if (m.fd != -1)
			close(m.fd);
		imsg_free(&m);
	}
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
	return (r);
}

static void
test_forged(void)
{
	unsigned char	 wire[64];
	size_t		 len;
	int		 err, p[2];

	len = raw_msg(wire, 1, IMSG_HEADER_SIZE - 1, 0, 0, NULL, 0);
	ok(forged(wire, len, -1, &err) == -1 && err == EBADMSG,
	    "len one short of the header: -1, EBADMSG");
	len = raw_msg(wire, 1, 0, 0, 0, NULL, 0);
	ok(forged(wire, len, -1, &err) == -1 && err == EBADMSG,
	    "len 0: -1, EBADMSG");
	len = raw_msg(wire, 1, IMSG_MAXSIZE + 1, 0, 0, NULL, 0);
	ok(forged(wire, len, -1, &err) == -1 && err == EBADMSG,
	    "len IMSG_MAXSIZE + 1: -1, EBADMSG");
	len = raw_msg(wire, 1, 0x7fffffff, 0, 0, NULL, 0);
	ok(forged(wire, len, -1, &err) == -1 && err == EBADMSG,
	    "len 0x7fffffff: -1, EBADMSG");
	len = raw_msg(wire, 1, IMSG_MAXSIZE, 0, 0, NULL, 0);
	ok(forged(wire, len, -1, &err) == 0,
	    "len IMSG_MAXSIZE, only the header here: 0, wait for more");
	len = raw_msg(wire, 1, IMSG_FD_MARK | (IMSG_HEADER_SIZE + 2), 0, 0,
	    "hi", 2);
	ok(forged(wire, len, -1, &err) == -1 && err == EBADMSG,
	    "an fd mark with no fd sent: -1, EBADMSG");
	len = raw_msg(wire, 1, IMSG_FD_MARK | 4, 0, 0, NULL, 0);
	ok(forged(wire, len, -1, &err) == -1 && err == EBADMSG,
	    "the mark does not hide a short len");
	if (pipe(p) == -1)
		fatal("pipe");
	len = raw_msg(wire, 1, IMSG_HEADER_SIZE + 2, 0, 0, "hi", 2);
	ok(forged(wire, len, p[1], &err) == -1 && err == EBADMSG,
	    "an fd sent with an unmarked message: -1, EBADMSG");
	len = raw_msg(wire, 1, IMSG_FD_MARK | (IMSG_HEADER_SIZE + 2), 0, 0,
	    "hi", 2);
	ok(forged(wire, len, p[1], &err) == 1,
	    "the same fd with a marked message is fine");
	close(p[0]);
	close(p[1]);
}

/* IMSG_MAXDATA through a small socket buffer, one process alternating */
static void
test_large(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 m;
	unsigned char	*big;
	size_t		 i;
	int		 sv[2], sz = 16384, writes = 0, got = 0, partial = 0;

	pair(sv);
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) == -1)
		fatal("SO_SNDBUF");
	if (imsgbuf_init(&a, sv[0]) == -1 || imsgbuf_init(&b, sv[1]) == -1)
		fatal("imsgbuf_init");
	if ((big = malloc(IMSG_MAXDATA)) == NULL)
		fatal("malloc");
	for (i = 0; i < IMSG_MAXDATA; i++)
		big[i] = pattern(i, 9);
	if (imsg_compose(&a, 77, 1, 2, -1, big, IMSG_MAXDATA) == -1 ||
	    imsg_compose(&a, 78, 1, 2, -1, "tail", 4) == -1)
		fatal("imsg_compose");
	free(big);

	while (got < 2 && writes < 100000) {
		if (imsgbuf_write(&a) == -1)
			break;
		writes++;
		if (imsgbuf_queuelen(&a) == 2 && a.outoff > 0)
			partial = 1;
		if (imsgbuf_read(&b) == -1 && errno != EAGAIN)
			break;
		while (got < 2 && imsg_get(&b, &m) == 1) {
			if (got == 0)
				ok(m.hdr.type == 77 &&
				    IMSG_DATA_SIZE(&m) == IMSG_MAXDATA &&
				    pattern_ok(m.data, IMSG_MAXDATA, 9),
				    "IMSG_MAXDATA bytes arrive intact");
			else
				ok(m.hdr.type == 78 &&
				    IMSG_DATA_SIZE(&m) == 4 &&
				    memcmp(m.data, "tail", 4) == 0,
				    "the message queued behind it follows");
			imsg_free(&m);
			got++;
		}
	}
	ok(got == 2, "both messages crossed");
	ok(partial && writes > 1,
	    "the socket took it in pieces (%d writes)", writes);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A read takes 64K at most (imsg.c's IMSG_READ_SIZE), so that a busy
 * channel keeps no more of rbuf resident, unless the message begun at
 * the front is larger: then the read may bring the whole of it.
 */
static void
test_window(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 m;
	unsigned char	*buf;
	ssize_t		 n;
	size_t		 i;
	int		 sv[2], got = 0, intact = 1;
	unsigned int	 k;

	pair(sv);
	if (imsgbuf_init(&a, sv[0]) == -1 || imsgbuf_init(&b, sv[1]) == -1)
		fatal("imsgbuf_init");
	if ((buf = malloc(100000)) == NULL)
		fatal("malloc");
	/* 20 of 5,016 bytes, 100,320 in all, wait in the socket */
	for (k = 0; k < 20; k++) {
		for (i = 0; i < 5000; i++)
			buf[i] = pattern(i, k);
		if (imsg_compose(&a, k, 0, 0, -1, buf, 5000) == -1)
			fatal("imsg_compose");
	}
	ok(imsgbuf_flush(&a) == 0, "100,320 bytes of messages written");
	n = imsgbuf_read(&b);
	ok(n == 65536, "with 100,320 bytes waiting, a read takes 65,536 "
	    "(%zd)", n);
	while (got < 20 && next_msg(&b, &m) == 1) {
		if (m.hdr.type != (uint32_t)got ||
		    IMSG_DATA_SIZE(&m) != 5000 ||
		    !pattern_ok(m.data, 5000, (unsigned int)got))
			intact = 0;
		imsg_free(&m);
		got++;
	}
	ok(got == 20 && intact, "the 20 arrive intact and in order (%d)",
	    got);

	/* one of 100,016 bytes: 64K of it, then the rest in one read */
	for (i = 0; i < 100000; i++)
		buf[i] = pattern(i, 5);
	if (imsg_compose(&a, 99, 0, 0, -1, buf, 100000) == -1)
		fatal("imsg_compose");
	free(buf);
	ok(imsgbuf_flush(&a) == 0, "a message of 100,016 bytes written");
	n = imsgbuf_read(&b);
	ok(n == 65536 && imsg_get(&b, &m) == 0,
	    "its first read takes 65,536 bytes, not yet all of it (%zd)", n);
	n = imsgbuf_read(&b);
	ok(n == 100016 - 65536, "the next takes its other 34,480 bytes, "
	    "past 64K (%zd)", n);
	ok(imsg_get(&b, &m) == 1 && m.hdr.type == 99 &&
	    IMSG_DATA_SIZE(&m) == 100000 && pattern_ok(m.data, 100000, 5),
	    "and it arrives intact");
	imsg_free(&m);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sv[0]);
	close(sv[1]);
}

/* a child drains while imsgbuf_flush blocks in poll */
static void
test_flush_fork(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 m;
	unsigned char	*big;
	size_t		 i;
	pid_t		 pid;
	int		 sv[2], status, bad = 0;
	unsigned int	 k;

	pair(sv);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(sv[0]);
		if (imsgbuf_init(&b, sv[1]) == -1)
			_exit(2);
		for (k = 0; k < 4; k++) {
			if (next_msg(&b, &m) != 1 || m.hdr.type != k ||
			    IMSG_DATA_SIZE(&m) != IMSG_MAXDATA ||
			    !pattern_ok(m.data, IMSG_MAXDATA, k))
				bad = 1;
			imsg_free(&m);
		}
		imsgbuf_clear(&b);
		_exit(bad);
	}
	close(sv[1]);
	if (imsgbuf_init(&a, sv[0]) == -1)
		fatal("imsgbuf_init");
	if ((big = malloc(IMSG_MAXDATA)) == NULL)
		fatal("malloc");
	for (k = 0; k < 4; k++) {
		for (i = 0; i < IMSG_MAXDATA; i++)
			big[i] = pattern(i, k);
		if (imsg_compose(&a, k, 0, 0, -1, big, IMSG_MAXDATA) == -1)
			fatal("imsg_compose");
	}
	free(big);
	ok(imsgbuf_flush(&a) == 0 && imsgbuf_queuelen(&a) == 0,
	    "imsgbuf_flush pushes 1 MiB through a non-blocking socket");
	if (waitpid(pid, &status, 0) == -1)
		fatal("waitpid");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the child read four intact IMSG_MAXDATA messages");
	imsgbuf_clear(&a);
	close(sv[0]);
}

struct evtest {
	struct imsgev	 iev;
	int		 received;
};

static void
ev_handler(int fd, short event, void *arg)
{
	struct imsgev	*iev = arg;
	struct evtest	*t = iev->data;
	struct imsg	 m;
	ssize_t		 n;

	if (fd != iev->ibuf.fd)
		fatalx("handler called for fd %d", fd);
	if (event & EV_READ) {
		n = imsgbuf_read(&iev->ibuf);
		if (n == -1 && errno != EAGAIN)
			fatal("imsgbuf_read");
		while (imsg_get(&iev->ibuf, &m) == 1) {
			if (m.hdr.type == 42 && IMSG_DATA_SIZE(&m) == 3 &&
			    memcmp(m.data, "evt", 3) == 0)
				t->received++;
			imsg_free(&m);
		}
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1)
			fatal("imsgbuf_write");
	}
	imsg_event_add(iev);
}

static void
test_event(void)
{
	struct evtest		 s, r;
	struct event_base	*base;
	int			 sv[2], i;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	pair(sv);
	base = event_init();
	if (imsgbuf_init(&s.iev.ibuf, sv[0]) == -1 ||
	    imsgbuf_init(&r.iev.ibuf, sv[1]) == -1)
		fatal("imsgbuf_init");
	s.iev.handler = r.iev.handler = ev_handler;
	s.iev.data = &s;
	r.iev.data = &r;
	imsg_event_add(&s.iev);
	imsg_event_add(&r.iev);
	ok(s.iev.events == EV_READ, "an idle channel waits to read only");
	ok(imsg_compose_event(&s.iev, 42, 0, 0, -1, "evt", 3) == 0 &&
	    s.iev.events == (EV_READ | EV_WRITE),
	    "imsg_compose_event adds EV_WRITE");
	for (i = 0; i < 10 && r.received == 0; i++)
		event_loop(EVLOOP_ONCE);
	ok(r.received == 1, "the event loop carried the message across");
	ok(s.iev.events == EV_READ && imsgbuf_queuelen(&s.iev.ibuf) == 0,
	    "with the queue empty EV_WRITE is dropped again");
	event_del(&s.iev.ev);
	event_del(&r.iev.ev);
	imsgbuf_clear(&s.iev.ibuf);
	imsgbuf_clear(&r.iev.ibuf);
	event_base_free(base);
	close(sv[0]);
	close(sv[1]);
}

/* descriptors open in this process, to catch leaks */
static int
count_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return (n);
}

int
main(void)
{
	int	 nfds;

	log_init(1, 0);
	log_procinit("t_imsg");
	signal(SIGPIPE, SIG_IGN);
	nfds = count_fds();

	test_roundtrip();
	test_partial();
	test_batched();
	test_readahead();
	test_fdpass();
	test_oversize();
	test_forged();
	test_large();
	test_window();
	test_flush_fork();
	test_event();
	ok(count_fds() == nfds, "no descriptor leaked (%d open)", nfds);
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
