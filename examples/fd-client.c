/* SPDX-License-Identifier: ISC */
/*
 * fd-client.c - example: connect to fd-server, check who answered, take
 * the fd it hands over and print what can be read from it.
 *
 *   fd-client [-U SERVER-USER] PATH
 *
 * The server's uid is checked before anything is read or sent: it must
 * be SERVER-USER, or by default our own uid or root (S28).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"

static void
fail(int err, const char *what)
{
	fprintf(stderr, "fd-client: %s: %s\n", what, strerror(-err));
	exit(1);
}

int
main(int argc, char **argv)
{
	struct ph_allow	*servers = NULL;
	struct ph_peer	 peer;
	struct passwd	*pw;
	char		 msg, buf[512];
	size_t		 nfds = 1;
	ssize_t		 n;
	off_t		 off;
	int		 c, r, sock, fd = -1;

	while ((c = getopt(argc, argv, "U:")) != -1) {
		if (c != 'U')
			return 2;
		if ((pw = getpwnam(optarg)) == NULL)
			fail(-ENOENT, optarg);
		if (servers == NULL && (r = ph_allow_new(&servers)) < 0)
			fail(r, "allow-list");
		(void)ph_allow_uid(servers, pw->pw_uid);
	}
	if (optind != argc - 1)
		return 2;
	sock = ph_connect(argv[optind], PH_SOCK_SEQPACKET, servers, &peer);
	if (sock == -EPERM) {
		fprintf(stderr, "fd-client: server not trusted: uid %u\n",
		    (unsigned)peer.uid);
		ph_peer_clear(&peer);
		return 1;
	}
	if (sock < 0)
		fail(sock, argv[optind]);
	printf("server: uid=%u pid=%ld\n", (unsigned)peer.uid,
	    (long)peer.pid);
	fflush(stdout);
	ph_peer_clear(&peer);
	n = ph_recv_fds(sock, &msg, 1, &fd, &nfds);
	if (n == 0)
		fail(-ECONNRESET, "the server closed the connection "
		    "(are we allowed?)");
	if (n < 0)
		fail((int)n, "receive");
	if (nfds != 1)
		fail(-EBADMSG, "no fd in the reply");
	/*
	 * The fd shares its open file description, and so its offset, with
	 * the server's and every other client's copy (S44): read by offset.
	 */
	for (off = 0; (n = pread(fd, buf, sizeof(buf), off)) > 0; off += n)
		fwrite(buf, 1, (size_t)n, stdout);
	ph_fd_close(&fd);
	ph_fd_close(&sock);
	ph_allow_free(servers);
	return 0;
}
