/* SPDX-License-Identifier: ISC */
/*
 * proto.h - the broker's request protocol, shared by the client
 * (ph_bind(), ph_open()), portholed and porthole-helper.  The wire format
 * is documented in docs/PROTOCOL.md; this header is its only definition.
 *
 * SOCK_SEQPACKET, one request and one reply a message, host byte order
 * (both ends share a host), fixed sizes checked exactly on both ends, a
 * version in every message, reserved fields that must be zero (S70-S75).
 *
 * Part of the private interface (private.h, which includes it): programs
 * include private.h, not this header.
 */
#ifndef PH_PROTO_H
#define PH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "grant.h"

#define PH_PROTO_VERSION	1
#define PH_MSG_MAX		256	/* no message is larger (S70) */

#define PH_MSG_BIND		1	/* client -> broker, + the socket fd */
#define PH_MSG_OPEN		2	/* client -> broker, no fd */
#define PH_MSG_REPLY		3	/* broker -> client, + fd if opened */
#define PH_MSG_STATUS		4	/* client -> portholed, no fd */
#define PH_MSG_STATUS_REPLY	5	/* portholed -> client, no fd */

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
/*
 * Denial reasons the client acts on (issue 11): the policy in force is
 * the empty stand-in for one that is missing or refused, so the "add a
 * rule" hint would be wrong; `porthole run` and the preload print the
 * reason alone.
 */
#define PH_REASON_NO_POLICY_DAEMON \
	"portholed has no valid policy: see `journalctl -u portholed`"
#define PH_REASON_NO_POLICY_HELPER \
	"porthole-helper has no valid policy: see the system log"
#define PH_REASON_STATUS_UNSUPPORTED \
	"status requests are answered by portholed only"
struct ph_msg_reply {
	struct ph_hdr	hdr;
	int32_t		error;		/* 0, or a positive errno */
	uint32_t	flags;		/* 0 */
	char		reason[PH_REASON_MAX];	/* NUL-terminated */
};

/*
 * Ask portholed how it is (issue 11): answered to anyone, even a peer
 * the policy names nowhere, since the answer holds no names, ids or
 * rules (S89).  porthole-helper answers it with a PH_MSG_REPLY of
 * EOPNOTSUPP: it has no state worth reporting.
 */
struct ph_msg_status {
	struct ph_hdr	hdr;
	uint32_t	flags;		/* 0 */
	uint32_t	reserved;	/* 0 */
};

#define PH_STATUS_VERSION_MAX	32
#define PH_STATUS_POLICY_MAX	128
#define PH_STATUS_VALID		0x1	/* the policy in force loaded; else
					   the empty stand-in (S53) */
struct ph_msg_status_reply {
	struct ph_hdr	hdr;
	uint32_t	flags;		/* PH_STATUS_VALID or 0 */
	uint32_t	reserved;	/* 0 */
	char		version[PH_STATUS_VERSION_MAX];	/* NUL-terminated */
	char		policy[PH_STATUS_POLICY_MAX];	/* NUL-terminated,
					   "" if the path does not fit */
	uint64_t	loaded;		/* when the policy in force was
					   loaded: seconds since the epoch */
	uint64_t	uptime;		/* seconds since the daemon started */
	uint32_t	nrules;		/* rules of the policy in force */
	uint32_t	connections;	/* open client connections */
	uint64_t	grants;		/* requests granted since start */
	uint64_t	refusals;	/* requests refused since start */
};

/* What a status reply says, decoded (ph__status_reply_decode()). */
struct ph_status {
	char		version[PH_STATUS_VERSION_MAX];
	char		policy[PH_STATUS_POLICY_MAX];
	int		policy_valid;
	uint64_t	loaded, uptime, grants, refusals;
	uint32_t	nrules, connections;
};


/* Fill a header. */
void	ph__hdr_init(struct ph_hdr *h, uint16_t type, uint32_t len,
	    uint32_t id);
/*
 * One request, decoded once (issue 10): what the handler, the helper's
 * capability choice and the daemon's peek all read.
 */
struct ph_request {
	uint16_t	type;		/* PH_MSG_BIND, _OPEN or _STATUS */
	uint32_t	id;
	struct ph_grant	g;		/* a single-port grant (family set,
					   wildcard address included); all
					   zero for a status */
	uint32_t	backlog;	/* a bind's listen() backlog */
	uint32_t	scope;		/* a bind's IPv6 scope id */
};
/*
 * Decode what arrived (n bytes at buf) as a request: exact size for its
 * type, version, reserved and padding fields zero, every field in range.
 * On success 0 and *ret filled; else -EPROTONOSUPPORT (another version,
 * with ret->id set: answerable) or -EBADMSG (anything else: drop the
 * client; *ret untouched).  Fuzzed.
 */
int	ph__req_decode(const void *buf, size_t n, struct ph_request *ret);
/*
 * Decode a status reply for request `id`: exact size, version, flags
 * known, reserved zero, both strings NUL-terminated with only zeros
 * after the NUL (S73).  0 and *ret filled, or -EBADMSG (ret untouched).
 */
int	ph__status_reply_decode(const void *buf, size_t n, uint32_t id,
	    struct ph_status *ret);
/* Encode a status reply for request `id` from `st`: -ENAMETOOLONG if a
 * string does not fit (the caller sends the policy path as "" then). */
int	ph__status_reply_encode(struct ph_msg_status_reply *m, uint32_t id,
	    const struct ph_status *st);
/*
 * ph__broker_status() (broker.c) - ask portholed, and only portholed (a
 * status is never asked of porthole-helper), how it is.  0 and *ret, or
 * a negative errno: -ENOENT or -ECONNREFUSED (no daemon listens),
 * -EACCES (no permission on the socket), -EPERM (the socket is not
 * root's, S28), -ECONNRESET (the daemon closed without answering: one
 * that does not know the request), -ETIMEDOUT, -EBADMSG, or the
 * daemon's errno.  Not in porthole.h: the layout of struct ph_status
 * would become ABI, and only the porthole command needs it.
 */
int	ph__broker_status(struct ph_status *ret);
/* Decode a reply: 0 with *ret_error and the reason copied, or -EBADMSG. */
int	ph__reply_decode(const void *buf, size_t n, uint32_t id,
	    int *ret_error, char *reason, size_t reasonlen);

#endif /* PH_PROTO_H */
