# SPDX-License-Identifier: ISC
"""The broker protocol of docs/PROTOCOL.md, encoded and strictly decoded.

Pure functions over bytes, mirroring src/lib/proto.c and src/lib/grant.c:
host byte order ("=" in struct: both ends share a host), fixed sizes
checked exactly (S70, S72), reserved fields zero, strict decimal numbers
(S11), numeric addresses only: no name is ever resolved here.
tests/vectors/requests.txt holds the bytes the C client sends for a set
of requests; test_vectors.py checks these encoders against it.
"""
import errno
import socket
import struct

PROTO_VERSION = 1
MSG_MAX = 256                   # no message is larger (S70)

MSG_BIND = 1
MSG_OPEN = 2
MSG_REPLY = 3
MSG_STATUS = 4
MSG_STATUS_REPLY = 5

GRANT_TCP = 1
GRANT_UDP = 2
GRANT_RAW4 = 3                  # == PH_OPEN_RAW4
GRANT_RAW6 = 4                  # == PH_OPEN_RAW6
GRANT_PACKET = 5                # == PH_OPEN_PACKET

REASON_MAX = 96
REASON_NO_POLICY = (
    "portholed has no valid policy: see `journalctl -u portholed`",
    "porthole-helper has no valid policy: see the system log",
)

# struct ph_hdr, then each message (proto.h); "=": native order, no padding.
_HDR = "IHHII"
BIND = struct.Struct("=" + _HDR + "II16sIHH")               # 48
OPEN = struct.Struct("=" + _HDR + "II16sII")                # 48
REPLY = struct.Struct("=" + _HDR + "iI%ds" % REASON_MAX)    # 120
STATUS = struct.Struct("=" + _HDR + "II")                   # 24
STATUS_REPLY = struct.Struct("=" + _HDR + "II32s128sQQIIQQ")  # 224
assert (BIND.size, OPEN.size, REPLY.size, STATUS.size,
        STATUS_REPLY.size) == (48, 48, 120, 24, 224)


class Grant:
    """One request or rule of the grant grammar (grant.h)."""
    __slots__ = ("kind", "family", "addr", "port", "protocol", "ifname")

    def __init__(self, kind, family=0, addr=bytes(16), port=0, protocol=0,
                 ifname=""):
        self.kind = kind
        self.family = family        # AF_INET, AF_INET6, 0: any address
        self.addr = addr            # 16 bytes, network order
        self.port = port
        self.protocol = protocol
        self.ifname = ifname

    def __repr__(self):
        return "Grant(%r)" % format_grant(self)


def parse_uint(s, lo, hi):
    """Strict decimal (grant.c ph__parse_uint): digits only, no sign, no
    leading zero, at most 10 digits, within [lo, hi]; else ValueError."""
    if (not 0 < len(s) <= 10 or (s[0] == "0" and len(s) > 1) or
            any(c not in "0123456789" for c in s)):
        raise ValueError(s)
    v = int(s)
    if not lo <= v <= hi:
        raise ValueError(s)
    return v


def _parse_addr(s):
    """ADDR: dotted IPv4 or [IPv6], through inet_pton (no resolving)."""
    if s.startswith("["):
        if len(s) < 3 or not s.endswith("]"):
            raise ValueError(s)
        return socket.AF_INET6, socket.inet_pton(socket.AF_INET6, s[1:-1])
    return socket.AF_INET, socket.inet_pton(socket.AF_INET, s) + bytes(12)


def _ifname_ok(s):
    ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
    return (0 < len(s) < 16 and all(c in ok for c in s) and
            s not in (".", ".."))


def parse_grant(s):
    """A single-port grant (no ranges: SPECs and requests), or ValueError."""
    if not isinstance(s, str) or "\0" in s:
        raise ValueError(s)
    for pfx, kind in (("tcp:", GRANT_TCP), ("udp:", GRANT_UDP)):
        if s.startswith(pfx):
            rest = s[4:]
            colon = rest.rfind(":")
            g = Grant(kind)
            if colon >= 0:
                a = rest[:colon]
                # An IPv6 address is bracketed, so its colons end at ']'.
                if (colon == 0 or (a.startswith("[") and not a.endswith("]"))
                        or (not a.startswith("[") and ":" in a)):
                    raise ValueError(s)
                try:
                    g.family, g.addr = _parse_addr(a)
                except OSError:
                    raise ValueError(s) from None
                rest = rest[colon + 1:]
            g.port = parse_uint(rest, 1, 65535)
            return g
    if s == "raw:icmp":
        return Grant(GRANT_RAW4, protocol=socket.IPPROTO_ICMP)
    if s == "raw6:icmpv6":
        return Grant(GRANT_RAW6, protocol=58)
    if s.startswith("raw:"):        # never IPPROTO_RAW, 255 (S46)
        return Grant(GRANT_RAW4, protocol=parse_uint(s[4:], 1, 254))
    if s.startswith("raw6:"):
        return Grant(GRANT_RAW6, protocol=parse_uint(s[5:], 1, 254))
    if s.startswith("packet:") and _ifname_ok(s[7:]):
        return Grant(GRANT_PACKET, ifname=s[7:])
    raise ValueError(s)


def parse_spec(s):
    """A SPEC of `porthole run` (spec.c): a grant, then ",name=NAME"."""
    name = None
    i = s.find(",name=") if isinstance(s, str) else -1
    if i >= 0:
        s, name = s[:i], s[i + 6:]
        ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
        if not 0 < len(name) <= 255 or any(c not in ok for c in name):
            raise ValueError("name= takes 1 to 255 of A-Z a-z 0-9 . _ -")
    try:
        return s, parse_grant(s), name
    except ValueError:
        raise ValueError(
            "'%s': not a SPEC (tcp:PORT, tcp:ADDR:PORT, tcp:[ADDR6]:PORT, "
            "udp:..., raw:icmp, raw6:icmpv6, raw:N, raw6:N, packet:IFNAME)"
            % s) from None


def format_grant(g):
    """The canonical text of a grant (grant.c ph__grant_format)."""
    if g.kind in (GRANT_TCP, GRANT_UDP):
        p = "tcp" if g.kind == GRANT_TCP else "udp"
        if g.family == 0:
            return "%s:%d" % (p, g.port)
        if g.family == socket.AF_INET6:
            return "%s:[%s]:%d" % (p, socket.inet_ntop(g.family, g.addr),
                                   g.port)
        return "%s:%s:%d" % (p, socket.inet_ntop(g.family, g.addr[:4]),
                             g.port)
    if g.kind == GRANT_RAW4:
        return "raw:icmp" if g.protocol == 1 else "raw:%d" % g.protocol
    if g.kind == GRANT_RAW6:
        return "raw6:icmpv6" if g.protocol == 58 else "raw6:%d" % g.protocol
    return "packet:%s" % g.ifname


def encode_bind(req_id, family, addr, port, backlog=0, scope_id=0):
    """struct ph_msg_bind: `addr` is 4 (IPv4) or 16 bytes, network order;
    the port is a plain host-order number (PROTOCOL.md 4.1)."""
    if family == socket.AF_INET:
        if len(addr) != 4 or scope_id != 0:
            raise ValueError("bad IPv4 address")
    elif family != socket.AF_INET6 or len(addr) != 16:
        raise ValueError("bad address family")
    if not 1 <= port <= 65535 or not 0 <= backlog <= 4096:
        raise ValueError("port or backlog out of range")
    return BIND.pack(BIND.size, MSG_BIND, PROTO_VERSION, req_id, 0, family,
                     backlog, addr.ljust(16, b"\0"), scope_id, port, 0)


def encode_open(req_id, g):
    """struct ph_msg_open for a raw or packet grant."""
    if g.kind == GRANT_PACKET:
        ifn, proto = g.ifname.encode("ascii"), 0
    elif g.kind in (GRANT_RAW4, GRANT_RAW6):
        ifn, proto = b"", g.protocol
    else:
        raise ValueError("only raw and packet sockets are opened")
    return OPEN.pack(OPEN.size, MSG_OPEN, PROTO_VERSION, req_id, 0, g.kind,
                     proto, ifn.ljust(16, b"\0"), 0, 0)


def encode_status(req_id):
    return STATUS.pack(STATUS.size, MSG_STATUS, PROTO_VERSION, req_id, 0,
                       0, 0)


def _cstr(field):
    """A fixed text field: NUL-terminated, zeros after the NUL (S73)."""
    k = field.find(b"\0")
    if k < 0 or field[k:].strip(b"\0"):
        raise OSError(errno.EBADMSG, "malformed reply from the broker")
    return field[:k].decode("ascii", "replace")


def decode_reply(buf, req_id):
    """(error, reason) of a reply to request `req_id`, as
    ph__reply_decode() checks it; else OSError(EBADMSG)."""
    if len(buf) != REPLY.size:
        raise OSError(errno.EBADMSG, "malformed reply from the broker")
    ln, typ, ver, rid, res, err, flags, reason = REPLY.unpack(buf)
    k = reason.find(b"\0")
    if (ln != REPLY.size or typ != MSG_REPLY or ver != PROTO_VERSION or
            rid != req_id or res != 0 or flags != 0 or
            not 0 <= err <= 4095 or k < 0):
        raise OSError(errno.EBADMSG, "malformed reply from the broker")
    return err, reason[:k].decode("ascii", "replace")


def decode_status_reply(buf, req_id):
    """The policy path and validity from a status reply, strictly decoded
    (ph__status_reply_decode()); OSError(EBADMSG) otherwise."""
    if len(buf) != STATUS_REPLY.size:
        raise OSError(errno.EBADMSG, "malformed status reply")
    (ln, typ, ver, rid, res, flags, res2, version, policy, _loaded,
     _uptime, _nrules, _conns, _grants, _refusals) = STATUS_REPLY.unpack(buf)
    if (ln != STATUS_REPLY.size or typ != MSG_STATUS_REPLY or
            ver != PROTO_VERSION or rid != req_id or res != 0 or
            res2 != 0 or flags & ~1):
        raise OSError(errno.EBADMSG, "malformed status reply")
    return _cstr(version), _cstr(policy), bool(flags & 1)
