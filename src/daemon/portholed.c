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
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/sched.h>		/* struct clone_args, CLONE_FILES */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>		/* POSIX's name; musl warns on <sys/poll.h> */
#include <signal.h>
#include <stdint.h>
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

#define MAX_GRANTED	256		/* slots for peers the policy names */
#define MAX_PER_UID	16		/* of those, per uid (S80) */
#define MAX_UNGRANTED	32		/* slots for the others (item 4) */
#define UNGRANTED_PER_UID 2		/* one request each, IDLE_MS (S81) */
/*
 * What binding needs: CAP_NET_BIND_SERVICE, and CAP_NET_ADMIN, since on
 * Linux 6.18 attaching the locked SYN-ACK filter that keeps a TCP grant
 * from ever being a privileged source port (priv.c, S49) needs it in the
 * socket's network namespace.
 */
#define BIND_CAPS	((1ULL << CAP_NET_BIND_SERVICE) | (1ULL << CAP_NET_ADMIN))
#define MAX_CLIENTS	(MAX_GRANTED + MAX_UNGRANTED)
#define IDLE_MS		10000		/* a client silent this long goes */
#define LIFETIME_MS	300000		/* no connection lives longer */
#define EMFILE_PAUSE_MS	200		/* stop accepting this long (S79) */
#define OVERFLOW_ID	65534		/* the kernel's default overflowuid */

struct client {
	int		 fd;		/* -1: free slot */
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	gid_t		*groups;
	size_t		 ngroups;
	long long	 born, last;	/* ms, CLOCK_MONOTONIC */
	int		 granted;	/* the policy names this peer */
	int		 foreign_netns;	/* item 7: see netns_foreign() */
	uint64_t	 netns[2];	/* its cookie and ours */
};

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71		/* Linux 5.14 */
#endif

static struct client	 clients[MAX_CLIENTS];
static struct ph_policy	*policy;
static const char	*policy_path = PH_POLICY_PATH;

/*
 * What `porthole status` is told (issue 11): counts and times only, no
 * names, ids or rules (S89).  started is CLOCK_MONOTONIC (uptime, S90);
 * policy_time is wall-clock seconds, for people to read.
 */
static long long	 started;	/* ms, CLOCK_MONOTONIC */
static time_t		 policy_time;	/* when `policy` was put in force */
static uint64_t		 n_grants, n_refusals;

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
		policy_time = time(NULL);
		return p;
	}
	/* A stand-in is kept no more than a policy: a reload that fixes
	 * nothing changes nothing. */
	if (keep != NULL) {
		ph_log(LOG_ERR, "%s; keeping the previous policy", err);
		return keep;
	}
	ph_log(LOG_ERR, "%s; nothing is granted until it is fixed", err);
	/* Issue 11: a stand-in that says so to the client (priv.c). */
	if (ph_policy_stand_in(policy_path, PH_POLICY_FOR_DAEMON, &p) < 0)
		ph_priv_die("cannot make an empty policy", 0);
	policy_time = time(NULL);
	return p;
}

/*
 * The policy at start-up (issue 9): `text`, `pw` and `gr` are the bytes
 * read as root before the drop (text NULL if reading failed, with the
 * reason in `why`); they are parsed here, after the drop, as --user.
 * On failure an empty policy (S53).  The parser guard makes a parse as
 * root fail, and that is fatal: it would be a bug in the order above.
 */
static struct ph_policy *
policy_start(const struct ph_text *text, const struct ph_text *pw,
    const struct ph_text *gr, const char *why)
{
	struct ph_policy	*p = NULL;
	char			 err[256];
	int			 r;

	if (text == NULL)
		(void)snprintf(err, sizeof(err), "%s", why);
	else if ((r = ph_policy_parse_text(policy_path, text, pw, gr, &p, err,
	    sizeof(err))) == 0) {
		ph_log(LOG_NOTICE, "policy %s loaded: %zu rules", policy_path,
		    ph_policy_nrules(p));
		policy_time = time(NULL);
		return p;
	} else if (r == -EPERM)
		ph_priv_die(err, 0);
	ph_log(LOG_ERR, "%s; nothing is granted until it is fixed", err);
	/* Issue 11: a stand-in that says so to the client (priv.c). */
	if (ph_policy_stand_in(policy_path, PH_POLICY_FOR_DAEMON, &p) < 0)
		ph_priv_die("cannot make an empty policy", 0);
	policy_time = time(NULL);
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

/*
 * Disposal of fds off the event loop (S42, issue 9 item 3).
 *
 * A close() can block: the last close of a TCP socket with SO_LINGER
 * and unsent data waits in sk_stream_wait_close; any close of a FUSE
 * file sends FLUSH and waits for the server's answer, uninterruptibly
 * (and the last close of a file with POSIX locks may ask the server
 * too); the last close of a client connection purges its queue, and the
 * final fput of every fd still in flight in it runs as task_work in our
 * context: the same stalls, nested.  FLUSH comes with *every* close,
 * not only the last, so handing a copy away and closing ours is no
 * cure.  So the daemon close()s in place only what is provably safe:
 *   - a socket it knows someone else still holds (a dup of ours), since
 *     a socket has no flush and only its last close does any work;
 *   - the socket of a granted bind: listening, with the handler's
 *     locked filter that drops SYN-ACK, so it can never become
 *     established and have data to linger on (S49); or a UDP socket;
 *   - raw and packet sockets it made itself, and its own pipes.
 * Every other fd (connections, refused or unexpected fds, fds of
 * malformed messages) goes to a closer: a child made with CLONE_FILES,
 * so that it shares our fd table, which close()s fd numbers we write
 * into a pipe.  The fd leaves the table in the closer's close(), so
 * whatever that close waits for, it waits there, never here; we never
 * touch a number again once it is written.  The closer holds no
 * capabilities and dies with us (PR_SET_PDEATHSIG).
 *
 * While it closes, the closer takes a SIGALRM every CLOSER_TICK_US: a
 * close waiting on SO_LINGER (sk_stream_wait_close, interruptible) ends
 * at the next one, and the socket is left to the kernel to finish, as
 * when a lingering process is killed.  Such slow closes are counted and
 * logged (rate-limited).  A closer that makes no progress for
 * CLOSER_STUCK_MS all the same is killed and replaced.  The numbers it
 * had not started are given to the next one only once it is reaped
 * (until then it might still be running), so no number is ever closed
 * twice.  A TCP linger wait ends on SIGKILL; a
 * FUSE FLUSH that the server has read does not (request_wait_answer()
 * waits uninterruptibly for forced requests), so such a closer lives on
 * until the FUSE server answers or its connection is aborted
 * (/sys/fs/fuse/connections/N/abort).  That is the residual: at most
 * CLOSER_MAX closers, each holding at most CLOSER_RING pending fds;
 * with all of them stuck, fds to dispose of wait in `pend` (at most
 * PEND_MAX), and when that is full the daemon stops reading clients and
 * accepting until a closer is free again.  It keeps answering signals:
 * SIGTERM always ends it at once.
 */
#define CLOSER_MAX	8		/* closers alive, stuck ones included
					   (the unit's TasksMax counts them) */
#define CLOSER_TICK_US	1000		/* SIGALRM period while closing */
#define CLOSER_RING	512		/* fds handed to one, not yet closed */
#define CLOSER_STUCK_MS	250		/* no progress this long: stuck */
#define CLOSER_REAP_MS	50		/* how often a killed one is checked */
#define PEND_MAX	1024		/* fds waiting for a closer */
#define PEND_BATCH	64		/* sent at once (one atomic write) */
#define PEND_FLUSH_MS	10		/* nothing waits longer for a batch */

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
	long long		 since;		/* last progress seen, ms */
	long long		 next_reap;
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
static long long	 pend_since;		/* oldest entry, ms */
static pid_t		 daemon_pid;
static unsigned long	 slow_logged;		/* sum of shm->slow logged */
static long long	 slow_next;		/* next log, ms */

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
	cl->since = now_ms();
	return cl;
 fail:
	ph_fd_close(&p[0]);		/* our own pipe: safe in place */
	ph_fd_close(&p[1]);
	cl->rfd = cl->wfd = -1;
	return NULL;
}

/* Queue `fd` (consumed), which came from `uid`, for a closer.  Never
 * blocks, never closes. */
static void
dispose(int *fdp, uid_t uid)
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
		pend_since = now_ms();
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
	pend_since = now_ms();
	return 0;
}

/*
 * Keep the closers going: reap killed ones and requeue what they had
 * not started, kill one that is stuck, start one if needed, and send
 * the pending batch when it is full or old.  Returns the ms until it
 * wants to run again, or -1.  No syscall unless there is work.
 */
static long long
closer_tick(long long t)
{
	struct closer	*cl;
	unsigned long	 done, k;
	long long	 wake = -1, w;
	int		 i, st;

	for (i = 0; i < CLOSER_MAX; i++) {
		cl = &closers[i];
		if (cl->pid == 0)
			continue;
		if (cl->killed) {
			if (t < cl->next_reap) {
				w = cl->next_reap - t;
			} else if (waitpid(cl->pid, &st, WNOHANG) == cl->pid) {
				/* Dead: it will never touch our table again.
				 * The one it had begun is closed (close()
				 * frees the number before it waits); the rest
				 * are still open: requeue them. */
				k = __atomic_load_n(&cl->shm->started,
				    __ATOMIC_ACQUIRE);
				for (; k < cl->sent && npend < PEND_MAX; k++) {
					pend_uid[npend] =
					    cl->ring_uid[k % CLOSER_RING];
					pend[npend++] =
					    cl->ring[k % CLOSER_RING];
				}
				if (k < cl->sent)
					ph_log(LOG_ERR, "closer: %lu fds lost",
					    cl->sent - k);
				if (npend > 0 && pend_since == 0)
					pend_since = t;
				ph_fd_close(&cl->rfd);	/* pipe: safe */
				ph_fd_close(&cl->wfd);
				cl->pid = 0;
				cl->culprit_set = 0;
				continue;
			} else {
				cl->next_reap = t + CLOSER_REAP_MS;
				w = CLOSER_REAP_MS;
			}
			if (wake < 0 || w < wake)
				wake = w;
			continue;
		}
		done = __atomic_load_n(&cl->shm->done, __ATOMIC_ACQUIRE);
		if (done != cl->seen || done == cl->sent) {
			cl->seen = done;
			cl->since = t;
		} else if (t - cl->since >= CLOSER_STUCK_MS) {
			/* The fd it is stuck on is the one it began last;
			 * its sender is the culprit (uid_stalling()). */
			k = __atomic_load_n(&cl->shm->started,
			    __ATOMIC_ACQUIRE);
			cl->culprit_set = k > done && k <= cl->sent;
			if (cl->culprit_set)
				cl->culprit =
				    cl->ring_uid[(k - 1) % CLOSER_RING];
			ph_log(LOG_WARNING, "closer %ld stuck on a close of "
			    "an fd from uid %ld, %lu fds behind: replacing it",
			    (long)cl->pid, cl->culprit_set ?
			    (long)cl->culprit : -1L, cl->sent - done);
			(void)kill(cl->pid, SIGKILL);
			cl->killed = 1;
			cl->next_reap = t;
			if (cur == cl)
				cur = NULL;
			if (wake < 0 || wake > 0)
				wake = 0;
			continue;
		}
		if (done != cl->sent) {
			w = cl->since + CLOSER_STUCK_MS - t;
			if (wake < 0 || w < wake)
				wake = w;
		}
	}
	if (t >= slow_next) {
		unsigned long	slow = 0;

		for (i = 0; i < CLOSER_MAX; i++)
			if (closers[i].shm != NULL && closers[i].pid != 0)
				slow += __atomic_load_n(
				    &closers[i].shm->slow, __ATOMIC_RELAXED);
		if (slow > slow_logged) {
			ph_log(LOG_WARNING, "closer: %lu slow closes "
			    "(SO_LINGER or similar), each cut short",
			    slow - slow_logged);
			slow_next = t + 10000;	/* rate-limited (S58) */
		} else
			slow_next = t + 500;
		slow_logged = slow;
	}
	if (cur == NULL && npend > 0)
		cur = closer_start();
	for (i = 0, st = 0; i < CLOSER_MAX; i++)
		st += closers[i].pid != 0;
	if (cur == NULL && npend > 0 && st == 0) {
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
		if (w < 0)
			w = 0;
		if (wake < 0 || w < wake)
			wake = w;
	}
	if (npend == 0)
		pend_since = 0;
	return wake;
}

/*
 * 1 while a closer is stuck on a close of an fd that `uid` sent (it
 * was killed, and has not died: a FUSE FLUSH its server holds).  Such a
 * uid is not read from until then: it cannot pin more closers.  Only a
 * peer the policy names gets an fd into our table at all (serve()).
 */
static int
uid_stalling(uid_t uid)
{
	int	i;

	for (i = 0; i < CLOSER_MAX; i++)
		if (closers[i].pid != 0 && closers[i].killed &&
		    closers[i].culprit_set && closers[i].culprit == uid)
			return 1;
	return 0;
}

static void
client_drop(struct client *c)
{
	dispose(&c->fd, c->uid);	/* its queue may hold fds: S42 */
	free(c->groups);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Connections of `uid` in slots [lo, hi). */
static int
count_uid(uid_t uid, int lo, int hi)
{
	int	i, n = 0;

	for (i = lo; i < hi; i++)
		if (clients[i].fd >= 0 && clients[i].uid == uid)
			n++;
	return n;
}

/*
 * Issue 9 item 7, S56: 1 unless the connection `fd` was made in our
 * network namespace, by SO_NETNS_COOKIE (an accepted AF_UNIX socket
 * carries the connecting client's netns).  Ours is read from a socket we
 * make ourselves, since raw and packet sockets are made in the netns of
 * the daemon, not of an inherited listener (socket activation).  Fails
 * closed: a cookie that cannot be read (Linux < 5.14) is foreign.  Both
 * cookies go to cookies[0] (the client's) and [1] (ours), 0 if unknown.
 */
static int
netns_foreign(int fd, uint64_t cookies[2])
{
	static uint64_t	mine;
	static int	known;		/* 1: mine read; -1: cannot be */
	uint64_t	v = 0;
	socklen_t	sl = sizeof(v);
	int		s;

	if (known == 0) {
		known = -1;
		if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
			if (getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &mine,
			    &sl) == 0 && sl == sizeof(mine))
				known = 1;
			ph_fd_close(&s);	/* ours, unconnected: safe */
		}
		if (known < 0)
			ph_log(LOG_WARNING, "SO_NETNS_COOKIE unreadable: "
			    "every client counts as in another network "
			    "namespace (no raw or packet sockets)");
		sl = sizeof(v);
	}
	cookies[0] = cookies[1] = 0;
	if (known < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &v, &sl) == -1 ||
	    sl != sizeof(v))
		return 1;
	cookies[0] = v;
	cookies[1] = mine;
	return v != mine;
}

static void	serve(struct client *);

/*
 * Accept one connection; returns -EMFILE/-ENFILE to pause accepting.
 * S80 and issue 9 item 4: the table's MAX_GRANTED slots are for peers
 * the policy names (ph_policy_grants_any()), at most MAX_PER_UID each;
 * a peer it names nowhere is answered at once if its request is already
 * there (a denial), else waits for it in one of the few MAX_UNGRANTED
 * slots (UNGRANTED_PER_UID each, the same idle deadline), else is
 * closed.  So no flood by users the policy grants nothing takes a
 * granted user's slot; theirs is answered and closed after one request.
 */
static int
accept_one(int lfd)
{
	static struct client	 spare = { .fd = -1 };
	struct ph_requester	 who;
	struct ph_peer		 peer;
	struct client		*c = NULL;
	int			 fd, i, r, granted;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1)
		return -errno;
	/* Just accepted, so connected: the check for a listening socket in
	 * ph_peer_get() would be a syscall per request for nothing. */
	if ((r = ph__peer_get(fd, PH_PEER_GROUPS, &peer)) < 0) {
		/* peer is untouched on failure: nobody to blame */
		dispose(&fd, (uid_t)-1);	/* messages may be queued: S42 */
		return 0;
	}
	memset(&who, 0, sizeof(who));
	who.uid = peer.uid;
	who.gid = peer.gid;
	who.groups = peer.groups;
	who.ngroups = peer.ngroups;
	granted = ph_policy_grants_any(policy, &who);
	if (granted) {
		const char	*why = "too many connections";

		for (i = 0; i < MAX_GRANTED && c == NULL; i++)
			if (clients[i].fd < 0)
				c = &clients[i];
		/* S80: a flood from one uid cannot starve the others. */
		if (c == NULL || count_uid(peer.uid, 0, MAX_GRANTED) >=
		    MAX_PER_UID || uid_stalling(peer.uid)) {
			if (c != NULL && uid_stalling(peer.uid))
				why = "a close of an fd it sent is stuck";
			if (ph_log_refusal_ok(peer.uid))
				ph_log(LOG_WARNING, "refused uid=%u pid=%ld: "
				    "%s", (unsigned)peer.uid, (long)peer.pid,
				    why);
			ph_peer_clear(&peer);
			dispose(&fd, who.uid);
			return 0;
		}
	} else {
		for (i = MAX_GRANTED; i < MAX_CLIENTS && c == NULL; i++)
			if (clients[i].fd < 0)
				c = &clients[i];
		if (c == NULL || count_uid(peer.uid, MAX_GRANTED,
		    MAX_CLIENTS) >= UNGRANTED_PER_UID)
			c = &spare;	/* answered now or closed: no slot */
	}
	c->fd = fd;
	c->uid = peer.uid;
	c->gid = peer.gid;
	c->pid = peer.pid;
	c->groups = peer.groups;	/* ownership moves to the client */
	c->ngroups = peer.ngroups;
	c->granted = granted;
	c->foreign_netns = netns_foreign(fd, c->netns);
	peer.groups = NULL;
	ph_peer_clear(&peer);
	c->born = c->last = now_ms();
	if (!granted) {
		serve(c);		/* the request may be there already */
		if (c == &spare && c->fd >= 0) {
			if (ph_log_refusal_ok(c->uid))
				ph_log(LOG_WARNING, "refused uid=%u pid=%ld: "
				    "no grant and no free slot",
				    (unsigned)c->uid, (long)c->pid);
			client_drop(c);
		}
	}
	return 0;
}

/*
 * Read one request: at most PH_FDS_MAX fds, so that the kernel never
 * drops any (SCM_MAX_FD is 253: a truncated control message is fput in
 * our context, S42).  Unlike ph_recv_fds(), which closes the fds of a
 * bad message in place, this returns every fd that arrived in fds[] and
 * *nfds, whatever the result, for the caller to dispose of.  Returns
 * the byte count (0: end of file, or a zero-length message; the same
 * thing to us), -EMSGSIZE (truncated), -EBADMSG (an unexpected control
 * message), or the recvmsg() error.
 */
static ssize_t
recv_req(int sock, void *buf, size_t len, int *fds, size_t *nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE((PH_FDS_MAX + 1) * sizeof(int))];
	} ctl;
	struct iovec	 iov = { .iov_base = buf, .iov_len = len };
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	size_t		 k, i;
	ssize_t		 n;

	*nfds = 0;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
	    cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0)) {
			n = -EBADMSG;
			continue;
		}
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k && *nfds < PH_FDS_MAX + 1; i++)
			memcpy(&fds[(*nfds)++], CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
	}
	if (n >= 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		n = -EMSGSIZE;
	return n;
}

/*
 * 1 and *ret_id if the n bytes at buf are a well-formed status request
 * (PH_MSG_STATUS, exact size, reserved fields zero: ph__req_decode()).
 */
static int
is_status(const void *buf, size_t n, uint32_t *ret_id)
{
	struct ph_grant	g;
	uint32_t	id = 0, backlog, scope;
	uint16_t	type = 0;

	if (ph__req_decode(buf, n, &type, &id, &g, &backlog, &scope) < 0 ||
	    type != PH_MSG_STATUS)
		return 0;
	*ret_id = id;
	return 1;
}

/*
 * Answer a status request (issue 11) from what we count: version, the
 * policy's path, rule count and load time, uptime, open connections,
 * grants and refusals; nothing about who asked or what the policy says
 * (S89), so it is answered to anyone.  One non-blocking send (the
 * connection is O_NONBLOCK, MSG_NOSIGNAL: S82); <0 if it failed.
 */
static int
answer_status(const struct client *c, uint32_t id)
{
	struct ph_msg_status_reply	m;
	struct ph_status		st;
	int				i;

	memset(&st, 0, sizeof(st));
	(void)snprintf(st.version, sizeof(st.version), "%s", PH_VERSION);
	/* A path that does not fit goes as "": never cut (S73). */
	if (strlen(policy_path) < sizeof(st.policy))
		memcpy(st.policy, policy_path, strlen(policy_path) + 1);
	st.policy_valid = ph_policy_stand_in_for(policy) == 0;
	st.loaded = policy_time > 0 ? (uint64_t)policy_time : 0;
	st.uptime = (uint64_t)((now_ms() - started) / 1000);
	st.nrules = (uint32_t)ph_policy_nrules(policy);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			st.connections++;
	if (c < clients || c >= clients + MAX_CLIENTS)
		st.connections++;	/* the spare slot: accept_one() */
	st.grants = n_grants;
	st.refusals = n_refusals;
	if (ph__status_reply_encode(&m, id, &st) < 0)
		return -ENAMETOOLONG;	/* PH_VERSION too long: a bug */
	return ph_send_fds(c->fd, &m, sizeof(m), NULL, 0) < 0 ? -EIO : 0;
}

/* Count one answered request for the status (issue 11). */
static void
count_answer(const struct ph_audit *audit)
{
	if (audit->granted)
		n_grants++;
	else
		n_refusals++;
}

/*
 * The one request of a peer the policy names nowhere (item 4): answered
 * from a peek at its bytes, so that no fd it sent is ever installed in
 * our table (S42: such an fd's close could wait for its sender's FUSE
 * server), and then dropped: the connection goes to a closer, whose
 * close frees the queued fds with a plain fput (no FLUSH).  The handler
 * sees an fd of our own in place of the client's: a fresh TCP socket
 * of the request's family for a bind, so that the answer is the one
 * the client's socket would get (EACCES by the policy), or an eventfd
 * (an fd where none belongs: malformed).
 */
static void
serve_ungranted(struct client *c, struct ph_requester *who)
{
	struct ph_msg_reply	reply;
	struct ph_audit		audit;
	struct ph_grant		g;
	struct iovec		iov;
	struct msghdr		msg;
	char			buf[PH_MSG_MAX];
	uint32_t		id, backlog, scope;
	uint16_t		type = 0;
	ssize_t			n;
	int			fd = -1, out = -1, r;

	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	/* No control buffer: a peek only counts the fds (MSG_CTRUNC). */
	do
		n = recvmsg(c->fd, &msg, MSG_PEEK | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n <= 0 || (msg.msg_flags & MSG_TRUNC) ||
	    ph_policy_grants_any(policy, who)) {
		/* EOF or oversize (S70), or a reload named it since its
		 * accept: it can ask again. */
		client_drop(c);
		return;
	}
	/* Issue 11: a status is for anyone; it comes without fds (with
	 * one it is malformed, and the handler drops it below). */
	if (!(msg.msg_flags & MSG_CTRUNC) && is_status(buf, (size_t)n, &id)) {
		(void)answer_status(c, id);
		client_drop(c);		/* one answer; no slot kept */
		return;
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		if (ph__req_decode(buf, (size_t)n, &type, &id, &g, &backlog,
		    &scope) == 0 && type == PH_MSG_BIND)
			fd = socket(g.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		else
			fd = eventfd(0, EFD_CLOEXEC);
		if (fd < 0) {
			client_drop(c);
			return;
		}
	}
	r = ph_broker_handle(policy, who, buf, (size_t)n, fd, &reply, &out,
	    &audit);
	ph_fd_close(&fd);		/* a placeholder of ours, or -1 */
	ph_log_audit(&audit, who, c->pid);
	if (r == 0) {
		count_answer(&audit);
		(void)ph_send_fds(c->fd, &reply, sizeof(reply),
		    out >= 0 ? &out : NULL, out >= 0);
	}
	ph_fd_close(&out);		/* none can be granted; ours anyway */
	client_drop(c);			/* one answer; no slot kept */
}

/*
 * One message from a client: answer it, or drop the client.  Every fd
 * that came is disposed of off the loop unless provably safe (S42).
 */
static void
serve(struct client *c)
{
	struct ph_requester	who;
	struct ph_msg_reply	reply;
	struct ph_audit		audit;
	char			buf[PH_MSG_MAX];
	int			fds[PH_FDS_MAX + 1];
	uint32_t		id;
	size_t			nfds = 0, i;
	ssize_t			n;
	int			fd = -1, out = -1, r;

	memset(&who, 0, sizeof(who));
	who.uid = c->uid;
	who.gid = c->gid;
	who.groups = c->groups;
	who.ngroups = c->ngroups;
	who.foreign_netns = c->foreign_netns;	/* item 7, S56 */
	who.netns[0] = c->netns[0];
	who.netns[1] = c->netns[1];
	if (!c->granted) {
		serve_ungranted(c, &who);
		return;
	}
	if (uid_stalling(c->uid)) {	/* read nothing more of theirs */
		client_drop(c);
		return;
	}
	n = recv_req(c->fd, buf, sizeof(buf), fds, &nfds);
	if (n == -EAGAIN)
		return;
	if (n <= 0 || nfds > 1) {	/* EOF, oversize/bad: drop (S70) */
		for (i = 0; i < nfds; i++)
			dispose(&fds[i], c->uid);
		client_drop(c);
		return;
	}
	if (nfds == 1)
		fd = fds[0];
	c->last = now_ms();
	/* Issue 11: a status is answered here, not by the handler, which
	 * has no daemon state (and refuses it for porthole-helper). */
	if (fd < 0 && is_status(buf, (size_t)n, &id)) {
		if (answer_status(c, id) < 0)
			client_drop(c);	/* S82 */
		return;
	}
	r = ph_broker_handle(policy, &who, buf, (size_t)n, fd, &reply, &out,
	    &audit);
	/*
	 * The handler borrowed fd.  A granted bind's socket is safe to close
	 * here: a listener behind the handler's locked SYN-ACK filter (S49),
	 * which can never be established and so has nothing to linger on,
	 * or a UDP socket.  Anything else goes to a closer: a refused fd may
	 * be a connected socket with SO_LINGER, an AF_UNIX one with fds
	 * queued, or a FUSE file (S42).  (SO_LINGER {1,0} would defuse the
	 * first, but the caller may still hold and use that socket: not
	 * ours to change.)
	 */
	if (fd >= 0 && audit.granted && r == 0)
		ph_fd_close(&fd);
	else
		dispose(&fd, c->uid);
	ph_log_audit(&audit, &who, c->pid);
	if (r < 0) {
		client_drop(c);		/* S71 */
		return;
	}
	count_answer(&audit);
	/* A client that does not read its answer is dropped (S82). */
	if (ph_send_fds(c->fd, &reply, sizeof(reply), out >= 0 ? &out : NULL,
	    out >= 0) < 0)
		client_drop(c);
	ph_fd_close(&out);		/* S44; a raw or packet socket we
					   made: closing it never blocks */
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
static void
user_resolve(const char *user, const struct ph_text *pw,
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

/*
 * Room in our fd table for what one more read or accept can bring:
 * PH_FDS_MAX fds and a dup, with every slot, every fd waiting for a
 * closer and every fd a closer has not yet closed counted.  Without it
 * recvmsg() could hit EMFILE, and the kernel would drop the fds that do
 * not fit with an fput in our context (S42).
 */
static rlim_t	nofile;

static int
fd_room(void)
{
	size_t	used = 32 + MAX_CLIENTS + npend + 2 * (PH_FDS_MAX + 2);
	int	i;

	for (i = 0; i < CLOSER_MAX; i++)
		if (closers[i].pid != 0)
			used += closers[i].sent -
			    __atomic_load_n(&closers[i].shm->done,
			    __ATOMIC_ACQUIRE);
	return npend + PH_FDS_MAX + 2 <= PEND_MAX && (rlim_t)used <= nofile;
}

/* Once, before the first poll(): room for the fds in flight to the
 * closers (soft RLIMIT_NOFILE up to 4096, as the hard limit allows),
 * and the first closer. */
static void
loop_init(void)
{
	struct rlimit	rl;

	nofile = 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < 4096 && rl.rlim_max > rl.rlim_cur) {
			rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		nofile = rl.rlim_cur;
	}
	cur = closer_start();
}

/*
 * On the way out: our exit must not be the last holder of the fd table,
 * or its closes (connections, fds waiting for a closer) would run in us
 * and could keep this process from ending.  A live closer shares the
 * table, dies with us (PR_SET_PDEATHSIG) and closes them in its exit.
 */
static void
closer_exit(void)
{
	int	i;

	for (i = 0; i < CLOSER_MAX; i++)
		if (closers[i].pid != 0 && !closers[i].killed)
			return;
	(void)closer_start();
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
	struct ph_text		 ptext = { NULL, 0 }, pw = { NULL, 0 },
				 gr = { NULL, 0 };
	struct signalfd_siginfo	 si;
	char			 why[256], journal[64];
	const char		*user = "nobody", *sock = PH_BROKER_SOCK;
	const char		*env;
	unsigned long long	 caps;
	long long		 t, pause_until = 0, wake;
	sigset_t		 sigs;
	uid_t			 uid;
	gid_t			 gid;
	int			 c, fg = 0, lfd = -1, sfd = -1, i, n, r, pr;
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
	/*
	 * Issue 11: JOURNAL_STREAM, read before the environment is cleared
	 * (bounded copy), and checked against fd 2 after ph_priv_sanitize()
	 * has made sure fd 2 is open: only when it names our stderr is that
	 * the journal, which reads a "<N>" prefix as the line's priority.
	 * Like LISTEN_PID above, two strict decimal numbers (S11) read as
	 * root: the parser guard of issue 9 is for the policy and the name
	 * databases; this grammar has no more to it than ph_pid_parse().
	 */
	journal[0] = '\0';
	if ((env = getenv("JOURNAL_STREAM")) != NULL &&
	    strlen(env) < sizeof(journal))
		memcpy(journal, env, strlen(env) + 1);
	ph_priv_sanitize(lfd);		/* after reading LISTEN_*: S2-S9 */
	/* Issue 9: from here on no parser runs while any uid is 0. */
	ph_parser_guard_on();
	ph_log_open("portholed", fg);
	if (fg && journal[0] != '\0' && ph_log_journal_stream(journal, 2)) {
		ph_log_prefix(1);
		ph_priv_journal = 1;
	}
	started = now_ms();

	/*
	 * Bytes only while root (issue 9): /etc/passwd and /etc/group read
	 * directly (S55: no NSS) and the policy through trusted directories
	 * (S53); a child parses the first two for --user, we parse the
	 * policy after the drop below.
	 */
	if ((r = ph_names_read("/etc/passwd", &pw)) < 0 ||
	    (r = ph_names_read("/etc/group", &gr)) < 0)
		ph_priv_die("cannot read /etc/passwd or /etc/group", r);
	user_resolve(user, &pw, &gr, &uid, &gid);
	if (uid == 0)
		ph_priv_die("--user must not be root", 0);
	pr = ph_policy_read(policy_path, &ptext, why, sizeof(why));

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

	/*
	 * Drop to --user for good (S12-S14), keeping the two capabilities
	 * a policy can need; parse the policy as that user (issue 9); then
	 * keep CAP_NET_RAW only if the policy grants raw or packet sockets.
	 * The bounding set still has CAP_NET_RAW then: harmless, as we never
	 * exec, NO_NEW_PRIVS is set, and permitted and effective lack it.
	 */
	caps = BIND_CAPS | (1ULL << CAP_NET_RAW);
	ph_priv_drop(uid, gid, caps, 0);
	policy = policy_start(pr == 0 ? &ptext : NULL, &pw, &gr, why);
	ph_text_free(&ptext);
	ph_text_free(&pw);
	ph_text_free(&gr);
	if (!ph_policy_needs_raw(policy)) {
		caps = BIND_CAPS;
		ph_priv_drop(uid, gid, caps, 0);
	}
	ph_log(LOG_NOTICE, "listening on %s as uid %u with %s", sock,
	    (unsigned)getuid(), (caps >> CAP_NET_RAW) & 1 ?
	    "CAP_NET_BIND_SERVICE, CAP_NET_ADMIN and CAP_NET_RAW" :
	    "CAP_NET_BIND_SERVICE and CAP_NET_ADMIN");

	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	for (;;) {
		long long	w;
		int		full;

		t = now_ms();
		wake = -1;
		if (nofile == 0)
			loop_init();
		/* Item 3: the closers; item 5: the suppressed counts. */
		if ((w = closer_tick(t)) >= 0)
			wake = w;
		if ((w = ph_log_tick()) >= 0 && (wake < 0 || w < wake))
			wake = w;
		/* Nothing is read while what it could bring has no room. */
		full = !fd_room();
		if (full && (wake < 0 || wake > CLOSER_REAP_MS))
			wake = CLOSER_REAP_MS;
		n = 0;
		pfd[n].fd = sfd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = t >= pause_until && !full ? lfd : -1;
		pfd[n++].events = POLLIN;
		if (t < pause_until && (wake < 0 || pause_until - t < wake))
			wake = pause_until - t;
		for (i = 0; i < MAX_CLIENTS; i++) {
			long long	dl;

			if (clients[i].fd < 0)
				continue;
			/* S81: idle and lifetime deadlines. */
			dl = clients[i].last + IDLE_MS;
			if (clients[i].born + LIFETIME_MS < dl)
				dl = clients[i].born + LIFETIME_MS;
			if (dl <= t && !full) {
				client_drop(&clients[i]);
				continue;
			}
			if (dl > t && (wake < 0 || dl - t < wake))
				wake = dl - t;
			slot[n - 2] = i;
			pfd[n].fd = full ? -1 : clients[i].fd;
			pfd[n++].events = POLLIN;
		}
		/* A deadline drop above queued a close after closer_tick()
		 * had chosen its wake-up: flush it in time all the same. */
		if (npend > 0 && (wake < 0 || wake > PEND_FLUSH_MS))
			wake = PEND_FLUSH_MS;
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
					closer_exit();
					return 0;
				}
			}
		}
		if ((pfd[1].revents & POLLIN) && fd_room()) {
			r = accept_one(lfd);
			if (r == -EMFILE || r == -ENFILE) {
				if (ph_log_refusal_ok(getuid()))
					ph_log(LOG_WARNING, "out of fds: "
					    "pausing accept");
				pause_until = now_ms() + EMFILE_PAUSE_MS;
			}
		}
		for (i = 2; i < n; i++)
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    clients[slot[i - 2]].fd == pfd[i].fd && fd_room())
				serve(&clients[slot[i - 2]]);
	}
}
