/* SPDX-License-Identifier: ISC */
/*
 * internal.h - declarations shared between libporthole's files, hidden
 * from the ABI by -fvisibility=hidden and libporthole.map.
 */
#ifndef PH_INTERNAL_H
#define PH_INTERNAL_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <assert.h>
#include <errno.h>
#include <stddef.h>

#define PH_EXPORT	__attribute__((visibility("default")))
struct ph_allow;

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

/* Close an fd the library owns; never 0-2 (libuv's uv__close rule). */
void	ph__fd_close(int *fdp);
/* Close every fd carried by one SCM_RIGHTS control message. */
void	ph__cmsg_close_fds(const struct cmsghdr *c);
/* Unguessable lowercase hex name of 2*nbytes chars into buf (getrandom). */
int	ph__random_hex(char *buf, size_t nbytes);
/* Split path into an opened parent directory fd and the last component. */
int	ph__open_parent(const char *path, int *ret_dfd, const char **ret_name);
/* Owner and mode rule for directories (see ph_dir_check). */
int	ph__dir_check_stat(const struct stat *st, uid_t me, int flags);
/* bind() a path socket whose file has `mode` from birth (S23). */
int	ph__bind_mode(int sock, const struct sockaddr_un *sun, socklen_t len,
	    mode_t mode);
/* Write all of buf at offset 0 and truncate the rest. */
int	ph__write_file(int fd, const char *buf, size_t len);
/* Take the OFD lock `name` in dfd; -EBUSY when held elsewhere. */
int	ph__lock_at(int dfd, const char *name, int flags, int *ret_fd);
/* ph_peer_get() for a socket known to be connected. */
struct ph_peer;
int	ph__peer_get(int sock, int flags, struct ph_peer *ret_peer);
/* The broker's daemon socket and helper (compiled in, or the test
 * overrides PORTHOLE_SOCKET and PORTHOLE_HELPER). */
const char	*ph__broker_daemon_path(void);
const char	*ph__broker_helper_path(void);
/* Copy an allow-list (NULL gives NULL). */
int	ph__allow_dup(const struct ph_allow *a, struct ph_allow **ret);

#endif /* PH_INTERNAL_H */
