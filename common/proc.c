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
 * A daemon's processes, from its table: spawning, the channels between
 * them, routing by process id, watching and stopping.  Nothing here
 * knows what any role does.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <limits.h>
#include <paths.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "util.h"

/* one end of a channel, named by the process at the other end */
struct proc_chan {
	struct imsgev	 iev;
	struct event	 ev_out;	/* the write of what a turn composed */
	int		 id;
	int		 open;
	int		 listening;
	int		 out_due;	/* ev_out is active */
	int		 blocked;	/* a write left some: wait for EV_WRITE */
	proc_handler	 fn;
	void		(*eof)(int);
};

/* the parent's view of a child */
struct proc_state {
	pid_t		 pid;
	int		 ready;
	int		 asked;		/* told to stop */
	int		 may_exit;	/* reported done */
	int		 exited;
	int		 status;
};

static void	 proc_devnull(int);
static void	 proc_chan_open(int, int);
static void	 proc_chan_event(int, short, void *);
static void	 proc_chan_arm(struct proc_chan *);
static void	 proc_chan_out(int, short, void *);
static int	 dispatch(struct imsgev *, short, const char *,
		    int (*)(struct imsgev *, struct imsg *),
		    void (*)(struct imsgev *));
static int	 proc_chan_imsg(struct imsgev *, struct imsg *);
static void	 proc_chan_eof(struct imsgev *);
static void	 proc_chan_close(struct proc_chan *);
static void	 proc_chan_drain(struct proc_chan *);
static pid_t	 proc_start(const char *, const char *, const int *, int);
static int	 proc_io(struct imsgev *, short, const char *);
static int	 proc_ended(int);
static void	 proc_kill_all(void);
static void	 proc_ask_stop(int);
static __dead void proc_fatal_hook(const char *);
static __dead void proc_exit(int);
static void	 proc_relay(int, const char *);
static void	 proc_detach_done(void);
static void	 proc_start_timeout(int, short, void *);
static void	 proc_notify(const char *);
static void	 proc_sig(int, short, void *);
static __dead void proc_wait_close(struct imsgbuf *);

static char			 self[PATH_MAX];
static const struct proc_def	*procs;
static int			 nprocs, me = PROC_PARENT;
static int			 p_debug, p_verbose;
static struct proc_chan		 chans[PROC_MAX];
static struct proc_state	 state[PROC_MAX];
static int			 stopping, failed;
static const char		*sig_stopping;
static void			(*sig_reload)(void);
static void			(*all_ready)(void);
static int			 detach_fd = -1;
static const struct proc_child	*hooks;	/* a child's: proc_child_hooks() */
static struct event		 ev_start;

void
proc_init_self(void)
{
	ssize_t	n;

	/* resolve now: the path stays right even if our cwd changes */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
}

void
proc_init(const struct proc_def *table, int n, int debug, int verbose)
{
	int	i, j, k;

	if (n < 1 || n > PROC_MAX)
		fatalx("%s: %d processes", __func__, n);
	for (i = 1; i < n; i++) {
		/* no child runs unconfined */
		if (table[i].run == NULL || table[i].sandbox == NULL)
			fatalx("%s: %s has no body or no sandbox", __func__,
			    table[i].name);
		/* every child is asked to stop, in the end by the parent */
		for (j = i, k = 0; j != PROC_PARENT && k < n; k++) {
			j = table[j].stop_after;
			if (j < 0 || j >= n)
				break;
		}
		if (j != PROC_PARENT)
			fatalx("%s: nothing asks %s to stop", __func__,
			    table[i].name);
		/* a channel has two ends: both must name it */
		for (j = 1; j < n; j++)
			if (((table[i].peers & PROC_BIT(j)) != 0) !=
			    ((table[j].peers & PROC_BIT(i)) != 0) || (i == j &&
			    (table[i].peers & PROC_BIT(j))))
				fatalx("%s: %s and %s disagree on their "
				    "channel", __func__, table[i].name,
				    table[j].name);
	}
	procs = table;
	nprocs = n;
	p_debug = debug;
	p_verbose = verbose;
}

int
proc_self(void)
{
	return (me);
}

const char *
proc_name(int id)
{
	if (id < 0 || id >= nprocs)
		return ("?");
	return (procs[id].name);
}

int
proc_count(void)
{
	return (nprocs);
}

int
proc_nchannels(void)
{
	int	i, n = 0;

	for (i = 0; i < nprocs; i++)
		if (chans[i].open)
			n++;
	return (n);
}

/*
 * Fork and exec ourselves as role; fds[i] becomes PROC_FD_BASE + i.
 * Without -d a child's stdio is /dev/null: it must not keep the
 * terminal or pipe that started the daemon open once the daemon is
 * in the background.  Until it is ready, what makes it fail reaches
 * the parent as IMSG_PROC_FATAL instead.
 */
static pid_t
proc_start(const char *argv0, const char *role, const int *fds, int nfds)
{
	char	*argv[8];
	int	 argc = 0, i, moved[PROC_MAX];
	pid_t	 pid;

	if (nfds > PROC_MAX)
		fatalx("%s: too many fds", __func__);
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		return (pid);
	}

	if (!p_debug)
		proc_devnull(STDERR_FILENO);
	/* move the channels above their targets, then into place */
	for (i = 0; i < nfds; i++)
		if ((moved[i] = fcntl(fds[i], F_DUPFD, PROC_FD_BASE + nfds)) ==
		    -1)
			fatal("fcntl F_DUPFD");
	for (i = 0; i < nfds; i++)
		if (dup2(moved[i], PROC_FD_BASE + i) == -1)
			fatal("dup2");
	closefrom(PROC_FD_BASE + nfds);

	/* copies keep the strings writable, as execv wants */
	if ((argv[argc++] = strdup(argv0)) == NULL ||
	    (argv[argc++] = strdup("-P")) == NULL ||
	    (argv[argc++] = strdup(role)) == NULL)
		fatal(NULL);
	if (p_debug && (argv[argc++] = strdup("-d")) == NULL)
		fatal(NULL);
	if (p_verbose && (argv[argc++] = strdup(p_verbose > 1 ? "-vv" :
	    "-v")) == NULL)
		fatal(NULL);
	argv[argc] = NULL;
	execv(self, argv);
	fatal("execv %s", self);
}

static void
proc_chan_open(int id, int fd)
{
	struct proc_chan	*c = &chans[id];

	memset(c, 0, sizeof(*c));
	if (imsgbuf_init(&c->iev.ibuf, fd) == -1)
		fatal("imsgbuf_init");
	c->id = id;
	c->open = 1;
	c->iev.handler = proc_chan_event;
	c->iev.data = c;
}

void
proc_detach(int debug)
{
	int	p[2], status = 0;
	char	c = 0;
	pid_t	pid;

	if (debug)
		return;
	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		/*
		 * The command that was run: it ends when the daemon is
		 * up, or with the daemon's status when it is not.
		 */
		close(p[1]);
		while (read(p[0], &c, 1) == -1 && errno == EINTR)
			;
		/* the daemon's "ready", or nothing: it ended */
		if (c == 'R')
			_exit(0);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		_exit(WIFEXITED(status) && WEXITSTATUS(status) != 0 ?
		    WEXITSTATUS(status) : 1);
	}
	close(p[0]);
	detach_fd = p[1];
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	/* stderr stays until we are up: why we fail goes there */
	proc_devnull(STDOUT_FILENO);
}

/* stdin up to last are /dev/null from now on */
static void
proc_devnull(int last)
{
	int	null, fd;

	if ((null = open(_PATH_DEVNULL, O_RDWR)) == -1)
		fatal("%s", _PATH_DEVNULL);
	for (fd = STDIN_FILENO; fd <= last; fd++)
		if (dup2(null, fd) == -1)
			fatal("dup2");
	if (null > last)
		close(null);
}

/* every child is up: let the command that started us go */
static void
proc_detach_done(void)
{
	if (detach_fd == -1)
		return;
	if (write(detach_fd, "R", 1) != 1)
		log_warn("%s", __func__);
	close(detach_fd);
	detach_fd = -1;
	proc_devnull(STDERR_FILENO);
	log_setstderr(0);
}

void
proc_signals(struct event *ev, const char *what, void (*reload)(void))
{
	static const int	sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	int			i;

	sig_stopping = what;
	sig_reload = reload;
	for (i = 0; i < 4; i++) {
		signal_set(&ev[i], sigs[i], proc_sig, NULL);
		signal_add(&ev[i], NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

static void
proc_sig(int sig, short event, void *arg)
{
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		if (!stopping)
			log_info("received signal %d, %s", sig, sig_stopping);
		proc_stop();
		break;
	case SIGHUP:
		if (!stopping && sig_reload != NULL)
			sig_reload();
		break;
	case SIGCHLD:
		switch (proc_reap()) {
		case -1:
			failed = 1;
			event_loopexit(NULL);
			break;
		case 1:
			event_loopexit(NULL);
			break;
		}
		break;
	}
}

int
proc_failed(void)
{
	return (failed);
}

void
proc_spawn(const char *argv0, proc_handler fn, void (*ready)(void))
{
	int	 up[PROC_MAX][2], peer[PROC_MAX][PROC_MAX][2];
	int	 fds[PROC_MAX], nfds, i, j;

	all_ready = ready;
	memset(peer, -1, sizeof(peer));
	for (i = 1; i < nprocs; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    up[i]) == -1)
			fatal("socketpair");
		for (j = i + 1; j < nprocs; j++)
			if ((procs[i].peers & PROC_BIT(j)) &&
			    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
			    peer[i][j]) == -1)
				fatal("socketpair");
	}
	/* the lower id of a pair has end 0; siblings in table order */
	for (i = 1; i < nprocs; i++) {
		nfds = 0;
		fds[nfds++] = up[i][1];
		for (j = 1; j < nprocs; j++) {
			if (!(procs[i].peers & PROC_BIT(j)))
				continue;
			fds[nfds++] = i < j ? peer[i][j][0] : peer[j][i][1];
		}
		state[i].pid = proc_start(argv0, procs[i].name, fds, nfds);
	}
	for (i = 1; i < nprocs; i++) {
		close(up[i][1]);
		for (j = i + 1; j < nprocs; j++)
			if (peer[i][j][0] != -1) {
				close(peer[i][j][0]);
				close(peer[i][j][1]);
			}
		proc_chan_open(i, up[i][0]);
		proc_listen(i, fn, proc_eof_ignore);
	}
	evtimer_set(&ev_start, proc_start_timeout, NULL);
	evtimer_add_ms(&ev_start, PROC_START_TIMEOUT * 1000);
}

/*
 * Under systemd with Type=notify, what the command's exit says
 * without -d: up (or on its way out).  The protocol is a datagram to
 * the socket in NOTIFY_SOCKET, "@" for the abstract namespace.
 */
static void
proc_notify(const char *what)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	int			 s;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL ||
	    (path[0] != '/' && path[0] != '@'))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET %s: too long", path);
		return;
	}
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("NOTIFY_SOCKET: socket");
		return;
	}
	if (sendto(s, what, strlen(what), 0, (struct sockaddr *)&sun,
	    len) == -1)
		log_warn("NOTIFY_SOCKET %s", path);
	close(s);
}

/*
 * A child that is not up by now will not be: it is killed, and the
 * reaper ends the daemon, so a start never hangs the command that
 * made it.
 */
static void
proc_start_timeout(int fd, short event, void *arg)
{
	int	i;

	for (i = 1; i < nprocs; i++) {
		if (state[i].ready || state[i].exited)
			continue;
		log_warnx("%s process %d not up after %d seconds: killing it",
		    proc_name(i), (int)state[i].pid, PROC_START_TIMEOUT);
		kill(state[i].pid, SIGKILL);
	}
}

__dead void
proc_child(const char *role)
{
	int	i, fd = PROC_FD_BASE;

	for (i = 1; i < nprocs; i++)
		if (strcmp(procs[i].name, role) == 0)
			break;
	if (i == nprocs)
		fatalx("unknown process role %s", role);
	me = i;
	log_procinit(procs[me].name);
	setproctitle("%s", procs[me].name);
	/* the parent orders our shutdown; a terminal's ^C is for it */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	proc_chan_open(PROC_PARENT, fd++);
	for (i = 1; i < nprocs; i++)
		if (procs[me].peers & PROC_BIT(i))
			proc_chan_open(i, fd++);
	log_setfatalhook(proc_fatal_hook);
	procs[me].run();
	fatalx("%s returned", procs[me].name);
}

/* a child's fatal error, logged already: tell the parent, end */
static __dead void
proc_fatal_hook(const char *msg)
{
	struct imsgbuf	*ibuf = &chans[PROC_PARENT].iev.ibuf;

	log_setfatalhook(NULL);
	/*
	 * Without -d our stderr is /dev/null: the parent says why we end,
	 * on its own stderr while the command that started it waits (a
	 * sibling may still be starting when we fail), to nobody after.
	 */
	if (!p_debug && imsg_compose(ibuf, IMSG_PROC_FATAL, 0, 0, -1, msg,
	    strlen(msg) + 1) == 0)
		imsgbuf_flush(ibuf);
	proc_exit(1);
}

/*
 * A child ends here, not through exit(): that would flush every stdio
 * stream and run the libraries' exit handlers inside the sandbox, and
 * they make calls it does not allow (the capture file of -r, read
 * ahead, seeks back to where libpcap stopped), so that a replay ended
 * early or a fatal error would be reported as SIGSYS.  A child writes
 * nothing to stdio but its log lines, each flushed as it is written.
 */
static __dead void
proc_exit(int status)
{
	_exit(status);
}

void
proc_sandbox(void)
{
	sandbox_enter(procs[me].sandbox);
}

/*
 * Why a child could not start, for the command that started us: the
 * child has already said it to syslog, so stderr alone.
 */
static void
proc_relay(int id, const char *msg)
{
	fprintf(stderr, "%s[parent]: %s process: %s\n", getprogname(),
	    proc_name(id), msg);
	fflush(stderr);
}

void
proc_child_ready(void)
{
	if (proc_compose(PROC_PARENT, IMSG_PROC_READY, 0, -1, NULL, 0) == -1)
		fatal("imsg_compose");
}

__dead void
proc_child_done(void)
{
	struct imsgbuf	*ibuf = &chans[PROC_PARENT].iev.ibuf;

	if (imsg_compose(ibuf, IMSG_PROC_DONE, 0, 0, -1, NULL, 0) == -1 ||
	    imsgbuf_flush(ibuf) == -1)
		fatal("%s", __func__);
	proc_wait_close(ibuf);
}

void
proc_child_hooks(const struct proc_child *h)
{
	hooks = h;
}

int
proc_child_imsg(int from, struct imsg *imsg)
{
	int	v;

	if (hooks == NULL)
		fatalx("%s: no hooks", __func__);
	if (hooks->reconf(imsg) != -1)
		return (0);
	switch (imsg->hdr.type) {
	case IMSG_PROC_SHUTDOWN:
		imsg_expect(imsg, 0, "IMSG_PROC_SHUTDOWN");
		hooks->shutdown();
		return (0);
	case IMSG_CTL_SHOW_STATS:
		if (hooks->stats == NULL)
			break;
		imsg_expect(imsg, 0, "IMSG_CTL_SHOW_STATS");
		hooks->stats(imsg->hdr.peerid);
		return (0);
	case IMSG_CTL_SHOW_CONFIG:
		imsg_expect(imsg, 0, "IMSG_CTL_SHOW_CONFIG");
		hooks->config(imsg->hdr.peerid);
		return (0);
	case IMSG_CTL_LOG_VERBOSE:
		/* the level its parent passed on */
		imsg_expect(imsg, sizeof(v), "IMSG_CTL_LOG_VERBOSE");
		memcpy(&v, imsg->data, sizeof(v));
		log_setverbose(v);
		return (0);
	}
	if (hooks->other == NULL || hooks->other(imsg) == 0)
		fatalx("parent: unexpected imsg %u", imsg->hdr.type);
	return (0);
}

/* a finished child: wait for the parent to close the channel, exit 0 */
static __dead void
proc_wait_close(struct imsgbuf *ibuf)
{
	struct pollfd	pfd;
	ssize_t		n;

	for (;;) {
		pfd.fd = ibuf->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			fatal("poll");
		if ((n = imsgbuf_read(ibuf)) == 0)
			proc_exit(0);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			fatal("%s: read", __func__);
		/* nothing the parent says now matters: drop it */
		ibuf->rlen = ibuf->roff = 0;
	}
}

void
proc_listen(int id, proc_handler fn, void (*eof)(int))
{
	struct proc_chan	*c = &chans[id];

	if (!c->open)
		fatalx("%s: no channel to %s", __func__, proc_name(id));
	c->fn = fn;
	c->eof = eof;
	c->listening = 1;
	proc_chan_arm(c);
	/*
	 * What proc_wait() read along with the configuration raises no
	 * event of its own: have it handled as soon as the loop runs.
	 */
	if (c->iev.ibuf.rlen > c->iev.ibuf.roff)
		event_active(&c->iev.ev, EV_READ, 1);
}

static void
proc_chan_event(int fd, short event, void *arg)
{
	struct proc_chan	*c = arg;

	if (dispatch(&c->iev, event, proc_name(c->id), proc_chan_imsg,
	    c->eof != NULL ? proc_chan_eof : NULL))
		proc_chan_arm(c);
}

/*
 * What a process composes on a channel leaves once the loop has run
 * what is ready: the messages of one turn go in one write, and the
 * channel's event stays EV_READ, as arming and disarming EV_WRITE for
 * each message would cost two epoll_ctl.  Only a write the peer could
 * not take whole waits for EV_WRITE.
 */
static void
proc_chan_arm(struct proc_chan *c)
{
	if (imsgbuf_queuelen(&c->iev.ibuf) == 0)
		c->blocked = 0;
	if (imsgbuf_queuelen(&c->iev.ibuf) == 0 || c->blocked) {
		imsg_event_add(&c->iev);
		return;
	}
	imsg_event_set(&c->iev, EV_READ);
	if (c->out_due)
		return;
	if (!event_initialized(&c->ev_out))
		event_set(&c->ev_out, -1, 0, proc_chan_out, c);
	c->out_due = 1;
	event_active(&c->ev_out, EV_WRITE, 1);
}

static void
proc_chan_out(int fd, short event, void *arg)
{
	struct proc_chan	*c = arg;

	c->out_due = 0;
	if (!c->open)
		return;
	/* a peer that died is the reaper's to explain, as in proc_io() */
	if (imsgbuf_write(&c->iev.ibuf) == -1 && errno != EPIPE)
		fatal("%s channel: write", proc_name(c->id));
	c->blocked = imsgbuf_queuelen(&c->iev.ibuf) > 0;
	if (c->listening)
		proc_chan_arm(c);
}

static void
proc_chan_eof(struct imsgev *iev)
{
	struct proc_chan	*c = iev->data;

	c->eof(c->id);
}

/* what every process understands, then the daemon's own messages */
static int
proc_chan_imsg(struct imsgev *iev, struct imsg *imsg)
{
	struct proc_chan	*c = iev->data;
	char			*msg;

	if (me == PROC_PARENT) {
		switch (imsg->hdr.type) {
		case IMSG_PROC_READY:
			imsg_expect(imsg, 0, "IMSG_PROC_READY");
			if (state[c->id].ready)
				fatalx("%s: ready twice", proc_name(c->id));
			state[c->id].ready = 1;
			log_debug("%s process %d is up", proc_name(c->id),
			    (int)state[c->id].pid);
			/* in the background first: success says nothing */
			if (proc_all_ready()) {
				evtimer_del(&ev_start);
				proc_detach_done();
				proc_notify("READY=1");
				if (all_ready != NULL)
					all_ready();
			}
			return (0);
		case IMSG_PROC_FATAL:
			msg = imsg->data;
			if (IMSG_DATA_SIZE(imsg) == 0 ||
			    msg[IMSG_DATA_SIZE(imsg) - 1] != '\0')
				fatalx("IMSG_PROC_FATAL: malformed");
			proc_relay(c->id, msg);
			return (0);
		case IMSG_PROC_DONE:
			imsg_expect(imsg, 0, "IMSG_PROC_DONE");
			proc_done(c->id);
			return (-1);
		}
	}
	return (c->fn(c->id, imsg));
}

static void
proc_chan_close(struct proc_chan *c)
{
	if (!c->open)
		return;
	if (event_initialized(&c->iev.ev))
		event_del(&c->iev.ev);
	if (event_initialized(&c->ev_out))
		event_del(&c->ev_out);
	c->out_due = c->blocked = 0;
	imsgbuf_clear(&c->iev.ibuf);
	close(c->iev.ibuf.fd);
	c->iev.ibuf.fd = -1;
	c->open = c->listening = 0;
}

/*
 * A child that died: what it said before, IMSG_PROC_FATAL above all,
 * is still in its channel.  Read it before the reaper reports.
 */
static void
proc_chan_drain(struct proc_chan *c)
{
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;
	char		*msg;

	while (c->open) {
		n = imsgbuf_read(&c->iev.ibuf);
		while ((r = imsg_get(&c->iev.ibuf, &imsg)) == 1) {
			msg = imsg.data;
			if (imsg.hdr.type == IMSG_PROC_FATAL &&
			    IMSG_DATA_SIZE(&imsg) > 0 &&
			    msg[IMSG_DATA_SIZE(&imsg) - 1] == '\0')
				proc_relay(c->id, msg);
			imsg_free(&imsg);
		}
		if (r == -1 || n <= 0)
			break;
	}
}

void
proc_eof_ignore(int id)
{
	struct proc_chan	*c = &chans[id];

	if (event_initialized(&c->iev.ev))
		event_del(&c->iev.ev);
	c->listening = 0;
}

int
proc_compose(int id, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	struct proc_chan	*c = &chans[id];

	if (id < 0 || id >= nprocs || !c->open) {
		errno = EPIPE;
		return (-1);
	}
	if (imsg_compose(&c->iev.ibuf, type, peerid, 0, fd, data, len) == -1)
		return (-1);
	if (c->listening)
		proc_chan_arm(c);
	return (0);
}

int
proc_composev(int id, uint32_t type, uint32_t peerid, int fd,
    const struct iovec *iov, int iovcnt)
{
	struct proc_chan	*c = &chans[id];

	if (id < 0 || id >= nprocs || !c->open) {
		errno = EPIPE;
		return (-1);
	}
	if (imsg_composev(&c->iev.ibuf, type, peerid, 0, fd, iov,
	    iovcnt) == -1)
		return (-1);
	if (c->listening)
		proc_chan_arm(c);
	return (0);
}

int
proc_flush(int id)
{
	struct proc_chan	*c = &chans[id];

	if (id < 0 || id >= nprocs || !c->open) {
		errno = EPIPE;
		return (-1);
	}
	return (imsgbuf_flush(&c->iev.ibuf));
}

void
proc_compose_children(uint32_t type, uint32_t peerid, const void *data,
    size_t len)
{
	int	i;

	for (i = 1; i < nprocs; i++)
		if (chans[i].open && proc_compose(i, type, peerid, -1, data,
		    len) == -1)
			fatal("imsg_compose");
}

int
proc_all_ready(void)
{
	int	i;

	for (i = 1; i < nprocs; i++)
		if (!state[i].ready)
			return (0);
	return (1);
}

static void
proc_ask_stop(int id)
{
	if (state[id].asked || state[id].exited || !chans[id].open)
		return;
	state[id].asked = 1;
	if (proc_compose(id, IMSG_PROC_SHUTDOWN, 0, -1, NULL, 0) == -1)
		fatal("imsg_compose");
}

void
proc_stop(void)
{
	int	i;

	if (!stopping)
		proc_notify("STOPPING=1");
	stopping = 1;
	for (i = 1; i < nprocs; i++)
		if (procs[i].stop_after == PROC_PARENT)
			proc_ask_stop(i);
}

void
proc_done(int id)
{
	/* nothing new is taken on once a child has finished */
	stopping = 1;
	state[id].may_exit = 1;
	proc_chan_close(&chans[id]);
}

int
proc_stopping(void)
{
	return (stopping);
}

/* log how a child ended; 1 if it should not have: signal, failure, unasked */
static int
proc_ended(int id)
{
	struct proc_state	*p = &state[id];
	const char		*name = proc_name(id);

	if (WIFSIGNALED(p->status) && WTERMSIG(p->status) == SIGSYS) {
		/* the seccomp filter's verdict (sandbox.c) */
		log_warnx("%s process %d killed by SIGSYS: a system call "
		    "outside its sandbox", name, (int)p->pid);
		return (1);
	}
	if (WIFSIGNALED(p->status)) {
		log_warnx("%s process %d terminated by signal %d", name,
		    (int)p->pid, WTERMSIG(p->status));
		return (1);
	}
	if (WEXITSTATUS(p->status) != 0) {
		log_warnx("%s process %d exited with status %d", name,
		    (int)p->pid, WEXITSTATUS(p->status));
		return (1);
	}
	if (!p->may_exit) {
		log_warnx("%s process %d exited unexpectedly", name,
		    (int)p->pid);
		return (1);
	}
	log_debug("%s process %d exited", name, (int)p->pid);
	return (0);
}

/* children ignore SIGTERM (the parent orders shutdown): SIGKILL them */
static void
proc_kill_all(void)
{
	int	i;

	for (i = 1; i < nprocs; i++)
		if (state[i].pid > 0 && !state[i].exited)
			kill(state[i].pid, SIGKILL);
	for (i = 1; i < nprocs; i++) {
		if (state[i].pid <= 0 || state[i].exited ||
		    waitpid(state[i].pid, &state[i].status, 0) !=
		    state[i].pid)
			continue;
		state[i].exited = 1;
		/*
		 * One that ended on its own before our SIGKILL says why:
		 * a sibling's death may have been reaped first.
		 */
		if (!WIFSIGNALED(state[i].status) ||
		    WTERMSIG(state[i].status) != SIGKILL) {
			proc_chan_drain(&chans[i]);
			proc_ended(i);
		}
	}
}

int
proc_reap(void)
{
	pid_t	pid;
	int	i, j, status, bad = 0, all = 1;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 1; i < nprocs; i++)
			if (state[i].pid == pid)
				break;
		if (i == nprocs)
			continue;
		state[i].exited = 1;
		state[i].status = status;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
		    !state[i].may_exit)
			proc_chan_drain(&chans[i]);
		if (proc_ended(i))
			bad = 1;
	}
	if (bad) {
		proc_kill_all();
		log_warnx("a child process died: exiting");
		return (-1);
	}
	for (i = 1; i < nprocs; i++) {
		if (!state[i].exited) {
			all = 0;
			continue;
		}
		/* nothing is left for those that came after it */
		for (j = 1; j < nprocs; j++)
			if (procs[j].stop_after == i)
				proc_ask_stop(j);
	}
	return (all);
}

void
proc_recv(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct pollfd	pfd;
	ssize_t		n;
	int		r;

	for (;;) {
		if ((r = imsg_get(ibuf, imsg)) == -1)
			fatal("%s: imsg_get", __func__);
		if (r == 1)
			return;
		pfd.fd = ibuf->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((n = imsgbuf_read(ibuf)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fatal("%s: read", __func__);
		}
		if (n == 0)
			fatalx("%s: the channel was closed", __func__);
	}
}

void
proc_wait(int id, proc_handler fn, const int *until)
{
	struct imsg	imsg;
	int		r;

	while (!*until) {
		proc_recv(&chans[id].iev.ibuf, &imsg);
		r = fn(id, &imsg);
		imsg_free(&imsg);
		if (r == -1)
			fatalx("%s: %s closed the channel", __func__,
			    proc_name(id));
	}
}

void
imsg_expect(const struct imsg *imsg, size_t len, const char *what)
{
	if (IMSG_DATA_SIZE(imsg) != len)
		fatalx("%s: wrong length %zu, expected %zu", what,
		    IMSG_DATA_SIZE(imsg), len);
}

static int
proc_io(struct imsgev *iev, short event, const char *name)
{
	struct imsgbuf	*ibuf = &iev->ibuf;
	ssize_t		 n;

	if (event & EV_READ) {
		n = imsgbuf_read(ibuf);
		/*
		 * A peer that died with our messages unread resets the
		 * channel: that is its end, which the reaper explains.
		 */
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return (0);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			fatal("%s channel: read", name);
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(ibuf) == -1 && errno != EPIPE)
			fatal("%s channel: write", name);
	}
	return (1);
}

void
proc_dispatch(struct imsgev *iev, short event, const char *name,
    int (*fn)(struct imsgev *, struct imsg *), void (*eof)(struct imsgev *))
{
	if (dispatch(iev, event, name, fn, eof))
		imsg_event_add(iev);
}

/* proc_dispatch() but the re-arming: 1 if the channel is to be re-armed */
static int
dispatch(struct imsgev *iev, short event, const char *name,
    int (*fn)(struct imsgev *, struct imsg *), void (*eof)(struct imsgev *))
{
	struct imsg	imsg;
	int		r, closed;

	closed = proc_io(iev, event, name) == 0;
	/*
	 * What arrived before the peer closed is handled first: a
	 * parent's last order comes just before its close.
	 */
	for (;;) {
		if ((r = imsg_get(&iev->ibuf, &imsg)) == -1)
			fatal("%s channel: imsg_get", name);
		if (r == 0)
			break;
		r = fn(iev, &imsg);
		imsg_free(&imsg);
		if (r == -1)
			return (0);
	}
	if (closed) {
		if (eof == NULL)
			fatalx("%s closed the channel", name);
		eof(iev);
		return (0);
	}
	return (1);
}
