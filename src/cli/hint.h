/* SPDX-License-Identifier: ISC */
/*
 * hint.h - the one denial hint of `porthole run` (src/cli/run.c) and of
 * the `porthole exec` preload (src/preload/preload.c), so that the same
 * request gets the same words and the same rule from both:
 *
 *   WHAT: REASON; to allow it, add a line such as 'allow user USER RULE'
 *   to POLICY ([[::] needs 0.0.0.0 granted too; ]portholed reads it
 *   again on 'systemctl reload portholed' or SIGHUP)
 *
 * or, when the broker says it has no valid policy (issue 11), only
 *
 *   WHAT: REASON
 *
 * RULE is what the broker asks for the request (S50): an IPv4-mapped
 * address is its IPv4 address, and the IPv6 wildcard (or no address) is
 * the port-only rule tcp:PORT, since [::] is granted only when 0.0.0.0
 * is granted too, whatever IPV6_V6ONLY says.  USER is the name that
 * /etc/passwd gives getuid(), when the policy would read that name back
 * as the same uid (it resolves names from /etc/passwd only, never NSS:
 * S55), else the number; never $USER or anything else from the
 * environment.
 *
 * Header-only (static inline), so that the preload gains no export and
 * links no object of the command.  What runs in the preload may run in a
 * signal handler or a threaded fork()'s child: nothing here allocates,
 * locks or uses stdio streams; /etc/passwd is read with open(), read()
 * and close() through a buffer on the stack, and its fd is O_CLOEXEC and
 * closed before returning.
 */
#ifndef PH_HINT_H
#define PH_HINT_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define HINT_PASSWD	"/etc/passwd"	/* what the policy reads (S55) */
#define HINT_NAME_MAX	32		/* PH_NAME_MAXLEN, src/broker/names.h */
#define HINT_ID_MAX	4294967294UL	/* (uid_t)-1 is never a user (S37) */

/* A user name the policy accepts (src/broker/names.c). */
static inline int
hint_name_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > HINT_NAME_MAX ||
	    !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-' || (s[i] == '$' && i == len - 1)))
			return 0;
	return 1;
}

/* One passwd line, as the policy parser keeps it (src/broker/names.c). */
struct hint_pwline {
	char	f[3][HINT_NAME_MAX + 1];	/* name, uid, gid */
	size_t	len[3];
	int	field;				/* 0..6, then too many */
	int	bad;				/* a field too long */
};

/*
 * End of a line: 1 and its name and uid if it is well formed (seven
 * fields, a valid name, strict decimal uid and gid), else 0.  Resets pl.
 */
static inline int
hint_pwline_end(struct hint_pwline *pl, char *ret_name, unsigned long *ret_uid)
{
	unsigned long	uid, gid;
	int		ok;

	ok = pl->field == 6 && !pl->bad &&
	    hint_name_ok(pl->f[0], pl->len[0]) &&
	    ph__parse_uint(pl->f[1], pl->len[1], 0, HINT_ID_MAX, &uid) == 0 &&
	    ph__parse_uint(pl->f[2], pl->len[2], 0, HINT_ID_MAX, &gid) == 0;
	if (ok) {
		memcpy(ret_name, pl->f[0], pl->len[0]);
		ret_name[pl->len[0]] = '\0';
		*ret_uid = uid;
	}
	memset(pl, 0, sizeof(*pl));
	return ok;
}

/*
 * The first well-formed line of /etc/passwd whose name is `name` (when
 * not NULL) or else whose uid is `uid`: 0 with its name (HINT_NAME_MAX
 * + 1 bytes) and uid, or -1 (none, or the file cannot be read).
 */
static inline int
hint_passwd_find(const char *name, unsigned long uid, char *ret_name,
    unsigned long *ret_uid)
{
	struct hint_pwline	pl;
	struct stat		st;
	char			buf[1024], ln[HINT_NAME_MAX + 1];
	unsigned long		lu;
	ssize_t			n, i;
	size_t			k;
	int			fd = -1, r = -1, slot;

	memset(&pl, 0, sizeof(pl));
	/* O_NONBLOCK: never wait on a FIFO put there; regular files only. */
	fd = open(HINT_PASSWD, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
	    O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		goto out;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		/* The last line may lack its newline: n == 0 ends it. */
		for (i = 0; i <= n; i++) {
			if (i == n && n > 0)
				break;
			if (i == n || buf[i] == '\n') {
				if (hint_pwline_end(&pl, ln, &lu) && (name ?
				    strcmp(ln, name) == 0 : lu == uid)) {
					memcpy(ret_name, ln, strlen(ln) + 1);
					*ret_uid = lu;
					r = 0;
					goto out;
				}
				continue;
			}
			if (buf[i] == ':') {
				if (pl.field < 7)	/* 7: too many */
					pl.field++;
				continue;
			}
			slot = pl.field == 0 ? 0 : pl.field == 2 ? 1 :
			    pl.field == 3 ? 2 : -1;
			if (slot < 0)
				continue;
			k = pl.len[slot];
			if (k == HINT_NAME_MAX)
				pl.bad = 1;
			else {
				pl.f[slot][k] = buf[i];
				pl.len[slot] = k + 1;
			}
		}
		if (n == 0)
			goto out;
	}
 out:
	(void)close(fd);
	return r;
}

/*
 * USER of a rule for `uid` into buf: its /etc/passwd name when the
 * policy would resolve that name to this very uid (the first line of a
 * name counts, as in policy.c), else the number.
 */
static inline void
hint_user(uid_t uid, char *buf, size_t len)
{
	char		name[HINT_NAME_MAX + 1], again[HINT_NAME_MAX + 1];
	unsigned long	u;

	if (hint_passwd_find(NULL, (unsigned long)uid, name, &u) == 0 &&
	    hint_passwd_find(name, 0, again, &u) == 0 &&
	    u == (unsigned long)uid)
		(void)snprintf(buf, len, "%s", name);
	else
		(void)snprintf(buf, len, "%lu", (unsigned long)uid);
}

/*
 * RULE for one request into buf (see the top of this file).  Returns 1
 * when the request is the IPv6 wildcard itself (the hint then says why
 * the rule is port-only), else 0.
 */
static inline int
hint_rule(const struct ph_grant *req, char *buf, size_t len)
{
	static const unsigned char	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };
	static const unsigned char	any6[16];
	struct ph_grant			g = *req;
	int				wild = 0;

	if ((g.kind == PH_GRANT_TCP || g.kind == PH_GRANT_UDP) &&
	    g.family == AF_INET6) {
		if (memcmp(g.addr, any6, 16) == 0) {
			g.family = 0;		/* S50: both families */
			wild = 1;
		} else if (memcmp(g.addr, mapped, 12) == 0) {
			g.family = AF_INET;	/* S50: judged as IPv4 */
			memmove(g.addr, g.addr + 12, 4);
			memset(g.addr + 4, 0, 12);
		}
	}
	if (ph__grant_format(&g, buf, len) < 0)
		(void)snprintf(buf, len, "%s", "GRANT");
	return wild;
}

/* 1 if the broker's reason says it has no valid policy (proto.h). */
static inline int
hint_no_policy(const char *reason)
{
	return reason != NULL &&
	    (strcmp(reason, PH_REASON_NO_POLICY_DAEMON) == 0 ||
	    strcmp(reason, PH_REASON_NO_POLICY_HELPER) == 0);
}

/*
 * The whole hint into buf (always NUL-terminated): `what` is the request
 * as the caller shows it, `reason` the broker's (NULL or "": "denied by
 * the porthole policy"), `req` the request, `uid` the caller's real uid.
 */
static inline void
hint_denied(char *buf, size_t len, const char *what, const char *reason,
    const struct ph_grant *req, uid_t uid, const char *policy)
{
	char	user[HINT_NAME_MAX + 16], rule[96];
	int	wild;

	/*
	 * Issue 11: the broker has no valid policy (it is missing or was
	 * refused, S53), so no rule added to the file would help until the
	 * broker's error is fixed: say that, and no "add a rule" hint.
	 */
	if (hint_no_policy(reason)) {
		if (snprintf(buf, len, "%s: %s", what, reason) < 0 && len > 0)
			buf[0] = '\0';
		return;
	}
	hint_user(uid, user, sizeof(user));
	wild = hint_rule(req, rule, sizeof(rule));
	/* Too long for buf: cut, as every message here (the return value
	 * is looked at only to say so to the compiler). */
	if (snprintf(buf, len, "%s: %s; to allow it, add a line such as "
	    "'allow user %s %s' to %s (%sportholed reads it again on "
	    "'systemctl reload portholed' or SIGHUP)", what,
	    reason != NULL && reason[0] != '\0' ? reason :
	    "denied by the porthole policy", user, rule, policy,
	    wild ? "[::] needs 0.0.0.0 granted too; " : "") < 0 && len > 0)
		buf[0] = '\0';
}

#endif /* PH_HINT_H */
