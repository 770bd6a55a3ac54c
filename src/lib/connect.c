/* SPDX-License-Identifier: ISC */
/*
 * connect.c - connecting to a Unix socket server whose uid is verified
 * before anything is sent (S28).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"

/*
 * ph_connect() - connect to the Unix socket `path` (with
 * PH_PATH_ABSTRACT: the abstract name, '@' optional) and authenticate the
 * server before returning (S28): its uid at listen()/connect() time, from
 * SO_PEERCRED, must be allowed by `servers`, or when NULL be our own euid
 * or root.  Flags: PH_SOCK_SEQPACKET, PH_PATH_*, PH_PEER_*.  Returns the
 * new O_CLOEXEC connected fd and fills *ret_peer (may be NULL) with the
 * server's credentials, or -EPERM for a server not trusted (*ret_peer,
 * if not NULL, then names it), or another negative errno.  Thread-safe.
 */
PH_EXPORT int
ph_connect(const char *path, int flags, const struct ph_allow *servers,
    struct ph_peer *ret_peer)
{
	struct sockaddr_un	sun;
	struct ph_peer		peer;
	socklen_t		sl;
	int			fd = -1, r;

	if (flags & ~(PH_SOCK_SEQPACKET | PH_PATH_PORTABLE | PH_PATH_ABSTRACT |
	    PH_PEER_GROUPS | PH_PEER_PIDFD))
		return -EINVAL;
	if (path != NULL && (flags & PH_PATH_ABSTRACT) && path[0] == '@')
		path++;
	if ((r = ph_sockaddr_set(&sun, &sl, path,
	    flags & (PH_PATH_PORTABLE | PH_PATH_ABSTRACT))) < 0)
		return r;
	if ((fd = socket(AF_UNIX, ((flags & PH_SOCK_SEQPACKET) ?
	    SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0)) == -1)
		return errno == EPERM ? -EACCES : -errno;
	/* A Unix connect() interrupted by a signal left nothing half-done:
	 * it is simply made again (a program's handler may interrupt us,
	 * ph_bind() called from libporthole-preload). */
	while ((r = connect(fd, (struct sockaddr *)&sun, sl)) == -1 &&
	    errno == EINTR)
		;
	if (r == -1) {
		/* -EPERM is kept for a refused server (an LSM may say it) */
		r = errno == EPERM ? -EACCES : -errno;
		goto out;
	}
	if ((r = ph__peer_get(fd, flags & (PH_PEER_GROUPS | PH_PEER_PIDFD),
	    &peer)) < 0)
		goto out;
	if (servers == NULL)
		r = (peer.uid == geteuid() || peer.uid == 0) ? 0 : -EPERM;
	else
		r = ph_allow_check(servers, fd, &peer);
	return ph__peer_verdict(r, fd, &peer, ret_peer);
 out:
	ph__fd_close(&fd);
	return r;
}
