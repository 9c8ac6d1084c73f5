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

#ifndef NCAP_PRIVSEP_H
#define NCAP_PRIVSEP_H

#include <sys/types.h>

#include <stdint.h>

#include "log.h"		/* __dead */

/*
 * Children are started by re-executing our own binary with a role flag
 * (-P role), so nothing the parent holds is inherited.  A child finds
 * its channel to the parent on PROC_PARENT_FD and, where it has one,
 * its channel to its sibling on PROC_PEER_FD.
 */
#define PROC_PARENT_FD	3
#define PROC_PEER_FD	4

struct priv_user {
	char	 name[64];
	uid_t	 uid;
	gid_t	 gid;
};

/* the path of our own binary; call first thing in main() */
void	 proc_init_self(void);
/* fork and exec ourselves as role, fds[i] becomes fd 3 + i */
pid_t	 proc_start(const char *progname, const char *role, const int *fds,
	    int nfds, int debug, int verbose);

/* look the user up now, while /etc/passwd is reachable; fatal if absent */
void	 priv_lookup(struct priv_user *, const char *name);
/*
 * chroot to root, drop to the user for good, forbid new privileges.
 * Fatal on any failure: a child never runs half-dropped.
 */
void	 priv_drop(const struct priv_user *, const char *root);
/* make sure an empty chroot directory exists, owned by root, 0755 */
int	 priv_ensure_dir(const char *path, uid_t uid, gid_t gid, mode_t mode);

/*
 * The parent's view of a child.  A child that exits while the parent
 * did not ask it to is fatal to the daemon: never half alive.
 */
struct proc_child {
	const char	*name;
	pid_t		 pid;
	int		 may_exit;	/* it was asked to finish */
	int		 exited;
	int		 status;
};

/* reap children; -1 if one ended unasked or badly (it is logged) */
int	 proc_reap(struct proc_child *, int n);
/* children ignore SIGTERM (the parent orders shutdown): SIGKILL them */
void	 proc_kill_all(struct proc_child *, int n);
int	 proc_all_exited(const struct proc_child *, int n);

struct imsgbuf;
struct imsg;
struct imsgev;
struct event;

/*
 * A daemon's two children: [0] its network child, [1] its crypto
 * child, each named by its role.  proc_spawn starts both, each with its
 * channel to us on fd 3 and the one to its sibling on fd 4, and sets up
 * our ends (after event_init).
 */
void	 proc_spawn(const char *argv0, struct proc_child *, struct imsgev *,
	    void (*)(int, short, void *), int debug, int verbose);
/* the parent's signal events: SIGINT, SIGTERM, SIGHUP and SIGCHLD */
void	 proc_signals(struct event *ev, void (*)(int, short, void *));
/*
 * SIGCHLD in the parent: -1 when a child died unasked (the rest are
 * killed, it is logged), 1 once both have exited as asked, else 0.
 * When the network child is gone, the crypto child is told to go.
 */
int	 proc_sigchld(struct proc_child *, struct imsgev *, uint32_t shutdown);
/*
 * The start every child shares: name the process, leave signals to the
 * parent, open both channels and take the configuration (a message of
 * type conftype and exactly len bytes).
 */
void	 proc_child_init(const char *role, struct imsgev *parent,
	    struct imsgev *peer, uint32_t conftype, void *conf, size_t len);
/*
 * The I/O half of every imsg event handler: read and write what the
 * event says.  Returns 0 when the peer closed the channel, else 1;
 * errors are fatal and name the channel.
 */
int	 proc_io(struct imsgev *, short event, const char *name);
/*
 * The whole of an imsg event handler: the I/O, then each message to fn,
 * then re-arming.  When the peer closes, eof runs (NULL: that is fatal).
 * fn returns 0, or -1 when it closed the channel and nothing may follow.
 */
void	 proc_dispatch(struct imsgev *, short event, const char *name,
	    int (*fn)(struct imsgev *, struct imsg *),
	    void (*eof)(struct imsgev *));
/* an eof for proc_dispatch: stop listening, SIGCHLD tells the rest */
void	 proc_eof_ignore(struct imsgev *);
/* wait for one message (a child's config at start); fatal on EOF/error */
void	 proc_recv(struct imsgbuf *, struct imsg *);
/*
 * Close a channel; with type != 0, send that message first, so the
 * child can tell an order to stop from its parent's death.
 */
void	 proc_close(struct imsgev *, uint32_t type);
/* a finished child: wait for the parent to close the channel, exit 0 */
__dead void proc_wait_close(struct imsgbuf *);
/* the fixed-size payload of a message, or fatal: a wrong length is fatal */
void	 imsg_expect(const struct imsg *, size_t len, const char *what);

#endif /* NCAP_PRIVSEP_H */
