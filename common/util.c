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

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int
valid_sensor_name(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || len > SENSOR_NAME_MAX || name[0] == '.')
		return (0);
	for (i = 0; i < len; i++) {
		char	c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return (0);
	}
	return (1);
}

/*
 * A sensor's name as one token of a NATS subject (output jetstream,
 * ncctl dump -u): a dot, which ends a token, is written %2E, which no
 * name has otherwise.  Into buf (len bytes, NUL included); the length
 * written, or -1 if it does not fit.
 */
int
subject_sensor_put(char *buf, size_t len, const char *name)
{
	size_t	off = 0;

	for (; *name != '\0'; name++) {
		if (off + (*name == '.' ? 3 : 1) >= len)
			return (-1);
		if (*name == '.') {
			memcpy(buf + off, "%2E", 3);
			off += 3;
		} else
			buf[off++] = *name;
	}
	if (off >= len)
		return (-1);
	buf[off] = '\0';
	return ((int)off);
}

/*
 * The name back from a token of toklen bytes, into name (SENSOR_NAME_MAX
 * + 1 bytes): 0, or -1 if the token is no name subject_sensor_put() made.
 */
int
subject_sensor_get(const char *tok, size_t toklen, char *name)
{
	size_t	i, n = 0;

	for (i = 0; i < toklen; i++) {
		if (n >= SENSOR_NAME_MAX)
			return (-1);
		if (tok[i] == '%') {
			if (toklen - i < 3 || tok[i + 1] != '2' ||
			    tok[i + 2] != 'E')
				return (-1);
			name[n++] = '.';
			i += 2;
		} else if (tok[i] == '.')
			return (-1);
		else
			name[n++] = tok[i];
	}
	name[n] = '\0';
	return (valid_sensor_name(name, n) ? 0 : -1);
}

/*
 * A subject <prefix>.<sensor>.<Type> as publishers make them: the
 * sensor's name into sensor (SENSOR_NAME_MAX + 1 bytes), the last
 * token, the type's name, in *type.  0; -1 if it is not the prefix and
 * two tokens, -2 if the sensor's token is no name.
 */
int
subject_split(const char *subject, const char *prefix, char *sensor,
    const char **type)
{
	const char	*p, *dot;
	size_t		 plen = strlen(prefix);

	if (strncmp(subject, prefix, plen) != 0 || subject[plen] != '.')
		return (-1);
	p = subject + plen + 1;
	if ((dot = strchr(p, '.')) == NULL || strchr(dot + 1, '.') != NULL)
		return (-1);
	if (subject_sensor_get(p, (size_t)(dot - p), sensor) == -1)
		return (-2);
	*type = dot + 1;
	return (0);
}

int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

int64_t
mono_ms(void)
{
	return (mono_ns() / 1000000);
}

int64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

const char *
sa_fmt(const struct sockaddr *sa, char *buf, size_t len)
{
	char	a[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
		break;
	}
	default:
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
	return (buf);
}

void
evtimer_add_ms(struct event *ev, unsigned int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

int
write_all(int fd, const void *buf, size_t len, size_t *done)
{
	const unsigned char	*p = buf;
	ssize_t			 n;

	*done = 0;
	while (*done < len) {
		if ((n = write(fd, p + *done, len - *done)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0) {
			errno = EIO;
			return (-1);
		}
		*done += (size_t)n;
	}
	return (0);
}

/* big-endian integers in bytes, as the wire and the journal keep them */
void
be32_put(unsigned char *p, uint32_t v)
{
	p[0] = (v >> 24) & 0xff;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

void
be64_put(unsigned char *p, uint64_t v)
{
	be32_put(p, (uint32_t)(v >> 32));
	be32_put(p + 4, (uint32_t)v);
}

uint32_t
be32_get(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

uint64_t
be64_get(const unsigned char *p)
{
	return ((uint64_t)be32_get(p) << 32 | be32_get(p + 4));
}
