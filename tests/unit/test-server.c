/* SPDX-License-Identifier: ISC */
/*
 * test-server.c - the server loop of `porthole listen` and portholed
 * (src/lib/server.h, private to porthole's programs).  Socket activation
 * takes fd 3 only when LISTEN_PID is ours and LISTEN_FDS is exactly "1",
 * and only a listening AF_UNIX socket of the asked type (S30); the
 * variables are gone afterwards either way.  The limits: a per-uid and a
 * total limit per range of slots (S80).  EMFILE: the reserve fd takes the
 * pending connection, which is dropped, and accepting goes on (S79).
 * Deadlines: a slot's deadline wakes the loop in time and is expired
 * once (S81); signals come through the signalfd.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"
#include "tap.h"

/* A listening AF_UNIX socket of `type` at an abstract name, on fd 3. */
static int
listener_on_fd3(int type, int listening, char *name, size_t len)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "ph-test-server-%ld-%d", (long)getpid(), type);
	if (name != NULL)
		(void)snprintf(name, len, "%s", sun.sun_path + 1);
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct
	    sockaddr_un, sun_path) + 1 + strlen(sun.sun_path + 1))) == -1 ||
	    (listening && listen(fd, 8) == -1) ||
	    (fd != 3 && dup2(fd, 3) != 3)) {
		(void)close(fd);
		return -1;
	}
	if (fd != 3)
		(void)close(fd);
	return 3;
}

/* A client of the abstract name `name`; -1 on failure. */
static int
connect_abstract(const char *name)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "%s",
	    name);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct
	    sockaddr_un, sun_path) + 1 + strlen(name))) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

static void
set_env(const char *pid, const char *fds)
{
	char	me[32];

	(void)snprintf(me, sizeof(me), "%ld", (long)getpid());
	(void)setenv("LISTEN_PID", pid != NULL ? pid : me, 1);
	(void)setenv("LISTEN_FDS", fds, 1);
	(void)setenv("LISTEN_FDNAMES", "x", 1);
}

static int
env_gone(void)
{
	return getenv("LISTEN_PID") == NULL && getenv("LISTEN_FDS") == NULL &&
	    getenv("LISTEN_FDNAMES") == NULL;
}

/* S30: LISTEN_PID must be ours, strictly; either way the vars go. */
static void
test_s30_activation_pid(void)
{
	char	me[32];

	T_EQ(listener_on_fd3(SOCK_STREAM, 1, NULL, 0), 3);
	set_env("1", "1");			/* an ancestor's */
	T_EQ(ph_srv_activation(SOCK_STREAM, 1), 0);
	T_TRUE(env_gone());
	(void)snprintf(me, sizeof(me), "%ld\n", (long)getpid());
	set_env(me, "1");			/* not strict digits */
	T_EQ(ph_srv_activation(SOCK_STREAM, 1), 0);
	(void)snprintf(me, sizeof(me), "0%ld", (long)getpid());
	set_env(me, "1");			/* leading zero */
	T_EQ(ph_srv_activation(SOCK_STREAM, 1), 0);
	set_env(NULL, "1");			/* ours, but not wanted */
	T_EQ(ph_srv_activation(SOCK_STREAM, 0), 0);
	T_TRUE(env_gone());
	T_EQ(fcntl(3, F_GETFL) & O_NONBLOCK, 0);	/* untouched */
	(void)close(3);
}

/* S30: exactly one socket, "1" and nothing else. */
static void
test_s30_activation_count(void)
{
	static const char	*bad[] = { "2", "0", "01", " 1", "1 ", "" };
	size_t			 i;

	T_EQ(listener_on_fd3(SOCK_STREAM, 1, NULL, 0), 3);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_env(NULL, bad[i]);
		T_EQ(ph_srv_activation(SOCK_STREAM, 1), -E2BIG);
		T_TRUE(env_gone());
	}
	(void)close(3);
}

/* S30: fd 3 must be a listening AF_UNIX socket of the type asked. */
static void
test_s30_activation_kind(void)
{
	int	fl;

	T_EQ(listener_on_fd3(SOCK_STREAM, 1, NULL, 0), 3);
	set_env(NULL, "1");
	T_EQ(ph_srv_activation(SOCK_SEQPACKET, 1), -ENOTSOCK);
	set_env(NULL, "1");
	T_EQ(ph_srv_activation(SOCK_STREAM, 1), 3);
	T_TRUE(env_gone());
	fl = fcntl(3, F_GETFL);
	T_TRUE(fl != -1 && (fl & O_NONBLOCK));
	T_EQ(fcntl(3, F_GETFD), FD_CLOEXEC);
	(void)close(3);
	T_EQ(listener_on_fd3(SOCK_SEQPACKET, 0, NULL, 0), 3);	/* bound */
	set_env(NULL, "1");
	T_EQ(ph_srv_activation(SOCK_SEQPACKET, 1), -ENOTSOCK);
	(void)close(3);
	T_EQ(dup2(0, 3), 3);				/* not a socket */
	set_env(NULL, "1");
	T_EQ(ph_srv_activation(SOCK_STREAM, 1), -ENOTSOCK);
	(void)close(3);
	set_env(NULL, "1");				/* no fd 3 at all */
	T_EQ(ph_srv_activation(SOCK_STREAM, 1), -ENOTSOCK);
}

/* S80: per uid and in all, per range of slots. */
/* Two slots of [0, 4) for `uid`, as admitted. */
static void
take_two(struct ph_srv *s, uid_t uid)
{
	long	i;
	int	n;

	for (n = 0; n < 2; n++) {
		i = ph_srv_admit(s, 0, 4, 2, uid);
		T_TRUE(i >= 0 && i < 4);
		if (i >= 0)
			ph_srv_take(s, (size_t)i, -1, uid, PH_SRV_NEVER);
	}
}

static void
test_s80_limits(void)
{
	static const struct ph_srv_ops	ops = { 0 };
	struct ph_srv			s;

	T_OK(ph_srv_init(&s, 6, &ops, NULL));
	take_two(&s, 1000);
	T_EQ(ph_srv_admit(&s, 0, 4, 2, 1000), -EUSERS);
	T_EQ(ph_srv_count_uid(&s, 0, 4, 1000), 2);
	/* Another uid still gets the rest of the range... */
	take_two(&s, 2000);
	/* ...then the range is full for everyone (the total limit). */
	T_EQ(ph_srv_admit(&s, 0, 4, 2, 3000), -EBUSY);
	/* A full range takes nothing from another one. */
	T_EQ(ph_srv_admit(&s, 4, 6, 2, 1000), 4);
	ph_srv_free(&s, 0);
	T_EQ(ph_srv_count_uid(&s, 0, 6, 1000) +
	    ph_srv_count_uid(&s, 0, 6, 2000), 3);
	T_EQ(ph_srv_admit(&s, 0, 4, 2, 3000), 0);
	ph_srv_fini(&s);
}

static int	dropped_fd = -1, ndropped;

static void
drop_rec(void *arg, int fd)
{
	(void)arg;
	ndropped++;
	dropped_fd = fd;
	(void)close(fd);	/* as the programs do, before the reserve */
}

/* S79: at the fd limit, the reserve takes the connection, dropped. */
static void
test_s79_emfile(void)
{
	static const struct ph_srv_ops	ops = { 0 };
	struct ph_srv			s;
	struct rlimit			old, rl;
	struct pollfd			pfd;
	char				name[108], c;
	int				l, cl = -1, fd, r, top;

	l = listener_on_fd3(SOCK_STREAM, 1, name, sizeof(name));
	T_EQ(l, 3);
	T_TRUE(fcntl(3, F_SETFL, O_NONBLOCK) == 0);	/* as served */
	T_OK(ph_srv_init(&s, 1, &ops, NULL));
	s.lfd = l;
	cl = connect_abstract(name);
	T_TRUE(cl >= 0);
	/* The fd limit: exactly what is open now. */
	T_OK(getrlimit(RLIMIT_NOFILE, &old));
	top = fcntl(0, F_DUPFD, 0);
	T_TRUE(top > 0);
	(void)close(top);
	rl = old;
	rl.rlim_cur = (rlim_t)top;
	T_OK(setrlimit(RLIMIT_NOFILE, &rl));
	fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	T_EQ(fd == -1 ? errno : 0, EMFILE);
	r = ph_srv_emfile(&s, -EMFILE, 100, drop_rec, NULL);
	T_EQ(r, 1);
	T_EQ(ndropped, 1);
	T_TRUE(dropped_fd >= 0);
	T_TRUE(s.reserve >= 0);		/* taken back */
	T_EQ(s.pause_until, 0);		/* so no pause */
	/* Nothing pending: 0, and the reserve is still there. */
	r = ph_srv_emfile(&s, -EMFILE, 100, drop_rec, NULL);
	T_EQ(r, 0);
	T_EQ(ndropped, 1);
	T_TRUE(s.reserve >= 0);
	T_OK(setrlimit(RLIMIT_NOFILE, &old));
	/* The client saw its connection end: EOF, not a hang. */
	pfd.fd = cl;
	pfd.events = POLLIN;
	T_EQ(poll(&pfd, 1, 5000), 1);
	T_EQ(read(cl, &c, 1), 0);
	/* Another error is not the EMFILE strategy's. */
	T_EQ(ph_srv_emfile(&s, -EINVAL, 100, drop_rec, NULL), -EINVAL);
	(void)close(cl);
	ph_srv_fini(&s);
	(void)close(3);
}

struct loop_rec {
	struct ph_srv	*s;
	int		 expired, ready, accepts, batches, stop_sig;
	int64_t		 expired_at;
	sigset_t	 old;		/* the mask before the test */
};

static int
rec_signal(void *arg, uint32_t signo)
{
	struct loop_rec	*r = arg;

	if (signo == 0) {
		r->batches++;
		return 0;
	}
	r->stop_sig = (int)signo;
	return signo == SIGUSR1;
}

static int
rec_accept(void *arg)
{
	struct loop_rec	*r = arg;
	int		 fd;

	r->accepts++;
	fd = accept4(r->s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		(void)close(fd);
	return 0;
}

static void
rec_ready(void *arg, size_t i)
{
	struct loop_rec	*r = arg;
	char		 c;

	r->ready++;
	(void)!read(r->s->slots[i].fd, &c, 1);
}

/* Slot 0's deadline: the first time, the end of the test loop. */
static void
rec_expired(void *arg, size_t i, int64_t now)
{
	struct loop_rec	*r = arg;

	r->expired++;
	r->expired_at = now;
	ph_srv_free(r->s, i);
	(void)raise(SIGUSR1);		/* blocked: to the signalfd */
}

/*
 * A loop on a listener at fd 3 with SIGUSR1 through its signalfd, `n`
 * slots, and one client connected, whose fd is returned.
 */
static const struct ph_srv_ops	rec_ops = {
	.signal = rec_signal,
	.accept = rec_accept,
	.ready = rec_ready,
	.expired = rec_expired,
};

static int
loop_start(struct ph_srv *s, struct loop_rec *r, size_t n)
{
	static const int	sigs[] = { SIGUSR1 };
	char			name[108];
	int			cl;

	memset(r, 0, sizeof(*r));
	r->s = s;
	T_OK(sigprocmask(SIG_BLOCK, NULL, &r->old));
	T_EQ(listener_on_fd3(SOCK_STREAM, 1, name, sizeof(name)), 3);
	T_TRUE(fcntl(3, F_SETFL, O_NONBLOCK) == 0);
	T_OK(ph_srv_init(s, n, &rec_ops, r));
	s->lfd = 3;
	s->sfd = ph_srv_signalfd(sigs, 1);
	T_TRUE(s->sfd >= 0);
	cl = connect_abstract(name);
	T_TRUE(cl >= 0);
	return cl;
}

static void
loop_end(struct ph_srv *s, struct loop_rec *r, int cl)
{
	(void)close(cl);
	ph_srv_fini(s);
	(void)close(3);
	T_OK(sigprocmask(SIG_SETMASK, &r->old, NULL));
}

/* S81: the loop wakes for a deadline, expires it once; signals end it. */
static void
test_s81_deadline_loop(void)
{
	struct ph_srv			s;
	struct loop_rec			r;
	int64_t				t0;
	int				sp[2], cl;

	cl = loop_start(&s, &r, 2);
	T_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	t0 = ph_srv_now_ms();
	ph_srv_take(&s, 0, -1, 1000, t0 + 150);
	ph_srv_take(&s, 1, sp[0], 1000, PH_SRV_NEVER);
	T_EQ(write(sp[1], "x", 1), 1);
	T_OK(ph_srv_run(&s));
	T_EQ(r.expired, 1);
	T_TRUE(r.expired_at >= t0 + 150);
	T_TRUE(ph_srv_now_ms() - t0 < 5000);	/* woken in time */
	T_EQ(r.stop_sig, SIGUSR1);
	T_EQ(r.ready, 1);
	T_EQ(r.accepts, 1);
	T_TRUE(s.slots[1].used);		/* no deadline: kept */
	T_TRUE(!s.slots[0].used);
	(void)close(sp[0]);
	(void)close(sp[1]);
	loop_end(&s, &r, cl);
}

/* A paused listener is not polled: nothing accepted until the pause. */
static void
test_s79_pause(void)
{
	struct ph_srv			s;
	struct loop_rec			r;
	int				cl;

	cl = loop_start(&s, &r, 1);
	ph_srv_pause(&s, 10000);
	ph_srv_take(&s, 0, -1, 1, ph_srv_now_ms() + 100);
	T_OK(ph_srv_run(&s));
	T_EQ(r.accepts, 0);
	T_EQ(r.expired, 1);
	loop_end(&s, &r, cl);
}

int
main(void)
{
	/* fd 3 is the activation socket here: keep anything there out. */
	if (fcntl(3, F_GETFD) != -1)
		(void)close(3);
	TAP_RUN(test_s30_activation_pid);
	TAP_RUN(test_s30_activation_count);
	TAP_RUN(test_s30_activation_kind);
	TAP_RUN(test_s80_limits);
	TAP_RUN(test_s79_emfile);
	TAP_RUN(test_s81_deadline_loop);
	TAP_RUN(test_s79_pause);
	return tap_end();
}
