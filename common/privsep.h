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

#ifndef NCAP_PRIVSEP_H
#define NCAP_PRIVSEP_H

#include <sys/types.h>

/*
 * How a child gives up what it must not keep: in one fixed order, the
 * user looked up while /etc is in reach, then chroot, groups, ids and
 * no_new_privs; then its sandbox (sandbox.h).
 */
struct priv_user {
	char	 name[64];
	uid_t	 uid;
	gid_t	 gid;
};

/* look the user up now, while /etc/passwd is reachable; fatal if absent */
void	 priv_lookup(struct priv_user *, const char *name);
/*
 * chroot to root, drop to the user for good, forbid new privileges.
 * Fatal on any failure: a child never runs half-dropped.
 */
void	 priv_drop(const struct priv_user *, const char *root);
/*
 * Make sure a directory the daemon confines a child to exists: made
 * with owner and mode if it is missing, checked as check_dir() does if
 * it is there.
 */
int	 priv_ensure_dir(const char *keyword, const char *path, uid_t uid,
	    gid_t gid, mode_t mode);

#endif /* NCAP_PRIVSEP_H */
