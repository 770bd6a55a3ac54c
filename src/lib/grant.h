/* SPDX-License-Identifier: ISC */
/*
 * grant.h - one grammar for what may be granted, shared by the policy
 * file (src/broker/policy.c), `porthole run` and `porthole check` SPECs,
 * and the broker's requests:
 *
 *   tcp:PORTS  tcp:ADDR:PORTS  udp:PORTS  udp:ADDR:PORTS
 *   raw:icmp  raw6:icmpv6  raw:NUMBER  raw6:NUMBER  packet:IFNAME
 *   PORTS: N or N-M (M only with PH_GRANT_RANGE)
 *   ADDR:  an IPv4 address, or an IPv6 address in brackets
 *
 * Numbers are strict decimal: no sign, no leading zero, no spaces (S11).
 * No name is ever resolved: addresses are numeric, interface names are
 * taken as text and checked for shape only.
 *
 * Part of the private interface (private.h, which includes it): programs
 * include private.h, not this header.
 */
#ifndef PH_GRANT_H
#define PH_GRANT_H

#include <stddef.h>
#include <stdint.h>

#define PH_GRANT_TCP		1
#define PH_GRANT_UDP		2
#define PH_GRANT_RAW4		3
#define PH_GRANT_RAW6		4
#define PH_GRANT_PACKET		5

#define PH_GRANT_IFNAMSIZ	16	/* IFNAMSIZ, NUL included */

struct ph_grant {
	int		kind;		/* PH_GRANT_* */
	int		family;		/* AF_INET, AF_INET6; 0: any address */
	unsigned char	addr[16];	/* network order; IPv4 in the first 4 */
	uint16_t	port_lo;	/* tcp, udp: 1..65535 */
	uint16_t	port_hi;	/* == port_lo unless a range */
	int		protocol;	/* raw: 1..254, never IPPROTO_RAW */
	char		ifname[PH_GRANT_IFNAMSIZ];	/* packet */
};

#define PH_GRANT_RANGE		0x01	/* allow PORTS as N-M (policy) */

/* Parse exactly len bytes of s; 0 and *ret, or -EINVAL. Pure function. */
int	ph__grant_parse(const char *s, size_t len, int flags,
	    struct ph_grant *ret);
/* Canonical text of g into buf (always NUL-terminated); -ENAMETOOLONG. */
int	ph__grant_format(const struct ph_grant *g, char *buf, size_t len);
/* Does the grant `allowed` cover the single request `req`?  1 or 0. */
int	ph__grant_covers(const struct ph_grant *allowed,
	    const struct ph_grant *req);
/* Strict decimal in [lo, hi]: 0 and *ret, or -EINVAL. */
int	ph__parse_uint(const char *s, size_t len, unsigned long lo,
	    unsigned long hi, unsigned long *ret);

#endif /* PH_GRANT_H */
