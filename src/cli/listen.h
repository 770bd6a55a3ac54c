/* SPDX-License-Identifier: ISC */
/*
 * listen.h - `porthole listen`, in three files: the command (listen.c:
 * options, the socket, start and stop), the UCSPI environment and the
 * child's side of each spawn (listen-env.c), and child supervision on
 * the library's server loop (listen-kids.c, server.h).
 */
#ifndef PH_CLI_LISTEN_H
#define PH_CLI_LISTEN_H

#include <sys/types.h>

#include <stdint.h>
#include <stdnoreturn.h>

#include "porthole.h"
#include "private.h"

#define KILL_GRACE_MS	2000		/* SIGTERM, then SIGKILL this late */
#define LOG_PER_SEC	20		/* log lines a second at most (S79) */

/*
 * One running PROGRAM: its pid is also its process group.  kids[i] goes
 * with the server loop's slots[i], which holds its uid (the per-uid
 * limit) and its deadline (ms, CLOCK_MONOTONIC; PH_SRV_NEVER: none).
 */
struct child {
	pid_t	pid;
	int	stage;		/* 0 running, 1 SIGTERM sent, 2 SIGKILL sent */
};

struct server {
	struct ph_srv		 srv;		/* lfd, signalfd, reserve */
	struct ph_listener	*l;		/* -p and -a; else NULL */
	struct ph_sockdir	*sd;		/* the private dir we made */
	struct ph_allow		*allow;
	int			 actfd;		/* LISTEN_FDS: fd 3; else -1 */
	char			 localpath[PH_SOCKPATH_MAX + 2];
	char			**argv;		/* PROGRAM [ARG...] */
	struct child		*kids;		/* maxconn of them */
	size_t			 nkids, maxconn, maxperuid;
	unsigned long		 lifetime;	/* seconds; 0: unlimited */
	int64_t			 log_sec;
	unsigned		 log_n, log_dropped;
};

/* listen-env.c: signals (returns the signalfd or -errno); PROGRAM found
 * at start (exits 126, 127); UNIXLOCALPATH from fd 3; PROGRAM's
 * environment for `peer`, built before the spawn; the child's side. */
int		listen_signals_setup(void);
void		listen_check_program(const char *name);
void		listen_name_fd3(struct server *s);
void		listen_env_prepare(const struct server *s,
		    const struct ph_peer *peer);
noreturn void	listen_child_exec(const struct server *s, int conn);

/* listen-kids.c: the table and loop (-errno), the loop itself (0 after a
 * stop signal, or -errno), and SIGTERM to every PROGRAM still running. */
int	listen_kids_init(struct server *s);
int	listen_serve(struct server *s);
void	listen_stop_kids(struct server *s);

#endif /* PH_CLI_LISTEN_H */
