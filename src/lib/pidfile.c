/* SPDX-License-Identifier: ISC */
/*
 * pidfile.c - pid files written atomically (a temporary file renamed into
 * place, never following a symlink) in directories checked not to be
 * writable by others (S62, S67), and read back with a strict grammar
 * (S68).  A pid file is information; liveness belongs to locks (S64).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"

/* The kernel's PID_MAX_LIMIT (2^22): pid_max can never exceed it. */
#define PID_LIMIT	4194304L
#define PIDFILE_MAX	16		/* "4194304\n" and room to spare */

/*
 * ph_pid_parse() - parse `len` bytes as a pid: decimal digits without a
 * sign or leading zero, optionally one trailing newline, nothing else,
 * 2 <= pid <= 4194304 (S68: never 0, -1 or 1, which kill() would treat
 * as a group, everyone, or init).  Returns 0 and *ret_pid, or -EINVAL.
 * Pure function: no I/O, thread-safe.
 */
PH_EXPORT int
ph_pid_parse(const char *buf, size_t len, pid_t *ret_pid)
{
	long	v = 0;
	size_t	i;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len > 7 || buf[0] == '0')
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		v = v * 10 + (buf[i] - '0');
	}
	if (v < 2 || v > PID_LIMIT)
		return -EINVAL;
	*ret_pid = (pid_t)v;
	return 0;
}

/*
 * ph_pidfile_write() - write `pid` (0: our own) and a newline to `path`,
 * atomically: a new temporary file (O_EXCL | O_NOFOLLOW, mode 0644 set on
 * the fd whatever the umask) renamed over `path`.  rename() replaces a
 * symlink planted at `path` instead of following it.  The directory must
 * pass ph_dir_check() (S67).  Returns 0 or a negative errno; on failure
 * the temporary file is removed and `path` is unchanged.
 */
PH_EXPORT int
ph_pidfile_write(const char *path, pid_t pid)
{
	const char	*name;
	char		 rnd[17], tmp[64], buf[PIDFILE_MAX];
	int		 dfd = -1, fd = -1, r, n, made = 0;

	if (pid == 0)
		pid = getpid();
	if (pid < 2 || pid > PID_LIMIT)	/* what ph_pid_parse() accepts */
		return -EINVAL;
	if ((r = ph__open_parent(path, &dfd, &name)) < 0)
		return r;
	if ((r = ph_dir_check(dfd, 0)) < 0)
		goto out;
	if ((r = ph__random_hex(rnd, 8)) < 0)
		goto out;
	(void)snprintf(tmp, sizeof(tmp), ".pidfile.%s", rnd);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		r = -errno;
		goto out;
	}
	made = 1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	if ((r = ph__write_file(fd, buf, (size_t)n)) < 0)
		goto out;
	if (fchmod(fd, 0644) == -1) {
		r = -errno;
		goto out;
	}
	if (renameat(dfd, tmp, dfd, name) == -1) {
		r = -errno;
		goto out;
	}
	made = 0;
	r = 0;
 out:
	if (made)
		(void)unlinkat(dfd, tmp, 0);
	ph__fd_close(&fd);
	ph__fd_close(&dfd);
	return r;
}

/*
 * ph_pidfile_read() - read the pid in `path`: a regular file (opened with
 * O_NOFOLLOW | O_NONBLOCK, so neither a symlink nor a FIFO is followed or
 * waited on), owned by root or by us and writable by no one else (S67: a
 * pid someone else could write is not trusted), parsed by ph_pid_parse().
 * Returns 0 and *ret_pid, or a negative errno: -EINVAL for a bad type or
 * content, -EPERM for a foreign owner or a group/other-writable file.
 */
PH_EXPORT int
ph_pidfile_read(const char *path, pid_t *ret_pid)
{
	struct stat	st;
	char		buf[PIDFILE_MAX + 1];
	ssize_t		n;
	int		fd = -1, r;

	if ((fd = ph__open_regular(AT_FDCWD, path, O_RDONLY, &st)) < 0)
		return fd;
	/* S67: whoever could write it could choose the pid we act on. */
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		r = -EPERM;
		goto out;
	}
	do
		n = pread(fd, buf, sizeof(buf), 0);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		r = -errno;
		goto out;
	}
	if ((size_t)n > PIDFILE_MAX) {
		r = -EINVAL;
		goto out;
	}
	r = ph_pid_parse(buf, (size_t)n, ret_pid);
 out:
	ph__fd_close(&fd);
	return r;
}
