/* SPDX-License-Identifier: ISC */
/*
 * test-policy.c - the policy file (src/broker/policy-*.c, names.c).  The grammar
 * accepts and rejects exactly what porthole.policy(5) says, and every
 * rejection names "file:line: what" (S54); numbers are strict, (uid_t)-1
 * is refused and 4000000000 works (S11, S37); a name for the overflow id
 * 65534 is refused while the number is accepted (S35); names come from
 * passwd/group files we write, never NSS (S55).  The evaluator denies by
 * default, matches users by uid and groups by primary or supplementary
 * gid (S36), never lets a one-address grant cover the wildcard (S50),
 * reports the first matching rule, and agrees with a reference
 * implementation over thousands of random policies; adding a rule never
 * removes an allow (S77).  Bit flips and truncations of a valid policy
 * never crash (S76).  Loading checks the file and every directory above
 * it (S53): those cases chown, so they run as root and are skipped
 * otherwise.  Every case checks that no fd leaked.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "private.h"
#include "policy.h"
#include "tap.h"

#define OTHER_UID	4000000000u	/* S37: above INT_MAX, no passwd */
#define MAX_BYTES	(1024 * 1024)	/* pinned: policy-impl.h's limits (S84) */
#define MAX_LINE	4096
#define ERRLEN		512

static struct ph_names	*N;		/* names from T/passwd, T/group */
static long		 sentinel_storage[4];	/* never dereferenced */
#define SENTINEL	((struct ph_policy *)(void *)sentinel_storage)

/*
 * The machine's users do not matter: these are the only names.  Lines
 * the loader must skip are mixed in: duplicates (the first wins), NIS
 * lines, wrong field counts, bad shapes and bad numbers.
 */
static const char passwd_text[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"alice:x:1001:1001::/home/alice:/bin/sh\n"
	"bob:x:1002:1002::/home/bob:/bin/sh\n"
	"carol:x:1003:100::/home/carol:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	"big:x:4000000000:4000000000::/:/bin/sh\n"
	"alice:x:2001:2001::/:/bin/sh\n"		/* duplicate */
	"+nis::::::\n"
	"-nis::::::\n"
	"short:x:12\n"
	"Upper:x:3000:3000::/:/bin/sh\n"		/* bad shape */
	"zero:x:0100:1::/:/bin/sh\n"			/* leading zero */
	"minus:x:4294967295:1::/:/bin/sh\n"		/* (uid_t)-1 */
	"neg:x:-5:1::/:/bin/sh\n"
	"badgid:x:3003:x::/:/bin/sh\n"
	"extra:x:3001:3001::/:/bin/sh:more\n"		/* 8 fields */
	"\n"
	"machine$:x:3002:3002::/:/bin/sh\n"
	"dave:x:1004:1004::/:/bin/sh";			/* no newline */

static const char group_text[] =
	"root:x:0:\n"
	"users:x:100:alice,bob\n"
	"staff:x:50:\n"
	"web:x:2000:alice\n"
	"nogroup:x:65534:\n"
	"big:x:4000000000:\n"
	"bad:x:-1:\n"
	"toomany:x:7:a:b\n"
	"users:x:101:\n";				/* duplicate */

/*
 * ph_policy_parse() on an exact-size heap copy, so that an overread
 * shows under ASan.  Returns its result; *ret as it left it.
 */
static int
parse_n(const char *s, size_t len, struct ph_policy **ret, char *err)
{
	char	*b = NULL;
	int	 r;

	if (len > 0 && (b = malloc(len)) == NULL)
		return -ENOMEM;
	if (len > 0)
		memcpy(b, s, len);
	r = ph_policy_parse(b, len, "p", N, ret, err, ERRLEN);
	free(b);
	return r;
}

static int
parse_s(const char *s, struct ph_policy **ret, char *err)
{
	return parse_n(s, strlen(s), ret, err);
}

/* A request: one grant spec without ranges, as the broker builds it. */
static struct ph_grant
req(const char *spec)
{
	struct ph_grant	g;

	memset(&g, 0, sizeof(g));
	if (ph__grant_parse(spec, strlen(spec), 0, &g) < 0) {
		printf("# bad request spec '%s'\n", spec);
		g.kind = -1;
	}
	return g;
}

/* ph_policy_check() for uid/gid/groups; the line, and the text in rule. */
static int
check(const struct ph_policy *p, uid_t uid, gid_t gid, const gid_t *groups,
    size_t ngroups, const char *spec, char *rule)
{
	struct ph_requester	who;
	struct ph_grant		g = req(spec);
	int			line = 777, r;

	who.peer.uid = uid;
	who.peer.gid = gid;
	who.peer.groups = (gid_t *)(uintptr_t)groups;
	who.peer.ngroups = ngroups;
	rule[0] = 'X';
	rule[1] = '\0';
	r = ph_policy_check(p, &who, &g, &line, rule, ERRLEN);
	if (r == 1)
		return line;
	if (r == 0 && (line != 0 || rule[0] != '\0'))
		return -1000;		/* a denial must clear both */
	return r == 0 ? 0 : r;
}

/* ------------------------------------------------------------------ */

/* Names come from the files we wrote; skipped lines are not names. */
static void
test_s55_names(void)
{
	static const char *const absent[] = { "Upper", "zero", "minus",
	    "neg", "badgid", "extra", "short", "nis", "+nis", "", "ALICE",
	    "alice ", "mallory" };
	struct ph_names	*n = (struct ph_names *)(void *)sentinel_storage;
	char		 p[PATH_MAX], g[PATH_MAX], l[PATH_MAX];
	uid_t		 u;
	gid_t		 gg;
	size_t		 i;

	T_TRUE(N != NULL);
	u = 7;
	T_OK(ph_names_uid(N, "alice", &u));
	T_EQ(u, 1001);				/* the first alice wins */
	T_OK(ph_names_uid(N, "root", &u));
	T_EQ(u, 0);
	T_OK(ph_names_uid(N, "big", &u));
	T_EQ(u, OTHER_UID);
	T_OK(ph_names_uid(N, "machine$", &u));
	T_EQ(u, 3002);
	T_OK(ph_names_uid(N, "dave", &u));	/* last line, no newline */
	T_EQ(u, 1004);
	T_OK(ph_names_uid(N, "nobody", &u));
	T_EQ(u, 65534);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		u = 7;
		T_EQ(ph_names_uid(N, absent[i], &u), -ENOENT);
		T_EQ(u, 7);			/* untouched */
	}
	T_OK(ph_names_gid(N, "users", &gg));
	T_EQ(gg, 100);				/* not the duplicate 101 */
	T_OK(ph_names_gid(N, "big", &gg));
	T_EQ(gg, OTHER_UID);
	gg = 7;
	T_EQ(ph_names_gid(N, "bad", &gg), -ENOENT);
	T_EQ(ph_names_gid(N, "toomany", &gg), -ENOENT);
	T_EQ(ph_names_gid(N, "alice", &gg), -ENOENT);	/* a user only */
	T_EQ(gg, 7);
	T_EQ(ph_names_uid(NULL, "alice", &u), -ENOENT);
	T_EQ(ph_names_gid(NULL, "users", &gg), -ENOENT);

	/* Missing, symlinked or FIFO files: errors, *ret untouched. */
	pathf(p, "passwd");
	pathf(g, "group");
	pathf(l, "names-missing");
	T_EQ(ph_names_load(l, g, &n), -ENOENT);
	T_EQ(ph_names_load(p, l, &n), -ENOENT);
	pathf(l, "names-link");
	T_OK(symlink(p, l));
	T_EQ(ph_names_load(l, g, &n), -ELOOP);
	T_OK(unlink(l));
	pathf(l, "names-fifo");
	T_OK(mkfifo(l, 0600));
	guard(2);
	T_EQ(ph_names_load(p, l, &n), -EINVAL);
	alarm(0);
	T_OK(unlink(l));
	T_EQ(ph_names_load(NULL, g, &n), -EINVAL);
	T_TRUE(n == (struct ph_names *)(void *)sentinel_storage);
	ph_names_free(NULL);
}

/* Texts that parse, with their rule counts and whether raw is needed. */
static void
test_grammar_accept(void)
{
	static const struct {
		const char	*text;
		size_t		 nrules;
		int		 raw;
	} ok[] = {
		{ "", 0, 0 },
		{ "\n\n\n", 0, 0 },
		{ "# a comment\n", 0, 0 },
		{ "   # indented comment\n\t# tab too\n", 0, 0 },
		{ " \t \n\t\n", 0, 0 },
		{ "#allow user nosuchuser tcp:0\n", 0, 0 },
		{ "allow user alice tcp:80\n", 1, 0 },
		{ "allow user alice tcp:80", 1, 0 },	/* no newline */
		{ "allow\tuser\talice\ttcp:80\t\n", 1, 0 },
		{ "  allow   user  alice  tcp:80  \n", 1, 0 },
		{ "allow user alice tcp:80 # web server\n", 1, 0 },
		{ "allow user alice tcp:80\t#x\n", 1, 0 },
		{ "allow user alice tcp:80 ## ### #\n", 1, 0 },
		{ "allow user 1001 tcp:80-90\n", 1, 0 },
		{ "allow user alice tcp:1-65535\n", 1, 0 },
		{ "allow user alice tcp:65535\n", 1, 0 },
		{ "allow user alice tcp:80-80\n", 1, 0 },
		{ "allow user alice udp:53\n", 1, 0 },
		{ "allow user alice udp:1024-2048\n", 1, 0 },
		{ "allow user alice tcp:127.0.0.1:8080\n", 1, 0 },
		{ "allow user alice tcp:0.0.0.0:80\n", 1, 0 },
		{ "allow user alice udp:10.1.2.3:5000-5010\n", 1, 0 },
		{ "allow user alice tcp:[::1]:443\n", 1, 0 },
		{ "allow user alice tcp:[::]:443\n", 1, 0 },
		{ "allow user alice udp:[fe80::1]:546-547\n", 1, 0 },
		{ "allow user alice tcp:[::ffff:127.0.0.1]:80\n", 1, 0 },
		{ "allow user alice raw:icmp\n", 1, 1 },
		{ "allow user alice raw6:icmpv6\n", 1, 1 },
		{ "allow user alice raw:17\n", 1, 1 },
		{ "allow user alice raw:254\n", 1, 1 },
		{ "allow user alice raw6:58\n", 1, 1 },
		{ "allow user alice packet:eth0\n", 1, 1 },
		{ "allow user alice packet:wlp0s20f3.1\n", 1, 1 },
		{ "allow user alice tcp:80-90 udp:53 tcp:127.0.0.1:8080 "
		    "udp:[::1]:5353 raw:icmp raw6:icmpv6 raw:17 raw6:58 "
		    "packet:eth0\n", 1, 1 },
		{ "allow user alice tcp:80 tcp:80\n", 1, 0 },
		{ "allow group users tcp:80\n", 1, 0 },
		{ "allow group 100 tcp:80\n", 1, 0 },
		{ "allow group root tcp:80\n", 1, 0 },
		{ "allow group 0 tcp:80\n", 1, 0 },
		{ "allow user root tcp:80\n", 1, 0 },
		{ "allow user 0 tcp:80\n", 1, 0 },
		{ "allow user 65534 tcp:80\n", 1, 0 },	/* S35: explicit */
		{ "allow group 65534 tcp:80\n", 1, 0 },
		{ "allow user 4294967294 tcp:80\n", 1, 0 },
		{ "allow user 4000000000 tcp:80\n", 1, 0 },	/* S37 */
		{ "allow user big tcp:80\n", 1, 0 },
		{ "allow group big tcp:80\n", 1, 0 },
		{ "allow user machine$ tcp:80\n", 1, 0 },
		{ "allow user 12345 tcp:80\n", 1, 0 },	/* no passwd entry */
		{ "allow user alice tcp:80\nallow group users udp:53\n"
		    "# end\n\nallow user bob raw:icmp\n", 3, 1 },
		{ "\n\n\n\nallow user alice tcp:80\n\n", 1, 0 },
	};
	struct ph_policy	*p;
	char			 err[ERRLEN];
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		p = NULL;
		strcpy(err, "junk");
		r = parse_s(ok[i].text, &p, err);
		T_EQ(r, 0);
		if (r != 0) {
			printf("#   text '%s': %s\n", ok[i].text, err);
			continue;
		}
		T_STREQ(err, "");			/* cleared */
		T_EQ(ph_policy_nrules(p), ok[i].nrules);
		T_EQ(ph_policy_needs_raw(p), ok[i].raw);
		T_STREQ(ph_policy_file(p), "-");
		ph_policy_free(p);
	}
}

/* Rejections, each with its exact message; *ret is left alone. */
static void
test_grammar_reject(void)
{
	static const struct {
		const char	*text;
		const char	*err;
	} bad[] = {
		{ "allow\n", "p:1: 'allow' needs 'user' or 'group'" },
		{ "allow # user alice tcp:80\n",
		    "p:1: 'allow' needs 'user' or 'group'" },
		{ "deny user alice tcp:80\n",
		    "p:1: unknown keyword 'deny' (expected 'allow')" },
		{ "Allow user alice tcp:80\n",
		    "p:1: unknown keyword 'Allow' (expected 'allow')" },
		{ "ALLOW user alice tcp:80\n",
		    "p:1: unknown keyword 'ALLOW' (expected 'allow')" },
		{ "allowuser alice tcp:80\n",
		    "p:1: unknown keyword 'allowuser' (expected 'allow')" },
		{ "tcp:80\n", "p:1: unknown keyword 'tcp:80' (expected "
		    "'allow')" },
		{ "allow users alice tcp:80\n", "p:1: unknown keyword "
		    "'users' (expected 'user' or 'group')" },
		{ "allow uid 1001 tcp:80\n", "p:1: unknown keyword 'uid' "
		    "(expected 'user' or 'group')" },
		{ "allow User alice tcp:80\n", "p:1: unknown keyword 'User' "
		    "(expected 'user' or 'group')" },
		{ "allow user\n", "p:1: 'allow user' needs a name or uid" },
		{ "allow group\n", "p:1: 'allow group' needs a name or gid" },
		{ "allow user alice\n",
		    "p:1: rule for user 'alice' grants nothing" },
		{ "allow group 100\n",
		    "p:1: rule for group '100' grants nothing" },
		{ "allow user alice # tcp:80\n",
		    "p:1: rule for user 'alice' grants nothing" },
		{ "allow user alice tcp:80 junk\n",
		    "p:1: invalid grant 'junk'" },
		{ "allow user alice tcp:80 allow\n",
		    "p:1: invalid grant 'allow'" },
		{ "allow user alice tcp:80#x\n",
		    "p:1: invalid grant 'tcp:80#x'" },
		{ "allow user alice tcp:80, udp:53\n",
		    "p:1: invalid grant 'tcp:80,'" },
		{ "allow user alice tcp: 80\n", "p:1: invalid grant 'tcp:'" },
		{ "allow user mallory tcp:80\n",
		    "p:1: unknown user 'mallory'" },
		{ "allow group mallory tcp:80\n",
		    "p:1: unknown group 'mallory'" },
		{ "allow group alice tcp:80\n", "p:1: unknown group 'alice'" },
		{ "allow user users tcp:80\n", "p:1: unknown user 'users'" },
		{ "allow user Upper tcp:80\n",
		    "p:1: invalid user name or uid 'Upper'" },
		{ "allow user Alice tcp:80\n",
		    "p:1: invalid user name or uid 'Alice'" },
		{ "allow user al.ice tcp:80\n",
		    "p:1: invalid user name or uid 'al.ice'" },
		{ "allow user a$b tcp:80\n",
		    "p:1: invalid user name or uid 'a$b'" },
		{ "allow user abcdefghijklmnopqrstuvwxyzabcdefg tcp:80\n",
		    "p:1: invalid user name or uid "
		    "'abcdefghijklmnopqrstuvwxyzabcdefg'" },
		{ "allow user -1 tcp:80\n",
		    "p:1: invalid user name or uid '-1'" },
		{ "allow group -1 tcp:80\n",
		    "p:1: invalid group name or gid '-1'" },
		{ "allow user +1001 tcp:80\n",
		    "p:1: invalid user name or uid '+1001'" },
		{ "allow user #1001 tcp:80\n",
		    "p:1: 'allow user' needs a name or uid" },
		{ "allow user 01001 tcp:80\n", "p:1: invalid uid '01001'" },
		{ "allow user 00 tcp:80\n", "p:1: invalid uid '00'" },
		{ "allow user 0x10 tcp:80\n", "p:1: invalid uid '0x10'" },
		{ "allow user 1001x tcp:80\n", "p:1: invalid uid '1001x'" },
		{ "allow user 1e3 tcp:80\n", "p:1: invalid uid '1e3'" },
		{ "allow user 4294967295 tcp:80\n", "p:1: uid 4294967295 is "
		    "(uid_t)-1, which is never granted" },
		{ "allow group 4294967295 tcp:80\n", "p:1: gid 4294967295 is "
		    "(gid_t)-1, which is never granted" },
		{ "allow user 4294967296 tcp:80\n",
		    "p:1: invalid uid '4294967296'" },
		{ "allow user 99999999999 tcp:80\n",
		    "p:1: invalid uid '99999999999'" },
		{ "allow user 18446744073709551615 tcp:80\n",
		    "p:1: invalid uid '18446744073709551615'" },
		{ "allow user nobody tcp:80\n", "p:1: user 'nobody' has uid "
		    "65534, the overflow id; write 65534 to grant it on "
		    "purpose" },
		{ "allow group nogroup tcp:80\n", "p:1: group 'nogroup' has "
		    "gid 65534, the overflow id; write 65534 to grant it on "
		    "purpose" },
		{ "allow user alice tcp:0\n", "p:1: invalid grant 'tcp:0'" },
		{ "allow user alice tcp:65536\n",
		    "p:1: invalid grant 'tcp:65536'" },
		{ "allow user alice tcp:080\n",
		    "p:1: invalid grant 'tcp:080'" },
		{ "allow user alice tcp:+80\n",
		    "p:1: invalid grant 'tcp:+80'" },
		{ "allow user alice tcp:0x50\n",
		    "p:1: invalid grant 'tcp:0x50'" },
		{ "allow user alice tcp:90-80\n",
		    "p:1: invalid grant 'tcp:90-80'" },
		{ "allow user alice tcp:0-80\n",
		    "p:1: invalid grant 'tcp:0-80'" },
		{ "allow user alice tcp:80-\n",
		    "p:1: invalid grant 'tcp:80-'" },
		{ "allow user alice tcp:-80\n",
		    "p:1: invalid grant 'tcp:-80'" },
		{ "allow user alice tcp:80-90-100\n",
		    "p:1: invalid grant 'tcp:80-90-100'" },
		{ "allow user alice tcp:1.2.3:80\n",
		    "p:1: invalid grant 'tcp:1.2.3:80'" },
		{ "allow user alice tcp:127.1:80\n",
		    "p:1: invalid grant 'tcp:127.1:80'" },
		{ "allow user alice tcp:::1:80\n",
		    "p:1: invalid grant 'tcp:::1:80'" },
		{ "allow user alice tcp:[::1]80\n",
		    "p:1: invalid grant 'tcp:[::1]80'" },
		{ "allow user alice tcp:[::1]\n",
		    "p:1: invalid grant 'tcp:[::1]'" },
		{ "allow user alice tcp:[fe80::1%lo]:80\n",
		    "p:1: invalid grant 'tcp:[fe80::1%lo]:80'" },
		{ "allow user alice tcp:localhost:80\n",
		    "p:1: invalid grant 'tcp:localhost:80'" },
		{ "allow user alice udp:80x\n",
		    "p:1: invalid grant 'udp:80x'" },
		{ "allow user alice TCP:80\n", "p:1: invalid grant 'TCP:80'" },
		{ "allow user alice sctp:80\n",
		    "p:1: invalid grant 'sctp:80'" },
		{ "allow user alice raw:0\n", "p:1: invalid grant 'raw:0'" },
		{ "allow user alice raw:256\n",
		    "p:1: invalid grant 'raw:256'" },
		{ "allow user alice raw6:icmp\n",
		    "p:1: invalid grant 'raw6:icmp'" },
		{ "allow user alice raw:icmpv6\n",
		    "p:1: invalid grant 'raw:icmpv6'" },
		{ "allow user alice raw:\n", "p:1: invalid grant 'raw:'" },
		{ "allow user alice packet:\n",
		    "p:1: invalid grant 'packet:'" },
		{ "allow user alice packet:0123456789abcdef\n",
		    "p:1: invalid grant 'packet:0123456789abcdef'" },
		{ "allow user alice packet:..\n",
		    "p:1: invalid grant 'packet:..'" },
		{ "allow user alice packet:eth/0\n",
		    "p:1: invalid grant 'packet:eth/0'" },
		{ "allow user alice tcp:80\r\n", "p:1: carriage return in "
		    "line (DOS line endings are not accepted)" },
		{ "# comment\r\n", "p:1: carriage return in line (DOS line "
		    "endings are not accepted)" },
		{ "allow user alice\vtcp:80\n", "p:1: invalid user name or "
		    "uid 'alice\\x0btcp:80'" },
		{ "allow user alice\ftcp:80\n", "p:1: invalid user name or "
		    "uid 'alice\\x0ctcp:80'" },
		{ "allow\xc2\xa0user alice tcp:80\n", "p:1: unknown keyword "
		    "'allow\\xc2\\xa0user' (expected 'allow')" },
		{ "allow user alice tcp:\x1b[31m\n",
		    "p:1: invalid grant 'tcp:\\x1b[31m'" },
		{ "allow user alice tcp:a\\b\n",
		    "p:1: invalid grant 'tcp:a\\x5cb'" },
		/* Line numbers count every line, blank and comment too. */
		{ "# c\n\nallow user alice tcp:80\n\n  \nallow user bob bad\n",
		    "p:6: invalid grant 'bad'" },
		{ "allow user alice tcp:80\nallow user bob tcp:80\nallow x",
		    "p:3: unknown keyword 'x' (expected 'user' or 'group')" },
		{ "\n\n\n\n\n\n\n\n\nallow user 01 tcp:1\n",
		    "p:10: invalid uid '01'" },
		/* The whole file goes: good rules before a bad one too. */
		{ "allow user alice tcp:80\nallow user alice tcp:81\n"
		    "allow user alice tcp:0\n", "p:3: invalid grant 'tcp:0'" },
		/* A long token is cut in the message. */
		{ "allow user alice tcp:1234567890123456789012345678901234"
		    "567890123456789\n", "p:1: invalid grant 'tcp:1234567890"
		    "1234567890123456789012345678901234...'" },
	};
	struct ph_policy	*p;
	char			 err[ERRLEN];
	size_t			 i;
	int			 r, before = tap_fd_count();

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = SENTINEL;
		err[0] = '\0';
		r = parse_s(bad[i].text, &p, err);
		T_EQ(r, -EINVAL);
		T_TRUE(p == SENTINEL);
		T_STREQ(err, bad[i].err);
		if (r == 0 && p != SENTINEL)
			ph_policy_free(p);
	}
	T_EQ(tap_fd_count(), before);
}

/* NUL bytes, huge lines, the size limit, fname NULL, short err. */
static void
test_s84_bounds(void)
{
	static const char	nul[] = "allow user alice tcp:80\0 udp:53\n";
	struct ph_policy	*p;
	char			 err[ERRLEN], small[6], *big;
	size_t			 n, pos;

	p = SENTINEL;
	T_EQ(parse_n(nul, sizeof(nul) - 1, &p, err), -EINVAL);
	T_STREQ(err, "p:1: NUL byte in line");
	T_EQ(parse_n("allow user alice tcp:80\n\0", 25, &p, err), -EINVAL);
	T_STREQ(err, "p:2: NUL byte in line");
	T_TRUE(p == SENTINEL);

	/* Exactly 4096 bytes (newline excluded) is fine, 4097 is not. */
	T_TRUE((big = malloc(MAX_BYTES + 2)) != NULL);
	if (big == NULL)
		return;
	pos = (size_t)snprintf(big, 64, "allow user alice");
	while (pos + 8 <= MAX_LINE - 7)
		pos += (size_t)snprintf(big + pos, 16, " tcp:%u",
		    (unsigned)(1000 + pos % 1000));
	while (pos < MAX_LINE - 7)
		big[pos++] = ' ';
	memcpy(big + pos, "tcp:999", 7);	/* the last grant: 4096 */
	pos += 7;
	T_EQ(pos, MAX_LINE);
	big[pos] = '\n';
	p = NULL;
	T_EQ(parse_n(big, pos + 1, &p, err), 0);
	T_EQ(ph_policy_nrules(p), 1);
	{
		char	rule[ERRLEN];

		T_EQ(check(p, 1001, 1001, NULL, 0, "tcp:0.0.0.0:999", rule),
		    1);
		T_STREQ(rule, "allow user alice tcp:999");
	}
	ph_policy_free(p);
	memmove(big + 1, big, pos + 1);		/* 4097 bytes */
	big[0] = ' ';
	p = SENTINEL;
	T_EQ(parse_n(big, pos + 2, &p, err), -EINVAL);
	T_STREQ(err, "p:1: line longer than 4096 bytes");
	/* a comment line is a line too */
	memset(big, '#', MAX_LINE + 1);
	memcpy(big + MAX_LINE + 1, "\nallow user alice tcp:80\n", 25);
	T_EQ(parse_n(big, MAX_LINE + 26, &p, err), -EINVAL);
	T_STREQ(err, "p:1: line longer than 4096 bytes");
	/* 1 MiB on one line, after 3 good lines */
	n = 0;
	while (n < 3)
		memcpy(big + 24 * n++, "allow user alice tcp:80\n", 24);
	memset(big + 72, 'a', MAX_BYTES - 72);
	T_EQ(parse_n(big, MAX_BYTES, &p, err), -EINVAL);
	T_STREQ(err, "p:4: line longer than 4096 bytes");
	/* over 1 MiB of valid text is refused as a whole (-EFBIG) */
	for (pos = 0; pos + 24 <= MAX_BYTES + 1; pos += 24)
		memcpy(big + pos, "allow user alice tcp:80\n", 24);
	memset(big + pos, '\n', MAX_BYTES + 1 - pos);
	T_EQ(parse_n(big, MAX_BYTES + 1, &p, err), -EFBIG);
	T_STREQ(err, "p: larger than 1048576 bytes");
	T_TRUE(p == SENTINEL);
	p = NULL;
	T_EQ(parse_n(big, MAX_BYTES, &p, err), 0);	/* just fits */
	T_EQ(ph_policy_nrules(p), MAX_BYTES / 24);
	ph_policy_free(p);
	free(big);

	/* fname NULL is "-"; err is cut but always terminated */
	p = SENTINEL;
	T_EQ(ph_policy_parse("x", 1, NULL, N, &p, err, sizeof(err)),
	    -EINVAL);
	T_STREQ(err, "-:1: unknown keyword 'x' (expected 'allow')");
	memset(small, 'Z', sizeof(small));
	T_EQ(ph_policy_parse("x", 1, "p", N, &p, small, sizeof(small)),
	    -EINVAL);
	T_STREQ(small, "p:1: ");
	T_EQ(ph_policy_parse("x", 1, "p", N, &p, NULL, 0), -EINVAL);
	T_EQ(ph_policy_parse(NULL, 1, "p", N, &p, err, sizeof(err)),
	    -EINVAL);
	T_TRUE(p == SENTINEL);
	T_EQ(ph_policy_parse(NULL, 0, "p", N, &p, err, sizeof(err)), 0);
	T_EQ(ph_policy_nrules(p), 0);
	ph_policy_free(p);
	/* names NULL: numbers only */
	p = SENTINEL;
	T_EQ(ph_policy_parse("allow user alice tcp:80", 23, "p", NULL, &p,
	    err, sizeof(err)), -EINVAL);
	T_STREQ(err, "p:1: unknown user 'alice'");
	T_EQ(ph_policy_parse("allow user 1001 tcp:80", 22, "p", NULL, &p,
	    err, sizeof(err)), 0);
	T_EQ(ph_policy_nrules(p), 1);
	ph_policy_free(p);
}

/*
 * S84: the largest policy the 1 MiB limit allows (every rule's subject
 * matches, no grant covers) against the worst request, and a requester
 * with 65536 groups against group rules, decide in well under 10 ms.
 */
static long
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
test_s84_speed(void)
{
	struct ph_requester	 who;
	struct ph_policy	*p = NULL;
	struct ph_grant		 g = req("tcp:0.0.0.0:80");
	gid_t			*groups;
	char			*buf, err[ERRLEN], rule[ERRLEN], msg[128];
	size_t			 pos, i, nr;
	long			 t, best;
	int			 k, line;

	T_TRUE((buf = malloc(MAX_BYTES)) != NULL);
	T_TRUE((groups = calloc(65536, sizeof(*groups))) != NULL);
	if (buf == NULL || groups == NULL)
		goto out;
	/* "allow user 5 raw:1\n" is 19 bytes: 55188 rules in 1 MiB. */
	for (pos = 0; pos + 19 <= MAX_BYTES; pos += 19)
		memcpy(buf + pos, "allow user 5 raw:1\n", 19);
	T_EQ(parse_n(buf, pos, &p, err), 0);
	nr = ph_policy_nrules(p);
	T_EQ(nr, MAX_BYTES / 19);
	memset(&who, 0, sizeof(who));
	who.peer.uid = 5;
	who.peer.gid = 5;
	for (best = LONG_MAX, k = 0; k < 5; k++) {
		t = now_us();
		T_EQ(ph_policy_check(p, &who, &g, &line, rule, sizeof(rule)),
		    0);
		t = now_us() - t;
		best = t < best ? t : best;
	}
	snprintf(msg, sizeof(msg), "S84: %zu rules, worst request: %ld us",
	    nr, best);
	tap_diag(msg);
	T_TRUE(best < 10000);
	ph_policy_free(p);
	p = NULL;

	/* group rules against 65536 supplementary groups, none matching */
	for (pos = 0, i = 0; pos + 24 <= MAX_BYTES; i++)
		pos += (size_t)snprintf(buf + pos, MAX_BYTES - pos,
		    "allow group %u raw:1\n", (unsigned)(100000 + i % 900000));
	T_EQ(parse_n(buf, pos, &p, err), 0);
	for (i = 0; i < 65536; i++)
		groups[i] = (gid_t)(1000000 + i);	/* sorted */
	who.peer.groups = (gid_t *)(uintptr_t)groups;
	who.peer.ngroups = 65536;
	for (best = LONG_MAX, k = 0; k < 5; k++) {
		t = now_us();
		T_EQ(ph_policy_check(p, &who, &g, &line, rule, sizeof(rule)),
		    0);
		t = now_us() - t;
		best = t < best ? t : best;
	}
	snprintf(msg, sizeof(msg), "S84: %zu group rules, 65536 groups: "
	    "%ld us", ph_policy_nrules(p), best);
	tap_diag(msg);
	T_TRUE(best < 10000);
 out:
	ph_policy_free(p);
	free(groups);
	free(buf);
}

/* ------------------------------------------------------------------ */

static const char eval_text[] =
	"# test policy\n"					/* 1 */
	"allow user alice tcp:80-90 udp:53\n"			/* 2 */
	"allow group users tcp:8080\n"				/* 3 */
	"allow group web tcp:127.0.0.1:443 tcp:[::1]:443\n"	/* 4 */
	"allow user bob raw:icmp packet:eth0\n"			/* 5 */
	"allow user alice tcp:85\n"				/* 6 */
	"\n"							/* 7 */
	"allow user 4000000000 tcp:1-65535\n"			/* 8 */
	"allow group 50 raw6:icmpv6 raw:17\n"			/* 9 */
	"allow group 65534 udp:9999\n"				/* 10 */
	"allow user 1001 tcp:85 udp:[::]:53\n";			/* 11 */

/*
 * The rows test_evaluate() checks against eval_text: who asks (uid, gid,
 * supplementary groups) for what, the line of the rule that allows it
 * (0: denied) and, where not NULL, that rule's text.
 */
struct eval_case {
	uid_t		 uid;
	gid_t		 gid;
	const gid_t	*groups;
	size_t		 ngroups;
	const char	*spec;
	int		 line;
	const char	*rule;
};

static const gid_t	g_users[] = { 100 };
static const gid_t	g_web[] = { 7, 2000 };
static const gid_t	g_unsorted[] = { 3000, 50, 7 };
static const gid_t	g_minus[] = { (gid_t)-1 };

static const struct eval_case eval_cases[] = {
	/* users: by uid, ranges inclusive at both ends, any address */
	{ 1001, 1001, NULL, 0, "tcp:0.0.0.0:80", 2,
	    "allow user alice tcp:80-90" },
	{ 1001, 1001, NULL, 0, "tcp:[::]:90", 2, NULL },
	/* the first rule that matches: line 2, not 6 or 11 */
	{ 1001, 1001, NULL, 0, "tcp:192.0.2.1:85", 2,
	    "allow user alice tcp:80-90" },
	{ 1001, 1001, NULL, 0, "tcp:0.0.0.0:79", 0, NULL },
	{ 1001, 1001, NULL, 0, "tcp:0.0.0.0:91", 0, NULL },
	/* the rule whose grant matched */
	{ 1001, 1001, NULL, 0, "udp:0.0.0.0:53", 2, "allow user alice udp:53" },
	{ 1001, 1001, NULL, 0, "udp:[::]:53", 2, NULL },
	{ 1001, 1001, NULL, 0, "udp:0.0.0.0:54", 0, NULL },
	{ 1001, 1001, NULL, 0, "udp:0.0.0.0:80", 0, NULL },
	{ 1001, 1001, NULL, 0, "raw:icmp", 0, NULL },
	{ 1002, 1002, NULL, 0, "tcp:0.0.0.0:80", 0, NULL },

	/* groups: primary or supplementary, never by uid */
	{ 1001, 1001, NULL, 0, "tcp:0.0.0.0:8080", 0, NULL },
	{ 1001, 1001, g_users, 1, "tcp:0.0.0.0:8080", 3,
	    "allow group users tcp:8080" },
	{ 1003, 100, NULL, 0, "tcp:0.0.0.0:8080", 3, NULL },
	{ 100, 1003, NULL, 0, "tcp:0.0.0.0:8080", 0, NULL },
	{ 1005, 1005, g_unsorted, 3, "raw:17", 9, "allow group 50 raw:17" },
	{ 1005, 1005, g_unsorted, 3, "raw6:icmpv6", 9,
	    "allow group 50 raw6:icmpv6" },
	{ 1005, 1005, g_unsorted, 3, "raw6:17", 0, NULL },

	/* S50: a grant for one address: that address only, no wildcard */
	{ 1005, 1005, g_web, 2, "tcp:127.0.0.1:443", 4,
	    "allow group web tcp:127.0.0.1:443" },
	{ 1005, 1005, g_web, 2, "tcp:[::1]:443", 4,
	    "allow group web tcp:[::1]:443" },
	{ 1005, 1005, g_web, 2, "tcp:0.0.0.0:443", 0, NULL },
	{ 1005, 1005, g_web, 2, "tcp:[::]:443", 0, NULL },
	{ 1005, 1005, g_web, 2, "tcp:127.0.0.2:443", 0, NULL },
	{ 1005, 1005, g_web, 2, "tcp:[::ffff:127.0.0.1]:443", 0, NULL },
	{ 1005, 1005, g_web, 2, "udp:127.0.0.1:443", 0, NULL },
	{ 1005, 1005, g_web, 2, "tcp:127.0.0.1:444", 0, NULL },
	/* an address-specific grant is also no wildcard within its family */
	{ 1001, 1001, NULL, 0, "udp:[::]:53", 2, NULL },

	/* raw and packet */
	{ 1002, 1002, NULL, 0, "raw:icmp", 5, "allow user bob raw:icmp" },
	{ 1002, 1002, NULL, 0, "raw:1", 5, NULL },
	{ 1002, 1002, NULL, 0, "raw6:icmpv6", 0, NULL },
	{ 1002, 1002, NULL, 0, "raw:17", 0, NULL },
	{ 1002, 1002, NULL, 0, "packet:eth0", 5, "allow user bob packet:eth0" },
	{ 1002, 1002, NULL, 0, "packet:eth1", 0, NULL },
	{ 1002, 1002, NULL, 0, "packet:eth", 0, NULL },

	/* S37: 4000000000 is itself, not a truncation of it */
	{ OTHER_UID, OTHER_UID, NULL, 0, "tcp:0.0.0.0:65535", 8,
	    "allow user 4000000000 tcp:1-65535" },
	{ OTHER_UID + 1, OTHER_UID, NULL, 0, "tcp:0.0.0.0:1", 0, NULL },
	{ (uid_t)(OTHER_UID & 0x7fffffff), 0, NULL, 0, "tcp:0.0.0.0:1", 0,
	    NULL },

	/* S35: the numeric 65534 rule is explicit and does match */
	{ 65534, 65534, NULL, 0, "udp:0.0.0.0:9999", 10, NULL },

	/* deny by default; (uid_t)-1 / (gid_t)-1 are denied everything */
	{ 0, 0, NULL, 0, "tcp:0.0.0.0:80", 0, NULL },
	{ 0, 0, NULL, 0, "raw:icmp", 0, NULL },
	{ (uid_t)-1, 100, NULL, 0, "tcp:0.0.0.0:8080", 0, NULL },
	{ 1001, (gid_t)-1, NULL, 0, "tcp:0.0.0.0:80", 0, NULL },
	{ 1001, 1001, g_minus, 1, "tcp:0.0.0.0:80", 2, NULL },
	{ 1001, 1001, NULL, 0, "tcp:0.0.0.0:1", 0, NULL },
};

/* Users, groups, address-specific and any, ranges, raw, packet. */
static void
test_evaluate(void)
{
	struct ph_policy	*p = NULL;
	struct ph_requester	 who;
	struct ph_grant		 g;
	char			 err[ERRLEN], rule[ERRLEN];
	const struct eval_case	*c;
	size_t			 i;
	int			 line, r;

	T_EQ(parse_s(eval_text, &p, err), 0);
	if (p == NULL)
		return;
	T_EQ(ph_policy_nrules(p), 9);
	T_EQ(ph_policy_needs_raw(p), 1);

	for (i = 0; i < sizeof(eval_cases) / sizeof(eval_cases[0]); i++) {
		c = &eval_cases[i];
		r = check(p, c->uid, c->gid, c->groups, c->ngroups, c->spec,
		    rule);
		T_EQ(r, c->line);
		if (r != c->line) {
			(void)snprintf(err, sizeof(err), "eval_cases[%zu]: %s",
			    i, c->spec);
			tap_diag(err);
		}
		if (c->rule != NULL)
			T_STREQ(rule, c->rule);
	}

	/* ret_line and rule are optional; a short rule buffer is cut */
	memset(&who, 0, sizeof(who));
	who.peer.uid = 1001;
	who.peer.gid = 1001;
	g = req("tcp:0.0.0.0:80");
	T_EQ(ph_policy_check(p, &who, &g, NULL, NULL, 0), 1);
	T_EQ(ph_policy_check(p, &who, &g, &line, rule, 10), 1);
	T_STREQ(rule, "allow use");
	/*
	 * S19: bad arguments are a plain denial, 0, never a negative
	 * errno that a caller's `if (!ph_policy_check())` would take for
	 * an allow.
	 */
	line = 5;
	T_EQ(ph_policy_check(NULL, &who, &g, &line, rule, sizeof(rule)), 0);
	T_EQ(line, 0);
	T_STREQ(rule, "");
	T_EQ(ph_policy_check(p, NULL, &g, &line, rule, sizeof(rule)), 0);
	T_EQ(ph_policy_check(p, &who, NULL, &line, rule, sizeof(rule)), 0);
	who.peer.ngroups = 1;
	T_EQ(ph_policy_check(p, &who, &g, &line, rule, sizeof(rule)), 0);
	T_EQ(line, 0);
	ph_policy_free(p);

	/* an empty policy denies everything; needs_raw for raw/packet only */
	p = NULL;
	T_EQ(parse_s("# nothing\n", &p, err), 0);
	T_EQ(check(p, 1001, 1001, g_users, 1, "tcp:0.0.0.0:80", rule), 0);
	ph_policy_free(p);
	p = NULL;
	T_EQ(parse_s("allow user alice tcp:80 udp:[::1]:53\n", &p, err), 0);
	T_EQ(ph_policy_needs_raw(p), 0);
	ph_policy_free(p);
	p = NULL;
	T_EQ(parse_s("allow user alice packet:lo\n", &p, err), 0);
	T_EQ(ph_policy_needs_raw(p), 1);
	ph_policy_free(p);
	T_EQ(ph_policy_needs_raw(NULL), 0);
	T_EQ(ph_policy_nrules(NULL), 0);
	T_STREQ(ph_policy_file(NULL), "-");
}

/* Group lookups with many groups, sorted (binary search) or not. */
static void
test_s36_many_groups(void)
{
	struct ph_policy	*p = NULL;
	gid_t			*gs;
	char			 err[ERRLEN], rule[ERRLEN];
	size_t			 i, n = 4096;

	T_EQ(parse_s("allow group 2000 tcp:80\nallow group 5 tcp:81\n"
	    "allow group 4000000000 tcp:82\n", &p, err), 0);
	T_TRUE((gs = calloc(n, sizeof(*gs))) != NULL);
	if (p == NULL || gs == NULL)
		goto out;
	for (i = 0; i < n; i++)
		gs[i] = (gid_t)(i * 3);		/* sorted: 0, 3, ... 12285 */
	T_EQ(check(p, 1, 1, gs, n, "tcp:0.0.0.0:81", rule), 0);
	T_EQ(check(p, 1, 1, gs, n, "tcp:0.0.0.0:80", rule), 0);
	gs[n / 2] = 2000;		/* now unsorted */
	T_EQ(check(p, 1, 1, gs, n, "tcp:0.0.0.0:80", rule), 1);
	gs[n / 2] = (gid_t)(n / 2 * 3);
	gs[0] = 2000;			/* unsorted at the front */
	T_EQ(check(p, 1, 1, gs, n, "tcp:0.0.0.0:80", rule), 1);
	gs[0] = 0;
	for (i = 0; i < n; i++)
		gs[i] = (gid_t)(i + 1);	/* sorted, includes 2000 and 5 */
	T_EQ(check(p, 1, 1, gs, n, "tcp:0.0.0.0:80", rule), 1);
	T_EQ(check(p, 1, 1, gs, n, "tcp:0.0.0.0:81", rule), 2);
	T_EQ(check(p, 1, 1, gs, 1, "tcp:0.0.0.0:81", rule), 0);
	T_EQ(check(p, 1, 1, gs + 4, 1, "tcp:0.0.0.0:81", rule), 2);
	gs[n - 1] = OTHER_UID;		/* the largest, still sorted */
	T_EQ(check(p, 1, 1, gs, n, "tcp:0.0.0.0:82", rule), 3);
	T_EQ(check(p, 1, 1, gs, n - 1, "tcp:0.0.0.0:82", rule), 0);
 out:
	free(gs);
	ph_policy_free(p);
}

/* ------------------------------------------------------------------ */
/*
 * S54, S77: random policies against a reference implementation written
 * here from the man page, independent of grant.c: a request is allowed
 * iff some rule's subject matches and one of its grants covers it, and
 * the line reported is the first such rule's.  Adding a rule anywhere
 * never turns an allow into a deny; a request no rule covers is never
 * allowed.  Fixed seed, so failures reproduce.
 */
#define P_POLICIES	3000
#define P_REQUESTS	24
#define P_MAXRULES	8

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

/* Addresses by index: 0 is "any" (grants only); each index is distinct. */
static const char *const addrs[] = { "", "0.0.0.0", "127.0.0.1",
    "10.0.0.1", "[::]", "[::1]", "[::ffff:127.0.0.1]" };
#define N_ADDR	7

struct rgrant {
	int	kind;		/* PH_GRANT_* */
	int	addr;		/* index into addrs */
	int	lo, hi;		/* ports */
	int	proto;		/* raw */
	int	ifx;		/* packet: eth0, eth1 */
};

struct rrule {
	int		group;
	uint32_t	id;
	int		named;
	struct rgrant	g[3];
	int		ng;
	int		line;
};

static const struct { const char *name; uint32_t id; int group; } rnames[] = {
	{ "alice", 1001, 0 }, { "bob", 1002, 0 }, { "carol", 1003, 0 },
	{ "users", 100, 1 }, { "staff", 50, 1 }, { "web", 2000, 1 },
};
static const uint32_t	rids[] = { 1001, 1002, 1003, 1004, 100, 50, 2000,
    7 };
#define N_RIDS	8

static void
rand_grant(struct rgrant *g, int request)
{
	memset(g, 0, sizeof(*g));
	switch (rnd(6)) {
	case 0:
	case 1:
	case 2:
		g->kind = rnd(2) ? PH_GRANT_TCP : PH_GRANT_UDP;
		g->addr = request ? 1 + (int)rnd(N_ADDR - 1) :
		    (rnd(2) ? 0 : (int)rnd(N_ADDR));
		g->lo = 1 + (int)rnd(20);
		g->hi = request || rnd(2) ? g->lo : g->lo + (int)rnd(5);
		break;
	case 3:
		g->kind = PH_GRANT_RAW4;
		g->proto = rnd(2) ? 1 : 17;
		break;
	case 4:
		g->kind = PH_GRANT_RAW6;
		g->proto = rnd(2) ? 58 : 17;
		break;
	default:
		g->kind = PH_GRANT_PACKET;
		g->ifx = (int)rnd(2);
		break;
	}
}

/* Canonical text of a reference grant (what ph__grant_format gives). */
static void
grant_text(const struct rgrant *g, char *buf, size_t len)
{
	char	ports[16];

	if (g->lo == g->hi)
		snprintf(ports, sizeof(ports), "%d", g->lo);
	else
		snprintf(ports, sizeof(ports), "%d-%d", g->lo, g->hi);
	switch (g->kind) {
	case PH_GRANT_TCP:
	case PH_GRANT_UDP:
		snprintf(buf, len, "%s:%s%s%s", g->kind == PH_GRANT_TCP ?
		    "tcp" : "udp", addrs[g->addr], g->addr ? ":" : "", ports);
		break;
	case PH_GRANT_RAW4:
		if (g->proto == 1)
			snprintf(buf, len, "raw:icmp");
		else
			snprintf(buf, len, "raw:%d", g->proto);
		break;
	case PH_GRANT_RAW6:
		if (g->proto == 58)
			snprintf(buf, len, "raw6:icmpv6");
		else
			snprintf(buf, len, "raw6:%d", g->proto);
		break;
	default:
		snprintf(buf, len, "packet:eth%d", g->ifx);
	}
}

/* The model's own coverage rule, kept independent of ph__grant_covers(). */
static int
ref_covers(const struct rgrant *a, const struct rgrant *r)
{
	int	inet = a->kind == PH_GRANT_TCP || a->kind == PH_GRANT_UDP;
	int	raw = a->kind == PH_GRANT_RAW4 || a->kind == PH_GRANT_RAW6;

	if (a->kind != r->kind)
		return 0;
	if (inet)
		return r->lo >= a->lo && r->lo <= a->hi &&
		    (a->addr == 0 || a->addr == r->addr);
	return raw ? a->proto == r->proto : a->ifx == r->ifx;
}

static void
rand_rule(struct rrule *ru)
{
	int	i, k;

	memset(ru, 0, sizeof(*ru));
	k = (int)rnd(sizeof(rnames) / sizeof(rnames[0]) + 2);
	if (k < (int)(sizeof(rnames) / sizeof(rnames[0])) && rnd(2)) {
		ru->group = rnames[k].group;
		ru->id = rnames[k].id;
		ru->named = 1 + k;
	} else {
		ru->group = (int)rnd(2);
		ru->id = rids[rnd(N_RIDS)];
	}
	ru->ng = 1 + (int)rnd(3);
	for (i = 0; i < ru->ng; i++)
		rand_grant(&ru->g[i], 0);
}

/* Render rules as text (with comments and blanks), filling line. */
static size_t
render(struct rrule *rs, int n, char *buf, size_t len)
{
	char	gt[64];
	size_t	pos = 0;
	int	i, k, line = 0;

	for (i = 0; i < n; i++) {
		while (rnd(4) == 0) {
			pos += (size_t)snprintf(buf + pos, len - pos,
			    rnd(2) ? "# comment %d\n" : "\n", i);
			line++;
		}
		rs[i].line = ++line;
		if (rs[i].named)
			pos += (size_t)snprintf(buf + pos, len - pos,
			    "allow %s %s", rs[i].group ? "group" : "user",
			    rnames[rs[i].named - 1].name);
		else
			pos += (size_t)snprintf(buf + pos, len - pos,
			    "allow %s %u", rs[i].group ? "group" : "user",
			    (unsigned)rs[i].id);
		for (k = 0; k < rs[i].ng; k++) {
			grant_text(&rs[i].g[k], gt, sizeof(gt));
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%s",
			    rnd(3) ? " " : "\t", gt);
		}
		pos += (size_t)snprintf(buf + pos, len - pos, "%s\n",
		    rnd(4) ? "" : "  # trailing");
	}
	return pos;
}

struct rwho {
	uid_t	uid;
	gid_t	gid;
	gid_t	groups[4];
	size_t	ngroups;
};

static void
rand_who(struct rwho *w)
{
	static const gid_t	pool[] = { 100, 50, 2000, 7 };
	size_t			i;

	w->uid = (uid_t)rids[rnd(4)];
	w->gid = (gid_t)rids[rnd(N_RIDS)];
	w->ngroups = 0;
	for (i = 0; i < 4; i++)
		if (rnd(3) == 0)
			w->groups[w->ngroups++] = pool[i];
}

/* The reference decision: index of the first allowing rule, or -1. */
static int
ref_check(const struct rrule *rs, int n, const struct rwho *w,
    const struct rgrant *rq, int *ret_grant)
{
	size_t	j;
	int	i, k, m;

	for (i = 0; i < n; i++) {
		m = 0;
		if (!rs[i].group)
			m = w->uid == rs[i].id;
		else {
			m = w->gid == rs[i].id;
			for (j = 0; j < w->ngroups; j++)
				m |= w->groups[j] == rs[i].id;
		}
		if (!m)
			continue;
		for (k = 0; k < rs[i].ng; k++)
			if (ref_covers(&rs[i].g[k], rq)) {
				*ret_grant = k;
				return i;
			}
	}
	return -1;
}

/* The real decision for a reference request: the line, 0, or < 0. */
static int
real_check(const struct ph_policy *p, const struct rwho *w,
    const struct rgrant *rq, char *rule)
{
	struct ph_requester	who;
	struct ph_grant		g;
	char			text[64];
	int			line = -5, r;

	grant_text(rq, text, sizeof(text));
	if (ph__grant_parse(text, strlen(text), 0, &g) < 0)
		return -1000;
	who.peer.uid = w->uid;
	who.peer.gid = w->gid;
	who.peer.groups = (gid_t *)(uintptr_t)w->groups;
	who.peer.ngroups = w->ngroups;
	r = ph_policy_check(p, &who, &g, &line, rule, ERRLEN);
	return r == 1 ? line : r;
}

static void
test_s77_property(void)
{
	struct rrule		 rs[P_MAXRULES + 1], extra;
	struct rgrant		 rq[P_REQUESTS];
	struct rwho		 ws[P_REQUESTS];
	struct ph_policy	*p, *q;
	char			*buf, err[ERRLEN], rule[ERRLEN], want[ERRLEN];
	char			 gt[64], msg[256];
	int			 n, i, k, at, exp, got, gi;
	int			 parsefail = 0, wrong = 0, badtext = 0;
	int			 lost = 0, allows = 0, denies = 0, checks = 0;

	T_TRUE((buf = malloc(65536)) != NULL);
	if (buf == NULL)
		return;
	for (n = 0; n < P_POLICIES; n++) {
		int	nr = (int)rnd(P_MAXRULES + 1);

		for (i = 0; i < nr; i++)
			rand_rule(&rs[i]);
		p = NULL;
		if (parse_n(buf, render(rs, nr, buf, 65536), &p, err) != 0) {
			if (parsefail++ < 3)
				printf("# parse failed: %s\n", err);
			continue;
		}
		for (k = 0; k < P_REQUESTS; k++) {
			rand_grant(&rq[k], 1);
			rand_who(&ws[k]);
			exp = ref_check(rs, nr, &ws[k], &rq[k], &gi);
			got = real_check(p, &ws[k], &rq[k], rule);
			checks++;
			if (exp < 0) {
				denies++;
				if (got != 0 && wrong++ < 5) {
					grant_text(&rq[k], gt, sizeof(gt));
					printf("# allowed %s: %s\n", gt, rule);
				}
				continue;
			}
			allows++;
			if (got != rs[exp].line) {
				if (wrong++ < 5) {
					grant_text(&rq[k], gt, sizeof(gt));
					printf("# %s: line %d, want %d\n", gt,
					    got, rs[exp].line);
				}
				continue;
			}
			grant_text(&rs[exp].g[gi], gt, sizeof(gt));
			snprintf(want, sizeof(want), "allow %s %s %s",
			    rs[exp].group ? "group" : "user",
			    rs[exp].named ? rnames[rs[exp].named - 1].name :
			    "", gt);
			if (!rs[exp].named)
				snprintf(want, sizeof(want), "allow %s %u %s",
				    rs[exp].group ? "group" : "user",
				    (unsigned)rs[exp].id, gt);
			if (strcmp(rule, want) != 0 && badtext++ < 5)
				printf("# rule '%s', want '%s'\n", rule, want);
		}

		/* Monotonicity: one more rule, anywhere, loses no allow. */
		rand_rule(&extra);
		at = (int)rnd((uint32_t)nr + 1);
		memmove(&rs[at + 1], &rs[at], (size_t)(nr - at) * sizeof(*rs));
		rs[at] = extra;
		q = NULL;
		if (parse_n(buf, render(rs, nr + 1, buf, 65536), &q, err) !=
		    0) {
			parsefail++;
			ph_policy_free(p);
			continue;
		}
		for (k = 0; k < P_REQUESTS; k++) {
			got = real_check(p, &ws[k], &rq[k], rule);
			if (got > 0 && real_check(q, &ws[k], &rq[k], rule) <= 0)
				lost++;
			exp = ref_check(rs, nr + 1, &ws[k], &rq[k], &gi);
			got = real_check(q, &ws[k], &rq[k], rule);
			if ((exp < 0 ? 0 : rs[exp].line) != got)
				wrong++;
			checks++;
		}
		ph_policy_free(p);
		ph_policy_free(q);
	}
	snprintf(msg, sizeof(msg), "S77: %d policies, %d checks (%d allowed, "
	    "%d denied by the reference)", P_POLICIES, checks, allows,
	    denies);
	tap_diag(msg);
	T_EQ(parsefail, 0);
	T_EQ(wrong, 0);			/* agrees with the reference */
	T_EQ(badtext, 0);		/* reports the first rule's text */
	T_EQ(lost, 0);			/* adding a rule removes no allow */
	T_TRUE(allows > 1000 && denies > 1000);	/* both sides exercised */
	free(buf);
}

/* ------------------------------------------------------------------ */

/*
 * S76, OpenSSH fuzz.c style: every single bit flip, every pair of
 * flips within a byte, and every truncation of a valid policy either
 * parses or fails with -EINVAL and a "p:N: " message whose N is a real
 * line; a truncation at a line end keeps exactly the earlier rules.
 */
static void
test_s76_flips_and_truncations(void)
{
	struct ph_policy	*p;
	char			*b, err[ERRLEN], rule[ERRLEN];
	size_t			 len = sizeof(eval_text) - 1, i, j, nl = 0;
	int			 r, line, accepted = 0, rejected = 0;
	int			 odd = 0;

	for (i = 0; i < len; i++)
		nl += eval_text[i] == '\n';
	T_TRUE((b = malloc(len)) != NULL);
	if (b == NULL)
		return;
	for (i = 0; i < len * 8; i++) {
		for (j = i; j < (i | 7) + 1; j++) {
			memcpy(b, eval_text, len);
			b[i / 8] ^= (char)(1 << (i % 8));
			if (j != i)
				b[j / 8] ^= (char)(1 << (j % 8));
			p = SENTINEL;
			err[0] = '\0';
			r = parse_n(b, len, &p, err);
			if (r == 0) {
				accepted++;
				(void)check(p, 1001, 100, NULL, 0,
				    "tcp:0.0.0.0:80", rule);
				ph_policy_free(p);
			} else if (r == -EINVAL && p == SENTINEL &&
			    sscanf(err, "p:%d: ", &line) == 1 && line >= 1 &&
			    (size_t)line <= nl + 1)
				rejected++;
			else if (odd++ < 5)
				printf("# flip %zu/%zu: %d '%s'\n", i, j, r,
				    err);
		}
	}
	for (i = 0; i <= len; i++) {
		p = SENTINEL;
		r = parse_n(eval_text, i, &p, err);
		if (r == 0) {
			accepted++;
			if (i > 0 && eval_text[i - 1] == '\n') {
				size_t	want = 0, k, ln = 0;

				/* rules on the first lines, as in the text */
				for (k = 0; k < i; k++)
					if (eval_text[k] == '\n') {
						ln++;
						want += ln >= 2 && ln != 7;
					}
				if (ph_policy_nrules(p) != want && odd++ < 5)
					printf("# cut %zu: %zu rules\n", i,
					    ph_policy_nrules(p));
			}
			ph_policy_free(p);
		} else if (r == -EINVAL && p == SENTINEL)
			rejected++;
		else
			odd++;
	}
	snprintf(rule, sizeof(rule), "S76: %d mutants accepted, %d rejected",
	    accepted, rejected);
	tap_diag(rule);
	T_EQ(odd, 0);
	T_TRUE(accepted > 0 && rejected > 0);
	free(b);
}

/* ------------------------------------------------------------------ */
/* ph_policy_load(): S53                                              */
/* ------------------------------------------------------------------ */

static const char good_policy[] = "allow user 0 tcp:80\n"
    "allow group 0 raw:icmp\n";

/* ph_policy_load() expecting failure r; checks *ret and err. */
static int
load_fails(const char *path, int r, const char *want_err)
{
	struct ph_policy	*p = SENTINEL;
	char			 err[ERRLEN];
	int			 got;

	err[0] = 'X';
	err[1] = '\0';
	got = ph_policy_load(path, &p, err, sizeof(err));
	if (got == 0 && p != SENTINEL)
		ph_policy_free(p);
	if (got != r)
		printf("#   %s: got %d, want %d (%s)\n", path, got, r, err);
	if (p != SENTINEL)
		return -1;
	if (want_err != NULL && strcmp(err, want_err) != 0) {
		printf("#   err '%s', want '%s'\n", err, want_err);
		return -2;
	}
	if (err[0] == '\0' || err[0] == 'X')
		return -3;
	return got == r ? 0 : -4;
}

/* A trusted load works; the path's shape is checked first. */
static void
test_s53_load_ok(void)
{
	struct ph_policy	*p = NULL;
	char			 d[PATH_MAX], f[PATH_MAX], e[PATH_MAX + 64];
	char			 err[ERRLEN], rule[ERRLEN];
	int			 before = tap_fd_count();

	/* shape errors need no privilege */
	T_OK(load_fails("etc/porthole/policy", -EINVAL,
	    "etc/porthole/policy: not an absolute path"));
	T_OK(load_fails("", -EINVAL, ": not an absolute path"));
	T_OK(load_fails("/", -EINVAL, "/: names a directory"));
	T_OK(load_fails("/etc/porthole/", -EINVAL,
	    "/etc/porthole/: names a directory"));
	T_OK(load_fails("/etc/../etc/porthole/policy", -EINVAL,
	    "/etc/../etc/porthole/policy: '.' or '..' in the path"));
	T_OK(load_fails("/etc/./policy", -EINVAL, NULL));
	T_EQ(ph_policy_load(NULL, &p, err, sizeof(err)), -EINVAL);
	T_TRUE(p == NULL);
	if (geteuid() != 0) {
		/* T is ours, not root's: refused for its owner */
		pathf(f, "policy");
		T_OK(write_file(f, good_policy, strlen(good_policy), 0644));
		T_OK(load_fails(f, -EPERM, NULL));
		T_OK(unlink(f));
		tap_skip(12, "needs root");
		T_EQ(tap_fd_count(), before);
		return;
	}
	pathf(d, "ok");
	T_OK(mkdir(d, 0755));
	snprintf(f, sizeof(f), "%s/policy", d);
	T_OK(write_file(f, good_policy, strlen(good_policy), 0644));
	strcpy(err, "junk");
	T_EQ(ph_policy_load(f, &p, err, sizeof(err)), 0);
	T_STREQ(err, "");
	T_EQ(ph_policy_nrules(p), 2);
	T_STREQ(ph_policy_file(p), f);		/* for "FILE:LINE: rule" */
	T_EQ(ph_policy_needs_raw(p), 1);
	T_EQ(check(p, 0, 5, NULL, 0, "tcp:0.0.0.0:80", rule), 1);
	T_STREQ(rule, "allow user 0 tcp:80");
	ph_policy_free(p);
	p = NULL;
	/* double slashes are only separators */
	snprintf(e, sizeof(e), "/%s//policy", d);
	T_EQ(ph_policy_load(e, &p, err, sizeof(err)), 0);
	ph_policy_free(p);
	p = NULL;
	/* a syntax error names the file and line; nothing is granted */
	T_OK(write_file(f, "allow user 0 tcp:80\nallow user 0 tcp:0\n", 40,
	    0644));
	snprintf(e, sizeof(e), "%s:2: invalid grant 'tcp:0'", f);
	T_OK(load_fails(f, -EINVAL, e));
	/* missing */
	T_OK(unlink(f));
	snprintf(e, sizeof(e), "%s: No such file or directory", f);
	T_OK(load_fails(f, -ENOENT, e));
	T_OK(rmdir(d));
	T_EQ(tap_fd_count(), before);
}

/* Owner and mode of the file and of every directory above it. */
static void
test_s53_trust(void)
{
	static const mode_t	 fmodes[] = { 0666, 0664, 0646, 0622, 0660 };
	static const mode_t	 dmodes[] = { 0775, 0757, 0777, 0770 };
	char			 d[PATH_MAX], sub[PATH_MAX], f[PATH_MAX];
	char			 e[PATH_MAX + 128];
	struct ph_policy	*p = NULL;
	char			 err[ERRLEN];
	size_t			 i;

	if (tap_skip_unless_root(44, "needs root"))
		return;
	pathf(d, "trust");
	T_OK(mkdir(d, 0755));
	snprintf(sub, sizeof(sub), "%s/sub", d);
	T_OK(mkdir(sub, 0755));
	snprintf(f, sizeof(f), "%s/policy", sub);
	T_OK(write_file(f, good_policy, strlen(good_policy), 0644));

	for (i = 0; i < sizeof(fmodes) / sizeof(fmodes[0]); i++) {
		T_OK(chmod(f, fmodes[i]));
		snprintf(e, sizeof(e), "%s: writable by group or others "
		    "(mode %04o)", f, (unsigned)fmodes[i]);
		T_OK(load_fails(f, -EPERM, e));
	}
	T_OK(chmod(f, 0600));			/* read-only for others: ok */
	T_EQ(ph_policy_load(f, &p, err, sizeof(err)), 0);
	ph_policy_free(p);
	p = NULL;
	T_OK(chmod(f, 0644));
	T_OK(chown(f, OTHER_UID, 0));		/* S37 uid as the owner */
	snprintf(e, sizeof(e), "%s: owned by uid 4000000000, not root", f);
	T_OK(load_fails(f, -EPERM, e));
	T_OK(chown(f, 0, OTHER_UID));		/* group does not matter */
	T_EQ(ph_policy_load(f, &p, err, sizeof(err)), 0);
	ph_policy_free(p);
	p = NULL;

	/* a directory above, group- or world-writable, or not root's */
	for (i = 0; i < sizeof(dmodes) / sizeof(dmodes[0]); i++) {
		T_OK(chmod(d, dmodes[i]));
		snprintf(e, sizeof(e), "%s: directory writable by group or "
		    "others (mode %04o)", d, (unsigned)dmodes[i]);
		T_OK(load_fails(f, -EPERM, e));
	}
	T_OK(chmod(d, 0755));
	T_OK(chown(sub, OTHER_UID, 0));
	snprintf(e, sizeof(e), "%s: directory owned by uid 4000000000, not "
	    "root", sub);
	T_OK(load_fails(f, -EPERM, e));
	T_OK(chown(sub, 0, 0));

	/* a root-owned sticky directory is fine (as /tmp), others' not */
	T_OK(chmod(d, 01777));
	T_EQ(ph_policy_load(f, &p, err, sizeof(err)), 0);
	ph_policy_free(p);
	p = NULL;
	T_OK(chown(d, OTHER_UID, 0));
	snprintf(e, sizeof(e), "%s: directory owned by uid 4000000000, not "
	    "root", d);
	T_OK(load_fails(f, -EPERM, e));
	T_OK(chown(d, 0, 0));
	T_OK(chmod(d, 0755));
	/* the file's own sticky/setgid bits do not make it writable */
	T_OK(chmod(f, 02644));
	T_EQ(ph_policy_load(f, &p, err, sizeof(err)), 0);
	ph_policy_free(p);

	T_OK(unlink(f));
	T_OK(rmdir(sub));
	T_OK(rmdir(d));
}

/* Symlinks anywhere, FIFOs, directories, and files over 1 MiB. */
static void
test_s53_types(void)
{
	char	d[PATH_MAX], f[PATH_MAX], l[PATH_MAX], x[PATH_MAX];
	char	e[PATH_MAX + 128], *big;
	size_t	pos;

	if (tap_skip_unless_root(22, "needs root"))
		return;
	pathf(d, "types");
	T_OK(mkdir(d, 0755));
	snprintf(f, sizeof(f), "%s/policy", d);
	T_OK(write_file(f, good_policy, strlen(good_policy), 0644));

	/* a symlinked directory in the path */
	pathf(l, "types-link");
	T_OK(symlink(d, l));
	snprintf(x, sizeof(x), "%s/policy", l);
	snprintf(e, sizeof(e), "%s: symbolic link in the policy path "
	    "(refused)", l);
	T_OK(load_fails(x, -ELOOP, e));
	T_OK(unlink(l));
	/* the file itself a symlink, to a good file or dangling */
	snprintf(l, sizeof(l), "%s/plink", d);
	T_OK(symlink(f, l));
	snprintf(e, sizeof(e), "%s: symbolic link in the policy path "
	    "(refused)", l);
	T_OK(load_fails(l, -ELOOP, e));
	T_OK(unlink(l));
	T_OK(symlink("/nonexistent/policy", l));
	T_OK(load_fails(l, -ELOOP, e));
	T_OK(unlink(l));

	/* a FIFO: refused at once, without blocking for a writer */
	snprintf(x, sizeof(x), "%s/fifo", d);
	T_OK(mkfifo(x, 0644));
	guard(2);
	snprintf(e, sizeof(e), "%s: not a regular file", x);
	T_OK(load_fails(x, -EINVAL, e));
	alarm(0);
	T_OK(unlink(x));
	/* a directory as the file; a file as a directory */
	snprintf(e, sizeof(e), "%s: not a regular file", d);
	T_OK(load_fails(d, -EINVAL, e));
	snprintf(x, sizeof(x), "%s/policy/x", d);
	snprintf(e, sizeof(e), "%s: not a directory", f);
	T_OK(load_fails(x, -ENOTDIR, e));

	/* over 1 MiB, even of valid rules */
	T_TRUE((big = malloc(MAX_BYTES + 24)) != NULL);
	if (big != NULL) {
		for (pos = 0; pos <= MAX_BYTES; pos += 20)
			memcpy(big + pos, "allow user 0 tcp:80\n", 20);
		T_OK(write_file(f, big, pos, 0644));
		snprintf(e, sizeof(e), "%s: larger than 1048576 bytes", f);
		T_OK(load_fails(f, -EFBIG, e));
		free(big);
	}
	T_OK(unlink(f));
	T_OK(rmdir(d));
}

/* ------------------------------------------------------------------ */
/* The parser guard (issue 9; S12-S14): no parser runs as root         */
/* ------------------------------------------------------------------ */

enum { G_OFF_PARSE, G_OFF_CHECK, G_ROOT_CHECK, G_ROOT_PARSE, G_ROOT_RET,
    G_ROOT_ERR, G_ROOT_NAMES, G_ROOT_NAMES_RET, G_ROOT_LOAD, G_ROOT_TEXT,
    G_SAVED_CHECK, G_SAVED_PARSE, G_USER_CHECK, G_USER_PARSE,
    G_USER_NAMES, G_USER_GID, G_N };

/*
 * In a child (the guard is one-way, and the child changes uid): the
 * parsers with the guard off (the control: they run as root), on as
 * root (-EPERM, outputs untouched), on with only the saved uid 0 (still
 * -EPERM: it could setresuid() back), and on as another user (they
 * run).  The child sends its results; we judge them here.
 */
static void
guard_child(int wfd, const char *pwpath, const char *grpath)
{
	static const char	 pol[] = "allow user alice tcp:80\n";
	struct ph_text		 t = { (char *)(uintptr_t)pol, sizeof(pol) - 1 };
	struct ph_text		 pw = { NULL, 0 }, gr = { NULL, 0 };
	struct ph_policy	*p;
	struct ph_names		*n;
	char			 err[ERRLEN];
	gid_t			 gid = 7;
	int			 v[G_N], i;

	for (i = 0; i < G_N; i++)
		v[i] = -12345;
	if (ph_names_read(pwpath, &pw) < 0 || ph_names_read(grpath, &gr) < 0)
		_exit(3);
	p = NULL;
	v[G_OFF_PARSE] = ph_policy_parse(pol, sizeof(pol) - 1, "p", N, &p,
	    err, sizeof(err));
	ph_policy_free(p);
	v[G_OFF_CHECK] = ph_parser_guard_check();

	ph_parser_guard_on();
	v[G_ROOT_CHECK] = ph_parser_guard_check();
	p = SENTINEL;
	v[G_ROOT_PARSE] = ph_policy_parse(pol, sizeof(pol) - 1, "p", N, &p,
	    err, sizeof(err));
	v[G_ROOT_RET] = p == SENTINEL;
	v[G_ROOT_ERR] = strstr(err, "refusing to parse as root") != NULL;
	n = (struct ph_names *)(void *)sentinel_storage;
	v[G_ROOT_NAMES] = ph_names_parse(&pw, &gr, &n);
	v[G_ROOT_NAMES_RET] = n == (struct ph_names *)(void *)sentinel_storage;
	n = NULL;
	v[G_ROOT_LOAD] = ph_names_load(pwpath, grpath, &n);
	ph_names_free(n);
	p = NULL;
	v[G_ROOT_TEXT] = ph_policy_parse_text("/p", &t, &pw, &gr, &p, err,
	    sizeof(err));
	ph_policy_free(p);

	/* Real and effective uid dropped, saved uid 0: still refused. */
	if (setresuid(OTHER_UID, OTHER_UID, 0) == 0) {
		v[G_SAVED_CHECK] = ph_parser_guard_check();
		p = NULL;
		v[G_SAVED_PARSE] = ph_policy_parse(pol, sizeof(pol) - 1, "p",
		    N, &p, err, sizeof(err));
		ph_policy_free(p);
	}
	/* All three dropped: the parsers run (the control). */
	if (setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == 0) {
		v[G_USER_CHECK] = ph_parser_guard_check();
		p = NULL;
		v[G_USER_PARSE] = ph_policy_parse_text("/p", &t, &pw, &gr, &p,
		    err, sizeof(err));
		ph_policy_free(p);
		n = NULL;
		v[G_USER_NAMES] = ph_names_parse(&pw, &gr, &n);
		if (ph_names_user_gid(n, "carol", &gid) < 0)
			gid = 8;
		v[G_USER_GID] = (int)gid;
		ph_names_free(n);
	}
	ph_text_free(&pw);
	ph_text_free(&gr);
	_exit(write(wfd, v, sizeof(v)) == (ssize_t)sizeof(v) ? 0 : 4);
}

static void
test_s12_parser_guard(void)
{
	char	pwpath[PATH_MAX], grpath[PATH_MAX];
	int	v[G_N], pfd[2], st = -1;
	pid_t	pid;

	if (geteuid() != 0) {
		tap_skip(G_N + 4, "the parser guard: needs root");
		return;
	}
	pathf(pwpath, "passwd");
	pathf(grpath, "group");
	memset(v, 0, sizeof(v));
	T_OK(pipe2(pfd, O_CLOEXEC));
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		guard_child(pfd[1], pwpath, grpath);
	}
	close(pfd[1]);
	T_EQ(read(pfd[0], v, sizeof(v)), (ssize_t)sizeof(v));
	close(pfd[0]);
	(void)waitpid(pid, &st, 0);
	T_EQ(st, 0);
	/* control: with the guard off, root parses (porthole check) */
	T_EQ(v[G_OFF_PARSE], 0);
	T_EQ(v[G_OFF_CHECK], 0);
	/* the guard on, as root: every parser refuses, outputs untouched */
	T_EQ(v[G_ROOT_CHECK], -EPERM);
	T_EQ(v[G_ROOT_PARSE], -EPERM);
	T_EQ(v[G_ROOT_RET], 1);
	T_EQ(v[G_ROOT_ERR], 1);
	T_EQ(v[G_ROOT_NAMES], -EPERM);
	T_EQ(v[G_ROOT_NAMES_RET], 1);
	T_EQ(v[G_ROOT_LOAD], -EPERM);
	T_EQ(v[G_ROOT_TEXT], -EPERM);
	/* S12: a saved uid 0 could be taken back: still refused */
	T_EQ(v[G_SAVED_CHECK], -EPERM);
	T_EQ(v[G_SAVED_PARSE], -EPERM);
	/* control: all uids dropped, the same calls parse */
	T_EQ(v[G_USER_CHECK], 0);
	T_EQ(v[G_USER_PARSE], 0);
	T_EQ(v[G_USER_NAMES], 0);
	T_EQ(v[G_USER_GID], 100);	/* carol's primary gid in passwd_text */
}

/*
 * S50: ph_policy_check_bind(), the one bind decision of the broker and
 * `porthole check`: [::] needs 0.0.0.0 too, an IPv4-mapped address is
 * its IPv4 address; and ph_policy_grant_at() walks the grants in order.
 */
static void
test_s50_bind_decision(void)
{
	static const char	 text[] =
	    "allow user 1001 tcp:[::]:543\n"		/* line 1: alone */
	    "# a comment\n"
	    "allow user 1001 tcp:0.0.0.0:544 tcp:[::]:544 udp:53\n" /* 3 */
	    "allow group 2000 tcp:127.0.0.1:80\n";		/* line 4 */
	struct ph_policy	*p = NULL;
	struct ph_policy_grant	 pg;
	struct ph_requester	 who = { .peer = { .uid = 1001, .gid = 1001 } };
	struct ph_grant		 g;
	char			 err[ERRLEN], rule[ERRLEN], rule4[ERRLEN];
	int			 line, line4;
	size_t			 i;

	T_EQ(parse_s(text, &p, err), 0);
	if (p == NULL)
		return;
	/* [::]:543 alone grants no wildcard bind, whatever IPV6_V6ONLY. */
	g = req("tcp:[::]:543");
	T_EQ(ph_policy_check_bind(p, &who, &g, &line, rule, sizeof(rule),
	    &line4, rule4, sizeof(rule4)), 0);
	T_EQ(line, 1);				/* the IPv6 half is there */
	T_EQ(line4, 0);				/* the IPv4 half is not */
	/* With 0.0.0.0 granted too, both halves, both rules named. */
	g = req("tcp:[::]:544");
	T_EQ(ph_policy_check_bind(p, &who, &g, &line, rule, sizeof(rule),
	    &line4, rule4, sizeof(rule4)), 1);
	T_EQ(line, 3);
	T_EQ(line4, 3);
	T_STREQ(rule4, "allow user 1001 tcp:0.0.0.0:544");
	/* A port-only grant covers both halves; a specific address needs
	 * no second question (line4 stays 0). */
	g = req("udp:[::]:53");
	T_EQ(ph_policy_check_bind(p, &who, &g, &line, NULL, 0, &line4, NULL,
	    0), 1);
	g = req("tcp:0.0.0.0:544");
	T_EQ(ph_policy_check_bind(p, &who, &g, &line, NULL, 0, &line4, NULL,
	    0), 1);
	T_EQ(line4, 0);
	/* ::ffff:0.0.0.0 is 0.0.0.0, not [::]. */
	g = req("tcp:[::ffff:0.0.0.0]:544");
	T_EQ(ph_bind_question(&g), 0);
	T_EQ(g.family, AF_INET);
	g = req("tcp:[::ffff:0.0.0.0]:544");
	T_EQ(ph_policy_check_bind(p, &who, &g, &line, NULL, 0, NULL, NULL,
	    0), 1);
	/* Someone else: denied, both lines 0. */
	who.peer.uid = 1002;
	g = req("tcp:[::]:544");
	T_EQ(ph_policy_check_bind(p, &who, &g, &line, rule, sizeof(rule),
	    &line4, rule4, sizeof(rule4)), 0);
	T_EQ(line + line4, 0);

	/* The walk: 5 grants, file order, lines and subjects. */
	for (i = 0; ph_policy_grant_at(p, i, &pg) == 0; i++)
		if (i == 0)
			T_EQ(pg.line, 1);
	T_EQ(i, 5);
	T_EQ(ph_policy_grant_at(p, 3, &pg), 0);
	T_EQ(pg.line, 3);
	T_EQ(pg.g->kind, PH_GRANT_UDP);
	T_EQ(ph_policy_grant_at(p, 4, &pg), 0);
	T_EQ(pg.line, 4);
	T_EQ(pg.group, 1);
	T_EQ(pg.id, 2000);
	T_EQ(ph_policy_grant_at(p, 5, &pg), -ENOENT);
	T_EQ(ph_policy_grant_at(NULL, 0, &pg), -ENOENT);
	ph_policy_free(p);
}

int
main(void)
{
	char	p[PATH_MAX], g[PATH_MAX];

	signal(SIGPIPE, SIG_IGN);
	tap_start_dir(0755);	/* searchable; ours or root's */
	pathf(p, "passwd");
	pathf(g, "group");
	if (write_file(p, passwd_text, sizeof(passwd_text) - 1, 0644) == -1 ||
	    write_file(g, group_text, sizeof(group_text) - 1, 0644) == -1 ||
	    ph_names_load(p, g, &N) < 0)
		tap_skip_all("cannot write the names files");
	TAP_RUN(test_s55_names);
	TAP_RUN(test_grammar_accept);
	TAP_RUN(test_grammar_reject);
	TAP_RUN(test_s84_bounds);
	TAP_RUN(test_s84_speed);
	TAP_RUN(test_evaluate);
	TAP_RUN(test_s36_many_groups);
	TAP_RUN(test_s77_property);
	TAP_RUN(test_s76_flips_and_truncations);
	TAP_RUN(test_s53_load_ok);
	TAP_RUN(test_s53_trust);
	TAP_RUN(test_s53_types);
	TAP_RUN(test_s12_parser_guard);
	TAP_RUN(test_s50_bind_decision);
	ph_names_free(N);
	return tap_done();
}
