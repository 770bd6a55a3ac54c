/* SPDX-License-Identifier: ISC */
/*
 * priv.h - the broker's one request handler, shared by portholed and
 * porthole-helper, and the privilege tools both use.
 *
 * Runs as: root, or the daemon's user with CAP_NET_BIND_SERVICE,
 * CAP_NET_RAW and CAP_NET_ADMIN.
 */
#ifndef PH_PRIV_H
#define PH_PRIV_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "private.h"

/* What one request did, for the audit log (S58): plain ASCII. */
struct ph_audit {
	char	request[80];	/* "tcp:127.0.0.1:80" or "bind: malformed" */
	char	rule[200];	/* "FILE:LINE: allow user alice tcp:80" */
	int	granted;
	int	error;		/* positive errno, 0 on success */
};

/*
 * Handle one request of n bytes from `who`, with `fd` the fd that came
 * with it or -1.  `fd` is borrowed, never closed here: its last close
 * may block (a lingering socket, a FUSE file: S42), and only the caller
 * knows where that harms no one (portholed: a granted socket in place,
 * anything else off its loop).  Fills *reply and sets *ret_fd to a new
 * O_CLOEXEC fd to send with it, or -1.  Returns 0 when a reply is to be
 * sent (granted or not), or -EBADMSG / -EPROTO when the client broke the
 * protocol and must be dropped without a reply.  *audit is always
 * filled; audit->granted tells the caller the fd is a granted socket.
 */
int	ph_broker_handle(const struct ph_policy *pol,
	    const struct ph_requester *who, const void *buf, size_t n, int fd,
	    struct ph_msg_reply *reply, int *ret_fd, struct ph_audit *audit);

/*
 * Ask the running kernel: does it refuse connect() on a former TCP
 * listener, and may we untie a socket from an interface (CAP_NET_RAW)?
 * If both, S49's cheap guard serves IPv4 and IPv6-wildcard TCP grants;
 * if not, every TCP grant gets the locked filter (tcpguard.c).  Sets
 * ph_broker_guard_ok (1 or 0).  Called by the first TCP bind when
 * ph_broker_guard_ok is -1 (tests set it).
 */
void	ph_broker_probe(void);
extern int ph_broker_guard_ok;
/*
 * bind() fd (the caller's, unbound, checked) to ss, and for a TCP grant
 * listen() with `backlog`, so that the socket never completes an
 * outgoing connection (S49: tcpguard.c).  1, or 0 with *err a positive
 * errno and *why the reason.
 */
int	ph_bind_in_place(int fd, const struct ph_grant *g,
	    const struct sockaddr_storage *ss, socklen_t sl, uint32_t backlog,
	    int *err, const char **why);
/* The capabilities (a mask of CAP_* bits) a request of this PH_MSG_*
 * type may use: what porthole-helper raises for it (S14); 0 if none or
 * unknown. */
unsigned long long ph_broker_caps(uint16_t type);

/* Start-up hygiene for privileged programs (S2-S10): see privdrop.c. */
void	ph_priv_sanitize(int keep_fd);
/* Drop to uid/gid with no groups, keeping exactly the capabilities in
 * `caps` (a bit mask of CAP_* numbers; 0 for none), NO_NEW_PRIVS, then
 * verify everything (S12-S14).  Dies on any failure.  PH_DROP_NOEXEC:
 * the caller never execs, so the bounding set (which only limits what an
 * exec could regain) is left as it is.  PH_DROP_PERMITTED: `caps` stay
 * in the permitted set only, none effective until ph_priv_raise(). */
#define PH_DROP_NOEXEC		0x01
#define PH_DROP_PERMITTED	0x02
void	ph_priv_drop(uid_t uid, gid_t gid, unsigned long long caps, int flags);
/* The permitted capability set, as a mask. */
unsigned long long ph_priv_permitted(void);
/* Raise the permitted capabilities `caps` into the effective set. */
int	ph_priv_raise(unsigned long long caps);
/* Print "prog: msg" on stderr (plain write(2), S3) and _exit(code). */
void	ph_priv_die(const char *msg, int err) __attribute__((noreturn));
extern const char *ph_priv_prog;
/* Set when stderr is the journal's stream: ph_priv_die() writes "<3>". */
extern int ph_priv_journal;

#endif /* PH_PRIV_H */
