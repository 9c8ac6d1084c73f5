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
 * its NUL, a value is printed as the file would have it.  And what a
 * child does with its parent's messages, proc_child_imsg(): each to
 * the role's hook, verbose to the log, lengths checked, and anything
 * it has no hook for fatal.
 *
 * Then a daemon of four children, run twice, each time by a process
 * forked for it: the parent spawns them from the table (each re-executes
 * this binary with -P and its name), every child comes up in a real
 * sandbox (sandbox.c's filter for every child, nothing of its own) and
 * says so, messages go parent to child, child to parent and child to
 * each sibling it has a channel to, and to no other; then either an
 * orderly shutdown on SIGTERM in the order stop_after gives, or one
 * child killed, which the parent notices and reaps, killing the rest.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "control.h"
#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "tap.h"
#include "util.h"

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

/* -- a child's messages from its parent, to its role's hooks */

enum {
	T_CONF = 1,	/* part of a configuration: reconf's */
	T_OWN,		/* the role's own: other's */
	T_STRANGE,	/* nobody's */
};

/* which hooks ran, in order, with which peerid */
static char	 hooked[128];

static void __attribute__((__format__(printf, 1, 2)))
hook_ran(const char *fmt, ...)
{
	va_list	ap;
	size_t	n = strlen(hooked);

	va_start(ap, fmt);
	vsnprintf(hooked + n, sizeof(hooked) - n, fmt, ap);
	va_end(ap);
}

static int
hook_reconf(const struct imsg *imsg)
{
	if (imsg->hdr.type != T_CONF)
		return (-1);
	hook_ran("reconf;");
	return (0);
}

static void
hook_shutdown(void)
{
	hook_ran("shutdown;");
}

static void
hook_stats(uint32_t peerid)
{
	hook_ran("stats %u;", peerid);
}

static void
hook_config(uint32_t peerid)
{
	hook_ran("config %u;", peerid);
}

static int
hook_other(struct imsg *imsg)
{
	if (imsg->hdr.type != T_OWN)
		return (0);
	hook_ran("own %u;", imsg->hdr.peerid);
	return (1);
}

static const struct proc_child	 all_hooks = {
	hook_reconf, hook_shutdown, hook_stats, hook_config, hook_other
};
/* a role with no stats and no messages of its own, as crypto */
static const struct proc_child	 few_hooks = {
	hook_reconf, hook_shutdown, NULL, hook_config, NULL
};

/* what proc_child_imsg() is handed: len bytes of payload */
static int
to_child(uint32_t type, uint32_t peerid, const void *data, size_t len)
{
	struct imsg	imsg;
	unsigned char	buf[16];

	memset(&imsg, 0, sizeof(imsg));
	imsg.hdr.type = type;
	imsg.hdr.len = IMSG_HEADER_SIZE + len;
	imsg.hdr.peerid = peerid;
	imsg.fd = -1;
	if (len > 0) {
		memcpy(buf, data, len);
		imsg.data = buf;
	}
	hooked[0] = '\0';
	return (proc_child_imsg(PROC_PARENT, &imsg));
}

/* in a process of its own: 1 when the message was fatal, 0 when not */
static int
child_dies(const struct proc_child *h, uint32_t type, size_t len)
{
	unsigned char	data[16];
	pid_t		pid;
	int		status;

	memset(data, 0, sizeof(data));
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(99);
		proc_child_hooks(h);
		to_child(type, 0, data, len);
		_exit(0);
	}
	if (pid == -1 || waitpid(pid, &status, 0) != pid)
		return (-1);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

/* a message without payload, and the one hook it must run */
static const struct {
	uint32_t	 type;
	uint32_t	 peerid;
	const char	*hooked;
	const char	*what;
} routes[] = {
	{ T_CONF, 0, "reconf;",
	    "a configuration's message goes to reconf alone" },
	{ IMSG_CTL_SHOW_STATS, 7, "stats 7;",
	    "show stats goes to stats, for its connection" },
	{ IMSG_CTL_SHOW_CONFIG, 9, "config 9;",
	    "show config goes to config, for its connection" },
	{ T_OWN, 11, "own 11;", "the role's own message goes to other" },
	{ IMSG_PROC_SHUTDOWN, 0, "shutdown;",
	    "IMSG_PROC_SHUTDOWN goes to shutdown" },
};

static void
child_hooks(void)
{
	size_t	i;
	int	v;

	proc_child_hooks(&all_hooks);
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		ok(to_child(routes[i].type, routes[i].peerid, NULL, 0) == 0 &&
		    strcmp(hooked, routes[i].hooked) == 0, "%s (%s)",
		    routes[i].what, hooked);
	v = 1;
	ok(to_child(IMSG_CTL_LOG_VERBOSE, 0, &v, sizeof(v)) == 0 &&
	    log_getverbose() == 1 && hooked[0] == '\0',
	    "log verbose: the level taken, no hook run");
	v = 0;
	ok(to_child(IMSG_CTL_LOG_VERBOSE, 0, &v, sizeof(v)) == 0 &&
	    log_getverbose() == 0, "log brief: the level taken");

	ok(child_dies(&all_hooks, IMSG_CTL_SHOW_STATS, 0) == 0,
	    "the forked check survives a good message");
	ok(child_dies(&all_hooks, T_STRANGE, 0) == 1,
	    "a message neither the hooks nor other know is fatal");
	ok(child_dies(&few_hooks, T_OWN, 0) == 1,
	    "without other, a message of no hook is fatal");
	ok(child_dies(&few_hooks, IMSG_CTL_SHOW_STATS, 0) == 1,
	    "show stats to a role without stats is fatal");
	ok(child_dies(&all_hooks, IMSG_PROC_SHUTDOWN, 1) == 1 &&
	    child_dies(&all_hooks, IMSG_CTL_SHOW_STATS, 4) == 1 &&
	    child_dies(&all_hooks, IMSG_CTL_SHOW_CONFIG, 4) == 1,
	    "shutdown, show stats and show config with a payload are fatal");
	ok(child_dies(&all_hooks, IMSG_CTL_LOG_VERBOSE, sizeof(int) - 1) ==
	    1 && child_dies(&all_hooks, IMSG_CTL_LOG_VERBOSE, sizeof(int) +
	    1) == 1, "log verbose of another length than an int is fatal");
}

/* -- the daemon of four children */

enum {
	T_PING = 1,	/* parent -> child: say who you are */
	T_PONG,		/* child -> parent: struct pong */
	T_SEND,		/* parent -> child: send T_HELLO to this sibling */
	T_HELLO,	/* child -> sibling: struct pair */
	T_HEARD,	/* sibling -> parent: the T_HELLO, and whence */
	T_REFUSED,	/* child -> parent: proc_compose() to it failed */
	T_BYE,		/* child -> parent: shutting down, as asked */
};

struct pong {
	int	 id;		/* proc_self() */
	int	 asked;		/* the id the parent's T_PING was sent to */
	pid_t	 pid;
	char	 name[16];
};

struct pair {
	int	 from;		/* the sender, as it says */
	int	 to;		/* the sibling it sent to */
	int	 via;		/* the channel the sibling had it on */
};

#define NCHILD		4
#define VICTIM		2	/* the child killed in the second run */
#define DEADLINE_MS	20000	/* a run takes well under a second */

static void	 child_main(void);
static void	 rules_none(scmp_filter_ctx);

/* the filter every child has, nothing of its own */
static const struct sandbox	 test_sandbox = { rules_none, 0, 0, 0 };

/*
 * a, b and c talk to each other, d to the parent only; a and b stop
 * when the parent asks, c once a has exited, d once c has
 */
static const struct proc_def	 table[1 + NCHILD] = {
	{ "parent", NULL, NULL, 0, PROC_PARENT },
	{ "a", child_main, &test_sandbox, PROC_BIT(2) | PROC_BIT(3),
	    PROC_PARENT },
	{ "b", child_main, &test_sandbox, PROC_BIT(1) | PROC_BIT(3),
	    PROC_PARENT },
	{ "c", child_main, &test_sandbox, PROC_BIT(1) | PROC_BIT(2), 1 },
	{ "d", child_main, &test_sandbox, 0, 3 },
};

static void
rules_none(scmp_filter_ctx ctx)
{
}

static void
child_send(int to, uint32_t type, const void *data, size_t len)
{
	if (proc_compose(to, type, 0, -1, data, len) == -1)
		fatal("proc_compose to %s", proc_name(to));
}

static int
child_imsg(int from, struct imsg *imsg)
{
	struct pong	pong;
	struct pair	pair;
	int		id;

	switch (imsg->hdr.type) {
	case T_PING:
		imsg_expect(imsg, sizeof(id), "T_PING");
		memcpy(&id, imsg->data, sizeof(id));
		memset(&pong, 0, sizeof(pong));
		pong.id = proc_self();
		pong.asked = from == PROC_PARENT ? id : -1;
		pong.pid = getpid();
		strlcpy(pong.name, proc_name(proc_self()), sizeof(pong.name));
		child_send(PROC_PARENT, T_PONG, &pong, sizeof(pong));
		break;
	case T_SEND:
		imsg_expect(imsg, sizeof(id), "T_SEND");
		memcpy(&id, imsg->data, sizeof(id));
		memset(&pair, 0, sizeof(pair));
		pair.from = proc_self();
		pair.to = id;
		pair.via = -1;
		if (proc_compose(id, T_HELLO, 0, -1, &pair, sizeof(pair)) == -1)
			child_send(PROC_PARENT, T_REFUSED, &pair, sizeof(pair));
		break;
	case T_HELLO:
		imsg_expect(imsg, sizeof(pair), "T_HELLO");
		memcpy(&pair, imsg->data, sizeof(pair));
		pair.via = from;
		if (pair.to != proc_self())
			pair.to = -proc_self();
		child_send(PROC_PARENT, T_HEARD, &pair, sizeof(pair));
		break;
	case IMSG_PROC_SHUTDOWN:
		imsg_expect(imsg, 0, "IMSG_PROC_SHUTDOWN");
		child_send(PROC_PARENT, T_BYE, NULL, 0);
		proc_child_done();
	default:
		fatalx("unexpected imsg %u", imsg->hdr.type);
	}
	return (0);
}

/* every child: the shape of a role file's body */
static void
child_main(void)
{
	int	i;

	event_init();
	proc_sandbox();
	proc_listen(PROC_PARENT, child_imsg, NULL);
	for (i = 1; i < proc_count(); i++)
		if (table[proc_self()].peers & PROC_BIT(i))
			proc_listen(i, child_imsg, proc_eof_ignore);
	proc_child_ready();
	event_dispatch();
	fatalx("event loop ended");
}

/* the parent's side of one run, in the process forked for it */
enum run_kind { RUN_STOP, RUN_KILL };

static enum run_kind	 kind;
static int		 resfd = -1;
static int		 ready_calls;
static struct pong	 pongs[1 + NCHILD];
static int		 ours[1 + NCHILD];	/* the parent's child */
static int		 npongs;
/* what became of a T_HELLO from i to j: 0 nothing, else its imsg type */
static int		 routed[1 + NCHILD][1 + NCHILD];
static int		 misrouted, nrouted;
static int		 byes[NCHILD], nbyes;
static int		 reaped;	/* proc_reap(): 1 all exited, -1 bad */
static int		 timedout;

/* one result, for the test process to print */
static void __attribute__((__format__(printf, 2, 3)))
report(int cond, const char *fmt, ...)
{
	char	buf[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dprintf(resfd, "%d %s\n", cond ? 1 : 0, buf);
}

static pid_t
ppid_of(pid_t pid)
{
	char	 path[64];
	FILE	*fp;
	int	 ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	/* pid (comm) state ppid: comm is ours, without spaces */
	if (fscanf(fp, "%*d %*s %*c %d", &ppid) != 1)
		ppid = -1;
	fclose(fp);
	return ((pid_t)ppid);
}

static int
parent_send(int to, uint32_t type, int arg)
{
	return (proc_compose(to, type, 0, -1, &arg, sizeof(arg)));
}

static void
parent_ready(void)
{
	int	i;

	ready_calls++;
	for (i = 1; i <= NCHILD; i++)
		if (parent_send(i, T_PING, i) == -1)
			fatal("proc_compose");
}

/* every child answered: try every sibling from every child, or kill */
static void
parent_pinged(void)
{
	int	i, j;

	if (kind == RUN_KILL) {
		if (kill(pongs[VICTIM].pid, SIGKILL) == -1)
			fatal("kill");
		return;
	}
	for (i = 1; i <= NCHILD; i++)
		for (j = 1; j <= NCHILD; j++)
			if (i != j && parent_send(i, T_SEND, j) == -1)
				fatal("proc_compose");
}

static int
parent_imsg(int from, struct imsg *imsg)
{
	struct pair	pair;

	switch (imsg->hdr.type) {
	case T_PONG:
		imsg_expect(imsg, sizeof(struct pong), "T_PONG");
		if (pongs[from].pid != 0)
			fatalx("%s answered twice", proc_name(from));
		memcpy(&pongs[from], imsg->data, sizeof(struct pong));
		ours[from] = ppid_of(pongs[from].pid) == getpid();
		if (++npongs == NCHILD)
			parent_pinged();
		break;
	case T_HEARD:
	case T_REFUSED:
		imsg_expect(imsg, sizeof(pair), "T_HEARD");
		memcpy(&pair, imsg->data, sizeof(pair));
		if (pair.from < 1 || pair.from > NCHILD || pair.to < 1 ||
		    pair.to > NCHILD || routed[pair.from][pair.to] != 0) {
			misrouted++;
			break;
		}
		/* heard by the one it was for, on the sender's channel */
		if (imsg->hdr.type == T_HEARD && (from != pair.to ||
		    pair.via != pair.from))
			misrouted++;
		/* refused by the sender itself */
		if (imsg->hdr.type == T_REFUSED && from != pair.from)
			misrouted++;
		routed[pair.from][pair.to] = (int)imsg->hdr.type;
		/* as a daemon is stopped */
		if (++nrouted == NCHILD * (NCHILD - 1) &&
		    kill(getpid(), SIGTERM) == -1)
			fatal("kill");
		break;
	case T_BYE:
		imsg_expect(imsg, 0, "T_BYE");
		if (nbyes < NCHILD)
			byes[nbyes++] = from;
		break;
	default:
		fatalx("%s: unexpected imsg %u", proc_name(from),
		    imsg->hdr.type);
	}
	return (0);
}

/* what was lost stays lost: say what arrived */
static void
parent_deadline(int fd, short event, void *arg)
{
	timedout = 1;
	event_loopexit(NULL);
}

static int
bye_index(int id)
{
	int	i;

	for (i = 0; i < nbyes; i++)
		if (byes[i] == id)
			return (i);
	return (-1);
}

static int
gone(pid_t pid)
{
	return (pid > 0 && kill(pid, 0) == -1 && errno == ESRCH);
}

static void
parent_results(void)
{
	const struct proc_def	*p;
	int			 i, j, want, distinct = 1;

	report(!timedout, "the run ended within %d s", DEADLINE_MS / 1000);
	report(ready_calls == 1 && proc_all_ready(), "all %d children "
	    "came up and said so, and the parent was told once", NCHILD);
	for (i = 1; i <= NCHILD; i++) {
		for (j = 1; j < i; j++)
			if (pongs[j].pid == pongs[i].pid)
				distinct = 0;
		report(pongs[i].id == i && pongs[i].asked == i &&
		    strcmp(pongs[i].name, table[i].name) == 0, "parent -> "
		    "%s -> parent: the T_PING sent to id %d was answered by "
		    "%s, id %d", table[i].name, i, pongs[i].name, pongs[i].id);
		report(ours[i], "%s (pid %d) is a child of the parent",
		    table[i].name, (int)pongs[i].pid);
	}
	report(distinct, "each child is a process of its own");
	if (kind == RUN_KILL) {
		report(reaped == -1, "%s killed: proc_reap() says a child "
		    "died (%d)", table[VICTIM].name, reaped);
		for (i = 1; i <= NCHILD; i++)
			report(gone(pongs[i].pid), "%s (pid %d) is gone and "
			    "reaped", table[i].name, (int)pongs[i].pid);
		report(nbyes == 0, "no child was asked to shut down");
		return;
	}
	for (i = 1; i <= NCHILD; i++) {
		p = &table[i];
		for (j = 1; j <= NCHILD; j++) {
			if (i == j)
				continue;
			want = (p->peers & PROC_BIT(j)) ? T_HEARD : T_REFUSED;
			report(routed[i][j] == want, "%s -> %s: %s",
			    p->name, table[j].name, want == T_HEARD ?
			    "heard by it, on its channel from the sender" :
			    "refused, no channel between them");
		}
	}
	report(misrouted == 0, "nothing arrived elsewhere (%d)", misrouted);
	report(reaped == 1, "after IMSG_PROC_SHUTDOWN and IMSG_PROC_DONE "
	    "every child exited, none badly (proc_reap %d)", reaped);
	report(nbyes == NCHILD, "all %d were asked to shut down (%d)",
	    NCHILD, nbyes);
	for (i = 1; i <= NCHILD; i++) {
		p = &table[i];
		if (p->stop_after == PROC_PARENT)
			continue;
		report(bye_index(i) > bye_index(p->stop_after) &&
		    bye_index(p->stop_after) != -1, "%s was asked after %s, "
		    "which it stops after", p->name,
		    table[p->stop_after].name);
	}
	for (i = 1; i <= NCHILD; i++)
		report(gone(pongs[i].pid) && ppid_of(pongs[i].pid) == -1,
		    "%s (pid %d) is gone and reaped", table[i].name,
		    (int)pongs[i].pid);
}

/* a daemon's parent, in a process of its own: it never returns */
static __dead void
parent_run(const char *argv0)
{
	struct event	ev_sig[4], ev_deadline;
	int		i;

	log_init(1, LOG_DAEMON);
	log_setverbose(1);
	log_procinit("parent");
	proc_init_self();
	proc_init(table, 1 + NCHILD, 0, 1);
	event_init();
	proc_signals(ev_sig, "stopping", NULL);
	proc_spawn(argv0, parent_imsg, parent_ready);
	evtimer_set(&ev_deadline, parent_deadline, NULL);
	evtimer_add_ms(&ev_deadline, DEADLINE_MS);
	event_dispatch();
	/* the loop ends when proc_reap() says all exited or one failed */
	reaped = timedout ? 0 : proc_failed() ? -1 : 1;
	parent_results();
	/* children that are still there say what went wrong */
	for (i = 1; i <= NCHILD; i++)
		if (pongs[i].pid > 0 && !gone(pongs[i].pid))
			report(0, "%s (pid %d) is still running",
			    table[i].name, (int)pongs[i].pid);
	report(1, "finished");
	_exit(0);
}

/* count LOG's lines with "NAME process <pid> WHAT" */
static int
logged(const char *log, const char *name, const char *what)
{
	const char	*l, *p;
	char		 pre[32];
	int		 n = 0;

	snprintf(pre, sizeof(pre), " %s process ", name);
	for (l = log; l != NULL && *l != '\0'; l = strchr(l, '\n') ?
	    strchr(l, '\n') + 1 : NULL) {
		if ((p = strstr(l, pre)) == NULL || p > strchr(l, '\n'))
			continue;
		p += strlen(pre);
		if (*p < '0' || *p > '9')
			continue;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == ' ' && strncmp(p + 1, what, strlen(what)) == 0)
			n++;
	}
	return (n);
}

/* run the daemon once: its results become ours */
static void
daemon_run(enum run_kind k, const char *argv0)
{
	const char	*name = k == RUN_STOP ? "shutdown" : "kill";
	char		 path[] = "/tmp/t_proc.XXXXXX", line[512], *log;
	FILE		*fp;
	pid_t		 pid;
	int		 p[2], logfd, status, finished = 0, failed = nfail, i;
	size_t		 len;

	if (pipe(p) == -1 || (logfd = mkstemp(path)) == -1) {
		ok(0, "%s: pipe or mkstemp", name);
		return;
	}
	fflush(stdout);
	if ((pid = fork()) == -1) {
		ok(0, "%s: fork", name);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		if (dup2(logfd, STDERR_FILENO) == -1)
			_exit(99);
		resfd = p[1];
		kind = k;
		/* should even the deadline not end it */
		alarm(60);
		parent_run(argv0);
	}
	close(p[1]);
	if ((fp = fdopen(p[0], "r")) == NULL)
		err(1, "fdopen");
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) < 2)
			continue;
		if (strcmp(line + 2, "finished") == 0)
			finished = 1;
		else
			ok(line[0] == '1', "%s: %s", name, line + 2);
	}
	fclose(fp);
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	ok(finished && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: the parent ran to its end (status %d)", name, status);

	/* what the parent logged */
	len = (size_t)lseek(logfd, 0, SEEK_END);
	if ((log = calloc(1, len + 1)) == NULL ||
	    pread(logfd, log, len, 0) != (ssize_t)len)
		err(1, "log");
	for (i = 1; i <= NCHILD; i++)
		ok(logged(log, table[i].name, "is up") == 1,
		    "%s: the parent logged %s up", name, table[i].name);
	if (k == RUN_KILL) {
		ok(logged(log, table[VICTIM].name,
		    "terminated by signal 9") == 1 &&
		    strstr(log, "a child process died: exiting") != NULL,
		    "kill: the parent logged which child died, and how");
	} else {
		ok(strstr(log, "received signal 15, stopping") != NULL,
		    "shutdown: the parent logged SIGTERM");
		ok(strstr(log, "died") == NULL && strstr(log, "fatal") ==
		    NULL && strstr(log, "unexpectedly") == NULL,
		    "shutdown: the parent logged no failure");
	}
	if (nfail > failed && len > 0 &&
	    (fp = fmemopen(log, len, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL)
			printf("# %s", line);
		fclose(fp);
	}
	free(log);
	close(logfd);
	unlink(path);
}

int
main(int argc, char *argv[])
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
	int		 ch;

	/* a child of the daemon below, re-executed with -P and its name */
	while ((ch = getopt(argc, argv, "dP:v")) != -1) {
		if (ch != 'P')
			continue;
		log_init(1, LOG_DAEMON);
		proc_init(table, 1 + NCHILD, 0, 0);
		proc_child(optarg);
	}

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

	child_hooks();

	daemon_run(RUN_STOP, argv[0]);
	daemon_run(RUN_KILL, argv[0]);

	printf("1..%d\n", ntest);
	return (nfail ? 1 : 0);
}
