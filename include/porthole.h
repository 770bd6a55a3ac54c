/* SPDX-License-Identifier: ISC */
/*
 * porthole.h - the public interface of libporthole.
 *
 * Secure local sockets for unprivileged programs: private socket
 * directories and paths, listening and connecting with peer
 * authentication, fd passing that never leaks or truncates, and
 * single-instance locks and pid files.
 *
 * Conventions (see libporthole(3)):
 *  - every function returns >= 0 on success and a negative errno value on
 *    failure; none prints, exits or uses errno as its interface;
 *  - every fd the library creates is close-on-exec from birth;
 *  - output parameters (ret_*) are written only on success, unless the
 *    function's comment says otherwise;
 *  - unknown bits in a flags argument are refused with -EINVAL.
 *
 * C99, no GNU extensions, no typedefs, no bool: the ABI stays simple.
 */
#ifndef PORTHOLE_H
#define PORTHOLE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PH_VERSION		"0.1.0"

/* Largest path that fits sun_path with its NUL on Linux (108 - 1). */
#define PH_SOCKPATH_MAX		(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
/* Largest path that also fits every BSD and macOS, NUL not counted. */
#define PH_SOCKPATH_PORTABLE_MAX	91

/* Most fds one message may carry (the kernel's SCM_MAX_FD). */
#define PH_FDS_MAX		253

/* ---- fds ------------------------------------------------------------- */

/* Close *fdp if it is >= 0, then set it to -1.  Preserves errno. */
void	ph_fd_close(int *fdp);

/* What an fd refers to, learnt without reading, writing or opening it. */
#define PH_FD_SOCKET		1
#define PH_FD_FIFO		2
#define PH_FD_REGULAR		3
#define PH_FD_DIRECTORY		4
#define PH_FD_CHARDEV		5
#define PH_FD_BLOCKDEV		6
#define PH_FD_OTHER		7	/* symlink (O_PATH), anon inode, ... */

struct ph_fdinfo {
	int	kind;		/* PH_FD_* */
	int	family;		/* sockets: AF_*, else 0 */
	int	type;		/* sockets: SOCK_*, else 0 */
	int	protocol;	/* sockets: IPPROTO_*, else 0 */
	int	listening;	/* sockets: 1 if listen() was called */
};

int	ph_fd_info(int fd, struct ph_fdinfo *ret_info);

/* ---- socket paths and private directories ---------------------------- */

#define PH_PATH_PORTABLE	0x01	/* refuse paths over 91 bytes */
#define PH_PATH_ABSTRACT	0x02	/* Linux abstract name, no file */

/*
 * Fill a sockaddr_un for `path` and its exact length.  Never truncates:
 * a path that does not fit with its NUL is -ENAMETOOLONG.
 */
int	ph_sockaddr_set(struct sockaddr_un *ret_sun, socklen_t *ret_len,
	    const char *path, int flags);

/* Is the directory at dfd safe to hold sockets for us (see the man page)? */
#define PH_DIR_PRIVATE		0x04	/* also demand: ours, mode 0700 */
/* ph_sockdir_create(): mode 0711, so other users allowed by the socket's
 * mode and the server's allow-list can reach the socket (not list it). */
#define PH_SOCKDIR_SHARED	0x08
int	ph_dir_check(int dfd, int flags);
/* The same for a path; the last component must not be a symlink. */
int	ph_dir_check_path(const char *path, int flags);

struct ph_sockdir;			/* opaque */

/*
 * Make a fresh 0700 directory with an unguessable name under `base` (or
 * the first safe default base when NULL) and name a socket path in it
 * (`name`, default "sock") that does not exist yet.
 */
int	ph_sockdir_create(const char *base, const char *name, int flags,
	    struct ph_sockdir **ret_sd);
const char *ph_sockdir_path(const struct ph_sockdir *sd);
const char *ph_sockdir_dir(const struct ph_sockdir *sd);
int	ph_sockdir_dirfd(const struct ph_sockdir *sd);	/* borrowed */
/* Remove the socket, its lock and the directory; frees sd. */
int	ph_sockdir_remove(struct ph_sockdir *sd);
/* Free sd and close its fd, leaving everything on disk. */
void	ph_sockdir_free(struct ph_sockdir *sd);
/* The default base that ph_sockdir_create(NULL, ...) would use. */
int	ph_sockdir_default_base(char *buf, size_t len);

/* ---- peers --------------------------------------------------------- */

struct ph_peer {
	uid_t	 uid;		/* effective ids at connect(): SO_PEERCRED */
	gid_t	 gid;
	pid_t	 pid;		/* 0: unknown (another pid namespace) */
	int	 pidfd;		/* -1 unless asked for and supported */
	size_t	 ngroups;	/* SO_PEERGROUPS, when asked for */
	gid_t	*groups;	/* owned; ph_peer_clear() frees */
};

#define PH_PEER_GROUPS		0x100	/* fill groups (SO_PEERGROUPS) */
#define PH_PEER_PIDFD		0x200	/* fill pidfd (SO_PEERPIDFD) */

/* Fill *ret_peer for a connected AF_UNIX socket (borrowed). */
int	ph_peer_get(int sock, int flags, struct ph_peer *ret_peer);
/* Free the groups, close the pidfd; leaves a cleared record. */
void	ph_peer_clear(struct ph_peer *peer);
/* 1 if the peer's process still exists (by its pidfd), 0 if gone. */
int	ph_peer_alive(const struct ph_peer *peer);

struct ph_allow;			/* opaque allow-list */

int	ph_allow_new(struct ph_allow **ret_allow);
int	ph_allow_uid(struct ph_allow *a, uid_t uid);
int	ph_allow_gid(struct ph_allow *a, gid_t gid);
void	ph_allow_free(struct ph_allow *a);
/* 0 if allowed, -EPERM if not. `sock` is used to fetch groups if needed. */
int	ph_allow_check(const struct ph_allow *a, int sock,
	    const struct ph_peer *peer);

/* ---- listening and connecting ---------------------------------------- */

/* These combine with PH_PATH_* and PH_PEER_* in one flags argument. */
#define PH_SOCK_SEQPACKET	0x10	/* else SOCK_STREAM */
#define PH_SOCK_NONBLOCK	0x20	/* returned fds are O_NONBLOCK */
#define PH_SOCK_NOFDS		0x40	/* SO_PASSRIGHTS=0 where supported */

struct ph_listener;			/* opaque */

/* Listen at a path with a lock beside it; see libporthole(3). */
int	ph_listen(const char *path, int flags, mode_t mode, int backlog,
	    const struct ph_allow *allow, struct ph_listener **ret_l);
/* Listen on an abstract name (random when NULL); `allow` is required. */
int	ph_listen_abstract(const char *name, int flags, int backlog,
	    const struct ph_allow *allow, struct ph_listener **ret_l);
int	ph_listener_fd(const struct ph_listener *l);		/* borrowed */
const char *ph_listener_path(const struct ph_listener *l);
/*
 * Accept one allowed peer.  A refused one is closed and -EPERM returned;
 * then, as the one exception to "outputs only on success", *ret_peer
 * describes the refused peer so that it can be logged.
 */
int	ph_listener_accept(struct ph_listener *l, int flags,
	    struct ph_peer *ret_peer);
/* Close; unlink the socket and lock when they are still ours. */
int	ph_listener_close(struct ph_listener *l);

/*
 * Connect and verify the server's uid before returning (S28): one of
 * `servers`, or by default our own euid or root.  A refused server gives
 * -EPERM, and *ret_peer (if not NULL) names it, as for accept.
 */
int	ph_connect(const char *path, int flags, const struct ph_allow *servers,
	    struct ph_peer *ret_peer);

/* ---- fd passing ------------------------------------------------------ */

/* Send len (>= 1) bytes and nfds (<= PH_FDS_MAX) fds (borrowed). */
ssize_t	ph_send_fds(int sock, const void *buf, size_t len, const int *fds,
	    size_t nfds);
/*
 * Receive one message of at most len bytes and at most *nfds fds.
 * Returns the byte count (>= 1), or 0 at EOF, and sets *nfds to the count
 * of fds stored in fds[] (new, O_CLOEXEC, owned by the caller).
 */
ssize_t	ph_recv_fds(int sock, void *buf, size_t len, int *fds, size_t *nfds);

/* Explicit SCM_CREDENTIALS (S34). */
struct ph_creds {
	pid_t	pid;
	uid_t	uid;
	gid_t	gid;
};
int	ph_creds_enable(int sock);			/* SO_PASSCRED on */
ssize_t	ph_send_creds(int sock, const void *buf, size_t len);
#define PH_CREDS_MATCH_PEER	0x01	/* must equal SO_PEERCRED's uid/gid */
ssize_t	ph_recv_creds(int sock, void *buf, size_t len, int flags,
	    struct ph_creds *ret_creds);

/* ---- locks and pid files --------------------------------------------- */

#define PH_LOCK_WAIT		0x01	/* block until free */

/* Take a single-instance OFD lock; returns the fd that holds it. */
int	ph_lock_acquire(const char *path, int flags);
/* The pid written in a lock file by its holder, if it is held. */
int	ph_lock_holder(const char *path, pid_t *ret_pid);
/* Release: unlink the file while still holding it, then close. */
int	ph_lock_release(const char *path, int *fdp);

/* Write pid (0: getpid()) to path atomically; never follows a symlink. */
int	ph_pidfile_write(const char *path, pid_t pid);
/* Read and strictly parse a pid file (S67, S68). */
int	ph_pidfile_read(const char *path, pid_t *ret_pid);
/* Strict decimal pid: 2 <= pid <= 4194304 (PID_MAX_LIMIT), one '\n'. */
int	ph_pid_parse(const char *buf, size_t len, pid_t *ret_pid);

/* ---- the broker: privileged sockets without root -------------------- */

#define PH_BROKER_DAEMON	0x01	/* ask only portholed */
#define PH_BROKER_HELPER	0x02	/* ask only porthole-helper */

/*
 * A drop-in bind(): try bind() itself, and if it is refused (EACCES) for
 * an AF_INET or AF_INET6 socket, ask the broker to bind the socket in
 * place (portholed, then porthole-helper).  TCP sockets come back
 * listening.  Returns 0 or a negative errno: the errno bind() would give
 * (-EACCES when the policy denies or no broker is there).
 */
int	ph_bind(int fd, const struct sockaddr *addr, socklen_t len);
/*
 * Open a socket the caller cannot create: "raw:icmp", "raw6:icmpv6",
 * "raw:N", "raw6:N", "packet:IFNAME".  Returns a new O_CLOEXEC fd.
 */
int	ph_open(const char *spec);

/* A kept connection to portholed (its uid checked: root).  New fd. */
int	ph_broker_connect(void);
/*
 * Ask the broker to bind `fd` (borrowed) to addr, and listen() with
 * `backlog` (0: 4096) if it is TCP.  `conn` is a connection from
 * ph_broker_connect(), or -1 for a new one each time (daemon, then
 * helper, as `flags` allow).  Returns 0 or a negative errno; with
 * `reason`, a short text from the broker.
 */
int	ph_broker_bind(int conn, int fd, const struct sockaddr *addr,
	    socklen_t len, int backlog, int flags, char *reason,
	    size_t reasonlen);
/* The same for ph_open(); returns a new O_CLOEXEC fd. */
int	ph_broker_open(int conn, const char *spec, int flags, char *reason,
	    size_t reasonlen);

#ifdef __cplusplus
}
#endif
#endif /* PORTHOLE_H */
