/* SPDX-License-Identifier: ISC */
/*
 * policy-impl.h - the inside of a parsed policy, private to the files
 * that make and read one: policy-parse.c (the parser builds it),
 * policy-read.c (the trusted-file walk and loading) and policy-eval.c
 * (evaluation).  Programs include "policy.h", where struct ph_policy is
 * opaque.
 */
#ifndef PH_POLICY_IMPL_H
#define PH_POLICY_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "private.h"
#include "policy.h"

#define POLICY_MAX_BYTES	(1024 * 1024)	/* S84 */
#define POLICY_MAX_LINE		4096		/* bytes, newline excluded */
#define POLICY_MAX_RULES	100000
#define PASSWD_PATH		"/etc/passwd"
#define GROUP_PATH		"/etc/group"

enum { SUBJ_USER = 1, SUBJ_GROUP = 2 };

struct rule {
	int		line;
	int		subj;			/* SUBJ_USER, SUBJ_GROUP */
	uint32_t	id;			/* uid or gid */
	char		text[PH_NAME_MAXLEN + 1];	/* the subject as
						   written */
	size_t		g0, ng;			/* its grants in p->grants */
};

struct ph_policy {
	char		*file;
	struct rule	*rules;
	size_t		 nrules, rcap;
	struct ph_grant	*grants;
	size_t		 ngrants, gcap;
	int		 needs_raw;
	int		 stand_in;	/* PH_POLICY_FOR_*: no valid policy */
};

/*
 * Write a formatted message to err (NUL-terminated when errlen > 0;
 * silently truncated).  Never fails.  (policy-parse.c)
 */
void	ph__seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* PH_POLICY_IMPL_H */
