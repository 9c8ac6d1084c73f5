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
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "log.h"
#include "util.h"
#include "wire.h"

#define PUBKEY_FILE	"pub.key"
#define PRIVKEY_FILE	"priv.key"

int
key_parse_hex(const char *hex, unsigned char key[KEY_LEN])
{
	const char	*end;
	size_t		 binlen, i;

	/* exactly KEY_HEXLEN hex digits, and nothing after them */
	for (i = 0; i < KEY_HEXLEN; i++)
		if (hex[i] == '\0')
			return (-1);
	if (hex[KEY_HEXLEN] != '\0')
		return (-1);

	if (sodium_hex2bin(key, KEY_LEN, hex, KEY_HEXLEN, NULL, &binlen,
	    &end) != 0 || binlen != KEY_LEN || end != hex + KEY_HEXLEN) {
		sodium_memzero(key, KEY_LEN);
		return (-1);
	}
	return (0);
}

int
key_public_ok(const unsigned char key[KEY_LEN], const char **why)
{
	unsigned char	n[KEY_LEN], q[KEY_LEN];
	int		r;

	if (!wire_pk_canonical(key)) {
		*why = "not a canonical Curve25519 public key";
		return (0);
	}
	/*
	 * Any clamped scalar times a point of small order is zero, which
	 * crypto_scalarmult refuses.  (It wants libsodium initialized:
	 * the parent checks keys before it does.)
	 */
	if (sodium_init() == -1)
		fatalx("sodium_init");
	memset(n, 0x5a, sizeof(n));
	r = crypto_scalarmult(q, n, key);
	sodium_memzero(q, sizeof(q));
	if (r != 0) {
		*why = "a point of small order, no key pair's public key";
		return (0);
	}
	return (1);
}

void
key_to_hex(const unsigned char key[KEY_LEN], char hex[KEY_HEXLEN + 1])
{
	sodium_bin2hex(hex, KEY_HEXLEN + 1, key, KEY_LEN);
}

/*
 * What a key file must be, whoever looks: a regular file and, for a
 * private key, root's alone, as the crypto child reads it as root
 * before it drops to its user.
 */
static int
key_file_ok(const char *path, const struct stat *st, int private, char *err,
    size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return (-1);
	}
	if (private && (st->st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: private key file has mode %04o, "
		    "it must not be accessible by group or others "
		    "(chmod 600)", path, (unsigned int)(st->st_mode & 07777));
		return (-1);
	}
	if (private && st->st_uid != 0) {
		snprintf(err, errlen, "%s: private key file is owned by uid "
		    "%u, not by root", path, (unsigned int)st->st_uid);
		return (-1);
	}
	return (0);
}

int
key_check(const char *path, int private, char *err, size_t errlen)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (key_file_ok(path, &st, private, err, errlen));
}

int
key_read(const char *path, unsigned char key[KEY_LEN], int private,
    char *err, size_t errlen)
{
	/* room for one byte too many, so an overlong file is noticed */
	char		 buf[KEY_HEXLEN + 2];
	struct stat	 st;
	const char	*why;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, rv = -1;

	/* O_NONBLOCK: a FIFO in the key's place must not hang us */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: fstat: %s", path, strerror(errno));
		goto done;
	}
	if (key_file_ok(path, &st, private, err, errlen) == -1)
		goto done;

	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: read: %s", path,
			    strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}

	if (got == KEY_HEXLEN + 1 && buf[KEY_HEXLEN] == '\n')
		got = KEY_HEXLEN;
	if (got != KEY_HEXLEN) {
		snprintf(err, errlen, "%s: a key file holds %d hexadecimal "
		    "digits and an optional newline", path, KEY_HEXLEN);
		goto done;
	}
	buf[KEY_HEXLEN] = '\0';
	if (key_parse_hex(buf, key) == -1) {
		snprintf(err, errlen, "%s: invalid hexadecimal key", path);
		goto done;
	}
	if (!private && !key_public_ok(key, &why)) {
		snprintf(err, errlen, "%s: key is %s", path, why);
		goto done;
	}
	rv = 0;
 done:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return (rv);
}

/* create path with exactly mode, never following or replacing a file */
static int
key_write(const char *path, const unsigned char key[KEY_LEN], mode_t mode,
    char *err, size_t errlen)
{
	char		 hex[KEY_HEXLEN + 2];
	size_t		 off;
	int		 fd, rv = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	/* the umask may have taken bits we want (0644 for the public key) */
	if (fchmod(fd, mode) == -1) {
		snprintf(err, errlen, "%s: fchmod: %s", path, strerror(errno));
		goto done;
	}

	key_to_hex(key, hex);
	hex[KEY_HEXLEN] = '\n';
	if (write_all(fd, hex, KEY_HEXLEN + 1, &off) == -1) {
		snprintf(err, errlen, "%s: write: %s", path, strerror(errno));
		goto done;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "%s: fsync: %s", path, strerror(errno));
		goto done;
	}
	rv = 0;
 done:
	sodium_memzero(hex, sizeof(hex));
	if (close(fd) == -1 && rv == 0) {
		snprintf(err, errlen, "%s: close: %s", path, strerror(errno));
		rv = -1;
	}
	/* we created it, so a half-written file is ours to remove */
	if (rv == -1)
		unlink(path);
	return (rv);
}

static int
key_absent(const char *path, char *err, size_t errlen)
{
	struct stat	 st;

	if (lstat(path, &st) == 0) {
		snprintf(err, errlen, "%s: exists, refusing to overwrite",
		    path);
		return (-1);
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

int
key_generate(const char *dir, char *err, size_t errlen)
{
	char		 pubpath[PATH_MAX], privpath[PATH_MAX];
	unsigned char	 pk[KEY_LEN], sk[KEY_LEN];
	int		 n, rv = -1;

	n = snprintf(pubpath, sizeof(pubpath), "%s/%s", dir, PUBKEY_FILE);
	if (n < 0 || (size_t)n >= sizeof(pubpath)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return (-1);
	}
	n = snprintf(privpath, sizeof(privpath), "%s/%s", dir, PRIVKEY_FILE);
	if (n < 0 || (size_t)n >= sizeof(privpath)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return (-1);
	}

	/* check both first, so a half-existing pair is left as it is */
	if (key_absent(privpath, err, errlen) == -1 ||
	    key_absent(pubpath, err, errlen) == -1)
		return (-1);

	if (crypto_box_keypair(pk, sk) != 0) {
		snprintf(err, errlen, "crypto_box_keypair failed");
		goto done;
	}
	if (key_write(privpath, sk, 0600, err, errlen) == -1)
		goto done;
	if (key_write(pubpath, pk, 0644, err, errlen) == -1) {
		/* a private key without its public half is of no use */
		unlink(privpath);
		goto done;
	}
	rv = 0;
 done:
	sodium_memzero(sk, sizeof(sk));
	return (rv);
}

void *
key_alloc_try(size_t n, size_t size)
{
	void	*p;

	if ((p = sodium_allocarray(n, size)) == NULL)
		return (NULL);
	if (sodium_mlock(p, n * size) == -1) {
		sodium_free(p);
		errno = ENOMEM;
		return (NULL);
	}
	return (p);
}

void *
key_alloc(size_t n, size_t size)
{
	void	*p;

	if ((p = key_alloc_try(n, size)) == NULL)
		fatal("cannot have %zu bytes of locked key memory "
		    "(RLIMIT_MEMLOCK)", n * size);
	return (p);
}
