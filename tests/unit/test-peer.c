/* SPDX-License-Identifier: ISC */
/*
 * test-peer.c - peer credentials come only from the kernel, captured at
 * connect() or socketpair() time (S31, S33): uid, gid and pid from
 * SO_PEERCRED, supplementary groups from SO_PEERGROUPS (S36), and a pidfd
 * from SO_PEERPIDFD that is asked whether its process still lives,
 * because the kernel hands out a pidfd even for a reaped peer (S32,
 * kernel-facts V8).  Allow-lists admit by uid, primary gid or
 * supplementary group, refuse everyone else with -EPERM, fail closed when
 * groups cannot be learnt, and refuse (uid_t)-1 as an entry (S37).
 *
 * Cases that need other ids fork a child that becomes them when we are
 * root (uids above INT_MAX with no passwd entry, S37) and connect to an
 * abstract listener; otherwise they are skipped with "needs root".
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "tap.h"

#define BIG_UID		4000000000u	/* S37: above INT_MAX, no passwd */
#define BIG_UID2	4000000001u
#define SUPP_UID	4000000002u
#define SUPP_GID	12345u
#define LOCAL_GID	54321u		/* set on ourselves for a moment */
#define MANY_GROUPS	100		/* more than the library's 64 guess */
#define NO_CHANGE	((uid_t)-1)	/* spawn_peer: keep our ids */

/* Fill a record with a pattern the library never writes. */
static void
peer_sentinel(struct ph_peer *p)
{
	memset(p, 0x5a, sizeof(*p));
}

static int
peer_is_sentinel(const struct ph_peer *p)
{
	struct ph_peer	s;

	peer_sentinel(&s);
	return memcmp(p, &s, sizeof(s)) == 0;
}

static int
gid_cmp(const void *a, const void *b)
{
	gid_t	x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* Do two group lists hold the same gids (order ignored)? */
static int
same_groups(const gid_t *a, size_t na, const gid_t *b, size_t nb)
{
	gid_t	*x, *y;
	int	 same;

	if (na != nb)
		return 0;
	if (na == 0)
		return 1;
	if (a == NULL || b == NULL)
		return 0;
	x = malloc(na * sizeof(gid_t));
	y = malloc(nb * sizeof(gid_t));
	if (x == NULL || y == NULL) {
		free(x);
		free(y);
		return 0;
	}
	memcpy(x, a, na * sizeof(gid_t));
	memcpy(y, b, nb * sizeof(gid_t));
	qsort(x, na, sizeof(gid_t), gid_cmp);
	qsort(y, nb, sizeof(gid_t), gid_cmp);
	same = memcmp(x, y, na * sizeof(gid_t)) == 0;
	free(x);
	free(y);
	return same;
}

/* Our supplementary groups, malloc'd; *n is their count. */
static gid_t *
my_groups(size_t *n)
{
	gid_t	*g;
	int	 k;

	*n = 0;
	if ((k = getgroups(0, NULL)) < 0)
		return NULL;
	if ((g = malloc(((size_t)k + 1) * sizeof(gid_t))) == NULL)
		return NULL;
	if ((k = getgroups(k, g)) < 0) {
		free(g);
		return NULL;
	}
	*n = (size_t)k;
	return g;
}

/* A gid that is neither our egid nor one of our groups. */
static gid_t
foreign_gid(void)
{
	gid_t	*g, c;
	size_t	 n, i;
	int	 hit;

	g = my_groups(&n);
	for (c = 4000000003u;; c++) {
		hit = c == getegid();
		for (i = 0; i < n && !hit; i++)
			hit = g[i] == c;
		if (!hit)
			break;
	}
	free(g);
	return c;
}

/* The pid a pidfd names, from /proc/self/fdinfo; -1 if unknown. */
static long
pidfd_pid(int fd)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 pid = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Pid:", 4) == 0) {
			pid = strtol(line + 4, NULL, 10);
			break;
		}
	fclose(f);
	return pid;
}

/*
 * Fork a child that (when uid is not NO_CHANGE; root only) becomes
 * uid/gid uid with exactly `groups`, binds its own socket to an abstract
 * name that looks like credentials (S31, "dirty sock"), connects to a
 * fresh abstract listener of ours, and stays alive until *ret_hold is
 * closed.  Returns the accepted connection, or -1 (child reaped).
 */
static int
spawn_peer(uid_t uid, const gid_t *groups, size_t ngroups, pid_t *ret_pid,
    int *ret_hold)
{
	struct sockaddr_un	 sun, me;
	socklen_t		 len;
	struct pollfd		 pfd;
	int			 lfd, conn, hold[2];
	pid_t			 pid;
	char			 c;

	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* autobind: a unique abstract name chosen by the kernel */
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sa_family_t)) == -1 ||
	    listen(lfd, 4) == -1) {
		close(lfd);
		return -1;
	}
	len = sizeof(sun);
	if (getsockname(lfd, (struct sockaddr *)&sun, &len) == -1 ||
	    pipe2(hold, O_CLOEXEC) == -1) {
		close(lfd);
		return -1;
	}
	if ((pid = fork()) == -1) {
		close(lfd);
		tap_close_all(hold, 2);
		return -1;
	}
	if (pid == 0) {
		int	s;

		close(hold[1]);
		if (uid != NO_CHANGE && (setgroups(ngroups, groups) == -1 ||
		    setresgid(uid, uid, uid) == -1 ||
		    setresuid(uid, uid, uid) == -1))
			_exit(2);
		if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			_exit(3);
		memset(&me, 0, sizeof(me));
		me.sun_family = AF_UNIX;
		snprintf(me.sun_path + 1, sizeof(me.sun_path) - 1,
		    "x;uid=0;gid=0;pid=1;socket=%ld;", (long)getpid());
		if (bind(s, (struct sockaddr *)&me, (socklen_t)(
		    offsetof(struct sockaddr_un, sun_path) + 1 +
		    strlen(me.sun_path + 1))) == -1)
			_exit(4);
		if (connect(s, (struct sockaddr *)&sun, len) == -1)
			_exit(5);
		while (read(hold[0], &c, 1) == -1 && errno == EINTR)
			;
		_exit(0);
	}
	close(hold[0]);
	pfd.fd = lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 ||
	    (conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		tap_diag("spawn_peer: the child did not connect");
		kill(pid, SIGKILL);
		(void)wait_status(pid);
		close(lfd);
		close(hold[1]);
		return -1;
	}
	close(lfd);
	*ret_pid = pid;
	*ret_hold = hold[1];
	return conn;
}

/* Did spawn_peer() give a connection (conn >= 0)?  Checked as a test. */
static int
spawned(int conn)
{
	T_TRUE(conn >= 0);
	return conn >= 0;
}

/* Let the child of spawn_peer() exit; its exit status (0 expected). */
static int
peer_end(pid_t pid, int *hold)
{
	ph_fd_close(hold);
	return wait_status(pid);
}

/* SO_PEERCRED on a socketpair names us, for every socket type (S31, S33). */
static void
test_get_socketpair(void)
{
	static const int	 types[] = { SOCK_STREAM, SOCK_SEQPACKET,
				    SOCK_DGRAM };
	struct ph_peer		 p;
	gid_t			*mine;
	size_t			 nmine, i;
	int			 sp[2];

	mine = my_groups(&nmine);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		T_OK(socketpair(AF_UNIX, types[i] | SOCK_CLOEXEC, 0, sp));
		peer_sentinel(&p);
		T_OK(ph_peer_get(sp[0], 0, &p));
		T_EQ(p.uid, geteuid());
		T_EQ(p.gid, getegid());
		T_EQ(p.pid, getpid());
		T_EQ(p.pidfd, -1);		/* not asked for */
		T_EQ(p.ngroups, 0);
		T_TRUE(p.groups == NULL);
		ph_peer_clear(&p);

		/* S36: SO_PEERGROUPS is exactly our getgroups() */
		peer_sentinel(&p);
		T_OK(ph_peer_get(sp[1], PH_PEER_GROUPS, &p));
		T_EQ(p.ngroups, nmine);
		T_TRUE(same_groups(p.groups, p.ngroups, mine, nmine));
		T_EQ(p.pidfd, -1);
		ph_peer_clear(&p);

		/* S33: captured at socketpair(); the other end's close
		 * changes nothing */
		ph_fd_close(&sp[1]);
		T_OK(ph_peer_get(sp[0], PH_PEER_GROUPS, &p));
		T_EQ(p.uid, geteuid());
		T_EQ(p.pid, getpid());
		ph_peer_clear(&p);
		ph_fd_close(&sp[0]);
	}
	free(mine);
}

/* PH_PEER_PIDFD: a new close-on-exec pidfd naming the peer, or -1. */
static void
test_get_pidfd(void)
{
	struct ph_peer	p;
	int		sp[2], before = tap_fd_count();

	T_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	peer_sentinel(&p);
	T_OK(ph_peer_get(sp[0], PH_PEER_PIDFD | PH_PEER_GROUPS, &p));
	T_EQ(p.uid, geteuid());
	if (p.pidfd < 0) {
		T_EQ(p.pidfd, -1);
		tap_skip(4, "no SO_PEERPIDFD on this kernel");
	} else {
		T_EQ(fcntl(p.pidfd, F_GETFD), FD_CLOEXEC);
		T_EQ(pidfd_pid(p.pidfd), getpid());
		T_EQ(ph_peer_alive(&p), 1);
		T_EQ(tap_fd_count(), before + 3);	/* pair + pidfd */
	}
	ph_peer_clear(&p);
	T_EQ(p.pidfd, -1);
	T_TRUE(p.groups == NULL);
	T_EQ(p.ngroups, 0);
	T_EQ(ph_peer_alive(&p), -EOPNOTSUPP);	/* S32: never by pid alone */
	T_EQ(tap_fd_count(), before + 2);	/* pidfd closed */
	ph_peer_clear(&p);			/* twice is harmless */
	T_EQ(p.pidfd, -1);
	ph_peer_clear(NULL);
	tap_close_all(sp, 2);
	T_EQ(tap_fd_count(), before);
}

/* Errors: not a connected socket, bad fd, unknown flags; outputs untouched. */
static void
test_get_errors(void)
{
	static const int	 bad_flags[] = { 0x1, 0x2, 0x10, 0x80, 0x400,
				    PH_PEER_GROUPS | 0x1000, INT_MIN, -1 };
	struct sockaddr_un	 sun;
	struct ph_peer		 p;
	size_t			 i;
	int			 s, l, r, sp[2], pp[2];

	/* unconnected: SO_PEERCRED reports (uid_t)-1, refused (S37) */
	T_TRUE((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	peer_sentinel(&p);
	T_EQ(ph_peer_get(s, 0, &p), -ENOTCONN);
	T_TRUE(peer_is_sentinel(&p));
	T_EQ(ph_peer_get(s, PH_PEER_GROUPS | PH_PEER_PIDFD, &p), -ENOTCONN);
	T_TRUE(peer_is_sentinel(&p));
	ph_fd_close(&s);

	/*
	 * A listening socket has no peer either, although listen() fills
	 * its SO_PEERCRED with the caller's own credentials (unix(7)): it
	 * must not be reported as a peer that is us.
	 */
	T_TRUE((l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	T_OK(bind(l, (struct sockaddr *)&sun, sizeof(sa_family_t)));
	T_OK(listen(l, 1));
	r = ph_peer_get(l, PH_PEER_GROUPS | PH_PEER_PIDFD, &p);
	T_EQ(r, -ENOTCONN);
	T_TRUE(peer_is_sentinel(&p));
	if (r == 0) {		/* do not let the failure cascade */
		tap_diag("a listening socket was reported as its own peer");
		ph_peer_clear(&p);
		peer_sentinel(&p);
	}
	ph_fd_close(&l);

	/* not a socket, not an fd */
	T_OK(pipe2(pp, O_CLOEXEC));
	T_EQ(ph_peer_get(pp[0], 0, &p), -ENOTSOCK);
	T_TRUE(peer_is_sentinel(&p));
	tap_close_all(pp, 2);
	T_EQ(ph_peer_get(-1, 0, &p), -EBADF);
	T_TRUE(peer_is_sentinel(&p));

	/* unknown flags, even on a good socket */
	T_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		T_EQ(ph_peer_get(sp[0], bad_flags[i], &p), -EINVAL);
		T_TRUE(peer_is_sentinel(&p));
	}
	tap_close_all(sp, 2);
}

/*
 * S32, kernel-facts V8: a live child is alive; once it has exited and been
 * reaped it is gone, although the kernel still gives a pidfd for it.
 */
static void
test_s32_alive_then_reaped(void)
{
	struct ph_peer	p, q;
	pid_t		pid = -1;
	int		conn, hold = -1;

	if (!spawned(conn = spawn_peer(NO_CHANGE, NULL, 0, &pid, &hold)))
		return;
	peer_sentinel(&p);
	T_OK(ph_peer_get(conn, PH_PEER_PIDFD, &p));
	T_EQ(p.pid, pid);			/* the child, not us */
	T_EQ(p.uid, geteuid());
	if (p.pidfd < 0) {
		tap_skip(5, "no SO_PEERPIDFD on this kernel");
		T_EQ(peer_end(pid, &hold), 0);
	} else {
		T_EQ(pidfd_pid(p.pidfd), pid);
		T_EQ(ph_peer_alive(&p), 1);
		T_EQ(peer_end(pid, &hold), 0);	/* exited and reaped */
		T_EQ(ph_peer_alive(&p), 0);	/* peer gone => deny */
		/* V8: asking again after the reap still succeeds ... */
		peer_sentinel(&q);
		T_OK(ph_peer_get(conn, PH_PEER_PIDFD, &q));
		/* ... but whatever pidfd it gives says "gone" */
		T_TRUE(q.pidfd == -1 || ph_peer_alive(&q) == 0);
		ph_peer_clear(&q);
	}
	ph_peer_clear(&p);
	T_EQ(ph_peer_alive(&p), -EOPNOTSUPP);
	ph_fd_close(&conn);
}

/* A connected socketpair and the peer of its first end, as ours. */
static void
peer_pair(int sp[2], struct ph_peer *p)
{
	T_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	T_OK(ph_peer_get(sp[0], 0, p));
}

/* The allow tests' fixture: lists a and b, a pair sp and its peer p. */
struct allow_fx {
	struct ph_allow	*a, *b;
	struct ph_peer	 p, q;
	int		 sp[2];
};

/* Open the pair, fetch its peer, and make the (empty) list a. */
static void
allow_fx_open(struct allow_fx *f)
{
	f->a = f->b = NULL;
	peer_pair(f->sp, &f->p);
	T_OK(ph_allow_new(&f->a));
}

/* Free both lists and the peer, and close the pair. */
static void
allow_fx_close(struct allow_fx *f)
{
	ph_allow_free(f->a);
	ph_allow_free(f->b);
	ph_peer_clear(&f->p);
	tap_close_all(f->sp, 2);
}

/* A NULL list allows our own euid and nobody else (S87). */
static void
test_allow_null(void)
{
	struct ph_peer	p, q;
	int		sp[2];

	peer_pair(sp, &p);
	T_OK(ph_allow_check(NULL, sp[0], &p));
	T_OK(ph_allow_check(NULL, -1, &p));
	q = p;
	q.uid = geteuid() + 1;		/* another user, same gid */
	T_EQ(ph_allow_check(NULL, sp[0], &q), -EPERM);
	q.uid = BIG_UID == geteuid() ? BIG_UID2 : BIG_UID;
	T_EQ(ph_allow_check(NULL, sp[0], &q), -EPERM);
	q = p;
	q.gid = (gid_t)-1;		/* S37: unknown ids never pass */
	T_EQ(ph_allow_check(NULL, sp[0], &q), -EPERM);
	q = p;
	q.uid = (uid_t)-1;
	T_EQ(ph_allow_check(NULL, sp[0], &q), -EPERM);
	ph_peer_clear(&p);
	tap_close_all(sp, 2);
}

/* uid rules admit exactly the uids listed. */
static void
test_allow_uid(void)
{
	struct ph_allow	*a = NULL, *b = NULL, *e = NULL;
	struct ph_peer	 p, q;
	uid_t		 other = geteuid() == BIG_UID ? BIG_UID2 : BIG_UID;
	int		 sp[2];

	peer_pair(sp, &p);
	T_OK(ph_allow_new(&a));
	T_OK(ph_allow_new(&b));
	T_OK(ph_allow_new(&e));
	T_OK(ph_allow_uid(a, 7));
	T_OK(ph_allow_uid(a, other));
	T_OK(ph_allow_uid(a, geteuid()));	/* ours, listed last */
	T_OK(ph_allow_uid(b, other));

	T_OK(ph_allow_check(a, sp[0], &p));
	T_EQ(ph_allow_check(b, sp[0], &p), -EPERM);	/* refusal */
	T_EQ(ph_allow_check(e, sp[0], &p), -EPERM);	/* empty: nobody */
	q = p;
	q.uid = other;
	T_OK(ph_allow_check(b, sp[0], &q));
	q.uid = other + 1;
	T_EQ(ph_allow_check(a, sp[0], &q), -EPERM);

	ph_allow_free(a);
	ph_allow_free(b);
	ph_allow_free(e);
	ph_allow_free(NULL);
	ph_peer_clear(&p);
	tap_close_all(sp, 2);
}

/* A gid rule matches the primary gid, with or without a socket. */
static void
test_allow_gid_primary(void)
{
	struct allow_fx	f;

	allow_fx_open(&f);
	T_OK(ph_allow_new(&f.b));
	T_OK(ph_allow_uid(f.a, geteuid() == BIG_UID ? BIG_UID2 : BIG_UID));
	T_OK(ph_allow_gid(f.a, getegid()));
	T_OK(ph_allow_gid(f.b, foreign_gid()));

	T_OK(ph_allow_check(f.a, f.sp[0], &f.p));
	T_OK(ph_allow_check(f.a, -1, &f.p));		/* primary: no socket */
	T_EQ(ph_allow_check(f.b, f.sp[0], &f.p), -EPERM);
	T_EQ(ph_allow_check(f.b, -1, &f.p), -EPERM);
	f.q = f.p;
	f.q.gid = foreign_gid();
	T_OK(ph_allow_check(f.b, -1, &f.q));
	f.q.uid = geteuid() == BIG_UID ? BIG_UID2 : BIG_UID;
	f.q.gid = (gid_t)-1;			/* S37 */
	T_EQ(ph_allow_check(f.a, -1, &f.q), -EPERM);

	allow_fx_close(&f);
}

/*
 * Give ourselves the supplementary groups `g` for the length of one
 * socketpair() (root only): the pair's credentials keep them (S33).
 */
static int
pair_with_groups(const gid_t *g, size_t n, int sp[2])
{
	gid_t	*saved;
	size_t	 nsaved;
	int	 r;

	if ((saved = my_groups(&nsaved)) == NULL)
		return -1;
	if (setgroups(n, g) == -1) {
		free(saved);
		return -1;
	}
	r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp);
	if (setgroups(nsaved, saved) == -1) {
		tap_diag("cannot restore our groups");
		r = -1;
	}
	free(saved);
	return r;
}

/*
 * S36: a gid rule matching only a supplementary group admits, by groups
 * fetched through the socket when the record has none, or by the
 * record's own groups; with neither it fails closed.
 */
static void
test_s36_allow_gid_supplementary(void)
{
	struct ph_allow	*a = NULL, *b = NULL;
	struct ph_peer	 p, q;
	gid_t		*mine, supp = 0, local = LOCAL_GID;
	size_t		 n, i;
	int		 sp[2] = { -1, -1 }, found = 0, r;

	if (geteuid() == 0) {
		r = pair_with_groups(&local, 1, sp);
		T_OK(r);
		if (r < 0)
			return;
		supp = local;
	} else {
		mine = my_groups(&n);
		for (i = 0; i < n && !found; i++)
			if (mine[i] != getegid()) {
				supp = mine[i];
				found = 1;
			}
		free(mine);
		if (!found) {
			tap_skip(14, "needs root or a supplementary group");
			return;
		}
		T_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	}
	T_OK(ph_allow_new(&a));
	T_OK(ph_allow_new(&b));
	T_OK(ph_allow_gid(a, supp));
	T_OK(ph_allow_gid(b, foreign_gid()));

	T_OK(ph_peer_get(sp[0], 0, &p));		/* no groups in it */
	T_TRUE(p.gid != supp);
	T_OK(ph_allow_check(a, sp[0], &p));	/* via SO_PEERGROUPS */
	T_EQ(ph_allow_check(a, -1, &p), -EPERM);	/* none: fail closed */
	T_EQ(ph_allow_check(b, sp[0], &p), -EPERM);

	T_OK(ph_peer_get(sp[0], PH_PEER_GROUPS, &q));
	T_OK(ph_allow_check(a, -1, &q));		/* via peer->groups */
	T_EQ(ph_allow_check(b, -1, &q), -EPERM);

	ph_allow_free(a);
	ph_allow_free(b);
	ph_peer_clear(&p);
	ph_peer_clear(&q);
	tap_close_all(sp, 2);
}

/* S36: more groups than the library's first guess (the ERANGE path). */
static void
test_s36_many_groups(void)
{
	struct ph_allow	*a = NULL;
	struct ph_peer	 p;
	gid_t		 g[MANY_GROUPS];
	size_t		 i;
	int		 sp[2] = { -1, -1 }, r;

	if (tap_skip_unless_root(9, "needs root"))
		return;
	for (i = 0; i < MANY_GROUPS; i++)
		g[i] = 50000 + (gid_t)i;
	r = pair_with_groups(g, MANY_GROUPS, sp);
	T_OK(r);
	if (r < 0)
		return;
	T_OK(ph_peer_get(sp[0], PH_PEER_GROUPS, &p));
	T_EQ(p.ngroups, MANY_GROUPS);
	T_TRUE(same_groups(p.groups, p.ngroups, g, MANY_GROUPS));
	ph_peer_clear(&p);

	T_OK(ph_allow_new(&a));
	T_OK(ph_allow_gid(a, g[MANY_GROUPS - 1]));
	T_OK(ph_peer_get(sp[0], 0, &p));
	T_OK(ph_allow_check(a, sp[0], &p));	/* fetched, > 64 groups */
	ph_allow_free(a);
	ph_peer_clear(&p);
	tap_close_all(sp, 2);
}

/* S37: (uid_t)-1 and (gid_t)-1 are refused as entries; big ids are not. */
static void
test_s37_allow_odd_ids(void)
{
	struct allow_fx	f;

	allow_fx_open(&f);
	T_EQ(ph_allow_uid(f.a, (uid_t)-1), -EINVAL);
	T_EQ(ph_allow_gid(f.a, (gid_t)-1), -EINVAL);
	/* still empty */
	T_EQ(ph_allow_check(f.a, f.sp[0], &f.p), -EPERM);
	f.q = f.p;
	f.q.uid = (uid_t)-1;
	f.q.gid = (gid_t)-1;
	T_EQ(ph_allow_check(f.a, -1, &f.q), -EPERM);

	/* ids above INT_MAX are ordinary ids, compared as uid_t */
	T_OK(ph_allow_uid(f.a, BIG_UID));
	T_OK(ph_allow_uid(f.a, (uid_t)-2));
	T_OK(ph_allow_new(&f.b));
	T_OK(ph_allow_uid(f.b, BIG_UID2));
	T_OK(ph_allow_gid(f.b, (gid_t)-2));
	f.q = f.p;
	f.q.uid = BIG_UID;
	f.q.gid = BIG_UID;
	T_OK(ph_allow_check(f.a, -1, &f.q));
	T_EQ(ph_allow_check(f.b, -1, &f.q), -EPERM);
	f.q.uid = (uid_t)-2;
	T_OK(ph_allow_check(f.a, -1, &f.q));
	f.q.uid = BIG_UID;
	f.q.gid = (gid_t)-2;
	T_OK(ph_allow_check(f.b, -1, &f.q));
	f.q.uid = (uid_t)INT_MAX + 1;	/* no sign confusion with -EPERM */
	f.q.gid = (gid_t)INT_MAX + 1;
	T_EQ(ph_allow_check(f.a, -1, &f.q), -EPERM);

	allow_fx_close(&f);
}

/*
 * S37, S31 (root): a real peer with uid and gid 4000000000 and no passwd
 * entry, whose own socket is named like "x;uid=0;...", is seen as
 * 4000000000; a list with that uid admits it, one with 4000000001 does not.
 */
static void
test_s37_big_uid_peer(void)
{
	struct ph_allow	*a = NULL, *b = NULL, *c = NULL;
	struct ph_peer	 p;
	pid_t		 pid = -1;
	int		 conn, hold = -1;

	if (tap_skip_unless_root(18, "needs root"))
		return;
	if (!spawned(conn = spawn_peer(BIG_UID, NULL, 0, &pid, &hold)))
		return;
	peer_sentinel(&p);
	T_OK(ph_peer_get(conn, PH_PEER_GROUPS, &p));
	T_EQ(p.uid, BIG_UID);
	T_EQ(p.gid, BIG_UID);
	T_EQ(p.pid, pid);
	T_EQ(p.ngroups, 0);

	T_OK(ph_allow_new(&a));
	T_OK(ph_allow_new(&b));
	T_OK(ph_allow_new(&c));
	T_OK(ph_allow_uid(a, BIG_UID));
	T_OK(ph_allow_uid(b, BIG_UID2));
	T_OK(ph_allow_gid(c, BIG_UID));
	T_OK(ph_allow_check(a, conn, &p));
	T_EQ(ph_allow_check(b, conn, &p), -EPERM);
	T_OK(ph_allow_check(c, conn, &p));
	T_EQ(ph_allow_check(NULL, conn, &p), -EPERM);	/* not root */
	ph_allow_free(a);
	ph_allow_free(b);
	ph_allow_free(c);
	ph_peer_clear(&p);
	ph_fd_close(&conn);
	T_EQ(peer_end(pid, &hold), 0);
}

/*
 * S36 (root): a peer whose only supplementary group is 12345 (primary gid
 * another) is admitted by a gid 12345 rule, by SO_PEERGROUPS fetched through
 * the socket and by peer->groups alike; gid 12346 is refused.
 */
static void
test_s36_supplementary_peer(void)
{
	struct ph_allow	*a = NULL, *b = NULL;
	struct ph_peer	 p, q;
	gid_t		 g = SUPP_GID;
	pid_t		 pid = -1;
	int		 conn, hold = -1;

	if (tap_skip_unless_root(18, "needs root"))
		return;
	if (!spawned(conn = spawn_peer(SUPP_UID, &g, 1, &pid, &hold)))
		return;
	T_OK(ph_peer_get(conn, 0, &p));
	T_EQ(p.uid, SUPP_UID);
	T_EQ(p.gid, SUPP_UID);			/* primary is not 12345 */
	T_OK(ph_peer_get(conn, PH_PEER_GROUPS, &q));
	T_EQ(q.ngroups, 1);
	T_EQ(q.ngroups == 1 ? q.groups[0] : 0, SUPP_GID);

	T_OK(ph_allow_new(&a));
	T_OK(ph_allow_new(&b));
	T_OK(ph_allow_gid(a, SUPP_GID));
	T_OK(ph_allow_gid(b, SUPP_GID + 1));
	T_OK(ph_allow_uid(b, BIG_UID));
	T_OK(ph_allow_check(a, conn, &p));	/* via the socket */
	T_OK(ph_allow_check(a, -1, &q));	/* via peer->groups */
	T_EQ(ph_allow_check(b, conn, &p), -EPERM);
	T_EQ(ph_allow_check(b, -1, &q), -EPERM);
	ph_allow_free(a);
	ph_allow_free(b);
	ph_peer_clear(&p);
	ph_peer_clear(&q);
	ph_fd_close(&conn);
	T_EQ(peer_end(pid, &hold), 0);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	TAP_RUN(test_get_socketpair);
	TAP_RUN(test_get_pidfd);
	TAP_RUN(test_get_errors);
	TAP_RUN(test_s32_alive_then_reaped);
	TAP_RUN(test_allow_null);
	TAP_RUN(test_allow_uid);
	TAP_RUN(test_allow_gid_primary);
	TAP_RUN(test_s36_allow_gid_supplementary);
	TAP_RUN(test_s36_many_groups);
	TAP_RUN(test_s37_allow_odd_ids);
	TAP_RUN(test_s37_big_uid_peer);
	TAP_RUN(test_s36_supplementary_peer);
	return tap_end();
}
