/* SPDX-License-Identifier: ISC */
/*
 * audit.c - porthole audit [--json] PATH: for a socket path that exists
 * or is to be created, show every directory from / down with its owner
 * and mode, and say who besides its owner and root could replace,
 * remove or pre-create the socket (S21, S22, S25), and who may connect
 * to it (S23).  Exit 0 when safe, 1 when not, with the reasons in words.
 *
 * The walk opens one component at a time with openat(O_PATH |
 * O_NOFOLLOW) from "/" and fstat()s what it got, so each line describes
 * the very inode the next step went through; nothing is opened for
 * reading, and nothing is ever connected to (an audit has no side
 * effects on a server).
 *
 * Symbolic links on the way are followed, as connect() follows them
 * (kernel-facts V1), and reported: the link itself is a line of its own,
 * and the walk goes on from its target, whose directories are audited
 * like any other.  A link is not unsafe in itself (/var/run -> /run is
 * common and harmless): its directory's rules already say who could
 * replace it.  It is unsafe when someone other than you, root or the
 * socket's owner made it, because they chose where the path leads.
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
 *
 * The result is a snapshot: the tree may change right after.  Servers
 * and clients must still check through fds (ph_dir_check(), S28).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "cli.h"

#define MAX_LINKS	40	/* symlinks followed, as Linux's MAXSYMLINKS */
#define MAX_COMPS	4096	/* components reported */
#define MAX_TEXTS	256	/* reasons or notes */
#define REM_MAX		(64 * 1024)	/* path still to walk, with links */

enum ctype { C_DIR, C_SYMLINK, C_SOCKET, C_FILE, C_MISSING, C_UNKNOWN };

static const char *const ctype_name[] = {
	"dir", "symlink", "socket", "file", "missing", "unknown"
};

/* One line of the report. */
struct comp {
	char	*path;		/* absolute, links resolved above it */
	char	*target;	/* C_SYMLINK: what it points to */
	char	*user;		/* NULL: no name for the uid */
	char	*group;
	int	 type;		/* enum ctype */
	int	 last;		/* C_SYMLINK: the path's last component */
	uid_t	 uid;		/* the rest is valid unless missing/unknown */
	gid_t	 gid;
	mode_t	 mode;		/* st_mode, file type included */
};

/* A list of sentences: reasons (the verdict) or notes (information). */
struct texts {
	char	*s[MAX_TEXTS];
	size_t	 n;
};

struct audit {
	const char	*arg;		/* PATH as given */
	struct comp	*c;
	size_t		 n, cap;
	size_t		 first_missing;	/* index, or (size_t)-1: none */
	size_t		 missing_dir;	/* the directory it would be made in */
	int		 walked;	/* the walk reached the end */
	struct texts	 reasons, notes;
	const char	*connect;	/* owner|group|everyone|nobody */
};

static noreturn void
nomem(void)
{
	die(1, -ENOMEM, "audit");
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		nomem();
	return p;
}

/* Add one sentence to a list (formatted; the list is bounded). */
static void __attribute__((format(printf, 2, 3)))
say(struct texts *t, const char *fmt, ...)
{
	va_list	 ap;
	char	*s = NULL;

	if (t->n == MAX_TEXTS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		nomem();
	va_end(ap);
	t->s[t->n++] = s;
}

/* The name of a uid or gid, or NULL; a copy (NSS: unprivileged only). */
static char *
user_of(uid_t uid)
{
	struct passwd	*pw = getpwuid(uid);

	return pw != NULL && pw->pw_name != NULL ? xstrdup(pw->pw_name) : NULL;
}

static char *
group_of(gid_t gid)
{
	struct group	*gr = getgrgid(gid);

	return gr != NULL && gr->gr_name != NULL ? xstrdup(gr->gr_name) : NULL;
}

/* Append a component; returns its index.  Takes `path` (allocated). */
static size_t
add(struct audit *a, char *path, int type, const struct stat *st)
{
	struct comp	*c;
	size_t		 ncap;

	if (a->n == MAX_COMPS)
		die(1, 0, "'%s' has more than %d components", a->arg,
		    MAX_COMPS);
	if (a->n == a->cap) {
		ncap = a->cap ? a->cap * 2 : 16;
		if ((c = realloc(a->c, ncap * sizeof(*c))) == NULL)
			nomem();
		a->c = c;
		a->cap = ncap;
	}
	c = &a->c[a->n];
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->type = type;
	if (st != NULL) {
		c->uid = st->st_uid;
		c->gid = st->st_gid;
		c->mode = st->st_mode;
		c->user = user_of(st->st_uid);
		c->group = group_of(st->st_gid);
	}
	return a->n++;
}

/* Index of the component with this path, or a->n. */
static size_t
find(const struct audit *a, const char *path)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->c[i].path, path) == 0)
			return i;
	return a->n;
}

/* "dir/name" (dir "/" gives "/name"); a new string. */
static char *
join(const char *dir, const char *name, size_t len)
{
	char	*s = NULL;

	if (asprintf(&s, "%s%s%.*s", dir, strcmp(dir, "/") == 0 ? "" : "/",
	    (int)len, name) == -1)
		nomem();
	return s;
}

/* The parent of a resolved absolute path, in place ("/a" -> "/"). */
static void
parent_of(char *path)
{
	char	*slash = strrchr(path, '/');

	if (slash == path)
		path[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
}

/* The next component of *pp: its start and length (0: none left). */
static size_t
next_name(const char **pp, const char **ret_name)
{
	const char	*p = *pp;
	size_t		 len;

	while (*p == '/')
		p++;
	len = strcspn(p, "/");
	*ret_name = p;
	*pp = p + len;
	return len;
}

/* Is nothing but slashes left? */
static int
at_end(const char *p)
{
	return p[strspn(p, "/")] == '\0';
}

/*
 * Record a path that stops existing at `name` (in the directory
 * a->c[dir]), and the components after it, lexically, as missing.
 */
static void
add_missing(struct audit *a, size_t dir, const char *name, size_t len,
    const char *rest)
{
	char	*path;

	a->missing_dir = dir;
	path = join(a->c[dir].path, name, len);
	a->first_missing = add(a, path, C_MISSING, NULL);
	while ((len = next_name(&rest, &name)) > 0) {
		if (len == 1 && name[0] == '.')
			continue;
		path = xstrdup(a->c[a->n - 1].path);
		if (len == 2 && name[0] == '.' && name[1] == '.')
			parent_of(path);
		else {
			char	*p = join(path, name, len);

			free(path);
			path = p;
		}
		(void)add(a, path, C_MISSING, NULL);
	}
}

/*
 * Walk `abs` (absolute) from "/", one openat(O_PATH | O_NOFOLLOW) per
 * component, following symlinks by splicing their targets into what is
 * left to walk.  Fills a->c; stops at the first missing component, the
 * first error (a reason), or a non-directory in the middle.
 */
static void
walk(struct audit *a, const char *abs)
{
	struct stat	 st;
	const char	*p, *name;
	char		*rem = NULL, *nrem = NULL, *cpath = NULL;
	char		 nbuf[NAME_MAX + 1], target[PATH_MAX];
	size_t		 len, cur, i;
	ssize_t		 tl;
	int		 dfd = -1, fd = -1, links = 0;

	a->first_missing = (size_t)-1;
	if ((dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(dfd, &st) == -1)
		die(1, errno, "cannot look at '/'");
	cur = add(a, xstrdup("/"), C_DIR, &st);
	rem = xstrdup(abs);
	p = rem;

	while ((len = next_name(&p, &name)) > 0) {
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			/* Resolved paths hold no links, so ".." is lexical;
			 * the parent was walked (and reported) on the way. */
			if (strcmp(a->c[cur].path, "/") == 0)
				continue;
			if ((fd = openat(dfd, "..", O_PATH | O_DIRECTORY |
			    O_CLOEXEC)) == -1) {
				say(&a->reasons, "'%s/..' cannot be examined "
				    "(%s), so the rest of the path is unknown.",
				    a->c[cur].path, strerror(errno));
				goto out;
			}
			ph_fd_close(&dfd);
			dfd = fd;
			fd = -1;
			cpath = xstrdup(a->c[cur].path);
			parent_of(cpath);
			cur = find(a, cpath);
			free(cpath);
			cpath = NULL;
			if (cur == a->n)
				die(1, 0, "internal error: lost the parent "
				    "directory");
			continue;
		}
		if (len > NAME_MAX) {
			say(&a->reasons, "A component of '%s' is longer than "
			    "%d bytes, so the path cannot exist.", a->arg,
			    NAME_MAX);
			goto out;
		}
		memcpy(nbuf, name, len);
		nbuf[len] = '\0';
		cpath = join(a->c[cur].path, name, len);

		fd = openat(dfd, nbuf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 && errno == ENOENT) {
			free(cpath);
			cpath = NULL;
			add_missing(a, cur, name, len, p);
			a->walked = 1;
			goto out;
		}
		if (fd == -1 || fstat(fd, &st) == -1) {
			/* e.g. EACCES: a directory we may not search. */
			say(&a->reasons, "'%s' cannot be examined (%s), so "
			    "the rest of the path is unknown.", cpath,
			    strerror(errno));
			(void)add(a, cpath, C_UNKNOWN, NULL);
			cpath = NULL;
			goto out;
		}

		if (S_ISLNK(st.st_mode)) {
			tl = readlinkat(fd, "", target, sizeof(target));
			if (tl < 0 || (size_t)tl >= sizeof(target)) {
				say(&a->reasons, "The symbolic link '%s' cannot "
				    "be read (%s).", cpath, tl < 0 ?
				    strerror(errno) : "target too long");
				(void)add(a, cpath, C_UNKNOWN, NULL);
				cpath = NULL;
				goto out;
			}
			target[tl] = '\0';
			i = add(a, cpath, C_SYMLINK, &st);
			cpath = NULL;
			a->c[i].target = xstrdup(target);
			a->c[i].last = at_end(p);
			ph_fd_close(&fd);
			if (++links > MAX_LINKS) {
				say(&a->reasons, "More than %d symbolic links "
				    "are on the way, so the path cannot be "
				    "used (ELOOP).", MAX_LINKS);
				goto out;
			}
			/* What is left: the target, then the rest. */
			if (strlen(target) + strlen(p) + 2 > REM_MAX) {
				say(&a->reasons, "The path grows too long "
				    "through its symbolic links.");
				goto out;
			}
			if (asprintf(&nrem, "%s/%s", target, p) == -1)
				nomem();
			free(rem);
			rem = nrem;
			nrem = NULL;
			p = rem;
			if (target[0] == '/') {
				/* Restart at "/", already reported. */
				if ((fd = open("/", O_PATH | O_DIRECTORY |
				    O_CLOEXEC)) == -1)
					die(1, errno, "cannot look at '/'");
				ph_fd_close(&dfd);
				dfd = fd;
				fd = -1;
				cur = 0;
			}
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			/* Report each directory once, however reached. */
			if ((i = find(a, cpath)) == a->n)
				i = add(a, cpath, C_DIR, &st);
			else
				free(cpath);
			cpath = NULL;
			ph_fd_close(&dfd);
			dfd = fd;
			fd = -1;
			cur = i;
			continue;
		}
		i = add(a, cpath, S_ISSOCK(st.st_mode) ? C_SOCKET : C_FILE,
		    &st);
		cpath = NULL;
		ph_fd_close(&fd);
		if (!at_end(p)) {
			say(&a->reasons, "'%s' is not a directory, so the path "
			    "cannot exist as given.", a->c[i].path);
			goto out;
		}
		break;
	}
	a->walked = 1;
 out:
	free(cpath);
	free(rem);
	ph_fd_close(&fd);
	ph_fd_close(&dfd);
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

/* ls(1)-style mode string for a component, into out[11]. */
static void
mode_string(const struct comp *c, char *out)
{
	mode_t	m = c->mode;

	if (c->type == C_MISSING || c->type == C_UNKNOWN) {
		memcpy(out, "??????????", 11);
		return;
	}
	out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISSOCK(m) ? 's' :
	    S_ISFIFO(m) ? 'p' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : '-';
	out[1] = (m & S_IRUSR) ? 'r' : '-';
	out[2] = (m & S_IWUSR) ? 'w' : '-';
	out[3] = (m & S_ISUID) ? ((m & S_IXUSR) ? 's' : 'S') :
	    ((m & S_IXUSR) ? 'x' : '-');
	out[4] = (m & S_IRGRP) ? 'r' : '-';
	out[5] = (m & S_IWGRP) ? 'w' : '-';
	out[6] = (m & S_ISGID) ? ((m & S_IXGRP) ? 's' : 'S') :
	    ((m & S_IXGRP) ? 'x' : '-');
	out[7] = (m & S_IROTH) ? 'r' : '-';
	out[8] = (m & S_IWOTH) ? 'w' : '-';
	out[9] = (m & S_ISVTX) ? ((m & S_IXOTH) ? 't' : 'T') :
	    ((m & S_IXOTH) ? 'x' : '-');
	out[10] = '\0';
}

/* What a non-socket is, in words. */
static const char *
kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISREG(m) ? "a regular file" :
	    S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" : "not a socket";
}

/*
 * The verdict: apply the rules in the file comment to the walked
 * components, filling a->reasons, a->notes and a->connect.
 */
static void
judge(struct audit *a)
{
	const struct comp	*fin = NULL, *c, *d;
	uid_t			 me = geteuid(), sowner = 0;
	int			 have_sock = 0, open_w = 0, grp_w = 0;
	size_t			 i, fin_i = (size_t)-1;
	char			 ms[11];

	if (strlen(a->arg) > PH_SOCKPATH_MAX)
		/* S26 */
		say(&a->reasons, "The path is %zu bytes, more than the %u "
		    "that fit a socket address: programs must refuse it, and "
		    "careless ones truncate it to another path.",
		    strlen(a->arg), (unsigned)PH_SOCKPATH_MAX);

	if (a->walked && a->first_missing == (size_t)-1) {
		fin = &a->c[a->n - 1];
		fin_i = a->n - 1;
	}
	if (fin != NULL && fin->type == C_SOCKET) {
		have_sock = 1;
		sowner = fin->uid;
	}
#define TRUSTED(u)	((u) == 0 || (u) == me || (have_sock && (u) == sowner))

	for (i = 0; i < a->n; i++) {
		c = &a->c[i];
		if (c->type == C_DIR && i != fin_i) {
			if (!TRUSTED(c->uid))
				say(&a->reasons, "'%s' is owned by %s, who is "
				    "neither you, root nor the socket's owner: "
				    "they could rename what is in it, put "
				    "their own socket in its place, or change "
				    "its mode.", c->path,
				    who(c->user, c->uid, "uid"));
			if ((c->mode & (S_IWGRP | S_IWOTH)) &&
			    !(c->mode & S_ISVTX)) {
				mode_string(c, ms);
				if (c->mode & S_IWOTH)
					say(&a->reasons, "'%s' (%s) is writable "
					    "by everyone and not sticky: anyone "
					    "could remove or rename what is in "
					    "it and put their own in its place.",
					    c->path, ms);
				else
					say(&a->reasons, "'%s' (%s) is writable "
					    "by group %s and not sticky: its "
					    "members could remove or rename what "
					    "is in it and put their own in its "
					    "place.", c->path, ms,
					    who(c->group, c->gid, "gid"));
			}
		} else if (c->type == C_SYMLINK) {
			if (c->last)
				/* kernel-facts V1 */
				say(&a->notes, "'%s' is a symbolic link to "
				    "'%s': connect() follows it, and so did "
				    "this audit, but a server's bind() there "
				    "fails (EADDRINUSE) instead.", c->path,
				    c->target);
			else
				say(&a->notes, "'%s' is a symbolic link to "
				    "'%s'; the path was followed through it.",
				    c->path, c->target);
			if (!TRUSTED(c->uid))
				say(&a->reasons, "The symbolic link '%s' belongs "
				    "to %s, not to you, root or the socket's "
				    "owner: they chose where the path leads.",
				    c->path, who(c->user, c->uid, "uid"));
		}
	}

	a->connect = "nobody";
	if (a->walked && a->first_missing != (size_t)-1) {
		/* S22: who could create the first missing component? */
		d = &a->c[a->missing_dir];
		c = &a->c[a->first_missing];
		mode_string(d, ms);
		open_w = (d->mode & S_IWOTH) != 0;
		grp_w = (d->mode & S_IWGRP) != 0;
		if (open_w)
			say(&a->reasons, "'%s' does not exist, and anyone could "
			    "create it first: '%s' (%s) is writable by "
			    "everyone%s.", c->path, d->path, ms,
			    (d->mode & S_ISVTX) ? " (the sticky bit stops "
			    "removal, not creation)" : "");
		else if (grp_w)
			say(&a->reasons, "'%s' does not exist, and members of "
			    "group %s could create it first: '%s' (%s) is "
			    "writable by that group.", c->path,
			    who(d->group, d->gid, "gid"), d->path, ms);
		else if ((d->mode & S_IWUSR) && !TRUSTED(d->uid))
			say(&a->reasons, "'%s' does not exist, and %s could "
			    "create it first: they own '%s'.", c->path,
			    who(d->user, d->uid, "uid"), d->path);
		else if (d->uid == me && me != 0)
			say(&a->notes, "'%s' does not exist yet; only you and "
			    "root could create it.", c->path);
		else
			say(&a->notes, "'%s' does not exist yet; only root "
			    "could create it.", c->path);
	} else if (fin != NULL && !have_sock) {
		say(&a->reasons, "'%s' is not a socket: it is %s.", fin->path,
		    kind_of(fin->mode));
	} else if (have_sock && fin != NULL) {
		/* S23: Linux needs write permission to connect(). */
		mode_string(fin, ms);
		if (fin->mode & S_IWOTH) {
			a->connect = "everyone";
			say(&a->notes, "Anyone may connect: '%s' is %s.",
			    fin->path, ms);
		} else if (fin->mode & S_IWGRP) {
			a->connect = "group";
			say(&a->notes, "Its owner %s and members of group %s "
			    "may connect ('%s' is %s).",
			    who(fin->user, fin->uid, "uid"),
			    who(fin->group, fin->gid, "gid"), fin->path, ms);
		} else if (fin->mode & S_IWUSR) {
			a->connect = "owner";
			if (fin->uid == 0)
				say(&a->notes, "Only root, its owner, may "
				    "connect ('%s' is %s).", fin->path, ms);
			else
				say(&a->notes, "Only its owner %s (and root) "
				    "may connect ('%s' is %s).",
				    who(fin->user, fin->uid, "uid"), fin->path,
				    ms);
		} else
			say(&a->notes, "Only root may connect: '%s' (%s) "
			    "gives no one write permission.", fin->path, ms);
		/* A closed directory on the way lets fewer through. */
		for (i = 0; i + 1 < a->n && strcmp(a->connect, "nobody") &&
		    strcmp(a->connect, "owner"); i++) {
			d = &a->c[i];
			if (d->type != C_DIR || (d->mode & S_IXOTH))
				continue;
			mode_string(d, ms);
			say(&a->notes, "But '%s' (%s, owner %s) lets only "
			    "its owner%s through, so fewer users can reach "
			    "the socket than its mode says.", d->path, ms,
			    who(d->user, d->uid, "uid"),
			    (d->mode & S_IXGRP) ? " and group" : "");
			break;
		}
		if (fin->uid != me && fin->uid != 0)
			say(&a->notes, "The socket belongs to %s: 'porthole "
			    "connect' refuses such a server unless given -U.",
			    who(fin->user, fin->uid, "uid"));
	}
#undef TRUSTED
}

/*
 * Decode one UTF-8 sequence at s (n bytes left): its length, or 0 if
 * invalid (overlong, surrogate, beyond U+10FFFF, truncated).
 */
static size_t
utf8_len(const unsigned char *s, size_t n, unsigned long *ret_cp)
{
	unsigned long	cp;
	size_t		len, i;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*ret_cp = cp;
	return len;
}

/*
 * Print a name that anyone who can create a directory may have chosen.
 * Text: control characters, C1 controls and invalid UTF-8 become \xNN
 * and '\' becomes "\\", so that a path cannot move the cursor, fake a
 * "verdict: safe" line or hide itself on a terminal.  JSON: RFC 8259
 * escapes; invalid UTF-8 bytes become U+FFFD (JSON text must be Unicode;
 * the text output keeps the exact bytes).  Shared with status.c (cli.h).
 */
void
cli_put_esc(const char *str, int json)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), len, i;
	unsigned long		 cp;

	while (n > 0) {
		len = utf8_len(s, n, &cp);
		if (len == 0) {
			if (json)
				(void)fputs("\\ufffd", stdout);
			else
				(void)printf("\\x%02x", s[0]);
			s++;
			n--;
			continue;
		}
		if (cp == '\\')
			(void)fputs("\\\\", stdout);
		else if (json && cp == '"')
			(void)fputs("\\\"", stdout);
		else if (json && cp == '\n')
			(void)fputs("\\n", stdout);
		else if (json && cp == '\t')
			(void)fputs("\\t", stdout);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			if (json)
				(void)printf("\\u%04lx", cp);
			else
				for (i = 0; i < len; i++)
					(void)printf("\\x%02x", s[i]);
		} else
			(void)fwrite(s, 1, len, stdout);
		s += len;
		n -= len;
	}
}

/* A JSON string, or null. */
static void
json_str(const char *s)
{
	if (s == NULL) {
		(void)fputs("null", stdout);
		return;
	}
	(void)putchar('"');
	cli_put_esc(s, 1);
	(void)putchar('"');
}

static void
json_texts(const char *key, const struct texts *t)
{
	size_t	i;

	(void)printf(",\"%s\":[", key);
	for (i = 0; i < t->n; i++) {
		if (i > 0)
			(void)putchar(',');
		json_str(t->s[i]);
	}
	(void)putchar(']');
}

/*
 * The JSON report: one object on one line, keys always present and in
 * this order, so that scripts may rely on them:
 *   path, components [{path, type, uid, user, gid, group, mode
 *   [, target]}], safe, reasons, connect, notes.
 * uid, user, gid, group and mode are null for missing or unknown
 * components, and user/group for ids without a name.
 */
static void
print_json(const struct audit *a)
{
	const struct comp	*c;
	size_t			 i;

	(void)fputs("{\"path\":", stdout);
	json_str(a->arg);
	(void)fputs(",\"components\":[", stdout);
	for (i = 0; i < a->n; i++) {
		c = &a->c[i];
		(void)printf("%s{\"path\":", i > 0 ? "," : "");
		json_str(c->path);
		(void)printf(",\"type\":\"%s\"", ctype_name[c->type]);
		if (c->type == C_MISSING || c->type == C_UNKNOWN)
			(void)fputs(",\"uid\":null,\"user\":null,\"gid\":null,"
			    "\"group\":null,\"mode\":null", stdout);
		else {
			(void)printf(",\"uid\":%lu,\"user\":",
			    (unsigned long)c->uid);
			json_str(c->user);
			(void)printf(",\"gid\":%lu,\"group\":",
			    (unsigned long)c->gid);
			json_str(c->group);
			(void)printf(",\"mode\":\"%04o\"",
			    (unsigned)(c->mode & 07777));
		}
		if (c->type == C_SYMLINK) {
			(void)fputs(",\"target\":", stdout);
			json_str(c->target);
		}
		(void)putchar('}');
	}
	(void)printf("],\"safe\":%s", a->reasons.n == 0 ? "true" : "false");
	json_texts("reasons", &a->reasons);
	(void)printf(",\"connect\":\"%s\"", a->connect);
	json_texts("notes", &a->notes);
	(void)fputs("}\n", stdout);
}

/* The plain report: one line per component, the verdict, the reasons. */
static void
print_text(const struct audit *a)
{
	const struct comp	*c;
	char			 ms[11], num[32];
	size_t			 i;

	for (i = 0; i < a->n; i++) {
		c = &a->c[i];
		mode_string(c, ms);
		(void)printf("%s ", ms);
		if (c->type == C_MISSING || c->type == C_UNKNOWN)
			(void)fputs("- -", stdout);
		else {
			(void)snprintf(num, sizeof(num), "%lu",
			    (unsigned long)c->uid);
			cli_put_esc(c->user ? c->user : num, 0);
			(void)putchar(' ');
			(void)snprintf(num, sizeof(num), "%lu",
			    (unsigned long)c->gid);
			cli_put_esc(c->group ? c->group : num, 0);
		}
		(void)putchar(' ');
		cli_put_esc(c->path, 0);
		if (c->type == C_SYMLINK) {
			(void)fputs(" -> ", stdout);
			cli_put_esc(c->target, 0);
		} else if (c->type == C_MISSING)
			(void)fputs(" (missing)", stdout);
		else if (c->type == C_UNKNOWN)
			(void)fputs(" (cannot be examined)", stdout);
		(void)putchar('\n');
	}
	(void)printf("verdict: %s\n", a->reasons.n == 0 ? "safe" : "UNSAFE");
	for (i = 0; i < a->reasons.n; i++) {
		(void)fputs("  ", stdout);
		cli_put_esc(a->reasons.s[i], 0);
		(void)putchar('\n');
	}
	(void)printf("connect: %s\n", a->connect);
	for (i = 0; i < a->notes.n; i++) {
		(void)fputs("note: ", stdout);
		cli_put_esc(a->notes.s[i], 0);
		(void)putchar('\n');
	}
}

static void
audit_help(void)
{
	(void)printf(
	    "Usage: porthole audit [--json] PATH\n"
	    "\n"
	    "Show every directory from / down to the socket PATH (which may\n"
	    "exist or be still to create) with its owner and mode, and say\n"
	    "whether anyone besides you, root and the socket's owner could\n"
	    "replace, remove or create it first: a directory of another user,\n"
	    "a directory writable by others without the sticky bit, a\n"
	    "symbolic link of another user on the way, or a missing path in a\n"
	    "directory others may write.  Also say who may connect, from the\n"
	    "socket's mode.  Symbolic links are followed, and reported.\n"
	    "\n"
	    "  -j, --json   one JSON object: path, components, safe, reasons,\n"
	    "               connect (owner|group|everyone|nobody), notes\n"
	    "  -h, --help   show this help\n"
	    "\n"
	    "Exit status: 0 safe, 1 unsafe or cannot tell, 2 usage error.\n"
	    "The answer is a snapshot; programs must still check by fd.\n");
}

/* An abstract name has no file, owner or mode at all (S27). */
static void
audit_abstract(struct audit *a)
{
	a->walked = 1;
	a->connect = "everyone";
	say(&a->reasons, "'%s' is an abstract socket name: it has no owner "
	    "or permissions, so any process in this network namespace could "
	    "take the name first or connect to it.", a->arg);
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL,		0,		NULL, 0 },
	};
	struct audit	 a;
	char		*abs = NULL, cwd[PATH_MAX];
	size_t		 i;
	int		 c, json = 0, safe;

	opterr = 0;		/* bad_option() says it, in one line */
	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			audit_help();
			return 0;
		default:	/* '?' or ':' */
			bad_option(c, argc, argv, opts);
		}
	}
	if (argc - optind < 1)
		usage_error("missing PATH");
	if (argc - optind > 1)
		usage_error("too many arguments");
	if (argv[optind][0] == '\0')
		usage_error("empty PATH");

	memset(&a, 0, sizeof(a));
	a.arg = argv[optind];
	a.first_missing = (size_t)-1;
	if (a.arg[0] == '@')
		audit_abstract(&a);
	else {
		/* A relative path is taken from the current directory, as a
		 * program started here would take it. */
		if (a.arg[0] == '/')
			abs = xstrdup(a.arg);
		else if (getcwd(cwd, sizeof(cwd)) == NULL)
			die(1, errno, "cannot tell the current directory");
		else if (asprintf(&abs, "%s/%s", cwd, a.arg) == -1)
			nomem();
		walk(&a, abs);
		judge(&a);
	}
	safe = a.reasons.n == 0;
	if (json)
		print_json(&a);
	else
		print_text(&a);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(1, errno, "cannot write the report");

	free(abs);
	for (i = 0; i < a.n; i++) {
		free(a.c[i].path);
		free(a.c[i].target);
		free(a.c[i].user);
		free(a.c[i].group);
	}
	free(a.c);
	for (i = 0; i < a.reasons.n; i++)
		free(a.reasons.s[i]);
	for (i = 0; i < a.notes.n; i++)
		free(a.notes.s[i]);
	return safe ? 0 : 1;
}
