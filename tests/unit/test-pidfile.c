/* SPDX-License-Identifier: ISC */
/*
 * test-pidfile.c - pid values are parsed strictly (S68): decimal digits
 * without sign or leading zero, one optional newline, 2 <= pid <= 4194304,
 * never 0, 1 or -1, which kill() would read as "my group", "init" or
 * "everyone"; a table, then deterministic bit flips and truncations
 * checked against a separate reference grammar.  Pid files are written
 * atomically with mode 0644 whatever the umask, replace a planted symlink
 * instead of following it, refuse directories others may write, and leave
 * no temporary file behind (S62, S67); they are read without following a
 * symlink or waiting on a FIFO, and only when owned by us or root and
 * writable by no one else (S67).
 *
 * Cases that need another uid run when root, with uid 4000000000, which
 * has no passwd entry (S37); otherwise they are skipped.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "tap.h"

#define OTHER_UID	4000000000u	/* S37: above INT_MAX, no passwd */
#define SENTINEL	7777		/* preloaded into ret_pid */
#define PID_LIMIT	4194304L	/* the kernel's PID_MAX_LIMIT */

/* ph_pid_parse() on an exact-size heap copy, so an overread shows. */
static int
parse_copy(const char *s, size_t len, pid_t *ret)
{
	char	*b;
	int	 r;

	if ((b = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	memcpy(b, s, len);
	r = ph_pid_parse(b, len, ret);
	free(b);
	return r;
}

/*
 * The reference grammar, written apart from the library's:
 *	pidline = nonzero *6digit [ LF ]	; value in [2, 4194304]
 * Returns the value, or -1 if `s` does not match.
 */
static long
ref_pid(const char *s, size_t len)
{
	char	digits[8];
	size_t	n = 0;

	while (n < len && s[n] >= '0' && s[n] <= '9')
		n++;
	if (!(n == len || (n + 1 == len && s[n] == '\n')))
		return -1;
	if (n < 1 || n > 7 || s[0] == '0')
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (strtol(digits, NULL, 10) < 2 || strtol(digits, NULL, 10) >
	    PID_LIMIT)
		return -1;
	return strtol(digits, NULL, 10);
}

#define S(x)	x, sizeof(x) - 1

/* S68: the table; the output is untouched on every error. */
static void
test_s68_parse_table(void)
{
	static const struct {
		const char	*s;
		size_t		 len;
		long		 want;		/* -1: -EINVAL */
	} t[] = {
		{ S("123"), 123 }, { S("123\n"), 123 }, { S("2"), 2 },
		{ S("2\n"), 2 }, { S("4194304"), 4194304 },
		{ S("4194303\n"), 4194303 }, { S("32768"), 32768 },
		{ S(""), -1 }, { S("\n"), -1 }, { S("0"), -1 },
		{ S("0\n"), -1 }, { S("1"), -1 }, { S("1\n"), -1 },
		{ S("-1"), -1 }, { S("+5"), -1 }, { S("0123"), -1 },
		{ S("00"), -1 }, { S("123abc"), -1 }, { S("12 3"), -1 },
		{ S("123\n\n"), -1 }, { S("4194305"), -1 },
		{ S("99999999999"), -1 }, { S(" 12"), -1 }, { S("12 "), -1 },
		{ S("\n12"), -1 }, { S("12\r\n"), -1 }, { S("12\r"), -1 },
		{ S("2147483648"), -1 }, { S("4294967298"), -1 },
		{ S("18446744073709551618"), -1 }, { S("10000000"), -1 },
		{ S("0x10"), -1 }, { S("1e3"), -1 }, { S("٣"), -1 },
		{ S("12\0"), -1 }, { S("1\0002"), -1 }, { S("\0"), -1 },
		{ S("-0"), -1 }, { S("\t12"), -1 },
	};
	size_t	i;
	pid_t	pid;
	int	r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pid = SENTINEL;
		r = parse_copy(t[i].s, t[i].len, &pid);
		if (t[i].want < 0) {
			T_EQ(r, -EINVAL);
			T_EQ(pid, SENTINEL);
		} else {
			T_OK(r);
			T_EQ(pid, t[i].want);
		}
		/* the reference agrees with the table */
		T_EQ(ref_pid(t[i].s, t[i].len), t[i].want);
	}
	pid = SENTINEL;
	T_EQ(ph_pid_parse("123", 0, &pid), -EINVAL);	/* len wins */
	T_EQ(ph_pid_parse("1234", 2, &pid), 0);
	T_EQ(pid, 12);
}

/* One input against the reference; counts disagreements. */
static void
fuzz_one(const char *s, size_t len, int *cases, int *bad)
{
	pid_t	pid = SENTINEL;
	long	want = ref_pid(s, len);
	int	r = parse_copy(s, len, &pid);
	char	msg[96];

	(*cases)++;
	if (want < 0 ? (r == -EINVAL && pid == SENTINEL) :
	    (r == 0 && pid == want))
		return;
	if ((*bad)++ < 5) {
		snprintf(msg, sizeof(msg), "disagree: len %zu r %d pid %ld "
		    "want %ld", len, r, (long)pid, want);
		tap_diag(msg);
	}
}

/*
 * S68, OpenSSH fuzz.c style: every single and double bit flip, every
 * truncation and every appended byte of valid inputs; the parser must
 * not crash and must accept exactly what the reference grammar accepts.
 */
static void
test_s68_parse_fuzz(void)
{
	static const char	*seeds[] = { "123\n", "4194304", "2", "32768\n",
				    "99\n", "4194303\n", "1000000" };
	char			 b[16];
	size_t			 i, j, k, m, len;
	int			 cases = 0, bad = 0, c;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		len = strlen(seeds[i]);
		for (j = 0; j <= len; j++)			/* truncation */
			fuzz_one(seeds[i], j, &cases, &bad);
		for (j = 0; j < len * 8; j++) {			/* 1 flip */
			memcpy(b, seeds[i], len);
			b[j / 8] ^= (char)(1 << (j % 8));
			fuzz_one(b, len, &cases, &bad);
			for (k = j + 1; k < len * 8; k++) {	/* 2 flips */
				memcpy(b, seeds[i], len);
				b[j / 8] ^= (char)(1 << (j % 8));
				b[k / 8] ^= (char)(1 << (k % 8));
				fuzz_one(b, len, &cases, &bad);
				for (m = 0; m < len; m++)	/* + cut */
					fuzz_one(b, m, &cases, &bad);
			}
		}
		for (c = 0; c < 256; c++) {			/* append */
			memcpy(b, seeds[i], len);
			b[len] = (char)c;
			fuzz_one(b, len + 1, &cases, &bad);
		}
	}
	T_GE(cases, 20000);
	T_EQ(bad, 0);
}

/* Write then read: the pid and a newline, mode 0644, our file. */
static void
test_pidfile_roundtrip(void)
{
	struct stat	st;
	char		p[PATH_MAX];
	pid_t		pid = SENTINEL;

	pathf(p, "rt.pid");
	T_OK(ph_pidfile_write(p, 0));			/* 0: getpid() */
	T_OK(ph_pidfile_read(p, &pid));
	T_EQ(pid, getpid());
	T_STREQ(read_file(p), pid_line(getpid()));
	T_OK(lstat(p, &st));
	T_TRUE(S_ISREG(st.st_mode));
	T_EQ(st.st_uid, geteuid());
	T_EQ(st.st_nlink, 1);
	T_EQ(st.st_mode & 07777, 0644);

	T_OK(ph_pidfile_write(p, 4242));		/* replaces */
	T_OK(ph_pidfile_read(p, &pid));
	T_EQ(pid, 4242);
	T_OK(ph_pidfile_write(p, 2));
	T_OK(ph_pidfile_read(p, &pid));
	T_EQ(pid, 2);
	T_OK(ph_pidfile_write(p, (pid_t)PID_LIMIT));
	T_OK(ph_pidfile_read(p, &pid));
	T_EQ(pid, PID_LIMIT);
	T_EQ(count_entries(T, ".pidfile."), 0);
	T_OK(unlink(p));
}

/*
 * S68: pids that kill() would misread are refused by the writer too, and
 * so is any pid the reader would refuse: the file stays unchanged.
 */
static void
test_s68_write_bad_pid(void)
{
	static const pid_t	bad[] = { 1, -1, -2, INT_MIN,
				    (pid_t)PID_LIMIT + 1, INT_MAX };
	char			p[PATH_MAX];
	pid_t			pid;
	size_t			i;
	int			r;

	pathf(p, "bad.pid");
	T_OK(ph_pidfile_write(p, 4242));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = ph_pidfile_write(p, bad[i]);
		T_EQ(r, -EINVAL);
		T_STREQ(read_file(p), "4242\n");
		if (r == 0)		/* do not let the failure cascade */
			(void)ph_pidfile_write(p, 4242);
	}
	pid = SENTINEL;
	T_OK(ph_pidfile_read(p, &pid));
	T_EQ(pid, 4242);
	T_EQ(count_entries(T, ".pidfile."), 0);
	T_OK(unlink(p));
}

/* S67: the file is 0644 whatever the umask, and the umask is kept. */
static void
test_s67_mode_umask(void)
{
	static const mode_t	masks[] = { 0, 077, 0777, 022 };
	char			p[PATH_MAX];
	mode_t			old, now;
	size_t			i;

	pathf(p, "umask.pid");
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		old = umask(masks[i]);
		T_OK(ph_pidfile_write(p, 0));
		now = umask(old);
		T_EQ(now, masks[i]);
		T_EQ(mode_of(p), 0644);
		T_OK(unlink(p));
	}
	T_EQ(count_entries(T, ".pidfile."), 0);
}

/*
 * S67, S62: a symlink planted at the path is replaced, never followed;
 * its target keeps its content and mode, a dangling one's target is not
 * created.
 */
static void
test_s67_write_replaces_symlink(void)
{
	struct stat	st;
	char		p[PATH_MAX], canary[PATH_MAX], absent[PATH_MAX];
	pid_t		pid = SENTINEL;

	pathf(p, "sym.pid");
	pathf(canary, "canary");
	pathf(absent, "absent");
	T_OK(write_file(canary, S("precious\n"), 0600));
	T_OK(symlink(canary, p));
	T_OK(ph_pidfile_write(p, 0));
	T_OK(lstat(p, &st));
	T_TRUE(S_ISREG(st.st_mode));			/* link replaced */
	T_STREQ(read_file(canary), "precious\n");	/* target intact */
	T_EQ(mode_of(canary), 0600);
	T_OK(ph_pidfile_read(p, &pid));
	T_EQ(pid, getpid());
	T_OK(unlink(p));

	T_OK(symlink(absent, p));			/* dangling */
	T_OK(ph_pidfile_write(p, 0));
	T_OK(lstat(p, &st));
	T_TRUE(S_ISREG(st.st_mode));
	T_EQ(lstat(absent, &st), -1);
	T_OK(unlink(p));
	T_OK(unlink(canary));
	T_EQ(count_entries(T, ".pidfile."), 0);
}

/* S67, S62: directories others may write are refused; nothing is made. */
static void
test_s67_write_open_directory(void)
{
	static const mode_t	modes[] = { 0777, 0770, 0702 };
	char			d[PATH_MAX], p[PATH_MAX];
	size_t			i;

	T_OK(subdir(d, "open", p, "x.pid"));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		T_OK(chmod(d, modes[i]));
		T_EQ(ph_pidfile_write(p, 0), -EACCES);
		T_EQ(count_entries(d, ""), 0);		/* no temp file */
	}
	T_OK(chmod(d, 0755));			/* the mode was the reason */
	T_OK(ph_pidfile_write(p, 0));
	T_EQ(count_entries(d, ""), 1);
	T_OK(unlink(p));
	T_OK(rmdir(d));
}

/* Failures after the temporary file exists remove it; bad paths. */
static void
test_write_failures_leave_nothing(void)
{
	struct stat	st;
	char		p[PATH_MAX], inner[PATH_MAX];
	int		k;

	pathf(p, "isdir.pid");
	pathf(inner, "isdir.pid/keep");
	T_OK(mkdir(p, 0700));
	T_OK(write_file(inner, S("keep\n"), 0600));
	T_EQ(ph_pidfile_write(p, 0), -EISDIR);	/* rename fails */
	T_EQ(count_entries(T, ".pidfile."), 0);
	T_OK(lstat(p, &st));
	T_TRUE(S_ISDIR(st.st_mode));
	T_STREQ(read_file(inner), "keep\n");
	T_OK(unlink(inner));
	T_OK(rmdir(p));

	pathf(p, "nodir/x.pid");
	T_EQ(ph_pidfile_write(p, 0), -ENOENT);
	T_EQ(ph_pidfile_write(NULL, 0), -EINVAL);
	T_EQ(ph_pidfile_write("", 0), -EINVAL);
	for (k = 0; k < 2; k++) {		/* not a file name */
		pathf(p, k == 0 ? "dir/" : "..");
		T_EQ(ph_pidfile_write(p, 0), -EINVAL);
	}
	T_EQ(count_entries(T, ".pidfile."), 0);
}

/* Reading: a FIFO is refused without blocking (2 s guard). */
static void
test_s67_read_fifo(void)
{
	char	p[PATH_MAX];
	pid_t	pid = SENTINEL;

	pathf(p, "fifo.pid");
	T_OK(mkfifo(p, 0600));
	guard(2);
	T_EQ(ph_pidfile_read(p, &pid), -EINVAL);
	alarm(0);
	T_EQ(pid, SENTINEL);
	T_OK(unlink(p));
}

/* Reading: symlinks, directories and bad content are refused. */
static void
test_s67_read_refusals(void)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} bad[] = {
		{ S("1\n") }, { S("") }, { S("0\n") }, { S("-1\n") },
		{ S("2147483648\n") }, { S("123abc\n") }, { S("123\n\n") },
		{ S("123\n456\n") }, { S("12\n                        ") },
		{ S("1234567890123456789\n") }, { S("4194305\n") },
		{ S(" 123\n") }, { S("12\0\n") },
	};
	char	p[PATH_MAX], good[PATH_MAX];
	pid_t	pid;
	size_t	i;

	pathf(p, "ref.pid");
	pathf(good, "good.pid");
	T_OK(ph_pidfile_write(good, 4242));

	T_OK(symlink(good, p));			/* S67: not followed */
	pid = SENTINEL;
	T_EQ(ph_pidfile_read(p, &pid), -ELOOP);
	T_EQ(pid, SENTINEL);
	T_OK(unlink(p));

	T_OK(mkdir(p, 0700));
	T_EQ(ph_pidfile_read(p, &pid), -EINVAL);
	T_EQ(pid, SENTINEL);
	T_OK(rmdir(p));

	T_EQ(ph_pidfile_read(p, &pid), -ENOENT);
	T_EQ(pid, SENTINEL);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_OK(write_file(p, bad[i].s, bad[i].len, 0644));
		T_EQ(ph_pidfile_read(p, &pid), -EINVAL);
		T_EQ(pid, SENTINEL);
	}
	T_OK(write_file(p, S("123"), 0644));	/* no newline is fine */
	T_OK(ph_pidfile_read(p, &pid));
	T_EQ(pid, 123);
	T_OK(unlink(p));
	T_OK(unlink(good));
}

/*
 * S67: a pid file that someone else can write is not trusted: one
 * writable by group or others, though ours, holds whatever pid they put.
 */
static void
test_s67_read_writable_by_others(void)
{
	static const mode_t	modes[] = { 0666, 0664, 0646 };
	char			p[PATH_MAX];
	pid_t			pid;
	size_t			i;

	pathf(p, "loose.pid");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		T_OK(write_file(p, S("4242\n"), modes[i]));
		pid = SENTINEL;
		T_EQ(ph_pidfile_read(p, &pid), -EPERM);
		T_EQ(pid, SENTINEL);
	}
	T_OK(chmod(p, 0644));
	T_OK(ph_pidfile_read(p, &pid));		/* the mode was the reason */
	T_EQ(pid, 4242);
	T_OK(unlink(p));
}

/*
 * S67 (root): a pid file owned by another uid is not trusted, and a
 * directory owned by another uid is not written into.
 */
static void
test_s67_foreign_owner(void)
{
	char	p[PATH_MAX], d[PATH_MAX], q[PATH_MAX];
	pid_t	pid = SENTINEL;

	if (tap_skip_unless_root(14, "needs root"))
		return;
	pathf(p, "theirs.pid");
	T_OK(ph_pidfile_write(p, 4242));
	T_OK(ph_pidfile_read(p, &pid));		/* root's own: trusted */
	T_EQ(pid, 4242);
	T_OK(chown(p, OTHER_UID, OTHER_UID));
	pid = SENTINEL;
	T_EQ(ph_pidfile_read(p, &pid), -EPERM);
	T_EQ(pid, SENTINEL);
	T_OK(unlink(p));

	T_OK(subdir(d, "theirdir", q, "x.pid"));
	T_OK(chown(d, OTHER_UID, OTHER_UID));
	T_EQ(ph_pidfile_write(q, 0), -EPERM);
	T_EQ(count_entries(d, ""), 0);
	T_OK(rmdir(d));
	T_EQ(count_entries(T, ".pidfile."), 0);
}

int
main(void)
{
	tap_start_dir(0700);		/* ph_dir_check() rules */
	TAP_RUN(test_s68_parse_table);
	TAP_RUN(test_s68_parse_fuzz);
	TAP_RUN(test_pidfile_roundtrip);
	TAP_RUN(test_s68_write_bad_pid);
	TAP_RUN(test_s67_mode_umask);
	TAP_RUN(test_s67_write_replaces_symlink);
	TAP_RUN(test_s67_write_open_directory);
	TAP_RUN(test_write_failures_leave_nothing);
	TAP_RUN(test_s67_read_fifo);
	TAP_RUN(test_s67_read_refusals);
	TAP_RUN(test_s67_read_writable_by_others);
	TAP_RUN(test_s67_foreign_owner);
	return tap_done();
}
