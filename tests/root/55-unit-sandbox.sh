# SPDX-License-Identifier: ISC
# 55-unit-sandbox.sh - portholed run the way portholed.service runs it,
# without systemd starting anything (root only, in a fresh network
# namespace): the socket made as root and passed as systemd passes it,
# the daemon exec'd by setpriv(1) as a uid with no passwd entry
# (DynamicUser=), with exactly the unit's AmbientCapabilities= and
# CapabilityBoundingSet=, and no_new_privs.  It must start, keep what it
# says, make a TCP, a UDP, a raw and a packet grant, stay far below
# MemoryMax=, and reload its policy through the unit's ExecReload= run
# as the same uid; without CAP_NET_RAW it must refuse to start.  All of
# it under strace(1): every system call made must be in the unit's
# SystemCallFilter=, no file may be created, and nothing of /proc read
# but the process's own (ProtectProc=invisible, ProcSubset=pid).  A
# control shows the syscall check finds calls outside a narrower list.
# What this cannot show: the mount, namespace and seccomp sandbox itself,
# which only systemd sets up (never started here); tests/integration/
# 55-units.sh checks the unit's text with systemd-analyze instead.
. "$TOP/tests/root/broker-lib.sh"

IN=$TOP/systemd/portholed.service.in
DUID=61185		# in systemd's DynamicUser= range; no passwd entry
for tool in strace systemd-analyze; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip 1 "$tool not installed"
		finish
	fi
done
if getent passwd "$DUID" >/dev/null 2>&1; then
	skip 1 "uid $DUID is taken here"
	finish
fi

# --- the unit's identity, as setpriv arguments ---------------------------
# "CAP_NET_RAW CAP_NET_ADMIN" -> "net_raw,net_admin"
caps_of() {
	sed -n "s/^$1=//p" "$IN" | tr ' ' '\n' | grep . |
	    sed 's/^CAP_//' | tr '[:upper:]' '[:lower:]' | paste -sd, -
}
amb=$(caps_of AmbientCapabilities)
bnd=$(caps_of CapabilityBoundingSet)
is "the unit runs as a dynamic user" \
    "$(sed -n 's/^DynamicUser=//p' "$IN")" yes
matches "the unit gives ambient capabilities" "$amb" 'net_bind_service'
plus() { printf '%s\n' "$1" | sed 's/^/+/; s/,/,+/g'; }

write_policy <<EOF
# 55-unit-sandbox.sh
allow user alice tcp:127.0.0.1:80 udp:53 raw:icmp packet:lo
EOF
mkdir -p "$T/run/porthole"
chmod 0755 "$T/run/porthole"

# The socket, as portholed.socket makes it: root's, SOCK_SEQPACKET, mode
# 0666, on fd 3 with LISTEN_FDS=1 and LISTEN_PID.  (systemd-socket-
# activate would wait for a first connection before it execs.)  Then
# setpriv execs portholed in the same process, so LISTEN_PID stays right.
cat > "$T/activate" <<EOF
#!$PY
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
s.listen(128)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execvp(sys.argv[2], sys.argv[2:])
EOF
chmod 0755 "$T/activate"
DAEMON_WRAP="strace -f -qq -o $T/trace $T/activate $SOCK \
    setpriv --reuid=$DUID --regid=$DUID --clear-groups \
    --inh-caps=-all,$(plus "$amb") --ambient-caps=-all,$(plus "$amb") \
    --bounding-set=-all,$(plus "$bnd") --no-new-privs"

ok "portholed starts as the unit starts it" start_daemon
[ -n "$daemon_pid" ] || finish
pid=$(pgrep -x portholed | while read -r p; do
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$p/status")" = "$DUID" ] &&
	    [ "$(awk '/^PPid:/ { print $2 }' "/proc/$p/status")" = \
	    "$daemon_pid" ] && echo "$p"; done | head -n 1)
ok "it runs as the unit's uid, a child of the tracer" \
    test -n "$pid"
matches "it took the passed socket and kept the unit's uid" \
    "$(daemon_log)" "listening on $SOCK as uid $DUID with CAP_NET_BIND_SERVICE, CAP_NET_ADMIN and CAP_NET_RAW"
st=$(cat "/proc/$pid/status" 2>/dev/null)
is "its ambient set is empty once it serves" \
    "$(printf '%s\n' "$st" | awk '/^CapAmb:/ { print $2 }')" \
    0000000000000000
is "no_new_privs is set" \
    "$(printf '%s\n' "$st" | awk '/^NoNewPrivs:/ { print $2 }')" 1
# ph-brokerclient as alice: each grant kind once.
for req in "bind tcp4 127.0.0.1 80" "bind udp4 127.0.0.1 53" \
    "open raw4 1" "open packet lo"; do
	# shellcheck disable=SC2086
	out=$(client daemon alice $req)
	is "granted: $req" "$(kv result "$out")" granted
done
out=$(with_daemon alice timeout 10 "$PH" run raw:icmp -- "$T/ph-ping" 2>&1)
is "raw:icmp: ph-ping gets an echo reply through the granted socket" "$?" 0
# MemoryMax=64M must leave room to spare.
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
echo "# portholed's peak resident memory: ${hwm:-?} kB"
ok "it peaked below a quarter of the unit's MemoryMax=64M" \
    test "${hwm:-999999}" -lt 16384
# ExecReload=, run as the unit runs it: the same uid and capabilities.
reload=$(sed -n 's/^ExecReload=//p' "$IN" | sed "s/\\\$MAINPID/$pid/")
_n0=$(daemon_log | grep -c "policy .* loaded")
# shellcheck disable=SC2086
ok "ExecReload= ($reload) works as the unit's uid" \
    strace -f -qq -o "$T/reload.trace" setpriv --reuid=$DUID --regid=$DUID \
    --clear-groups --inh-caps=-all,$(plus "$amb") \
    --ambient-caps=-all,$(plus "$amb") --no-new-privs $reload
wait_log_count() {	# n: until "policy ... loaded" is logged more than n times
	_i=0
	while [ "$(daemon_log | grep -c "policy .* loaded")" -le "$1" ]; do
		[ "$_i" -lt 50 ] || return 1
		sleep 0.1; _i=$((_i + 1))
	done
}
ok "and portholed loaded the policy again" wait_log_count "$_n0"
stop_daemon

# A drop-in must not take CAP_NET_RAW away, even for a policy without raw
# grants: portholed asks for it in its first drop (portholed(8)).
_trace_wrap=$DAEMON_WRAP
no_raw=$(printf '%s\n' "$amb" | tr , '\n' | grep -vx net_raw | paste -sd, -)
DAEMON_WRAP="$T/activate $SOCK setpriv --reuid=$DUID --regid=$DUID \
    --clear-groups --inh-caps=-all,$(plus "$no_raw") \
    --ambient-caps=-all,$(plus "$no_raw") --no-new-privs"
rm -f "$SOCK"
fails "without CAP_NET_RAW it refuses to start" start_daemon
matches "and says why" "$(daemon_log)" "capset"
stop_daemon
DAEMON_WRAP=$_trace_wrap

# --- the trace --------------------------------------------------------------
# Lines from the exec of portholed on, in its process and its children
# (strace -f: "PID syscall(...").
# The kill of ExecReload= runs under the same filter: from its exec on.
awk -v phd="$PHD" '
	!on && index($0, "execve(\"" phd "\"") && / = 0$/ { on = 1 }
	on
' "$T/trace" >"$T/daemon.trace"
awk '!on && /execve\(/ && !/setpriv/ && / = 0$/ { on = 1 } on' \
    "$T/reload.trace" >>"$T/daemon.trace"
ok "the trace holds portholed's run" test -s "$T/daemon.trace"
calls=$(sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' "$T/daemon.trace" |
    sort -u)
echo "# system calls: $(printf '%s\n' "$calls" | paste -sd' ' -)"
matches "the trace covers the grants (a packet socket, a locked filter)" \
    "$(grep -c 'AF_PACKET\|SO_LOCK_FILTER' "$T/daemon.trace")" '^[1-9]'

# expand GROUP...: the system calls in GROUP..., recursively.
expand() {
	for g in "$@"; do
		case $g in
		@*)	systemd-analyze syscall-filter "$g" 2>/dev/null |
			    sed -n '2,$p' | sed 's/^ *//' | grep -v '^#' |
			    grep . | while read -r s; do expand "$s"; done ;;
		*)	echo "$g" ;;
		esac
	done
}
# outside LIST: the traced calls not in LIST (and not plain "exit",
# which strace shows for the closers' and children's ends).
outside() { printf '%s\n' "$calls" | grep -vxF -e exit -e "$1"; }
filter=$(sed -n 's/^SystemCallFilter=//p' "$IN")
case $filter in
"~"*|*" ~"*|"")
	skip 2 "SystemCallFilter= is not one allow list: '$filter'" ;;
*)
	# shellcheck disable=SC2086
	allowed=$(expand $filter | sort -u)
	is "every system call portholed made is in SystemCallFilter=$filter" \
	    "$(outside "$allowed" | paste -sd' ' -)" ""
	matches "control: the same check finds calls outside @basic-io" \
	    "$(outside "$(expand @basic-io | sort -u)")" 'socket|capset' ;;
esac
# Files: ProtectSystem=strict and friends.
is "it creates no file (O_CREAT)" \
    "$(grep -E 'open(at)?\(.*O_CREAT' "$T/daemon.trace")" ""
proc=$(grep -oE '"/proc/[^"]*"' "$T/daemon.trace" |
    grep -vE '^"/proc/(self|thread-self)(/|")' | sort -u)
is "of /proc it reads only its own process" "$proc" ""
finish
