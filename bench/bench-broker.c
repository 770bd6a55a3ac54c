/* SPDX-License-Identifier: ISC */
/*
 * bench-broker.c - the cost of a privileged bind through the porthole
 * broker, against the limit and against authbind.  Run as root, with a
 * portholed running whose policy grants USER 127.0.0.1 TCP ports 80 and
 * 700-799 (bench/run.sh sets all of that up in a private prefix and
 * network namespace).
 *
 * Mode "bind": one sample is the mean time of `batch` operations.
 *   limit   root's own socket() + bind(127.0.0.1:PORT) + listen() + close()
 *   kept    socket() + ph_broker_bind() on a connection made once with
 *           ph_broker_connect() + close()
 *   fresh   socket() + ph_broker_bind() with conn -1, a new connection
 *           to the daemon per call (PORTHOLE_HELPER=/nonexistent, so
 *           only the daemon can answer) + close()
 * The limit runs in this process, as root; kept and fresh run in a forked
 * child that has dropped to USER for good.  The two talk over pipes, but
 * only between samples: a timed batch holds no pipe traffic.  Ports rotate
 * through 800-899 (limit) and 700-799 (broker); a listening socket closed
 * without connections leaves no TIME_WAIT, so no bind is ever refused.
 * Rows: broker-kept (raw = limit, lib = kept), broker-fresh (raw = limit,
 * lib = fresh).
 *
 * Mode "program": one sample is one whole program run, fork() to
 * waitpid(), of bench/bind80.c (bind 127.0.0.1:80, listen, exit 0):
 *   root        BIND80 run directly by root
 *   authbind    `authbind --deep BIND80` as USER
 *   run-daemon  `porthole run tcp:127.0.0.1:80 -- BIND80` as USER: the
 *               unchanged program, given the socket as socket activation
 *   run-helper  the same with PORTHOLE_SOCKET=/nonexistent, so that
 *               libporthole runs the setuid porthole-helper
 *   lib-daemon  BIND80-PH as USER: the program ported to porthole, which
 *               calls ph_bind() where it called bind()
 *   lib-helper  the same with PORTHOLE_SOCKET=/nonexistent
 *   exec-daemon `porthole exec BIND80` as USER: the unchanged program with
 *               libporthole-preload.so in LD_PRELOAD, whose bind() sends
 *               the program's own socket to portholed on EACCES (the
 *               authbind replacement)
 *   exec-helper the same with PORTHOLE_SOCKET=/nonexistent, so that the
 *               preload runs the setuid porthole-helper
 * Every run forks, makes the same setgroups/setresgid/setresuid calls (to
 * root's ids for "root") and execs with the same small environment.
 * Rows: program-authbind (raw = root, lib = authbind; context), and
 * program-run-daemon, -run-helper, -lib-daemon, -lib-helper, -exec-daemon,
 * -exec-helper (raw = authbind), then program-exec-daemon/root (raw =
 * root; context).  Without AUTHBIND ("-") the authbind variant is not
 * run, program-authbind is not printed, and the other rows are against
 * root, named .../root.
 *
 * Rounds interleave every variant, in an order that rotates and reverses
 * from round to round, so each variant runs first, last and in between
 * equally often.  Ratios are medians of per-round ratios (bench.h).
 *
 * Usage: bench-broker [-r rounds] [-b batch] -u USER bind
 *        bench-broker [-r rounds] -u USER program BIND80 BIND80-PH PORTHOLE
 *            AUTHBIND|-
 * PORTHOLE is an installed porthole (run, exec): `porthole exec` finds the
 * preload at its compiled-in path, $(LIBDIR)/porthole/, which USER must
 * be able to read.
 * Output: rows as described in bench.h.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "bench.h"

#define PROG		"bench-broker"
#define WARMUP		10		/* rounds run first and not recorded */
#define BACKLOG		128		/* the same listen() backlog for all */
#define LIMIT_PORT	800		/* root's ports: 800-899 */
#define BROKER_PORT	700		/* granted ports: 700-799 */
#define NPORTS		100

/* Bind-mode variants; the child runs everything but V_LIMIT. */
enum { V_LIMIT, V_KEPT, V_FRESH, NBIND };
/* Program-mode variants. */
enum { P_ROOT, P_AUTHBIND, P_RUN_DAEMON, P_RUN_HELPER, P_LIB_DAEMON,
    P_LIB_HELPER, P_EXEC_DAEMON, P_EXEC_HELPER, NPROG };

#define CMD_QUIT	0xff

static uid_t	user_uid;
static gid_t	user_gid;

static void
sin_port(struct sockaddr_in *sin, unsigned int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* Drop to USER for good: no groups but its own, all three ids. */
static int
drop_to(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		return -1;
	return 0;
}

/*
 * One output row from the paired samples raw[i], lib[i] of round i.
 * bench_row() sorts its arrays, so it gets copies: the same samples can
 * be paired again for another row.
 */
static void
paired_row(const char *name, const double *raw, const double *lib,
    size_t rounds, size_t batch)
{
	double	*a, *b, *sc;

	if ((a = calloc(rounds, sizeof(double))) == NULL ||
	    (b = calloc(rounds, sizeof(double))) == NULL ||
	    (sc = calloc(rounds, sizeof(double))) == NULL)
		bench_die(PROG, "calloc", ENOMEM);
	memcpy(a, raw, rounds * sizeof(double));
	memcpy(b, lib, rounds * sizeof(double));
	bench_row(name, a, b, sc, rounds, batch);
	free(a);
	free(b);
	free(sc);
}

/* ---- mode "bind" ------------------------------------------------------ */

/* A fresh TCP socket, and in sin the next port of the NPORTS from base. */
static int
next_socket(struct sockaddr_in *sin, unsigned int base, unsigned int *port)
{
	int	fd;

	sin_port(sin, base + *port);
	*port = (*port + 1) % NPORTS;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		bench_die(PROG, "socket", errno);
	return fd;
}

/* One batch of the limit, as root; the mean ns per operation. */
static double
batch_limit(size_t batch, unsigned int *port)
{
	struct sockaddr_in	sin;
	uint64_t		t0, t1;
	size_t			i;
	int			fd;

	t0 = bench_now();
	for (i = 0; i < batch; i++) {
		fd = next_socket(&sin, LIMIT_PORT, port);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			bench_die(PROG, "bind (limit)", errno);
		if (listen(fd, BACKLOG) == -1)
			bench_die(PROG, "listen (limit)", errno);
		(void)close(fd);
	}
	t1 = bench_now();
	return (double)(t1 - t0) / (double)batch;
}

/* One batch through the broker on conn (-1: a new connection each). */
static double
batch_broker(int conn, size_t batch, unsigned int *port)
{
	struct sockaddr_in	sin;
	char			reason[128];
	uint64_t		t0, t1;
	size_t			i;
	int			fd, r;

	t0 = bench_now();
	for (i = 0; i < batch; i++) {
		fd = next_socket(&sin, BROKER_PORT, port);
		r = ph_broker_bind(conn, fd, (struct sockaddr *)&sin,
		    sizeof(sin), BACKLOG, 0, reason, sizeof(reason));
		if (r < 0) {
			fprintf(stderr, "%s: ph_broker_bind(%s, port %u): "
			    "%s (%s)\n", PROG, conn >= 0 ? "kept" : "fresh",
			    ntohs(sin.sin_port), strerror(-r), reason);
			exit(1);
		}
		(void)close(fd);
	}
	t1 = bench_now();
	return (double)(t1 - t0) / (double)batch;
}

/* The child, as USER: run the batch each command names, answer its time. */
static void
bind_child(int cmd_fd, int res_fd, size_t batch)
{
	unsigned int	port = 0;
	unsigned char	c;
	double		ns;
	int		conn;

	if (drop_to(user_uid, user_gid) == -1)
		bench_die(PROG, "dropping to the user", errno);
	if (geteuid() == 0 || getuid() == 0)
		bench_die(PROG, "still root after the drop", EPERM);
	/* Only the daemon may answer a fresh connection: no helper. */
	if (setenv("PORTHOLE_HELPER", "/nonexistent", 1) == -1)
		bench_die(PROG, "setenv", errno);
	if ((conn = ph_broker_connect()) < 0)
		bench_die(PROG, "ph_broker_connect (is portholed running?)",
		    conn);
	for (;;) {
		if (bench_full(cmd_fd, &c, 1, 0) == -1 || c == CMD_QUIT)
			break;
		ns = batch_broker(c == V_KEPT ? conn : -1, batch, &port);
		if (bench_full(res_fd, &ns, sizeof(ns), 1) == -1)
			bench_die(PROG, "write to parent", errno);
	}
	(void)close(conn);
	_exit(0);
}

static int
mode_bind(size_t rounds, size_t batch)
{
	double		*s[NBIND];
	unsigned int	 r, port = 0;
	unsigned char	 c;
	int		 cmd[2], res[2], i, v, st = -1;
	pid_t		 pid;

	/* A child that died says why itself; we must not die by SIGPIPE. */
	(void)signal(SIGPIPE, SIG_IGN);
	for (v = 0; v < NBIND; v++)
		if ((s[v] = calloc(rounds, sizeof(double))) == NULL)
			bench_die(PROG, "calloc", ENOMEM);
	if (pipe2(cmd, O_CLOEXEC) == -1 || pipe2(res, O_CLOEXEC) == -1)
		bench_die(PROG, "pipe2", errno);
	if ((pid = fork()) == -1)
		bench_die(PROG, "fork", errno);
	if (pid == 0) {
		(void)close(cmd[1]);
		(void)close(res[0]);
		bind_child(cmd[0], res[1], batch);
	}
	(void)close(cmd[0]);
	(void)close(res[1]);

	for (r = 0; r < WARMUP + rounds; r++) {
		for (i = 0; i < NBIND; i++) {
			double	ns;

			v = bench_round_variant(r, i, NBIND);
			if (v == V_LIMIT)
				ns = batch_limit(batch, &port);
			else {
				c = (unsigned char)v;
				if (bench_full(cmd[1], &c, 1, 1) == -1 ||
				    bench_full(res[0], &ns, sizeof(ns), 0) ==
				    -1)
					bench_die(PROG, "the child failed",
					    EPIPE);
			}
			if (r >= WARMUP)
				s[v][r - WARMUP] = ns;
		}
	}
	c = CMD_QUIT;
	(void)bench_full(cmd[1], &c, 1, 1);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		bench_die(PROG, "the child failed", EPIPE);

	bench_header("porthole broker bind against root's own bind (the "
	    "limit)");
	paired_row("broker-kept", s[V_LIMIT], s[V_KEPT], rounds, batch);
	paired_row("broker-fresh", s[V_LIMIT], s[V_FRESH], rounds, batch);
	return 0;
}

/* ---- mode "program" --------------------------------------------------- */

struct prog {
	char	*argv[8];
	char	*envp[4];
	uid_t	 uid;
	gid_t	 gid;
};

/* p's argv: the arguments up to a NULL (at most 7). */
static void
set_argv(struct prog *p, char *arg, ...)
{
	va_list	ap;
	size_t	i = 0;

	va_start(ap, arg);
	for (; arg != NULL && i + 1 < sizeof(p->argv) / sizeof(p->argv[0]);
	    arg = va_arg(ap, char *))
		p->argv[i++] = arg;
	va_end(ap);
}

/* One whole run of p, fork() to waitpid(); its time in ns. */
static double
run_prog(const struct prog *p, int devnull)
{
	uint64_t	t0, t1;
	pid_t		pid;
	int		st;

	t0 = bench_now();
	if ((pid = fork()) == -1)
		bench_die(PROG, "fork", errno);
	if (pid == 0) {
		/* Async-signal-safe calls only, the same for every variant. */
		if (drop_to(p->uid, p->gid) == -1 ||
		    dup2(devnull, 0) == -1 || dup2(devnull, 1) == -1)
			_exit(124);
		execve(p->argv[0], p->argv, p->envp);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			bench_die(PROG, "waitpid", errno);
	t1 = bench_now();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s: '%s' failed (status %d)\n", PROG,
		    p->argv[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		exit(1);
	}
	return (double)(t1 - t0);
}

static int
mode_program(size_t rounds, char *bind80, char *bind80ph, char *porthole,
    char *authbind)
{
	static char	 path[] = "PATH=/usr/bin:/bin";
	static char	 nosock[] = "PORTHOLE_SOCKET=/nonexistent";
	static char	 spec[] = "tcp:127.0.0.1:80";
	static char	 deep[] = "--deep", run[] = "run", dashes[] = "--";
	static char	 exec[] = "exec";
	static const char *const prog_names[] = { "run-daemon", "run-helper",
	    "lib-daemon", "lib-helper", "exec-daemon", "exec-helper" };
	struct prog	 p[NPROG];
	double		*s[NPROG];
	char		 name[64];
	unsigned int	 r;
	int		 act[NPROG], i, v, n = 0, base, devnull;

	memset(p, 0, sizeof(p));
	set_argv(&p[P_ROOT], bind80, NULL);
	set_argv(&p[P_AUTHBIND], authbind, deep, bind80, NULL);
	set_argv(&p[P_RUN_DAEMON], porthole, run, spec, dashes, bind80, NULL);
	p[P_RUN_HELPER] = p[P_RUN_DAEMON];
	set_argv(&p[P_LIB_DAEMON], bind80ph, NULL);
	p[P_LIB_HELPER] = p[P_LIB_DAEMON];
	set_argv(&p[P_EXEC_DAEMON], porthole, exec, dashes, bind80, NULL);
	p[P_EXEC_HELPER] = p[P_EXEC_DAEMON];
	for (v = 0; v < NPROG; v++) {
		p[v].envp[0] = path;
		p[v].uid = v == P_ROOT ? 0 : user_uid;
		p[v].gid = v == P_ROOT ? 0 : user_gid;
		/* Without authbind ("-") its variant is not run. */
		if (v != P_AUTHBIND || strcmp(authbind, "-") != 0)
			act[n++] = v;
	}
	/* No daemon at that path: libporthole runs porthole-helper. */
	p[P_RUN_HELPER].envp[1] = nosock;
	p[P_LIB_HELPER].envp[1] = nosock;
	p[P_EXEC_HELPER].envp[1] = nosock;

	for (v = 0; v < NPROG; v++)
		if ((s[v] = calloc(rounds, sizeof(double))) == NULL)
			bench_die(PROG, "calloc", ENOMEM);
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		bench_die(PROG, "/dev/null", errno);

	for (r = 0; r < WARMUP + rounds; r++) {
		for (i = 0; i < n; i++) {
			double	ns;

			v = act[bench_round_variant(r, i, n)];
			ns = run_prog(&p[v], devnull);
			if (r >= WARMUP)
				s[v][r - WARMUP] = ns;
		}
	}

	bench_header("whole programs binding 127.0.0.1:80: root, authbind, "
	    "porthole run, ph_bind(), porthole exec");
	/*
	 * With authbind: each porthole variant against authbind (and the
	 * preload against root's own run, for context); without it, each
	 * against root, named ".../root".
	 */
	base = n == NPROG ? P_AUTHBIND : P_ROOT;
	if (n == NPROG)
		paired_row("program-authbind", s[P_ROOT], s[P_AUTHBIND], rounds,
		    1);
	for (v = P_RUN_DAEMON; v < NPROG; v++) {
		(void)snprintf(name, sizeof(name), "program-%s%s",
		    prog_names[v - P_RUN_DAEMON],
		    base == P_ROOT ? "/root" : "");
		paired_row(name, s[base], s[v], rounds, 1);
	}
	if (n == NPROG)
		paired_row("program-exec-daemon/root", s[P_ROOT],
		    s[P_EXEC_DAEMON], rounds, 1);
	(void)close(devnull);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-r rounds] [-b batch] -u USER bind\n"
	    "       %s [-r rounds] -u USER program BIND80 BIND80-PH PORTHOLE "
	    "AUTHBIND|-\n", PROG, PROG);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct passwd	*pw;
	const char	*user = NULL;
	unsigned long	 v;
	size_t		 rounds = 0, batch = 20;
	char		*end;
	int		 c;

	while ((c = getopt(argc, argv, "r:b:u:")) != -1) {
		switch (c) {
		case 'r':
		case 'b':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v == 0 ||
			    v > 1000000)
				usage();
			if (c == 'r')
				rounds = v;
			else
				batch = v;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			usage();
		}
	}
	if (user == NULL || optind >= argc)
		usage();
	if (getuid() != 0 || geteuid() != 0)
		bench_die(PROG, "must run as root (it drops to -u USER)", EPERM);
	if ((pw = getpwnam(user)) == NULL || pw->pw_uid == 0)
		bench_die(PROG, "-u: no such user, or root", ENOENT);
	user_uid = pw->pw_uid;
	user_gid = pw->pw_gid;
	if (strcmp(argv[optind], "bind") == 0 && optind + 1 == argc)
		return mode_bind(rounds ? rounds : 1001, batch);
	if (strcmp(argv[optind], "program") == 0 && optind + 5 == argc)
		return mode_program(rounds ? rounds : 501, argv[optind + 1],
		    argv[optind + 2], argv[optind + 3], argv[optind + 4]);
	usage();
}
