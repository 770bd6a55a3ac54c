/* SPDX-License-Identifier: ISC */
/*
 * mkpath.c - porthole mkpath [--dir BASE] [--portable] [NAME]: make a
 * private 0700 directory with an unguessable name and print a socket path
 * in it that does not exist yet, so a shell, Prolog, Erlang or Python
 * program gets a safe path in one call.  When it fails, say which base
 * directory was unsafe and why, and leave nothing behind.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "cli.h"

static void
mkpath_help(void)
{
	(void)printf(
	    "Usage: porthole mkpath [--dir BASE] [--portable] [NAME]\n"
	    "\n"
	    "Create a fresh directory of mode 0700 with an unguessable name and\n"
	    "print the path of a socket NAME (default 'sock') inside it, which\n"
	    "does not exist yet.  Remove it with: rm -r \"$(dirname PATH)\"\n"
	    "\n"
	    "  -d, --dir BASE   create it in BASE (owned by you or root, not\n"
	    "                   writable by others unless sticky); default:\n"
	    "                   $XDG_RUNTIME_DIR, else $TMPDIR, else /tmp\n"
	    "  -p, --portable   keep the path within 91 bytes (BSD, macOS)\n"
	    "  -h, --help       show this help\n");
}

/* Why `path` is not a safe base, in words, for an error message. */
static void
explain_base(const char *label, const char *path, int flags)
{
	struct stat	st;
	int		r;

	r = ph_dir_check_path(path, flags);
	if (r == 0)
		return;
	switch (r) {
	case -ELOOP:
		warnx_(0, "%s '%s' is a symbolic link; give the real "
		    "directory", label, path);
		break;
	case -ENOTDIR:
		warnx_(0, "%s '%s' is not a directory", label, path);
		break;
	case -EPERM:
		if (lstat(path, &st) == 0)
			warnx_(0, "%s '%s' is owned by uid %lu, not by you "
			    "(uid %lu)%s", label, path,
			    (unsigned long)st.st_uid, (unsigned long)geteuid(),
			    flags & PH_DIR_PRIVATE ? "" : " or root");
		else
			warnx_(0, "%s '%s' is not yours", label, path);
		break;
	case -EACCES:
		if (lstat(path, &st) == 0 && (flags & PH_DIR_PRIVATE))
			warnx_(0, "%s '%s' has mode %04o, not 0700", label,
			    path, (unsigned)(st.st_mode & 07777));
		else if (lstat(path, &st) == 0)
			warnx_(0, "%s '%s' (mode %04o) is writable by other "
			    "users and not sticky: they could replace the "
			    "socket", label, path,
			    (unsigned)(st.st_mode & 07777));
		else
			warnx_(0, "%s '%s' is writable by others", label, path);
		break;
	default:
		warnx_(r, "%s '%s'", label, path);
		break;
	}
}

/* No safe default base: say why each candidate was passed over. */
static void
explain_defaults(void)
{
	const char	*x = getenv("XDG_RUNTIME_DIR"), *t = getenv("TMPDIR");

	if (x == NULL || x[0] != '/')
		warnx_(0, "XDG_RUNTIME_DIR is %s", x ? "not absolute" :
		    "not set");
	else
		explain_base("XDG_RUNTIME_DIR", x, PH_DIR_PRIVATE);
	if (t == NULL || t[0] != '/')
		warnx_(0, "TMPDIR is %s", t ? "not absolute" : "not set");
	else
		explain_base("TMPDIR", t, 0);
	explain_base("base directory", "/tmp", 0);
}

int
cmd_mkpath(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "dir",	required_argument,	NULL, 'd' },
		{ "portable",	no_argument,		NULL, 'p' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct ph_sockdir	*sd = NULL;
	const char		*base = NULL, *name = NULL;
	int			 c, flags = 0, r;

	while ((c = getopt_long(argc, argv, "+d:ph", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			base = optarg;
			break;
		case 'p':
			flags |= PH_PATH_PORTABLE;
			break;
		case 'h':
			mkpath_help();
			return 0;
		default:
			usage_error("bad option");
		}
	}
	if (argc - optind > 1)
		usage_error("too many arguments");
	if (argc - optind == 1)
		name = argv[optind];
	if (name != NULL && (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
		usage_error("NAME '%s' must be a plain file name, without '/'",
		    name);
	if (base != NULL && base[0] == '\0')
		usage_error("--dir needs a directory");

	r = ph_sockdir_create(base, name, flags, &sd);
	if (r == -ENAMETOOLONG)
		die(1, 0, "the socket path would not fit sun_path (%u bytes "
		    "at most%s); choose a shorter --dir or NAME",
		    flags & PH_PATH_PORTABLE ? PH_SOCKPATH_PORTABLE_MAX :
		    (unsigned)PH_SOCKPATH_MAX,
		    flags & PH_PATH_PORTABLE ? " with --portable" : "");
	if (r < 0 && base != NULL && (r == -ELOOP || r == -ENOTDIR ||
	    r == -EPERM || r == -EACCES)) {
		explain_base("base directory", base, 0);
		die(1, 0, "refusing an unsafe base directory; use one that "
		    "only you or root can write (mode 0700 or sticky)");
	}
	if (r == -ENOENT && base == NULL) {
		explain_defaults();
		die(1, 0, "no safe base directory; give one with --dir");
	}
	if (r < 0)
		die(1, r, "cannot create a private directory in '%s'",
		    base ? base : "the default base");
	if (printf("%s\n", ph_sockdir_path(sd)) < 0 || fflush(stdout) != 0) {
		int	e = errno;

		/* Nothing must be left behind when the path was not told. */
		(void)ph_sockdir_remove(sd);
		die(1, e, "cannot write the path");
	}
	ph_sockdir_free(sd);
	return 0;
}
