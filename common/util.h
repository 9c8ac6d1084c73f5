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

#ifndef NCAP_UTIL_H
#define NCAP_UTIL_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/*
 * A sensor name: what both daemons accept in a configuration, what the
 * collector takes from a batch and what its spool's directories are.
 * The rule, as every message states it, and its check.
 */
#define SENSOR_NAME_MAX		64
#define SENSOR_NAME_RULE	"1-" UTIL_STRING(SENSOR_NAME_MAX) \
				" characters of A-Z a-z 0-9 . _ -, not " \
				"starting with '.'"
#define UTIL_STRING(x)		UTIL_STRING_(x)
#define UTIL_STRING_(x)		#x

/* 1 when name, of len bytes, follows SENSOR_NAME_RULE */
int	 valid_sensor_name(const char *name, size_t len);
int	 subject_sensor_put(char *, size_t, const char *);
int	 subject_sensor_get(const char *, size_t, char *);
int	 subject_split(const char *, const char *, char *, const char **);
void	 be32_put(unsigned char *, uint32_t);
void	 be64_put(unsigned char *, uint64_t);
uint32_t be32_get(const unsigned char *);
uint64_t be64_get(const unsigned char *);
int64_t	 now_ns(void);
int64_t	 mono_ms(void);
int64_t	 mono_ns(void);
/* "addr:port" or "[addr]:port" into buf */
const char *sa_fmt(const struct sockaddr *, char *buf, size_t len);

/*
 * All of buf to fd, or -1 with errno saying why not.  A short write
 * sets no errno, so the rest is written again: that completes it, or
 * fails with the cause, such as ENOSPC; a write that takes nothing
 * without an error is EIO, not a loop.  *done is what reached fd
 * either way.
 */
int	 write_all(int fd, const void *buf, size_t len, size_t *done);

/* a libevent timer, in milliseconds */
struct event;
void	 evtimer_add_ms(struct event *, unsigned int ms);

#endif /* NCAP_UTIL_H */
