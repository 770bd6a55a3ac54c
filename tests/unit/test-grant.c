/* SPDX-License-Identifier: ISC */
/*
 * test-grant.c - the grant grammar shared by the policy, SPECs and the
 * broker: exact accept/reject tables with strict numbers (S11), the
 * canonical form parses back to the same grant, and coverage never lets
 * a grant for one address take the wildcard (S50).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "tap.h"

static int
parse(const char *s, int flags, struct ph_grant *g)
{
	return ph__grant_parse(s, strlen(s), flags, g);
}

/* `in` parses with `flags` and formats as `canon`. */
/* PH_GRANT_RANGE for a port range ("tcp:80-90"), else 0. */
static int
flags_for(const char *s)
{
	return strncmp(s, "packet:", 7) != 0 && strchr(s, '-') != NULL ?
	    PH_GRANT_RANGE : 0;
}

static void
accepts(const char *in, int flags, const char *canon)
{
	struct ph_grant	g;
	char		buf[128];

	T_OK(parse(in, flags, &g));
	T_OK(ph__grant_format(&g, buf, sizeof(buf)));
	T_STREQ(buf, canon);
}

/* Each of these parses and formats back to itself; `ranges` with the
 * flag that allows a port range.  Other inputs have their own canon. */
static void
test_s11_accept_table(void)
{
	static const char *const plain[] = { "tcp:80", "tcp:1", "tcp:65535",
	    "udp:53", "tcp:127.0.0.1:80", "tcp:[::1]:443", "udp:[fe80::1]:53",
	    "tcp:[::ffff:127.0.0.1]:80", "raw:icmp", "raw6:icmpv6",
	    "raw:254", "raw6:17", "packet:eth0", "packet:a.b_c-d",
	    "packet:123456789012345" };
	static const char *const ranges[] = { "tcp:80-90",
	    "tcp:10.0.0.1:1-1023" };
	static const struct { const char *in; int flags; const char *canon; } t[] = {
		{ "tcp:80-80", PH_GRANT_RANGE, "tcp:80" },
		{ "raw:1", 0, "raw:icmp" },
		{ "raw6:58", 0, "raw6:icmpv6" },
	};
	size_t		i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		accepts(plain[i], 0, plain[i]);
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		accepts(ranges[i], PH_GRANT_RANGE, ranges[i]);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		accepts(t[i].in, t[i].flags, t[i].canon);
}

static void
test_s11_reject_table(void)
{
	static const struct { const char *in; int flags; } t[] = {
		{ "", 0 }, { "tcp", 0 }, { "tcp:", 0 }, { "tcp:0", 0 },
		{ "tcp:65536", 0 }, { "tcp:080", 0 }, { "tcp:-1", 0 },
		{ "tcp:+80", 0 }, { "tcp: 80", 0 }, { "tcp:80 ", 0 },
		{ "tcp:0x50", 0 }, { "tcp:4294967376", 0 },
		{ "tcp:99999999999", 0 }, { "TCP:80", 0 },
		{ "tcp:80-90", 0 },			/* range needs the flag */
		{ "tcp:90-80", PH_GRANT_RANGE }, { "tcp:80-", PH_GRANT_RANGE },
		{ "tcp:-80", PH_GRANT_RANGE }, { "tcp:1-2-3", PH_GRANT_RANGE },
		{ "tcp:127.1:80", 0 }, { "tcp:127.0.0.1:", 0 },
		{ "tcp:1.2.3.4.5:80", 0 }, { "tcp:256.0.0.1:80", 0 },
		{ "tcp:::1:80", 0 }, { "tcp:[::1:80", 0 }, { "tcp:[]:80", 0 },
		{ "tcp:[127.0.0.1]:80", 0 }, { "tcp:[::1]80", 0 },
		{ "tcp:[fe80::1%eth0]:80", 0 }, { "tcp:localhost:80", 0 },
		{ "raw:0", 0 }, { "raw:256", 0 }, { "raw:255", 0 },
		{ "raw6:255", 0 }, { "raw:icmpv6", 0 },
		{ "raw6:icmp", 0 }, { "raw:", 0 }, { "raw6:", 0 },
		{ "raw:01", 0 },
		{ "packet:", 0 }, { "packet:.", 0 }, { "packet:..", 0 },
		{ "packet:1234567890123456", 0 }, { "packet:eth0/x", 0 },
		{ "packet:eth 0", 0 }, { "sctp:80", 0 }, { "unix:/x", 0 },
	};
	struct ph_grant	g;
	size_t		i;

	memset(&g, 0x5a, sizeof(g));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		T_EQ(parse(t[i].in, t[i].flags, &g), -EINVAL);
		if (parse(t[i].in, t[i].flags, &g) == 0)
			printf("# accepted: '%s'\n", t[i].in);
	}
	T_EQ(g.kind, 0x5a5a5a5a);			/* untouched */
	T_EQ(ph__grant_parse("tcp:80", 6, 0x80, &g), -EINVAL);
	T_EQ(ph__grant_parse("tcp:8\0" "0", 6, 0, &g), -EINVAL);
	T_EQ(ph__grant_parse("tcp:8000", 6, 0, &g), 0);	/* exactly len */
	T_EQ(g.port_lo, 80);
}

/*
 * Does the grant `allowed` cover the request `req` (parsed with the range
 * flag where it has one)?  A non-zero `family` is forced on the request.
 */
static void
test_s50_covers(void)
{
	static const struct {
		const char	*allowed, *req;
		int		 family, want;
	} t[] = {
		{ "tcp:127.0.0.1:80", "tcp:127.0.0.1:80", 0, 1 },
		{ "tcp:127.0.0.1:80", "tcp:127.0.0.2:80", 0, 0 },
		/* never the wildcard */
		{ "tcp:127.0.0.1:80", "tcp:0.0.0.0:80", 0, 0 },
		{ "tcp:127.0.0.1:80", "udp:127.0.0.1:80", 0, 0 },
		/* any address */
		{ "tcp:80", "tcp:[::]:80", 0, 1 },
		{ "tcp:80", "tcp:81", AF_INET, 0 },
		{ "tcp:80-90", "tcp:90", 0, 1 },
		{ "tcp:80-90", "tcp:91", 0, 0 },
		/* requests are one port */
		{ "tcp:80-90", "tcp:80-90", 0, 0 },
		{ "raw:icmp", "raw:1", 0, 1 },
		{ "raw:icmp", "raw6:icmpv6", 0, 0 },
		{ "packet:eth0", "packet:eth1", 0, 0 },
		{ "packet:eth0", "packet:eth0", 0, 1 },
	};
	struct ph_grant	a, r;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		T_OK(parse(t[i].allowed, flags_for(t[i].allowed), &a));
		T_OK(parse(t[i].req, flags_for(t[i].req), &r));
		if (t[i].family != 0)
			r.family = t[i].family;
		T_EQ(ph__grant_covers(&a, &r), t[i].want);
	}
}

/* S76/S77: bit flips and truncations of valid grants never crash, and
 * whatever parses formats to text that parses to the same grant. */
static void
test_s77_flip_roundtrip(void)
{
	static const char *seeds[] = { "tcp:[2001:db8::1]:8080",
	    "udp:192.168.1.1:1-1023", "packet:eth0", "raw6:icmpv6" };
	struct ph_grant	a, b;
	char		s[64], buf[128];
	size_t		i, k, n, bad = 0, ok = 0;
	int		bit;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		n = strlen(seeds[i]);
		for (k = 0; k < n; k++)
			for (bit = 0; bit < 8; bit++) {
				memcpy(s, seeds[i], n);
				s[k] ^= (char)(1 << bit);
				if (ph__grant_parse(s, n, PH_GRANT_RANGE, &a) != 0)
					continue;
				ok++;
				if (ph__grant_format(&a, buf, sizeof(buf)) != 0 ||
				    ph__grant_parse(buf, strlen(buf),
				    PH_GRANT_RANGE, &b) != 0 ||
				    memcmp(&a, &b, sizeof(a)) != 0)
					bad++;
			}
		for (k = 0; k < n; k++)
			(void)ph__grant_parse(seeds[i], k, PH_GRANT_RANGE, &a);
	}
	T_TRUE(ok > 0);
	T_EQ(bad, 0);
}

int
main(void)
{
	TAP_RUN(test_s11_accept_table);
	TAP_RUN(test_s11_reject_table);
	TAP_RUN(test_s50_covers);
	TAP_RUN(test_s77_flip_roundtrip);
	return tap_end();
}
