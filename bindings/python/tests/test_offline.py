# SPDX-License-Identifier: ISC
"""Tests that need no broker: the encoders against the golden vectors,
the strict decoders, the receive path's fd hygiene, mkpath, listen_fds
and peer.  Every case counts /proc/self/fd before and after."""
import array
import errno
import os
import socket
import stat
import subprocess
import sys
import tempfile
import unittest

import porthole
from porthole import _broker, _proto

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("PORTHOLE_VECTORS") or os.path.join(
    HERE, "..", "..", "..", "tests", "vectors", "requests.txt")


def nfds():
    return len(os.listdir("/proc/self/fd"))


class FdCase(unittest.TestCase):
    def setUp(self):
        self._fds = nfds()

    def tearDown(self):
        self.assertEqual(nfds(), self._fds, "an fd was left open")


class TestVectors(FdCase):
    def lines(self):
        with open(VECTORS) as f:
            return [ln.split() for ln in f
                    if ln.strip() and not ln.startswith("#")]

    def test_vectors_python_encoder(self):
        lines = self.lines()
        self.assertGreaterEqual(len(lines), 10)
        for rid, f in enumerate(lines, 1):
            if f[0] == "bind":
                fam = socket.AF_INET if f[1] == "4" else socket.AF_INET6
                b = _proto.encode_bind(rid, fam, socket.inet_pton(fam, f[2]),
                                       int(f[3]), int(f[4]), int(f[5]))
            else:
                b = _proto.encode_open(rid, _proto.parse_grant(f[1]))
            self.assertEqual(b.hex(), f[-1], " ".join(f[:-1]))

    def test_vectors_c_encoder(self):
        prog = os.environ.get("PH_VECTORS")
        if not prog:
            self.skipTest("PH_VECTORS (tests/helpers/ph-vectors) not given")
        out = subprocess.run([prog, VECTORS], stdout=subprocess.PIPE,
                             check=True).stdout
        with open(VECTORS, "rb") as f:
            self.assertEqual(out, f.read())


def reply(rid=1, err=0, reason=b"granted", **kw):
    v = dict(len=120, type=3, version=1, reserved=0, flags=0)
    v.update(kw)
    return _proto.REPLY.pack(v["len"], v["type"], v["version"], rid,
                             v["reserved"], err, v["flags"],
                             reason.ljust(96, b"\0"))


class TestDecode(FdCase):
    def test_reply_ok(self):
        self.assertEqual(_proto.decode_reply(reply(7, 13, b"denied"), 7),
                         (13, "denied"))

    def test_reply_refused(self):
        bad = [reply()[:-1], reply() + b"\0", reply(2), reply(len=119),
               reply(type=5), reply(version=2), reply(reserved=1),
               reply(flags=1), reply(err=4096), reply(err=-1),
               reply(reason=b"x" * 96)]
        for b in bad:
            with self.assertRaises(OSError) as c:
                _proto.decode_reply(b, 1)
            self.assertEqual(c.exception.errno, errno.EBADMSG)

    def test_grant_strict(self):
        for s in ("tcp:080", "tcp:0", "tcp:65536", "tcp:+80", "tcp: 80",
                  "tcp:80-81", "raw:255", "raw:0", "packet:", "packet:.",
                  "packet:abcdefghijklmnop", "tcp:::1:80", "tcp:[::1]80",
                  "tcp:1.2.3:80", "udp:localhost:53", "tcp:01.2.3.4:80"):
            with self.assertRaises(ValueError, msg=s):
                _proto.parse_grant(s)
        g = _proto.parse_grant("tcp:[::ffff:127.0.0.1]:80")
        self.assertEqual(_broker.hint_rule(g), ("tcp:127.0.0.1:80", False))
        self.assertEqual(_broker.hint_rule(_proto.parse_grant("tcp:[::]:80")),
                         ("tcp:80", True))
        with self.assertRaises(ValueError):
            porthole.open("tcp:80,name=a:b")


class TestReceive(FdCase):
    """The receive path closes whatever it refuses (S39-S41)."""

    def pair(self):
        return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)

    def check_too_many_fds(self, msg, nsend, want):
        """msg sent with the first nsend ends of a pipe, received by a
        recv_reply() that takes `want` fds: EMSGSIZE, and every fd that
        came is closed."""
        a, b = self.pair()
        r, w = os.pipe()
        with a, b:
            socket.send_fds(b, [msg], [r, w][:nsend])
            os.close(r)
            os.close(w)
            base = nfds()
            with self.assertRaises(OSError) as c:
                _broker.recv_reply(a, want)
            self.assertEqual(c.exception.errno, errno.EMSGSIZE)
            self.assertEqual(nfds(), base)

    def test_extra_fd_closed(self):
        self.check_too_many_fds(reply(), 2, 1)

    def test_bind_reply_with_fd(self):
        self.check_too_many_fds(reply(1), 1, 0)

    def test_credentials_refused(self):
        a, b = self.pair()
        with a, b:
            a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            b.send(reply())
            with self.assertRaises(OSError) as c:
                _broker.recv_reply(a, 1)
            self.assertEqual(c.exception.errno, errno.EBADMSG)

    def test_eof_and_timeout(self):
        a, b = self.pair()
        with a:
            b.close()
            with self.assertRaises(OSError) as c:
                _broker.recv_reply(a, 0)
            self.assertEqual(c.exception.errno, errno.ECONNRESET)

    def test_open_reply_without_fd_is_eproto(self):
        a, b = self.pair()
        with a, b:
            b.send(reply(6))       # queued before the request is sent
            err, reason, fd = _broker.transact(a, _proto.encode_status(6), 6,
                                               None, 1)
            self.assertEqual((err, fd), (errno.EPROTO, None))
            b.recv(100)


class TestNoBroker(FdCase):
    def setUp(self):
        super().setUp()
        self.env = dict(os.environ)
        os.environ["PORTHOLE_SOCKET"] = "/nonexistent/porthole.sock"
        os.environ["PORTHOLE_HELPER"] = "/nonexistent/porthole-helper"

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.env)
        super().tearDown()

    def test_open_raw_without_broker(self):
        if os.geteuid() == 0:
            self.skipTest("root may open raw sockets itself")
        with self.assertRaises(PermissionError) as c:
            porthole.open("raw:icmp")
        self.assertIn("needs privilege, and neither portholed "
                      "(/nonexistent/porthole.sock) nor porthole-helper "
                      "(/nonexistent/porthole-helper) is available",
                      str(c.exception))

    def test_not_root_daemon_is_eperm(self):
        if os.geteuid() == 0:
            self.skipTest("needs a uid other than root's")
        d = tempfile.mkdtemp()
        path = os.path.join(d, "s")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            srv.bind(path)
            srv.listen(1)
            os.environ["PORTHOLE_SOCKET"] = path
            with self.assertRaises(PermissionError) as c:
                porthole.Broker()
            self.assertEqual(c.exception.errno, errno.EPERM)
            s = socket.socket()
            with s, self.assertRaises(OSError) as c:
                porthole._broker_bind(None, s, ("127.0.0.1", 80), 0, 0)
            self.assertEqual(c.exception.errno, errno.EPERM)  # no fallback
        finally:
            srv.close()
            os.unlink(path)
            os.rmdir(d)


class TestMkpath(FdCase):
    def test_private_dir(self):
        with tempfile.TemporaryDirectory() as base:
            os.chmod(base, 0o700)
            old = os.umask(0o777)
            try:
                p = porthole.mkpath("app.sock", base=base)
            finally:
                os.umask(old)
            d = os.path.dirname(p)
            self.assertEqual(os.path.basename(p), "app.sock")
            self.assertFalse(os.path.exists(p))
            st = os.lstat(d)
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)
            self.assertEqual(st.st_uid, os.geteuid())
            self.assertRegex(os.path.basename(d), r"^porthole-[0-9a-f]{16}$")
            self.assertNotEqual(porthole.mkpath(base=base), p)

    def test_too_long_refused_nothing_made(self):
        with tempfile.TemporaryDirectory() as base:
            deep = os.path.join(base, "x" * 50)
            os.mkdir(deep, 0o700)
            with self.assertRaises(OSError) as c:
                porthole.mkpath("s" * 40, base=deep)
            self.assertEqual(c.exception.errno, errno.ENAMETOOLONG)
            with self.assertRaises(OSError) as c:
                porthole.mkpath("s" * 10, portable=True, base=deep)
            self.assertEqual(c.exception.errno, errno.ENAMETOOLONG)
            self.assertTrue(porthole.mkpath("s" * 10, base=deep))
            self.assertEqual(len(os.listdir(deep)), 1)
            os.rmdir(os.path.join(deep, os.listdir(deep)[0]))
            self.assertEqual(os.listdir(deep), [])

    def test_unsafe_base_refused(self):
        with tempfile.TemporaryDirectory() as base:
            os.chmod(base, 0o777)           # writable by all, not sticky
            with self.assertRaises(OSError) as c:
                porthole.mkpath(base=base)
            self.assertEqual(c.exception.errno, errno.EACCES)
            link = base + ".lnk"
            os.symlink(base, link)
            try:
                with self.assertRaises(OSError) as c:
                    porthole.mkpath(base=link)
                self.assertEqual(c.exception.errno, errno.ELOOP)
            finally:
                os.unlink(link)
            self.assertEqual(os.listdir(base), [])

    def test_bad_name(self):
        for n in ("", "a/b", ".", ".."):
            with self.assertRaises(ValueError):
                porthole.mkpath(n)


LISTEN_CHILD = r"""
import os, socket, sys
sys.path.insert(0, %r)
import porthole
x, y = os.dup(int(sys.argv[1])), os.dup(int(sys.argv[2]))
os.close(int(sys.argv[1])); os.close(int(sys.argv[2]))
os.dup2(x, 3); os.dup2(y, 4); os.close(x); os.close(y)
os.environ.update(LISTEN_FDS="2", LISTEN_FDNAMES="web:dns",
                  LISTEN_PID=sys.argv[3] or str(os.getpid()))
got = porthole.listen_fds()
print([(n, s.fileno(), s.type == socket.SOCK_STREAM,
        os.get_inheritable(s.fileno())) for n, s in got],
      [v in os.environ for v in ("LISTEN_FDS", "LISTEN_PID",
                                 "LISTEN_FDNAMES")])
"""


class TestListenFds(FdCase):
    def run_child(self, pid=""):
        pkg = os.path.dirname(os.path.dirname(porthole.__file__))
        t = socket.socket()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with t, u:
            return subprocess.run(
                [sys.executable, "-c", LISTEN_CHILD % pkg, str(t.fileno()),
                 str(u.fileno()), pid], pass_fds=[t.fileno(), u.fileno()],
                stdout=subprocess.PIPE, check=True,
                universal_newlines=True).stdout.strip()

    def test_ours(self):
        self.assertEqual(self.run_child(),
                         "[('web', 3, True, False), ('dns', 4, False, False)]"
                         " [False, False, False]")

    def test_other_pid(self):
        self.assertEqual(self.run_child("1"), "[] [False, False, False]")

    def test_nothing(self):
        self.assertEqual(porthole.listen_fds(unset_environment=False)
                         if "LISTEN_PID" not in os.environ else [], [])


class TestPeer(FdCase):
    def test_socketpair(self):
        a, b = socket.socketpair()
        with a, b:
            p = porthole.peer(a)
        self.assertEqual((p.uid, p.gid, p.pid),
                         (os.geteuid(), os.getegid(), os.getpid()))
        self.assertEqual(set(p.groups), set(os.getgroups()))


if __name__ == "__main__":
    unittest.main()
