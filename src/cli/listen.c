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
 * with -G) and one close.  One process, one poll() loop, the library's
 * (server.h): signals arrive through a signalfd (no work in handlers),
 * children are reaped there, and their lifetimes are kept on
 * CLOCK_MONOTONIC (listen-kids.c).  Nothing a child does can block the
 * listener: the server never reads from or writes to a connection.
 * PROGRAM's environment and the child's side of a spawn: listen-env.c.
 *
 * Exit: 0 after SIGTERM, SIGINT or SIGHUP (socket, lock and private
 * directory removed), 1 on failure, 2 on a usage error, and at start 126
 * or 127 when PROGRAM cannot be run or is not found (as env(1)).
 */
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
#include "listen.h"

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
#define BACKLOG		128		/* modest (S80); we drain it fast */

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
	ph_srv_fini(&s->srv);		/* the signalfd, the reserve */
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
 * Socket activation (sd_listen_fds(3), the library's ph_srv_activation()):
 * the variables are ours only when LISTEN_PID is our pid; else they were
 * meant for an ancestor and are ignored.  Either way they are removed, so
 * no PROGRAM sees them.  Returns 1 if fd 3 is to be served (only when
 * `wanted`: no -p, no -a), else 0.  S30: an unprivileged server may be
 * handed any socket by whoever starts it (its own user), so what is
 * checked is that fd 3 is something we can serve: a listening AF_UNIX
 * stream socket.
 */
static int
activation(struct server *s, int wanted)
{
	const char	*env = getenv("LISTEN_FDS");
	char		 fds[32];
	int		 r;

	(void)snprintf(fds, sizeof(fds), "%s", env != NULL ? env : "");
	r = ph_srv_activation(SOCK_STREAM, wanted);
	if (r == -E2BIG)
		die(1, 0, "LISTEN_FDS=%s: exactly one socket (fd 3) can be "
		    "served", fds);
	if (r == -ENOTSOCK)
		die(1, 0, "LISTEN_FDS: fd 3 is not a listening Unix stream "
		    "socket");
	if (r < 0)
		die(1, r, "LISTEN_FDS: fd 3");
	if (r == 3)
		s->actfd = s->srv.lfd = 3;
	return r == 3;
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


/* What the options say, for start(). */
struct opts {
	const char	*path, *aname;
	mode_t		 mode;
	int		 mode_set, others, listed;
};

/* -U or -G: one more uid or gid allowed; into s and o.  Exits on failure. */
static void
allow_id(struct server *s, struct opts *o, int c, const char *arg)
{
	unsigned long	id = parse_id(c, arg);
	int		r;

	r = c == 'U' ? ph_allow_uid(s->allow, (uid_t)id) :
	    ph_allow_gid(s->allow, (gid_t)id);
	if (r < 0)
		die(1, r, "-%c %s", c, arg);
	/* A group counts as others; a uid when it is not ours. */
	o->others |= c == 'G' || (uid_t)id != geteuid();
	o->listed = 1;
}

/* The options, into s and o; exits on a usage error and after --help. */
static void
parse_opts(struct server *s, struct opts *o, int argc, char **argv)
{
	/* Short options only, but for --help. */
	static const struct cli_opts	opts = { "+:p:a:m:U:G:c:C:t:h",
	    listen_help, { { NULL, 0, NULL, 0 } } };
	int		c;

	while ((c = cli_getopt(argc, argv, &opts)) != -1) {
		switch (c) {
		case 'p':
			if (optarg[0] == '\0' || optarg[0] == '@')
				usage_error("-p takes a file path; for an "
				    "abstract name use -a");
			o->path = optarg;
			break;
		case 'a':
			o->aname = optarg[0] == '@' ? optarg + 1 : optarg;
			if (o->aname[0] == '\0')
				usage_error("-a needs a name");
			break;
		case 'm':
			o->mode = parse_mode(optarg);
			o->mode_set = 1;
			break;
		case 'U':
		case 'G':
			allow_id(s, o, c, optarg);
			break;
		case 'c':
			s->maxconn = parse_count(c, optarg, 1, MAXCONN_LIMIT);
			break;
		case 'C':
			s->maxperuid = parse_count(c, optarg, 1, MAXCONN_LIMIT);
			break;
		case 't':
			s->lifetime = parse_count(c, optarg, 0, LIFETIME_LIMIT);
			break;
		}
	}
}

/*
 * Everything before the loop: the table, the signals, the socket (or
 * fd 3), the path told.  Exits on failure, leaving nothing behind.
 */
static void
start(struct server *s, const struct opts *o)
{
	int	r;

	if ((r = listen_kids_init(s)) < 0)
		die(1, r, r == -ENOMEM ? "connection table" : "/dev/null");
	/* Block the signals before anything exists on disk, so a SIGTERM
	 * during start-up still ends in cleanup. */
	if ((s->srv.sfd = listen_signals_setup()) < 0)
		die(1, s->srv.sfd, "signals");
	if (activation(s, o->path == NULL && o->aname == NULL)) {
		if (o->mode_set)
			warnx_(0, "warning: -m ignored: the socket at fd 3 "
			    "was made by whoever started us");
		listen_name_fd3(s);
	} else {
		if (o->others && o->aname == NULL && (o->mode & 0022) == 0)
			warnx_(0, "warning: -U/-G allow other users, but mode "
			    "%04o lets only the socket's owner connect; add "
			    "-m 0660 or -m 0666", (unsigned)o->mode);
		open_socket(s, o->path, o->aname, o->mode, o->others);
	}
	if (s->l != NULL) {
		s->srv.lfd = ph_listener_fd(s->l);
		(void)snprintf(s->localpath, sizeof(s->localpath), "%s",
		    ph_listener_path(s->l));
	}
	if (s->sd != NULL && (r = tell_path(s->localpath)) < 0) {
		/* Nothing may remain when the path could not be told. */
		(void)server_close(s);
		die(1, r, "cannot write the path");
	}
}

int
cmd_listen(int argc, char **argv)
{
	struct server	 s;
	struct opts	 o;
	int		 r;

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	s.actfd = s.srv.lfd = s.srv.sfd = s.srv.reserve = -1;
	s.maxconn = DEF_MAXCONN;
	s.maxperuid = DEF_MAXPERUID;
	s.lifetime = DEF_LIFETIME;
	o.mode = 0600;
	if ((r = ph_allow_new(&s.allow)) < 0)
		die(1, r, "allow-list");
	parse_opts(&s, &o, argc, argv);
	if (optind >= argc)
		usage_error("missing '-- PROGRAM'");
	s.argv = argv + optind;
	if (o.path != NULL && o.aname != NULL)
		usage_error("-p and -a exclude each other");
	if (o.aname != NULL && o.mode_set)
		usage_error("-m has no meaning with -a: an abstract socket has "
		    "no file and no permissions");
	/* Before anything exists on disk: nothing to clean up. */
	listen_check_program(s.argv[0]);
	/* Default: our own uid only (ph_listen_abstract needs a list). */
	if (!o.listed && (r = ph_allow_uid(s.allow, geteuid())) < 0)
		die(1, r, "allow-list");
	start(&s, &o);

	r = listen_serve(&s);
	/* Stop: every PROGRAM still running is asked to end too. */
	listen_stop_kids(&s);
	if (r < 0) {
		(void)server_close(&s);
		die(1, r, "serving '%s'", s.localpath);
	}
	if ((r = server_close(&s)) < 0)
		die(1, r, "removing '%s'", s.localpath);
	return 0;
}
