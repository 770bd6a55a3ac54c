/* SPDX-License-Identifier: ISC */
/*
 * listen-kids.c - `porthole listen`: child supervision on the library's
 * server loop (server.h).  Each allowed connection is one PROGRAM in a
 * slot of the loop's table, which keeps the limits (-c in all, -C per
 * uid, S80) and each PROGRAM's lifetime (-t, S81) on CLOCK_MONOTONIC.
 * Signals arrive through the loop's signalfd; children are reaped there.
 * Nothing a child does can block the listener: the server never reads
 * from or writes to a connection.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "cli.h"
#include "listen.h"

#define ACCEPT_BATCH	64		/* accepts per wakeup, then signals */
#define PAUSE_MS	100		/* accept errors: back off (S79) */

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

	log_flush(s, ph_srv_now_ms() / 1000);
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

	if ((fd = accept4(s->srv.lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
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
 * Serve `conn` (borrowed; the caller closes our copy) in a new child,
 * in slot `i`.  vfork(): no copy of our pages for a process that execs
 * at once; with fork() the copies (and glibc's multi-threaded fork path,
 * since ph_listen() once ran a thread) made us 10% slower than
 * s6-ipcserver (docs/PERFORMANCE.md).  We are suspended until the exec.
 */
static void
spawn(struct server *s, size_t i, int conn, const struct ph_peer *peer)
{
	pid_t	pid;

	listen_env_prepare(s, peer);
	if ((pid = vfork()) == -1) {
		logx(s, "cannot fork for uid=%u: %s; connection closed",
		    (unsigned)peer->uid, strerror(errno));
		ph_srv_pause(&s->srv, PAUSE_MS);
		return;
	}
	if (pid == 0)
		listen_child_exec(s, conn);
	/* Both sides set the group, so it exists before we may kill it. */
	(void)setpgid(pid, pid);
	ph_srv_take(&s->srv, i, -1, peer->uid, s->lifetime ? ph_srv_now_ms() +
	    (int64_t)s->lifetime * 1000 : PH_SRV_NEVER);
	s->kids[i].pid = pid;
	s->kids[i].stage = 0;
	s->nkids++;
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
		for (i = 0; i < s->maxconn; i++)
			if (s->srv.slots[i].used && s->kids[i].pid == pid)
				break;
		if (i < s->maxconn) {
			ph_srv_free(&s->srv, i);
			memset(&s->kids[i], 0, sizeof(s->kids[i]));
			s->nkids--;
		}
	}
}

/* A lifetime is over: SIGTERM, then SIGKILL after KILL_GRACE_MS. */
static void
expired(void *arg, size_t i, int64_t now)
{
	struct server		*s = arg;
	struct child		*k = &s->kids[i];
	struct ph_srv_slot	*sl = &s->srv.slots[i];

	if (k->stage == 0) {
		logx(s, "pid %ld (uid=%u) reached its lifetime of %lu s: "
		    "SIGTERM", (long)k->pid, (unsigned)sl->uid, s->lifetime);
		signal_child(k, SIGTERM);
		k->stage = 1;
		sl->deadline = now + KILL_GRACE_MS;
	} else {
		signal_child(k, SIGKILL);
		k->stage = 2;
		sl->deadline = PH_SRV_NEVER;
	}
}

/* The EMFILE strategy's drop: the connection is closed unserved. */
static void
drop(void *arg, int fd)
{
	(void)arg;
	ph_fd_close(&fd);
}

/* Over a limit (S80), or spawned: the connection is ours to close. */
static void
admit(struct server *s, int fd, const struct ph_peer *peer)
{
	long	i;

	i = ph_srv_admit(&s->srv, 0, s->maxconn, s->maxperuid, peer->uid);
	if (i == -EBUSY)
		logx(s, "busy: %zu connections (-c %zu); closed uid=%u "
		    "pid=%ld", s->nkids, s->maxconn, (unsigned)peer->uid,
		    (long)peer->pid);
	else if (i < 0)
		logx(s, "busy: uid=%u has %zu connections (-C %zu); closed "
		    "pid=%ld", (unsigned)peer->uid, s->maxperuid,
		    s->maxperuid, (long)peer->pid);
	else
		spawn(s, (size_t)i, fd, peer);
}

/*
 * Accept what is pending, up to ACCEPT_BATCH, then go back to poll() so
 * that signals and reaping are never starved by a flood.  A refused
 * peer is closed by the library before anything is read (S31); a peer
 * over a limit is closed at once (S80): either way the client sees EOF.
 * At the fd limit, the loop's reserve fd takes the connection (S79).
 */
static int
accept_some(void *arg)
{
	struct server	*s = arg;
	struct ph_peer	 peer;
	int		 fd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (s->l != NULL)
			fd = ph_listener_accept(s->l, 0, &peer);
		else
			fd = accept_inherited(s, &peer);
		if (fd == -EAGAIN || fd == -EWOULDBLOCK)
			return 0;
		if (fd == -EPERM) {
			logx(s, "refused uid=%u gid=%u pid=%ld",
			    (unsigned)peer.uid, (unsigned)peer.gid,
			    (long)peer.pid);
			ph_peer_clear(&peer);
			continue;
		}
		if (fd == -EMFILE || fd == -ENFILE) {
			if (ph_srv_emfile(&s->srv, fd, PAUSE_MS, drop, s) <= 0)
				return 0;
			logx(s, "out of file descriptors (%s): a connection "
			    "was closed unserved", strerror(-fd));
			continue;
		}
		if (fd == -ECONNABORTED || fd == -EINTR || fd == -ENOTCONN)
			continue;	/* the peer left first */
		if (fd < 0) {
			logx(s, "accept: %s", strerror(-fd));
			ph_srv_pause(&s->srv, PAUSE_MS);
			return 0;
		}
		admit(s, fd, &peer);
		ph_fd_close(&fd);
		ph_peer_clear(&peer);
	}
	return 0;
}

/* One signal: reap on SIGCHLD (and once more after each batch, since
 * SIGCHLD coalesces); any other of ours is a stop. */
static int
on_signal(void *arg, uint32_t signo)
{
	struct server	*s = arg;

	if (signo == SIGCHLD || signo == 0) {
		reap(s);
		return 0;
	}
	return 1;
}

/* Each round: say what the log dropped; wake for the next second. */
static int64_t
tick(void *arg, int64_t now, int *full)
{
	struct server	*s = arg;

	(void)full;
	log_flush(s, now / 1000);
	if (s->log_dropped == 0)
		return -1;
	return (s->log_sec + 1) * 1000 > now ? (s->log_sec + 1) * 1000 - now :
	    0;
}

static const struct ph_srv_ops	listen_ops = {
	.tick = tick,
	.signal = on_signal,
	.accept = accept_some,
	.expired = expired,
};

int
listen_kids_init(struct server *s)
{
	int	r;

	if ((r = ph_srv_init(&s->srv, s->maxconn, &listen_ops, s)) < 0)
		return r;
	if ((s->kids = calloc(s->maxconn, sizeof(*s->kids))) == NULL)
		return -ENOMEM;
	return 0;
}

int
listen_serve(struct server *s)
{
	return ph_srv_run(&s->srv);
}

void
listen_stop_kids(struct server *s)
{
	size_t	i;

	for (i = 0; i < s->maxconn && s->kids != NULL; i++)
		if (s->srv.slots[i].used)
			signal_child(&s->kids[i], SIGTERM);
}
