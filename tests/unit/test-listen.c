/* SPDX-License-Identifier: ISC */
/*
 * test-listen.c - listening at a path and on abstract names, accepting
 * only allowed peers, and clients that check who answered.
 *
 * The socket's mode is right from birth whatever the umask (S8, S23); a
 * live server is never displaced and a stale socket of ours is (S24, S64,
 * S69); nothing that is not our socket is unlinked or followed (S22,
 * S25); abstract sockets demand an allow-list (S27); a client refuses a
 * server of another user (S28).  Cases that need another uid run when
 * root, with a uid that has no passwd entry (S37).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "tap.h"

#define OTHER_UID	4000000000u	/* S37: above INT_MAX, no passwd entry */

/* A stream client can connect to path (closed again). */
static int
connects(const char *path)
{
	int	fd = ph_connect(path, 0, NULL, NULL);

	if (fd < 3)
		return 0;
	ph_fd_close(&fd);
	return 1;
}

/* A client connects (ph_connect(path, flags)), l accepts; both closed. */
static void
connect_accept(struct ph_listener *l, const char *path, int flags)
{
	int	cfd, afd;

	cfd = ph_connect(path, flags, NULL, NULL);
	T_GE(cfd, 3);
	afd = ph_listener_accept(l, 0, NULL);
	T_GE(afd, 3);
	ph_fd_close(&cfd);
	ph_fd_close(&afd);
}

/* Become OTHER_UID for good (root only). */
static void
become_other(void)
{
	if (setgroups(0, NULL) == -1 || setresgid(OTHER_UID, OTHER_UID,
	    OTHER_UID) == -1 || setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == -1)
		_exit(99);
}

/* S8, S23: with umask 000 the socket file still has the asked mode. */
static void
test_s23_mode_from_birth(void)
{
	static const mode_t	 modes[] = { 0600, 0660, 0644, 0700 };
	static const mode_t	 masks[] = { 0, 077 };
	struct ph_listener	*l = NULL;
	struct stat		 st;
	char			 p[PATH_MAX], lk[PATH_MAX];
	mode_t			 old, now;
	size_t			 i, j;

	pathf(p, "m.sock");
	pathf(lk, "m.sock.lock");
	for (j = 0; j < 2; j++)
		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			old = umask(masks[j]);
			T_OK(ph_listen(p, 0, modes[i], 0, NULL, &l));
			now = umask(old);
			T_EQ(now, masks[j]);	/* process umask untouched */
			T_OK(lstat(p, &st));
			T_TRUE(S_ISSOCK(st.st_mode));
			T_EQ(st.st_mode & 07777, modes[i]);
			T_OK(lstat(lk, &st));
			T_EQ(st.st_mode & 07777, 0600);
			T_OK(ph_listener_close(l));
			T_EQ(lstat(p, &st), -1);	/* removed */
			T_EQ(lstat(lk, &st), -1);
		}
	T_EQ(ph_listen(p, 0, 01777, 0, NULL, &l), -EINVAL);
}

static void
test_connect_accept(void)
{
	struct ph_listener	*l = NULL;
	struct ph_peer		 peer, speer;
	char			 p[PATH_MAX], c = 0;
	int			 cfd = -1, afd = -1;

	pathf(p, "ca.sock");
	T_OK(ph_listen(p, 0, 0600, 0, NULL, &l));
	T_STREQ(ph_listener_path(l), p);
	T_GE(ph_listener_fd(l), 3);
	cfd = ph_connect(p, 0, NULL, &speer);
	T_GE(cfd, 3);
	T_EQ(speer.uid, geteuid());
	T_EQ(speer.pid, getpid());
	ph_peer_clear(&speer);
	afd = ph_listener_accept(l, PH_PEER_GROUPS | PH_PEER_PIDFD, &peer);
	T_GE(afd, 3);
	T_EQ(peer.uid, geteuid());
	T_EQ(peer.gid, getegid());
	T_EQ(fcntl(afd, F_GETFD), FD_CLOEXEC);
	T_EQ(fcntl(cfd, F_GETFD), FD_CLOEXEC);
	ph_peer_clear(&peer);
	T_EQ(write(cfd, "x", 1), 1);
	T_EQ(read(afd, &c, 1), 1);
	T_EQ(c, 'x');
	ph_fd_close(&cfd);
	ph_fd_close(&afd);
	T_OK(ph_listener_close(l));
}

static void
test_seqpacket(void)
{
	struct ph_listener	*l = NULL;
	char			 p[PATH_MAX];
	int			 v = 0;
	socklen_t		 sl = sizeof(v);

	pathf(p, "sp.sock");
	T_OK(ph_listen(p, PH_SOCK_SEQPACKET, 0600, 4, NULL, &l));
	T_OK(getsockopt(ph_listener_fd(l), SOL_SOCKET, SO_TYPE, &v, &sl));
	T_EQ(v, SOCK_SEQPACKET);
	/* a stream client does not reach a seqpacket server */
	T_EQ(ph_connect(p, 0, NULL, NULL), -EPROTOTYPE);
	connect_accept(l, p, PH_SOCK_SEQPACKET);
	T_OK(ph_listener_close(l));
}

/* S69: a live server holds the path; a second one is refused. */
static void
test_s69_second_server_refused(void)
{
	struct ph_listener	*l = NULL, *l2 = (struct ph_listener *)0x1;
	char			 p[PATH_MAX];
	pid_t			 pid;

	pathf(p, "one.sock");
	T_OK(ph_listen(p, 0, 0600, 0, NULL, &l));
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l2), -EADDRINUSE);
	T_TRUE(l2 == (struct ph_listener *)0x1);
	if ((pid = fork()) == 0) {
		struct ph_listener	*x = NULL;

		_exit(ph_listen(p, 0, 0600, 0, NULL, &x) == -EADDRINUSE ? 0 :
		    1);
	}
	T_EQ(wait_status(pid), 0);
	T_TRUE(connects(p));		/* the live socket still serves */
	T_OK(ph_listener_close(l));
}

/*
 * Fork a server: the child runs serve(p), exits with its status if that
 * is not 0, else says it is ready and pauses until killed.  Returns the
 * child's pid once it said so, or died (T_TRUE checks which).
 */
static pid_t
fork_server(int (*serve)(const char *), const char *p)
{
	int	sync[2], r;
	pid_t	pid;

	T_OK(pipe2(sync, O_CLOEXEC));
	if ((pid = fork()) == 0) {
		if ((r = serve(p)) != 0)
			_exit(r);
		ready_then_pause(sync[1]);
	}
	T_TRUE(wait_ready(sync));
	return pid;
}

/* A porthole listener at p, lock and all (1: failed). */
static int
serve_locked(const char *p)
{
	struct ph_listener	*x = NULL;

	return ph_listen(p, 0, 0600, 0, NULL, &x) < 0 ? 1 : 0;
}

/* A "fake server" of another user at p, without our lock (2: failed). */
static int
serve_fake_other(const char *p)
{
	struct sockaddr_un	sun;
	socklen_t		sl;
	int			s;

	become_other();
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	(void)umask(0);
	if (ph_sockaddr_set(&sun, &sl, p, 0) < 0 ||
	    bind(s, (struct sockaddr *)&sun, sl) == -1 ||
	    listen(s, 8) == -1)
		return 2;
	return 0;
}

/* S24, S64: a server killed with SIGKILL leaves a stale socket that the
 * next start takes over. */
static void
test_s24_stale_after_kill9(void)
{
	struct ph_listener	*l = NULL;
	struct stat		 st;
	char			 p[PATH_MAX];
	pid_t			 pid;

	pathf(p, "stale.sock");
	pid = fork_server(serve_locked, p);
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l), -EADDRINUSE);
	kill(pid, SIGKILL);
	T_EQ(wait_status(pid), 128 + SIGKILL);
	T_OK(lstat(p, &st));				/* left behind */
	T_OK(ph_listen(p, 0, 0600, 0, NULL, &l));	/* recovered */
	T_TRUE(connects(p));
	T_OK(ph_listener_close(l));
}

/* S24: a live server that does not use our lock is not displaced, even
 * with its backlog full (connect then says EAGAIN, not ECONNREFUSED). */
static void
test_s24_foreign_live_server(void)
{
	struct ph_listener	*l = NULL;
	struct sockaddr_un	 sun;
	socklen_t		 sl;
	struct stat		 a, b;
	char			 p[PATH_MAX];
	int			 srv = -1, cl[8], i;

	pathf(p, "foreign.sock");
	T_OK(ph_sockaddr_set(&sun, &sl, p, 0));
	srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_OK(bind(srv, (struct sockaddr *)&sun, sl));
	T_OK(listen(srv, 0));
	for (i = 0; i < 8; i++) {
		cl[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		(void)connect(cl[i], (struct sockaddr *)&sun, sl);
	}
	T_OK(lstat(p, &a));
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l), -EADDRINUSE);
	T_OK(lstat(p, &b));
	T_EQ(a.st_ino, b.st_ino);			/* same socket */
	tap_close_all(cl, 8);
	close(srv);
	/* now it is stale: replaced */
	T_OK(ph_listen(p, 0, 0600, 0, NULL, &l));
	T_OK(ph_listener_close(l));
}

/* S22, S24, S25: what is not our socket is never unlinked or followed. */
static void
test_s25_not_ours_left_alone(void)
{
	struct ph_listener	*l = NULL;
	struct stat		 st;
	char			 p[PATH_MAX], tgt[PATH_MAX];
	int			 fd;

	pathf(p, "squat.sock");
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l), -EEXIST);
	T_OK(lstat(p, &st));
	T_TRUE(S_ISREG(st.st_mode));
	T_OK(unlink(p));

	pathf(tgt, "target.sock");
	T_OK(symlink(tgt, p));				/* dangling */
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l), -EEXIST);
	T_EQ(lstat(tgt, &st), -1);			/* not created */
	T_OK(lstat(p, &st));
	T_TRUE(S_ISLNK(st.st_mode));
	T_OK(unlink(p));

	T_OK(mkdir(p, 0700));
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l), -EEXIST);
	T_OK(rmdir(p));
	/* the failures left no lock file behind */
	pathf(tgt, "squat.sock.lock");
	T_EQ(lstat(tgt, &st), -1);
}

/* S62: a symlink planted at the lock path is not followed. */
static void
test_s62_lock_symlink(void)
{
	struct ph_listener	*l = NULL;
	struct stat		 st;
	char			 p[PATH_MAX], lk[PATH_MAX], tgt[PATH_MAX];

	pathf(p, "ls.sock");
	pathf(lk, "ls.sock.lock");
	pathf(tgt, "victim");
	T_OK(symlink(tgt, lk));
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l), -ELOOP);
	T_EQ(lstat(tgt, &st), -1);
	T_EQ(lstat(p, &st), -1);
	T_OK(unlink(lk));
}

/* S21, S22: a directory others can write is refused. */
static void
test_s22_unsafe_dir(void)
{
	struct ph_listener	*l = NULL;
	char			 d[PATH_MAX], p[PATH_MAX];

	pathf(d, "open");
	T_OK(mkdir(d, 0700));
	T_OK(chmod(d, 0777));
	snprintf(p, sizeof(p), "%s/s.sock", d);
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l), -EACCES);
	T_EQ(access(p, F_OK), -1);
	T_OK(chmod(d, 01777));				/* sticky is fine */
	T_OK(ph_listen(p, 0, 0600, 0, NULL, &l));
	T_OK(ph_listener_close(l));
}

static void
test_s26_too_long(void)
{
	struct ph_listener	*l = NULL;
	char			 p[PATH_MAX];
	size_t			 n;

	pathf(p, "");
	n = strlen(p);
	memset(p + n, 'q', 120);
	p[n + 120] = '\0';
	T_EQ(ph_listen(p, 0, 0600, 0, NULL, &l), -ENAMETOOLONG);
	T_EQ(ph_connect(p, 0, NULL, NULL), -ENAMETOOLONG);
	p[n + 80] = '\0';		/* fits Linux, not 91 bytes */
	T_EQ(ph_listen(p, PH_PATH_PORTABLE, 0600, 0, NULL, &l),
	    -ENAMETOOLONG);
}

/* S27: abstract sockets demand an allow-list. */
static void
test_s27_abstract(void)
{
	struct ph_listener	*l = NULL;
	struct ph_allow		*a = NULL;
	const char		*name;

	T_EQ(ph_listen_abstract(NULL, 0, 0, NULL, &l), -EINVAL);
	T_OK(ph_allow_new(&a));
	T_OK(ph_allow_uid(a, geteuid()));
	T_OK(ph_listen_abstract(NULL, 0, 0, a, &l));
	name = ph_listener_path(l);
	T_EQ(strncmp(name, "@porthole-", 10), 0);
	T_EQ(strlen(name), 1 + 9 + 16);
	connect_accept(l, name, PH_PATH_ABSTRACT);
	T_OK(ph_listener_close(l));
	/* a given name; taken twice is EADDRINUSE */
	T_OK(ph_listen_abstract("@ph-test-fixed", 0, 0, a, &l));
	{
		struct ph_listener	*l2 = NULL;

		T_EQ(ph_listen_abstract("ph-test-fixed", 0, 0, a, &l2),
		    -EADDRINUSE);
	}
	T_OK(ph_listener_close(l));
	ph_allow_free(a);
}

/* Refused peers are closed before any byte is read, and named. */
static void
test_refused_peer_as_root(void)
{
	struct ph_listener	*l = NULL;
	struct ph_allow		*a = NULL;
	struct ph_peer		 peer;
	char			 p[PATH_MAX];
	pid_t			 pid;
	int			 r;

	if (tap_skip_unless_root(9,
	    "needs root to connect as another uid"))
		return;
	pathf(p, "refuse.sock");
	T_OK(ph_listen(p, 0, 0666, 0, NULL, &l));
	if ((pid = fork()) == 0) {
		char	c;
		int	fd;

		become_other();
		fd = ph_connect(p, 0, NULL, NULL);	/* root server: ok */
		if (fd < 0)
			_exit(2);
		/* the server may have closed already: no SIGPIPE */
		(void)send(fd, "secret", 6, MSG_NOSIGNAL);
		/* refused: the server closes at once */
		_exit(read(fd, &c, 1) == 0 || errno == ECONNRESET ? 0 : 3);
	}
	memset(&peer, 0, sizeof(peer));
	peer.pidfd = -1;
	r = ph_listener_accept(l, 0, &peer);
	T_EQ(r, -EPERM);
	T_EQ(peer.uid, OTHER_UID);			/* named for the log */
	ph_peer_clear(&peer);
	T_EQ(wait_status(pid), 0);

	/* the same uid allowed by an allow-list */
	T_OK(ph_listener_close(l));
	T_OK(ph_allow_new(&a));
	T_OK(ph_allow_uid(a, OTHER_UID));
	T_OK(ph_listen(p, 0, 0666, 0, a, &l));
	ph_allow_free(a);			/* the listener has a copy */
	if ((pid = fork()) == 0) {
		int	fd;

		become_other();
		if ((fd = ph_connect(p, 0, NULL, NULL)) < 0)
			_exit(2);
		(void)send(fd, "y", 1, MSG_NOSIGNAL);
		_exit(0);
	}
	r = ph_listener_accept(l, 0, &peer);
	T_GE(r, 3);
	T_EQ(peer.uid, OTHER_UID);
	ph_peer_clear(&peer);
	ph_fd_close(&r);
	T_EQ(wait_status(pid), 0);
	T_OK(ph_listener_close(l));
}

/* S28: a client refuses a server run by another user, before sending. */
static void
test_s28_client_checks_server(void)
{
	struct ph_allow	*a = NULL;
	struct ph_peer	 peer;
	char		 p[PATH_MAX];
	int		 fd;
	pid_t		 pid;

	if (tap_skip_unless_root(6,
	    "needs root to run a server as another uid"))
		return;
	/* a directory the other user may write, as a shared one would be */
	pathf(p, "fakedir");
	T_OK(mkdir(p, 0700));
	T_OK(chown(p, OTHER_UID, OTHER_UID));
	pathf(p, "fakedir/fake.sock");
	/* the test dir must let the other uid in: T is 0711 (see main) */
	pid = fork_server(serve_fake_other, p);
	memset(&peer, 0, sizeof(peer));
	peer.pidfd = -1;
	T_EQ(ph_connect(p, 0, NULL, &peer), -EPERM);
	T_EQ(peer.uid, OTHER_UID);
	ph_peer_clear(&peer);
	T_OK(ph_allow_new(&a));
	T_OK(ph_allow_uid(a, OTHER_UID));
	fd = ph_connect(p, 0, a, NULL);
	T_GE(fd, 3);
	ph_fd_close(&fd);
	ph_allow_free(a);
	kill(pid, SIGKILL);
	(void)wait_status(pid);
	(void)unlink(p);
}

/* S40: PH_SOCK_NOFDS makes the kernel refuse fds sent to us. */
static void
test_s40_nofds(void)
{
	struct ph_listener	*l = NULL;
	char			 p[PATH_MAX];
	int			 cfd, afd, pfd[2], one = 0;
	ssize_t			 r;

	pathf(p, "nofds.sock");
	T_OK(ph_listen(p, PH_SOCK_SEQPACKET, 0600, 0, NULL, &l));
	cfd = ph_connect(p, PH_SOCK_SEQPACKET, NULL, NULL);
	afd = ph_listener_accept(l, PH_SOCK_NOFDS, NULL);
	T_GE(afd, 3);
	T_OK(pipe2(pfd, O_CLOEXEC));
	if (setsockopt(cfd, SOL_SOCKET, 83, &one, sizeof(one)) == -1 &&
	    errno == ENOPROTOOPT) {
		tap_skip(1, "kernel without SO_PASSRIGHTS");
	} else {
		r = ph_send_fds(cfd, "x", 1, pfd, 1);
		T_EQ(r, -EPERM);			/* kernel-facts V9 */
	}
	tap_close_all(pfd, 2);
	ph_fd_close(&cfd);
	ph_fd_close(&afd);
	T_OK(ph_listener_close(l));
}

/* S88: binding in many threads never changes the process umask. */
static void *
listen_thread(void *arg)
{
	struct ph_listener	*l = NULL;
	char			 p[PATH_MAX];
	int			 i, ok = 1;

	for (i = 0; i < 20; i++) {
		snprintf(p, sizeof(p), "%s/t%ld-%d.sock", T, (long)arg, i);
		if (ph_listen(p, 0, 0600, 0, NULL, &l) < 0 ||
		    ph_listener_close(l) < 0)
			ok = 0;
	}
	return ok ? arg : NULL;
}

static void
test_s88_threads_and_umask(void)
{
	pthread_t	t[4];
	void		*res;
	long		i;
	int		fails = 0, fd;
	char		p[PATH_MAX];
	struct stat	st;
	mode_t		old = umask(022);

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, listen_thread, (void *)(i + 1));
	/* meanwhile, files made here must get the process umask */
	for (i = 0; i < 200; i++) {
		snprintf(p, sizeof(p), "%s/f%ld", T, i);
		fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0 || fstat(fd, &st) == -1 ||
		    (st.st_mode & 0777) != 0644)
			fails++;
		if (fd >= 0)
			close(fd);
		unlink(p);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &res);
		T_TRUE(res == (void *)(i + 1));
	}
	T_EQ(fails, 0);
	T_EQ(umask(old), 022);
}

int
main(void)
{
	tap_start_dir(0);
	/* other uids must reach sockets here (root cases); not list it */
	(void)chmod(T, 0711);
	TAP_RUN(test_s23_mode_from_birth);
	TAP_RUN(test_connect_accept);
	TAP_RUN(test_seqpacket);
	TAP_RUN(test_s69_second_server_refused);
	TAP_RUN(test_s24_stale_after_kill9);
	TAP_RUN(test_s24_foreign_live_server);
	TAP_RUN(test_s25_not_ours_left_alone);
	TAP_RUN(test_s62_lock_symlink);
	TAP_RUN(test_s22_unsafe_dir);
	TAP_RUN(test_s26_too_long);
	TAP_RUN(test_s27_abstract);
	TAP_RUN(test_refused_peer_as_root);
	TAP_RUN(test_s28_client_checks_server);
	TAP_RUN(test_s40_nofds);
	TAP_RUN(test_s88_threads_and_umask);
	return tap_done();
}
