/* SPDX-License-Identifier: ISC */
/*
 * listen-env.c - `porthole listen`: what PROGRAM is given.  PROGRAM
 * itself, found at start; the environment of ucspi-unix's unixserver
 * (UNIXLOCALPATH from the socket), built in the server before each
 * spawn; the signal state the server keeps and PROGRAM must not
 * inherit; and the vfork()ed child's side up to exec (listen.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "cli.h"
#include "listen.h"


/*
 * PROGRAM runs for each connection, long after start: one that cannot
 * run would show only as connections closed at once.  Look for it now
 * as execvpe() will (with the same PATH: ours does not change), and end
 * as run and exec do: 127 not found, 126 cannot be run.  A check of the
 * moment, by path: at each connection the exec decides (child_exec()).
 */
void
listen_check_program(const char *name)
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

/* The name of fd 3, from the service manager, into s->localpath: what
 * UNIXLOCALPATH says. */
void
listen_name_fd3(struct server *s)
{
	struct sockaddr_un	sun;
	socklen_t		sl = sizeof(sun);
	size_t			off = offsetof(struct sockaddr_un, sun_path), n;

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

void
listen_env_prepare(const struct server *s, const struct ph_peer *peer)
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
noreturn void
listen_child_exec(const struct server *s, int conn)
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
 * Signals: SIGCHLD, SIGTERM, SIGINT and SIGHUP are blocked and read from
 * a signalfd, so no work happens in a handler.  An inherited SIG_IGN
 * (a background job of a non-interactive shell ignores SIGINT) would
 * discard them before the signalfd sees them, so they are set to
 * SIG_DFL, after blocking.  SIGPIPE is ignored (S82): a closed stderr or
 * stdout must give EPIPE, not kill the server.
 */
int
listen_signals_setup(void)
{
	static const int	sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	size_t			i;
	int			fd;

	if ((fd = ph_srv_signalfd(sigs, sizeof(sigs) / sizeof(sigs[0]))) < 0)
		return fd;
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
	return fd;
}
