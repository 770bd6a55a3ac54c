/* SPDX-License-Identifier: ISC */
/*
 * connect.c - porthole connect [-U USER|UID]... PATH|@NAME
 * [-- PROGRAM [ARG...]]: connect to a Unix stream socket and check who
 * answered before a single byte is sent (S28).  The server's uid, from
 * SO_PEERCRED, must be one given with -U, or by default our own or
 * root's; any other server is refused with its uid named, so that a
 * squatted path (S22) or a fake server started first gets nothing.
 *
 * Then either run PROGRAM as a UCSPI client (the connection on fds 6 and
 * 7, PROTO=UNIX and UNIXREMOTE* in the environment, as unixclient does),
 * or relay standard input to the socket and the socket to standard
 * output until both directions have ended, half-closing each one as its
 * source ends (like socat - UNIX-CONNECT:PATH).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "cli.h"

#define RELAY_BUF	65536	/* per direction: the relay's memory bound */
#define UCSPI_RFD	6	/* UCSPI: the client reads from fd 6 ... */
#define UCSPI_WFD	7	/* ... and writes to fd 7 */

static void
connect_help(void)
{
	(void)printf(
	    "Usage: porthole connect [-U USER|UID]... PATH|@NAME "
	    "[-- PROGRAM [ARG...]]\n"
	    "\n"
	    "Connect to the Unix stream socket PATH (or the abstract name\n"
	    "NAME) and check who answered before anything is sent: the\n"
	    "server must run as a user given with -U, or by default as you or\n"
	    "root.  Any other server is refused.\n"
	    "\n"
	    "Without PROGRAM, relay standard input to the socket and the\n"
	    "socket to standard output until both sides end.  With PROGRAM,\n"
	    "run it with the connection on fds 6 (read) and 7 (write) and\n"
	    "PROTO=UNIX, UNIXREMOTEEUID, UNIXREMOTEEGID and UNIXREMOTEPID set,\n"
	    "as unixclient does.\n"
	    "\n"
	    "  -U, --server-user USER|UID  accept a server run by this user\n"
	    "                   (repeat, or separate with commas); replaces\n"
	    "                   the default of you or root\n"
	    "  -h, --help       show this help\n"
	    "\n"
	    "Exit status: 0 done, 1 failed or server refused, 2 usage error;\n"
	    "with PROGRAM: 125 porthole failed, 126 PROGRAM cannot be run,\n"
	    "127 PROGRAM not found, else PROGRAM's own status.\n");
}

/*
 * A uid from "USER" or "UID".  All digits is always a number (as
 * systemd does), so that "-U 1000" never depends on NSS; anything else
 * is a name for getpwnam().  This is the unprivileged command, so NSS is
 * fine here (it is not in the helper: S3).  Returns 0 or -EINVAL.
 */
static int
parse_user(const char *s, size_t len, uid_t *ret_uid)
{
	struct passwd	*pw;
	unsigned long	 v;
	char		 name[256];

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	if (strspn(s, "0123456789") >= len) {
		/* (uid_t)-1 means "unknown" to SO_PEERCRED (S37). */
		if (ph__parse_uint(s, len, 0, 4294967294UL, &v) < 0)
			return -EINVAL;
		*ret_uid = (uid_t)v;
		return 0;
	}
	memcpy(name, s, len);
	name[len] = '\0';
	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return -EINVAL;
	*ret_uid = pw->pw_uid;
	return 0;
}

/* Add every uid of a "-U a,b,1000" argument to `a`; usage error if bad. */
static void
allow_users(struct ph_allow *a, const char *arg)
{
	const char	*p = arg, *comma;
	size_t		 len;
	uid_t		 uid;
	int		 r;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (parse_user(p, len, &uid) < 0)
			usage_error("-U '%.*s': no such user or uid",
			    (int)(len > 255 ? 255 : len), p);
		if ((r = ph_allow_uid(a, uid)) < 0)
			die(1, r, "-U '%.*s'", (int)(len > 255 ? 255 : len), p);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

/* The user name of `uid` for a message, or "" when it has none. */
static const char *
user_name(uid_t uid)
{
	struct passwd	*pw = getpwuid(uid);

	return pw != NULL && pw->pw_name != NULL ? pw->pw_name : "";
}

/*
 * Connect, or end the command with a message.  `status` is the exit
 * status for any failure (1, or 125 when a PROGRAM was to be run).
 * Returns the new O_CLOEXEC connected fd; fills *ret_peer.
 */
static int
connect_or_die(const char *target, const struct ph_allow *servers,
    int status, struct ph_peer *ret_peer)
{
	struct ph_peer	 peer;
	const char	*name;
	unsigned long	 uid;
	int		 fd = -1, flags = 0;

	/* "@NAME" is the abstract namespace, never a file (S27). */
	if (target[0] == '@')
		flags |= PH_PATH_ABSTRACT;
	memset(&peer, 0, sizeof(peer));
	peer.pidfd = -1;
	fd = ph_connect(target, flags, servers, &peer);
	if (fd == -EPERM) {
		/* S28: say who answered, so the user can judge. */
		uid = (unsigned long)peer.uid;
		name = user_name(peer.uid);
		ph_peer_clear(&peer);
		if (servers == NULL)
			die(status, 0, "refusing server at '%s': it runs as "
			    "uid %lu%s%s%s, not you or root; use -U to allow it",
			    target, uid,
			    name[0] ? " (" : "", name, name[0] ? ")" : "");
		die(status, 0, "refusing server at '%s': it runs as uid %lu"
		    "%s%s%s, which -U does not allow", target,
		    uid, name[0] ? " (" : "", name,
		    name[0] ? ")" : "");
	}
	if (fd == -ENAMETOOLONG)
		die(status, 0, "'%s' is too long for a socket address (%u "
		    "bytes at most); refusing to truncate it", target,
		    (unsigned)PH_SOCKPATH_MAX);
	if (fd == -ECONNREFUSED)
		die(status, 0, "cannot connect to '%s': no server is listening "
		    "there", target);
	if (fd == -EPROTOTYPE)
		die(status, 0, "cannot connect to '%s': it is not a stream "
		    "socket", target);
	if (fd < 0)
		die(status, fd, "cannot connect to '%s'", target);
	*ret_peer = peer;
	return fd;
}

/* Set an environment variable to a number, or end with status 125. */
static void
setenv_num(const char *var, unsigned long v)
{
	char	num[32];

	(void)snprintf(num, sizeof(num), "%lu", v);
	if (setenv(var, num, 1) == -1)
		die(EXIT_CANNOT, errno, "setenv %s", var);
}

/*
 * UCSPI client: put the connection (consumed) on fds 6 and 7, describe
 * both ends in the environment and exec PROGRAM in place.  Never returns.
 */
static void
run_program(int sock, const char *target, const struct ph_peer *peer,
    char **argv)
{
	int	hi = -1;

	/*
	 * Move the socket above 7 first, so that dup2() never copies it
	 * onto itself (that would leave FD_CLOEXEC set).  dup2() clears
	 * FD_CLOEXEC on 6 and 7, which are meant to be inherited; every
	 * other fd we opened is O_CLOEXEC and goes away at exec.
	 */
	if ((hi = fcntl(sock, F_DUPFD_CLOEXEC, UCSPI_WFD + 1)) == -1)
		die(EXIT_CANNOT, errno, "moving the connection");
	ph_fd_close(&sock);
	if (dup2(hi, UCSPI_RFD) == -1 || dup2(hi, UCSPI_WFD) == -1)
		die(EXIT_CANNOT, errno, "placing the connection on fds 6 "
		    "and 7");
	ph_fd_close(&hi);

	/* Nothing inherited may pose as a description of this link. */
	(void)unsetenv("UNIXREMOTEPID");
	if (setenv("PROTO", "UNIX", 1) == -1)
		die(EXIT_CANNOT, errno, "setenv PROTO");
	/* unixclient sets the path it connected to here, too. */
	if (setenv("UNIXLOCALPATH", target, 1) == -1)
		die(EXIT_CANNOT, errno, "setenv UNIXLOCALPATH");
	setenv_num("UNIXREMOTEEUID", (unsigned long)peer->uid);
	setenv_num("UNIXREMOTEEGID", (unsigned long)peer->gid);
	/* pid 0: the server is in another pid namespace; say nothing. */
	if (peer->pid > 0)
		setenv_num("UNIXREMOTEPID", (unsigned long)peer->pid);
	setenv_num("UNIXLOCALUID", (unsigned long)geteuid());
	setenv_num("UNIXLOCALGID", (unsigned long)getegid());
	/* We exec in place, so the program's pid is ours. */
	setenv_num("UNIXLOCALPID", (unsigned long)getpid());

	execvp(argv[0], argv);
	die(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, errno,
	    "cannot run '%s'", argv[0]);
}

/* One direction of the relay: a bounded buffer and its state. */
struct half {
	char	buf[RELAY_BUF];
	size_t	off, len;	/* pending bytes: buf[off .. off+len) */
	int	eof;		/* the source has ended */
};

/* The relay's state (relay()). */
struct relay {
	struct half	 in, out;	/* stdin->sock, sock->stdout */
	int		 sock;		/* borrowed */
	const char	*target;
	size_t		 chunk_max;	/* per write to stdout */
	int		 wr_shut, out_closed, peer_gone;
	int		 got, sent, lost;
};

/*
 * Tell whoever reads our standard output that no more is coming, while
 * standard input is still relayed.  A socket is shut down for writing
 * (stdin may be the same socket); anything else is replaced with
 * /dev/null so that our reference to a pipe goes away and fd 1 stays
 * taken (S4).
 */
static void
halfclose_stdout(void)
{
	struct stat	st;
	int		null = -1;

	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISSOCK(st.st_mode)) {
		(void)shutdown(STDOUT_FILENO, SHUT_WR);	/* may be ENOTCONN */
		return;
	}
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		return;		/* keep stdout; the reader sees EOF at exit */
	(void)dup2(null, STDOUT_FILENO);	/* dup2 clears FD_CLOEXEC */
	ph_fd_close(&null);
}

/*
 * The connection ended and the server sent nothing: tell it from a
 * server that has simply answered with nothing.  A server that refuses a
 * peer (porthole listen with -U/-G, or over its -c/-C limits) accepts and
 * closes at once, before reading a byte (S31), and the client cannot be
 * told more than that: the kernel shows it as EOF, or as ECONNRESET when
 * what we sent was still unread (unix(7)).  So the hang-up is a failure
 * when the server also left what we sent unread (ECONNRESET) or
 * undelivered (EPIPE), or hung up before we had sent anything while our
 * input had not ended.  With nothing to send at all (stdin at EOF at
 * once) a refusal and a silent answer look the same, and that is a
 * success (porthole(1), connect).
 */
static noreturn void
die_hung_up(const char *target)
{
	const char	*name = user_name(geteuid());

	/* geteuid(): what SO_PEERCRED showed the server. */
	die(1, 0, "'%s' closed the connection without a reply: the server "
	    "may not allow uid %lu%s%s%s, or be busy; its log says which",
	    target, (unsigned long)geteuid(),
	    name[0] ? " (" : "", name, name[0] ? ")" : "");
}

/* Half-close each direction whose source has ended; 1 when done. */
static int
relay_halfclose(struct relay *rl)
{
	if (rl->in.eof && rl->in.len == 0 && !rl->wr_shut && !rl->peer_gone) {
		if (shutdown(rl->sock, SHUT_WR) == -1 && errno != ENOTCONN)
			die(1, errno, "cannot half-close '%s'", rl->target);
		rl->wr_shut = 1;
	}
	if (rl->out.eof && rl->out.len == 0 && !rl->out_closed) {
		halfclose_stdout();
		rl->out_closed = 1;
	}
	return rl->out_closed && (rl->wr_shut || rl->peer_gone);
}

/* What to wait for: stdin, the socket, stdout. */
static void
relay_events(const struct relay *rl, struct pollfd pfd[3])
{
	/* stdin: read only into an empty buffer (the bound). */
	pfd[0].fd = (!rl->in.eof && rl->in.len == 0 && !rl->peer_gone) ?
	    STDIN_FILENO : -1;
	pfd[0].events = POLLIN;
	/*
	 * The socket: POLLIN while there is room, POLLOUT while there is
	 * data for it.  With neither, it is still watched after its EOF, for
	 * the POLLHUP that says the server has closed (then stdin need not
	 * be waited for); before its EOF it is left out, since a POLLHUP we
	 * cannot act on yet (stdout full) would make poll() spin.
	 */
	pfd[1].fd = rl->sock;
	pfd[1].events = 0;
	if (!rl->out.eof && rl->out.len == 0)
		pfd[1].events |= POLLIN;
	if (rl->in.len > 0 && !rl->peer_gone)
		pfd[1].events |= POLLOUT;
	if (pfd[1].events == 0 && !(rl->out.eof && !rl->peer_gone))
		pfd[1].fd = -1;
	pfd[2].fd = rl->out.len > 0 ? STDOUT_FILENO : -1;
	pfd[2].events = POLLOUT;
	pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
}

/* Standard input is readable (or at EOF): fill the empty buffer. */
static void
relay_read_stdin(struct relay *rl)
{
	ssize_t	r;

	r = read(STDIN_FILENO, rl->in.buf, sizeof(rl->in.buf));
	if (r > 0) {
		rl->in.off = 0;
		rl->in.len = (size_t)r;
	} else if (r == 0)
		rl->in.eof = 1;
	else if (errno != EINTR && errno != EAGAIN)
		die(1, errno, "cannot read standard input");
}

/* The socket said something (`revents`): read what it has for stdout. */
static void
relay_recv(struct relay *rl, short revents)
{
	ssize_t	r;

	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !rl->out.eof &&
	    rl->out.len == 0) {
		r = recv(rl->sock, rl->out.buf, sizeof(rl->out.buf),
		    MSG_DONTWAIT);
		if (r > 0) {
			rl->out.off = 0;
			rl->out.len = (size_t)r;
			rl->got = 1;
		} else if (r == 0)
			rl->out.eof = 1;
		else if (errno == ECONNRESET) {
			/* Closed with our data unread (unix(7)). */
			rl->out.eof = 1;
			rl->peer_gone = rl->lost = 1;
		} else if (errno != EINTR && errno != EAGAIN)
			die(1, errno, "cannot read from '%s'", rl->target);
	} else if ((revents & (POLLHUP | POLLERR)) && rl->out.eof)
		rl->peer_gone = 1;	/* the server closed both ways */
}

/* The socket said something (`revents`): send it what stdin gave. */
static void
relay_send(struct relay *rl, short revents)
{
	ssize_t	r;

	if ((revents & (POLLOUT | POLLHUP | POLLERR)) && rl->in.len > 0 &&
	    !rl->peer_gone) {
		/* MSG_NOSIGNAL: a closed server is EPIPE, not death. */
		r = send(rl->sock, rl->in.buf + rl->in.off, rl->in.len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r >= 0) {
			rl->in.off += (size_t)r;
			rl->in.len -= (size_t)r;
			rl->sent |= r > 0;
		} else if (errno == EPIPE || errno == ECONNRESET)
			rl->peer_gone = 1;
		else if (errno != EINTR && errno != EAGAIN)
			die(1, errno, "cannot write to '%s'", rl->target);
	}
	if (rl->peer_gone && rl->in.len > 0) {
		rl->in.len = 0;	/* no one will read it */
		rl->lost = 1;
	}
}

/* Standard output is writable: write at most chunk_max bytes. */
static void
relay_write_stdout(struct relay *rl)
{
	size_t	n;
	ssize_t	r;

	n = rl->out.len < rl->chunk_max ? rl->out.len : rl->chunk_max;
	/* SIGPIPE keeps its inherited disposition, as cat. */
	r = write(STDOUT_FILENO, rl->out.buf + rl->out.off, n);
	if (r >= 0) {
		rl->out.off += (size_t)r;
		rl->out.len -= (size_t)r;
	} else if (errno != EINTR && errno != EAGAIN)
		die(1, errno, "cannot write standard output");
}

/*
 * Relay stdin -> sock and sock -> stdout with poll(), at most RELAY_BUF
 * bytes in flight each way.  The socket is used with MSG_DONTWAIT, so it
 * never blocks; standard input is read only when poll() says so (a read
 * then returns what is there).  Standard output is not ours to make
 * non-blocking (the flag would be shared with other processes), so when
 * it is a pipe or a socket each write is at most PIPE_BUF bytes, which a
 * writable pipe always takes without blocking.
 *
 * Ends when the socket has reached EOF and everything read from it has
 * been written, and either standard input has ended (then the socket was
 * shut down for writing, the half-close) or the server can no longer
 * read (it closed: POLLHUP or EPIPE).  Standard input not yet sent when
 * the server closes is dropped, as when the reader of a pipe exits.
 * A server that hangs up without a reply and without taking our input
 * ends the command with status 1 (die_hung_up()).
 * Borrows sock.  Returns the exit status.
 */
static int
relay(int sock, const char *target)
{
	static struct relay	rl;	/* 2 * RELAY_BUF: not on the stack */
	struct pollfd		pfd[3];
	struct stat		st;

	rl.sock = sock;
	rl.target = target;
	rl.chunk_max = RELAY_BUF;
	if (fstat(STDOUT_FILENO, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		rl.chunk_max = PIPE_BUF;

	while (!relay_halfclose(&rl)) {
		relay_events(&rl, pfd);
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			die(1, errno, "poll");
		}
		if (pfd[0].revents != 0)
			relay_read_stdin(&rl);
		relay_recv(&rl, pfd[1].revents);
		relay_send(&rl, pfd[1].revents);
		if (pfd[2].revents != 0 && rl.out.len > 0)
			relay_write_stdout(&rl);
	}
	/* No reply, and the server did not take what we had for it. */
	if (!rl.got && rl.peer_gone && (rl.lost || (!rl.sent && !rl.in.eof)))
		die_hung_up(target);
	return 0;
}

int
cmd_connect(int argc, char **argv)
{
	static const struct cli_opts	opts = { ":U:h", connect_help, {
		{ "server-user", required_argument,	NULL, 'U' },
	} };
	struct ph_allow	 *servers = NULL;
	struct ph_peer	  peer;
	const char	 *target;
	char		**prog = NULL;
	int		  c, i, nargs, sock = -1, status, r;

	/*
	 * "--" ends our arguments and starts PROGRAM's.  Find it before
	 * getopt() runs: GNU getopt permutes (so -U may follow PATH) and
	 * would move the "--" out of sight.
	 */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			break;
	if (i < argc) {
		if (i + 1 >= argc)
			usage_error("missing PROGRAM after '--'");
		prog = argv + i + 1;
	}
	nargs = i;

	while ((c = cli_getopt(nargs, argv, &opts)) != -1) {
		/* -U, the only other option */
		if (servers == NULL && (r = ph_allow_new(&servers)) < 0)
			die(1, r, "allow-list");
		allow_users(servers, optarg);
	}
	if (nargs - optind < 1)
		usage_error("missing PATH or @NAME");
	if (nargs - optind > 1)
		usage_error("too many arguments; put '--' before PROGRAM");
	target = argv[optind];
	if (target[0] == '\0' || (target[0] == '@' && target[1] == '\0'))
		usage_error("empty socket path");

	/* With PROGRAM, our own failures are 125, as env(1) says. */
	status = prog != NULL ? EXIT_CANNOT : 1;
	sock = connect_or_die(target, servers, status, &peer);
	ph_allow_free(servers);
	servers = NULL;
	if (prog != NULL)
		run_program(sock, target, &peer, prog);	/* does not return */
	ph_peer_clear(&peer);
	r = relay(sock, target);
	ph_fd_close(&sock);
	return r;
}
