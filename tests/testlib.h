/* SPDX-License-Identifier: ISC */
/*
 * testlib.h - what the unit tests, the test helpers and the fuzzers used
 * to copy: a per-program directory ($T) and paths in it, small file
 * helpers that never follow a symlink or wait on a FIFO, child status,
 * a monotonic clock, a hang guard, a "setup failed" exit for the helper
 * programs, and sockets on loopback.  Header-only, every function static
 * inline so that a program pays only for what it calls.
 *
 * tap.h (included first by the unit tests) adds TAP on top; the helpers
 * in tests/helpers/ and fuzz/ include this one alone.
 */
#ifndef PH_TESTLIB_H
#define PH_TESTLIB_H

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <linux/filter.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The per-program test directory (tap_tmpdir()); pathf() names in it. */
static char	*T __attribute__((unused));

/* buf (PATH_MAX bytes) = "$T/name". */
static inline void
pathf(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", T, name);
}

/* d = "$T/name", made (0700); p = "$T/name/leaf".  mkdir()'s result. */
static inline int
subdir(char *d, const char *name, char *p, const char *leaf)
{
	pathf(d, name);
	snprintf(p, PATH_MAX, "%s/%s", d, leaf);
	return mkdir(d, 0700);
}

/* The exit status of pid, 128 + signal if killed; -1 if not waitable. */
static inline int
wait_status(pid_t pid)
{
	int	st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline long long
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Write len bytes to path, created or truncated, then fchmod to mode
 * (whatever the umask); never through a planted symlink.  0 or -1.
 */
static inline int
write_file(const char *path, const char *s, size_t len, mode_t mode)
{
	int	fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1)
		return -1;
	ok = write(fd, s, len) == (ssize_t)len && fchmod(fd, mode) == 0;
	close(fd);
	return ok ? 0 : -1;
}

/* write_file() of a C string. */
static inline int
write_str(const char *path, const char *s, mode_t mode)
{
	return write_file(path, s, strlen(s), mode);
}

/*
 * The file's content (up to 63 bytes) in a static buffer; "" on error.
 * No symlink followed, no wait on a FIFO.
 */
static inline const char *
read_file(const char *path)
{
	static char	buf[64];
	ssize_t		n;
	int		fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* "PID\n" as a pid file holds it, in a static buffer. */
static inline const char *
pid_line(pid_t pid)
{
	static char	buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	return buf;
}

/* The permission bits of path itself (not a symlink's target). */
static inline mode_t
mode_of(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static inline int
exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

/* Entries in dir whose names start with prefix ("" counts all); -1. */
static inline int
count_entries(const char *dir, const char *prefix)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0 &&
		    strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/*
 * A hung call must fail the program, not stall it (S62, S63): guard(n)
 * arms SIGALRM for n seconds; when it fires, the program prints one
 * "not ok" line naming what hung (guard_what, set by the caller or by
 * tap.h to the running case) and exits 1.  Only async-signal-safe calls.
 */
static const char	*guard_what = "a guarded call";

static inline void
on_hang(int sig)
{
	static const char	pre[] = "not ok - ";
	static const char	post[] = " hung (alarm)\n";

	(void)sig;
	if (write(STDOUT_FILENO, pre, sizeof(pre) - 1) < 0 ||
	    write(STDOUT_FILENO, guard_what, strlen(guard_what)) < 0 ||
	    write(STDOUT_FILENO, post, sizeof(post) - 1) < 0)
		_exit(2);
	_exit(1);
}

static inline void
guard(unsigned int seconds)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hang;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
}

/* An errno's name ("EADDRINUSE"), or "E<number>" for one not listed. */
static inline const char *
ename(int e)
{
	static const struct {
		int		 e;
		const char	*name;
	} names[] = {
		{ EPERM, "EPERM" }, { EACCES, "EACCES" }, { ENOENT, "ENOENT" },
		{ EINVAL, "EINVAL" }, { EADDRINUSE, "EADDRINUSE" },
		{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { EISCONN, "EISCONN" },
		{ ENOTCONN, "ENOTCONN" }, { EINTR, "EINTR" },
		{ EPIPE, "EPIPE" },
		{ ECHILD, "ECHILD" }, { ECONNREFUSED, "ECONNREFUSED" },
		{ ECONNRESET, "ECONNRESET" }, { EAGAIN, "EAGAIN" },
		{ EBADF, "EBADF" }, { ENOTSOCK, "ENOTSOCK" },
		{ EAFNOSUPPORT, "EAFNOSUPPORT" },
		{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
		{ ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EBADMSG, "EBADMSG" },
		{ EPROTO, "EPROTO" }, { EMSGSIZE, "EMSGSIZE" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { ENOMEM, "ENOMEM" },
		{ ENOBUFS, "ENOBUFS" }, { ENODEV, "ENODEV" },
		{ EMFILE, "EMFILE" },
		{ ENETUNREACH, "ENETUNREACH" },
	};
	static __thread char	buf[32];	/* ph-bindtest: threads */
	size_t			i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	(void)snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/*
 * The helper programs' "could not even set up" exit: one line
 * setup-error=WHAT: strerror(errno) on stdout, exit 3, which the scripts
 * tell apart from a verdict.
 */
static inline void __attribute__((noreturn))
setup_fail(const char *what)
{
	printf("setup-error=%s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(3);
}

/*
 * A forked child says "ready" (one byte on fd) and waits to be killed;
 * the parent's wait_ready(sync) closes the write end and is 1 once the
 * byte came (0 if the child died first).
 */
static inline void __attribute__((noreturn))
ready_then_pause(int fd)
{
	if (write(fd, "r", 1) != 1)
		_exit(4);
	pause();
	_exit(0);
}

static inline int
wait_ready(int sync[2])
{
	ssize_t	n;
	char	c;

	close(sync[1]);
	n = read(sync[0], &c, 1);
	close(sync[0]);
	return n == 1;
}

/* ---- sockets ----------------------------------------------------- */

/* The kernel's numbers, for C library headers that lack them. */
#if !defined(SO_LOCK_FILTER)
#define SO_LOCK_FILTER	44
#endif
#if !defined(SO_GET_FILTER)
#define SO_GET_FILTER	SO_ATTACH_FILTER
#endif
#if !defined(IPPROTO_MPTCP)
#define IPPROTO_MPTCP	262
#endif
#if !defined(IPPROTO_UDPLITE)
#define IPPROTO_UDPLITE	136
#endif

/*
 * The filter the broker locks on every TCP grant (S49): drop SYN|ACK.
 * Written out here as the kernel's numbers, not taken from src/broker/,
 * so that the tests and the fuzzer compare the broker's filter against
 * an independent copy.
 */
static const struct sock_filter	synack_drop[] __attribute__((unused)) = {
	{ 0x30, 0, 0, 13 },		/* ld b[13]: the TCP flags */
	{ 0x54, 0, 0, 0x12 },		/* and #SYN|ACK */
	{ 0x15, 0, 1, 0x12 },		/* jeq #SYN|ACK: drop, else keep */
	{ 0x06, 0, 0, 0 },		/* ret #0: dropped */
	{ 0x06, 0, 0, 0xffffffffU },	/* ret #-1: all of it */
};
#define SYNACK_LEN	(sizeof(synack_drop) / sizeof(synack_drop[0]))

/*
 * The port fd is bound to (host order), 0 if unbound; -1 on error or if
 * fd is not an inet socket.  ss gets the whole address.
 */
static inline int
port_of_ss(int fd, struct sockaddr_storage *ss)
{
	socklen_t	sl = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (fd < 0 || getsockname(fd, (struct sockaddr *)ss, &sl) == -1)
		return -1;
	if (ss->ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)ss)->sin6_port);
	return -1;
}

static inline int
port_of(int fd)
{
	struct sockaddr_storage	ss;

	return port_of_ss(fd, &ss);
}

/*
 * Send len bytes (0 allowed) and one SOL_SOCKET control message of the
 * given type (SCM_RIGHTS, SCM_CREDENTIALS) carrying dlen bytes of data
 * (none when dlen is 0), in one sendmsg() written by hand so that tests
 * do not depend on the code under test.  sendmsg()'s result.
 */
static inline ssize_t
send_cmsg(int sock, const void *buf, size_t len, int type, const void *data,
    size_t dlen, int flags)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(256 * sizeof(int))];
	} ctl;
	struct iovec	 iov = { (void *)buf, len };
	struct msghdr	 msg;
	struct cmsghdr	*c;

	if (dlen > 256 * sizeof(int)) {
		errno = EINVAL;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (dlen > 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(dlen);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = type;
		c->cmsg_len = CMSG_LEN(dlen);
		memcpy(CMSG_DATA(c), data, dlen);
	}
	return sendmsg(sock, &msg, flags);
}

/*
 * One recvmsg() by hand of one byte, with ctllen bytes (at most room for
 * 256 fds) for control messages: each fd that arrives is closed and
 * counted in *ret_arrived; *ret_ctrunc tells whether MSG_CTRUNC was set.
 * recvmsg()'s result.
 */
static inline ssize_t
recv_close_fds(int s, size_t ctllen, int *ret_ctrunc, size_t *ret_arrived)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(256 * sizeof(int))];
	} ctl;
	struct msghdr	 msg;
	struct cmsghdr	*c;
	char		 ch;
	struct iovec	 iov = { &ch, 1 };
	ssize_t		 r;
	size_t		 i, n = 0;
	int		 fd;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = ctllen < sizeof(ctl.buf) ? ctllen :
	    sizeof(ctl.buf);
	r = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
	for (c = CMSG_FIRSTHDR(&msg); r >= 0 && c != NULL;
	    c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (i = 0; i < (c->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int); i++) {
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
				    sizeof(fd));
				close(fd);
				n++;
			}
	*ret_ctrunc = r >= 0 && (msg.msg_flags & MSG_CTRUNC) != 0;
	*ret_arrived = n;
	return r;
}

/* n fds (none when n is 0) with len bytes, by send_cmsg(). */
static inline ssize_t
send_fds(int sock, const void *buf, size_t len, const int *fds, int n,
    int flags)
{
	return send_cmsg(sock, buf, len, SCM_RIGHTS, fds,
	    n > 0 ? (size_t)n * sizeof(int) : 0, flags);
}

/*
 * A connection of the given type to the unix socket at path: the fd,
 * or -1 with errno (ENAMETOOLONG when path does not fit) and *ret_what
 * the step that failed ("socket" or "connect").
 */
static inline int
unix_connect(const char *path, int type, const char **ret_what)
{
	struct sockaddr_un	sun;
	int			s, e;

	*ret_what = "socket";
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		close(s);
		errno = e;
		*ret_what = "connect";
		return -1;
	}
	return s;
}

/*
 * Whether this process may attach a socket filter (SO_ATTACH_FILTER of
 * synack_drop on a fresh TCP socket): on Linux 6.18 it needs
 * CAP_NET_ADMIN, and the broker grants TCP only with it.
 */
static inline int
can_attach_filter(void)
{
	struct sock_fprog	p = { (unsigned short)SYNACK_LEN,
				    (struct sock_filter *)synack_drop };
	int			s, ok;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof(p)) == 0;
	close(s);
	return ok;
}

/* An int socket option's value, -1 on error. */
static inline int
getint(int fd, int level, int opt)
{
	socklen_t	l = sizeof(int);
	int		v = -1;

	if (getsockopt(fd, level, opt, &v, &l) == -1)
		return -1;
	return v;
}

static inline int
setint(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v));
}

/*
 * rm -r of at/name without a shell and without following a symlink:
 * every directory is opened O_NOFOLLOW|O_DIRECTORY relative to its
 * parent, so a link planted anywhere below is removed, never entered.
 * 0, or -1 if anything stayed.
 */
static inline int
rmtree_at(int at, const char *name)
{
	DIR		*d;
	struct dirent	*e;
	int		 fd, rc = 0;

	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	(void)fchmod(fd, 0700);	/* a test may have made it 0500 */
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0 &&
		    rmtree_at(dirfd(d), e->d_name) == -1)
			rc = -1;
	closedir(d);
	if (unlinkat(at, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		rc = -1;
	return rc;
}

#endif /* PH_TESTLIB_H */
