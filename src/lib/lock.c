/* SPDX-License-Identifier: ISC */
/*
 * lock.c - single-instance locks.  The lock is an OFD lock (F_OFD_SETLK)
 * held for the holder's lifetime: the kernel drops it when the holder
 * dies (S64), and, unlike a POSIX lock, closing another fd to the same
 * file does not release it (S65, kernel-facts V14).  The file's content
 * (the holder's pid) is information for error messages, never a decision.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"

#define LOCK_TRIES	8
#define PIDBUF		24

/* Whole-file write lock request for fcntl(). */
static void
whole_file(struct flock *fl, short type)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = 0;
	fl->l_len = 0;
	fl->l_pid = 0;		/* must be 0 for OFD locks */
}

/*
 * ph__open_regular() - open `path` (relative to dfd, borrowed; AT_FDCWD
 * for none) with `flags` | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC (mode 0600
 * if created), so that neither a symlink nor a FIFO is followed or waited
 * on, and fstat it into *st.  Returns a new O_CLOEXEC fd of a regular
 * file, or a negative errno (-EINVAL: not a regular file); on failure
 * nothing stays open.  Shared by lock.c and pidfile.c.
 */
int
ph__open_regular(int dfd, const char *path, int flags, struct stat *st)
{
	int	fd, r;

	fd = openat(dfd, path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return -errno;
	if (fstat(fd, st) == -1)
		r = -errno;
	else if (!S_ISREG(st->st_mode))
		r = -EINVAL;
	else
		return fd;
	ph__fd_close(&fd);
	return r;
}

/*
 * Open the lock file `name` in dfd (borrowed) safely (S62, S63):
 * O_NOFOLLOW (no planted symlink), O_NONBLOCK (a planted FIFO cannot block
 * the open), then fstat: a regular file of ours with one link (no
 * hardlink to a file elsewhere).  An existing file of ours is set to 0600
 * so that no one else can open it to hold the lock (V13).
 */
static int
lock_open(int dfd, const char *name, int *ret_fd)
{
	struct stat	st;
	int		fd, r;

	if ((fd = ph__open_regular(dfd, name, O_RDWR | O_CREAT, &st)) < 0)
		return fd;
	if (st.st_uid != geteuid()) {
		r = -EPERM;
		goto fail;
	}
	/*
	 * More than one link: a hardlink to a file elsewhere (S62).  Zero
	 * links is a holder's ph_lock_release() unlinking the file between
	 * our open and fstat: not an attack, and the check after locking
	 * sends us round again.
	 */
	if (st.st_nlink > 1) {
		r = -EMLINK;
		goto fail;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) == -1) {
		r = -errno;
		goto fail;
	}
	*ret_fd = fd;
	return 0;
 fail:
	ph__fd_close(&fd);
	return r;
}

/*
 * Take the lock `name` in dfd (borrowed): returns a new O_CLOEXEC fd that
 * holds the lock, -EBUSY if another open file description holds it, or
 * another negative errno.  After locking, the name must still lead to the
 * locked inode: a previous holder may have unlinked the file between our
 * open and our lock (ph_lock_release() does so), and a lock on an
 * unlinked inode excludes no one.  Then our pid is written in it.
 */
int
ph__lock_at(int dfd, const char *name, int flags, int *ret_fd)
{
	struct flock	fl;
	struct stat	a, b;
	char		buf[PIDBUF];
	int		fd = -1, r = -EBUSY, tries, n;

	/*
	 * Each new round means another holder really held and released the
	 * lock; with PH_LOCK_WAIT we were asked to wait, so there is no limit.
	 */
	for (tries = 0; (flags & PH_LOCK_WAIT) || tries < LOCK_TRIES; tries++) {
		if ((r = lock_open(dfd, name, &fd)) < 0)
			return r;
		whole_file(&fl, F_WRLCK);
		if (fcntl(fd, (flags & PH_LOCK_WAIT) ? F_OFD_SETLKW :
		    F_OFD_SETLK, &fl) == -1) {
			r = (errno == EAGAIN || errno == EACCES) ? -EBUSY :
			    -errno;
			goto out;
		}
		if (fstat(fd, &a) == -1) {
			r = -errno;
			goto out;
		}
		if (fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		ph__fd_close(&fd);	/* released under us: again */
		r = -EBUSY;		/* if the tries run out: contended */
	}
	if (fd < 0)
		return r;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if ((r = ph__write_file(fd, buf, (size_t)n)) < 0)
		goto out;
	*ret_fd = fd;
	fd = -1;
	r = 0;
 out:
	ph__fd_close(&fd);
	return r;
}

/*
 * ph_lock_acquire() - take the single-instance lock at `path`.  The
 * directory must pass ph_dir_check() (S62).  Flags: PH_LOCK_WAIT to block
 * (then -EINTR if a signal arrives).  Returns a new O_CLOEXEC fd holding
 * the lock (keep it open for as long as the lock is wanted), -EBUSY if
 * another holder has it, or a negative errno.  The lock follows the open
 * file description: a forked child sharing the fd shares the lock.
 */
PH_EXPORT int
ph_lock_acquire(const char *path, int flags)
{
	const char	*name;
	int		 dfd = -1, fd = -1, r;

	if (flags & ~PH_LOCK_WAIT)
		return -EINVAL;
	if ((r = ph__open_parent(path, &dfd, &name)) < 0)
		return r;
	if ((r = ph_dir_check(dfd, 0)) < 0)
		goto out;
	if ((r = ph__lock_at(dfd, name, flags, &fd)) < 0)
		goto out;
	r = fd;
 out:
	ph__fd_close(&dfd);
	return r;
}

/*
 * ph_lock_holder() - is the lock at `path` held?  Returns 1 and the pid
 * its holder wrote (0 if unreadable) in *ret_pid, 0 if the lock is free
 * (*ret_pid untouched), or a negative errno (-ENOENT: no lock file).  The
 * pid is informational only: it may be stale or from another pid
 * namespace (S64).
 */
PH_EXPORT int
ph_lock_holder(const char *path, pid_t *ret_pid)
{
	struct flock	fl;
	struct stat	st;
	char		buf[PIDBUF];
	ssize_t		n;
	pid_t		pid = 0;
	int		fd = -1, r;

	if ((fd = ph__open_regular(AT_FDCWD, path, O_RDONLY, &st)) < 0)
		return fd;
	whole_file(&fl, F_WRLCK);
	if (fcntl(fd, F_OFD_GETLK, &fl) == -1) {
		r = -errno;
		goto out;
	}
	if (fl.l_type == F_UNLCK) {
		r = 0;
		goto out;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	if (n > 0 && ph_pid_parse(buf, (size_t)n, &pid) < 0)
		pid = 0;
	*ret_pid = pid;
	r = 1;
 out:
	ph__fd_close(&fd);
	return r;
}

/*
 * ph_lock_release() - release the lock held by *fdp (consumed, set to
 * -1): unlink `path` while still holding the lock, and only if the name
 * still leads to the locked inode, then close.  Unlinking while holding
 * is safe because a new holder re-checks the name after locking (see
 * ph__lock_at()).  Returns 0 or a negative errno; the fd is closed either
 * way.
 */
PH_EXPORT int
ph_lock_release(const char *path, int *fdp)
{
	struct stat	 a, b;
	const char	*name;
	int		 dfd = -1, r;

	if (*fdp < 0)
		return 0;
	if ((r = ph__open_parent(path, &dfd, &name)) < 0)
		goto out;
	if (fstat(*fdp, &a) == -1) {
		r = -errno;
		goto out;
	}
	if (fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == -1) {
		r = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		r = 0;			/* not ours: leave it */
		goto out;
	}
	if (unlinkat(dfd, name, 0) == -1)
		r = -errno;
 out:
	ph__fd_close(&dfd);
	ph__fd_close(fdp);
	return r;
}
