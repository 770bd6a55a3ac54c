# SPDX-License-Identifier: ISC
"""Tests against a real broker, run by tests/root/61-python.sh as a test
user in a private network namespace: PORTHOLE_TEST_EXPECT is "granted"
(the policy grants this user tcp:127.0.0.1:80) or "denied" (it grants
nothing), PORTHOLE_SOCKET / PORTHOLE_HELPER pick the broker, and
PORTHOLE_TEST_POLICY names the policy file.  Skipped otherwise."""
import errno
import http.server
import os
import pwd
import socket
import threading
import unittest
import urllib.request

import porthole

EXPECT = os.environ.get("PORTHOLE_TEST_EXPECT")
ADDR = ("127.0.0.1", 80)


def tcp():
    """A TCP socket that may bind over TIME_WAIT, as servers do (S48
    allows SO_REUSEADDR on TCP): the cases connect to port 80."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s


def nfds():
    return len(os.listdir("/proc/self/fd"))


def daemon_reachable():
    try:
        porthole.Broker().close()
        return True
    except OSError:
        return False


@unittest.skipUnless(EXPECT, "needs a broker (tests/root/61-python.sh)")
class BrokerCase(unittest.TestCase):
    def setUp(self):
        if os.geteuid() == 0:
            self.skipTest("root binds port 80 itself")
        self._fds = nfds()

    def tearDown(self):
        self.assertEqual(nfds(), self._fds, "an fd was left open")


class TestGranted(BrokerCase):
    def setUp(self):
        super().setUp()
        if EXPECT != "granted":
            self.skipTest("this user is denied")

    def test_bind_port_80_listening(self):
        with tcp() as s:
            porthole.bind(s, ADDR)
            self.assertEqual(s.getsockname(), ADDR)
            self.assertEqual(s.getsockopt(socket.SOL_SOCKET,
                                          socket.SO_ACCEPTCONN), 1)
            with socket.create_connection(ADDR, timeout=5) as c:
                conn, _ = s.accept()
                with conn:
                    c.sendall(b"x")
                    self.assertEqual(conn.recv(1), b"x")

    def test_bind_in_use(self):
        with tcp() as a, tcp() as b:
            porthole.bind(a, ADDR)
            with self.assertRaises(OSError) as c:
                porthole.bind(b, ADDR)
            self.assertEqual(c.exception.errno, errno.EADDRINUSE)

    def test_bad_socket_einval(self):
        with tcp() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            with self.assertRaises(OSError) as c:
                porthole.bind(s, ADDR)
            self.assertEqual(c.exception.errno, errno.EINVAL)
            self.assertIn("SO_REUSEPORT", str(c.exception))

    def test_open_spec(self):
        with porthole.open("tcp:127.0.0.1:80") as s:
            self.assertEqual(s.getsockname(), ADDR)
            self.assertEqual(s.getsockopt(socket.SOL_SOCKET,
                                          socket.SO_ACCEPTCONN), 1)
            self.assertFalse(s.get_inheritable())

    def test_kept_connection(self):
        if not daemon_reachable():
            self.skipTest("a kept connection needs portholed")
        with porthole.Broker() as b:
            for _ in range(3):
                with tcp() as s:
                    b.bind(s, ADDR)
                    self.assertEqual(s.getsockname(), ADDR)
            with b.open("tcp:127.0.0.1:80") as s:
                self.assertEqual(s.getsockname(), ADDR)

    def test_http_server_on_port_80(self):
        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                body = b"hello from port 80\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        srv = http.server.HTTPServer(ADDR, Handler, bind_and_activate=False)
        try:
            srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            porthole.bind(srv.socket, ADDR)
            srv.server_activate()
            t = threading.Thread(target=srv.handle_request)
            t.start()
            with urllib.request.urlopen("http://127.0.0.1:80/",
                                        timeout=5) as r:
                self.assertEqual(r.read(), b"hello from port 80\n")
            t.join(5)
        finally:
            srv.server_close()


class TestDenied(BrokerCase):
    def setUp(self):
        super().setUp()
        if EXPECT != "denied":
            self.skipTest("this user is granted")

    def test_bind_denied_names_the_rule(self):
        me = pwd.getpwuid(os.getuid()).pw_name
        with tcp() as s:
            with self.assertRaises(PermissionError) as c:
                porthole.bind(s, ADDR)
            self.assertEqual(c.exception.errno, errno.EACCES)
            msg = c.exception.strerror
            self.assertIn("bind tcp:127.0.0.1:80: denied by the porthole "
                          "policy; to allow it, add a line such as 'allow "
                          "user %s tcp:127.0.0.1:80' to " % me, msg)
            if daemon_reachable():
                self.assertIn(" to %s (portholed reads it again"
                              % os.environ["PORTHOLE_TEST_POLICY"], msg)
            self.assertEqual(s.getsockname(), ("0.0.0.0", 0))  # untouched

    def test_open_denied_wildcard(self):
        with self.assertRaises(PermissionError) as c:
            porthole.open("tcp:80")
        self.assertIn("'allow user %s tcp:80'"
                      % pwd.getpwuid(os.getuid()).pw_name, str(c.exception))
        with self.assertRaises(PermissionError):
            porthole.open("raw:icmp")


if __name__ == "__main__":
    unittest.main()
