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

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

/* descriptors one recvmsg() accepts; a sender passes one per message */
#define IMSG_FDS_PER_READ	4
/* messages gathered into one sendmsg() */
#define IMSG_WRITE_IOV		64
/*
 * Bytes one read asks for, unless the message it completes is larger:
 * rbuf has room for the largest message, but a busy channel that read
 * all of it each time kept every page of it resident, 256K a channel.
 */
#define IMSG_READ_SIZE		(64 * 1024)

struct imsg_out {
	TAILQ_ENTRY(imsg_out)	 entry;
	int			 fd;	/* -1, or ours until sent */
	size_t			 len;
	unsigned char		 buf[];	/* header, then payload */
};

/*
 * A received fd and the span of rbuf filled by the read it came with.
 * The sender attaches it to a message's first byte, so the marked
 * message that claims it must start inside that span; an fd whose
 * span holds no such start was never asked for.
 */
struct imsg_fd {
	TAILQ_ENTRY(imsg_fd)	 entry;
	int			 fd;
	size_t			 lo;
	size_t			 hi;
};

static void	 imsg_consume(struct imsgbuf *);
static void	 imsg_dequeue(struct imsgbuf *);

int
imsgbuf_init(struct imsgbuf *ibuf, int fd)
{
	int	 flags;

	memset(ibuf, 0, sizeof(*ibuf));
	ibuf->fd = fd;
	ibuf->pid = getpid();
	TAILQ_INIT(&ibuf->outq);
	TAILQ_INIT(&ibuf->fds);
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return (-1);
	if ((ibuf->rbuf = malloc(IMSG_MAXSIZE)) == NULL)
		return (-1);
	return (0);
}

void
imsgbuf_clear(struct imsgbuf *ibuf)
{
	struct imsg_fd	*ifd;

	while (TAILQ_FIRST(&ibuf->outq) != NULL)
		imsg_dequeue(ibuf);
	ibuf->outoff = 0;
	while ((ifd = TAILQ_FIRST(&ibuf->fds)) != NULL) {
		TAILQ_REMOVE(&ibuf->fds, ifd, entry);
		close(ifd->fd);
		free(ifd);
	}
	free(ibuf->rbuf);
	ibuf->rbuf = NULL;
	ibuf->rlen = ibuf->roff = 0;
}

ssize_t
imsgbuf_read(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int) *
				    IMSG_FDS_PER_READ)];
	}			 cmsgbuf;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cmsg;
	struct imsg_fd		*ifd[IMSG_FDS_PER_READ];
	struct imsg_hdr		 hdr;
	ssize_t			 n;
	size_t			 nfd = 0, i, cnt, want;
	int			 fd, bad = 0;

	/*
	 * What was taken moves out of the way now, once a read, not at
	 * each message: what is left is the start of a message.
	 */
	if (ibuf->roff > 0)
		imsg_consume(ibuf);
	/*
	 * The read window: IMSG_READ_SIZE, or the whole of a larger
	 * message begun at the front.  When that much is here already (a
	 * whole message waits, or its length is bad), the rest of rbuf.
	 */
	want = IMSG_READ_SIZE;
	if (ibuf->rlen >= IMSG_HEADER_SIZE) {
		memcpy(&hdr, ibuf->rbuf, sizeof(hdr));
		hdr.len &= ~IMSG_FD_MARK;
		if (hdr.len > want && hdr.len <= IMSG_MAXSIZE)
			want = hdr.len;
	}
	if (ibuf->rlen >= want)
		want = IMSG_MAXSIZE;
	/* full means a whole message waits: imsg_get() it first */
	if (ibuf->rlen >= IMSG_MAXSIZE) {
		errno = ENOBUFS;
		return (-1);
	}

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = ibuf->rbuf + ibuf->rlen;
	iov.iov_len = want - ibuf->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(ibuf->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);

	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < cnt; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(fd));
			if (nfd == IMSG_FDS_PER_READ ||
			    (ifd[nfd] = malloc(sizeof(*ifd[nfd]))) == NULL) {
				close(fd);
				bad = 1;
				continue;
			}
			ifd[nfd]->fd = fd;
			ifd[nfd]->lo = ibuf->rlen;
			ifd[nfd]->hi = ibuf->rlen + (size_t)n;
			nfd++;
		}
	}

	/*
	 * A descriptor the kernel could not hand over (no room in the
	 * control buffer or the fd table) leaves a marked message without
	 * its fd: the channel cannot be trusted any further.
	 */
	if (bad || (msg.msg_flags & MSG_CTRUNC)) {
		for (i = 0; i < nfd; i++) {
			close(ifd[i]->fd);
			free(ifd[i]);
		}
		errno = EBADMSG;
		return (-1);
	}
	for (i = 0; i < nfd; i++)
		TAILQ_INSERT_TAIL(&ibuf->fds, ifd[i], entry);
	ibuf->rlen += (size_t)n;
	return (n);
}

int
imsg_get(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	struct imsg_fd	*claim = NULL, *next;
	size_t		 len, datalen;
	void		*data = NULL;
	int		 marked;

	if (ibuf->rlen - ibuf->roff < IMSG_HEADER_SIZE)
		return (0);
	memcpy(&hdr, ibuf->rbuf + ibuf->roff, sizeof(hdr));
	marked = (hdr.len & IMSG_FD_MARK) != 0;
	hdr.len &= ~IMSG_FD_MARK;
	if (hdr.len < IMSG_HEADER_SIZE || hdr.len > IMSG_MAXSIZE) {
		errno = EBADMSG;
		return (-1);
	}
	len = hdr.len;
	if (len > ibuf->rlen - ibuf->roff)
		return (0);

	/*
	 * Pair fds with marked messages, in order; see struct imsg_fd.
	 * The message starts at roff, its end is roff + len.
	 */
	next = TAILQ_FIRST(&ibuf->fds);
	if (marked) {
		if (next == NULL || next->lo > ibuf->roff ||
		    next->hi <= ibuf->roff) {
			errno = EBADMSG;
			return (-1);
		}
		claim = next;
		next = TAILQ_NEXT(next, entry);
	}
	if (next != NULL && next->hi <= ibuf->roff + len) {
		errno = EBADMSG;
		return (-1);
	}

	datalen = len - IMSG_HEADER_SIZE;
	if (datalen > 0) {
		if ((data = malloc(datalen)) == NULL)
			return (-1);
		memcpy(data, ibuf->rbuf + ibuf->roff + IMSG_HEADER_SIZE,
		    datalen);
	}
	imsg->hdr = hdr;
	imsg->data = data;
	imsg->fd = -1;
	if (claim != NULL) {
		imsg->fd = claim->fd;
		TAILQ_REMOVE(&ibuf->fds, claim, entry);
		free(claim);
	}
	ibuf->roff += len;
	if (ibuf->roff == ibuf->rlen)
		imsg_consume(ibuf);
	return (1);
}

/*
 * Drop the messages taken (roff bytes) from the front of rbuf; fd
 * spans move with them.  Done once a read and when rbuf is empty:
 * moving the rest after each message made a read of many messages cost
 * their square (the capture child spent 16 % of its time here).
 */
static void
imsg_consume(struct imsgbuf *ibuf)
{
	struct imsg_fd	*ifd;
	size_t		 len = ibuf->roff;

	if (ibuf->rlen > len)
		memmove(ibuf->rbuf, ibuf->rbuf + len, ibuf->rlen - len);
	ibuf->rlen -= len;
	ibuf->roff = 0;
	TAILQ_FOREACH(ifd, &ibuf->fds, entry) {
		ifd->lo = ifd->lo > len ? ifd->lo - len : 0;
		ifd->hi = ifd->hi > len ? ifd->hi - len : 0;
	}
}

void
imsg_free(struct imsg *imsg)
{
	free(imsg->data);
	imsg->data = NULL;
}

int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return (imsg_composev(ibuf, type, peerid, pid, fd, &iov, 1));
}

int
imsg_composev(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct imsg_out	*out;
	struct imsg_hdr	 hdr;
	size_t		 datalen = 0, off;
	int		 i, saved_errno;

	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL)) {
		errno = EINVAL;
		goto fail;
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > IMSG_MAXDATA - datalen) {
			errno = EMSGSIZE;
			goto fail;
		}
		datalen += iov[i].iov_len;
	}
	if ((out = malloc(sizeof(*out) + IMSG_HEADER_SIZE + datalen)) == NULL)
		goto fail;

	hdr.type = type;
	hdr.len = (uint32_t)(IMSG_HEADER_SIZE + datalen);
	if (fd >= 0)
		hdr.len |= IMSG_FD_MARK;
	hdr.peerid = peerid;
	hdr.pid = (uint32_t)pid;
	memcpy(out->buf, &hdr, sizeof(hdr));
	off = IMSG_HEADER_SIZE;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(out->buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	out->len = off;
	out->fd = fd >= 0 ? fd : -1;
	TAILQ_INSERT_TAIL(&ibuf->outq, out, entry);
	ibuf->queued++;
	return (0);

 fail:
	/* the fd was handed to us either way */
	if (fd >= 0) {
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
	}
	return (-1);
}

/* drop the head of the output queue, closing an fd never sent */
static void
imsg_dequeue(struct imsgbuf *ibuf)
{
	struct imsg_out	*out;

	out = TAILQ_FIRST(&ibuf->outq);
	TAILQ_REMOVE(&ibuf->outq, out, entry);
	if (out->fd >= 0)
		close(out->fd);
	free(out);
	ibuf->queued--;
}

int
imsgbuf_write(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	struct iovec		 iov[IMSG_WRITE_IOV];
	struct msghdr		 msg;
	struct cmsghdr		*cmsg;
	struct imsg_out		*head, *out;
	size_t			 off, left, rest;
	ssize_t			 n;
	int			 niov;

	while ((head = TAILQ_FIRST(&ibuf->outq)) != NULL) {
		memset(&msg, 0, sizeof(msg));
		niov = 0;
		off = ibuf->outoff;
		for (out = head; out != NULL && niov < IMSG_WRITE_IOV;
		    out = TAILQ_NEXT(out, entry)) {
			/* an fd must ride on its message's first byte */
			if (out != head && out->fd >= 0)
				break;
			iov[niov].iov_base = out->buf + off;
			iov[niov].iov_len = out->len - off;
			niov++;
			off = 0;
		}
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)niov;
		if (head->fd >= 0) {
			/* not yet sent, so outoff is still 0 */
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cmsg), &head->fd, sizeof(int));
		}

		n = sendmsg(ibuf->fd, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			return (-1);
		}

		/* the peer holds its own reference now */
		if (head->fd >= 0) {
			close(head->fd);
			head->fd = -1;
		}
		for (left = (size_t)n; left > 0; ) {
			head = TAILQ_FIRST(&ibuf->outq);
			rest = head->len - ibuf->outoff;
			if (left < rest) {
				ibuf->outoff += left;
				break;
			}
			left -= rest;
			ibuf->outoff = 0;
			imsg_dequeue(ibuf);
		}
	}
	return (0);
}

int
imsgbuf_flush(struct imsgbuf *ibuf)
{
	struct pollfd	 pfd;

	for (;;) {
		if (imsgbuf_write(ibuf) == -1)
			return (-1);
		if (TAILQ_EMPTY(&ibuf->outq))
			return (0);
		pfd.fd = ibuf->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (-1);
	}
}

size_t
imsgbuf_queuelen(const struct imsgbuf *ibuf)
{
	return (ibuf->queued);
}

void
imsg_event_add(struct imsgev *iev)
{
	short	events = EV_READ;

	if (imsgbuf_queuelen(&iev->ibuf) > 0)
		events |= EV_WRITE;
	imsg_event_set(iev, events);
}

void
imsg_event_set(struct imsgev *iev, short events)
{
	/*
	 * The first call finds an event never set (zeroed by the owner).
	 * One already waiting for the same events is left as it is: a
	 * message composed while the channel waits costs no epoll_ctl.
	 */
	if (event_initialized(&iev->ev)) {
		if (events == iev->events &&
		    event_pending(&iev->ev, EV_READ | EV_WRITE, NULL))
			return;
		event_del(&iev->ev);
	}
	iev->events = events;
	/*
	 * Persistent: an event that fires stays in epoll, where a one-shot
	 * one would be taken out and put back for every message read.
	 */
	event_set(&iev->ev, iev->ibuf.fd, iev->events | EV_PERSIST,
	    iev->handler, iev);
	event_add(&iev->ev, NULL);
	/*
	 * Bytes read ahead and not yet handled raise no event of their
	 * own, and event_del() took away any activation made for them.
	 */
	if (iev->ibuf.rlen > iev->ibuf.roff)
		event_active(&iev->ev, EV_READ, 1);
}

int
imsg_compose_event(struct imsgev *iev, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const void *data, size_t len)
{
	if (imsg_compose(&iev->ibuf, type, peerid, pid, fd, data, len) == -1)
		return (-1);
	imsg_event_add(iev);
	return (0);
}

int
imsg_composev_event(struct imsgev *iev, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const struct iovec *iov, int iovcnt)
{
	if (imsg_composev(&iev->ibuf, type, peerid, pid, fd, iov,
	    iovcnt) == -1)
		return (-1);
	imsg_event_add(iev);
	return (0);
}
