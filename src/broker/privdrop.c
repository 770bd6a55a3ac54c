/* SPDX-License-Identifier: ISC */
/*
 * privdrop.c - what a privileged porthole program does before it trusts
 * anything (S1-S10) and how it gives its privileges up (S12-S14):
 * sanitise the inherited process, drop to a user with exactly the
 * capabilities it needs, and verify the drop by trying to undo it.
 *
 * Runs as: root (portholed at start, porthole-helper setuid), or the
 * caller with file capabilities (porthole-helper, make install-caps).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT			47
#define PR_CAP_AMBIENT_IS_SET		1
#define PR_CAP_AMBIENT_CLEAR_ALL	4
#endif

const char	*ph_priv_prog = "porthole";
int		 ph_priv_journal;	/* stderr is the journal's stream */

/*
 * Die with a fixed message on stderr, by write(2) only: no stdio buffers,
 * no locale, nothing the caller's environment could steer (S3).
 */
void
ph_priv_die(const char *msg, int err)
{
	char	buf[256];
	int	n;

	/* "<3>": an error to the journal (sd-daemon(3), issue 11). */
	n = snprintf(buf, sizeof(buf), "%s%s: %s%s%s\n",
	    ph_priv_journal ? "<3>" : "", ph_priv_prog, msg,
	    err ? ": " : "", err ? strerror(err < 0 ? -err : err) : "");
	if (n > 0)
		(void)!write(2, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
	_exit(1);
}

/*
 * ph_priv_sanitize() - distrust everything inherited, before parsing
 * anything: fds 0-2 open (else /dev/null: S4), every other fd but
 * keep_fd closed (S4), an empty environment (S2), umask 077 (S8), cwd /
 * (S9), default signal dispositions and an empty mask (S6), no core
 * dumps and sane limits (S5, S7).
 */
void
ph_priv_sanitize(int keep_fd)
{
	struct sigaction	sa;
	struct rlimit		rl;
	sigset_t		all;
	int			fd, sig;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) != fd)
			_exit(1);
	if (keep_fd > 3 &&
	    syscall(SYS_close_range, 3U, (unsigned)keep_fd - 1, 0U) == -1)
		ph_priv_die("close_range", errno);
	if (syscall(SYS_close_range, (unsigned)(keep_fd >= 3 ? keep_fd + 1 : 3),
	    ~0U, 0U) == -1)
		ph_priv_die("close_range", errno);
	if (clearenv() != 0)
		ph_priv_die("clearenv", 0);
	(void)umask(077);
	if (chdir("/") == -1)
		ph_priv_die("chdir /", errno);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);	/* EINVAL: rt gaps */
	(void)sigemptyset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) == -1)
		ph_priv_die("sigprocmask", errno);
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		ph_priv_die("RLIMIT_CORE", errno);
	/* Room for the few fds we need; a lower hard limit fails closed
	 * later, at the socket() that cannot be made. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 64) {
		rl.rlim_cur = rl.rlim_max < 64 ? rl.rlim_max : 64;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		ph_priv_die("PR_SET_DUMPABLE", errno);
}

static int
cap_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct	h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capget, &h, d);
}

static int
cap_set(unsigned long long eff, unsigned long long prm)
{
	struct __user_cap_header_struct	h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)prm;
	d[1].permitted = (uint32_t)(prm >> 32);
	return (int)syscall(SYS_capset, &h, d);	/* inheritable: 0 */
}

/* ph_priv_permitted() - the permitted set, or 0 if it cannot be read. */
unsigned long long
ph_priv_permitted(void)
{
	struct __user_cap_data_struct	d[2];

	if (cap_get(d) == -1)
		return 0;
	return d[0].permitted | ((unsigned long long)d[1].permitted << 32);
}

/* ph_priv_raise() - copy `caps` from permitted to effective. */
int
ph_priv_raise(unsigned long long caps)
{
	struct __user_cap_data_struct	d[2];
	unsigned long long		prm, eff;

	if (cap_get(d) == -1)
		return -errno;
	prm = d[0].permitted | ((unsigned long long)d[1].permitted << 32);
	eff = d[0].effective | ((unsigned long long)d[1].effective << 32);
	if ((prm & caps) != caps)
		return -EPERM;
	return cap_set(eff | caps, prm) == -1 ? -errno : 0;
}

/*
 * ph_priv_drop() - become uid/gid with no supplementary groups and only
 * `caps` (permitted, and effective unless PH_DROP_PERMITTED; inheritable,
 * ambient empty), set NO_NEW_PRIVS, and verify all of it, including that
 * the old ids cannot be regained (S12, S13, S14).  Order: bounding set
 * and groups while we may, then gid, then uid; PR_SET_KEEPCAPS keeps the
 * permitted set across setresuid() (capabilities(7)), and capset() then
 * cuts it to `caps`.  A process that is not root (a file-capability
 * helper, or portholed after its first drop) keeps its ids and only
 * sheds capabilities.  Dies on failure.
 */
void
ph_priv_drop(uid_t uid, gid_t gid, unsigned long long caps, int flags)
{
	struct __user_cap_data_struct	d[2];
	uid_t				ru, eu, su;
	gid_t				rg, eg, sg;
	unsigned long long		prm, eff, inh, want_eff;
	int				cap, was_root = geteuid() == 0;

	/* S14: with PH_DROP_PERMITTED nothing is effective until the one
	 * act raises the one capability it needs (ph_priv_raise()). */
	want_eff = (flags & PH_DROP_PERMITTED) ? 0 : caps;

	if (was_root) {
		/*
		 * The bounding set limits what an exec could regain.  The
		 * helper never execs and ends with NO_NEW_PRIVS, a non-root
		 * uid and empty sets, so it skips these 40 prctl() calls
		 * (about 65 us, a tenth of its run; docs/PERFORMANCE.md).
		 */
		for (cap = 0; !(flags & PH_DROP_NOEXEC) && cap <= CAP_LAST_CAP;
		    cap++)
			if (!(caps & (1ULL << cap)) &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
			    errno != EINVAL)
				ph_priv_die("PR_CAPBSET_DROP", errno);
		if (caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
			ph_priv_die("PR_SET_KEEPCAPS", errno);
		if (setgroups(0, NULL) == -1)
			ph_priv_die("setgroups", errno);
		if (setresgid(gid, gid, gid) == -1)
			ph_priv_die("setresgid", errno);
		if (setresuid(uid, uid, uid) == -1)
			ph_priv_die("setresuid", errno);
		if (caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
			ph_priv_die("PR_SET_KEEPCAPS", errno);
	}
	if (cap_set(want_eff, caps) == -1)
		ph_priv_die("capset", errno);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		ph_priv_die("clearing ambient capabilities", errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		ph_priv_die("PR_SET_NO_NEW_PRIVS", errno);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		ph_priv_die("PR_SET_DUMPABLE", errno);

	/* Verify: read everything back. */
	if (was_root) {
		if (getresuid(&ru, &eu, &su) == -1 || ru != uid || eu != uid ||
		    su != uid)
			ph_priv_die("uid drop did not take", 0);
		if (getresgid(&rg, &eg, &sg) == -1 || rg != gid || eg != gid ||
		    sg != gid)
			ph_priv_die("gid drop did not take", 0);
		if (getgroups(0, NULL) != 0)
			ph_priv_die("supplementary groups remain", 0);
		/* Try to undo it: must fail (OpenSSH permanently_set_uid). */
		if (uid != 0 && (setresuid((uid_t)-1, 0, (uid_t)-1) != -1 ||
		    setuid(0) != -1))
			ph_priv_die("could regain root after the drop", 0);
		if (gid != 0 && uid != 0 && setgid(0) != -1)
			ph_priv_die("could regain gid 0 after the drop", 0);
	}
	if (cap_get(d) == -1)
		ph_priv_die("capget", errno);
	prm = d[0].permitted | ((unsigned long long)d[1].permitted << 32);
	eff = d[0].effective | ((unsigned long long)d[1].effective << 32);
	inh = d[0].inheritable | ((unsigned long long)d[1].inheritable << 32);
	if (prm != caps || eff != want_eff || inh != 0)
		ph_priv_die("capabilities are not what was asked", 0);
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) > 0)
			ph_priv_die("an ambient capability remains", 0);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		ph_priv_die("NO_NEW_PRIVS is not set", 0);
}
