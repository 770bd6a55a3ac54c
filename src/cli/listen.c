/* SPDX-License-Identifier: ISC */
/*
 * listen.c - porthole listen [OPTIONS] -- PROGRAM [ARG...]: serve a Unix
 * stream socket and run PROGRAM once per allowed connection, with the
 * connection as its standard input and output and the environment of
 * ucspi-unix's unixserver, so that ucspi and s6 scripts work unchanged.
 *
 * Who may connect is decided from the kernel's credentials of the peer
 * (SO_PEERCRED, SO_PEERGROUPS), right after accept() and before a byte is
 * read (S31, S36); a refused peer costs one accept, one getsockopt (two
 * with -G) and one close.  One process, one poll() loop: signals arrive through a signalfd
 * (no work in handlers), children are reaped there, and their lifetimes
 * are kept on CLOCK_MONOTONIC.  Nothing a child does can block the
 * listener: the server never reads from or writes to a connection.
 *
 * Exit: 0 after SIGTERM, SIGINT or SIGHUP (socket, lock and private
 * directory removed), 1 on failure, 2 on a usage error, and at start 126
 * or 127 when PROGRAM cannot be run or is not found (as env(1)).
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "porthole.h"
#include "cli.h"

/*
 * Defaults (documented in --help).  40 connections in all and 8 per uid,
 * the -c and -C of s6-ipcserver (S80): one allowed user cannot take
 * every slot.  A connection lives at most an hour unless -t
 * says otherwise (S81): long enough for any request/response protocol,
 * and an idle client cannot hold its slot for ever.
 */
#define DEF_MAXCONN	40
#define DEF_MAXPERUID	8
#define DEF_LIFETIME	3600		/* seconds; 0: unlimited */
#define MAXCONN_LIMIT	65535
#define LIFETIME_LIMIT	999999999UL	/* about 31 years */
#define KILL_GRACE_MS	2000		/* SIGTERM, then SIGKILL this late */
#define BACKLOG		128		/* modest (S80); we drain it fast */
#define ACCEPT_BATCH	64		/* accepts per wakeup, then signals */
#define PAUSE_MS	100		/* accept errors: back off (S79) */
#define LOG_PER_SEC	20		/* log lines a second at most (S79) */
#define NEVER		INT64_MAX

/* One running PROGRAM: its pid is also its process group. */
struct child {
	pid_t	pid;
	uid_t	uid;		/* the peer's, for the per-uid limit */
	int64_t	deadline;	/* ms, CLOCK_MONOTONIC; NEVER: none */
	int	stage;		/* 0 running, 1 SIGTERM sent, 2 SIGKILL sent */
};

struct server {
	struct ph_listener	*l;		/* -p and -a; else NULL */
	struct ph_sockdir	*sd;		/* the private dir we made */
	struct ph_allow		*allow;
	int			 actfd;		/* LISTEN_FDS: fd 3; else -1 */
	int			 lfd;		/* what we poll (borrowed) */
	int			 sfd;		/* signalfd */
	int			 reserve;	/* spare fd for EMFILE (S79) */
	char			 localpath[PH_SOCKPATH_MAX + 2];
	char			**argv;		/* PROGRAM [ARG...] */
	struct child		*kids;
	size_t			 nkids, maxconn, maxperuid;
	unsigned long		 lifetime;	/* seconds; 0: unlimited */
	int64_t			 pause_until;
	int64_t			 log_sec;
	unsigned		 log_n, log_dropped;
};

static void
listen_help(void)
{
	(void)printf(
	    "Usage: porthole listen [OPTIONS] -- PROGRAM [ARG...]\n"
	    "\n"
	    "Serve a Unix stream socket.  For each allowed connection run\n"
	    "PROGRAM with standard input and output on the connection and the\n"
	    "environment of ucspi-unix's unixserver: PROTO=UNIX, UNIXLOCALPATH,\n"
	    "UNIXLOCALUID, UNIXLOCALGID (the server's effective ids),\n"
	    "UNIXLOCALPID (PROGRAM's own pid, as unixserver sets it),\n"
	    "UNIXREMOTEEUID, UNIXREMOTEEGID, UNIXREMOTEPID (the peer's, from\n"
	    "the kernel at connect(); pid 0: in another pid namespace).\n"
	    "\n"
	    "Without -p or -a, make a private directory as 'porthole mkpath'\n"
	    "does and print the socket path on standard output as the first\n"
	    "line; standard output is then replaced by /dev/null, so\n"
	    "path=$(porthole listen -- PROGRAM &) works.  When started by\n"
	    "socket activation (LISTEN_FDS=1, LISTEN_PID our pid) without -p\n"
	    "or -a, serve the listening Unix stream socket at fd 3 instead.\n"
	    "\n"
	    "  -p PATH        listen at PATH (its directory must be owned by\n"
	    "                 you or root and not writable by others unless\n"
	    "                 sticky); one server per path: a live one makes\n"
	    "                 a second fail, a stale socket is replaced\n"
	    "  -a NAME        listen on the Linux abstract socket @NAME: no\n"
	    "                 file, no permissions, the peer check is the only\n"
	    "                 guard; UNIXLOCALPATH is then \"@NAME\"\n"
	    "  -m MODE        the socket file's mode from its creation\n"
	    "                 (default 0600); other users need write (0660,\n"
	    "                 0666) as well as -U or -G\n"
	    "  -U USER|UID    allow this user (repeatable)\n"
	    "  -G GROUP|GID   allow members of this group, primary or\n"
	    "                 supplementary (repeatable)\n"
	    "                 Without -U and -G only your own uid is allowed;\n"
	    "                 with them, exactly those.  Names all of digits\n"
	    "                 are ids.  The overflow id (65534, nobody), which\n"
	    "                 every user of another user namespace can look\n"
	    "                 like, is refused.  A peer not allowed is closed\n"
	    "                 before any byte is read and logged on stderr.\n"
	    "  -c MAX         connections at once in all (default %d)\n"
	    "  -C MAX         connections at once per uid (default %d)\n"
	    "                 Over a limit a connection is accepted and closed\n"
	    "                 at once (the client sees EOF) and logged.\n"
	    "  -t SECONDS     lifetime of one connection (default %d; 0: no\n"
	    "                 limit): then PROGRAM's process group gets\n"
	    "                 SIGTERM, and SIGKILL %d seconds later\n"
	    "  -h, --help     show this help\n"
	    "\n"
	    "SIGTERM, SIGINT or SIGHUP: stop accepting, send SIGTERM to every\n"
	    "running PROGRAM, remove the socket, its lock and the private\n"
	    "directory, and exit 0.  Log lines are limited to %d a second.\n"
	    "\n"
	    "Exit status: 0 after a stop signal, 1 on failure (\"already\n"
	    "running\", an unsafe directory, ...), 2 on a usage error; at\n"
	    "start, 126 if PROGRAM cannot be run, 127 if it is not found.\n",
	    DEF_MAXCONN, DEF_MAXPERUID, DEF_LIFETIME, KILL_GRACE_MS / 1000,
	    LOG_PER_SEC);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	/* CLOCK_MONOTONIC: lifetimes must not move with the wall clock. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One log line, at most LOG_PER_SEC a second: a flood of refused peers
 * must not fill a disk or, when stderr is a pipe nobody drains, block the
 * server in write(2) (S79).  What is dropped is counted and said later.
 */
static void
logx(struct server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
log_flush(struct server *s, int64_t sec)
{
	if (sec == s->log_sec)
		return;
	if (s->log_dropped > 0)
		warnx_(0, "%u more log lines dropped (at most %d a second)",
		    s->log_dropped, LOG_PER_SEC);
	s->log_sec = sec;
	s->log_n = s->log_dropped = 0;
}

static void
logx(struct server *s, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	log_flush(s, now_ms() / 1000);
	if (s->log_n >= LOG_PER_SEC) {
		s->log_dropped++;
		return;
	}
	s->log_n++;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	warnx_(0, "%s", buf);
}

/*
 * The overflow uid or gid: what the kernel shows for an id it cannot map
 * into our user namespace (S35).  65534 unless /proc says otherwise.
 */
static unsigned long
overflow_id(const char *file)
{
	char		buf[16];
	unsigned long	v = 65534;
	ssize_t		n;
	int		fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return v;
	n = read(fd, buf, sizeof(buf) - 1);
	ph_fd_close(&fd);
	if (n > 1 && buf[n - 1] == '\n' &&
	    ph__parse_uint(buf, (size_t)n - 1, 0, 4294967294UL, &v) < 0)
		v = 65534;
	return v;
}

/*
 * -U and -G: a name (getpwnam/getgrnam: this code runs unprivileged, so
 * NSS is fine here, unlike in the helper) or, when all digits, an id.
 * (uid_t)-1 means "unknown" to SO_PEERCRED (S37), and the overflow id is
 * what every unmapped user looks like from a user namespace (S35): both
 * are refused.  Returns the id; a bad argument is a usage error.
 */
static unsigned long
parse_id(int opt, const char *arg)
{
	struct passwd	*pw;
	struct group	*gr;
	unsigned long	 v;
	int		 user = opt == 'U';

	if (arg[0] == '\0')
		usage_error("-%c needs a %s", opt, user ? "user" : "group");
	if (strspn(arg, "0123456789") == strlen(arg)) {
		if (ph__parse_uint(arg, strlen(arg), 0, 4294967294UL, &v) < 0)
			usage_error("-%c %s: not a valid %s", opt, arg,
			    user ? "uid" : "gid");
	} else {
		errno = 0;
		if (user && (pw = getpwnam(arg)) != NULL)
			v = pw->pw_uid;
		else if (!user && (gr = getgrnam(arg)) != NULL)
			v = gr->gr_gid;
		else if (errno != 0 && errno != ENOENT && errno != ESRCH &&
		    errno != EBADF && errno != EPERM)	/* "not found" */
			die(1, errno, "cannot look up %s '%s'",
			    user ? "user" : "group", arg);
		else
			usage_error("-%c %s: no such %s", opt, arg,
			    user ? "user" : "group");
	}
	if (v == overflow_id(user ? "/proc/sys/kernel/overflowuid" :
	    "/proc/sys/kernel/overflowgid"))
		usage_error("-%c %s: %lu is the overflow %s, which the kernel "
		    "shows for every %s it cannot map from another user "
		    "namespace; refusing to allow it", opt, arg, v,
		    user ? "uid" : "gid", user ? "user" : "group");
	return v;
}

/* Strict octal 0 to 0777, as chmod takes it. */
static mode_t
parse_mode(const char *arg)
{
	size_t	i, n = strlen(arg);
	mode_t	m = 0;

	if (n == 0 || n > 4)
		usage_error("-m %s: not an octal mode from 0 to 0777", arg);
	for (i = 0; i < n; i++) {
		if (arg[i] < '0' || arg[i] > '7')
			usage_error("-m %s: not an octal mode from 0 to 0777",
			    arg);
		m = m * 8 + (mode_t)(arg[i] - '0');
	}
	if (m > 0777)
		usage_error("-m %s: only permission bits (0 to 0777)", arg);
	return m;
}

static size_t
parse_count(int opt, const char *arg, unsigned long lo, unsigned long hi)
{
	unsigned long	v;

	if (ph__parse_uint(arg, strlen(arg), lo, hi, &v) < 0)
		usage_error("-%c takes a number from %lu to %lu", opt, lo, hi);
	return (size_t)v;
}

/*
 * Why the directory of `path` is not safe for a socket, in words; 0 if
 * it is (the failure was something else).
 */
static int
explain_dir(const char *path)
{
	char		 dir[PATH_MAX];
	const char	*slash = strrchr(path, '/');
	struct stat	 st;
	int		 r;

	if (slash == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		(void)snprintf(dir, sizeof(dir), "/");
	else
		(void)snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path),
		    path);
	/* The library follows links above the socket's own name. */
	if ((r = ph_dir_check_path(dir, 0)) == -ELOOP)
		r = stat(dir, &st) == 0 ? 0 : -errno;
	if (r == 0 || stat(dir, &st) == -1)
		return 0;
	/* -EPERM and -EACCES are also what open(2) says when the path
	 * cannot be searched: explain them only when the stat says so. */
	if (r == -EPERM && st.st_uid != 0 && st.st_uid != geteuid())
		warnx_(0, "directory '%s' is owned by uid %lu, not by you "
		    "(uid %lu) or root: its owner could replace the socket",
		    dir, (unsigned long)st.st_uid, (unsigned long)geteuid());
	else if (r == -EACCES && (st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(st.st_mode & S_ISVTX))
		warnx_(0, "directory '%s' (mode %04o) is writable by other "
		    "users and not sticky: they could replace the socket", dir,
		    (unsigned)(st.st_mode & 07777));
	else if (r == -ENOTDIR)
		warnx_(0, "'%s' is not a directory", dir);
	else
		return 0;
	return 1;
}

/*
 * PROGRAM runs for each connection, long after start: one that cannot
 * run would show only as connections closed at once.  Look for it now
 * as execvpe() will (with the same PATH: ours does not change), and end
 * as run and exec do: 127 not found, 126 cannot be run.  A check of the
 * moment, by path: at each connection the exec decides (child_exec()).
 */
static void
check_program(const char *name)
{
	char		path[PATH_MAX];
	struct stat	st;
	int		r;

	r = find_program(name, path, sizeof(path));
	if (r == 0 && stat(path, &st) == -1)
		r = -errno;
	else if (r == 0 && !S_ISREG(st.st_mode))
		r = -EACCES;		/* what execve(2) says of a directory */
	else if (r == 0 && access(path, X_OK) == -1)
		r = -errno;
	if (r < 0)
		die(r == -ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, r,
		    "cannot run '%s'", name);
}

/* Free everything; remove what we made on disk.  Returns 0 or -errno. */
static int
server_close(struct server *s)
{
	int	r = 0, r2;

	/* The socket and its lock first, then the directory (S24). */
	if (s->l != NULL && (r2 = ph_listener_close(s->l)) < 0)
		r = r2;
	s->l = NULL;
	if (s->sd != NULL && (r2 = ph_sockdir_remove(s->sd)) < 0 && r == 0)
		r = r2;
	s->sd = NULL;
	ph_fd_close(&s->actfd);
	ph_fd_close(&s->sfd);
	ph_fd_close(&s->reserve);
	ph_allow_free(s->allow);
	s->allow = NULL;
	free(s->kids);
	s->kids = NULL;
	return r;
}

/* Tell why we cannot listen at `where`, clean up, exit 1. */
static noreturn void
die_listen(struct server *s, const char *where, int r)
{
	(void)server_close(s);
	if (r == -EADDRINUSE && where[0] == '@')
		die(1, 0, "cannot listen on '%s': already in use", where);
	if (r == -EADDRINUSE)
		die(1, 0, "cannot listen on '%s': already running", where);
	if (r == -EEXIST)
		die(1, 0, "cannot listen on '%s': something that is not a "
		    "socket of yours is there; it is left alone (S24)", where);
	if (r == -ENAMETOOLONG)
		die(1, 0, "cannot listen on '%s': the path does not fit "
		    "sun_path (%u bytes at most)", where,
		    (unsigned)PH_SOCKPATH_MAX);
	if ((r == -EPERM || r == -EACCES || r == -ENOTDIR) && where[0] != '@'
	    && explain_dir(where))
		die(1, 0, "cannot listen on '%s': refusing an unsafe "
		    "directory; use one that only you or root can write",
		    where);
	die(1, r, "cannot listen on '%s'", where);
}

/*
 * Socket activation (sd_listen_fds(3)): the variables are ours only when
 * LISTEN_PID is our pid; else they were meant for an ancestor and are
 * ignored.  Either way they are removed, so no PROGRAM sees them.
 * Returns 1 if fd 3 is to be served (only when `wanted`: no -p, no -a),
 * else 0.  S30: an unprivileged server may be handed any socket by
 * whoever starts it (its own user), so what take_fd3() checks is that
 * fd 3 is something we can serve: a listening AF_UNIX stream socket.
 */
static int
activation(int wanted)
{
	const char	*fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	unsigned long	 n, p;
	int		 ours;

	ours = wanted && fds != NULL && pid != NULL &&
	    ph__parse_uint(pid, strlen(pid), 1, INT_MAX, &p) == 0 &&
	    (pid_t)p == getpid();
	if (ours && (ph__parse_uint(fds, strlen(fds), 0, INT_MAX, &n) < 0 ||
	    n != 1))
		die(1, 0, "LISTEN_FDS=%s: exactly one socket (fd 3) can be "
		    "served", fds);
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDNAMES");
	return ours;
}

/* Take fd 3 from the service manager; fill s->localpath from it. */
static void
take_fd3(struct server *s)
{
	struct ph_fdinfo	fi;
	struct sockaddr_un	sun;
	socklen_t		sl = sizeof(sun);
	size_t			off = offsetof(struct sockaddr_un, sun_path), n;
	int			fl;

	if (ph_fd_info(3, &fi) < 0 || fi.kind != PH_FD_SOCKET ||
	    fi.family != AF_UNIX || fi.type != SOCK_STREAM || !fi.listening)
		die(1, 0, "LISTEN_FDS: fd 3 is not a listening Unix stream "
		    "socket");
	/* Ours now: no PROGRAM inherits it, and accept never blocks. */
	if ((fl = fcntl(3, F_GETFL)) == -1 ||
	    fcntl(3, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) == -1)
		die(1, errno, "LISTEN_FDS: fd 3");
	s->actfd = s->lfd = 3;
	/* S26: the returned name is used by its length, never by a NUL. */
	memset(&sun, 0, sizeof(sun));
	if (getsockname(3, (struct sockaddr *)&sun, &sl) == -1 || sl <= off ||
	    sl > sizeof(sun))
		return;				/* unnamed: "" */
	n = sl - off;
	if (sun.sun_path[0] == '\0') {		/* abstract: "@name" */
		s->localpath[0] = '@';
		memcpy(s->localpath + 1, sun.sun_path + 1, n - 1);
		s->localpath[n] = '\0';
	} else {
		memcpy(s->localpath, sun.sun_path, n);
		s->localpath[n] = '\0';		/* n <= 108 < size */
	}
}

/*
 * Accept on an inherited socket: no ph_listener there, so the same
 * check by hand: kernel credentials, then the allow-list.  Returns the
 * new O_CLOEXEC fd, -EPERM (then *ret_peer names the refused peer), or
 * a negative errno.  *ret_peer is to be released with ph_peer_clear().
 */
static int
accept_inherited(struct server *s, struct ph_peer *ret_peer)
{
	struct ph_peer	peer;
	int		fd = -1, r;

	if ((fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return errno == EPERM ? -EACCES : -errno;
	if ((r = ph_peer_get(fd, 0, &peer)) < 0)
		goto out;
	r = ph_allow_check(s->allow, fd, &peer);
	*ret_peer = peer;
	if (r < 0)
		goto out;
	r = fd;
	fd = -1;
 out:
	ph_fd_close(&fd);
	return r;
}

/*
 * PROGRAM's environment, built in the server before each spawn, so the
 * child has nothing to allocate: ours, without any UCSPI or LISTEN_*
 * variable, then the eight UCSPI ones.  UNIXLOCALPID is PROGRAM's own
 * pid (as unixserver sets it), so only the child can write it: it gets
 * the last slot, pointing into the child's stack.
 */
#define UCSPI_VARS	8
#define ENV_MAX		1024		/* of ours kept; more are dropped */

static char	*env[ENV_MAX + UCSPI_VARS + 1];
static size_t	 env_ours = (size_t)-1;
static char	 ucspi[UCSPI_VARS - 1][PH_SOCKPATH_MAX + 32];
static sigset_t	 ignored;		/* SIG_IGN here, SIG_DFL for PROGRAM */

/* Set sig's disposition with sigaction() (house style), flags empty. */
static void
disposition(int sig, void (*h)(int))
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(sig, &sa, NULL);
}

static int
ucspi_name(const char *e)
{
	return strncmp(e, "PROTO=", 6) == 0 || strncmp(e, "UNIXLOCAL", 9) == 0
	    || strncmp(e, "UNIXREMOTE", 10) == 0 ||
	    strncmp(e, "LISTEN_", 7) == 0;
}

static void
env_prepare(const struct server *s, const struct ph_peer *peer)
{
	extern char	**environ;
	size_t		  i, n = 0;

	if (env_ours == (size_t)-1) {
		for (i = 0; environ[i] != NULL && n < ENV_MAX; i++)
			if (!ucspi_name(environ[i]))
				env[n++] = environ[i];
		env_ours = n;
		(void)snprintf(ucspi[0], sizeof(ucspi[0]), "PROTO=UNIX");
		(void)snprintf(ucspi[1], sizeof(ucspi[1]), "UNIXLOCALPATH=%s",
		    s->localpath);
		(void)snprintf(ucspi[2], sizeof(ucspi[2]), "UNIXLOCALUID=%u",
		    (unsigned)geteuid());
		(void)snprintf(ucspi[3], sizeof(ucspi[3]), "UNIXLOCALGID=%u",
		    (unsigned)getegid());
	}
	/* Ids go through unsigned types, never int (S37). */
	(void)snprintf(ucspi[4], sizeof(ucspi[4]), "UNIXREMOTEEUID=%u",
	    (unsigned)peer->uid);
	(void)snprintf(ucspi[5], sizeof(ucspi[5]), "UNIXREMOTEEGID=%u",
	    (unsigned)peer->gid);
	(void)snprintf(ucspi[6], sizeof(ucspi[6]), "UNIXREMOTEPID=%lu",
	    (unsigned long)peer->pid);			/* >= 0 */
	for (i = 0; i < UCSPI_VARS - 1; i++)
		env[env_ours + i] = ucspi[i];
	env[env_ours + UCSPI_VARS - 1] = NULL;	/* the child's slot */
	env[env_ours + UCSPI_VARS] = NULL;
}

/* Decimal of v into buf (which must hold 21 bytes), async-signal-safe. */
static char *
ulong_text(char *end, unsigned long v)
{
	*--end = '\0';
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

/*
 * In the vfork()ed child, between vfork() and exec: it shares our memory
 * until then, so only async-signal-safe calls, nothing allocated, no
 * return.  PROGRAM gets the connection as fds 0 and 1, its own process
 * group and signal state, and the UCSPI variables.
 */
static noreturn void
child_exec(struct server *s, int conn)
{
	static const char	 pfx[] = "UNIXLOCALPID=";
	char			 pidv[sizeof(pfx) + 21], num[21], *d;
	const char		*msg;
	sigset_t		 empty;
	int			 sig, e;

	/* Its own process group, so a lifetime's end reaches what it
	 * started, and ^C at a terminal reaches only the server. */
	(void)setpgid(0, 0);
	/* Dispositions first, then the mask.  exec resets caught signals;
	 * ignored ones (SIGPIPE here, S82, and any we inherited) it keeps,
	 * and they are not PROGRAM's business. */
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(&ignored, sig) == 1)
			disposition(sig, SIG_DFL);
	(void)sigemptyset(&empty);
	(void)sigprocmask(SIG_SETMASK, &empty, NULL);
	/* conn >= 3 (stdio is always open), and O_CLOEXEC: gone at exec. */
	if (dup2(conn, 0) == -1 || dup2(conn, 1) == -1)
		_exit(EXIT_CANNOT);
	memcpy(pidv, pfx, sizeof(pfx) - 1);
	d = ulong_text(num + sizeof(num), (unsigned long)getpid());
	memcpy(pidv + sizeof(pfx) - 1, d, strlen(d) + 1);
	env[env_ours + UCSPI_VARS - 1] = pidv;
	execvpe(s->argv[0], s->argv, env);
	e = errno;
	/* strerror() of the C locale (never set otherwise) is a constant
	 * string: no allocation here. */
	msg = strerror(e);
	(void)!write(STDERR_FILENO, cli_name, strlen(cli_name));
	(void)!write(STDERR_FILENO, ": cannot run '", 14);
	(void)!write(STDERR_FILENO, s->argv[0], strlen(s->argv[0]));
	(void)!write(STDERR_FILENO, "': ", 3);
	(void)!write(STDERR_FILENO, msg, strlen(msg));
	(void)!write(STDERR_FILENO, "\n", 1);
	_exit(e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

/*
 * Serve `conn` (borrowed; the caller closes our copy) in a new child.
 * vfork(): no copy of our pages for a process that execs at once; with
 * fork() the copies (and glibc's multi-threaded fork path, since
 * ph_listen() once ran a thread) made us 10% slower than s6-ipcserver
 * (docs/PERFORMANCE.md).  We are suspended until the exec.
 */
static void
spawn(struct server *s, int conn, const struct ph_peer *peer)
{
	struct child	*k;
	pid_t		 pid;

	env_prepare(s, peer);
	if ((pid = vfork()) == -1) {
		logx(s, "cannot fork for uid=%u: %s; connection closed",
		    (unsigned)peer->uid, strerror(errno));
		s->pause_until = now_ms() + PAUSE_MS;
		return;
	}
	if (pid == 0)
		child_exec(s, conn);
	/* Both sides set the group, so it exists before we may kill it. */
	(void)setpgid(pid, pid);
	k = &s->kids[s->nkids++];
	k->pid = pid;
	k->uid = peer->uid;
	k->deadline = s->lifetime ? now_ms() + (int64_t)s->lifetime * 1000 :
	    NEVER;
	k->stage = 0;
}

/* Signal a child's process group, or the child if it has none (yet). */
static void
signal_child(const struct child *k, int sig)
{
	if (kill(-k->pid, sig) == -1)
		(void)kill(k->pid, sig);
}

/* Reap every child that has exited; free their slots.  No zombies. */
static void
reap(struct server *s)
{
	size_t	i;
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < s->nkids; i++)
			if (s->kids[i].pid == pid)
				break;
		if (i < s->nkids)
			s->kids[i] = s->kids[--s->nkids];
	}
}

/* Lifetimes over: SIGTERM, then SIGKILL after KILL_GRACE_MS. */
static void
expire(struct server *s, int64_t now)
{
	struct child	*k;
	size_t		 i;

	for (i = 0; i < s->nkids; i++) {
		k = &s->kids[i];
		if (k->deadline > now)
			continue;
		if (k->stage == 0) {
			logx(s, "pid %ld (uid=%u) reached its lifetime of "
			    "%lu s: SIGTERM", (long)k->pid, (unsigned)k->uid,
			    s->lifetime);
			signal_child(k, SIGTERM);
			k->stage = 1;
			k->deadline = now + KILL_GRACE_MS;
		} else {
			signal_child(k, SIGKILL);
			k->stage = 2;
			k->deadline = NEVER;
		}
	}
}

/* Milliseconds until the next timer, or -1 for none. */
static int
next_timeout(const struct server *s, int64_t now)
{
	int64_t	t = NEVER;
	size_t	i;

	for (i = 0; i < s->nkids; i++)
		if (s->kids[i].deadline < t)
			t = s->kids[i].deadline;
	if (s->pause_until > now && s->pause_until < t)
		t = s->pause_until;
	if (s->log_dropped > 0 && (s->log_sec + 1) * 1000 < t)
		t = (s->log_sec + 1) * 1000;
	if (t == NEVER)
		return -1;
	if (t <= now)
		return 0;
	return t - now > INT_MAX ? INT_MAX : (int)(t - now);
}

/*
 * EMFILE/ENFILE: the pending connection stays in the backlog and poll()
 * would wake us for ever (S79).  Free the reserve fd, take the
 * connection and close it unserved, take the reserve back.  Linux
 * allocates the fd before it looks at the queue, so accept() says EMFILE
 * with an empty backlog too: returns 1 if a connection was closed, 0 if
 * none was pending (stop accepting for now).
 */
static int
drain_one(struct server *s, int err)
{
	int	fd, took;

	ph_fd_close(&s->reserve);
	fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	took = fd >= 0 || errno == ECONNABORTED;
	ph_fd_close(&fd);
	s->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->reserve == -1)
		s->pause_until = now_ms() + PAUSE_MS;
	if (took)
		logx(s, "out of file descriptors (%s): a connection was "
		    "closed unserved", strerror(-err));
	return took;
}

/* How many connections this uid has now. */
static size_t
count_uid(const struct server *s, uid_t uid)
{
	size_t	i, n = 0;

	for (i = 0; i < s->nkids; i++)
		if (s->kids[i].uid == uid)
			n++;
	return n;
}

/*
 * Accept what is pending, up to ACCEPT_BATCH, then go back to poll() so
 * that signals and reaping are never starved by a flood.  A refused
 * peer is closed by the library before anything is read (S31); a peer
 * over a limit is closed at once (S80): either way the client sees EOF.
 */
static void
accept_some(struct server *s)
{
	struct ph_peer	peer;
	int		fd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (s->l != NULL)
			fd = ph_listener_accept(s->l, 0, &peer);
		else
			fd = accept_inherited(s, &peer);
		if (fd == -EAGAIN || fd == -EWOULDBLOCK)
			return;
		if (fd == -EPERM) {
			logx(s, "refused uid=%u gid=%u pid=%ld",
			    (unsigned)peer.uid, (unsigned)peer.gid,
			    (long)peer.pid);
			ph_peer_clear(&peer);
			continue;
		}
		if (fd == -EMFILE || fd == -ENFILE) {
			if (!drain_one(s, fd))
				return;
			continue;
		}
		if (fd == -ECONNABORTED || fd == -EINTR || fd == -ENOTCONN)
			continue;	/* the peer left first */
		if (fd < 0) {
			logx(s, "accept: %s", strerror(-fd));
			s->pause_until = now_ms() + PAUSE_MS;
			return;
		}
		if (s->nkids >= s->maxconn)
			logx(s, "busy: %zu connections (-c %zu); closed "
			    "uid=%u pid=%ld", s->nkids, s->maxconn,
			    (unsigned)peer.uid, (long)peer.pid);
		else if (count_uid(s, peer.uid) >= s->maxperuid)
			logx(s, "busy: uid=%u has %zu connections (-C %zu); "
			    "closed pid=%ld", (unsigned)peer.uid,
			    s->maxperuid, s->maxperuid, (long)peer.pid);
		else
			spawn(s, fd, &peer);
		ph_fd_close(&fd);
		ph_peer_clear(&peer);
	}
}

/* Read the signalfd: 1 when asked to stop, else 0. */
static int
signals(struct server *s)
{
	struct signalfd_siginfo	si;
	ssize_t			n;
	int			stop = 0;

	while ((n = read(s->sfd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(s);
		else
			stop = 1;
	}
	/* SIGCHLD coalesces: reaping once more costs one waitpid(). */
	reap(s);
	return stop;
}

/* The loop: returns 0 after a stop signal, or a negative errno. */
static int
serve(struct server *s)
{
	struct pollfd	pfd[2];
	int64_t		now;
	int		n;

	for (;;) {
		now = now_ms();
		log_flush(s, now / 1000);
		pfd[0].fd = s->sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->lfd;
		pfd[1].events = now >= s->pause_until ? POLLIN : 0;
		pfd[0].revents = pfd[1].revents = 0;
		n = poll(pfd, 2, next_timeout(s, now));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		if ((pfd[0].revents & POLLIN) && signals(s))
			return 0;
		expire(s, now_ms());
		if (pfd[1].revents & POLLNVAL)
			return -EBADF;
		if (pfd[1].events != 0 &&
		    (pfd[1].revents & (POLLIN | POLLERR | POLLHUP)))
			accept_some(s);
	}
}

/*
 * Signals: SIGCHLD, SIGTERM, SIGINT and SIGHUP are blocked and read from
 * a signalfd, so no work happens in a handler.  An inherited SIG_IGN
 * (a background job of a non-interactive shell ignores SIGINT) would
 * discard them before the signalfd sees them, so they are set to
 * SIG_DFL, after blocking.  SIGPIPE is ignored (S82): a closed stderr or
 * stdout must give EPIPE, not kill the server.
 */
static int
signals_setup(void)
{
	static const int	sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	sigset_t		set;
	size_t			i;
	int			fd;

	(void)sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -errno;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		disposition(sigs[i], SIG_DFL);
	disposition(SIGPIPE, SIG_IGN);
	/* What is ignored now stays ignored across exec: remember it, so
	 * PROGRAM's child side sets exactly these back to default. */
	(void)sigemptyset(&ignored);
	for (i = 1; i < (size_t)NSIG; i++) {
		struct sigaction	old;

		if (sigaction((int)i, NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			(void)sigaddset(&ignored, (int)i);
	}
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		return -errno;
	return fd;
}

/* A base other users can pass through: TMPDIR when safe and searchable
 * by others, else /tmp. */
static const char *
shared_base(void)
{
	const char	*t = getenv("TMPDIR");
	struct stat	 st;

	if (t != NULL && t[0] == '/' && ph_dir_check_path(t, 0) == 0 &&
	    stat(t, &st) == 0 && (st.st_mode & S_IXOTH))
		return t;
	return "/tmp";
}

/*
 * Listen on the abstract name `aname`, at `path`, or (neither given) in
 * a new private directory; fill s->l and s->sd.  Exits on failure,
 * leaving nothing behind.
 */
static void
open_socket(struct server *s, const char *path, const char *aname,
    mode_t mode, int others)
{
	int	r;

	if (aname != NULL) {
		/* S27: no file, no permissions: the allow-list is the guard. */
		r = ph_listen_abstract(aname, PH_SOCK_NONBLOCK, BACKLOG,
		    s->allow, &s->l);
		if (r < 0) {
			(void)snprintf(s->localpath, sizeof(s->localpath),
			    "@%s", aname);
			die_listen(s, s->localpath, r);
		}
		return;
	}
	if (path != NULL) {
		if ((r = ph_listen(path, PH_SOCK_NONBLOCK, mode, BACKLOG,
		    s->allow, &s->l)) < 0)
			die_listen(s, path, r);
		return;
	}
	/* S21: a fresh private directory, 0711 when others may connect
	 * (they can then reach the socket, but not list or write there).
	 * Then it cannot live in XDG_RUNTIME_DIR, which is 0700 by
	 * definition: TMPDIR if it is safe and others may search it, else
	 * /tmp. */
	r = ph_sockdir_create(others ? shared_base() : NULL, NULL,
	    others ? PH_SOCKDIR_SHARED : 0, &s->sd);
	if (r == -ENOENT)
		die(1, 0, "no safe base directory: XDG_RUNTIME_DIR (ours, "
		    "0700), TMPDIR and /tmp (owned by you or root, sticky if "
		    "writable by others) are all unsafe or missing; use -p "
		    "(see porthole mkpath)");
	if (r < 0)
		die(1, r, "cannot create a private directory");
	if ((r = ph_listen(ph_sockdir_path(s->sd), PH_SOCK_NONBLOCK, mode,
	    BACKLOG, s->allow, &s->l)) < 0) {
		(void)snprintf(s->localpath, sizeof(s->localpath), "%s",
		    ph_sockdir_path(s->sd));
		die_listen(s, s->localpath, r);
	}
}

/* Print the path, then point stdout at /dev/null (see listen_help()). */
static int
tell_path(const char *path)
{
	int	fd;

	if (printf("%s\n", path) < 0 || fflush(stdout) != 0)
		return -(errno ? errno : EIO);
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		return 0;		/* keep stdout; nothing is lost */
	(void)dup2(fd, STDOUT_FILENO);
	ph_fd_close(&fd);
	return 0;
}

int
cmd_listen(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct server	 s;
	const char	*path = NULL, *aname = NULL;
	mode_t		 mode = 0600;
	int		 c, r, mode_set = 0, others = 0, listed = 0;
	unsigned long	 id;
	size_t		 i;

	memset(&s, 0, sizeof(s));
	s.actfd = s.lfd = s.sfd = s.reserve = -1;
	s.maxconn = DEF_MAXCONN;
	s.maxperuid = DEF_MAXPERUID;
	s.lifetime = DEF_LIFETIME;
	if ((r = ph_allow_new(&s.allow)) < 0)
		die(1, r, "allow-list");

	opterr = 0;		/* bad_option() says it, in one line */
	while ((c = getopt_long(argc, argv, "+:p:a:m:U:G:c:C:t:h", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'p':
			if (optarg[0] == '\0' || optarg[0] == '@')
				usage_error("-p takes a file path; for an "
				    "abstract name use -a");
			path = optarg;
			break;
		case 'a':
			aname = optarg[0] == '@' ? optarg + 1 : optarg;
			if (aname[0] == '\0')
				usage_error("-a needs a name");
			break;
		case 'm':
			mode = parse_mode(optarg);
			mode_set = 1;
			break;
		case 'U':
			id = parse_id(c, optarg);
			if ((r = ph_allow_uid(s.allow, (uid_t)id)) < 0)
				die(1, r, "-U %s", optarg);
			others |= (uid_t)id != geteuid();
			listed = 1;
			break;
		case 'G':
			id = parse_id(c, optarg);
			if ((r = ph_allow_gid(s.allow, (gid_t)id)) < 0)
				die(1, r, "-G %s", optarg);
			others = listed = 1;	/* a group means other users */
			break;
		case 'c':
			s.maxconn = parse_count(c, optarg, 1, MAXCONN_LIMIT);
			break;
		case 'C':
			s.maxperuid = parse_count(c, optarg, 1, MAXCONN_LIMIT);
			break;
		case 't':
			s.lifetime = parse_count(c, optarg, 0, LIFETIME_LIMIT);
			break;
		case 'h':
			listen_help();
			ph_allow_free(s.allow);
			return 0;
		default:	/* '?' or ':' */
			bad_option(c, argc, argv, opts);
		}
	}
	if (optind >= argc)
		usage_error("missing '-- PROGRAM'");
	s.argv = argv + optind;
	if (path != NULL && aname != NULL)
		usage_error("-p and -a exclude each other");
	if (aname != NULL && mode_set)
		usage_error("-m has no meaning with -a: an abstract socket has "
		    "no file and no permissions");
	/* Before anything exists on disk: nothing to clean up. */
	check_program(s.argv[0]);
	/* Default: our own uid only (ph_listen_abstract needs a list). */
	if (!listed && (r = ph_allow_uid(s.allow, geteuid())) < 0)
		die(1, r, "allow-list");

	/* Block the signals before anything exists on disk, so a SIGTERM
	 * during start-up still ends in cleanup. */
	if ((s.sfd = signals_setup()) < 0)
		die(1, s.sfd, "signals");
	if ((s.reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		die(1, errno, "/dev/null");
	if ((s.kids = calloc(s.maxconn, sizeof(*s.kids))) == NULL)
		die(1, ENOMEM, "connection table");

	if (activation(path == NULL && aname == NULL)) {
		if (mode_set)
			warnx_(0, "warning: -m ignored: the socket at fd 3 "
			    "was made by whoever started us");
		take_fd3(&s);
	} else {
		if (others && aname == NULL && (mode & 0022) == 0)
			warnx_(0, "warning: -U/-G allow other users, but mode "
			    "%04o lets only the socket's owner connect; add "
			    "-m 0660 or -m 0666", (unsigned)mode);
		open_socket(&s, path, aname, mode, others);
	}
	if (s.l != NULL) {
		s.lfd = ph_listener_fd(s.l);
		(void)snprintf(s.localpath, sizeof(s.localpath), "%s",
		    ph_listener_path(s.l));
	}
	if (s.sd != NULL && (r = tell_path(s.localpath)) < 0) {
		/* Nothing may remain when the path could not be told. */
		(void)server_close(&s);
		die(1, r, "cannot write the path");
	}

	r = serve(&s);
	/* Stop: every PROGRAM still running is asked to end too. */
	for (i = 0; i < s.nkids; i++)
		signal_child(&s.kids[i], SIGTERM);
	if (r < 0) {
		(void)server_close(&s);
		die(1, r, "serving '%s'", s.localpath);
	}
	if ((r = server_close(&s)) < 0)
		die(1, r, "removing '%s'", s.localpath);
	return 0;
}
