/* SPDX-License-Identifier: ISC */
/*
 * status.c - `porthole status`: ask portholed, and only portholed, how
 * it is (issue 11): its version, the policy in force (file, rules, when
 * it was loaded, whether it is valid), its uptime, open connections and
 * the grants and refusals since it started.  The daemon answers this to
 * anyone, with counts only (S89).  Never falls back to porthole-helper,
 * which has no state to report: a stopped daemon is said to be stopped.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "porthole.h"
#include "private.h"
#include "cli.h"

static void
status_help(void)
{
	(void)printf(
	    "Usage: porthole status [--json]\n"
	    "\n"
	    "Ask portholed (%s) for its version, policy, uptime,\n"
	    "connections, grants and refusals.\n"
	    "\n"
	    "  -j, --json   one JSON object on stdout\n"
	    "  -h, --help\n"
	    "\n"
	    "Exit status: 0 when portholed answered, 1 when it did not, 2 on\n"
	    "a usage error.\n", ph__broker_daemon_path());
}

/* s as a JSON string on stdout (RFC 8259 escapes; the policy path is
 * the admin's, but any byte may be in it). */
static void
json_str(const char *s)
{
	(void)putchar('"');
	cli_put_esc(s, 1);
	(void)putchar('"');
}

/* "2026-12-06 12:00:00 UTC", or "unknown" for 0. */
static void
when(uint64_t t, char *buf, size_t len)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		(void)snprintf(buf, len, "unknown");
}

/* The one line that says why portholed did not answer; exits 1. */
static noreturn void
not_answered(int r, const char *path)
{
	switch (r) {
	case -ENOENT:
	case -ECONNREFUSED:
		die(1, 0, "no portholed at %s (%s); start it with "
		    "`systemctl start portholed.socket`", path,
		    r == -ENOENT ? "no such socket" : "connection refused");
	case -EACCES:
		die(1, 0, "cannot connect to portholed at %s (permission "
		    "denied): the socket or a directory above it is not "
		    "open to you", path);
	case -EPERM:
		/* S28: ph_broker_connect() wants the listener to be root's. */
		die(1, 0, "the socket at %s is not root's, so it is no "
		    "portholed to trust", path);
	case -ECONNRESET:
		die(1, 0, "portholed at %s closed the connection without "
		    "answering (a portholed older than this porthole?)", path);
	case -EOPNOTSUPP:
		die(1, 0, "portholed at %s does not answer status requests",
		    path);
	default:
		die(1, r, "cannot ask portholed at %s", path);
	}
}

int
cmd_status(int argc, char **argv)
{
	static const struct cli_opts	opts = { "+:jh", status_help, {
		{ "json",	no_argument,		NULL, 'j' },
	} };
	struct ph_status	 st;
	const char		*path = ph__broker_daemon_path();
	char			 loaded[64];
	unsigned long long	 up;
	int			 c, json = 0, r;

	while ((c = cli_getopt(argc, argv, &opts)) != -1)
		json = 1;		/* -j, the only other option */
	if (optind != argc)
		usage_error("takes no arguments");
	if ((r = ph__broker_status(&st)) < 0)
		not_answered(r, path);
	when(st.loaded, loaded, sizeof(loaded));
	up = (unsigned long long)st.uptime;
	if (json) {
		(void)printf("{\"socket\": ");
		json_str(path);
		(void)printf(", \"version\": ");
		json_str(st.version);
		(void)printf(", \"policy\": ");
		json_str(st.policy);
		(void)printf(", \"policy_valid\": %s, \"rules\": %lu, "
		    "\"loaded\": %llu, \"uptime\": %llu, \"connections\": %lu, "
		    "\"grants\": %llu, \"refusals\": %llu}\n",
		    st.policy_valid ? "true" : "false",
		    (unsigned long)st.nrules, (unsigned long long)st.loaded,
		    up, (unsigned long)st.connections,
		    (unsigned long long)st.grants,
		    (unsigned long long)st.refusals);
	} else {
		/* Text from the daemon goes to a terminal escaped. */
		(void)fputs("portholed ", stdout);
		cli_put_esc(st.version, 0);
		(void)fputs(" at ", stdout);
		cli_put_esc(path, 0);
		(void)fputs("\npolicy:      ", stdout);
		cli_put_esc(st.policy[0] ? st.policy : "(path too long)", 0);
		if (st.policy_valid)
			(void)printf(": %lu rules, loaded %s\n",
			    (unsigned long)st.nrules, loaded);
		else
			(void)printf(": NO VALID POLICY, nothing is granted "
			    "(since %s); see `journalctl -u portholed`\n",
			    loaded);
		(void)printf("uptime:      %llud %02llu:%02llu:%02llu\n",
		    up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
		(void)printf("connections: %lu\n",
		    (unsigned long)st.connections);
		(void)printf("grants:      %llu\n",
		    (unsigned long long)st.grants);
		(void)printf("refusals:    %llu\n",
		    (unsigned long long)st.refusals);
	}
	if (fflush(stdout) != 0)
		die(1, -errno, "cannot write the status");
	return 0;
}
