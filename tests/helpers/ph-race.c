/* SPDX-License-Identifier: ISC */
/*
 * ph-race.c - a hostile client that races the broker on its own socket
 * while the request is in flight (issue 9, items 1 and 2), through
 * libporthole's ph_broker_bind(), so every broker mode is attacked the
 * same way (PORTHOLE_SOCKET / PORTHOLE_HELPER choose it).
 *
 *   ph-race ATTACK N [MAXSECONDS]
 *
 * ATTACK:
 *   synack4, synack6, synack6any   S49: ask for tcp 127.0.0.1:80 ([::1]:80,
 *       [::]:80); a thread spins on getsockname() and connect()s the
 *       socket to a listener of ours the moment port 80 appears (between
 *       the broker's bind() and listen()).  A win: that connection
 *       completes.
 *   unspec4   S49, not raced: after a grant, connect(AF_UNSPEC) turns the
 *       listener back into a bound socket; then connect() it.
 *   v6only    S50: ask for tcp [::]:543 while a thread flips IPV6_V6ONLY
 *       off and on; a win: an IPv4 connection to 127.0.0.1:543 reaches
 *       the socket (we listen() on it ourselves if the broker did not).
 *   reuseport S48: ask for tcp 127.0.0.1:80 while a thread flips
 *       SO_REUSEPORT; a win: the socket is bound anywhere but
 *       127.0.0.1:80, or a second socket of ours shares the port.
 *   control   no broker: as root, bind port 80 and connect from it (the
 *       detector's control, kernel-facts V12): must print wins=1.
 *
 * Output: "attempts=N granted=N refused=N issued=N guarded=N wins=N"
 * (issued: how often the racing call got in while the socket was still
 * unconnected, a SYN sent; guarded: how often it got in and found no
 * route, the broker's guard, ENODEV or ENETUNREACH: either way the race
 * was really run; synack* go on past N, up to 5 N, until it was) and
 * "last_error=TEXT".  Exit 0 when the
 * attack ran, 3 when it could not be set up.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "porthole.h"
#include "testlib.h"

#define WAIT_MS		5	/* for a handshake on loopback to finish */

static const char	*attack;
static _Atomic int	 stop, issued_now, guarded_now;
static int		 victim = -1;
static struct sockaddr_storage	target;
static socklen_t	 target_len;

static void
addr_of(int family, const char *a, int port, struct sockaddr_storage *ss,
    socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, a, &s6->sin6_addr) != 1)
			setup_fail("inet_pton");
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, a, &s4->sin_addr) != 1)
			setup_fail("inet_pton");
		*sl = sizeof(*s4);
	}
}

/* A listener of ours on loopback (any port): where the attacker connects. */
static int
make_target(int family)
{
	int	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	addr_of(family, family == AF_INET6 ? "::1" : "127.0.0.1", 0, &target,
	    &target_len);
	if (l == -1 || bind(l, (struct sockaddr *)&target, target_len) == -1 ||
	    listen(l, 4096) == -1 ||
	    getsockname(l, (struct sockaddr *)&target, &target_len) == -1)
		setup_fail("target listener");
	return l;
}

/* Did fd's connect() complete?  Waits WAIT_MS for the handshake. */
static int
established(int fd)
{
	struct pollfd	p = { fd, POLLOUT, 0 };
	struct tcp_info	ti;
	socklen_t	sl = sizeof(ti);

	(void)poll(&p, 1, WAIT_MS);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &sl) == -1)
		return 0;
	return ti.tcpi_state == TCP_ESTABLISHED;
}

/* Connections the target accepted whose peer port is below 1024. */
static int
accepted_privileged(int l)
{
	struct sockaddr_storage	ss;
	socklen_t		sl;
	int			c, n = 0;

	for (;;) {
		sl = sizeof(ss);
		c = accept4(l, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (c == -1)
			return n;
		if ((ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)&ss)->sin_port)) < 1024)
			n++;
		(void)close(c);
	}
}

/* The racing thread: what the attacker does while the broker works. */
static void *
racer(void *arg)
{
	int	on = 0, port;

	(void)arg;
	while (!stop) {
		if (strncmp(attack, "synack", 6) == 0) {
			if ((port = port_of(victim)) <= 0)
				continue;
			if (connect(victim, (struct sockaddr *)&target,
			    target_len) == 0 || errno == EINPROGRESS)
				issued_now = 1;
			else if (errno == ENODEV || errno == ENETUNREACH)
				guarded_now = 1;
			return NULL;
		}
		on = !on;
		if (strcmp(attack, "v6only") == 0)
			(void)setsockopt(victim, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on));
		else
			(void)setsockopt(victim, SOL_SOCKET, SO_REUSEPORT, &on,
			    sizeof(on));
		if (port_of(victim) > 0) {
			issued_now = 1;	/* it was flipping when bound */
			return NULL;
		}
	}
	return NULL;
}

/* After a v6only attempt: can IPv4 reach the socket on 127.0.0.1:543? */
static int
v4_reaches(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		sl;
	int			c, r, v = 0;

	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &sl) == 0 && !v)
		(void)listen(fd, 8);
	addr_of(AF_INET, "127.0.0.1", 543, &ss, &sl);
	if ((c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		setup_fail("socket");
	(void)connect(c, (struct sockaddr *)&ss, sl);
	r = established(c);
	(void)close(c);
	return r;
}

/* After a reuseport attempt: bound elsewhere, or shared by a second one? */
static int
reuse_escaped(int fd)
{
	struct sockaddr_storage	ss, want;
	socklen_t		sl = sizeof(ss), wl;
	int			s, one = 1, r;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return 1;
	if (((struct sockaddr_in *)&ss)->sin_port == 0)
		return 0;		/* unbound: nothing held */
	addr_of(AF_INET, "127.0.0.1", 80, &want, &wl);
	if (sl != wl || memcmp(&((struct sockaddr_in *)&ss)->sin_addr,
	    &((struct sockaddr_in *)&want)->sin_addr, 4) != 0 ||
	    ((struct sockaddr_in *)&ss)->sin_port !=
	    ((struct sockaddr_in *)&want)->sin_port)
		return 1;
	/* A second socket of ours, SO_REUSEPORT, on the same port. */
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		setup_fail("socket");
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	r = bind(s, (struct sockaddr *)&want, wl) == 0;
	(void)close(s);
	return r;
}

static int
control(void)
{
	struct sockaddr_storage	ss;
	socklen_t		sl;
	int			l = make_target(AF_INET), fd, won;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	addr_of(AF_INET, "127.0.0.1", 80, &ss, &sl);
	if (fd == -1 || bind(fd, (struct sockaddr *)&ss, sl) == -1)
		setup_fail("control: bind port 80 (needs root)");
	(void)connect(fd, (struct sockaddr *)&target, target_len);
	won = established(fd) + accepted_privileged(l);
	printf("attempts=1 granted=0 refused=0 issued=1 guarded=0 wins=%d\n",
	    won > 0);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	ss;
	struct timespec		t0, t;
	pthread_t		th;
	socklen_t		sl;
	char			why[128], last[160] = "";
	int			n, secs, i, r, fam, l = -1, un = 0;
	int			granted = 0, refused = 0, issued = 0, wins = 0;
	int			guarded = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: ph-race ATTACK N [MAXSECONDS]\n");
		return 2;
	}
	attack = argv[1];
	n = atoi(argv[2]);
	secs = argc > 3 ? atoi(argv[3]) : 60;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(attack, "control") == 0)
		return control();
	fam = strncmp(attack, "synack6", 7) == 0 ||
	    strcmp(attack, "v6only") == 0 ? AF_INET6 : AF_INET;
	if (strcmp(attack, "v6only") == 0)
		addr_of(AF_INET6, "::", 543, &ss, &sl);
	else if (strcmp(attack, "synack6any") == 0)
		addr_of(AF_INET6, "::", 80, &ss, &sl);
	else
		addr_of(fam, fam == AF_INET6 ? "::1" : "127.0.0.1", 80, &ss,
		    &sl);
	if (strncmp(attack, "synack", 6) == 0 || strcmp(attack, "unspec4") == 0)
		l = make_target(fam);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	/*
	 * N attempts (or MAXSECONDS); for the S49 races, on until the racing
	 * connect() got in at least once (it does a few times in 2,000),
	 * bounded by 5 N and the same time, so that a run that never
	 * entered the race cannot pass for one that did.
	 */
	for (i = 0; i < n || (issued + guarded == 0 && i < 5 * n &&
	    strncmp(attack, "synack", 6) == 0); i++) {
		(void)clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= secs)
			break;
		victim = socket(fam, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
		if (victim == -1)
			setup_fail("socket");
		stop = 0;
		issued_now = 0;
		guarded_now = 0;
		if (strcmp(attack, "unspec4") != 0 &&
		    pthread_create(&th, NULL, racer, NULL) != 0)
			setup_fail("pthread_create");
		why[0] = '\0';
		r = ph_broker_bind(-1, victim, (struct sockaddr *)&ss, sl, 0,
		    0, why, sizeof(why));
		stop = 1;
		if (strcmp(attack, "unspec4") != 0)
			(void)pthread_join(th, NULL);
		if (r == 0)
			granted++;
		else {
			refused++;
			(void)snprintf(last, sizeof(last), "%s (%s)",
			    strerror(-r), why);
		}
		if (strcmp(attack, "unspec4") == 0 && r == 0) {
			struct sockaddr	un_addr;

			memset(&un_addr, 0, sizeof(un_addr));
			un_addr.sa_family = AF_UNSPEC;
			if (connect(victim, &un_addr, sizeof(un_addr)) == 0)
				un++;
			if (connect(victim, (struct sockaddr *)&target,
			    target_len) == 0 || errno == EINPROGRESS)
				issued_now = 1;
			else
				(void)snprintf(last, sizeof(last), "connect: %s",
				    strerror(errno));
		}
		issued += issued_now;
		guarded += guarded_now;
		if (strcmp(attack, "v6only") == 0)
			wins += port_of(victim) > 0 && v4_reaches(victim);
		else if (strcmp(attack, "reuseport") == 0)
			wins += reuse_escaped(victim);
		else if (issued_now)
			wins += established(victim);
		(void)close(victim);
		if (l >= 0)
			wins += accepted_privileged(l);
	}
	printf("attempts=%d granted=%d refused=%d issued=%d guarded=%d "
	    "wins=%d\n", i, granted, refused, issued, guarded, wins);
	if (strcmp(attack, "unspec4") == 0)
		printf("disconnected=%d\n", un);
	printf("last_error=%s\n", last);
	return 0;
}
