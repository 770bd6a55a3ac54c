/* SPDX-License-Identifier: ISC */
/*
 * main.c - the porthole command: global options and the table of
 * subcommands.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "porthole.h"
#include "cli.h"

struct subcommand {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*summary;
};

static const struct subcommand	cmds[] = {
	{ "run", cmd_run,
	    "run a program with privileged sockets (socket activation)" },
	{ "exec", cmd_exec,
	    "run an unmodified program whose bind() may use the broker" },
	{ "check", cmd_check,
	    "say whether the policy allows a SPEC, or validate a policy" },
	{ "listen", cmd_listen,
	    "serve a Unix socket, running a program per allowed peer" },
	{ "connect", cmd_connect,
	    "connect to a Unix socket, checking who answered" },
	{ "audit", cmd_audit,
	    "say who could replace, pre-create or connect to a socket path" },
	{ "mkpath", cmd_mkpath,
	    "create a private directory and print a safe socket path" },
	{ "status", cmd_status,
	    "ask portholed how it is: policy, uptime, grants, refusals" },
};

static void
help(FILE *f)
{
	size_t	i;

	(void)fprintf(f,
	    "Usage: porthole COMMAND [ARG...]\n"
	    "       porthole --help | --version\n"
	    "\n"
	    "Secure local sockets and privileged sockets without root.\n"
	    "\n"
	    "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		(void)fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	(void)fprintf(f,
	    "\n"
	    "'porthole COMMAND --help' describes one command; see porthole(1).\n");
}

/*
 * S4: fds 0-2 closed at start would be taken by the next open(), and a
 * socket could end up as "stdout".  Fill each closed one with /dev/null
 * opened read-only, so that writes to a closed stdout still fail (and
 * mkpath reports it) instead of vanishing.  No O_CLOEXEC: these are
 * meant to be inherited as stdio.
 */
static void
stdio_sanitize(void)
{
	int	fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		if (open("/dev/null", O_RDONLY) != fd)
			_exit(EXIT_CANNOT);
	}
}

int
main(int argc, char **argv)
{
	static char	name[64];
	size_t		i;

	if (argc < 1 || argv[0] == NULL)
		return EXIT_USAGE;	/* S1: never trust argc == 0 */
	stdio_sanitize();
	if (argc < 2)
		usage_error("missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		(void)printf("porthole %s\n", PH_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		(void)snprintf(name, sizeof(name), "porthole %s", cmds[i].name);
		cli_name = name;
		return cmds[i].fn(argc - 1, argv + 1);
	}
	if (argv[1][0] == '-')
		usage_error("unknown option '%s'", argv[1]);
	usage_error("unknown command '%s'", argv[1]);
}
