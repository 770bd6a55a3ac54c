# SPDX-License-Identifier: ISC
# 30-broker.sh - the broker end to end (root only, in a fresh network
# namespace): the same table of grants and denials through each of the
# three brokers - portholed, the setuid porthole-helper and the
# file-capability porthole-helper - by user, by group, by address, by
# port and range, IPv4, IPv6 and the dual-stack wildcard, UDP, raw ICMP,
# who owns the socket (S47), a real request served through it, the exit
# statuses of `porthole run`, and `porthole check`.
. "$TOP/tests/root/broker-lib.sh"

GID_BU=$(getent group brokerusers | cut -d: -f3)
write_policy <<EOF
# 30-broker.sh
allow user alice tcp:127.0.0.1:80 tcp:[::1]:443 tcp:81 udp:53 raw:icmp
allow group brokerusers tcp:127.0.0.1:700
allow user alice tcp:600-610
EOF

# --- portholed makes its own run directory, usable by everyone ---------
ok "portholed starts and listens" start_daemon
is "the run directory it made is 0755 (users must reach the socket)" \
    "$(mode_of "$T/run/porthole")" 0755
is "the socket is 0666" "$(mode_of "$SOCK")" 0666
# Go on with the directory as it should be, so the rest can run.
chmod 0755 "$T/run/porthole"

# run_rc MODE USER SPEC: the status of `porthole run SPEC -- true`.
run_rc() {
	with_mode "$1" "$2" "$PH" run "$3" -- /bin/true >"$T/run.out" 2>&1
	echo $?
}
expect() {	# mode user spec want-status why
	is "$1: $2 run $3: $4 ($5)" "$(run_rc "$1" "$2" "$3")" "$4"
}

# A server of alice's behind `porthole run SPEC`: one HTTP answer.
_SOCK3_PY='import socket
s = socket.socket(fileno=3)'
_ANSWER_PY='c, _ = s.accept()
c.recv(1000)
c.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello\n")
c.close()'
HTTP_PY="$_SOCK3_PY
$_ANSWER_PY"
# The dual-stack one also says what it was given.
DUAL_PY="$_SOCK3_PY
print(s.family == socket.AF_INET6, s.getsockname()[0],
    s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY), flush=True)
$_ANSWER_PY"
UDP_PY="$_SOCK3_PY"'
d, a = s.recvfrom(100)
s.sendto(b"re:" + d, a)'
UDP_CLIENT='import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"ping", ("127.0.0.1", 53))
print(s.recvfrom(100)[0].decode())'

# Start a server as alice through MODE; its output goes to $T/srv.out.
serve() {	# mode spec python-program
	with_mode "$1" alice timeout 10 "$PH" run "$2" -- "$PY" -c "$3" \
	    >"$T/srv.out" 2>&1 &
	srv_pid=$!
}
http_server=
[ -x "$T/http-server" ] && http_server=$T/http-server
echo "# HTTP server on port 80: ${http_server:-python3 (no examples/http-server)}"

table() {	# mode
	m=$1
	# by user
	expect "$m" alice tcp:127.0.0.1:80 0 "allow user alice"
	expect "$m" bob tcp:127.0.0.1:80 125 "no rule for bob"
	matches "$m: the denial names the rule to add and the policy file" \
	    "$(cat "$T/run.out")" \
	    "tcp:127.0.0.1:80: denied by the porthole policy; to allow it, add a line such as 'allow user bob tcp:127.0.0.1:80' to $POLICY"
	expect "$m" carol tcp:127.0.0.1:80 125 "no rule for carol"
	# by group: alice through /etc/group, carol through her process
	expect "$m" alice tcp:127.0.0.1:700 0 "allow group brokerusers"
	expect "$m" bob tcp:127.0.0.1:700 125 "bob is not in brokerusers"
	mode_env "$m"
	setpriv --reuid=carol --regid=carol --groups="$GID_BU" -- \
	    env PORTHOLE_SOCKET="$_S" PORTHOLE_HELPER="$_H" \
	    "$PH" run tcp:127.0.0.1:700 -- /bin/true >/dev/null 2>&1
	is "$m: carol with brokerusers among her process's groups: granted" "$?" 0
	# by address (S50): a grant for 127.0.0.1 is that address only
	expect "$m" alice tcp:0.0.0.0:80 125 "the wildcard is not 127.0.0.1"
	expect "$m" alice tcp:127.0.0.2:80 125 "another address"
	expect "$m" alice tcp:80 125 "every address, both families"
	# by port and range
	expect "$m" alice tcp:127.0.0.1:81 0 "tcp:81 covers any address"
	expect "$m" alice tcp:127.0.0.1:82 125 "no rule for port 82"
	expect "$m" alice tcp:600 0 "range 600-610, low end"
	expect "$m" alice tcp:610 0 "range 600-610, high end"
	expect "$m" alice tcp:599 125 "below the range"
	expect "$m" alice tcp:611 125 "above the range"
	# IPv6
	expect "$m" alice "tcp:[::1]:443" 0 "allow tcp:[::1]:443"
	expect "$m" alice "tcp:[::1]:444" 125 "another port"
	expect "$m" alice tcp:127.0.0.1:443 125 "the IPv6 grant is not IPv4"
	expect "$m" alice "tcp:[::]:443" 125 "the IPv6 wildcard is not ::1"
	expect "$m" bob "tcp:[::1]:443" 125 "not bob's"
	# the dual-stack wildcard: tcp:81 is [::]:81 with IPV6_V6ONLY off,
	# and an IPv4 client reaches it
	serve "$m" tcp:81 "$DUAL_PY"
	wait_port tcp 81
	out=$(curl -s --max-time 5 http://127.0.0.1:81/)
	wait "$srv_pid"
	is "$m: tcp:81 is an IPv6 socket on :: with IPV6_V6ONLY 0" \
	    "$(head -n 1 "$T/srv.out")" "True :: 0"
	is "$m: an IPv4 client is served on the dual-stack socket" "$out" hello
	expect "$m" bob tcp:81 125 "not bob's"
	# UDP
	serve "$m" udp:53 "$UDP_PY"
	wait_port udp 53
	out=$("$PY" -c "$UDP_CLIENT" 2>&1)
	wait "$srv_pid"
	is "$m: alice's udp:53 server answers a datagram" "$out" "re:ping"
	expect "$m" bob udp:53 125 "not bob's"
	expect "$m" alice tcp:53 125 "a UDP grant is not TCP"
	# raw ICMP: alice's program gets the socket on fd 3 and pings
	out=$(with_mode "$m" alice timeout 10 "$PH" run raw:icmp -- "$T/ph-ping" 2>&1)
	is "$m: raw:icmp - ph-ping gets an echo reply" "$?" 0
	matches "$m: the reply is from 127.0.0.1" "$out" "^reply from 127.0.0.1$"
	# S47: the helpers make it as alice (setfsuid, or they run as her);
	# portholed makes it as its own user, as portholed(8) documents, so
	# owner-match firewall rules cannot tell users' raw sockets apart.
	if [ "$m" = daemon ]; then
		is "$m: the raw socket is portholed's user's (documented, S47/S51 gap)" \
		    "$(printf '%s\n' "$out" | sed -n 's/^uid=//p')" 65534
	else
		is "$m: the raw socket is alice's (S47, /proc/net/raw)" \
		    "$(printf '%s\n' "$out" | sed -n 's/^uid=//p')" "$A"
	fi
	expect "$m" bob raw:icmp 125 "not bob's"
	expect "$m" alice raw6:icmpv6 125 "not granted"
	expect "$m" alice packet:lo 125 "not granted"
	# a real request served on port 80, and whose socket it is (S47)
	if [ -n "$http_server" ]; then
		with_mode "$m" alice timeout 10 "$PH" run tcp:127.0.0.1:80 -- \
		    "$http_server" -n 1 >"$T/srv.out" 2>&1 &
		srv_pid=$!
	else
		serve "$m" tcp:127.0.0.1:80 "$HTTP_PY"
	fi
	wait_port tcp 80
	is "$m: the listener on port 80 is alice's (S47, /proc/net/tcp)" \
	    "$(listening_uid 80)" "$A"
	out=$(curl -s --max-time 5 http://127.0.0.1/)
	want='^hello$'
	[ -n "$http_server" ] && want="running as uid $A \\(alice\\)"
	matches "$m: curl http://127.0.0.1/ is answered by alice's server" \
	    "$out" "$want"
	kill "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	# until the server's listener is gone (slow under SAN): port 80 free
	i=0
	while [ -n "$(listening_uid 80)" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	# exit statuses of porthole run
	with_mode "$m" alice "$PH" run tcp:127.0.0.1:80 -- "$T/nonexistent" \
	    >"$T/run.out" 2>&1
	is "$m: a missing program: 127" "$?" 127
	with_mode "$m" alice "$PH" run tcp:127.0.0.1:80 -- "$POLICY" \
	    >"$T/run.out" 2>&1
	is "$m: a program that is not executable: 126" "$?" 126
	with_mode "$m" bob "$PH" run tcp:127.0.0.1:80 -- "$T/nonexistent" \
	    >"$T/run.out" 2>&1
	is "$m: denial comes first: 125, not 127" "$?" 125
}

each_mode table
stop_daemon

# --- porthole check ------------------------------------------------------
out=$("$PH" check --user alice tcp:127.0.0.1:80 tcp:127.0.0.1:700 tcp:81 2>&1)
is "check --user alice (root): allowed" "$?" 0
matches "it names the user rule as FILE:LINE: rule" "$out" \
    "^allowed: tcp:127.0.0.1:80 by $POLICY:2: allow user alice "
matches "it names the group rule" "$out" \
    "^allowed: tcp:127.0.0.1:700 by $POLICY:3: allow group brokerusers tcp:127.0.0.1:700$"
out=$("$PH" check --user bob tcp:127.0.0.1:80 2>&1)
is "check --user bob (root): denied, status 1" "$?" 1
matches "it says no rule allows it" "$out" \
    "^denied: tcp:127.0.0.1:80 \(no rule in $POLICY allows it\)$"
out=$("$PH" check --user alice tcp:127.0.0.1:80 tcp:127.0.0.2:80 2>&1)
is "one SPEC denied of two: status 1" "$?" 1
out=$(as alice "$PH" check tcp:127.0.0.1:80 "tcp:[::1]:443" 2>&1)
is "alice checks herself: allowed" "$?" 0
out=$(as bob "$PH" check tcp:127.0.0.1:80 2>&1)
is "bob checks himself: denied" "$?" 1
out=$(as alice "$PH" check --user bob tcp:127.0.0.1:80 2>&1)
is "alice may not ask about bob" "$?" 1
matches "and is told so" "$out" "only root may ask for another user"
# stdout only: the raw:icmp grant draws a warning on stderr (S51).
out=$("$PH" check --policy "$POLICY" 2>/dev/null)
is "check --policy on a valid file: 0" "$?" 0
is "and it says OK" "$out" "$POLICY: OK (3 rules)"
printf 'allow user alice tcp:80\n# fine so far\nallow usr bob tcp:80\n' \
    > "$T/etc/porthole/broken"
chmod 0644 "$T/etc/porthole/broken"
out=$("$PH" check --policy "$T/etc/porthole/broken" 2>&1)
is "check --policy on a broken file: 1" "$?" 1
matches "it says FILE:LINE: what" "$out" \
    "$T/etc/porthole/broken:3: unknown keyword 'usr'"
chmod 0666 "$T/etc/porthole/broken"
printf 'allow user alice tcp:80\n' > "$T/etc/porthole/broken"
out=$("$PH" check --policy "$T/etc/porthole/broken" 2>&1)
is "check --policy on a world-writable file: 1 (S53)" "$?" 1
matches "it says why" "$out" "writable|mode"
finish
