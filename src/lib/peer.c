/* SPDX-License-Identifier: ISC */
/*
 * peer.c - who is at the other end of a Unix socket, from the kernel's
 * credentials captured at connect() (S31, S33): SO_PEERCRED,
 * SO_PEERGROUPS (S36) and SO_PEERPIDFD (S32); and allow-lists by uid,
 * gid and group membership.  No identity is ever parsed from a string,
 * and a pid is never used to decide anything.
 */
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"

#define GROUPS_GUESS	64		/* stack room before asking the size */
#define ALLOW_MAX	65536		/* entries in one allow-list */

struct ph_allow {
	uid_t	*uids;
	size_t	 nuids;
	gid_t	*gids;
	size_t	 ngids;
};

/*
 * Fetch SO_PEERGROUPS into a new array.  The kernel answers ERANGE with
 * the size it needs in optlen; the groups were captured at connect(), so
 * a second call sees the same list.  Returns 0, or a negative errno
 * (-ENOPROTOOPT on kernels before 4.13).
 */
static int
peer_groups(int sock, gid_t **ret_groups, size_t *ret_n)
{
	gid_t		 small[GROUPS_GUESS], *g = NULL;
	socklen_t	 len = sizeof(small);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, small, &len) == 0) {
		if (len % sizeof(gid_t) != 0)
			return -EPROTO;
		if (len > 0 && (g = malloc(len)) == NULL)
			return -ENOMEM;
		if (len > 0)
			memcpy(g, small, len);
	} else {
		if (errno != ERANGE)
			return -errno;
		if (len == 0 || len % sizeof(gid_t) != 0)
			return -EPROTO;
		if ((g = malloc(len)) == NULL)
			return -ENOMEM;
		if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
			free(g);
			return errno == ERANGE ? -EPROTO : -errno;
		}
	}
	*ret_groups = g;
	*ret_n = len / sizeof(gid_t);
	return 0;
}

/*
 * ph_peer_get() - the credentials of the peer of the connected AF_UNIX
 * socket `sock` (borrowed).  Always uid, gid and pid (SO_PEERCRED: the
 * peer's effective ids at connect() time, S33); with PH_PEER_GROUPS its
 * supplementary groups (SO_PEERGROUPS); with PH_PEER_PIDFD a new O_CLOEXEC
 * pidfd, or -1 where the kernel lacks SO_PEERPIDFD.  A peer whose uid or
 * gid is (uid_t)-1 (not a connected socket) is -ENOTCONN (S37).
 * Returns 0 or a negative errno; *ret_peer is written only on success and
 * must then be released with ph_peer_clear().  Thread-safe.
 *
 * ph__peer_get() is the same without the listening-socket check, for
 * sockets the library itself just accepted or connected (one syscall
 * less on the accept path).
 */
int
ph__peer_get(int sock, int flags, struct ph_peer *ret_peer)
{
	struct ph_peer	p;
	struct ucred	uc;
	socklen_t	len = sizeof(uc);
	int		r, pidfd;

	if (flags & ~(PH_PEER_GROUPS | PH_PEER_PIDFD))
		return -EINVAL;
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -errno;
	if (len != sizeof(uc))
		return -EPROTO;
	if (uc.uid == (uid_t)-1 || uc.gid == (gid_t)-1)
		return -ENOTCONN;

	memset(&p, 0, sizeof(p));
	p.uid = uc.uid;
	p.gid = uc.gid;
	p.pid = uc.pid;
	p.pidfd = -1;
	if ((flags & PH_PEER_GROUPS) &&
	    (r = peer_groups(sock, &p.groups, &p.ngroups)) < 0)
		return r;
	if (flags & PH_PEER_PIDFD) {
		len = sizeof(pidfd);
		if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd,
		    &len) == 0 && len == sizeof(pidfd) && pidfd >= 0)
			p.pidfd = pidfd;	/* the kernel sets O_CLOEXEC */
		else if (errno != ENOPROTOOPT && errno != EINVAL &&
		    errno != ESRCH && errno != ENODATA) {
			r = -errno;
			free(p.groups);
			return r;
		}
		/* Older kernel or no pid to pin: fall back to -1. */
	}
	*ret_peer = p;
	return 0;
}

/*
 * The end of ph_connect() and ph_listener_accept(): r is the verdict on
 * the peer of fd (taken).  When it is 0 (allowed) or -EPERM (refused),
 * *ret_peer (may be NULL) gets the peer, so that a refusal can name who
 * was refused; otherwise the peer is cleared.  Returns fd when allowed,
 * else closes it and returns r.
 */
int
ph__peer_verdict(int r, int fd, struct ph_peer *peer,
    struct ph_peer *ret_peer)
{
	if (ret_peer != NULL && (r == 0 || r == -EPERM))
		*ret_peer = *peer;
	else
		ph_peer_clear(peer);
	if (r < 0) {
		ph__fd_close(&fd);
		return r;
	}
	return fd;
}

PH_EXPORT int
ph_peer_get(int sock, int flags, struct ph_peer *ret_peer)
{
	socklen_t	len = sizeof(int);
	int		listening = 0;

	/* listen() fills SO_PEERCRED with our own ids (unix(7)): a
	 * listening socket has no peer, whatever getsockopt() says. */
	if (getsockopt(sock, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0
	    && listening)
		return -ENOTCONN;
	return ph__peer_get(sock, flags, ret_peer);
}

/* Release what ph_peer_get() allocated; the record is left cleared. */
PH_EXPORT void
ph_peer_clear(struct ph_peer *peer)
{
	if (peer == NULL)
		return;
	free(peer->groups);
	ph_fd_close(&peer->pidfd);
	memset(peer, 0, sizeof(*peer));
	peer->pidfd = -1;
}

/*
 * ph_peer_alive() - 1 if the peer's process still exists, 0 if it is gone.
 * SO_PEERPIDFD succeeds even for a reaped peer (kernel-facts V8), so the
 * pidfd is asked with a null signal.  -EOPNOTSUPP without a pidfd: the
 * pid alone could name another process by now (S32).
 */
PH_EXPORT int
ph_peer_alive(const struct ph_peer *peer)
{
	if (peer->pidfd < 0)
		return -EOPNOTSUPP;
	if (syscall(SYS_pidfd_send_signal, peer->pidfd, 0, NULL, 0) == 0)
		return 1;
	if (errno == ESRCH)
		return 0;
	if (errno == EPERM)
		return 1;	/* exists, we may not signal it */
	return -errno;
}

PH_EXPORT int
ph_allow_new(struct ph_allow **ret_allow)
{
	struct ph_allow	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	*ret_allow = a;
	return 0;
}

PH_EXPORT void
ph_allow_free(struct ph_allow *a)
{
	if (a == NULL)
		return;
	free(a->uids);
	free(a->gids);
	free(a);
}

/* uid_t and gid_t share id_append() below. */
_Static_assert(sizeof(uid_t) == sizeof(unsigned int), "uid_t size");
_Static_assert(sizeof(gid_t) == sizeof(unsigned int), "gid_t size");

/*
 * Append v to a bounded array of 32-bit ids (uid_t and gid_t alike).
 * (unsigned int)-1 is -EINVAL: it means "unchanged" to set*id() and
 * "unknown" to SO_PEERCRED (S37).
 */
static int
id_append(unsigned int **arr, size_t *n, unsigned int v)
{
	unsigned int	*na;

	if (v == (unsigned int)-1)
		return -EINVAL;
	if (*n >= ALLOW_MAX)
		return -E2BIG;
	if ((na = realloc(*arr, (*n + 1) * sizeof(**arr))) == NULL)
		return -ENOMEM;
	na[(*n)++] = v;
	*arr = na;
	return 0;
}

/*
 * ph_allow_uid(), ph_allow_gid() - add a uid, or a gid matched against
 * the peer's primary and supplementary groups.  (uid_t)-1 is -EINVAL: it
 * means "unchanged" to set*id() and "unknown" to SO_PEERCRED (S37).
 */
PH_EXPORT int
ph_allow_uid(struct ph_allow *a, uid_t uid)
{
	return id_append((unsigned int **)&a->uids, &a->nuids, uid);
}

PH_EXPORT int
ph_allow_gid(struct ph_allow *a, gid_t gid)
{
	return id_append((unsigned int **)&a->gids, &a->ngids, gid);
}

static int
gid_listed(const struct ph_allow *a, gid_t g)
{
	size_t	i;

	for (i = 0; i < a->ngids; i++)
		if (a->gids[i] == g)
			return 1;
	return 0;
}

/*
 * ph_allow_check() - 0 if `peer` is allowed by `a`, -EPERM if not.
 * A NULL list allows only our own effective uid: the safe default (S87).
 * Group rules match the primary gid, then the supplementary groups: from
 * peer->groups when the peer was fetched with PH_PEER_GROUPS, else from
 * SO_PEERGROUPS on `sock` (borrowed; -1 if none), never from NSS or
 * /etc/group (S36).  Any error fetching groups is a refusal (fail closed).
 * Thread-safe.
 */
PH_EXPORT int
ph_allow_check(const struct ph_allow *a, int sock, const struct ph_peer *peer)
{
	gid_t	*g = NULL;
	size_t	 i, n = 0;
	int	 ok = 0;

	if (peer->uid == (uid_t)-1 || peer->gid == (gid_t)-1)
		return -EPERM;
	if (a == NULL)
		return peer->uid == geteuid() ? 0 : -EPERM;
	for (i = 0; i < a->nuids; i++)
		if (a->uids[i] == peer->uid)
			return 0;
	if (a->ngids == 0)
		return -EPERM;
	if (gid_listed(a, peer->gid))
		return 0;
	if (peer->groups != NULL || peer->ngroups != 0) {
		for (i = 0; i < peer->ngroups && !ok; i++)
			ok = gid_listed(a, peer->groups[i]);
		return ok ? 0 : -EPERM;
	}
	if (sock < 0 || peer_groups(sock, &g, &n) < 0)
		return -EPERM;
	for (i = 0; i < n && !ok; i++)
		ok = gid_listed(a, g[i]);
	free(g);
	return ok ? 0 : -EPERM;
}

/* Copy `a` into a new list (NULL copies to NULL).  0 or -ENOMEM. */
int
ph__allow_dup(const struct ph_allow *a, struct ph_allow **ret)
{
	struct ph_allow	*b = NULL;

	if (a == NULL) {
		*ret = NULL;
		return 0;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -ENOMEM;
	if (a->nuids > 0) {
		if ((b->uids = malloc(a->nuids * sizeof(uid_t))) == NULL)
			goto nomem;
		memcpy(b->uids, a->uids, a->nuids * sizeof(uid_t));
		b->nuids = a->nuids;
	}
	if (a->ngids > 0) {
		if ((b->gids = malloc(a->ngids * sizeof(gid_t))) == NULL)
			goto nomem;
		memcpy(b->gids, a->gids, a->ngids * sizeof(gid_t));
		b->ngids = a->ngids;
	}
	*ret = b;
	return 0;
 nomem:
	ph_allow_free(b);
	return -ENOMEM;
}
