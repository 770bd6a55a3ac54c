/* SPDX-License-Identifier: ISC */
/*
 * portholed.c - the porthole broker daemon.  It listens on a root-owned
 * SOCK_SEQPACKET socket (mode 0666: the decision is per request, by the
 * kernel's peer credentials and the policy), drops to an unprivileged
 * user keeping only CAP_NET_BIND_SERVICE, CAP_NET_RAW and CAP_NET_ADMIN
 * (BIND_CAPS), and answers requests with the same handler as
 * porthole-helper (priv.c).
 *
 * Runs as: root at start (or a service manager's user with ambient
 * capabilities), then --user (default nobody) with those capabilities.
 *
 * One thread, non-blocking everywhere, bounded everything (S79-S85): at
 * most MAX_CLIENTS connections, MAX_PER_UID per uid, an idle deadline and
 * a lifetime per connection on CLOCK_MONOTONIC (S90), EMFILE without
 * spinning, MSG_NOSIGNAL on every send.  A bad client is dropped, never
 * the daemon.  The loop is the library's (server.h); the connections
 * are conns.c's, the closers closer.c's (src/broker/); start-up is
 * start.c's.
 */
#include <sys/resource.h>

#include <linux/capability.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <syslog.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"
#include "paths.h"
#include "closer.h"
#include "conns.h"
#include "daemon.h"
#include "policy.h"
#include "priv.h"
#include "privlog.h"

/*
 * What serving needs, whatever the policy grants: CAP_NET_BIND_SERVICE
 * for the ports; CAP_NET_RAW to take S49's guard off a TCP grant
 * (SO_BINDTOIFINDEX, tcpguard.c) and to make raw and packet sockets;
 * CAP_NET_ADMIN to lock S49's filter where the guard cannot serve (Linux
 * 6.18 asks it for any filter on a TCP socket).  The union of the
 * request kinds' capabilities (priv.c's table `kinds`), checked below.
 */
#define BIND_CAPS	((1ULL << CAP_NET_BIND_SERVICE) | \
			    (1ULL << CAP_NET_RAW) | (1ULL << CAP_NET_ADMIN))
/* Issue 10: EMFILE is the loop's reserve fd now (server.c says why);
 * this pause is only for when the reserve cannot be taken back (S79). */
#define EMFILE_PAUSE_MS	200

static struct ph_srv	srv;

/*
 * Room in our fd table for what one more read or accept can bring:
 * PH_FDS_MAX fds and a dup, with every slot, every fd waiting for a
 * closer and every fd a closer has not yet closed counted (the 32 spare
 * hold ours: stdio, listener, signalfd, the loop's reserve, ...).
 * Without it recvmsg() could hit EMFILE, and the kernel would drop the
 * fds that do not fit with an fput in our context (S42).
 */
static rlim_t	nofile;

static int
fd_room(void *arg)
{
	size_t	used = 32 + MAX_CLIENTS + ph_closer_held() +
		    2 * (PH_FDS_MAX + 2);

	(void)arg;
	return ph_closer_room(PH_FDS_MAX + 2) && (rlim_t)used <= nofile;
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
	ph_closer_init();
}

/* Each round: item 3, the closers; item 5, the suppressed counts.
 * Nothing is read while what it could bring has no room. */
static int64_t
tick(void *arg, int64_t t, int *full)
{
	int64_t	wake = ph_closer_tick(t), w;

	if ((w = ph_log_tick()) >= 0 && (wake < 0 || w < wake))
		wake = w;
	*full = !fd_room(arg);
	if (*full && (wake < 0 || wake > CLOSER_REAP_MS))
		wake = CLOSER_REAP_MS;
	return wake;
}

/* A deadline drop queued a close after ph_closer_tick() had chosen its
 * wake-up: flush it in time all the same. */
static int64_t
settle(void *arg)
{
	(void)arg;
	return ph_closer_queued() > 0 ? PEND_FLUSH_MS : -1;
}

static int
on_signal(void *arg, uint32_t signo)
{
	(void)arg;
	if (signo == SIGHUP)
		ph_daemon.policy = daemon_policy_load(ph_daemon.policy);
	else if (signo != SIGPIPE && signo != 0) {
		ph_log(LOG_NOTICE, "exiting on signal %u", signo);
		return 1;
	}
	return 0;
}

/* The EMFILE strategy's drop: the connection may hold fds (S42). */
static void
drop(void *arg, int fd)
{
	(void)arg;
	ph_closer_dispose(&fd, (uid_t)-1);
}

static int
on_accept(void *arg)
{
	int	r = ph_conns_accept(srv.lfd);

	(void)arg;
	if ((r == -EMFILE || r == -ENFILE) &&
	    ph_srv_emfile(&srv, r, EMFILE_PAUSE_MS, drop, NULL) > 0 &&
	    ph_log_refusal_ok(getuid()))
		ph_log(LOG_WARNING, "out of fds: a connection was closed "
		    "unserved");
	return 0;
}

static void
on_ready(void *arg, size_t i)
{
	(void)arg;
	ph_conns_ready(i);
}

static void
on_expired(void *arg, size_t i, int64_t now)
{
	(void)arg;
	(void)now;
	ph_conns_drop(i);
}

static const struct ph_srv_ops	daemon_ops = {
	.tick = tick,
	.settle = settle,
	.room = fd_room,
	.signal = on_signal,
	.accept = on_accept,
	.ready = on_ready,
	.expired = on_expired,
};

/*
 * Drop to --user for good (S12-S14), keeping BIND_CAPS; then parse the
 * policy as that user (issue 9).  CAP_NET_RAW is kept without a raw
 * grant too: every TCP grant needs it (S49's guard).
 */
static void
drop_and_parse(uid_t uid, gid_t gid, struct ph_text *ptext, int pr,
    struct ph_text *pw, struct ph_text *gr, const char *why)
{
	if ((ph_broker_caps(PH_MSG_BIND) | ph_broker_caps(PH_MSG_OPEN)) !=
	    BIND_CAPS)
		ph_priv_die("BIND_CAPS is not what the requests use", 0);
	ph_priv_drop(uid, gid, BIND_CAPS, 0);
	ph_daemon.policy = daemon_policy_start(pr == 0 ? ptext : NULL, pw, gr,
	    why);
	ph_text_free(ptext);
	ph_text_free(pw);
	ph_text_free(gr);
}

int
main(int argc, char **argv)
{
	static const int	 sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGPIPE };
	struct ph_text		 ptext = { NULL, 0 }, pw = { NULL, 0 },
				 gr = { NULL, 0 };
	char			 why[256];
	const char		*user = "nobody", *sock = PH_BROKER_SOCK;
	uid_t			 uid;
	gid_t			 gid;
	int			 fg = 0, lfd, r, pr;

	if (argc < 1 || argv[0] == NULL || argv[0][0] == '\0')
		_exit(1);		/* S1 */
	ph_priv_prog = "portholed";
	ph_daemon.policy_path = PH_POLICY_PATH;
	if ((r = daemon_args(argc, argv, &fg, &user, &sock)) >= 0)
		return r;
	lfd = daemon_activation(sock);
	daemon_sanitize(lfd, fg);
	/*
	 * Bytes only while root (issue 9): /etc/passwd and /etc/group read
	 * directly (S55: no NSS) and the policy through trusted directories
	 * (S53); a child parses the first two for --user with the names
	 * module (policy.h), we parse the policy after the drop below.
	 */
	if ((r = ph_names_read("/etc/passwd", &pw)) < 0 ||
	    (r = ph_names_read("/etc/group", &gr)) < 0)
		ph_priv_die("cannot read /etc/passwd or /etc/group", r);
	daemon_user_resolve(user, &pw, &gr, &uid, &gid);
	if (uid == 0)
		ph_priv_die("--user must not be root", 0);
	pr = ph_policy_read(ph_daemon.policy_path, &ptext, why, sizeof(why));
	if (lfd < 0)
		lfd = daemon_listen(sock);
	if ((r = ph_srv_init(&srv, MAX_CLIENTS, &daemon_ops, NULL)) < 0)
		ph_priv_die("server loop", r);
	srv.lfd = lfd;
	/* Signals through a signalfd: no handler runs in privileged code. */
	if ((srv.sfd = ph_srv_signalfd(sigs, sizeof(sigs) / sizeof(sigs[0])))
	    < 0)
		ph_priv_die("signalfd", srv.sfd);
	drop_and_parse(uid, gid, &ptext, pr, &pw, &gr, why);
	ph_log(LOG_NOTICE, "listening on %s as uid %u with "
	    "CAP_NET_BIND_SERVICE, CAP_NET_ADMIN and CAP_NET_RAW", sock,
	    (unsigned)getuid());
	ph_conns_init(&srv);
	loop_init();
	if ((r = ph_srv_run(&srv)) < 0)
		ph_priv_die("poll", r);
	ph_closer_exit();
	return 0;
}
