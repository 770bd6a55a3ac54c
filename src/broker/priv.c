/* SPDX-License-Identifier: ISC */
/*
 * priv.c - the broker's request handler: decode strictly, check the
 * socket or the request against the policy, act, and say what happened.
 * The same code serves portholed (many clients) and porthole-helper (one).
 *
 * Runs as: the daemon's user with CAP_NET_BIND_SERVICE, CAP_NET_RAW and
 * CAP_NET_ADMIN (portholed), or the caller itself with the capabilities
 * the request's kind needs made effective (porthole-helper, setuid or
 * with file capabilities, after its drop: helper.c; the table `kinds`).
 *
 * Bind in place (the authbind model, S47, S52): the caller created the
 * socket, so it carries the caller's identity (sk_uid, the file's
 * opener); the broker only checks it, guards a TCP socket against an
 * outgoing connection (S49, below) and calls bind(), and listen() for
 * TCP before it answers.
 * The broker never writes to, sends on or connects a socket it was given
 * (S34).  Raw and packet sockets are made here, and only for a caller in
 * the broker's own network namespace (S56).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/capability.h>

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"
#include "priv.h"


/*
 * The request, decoded once: what ph__req_decode() gives, with the fd
 * that came with it (borrowed) and the answer being made.  deny() and
 * grant() fill the reply and the audit record together, so the client
 * and the log never tell two stories.
 */
struct request {
	struct ph_request	 m;		/* the message */
	int			 fd;		/* borrowed, or -1 */
	struct ph_msg_reply	*reply;
	struct ph_audit		*audit;
};

static void
reply_set(struct ph_msg_reply *r, uint32_t id, int error, const char *why)
{
	memset(r, 0, sizeof(*r));
	ph__hdr_init(&r->hdr, PH_MSG_REPLY, sizeof(*r), id);
	r->error = error;
	(void)snprintf(r->reason, sizeof(r->reason), "%s", why);
}

/*
 * Refuse: the client reads `why`; the log reads `logged` (or `why`)
 * as the rule that decided.  Returns 0: a reply is to be sent.
 */
static int
deny(struct request *rq, int error, const char *why, const char *logged)
{
	rq->audit->error = error;
	rq->audit->granted = 0;
	if (logged != NULL)
		(void)snprintf(rq->audit->rule, sizeof(rq->audit->rule), "%s",
		    logged);
	reply_set(rq->reply, rq->m.id, error, why);
	return 0;
}

static int
grant(struct request *rq)
{
	rq->audit->error = 0;
	rq->audit->granted = 1;
	reply_set(rq->reply, rq->m.id, 0, "granted");
	return 0;
}

/*
 * The socket's kind as a grant kind, or 0 if it is not one we bind: an
 * inet TCP or UDP socket of the address's family, unbound (S46, S52).
 * Two syscalls, each needed, in an order that makes the other safe:
 * - getsockname(): fails for anything that is not a socket, and its
 *   family rules out AF_UNIX (a privileged bind() would make a file
 *   anywhere) and any other family.  Port 0 means unbound, and so also
 *   not listening and not connected: listen() and connect() both bind
 *   a port first (inet_autobind), so no separate check is needed.  It
 *   also rules out every raw socket: the kernel gives a raw socket its
 *   protocol number as its port from socket() on (6 for TCP, 17 for
 *   UDP, 255 for IPPROTO_RAW; IPv4 and IPv6 alike).
 * - SO_PROTOCOL: TCP or UDP, nothing else (no SCTP, MPTCP, UDP-Lite or
 *   ICMP).  With raw sockets gone, that names the type as well: the
 *   kernel makes IPPROTO_TCP only as SOCK_STREAM and IPPROTO_UDP only
 *   as SOCK_DGRAM (inetsw), so SO_TYPE would add a syscall and nothing
 *   else (test_s46_raw_tcp_udp).
 */
static int
socket_kind(int fd, int family, const char **why)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof(ss), il = sizeof(int);
	uint16_t		port;
	int			proto = 0;

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
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &il) == -1) {
		*why = "cannot read the socket's type";
		return 0;
	}
	if (proto == IPPROTO_TCP)
		return PH_GRANT_TCP;
	if (proto == IPPROTO_UDP)
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
static int
deny_by_policy(const struct ph_policy *pol, struct request *rq)
{
	char	logged[sizeof(rq->audit->rule)];
	int	origin = ph_policy_stand_in_for(pol);

	if (origin != 0) {
		(void)snprintf(logged, sizeof(logged), "no valid policy at %s",
		    ph_policy_file(pol));
		return deny(rq, EACCES, origin == PH_POLICY_FOR_HELPER ?
		    PH_REASON_NO_POLICY_HELPER : PH_REASON_NO_POLICY_DAEMON,
		    logged);
	}
	(void)snprintf(logged, sizeof(logged), "no rule in %s",
	    ph_policy_file(pol));
	return deny(rq, EACCES, "denied by the porthole policy", logged);
}

/* The sockaddr the grant names (scope: an IPv6 link-local's, kept). */
static socklen_t
grant_sockaddr(const struct ph_grant *g, uint32_t scope,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (g->family == AF_INET) {
		struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(g->port_lo);
		memcpy(&sin->sin_addr, g->addr, 4);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(g->port_lo);
		memcpy(&sin6->sin6_addr, g->addr, 16);
		sin6->sin6_scope_id = scope;
		return sizeof(*sin6);
	}
}

static int
do_bind(const struct ph_policy *pol, const struct ph_requester *who,
    struct request *rq, int *ret_fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	const char		*why = "";
	char			 rule[160];
	int			 line = 0, err;

	(void)ret_fd;
	if ((rq->m.g.kind = socket_kind(rq->fd, rq->m.g.family, &why)) == 0) {
		/* Not a TCP or UDP socket: "bind ADDR:PORT" for the log. */
		rq->m.g.kind = PH_GRANT_TCP;
		(void)ph__grant_format(&rq->m.g, rule, sizeof(rule));
		(void)snprintf(rq->audit->request, sizeof(rq->audit->request),
		    "bind %.70s", rule + 4);	/* after "tcp:" */
		return deny(rq, EINVAL, why, NULL);
	}
	(void)ph__grant_format(&rq->m.g, rq->audit->request,
	    sizeof(rq->audit->request));
	if (reuse_refused(rq->fd, rq->m.g.kind, &why))
		return deny(rq, EINVAL, why, NULL);
	/* S50: the one bind decision, shared with `porthole check`. */
	if (!ph_policy_check_bind(pol, who, &rq->m.g, &line, rule, sizeof(rule),
	    NULL, NULL, 0))
		return deny_by_policy(pol, rq);
	rule_text(rq->audit, pol, line, rule);
	sl = grant_sockaddr(&rq->m.g, rq->m.scope, &ss);
	if (!ph_bind_in_place(rq->fd, &rq->m.g, &ss, sl, rq->m.backlog, &err,
	    &why))
		return deny(rq, err, why, err == EPERM ? why : NULL);
	/*
	 * S48: re-read what the kernel now holds; the caller keeps a copy
	 * of the socket and may have set a sharing option meanwhile.  A
	 * race found here is refused and logged.  The socket stays bound
	 * (a bound socket cannot be unbound) on the address and port the
	 * policy allowed: nothing beyond the caller's grants, since
	 * SO_REUSEPORT only shares with sockets of the same uid, which need
	 * a grant of their own to bind a privileged port, and the
	 * dual-stack question never depended on IPV6_V6ONLY
	 * (ph_policy_check_bind()).
	 */
	if (!bound_as_asked(rq->fd, &ss, sl) ||
	    reuse_refused(rq->fd, rq->m.g.kind, &why)) {
		(void)shutdown(rq->fd, SHUT_RDWR);
		return deny(rq, EPERM, "the socket changed during bind",
		    "options changed during bind (raced)");
	}
	return grant(rq);
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

/* A packet socket bound to the interface named in g (S55: by ioctl,
 * no name service).  The fd, or -errno. */
static int
make_packet_socket(const struct ph_grant *g)
{
	struct sockaddr_ll	sll;
	struct ifreq		ifr;
	int			fd, e;

	if ((fd = make_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, g->ifname, strlen(g->ifname) + 1);
	memset(&sll, 0, sizeof(sll));
	if (ioctl(fd, SIOCGIFINDEX, &ifr) == -1) {
		e = errno;
		(void)close(fd);
		return -e;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		e = errno;
		(void)close(fd);
		return -e;
	}
	return fd;
}

static int
do_open(const struct ph_policy *pol, const struct ph_requester *who,
    struct request *rq, int *ret_fd)
{
	char	rule[160], logged[sizeof(rq->audit->rule)];
	int	line = 0, fd;

	(void)ph__grant_format(&rq->m.g, rq->audit->request,
	    sizeof(rq->audit->request));
	/*
	 * S56: we would make the socket in our own network namespace, not
	 * in the caller's (a container's, or systemd's PrivateNetwork=):
	 * refuse, before the policy is even asked.
	 */
	if (who->foreign_netns) {
		(void)snprintf(logged, sizeof(logged), "the caller is in "
		    "another network namespace than the broker (netns cookie "
		    "%llu, the broker's %llu)",
		    (unsigned long long)who->netns[0],
		    (unsigned long long)who->netns[1]);
		return deny(rq, EPERM, "raw and packet sockets only in the "
		    "broker's network namespace", logged);
	}
	if (!ph_policy_check(pol, who, &rq->m.g, &line, rule, sizeof(rule)))
		return deny_by_policy(pol, rq);
	rule_text(rq->audit, pol, line, rule);
	if (rq->m.g.kind == PH_GRANT_RAW4)
		fd = make_socket(AF_INET, SOCK_RAW, rq->m.g.protocol);
	else if (rq->m.g.kind == PH_GRANT_RAW6)
		fd = make_socket(AF_INET6, SOCK_RAW, rq->m.g.protocol);
	else
		fd = make_packet_socket(&rq->m.g);
	if (fd < 0)
		return deny(rq, -fd, "cannot create the socket", NULL);
	*ret_fd = fd;
	return grant(rq);
}

/*
 * portholed answers a status itself, before the handler (issue 11);
 * reaching here means porthole-helper, which has no daemon state to
 * report: EOPNOTSUPP.
 */
static int
do_status(const struct ph_policy *pol, const struct ph_requester *who,
    struct request *rq, int *ret_fd)
{
	(void)pol;
	(void)who;
	(void)ret_fd;
	(void)snprintf(rq->audit->request, sizeof(rq->audit->request),
	    "status");
	return deny(rq, EOPNOTSUPP, PH_REASON_STATUS_UNSUPPORTED, NULL);
}

/*
 * The kinds of request, after OpenSSH's monitor table: for each, whether
 * an fd comes with it (exactly one, or none: S40, S71), the capabilities
 * its handler uses (porthole-helper raises just these, S14; portholed
 * holds their union), and the handler.  Anything not here is dropped.
 */
#define CAPS_BIND	((1ULL << CAP_NET_BIND_SERVICE) | \
			    (1ULL << CAP_NET_RAW) | (1ULL << CAP_NET_ADMIN))
#define CAPS_OPEN	(1ULL << CAP_NET_RAW)
static const struct kind {
	uint16_t		 type;
	int			 with_fd;
	unsigned long long	 caps;
	int			(*handle)(const struct ph_policy *,
				    const struct ph_requester *,
				    struct request *, int *);
} kinds[] = {
	{ PH_MSG_BIND,		1, CAPS_BIND,	do_bind },
	{ PH_MSG_OPEN,		0, CAPS_OPEN,	do_open },
	{ PH_MSG_STATUS,	0, 0,		do_status },
};

static const struct kind *
kind_of(uint16_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].type == type)
			return &kinds[i];
	return NULL;
}

/* ph_broker_caps() - see priv.h. */
unsigned long long
ph_broker_caps(uint16_t type)
{
	const struct kind	*k = kind_of(type);

	return k != NULL ? k->caps : 0;
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
	const struct kind	*k;
	struct request		 rq;
	int			 r;

	memset(audit, 0, sizeof(*audit));
	memset(&rq, 0, sizeof(rq));
	*ret_fd = -1;
	rq.fd = fd;
	rq.reply = reply;
	rq.audit = audit;
	r = ph__req_decode(buf, n, &rq.m);
	if (r == -EPROTONOSUPPORT) {
		(void)snprintf(audit->request, sizeof(audit->request),
		    "unsupported protocol version");
		return deny(&rq, EPROTONOSUPPORT,
		    "protocol version not supported", NULL);
	}
	k = r < 0 ? NULL : kind_of(rq.m.type);
	if (k == NULL || k->with_fd != (fd >= 0)) {
		(void)snprintf(audit->request, sizeof(audit->request),
		    "malformed request");
		audit->error = EBADMSG;
		return -EBADMSG;
	}
	if (who->peer.uid == (uid_t)-1 || who->peer.gid == (gid_t)-1) {
		(void)snprintf(audit->request, sizeof(audit->request),
		    "request from unknown credentials");
		audit->error = EPROTO;	/* S37, S19: unknown is denied */
		return -EPROTO;
	}
	return k->handle(pol, who, &rq, ret_fd);
}
