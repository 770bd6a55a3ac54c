/* SPDX-License-Identifier: ISC */
/*
 * audit-walk.c - the walk of `porthole audit` (audit.c): every component
 * from "/" down to PATH, as the kernel would go through them.
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
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "cli.h"
#include "audit.h"

/* Where the walk is: what is left, and the directory it stands in. */
struct walk {
	struct audit	*a;
	char		*rem;		/* path still to walk, links spliced in */
	const char	*p;		/* the next component, in rem */
	size_t		 cur;		/* the component dfd is, in a->c */
	int		 dfd;
	int		 links;		/* symlinks followed so far */
};

/* The name of a uid or gid, or NULL; a copy (NSS: unprivileged only). */
static char *
user_of(uid_t uid)
{
	struct passwd	*pw = getpwuid(uid);

	return pw != NULL && pw->pw_name != NULL ? audit_strdup(pw->pw_name) : NULL;
}

static char *
group_of(gid_t gid)
{
	struct group	*gr = getgrgid(gid);

	return gr != NULL && gr->gr_name != NULL ? audit_strdup(gr->gr_name) : NULL;
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
			audit_nomem();
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
		audit_nomem();
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
		path = audit_strdup(a->c[a->n - 1].path);
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
 * ".." in a resolved path: resolved paths hold no links, so ".." is
 * lexical; the parent was walked (and reported) on the way.  0, or -1
 * when the walk stops here.
 */
static int
walk_dotdot(struct walk *w)
{
	struct audit	*a = w->a;
	char		*cpath;
	int		 fd;

	if (strcmp(a->c[w->cur].path, "/") == 0)
		return 0;
	if ((fd = openat(w->dfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC))
	    == -1) {
		audit_say(&a->reasons, "'%s/..' cannot be examined (%s), so "
		    "the rest of the path is unknown.", a->c[w->cur].path,
		    strerror(errno));
		return -1;
	}
	ph_fd_close(&w->dfd);
	w->dfd = fd;
	cpath = audit_strdup(a->c[w->cur].path);
	parent_of(cpath);
	w->cur = find(a, cpath);
	free(cpath);
	if (w->cur == a->n)
		die(1, 0, "internal error: lost the parent directory");
	return 0;
}

/*
 * The symbolic link `cpath` (taken), open as fd (taken): report it and
 * splice its target into what is left to walk.  0, or -1 when the walk
 * stops here.
 */
static int
walk_link(struct walk *w, int fd, const struct stat *st, char *cpath)
{
	struct audit	*a = w->a;
	char		 target[PATH_MAX], *nrem = NULL;
	ssize_t		 tl;
	size_t		 i;

	tl = readlinkat(fd, "", target, sizeof(target));
	if (tl < 0 || (size_t)tl >= sizeof(target)) {
		audit_say(&a->reasons, "The symbolic link '%s' cannot be read "
		    "(%s).", cpath, tl < 0 ? strerror(errno) :
		    "target too long");
		(void)add(a, cpath, C_UNKNOWN, NULL);
		ph_fd_close(&fd);
		return -1;
	}
	target[tl] = '\0';
	i = add(a, cpath, C_SYMLINK, st);
	a->c[i].target = audit_strdup(target);
	a->c[i].last = at_end(w->p);
	ph_fd_close(&fd);
	if (++w->links > MAX_LINKS) {
		audit_say(&a->reasons, "More than %d symbolic links are on the "
		    "way, so the path cannot be used (ELOOP).", MAX_LINKS);
		return -1;
	}
	/* What is left: the target, then the rest. */
	if (strlen(target) + strlen(w->p) + 2 > REM_MAX) {
		audit_say(&a->reasons, "The path grows too long through its "
		    "symbolic links.");
		return -1;
	}
	if (asprintf(&nrem, "%s/%s", target, w->p) == -1)
		audit_nomem();
	free(w->rem);
	w->rem = nrem;
	w->p = w->rem;
	if (target[0] == '/') {
		/* Restart at "/", already reported. */
		if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
			die(1, errno, "cannot look at '/'");
		ph_fd_close(&w->dfd);
		w->dfd = fd;
		w->cur = 0;
	}
	return 0;
}

/*
 * One component `name` (len bytes) in the directory w->dfd.  0 to go on,
 * 1 when the walk reached its end (the path, or its first missing
 * component), -1 when it stops short (a reason says why).
 */
static int
walk_name(struct walk *w, const char *name, size_t len)
{
	struct audit	*a = w->a;
	struct stat	 st;
	char		 nbuf[NAME_MAX + 1], *cpath;
	size_t		 i;
	int		 fd;

	if (len > NAME_MAX) {
		audit_say(&a->reasons, "A component of '%s' is longer than %d "
		    "bytes, so the path cannot exist.", a->arg, NAME_MAX);
		return -1;
	}
	memcpy(nbuf, name, len);
	nbuf[len] = '\0';
	cpath = join(a->c[w->cur].path, name, len);

	fd = openat(w->dfd, nbuf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		free(cpath);
		add_missing(a, w->cur, name, len, w->p);
		return 1;
	}
	if (fd == -1 || fstat(fd, &st) == -1) {
		/* e.g. EACCES: a directory we may not search. */
		audit_say(&a->reasons, "'%s' cannot be examined (%s), so the "
		    "rest of the path is unknown.", cpath, strerror(errno));
		(void)add(a, cpath, C_UNKNOWN, NULL);
		ph_fd_close(&fd);
		return -1;
	}
	if (S_ISLNK(st.st_mode))
		return walk_link(w, fd, &st, cpath);
	if (S_ISDIR(st.st_mode)) {
		/* Report each directory once, however reached. */
		if ((i = find(a, cpath)) == a->n)
			i = add(a, cpath, C_DIR, &st);
		else
			free(cpath);
		ph_fd_close(&w->dfd);
		w->dfd = fd;
		w->cur = i;
		return 0;
	}
	i = add(a, cpath, S_ISSOCK(st.st_mode) ? C_SOCKET : C_FILE, &st);
	ph_fd_close(&fd);
	if (!at_end(w->p)) {
		audit_say(&a->reasons, "'%s' is not a directory, so the path "
		    "cannot exist as given.", a->c[i].path);
		return -1;
	}
	return 1;
}

/*
 * Walk `abs` (absolute) from "/", one openat(O_PATH | O_NOFOLLOW) per
 * component, following symlinks by splicing their targets into what is
 * left to walk.  Fills a->c; stops at the first missing component, the
 * first error (a reason), or a non-directory in the middle.
 */
void
audit_walk(struct audit *a, const char *abs)
{
	struct walk	 w;
	struct stat	 st;
	const char	*name;
	size_t		 len;
	int		 r = 1;

	memset(&w, 0, sizeof(w));
	w.a = a;
	a->first_missing = (size_t)-1;
	if ((w.dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(w.dfd, &st) == -1)
		die(1, errno, "cannot look at '/'");
	w.cur = add(a, audit_strdup("/"), C_DIR, &st);
	w.rem = audit_strdup(abs);
	w.p = w.rem;

	while ((len = next_name(&w.p, &name)) > 0) {
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.')
			r = walk_dotdot(&w);
		else
			r = walk_name(&w, name, len);
		if (r != 0)
			break;
	}
	if (r >= 0)
		a->walked = 1;
	free(w.rem);
	ph_fd_close(&w.dfd);
}
