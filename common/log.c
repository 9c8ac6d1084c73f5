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

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

/* until log_init() says otherwise, everything goes to stderr */
static int		 log_debug_mode = 1;
static int		 log_verbose;
static int		 log_stderr;
static const char	*log_procname;
static void		(*log_fatalhook)(const char *);

static void	 logit(int, const char *);
static void	 vfatal(int, const char *, va_list)
		    __attribute__((__format__(printf, 2, 0)));

void
log_init(int debug, int facility)
{
	log_debug_mode = debug;
	/* connect now: after chroot there is no /dev/log to find */
	if (!debug)
		openlog(getprogname(), LOG_PID | LOG_NDELAY, facility);
	/* likewise read the time zone while /etc is still in reach */
	tzset();
}

void
log_procinit(const char *procname)
{
	log_procname = procname;
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

void
log_setstderr(int on)
{
	log_stderr = on;
}

void
log_setfatalhook(void (*hook)(const char *))
{
	log_fatalhook = hook;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

/* write one finished line */
static void
logit(int pri, const char *msg)
{
	if (log_debug_mode || log_stderr) {
		if (log_procname != NULL)
			fprintf(stderr, "%s[%s]: %s\n", getprogname(),
			    log_procname, msg);
		else
			fprintf(stderr, "%s: %s\n", getprogname(), msg);
		fflush(stderr);
	}
	if (log_debug_mode)
		return;
	if (log_procname != NULL)
		syslog(pri, "%s: %s", log_procname, msg);
	else
		syslog(pri, "%s", msg);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	*msg;
	int	 saved_errno = errno;

	if (vasprintf(&msg, fmt, ap) == -1) {
		/* out of memory: say at least that much */
		logit(pri, "(log message lost: out of memory)");
		errno = saved_errno;
		return;
	}
	logit(pri, msg);
	free(msg);
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *line = NULL;
	int	 saved_errno = errno;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	/* joined here, so the caller's format stays a literal */
	if (msg != NULL && asprintf(&line, "%s: %s", msg,
	    strerror(saved_errno)) == -1)
		line = NULL;
	if (line != NULL)
		logit(LOG_ERR, line);
	else
		logit(LOG_ERR, msg != NULL ? msg : strerror(saved_errno));
	free(line);
	free(msg);
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_warnx_rl(struct log_ratelimit *rl, const char *fmt, ...)
{
	struct timespec	 ts;
	va_list		 ap;

	/* monotonic, so a clock step cannot freeze or reopen a window */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		ts.tv_sec = time(NULL);
	if (ts.tv_sec != rl->window) {
		if (rl->suppressed > 0)
			log_warnx("%lu similar messages suppressed",
			    rl->suppressed);
		rl->window = ts.tv_sec;
		rl->logged = 0;
		rl->suppressed = 0;
	}
	if (rl->logged >= LOG_RL_BURST) {
		rl->suppressed++;
		return;
	}
	rl->logged++;
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

/* with_errno: append strerror(errno) when errno says something */
static void
vfatal(int with_errno, const char *fmt, va_list ap)
{
	char	*msg, *line = NULL;
	int	 saved_errno = errno;

	if (vasprintf(&msg, fmt, ap) == -1) {
		logit(LOG_CRIT, "fatal: out of memory");
		return;
	}
	/* asprintf leaves the pointer undefined on failure */
	if (with_errno && saved_errno != 0) {
		if (asprintf(&line, "fatal: %s: %s", msg,
		    strerror(saved_errno)) == -1)
			line = NULL;
	} else if (asprintf(&line, "fatal: %s", msg) == -1)
		line = NULL;
	logit(LOG_CRIT, line != NULL ? line : msg);
	if (log_fatalhook != NULL)
		log_fatalhook(line != NULL ? line : msg);
	free(line);
	free(msg);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatal(1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatal(0, fmt, ap);
	va_end(ap);
	exit(1);
}
