/* SPDX-License-Identifier: ISC */
/*
 * fuzz-policy.c - libFuzzer target for the policy parser and evaluator
 * (S76 items 2 and 3): ph_policy_parse() on arbitrary bytes, with a small
 * fixed names table, must either fail with -EINVAL/-EFBIG and a
 * "fuzz:LINE: what" message, or give a policy on which ph_policy_check()
 * answers 0 or 1 for a fixed set of requests.  Every allow must report a
 * real line and a rule text that is itself a valid one-line policy
 * allowing the same request (the canonical text round-trips).
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/lib \
 *       -Isrc/broker fuzz/fuzz-policy.c src/broker/policy.c \
 *       src/lib/grant.c -o fuzz-policy
 *   ./fuzz-policy -dict=fuzz/policy.dict fuzz/corpus/policy
 *
 * fuzz-main.c replays the corpus without libFuzzer (make check).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"
#include "policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char passwd_text[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"alice:x:1001:1001::/home/alice:/bin/sh\n"
	"bob:x:1002:1002::/home/bob:/bin/sh\n"
	"nobody:x:65534:65534::/:/bin/sh\n"
	"big:x:4000000000:4000000000::/:/bin/sh\n"
	"machine$:x:3002:3002::/:/bin/sh\n";

static const char group_text[] =
	"root:x:0:\n"
	"users:x:100:alice,bob\n"
	"web:x:2000:alice\n"
	"nogroup:x:65534:\n";

static const char *const requests[] = {
	"tcp:0.0.0.0:80", "tcp:[::]:443", "tcp:127.0.0.1:8080",
	"tcp:[::1]:22", "udp:0.0.0.0:53", "udp:10.0.0.1:65535",
	"udp:[::ffff:127.0.0.1]:1", "raw:icmp", "raw:17", "raw6:icmpv6",
	"packet:eth0", "packet:lo",
};

static gid_t	supp[] = { 7, 100, 2000 };

static const struct ph_requester whos[] = {
	{ .peer = { .uid = 1001, .gid = 1001, .groups = NULL, .ngroups = 0 } },
	{ .peer = { .uid = 1002, .gid = 1002, .groups = supp, .ngroups = 3 } },
	{ .peer = { .uid = 0, .gid = 0, .groups = NULL, .ngroups = 0 } },
	{ .peer = { .uid = 65534, .gid = 65534, .groups = NULL, .ngroups = 0 } },
	{ .peer = { .uid = 4000000000u, .gid = 100, .groups = supp, .ngroups = 1 } },
	{ .peer = { .uid = (uid_t)-1, .gid = 100, .groups = NULL, .ngroups = 0 } },		/* always denied (S37) */
};

static struct ph_names	*names;

static int
write_file(const char *path, const char *s)
{
	int	fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* Build the names table once: files in a private temporary directory. */
static void
init_names(void)
{
	char	dir[] = "/tmp/ph-fuzz-XXXXXX", p[64], g[64];

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(p, sizeof(p), "%s/passwd", dir);
	snprintf(g, sizeof(g), "%s/group", dir);
	if (write_file(p, passwd_text) == -1 ||
	    write_file(g, group_text) == -1 ||
	    ph_names_load(p, g, &names) < 0)
		abort();
	(void)unlink(p);
	(void)unlink(g);
	(void)rmdir(dir);
}

/* Count the lines of data, the last one possibly without '\n'. */
static int
count_lines(const uint8_t *data, size_t size)
{
	size_t	i;
	int	n = size > 0 && data[size - 1] != '\n';

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

/* The reported rule text, parsed alone, must allow the same request. */
static void
check_rule_text(const char *rule, const struct ph_requester *who,
    const struct ph_grant *g)
{
	struct ph_policy	*one = NULL;
	char			 err[256], again[256];
	int			 line = 0;

	if (ph_policy_parse(rule, strlen(rule), "rule", names, &one, err,
	    sizeof(err)) != 0)
		abort();
	if (ph_policy_nrules(one) != 1 ||
	    ph_policy_check(one, who, g, &line, again, sizeof(again)) != 1 ||
	    line != 1 || strcmp(again, rule) != 0)
		abort();
	ph_policy_free(one);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ph_policy	*p = NULL;
	struct ph_grant		 g;
	char			 err[512], rule[256];
	size_t			 i, k;
	int			 r, line, nlines;

	if (names == NULL)
		init_names();
	memset(err, 'Z', sizeof(err));
	r = ph_policy_parse((const char *)data, size, "fuzz", names, &p, err,
	    sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();			/* always terminated */
	if (r != 0) {
		if ((r != -EINVAL && r != -EFBIG) || p != NULL ||
		    strncmp(err, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	if (err[0] != '\0' || p == NULL ||
	    strcmp(ph_policy_file(p), "-") != 0)
		abort();
	nlines = count_lines(data, size);
	if (ph_policy_nrules(p) > (size_t)nlines)
		abort();
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (ph__grant_parse(requests[i], strlen(requests[i]), 0,
		    &g) != 0)
			abort();
		for (k = 0; k < sizeof(whos) / sizeof(whos[0]); k++) {
			line = -1;
			r = ph_policy_check(p, &whos[k], &g, &line, rule,
			    sizeof(rule));
			if (r == 0) {
				if (line != 0 || rule[0] != '\0')
					abort();
				continue;
			}
			if (r != 1 || line < 1 || line > nlines ||
			    whos[k].peer.uid == (uid_t)-1 ||
			    strncmp(rule, "allow ", 6) != 0)
				abort();
			check_rule_text(rule, &whos[k], &g);
		}
	}
	ph_policy_free(p);
	return 0;
}
