# SPDX-License-Identifier: ISC
# 31-broker-attacks.sh - the broker under attack (root only, in a fresh
# network namespace), against portholed and, where it applies, the setuid
# and the file-capability porthole-helper.  tests/helpers/ph-brokerclient
# speaks the protocol by hand so it can send what libporthole never would.
#
#   S46/S52  hostile sockets to bind: AF_UNIX, netlink, raw, bound,
#            connected, listening
#   S70-S75  malformed messages: the daemon drops the client, serves on
#   S48      no port sharing (SO_REUSEPORT, UDP SO_REUSEADDR, bob vs alice)
#   S49      a TCP grant is listening: no privileged source port
#   S50      addresses are canonicalised; dual-stack needs both grants
#   S37      uid 4000000000
#   S79-S81  per-uid connection cap and idle deadline
#   S14/S15  the daemon's credentials after start
#   S53/S54  policy trust, and a broken reload keeps the old policy
#   S55      no NSS in the daemon or the helper
#   S30      socket activation with someone else's socket
#   S1-S4, S10, S12, S13, S18  helper process hygiene
. "$TOP/tests/root/broker-lib.sh"
# result_is DESC WANT MODE USER ARGS...: ph-brokerclient's result= is WANT
result_is() {
	_d=$1 _w=$2; shift 2
	is "$_d" "$(kv result "$(client "$@")")" "$_w"
}

BIG=4000000000
GA=$(id -g alice)	# alice's primary gid: not her uid on every host
write_policy <<EOF
# 31-broker-attacks.sh
allow user alice tcp:127.0.0.1:80 udp:127.0.0.1:53 raw:icmp tcp:[::]:543
allow user alice tcp:127.0.0.1:90
allow user bob tcp:127.0.0.1:80 tcp:80 udp:127.0.0.1:53 udp:53 tcp:127.0.0.1:91
allow user $BIG tcp:127.0.0.1:83
EOF
GOOD_POLICY=$(cat "$POLICY")

hx() {	# mode: what verdict adds for a helper that answered and exited
	[ "$1" = daemon ] || printf ' exit:0'
}

ok "portholed starts" start_daemon

# carol's silent connection runs alongside the rest (S81: 10 s deadline).
client daemon carol idle 20 > "$T/idle.out" 2>&1 &
idle_pid=$!

# --- the daemon's credentials after start (S12-S15) ---------------------
st=/proc/$daemon_pid/status
is "daemon: Uid all 65534 (nobody)" "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$st")" \
    "65534 65534 65534 65534"
is "daemon: Gid all 65534" "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$st")" \
    "65534 65534 65534 65534"
is "daemon: no supplementary groups" "$(awk '/^Groups:/ { print $2 }' "$st")" ""
is "daemon: CapEff = bind_service + net_admin + net_raw (the policy grants raw)" \
    "$(awk '/^CapEff:/ { print $2 }' "$st")" 0000000000003400
is "daemon: CapPrm = the same" "$(awk '/^CapPrm:/ { print $2 }' "$st")" \
    0000000000003400
is "daemon: CapInh = 0" "$(awk '/^CapInh:/ { print $2 }' "$st")" 0000000000000000
is "daemon: CapAmb = 0" "$(awk '/^CapAmb:/ { print $2 }' "$st")" 0000000000000000
is "daemon: NoNewPrivs 1" "$(awk '/^NoNewPrivs:/ { print $2 }' "$st")" 1

# --- S46, S52: only fresh inet TCP/UDP sockets are bound -----------------
s46() {	# mode
	m=$1
	before=$(ls -A / "$T")
	out=$(client "$m" alice bind unix 127.0.0.1 80)
	after=$(ls -A / "$T")
	is "$m: an AF_UNIX socket is refused and left unbound (S52)" \
	    "$(verdict "$out")" "refused:EINVAL none$(hx "$m")"
	is "$m: and no file appeared in / or \$T" "$after" "$before"
	matches "$m: refused by the broker, not by bind() (S46)" \
	    "$(kv reason "$out")" "family"
	out=$(client "$m" alice bind netlink 127.0.0.1 80)
	is "$m: a netlink socket is refused" "$(kv result "$out")" refused:EINVAL
	matches "$m: refused by the broker, not by bind()" \
	    "$(kv reason "$out")" "family"
	out=$(client "$m" root -u "$A:$A" bind raw4 127.0.0.1 80)
	# (a raw socket's "port" is its protocol: getsockname says :1)
	is "$m: a SOCK_RAW inet socket is refused" "$(kv result "$out")" \
	    refused:EINVAL
	out=$(client "$m" alice bind tcp4+bound 127.0.0.1 80)
	is "$m: a bound socket is refused" "$(kv result "$out")" refused:EINVAL
	matches "$m: as already bound" "$(kv reason "$out")" "already bound"
	result_is "$m: a connected TCP socket is refused" refused:EINVAL \
	    "$m" alice bind tcp4+connected 127.0.0.1 80
	result_is "$m: a connected UDP socket is refused" refused:EINVAL \
	    "$m" alice bind udp4+connected 127.0.0.1 53
	result_is "$m: a listening socket is refused" refused:EINVAL \
	    "$m" alice bind tcp4+listening 127.0.0.1 80
	out=$(client "$m" alice bind tcp6 127.0.0.1 80)
	is "$m: an IPv6 socket for an IPv4 address is refused" \
	    "$(kv result "$out")" refused:EINVAL
	result_is "$m: a packet socket is not granted" refused:EACCES \
	    "$m" alice open packet lo
	out=$(client "$m" alice open raw4 255 2>/dev/null)
	matches "$m: IPPROTO_RAW is never granted (denied, or dropped as malformed)" \
	    "$(kv result "$out")" "^(refused:EACCES|dropped)$"
	is "$m: and no socket comes back" "$(kv fd "$out")" ""
	result_is "$m: raw6:icmpv6 is not granted" refused:EACCES \
	    "$m" alice open raw6 58
	# the controls: the same requests, done right, are granted
	result_is "$m: control: a fresh TCP socket is granted" granted \
	    "$m" alice bind tcp4 127.0.0.1 80
	out=$(client "$m" alice open raw4 1)
	is "$m: control: raw:icmp is granted" "$(kv result "$out")" granted
	is "$m: and is an AF_INET SOCK_RAW IPPROTO_ICMP socket" "$(kv fd "$out")" 2/3/1
}
each_mode s46

# --- S70-S75: malformed messages ------------------------------------------
# Each is a bind (or open) for a granted address, spoilt one way; "valid"
# is the unspoilt control.  The daemon drops the client, and serves the
# next one.
CASES="short long badlen type replytype reserved flags family port0 backlog
v4junk v4scope nofd twofds oversize empty openfd openreserved openflags
openproto0 openkind openifjunk"
logged0=$(daemon_log | grep -c 'malformed request')
for c in valid version $CASES; do
	case $c in
	valid) want="granted 127.0.0.1:80" ;;
	version) want="refused:EPROTONOSUPPORT none" ;;
	*) want="dropped none" ;;
	esac
	out=$(client daemon alice msg "$c")
	is "daemon: message '$c': $want" "$(verdict "$out")" "$want"
	[ "$c" = version ] && is "daemon: the version reply carries the request's id" \
	    "$(kv reply_id_ok "$out")" 1
	out=$(client daemon bob bind tcp4 127.0.0.1 91)
	is "daemon: after '$c', bob is still served" "$(kv result "$out")" granted
done
# twofds, oversize and empty fail at recvmsg(), before the handler: the
# daemon drops those without an audit line.
is "daemon: each malformed message that was read was logged" \
    "$(($(daemon_log | grep -c 'malformed request') - logged0))" \
    "$(($(echo $CASES | wc -w) - 3))"
msgs() {	# helper mode: one request, so a bad one ends it
	m=$1
	for c in valid version $CASES; do
		case $c in
		valid) want="granted 127.0.0.1:80 exit:0" ;;
		version) want="refused:EPROTONOSUPPORT none exit:0" ;;
		*) want="dropped none exit:1" ;;
		esac
		out=$(client "$m" alice msg "$c" 2>/dev/null)
		is "$m: message '$c': $want" "$(verdict "$out")" "$want"
		[ "$c" = version ] && is "$m: the version reply carries the id" \
		    "$(kv reply_id_ok "$out")" 1
	done
}
helper_modes msgs

# --- S48: a granted port has one owner -------------------------------------
# The pid of the ph-brokerclient holding a port (from $T/hold.out).
holder_pid() {
	wait_for 50 grep -qs '^holding' "$T/hold.out"
	kv client_pid "$(cat "$T/hold.out")"
}
release() {	# pid job: end a holder, and wait until it is gone (3 s)
	kill "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 30 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	wait "$2"
}
s48() {	# mode
	m=$1
	rm -f "$T/hold.out"	# so that holder_pid waits for this one
	client "$m" alice bind tcp4+reuseaddr 127.0.0.1 80 hold:30 \
	    > "$T/hold.out" 2>&1 &
	job=$!
	wait_port tcp 80
	hold=$(holder_pid)
	is "$m: alice holds 127.0.0.1:80" "$(listening_uid 80)" "$A"
	out=$(client "$m" bob bind tcp4 127.0.0.1 80)
	is "$m: bob (granted the port too) cannot take it" \
	    "$(kv result "$out")" refused:EADDRINUSE
	result_is "$m: not with SO_REUSEADDR either" refused:EADDRINUSE \
	    "$m" bob bind tcp4+reuseaddr 127.0.0.1 80
	out=$(client "$m" bob bind tcp4+reuseport 127.0.0.1 80)
	is "$m: a socket with SO_REUSEPORT is refused" "$(kv result "$out")" \
	    refused:EINVAL
	matches "$m: because a granted port is not shared" "$(kv reason "$out")" \
	    "SO_REUSEPORT"
	result_is "$m: nor the wildcard over it" refused:EADDRINUSE \
	    "$m" bob bind tcp4 0.0.0.0 80
	result_is "$m: alice cannot share her own port either" refused:EINVAL \
	    "$m" alice bind tcp4+reuseport 127.0.0.1 80
	release "$hold" "$job"
	result_is "$m: control: once alice lets go, bob gets it" granted \
	    "$m" bob bind tcp4 127.0.0.1 80
	rm -f "$T/hold.out"
	client "$m" alice bind udp4 127.0.0.1 53 hold:30 > "$T/hold.out" 2>&1 &
	job=$!
	wait_port udp 53
	hold=$(holder_pid)
	result_is "$m: bob cannot take alice's udp 127.0.0.1:53" refused:EADDRINUSE \
	    "$m" bob bind udp4 127.0.0.1 53
	result_is "$m: UDP with SO_REUSEADDR is refused (V20)" refused:EINVAL \
	    "$m" bob bind udp4+reuseaddr 127.0.0.1 53
	result_is "$m: UDP with SO_REUSEPORT is refused" refused:EINVAL \
	    "$m" bob bind udp4+reuseport 127.0.0.1 53
	result_is "$m: nor the UDP wildcard over it" refused:EADDRINUSE \
	    "$m" bob bind udp4 0.0.0.0 53
	release "$hold" "$job"
	out=$(client "$m" bob bind udp4 127.0.0.1 53)
	is "$m: control: once alice lets go, bob gets udp 53" \
	    "$(kv result "$out")" granted
}
each_mode s48

# --- S49: no privileged source port ---------------------------------------
s49() {
	out=$(client "$1" alice bind tcp4 127.0.0.1 80 connect)
	is "$1: a TCP grant comes back listening" "$(kv listening "$out")" 1
	is "$1: connect() on it fails with EISCONN" "$(kv connect "$out")" EISCONN
}
each_mode s49

# --- S50: addresses mean what they say ------------------------------------
s50() {
	m=$1
	out=$(client "$m" alice bind tcp6 ::ffff:127.0.0.1 80)
	is "$m: ::ffff:127.0.0.1 is 127.0.0.1: granted" "$(verdict "$out")" \
	    "granted [::ffff:127.0.0.1]:80$(hx "$m")"
	for a in :: ::ffff:0.0.0.0 ::ffff:127.0.0.2 ::1; do
		out=$(client "$m" alice bind tcp6 "$a" 80)
		is "$m: [$a]:80 is denied" "$(verdict "$out")" \
		    "refused:EACCES none$(hx "$m")"
	done
	for a in 0.0.0.0 127.0.0.2; do
		out=$(client "$m" alice bind tcp4 "$a" 80)
		is "$m: $a:80 is denied" "$(kv result "$out")" refused:EACCES
	done
	out=$(client "$m" alice bind tcp6dual :: 543)
	is "$m: [::]:543 dual-stack needs 0.0.0.0:543 too: denied" \
	    "$(kv result "$out")" refused:EACCES
	# S50: IPV6_V6ONLY is the caller's to flip up to the bind, so the
	# IPv6 wildcard needs the IPv4 wildcard's grant whatever it says
	# (34-broker-races.sh races it).
	out=$(client "$m" alice bind tcp6only :: 543)
	is "$m: [::]:543 IPv6-only needs 0.0.0.0:543 too: denied" \
	    "$(kv result "$out")" refused:EACCES
	out=$(client "$m" bob bind tcp6dual :: 80)
	is "$m: control: [::]:80 with tcp:80 (every address) is granted" \
	    "$(verdict "$out")" "granted [::]:80$(hx "$m")"
}
each_mode s50

# --- S37: large uids -------------------------------------------------------
s37() {
	m=$1
	mode_env "$m"
	if [ "$m" = daemon ]; then set -- -d "$_S"; else set -- -H "$_H"; fi
	out=$(setpriv --reuid=$BIG --regid=$BIG --clear-groups -- \
	    "$T/ph-brokerclient" "$@" bind tcp4 127.0.0.1 83)
	is "$m: uid $BIG with a rule: granted" "$(kv result "$out")" granted
	out=$(setpriv --reuid=$BIG --regid=$BIG --clear-groups -- \
	    "$T/ph-brokerclient" "$@" bind tcp4 127.0.0.1 80)
	is "$m: uid $BIG, another port: denied" "$(kv result "$out")" refused:EACCES
	out=$(setpriv --reuid=$((BIG + 1)) --regid=$((BIG + 1)) --clear-groups -- \
	    "$T/ph-brokerclient" "$@" bind tcp4 127.0.0.1 83)
	is "$m: uid $((BIG + 1)) is not $BIG: denied" "$(kv result "$out")" refused:EACCES
}
each_mode s37
matches "daemon: the log shows uid $BIG as an unsigned number" \
    "$(daemon_log)" "granted uid=$BIG gid=$BIG "

# --- S80: per-uid connection cap ------------------------------------------
client daemon alice flood 20 8 > "$T/flood.out" 2>&1 &
flood_job=$!
wait_for 50 grep -qs '^open=' "$T/flood.out"
flood_pid=$(kv client_pid "$(cat "$T/flood.out")")
# carol's idle connection is hers, not alice's: alice has 16 slots.
is "daemon: alice's 17th-20th connections are closed at once" \
    "$(grep '^open=' "$T/flood.out")" "open=16 closed=4"
out=$(client daemon alice bind tcp4 127.0.0.1 90)
is "daemon: and a further request of hers is not served" "$(kv result "$out")" dropped
out=$(client daemon bob bind tcp4 127.0.0.1 91)
is "daemon: bob is served meanwhile" "$(kv result "$out")" granted
matches "daemon: the refusals are logged" "$(daemon_log)" \
    "refused uid=$A pid=[0-9]+: too many connections"
kill "$flood_pid" 2>/dev/null
wait "$flood_job"

# --- S81: the idle deadline (10 s) -----------------------------------------
wait "$idle_pid"
closed=$(sed -n 's/^closed_after=//p' "$T/idle.out")
case $closed in
9.[5-9]|10.*|11.*) r=0 ;;
*) r=1 ;;
esac
[ $r = 0 ] || echo "#   closed_after=$closed"
_result $r "daemon: an idle connection is closed after 10 s"
out=$(client daemon carol bind tcp4 127.0.0.1 80)
is "daemon: and carol can still connect (and is denied by policy)" \
    "$(kv result "$out")" refused:EACCES
stop_daemon

# --- S53: policy trust --------------------------------------------------------
# s53_case WHAT SETUP UNDO LOG-PATTERN: nothing is granted while SETUP is
# in force, by the daemon (which logs why) or the helpers.
s53_case() {
	what=$1 setup=$2 undo=$3 why=$4
	eval "$setup"
	ok "daemon starts with $what" start_daemon
	out=$(client daemon alice bind tcp4 127.0.0.1 80)
	is "daemon: $what: nothing is granted" "$(kv result "$out")" refused:EACCES
	matches "daemon: the log says why" "$(daemon_log)" "$why"
	matches "daemon: and that nothing is granted" "$(daemon_log)" \
	    "nothing is granted until it is fixed"
	[ "$what" = "policy mode 0666" ] &&
	    is "daemon: with no usable policy, still its three capabilities (nothing else)" \
	    "$(awk '/^CapEff:/ { print $2 }' "/proc/$daemon_pid/status")" \
	    0000000000003400
	stop_daemon
	for hm in setuid caps; do
		if [ -n "$(mode_skip "$hm")" ]; then
			skip 1 "$hm: $(mode_skip "$hm")"
			continue
		fi
		out=$(client "$hm" alice bind tcp4 127.0.0.1 80)
		is "$hm: $what: nothing is granted" "$(kv result "$out")" refused:EACCES
	done
	eval "$undo"
}
s53_case "policy mode 0666" 'chmod 0666 "$POLICY"' 'chmod 0644 "$POLICY"' \
    "$POLICY: writable by group or others"
s53_case "policy owned by bob" 'chown bob "$POLICY"' 'chown root "$POLICY"' \
    "$POLICY: owned by uid $B, not root"
s53_case "a group-writable policy directory" 'chmod 0775 "$T/etc/porthole"' \
    'chmod 0755 "$T/etc/porthole"' "$T/etc/porthole: directory writable by group or others"
s53_case "a symlinked policy" 'mv "$POLICY" "$T/etc/real"; ln -s "$T/etc/real" "$POLICY"' \
    'rm -f "$POLICY"; mv "$T/etc/real" "$POLICY"' \
    "$POLICY: (symbolic link|Too many levels of symbolic links)"
# the control: the same policy, trusted again, grants
for m in daemon setuid caps; do
	[ -z "$(mode_skip "$m")" ] || { skip 1 "$m: $(mode_skip "$m")"; continue; }
	[ "$m" = daemon ] && start_daemon
	result_is "$m: control: the restored policy grants again" granted \
	    "$m" alice bind tcp4 127.0.0.1 80
done

# --- S54: a broken policy on reload keeps the previous one -----------------
printf '%s\nallow user alice tcp:127.0.0.1:80\nallow usr bob tcp:80\n' \
    "# broken" | write_policy
ok "daemon: SIGHUP with a broken policy is answered" reload_daemon
matches "daemon: the log says FILE:LINE: what" "$(daemon_log)" \
    "$POLICY:3: unknown keyword 'usr'.*keeping the previous policy"
out=$(client daemon alice bind tcp4 127.0.0.1 90)
is "daemon: the previous policy still grants" "$(kv result "$out")" granted
out=$(client daemon bob bind tcp4 127.0.0.1 91)
is "daemon: for everyone it granted" "$(kv result "$out")" granted
printf 'allow user bob tcp:127.0.0.1:91\n' | write_policy
ok "daemon: SIGHUP with a valid policy is answered" reload_daemon
out=$(client daemon alice bind tcp4 127.0.0.1 90)
is "daemon: control: a valid reload takes effect (alice's rule is gone)" \
    "$(kv result "$out")" refused:EACCES
printf '%s\n' "$GOOD_POLICY" | write_policy
reload_daemon
stop_daemon

# --- S55: no NSS in the daemon or the helpers ------------------------------
if command -v strace >/dev/null 2>&1; then
	DAEMON_WRAP="strace -f -qq -o $T/strace.daemon -e trace=open,openat"
	ok "daemon starts under strace" start_daemon
	DAEMON_WRAP=
	out=$(client daemon alice bind tcp4 127.0.0.1 80)
	is "daemon (traced): a grant" "$(kv result "$out")" granted
	out=$(client daemon carol bind tcp4 127.0.0.1 80)
	is "daemon (traced): a denial" "$(kv result "$out")" refused:EACCES
	reload_daemon
	stop_daemon
	matches "daemon: strace saw it open the policy (the trace works)" \
	    "$(cat "$T/strace.daemon")" 'openat\([0-9]+, "policy", '
	matches "daemon: and read /etc/passwd itself" \
	    "$(cat "$T/strace.daemon")" 'open.*"/etc/passwd"'
	is "daemon: no nsswitch.conf, no libnss_* (start, requests, reload)" \
	    "$(grep -cE 'nsswitch|libnss_' "$T/strace.daemon")" 0
	s55() {
		m=$1
		mode_env "$m"
		out=$(strace -u alice -f -qq -o "$T/strace.$m" -e trace=open,openat \
		    "$T/ph-brokerclient" -H "$_H" bind tcp4 127.0.0.1 80)
		is "$m (traced by root, still privileged): a grant" \
		    "$(kv result "$out")" granted
		matches "$m: strace saw it open the policy (the trace works)" \
		    "$(cat "$T/strace.$m")" 'openat\([0-9]+, "policy", '
		is "$m: no nsswitch.conf, no libnss_*" \
		    "$(grep -cE 'nsswitch|libnss_' "$T/strace.$m")" 0
	}
	helper_modes s55
else
	skip 12 "strace not installed"
fi

# --- S30: socket activation with someone else's socket ---------------------
cat > "$T/activate.py" <<'EOF'
# activate.py PATH HOW UID PROGRAM ARGS...: make fd 3 as HOW says, set
# LISTEN_PID to our pid (which PROGRAM keeps: we exec it) and exec it.
import os, socket, sys
path, how, uid, argv = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
if how == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if how == "theirs":
        os.seteuid(uid)            # the socket file is theirs
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s.bind(path)
    os.seteuid(0)
    s.listen(8)
    if how == "root":
        os.chmod(path, 0o666)      # as systemd's SocketMode=0666
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)        # s may have been fd 3 itself
env = {"LISTEN_PID": str(os.getpid()),
       "LISTEN_FDS": "2" if how == "two" else "1"}
os.execve(argv[0], argv, env)
EOF
mkdir -m 0700 "$T/act" && chown alice "$T/act"
activate() {	# bind-path how [socket-path]: portholed with that fd 3 (5 s)
	timeout 5 "$PY" "$T/activate.py" "$1" "$2" "$A" "$PHD" -f \
	    --policy "$POLICY" --socket "${3:-$SOCK}" 2>&1
}
out=$(activate "$T/evil.sock" root); rc=$?
is "S30: fd 3 bound elsewhere: portholed refuses to start" "$rc" 1
matches "S30: and says so" "$out" "not bound at the configured path"
out=$(activate "$T/act/p.sock" theirs "$T/act/p.sock"); rc=$?
is "S30: fd 3 at our path but alice's socket: refused" "$rc" 1
matches "S30: and says so" "$out" "not root's"
out=$(activate "$SOCK" udp); rc=$?
is "S30: fd 3 a UDP socket: refused" "$rc" 1
out=$(activate "$SOCK" two); rc=$?
is "S30: LISTEN_FDS=2: refused" "$rc" 1
# the control: root's socket at the configured path is taken and served
_log_mark=$(wc -l < "$T/daemon.log")
"$PY" "$T/activate.py" "$SOCK" root 0 "$PHD" -f --policy "$POLICY" \
    --socket "$SOCK" >> "$T/daemon.log" 2>&1 &
daemon_pid=$!
ok "S30: control: a root listener at the configured path is taken" \
    wait_log "listening on"
out=$(client daemon alice bind tcp4 127.0.0.1 80)
is "S30: control: and served" "$(kv result "$out")" granted
stop_daemon

# --- helper hygiene ---------------------------------------------------------
mkdir -p "$T/gconv"
printf 'module INTERNAL PWNKIT// pwnkit 1\n' > "$T/gconv/gconv-modules"
chmod -R a+rX "$T/gconv"
helper_attacks() {	# setuid|caps
	m=$1
	mode_env "$m"
	H=$_H
	# S1 + S2: argv {NULL} (the kernel makes it argc 1, argv[0] "") and
	# a PwnKit environment.  The helper must not grant.
	out=$(client "$m" alice -H "$T/ph-execnull" -a "$H" \
	    -a "GCONV_PATH=$T/gconv" -a "CHARSET=PWNKIT" -a "LANG=C.UTF-8" \
	    -a "LD_PRELOAD=$T/gconv/x.so" -a "PORTHOLE_SOCKET=$T/evil" \
	    bind tcp4 127.0.0.1 80 2>&1)
	# exit 1 is the helper's; ph-execnull itself would exit 127
	is "$m: argv {NULL}: the helper exits 1 (S1)" "$(kv helper "$out")" exit:1
	is "$m: argv {NULL}: nothing granted, the socket unbound (S1)" \
	    "$(kv result "$out") $(kv bound "$out")" "dropped none"
	strace -u alice -f -qq -o "$T/strace.s1" -e trace=open,openat,execve \
	    "$T/ph-brokerclient" -H "$T/ph-execnull" -a "$H" \
	    -a "GCONV_PATH=$T/gconv" -a "CHARSET=PWNKIT" \
	    bind tcp4 127.0.0.1 80 >/dev/null 2>&1
	matches "$m: (the trace saw the helper run with argv {NULL})" \
	    "$(cat "$T/strace.s1")" "execve\\(\"$H\", \\[\\]"
	is "$m: nothing under GCONV_PATH is opened (S1, S2, S3)" \
	    "$(grep -E "open(at)?\\(.*$T/gconv" "$T/strace.s1" | wc -l | tr -d ' ')" 0
	# S18, S4: fd 3 must be a SOCK_SEQPACKET socketpair with the caller
	for k in devnull pipe udp stream smuggle; do
		out=$(client "$m" alice -3 "$k" bind tcp4 127.0.0.1 80 2>/dev/null)
		is "$m: fd 3 = $k: refused, nothing bound (S18)" \
		    "$(kv bound "$out") $(kv helper "$out")" "none exit:1"
	done
	out=$(client "$m" root -3 "foreign:$B" -u "$A:$A" bind tcp4 127.0.0.1 80 2>&1)
	is "$m: fd 3 = a socketpair made by bob's uid: refused (S18)" \
	    "$(verdict "$out")" "dropped none exit:1"
	matches "$m: because the peer is not the caller" "$out" \
	    "the peer on fd 3 is not the calling user"
	out=$(client "$m" alice -3 pair bind tcp4 127.0.0.1 80)
	is "$m: control: a proper socketpair is served" "$(verdict "$out")" \
	    "granted 127.0.0.1:80 exit:0"
	# S4: 50 inherited fds are closed before the request is read
	: > "$T/marker"
	chmod 0644 "$T/marker"
	rm -f "$T/fds.out"
	client "$m" alice -F "$T/marker:50" -W 1500 bind tcp4 127.0.0.1 80 \
	    > "$T/fds.out" 2>&1 &
	cpid=$!
	wait_for 25 grep -qs '^client_pid=' "$T/fds.out"
	hp=$(kv helper_pid "$(cat "$T/fds.out")")
	clp=$(kv client_pid "$(cat "$T/fds.out")")
	ok "$m: the helper is running, waiting for its request" \
	    test -n "$hp" -a -e "/proc/${hp:-none}/fd/3"
	is "$m: the client holds 50 fds of the marker" \
	    "$(ls -l "/proc/$clp/fd" 2>/dev/null | grep -c "$T/marker")" 50
	i=0
	while [ "$(ls -l "/proc/$hp/fd" 2>/dev/null | grep -c "$T/marker")" != 0 ] &&
	    [ $i -lt 20 ]; do
		sleep 0.05; i=$((i + 1))
	done
	is "$m: the helper, waiting for its request, holds none of them (S4)" \
	    "$(ls -l "/proc/$hp/fd" 2>/dev/null | grep -c "$T/marker")" 0
	ok "$m: but it still holds fd 3, its channel" test -e "/proc/${hp:-none}/fd/3"
	wait "$cpid"
	is "$m: and then serves it" "$(verdict "$(cat "$T/fds.out")")" \
	    "granted 127.0.0.1:80 exit:0"
	# S10: NO_NEW_PRIVS turns setuid and file caps off: refuse, not grant
	out=$(as alice setpriv --no-new-privs "$T/ph-brokerclient" -H "$H" \
	    bind tcp4 127.0.0.1 80 2>&1)
	is "$m: under no_new_privs: refused (S10)" "$(verdict "$out")" \
	    "dropped none exit:1"
	matches "$m: and says it is not privileged" "$out" "not privileged"
}
helper_modes helper_attacks

# S12, S13: the setuid helper's drop, in order, verified by trying to undo it
if [ -z "$(mode_skip setuid)" ] && command -v strace >/dev/null 2>&1; then
	out=$(strace -u alice -f -qq -o "$T/strace.drop" \
	    -e trace=setgroups,setresgid,setresuid,setuid,setgid \
	    "$T/ph-brokerclient" -H "$HELPER_SUID" bind tcp4 127.0.0.1 80 2>&1)
	is "setuid (traced): granted" "$(kv result "$out")" granted
	order=$(sed -n 's/^[0-9]* *//p' "$T/strace.drop" | grep -E '^set' |
	    sed 's/  */ /g' | tr '\n' ';')
	matches "setuid: setgroups(0) then setresgid then setresuid (S13)" "$order" \
	    "setgroups\(0, NULL\) = 0;setresgid\($GA, $GA, $GA\) = 0;setresuid\($A, $A, $A\) = 0;"
	matches "setuid: then it checks it cannot get root back (S12)" "$order" \
	    "setresuid\($A, $A, $A\) = 0;setresuid\(-1, 0, -1\) = -1 EPERM"
	for sc in setgroups setresgid setresuid; do
		out=$(strace -u alice -f -qq -o /dev/null -e trace=$sc \
		    -e inject=$sc:error=EAGAIN:when=1 \
		    "$T/ph-brokerclient" -H "$HELPER_SUID" bind tcp4 127.0.0.1 80 2>&1)
		is "setuid: $sc failing (injected): no answer, exit 1 (S12)" \
		    "$(kv result "$out") $(kv helper "$out")" "dropped exit:1"
		matches "setuid: and it says which call failed" "$out" "porthole-helper: $sc"
	done
else
	skip 9 "setuid: ${_suid_skip:-strace not installed}"
fi
# S14: the capability copy is exactly +p, and not setuid as well
if [ -z "$(mode_skip caps)" ]; then
	matches "caps: getcap shows exactly cap_net_bind_service,cap_net_admin,cap_net_raw=p" \
	    "$(getcap "$HELPER_CAPS")" "cap_net_bind_service,cap_net_admin,cap_net_raw=p$"
	is "caps: and it is not setuid" "$(mode_of "$HELPER_CAPS")" 0755
else
	skip 2 "caps: $(mode_skip caps)"
fi
finish
