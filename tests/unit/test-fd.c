/* SPDX-License-Identifier: ISC */
/*
 * test-fd.c - fd ownership helpers: ph_fd_close() and ph_fd_info().
 *
 * ph_fd_close() closes, sets the caller's variable to -1 and keeps errno,
 * also when close() fails or there is nothing to close.  ph_fd_info()
 * names every kind of fd a peer could hand us - sockets of each family,
 * type and state, FIFOs, files, directories, devices and O_PATH fds -
 * without reading from it (S42): data queued in a FIFO or a socket is
 * still there afterwards, and a file's offset has not moved.  Directory
 * and O_PATH fds must be recognised, or a caller cannot refuse them
 * (S43).  On error the output is left as it was.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "tap.h"

/* Fill every field with a sentinel, so that a field not written shows. */
static void
info_poison(struct ph_fdinfo *fi)
{
	fi->kind = -7;
	fi->family = -7;
	fi->type = -7;
	fi->protocol = -7;
	fi->listening = -7;
}

static int
info_is_poison(const struct ph_fdinfo *fi)
{
	return fi->kind == -7 && fi->family == -7 && fi->type == -7 &&
	    fi->protocol == -7 && fi->listening == -7;
}

/*
 * A non-socket: kind as given, every socket field 0.  `what` names the
 * case in the TAP output.  A failure must leave the output untouched.
 */
static void
check_plain(int fd, int kind, const char *what)
{
	struct ph_fdinfo	fi;
	int			r;

	tap_diag(what);
	info_poison(&fi);
	r = ph_fd_info(fd, &fi);
	T_EQ(r, 0);
	if (r != 0) {
		T_TRUE(info_is_poison(&fi));
		return;
	}
	T_EQ(fi.kind, kind);
	T_EQ(fi.family, 0);
	T_EQ(fi.type, 0);
	T_EQ(fi.protocol, 0);
	T_EQ(fi.listening, 0);
}

static void
test_close(void)
{
	int	fd, saved;

	/* an open fd: closed, set to -1, errno kept */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	T_GE(fd, 3);
	saved = fd;
	errno = EINTR;
	ph_fd_close(&fd);
	T_EQ(fd, -1);
	T_EQ(errno, EINTR);
	T_EQ(fcntl(saved, F_GETFD), -1);	/* really closed */
	T_EQ(errno, EBADF);

	/* -1: nothing to do, errno kept */
	errno = ENOENT;
	ph_fd_close(&fd);
	T_EQ(fd, -1);
	T_EQ(errno, ENOENT);

	/* an fd number that is not open: close() fails, errno still kept */
	fd = saved;
	errno = EAGAIN;
	ph_fd_close(&fd);
	T_EQ(fd, -1);
	T_EQ(errno, EAGAIN);

	/* any negative value is "nothing to close" */
	fd = -7;
	errno = EPERM;
	ph_fd_close(&fd);
	T_EQ(fd, -1);
	T_EQ(errno, EPERM);
}

/* fd is named an AF_UNIX socket of that type, listening or not. */
static void
check_unix_socket(int fd, int type, int listening)
{
	struct ph_fdinfo	fi;

	info_poison(&fi);
	T_OK(ph_fd_info(fd, &fi));
	T_EQ(fi.kind, PH_FD_SOCKET);
	T_EQ(fi.family, AF_UNIX);
	T_EQ(fi.type, type);
	T_EQ(fi.protocol, 0);
	T_EQ(fi.listening, listening);
}

/* S42: a socket is named by getsockopt(); queued data stays queued. */
static void
test_s42_unix_stream(void)
{
	int			sp[2];
	char			buf[8];

	T_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	T_EQ(write(sp[0], "abc", 3), 3);
	check_unix_socket(sp[1], SOCK_STREAM, 0);
	/* nothing was read */
	T_EQ(recv(sp[1], buf, sizeof(buf), MSG_DONTWAIT), 3);
	T_TRUE(memcmp(buf, "abc", 3) == 0);
	tap_close_all(sp, 2);
}

static void
test_unix_seqpacket(void)
{
	int			sp[2];

	T_OK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp));
	check_unix_socket(sp[0], SOCK_SEQPACKET, 0);
	tap_close_all(sp, 2);
}

/* S44: a listening socket is told apart from a connected one. */
static void
test_s44_listening(void)
{
	struct ph_fdinfo	fi;
	sa_family_t		af = AF_UNIX;
	int			fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_GE(fd, 3);
	/* autobind to an abstract name: no file, no clash */
	T_OK(bind(fd, (struct sockaddr *)&af, sizeof(af)));
	info_poison(&fi);
	T_OK(ph_fd_info(fd, &fi));
	T_EQ(fi.listening, 0);		/* bound, not listening */
	T_OK(listen(fd, 1));
	check_unix_socket(fd, SOCK_STREAM, 1);
	ph_fd_close(&fd);
}

static void
test_udp_inet(void)
{
	struct ph_fdinfo	fi;
	int			fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		tap_skip(6, "no AF_INET sockets here");
		return;
	}
	info_poison(&fi);
	T_OK(ph_fd_info(fd, &fi));
	T_EQ(fi.kind, PH_FD_SOCKET);
	T_EQ(fi.family, AF_INET);
	T_EQ(fi.type, SOCK_DGRAM);
	T_EQ(fi.protocol, IPPROTO_UDP);		/* 17 */
	T_EQ(fi.listening, 0);
	ph_fd_close(&fd);
}

/*
 * S42: a FIFO is named without reading it: the bytes written before
 * ph_fd_info() are all still there after it.
 */
static void
test_s42_fifo_not_consumed(void)
{
	char	p[PATH_MAX], buf[8];
	int	fd, n = -1;

	pathf(p, "fifo");
	T_OK(mkfifo(p, 0600));
	/* O_RDWR: a FIFO open for both ends does not block (Linux) */
	fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	T_GE(fd, 3);
	T_EQ(write(fd, "abc", 3), 3);
	check_plain(fd, PH_FD_FIFO, "fifo");
	T_OK(ioctl(fd, FIONREAD, &n));
	T_EQ(n, 3);				/* nothing consumed */
	T_EQ(read(fd, buf, sizeof(buf)), 3);
	T_TRUE(memcmp(buf, "abc", 3) == 0);
	ph_fd_close(&fd);
	T_OK(unlink(p));
}

/* S42: a regular file; its offset does not move. */
static void
test_s42_regular(void)
{
	char	p[PATH_MAX];
	int	fd;

	pathf(p, "file");
	fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	T_GE(fd, 3);
	T_EQ(write(fd, "hello", 5), 5);
	T_EQ(lseek(fd, 2, SEEK_SET), 2);
	check_plain(fd, PH_FD_REGULAR, "regular file");
	T_EQ(lseek(fd, 0, SEEK_CUR), 2);
	ph_fd_close(&fd);
	T_OK(unlink(p));
}

/* A file opened with flags is named kind by ph_fd_info(), and kept. */
static void
check_opened(const char *path, int flags, int kind, const char *what)
{
	int	fd;

	fd = open(path, flags);
	T_GE(fd, 3);
	check_plain(fd, kind, what);
	ph_fd_close(&fd);
}

/* S43: a directory fd is recognised, so it can be refused. */
static void
test_s43_directory(void)
{
	check_opened(T, O_RDONLY | O_DIRECTORY | O_CLOEXEC, PH_FD_DIRECTORY,
	    "directory");
}

static void
test_chardev(void)
{
	check_opened("/dev/null", O_RDWR | O_CLOEXEC, PH_FD_CHARDEV,
	    "/dev/null");
}

/*
 * S43: O_PATH fds.  They cannot be read or written, but an O_PATH fd of
 * a directory resolves paths like any directory fd, so ph_fd_info() must
 * name them rather than fail.  The man page and porthole.h promise
 * PH_FD_OTHER for a symlink opened with O_PATH|O_NOFOLLOW.
 */
static void
test_s43_opath(void)
{
	char	p[PATH_MAX];

	pathf(p, "link");
	T_OK(symlink("/nonexistent", p));
	check_opened(p, O_PATH | O_NOFOLLOW | O_CLOEXEC, PH_FD_OTHER,
	    "O_PATH|O_NOFOLLOW symlink");
	T_OK(unlink(p));

	check_opened(T, O_PATH | O_DIRECTORY | O_CLOEXEC, PH_FD_DIRECTORY,
	    "O_PATH directory");
}

/* A closed fd and a negative one: -EBADF, output untouched. */
static void
test_closed_fd(void)
{
	struct ph_fdinfo	fi;
	int			fd;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	T_GE(fd, 3);
	T_OK(close(fd));
	info_poison(&fi);
	T_EQ(ph_fd_info(fd, &fi), -EBADF);
	T_TRUE(info_is_poison(&fi));
	T_EQ(ph_fd_info(-1, &fi), -EBADF);
	T_TRUE(info_is_poison(&fi));
	T_EQ(ph_fd_info(INT_MAX, &fi), -EBADF);
	T_TRUE(info_is_poison(&fi));
}

int
main(void)
{
	tap_start_dir(0);
	TAP_RUN(test_close);
	TAP_RUN(test_s42_unix_stream);
	TAP_RUN(test_unix_seqpacket);
	TAP_RUN(test_s44_listening);
	TAP_RUN(test_udp_inet);
	TAP_RUN(test_s42_fifo_not_consumed);
	TAP_RUN(test_s42_regular);
	TAP_RUN(test_s43_directory);
	TAP_RUN(test_chardev);
	TAP_RUN(test_s43_opath);
	TAP_RUN(test_closed_fd);
	return tap_done();
}
