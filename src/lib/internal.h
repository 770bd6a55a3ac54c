/* SPDX-License-Identifier: ISC */
/*
 * internal.h - declarations shared between libporthole's own files only,
 * hidden from the ABI by -fvisibility=hidden and libporthole.map.  What
 * porthole's programs may also use is private.h, included here; programs
 * never include this header.
 */
#ifndef PH_INTERNAL_H
#define PH_INTERNAL_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <assert.h>
#include <errno.h>
#include <stddef.h>

#include "private.h"

#define PH_EXPORT	__attribute__((visibility("default")))
struct ph_allow;

/*
 * PH_ACCESSOR(type, fn, object, field) defines the exported getter
 * `type fn(const struct object *o)` that returns o->field, so the
 * one-line accessors of the opaque handles are written once (porthole.h
 * declares each).  Thread-safe as far as the handle is.
 */
#define PH_ACCESSOR(type, fn, object, field)				\
	PH_EXPORT type							\
	fn(const struct object *o)					\
	{								\
		return o->field;					\
	}

#define PH_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Kernel constants newer than Debian 12's headers (kernel-facts V9). */
#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS	59		/* Linux 4.13 */
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77		/* Linux 6.5 */
#endif
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS	83		/* Linux 6.16 */
#endif

/* Close every fd carried by one SCM_RIGHTS control message. */
void	ph__cmsg_close_fds(const struct cmsghdr *c);
/* Unguessable lowercase hex name of 2*nbytes chars into buf (getrandom). */
int	ph__random_hex(char *buf, size_t nbytes);
/* Split path into an opened parent directory fd and the last component. */
int	ph__open_parent(const char *path, int *ret_dfd, const char **ret_name);
/* bind() a path socket whose file has `mode` from birth (S23). */
int	ph__bind_mode(int sock, const struct sockaddr_un *sun, socklen_t len,
	    mode_t mode);
/* Write all of buf at offset 0 and truncate the rest. */
int	ph__write_file(int fd, const char *buf, size_t len);
/* Open a regular file without following a symlink or blocking on a FIFO,
 * fstat into *st; a new O_CLOEXEC fd or -errno (lock.c). */
int	ph__open_regular(int dfd, const char *path, int flags, struct stat *st);
/* Take the OFD lock `name` in dfd; -EBUSY when held elsewhere. */
int	ph__lock_at(int dfd, const char *name, int flags, int *ret_fd);
/* Hand over the peer of fd (taken) as ph_connect() and
 * ph_listener_accept() do; fd when r is 0, else r (peer.c). */
int	ph__peer_verdict(int r, int fd, struct ph_peer *peer,
	    struct ph_peer *ret_peer);
/* Copy an allow-list (NULL gives NULL). */
int	ph__allow_dup(const struct ph_allow *a, struct ph_allow **ret);

#endif /* PH_INTERNAL_H */
