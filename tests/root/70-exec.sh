# SPDX-License-Identifier: ISC
# 70-exec.sh - `porthole exec` for real (root only, in a network namespace
# of our own): unmodified programs, run as the unprivileged alice, bind
# privileged ports through libporthole-preload.so and serve real requests:
# python3's http.server on 127.0.0.1:80, on every address and on [::]
# (fetched over 127.0.0.1 and [::1]), nginx with its master and worker
# processes (the forking-server case), and a python3 UDP server on port
# 53.  Then what must fail, as the program sees it: bob, whom the policy
# does not allow port 80 (EACCES, told which rule to add to which file),
# a port in use (EADDRINUSE, Python's errno 98), a static binary (125,
# refused before exec).  tests/helpers/ph-bindtest checks the bind()
# contract from the inside through each broker - portholed, the setuid
# helper and the file-capability helper: 0 with errno untouched, the fd
# the same socket and no fd left open, EADDRINUSE, EINVAL for a bound
# socket, an IPv6 link-local address keeps its scope id, an address given
# in 24 bytes, 8 threads at once, a SIGALRM every 1 ms, no SIGCHLD from
# the helper, a program that closed all its fds.  And the attack items:
# S47 (the socket stays alice's: /proc/net/tcp and udp), S48 (no port
# sharing with SO_REUSEPORT or UDP SO_REUSEADDR, not even with a user the
# policy allows the same port), S49 (a TCP socket comes back listening,
# so it cannot connect() out from the port: EISCONN), S52 (AF_UNIX and
# non-TCP/UDP sockets are never sent: an AF_UNIX file is alice's, and the
# daemon hears nothing of them).  portholed's audit log names each
# program's pid.
#
# porthole is built and installed into $T by broker-lib.sh: the preload
# is found where `make install` put it, with no PORTHOLE_PRELOAD.

. "$TOP/tests/root/broker-lib.sh"

unset PORTHOLE_PRELOAD		# the installed preload, as users get it
# A sanitizer build's ph-bindtest must find its runtime first; ours comes
# first in LD_PRELOAD by design (the preload is never instrumented).
[ -n "$SAN" ] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# Background programs, stopped on any exit: "pid pid ...".
bgpids=
stop_all() {
	for _p in $bgpids; do stop_pid "$_p"; done
	bgpids=
}
trap 'stop_all; stop_daemon; rm -rf "$T"' EXIT

gone() { ! kill -0 "$1" 2>/dev/null; }
has_line() { grep -q "^$1" "$2" 2>/dev/null; }
# curl with bounds: at most 5 s, no proxy from the environment.
get() { curl -sS --noproxy '*' --max-time 5 "$@"; }
# The uid column of /proc/net/udp{,6} for a socket bound to PORT.
udp_uid() {
	_hex=$(printf '%04X' "$1")
	cat /proc/net/udp /proc/net/udp6 2>/dev/null | awk -v p=":$_hex" '
	    substr($2, length($2) - 4) == p { print $8; exit }'
}
# How many TCP listeners on PORT, all addresses, both families.
listeners() {
	_hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 | awk -v p=":$_hex" '
	    $4 == "0A" && substr($2, length($2) - 4) == p { n++ }
	    END { print n + 0 }'
}
port_free() { [ "$(listeners "$1")" = 0 ]; }
# The inode of the TCP listener on PORT (for /proc/PID/fd).
listener_inode() {
	_hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 | awk -v p=":$_hex" '
	    $4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }'
}
# Does process PID hold the socket with inode INO?
holds() {
	for _f in /proc/"$1"/fd/*; do
		[ "$(readlink "$_f" 2>/dev/null)" = "socket:[$2]" ] && return 0
	done
	return 1
}

# --- setup -------------------------------------------------------------
BT=$T/ph-bindtest
if [ -x "$BUILD/tests/ph-bindtest" ]; then
	cp "$BUILD/tests/ph-bindtest" "$BT"
else
	make -s -C "$TOP" BUILD="$T/build" SAN="$SAN" \
	    "$T/build/tests/ph-bindtest" >"$T/bt-build.log" 2>&1 &&
	    cp "$T/build/tests/ph-bindtest" "$BT"
fi
chmod 0755 "$BT" 2>/dev/null
ok "ph-bindtest is there (make tests)" test -x "$BT"
ok "the preload is installed where porthole exec looks" \
    test -f "$T/prefix/lib/porthole/libporthole-preload.so"
is "ports below 1024 need privilege here" \
    "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" 1024

write_policy <<EOF
# 70-exec.sh
allow user alice tcp:80 udp:53 tcp:443 tcp:700-701 tcp:600-631 udp:600-631
allow user bob tcp:443 udp:53
EOF
# portholed's run directory, as 40-real-servers.sh makes it.
mkdir -p "$T/run/porthole"
chmod 0755 "$T/run/porthole"
ok "portholed starts" start_daemon

token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
mkdir -m 0755 "$T/www" "$T/py"
printf 'porthole exec, as alice, on port 80: %s\n' "$token" > "$T/www/index.html"
chmod 0644 "$T/www/index.html"
PAGE=$(cat "$T/www/index.html")
# alice's directory, for what her programs write.
mkdir -m 0700 "$T/w"
chown alice:alice "$T/w"
W=$T/w

# Python programs, readable by everyone.
cat > "$T/py/bind.py" <<'EOF'
# bind.py ADDR PORT: bind a TCP socket, print "bound PORT" or "errno N".
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
    print("bound", s.getsockname()[1])
except OSError as e:
    print("errno", e.errno)
EOF
cat > "$T/py/udpserver.py" <<'EOF'
# udpserver.py [reuse]: answer one datagram on 127.0.0.1:53 with "re:" + it.
import socketserver, sys
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(b"re:" + data, self.client_address)
class Server(socketserver.UDPServer):
    allow_reuse_address = sys.argv[1:] == ["reuse"]
with Server(("127.0.0.1", 53), Echo) as s:
    print("serving", flush=True)
    s.timeout = 10
    s.handle_request()
EOF
cat > "$T/py/udpclient.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(sys.argv[1].encode(), ("127.0.0.1", 53))
print(s.recvfrom(100)[0].decode())
EOF
chmod 0644 "$T"/py/*.py

# px MODE USER ARGS...: `porthole exec ARGS` as USER through MODE.
px() {
	_m=$1 _u=$2; shift 2
	with_mode "$_m" "$_u" "$PH" exec "$@"
}
# bgx MODE USER OUT ARGS...: the same in the background, stdout and
# stderr to OUT; $bg is its pid (setpriv, env and porthole exec all
# exec, so it is the program's).
bgx() {
	_m=$1 _u=$2 _o=$3; shift 3
	mode_env "$_m"
	setpriv --reuid="$_u" --regid="$_u" --init-groups -- \
	    env PORTHOLE_SOCKET="$_S" PORTHOLE_HELPER="$_H" \
	    "$PH" exec "$@" >"$_o" 2>&1 &
	bg=$!
	bgpids="$bgpids $bg"
}
stop_bg() {	# pid
	stop_pid "$1"
	_rest=
	for _p in $bgpids; do [ "$_p" = "$1" ] || _rest="$_rest $_p"; done
	bgpids=$_rest
}
mark() { _log_mark=$(wc -l < "$T/daemon.log"); }

# --- python3 http.server, as alice, through portholed --------------------
http_server() {	# desc out args...: start, and wait for port 80
	_d=$1 _o=$2; shift 2
	mark
	bgx daemon alice "$_o" "$PY" -m http.server 80 -d "$T/www" "$@"
	if wait_port tcp 80; then
		_result 0 "$_d: listens on port 80"
	else
		sed 's/^/#   /' "$_o"
		_result 1 "$_d: listens on port 80"
	fi
}
http_server "http.server --bind 127.0.0.1" "$T/py4.out" --bind 127.0.0.1
py=$bg
is "it serves the page over 127.0.0.1:80" "$(get http://127.0.0.1/)" "$PAGE"
is "S47: /proc/net/tcp says the listener is alice's" "$(listening_uid 80)" "$A"
ok "the listener is python's own socket" holds "$py" "$(listener_inode 80)"
is "python runs as alice (real, effective, saved, fs uid)" \
    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$py/status")" \
    "$A $A $A $A"
matches "portholed granted it to python's pid, as alice" "$(daemon_log)" \
    "^granted uid=$A gid=[0-9]+ pid=$py tcp:127\.0\.0\.1:80 by $POLICY:2: allow user alice "
# The port is in use: a second program of alice's sees EADDRINUSE.
out=$(px daemon alice "$PY" "$T/py/bind.py" 127.0.0.1 80 2>&1)
is "the port in use: python sees OSError errno 98 (EADDRINUSE)" "$out" \
    "errno 98"
bt=$(px daemon alice "$BT" twice tcp4 127.0.0.1 80 2>&1)
is "the port in use: bind() says EADDRINUSE, twice" \
    "$(kv first "$bt") $(kv second "$bt")" "EADDRINUSE EADDRINUSE"
is "... and the page is still alice's" "$(get http://127.0.0.1/)" "$PAGE"
stop_bg "$py"
ok "the port is free again" wait_for 30 port_free 80

http_server "http.server on every address" "$T/pyall.out"
py=$bg
is "it serves the page over 127.0.0.1:80" "$(get http://127.0.0.1/)" "$PAGE"
is "S47: the listener is alice's" "$(listening_uid 80)" "$A"
stop_bg "$py"

http_server "http.server --bind ::" "$T/py6.out" --bind ::
py=$bg
is "it serves the page over [::1]:80" "$(get 'http://[::1]/')" "$PAGE"
is "... and over 127.0.0.1:80 (dual-stack)" "$(get http://127.0.0.1/)" "$PAGE"
is "S47: the tcp6 listener is alice's" "$(listening_uid 80)" "$A"
matches "portholed granted tcp:[::]:80 to python's pid" "$(daemon_log)" \
    "^granted uid=$A gid=[0-9]+ pid=$py tcp:\[::\]:80 by "
stop_bg "$py"

# --- bob: no rule for port 80 -----------------------------------------
mark
out=$(px daemon bob "$PY" -m http.server 80 --bind 127.0.0.1 -d "$T/www" 2>&1)
rc=$?
is "bob's http.server fails (its own exit status, 1)" "$rc" 1
matches "python saw EACCES (PermissionError errno 13)" "$out" \
    "PermissionError: \[Errno 13\] Permission denied"
matches "bob is told which rule to add to which file" "$out" \
    "^porthole exec: python3\[[0-9]+\]: bind tcp:127\.0\.0\.1:80: denied by the porthole policy; to allow it, add a line such as 'allow user bob tcp:127\.0\.0\.1:80' to $POLICY \(portholed reads it again on 'systemctl reload portholed' or SIGHUP\)\$"
matches "portholed logged the refusal" "$(daemon_log)" \
    "^refused uid=$B gid=[0-9]+ pid=[0-9]+ tcp:127\.0\.0\.1:80"
is "nothing listens on port 80" "$(listeners 80)" 0

# The same hint from porthole run and porthole exec (src/cli/hint.h):
# the same words, the user's name from /etc/passwd, and the rule the
# broker asks for: the address itself, and for [::] the port-only rule
# whatever IPV6_V6ONLY says, since [::] needs 0.0.0.0 granted too (S50).
exec_hint() {	# user sock addr port [flag]: the preload's line, cut
	px daemon "$@" 2>&1 >/dev/null |
	    sed -n 's/^porthole exec: ph-bindtest\[[0-9]*\]: bind //p'
}
run_hint() {	# user SPEC: run's line, cut
	with_mode daemon "$1" "$PH" run "$2" -- /bin/true 2>&1 >/dev/null |
	    sed -n 's/^porthole run: //p'
}
h4=$(exec_hint bob "$BT" bind tcp4 127.0.0.1 80)
matches "hint: exec names bob and the address's rule" "$h4" \
    "^tcp:127\.0\.0\.1:80: .*; to allow it, add a line such as 'allow user bob tcp:127\.0\.0\.1:80' to $POLICY \(portholed"
is "hint: run says the same for tcp:127.0.0.1:80" \
    "$(run_hint bob tcp:127.0.0.1:80)" "$h4"
h6=$(exec_hint bob "$BT" bind tcp6 :: 80 v6only)
matches "hint: exec of [::]:80 (v6only): the port-only rule" "$h6" \
    "^tcp:\[::\]:80: .*; to allow it, add a line such as 'allow user bob tcp:80' to $POLICY \(\[::\] needs 0\.0\.0\.0 granted too; portholed"
is "hint: exec of [::]:80 dual-stack says the same" \
    "$(exec_hint bob "$BT" bind tcp6 :: 80 dual)" "$h6"
is "hint: run says the same for tcp:[::]:80" \
    "$(run_hint bob 'tcp:[::]:80')" "$h6"
matches "hint: run of tcp:80 (no address): the port-only rule" \
    "$(run_hint bob tcp:80)" \
    "^tcp:80: .*; to allow it, add a line such as 'allow user bob tcp:80' to $POLICY \(portholed"

# --- nginx: a master that binds, workers that it forks ------------------
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
	skip 10 "nginx not installed (tests/setup.sh installs nginx-light)"
else
	NG=$T/nginx
	mkdir -m 0755 "$NG"
	mkdir -m 0700 "$NG/tmp" "$NG/logs"
	chown alice:alice "$NG/tmp" "$NG/logs"
	cat > "$NG/nginx.conf" <<-EOF
	worker_processes 2;
	pid $NG/logs/nginx.pid;
	error_log $NG/logs/error.log;
	events { worker_connections 64; }
	http {
		access_log $NG/logs/access.log;
		client_body_temp_path $NG/tmp/body;
		proxy_temp_path $NG/tmp/proxy;
		fastcgi_temp_path $NG/tmp/fastcgi;
		uwsgi_temp_path $NG/tmp/uwsgi;
		scgi_temp_path $NG/tmp/scgi;
		server {
			listen 127.0.0.1:80;
			root $T/www;
		}
	}
	EOF
	chmod 0644 "$NG/nginx.conf"
	set -- -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" \
	    -g 'daemon off; master_process on;'
	# Without porthole exec, alice's nginx cannot bind port 80.
	as alice timeout 10 "$NGINX" "$@" >"$T/ng0.out" 2>&1
	rc=$?
	failed_itself "nginx alone cannot bind port 80 as alice" "$rc"
	matches "... it says Permission denied" \
	    "$(cat "$T/ng0.out" "$NG/logs/error.log" 2>/dev/null)" \
	    "bind\(\) to 127\.0\.0\.1:80 failed \(13: Permission denied\)"
	mark
	bgx daemon alice "$T/ng.out" "$NGINX" "$@"
	ng=$bg
	if wait_port tcp 80; then
		_result 0 "nginx under porthole exec listens on port 80"
	else
		sed 's/^/#   /' "$T/ng.out" "$NG/logs/error.log" 2>/dev/null
		_result 1 "nginx under porthole exec listens on port 80"
	fi
	workers() { cat "/proc/$ng/task/$ng/children" 2>/dev/null; }
	wait_for 50 sh -c "[ \$(wc -w < /proc/$ng/task/$ng/children) -ge 2 ]"
	nw=$(workers | wc -w | tr -d ' ')
	is "the master forked its 2 workers" "$nw" 2
	wu=
	for w in $(workers); do
		wu="$wu $(awk '/^Uid:/ { print $3 }' "/proc/$w/status")"
	done
	is "... which run as alice" "$wu" " $A $A"
	is "nginx serves the page over 127.0.0.1:80" "$(get http://127.0.0.1/)" \
	    "$PAGE"
	matches "it is nginx that answers" \
	    "$(get -o /dev/null -D - http://127.0.0.1/ | tr -d '\r')" \
	    "Server: nginx"
	is "S47: the listener is alice's" "$(listening_uid 80)" "$A"
	matches "portholed granted it to the master's pid" "$(daemon_log)" \
	    "^granted uid=$A gid=[0-9]+ pid=$ng tcp:127\.0\.0\.1:80 by "
	# SIGQUIT: nginx's graceful stop; the workers go with the master.
	wpids=$(workers)
	kill -QUIT "$ng"
	ok "nginx stops, workers and all" wait_for 50 sh -c \
	    "! kill -0 $ng 2>/dev/null && for w in $wpids; do ! kill -0 \$w 2>/dev/null || exit 1; done"
	stop_bg "$ng"
	for w in $wpids; do kill -KILL "$w" 2>/dev/null; done
fi

# --- UDP: a python3 server on port 53 answers a datagram -----------------
mark
bgx daemon alice "$T/udp.out" "$PY" "$T/py/udpserver.py"
udp=$bg
wait_port udp 53
is "S47: the UDP socket on port 53 is alice's" "$(udp_uid 53)" "$A"
out=$("$PY" "$T/py/udpclient.py" "ping-$token" 2>&1)
is "alice's UDP server on port 53 answers" "$out" "re:ping-$token"
wait_for 30 gone "$udp"
matches "portholed granted udp:127.0.0.1:53 to its pid" "$(daemon_log)" \
    "^granted uid=$A gid=[0-9]+ pid=$udp udp:127\.0\.0\.1:53 by "
stop_bg "$udp"
# S48: the same server with SO_REUSEADDR set (allow_reuse_address) is
# refused by the preload, and told why.
mark
out=$(px daemon alice timeout 10 "$PY" "$T/py/udpserver.py" reuse 2>&1)
matches "S48: a UDP server with SO_REUSEADDR is refused (EACCES)" "$out" \
    "PermissionError: \[Errno 13\]"
matches "S48: ... and told to turn SO_REUSEADDR off" "$out" \
    "bind udp:127\.0\.0\.1:53 refused: SO_REUSEADDR on a UDP socket"
is "S48: ... without asking portholed" "$(daemon_log)" ""

# --- a static binary: refused before exec --------------------------------
printf 'int main(void) { return 42; }\n' > "$T/static.c"
if cc -static -o "$T/static" "$T/static.c" >/dev/null 2>&1; then
	chmod 0755 "$T/static"
	mark
	out=$(px daemon alice "$T/static" 2>&1)
	is "a static binary as alice: 125, before exec (not its 42)" "$?" 125
	matches "... pointing to porthole run" "$out" "porthole run SPEC"
else
	skip 2 "cc -static failed (no static libc)"
fi

# --- ph-bindtest: the contract from the inside, through each broker -------
# Two interfaces with the same link-local address: only the scope id says
# which one is meant.
scope_ok=
if ip link add ph0 type veth peer name ph1 2>/dev/null; then
	ip link set ph0 up && ip link set ph1 up &&
	    ip addr add fe80::7/64 dev ph0 nodad &&
	    ip addr add fe80::7/64 dev ph1 nodad && scope_ok=1
fi
# (/sys/class/net shows the host's namespace: ip says ours.)
IDX1=$(ip -o link show dev ph1 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p')

battery() {	# mode
	m=$1
	mark
	out=$(px "$m" alice "$BT" bind tcp4 127.0.0.1 700 connect 2>"$T/bt.err")
	is "$m: bind 127.0.0.1:700: 0" "$(kv result "$out")" ok
	is "$m: errno untouched by a successful bind()" \
	    "$(kv errno_kept "$out")" 1
	is "$m: the fd is still the very same socket" \
	    "$(kv same_socket "$out")" 1
	is "$m: no fd left open by the call" "$(kv fds_leaked "$out")" 0
	is "$m: bound to 127.0.0.1:700" "$(kv bound "$out")" 127.0.0.1:700
	is "$m: S49: listening before the program called listen()" \
	    "$(kv listening "$out")" 1
	is "$m: S49: so connect() from it fails: EISCONN" \
	    "$(kv connect "$out")" EISCONN
	is "$m: nothing on stderr" "$(cat "$T/bt.err")" ""
	# S47 and the audit line, while it holds the socket.
	rm -f "$W/hold"
	bgx "$m" alice "$T/hold.out" "$BT" -o "$W/hold" bind tcp4 127.0.0.1 701 \
	    hold:10
	h=$bg
	wait_for 50 has_line bound= "$W/hold"
	is "$m: S47: the listener on 701 is alice's (/proc/net/tcp)" \
	    "$(listening_uid 701)" "$A"
	ok "$m: ... and the program's own fd" holds "$h" "$(listener_inode 701)"
	if [ "$m" = daemon ]; then
		matches "daemon: the audit line names the program's pid" \
		    "$(daemon_log)" \
		    "^granted uid=$A gid=[0-9]+ pid=$h tcp:127\.0\.0\.1:701 by "
	fi
	stop_bg "$h"

	out=$(px "$m" alice "$BT" twice tcp4 127.0.0.1 600 2>&1)
	is "$m: a port in use: EADDRINUSE" \
	    "$(kv first "$out") $(kv second "$out")" "ok EADDRINUSE"
	out=$(px "$m" alice "$BT" bind tcp4 127.0.0.1 601 prebind 2>&1)
	is "$m: an already bound socket: EINVAL" "$(kv result "$out")" EINVAL
	# IPV6_V6ONLY set: see the two checks after these for why.
	out=$(px "$m" alice "$BT" bind tcp6 ::1 602 len24 v6only 2>&1)
	is "$m: an IPv6 address given in 24 bytes (no scope id field)" \
	    "$(kv result "$out") $(kv bound "$out") $(kv listening "$out")" \
	    "ok [::1]:602 1"
	if [ -n "$scope_ok" ]; then
		out=$(px "$m" alice "$BT" bind tcp6 fe80::7%ph1 603 v6only 2>&1)
		is "$m: fe80::7%ph1 keeps its scope id (fe80::7 is on ph0 too)" \
		    "$(kv result "$out") $(kv bound "$out")" \
		    "ok [fe80::7%$IDX1]:603"
	else
		skip 1 "cannot make two veth interfaces with fe80::7"
	fi
	out=$(px "$m" alice "$BT" bind udp4 127.0.0.1 604 2>&1)
	is "$m: UDP: bound, errno untouched, no fd left, not listening" \
	    "$(kv result "$out") $(kv errno_kept "$out") $(kv fds_leaked "$out") $(kv bound "$out") $(kv listening "$out")" \
	    "ok 1 0 127.0.0.1:604 0"
	# A socket as programs make it (IPV6_V6ONLY 0, the Linux default)
	# bound to a specific IPv6 address: the kernel sets IPV6_V6ONLY
	# itself then, which priv.c's re-check once took for a race.
	out=$(px "$m" alice "$BT" bind tcp6 ::1 607 2>&1)
	is "$m: [::1]:607 on a default (not v6only) TCP socket: bound, listening" \
	    "$(kv result "$out") $(kv bound "$out") $(kv listening "$out")" \
	    "ok [::1]:607 1"
	out=$(px "$m" alice "$BT" bind udp6 ::1 608 2>&1)
	is "$m: [::1]:608 on a default UDP socket: bound" \
	    "$(kv result "$out") $(kv bound "$out")" "ok [::1]:608"
	out=$(px "$m" alice "$BT" bind tcp4 127.0.0.1 605 reuseaddr 2>&1)
	is "$m: TCP with SO_REUSEADDR is granted" "$(kv result "$out")" ok
	out=$(px "$m" alice "$BT" bind tcp4 127.0.0.1 82 2>"$T/bt.err")
	is "$m: a port the policy does not grant: EACCES" \
	    "$(kv result "$out") $(kv fds_leaked "$out") $(kv bound "$out")" \
	    "EACCES 0 none"
	matches "$m: ... with the rule to add and the policy file" \
	    "$(cat "$T/bt.err")" \
	    "^porthole exec: ph-bindtest\[[0-9]+\]: bind tcp:127\.0\.0\.1:82: .*; to allow it, add a line such as 'allow user alice tcp:127\.0\.0\.1:82' to $POLICY \(portholed reads it again on 'systemctl reload portholed' or SIGHUP\)\$"
	out=$(px "$m" alice "$BT" bind tcp4 127.0.0.1 606 reuseport 2>&1)
	is "$m: S48: SO_REUSEPORT set: EACCES" "$(kv result "$out")" EACCES
	out=$(px "$m" alice "$BT" threads 8 tcp4 127.0.0.1 610 2>&1)
	is "$m: 8 threads binding 610-617 at once: all bound and listening" \
	    "$(kv ok "$out") $(kv listening "$out") $(kv errors "$out") $(kv fds_leaked "$out")" \
	    "8 8 none 0"
	out=$(px "$m" alice "$BT" sigalrm tcp4 127.0.0.1 620 30 2>&1)
	is "$m: SIGALRM every 1 ms without SA_RESTART: every bind() 0" \
	    "$(kv errors "$out") $(kv fds_leaked "$out")" "none 0"
	matches "$m: ... $(kv binds "$out") binds while $(kv alarms "$out") alarms fired" \
	    "$(kv binds "$out")/$(kv alarms "$out")" '^[1-9][0-9]*/[1-9][0-9]*$'
	# An execve() that succeeds resets the child's exit signal to
	# SIGCHLD, so the helper must not be our child at all (broker.c:
	# an intermediate clone() with exit signal 0 starts it and exits).
	out=$(px "$m" alice "$BT" sigchld tcp4 127.0.0.1 621 2>&1)
	is "$m: no SIGCHLD reaches the program, no child is left to wait for" \
	    "$(kv result "$out") $(kv sigchld "$out") $(kv waitpid "$out") $(kv fds_leaked "$out")" \
	    "ok 0 ECHILD 0"
	rm -f "$W/ca"
	px "$m" alice "$BT" -C -o "$W/ca" bind tcp4 127.0.0.1 622 >/dev/null 2>&1
	out=$(cat "$W/ca" 2>/dev/null)
	is "$m: a program that closed every fd first: bound, listening" \
	    "$(kv result "$out") $(kv listening "$out") $(kv fds_leaked "$out")" \
	    "ok 1 0"
	# A real server through this broker.
	bgx "$m" alice "$T/pym.out" "$PY" -m http.server 80 --bind 127.0.0.1 \
	    -d "$T/www"
	h=$bg
	wait_port tcp 80
	is "$m: python3 http.server on 127.0.0.1:80 serves the page" \
	    "$(get http://127.0.0.1/ 2>&1)" "$PAGE"
	is "$m: S47: its listener is alice's" "$(listening_uid 80)" "$A"
	stop_bg "$h"
	wait_for 30 port_free 80
}

each_mode battery 30 -1		# the daemon has the audit line

# --- S48: no sharing with bob, whom the policy allows the same ports ------
bgx daemon alice "$T/h443.out" "$BT" -o "$W/h443" bind tcp4 127.0.0.1 443 hold:20
h443=$bg
bgx daemon alice "$T/h53.out" "$BT" -o "$W/h53" bind udp4 127.0.0.1 53 hold:20
h53=$bg
wait_for 50 has_line bound= "$W/h443"
wait_for 50 has_line bound= "$W/h53"
is "alice holds tcp 127.0.0.1:443 and udp 127.0.0.1:53" \
    "$(kv result "$(cat "$W/h443")") $(kv result "$(cat "$W/h53")")" "ok ok"
mark
out=$(px daemon bob "$BT" bind tcp4 127.0.0.1 443 reuseport 2>"$T/bob.err")
is "S48: bob's SO_REUSEPORT socket on alice's 443: EACCES" \
    "$(kv result "$out")" EACCES
matches "S48: ... he is told SO_REUSEPORT is why" "$(cat "$T/bob.err")" \
    "bind tcp:127\.0\.0\.1:443 refused: the socket has SO_REUSEPORT set"
out=$(px daemon bob "$BT" bind tcp4 127.0.0.1 443 2>&1)
is "S48: bob's plain socket on 443: EADDRINUSE" "$(kv result "$out")" \
    EADDRINUSE
out=$(px daemon bob "$BT" bind tcp4 0.0.0.0 443 2>&1)
is "S48: bob on 0.0.0.0:443: EADDRINUSE" "$(kv result "$out")" EADDRINUSE
is "S48: port 443 has one listener, alice's" \
    "$(listeners 443) $(listening_uid 443)" "1 $A"
out=$(px daemon bob "$BT" bind udp4 127.0.0.1 53 reuseaddr 2>&1)
is "S48: bob's UDP SO_REUSEADDR socket on alice's 53: EACCES" \
    "$(kv result "$out")" EACCES
out=$(px daemon bob "$BT" bind udp4 127.0.0.1 53 reuseport 2>&1)
is "S48: bob's UDP SO_REUSEPORT socket on 53: EACCES" \
    "$(kv result "$out")" EACCES
out=$(px daemon bob "$BT" bind udp4 127.0.0.1 53 2>&1)
is "S48: bob's plain UDP socket on 53: EADDRINUSE" "$(kv result "$out")" \
    EADDRINUSE
is "S48: the UDP socket on 53 is still alice's alone" \
    "$(udp_uid 53) $(awk 'substr($2, length($2) - 4) == ":0035"' \
    /proc/net/udp /proc/net/udp6 | wc -l | tr -d ' ')" "$A 1"
out=$(px daemon alice "$BT" bind tcp4 127.0.0.1 443 reuseport 2>&1)
is "S48: not even alice gets a second, SO_REUSEPORT, socket on 443" \
    "$(kv result "$out")" EACCES
stop_bg "$h443"
stop_bg "$h53"

# --- S52: what is never sent to the broker --------------------------------
mark
out=$(px daemon alice "$BT" bind unix "$W/app.sock" 0 2>&1)
is "S52: AF_UNIX bind: 0, as without porthole" "$(kv result "$out")" ok
is "S52: the socket file is alice's, not root's" \
    "$(stat -c %u "$W/app.sock" 2>/dev/null)" "$A"
mkdir -m 0755 "$T/rootonly"
out=$(px daemon alice "$BT" bind unix "$T/rootonly/app.sock" 0 2>&1)
is "S52: AF_UNIX where alice cannot write: EACCES, as the kernel said" \
    "$(kv result "$out")" EACCES
is "S52: ... and nothing was created there" "$(ls -A "$T/rootonly")" ""
out=$(px daemon alice "$BT" bind mptcp4 127.0.0.1 80 2>&1)
if [ -z "$(kv socket "$out")" ]; then
	is "S52: an MPTCP socket (not TCP or UDP) on port 80: EACCES" \
	    "$(kv result "$out")" EACCES
else
	skip 1 "no MPTCP sockets here: $(kv socket "$out")"
fi
out=$(px daemon alice "$BT" bind udplite4 127.0.0.1 53 2>&1)
if [ -z "$(kv socket "$out")" ]; then
	is "S52: a UDP-Lite socket on port 53: EACCES" "$(kv result "$out")" \
	    EACCES
else
	skip 1 "no UDP-Lite sockets here: $(kv socket "$out")"
fi
is "S52: portholed heard of none of them" "$(daemon_log)" ""
is "nothing listens on port 80" "$(listeners 80)" 0

stop_all
stop_daemon
finish
