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

#include <sys/resource.h>

#include <seccomp.h>

/*
 * What pledge(2) is on OpenBSD: once a child has dropped its privileges
 * (priv_drop), it sets resource limits and loads a seccomp filter that
 * lets through only the system calls its role needs.  A few calls that
 * libraries make to probe fail instead; any other kills the process,
 * and the parent logs it.
 *
 * This is the mechanism, and what every child needs (its event loop,
 * its channels, its log).  Each role states its own additions, with a
 * reason for each, in its own file.
 */
struct sandbox {
	void		(*rules)(scmp_filter_ctx);	/* the role's own */
	rlim_t		 fds;	/* descriptors the role opens itself */
	rlim_t		 data;	/* RLIMIT_DATA, 0 for none */
	/*
	 * 1: the role runs threads (a library's), which RLIMIT_NPROC
	 * counts with every process of its user: the limit is left
	 * open, and the role's filter allows clone for threads only
	 */
	int		 threads;
};

/* limits, then the filter; fatal on any failure, never half entered */
void	 sandbox_enter(const struct sandbox *);

/* for a role's rules: allowed, allowed when */
void	 sandbox_allow(scmp_filter_ctx, int nr);
void	 sandbox_allow_if(scmp_filter_ctx, int nr, struct scmp_arg_cmp);
/* argument n is v, or is v once masked */
struct scmp_arg_cmp sandbox_eq(unsigned int n, scmp_datum_t v);
struct scmp_arg_cmp sandbox_masked(unsigned int n, scmp_datum_t mask,
	    scmp_datum_t v);
/* what libsodium needs for keys in guarded, locked memory */
void	 sandbox_allow_keymem(scmp_filter_ctx);
/*
 * openat() of a file to append to: write-only, never truncated on open
 * and never through a symbolic link, so nothing stored can be read back
 */
void	 sandbox_allow_append(scmp_filter_ctx);

#endif /* NCAP_SANDBOX_H */
