/* SPDX-License-Identifier: ISC */
/*
 * audit.c - porthole audit [--json] PATH: for a socket path that exists
 * or is to be created, show every directory from / down with its owner
 * and mode, and say who besides its owner and root could replace,
 * remove or pre-create the socket (S21, S22, S25), and who may connect
 * to it (S23).  Exit 0 when safe, 1 when not, with the reasons in words.
 *
 * The walk is audit-walk.c, the rules audit-rules.c, the report
 * audit-output.c.
 *
 * The result is a snapshot: the tree may change right after.  Servers
 * and clients must still check through fds (ph_dir_check(), S28).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "cli.h"
#include "audit.h"

noreturn void
audit_nomem(void)
{
	die(1, -ENOMEM, "audit");
}

char *
audit_strdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		audit_nomem();
	return p;
}

/* Add one sentence to a list (formatted; the list is bounded). */
void
audit_say(struct texts *t, const char *fmt, ...)
{
	va_list	 ap;
	char	*s = NULL;

	if (t->n == MAX_TEXTS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		audit_nomem();
	va_end(ap);
	t->s[t->n++] = s;
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
	audit_say(&a->reasons, "'%s' is an abstract socket name: it has no owner "
	    "or permissions, so any process in this network namespace could "
	    "take the name first or connect to it.", a->arg);
}

int
cmd_audit(int argc, char **argv)
{
	static const struct cli_opts	opts = { ":jh", audit_help, {
		{ "json",	no_argument,	NULL, 'j' },
	} };
	struct audit	 a;
	char		*abs = NULL, cwd[PATH_MAX];
	size_t		 i;
	int		 c, json = 0, safe;

	while ((c = cli_getopt(argc, argv, &opts)) != -1)
		json = 1;		/* -j, the only other option */
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
			abs = audit_strdup(a.arg);
		else if (getcwd(cwd, sizeof(cwd)) == NULL)
			die(1, errno, "cannot tell the current directory");
		else if (asprintf(&abs, "%s/%s", cwd, a.arg) == -1)
			audit_nomem();
		audit_walk(&a, abs);
		audit_judge(&a);
	}
	safe = a.reasons.n == 0;
	if (json)
		audit_print_json(&a);
	else
		audit_print_text(&a);
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
