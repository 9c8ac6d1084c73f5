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

#ifndef NCAP_IMSG_H
#define NCAP_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#include <event.h>

/*
 * An imsg-style channel over a socketpair.  Each message is a fixed
 * header followed by up to IMSG_MAXDATA bytes of payload and may carry
 * one file descriptor by SCM_RIGHTS.  Lengths are checked on receipt:
 * a header that claims less than itself or more than the maximum makes
 * imsg_get() fail, which the receiver treats as fatal.
 */
struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;		/* header and payload */
	uint32_t	 peerid;
	uint32_t	 pid;
};

/*
 * On the wire, bit 31 of len marks a message that carries an fd; the
 * receiver masks it off before checking the length, so hdr.len as
 * imsg_get() returns it is the plain length.
 */
#define IMSG_FD_MARK		0x80000000U

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)
#define IMSG_MAXDATA		(256 * 1024)
#define IMSG_MAXSIZE		(IMSG_HEADER_SIZE + IMSG_MAXDATA)
#define IMSG_DATA_SIZE(m)	((size_t)(m)->hdr.len - IMSG_HEADER_SIZE)

struct imsg {
	struct imsg_hdr	 hdr;
	int		 fd;		/* -1 unless one was passed */
	void		*data;		/* NULL when the payload is empty */
};

struct imsg_out;		/* a queued outgoing message (private) */
struct imsg_fd;			/* a received, not yet claimed fd (private) */

struct imsgbuf {
	int			 fd;
	pid_t			 pid;
	unsigned char		*rbuf;		/* IMSG_MAXSIZE bytes */
	size_t			 roff;		/* bytes taken */
	size_t			 rlen;		/* bytes held in rbuf */
	TAILQ_HEAD(, imsg_out)	 outq;
	size_t			 queued;	/* messages in outq */
	size_t			 outoff;	/* bytes of the head already sent */
	TAILQ_HEAD(, imsg_fd)	 fds;
};

int	 imsgbuf_init(struct imsgbuf *, int fd);
void	 imsgbuf_clear(struct imsgbuf *);
/* -1 on error (errno set; EAGAIN when nothing to read), 0 on EOF, else bytes */
ssize_t	 imsgbuf_read(struct imsgbuf *);
/* 1 message taken, 0 none complete yet, -1 malformed (errno EBADMSG) */
int	 imsg_get(struct imsgbuf *, struct imsg *);
void	 imsg_free(struct imsg *);
/*
 * Queue a message; the payload is copied.  -1 on error (errno set).
 * An fd other than -1 belongs to the channel from then on: it is
 * closed once sent, on error, or by imsgbuf_clear().
 */
int	 imsg_compose(struct imsgbuf *, uint32_t type, uint32_t peerid,
	    pid_t pid, int fd, const void *data, size_t len);
int	 imsg_composev(struct imsgbuf *, uint32_t type, uint32_t peerid,
	    pid_t pid, int fd, const struct iovec *iov, int iovcnt);
/* send what the socket takes: -1 on error, 0 otherwise (EAGAIN is not one) */
int	 imsgbuf_write(struct imsgbuf *);
/* write until the queue is empty, blocking; -1 on error */
int	 imsgbuf_flush(struct imsgbuf *);
size_t	 imsgbuf_queuelen(const struct imsgbuf *);

/* libevent glue, in the manner of OpenBSD's imsgev */
struct imsgev {
	struct imsgbuf	 ibuf;
	void		(*handler)(int, short, void *);
	struct event	 ev;
	short		 events;
	void		*data;		/* owner's context */
};

/* arm iev for EV_READ, and EV_WRITE while anything is queued */
void	 imsg_event_add(struct imsgev *);
/* arm iev for exactly these events (persistent) */
void	 imsg_event_set(struct imsgev *, short events);
int	 imsg_compose_event(struct imsgev *, uint32_t type, uint32_t peerid,
	    pid_t pid, int fd, const void *data, size_t len);
int	 imsg_composev_event(struct imsgev *, uint32_t type, uint32_t peerid,
	    pid_t pid, int fd, const struct iovec *iov, int iovcnt);

#endif /* NCAP_IMSG_H */
