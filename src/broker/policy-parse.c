/* SPDX-License-Identifier: ISC */
/*
 * policy-parse.c - the broker's policy grammar (see policy.h): a strict
 * line grammar that rejects the whole file on any error (S54), user and
 * group names resolved through a names table (names.c: /etc/passwd and
 * /etc/group read directly, never NSS, S55).  Pure but for allocation,
 * and fuzzed (fuzz/fuzz-policy.c).  See porthole.policy(5) for what it
 * means to an administrator.
 *
 * Runs as: never root in porthole-helper and portholed, which turn the
 * parser guard on (names.c), so the parser here refuses to run while
 * any of their uids is 0 (issue 9; S12-S14); `porthole check`, the
 * fuzzers and the tests leave the guard off.  Libc only: no NSS, no
 * locale, no dlopen (S3, S55).  Bounded (S84): the text is at most
 * 1 MiB, a line at most 4096 bytes, at most 100000 rules.
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
 *     requester with either is denied everything (policy-eval.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strdup(); also for builds by hand */
#endif

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "policy.h"
#include "policy-impl.h"

#define OVERFLOW_ID		65534u		/* S35: kernel default */
#define BAD_ID			0xffffffffUL	/* (uid_t)-1, (gid_t)-1 */
#define QUOTE_MAX		48		/* bytes of a token in errors */


/* Parser state for one ph_policy_parse() call. */
struct parser {
	const char		*fname;
	int			 line;
	char			*err;
	size_t			 errlen;
	const struct ph_names	*names;
	struct ph_policy	*p;
};

/*
 * ph__seterr() - write a formatted message to err (NUL-terminated when
 * errlen > 0; silently truncated).  Never fails.  Shared with
 * policy-read.c.
 */
void
ph__seterr(char *err, size_t errlen, const char *fmt, ...)
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
	ph__seterr(ps->err, ps->errlen, "%s:%d: %s", ps->fname, ps->line, what);
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
	char		 q[4 * QUOTE_MAX + 8], name[PH_NAME_MAXLEN + 1];
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
	if (!ph_names_valid(s, len))
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
	void	*v = p->grants;
	int	 r;

	r = ph__append(&v, &p->ngrants, &p->gcap, g, sizeof(*g), 16);
	p->grants = v;
	if (r < 0)
		return r;
	if (g->kind == PH_GRANT_RAW4 || g->kind == PH_GRANT_RAW6 ||
	    g->kind == PH_GRANT_PACKET)
		p->needs_raw = 1;
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
	struct rule		 ru;
	struct ph_grant		 g;
	struct ph_policy	*p = ps->p;
	char			 q[4 * QUOTE_MAX + 8];
	const char		*t;
	size_t			 tl, pos = 0;
	void			*v;
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
	/* Append the rule; POLICY_MAX_RULES was checked above. */
	v = p->rules;
	r = ph__append(&v, &p->nrules, &p->rcap, &ru, sizeof(ru), 16);
	p->rules = v;
	return r;
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
		ph__seterr(err, errlen, "%s: refusing to parse as root (the "
		    "privileges must be dropped first)", fname);
		return r;
	}
	memset(&ps, 0, sizeof(ps));
	if (ret == NULL || (buf == NULL && len > 0)) {
		ph__seterr(err, errlen, "%s: invalid arguments", fname);
		return -EINVAL;
	}
	if (len > POLICY_MAX_BYTES) {		/* S84 */
		ph__seterr(err, errlen, "%s: larger than %d bytes", fname,
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
		ph__seterr(err, errlen, "%s:%d: out of memory", fname, ps.line);
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
		ph__seterr(err, errlen, "policy: invalid arguments");
		return -EINVAL;
	}
	if ((r = ph_names_parse(passwd, group, &names)) < 0) {
		ph__seterr(err, errlen, "%s: cannot parse %s and %s: %s", path,
		    PASSWD_PATH, GROUP_PATH, r == -EPERM ? "refusing to "
		    "parse as root (the privileges must be dropped first)" :
		    strerror(-r));
		goto out;
	}
	if ((file = strdup(path)) == NULL) {
		r = -ENOMEM;
		ph__seterr(err, errlen, "%s: out of memory", path);
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

/*
 * ph_policy_parse_or_stand_in() - the policy a privileged program starts
 * with, after its drop (issue 9): text, passwd and group are the bytes
 * it read as root (text NULL when reading failed: err then already says
 * why).  Returns 0 with the parsed policy in *ret; 1 with the stand-in
 * for `origin` in *ret (S53: nothing granted) and err saying why the
 * policy was refused; -EPERM when the parser guard refused (a uid is
 * still 0: a bug in the caller's order, which should end it; parsing ""
 * for the stand-in is parsing too), with err filled; or the stand-in's
 * error (-ENOMEM, -EINVAL), *ret untouched.
 */
int
ph_policy_parse_or_stand_in(const char *path, int origin,
    const struct ph_text *text, const struct ph_text *passwd,
    const struct ph_text *group, struct ph_policy **ret, char *err,
    size_t errlen)
{
	int	r;

	if (text != NULL) {
		r = ph_policy_parse_text(path, text, passwd, group, ret, err,
		    errlen);
		if (r == 0 || r == -EPERM)
			return r;
	}
	if ((r = ph_policy_stand_in(path, origin, ret)) == -EPERM)
		ph__seterr(err, errlen, "%s: refusing to parse as root (the "
		    "privileges must be dropped first)", path);
	return r < 0 ? r : 1;
}
