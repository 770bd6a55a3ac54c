/* SPDX-License-Identifier: ISC */
/*
 * fdpass.c - fd passing over Unix sockets that never leaks, truncates or
 * half-succeeds (S39-S41, S44, S45), and explicit SCM_CREDENTIALS (S34).
 *
 * These are the only recvmsg() calls in the library.  Every received fd
 * is O_CLOEXEC from birth (MSG_CMSG_CLOEXEC); every control message is
 * walked; MSG_CTRUNC, MSG_TRUNC, an unexpected control message or more
 * fds than the caller asked for close every fd that arrived and fail.
 * A receive either delivers a whole message with all its fds or none.
 * A send on SOCK_SEQPACKET is all or nothing too; on SOCK_STREAM see
 * ph_send_fds().
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"

/* Control room for PH_FDS_MAX + 1 fds, so one too many is seen. */
union fdctl {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE((PH_FDS_MAX + 1) * sizeof(int))];
};

/* Room for one ucred plus two fds that someone may slip in. */
union credctl {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(sizeof(struct ucred)) +
			    CMSG_SPACE(2 * sizeof(int))];
};

/*
 * sendmsg(), but with a C library other than glibc the system call
 * itself.  musl's sendmsg() copies the control data into a 1024-byte
 * buffer (to clear the padding of its 64-bit struct cmsghdr) and fails
 * anything longer with ENOMEM, and a PH_FDS_MAX message needs 1028 bytes.
 * Every caller here has zeroed its msghdr and the control bytes it sends,
 * padding included, so the kernel gets what glibc's sendmsg() gives it.
 */
static ssize_t
sendmsg_whole(int sock, const struct msghdr *msg, int flags)
{
#ifdef __GLIBC__
	return sendmsg(sock, msg, flags);
#else
	return (ssize_t)syscall(SYS_sendmsg, sock, msg, flags);
#endif
}

#define XFER_SEND	0
#define XFER_RECV	1

/*
 * One sendmsg() or recvmsg() on sock (borrowed), retried on EINTR.
 * XFER_SEND never raises SIGPIPE (S82); the caller has zeroed msg and its
 * control bytes (sendmsg_whole()).  XFER_RECV receives every fd
 * O_CLOEXEC.  Returns the byte count or a negative errno.
 */
static ssize_t
xfer_msg(int sock, struct msghdr *msg, int dir)
{
	ssize_t	n;

	do
		n = dir == XFER_SEND ? sendmsg_whole(sock, msg, MSG_NOSIGNAL) :
		    recvmsg(sock, msg, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	return n == -1 ? -errno : n;
}

/* Zero msg and point it at the one buffer buf of `len` bytes, via iov. */
static void
msg_init(struct msghdr *msg, struct iovec *iov, const void *buf, size_t len)
{
	memset(msg, 0, sizeof(*msg));
	iov->iov_base = (void *)buf;
	iov->iov_len = len;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
}

/*
 * Fill the first control message of msg (whose msg_control points at
 * zeroed room) with one SOL_SOCKET message of `type` carrying `size`
 * bytes of data, and set msg_controllen to match.
 */
static void
msg_put_cmsg(struct msghdr *msg, int type, const void *data, size_t size)
{
	struct cmsghdr	*c;

	msg->msg_controllen = CMSG_SPACE(size);
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(size);
	memcpy(CMSG_DATA(c), data, size);
}

/*
 * Send what is left of a message after a short first write (stream
 * sockets only: a seqpacket send is all or nothing).  The fds went with
 * the first byte; the rest is plain data.
 */
static ssize_t
send_rest(int sock, const char *buf, size_t len, size_t off)
{
	struct iovec	iov;
	struct msghdr	msg;
	ssize_t		n;

	while (off < len) {
		msg_init(&msg, &iov, buf + off, len - off);
		if ((n = xfer_msg(sock, &msg, XFER_SEND)) < 0)
			return n;
		off += (size_t)n;
	}
	return (ssize_t)len;
}

/*
 * Send msg, whose data is the `len` bytes at buf, then the rest after a
 * short write (send_rest()).  Returns `len` or a negative errno.
 */
static ssize_t
send_whole(int sock, struct msghdr *msg, const void *buf, size_t len)
{
	ssize_t	n;

	if ((n = xfer_msg(sock, msg, XFER_SEND)) < 0)
		return n;
	if ((size_t)n < len)
		return send_rest(sock, buf, len, (size_t)n);
	return n;
}

/*
 * ph_send_fds() - send `len` bytes (at least 1: a zero-length message
 * would read as EOF) and `nfds` fds (borrowed; at most PH_FDS_MAX, each
 * >= 0) in one message.  The fds stay open here: close them after a
 * successful send if the peer is to be their only owner (S44).  Returns
 * `len`, or -EINVAL, -EBADF (an fd < 0), or the sendmsg() error
 * (-EPERM: the receiver refuses fds, SO_PASSRIGHTS, S40).  On a stream
 * socket the kernel may take part of the data (a non-blocking socket, a
 * signal); the rest is then sent, and if that fails the error is
 * returned although the fds and part of the data are gone: the stream is
 * out of step and must be closed.  SOCK_SEQPACKET has no such case.
 */
PH_EXPORT ssize_t
ph_send_fds(int sock, const void *buf, size_t len, const int *fds,
    size_t nfds)
{
	union fdctl	 ctl;
	struct iovec	 iov;
	struct msghdr	 msg;
	size_t		 i;

	if (buf == NULL || len == 0 || nfds > PH_FDS_MAX ||
	    (nfds > 0 && fds == NULL))
		return -EINVAL;
	for (i = 0; i < nfds; i++)
		if (fds[i] < 0)
			return -EBADF;
	msg_init(&msg, &iov, buf, len);
	if (nfds > 0) {
		/* Only what is sent is cleared: a 1 KiB memset per call shows. */
		memset(ctl.buf, 0, CMSG_SPACE(nfds * sizeof(int)));
		msg.msg_control = ctl.buf;
		msg_put_cmsg(&msg, SCM_RIGHTS, fds, nfds * sizeof(int));
	}
	return send_whole(sock, &msg, buf, len);
}

/* Close every fd in every SCM_RIGHTS message of msg. */
static void
close_all(struct msghdr *msg)
{
	struct cmsghdr	*c;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c))
		ph__cmsg_close_fds(c);
}

/*
 * ph_recv_fds() - receive one message of at most `len` bytes into buf and
 * at most *nfds (<= PH_FDS_MAX) fds into fds[].  Returns the byte count,
 * always >= 1 for a message, and sets *nfds to the number of fds stored
 * (new, O_CLOEXEC, owned by the caller; never -1).  Returns 0 at EOF with
 * *nfds set to 0.  Errors, after closing every fd that arrived, with
 * fds[] and *nfds untouched:
 *   -EMSGSIZE  data truncated (MSG_TRUNC), control truncated (MSG_CTRUNC,
 *              kernel-facts V10), or more fds than *nfds;
 *   -EBADMSG   a control message other than SCM_RIGHTS, or fds on an
 *              empty message;
 *   -EINVAL    bad arguments; or the recvmsg() error (-EAGAIN, ...).
 */
PH_EXPORT ssize_t
ph_recv_fds(int sock, void *buf, size_t len, int *fds, size_t *nfds)
{
	union fdctl	 ctl;
	struct iovec	 iov;
	struct msghdr	 msg;
	struct cmsghdr	*c;
	int		 got[PH_FDS_MAX + 1];
	size_t		 max, n = 0, k;
	ssize_t		 r;

	if (buf == NULL || len == 0 || nfds == NULL || *nfds > PH_FDS_MAX ||
	    (*nfds > 0 && fds == NULL))
		return -EINVAL;
	max = *nfds;
	msg_init(&msg, &iov, buf, len);
	msg.msg_control = ctl.buf;
	/* Room for max + 1: one too many arrives and is seen, the rest are
	 * dropped (and closed) by the kernel, which then sets MSG_CTRUNC. */
	msg.msg_controllen = CMSG_SPACE((max + 1) * sizeof(int));
	if ((r = xfer_msg(sock, &msg, XFER_RECV)) < 0)
		return r;

	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		/* With SO_PASSCRED on, a stream's EOF comes with credentials
		 * too: EOF it stays.  On a message they are unexpected. */
		if (r == 0 && c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS)
			continue;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			r = -EBADMSG;
			continue;
		}
		if (c->cmsg_len < CMSG_LEN(0)) {
			r = -EBADMSG;
			continue;
		}
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (n + k > max) {
			r = -EMSGSIZE;
			continue;
		}
		memcpy(got + n, CMSG_DATA(c), k * sizeof(int));
		n += k;
	}
	if (r >= 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		r = -EMSGSIZE;
	if (r == 0 && n > 0)
		r = -EBADMSG;		/* fds on an empty message */
	if (r < 0) {
		close_all(&msg);
		return r;
	}
	for (k = 0; k < n; k++)
		if (got[k] < 0) {	/* never from a sane kernel */
			close_all(&msg);
			return -EBADMSG;
		}
	if (n > 0)
		memcpy(fds, got, n * sizeof(int));
	*nfds = n;
	return r;
}

/*
 * ph_creds_enable() - turn SO_PASSCRED on for `sock` (borrowed), so every
 * message received carries its sender's credentials.  Call it before the
 * peer sends.  Returns 0 or a negative errno.
 */
PH_EXPORT int
ph_creds_enable(int sock)
{
	int	one = 1;

	if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == -1)
		return -errno;
	return 0;
}

/*
 * ph_send_creds() - send `len` (>= 1) bytes with an explicit
 * SCM_CREDENTIALS message naming our pid and effective uid and gid (the
 * kernel checks them).  Returns `len` or a negative errno.
 */
PH_EXPORT ssize_t
ph_send_creds(int sock, const void *buf, size_t len)
{
	union credctl	 ctl;
	struct ucred	 uc;
	struct iovec	 iov;
	struct msghdr	 msg;

	if (buf == NULL || len == 0)
		return -EINVAL;
	uc.pid = getpid();
	uc.uid = geteuid();
	uc.gid = getegid();
	memset(&ctl, 0, sizeof(ctl));
	msg_init(&msg, &iov, buf, len);
	msg.msg_control = ctl.buf;
	msg_put_cmsg(&msg, SCM_CREDENTIALS, &uc, sizeof(uc));
	return send_whole(sock, &msg, buf, len);
}

/*
 * ph_recv_creds() - receive one message of at most `len` bytes that must
 * carry exactly one SCM_CREDENTIALS message with the sender's pid (S34):
 * a message without one, or whose credentials were not recorded because
 * SO_PASSCRED was off when it was queued (the kernel then reports pid 0),
 * is -EBADMSG, never taken as anonymous.  A sender in a pid namespace
 * we cannot see also has pid 0 and is refused the same way.  Any fd that arrives is closed and fails the message
 * (-EBADMSG).  With PH_CREDS_MATCH_PEER the uid and gid must equal the
 * connection's SO_PEERCRED, else -EPERM.  Returns the byte count and
 * *ret_creds, 0 at EOF (*ret_creds untouched), or a negative errno
 * (-EMSGSIZE on truncation).
 */
PH_EXPORT ssize_t
ph_recv_creds(int sock, void *buf, size_t len, int flags,
    struct ph_creds *ret_creds)
{
	union credctl	 ctl;
	struct ucred	 uc, pc;
	struct iovec	 iov;
	struct msghdr	 msg;
	struct cmsghdr	*c;
	socklen_t	 sl = sizeof(pc);
	ssize_t		 r;
	int		 have = 0;

	if (buf == NULL || len == 0 || (flags & ~PH_CREDS_MATCH_PEER))
		return -EINVAL;
	msg_init(&msg, &iov, buf, len);
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	if ((r = xfer_msg(sock, &msg, XFER_RECV)) < 0)
		return r;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(uc)) && !have) {
			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			have = 1;
		} else
			r = -EBADMSG;
	}
	if (r >= 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		r = -EMSGSIZE;
	/*
	 * A message queued while SO_PASSCRED was off still gets a
	 * credentials message once it is on, with no pid (0) and the
	 * overflow ids: the sender's identity was never recorded.  That is
	 * "no credentials", not an anonymous sender (S34).
	 */
	if (r > 0 && (!have || uc.pid == 0))
		r = -EBADMSG;
	if (r > 0 && (flags & PH_CREDS_MATCH_PEER)) {
		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &pc, &sl) == -1)
			r = -errno;
		else if (pc.uid != uc.uid || pc.gid != uc.gid)
			r = -EPERM;
	}
	if (r < 0) {
		close_all(&msg);
		return r;
	}
	if (r > 0) {
		ret_creds->pid = uc.pid;
		ret_creds->uid = uc.uid;
		ret_creds->gid = uc.gid;
	}
	return r;
}
