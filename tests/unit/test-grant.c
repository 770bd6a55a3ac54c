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

#include "grant.h"
#include "tap.h"

static int
parse(const char *s, int flags, struct ph_grant *g)
{
	return ph__grant_parse(s, strlen(s), flags, g);
}

static void
test_s11_accept_table(void)
{
	static const struct { const char *in; int flags; const char *canon; } t[] = {
		{ "tcp:80", 0, "tcp:80" },
		{ "tcp:1", 0, "tcp:1" },
		{ "tcp:65535", 0, "tcp:65535" },
		{ "udp:53", 0, "udp:53" },
		{ "tcp:127.0.0.1:80", 0, "tcp:127.0.0.1:80" },
		{ "tcp:[::1]:443", 0, "tcp:[::1]:443" },
		{ "udp:[fe80::1]:53", 0, "udp:[fe80::1]:53" },
		{ "tcp:[::ffff:127.0.0.1]:80", 0, "tcp:[::ffff:127.0.0.1]:80" },
		{ "tcp:80-90", PH_GRANT_RANGE, "tcp:80-90" },
		{ "tcp:80-80", PH_GRANT_RANGE, "tcp:80" },
		{ "tcp:10.0.0.1:1-1023", PH_GRANT_RANGE, "tcp:10.0.0.1:1-1023" },
		{ "raw:icmp", 0, "raw:icmp" },
		{ "raw6:icmpv6", 0, "raw6:icmpv6" },
		{ "raw:1", 0, "raw:icmp" },
		{ "raw:254", 0, "raw:254" },
		{ "raw6:58", 0, "raw6:icmpv6" },
		{ "raw6:17", 0, "raw6:17" },
		{ "packet:eth0", 0, "packet:eth0" },
		{ "packet:a.b_c-d", 0, "packet:a.b_c-d" },
		{ "packet:123456789012345", 0, "packet:123456789012345" },
	};
	struct ph_grant	g;
	char		buf[128];
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		T_OK(parse(t[i].in, t[i].flags, &g));
		T_OK(ph__grant_format(&g, buf, sizeof(buf)));
		T_STREQ(buf, t[i].canon);
	}
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

static void
test_s50_covers(void)
{
	struct ph_grant	a, r;

	T_OK(parse("tcp:127.0.0.1:80", 0, &a));
	T_OK(parse("tcp:127.0.0.1:80", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 1);
	T_OK(parse("tcp:127.0.0.2:80", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 0);
	T_OK(parse("tcp:0.0.0.0:80", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 0);	/* never the wildcard */
	T_OK(parse("udp:127.0.0.1:80", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 0);
	T_OK(parse("tcp:80", 0, &a));
	T_OK(parse("tcp:[::]:80", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 1);	/* any address */
	T_OK(parse("tcp:81", 0, &r));
	r.family = AF_INET;
	T_EQ(ph__grant_covers(&a, &r), 0);
	T_OK(parse("tcp:80-90", PH_GRANT_RANGE, &a));
	T_OK(parse("tcp:90", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 1);
	T_OK(parse("tcp:91", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 0);
	T_OK(parse("tcp:80-90", PH_GRANT_RANGE, &r));
	T_EQ(ph__grant_covers(&a, &r), 0);	/* requests are one port */
	T_OK(parse("raw:icmp", 0, &a));
	T_OK(parse("raw:1", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 1);
	T_OK(parse("raw6:icmpv6", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 0);
	T_OK(parse("packet:eth0", 0, &a));
	T_OK(parse("packet:eth1", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 0);
	T_OK(parse("packet:eth0", 0, &r));
	T_EQ(ph__grant_covers(&a, &r), 1);
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
	test_s11_accept_table();
	test_s11_reject_table();
	test_s50_covers();
	test_s77_flip_roundtrip();
	return tap_end();
}
