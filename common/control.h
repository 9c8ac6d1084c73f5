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

#ifndef NCAP_CONTROL_H
#define NCAP_CONTROL_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"

/*
 * The control socket: ncctl talks to a daemon's parent over a UNIX
 * socket with the same imsg framing the processes use.  A restricted
 * socket answers the show commands only.
 */
#define NCAGENTD_SOCKET		"/run/ncagentd.sock"
#define NCCOLLECTD_SOCKET	"/run/nccollectd.sock"
#define CTL_PATH_MAX		108	/* sun_path */

enum ctl_imsg {
	/* ncctl -> daemon */
	IMSG_CTL_SHOW_STATS = 1000,
	IMSG_CTL_SHOW_SENSORS,
	IMSG_CTL_RELOAD,
	IMSG_CTL_LOG_VERBOSE,		/* int: 0 brief, 1 verbose */
	/* daemon -> ncctl */
	IMSG_CTL_KV,			/* struct ctl_kv[] */
	IMSG_CTL_RESULT,		/* struct ctl_result, the last answer */
};

/*
 * What show commands answer, whatever the daemon: values, each in a
 * section ("" for the top level), in an item of it ("" for none), under
 * a key.  ncctl prints them as text or JSON without knowing the
 * daemon's structures.
 */
struct ctl_kv {
	char		 section[16];
	char		 item[80];
	char		 key[32];
	char		 str[80];	/* a string value, or "" */
	uint64_t	 num;		/* a number, when str is "" */
};

struct ctl_result {
	int		 status;	/* 0: done */
	char		 msg[256];
};

/* the daemon side, in the parent: connections and what they asked */
struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct imsgev		 iev;
	uint32_t		 id;
	int			 restricted;
	int			 busy;		/* a request unanswered */
	/* a show command being answered: values gathered so far */
	struct ctl_kv		*kv;
	size_t			 nkv, kvsize;
	size_t			 dropped;	/* past CTL_MAX_KV */
};

/* as root: create the socket, mode 0660 (0666 restricted); fd or -1 */
int	 control_open(const char *path, int restricted);
/* what a daemon's parent tells its control sockets */
struct ctl_daemon {
	struct imsgev	*children;	/* [0], the network child, answers
					   show requests with the id */
	int		 nchildren;
	const int	*stopping;	/* set: every request is refused */
	const char	*nosensors;	/* why show sensors is refused, or NULL */
	void		(*reload)(struct ctl_conn *);
};

/*
 * After event_init: accept on fd and answer for d; the daemon finishes
 * show answers with control_kv() and control_result() when its child's
 * reply comes.  A restricted connection only gets the show commands
 * through.
 */
void	 control_listen(int fd, int restricted, const struct ctl_daemon *d);
struct ctl_conn *control_find(uint32_t id);
void	 control_kv(struct ctl_conn *, const char *section, const char *item,
	    const char *key, const char *str, uint64_t num);
/* send the values gathered, then the result: the answer is complete */
void	 control_result(struct ctl_conn *, int status, const char *, ...)
	    __attribute__((__format__(printf, 3, 4)));
void	 control_cleanup(const char *path);
/* a reload refused: logged, and told to ncctl when c is not NULL */
void	 control_reload_refused(struct ctl_conn *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
/* in a child: IMSG_CTL_LOG_VERBOSE from its parent */
void	 control_child_verbose(const struct imsg *);

/* a uint64_t counter of a struct, for control_kv_fields() */
struct ctl_field {
	const char	*key;
	size_t		 off;
};
#define CTL_FIELD(s, f, k)	{ k, offsetof(struct s, f) }
#define CTL_NFIELDS(a)		(sizeof(a) / sizeof((a)[0]))
void	 control_kv_fields(struct ctl_conn *, const char *section,
	    const char *item, const void *base, const struct ctl_field *,
	    size_t);

#endif /* NCAP_CONTROL_H */
