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
 * The rules a process table must keep, which proc_init() enforces:
 * every child has a body and a sandbox, a channel is named at both
 * ends, and every child is asked to stop, in the end by the parent.
 * And conf.c's walk of a keyword table: a string is its bytes up to
 * its NUL, a value is printed as the file would have it.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "proc.h"
#include "tap.h"

static void	body(void);

/* never run: proc_init() only looks at the table */
static void
body(void)
{
}

/* the address of a sandbox is all proc_init() needs of it */
static const int	 fake;
#define SB	((const struct sandbox *)(const void *)&fake)

/* 0 if proc_init() accepts the table, else its exit status */
static int
try(const struct proc_def *t, int n)
{
	pid_t	pid;
	int	status;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		/* its fatal message is for the log, not for TAP */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(99);
		proc_init(t, n, 1, 0);
		_exit(0);
	}
	if (pid == -1 || waitpid(pid, &status, 0) != pid)
		return (-1);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

struct c {
	char		 name[16];
	unsigned int	 n;
};

static void
print_name(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	conf_print_string(fp, kw, conf);
}

/* two lines for one keyword, the second a comment */
static void
print_two(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	fprintf(fp, "%s %u\n# aside\n%s %u restricted\n", kw->name,
	    conf_uint(kw, conf, 0), kw->name, conf_uint(kw, conf, 0) + 1);
}

static const struct conf_keyword kws[] = {
	{ "name", 0, print_name, { CONF_FIELD(c, name) } },
	{ "n", CONF_RELOAD, print_two, { CONF_FIELD(c, n) } },
};

int
main(void)
{
	const struct proc_def good[] = {
		{ "parent", NULL, NULL, 0, PROC_PARENT },
		{ "a", body, SB, PROC_BIT(2), PROC_PARENT },
		{ "b", body, SB, PROC_BIT(1) | PROC_BIT(3), 1 },
		{ "c", body, SB, PROC_BIT(2), 2 },
	};
	struct proc_def	 t[4];
	struct c	 o, v;
	char		 buf[32];

	ok(try(good, 4) == 0, "a table of four processes is taken");
	memcpy(t, good, sizeof(t));
	t[2].peers = PROC_BIT(3);
	ok(try(t, 4) == 1, "a channel only one end names is refused");
	memcpy(t, good, sizeof(t));
	t[1].peers = PROC_BIT(1) | PROC_BIT(2);
	ok(try(t, 4) == 1, "a channel to itself is refused");
	memcpy(t, good, sizeof(t));
	t[3].sandbox = NULL;
	ok(try(t, 4) == 1, "a child without a sandbox is refused");
	memcpy(t, good, sizeof(t));
	t[3].run = NULL;
	ok(try(t, 4) == 1, "a child without a body is refused");
	memcpy(t, good, sizeof(t));
	t[1].stop_after = 3;
	ok(try(t, 4) == 1, "children that stop after each other in a ring "
	    "are refused");
	memcpy(t, good, sizeof(t));
	t[3].stop_after = 3;
	ok(try(t, 4) == 1, "a child that stops after itself is refused");
	memcpy(t, good, sizeof(t));
	t[2].stop_after = 7;
	ok(try(t, 4) == 1, "a child that stops after no process is refused");
	ok(try(good, PROC_MAX + 1) == 1, "more than PROC_MAX is refused");

	/* what a string held after its NUL is not its value */
	memset(&o, 0, sizeof(o));
	memset(&v, 0, sizeof(v));
	strlcpy(o.name, "longername0", sizeof(o.name));
	strlcpy(o.name, "lo", sizeof(o.name));
	strlcpy(v.name, "lo", sizeof(v.name));
	ok(memcmp(&o, &v, sizeof(o)) != 0 &&
	    conf_restart(kws, 2, &o, &v) == NULL,
	    "equal strings with different bytes past the NUL are no change");
	strlcpy(v.name, "lo0", sizeof(v.name));
	ok(conf_restart(kws, 2, &o, &v) != NULL &&
	    strcmp(conf_restart(kws, 2, &o, &v), "name") == 0,
	    "a changed string is named");
	strlcpy(v.name, "lo", sizeof(v.name));
	v.n = 5;
	ok(conf_restart(kws, 2, &o, &v) == NULL,
	    "a keyword that reloads is no restart");

	conf_value(buf, sizeof(buf), &kws[1], &v);
	ok(strcmp(buf, "5; 6 restricted") == 0,
	    "a value: its lines without the keyword, comments left out "
	    "(%s)", buf);
	o.name[0] = '\0';
	conf_value(buf, sizeof(buf), &kws[0], &o);
	ok(strcmp(buf, "\"\"") == 0, "an empty string is quoted (%s)", buf);
	memset(o.name, 'x', sizeof(o.name) - 1);
	conf_value(buf, 8, &kws[0], &o);
	ok(strcmp(buf, "\"xxx...") == 0, "a value cut short says so (%s)",
	    buf);

	printf("1..%d\n", ntest);
	return (nfail ? 1 : 0);
}
