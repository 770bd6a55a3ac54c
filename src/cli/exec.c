/* SPDX-License-Identifier: ISC */
/*
 * exec.c - porthole exec [--no-inherit] [--] PROGRAM [ARG...]: run an
 * unmodified PROGRAM with libporthole-preload.so in LD_PRELOAD, so that
 * its bind() of a privileged port goes to the broker (src/preload/).
 *
 * Before the exec, PROGRAM is looked at the way the kernel and ld.so will
 * see it, because a preload that silently does not load leaves the user
 * with a bare EACCES and no idea why:
 *   - found on PATH as execvp() would find it (127 if not, 126 if it
 *     cannot be run);
 *   - "#!" scripts are followed to their interpreter (at most 5 deep,
 *     as the kernel does);
 *   - a static ELF (no PT_INTERP) has no ld.so to preload anything;
 *   - a setuid or setgid ELF, or one with file capabilities, runs in
 *     secure mode, where ld.so ignores LD_PRELOAD (kernel-facts V16);
 *   - an ELF of another class or machine than the preload cannot load it.
 * Each of these exits 125 and points to `porthole run`.  What is checked
 * here is advice, not a security boundary: the preload confers no
 * privilege, the broker decides everything.
 *
 * PORTHOLE_PRELOAD (read with secure_getenv) names another preload, for
 * tests of an uninstalled build.
 *
 * Exit: 125 when porthole fails or refuses, 126 when PROGRAM cannot run,
 * 127 when it is not found; once PROGRAM runs, its status.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "paths.h"
#include "cli.h"

#define MAX_INTERP	5	/* nested "#!": exec_binprm() stops past 5 */
#define SHEBANG_MAX	256	/* the kernel's BINPRM_BUF_SIZE */
#define MAX_PHDRS	256

static void
exec_help(void)
{
	(void)printf(
	    "Usage: porthole exec [--no-inherit] [--] PROGRAM [ARG...]\n"
	    "\n"
	    "Run PROGRAM with libporthole-preload.so preloaded: when it binds a\n"
	    "TCP or UDP socket to a privileged port (below\n"
	    "net.ipv4.ip_unprivileged_port_start) and the kernel refuses, the\n"
	    "porthole broker binds that same socket in place, if the policy in\n"
	    "%s allows it.  Every other bind() is left alone.\n"
	    "\n"
	    "  --no-inherit   preload PROGRAM only, not what it executes\n"
	    "  -h, --help     show this help\n"
	    "\n"
	    "Statically linked, setuid, setgid and file-capability programs\n"
	    "cannot be helped this way; use 'porthole run' for them.\n"
	    "\n"
	    "Exit status: 125 if porthole fails, 126 if PROGRAM cannot be run,\n"
	    "127 if it is not found, else PROGRAM's.\n", PH_POLICY_PATH);
}

/* What the preload is built for: class and machine of its ELF header. */
struct elfid {
	unsigned char	cls;
	uint16_t	machine;
};

/*
 * Read the ELF header and program headers of the open file fd.  Returns
 * 1 for an ELF (with *dyn = has PT_INTERP), 0 for something else, or -1
 * with errno for a read error.
 */
static int
elf_inspect(int fd, struct elfid *id, int *dyn)
{
	union {
		Elf64_Ehdr	e64;
		Elf32_Ehdr	e32;
	} h;
	union {
		Elf64_Phdr	p64[MAX_PHDRS];
		Elf32_Phdr	p32[MAX_PHDRS];
	} ph;
	uint64_t	phoff;
	size_t		phnum, phentsize, i;
	ssize_t		n;

	n = pread(fd, &h, sizeof(h), 0);
	if (n == -1)
		return -1;
	if ((size_t)n < sizeof(h.e32) || memcmp(h.e32.e_ident, ELFMAG,
	    SELFMAG) != 0)
		return 0;
	id->cls = h.e32.e_ident[EI_CLASS];
	/* e_machine sits at the same offset in both classes. */
	id->machine = h.e32.e_machine;
	if (id->cls == ELFCLASS64 && (size_t)n >= sizeof(h.e64)) {
		phoff = h.e64.e_phoff;
		phnum = h.e64.e_phnum;
		phentsize = h.e64.e_phentsize;
		if (phentsize != sizeof(Elf64_Phdr))
			return 0;
	} else if (id->cls == ELFCLASS32) {
		phoff = h.e32.e_phoff;
		phnum = h.e32.e_phnum;
		phentsize = h.e32.e_phentsize;
		if (phentsize != sizeof(Elf32_Phdr))
			return 0;
	} else
		return 0;
	*dyn = 0;
	if (phnum > MAX_PHDRS || phoff > (uint64_t)LLONG_MAX)
		return 0;
	/* Every program header in one read. */
	if (pread(fd, &ph, phnum * phentsize, (off_t)phoff) !=
	    (ssize_t)(phnum * phentsize))
		return 0;
	for (i = 0; i < phnum; i++)
		if ((id->cls == ELFCLASS64 ? ph.p64[i].p_type :
		    ph.p32[i].p_type) == PT_INTERP)
			*dyn = 1;
	return 1;
}

/*
 * Does running this file change our credentials, so that ld.so runs it in
 * secure mode and drops LD_PRELOAD?  A set-id bit of another id than
 * ours, on a mount that honours it, or file capabilities.  Under
 * no_new_privs neither applies (kernel-facts V17).
 */
static const char *
secure_mode(int fd, const struct stat *st)
{
	struct statvfs	sv;
	const char	*why = NULL;

	if ((st->st_mode & S_ISUID) && st->st_uid != getuid())
		why = "setuid";
	else if ((st->st_mode & S_ISGID) && st->st_gid != getgid())
		why = "setgid";
	else if (fgetxattr(fd, "security.capability", NULL, 0) > 0)
		why = "given file capabilities";
	/* Only then the two reasons the kernel would not honour it. */
	if (why == NULL || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ||
	    (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_NOSUID)))
		return NULL;
	return why;
}

/*
 * Follow PROGRAM as the kernel will: "#!" to its interpreter, then the
 * ELF.  Dies with the reason when the preload cannot work.  Returns 1
 * when the last interpreter is env(1), which will exec PROGRAM's real
 * interpreter in turn, else 0.
 */
static int
check_program(const char *display, const char *path,
    const struct elfid *want)
{
	char		 buf[SHEBANG_MAX + 1], cur[PATH_MAX], *s, *t;
	struct stat	 st;
	struct elfid	 id;
	const char	*why;
	ssize_t		 n;
	int		 depth, fd, dyn = 0, r;

	if (strlen(path) >= sizeof(cur))
		die(EXIT_NOEXEC, ENAMETOOLONG, "cannot run '%s'", display);
	memcpy(cur, path, strlen(path) + 1);
	for (depth = 0; depth <= MAX_INTERP; depth++) {
		if ((fd = open(cur, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
		    fstat(fd, &st) == -1)
			die(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, errno,
			    "cannot run '%s'%s%s", display, depth ? ": " : "",
			    depth ? cur : "");
		if (!S_ISREG(st.st_mode))
			die(EXIT_NOEXEC, EACCES, "cannot run '%s'", display);
		if ((n = pread(fd, buf, SHEBANG_MAX, 0)) < 0)
			die(EXIT_NOEXEC, errno, "cannot read '%s'", cur);
		else
			buf[n] = '\0';
		if (n < 2 || buf[0] != '#' || buf[1] != '!')
			break;
		(void)close(fd);
		/* "#!" [spaces] INTERPRETER [spaces ARG]: the interpreter. */
		for (s = buf + 2; *s == ' ' || *s == '\t'; s++)
			;
		for (t = s; *t != '\0' && *t != ' ' && *t != '\t' &&
		    *t != '\n'; t++)
			;
		*t = '\0';
		if (*s == '\0')
			die(EXIT_NOEXEC, ENOEXEC, "cannot run '%s'", display);
		memcpy(cur, s, (size_t)(t - s) + 1);
	}
	if (depth > MAX_INTERP)
		die(EXIT_NOEXEC, ELOOP, "cannot run '%s'", display);
	r = elf_inspect(fd, &id, &dyn);
	if (r == -1)
		die(EXIT_NOEXEC, errno, "cannot read '%s'", cur);
	if (r == 1) {
		if (!dyn)
			die(EXIT_CANNOT, 0, "%s%s%s%s is statically linked, so "
			    "no preload can reach its bind(); run it with "
			    "'porthole run SPEC... -- %s' and let it take its "
			    "sockets from LISTEN_FDS", cur, depth ? " (the "
			    "interpreter of " : "", depth ? display : "",
			    depth ? ")" : "", display);
		if (id.cls != want->cls || id.machine != want->machine)
			die(EXIT_CANNOT, 0, "%s is built for another machine "
			    "or word size than libporthole-preload.so; use "
			    "'porthole run SPEC... -- %s'", cur, display);
	}
	/* Not ELF and no "#!": execvp() hands it to /bin/sh, which we
	 * trust to be a dynamic ELF of ours. */
	if (r == 1 && (why = secure_mode(fd, &st)) != NULL)
		die(EXIT_CANNOT, 0, "%s is %s, so the dynamic loader ignores "
		    "LD_PRELOAD for it; run it with 'porthole run SPEC... -- "
		    "%s' instead", cur, why, display);
	(void)close(fd);
	s = strrchr(cur, '/');
	return depth > 0 && strcmp(s != NULL ? s + 1 : cur, "env") == 0;
}

/* The preload: its path, checked to be a loadable ELF of ours. */
static const char *
preload_path(struct elfid *id)
{
	const char	*p = secure_getenv("PORTHOLE_PRELOAD");
	int		 fd, dyn = 0, r;

	if (p == NULL || p[0] != '/')
		p = PH_PRELOAD_PATH;
	/* ld.so splits LD_PRELOAD at spaces and colons. */
	if (strpbrk(p, " :\t\n") != NULL)
		die(EXIT_CANNOT, 0, "the preload's path '%s' has a space or a "
		    "colon, which LD_PRELOAD cannot carry", p);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		die(EXIT_CANNOT, errno, "%s (reinstall porthole: make install)",
		    p);
	r = elf_inspect(fd, id, &dyn);
	(void)close(fd);
	if (r != 1)
		die(EXIT_CANNOT, r == -1 ? errno : ENOEXEC, "%s", p);
	return p;
}

int
cmd_exec(int argc, char **argv)
{
	static const struct cli_opts	opts = { "+:h", exec_help, {
		{ "no-inherit",	no_argument,	NULL, 'n' },
	} };
	struct elfid	 want;
	const char	*pre, *old;
	char		 path[PATH_MAX], *val = NULL;
	int		 c, noinherit = 0, viaenv, r;

	while ((c = cli_getopt(argc, argv, &opts)) != -1)
		noinherit = 1;		/* --no-inherit, the only other one */
	if (optind >= argc)
		usage_error("missing PROGRAM");
	pre = preload_path(&want);
	if ((r = find_program(argv[optind], path, sizeof(path))) < 0)
		die(r == -ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, -r,
		    "cannot run '%s'", argv[optind]);
	viaenv = check_program(argv[optind], path, &want);

	/* Ours first, so that our bind() is the one the program finds;
	 * any preload already there stays, after us. */
	old = getenv("LD_PRELOAD");
	if (asprintf(&val, "%s%s%s", pre, old != NULL && old[0] ? " " : "",
	    old != NULL ? old : "") == -1)
		die(EXIT_CANNOT, ENOMEM, "LD_PRELOAD");
	if (setenv("LD_PRELOAD", val, 1) == -1)
		die(EXIT_CANNOT, errno, "setenv");
	free(val);
	if (noinherit && setenv("PORTHOLE_EXEC_NOINHERIT", viaenv ? "2" : "1",
	    1) == -1)
		die(EXIT_CANNOT, errno, "setenv");
	if (!noinherit)
		(void)unsetenv("PORTHOLE_EXEC_NOINHERIT");
	execv(path, argv + optind);
	if (errno == ENOEXEC) {
		/* As execvp(): a file with no "#!" is a shell script. */
		char	**sh = calloc((size_t)(argc - optind) + 2, sizeof(*sh));

		if (sh != NULL) {
			sh[0] = "sh";
			sh[1] = path;
			memcpy(sh + 2, argv + optind + 1,
			    (size_t)(argc - optind - 1) * sizeof(*sh));
			execv("/bin/sh", sh);
			free(sh);
		}
	}
	die(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, errno,
	    "cannot run '%s'", argv[optind]);
}
