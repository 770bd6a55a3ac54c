/* SPDX-License-Identifier: ISC */
/*
 * closer.h - portholed's closers (closer.c): fds are disposed of off the
 * event loop, so that no close() ever blocks the daemon (S42, issue 9
 * item 3).  Privileged logic of the daemon, in the broker library.
 */
#ifndef PH_CLOSER_H
#define PH_CLOSER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

/*
 * Disposal of fds off the event loop (S42, issue 9 item 3).
 *
 * A close() can block: the last close of a TCP socket with SO_LINGER
 * and unsent data waits in sk_stream_wait_close; any close of a FUSE
 * file sends FLUSH and waits for the server's answer, uninterruptibly
 * (and the last close of a file with POSIX locks may ask the server
 * too); the last close of a client connection purges its queue, and the
 * final fput of every fd still in flight in it runs as task_work in our
 * context: the same stalls, nested.  FLUSH comes with *every* close,
 * not only the last, so handing a copy away and closing ours is no
 * cure.  So the daemon close()s in place only what is provably safe:
 *   - a socket it knows someone else still holds (a dup of ours), since
 *     a socket has no flush and only its last close does any work;
 *   - the socket of a granted bind: listening, with the handler's
 *     locked filter that drops SYN-ACK, so it can never become
 *     established and have data to linger on (S49); or a UDP socket;
 *   - raw and packet sockets it made itself, and its own pipes.
 * Every other fd (connections, refused or unexpected fds, fds of
 * malformed messages) goes to a closer: a child made with CLONE_FILES,
 * so that it shares our fd table, which close()s fd numbers we write
 * into a pipe.  The fd leaves the table in the closer's close(), so
 * whatever that close waits for, it waits there, never here; we never
 * touch a number again once it is written.  The closer holds no
 * capabilities and dies with us (PR_SET_PDEATHSIG).
 *
 * While it closes, the closer takes a SIGALRM every CLOSER_TICK_US: a
 * close waiting on SO_LINGER (sk_stream_wait_close, interruptible) ends
 * at the next one, and the socket is left to the kernel to finish, as
 * when a lingering process is killed.  Such slow closes are counted and
 * logged (rate-limited).  A closer that makes no progress for
 * CLOSER_STUCK_MS all the same is killed and replaced.  The numbers it
 * had not started are given to the next one only once it is reaped
 * (until then it might still be running), so no number is ever closed
 * twice.  A TCP linger wait ends on SIGKILL; a
 * FUSE FLUSH that the server has read does not (request_wait_answer()
 * waits uninterruptibly for forced requests), so such a closer lives on
 * until the FUSE server answers or its connection is aborted
 * (/sys/fs/fuse/connections/N/abort).  That is the residual: at most
 * CLOSER_MAX closers, each holding at most CLOSER_RING pending fds;
 * with all of them stuck, fds to dispose of wait in `pend` (at most
 * PEND_MAX), and when that is full the daemon stops reading clients and
 * accepting until a closer is free again.  It keeps answering signals:
 * SIGTERM always ends it at once.
 */
#define CLOSER_MAX	8		/* closers alive, stuck ones included
					   (the unit's TasksMax counts them) */
#define CLOSER_TICK_US	1000		/* SIGALRM period while closing */
#define CLOSER_RING	512		/* fds handed to one, not yet closed */
#define CLOSER_STUCK_MS	250		/* no progress this long: stuck */
#define CLOSER_REAP_MS	50		/* how often a killed one is checked */
#define PEND_MAX	1024		/* fds waiting for a closer */
#define PEND_BATCH	64		/* sent at once (one atomic write) */
#define PEND_FLUSH_MS	10		/* nothing waits longer for a batch */

/* Once, before the first poll(): the first closer. */
void	ph_closer_init(void);
/* Queue `fd` (consumed), which came from `uid`, for a closer.  Never
 * blocks, never closes. */
void	ph_closer_dispose(int *fdp, uid_t uid);
/*
 * Keep the closers going (reap, requeue, replace, start, send); returns
 * the ms until it wants to run again, or -1.  No syscall unless there
 * is work.
 */
int64_t	ph_closer_tick(int64_t t);
/* 1 while a closer is stuck on a close of an fd that `uid` sent. */
int	ph_closer_stalling(uid_t uid);
/* fds ours until a closer has closed them: queued, and in flight. */
size_t	ph_closer_held(void);
/* 1 if `n` more fds fit in the queue. */
int	ph_closer_room(size_t n);
/* fds queued for a closer now (a flush is due within PEND_FLUSH_MS). */
size_t	ph_closer_queued(void);
/* On the way out: leave a live closer to close what is left. */
void	ph_closer_exit(void);

#endif /* PH_CLOSER_H */
