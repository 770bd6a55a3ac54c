/* SPDX-License-Identifier: ISC */
/* privlog.h - the audit log (log.c).  Runs as: root or the daemon's user. */
#ifndef PH_PRIVLOG_H
#define PH_PRIVLOG_H

#include <sys/types.h>

struct ph_audit;
struct ph_requester;

void	ph_log_open(const char *ident, int use_stderr);
void	ph_log(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	ph_log_audit(const struct ph_audit *a, const struct ph_requester *who,
	    pid_t pid);

#endif
