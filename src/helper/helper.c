/* SPDX-License-Identifier: ISC */
/*
 * helper.c - porthole-helper: one broker request from the user who ran
 * it, for hosts without portholed.  Installed setuid root (make
 * install-setuid) or with cap_net_bind_service,cap_net_raw+p (make
 * install-caps).  It is run by libporthole with one end of a
 * SOCK_SEQPACKET socketpair on fd 3, reads one request there, answers,
 * and exits.
 *
 * Runs as: root (setuid; real uid = the caller) until the drop, then the
 * caller's uid and gid with CAP_NET_BIND_SERVICE and CAP_NET_RAW in the
 * permitted set only; or, with file capabilities, the caller throughout
 * with the same two permitted.  Order (ssh-keysign, bubblewrap; issue 9):
 * sanitise the process before anything; check the channel and take the
 * caller's identity from it; read the request, the policy, /etc/passwd
 * and /etc/group as bytes (as root, where that is what can reach them);
 * drop to the caller for good and verify; only then parse anything
 * (the parser guard makes every parser refuse while any uid is 0); raise
 * the one capability the request needs, act, drop all capabilities and
 * verify; only then answer.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <linux/capability.h>

#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "porthole.h"
#include "paths.h"
#include "policy.h"
#include "priv.h"
#include "privlog.h"
#include "private.h"

#define CHANNEL_FD	3
#define TIMEOUT		10		/* seconds for the caller to speak */
/* CAP_NET_ADMIN: on Linux 6.18 locking the SYN-ACK filter on a TCP socket
 * (priv.c, S49) needs it, in the socket's network namespace. */
#define CAPS_WANTED	((1ULL << CAP_NET_BIND_SERVICE) | \
			    (1ULL << CAP_NET_ADMIN) | (1ULL << CAP_NET_RAW))

/*
 * S18: the channel must be a connected AF_UNIX SOCK_SEQPACKET socket whose
 * peer is the user who ran us (the socketpair's creator), not a file, a
 * pipe, a tty, a netlink or another user's socket.
 * S31-S36, issue 9: the requester's identity is the kernel's record of
 * that peer, as portholed takes it from its own connections: the
 * effective uid and gid when the caller made the socketpair
 * (SO_PEERCRED) and its supplementary groups (SO_PEERGROUPS), the ids
 * the kernel checks permissions with.  Never our real gid or our own
 * groups: the daemon would then judge a setgid caller by one gid and the
 * helper by another.  Fills *ret_peer (release with ph_peer_clear()) and
 * *ret_who from it (foreign_netns 0: we run in the caller's netns).
 */
static void
check_channel(uid_t caller, struct ph_peer *ret_peer,
    struct ph_requester *ret_who)
{
	struct ph_fdinfo	fi;
	struct ph_peer		peer;
	struct timeval		tv = { TIMEOUT, 0 };

	if (ph_fd_info(CHANNEL_FD, &fi) < 0 || fi.kind != PH_FD_SOCKET ||
	    fi.family != AF_UNIX || fi.type != SOCK_SEQPACKET || fi.listening)
		ph_priv_die("fd 3 is not a SOCK_SEQPACKET socketpair; "
		    "porthole-helper is run by libporthole", 0);
	if (ph_peer_get(CHANNEL_FD, PH_PEER_GROUPS, &peer) < 0)
		ph_priv_die("fd 3 has no peer", 0);
	if (peer.uid != caller) {
		ph_peer_clear(&peer);
		ph_priv_die("the peer on fd 3 is not the calling user", 0);
	}
	if (setsockopt(CHANNEL_FD, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))
	    == -1 || setsockopt(CHANNEL_FD, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)) == -1)
		ph_priv_die("setting timeouts on fd 3", errno);
	*ret_peer = peer;
	memset(ret_who, 0, sizeof(*ret_who));
	ret_who->peer = peer;		/* borrowed: *ret_peer owns the groups */
}

/*
 * The capabilities the request needs (S14): those of its row in the
 * broker's table of request kinds (ph_broker_caps(), priv.c), none for
 * anything the handler will refuse undecoded.  Decoding is parsing: the
 * guard first.
 */
static unsigned long long
cap_needed(const void *buf, size_t n)
{
	struct ph_request	rq;

	if (ph_parser_guard_check() < 0)
		ph_priv_die("refusing to decode the request as root", 0);
	if (ph__req_decode(buf, n, &rq) < 0)
		return 0;
	return ph_broker_caps(rq.type);
}

/*
 * Step 1: distrust everything inherited, before parsing anything (S1-S12,
 * issue 9).  Dies unless the process is fit to go on.
 */
static void
start(int argc, char *argv[], uid_t caller)
{
	uid_t	ru, eu, su;

	/* S1: argc 0, which kernels since 5.18 turn into argv[0] == "";
	 * libporthole always runs us as "porthole-helper". */
	if (argc < 1 || argv[0] == NULL || argv[0][0] == '\0')
		_exit(1);
	ph_priv_prog = "porthole-helper";
	ph_priv_sanitize(CHANNEL_FD);		/* S2-S9 */
	/* Issue 9: from here on no parser runs while any uid is 0. */
	ph_parser_guard_on();
	if (argc != 1)				/* S11: no arguments at all */
		ph_priv_die("takes no arguments", 0);
	/* S10: NO_NEW_PRIVS or a user namespace silently disables setuid
	 * and file capabilities: then there is nothing we can do. */
	/* S14: look at the permitted set only; nothing is effective until
	 * the one act below. */
	if (geteuid() != 0 &&
	    !(ph_priv_permitted() & (1ULL << CAP_NET_BIND_SERVICE)))
		ph_priv_die("not privileged: install with 'make "
		    "install-setuid' or 'make install-caps'", 0);
	/* S12: without root we cannot change ids, so they must all be the
	 * caller's already (not a set-user-ID program's euid). */
	if (geteuid() != 0 && (getresuid(&ru, &eu, &su) == -1 ||
	    ru != caller || eu != caller || su != caller))
		ph_priv_die("mixed user ids: run by a set-user-ID program", 0);
	ph_log_open("porthole-helper", 0);
}

/*
 * Step 5: parse, as the caller, the bytes read before the drop: the
 * policy (S53-S55), or, when it cannot be read or parsed, the empty
 * stand-in that grants nothing (S53).  Frees the bytes.
 */
static struct ph_policy *
parse_policy(int readable, struct ph_text *ptext, struct ph_text *pw,
    struct ph_text *gr, char *err, size_t errlen)
{
	struct ph_policy	*pol = NULL;
	int			 r;

	r = ph_policy_parse_or_stand_in(PH_POLICY_PATH, PH_POLICY_FOR_HELPER,
	    readable ? ptext : NULL, pw, gr, &pol, err, errlen);
	if (r == -EPERM)
		ph_priv_die(err, 0);	/* the guard: a uid is still 0 */
	if (r != 0)
		ph_log(LOG_ERR, "%s; nothing is granted", err);
	if (r < 0)
		ph_priv_die("cannot make an empty policy", 0);
	ph_text_free(ptext);
	ph_text_free(pw);
	ph_text_free(gr);
	return pol;
}

int
main(int argc, char *argv[])
{
	struct ph_requester	 who;
	struct ph_peer		 peer;
	struct ph_msg_reply	 reply;
	struct ph_policy	*pol;
	struct ph_audit		 audit;
	struct ph_text		 ptext = { NULL, 0 }, pw = { NULL, 0 },
				 gr = { NULL, 0 };
	char			 buf[PH_MSG_MAX], err[256];
	size_t			 nfds = 1;
	ssize_t			 n;
	uid_t			 caller = getuid();
	unsigned long long	 keep, need;
	int			 fd = -1, out = -1, r, readable;

	start(argc, argv, caller);

	/* 2. The channel, and who is asking (S18, S31-S36). */
	check_channel(caller, &peer, &who);

	/* 3. Bytes only, while we may still need root to reach them. */
	n = ph_recv_fds(CHANNEL_FD, buf, sizeof(buf), &fd, &nfds);
	if (n <= 0)
		ph_priv_die("no request on fd 3", n < 0 ? (int)n : 0);
	if (nfds == 0)
		fd = -1;
	/* The policy (trusted directories, S53), passwd and group (S55). */
	readable = ph_policy_read_names(PH_POLICY_PATH, &ptext, &pw, &gr, err,
	    sizeof(err)) == 0;

	/*
	 * 4. Drop to the caller for good and verify (S12-S14): no groups,
	 * the caller's effective gid and uid, and only CAPS_WANTED,
	 * permitted but not effective (PR_SET_KEEPCAPS keeps them across
	 * setresuid()).  Since our uid is then the caller's, a raw socket
	 * we make carries the caller's identity (S47) with no setfsuid(),
	 * which would need CAP_SETUID.
	 */
	keep = geteuid() == 0 ? CAPS_WANTED : ph_priv_permitted() & CAPS_WANTED;
	ph_priv_drop(caller, who.peer.gid, keep, PH_DROP_NOEXEC | PH_DROP_PERMITTED);

	/* 5. Parse, as the caller: the policy (S53-S55), then the request. */
	pol = parse_policy(readable, &ptext, &pw, &gr, err, sizeof(err));
	need = cap_needed(buf, (size_t)n) & keep;

	/* 6. The one privileged act, with the capabilities it needs. */
	if (need != 0 && ph_priv_raise(need) < 0)
		ph_priv_die("cannot raise the capability", 0);
	r = ph_broker_handle(pol, &who, buf, (size_t)n, fd, &reply, &out,
	    &audit);
	ph_log_audit(&audit, &who, getppid());	/* the caller's pid */
	ph_fd_close(&fd);	/* our copy (S34); if it blocks, only we wait */

	/* 7. Every capability gone, verified; then answer (S14, S34). */
	ph_priv_drop(caller, who.peer.gid, 0, PH_DROP_NOEXEC);
	if (r < 0)
		ph_priv_die("malformed request", 0);
	n = ph_send_fds(CHANNEL_FD, &reply, sizeof(reply), out >= 0 ? &out :
	    NULL, out >= 0);
	ph_fd_close(&out);
	ph_policy_free(pol);
	ph_peer_clear(&peer);
	return n < 0 ? 1 : 0;
}
