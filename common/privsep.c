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
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "privsep.h"

void
priv_lookup(struct priv_user *u, const char *name)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno)
			fatal("getpwnam %s", name);
		fatalx("unknown user %s: create it or set \"user\" in the "
		    "configuration", name);
	}
	if (strlcpy(u->name, name, sizeof(u->name)) >= sizeof(u->name))
		fatalx("user name too long: %s", name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (u->uid == 0)
		fatalx("user %s is root: children must not run as root", name);
}

void
priv_drop(const struct priv_user *u, const char *root)
{
	if (chroot(root) == -1)
		fatal("chroot %s", root);
	if (chdir("/") == -1)
		fatal("chdir /");
	if (setgroups(1, &u->gid) == -1)
		fatal("setgroups");
	if (setresgid(u->gid, u->gid, u->gid) == -1)
		fatal("setresgid");
	if (setresuid(u->uid, u->uid, u->uid) == -1)
		fatal("setresuid");
	/* no execve can give back what we just dropped */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	if (setuid(0) != -1)
		fatalx("could regain root after dropping privileges");
}

int
priv_ensure_dir(const char *keyword, const char *path, uid_t uid, gid_t gid,
    mode_t mode)
{
	if (mkdir(path, mode) == 0) {
		/* created here: give it the owner and mode asked for */
		if (chown(path, uid, gid) == -1 || chmod(path, mode) == -1) {
			log_warn("%s", path);
			return (-1);
		}
		return (0);
	}
	if (errno != EEXIST) {
		log_warn("mkdir %s", path);
		return (-1);
	}
	/* an existing directory is checked, never changed */
	return (check_dir(keyword, path, uid));
}
