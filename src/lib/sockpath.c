/* SPDX-License-Identifier: ISC */
/*
 * sockpath.c - socket addresses that are never truncated (S26), checks of
 * the directories that hold sockets (S21, S22), and private socket
 * directories with unguessable names.
 *
 * Every check is made on an open directory fd (fstat), and every later
 * operation goes through that fd (*at calls), so nothing is checked by
 * path and then used by path.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "internal.h"

#define SOCKDIR_PREFIX		"porthole-"
#define SOCKDIR_RANDOM		8	/* bytes: 16 hex characters */
#define SOCKDIR_TRIES		8
#define LOCK_SUFFIX		".lock"

struct ph_sockdir {
	int	 basefd;	/* O_PATH fd of the base directory */
	int	 dfd;		/* O_RDONLY fd of our private directory */
	char	*dname;		/* its name inside base */
	char	*dir;		/* its full path */
	char	*path;		/* the socket path inside it */
	char	*name;		/* the socket's name inside it */
};

/*
 * ph_sockaddr_set() - fill *ret_sun with `path` and *ret_len with the
 * exact address length.  With PH_PATH_ABSTRACT `path` is the abstract
 * name (no leading NUL or '@').  A path that does not fit sun_path with
 * its NUL, or over 91 bytes with PH_PATH_PORTABLE, is -ENAMETOOLONG: never
 * truncated (S26).  A filesystem path starting with '@' is -EINVAL, so a
 * name meant to be abstract is never silently made a file and vice versa
 * (S27).  Outputs are written only on success.
 */
PH_EXPORT int
ph_sockaddr_set(struct sockaddr_un *ret_sun, socklen_t *ret_len,
    const char *path, int flags)
{
	size_t	n, max = PH_SOCKPATH_MAX;

	if (flags & ~(PH_PATH_PORTABLE | PH_PATH_ABSTRACT))
		return -EINVAL;
	if (path == NULL || path[0] == '\0')
		return -EINVAL;
	if (!(flags & PH_PATH_ABSTRACT) && path[0] == '@')
		return -EINVAL;
	if (flags & PH_PATH_PORTABLE)
		max = PH_SOCKPATH_PORTABLE_MAX;
	n = strnlen(path, max + 1);
	if (n > max)
		return -ENAMETOOLONG;
	memset(ret_sun, 0, sizeof(*ret_sun));
	ret_sun->sun_family = AF_UNIX;
	if (flags & PH_PATH_ABSTRACT) {
		/* Leading NUL, then the name; no terminator is counted. */
		memcpy(ret_sun->sun_path + 1, path, n);
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    1 + n);
	} else {
		memcpy(ret_sun->sun_path, path, n);
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    n + 1);
	}
	return 0;
}

/*
 * The rule for a directory that will hold our sockets, lock or pid files:
 * a directory, owned by root or by us, and not writable by anyone else
 * unless sticky (in a sticky directory others cannot remove or rename our
 * entries).  PH_DIR_PRIVATE demands more: owned by us, mode exactly 0700.
 * Group write counts as "anyone else": group members are other users.
 */
int
ph__dir_check_stat(const struct stat *st, uid_t me, int flags)
{
	if (S_ISLNK(st->st_mode))
		return -ELOOP;
	if (!S_ISDIR(st->st_mode))
		return -ENOTDIR;
	if (flags & PH_DIR_PRIVATE) {
		if (st->st_uid != me)
			return -EPERM;
		if ((st->st_mode & 07777) != 0700)
			return -EACCES;
		return 0;
	}
	if (st->st_uid != 0 && st->st_uid != me)
		return -EPERM;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX))
		return -EACCES;
	return 0;
}

/*
 * ph_dir_check() - is the directory open at `dfd` (borrowed) safe to hold
 * our sockets?  Returns 0, -ENOTDIR (not a directory), -EPERM (owned by
 * another user), -EACCES (writable by others and not sticky; with
 * PH_DIR_PRIVATE: mode not 0700), or the fstat() error.
 */
PH_EXPORT int
ph_dir_check(int dfd, int flags)
{
	struct stat	st;

	if (flags & ~PH_DIR_PRIVATE)
		return -EINVAL;
	if (fstat(dfd, &st) == -1)
		return -errno;
	return ph__dir_check_stat(&st, geteuid(), flags);
}

/* Open `path` as an O_PATH fd without following a final symlink. */
static int
open_dir_nofollow(const char *path, int *ret_fd)
{
	struct stat	st;
	int		fd, r;

	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		r = -errno;
		ph__fd_close(&fd);
		return r;
	}
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
		ph__fd_close(&fd);
		return S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
	}
	*ret_fd = fd;
	return 0;
}

/*
 * ph_dir_check_path() - ph_dir_check() for a path whose last component
 * must be a real directory, not a symlink to one (-ELOOP).
 */
PH_EXPORT int
ph_dir_check_path(const char *path, int flags)
{
	int	fd = -1, r;

	if (flags & ~PH_DIR_PRIVATE)
		return -EINVAL;
	if (path == NULL || path[0] == '\0')
		return -EINVAL;
	if ((r = open_dir_nofollow(path, &fd)) < 0)
		return r;
	r = ph_dir_check(fd, flags);
	ph__fd_close(&fd);
	return r;
}

/*
 * Split `path` at its last '/' and open the parent as an O_PATH directory
 * fd (following symlinks above the last component: the caller chose that
 * path).  *ret_name points into `path`.  The last component must be a
 * plain name: not empty, ".", ".." (-EINVAL).
 */
int
ph__open_parent(const char *path, int *ret_dfd, const char **ret_name)
{
	const char	*slash, *name;
	char		 parent[PATH_MAX];
	size_t		 plen;
	int		 fd;

	if (path == NULL || path[0] == '\0')
		return -EINVAL;
	slash = strrchr(path, '/');
	name = slash ? slash + 1 : path;
	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	if (slash == NULL)
		memcpy(parent, ".", 2);
	else if (slash == path)
		memcpy(parent, "/", 2);
	else {
		plen = (size_t)(slash - path);
		if (plen >= sizeof(parent))
			return -ENAMETOOLONG;
		memcpy(parent, path, plen);
		parent[plen] = '\0';
	}
	fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	*ret_dfd = fd;
	*ret_name = name;
	return 0;
}

/* A name for one directory entry: no '/', not ".", "..", or empty. */
static int
valid_name(const char *name)
{
	return name[0] != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/*
 * Choose the default base: $XDG_RUNTIME_DIR when it is a real directory,
 * ours, mode 0700; else $TMPDIR, else /tmp, each when it passes
 * ph_dir_check().  secure_getenv(): a setuid caller never takes these
 * from its environment.  Returns 0 and an O_PATH fd, or -ENOENT when no
 * candidate is safe.
 */
static int
default_base(const char **ret_path, int *ret_fd)
{
	const char	*cand[3];
	int		 cflags[3] = { PH_DIR_PRIVATE, 0, 0 };
	size_t		 i;
	int		 fd = -1;

	cand[0] = secure_getenv("XDG_RUNTIME_DIR");
	cand[1] = secure_getenv("TMPDIR");
	cand[2] = "/tmp";
	for (i = 0; i < PH_NITEMS(cand); i++) {
		/* Relative values are ignored, as the XDG spec says. */
		if (cand[i] == NULL || cand[i][0] != '/')
			continue;
		if (open_dir_nofollow(cand[i], &fd) < 0)
			continue;
		if (ph_dir_check(fd, cflags[i]) == 0) {
			*ret_path = cand[i];
			*ret_fd = fd;
			return 0;
		}
		ph__fd_close(&fd);
	}
	return -ENOENT;
}

/*
 * ph_sockdir_default_base() - copy the base ph_sockdir_create(NULL, ...)
 * would use into buf.  Returns 0, -ENOENT if none is safe, or
 * -ENAMETOOLONG if buf is too small.
 */
PH_EXPORT int
ph_sockdir_default_base(char *buf, size_t len)
{
	const char	*p;
	int		 fd = -1, r;

	if ((r = default_base(&p, &fd)) < 0)
		return r;
	ph__fd_close(&fd);
	if (strlen(p) >= len)
		return -ENAMETOOLONG;
	memcpy(buf, p, strlen(p) + 1);
	return 0;
}

/* Join a, "/" and b into a new string; NULL on allocation failure. */
static char *
join(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);
	char	*s;

	/* A base of "/" must not give "//x". */
	while (la > 1 && a[la - 1] == '/')
		la--;
	if ((s = malloc(la + 1 + lb + 1)) == NULL)
		return NULL;
	memcpy(s, a, la);
	if (la == 1 && a[0] == '/')
		la = 0;
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

/* Free sd and close its fds; leaves everything on disk.  NULL is fine. */
PH_EXPORT void
ph_sockdir_free(struct ph_sockdir *sd)
{
	if (sd == NULL)
		return;
	ph__fd_close(&sd->basefd);
	ph__fd_close(&sd->dfd);
	free(sd->dname);
	free(sd->dir);
	free(sd->path);
	free(sd->name);
	free(sd);
}

/*
 * Make the private directory: mkdirat() with 0700 (the umask can only
 * narrow it), then set exactly `mode` and verify through a fresh fd that
 * it is a directory of ours with that mode (S21).  The base passed
 * ph_dir_check(), so no one else can replace the entry between the calls
 * (an unwritable directory, or a sticky one where only we may rename
 * what we made).  Returns 0 and sd->dfd, or a negative errno with nothing
 * left behind.
 */
static int
make_private_dir(struct ph_sockdir *sd, mode_t mode)
{
	struct stat	st;
	int		r;

	if (mkdirat(sd->basefd, sd->dname, 0700) == -1)
		return -errno;
	/* umask 0777 would leave 0000: set the mode on our own new entry
	 * (0711 for a shared one: it is still not listable or writable). */
	if (fchmodat(sd->basefd, sd->dname, mode, 0) == -1) {
		r = -errno;
		goto fail;
	}
	sd->dfd = openat(sd->basefd, sd->dname,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sd->dfd == -1) {
		r = -errno;
		goto fail;
	}
	if (fstat(sd->dfd, &st) == -1) {
		r = -errno;
		goto fail;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 07777) != mode) {
		r = -EPERM;
		goto fail;
	}
	return 0;
 fail:
	ph__fd_close(&sd->dfd);
	(void)unlinkat(sd->basefd, sd->dname, AT_REMOVEDIR);
	return r;
}

/*
 * ph_sockdir_create() - make a fresh private directory under `base` (or
 * the default base when NULL) named "porthole-" and 16 random hex digits,
 * and name the socket path `name` (default "sock") inside it.  Flags:
 * PH_PATH_PORTABLE, PH_SOCKDIR_SHARED (mode 0711, see porthole.h).  The path is checked to fit before anything is
 * created (-ENAMETOOLONG).  A `base` that fails ph_dir_check() gives its
 * error; no safe default gives -ENOENT.  On success *ret_sd owns an open
 * fd of the directory (see ph_sockdir_dirfd()).  On failure nothing is
 * left behind.
 */
PH_EXPORT int
ph_sockdir_create(const char *base, const char *name, int flags,
    struct ph_sockdir **ret_sd)
{
	struct ph_sockdir	*sd = NULL;
	struct sockaddr_un	 sun;
	socklen_t		 sl;
	char			 rnd[2 * SOCKDIR_RANDOM + 1];
	char			 dname[sizeof(SOCKDIR_PREFIX) + sizeof(rnd)];
	int			 r, tries;

	if (flags & ~(PH_PATH_PORTABLE | PH_SOCKDIR_SHARED))
		return -EINVAL;
	if (name == NULL)
		name = "sock";
	if (!valid_name(name))
		return -EINVAL;
	if ((sd = calloc(1, sizeof(*sd))) == NULL)
		return -ENOMEM;
	sd->basefd = sd->dfd = -1;

	if (base != NULL) {
		if (base[0] == '\0') {
			r = -EINVAL;
			goto out;
		}
		if ((r = open_dir_nofollow(base, &sd->basefd)) < 0 ||
		    (r = ph_dir_check(sd->basefd, 0)) < 0)
			goto out;
	} else if ((r = default_base(&base, &sd->basefd)) < 0)
		goto out;

	for (tries = 0; tries < SOCKDIR_TRIES; tries++) {
		if ((r = ph__random_hex(rnd, SOCKDIR_RANDOM)) < 0)
			goto out;
		memcpy(dname, SOCKDIR_PREFIX, sizeof(SOCKDIR_PREFIX) - 1);
		memcpy(dname + sizeof(SOCKDIR_PREFIX) - 1, rnd, sizeof(rnd));
		free(sd->dname);
		free(sd->dir);
		free(sd->path);
		sd->dir = sd->path = NULL;
		if ((sd->dname = strdup(dname)) == NULL ||
		    (sd->dir = join(base, dname)) == NULL ||
		    (sd->path = join(sd->dir, name)) == NULL) {
			r = -ENOMEM;
			goto out;
		}
		/* S26: refuse before creating anything. */
		if ((r = ph_sockaddr_set(&sun, &sl, sd->path,
		    flags & PH_PATH_PORTABLE)) < 0)
			goto out;
		r = make_private_dir(sd, (flags & PH_SOCKDIR_SHARED) ?
		    0711 : 0700);
		if (r != -EEXIST)
			break;
	}
	if (r < 0)
		goto out;
	if ((sd->name = strdup(name)) == NULL) {
		r = -ENOMEM;
		(void)unlinkat(sd->basefd, sd->dname, AT_REMOVEDIR);
		goto out;
	}
	*ret_sd = sd;
	sd = NULL;
	r = 0;
 out:
	ph_sockdir_free(sd);
	return r;
}

/* The socket path, its directory, and the directory's fd (borrowed). */
PH_ACCESSOR(const char *, ph_sockdir_path, ph_sockdir, path)
PH_ACCESSOR(const char *, ph_sockdir_dir, ph_sockdir, dir)
PH_ACCESSOR(int, ph_sockdir_dirfd, ph_sockdir, dfd)

/*
 * Unlink `name` in dfd if it is of type `type` and ours (S24: nothing
 * that is not ours is ever removed).  A missing entry is fine.
 */
static int
unlink_ours(int dfd, const char *name, mode_t type)
{
	struct stat	st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -errno;
	if ((st.st_mode & S_IFMT) != type || st.st_uid != geteuid())
		return -EPERM;
	if (unlinkat(dfd, name, 0) == -1 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * ph_sockdir_remove() - remove the socket and its lock file (when they
 * are a socket and a regular file of ours), then the directory itself
 * (only if the entry in base is still the directory we hold), and free
 * sd.  Returns 0 or the first error; -ENOTEMPTY if something else was
 * put in the directory, which is then left alone.  NULL is a no-op.
 */
PH_EXPORT int
ph_sockdir_remove(struct ph_sockdir *sd)
{
	struct stat	 a, b;
	char		*lock = NULL;
	int		 r = 0, r2;

	if (sd == NULL)
		return 0;
	r = unlink_ours(sd->dfd, sd->name, S_IFSOCK);
	if ((lock = malloc(strlen(sd->name) + sizeof(LOCK_SUFFIX))) == NULL) {
		r = r < 0 ? r : -ENOMEM;
		goto out;
	}
	memcpy(lock, sd->name, strlen(sd->name));
	memcpy(lock + strlen(sd->name), LOCK_SUFFIX, sizeof(LOCK_SUFFIX));
	if ((r2 = unlink_ours(sd->dfd, lock, S_IFREG)) < 0 && r == 0)
		r = r2;
	if (fstat(sd->dfd, &a) == -1 ||
	    fstatat(sd->basefd, sd->dname, &b, AT_SYMLINK_NOFOLLOW) == -1) {
		r = r < 0 ? r : -errno;
		goto out;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		r = r < 0 ? r : -ESTALE;	/* not ours any more */
		goto out;
	}
	if (unlinkat(sd->basefd, sd->dname, AT_REMOVEDIR) == -1 && r == 0)
		r = -errno;
 out:
	free(lock);
	ph_sockdir_free(sd);
	return r;
}
