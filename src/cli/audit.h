/* SPDX-License-Identifier: ISC */
/*
 * audit.h - the parts of `porthole audit` (audit.c has the whole story):
 * the walk from "/" (audit-walk.c), the rules that judge it
 * (audit-rules.c), and the report (audit-output.c).
 */
#ifndef PH_AUDIT_H
#define PH_AUDIT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdnoreturn.h>

#define MAX_LINKS	40	/* symlinks followed, as Linux's MAXSYMLINKS */
#define MAX_COMPS	4096	/* components reported */
#define MAX_TEXTS	256	/* reasons or notes */
#define REM_MAX		(64 * 1024)	/* path still to walk, with links */

enum ctype { C_DIR, C_SYMLINK, C_SOCKET, C_FILE, C_MISSING, C_UNKNOWN };

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

/* audit.c: out of memory ends the command; strdup() or that end. */
noreturn void	audit_nomem(void);
char		*audit_strdup(const char *s);
/* Add one sentence to a list (formatted; the list is bounded). */
void		audit_say(struct texts *t, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* audit-walk.c: fill a->c from "/" down along `abs` (absolute). */
void	audit_walk(struct audit *a, const char *abs);
/* audit-rules.c: the verdict, into a->reasons, a->notes, a->connect. */
void	audit_judge(struct audit *a);
/* audit-output.c: ls(1)-style mode string of a component, into out[11]. */
void	audit_mode_string(const struct comp *c, char *out);
void	audit_print_json(const struct audit *a);
void	audit_print_text(const struct audit *a);

#endif /* PH_AUDIT_H */
