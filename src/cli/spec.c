/* SPDX-License-Identifier: ISC */
/*
 * spec.c - SPECs of `porthole run` and `porthole check`: a grant of the
 * policy grammar with one port, and an optional ",name=NAME" for
 * LISTEN_FDNAMES.  The default name has no colon, since colons separate
 * LISTEN_FDNAMES: "tcp-80", "udp-53", "raw-icmp", "packet-eth0".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* A name for LISTEN_FDNAMES: 1..255 of [A-Za-z0-9._-] (sd_listen_fds). */
static int
valid_fdname(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * Parse `s` into *ret.  Returns 0, or -EINVAL with a reason in why.
 */
int
spec_parse(const char *s, struct spec *ret, const char **why)
{
	const char	*comma = strstr(s, ",name=");
	size_t		 glen = comma ? (size_t)(comma - s) : strlen(s);

	memset(ret, 0, sizeof(*ret));
	if (ph__grant_parse(s, glen, 0, &ret->g) < 0) {
		*why = "not a SPEC (tcp:PORT, tcp:ADDR:PORT, tcp:[ADDR6]:PORT, "
		    "udp:..., raw:icmp, raw6:icmpv6, raw:N, raw6:N, "
		    "packet:IFNAME)";
		return -EINVAL;
	}
	if (glen >= sizeof(ret->text)) {
		*why = "SPEC too long";
		return -EINVAL;
	}
	memcpy(ret->text, s, glen);
	ret->text[glen] = '\0';
	if (comma != NULL) {
		if (strlen(comma + 6) >= sizeof(ret->name) ||
		    !valid_fdname(comma + 6)) {
			*why = "name= takes 1 to 255 of A-Z a-z 0-9 . _ -";
			return -EINVAL;
		}
		memcpy(ret->name, comma + 6, strlen(comma + 6) + 1);
		return 0;
	}
	switch (ret->g.kind) {
	case PH_GRANT_TCP:
	case PH_GRANT_UDP:
		(void)snprintf(ret->name, sizeof(ret->name), "%s-%u",
		    ret->g.kind == PH_GRANT_TCP ? "tcp" : "udp",
		    (unsigned)ret->g.port_lo);
		break;
	case PH_GRANT_RAW4:
	case PH_GRANT_RAW6:
		(void)snprintf(ret->name, sizeof(ret->name), "%s", ret->text);
		ret->name[strcspn(ret->name, ":")] = '-';
		break;
	default:
		(void)snprintf(ret->name, sizeof(ret->name), "packet-%s",
		    ret->g.ifname);
		break;
	}
	return 0;
}
