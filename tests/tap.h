/* SPDX-License-Identifier: ISC */
/*
 * tap.h - the whole unit-test framework: TAP output, assertions that
 * name file:line and the expression, fd-leak counting, and fd-sending
 * helpers.  Header-only; each test program includes it once.
 *
 * A test program runs its cases from main() with TAP_RUN(test_case),
 * so that every line names its case ("ok 7 - test_s62_fifo:
 * test-lock.c:212 fd == -ENXIO"), then returns tap_end(), which prints
 * the plan and "N passed, N failed, N skipped".  Exit 77 (tap_skip_all)
 * means the whole program is skipped.  The shared helpers (pathf,
 * write_file, guard, ...) are in testlib.h.
 */
#ifndef PH_TAP_H
#define PH_TAP_H

#include <sys/socket.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

static int		 tap_n, tap_fail, tap_skipped;
static const char	*tap_case = "main";	/* the running case */

/*
 * Run one case: its name goes on each of its TAP lines, and its last
 * line checks that it left no fd open (house rule: no fd leaks).
 */
#define TAP_RUN(fn)	do {						\
	int tap_before_ = tap_fd_count();				\
	tap_case = guard_what = #fn;					\
	fn();								\
	T_EQ(tap_fd_count(), tap_before_);	/* no fd leaked */	\
	tap_case = guard_what = "main";					\
} while (0)

static inline void
tap_result(int ok, const char *file, int line, const char *expr)
{
	tap_n++;
	if (!ok)
		tap_fail++;
	printf("%sok %d - %s: %s:%d %s\n", ok ? "" : "not ", tap_n, tap_case,
	    file, line, expr);
	fflush(stdout);
}

#define T_OK(e)		tap_result((e) == 0, __FILE__, __LINE__, #e " == 0")
#define T_TRUE(e)	tap_result(!!(e), __FILE__, __LINE__, #e)
#define T_EQ(a, b)	do {						\
	long long tap_a_ = (long long)(a), tap_b_ = (long long)(b);	\
	tap_result(tap_a_ == tap_b_, __FILE__, __LINE__, #a " == " #b);	\
	if (tap_a_ != tap_b_)						\
		printf("#   got %lld, want %lld\n", tap_a_, tap_b_);	\
} while (0)
#define T_NE(a, b)	tap_result((long long)(a) != (long long)(b),	\
			    __FILE__, __LINE__, #a " != " #b)
#define T_GE(a, b)	tap_result((long long)(a) >= (long long)(b),	\
			    __FILE__, __LINE__, #a " >= " #b)
#define T_STREQ(a, b)	do {						\
	const char *tap_s_ = (a), *tap_t_ = (b);			\
	int tap_ok_ = tap_s_ && tap_t_ && strcmp(tap_s_, tap_t_) == 0;	\
	tap_result(tap_ok_, __FILE__, __LINE__, #a " eq " #b);		\
	if (!tap_ok_)							\
		printf("#   got '%s', want '%s'\n", tap_s_ ? tap_s_ :	\
		    "(null)", tap_t_ ? tap_t_ : "(null)");		\
} while (0)

/* Skip n assertions with a reason (e.g. "needs root"). */
static inline void
tap_skip(int n, const char *why)
{
	while (n-- > 0) {
		tap_n++;
		tap_skipped++;
		printf("ok %d - %s # SKIP %s\n", tap_n, tap_case, why);
	}
	fflush(stdout);
}

/* Not root: skip n assertions (why) and return 1; root: 0. */
static inline int
tap_skip_unless_root(int n, const char *why)
{
	if (geteuid() == 0)
		return 0;
	tap_skip(n, why);
	return 1;
}

static inline void
tap_diag(const char *msg)
{
	printf("# %s\n", msg);
	fflush(stdout);
}

/* The whole program is skipped (exit 77, as automake does). */
static inline void
tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(77);
}

static inline int
tap_end(void)
{
	printf("1..%d\n", tap_n);
	printf("%d passed, %d failed, %d skipped\n",
	    tap_n - tap_fail - tap_skipped, tap_fail, tap_skipped);
	return tap_fail ? 1 : 0;
}

/* Open fds of this process, from /proc/self/fd (minus the DIR's own). */
static inline int
tap_fd_count(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static inline void
tap_close_all(int *fds, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* Send len bytes and n fds in one sendmsg() (testlib's send_fds()). */
static inline ssize_t
tap_send_fds(int sock, const void *buf, size_t len, const int *fds, int n)
{
	return send_fds(sock, buf, len, fds, n, MSG_NOSIGNAL);
}

/* Make a fresh private test directory; returns a malloc'd path. */
static inline char *
tap_tmpdir(void)
{
	char	tmpl[] = "/tmp/ph-test-XXXXXX";
	char	*p;

	if (mkdtemp(tmpl) == NULL)
		return NULL;
	p = strdup(tmpl);
	return p;
}

/* rm -r of a test directory (only what tests put there), in C. */
static inline void
tap_rmtree(const char *path)
{
	if (path == NULL || strncmp(path, "/tmp/ph-test-", 13) != 0)
		return;
	if (rmtree_at(AT_FDCWD, path) == -1)
		tap_diag("cannot remove the test directory");
}

/*
 * Start a program that works in its own directory: $T, made by
 * tap_tmpdir() and chmod'ed to mode (0: left at 0700); the whole program
 * is skipped when that fails.  tap_done() removes it and ends the plan.
 */
static inline void
tap_start_dir(mode_t mode)
{
	if ((T = tap_tmpdir()) == NULL)
		tap_skip_all("cannot make a temporary directory");
	if (mode != 0 && chmod(T, mode) == -1)
		tap_skip_all("cannot chmod the temporary directory");
}

static inline int
tap_done(void)
{
	tap_rmtree(T);
	free(T);
	T = NULL;
	return tap_end();
}

#endif /* PH_TAP_H */
