/* SPDX-License-Identifier: ISC */
/*
 * broker.c - the client side of the broker protocol: ph_bind(), ph_open()
 * and their kept-connection forms.  The daemon is asked first; without
 * it, the helper is run with a socketpair on fd 3.  The answer is
 * authenticated before it is used: the daemon must be root (S28), the
 * helper is the program we executed, and a returned fd must be what was
 * asked for.
 *
 * PORTHOLE_SOCKET and PORTHOLE_HELPER, read with secure_getenv() on this
 * unprivileged side only, point tests at another daemon or helper; the
 * daemon is still required to be root.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"
#include "grant.h"
#include "paths.h"
#include "proto.h"

#define REPLY_TIMEOUT	10	/* seconds a broker may take to answer */
#define HELPER_FD	3	/* where porthole-helper finds its channel */
#define SPAWN_STACK	(64 * 1024)	/* the clone child's, until execve */

static uint32_t
next_id(void)
{
	static _Atomic uint32_t	id = 1;

	return id++;
}

/* The daemon's socket path: compiled in, or PORTHOLE_SOCKET for tests. */
const char *
ph__broker_daemon_path(void)
{
	const char	*p = secure_getenv("PORTHOLE_SOCKET");

	return p != NULL && p[0] == '/' ? p : PH_BROKER_SOCK;
}

const char *
ph__broker_helper_path(void)
{
	const char	*p = secure_getenv("PORTHOLE_HELPER");

	return p != NULL && p[0] == '/' ? p : PH_HELPER_PATH;
}

/*
 * ph_broker_connect() - connect to portholed, which must be root: the
 * listening socket's credentials are root's even after the daemon has
 * dropped to its own user, since they were captured at listen() (S28).
 * Returns a new O_CLOEXEC SOCK_SEQPACKET fd with a receive timeout.
 * No allocation on this path: libporthole-preload calls it from inside
 * any program's bind(), perhaps in a signal handler or a forked child.
 */
PH_EXPORT int
ph_broker_connect(void)
{
	struct ph_peer	peer;
	struct timeval	tv = { REPLY_TIMEOUT, 0 };
	int		fd, r;

	fd = ph_connect(ph__broker_daemon_path(), PH_SOCK_SEQPACKET, NULL,
	    &peer);
	if (fd == -EPERM || (fd >= 0 && peer.uid != 0)) {
		/* NULL accepts our own uid too; only root will do here. */
		ph__fd_close(&fd);
		return -EPERM;
	}
	if (fd < 0)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
		r = -errno;
		ph__fd_close(&fd);
		return r;
	}
	return fd;
}

/*
 * Send one request (with `fd`, borrowed, or -1) and read the reply and at
 * most `want_fds` fds.  Returns the broker's answer (0 or -errno), or a
 * transport error; *ret_fd gets a received fd.
 */
static int
transact(int conn, const void *req, size_t len, int fd, uint32_t id,
    int want_fds, int *ret_fd, char *reason, size_t reasonlen)
{
	char		buf[PH_MSG_MAX];
	size_t		nfds = (size_t)want_fds;
	ssize_t		n;
	int		got = -1, error = 0, r;

	n = ph_send_fds(conn, req, len, fd >= 0 ? &fd : NULL, fd >= 0);
	if (n < 0)
		return (int)n;
	n = ph_recv_fds(conn, buf, sizeof(buf), &got, &nfds);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return n == -EAGAIN ? -ETIMEDOUT : (int)n;
	if (nfds == 0)
		got = -1;
	if ((r = ph__reply_decode(buf, (size_t)n, id, &error, reason,
	    reasonlen)) < 0) {
		ph__fd_close(&got);
		return r;
	}
	if (error != 0 || (want_fds && got < 0)) {
		ph__fd_close(&got);
		return error != 0 ? -error : -EPROTO;
	}
	if (ret_fd != NULL)
		*ret_fd = got;
	else
		ph__fd_close(&got);
	return 0;
}

struct spawn {
	const char	*path;
	char		*stack;		/* the helper's, below the middle */
	int		 fd;		/* the child's end, above HELPER_FD */
	int		 err;		/* errno of a failed execve(), or 0 */
};

/* The helper itself: the grandchild, until it executes. */
static int
helper_exec(void *arg)
{
	struct spawn	*sp = arg;
	char		*argv[] = { "porthole-helper", NULL };
	char		*envp[] = { NULL };

	if (dup2(sp->fd, HELPER_FD) == HELPER_FD)
		(void)execve(sp->path, argv, envp);
	sp->err = errno;		/* our memory: the caller reads it */
	_exit(127);
}

/* The child: starts the helper and exits at once, leaving it orphaned. */
static int
helper_parent(void *arg)
{
	struct spawn	*sp = arg;

	if (clone(helper_exec, sp->stack, CLONE_VM | CLONE_VFORK, sp) == -1)
		sp->err = errno;
	_exit(0);
}

/*
 * Run porthole-helper with one end of a SOCK_SEQPACKET socketpair on fd
 * 3, an empty environment and nothing else open (all our fds are
 * O_CLOEXEC).  Returns the other end, or -errno (-ENOENT: no helper).
 *
 * The program that calls ph_bind(), perhaps without knowing it, through
 * libporthole-preload, must see no child of ours: no SIGCHLD for its
 * handler, nothing for its waitpid(-1) to reap.  So not posix_spawn()
 * (which also allocates): a clone() child with exit signal 0, which no
 * signal announces and only waitpid(__WALL) sees, starts the helper and
 * exits at once.  The helper cannot itself be that child, since execve()
 * sets the exit signal back to SIGCHLD; orphaned, it is reaped by init
 * (or by a subreaper above us).  Both share our memory until they exec
 * or exit (CLONE_VM | CLONE_VFORK: we wait meanwhile), run on a stack
 * of their own, and make raw system calls only; every signal stays
 * blocked from before the first clone until the helper's own start-up,
 * which empties the mask (S6), so no handler of the program runs on the
 * wrong stack.
 */
static int
helper_start(void)
{
	struct spawn	 sp;
	sigset_t	 all, old;
	char		*stack;
	int		 pair[2] = { -1, -1 }, hi = -1, r, e, st;
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == -1)
		return -errno;
	/* Keep the child's end off fd 3 itself: dup2(3, 3) would leave
	 * O_CLOEXEC set and the helper without its channel. */
	if ((hi = fcntl(pair[1], F_DUPFD_CLOEXEC, HELPER_FD + 1)) == -1) {
		r = -errno;
		goto out;
	}
	stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	sp.path = ph__broker_helper_path();
	sp.stack = stack + SPAWN_STACK / 2;
	sp.fd = hi;
	sp.err = 0;
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone(helper_parent, stack + SPAWN_STACK, CLONE_VM | CLONE_VFORK,
	    &sp);
	e = errno;
	if (pid != -1)
		while (waitpid(pid, &st, __WALL) == -1 && errno == EINTR)
			;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)munmap(stack, SPAWN_STACK);
	if (pid == -1 || sp.err != 0) {
		r = pid == -1 ? -e : -sp.err;
		goto out;
	}
	r = pair[0];
	pair[0] = -1;
 out:
	ph__fd_close(&pair[0]);
	ph__fd_close(&pair[1]);
	ph__fd_close(&hi);
	return r;
}

/* One request to the daemon (conn or a new connection), else the helper. */
static int
ask(int conn, int flags, const void *req, size_t len, int fd, uint32_t id,
    int want_fds, int *ret_fd, char *reason, size_t reasonlen)
{
	int	c = conn, r = -ENOENT, tried = 0;

	if (conn >= 0)
		return transact(conn, req, len, fd, id, want_fds, ret_fd,
		    reason, reasonlen);
	if (!(flags & PH_BROKER_HELPER) || (flags & PH_BROKER_DAEMON)) {
		c = ph_broker_connect();
		if (c >= 0) {
			r = transact(c, req, len, fd, id, want_fds, ret_fd,
			    reason, reasonlen);
			ph__fd_close(&c);
			return r;
		}
		r = c;
		tried = 1;
		/* Only "no daemon here" falls back; a daemon that is not
		 * root (-EPERM) is an attack, not an absence. */
		if ((flags & PH_BROKER_DAEMON) || (r != -ENOENT &&
		    r != -ECONNREFUSED))
			return r;
	}
	if ((c = helper_start()) < 0)
		return tried ? r : c;
	r = transact(c, req, len, fd, id, want_fds, ret_fd, reason,
	    reasonlen);
	ph__fd_close(&c);
	return r;
}

/*
 * ph__broker_status() - see proto.h.  The daemon's connection is
 * authenticated as for any request (S28); the reply is decoded with the
 * exact-size decoder, and a PH_MSG_REPLY (an error such as
 * EPROTONOSUPPORT) is taken as the daemon's answer.
 */
int
ph__broker_status(struct ph_status *ret)
{
	struct ph_msg_status	m;
	struct ph_status	st;
	char			buf[PH_MSG_MAX];
	size_t			nfds = 0;	/* a status brings no fd */
	ssize_t			n;
	uint32_t		id = next_id();
	int			c = -1, error = 0, r;

	if ((c = ph_broker_connect()) < 0)
		return c;
	memset(&m, 0, sizeof(m));
	ph__hdr_init(&m.hdr, PH_MSG_STATUS, sizeof(m), id);
	if ((n = ph_send_fds(c, &m, sizeof(m), NULL, 0)) < 0) {
		r = (int)n;
		goto out;
	}
	n = ph_recv_fds(c, buf, sizeof(buf), NULL, &nfds);
	if (n == 0 || n == -ECONNRESET) {
		r = -ECONNRESET;
		goto out;
	}
	if (n < 0) {
		r = n == -EAGAIN ? -ETIMEDOUT : (int)n;
		goto out;
	}
	if (ph__status_reply_decode(buf, (size_t)n, id, &st) == 0) {
		*ret = st;
		r = 0;
	} else if (ph__reply_decode(buf, (size_t)n, id, &error, NULL, 0)
	    == 0)
		r = error != 0 ? -error : -EBADMSG;
	else
		r = -EBADMSG;
 out:
	ph__fd_close(&c);
	return r;
}

PH_EXPORT int
ph_broker_bind(int conn, int fd, const struct sockaddr *addr, socklen_t len,
    int backlog, int flags, char *reason, size_t reasonlen)
{
	struct ph_msg_bind	m;
	uint32_t		id = next_id();

	if (reason == NULL)
		reasonlen = 0;

	if (flags & ~(PH_BROKER_DAEMON | PH_BROKER_HELPER))
		return -EINVAL;
	if (fd < 0 || addr == NULL || backlog < 0 || backlog > 4096)
		return -EINVAL;
	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	memset(&m, 0, sizeof(m));
	ph__hdr_init(&m.hdr, PH_MSG_BIND, sizeof(m), id);
	m.backlog = (uint32_t)backlog;
	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in	*sin = (const void *)addr;

		m.family = AF_INET;
		memcpy(m.addr, &sin->sin_addr, 4);
		m.port = ntohs(sin->sin_port);
	} else if (addr->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6	*sin6 = (const void *)addr;

		m.family = AF_INET6;
		memcpy(m.addr, &sin6->sin6_addr, 16);
		m.port = ntohs(sin6->sin6_port);
		m.scope_id = sin6->sin6_scope_id;
	} else
		return -EINVAL;
	if (m.port == 0)
		return -EINVAL;
	return ask(conn, flags, &m, sizeof(m), fd, id, 0, NULL, reason,
	    reasonlen);
}

/* Is `fd` the socket we asked for (S28: never trust a returned fd)? */
static int
fd_matches(int fd, const struct ph_grant *g)
{
	struct ph_fdinfo	fi;

	if (ph_fd_info(fd, &fi) < 0 || fi.kind != PH_FD_SOCKET ||
	    fi.type != SOCK_RAW)
		return 0;
	switch (g->kind) {
	case PH_GRANT_RAW4:
		return fi.family == AF_INET && fi.protocol == g->protocol;
	case PH_GRANT_RAW6:
		return fi.family == AF_INET6 && fi.protocol == g->protocol;
	default:
		return fi.family == AF_PACKET;
	}
}

PH_EXPORT int
ph_broker_open(int conn, const char *spec, int flags, char *reason,
    size_t reasonlen)
{
	struct ph_msg_open	m;
	struct ph_grant		g;
	uint32_t		id = next_id();
	int			fd = -1, r;

	if (reason == NULL)
		reasonlen = 0;

	if (flags & ~(PH_BROKER_DAEMON | PH_BROKER_HELPER))
		return -EINVAL;
	if (spec == NULL || ph__grant_parse(spec, strlen(spec), 0, &g) < 0 ||
	    (g.kind != PH_GRANT_RAW4 && g.kind != PH_GRANT_RAW6 &&
	    g.kind != PH_GRANT_PACKET))
		return -EINVAL;
	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	memset(&m, 0, sizeof(m));
	ph__hdr_init(&m.hdr, PH_MSG_OPEN, sizeof(m), id);
	m.kind = (uint32_t)g.kind;
	if (g.kind == PH_GRANT_PACKET)
		memcpy(m.ifname, g.ifname, strlen(g.ifname) + 1);
	else
		m.protocol = (uint32_t)g.protocol;
	if ((r = ask(conn, flags, &m, sizeof(m), -1, id, 1, &fd, reason,
	    reasonlen)) < 0)
		return r;
	if (!fd_matches(fd, &g)) {
		ph__fd_close(&fd);
		return -EPROTO;
	}
	return fd;
}

/*
 * ph_bind() - see porthole.h.  The real bind() goes first, so a caller
 * with the privilege (or a port above ip_unprivileged_port_start) never
 * talks to a broker; only EACCES on an inet socket goes further.
 */
PH_EXPORT int
ph_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	int	r;

	if (bind(fd, addr, len) == 0)
		return 0;
	if (errno != EACCES || addr == NULL || (addr->sa_family != AF_INET &&
	    addr->sa_family != AF_INET6))
		return -errno;
	r = ph_broker_bind(-1, fd, addr, len, 0, 0, NULL, 0);
	/* No broker at all: the caller sees what bind() said. */
	return r == -ENOENT || r == -ECONNREFUSED ? -EACCES : r;
}

PH_EXPORT int
ph_open(const char *spec)
{
	int	r = ph_broker_open(-1, spec, 0, NULL, 0);

	return r == -ENOENT || r == -ECONNREFUSED ? -EACCES : r;
}
