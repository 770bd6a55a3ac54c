/* SPDX-License-Identifier: ISC */
/*
 * log.c - the audit log of portholed and porthole-helper (S58): syslog,
 * or stderr for a daemon in the foreground.  Every line is built from
 * numbers and text we formatted ourselves (canonical grants, policy
 * rules), never from bytes a client sent, so it cannot be forged or
 * broken into extra lines.
 *
 * Runs as: root or the daemon's user.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "priv.h"
#include "privlog.h"

static int	to_stderr;

void
ph_log_open(const char *ident, int use_stderr)
{
	to_stderr = use_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
ph_log(int prio, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (to_stderr) {
		if ((size_t)n >= sizeof(buf) - 1)
			n = (int)sizeof(buf) - 2;
		buf[n] = '\n';
		(void)!write(2, buf, (size_t)n + 1);
	} else
		syslog(prio, "%s", buf);
}

/* One line per decision: who (kernel credentials), what, which rule. */
void
ph_log_audit(const struct ph_audit *a, const struct ph_requester *who,
    pid_t pid)
{
	if (a->granted)
		ph_log(LOG_NOTICE, "granted uid=%u gid=%u pid=%ld %s by %s",
		    (unsigned)who->uid, (unsigned)who->gid, (long)pid,
		    a->request, a->rule);
	else
		ph_log(LOG_WARNING, "refused uid=%u gid=%u pid=%ld %s: %s%s%s",
		    (unsigned)who->uid, (unsigned)who->gid, (long)pid,
		    a->request[0] ? a->request : "request",
		    strerror(a->error), a->rule[0] ? "; " : "", a->rule);
}
