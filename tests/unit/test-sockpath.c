/* SPDX-License-Identifier: ISC */
/*
 * test-sockpath.c - socket addresses are exact and never truncated (S26),
 * abstract names are never mistaken for paths (S27), base directories are
 * checked through their fd (S21, S22), and private socket directories are
 * 0700, unguessable, umask-proof (S8, S23), and removed in one call.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "tap.h"

/* A path of exactly n bytes under /x. */
static char *
path_of(size_t n)
{
	char	*p = malloc(n + 1);

	memset(p, 'a', n);
	p[0] = '/';
	p[n] = '\0';
	return p;
}

static void
test_s26_length_table(void)
{
	static const struct { size_t n; int flags; int want; } t[] = {
		{ 1, 0, 0 }, { 106, 0, 0 }, { 107, 0, 0 },
		{ 108, 0, -ENAMETOOLONG }, { 109, 0, -ENAMETOOLONG },
		{ 4096, 0, -ENAMETOOLONG },
		{ 91, PH_PATH_PORTABLE, 0 },
		{ 92, PH_PATH_PORTABLE, -ENAMETOOLONG },
		{ 107, PH_PATH_ABSTRACT, 0 },
		{ 108, PH_PATH_ABSTRACT, -ENAMETOOLONG },
	};
	struct sockaddr_un	sun;
	socklen_t		sl;
	size_t			i;
	char			*p;
	int			r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = path_of(t[i].n);
		if (t[i].flags & PH_PATH_ABSTRACT)
			p[0] = 'b';
		memset(&sun, 0x5a, sizeof(sun));
		sl = 4242;
		r = ph_sockaddr_set(&sun, &sl, p, t[i].flags);
		T_EQ(r, t[i].want);
		if (r == 0 && !(t[i].flags & PH_PATH_ABSTRACT)) {
			/* exact length: family + path + NUL */
			T_EQ(sl, offsetof(struct sockaddr_un, sun_path) +
			    t[i].n + 1);
			T_EQ(sun.sun_path[t[i].n], '\0');
			T_EQ(memcmp(sun.sun_path, p, t[i].n), 0);
		} else if (r == 0) {
			T_EQ(sl, offsetof(struct sockaddr_un, sun_path) + 1 +
			    t[i].n);
			T_EQ(sun.sun_path[0], '\0');
		} else {
			T_EQ(sl, 4242);			/* untouched */
			T_EQ((unsigned char)sun.sun_path[0], 0x5a);
		}
		free(p);
	}
}

static void
test_s27_at_and_empty_refused(void)
{
	struct sockaddr_un	sun;
	socklen_t		sl = 7;

	T_EQ(ph_sockaddr_set(&sun, &sl, "@broker", 0), -EINVAL);
	T_EQ(ph_sockaddr_set(&sun, &sl, "", 0), -EINVAL);
	T_EQ(ph_sockaddr_set(&sun, &sl, NULL, 0), -EINVAL);
	T_EQ(ph_sockaddr_set(&sun, &sl, "x", 0x1000), -EINVAL);
	T_EQ(sl, 7);
	T_OK(ph_sockaddr_set(&sun, &sl, "broker", PH_PATH_ABSTRACT));
	T_EQ(sun.sun_path[0], '\0');
	T_EQ(memcmp(sun.sun_path + 1, "broker", 6), 0);
}

/* V3: the bug ph_sockaddr_set() prevents, shown on the kernel itself. */
static void
test_s26_kernel_would_truncate(void)
{
	struct sockaddr_un	sun;
	socklen_t		sl;
	char			long_path[200];
	int			n;

	n = snprintf(long_path, sizeof(long_path), "%s/%0150d", T, 0);
	T_TRUE(n > 150);
	T_EQ(ph_sockaddr_set(&sun, &sl, long_path, 0), -ENAMETOOLONG);
}

static void
make_dir(const char *p, mode_t m)
{
	(void)mkdir(p, 0700);
	(void)chmod(p, m);
}

static void
test_s21_dir_checks(void)
{
	char	p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/d700", T);
	make_dir(p, 0700);
	T_OK(ph_dir_check_path(p, 0));
	T_OK(ph_dir_check_path(p, PH_DIR_PRIVATE));
	snprintf(p, sizeof(p), "%s/d755", T);
	make_dir(p, 0755);
	T_OK(ph_dir_check_path(p, 0));
	T_EQ(ph_dir_check_path(p, PH_DIR_PRIVATE), -EACCES);
	snprintf(p, sizeof(p), "%s/d777", T);
	make_dir(p, 0777);
	T_EQ(ph_dir_check_path(p, 0), -EACCES);
	snprintf(p, sizeof(p), "%s/d775", T);
	make_dir(p, 0775);
	T_EQ(ph_dir_check_path(p, 0), -EACCES);	/* group is others too */
	snprintf(p, sizeof(p), "%s/d1777", T);
	make_dir(p, 01777);
	T_OK(ph_dir_check_path(p, 0));		/* sticky, like /tmp */
	snprintf(p, sizeof(p), "%s/link", T);
	T_OK(symlink("d700", p));
	T_EQ(ph_dir_check_path(p, 0), -ELOOP);
	snprintf(p, sizeof(p), "%s/file", T);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	T_EQ(ph_dir_check_path(p, 0), -ENOTDIR);
	T_EQ(ph_dir_check_path("/nonexistent/x", 0), -ENOENT);
	T_EQ(ph_dir_check_path(p, 0x100), -EINVAL);
	if (geteuid() == 0) {
		snprintf(p, sizeof(p), "%s/dforeign", T);
		make_dir(p, 0700);
		T_OK(chown(p, 4000000000u, 4000000000u));
		T_EQ(ph_dir_check_path(p, 0), -EPERM);
	} else
		tap_skip(2, "needs root to make a directory of another user");
}

static void
test_sockdir_basic(void)
{
	struct ph_sockdir	*sd = NULL, *sd2 = NULL;
	struct stat		 st;
	char			 base[PATH_MAX], want[PATH_MAX];
	const char		*p;

	snprintf(base, sizeof(base), "%s/base", T);
	make_dir(base, 0700);
	T_OK(ph_sockdir_create(base, NULL, 0, &sd));
	p = ph_sockdir_path(sd);
	snprintf(want, sizeof(want), "%s/porthole-", base);
	T_EQ(strncmp(p, want, strlen(want)), 0);
	T_EQ(strlen(p), strlen(base) + strlen("/porthole-") + 16 +
	    strlen("/sock"));
	T_STREQ(strrchr(p, '/'), "/sock");
	T_EQ(lstat(p, &st), -1);			/* does not exist yet */
	T_OK(lstat(ph_sockdir_dir(sd), &st));
	T_EQ(st.st_mode & 07777, 0700);
	T_EQ(st.st_uid, geteuid());
	T_TRUE(S_ISDIR(st.st_mode));
	T_OK(ph_dir_check(ph_sockdir_dirfd(sd), PH_DIR_PRIVATE));
	/* unguessable: a second one differs */
	T_OK(ph_sockdir_create(base, "other", 0, &sd2));
	T_NE(strcmp(ph_sockdir_dir(sd), ph_sockdir_dir(sd2)), 0);
	T_STREQ(strrchr(ph_sockdir_path(sd2), '/'), "/other");
	T_OK(ph_sockdir_remove(sd2));
	T_OK(ph_sockdir_remove(sd));
	T_EQ(count_entries(base, ""), 0);
}

static void
test_sockdir_bad_names(void)
{
	struct ph_sockdir	*sd = (struct ph_sockdir *)0x1;
	char			 base[PATH_MAX];

	snprintf(base, sizeof(base), "%s/base", T);
	T_EQ(ph_sockdir_create(base, "a/b", 0, &sd), -EINVAL);
	T_EQ(ph_sockdir_create(base, "", 0, &sd), -EINVAL);
	T_EQ(ph_sockdir_create(base, "..", 0, &sd), -EINVAL);
	T_EQ(ph_sockdir_create(base, "x", PH_PATH_ABSTRACT, &sd), -EINVAL);
	T_EQ(ph_sockdir_create("", "x", 0, &sd), -EINVAL);
	T_TRUE(sd == (struct ph_sockdir *)0x1);		/* untouched */
	T_EQ(count_entries(base, ""), 0);
}

/* S21, S22: a hostile base is refused and nothing is created anywhere. */
static void
test_s21_hostile_bases(void)
{
	struct ph_sockdir	*sd = NULL;
	char			 p[PATH_MAX], tgt[PATH_MAX];

	snprintf(p, sizeof(p), "%s/open777", T);
	make_dir(p, 0777);
	T_EQ(ph_sockdir_create(p, NULL, 0, &sd), -EACCES);
	T_EQ(count_entries(p, ""), 0);
	snprintf(tgt, sizeof(tgt), "%s/target", T);
	make_dir(tgt, 0700);
	snprintf(p, sizeof(p), "%s/symbase", T);
	T_OK(symlink(tgt, p));
	T_EQ(ph_sockdir_create(p, NULL, 0, &sd), -ELOOP);
	T_EQ(count_entries(tgt, ""), 0);			/* not followed */
	snprintf(p, sizeof(p), "%s/file", T);
	T_EQ(ph_sockdir_create(p, NULL, 0, &sd), -ENOTDIR);
	T_TRUE(sd == NULL);
}

/* S26: an over-long base is refused before anything is created. */
static void
test_s26_overlong_base(void)
{
	struct ph_sockdir	*sd = NULL;
	char			 p[PATH_MAX];
	size_t			 n;

	snprintf(p, sizeof(p), "%s/", T);
	n = strlen(p);
	memset(p + n, 'l', 80);
	p[n + 80] = '\0';
	make_dir(p, 0700);
	T_EQ(ph_sockdir_create(p, NULL, 0, &sd), -ENAMETOOLONG);
	T_EQ(count_entries(p, ""), 0);
	/* fits Linux but not the portable limit */
	p[n + 50] = '\0';
	make_dir(p, 0700);
	T_EQ(ph_sockdir_create(p, NULL, PH_PATH_PORTABLE, &sd),
	    -ENAMETOOLONG);
	T_EQ(count_entries(p, ""), 0);
	T_OK(ph_sockdir_create(p, NULL, 0, &sd));
	T_OK(ph_sockdir_remove(sd));
}

/* S8, S23: the directory is 0700 whatever the umask. */
static void
test_s8_umask(void)
{
	static const mode_t	 masks[] = { 0, 022, 0777, 0700 };
	struct ph_sockdir	*sd = NULL;
	struct stat		 st;
	char			 base[PATH_MAX];
	mode_t			 old;
	size_t			 i;

	snprintf(base, sizeof(base), "%s/base", T);
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		old = umask(masks[i]);
		T_OK(ph_sockdir_create(base, NULL, 0, &sd));
		(void)umask(old);
		T_OK(stat(ph_sockdir_dir(sd), &st));
		T_EQ(st.st_mode & 07777, 0700);
		T_OK(ph_sockdir_remove(sd));
		sd = NULL;
	}
}

/* Default base: XDG_RUNTIME_DIR only when ours and 0700, else TMPDIR. */
static void
test_default_base(void)
{
	struct ph_sockdir	*sd = NULL;
	char			 xdg[PATH_MAX], tmp[PATH_MAX], link[PATH_MAX];
	char			 got[PATH_MAX];

	snprintf(xdg, sizeof(xdg), "%s/xdg", T);
	snprintf(tmp, sizeof(tmp), "%s/tmpd", T);
	snprintf(link, sizeof(link), "%s/xdglink", T);
	make_dir(xdg, 0700);
	make_dir(tmp, 0700);
	T_OK(symlink(xdg, link));
	setenv("TMPDIR", tmp, 1);

	setenv("XDG_RUNTIME_DIR", xdg, 1);
	T_OK(ph_sockdir_default_base(got, sizeof(got)));
	T_STREQ(got, xdg);
	T_OK(ph_sockdir_create(NULL, NULL, 0, &sd));
	T_EQ(strncmp(ph_sockdir_path(sd), xdg, strlen(xdg)), 0);
	T_OK(ph_sockdir_remove(sd));

	setenv("XDG_RUNTIME_DIR", link, 1);		/* a symlink: no */
	T_OK(ph_sockdir_default_base(got, sizeof(got)));
	T_STREQ(got, tmp);
	(void)chmod(xdg, 0755);				/* not 0700: no */
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	T_OK(ph_sockdir_default_base(got, sizeof(got)));
	T_STREQ(got, tmp);
	(void)chmod(xdg, 0700);
	setenv("XDG_RUNTIME_DIR", "relative/dir", 1);
	T_OK(ph_sockdir_default_base(got, sizeof(got)));
	T_STREQ(got, tmp);

	(void)chmod(tmp, 0777);			/* hostile TMPDIR: /tmp */
	T_OK(ph_sockdir_default_base(got, sizeof(got)));
	T_STREQ(got, "/tmp");
	T_EQ(ph_sockdir_default_base(got, 3), -ENAMETOOLONG);
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("TMPDIR");
	T_OK(ph_sockdir_default_base(got, sizeof(got)));
	T_STREQ(got, "/tmp");
	(void)chmod(tmp, 0700);
}

/* Removal: socket and lock of ours go; anything else stays. */
static void
test_sockdir_remove(void)
{
	struct ph_sockdir	*sd = NULL;
	struct ph_listener	*l = NULL;
	char			 base[PATH_MAX], extra[PATH_MAX], dir[PATH_MAX];

	snprintf(base, sizeof(base), "%s/base", T);
	T_OK(ph_sockdir_create(base, NULL, 0, &sd));
	T_OK(ph_listen(ph_sockdir_path(sd), 0, 0600, 0, NULL, &l));
	/* the server died without cleaning up: fds closed, files remain */
	ph_fd_close(&(int){ ph_listener_fd(l) });
	T_OK(ph_sockdir_remove(sd));			/* one call */
	T_OK(ph_listener_close(l));		/* its files already gone */
	T_EQ(count_entries(base, ""), 0);

	T_OK(ph_sockdir_create(base, NULL, 0, &sd));
	snprintf(dir, sizeof(dir), "%s", ph_sockdir_dir(sd));
	snprintf(extra, sizeof(extra), "%s/extra", dir);
	close(open(extra, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	T_EQ(ph_sockdir_remove(sd), -ENOTEMPTY);
	T_OK(access(extra, F_OK));			/* left alone */
	T_OK(unlink(extra));
	T_OK(rmdir(dir));
	T_OK(ph_sockdir_remove(NULL));
}

int
main(void)
{
	tap_start_dir(0);
	TAP_RUN(test_s26_length_table);
	TAP_RUN(test_s27_at_and_empty_refused);
	TAP_RUN(test_s26_kernel_would_truncate);
	TAP_RUN(test_s21_dir_checks);
	TAP_RUN(test_sockdir_basic);
	TAP_RUN(test_sockdir_bad_names);
	TAP_RUN(test_s21_hostile_bases);
	TAP_RUN(test_s26_overlong_base);
	TAP_RUN(test_s8_umask);
	TAP_RUN(test_default_base);
	TAP_RUN(test_sockdir_remove);
	return tap_done();
}
