/* SPDX-License-Identifier: ISC */
/*
 * server.c - the one server loop of `porthole listen` and portholed
 * (server.h, private to porthole's programs).
 *
 * Before issue 10 each program had its own, and where they differed
 * the stronger way was kept for both:
 *   - activation: LISTEN_PID as strict digits, no newline (portholed's
 *     ph_pid_parse() took "123\n"; listen's parse did not; pid 1, which
 *     listen allows in a container, is kept) and
 *     LISTEN_FDS exactly "1" (portholed; listen took "1" by value);
 *     the variables are removed either way (listen did; portholed
 *     clears its whole environment after).
 *   - EMFILE: the reserve fd of `porthole listen` (S79): the pending
 *     connection is taken and dropped unserved, so poll() never spins
 *     and the client gets EOF at once.  portholed used to stop
 *     accepting for 200 ms, with every client left waiting in the
 *     backlog; it keeps its fd budget (fd_room()), which makes EMFILE
 *     rare there, and gives what it drains to its closers (S42).
 *   - limits: the per-uid count of portholed (by slot ranges) serves
 *     listen's one range too; both refuse over a limit after accept.
 *   - deadlines: one per slot, on CLOCK_MONOTONIC, checked at the top
 *     of every round, with poll() woken in time for the nearest.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"
#include "grant.h"
#include "server.h"

int64_t
ph_srv_now_ms(void)
{
	struct timespec	ts;

	/* CLOCK_MONOTONIC: deadlines must not move with the wall clock. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 if the LISTEN_* variables were set for this process. */
static int
activation_ours(void)
{
	const char	*pid = getenv("LISTEN_PID");
	unsigned long	 p;

	/* Digits only, no sign, no leading zero, no newline (S11). */
	return pid != NULL && getenv("LISTEN_FDS") != NULL &&
	    ph__parse_uint(pid, strlen(pid), 1, INT_MAX, &p) == 0 &&
	    (pid_t)p == getpid();
}

int
ph_srv_activation(int type, int wanted)
{
	const char		*fds = getenv("LISTEN_FDS");
	struct ph_fdinfo	 fi;
	int			 ours, fl, r = 0;

	ours = wanted && activation_ours();
	/* S30: exactly one socket; "01" or " 1" are not that. */
	if (ours && strcmp(fds, "1") != 0)
		r = -E2BIG;
	else if (ours && (ph_fd_info(3, &fi) < 0 || fi.kind != PH_FD_SOCKET ||
	    fi.family != AF_UNIX || fi.type != type || !fi.listening))
		r = -ENOTSOCK;
	/* Ours now: no child inherits it, and accept never blocks. */
	else if (ours && ((fl = fcntl(3, F_GETFL)) == -1 ||
	    fcntl(3, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) == -1))
		r = -errno;
	else if (ours)
		r = 3;
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDNAMES");
	return r;
}

int
ph_srv_signalfd(const int *sigs, size_t n)
{
	sigset_t	set;
	size_t		i;
	int		fd;

	(void)sigemptyset(&set);
	for (i = 0; i < n; i++)
		(void)sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -errno;
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		return -errno;
	return fd;
}

int
ph_srv_init(struct ph_srv *s, size_t nslots, const struct ph_srv_ops *ops,
    void *arg)
{
	size_t	i;

	memset(s, 0, sizeof(*s));
	s->lfd = s->sfd = s->reserve = -1;
	s->ops = ops;
	s->arg = arg;
	s->nslots = nslots;
	s->slots = calloc(nslots ? nslots : 1, sizeof(*s->slots));
	s->pfd = calloc(nslots + 2, sizeof(*s->pfd));
	s->map = calloc(nslots ? nslots : 1, sizeof(*s->map));
	if (s->slots == NULL || s->pfd == NULL || s->map == NULL) {
		ph_srv_fini(s);
		return -ENOMEM;
	}
	for (i = 0; i < nslots; i++)
		s->slots[i].fd = -1;
	/* S79: the fd that ph_srv_emfile() gives up for one accept. */
	if ((s->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		i = (size_t)errno;
		ph_srv_fini(s);
		return -(int)i;
	}
	return 0;
}

void
ph_srv_fini(struct ph_srv *s)
{
	ph_fd_close(&s->sfd);
	ph_fd_close(&s->reserve);
	free(s->slots);
	free(s->pfd);
	free(s->map);
	s->slots = NULL;
	s->pfd = NULL;
	s->map = NULL;
	s->nslots = 0;
}

size_t
ph_srv_count_uid(const struct ph_srv *s, size_t lo, size_t hi, uid_t uid)
{
	size_t	i, n = 0;

	for (i = lo; i < hi && i < s->nslots; i++)
		if (s->slots[i].used && s->slots[i].uid == uid)
			n++;
	return n;
}

long
ph_srv_admit(const struct ph_srv *s, size_t lo, size_t hi, size_t per_uid,
    uid_t uid)
{
	size_t	i;

	for (i = lo; i < hi && i < s->nslots; i++)
		if (!s->slots[i].used)
			break;
	if (i >= hi || i >= s->nslots)
		return -EBUSY;
	/* S80: a flood from one uid cannot starve the others. */
	if (ph_srv_count_uid(s, lo, hi, uid) >= per_uid)
		return -EUSERS;
	return (long)i;
}

void
ph_srv_take(struct ph_srv *s, size_t i, int fd, uid_t uid, int64_t deadline)
{
	s->slots[i].used = 1;
	s->slots[i].fd = fd;
	s->slots[i].uid = uid;
	s->slots[i].deadline = deadline;
}

void
ph_srv_free(struct ph_srv *s, size_t i)
{
	memset(&s->slots[i], 0, sizeof(s->slots[i]));
	s->slots[i].fd = -1;
}

void
ph_srv_pause(struct ph_srv *s, int64_t ms)
{
	s->pause_until = ph_srv_now_ms() + ms;
}

int
ph_srv_emfile(struct ph_srv *s, int err, int64_t pause_ms,
    void (*drop)(void *arg, int fd), void *arg)
{
	int	fd, took;

	if (err != -EMFILE && err != -ENFILE)
		return err;
	ph_fd_close(&s->reserve);
	fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	took = fd >= 0 || errno == ECONNABORTED;
	if (fd >= 0)
		drop(arg, fd);
	s->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->reserve == -1)
		ph_srv_pause(s, pause_ms);
	return took;
}

/* Fold `w` (ms from now, -1: none) into *wake. */
static void
wake_min(int64_t *wake, int64_t w)
{
	if (w >= 0 && (*wake < 0 || w < *wake))
		*wake = w;
}

/*
 * One round's poll set: the signalfd, the listener unless paused or
 * full, every slot's fd unless full; slots past their deadline are
 * expired first.  Returns the count and the wake-up in *wake.
 */
static nfds_t
round_setup(struct ph_srv *s, int64_t t, int full, int64_t *wake)
{
	struct ph_srv_slot	*sl;
	nfds_t			 n = 0;
	size_t			 i;

	s->pfd[n].fd = s->sfd;
	s->pfd[n++].events = POLLIN;
	s->pfd[n].fd = t >= s->pause_until && !full ? s->lfd : -1;
	s->pfd[n++].events = POLLIN;
	if (t < s->pause_until)
		wake_min(wake, s->pause_until - t);
	for (i = 0; i < s->nslots; i++) {
		sl = &s->slots[i];
		if (!sl->used)
			continue;
		/* S81: the deadlines (idle, lifetime). */
		if (sl->deadline <= t && !full && s->ops->expired != NULL)
			s->ops->expired(s->arg, i, t);
		if (!sl->used)
			continue;
		if (sl->deadline > t && sl->deadline != PH_SRV_NEVER)
			wake_min(wake, sl->deadline - t);
		if (sl->fd < 0 || full)
			continue;
		s->map[n - 2] = i;
		s->pfd[n].fd = sl->fd;
		s->pfd[n++].events = POLLIN;
	}
	for (i = 0; i < n; i++)
		s->pfd[i].revents = 0;
	return n;
}

/* Read the signalfd: 1 when the program ends on what came. */
static int
round_signals(struct ph_srv *s)
{
	struct signalfd_siginfo	si;
	int			stop = 0;

	while (!stop && read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		stop = s->ops->signal != NULL &&
		    s->ops->signal(s->arg, si.ssi_signo);
	if (!stop && s->ops->signal != NULL)
		stop = s->ops->signal(s->arg, 0);
	return stop;
}

static int
room(struct ph_srv *s)
{
	return s->ops->room == NULL || s->ops->room(s->arg);
}

int
ph_srv_run(struct ph_srv *s)
{
	int64_t	t, wake;
	nfds_t	n, k;
	size_t	i;
	int	full, r;

	for (;;) {
		t = ph_srv_now_ms();
		wake = -1;
		full = 0;
		if (s->ops->tick != NULL)
			wake_min(&wake, s->ops->tick(s->arg, t, &full));
		n = round_setup(s, t, full, &wake);
		/* What the deadline pass queued, in time all the same. */
		if (s->ops->settle != NULL)
			wake_min(&wake, s->ops->settle(s->arg));
		if (poll(s->pfd, n, wake < 0 ? -1 : wake > INT_MAX ? INT_MAX :
		    (int)wake) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((s->pfd[0].revents & POLLIN) && round_signals(s))
			return 0;
		if (s->pfd[1].fd >= 0 && (s->pfd[1].revents & POLLNVAL))
			return -EBADF;
		if (s->pfd[1].fd >= 0 &&
		    (s->pfd[1].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    room(s) && (r = s->ops->accept(s->arg)) < 0)
			return r;
		for (k = 2; k < n; k++) {
			i = s->map[k - 2];
			if ((s->pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
			    && s->slots[i].used && s->slots[i].fd ==
			    s->pfd[k].fd && room(s) && s->ops->ready != NULL)
				s->ops->ready(s->arg, i);
		}
	}
}
