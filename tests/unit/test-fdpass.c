/* SPDX-License-Identifier: ISC */
/*
 * test-fdpass.c - fd passing (ph_send_fds, ph_recv_fds) and explicit
 * credentials (ph_creds_enable, ph_send_creds, ph_recv_creds).
 *
 * Fds survive a round trip of 0 to PH_FDS_MAX on SOCK_SEQPACKET and
 * SOCK_STREAM, arrive close-on-exec and name the objects sent (S39, S44).
 * Every way a message can be bad - more fds than asked for, a control or
 * data buffer too small, a control message nobody asked for, fds the
 * kernel could not install under RLIMIT_NOFILE - fails with every fd
 * that arrived closed and the caller's fds[] and *nfds untouched (S39).
 * A receiver that refuses fds makes the sender fail (S40).  On a stream,
 * fds stay with the byte they were sent with (S45).  Credentials must be
 * an explicit SCM_CREDENTIALS message, never an implicit or absent one,
 * and never come with fds (S34).
 *
 * "Closed" is shown two ways: the count of /proc/self/fd entries, and a
 * pipe whose write end was only in the message: its read end sees EOF
 * only when no copy is left open anywhere, in this process or in flight.
 * Each such test first shows that the read end does not see EOF while
 * the message is queued, so the check can fail.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "tap.h"

#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS	83		/* Linux 6.16; kernel-facts V9 */
#endif

#define SENTINEL	(-7)
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define OTHER_UID	4000000000u	/* S37: no passwd entry */

static const int	types[] = { SOCK_SEQPACKET, SOCK_STREAM };

static const char *
type_name(int type)
{
	return type == SOCK_STREAM ? "STREAM" : "SEQPACKET";
}

static void diagf(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
diagf(const char *fmt, ...)
{
	va_list	ap;
	char	msg[200];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_diag(msg);
}

static void
fill(int *a, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		a[i] = SENTINEL;
}

static int
untouched(const int *a, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (a[i] != SENTINEL)
			return 0;
	return 1;
}

static void
creds_fill(struct ph_creds *cr)
{
	cr->pid = SENTINEL;
	cr->uid = (uid_t)SENTINEL;
	cr->gid = (gid_t)SENTINEL;
}

static int
creds_untouched(const struct ph_creds *cr)
{
	return cr->pid == SENTINEL && cr->uid == (uid_t)SENTINEL &&
	    cr->gid == (gid_t)SENTINEL;
}

/*
 * 1 when no write end of the pipe whose read end is rfd (O_NONBLOCK) is
 * open anywhere: read() gives EOF, not EAGAIN.  Reads no data (there is
 * none in these tests).
 */
static int
pipe_eof(int rfd)
{
	char	c;

	return read(rfd, &c, 1) == 0;
}

/* 1 when nothing at all is queued on s. */
static int
queue_empty(int s)
{
	char	c;

	return recv(s, &c, 1, MSG_DONTWAIT | MSG_PEEK) == -1 &&
	    errno == EAGAIN;
}

static int
same_file(int a, int b)
{
	struct stat	sa, sb;

	if (fstat(a, &sa) == -1 || fstat(b, &sb) == -1)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void
close_n(int *fds, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		ph_fd_close(&fds[i]);
}

/* A socketpair and a pipe (O_NONBLOCK read end) whose write end we send. */
static void
setup(int type, int sp[2], int p[2])
{
	T_OK(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sp));
	T_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
}

/* setup() for a socket type (named in a comment line), with
 * SO_PASSCRED on the receiving end. */
static void
setup_creds(int type, int sp[2], int p[2])
{
	tap_diag(type_name(type));
	setup(type, sp, p);
	T_OK(ph_creds_enable(sp[1]));
}

/* Queue n copies of p[1] with "x", then close ours: only the message
 * holds the write end now, so the read end is not at EOF. */
static void
queue_copies(int sock, int p[2], int n, const char *data, size_t len)
{
	int	wr[PH_FDS_MAX];
	int	i;

	for (i = 0; i < n; i++)
		wr[i] = p[1];
	T_EQ(tap_send_fds(sock, data, len, wr, n), (ssize_t)len);
	ph_fd_close(&p[1]);
	T_TRUE(!pipe_eof(p[0]));		/* in flight: still open */
}

/* ---- round trips ---------------------------------------------------- */

/* What the sending child knows about each fd, sent as the message body. */
struct rt_msg {
	uint32_t	n;
	uint32_t	accmode[PH_FDS_MAX];
	uint64_t	dev[PH_FDS_MAX];
	uint64_t	ino[PH_FDS_MAX];
};

/* Child: open 16 pipes, send n of their ends (in a pattern) described in
 * the body.  Exit status 0 when the send succeeded. */
static int
rt_child(int s, size_t n)
{
	static struct rt_msg	m;
	struct stat		st;
	int			objs[32], fds[PH_FDS_MAX];
	size_t			i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < 16; i++)
		if (pipe2(objs + 2 * i, O_CLOEXEC) == -1)
			return 1;
	for (i = 0; i < n; i++) {
		fds[i] = objs[(i * 7) % 32];
		if (fstat(fds[i], &st) == -1)
			return 2;
		m.dev[i] = st.st_dev;
		m.ino[i] = st.st_ino;
		m.accmode[i] = (uint32_t)(fcntl(fds[i], F_GETFL) & O_ACCMODE);
	}
	m.n = (uint32_t)n;
	if (ph_send_fds(s, &m, sizeof(m), fds, n) != (ssize_t)sizeof(m))
		return 3;
	return 0;
}

/*
 * S39, S44: n fds from another process arrive in order, new, close-on-exec,
 * naming the same open file descriptions (inode and access mode); the
 * slots past *nfds are not written.
 */
static void
roundtrip(int type, size_t n)
{
	static struct rt_msg	m;
	struct stat		st;
	int			sp[2], fds[PH_FDS_MAX + 1];
	int			bad_ino = 0, bad_cloexec = 0, bad_mode = 0;
	int			before = tap_fd_count();
	size_t			nfds = n, i;
	ssize_t			r;
	pid_t			pid;

	diagf("round trip, %s, %zu fds", type_name(type), n);
	T_OK(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sp));
	if ((pid = fork()) == 0) {
		close(sp[1]);
		_exit(rt_child(sp[0], n));
	}
	ph_fd_close(&sp[0]);
	fill(fds, PH_FDS_MAX + 1);
	memset(&m, 0, sizeof(m));
	r = ph_recv_fds(sp[1], &m, sizeof(m), fds, &nfds);
	T_EQ(r, (ssize_t)sizeof(m));
	T_EQ(nfds, n);
	T_EQ(m.n, n);
	if (r == (ssize_t)sizeof(m) && nfds == n) {
		for (i = 0; i < n; i++) {
			if (fcntl(fds[i], F_GETFD) != FD_CLOEXEC)
				bad_cloexec++;
			if (fstat(fds[i], &st) == -1 ||
			    st.st_dev != m.dev[i] || st.st_ino != m.ino[i])
				bad_ino++;
			if ((uint32_t)(fcntl(fds[i], F_GETFL) & O_ACCMODE) !=
			    m.accmode[i])
				bad_mode++;
		}
		close_n(fds, n);
	}
	T_EQ(bad_cloexec, 0);			/* S39: MSG_CMSG_CLOEXEC */
	T_EQ(bad_ino, 0);			/* same objects, same order */
	T_EQ(bad_mode, 0);
	T_TRUE(untouched(fds + n, PH_FDS_MAX + 1 - n));
	T_EQ(wait_status(pid), 0);
	/* then EOF: the child is gone */
	nfds = 1;
	T_EQ(ph_recv_fds(sp[1], &m, sizeof(m), fds, &nfds), 0);
	ph_fd_close(&sp[1]);
	T_EQ(tap_fd_count(), before);
}

static void
test_s39_roundtrip(void)
{
	static const size_t	counts[] = { 0, 1, 2, 16, PH_FDS_MAX };
	size_t			i, t;

	for (t = 0; t < NITEMS(types); t++)
		for (i = 0; i < NITEMS(counts); i++)
			roundtrip(types[t], counts[i]);
}

/* ---- S39: bad messages ------------------------------------------------ */

/*
 * More fds than *nfds: -EMSGSIZE, all closed (those installed by the
 * kernel in the one spare slot, and those it dropped), outputs untouched,
 * and the connection still works.
 */
static void
too_many(int type, size_t cap, int nsend)
{
	int	sp[2], p[2], fds[8], before = tap_fd_count();
	size_t	nfds = cap;
	char	buf[4];

	diagf("%s: %d fds into room for %zu", type_name(type), nsend, cap);
	setup(type, sp, p);
	queue_copies(sp[0], p, nsend, "x", 1);
	fill(fds, 8);
	T_EQ(ph_recv_fds(sp[1], buf, sizeof(buf), cap ? fds : NULL, &nfds),
	    -EMSGSIZE);
	T_EQ(nfds, cap);
	T_TRUE(untouched(fds, 8));
	T_TRUE(pipe_eof(p[0]));			/* every copy closed */
	T_TRUE(queue_empty(sp[1]));		/* the message is gone */
	T_EQ(ph_send_fds(sp[0], "y", 1, NULL, 0), 1);
	nfds = cap;
	T_EQ(ph_recv_fds(sp[1], buf, sizeof(buf), cap ? fds : NULL, &nfds),
	    1);
	T_EQ(nfds, 0);
	T_EQ(buf[0], 'y');
	tap_close_all(sp, 2);
	ph_fd_close(&p[0]);
	T_EQ(tap_fd_count(), before);
}

static void
test_s39_more_fds_than_asked(void)
{
	size_t	t;

	for (t = 0; t < NITEMS(types); t++) {
		too_many(types[t], 0, 1);
		too_many(types[t], 1, 2);
		too_many(types[t], 3, 8);
		too_many(types[t], 3, PH_FDS_MAX);
	}
}

/*
 * kernel-facts V10: 4 fds into a control buffer made for 1 set
 * MSG_CTRUNC; the kernel installs what fits and drops the rest.  Then the
 * same through ph_recv_fds with *nfds = 1: -EMSGSIZE, nothing left open.
 */
static void
test_s39_v10_ctrunc(void)
{
	int		 sp[2], p[2], fds[4], ctrunc;
	size_t		 nfds, arrived = 0;
	char		 ch, msgbuf[100];

	setup(SOCK_SEQPACKET, sp, p);
	queue_copies(sp[0], p, 4, "x", 1);
	T_EQ(recv_close_fds(sp[1], CMSG_SPACE(sizeof(int)), &ctrunc, &arrived),
	    1);
	T_TRUE(ctrunc);				/* V10 */
	snprintf(msgbuf, sizeof(msgbuf), "V10: %zu of 4 fds arrived in "
	    "CMSG_SPACE(sizeof(int)) = %zu bytes", arrived,
	    (size_t)CMSG_SPACE(sizeof(int)));
	tap_diag(msgbuf);
	T_TRUE(arrived < 4);
	T_TRUE(pipe_eof(p[0]));		/* the dropped ones too */
	ph_fd_close(&p[0]);

	/* the library, same shape */
	T_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
	queue_copies(sp[0], p, 4, "x", 1);
	fill(fds, 4);
	nfds = 1;
	T_EQ(ph_recv_fds(sp[1], &ch, 1, fds, &nfds), -EMSGSIZE);
	T_EQ(nfds, 1);
	T_TRUE(untouched(fds, 4));
	T_TRUE(pipe_eof(p[0]));
	ph_fd_close(&p[0]);
	tap_close_all(sp, 2);
}

/*
 * S39: data longer than the buffer on SOCK_SEQPACKET (MSG_TRUNC):
 * -EMSGSIZE and the fds closed; the rest of the datagram is gone, so the
 * next message starts clean.  On SOCK_STREAM the same short read is no
 * error: the fds come with the first bytes, the rest follows.
 */
static void
test_s39_data_truncated(void)
{
	int	sp[2], p[2], fds[4];
	size_t	nfds = 4;
	char	buf[8];

	setup(SOCK_SEQPACKET, sp, p);
	queue_copies(sp[0], p, 2, "hello", 5);
	fill(fds, 4);
	T_EQ(ph_recv_fds(sp[1], buf, 2, fds, &nfds), -EMSGSIZE);
	T_EQ(nfds, 4);
	T_TRUE(untouched(fds, 4));
	T_TRUE(pipe_eof(p[0]));
	T_TRUE(queue_empty(sp[1]));		/* "llo" discarded */
	tap_close_all(sp, 2);
	ph_fd_close(&p[0]);

	/* STREAM: bytes without message boundaries */
	setup(SOCK_STREAM, sp, p);
	queue_copies(sp[0], p, 2, "hello", 5);
	fill(fds, 4);
	T_EQ(ph_recv_fds(sp[1], buf, 2, fds, &nfds), 2);
	T_EQ(nfds, 2);
	T_TRUE(memcmp(buf, "he", 2) == 0);
	T_TRUE(same_file(fds[0], p[0]));
	close_n(fds, 2);
	T_TRUE(pipe_eof(p[0]));
	nfds = 4;
	fill(fds, 4);
	T_EQ(ph_recv_fds(sp[1], buf, sizeof(buf), fds, &nfds), 3);
	T_EQ(nfds, 0);
	T_TRUE(memcmp(buf, "llo", 3) == 0);
	tap_close_all(sp, 2);
	ph_fd_close(&p[0]);
}

/*
 * S39: a control message that is not SCM_RIGHTS - SCM_CREDENTIALS, which
 * the kernel adds to every message once the receiver has SO_PASSCRED -
 * fails the message with -EBADMSG and its fds are closed.  Room for
 * PH_FDS_MAX fds leaves space for the fd after the credentials, so it
 * is installed and the library has to close it.
 */
static void
test_s39_unexpected_cmsg(void)
{
	int	sp[2], p[2], fds[PH_FDS_MAX];
	size_t	nfds, t;
	char	buf[4];

	for (t = 0; t < NITEMS(types); t++) {
		setup_creds(types[t], sp, p);
		queue_copies(sp[0], p, 1, "x", 1);
		fill(fds, PH_FDS_MAX);
		nfds = PH_FDS_MAX;
		T_EQ(ph_recv_fds(sp[1], buf, sizeof(buf), fds, &nfds),
		    -EBADMSG);
		T_EQ(nfds, PH_FDS_MAX);
		T_TRUE(untouched(fds, PH_FDS_MAX));
		T_TRUE(pipe_eof(p[0]));
		tap_close_all(sp, 2);
		ph_fd_close(&p[0]);
	}
}

/*
 * EOF is 0 with *nfds 0 and fds[] untouched; a message is >= 1, so the
 * two cannot be confused - as long as nobody sends an empty datagram.
 */
static void
test_eof(void)
{
	int	sp[2], fds[4];
	size_t	nfds, t;
	char	c = 0;

	for (t = 0; t < NITEMS(types); t++) {
		tap_diag(type_name(types[t]));
		T_OK(socketpair(AF_UNIX, types[t] | SOCK_CLOEXEC, 0, sp));
		T_EQ(ph_send_fds(sp[0], "m", 1, NULL, 0), 1);
		ph_fd_close(&sp[0]);
		nfds = 4;
		fill(fds, 4);
		T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), 1);
		T_EQ(nfds, 0);
		T_EQ(c, 'm');
		T_TRUE(untouched(fds, 4));
		nfds = 4;
		T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), 0);
		T_EQ(nfds, 0);
		T_TRUE(untouched(fds, 4));
		nfds = 4;
		/* EOF stays EOF */
		T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), 0);
		ph_fd_close(&sp[1]);
	}
}

/*
 * Why ph_send_fds() refuses len 0: on SOCK_SEQPACKET a raw empty datagram
 * reads exactly like EOF.  An empty datagram carrying fds is refused
 * (-EBADMSG) and its fds closed (S39).
 */
static void
test_s39_empty_datagram(void)
{
	int	sp[2], p[2], fds[4];
	size_t	nfds = 4;
	char	c;

	setup(SOCK_SEQPACKET, sp, p);
	T_EQ(tap_send_fds(sp[0], "", 0, NULL, 0), 0);
	fill(fds, 4);
	/* looks like EOF */
	T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), 0);
	T_EQ(nfds, 0);
	queue_copies(sp[0], p, 1, "", 0);
	nfds = 4;
	T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), -EBADMSG);
	T_EQ(nfds, 4);
	T_TRUE(untouched(fds, 4));
	T_TRUE(pipe_eof(p[0]));
	tap_close_all(sp, 2);
	ph_fd_close(&p[0]);
}

/* Arguments that ph_send_fds() and ph_recv_fds() refuse; nothing sent. */
static void
test_bad_arguments(void)
{
	int	sp[2], p[2], many[PH_FDS_MAX + 1], two[2], fds[PH_FDS_MAX];
	int	closed;
	size_t	i, nfds;
	char	c;

	setup(SOCK_SEQPACKET, sp, p);
	for (i = 0; i < NITEMS(many); i++)
		many[i] = p[0];
	T_EQ(ph_send_fds(sp[0], "x", 0, NULL, 0), -EINVAL);
	T_EQ(ph_send_fds(sp[0], "x", 0, p, 1), -EINVAL);
	T_EQ(ph_send_fds(sp[0], NULL, 1, NULL, 0), -EINVAL);
	T_EQ(ph_send_fds(sp[0], "x", 1, NULL, 1), -EINVAL);
	T_EQ(ph_send_fds(sp[0], "x", 1, many, PH_FDS_MAX + 1), -EINVAL);
	two[0] = -1;
	T_EQ(ph_send_fds(sp[0], "x", 1, two, 1), -EBADF);
	two[0] = p[0];
	two[1] = -1;
	T_EQ(ph_send_fds(sp[0], "x", 1, two, 2), -EBADF);
	/* a number that is not open: the kernel's EBADF */
	closed = dup(p[0]);
	T_GE(closed, 3);
	T_OK(close(closed));
	two[1] = closed;
	T_EQ(ph_send_fds(sp[0], "x", 1, two, 2), -EBADF);
	T_EQ(ph_send_fds(p[0], "x", 1, NULL, 0), -ENOTSOCK);
	T_TRUE(queue_empty(sp[1]));		/* none of it went out */

	/* the limit itself is fine */
	T_EQ(ph_send_fds(sp[0], "x", 1, many, PH_FDS_MAX), 1);
	nfds = PH_FDS_MAX;
	T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), 1);
	T_EQ(nfds, PH_FDS_MAX);
	if (nfds == PH_FDS_MAX)
		close_n(fds, PH_FDS_MAX);

	/* receiving */
	fill(fds, 4);
	nfds = 4;
	T_EQ(ph_recv_fds(sp[1], &c, 0, fds, &nfds), -EINVAL);
	T_EQ(ph_recv_fds(sp[1], NULL, 1, fds, &nfds), -EINVAL);
	T_EQ(ph_recv_fds(sp[1], &c, 1, NULL, &nfds), -EINVAL);
	T_EQ(ph_recv_fds(sp[1], &c, 1, fds, NULL), -EINVAL);
	nfds = PH_FDS_MAX + 1;
	T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), -EINVAL);
	T_EQ(nfds, PH_FDS_MAX + 1);
	T_TRUE(untouched(fds, 4));
	nfds = 4;
	T_OK(fcntl(sp[1], F_SETFL, O_NONBLOCK));
	T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), -EAGAIN);	/* empty */
	T_EQ(nfds, 4);
	T_TRUE(untouched(fds, 4));
	tap_close_all(sp, 2);
	tap_close_all(p, 2);
}

/*
 * S40, kernel-facts V9: SO_PASSRIGHTS=0 on the receiver makes the
 * sender's ph_send_fds() fail with -EPERM, nothing is queued, and plain
 * data still flows.
 */
static void
test_s40_passrights_off(void)
{
	int	sp[2], p[2], fds[2], zero = 0;
	size_t	nfds, t;
	char	c;

	for (t = 0; t < NITEMS(types); t++) {
		tap_diag(type_name(types[t]));
		setup(types[t], sp, p);
		if (setsockopt(sp[1], SOL_SOCKET, SO_PASSRIGHTS, &zero,
		    sizeof(zero)) == -1 && errno == ENOPROTOOPT) {
			tap_skip(6, "kernel without SO_PASSRIGHTS (< 6.16)");
		} else {
			T_EQ(ph_send_fds(sp[0], "x", 1, p, 1), -EPERM);
			T_TRUE(queue_empty(sp[1]));
			T_EQ(ph_send_fds(sp[0], "y", 1, NULL, 0), 1);
			nfds = 2;
			fill(fds, 2);
			T_EQ(ph_recv_fds(sp[1], &c, 1, fds, &nfds), 1);
			T_EQ(nfds, 0);
			T_EQ(c, 'y');
		}
		tap_close_all(sp, 2);
		tap_close_all(p, 2);
	}
}

/*
 * S45: on SOCK_STREAM the kernel attaches fds to the bytes of the send
 * that carried them, and a read never runs past bytes that brought fds.
 * Another process sends "ab"+A and "cd"+B back to back; both are queued
 * before we read.  Observed (Linux 6.18): with 1-byte reads, A comes with
 * 'a', nothing with 'b', B with 'c', nothing with 'd'; with a large
 * buffer the first read stops after "ab" with A, the second gives "cd"
 * with B.  Nothing is lost or swapped.
 */
static void
stream_two_messages(size_t rdlen)
{
	int	sp[2], pa[2], pb[2], fds[4], before = tap_fd_count();
	int	got[4], nf[4], okf[4];
	size_t	nfds, k = 0, off = 0;
	char	buf[64], all[8];
	ssize_t	r;
	pid_t	pid;

	diagf("STREAM, two messages with fds, reads of %zu bytes", rdlen);
	T_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	T_OK(pipe2(pa, O_CLOEXEC));
	T_OK(pipe2(pb, O_CLOEXEC));
	if ((pid = fork()) == 0) {
		if (ph_send_fds(sp[0], "ab", 2, &pa[1], 1) != 2 ||
		    ph_send_fds(sp[0], "cd", 2, &pb[1], 1) != 2)
			_exit(1);
		_exit(0);
	}
	ph_fd_close(&sp[0]);
	T_EQ(wait_status(pid), 0);		/* both queued */
	memset(all, 0, sizeof(all));
	/* read until the 4 bytes are in, recording each read */
	while (k < 4 && off < 4) {
		nfds = 4;
		fill(fds, 4);
		r = ph_recv_fds(sp[1], buf, rdlen, fds, &nfds);
		if (r <= 0 || (size_t)r > 4 - off || nfds > 1) {
			diagf("read %zu: %zd, %zu fds", k, r, nfds);
			if (r > 0 && nfds <= 4)
				close_n(fds, nfds);
			break;
		}
		memcpy(all + off, buf, (size_t)r);
		off += (size_t)r;
		got[k] = (int)r;
		nf[k] = (int)nfds;
		/* the fd belongs with 'a' (pipe a) or with 'c' (pipe b) */
		okf[k] = nfds == 0 ||
		    same_file(fds[0], buf[0] == 'a' ? pa[0] : pb[0]);
		close_n(fds, nfds);
		k++;
	}
	T_STREQ(all, "abcd");
	if (rdlen == 1) {
		T_EQ(k, 4);
		T_TRUE(k == 4 && nf[0] == 1 && nf[1] == 0 && nf[2] == 1 &&
		    nf[3] == 0);
		T_TRUE(k == 4 && okf[0] && okf[2]);
	} else {
		T_EQ(k, 2);
		T_TRUE(k == 2 && got[0] == 2 && got[1] == 2);
		T_TRUE(k == 2 && nf[0] == 1 && nf[1] == 1);
		T_TRUE(k == 2 && okf[0] && okf[1]);
	}
	nfds = 4;
	T_EQ(ph_recv_fds(sp[1], buf, rdlen, fds, &nfds), 0);	/* EOF */
	ph_fd_close(&sp[1]);
	tap_close_all(pa, 2);
	tap_close_all(pb, 2);
	T_EQ(tap_fd_count(), before);
}

/*
 * S45, the hazard itself: a read is only bounded *after* bytes that
 * carried fds, not before.  "ab" without fds then "cd"+B, read with a
 * 4-byte buffer: one read returns "abcd" and B - B arrives together with
 * the bytes of the message before it.  Only SOCK_SEQPACKET keeps
 * messages and their fds together; the broker protocol uses it.
 */
static void
test_s45_stream_glues_plain_bytes(void)
{
	int	sp[2], pb[2], fds[4];
	size_t	nfds = 4;
	char	buf[8];

	T_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	T_OK(pipe2(pb, O_CLOEXEC));
	T_EQ(ph_send_fds(sp[0], "ab", 2, NULL, 0), 2);
	T_EQ(ph_send_fds(sp[0], "cd", 2, &pb[1], 1), 2);
	memset(buf, 0, sizeof(buf));
	fill(fds, 4);
	T_EQ(ph_recv_fds(sp[1], buf, 4, fds, &nfds), 4);
	T_STREQ(buf, "abcd");
	T_EQ(nfds, 1);
	T_TRUE(nfds == 1 && same_file(fds[0], pb[0]));
	if (nfds <= 4)
		close_n(fds, nfds);
	tap_close_all(sp, 2);
	tap_close_all(pb, 2);
}

static void
test_s45_stream_framing(void)
{
	stream_two_messages(1);
	stream_two_messages(64);
}

/* ---- S39: RLIMIT_NOFILE ------------------------------------------------ */

struct pl_result {
	ssize_t	raw_r;		/* raw recvmsg() of message 1 */
	int	raw_ctrunc;
	int	raw_arrived;
	ssize_t	r;		/* ph_recv_fds() of the second */
	size_t	nfds;
	int	untouched;
	int	eof_before;
	int	eof_after;
	int	before;
	int	after;
};

static int
highest_fd(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 hi = -1, n;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && (n = atoi(e->d_name)) > hi)
			hi = n;
	closedir(d);
	return hi;
}

/*
 * Fill every free fd number below the highest open one (inherited fds
 * may sit high, e.g. 251, with holes below), so that new fds get numbers
 * from *ret_next up.  Returns the count of fillers stored in fill_fds.
 */
static int
fill_holes(int *fill_fds, int max, int *ret_next)
{
	int	hi, fd, n = 0;

	if ((hi = highest_fd()) < 0)
		return -1;
	for (;;) {
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			return -1;
		if (fd > hi || n == max) {
			close(fd);
			*ret_next = fd;
			return fd > hi ? n : -1;
		}
		fill_fds[n++] = fd;
	}
}

/* Child: receive two 16-fd messages with room for only 3 new fds. */
static void
prlimit_child(int s, int rfd, int out)
{
	static int		 fillers[1024];
	struct pl_result	 res;
	struct rlimit		 rl, low;
	int			 fds[16], next, nfill, ctrunc;
	size_t			 nfds = 16, arrived;
	char			 ch;

	memset(&res, 0, sizeof(res));
	res.before = tap_fd_count();
	if ((nfill = fill_holes(fillers, (int)NITEMS(fillers), &next)) < 0 ||
	    getrlimit(RLIMIT_NOFILE, &rl) == -1)
		_exit(2);
	/* room for exactly 3 new fds: next, next + 1, next + 2 */
	low = rl;
	low.rlim_cur = (rlim_t)next + 3;
	if (setrlimit(RLIMIT_NOFILE, &low) == -1)
		_exit(3);

	/* the kernel fact: fds that cannot be installed set MSG_CTRUNC */
	res.raw_r = recv_close_fds(s, CMSG_SPACE(16 * sizeof(int)), &ctrunc,
	    &arrived);
	res.raw_ctrunc = ctrunc;
	res.raw_arrived = arrived;

	/* the library: 16 fds into room for 16, so only MSG_CTRUNC tells */
	res.eof_before = pipe_eof(rfd);
	fill(fds, 16);
	res.r = ph_recv_fds(s, &ch, 1, fds, &nfds);
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		_exit(4);
	tap_close_all(fillers, nfill);
	res.nfds = nfds;
	res.untouched = untouched(fds, 16);
	res.eof_after = pipe_eof(rfd);
	res.after = tap_fd_count();
	if (write(out, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(5);
	_exit(0);
}

/*
 * S39, S41: a receiver near RLIMIT_NOFILE.  The kernel installs the fds
 * that fit, drops the rest and sets MSG_CTRUNC; ph_recv_fds() must close
 * the installed ones and fail (-EMSGSIZE), leaving fds[] and *nfds alone,
 * even though 16 fds is within the 16 asked for.
 */
static void
test_s39_rlimit_nofile(void)
{
	struct pl_result	res;
	int			sp[2], p[2], out[2], wr[16];
	int			i, before = tap_fd_count();
	pid_t			pid;

	setup(SOCK_SEQPACKET, sp, p);
	T_OK(pipe2(out, O_CLOEXEC));
	for (i = 0; i < 16; i++)
		wr[i] = p[1];
	T_EQ(tap_send_fds(sp[0], "1", 1, wr, 16), 1);
	T_EQ(tap_send_fds(sp[0], "2", 1, wr, 16), 1);
	ph_fd_close(&p[1]);
	if ((pid = fork()) == 0) {
		close(sp[0]);
		close(out[0]);
		prlimit_child(sp[1], p[0], out[1]);
	}
	ph_fd_close(&out[1]);
	memset(&res, 0, sizeof(res));
	T_EQ(read(out[0], &res, sizeof(res)), (ssize_t)sizeof(res));
	T_EQ(wait_status(pid), 0);
	diagf("%d of 16 fds installed under the low limit", res.raw_arrived);
	T_EQ(res.raw_r, 1);
	T_TRUE(res.raw_ctrunc);			/* the kernel tells */
	T_EQ(res.raw_arrived, 3);		/* what the limit allows */
	T_TRUE(!res.eof_before);		/* message 2 holds copies */
	T_EQ(res.r, -EMSGSIZE);
	T_EQ(res.nfds, 16);
	T_TRUE(res.untouched);
	T_TRUE(res.eof_after);			/* all closed */
	T_EQ(res.after, res.before);
	tap_close_all(sp, 2);
	ph_fd_close(&p[0]);
	ph_fd_close(&out[0]);
	T_EQ(tap_fd_count(), before);
}

/* ---- S34: credentials ---------------------------------------------- */

/*
 * An explicit SCM_CREDENTIALS message arrives with our pid, euid and
 * egid; PH_CREDS_MATCH_PEER accepts it; from a forked child it names the
 * child.  EOF is 0 with the output untouched.
 */
static void
test_s34_creds_roundtrip(void)
{
	struct ph_creds	cr;
	int		sp[2];
	size_t		t;
	char		buf[8];
	pid_t		pid;

	for (t = 0; t < NITEMS(types); t++) {
		tap_diag(type_name(types[t]));
		T_OK(socketpair(AF_UNIX, types[t] | SOCK_CLOEXEC, 0, sp));
		T_OK(ph_creds_enable(sp[1]));
		T_EQ(ph_send_creds(sp[0], "hi", 2), 2);
		creds_fill(&cr);
		T_EQ(ph_recv_creds(sp[1], buf, sizeof(buf), 0, &cr), 2);
		T_TRUE(memcmp(buf, "hi", 2) == 0);
		T_EQ(cr.pid, getpid());
		T_EQ(cr.uid, geteuid());
		T_EQ(cr.gid, getegid());

		T_EQ(ph_send_creds(sp[0], "hi", 2), 2);
		creds_fill(&cr);
		T_EQ(ph_recv_creds(sp[1], buf, sizeof(buf),
		    PH_CREDS_MATCH_PEER, &cr), 2);
		T_EQ(cr.uid, geteuid());

		if ((pid = fork()) == 0)
			_exit(ph_send_creds(sp[0], "c", 1) == 1 ? 0 : 1);
		ph_fd_close(&sp[0]);
		creds_fill(&cr);
		T_EQ(ph_recv_creds(sp[1], buf, sizeof(buf),
		    PH_CREDS_MATCH_PEER, &cr), 1);
		T_EQ(cr.pid, pid);
		T_EQ(cr.uid, geteuid());
		T_EQ(cr.gid, getegid());
		T_EQ(wait_status(pid), 0);

		creds_fill(&cr);
		T_EQ(ph_recv_creds(sp[1], buf, sizeof(buf), 0, &cr), 0);
		T_TRUE(creds_untouched(&cr));
		ph_fd_close(&sp[1]);
	}
}

static void
test_creds_bad_arguments(void)
{
	struct ph_creds	cr;
	int		sp[2], fd;
	char		buf[4];

	T_OK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp));
	T_EQ(ph_send_creds(sp[0], "x", 0), -EINVAL);
	T_EQ(ph_send_creds(sp[0], NULL, 1), -EINVAL);
	T_TRUE(queue_empty(sp[1]));
	creds_fill(&cr);
	T_EQ(ph_recv_creds(sp[1], buf, 0, 0, &cr), -EINVAL);
	T_EQ(ph_recv_creds(sp[1], NULL, 1, 0, &cr), -EINVAL);
	T_EQ(ph_recv_creds(sp[1], buf, 1, 0x100, &cr), -EINVAL);
	T_OK(fcntl(sp[1], F_SETFL, O_NONBLOCK));
	T_EQ(ph_recv_creds(sp[1], buf, 1, 0, &cr), -EAGAIN);	/* empty */
	T_TRUE(creds_untouched(&cr));
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	T_EQ(ph_creds_enable(fd), -ENOTSOCK);
	ph_fd_close(&fd);
	tap_close_all(sp, 2);
}

/*
 * S34: "insists on an explicit credentials message".  A message queued
 * while neither end had SO_PASSCRED carries no credentials; if the
 * receiver turns SO_PASSCRED on before reading it, Linux still attaches
 * an SCM_CREDENTIALS message - pid 0, uid and gid the overflow id
 * (65534).  That is "no credentials", and must be -EBADMSG, not a
 * message from uid 65534 (which PH_CREDS_MATCH_PEER would even accept
 * when we run as 65534).  Also: the receiver never enabled SO_PASSCRED,
 * so an explicit message arrives without its credentials: -EBADMSG.
 */
static void
test_s34_no_creds_at_queue_time(void)
{
	struct ph_creds	cr;
	int		sp[2], flags;
	size_t		t;
	ssize_t		r;
	char		buf[4], msg[160];

	for (t = 0; t < NITEMS(types); t++) {
		for (flags = 0; flags <= PH_CREDS_MATCH_PEER; flags++) {
			diagf("%s, flags %d", type_name(types[t]), flags);
			T_OK(socketpair(AF_UNIX, types[t] | SOCK_CLOEXEC, 0,
			    sp));
			T_EQ(send(sp[0], "x", 1, MSG_NOSIGNAL), 1);
			T_OK(ph_creds_enable(sp[1]));
			creds_fill(&cr);
			r = ph_recv_creds(sp[1], buf, sizeof(buf), flags, &cr);
			T_EQ(r, -EBADMSG);
			T_TRUE(creds_untouched(&cr));
			if (r >= 0) {
				snprintf(msg, sizeof(msg), "accepted as pid "
				    "%ld uid %lu gid %lu", (long)cr.pid,
				    (unsigned long)cr.uid,
				    (unsigned long)cr.gid);
				tap_diag(msg);
			}
			tap_close_all(sp, 2);
		}

		/* SO_PASSCRED never on at the receiver */
		T_OK(socketpair(AF_UNIX, types[t] | SOCK_CLOEXEC, 0, sp));
		T_EQ(ph_send_creds(sp[0], "x", 1), 1);
		creds_fill(&cr);
		T_EQ(ph_recv_creds(sp[1], buf, sizeof(buf), 0, &cr), -EBADMSG);
		T_TRUE(creds_untouched(&cr));
		tap_close_all(sp, 2);
	}
}

/*
 * S34, S39: fds slipped in with credentials (4 of them, more than the
 * control buffer has room for) fail the message and are all closed.
 */
static void
test_s34_creds_with_fds(void)
{
	struct ph_creds	cr;
	int		sp[2], p[2];
	size_t		t;
	char		buf[4];

	for (t = 0; t < NITEMS(types); t++) {
		setup_creds(types[t], sp, p);
		queue_copies(sp[0], p, 4, "x", 1);
		creds_fill(&cr);
		T_EQ(ph_recv_creds(sp[1], buf, sizeof(buf), 0, &cr), -EBADMSG);
		T_TRUE(creds_untouched(&cr));
		T_TRUE(pipe_eof(p[0]));
		T_TRUE(queue_empty(sp[1]));
		tap_close_all(sp, 2);
		ph_fd_close(&p[0]);
	}
}

/* Child for test_s34_other_uid: become OTHER_UID, try to claim root,
 * then send two honest messages. */
static int
other_uid_child(int s)
{
	struct ucred	 uc;

	if (setgroups(0, NULL) == -1 ||
	    setresgid(OTHER_UID, OTHER_UID, OTHER_UID) == -1 ||
	    setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == -1)
		return 10;
	/* the kernel checks what an explicit message claims */
	memset(&uc, 0, sizeof(uc));
	uc.pid = getpid();
	uc.uid = 0;
	uc.gid = 0;
	if (send_cmsg(s, "f", 1, SCM_CREDENTIALS, &uc, sizeof(uc),
	    MSG_NOSIGNAL) != -1 || errno != EPERM)
		return 11;
	if (ph_send_creds(s, "a", 1) != 1 || ph_send_creds(s, "b", 1) != 1)
		return 12;
	return 0;
}

/*
 * S34 (root only): a child that became another uid is reported as that
 * uid, cannot claim root, and fails PH_CREDS_MATCH_PEER on a socket whose
 * SO_PEERCRED is still the creator's (-EPERM, output untouched).
 */
static void
test_s34_other_uid(void)
{
	struct ph_creds	cr;
	int		sp[2];
	char		buf[4];
	pid_t		pid;

	if (tap_skip_unless_root(10, "needs root to change uid"))
		return;
	T_OK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp));
	T_OK(ph_creds_enable(sp[1]));
	if ((pid = fork()) == 0) {
		close(sp[1]);
		_exit(other_uid_child(sp[0]));
	}
	ph_fd_close(&sp[0]);
	T_EQ(wait_status(pid), 0);
	creds_fill(&cr);
	T_EQ(ph_recv_creds(sp[1], buf, sizeof(buf), 0, &cr), 1);
	T_EQ(cr.uid, OTHER_UID);
	T_EQ(cr.gid, OTHER_UID);
	T_EQ(cr.pid, pid);
	creds_fill(&cr);
	T_EQ(ph_recv_creds(sp[1], buf, sizeof(buf), PH_CREDS_MATCH_PEER, &cr),
	    -EPERM);
	T_TRUE(creds_untouched(&cr));
	ph_fd_close(&sp[1]);
}

int
main(void)
{
	struct rlimit	rl;

	/* PH_FDS_MAX received fds and the test's own must fit */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024 &&
	    rl.rlim_max >= 1024) {
		rl.rlim_cur = 1024;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	TAP_RUN(test_s39_roundtrip);
	TAP_RUN(test_s39_more_fds_than_asked);
	TAP_RUN(test_s39_v10_ctrunc);
	TAP_RUN(test_s39_data_truncated);
	TAP_RUN(test_s39_unexpected_cmsg);
	TAP_RUN(test_eof);
	TAP_RUN(test_s39_empty_datagram);
	TAP_RUN(test_bad_arguments);
	TAP_RUN(test_s40_passrights_off);
	TAP_RUN(test_s45_stream_framing);
	TAP_RUN(test_s45_stream_glues_plain_bytes);
	TAP_RUN(test_s39_rlimit_nofile);
	TAP_RUN(test_s34_creds_roundtrip);
	TAP_RUN(test_creds_bad_arguments);
	TAP_RUN(test_s34_no_creds_at_queue_time);
	TAP_RUN(test_s34_creds_with_fds);
	TAP_RUN(test_s34_other_uid);
	return tap_end();
}
