/* SPDX-License-Identifier: ISC */
/*
 * grant.c - the grant grammar (see grant.h): parsing with strict numeric
 * rules (S11), canonical formatting, and coverage of a request by a
 * grant (S50: an address is part of what is granted).  Pure functions
 * over byte buffers, so the fuzzers call them directly (S76).  Runs in
 * privileged code: no locale, no NSS, no allocation.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "grant.h"

/*
 * Strict decimal: one or more digits, no sign, no leading zero unless the
 * number is 0, no space, at most 10 digits, within [lo, hi].
 */
int
ph__parse_uint(const char *s, size_t len, unsigned long lo, unsigned long hi,
    unsigned long *ret)
{
	unsigned long long	v = 0;
	size_t			i;

	if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -EINVAL;
	*ret = (unsigned long)v;
	return 0;
}

/* PORTS: N or (with PH_GRANT_RANGE) N-M with N <= M. */
static int
parse_ports(const char *s, size_t len, int flags, struct ph_grant *g)
{
	const char	*dash = memchr(s, '-', len);
	unsigned long	 lo, hi;

	if (dash == NULL) {
		if (ph__parse_uint(s, len, 1, 65535, &lo) < 0)
			return -EINVAL;
		hi = lo;
	} else {
		if (!(flags & PH_GRANT_RANGE))
			return -EINVAL;
		if (ph__parse_uint(s, (size_t)(dash - s), 1, 65535, &lo) < 0 ||
		    ph__parse_uint(dash + 1, len - (size_t)(dash - s) - 1, 1,
		    65535, &hi) < 0 || lo > hi)
			return -EINVAL;
	}
	g->port_lo = (uint16_t)lo;
	g->port_hi = (uint16_t)hi;
	return 0;
}

/*
 * ADDR: dotted IPv4 (inet_pton: exactly four decimal parts) or [IPv6].
 * inet_pton() is locale-independent and resolves nothing.
 */
static int
parse_addr(const char *s, size_t len, struct ph_grant *g)
{
	char	buf[INET6_ADDRSTRLEN + 2];

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return -EINVAL;
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
		if (inet_pton(AF_INET6, buf, g->addr) != 1)
			return -EINVAL;
		g->family = AF_INET6;
		return 0;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, g->addr) != 1)
		return -EINVAL;
	g->family = AF_INET;
	return 0;
}

/* tcp:/udp: rest is PORTS, or ADDR:PORTS (the last ':' splits). */
static int
parse_inet(const char *s, size_t len, int flags, struct ph_grant *g)
{
	const char	*colon = NULL;
	size_t		 i;

	for (i = len; i > 0; i--)
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	if (colon == NULL)
		return parse_ports(s, len, flags, g);
	/* An IPv6 address must be bracketed, so its colons end at ']'. */
	if (colon == s || (s[0] == '[' && colon[-1] != ']') ||
	    (s[0] != '[' && memchr(s, ':', (size_t)(colon - s)) != NULL))
		return -EINVAL;
	if (parse_addr(s, (size_t)(colon - s), g) < 0)
		return -EINVAL;
	return parse_ports(colon + 1, len - (size_t)(colon - s) - 1, flags, g);
}

/* An interface name: 1..15 bytes of [A-Za-z0-9._-], not "." or "..". */
static int
parse_ifname(const char *s, size_t len, struct ph_grant *g)
{
	size_t	i;

	if (len == 0 || len >= PH_GRANT_IFNAMSIZ)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return -EINVAL;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' &&
	    s[1] == '.'))
		return -EINVAL;
	memcpy(g->ifname, s, len);
	g->ifname[len] = '\0';
	return 0;
}

static int
prefix(const char *s, size_t len, const char *p)
{
	size_t	n = strlen(p);

	return len >= n && memcmp(s, p, n) == 0;
}

/*
 * ph__grant_parse() - parse exactly `len` bytes of `s` as one grant.
 * Flags: PH_GRANT_RANGE.  Returns 0 and *ret (written only on success),
 * or -EINVAL.  Thread-safe, no allocation.
 */
int
ph__grant_parse(const char *s, size_t len, int flags, struct ph_grant *ret)
{
	struct ph_grant	g;
	unsigned long	v;

	if (flags & ~PH_GRANT_RANGE)
		return -EINVAL;
	if (s == NULL || memchr(s, '\0', len) != NULL)
		return -EINVAL;
	memset(&g, 0, sizeof(g));
	if (prefix(s, len, "tcp:")) {
		g.kind = PH_GRANT_TCP;
		if (parse_inet(s + 4, len - 4, flags, &g) < 0)
			return -EINVAL;
	} else if (prefix(s, len, "udp:")) {
		g.kind = PH_GRANT_UDP;
		if (parse_inet(s + 4, len - 4, flags, &g) < 0)
			return -EINVAL;
	} else if (len == 8 && memcmp(s, "raw:icmp", 8) == 0) {
		g.kind = PH_GRANT_RAW4;
		g.protocol = IPPROTO_ICMP;
	} else if (len == 11 && memcmp(s, "raw6:icmpv6", 11) == 0) {
		g.kind = PH_GRANT_RAW6;
		g.protocol = IPPROTO_ICMPV6;
	} else if (prefix(s, len, "raw:")) {
		g.kind = PH_GRANT_RAW4;
		/* S46: never IPPROTO_RAW (255), a send-only socket for any
		 * packet; note that every raw socket can send any IPv4
		 * packet with IP_HDRINCL (S51, porthole.policy(5)). */
		if (ph__parse_uint(s + 4, len - 4, 1, 254, &v) < 0)
			return -EINVAL;
		g.protocol = (int)v;
	} else if (prefix(s, len, "raw6:")) {
		g.kind = PH_GRANT_RAW6;
		if (ph__parse_uint(s + 5, len - 5, 1, 254, &v) < 0)
			return -EINVAL;
		g.protocol = (int)v;
	} else if (prefix(s, len, "packet:")) {
		g.kind = PH_GRANT_PACKET;
		if (parse_ifname(s + 7, len - 7, &g) < 0)
			return -EINVAL;
	} else
		return -EINVAL;
	*ret = g;
	return 0;
}

/*
 * ph__grant_format() - the canonical text of a grant, which parses back
 * to the same grant (fuzz-tested).  Returns 0, or -ENAMETOOLONG if buf is
 * too small (buf then holds a truncated, NUL-terminated string), or
 * -EINVAL for a malformed grant.
 */
int
ph__grant_format(const struct ph_grant *g, char *buf, size_t len)
{
	char	a[INET6_ADDRSTRLEN], ports[16];
	int	n;

	if (len == 0)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	switch (g->kind) {
	case PH_GRANT_TCP:
	case PH_GRANT_UDP:
		if (g->port_lo == g->port_hi)
			(void)snprintf(ports, sizeof(ports), "%u",
			    (unsigned)g->port_lo);
		else
			(void)snprintf(ports, sizeof(ports), "%u-%u",
			    (unsigned)g->port_lo, (unsigned)g->port_hi);
		if (g->family == 0)
			n = snprintf(buf, len, "%s:%s", g->kind ==
			    PH_GRANT_TCP ? "tcp" : "udp", ports);
		else {
			if (inet_ntop(g->family, g->addr, a, sizeof(a)) == NULL)
				return -EINVAL;
			n = snprintf(buf, len, g->family == AF_INET6 ?
			    "%s:[%s]:%s" : "%s:%s:%s", g->kind ==
			    PH_GRANT_TCP ? "tcp" : "udp", a, ports);
		}
		break;
	case PH_GRANT_RAW4:
		n = g->protocol == IPPROTO_ICMP ?
		    snprintf(buf, len, "raw:icmp") :
		    snprintf(buf, len, "raw:%d", g->protocol);
		break;
	case PH_GRANT_RAW6:
		n = g->protocol == IPPROTO_ICMPV6 ?
		    snprintf(buf, len, "raw6:icmpv6") :
		    snprintf(buf, len, "raw6:%d", g->protocol);
		break;
	case PH_GRANT_PACKET:
		n = snprintf(buf, len, "packet:%.*s", PH_GRANT_IFNAMSIZ - 1,
		    g->ifname);
		break;
	default:
		return -EINVAL;
	}
	if (n < 0)
		return -EINVAL;
	return (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/*
 * ph__grant_covers() - does `allowed` (from the policy) cover the single
 * request `req` (one port, and for inet always an address, which may be
 * the wildcard)?  Same kind; raw: same protocol; packet: same interface;
 * tcp/udp: the port in range, and either a grant for any address or the
 * same family and address.  A grant for one address never covers a bind
 * to the wildcard, which would take every address (S50).
 */
int
ph__grant_covers(const struct ph_grant *allowed, const struct ph_grant *req)
{
	if (allowed->kind != req->kind)
		return 0;
	switch (allowed->kind) {
	case PH_GRANT_RAW4:
	case PH_GRANT_RAW6:
		return allowed->protocol == req->protocol;
	case PH_GRANT_PACKET:
		return strncmp(allowed->ifname, req->ifname,
		    PH_GRANT_IFNAMSIZ) == 0;
	case PH_GRANT_TCP:
	case PH_GRANT_UDP:
		if (req->port_lo != req->port_hi ||
		    req->port_lo < allowed->port_lo ||
		    req->port_lo > allowed->port_hi)
			return 0;
		if (allowed->family == 0)
			return 1;
		return allowed->family == req->family &&
		    memcmp(allowed->addr, req->addr, allowed->family ==
		    AF_INET ? 4 : 16) == 0;
	default:
		return 0;
	}
}
