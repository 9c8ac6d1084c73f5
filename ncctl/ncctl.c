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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "control.h"
#include "imsg.h"
#include "keys.h"
#include "ncctl.h"

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

#define CTL_TIMEOUT_MS	60000

static int	 cmd_keygen(int, char *[]);
static void	 mkpath(const char *);
static int	 cmd_dump(int, char *[]);
static int	 cmd_control(const struct token *, const char *, int);
static const char *default_socket(const struct token *);
static __dead void usage(void);

static __dead void
usage(void)
{
	fprintf(stderr,
	    "usage: ncctl [-j] [-s socket] command [argument ...]\n"
	    "\n"
	    "commands:\n"
	    "  show stats        counters of the daemon\n"
	    "  show sensors      the collector's sensors\n"
	    "  show config       what each of its processes runs with\n"
	    "  reload            read the configuration again\n"
	    "  rotate            close the collector's spool files now\n"
	    "  log verbose|brief log debug messages or not\n"
	    "  keygen dir        write dir/pub.key (0644) and dir/priv.key "
	    "(0600)\n"
	    "  dump [-c | -j] [-a begin] [-b end] file ...\n"
	    "                    .ncap files, or the files of a sensor's "
	    "directory, in\n"
	    "                    time order (\"-\" for standard input), as "
	    "JSON\n"
	    "                    lines (-j, the default) or CSV (-c); only "
	    "records\n"
	    "                    at or after begin and before end, if given\n"
	    "  dump [-c | -j] [-a begin] [-b end] [-p prefix] [-S sensor] "
	    "[-T type]\n"
	    "       -u url stream\n"
	    "                    the records of a JetStream stream, as far as "
	    "it goes\n"
	    "                    when the dump starts; subjects "
	    "prefix.sensor.type\n");
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
	mkpath(argv[1]);
	if (key_generate(argv[1], errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	return (0);
}

/*
 * The key directory and those above it, as mkdir -p makes them: 0755
 * less the umask, since pub.key is to be read; priv.key is 0600.
 */
static void
mkpath(const char *dir)
{
	struct stat	 st;
	char		 path[PATH_MAX], *p;

	if (dir[0] == '\0')
		errx(1, "keygen: an empty directory name");
	if (strlcpy(path, dir, sizeof(path)) >= sizeof(path))
		errx(1, "%s: path too long", dir);
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			*p = '\0';
			if (mkdir(path, 0755) == -1 && errno != EEXIST)
				err(1, "mkdir %s", path);
			*p = dir[p - path];
		}
		if (*p == '\0')
			break;
	}
	if (stat(dir, &st) == -1)
		err(1, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		errx(1, "%s: not a directory", dir);
}

static int
cmd_dump(int argc, char *argv[])
{
	struct stream_query	 q;
	struct dump_range	 range;
	enum dump_fmt		 fmt = DUMP_JSON;
	int			 ch, cflag = 0, jflag = 0;

	memset(&q, 0, sizeof(q));
	range.begin = INT64_MIN;
	range.end = INT64_MAX;
	while ((ch = getopt(argc, argv, "a:b:cjp:S:T:u:")) != -1) {
		switch (ch) {
		case 'a':
			if (parse_time(optarg, &range.begin) == -1)
				errx(1, "-a %s: not a time", optarg);
			break;
		case 'b':
			if (parse_time(optarg, &range.end) == -1)
				errx(1, "-b %s: not a time", optarg);
			break;
		case 'c':
			cflag = 1;
			fmt = DUMP_CSV;
			break;
		case 'j':
			jflag = 1;
			fmt = DUMP_JSON;
			break;
		case 'p':
			q.prefix = optarg;
			break;
		case 'S':
			q.sensor = optarg;
			break;
		case 'T':
			q.type = optarg;
			break;
		case 'u':
			q.url = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (cflag && jflag))
		usage();
	if (range.begin >= range.end)
		errx(1, "-a is not before -b: no record can be in the range");
	/* a stream is named alone, and only a stream takes -p, -S, -T */
	if (q.url != NULL) {
		if (argc != 1)
			usage();
		q.stream = argv[0];
		return (dump_stream(&q, fmt, &range));
	}
	if (q.prefix != NULL || q.sensor != NULL || q.type != NULL)
		usage();

	if (argc == 1 && strcmp(argv[0], "-") == 0)
		return (dump_file(stdin, "stdin", fmt, &range));
	return (dump_paths(argc, argv, fmt, &range));
}

/* with -s unset: the daemon's socket that exists, if only one does */
static const char *
default_socket(const struct token *t)
{
	int	 a, c;

	if (t->flags & TOK_COLLECTOR)
		return (NCCOLLECTD_SOCKET);
	a = access(NCAGENTD_SOCKET, F_OK) == 0;
	c = access(NCCOLLECTD_SOCKET, F_OK) == 0;
	if (a && c)
		errx(1, "both %s and %s exist: say which with -s",
		    NCAGENTD_SOCKET, NCCOLLECTD_SOCKET);
	return (a ? NCAGENTD_SOCKET : NCCOLLECTD_SOCKET);
}

/* one request, the answer printed; the daemon's status is ours */
static int
cmd_control(const struct token *t, const char *path, int json)
{
	struct sockaddr_un	 sun;
	struct imsgbuf		 ibuf;
	struct imsg		 imsg;
	struct ctl_result	 res;
	struct pollfd		 pfd;
	struct ctl_kv		*kv = NULL, *nkv;
	size_t			 nkv_total = 0, k;
	ssize_t			 n;
	int			 fd, done = 0, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "connect %s", path);
	if (imsgbuf_init(&ibuf, fd) == -1)
		err(1, "imsgbuf_init");
	if (imsg_compose(&ibuf, t->type, 0, 0, -1, (t->flags & TOK_ARG) ?
	    &t->arg : NULL, (t->flags & TOK_ARG) ? sizeof(t->arg) : 0) == -1 ||
	    imsgbuf_flush(&ibuf) == -1)
		err(1, "write to %s", path);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!done) {
		/* a reload of a long sensor list takes seconds, not minutes */
		if ((r = poll(&pfd, 1, CTL_TIMEOUT_MS)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (r == 0)
			errx(1, "%s: no answer in %d s", path,
			    CTL_TIMEOUT_MS / 1000);
		if ((n = imsgbuf_read(&ibuf)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			err(1, "read from %s", path);
		}
		if (n == 0)
			errx(1, "%s: the daemon closed the connection", path);
		while (!done && (r = imsg_get(&ibuf, &imsg)) != 0) {
			if (r == -1)
				errx(1, "%s: malformed answer", path);
			switch (imsg.hdr.type) {
			case IMSG_CTL_KV:
				if (IMSG_DATA_SIZE(&imsg) % sizeof(*kv) != 0)
					errx(1, "%s: malformed answer", path);
				k = IMSG_DATA_SIZE(&imsg) / sizeof(*kv);
				if ((nkv = reallocarray(kv, nkv_total + k,
				    sizeof(*kv))) == NULL)
					err(1, NULL);
				kv = nkv;
				memcpy(kv + nkv_total, imsg.data,
				    k * sizeof(*kv));
				nkv_total += k;
				break;
			case IMSG_CTL_RESULT:
				if (IMSG_DATA_SIZE(&imsg) != sizeof(res))
					errx(1, "%s: malformed answer", path);
				memcpy(&res, imsg.data, sizeof(res));
				res.msg[sizeof(res.msg) - 1] = '\0';
				done = 1;
				break;
			default:
				errx(1, "%s: unexpected answer %u", path,
				    imsg.hdr.type);
			}
			imsg_free(&imsg);
		}
	}
	close(fd);
	/* strings from the daemon end where they must */
	for (k = 0; k < nkv_total; k++) {
		kv[k].section[sizeof(kv[k].section) - 1] = '\0';
		kv[k].item[sizeof(kv[k].item) - 1] = '\0';
		kv[k].key[sizeof(kv[k].key) - 1] = '\0';
		kv[k].str[sizeof(kv[k].str) - 1] = '\0';
	}
	if (res.status != 0) {
		fprintf(stderr, "ncctl: %s\n", res.msg[0] ? res.msg : "failed");
		free(kv);
		return (1);
	}
	if (t->flags & TOK_SHOW) {
		show_kv(kv, nkv_total, json);
		if (res.msg[0] != '\0')
			fprintf(stderr, "ncctl: %s\n", res.msg);
	} else if (res.msg[0] != '\0')
		printf("%s\n", res.msg);
	free(kv);
	return (0);
}

int
main(int argc, char *argv[])
{
	const struct token *t;
	const char	*sock = NULL;
	int		 ch, json = 0, used = 0;

	while ((ch = getopt(argc, argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	t = parse_words(argc, argv, &used);
	argc -= used - 1;
	argv += used - 1;
	switch (t->action) {
	case ACT_KEYGEN:
		return (cmd_keygen(argc, argv));
	case ACT_DUMP:
		optind = 1;
		return (cmd_dump(argc, argv));
	default:
		if (argc != 1)
			usage();
		return (cmd_control(t, sock ? sock : default_socket(t), json));
	}
}
