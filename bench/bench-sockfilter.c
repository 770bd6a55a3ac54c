/* SPDX-License-Identifier: ISC */
/*
 * bench-sockfilter.c - the cost of the broker's SYN|ACK-drop socket
 * filter (issue 9, item 1) on the connections a granted TCP socket
 * serves: connect + accept + a 64 KiB echo + close, through a listener
 * that has the filter attached and locked before bind(), against the
 * same through one without it.  Target: at most 1.02 x.
 *
 * The filter is the broker's, byte for byte (filter[] below): a classic
 * BPF program that drops every segment with both SYN and ACK set, so the
 * socket can never complete an outgoing connect(), locked with
 * SO_LOCK_FILTER so that its owner cannot remove it.  Sockets accepted
 * from a filtered listener inherit it, so every segment the server
 * receives runs it: the handshake's SYN and ACK (on the listener), then
 * the data, the ACKs of the echo and the FIN (on the accepted socket).
 *
 * The parent makes two listeners on 127.0.0.1 (row "bpf-echo64k-v4"),
 * on ports the kernel picks: "raw" without the filter, "lib" with it.
 * A forked server accepts one connection, reads and writes back 64 KiB,
 * closes, and takes the next.  The parent is the
 * client: it connects, writes 64 KiB, reads the 64 KiB echo back and
 * closes, and times each connection.  A round is `batch` pairs of
 * connections, one of each variant back to back, raw first in pair j of
 * round r when r + j is even, lib first when it is odd; the round's
 * sample of a variant is the median of its `batch` connections (not
 * bench.h's batch mean: on a loaded machine one preempted connection
 * would decide the round).  Both processes follow the same fixed
 * schedule, so the server is blocked in accept() on the listener the
 * client is about to use; only the listener differs between the
 * variants.  Then the same on ::1 (row "bpf-echo64k-v6"), skipped with
 * a message where the machine has no IPv6 loopback.
 *
 * Attaching a socket filter to a TCP socket needs CAP_NET_ADMIN on
 * recent kernels (6.18 here: EPERM for other users than root); without
 * it the rows are skipped with a message and the program exits 0.
 *
 * Before any timing it checks what the numbers are about, and exits 1
 * if anything is wrong:
 *   - without SO_LOCK_FILTER, SO_DETACH_FILTER removes the filter (so
 *     the EPERM below is the lock's);
 *   - on the filtered listener and on a socket accepted from it:
 *     SO_DETACH_FILTER, a second SO_ATTACH_FILTER and SO_LOCK_FILTER 0
 *     fail with EPERM, and SO_GET_FILTER reports the 5 instructions; the
 *     unfiltered listener's accepted socket has no filter;
 *   - a socket with the filter cannot connect(): its SYN-ACK is dropped,
 *     and after 200 ms it is still in SYN_SENT, while the same connect()
 *     without the filter completes;
 *   - one echo through each listener returns exactly the bytes sent.
 *
 * Usage: bench-sockfilter [-r rounds] [-b batch].  Output: see bench.h.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "bench.h"

#define PROG		"bench-sockfilter"
#define WARMUP		10		/* rounds run first and not recorded */
#define ECHO_LEN	(64 * 1024)	/* bytes each way per connection */
#define SYNSENT_MS	200		/* how long a filtered connect() waits */

/*
 * The broker's filter.  A TCP socket's filter sees the skb with its data
 * at the TCP header: byte 13 is the flags byte (CWR ECE URG ACK PSH RST
 * SYN FIN).  Not const: struct sock_fprog points at it non-const.
 */
static struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),		/* A = tcp flags */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),	/* SYN|ACK */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x12, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),			/* drop */
	BPF_STMT(BPF_RET | BPF_K, 0xffffffff),		/* keep */
};
#define FILTER_LEN	(sizeof(filter) / sizeof(filter[0]))

/* A filter that keeps everything: what a second attach would try. */
static struct sock_filter keep_all[] = {
	BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
};

/* One address family's case. */
struct fcase {
	const char	*name;
	int		 family;
};

static const struct fcase cases[] = {
	{ "bpf-echo64k-v4", AF_INET },
	{ "bpf-echo64k-v6", AF_INET6 },
};
#define NCASES		(sizeof(cases) / sizeof(cases[0]))

/* The bytes sent, and where the echo lands (static: no stack clearing). */
static unsigned char	sendbuf[ECHO_LEN], recvbuf[ECHO_LEN];

/* Print "bench-sockfilter: self-check failed: what" and exit 1. */
static void
check_fail(const char *what)
{
	fprintf(stderr, "%s: self-check failed: %s\n", PROG, what);
	exit(1);
}

/* check_fail("WHAT: MSG") unless ok. */
static void
check(int ok, const char *what, const char *msg)
{
	char	buf[160];

	if (!ok) {
		(void)snprintf(buf, sizeof(buf), "%s: %s", what, msg);
		check_fail(buf);
	}
}

/* Attach the broker's filter to fd (borrowed) and lock it: 0 or -errno. */
static int
filter_attach_lock(int fd)
{
	struct sock_fprog	prog = { .len = FILTER_LEN, .filter = filter };
	int			one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one,
	    sizeof(one)) == -1)
		return -errno;
	return 0;
}

/* The number of instructions of fd's filter (0: none); -errno on error. */
static int
filter_len(int fd)
{
	socklen_t	len = 0;	/* 0: ask for the count only */

	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &len) == -1)
		return -errno;
	return (int)len;
}

/*
 * Whether this process may attach a socket filter to a TCP socket: 0 if
 * it may, -EPERM if not (this kernel, 6.18, asks other users than root
 * for CAP_NET_ADMIN on TCP sockets).  Also the control for
 * check_locked(): without SO_LOCK_FILTER, SO_DETACH_FILTER succeeds, so
 * the EPERM seen there is the lock's.  Exits 1 if that does not hold.
 */
static int
filter_probe(void)
{
	struct sock_fprog	prog = { .len = FILTER_LEN, .filter = filter };
	int			fd = -1, dummy = 0, r;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		bench_die(PROG, "socket", errno);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1) {
		if ((r = -errno) != -EPERM)
			bench_die(PROG, "SO_ATTACH_FILTER", r);
		goto out;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
	    sizeof(dummy)) == -1 || filter_len(fd) != 0)
		check_fail("without SO_LOCK_FILTER, SO_DETACH_FILTER did not "
		    "remove the filter");
	ph_fd_close(&fd);
	return 0;
 out:
	ph_fd_close(&fd);
	return r;
}

/*
 * Check that fd (borrowed; `what` names it) has the broker's filter and
 * that it cannot be removed, replaced or unlocked; exit 1 if not.
 */
static void
check_locked(int fd, const char *what)
{
	struct sock_fprog	prog = { .len = 1, .filter = keep_all };
	int			zero = 0, dummy = 0;

	check(filter_len(fd) == (int)FILTER_LEN, what,
	    "SO_GET_FILTER is not the 5 instructions");
	check(setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
	    sizeof(dummy)) == -1 && errno == EPERM, what,
	    "SO_DETACH_FILTER did not fail with EPERM");
	check(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1 && errno == EPERM, what,
	    "a second SO_ATTACH_FILTER did not fail with EPERM");
	check(setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &zero,
	    sizeof(zero)) == -1 && errno == EPERM, what,
	    "SO_LOCK_FILTER 0 did not fail with EPERM");
	check(filter_len(fd) == (int)FILTER_LEN, what,
	    "SO_GET_FILTER changed");
}

/* The loopback address of `family`, port `port` (host order). */
static socklen_t
loopback(int family, in_port_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_loopback;
	sin6->sin6_port = htons(port);
	return sizeof(*sin6);
}

/*
 * A TCP listener on the loopback of `family`, on a port the kernel
 * picks, with the broker's filter attached and locked before bind() if
 * `filtered`.  Returns a new O_CLOEXEC fd and fills *ret_ss and *ret_len
 * with its address, or a negative errno.
 */
static int
listener_open(int family, int filtered, struct sockaddr_storage *ret_ss,
    socklen_t *ret_len)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd = -1, r;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	/* As the broker will: before bind(), so no segment escapes it. */
	if (filtered && (r = filter_attach_lock(fd)) < 0)
		goto out;
	len = loopback(family, 0, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		r = -errno;
		goto out;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		r = -errno;
		goto out;
	}
	*ret_ss = ss;
	*ret_len = len;
	return fd;
 out:
	ph_fd_close(&fd);
	return r;
}

/* Send all of buf[0..len-1] on fd (borrowed): 0 or -errno. */
static int
send_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The client: connect to `sa`, send sendbuf, read ECHO_LEN bytes into
 * recvbuf, close.  Returns 0, -EPROTO on a short echo, or -errno.
 */
static int
client_conn(const struct sockaddr *sa, socklen_t salen)
{
	size_t	got = 0;
	ssize_t	n;
	int	fd = -1, r;

	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	if (connect(fd, sa, salen) == -1) {
		r = -errno;
		goto out;
	}
	if ((r = send_all(fd, sendbuf, ECHO_LEN)) < 0)
		goto out;
	while (got < ECHO_LEN) {
		n = recv(fd, recvbuf + got, ECHO_LEN - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = -errno;
			goto out;
		}
		if (n == 0) {
			r = -EPROTO;
			goto out;
		}
		got += (size_t)n;
	}
	r = 0;
 out:
	ph_fd_close(&fd);
	return r;
}

/*
 * The server's echo: read from fd (borrowed) and write each piece back
 * until ECHO_LEN bytes have gone both ways.  Returns 0, -EPROTO on an
 * early EOF, or -errno.  `buf` holds ECHO_LEN bytes.
 */
static int
server_echo(int fd, unsigned char *buf)
{
	size_t	done = 0;
	ssize_t	n;
	int	r;

	while (done < ECHO_LEN) {
		n = recv(fd, buf, ECHO_LEN - done, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		if (n == 0)
			return -EPROTO;
		if ((r = send_all(fd, buf, (size_t)n)) < 0)
			return r;
		done += (size_t)n;
	}
	return 0;
}

/* Accept one connection on lfd (borrowed): a new O_CLOEXEC fd; dies. */
static int
server_accept(int lfd)
{
	int	fd;

	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	if (fd == -1)
		bench_die(PROG, "accept4", errno);
	return fd;
}

/*
 * Check that a socket with the broker's filter cannot connect() to a
 * listener on the loopback of `family`, and that the same connect()
 * without the filter can; exit 1 if not.  The listener is its own, so
 * the half-open connection left behind is never in the way of the
 * benchmark's.
 */
static void
check_no_connect(int family)
{
	struct sockaddr_storage	ss;
	struct pollfd		pfd = { .fd = -1, .events = POLLOUT };
	struct tcp_info		ti;
	socklen_t		sl, len;
	int			lfd = -1, fd = -1, afd = -1, filtered, n, err;

	if ((lfd = listener_open(family, 0, &ss, &sl)) < 0)
		bench_die(PROG, "listener", lfd);
	for (filtered = 1; filtered >= 0; filtered--) {
		fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
		if (fd == -1)
			bench_die(PROG, "socket", errno);
		if (filtered && (err = filter_attach_lock(fd)) < 0)
			bench_die(PROG, "attach the filter", err);
		if (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
		    errno != EINPROGRESS)
			bench_die(PROG, "connect", errno);
		pfd.fd = fd;
		do
			n = poll(&pfd, 1, SYNSENT_MS);
		while (n == -1 && errno == EINTR);
		if (n == -1)
			bench_die(PROG, "poll", errno);
		memset(&ti, 0, sizeof(ti));
		len = sizeof(ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
			bench_die(PROG, "TCP_INFO", errno);
		if (filtered && (n != 0 || ti.tcpi_state != TCP_SYN_SENT))
			check_fail("a socket with the filter completed "
			    "connect(): its SYN-ACK was not dropped");
		if (!filtered) {
			err = 0;
			len = sizeof(err);
			if (n != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &err, &len) == -1 || err != 0 ||
			    ti.tcpi_state != TCP_ESTABLISHED)
				check_fail("connect() without the filter did "
				    "not complete");
			afd = server_accept(lfd);
			ph_fd_close(&afd);
		}
		ph_fd_close(&fd);
	}
	ph_fd_close(&lfd);
}

/*
 * The server: first one checked connection per listener (lfd[BENCH_RAW]
 * unfiltered, lfd[BENCH_LIB] filtered; borrowed), then 'k' on ctl
 * (borrowed), then the client's schedule: `nrounds` rounds of `batch`
 * pairs of connections.  Exits 0, or 1 through bench_die()/check_fail().
 */
static void
server(int ctl, const int lfd[2], size_t nrounds, size_t batch)
{
	unsigned char	*buf;
	size_t		 r, j;
	int		 fd = -1, i, v, e;

	if ((buf = malloc(ECHO_LEN)) == NULL)
		bench_die(PROG, "malloc", ENOMEM);
	for (v = 0; v < 2; v++) {
		fd = server_accept(lfd[v]);
		if (v == BENCH_LIB)
			check_locked(fd, "accepted from the filtered "
			    "listener");
		else if (filter_len(fd) != 0)
			check_fail("accepted from the unfiltered listener: "
			    "it has a filter");
		if ((e = server_echo(fd, buf)) < 0)
			bench_die(PROG, "server echo", e);
		ph_fd_close(&fd);
	}
	bench_ctl_send(PROG, ctl, 'k');
	for (r = 0; r < nrounds; r++)
		for (j = 0; j < batch; j++)
			for (i = 0; i < 2; i++) {
				v = bench_variant((unsigned int)(r + j), i);
				fd = server_accept(lfd[v]);
				if ((e = server_echo(fd, buf)) < 0)
					bench_die(PROG, "server echo", e);
				ph_fd_close(&fd);
			}
	free(buf);
	_exit(0);
}

/*
 * Run one case: print its row, or a note on stderr if its family has no
 * loopback here.  samp[v] and scratch hold `rounds` doubles, conn[v]
 * `batch`.  Exits 1 on a failure.
 */
static void
run_case(const struct fcase *fc, size_t rounds, size_t batch,
    double *samp[2], double *conn[2], double *scratch)
{
	struct sockaddr_storage	ss[2];
	socklen_t		sl[2];
	uint64_t		t0;
	size_t			r, j;
	pid_t			pid;
	int			lfd[2] = { -1, -1 }, ctl[2] = { -1, -1 };
	int			v, i, e;

	for (v = 0; v < 2; v++) {
		e = listener_open(fc->family, v == BENCH_LIB, &ss[v], &sl[v]);
		if (fc->family == AF_INET6 && (e == -EAFNOSUPPORT ||
		    e == -EADDRNOTAVAIL)) {
			fprintf(stderr, "%s: %s: no IPv6 loopback (%s): "
			    "skipped\n", PROG, fc->name, strerror(-e));
			ph_fd_close(&lfd[0]);
			return;
		}
		if (e < 0)
			bench_die(PROG, "listener", e);
		lfd[v] = e;
	}
	check_locked(lfd[BENCH_LIB], "filtered listener");
	check_no_connect(fc->family);

	if ((pid = bench_fork_pair(PROG, ctl)) == 0)
		server(ctl[1], lfd, WARMUP + rounds, batch);
	/* The server owns the listeners: if it dies, connect() fails. */
	ph_fd_close(&lfd[0]);
	ph_fd_close(&lfd[1]);

	/* The echo through each listener is exactly what was sent. */
	for (v = 0; v < 2; v++) {
		memset(recvbuf, 0, sizeof(recvbuf));
		if ((e = client_conn((struct sockaddr *)&ss[v], sl[v])) < 0)
			bench_die(PROG, "check connection", e);
		if (memcmp(sendbuf, recvbuf, ECHO_LEN) != 0)
			check_fail(v == BENCH_LIB ? "the echo through the "
			    "filtered listener differs from the bytes sent" :
			    "the echo through the unfiltered listener "
			    "differs from the bytes sent");
	}
	bench_ctl_wait(PROG, ctl[0], 'k');

	/*
	 * Pair j of round r runs raw, lib if r + j is even, else lib, raw:
	 * neighbours in time, each first half the time.  A round's sample
	 * of a variant is the median of its `batch` connections, so that a
	 * connection preempted by another tenant does not decide a round.
	 */
	for (r = 0; r < WARMUP + rounds; r++) {
		for (j = 0; j < batch; j++)
			for (i = 0; i < 2; i++) {
				v = bench_variant((unsigned int)(r + j), i);
				t0 = bench_now();
				if ((e = client_conn((struct sockaddr *)&ss[v],
				    sl[v])) < 0)
					bench_die(PROG, v == BENCH_LIB ?
					    "filtered connection" :
					    "unfiltered connection", e);
				conn[v][j] = (double)(bench_now() - t0);
			}
		if (r >= WARMUP)
			for (v = 0; v < 2; v++)
				samp[v][r - WARMUP] = bench_median(conn[v],
				    batch);
	}
	bench_row(fc->name, samp[BENCH_RAW], samp[BENCH_LIB], scratch,
	    rounds, batch);

	ph_fd_close(&ctl[0]);
	if (!bench_reap(PROG, pid))
		bench_die(PROG, "server failed", EPROTO);
}

int
main(int argc, char *argv[])
{
	double		*samp[2], *conn[2], *scratch;
	size_t		 rounds = 1001, batch = 10, c;
	uint32_t	 x = 0x9e3779b9u;

	bench_args(argc, argv, &rounds, &batch);
	samp[BENCH_RAW] = bench_calloc(PROG, rounds);
	samp[BENCH_LIB] = bench_calloc(PROG, rounds);
	conn[BENCH_RAW] = bench_calloc(PROG, batch);
	conn[BENCH_LIB] = bench_calloc(PROG, batch);
	scratch = bench_calloc(PROG, rounds);
	/* Bytes that differ everywhere (xorshift32), so a bad echo shows. */
	for (c = 0; c < ECHO_LEN; c++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		sendbuf[c] = (unsigned char)x;
	}

	bench_header("connect + accept + 64 KiB echo + close over loopback "
	    "TCP, ns per connection; raw = plain listener, lib = broker's "
	    "SYN|ACK-drop filter attached and locked before bind()");
	if (filter_probe() == -EPERM)
		fprintf(stderr, "%s: attaching a socket filter to a TCP socket "
		    "is not permitted here (recent kernels ask for "
		    "CAP_NET_ADMIN): rows skipped; run as root\n", PROG);
	else
		for (c = 0; c < NCASES; c++)
			run_case(&cases[c], rounds, batch, samp, conn,
			    scratch);
	free(samp[BENCH_RAW]);
	free(samp[BENCH_LIB]);
	free(conn[BENCH_RAW]);
	free(conn[BENCH_LIB]);
	free(scratch);
	return 0;
}
