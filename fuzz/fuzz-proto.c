/* SPDX-License-Identifier: ISC */
/*
 * fuzz-proto.c - libFuzzer target for the broker's decoders (S76):
 * ph__req_decode() on the bytes a client sends to privileged code, and
 * ph__reply_decode() and ph__status_reply_decode() (issue 11) on the
 * bytes a broker sends back.  Properties: no
 * crash; outputs untouched on failure; a decoded request always has the
 * exact size of its type, a kind the broker handles, ports in range and
 * a NUL-terminated interface name.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/lib \
 *       fuzz/fuzz-proto.c src/lib/proto.c src/lib/grant.c -o fuzz-proto
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ph_request	rq, z;
	const struct ph_grant	*g = &rq.g;
	struct ph_status		st, zs;
	struct ph_msg_status_reply	sr;
	char		why[32];
	int		r, e = -7;

	memset(&rq, 0x5a, sizeof(rq));
	memset(&z, 0x5a, sizeof(z));
	r = ph__req_decode(data, size, &rq);
	if (r == 0) {
		if (rq.type == PH_MSG_BIND) {
			if (size != sizeof(struct ph_msg_bind) ||
			    g->port_lo == 0 || g->port_lo != g->port_hi ||
			    (g->family != AF_INET && g->family != AF_INET6) ||
			    rq.backlog < 1 || rq.backlog > 4096)
				abort();
		} else if (rq.type == PH_MSG_OPEN) {
			if (size != sizeof(struct ph_msg_open) ||
			    (g->kind != PH_GRANT_RAW4 &&
			    g->kind != PH_GRANT_RAW6 &&
			    g->kind != PH_GRANT_PACKET) ||
			    memchr(g->ifname, '\0', sizeof(g->ifname)) == NULL)
				abort();
			if (g->kind != PH_GRANT_PACKET &&
			    (g->protocol < 1 || g->protocol > 254))
				abort();
		} else if (rq.type == PH_MSG_STATUS) {
			if (size != sizeof(struct ph_msg_status) || g->kind != 0)
				abort();
		} else
			abort();
	} else {
		if (r != -EBADMSG && r != -EPROTONOSUPPORT)
			abort();
		/* Untouched, but for another version's id (answerable). */
		if (r == -EPROTONOSUPPORT)
			z.id = rq.id;
		if (memcmp(&rq, &z, sizeof(rq)) != 0)
			abort();
	}
	r = ph__reply_decode(data, size, 7, &e, why, sizeof(why));
	if (r == 0) {
		if (size != sizeof(struct ph_msg_reply) || e < 0 || e > 4095 ||
		    memchr(why, '\0', sizeof(why)) == NULL)
			abort();
	} else if (e != -7)
		abort();
	/* Status replies: exact size, strings NUL-terminated, re-encoding
	 * what was decoded gives the same bytes (S73, S75); else the
	 * output is untouched. */
	memset(&st, 0x5a, sizeof(st));
	memset(&zs, 0x5a, sizeof(zs));
	r = ph__status_reply_decode(data, size, 7, &st);
	if (r == 0) {
		if (size != sizeof(struct ph_msg_status_reply) ||
		    memchr(st.version, '\0', sizeof(st.version)) == NULL ||
		    memchr(st.policy, '\0', sizeof(st.policy)) == NULL ||
		    ph__status_reply_encode(&sr, 7, &st) != 0 ||
		    memcmp(&sr, data, sizeof(sr)) != 0)
			abort();
	} else if (r != -EBADMSG || memcmp(&st, &zs, sizeof(st)) != 0)
		abort();
	return 0;
}
