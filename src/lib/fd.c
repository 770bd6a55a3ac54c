/* SPDX-License-Identifier: ISC */
/*
 * fd.c - fd ownership helpers: closing, telling what an fd is without
 * touching it (S42), closing fds found in control messages (S39), and
 * small shared utilities (random names, whole-file writes).
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"

/*
 * musl before 1.2.5 has no statx() wrapper, struct statx or STATX_*
 * (glibc and newer musl define STATX_TYPE in <sys/stat.h>): there we make
 * the system call ourselves, with the kernel's struct.  <linux/stat.h> is
 * only included then, because it clashes with a libc that defines the
 * struct itself.  (Its S_IF* macros repeat musl's values.)
 */
#ifndef STATX_TYPE
#include <sys/syscall.h>
#include <linux/stat.h>

static int
statx(int dfd, const char *path, int flags, unsigned int mask,
    struct statx *buf)
{
	return (int)syscall(SYS_statx, dfd, path, flags, mask, buf);
}
#endif

/* Close *fdp if open and set it to -1.  Never fails; preserves errno. */
PH_EXPORT void
ph_fd_close(int *fdp)
{
	int	saved_errno = errno;

	if (*fdp >= 0)
		(void)close(*fdp);	/* Linux frees the fd even on EINTR */
	*fdp = -1;
	errno = saved_errno;
}

/*
 * The library's own close, for fds it created.  House style has this
 * assert fd > 2 (libuv's uv__close); we do not: a process started with
 * fd 0, 1 or 2 closed gets the library's next fd there, and that fd is
 * ours to close.  Aborting a caller for its start-up state would be worse.
 */
void
ph__fd_close(int *fdp)
{
	ph_fd_close(fdp);
}

/*
 * Close every fd an SCM_RIGHTS message carries.  The fd count comes from
 * cmsg_len, which the kernel set; a non-SCM_RIGHTS message holds none.
 */
void
ph__cmsg_close_fds(const struct cmsghdr *c)
{
	const unsigned char	*p;
	size_t			 i, n;
	int			 fd;

	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len < CMSG_LEN(0))
		return;
	n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	p = CMSG_DATA(c);
	for (i = 0; i < n; i++) {
		memcpy(&fd, p + i * sizeof(int), sizeof(fd));
		if (fd >= 0)
			(void)close(fd);
	}
}

/*
 * ph_fd_info() - tell what `fd` (borrowed) is without reading, writing
 * or opening it (S42).  Sockets are asked through getsockopt(), which has
 * no filesystem side; anything else through statx(AT_STATX_DONT_SYNC), so
 * an fd on a hung FUSE mount answers from cached attributes.
 * Returns 0, or -EBADF for a closed fd, or another negative errno.
 */
PH_EXPORT int
ph_fd_info(int fd, struct ph_fdinfo *ret_info)
{
	struct ph_fdinfo	 fi;
	struct statx		 stx;
	socklen_t		 sl;
	int			 v;

	memset(&fi, 0, sizeof(fi));
	if (fd < 0)
		return -EBADF;
	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &sl) == 0) {
		fi.kind = PH_FD_SOCKET;
		fi.family = v;
		sl = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &sl) == -1)
			return -errno;
		fi.type = v;
		sl = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &sl) == -1)
			return -errno;
		fi.protocol = v;
		sl = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &sl) == 0)
			fi.listening = v != 0;
		*ret_info = fi;
		return 0;
	}
	/* getsockopt() refuses an O_PATH fd with EBADF: if the fd is
	 * open, it is no socket fd, so ask statx() below. */
	if (errno == EBADF && fcntl(fd, F_GETFD) == -1)
		return -EBADF;
	if (errno != ENOTSOCK && errno != EBADF)
		return -errno;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE,
	    &stx) == -1)
		return -errno;
	switch (stx.stx_mode & S_IFMT) {
	case S_IFIFO:
		fi.kind = PH_FD_FIFO;
		break;
	case S_IFREG:
		fi.kind = PH_FD_REGULAR;
		break;
	case S_IFDIR:
		fi.kind = PH_FD_DIRECTORY;
		break;
	case S_IFCHR:
		fi.kind = PH_FD_CHARDEV;
		break;
	case S_IFBLK:
		fi.kind = PH_FD_BLOCKDEV;
		break;
	default:
		fi.kind = PH_FD_OTHER;
		break;
	}
	*ret_info = fi;
	return 0;
}

/*
 * Write 2*nbytes lowercase hex characters and a NUL to buf, from the
 * kernel's CSPRNG.  getrandom() without GRND_NONBLOCK only blocks before
 * the pool is initialised at boot, which is the right behaviour for names
 * that must not be guessable.  Returns 0 or a negative errno.
 */
int
ph__random_hex(char *buf, size_t nbytes)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 rnd[32];
	size_t			 i, got = 0;
	ssize_t			 n;

	if (nbytes > sizeof(rnd))
		return -EINVAL;
	while (got < nbytes) {
		n = getrandom(rnd + got, nbytes - got, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	for (i = 0; i < nbytes; i++) {
		buf[2 * i] = hex[rnd[i] >> 4];
		buf[2 * i + 1] = hex[rnd[i] & 0xf];
	}
	buf[2 * nbytes] = '\0';
	return 0;
}

/*
 * Replace the contents of the regular file `fd` (borrowed) with buf.
 * Returns 0 or a negative errno.
 */
int
ph__write_file(int fd, const char *buf, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	if (ftruncate(fd, 0) == -1)
		return -errno;
	while (off < len) {
		n = pwrite(fd, buf + off, len - off, (off_t)off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		off += (size_t)n;
	}
	return 0;
}
