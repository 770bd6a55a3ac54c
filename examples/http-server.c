/* SPDX-License-Identifier: ISC */
/*
 * http-server.c - example: a small socket-activated HTTP/1.0 server, the
 * program `make demo` runs on port 80 as an unprivileged user.
 *
 *   http-server [-n COUNT]
 *
 * It uses nothing of porthole, on purpose: it is what any program written
 * for systemd socket activation looks like.  It never binds.  It takes
 * the listening TCP socket at fd 3 (SD_LISTEN_FDS_START) when LISTEN_PID
 * is its own pid and LISTEN_FDS is at least 1, as sd_listen_fds(3) does,
 * so `porthole run tcp:127.0.0.1:80 -- http-server` serves port 80 with
 * no privilege at all.
 *
 * GET / (or HEAD /) is answered with a short text/plain page that says
 * which uid serves it and on which address; any other path gets 404, any
 * other method 501.  One request per connection, no keep-alive; the
 * request head is read within REQ_MAX bytes and IO_TIMEOUT seconds, so a
 * client can neither grow the server nor hold it for long.  After COUNT
 * answers (default: no limit) it exits 0.  It prints nothing; errors go
 * to standard error, with exit status 1 (2 for a usage error).
 */
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_FDS_START	3	/* SD_LISTEN_FDS_START */
#define REQ_MAX			4096	/* bytes of request head we read */
#define IO_TIMEOUT		5	/* seconds for a client to talk */
#define DRAIN_MAX		65536	/* bytes read after answering */
#define DRAIN_MS		1000	/* and for at most this long */

static void die(int, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Say what failed (and why, for err != 0) on stderr, and exit 1. */
static void
die(int err, const char *fmt, ...)
{
	va_list	ap;

	(void)fputs("http-server: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err != 0)
		(void)fprintf(stderr, ": %s", strerror(err));
	(void)fputc('\n', stderr);
	exit(1);
}

/* A whole decimal number in [lo, hi], or -1. */
static long
number(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

/*
 * The listening socket we were given, checked as sd_listen_fds(3) and
 * sd_is_socket(3) would: meant for this process (LISTEN_PID, so a socket
 * meant for a parent is not taken by a child), at least one fd, and fd 3
 * a listening stream socket.  Clears LISTEN_* so that nothing we might
 * start takes it again, and makes fd 3 close-on-exec.  Returns 3.
 */
static int
listen_fd(void)
{
	int		type = 0, acc = 0;
	socklen_t	sl;
	long		pid, n;

	pid = number(getenv("LISTEN_PID"), 1, LONG_MAX);
	n = number(getenv("LISTEN_FDS"), 1, INT_MAX - LISTEN_FDS_START);
	if (pid != (long)getpid() || n < 1)
		die(0, "no socket: run me socket-activated, for example "
		    "`porthole run tcp:127.0.0.1:80 -- http-server`");
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");

	sl = sizeof(type);
	if (getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type,
	    &sl) == -1)
		die(errno, "fd %d", LISTEN_FDS_START);
	sl = sizeof(acc);
	if (type != SOCK_STREAM || getsockopt(LISTEN_FDS_START, SOL_SOCKET,
	    SO_ACCEPTCONN, &acc, &sl) == -1 || acc == 0)
		die(0, "fd %d is not a listening stream socket",
		    LISTEN_FDS_START);
	if (fcntl(LISTEN_FDS_START, F_SETFD, FD_CLOEXEC) == -1)
		die(errno, "fd %d", LISTEN_FDS_START);
	return LISTEN_FDS_START;
}

/* The address `fd` listens on, as text ("127.0.0.1:80", "[::1]:80"). */
static void
sock_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl = sizeof(ss);
	char			 a[INET6_ADDRSTRLEN];

	(void)snprintf(buf, len, "an unknown address");
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL)
		(void)snprintf(buf, len, "%s:%u", a,
		    (unsigned)ntohs(sin->sin_port));
	else if (ss.ss_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) != NULL)
		(void)snprintf(buf, len, "[%s]:%u", a,
		    (unsigned)ntohs(sin6->sin6_port));
}

/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
static long long
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all of buf; 0, or -1 when the client went away or stalled. */
static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		/* MSG_NOSIGNAL: a client that left is not a reason to die. */
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read the request head into buf (NUL-terminated), at most len - 1
 * bytes, within IO_TIMEOUT seconds in all (a client dripping a byte at a
 * time cannot hold us).  Returns 1 when the head is complete, 0 when it
 * does not fit, -1 on EOF, error or the deadline.
 */
static int
read_head(int fd, char *buf, size_t len)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	long long	deadline = now_ms() + IO_TIMEOUT * 1000, left;
	size_t		off = 0;
	ssize_t		n;
	int		r;

	buf[0] = '\0';
	while (off < len - 1) {
		if ((left = deadline - now_ms()) <= 0)
			return -1;
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n = recv(fd, buf + off, len - 1 - off, MSG_DONTWAIT);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
		buf[off] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL ||
		    strstr(buf, "\n\n") != NULL)
			return 1;
	}
	return 0;
}

/*
 * Answer one request on `c` (borrowed).  Returns 1 when an answer was
 * sent, 0 when the client left first.
 */
static int
serve(int c, const char *where)
{
	struct passwd	*pw;
	char		 req[REQ_MAX], body[512], head[256], *method, *path;
	char		*save = NULL;
	const char	*status = "200 OK";
	int		 hn, bn, r, head_only = 0;

	r = read_head(c, req, sizeof(req));
	if (r < 0)
		return 0;
	method = r > 0 ? strtok_r(req, " \r\n", &save) : NULL;
	path = method != NULL ? strtok_r(NULL, " \r\n", &save) : NULL;
	if (r == 0)
		status = "400 Bad Request";
	else if (method == NULL || path == NULL)
		status = "400 Bad Request";
	else if (strcmp(method, "HEAD") == 0)
		head_only = 1;
	else if (strcmp(method, "GET") != 0)
		status = "501 Not Implemented";
	if (status[0] == '2' && strcmp(path, "/") != 0)
		status = "404 Not Found";

	if (status[0] == '2') {
		/* getpwuid() may fail (no entry): the uid says enough. */
		pw = getpwuid(getuid());
		bn = snprintf(body, sizeof(body),
		    "Hello from http-server, running as uid %u (%s), pid %ld.\n"
		    "It serves %s without binding it: porthole got the\n"
		    "socket, and `porthole run` handed it over at fd %d\n"
		    "(socket activation).\n",
		    (unsigned)getuid(), pw != NULL ? pw->pw_name : "no name",
		    (long)getpid(), where, LISTEN_FDS_START);
	} else
		bn = snprintf(body, sizeof(body), "%s\n", status);
	if (bn < 0 || (size_t)bn >= sizeof(body))
		die(0, "page too long");
	hn = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Length: %d\r\n"
	    "Connection: close\r\n\r\n", status, bn);
	if (hn < 0 || (size_t)hn >= sizeof(head))
		die(0, "header too long");
	if (send_all(c, head, (size_t)hn) == -1 ||
	    (!head_only && send_all(c, body, (size_t)bn) == -1))
		return 0;
	return 1;
}

/*
 * Close a connection without losing the answer: a close with unread
 * input sends a reset, which may destroy what the client has not read
 * yet.  So say we are done, then read what the client still sends until
 * it closes too, at most DRAIN_MAX bytes for at most DRAIN_MS (a client
 * dripping bytes cannot hold us).  Consumes `c`.
 */
static void
finish(int c)
{
	struct pollfd	pfd = { .fd = c, .events = POLLIN };
	char		buf[1024];
	size_t		total = 0;
	long long	deadline = now_ms() + DRAIN_MS, left;
	ssize_t		n;
	int		r;

	(void)shutdown(c, SHUT_WR);
	while (total < DRAIN_MAX && (left = deadline - now_ms()) > 0) {
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;		/* the deadline, or an error */
		n = recv(c, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	(void)close(c);
}

int
main(int argc, char **argv)
{
	struct sigaction	sa;
	struct timeval	tv = { IO_TIMEOUT, 0 };
	char		where[INET6_ADDRSTRLEN + 16];
	long		count = -1, answered = 0;
	int		lfd = -1, c = -1, opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		switch (opt) {
		case 'n':
			if ((count = number(optarg, 1, LONG_MAX)) < 0) {
				(void)fprintf(stderr, "http-server: -n takes "
				    "a number of requests, at least 1\n");
				return 2;
			}
			break;
		default:
			(void)fprintf(stderr,
			    "usage: http-server [-n COUNT]\n");
			return 2;
		}
	}
	if (optind != argc) {
		(void)fprintf(stderr, "usage: http-server [-n COUNT]\n");
		return 2;
	}
	/* Belt and braces with MSG_NOSIGNAL: no write may kill us. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		die(errno, "SIGPIPE");
	lfd = listen_fd();
	sock_name(lfd, where, sizeof(where));

	while (count < 0 || answered < count) {
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c == -1) {
			/* A connection that died while queued, or a signal:
			 * not our failure.  Anything else is. */
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			die(errno, "accept");
		}
		/* Reads have deadlines; a write may block IO_TIMEOUT. */
		if (setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv)) == -1) {
			(void)close(c);
			continue;
		}
		if (serve(c, where))
			answered++;
		finish(c);
	}
	return 0;
}
