/* SPDX-License-Identifier: ISC */
/*
 * policy-eval.c - the broker's decisions on a parsed policy: deny by
 * default (S19), never for (uid_t)-1 or (gid_t)-1 (S37), users by uid
 * and groups by the primary or a supplementary gid from the kernel's
 * record of the peer, never NSS (S36); and the one "does the policy allow
 * this bind" function (ph_policy_check_bind()) that the broker acts on
 * and `porthole check` prints (S50).  Also what a program may read of a
 * policy: its grants one by one, its file, its size, whether it needs
 * CAP_NET_RAW, whether it is the stand-in.
 *
 * Runs as: the daemon's user (portholed) or the caller (porthole-helper,
 * `porthole check`).  Read-only on the policy: thread-safe.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"
#include "policy.h"
#include "policy-impl.h"

/* Is the gid list sorted ascending?  (The kernel's usually is.) */
static int
groups_sorted(const gid_t *g, size_t n)
{
	size_t	i;

	for (i = 1; i < n; i++)
		if (g[i - 1] > g[i])
			return 0;
	return 1;
}

/*
 * Is gid among the requester's groups: the primary, or one of the
 * supplementary ones (SO_PEERGROUPS, captured at connect: never NSS,
 * S36)?  Binary search when the list is sorted keeps 100000 group rules
 * against 65536 groups fast (S84); otherwise a linear scan.
 */
static int
in_groups(const struct ph_requester *who, int sorted, gid_t gid)
{
	size_t	lo = 0, hi = who->peer.ngroups, mid;

	if (who->peer.gid == gid)
		return 1;
	if (!sorted) {
		for (lo = 0; lo < who->peer.ngroups; lo++)
			if (who->peer.groups[lo] == gid)
				return 1;
		return 0;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (who->peer.groups[mid] == gid)
			return 1;
		if (who->peer.groups[mid] < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Can `who` be granted anything at all?  Not with bad arguments (groups
 * NULL with ngroups > 0), nor with the uid (uid_t)-1 or the primary gid
 * (gid_t)-1 (S19, S37).  1 or 0; on 1, *ret_sorted says whether the
 * supplementary groups are sorted (in_groups()).
 */
static int
who_ok(const struct ph_requester *who, int *ret_sorted)
{
	if (who == NULL || (who->peer.groups == NULL && who->peer.ngroups > 0))
		return 0;
	if (who->peer.uid == (uid_t)-1 || who->peer.gid == (gid_t)-1)
		return 0;
	*ret_sorted = groups_sorted(who->peer.groups, who->peer.ngroups);
	return 1;
}

/* Does rule ru's subject name `who` (user: the uid; group: a gid)? */
static int
subject_matches(const struct rule *ru, const struct ph_requester *who,
    int sorted)
{
	if (ru->subj == SUBJ_USER)
		return who->peer.uid == (uid_t)ru->id;
	return in_groups(who, sorted, (gid_t)ru->id);
}

/*
 * ph_policy_check() - decide one request.  Rules are tried in file
 * order; the first whose subject matches the requester (user: the uid;
 * group: the primary gid or a supplementary group) and that has a grant
 * covering the request (ph__grant_covers(): a grant for one address
 * never covers the wildcard, S50) allows it.  Returns 1 with the rule's
 * line in *ret_line and "allow user alice tcp:80-90" (the grant that
 * matched, canonical) in rule; 0 when denied, with *ret_line 0 and rule
 * empty.  Bad arguments (NULL p, who or req; groups NULL with ngroups
 * > 0) are a denial too, returned as 0 and never as a negative errno:
 * callers test `if (!ph_policy_check(...))`, so a nonzero error would
 * read as an allow (S19).  A requester whose uid or primary gid is (uid_t)-1 /
 * (gid_t)-1 is denied everything (S19, S37).  ret_line and rule may be
 * NULL.  Read-only on p: thread-safe.  O(rules * (grants + log groups)).
 */
int
ph_policy_check(const struct ph_policy *p, const struct ph_requester *who,
    const struct ph_grant *req, int *ret_line, char *rule, size_t rulelen)
{
	const struct rule	*ru;
	char			 gtext[128];
	size_t			 i, k;
	int			 sorted;

	if (ret_line != NULL)
		*ret_line = 0;
	if (rule != NULL && rulelen > 0)
		rule[0] = '\0';
	if (p == NULL || req == NULL || !who_ok(who, &sorted))
		return 0;		/* fail closed, never < 0 (S19) */
	for (i = 0; i < p->nrules; i++) {
		ru = &p->rules[i];
		if (!subject_matches(ru, who, sorted))
			continue;
		for (k = 0; k < ru->ng; k++) {
			if (!ph__grant_covers(&p->grants[ru->g0 + k], req))
				continue;
			if (ret_line != NULL)
				*ret_line = ru->line;
			if (rule != NULL && rulelen > 0) {
				if (ph__grant_format(&p->grants[ru->g0 + k],
				    gtext, sizeof(gtext)) < 0)
					gtext[0] = '\0';	/* cannot be */
				(void)snprintf(rule, rulelen, "allow %s %s %s",
				    ru->subj == SUBJ_USER ? "user" : "group",
				    ru->text, gtext);
			}
			return 1;
		}
	}
	return 0;
}

/* Is the IPv6 address a (16 bytes) IPv4-mapped, ::ffff:a.b.c.d? */
static int
is_v4mapped(const unsigned char *a)
{
	static const unsigned char	pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };

	return memcmp(a, pfx, 12) == 0;
}

/* Is the IPv6 address a (16 bytes) the wildcard, ::? */
static int
is_any6(const unsigned char *a)
{
	static const unsigned char	z[16];

	return memcmp(a, z, 16) == 0;
}

/*
 * ph_bind_question() - the bind a tcp or udp request asks, in place
 * (S50): an IPv4-mapped IPv6 address is its IPv4 address.  Returns 1 if
 * it is the IPv6 wildcard, which needs the IPv4 wildcard's grant too.
 */
int
ph_bind_question(struct ph_grant *q)
{
	if (q->kind != PH_GRANT_TCP && q->kind != PH_GRANT_UDP)
		return 0;
	if (q->family == AF_INET6 && is_v4mapped(q->addr)) {
		q->family = AF_INET;
		memmove(q->addr, q->addr + 12, 4);
		memset(q->addr + 4, 0, 12);
	}
	return q->family == AF_INET6 && is_any6(q->addr);
}

/*
 * ph_policy_check_bind() - does the policy allow this bind?  The one
 * answer the broker acts on and `porthole check` prints (S50).  The IPv6
 * wildcard needs the IPv4 wildcard's grant too, whatever IPV6_V6ONLY
 * says: the caller holds the socket and can turn the option off at any
 * moment up to bind(), so no answer may depend on it.  The address's
 * own answer goes to *ret_line/rule (0: denied), the IPv4 wildcard's,
 * when asked, to *ret_line4/rule4 (left 0 when not asked); any of them
 * may be NULL.  Returns 1 if allowed.
 */
int
ph_policy_check_bind(const struct ph_policy *p,
    const struct ph_requester *who, const struct ph_grant *req,
    int *ret_line, char *rule, size_t rulelen, int *ret_line4, char *rule4,
    size_t rule4len)
{
	struct ph_grant	q = *req;
	int		ok, wild;

	if (ret_line4 != NULL)
		*ret_line4 = 0;
	wild = ph_bind_question(&q);
	ok = ph_policy_check(p, who, &q, ret_line, rule, rulelen);
	if (!wild)
		return ok;
	q.family = AF_INET;
	memset(q.addr, 0, sizeof(q.addr));
	return ph_policy_check(p, who, &q, ret_line4, rule4, rule4len) && ok;
}

/*
 * ph_policy_grant_at() - the i-th grant of p in file order, with its
 * rule's line and subject, for `porthole check`'s warnings.  0, or
 * -ENOENT past the last.  O(log rules): grants are stored rule by rule.
 */
int
ph_policy_grant_at(const struct ph_policy *p, size_t i,
    struct ph_policy_grant *ret)
{
	size_t	lo = 0, hi, mid;

	if (p == NULL || i >= p->ngrants || p->nrules == 0)
		return -ENOENT;
	hi = p->nrules;
	while (hi - lo > 1) {		/* the last rule with g0 <= i */
		mid = lo + (hi - lo) / 2;
		if (p->rules[mid].g0 <= i)
			lo = mid;
		else
			hi = mid;
	}
	ret->line = p->rules[lo].line;
	ret->group = p->rules[lo].subj == SUBJ_GROUP;
	ret->id = p->rules[lo].id;
	ret->g = &p->grants[i];
	return 0;
}

/*
 * ph_policy_file() - the path the policy was loaded from, or "-" when
 * it was parsed from memory (or p is NULL).  Valid while p lives.
 */
const char *
ph_policy_file(const struct ph_policy *p)
{
	return p != NULL && p->file != NULL ? p->file : "-";
}

/* ph_policy_nrules() - the number of rules (0 for NULL). */
size_t
ph_policy_nrules(const struct ph_policy *p)
{
	return p != NULL ? p->nrules : 0;
}

/* ph_policy_stand_in_for() - 0, or the stand-in's origin. */
int
ph_policy_stand_in_for(const struct ph_policy *p)
{
	return p != NULL ? p->stand_in : 0;
}

/*
 * ph_policy_grants_any() - 1 if some rule's subject matches `who` (its
 * uid, primary gid or a supplementary group), so that some request of
 * theirs could be granted; else 0, also for bad arguments and for the
 * ids (uid_t)-1 / (gid_t)-1 (S19, S37).  portholed keeps its connection
 * table for these requesters (S80, issue 9 item 4).  Read-only on p:
 * thread-safe.  O(rules * log groups).
 */
int
ph_policy_grants_any(const struct ph_policy *p,
    const struct ph_requester *who)
{
	const struct rule	*ru;
	size_t			 i;
	int			 sorted;

	if (p == NULL || !who_ok(who, &sorted))
		return 0;
	for (i = 0; i < p->nrules; i++) {
		ru = &p->rules[i];
		if (ru->ng != 0 && subject_matches(ru, who, sorted))
			return 1;
	}
	return 0;
}

/*
 * ph_policy_needs_raw() - 1 if any rule grants raw or packet sockets
 * (the parser sets it).
 */
int
ph_policy_needs_raw(const struct ph_policy *p)
{
	return p != NULL && p->needs_raw;
}
