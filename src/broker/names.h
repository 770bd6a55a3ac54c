/* SPDX-License-Identifier: ISC */
/*
 * names.h - user and group names from /etc/passwd and /etc/group, read
 * as bytes and parsed directly, never through NSS (S55) (names.c); and
 * what every parser of the broker shares with this first one: the bytes
 * of a file not parsed yet, and the parser guard.  policy.h includes
 * this header: programs include "policy.h".
 *
 * Runs as: reading (ph_names_read()), root in porthole-helper and
 * portholed before they drop; parsing, never root in those two (the
 * parser guard below, issue 9).
 */
#ifndef PH_NAMES_H
#define PH_NAMES_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stddef.h>

#define PH_NAME_MAXLEN		32	/* useradd's limit */

/*
 * The parser guard (issue 9; S12-S14: "no parser runs with euid 0").
 * ph_parser_guard_on(), called once by portholed and porthole-helper,
 * makes every parser here (ph_names_parse(), ph_policy_parse() and what
 * calls them) refuse with -EPERM while the real, effective or saved uid
 * is 0; they read as root, drop, then parse.  ph_parser_guard_check()
 * is that test, for other parsers (the request decoder): 0 or -EPERM.
 */
void	ph_parser_guard_on(void);
int	ph_parser_guard_check(void);

/* Bytes read from a file, not parsed yet: free with ph_text_free(). */
struct ph_text {
	char	*buf;
	size_t	 len;
};
void	ph_text_free(struct ph_text *t);

/* Resolves user and group names while parsing (NULL: numbers only). */
struct ph_names;
/* Read /etc/passwd and /etc/group style files (paths given): read, parse. */
int	ph_names_load(const char *passwd, const char *group,
	    struct ph_names **ret);
/* Read one such file's bytes, no symlink, no FIFO, <= 8 MiB (as root). */
int	ph_names_read(const char *path, struct ph_text *ret);
/* Parse passwd and group bytes (guarded: -EPERM as root). */
int	ph_names_parse(const struct ph_text *passwd,
	    const struct ph_text *group, struct ph_names **ret);
void	ph_names_free(struct ph_names *n);
/* 0 and the id, or -ENOENT. */
int	ph_names_uid(const struct ph_names *n, const char *name, uid_t *ret);
int	ph_names_gid(const struct ph_names *n, const char *name, gid_t *ret);
/* 0 and the user's primary gid (passwd's 4th field), or -ENOENT. */
int	ph_names_user_gid(const struct ph_names *n, const char *name,
	    gid_t *ret);
/* 0 and both the uid and the primary gid of user `name`, or -ENOENT. */
int	ph_names_user(const struct ph_names *n, const char *name,
	    uid_t *ret_uid, gid_t *ret_gid);
/*
 * One call for a program that needs one user's ids (portholed --user):
 * parse the passwd bytes ph_names_read() gave (guarded: -EPERM as root)
 * and look `name` up.  0 with *ret_uid and *ret_gid, or -ENOENT,
 * -EINVAL (NULL arguments), -EPERM, -ENOMEM.
 */
int	ph_names_user_ids(const struct ph_text *passwd, const char *name,
	    uid_t *ret_uid, gid_t *ret_gid);
/* 1 if s[0..len) has the shape useradd(8) gives names, else 0. */
int	ph_names_valid(const char *s, size_t len);

/*
 * Shared with the policy's reader (policy-read.c) and parser.
 * ph__file_open_at(): openat(dfd, name) for reading, following no
 * symlink, never waiting on a FIFO, never taking a controlling tty, and
 * fstat() of it into *ret_st: a new O_CLOEXEC fd, or a negative errno.
 * ph__read_all(): all of fd (borrowed), at most `max` bytes, into *ret:
 * 0, -EFBIG if there is more, -ENOMEM or read()'s error.
 * ph__append(): append one element to a growing array (doubling): 0
 * or -ENOMEM, the array unchanged on failure.
 */
int	ph__file_open_at(int dfd, const char *name, struct stat *ret_st);
int	ph__read_all(int fd, size_t max, struct ph_text *ret);
int	ph__append(void **arrp, size_t *n, size_t *cap, const void *elem,
	    size_t size, size_t first);

#endif /* PH_NAMES_H */
