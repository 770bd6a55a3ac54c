/* SPDX-License-Identifier: ISC */
/*
 * tap.h - the whole unit-test framework: TAP output, assertions that
 * name file:line and the expression, fd-leak counting, and fd-sending
 * helpers.  Header-only; each test program includes it once.
 *
 * A test program calls its cases from main(), then returns tap_end(),
 * which prints the plan and "N passed, N failed, N skipped".  Exit 77
 * (tap_skip_all) means the whole program is skipped.
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

static int	tap_n, tap_fail, tap_skipped;

static inline void
tap_result(int ok, const char *file, int line, const char *expr)
{
	tap_n++;
	if (!ok)
		tap_fail++;
	printf("%sok %d - %s:%d %s\n", ok ? "" : "not ", tap_n, file, line,
	    expr);
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
		printf("ok %d # SKIP %s\n", tap_n, why);
	}
	fflush(stdout);
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

/*
 * Send len bytes and n fds in one sendmsg(), written by hand so tests do
 * not depend on the code under test.  Returns sendmsg()'s result.
 */
static inline ssize_t
tap_send_fds(int sock, const void *buf, size_t len, const int *fds, int n)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(256 * sizeof(int))];
	} ctl;
	struct iovec	 iov = { (void *)buf, len };
	struct msghdr	 msg;
	struct cmsghdr	*c;

	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (n > 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
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

/* rm -r of a test directory (only what tests put there). */
static inline void
tap_rmtree(const char *path)
{
	char	cmd[512];

	if (path == NULL || strncmp(path, "/tmp/ph-test-", 13) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		tap_diag("rm -rf failed");
}

#endif /* PH_TAP_H */
