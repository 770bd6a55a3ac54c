/* SPDX-License-Identifier: ISC */
/*
 * names.c - user and group names for the broker's policy: /etc/passwd
 * and /etc/group read as bytes and parsed directly, never through NSS
 * (S55): getpwnam/getgrnam are never called, so no NSS module, locale
 * or dlopen (S3) runs in a privileged program.  Also what the policy's
 * reader shares with this one (ph__file_open_at(), ph__read_all()) and
 * the parser guard that every parser of the broker obeys.
 *
 * Runs as: reading (ph_names_read()): root, in porthole-helper and
 * portholed before they drop; parsing: never root in those two, which
 * turn the parser guard on (below), so the parsers refuse to run while
 * any of their uids is 0 (issue 9: "no parser runs with euid 0";
 * S12-S14); `porthole check` and the tests leave the guard off.
 * Reading and parsing are separate steps (ssh-keysign, bubblewrap): the
 * read side only opens, checks and copies; it never looks inside.
 * Everything is bounded (S84): a file is at most 8 MiB.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* reallocarray(); also for builds by hand */
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "private.h"
#include "names.h"

#define NAMES_MAX_BYTES		(8 * 1024 * 1024)	/* passwd, group */
#define BAD_ID			0xffffffffUL	/* (uid_t)-1, (gid_t)-1 */

/* uid_t and gid_t are 32-bit on Linux; the id parsing relies on it. */
_Static_assert(sizeof(uid_t) == 4 && sizeof(gid_t) == 4, "32-bit ids");

struct name_ent {
	char		name[PH_NAME_MAXLEN + 1];
	uint32_t	id;
	uint32_t	gid;		/* passwd: the primary gid; group: id */
	size_t		seq;		/* line order: the first entry wins */
};

struct name_tab {
	struct name_ent	*ent;
	size_t		 n, cap;
};

struct ph_names {
	struct name_tab	users;
	struct name_tab	groups;
};

/* ------------------------------------------------------------------ */
/* The parser guard (issue 9; S12-S14)                                 */
/* ------------------------------------------------------------------ */

/*
 * Set once by a privileged program and never cleared: a one-way switch,
 * so no later bug can turn it off by accident.  sig_atomic_t: plain
 * stores and loads, nothing to tear.
 */
static volatile sig_atomic_t	parser_guard;

/*
 * ph_parser_guard_on() - from now on, every parser of the broker (and
 * every caller of ph_parser_guard_check()) refuses to run while the real,
 * effective or saved uid is 0.  Not only the effective one: a process
 * that can setresuid() back to root is root for an exploit's purposes
 * (S12).  portholed and porthole-helper call it first thing after
 * sanitising; `porthole check`, the fuzzers and the unit tests do not.
 * Irrevocable.  Async-signal-safe.
 */
void
ph_parser_guard_on(void)
{
	parser_guard = 1;
}

/*
 * ph_parser_guard_check() - 0 if a parser may run now: the guard is off,
 * or no uid of the process is 0; else -EPERM, also when the ids cannot
 * be read (fail closed).  Thread-safe.
 */
int
ph_parser_guard_check(void)
{
	uid_t	ru, eu, su;

	if (!parser_guard)
		return 0;
	if (getresuid(&ru, &eu, &su) == -1)
		return -EPERM;
	if (ru == 0 || eu == 0 || su == 0)
		return -EPERM;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Bytes from a file, parsing nothing                                  */
/* ------------------------------------------------------------------ */

/* ph_text_free() - free t->buf and empty *t; NULL is fine. */
void
ph_text_free(struct ph_text *t)
{
	if (t == NULL)
		return;
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
}

/*
 * ph__file_open_at() - open `name` at dfd (borrowed; AT_FDCWD for a
 * path) for reading: O_NOFOLLOW, so no symlink is followed; O_NONBLOCK,
 * so a FIFO opens at once and the caller's fstat() test refuses it;
 * O_NOCTTY.  Fills *ret_st from the fd, so every check is on the object
 * then read.  Returns a new O_CLOEXEC fd or a negative errno.
 */
int
ph__file_open_at(int dfd, const char *name, struct stat *ret_st)
{
	int	fd, r;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fstat(fd, ret_st) == -1) {
		r = -errno;
		ph_fd_close(&fd);
		return r;
	}
	return fd;
}

/*
 * ph__read_all() - read all of fd (borrowed) into *ret, a new malloc'd
 * buffer, at most `max` bytes.  Returns 0 with *ret (free with
 * ph_text_free()), -EFBIG if there is more, -ENOMEM, or the read()
 * error; *ret is written only on success.
 */
int
ph__read_all(int fd, size_t max, struct ph_text *ret)
{
	char	*buf = NULL, *nb;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 r;

	for (;;) {
		if (len == cap) {
			if (cap > max) {	/* got max + 1: too big */
				r = -EFBIG;
				goto out;
			}
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > max + 1)
				cap = max + 1;
			if ((nb = realloc(buf, cap)) == NULL) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = -EFBIG;
			goto out;
		}
	}
	ret->buf = buf;
	ret->len = len;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	return r;
}

/*
 * ph_names_read() - read the passwd(5) or group(5) file at `path` into
 * *ret without parsing it: no symlink followed, no waiting on a FIFO
 * (O_NONBLOCK), regular files only, at most NAMES_MAX_BYTES.  Safe to
 * call as root, before a drop: it only copies bytes (issue 9).  Returns
 * 0 and *ret (free with ph_text_free()), or a negative errno from
 * open/read, -EINVAL (not a regular file), -EFBIG (too big), -ENOMEM;
 * *ret is written only on success.  Opens and closes its own fd.
 */
int
ph_names_read(const char *path, struct ph_text *ret)
{
	struct stat	st;
	int		fd = -1, r;

	if (path == NULL || ret == NULL)
		return -EINVAL;
	if ((r = ph__file_open_at(AT_FDCWD, path, &st)) < 0)
		return r;
	fd = r;
	if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = ph__read_all(fd, NAMES_MAX_BYTES, ret);
	ph_fd_close(&fd);
	return r;
}

/* ------------------------------------------------------------------ */
/* Parsing passwd and group                                            */
/* ------------------------------------------------------------------ */

/*
 * ph_names_valid() - a user or group name as useradd(8) makes them:
 * [a-z_][a-z0-9_-]*[$]?, 1..32 bytes.  Pure ASCII tests: no locale (S3).
 * A name can therefore never be all digits, so a token is a number or a
 * name, never both (S54: "a user name that is numeric").
 */
int
ph_names_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > PH_NAME_MAXLEN)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-')
			continue;
		if (s[i] == '$' && i == len - 1)
			continue;
		return 0;
	}
	return 1;
}

/*
 * ph__append() - append the `size` bytes at elem to the array *arrp of
 * *n elements, room for *cap, growing it by doubling (`first` elements
 * the first time).  0, or -ENOMEM with the array as it was.  Shared with
 * the policy's parser.
 */
int
ph__append(void **arrp, size_t *n, size_t *cap, const void *elem,
    size_t size, size_t first)
{
	void	*na;
	size_t	 ncap;

	if (*n == *cap) {
		ncap = *cap == 0 ? first : *cap * 2;
		if ((na = reallocarray(*arrp, ncap, size)) == NULL)
			return -ENOMEM;
		*arrp = na;
		*cap = ncap;
	}
	memcpy((char *)*arrp + *n * size, elem, size);
	(*n)++;
	return 0;
}

/* qsort() order: by name, then by line, so the first entry sorts first. */
static int
ent_cmp(const void *a, const void *b)
{
	const struct name_ent	*x = a, *y = b;
	int			 c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Append one entry; -ENOMEM. */
static int
tab_add(struct name_tab *t, const char *name, size_t nlen, uint32_t id,
    uint32_t gid)
{
	struct name_ent	 e;
	void		*v = t->ent;
	int		 r;

	memset(&e, 0, sizeof(e));
	memcpy(e.name, name, nlen);
	e.id = id;
	e.gid = gid;
	e.seq = t->n;
	r = ph__append(&v, &t->n, &t->cap, &e, sizeof(e), 64);
	t->ent = v;
	return r;
}

/*
 * Sort for bsearch() and drop later duplicates of a name: the files
 * backend of getpwnam() returns the first match, and so do we.
 */
static void
tab_finish(struct name_tab *t)
{
	size_t	i, o;

	if (t->n == 0)
		return;
	qsort(t->ent, t->n, sizeof(*t->ent), ent_cmp);
	for (i = 1, o = 1; i < t->n; i++)
		if (strcmp(t->ent[i].name, t->ent[o - 1].name) != 0)
			t->ent[o++] = t->ent[i];
	t->n = o;
}

/*
 * Split one line of ll bytes on ':' into exactly nfields fields (f,
 * flen: room for 8).  0 if the count is not exactly nfields.
 */
static int
split_fields(const char *line, size_t ll, int nfields, const char **f,
    size_t *flen)
{
	size_t	i;
	int	nf = 0;

	f[0] = line;
	for (i = 0; i <= ll && nf < 8; i++)
		if (i == ll || line[i] == ':') {
			flen[nf] = (size_t)(line + i - f[nf]);
			nf++;
			if (nf < 8 && i < ll)
				f[nf] = line + i + 1;
		}
	return nf == nfields && i > ll;
}

/*
 * Parse passwd (nfields 7, id in field 2) or group (nfields 4, id in
 * field 2) text into t.  A line that is not exactly well formed is
 * skipped, not guessed at: NIS "+"/"-" lines, a wrong field count, a
 * name of another shape (such users can still be named by number), an
 * id that is not strict decimal, or (uid_t)-1 (S37).  In passwd the gid
 * field must be valid too.  Returns 0 or -ENOMEM.
 */
static int
tab_parse(struct name_tab *t, const char *buf, size_t len, int nfields)
{
	const char	*line, *end, *f[8];
	size_t		 flen[8], pos = 0, ll;
	unsigned long	 id, gid = 0;
	int		 r;

	while (pos < len) {
		line = buf + pos;
		end = memchr(line, '\n', len - pos);
		ll = end ? (size_t)(end - line) : len - pos;
		pos += ll + 1;
		if (ll == 0 || line[0] == '+' || line[0] == '-')
			continue;
		if (!split_fields(line, ll, nfields, f, flen))
			continue;
		if (!ph_names_valid(f[0], flen[0]))
			continue;
		if (ph__parse_uint(f[2], flen[2], 0, BAD_ID - 1, &id) < 0)
			continue;
		if (nfields == 7 && ph__parse_uint(f[3], flen[3], 0,
		    BAD_ID - 1, &gid) < 0)
			continue;
		if ((r = tab_add(t, f[0], flen[0], (uint32_t)id,
		    nfields == 7 ? (uint32_t)gid : (uint32_t)id)) < 0)
			return r;
	}
	tab_finish(t);
	return 0;
}

/* 0 if the parser guard allows parsing and the text t is well formed. */
static int
text_ok(const struct ph_text *t)
{
	int	r;

	if ((r = ph_parser_guard_check()) < 0)
		return r;			/* issue 9: never as root */
	if (t == NULL || (t->buf == NULL && t->len > 0))
		return -EINVAL;
	return 0;
}

/*
 * ph_names_parse() - parse the bytes of a passwd(5) and a group(5) file
 * (as ph_names_read() gave them) into a new names table.  Refuses with
 * -EPERM while the parser guard forbids it (root: issue 9).  Returns 0
 * and *ret (free with ph_names_free()), -EINVAL (NULL arguments), -EPERM
 * or -ENOMEM; *ret is written only on success.  Thread-safe.
 */
int
ph_names_parse(const struct ph_text *passwd, const struct ph_text *group,
    struct ph_names **ret)
{
	struct ph_names	*n = NULL;
	int		 r;

	if ((r = text_ok(passwd)) < 0)
		return r;
	if ((r = text_ok(group)) < 0 || ret == NULL)
		return r < 0 ? r : -EINVAL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -ENOMEM;
	if ((r = tab_parse(&n->users, passwd->buf, passwd->len, 7)) < 0 ||
	    (r = tab_parse(&n->groups, group->buf, group->len, 4)) < 0)
		goto out;
	*ret = n;
	n = NULL;
	r = 0;
 out:
	ph_names_free(n);
	return r;
}

/*
 * ph_names_load() - read a passwd(5) and a group(5) file (paths given;
 * the daemon passes /etc/passwd and /etc/group) into a new names table:
 * ph_names_read() twice, then ph_names_parse().  Never uses NSS (S55).
 * Returns 0 and *ret (free with ph_names_free()), or a negative errno
 * from open/read, -EINVAL (not a regular file), -EFBIG (over 8 MiB),
 * -EPERM (the parser guard, as root) or -ENOMEM; *ret is written only
 * on success.  Opens and closes its own fds.  Thread-safe.
 */
int
ph_names_load(const char *passwd, const char *group, struct ph_names **ret)
{
	struct ph_text	pw = { NULL, 0 }, gr = { NULL, 0 };
	int		r;

	if (passwd == NULL || group == NULL || ret == NULL)
		return -EINVAL;
	if ((r = ph_names_read(passwd, &pw)) < 0 ||
	    (r = ph_names_read(group, &gr)) < 0)
		goto out;
	r = ph_names_parse(&pw, &gr, ret);
 out:
	ph_text_free(&pw);
	ph_text_free(&gr);
	return r;
}

/* ph_names_free() - free a names table; NULL is fine. */
void
ph_names_free(struct ph_names *n)
{
	if (n == NULL)
		return;
	free(n->users.ent);
	free(n->groups.ent);
	free(n);
}

/* ------------------------------------------------------------------ */
/* Looking names up                                                    */
/* ------------------------------------------------------------------ */

/* bsearch() a sorted table for `name`; 0 and its entry, or -ENOENT. */
static int
tab_find_ent(const struct name_tab *t, const char *name,
    const struct name_ent **ret)
{
	size_t	lo = 0, hi = t->n, mid;
	int	c;

	if (name == NULL)
		return -ENOENT;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, t->ent[mid].name);
		if (c == 0) {
			*ret = &t->ent[mid];
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

/*
 * ph_names_uid() - the uid of user `name`: 0 and *ret, or -ENOENT (no
 * such user, or n is NULL).  *ret is written only on success.  Read-only
 * on n, so thread-safe.
 */
int
ph_names_uid(const struct ph_names *n, const char *name, uid_t *ret)
{
	gid_t	gid;

	return ph_names_user(n, name, ret, &gid);
}

/* ph_names_gid() - as ph_names_uid(), for groups. */
int
ph_names_gid(const struct ph_names *n, const char *name, gid_t *ret)
{
	const struct name_ent	*e;

	if (n == NULL || tab_find_ent(&n->groups, name, &e) < 0)
		return -ENOENT;
	*ret = (gid_t)e->id;
	return 0;
}

/*
 * ph_names_user_gid() - the primary gid (passwd's fourth field, strict
 * decimal, never (gid_t)-1) of user `name`, from the same line as
 * ph_names_uid() uses: 0 and *ret, or -ENOENT.  *ret is written only on
 * success.  Thread-safe.
 */
int
ph_names_user_gid(const struct ph_names *n, const char *name, gid_t *ret)
{
	uid_t	uid;

	return ph_names_user(n, name, &uid, ret);
}

/*
 * ph_names_user() - the uid and the primary gid of user `name`, both
 * from its first passwd line: 0 with *ret_uid and *ret_gid, or -ENOENT
 * (no such user, or n is NULL); outputs written only on success.
 * Thread-safe.
 */
int
ph_names_user(const struct ph_names *n, const char *name, uid_t *ret_uid,
    gid_t *ret_gid)
{
	const struct name_ent	*e;

	if (n == NULL || tab_find_ent(&n->users, name, &e) < 0)
		return -ENOENT;
	*ret_uid = (uid_t)e->id;
	*ret_gid = (gid_t)e->gid;
	return 0;
}

/*
 * ph_names_user_ids() - the uid and primary gid of user `name` from the
 * bytes of a passwd(5) file (ph_names_read()), for a program that needs
 * one user's ids and nothing else (portholed --user): the passwd half of
 * ph_names_parse(), then ph_names_user().  Refuses with -EPERM while the
 * parser guard forbids it.  Returns 0 with *ret_uid and *ret_gid (never
 * (uid_t)-1 or (gid_t)-1, S37), -ENOENT, -EINVAL, -EPERM or -ENOMEM;
 * outputs written only on success.  Thread-safe.
 */
int
ph_names_user_ids(const struct ph_text *passwd, const char *name,
    uid_t *ret_uid, gid_t *ret_gid)
{
	struct ph_names	n;
	int		r;

	if ((r = text_ok(passwd)) < 0)
		return r;
	if (name == NULL || ret_uid == NULL || ret_gid == NULL)
		return -EINVAL;
	memset(&n, 0, sizeof(n));
	if ((r = tab_parse(&n.users, passwd->buf, passwd->len, 7)) == 0)
		r = ph_names_user(&n, name, ret_uid, ret_gid);
	free(n.users.ent);
	return r;
}
