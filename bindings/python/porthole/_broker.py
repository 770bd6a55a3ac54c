# SPDX-License-Identifier: ISC
"""The client side of the broker protocol, as src/lib/broker.c does it.

The daemon is asked first, and must be root (S28: SO_PEERCRED of the
listening socket); only "no daemon here" (ENOENT, ECONNREFUSED) falls back
to porthole-helper, run with posix_spawn(), an empty environment and one
end of a SOCK_SEQPACKET socketpair on fd 3 (PROTOCOL.md 1.2).  Replies are
taken only at their exact size, for our request id; a received fd is
close-on-exec from birth (MSG_CMSG_CLOEXEC), and everything that arrived
is closed when a message is refused (truncated, unexpected control data,
more fds than asked: S39-S41).  No fd and no connection outlives a call,
except the kept connection the caller owns (Broker).
"""
import array
import errno
import fcntl
import itertools
import os
import socket
import struct

from . import _proto

# The paths of a default build (config.mk: RUNSTATEDIR=/run,
# PREFIX=/usr/local); a packager building with other paths sets these
# (porthole.SOCKET_PATH = ...) or the environment variables below.
SOCKET_PATH = "/run/porthole/porthole.sock"
HELPER_PATH = "/usr/local/libexec/porthole-helper"
POLICY_PATH = "/usr/local/etc/porthole/policy"

DAEMON = 0x01                   # ask only portholed (PH_BROKER_DAEMON)
HELPER = 0x02                   # ask only porthole-helper (PH_BROKER_HELPER)

REPLY_TIMEOUT = 10              # seconds a broker may take to answer
HELPER_FD = 3
SO_PEERGROUPS = getattr(socket, "SO_PEERGROUPS", 59)   # asm-generic value
_SUN_PATH_MAX = 107             # sun_path less its NUL: never truncated

_ids = itertools.count(1)       # next() is atomic under the GIL


def next_id():
    return next(_ids) & 0xFFFFFFFF


def _secure_env(name):
    """secure_getenv(): ignored when our ids differ from our effective
    ones (S61), and only an absolute path is used."""
    if os.getuid() != os.geteuid() or os.getgid() != os.getegid():
        return None
    v = os.environ.get(name)
    return v if v and v.startswith("/") else None


def daemon_path():
    import porthole
    return _secure_env("PORTHOLE_SOCKET") or porthole.SOCKET_PATH


def helper_path():
    import porthole
    return _secure_env("PORTHOLE_HELPER") or porthole.HELPER_PATH


def _err(e, text=None):
    return OSError(e, text if text is not None else os.strerror(e))


def connect_daemon():
    """ph_broker_connect(): a new SOCK_SEQPACKET socket to portholed,
    which must be root (S28), with a receive timeout; OSError otherwise
    (ENOENT or ECONNREFUSED: no daemon; EPERM: not root)."""
    path = daemon_path()
    if len(os.fsencode(path)) > _SUN_PATH_MAX:
        raise _err(errno.ENAMETOOLONG)        # S26: never truncated
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)  # CLOEXEC
    try:
        s.connect(path)
        pid, uid, gid = struct.unpack(
            "3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
        if uid != 0:            # an attack, not an absence: no fallback
            raise _err(errno.EPERM, "portholed at %s is not root's" % path)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                     struct.pack("ll", REPLY_TIMEOUT, 0))
        return s
    except BaseException:
        s.close()
        raise


def _close_fds(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def recv_reply(conn, want_fds):
    """One message and at most `want_fds` fds (ph_recv_fds()): (bytes,
    [fds]).  Room for one more fd than asked, so that an extra one is seen
    and closed; MSG_CTRUNC and MSG_TRUNC are checked here, since
    socket.recv_fds() cannot report them."""
    ctl = socket.CMSG_SPACE((want_fds + 1) * 4)
    try:
        data, anc, flags, _ = conn.recvmsg(_proto.MSG_MAX, ctl,
                                           socket.MSG_CMSG_CLOEXEC)
    except BlockingIOError:     # SO_RCVTIMEO passed
        raise _err(errno.ETIMEDOUT) from None
    fds, bad = [], 0
    for level, typ, cdata in anc:
        if level != socket.SOL_SOCKET or typ != socket.SCM_RIGHTS:
            bad = bad or errno.EBADMSG
            continue
        got = array.array("i")
        got.frombytes(cdata[:len(cdata) - len(cdata) % got.itemsize])
        fds.extend(got)
    if len(fds) > want_fds:
        bad = bad or errno.EMSGSIZE
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        bad = bad or errno.EMSGSIZE
    if not data and not bad:
        bad = errno.EBADMSG if fds else errno.ECONNRESET
    if bad:
        _close_fds(fds)
        raise _err(bad)
    return data, fds


def transact(conn, req, req_id, fd, want_fds):
    """Send one request (with `fd`, borrowed, or None), read the reply.
    Returns (error, reason, received fd or None): error is the broker's
    errno, 0 when granted; transport and protocol faults raise OSError."""
    if fd is not None:
        socket.send_fds(conn, [req], [fd], socket.MSG_NOSIGNAL)
    else:
        conn.sendmsg([req], [], socket.MSG_NOSIGNAL)
    data, fds = recv_reply(conn, want_fds)
    try:
        error, reason = _proto.decode_reply(data, req_id)
    except OSError:
        _close_fds(fds)
        raise
    got = fds[0] if fds else None
    if error != 0 or (want_fds and got is None):
        _close_fds(fds)
        return (error or errno.EPROTO), reason, None
    return 0, reason, got


def _helper_start():
    """porthole-helper with our end of a socketpair on fd 3, argv
    {"porthole-helper"}, an empty environment.  Returns (socket, pid)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    hi = -1
    try:
        # Keep the child's end off fd 3 itself, so that the dup2 file
        # action really makes a new, inheritable fd 3.
        hi = fcntl.fcntl(b.fileno(), fcntl.F_DUPFD_CLOEXEC, HELPER_FD + 1)
        pid = os.posix_spawn(helper_path(), ["porthole-helper"], {},
                             file_actions=[(os.POSIX_SPAWN_DUP2, hi,
                                            HELPER_FD)])
    except BaseException:
        a.close()
        raise
    finally:
        b.close()
        if hi >= 0:
            os.close(hi)
    return a, pid


def ask(conn, flags, req, req_id, fd, want_fds):
    """One request: on `conn` when given, else a new daemon connection,
    else the helper (as `flags` allow).  Returns what transact() does."""
    if conn is not None:
        return transact(conn, req, req_id, fd, want_fds)
    tried = None
    if not flags & HELPER or flags & DAEMON:
        try:
            c = connect_daemon()
        except OSError as e:
            # Only "no daemon here" falls back; a daemon that is not root
            # (EPERM) is an attack, not an absence.
            if flags & DAEMON or e.errno not in (errno.ENOENT,
                                                 errno.ECONNREFUSED):
                raise
            tried = e
        else:
            with c:
                return transact(c, req, req_id, fd, want_fds)
    try:
        c, pid = _helper_start()
    except OSError:
        if tried is not None:
            raise tried from None
        raise
    try:
        with c:
            return transact(c, req, req_id, fd, want_fds)
    finally:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except ChildProcessError:
                break


def daemon_policy_path():
    """The policy file portholed reads, from its status reply (PROTOCOL.md
    4.4), or None.  Only asked after a denial, to name the file to edit."""
    try:
        with connect_daemon() as c:
            rid = next_id()
            c.sendmsg([_proto.encode_status(rid)], [], socket.MSG_NOSIGNAL)
            data, fds = recv_reply(c, 0)
            _v, policy, _valid = _proto.decode_status_reply(data, rid)
            return policy or None
    except OSError:
        return None


# ---- the denial hint (src/cli/hint.h) ------------------------------------

def _name_ok(s):
    """A user name the policy accepts (policy.c name_ok())."""
    if not 0 < len(s) <= 32 or not (s[0] == "_" or "a" <= s[0] <= "z"):
        return False
    for i, c in enumerate(s[1:], 1):
        if not ("a" <= c <= "z" or "0" <= c <= "9" or c in "_-" or
                (c == "$" and i == len(s) - 1)):
            return False
    return True


def _passwd_find(name=None, uid=None):
    """The first well-formed /etc/passwd line with this name (or else
    uid): (name, uid), or None.  The policy reads only this file (S55)."""
    try:
        fd = os.open("/etc/passwd", os.O_RDONLY | os.O_CLOEXEC |
                     os.O_NOCTTY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        import stat
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
    except OSError:
        return None
    finally:
        os.close(fd)
    for line in b"".join(chunks).split(b"\n"):
        f = line.split(b":")
        if len(f) != 7 or any(len(x) > 32 for x in f[:1] + f[2:4]):
            continue
        try:
            n = f[0].decode("ascii")
            u = _proto.parse_uint(f[2].decode("ascii"), 0, 4294967294)
            _proto.parse_uint(f[3].decode("ascii"), 0, 4294967294)
        except (UnicodeDecodeError, ValueError):
            continue
        if not _name_ok(n):
            continue
        if (n == name) if name is not None else (u == uid):
            return n, u
    return None


def hint_user(uid):
    """USER of the rule: the passwd name if it reads back as this uid."""
    a = _passwd_find(uid=uid)
    if a is not None:
        b = _passwd_find(name=a[0])
        if b is not None and b[1] == uid:
            return a[0]
    return str(uid)


def hint_rule(g):
    """RULE for a request (S50): IPv4-mapped as IPv4, [::] port-only.
    Returns (text, wild)."""
    r = _proto.Grant(g.kind, g.family, g.addr, g.port, g.protocol, g.ifname)
    wild = False
    if r.kind in (_proto.GRANT_TCP, _proto.GRANT_UDP) and \
            r.family == socket.AF_INET6:
        if r.addr == bytes(16):
            r.family, wild = 0, True
        elif r.addr[:12] == bytes(10) + b"\xff\xff":
            r.family, r.addr = socket.AF_INET, r.addr[12:] + bytes(12)
    return _proto.format_grant(r), wild


def hint_denied(what, reason, g, policy):
    """The sentence `porthole run` prints for a denial (hint.h)."""
    if reason in _proto.REASON_NO_POLICY:
        return "%s: %s" % (what, reason)
    rule, wild = hint_rule(g)
    return ("%s: %s; to allow it, add a line such as 'allow user %s %s' to "
            "%s (%sportholed reads it again on 'systemctl reload portholed' "
            "or SIGHUP)" % (what, reason or "denied by the porthole policy",
                            hint_user(os.getuid()), rule, policy,
                            "[::] needs 0.0.0.0 granted too; " if wild
                            else ""))
