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

#ifndef NCAP_SANDBOX_H
#define NCAP_SANDBOX_H

/*
 * What pledge(2) is on OpenBSD: once a child has dropped its privileges
 * (priv_drop), it sets resource limits that fit its role and loads a
 * seccomp filter that lets through only the system calls the role
 * needs.  A few calls that libraries make to probe fail instead; any
 * other kills the process, and the parent logs it.
 */
enum sandbox_role {
	SANDBOX_CAPTURE,		/* ncagentd: packets to datagrams */
	SANDBOX_SENSOR_CRYPTO,		/* ncagentd: compress and seal */
	SANDBOX_RECEIVER,		/* nccollectd: datagrams to spool */
	SANDBOX_COLLECTOR_CRYPTO,	/* nccollectd: open */
};

/*
 * The spool files the receiver keeps open at most (spool.c closes the
 * least recently used one once it has opened one more).  It is here
 * because the receiver's RLIMIT_NOFILE is computed from it.
 */
#define SPOOL_MAX_OPEN		256

/* limits, then the filter; fatal on any failure, never half entered */
void	 sandbox_enter(enum sandbox_role);

#endif /* NCAP_SANDBOX_H */
