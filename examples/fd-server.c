/* SPDX-License-Identifier: ISC */
/*
 * fd-server.c - example: serve an open file to allowed users over a
 * private Unix socket.
 *
 *   fd-server [-U USER]... [-G GROUP]... [-n COUNT] [-b BASE] FILE
 *
 * Makes a private socket directory (0711: others may reach the socket,
 * not list or change the directory), listens with mode 0666 so that the
 * allow-list, checked on the kernel's credentials of each peer, is the
 * gate.  Prints the socket path on the first line of standard output;
 * then for each connection prints the peer's credentials, and hands an
 * allowed peer an fd of FILE, which the peer could not open itself.
 * Serves COUNT connections (default 1), then removes everything it made.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"

static void
fail(int err, const char *what)
{
	fprintf(stderr, "fd-server: %s: %s\n", what, strerror(-err));
	exit(1);
}

static const char *
user_name(uid_t uid)
{
	struct passwd	*pw = getpwuid(uid);

	return pw ? pw->pw_name : "?";
}

static void
print_peer(const char *verdict, const struct ph_peer *p)
{
	struct group	*gr;
	size_t		 i;

	printf("%s: uid=%u(%s) gid=%u pid=%ld groups=", verdict,
	    (unsigned)p->uid, user_name(p->uid), (unsigned)p->gid,
	    (long)p->pid);
	for (i = 0; i < p->ngroups; i++) {
		gr = getgrgid(p->groups[i]);
		printf("%s%u(%s)", i ? "," : "", (unsigned)p->groups[i],
		    gr ? gr->gr_name : "?");
	}
	printf(" pidfd=%s\n", p->pidfd >= 0 ? "yes" : "no");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct ph_sockdir	*sd = NULL;
	struct ph_listener	*l = NULL;
	struct ph_allow		*allow = NULL;
	struct ph_peer		 peer;
	struct passwd		*pw;
	struct group		*gr;
	const char		*base = NULL;
	int			 c, r, n = 1, fd = -1, file = -1;

	if ((r = ph_allow_new(&allow)) < 0)
		fail(r, "allow-list");
	while ((c = getopt(argc, argv, "U:G:n:b:")) != -1) {
		switch (c) {
		case 'U':
			if ((pw = getpwnam(optarg)) == NULL)
				fail(-ENOENT, optarg);
			(void)ph_allow_uid(allow, pw->pw_uid);
			break;
		case 'G':
			if ((gr = getgrnam(optarg)) == NULL)
				fail(-ENOENT, optarg);
			(void)ph_allow_gid(allow, gr->gr_gid);
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'b':
			base = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	file = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (file == -1)
		fail(-errno, argv[optind]);

	if ((r = ph_sockdir_create(base, NULL, PH_SOCKDIR_SHARED, &sd)) < 0)
		fail(r, "private directory");
	if ((r = ph_listen(ph_sockdir_path(sd), PH_SOCK_SEQPACKET, 0666, 0,
	    allow, &l)) < 0)
		fail(r, "listen");
	printf("%s\n", ph_sockdir_path(sd));
	fflush(stdout);

	while (n-- > 0) {
		fd = ph_listener_accept(l, PH_PEER_GROUPS | PH_PEER_PIDFD |
		    PH_SOCK_NOFDS, &peer);
		if (fd == -EPERM) {
			print_peer("refused", &peer);
			ph_peer_clear(&peer);
			continue;
		}
		if (fd < 0)
			fail(fd, "accept");
		print_peer("allowed", &peer);
		ph_peer_clear(&peer);
		if ((r = (int)ph_send_fds(fd, "F", 1, &file, 1)) < 0)
			fprintf(stderr, "fd-server: send: %s\n", strerror(-r));
		ph_fd_close(&fd);
	}
	ph_fd_close(&file);
	(void)ph_listener_close(l);
	(void)ph_sockdir_remove(sd);
	ph_allow_free(allow);
	return 0;
}
