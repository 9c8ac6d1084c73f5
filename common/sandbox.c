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
 * The children's sandboxes: resource limits and a seccomp filter per
 * role.  The allow lists were found by tracing the daemons through the
 * regress suite, plain and under the sanitizers (regress/syscalls.sh),
 * and by reading what the libraries do on paths the suite does not
 * take.  Whatever is not listed kills the process.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "privsep.h"
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
 * stdout and stderr, its channels to the parent and to its sibling,
 * the syslog socket (without -d), and from event_init() libevent's
 * epoll descriptor and the two ends of its signal pipe.
 */
#define FDS_CHILD	(3 + 2 + 1 + 1 + 2)
/* the capture also has its socket to the collector and the pcap handle */
#define FDS_CAPTURE	(FDS_CHILD + 2)
/* the crypto children have nothing more */
#define FDS_CRYPTO	FDS_CHILD
/*
 * The receiver has its UDP socket and the spool files, one more than
 * it keeps: spool.c opens a new file before it closes the oldest.
 */
#define FDS_RECEIVER	(FDS_CHILD + 1 + SPOOL_MAX_OPEN + 1)

/*
 * A crypto child's data (RLIMIT_DATA: heap and private writable
 * mappings) is one or two MB at rest: the libraries' own and its two
 * 256 kB imsg read buffers.  At worst its queue back to its network
 * child holds an answer for every datagram that child may have in
 * flight, 256 of at most 64 kB for the receiver, 64 for the capture:
 * 17 MB.  64 MB leaves room for that and still stops a runaway.
 */
#define DATA_CRYPTO	((rlim_t)64 * 1024 * 1024)

static struct scmp_arg_cmp arg_eq(unsigned int, scmp_datum_t);
static struct scmp_arg_cmp arg_masked(unsigned int, scmp_datum_t,
		    scmp_datum_t);
static void	 add(scmp_filter_ctx, uint32_t, int,
		    const struct scmp_arg_cmp *);
static void	 allow(scmp_filter_ctx, int);
static void	 allow_if(scmp_filter_ctx, int, struct scmp_arg_cmp);
static void	 refuse_if(scmp_filter_ctx, int, int, struct scmp_arg_cmp);
static void	 rules_child(scmp_filter_ctx);
static void	 rules_capture(scmp_filter_ctx);
static void	 rules_crypto(scmp_filter_ctx);
static void	 rules_receiver(scmp_filter_ctx);
#ifdef SANDBOX_ASAN
static void	 rules_asan(scmp_filter_ctx);
#endif
static void	 limit(int, const char *, rlim_t);

static const struct sandbox {
	const char	*name;		/* the role, as -P names it */
	void		(*rules)(scmp_filter_ctx);
	rlim_t		 nofile;
	rlim_t		 data;		/* 0: no limit */
} sandboxes[] = {
	[SANDBOX_CAPTURE] = { "capture", rules_capture, FDS_CAPTURE, 0 },
	[SANDBOX_SENSOR_CRYPTO] = { "crypto", rules_crypto, FDS_CRYPTO,
	    DATA_CRYPTO },
	[SANDBOX_RECEIVER] = { "receiver", rules_receiver, FDS_RECEIVER, 0 },
	[SANDBOX_COLLECTOR_CRYPTO] = { "crypto", rules_crypto, FDS_CRYPTO,
	    DATA_CRYPTO },
};

void
sandbox_enter(enum sandbox_role role)
{
	const struct sandbox	*sb;
	scmp_filter_ctx		 ctx;
	int			 r;
#ifdef NCAP_SANDBOX_SELFTEST
	const char		*s;
#endif

	if ((unsigned int)role >= sizeof(sandboxes) / sizeof(sandboxes[0]))
		fatalx("%s: no sandbox %d", __func__, (int)role);
	sb = &sandboxes[role];

	/* no core file shows what the process held */
	limit(RLIMIT_CORE, "RLIMIT_CORE", 0);
	/* no new process: the filter denies fork and exec as well */
	limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0);
	limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", sb->nofile);
#ifndef SANDBOX_ASAN
	if (sb->data != 0)
		limit(RLIMIT_DATA, "RLIMIT_DATA", sb->data);
#endif

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	rules_child(ctx);
	sb->rules(ctx);
#ifdef SANDBOX_ASAN
	rules_asan(ctx);
#endif
	if ((r = seccomp_load(ctx)) < 0) {
		errno = -r;
		fatal("seccomp_load");
	}
	seccomp_release(ctx);
	log_debug("sandbox %s entered, %llu descriptors", sb->name,
	    (unsigned long long)sb->nofile);

#ifdef NCAP_SANDBOX_SELFTEST
	/*
	 * Regress binaries only: the role the environment names opens a
	 * network socket, which no child may, and must die of it.
	 */
	if ((s = getenv("NCAP_SANDBOX_SELFTEST")) != NULL &&
	    strcmp(s, sb->name) == 0) {
		log_info("selftest: socket(AF_INET) inside the sandbox");
		if (socket(AF_INET, SOCK_DGRAM, 0) == -1)
			fatal("selftest: socket(AF_INET) was refused, not "
			    "killed");
		fatalx("selftest: socket(AF_INET) was allowed");
	}
#endif
}

static void
limit(int resource, const char *name, rlim_t value)
{
	struct rlimit	rl;

	/* the hard limit too, so nothing can raise it again */
	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) == -1)
		fatal("setrlimit %s", name);
}

/*
 * Argument n is v, or is v once masked.  (libseccomp's SCMP_A* macros
 * leave a field out, which clang warns of.)
 */
static struct scmp_arg_cmp
arg_eq(unsigned int n, scmp_datum_t v)
{
	struct scmp_arg_cmp	c;

	memset(&c, 0, sizeof(c));
	c.arg = n;
	c.op = SCMP_CMP_EQ;
	c.datum_a = v;
	return (c);
}

static struct scmp_arg_cmp
arg_masked(unsigned int n, scmp_datum_t mask, scmp_datum_t v)
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

static void
allow(scmp_filter_ctx ctx, int nr)
{
	add(ctx, SCMP_ACT_ALLOW, nr, NULL);
}

/* allowed when one argument compares as cmp says, else the default */
static void
allow_if(scmp_filter_ctx ctx, int nr, struct scmp_arg_cmp cmp)
{
	add(ctx, SCMP_ACT_ALLOW, nr, &cmp);
}

/* fails with error when one argument compares as cmp says */
static void
refuse_if(scmp_filter_ctx ctx, int error, int nr, struct scmp_arg_cmp cmp)
{
	add(ctx, SCMP_ACT_ERRNO((uint32_t)error), nr, &cmp);
}

/* what every child does once sandboxed: its loop, channels and log */
static void
rules_child(scmp_filter_ctx ctx)
{
	/* event_init() comes after us: epoll, libevent's signal pipe... */
	allow(ctx, SCMP_SYS(epoll_create1));
	allow(ctx, SCMP_SYS(pipe2));
	/* ... and its set-id check before it reads EVENT_* variables */
	allow(ctx, SCMP_SYS(getuid));
	allow(ctx, SCMP_SYS(geteuid));
	allow(ctx, SCMP_SYS(getgid));
	allow(ctx, SCMP_SYS(getegid));
	/* the loop itself */
	allow(ctx, SCMP_SYS(epoll_ctl));
	allow(ctx, SCMP_SYS(epoll_wait));
	/* proc_wait_close() waits for the parent with poll; so does pcap */
	allow(ctx, SCMP_SYS(poll));
	/*
	 * The imsg channels to the parent and to the sibling, and no other
	 * descriptor: sendmsg could otherwise reach any address through a
	 * UDP socket.  recvmsg also reads the receiver's datagrams.
	 */
	allow_if(ctx, SCMP_SYS(sendmsg), arg_eq(0, PROC_PARENT_FD));
	allow_if(ctx, SCMP_SYS(sendmsg), arg_eq(0, PROC_PEER_FD));
	allow(ctx, SCMP_SYS(recvmsg));
	/* log lines to stderr (-d) */
	allow(ctx, SCMP_SYS(write));
	/* syslog sends on its connected socket: never to an address */
	allow_if(ctx, SCMP_SYS(sendto), arg_eq(4, 0));
	/* syslog's LOG_PID, and abort() finding itself */
	allow(ctx, SCMP_SYS(getpid));
	/*
	 * When syslogd restarts, syslog makes a new socket: inside the
	 * chroot it could reach nothing anyway, so it fails instead of
	 * killing us.  Any other socket() kills.
	 */
	refuse_if(ctx, EACCES, SCMP_SYS(socket), arg_eq(0, AF_UNIX));
	/*
	 * Libraries probe files (libpcap its interface statistics when
	 * the capture ends, the sanitizers /proc on a report): opening to
	 * read fails, as it would in the chroot, instead of killing.
	 */
	refuse_if(ctx, EACCES, SCMP_SYS(openat),
	    arg_masked(2, O_ACCMODE, O_RDONLY));
	/* isatty(), which stdio and the sanitizers ask: no terminal */
	refuse_if(ctx, ENOTTY, SCMP_SYS(ioctl), arg_eq(1, TCGETS));
	/* malloc: the heap, large blocks mapped, resized and unmapped */
	allow(ctx, SCMP_SYS(brk));
	allow_if(ctx, SCMP_SYS(mmap), arg_masked(2, PROT_EXEC, 0));
	allow(ctx, SCMP_SYS(mremap));
	allow(ctx, SCMP_SYS(munmap));
	/* the vDSO's fallbacks: libevent and log_warnx_rl read clocks */
	allow(ctx, SCMP_SYS(clock_gettime));
	allow(ctx, SCMP_SYS(clock_getres));
	allow(ctx, SCMP_SYS(gettimeofday));
	allow(ctx, SCMP_SYS(time));
	/* a call interrupted by a stop signal goes on after SIGCONT */
	allow(ctx, SCMP_SYS(restart_syscall));
	allow(ctx, SCMP_SYS(close));
	allow(ctx, SCMP_SYS(exit_group));
	allow(ctx, SCMP_SYS(exit));
	/* abort(), after a failed assertion in a library, signals itself */
	allow(ctx, SCMP_SYS(rt_sigprocmask));
	allow(ctx, SCMP_SYS(gettid));
	allow_if(ctx, SCMP_SYS(tgkill), arg_eq(0, (scmp_datum_t)getpid()));
	allow(ctx, SCMP_SYS(rt_sigreturn));
}

/* ncagentd's capture child: reads packets, sends datagrams */
static void
rules_capture(scmp_filter_ctx ctx)
{
	/* the capture file of -r */
	allow(ctx, SCMP_SYS(read));
	/* pcap_stats() and pcap's look at a socket error after poll */
	allow_if(ctx, SCMP_SYS(getsockopt), arg_eq(1, SOL_PACKET));
	allow_if(ctx, SCMP_SYS(getsockopt), arg_eq(1, SOL_SOCKET));
	/*
	 * When the interface goes down, pcap finds which one it was bound
	 * to and reads its flags: up again, or gone?
	 */
	allow(ctx, SCMP_SYS(getsockname));
	allow_if(ctx, SCMP_SYS(ioctl), arg_eq(1, SIOCGIFFLAGS));
	/* send() to the collector is sendto() with no address: above */
}

/* both crypto children: keys in libsodium's guarded memory */
static void
rules_crypto(scmp_filter_ctx ctx)
{
	/* randombytes and crypto_box_keypair: the kernel's getrandom */
	allow(ctx, SCMP_SYS(getrandom));
	/*
	 * sodium_malloc, sodium_mprotect_* and sodium_free: guard pages
	 * (never executable), locked and kept out of core dumps
	 */
	allow_if(ctx, SCMP_SYS(mprotect), arg_masked(2, PROT_EXEC, 0));
	allow(ctx, SCMP_SYS(mlock));
	allow(ctx, SCMP_SYS(munlock));
	allow(ctx, SCMP_SYS(madvise));
}

/* nccollectd's receiver child: its root is the spool */
static void
rules_receiver(scmp_filter_ctx ctx)
{
	/* a directory per sensor */
	allow(ctx, SCMP_SYS(mkdir));
	/*
	 * and a file per record type, opened write-only to append, never
	 * truncated on open and never through a symbolic link: the
	 * receiver cannot read what it stored
	 */
	allow_if(ctx, SCMP_SYS(openat), arg_masked(2,
	    O_ACCMODE | O_APPEND | O_NOFOLLOW | O_TRUNC,
	    O_WRONLY | O_APPEND | O_NOFOLLOW));
	/* the size of a file opened, where the next batch goes */
	allow(ctx, SCMP_SYS(fstat));
	allow(ctx, SCMP_SYS(newfstatat));
	/* a failed append is cut back to whole batches */
	allow(ctx, SCMP_SYS(ftruncate));
}

#ifdef SANDBOX_ASAN
/* what the sanitizer runtime does in a running child */
static void
rules_asan(scmp_filter_ctx ctx)
{
	/* it looks at the signal stack before every noreturn call */
	allow(ctx, SCMP_SYS(sigaltstack));
	/* its allocator hands freed pages back */
	allow(ctx, SCMP_SYS(madvise));
	/* the unwinder behind a report's stack trace runs pthread_once */
	allow(ctx, SCMP_SYS(futex));
	/*
	 * A report looks for the binary and /proc, which the chroot hides
	 * anyway; the runtime uses open, not openat.
	 */
	add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(readlink), NULL);
	add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(open), NULL);
}
#endif
