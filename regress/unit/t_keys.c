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
 * Key files: generation (modes, no overwrite), reading (format,
 * permissions, file kinds) and the hex conversions.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "tap.h"

static char	 tmpdir[256];

static void	 ok_err(int, const char *, const char *, const char *);
static const char *path(const char *);
static void	 put_file(const char *, const char *, size_t, mode_t);
static int	 read_file(const char *, char *, size_t);
static mode_t	 file_mode(const char *);
static void	 test_hex(void);
static void	 test_generate(void);
static void	 test_read(void);
static void	 test_public(void);
static void	 cleanup(void);


static void
ok_err(int cond, const char *err, const char *needle, const char *what)
{
	int	 found = strstr(err, needle) != NULL;

	ok(cond && found, "%s", what);
	if (!found)
		printf("# message \"%s\" lacks \"%s\"\n", err, needle);
}

/* a name in the test directory, valid for the next three calls too */
static const char *
path(const char *name)
{
	static char	 bufs[4][PATH_MAX];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "%s/%s", tmpdir, name);
	return (bufs[i]);
}

static void
put_file(const char *p, const char *data, size_t len, mode_t mode)
{
	int	 fd;

	unlink(p);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1 ||
	    write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) == -1 ||
	    close(fd) == -1) {
		perror(p);
		exit(1);
	}
}

static int
read_file(const char *p, char *buf, size_t sz)
{
	ssize_t	 n;
	int	 fd;

	if ((fd = open(p, O_RDONLY)) == -1)
		return (-1);
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return (-1);
	buf[n] = '\0';
	return ((int)n);
}

static mode_t
file_mode(const char *p)
{
	struct stat	 st;

	if (lstat(p, &st) == -1)
		return ((mode_t)-1);
	return (st.st_mode & 07777);
}

static void
test_hex(void)
{
	static const char	 seq[] =
	    "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f";
	unsigned char		 key[KEY_LEN], want[KEY_LEN];
	char			 hex[KEY_HEXLEN + 1], bad[KEY_HEXLEN + 2];
	size_t			 i;

	for (i = 0; i < KEY_LEN; i++)
		want[i] = (unsigned char)i;
	key_to_hex(want, hex);
	ok(strcmp(hex, seq) == 0, "key_to_hex writes lower-case hex");
	ok(key_parse_hex(seq, key) == 0 && memcmp(key, want, KEY_LEN) == 0,
	    "key_parse_hex reads it back");

	memset(want, 0xab, sizeof(want));
	ok(key_parse_hex("ABABABABABABABABABABABABABABABABABABABABABABABAB"
	    "ABABABABABABABAB", key) == 0 && memcmp(key, want, KEY_LEN) == 0,
	    "upper-case hex accepted");

	memcpy(bad, seq, sizeof(seq));
	bad[10] = 'g';
	ok(key_parse_hex(bad, key) == -1, "non-hex digit refused");
	memcpy(bad, seq, sizeof(seq));
	bad[KEY_HEXLEN - 1] = '\0';
	ok(key_parse_hex(bad, key) == -1, "63 digits refused");
	memcpy(bad, seq, sizeof(seq));
	bad[KEY_HEXLEN] = '0';
	bad[KEY_HEXLEN + 1] = '\0';
	ok(key_parse_hex(bad, key) == -1, "65 digits refused");
	memcpy(bad, seq, sizeof(seq));
	bad[0] = ' ';
	ok(key_parse_hex(bad, key) == -1, "leading space refused");
	ok(key_parse_hex("", key) == -1, "empty string refused");
}

static void
test_generate(void)
{
	unsigned char	 pk[KEY_LEN], sk[KEY_LEN], derived[KEY_LEN];
	char		 err[512], before[256], after[256], hex[KEY_HEXLEN + 1];
	int		 n, i, lower = 1;

	umask(022);
	ok(key_generate(tmpdir, err, sizeof(err)) == 0, "keygen succeeds");
	ok(file_mode(path("pub.key")) == 0644, "pub.key has mode 0644");
	ok(file_mode(path("priv.key")) == 0600, "priv.key has mode 0600");

	n = read_file(path("pub.key"), before, sizeof(before));
	for (i = 0; i < KEY_HEXLEN && n == KEY_HEXLEN + 1; i++)
		if (strchr("0123456789abcdef", before[i]) == NULL)
			lower = 0;
	ok(n == KEY_HEXLEN + 1 && before[KEY_HEXLEN] == '\n' && lower,
	    "pub.key is 64 lower-case hex digits and a newline");

	ok(key_read(path("pub.key"), pk, 0, err, sizeof(err)) == 0,
	    "pub.key reads");
	ok(key_read(path("priv.key"), sk, 1, err, sizeof(err)) == 0,
	    "priv.key reads as a private key");
	key_to_hex(pk, hex);
	ok(memcmp(hex, before, KEY_HEXLEN) == 0, "read key is the file's");
	ok(crypto_scalarmult_base(derived, sk) == 0 &&
	    memcmp(derived, pk, KEY_LEN) == 0,
	    "public key is the base point times the private key");

	ok_err(key_generate(tmpdir, err, sizeof(err)) == -1, err, "exists",
	    "keygen refuses to overwrite");
	n = read_file(path("pub.key"), after, sizeof(after));
	ok(n == KEY_HEXLEN + 1 && strcmp(before, after) == 0,
	    "and leaves the old key alone");

	/* only the public half there: the private one is not created */
	unlink(path("priv.key"));
	ok(key_generate(tmpdir, err, sizeof(err)) == -1 &&
	    access(path("priv.key"), F_OK) == -1,
	    "keygen refuses when pub.key alone exists");

	/* a dangling symlink in priv.key's place is not followed */
	unlink(path("pub.key"));
	if (symlink(path("target"), path("priv.key")) == -1) {
		perror("symlink");
		exit(1);
	}
	ok(key_generate(tmpdir, err, sizeof(err)) == -1 &&
	    access(path("target"), F_OK) == -1 &&
	    access(path("pub.key"), F_OK) == -1,
	    "keygen refuses a symlink and writes through none");
	unlink(path("priv.key"));

	/* a strict umask must not change the modes */
	umask(077);
	ok(key_generate(tmpdir, err, sizeof(err)) == 0 &&
	    file_mode(path("pub.key")) == 0644 &&
	    file_mode(path("priv.key")) == 0600,
	    "modes are exact under umask 077");
	unlink(path("pub.key"));
	unlink(path("priv.key"));
	umask(022);

	ok_err(key_generate(path("nosuchdir"), err, sizeof(err)) == -1, err,
	    "nosuchdir", "keygen in a missing directory fails");
}

static void
test_read(void)
{
	static const char	 hex64[] =
	    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
	unsigned char		 key[KEY_LEN], want[KEY_LEN];
	char			 err[512], buf[160], k[PATH_MAX];

	strlcpy(k, path("k.key"), sizeof(k));
	key_parse_hex(hex64, want);

	put_file(k, hex64, KEY_HEXLEN, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == 0 &&
	    memcmp(key, want, KEY_LEN) == 0, "key without newline reads");

	snprintf(buf, sizeof(buf), "%s\n", hex64);
	put_file(k, buf, KEY_HEXLEN + 1, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == 0 &&
	    memcmp(key, want, KEY_LEN) == 0, "key with newline reads");

	put_file(k, buf, KEY_HEXLEN + 1, 0640);
	ok_err(key_read(k, key, 1, err, sizeof(err)) == -1, err, "0640",
	    "group-readable private key refused, mode named");
	ok_err(1, err, k, "and the file named");
	put_file(k, buf, KEY_HEXLEN + 1, 0604);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1,
	    "world-readable private key refused");
	put_file(k, buf, KEY_HEXLEN + 1, 0602);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1,
	    "world-writable private key refused");
	/* hex64 has bit 255 set: as a public key, its canonical twin */
	snprintf(buf, sizeof(buf), "%.62s6b\n", hex64);
	want[KEY_LEN - 1] &= 0x7f;
	put_file(k, buf, KEY_HEXLEN + 1, 0644);
	ok(key_read(k, key, 0, err, sizeof(err)) == 0 &&
	    memcmp(key, want, KEY_LEN) == 0,
	    "public key may be world-readable");
	snprintf(buf, sizeof(buf), "%s\n", hex64);
	put_file(k, buf, KEY_HEXLEN + 1, 0644);
	ok_err(key_read(k, key, 0, err, sizeof(err)) == -1, err,
	    "not a canonical", "a public key with bit 255 set refused");
	snprintf(buf, sizeof(buf), "%064d\n", 0);
	put_file(k, buf, KEY_HEXLEN + 1, 0644);
	ok_err(key_read(k, key, 0, err, sizeof(err)) == -1, err,
	    "small order", "a public key of zeros refused");
	put_file(k, buf, KEY_HEXLEN + 1, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == 0,
	    "a private key of zeros is no point: it reads");
	snprintf(buf, sizeof(buf), "%s\n", hex64);
	put_file(k, buf, KEY_HEXLEN + 1, 0400);
	ok(key_read(k, key, 1, err, sizeof(err)) == 0,
	    "private key of mode 0400 reads");

	snprintf(buf, sizeof(buf), "%s\n\n", hex64);
	put_file(k, buf, KEY_HEXLEN + 2, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1,
	    "two newlines refused");
	snprintf(buf, sizeof(buf), "%s\r\n", hex64);
	put_file(k, buf, KEY_HEXLEN + 2, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1, "CRLF refused");
	snprintf(buf, sizeof(buf), "%s ", hex64);
	put_file(k, buf, KEY_HEXLEN + 1, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1,
	    "trailing space refused");
	snprintf(buf, sizeof(buf), "%s%s", hex64, hex64);
	put_file(k, buf, 2 * KEY_HEXLEN, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1,
	    "two keys in one file refused");
	put_file(k, hex64, KEY_HEXLEN - 1, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1, "63 digits refused");
	snprintf(buf, sizeof(buf), "%.62s\n", hex64);
	put_file(k, buf, KEY_HEXLEN - 1, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1,
	    "62 digits and a newline refused");
	put_file(k, "", 0, 0600);
	ok(key_read(k, key, 1, err, sizeof(err)) == -1, "empty file refused");
	snprintf(buf, sizeof(buf), "%s\n", hex64);
	buf[5] = 'x';
	put_file(k, buf, KEY_HEXLEN + 1, 0600);
	ok_err(key_read(k, key, 1, err, sizeof(err)) == -1, err, "invalid",
	    "bad hex refused");
	unlink(k);

	ok_err(key_read(path("none.key"), key, 0, err, sizeof(err)) == -1,
	    err, "none.key", "missing file refused, file named");

	ok_err(key_read(tmpdir, key, 0, err, sizeof(err)) == -1, err,
	    "regular", "directory refused");

	/* opening a FIFO must not wait for a writer */
	if (mkfifo(path("fifo"), 0600) == -1) {
		perror("mkfifo");
		exit(1);
	}
	alarm(10);
	ok_err(key_read(path("fifo"), key, 1, err, sizeof(err)) == -1, err,
	    "regular", "FIFO refused without blocking");
	alarm(0);
	unlink(path("fifo"));
}

/* every peer key a configuration names: canonical, not of small order */
static void
test_public(void)
{
	static const struct {
		const char	*hex, *what;
		int		 good;
	} t[] = {
		/* RFC 7748 6.1: Bob's public key */
		{ "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f"
		  "882b4f", "RFC 7748's public key", 1 },
		{ "0900000000000000000000000000000000000000000000000000000000"
		  "000000", "the base point", 1 },
		{ "0000000000000000000000000000000000000000000000000000000000"
		  "000000", "zero: small order", 0 },
		{ "0100000000000000000000000000000000000000000000000000000000"
		  "000000", "one: small order", 0 },
		{ "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		  "ffff7f", "p - 1: small order", 0 },
		{ "edffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		  "ffff7f", "p: not canonical", 0 },
		{ "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		  "ffffff", "ff..ff: not canonical", 0 },
		{ "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f"
		  "882bcf", "RFC 7748's with bit 255 set: not canonical", 0 },
	};
	unsigned char	 key[KEY_LEN];
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why = NULL;
		if (key_parse_hex(t[i].hex, key) == -1) {
			ok(0, "%s: bad hex", t[i].what);
			continue;
		}
		/* refused, and for the reason the case names */
		ok(key_public_ok(key, &why) == t[i].good &&
		    (t[i].good || (why != NULL && strstr(t[i].what,
		    strstr(why, "small") ? "small" : "canonical") != NULL)),
		    "key_public_ok: %s", t[i].what);
	}
}

static void
cleanup(void)
{
	unlink(path("pub.key"));
	unlink(path("priv.key"));
	rmdir(tmpdir);
}

int
main(void)
{
	const char	*t;

	if (sodium_init() == -1) {
		printf("Bail out! sodium_init\n");
		return (1);
	}
	if ((t = getenv("TMPDIR")) == NULL || *t == '\0')
		t = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/t_keys.XXXXXX", t);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}

	test_hex();
	test_generate();
	test_read();
	test_public();
	cleanup();
	printf("1..%d\n", ntest);
	return (nfail != 0);
}
