/* SPDX-License-Identifier: ISC */
/*
 * preload.c - libporthole-preload.so, the bind() shim behind `porthole
 * exec`.  Loaded with LD_PRELOAD into a program that was never written
 * for porthole, it stands in front of the C library's bind():
 *
 *   1. the real bind() runs first, unchanged; whatever it says stands,
 *      except
 *   2. EACCES for an AF_INET or AF_INET6 address whose port is below
 *      net.ipv4.ip_unprivileged_port_start: the kernel has just said
 *      that this process lacks the privilege, so the program's own
 *      socket is sent to the broker (portholed, else porthole-helper),
 *      which binds it in place when the policy allows.  TCP sockets
 *      come back listening (S49); the program's own listen() then only
 *      sets its backlog.
 *
 * The contract of bind() is kept: 0, or -1 with the errno a privileged
 * bind() would have set (EADDRINUSE for a port in use, EINVAL for a
 * bound socket, EADDRNOTAVAIL, ...), and EACCES for every refusal.  No fd
 * of the program is touched, closed or reused: the socket goes to the
 * broker by SCM_RIGHTS (a copy in the kernel), and every fd we open (the
 * connection to the daemon, the helper's socketpair, the sysctl) is
 * O_CLOEXEC and closed before bind() returns, so none is left open
 * between calls and a program that closes every fd, or dup2()s over low
 * ones, loses nothing.  No allocation, lock or stdio on the way to the
 * broker (a bind() in a signal handler or in the child of a threaded
 * fork() still works), interrupted system calls are made again, the
 * helper is started without SIGCHLD (broker.c), and errno is left as it
 * was when bind() succeeds.
 *
 * A refusal is explained on stderr, at most MAX_NOTES times per process,
 * and only while fd 2 is still the file it was when the program started:
 * a program that has put something else on fd 2 never sees our text in
 * it.
 *
 * This is the program's own, unprivileged process: nothing here is
 * trusted by the broker, which checks the socket and the caller itself
 * (priv.c).  Only `bind` is exported (preload.map).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"
#include "paths.h"
#include "../cli/hint.h"	/* the denial hint, shared with porthole run */

#define MAX_NOTES	8	/* refusals explained per process */
#define SYSCTL_PORT	"/proc/sys/net/ipv4/ip_unprivileged_port_start"
#define NOINHERIT_ENV	"PORTHOLE_EXEC_NOINHERIT"

typedef int	(*bind_fn)(int, const struct sockaddr *, socklen_t);

static _Atomic(bind_fn)	real_bind;	/* the next bind(): libc's */
static dev_t		err_dev;	/* fd 2 when we were loaded */
static ino_t		err_ino;
static int		err_ok;
static atomic_int	notes;

static int
next_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	bind_fn	f = atomic_load(&real_bind);

	if (f != NULL)
		return f(fd, sa, len);
	/* Called before our constructor (another library's): the kernel. */
	return (int)syscall(SYS_bind, fd, sa, len);
}

/*
 * --no-inherit: take our own entry out of LD_PRELOAD (keeping any other),
 * so that what PROGRAM executes runs without us.  Runs in the constructor,
 * single-threaded, before the program's main().  PORTHOLE_EXEC_NOINHERIT
 * is "1", or "2" when PROGRAM is a "#!/usr/bin/env NAME" script: env is
 * loaded first and NAME, which is PROGRAM too, after it (exec.c).
 */
static void
strip_preload(void)
{
	static char	 buf[4096];
	const char	*v = getenv("LD_PRELOAD"), *p, *e;
	Dl_info		 di;
	size_t		 n, off = 0, self;

	(void)unsetenv(NOINHERIT_ENV);
	if (v == NULL || dladdr((void *)strip_preload, &di) == 0 ||
	    di.dli_fname == NULL)
		return;
	self = strlen(di.dli_fname);
	for (p = v; *p != '\0'; p = e) {
		while (*p == ' ' || *p == ':')
			p++;
		for (e = p; *e != '\0' && *e != ' ' && *e != ':'; e++)
			;
		n = (size_t)(e - p);
		if (n == 0 || (n == self && memcmp(p, di.dli_fname, n) == 0))
			continue;
		if (off + n + 2 > sizeof(buf))
			return;		/* too long to rewrite: leave it */
		if (off > 0)
			buf[off++] = ' ';
		memcpy(buf + off, p, n);
		off += n;
	}
	buf[off] = '\0';
	if (off == 0)
		(void)unsetenv("LD_PRELOAD");
	else
		(void)setenv("LD_PRELOAD", buf, 1);
}

__attribute__((constructor)) static void
preload_init(void)
{
	struct stat	 st;
	const char	*v;
	int		 saved = errno;

	atomic_store(&real_bind, (bind_fn)dlsym(RTLD_NEXT, "bind"));
	if (fstat(2, &st) == 0) {
		err_dev = st.st_dev;
		err_ino = st.st_ino;
		err_ok = 1;
	}
	if ((v = secure_getenv(NOINHERIT_ENV)) != NULL) {
		/* "2": we are env(1) of a "#!/usr/bin/env NAME" script, and
		 * NAME is still PROGRAM: pass on once more. */
		if (strcmp(v, "2") == 0)
			(void)setenv(NOINHERIT_ENV, "1", 1);
		else
			strip_preload();
	}
	errno = saved;
}

/* The netns's first unprivileged port; 1024 when it cannot be read. */
static unsigned long
unprivileged_start(void)
{
	unsigned long	v;
	char		buf[16];
	ssize_t		n;
	int		fd;

	if ((fd = open(SYSCTL_PORT, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return 1024;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n == -1 && errno == EINTR);
	ph__fd_close(&fd);
	if (n <= 1 || buf[n - 1] != '\n' ||
	    ph__parse_uint(buf, (size_t)n - 1, 0, 65536, &v) < 0)
		return 1024;
	return v;
}

/*
 * One line on stderr, if fd 2 is still the file the program started
 * with.  write(2) only; the text is built on the stack.
 */
static void
note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
	struct stat	st;
	va_list		ap;
	char		buf[512];
	int		n, k;

	if (!err_ok || atomic_fetch_add(&notes, 1) >= MAX_NOTES ||
	    fstat(2, &st) == -1 || st.st_dev != err_dev || st.st_ino != err_ino)
		return;
	k = snprintf(buf, sizeof(buf), "porthole exec: %s[%ld]: ",
	    program_invocation_short_name, (long)getpid());
	if (k < 0 || (size_t)k >= sizeof(buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + k, sizeof(buf) - (size_t)k - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = k + n > (int)sizeof(buf) - 2 ? (int)sizeof(buf) - 2 : k + n;
	buf[n++] = '\n';
	while (write(2, buf, (size_t)n) == -1 && errno == EINTR)
		;
}

/* The request as a grant (for the hint) and as text for messages. */
static void
describe(const struct sockaddr_in6 *sin6, const struct sockaddr_in *sin,
    int tcp, struct ph_grant *ret_g, char *what, size_t wlen)
{
	struct ph_grant	g;

	memset(&g, 0, sizeof(g));
	g.kind = tcp ? PH_GRANT_TCP : PH_GRANT_UDP;
	if (sin != NULL) {
		g.family = AF_INET;
		memcpy(g.addr, &sin->sin_addr, 4);
		g.port_lo = g.port_hi = ntohs(sin->sin_port);
	} else {
		g.family = AF_INET6;
		memcpy(g.addr, &sin6->sin6_addr, 16);
		g.port_lo = g.port_hi = ntohs(sin6->sin6_port);
	}
	if (ph__grant_format(&g, what, wlen) < 0)
		(void)snprintf(what, wlen, "port %u", (unsigned)g.port_lo);
	*ret_g = g;
}

static int
sockopt_on(int fd, int level, int opt)
{
	socklen_t	sl = sizeof(int);
	int		v = 0;

	if (getsockopt(fd, level, opt, &v, &sl) == -1)
		return 0;
	return v != 0;
}

/*
 * What a privileged bind() would say, and what the broker would refuse,
 * found here so that the answer is exact (S48, S52): 0 with the socket's
 * type and protocol, or the errno bind() is to report.
 */
static int
socket_kind(int fd, int *ret_type, int *ret_proto)
{
	struct sockaddr_storage	ss;
	socklen_t		il = sizeof(int), nl = sizeof(ss);
	int			type = 0, proto = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &nl) == 0 &&
	    ((ss.ss_family == AF_INET &&
	    ((struct sockaddr_in *)&ss)->sin_port != 0) ||
	    (ss.ss_family == AF_INET6 &&
	    ((struct sockaddr_in6 *)&ss)->sin6_port != 0)))
		return EINVAL;		/* already bound */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &il) == -1 ||
	    (il = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto,
	    &il) == -1))
		return EACCES;
	*ret_type = type;
	*ret_proto = proto;
	return 0;
}

/* What the broker would refuse about this socket: 0, or EACCES with a
 * note saying why. */
static int
socket_refused(int fd, int type, int proto, uint16_t port, const char *what)
{
	int	tcp = type == SOCK_STREAM && proto == IPPROTO_TCP;

	if (!tcp && !(type == SOCK_DGRAM && proto == IPPROTO_UDP)) {
		note("bind to port %u refused: porthole binds only TCP and "
		    "UDP sockets", (unsigned)port);
		return EACCES;
	}
	if (sockopt_on(fd, SOL_SOCKET, SO_REUSEPORT)) {
		note("bind %s refused: the socket has SO_REUSEPORT set, which "
		    "would share a granted port; turn it off in the program",
		    what);
		return EACCES;
	}
	if (!tcp && sockopt_on(fd, SOL_SOCKET, SO_REUSEADDR)) {
		note("bind %s refused: SO_REUSEADDR on a UDP socket would let "
		    "another user share the port; turn it off in the program",
		    what);
		return EACCES;
	}
	return 0;
}

/* The broker's answer r for the bind `what` (the grant g) as the errno
 * bind() is to report, with a note when it is a refusal. */
static int
broker_answer(int r, const char *what, const char *reason,
    const struct ph_grant *g)
{
	char	bwhat[104], hint[512];

	switch (r) {
	case 0:
		return 0;
	case -EACCES:
		if (reason[0] == '\0')
			break;
		/* The words and the rule of porthole run's (hint.h). */
		(void)snprintf(bwhat, sizeof(bwhat), "bind %s", what);
		hint_denied(hint, sizeof(hint), bwhat, reason, g, getuid(),
		    PH_POLICY_PATH);
		note("%s", hint);
		return EACCES;
	case -ENOENT:
	case -ECONNREFUSED:
		note("bind %s needs privilege, and neither portholed (%s) nor "
		    "porthole-helper (%s) is available", what,
		    ph__broker_daemon_path(), ph__broker_helper_path());
		return EACCES;
	case -EADDRINUSE:
	case -EADDRNOTAVAIL:
	case -EINVAL:
	case -ENOMEM:
	case -ENOBUFS:
		return -r;		/* what a privileged bind() says */
	default:
		break;
	}
	note("bind %s: the porthole broker failed: %s", what, strerror(-r));
	return EACCES;
}

/*
 * Ask the broker to bind fd to the address the program gave (already
 * checked by the kernel up to the privilege test).  Returns 0 or the
 * errno bind() is to report.
 */
static int
broker_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_in6	sin6;
	struct sockaddr_in	sin;
	socklen_t		sl;
	const struct sockaddr	*sa;
	struct ph_grant		g;
	char			what[96], reason[PH_REASON_MAX];
	int			type = 0, proto = 0, r;
	uint16_t		port;

	/* Copy what the kernel read, never more: an IPv6 address may come
	 * without its scope id (24 bytes, RFC 2133); it is then 0. */
	if (addr->sa_family == AF_INET6) {
		memset(&sin6, 0, sizeof(sin6));
		memcpy(&sin6, addr, len < sizeof(sin6) ? len : sizeof(sin6));
		port = ntohs(sin6.sin6_port);
		sa = (const struct sockaddr *)&sin6;
		sl = sizeof(sin6);
	} else {
		/* AF_INET, or AF_UNSPEC, which an AF_INET socket takes as
		 * INADDR_ANY (the kernel refused anything else already). */
		memset(&sin, 0, sizeof(sin));
		memcpy(&sin, addr, len < sizeof(sin) ? len : sizeof(sin));
		sin.sin_family = AF_INET;
		port = ntohs(sin.sin_port);
		sa = (const struct sockaddr *)&sin;
		sl = sizeof(sin);
	}
	if (port == 0 || port >= unprivileged_start())
		return EACCES;		/* not the port privilege: an LSM */
	if ((r = socket_kind(fd, &type, &proto)) != 0)
		return r;
	/* S50: [::] needs 0.0.0.0's grant too, whatever IPV6_V6ONLY says
	 * (the broker never asks it: the caller could flip it); the hint
	 * suggests the port-only rule for it (hint.h). */
	describe(addr->sa_family == AF_INET6 ? &sin6 : NULL,
	    addr->sa_family == AF_INET6 ? NULL : &sin,
	    type == SOCK_STREAM && proto == IPPROTO_TCP, &g, what,
	    sizeof(what));
	if ((r = socket_refused(fd, type, proto, port, what)) != 0)
		return r;
	r = ph_broker_bind(-1, fd, sa, sl, SOMAXCONN, 0, reason,
	    sizeof(reason));
	return broker_answer(r, what, reason, &g);
}

/* The exported bind(): see the top of this file. */
__attribute__((visibility("default"))) int
bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	int	saved = errno, e;

	if (next_bind(fd, addr, len) == 0)
		return 0;
	if (errno != EACCES || addr == NULL || (addr->sa_family != AF_INET &&
	    addr->sa_family != AF_INET6 && addr->sa_family != AF_UNSPEC))
		return -1;
	if ((e = broker_bind(fd, addr, len)) == 0) {
		errno = saved;
		return 0;
	}
	errno = e;
	return -1;
}
