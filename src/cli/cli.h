/* SPDX-License-Identifier: ISC */
/*
 * cli.h - shared pieces of the porthole command: one function per
 * subcommand, and the error helpers every subcommand ends through.
 */
#ifndef PH_CLI_H
#define PH_CLI_H

#include <stdnoreturn.h>

/* Exit statuses (house style, section 3). */
#define EXIT_USAGE	2
#define EXIT_CANNOT	125	/* porthole itself failed (run, exec, ...) */
#define EXIT_NOEXEC	126
#define EXIT_NOTFOUND	127

/* "porthole" or "porthole mkpath": the prefix of every message. */
extern const char	*cli_name;

/* Print "cli_name: what: strerror(-err)" (err may be 0), exit status. */
noreturn void	die(int status, int err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* The same without exiting. */
void		warnx_(int err, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Print "cli_name: msg" and a hint to use --help; exit 2. */
noreturn void	usage_error(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

int	cmd_mkpath(int argc, char **argv);

#endif /* PH_CLI_H */
