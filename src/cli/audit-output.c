/* SPDX-License-Identifier: ISC */
/*
 * audit-output.c - the report of `porthole audit` (audit.c): plain text
 * or one JSON object, every name escaped, since anyone who can create a
 * directory may have chosen it.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "audit.h"

static const char *const ctype_name[] = {
	"dir", "symlink", "socket", "file", "missing", "unknown"
};

/* ls(1)-style mode string for a component, into out[11]. */
void
audit_mode_string(const struct comp *c, char *out)
{
	mode_t	m = c->mode;

	if (c->type == C_MISSING || c->type == C_UNKNOWN) {
		memcpy(out, "??????????", 11);
		return;
	}
	out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISSOCK(m) ? 's' :
	    S_ISFIFO(m) ? 'p' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : '-';
	out[1] = (m & S_IRUSR) ? 'r' : '-';
	out[2] = (m & S_IWUSR) ? 'w' : '-';
	out[3] = (m & S_ISUID) ? ((m & S_IXUSR) ? 's' : 'S') :
	    ((m & S_IXUSR) ? 'x' : '-');
	out[4] = (m & S_IRGRP) ? 'r' : '-';
	out[5] = (m & S_IWGRP) ? 'w' : '-';
	out[6] = (m & S_ISGID) ? ((m & S_IXGRP) ? 's' : 'S') :
	    ((m & S_IXGRP) ? 'x' : '-');
	out[7] = (m & S_IROTH) ? 'r' : '-';
	out[8] = (m & S_IWOTH) ? 'w' : '-';
	out[9] = (m & S_ISVTX) ? ((m & S_IXOTH) ? 't' : 'T') :
	    ((m & S_IXOTH) ? 'x' : '-');
	out[10] = '\0';
}

/*
 * Decode one UTF-8 sequence at s (n bytes left): its length, or 0 if
 * invalid (overlong, surrogate, beyond U+10FFFF, truncated).
 */
static size_t
utf8_len(const unsigned char *s, size_t n, unsigned long *ret_cp)
{
	unsigned long	cp;
	size_t		len, i;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*ret_cp = cp;
	return len;
}

/*
 * Print a name that anyone who can create a directory may have chosen.
 * Text: control characters, C1 controls and invalid UTF-8 become \xNN
 * and '\' becomes "\\", so that a path cannot move the cursor, fake a
 * "verdict: safe" line or hide itself on a terminal.  JSON: RFC 8259
 * escapes; invalid UTF-8 bytes become U+FFFD (JSON text must be Unicode;
 * the text output keeps the exact bytes).  Shared with status.c (cli.h).
 */
void
cli_put_esc(const char *str, int json)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), len, i;
	unsigned long		 cp;

	while (n > 0) {
		len = utf8_len(s, n, &cp);
		if (len == 0) {
			if (json)
				(void)fputs("\\ufffd", stdout);
			else
				(void)printf("\\x%02x", s[0]);
			s++;
			n--;
			continue;
		}
		if (cp == '\\')
			(void)fputs("\\\\", stdout);
		else if (json && cp == '"')
			(void)fputs("\\\"", stdout);
		else if (json && cp == '\n')
			(void)fputs("\\n", stdout);
		else if (json && cp == '\t')
			(void)fputs("\\t", stdout);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			if (json)
				(void)printf("\\u%04lx", cp);
			else
				for (i = 0; i < len; i++)
					(void)printf("\\x%02x", s[i]);
		} else
			(void)fwrite(s, 1, len, stdout);
		s += len;
		n -= len;
	}
}

/* A JSON string, or null. */
static void
json_str(const char *s)
{
	if (s == NULL) {
		(void)fputs("null", stdout);
		return;
	}
	(void)putchar('"');
	cli_put_esc(s, 1);
	(void)putchar('"');
}

static void
json_texts(const char *key, const struct texts *t)
{
	size_t	i;

	(void)printf(",\"%s\":[", key);
	for (i = 0; i < t->n; i++) {
		if (i > 0)
			(void)putchar(',');
		json_str(t->s[i]);
	}
	(void)putchar(']');
}

/*
 * The JSON report: one object on one line, keys always present and in
 * this order, so that scripts may rely on them:
 *   path, components [{path, type, uid, user, gid, group, mode
 *   [, target]}], safe, reasons, connect, notes.
 * uid, user, gid, group and mode are null for missing or unknown
 * components, and user/group for ids without a name.
 */
void
audit_print_json(const struct audit *a)
{
	const struct comp	*c;
	size_t			 i;

	(void)fputs("{\"path\":", stdout);
	json_str(a->arg);
	(void)fputs(",\"components\":[", stdout);
	for (i = 0; i < a->n; i++) {
		c = &a->c[i];
		(void)printf("%s{\"path\":", i > 0 ? "," : "");
		json_str(c->path);
		(void)printf(",\"type\":\"%s\"", ctype_name[c->type]);
		if (c->type == C_MISSING || c->type == C_UNKNOWN)
			(void)fputs(",\"uid\":null,\"user\":null,\"gid\":null,"
			    "\"group\":null,\"mode\":null", stdout);
		else {
			(void)printf(",\"uid\":%lu,\"user\":",
			    (unsigned long)c->uid);
			json_str(c->user);
			(void)printf(",\"gid\":%lu,\"group\":",
			    (unsigned long)c->gid);
			json_str(c->group);
			(void)printf(",\"mode\":\"%04o\"",
			    (unsigned)(c->mode & 07777));
		}
		if (c->type == C_SYMLINK) {
			(void)fputs(",\"target\":", stdout);
			json_str(c->target);
		}
		(void)putchar('}');
	}
	(void)printf("],\"safe\":%s", a->reasons.n == 0 ? "true" : "false");
	json_texts("reasons", &a->reasons);
	(void)printf(",\"connect\":\"%s\"", a->connect);
	json_texts("notes", &a->notes);
	(void)fputs("}\n", stdout);
}

/* The plain report: one line per component, the verdict, the reasons. */
void
audit_print_text(const struct audit *a)
{
	const struct comp	*c;
	char			 ms[11], num[32];
	size_t			 i;

	for (i = 0; i < a->n; i++) {
		c = &a->c[i];
		audit_mode_string(c, ms);
		(void)printf("%s ", ms);
		if (c->type == C_MISSING || c->type == C_UNKNOWN)
			(void)fputs("- -", stdout);
		else {
			(void)snprintf(num, sizeof(num), "%lu",
			    (unsigned long)c->uid);
			cli_put_esc(c->user ? c->user : num, 0);
			(void)putchar(' ');
			(void)snprintf(num, sizeof(num), "%lu",
			    (unsigned long)c->gid);
			cli_put_esc(c->group ? c->group : num, 0);
		}
		(void)putchar(' ');
		cli_put_esc(c->path, 0);
		if (c->type == C_SYMLINK) {
			(void)fputs(" -> ", stdout);
			cli_put_esc(c->target, 0);
		} else if (c->type == C_MISSING)
			(void)fputs(" (missing)", stdout);
		else if (c->type == C_UNKNOWN)
			(void)fputs(" (cannot be examined)", stdout);
		(void)putchar('\n');
	}
	(void)printf("verdict: %s\n", a->reasons.n == 0 ? "safe" : "UNSAFE");
	for (i = 0; i < a->reasons.n; i++) {
		(void)fputs("  ", stdout);
		cli_put_esc(a->reasons.s[i], 0);
		(void)putchar('\n');
	}
	(void)printf("connect: %s\n", a->connect);
	for (i = 0; i < a->notes.n; i++) {
		(void)fputs("note: ", stdout);
		cli_put_esc(a->notes.s[i], 0);
		(void)putchar('\n');
	}
}

