/* SPDX-License-Identifier: ISC */
/*
 * porthole4pl.c - the foreign part of the SWI-Prolog pack `porthole`
 * (prolog/porthole.pl is the interface): libporthole's public calls for
 * socket paths, brokered sockets, socket activation and peers.
 *
 * SWI-Prolog 9.0 cannot adopt an fd as a socket handle.  So the Prolog
 * side creates the handle (tcp_socket/1, udp_socket/1,
 * unix_domain_socket/1), hands us its fd, and we either bind that very
 * socket in place (IPv4: ph_bind's way, the broker binds the caller's
 * own socket) or move another socket onto its number with dup3()
 * (O_CLOEXEC) and close the original, so one fd has one owner.
 *
 * Errors are Prolog exceptions
 *   error(porthole_error(Errno, Sentence), context(Name/Arity, _))
 * where Errno is the errno name in lower case (eacces) and Sentence is
 * what the porthole command would print after "porthole SUBCOMMAND: ".
 *
 * Every fd made here is close-on-exec from birth, and none outlives the
 * call except by moving onto the handle's number.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SWI-Prolog.h>

#include "porthole.h"
#include "paths.h"		/* PH_POLICY_PATH, ..., of this build */

#define MSG_MAX		1024
#define REASON_MAX	128	/* >= the protocol's reason field (96) */
#define NAME_MAX_	32	/* user names the policy accepts */

/* ---- errors ------------------------------------------------------- */

/*
 * Raise error(porthole_error(Errno, Sentence), context(Pred, _)).
 * `err` is a negative or positive errno, or 0 for none (then `einval`
 * names the class).  With `with_strerror`, ": strerror" ends the
 * sentence, as the command's die() does.  Always returns FALSE (the
 * value a foreign predicate returns after raising).
 */
static int
raise_ph(const char *pred, int arity, int err, int with_strerror,
    const char *fmt, ...)
{
	char		 msg[MSG_MAX], name[32];
	const char	*en;
	va_list		 ap;
	term_t		 ex;
	size_t		 n, i;
	int		 e = err < 0 ? -err : err;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (with_strerror && e != 0) {
		n = strlen(msg);
		(void)snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(e));
	}
	en = e != 0 ? strerrorname_np(e) : "EINVAL";
	if (en == NULL)
		en = "EIO";
	for (i = 0; en[i] != '\0' && i < sizeof(name) - 1; i++)
		name[i] = (char)tolower((unsigned char)en[i]);
	name[i] = '\0';
	if ((ex = PL_new_term_ref()) == 0 ||
	    !PL_unify_term(ex,
	    PL_FUNCTOR_CHARS, "error", 2,
	      PL_FUNCTOR_CHARS, "porthole_error", 2,
	        PL_CHARS, name,
	        PL_UTF8_STRING, msg,
	      PL_FUNCTOR_CHARS, "context", 2,
	        PL_FUNCTOR_CHARS, "/", 2,
	          PL_CHARS, pred,
	          PL_INT, arity,
	        PL_VARIABLE))
		return FALSE;
	return PL_raise_exception(ex);
}

/* Text of an atom or string argument, or a type error. */
static int
get_text(term_t t, char **ret)
{
	return PL_get_chars(t, ret, CVT_ATOM | CVT_STRING | CVT_EXCEPTION |
	    REP_UTF8);
}

/* ---- mkpath: what `porthole mkpath` does (src/cli/mkpath.c) --------- */

/*
 * Why `path` is not a safe base, appended to msg.  1: it is unsafe and
 * that was said; 0: safe; else the negative errno that kept it from being
 * checked (unsaid).  The same judgement as the command's explain_base().
 */
static int
explain_base(char *msg, size_t len, const char *label, const char *path,
    int flags)
{
	struct stat	st;
	size_t		n = strlen(msg);
	unsigned	mode;
	int		r, known;

	r = ph_dir_check_path(path, flags);
	if (r == 0)
		return 0;
	known = lstat(path, &st) == 0;
	msg += n;
	len -= n;
	switch (r) {
	case -ELOOP:
		(void)snprintf(msg, len, "%s '%s' is a symbolic link; give "
		    "the real directory; ", label, path);
		return 1;
	case -ENOTDIR:
		(void)snprintf(msg, len, "%s '%s' is not a directory; ",
		    label, path);
		return 1;
	case -EPERM:
		if (!known || st.st_uid == geteuid() || (st.st_uid == 0 &&
		    !(flags & PH_DIR_PRIVATE)))
			return r;
		(void)snprintf(msg, len, "%s '%s' is owned by uid %lu, not by "
		    "you (uid %lu)%s; ", label, path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid(),
		    flags & PH_DIR_PRIVATE ? "" : " or root");
		return 1;
	case -EACCES:
		if (!known)
			return r;
		mode = (unsigned)(st.st_mode & 07777);
		if (flags & PH_DIR_PRIVATE) {
			if (mode == 0700)
				return r;
			(void)snprintf(msg, len, "%s '%s' has mode %04o, not "
			    "0700; ", label, path, mode);
		} else {
			if (!(mode & (S_IWGRP | S_IWOTH)) || (mode & S_ISVTX))
				return r;
			(void)snprintf(msg, len, "%s '%s' (mode %04o) is "
			    "writable by other users and not sticky: they "
			    "could replace the socket; ", label, path, mode);
		}
		return 1;
	}
	return r;
}

/* Why each default base was passed over, appended to msg. */
static void
explain_defaults(char *msg, size_t len)
{
	const char	*x = getenv("XDG_RUNTIME_DIR"), *t = getenv("TMPDIR");
	size_t		 n;
	int		 r;

	if (x == NULL || x[0] != '/') {
		n = strlen(msg);
		(void)snprintf(msg + n, len - n, "XDG_RUNTIME_DIR is %s; ",
		    x ? "not absolute" : "not set");
	} else if ((r = explain_base(msg, len, "XDG_RUNTIME_DIR", x,
	    PH_DIR_PRIVATE)) < 0) {
		n = strlen(msg);
		(void)snprintf(msg + n, len - n, "XDG_RUNTIME_DIR '%s': %s; ",
		    x, strerror(-r));
	}
	if (t == NULL || t[0] != '/') {
		n = strlen(msg);
		(void)snprintf(msg + n, len - n, "TMPDIR is %s; ",
		    t ? "not absolute" : "not set");
	} else if ((r = explain_base(msg, len, "TMPDIR", t, 0)) < 0) {
		n = strlen(msg);
		(void)snprintf(msg + n, len - n, "TMPDIR '%s': %s; ", t,
		    strerror(-r));
	}
	if ((r = explain_base(msg, len, "base directory", "/tmp", 0)) < 0) {
		n = strlen(msg);
		(void)snprintf(msg + n, len - n, "base directory '/tmp': %s; ",
		    strerror(-r));
	}
}

/*
 * '$ph_mkpath'(+Base, +Name, +Portable, -Path): Base '' for the default
 * bases, Name '' for "sock", Portable 0 or 1.  The directory is left on
 * disk (the caller removes it), nothing else is kept open.
 */
static foreign_t
pl_mkpath(term_t tbase, term_t tname, term_t tport, term_t tpath)
{
	struct ph_sockdir	*sd = NULL;
	char			*base = NULL, *name = NULL;
	char			 why[MSG_MAX] = "";
	int			 portable, flags = 0, r, ok;

	if (!get_text(tbase, &base) || !get_text(tname, &name) ||
	    !PL_get_bool_ex(tport, &portable))
		return FALSE;
	if (portable)
		flags |= PH_PATH_PORTABLE;
	if (base[0] == '\0')
		base = NULL;
	if (name[0] == '\0')
		name = NULL;
	if (name != NULL && (strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
		return raise_ph("porthole_mkpath", 2, EINVAL, 0,
		    "NAME '%s' must be a plain file name, without '/'", name);

	r = ph_sockdir_create(base, name, flags, &sd);
	if (r == -ENAMETOOLONG)
		return raise_ph("porthole_mkpath", 2, r, 0, "the socket path "
		    "would not fit sun_path (%u bytes at most%s); choose a "
		    "shorter --dir or NAME", flags & PH_PATH_PORTABLE ?
		    PH_SOCKPATH_PORTABLE_MAX : (unsigned)PH_SOCKPATH_MAX,
		    flags & PH_PATH_PORTABLE ? " with --portable" : "");
	if (r < 0 && base != NULL && (r == -ELOOP || r == -ENOTDIR ||
	    r == -EPERM || r == -EACCES) &&
	    explain_base(why, sizeof(why), "base directory", base, 0) == 1)
		return raise_ph("porthole_mkpath", 2, r, 0, "%srefusing an "
		    "unsafe base directory; use one that only you or root can "
		    "write (mode 0700 or sticky)", why);
	if (r == -ENOENT && base == NULL) {
		explain_defaults(why, sizeof(why));
		return raise_ph("porthole_mkpath", 2, r, 0, "%sno safe base "
		    "directory; give one with --dir", why);
	}
	if (r < 0)
		return raise_ph("porthole_mkpath", 2, r, 1, "cannot create a "
		    "private directory in '%s'", base ? base : "the default "
		    "base");
	ok = PL_unify_chars(tpath, PL_ATOM | REP_UTF8, (size_t)-1,
	    ph_sockdir_path(sd));
	if (ok)
		ph_sockdir_free(sd);	/* the directory stays: it is the answer */
	else
		(void)ph_sockdir_remove(sd);	/* nothing left when not told */
	return ok;
}

/* ---- SPECs ---------------------------------------------------------- */

#define K_TCP		1
#define K_UDP		2
#define K_RAW4		3
#define K_RAW6		4
#define K_PACKET	5

/* A SPEC of `porthole run`, parsed by the same grammar (one port). */
struct spec {
	int		kind;		/* K_* */
	int		family;		/* tcp/udp: 0 (any), AF_INET, AF_INET6 */
	unsigned char	addr[16];
	unsigned	port;
	int		protocol;	/* raw */
	char		ifname[16];	/* packet */
};

/* Strict decimal lo..hi; -EINVAL otherwise. */
static int
parse_num(const char *s, size_t len, unsigned long lo, unsigned long hi,
    unsigned long *ret)
{
	unsigned long	v = 0;
	size_t		i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Parse `s` into *ret; 0 or -EINVAL. */
static int
spec_parse(const char *s, struct spec *ret)
{
	const char	*rest, *colon, *close;
	char		 a[64];
	unsigned long	 v;
	size_t		 n;

	memset(ret, 0, sizeof(*ret));
	if (strncmp(s, "tcp:", 4) == 0 || strncmp(s, "udp:", 4) == 0) {
		ret->kind = s[0] == 't' ? K_TCP : K_UDP;
		rest = s + 4;
		if (rest[0] == '[') {
			if ((close = strchr(rest, ']')) == NULL ||
			    close[1] != ':' ||
			    (n = (size_t)(close - rest - 1)) >= sizeof(a))
				return -EINVAL;
			memcpy(a, rest + 1, n);
			a[n] = '\0';
			if (inet_pton(AF_INET6, a, ret->addr) != 1)
				return -EINVAL;
			ret->family = AF_INET6;
			rest = close + 2;
		} else if ((colon = strrchr(rest, ':')) != NULL) {
			if ((n = (size_t)(colon - rest)) >= sizeof(a))
				return -EINVAL;
			memcpy(a, rest, n);
			a[n] = '\0';
			if (inet_pton(AF_INET, a, ret->addr) != 1)
				return -EINVAL;
			ret->family = AF_INET;
			rest = colon + 1;
		}
		if (parse_num(rest, strlen(rest), 1, 65535, &v) < 0)
			return -EINVAL;
		ret->port = (unsigned)v;
		return 0;
	}
	if (strncmp(s, "raw:", 4) == 0 || strncmp(s, "raw6:", 5) == 0) {
		ret->kind = s[3] == '6' ? K_RAW6 : K_RAW4;
		rest = s + (ret->kind == K_RAW6 ? 5 : 4);
		if (ret->kind == K_RAW4 && strcmp(rest, "icmp") == 0)
			ret->protocol = IPPROTO_ICMP;
		else if (ret->kind == K_RAW6 && strcmp(rest, "icmpv6") == 0)
			ret->protocol = IPPROTO_ICMPV6;
		else if (parse_num(rest, strlen(rest), 1, 255, &v) == 0)
			ret->protocol = (int)v;
		else
			return -EINVAL;
		return 0;
	}
	if (strncmp(s, "packet:", 7) == 0) {
		n = strlen(s + 7);
		if (n == 0 || n >= sizeof(ret->ifname) || strchr(s + 7, '/'))
			return -EINVAL;
		ret->kind = K_PACKET;
		memcpy(ret->ifname, s + 7, n + 1);
		return 0;
	}
	return -EINVAL;
}

/*
 * The policy rule the broker asks for this request (hint.h's RULE): an
 * IPv4-mapped address is judged as IPv4, the IPv6 wildcard is the
 * port-only rule (S50).  Returns 1 for the IPv6 wildcard, else 0.
 */
static int
spec_rule(const struct spec *sp, char *buf, size_t len)
{
	static const unsigned char	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };
	static const unsigned char	any6[16];
	const char			*k = sp->kind == K_TCP ? "tcp" : "udp";
	char				 a[INET6_ADDRSTRLEN];

	switch (sp->kind) {
	case K_TCP:
	case K_UDP:
		if (sp->family == AF_INET6 && memcmp(sp->addr, any6, 16) == 0) {
			(void)snprintf(buf, len, "%s:%u", k, sp->port);
			return 1;
		}
		if (sp->family == AF_INET6 && memcmp(sp->addr, mapped, 12)) {
			(void)inet_ntop(AF_INET6, sp->addr, a, sizeof(a));
			(void)snprintf(buf, len, "%s:[%s]:%u", k, a, sp->port);
			return 0;
		}
		/* IPv4, mapped IPv4, or no address: bound as IPv4 here */
		(void)inet_ntop(AF_INET, sp->family == AF_INET6 ?
		    sp->addr + 12 : sp->addr, a, sizeof(a));
		(void)snprintf(buf, len, "%s:%s:%u", k, a, sp->port);
		return 0;
	case K_RAW4:
	case K_RAW6:
		/* "raw:icmp", "raw6:icmpv6", else the protocol's number */
		k = sp->kind == K_RAW4 ? "raw" : "raw6";
		if (sp->protocol == (sp->kind == K_RAW4 ? IPPROTO_ICMP :
		    IPPROTO_ICMPV6))
			(void)snprintf(buf, len, "%s:%s", k,
			    sp->kind == K_RAW4 ? "icmp" : "icmpv6");
		else
			(void)snprintf(buf, len, "%s:%d", k, sp->protocol);
		return 0;
	default:
		(void)snprintf(buf, len, "packet:%s", sp->ifname);
		return 0;
	}
}

/*
 * The name /etc/passwd gives `uid` when the policy would read that name
 * back as the same uid (it reads /etc/passwd only, never NSS: S55), else
 * the number; as hint.h's hint_user().
 */
static void
rule_user(uid_t uid, char *buf, size_t len)
{
	FILE		*f;
	char		*line = NULL, *p, *q, name[NAME_MAX_ + 1] = "";
	size_t		 cap = 0;
	unsigned long	 u, found_uid = 0;
	int		 pass, have = 0;

	(void)snprintf(buf, len, "%lu", (unsigned long)uid);
	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return;
	/* Pass 0: the first name of this uid; pass 1: that name's uid. */
	for (pass = 0; pass < 2; pass++) {
		rewind(f);
		while (getline(&line, &cap, f) != -1) {
			if ((p = strchr(line, ':')) == NULL ||
			    (size_t)(p - line) > NAME_MAX_ || p == line ||
			    (q = strchr(p + 1, ':')) == NULL ||
			    parse_num(q + 1, strcspn(q + 1, ":"), 0,
			    4294967294UL, &u) < 0)
				continue;
			*p = '\0';
			if (pass == 0 && u == (unsigned long)uid) {
				memcpy(name, line, strlen(line) + 1);
				have = 1;
				break;
			}
			if (pass == 1 && strcmp(line, name) == 0) {
				found_uid = u;
				have = 2;
				break;
			}
		}
		if (have != pass + 1)
			break;
	}
	free(line);
	(void)fclose(f);
	if (have == 2 && found_uid == (unsigned long)uid)
		(void)snprintf(buf, len, "%s", name);
}

/*
 * Raise the error `porthole run` would print for a broker answer `r`
 * with `reason` (hint.h's hint_denied() and run.c's bind_one()).
 */
static int
raise_broker(const char *text, const struct spec *sp, int r,
    const char *reason)
{
	char	user[NAME_MAX_ + 16], rule[96];
	int	wild;

	if (r == -EACCES && reason[0] != '\0') {
		/* Issue 11: no valid policy: the reason alone. */
		if (strstr(reason, "has no valid policy") != NULL)
			return raise_ph("porthole_open", 2, r, 0, "%s: %s",
			    text, reason);
		rule_user(getuid(), user, sizeof(user));
		wild = spec_rule(sp, rule, sizeof(rule));
		return raise_ph("porthole_open", 2, r, 0, "%s: %s; to allow "
		    "it, add a line such as 'allow user %s %s' to %s (%s"
		    "portholed reads it again on 'systemctl reload portholed' "
		    "or SIGHUP)", text, reason, user, rule, PH_POLICY_PATH,
		    wild ? "[::] needs 0.0.0.0 granted too; " : "");
	}
	if (r == -EACCES)
		return raise_ph("porthole_open", 2, r, 1, "%s: needs "
		    "privilege, and portholed at %s cannot be reached", text,
		    PH_BROKER_SOCK);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return raise_ph("porthole_open", 2, r, 0, "%s: needs "
		    "privilege, and neither portholed (%s) nor porthole-helper "
		    "(%s) is available", text, PH_BROKER_SOCK, PH_HELPER_PATH);
	return raise_ph("porthole_open", 2, r, 1, "%s", text);
}

/*
 * Move `*fdp` (consumed) onto `target` (the Prolog handle's fd): the
 * handle keeps its number and now refers to our socket, close-on-exec;
 * its old socket is closed by dup3().  Keeps target's O_NONBLOCK.
 */
static int
move_fd(int *fdp, int target)
{
	int	fl, r = 0;

	if ((fl = fcntl(target, F_GETFL)) == -1 ||
	    fcntl(*fdp, F_SETFL, (fcntl(*fdp, F_GETFL) & ~O_NONBLOCK) |
	    (fl & O_NONBLOCK)) == -1 ||
	    dup3(*fdp, target, O_CLOEXEC) == -1)
		r = -errno;
	ph_fd_close(fdp);
	return r;
}

/* Bind fd (borrowed): directly, else by the broker (run.c bind_one()). */
static int
bind_here(const char *text, const struct spec *sp, int fd,
    const struct sockaddr *sa, socklen_t sl)
{
	char	reason[REASON_MAX] = "";
	int	r;

	if (bind(fd, sa, sl) == 0) {
		if (sp->kind == K_TCP && listen(fd, 4096) == -1)
			return raise_ph("porthole_open", 2, errno, 1, "%s",
			    text);
		return TRUE;
	}
	if (errno != EACCES)
		return raise_ph("porthole_open", 2, errno, 1, "%s", text);
	r = ph_broker_bind(-1, fd, sa, sl, 0, 0, reason, sizeof(reason));
	if (r < 0)
		return raise_broker(text, sp, r, reason);
	return TRUE;
}

/*
 * '$ph_open'(+Spec, +Fd): make Fd, a fresh socket of SWI-Prolog's
 * (tcp_socket/1 for tcp:, udp_socket/1 otherwise: AF_INET), the socket
 * Spec names.  Fd is borrowed; on failure it is as it was (or, after a
 * failed move, closed by dup3 and replaced: the caller closes its handle
 * either way).
 */
static foreign_t
pl_open(term_t tspec, term_t tfd)
{
	struct sockaddr_in6	 sin6;
	struct sockaddr_in	 sin;
	struct spec		 sp;
	struct ph_fdinfo	 fi;
	char			 reason[REASON_MAX] = "";
	char			*text;
	int			 target, fd = -1, one = 1, r;

	if (!get_text(tspec, &text) || !PL_get_integer_ex(tfd, &target))
		return FALSE;
	if (spec_parse(text, &sp) < 0)
		return raise_ph("porthole_open", 2, EINVAL, 0, "'%s': not a "
		    "SPEC (tcp:PORT, tcp:ADDR:PORT, tcp:[ADDR6]:PORT, udp:..., "
		    "raw:icmp, raw6:icmpv6, raw:N, raw6:N, packet:IFNAME)",
		    text);
	if ((r = ph_fd_info(target, &fi)) < 0 || fi.kind != PH_FD_SOCKET ||
	    fi.family != AF_INET || fi.type != (sp.kind == K_TCP ?
	    SOCK_STREAM : SOCK_DGRAM))
		return raise_ph("porthole_open", 2, r < 0 ? r : EINVAL, 0,
		    "%s: fd %d is not a fresh IPv4 %s socket", text, target,
		    sp.kind == K_TCP ? "TCP" : "UDP");

	/*
	 * SWI-Prolog 9.0's sockets are IPv4: udp_send/4 and udp_receive/4
	 * take and give ip(A,B,C,D) addresses only, and there is no handle
	 * for raw IPv6 or packet sockets.  Refuse what could not be used.
	 */
	if ((sp.kind == K_UDP && sp.family == AF_INET6) ||
	    sp.kind == K_RAW6 || sp.kind == K_PACKET)
		return raise_ph("porthole_open", 2, EAFNOSUPPORT, 0, "%s: "
		    "SWI-Prolog 9.0 has no socket handle for it (its UDP "
		    "handles are IPv4 only); use tcp:, udp: with an IPv4 "
		    "address, or raw:", text);

	if ((sp.kind == K_TCP || sp.kind == K_UDP) && sp.family != AF_INET6) {
		/* IPv4 (no address: 0.0.0.0): the handle's own socket. */
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)sp.port);
		memcpy(&sin.sin_addr, sp.addr, 4);	/* zeros: any */
		/* TCP servers restart over TIME_WAIT; never shared (S48). */
		if (sp.kind == K_TCP && setsockopt(target, SOL_SOCKET,
		    SO_REUSEADDR, &one, sizeof(one)) == -1)
			return raise_ph("porthole_open", 2, errno, 1, "%s",
			    text);
		return bind_here(text, &sp, target, (struct sockaddr *)&sin,
		    sizeof(sin));
	}
	if (sp.kind == K_TCP) {
		/* IPv6, that family only: our socket, moved onto the handle. */
		if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return raise_ph("porthole_open", 2, errno, 1, "%s",
			    text);
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)sp.port);
		memcpy(&sin6.sin6_addr, sp.addr, 16);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one)) == -1 || setsockopt(fd, SOL_SOCKET,
		    SO_REUSEADDR, &one, sizeof(one)) == -1) {
			r = -errno;
			ph_fd_close(&fd);
			return raise_ph("porthole_open", 2, r, 1, "%s", text);
		}
		if (!bind_here(text, &sp, fd, (struct sockaddr *)&sin6,
		    sizeof(sin6))) {
			ph_fd_close(&fd);
			return FALSE;
		}
	} else {
		/* raw:: made here if we may, else by the broker (run.c). */
		fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, sp.protocol);
		if (fd == -1 && errno != EPERM && errno != EACCES)
			return raise_ph("porthole_open", 2, errno, 1, "%s",
			    text);
		if (fd == -1 && (fd = ph_broker_open(-1, text, 0, reason,
		    sizeof(reason))) < 0) {
			r = fd;
			fd = -1;
			return raise_broker(text, &sp, r, reason);
		}
	}
	if ((r = move_fd(&fd, target)) < 0)
		return raise_ph("porthole_open", 2, r, 1, "%s: moving the "
		    "socket onto fd %d", text, target);
	return TRUE;
}

/* ---- socket activation ---------------------------------------------- */

/*
 * '$ph_listen_env'(-List): the fds that LISTEN_FDS, LISTEN_PID and
 * LISTEN_FDNAMES hand this process, as Fd-Name (Name: the fd's entry in
 * LISTEN_FDNAMES, else 'unknown', as sd_listen_fds_with_names(3) says),
 * and the variables unset so that no child takes them for its own.  []
 * when they are not ours.  Each fd is made close-on-exec here.
 */
static foreign_t
pl_listen_env(term_t tlist)
{
	const char	*pidv = getenv("LISTEN_PID"), *nv = getenv("LISTEN_FDS");
	const char	*names = getenv("LISTEN_FDNAMES"), *p, *e;
	char		 name[256];
	unsigned long	 pid, n, i;
	term_t		 tail = PL_copy_term_ref(tlist), head;
	int		 fd;

	if ((head = PL_new_term_ref()) == 0)
		return FALSE;
	if (pidv == NULL || nv == NULL ||
	    parse_num(pidv, strlen(pidv), 1, 4194304, &pid) < 0 ||
	    pid != (unsigned long)getpid() ||
	    parse_num(nv, strlen(nv), 0, 4096, &n) < 0)
		return PL_unify_nil(tlist);
	p = names;
	for (i = 0; i < n; i++) {
		fd = 3 + (int)i;
		(void)snprintf(name, sizeof(name), "unknown");
		if (p != NULL) {
			e = strchr(p, ':');
			if ((e ? (size_t)(e - p) : strlen(p)) < sizeof(name) &&
			    (e ? e != p : *p != '\0')) {
				memcpy(name, p, e ? (size_t)(e - p) : strlen(p));
				name[e ? (size_t)(e - p) : strlen(p)] = '\0';
			}
			p = e ? e + 1 : NULL;
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
			return raise_ph("porthole_listen_fds", 1, errno, 1,
			    "LISTEN_FDS: fd %d", fd);
		if (!PL_unify_list(tail, head, tail) ||
		    !PL_unify_term(head, PL_FUNCTOR_CHARS, "-", 2,
		    PL_INT, fd, PL_UTF8_CHARS, name))
			return FALSE;
	}
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	return PL_unify_nil(tail);
}

/* '$ph_fd_kind'(+Fd, -Kind): tcp, udp, unix, tcp6, or other. */
static foreign_t
pl_fd_kind(term_t tfd, term_t tkind)
{
	struct ph_fdinfo	 fi;
	const char		*k = "other";
	int			 fd, r;

	if (!PL_get_integer_ex(tfd, &fd))
		return FALSE;
	if ((r = ph_fd_info(fd, &fi)) < 0)
		return raise_ph("porthole_listen_fds", 1, r, 1, "fd %d", fd);
	if (fi.kind == PH_FD_SOCKET && fi.family == AF_INET &&
	    fi.type == SOCK_STREAM)
		k = "tcp";
	else if (fi.kind == PH_FD_SOCKET && fi.family == AF_INET &&
	    fi.type == SOCK_DGRAM)
		k = "udp";
	else if (fi.kind == PH_FD_SOCKET && fi.family == AF_INET6 &&
	    fi.type == SOCK_STREAM)
		k = "tcp6";
	else if (fi.kind == PH_FD_SOCKET && fi.family == AF_UNIX &&
	    fi.type == SOCK_STREAM)
		k = "unix";
	return PL_unify_atom_chars(tkind, k);
}

/* '$ph_move_fd'(+From, +To): From (consumed) onto To (a handle's fd). */
static foreign_t
pl_move_fd(term_t tfrom, term_t tto)
{
	int	from, to, r;

	if (!PL_get_integer_ex(tfrom, &from) || !PL_get_integer_ex(tto, &to))
		return FALSE;
	if (from <= 2 || to <= 2 || from == to)
		return PL_domain_error("movable_fd", tfrom);
	if ((r = move_fd(&from, to)) < 0)
		return raise_ph("porthole_listen_fds", 1, r, 1, "moving a "
		    "LISTEN_FDS socket onto fd %d", to);
	return TRUE;
}

/* '$ph_close_fd'(+Fd): close an fd of LISTEN_FDS that we cannot use. */
static foreign_t
pl_close_fd(term_t tfd)
{
	int	fd;

	if (!PL_get_integer_ex(tfd, &fd))
		return FALSE;
	if (fd <= 2)
		return PL_domain_error("listen_fd", tfd);
	ph_fd_close(&fd);
	return TRUE;
}

/* ---- peers -------------------------------------------------------- */

/* '$ph_peer'(+Fd, -Uid, -Gid, -Pid): SO_PEERCRED of a Unix socket. */
static foreign_t
pl_peer(term_t tfd, term_t tuid, term_t tgid, term_t tpid)
{
	struct ph_peer	peer;
	int		fd, r, ok;

	if (!PL_get_integer_ex(tfd, &fd))
		return FALSE;
	if ((r = ph_peer_get(fd, 0, &peer)) < 0)
		return raise_ph("porthole_peer", 2, r, 1, "cannot read the "
		    "peer of fd %d", fd);
	ok = PL_unify_int64(tuid, (int64_t)peer.uid) &&
	    PL_unify_int64(tgid, (int64_t)peer.gid) &&
	    PL_unify_int64(tpid, (int64_t)peer.pid);
	ph_peer_clear(&peer);
	return ok;
}

/*
 * The only symbol this library exports (-fvisibility=hidden hides the
 * rest, and porthole4pl.map keeps it so).
 */
__attribute__((visibility("default"))) install_t install_porthole4pl(void);

install_t
install_porthole4pl(void)
{
	PL_register_foreign("$ph_mkpath", 4, pl_mkpath, 0);
	PL_register_foreign("$ph_open", 2, pl_open, 0);
	PL_register_foreign("$ph_listen_env", 1, pl_listen_env, 0);
	PL_register_foreign("$ph_fd_kind", 2, pl_fd_kind, 0);
	PL_register_foreign("$ph_move_fd", 2, pl_move_fd, 0);
	PL_register_foreign("$ph_close_fd", 1, pl_close_fd, 0);
	PL_register_foreign("$ph_peer", 4, pl_peer, 0);
}
