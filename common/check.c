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

/*
 * The start's checks, for -n and for the parent before it starts its
 * children.  They run as root at start, so what they find is what the
 * daemon will find.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "keys.h"
#include "log.h"

int
check_private_key(const char *keyword, const char *path)
{
	char	err[PATH_MAX + 128];

	if (key_check(path, 1, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", keyword, err);
		return (-1);
	}
	return (0);
}

int
check_public_key(const char *keyword, const char *path)
{
	unsigned char	key[KEY_LEN];
	char		err[PATH_MAX + 128];

	if (key_read(path, key, 0, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", keyword, err);
		return (-1);
	}
	return (0);
}

int
check_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno != 0)
			log_warn("user %s", name);
		else
			log_warnx("user %s: no such user: create it or set "
			    "\"user\" in the configuration", name);
		return (-1);
	}
	if (pw->pw_uid == 0) {
		log_warnx("user %s: is root, and children must not run as "
		    "root", name);
		return (-1);
	}
	if (uid != NULL)
		*uid = pw->pw_uid;
	if (gid != NULL)
		*gid = pw->pw_gid;
	return (0);
}

int
check_dir(const char *keyword, const char *path, uid_t owner)
{
	struct stat	 st;
	char		 copy[PATH_MAX], *up;

	if (lstat(path, &st) == -1) {
		if (errno != ENOENT) {
			log_warnx("%s %s: %s", keyword, path, strerror(errno));
			return (-1);
		}
		/* made at start, where it can be */
		strlcpy(copy, path, sizeof(copy));
		up = dirname(copy);
		if (stat(up, &st) == -1 || !S_ISDIR(st.st_mode)) {
			log_warnx("%s %s: does not exist, and %s is no "
			    "directory to make it in", keyword, path, up);
			return (-1);
		}
		return (0);
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warnx("%s %s: not a directory", keyword, path);
		return (-1);
	}
	if (st.st_uid != owner) {
		log_warnx("%s %s: owned by uid %u, expected %u", keyword, path,
		    (unsigned int)st.st_uid, (unsigned int)owner);
		return (-1);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log_warnx("%s %s: writable by group or others", keyword, path);
		return (-1);
	}
	return (0);
}

int
check_socket_dir(const char *keyword, const char *path)
{
	struct stat	 st;
	char		 copy[PATH_MAX], *up;

	strlcpy(copy, path, sizeof(copy));
	up = dirname(copy);
	if (stat(up, &st) == -1 || !S_ISDIR(st.st_mode)) {
		log_warnx("%s %s: %s is not a directory", keyword, path, up);
		return (-1);
	}
	return (0);
}

int
check_host(const char *keyword, const char *host, const char *port,
    int passive)
{
	struct addrinfo	 hints, *res;
	int		 error;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_warnx("%s %s port %s: %s", keyword, host != NULL ? host :
		    "*", port, gai_strerror(error));
		return (-1);
	}
	freeaddrinfo(res);
	return (0);
}

int
check_readable(const char *what, const char *path)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		log_warnx("%s %s: %s", what, path, strerror(errno));
		return (-1);
	}
	close(fd);
	return (0);
}
