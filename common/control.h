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
	IMSG_CTL_SHOW_CONFIG,
	IMSG_CTL_ROTATE,
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
	struct event		 ev_idle;
	uint32_t		 id;
	int			 restricted;
	int			 busy;		/* a request unanswered */
	int			 closed;	/* gone, its request not */
	/* a show command being answered: values gathered so far */
	struct ctl_kv		*kv;
	size_t			 nkv, kvsize;
	size_t			 dropped;	/* past CTL_MAX_KV */
};

/*
 * What a daemon answers on its control socket: each request it knows,
 * the length of its payload, whether the restricted socket takes it,
 * and what does it.  A request not in the table is refused, and so is
 * every request once the daemon is stopping.
 */
struct ctl_command {
	uint32_t	 type;
	size_t		 len;
	int		 restricted;
	void		(*fn)(struct ctl_conn *, const struct imsg *);
};

/* as root: create the socket, mode 0660 (0666 restricted); fd or -1 */
int	 control_open(const char *path, int restricted);
#define CTL_NCOMMANDS(t)	(sizeof(t) / sizeof((t)[0]))
/* after event_init: accept on fd and answer from the daemon's table */
void	 control_listen(int fd, int restricted, const struct ctl_command *,
	    size_t);
void	 control_cleanup(const char *path);
struct ctl_conn *control_find(uint32_t id);
/*
 * Building an answer: values gathered, then the result sends them and
 * completes it.  A request handed to a child carries the connection's
 * id as peerid, and so does the child's answer.
 */
void	 control_kv(struct ctl_conn *, const char *section, const char *item,
	    const char *key, const char *str, uint64_t num);
void	 control_result(struct ctl_conn *, int status, const char *, ...)
	    __attribute__((__format__(printf, 3, 4)));
int	 control_ask(struct ctl_conn *, int proc, uint32_t type);
/* a reload refused: logged, and told to ncctl when c is not NULL */
void	 control_reload_refused(struct ctl_conn *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

/* commands both daemons have, for their tables */
void	 control_log_verbose(struct ctl_conn *, const struct imsg *);
/* a process's configuration, keyword by keyword, in section name */
struct conf_keyword;
void	 control_config_kv(struct ctl_conn *, const char *name,
	    const struct conf_keyword *, size_t, const void *conf);
void	 control_config_next(struct ctl_conn *, int from);

/* a uint64_t counter of a struct, for control_kv_fields() */
struct ctl_field {
	const char	*key;
	size_t		 off;
	int		 shown;	/* by ncctl only, not in a line at exit */
};
#define CTL_FIELD(s, f, k)	{ k, offsetof(struct s, f), 0 }
#define CTL_SHOWN(s, f, k)	{ k, offsetof(struct s, f), 1 }
#define CTL_NFIELDS(a)		(sizeof(a) / sizeof((a)[0]))
void	 control_kv_fields(struct ctl_conn *, const char *section,
	    const char *item, const void *base, const struct ctl_field *,
	    size_t);
size_t	 control_fields_line(char *, size_t, const void *base,
	    const struct ctl_field *, size_t);

#endif /* NCAP_CONTROL_H */
