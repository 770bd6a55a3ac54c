/* SPDX-License-Identifier: ISC */
/*
 * check.c - porthole check [--user NAME] [--policy FILE] [SPEC...]: say
 * for each SPEC whether the policy allows it and by which rule
 * ("FILE:LINE: rule"), or with --policy and no SPEC validate a policy
 * file as visudo -c does, and warn about rules that grant more or less
 * than they seem to (raw and packet grants, S46, S51; an IPv6 wildcard
 * without the IPv4 one, S50).  Root may ask for any user; others for
 * themselves.  Exit 0 when everything asked is allowed (or the file is
 * valid, warnings or not), 1 otherwise, 2 on a usage error.
 *
 * A bind is asked the questions the broker asks (src/broker/priv.c,
 * check_bind()), so that check and the broker cannot disagree (S50).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"
#include "paths.h"
#include "policy.h"
#include "cli.h"

#define MAX_GROUPS	1024

static void
check_help(void)
{
	(void)printf(
	    "Usage: porthole check [--user NAME] [--policy FILE] SPEC...\n"
	    "       porthole check --policy FILE\n"
	    "\n"
	    "Say whether the porthole policy allows each SPEC, naming the rule\n"
	    "as FILE:LINE: rule; or, with --policy and no SPEC, check that FILE\n"
	    "is a valid, safely owned policy, and warn on stderr about rules\n"
	    "that grant raw or packet sockets or an IPv6 wildcard alone.\n"
	    "\n"
	    "  -u, --user NAME    ask for NAME (root only; default: yourself)\n"
	    "  -p, --policy FILE  the policy (default %s)\n"
	    "  -h, --help         show this help\n", PH_POLICY_PATH);
}

/* The IPv4 wildcard of the same kind and ports as g. */
static struct ph_grant
any4_of(const struct ph_grant *g)
{
	struct ph_grant	v4 = *g;

	v4.family = AF_INET;
	memset(v4.addr, 0, sizeof(v4.addr));
	return v4;
}

/*
 * One question to the policy; prints the answer, returns 1 if allowed.
 * A wildcard bind names both rules that allow it, when they differ.
 */
static int
ask(const struct ph_policy *pol, const struct ph_requester *who,
    const struct spec *sp)
{
	struct ph_grant	q = sp->g, v4;
	const char	*file = ph_policy_file(pol);
	char		rule[256], rule4[256], want[64];
	int		line = 0, line4 = 0, ok, ok4 = 1, wild;

	/*
	 * No address is what `porthole run` binds: the IPv6 wildcard (or,
	 * on a system without IPv6, only the IPv4 one: then check asks one
	 * question more than the broker will).  The rest is the broker's
	 * own decision (S50, ph_policy_check_bind()).
	 */
	if ((q.kind == PH_GRANT_TCP || q.kind == PH_GRANT_UDP) && q.family == 0)
		q.family = AF_INET6;		/* addr is all zeros: [::] */
	wild = ph_bind_question(&q);
	(void)ph_policy_check_bind(pol, who, &q, &line, rule, sizeof(rule),
	    &line4, rule4, sizeof(rule4));
	ok = line != 0;
	if (wild) {
		v4 = any4_of(&q);
		ok4 = line4 != 0;
	}
	if (ok && ok4) {
		(void)printf("allowed: %s by %s:%d: %s", sp->text, file, line,
		    rule);
		if (wild && (line4 != line || strcmp(rule4, rule) != 0))
			(void)printf(" and %s:%d: %s", file, line4, rule4);
		(void)putchar('\n');
	} else if (wild && ok != ok4) {
		/* Say which half is missing: the usual mistake is [::] alone. */
		(void)ph__grant_format(ok ? &v4 : &q, want, sizeof(want));
		(void)printf("denied: %s (no rule in %s allows %s, which a "
		    "bind of the IPv6 wildcard needs too)\n", sp->text, file,
		    want);
	} else
		(void)printf("denied: %s (no rule in %s allows it)\n", sp->text,
		    file);
	return ok && ok4;
}

/* ------------------------------------------------------------------ */
/* Warnings about a valid policy (--policy FILE, no SPEC)             */
/* ------------------------------------------------------------------ */

/* One grant of the file, with the rule it is in. */
struct lint_grant {
	int		line;
	int		group;		/* 1: allow group, 0: allow user */
	unsigned long	id;		/* uid or gid */
	struct ph_grant	g;
};

struct lint {
	const char		*file;
	struct lint_grant	*v;
	size_t			 n, cap;
};

/* The policy's grants, from the parsed policy itself.  -1 on ENOMEM. */
static int
lint_collect(struct lint *li, const struct ph_policy *pol)
{
	struct ph_policy_grant	 pg;
	struct lint_grant	*nv;
	size_t			 i;

	for (i = 0; ph_policy_grant_at(pol, i, &pg) == 0; i++) {
		if (li->n == li->cap) {
			li->cap = li->cap ? li->cap * 2 : 64;
			if ((nv = reallocarray(li->v, li->cap, sizeof(*nv))) ==
			    NULL)
				return -1;
			li->v = nv;
		}
		li->v[li->n].line = pg.line;
		li->v[li->n].group = pg.group;
		li->v[li->n].id = pg.id;
		li->v[li->n++].g = *pg.g;
	}
	return 0;
}

/*
 * Does some rule of g's subject grant the IPv4 wildcard of every port of
 * g (a grant for every address included)?  Jumps from the end of one
 * covering grant to the next, so a range costs O(grants) per grant that
 * covers part of it, not O(ports x grants) (S84).
 */
static int
lint_has_any4(const struct lint *li, const struct lint_grant *g)
{
	const struct ph_grant	*h;
	unsigned long		 port = g->g.port_lo, end;
	size_t			 i;

	while (port <= g->g.port_hi) {
		end = 0;
		for (i = 0; i < li->n; i++) {
			h = &li->v[i].g;
			if (li->v[i].group != g->group || li->v[i].id != g->id ||
			    h->kind != g->g.kind || port < h->port_lo ||
			    port > h->port_hi)
				continue;
			if (h->family == 0 || (h->family == AF_INET &&
			    memcmp(h->addr, "\0\0\0\0", 4) == 0))
				end = h->port_hi > end ? h->port_hi : end;
		}
		if (end == 0)
			return 0;
		port = end + 1;
	}
	return 1;
}

/*
 * What a raw or packet grant hands its holder, in one clause (S51; see
 * porthole.policy(5)).  Raw sockets take IP_HDRINCL or IPV6_HDRINCL
 * without any capability (kernel-facts V22), so the protocol number
 * limits what is received, never what is sent.
 */
static void
lint_raw_what(const struct ph_grant *g, char *buf, size_t len)
{
	char	gt[64];

	(void)ph__grant_format(g, gt, sizeof(gt));
	if (g->kind == PH_GRANT_PACKET)
		(void)snprintf(buf, len, "%s receives every frame on %s in "
		    "the holder's network namespace, in and out, other hosts' "
		    "too in promiscuous mode (which it may turn on), and sends "
		    "any frame", gt, g->ifname);
	else
		(void)snprintf(buf, len, "%s receives every %s packet of "
		    "protocol %d that reaches the holder's network namespace, "
		    "whichever process it is for, and sends any %s packet, of "
		    "any protocol, from any source address (%s)", gt,
		    g->kind == PH_GRANT_RAW4 ? "IPv4" : "IPv6", g->protocol,
		    g->kind == PH_GRANT_RAW4 ? "IPv4" : "IPv6",
		    g->kind == PH_GRANT_RAW4 ? "IP_HDRINCL" : "IPV6_HDRINCL");
}

/* Print the warnings, one line each, in the order of the file. */
static void
lint_report(const struct lint *li)
{
	const struct lint_grant	*g;
	struct ph_grant		 fix;
	char			 what[1024], one[512], gt[64], ft[64],
				 all[64];
	size_t			 i, j, wl;
	int			 kind;

	for (i = 0; i < li->n; i = j) {
		/* S46, S51: one line per rule that grants raw or packet. */
		wl = 0;
		what[0] = '\0';
		for (j = i; j < li->n && li->v[j].line == li->v[i].line; j++) {
			kind = li->v[j].g.kind;
			if (kind != PH_GRANT_RAW4 && kind != PH_GRANT_RAW6 &&
			    kind != PH_GRANT_PACKET)
				continue;
			lint_raw_what(&li->v[j].g, one, sizeof(one));
			if (wl < sizeof(what))
				wl += (size_t)snprintf(what + wl,
				    sizeof(what) - wl, "%s%s",
				    wl ? "; " : "", one);
		}
		if (wl > 0)
			warnx_(0, "%s:%d: warning: %s (see porthole.policy(5))",
			    li->file, li->v[i].line, what);
		/* S50: the IPv6 wildcard alone, or an IPv4-mapped address. */
		for (j = i; j < li->n && li->v[j].line == li->v[i].line; j++) {
			g = &li->v[j];
			if ((g->g.kind != PH_GRANT_TCP &&
			    g->g.kind != PH_GRANT_UDP) || g->g.family != AF_INET6)
				continue;
			(void)ph__grant_format(&g->g, gt, sizeof(gt));
			fix = g->g;
			if (!ph_bind_question(&fix) && fix.family == AF_INET) {
				(void)ph__grant_format(&fix, ft, sizeof(ft));
				warnx_(0, "%s:%d: warning: %s grants nothing: "
				    "an IPv4-mapped address is judged as the "
				    "IPv4 address; write %s", li->file, g->line,
				    gt, ft);
			} else if (fix.family == AF_INET6 &&
			    ph_bind_question(&fix) && !lint_has_any4(li, g)) {
				fix = any4_of(&g->g);
				(void)ph__grant_format(&fix, ft, sizeof(ft));
				fix.family = 0;
				(void)ph__grant_format(&fix, all, sizeof(all));
				warnx_(0, "%s:%d: warning: %s grants nothing on "
				    "its own: a bind of the IPv6 wildcard also "
				    "needs the IPv4 wildcard, whatever "
				    "IPV6_V6ONLY says; add %s, or grant %s "
				    "(every address)", li->file, g->line, gt, ft,
				    all);
			}
		}
	}
}

/*
 * Warn about a policy that loaded: rules whose grants mean more or less
 * than they read.  Warnings go to stderr and do not change the exit
 * status.
 */
static void
lint_policy(const char *path, const struct ph_policy *pol)
{
	struct lint	li = { .file = path };

	if (lint_collect(&li, pol) < 0)
		die(1, ENOMEM, "%s: warnings", path);
	lint_report(&li);
	free(li.v);
}

/*
 * Issue 11: every error names the policy file.  The loader's own errors
 * start with "FILE:" or "FILE:LINE:", but those of the trusted walk
 * (S53) name the directory at fault ("/etc/porthole: directory writable
 * by group or others"): name the file before them.
 */
static noreturn void
die_policy(const char *path, const char *err)
{
	size_t	n = strlen(path);

	if (strncmp(err, path, n) == 0 && err[n] == ':')
		die(1, 0, "%s", err);
	die(1, 0, "policy %s: %s", path, err);
}

/*
 * Who the question is for: `user` (root only), or NULL for ourselves,
 * with the groups (at most MAX_GROUPS, into `groups`, which *ret_who
 * then points to).  Unlike the broker, which takes the kernel's record
 * of its peer, `porthole check` runs unprivileged and may use NSS for
 * another user's groups, as id(1) does.  Dies on failure.
 */
static void
requester_of(const char *user, gid_t *groups, struct ph_requester *ret_who)
{
	struct passwd	*pw;
	int		 ng = MAX_GROUPS;

	memset(ret_who, 0, sizeof(*ret_who));	/* foreign_netns 0: ours */
	if (user != NULL) {
		if (getuid() != 0)
			die(1, 0, "only root may ask for another user");
		pw = getpwnam(user);
		if (pw == NULL)
			die(1, 0, "no user '%s'", user);
		else if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ng) < 0)
			die(1, 0, "'%s' is in too many groups", user);
		else {
			ret_who->peer.uid = pw->pw_uid;
			ret_who->peer.gid = pw->pw_gid;
		}
	} else {
		if ((ng = getgroups(MAX_GROUPS, groups)) < 0)
			die(1, errno, "getgroups");
		ret_who->peer.uid = getuid();
		ret_who->peer.gid = getgid();
	}
	ret_who->peer.groups = groups;
	ret_who->peer.ngroups = (size_t)ng;
}

int
cmd_check(int argc, char **argv)
{
	static const struct cli_opts	opts = { "+:u:p:h", check_help, {
		{ "user",	required_argument,	NULL, 'u' },
		{ "policy",	required_argument,	NULL, 'p' },
	} };
	struct ph_requester	 who;
	struct ph_policy	*pol = NULL;
	struct spec		 sp;
	const char		*user = NULL, *file = NULL, *why;
	char			 err[512];
	gid_t			 groups[MAX_GROUPS];
	int			 c, i, r, all = 1;

	while ((c = cli_getopt(argc, argv, &opts)) != -1)
		if (c == 'u')
			user = optarg;
		else
			file = optarg;	/* -p */
	if (optind == argc && file == NULL)
		usage_error("no SPEC given (or --policy FILE to validate a "
		    "file)");
	for (i = optind; i < argc; i++) {
		/* getopt stops at the first SPEC: an option after it.  (The
		 * first may begin with '-' only after "--": not an option.) */
		if (i > optind && argv[i][0] == '-' && argv[i][1] != '\0')
			usage_error("'%s' after a SPEC: options come before "
			    "SPECs", argv[i]);
		if (spec_parse(argv[i], &sp, &why) < 0)
			usage_error("'%s': %s", argv[i], why);
	}
	if (file != NULL && file[0] != '/')
		usage_error("--policy takes an absolute path");
	if ((r = ph_policy_load(file ? file : PH_POLICY_PATH, &pol, err,
	    sizeof(err))) < 0)
		die_policy(file ? file : PH_POLICY_PATH, err);
	if (optind == argc) {
		if (file != NULL)
			lint_policy(file, pol);
		(void)printf("%s: OK (%zu rules)\n", ph_policy_file(pol),
		    ph_policy_nrules(pol));
		ph_policy_free(pol);
		return 0;
	}

	requester_of(user, groups, &who);
	for (i = optind; i < argc; i++) {
		(void)spec_parse(argv[i], &sp, &why);
		all &= ask(pol, &who, &sp);
	}
	ph_policy_free(pol);
	return all ? 0 : 1;
}
