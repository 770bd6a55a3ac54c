/* SPDX-License-Identifier: ISC */
/*
 * tcpguard.c - bind() and listen() a caller's socket in place so that a
 * TCP grant is never a privileged source port (S49), for the request
 * handler (priv.c).  Runs as the broker, with CAP_NET_RAW and (for the
 * filter) CAP_NET_ADMIN effective.
 */
#include <sys/socket.h>

#include <linux/filter.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"
#include "priv.h"

#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER	44
#endif
#ifndef SO_GET_FILTER
#define SO_GET_FILTER	SO_ATTACH_FILTER
#endif
#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX	62	/* Linux 5.0 */
#endif

/*
 * S49: a TCP grant must never be a privileged source port.  listen()
 * alone does not ensure it: the caller holds the socket too and can
 * connect() it between our bind() and our listen(), or later turn the
 * listener back into a bound socket with connect(AF_UNSPEC) and
 * connect() that.  Two mechanisms close this; the first is the rule.
 *
 * The guard.  From before bind() until after listen(), the socket is
 * tied (SO_BINDTOIFINDEX) to GUARD_IFINDEX, an interface index no
 * interface has: a connect() then finds no route (ENODEV, ENETUNREACH)
 * and sends nothing at all.  Once the socket listens, the caller's own
 * index (usually 0, none) is put back.  The caller cannot lift the guard
 * meanwhile: changing a socket's interface once it has one needs
 * CAP_NET_RAW, which is also why the broker needs it.  (A caller with
 * CAP_NET_RAW over its socket's network namespace, one it owns, also
 * holds CAP_NET_BIND_SERVICE there: it needs no broker for that port.
 * A caller that ties the socket itself between our read of its index
 * and our guard loses that tie: it raced only itself.)  An index is
 * given to an interface only by whoever administers the namespace,
 * who needs no broker to make connections there.  After listen(), the
 * guard is gone, and connect(AF_UNSPEC) followed by connect() is the
 * caller's remaining way out; Linux 6.18 refuses that connect() (EINVAL).
 * The broker does not take that on trust: ph_broker_probe() asks the
 * running kernel, once per process at its first TCP bind, and on a
 * kernel that allows it every TCP grant gets the filter instead.  A residual of the guard: a port held by
 * another socket tied to some interface does not make our bind() fail
 * (sockets on different interfaces share ports); the other socket
 * keeps its interface's traffic (a tied listener is preferred), and
 * ours gets only what its grant covers.
 *
 * The filter, where the guard cannot serve: Linux will not bind a
 * specific IPv6 address (::1, a v4-mapped one, a link-local one with
 * its scope) on a socket tied to a missing interface (ENODEV).  There,
 * the socket carries from before bind() this classic BPF program,
 * locked (SO_LOCK_FILTER): it drops every segment with both SYN and ACK
 * set (on a TCP socket the filter sees the TCP header at offset 0; byte
 * 13 holds the flags).  An active open from the socket then never
 * completes, while a listener and the connections it accepts (which
 * inherit the filter) never receive a SYN-ACK in the first place.  The
 * lock cannot be undone (SO_DETACH_FILTER, SO_ATTACH_FILTER and
 * SO_ATTACH_BPF give EPERM).  It costs about 65 us a socket on 6.18 (the
 * kernel compiles it at each attach), the guard two setsockopt() calls
 * (docs/PERFORMANCE.md), and attaching it to a TCP socket needs
 * CAP_NET_ADMIN.
 */
#define GUARD_IFINDEX	INT_MAX

static const struct sock_filter	synack_drop[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),		/* A = flags */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),	/* SYN | ACK */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x12, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),			/* drop */
	BPF_STMT(BPF_RET | BPF_K, 0xffffffffU),		/* keep */
};
#define SYNACK_LEN	(sizeof(synack_drop) / sizeof(synack_drop[0]))

/* What ph_broker_probe() found: 1, the guard serves; 0, filter only;
 * -1, not asked yet (the first TCP bind asks). */
int	ph_broker_guard_ok = -1;

/*
 * 1 if a fresh socket's connect() to sin gets under way: the route to
 * it works.  A blackhole route also answers EINVAL; the control rules
 * it out (porthole-helper probes in the caller's network namespace).
 */
static int
route_works(const struct sockaddr_in *sin)
{
	int	c, ok;

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c == -1)
		return 0;
	ok = connect(c, (const struct sockaddr *)sin, sizeof(*sin)) == 0 ||
	    errno == EINPROGRESS;
	(void)close(c);
	return ok;
}

/*
 * ph_broker_probe() - see priv.h.  First, the guard must come off: tying
 * an untied socket needs nothing, but untying it needs CAP_NET_RAW, so a
 * broker without it would bind, listen and then have to refuse (asking
 * here keeps "a refusal never binds", S52: the filter's path refuses
 * before bind() when it cannot attach).  Then a listener of our own, on
 * loopback, non-blocking; a control connects to it, so the route works;
 * then it is disconnected and asked to connect to its own port: EINVAL
 * is the answer we rely on; anything else (a SYN sent, no route, an
 * error we do not know) means the filter.
 */
void
ph_broker_probe(void)
{
	struct sockaddr_in	sin;
	struct sockaddr		unspec;
	socklen_t		sl = sizeof(sin);
	int			fd, tie = GUARD_IFINDEX, untie = 0;

	ph_broker_guard_ok = 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return;
	memset(&unspec, 0, sizeof(unspec));
	unspec.sa_family = AF_UNSPEC;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &tie,
	    sizeof(tie)) == 0 && setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX,
	    &untie, sizeof(untie)) == 0 && listen(fd, 1) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0) {
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (route_works(&sin) &&
		    connect(fd, &unspec, sizeof(unspec)) == 0 &&
		    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
		    errno == EINVAL)
			ph_broker_guard_ok = 1;
	}
	(void)close(fd);
}

/* 1 if the filter on fd is exactly synack_drop. */
static int
filter_is_ours(int fd)
{
	struct sock_filter	got[SYNACK_LEN + 1];
	socklen_t		gl = SYNACK_LEN + 1;	/* in instructions */

	return getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, got, &gl) == 0 &&
	    gl == SYNACK_LEN && memcmp(got, synack_drop, sizeof(synack_drop))
	    == 0;
}

/*
 * Attach, lock, and read back: the caller may race us, attaching its own
 * program between our attach and our lock, or locking first.  EPERM
 * from the attach means a filter is locked already (ours, from an
 * earlier request for the same socket, is fine: it is locked again,
 * which changes nothing) or that we lack CAP_NET_ADMIN, which Linux 6.18
 * asks for on TCP sockets; then nothing is locked, and the socket is
 * left as it came.  Only our program, locked, passes.  1 if so, else 0
 * and *why.
 */
static int
lock_synack_filter(int fd, const char **why)
{
	struct sock_fprog	prog;
	socklen_t		gl = 0;
	int			one = 1;

	prog.len = SYNACK_LEN;
	prog.filter = (struct sock_filter *)synack_drop;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1 && (errno != EPERM || !filter_is_ours(fd))) {
		if (errno == EPERM && getsockopt(fd, SOL_SOCKET, SO_GET_FILTER,
		    NULL, &gl) == 0 && gl == 0)
			*why = "the broker may not attach socket filters "
			    "(no CAP_NET_ADMIN)";
		else
			*why = "a socket filter is locked on the socket already";
		return 0;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one))
	    == -1 || !filter_is_ours(fd)) {
		*why = "a socket filter is locked on the socket already";
		return 0;
	}
	return 1;
}

/*
 * Put the guard on: *saved gets the caller's interface index (restored
 * by guard_off(), whatever happens next).  1, or 0 and *why.
 */
static int
guard_on(int fd, int *saved, const char **why)
{
	socklen_t	sl = sizeof(*saved);
	int		g = GUARD_IFINDEX;

	if (getsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, saved, &sl) == -1 ||
	    sl != sizeof(*saved) || setsockopt(fd, SOL_SOCKET,
	    SO_BINDTOIFINDEX, &g, sizeof(g)) == -1) {
		*why = errno == EPERM ? "the broker may not tie the socket to "
		    "an interface (no CAP_NET_RAW)" :
		    "cannot tie the socket to an interface";
		return 0;
	}
	return 1;
}

/*
 * The caller's index back.  If that fails the socket stays tied to no
 * interface: it can neither connect nor receive, which harms no one.
 */
static int
guard_off(int fd, int saved, const char **why)
{
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &saved,
	    sizeof(saved)) == -1) {
		*why = "cannot give the socket its interface back";
		return 0;
	}
	return 1;
}

/* 1 if the guard can serve this bind (above): IPv4, or IPv6's "::". */
static int
guard_fits(const struct ph_grant *g)
{
	static const uint8_t	any6[16];

	if (ph_broker_guard_ok < 0)
		ph_broker_probe();
	return ph_broker_guard_ok == 1 && (g->family == AF_INET ||
	    memcmp(g->addr, any6, sizeof(any6)) == 0);
}

/* ph_bind_in_place() - see priv.h.  The guard, once on, comes off on
 * every path. */
int
ph_bind_in_place(int fd, const struct ph_grant *g,
    const struct sockaddr_storage *ss, socklen_t sl, uint32_t backlog,
    int *err, const char **why)
{
	int	tcp = g->kind == PH_GRANT_TCP, guard = 0, saved = 0, ok;

	*err = EPERM;
	if (tcp && guard_fits(g)) {
		if (!guard_on(fd, &saved, why))
			return 0;
		guard = 1;
	} else if (tcp && !lock_synack_filter(fd, why))
		return 0;
	ok = bind(fd, (const struct sockaddr *)ss, sl) == 0;
	if (!ok)
		*why = "bind failed";
	/* Listening at once, as a TCP grant is documented to come back. */
	else if (tcp && !(ok = listen(fd, (int)backlog) == 0))
		*why = "listen failed";
	if (!ok)
		*err = errno;
	if (guard && !guard_off(fd, saved, why)) {
		*err = EPERM;
		ok = 0;
	}
	return ok;
}

