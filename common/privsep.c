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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "privsep.h"

static char	self[PATH_MAX];

void
proc_init_self(void)
{
	ssize_t	n;

	/* resolve now: the path stays right even if our cwd changes */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
}

pid_t
proc_start(const char *progname, const char *role, const int *fds,
    int nfds, int debug, int verbose)
{
	char	*argv[8];
	int	 argc = 0, i, moved[8];
	pid_t	 pid;

	if (nfds > 8)
		fatalx("%s: too many fds", __func__);
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		return (pid);
	}

	/* move the channels above their targets, then into place */
	for (i = 0; i < nfds; i++)
		if ((moved[i] = fcntl(fds[i], F_DUPFD, 3 + nfds)) == -1)
			fatal("fcntl F_DUPFD");
	for (i = 0; i < nfds; i++) {
		if (dup2(moved[i], PROC_PARENT_FD + i) == -1)
			fatal("dup2");
	}
	closefrom(PROC_PARENT_FD + nfds);

	/* we are about to exec: copies keep the strings writable, as execv wants */
	if ((argv[argc++] = strdup(progname)) == NULL ||
	    (argv[argc++] = strdup("-P")) == NULL ||
	    (argv[argc++] = strdup(role)) == NULL)
		fatal(NULL);
	if (debug && (argv[argc++] = strdup("-d")) == NULL)
		fatal(NULL);
	if (verbose && (argv[argc++] = strdup(verbose > 1 ? "-vv" : "-v")) ==
	    NULL)
		fatal(NULL);
	argv[argc] = NULL;
	execv(self, argv);
	fatal("execv %s", self);
}

void
priv_lookup(struct priv_user *u, const char *name)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno)
			fatal("getpwnam %s", name);
		fatalx("unknown user %s: create it or set \"user\" in the "
		    "configuration", name);
	}
	if (strlcpy(u->name, name, sizeof(u->name)) >= sizeof(u->name))
		fatalx("user name too long: %s", name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (u->uid == 0)
		fatalx("user %s is root: children must not run as root", name);
}

void
priv_drop(const struct priv_user *u, const char *root)
{
	if (chroot(root) == -1)
		fatal("chroot %s", root);
	if (chdir("/") == -1)
		fatal("chdir /");
	if (setgroups(1, &u->gid) == -1)
		fatal("setgroups");
	if (setresgid(u->gid, u->gid, u->gid) == -1)
		fatal("setresgid");
	if (setresuid(u->uid, u->uid, u->uid) == -1)
		fatal("setresuid");
	/* no execve can give back what we just dropped */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	if (setuid(0) != -1)
		fatalx("could regain root after dropping privileges");
}

int
priv_ensure_dir(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat	st;

	if (mkdir(path, mode) == 0) {
		/* created here: give it the owner and mode asked for */
		if (chown(path, uid, gid) == -1 || chmod(path, mode) == -1) {
			log_warn("%s", path);
			return (-1);
		}
		return (0);
	}
	if (errno != EEXIST) {
		log_warn("mkdir %s", path);
		return (-1);
	}
	/* an existing directory is checked, never changed */
	if (lstat(path, &st) == -1) {
		log_warn("stat %s", path);
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warnx("%s: not a directory", path);
		return (-1);
	}
	if (st.st_uid != uid) {
		log_warnx("%s: owned by uid %u, expected %u", path,
		    (unsigned int)st.st_uid, (unsigned int)uid);
		return (-1);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log_warnx("%s: writable by group or others", path);
		return (-1);
	}
	return (0);
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
			fatalx("%s: parent closed the channel", __func__);
	}
}

void
proc_close(struct imsgev *iev, uint32_t type)
{
	if (type != 0 && (imsg_compose(&iev->ibuf, type, 0, 0, -1, NULL,
	    0) == -1 || imsgbuf_flush(&iev->ibuf) == -1))
		log_warn("%s: last message", __func__);
	if (event_initialized(&iev->ev))
		event_del(&iev->ev);
	imsgbuf_clear(&iev->ibuf);
	close(iev->ibuf.fd);
	iev->ibuf.fd = -1;
}

__dead void
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
			exit(0);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			fatal("%s: read", __func__);
		/* nothing the parent says now matters: drop it */
		ibuf->rlen = 0;
	}
}

void
imsg_expect(const struct imsg *imsg, size_t len, const char *what)
{
	if (IMSG_DATA_SIZE(imsg) != len)
		fatalx("%s: wrong length %zu, expected %zu", what,
		    IMSG_DATA_SIZE(imsg), len);
}

/* log how a child ended; 1 if it should not have: signal, failure, unasked */
static int
proc_ended(const struct proc_child *p)
{
	if (WIFSIGNALED(p->status) && WTERMSIG(p->status) == SIGSYS) {
		/* the seccomp filter's verdict (sandbox.c) */
		log_warnx("%s process %d killed by SIGSYS: a system call "
		    "outside its sandbox", p->name, (int)p->pid);
		return (1);
	}
	if (WIFSIGNALED(p->status)) {
		log_warnx("%s process %d terminated by signal %d", p->name,
		    (int)p->pid, WTERMSIG(p->status));
		return (1);
	}
	if (WEXITSTATUS(p->status) != 0) {
		log_warnx("%s process %d exited with status %d", p->name,
		    (int)p->pid, WEXITSTATUS(p->status));
		return (1);
	}
	if (!p->may_exit) {
		log_warnx("%s process %d exited unexpectedly", p->name,
		    (int)p->pid);
		return (1);
	}
	log_debug("%s process %d exited", p->name, (int)p->pid);
	return (0);
}

int
proc_reap(struct proc_child *p, int n)
{
	pid_t	pid;
	int	i, status, bad = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n; i++)
			if (p[i].pid == pid)
				break;
		if (i == n)
			continue;
		p[i].exited = 1;
		p[i].status = status;
		if (proc_ended(&p[i]))
			bad = 1;
	}
	return (bad ? -1 : 0);
}

void
proc_kill_all(struct proc_child *p, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (p[i].pid > 0 && !p[i].exited)
			kill(p[i].pid, SIGKILL);
	for (i = 0; i < n; i++) {
		if (p[i].pid <= 0 || p[i].exited ||
		    waitpid(p[i].pid, &p[i].status, 0) != p[i].pid)
			continue;
		p[i].exited = 1;
		/*
		 * One that ended on its own before our SIGKILL says why:
		 * a sibling's death may have been reaped first.
		 */
		if (!WIFSIGNALED(p[i].status) ||
		    WTERMSIG(p[i].status) != SIGKILL)
			proc_ended(&p[i]);
	}
}

int
proc_all_exited(const struct proc_child *p, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (!p[i].exited)
			return (0);
	return (1);
}

int
proc_io(struct imsgev *iev, short event, const char *name)
{
	struct imsgbuf	*ibuf = &iev->ibuf;
	ssize_t		 n;

	if (event & EV_READ) {
		if ((n = imsgbuf_read(ibuf)) == -1 && errno != EAGAIN &&
		    errno != EINTR)
			fatal("%s channel: read", name);
		if (n == 0)
			return (0);
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(ibuf) == -1 && errno != EPIPE)
			fatal("%s channel: write", name);
	}
	return (1);
}

void
proc_spawn(const char *argv0, struct proc_child *p, struct imsgev *iev,
    void (*dispatch)(int, short, void *), int debug, int verbose)
{
	int	sp[3][2], i;

	for (i = 0; i < 3; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp[i]) == -1)
			fatal("socketpair");
	/* sp[2] joins the two children: the data path bypasses us */
	for (i = 0; i < 2; i++) {
		p[i].pid = proc_start(argv0, p[i].name,
		    (int []){ sp[i][1], sp[2][i] }, 2, debug, verbose);
		close(sp[i][1]);
		close(sp[2][i]);
		if (imsgbuf_init(&iev[i].ibuf, sp[i][0]) == -1)
			fatal("imsgbuf_init");
		iev[i].handler = dispatch;
		iev[i].data = &p[i];
	}
}

void
proc_signals(struct event *ev, void (*cb)(int, short, void *))
{
	static const int	sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	int			i;

	for (i = 0; i < 4; i++) {
		signal_set(&ev[i], sigs[i], cb, NULL);
		signal_add(&ev[i], NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

int
proc_sigchld(struct proc_child *p, struct imsgev *iev, uint32_t shutdown)
{
	if (proc_reap(p, 2) == -1) {
		proc_kill_all(p, 2);
		log_warnx("a child process died: exiting");
		return (-1);
	}
	if (p[0].exited && !p[1].may_exit) {
		/* the network child finished: nothing is left to seal */
		p[1].may_exit = 1;
		proc_close(&iev[1], shutdown);
	}
	return (proc_all_exited(p, 2));
}

void
proc_child_init(const char *role, struct imsgev *parent, struct imsgev *peer,
    uint32_t conftype, void *conf, size_t len)
{
	struct imsg	imsg;

	log_procinit(role);
	setproctitle("%s", role);
	/* the parent orders our shutdown; a terminal's ^C is for it */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (imsgbuf_init(&parent->ibuf, PROC_PARENT_FD) == -1 ||
	    imsgbuf_init(&peer->ibuf, PROC_PEER_FD) == -1)
		fatal("imsgbuf_init");
	proc_recv(&parent->ibuf, &imsg);
	if (imsg.hdr.type != conftype)
		fatalx("expected the configuration, got imsg %u",
		    imsg.hdr.type);
	imsg_expect(&imsg, len, "configuration");
	memcpy(conf, imsg.data, len);
	imsg_free(&imsg);
}

void
proc_dispatch(struct imsgev *iev, short event, const char *name,
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
			return;
	}
	if (closed) {
		if (eof == NULL)
			fatalx("%s closed the channel", name);
		eof(iev);
		return;
	}
	imsg_event_add(iev);
}

void
proc_eof_ignore(struct imsgev *iev)
{
	event_del(&iev->ev);
}
