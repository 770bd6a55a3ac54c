/* SPDX-License-Identifier: ISC */
/*
 * bind80.c - the smallest whole program that binds a privileged port, for
 * bench-broker's "program" mode: socket(), SO_REUSEADDR, bind() to
 * 127.0.0.1:80, listen(), exit 0.  Started by `porthole run` (LISTEN_PID
 * is ours and LISTEN_FDS is 1) it takes the listening socket on fd 3
 * instead, checks that it is TCP on 127.0.0.1:80, listens (as
 * sd_listen_fds() users do, harmlessly, on a listening socket) and exits
 * 0.  Any failure exits 1 with a message.
 *
 * Built with -DBIND80_PORTHOLE (bind80-ph), it binds with ph_bind() from
 * libporthole instead of bind(): the kernel refuses, and the library asks
 * portholed, or runs porthole-helper when there is no daemon.  That is a
 * program ported to porthole, as opposed to one run by `porthole run`.
 *
 * Built by bench/run.sh, dynamically linked on purpose: authbind works by
 * LD_PRELOAD, so the same binary must serve every variant.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef BIND80_PORTHOLE
#include "porthole.h"
#endif

#define PORT	80

static int
fail(const char *what)
{
	fprintf(stderr, "bind80: %s: %s\n", what, strerror(errno));
	return 1;
}

int
main(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	const char		*pid = getenv("LISTEN_PID");
	const char		*fds = getenv("LISTEN_FDS");
	int			 fd, one = 1, type = 0;

	if (pid != NULL && fds != NULL &&
	    strtol(pid, NULL, 10) == (long)getpid()) {
		errno = EINVAL;
		if (strcmp(fds, "1") != 0)
			return fail("LISTEN_FDS is not 1");
		fd = 3;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) == -1 ||
		    type != SOCK_STREAM)
			return fail("fd 3 is not a TCP socket");
		sl = sizeof(sin);
		if (getsockname(fd, (struct sockaddr *)&sin, &sl) == -1 ||
		    sin.sin_family != AF_INET || ntohs(sin.sin_port) != PORT)
			return fail("fd 3 is not bound to port 80");
	} else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(PORT);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return fail("socket");
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) == -1)
			return fail("SO_REUSEADDR");
#ifdef BIND80_PORTHOLE
		if ((errno = -ph_bind(fd, (struct sockaddr *)&sin,
		    sizeof(sin))) != 0)
			return fail("ph_bind 127.0.0.1:80");
#else
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			return fail("bind 127.0.0.1:80");
#endif
	}
	if (listen(fd, 128) == -1)
		return fail("listen");
	return 0;
}
