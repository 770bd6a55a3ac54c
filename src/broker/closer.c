/* SPDX-License-Identifier: ISC */
/*
 * closer.c - portholed's closers: child processes sharing the daemon's
 * fd table (CLONE_FILES) that close() what it must not close itself
 * (closer.h says why and how).  Moved out of portholed.c (issue 10)
 * unchanged but for the names of what the daemon calls and the split of
 * closer_tick() into its steps.
 *
 * Runs as: portholed's --user with its capabilities; the closers with
 * none (closer_main()).
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/sched.h>		/* struct clone_args, CLONE_FILES */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "porthole.h"
#include "closer.h"
#include "privlog.h"
#include "private.h"

struct closer_shm {			/* written by the closer only */
	unsigned long	 started;	/* close() calls begun */
	unsigned long	 done;		/* close() calls returned */
	unsigned long	 slow;		/* of those, that took a tick or more */
};

struct closer {
	pid_t			 pid;		/* 0: free */
	int			 killed;	/* SIGKILLed: reap, requeue */
	int			 rfd, wfd;	/* its pipe: it reads rfd */
	unsigned long		 sent;		/* numbers written to it */
	unsigned long		 seen;		/* shm->done at `since` */
	int64_t		 since;		/* last progress seen, ms */
	int64_t		 next_reap;
	struct closer_shm	*shm;
	int			 ring[CLOSER_RING];	/* sent[k % RING] */
	uid_t			 ring_uid[CLOSER_RING];	/* who sent it */
	int			 culprit_set;	/* killed stuck on an fd of */
	uid_t			 culprit;	/* this uid's */
};

static struct closer	 closers[CLOSER_MAX];
static struct closer	*cur;			/* the one we send to */
static int		 pend[PEND_MAX];
static uid_t		 pend_uid[PEND_MAX];	/* who sent pend[i] */
static size_t		 npend;
static int64_t		 pend_since;		/* oldest entry, ms */
static pid_t		 daemon_pid;
static unsigned long	 slow_logged;		/* sum of shm->slow logged */
static int64_t		 slow_next;		/* next log, ms */

static void
closer_alarm(int sig)
{
	(void)sig;			/* only to interrupt a wait */
}

/* The closer's whole life: close what it is told, count, and exit at
 * end of file.  Runs in the child, sharing our fd table (CLONE_FILES),
 * not our memory. */
static void __attribute__((noreturn))
closer_main(struct closer *cl)
{
	struct __user_cap_header_struct	hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct	data[2];
	struct itimerval		on, off;
	struct sigaction		sa;
	struct timespec			t0, t1;
	int				num[PIPE_BUF / sizeof(int)];
	ssize_t				n;
	size_t				i;

	/* Dies with the daemon; then its exit closes what is left. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != daemon_pid)
		_exit(1);
	/* No capabilities at all: closing needs none (S12-S14). */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		_exit(1);
	(void)prctl(PR_SET_NAME, "portholed-close", 0, 0, 0);
	/* No SA_RESTART: the signal ends an interruptible wait in close. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = closer_alarm;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		_exit(1);
	memset(&off, 0, sizeof(off));
	on = off;
	on.it_interval.tv_usec = on.it_value.tv_usec = CLOSER_TICK_US;
	for (;;) {
		n = read(cl->rfd, num, sizeof(num));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		(void)setitimer(ITIMER_REAL, &on, NULL);
		/* Writes are whole ints of at most PIPE_BUF bytes, so
		 * reads never split one. */
		for (i = 0; i < (size_t)n / sizeof(int); i++) {
			__atomic_store_n(&cl->shm->started,
			    cl->shm->started + 1, __ATOMIC_RELEASE);
			(void)clock_gettime(CLOCK_MONOTONIC, &t0);
			(void)close(num[i]);	/* may block: that is its job */
			(void)clock_gettime(CLOCK_MONOTONIC, &t1);
			if ((t1.tv_sec - t0.tv_sec) * 1000000 +
			    (t1.tv_nsec - t0.tv_nsec) / 1000 >= CLOSER_TICK_US)
				__atomic_store_n(&cl->shm->slow,
				    cl->shm->slow + 1, __ATOMIC_RELAXED);
			__atomic_store_n(&cl->shm->done, cl->shm->done + 1,
			    __ATOMIC_RELEASE);
		}
		(void)setitimer(ITIMER_REAL, &off, NULL);
	}
	/* Not even our pipe is closed here: the table is the daemon's,
	 * which closes both ends once it has reaped us. */
	_exit(0);
}

/* Start a closer in a free slot; returns it, or NULL (logged). */
static struct closer *
closer_start(void)
{
	struct clone_args	 ca;
	struct closer		*cl = NULL;
	int			 p[2] = { -1, -1 }, i;
	pid_t			 pid;

	for (i = 0; i < CLOSER_MAX && cl == NULL; i++)
		if (closers[i].pid == 0)
			cl = &closers[i];
	if (cl == NULL)
		return NULL;
	if (cl->shm == NULL) {
		cl->shm = mmap(NULL, sizeof(*cl->shm), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (cl->shm == MAP_FAILED) {
			cl->shm = NULL;
			ph_log(LOG_ERR, "closer: mmap: %s", strerror(errno));
			return NULL;
		}
	}
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    fcntl(p[1], F_SETFL, O_NONBLOCK) == -1) {
		ph_log(LOG_ERR, "closer: pipe: %s", strerror(errno));
		goto fail;
	}
	memset(cl->shm, 0, sizeof(*cl->shm));
	cl->rfd = p[0];
	cl->wfd = p[1];
	cl->sent = cl->seen = 0;
	cl->killed = 0;
	daemon_pid = getpid();
	/* fork() with CLONE_FILES: no new stack (the child runs on its copy
	 * of ours, as after fork), no shared memory but the counters.
	 * clone3() first; where a seccomp filter refuses it with ENOSYS
	 * (systemd's RestrictNamespaces= does, as it cannot look into its
	 * arguments), clone(), whose first two arguments are flags and
	 * stack everywhere but on s390 (CLONE_BACKWARDS2). */
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_FILES;
	ca.exit_signal = SIGCHLD;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == -1 && errno == ENOSYS)
#if defined(__s390__) || defined(__s390x__)
		pid = (pid_t)syscall(SYS_clone, 0, CLONE_FILES | SIGCHLD);
#else
		pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0);
#endif
	if (pid == 0)
		closer_main(cl);
	if (pid == -1) {
		ph_log(LOG_ERR, "closer: clone3: %s", strerror(errno));
		goto fail;
	}
	cl->pid = pid;
	cl->since = ph_srv_now_ms();
	return cl;
 fail:
	ph_fd_close(&p[0]);		/* our own pipe: safe in place */
	ph_fd_close(&p[1]);
	cl->rfd = cl->wfd = -1;
	return NULL;
}

/* Queue `fd` (consumed), which came from `uid`, for a closer.  Never
 * blocks, never closes. */
void
ph_closer_dispose(int *fdp, uid_t uid)
{
	if (*fdp < 0)
		return;
	if (npend == PEND_MAX) {
		/* Cannot be reached: the loop stops reading clients and
		 * accepting while pend is full.  Keep the fd (a leak)
		 * rather than close it here. */
		ph_log(LOG_ERR, "closer: queue full, fd %d kept", *fdp);
		*fdp = -1;
		return;
	}
	if (npend == 0)
		pend_since = ph_srv_now_ms();
	pend_uid[npend] = uid;
	pend[npend++] = *fdp;
	*fdp = -1;
}

/* Write up to PEND_BATCH numbers to `cl`; 0, or -1 if it is behind. */
static int
closer_send(struct closer *cl)
{
	size_t		k, m = npend < PEND_BATCH ? npend : PEND_BATCH;
	unsigned long	done = __atomic_load_n(&cl->shm->done,
			    __ATOMIC_ACQUIRE);
	ssize_t		w;

	if (cl->sent - done + m > CLOSER_RING)
		return -1;
	w = write(cl->wfd, pend, m * sizeof(int));
	if (w != (ssize_t)(m * sizeof(int)))
		return -1;	/* EAGAIN: its pipe is full; writes of
				   <= PIPE_BUF are all or nothing */
	for (k = 0; k < m; k++) {
		cl->ring[(cl->sent + k) % CLOSER_RING] = pend[k];
		cl->ring_uid[(cl->sent + k) % CLOSER_RING] = pend_uid[k];
	}
	cl->sent += m;
	npend -= m;
	memmove(pend, pend + m, npend * sizeof(int));
	memmove(pend_uid, pend_uid + m, npend * sizeof(uid_t));
	pend_since = ph_srv_now_ms();
	return 0;
}

/* Fold `w` (ms from now, -1: none) into *wake. */
static void
wake_min(int64_t *wake, int64_t w)
{
	if (w >= 0 && (*wake < 0 || w < *wake))
		*wake = w;
}

/*
 * A killed closer: once it is dead it will never touch our table again.
 * The one it had begun is closed (close() frees the number before it
 * waits); the rest are still open: requeue them.  Until then, look
 * again every CLOSER_REAP_MS.
 */
static void
closer_reap(struct closer *cl, int64_t t, int64_t *wake)
{
	unsigned long	k;
	int		st;

	if (t < cl->next_reap) {
		wake_min(wake, cl->next_reap - t);
		return;
	}
	if (waitpid(cl->pid, &st, WNOHANG) != cl->pid) {
		cl->next_reap = t + CLOSER_REAP_MS;
		wake_min(wake, CLOSER_REAP_MS);
		return;
	}
	k = __atomic_load_n(&cl->shm->started, __ATOMIC_ACQUIRE);
	for (; k < cl->sent && npend < PEND_MAX; k++) {
		pend_uid[npend] = cl->ring_uid[k % CLOSER_RING];
		pend[npend++] = cl->ring[k % CLOSER_RING];
	}
	if (k < cl->sent)
		ph_log(LOG_ERR, "closer: %lu fds lost", cl->sent - k);
	if (npend > 0 && pend_since == 0)
		pend_since = t;
	ph_fd_close(&cl->rfd);	/* pipe: safe */
	ph_fd_close(&cl->wfd);
	cl->pid = 0;
	cl->culprit_set = 0;
}

/* A live closer: note its progress, or kill it when stuck. */
static void
closer_watch(struct closer *cl, int64_t t, int64_t *wake)
{
	unsigned long	done, k;

	done = __atomic_load_n(&cl->shm->done, __ATOMIC_ACQUIRE);
	if (done != cl->seen || done == cl->sent) {
		cl->seen = done;
		cl->since = t;
	} else if (t - cl->since >= CLOSER_STUCK_MS) {
		/* The fd it is stuck on is the one it began last;
		 * its sender is the culprit (ph_closer_stalling()). */
		k = __atomic_load_n(&cl->shm->started, __ATOMIC_ACQUIRE);
		cl->culprit_set = k > done && k <= cl->sent;
		if (cl->culprit_set)
			cl->culprit = cl->ring_uid[(k - 1) % CLOSER_RING];
		ph_log(LOG_WARNING, "closer %ld stuck on a close of "
		    "an fd from uid %ld, %lu fds behind: replacing it",
		    (long)cl->pid, cl->culprit_set ?
		    (long)cl->culprit : -1L, cl->sent - done);
		(void)kill(cl->pid, SIGKILL);
		cl->killed = 1;
		cl->next_reap = t;
		if (cur == cl)
			cur = NULL;
		wake_min(wake, 0);
		return;
	}
	if (done != cl->sent)
		wake_min(wake, cl->since + CLOSER_STUCK_MS - t);
}

/* Slow closes (SO_LINGER cut short) are logged, rate-limited (S58). */
static void
closer_log_slow(int64_t t)
{
	unsigned long	slow = 0;
	int		i;

	if (t < slow_next)
		return;
	for (i = 0; i < CLOSER_MAX; i++)
		if (closers[i].shm != NULL && closers[i].pid != 0)
			slow += __atomic_load_n(&closers[i].shm->slow,
			    __ATOMIC_RELAXED);
	if (slow > slow_logged) {
		ph_log(LOG_WARNING, "closer: %lu slow closes "
		    "(SO_LINGER or similar), each cut short",
		    slow - slow_logged);
		slow_next = t + 10000;	/* rate-limited (S58) */
	} else
		slow_next = t + 500;
	slow_logged = slow;
}

/* Send what is pending: a closer, or (none at all) in place. */
static void
closer_flush(int64_t t, int64_t *wake)
{
	int64_t	w;
	int	i, n;

	if (cur == NULL && npend > 0)
		cur = closer_start();
	for (i = 0, n = 0; i < CLOSER_MAX; i++)
		n += closers[i].pid != 0;
	if (cur == NULL && npend > 0 && n == 0) {
		/* No closer can be made at all (clone refused): rather than
		 * serve no one, close in place as before issue 9 (logged). */
		ph_log(LOG_ERR, "closer: none can be started: closing %zu fds "
		    "in place (a hostile one can stall us)", npend);
		while (npend > 0)
			ph_fd_close(&pend[--npend]);
	}
	while (cur != NULL && npend > 0 &&
	    (npend >= PEND_BATCH || t - pend_since >= PEND_FLUSH_MS))
		if (closer_send(cur) < 0)
			break;		/* behind: the stuck check decides */
	if (npend > 0) {
		w = cur == NULL ? CLOSER_REAP_MS :
		    pend_since + PEND_FLUSH_MS - t;
		wake_min(wake, w < 0 ? 0 : w);
	}
	if (npend == 0)
		pend_since = 0;
}

/*
 * Keep the closers going: reap killed ones and requeue what they had
 * not started, kill one that is stuck, start one if needed, and send
 * the pending batch when it is full or old.  Returns the ms until it
 * wants to run again, or -1.  No syscall unless there is work.
 */
int64_t
ph_closer_tick(int64_t t)
{
	int64_t	wake = -1;
	int	i;

	for (i = 0; i < CLOSER_MAX; i++) {
		if (closers[i].pid == 0)
			continue;
		if (closers[i].killed)
			closer_reap(&closers[i], t, &wake);
		else
			closer_watch(&closers[i], t, &wake);
	}
	closer_log_slow(t);
	closer_flush(t, &wake);
	return wake;
}

/*
 * 1 while a closer is stuck on a close of an fd that `uid` sent (it
 * was killed, and has not died: a FUSE FLUSH its server holds).  Such a
 * uid is not read from until then: it cannot pin more closers.  Only a
 * peer the policy names gets an fd into our table at all (conns.c).
 */
int
ph_closer_stalling(uid_t uid)
{
	int	i;

	for (i = 0; i < CLOSER_MAX; i++)
		if (closers[i].pid != 0 && closers[i].killed &&
		    closers[i].culprit_set && closers[i].culprit == uid)
			return 1;
	return 0;
}

size_t
ph_closer_held(void)
{
	size_t	n = npend;
	int	i;

	for (i = 0; i < CLOSER_MAX; i++)
		if (closers[i].pid != 0)
			n += closers[i].sent -
			    __atomic_load_n(&closers[i].shm->done,
			    __ATOMIC_ACQUIRE);
	return n;
}

int
ph_closer_room(size_t n)
{
	return npend + n <= PEND_MAX;
}

size_t
ph_closer_queued(void)
{
	return npend;
}

void
ph_closer_init(void)
{
	cur = closer_start();
}

/*
 * On the way out: our exit must not be the last holder of the fd table,
 * or its closes (connections, fds waiting for a closer) would run in us
 * and could keep this process from ending.  A live closer shares the
 * table, dies with us (PR_SET_PDEATHSIG) and closes them in its exit.
 */
void
ph_closer_exit(void)
{
	int	i;

	for (i = 0; i < CLOSER_MAX; i++)
		if (closers[i].pid != 0 && !closers[i].killed)
			return;
	(void)closer_start();
}
