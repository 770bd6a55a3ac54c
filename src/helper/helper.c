/* SPDX-License-Identifier: ISC */
/*
 * helper.c - porthole-helper: one broker request from the user who ran
 * it, for hosts without portholed.  Installed setuid root (make
 * install-setuid) or with cap_net_bind_service,cap_net_raw+p (make
 * install-caps).  It is run by libporthole with one end of a
 * SOCK_SEQPACKET socketpair on fd 3, reads one request there, answers,
 * and exits.
 *
 * Runs as: root (setuid; real uid = the caller) until the drop, or the
 * caller with file capabilities.  Order (ssh-keysign, bubblewrap):
 * sanitise the process before parsing anything; check the channel and
 * the request; act; drop for good and verify; only then answer.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <linux/capability.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "porthole.h"
#include "paths.h"
#include "policy.h"
#include "priv.h"
#include "privlog.h"
#include "proto.h"

#define CHANNEL_FD	3
#define TIMEOUT		10		/* seconds for the caller to speak */
#define CAPS_WANTED	((1ULL << CAP_NET_BIND_SERVICE) | (1ULL << CAP_NET_RAW))

/*
 * S18: the channel must be a connected AF_UNIX SOCK_SEQPACKET socket whose
 * peer is the user who ran us (the socketpair's creator), not a file, a
 * pipe, a tty, a netlink or another user's socket.
 */
static void
check_channel(uid_t caller)
{
	struct ph_fdinfo	fi;
	struct ph_peer		peer;
	struct timeval		tv = { TIMEOUT, 0 };

	if (ph_fd_info(CHANNEL_FD, &fi) < 0 || fi.kind != PH_FD_SOCKET ||
	    fi.family != AF_UNIX || fi.type != SOCK_SEQPACKET || fi.listening)
		ph_priv_die("fd 3 is not a SOCK_SEQPACKET socketpair; "
		    "porthole-helper is run by libporthole", 0);
	if (ph_peer_get(CHANNEL_FD, 0, &peer) < 0)
		ph_priv_die("fd 3 has no peer", 0);
	if (peer.uid != caller)
		ph_priv_die("the peer on fd 3 is not the calling user", 0);
	ph_peer_clear(&peer);
	if (setsockopt(CHANNEL_FD, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))
	    == -1 || setsockopt(CHANNEL_FD, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)) == -1)
		ph_priv_die("setting timeouts on fd 3", errno);
}

int
main(int argc, char *argv[])
{
	struct ph_requester	 who;
	struct ph_msg_reply	 reply;
	struct ph_policy	*pol = NULL;
	struct ph_audit		 audit;
	gid_t			 groups[256];
	char			 buf[PH_MSG_MAX], err[256];
	size_t			 nfds = 1;
	ssize_t			 n;
	uid_t			 caller = getuid();
	gid_t			 cgid = getgid();
	int			 ng, fd = -1, out = -1, r, setuid_mode;

	/* 1. Distrust everything inherited, before parsing anything. */
	/* S1: argc 0, which kernels since 5.18 turn into argv[0] == "";
	 * libporthole always runs us as "porthole-helper". */
	if (argc < 1 || argv[0] == NULL || argv[0][0] == '\0')
		_exit(1);
	ph_priv_prog = "porthole-helper";
	ph_priv_sanitize(CHANNEL_FD);		/* S2-S9 */
	if (argc != 1)				/* S11: no arguments at all */
		ph_priv_die("takes no arguments", 0);
	setuid_mode = geteuid() == 0 && caller != 0;
	/* S10: NO_NEW_PRIVS or a user namespace silently disables setuid
	 * and file capabilities: then there is nothing we can do. */
	/* S14: look at the permitted set only; nothing is effective until
	 * the one act below. */
	if (!setuid_mode && geteuid() != 0 &&
	    !(ph_priv_permitted() & (1ULL << CAP_NET_BIND_SERVICE)))
		ph_priv_die("not privileged: install with 'make "
		    "install-setuid' or 'make install-caps'", 0);
	ph_log_open("porthole-helper", 0);

	/* 2. The channel, then the request, then the policy (S18, S53). */
	check_channel(caller);
	if ((ng = getgroups((int)(sizeof(groups) / sizeof(groups[0])),
	    groups)) < 0)
		ph_priv_die("too many supplementary groups", errno);
	who.uid = caller;
	who.gid = cgid;
	who.groups = groups;
	who.ngroups = (size_t)ng;
	n = ph_recv_fds(CHANNEL_FD, buf, sizeof(buf), &fd, &nfds);
	if (n <= 0)
		ph_priv_die("no request on fd 3", n < 0 ? (int)n : 0);
	if (nfds == 0)
		fd = -1;
	if ((r = ph_policy_load(PH_POLICY_PATH, &pol, err, sizeof(err))) < 0) {
		ph_log(LOG_ERR, "%s; nothing is granted", err);
		/* S53: no policy, no grant; answer with an empty policy. */
		if (ph_policy_parse("", 0, PH_POLICY_PATH, NULL, &pol, err,
		    sizeof(err)) < 0)
			ph_priv_die("cannot make an empty policy", 0);
	}

	/* 3. The one privileged act (caps raised only around it). */
	if (!setuid_mode && geteuid() != 0 &&
	    ph_priv_raise(ph_priv_permitted() & CAPS_WANTED) < 0)
		ph_priv_die("cannot raise the permitted capabilities", 0);
	r = ph_broker_handle(pol, &who, setuid_mode ? PH_BROKER_SETFSUID : 0,
	    buf, (size_t)n, fd, &reply, &out, &audit);
	ph_log_audit(&audit, &who, getppid());	/* the caller's pid */

	/* 4. Drop for good and verify, then answer (S12-S14, S34). */
	ph_priv_drop(caller, cgid, 0, PH_DROP_NOEXEC);
	if (r < 0)
		ph_priv_die("malformed request", 0);
	n = ph_send_fds(CHANNEL_FD, &reply, sizeof(reply), out >= 0 ? &out :
	    NULL, out >= 0);
	ph_fd_close(&out);
	ph_policy_free(pol);
	return n < 0 ? 1 : 0;
}
