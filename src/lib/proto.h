/* SPDX-License-Identifier: ISC */
/*
 * proto.h - the broker's request protocol, shared by the client
 * (ph_bind(), ph_open()), portholed and porthole-helper.  The wire format
 * is documented in docs/PROTOCOL.md; this header is its only definition.
 *
 * SOCK_SEQPACKET, one request and one reply a message, host byte order
 * (both ends share a host), fixed sizes checked exactly on both ends, a
 * version in every message, reserved fields that must be zero (S70-S75).
 */
#ifndef PH_PROTO_H
#define PH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PH_PROTO_VERSION	1
#define PH_MSG_MAX		256	/* no message is larger (S70) */

#define PH_MSG_BIND		1	/* client -> broker, + the socket fd */
#define PH_MSG_OPEN		2	/* client -> broker, no fd */
#define PH_MSG_REPLY		3	/* broker -> client, + fd if opened */

struct ph_hdr {
	uint32_t	len;		/* the whole message, header included */
	uint16_t	type;		/* PH_MSG_* */
	uint16_t	version;	/* PH_PROTO_VERSION */
	uint32_t	id;		/* chosen by the client, echoed */
	uint32_t	reserved;	/* 0 */
};

/* Bind the attached socket in place; TCP sockets come back listening. */
struct ph_msg_bind {
	struct ph_hdr	hdr;
	uint32_t	family;		/* AF_INET or AF_INET6 */
	uint32_t	backlog;	/* TCP listen() backlog: 1..4096, 0: 4096 */
	uint8_t		addr[16];	/* network order; IPv4 in addr[0..3] */
	uint32_t	scope_id;	/* IPv6 link-local interface, else 0 */
	uint16_t	port;		/* host order, 1..65535 */
	uint16_t	flags;		/* 0 */
};

/* Create, bind and return a socket the caller cannot create itself. */
#define PH_OPEN_RAW4		3	/* == PH_GRANT_RAW4 */
#define PH_OPEN_RAW6		4	/* == PH_GRANT_RAW6 */
#define PH_OPEN_PACKET		5	/* == PH_GRANT_PACKET */
struct ph_msg_open {
	struct ph_hdr	hdr;
	uint32_t	kind;		/* PH_OPEN_* */
	uint32_t	protocol;	/* raw: 1..254 (never IPPROTO_RAW); packet: 0 */
	char		ifname[16];	/* packet: NUL-terminated, else zeros */
	uint32_t	flags;		/* 0 */
	uint32_t	reserved;	/* 0 */
};

#define PH_REASON_MAX		96
struct ph_msg_reply {
	struct ph_hdr	hdr;
	int32_t		error;		/* 0, or a positive errno */
	uint32_t	flags;		/* 0 */
	char		reason[PH_REASON_MAX];	/* NUL-terminated */
};

struct ph_grant;

/* Fill a header. */
void	ph__hdr_init(struct ph_hdr *h, uint16_t type, uint32_t len,
	    uint32_t id);
/*
 * Decode what arrived (n bytes at buf) as a request: exact size for its
 * type, version, reserved and padding fields zero, every field in range.
 * On success 0, *ret_type, the request as a single-port grant in *ret_g
 * (family set, wildcard address included) and the bind backlog/scope in
 * *ret_backlog / *ret_scope; else -EPROTONOSUPPORT (another version,
 * with *ret_id set:
 * answerable) or -EBADMSG (anything else: drop the client).  Fuzzed.
 */
int	ph__req_decode(const void *buf, size_t n, uint16_t *ret_type,
	    uint32_t *ret_id, struct ph_grant *ret_g, uint32_t *ret_backlog,
	    uint32_t *ret_scope);
/* Decode a reply: 0 with *ret_error and the reason copied, or -EBADMSG. */
int	ph__reply_decode(const void *buf, size_t n, uint32_t id,
	    int *ret_error, char *reason, size_t reasonlen);

#endif /* PH_PROTO_H */
