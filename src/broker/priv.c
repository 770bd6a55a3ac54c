/* SPDX-License-Identifier: ISC */
/*
 * priv.c - the broker's request handler: decode strictly, check the
 * socket or the request against the policy, act, and say what happened.
 * The same code serves portholed (many clients) and porthole-helper (one).
 *
 * Runs as: the daemon's user with CAP_NET_BIND_SERVICE, CAP_NET_ADMIN
 * and perhaps CAP_NET_RAW (portholed), or the caller itself with the one
 * capability the request needs made effective (porthole-helper, setuid or
 * with file capabilities, after its drop: helper.c).
 *
 * Bind in place (the authbind model, S47, S52): the caller created the
 * socket, so it carries the caller's identity (sk_uid, the file's
 * opener); the broker only checks it, locks a filter on a TCP socket
 * (S49, below) and calls bind(), and listen() for TCP before it answers.
 * The broker never writes to, sends on or connects a socket it was given
 * (S34).  Raw and packet sockets are made here, and only for a caller in
 * the broker's own network namespace (S56).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "grant.h"
#include "priv.h"

#ifndef SO_LOCK_FILTER
#define SO_LOCK_FILTER	44
#endif
#ifndef SO_GET_FILTER
#define SO_GET_FILTER	SO_ATTACH_FILTER
#endif

/*
 * S49: a TCP grant must never be a privileged source port.  listen()
 * alone does not ensure it: the caller holds the socket too and can
 * connect() it between our bind() and listen() (and on kernels before
 * 6.18, turn the listener back into a bound socket with connect(AF_UNSPEC)
 * and connect() it then; 6.18 refuses that connect() with EINVAL, filter
 * or not).  So every TCP socket we bind carries, from before bind(), this
 * classic BPF filter, locked (SO_LOCK_FILTER): it drops every segment with
 * both SYN and ACK
 * set (on a TCP socket the filter sees the TCP header at offset 0; byte
 * 13 holds the flags).  An active open from the socket then never
 * completes, while a listener and the connections it accepts (which
 * inherit the filter) never receive a SYN-ACK in the first place.  The
 * lock cannot be undone, so the caller cannot detach or replace it
 * (SO_DETACH_FILTER, SO_ATTACH_FILTER and SO_ATTACH_BPF give EPERM).
 */
static const struct sock_filter	synack_drop[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),		/* A = flags */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),	/* SYN | ACK */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x12, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),			/* drop */
	BPF_STMT(BPF_RET | BPF_K, 0xffffffffU),		/* keep */
};
#define SYNACK_LEN	(sizeof(synack_drop) / sizeof(synack_drop[0]))

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

static void
reply_set(struct ph_msg_reply *r, uint32_t id, int error, const char *why)
{
	memset(r, 0, sizeof(*r));
	ph__hdr_init(&r->hdr, PH_MSG_REPLY, sizeof(*r), id);
	r->error = error;
	(void)snprintf(r->reason, sizeof(r->reason), "%s", why);
}

/*
 * The socket's kind as a grant kind, or 0 if it is not one we bind: an
 * inet TCP or UDP socket of the address's family, unbound (S46, S52).
 * Three syscalls, each needed, in an order that makes the others safe:
 * - getsockname(): fails for anything that is not a socket, and its
 *   family rules out AF_UNIX (a privileged bind() would make a file
 *   anywhere) and any other family.  Port 0 means unbound, and so also
 *   not listening and not connected: listen() and connect() both bind
 *   a port first (inet_autobind), so no separate check is needed;
 * - SO_TYPE and SO_PROTOCOL: TCP on a stream socket or UDP on a
 *   datagram socket, nothing else (no raw, no SCTP, no MPTCP).
 */
static int
socket_kind(int fd, int family, const char **why)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof(ss), il = sizeof(int);
	uint16_t		port;
	int			type = 0, proto = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		*why = "the fd is not a socket";
		return 0;
	}
	if (ss.ss_family != family) {
		*why = "the socket's family is not the address's";
		return 0;
	}
	port = family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port;
	if (port != 0) {
		*why = "the socket is already bound, listening or connected";
		return 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &il) == -1 ||
	    (il = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto,
	    &il) == -1)) {
		*why = "cannot read the socket's type";
		return 0;
	}
	if (type == SOCK_STREAM && proto == IPPROTO_TCP)
		return PH_GRANT_TCP;
	if (type == SOCK_DGRAM && proto == IPPROTO_UDP)
		return PH_GRANT_UDP;
	*why = "only TCP and UDP sockets are bound";
	return 0;
}

static int
sockopt_on(int fd, int level, int opt)
{
	socklen_t	sl = sizeof(int);
	int		v = 0;

	if (getsockopt(fd, level, opt, &v, &sl) == -1)
		return -1;
	return v != 0;
}

/*
 * S48: SO_REUSEPORT shares a port between sockets of one uid, and on UDP
 * SO_REUSEADDR shares it between any users (kernel-facts V20): refuse
 * both, so a granted port has one owner.
 */
static int
reuse_refused(int fd, int kind, const char **why)
{
	if (sockopt_on(fd, SOL_SOCKET, SO_REUSEPORT) != 0) {
		*why = "SO_REUSEPORT is set: a granted port is not shared";
		return 1;
	}
	if (kind == PH_GRANT_UDP && sockopt_on(fd, SOL_SOCKET, SO_REUSEADDR)
	    != 0) {
		*why = "SO_REUSEADDR on UDP would let another user share it";
		return 1;
	}
	return 0;
}

/* The kernel's address after bind() must be what was authorised (S50). */
static int
bound_as_asked(int fd, const struct sockaddr_storage *want, socklen_t wl)
{
	struct sockaddr_storage	got;
	socklen_t		gl = sizeof(got);

	if (getsockname(fd, (struct sockaddr *)&got, &gl) == -1 || gl != wl)
		return 0;
	if (want->ss_family == AF_INET)
		return memcmp(&((struct sockaddr_in *)&got)->sin_addr,
		    &((const struct sockaddr_in *)want)->sin_addr, 4) == 0 &&
		    ((struct sockaddr_in *)&got)->sin_port ==
		    ((const struct sockaddr_in *)want)->sin_port;
	return memcmp(&((struct sockaddr_in6 *)&got)->sin6_addr,
	    &((const struct sockaddr_in6 *)want)->sin6_addr, 16) == 0 &&
	    ((struct sockaddr_in6 *)&got)->sin6_port ==
	    ((const struct sockaddr_in6 *)want)->sin6_port;
}

static void
rule_text(struct ph_audit *audit, const struct ph_policy *pol, int line,
    const char *rule)
{
	(void)snprintf(audit->rule, sizeof(audit->rule), "%s:%d: %s",
	    ph_policy_file(pol), line, rule);
}

/*
 * A request the policy does not allow: EACCES.  S89: the client learns
 * "denied", not the policy; but when the policy in force is the empty
 * stand-in for one that is missing or refused (S53), it learns that
 * instead, since no rule it could add would help (issue 11).  That says
 * nothing about the policy's contents: only that there is none.
 */
static void
deny_by_policy(const struct ph_policy *pol, uint32_t id,
    struct ph_msg_reply *reply, struct ph_audit *audit)
{
	int	origin = ph_policy_stand_in_for(pol);

	audit->error = EACCES;
	if (origin != 0) {
		(void)snprintf(audit->rule, sizeof(audit->rule),
		    "no valid policy at %s", ph_policy_file(pol));
		reply_set(reply, id, EACCES, origin == PH_POLICY_FOR_HELPER ?
		    PH_REASON_NO_POLICY_HELPER : PH_REASON_NO_POLICY_DAEMON);
		return;
	}
	(void)snprintf(audit->rule, sizeof(audit->rule), "no rule in %s",
	    ph_policy_file(pol));
	reply_set(reply, id, EACCES, "denied by the porthole policy");
}

static int
do_bind(const struct ph_policy *pol, const struct ph_requester *who,
    struct ph_grant *g, uint32_t backlog, uint32_t scope, int fd,
    uint32_t id, struct ph_msg_reply *reply, struct ph_audit *audit)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	const char		*why = "";
	char			 rule[160];
	int			 line = 0;

	if ((g->kind = socket_kind(fd, g->family, &why)) == 0) {
		/* Not a TCP or UDP socket: "bind ADDR:PORT" for the log. */
		g->kind = PH_GRANT_TCP;
		(void)ph__grant_format(g, rule, sizeof(rule));
		(void)snprintf(audit->request, sizeof(audit->request),
		    "bind %.70s", rule + 4);	/* after "tcp:" */
		audit->error = EINVAL;
		reply_set(reply, id, EINVAL, why);
		return 0;
	}
	(void)ph__grant_format(g, audit->request, sizeof(audit->request));
	if (reuse_refused(fd, g->kind, &why)) {
		audit->error = EINVAL;
		reply_set(reply, id, EINVAL, why);
		return 0;
	}
	/* S50: the one bind decision, shared with `porthole check`. */
	if (!ph_policy_check_bind(pol, who, g, &line, rule, sizeof(rule),
	    NULL, NULL, 0)) {
		deny_by_policy(pol, id, reply, audit);
		return 0;
	}
	rule_text(audit, pol, line, rule);
	if (g->kind == PH_GRANT_TCP && !lock_synack_filter(fd, &why)) {
		audit->error = EPERM;
		(void)snprintf(audit->rule, sizeof(audit->rule), "%s", why);
		reply_set(reply, id, EPERM, why);
		return 0;
	}
	memset(&ss, 0, sizeof(ss));
	if (g->family == AF_INET) {
		struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(g->port_lo);
		memcpy(&sin->sin_addr, g->addr, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(g->port_lo);
		memcpy(&sin6->sin6_addr, g->addr, 16);
		sin6->sin6_scope_id = scope;	/* link-local kept */
		sl = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		audit->error = errno;
		reply_set(reply, id, errno, "bind failed");
		return 0;
	}
	/* Listening at once, as a TCP grant is documented to come back;
	 * S49 does not rest on it (the filter above does). */
	if (g->kind == PH_GRANT_TCP && listen(fd, (int)backlog) == -1) {
		audit->error = errno;
		reply_set(reply, id, errno, "listen failed");
		return 0;
	}
	/*
	 * S48: re-read what the kernel now holds; the caller keeps a copy
	 * of the socket and may have set a sharing option meanwhile.  A
	 * race found here is refused and logged.  The socket stays bound
	 * (a bound socket cannot be unbound) on the address and port the
	 * policy allowed, and for TCP with the filter locked: nothing
	 * beyond the caller's grants, since SO_REUSEPORT only shares with
	 * sockets of the same uid, which need a grant of their own to bind
	 * a privileged port, and the dual-stack question never depended on
	 * IPV6_V6ONLY (ph_policy_check_bind()).
	 */
	if (!bound_as_asked(fd, &ss, sl) || reuse_refused(fd, g->kind, &why)) {
		(void)shutdown(fd, SHUT_RDWR);
		audit->error = EPERM;
		(void)snprintf(audit->rule, sizeof(audit->rule),
		    "options changed during bind (raced)");
		reply_set(reply, id, EPERM, "the socket changed during bind");
		return 0;
	}
	audit->granted = 1;
	reply_set(reply, id, 0, "granted");
	return 0;
}

/*
 * Create a raw or packet socket.  porthole-helper runs as the caller by
 * now (helper.c), so the socket carries the caller's identity (S47);
 * portholed makes it as its own user.
 */
static int
make_socket(int domain, int type, int protocol)
{
	int	fd = socket(domain, type | SOCK_CLOEXEC, protocol);

	return fd == -1 ? -errno : fd;
}

static int
do_open(const struct ph_policy *pol, const struct ph_requester *who,
    const struct ph_grant *g, uint32_t id,
    struct ph_msg_reply *reply, int *ret_fd, struct ph_audit *audit)
{
	struct sockaddr_ll	sll;
	struct ifreq		ifr;
	char			rule[160];
	int			line = 0, fd = -1, e;

	(void)ph__grant_format(g, audit->request, sizeof(audit->request));
	/*
	 * S56: we would make the socket in our own network namespace, not
	 * in the caller's (a container's, or systemd's PrivateNetwork=):
	 * refuse, before the policy is even asked.
	 */
	if (who->foreign_netns) {
		audit->error = EPERM;
		(void)snprintf(audit->rule, sizeof(audit->rule),
		    "the caller is in another network namespace than the "
		    "broker (netns cookie %llu, the broker's %llu)",
		    (unsigned long long)who->netns[0],
		    (unsigned long long)who->netns[1]);
		reply_set(reply, id, EPERM, "raw and packet sockets only in "
		    "the broker's network namespace");
		return 0;
	}
	if (!ph_policy_check(pol, who, g, &line, rule, sizeof(rule))) {
		deny_by_policy(pol, id, reply, audit);
		return 0;
	}
	rule_text(audit, pol, line, rule);
	switch (g->kind) {
	case PH_GRANT_RAW4:
		fd = make_socket(AF_INET, SOCK_RAW, g->protocol);
		break;
	case PH_GRANT_RAW6:
		fd = make_socket(AF_INET6, SOCK_RAW, g->protocol);
		break;
	default:
		fd = make_socket(AF_PACKET, SOCK_RAW,
		    htons(ETH_P_ALL));
		if (fd < 0)
			break;
		/* The interface index by ioctl: no name service (S55). */
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, g->ifname, strlen(g->ifname) + 1);
		memset(&sll, 0, sizeof(sll));
		if (ioctl(fd, SIOCGIFINDEX, &ifr) == -1) {
			e = errno;
			(void)close(fd);
			fd = -e;
			break;
		}
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = ifr.ifr_ifindex;
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
			e = errno;
			(void)close(fd);
			fd = -e;
		}
		break;
	}
	if (fd < 0) {
		audit->error = -fd;
		reply_set(reply, id, -fd, "cannot create the socket");
		return 0;
	}
	audit->granted = 1;
	reply_set(reply, id, 0, "granted");
	*ret_fd = fd;
	return 0;
}

/*
 * ph_broker_handle() - see priv.h.  Decode first; a malformed message
 * or an fd where none belongs (or none where one must be) drops the
 * client (S71, S40); anything well-formed gets an answer.
 */
int
ph_broker_handle(const struct ph_policy *pol, const struct ph_requester *who,
    const void *buf, size_t n, int fd,
    struct ph_msg_reply *reply, int *ret_fd, struct ph_audit *audit)
{
	struct ph_grant	g;
	uint32_t	id = 0, backlog = 0, scope = 0;
	uint16_t	type = 0;
	int		r;

	memset(audit, 0, sizeof(*audit));
	*ret_fd = -1;
	r = ph__req_decode(buf, n, &type, &id, &g, &backlog, &scope);
	if (r == -EPROTONOSUPPORT) {
		(void)snprintf(audit->request, sizeof(audit->request),
		    "unsupported protocol version");
		audit->error = EPROTONOSUPPORT;
		reply_set(reply, id, EPROTONOSUPPORT,
		    "protocol version not supported");
		return 0;
	}
	if (r < 0 || (type == PH_MSG_BIND) != (fd >= 0)) {
		(void)snprintf(audit->request, sizeof(audit->request),
		    "malformed request");
		audit->error = EBADMSG;
		return -EBADMSG;
	}
	if (who->uid == (uid_t)-1 || who->gid == (gid_t)-1) {
		(void)snprintf(audit->request, sizeof(audit->request),
		    "request from unknown credentials");
		audit->error = EPROTO;	/* S37, S19: unknown is denied */
		return -EPROTO;
	}
	if (type == PH_MSG_STATUS) {
		/*
		 * portholed answers a status itself, before the handler
		 * (issue 11); reaching here means porthole-helper, which
		 * has no daemon state to report: EOPNOTSUPP.
		 */
		(void)snprintf(audit->request, sizeof(audit->request),
		    "status");
		audit->error = EOPNOTSUPP;
		reply_set(reply, id, EOPNOTSUPP, PH_REASON_STATUS_UNSUPPORTED);
		return 0;
	}
	if (type == PH_MSG_BIND)
		r = do_bind(pol, who, &g, backlog, scope, fd, id, reply, audit);
	else
		r = do_open(pol, who, &g, id, reply, ret_fd, audit);
	return r;
}
