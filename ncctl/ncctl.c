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

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "ncctl.h"

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

static int	 cmd_keygen(int, char *[]);
static int	 cmd_dump(int, char *[]);
static __dead void usage(void);

/* each command parses its own arguments; argv[0] is the command name */
static const struct command {
	const char	*name;
	int		(*run)(int, char *[]);
} commands[] = {
	{ "keygen",	cmd_keygen },
	{ "dump",	cmd_dump },
};

static __dead void
usage(void)
{
	fprintf(stderr,
	    "usage: ncctl keygen dir\n"
	    "       ncctl dump [-c | -j] file\n"
	    "\n"
	    "keygen writes dir/pub.key (0644) and dir/priv.key (0600).\n"
	    "dump writes an .ncap file (\"-\" for standard input) as JSON\n"
	    "lines (-j, the default) or CSV (-c).\n");
	exit(1);
}

static int
cmd_keygen(int argc, char *argv[])
{
	char	 errbuf[512];

	if (argc != 2 || argv[1][0] == '-')
		usage();
	if (sodium_init() == -1)
		errx(1, "sodium_init failed");
	if (key_generate(argv[1], errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	return (0);
}

static int
cmd_dump(int argc, char *argv[])
{
	enum dump_fmt	 fmt = DUMP_JSON;
	FILE		*fp;
	int		 ch, cflag = 0, jflag = 0, rv;

	while ((ch = getopt(argc, argv, "cj")) != -1) {
		switch (ch) {
		case 'c':
			cflag = 1;
			fmt = DUMP_CSV;
			break;
		case 'j':
			jflag = 1;
			fmt = DUMP_JSON;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || (cflag && jflag))
		usage();

	if (strcmp(argv[0], "-") == 0)
		return (dump_file(stdin, "stdin", fmt));
	if ((fp = fopen(argv[0], "re")) == NULL)
		err(1, "%s", argv[0]);
	rv = dump_file(fp, argv[0], fmt);
	fclose(fp);
	return (rv);
}

int
main(int argc, char *argv[])
{
	size_t	 i;

	if (argc < 2)
		usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return (commands[i].run(argc - 1, argv + 1));
	usage();
}
