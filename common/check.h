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

#ifndef NCAP_CHECK_H
#define NCAP_CHECK_H

#include <sys/types.h>

/*
 * What a daemon checks before it starts, and with -n: everything a
 * configuration names, as far as it can be checked without reading a
 * private key.  Each check logs one line per problem and returns -1,
 * or 0; a daemon runs them all, so every problem is told at once.
 */

/* a private key by stat (keys.c's rule), a public one read and parsed */
int	 check_private_key(const char *keyword, const char *path);
int	 check_public_key(const char *keyword, const char *path);
/* the unprivileged user children drop to: it exists and is not root */
int	 check_user(const char *name, uid_t *, gid_t *);
/*
 * A directory the daemon uses as a root: if it exists, a directory of
 * owner and not writable by group or others; if not, one the daemon
 * can make (its parent exists).
 */
int	 check_dir(const char *keyword, const char *path, uid_t owner);
/* the directory a control socket goes in exists */
int	 check_socket_dir(const char *keyword, const char *path);
/* host and port resolve to a datagram address; passive: to listen on */
int	 check_host(const char *keyword, const char *host, const char *port,
	    int passive);
/* a file to read (-r) */
int	 check_readable(const char *what, const char *path);

#endif /* NCAP_CHECK_H */
