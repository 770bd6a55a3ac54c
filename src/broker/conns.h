/* SPDX-License-Identifier: ISC */
/*
 * conns.h - portholed's connections (conns.c): the table, split between
 * peers the policy names and the others, on the library's server loop
 * (server.h); each request read and answered by ph_broker_handle().
 * Runs as: portholed's --user, with its capabilities.
 */
#ifndef PH_CONNS_H
#define PH_CONNS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MAX_GRANTED	256		/* slots for peers the policy names */
#define MAX_PER_UID	16		/* of those, per uid (S80) */
#define MAX_UNGRANTED	32		/* slots for the others (item 4) */
#define UNGRANTED_PER_UID 2		/* one request each, IDLE_MS (S81) */
#define MAX_CLIENTS	(MAX_GRANTED + MAX_UNGRANTED)
#define IDLE_MS		10000		/* a client silent this long goes */
#define LIFETIME_MS	300000		/* no connection lives longer */

struct ph_policy;
struct ph_srv;

/*
 * The daemon's state the connections read: the policy in force, and
 * what `porthole status` is told (issue 11): counts and times only, no
 * names, ids or rules (S89).  started is CLOCK_MONOTONIC (uptime, S90);
 * policy_time is wall-clock seconds, for people to read.
 */
struct ph_daemon {
	struct ph_policy	*policy;
	const char		*policy_path;
	time_t			 policy_time;	/* `policy` put in force */
	int64_t			 started;	/* ms, CLOCK_MONOTONIC */
	uint64_t		 n_grants, n_refusals;
};
extern struct ph_daemon	ph_daemon;

/* The table is srv's MAX_CLIENTS slots: granted ones first. */
void	ph_conns_init(struct ph_srv *srv);
/* Accept one connection on lfd; -EMFILE/-ENFILE, else 0. */
int	ph_conns_accept(int lfd);
/* Slot i's connection is readable: serve one message. */
void	ph_conns_ready(size_t i);
/* Slot i's deadline has passed (S81): drop it. */
void	ph_conns_drop(size_t i);

#endif /* PH_CONNS_H */
