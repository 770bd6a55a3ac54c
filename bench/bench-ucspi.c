/* SPDX-License-Identifier: ISC */
/*
 * bench-ucspi.c - connections per second through fork-and-exec Unix
 * socket servers (UCSPI super-servers) that run a program per connection:
 * porthole listen against s6-ipcserver, unixserver and the limit
 * (bench/ucspi-limit.c), all serving /bin/true.
 *
 * The servers are started by bench/run.sh, each listening at its own
 * path; this program is only the client.  One connection is: socket(),
 * connect(), read() until EOF (the server's program exits and the last
 * copy of the connection closes), close().  Connections are sequential:
 * the next one starts when the last has seen EOF, so a sample times the
 * server's whole per-connection path (accept, checks, fork, exec of the
 * program, its exit) plus the client's few syscalls, the same for all.
 *
 * One sample is the mean time per connection over a batch of `batch`
 * connections to one server.  Every round takes one sample of each
 * server, in an order that rotates and reverses from round to round, so
 * each server runs first, last and in between equally often; a few
 * warm-up rounds are not recorded.  Before the first round each path is
 * tried until it accepts (servers bind and listen in their own time).
 *
 * For every ordered pair of variants X, Y it prints one row (bench.h's
 * format, with NAME = "X/Y"):
 *	row X/Y T_Y_NS T_X_NS RATE_RATIO Q1 Q3 ROUNDS BATCH
 * where T_* are the median times per connection and RATE_RATIO is the
 * median over rounds of rate(X)/rate(Y) = t(Y)/t(X): connections per
 * second of X relative to Y, higher is better for X.  Q1, Q3 are the
 * quartiles of those per-round ratios.
 *
 * Usage: bench-ucspi [-r rounds] [-b batch] NAME=PATH...  (defaults:
 * 301 rounds of batches of 10; about 0.7 ms a connection here, so about
 * 2 s per server).  Output: see above; run.sh prints the table.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define PROG		"bench-ucspi"
#define WARMUP		3		/* rounds run first and not recorded */
#define NVAR_MAX	8
#define READY_MS	10000		/* how long a server may take to listen */

struct variant {
	const char		*name;
	struct sockaddr_un	 sun;
	double			*t;	/* per-round ns per connection */
};

/*
 * One connection to `sun`: connect, read until EOF, close.  Returns 0,
 * or a negative errno (from connect() only when `tolerant`; dies on any
 * other failure).
 */
static int
one(const struct sockaddr_un *sun, int tolerant)
{
	char	buf[256];
	ssize_t	n;
	int	fd, r = 0;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		bench_die(PROG, "socket", errno);
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == -1) {
		r = -errno;
		(void)close(fd);
		if (!tolerant)
			bench_die(PROG, sun->sun_path, -r);
		return r;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			bench_die(PROG, "read", errno);
	}
	(void)close(fd);
	return 0;
}

/* Wait until `v` accepts a connection (and serves it), or die. */
static void
wait_ready(const struct variant *v)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	int		ms, r = 0;

	for (ms = 0; ms < READY_MS; ms += 10) {
		r = one(&v->sun, 1);
		if (r == 0)
			return;
		if (r != -ENOENT && r != -ECONNREFUSED)
			break;
		(void)nanosleep(&ts, NULL);
	}
	fprintf(stderr, "%s: %s (%s): not accepting: %s\n", PROG, v->name,
	    v->sun.sun_path, strerror(-r));
	exit(1);
}

/*
 * Print the row X/Y: the median over rounds of t(Y)/t(X), the rate of X
 * relative to Y, its quartiles, and the median times.  a, b and scratch
 * hold `rounds` doubles each.
 */
static void
pair_row(const struct variant *x, const struct variant *y, double *a,
    double *b, double *scratch, size_t rounds, size_t batch)
{
	double	q1, med, q3;
	size_t	k;

	for (k = 0; k < rounds; k++) {
		a[k] = x->t[k];
		b[k] = y->t[k];
		scratch[k] = b[k] / a[k];
	}
	q1 = bench_quantile(scratch, rounds, 0.25);
	med = bench_quantile(scratch, rounds, 0.5);
	q3 = bench_quantile(scratch, rounds, 0.75);
	printf("row\t%s/%s\t%.0f\t%.0f\t%.4f\t%.4f\t%.4f\t%zu\t%zu\n",
	    x->name, y->name, bench_median(b, rounds), bench_median(a, rounds),
	    med, q1, q3, rounds, batch);
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-r rounds] [-b batch] NAME=PATH...\n",
	    PROG);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct variant	 var[NVAR_MAX];
	double		*a, *b, *scratch;
	size_t		 rounds = 301, batch = 10, j;
	unsigned long	 ul;
	unsigned int	 r;
	uint64_t	 t0;
	char		*end, *eq;
	int		 c, i, x, y, nvar;

	while ((c = getopt(argc, argv, "r:b:")) != -1) {
		if (c != 'r' && c != 'b')
			usage();
		errno = 0;
		ul = strtoul(optarg, &end, 10);
		if (errno != 0 || *end != '\0' || ul == 0 || ul > 1000000)
			usage();
		if (c == 'r')
			rounds = ul;
		else
			batch = ul;
	}
	nvar = argc - optind;
	if (nvar < 2 || nvar > NVAR_MAX)
		usage();
	for (i = 0; i < nvar; i++) {
		char	*arg = argv[optind + i];

		if ((eq = strchr(arg, '=')) == NULL || eq == arg ||
		    strlen(eq + 1) >= sizeof(var[i].sun.sun_path))
			usage();
		*eq = '\0';
		var[i].name = arg;
		memset(&var[i].sun, 0, sizeof(var[i].sun));
		var[i].sun.sun_family = AF_UNIX;
		memcpy(var[i].sun.sun_path, eq + 1, strlen(eq + 1));
		if ((var[i].t = calloc(rounds, sizeof(double))) == NULL)
			bench_die(PROG, "calloc", errno);
	}
	if ((a = calloc(rounds, sizeof(double))) == NULL ||
	    (b = calloc(rounds, sizeof(double))) == NULL ||
	    (scratch = calloc(rounds, sizeof(double))) == NULL)
		bench_die(PROG, "calloc", errno);

	for (i = 0; i < nvar; i++)
		wait_ready(&var[i]);

	for (r = 0; r < WARMUP + rounds; r++) {
		for (i = 0; i < nvar; i++) {
			struct variant	*v;

			v = &var[bench_round_variant(r, i, nvar)];
			t0 = bench_now();
			for (j = 0; j < batch; j++)
				(void)one(&v->sun, 0);
			if (r >= WARMUP)
				v->t[r - WARMUP] = (double)(bench_now() - t0) /
				    (double)batch;
		}
	}

	printf("# %s: connections/s relative (rate ratio X/Y = t(Y)/t(X))\n"
	    "# row\tX/Y\tt_Y_ns\tt_X_ns\trate_ratio\tq1\tq3\trounds\tbatch\n",
	    PROG);
	for (x = 0; x < nvar; x++)
		for (y = 0; y < nvar; y++)
			if (x != y)
				pair_row(&var[x], &var[y], a, b, scratch,
				    rounds, batch);
	(void)fflush(stdout);
	for (i = 0; i < nvar; i++)
		free(var[i].t);
	free(a);
	free(b);
	free(scratch);
	return 0;
}
