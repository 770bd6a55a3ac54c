/* SPDX-License-Identifier: ISC */
/* privlog.h - the audit log (log.c).  Runs as: root or the daemon's user. */
#ifndef PH_PRIVLOG_H
#define PH_PRIVLOG_H

#include <sys/types.h>

struct ph_audit;
struct ph_requester;

void	ph_log_open(const char *ident, int use_stderr);
/* JOURNAL_STREAM (sd-daemon(3)): 1 if `val` names the file on `fd`. */
int	ph_log_journal_stream(const char *val, int fd);
/* Prefix stderr lines with "<N>" (the journal's stream), or not. */
void	ph_log_prefix(int on);
void	ph_log(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Refusals are rate-limited per uid (S58): 1 if one may be logged now
 * (it is counted either way); ph_log_tick() writes the "N more refusals
 * suppressed" lines of ended windows and returns the ms until the next
 * one ends, or -1.  Grants are always logged. */
int	ph_log_refusal_ok(uid_t uid);
int	ph_log_tick(void);
void	ph_log_audit(const struct ph_audit *a, const struct ph_requester *who,
	    pid_t pid);

#endif
