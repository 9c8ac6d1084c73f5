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
 * The daemon end of the control socket, in the parent.  Requests are
 * small fixed-size imsgs from local users with access to the socket;
 * a connection that sends anything malformed is closed, never fatal.
 *
 * What a client can make the daemon hold is bounded: CTL_MAX_CONNS
 * connections a socket, each with one request at a time and one
 * answer it has not read.  A connection closed while a child answers
 * its request keeps its place until the answer comes (and is thrown
 * away), so that connecting, asking and hanging up in a loop cannot
 * pile up requests at a child that is slow, nor answers from it.  One
 * idle for CTL_IDLE seconds, without a request under way, is closed.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <event.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "control.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define CTL_MAX_CONNS	16		/* per socket */
#define CTL_MAX_KV	65536		/* values in one answer, 14 MB */
#define CTL_MAX_QUEUED	80		/* messages a client leaves unread */
#define CTL_IDLE	10		/* seconds a connection may idle */

struct ctl_listener {
	struct event	 ev;
	int		 fd;
	int		 restricted;
	unsigned int	 nconns;
	const struct ctl_command *cmds;
	size_t		 ncmds;
};

static void	 control_accept(int, short, void *);
static void	 control_dispatch(int, short, void *);
static void	 control_close(struct ctl_conn *);
static void	 control_idle(int, short, void *);
static void	 control_request(const struct ctl_listener *,
		    struct ctl_conn *, const struct imsg *);

static TAILQ_HEAD(, ctl_conn)	 conns = TAILQ_HEAD_INITIALIZER(conns);
static uint32_t			 lastid;
static struct ctl_listener	 listeners[2];
static int			 nlisteners;
static struct log_ratelimit	 rl_ctl;

int
control_open(const char *path, int restricted)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return (-1);
	}
	/* a socket left by an earlier run goes; anything else stays */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control socket %s: exists and is not a "
			    "socket", path);
			return (-1);
		}
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1) {
			log_warn("control socket: socket");
			return (-1);
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			log_warnx("control socket %s: in use by a running "
			    "daemon", path);
			close(fd);
			return (-1);
		}
		close(fd);
		if (unlink(path) == -1) {
			log_warn("control socket %s: unlink", path);
			return (-1);
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket: socket");
		return (-1);
	}
	old = umask(restricted ? 0111 : 0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("control socket %s: bind", path);
		umask(old);
		close(fd);
		return (-1);
	}
	umask(old);
	/* the umask made it 0660 or 0666: no chmod() that a link could divert */
	if (listen(fd, 8) == -1) {
		log_warn("control socket %s", path);
		close(fd);
		unlink(path);
		return (-1);
	}
	return (fd);
}

void
control_cleanup(const char *path)
{
	if (path != NULL && path[0] != '\0')
		unlink(path);
}

void
control_listen(int fd, int restricted, const struct ctl_command *cmds,
    size_t ncmds)
{
	struct ctl_listener	*l;

	if (nlisteners == (int)(sizeof(listeners) / sizeof(listeners[0])))
		fatalx("%s: too many control sockets", __func__);
	l = &listeners[nlisteners++];
	l->fd = fd;
	l->restricted = restricted;
	l->cmds = cmds;
	l->ncmds = ncmds;
	event_set(&l->ev, fd, EV_READ | EV_PERSIST, control_accept, l);
	event_add(&l->ev, NULL);
}

static void
control_accept(int fd, short event, void *arg)
{
	struct ctl_listener	*l = arg;
	struct ctl_conn		*c;
	int			 s;

	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control socket: accept");
		return;
	}
	/* each socket its own share: the restricted one cannot lock root out */
	if (l->nconns >= CTL_MAX_CONNS) {
		log_warnx_rl(&rl_ctl, "control socket: more than %d "
		    "connections, closing the new one", CTL_MAX_CONNS);
		close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control socket");
		close(s);
		return;
	}
	if (imsgbuf_init(&c->iev.ibuf, s) == -1) {
		log_warn("control socket");
		close(s);
		free(c);
		return;
	}
	/* ids are never 0: 0 means no control connection on a channel */
	if (++lastid == 0)
		lastid = 1;
	c->id = lastid;
	c->restricted = l->restricted;
	c->iev.handler = control_dispatch;
	c->iev.data = l;
	TAILQ_INSERT_TAIL(&conns, c, entry);
	l->nconns++;
	evtimer_set(&c->ev_idle, control_idle, c);
	evtimer_add_ms(&c->ev_idle, CTL_IDLE * 1000);
	imsg_event_add(&c->iev);
}

struct ctl_conn *
control_find(uint32_t id)
{
	struct ctl_conn	*c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->id == id)
			return (c);
	return (NULL);
}

/*
 * The connection is closed; while a child answers its request it
 * stays, closed, until control_result() frees it.
 */
static void
control_close(struct ctl_conn *c)
{
	struct ctl_listener	*l = c->iev.data;

	if (!c->closed) {
		event_del(&c->iev.ev);
		close(c->iev.ibuf.fd);
		imsgbuf_clear(&c->iev.ibuf);
		free(c->kv);
		c->kv = NULL;
		c->nkv = c->kvsize = 0;
		c->closed = 1;
	}
	evtimer_del(&c->ev_idle);
	if (c->busy)
		return;
	TAILQ_REMOVE(&conns, c, entry);
	l->nconns--;
	free(c);
}

/* idle: closed, unless a request is under way */
static void
control_idle(int fd, short event, void *arg)
{
	struct ctl_conn	*c = arg;

	if (c->busy) {
		evtimer_add_ms(&c->ev_idle, CTL_IDLE * 1000);
		return;
	}
	log_warnx_rl(&rl_ctl, "control socket: idle for %d seconds, closing",
	    CTL_IDLE);
	control_close(c);
}

static void
control_dispatch(int fd, short event, void *arg)
{
	struct imsgev		*iev = arg;
	struct ctl_conn		*c = (struct ctl_conn *)((char *)iev -
				    offsetof(struct ctl_conn, iev));
	struct ctl_listener	*l = iev->data;
	struct imsg		 imsg;
	ssize_t			 n;
	int			 r;
	uint32_t		 id = c->id;

	if (event & EV_READ) {
		if (((n = imsgbuf_read(&iev->ibuf)) == -1 && errno != EAGAIN &&
		    errno != EINTR) || n == 0) {
			control_close(c);
			return;
		}
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			control_close(c);
			return;
		}
	}
	for (;;) {
		if ((r = imsg_get(&iev->ibuf, &imsg)) == -1) {
			log_warnx_rl(&rl_ctl, "control socket: malformed "
			    "message, closing");
			control_close(c);
			return;
		}
		if (r == 0)
			break;
		if (imsg.fd != -1) {
			close(imsg.fd);
			imsg.fd = -1;
		}
		/*
		 * one request at a time: ncctl waits for its answer, and
		 * reads all of it
		 */
		if (c->busy || imsgbuf_queuelen(&iev->ibuf) > 0) {
			imsg_free(&imsg);
			log_warnx_rl(&rl_ctl, "control socket: a request "
			    "before the last was %s, closing", c->busy ?
			    "answered" : "read");
			control_close(c);
			return;
		}
		c->busy = 1;
		control_request(l, c, &imsg);
		imsg_free(&imsg);
		/* answering may have closed it */
		if ((c = control_find(id)) == NULL)
			return;
	}
	if (imsgbuf_queuelen(&iev->ibuf) > CTL_MAX_QUEUED) {
		log_warnx_rl(&rl_ctl, "control socket: client does not read, "
		    "closing");
		control_close(c);
		return;
	}
	imsg_event_add(iev);
}

void
control_kv(struct ctl_conn *c, const char *section, const char *item,
    const char *key, const char *str, uint64_t num)
{
	struct ctl_kv	*kv;
	size_t		 n;

	if (c->closed)
		return;
	if (c->nkv == CTL_MAX_KV) {
		c->dropped++;
		return;
	}
	if (c->nkv == c->kvsize) {
		n = c->kvsize ? c->kvsize * 2 : 64;
		if ((kv = reallocarray(c->kv, n, sizeof(*kv))) == NULL)
			fatal(NULL);
		c->kv = kv;
		c->kvsize = n;
	}
	kv = &c->kv[c->nkv++];
	memset(kv, 0, sizeof(*kv));
	strlcpy(kv->section, section, sizeof(kv->section));
	strlcpy(kv->item, item, sizeof(kv->item));
	strlcpy(kv->key, key, sizeof(kv->key));
	if (str != NULL)
		strlcpy(kv->str, str, sizeof(kv->str));
	kv->num = num;
}

void
control_result(struct ctl_conn *c, int status, const char *fmt, ...)
{
	struct ctl_result	 res;
	va_list			 ap;
	size_t			 i, k, per = IMSG_MAXDATA / sizeof(struct ctl_kv);

	/* for a connection gone: nothing to say, and its place is free */
	if (c->closed) {
		c->busy = 0;
		control_close(c);
		return;
	}
	for (i = 0; i < c->nkv; i += k) {
		k = c->nkv - i < per ? c->nkv - i : per;
		if (imsg_compose(&c->iev.ibuf, IMSG_CTL_KV, 0, 0, -1,
		    c->kv + i, k * sizeof(*c->kv)) == -1)
			fatal("imsg_compose");
	}
	free(c->kv);
	c->kv = NULL;
	c->nkv = c->kvsize = 0;
	memset(&res, 0, sizeof(res));
	res.status = status;
	va_start(ap, fmt);
	vsnprintf(res.msg, sizeof(res.msg), fmt, ap);
	va_end(ap);
	if (c->dropped > 0 && res.msg[0] == '\0')
		snprintf(res.msg, sizeof(res.msg), "answer cut short: %zu "
		    "values left out", c->dropped);
	c->dropped = 0;
	c->busy = 0;
	if (imsg_compose_event(&c->iev, IMSG_CTL_RESULT, 0, 0, -1, &res,
	    sizeof(res)) == -1)
		fatal("imsg_compose");
	evtimer_add_ms(&c->ev_idle, CTL_IDLE * 1000);
}

/*
 * A request, looked up in the daemon's table: refused when unknown,
 * not for the restricted socket, malformed, or when the daemon is on
 * its way out.
 */
static void
control_request(const struct ctl_listener *l, struct ctl_conn *c,
    const struct imsg *imsg)
{
	const struct ctl_command	*cmd;
	size_t				 i;

	for (i = 0; i < l->ncmds; i++)
		if (l->cmds[i].type == imsg->hdr.type)
			break;
	if (i == l->ncmds) {
		control_result(c, 1, "unknown request %u", imsg->hdr.type);
		return;
	}
	cmd = &l->cmds[i];
	if (c->restricted && !cmd->restricted) {
		control_result(c, 1, "not allowed on the restricted control "
		    "socket");
		return;
	}
	if (proc_stopping()) {
		control_result(c, 1, "shutting down");
		return;
	}
	if (IMSG_DATA_SIZE(imsg) != cmd->len) {
		control_result(c, 1, "malformed request");
		return;
	}
	cmd->fn(c, imsg);
}

/*
 * A request a child answers, with the connection's id.  A child gone
 * by now (the daemon is stopping) answers nothing: we say so.
 */
int
control_ask(struct ctl_conn *c, int id, uint32_t type)
{
	/* the rest of an answer nobody waits for: not asked */
	if (c->closed) {
		control_result(c, 1, "%s", "");
		return (-1);
	}
	if (proc_compose(id, type, c->id, -1, NULL, 0) == -1) {
		if (errno != EPIPE)
			fatal("imsg_compose");
		control_result(c, 1, "shutting down");
		return (-1);
	}
	return (0);
}

/*
 * show config goes from process to process in table order: once
 * process from has answered, the next one is asked, or the answer is
 * complete.
 */
void
control_config_next(struct ctl_conn *c, int from)
{
	if (from + 1 < proc_count())
		control_ask(c, from + 1, IMSG_CTL_SHOW_CONFIG);
	else
		control_result(c, 0, "%s", "");
}

/* log verbose|brief: ours, then the children's, then the answer */
void
control_log_verbose(struct ctl_conn *c, const struct imsg *imsg)
{
	int	v;

	memcpy(&v, imsg->data, sizeof(v));
	v = v ? 1 : 0;
	log_setverbose(v);
	proc_compose_children(IMSG_CTL_LOG_VERBOSE, 0, &v, sizeof(v));
	log_info("logging %s", v ? "verbose" : "brief");
	control_result(c, 0, "logging %s", v ? "verbose" : "brief");
}

/* show config: a section per process, a row per keyword */
void
control_config_kv(struct ctl_conn *c, const char *name,
    const struct conf_keyword *kw, size_t n, const void *conf)
{
	char	value[sizeof(((struct ctl_kv *)0)->str)];
	size_t	i;

	for (i = 0; i < n; i++) {
		conf_value(value, sizeof(value), &kw[i], conf);
		control_kv(c, name, kw[i].name, "value", value, 0);
	}
}

/*
 * A reload that cannot be: said in the log and, when ncctl asked (c is
 * not NULL), to it.
 */
void
control_reload_refused(struct ctl_conn *c, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("reload: %s", msg);
	if (c != NULL)
		control_result(c, 1, "%s", msg);
}

/* the uint64_t counters of a struct, each under its key */
void
control_kv_fields(struct ctl_conn *c, const char *section, const char *item,
    const void *base, const struct ctl_field *f, size_t n)
{
	uint64_t	v;
	size_t		i;

	for (i = 0; i < n; i++) {
		memcpy(&v, (const unsigned char *)base + f[i].off, sizeof(v));
		control_kv(c, section, item, f[i].key, NULL, v);
	}
}

/*
 * The same counters as " key value" pairs into buf, for the totals a
 * daemon logs at exit, less those ncctl alone shows; the length, as
 * snprintf's (at least len when cut short).
 */
size_t
control_fields_line(char *buf, size_t len, const void *base,
    const struct ctl_field *f, size_t n)
{
	uint64_t	v;
	size_t		i, off = 0;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		if (f[i].shown)
			continue;
		memcpy(&v, (const unsigned char *)base + f[i].off, sizeof(v));
		off += (size_t)snprintf(buf + off, len - off, " %s %llu",
		    f[i].key, (unsigned long long)v);
	}
	return (off);
}
