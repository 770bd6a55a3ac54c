/* SPDX-License-Identifier: ISC */
/*
 * proto.c - encoding and strict decoding of the broker protocol (see
 * proto.h and docs/PROTOCOL.md).  The decoders run in privileged code
 * (portholed, porthole-helper) on bytes an attacker chose: exact sizes,
 * every reserved byte zero, every number in range, nothing trusted
 * (S70-S75).  Pure functions over byte buffers, fuzzed (S76).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <string.h>

#include "grant.h"
#include "proto.h"

_Static_assert(sizeof(struct ph_hdr) == 16, "header size");
_Static_assert(sizeof(struct ph_msg_bind) == 48, "bind size");
_Static_assert(sizeof(struct ph_msg_open) == 48, "open size");
_Static_assert(sizeof(struct ph_msg_reply) == 120, "reply size");
_Static_assert(sizeof(struct ph_msg_reply) <= PH_MSG_MAX, "max size");
_Static_assert(sizeof(struct ph_msg_status) == 24, "status size");
_Static_assert(sizeof(struct ph_msg_status_reply) == 224,
    "status reply size");
_Static_assert(sizeof(struct ph_msg_status_reply) <= PH_MSG_MAX,
    "max size");
_Static_assert(PH_OPEN_RAW4 == PH_GRANT_RAW4 && PH_OPEN_RAW6 ==
    PH_GRANT_RAW6 && PH_OPEN_PACKET == PH_GRANT_PACKET, "kinds");

void
ph__hdr_init(struct ph_hdr *h, uint16_t type, uint32_t len, uint32_t id)
{
	memset(h, 0, sizeof(*h));
	h->len = len;
	h->type = type;
	h->version = PH_PROTO_VERSION;
	h->id = id;
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char	*c = p;

	while (n-- > 0)
		if (*c++ != 0)
			return 0;
	return 1;
}

static int
decode_bind(const struct ph_msg_bind *m, struct ph_grant *g,
    uint32_t *ret_backlog, uint32_t *ret_scope)
{
	if (m->flags != 0 || m->port == 0 || m->backlog > 4096)
		return -EBADMSG;
	memset(g, 0, sizeof(*g));
	g->port_lo = g->port_hi = m->port;
	if (m->family == AF_INET) {
		if (m->scope_id != 0 || !all_zero(m->addr + 4, 12))
			return -EBADMSG;
	} else if (m->family != AF_INET6)
		return -EBADMSG;
	/* TCP or UDP is learnt from the socket itself, not the message. */
	g->kind = 0;
	g->family = (int)m->family;
	memcpy(g->addr, m->addr, 16);
	*ret_backlog = m->backlog ? m->backlog : 4096;
	*ret_scope = m->scope_id;
	return 0;
}

static int
decode_open(const struct ph_msg_open *m, struct ph_grant *g)
{
	size_t	n;

	if (m->flags != 0 || m->reserved != 0)
		return -EBADMSG;
	memset(g, 0, sizeof(*g));
	switch (m->kind) {
	case PH_OPEN_RAW4:
	case PH_OPEN_RAW6:
		if (m->protocol < 1 || m->protocol > 254 ||	/* S46 */
		    !all_zero(m->ifname, sizeof(m->ifname)))
			return -EBADMSG;
		g->protocol = (int)m->protocol;
		g->family = m->kind == PH_OPEN_RAW4 ? AF_INET : AF_INET6;
		break;
	case PH_OPEN_PACKET:
		if (m->protocol != 0)
			return -EBADMSG;
		n = strnlen(m->ifname, sizeof(m->ifname));
		/* NUL-terminated, and nothing after the NUL (S73) */
		if (n == 0 || n == sizeof(m->ifname) ||
		    !all_zero(m->ifname + n, sizeof(m->ifname) - n))
			return -EBADMSG;
		/* the same shape rule as the policy's names */
		{
			char		txt[7 + sizeof(m->ifname)];
			struct ph_grant	t;

			memcpy(txt, "packet:", 7);
			memcpy(txt + 7, m->ifname, n);
			if (ph__grant_parse(txt, 7 + n, 0, &t) < 0)
				return -EBADMSG;
		}
		memcpy(g->ifname, m->ifname, n + 1);
		break;
	default:
		return -EBADMSG;
	}
	g->kind = (int)m->kind;
	return 0;
}

/*
 * ph__req_decode() - see proto.h.  The header is checked first: its len
 * must equal what arrived and the exact size of its type (never `<`).
 */
int
ph__req_decode(const void *buf, size_t n, struct ph_request *ret)
{
	union {
		struct ph_hdr		h;
		struct ph_msg_bind	b;
		struct ph_msg_open	o;
		struct ph_msg_status	s;
	} m;
	struct ph_grant	g;
	uint32_t	backlog = 0, scope = 0;
	int		r;

	if (n < sizeof(struct ph_hdr) || n > PH_MSG_MAX)
		return -EBADMSG;
	memcpy(&m.h, buf, sizeof(m.h));	/* aligned copy of the header */
	if (m.h.len != n || m.h.reserved != 0)
		return -EBADMSG;
	/* Another version may have other sizes: answer it, with its id,
	 * before any size of ours applies (S75). */
	if (m.h.version != PH_PROTO_VERSION) {
		ret->id = m.h.id;
		return -EPROTONOSUPPORT;
	}
	if (n > sizeof(m))
		return -EBADMSG;
	memcpy(&m, buf, n);		/* n <= sizeof(m) */
	switch (m.h.type) {
	case PH_MSG_BIND:
		if (n != sizeof(m.b))
			return -EBADMSG;
		r = decode_bind(&m.b, &g, &backlog, &scope);
		break;
	case PH_MSG_OPEN:
		if (n != sizeof(m.o))
			return -EBADMSG;
		r = decode_open(&m.o, &g);
		break;
	case PH_MSG_STATUS:
		/* No grant: ret->g is all zero (kind 0). */
		if (n != sizeof(m.s) || m.s.flags != 0 || m.s.reserved != 0)
			return -EBADMSG;
		memset(&g, 0, sizeof(g));
		r = 0;
		break;
	default:
		return -EBADMSG;
	}
	if (r < 0)
		return r;
	ret->type = m.h.type;
	ret->id = m.h.id;
	ret->g = g;
	ret->backlog = backlog;
	ret->scope = scope;
	return 0;
}

/*
 * ph__reply_decode() - a reply must be exactly a ph_msg_reply for our
 * request id, with an errno in 0..4095 and a NUL-terminated reason.
 */
int
ph__reply_decode(const void *buf, size_t n, uint32_t id, int *ret_error,
    char *reason, size_t reasonlen)
{
	struct ph_msg_reply	m;
	size_t			k;

	if (n != sizeof(m))
		return -EBADMSG;
	memcpy(&m, buf, n);
	if (m.hdr.len != n || m.hdr.type != PH_MSG_REPLY ||
	    m.hdr.version != PH_PROTO_VERSION || m.hdr.id != id ||
	    m.hdr.reserved != 0 || m.flags != 0 || m.error < 0 ||
	    m.error > 4095)
		return -EBADMSG;
	k = strnlen(m.reason, sizeof(m.reason));
	if (k == sizeof(m.reason))
		return -EBADMSG;
	if (reasonlen > 0) {
		if (k >= reasonlen)
			k = reasonlen - 1;
		memcpy(reason, m.reason, k);
		reason[k] = '\0';
	}
	*ret_error = m.error;
	return 0;
}

/* 1 if the fixed field holds a NUL-terminated string and only zeros
 * after its NUL (S73). */
static int
field_ok(const char *f, size_t size)
{
	size_t	k = strnlen(f, size);

	return k < size && all_zero(f + k, size - k);
}

/*
 * ph__status_reply_encode() - see proto.h.  Strings are copied with
 * their NUL and the rest of each field left zero, as the decoder wants.
 */
int
ph__status_reply_encode(struct ph_msg_status_reply *m, uint32_t id,
    const struct ph_status *st)
{
	size_t	kv = strnlen(st->version, sizeof(st->version));
	size_t	kp = strnlen(st->policy, sizeof(st->policy));

	if (kv >= sizeof(m->version) || kp >= sizeof(m->policy))
		return -ENAMETOOLONG;
	memset(m, 0, sizeof(*m));
	ph__hdr_init(&m->hdr, PH_MSG_STATUS_REPLY, sizeof(*m), id);
	m->flags = st->policy_valid ? PH_STATUS_VALID : 0;
	memcpy(m->version, st->version, kv);
	memcpy(m->policy, st->policy, kp);
	m->loaded = st->loaded;
	m->uptime = st->uptime;
	m->nrules = st->nrules;
	m->connections = st->connections;
	m->grants = st->grants;
	m->refusals = st->refusals;
	return 0;
}

/* ph__status_reply_decode() - see proto.h. */
int
ph__status_reply_decode(const void *buf, size_t n, uint32_t id,
    struct ph_status *ret)
{
	struct ph_msg_status_reply	m;
	struct ph_status		st;

	if (n != sizeof(m))
		return -EBADMSG;
	memcpy(&m, buf, n);
	if (m.hdr.len != n || m.hdr.type != PH_MSG_STATUS_REPLY ||
	    m.hdr.version != PH_PROTO_VERSION || m.hdr.id != id ||
	    m.hdr.reserved != 0 || m.reserved != 0 ||
	    (m.flags & ~(uint32_t)PH_STATUS_VALID) != 0 ||
	    !field_ok(m.version, sizeof(m.version)) ||
	    !field_ok(m.policy, sizeof(m.policy)))
		return -EBADMSG;
	memset(&st, 0, sizeof(st));
	memcpy(st.version, m.version, sizeof(st.version));
	memcpy(st.policy, m.policy, sizeof(st.policy));
	st.policy_valid = (m.flags & PH_STATUS_VALID) != 0;
	st.loaded = m.loaded;
	st.uptime = m.uptime;
	st.nrules = m.nrules;
	st.connections = m.connections;
	st.grants = m.grants;
	st.refusals = m.refusals;
	*ret = st;
	return 0;
}
