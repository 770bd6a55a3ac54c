/* SPDX-License-Identifier: ISC */
/*
 * daemon.h - portholed's start-up (start.c), for portholed.c.
 * Runs as: root at start (or a service manager's user), then --user.
 */
#ifndef PH_DAEMON_H
#define PH_DAEMON_H

#include <sys/types.h>

struct ph_policy;

/* The options; -1 to go on, else the exit status (after --help: 0). */
int	daemon_args(int argc, char **argv, int *fg, const char **user,
	    const char **sock);
/* Start-up hygiene (S2-S9), JOURNAL_STREAM, the parser guard, the log. */
void	daemon_sanitize(int lfd, int fg);
/* Our own socket at `path`, where none was inherited; its fd.  Dies. */
int	daemon_listen(const char *path);
struct ph_text;

/* Load the policy; on failure keep `keep` (S54) or an empty one (S53). */
struct ph_policy	*daemon_policy_load(struct ph_policy *keep);
/* Parse the policy read as root (NULL: not read, `why`), after the drop. */
struct ph_policy	*daemon_policy_start(const struct ph_text *text,
			    const struct ph_text *pw, const struct ph_text *gr,
			    const char *why);
/* The inherited listener for `path` (3, checked: S30), or -1; dies. */
int	daemon_activation(const char *path);
/* The run directory of the socket `path`: root's, 0755; dies. */
void	daemon_make_rundir(const char *path);
/* --user's ids, resolved in a child with no privilege; dies. */
void	daemon_user_resolve(const char *user, const struct ph_text *pw,
	    const struct ph_text *gr, uid_t *ret_uid, gid_t *ret_gid);

#endif /* PH_DAEMON_H */
