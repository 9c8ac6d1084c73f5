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
 * The children's sandboxes: resource limits and a seccomp filter.  The
 * allow lists were found by tracing the daemons through the regress
 * suite, plain and under the sanitizers (regress/syscalls.sh), and by
 * reading what the libraries do on paths the suite does not take.
 * Here is what every child needs; each role adds its own in its file.
 * Whatever is not listed kills the process.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "proc.h"
#include "sandbox.h"

/*
 * AddressSanitizer reserves terabytes of address space for its shadow
 * and its runtime makes calls of its own.  gcc says it is on with
 * __SANITIZE_ADDRESS__, clang with __has_feature.  (make san builds
 * UBSan along with it; UBSan alone has no macro to tell.)
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN	1
#endif
#endif

/*
 * RLIMIT_NOFILE is one more than the highest descriptor a process may
 * open, and descriptors are handed out lowest first, so each limit is
 * the count of what the role holds at most.  Every child has stdin,
 * stdout and stderr, its channels (to the parent and to the siblings
 * the process table gives it), the syslog socket (without -d), and
 * from event_init(), before its configuration, libevent's epoll
 * descriptor and the two ends of its signal pipe; the role adds what
 * it opens itself.
 */
#define FDS_STDIO	3
#define FDS_SYSLOG	1
#define FDS_EVENT	(1 + 2)

static void	 add(scmp_filter_ctx, uint32_t, int,
		    const struct scmp_arg_cmp *);
static void	 sandbox_refuse_if(scmp_filter_ctx, int, int,
		    struct scmp_arg_cmp);
static void	 rules_child(scmp_filter_ctx, int);
#ifdef SANDBOX_ASAN
static void	 rules_asan(scmp_filter_ctx);
#endif
static void	 limit(int, const char *, rlim_t);
#ifdef NCAP_SANDBOX_SELFTEST
static void	 selftest(void);
#endif

void
sandbox_enter(const struct sandbox *sb)
{
	scmp_filter_ctx	 ctx;
	rlim_t		 nofile;
	int		 r, nchan = proc_nchannels();

	nofile = FDS_STDIO + (rlim_t)nchan + FDS_SYSLOG + FDS_EVENT + sb->fds;
	/* no core file shows what the process held */
	limit(RLIMIT_CORE, "RLIMIT_CORE", 0);
	/*
	 * no new process: the filter denies fork and exec as well (and
	 * allows a role that runs threads clone for threads alone)
	 */
	if (!sb->threads)
		limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0);
	limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", nofile);
#ifndef SANDBOX_ASAN
	if (sb->data != 0)
		limit(RLIMIT_DATA, "RLIMIT_DATA", sb->data);
#endif

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	/* every thread under the filter, should a library have one yet */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) {
		errno = -r;
		fatal("seccomp TSYNC");
	}
	rules_child(ctx, nchan);
	sb->rules(ctx);
#ifdef SANDBOX_ASAN
	rules_asan(ctx);
#endif
	if ((r = seccomp_load(ctx)) < 0) {
		errno = -r;
		fatal("seccomp_load");
	}
	seccomp_release(ctx);
	log_debug("sandbox %s entered, %llu descriptors",
	    proc_name(proc_self()), (unsigned long long)nofile);
#ifdef NCAP_SANDBOX_SELFTEST
	selftest();
#endif
}

#ifdef NCAP_SANDBOX_SELFTEST
/*
 * Regress binaries only: NCAP_SANDBOX_SELFTEST=role[:call] makes that
 * role, once sandboxed, make a call no child may make, which must kill
 * it.  The calls are what a parser taken over would try first.  The
 * call "fatal" is none: a fatal error, which must not be taken for one.
 */
static void
selftest(void)
{
	const char	*s, *role = proc_name(proc_self()), *call;
	size_t		 len = strlen(role);
	char *const	 argv[] = { (char *)(uintptr_t)"true", NULL };
	struct msghdr	 msg;
	struct sockaddr_in sin;
	uint64_t	 cl[8];		/* struct clone_args, version 0 */
	char		 c;
	long		 r = -1;

	if ((s = getenv("NCAP_SANDBOX_SELFTEST")) == NULL ||
	    strncmp(s, role, len) != 0 || (s[len] != '\0' && s[len] != ':'))
		return;
	call = s[len] == ':' ? s + len + 1 : "socket";
	log_info("selftest: %s inside the sandbox", strcmp(call, "socket") ==
	    0 ? "socket(AF_INET)" : call);
	if (strcmp(call, "socket") == 0)
		r = socket(AF_INET, SOCK_DGRAM, 0);
	else if (strcmp(call, "execve") == 0)
		r = execve("/bin/true", argv, NULL);
	else if (strcmp(call, "ptrace") == 0)
		r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (strcmp(call, "fork") == 0) {
		if ((r = fork()) == 0)
			_exit(0);
	} else if (strcmp(call, "clone3") == 0) {
		/*
		 * fork() is clone(); clone3 is the other way to a new
		 * process (flags 0: a copy, which no signal reports)
		 */
		memset(cl, 0, sizeof(cl));
		if ((r = syscall(SYS_clone3, cl, sizeof(cl))) == 0)
			_exit(0);
	} else if (strcmp(call, "open-write") == 0)
		/* not the receiver's append-only, no-follow kind either */
		r = open("selftest", O_RDWR | O_CREAT | O_TRUNC, 0600);
	else if (strcmp(call, "sendmsg") == 0) {
		/* on a descriptor that is not one of its channels */
		memset(&msg, 0, sizeof(msg));
		r = sendmsg(STDIN_FILENO, &msg, 0);
	} else if (strcmp(call, "sendto") == 0) {
		/*
		 * to an address, on a descriptor that is not a socket the
		 * role may send from (the collector's receiver acks on its
		 * own socket only)
		 */
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(9);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = sendto(STDIN_FILENO, "", 0, 0, (struct sockaddr *)&sin,
		    sizeof(sin));
	} else if (strcmp(call, "recvfrom") == 0)
		/* on a descriptor that is not the sensor's UDP socket */
		r = recvfrom(STDIN_FILENO, &c, 1, MSG_DONTWAIT, NULL, NULL);
	else if (strcmp(call, "open-append") == 0)
		/* the receiver's kind: the control for the one above */
		r = open("selftest", O_WRONLY | O_APPEND | O_CREAT |
		    O_NOFOLLOW, 0600);
	else if (strcmp(call, "fatal") == 0)
		/* no call: a fatal error must end the role as itself */
		fatalx("selftest: a fatal error");
	else
		fatalx("selftest: unknown call %s", call);
	if (r == -1)
		fatal("selftest: %s was refused, not killed", call);
	fatalx("selftest: %s was allowed", call);
}
#endif

static void
limit(int resource, const char *name, rlim_t value)
{
	struct rlimit	rl;

	/* the hard limit too, so nothing can raise it again */
	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) == -1)
		fatal("setrlimit %s", name);
}

/* (libseccomp's SCMP_A* macros leave a field out, which clang warns of) */
struct scmp_arg_cmp
sandbox_eq(unsigned int n, scmp_datum_t v)
{
	struct scmp_arg_cmp	c;

	memset(&c, 0, sizeof(c));
	c.arg = n;
	c.op = SCMP_CMP_EQ;
	c.datum_a = v;
	return (c);
}

struct scmp_arg_cmp
sandbox_masked(unsigned int n, scmp_datum_t mask, scmp_datum_t v)
{
	struct scmp_arg_cmp	c;

	memset(&c, 0, sizeof(c));
	c.arg = n;
	c.op = SCMP_CMP_MASKED_EQ;
	c.datum_a = mask;
	c.datum_b = v;
	return (c);
}

static void
add(scmp_filter_ctx ctx, uint32_t action, int nr,
    const struct scmp_arg_cmp *cmp)
{
	char	*name;
	int	 r;

	if ((r = seccomp_rule_add_array(ctx, action, nr, cmp != NULL ? 1 : 0,
	    cmp)) < 0) {
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		fatalx("seccomp rule for %s: %s", name != NULL ? name : "?",
		    strerror(-r));
	}
}

void
sandbox_allow(scmp_filter_ctx ctx, int nr)
{
	add(ctx, SCMP_ACT_ALLOW, nr, NULL);
}

/* allowed when one argument compares as cmp says, else the default */
void
sandbox_allow_if(scmp_filter_ctx ctx, int nr, struct scmp_arg_cmp cmp)
{
	add(ctx, SCMP_ACT_ALLOW, nr, &cmp);
}

/* fails with error when one argument compares as cmp says */
static void
sandbox_refuse_if(scmp_filter_ctx ctx, int error, int nr,
    struct scmp_arg_cmp cmp)
{
	add(ctx, SCMP_ACT_ERRNO((uint32_t)error), nr, &cmp);
}

/* what every child does once sandboxed: its loop, channels and log */
static void
rules_child(scmp_filter_ctx ctx, int nchan)
{
	int	fd;

	/*
	 * The loop, which event_init() made before the sandbox (its epoll
	 * descriptor, its signal pipe, its set-id check before it reads
	 * EVENT_* variables need nothing here)
	 */
	sandbox_allow(ctx, SCMP_SYS(epoll_ctl));
	sandbox_allow(ctx, SCMP_SYS(epoll_wait));
	/* proc_wait_close() waits for the parent with poll; so does pcap */
	sandbox_allow(ctx, SCMP_SYS(poll));
	/*
	 * The imsg channels to the parent and to the siblings, and no
	 * other descriptor: sendmsg could otherwise reach any address
	 * through a UDP socket.  recvmsg also reads the receiver's
	 * datagrams.
	 */
	for (fd = PROC_FD_BASE; fd < PROC_FD_BASE + nchan; fd++)
		sandbox_allow_if(ctx, SCMP_SYS(sendmsg), sandbox_eq(0,
		    (scmp_datum_t)fd));
	sandbox_allow(ctx, SCMP_SYS(recvmsg));
	/* log lines to stderr (-d) */
	sandbox_allow(ctx, SCMP_SYS(write));
	/* syslog sends on its connected socket: never to an address */
	sandbox_allow_if(ctx, SCMP_SYS(sendto), sandbox_eq(4, 0));
	/* syslog's LOG_PID, and abort() finding itself */
	sandbox_allow(ctx, SCMP_SYS(getpid));
	/*
	 * When syslogd restarts, syslog makes a new socket: inside the
	 * chroot it could reach nothing anyway, so it fails instead of
	 * killing us.  Any other socket() kills.
	 */
	sandbox_refuse_if(ctx, EACCES, SCMP_SYS(socket),
	    sandbox_eq(0, AF_UNIX));
	/*
	 * Libraries probe files (libpcap its interface statistics when
	 * the capture ends, the sanitizers /proc on a report): opening to
	 * read fails, as it would in the chroot, instead of killing.
	 */
	sandbox_refuse_if(ctx, EACCES, SCMP_SYS(openat),
	    sandbox_masked(2, O_ACCMODE, O_RDONLY));
	/* isatty(), which stdio and the sanitizers ask: no terminal */
	sandbox_refuse_if(ctx, ENOTTY, SCMP_SYS(ioctl),
	    sandbox_eq(1, TCGETS));
	/* malloc: the heap, large blocks mapped, resized and unmapped */
	sandbox_allow(ctx, SCMP_SYS(brk));
	sandbox_allow_if(ctx, SCMP_SYS(mmap), sandbox_masked(2, PROT_EXEC, 0));
	sandbox_allow(ctx, SCMP_SYS(mremap));
	sandbox_allow(ctx, SCMP_SYS(munmap));
	/* the vDSO's fallbacks: libevent and log_warnx_rl read clocks */
	sandbox_allow(ctx, SCMP_SYS(clock_gettime));
	sandbox_allow(ctx, SCMP_SYS(clock_getres));
	sandbox_allow(ctx, SCMP_SYS(gettimeofday));
	sandbox_allow(ctx, SCMP_SYS(time));
	/* a call interrupted by a stop signal goes on after SIGCONT */
	sandbox_allow(ctx, SCMP_SYS(restart_syscall));
	sandbox_allow(ctx, SCMP_SYS(close));
	sandbox_allow(ctx, SCMP_SYS(exit_group));
	sandbox_allow(ctx, SCMP_SYS(exit));
	/* abort(), after a failed assertion in a library, signals itself */
	sandbox_allow(ctx, SCMP_SYS(rt_sigprocmask));
	sandbox_allow(ctx, SCMP_SYS(gettid));
	sandbox_allow_if(ctx, SCMP_SYS(tgkill),
	    sandbox_eq(0, (scmp_datum_t)getpid()));
	sandbox_allow(ctx, SCMP_SYS(rt_sigreturn));
}

/* both crypto roles: keys in libsodium's guarded memory */
void
sandbox_allow_keymem(scmp_filter_ctx ctx)
{
	/* randombytes and crypto_box_keypair: the kernel's getrandom */
	sandbox_allow(ctx, SCMP_SYS(getrandom));
	/*
	 * sodium_malloc, sodium_mprotect_* and sodium_free: guard pages
	 * (never executable), locked and kept out of core dumps
	 */
	sandbox_allow_if(ctx, SCMP_SYS(mprotect), sandbox_masked(2, PROT_EXEC,
	    0));
	sandbox_allow(ctx, SCMP_SYS(mlock));
	sandbox_allow(ctx, SCMP_SYS(munlock));
	sandbox_allow(ctx, SCMP_SYS(madvise));
}

void
sandbox_allow_append(scmp_filter_ctx ctx)
{
	sandbox_allow_if(ctx, SCMP_SYS(openat), sandbox_masked(2,
	    O_ACCMODE | O_APPEND | O_NOFOLLOW | O_TRUNC,
	    O_WRONLY | O_APPEND | O_NOFOLLOW));
}

#ifdef SANDBOX_ASAN
/* what the sanitizer runtime does in a running child */
static void
rules_asan(scmp_filter_ctx ctx)
{
	/* it looks at the signal stack before every noreturn call */
	sandbox_allow(ctx, SCMP_SYS(sigaltstack));
	/* its allocator hands freed pages back */
	sandbox_allow(ctx, SCMP_SYS(madvise));
	/* the unwinder behind a report's stack trace runs pthread_once */
	sandbox_allow(ctx, SCMP_SYS(futex));
	/*
	 * A report looks for the binary and /proc, which the chroot hides
	 * anyway; the runtime uses open, not openat.
	 */
	add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(readlink), NULL);
	add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(open), NULL);
}
#endif
