/* SPDX-License-Identifier: ISC */
/*
 * bench-accept.c - the cost of ph_listener_accept() against the limit:
 * accept4(SOCK_CLOEXEC), getsockopt(SO_PEERCRED) and a uid compare by
 * hand, then close.
 *
 * The server listens with ph_listen() in a fresh private directory from
 * ph_sockdir_create(), with the default allow-list (NULL: our own euid),
 * and both variants accept from that same listening socket.  A client
 * process connects `batch` sockets, so that many connections wait in the
 * backlog, and says so on a control socketpair; the server then times
 * accepting, checking and closing all of them with one variant, and
 * answers; the client closes its ends and starts the next batch.  The
 * timed region therefore holds only the server's accept path: no wake-up
 * and no client work, which is the strictest setting for the ratio.  In
 * round r the variants run raw, lib (r even) or lib, raw (r odd).
 *
 * Usage: bench-accept [-r rounds] [-b batch].  Output: see bench.h.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "bench.h"

#define PROG		"bench-accept"
#define WARMUP		10		/* rounds run first and not recorded */
#define BATCH_MAX	512		/* client fds held at once */

/* What cleanup() removes if the server dies half-way (bench_die()). */
static struct ph_sockdir	*cleanup_sd;
static struct ph_listener	*cleanup_l;
static pid_t			 cleanup_pid;

/* atexit(): remove the socket, its lock and the directory; server only. */
static void
cleanup(void)
{
	if (getpid() != cleanup_pid)
		return;			/* the client must not remove them */
	(void)ph_listener_close(cleanup_l);
	(void)ph_sockdir_remove(cleanup_sd);
	cleanup_l = NULL;
	cleanup_sd = NULL;
}

/*
 * The raw accept: what a careful server writes by hand.  Returns the new
 * O_CLOEXEC connection fd if the peer's uid (SO_PEERCRED, captured at
 * connect()) is `me`; else closes it and returns a negative errno.
 * Borrows lfd.
 */
static int
raw_accept(int lfd, uid_t me)
{
	struct ucred	uc;
	socklen_t	len = sizeof(uc);
	int		fd = -1, r;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		r = -errno;
	else if (len != sizeof(uc) || uc.uid != me)
		r = -EPERM;
	else
		return fd;
	ph_fd_close(&fd);
	return r;
}

/* The lib accept, with the same contract as raw_accept(). */
static int
lib_accept(struct ph_listener *l)
{
	struct ph_peer	peer;
	int		fd;

	if ((fd = ph_listener_accept(l, 0, &peer)) < 0)
		return fd;
	ph_peer_clear(&peer);
	return fd;
}

/*
 * The client: for every batch of the schedule, connect `batch` sockets
 * to `path`, report 'r'eady, wait for 'd'one, close them.  Borrows ctl;
 * exits 0.
 */
static void
client(int ctl, const char *path, size_t nbatches, size_t batch)
{
	struct sockaddr_un	sun;
	socklen_t		sl;
	size_t			b, j;
	int			fds[BATCH_MAX], r;

	if ((r = ph_sockaddr_set(&sun, &sl, path, 0)) < 0)
		bench_die(PROG, "client address", r);
	for (b = 0; b < nbatches; b++) {
		for (j = 0; j < batch; j++) {
			fds[j] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fds[j] == -1)
				bench_die(PROG, "client socket", errno);
			if (connect(fds[j], (struct sockaddr *)&sun, sl) == -1)
				bench_die(PROG, "client connect", errno);
		}
		bench_ctl_send(PROG, ctl, 'r');
		bench_ctl_wait(PROG, ctl, 'd');
		for (j = 0; j < batch; j++)
			ph_fd_close(&fds[j]);
	}
	_exit(0);
}

/*
 * Accept, check and close `batch` waiting connections with variant v;
 * return the mean ns per connection.
 */
static double
server_batch(struct ph_listener *l, int v, uid_t me, size_t batch)
{
	uint64_t	t0;
	size_t		j;
	int		fd = -1, lfd = ph_listener_fd(l);

	t0 = bench_now();
	for (j = 0; j < batch; j++) {
		fd = v == BENCH_RAW ? raw_accept(lfd, me) : lib_accept(l);
		if (fd < 0)
			bench_die(PROG, v == BENCH_RAW ? "raw accept" :
			    "lib accept", fd);
		ph_fd_close(&fd);
	}
	return (double)(bench_now() - t0) / (double)batch;
}

int
main(int argc, char *argv[])
{
	struct ph_sockdir	*sd = NULL;
	struct ph_listener	*l = NULL;
	double			*samp[2], *scratch, t;
	size_t			 rounds = 1001, batch = 64, r;
	uid_t			 me = geteuid();
	pid_t			 pid;
	int			 ctl[2] = { -1, -1 }, i, v, e, status;

	bench_args(argc, argv, &rounds, &batch);
	if (batch > BATCH_MAX)
		batch = BATCH_MAX;
	samp[BENCH_RAW] = bench_calloc(PROG, rounds);
	samp[BENCH_LIB] = bench_calloc(PROG, rounds);
	scratch = bench_calloc(PROG, rounds);

	if ((e = ph_sockdir_create(NULL, NULL, 0, &sd)) < 0)
		bench_die(PROG, "ph_sockdir_create", e);
	cleanup_sd = sd;
	cleanup_pid = getpid();
	if (atexit(cleanup) != 0)
		bench_die(PROG, "atexit", ENOMEM);
	/* Backlog 0: SOMAXCONN, so a whole batch waits without blocking. */
	if ((e = ph_listen(ph_sockdir_path(sd), 0, 0600, 0, NULL, &l)) < 0)
		bench_die(PROG, "ph_listen", e);
	cleanup_l = l;
	if ((pid = bench_fork_pair(PROG, ctl)) == 0)
		client(ctl[1], ph_sockdir_path(sd), 2 * (WARMUP + rounds),
		    batch);

	bench_header("accept + SO_PEERCRED uid check + close, ns per "
	    "connection; raw = accept4/getsockopt by hand");
	for (r = 0; r < WARMUP + rounds; r++)
		for (i = 0; i < 2; i++) {
			v = bench_variant((unsigned int)r, i);
			bench_ctl_wait(PROG, ctl[0], 'r');
			t = server_batch(l, v, me, batch);
			bench_ctl_send(PROG, ctl[0], 'd');
			if (r >= WARMUP)
				samp[v][r - WARMUP] = t;
		}
	bench_row("accept-peercred", samp[BENCH_RAW], samp[BENCH_LIB],
	    scratch, rounds, batch);

	ph_fd_close(&ctl[0]);
	status = bench_reap(PROG, pid);
	cleanup_l = NULL;
	cleanup_sd = NULL;
	if ((e = ph_listener_close(l)) < 0)
		fprintf(stderr, "%s: ph_listener_close: %s\n", PROG,
		    strerror(-e));
	if ((e = ph_sockdir_remove(sd)) < 0)
		fprintf(stderr, "%s: ph_sockdir_remove: %s\n", PROG,
		    strerror(-e));
	if (!status)
		bench_die(PROG, "client failed", EPROTO);
	free(samp[BENCH_RAW]);
	free(samp[BENCH_LIB]);
	free(scratch);
	return 0;
}
