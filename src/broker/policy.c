/* SPDX-License-Identifier: ISC */
/*
 * policy.c - the broker's policy file: trust checks on the file and every
 * directory above it (S53), a strict line grammar that rejects the whole
 * file on any error (S54), user and group names resolved from
 * /etc/passwd and /etc/group read directly, never through NSS (S55), and
 * the deny-by-default evaluator (S19, S37).  See policy.h for the grammar
 * and porthole.policy(5) for what it means to an administrator.
 *
 * Runs as: reading (ph_policy_read(), ph_names_read()): root, in
 * porthole-helper and portholed before they drop; parsing and evaluating:
 * never root in those two, which turn the parser guard on (below), so
 * the parsers here refuse to run while any of their uids is 0 (issue 9:
 * "no parser runs with euid 0"; S12-S14); `porthole check` and the tests
 * leave the guard off.  Hence libc only: no NSS (getpwnam/getgrnam are
 * never called), no locale, no dlopen (S3, S55).  Everything is bounded
 * (S84): the file is at most 1 MiB, a line at most 4096 bytes, at most
 * 100000 rules.
 *
 * Decisions worth knowing:
 *   - A carriage return anywhere is a syntax error: whitespace is only
 *     space and tab, and a file edited with DOS line endings should be
 *     fixed, not half-understood.
 *   - `#` starts a comment only at the start of a token (at the start of
 *     a line or after whitespace).  A `#` inside a token makes the token
 *     invalid, so "tcp:80#x" is an error rather than silently "tcp:80".
 *   - A name whose id is 65534, the kernel's default overflow uid/gid
 *     ("nobody", "nogroup"), is refused (S35): unmapped users of a user
 *     namespace appear as 65534.  Writing the number 65534 is the
 *     explicit form and is accepted.
 *   - (uid_t)-1 and (gid_t)-1 can never appear in a rule (S37), and a
 *     requester with either is denied everything.
 *   - Reading and parsing are separate steps (ssh-keysign, bubblewrap):
 *     a privileged program reads the bytes with the privilege it needs
 *     to reach them, gives that privilege up, and only then parses.  The
 *     read side only opens, checks and copies; it never looks inside.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_PATH, reallocarray(); also for builds by hand */
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grant.h"
#include "policy.h"

#define POLICY_MAX_BYTES	(1024 * 1024)	/* S84 */
#define POLICY_MAX_LINE		4096		/* bytes, newline excluded */
#define POLICY_MAX_RULES	100000
#define NAMES_MAX_BYTES		(8 * 1024 * 1024)	/* passwd, group */
#define NAME_MAXLEN		32		/* useradd's limit */
#define OVERFLOW_ID		65534u		/* S35: kernel default */
#define BAD_ID			0xffffffffUL	/* (uid_t)-1, (gid_t)-1 */
#define QUOTE_MAX		48		/* bytes of a token in errors */
#define PASSWD_PATH		"/etc/passwd"
#define GROUP_PATH		"/etc/group"

/* uid_t and gid_t are 32-bit on Linux; the id parsing relies on it. */
_Static_assert(sizeof(uid_t) == 4 && sizeof(gid_t) == 4, "32-bit ids");

enum { SUBJ_USER = 1, SUBJ_GROUP = 2 };

struct name_ent {
	char		name[NAME_MAXLEN + 1];
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

struct rule {
	int		line;
	int		subj;			/* SUBJ_USER, SUBJ_GROUP */
	uint32_t	id;			/* uid or gid */
	char		text[NAME_MAXLEN + 1];	/* the subject as written */
	size_t		g0, ng;			/* its grants in p->grants */
};

struct ph_policy {
	char		*file;
	struct rule	*rules;
	size_t		 nrules, rcap;
	struct ph_grant	*grants;
	size_t		 ngrants, gcap;
	int		 needs_raw;
	int		 stand_in;	/* PH_POLICY_FOR_*: no valid policy */
};

/* Parser state for one ph_policy_parse() call. */
struct parser {
	const char		*fname;
	int			 line;
	char			*err;
	size_t			 errlen;
	const struct ph_names	*names;
	struct ph_policy	*p;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Close *fdp if open and set it to -1; preserves errno. */
static void
fd_close(int *fdp)
{
	int	saved_errno = errno;

	if (*fdp >= 0)
		(void)close(*fdp);	/* Linux frees the fd even on EINTR */
	*fdp = -1;
	errno = saved_errno;
}

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
 * ph_parser_guard_on() - from now on, every parser in this file (and
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
 * Write a formatted message to err (NUL-terminated when errlen > 0;
 * silently truncated).  Never fails.
 */
static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Copy up to QUOTE_MAX bytes of a token into out (size >= 4 * QUOTE_MAX
 * + 4) for an error message: printable ASCII as is, anything else as
 * \xNN, so that a hostile byte never reaches a log unescaped.
 */
static const char *
quote(char *out, size_t outlen, const char *s, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i, o = 0;

	for (i = 0; i < len && i < QUOTE_MAX && o + 5 < outlen; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < len && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* Is s[0..len) exactly the C string w? */
static int
tokeq(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

/*
 * A user or group name as useradd(8) makes them: [a-z_][a-z0-9_-]*[$]?,
 * 1..32 bytes.  Pure ASCII tests: no locale (S3).  A name can therefore
 * never be all digits, so a token is a number or a name, never both
 * (S54: "a user name that is numeric").
 */
static int
name_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > NAME_MAXLEN)
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
 * Read all of fd (borrowed) into a new malloc'd buffer, at most `max`
 * bytes.  Returns 0 with *ret_buf (to free()) and *ret_len, -EFBIG if
 * there is more, or the read() error.
 */
static int
read_all(int fd, size_t max, char **ret_buf, size_t *ret_len)
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
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	return r;
}

/* ------------------------------------------------------------------ */
/* Names: /etc/passwd and /etc/group read directly (S55)              */
/* ------------------------------------------------------------------ */

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
	struct name_ent	*ne;
	size_t		 ncap;

	if (t->n == t->cap) {
		ncap = t->cap == 0 ? 64 : t->cap * 2;
		if ((ne = reallocarray(t->ent, ncap, sizeof(*ne))) == NULL)
			return -ENOMEM;
		t->ent = ne;
		t->cap = ncap;
	}
	memcpy(t->ent[t->n].name, name, nlen);
	t->ent[t->n].name[nlen] = '\0';
	t->ent[t->n].id = id;
	t->ent[t->n].gid = gid;
	t->ent[t->n].seq = t->n;
	t->n++;
	return 0;
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
	size_t		 flen[8], pos = 0, ll, i;
	unsigned long	 id, gid = 0;
	int		 nf, r;

	while (pos < len) {
		line = buf + pos;
		end = memchr(line, '\n', len - pos);
		ll = end ? (size_t)(end - line) : len - pos;
		pos += ll + 1;
		if (ll == 0 || line[0] == '+' || line[0] == '-')
			continue;
		/* Split on ':' into at most 8 fields. */
		nf = 0;
		f[0] = line;
		for (i = 0; i <= ll && nf < 8; i++)
			if (i == ll || line[i] == ':') {
				flen[nf] = (size_t)(line + i - f[nf]);
				nf++;
				if (nf < 8 && i < ll)
					f[nf] = line + i + 1;
			}
		if (nf != nfields || i <= ll)
			continue;
		if (!name_ok(f[0], flen[0]))
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
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	int		 fd = -1, r;

	if (path == NULL || ret == NULL)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1) {
		r = -errno;
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((r = read_all(fd, NAMES_MAX_BYTES, &buf, &len)) < 0)
		goto out;
	ret->buf = buf;
	ret->len = len;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	fd_close(&fd);
	return r;
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

	if ((r = ph_parser_guard_check()) < 0)
		return r;			/* issue 9: never as root */
	if (passwd == NULL || group == NULL || ret == NULL ||
	    (passwd->buf == NULL && passwd->len > 0) ||
	    (group->buf == NULL && group->len > 0))
		return -EINVAL;
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

/* bsearch() a sorted table for `name`; 0 and its entry, or -ENOENT. */
static int
tab_find_ent(const struct name_tab *t, const char *name,
    const struct name_ent **ret)
{
	size_t	lo = 0, hi = t->n, mid;
	int	c;

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

/* tab_find_ent() for the id only. */
static int
tab_find(const struct name_tab *t, const char *name, uint32_t *ret)
{
	const struct name_ent	*e;

	if (tab_find_ent(t, name, &e) < 0)
		return -ENOENT;
	*ret = e->id;
	return 0;
}

/*
 * ph_names_uid() - the uid of user `name`: 0 and *ret, or -ENOENT (no
 * such user, or n is NULL).  *ret is written only on success.  Read-only
 * on n, so thread-safe.
 */
int
ph_names_uid(const struct ph_names *n, const char *name, uid_t *ret)
{
	uint32_t	id;

	if (n == NULL || name == NULL || tab_find(&n->users, name, &id) < 0)
		return -ENOENT;
	*ret = (uid_t)id;
	return 0;
}

/* ph_names_gid() - as ph_names_uid(), for groups. */
int
ph_names_gid(const struct ph_names *n, const char *name, gid_t *ret)
{
	uint32_t	id;

	if (n == NULL || name == NULL || tab_find(&n->groups, name, &id) < 0)
		return -ENOENT;
	*ret = (gid_t)id;
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
	const struct name_ent	*e;

	if (n == NULL || name == NULL || tab_find_ent(&n->users, name, &e) < 0)
		return -ENOENT;
	*ret = (gid_t)e->gid;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parsing (S54)                                                      */
/* ------------------------------------------------------------------ */

/*
 * A syntax error at the current line: "fname:line: what".  Returns
 * -EINVAL so that callers can `return synerr(...)`.
 */
static int __attribute__((format(printf, 2, 3)))
synerr(struct parser *ps, const char *fmt, ...)
{
	char	what[512];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	seterr(ps->err, ps->errlen, "%s:%d: %s", ps->fname, ps->line, what);
	return -EINVAL;
}

/*
 * The next whitespace-separated token of s[*pos..len), or 0 at the end
 * of the line or at a comment: `#` at the start of a token.  Whitespace
 * is space and tab only.
 */
static int
next_token(const char *s, size_t len, size_t *pos, const char **ret_tok,
    size_t *ret_len)
{
	size_t	i = *pos, start;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] == '#') {
		*pos = len;
		return 0;
	}
	start = i;
	while (i < len && s[i] != ' ' && s[i] != '\t')
		i++;
	*ret_tok = s + start;
	*ret_len = i - start;
	*pos = i;
	return 1;
}

/*
 * The subject of a rule: a strict decimal id (S11, S37) or a name of
 * the useradd shape that the names table knows (S55).  Fills the rule's
 * id and text, or returns a syntax error.
 */
static int
parse_subject(struct parser *ps, int subj, const char *s, size_t len,
    struct rule *ru)
{
	const char	*what = subj == SUBJ_USER ? "user" : "group";
	const char	*idw = subj == SUBJ_USER ? "uid" : "gid";
	char		 q[4 * QUOTE_MAX + 8], name[NAME_MAXLEN + 1];
	unsigned long	 v;
	uid_t		 uid;
	gid_t		 gid;
	int		 r;

	if (s[0] >= '0' && s[0] <= '9') {
		/* No sign, no leading zero, no hex, at most 10 digits. */
		if (ph__parse_uint(s, len, 0, BAD_ID, &v) < 0)
			return synerr(ps, "invalid %s '%s'", idw,
			    quote(q, sizeof(q), s, len));
		if (v == BAD_ID)	/* "unchanged" to set*id() (S37) */
			return synerr(ps, "%s %lu is (%s_t)-1, which is never "
			    "granted", idw, v, idw);
		/* The number is canonical text already (no leading 0). */
		memcpy(ru->text, s, len);
		ru->text[len] = '\0';
		ru->id = (uint32_t)v;
		return 0;
	}
	if (!name_ok(s, len))
		return synerr(ps, "invalid %s name or %s '%s'", what, idw,
		    quote(q, sizeof(q), s, len));
	memcpy(name, s, len);
	name[len] = '\0';
	if (subj == SUBJ_USER) {
		r = ph_names_uid(ps->names, name, &uid);
		v = r == 0 ? (unsigned long)uid : 0;
	} else {
		r = ph_names_gid(ps->names, name, &gid);
		v = r == 0 ? (unsigned long)gid : 0;
	}
	if (r < 0)
		return synerr(ps, "unknown %s '%s'", what, name);
	/*
	 * S35: unmapped users of a user namespace appear as 65534.  A name
	 * such as "nobody" is an easy mistake; the number is explicit.
	 */
	if (v == OVERFLOW_ID)
		return synerr(ps, "%s '%s' has %s %u, the overflow id; write "
		    "%u to grant it on purpose", what, name, idw,
		    OVERFLOW_ID, OVERFLOW_ID);
	memcpy(ru->text, name, len + 1);
	ru->id = (uint32_t)v;
	return 0;
}

/* Append a grant to p; -ENOMEM.  The count is bounded by the file size. */
static int
add_grant(struct ph_policy *p, const struct ph_grant *g)
{
	struct ph_grant	*ng;
	size_t		 ncap;

	if (p->ngrants == p->gcap) {
		ncap = p->gcap == 0 ? 16 : p->gcap * 2;
		if ((ng = reallocarray(p->grants, ncap, sizeof(*ng))) == NULL)
			return -ENOMEM;
		p->grants = ng;
		p->gcap = ncap;
	}
	p->grants[p->ngrants++] = *g;
	if (g->kind == PH_GRANT_RAW4 || g->kind == PH_GRANT_RAW6 ||
	    g->kind == PH_GRANT_PACKET)
		p->needs_raw = 1;
	return 0;
}

/* Append a rule to p; -ENOMEM.  The caller checks POLICY_MAX_RULES. */
static int
add_rule(struct ph_policy *p, const struct rule *ru)
{
	struct rule	*nr;
	size_t		 ncap;

	if (p->nrules == p->rcap) {
		ncap = p->rcap == 0 ? 16 : p->rcap * 2;
		if ((nr = reallocarray(p->rules, ncap, sizeof(*nr))) == NULL)
			return -ENOMEM;
		p->rules = nr;
		p->rcap = ncap;
	}
	p->rules[p->nrules++] = *ru;
	return 0;
}

/*
 * One line, without its newline:
 *   allow (user|group) SUBJECT GRANT [GRANT...]
 * or blank, or a comment.  Returns 0, -EINVAL (err filled) or -ENOMEM.
 */
static int
parse_line(struct parser *ps, const char *s, size_t len)
{
	struct ph_policy	*p = ps->p;
	struct ph_grant		 g;
	struct rule		 ru;
	const char		*t;
	char			 q[4 * QUOTE_MAX + 8];
	size_t			 tl, pos = 0;
	int			 r;

	if (len > POLICY_MAX_LINE)
		return synerr(ps, "line longer than %d bytes",
		    POLICY_MAX_LINE);
	if (memchr(s, '\0', len) != NULL)
		return synerr(ps, "NUL byte in line");
	if (memchr(s, '\r', len) != NULL)
		return synerr(ps, "carriage return in line (DOS line "
		    "endings are not accepted)");

	if (!next_token(s, len, &pos, &t, &tl))
		return 0;			/* blank or comment */
	if (!tokeq(t, tl, "allow"))
		return synerr(ps, "unknown keyword '%s' (expected 'allow')",
		    quote(q, sizeof(q), t, tl));

	memset(&ru, 0, sizeof(ru));
	ru.line = ps->line;
	if (!next_token(s, len, &pos, &t, &tl))
		return synerr(ps, "'allow' needs 'user' or 'group'");
	if (tokeq(t, tl, "user"))
		ru.subj = SUBJ_USER;
	else if (tokeq(t, tl, "group"))
		ru.subj = SUBJ_GROUP;
	else
		return synerr(ps, "unknown keyword '%s' (expected 'user' or "
		    "'group')", quote(q, sizeof(q), t, tl));

	if (!next_token(s, len, &pos, &t, &tl))
		return synerr(ps, "'allow %s' needs a name or %s",
		    ru.subj == SUBJ_USER ? "user" : "group",
		    ru.subj == SUBJ_USER ? "uid" : "gid");
	if ((r = parse_subject(ps, ru.subj, t, tl, &ru)) < 0)
		return r;

	if (p->nrules >= POLICY_MAX_RULES)	/* S84 */
		return synerr(ps, "more than %d rules", POLICY_MAX_RULES);
	ru.g0 = p->ngrants;
	while (next_token(s, len, &pos, &t, &tl)) {
		/* Ranges allowed; numbers strict; port 0 refused (S54). */
		if (ph__grant_parse(t, tl, PH_GRANT_RANGE, &g) < 0)
			return synerr(ps, "invalid grant '%s'",
			    quote(q, sizeof(q), t, tl));
		if ((r = add_grant(p, &g)) < 0)
			return r;
	}
	ru.ng = p->ngrants - ru.g0;
	if (ru.ng == 0)
		return synerr(ps, "rule for %s '%s' grants nothing",
		    ru.subj == SUBJ_USER ? "user" : "group", ru.text);
	return add_rule(p, &ru);
}

/*
 * ph_policy_parse() - parse a whole policy from buf[0..len) (not
 * NUL-terminated; a NUL byte is an error).  `fname` names it in error
 * messages ("-" if NULL); `names` resolves user and group names (NULL:
 * numbers only).  Returns 0 and *ret (free with ph_policy_free());
 * -EINVAL on any syntax error, with "fname:line: what" in err, and
 * nothing granted (S54); -EFBIG over 1 MiB; -ENOMEM.  err is always
 * NUL-terminated when errlen > 0 (empty on success).  *ret is written
 * only on success, and ph_policy_file() of the result is "-".
 * Pure but for allocation; thread-safe; fuzzed (fuzz/fuzz-policy.c).
 */
int
ph_policy_parse(const char *buf, size_t len, const char *fname,
    const struct ph_names *names, struct ph_policy **ret, char *err,
    size_t errlen)
{
	struct ph_policy	*p = NULL;
	struct parser		 ps;
	const char		*line, *nl;
	size_t			 pos = 0, ll;
	int			 r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (fname == NULL)
		fname = "-";
	/* Issue 9: never as root in portholed or porthole-helper. */
	if ((r = ph_parser_guard_check()) < 0) {
		seterr(err, errlen, "%s: refusing to parse as root (the "
		    "privileges must be dropped first)", fname);
		return r;
	}
	memset(&ps, 0, sizeof(ps));
	if (ret == NULL || (buf == NULL && len > 0)) {
		seterr(err, errlen, "%s: invalid arguments", fname);
		return -EINVAL;
	}
	if (len > POLICY_MAX_BYTES) {		/* S84 */
		seterr(err, errlen, "%s: larger than %d bytes", fname,
		    POLICY_MAX_BYTES);
		return -EFBIG;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->file = strdup("-")) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	ps.fname = fname;
	ps.err = err;
	ps.errlen = errlen;
	ps.names = names;
	ps.p = p;
	while (pos < len) {
		ps.line++;
		line = buf + pos;
		nl = memchr(line, '\n', len - pos);
		ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl != NULL);
		if ((r = parse_line(&ps, line, ll)) < 0)
			goto out;
	}
	*ret = p;
	p = NULL;
	r = 0;
 out:
	if (r == -ENOMEM)
		seterr(err, errlen, "%s:%d: out of memory", fname, ps.line);
	ph_policy_free(p);
	return r;
}

/* ph_policy_free() - free a policy; NULL is fine. */
void
ph_policy_free(struct ph_policy *p)
{
	if (p == NULL)
		return;
	free(p->file);
	free(p->rules);
	free(p->grants);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Loading: file trust (S53)                                          */
/* ------------------------------------------------------------------ */

/*
 * Is the directory described by st safe above the policy?  Owned by
 * root, and not writable by group or others unless sticky (others may
 * then add entries but not replace root's).  `shown` is the path up to
 * this directory, for the message.  Returns 0 or -EPERM / -ENOTDIR.
 */
static int
check_dir(const struct stat *st, const char *shown, int shownlen, char *err,
    size_t errlen)
{
	if (!S_ISDIR(st->st_mode)) {
		seterr(err, errlen, "%.*s: not a directory", shownlen, shown);
		return -ENOTDIR;
	}
	if (st->st_uid != 0) {
		seterr(err, errlen, "%.*s: directory owned by uid %u, not root",
		    shownlen, shown, (unsigned)st->st_uid);
		return -EPERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX)) {
		seterr(err, errlen, "%.*s: directory writable by group or "
		    "others (mode %04o)", shownlen, shown,
		    (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/*
 * Explain a failed openat(dfd, name) of path component `shown`: a
 * symlink (-ELOOP, refused anywhere in the path), or the errno.
 */
static int
open_failed(int dfd, const char *name, int e, const char *shown, int shownlen,
    char *err, size_t errlen)
{
	struct stat	st;

	if ((e == ELOOP || e == ENOTDIR) &&
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		seterr(err, errlen, "%.*s: symbolic link in the policy path "
		    "(refused)", shownlen, shown);
		return -ELOOP;
	}
	if (e == ENOTDIR) {
		seterr(err, errlen, "%.*s: not a directory", shownlen, shown);
		return -ENOTDIR;
	}
	seterr(err, errlen, "%.*s: %s", shownlen, shown, strerror(e));
	return -e;
}

/*
 * Open the policy at the absolute path `path` for reading, checking
 * every directory from / down (S53): each is opened O_PATH|O_NOFOLLOW
 * relative to its parent, so no symlink is followed anywhere and every
 * check is on the object we then use.  The file must be regular (it is
 * opened O_NONBLOCK so a FIFO cannot block us), owned by root, not
 * writable by group or others, and at most POLICY_MAX_BYTES.
 * Returns 0 and *ret_fd (a new O_CLOEXEC fd), or -EINVAL (bad path, not
 * a regular file), -ENAMETOOLONG, -ELOOP (a symlink), -ENOTDIR, -EPERM
 * (owner or mode), -EFBIG, or the open() error; err says which.
 */
static int
open_trusted(const char *path, int *ret_fd, char *err, size_t errlen)
{
	struct stat	 st;
	const char	*s, *e, *t;
	char		 comp[NAME_MAX + 1];
	size_t		 n;
	int		 dfd = -1, nfd = -1, fd = -1, r;

	if (path[0] != '/') {
		seterr(err, errlen, "%s: not an absolute path", path);
		return -EINVAL;
	}
	if (strlen(path) >= PATH_MAX) {
		seterr(err, errlen, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	if ((dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(dfd, &st) == -1) {
		r = -errno;
		seterr(err, errlen, "/: %s", strerror(errno));
		goto out;
	}
	if ((r = check_dir(&st, "/", 1, err, errlen)) < 0)
		goto out;

	for (s = path;;) {
		while (*s == '/')
			s++;
		for (e = s; *e != '\0' && *e != '/'; e++)
			;
		n = (size_t)(e - s);
		for (t = e; *t == '/'; t++)
			;
		if (n == 0 || (*e == '/' && *t == '\0')) {
			seterr(err, errlen, "%s: names a directory", path);
			r = -EINVAL;
			goto out;
		}
		if ((n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.')) {
			seterr(err, errlen, "%s: '.' or '..' in the path",
			    path);
			r = -EINVAL;
			goto out;
		}
		if (n > NAME_MAX) {
			seterr(err, errlen, "%s: component too long", path);
			r = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, s, n);
		comp[n] = '\0';
		if (*e == '\0')
			break;			/* comp is the file's name */
		nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd == -1) {
			r = open_failed(dfd, comp, errno, path,
			    (int)(e - path), err, errlen);
			goto out;
		}
		if (fstat(nfd, &st) == -1) {
			r = -errno;
			seterr(err, errlen, "%.*s: %s", (int)(e - path), path,
			    strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {	/* O_PATH|O_NOFOLLOW gave it */
			seterr(err, errlen, "%.*s: symbolic link in the "
			    "policy path (refused)", (int)(e - path), path);
			r = -ELOOP;
			goto out;
		}
		if ((r = check_dir(&st, path, (int)(e - path), err,
		    errlen)) < 0)
			goto out;
		fd_close(&dfd);
		dfd = nfd;
		nfd = -1;
		s = e;
	}

	/* O_NONBLOCK: a FIFO opens at once and is then refused below. */
	fd = openat(dfd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1) {
		r = open_failed(dfd, comp, errno, path, (int)strlen(path),
		    err, errlen);
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		r = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		r = -EINVAL;
		goto out;
	}
	if (st.st_uid != 0) {
		seterr(err, errlen, "%s: owned by uid %u, not root", path,
		    (unsigned)st.st_uid);
		r = -EPERM;
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		seterr(err, errlen, "%s: writable by group or others "
		    "(mode %04o)", path, (unsigned)(st.st_mode & 07777));
		r = -EPERM;
		goto out;
	}
	if (st.st_size > POLICY_MAX_BYTES) {
		seterr(err, errlen, "%s: larger than %d bytes", path,
		    POLICY_MAX_BYTES);
		r = -EFBIG;
		goto out;
	}
	*ret_fd = fd;
	fd = -1;
	r = 0;
 out:
	fd_close(&fd);
	fd_close(&nfd);
	fd_close(&dfd);
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
	char	*buf = NULL;
	size_t	 len = 0;
	int	 fd = -1, r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || ret == NULL) {
		seterr(err, errlen, "policy: invalid arguments");
		return -EINVAL;
	}
	if ((r = open_trusted(path, &fd, err, errlen)) < 0)
		goto out;
	if ((r = read_all(fd, POLICY_MAX_BYTES, &buf, &len)) < 0) {
		if (r == -EFBIG)
			seterr(err, errlen, "%s: larger than %d bytes", path,
			    POLICY_MAX_BYTES);
		else
			seterr(err, errlen, "%s: %s", path, strerror(-r));
		goto out;
	}
	ret->buf = buf;
	ret->len = len;
	buf = NULL;
	r = 0;
 out:
	fd_close(&fd);
	free(buf);
	return r;
}

/*
 * ph_policy_parse_text() - parse a policy read from `path` by
 * ph_policy_read(), with names from the passwd and group bytes that
 * ph_names_read() gave (S55): ph_names_parse() then ph_policy_parse(),
 * and ph_policy_file() of the result is `path`.  Both parsers refuse
 * with -EPERM while the parser guard forbids it (root: issue 9).
 * Returns 0 and *ret, or a negative errno with the reason in err:
 * -EINVAL (a syntax error as "path:line: what"), -EPERM, -EFBIG,
 * -ENOMEM.  *ret is written only on success.  Thread-safe.
 */
int
ph_policy_parse_text(const char *path, const struct ph_text *policy,
    const struct ph_text *passwd, const struct ph_text *group,
    struct ph_policy **ret, char *err, size_t errlen)
{
	struct ph_names		*names = NULL;
	struct ph_policy	*p = NULL;
	char			*file = NULL;
	int			 r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || policy == NULL || ret == NULL) {
		seterr(err, errlen, "policy: invalid arguments");
		return -EINVAL;
	}
	if ((r = ph_names_parse(passwd, group, &names)) < 0) {
		seterr(err, errlen, "%s: cannot parse %s and %s: %s", path,
		    PASSWD_PATH, GROUP_PATH, r == -EPERM ? "refusing to "
		    "parse as root (the privileges must be dropped first)" :
		    strerror(-r));
		goto out;
	}
	if ((file = strdup(path)) == NULL) {
		r = -ENOMEM;
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if ((r = ph_policy_parse(policy->buf, policy->len, path, names, &p,
	    err, errlen)) < 0)
		goto out;
	free(p->file);
	p->file = file;
	file = NULL;
	*ret = p;
	p = NULL;
	r = 0;
 out:
	free(file);
	ph_names_free(names);
	ph_policy_free(p);
	return r;
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
		seterr(err, errlen, "%s: cannot read %s or %s: %s", path,
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

/* ------------------------------------------------------------------ */
/* Evaluation                                                         */
/* ------------------------------------------------------------------ */

/* Is the gid list sorted ascending?  (The kernel's usually is.) */
static int
groups_sorted(const gid_t *g, size_t n)
{
	size_t	i;

	for (i = 1; i < n; i++)
		if (g[i - 1] > g[i])
			return 0;
	return 1;
}

/*
 * Is gid among the requester's groups: the primary, or one of the
 * supplementary ones (SO_PEERGROUPS, captured at connect: never NSS,
 * S36)?  Binary search when the list is sorted keeps 100000 group rules
 * against 65536 groups fast (S84); otherwise a linear scan.
 */
static int
in_groups(const struct ph_requester *who, int sorted, gid_t gid)
{
	size_t	lo = 0, hi = who->ngroups, mid;

	if (who->gid == gid)
		return 1;
	if (!sorted) {
		for (lo = 0; lo < who->ngroups; lo++)
			if (who->groups[lo] == gid)
				return 1;
		return 0;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (who->groups[mid] == gid)
			return 1;
		if (who->groups[mid] < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * ph_policy_check() - decide one request.  Rules are tried in file
 * order; the first whose subject matches the requester (user: the uid;
 * group: the primary gid or a supplementary group) and that has a grant
 * covering the request (ph__grant_covers(): a grant for one address
 * never covers the wildcard, S50) allows it.  Returns 1 with the rule's
 * line in *ret_line and "allow user alice tcp:80-90" (the grant that
 * matched, canonical) in rule; 0 when denied, with *ret_line 0 and rule
 * empty.  Bad arguments (NULL p, who or req; groups NULL with ngroups
 * > 0) are a denial too, returned as 0 and never as a negative errno:
 * callers test `if (!ph_policy_check(...))`, so a nonzero error would
 * read as an allow (S19).  A requester whose uid or primary gid is (uid_t)-1 /
 * (gid_t)-1 is denied everything (S19, S37).  ret_line and rule may be
 * NULL.  Read-only on p: thread-safe.  O(rules * (grants + log groups)).
 */
int
ph_policy_check(const struct ph_policy *p, const struct ph_requester *who,
    const struct ph_grant *req, int *ret_line, char *rule, size_t rulelen)
{
	const struct rule	*ru;
	char			 gtext[128];
	size_t			 i, k;
	int			 sorted, match;

	if (ret_line != NULL)
		*ret_line = 0;
	if (rule != NULL && rulelen > 0)
		rule[0] = '\0';
	if (p == NULL || who == NULL || req == NULL ||
	    (who->groups == NULL && who->ngroups > 0))
		return 0;		/* fail closed, never < 0 (S19) */
	if (who->uid == (uid_t)-1 || who->gid == (gid_t)-1)
		return 0;
	sorted = groups_sorted(who->groups, who->ngroups);
	for (i = 0; i < p->nrules; i++) {
		ru = &p->rules[i];
		if (ru->subj == SUBJ_USER)
			match = who->uid == (uid_t)ru->id;
		else
			match = in_groups(who, sorted, (gid_t)ru->id);
		if (!match)
			continue;
		for (k = 0; k < ru->ng; k++) {
			if (!ph__grant_covers(&p->grants[ru->g0 + k], req))
				continue;
			if (ret_line != NULL)
				*ret_line = ru->line;
			if (rule != NULL && rulelen > 0) {
				if (ph__grant_format(&p->grants[ru->g0 + k],
				    gtext, sizeof(gtext)) < 0)
					gtext[0] = '\0';	/* cannot be */
				(void)snprintf(rule, rulelen, "allow %s %s %s",
				    ru->subj == SUBJ_USER ? "user" : "group",
				    ru->text, gtext);
			}
			return 1;
		}
	}
	return 0;
}

static int
is_v4mapped(const unsigned char *a)
{
	static const unsigned char	pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };

	return memcmp(a, pfx, 12) == 0;
}

static int
is_any6(const unsigned char *a)
{
	static const unsigned char	z[16];

	return memcmp(a, z, 16) == 0;
}

/*
 * ph_bind_question() - the bind a tcp or udp request asks, in place
 * (S50): an IPv4-mapped IPv6 address is its IPv4 address.  Returns 1 if
 * it is the IPv6 wildcard, which needs the IPv4 wildcard's grant too.
 */
int
ph_bind_question(struct ph_grant *q)
{
	if (q->kind != PH_GRANT_TCP && q->kind != PH_GRANT_UDP)
		return 0;
	if (q->family == AF_INET6 && is_v4mapped(q->addr)) {
		q->family = AF_INET;
		memmove(q->addr, q->addr + 12, 4);
		memset(q->addr + 4, 0, 12);
	}
	return q->family == AF_INET6 && is_any6(q->addr);
}

/*
 * ph_policy_check_bind() - does the policy allow this bind?  The one
 * answer the broker acts on and `porthole check` prints (S50).  The IPv6
 * wildcard needs the IPv4 wildcard's grant too, whatever IPV6_V6ONLY
 * says: the caller holds the socket and can turn the option off at any
 * moment up to bind(), so no answer may depend on it.  The address's
 * own answer goes to *ret_line/rule (0: denied), the IPv4 wildcard's,
 * when asked, to *ret_line4/rule4 (left 0 when not asked); any of them
 * may be NULL.  Returns 1 if allowed.
 */
int
ph_policy_check_bind(const struct ph_policy *p,
    const struct ph_requester *who, const struct ph_grant *req,
    int *ret_line, char *rule, size_t rulelen, int *ret_line4, char *rule4,
    size_t rule4len)
{
	struct ph_grant	q = *req;
	int		ok, wild;

	if (ret_line4 != NULL)
		*ret_line4 = 0;
	wild = ph_bind_question(&q);
	ok = ph_policy_check(p, who, &q, ret_line, rule, rulelen);
	if (!wild)
		return ok;
	q.family = AF_INET;
	memset(q.addr, 0, sizeof(q.addr));
	return ph_policy_check(p, who, &q, ret_line4, rule4, rule4len) && ok;
}

/*
 * ph_policy_grant_at() - the i-th grant of p in file order, with its
 * rule's line and subject, for `porthole check`'s warnings.  0, or
 * -ENOENT past the last.  O(log rules): grants are stored rule by rule.
 */
int
ph_policy_grant_at(const struct ph_policy *p, size_t i,
    struct ph_policy_grant *ret)
{
	size_t	lo = 0, hi, mid;

	if (p == NULL || i >= p->ngrants || p->nrules == 0)
		return -ENOENT;
	hi = p->nrules;
	while (hi - lo > 1) {		/* the last rule with g0 <= i */
		mid = lo + (hi - lo) / 2;
		if (p->rules[mid].g0 <= i)
			lo = mid;
		else
			hi = mid;
	}
	ret->line = p->rules[lo].line;
	ret->group = p->rules[lo].subj == SUBJ_GROUP;
	ret->id = p->rules[lo].id;
	ret->g = &p->grants[i];
	return 0;
}

/*
 * ph_policy_needs_raw() - 1 if any rule grants raw or packet sockets
 * (the daemon keeps CAP_NET_RAW only then), else 0 (also for NULL).
 */
int
ph_policy_needs_raw(const struct ph_policy *p)
{
	return p != NULL && p->needs_raw;
}

/*
 * ph_policy_file() - the path the policy was loaded from, or "-" when
 * it was parsed from memory (or p is NULL).  Valid while p lives.
 */
const char *
ph_policy_file(const struct ph_policy *p)
{
	return p != NULL && p->file != NULL ? p->file : "-";
}

/* ph_policy_nrules() - the number of rules (0 for NULL). */
size_t
ph_policy_nrules(const struct ph_policy *p)
{
	return p != NULL ? p->nrules : 0;
}

/*
 * ph_policy_stand_in() - an empty policy named `path`, marked as the
 * stand-in for one that could not be loaded (S53).  Parsing "" is still
 * parsing: the parser guard applies (issue 9).
 */
int
ph_policy_stand_in(const char *path, int origin, struct ph_policy **ret)
{
	struct ph_policy	*p = NULL;
	int			 r;

	if (origin != PH_POLICY_FOR_DAEMON && origin != PH_POLICY_FOR_HELPER)
		return -EINVAL;
	if ((r = ph_policy_parse("", 0, path, NULL, &p, NULL, 0)) < 0)
		return r;
	/* Named, so that the audit log says which file is missing. */
	free(p->file);
	if ((p->file = strdup(path != NULL ? path : "-")) == NULL) {
		ph_policy_free(p);
		return -ENOMEM;
	}
	p->stand_in = origin;
	*ret = p;
	return 0;
}

/* ph_policy_stand_in_for() - 0, or the stand-in's origin. */
int
ph_policy_stand_in_for(const struct ph_policy *p)
{
	return p != NULL ? p->stand_in : 0;
}

/*
 * ph_policy_grants_any() - 1 if some rule's subject matches `who` (its
 * uid, primary gid or a supplementary group), so that some request of
 * theirs could be granted; else 0, also for bad arguments and for the
 * ids (uid_t)-1 / (gid_t)-1 (S19, S37).  portholed keeps its connection
 * table for these requesters (S80, issue 9 item 4).  Read-only on p:
 * thread-safe.  O(rules * log groups).
 */
int
ph_policy_grants_any(const struct ph_policy *p,
    const struct ph_requester *who)
{
	const struct rule	*ru;
	size_t			 i;
	int			 sorted;

	if (p == NULL || who == NULL ||
	    (who->groups == NULL && who->ngroups > 0))
		return 0;
	if (who->uid == (uid_t)-1 || who->gid == (gid_t)-1)
		return 0;
	sorted = groups_sorted(who->groups, who->ngroups);
	for (i = 0; i < p->nrules; i++) {
		ru = &p->rules[i];
		if (ru->ng == 0)
			continue;
		if (ru->subj == SUBJ_USER ? who->uid == (uid_t)ru->id :
		    in_groups(who, sorted, (gid_t)ru->id))
			return 1;
	}
	return 0;
}
