/* SPDX-License-Identifier: ISC */
/*
 * start.c - portholed's start-up (daemon.h): the options, the hygiene
 * of a privileged start, the policy loaded and reloaded, the inherited
 * socket checked or our own made in its run directory, and --user
 * resolved without root.  Moved out of portholed.c (issue 10).
 *
 * Runs as: root at start (or a service manager's user), then --user.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "porthole.h"
#include "conns.h"
#include "paths.h"
#include "daemon.h"
#include "policy.h"
#include "priv.h"
#include "privlog.h"
#include "private.h"

#define OVERFLOW_ID	65534		/* the kernel's default overflowuid */

static void
usage(FILE *f)
{
	(void)fprintf(f,
	    "Usage: portholed [-f] [--user NAME] [--policy FILE] [--socket PATH]\n"
	    "\n"
	    "The porthole broker: binds privileged ports and opens raw and\n"
	    "packet sockets for the users the policy allows.\n"
	    "\n"
	    "  -f, --foreground   log to stderr, not syslog\n"
	    "  -u, --user NAME    run as NAME after start-up (default nobody)\n"
	    "  -p, --policy FILE  the policy (default %s)\n"
	    "  -s, --socket PATH  listen there (default %s)\n"
	    "  -h, --help, --version\n", PH_POLICY_PATH, PH_BROKER_SOCK);
}

/* The options; returns -1 to go on, else the exit status. */
int
daemon_args(int argc, char **argv, int *fg, const char **user,
    const char **sock)
{
	static const struct option	opts[] = {
		{ "foreground",	no_argument,		NULL, 'f' },
		{ "user",	required_argument,	NULL, 'u' },
		{ "policy",	required_argument,	NULL, 'p' },
		{ "socket",	required_argument,	NULL, 's' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	int	c;

	while ((c = getopt_long(argc, argv, "fu:p:s:h", opts, NULL)) != -1) {
		if (c == 'f')
			*fg = 1;
		else if (c == 'u')
			*user = optarg;
		else if (c == 'p')
			ph_daemon.policy_path = optarg;
		else if (c == 's')
			*sock = optarg;
		else if (c == 'h') {
			usage(stdout);
			return 0;
		} else if (c == 'V') {
			(void)printf("portholed %s\n", PH_VERSION);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (ph_daemon.policy_path[0] != '/' || (*sock)[0] != '/')
		ph_priv_die("--policy and --socket take absolute paths", 0);
	return -1;
}

/*
 * Issue 11: JOURNAL_STREAM, read before the environment is cleared
 * (bounded copy), and checked against fd 2 after ph_priv_sanitize() has
 * made sure fd 2 is open: only when it names our stderr is that the
 * journal, which reads a "<N>" prefix as the line's priority.  Like
 * LISTEN_PID, two strict decimal numbers (S11) read as root: the parser
 * guard of issue 9 is for the policy and the name databases; this
 * grammar has no more to it than ph_pid_parse().  The rest of the
 * hygiene: S2-S9, after reading LISTEN_*; then (issue 9) no parser runs
 * while any uid is 0.
 */
void
daemon_sanitize(int lfd, int fg)
{
	const char	*env;
	char		 journal[64];

	journal[0] = '\0';
	if ((env = getenv("JOURNAL_STREAM")) != NULL &&
	    strlen(env) < sizeof(journal))
		memcpy(journal, env, strlen(env) + 1);
	ph_priv_sanitize(lfd);
	ph_parser_guard_on();
	ph_log_open("portholed", fg);
	if (fg && journal[0] != '\0' && ph_log_journal_stream(journal, 2)) {
		ph_log_prefix(1);
		ph_priv_journal = 1;
	}
	ph_daemon.started = ph_srv_now_ms();
}

/* Our own socket, where none was inherited; returns its fd. */
int
daemon_listen(const char *sock)
{
	struct ph_listener	*l = NULL;
	int			 r;

	daemon_make_rundir(sock);
	r = ph_listen(sock, PH_SOCK_SEQPACKET | PH_SOCK_NONBLOCK, 0666, 128,
	    NULL, &l);
	if (r == -EADDRINUSE)
		ph_priv_die("already running", 0);
	if (r < 0)
		ph_priv_die("cannot listen", r);
	return ph_listener_fd(l);
}

/* No policy: an empty one (S53), after saying why. */
static struct ph_policy *
stand_in(const char *err)
{
	struct ph_policy	*p = NULL;

	ph_log(LOG_ERR, "%s; nothing is granted until it is fixed", err);
	/* Issue 11: a stand-in that says so to the client (priv.c). */
	if (ph_policy_stand_in(ph_daemon.policy_path, PH_POLICY_FOR_DAEMON,
	    &p) < 0)
		ph_priv_die("cannot make an empty policy", 0);
	ph_daemon.policy_time = time(NULL);
	return p;
}

/* Load the policy; on failure keep `keep` (S54) or an empty one (S53). */
struct ph_policy *
daemon_policy_load(struct ph_policy *keep)
{
	struct ph_policy	*p = NULL;
	char			 err[256];

	if (ph_policy_load(ph_daemon.policy_path, &p, err, sizeof(err)) == 0) {
		ph_log(LOG_NOTICE, "policy %s loaded: %zu rules",
		    ph_daemon.policy_path, ph_policy_nrules(p));
		ph_policy_free(keep);
		ph_daemon.policy_time = time(NULL);
		return p;
	}
	/* A stand-in is kept no more than a policy: a reload that fixes
	 * nothing changes nothing. */
	if (keep != NULL) {
		ph_log(LOG_ERR, "%s; keeping the previous policy", err);
		return keep;
	}
	return stand_in(err);
}

/*
 * The policy at start-up (issue 9): `text`, `pw` and `gr` are the bytes
 * read as root before the drop (text NULL if reading failed, with the
 * reason in `why`); they are parsed here, after the drop, as --user.
 * On failure an empty policy (S53).  The parser guard makes a parse as
 * root fail, and that is fatal: it would be a bug in the order above.
 */
struct ph_policy *
daemon_policy_start(const struct ph_text *text, const struct ph_text *pw,
    const struct ph_text *gr, const char *why)
{
	struct ph_policy	*p = NULL;
	char			 err[256];
	int			 r;

	if (text == NULL)
		(void)snprintf(err, sizeof(err), "%s", why);
	else if ((r = ph_policy_parse_text(ph_daemon.policy_path, text, pw,
	    gr, &p, err, sizeof(err))) == 0) {
		ph_log(LOG_NOTICE, "policy %s loaded: %zu rules",
		    ph_daemon.policy_path, ph_policy_nrules(p));
		ph_daemon.policy_time = time(NULL);
		return p;
	} else if (r == -EPERM)
		ph_priv_die(err, 0);
	return stand_in(err);
}

/*
 * S30: take an inherited listener only if it was meant for us
 * (LISTEN_PID), is exactly one AF_UNIX SOCK_SEQPACKET listener (both
 * checked by the library's ph_srv_activation(), which also makes it
 * O_NONBLOCK and FD_CLOEXEC), and is bound at our socket path, a socket
 * owned by root.  Returns it (3), or -1 when there is none for us.
 */
int
daemon_activation(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	socklen_t		 sl = sizeof(sun);
	int			 r;

	r = ph_srv_activation(SOCK_SEQPACKET, 1);
	if (r == 0)
		return -1;
	if (r == -E2BIG)
		ph_priv_die("socket activation: expected exactly one "
		    "socket", 0);
	if (r == -ENOTSOCK)
		ph_priv_die("socket activation: fd 3 is not a SOCK_SEQPACKET "
		    "listener", 0);
	if (r < 0)
		ph_priv_die("fd 3", -r);
	if (getsockname(3, (struct sockaddr *)&sun, &sl) == -1 ||
	    sl <= offsetof(struct sockaddr_un, sun_path) ||
	    strncmp(sun.sun_path, path, sizeof(sun.sun_path)) != 0)
		ph_priv_die("socket activation: fd 3 is not bound at the "
		    "configured path", 0);
	if (lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode) || st.st_uid != 0)
		ph_priv_die("socket activation: the socket is not root's", 0);
	return 3;
}

/*
 * Make the run directory: root's, 0755 (our umask is 077 by now, so the
 * mode is set through an fd of the new directory), not writable by
 * others, and searchable by everyone: the socket in it is for all users.
 */
void
daemon_make_rundir(const char *path)
{
	struct stat	 st;
	char		 dir[PATH_MAX];
	char		*slash;
	int		 fd = -1, r;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		ph_priv_die("socket path too long", 0);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		ph_priv_die("the socket path must be absolute, in a directory",
		    0);
	*slash = '\0';
	if (mkdir(dir, 0755) == 0) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 || fchmod(fd, 0755) == -1)
			ph_priv_die("cannot set the run directory's mode", errno);
		ph_fd_close(&fd);
	} else if (errno != EEXIST)
		ph_priv_die("cannot make the run directory", errno);
	if ((r = ph_dir_check_path(dir, 0)) < 0)
		ph_priv_die("the run directory is not safe (owned by root "
		    "or us, not writable by others)", r);
	if (stat(dir, &st) == -1 || (st.st_mode & 0005) != 0005)
		ph_priv_die("the run directory is not searchable by other "
		    "users (it needs mode 0755)", 0);
}

/* What the --user child answers: exactly this, or nothing. */
struct user_ids {
	uint32_t	uid;
	uint32_t	gid;
};

/*
 * The uid and primary gid of --user, from the bytes of /etc/passwd and
 * /etc/group that we read as root (S55: never NSS), parsed without root
 * (issue 9): a short-lived child drops for good to the kernel's overflow
 * ids (owned by no one; never root) with no capabilities, parses, and
 * writes back one struct user_ids on a pipe.  We take exactly that many
 * bytes and then end of file, and only from a child that exited 0; the
 * child cannot say anything else.  Dies on any failure.
 */
void
daemon_user_resolve(const char *user, const struct ph_text *pw,
    const struct ph_text *gr, uid_t *ret_uid, gid_t *ret_gid)
{
	struct ph_names	*names = NULL;
	struct user_ids	 ids;
	uid_t		 uid;
	gid_t		 gid;
	ssize_t		 n;
	size_t		 got = 0;
	pid_t		 pid;
	char		 extra;
	int		 p[2] = { -1, -1 }, st;

	if (pipe2(p, O_CLOEXEC) == -1)
		ph_priv_die("pipe", errno);
	if ((pid = fork()) == -1)
		ph_priv_die("fork", errno);
	if (pid == 0) {
		ph_fd_close(&p[0]);
		ph_priv_drop(OVERFLOW_ID, OVERFLOW_ID, 0, PH_DROP_NOEXEC);
		if (ph_names_parse(pw, gr, &names) == -EPERM)
			ph_priv_die("refusing to parse /etc/passwd as root "
			    "(a uid is still 0)", 0);
		if (names == NULL || ph_names_uid(names, user, &uid) < 0)
			ph_priv_die("unknown --user (not in /etc/passwd)", 0);
		if (ph_names_user_gid(names, user, &gid) < 0)
			ph_priv_die("cannot read the --user's group in "
			    "/etc/passwd", 0);
		memset(&ids, 0, sizeof(ids));
		ids.uid = uid;
		ids.gid = gid;
		if (write(p[1], &ids, sizeof(ids)) != (ssize_t)sizeof(ids))
			_exit(1);
		_exit(0);
	}
	ph_fd_close(&p[1]);
	while (got < sizeof(ids)) {
		n = read(p[0], (char *)&ids + got, sizeof(ids) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* Exactly sizeof(ids), then end of file. */
	while ((n = read(p[0], &extra, 1)) == -1 && errno == EINTR)
		;
	ph_fd_close(&p[0]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			ph_priv_die("waitpid", errno);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != sizeof(ids) ||
	    n != 0)
		ph_priv_die("cannot resolve --user", 0);
	/* S37: never "unchanged" to set*id(). */
	if (ids.uid == (uint32_t)-1 || ids.gid == (uint32_t)-1)
		ph_priv_die("cannot resolve --user", 0);
	*ret_uid = (uid_t)ids.uid;
	*ret_gid = (gid_t)ids.gid;
}
