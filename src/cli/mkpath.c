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

/*
 * Why `path` is not a safe base, in words, on stderr.  Returns 1 when it
 * is unsafe and that was said; 0 when it is safe; otherwise the negative
 * errno that kept it from being checked, unsaid, for the caller to
 * report.  -EPERM and -EACCES also come from open(2) when the path
 * cannot be searched, so they are taken as unsafe only when lstat()
 * agrees: a base that is merely not ours to write, like /etc, is not
 * called unsafe (mkdir's EACCES is then the caller's to report).
 */
static int
explain_base(const char *label, const char *path, int flags)
{
	struct stat	st;
	int		r, known;

	r = ph_dir_check_path(path, flags);
	if (r == 0)
		return 0;
	known = lstat(path, &st) == 0;
	switch (r) {
	case -ELOOP:
		warnx_(0, "%s '%s' is a symbolic link; give the real "
		    "directory", label, path);
		return 1;
	case -ENOTDIR:
		warnx_(0, "%s '%s' is not a directory", label, path);
		return 1;
	case -EPERM:
		if (!known || st.st_uid == geteuid() || (st.st_uid == 0 &&
		    !(flags & PH_DIR_PRIVATE)))
			return r;
		warnx_(0, "%s '%s' is owned by uid %lu, not by you "
		    "(uid %lu)%s", label, path, (unsigned long)st.st_uid,
		    (unsigned long)geteuid(),
		    flags & PH_DIR_PRIVATE ? "" : " or root");
		return 1;
	case -EACCES:
		if (known && (flags & PH_DIR_PRIVATE) &&
		    (st.st_mode & 07777) != 0700) {
			warnx_(0, "%s '%s' has mode %04o, not 0700", label,
			    path, (unsigned)(st.st_mode & 07777));
			return 1;
		}
		if (known && !(flags & PH_DIR_PRIVATE) &&
		    (st.st_mode & (S_IWGRP | S_IWOTH)) &&
		    !(st.st_mode & S_ISVTX)) {
			warnx_(0, "%s '%s' (mode %04o) is writable by other "
			    "users and not sticky: they could replace the "
			    "socket", label, path,
			    (unsigned)(st.st_mode & 07777));
			return 1;
		}
		return r;
	default:
		return r;
	}
}

/* No safe default base: say why each candidate was passed over. */
static void
explain_defaults(void)
{
	const char	*x = getenv("XDG_RUNTIME_DIR"), *t = getenv("TMPDIR");
	int		 r;

	if (x == NULL || x[0] != '/')
		warnx_(0, "XDG_RUNTIME_DIR is %s", x ? "not absolute" :
		    "not set");
	else if ((r = explain_base("XDG_RUNTIME_DIR", x, PH_DIR_PRIVATE)) < 0)
		warnx_(r, "XDG_RUNTIME_DIR '%s'", x);
	if (t == NULL || t[0] != '/')
		warnx_(0, "TMPDIR is %s", t ? "not absolute" : "not set");
	else if ((r = explain_base("TMPDIR", t, 0)) < 0)
		warnx_(r, "TMPDIR '%s'", t);
	if ((r = explain_base("base directory", "/tmp", 0)) < 0)
		warnx_(r, "base directory '/tmp'");
}

int
cmd_mkpath(int argc, char **argv)
{
	static const struct cli_opts	opts = { "+:d:ph", mkpath_help, {
		{ "dir",	required_argument,	NULL, 'd' },
		{ "portable",	no_argument,		NULL, 'p' },
	} };
	struct ph_sockdir	*sd = NULL;
	const char		*base = NULL, *name = NULL;
	int			 c, flags = 0, r;

	while ((c = cli_getopt(argc, argv, &opts)) != -1)
		if (c == 'd')
			base = optarg;
		else
			flags |= PH_PATH_PORTABLE;	/* -p */
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
	/* Unsafe, or only EACCES from mkdir (--dir /etc)?  Say which. */
	if (r < 0 && base != NULL && (r == -ELOOP || r == -ENOTDIR ||
	    r == -EPERM || r == -EACCES) &&
	    explain_base("base directory", base, 0) == 1)
		die(1, 0, "refusing an unsafe base directory; use one that "
		    "only you or root can write (mode 0700 or sticky)");
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
