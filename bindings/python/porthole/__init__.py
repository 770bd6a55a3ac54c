# SPDX-License-Identifier: ISC
"""porthole: privileged sockets without root, and safe Unix socket paths.

Pure Python (standard library only, Python >= 3.9).  It speaks the
porthole broker protocol (docs/PROTOCOL.md) itself, as libporthole's
src/lib/broker.c does: portholed first, which must be root (S28), then
porthole-helper when no daemon is there.

    bind(sock, address)   sock.bind(), through the broker on EACCES
    open(spec)            a socket for a `porthole run` SPEC
    Broker()              a kept connection to portholed: .bind(), .open()
    listen_fds()          sockets from `porthole run` or systemd
    mkpath(name)          a fresh private directory and a socket path in it
    peer(conn)            uid, gid, pid and groups of a Unix socket's peer

Errors are OSError subclasses (PermissionError for EACCES) carrying the
sentence the porthole command prints.  No call leaves an fd or a
connection to the daemon behind, except the sockets it returns and the
connection a Broker holds until it is closed.
"""
import collections
import errno
import os
import secrets
import socket
import stat
import struct

from . import _broker, _proto
from ._broker import DAEMON, HELPER   # noqa: F401  (flags, as in porthole.h)

__all__ = ["bind", "open", "Broker", "listen_fds", "mkpath", "peer", "Peer",
           "SOCKET_PATH", "HELPER_PATH", "POLICY_PATH", "DAEMON", "HELPER"]
__version__ = "0.1.0"

# Where a default build installs them; PORTHOLE_SOCKET and PORTHOLE_HELPER
# (absolute paths) override the first two, as for libporthole.  The policy
# path only names the file to edit in a denial's message; after a denial
# the daemon is asked which file it reads.
SOCKET_PATH = _broker.SOCKET_PATH
HELPER_PATH = _broker.HELPER_PATH
POLICY_PATH = _broker.POLICY_PATH

_open = open                    # the builtin, before open() below hides it


def _request(sock, address):
    """The numeric address of a bind() on `sock` as the kernel took it:
    (family, 16-byte address, port, scope_id)."""
    fam = sock.family
    if fam not in (socket.AF_INET, socket.AF_INET6):
        raise OSError(errno.EINVAL, "only AF_INET and AF_INET6 sockets are "
                      "bound by the porthole broker")
    host, port = address[0], address[1]
    scope = address[3] if fam == socket.AF_INET6 and len(address) > 3 else 0
    if host == "":
        packed = bytes(16)
    elif fam == socket.AF_INET and host == "<broadcast>":
        packed = b"\xff" * 4
    else:
        try:
            packed = socket.inet_pton(fam, host)
        except (OSError, TypeError):
            # As sock.bind() itself did: getaddrinfo() (scopes, names).
            sa = socket.getaddrinfo(host, port, fam)[0][4]
            packed = socket.inet_pton(fam, sa[0].partition("%")[0])
            if fam == socket.AF_INET6 and sa[3]:
                scope = sa[3]
    return fam, packed.ljust(16, b"\0"), port, scope


def _grant_of(sock, fam, addr, port):
    kind = _proto.GRANT_TCP if sock.type == socket.SOCK_STREAM \
        else _proto.GRANT_UDP
    return _proto.Grant(kind, fam, addr, port)


def _no_broker(what, conn_err):
    """The words of `porthole run` when no broker answered."""
    if conn_err == errno.EACCES:
        return PermissionError(errno.EACCES, "%s: needs privilege, and "
                               "portholed at %s cannot be reached"
                               % (what, _broker.daemon_path()))
    return PermissionError(errno.EACCES, "%s: needs privilege, and neither "
                           "portholed (%s) nor porthole-helper (%s) is "
                           "available" % (what, _broker.daemon_path(),
                                          _broker.helper_path()))


def _refused(err, reason, what, g):
    """The OSError for a broker's refusal: a denial names the rule to add
    and the policy file (hint.h); other errors are bind()'s own."""
    if err == errno.EACCES and reason:
        policy = _broker.daemon_policy_path() or POLICY_PATH
        e = OSError(err, _broker.hint_denied(what, reason, g, policy))
    elif reason and reason not in ("bind failed", "listen failed"):
        e = OSError(err, "%s: %s (%s)" % (what, os.strerror(err), reason))
    else:
        e = OSError(err, "%s: %s" % (what, os.strerror(err)))
    e.reason = reason
    return e


def _ask(conn, flags, req, rid, sendfd, nfds, what, g):
    """Send request `req` (id `rid`, with `sendfd` if not None) to the
    broker, on `conn` or a new connection (conn None), and return the fd
    the reply carries (with nfds 1).  Raises what _no_broker() says when
    there is no broker to ask, OSError "what: ..." for another error, and
    _refused() for a refusal of grant g."""
    try:
        err, reason, fd = _broker.ask(conn, flags, req, rid, sendfd, nfds)
    except OSError as e:
        if conn is None and e.errno in (errno.ENOENT, errno.ECONNREFUSED,
                                        errno.EACCES):
            raise _no_broker(what, e.errno) from None
        raise OSError(e.errno, "%s: %s" % (what, e.strerror)) from None
    if err:
        raise _refused(err, reason, what, g)
    return fd


def _broker_bind(conn, sock, address, backlog, flags, what=None, g=None):
    if not 0 <= backlog <= 4096:
        raise ValueError("backlog takes 0 (4096) to 4096")
    fam, addr, port, scope = _request(sock, address)
    if not 1 <= port <= 65535:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    if g is None:
        g = _grant_of(sock, fam, addr, port)
        what = "bind " + _proto.format_grant(g)
    rid = _broker.next_id()
    req = _proto.encode_bind(rid, fam, addr[:4] if fam == socket.AF_INET
                             else addr, port, backlog, scope)
    _ask(conn, flags, req, rid, sock.fileno(), 0, what, g)


def bind(sock, address):
    """sock.bind(address); where the kernel says EACCES on an AF_INET or
    AF_INET6 socket, the porthole broker binds `sock` in place (TCP comes
    back listening, backlog 4096), as ph_bind() does.  Raises
    PermissionError (EACCES) naming the rule to add when the policy
    denies, OSError EADDRINUSE when the address is in use, and whatever
    else bind() would."""
    try:
        sock.bind(address)
        return
    except PermissionError as e:
        if e.errno != errno.EACCES or sock.family not in (socket.AF_INET,
                                                          socket.AF_INET6):
            raise
    _broker_bind(None, sock, address, 0, 0)


def _fd_matches(s, g):
    """Is the returned socket what was asked for (S28)?"""
    if s.type != socket.SOCK_RAW:
        return False
    if g.kind == _proto.GRANT_RAW4:
        return s.family == socket.AF_INET and s.proto == g.protocol
    if g.kind == _proto.GRANT_RAW6:
        return s.family == socket.AF_INET6 and s.proto == g.protocol
    return s.family == socket.AF_PACKET


def _broker_open(conn, text, g, flags):
    rid = _broker.next_id()
    req = _proto.encode_open(rid, g)
    fd = _ask(conn, flags, req, rid, None, 1, text, g)
    try:
        s = socket.socket(fileno=fd)
    except OSError:
        os.close(fd)
        raise OSError(errno.EPROTO, "%s: the broker sent something else "
                      "than the socket asked for" % text) from None
    if not _fd_matches(s, g):
        s.close()
        raise OSError(errno.EPROTO, "%s: the broker sent something else "
                      "than the socket asked for" % text)
    return s


def _open_inet(conn, text, g, backlog, flags):
    """`porthole run`'s open_inet(): no address means IPv6 any with
    IPV6_V6ONLY off (both families), or IPv4 any without IPv6; an IPv6
    address, [::] included, is that family only."""
    typ = socket.SOCK_STREAM if g.kind == _proto.GRANT_TCP \
        else socket.SOCK_DGRAM
    s = None
    if g.family in (socket.AF_INET6, 0):
        try:
            s = socket.socket(socket.AF_INET6, typ)
        except OSError:
            if g.family == socket.AF_INET6:
                raise
    try:
        if s is not None:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                         int(g.family == socket.AF_INET6))
            addr = (socket.inet_ntop(socket.AF_INET6, g.addr), g.port)
        else:
            s = socket.socket(socket.AF_INET, typ)
            addr = (socket.inet_ntop(socket.AF_INET, g.addr[:4]), g.port)
        # TCP servers restart over TIME_WAIT; not shared (S48).
        if typ == socket.SOCK_STREAM:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            if conn is not None:
                raise PermissionError(errno.EACCES, "")
            s.bind(addr)
            if typ == socket.SOCK_STREAM:
                s.listen(backlog)
        except PermissionError as e:
            if e.errno != errno.EACCES:
                raise
            _broker_bind(conn, s, addr, backlog, flags, text, g)
        return s
    except BaseException:
        if s is not None:
            s.close()
        raise


def _open(conn, spec, backlog, flags):
    text, g, _name = _proto.parse_spec(spec)
    if g.kind in (_proto.GRANT_TCP, _proto.GRANT_UDP):
        return _open_inet(conn, text, g, backlog, flags)
    if g.kind != _proto.GRANT_PACKET and conn is None:
        try:
            return socket.socket(socket.AF_INET if g.kind ==
                                 _proto.GRANT_RAW4 else socket.AF_INET6,
                                 socket.SOCK_RAW, g.protocol)
        except PermissionError:
            pass
    return _broker_open(conn, text, g, flags)


def open(spec, backlog=4096):  # noqa: A001  (porthole.open, as the issue names it)
    """A socket.socket for a SPEC as `porthole run` takes it: "tcp:80",
    "udp:127.0.0.1:53", "tcp:[::1]:443", "raw:icmp", "raw6:icmpv6",
    "raw:N", "packet:eth0" (",name=..." is accepted and ignored).  Made
    here when we may, else by the broker; TCP comes back listening."""
    return _open(None, spec, backlog, 0)


class Broker:
    """A kept connection to portholed (ph_broker_connect()): the daemon
    must be root.  .bind() and .open() ask it directly (ph_broker_bind(),
    ph_broker_open()), without trying the system call first.  Use it as
    a context manager, or close() it."""

    def __init__(self):
        self._conn = _broker.connect_daemon()

    def fileno(self):
        return self._conn.fileno()

    def bind(self, sock, address, backlog=0):
        """Have the daemon bind `sock` (TCP: and listen, 0 = 4096)."""
        _broker_bind(self._conn, sock, address, backlog, 0)

    def open(self, spec, backlog=4096):
        """open(spec) through this connection."""
        return _open(self._conn, spec, backlog, 0)

    def close(self):
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- socket activation -------------------------------------------------

_SD_LISTEN_FDS_START = 3


def listen_fds(unset_environment=True):
    """The sockets handed over by `porthole run` or systemd, as [(name,
    socket.socket)], as sd_listen_fds_with_names() takes them: only when
    LISTEN_PID is our pid; the fds become close-on-exec, and with
    `unset_environment` the three variables are removed whatever the
    outcome.  [] when nothing was passed to us.  Each fd is taken over
    by its socket object: call it once."""
    env = os.environ
    try:
        pid_s = env.get("LISTEN_PID")
        if pid_s is None:
            return []
        try:
            pid = _proto.parse_uint(pid_s, 1, 4194304)
        except ValueError:
            raise OSError(errno.EINVAL, "LISTEN_PID is not a pid") from None
        if pid != os.getpid():
            return []
        try:
            n = _proto.parse_uint(env.get("LISTEN_FDS", ""), 0, 4096)
        except ValueError:
            raise OSError(errno.EINVAL, "LISTEN_FDS is not a count") from None
        names_s = env.get("LISTEN_FDNAMES")
        names = names_s.split(":") if names_s is not None else \
            ["unknown"] * n
        if len(names) != n:
            raise OSError(errno.EINVAL, "LISTEN_FDNAMES does not name "
                          "LISTEN_FDS fds")
        fds = range(_SD_LISTEN_FDS_START, _SD_LISTEN_FDS_START + n)
        for fd in fds:          # all there, before any is taken over
            os.fstat(fd)
        out = []
        for name, fd in zip(names, fds):
            os.set_inheritable(fd, False)
            out.append((name, socket.socket(fileno=fd)))
        return out
    finally:
        if unset_environment:
            for v in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
                env.pop(v, None)


# ---- private socket directories --------------------------------------------

_SOCKPATH_MAX = 107             # sun_path less its NUL
_SOCKPATH_PORTABLE_MAX = 91     # BSD and macOS


def _dir_check(st, private):
    """ph__dir_check_stat(): a directory owned by us or root, not
    writable by others unless sticky; `private`: ours, mode 0700."""
    if stat.S_ISLNK(st.st_mode):
        return errno.ELOOP
    if not stat.S_ISDIR(st.st_mode):
        return errno.ENOTDIR
    if private:
        if st.st_uid != os.geteuid():
            return errno.EPERM
        return 0 if stat.S_IMODE(st.st_mode) == 0o700 else errno.EACCES
    if st.st_uid not in (0, os.geteuid()):
        return errno.EPERM
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and \
            not st.st_mode & stat.S_ISVTX:
        return errno.EACCES
    return 0


def _open_dir(path):
    """An O_PATH fd of `path`, whose last component is a real directory."""
    fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if not stat.S_ISDIR(st.st_mode):
        os.close(fd)
        e = errno.ELOOP if stat.S_ISLNK(st.st_mode) else errno.ENOTDIR
        raise OSError(e, os.strerror(e), path)
    return fd, st


def _join(a, b):
    a = a.rstrip("/") or "/"
    return ("" if a == "/" else a) + "/" + b


def mkpath(name=None, portable=False, base=None):
    """A fresh directory of mode 0700 with an unguessable name, and the
    path of a socket `name` (default "sock") in it that does not exist
    yet, as `porthole mkpath` makes it: under `base`, else
    $XDG_RUNTIME_DIR (ours, 0700), else $TMPDIR, else /tmp (owned by us
    or root, not writable by others unless sticky), each checked through
    its fd.  A path over 107 bytes (91 with `portable`) is refused with
    ENAMETOOLONG before anything is made, never truncated.  Remove it
    with shutil.rmtree(os.path.dirname(path))."""
    if name is None:
        name = "sock"
    if not name or "/" in name or name in (".", ".."):
        raise ValueError("name '%s' must be a plain file name, without '/'"
                         % name)
    if base is not None:
        if base == "":
            raise ValueError("base needs a directory")
        bfd, st = _open_dir(base)
        e = _dir_check(st, False)
        if e:
            os.close(bfd)
            raise OSError(e, "refusing an unsafe base directory; use one "
                          "that only you or root can write (mode 0700 or "
                          "sticky)", base)
    else:
        bfd = None
        ids = os.getuid() == os.geteuid() and os.getgid() == os.getegid()
        for cand, private in ((os.environ.get("XDG_RUNTIME_DIR") if ids
                               else None, True),
                              (os.environ.get("TMPDIR") if ids else None,
                               False), ("/tmp", False)):
            if not cand or not cand.startswith("/"):
                continue        # relative values are ignored (XDG)
            try:
                fd, st = _open_dir(cand)
            except OSError:
                continue
            if _dir_check(st, private) == 0:
                bfd, base = fd, cand
                break
            os.close(fd)
        if bfd is None:
            raise OSError(errno.ENOENT, "no safe base directory; give one "
                          "with base=")
    try:
        limit = _SOCKPATH_PORTABLE_MAX if portable else _SOCKPATH_MAX
        for _ in range(8):
            dname = "porthole-" + secrets.token_hex(8)
            path = _join(_join(base, dname), name)
            if len(os.fsencode(path)) > limit:     # S26: refuse first
                raise OSError(errno.ENAMETOOLONG, "the socket path would "
                              "not fit sun_path (%d bytes at most%s); choose "
                              "a shorter base or name" % (
                                  limit, " with portable" if portable
                                  else ""), path)
            try:
                os.mkdir(dname, 0o700, dir_fd=bfd)
            except FileExistsError:
                continue
            try:
                os.chmod(dname, 0o700, dir_fd=bfd)   # whatever the umask
                dfd = os.open(dname, os.O_RDONLY | os.O_DIRECTORY |
                              os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=bfd)
                try:
                    st = os.fstat(dfd)
                finally:
                    os.close(dfd)
                if not stat.S_ISDIR(st.st_mode) or \
                        st.st_uid != os.geteuid() or \
                        stat.S_IMODE(st.st_mode) != 0o700:
                    raise OSError(errno.EPERM, "the new directory is not "
                                  "ours with mode 0700", _join(base, dname))
            except BaseException:
                os.rmdir(dname, dir_fd=bfd)
                raise
            return path
        raise OSError(errno.EEXIST, os.strerror(errno.EEXIST), base)
    finally:
        os.close(bfd)


# ---- peers -----------------------------------------------------------------

Peer = collections.namedtuple("Peer", "uid gid pid groups")


def peer(conn):
    """uid, gid, pid (0: in another pid namespace) and supplementary
    groups of the peer of a connected AF_UNIX socket, as the kernel
    captured them at connect() (SO_PEERCRED, SO_PEERGROUPS)."""
    pid, uid, gid = struct.unpack(
        "iII", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    size = 64 * 4
    while True:
        try:
            raw = conn.getsockopt(socket.SOL_SOCKET, _broker.SO_PEERGROUPS,
                                  size)
            break
        except OSError as e:
            if e.errno != errno.ERANGE or size >= 65536 * 4:
                raise
            size *= 4
    groups = struct.unpack("%dI" % (len(raw) // 4), raw[:len(raw) // 4 * 4])
    return Peer(uid, gid, pid, tuple(groups))
