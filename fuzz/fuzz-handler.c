/* SPDX-License-Identifier: ISC */
/*
 * fuzz-handler.c - libFuzzer target for the broker's request handler,
 * ph_broker_handle() (src/broker/priv.c), with a policy parsed from
 * memory once (S76 items 1 and 3, S77).  The input is split in two:
 *
 *   byte 0   the fd sent with the request (bits 0-2): none, a fresh TCP
 *            or UDP socket of either family, a pipe, an AF_UNIX socket,
 *            a TCP socket already bound to 127.0.0.1:0; and what the
 *            caller did to it (bits 3-7): SO_REUSEPORT, SO_REUSEADDR,
 *            IPV6_V6ONLY, a socket filter of its own locked, ask twice
 *   byte 1   who asks (bits 0-1): this uid, another uid granted through
 *            a supplementary group, uid (uid_t)-1, gid (gid_t)-1; bit 2
 *            foreign_netns (S56); bit 3 the policy is portholed's
 *            empty stand-in for a missing one (S53, issue 11); bit 4 makes
 *            a TCP socket MPTCP and a UDP one UDP-Lite (S46), where the
 *            kernel has them
 *   the rest the request message, as it came off the socket
 *
 * Properties, each an abort(): no crash (ASan, UBSan); the fd given is
 * always left open (borrowed: the caller closes it) and no fd leaks (the count of /proc/self/fd before and
 * after); a drop (-EBADMSG, -EPROTO) leaves no reply and no fd; a reply
 * is well formed, with a documented reason, and its error is the audit's;
 * a refusal never binds the socket; and a grant is one the policy allows,
 * checked by a reference evaluator written here (S77): a loopback address
 * in the right port range for the requester, the socket bound exactly
 * there, TCP listening with the SYN-ACK filter locked (S49), no sharing
 * option on (S48).  Conversely a request the reference allows, on a
 * clean fresh socket, is granted (or finds its port in use).
 *
 * Nothing outside loopback or below port 1024 is ever granted by the
 * policy, so a correct handler binds nothing else (the one wildcard
 * rule, tcp:[::], lacks the 0.0.0.0 grant that `::` also needs, S50).  As root the target
 * also moves into a network namespace of its own first (lo up, nothing
 * else), so even a wrong grant touches no host port.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/lib \
 *       -Isrc/broker fuzz/fuzz-handler.c src/broker/priv.c \
 *       src/broker/policy.c src/lib/proto.c src/lib/grant.c \
 *       src/lib/fd.c -o fuzz-handler
 *
 * fuzz-main.c replays fuzz/corpus/handler without libFuzzer (make check).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"
#include "policy.h"
#include "priv.h"
#include "../tests/testlib.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The only ports granted: loopback, far above 1024. */
#define P4_LO		47400		/* 127.0.0.1, tcp and udp, this uid */
#define P4_HI		47407
#define P6_LO		47408		/* [::1], tcp and udp, this uid */
#define P6_HI		47415
#define PG		47416		/* udp:127.0.0.1, the group only */
#define P6ANY		47417		/* tcp:[::], never 0.0.0.0: denied */
#define OTHER_UID	4000000000u
#define GROUP		4000000001u

enum { FD_NONE, FD_TCP4, FD_TCP6, FD_UDP4, FD_UDP6, FD_PIPE, FD_UNIX,
    FD_TCP4_BOUND };
#define OPT_REUSEPORT	0x01
#define OPT_REUSEADDR	0x02
#define OPT_V6ONLY	0x04
#define OPT_OWNFILTER	0x08
#define OPT_TWICE	0x10

/* Every reason priv.c can send (docs/PROTOCOL.md section 8). */
static const char *const reasons[] = {
	"granted",
	"protocol version not supported",
	"the fd is not a socket",
	"the socket's family is not the address's",
	"the socket is already bound, listening or connected",
	"cannot read the socket's type",
	"only TCP and UDP sockets are bound",
	"SO_REUSEPORT is set: a granted port is not shared",
	"SO_REUSEADDR on UDP would let another user share it",
	"denied by the porthole policy",
	"a socket filter is locked on the socket already",
	"the broker may not attach socket filters (no CAP_NET_ADMIN)",
	"the broker may not tie the socket to an interface (no CAP_NET_RAW)",
	"cannot tie the socket to an interface",
	"cannot give the socket its interface back",
	"bind failed",
	"listen failed",
	"the socket changed during bind",
	"raw and packet sockets only in the broker's network namespace",
	"cannot create the socket",
	"portholed has no valid policy: see `journalctl -u portholed`",
	"porthole-helper has no valid policy: see the system log",
	"status requests are answered by portholed only",
};

static struct ph_policy	*pol;
static struct ph_policy	*real_pol, *stand_in;	/* pol is one of them */
static uid_t		 me_uid;
static gid_t		 me_gid;
static gid_t	 other_groups[] = { 7, GROUP };
static int		 can_filter;	/* SO_ATTACH_FILTER works here */

static int
fd_count(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* As root: a network namespace of our own with only lo, up. */
static void
private_netns(void)
{
	struct ifreq	ifr;
	int		s;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) == -1)
		return;			/* the policy alone keeps us safe */
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		abort();
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		abort();
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
		abort();
	close(s);
}

static void
init(void)
{
	char	text[1024], err[256];

	private_netns();
	me_uid = getuid();
	me_gid = getgid();
	(void)snprintf(text, sizeof(text),
	    "allow user %u tcp:127.0.0.1:%d-%d udp:127.0.0.1:%d-%d\n"
	    "allow user %u tcp:[::1]:%d-%d udp:[::1]:%d-%d\n"
	    "allow user %u raw:icmp packet:lo\n"
	    "allow group %u udp:127.0.0.1:%d\n"
	    "allow user %u tcp:[::]:%d\n",
	    (unsigned)me_uid, P4_LO, P4_HI, P4_LO, P4_HI,
	    (unsigned)me_uid, P6_LO, P6_HI, P6_LO, P6_HI,
	    (unsigned)me_uid, GROUP, PG, (unsigned)me_uid, P6ANY);
	if (ph_policy_parse(text, strlen(text), "fuzz", NULL, &pol, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "fuzz-handler: %s\n", err);
		abort();
	}
	real_pol = pol;
	if (ph_policy_stand_in("fuzz", PH_POLICY_FOR_DAEMON, &stand_in) < 0)
		abort();
	can_filter = can_attach_filter();
}

static int
make_fd(int kind, int opts, int alt, int *ret_other)
{
	static const struct sock_filter	all[] = {
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffU),
	};
	struct sock_fprog	prog = { 1, (struct sock_filter *)all };
	struct sockaddr_in	sin;
	int			fd = -1, one = 1, p[2];

	*ret_other = -1;
	switch (kind) {
	case FD_NONE:
		return -1;
	case FD_TCP4:
	case FD_TCP4_BOUND:
	case FD_TCP6:
	case FD_UDP4:
	case FD_UDP6:
		fd = socket(kind == FD_TCP6 || kind == FD_UDP6 ? AF_INET6 :
		    AF_INET, (kind == FD_UDP4 || kind == FD_UDP6 ? SOCK_DGRAM :
		    SOCK_STREAM) | SOCK_CLOEXEC, 0);
		break;
	case FD_PIPE:
		if (pipe2(p, O_CLOEXEC) == -1)
			abort();
		*ret_other = p[1];
		return p[0];
	default:
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		break;
	}
	if (fd == -1)
		abort();
	if (alt && kind >= FD_TCP4 && kind <= FD_UDP6) {
		int	a = socket(kind == FD_TCP4 || kind == FD_UDP4 ? AF_INET :
		    AF_INET6, (kind <= FD_TCP6 ? SOCK_STREAM : SOCK_DGRAM) |
		    SOCK_CLOEXEC, kind <= FD_TCP6 ? 262 /* IPPROTO_MPTCP */ :
		    IPPROTO_UDPLITE);

		if (a >= 0) {
			close(fd);
			fd = a;
		}
	}
	if (kind == FD_TCP4_BOUND) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			abort();
	}
	if (opts & OPT_REUSEPORT)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
		    sizeof(one));
	if (opts & OPT_REUSEADDR)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	if (opts & OPT_V6ONLY)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if ((opts & OPT_OWNFILTER) && setsockopt(fd, SOL_SOCKET,
	    SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one,
		    sizeof(one));
	return fd;
}

/*
 * The reference evaluator (S77), from this file's policy text and not
 * from policy.c: may `who` bind kind (PH_GRANT_TCP/UDP) on the address
 * (16 bytes, IPv4 in the first 4 or mapped) of family at port?
 */
static int
ref_bind_allowed(const struct ph_requester *who, int kind, int family,
    const unsigned char *a, unsigned port)
{
	static const unsigned char	lo6[16] = { [15] = 1 };
	static const unsigned char	mapped_lo[16] = { [10] = 0xff,
					    [11] = 0xff, 127, 0, 0, 1 };
	int				v4lo, v6lo;

	if (who->peer.uid == (uid_t)-1 || who->peer.gid == (gid_t)-1)
		return 0;
	v4lo = (family == AF_INET && memcmp(a, "\x7f\0\0\x01", 4) == 0) ||
	    (family == AF_INET6 && memcmp(a, mapped_lo, 16) == 0);
	v6lo = family == AF_INET6 && memcmp(a, lo6, 16) == 0;
	if (who->peer.uid == me_uid) {
		if (v4lo && port >= P4_LO && port <= P4_HI)
			return 1;
		if (v6lo && port >= P6_LO && port <= P6_HI)
			return 1;
	}
	/* the group rule: the other requester has GROUP */
	if (who->peer.ngroups > 1 && kind == PH_GRANT_UDP && v4lo && port == PG)
		return 1;
	return 0;
}

static void
check_reply(const struct ph_msg_reply *r, const struct ph_audit *au,
    uint32_t id_sent, int answered_version)
{
	size_t	i;

	if (r->hdr.len != sizeof(*r) || r->hdr.type != PH_MSG_REPLY ||
	    r->hdr.version != PH_PROTO_VERSION || r->hdr.reserved != 0 ||
	    r->flags != 0 || r->error < 0 || r->error > 4095)
		abort();
	if (answered_version && r->hdr.id != id_sent)
		abort();			/* the id is echoed */
	if (memchr(r->reason, '\0', sizeof(r->reason)) == NULL)
		abort();
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(r->reason, reasons[i]) == 0)
			break;
	if (i == sizeof(reasons) / sizeof(reasons[0]))
		abort();			/* undocumented reason */
	if ((r->error == 0) != (strcmp(r->reason, "granted") == 0))
		abort();
	if (au->error != r->error || au->granted != (r->error == 0))
		abort();
	if (memchr(au->request, '\0', sizeof(au->request)) == NULL ||
	    memchr(au->rule, '\0', sizeof(au->rule)) == NULL)
		abort();
}

/* A granted bind: exactly what the reference allows, and as documented. */
static void
check_bind_grant(const struct ph_requester *who, const struct ph_grant *g,
    int keep)
{
	struct sockaddr_storage	ss;
	struct sock_filter	got[SYNACK_LEN + 1];
	socklen_t		gl = SYNACK_LEN + 1;
	const unsigned char	*a;
	int			type, kind, port;

	type = getint(keep, SOL_SOCKET, SO_TYPE);
	kind = type == SOCK_STREAM ? PH_GRANT_TCP : PH_GRANT_UDP;
	if (!ref_bind_allowed(who, kind, g->family, g->addr, g->port_lo))
		abort();			/* granted beyond the policy */
	port = port_of_ss(keep, &ss);
	if (port != g->port_lo || port < 1024 || ss.ss_family != g->family)
		abort();
	a = ss.ss_family == AF_INET ?
	    (const unsigned char *)&((struct sockaddr_in *)&ss)->sin_addr :
	    (const unsigned char *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (memcmp(a, g->addr, g->family == AF_INET ? 4 : 16) != 0)
		abort();			/* bound elsewhere */
	if (getint(keep, SOL_SOCKET, SO_REUSEPORT) != 0 ||
	    (kind == PH_GRANT_UDP && getint(keep, SOL_SOCKET, SO_REUSEADDR)
	    != 0))
		abort();			/* S48 */
	if (kind == PH_GRANT_TCP) {		/* S49 */
		static const unsigned char	any6[16];
		int	guarded = ph_broker_guard_ok == 1 &&
		    (g->family == AF_INET || memcmp(g->addr, any6, 16) == 0);

		if (getint(keep, SOL_SOCKET, SO_ACCEPTCONN) != 1 ||
		    getsockopt(keep, SOL_SOCKET, SO_GET_FILTER, got, &gl) == -1)
			abort();
		/* The guard: nothing attached (but make_fd()'s own
		 * one-instruction program), the interface given back
		 * (make_fd() never ties one).  Else the locked filter. */
		if (guarded ? gl > 1 || getint(keep, SOL_SOCKET,
		    62 /* SO_BINDTOIFINDEX */) != 0 : gl != SYNACK_LEN ||
		    memcmp(got, synack_drop, sizeof(synack_drop)) != 0)
			abort();
	}
}

/* One call; returns the reply's error, or -1 for a drop. */
static int
one_call(const struct ph_requester *who, const uint8_t *msg,
    size_t n, int fd, int keep, int opts, int fdkind)
{
	struct sockaddr_storage	ss;
	struct ph_msg_reply	reply, sentinel;
	struct ph_audit		audit;
	struct ph_request	rq;
	int			out = -7, r, dec, port_before, clean;

	memset(&reply, 0x5a, sizeof(reply));
	memcpy(&sentinel, &reply, sizeof(reply));
	port_before = port_of_ss(keep, &ss);
	memset(&rq, 0, sizeof(rq));
	dec = ph__req_decode(msg, n, &rq);
	r = ph_broker_handle(pol, who, msg, n, fd, &reply, &out, &audit);
	/* The fd given is borrowed: still open, and ours to close. */
	if (fd >= 0 && fcntl(fd, F_GETFD) == -1)
		abort();
	if (fd >= 0)
		(void)close(fd);
	if (r < 0) {
		if ((r != -EBADMSG && r != -EPROTO) || out != -1 ||
		    audit.granted ||
		    memcmp(&reply, &sentinel, sizeof(reply)) != 0)
			abort();
		/* A drop is for a malformed request, a misplaced fd, or an
		 * unknown requester, and nothing else. */
		if (r == -EBADMSG && dec == 0 &&
		    (rq.type == PH_MSG_BIND) == (fd >= 0))
			abort();
		if (r == -EPROTO && (dec != 0 || (who->peer.uid != (uid_t)-1 &&
		    who->peer.gid != (gid_t)-1)))
			abort();
		return -1;
	}
	if (r != 0)
		abort();
	check_reply(&reply, &audit, rq.id, dec == 0 || dec == -EPROTONOSUPPORT);
	if (dec == -EPROTONOSUPPORT) {
		if (reply.error != EPROTONOSUPPORT || out != -1)
			abort();
		return reply.error;
	}
	if (dec != 0)
		abort();			/* answered a malformed one */
	/* Issue 11: the handler never answers a status but to refuse it
	 * (portholed answers it before the handler). */
	if ((rq.type == PH_MSG_STATUS) != (strcmp(reply.reason,
	    PH_REASON_STATUS_UNSUPPORTED) == 0) ||
	    (rq.type == PH_MSG_STATUS && reply.error != EOPNOTSUPP))
		abort();
	/* S53: the stand-in grants nothing, and every policy refusal says
	 * there is no valid policy (never "add a rule"). */
	if (pol == stand_in && (reply.error == 0 ||
	    strcmp(reply.reason, "denied by the porthole policy") == 0))
		abort();
	if (pol != stand_in &&
	    strcmp(reply.reason, PH_REASON_NO_POLICY_DAEMON) == 0)
		abort();
	if (reply.error != 0) {
		if (out != -1)
			abort();
		/* S52: a refusal never binds (no race in this process). */
		if (keep >= 0 && port_of_ss(keep, &ss) != port_before)
			abort();
	} else if (rq.type == PH_MSG_BIND) {
		if (out != -1)
			abort();		/* a bind reply carries no fd */
		check_bind_grant(who, &rq.g, keep);
	} else {
		if (out < 0 || who->foreign_netns || who->peer.uid != me_uid)
			abort();
		if (rq.g.kind == PH_GRANT_RAW4 ? (rq.g.protocol != IPPROTO_ICMP ||
		    getint(out, SOL_SOCKET, SO_DOMAIN) != AF_INET ||
		    getint(out, SOL_SOCKET, SO_TYPE) != SOCK_RAW ||
		    getint(out, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_ICMP) :
		    (rq.g.kind != PH_GRANT_PACKET || strcmp(rq.g.ifname, "lo") != 0 ||
		    getint(out, SOL_SOCKET, SO_DOMAIN) != AF_PACKET))
			abort();		/* opened beyond the policy */
		if (fcntl(out, F_GETFD) != FD_CLOEXEC)
			abort();
	}
	if (out >= 0)
		close(out);

	/* S77, the converse: what the reference allows, on a clean fresh
	 * socket of the right family, is granted or finds its port busy. */
	clean = (fdkind == FD_TCP4 || fdkind == FD_UDP4 || fdkind == FD_TCP6 ||
	    fdkind == FD_UDP6) && !(opts & (OPT_REUSEPORT | OPT_OWNFILTER)) &&
	    !((opts & OPT_REUSEADDR) && (fdkind == FD_UDP4 ||
	    fdkind == FD_UDP6)) && port_before == 0;
	if (rq.type == PH_MSG_BIND && clean && pol != stand_in &&
	    ((fdkind == FD_TCP4 || fdkind == FD_UDP4) ? AF_INET : AF_INET6) ==
	    rq.g.family && (can_filter || fdkind == FD_UDP4 ||
	    fdkind == FD_UDP6) &&
	    ref_bind_allowed(who, (fdkind == FD_TCP4 || fdkind == FD_TCP6) ?
	    PH_GRANT_TCP : PH_GRANT_UDP, rq.g.family, rq.g.addr, rq.g.port_lo) &&
	    reply.error != 0 && reply.error != EADDRINUSE &&
	    /* a mapped address on a V6ONLY socket: bind()'s EINVAL */
	    !(reply.error == EINVAL && (opts & OPT_V6ONLY)))
		abort();
	return reply.error;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 inited;
	struct ph_requester	 who;
	const uint8_t		*msg = data;
	size_t			 n = size;
	int			 fdkind = FD_NONE, opts = 0, wsel = 0;
	int			 alt = 0;
	int			 before, fd, keep = -1, other = -1, e;

	if (!inited) {
		init();
		inited = 1;
	}
	if (size >= 2) {
		fdkind = data[0] & 7;
		opts = data[0] >> 3;
		wsel = data[1] & 3;
		msg = data + 2;
		n = size - 2;
	}
	memset(&who, 0, sizeof(who));
	who.peer.uid = me_uid;
	who.peer.gid = me_gid;
	if (wsel == 1) {
		who.peer.uid = OTHER_UID;
		who.peer.groups = other_groups;
		who.peer.ngroups = 2;
	} else if (wsel == 2)
		who.peer.uid = (uid_t)-1;
	else if (wsel == 3)
		who.peer.gid = (gid_t)-1;
	if (size >= 2) {
		who.foreign_netns = (data[1] >> 2) & 1;
		alt = (data[1] >> 4) & 1;
	}
	pol = size >= 2 && (data[1] & 8) ? stand_in : real_pol;

	before = fd_count();
	fd = make_fd(fdkind, opts, alt, &other);
	if (fd >= 0 && (keep = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
		abort();
	e = one_call(&who, msg, n, fd, keep, opts, alt ? FD_NONE :
	    fdkind);
	/* Asked twice: the same socket again (S49: our own locked filter
	 * is no reason to refuse; a bound socket is). */
	if ((opts & OPT_TWICE) && keep >= 0) {
		int	again = fcntl(keep, F_DUPFD_CLOEXEC, 3);
		int	e2;

		if (again == -1)
			abort();
		e2 = one_call(&who, msg, n, again, keep,
		    opts & ~OPT_TWICE, FD_NONE);
		if (e == 0 && e2 == 0 && (fdkind == FD_TCP4 ||
		    fdkind == FD_TCP6 || fdkind == FD_UDP4 ||
		    fdkind == FD_UDP6))
			abort();		/* bound twice */
	}
	if (keep >= 0)
		close(keep);
	if (other >= 0)
		close(other);
	if (fd_count() != before)
		abort();			/* an fd leaked */
	return 0;
}
