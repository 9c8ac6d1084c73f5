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

#ifndef NCAP_PROC_H
#define NCAP_PROC_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "log.h"		/* __dead */

struct event;
struct imsg;
struct imsgbuf;
struct imsgev;
struct iovec;
struct sandbox;

/*
 * A daemon is a table of processes: the parent, always entry
 * PROC_PARENT, and its children.  The parent starts every child by
 * re-executing its own binary with -P and the child's name, so nothing
 * it holds is inherited, and gives it a channel to the parent and one
 * to each sibling the table says it talks to.  Everything here works
 * from the table alone: which roles a daemon has is the daemon's own
 * business.
 *
 * A child finds its channel to the parent on PROC_FD_BASE and those to
 * its siblings after it, in the order of the table.
 */
#define PROC_PARENT	0
#define PROC_MAX	8
#define PROC_FD_BASE	3
#define PROC_BIT(id)	(1U << (id))

/*
 * name: the role, as -P, the process title and the log name it;
 * run: a child's body, which never returns;
 * sandbox: its rules and limits, defined in its own file (sandbox.h);
 * peers: PROC_BIT()s of the siblings it has a channel to;
 * stop_after: the process whose exit asks it to stop (PROC_PARENT:
 * proc_stop() does).
 */
struct proc_def {
	const char		*name;
	void			(*run)(void);
	const struct sandbox	*sandbox;
	unsigned int		 peers;
	int			 stop_after;
};

/* a child has this long to say it is up before it is killed */
#define PROC_START_TIMEOUT	60

/*
 * Messages every process understands, numbered apart from each
 * daemon's own (which start at 1) and from the control socket's.
 */
enum proc_imsg {
	IMSG_PROC_READY = 900,	/* child -> parent: up, sandboxed */
	IMSG_PROC_FATAL,	/* child -> parent: why it dies, before
				   it was ready (a string) */
	IMSG_PROC_SHUTDOWN,	/* parent -> child: finish and report */
	IMSG_PROC_DONE,		/* child -> parent: finished; the parent
				   closes the channel, the child exits */
	IMSG_RECONF_START,	/* parent -> child: a configuration
				   follows, in the daemon's messages */
	IMSG_RECONF_END,	/* parent -> child: that was all of it */
};

/* an imsg handler: from is the process it came from */
typedef int	(*proc_handler)(int from, struct imsg *);

/* the path of our own binary; call first thing in main() */
void	 proc_init_self(void);

/*
 * In both the parent and a child: the table, and which entry we are.
 * A child (role != NULL) is set up and runs its role: it never returns.
 */
void	 proc_init(const struct proc_def *, int n, int debug, int verbose);
__dead void proc_child(const char *role);
/* the running process's id and name */
int	 proc_self(void);
const char *proc_name(int id);
int	 proc_count(void);
/* the channels this process has: to the parent (or children) and peers */
int	 proc_nchannels(void);

/*
 * The parent, after event_init(): start every child of the table.
 * Without -d, proc_detach() first: the daemon goes to the background,
 * but the command that started it waits until proc_ready_all() (exit
 * 0) or until the daemon fails (its exit status, the reason already on
 * stderr).
 */
void	 proc_detach(int debug);
/*
 * The parent's signal events, ev[4], as every daemon takes them:
 * SIGINT and SIGTERM stop the children (logged once, with what the
 * daemon does then), SIGHUP calls reload unless the daemon is on its
 * way out, SIGCHLD reaps and ends the event loop once every child has
 * exited, or one ended badly: proc_failed() says which.
 */
void	 proc_signals(struct event *ev, const char *stopping,
	    void (*reload)(void));
int	 proc_failed(void);
void	 proc_spawn(const char *argv0, proc_handler, void (*ready)(void));
/*
 * SIGCHLD in the parent: -1 when a child ended badly or unasked (the
 * rest are killed, why is logged), 1 once all have exited, else 0.
 * A child's exit asks those that stop after it to stop.
 */
int	 proc_reap(void);
/* ask the children that stop first to finish */
void	 proc_stop(void);
/* a child that sent IMSG_PROC_DONE: its channel is closed, it may exit */
void	 proc_done(int id);
/* 1 once every child said it is ready */
int	 proc_all_ready(void);
/* 1 once the daemon is on its way out: asked to, or a child finished */
int	 proc_stopping(void);

/* in a child, its privileges dropped: its sandbox, as the table says */
void	 proc_sandbox(void);
/*
 * In a child, once everything that can fail at start has been done
 * (files opened, privileges dropped, sandbox entered, loop set up):
 * tell the parent.
 */
void	 proc_child_ready(void);
/* a child that finished its work: report, wait for the close, exit 0 */
__dead void proc_child_done(void);

/*
 * What every child has from its parent, and how its role serves it:
 * reconf: the configuration's messages (the daemon's config_recv(),
 * merging once complete): -1 for a message that is not one of them;
 * shutdown: IMSG_PROC_SHUTDOWN, finish and proc_child_done() in time;
 * stats: IMSG_CTL_SHOW_STATS, answered for the connection peerid
 * (NULL: the role has none, and the request is unexpected);
 * config: IMSG_CTL_SHOW_CONFIG, the configuration sent back for peerid;
 * other: the role's own messages, 0 for one it does not know (NULL:
 * it has none).
 * IMSG_CTL_LOG_VERBOSE needs nothing of the role.
 */
struct proc_child {
	int		(*reconf)(const struct imsg *);
	void		(*shutdown)(void);
	void		(*stats)(uint32_t peerid);
	void		(*config)(uint32_t peerid);
	int		(*other)(struct imsg *);
};
/*
 * In a child, before it waits for its configuration: its hooks, which
 * proc_child_imsg(), its handler for the parent's channel (proc_wait(),
 * proc_listen()), calls; a message none of them knows is fatal.
 */
void	 proc_child_hooks(const struct proc_child *);
int	 proc_child_imsg(int from, struct imsg *);

/*
 * Channels, addressed by process id, in the parent and in a child.
 * proc_listen() hands what arrives on one to fn (and EOF to eof; NULL:
 * the close is fatal), once the event loop runs.
 */
void	 proc_listen(int id, proc_handler fn, void (*eof)(int));
int	 proc_compose(int id, uint32_t type, uint32_t peerid, int fd,
	    const void *, size_t);
int	 proc_composev(int id, uint32_t type, uint32_t peerid, int fd,
	    const struct iovec *, int);
/*
 * what is queued for id, written now, waiting as long as it takes: for
 * a child's last messages to a sibling, before proc_child_done()
 */
int	 proc_flush(int id);
/* every child: the same message to each */
void	 proc_compose_children(uint32_t type, uint32_t peerid,
	    const void *, size_t);
/* an eof for proc_listen(): the channel is dropped, SIGCHLD tells why */
void	 proc_eof_ignore(int id);

/*
 * The whole of an imsg event handler: the I/O, then each message to fn,
 * then re-arming.  When the peer closes, eof runs (NULL: fatal).  fn
 * returns 0, or -1 when it closed the channel and nothing may follow.
 */
void	 proc_dispatch(struct imsgev *, short event, const char *name,
	    int (*fn)(struct imsgev *, struct imsg *),
	    void (*eof)(struct imsgev *));
/* wait for one message, blocking; fatal on EOF or error */
void	 proc_recv(struct imsgbuf *, struct imsg *);
/*
 * A child's start, before its event loop: messages from id go to fn,
 * one by one as they come, until fn has set *until.
 */
void	 proc_wait(int id, proc_handler fn, const int *until);
/* the fixed-size payload of a message, or fatal */
void	 imsg_expect(const struct imsg *, size_t len, const char *what);

#endif /* NCAP_PROC_H */
