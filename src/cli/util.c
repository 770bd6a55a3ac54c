/* SPDX-License-Identifier: ISC */
/*
 * util.c - error reporting for the porthole command: every failure is one
 * line on stderr, "porthole SUBCOMMAND: what failed: why", then a
 * non-zero exit (house style, section 3).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
usage_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(0, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "Try '%s --help' for more information.\n",
	    cli_name);
	exit(EXIT_USAGE);
}
