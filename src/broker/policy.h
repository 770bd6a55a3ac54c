/* SPDX-License-Identifier: ISC */
/*
 * policy.h - the broker's policy: one root-owned file, deny by default.
 *
 *   allow user NAME|UID   GRANT [GRANT...]
 *   allow group NAME|GID  GRANT [GRANT...]
 *
 * GRANT is the grammar of src/lib/grant.h with port ranges.  `#` starts a
 * comment to the end of the line; blank lines are ignored.  Names are
 * resolved from /etc/passwd and /etc/group read directly, never NSS (S55).
 * Any syntax error rejects the whole file with "file:line: what" (S54).
 *
 * Runs as: reading the files, root (portholed before its drop,
 * porthole-helper setuid); parsing them, never root in those two (the
 * parser guard in names.h, issue 9), but the caller's ids (porthole-helper)
 * or the daemon's user (portholed at start and reloading on SIGHUP).
 *
 * The one header programs include for the policy: it includes names.h
 * (names, the bytes of a file, the parser guard).  The code is split by
 * concept: names.c (passwd and group), policy-parse.c (the grammar, S54),
 * policy-read.c (the trusted-file walk, S53, and loading), policy-eval.c
 * (the decisions, S19, S37, S50).
 */
#ifndef PH_POLICY_H
#define PH_POLICY_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "porthole.h"

#include "private.h"
#include "names.h"		/* the guard, ph_text, ph_names */

struct ph_policy;			/* opaque: a parsed, immutable policy */

/*
 * Parse a policy from memory.  `fname` names it in errors.  On a syntax
 * error returns -EINVAL and writes "fname:line: what" to err (always
 * NUL-terminated when errlen > 0); -EPERM under the parser guard as
 * root.  Pure but for allocation; fuzzed.
 */
int	ph_policy_parse(const char *buf, size_t len, const char *fname,
	    const struct ph_names *names, struct ph_policy **ret,
	    char *err, size_t errlen);

/*
 * Load the policy at `path` (an absolute path): the file and every
 * directory above it must be owned by root and not writable by group or
 * others (a root-owned sticky directory is fine); otherwise -EPERM and
 * the reason in err (S53).  Names come from /etc/passwd and /etc/group.
 * Files over 1 MiB are refused (-EFBIG).  Returns 0 and *ret, or a
 * negative errno with err filled.
 */
int	ph_policy_load(const char *path, struct ph_policy **ret,
	    char *err, size_t errlen);
/*
 * ph_policy_load() in two steps, for privileged programs (issue 9):
 * ph_policy_read() does the trusted walk (S53) and reads the bytes,
 * parsing nothing, so it may run as root; ph_policy_parse_text() parses
 * them, with names from passwd and group bytes (ph_names_read()), under
 * the parser guard, and records `path` as the policy's file.
 */
int	ph_policy_read(const char *path, struct ph_text *ret, char *err,
	    size_t errlen);
/* Before a drop: ph_policy_read() path, then ph_names_read() /etc/passwd
 * and /etc/group; 0, or a negative errno (err filled, nothing kept). */
int	ph_policy_read_names(const char *path, struct ph_text *pol,
	    struct ph_text *pw, struct ph_text *gr, char *err, size_t errlen);
int	ph_policy_parse_text(const char *path, const struct ph_text *policy,
	    const struct ph_text *passwd, const struct ph_text *group,
	    struct ph_policy **ret, char *err, size_t errlen);

void	ph_policy_free(struct ph_policy *p);

/*
 * Who asks: the peer as the library gives it (ph_peer_get(): the
 * kernel's SO_PEERCRED and SO_PEERGROUPS, S31, S36), one type from the
 * accept to the policy and the log (issue 10).  `peer` is borrowed
 * here: its groups belong to whoever filled it.
 */
struct ph_requester {
	struct ph_peer	 peer;
	/*
	 * 1 when the requester is not in the broker's network namespace
	 * (portholed: the caller's connecting socket was made in another
	 * one, SO_NETNS_COOKIE); raw and packet sockets are then refused,
	 * since the broker would make them in its own (S56, S60); -1
	 * while portholed has not read it (it reads it for any request
	 * but a bind), which refuses them as well.  Always 0 in
	 * porthole-helper, which runs in the caller's.
	 */
	int		 foreign_netns;
	uint64_t	 netns[2];	/* the caller's and the broker's
					   SO_NETNS_COOKIE, for the log; 0:
					   unknown */
};

/*
 * Decide a single request (one port; for tcp/udp an address, possibly
 * the wildcard, with family set).  Returns 1 if a rule allows it, with
 * that rule's line number in *ret_line and its text ("allow user alice
 * tcp:80") in rule; 0 if denied (*ret_line 0).  uid (uid_t)-1 or gid
 * (gid_t)-1 is always denied (S37).  Thread-safe; O(rules).
 */
int	ph_policy_check(const struct ph_policy *p,
	    const struct ph_requester *who, const struct ph_grant *req,
	    int *ret_line, char *rule, size_t rulelen);

/*
 * The bind a tcp or udp request asks (S50): canonicalise q in place (an
 * IPv4-mapped address is its IPv4 address); 1 if it is the IPv6 wildcard.
 */
int	ph_bind_question(struct ph_grant *q);
/*
 * Does the policy allow this bind?  The one decision the broker acts on
 * and `porthole check` prints: as ph_policy_check(), but the IPv6
 * wildcard also needs the IPv4 wildcard's grant, whatever IPV6_V6ONLY
 * says; that second answer goes to *ret_line4/rule4.  Returns 1 if so.
 */
int	ph_policy_check_bind(const struct ph_policy *p,
	    const struct ph_requester *who, const struct ph_grant *req,
	    int *ret_line, char *rule, size_t rulelen, int *ret_line4,
	    char *rule4, size_t rule4len);

/* One grant of a parsed policy, with its rule's line and subject. */
struct ph_policy_grant {
	int			 line;
	int			 group;		/* 1: allow group; 0: user */
	uint32_t		 id;		/* the uid or gid */
	const struct ph_grant	*g;		/* valid while the policy is */
};
/* The i-th grant in file order: 0, or -ENOENT past the last. */
int	ph_policy_grant_at(const struct ph_policy *p, size_t i,
	    struct ph_policy_grant *ret);

/* 1 if any rule grants raw or packet sockets. */
int	ph_policy_needs_raw(const struct ph_policy *p);
/* The file the policy was loaded from ("-" when parsed from memory). */
const char *ph_policy_file(const struct ph_policy *p);
/* Number of rules. */
size_t	ph_policy_nrules(const struct ph_policy *p);

/*
 * The empty stand-in that portholed and porthole-helper use when the
 * policy at `path` is missing or refused (S53): it grants nothing, and
 * says so.  `origin` is PH_POLICY_FOR_DAEMON or PH_POLICY_FOR_HELPER:
 * the handler's denial reason tells the client where to look (issue
 * 11).  0 and *ret, or a negative errno.
 */
#define PH_POLICY_FOR_DAEMON	1
#define PH_POLICY_FOR_HELPER	2
int	ph_policy_stand_in(const char *path, int origin,
	    struct ph_policy **ret);
/*
 * After a drop: ph_policy_parse_text() the bytes read before it (text
 * NULL: reading failed), or, when that fails but for the parser guard,
 * the stand-in.  0 (parsed), 1 (the stand-in; err says why), -EPERM (the
 * guard: a uid is still 0), or a negative errno.
 */
int	ph_policy_parse_or_stand_in(const char *path, int origin,
	    const struct ph_text *text, const struct ph_text *passwd,
	    const struct ph_text *group, struct ph_policy **ret, char *err,
	    size_t errlen);
/* 0 for a policy that was loaded, else the stand-in's origin. */
int	ph_policy_stand_in_for(const struct ph_policy *p);

/*
 * 1 if some rule names `who` (uid, primary gid or a supplementary group)
 * with at least one grant, else 0 (and for (uid_t)-1 / (gid_t)-1).
 * portholed gives its connection slots to these requesters only.
 */
int	ph_policy_grants_any(const struct ph_policy *p,
	    const struct ph_requester *who);

#endif /* PH_POLICY_H */
