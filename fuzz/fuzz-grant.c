/* SPDX-License-Identifier: ISC */
/*
 * fuzz-grant.c - libFuzzer target for the grant grammar (src/lib/grant.c,
 * S76, S77 "decode(encode(x)) == x").  The input is parsed with and
 * without PH_GRANT_RANGE.  Whatever parses must format, and the
 * formatted text must parse back (with the same flags) to an equal
 * grant and format to the same text; a grant that parses without ranges
 * parses the same with them; a single-port grant covers itself.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/lib \
 *       fuzz/fuzz-grant.c src/lib/grant.c -o fuzz-grant
 *   ./fuzz-grant fuzz/corpus/grant
 *
 * fuzz-main.c replays the corpus without libFuzzer (make check).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Field by field: the struct's unused bytes are not part of a grant. */
static int
grant_eq(const struct ph_grant *a, const struct ph_grant *b)
{
	return a->kind == b->kind && a->family == b->family &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
	    a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
	    a->protocol == b->protocol &&
	    strncmp(a->ifname, b->ifname, sizeof(a->ifname)) == 0;
}

/* Parse with `flags`; if it parses, check the round trip. */
static int
one(const char *s, size_t len, int flags, struct ph_grant *ret)
{
	struct ph_grant	g, h;
	char		text[128], text2[128];

	memset(&g, 0x5a, sizeof(g));
	if (ph__grant_parse(s, len, flags, &g) != 0) {
		/* untouched on failure */
		memset(&h, 0x5a, sizeof(h));
		if (memcmp(&g, &h, sizeof(g)) != 0)
			abort();
		return -1;
	}
	if (g.ifname[sizeof(g.ifname) - 1] != '\0')
		abort();
	if (ph__grant_format(&g, text, sizeof(text)) != 0)
		abort();
	if (ph__grant_parse(text, strlen(text), flags, &h) != 0)
		abort();			/* the canonical text parses */
	if (!grant_eq(&g, &h))
		abort();			/* ... to the same grant */
	if (ph__grant_format(&h, text2, sizeof(text2)) != 0 ||
	    strcmp(text, text2) != 0)
		abort();			/* and formats the same */
	if ((g.kind == PH_GRANT_TCP || g.kind == PH_GRANT_UDP) &&
	    (g.port_lo == 0 || g.port_lo > g.port_hi))
		abort();			/* port 0 forbidden (S54) */
	if (g.port_lo == g.port_hi && ph__grant_covers(&g, &g) != 1)
		abort();
	*ret = g;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ph_grant	a, b;
	const char	*s = (const char *)data;

	if (one(s, size, 0, &a) == 0) {
		/* ranges only add: the plain form means the same with them */
		if (one(s, size, PH_GRANT_RANGE, &b) != 0 || !grant_eq(&a, &b))
			abort();
		if (a.port_lo != a.port_hi)
			abort();		/* no range without the flag */
	} else
		(void)one(s, size, PH_GRANT_RANGE, &b);
	return 0;
}
