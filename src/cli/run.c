/* SPDX-License-Identifier: ISC */
/*
 * run.c - porthole run [--backlog N] SPEC... -- PROGRAM [ARG...]: obtain
 * each socket (directly when we may, else from the broker), place them at
 * fd 3 onward, set LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES, and exec
 * PROGRAM in place, exactly as systemd socket activation does.
 *
 * Exit: 125 when porthole fails, 126 when PROGRAM cannot run, 127 when it
 * is not found (env(1)); once PROGRAM runs, its status.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "paths.h"
#include "cli.h"
#include "hint.h"

#define MAX_SPECS	64

static void
run_help(void)
{
	(void)printf(
	    "Usage: porthole run [--backlog N] SPEC... -- PROGRAM [ARG...]\n"
	    "\n"
	    "Open each SPEC's socket (through the porthole broker when it needs\n"
	    "privilege), hand them to PROGRAM at fd 3 onward with LISTEN_FDS,\n"
	    "LISTEN_PID and LISTEN_FDNAMES set, as systemd socket activation\n"
	    "does, and run PROGRAM in place.\n"
	    "\n"
	    "SPEC: tcp:PORT tcp:ADDR:PORT tcp:[ADDR6]:PORT udp:... raw:icmp\n"
	    "      raw6:icmpv6 raw:N raw6:N packet:IFNAME, with ,name=NAME\n"
	    "      to set its LISTEN_FDNAMES entry (default e.g. tcp-80).\n"
	    "      A port with no address means every address, IPv6 and IPv4.\n"
	    "\n"
	    "  -b, --backlog N  listen() backlog of TCP sockets (default 4096)\n"
	    "  -h, --help       show this help\n"
	    "\n"
	    "Exit status: 125 if porthole fails, 126 if PROGRAM cannot be run,\n"
	    "127 if it is not found, else PROGRAM's.\n");
}

/* A denial, in words that say what to change and where (hint.h). */
static noreturn void
die_denied(const struct spec *sp, const char *reason)
{
	char	hint[768];

	hint_denied(hint, sizeof(hint), sp->text, reason, &sp->g, getuid(),
	    PH_POLICY_PATH);
	die(EXIT_CANNOT, 0, "%s", hint);
}

/*
 * The broker's answer r (an fd, 0 or a negative errno) for sp, with the
 * reason it gave: dies when it refused or could not be reached, else
 * returns r.  Passes on an fd r unowned.
 */
static int
broker_answer(const struct spec *sp, int r, const char *reason)
{
	if (r == -EACCES && reason[0] != '\0')
		die_denied(sp, reason);
	if (r == -EACCES)	/* no answer: we could not reach a broker */
		die(EXIT_CANNOT, r, "%s: needs privilege, and portholed at %s "
		    "cannot be reached", sp->text, PH_BROKER_SOCK);
	if (r == -ENOENT || r == -ECONNREFUSED)
		die(EXIT_CANNOT, 0, "%s: needs privilege, and neither "
		    "portholed (%s) nor porthole-helper (%s) is available",
		    sp->text, PH_BROKER_SOCK, PH_HELPER_PATH);
	return r;
}

/* Bind fd to ss: directly, or through the broker when refused. */
static int
bind_one(const struct spec *sp, int fd, const struct sockaddr *sa,
    socklen_t sl, int backlog)
{
	char	reason[PH_REASON_MAX_CLI];
	int	r;

	if (bind(fd, sa, sl) == 0) {
		if (sp->g.kind == PH_GRANT_TCP && listen(fd, backlog) == -1)
			return -errno;
		return 0;
	}
	if (errno != EACCES)
		return -errno;
	r = ph_broker_bind(-1, fd, sa, sl, backlog, 0, reason, sizeof(reason));
	return broker_answer(sp, r, reason);
}

/*
 * An inet SPEC: the caller's own socket, bound in place.  No address:
 * IPv6 any with IPV6_V6ONLY off (both families, as systemd does), or
 * IPv4 any where there is no IPv6.  An IPv6 address, [::] included, is
 * that family only (IPV6_V6ONLY on).  Either way [::] needs 0.0.0.0
 * granted too (S50), as the broker and `porthole check` ask.
 */
static int
open_inet(const struct spec *sp, int backlog)
{
	struct sockaddr_in6	sin6;
	struct sockaddr_in	sin;
	int			fd = -1, type, v6only, one = 1, r, six = 0;

	type = (sp->g.kind == PH_GRANT_TCP ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_CLOEXEC;
	if (sp->g.family == AF_INET6 || sp->g.family == 0) {
		fd = socket(AF_INET6, type, 0);
		if (fd == -1 && sp->g.family == AF_INET6)
			return -errno;
		six = fd >= 0;
	}
	if (six) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(sp->g.port_lo);
		memcpy(&sin6.sin6_addr, sp->g.addr, 16);  /* zeros: any */
		v6only = sp->g.family == AF_INET6;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only)) == -1) {
			r = -errno;
			goto fail;
		}
	} else {
		/* No IPv6 here: the socket, and so the address, is IPv4. */
		if ((fd = socket(AF_INET, type, 0)) == -1)
			return -errno;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(sp->g.port_lo);
		memcpy(&sin.sin_addr, sp->g.addr, 4);
	}
	/* TCP servers expect to restart over TIME_WAIT; not shared (S48). */
	if (sp->g.kind == PH_GRANT_TCP && setsockopt(fd, SOL_SOCKET,
	    SO_REUSEADDR, &one, sizeof(one)) == -1) {
		r = -errno;
		goto fail;
	}
	if (six)
		r = bind_one(sp, fd, (struct sockaddr *)&sin6, sizeof(sin6),
		    backlog);
	else
		r = bind_one(sp, fd, (struct sockaddr *)&sin, sizeof(sin),
		    backlog);
	if (r < 0)
		goto fail;
	return fd;
 fail:
	ph_fd_close(&fd);
	return r;
}

/* A raw or packet SPEC: made here if we may, else by the broker. */
static int
open_raw(const struct spec *sp)
{
	char	reason[PH_REASON_MAX_CLI];
	int	fd;

	if (sp->g.kind != PH_GRANT_PACKET) {
		fd = socket(sp->g.kind == PH_GRANT_RAW4 ? AF_INET : AF_INET6,
		    SOCK_RAW | SOCK_CLOEXEC, sp->g.protocol);
		if (fd >= 0)
			return fd;
		if (errno != EPERM && errno != EACCES)
			return -errno;
	}
	fd = ph_broker_open(-1, sp->text, 0, reason, sizeof(reason));
	return broker_answer(sp, fd, reason);
}

/*
 * Put fds[0..n-1] at 3..n+2 without clobbering one another: first move
 * every one above the target range, then dup2() down (dup2 clears
 * FD_CLOEXEC on the copy, which is what an inherited listener needs).
 */
static void
place_fds(int *fds, int n)
{
	int	i, hi;

	for (i = 0; i < n; i++) {
		if ((hi = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + n)) == -1)
			die(EXIT_CANNOT, errno, "moving fd");
		(void)close(fds[i]);
		fds[i] = hi;
	}
	for (i = 0; i < n; i++) {
		if (dup2(fds[i], 3 + i) == -1)
			die(EXIT_CANNOT, errno, "placing fd %d", 3 + i);
		(void)close(fds[i]);
	}
}

int
cmd_run(int argc, char **argv)
{
	static const struct cli_opts	opts = { "+:b:h", run_help, {
		{ "backlog",	required_argument,	NULL, 'b' },
	} };
	struct spec	 specs[MAX_SPECS];
	const char	*why;
	char		 names[MAX_SPECS * 257], num[32];
	int		 fds[MAX_SPECS];
	int		 c, n = 0, i, backlog = 4096;
	unsigned long	 v;
	size_t		 off = 0;

	while ((c = cli_getopt(argc, argv, &opts)) != -1) {
		/* -b, the only other option */
		if (ph__parse_uint(optarg, strlen(optarg), 1, 4096, &v) < 0)
			usage_error("--backlog takes 1 to 4096");
		backlog = (int)v;
	}
	/* getopt_long() takes a "--" that follows the options: then there
	 * is no SPEC, and what follows is PROGRAM, never a SPEC. */
	if (optind > 1 && strcmp(argv[optind - 1], "--") == 0)
		usage_error("no SPEC given before '--'");
	for (; optind < argc && strcmp(argv[optind], "--") != 0; optind++) {
		/* getopt stops at the first SPEC: an option after it. */
		if (argv[optind][0] == '-' && argv[optind][1] != '\0')
			usage_error("'%s' after a SPEC: options come before "
			    "SPECs", argv[optind]);
		if (n == MAX_SPECS)
			usage_error("at most %d SPECs", MAX_SPECS);
		if (spec_parse(argv[optind], &specs[n], &why) < 0)
			usage_error("'%s': %s", argv[optind], why);
		n++;
	}
	if (n == 0)
		usage_error("no SPEC given");
	if (optind >= argc || optind + 1 >= argc)
		usage_error("missing '-- PROGRAM'");
	optind++;			/* past "--" */

	for (i = 0; i < n; i++) {
		fds[i] = (specs[i].g.kind == PH_GRANT_TCP ||
		    specs[i].g.kind == PH_GRANT_UDP) ?
		    open_inet(&specs[i], backlog) : open_raw(&specs[i]);
		if (fds[i] < 0)
			die(EXIT_CANNOT, fds[i], "%s", specs[i].text);
		if (off > 0)
			names[off++] = ':';
		memcpy(names + off, specs[i].name, strlen(specs[i].name) + 1);
		off += strlen(specs[i].name);
	}
	place_fds(fds, n);
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDNAMES");
	(void)snprintf(num, sizeof(num), "%d", n);
	if (setenv("LISTEN_FDS", num, 1) == -1 ||
	    setenv("LISTEN_FDNAMES", names, 1) == -1)
		die(EXIT_CANNOT, errno, "setenv");
	/* We exec in place, so the program's pid is ours. */
	(void)snprintf(num, sizeof(num), "%ld", (long)getpid());
	if (setenv("LISTEN_PID", num, 1) == -1)
		die(EXIT_CANNOT, errno, "setenv");
	execvp(argv[optind], argv + optind);
	die(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, errno,
	    "cannot run '%s'", argv[optind]);
}
