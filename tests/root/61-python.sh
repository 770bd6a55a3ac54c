# SPDX-License-Identifier: ISC
# 61-python.sh - the Python binding (bindings/python, issue 12) against
# real brokers (root only, in a fresh network namespace): installed into a
# venv exactly as a user would (pip --no-index --no-build-isolation, with
# Debian's python3, offline), its unittest suite run as alice (granted
# tcp:127.0.0.1:80) and bob (granted nothing) through portholed and each
# helper, the golden request vectors against the C client, an HTTP server
# of alice's on port 80 through porthole.bind() fetched with curl, bob's
# denial in the same words as `porthole run`, and no fd, connection or
# child left behind.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null || echo /nonexistent)
if [ "$(id -u)" = 0 ] && ! "$PY" -c 'import venv, ensurepip' 2>/dev/null
then
	echo "1..0 # SKIP $PY has no venv/ensurepip (Debian: python3-venv; tests/setup.sh installs it)"
	exit 77
fi
. "$TOP/tests/root/broker-lib.sh"

# --- install, as a user would (into $T, readable by the test users) ------
# From a copy: a build must not write into the source tree.
mkdir -p "$T/pysrc" "$T/pytests"
cp -R "$TOP/bindings/python/." "$T/pysrc/"
rm -rf "$T/pysrc/build" "$T/pysrc"/*.egg-info
ok "python3 -m venv V && V/bin/pip install --no-index --no-build-isolation bindings/python" \
    sh -c "'$PY' -m venv '$T/venv' && '$T/venv/bin/pip' install -q --no-index --no-build-isolation '$T/pysrc'"
# The tests run from elsewhere, so `import porthole` is the installed one.
cp -R "$TOP/bindings/python/tests" "$T/pytests/tests"
cp "$TOP/tests/vectors/requests.txt" "$T/pytests/requests.txt"
chmod -R a+rX "$T/venv" "$T/pytests"
VPY=$T/venv/bin/python
is "import porthole finds the installed package" \
    "$(cd / && as alice "$VPY" -c 'import porthole; print(porthole.__file__)')" \
    "$($VPY -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/porthole/__init__.py"

# --- golden vectors: the C client still sends what the file says ---------
if make -s -C "$TOP" BUILD="$T/build" "$T/build/tests/ph-vectors" \
    >"$T/vec.log" 2>&1; then
	cp "$T/build/tests/ph-vectors" "$T/ph-vectors"
	ok "tests/vectors/requests.txt is what the C client sends (ph-vectors)" \
	    sh -c "'$T/ph-vectors' '$T/pytests/requests.txt' | cmp - '$T/pytests/requests.txt'"
else
	sed 's/^/#   /' "$T/vec.log"
	_result 1 "build tests/helpers/ph-vectors"
fi

write_policy <<EOF2
# 61-python.sh
allow user alice tcp:127.0.0.1:80
EOF2
ok "portholed starts" start_daemon
chmod 0755 "$T/run/porthole"

# unittests MODE USER EXPECT: the whole suite as USER through MODE.
unittests() {
	with_mode "$1" "$2" env PORTHOLE_TEST_EXPECT="$3" \
	    PORTHOLE_TEST_POLICY="$POLICY" PH_VECTORS="$T/ph-vectors" \
	    PORTHOLE_VECTORS="$T/pytests/requests.txt" \
	    PYTHONDONTWRITEBYTECODE=1 sh -c \
	    "cd '$T/pytests' && exec '$VPY' -m unittest -v" >"$T/ut.out" 2>&1
	_rc=$?
	[ $_rc = 0 ] || sed 's/^/#   /' "$T/ut.out" | tail -n 40
	_result $_rc "$1: python3 -m unittest as $2 ($3): $(grep -E '^(OK|FAILED)' "$T/ut.out")"
}
py_suite() {	# mode
	unittests "$1" alice granted
	# The cases that matter ran rather than skipped.
	matches "$1: alice's HTTP server on port 80 and the golden vectors ran" \
	    "$(grep -cE '^test_(http_server_on_port_80|bind_port_80_listening|vectors_c_encoder|vectors_python_encoder) .* ok$' "$T/ut.out")" '^4$'
	unittests "$1" bob denied
	matches "$1: bob's denial case ran" \
	    "$(grep -c '^test_bind_denied_names_the_rule .* ok$' "$T/ut.out")" '^1$'
}
each_mode py_suite

# --- python3 -m http.server, as alice, on port 80 through porthole.bind ----
mkdir -p "$T/www"
echo "served by alice through porthole" >"$T/www/index.html"
chmod -R a+rX "$T/www"
SERVE='import http.server, os, porthole, socket
addr = ("127.0.0.1", 80)
srv = http.server.HTTPServer(addr, http.server.SimpleHTTPRequestHandler,
                             bind_and_activate=False)
srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
porthole.bind(srv.socket, addr)
srv.server_activate()
print("ready", flush=True)
srv.handle_request()
srv.server_close()'
with_daemon alice sh -c "cd '$T/www' && exec timeout 10 '$VPY' -c '$SERVE'" \
    >"$T/http.out" 2>&1 &
srv_pid=$!
ok "alice's http.server listens on port 80" wait_port tcp 80
is "the listener is alice's socket" "$(listening_uid 80)" "$A"
is "curl fetches the page" \
    "$(curl -s --max-time 5 http://127.0.0.1:80/index.html)" \
    "served by alice through porthole"
wait "$srv_pid"
is "the server exits 0 after one request" "$?" 0
matches "the daemon logged alice's grant" "$(daemon_log)" \
    "granted uid=$A .*tcp:127.0.0.1:80"

# --- bob: PermissionError, in the words of `porthole run` -----------------
with_daemon bob "$PH" run tcp:127.0.0.1:80 -- /bin/true >"$T/run.out" 2>&1
run_msg=$(sed 's/^porthole run: //' "$T/run.out")
py_msg=$(with_daemon bob "$VPY" -c 'import errno, porthole
try:
    porthole.open("tcp:127.0.0.1:80")
except PermissionError as e:
    assert e.errno == errno.EACCES
    print(e.strerror)' 2>&1)
is "bob: porthole.open() says what porthole run says" "$py_msg" "$run_msg"
matches "bob: the message names the rule and the policy file" "$py_msg" \
    "add a line such as 'allow user bob tcp:127.0.0.1:80' to $POLICY "
py_bind=$(with_daemon bob "$VPY" -c 'import socket, porthole
porthole.bind(socket.socket(), ("127.0.0.1", 80))' 2>&1)
matches "bob: porthole.bind() raises PermissionError with the rule" \
    "$py_bind" "^PermissionError: \[Errno 13\] bind tcp:127.0.0.1:80: denied by the porthole policy; to allow it, add a line such as 'allow user bob tcp:127.0.0.1:80'"

# --- nothing left behind: fds, daemon connections, helper children --------
LEAK='import os, socket, sys, porthole
def n(): return len(os.listdir("/proc/self/fd"))
def tcp():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s
before = n()
for i in range(40):
    with tcp() as s:
        porthole.bind(s, ("127.0.0.1", 80))
    with porthole.open("tcp:127.0.0.1:80"):
        pass
    try:
        with tcp() as s, tcp() as t:
            porthole.bind(s, ("127.0.0.1", 80)); porthole.bind(t, ("127.0.0.1", 80))
    except OSError as e:
        assert e.errno == 98, e
try:
    os.waitpid(-1, os.WNOHANG); kids = "children left"
except ChildProcessError:
    kids = "no child"
print(before == n(), kids)'
leaks() {	# mode
	is "$1: 120 binds, 40 in use: no fd and no child left" \
	    "$(with_mode "$1" alice "$VPY" -c "$LEAK" 2>&1)" "True no child"
}
each_mode leaks
# While a client that made 20 binds still runs, the daemon counts only
# the status request's own connection.
CONNS='import socket, subprocess, sys, porthole
for i in range(20):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        porthole.bind(s, ("127.0.0.1", 80))
out = subprocess.run([sys.argv[1], "status"], stdout=subprocess.PIPE,
                     universal_newlines=True).stdout
print([l.split()[-1] for l in out.splitlines() if l.startswith("connections")])'
is "portholed holds no connection of a live client after 20 binds" \
    "$(with_daemon alice "$VPY" -c "$CONNS" "$PH" 2>&1)" "['1']"

finish
