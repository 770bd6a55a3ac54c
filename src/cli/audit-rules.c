/* SPDX-License-Identifier: ISC */
/*
 * audit-rules.c - the verdict of `porthole audit` (audit.c) on the
 * components its walk found (audit-walk.c).
 *
 * Rules, for "trusted" = root, you, and the socket's owner when the
 * socket exists (a server may keep its socket in its own directory):
 *  - a directory owned by anyone else is unsafe: they could rename what
 *    is in it or change its mode;
 *  - a directory writable by its group or by others is unsafe unless
 *    sticky (without the sticky bit they may remove or rename entries
 *    that are not theirs; group members are other users);
 *  - an existing path must be a socket;
 *  - a missing path is unsafe when anyone untrusted could create the
 *    first missing component (squatting, S22): even a sticky directory
 *    lets anyone who may write it create a new name.
 * POSIX ACLs are not read: the group bits of an ACL'd file show its
 * mask, so an ACL granting write shows up as group write and is flagged.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "audit.h"

/* Who is trusted: root, you, and the socket's owner if it exists. */
struct trust {
	uid_t	me;
	uid_t	sowner;
	int	have_sock;
};

static int
trusted(const struct trust *t, uid_t u)
{
	return u == 0 || u == t->me || (t->have_sock && u == t->sowner);
}

/* "alice (uid 1000)", or "uid 1000" without a name; static buffer. */
static const char *
who(const char *name, unsigned long id, const char *what)
{
	static char	buf[2][300];
	static int	k;

	k ^= 1;
	if (name != NULL)
		(void)snprintf(buf[k], sizeof(buf[k]), "%s (%s %lu)", name,
		    what, id);
	else
		(void)snprintf(buf[k], sizeof(buf[k]), "%s %lu", what, id);
	return buf[k];
}

/* What a non-socket is, in words. */
static const char *
kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISREG(m) ? "a regular file" :
	    S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" : "not a socket";
}

/* A directory on the way (not the path itself). */
static void
judge_dir(struct audit *a, const struct trust *t, const struct comp *c)
{
	char	ms[11];

	if (!trusted(t, c->uid))
		audit_say(&a->reasons, "'%s' is owned by %s, who is neither "
		    "you, root nor the socket's owner: they could rename what "
		    "is in it, put their own socket in its place, or change "
		    "its mode.", c->path, who(c->user, c->uid, "uid"));
	if ((c->mode & (S_IWGRP | S_IWOTH)) && !(c->mode & S_ISVTX)) {
		audit_mode_string(c, ms);
		if (c->mode & S_IWOTH)
			audit_say(&a->reasons, "'%s' (%s) is writable by "
			    "everyone and not sticky: anyone could remove or "
			    "rename what is in it and put their own in its "
			    "place.", c->path, ms);
		else
			audit_say(&a->reasons, "'%s' (%s) is writable by group "
			    "%s and not sticky: its members could remove or "
			    "rename what is in it and put their own in its "
			    "place.", c->path, ms,
			    who(c->group, c->gid, "gid"));
	}
}

/* A symbolic link on the way, or at the end. */
static void
judge_link(struct audit *a, const struct trust *t, const struct comp *c)
{
	if (c->last)
		/* kernel-facts V1 */
		audit_say(&a->notes, "'%s' is a symbolic link to '%s': "
		    "connect() follows it, and so did this audit, but a "
		    "server's bind() there fails (EADDRINUSE) instead.",
		    c->path, c->target);
	else
		audit_say(&a->notes, "'%s' is a symbolic link to '%s'; the "
		    "path was followed through it.", c->path, c->target);
	if (!trusted(t, c->uid))
		audit_say(&a->reasons, "The symbolic link '%s' belongs to %s, "
		    "not to you, root or the socket's owner: they chose where "
		    "the path leads.", c->path, who(c->user, c->uid, "uid"));
}

/* S22: who could create the first missing component? */
static void
judge_missing(struct audit *a, const struct trust *t)
{
	const struct comp	*d = &a->c[a->missing_dir];
	const struct comp	*c = &a->c[a->first_missing];
	char			 ms[11];

	audit_mode_string(d, ms);
	if (d->mode & S_IWOTH)
		audit_say(&a->reasons, "'%s' does not exist, and anyone could "
		    "create it first: '%s' (%s) is writable by everyone%s.",
		    c->path, d->path, ms, (d->mode & S_ISVTX) ? " (the "
		    "sticky bit stops removal, not creation)" : "");
	else if (d->mode & S_IWGRP)
		audit_say(&a->reasons, "'%s' does not exist, and members of "
		    "group %s could create it first: '%s' (%s) is writable by "
		    "that group.", c->path, who(d->group, d->gid, "gid"),
		    d->path, ms);
	else if ((d->mode & S_IWUSR) && !trusted(t, d->uid))
		audit_say(&a->reasons, "'%s' does not exist, and %s could "
		    "create it first: they own '%s'.", c->path,
		    who(d->user, d->uid, "uid"), d->path);
	else if (d->uid == t->me && t->me != 0)
		audit_say(&a->notes, "'%s' does not exist yet; only you and "
		    "root could create it.", c->path);
	else
		audit_say(&a->notes, "'%s' does not exist yet; only root "
		    "could create it.", c->path);
}

/* S23: who may connect to the socket `fin`?  Linux needs write
 * permission to connect(). */
static void
judge_socket(struct audit *a, const struct comp *fin, uid_t me)
{
	const struct comp	*d;
	char			 ms[11];
	size_t			 i;

	audit_mode_string(fin, ms);
	if (fin->mode & S_IWOTH) {
		a->connect = "everyone";
		audit_say(&a->notes, "Anyone may connect: '%s' is %s.",
		    fin->path, ms);
	} else if (fin->mode & S_IWGRP) {
		a->connect = "group";
		audit_say(&a->notes, "Its owner %s and members of group %s "
		    "may connect ('%s' is %s).",
		    who(fin->user, fin->uid, "uid"),
		    who(fin->group, fin->gid, "gid"), fin->path, ms);
	} else if (fin->mode & S_IWUSR) {
		a->connect = "owner";
		if (fin->uid == 0)
			audit_say(&a->notes, "Only root, its owner, may "
			    "connect ('%s' is %s).", fin->path, ms);
		else
			audit_say(&a->notes, "Only its owner %s (and root) "
			    "may connect ('%s' is %s).",
			    who(fin->user, fin->uid, "uid"), fin->path, ms);
	} else
		audit_say(&a->notes, "Only root may connect: '%s' (%s) gives "
		    "no one write permission.", fin->path, ms);
	/* A closed directory on the way lets fewer through. */
	for (i = 0; i + 1 < a->n && strcmp(a->connect, "nobody") &&
	    strcmp(a->connect, "owner"); i++) {
		d = &a->c[i];
		if (d->type != C_DIR || (d->mode & S_IXOTH))
			continue;
		audit_mode_string(d, ms);
		audit_say(&a->notes, "But '%s' (%s, owner %s) lets only its "
		    "owner%s through, so fewer users can reach the socket "
		    "than its mode says.", d->path, ms,
		    who(d->user, d->uid, "uid"),
		    (d->mode & S_IXGRP) ? " and group" : "");
		break;
	}
	if (fin->uid != me && fin->uid != 0)
		audit_say(&a->notes, "The socket belongs to %s: 'porthole "
		    "connect' refuses such a server unless given -U.",
		    who(fin->user, fin->uid, "uid"));
}

/*
 * The verdict: apply the rules in the file comment to the walked
 * components, filling a->reasons, a->notes and a->connect.
 */
void
audit_judge(struct audit *a)
{
	const struct comp	*fin = NULL, *c;
	struct trust		 t = { geteuid(), 0, 0 };
	size_t			 i, fin_i = (size_t)-1;

	if (strlen(a->arg) > PH_SOCKPATH_MAX)
		/* S26 */
		audit_say(&a->reasons, "The path is %zu bytes, more than the "
		    "%u that fit a socket address: programs must refuse it, "
		    "and careless ones truncate it to another path.",
		    strlen(a->arg), (unsigned)PH_SOCKPATH_MAX);

	if (a->walked && a->first_missing == (size_t)-1) {
		fin = &a->c[a->n - 1];
		fin_i = a->n - 1;
	}
	if (fin != NULL && fin->type == C_SOCKET) {
		t.have_sock = 1;
		t.sowner = fin->uid;
	}
	for (i = 0; i < a->n; i++) {
		c = &a->c[i];
		if (c->type == C_DIR && i != fin_i)
			judge_dir(a, &t, c);
		else if (c->type == C_SYMLINK)
			judge_link(a, &t, c);
	}

	a->connect = "nobody";
	if (a->walked && a->first_missing != (size_t)-1)
		judge_missing(a, &t);
	else if (fin != NULL && !t.have_sock)
		audit_say(&a->reasons, "'%s' is not a socket: it is %s.",
		    fin->path, kind_of(fin->mode));
	else if (t.have_sock && fin != NULL)
		judge_socket(a, fin, t.me);
}
