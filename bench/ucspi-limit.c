/* SPDX-License-Identifier: ISC */
/*
 * ucspi-limit.c - the least a fork-and-exec Unix stream server can do:
 * the limit that bench-ucspi measures porthole listen, s6-ipcserver and
 * unixserver against.
 *
 * It binds and listens at PATH (removing a file left there first), then
 * for every connection: accept4(SOCK_CLOEXEC), fork, and in the child
 * dup2 the connection to 0 and 1 and execv PROG with the arguments given;
 * the parent closes the connection and reaps every child that has exited
 * (waitpid WNOHANG) before it accepts the next.  No access check, no
 * environment, no connection limit, no signal handler, no logging: a
 * child that has exited waits as a zombie at most until the next accept.
 * It runs until killed.  Not installed; built by bench/run.sh.
 *
 * Usage: ucspi-limit PATH PROG [ARG...]
 */
#define _GNU_SOURCE	/* accept4() */

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "ucspi-limit: %s: %s\n", what, strerror(errno));
	exit(111);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	sun;
	int			lfd, fd;
	pid_t			pid;

	if (argc < 3) {
		fprintf(stderr, "usage: ucspi-limit PATH PROG [ARG...]\n");
		return 100;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		die(argv[1]);
	}
	memcpy(sun.sun_path, argv[1], strlen(argv[1]) + 1);	/* checked above */
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket");
	(void)unlink(argv[1]);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die("bind");
	if (listen(lfd, 128) == -1)
		die("listen");
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept4");
		}
		if ((pid = fork()) == -1)
			die("fork");
		if (pid == 0) {
			/* dup2 clears close-on-exec on 0 and 1. */
			if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1)
				_exit(111);
			execv(argv[2], argv + 2);
			_exit(127);
		}
		(void)close(fd);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
