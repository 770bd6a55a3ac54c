/* SPDX-License-Identifier: ISC */
/*
 * util.c - error reporting for the porthole command: every failure is one
 * line on stderr, "porthole SUBCOMMAND: what failed: why", then a
 * non-zero exit (house style, section 3); and the option loop's cases
 * that every subcommand shares.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char	*cli_name = "porthole";

static void
vreport(int err, const char *fmt, va_list ap)
{
	(void)fflush(stdout);
	(void)fprintf(stderr, "%s: ", cli_name);
	(void)vfprintf(stderr, fmt, ap);
	if (err != 0)
		(void)fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	(void)fputc('\n', stderr);
}

void
die(int status, int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(err, fmt, ap);
	va_end(ap);
	exit(status);
}

void
warnx_(int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(err, fmt, ap);
	va_end(ap);
}

/* One line, with the hint: "porthole run: what; see 'porthole run --help'". */
void
usage_error(const char *fmt, ...)
{
	va_list	ap;

	(void)fflush(stdout);
	(void)fprintf(stderr, "%s: ", cli_name);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "; see '%s --help'\n", cli_name);
	exit(EXIT_USAGE);
}

/*
 * The option getopt_long() has just refused, by what the user typed.
 * Every optstring starts with ':' (after any '+') and opterr is 0, so the
 * C library prints nothing and returns ':' for a missing argument, '?'
 * for the rest.  optopt is not enough on its own: for an unknown long
 * option it is 0, and for a long option given an argument it does not
 * take it is that option's val, which may be a valid short option (or
 * none, as exec's --no-inherit).  The element is argv[optind - 1] in
 * both glibc and musl, except within a cluster of short options ("-vx")
 * and after musl's missing argument (optind == argc + 1): hence the
 * clamp, and the long-option test on the element's "--name=".  Exits 2.
 */
static noreturn void
bad_option(int c, int argc, char **argv, const struct option *longopts)
{
	const struct option	*o;
	const char		*el = NULL, *eq, *name = NULL;
	size_t			 n = 0;
	int			 i = optind - 1;

	if (i >= argc)
		i = argc - 1;
	if (i >= 1 && argv[i] != NULL && strncmp(argv[i], "--", 2) == 0 &&
	    argv[i][2] != '\0') {
		el = argv[i];
		n = (eq = strchr(el, '=')) != NULL ? (size_t)(eq - el) :
		    strlen(el);
		/* Its full name ("--p" may be --policy), if it has optopt. */
		for (o = longopts; optopt != 0 && o != NULL && o->name != NULL;
		    o++)
			if (o->val == optopt &&
			    strncmp(o->name, el + 2, n - 2) == 0)
				name = o->name;
	}
	if (c == ':' && name != NULL)
		usage_error("option '--%s' needs an argument", name);
	if (c == ':')
		usage_error("option '-%c' needs an argument", optopt);
	if (optopt == 0 && el != NULL)
		usage_error("unknown option '%.*s'", (int)n, el);
	if (optopt == 0)
		usage_error("unknown option '%s'", i >= 1 ? argv[i] : "");
	/* "--name=ARG" for a long option that takes none. */
	if (name != NULL && el[n] == '=')
		usage_error("option '--%s' takes no argument", name);
	usage_error("unknown option '-%c'", optopt);
}

/*
 * What every subcommand's option loop does alike, once: getopt_long()
 * with opterr 0 (bad_option() says it, in one line), the command's long
 * options then --help, -h/--help printing o->help() on stdout and
 * exiting 0, and a refused option ending in bad_option() (exit 2).
 * Returns the next option that is the command's own, or -1 after the
 * last.  Exiting on --help is what returning 0 from the subcommand did:
 * nothing else was to be done.  Not thread-safe, as getopt is not.
 */
int
cli_getopt(int argc, char **argv, const struct cli_opts *o)
{
	static struct option	all[CLI_LONGOPTS_MAX + 2];
	size_t			n;
	int			c;

	for (n = 0; n < CLI_LONGOPTS_MAX && o->longopts[n].name != NULL; n++)
		all[n] = o->longopts[n];
	all[n].name = "help";
	all[n].has_arg = no_argument;
	all[n].flag = NULL;
	all[n].val = 'h';
	memset(&all[n + 1], 0, sizeof(all[n + 1]));	/* the end */

	opterr = 0;
	c = getopt_long(argc, argv, o->optstring, all, NULL);
	if (c == 'h') {
		o->help();
		exit(0);
	}
	if (c == '?' || c == ':')
		bad_option(c, argc, argv, all);
	return c;
}

/*
 * Where execvp() would find `name`: a path into buf, or -errno.  A name
 * with a '/' is taken as it is, unchecked (the caller opens it).
 */
int
find_program(const char *name, char *buf, size_t len)
{
	const char	*path = getenv("PATH"), *p, *e;
	int		 err = -ENOENT;
	size_t		 n;

	if (name[0] == '\0')
		return -ENOENT;
	if (strchr(name, '/') != NULL) {
		if (strlen(name) >= len)
			return -ENAMETOOLONG;
		memcpy(buf, name, strlen(name) + 1);
		return 0;
	}
	if (path == NULL)
		path = "/bin:/usr/bin";		/* glibc's execvp() default */
	for (p = path;; p = e + 1) {
		struct stat	st;

		if ((e = strchr(p, ':')) == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n == 0)
			n = 1, p = ".";		/* an empty entry is "." */
		if (n + 1 + strlen(name) < len) {
			memcpy(buf, p, n);
			buf[n] = '/';
			memcpy(buf + n + 1, name, strlen(name) + 1);
			/* Path-based on purpose: this is execvp()'s search,
			 * and execve() decides anyway; nothing rests on it. */
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
				if (access(buf, X_OK) == 0)
					return 0;
				err = -EACCES;	/* execvp() goes on too */
			}
		}
		if (*e == '\0')
			break;
	}
	return err;
}
