/* SPDX-License-Identifier: ISC */
/*
 * ph-bindtest.c - a program that knows nothing of porthole and calls the
 * plain bind(), to be run under `porthole exec`: it checks the contract
 * of libporthole-preload.so's bind() from the inside and reports what it
 * saw, one "key=value" a line, for tests/integration/60-exec.sh and
 * tests/root/70-exec.sh to compare.
 *
 *   ph-bindtest [-C] [-o FILE] CASE ARGS...
 *
 *   -C        first close every fd, 0, 1 and 2 included (close_range);
 *             use -o to see the result
 *   -o FILE   write the report to FILE (created 0644), opened only after
 *             the case has run, so it never stands in for a closed fd
 *
 * SOCK: tcp4 tcp6 udp4 udp6 unix mptcp4 udplite4 (made without
 * SOCK_CLOEXEC, as most programs do).  ADDR: an IPv4 or IPv6 address, an
 * IPv6 one with %IFNAME or %INDEX, or a path for unix.  PORT: a number,
 * or "free" for an unused port above ip_unprivileged_port_start (for
 * unix, PORT is there but not used).
 *
 * CASES:
 *   bind SOCK ADDR PORT [FLAG...]   one bind(); FLAGs:
 *       reuseport reuseaddr v6only dual   socket options set before
 *       prebind      bind to ADDR port 0 first (an already bound socket)
 *       len24        an IPv6 address given with socklen 24 (RFC 2133: no
 *                    sin6_scope_id field)
 *       connect      then connect() from the socket to its own address
 *                    (S49: EISCONN when it is listening)
 *       stderr:PATH  first put PATH on fd 2 (messages must not follow)
 *       repeat:N     N binds, each on a fresh socket (the last one stays)
 *       hold:SECS    then keep the socket open SECS seconds, report sent
 *     -> result=ok|ENAME  errno_kept=0|1 (errno was 12345 before and is
 *        after a success)  same_socket=0|1 (the fd is still the very
 *        socket)  fds_leaked=N (more fds open after the call than before)
 *        listening=0|1 (SO_ACCEPTCONN right after bind(); we never call
 *        listen())  bound=ADDR|none (getsockname; IPv6 as [A%SCOPE]:P)
 *        connect=ok|ENAME  ok=N failed=N (repeat)
 *   twice SOCK ADDR PORT            two sockets, the same address
 *     -> first=ok|ENAME second=ok|ENAME
 *   threads N SOCK ADDR PORT        N threads bind PORT, PORT+1, ... at once
 *     -> ok=N listening=N errors=LIST fds_leaked=N
 *   sigalrm SOCK ADDR PORT MIN      binds (a fresh socket each, then
 *                                   closed) for at least MIN binds and
 *                                   300 ms, with a SIGALRM handler
 *                                   installed without SA_RESTART and an
 *                                   interval timer firing every 1 ms
 *     -> binds=N ok=N errors=ENAME:COUNT,...|none alarms=N fds_leaked=N
 *   sigchld SOCK ADDR PORT          a SIGCHLD handler that counts; one bind
 *     -> result=ok|ENAME sigchld=N waitpid=ECHILD|0|PID fds_leaked=N
 *
 * Exit 0 when the case ran (whatever it found), 2 on a usage error, 3
 * when the test could not be set up (socket= or setup= says why).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"	/* tap_fd_count() */

#define SENTINEL	12345	/* errno before every bind() */
#define MAX_THREADS	64

/* ---- the report: buffered, written at the end (or before a hold) ---- */

static char		 rep[8192];
static size_t		 replen;
static const char	*outpath;
static int		 outfd = -1;

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(rep + replen, sizeof(rep) - replen - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		replen += (size_t)n < sizeof(rep) - replen - 1 ? (size_t)n :
		    sizeof(rep) - replen - 1;
	rep[replen++] = '\n';
}

static void
flush_report(void)
{
	size_t	off = 0;
	ssize_t	n;

	if (outfd == -1)
		outfd = outpath != NULL ? open(outpath, O_WRONLY | O_CREAT |
		    O_TRUNC | O_CLOEXEC, 0644) : 1;
	while (outfd >= 0 && off < replen) {
		n = write(outfd, rep + off, replen - off);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	replen = 0;
}

/* ename(), and the sentinel errno by its name. */
static const char *
errname(int e)
{
	return e == SENTINEL ? "SENTINEL" : ename(e);
}

static void __attribute__((noreturn))
setup_failed(const char *key, const char *what, int e)
{
	say("%s=%s: %s", key, what, errname(e));
	flush_report();
	exit(3);
}

static void __attribute__((noreturn))
usage(void)
{
	static const char	msg[] = "usage: ph-bindtest [-C] [-o FILE] "
	    "bind|twice|threads|sigalrm|sigchld ARGS... (see the source)\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	exit(2);
}

/* ---- sockets and addresses ----------------------------------------- */

struct target {
	int			domain, type, proto;
	struct sockaddr_storage	ss;
	socklen_t		sl;
};

static void
parse_sock(const char *s, struct target *t)
{
	t->proto = 0;
	if (strcmp(s, "tcp4") == 0 || strcmp(s, "tcp6") == 0)
		t->type = SOCK_STREAM;
	else if (strcmp(s, "udp4") == 0 || strcmp(s, "udp6") == 0)
		t->type = SOCK_DGRAM;
	else if (strcmp(s, "mptcp4") == 0)
		t->type = SOCK_STREAM, t->proto = IPPROTO_MPTCP;
	else if (strcmp(s, "udplite4") == 0)
		t->type = SOCK_DGRAM, t->proto = IPPROTO_UDPLITE;
	else if (strcmp(s, "unix") == 0) {
		t->domain = AF_UNIX;
		t->type = SOCK_STREAM;
		return;
	} else
		usage();
	t->domain = s[3] == '6' ? AF_INET6 : AF_INET;
}

static int
new_socket(const struct target *t)
{
	return socket(t->domain, t->type | SOCK_CLOEXEC, t->proto);
}

/* An unused port above the privileged range, for "free". */
static int
free_port(const struct target *t)
{
	struct sockaddr_storage	ss = t->ss;
	socklen_t		sl = t->sl;
	int			fd, port = -1;

	if ((fd = new_socket(t)) == -1)
		return -1;
	if (t->domain == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	else
		((struct sockaddr_in *)&ss)->sin_port = 0;
	if (bind(fd, (struct sockaddr *)&ss, sl) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		port = ntohs(t->domain == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	(void)close(fd);
	return port;
}

static void
parse_addr(const char *addr, const char *port, struct target *t)
{
	char	buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *pct, *end;
	long	p = 0;

	memset(&t->ss, 0, sizeof(t->ss));
	if (t->domain == AF_UNIX) {
		struct sockaddr_un	*su = (struct sockaddr_un *)&t->ss;

		if (strlen(addr) >= sizeof(su->sun_path))
			usage();
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, addr, strlen(addr) + 1);
		t->sl = (socklen_t)sizeof(*su);
		return;
	}
	if (strcmp(port, "free") != 0) {
		p = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || p < 0 || p > 65535)
			usage();
	}
	if (t->domain == AF_INET6) {
		struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&t->ss;

		if (strlen(addr) >= sizeof(buf))
			usage();
		memcpy(buf, addr, strlen(addr) + 1);
		s6->sin6_family = AF_INET6;
		if ((pct = strchr(buf, '%')) != NULL) {
			*pct++ = '\0';
			s6->sin6_scope_id = if_nametoindex(pct);
			if (s6->sin6_scope_id == 0)
				s6->sin6_scope_id = (uint32_t)strtoul(pct,
				    NULL, 10);
			if (s6->sin6_scope_id == 0)
				setup_failed("setup", "no such interface", ENODEV);
		}
		if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1)
			usage();
		s6->sin6_port = htons((uint16_t)p);
		t->sl = (socklen_t)sizeof(*s6);
	} else {
		struct sockaddr_in	*s4 = (struct sockaddr_in *)&t->ss;

		s4->sin_family = AF_INET;
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			usage();
		s4->sin_port = htons((uint16_t)p);
		t->sl = (socklen_t)sizeof(*s4);
	}
	if (strcmp(port, "free") == 0) {
		if ((p = free_port(t)) <= 0)
			setup_failed("setup", "no free port", errno);
		if (t->domain == AF_INET6)
			((struct sockaddr_in6 *)&t->ss)->sin6_port =
			    htons((uint16_t)p);
		else
			((struct sockaddr_in *)&t->ss)->sin_port =
			    htons((uint16_t)p);
	}
}

/* getsockname() as text: 127.0.0.1:80, [fe80::1%3]:80, a path, none. */
static void
bound_text(int fd, char *out, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof(ss);
	char			a[INET6_ADDRSTRLEN];

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		(void)snprintf(out, len, "%s", errname(errno));
		return;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in	*s4 = (void *)&ss;

		if (s4->sin_port == 0)
			(void)snprintf(out, len, "none");
		else
			(void)snprintf(out, len, "%s:%u", inet_ntop(AF_INET,
			    &s4->sin_addr, a, sizeof(a)),
			    (unsigned)ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6	*s6 = (void *)&ss;
		char				 sc[16] = "";

		if (s6->sin6_scope_id != 0)
			(void)snprintf(sc, sizeof(sc), "%%%u",
			    (unsigned)s6->sin6_scope_id);
		if (s6->sin6_port == 0)
			(void)snprintf(out, len, "none");
		else
			(void)snprintf(out, len, "[%s%s]:%u", inet_ntop(AF_INET6,
			    &s6->sin6_addr, a, sizeof(a)), sc,
			    (unsigned)ntohs(s6->sin6_port));
	} else if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un	*su = (void *)&ss;

		(void)snprintf(out, len, "%s", sl > sizeof(sa_family_t) &&
		    su->sun_path[0] ? su->sun_path : "none");
	} else
		(void)snprintf(out, len, "family:%d", ss.ss_family);
}

/* One bind() as the contract sees it: 0 or an errno; *kept tells
 * whether errno was left alone on success. */
static int
do_bind(int fd, const struct sockaddr *sa, socklen_t sl, int *kept)
{
	int	r, e;

	errno = SENTINEL;
	r = bind(fd, sa, sl);
	e = errno;
	if (kept != NULL)
		*kept = r == 0 && e == SENTINEL;
	return r == 0 ? 0 : (e != 0 ? e : -1);
}

static const char *
res(int e)
{
	return e == 0 ? "ok" : errname(e);
}

/* ---- CASE bind ------------------------------------------------------ */

/* Connect fd to t's own address (the wildcard means loopback), say how. */
static void
say_connect(int fd, const struct target *t)
{
	struct sockaddr_storage	 ss = t->ss;
	struct sockaddr_in6	*s6 = (void *)&ss;
	struct sockaddr_in	*s4 = (void *)&ss;
	int			 r;

	if (t->domain == AF_INET6) {
		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			s6->sin6_addr = in6addr_loopback;
	} else if (t->domain == AF_INET) {
		if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
			s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	r = connect(fd, (struct sockaddr *)&ss, t->sl);
	say("connect=%s", r == 0 ? "ok" : errname(errno));
}

/* The options of CASE bind that follow SOCK ADDR PORT. */
struct bind_opts {
	int		 reuseport, reuseaddr, v6only, prebind, len24, connect;
	int		 reps, hold;
};

/*
 * Parse argv[3..] of CASE bind into *o (usage() on an unknown word or a
 * repeat count below 1), and send stderr to the file "stderr:PATH" names.
 */
static void
parse_bind_opts(int argc, char **argv, struct bind_opts *o)
{
	const struct { const char *word; int *flag, value; } words[] = {
		{ "reuseport", &o->reuseport, 1 },
		{ "reuseaddr", &o->reuseaddr, 1 },
		{ "v6only", &o->v6only, 1 },
		{ "dual", &o->v6only, 0 },
		{ "prebind", &o->prebind, 1 },
		{ "len24", &o->len24, 1 },
		{ "connect", &o->connect, 1 },
	};
	const char	*errpath = NULL;
	size_t		 k;
	int		 i, efd;

	memset(o, 0, sizeof(*o));
	o->v6only = -1;
	o->reps = 1;
	for (i = 3; i < argc; i++) {
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (strcmp(argv[i], words[k].word) == 0)
				break;
		if (k < sizeof(words) / sizeof(words[0]))
			*words[k].flag = words[k].value;
		else if (strncmp(argv[i], "stderr:", 7) == 0)
			errpath = argv[i] + 7;
		else if (strncmp(argv[i], "repeat:", 7) == 0)
			o->reps = atoi(argv[i] + 7);
		else if (strncmp(argv[i], "hold:", 5) == 0)
			o->hold = atoi(argv[i] + 5);
		else
			usage();
	}
	if (o->reps < 1)
		usage();
	if (errpath != NULL) {
		efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
		if (efd == -1 || dup2(efd, 2) != 2)
			setup_failed("setup", "stderr", errno);
		(void)close(efd);
	}
}

static int
case_bind(int argc, char **argv)
{
	struct target	 t;
	struct bind_opts o;
	struct stat	 st0, st1;
	char		 b[128];
	int		 i, fd = -1, e = 0, kept = 0, before = 0, after = 0;
	int		 nok = 0, nfail = 0;
	socklen_t	 sl;

	if (argc < 3)
		usage();
	parse_sock(argv[0], &t);
	parse_addr(argv[1], argv[2], &t);
	parse_bind_opts(argc, argv, &o);
	sl = t.sl;
	if (o.len24) {
		if (t.domain != AF_INET6)
			usage();
		sl = 24;		/* SIN6_LEN_RFC2133 */
	}
	for (i = 0; i < o.reps; i++) {
		if (fd >= 0)
			(void)close(fd);
		if ((fd = new_socket(&t)) == -1)
			setup_failed("socket", argv[0], errno);
		if ((o.reuseport && setint(fd, SOL_SOCKET, SO_REUSEPORT, 1)) ||
		    (o.reuseaddr && setint(fd, SOL_SOCKET, SO_REUSEADDR, 1)) ||
		    (o.v6only >= 0 && setint(fd, IPPROTO_IPV6, IPV6_V6ONLY,
		    o.v6only)))
			setup_failed("setup", "setsockopt", errno);
		if (o.prebind) {
			struct sockaddr_storage	ss = t.ss;

			if (t.domain == AF_INET6)
				((struct sockaddr_in6 *)&ss)->sin6_port = 0;
			else
				((struct sockaddr_in *)&ss)->sin_port = 0;
			if (bind(fd, (struct sockaddr *)&ss, t.sl) == -1)
				setup_failed("setup", "prebind", errno);
		}
		if (fstat(fd, &st0) == -1)
			setup_failed("setup", "fstat", errno);
		before = tap_fd_count();
		e = do_bind(fd, (struct sockaddr *)&t.ss, sl, &kept);
		after = tap_fd_count();
		if (e == 0)
			nok++;
		else
			nfail++;
	}
	say("result=%s", res(e));
	if (e == 0)
		say("errno_kept=%d", kept);
	say("same_socket=%d", fstat(fd, &st1) == 0 && st1.st_dev ==
	    st0.st_dev && st1.st_ino == st0.st_ino);
	say("fds_leaked=%d", after - before);
	say("listening=%d", getint(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1);
	bound_text(fd, b, sizeof(b));
	say("bound=%s", b);
	if (o.reps > 1)
		say("ok=%d\nfailed=%d", nok, nfail);
	if (o.connect)
		say_connect(fd, &t);
	flush_report();
	if (o.hold > 0) {
		struct timespec	ts = { o.hold, 0 };

		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	if (fd >= 0)
		(void)close(fd);
	return 0;
}

/* ---- CASE twice ----------------------------------------------------- */

static int
case_twice(int argc, char **argv)
{
	struct target	t;
	int		a, b;

	if (argc != 3)
		usage();
	parse_sock(argv[0], &t);
	parse_addr(argv[1], argv[2], &t);
	if ((a = new_socket(&t)) == -1 || (b = new_socket(&t)) == -1)
		setup_failed("socket", argv[0], errno);
	say("first=%s", res(do_bind(a, (struct sockaddr *)&t.ss, t.sl, NULL)));
	say("second=%s", res(do_bind(b, (struct sockaddr *)&t.ss, t.sl,
	    NULL)));
	(void)close(a);
	(void)close(b);
	return 0;
}

/* ---- CASE threads --------------------------------------------------- */

struct job {
	struct target		 t;
	pthread_barrier_t	*go;
	int			 fd, err, listening;
};

static void *
thread_bind(void *arg)
{
	struct job	*j = arg;

	(void)pthread_barrier_wait(j->go);
	j->err = do_bind(j->fd, (struct sockaddr *)&j->t.ss, j->t.sl, NULL);
	j->listening = getint(j->fd, SOL_SOCKET, SO_ACCEPTCONN) == 1;
	return NULL;
}

static int
case_threads(int argc, char **argv)
{
	static struct job	jobs[MAX_THREADS];
	pthread_t		tid[MAX_THREADS];
	pthread_barrier_t	go;
	char			errs[1024] = "";
	int			n, i, nok = 0, nlisten = 0, before, after;
	long			port;

	if (argc != 4 || (n = atoi(argv[0])) < 1 || n > MAX_THREADS)
		usage();
	port = strtol(argv[3], NULL, 10);
	if (port < 1 || port + n > 65536)
		usage();
	if (pthread_barrier_init(&go, NULL, (unsigned)n) != 0)
		setup_failed("setup", "barrier", errno);
	for (i = 0; i < n; i++) {
		char	p[8];

		(void)snprintf(p, sizeof(p), "%ld", port + i);
		parse_sock(argv[1], &jobs[i].t);
		parse_addr(argv[2], p, &jobs[i].t);
		jobs[i].go = &go;
		if ((jobs[i].fd = new_socket(&jobs[i].t)) == -1)
			setup_failed("socket", argv[1], errno);
	}
	before = tap_fd_count();
	for (i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, thread_bind, &jobs[i]) != 0)
			setup_failed("setup", "pthread_create", errno);
	for (i = 0; i < n; i++)
		(void)pthread_join(tid[i], NULL);
	after = tap_fd_count();
	for (i = 0; i < n; i++) {
		if (jobs[i].err == 0)
			nok++;
		else
			(void)snprintf(errs + strlen(errs), sizeof(errs) -
			    strlen(errs), "%s%ld:%s", errs[0] ? "," : "",
			    port + i, errname(jobs[i].err));
		nlisten += jobs[i].listening;
		(void)close(jobs[i].fd);
	}
	say("ok=%d", nok);
	say("listening=%d", nlisten);
	say("errors=%s", errs[0] ? errs : "none");
	say("fds_leaked=%d", after - before);
	return 0;
}

/* ---- CASE sigalrm --------------------------------------------------- */

static volatile sig_atomic_t	alarms, chlds;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void
on_chld(int sig)
{
	(void)sig;
	chlds++;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) /
	    1000000;
}

/* How many times each errno came back: "EACCES:40,EINTR:2" or "none". */
static int	tally_e[16], tally_n[16], ntally;

static void
tally(int e)
{
	int	i;

	for (i = 0; i < ntally; i++)
		if (tally_e[i] == e)
			break;
	if (i == ntally) {
		if (ntally == 16)
			return;
		tally_e[ntally++] = e;
	}
	tally_n[i]++;
}

static void
tally_text(char *buf, size_t len)
{
	int	i;

	(void)snprintf(buf, len, "%s", ntally ? "" : "none");
	for (i = 0; i < ntally; i++)
		(void)snprintf(buf + strlen(buf), len - strlen(buf), "%s%s:%d",
		    i ? "," : "", errname(tally_e[i]), tally_n[i]);
}

static int
case_sigalrm(int argc, char **argv)
{
	struct target		t;
	struct sigaction	sa;
	struct itimerval	it = { { 0, 1000 }, { 0, 1000 } }, off;
	struct timespec		t0;
	char			errs[1024] = "";
	int			min, binds = 0, nok = 0, fd, e, before, after;

	if (argc != 4 || (min = atoi(argv[3])) < 1)
		usage();
	parse_sock(argv[0], &t);
	parse_addr(argv[1], argv[2], &t);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0;		/* no SA_RESTART: every syscall EINTRs */
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		setup_failed("setup", "sigaction", errno);
	before = tap_fd_count();
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (setitimer(ITIMER_REAL, &it, NULL) == -1)
		setup_failed("setup", "setitimer", errno);
	while ((binds < min || ms_since(&t0) < 300) && binds < 100000) {
		if ((fd = new_socket(&t)) == -1) {
			if (errno == EINTR)
				continue;
			setup_failed("socket", argv[0], errno);
		}
		e = do_bind(fd, (struct sockaddr *)&t.ss, t.sl, NULL);
		binds++;
		if (e == 0)
			nok++;
		else
			tally(e);
		(void)close(fd);
	}
	memset(&off, 0, sizeof(off));
	(void)setitimer(ITIMER_REAL, &off, NULL);
	after = tap_fd_count();
	say("binds=%d", binds);
	say("ok=%d", nok);
	tally_text(errs, sizeof(errs));
	say("errors=%s", errs);
	say("alarms=%d", (int)alarms);
	say("fds_leaked=%d", after - before);
	return 0;
}

/* ---- CASE sigchld --------------------------------------------------- */

static int
case_sigchld(int argc, char **argv)
{
	struct target		t;
	struct sigaction	sa;
	int			fd, e, st, before, after;
	pid_t			w;

	if (argc != 3)
		usage();
	parse_sock(argv[0], &t);
	parse_addr(argv[1], argv[2], &t);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) == -1)
		setup_failed("setup", "sigaction", errno);
	if ((fd = new_socket(&t)) == -1)
		setup_failed("socket", argv[0], errno);
	before = tap_fd_count();
	e = do_bind(fd, (struct sockaddr *)&t.ss, t.sl, NULL);
	after = tap_fd_count();
	/* A SIGCHLD sent by the kernel is pending before the exit is
	 * reaped; give a late one time to be delivered anyway. */
	{
		struct timespec	ts = { 0, 100 * 1000 * 1000 };

		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	w = waitpid(-1, &st, WNOHANG);
	say("result=%s", res(e));
	say("sigchld=%d", (int)chlds);
	if (w == -1)
		say("waitpid=%s", errname(errno));
	else
		say("waitpid=%ld", (long)w);
	say("fds_leaked=%d", after - before);
	(void)close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	int	c, closeall = 0, r;

	while ((c = getopt(argc, argv, "+Co:")) != -1) {
		switch (c) {
		case 'C':
			closeall = 1;
			break;
		case 'o':
			outpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (closeall) {
#ifdef SYS_close_range
		if (syscall(SYS_close_range, 0U, ~0U, 0U) == -1)
#endif
		{
			for (c = 0; c < 1024; c++)
				(void)close(c);
		}
	}
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(argv[-1], "bind") == 0)
		r = case_bind(argc, argv);
	else if (strcmp(argv[-1], "twice") == 0)
		r = case_twice(argc, argv);
	else if (strcmp(argv[-1], "threads") == 0)
		r = case_threads(argc, argv);
	else if (strcmp(argv[-1], "sigalrm") == 0)
		r = case_sigalrm(argc, argv);
	else if (strcmp(argv[-1], "sigchld") == 0)
		r = case_sigchld(argc, argv);
	else
		usage();
	flush_report();
	return r;
}
