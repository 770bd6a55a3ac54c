/* SPDX-License-Identifier: ISC */
/*
 * ph-brokerclient.c - a test client that speaks the broker protocol
 * (src/lib/proto.h) by hand, so root tests can send what libporthole
 * never would: hostile sockets, malformed messages, floods, silence.
 *
 *   ph-brokerclient [TARGET] [OPTIONS] ACTION [ARGS...]
 *
 * TARGET:
 *   -d PATH       portholed's socket (default: $PORTHOLE_SOCKET)
 *   -H PROG       run PROG (porthole-helper) with the channel on fd 3, an
 *                 empty environment and argv { PROG, ARG... }
 *   -a ARG        one more argument for -H
 * OPTIONS:
 *   -3 KIND       what -H gets on fd 3: pair (a SOCK_SEQPACKET socketpair,
 *                 the default), stream (a SOCK_STREAM socketpair), devnull,
 *                 pipe (the request is written into it), udp (a UDP socket;
 *                 the request is sent to it), foreign:UID (a socketpair
 *                 made while our euid was UID: needs root and -u), smuggle
 *                 (fd 3 /dev/null, fd 4 a socketpair with the request
 *                 already queued on it)
 *   -F PATH:N     open PATH N times (and a pipe) without O_CLOEXEC before
 *                 running -H, for the helper to inherit
 *   -W MS         with -H: print "helper_pid=N" and "client_pid=N", wait
 *                 MS ms, then send
 *   -u UID:GID    after making the sockets, become UID:GID (no groups)
 * ACTION:
 *   bind SOCK ADDR PORT [connect] [hold:SECONDS]
 *       SOCK: tcp4 tcp6 tcp6only tcp6dual udp4 udp6 unix netlink raw4,
 *       with +reuseport +reuseaddr +bound +connected +listening
 *   open raw4|raw6 PROTO | open packet IFNAME
 *   msg CASE [ADDR PORT]   one hand-made malformed (or valid) message
 *   flood N SECONDS        N idle connections; say how many the daemon
 *                          closed within 1 s, then hold the rest
 *   idle SECONDS           one silent connection: when did it close?
 *
 * Output, one "key=value" a line:
 *   result=granted|refused:ENAME (the broker's answer), dropped (it hung
 *     up without one), noreply (-3 pipe/udp: nothing to read one from),
 *     timeout, badreply, connect:ENAME (no daemon to talk to)
 *   reason=TEXT  reply_id_ok=0|1  sendfail=ENAME
 *   bound=ADDR:PORT|none  listening=0|1  connect=ok|ENAME
 *   fd=FAMILY/TYPE/PROTOCOL  uid=N (a returned raw socket's owner)
 *   netns_same=0|1 (the returned socket is in our network namespace)
 *   helper=exit:N|signal:N|timeout  helper_pid=N  client_pid=N
 *   open=N closed=N (flood)  closed_after=SECONDS|never (idle)
 * Exit 0 when the exchange ran (whatever the verdict), 2 on usage
 * errors, 3 when the test itself could not be set up.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "private.h"
#include "testlib.h"

#define CHAN_FD		3
#define REPLY_WAIT	5	/* seconds */


static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ph-brokerclient [-d PATH | -H PROG [-a ARG]] "
	    "[-3 KIND] [-F PATH:N] [-W MS] [-u UID:GID] ACTION ...\n");
	exit(2);
}

/* ---- state ---------------------------------------------------------- */

static const char	*daemon_path;
static const char	*helper;
static char		*hargv[16];
static int		 nhargv;
static const char	*fd3kind = "pair";
static const char	*extra;
static int		 waitms;
static pid_t		 hpid = -1;
static uint32_t		 msgid = 0x5eed;

/* ---- sockets to send ------------------------------------------------ */

static int
sock_family(const char *s)
{
	if (strncmp(s, "tcp6", 4) == 0 || strncmp(s, "udp6", 4) == 0)
		return AF_INET6;
	return AF_INET;
}

static int
has_mod(const char *spec, const char *mod)
{
	const char	*p = strchr(spec, '+');
	size_t		 n = strlen(mod);

	for (; p != NULL; p = strchr(p + 1, '+'))
		if (strncmp(p + 1, mod, n) == 0 &&
		    (p[1 + n] == '\0' || p[1 + n] == '+'))
			return 1;
	return 0;
}

static void
loopback(int family, struct sockaddr_storage *ss, socklen_t *sl, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*s4);
	}
}

/* Make the socket SOCK describes (see the usage above). */
static int
make_sock(const char *spec)
{
	struct sockaddr_storage	ss;
	socklen_t		sl;
	int			fd, one = 1, zero = 0, fam = sock_family(spec);
	int			tcp = strncmp(spec, "tcp", 3) == 0;

	if (strncmp(spec, "unix", 4) == 0)
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	else if (strncmp(spec, "netlink", 7) == 0)
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	else if (strncmp(spec, "raw4", 4) == 0)
		fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	else if (tcp || strncmp(spec, "udp", 3) == 0)
		fd = socket(fam, (tcp ? SOCK_STREAM : SOCK_DGRAM) |
		    SOCK_CLOEXEC, 0);
	else
		usage();
	if (fd == -1)
		setup_fail("socket");
	if (strncmp(spec, "tcp6only", 8) == 0 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1)
		setup_fail("IPV6_V6ONLY");
	if (strncmp(spec, "tcp6dual", 8) == 0 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &zero, sizeof(zero)) == -1)
		setup_fail("IPV6_V6ONLY");
	if (has_mod(spec, "reuseport") && setsockopt(fd, SOL_SOCKET,
	    SO_REUSEPORT, &one, sizeof(one)) == -1)
		setup_fail("SO_REUSEPORT");
	if (has_mod(spec, "reuseaddr") && setsockopt(fd, SOL_SOCKET,
	    SO_REUSEADDR, &one, sizeof(one)) == -1)
		setup_fail("SO_REUSEADDR");
	if (has_mod(spec, "bound")) {
		loopback(fam, &ss, &sl, 0);
		if (bind(fd, (struct sockaddr *)&ss, sl) == -1)
			setup_fail("bind (+bound)");
	}
	if (has_mod(spec, "connected")) {
		if (tcp) {		/* a listener of our own to connect to */
			int	l = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);

			loopback(fam, &ss, &sl, 0);
			if (l == -1 || bind(l, (struct sockaddr *)&ss, sl) ==
			    -1 || listen(l, 1) == -1 || getsockname(l,
			    (struct sockaddr *)&ss, &sl) == -1)
				setup_fail("listener (+connected)");
			/* l stays open (and leaks) until we exit */
		} else
			loopback(fam, &ss, &sl, 9);
		if (connect(fd, (struct sockaddr *)&ss, sl) == -1)
			setup_fail("connect (+connected)");
	}
	if (has_mod(spec, "listening") && listen(fd, 1) == -1)
		setup_fail("listen (+listening)");
	return fd;
}

/* "bound=ADDR:PORT" or "bound=none" for fd. */
static void
print_bound(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof(ss);
	char			a[INET6_ADDRSTRLEN];
	int			v = 0;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		printf("bound=none\n");
		return;
	}
	if (ss.ss_family == AF_INET &&
	    ((struct sockaddr_in *)&ss)->sin_port != 0) {
		struct sockaddr_in	*s = (struct sockaddr_in *)&ss;

		printf("bound=%s:%u\n", inet_ntop(AF_INET, &s->sin_addr, a,
		    sizeof(a)), ntohs(s->sin_port));
	} else if (ss.ss_family == AF_INET6 &&
	    ((struct sockaddr_in6 *)&ss)->sin6_port != 0) {
		struct sockaddr_in6	*s = (struct sockaddr_in6 *)&ss;

		printf("bound=[%s]:%u\n", inet_ntop(AF_INET6, &s->sin6_addr,
		    a, sizeof(a)), ntohs(s->sin6_port));
	} else if (ss.ss_family == AF_UNIX &&
	    sl > offsetof(struct sockaddr_un, sun_path))
		printf("bound=unix\n");
	else
		printf("bound=none\n");
	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &sl) == 0)
		printf("listening=%d\n", v);
}

/* The uid column of /proc/net/raw{,6} for the socket fd, or -1. */
static long
raw_owner(int fd, int family)
{
	struct stat	 st;
	char		 line[512];
	FILE		*f;
	long		 uid = -1;

	if (fstat(fd, &st) == -1)
		return -1;
	f = fopen(family == AF_INET6 ? "/proc/net/raw6" : "/proc/net/raw",
	    "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long	u, i;

		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %lu %*s %lu",
		    &u, &i) == 2 && i == (unsigned long)st.st_ino) {
			uid = (long)u;
			break;
		}
	}
	(void)fclose(f);
	return uid;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71
#endif
/* The network namespace fd lives in (fd -1: a socket we make now), or 0. */
static uint64_t
netns_cookie(int fd)
{
	uint64_t	c = 0;
	socklen_t	sl = sizeof(c);
	int		s = fd >= 0 ? fd : socket(AF_UNIX, SOCK_DGRAM |
			    SOCK_CLOEXEC, 0);

	if (s == -1 || getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &c, &sl)
	    == -1)
		c = 0;
	if (fd < 0 && s >= 0)
		(void)close(s);
	return c;
}

/* ---- messages -------------------------------------------------------- */

static void
make_bind(struct ph_msg_bind *m, const char *addr, int port)
{
	memset(m, 0, sizeof(*m));
	ph__hdr_init(&m->hdr, PH_MSG_BIND, sizeof(*m), msgid);
	if (strchr(addr, ':') != NULL) {
		m->family = AF_INET6;
		if (inet_pton(AF_INET6, addr, m->addr) != 1)
			usage();
	} else {
		m->family = AF_INET;
		if (inet_pton(AF_INET, addr, m->addr) != 1)
			usage();
	}
	m->port = (uint16_t)port;
}

static void
make_open(struct ph_msg_open *m, const char *kind, const char *arg)
{
	memset(m, 0, sizeof(*m));
	ph__hdr_init(&m->hdr, PH_MSG_OPEN, sizeof(*m), msgid);
	if (strcmp(kind, "raw4") == 0 || strcmp(kind, "raw6") == 0) {
		m->kind = kind[3] == '4' ? PH_OPEN_RAW4 : PH_OPEN_RAW6;
		m->protocol = (uint32_t)strtoul(arg, NULL, 10);
	} else if (strcmp(kind, "packet") == 0) {
		m->kind = PH_OPEN_PACKET;
		(void)snprintf(m->ifname, sizeof(m->ifname), "%s", arg);
	} else
		usage();
}

/* One message with nfds fds, on a socket (SCM_RIGHTS) or by write(). */
static int
send_msg(int s, const void *buf, size_t len, const int *fds, int nfds,
    int plain)
{
	ssize_t		n;
	int		r;

	if (plain) {
		/* The helper may have closed the pipe already: EPIPE, not
		 * death by SIGPIPE (only here: the helper gets our
		 * dispositions otherwise untouched). */
		void	(*old)(int) = signal(SIGPIPE, SIG_IGN);

		n = write(s, buf, len);
		r = n == (ssize_t)len ? 0 : -errno;
		(void)signal(SIGPIPE, old);
		return r;
	}
	n = send_fds(s, buf, len, fds, nfds, MSG_NOSIGNAL);
	return n == (ssize_t)len ? 0 : -errno;
}

/*
 * Read the answer: prints result= (and reason=); returns the fd that
 * came with it (or -1).  EOF is "dropped": the broker hung up on us.
 */
static int
read_reply(int s)
{
	union {
		struct cmsghdr	c;
		char		b[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct ph_msg_reply	r;
	struct msghdr		msg;
	struct cmsghdr		*c;
	struct iovec		iov;
	struct pollfd		p = { s, POLLIN, 0 };
	char			buf[PH_MSG_MAX + 64];
	int			fds[4], nfds = 0, i;
	ssize_t			n;

	if (poll(&p, 1, REPLY_WAIT * 1000) <= 0) {
		printf("result=timeout\n");
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.b;
	msg.msg_controllen = sizeof(ctl.b);
	n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	for (c = CMSG_FIRSTHDR(&msg); n >= 0 && c != NULL;
	    c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (i = 0; i < (int)((c->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int)) && nfds < 4; i++)
				memcpy(&fds[nfds++], CMSG_DATA(c) + i *
				    sizeof(int), sizeof(int));
	if (n == 0) {
		printf("result=dropped\n");
		return -1;
	}
	if (n < 0) {
		printf("result=%s\n", errno == ECONNRESET ? "dropped" :
		    ename(errno));
		return -1;
	}
	if ((size_t)n != sizeof(r)) {
		printf("result=badreply\n");
		return -1;
	}
	memcpy(&r, buf, sizeof(r));
	if (r.hdr.type != PH_MSG_REPLY || r.hdr.len != sizeof(r) ||
	    r.hdr.version != PH_PROTO_VERSION) {
		printf("result=badreply\n");
		return -1;
	}
	r.reason[sizeof(r.reason) - 1] = '\0';
	if (r.error == 0)
		printf("result=granted\n");
	else
		printf("result=refused:%s\n", ename(r.error));
	printf("reason=%s\n", r.reason);
	printf("reply_id_ok=%d\n", r.hdr.id == msgid);
	if (nfds > 1)
		printf("reply_fds=%d\n", nfds);
	for (i = 1; i < nfds; i++)
		(void)close(fds[i]);
	return nfds > 0 ? fds[0] : -1;
}

/* ---- the broker: a daemon connection or a helper run ---------------- */

static int
daemon_connect(void)
{
	const char	*what;
	int		 s;

	if (strlen(daemon_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		usage();
	if ((s = unix_connect(daemon_path, SOCK_SEQPACKET, &what)) != -1)
		return s;
	if (strcmp(what, "socket") == 0)
		setup_fail("socket");
	printf("result=connect:%s\n", ename(errno));
	exit(0);
}

/* Open the -F fds: PATH N times and a pipe, all inheritable. */
static void
open_extra(void)
{
	char	*path, *colon;
	int	 n, i, p[2];

	if (extra == NULL)
		return;
	if ((path = strdup(extra)) == NULL ||
	    (colon = strrchr(path, ':')) == NULL)
		usage();
	*colon = '\0';
	n = atoi(colon + 1);
	for (i = 0; i < n; i++)
		if (open(path, O_RDONLY) == -1)
			setup_fail("open (-F)");
	if (pipe(p) == -1)
		setup_fail("pipe (-F)");
	free(path);
}

/*
 * Make fd 3 for the helper as -3 says, before any -u drop (foreign: needs
 * root).  Sets chan_mine (our end, or -1), chan_theirs, and plain_chan
 * when ours is a pipe or UDP socket that takes write().  -3 smuggle
 * queues `buf` (with qfd) on the fd-4 socketpair here, before the helper
 * even starts.
 */
static int	chan_mine = -1, chan_theirs = -1, smug_theirs = -1, plain_chan;

static void
channel_prepare(const void *queued, size_t qlen, int qfd)
{
	int	sp[2], smug[2];

	if (helper == NULL)
		return;
	if (strcmp(fd3kind, "pair") == 0 || strcmp(fd3kind, "stream") == 0) {
		if (socketpair(AF_UNIX, (fd3kind[0] == 'p' ? SOCK_SEQPACKET :
		    SOCK_STREAM) | SOCK_CLOEXEC, 0, sp) == -1)
			setup_fail("socketpair");
		chan_mine = sp[0];
		chan_theirs = sp[1];
	} else if (strncmp(fd3kind, "foreign:", 8) == 0) {
		/* Made by "another user": SO_PEERCRED is captured from the
		 * euid at socketpair() time. */
		uid_t	fu = (uid_t)strtoul(fd3kind + 8, NULL, 10);

		if (seteuid(fu) == -1)
			setup_fail("seteuid (foreign)");
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp)
		    == -1)
			setup_fail("socketpair");
		if (seteuid(0) == -1)
			setup_fail("seteuid back");
		chan_mine = sp[0];
		chan_theirs = sp[1];
	} else if (strcmp(fd3kind, "devnull") == 0 ||
	    strcmp(fd3kind, "smuggle") == 0) {
		if ((chan_theirs = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
			setup_fail("/dev/null");
	} else if (strcmp(fd3kind, "pipe") == 0) {
		if (pipe2(sp, O_CLOEXEC) == -1)
			setup_fail("pipe");
		chan_theirs = sp[0];
		chan_mine = sp[1];
		plain_chan = 1;
	} else if (strcmp(fd3kind, "udp") == 0) {
		struct sockaddr_storage	ss;
		socklen_t		sl;

		chan_theirs = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		chan_mine = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		loopback(AF_INET, &ss, &sl, 0);
		if (chan_theirs == -1 || chan_mine == -1 ||
		    bind(chan_theirs, (struct sockaddr *)&ss, sl) == -1 ||
		    getsockname(chan_theirs, (struct sockaddr *)&ss, &sl) ==
		    -1 || connect(chan_mine, (struct sockaddr *)&ss, sl) == -1)
			setup_fail("udp channel");
		plain_chan = 1;
	} else
		usage();
	if (strcmp(fd3kind, "smuggle") == 0) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, smug)
		    == -1)
			setup_fail("socketpair (smuggle)");
		if (send_msg(smug[0], queued, qlen, &qfd, qfd >= 0, 0) < 0)
			setup_fail("queueing the smuggled request");
		chan_mine = smug[0];
		smug_theirs = smug[1];
	}
}

/* Run the helper with chan_theirs on fd 3 (and smug_theirs on fd 4). */
static void
helper_spawn(void)
{
	char	*envp[] = { NULL };

	open_extra();
	fflush(stdout);
	if ((hpid = fork()) == -1)
		setup_fail("fork");
	if (hpid == 0) {
		/* Move ours above 4 first, then place them. */
		int	t = fcntl(chan_theirs, F_DUPFD, 10), u = -1;

		if (smug_theirs >= 0)
			u = fcntl(smug_theirs, F_DUPFD, 10);
		if (t == -1 || dup2(t, CHAN_FD) == -1 ||
		    (u >= 0 && dup2(u, CHAN_FD + 1) == -1))
			_exit(126);
		(void)close(t);
		if (u >= 0)
			(void)close(u);
		hargv[0] = (char *)helper;
		execve(helper, hargv, envp);
		_exit(127);
	}
	(void)close(chan_theirs);
	if (smug_theirs >= 0)
		(void)close(smug_theirs);
	if (waitms > 0) {
		printf("helper_pid=%ld\nclient_pid=%ld\n", (long)hpid,
		    (long)getpid());
		fflush(stdout);
		(void)usleep((useconds_t)waitms * 1000);
	}
}

/* Wait at most 12 s for the helper and say how it ended. */
static void
helper_reap(void)
{
	int	st, i;

	if (hpid <= 0)
		return;
	for (i = 0; i < 1200; i++) {
		pid_t	r = waitpid(hpid, &st, WNOHANG);

		if (r == hpid) {
			if (WIFEXITED(st))
				printf("helper=exit:%d\n", WEXITSTATUS(st));
			else
				printf("helper=signal:%d\n", WTERMSIG(st));
			return;
		}
		(void)usleep(10000);
	}
	(void)kill(hpid, SIGKILL);
	(void)waitpid(hpid, &st, 0);
	printf("helper=timeout\n");
}

/*
 * Reach the broker (run the helper, or connect to the daemon), send one
 * message, and read the answer: returns the fd that came with it or -1.
 */
static int
exchange(const void *buf, size_t len, const int *fds, int nfds)
{
	int	s, r;

	if (helper != NULL) {
		helper_spawn();
		s = chan_mine;
		if (s >= 0 && strcmp(fd3kind, "smuggle") != 0 &&
		    (r = send_msg(s, buf, len, fds, nfds, plain_chan)) < 0)
			printf("sendfail=%s\n", ename(-r));
	} else {
		s = daemon_connect();
		if ((r = send_msg(s, buf, len, fds, nfds, 0)) < 0)
			printf("sendfail=%s\n", ename(-r));
	}
	if (s < 0 || plain_chan) {
		/* Nothing to read an answer from: the helper's exit says. */
		printf("result=noreply\n");
		r = -1;
	} else
		r = read_reply(s);
	if (s >= 0)
		(void)close(s);		/* one request a connection */
	return r;
}

static void
drop_to(const char *ug)
{
	uid_t	u;
	gid_t	g;
	char	*end;

	u = (uid_t)strtoul(ug, &end, 10);
	if (*end != ':')
		usage();
	g = (gid_t)strtoul(end + 1, NULL, 10);
	if (setgroups(0, NULL) == -1 || setresgid(g, g, g) == -1 ||
	    setresuid(u, u, u) == -1)
		setup_fail("dropping to -u");
}

/*
 * -u: the channel is made by whoever we are when it must be: before the
 * drop only for -3 foreign (made under another euid, which needs root),
 * else after it, so the helper's peer is the user it runs for.
 */
static void
prepare_and_drop(const void *buf, size_t len, int qfd, const char *dropto)
{
	int	early = strncmp(fd3kind, "foreign:", 8) == 0;

	if (early)
		channel_prepare(buf, len, qfd);
	if (dropto != NULL)
		drop_to(dropto);
	if (!early)
		channel_prepare(buf, len, qfd);
}

/* ---- actions --------------------------------------------------------- */

static int
act_bind(int argc, char **argv, const char *dropto)
{
	struct ph_msg_bind	m;
	int			fd, i, hold = 0, try_connect = 0, out;

	if (argc < 4)
		usage();
	fd = make_sock(argv[1]);
	make_bind(&m, argv[2], atoi(argv[3]));
	for (i = 4; i < argc; i++)
		if (strcmp(argv[i], "connect") == 0)
			try_connect = 1;
		else if (strncmp(argv[i], "hold:", 5) == 0)
			hold = atoi(argv[i] + 5);
		else
			usage();
	prepare_and_drop(&m, sizeof(m), fd, dropto);
	out = exchange(&m, sizeof(m), &fd, 1);
	if (out >= 0) {
		printf("unexpected_fd=1\n");
		(void)close(out);
	}
	helper_reap();
	print_bound(fd);
	if (try_connect) {
		struct sockaddr_storage	ss;
		socklen_t		sl;

		loopback(sock_family(argv[1]), &ss, &sl, 9);
		printf("connect=%s\n", connect(fd, (struct sockaddr *)&ss,
		    sl) == 0 ? "ok" : ename(errno));
	}
	if (hold > 0) {
		printf("client_pid=%ld\nholding\n", (long)getpid());
		fflush(stdout);
		(void)sleep((unsigned)hold);
	}
	return 0;
}

static int
act_open(int argc, char **argv, const char *dropto)
{
	struct ph_msg_open	m;
	int			fd, v;
	int			fam = 0, type = 0, proto = 0;
	socklen_t		sl;

	if (argc < 3)
		usage();
	make_open(&m, argv[1], argv[2]);
	prepare_and_drop(&m, sizeof(m), -1, dropto);
	fd = exchange(&m, sizeof(m), NULL, 0);
	helper_reap();
	if (fd < 0)
		return 0;
	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &sl) == 0)
		fam = v;
	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &sl) == 0)
		type = v;
	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &sl) == 0)
		proto = v;
	printf("fd=%d/%d/%d\n", fam, type, proto);
	printf("uid=%ld\n", raw_owner(fd, fam));
	printf("netns_same=%d\n", netns_cookie(fd) != 0 &&
	    netns_cookie(fd) == netns_cookie(-1));
	return 0;
}

/*
 * The open-request CASEs of act_msg(): spoil o as c says and return 1,
 * or return 0 if c is not one of them.  "openfd" leaves o valid (it is
 * sent with an fd, which an open request must not carry).
 */
static int
spoil_open(const char *c, struct ph_msg_open *o)
{
	if (strcmp(c, "openfd") == 0)
		;
	else if (strcmp(c, "openreserved") == 0)
		o->reserved = 1;
	else if (strcmp(c, "openflags") == 0)
		o->flags = 1;
	else if (strcmp(c, "openproto0") == 0)
		o->protocol = 0;
	else if (strcmp(c, "openkind") == 0)
		o->kind = 9;
	else if (strcmp(c, "openifjunk") == 0) {
		o->kind = PH_OPEN_PACKET;
		o->protocol = 0;
		memcpy(o->ifname, "lo\0x", 4);
	} else
		return 0;
	return 1;
}

/*
 * msg CASE: a bind (or open) request for a granted ADDR:PORT, spoilt as
 * CASE says; "valid" is the unspoilt control.
 */
static int
act_msg(int argc, char **argv, const char *dropto)
{
	struct ph_msg_bind	b;
	struct ph_msg_open	o;
	char			big[1024];
	const char		*c;
	const void		*buf = &b;
	size_t			len = sizeof(b);
	int			fds[2], nfds = 1, out;

	if (argc < 2)
		usage();
	c = argv[1];
	fds[0] = make_sock("tcp4");
	fds[1] = make_sock("tcp4");
	make_bind(&b, argc > 3 ? argv[2] : "127.0.0.1",
	    argc > 3 ? atoi(argv[3]) : 80);
	make_open(&o, "raw4", "1");
	if (strcmp(c, "valid") == 0)
		;
	else if (strcmp(c, "short") == 0) {
		b.hdr.len = sizeof(b.hdr);
		len = sizeof(b.hdr);
	} else if (strcmp(c, "long") == 0) {
		memset(big, 0, sizeof(big));
		memcpy(big, &b, sizeof(b));
		((struct ph_hdr *)big)->len = sizeof(b) + 4;
		buf = big;
		len = sizeof(b) + 4;
	} else if (strcmp(c, "badlen") == 0)
		b.hdr.len = sizeof(b) - 1;
	else if (strcmp(c, "version") == 0)
		b.hdr.version = PH_PROTO_VERSION + 1;
	else if (strcmp(c, "type") == 0)
		b.hdr.type = 9;
	else if (strcmp(c, "replytype") == 0)
		b.hdr.type = PH_MSG_REPLY;
	else if (strcmp(c, "reserved") == 0)
		b.hdr.reserved = 1;
	else if (strcmp(c, "flags") == 0)
		b.flags = 1;
	else if (strcmp(c, "family") == 0)
		b.family = AF_UNIX;
	else if (strcmp(c, "port0") == 0)
		b.port = 0;
	else if (strcmp(c, "backlog") == 0)
		b.backlog = 5000;
	else if (strcmp(c, "v4junk") == 0)
		b.addr[15] = 1;
	else if (strcmp(c, "v4scope") == 0)
		b.scope_id = 1;
	else if (strcmp(c, "nofd") == 0)
		nfds = 0;
	else if (strcmp(c, "twofds") == 0)
		nfds = 2;
	else if (strcmp(c, "oversize") == 0) {
		memset(big, 0, sizeof(big));
		memcpy(big, &b, sizeof(b));
		((struct ph_hdr *)big)->len = sizeof(big);
		buf = big;
		len = sizeof(big);
	} else if (strcmp(c, "empty") == 0) {
		len = 0;
		nfds = 0;
	} else if (spoil_open(c, &o)) {
		buf = &o;
		len = sizeof(o);
		if (strcmp(c, "openfd") != 0)
			nfds = 0;	/* only "openfd" sends one */
	} else
		usage();
	prepare_and_drop(buf, len, nfds > 0 ? fds[0] : -1, dropto);
	out = exchange(buf, len, fds, nfds);
	if (out >= 0)
		(void)close(out);
	helper_reap();
	print_bound(fds[0]);
	return 0;
}

/* Has the daemon closed s?  Without blocking. */
static int
is_closed(int s)
{
	struct pollfd	p = { s, POLLIN | POLLRDHUP, 0 };
	char		c;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLRDHUP | POLLERR))
		return 1;
	return recv(s, &c, 1, MSG_DONTWAIT | MSG_PEEK) == 0;
}

static int
act_flood(int argc, char **argv)
{
	int	n, secs, i, closed = 0, *s;

	if (argc < 3 || helper != NULL)
		usage();
	n = atoi(argv[1]);
	secs = atoi(argv[2]);
	if (n < 1 || n > 1000 || (s = calloc((size_t)n, sizeof(*s))) == NULL)
		usage();
	for (i = 0; i < n; i++)
		s[i] = daemon_connect();
	(void)sleep(1);
	for (i = 0; i < n; i++)
		closed += is_closed(s[i]);
	printf("client_pid=%ld\nopen=%d closed=%d\n", (long)getpid(),
	    n - closed, closed);
	fflush(stdout);
	(void)sleep((unsigned)secs);
	return 0;
}

static int
act_idle(int argc, char **argv)
{
	struct timespec	t0, t1;
	struct pollfd	p;
	int		s, max;

	if (argc < 2 || helper != NULL)
		usage();
	max = atoi(argv[1]);
	s = daemon_connect();
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	p.fd = s;
	p.events = POLLIN | POLLRDHUP;
	if (poll(&p, 1, max * 1000) > 0 && is_closed(s)) {
		(void)clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("closed_after=%.1f\n", (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else
		printf("closed_after=never\n");
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*dropto = NULL;
	int		 c;

	daemon_path = getenv("PORTHOLE_SOCKET");
	while ((c = getopt(argc, argv, "+d:H:a:3:F:W:u:")) != -1) {
		switch (c) {
		case 'd':
			daemon_path = optarg;
			break;
		case 'H':
			helper = optarg;
			break;
		case 'a':
			if (nhargv >= 14)
				usage();
			hargv[++nhargv] = optarg;
			break;
		case '3':
			fd3kind = optarg;
			break;
		case 'F':
			extra = optarg;
			break;
		case 'W':
			waitms = atoi(optarg);
			break;
		case 'u':
			dropto = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (helper == NULL && daemon_path == NULL))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[0], "bind") == 0)
		return act_bind(argc, argv, dropto);
	if (strcmp(argv[0], "open") == 0)
		return act_open(argc, argv, dropto);
	if (strcmp(argv[0], "msg") == 0)
		return act_msg(argc, argv, dropto);
	if (strcmp(argv[0], "flood") == 0)
		return act_flood(argc, argv);
	if (strcmp(argv[0], "idle") == 0)
		return act_idle(argc, argv);
	usage();
}
