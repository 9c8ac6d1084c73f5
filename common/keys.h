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

#ifndef NCAP_KEYS_H
#define NCAP_KEYS_H

#include <stddef.h>

/*
 * Key files hold 64 hexadecimal characters and an optional newline.
 * Private key files belong to root and are not readable by group or
 * others.
 */
#define KEY_LEN		32
#define KEY_HEXLEN	64

/*
 * Whether the file at path could be read as a key, by stat alone: the
 * parent checks the private key files it never reads.  0 or -1 with a
 * message in err.
 */
int	 key_check(const char *path, int private, char *err, size_t errlen);
/*
 * 0 on success, -1 with a message in err.  A public key (private 0)
 * must also be one a peer could have (key_public_ok()).
 */
int	 key_read(const char *path, unsigned char key[KEY_LEN], int private,
	    char *err, size_t errlen);
/*
 * 1 when a peer's public key is one a key pair could have: in
 * canonical form (wire_pk_canonical()) and not a point of small order,
 * whose shared key with every secret is zero.  0, with why saying
 * which, when it is not.  Every peer key a configuration names goes
 * through it.
 */
int	 key_public_ok(const unsigned char key[KEY_LEN], const char **why);
int	 key_parse_hex(const char *hex, unsigned char key[KEY_LEN]);
void	 key_to_hex(const unsigned char key[KEY_LEN],
	    char hex[KEY_HEXLEN + 1]);
/*
 * n * size bytes of guarded memory locked out of swap, for keys; fatal
 * when it cannot be had or locked (sodium_malloc() alone would go on
 * with unlocked memory without a word).
 */
void	*key_alloc(size_t n, size_t size);
/* the same, NULL when it cannot be had */
void	*key_alloc_try(size_t n, size_t size);
/* create DIR/pub.key and DIR/priv.key; refuses to overwrite */
int	 key_generate(const char *dir, char *err, size_t errlen);

#endif /* NCAP_KEYS_H */
