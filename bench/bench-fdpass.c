/* SPDX-License-Identifier: ISC */
/*
 * bench-fdpass.c - the cost of ph_send_fds()/ph_recv_fds() against the
 * limit: a hand-written sendmsg()/recvmsg() pair with MSG_CMSG_CLOEXEC and
 * a proper control-message walk, as a careful program would write it.
 *
 * Two processes share an AF_UNIX SOCK_SEQPACKET socketpair.  The parent
 * sends one 1-byte message carrying 1 fd (case "fdpass-1fd") or 16 fds
 * ("fdpass-16fd"); the child receives it, checks the fd count, closes the
 * fds and replies with 1 byte, so every iteration is a full round trip.
 * Both processes follow the same fixed schedule, so no message says which
 * variant comes next: in round r the variants run in the order raw, lib
 * (r even) or lib, raw (r odd), each for `batch` round trips timed as one
 * sample.  Only the fd-passing calls differ between the variants; the
 * reply, the closing and the timing are the same code.
 *
 * Usage: bench-fdpass [-r rounds] [-b batch].  Output: see bench.h.
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "bench.h"

#define PROG		"bench-fdpass"
#define NFDS_MAX	16		/* the most any case sends */
#define WARMUP		10		/* rounds run first and not recorded */

struct fdcase {
	const char	*name;
	size_t		 nfds;
};

static const struct fdcase cases[] = {
	{ "fdpass-1fd", 1 },
	{ "fdpass-16fd", NFDS_MAX },
};
#define NCASES		(sizeof(cases) / sizeof(cases[0]))

/*
 * The raw send: one byte and `nfds` (<= NFDS_MAX) fds (borrowed) in one
 * SCM_RIGHTS message, MSG_NOSIGNAL, retried on EINTR.  Returns 1 or a
 * negative errno.
 */
static int
raw_send(int sock, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(NFDS_MAX * sizeof(int))];
	} ctl;
	char		 c = 'm';
	struct iovec	 iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr	 msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = CMSG_SPACE(nfds * sizeof(int)) };
	struct cmsghdr	*cm;
	ssize_t		 n;

	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == -1 ? -errno : (int)n;
}

/* Close every fd in every SCM_RIGHTS message of msg (error paths). */
static void
raw_close_all(struct msghdr *msg)
{
	struct cmsghdr	*cm;
	size_t		 i, k;
	int		 fd;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0))
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(fd));
			ph_fd_close(&fd);
		}
	}
}

/*
 * The raw receive: one message of 1 byte and at most `want` fds into
 * fds[] (new, O_CLOEXEC from birth, owned by the caller).  It walks every
 * control message and refuses truncation, foreign control messages and
 * extra fds, closing whatever arrived.  The control buffer is sized for
 * exactly `want` fds, as a program that knows its protocol would size it.
 * Returns the fd count, or a negative errno (-EPIPE at EOF).
 */
static int
raw_recv(int sock, int *fds, size_t want)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(NFDS_MAX * sizeof(int))];
	} ctl;
	char		 c;
	struct iovec	 iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr	 msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = CMSG_SPACE(want * sizeof(int)) };
	struct cmsghdr	*cm;
	size_t		 n = 0, k;
	ssize_t		 r;
	int		 bad = 0;

	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -errno;
	if (r == 0)
		return -EPIPE;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0)) {
			bad = 1;
			continue;
		}
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (n + k > want) {
			bad = 1;
			continue;
		}
		memcpy(fds + n, CMSG_DATA(cm), k * sizeof(int));
		n += k;
	}
	if (bad || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		raw_close_all(&msg);
		return -EBADMSG;
	}
	return (int)n;
}

/* The lib receive, with the same contract as raw_recv(). */
static int
lib_recv(int sock, int *fds, size_t want)
{
	char	c;
	size_t	n = want;
	ssize_t	r;

	if ((r = ph_recv_fds(sock, &c, 1, fds, &n)) < 0)
		return (int)r;
	if (r == 0)
		return -EPIPE;
	return (int)n;
}

/* The lib send, with the same contract as raw_send(). */
static int
lib_send(int sock, const int *fds, size_t nfds)
{
	return (int)ph_send_fds(sock, "m", 1, fds, nfds);
}

/*
 * One round trip on the child's side: receive with variant v, check the
 * count, close the fds, reply.  Dies on any failure; the parent then sees
 * EOF.
 */
static void
child_one(int sock, int v, size_t want)
{
	int	got[NFDS_MAX], n, k;

	n = v == BENCH_RAW ? raw_recv(sock, got, want) :
	    lib_recv(sock, got, want);
	if (n != (int)want)
		bench_die(PROG, "child receive", n < 0 ? n : EPROTO);
	for (k = 0; k < n; k++)
		ph_fd_close(&got[k]);
	if (send(sock, "k", 1, MSG_NOSIGNAL) != 1)
		bench_die(PROG, "child reply", errno);
}

/*
 * The child: follow the parent's schedule round trip by round trip.
 * Borrows sock; exits 0.
 */
static void
child(int sock, size_t rounds, size_t batch)
{
	size_t	ci, r, j;
	int	i;

	for (ci = 0; ci < NCASES; ci++)
		for (r = 0; r < WARMUP + rounds; r++)
			for (i = 0; i < 2; i++)
				for (j = 0; j < batch; j++)
					child_one(sock, bench_variant(
					    (unsigned int)r, i),
					    cases[ci].nfds);
	_exit(0);
}

/* Wait for the child's 1-byte reply; die on anything else. */
static void
wait_reply(int sock)
{
	ssize_t	n;
	char	c;

	do
		n = recv(sock, &c, 1, 0);
	while (n == -1 && errno == EINTR);
	if (n != 1 || c != 'k')
		bench_die(PROG, "reply", n == -1 ? errno : EPROTO);
}

/*
 * Run `batch` round trips of variant v, sending nfds of fds (borrowed);
 * return the mean ns per round trip.
 */
static double
parent_batch(int sock, int v, const int *fds, size_t nfds, size_t batch)
{
	uint64_t	t0;
	size_t		j;
	int		e;

	t0 = bench_now();
	for (j = 0; j < batch; j++) {
		e = v == BENCH_RAW ? raw_send(sock, fds, nfds) :
		    lib_send(sock, fds, nfds);
		if (e != 1)
			bench_die(PROG, "send", e);
		wait_reply(sock);
	}
	return (double)(bench_now() - t0) / (double)batch;
}

int
main(int argc, char *argv[])
{
	double	*samp[2], *scratch, t;
	size_t	 rounds = 1001, batch = 20, ci, r, j;
	pid_t	 pid;
	int	 sp[2] = { -1, -1 }, fds[NFDS_MAX], i, v;

	bench_args(argc, argv, &rounds, &batch);
	samp[BENCH_RAW] = bench_calloc(PROG, rounds);
	samp[BENCH_LIB] = bench_calloc(PROG, rounds);
	scratch = bench_calloc(PROG, rounds);

	/* The fds to pass: plain files, so the kernel's Unix-socket garbage
	 * collector (which tracks in-flight sockets) stays out of it. */
	for (j = 0; j < NFDS_MAX; j++)
		if ((fds[j] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			bench_die(PROG, "open /dev/null", errno);
	if ((pid = bench_fork_pair(PROG, sp)) == 0)
		child(sp[1], rounds, batch);

	bench_header("fd passing round trip over SOCK_SEQPACKET, "
	    "ns per message; raw = sendmsg/recvmsg by hand");
	for (ci = 0; ci < NCASES; ci++) {
		for (r = 0; r < WARMUP + rounds; r++)
			for (i = 0; i < 2; i++) {
				v = bench_variant((unsigned int)r, i);
				t = parent_batch(sp[0], v, fds, cases[ci].nfds,
				    batch);
				if (r >= WARMUP)
					samp[v][r - WARMUP] = t;
			}
		bench_row(cases[ci].name, samp[BENCH_RAW], samp[BENCH_LIB],
		    scratch, rounds, batch);
	}

	ph_fd_close(&sp[0]);
	for (j = 0; j < NFDS_MAX; j++)
		ph_fd_close(&fds[j]);
	if (!bench_reap(PROG, pid))
		bench_die(PROG, "child failed", EPROTO);
	free(samp[BENCH_RAW]);
	free(samp[BENCH_LIB]);
	free(scratch);
	return 0;
}
