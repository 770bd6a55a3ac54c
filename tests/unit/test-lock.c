/* SPDX-License-Identifier: ISC */
/*
 * test-lock.c - single-instance locks.  The lock is an OFD lock that one
 * open file description holds: a second one, in this process or another,
 * gets -EBUSY; closing another fd to the file keeps it (S65, kernel-facts
 * V14); the kernel drops it when the holder dies, so a SIGKILLed holder
 * never leaves a stale lock (S64); two starters racing always leave
 * exactly one winner (S64).  The lock file is opened without following a
 * planted symlink, hanging on a FIFO, or using a directory, a hardlink, a
 * file of another user, or a directory others may write (S62); it is
 * mode 0600 so that no one else can open it to hold the lock (S63, V13).
 *
 * Cases that need another uid run when root, with uid 4000000000, which
 * has no passwd entry (S37); otherwise they are skipped.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "porthole.h"
#include "tap.h"

#define OTHER_UID	4000000000u	/* S37: above INT_MAX, no passwd */
#define RACE_ROUNDS	50
#define MUTEX_KIDS	4
#define MUTEX_ROUNDS	200
#define NO_RESULT	9999		/* a child that never answered */

/* ph_lock_acquire() in a forked child: its result, 0 for "acquired". */
static int
child_try(const char *path, int flags)
{
	int	res[2], r = NO_RESULT;
	pid_t	pid;

	if (pipe2(res, O_CLOEXEC) == -1)
		return NO_RESULT;
	if ((pid = fork()) == 0) {
		r = ph_lock_acquire(path, flags);
		if (r > 0)
			r = 0;
		_exit(write(res[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(res[1]);
	if (pid == -1 || read(res[0], &r, sizeof(r)) != sizeof(r))
		r = NO_RESULT;
	close(res[0]);
	if (pid > 0 && wait_status(pid) != 0)
		r = NO_RESULT;
	return r;
}

/*
 * A child that takes the lock and holds it until told, through ctl, what
 * to do: 'r' release, 's' sleep 200 ms then release, 'S' sleep 200 ms then
 * close, 'T' hold 2 s then exit; EOF exits holding (the kernel drops it).
 */
struct holder {
	pid_t	pid;
	int	ctl;
};

static int
holder_start(const char *path, struct holder *h)
{
	int	ctl[2], res[2], r = NO_RESULT;

	h->pid = -1;
	h->ctl = -1;
	if (pipe2(ctl, O_CLOEXEC) == -1)
		return NO_RESULT;
	if (pipe2(res, O_CLOEXEC) == -1) {
		tap_close_all(ctl, 2);
		return NO_RESULT;
	}
	if ((h->pid = fork()) == 0) {
		int	fd;
		char	c = 0;

		close(ctl[1]);
		close(res[0]);
		fd = ph_lock_acquire(path, 0);
		r = fd < 0 ? fd : 0;
		if (write(res[1], &r, sizeof(r)) != sizeof(r) || fd < 0)
			_exit(1);
		close(res[1]);
		while (read(ctl[0], &c, 1) == -1 && errno == EINTR)
			;
		switch (c) {
		case 'r':
			_exit(ph_lock_release(path, &fd) == 0 ? 0 : 2);
		case 's':
			usleep(200000);
			_exit(ph_lock_release(path, &fd) == 0 ? 0 : 2);
		case 'S':
			usleep(200000);
			close(fd);
			_exit(0);
		case 'T':
			sleep(2);
			_exit(0);
		default:
			_exit(0);
		}
	}
	close(ctl[0]);
	close(res[1]);
	if (h->pid == -1 || read(res[0], &r, sizeof(r)) != sizeof(r))
		r = NO_RESULT;
	close(res[0]);
	h->ctl = ctl[1];
	return r;
}

static void
holder_send(struct holder *h, char cmd)
{
	if (h->ctl >= 0 && cmd != 0 && write(h->ctl, &cmd, 1) != 1)
		tap_diag("holder_send: write failed");
	ph_fd_close(&h->ctl);
}

static int
holder_wait(struct holder *h)
{
	ph_fd_close(&h->ctl);
	return h->pid > 0 ? wait_status(h->pid) : -1;
}

/* Acquire: an OFD write lock on a 0600 file of ours holding our pid. */
static void
test_acquire_basic(void)
{
	struct flock	fl;
	struct stat	st;
	char		p[PATH_MAX];
	mode_t		old;
	int		fd, fd2, o, k;

	pathf(p, "basic.lock");
	old = umask(0777);		/* S63: 0600 whatever the umask */
	fd = ph_lock_acquire(p, 0);
	(void)umask(old);
	T_GE(fd, 3);
	T_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	T_OK(lstat(p, &st));
	T_TRUE(S_ISREG(st.st_mode));
	T_EQ(st.st_mode & 07777, 0600);
	T_EQ(st.st_uid, geteuid());
	T_EQ(st.st_nlink, 1);
	T_STREQ(read_file(p), pid_line(getpid()));

	/* S65: an OFD lock (l_pid -1), not a POSIX one (l_pid = ours) */
	o = open(p, O_RDWR | O_CLOEXEC);
	T_GE(o, 0);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	T_OK(fcntl(o, F_OFD_GETLK, &fl));
	T_EQ(fl.l_type, F_WRLCK);
	T_EQ(fl.l_pid, -1);
	close(o);

	T_EQ(ph_lock_acquire(p, 0), -EBUSY);	/* same process, new OFD */
	T_EQ(child_try(p, 0), -EBUSY);		/* another process */
	close(fd);				/* the holder closes: free */
	T_EQ(child_try(p, 0), 0);
	fd2 = ph_lock_acquire(p, 0);
	T_GE(fd2, 3);
	T_EQ(ph_lock_acquire(p, 0), -EBUSY);
	T_OK(ph_lock_release(p, &fd2));

	/* bad arguments */
	T_EQ(ph_lock_acquire(p, 0x2), -EINVAL);
	T_EQ(ph_lock_acquire(p, -1), -EINVAL);
	T_EQ(ph_lock_acquire(NULL, 0), -EINVAL);
	T_EQ(ph_lock_acquire("", 0), -EINVAL);
	for (k = 0; k < 2; k++) {		/* not a file name */
		pathf(p, k == 0 ? "dir/" : "..");
		T_EQ(ph_lock_acquire(p, 0), -EINVAL);
	}
	pathf(p, "nodir/x.lock");
	T_EQ(ph_lock_acquire(p, 0), -ENOENT);
}

/*
 * S65, V14: opening and closing another fd to the lock file (here, and
 * inside ph_lock_holder()) keeps the lock; a forked child sharing the open
 * file description keeps it after the parent closes its fd.
 */
static void
test_s65_close_other_fd_keeps_lock(void)
{
	char	p[PATH_MAX], c;
	pid_t	pid, who = 0;
	int	fd, o, ctl[2];

	pathf(p, "s65.lock");
	fd = ph_lock_acquire(p, 0);
	T_GE(fd, 3);
	o = open(p, O_RDONLY | O_CLOEXEC);
	T_GE(o, 0);
	T_EQ(read(o, &c, 1), 1);		/* a library re-reads it */
	close(o);
	T_EQ(child_try(p, 0), -EBUSY);
	T_EQ(ph_lock_holder(p, &who), 1);	/* opens and closes an fd */
	T_EQ(who, getpid());
	T_EQ(child_try(p, 0), -EBUSY);

	/* the lock follows the open file description across fork */
	T_OK(pipe2(ctl, O_CLOEXEC));
	if ((pid = fork()) == 0) {
		close(ctl[1]);
		while (read(ctl[0], &c, 1) == -1 && errno == EINTR)
			;
		_exit(0);
	}
	close(ctl[0]);
	close(fd);				/* the child still has it */
	T_EQ(child_try(p, 0), -EBUSY);
	close(ctl[1]);
	T_EQ(wait_status(pid), 0);
	T_EQ(child_try(p, 0), 0);		/* last holder gone */
	T_OK(unlink(p));
}

/*
 * S64: a holder killed with SIGKILL leaves the file and its stale pid, but
 * no lock: the next acquire succeeds at once, and ph_lock_holder() says
 * free although the file still names the dead pid.
 */
static void
test_s64_kill9_holder(void)
{
	struct holder	h;
	char		p[PATH_MAX], stale[32];
	pid_t		who = 4242;
	int		fd;

	pathf(p, "s64.lock");
	T_EQ(holder_start(p, &h), 0);
	T_EQ(ph_lock_holder(p, &who), 1);
	T_EQ(who, h.pid);
	T_EQ(ph_lock_acquire(p, 0), -EBUSY);
	T_OK(kill(h.pid, SIGKILL));
	T_EQ(holder_wait(&h), 128 + SIGKILL);
	snprintf(stale, sizeof(stale), "%s", pid_line(h.pid));
	T_STREQ(read_file(p), stale);		/* the content is stale */
	who = 4242;
	T_EQ(ph_lock_holder(p, &who), 0);	/* but the lock is free */
	T_EQ(who, 4242);			/* untouched */
	fd = ph_lock_acquire(p, 0);		/* no wait needed */
	T_GE(fd, 3);
	T_STREQ(read_file(p), pid_line(getpid()));
	T_OK(ph_lock_release(p, &fd));
}

/* ph_lock_holder(): 1 and the pid while held, 0 when free, errors. */
static void
test_lock_holder(void)
{
	struct holder	h;
	char		p[PATH_MAX], q[PATH_MAX];
	pid_t		who = 4242;
	int		fd, o;

	pathf(p, "holder.lock");
	T_EQ(ph_lock_holder(p, &who), -ENOENT);	/* no lock file */
	T_EQ(who, 4242);
	fd = ph_lock_acquire(p, 0);
	T_GE(fd, 3);
	T_EQ(ph_lock_holder(p, &who), 1);
	T_EQ(who, getpid());
	close(fd);
	who = 4242;
	T_EQ(ph_lock_holder(p, &who), 0);		/* free */
	T_EQ(who, 4242);

	/* held, but with unparsable content: 1 and pid 0 */
	T_EQ(holder_start(p, &h), 0);
	o = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	T_GE(o, 0);
	T_EQ(write(o, "1\n", 2), 2);		/* S68: 1 is never a pid */
	close(o);
	who = 4242;
	T_EQ(ph_lock_holder(p, &who), 1);
	T_EQ(who, 0);
	holder_send(&h, 'r');
	T_EQ(holder_wait(&h), 0);
	T_TRUE(!exists(p));			/* released: unlinked */

	/* not a regular file */
	pathf(q, "holder.dir");
	T_OK(mkdir(q, 0700));
	who = 4242;
	T_EQ(ph_lock_holder(q, &who), -EINVAL);
	T_EQ(who, 4242);
	T_OK(rmdir(q));
}

/* ph_lock_release(): unlinks our file, leaves another, consumes the fd. */
static void
test_lock_release(void)
{
	char	p[PATH_MAX], q[PATH_MAX];
	int	fd, none = -1, before = tap_fd_count();

	pathf(p, "rel.lock");
	pathf(q, "rel.other");
	fd = ph_lock_acquire(p, 0);
	T_GE(fd, 3);
	T_OK(ph_lock_release(p, &fd));
	T_EQ(fd, -1);
	T_TRUE(!exists(p));
	T_EQ(tap_fd_count(), before);
	T_OK(ph_lock_release(p, &none));		/* nothing held */
	T_EQ(none, -1);

	/* the name now leads to another file: leave that file alone */
	fd = ph_lock_acquire(p, 0);
	T_GE(fd, 3);
	T_OK(write_str(q, "someone else\n", 0600));
	T_OK(rename(q, p));
	T_OK(ph_lock_release(p, &fd));
	T_EQ(fd, -1);
	T_STREQ(read_file(p), "someone else\n");
	T_OK(unlink(p));

	/* the name is gone already: fine, and the fd is still consumed */
	fd = ph_lock_acquire(p, 0);
	T_GE(fd, 3);
	T_OK(unlink(p));
	T_OK(ph_lock_release(p, &fd));
	T_EQ(fd, -1);
	T_EQ(tap_fd_count(), before);
}

/*
 * PH_LOCK_WAIT blocks until the holder lets go (~200 ms), whether it
 * releases (unlinks: we must then lock the new file at the name, not
 * the unlinked inode) or just closes.
 */
static void
test_lock_wait(void)
{
	static const char	 cmds[] = { 's', 'S' };
	struct holder		 h;
	struct stat		 a, b;
	char			 p[PATH_MAX];
	long			 t0, dt;
	size_t			 i;
	int			 fd;

	pathf(p, "wait.lock");
	for (i = 0; i < sizeof(cmds); i++) {
		T_EQ(holder_start(p, &h), 0);
		T_EQ(ph_lock_acquire(p, 0), -EBUSY);
		holder_send(&h, cmds[i]);
		t0 = now_ms();
		guard(5);
		fd = ph_lock_acquire(p, PH_LOCK_WAIT);
		alarm(0);
		dt = now_ms() - t0;
		T_GE(fd, 3);
		T_TRUE(dt >= 100);		/* it did wait */
		T_TRUE(dt < 4000);
		T_EQ(holder_wait(&h), 0);
		/* the lock is on the inode the name leads to */
		T_OK(fstat(fd, &a));
		T_OK(lstat(p, &b));
		T_TRUE(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
		T_EQ(child_try(p, 0), -EBUSY);
		T_STREQ(read_file(p), pid_line(getpid()));
		T_OK(ph_lock_release(p, &fd));
	}
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* PH_LOCK_WAIT gives -EINTR when a signal arrives (no SA_RESTART). */
static void
test_lock_wait_eintr(void)
{
	struct sigaction	sa;
	struct itimerval	it;
	struct holder		h;
	char			p[PATH_MAX];
	int			r;

	pathf(p, "eintr.lock");
	T_EQ(holder_start(p, &h), 0);
	holder_send(&h, 'T');		/* the holder gives up after 2 s */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	T_OK(sigaction(SIGALRM, &sa, NULL));
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 150000;
	T_OK(setitimer(ITIMER_REAL, &it, NULL));
	r = ph_lock_acquire(p, PH_LOCK_WAIT);
	memset(&it, 0, sizeof(it));
	(void)setitimer(ITIMER_REAL, &it, NULL);
	T_EQ(r, -EINTR);
	if (r >= 0)
		close(r);
	T_EQ(holder_wait(&h), 0);
	T_OK(unlink(p));
}

/* S62: a symlink at the lock path is never followed, dangling or not. */
static void
test_s62_symlink(void)
{
	char	p[PATH_MAX], target[PATH_MAX], absent[PATH_MAX];
	pid_t	who = 4242;
	int	fd;

	pathf(p, "sym.lock");
	pathf(target, "precious");
	pathf(absent, "absent");
	T_OK(write_str(target, "precious\n", 0644));
	T_OK(symlink(target, p));
	T_EQ(ph_lock_acquire(p, 0), -ELOOP);
	T_EQ(ph_lock_acquire(p, PH_LOCK_WAIT), -ELOOP);
	T_EQ(ph_lock_holder(p, &who), -ELOOP);
	T_EQ(who, 4242);
	T_STREQ(read_file(target), "precious\n");	/* no pid written */
	T_EQ(mode_of(target), 0644);			/* no fchmod */
	T_OK(unlink(p));

	T_OK(symlink(absent, p));			/* dangling */
	T_EQ(ph_lock_acquire(p, 0), -ELOOP);
	T_TRUE(!exists(absent));			/* not created */
	T_OK(unlink(p));

	/* a symlink swapped in while we hold: release leaves it alone */
	fd = ph_lock_acquire(p, 0);
	T_GE(fd, 3);
	T_OK(unlink(p));
	T_OK(symlink(target, p));
	T_OK(ph_lock_release(p, &fd));
	T_EQ(fd, -1);
	T_TRUE(exists(p));
	T_STREQ(read_file(target), "precious\n");
	T_OK(unlink(p));
	T_OK(unlink(target));
}

/* S62, S63: a FIFO at the lock path is refused without hanging (2 s). */
static void
test_s62_fifo(void)
{
	struct stat	st;
	char		p[PATH_MAX];
	pid_t		who = 4242;

	pathf(p, "fifo.lock");
	T_OK(mkfifo(p, 0600));
	guard(2);
	T_EQ(ph_lock_acquire(p, 0), -EINVAL);
	T_EQ(ph_lock_acquire(p, PH_LOCK_WAIT), -EINVAL);
	T_EQ(ph_lock_holder(p, &who), -EINVAL);
	alarm(0);
	T_EQ(who, 4242);
	T_OK(lstat(p, &st));
	T_TRUE(S_ISFIFO(st.st_mode));
	T_OK(unlink(p));
}

/* S62: a directory at the lock path is refused and left alone. */
static void
test_s62_directory(void)
{
	struct stat	st;
	char		p[PATH_MAX];

	pathf(p, "dir.lock");
	T_OK(mkdir(p, 0700));
	T_EQ(ph_lock_acquire(p, 0), -EISDIR);
	T_OK(lstat(p, &st));
	T_TRUE(S_ISDIR(st.st_mode));
	T_EQ(st.st_mode & 07777, 0700);
	T_OK(rmdir(p));
}

/* S62: a hardlink (nlink 2) is refused; the linked file is unchanged. */
static void
test_s62_hardlink(void)
{
	struct stat	st;
	char		p[PATH_MAX], orig[PATH_MAX];

	pathf(p, "hard.lock");
	pathf(orig, "hard.orig");
	T_OK(write_str(orig, "orig\n", 0644));
	T_OK(link(orig, p));
	T_EQ(ph_lock_acquire(p, 0), -EMLINK);
	T_OK(lstat(orig, &st));
	T_EQ(st.st_nlink, 2);
	T_EQ(st.st_mode & 07777, 0644);		/* no fchmod */
	T_STREQ(read_file(orig), "orig\n");	/* no pid written */
	T_OK(unlink(p));
	T_OK(unlink(orig));
}

/* S62: a directory writable by others (no sticky bit) is refused. */
static void
test_s62_open_directory(void)
{
	static const mode_t	modes[] = { 0777, 0770, 0757, 0720 };
	char			d[PATH_MAX], p[PATH_MAX];
	size_t			i;
	int			fd;

	T_OK(subdir(d, "open", p, "x.lock"));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		T_OK(chmod(d, modes[i]));
		T_EQ(ph_lock_acquire(p, 0), -EACCES);
		T_TRUE(!exists(p));		/* nothing created */
	}
	T_OK(chmod(d, 0755));			/* the mode was the reason */
	fd = ph_lock_acquire(p, 0);
	T_GE(fd, 3);
	T_OK(ph_lock_release(p, &fd));
	T_OK(rmdir(d));
}

/*
 * S62 (root): a lock file, or a directory, owned by another uid is
 * refused, and the file is neither chmod'ed nor written.
 */
static void
test_s62_foreign_owner(void)
{
	struct stat	st;
	char		p[PATH_MAX], d[PATH_MAX], q[PATH_MAX];

	if (tap_skip_unless_root(14, "needs root"))
		return;
	pathf(p, "theirs.lock");
	T_OK(write_str(p, "theirs\n", 0644));
	T_OK(chown(p, OTHER_UID, OTHER_UID));
	T_EQ(ph_lock_acquire(p, 0), -EPERM);
	T_OK(lstat(p, &st));
	T_EQ(st.st_uid, OTHER_UID);
	T_EQ(st.st_mode & 07777, 0644);
	T_STREQ(read_file(p), "theirs\n");
	T_OK(unlink(p));

	T_OK(subdir(d, "theirdir", q, "x.lock"));
	T_OK(chown(d, OTHER_UID, OTHER_UID));
	T_EQ(ph_lock_acquire(q, 0), -EPERM);
	T_TRUE(!exists(q));
	T_OK(rmdir(d));
}

/* S63: an existing lock file of ours with a loose mode becomes 0600. */
static void
test_s63_mode_tightened(void)
{
	static const mode_t	modes[] = { 0644, 0666, 0640, 04755 };
	char			p[PATH_MAX];
	size_t			i;
	int			fd;

	pathf(p, "loose.lock");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		T_OK(write_str(p, "junk\n", 0600));
		T_OK(chmod(p, modes[i]));
		T_EQ(mode_of(p), modes[i]);
		fd = ph_lock_acquire(p, 0);
		T_GE(fd, 3);
		T_EQ(mode_of(p), 0600);
		T_STREQ(read_file(p), pid_line(getpid()));
		T_OK(ph_lock_release(p, &fd));
	}
}

/*
 * S63, V13 (root): another user cannot even open a 0600 lock file to
 * hold it, in a directory they may search.  In a deliberately loosened
 * variant (the file 0644) they can, and an OFD read lock through a
 * read-only fd keeps us out: the DoS that the 0600 mode prevents.
 */
static void
test_s63_other_user_cannot_hold(void)
{
	struct flock	 fl;
	char		 p[PATH_MAX], *d, c;
	pid_t		 pid;
	int		 fd, ctl[2], res[2], r = 0;

	if (tap_skip_unless_root(13, "needs root"))
		return;
	d = tap_tmpdir();
	T_TRUE(d != NULL);
	if (d == NULL)
		return;
	(void)chmod(d, 0755);			/* searchable, ours */
	snprintf(p, sizeof(p), "%s/x.lock", d);
	fd = ph_lock_acquire(p, 0);
	T_GE(fd, 3);
	close(fd);				/* free, file left 0600 */

	T_OK(pipe2(ctl, O_CLOEXEC));
	T_OK(pipe2(res, O_CLOEXEC));
	if ((pid = fork()) == 0) {
		int	o;

		close(ctl[1]);
		close(res[0]);
		if (setgroups(0, NULL) == -1 ||
		    setresgid(OTHER_UID, OTHER_UID, OTHER_UID) == -1 ||
		    setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == -1)
			_exit(2);
		/* the first open: the file is 0600 and must stay closed */
		o = open(p, O_RDONLY | O_CLOEXEC);
		r = o == -1 ? -errno : 0;
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			_exit(3);
		if (read(ctl[0], &c, 1) != 1)		/* loosened now */
			_exit(4);
		if ((o = open(p, O_RDONLY | O_CLOEXEC)) == -1)
			_exit(5);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		r = fcntl(o, F_OFD_SETLK, &fl) == -1 ? -errno : 0;
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			_exit(6);
		while (read(ctl[0], &c, 1) == -1 && errno == EINTR)
			;
		_exit(0);
	}
	close(ctl[0]);
	close(res[1]);
	r = NO_RESULT;
	if (read(res[0], &r, sizeof(r)) != sizeof(r))
		r = NO_RESULT;
	T_EQ(r, -EACCES);			/* S63: cannot open at all */

	T_OK(chmod(p, 0644));			/* the loosened variant */
	T_EQ(write(ctl[1], "l", 1), 1);
	r = NO_RESULT;
	if (read(res[0], &r, sizeof(r)) != sizeof(r))
		r = NO_RESULT;
	T_EQ(r, 0);			/* a read-only fd took a lock ... */
	T_EQ(ph_lock_acquire(p, 0), -EBUSY);	/* ... and keeps us out */
	tap_diag("S63: a 0644 lock file lets any user hold the lock (V13)");
	close(ctl[1]);
	close(res[0]);
	T_EQ(wait_status(pid), 0);
	fd = ph_lock_acquire(p, 0);		/* and 0600 again */
	T_EQ(mode_of(p), 0600);
	T_OK(ph_lock_release(p, &fd));
	tap_rmtree(d);
	free(d);
}

/* S64: two starters at once, RACE_ROUNDS times: exactly one wins. */
static void
test_s64_race(void)
{
	char	p[PATH_MAX], msg[128];
	pid_t	pid[2];
	int	start[2], res[2], done[2], r[2], round, k, good = 0;

	pathf(p, "race.lock");
	for (round = 0; round < RACE_ROUNDS; round++) {
		if (pipe2(start, O_CLOEXEC) == -1 ||
		    pipe2(res, O_CLOEXEC) == -1 ||
		    pipe2(done, O_CLOEXEC) == -1)
			break;
		for (k = 0; k < 2; k++) {
			if ((pid[k] = fork()) != 0)
				continue;
			{
				int	fd, v;
				char	c;

				close(start[1]);
				close(done[1]);
				close(res[0]);
				while (read(start[0], &c, 1) == -1 &&
				    errno == EINTR)
					;
				fd = ph_lock_acquire(p, 0);
				v = fd < 0 ? fd : 0;
				if (write(res[1], &v, sizeof(v)) != sizeof(v))
					_exit(1);
				while (read(done[0], &c, 1) == -1 &&
				    errno == EINTR)
					;
				/* odd rounds release (unlink), even ones
				 * just exit holding */
				if (fd >= 0 && (round & 1) &&
				    ph_lock_release(p, &fd) != 0)
					_exit(2);
				_exit(0);
			}
		}
		close(start[0]);
		close(res[1]);
		close(done[0]);
		close(start[1]);			/* go */
		r[0] = r[1] = NO_RESULT;
		for (k = 0; k < 2; k++)
			if (read(res[0], &r[k], sizeof(r[k])) != sizeof(r[k]))
				r[k] = NO_RESULT;
		close(res[0]);
		close(done[1]);
		k = (pid[0] > 0 && wait_status(pid[0]) == 0) +
		    (pid[1] > 0 && wait_status(pid[1]) == 0);
		if (k == 2 && ((r[0] == 0 && r[1] == -EBUSY) ||
		    (r[0] == -EBUSY && r[1] == 0)))
			good++;
		else {
			snprintf(msg, sizeof(msg), "round %d: %d and %d",
			    round, r[0], r[1]);
			tap_diag(msg);
		}
	}
	T_EQ(good, RACE_ROUNDS);
	(void)unlink(p);		/* left by a winner that just exited */
}

/*
 * S64: starters that take the lock and release it (unlinking the file
 * while holding, ph_lock_release()) or just close it, over and over,
 * half of them with PH_LOCK_WAIT and half polling without it, are never
 * inside at the same time.  Every failure other than -EBUSY without
 * PH_LOCK_WAIT is a bug, counted by errno: the loser of a race with a
 * release opens the file just before it is unlinked (nlink 0: not a
 * hardlink, S62), and a waiter that wakes on an unlinked inode retries
 * (PH_LOCK_WAIT must not give up while others come and go).
 */
enum { MX_INSIDE, MX_OVERLAP, MX_EMLINK, MX_EAGAIN, MX_OTHER, MX_LAST, MX_N };

static void
mutex_kid(volatile int *shm, const char *p, int block)
{
	int	i, fd, in, tries = 0;

	for (i = 0; i < MUTEX_ROUNDS; i++) {
		while ((fd = ph_lock_acquire(p, block ? PH_LOCK_WAIT : 0)) <
		    0) {
			if (++tries > 1000000)
				_exit(3);
			if (fd == -EBUSY && !block) {
				sched_yield();
				continue;
			}
			__atomic_add_fetch(&shm[fd == -EMLINK ? MX_EMLINK :
			    fd == -EAGAIN ? MX_EAGAIN : MX_OTHER], 1,
			    __ATOMIC_SEQ_CST);
			shm[MX_LAST] = fd;
		}
		in = __atomic_add_fetch(&shm[MX_INSIDE], 1, __ATOMIC_SEQ_CST);
		if (in != 1)
			__atomic_add_fetch(&shm[MX_OVERLAP], 1,
			    __ATOMIC_SEQ_CST);
		if (i % 4 == 0)
			sched_yield();
		__atomic_sub_fetch(&shm[MX_INSIDE], 1, __ATOMIC_SEQ_CST);
		if ((i & 1) ? ph_lock_release(p, &fd) != 0 : close(fd) != 0)
			_exit(2);
	}
	_exit(0);
}

static void
test_s64_mutual_exclusion(void)
{
	volatile int	*shm;
	char		 p[PATH_MAX], msg[160];
	pid_t		 pid[MUTEX_KIDS];
	int		 k, bad = 0;

	pathf(p, "mutex.lock");
	shm = mmap(NULL, MX_N * sizeof(int), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	T_TRUE(shm != MAP_FAILED);
	if (shm == MAP_FAILED)
		return;
	for (k = 0; k < MX_N; k++)
		shm[k] = 0;
	guard(60);
	for (k = 0; k < MUTEX_KIDS; k++)
		if ((pid[k] = fork()) == 0)
			mutex_kid(shm, p, k & 1);
	for (k = 0; k < MUTEX_KIDS; k++)
		if (pid[k] <= 0 || wait_status(pid[k]) != 0)
			bad++;
	alarm(0);
	snprintf(msg, sizeof(msg), "spurious failures: %d -EMLINK, %d "
	    "-EAGAIN, %d other (last %d)", shm[MX_EMLINK], shm[MX_EAGAIN],
	    shm[MX_OTHER], shm[MX_LAST]);
	tap_diag(msg);
	T_EQ(bad, 0);
	T_EQ(shm[MX_OVERLAP], 0);		/* never two inside */
	T_EQ(shm[MX_EMLINK], 0);		/* nlink 0 is no hardlink */
	T_EQ(shm[MX_EAGAIN], 0);		/* PH_LOCK_WAIT gave up */
	T_EQ(shm[MX_OTHER], 0);
	munmap((void *)shm, MX_N * sizeof(int));
	(void)unlink(p);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	tap_start_dir(0700);		/* ph_dir_check() rules */
	TAP_RUN(test_acquire_basic);
	TAP_RUN(test_s65_close_other_fd_keeps_lock);
	TAP_RUN(test_s64_kill9_holder);
	TAP_RUN(test_lock_holder);
	TAP_RUN(test_lock_release);
	TAP_RUN(test_lock_wait);
	TAP_RUN(test_lock_wait_eintr);
	TAP_RUN(test_s62_symlink);
	TAP_RUN(test_s62_fifo);
	TAP_RUN(test_s62_directory);
	TAP_RUN(test_s62_hardlink);
	TAP_RUN(test_s62_open_directory);
	TAP_RUN(test_s62_foreign_owner);
	TAP_RUN(test_s63_mode_tightened);
	TAP_RUN(test_s63_other_user_cannot_hold);
	TAP_RUN(test_s64_race);
	TAP_RUN(test_s64_mutual_exclusion);
	return tap_done();
}
