/* SPDX-License-Identifier: ISC */
/*
 * log.c - the audit log of portholed and porthole-helper (S58): syslog,
 * or stderr for a daemon in the foreground.  Every line is built from
 * numbers and text we formatted ourselves (canonical grants, policy
 * rules), never from bytes a client sent, so it cannot be forged or
 * broken into extra lines.
 *
 * Refusals are rate-limited per uid (S58, issue 9 item 5): a user looping
 * on requests the policy refuses must not fill the disk or push grant
 * lines out of a rate-limited journal.  Each uid gets RL_LINES refusal
 * lines per RL_WINDOW_MS, then one line with the count of what was
 * suppressed; grants are always logged.  At most RL_UIDS uids are
 * tracked at once; past that, the others share one bucket, and all of
 * them together get RL_TOTAL lines per window, so the table and the
 * lines it writes stay bounded whatever the number of uids.
 *
 * Runs as: root or the daemon's user.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"
#include "privlog.h"

#define RL_WINDOW_MS	10000		/* one window per uid */
#define RL_LINES	50		/* refusal lines per uid and window */
#define RL_TOTAL	200		/* all uids together, per window */
#define RL_UIDS		64		/* uids tracked; the rest share one */

struct rl {
	uid_t		 uid;
	int		 other;		/* the bucket of untracked uids */
	long long	 start;		/* window start, ms; 0: free */
	unsigned	 lines;
	unsigned long	 suppressed;
};

static int		to_stderr;
static int		prefix;		/* "<N>" before each line: journal */
static struct rl	rl_tab[RL_UIDS + 1];	/* the last: other uids */
static long long	rl_all_start;		/* RL_TOTAL's window, ms */
static unsigned		rl_all_lines;

void
ph_log_open(const char *ident, int use_stderr)
{
	to_stderr = use_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

/*
 * Strict decimal uint64_t: digits only, no sign, no space, no leading
 * zero unless the number is 0, no overflow (S11).  0 and *ret, or
 * -EINVAL.
 */
static int
parse_u64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return 0;
}

/*
 * ph_log_journal_stream() - 1 if `val`, the value of JOURNAL_STREAM
 * (sd-daemon(3): "DEVICE:INODE" of the journal's stream, both decimal),
 * names the file open on `fd`, else 0 (NULL, malformed, or another
 * file: an inherited variable whose stderr was redirected since).
 * Strict grammar: exactly two strict decimal numbers and one colon.
 */
int
ph_log_journal_stream(const char *val, int fd)
{
	struct stat	 st;
	const char	*colon;
	uint64_t	 dev, ino;

	if (val == NULL || (colon = strchr(val, ':')) == NULL ||
	    parse_u64(val, (size_t)(colon - val), &dev) < 0 ||
	    parse_u64(colon + 1, strlen(colon + 1), &ino) < 0)
		return 0;
	if (fstat(fd, &st) == -1)
		return 0;
	return (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino;
}

/* ph_log_prefix() - with `on`, stderr lines start with "<N>", the
 * syslog priority, which the journal reads as the line's level. */
void
ph_log_prefix(int on)
{
	prefix = on != 0;
}

void
ph_log(int prio, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;
	int	n, k = 0;

	if (to_stderr && prefix)	/* sd-daemon(3): "<3>" and so on */
		k = snprintf(buf, sizeof(buf), "<%d>", prio & LOG_PRIMASK);
	va_start(ap, fmt);
	n = vsnprintf(buf + k, sizeof(buf) - (size_t)k, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (to_stderr) {
		n += k;
		if ((size_t)n >= sizeof(buf) - 1)
			n = (int)sizeof(buf) - 2;
		buf[n] = '\n';
		(void)!write(2, buf, (size_t)n + 1);
	} else
		syslog(prio, "%s", buf + k);
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

/* Close a window: say what it suppressed, free the entry. */
static void
rl_close(struct rl *e)
{
	if (e->suppressed > 0) {
		if (e->other)
			ph_log(LOG_WARNING, "other uids: %lu more refusals "
			    "suppressed in the last %d s", e->suppressed,
			    RL_WINDOW_MS / 1000);
		else
			ph_log(LOG_WARNING, "uid %u: %lu more refusals "
			    "suppressed in the last %d s", (unsigned)e->uid,
			    e->suppressed, RL_WINDOW_MS / 1000);
	}
	memset(e, 0, sizeof(*e));
}

/*
 * ph_log_tick() - close the windows that have ended, writing their
 * "suppressed" lines.  Returns the ms until the next window ends, or -1
 * when none is open: the daemon's poll() wakes up for it, so a count is
 * written even when the flood has stopped.
 */
int
ph_log_tick(void)
{
	long long	t = mono_ms(), next = -1, end;
	size_t		i;

	for (i = 0; i < RL_UIDS + 1; i++) {
		if (rl_tab[i].start == 0)
			continue;
		end = rl_tab[i].start + RL_WINDOW_MS;
		if (end <= t) {
			rl_close(&rl_tab[i]);
			continue;
		}
		if (rl_tab[i].suppressed > 0 && (next < 0 || end - t < next))
			next = end - t;
	}
	return (int)next;
}

/*
 * ph_log_refusal_ok() - may a refusal line for `uid` be written now?
 * Counts it either way: 1 (write it) for the first RL_LINES of the
 * uid's window, else 0 (counted as suppressed).  O(RL_UIDS).
 */
int
ph_log_refusal_ok(uid_t uid)
{
	struct rl	*e = NULL, *freep = NULL;
	long long	 t = mono_ms();
	size_t		 i;

	for (i = 0; i < RL_UIDS; i++) {
		if (rl_tab[i].start != 0 &&
		    rl_tab[i].start + RL_WINDOW_MS <= t)
			rl_close(&rl_tab[i]);
		if (rl_tab[i].start == 0) {
			if (freep == NULL)
				freep = &rl_tab[i];
		} else if (rl_tab[i].uid == uid)
			e = &rl_tab[i];
	}
	if (e == NULL && freep != NULL) {
		e = freep;
		e->uid = uid;
	}
	if (e == NULL) {
		/* RL_UIDS uids in their window: one bucket for the rest. */
		e = &rl_tab[RL_UIDS];
		if (e->start != 0 && e->start + RL_WINDOW_MS <= t)
			rl_close(e);
		e->other = 1;
	}
	if (e->start == 0)
		e->start = t;
	if (rl_all_start == 0 || rl_all_start + RL_WINDOW_MS <= t) {
		rl_all_start = t;
		rl_all_lines = 0;
	}
	if (e->lines < RL_LINES && rl_all_lines < RL_TOTAL) {
		e->lines++;
		rl_all_lines++;
		return 1;
	}
	e->suppressed++;
	return 0;
}

/* One line per decision: who (kernel credentials), what, which rule.
 * Grants always; refusals within the uid's rate (ph_log_refusal_ok). */
void
ph_log_audit(const struct ph_audit *a, const struct ph_requester *who,
    pid_t pid)
{
	if (a->granted)
		ph_log(LOG_NOTICE, "granted uid=%u gid=%u pid=%ld %s by %s",
		    (unsigned)who->peer.uid, (unsigned)who->peer.gid, (long)pid,
		    a->request, a->rule);
	else if (ph_log_refusal_ok(who->peer.uid))
		ph_log(LOG_WARNING, "refused uid=%u gid=%u pid=%ld %s: %s%s%s",
		    (unsigned)who->peer.uid, (unsigned)who->peer.gid, (long)pid,
		    a->request[0] ? a->request : "request",
		    strerror(a->error), a->rule[0] ? "; " : "", a->rule);
}
