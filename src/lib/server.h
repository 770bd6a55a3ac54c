/* SPDX-License-Identifier: ISC */
/*
 * server.h - the server loop of porthole's own programs: `porthole
 * listen` (src/cli/listen*.c) and portholed (src/daemon/).  PRIVATE to
 * porthole's programs: not part of libporthole's ABI (nothing here is
 * in libporthole.map; the names are hidden from libporthole.so by
 * -fvisibility=hidden), so it may change with any release.  The programs
 * link libporthole.a statically.
 *
 * What both servers do, done once:
 *   - socket activation of an inherited listener at fd 3, taken only
 *     when LISTEN_PID is our pid and LISTEN_FDS is exactly "1" (S30);
 *   - signals through a signalfd: no work in a handler;
 *   - a table of connections with a total and a per-uid limit, in
 *     ranges (the daemon keeps two: granted and ungranted peers);
 *   - one EMFILE strategy: a reserve fd (S79);
 *   - deadlines on CLOCK_MONOTONIC (S81, S90), and one poll() loop that
 *     calls the program back.
 * Like the rest of the library it never logs or exits: the programs
 * keep their own messages.
 */
#ifndef PH_SERVER_H
#define PH_SERVER_H

#include <sys/types.h>

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define PH_SRV_NEVER	INT64_MAX	/* a deadline that never comes */

/* Milliseconds on CLOCK_MONOTONIC: never moved by the wall clock. */
int64_t	ph_srv_now_ms(void);

/*
 * Socket activation (sd_listen_fds(3)).  The variables are ours only
 * when LISTEN_PID is our pid (strict decimal digits); either
 * way LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES are removed, so that no
 * child sees them.  When they are ours and `wanted`: LISTEN_FDS must be
 * exactly "1" (-E2BIG), fd 3 a listening AF_UNIX socket of `type`
 * (-ENOTSOCK), which is then made O_NONBLOCK and FD_CLOEXEC (or the
 * fcntl() error).  Returns 3 when fd 3 is to be served, 0 when not.
 */
int	ph_srv_activation(int type, int wanted);

/* Block `sigs` and return a CLOEXEC, NONBLOCK signalfd for them. */
int	ph_srv_signalfd(const int *sigs, size_t n);

/* One connection (or, for `porthole listen`, one child serving one). */
struct ph_srv_slot {
	int	 used;
	int	 fd;		/* polled when >= 0 */
	uid_t	 uid;		/* the peer's, for the per-uid limit */
	int64_t	 deadline;	/* ms, ph_srv_now_ms(); PH_SRV_NEVER */
};

/*
 * What the loop calls; `arg` is the program's.  Every one may be NULL
 * but accept.
 *   tick:    work due at `now`; returns the ms within which it wants to
 *            run again (-1: no wish), and sets *full when nothing may
 *            be read or accepted now (the daemon's fd budget).
 *   settle:  after the deadline pass: the ms within which it wants to
 *            run again, for what that pass queued (-1: none).
 *   room:    1 if one more accept or read fits now (checked before each).
 *   signal:  one signal read from the signalfd; signo 0 when a batch is
 *            read (coalescing signals such as SIGCHLD can be acted on
 *            once more).  Returns 1 to end the loop.
 *   accept:  the listener is readable; a negative errno ends the loop.
 *   ready:   the fd of slot i is readable (or hung up).
 *   expired: slot i's deadline has passed: free the slot or move the
 *            deadline.  Not called while *full.
 */
struct ph_srv_ops {
	int64_t	(*tick)(void *arg, int64_t now, int *full);
	int64_t	(*settle)(void *arg);
	int	(*room)(void *arg);
	int	(*signal)(void *arg, uint32_t signo);
	int	(*accept)(void *arg);
	void	(*ready)(void *arg, size_t i);
	void	(*expired)(void *arg, size_t i, int64_t now);
};

struct ph_srv {
	int			 lfd;		/* the listener (borrowed) */
	int			 sfd;		/* ph_srv_signalfd() (owned) */
	int			 reserve;	/* the EMFILE reserve (owned) */
	int64_t			 pause_until;	/* no accept before */
	struct ph_srv_slot	*slots;		/* the table (owned) */
	size_t			 nslots;
	struct pollfd		*pfd;		/* 2 + nslots (owned) */
	size_t			*map;		/* pfd[2+k]: slots[map[k]] */
	const struct ph_srv_ops	*ops;
	void			*arg;
};

/* A table of nslots free slots, and the reserve fd; -errno on failure. */
int	ph_srv_init(struct ph_srv *s, size_t nslots,
	    const struct ph_srv_ops *ops, void *arg);
/* Free the table; close the signalfd and the reserve (not lfd). */
void	ph_srv_fini(struct ph_srv *s);

/*
 * The limits: a free slot in [lo, hi) for `uid`, which then has fewer
 * than per_uid slots there.  Returns its index, -EBUSY (no free slot:
 * the total limit) or -EUSERS (the per-uid limit, S80).  Counts only.
 */
long	ph_srv_admit(const struct ph_srv *s, size_t lo, size_t hi,
	    size_t per_uid, uid_t uid);
/* Slots of `uid` in [lo, hi). */
size_t	ph_srv_count_uid(const struct ph_srv *s, size_t lo, size_t hi,
	    uid_t uid);
/* Take slot i for `fd` (or -1) and `uid`; free it. */
void	ph_srv_take(struct ph_srv *s, size_t i, int fd, uid_t uid,
	    int64_t deadline);
void	ph_srv_free(struct ph_srv *s, size_t i);

/*
 * The EMFILE strategy (S79), for an accept that failed with `err`
 * (-EMFILE or -ENFILE): the pending connection would stay in the backlog
 * and poll() would wake us for ever.  Free the reserve fd, take the
 * connection and hand it to drop() (which closes it unserved, or has it
 * closed: the daemon's closers, S42), take the reserve back.  Linux
 * allocates the fd before it looks at the queue, so accept() says EMFILE
 * with an empty backlog too: returns 1 if a connection was dropped, 0 if
 * none was pending (stop accepting until poll() says otherwise), or
 * `err` for another error.  If the reserve cannot be taken back,
 * accepting pauses for pause_ms.
 */
int	ph_srv_emfile(struct ph_srv *s, int err, int64_t pause_ms,
	    void (*drop)(void *arg, int fd), void *arg);

/* Pause accepting for `ms` from now (accept errors: back off, S79). */
void	ph_srv_pause(struct ph_srv *s, int64_t ms);

/*
 * The loop: poll the signalfd, the listener (unless paused or full) and
 * every slot's fd; call back; end on a signal the program ends on
 * (returns 0), an accept error (returned), or a poll() failure (-errno).
 * The listener's POLLNVAL is -EBADF.
 */
int	ph_srv_run(struct ph_srv *s);

#endif /* PH_SERVER_H */
