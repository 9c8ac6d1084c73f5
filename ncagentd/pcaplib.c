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
 * libpcap, loaded by the process that captures and by nobody else.
 * Debian's libpcap needs libdbus, and through it libsystemd, libgcrypt,
 * libgpg-error, liblzma, liblz4 and libcap: about 1 MB resident in
 * every process that maps them, and code the crypto child, which
 * holds the private key, has no use for.  So ncagentd is not linked
 * with libpcap: the capture child opens it before it drops its
 * privileges (and -n, to check an interface and a filter), and calls
 * it through the table below, filled from PCAPLIB_CALLS once.
 */

#include <sys/types.h>

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "log.h"
#include "pcaplib.h"

#ifndef PCAP_SONAME
#error "PCAP_SONAME: the Makefile names libpcap's shared object"
#endif

struct pcaplib	 pcaplib;

static const struct {
	const char	*name;
	size_t		 off;
} calls[] = {
#define X(f)	{ "pcap_" #f, offsetof(struct pcaplib, f) },
	PCAPLIB_CALLS
#undef X
};

void
pcaplib_open(void)
{
	static void	*lib;
	void		*sym;
	size_t		 i;

	if (lib != NULL)
		return;
	/* now: no symbol is looked up later, in the sandbox */
	if ((lib = dlopen(PCAP_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL)
		fatalx("cannot load libpcap: %s", dlerror());
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if ((sym = dlsym(lib, calls[i].name)) == NULL)
			fatalx("%s: no %s in it", PCAP_SONAME, calls[i].name);
		memcpy((char *)&pcaplib + calls[i].off, &sym, sizeof(sym));
	}
}
