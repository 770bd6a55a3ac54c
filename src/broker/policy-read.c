/* SPDX-License-Identifier: ISC */
/*
 * policy-read.c - the trusted-file walk that reads the broker's policy
 * (S53), and ph_policy_load(), which reads, then parses: the file and
 * every directory above it must be owned by root and not writable by
 * group or others (a root-owned sticky directory is fine), no symlink is
 * followed anywhere, and every check is on the object then used.
 *
 * Runs as: root, in porthole-helper and portholed before they drop, so
 * this side only opens, checks and copies bytes; it never looks inside
 * them (issue 9: reading and parsing are separate steps, ssh-keysign,
 * bubblewrap).  ph_policy_load() also parses (policy-parse.c): callers
 * that turned the parser guard on read here, drop, then parse.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_PATH; also for builds by hand */
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"		/* ph__dir_check_stat(): the library's rule */
#include "policy.h"
#include "policy-impl.h"

/* The walk: where it is, and where to say what went wrong. */
struct walk {
	const char	*path;		/* the absolute path asked for */
	const char	*next;		/* the rest of it, after `comp` */
	char		 comp[NAME_MAX + 1];	/* the current component */
	char		*err;
	size_t		 errlen;
};

/*
 * Is the directory described by st safe above the policy?  The
 * library's directory rule (ph__dir_check_stat(), src/lib/sockpath.c),
 * the one every porthole program applies to a directory that holds its
 * sockets, here for the owner root (`me` 0, no flags): a real directory,
 * not a symlink; owned by root; not writable by group or others unless
 * sticky (others may then add entries but not replace root's).  The
 * rule gives a writable directory -EACCES; the policy's contract (S53,
 * policy.h) calls every owner or mode that is not trusted -EPERM.
 * `shownlen` bytes of w->path name the directory in the message.
 * Returns 0 or -EPERM / -ENOTDIR / -ELOOP.
 */
static int
check_dir(struct walk *w, const struct stat *st, int shownlen)
{
	const char	*shown = shownlen == 0 ? "/" : w->path;

	if (shownlen == 0)
		shownlen = 1;
	switch (ph__dir_check_stat(st, 0, 0)) {
	case 0:
		return 0;
	case -ELOOP:		/* O_PATH|O_NOFOLLOW gave the link itself */
		ph__seterr(w->err, w->errlen, "%.*s: symbolic link in the "
		    "policy path (refused)", shownlen, shown);
		return -ELOOP;
	case -ENOTDIR:
		ph__seterr(w->err, w->errlen, "%.*s: not a directory",
		    shownlen, shown);
		return -ENOTDIR;
	case -EPERM:
		ph__seterr(w->err, w->errlen, "%.*s: directory owned by uid "
		    "%u, not root", shownlen, shown, (unsigned)st->st_uid);
		return -EPERM;
	default:		/* -EACCES: the mode */
		ph__seterr(w->err, w->errlen, "%.*s: directory writable by "
		    "group or others (mode %04o)", shownlen, shown,
		    (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
}

/*
 * Explain a failed openat(dfd, w->comp), or fstat() of what it opened,
 * for the first `shownlen` bytes of the path: a symlink (-ELOOP,
 * refused anywhere in the path), or the errno e.
 */
static int
open_failed(struct walk *w, int dfd, int e, int shownlen)
{
	struct stat	st;

	if ((e == ELOOP || e == ENOTDIR) &&
	    fstatat(dfd, w->comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		ph__seterr(w->err, w->errlen, "%.*s: symbolic link in the "
		    "policy path (refused)", shownlen, w->path);
		return -ELOOP;
	}
	if (e == ENOTDIR) {
		ph__seterr(w->err, w->errlen, "%.*s: not a directory",
		    shownlen, w->path);
		return -ENOTDIR;
	}
	ph__seterr(w->err, w->errlen, "%.*s: %s", shownlen, w->path,
	    strerror(e));
	return -e;
}

/*
 * The next component of the path, after w->next, into w->comp, with
 * w->next moved past it.  Returns 1 if directories follow, 0 if it is
 * the file's name, or -EINVAL (empty: the path names a directory; "."
 * or "..") or -ENAMETOOLONG, with err filled.
 */
static int
next_comp(struct walk *w)
{
	const char	*s = w->next, *e, *t;
	size_t		 n;

	while (*s == '/')
		s++;
	for (e = s; *e != '\0' && *e != '/'; e++)
		;
	n = (size_t)(e - s);
	for (t = e; *t == '/'; t++)
		;
	if (n == 0 || (*e == '/' && *t == '\0')) {
		ph__seterr(w->err, w->errlen, "%s: names a directory",
		    w->path);
		return -EINVAL;
	}
	if ((n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.')) {
		ph__seterr(w->err, w->errlen, "%s: '.' or '..' in the path",
		    w->path);
		return -EINVAL;
	}
	if (n > NAME_MAX) {
		ph__seterr(w->err, w->errlen, "%s: component too long",
		    w->path);
		return -ENAMETOOLONG;
	}
	memcpy(w->comp, s, n);
	w->comp[n] = '\0';
	w->next = e;
	return *e != '\0';
}

/*
 * One step down: open directory w->comp in dfd (borrowed)
 * O_PATH|O_NOFOLLOW, relative to its checked parent, and check it.  A
 * new O_CLOEXEC fd, or a negative errno with err filled.
 */
static int
walk_down(struct walk *w, int dfd)
{
	struct stat	st;
	int		shownlen = (int)(w->next - w->path), nfd, r;

	nfd = openat(dfd, w->comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (nfd == -1)
		return open_failed(w, dfd, errno, shownlen);
	if (fstat(nfd, &st) == -1) {
		r = open_failed(w, dfd, errno, shownlen);
		ph_fd_close(&nfd);
		return r;
	}
	if ((r = check_dir(w, &st, shownlen)) < 0) {
		ph_fd_close(&nfd);
		return r;
	}
	return nfd;
}

/*
 * The file itself, w->comp in dfd (borrowed): regular (opened
 * O_NONBLOCK so a FIFO cannot block us), owned by root, not writable by
 * group or others, at most POLICY_MAX_BYTES.  A file has no sticky
 * exception, so this is not the directory rule.  A new O_CLOEXEC fd, or
 * a negative errno with err filled.
 */
static int
open_file(struct walk *w, int dfd)
{
	struct stat	 st;
	const char	*path = w->path;
	int		 fd = -1, r;

	if ((r = ph__file_open_at(dfd, w->comp, &st)) < 0)
		return open_failed(w, dfd, -r, (int)strlen(path));
	fd = r;
	if (!S_ISREG(st.st_mode)) {
		ph__seterr(w->err, w->errlen, "%s: not a regular file", path);
		r = -EINVAL;
	} else if (st.st_uid != 0) {
		ph__seterr(w->err, w->errlen, "%s: owned by uid %u, not root",
		    path, (unsigned)st.st_uid);
		r = -EPERM;
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		ph__seterr(w->err, w->errlen, "%s: writable by group or "
		    "others (mode %04o)", path, (unsigned)(st.st_mode & 07777));
		r = -EPERM;
	} else if (st.st_size > POLICY_MAX_BYTES) {
		ph__seterr(w->err, w->errlen, "%s: larger than %d bytes",
		    path, POLICY_MAX_BYTES);
		r = -EFBIG;
	} else
		return fd;
	ph_fd_close(&fd);
	return r;
}

/*
 * Open the policy at the absolute path `path` for reading, checking
 * every directory from / down (S53): each is opened O_PATH|O_NOFOLLOW
 * relative to its parent, so no symlink is followed anywhere and every
 * check is on the object we then use; then the file (open_file()).
 * Returns 0 and *ret_fd (a new O_CLOEXEC fd), or -EINVAL (bad path, not
 * a regular file), -ENAMETOOLONG, -ELOOP (a symlink), -ENOTDIR, -EPERM
 * (owner or mode), -EFBIG, or the open() error; err says which.
 */
static int
open_trusted(const char *path, int *ret_fd, char *err, size_t errlen)
{
	struct walk	w = { .path = path, .next = path, .err = err,
			    .errlen = errlen };
	struct stat	st;
	int		dfd = -1, nfd, r;

	if (path[0] != '/') {
		ph__seterr(err, errlen, "%s: not an absolute path", path);
		return -EINVAL;
	}
	if (strlen(path) >= PATH_MAX) {
		ph__seterr(err, errlen, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	if ((dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(dfd, &st) == -1) {
		r = -errno;
		ph__seterr(err, errlen, "/: %s", strerror(errno));
		goto out;
	}
	if ((r = check_dir(&w, &st, 0)) < 0)
		goto out;
	while ((r = next_comp(&w)) == 1) {
		if ((nfd = walk_down(&w, dfd)) < 0) {
			r = nfd;
			goto out;
		}
		ph_fd_close(&dfd);
		dfd = nfd;
	}
	if (r < 0 || (r = open_file(&w, dfd)) < 0)
		goto out;
	*ret_fd = r;
	r = 0;
 out:
	ph_fd_close(&dfd);
	return r;
}

/*
 * ph_policy_read() - open the policy at `path` through trusted
 * directories (S53) and read its bytes through that fd into *ret,
 * without parsing them: safe to call as root, before a drop (issue 9).
 * Returns 0 and *ret (free with ph_text_free()), or a negative errno
 * with the reason in err: -EPERM (an owner or mode that is not trusted),
 * -ELOOP (a symlink in the path), -EINVAL (a bad path, or not a regular
 * file), -EFBIG, -ENOMEM, or an open/read error.  *ret is written only
 * on success.  Opens and closes its own fds.  Thread-safe.
 */
int
ph_policy_read(const char *path, struct ph_text *ret, char *err,
    size_t errlen)
{
	int	fd = -1, r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || ret == NULL) {
		ph__seterr(err, errlen, "policy: invalid arguments");
		return -EINVAL;
	}
	if ((r = open_trusted(path, &fd, err, errlen)) < 0)
		goto out;
	if ((r = ph__read_all(fd, POLICY_MAX_BYTES, ret)) == -EFBIG)
		ph__seterr(err, errlen, "%s: larger than %d bytes", path,
		    POLICY_MAX_BYTES);
	else if (r < 0)
		ph__seterr(err, errlen, "%s: %s", path, strerror(-r));
 out:
	ph_fd_close(&fd);
	return r;
}

/*
 * ph_policy_read_names() - what a privileged program reads before its
 * drop, parsing nothing (issue 9): ph_policy_read() the policy at `path`
 * (S53) into *pol, then ph_names_read() /etc/passwd and /etc/group (S55)
 * into *pw and *gr.  0, or a negative errno with the reason in err and
 * all three left empty.  Opens and closes its own fds.
 */
int
ph_policy_read_names(const char *path, struct ph_text *pol,
    struct ph_text *pw, struct ph_text *gr, char *err, size_t errlen)
{
	int	r;

	if ((r = ph_policy_read(path, pol, err, errlen)) < 0)
		return r;
	if ((r = ph_names_read(PASSWD_PATH, pw)) < 0 ||
	    (r = ph_names_read(GROUP_PATH, gr)) < 0) {
		ph__seterr(err, errlen, "cannot read %s or %s: %s",
		    PASSWD_PATH, GROUP_PATH, strerror(-r));
		ph_text_free(pol);
		ph_text_free(pw);
		return r;
	}
	return 0;
}

/*
 * ph_policy_load() - ph_policy_read() the policy at `path` (S53),
 * ph_names_read() /etc/passwd and /etc/group (S55), and
 * ph_policy_parse_text() them (S54).  Returns 0 and *ret, or a negative
 * errno with the reason in err: -EPERM (an owner or mode that is not
 * trusted, or the parser guard), -ELOOP (a symlink in the path), -EINVAL
 * (a syntax error as "path:line: what", a bad path, or not a regular
 * file), -EFBIG, -ENOMEM, or an open/read error.  *ret is written only
 * on success, so a daemon reloading keeps its previous policy on any
 * error (S54).  Opens and closes its own fds.  Thread-safe.
 */
int
ph_policy_load(const char *path, struct ph_policy **ret, char *err,
    size_t errlen)
{
	struct ph_text	pol = { NULL, 0 }, pw = { NULL, 0 }, gr = { NULL, 0 };
	int		r;

	if ((r = ph_policy_read(path, &pol, err, errlen)) < 0)
		goto out;
	if ((r = ph_names_read(PASSWD_PATH, &pw)) < 0 ||
	    (r = ph_names_read(GROUP_PATH, &gr)) < 0) {
		ph__seterr(err, errlen, "%s: cannot read %s or %s: %s", path,
		    PASSWD_PATH, GROUP_PATH, strerror(-r));
		goto out;
	}
	r = ph_policy_parse_text(path, &pol, &pw, &gr, ret, err, errlen);
 out:
	ph_text_free(&pol);
	ph_text_free(&pw);
	ph_text_free(&gr);
	return r;
}
