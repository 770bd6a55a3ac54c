/* SPDX-License-Identifier: ISC */
/*
 * test-proto.c - the broker's wire format is decoded strictly (S70-S75):
 * exact sizes for each type, the version answered, every reserved field
 * zero, every number in range; and replies are checked the same way by
 * the client.  Deterministic bit flips never crash the decoder (S76).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"
#include "tap.h"

/* A zeroed message of len bytes with a valid header of type and id. */
static void
msg_init(void *m, size_t len, uint16_t type, uint32_t id)
{
	memset(m, 0, len);
	ph__hdr_init(m, type, (uint32_t)len, id);
}

static struct ph_msg_bind
good_bind(void)
{
	struct ph_msg_bind	m;

	msg_init(&m, sizeof(m), PH_MSG_BIND, 7);
	m.family = AF_INET;
	m.addr[0] = 127;
	m.addr[3] = 1;
	m.port = 80;
	return m;
}

static struct ph_msg_open
good_open(void)
{
	struct ph_msg_open	m;

	msg_init(&m, sizeof(m), PH_MSG_OPEN, 9);
	m.kind = PH_OPEN_PACKET;
	memcpy(m.ifname, "eth0", 5);
	return m;
}

static int
dec(const void *m, size_t n)
{
	struct ph_request	rq;

	return ph__req_decode(m, n, &rq);
}

static void
test_decode_good(void)
{
	struct ph_msg_bind	b = good_bind();
	struct ph_msg_open	o = good_open();
	struct ph_request	rq;

	T_OK(ph__req_decode(&b, sizeof(b), &rq));
	T_EQ(rq.type, PH_MSG_BIND);
	T_EQ(rq.id, 7);
	T_EQ(rq.g.family, AF_INET);
	T_EQ(rq.g.port_lo, 80);
	T_EQ(rq.backlog, 4096);			/* 0 means the maximum */
	T_OK(ph__req_decode(&o, sizeof(o), &rq));
	T_EQ(rq.type, PH_MSG_OPEN);
	T_EQ(rq.g.kind, PH_GRANT_PACKET);
	T_STREQ(rq.g.ifname, "eth0");
	o.kind = PH_OPEN_RAW4;
	memset(o.ifname, 0, sizeof(o.ifname));
	o.protocol = IPPROTO_ICMP;
	T_OK(ph__req_decode(&o, sizeof(o), &rq));
	T_EQ(rq.g.kind, PH_GRANT_RAW4);
	T_EQ(rq.g.protocol, 1);
}

/* S70: sizes 0, 1, header only, exact - 1, exact + 1, MAX, MAX + 1. */
static void
test_s70_sizes(void)
{
	char			buf[PH_MSG_MAX + 64];
	struct ph_msg_bind	b = good_bind();
	size_t			sizes[] = { 0, 1, sizeof(struct ph_hdr),
				    sizeof(b) - 1, sizeof(b) + 1, PH_MSG_MAX,
				    PH_MSG_MAX + 1 };
	size_t			i;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memcpy(buf, &b, sizeof(b));
		((struct ph_hdr *)buf)->len = (uint32_t)sizes[i];
		T_EQ(dec(buf, sizes[i]), -EBADMSG);
	}
	/* a len field that lies about what arrived */
	b.hdr.len = sizeof(b) + 4;
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
}

static void
test_s75_fields(void)
{
	struct ph_msg_bind	b;
	struct ph_msg_open	o;

	b = good_bind(); b.hdr.version = 2;
	T_EQ(dec(&b, sizeof(b)), -EPROTONOSUPPORT);	/* answerable */
	b = good_bind(); b.hdr.type = 9;
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.hdr.type = PH_MSG_REPLY;
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.hdr.reserved = 1;
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.flags = 1;
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.port = 0;
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.family = AF_UNIX;		/* S52 */
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.addr[4] = 1;			/* IPv4 padding */
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.scope_id = 2;		/* scope on IPv4 */
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.backlog = 4097;
	T_EQ(dec(&b, sizeof(b)), -EBADMSG);
	b = good_bind(); b.family = AF_INET6; b.scope_id = 2;
	T_OK(dec(&b, sizeof(b)));
	o = good_open(); o.kind = 1;			/* tcp via open: no */
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
	o = good_open(); o.protocol = 3;		/* packet: ETH_P_ALL */
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
	o = good_open(); memcpy(o.ifname, "eth0\0x", 6);	/* S73 */
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
	o = good_open(); memset(o.ifname, 'a', sizeof(o.ifname));
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);		/* no NUL */
	o = good_open(); memcpy(o.ifname, "a/b", 4);
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
	o = good_open(); o.ifname[0] = '\0';
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
	o = good_open(); o.kind = PH_OPEN_RAW4; o.protocol = 256;
	memset(o.ifname, 0, sizeof(o.ifname));
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
	o.protocol = 0;
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
	o.protocol = 1; o.ifname[3] = 'x';		/* junk in ifname */
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
	o = good_open(); o.reserved = 5;
	T_EQ(dec(&o, sizeof(o)), -EBADMSG);
}

static void
test_reply(void)
{
	struct ph_msg_reply	r;
	char			why[8];
	int			e = -7;

	memset(&r, 0, sizeof(r));
	ph__hdr_init(&r.hdr, PH_MSG_REPLY, sizeof(r), 42);
	r.error = EACCES;
	memcpy(r.reason, "denied by policy", 17);
	T_OK(ph__reply_decode(&r, sizeof(r), 42, &e, why, sizeof(why)));
	T_EQ(e, EACCES);
	T_STREQ(why, "denied ");		/* truncated, terminated */
	e = -7;
	T_EQ(ph__reply_decode(&r, sizeof(r), 43, &e, why, sizeof(why)),
	    -EBADMSG);				/* another request's answer */
	T_EQ(e, -7);
	r.error = -1;
	T_EQ(ph__reply_decode(&r, sizeof(r), 42, &e, why, 8), -EBADMSG);
	r.error = 0;
	memset(r.reason, 'x', sizeof(r.reason));	/* no NUL */
	T_EQ(ph__reply_decode(&r, sizeof(r), 42, &e, why, 8), -EBADMSG);
	r.reason[0] = '\0';
	T_EQ(ph__reply_decode(&r, sizeof(r) - 1, 42, &e, why, 8), -EBADMSG);
	r.hdr.type = PH_MSG_BIND;
	T_EQ(ph__reply_decode(&r, sizeof(r), 42, &e, why, 8), -EBADMSG);
}

/* S76: every single-bit flip of valid requests decodes or is refused,
 * and a flip in a reserved or padding byte is always refused. */
static void
test_s76_bitflips(void)
{
	struct ph_msg_bind	b = good_bind(), x;
	size_t			i, accepted = 0;
	int			bit, r;

	for (i = 0; i < sizeof(b); i++)
		for (bit = 0; bit < 8; bit++) {
			x = b;
			((unsigned char *)&x)[i] ^= (unsigned char)(1 << bit);
			r = dec(&x, sizeof(x));
			if (r == 0)
				accepted++;
			else if (r != -EBADMSG && r != -EPROTONOSUPPORT)
				printf("# odd result %d\n", r);
		}
	/* only flips in id, backlog (some), addr[0..3] and port decode */
	T_TRUE(accepted > 0);
	T_TRUE(accepted < sizeof(b) * 8 / 2);
	for (i = 0; i < sizeof(b); i++)
		(void)dec(&b, i);			/* truncations */
	T_EQ(dec(&b, sizeof(b)), 0);
}

static struct ph_status
good_status(void)
{
	struct ph_status	st;

	memset(&st, 0, sizeof(st));
	(void)snprintf(st.version, sizeof(st.version), "1.2.3");
	(void)snprintf(st.policy, sizeof(st.policy), "/etc/porthole/policy");
	st.policy_valid = 1;
	st.loaded = 1700000000;
	st.uptime = 86401;
	st.nrules = 12;
	st.connections = 3;
	st.grants = 0x100000001ULL;		/* > 32 bits survives */
	st.refusals = 5;
	return st;
}

/* Issue 11: the status request is exact-size, reserved fields zero. */
static void
test_s70_status_request(void)
{
	struct ph_msg_status	m;
	struct ph_request	rq;
	char			big[sizeof(m) + 1];

	memset(&m, 0, sizeof(m));
	ph__hdr_init(&m.hdr, PH_MSG_STATUS, sizeof(m), 42);
	T_OK(ph__req_decode(&m, sizeof(m), &rq));
	T_EQ(rq.type, PH_MSG_STATUS);
	T_EQ(rq.id, 42);
	T_EQ(rq.g.kind, 0);			/* no grant in a status */
	/* S70: one byte more or less, with len matching, is refused */
	memset(big, 0, sizeof(big));
	memcpy(big, &m, sizeof(m));
	((struct ph_hdr *)(void *)big)->len = sizeof(big);
	T_EQ(dec(big, sizeof(big)), -EBADMSG);
	m.hdr.len = sizeof(m) - 1;
	T_EQ(dec(&m, sizeof(m) - 1), -EBADMSG);
	m.hdr.len = sizeof(m);
	T_OK(dec(&m, sizeof(m)));			/* control */
	m.flags = 1;					/* S75 */
	T_EQ(dec(&m, sizeof(m)), -EBADMSG);
	m.flags = 0;
	m.reserved = 1;
	T_EQ(dec(&m, sizeof(m)), -EBADMSG);
	m.reserved = 0;
	m.hdr.version = 2;			/* answerable, as any */
	T_EQ(dec(&m, sizeof(m)), -EPROTONOSUPPORT);
}

/* Issue 11: status reply encoded and decoded both ways, exactly (S73). */
static void
test_s73_status_reply(void)
{
	struct ph_msg_status_reply	m, x;
	struct ph_status		st = good_status(), got;

	T_OK(ph__status_reply_encode(&m, 5, &st));
	T_EQ(m.hdr.len, sizeof(m));
	T_EQ(m.hdr.type, PH_MSG_STATUS_REPLY);
	memset(&got, 0x55, sizeof(got));
	T_OK(ph__status_reply_decode(&m, sizeof(m), 5, &got));
	T_STREQ(got.version, "1.2.3");
	T_STREQ(got.policy, "/etc/porthole/policy");
	T_EQ(got.policy_valid, 1);
	T_EQ(got.loaded, 1700000000);
	T_EQ(got.uptime, 86401);
	T_EQ(got.nrules, 12);
	T_EQ(got.connections, 3);
	T_TRUE(got.grants == 0x100000001ULL);
	T_EQ(got.refusals, 5);

	/* Each refusal leaves the output untouched (sentinel). */
	memset(&got, 0x55, sizeof(got));
	T_EQ(ph__status_reply_decode(&m, sizeof(m), 6, &got), -EBADMSG);
	T_EQ(got.version[0], 0x55);			/* wrong id */
	T_EQ(ph__status_reply_decode(&m, sizeof(m) - 1, 5, &got), -EBADMSG);
	x = m;
	x.reserved = 1;					/* S75 */
	T_EQ(ph__status_reply_decode(&x, sizeof(x), 5, &got), -EBADMSG);
	x = m;
	x.flags = 2;					/* unknown flag */
	T_EQ(ph__status_reply_decode(&x, sizeof(x), 5, &got), -EBADMSG);
	x = m;
	x.hdr.type = PH_MSG_REPLY;
	T_EQ(ph__status_reply_decode(&x, sizeof(x), 5, &got), -EBADMSG);
	x = m;
	memset(x.version, 'v', sizeof(x.version));	/* S73: no NUL */
	T_EQ(ph__status_reply_decode(&x, sizeof(x), 5, &got), -EBADMSG);
	x = m;
	x.policy[sizeof(x.policy) - 1] = 'x';		/* after the NUL */
	T_EQ(ph__status_reply_decode(&x, sizeof(x), 5, &got), -EBADMSG);
	T_EQ(got.version[0], 0x55);
	/* A stand-in policy: the valid flag clear decodes as 0. */
	st.policy_valid = 0;
	T_OK(ph__status_reply_encode(&m, 5, &st));
	T_EQ(m.flags, 0);
	T_OK(ph__status_reply_decode(&m, sizeof(m), 5, &got));
	T_EQ(got.policy_valid, 0);
	/* The encoder never cuts a string: the whole field is refused. */
	memset(st.policy, 'p', sizeof(st.policy));
	T_EQ(ph__status_reply_encode(&m, 5, &st), -ENAMETOOLONG);
	/* A status reply is not a reply, nor the other way round. */
	st = good_status();
	T_OK(ph__status_reply_encode(&m, 5, &st));
	{
		char	why[PH_REASON_MAX];
		int	e = -1;

		T_EQ(ph__reply_decode(&m, sizeof(m), 5, &e, why, sizeof(why)),
		    -EBADMSG);
		T_EQ(e, -1);
	}
}

int
main(void)
{
	TAP_RUN(test_decode_good);
	TAP_RUN(test_s70_sizes);
	TAP_RUN(test_s75_fields);
	TAP_RUN(test_reply);
	TAP_RUN(test_s76_bitflips);
	TAP_RUN(test_s70_status_request);
	TAP_RUN(test_s73_status_reply);
	return tap_end();
}
