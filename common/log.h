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

#ifndef NCAP_LOG_H
#define NCAP_LOG_H

#include <stdarg.h>
#include <time.h>

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

/*
 * A tiny log module: stderr when running in the foreground (-d),
 * syslog otherwise.  Every line names the process that wrote it.
 */
void	log_init(int debug, int facility);
void	log_procinit(const char *procname);
void	log_setverbose(int verbose);
/* without -d: stderr as well as syslog, until the daemon is up */
void	log_setstderr(int);
/*
 * called with the line of a fatal error before exiting, which it may do
 * itself; NULL: none
 */
void	log_setfatalhook(void (*)(const char *));
int	log_getverbose(void);
void	log_warn(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	vlog(int pri, const char *, va_list) __attribute__((__format__(printf, 2, 0)));
__dead void fatal(const char *, ...) __attribute__((__format__(printf, 1, 2)));
__dead void fatalx(const char *, ...) __attribute__((__format__(printf, 1, 2)));

/*
 * Rate-limited warnings for causes that hostile input can trigger at
 * line rate: at most LOG_RL_BURST lines per cause and second; what is
 * held back is summed and reported once the next window opens.
 */
#define LOG_RL_BURST	5

struct log_ratelimit {
	time_t		 window;	/* second of the current window */
	unsigned int	 logged;	/* lines written in this window */
	unsigned long	 suppressed;	/* lines held back so far */
};

void	log_warnx_rl(struct log_ratelimit *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

#endif /* NCAP_LOG_H */
