/* SPDX-License-Identifier: ISC */
/*
 * conns.c - portholed's connections (conns.h): accepted into a table on
 * the library's server loop (server.h) split between peers the policy
 * names and the others, read without ever installing an fd the daemon
 * cannot close safely, and answered by ph_broker_handle() (priv.c).
 * Moved out of portholed.c (issue 10); the table's limits are now kept
 * by the loop (ph_srv_admit()), with the same sizes.
 *
 * Runs as: portholed's --user, with its capabilities.
 */
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"
#include "closer.h"
#include "conns.h"
#include "policy.h"
#include "priv.h"
#include "privlog.h"

struct client {
	int		 fd;		/* -1: free */
	long		 slot;		/* in srv->slots[]; -1: the spare */
	/* The peer as accepted, its groups owned here; foreign_netns and
	 * netns: item 7, see netns_foreign(), read at the first request
	 * that is not a bind (netns_when_needed()); -1 until then. */
	struct ph_requester who;
	int64_t		 born, last;	/* ms, CLOCK_MONOTONIC */
	int		 granted;	/* the policy names this peer */
};

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71		/* Linux 5.14 */
#endif


static struct client	 clients[MAX_CLIENTS];	/* with srv->slots[] */
static struct ph_srv	*srv;
struct ph_daemon	 ph_daemon;


/* Drop `c`: its connection to a closer, its slot freed. */
static void
client_drop(struct client *c)
{
	/* Its queue may hold fds: S42. */
	ph_closer_dispose(&c->fd, c->who.peer.uid);
	if (c->slot >= 0)
		ph_srv_free(srv, (size_t)c->slot);
	free(c->who.peer.groups);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->slot = -1;
}

/* The slot's deadline: S81, idle and lifetime, whichever comes first. */
static void
client_deadline(const struct client *c)
{
	int64_t	dl = c->last + IDLE_MS;

	if (c->born + LIFETIME_MS < dl)
		dl = c->born + LIFETIME_MS;
	if (c->slot >= 0)
		srv->slots[c->slot].deadline = dl;
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

/*
 * Read the connection's netns when a request may need it: any but a
 * bind, whose socket the caller made in its own netns, and on which a
 * fresh connection would otherwise spend a syscall for nothing.  The
 * handler still sees -1 for a bind, and refuses an open on anything but
 * 0 (fail closed, priv.c); a connection's netns never changes.
 */
static void
netns_when_needed(struct client *c, const void *buf, size_t n)
{
	struct ph_hdr	h;

	if (c->who.foreign_netns >= 0)
		return;
	if (n >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		if (h.type == PH_MSG_BIND)
			return;
	}
	c->who.foreign_netns = netns_foreign(c->fd, c->who.netns);
}

static void	serve(struct client *);

/*
 * A slot for a peer the policy names (S80, MAX_PER_UID each), or NULL
 * when it is refused (logged, rate-limited): over a limit, or a close
 * of an fd it sent is stuck (ph_closer_stalling()).
 */
static struct client *
slot_granted(const struct ph_peer *peer)
{
	const char	*why = "too many connections";
	long		 i;
	int		 stalling = ph_closer_stalling(peer->uid);

	/* S80: a flood from one uid cannot starve the others. */
	i = ph_srv_admit(srv, 0, MAX_GRANTED, MAX_PER_UID, peer->uid);
	if (i >= 0 && !stalling)
		return &clients[i];
	if (i != -EBUSY && stalling)
		why = "a close of an fd it sent is stuck";
	if (ph_log_refusal_ok(peer->uid))
		ph_log(LOG_WARNING, "refused uid=%u pid=%ld: %s",
		    (unsigned)peer->uid, (long)peer->pid, why);
	return NULL;
}

/* Fill `c` (the table's, or the spare) for the new connection `fd`. */
static void
client_set(struct client *c, int fd, struct ph_peer *peer, int granted)
{
	c->slot = c >= clients && c < clients + MAX_CLIENTS ?
	    (long)(c - clients) : -1;
	c->fd = fd;
	c->who.peer = *peer;		/* the groups move to the client */
	c->who.peer.pidfd = -1;
	c->granted = granted;
	c->who.foreign_netns = -1;	/* netns_when_needed() */
	peer->groups = NULL;
	ph_peer_clear(peer);
	c->born = c->last = ph_srv_now_ms();
	if (c->slot >= 0)
		ph_srv_take(srv, (size_t)c->slot, fd, c->who.peer.uid,
		    PH_SRV_NEVER);
	client_deadline(c);
}

/*
 * Accept one connection; returns -EMFILE/-ENFILE for the EMFILE
 * strategy (portholed.c).
 * S80 and issue 9 item 4: the table's MAX_GRANTED slots are for peers
 * the policy names (ph_policy_grants_any()), at most MAX_PER_UID each;
 * a peer it names nowhere is answered at once if its request is already
 * there (a denial), else waits for it in one of the few MAX_UNGRANTED
 * slots (UNGRANTED_PER_UID each, the same idle deadline), else is
 * closed.  So no flood by users the policy grants nothing takes a
 * granted user's slot; theirs is answered and closed after one request.
 */
int
ph_conns_accept(int lfd)
{
	static struct client	 spare = { .fd = -1, .slot = -1 };
	struct ph_requester	 who;
	struct ph_peer		 peer;
	struct client		*c;
	long			 i;
	int			 fd, r, granted;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1)
		return -errno;
	/* Just accepted, so connected: the check for a listening socket in
	 * ph_peer_get() would be a syscall per request for nothing. */
	if ((r = ph__peer_get(fd, PH_PEER_GROUPS, &peer)) < 0) {
		/* peer is untouched on failure: nobody to blame */
		/* Messages may be queued: S42. */
		ph_closer_dispose(&fd, (uid_t)-1);
		return 0;
	}
	memset(&who, 0, sizeof(who));
	who.peer = peer;		/* borrowed for the question */
	granted = ph_policy_grants_any(ph_daemon.policy, &who);
	if (granted && (c = slot_granted(&peer)) == NULL) {
		ph_peer_clear(&peer);
		ph_closer_dispose(&fd, who.peer.uid);
		return 0;
	}
	if (!granted) {
		i = ph_srv_admit(srv, MAX_GRANTED, MAX_CLIENTS,
		    UNGRANTED_PER_UID, peer.uid);
		/* No slot: answered now or closed. */
		c = i >= 0 ? &clients[i] : &spare;
	}
	client_set(c, fd, &peer, granted);
	if (!granted) {
		serve(c);		/* the request may be there already */
		if (c == &spare && c->fd >= 0) {
			if (ph_log_refusal_ok(c->who.peer.uid))
				ph_log(LOG_WARNING, "refused uid=%u pid=%ld: "
				    "no grant and no free slot",
				    (unsigned)c->who.peer.uid,
				    (long)c->who.peer.pid);
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
	struct ph_request	rq;

	if (ph__req_decode(buf, n, &rq) < 0 || rq.type != PH_MSG_STATUS)
		return 0;
	*ret_id = rq.id;
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
	if (strlen(ph_daemon.policy_path) < sizeof(st.policy))
		memcpy(st.policy, ph_daemon.policy_path,
		    strlen(ph_daemon.policy_path) + 1);
	st.policy_valid = ph_policy_stand_in_for(ph_daemon.policy) == 0;
	st.loaded = ph_daemon.policy_time > 0 ?
	    (uint64_t)ph_daemon.policy_time : 0;
	st.uptime = (uint64_t)((ph_srv_now_ms() - ph_daemon.started) / 1000);
	st.nrules = (uint32_t)ph_policy_nrules(ph_daemon.policy);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			st.connections++;
	if (c->slot < 0)
		st.connections++;	/* the spare: ph_conns_accept() */
	st.grants = ph_daemon.n_grants;
	st.refusals = ph_daemon.n_refusals;
	if (ph__status_reply_encode(&m, id, &st) < 0)
		return -ENAMETOOLONG;	/* PH_VERSION too long: a bug */
	return ph_send_fds(c->fd, &m, sizeof(m), NULL, 0) < 0 ? -EIO : 0;
}

/* Count one answered request for the status (issue 11). */
static void
count_answer(const struct ph_audit *audit)
{
	if (audit->granted)
		ph_daemon.n_grants++;
	else
		ph_daemon.n_refusals++;
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
	struct ph_request	rq;
	struct iovec		iov;
	struct msghdr		msg;
	char			buf[PH_MSG_MAX];
	uint32_t		id;
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
	    ph_policy_grants_any(ph_daemon.policy, who)) {
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
		if (ph__req_decode(buf, (size_t)n, &rq) == 0 &&
		    rq.type == PH_MSG_BIND)
			fd = socket(rq.g.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		else
			fd = eventfd(0, EFD_CLOEXEC);
		if (fd < 0) {
			client_drop(c);
			return;
		}
	}
	netns_when_needed(c, buf, (size_t)n);
	r = ph_broker_handle(ph_daemon.policy, who, buf, (size_t)n, fd, &reply,
	    &out, &audit);
	ph_fd_close(&fd);		/* a placeholder of ours, or -1 */
	ph_log_audit(&audit, who, c->who.peer.pid);
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
	struct ph_msg_reply	reply;
	struct ph_audit		audit;
	char			buf[PH_MSG_MAX];
	int			fds[PH_FDS_MAX + 1];
	uint32_t		id;
	size_t			nfds = 0, i;
	ssize_t			n;
	int			fd = -1, out = -1, r;

	if (!c->granted) {
		serve_ungranted(c, &c->who);
		return;
	}
	/* Read nothing more of theirs. */
	if (ph_closer_stalling(c->who.peer.uid)) {
		client_drop(c);
		return;
	}
	n = recv_req(c->fd, buf, sizeof(buf), fds, &nfds);
	if (n == -EAGAIN)
		return;
	if (n <= 0 || nfds > 1) {	/* EOF, oversize/bad: drop (S70) */
		for (i = 0; i < nfds; i++)
			ph_closer_dispose(&fds[i], c->who.peer.uid);
		client_drop(c);
		return;
	}
	if (nfds == 1)
		fd = fds[0];
	c->last = ph_srv_now_ms();
	client_deadline(c);
	/* Issue 11: a status is answered here, not by the handler, which
	 * has no daemon state (and refuses it for porthole-helper). */
	if (fd < 0 && is_status(buf, (size_t)n, &id)) {
		if (answer_status(c, id) < 0)
			client_drop(c);	/* S82 */
		return;
	}
	netns_when_needed(c, buf, (size_t)n);
	r = ph_broker_handle(ph_daemon.policy, &c->who, buf, (size_t)n, fd, &reply,
	    &out, &audit);
	/*
	 * The handler borrowed fd.  A granted bind's socket is safe to close
	 * here: a listener that the guard or the locked SYN-ACK filter kept
	 * from connecting (S49, tcpguard.c), which can never be established
	 * and so has nothing to linger on, or a UDP socket.  Anything else
	 * goes to a closer: a refused fd may be a connected socket with
	 * SO_LINGER, an AF_UNIX one with fds queued, or a FUSE file (S42).
	 * (SO_LINGER {1,0} would defuse the first, but the caller may still
	 * hold and use that socket: not ours to change.)
	 */
	if (fd >= 0 && audit.granted && r == 0)
		ph_fd_close(&fd);
	else
		ph_closer_dispose(&fd, c->who.peer.uid);
	ph_log_audit(&audit, &c->who, c->who.peer.pid);
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

void
ph_conns_init(struct ph_srv *s)
{
	size_t	i;

	srv = s;
	for (i = 0; i < MAX_CLIENTS; i++) {
		clients[i].fd = -1;
		clients[i].slot = -1;
	}
}

void
ph_conns_ready(size_t i)
{
	serve(&clients[i]);
}

void
ph_conns_drop(size_t i)
{
	client_drop(&clients[i]);
}
