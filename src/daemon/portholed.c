/* SPDX-License-Identifier: ISC */
/*
 * portholed.c - the porthole broker daemon.  It listens on a root-owned
 * SOCK_SEQPACKET socket (mode 0666: the decision is per request, by the
 * kernel's peer credentials and the policy), drops to an unprivileged
 * user keeping only CAP_NET_BIND_SERVICE (and CAP_NET_RAW if the policy
 * grants raw or packet sockets), and answers requests with the same
 * handler as porthole-helper (priv.c).
 *
 * Runs as: root at start (or a service manager's user with ambient
 * capabilities), then --user (default nobody) with those capabilities.
 *
 * One thread, non-blocking everywhere, bounded everything (S79-S85): at
 * most MAX_CLIENTS connections, MAX_PER_UID per uid, an idle deadline and
 * a lifetime per connection on CLOCK_MONOTONIC (S90), EMFILE without
 * spinning, MSG_NOSIGNAL on every send.  A bad client is dropped, never
 * the daemon.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>		/* POSIX's name; musl warns on <sys/poll.h> */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"
#include "paths.h"
#include "policy.h"
#include "priv.h"
#include "privlog.h"
#include "grant.h"
#include "proto.h"

#define MAX_CLIENTS	256
#define MAX_PER_UID	16
#define IDLE_MS		10000		/* a client silent this long goes */
#define LIFETIME_MS	300000		/* no connection lives longer */
#define EMFILE_PAUSE_MS	200		/* stop accepting this long (S79) */

struct client {
	int		 fd;		/* -1: free slot */
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	gid_t		*groups;
	size_t		 ngroups;
	long long	 born, last;	/* ms, CLOCK_MONOTONIC */
};

static struct client	 clients[MAX_CLIENTS];
static struct ph_policy	*policy;
static const char	*policy_path = PH_POLICY_PATH;

static long long
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* Load the policy; on failure keep `keep` (S54) or an empty one (S53). */
static struct ph_policy *
policy_load(struct ph_policy *keep)
{
	struct ph_policy	*p = NULL;
	char			 err[256];

	if (ph_policy_load(policy_path, &p, err, sizeof(err)) == 0) {
		ph_log(LOG_NOTICE, "policy %s loaded: %zu rules", policy_path,
		    ph_policy_nrules(p));
		ph_policy_free(keep);
		return p;
	}
	if (keep != NULL) {
		ph_log(LOG_ERR, "%s; keeping the previous policy", err);
		return keep;
	}
	ph_log(LOG_ERR, "%s; nothing is granted until it is fixed", err);
	if (ph_policy_parse("", 0, policy_path, NULL, &p, err,
	    sizeof(err)) < 0)
		ph_priv_die("cannot make an empty policy", 0);
	return p;
}

/*
 * S30: take an inherited listener only if it was meant for us
 * (LISTEN_PID), is exactly one AF_UNIX SOCK_SEQPACKET listener, and is
 * bound at our socket path, a socket owned by root.
 */
static int
activation_fd(const char *path)
{
	const char		*pid = getenv("LISTEN_PID");
	const char		*fds = getenv("LISTEN_FDS");
	struct ph_fdinfo	 fi;
	struct sockaddr_un	 sun;
	struct stat		 st;
	socklen_t		 sl = sizeof(sun);
	pid_t			 p;

	if (pid == NULL || fds == NULL)
		return -1;
	if (ph_pid_parse(pid, strlen(pid), &p) < 0 || p != getpid())
		return -1;
	if (strcmp(fds, "1") != 0)
		ph_priv_die("socket activation: expected exactly one socket", 0);
	if (ph_fd_info(3, &fi) < 0 || fi.kind != PH_FD_SOCKET ||
	    fi.family != AF_UNIX || fi.type != SOCK_SEQPACKET || !fi.listening)
		ph_priv_die("socket activation: fd 3 is not a SOCK_SEQPACKET "
		    "listener", 0);
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
static void
make_rundir(const char *path)
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

static void
client_drop(struct client *c)
{
	ph_fd_close(&c->fd);
	free(c->groups);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int
count_uid(uid_t uid)
{
	int	i, n = 0;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0 && clients[i].uid == uid)
			n++;
	return n;
}

/* Accept one connection; returns -EMFILE/-ENFILE to pause accepting. */
static int
accept_one(int lfd)
{
	struct ph_peer	peer;
	struct client	*c = NULL;
	int		fd, i, r;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1)
		return -errno;
	/* Just accepted, so connected: the check for a listening socket in
	 * ph_peer_get() would be a syscall per request for nothing. */
	if ((r = ph__peer_get(fd, PH_PEER_GROUPS, &peer)) < 0) {
		ph_fd_close(&fd);
		return 0;
	}
	for (i = 0; i < MAX_CLIENTS && c == NULL; i++)
		if (clients[i].fd < 0)
			c = &clients[i];
	/* S80: a flood from one uid cannot starve the others. */
	if (c == NULL || count_uid(peer.uid) >= MAX_PER_UID) {
		ph_log(LOG_WARNING, "refused uid=%u pid=%ld: too many "
		    "connections", (unsigned)peer.uid, (long)peer.pid);
		ph_peer_clear(&peer);
		ph_fd_close(&fd);
		return 0;
	}
	c->fd = fd;
	c->uid = peer.uid;
	c->gid = peer.gid;
	c->pid = peer.pid;
	c->groups = peer.groups;	/* ownership moves to the client */
	c->ngroups = peer.ngroups;
	peer.groups = NULL;
	ph_peer_clear(&peer);
	c->born = c->last = now_ms();
	return 0;
}

/* One message from a client: answer it, or drop the client. */
static void
serve(struct client *c)
{
	struct ph_requester	who;
	struct ph_msg_reply	reply;
	struct ph_audit		audit;
	char			buf[PH_MSG_MAX];
	size_t			nfds = 1;
	ssize_t			n;
	int			fd = -1, out = -1, r;

	n = ph_recv_fds(c->fd, buf, sizeof(buf), &fd, &nfds);
	if (n == -EAGAIN)
		return;
	if (n <= 0) {			/* EOF, or oversize/bad: drop (S70) */
		client_drop(c);
		return;
	}
	if (nfds == 0)
		fd = -1;
	c->last = now_ms();
	who.uid = c->uid;
	who.gid = c->gid;
	who.groups = c->groups;
	who.ngroups = c->ngroups;
	r = ph_broker_handle(policy, &who, 0, buf, (size_t)n, fd, &reply,
	    &out, &audit);
	ph_log_audit(&audit, &who, c->pid);
	if (r < 0) {
		client_drop(c);		/* S71: its fd closed already */
		return;
	}
	/* A client that does not read its answer is dropped (S82). */
	if (ph_send_fds(c->fd, &reply, sizeof(reply), out >= 0 ? &out : NULL,
	    out >= 0) < 0)
		client_drop(c);
	ph_fd_close(&out);		/* S44: the client's copy is its own */
}

/*
 * The primary gid of `user`, from /etc/passwd read directly (S55): the
 * first line "user:x:uid:gid:..." with a strict decimal gid.  Returns
 * (gid_t)-1 when there is none.
 */
static gid_t
user_gid(const char *user)
{
	FILE		*f;
	char		 line[1024], *p, *q;
	unsigned long	 v;
	size_t		 ulen = strlen(user);
	gid_t		 gid = (gid_t)-1;
	int		 field;

	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return gid;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, user, ulen) != 0 || line[ulen] != ':')
			continue;
		/* fields: name, password, uid, gid */
		for (p = line, field = 0; field < 3 && p != NULL; field++)
			if ((p = strchr(p, ':')) != NULL)
				p++;
		if (p != NULL && (q = strchr(p, ':')) != NULL &&
		    ph__parse_uint(p, (size_t)(q - p), 0, 4294967294UL, &v)
		    == 0)
			gid = (gid_t)v;
		break;
	}
	(void)fclose(f);
	return gid;
}

int
main(int argc, char **argv)
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
	struct pollfd		 pfd[2 + MAX_CLIENTS];
	struct ph_listener	*l = NULL;
	struct ph_names		*names = NULL;
	struct signalfd_siginfo	 si;
	const char		*user = "nobody", *sock = PH_BROKER_SOCK;
	unsigned long long	 caps;
	long long		 t, pause_until = 0, wake;
	sigset_t		 sigs;
	uid_t			 uid;
	gid_t			 gid;
	int			 c, fg = 0, lfd = -1, sfd = -1, i, n, r;
	int			 slot[MAX_CLIENTS];

	if (argc < 1 || argv[0] == NULL || argv[0][0] == '\0')
		_exit(1);		/* S1 */
	ph_priv_prog = "portholed";
	while ((c = getopt_long(argc, argv, "fu:p:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fg = 1;
			break;
		case 'u':
			user = optarg;
			break;
		case 'p':
			policy_path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			(void)printf("portholed %s\n", PH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (policy_path[0] != '/' || sock[0] != '/')
		ph_priv_die("--policy and --socket take absolute paths", 0);
	lfd = activation_fd(sock);
	ph_priv_sanitize(lfd);		/* after reading LISTEN_*: S2-S9 */
	ph_log_open("portholed", fg);

	/* The user to become, from /etc/passwd itself: no NSS (S55). */
	if (ph_names_load("/etc/passwd", "/etc/group", &names) < 0 ||
	    ph_names_uid(names, user, &uid) < 0)
		ph_priv_die("unknown --user (not in /etc/passwd)", 0);
	ph_names_free(names);
	if ((gid = user_gid(user)) == (gid_t)-1)
		ph_priv_die("cannot read the --user's group in /etc/passwd", 0);
	if (uid == 0)
		ph_priv_die("--user must not be root", 0);

	policy = policy_load(NULL);
	if (lfd < 0) {
		make_rundir(sock);
		r = ph_listen(sock, PH_SOCK_SEQPACKET | PH_SOCK_NONBLOCK, 0666,
		    128, NULL, &l);
		if (r == -EADDRINUSE)
			ph_priv_die("already running", 0);
		if (r < 0)
			ph_priv_die("cannot listen", r);
		lfd = ph_listener_fd(l);
	} else if (fcntl(lfd, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(lfd, F_SETFD, FD_CLOEXEC) == -1)
		ph_priv_die("fd 3", errno);

	/* Signals through a signalfd: no handler runs in privileged code. */
	(void)sigemptyset(&sigs);
	(void)sigaddset(&sigs, SIGHUP);
	(void)sigaddset(&sigs, SIGTERM);
	(void)sigaddset(&sigs, SIGINT);
	(void)sigaddset(&sigs, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) == -1 ||
	    (sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		ph_priv_die("signalfd", errno);

	/* Drop: the user, and only the capabilities the policy needs. */
	caps = 1ULL << CAP_NET_BIND_SERVICE;
	if (ph_policy_needs_raw(policy))
		caps |= 1ULL << CAP_NET_RAW;
	ph_priv_drop(uid, gid, caps, 0);
	ph_log(LOG_NOTICE, "listening on %s as uid %u with %s", sock,
	    (unsigned)getuid(), (caps >> CAP_NET_RAW) & 1 ?
	    "CAP_NET_BIND_SERVICE and CAP_NET_RAW" : "CAP_NET_BIND_SERVICE");

	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	for (;;) {
		t = now_ms();
		wake = -1;
		n = 0;
		pfd[n].fd = sfd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = t >= pause_until ? lfd : -1;
		pfd[n++].events = POLLIN;
		if (t < pause_until)
			wake = pause_until - t;
		for (i = 0; i < MAX_CLIENTS; i++) {
			long long	dl;

			if (clients[i].fd < 0)
				continue;
			/* S81: idle and lifetime deadlines. */
			dl = clients[i].last + IDLE_MS;
			if (clients[i].born + LIFETIME_MS < dl)
				dl = clients[i].born + LIFETIME_MS;
			if (dl <= t) {
				client_drop(&clients[i]);
				continue;
			}
			if (wake < 0 || dl - t < wake)
				wake = dl - t;
			slot[n - 2] = i;
			pfd[n].fd = clients[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, wake < 0 ? -1 : (int)wake) == -1) {
			if (errno == EINTR)
				continue;
			ph_priv_die("poll", errno);
		}
		if (pfd[0].revents & POLLIN) {
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					policy = policy_load(policy);
				else if (si.ssi_signo != SIGPIPE) {
					ph_log(LOG_NOTICE, "exiting on signal "
					    "%u", si.ssi_signo);
					return 0;
				}
			}
		}
		if (pfd[1].revents & POLLIN) {
			r = accept_one(lfd);
			if (r == -EMFILE || r == -ENFILE) {
				ph_log(LOG_WARNING, "out of fds: pausing "
				    "accept");
				pause_until = now_ms() + EMFILE_PAUSE_MS;
			}
		}
		for (i = 2; i < n; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				if (clients[slot[i - 2]].fd == pfd[i].fd)
					serve(&clients[slot[i - 2]]);
	}
}
