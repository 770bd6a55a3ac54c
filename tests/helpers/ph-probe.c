/* SPDX-License-Identifier: ISC */
/*
 * ph-probe.c - a test helper that exposes single libporthole calls to
 * shell tests, so root tests can run each side as a different user.
 *
 *   ph-probe listen PATH MODE [UID...]  listen (allow-list: the UIDs, or
 *                                        our own uid), print "ready", accept
 *                                        one connection, print the verdict
 *   ph-probe connect PATH [UID...]      connect, checking the server's uid;
 *                                        print "connected uid=N" or the error
 *   ph-probe lock PATH [SECONDS]        take the lock, print "locked", hold
 *   ph-probe pidfile-read PATH          print the pid or the error
 *
 * Errors print "error: NAME" (the errno's symbolic name) and exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"

static const struct {
	int		 e;
	const char	*name;
} names[] = {
	{ EPERM, "EPERM" }, { EACCES, "EACCES" }, { ENOENT, "ENOENT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ELOOP, "ELOOP" },
	{ EADDRINUSE, "EADDRINUSE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOTDIR, "ENOTDIR" }, { EINVAL, "EINVAL" }, { EMLINK, "EMLINK" },
	{ ECONNREFUSED, "ECONNREFUSED" },
};

static int
report(int r)
{
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == -r) {
			printf("error: %s\n", names[i].name);
			return 1;
		}
	printf("error: %d\n", -r);
	return 1;
}

static struct ph_allow *
allow_from(char **uids)
{
	struct ph_allow	*a = NULL;

	if (*uids == NULL)
		return NULL;
	if (ph_allow_new(&a) < 0)
		exit(3);
	for (; *uids != NULL; uids++)
		if (ph_allow_uid(a, (uid_t)strtoul(*uids, NULL, 10)) < 0)
			exit(3);
	return a;
}

int
main(int argc, char **argv)
{
	struct ph_listener	*l = NULL;
	struct ph_allow		*a;
	struct ph_peer		 peer;
	pid_t			 pid;
	int			 r;

	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "listen") == 0 && argc >= 4) {
		a = allow_from(argv + 4);
		r = ph_listen(argv[2], 0, (mode_t)strtoul(argv[3], NULL, 8), 0,
		    a, &l);
		ph_allow_free(a);
		if (r < 0)
			return report(r);
		printf("ready\n");
		fflush(stdout);
		r = ph_listener_accept(l, 0, &peer);
		if (r == -EPERM) {
			printf("refused uid=%u\n", (unsigned)peer.uid);
			ph_peer_clear(&peer);
		} else if (r >= 0) {
			printf("allowed uid=%u\n", (unsigned)peer.uid);
			ph_peer_clear(&peer);
			ph_fd_close(&r);
		} else
			(void)report(r);
		(void)ph_listener_close(l);
		return 0;
	}
	if (strcmp(argv[1], "connect") == 0) {
		a = allow_from(argv + 3);
		r = ph_connect(argv[2], 0, a, &peer);
		ph_allow_free(a);
		if (r == -EPERM) {
			printf("refused server uid=%u\n", (unsigned)peer.uid);
			ph_peer_clear(&peer);
			return 1;
		}
		if (r < 0)
			return report(r);
		printf("connected uid=%u\n", (unsigned)peer.uid);
		ph_peer_clear(&peer);
		ph_fd_close(&r);
		return 0;
	}
	if (strcmp(argv[1], "lock") == 0) {
		if ((r = ph_lock_acquire(argv[2], 0)) < 0)
			return report(r);
		printf("locked\n");
		fflush(stdout);
		if (argc > 3)
			sleep((unsigned)atoi(argv[3]));
		ph_fd_close(&r);
		return 0;
	}
	if (strcmp(argv[1], "pidfile-read") == 0) {
		if ((r = ph_pidfile_read(argv[2], &pid)) < 0)
			return report(r);
		printf("%ld\n", (long)pid);
		return 0;
	}
	return 2;
}
