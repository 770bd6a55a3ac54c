/* SPDX-License-Identifier: ISC */
/*
 * listen.c - listening at a path or an abstract name, and accepting only
 * allowed peers.  Connecting, with the server's uid verified before
 * anything is sent (S28), is connect.c.
 *
 * A path listener owns a lock file beside its socket ("NAME.lock"), held
 * with an OFD lock for its lifetime.  The lock tells a stale socket (lock
 * free: the socket is ours and no one serves it, so it may be replaced)
 * from a live one (lock held: -EADDRINUSE).  Nothing that is not our own
 * socket is ever unlinked (S24).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"

#define LOCK_SUFFIX	".lock"
#define ABSTRACT_PREFIX	"porthole-"

struct ph_listener {
	int		 fd;		/* the listening socket */
	int		 dfd;		/* O_PATH fd of the socket's directory */
	int		 lockfd;	/* holds the OFD lock; -1 if abstract */
	char		*path;		/* as given, or "@name" */
	char		*name;		/* last component (points into path) */
	char		*lockname;
	uid_t		 euid;		/* for the default allow-list */
	int		 acceptflags;	/* PH_SOCK_NOFDS for every accept */
	struct ph_allow	*allow;		/* our copy; NULL: euid only */
};

struct bind_job {
	int				 sock;
	const struct sockaddr_un	*sun;
	socklen_t			 len;
	mode_t				 mode;
	int				 r;
};

/*
 * The socket file's mode is 0777 & ~umask at bind() and fchmod() on a
 * socket fd changes nothing (kernel-facts V2, S23), so the mode must come
 * from the umask.  The umask is process-wide, and changing it under other
 * threads would race their file creation (S88).  This thread first
 * unshares its fs_struct (CLONE_FS: cwd, root, umask), so the umask it
 * sets is its own and dies with it.
 */
static void *
bind_thread(void *arg)
{
	struct bind_job	*j = arg;

	if (unshare(CLONE_FS) == -1) {
		j->r = -errno;
		return NULL;
	}
	(void)umask(0777 & ~j->mode);
	if (bind(j->sock, (const struct sockaddr *)j->sun, j->len) == -1)
		j->r = -errno;
	else
		j->r = 0;
	return NULL;
}

/*
 * bind() `sock` (borrowed) to the path in `sun` so that the file has
 * exactly `mode` from the instant it exists, in any thread, without
 * touching the process umask.  Returns 0 or a negative errno.
 */
int
ph__bind_mode(int sock, const struct sockaddr_un *sun, socklen_t len,
    mode_t mode)
{
	struct bind_job	j = { sock, sun, len, mode, -EIO };
	pthread_t	t;
	int		e;

	if ((e = pthread_create(&t, NULL, bind_thread, &j)) != 0)
		return -e;
	if ((e = pthread_join(t, NULL)) != 0)
		return -e;
	return j.r;
}

/* Close everything; unlink nothing.  NULL is fine. */
static void
listener_free(struct ph_listener *l)
{
	if (l == NULL)
		return;
	ph__fd_close(&l->fd);
	ph__fd_close(&l->dfd);
	ph__fd_close(&l->lockfd);
	ph_allow_free(l->allow);
	free(l->path);
	free(l->lockname);
	free(l);
}

static struct ph_listener *
listener_new(const char *path, const struct ph_allow *allow)
{
	struct ph_listener	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->fd = l->dfd = l->lockfd = -1;
	l->euid = geteuid();
	if ((l->path = strdup(path)) == NULL ||
	    ph__allow_dup(allow, &l->allow) < 0) {
		listener_free(l);
		return NULL;
	}
	return l;
}

static int
sock_type(int flags)
{
	return ((flags & PH_SOCK_SEQPACKET) ? SOCK_SEQPACKET : SOCK_STREAM) |
	    SOCK_CLOEXEC | ((flags & PH_SOCK_NONBLOCK) ? SOCK_NONBLOCK : 0);
}

/* One non-blocking connect attempt: 1 live, 0 refused, or -errno. */
static int
probe(const char *path, int type)
{
	struct sockaddr_un	sun;
	socklen_t		sl;
	int			fd, r;

	if ((r = ph_sockaddr_set(&sun, &sl, path, 0)) < 0)
		return r;
	fd = socket(AF_UNIX, (type & ~SOCK_NONBLOCK) | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sl) == 0)
		r = 1;
	else if (errno == ECONNREFUSED)
		r = 0;
	else if (errno == ENOENT)
		r = -ENOENT;
	else
		r = 1;		/* EAGAIN, EPROTOTYPE, ...: someone is there */
	ph__fd_close(&fd);
	return r;
}

/*
 * Is the socket file `name` in dfd served?  Asked only while we hold the
 * lock, for a socket of ours: a server that does not use our lock may
 * still be behind it.  A non-blocking connect answers at once: refused
 * means no one listens (stale); success, EAGAIN (a full backlog, which S24
 * warns must not be read as stale) or a type mismatch mean alive.  The
 * path goes through /proc/self/fd/N so it stays in the directory we
 * checked; without /proc, the real path.
 */
static int
socket_is_live(int dfd, const char *name, const char *path, int type)
{
	char	via[PH_SOCKPATH_MAX + 1];
	int	n, r;

	n = snprintf(via, sizeof(via), "/proc/self/fd/%d/%s", dfd, name);
	if (n > 0 && (size_t)n < sizeof(via) &&
	    (r = probe(via, type)) != -ENOENT)
		return r;
	r = probe(path, type);
	return r == -ENOENT ? 0 : r;
}

/* Unlink our lock file while still holding it, then close it. */
static int
release_lock(struct ph_listener *l)
{
	struct stat	a, b;
	int		r = 0;

	/* As ph_lock_release(), through our directory fd. */
	if (l->lockfd >= 0 && fstat(l->lockfd, &a) == 0 &&
	    fstatat(l->dfd, l->lockname, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
	    unlinkat(l->dfd, l->lockname, 0) == -1)
		r = -errno;
	ph__fd_close(&l->lockfd);
	return r;
}

/*
 * Step 2 of ph_listen(), under the lock: a leftover at the path is
 * replaced only when it is a stale socket of ours.  0 when the path is
 * free now, or a negative errno.
 */
static int
clear_leftover(struct ph_listener *l, const char *path, int flags)
{
	struct stat	st;
	int		r;

	if (fstatat(l->dfd, l->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode) || st.st_uid != l->euid)
		return -EEXIST;		/* S24: not ours, never touched */
	if ((r = socket_is_live(l->dfd, l->name, path, sock_type(flags))) != 0)
		return r > 0 ? -EADDRINUSE : r;
	if (unlinkat(l->dfd, l->name, 0) == -1 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * ph_listen() - listen on the Unix socket `path`.  Flags: PH_SOCK_* and
 * PH_PATH_PORTABLE; PH_SOCK_NONBLOCK makes the listening fd non-blocking,
 * PH_SOCK_NOFDS applies to every connection accepted.  `mode` (at most 0777) is the socket file's mode from
 * birth, whatever the umask (S23).  `backlog` <= 0 means SOMAXCONN.
 * `allow` (copied; NULL: our own euid only) decides who
 * ph_listener_accept() lets in.
 *
 * The directory must pass ph_dir_check() (S21, S22).  The lock beside the
 * socket is taken before the path is touched (S69).  bind() takes the
 * path, so that getsockname() and the peer's getpeername() show it, not
 * a /proc/self/fd/N alias; binding through the checked directory fd would
 * not make a path safe anyway: whoever can rename a directory above the
 * socket can redirect its clients at any later time.  Those directories
 * must not be writable by others; porthole audit checks them.  Returns 0 and
 * *ret_l, or: -EADDRINUSE if another live server holds the lock or
 * serves the path; -EEXIST if something that is not our socket is at the
 * path (it is left alone); -ENAMETOOLONG; or the error of the step that
 * failed.  On failure nothing we created is left behind.
 */
PH_EXPORT int
ph_listen(const char *path, int flags, mode_t mode, int backlog,
    const struct ph_allow *allow, struct ph_listener **ret_l)
{
	struct ph_listener	*l = NULL;
	struct sockaddr_un	 sun;
	socklen_t		 sl;
	size_t			 n;
	int			 r, bound = 0;

	if (flags & ~(PH_SOCK_SEQPACKET | PH_SOCK_NONBLOCK | PH_SOCK_NOFDS |
	    PH_PATH_PORTABLE))
		return -EINVAL;
	if (mode & ~(mode_t)0777)
		return -EINVAL;
	if ((r = ph_sockaddr_set(&sun, &sl, path, flags & PH_PATH_PORTABLE))
	    < 0)
		return r;
	if ((l = listener_new(path, allow)) == NULL)
		return -ENOMEM;
	l->acceptflags = flags & PH_SOCK_NOFDS;
	if ((r = ph__open_parent(l->path, &l->dfd, (const char **)&l->name))
	    < 0)
		goto out;
	if ((r = ph_dir_check(l->dfd, 0)) < 0)
		goto out;
	n = strlen(l->name);
	if ((l->lockname = malloc(n + sizeof(LOCK_SUFFIX))) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(l->lockname, l->name, n);
	memcpy(l->lockname + n, LOCK_SUFFIX, sizeof(LOCK_SUFFIX));

	/* 1. The lock first: only its holder may touch the path (S69). */
	if ((r = ph__lock_at(l->dfd, l->lockname, 0, &l->lockfd)) < 0) {
		if (r == -EBUSY)
			r = -EADDRINUSE;	/* "already running" */
		goto out;
	}
	/* 2. A leftover at the path: replace only a stale socket of ours. */
	if ((r = clear_leftover(l, path, flags)) < 0)
		goto out;
	/* 3. Bind with the mode from birth, then listen. */
	if ((l->fd = socket(AF_UNIX, sock_type(flags), 0)) == -1) {
		r = -errno;
		goto out;
	}
	if ((r = ph__bind_mode(l->fd, &sun, sl, mode)) < 0)
		goto out;
	bound = 1;
	if (listen(l->fd, backlog > 0 ? backlog : SOMAXCONN) == -1) {
		r = -errno;
		goto out;
	}
	*ret_l = l;
	l = NULL;
	r = 0;
 out:
	if (l != NULL) {
		if (bound)
			(void)unlinkat(l->dfd, l->name, 0);
		(void)release_lock(l);
		listener_free(l);
	}
	return r;
}

/*
 * ph_listen_abstract() - listen on the Linux abstract name `name` (a
 * leading '@' is allowed and dropped), or on "porthole-" and 16 random
 * hex digits when NULL.  An abstract socket has no permissions: anyone in
 * the network namespace can connect (S27, kernel-facts V4), so `allow`
 * is mandatory (-EINVAL when NULL) and every ph_listener_accept() checks
 * it.  Flags: PH_SOCK_*.  Returns 0 and *ret_l, or a negative errno
 * (-EADDRINUSE when the name is taken).
 */
PH_EXPORT int
ph_listen_abstract(const char *name, int flags, int backlog,
    const struct ph_allow *allow, struct ph_listener **ret_l)
{
	struct ph_listener	*l = NULL;
	struct sockaddr_un	 sun;
	socklen_t		 sl;
	char			 rnd[17], gen[sizeof(ABSTRACT_PREFIX) + 16];
	char			 at[PH_SOCKPATH_MAX + 2];
	int			 r;

	if (flags & ~(PH_SOCK_SEQPACKET | PH_SOCK_NONBLOCK | PH_SOCK_NOFDS))
		return -EINVAL;
	if (allow == NULL)
		return -EINVAL;		/* S27: the peer check is the guard */
	if (name == NULL) {
		if ((r = ph__random_hex(rnd, 8)) < 0)
			return r;
		(void)snprintf(gen, sizeof(gen), "%s%s", ABSTRACT_PREFIX, rnd);
		name = gen;
	} else if (name[0] == '@')
		name++;
	if ((r = ph_sockaddr_set(&sun, &sl, name, PH_PATH_ABSTRACT)) < 0)
		return r;
	(void)snprintf(at, sizeof(at), "@%s", name);
	if ((l = listener_new(at, allow)) == NULL)
		return -ENOMEM;
	l->acceptflags = flags & PH_SOCK_NOFDS;
	if ((l->fd = socket(AF_UNIX, sock_type(flags), 0)) == -1 ||
	    bind(l->fd, (struct sockaddr *)&sun, sl) == -1 ||
	    listen(l->fd, backlog > 0 ? backlog : SOMAXCONN) == -1) {
		r = -errno;
		listener_free(l);
		return r;
	}
	*ret_l = l;
	return 0;
}

/* The listening fd (borrowed) and the path or "@name" it listens at. */
PH_ACCESSOR(int, ph_listener_fd, ph_listener, fd)
PH_ACCESSOR(const char *, ph_listener_path, ph_listener, path)

/*
 * ph_listener_accept() - accept one connection, fetch the peer's kernel
 * credentials, and keep it only if the listener's allow-list allows it.
 * Flags: PH_SOCK_NONBLOCK and PH_SOCK_NOFDS for the new fd, PH_PEER_* for
 * *ret_peer.  Returns the new O_CLOEXEC connection fd and fills *ret_peer
 * (may be NULL); -EPERM if the peer was refused (the connection is
 * closed before any byte is read; *ret_peer, if not NULL, then names the
 * refused peer so it can be logged: release it with ph_peer_clear());
 * -EAGAIN on a non-blocking listener with no connection; -EINTR if a
 * signal interrupted the wait; or another negative errno.
 */
PH_EXPORT int
ph_listener_accept(struct ph_listener *l, int flags, struct ph_peer *ret_peer)
{
	struct ph_peer	peer;
	int		fd = -1, r, one = 0;

	if (flags & ~(PH_SOCK_NONBLOCK | PH_SOCK_NOFDS | PH_PEER_GROUPS |
	    PH_PEER_PIDFD))
		return -EINVAL;
	flags |= l->acceptflags;
	fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC |
	    ((flags & PH_SOCK_NONBLOCK) ? SOCK_NONBLOCK : 0));
	if (fd == -1)		/* -EPERM is kept for our refusals */
		return errno == EPERM ? -EACCES : -errno;
	if ((r = ph__peer_get(fd, flags & (PH_PEER_GROUPS | PH_PEER_PIDFD),
	    &peer)) < 0)
		goto out;
	if (l->allow == NULL)
		r = peer.uid == l->euid ? 0 : -EPERM;
	else
		r = ph_allow_check(l->allow, fd, &peer);
	if (r == 0 && (flags & PH_SOCK_NOFDS) &&
	    setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &one, sizeof(one)) == -1
	    && errno != ENOPROTOOPT)
		r = -errno;		/* S40; older kernels lack it */
	return ph__peer_verdict(r, fd, &peer, ret_peer);
 out:
	ph__fd_close(&fd);
	return r;
}

/*
 * ph_listener_close() - close the listener.  For a path listener, unlink
 * the socket if it is still a socket of ours (we hold the lock, so no one
 * else could have bound there through our protocol), then release and
 * unlink the lock.  Returns 0 or the first error; frees l either way.
 * NULL is a no-op.
 */
PH_EXPORT int
ph_listener_close(struct ph_listener *l)
{
	struct stat	st;
	int		r = 0, r2;

	if (l == NULL)
		return 0;
	if (l->dfd >= 0) {
		if (fstatat(l->dfd, l->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode) && st.st_uid == l->euid &&
		    unlinkat(l->dfd, l->name, 0) == -1 && errno != ENOENT)
			r = -errno;
	}
	if (l->lockfd >= 0 && (r2 = release_lock(l)) < 0 && r == 0)
		r = r2;
	listener_free(l);
	return r;
}
