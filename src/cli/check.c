/* SPDX-License-Identifier: ISC */
/*
 * check.c - porthole check [--user NAME] [--policy FILE] [SPEC...]: say
 * for each SPEC whether the policy allows it and by which rule
 * ("FILE:LINE: rule"), or with --policy and no SPEC validate a policy
 * file as visudo -c does.  Root may ask for any user; others for
 * themselves.  Exit 0 when everything asked is allowed (or the file is
 * valid), 1 otherwise, 2 on a usage error.
 */
#include <errno.h>
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
	    "is a valid, safely owned policy.\n"
	    "\n"
	    "  -u, --user NAME    ask for NAME (root only; default: yourself)\n"
	    "  -p, --policy FILE  the policy (default %s)\n"
	    "  -h, --help         show this help\n", PH_POLICY_PATH);
}

/* One question to the policy; prints the answer, returns 1 if allowed. */
static int
ask(const struct ph_policy *pol, const struct ph_requester *who,
    const struct spec *sp)
{
	struct ph_grant	q = sp->g;
	char		rule[256], rule6[256];
	int		line = 0, line6 = 0, ok;

	if ((q.kind == PH_GRANT_TCP || q.kind == PH_GRANT_UDP) &&
	    q.family == 0) {
		/* What `porthole run` binds: every address, both families. */
		q.family = AF_INET6;
		ok = ph_policy_check(pol, who, &q, &line6, rule6,
		    sizeof(rule6));
		q.family = AF_INET;
		ok = ph_policy_check(pol, who, &q, &line, rule, sizeof(rule)) &&
		    ok;
	} else
		ok = ph_policy_check(pol, who, &q, &line, rule, sizeof(rule));
	if (ok)
		(void)printf("allowed: %s by %s:%d: %s\n", sp->text,
		    ph_policy_file(pol), line, rule);
	else
		(void)printf("denied: %s (no rule in %s allows it)\n", sp->text,
		    ph_policy_file(pol));
	return ok;
}

int
cmd_check(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "user",	required_argument,	NULL, 'u' },
		{ "policy",	required_argument,	NULL, 'p' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct ph_requester	 who;
	struct ph_policy	*pol = NULL;
	struct passwd		*pw;
	struct spec		 sp;
	const char		*user = NULL, *file = NULL, *why;
	char			 err[512];
	gid_t			 groups[MAX_GROUPS];
	int			 c, i, ng = MAX_GROUPS, r, all = 1;

	while ((c = getopt_long(argc, argv, "+u:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			user = optarg;
			break;
		case 'p':
			file = optarg;
			break;
		case 'h':
			check_help();
			return 0;
		default:
			usage_error("bad option");
		}
	}
	if (optind == argc && file == NULL)
		usage_error("no SPEC (or --policy FILE to validate a file)");
	for (i = optind; i < argc; i++)
		if (spec_parse(argv[i], &sp, &why) < 0)
			usage_error("'%s': %s", argv[i], why);
	if (file != NULL && file[0] != '/')
		usage_error("--policy takes an absolute path");
	if ((r = ph_policy_load(file ? file : PH_POLICY_PATH, &pol, err,
	    sizeof(err))) < 0)
		die(1, 0, "%s", err);
	if (optind == argc) {
		(void)printf("%s: OK (%zu rules)\n", ph_policy_file(pol),
		    ph_policy_nrules(pol));
		ph_policy_free(pol);
		return 0;
	}

	if (user != NULL) {
		if (getuid() != 0)
			die(1, 0, "only root may ask for another user");
		pw = getpwnam(user);
		if (pw == NULL)
			die(1, 0, "no user '%s'", user);
		else if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ng) < 0)
			die(1, 0, "'%s' is in too many groups", user);
		else {
			who.uid = pw->pw_uid;
			who.gid = pw->pw_gid;
		}
	} else {
		if ((ng = getgroups(MAX_GROUPS, groups)) < 0)
			die(1, errno, "getgroups");
		who.uid = getuid();
		who.gid = getgid();
	}
	who.groups = groups;
	who.ngroups = (size_t)ng;
	for (i = optind; i < argc; i++) {
		(void)spec_parse(argv[i], &sp, &why);
		all &= ask(pol, &who, &sp);
	}
	ph_policy_free(pol);
	return all ? 0 : 1;
}
