/* SPDX-License-Identifier: ISC */
/*
 * bench.h - small helpers shared by the micro-benchmarks in bench/: a
 * monotonic clock in nanoseconds, the median and quartiles of an array,
 * the paired-ratio statistics, and the one output row format that
 * bench/run.sh reads.
 *
 * The machines we run on are shared and noisy, so a benchmark never
 * reports a lone absolute time.  It runs its "raw" and "lib" variants in
 * interleaved rounds (the order alternating each round), takes one
 * batch-mean sample of each per round, and reports the median per message
 * of each variant and the median of the per-round ratios lib/raw, with
 * its interquartile range.  Drift that hits one round hits both variants
 * of that round.
 *
 * Output row (tab-separated, one per case, after a '#' header):
 *	row NAME RAW_NS LIB_NS RATIO RATIO_Q1 RATIO_Q3 ROUNDS BATCH
 * Everything here is static: each benchmark is a single-file program.
 */
#ifndef PH_BENCH_H
#define PH_BENCH_H

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Variant indices into the sample arrays. */
#define BENCH_RAW	0
#define BENCH_LIB	1

/* The variant run first (i == 0) or second (i == 1) in round `r`. */
static inline int
bench_variant(unsigned int r, int i)
{
	return ((r & 1) == 0) ? i : !i;
}

/* CLOCK_MONOTONIC in nanoseconds (vDSO: no syscall on a tsc clock). */
static inline uint64_t
bench_now(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The q-quantile (0 <= q <= 1) of v[0..n-1], by linear interpolation
 * between the two nearest ranks; sorts v in place.  n must be >= 1.
 */
static inline double
bench_quantile(double *v, size_t n, double q)
{
	double	pos, frac;
	size_t	lo;

	qsort(v, n, sizeof(*v), bench_cmp_double);
	pos = q * (double)(n - 1);
	lo = (size_t)pos;
	frac = pos - (double)lo;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + frac * (v[lo + 1] - v[lo]);
}

/* The median of v[0..n-1]; sorts v in place. */
static inline double
bench_median(double *v, size_t n)
{
	return bench_quantile(v, n, 0.5);
}

/* Print the header line once, before the rows. */
static inline void
bench_header(const char *what)
{
	printf("# %s\n# row\tname\traw_ns\tlib_ns\tratio\tq1\tq3\t"
	    "rounds\tbatch\n", what);
	(void)fflush(stdout);
}

/*
 * Print one result row from `rounds` paired samples: raw[i] and lib[i]
 * are the per-message batch means (ns) of round i.  Clobbers the order
 * of raw[] and lib[] (sorting); `scratch` holds `rounds` doubles.
 */
static inline void
bench_row(const char *name, double *raw, double *lib, double *scratch,
    size_t rounds, size_t batch)
{
	double	m_raw, m_lib, r, q1, q3;
	size_t	i;

	for (i = 0; i < rounds; i++)
		scratch[i] = lib[i] / raw[i];
	q1 = bench_quantile(scratch, rounds, 0.25);
	r = bench_quantile(scratch, rounds, 0.5);
	q3 = bench_quantile(scratch, rounds, 0.75);
	m_raw = bench_median(raw, rounds);
	m_lib = bench_median(lib, rounds);
	printf("row\t%s\t%.0f\t%.0f\t%.4f\t%.4f\t%.4f\t%zu\t%zu\n",
	    name, m_raw, m_lib, r, q1, q3, rounds, batch);
	(void)fflush(stdout);
}

/* Print "bench-NAME: what: strerror" on stderr and exit 1. */
static inline void
bench_die(const char *prog, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what,
	    strerror(err < 0 ? -err : err));
	exit(1);
}

/* n zeroed doubles; dies on failure. */
static inline double *
bench_calloc(const char *prog, size_t n)
{
	double	*p;

	if ((p = calloc(n, sizeof(double))) == NULL)
		bench_die(prog, "calloc", ENOMEM);
	return p;
}

/* The variant at position i of round r among n: rotate, then reverse. */
static inline int
bench_round_variant(unsigned int r, int i, int n)
{
	int	start = (int)(r % (unsigned int)n);

	if ((r / (unsigned int)n) & 1)
		return (start + n - i) % n;
	return (start + i) % n;
}

/* All of len bytes read (wr 0) or written (wr 1), past EINTR: 0 or -1. */
static inline int
bench_full(int fd, void *buf, size_t len, int wr)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		do
			n = wr ? write(fd, p, len) : read(fd, p, len);
		while (n == -1 && errno == EINTR);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send one control byte; die on failure. */
static inline void
bench_ctl_send(const char *prog, int sock, char c)
{
	if (send(sock, &c, 1, MSG_NOSIGNAL) != 1)
		bench_die(prog, "control send", errno);
}

/* Wait for the control byte `want`; die on anything else (EOF too). */
static inline void
bench_ctl_wait(const char *prog, int sock, char want)
{
	ssize_t	n;
	char	c;

	do
		n = recv(sock, &c, 1, 0);
	while (n == -1 && errno == EINTR);
	if (n != 1 || c != want)
		bench_die(prog, "control receive", n == -1 ? errno : EPROTO);
}

/*
 * A SOCK_SEQPACKET pair sp and a child: 0 in the child, which keeps
 * sp[1], the child's pid in the parent, which keeps sp[0].  Dies on
 * failure.
 */
static inline pid_t
bench_fork_pair(const char *prog, int sp[2])
{
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		bench_die(prog, "socketpair", errno);
	(void)fflush(stdout);
	if ((pid = fork()) == -1)
		bench_die(prog, "fork", errno);
	(void)close(sp[pid == 0 ? 0 : 1]);
	sp[pid == 0 ? 0 : 1] = -1;
	return pid;
}

/* Reap pid (die if waitpid() fails): 1 if it exited 0, else 0. */
static inline int
bench_reap(const char *prog, pid_t pid)
{
	int	status;

	if (waitpid(pid, &status, 0) == -1)
		bench_die(prog, "waitpid", errno);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * Parse "-r ROUNDS -b BATCH" (both optional, positive) into *rounds and
 * *batch.  Exits 2 on a usage error.
 */
static inline void
bench_args(int argc, char *argv[], size_t *rounds, size_t *batch)
{
	char		*end;
	unsigned long	 v;
	int		 c;

	while ((c = getopt(argc, argv, "r:b:")) != -1) {
		if (c != 'r' && c != 'b')
			goto usage;
		errno = 0;
		v = strtoul(optarg, &end, 10);
		if (errno != 0 || *end != '\0' || v == 0 || v > 1000000)
			goto usage;
		if (c == 'r')
			*rounds = v;
		else
			*batch = v;
	}
	if (optind == argc)
		return;
 usage:
	fprintf(stderr, "usage: %s [-r rounds] [-b batch]\n", argv[0]);
	exit(2);
}

#endif /* PH_BENCH_H */
