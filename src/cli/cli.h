/* SPDX-License-Identifier: ISC */
/*
 * cli.h - shared pieces of the porthole command: one function per
 * subcommand, and the error helpers every subcommand ends through.
 */
#ifndef PH_CLI_H
#define PH_CLI_H

#include <getopt.h>
#include <stdnoreturn.h>

#include "private.h"

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
/* Print "cli_name: msg; see 'cli_name --help'" (one line); exit 2. */
noreturn void	usage_error(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/*
 * A subcommand's options: getopt_long()'s optstring, which starts with
 * ':' (after any '+') and has 'h'; its help, printed by -h and --help;
 * and its own long options, the rows not given being zero.  --help is
 * not among them: cli_getopt() adds it, after them.
 */
#define CLI_LONGOPTS_MAX	4
struct cli_opts {
	const char	*optstring;
	void		(*help)(void);
	struct option	 longopts[CLI_LONGOPTS_MAX];
};
/* getopt_long() for a subcommand: -h/--help prints o->help() on stdout
 * and exits 0; a refused option is named on stderr, exit 2.  Returns
 * the next of the command's own options, or -1. */
int		cli_getopt(int argc, char **argv, const struct cli_opts *o);
/* Where execvp() would find `name`: 0 and the path in buf, or -errno
 * (-ENOENT, -EACCES, -ENAMETOOLONG).  A name with '/' is copied as is. */
int		find_program(const char *name, char *buf, size_t len);

/* Print str on stdout escaped (audit.c): for a terminal, control bytes
 * and invalid UTF-8 as \xNN; with json, RFC 8259 escapes and U+FFFD. */
void	cli_put_esc(const char *str, int json);

int	cmd_mkpath(int argc, char **argv);
int	cmd_run(int argc, char **argv);
int	cmd_exec(int argc, char **argv);
int	cmd_check(int argc, char **argv);
int	cmd_listen(int argc, char **argv);
int	cmd_connect(int argc, char **argv);
int	cmd_audit(int argc, char **argv);
int	cmd_status(int argc, char **argv);

/* A SPEC of run and check: one grant, one port, and its fd name. */
struct spec {
	struct ph_grant	g;
	char		text[128];	/* the grant as written */
	char		name[256];	/* LISTEN_FDNAMES entry */
};
int	spec_parse(const char *s, struct spec *ret, const char **why);

#define PH_REASON_MAX_CLI	128	/* >= the protocol's reason field */

#endif /* PH_CLI_H */
