# SPDX-License-Identifier: ISC
# tests/root/broker-lib.sh - sourced after tests/root/lib.sh by the broker
# tests: builds and installs porthole into $T (paths compiled from $T, the
# helper setuid root, as `make install-setuid` does), makes a second copy
# of the helper with file capabilities, and provides:
#
#   write_policy < TEXT        the policy at $POLICY (root, 0644)
#   start_daemon [ARGS...]      portholed -f in the background, logging to
#                               $T/daemon.log; returns once it listens
#   stop_daemon, reload_daemon  SIGTERM (then SIGKILL) / SIGHUP, bounded
#   daemon_log                  what the daemon logged since start_daemon
#   with_daemon USER CMD...     as USER, brokered by the daemon only
#   with_helper USER setuid|caps CMD...   as USER, by that helper only
#   with_mode MODE USER CMD...  MODE: daemon, setuid or caps
#   mode_env MODE               $_S, $_H: the socket and helper MODE uses
#   mode_skip MODE              the reason MODE cannot run here (or "")
#   client MODE USER ARGS...    tests/helpers/ph-brokerclient against MODE
#   kv KEY TEXT, verdict TEXT   read ph-brokerclient's output
#   wait_port tcp|udp PORT      until something is bound there (5 s)
#   listening_uid PORT          uid of the TCP listener on PORT
#   each_mode FN [N [ADJUST]], helper_modes FN [N [ADJUST]]   FN MODE
#                               for each mode that can run here (daemon
#                               setuid caps / setuid caps); for_modes
#   stop_pid PID                (lib.sh) SIGTERM, 3 s, SIGKILL; reaped
#
# and $PH (porthole), $PHD (portholed), $HELPER_SUID, $HELPER_CAPS, $POLICY,
# $SOCK, $PY (a python3 other users can run), $A $B $C (uids).

# Never bind the host's port 80: re-run in a new network namespace when
# we are still in pid 1's (a direct run as root), before lib.sh makes $T
# (an exec would leave it behind).
if [ "$(id -u)" = 0 ] &&
    [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ]; then
	if unshare -n true 2>/dev/null; then
		exec unshare -n sh "$0" "$@"
	fi
	echo "1..0 # SKIP needs a network namespace of its own (unshare -n)"
	exit 77
fi
. "$TOP/tests/root/lib.sh"

SAN=${SAN:-}
A=$(uid_of alice) B=$(uid_of bob) C=$(uid_of carol)
POLICY=$T/etc/porthole/policy
SOCK=$T/run/porthole/porthole.sock
PH=$T/prefix/bin/porthole
PHD=$T/prefix/sbin/portholed
HELPER_SUID=$T/prefix/libexec/porthole-helper
HELPER_CAPS=$T/capsdir/porthole-helper
# root's PATH may start with a per-user shim (pyenv) others cannot run.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null || echo /nonexistent)

# Ports 53, 80, 443... are bound for real: only in a network namespace of
# our own (tests/run.sh runs root tests under `unshare -n`).
# A fresh one has no address but on lo (/proc/1 may be out of sight, so
# its namespace cannot be compared).
if [ -n "$(ip -o addr show 2>/dev/null | awk '$2 != "lo"')" ]; then
	echo "1..0 # SKIP needs a private network namespace (run via tests/run.sh, which uses unshare -n)"
	exit 77
fi
ip link set lo up || { echo "1..0 # SKIP cannot bring lo up"; exit 77; }
# Every wait in here is bounded; so is every script (tests/run.sh).

# --- build and install into $T -----------------------------------------
# $T/build exists first: make -j may write libporthole.pc before any
# rule has made the directory (Makefile: that rule has no mkdir -p).
mkdir -p "$T/etc/porthole" "$T/run" "$T/capsdir" "$T/build"
chmod 0755 "$T" "$T/etc" "$T/etc/porthole" "$T/run" "$T/capsdir"
# examples/http-server, when there is one, serves the HTTP tests.
_extra=
[ -f "$TOP/examples/http-server.c" ] && _extra=$T/build/examples/http-server
if ! make -s -j"$(nproc 2>/dev/null || echo 2)" -C "$TOP" BUILD="$T/build" \
    PREFIX="$T/prefix" SYSCONFDIR="$T/etc" RUNSTATEDIR="$T/run" \
    LIBEXECDIR="$T/prefix/libexec" SAN="$SAN" install-setuid \
    "$T/build/tests/ph-ping" "$T/build/tests/ph-brokerclient" \
    "$T/build/tests/ph-execnull" "$T/build/tests/ph-race" $_extra \
    >"$T/build.log" 2>&1; then
	sed 's/^/#   /' "$T/build.log" | tail -n 40
	_result 1 "build and install porthole into \$T (make install-setuid)"
	finish
fi
for b in ph-ping ph-brokerclient ph-execnull ph-race; do
	cp "$T/build/tests/$b" "$T/$b"
	chmod 0755 "$T/$b"
done
rm -f "$T/http-server"		# lib.sh's copy from $BUILD: use ours
if [ -n "$_extra" ]; then
	cp "$_extra" "$T/http-server"
	chmod 0755 "$T/http-server"
fi
# The build tree is root's business; the installed tree is for everyone.
chmod 0700 "$T/build"

# --- which modes can run here -----------------------------------------
_suid_skip='' _caps_skip=''
if [ -n "$SAN" ]; then
	_suid_skip="SAN=$SAN: sanitizer runtimes do not work in setuid or file-capability programs"
	_caps_skip=$_suid_skip
elif findmnt -no OPTIONS -T "$T" 2>/dev/null | grep -qw nosuid; then
	_suid_skip="$T is on a nosuid mount"
	_caps_skip=$_suid_skip
fi
if [ -z "$_caps_skip" ]; then
	if ! command -v setcap >/dev/null 2>&1; then
		_caps_skip="setcap not installed (libcap2-bin)"
	else
		cp "$HELPER_SUID" "$HELPER_CAPS"
		chown root:root "$HELPER_CAPS"
		chmod 0755 "$HELPER_CAPS"		# never setuid as well
		setcap cap_net_bind_service,cap_net_admin,cap_net_raw+p "$HELPER_CAPS" \
		    2>"$T/setcap.err" ||
		    _caps_skip="setcap failed: $(cat "$T/setcap.err")"
	fi
fi
mode_skip() {	# mode: prints why it cannot run here, or nothing
	case $1 in
	setuid) printf '%s' "$_suid_skip" ;;
	caps) printf '%s' "$_caps_skip" ;;
	esac
}

# --- policy ------------------------------------------------------------
write_policy() {	# < policy text
	cat > "$POLICY.tmp"
	chown root:root "$POLICY.tmp"
	chmod 0644 "$POLICY.tmp"
	mv -f "$POLICY.tmp" "$POLICY"
}

# --- the daemon --------------------------------------------------------
daemon_pid=
_log_mark=0
: > "$T/daemon.log"
daemon_log() { tail -n +"$((_log_mark + 1))" "$T/daemon.log"; }
# wait_log PATTERN [TENTHS]: until the log since the mark matches.
wait_log() {
	_i=0
	while [ "$_i" -lt "${2:-50}" ]; do
		daemon_log | grep -Eq -- "$1" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
# $DAEMON_WRAP (e.g. "strace -f -o FILE"), when set, runs portholed.
start_daemon() {	# [extra portholed args]: 0 once listening, else 1
	_log_mark=$(wc -l < "$T/daemon.log")
	${DAEMON_WRAP:-} "$PHD" -f --policy "$POLICY" --socket "$SOCK" "$@" \
	    >>"$T/daemon.log" 2>&1 &
	daemon_pid=$!
	_i=0
	while [ "$_i" -lt 50 ]; do
		if [ -S "$SOCK" ] && daemon_log | grep -q "listening on"; then
			return 0
		fi
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1; _i=$((_i + 1))
	done
	echo "# portholed did not start:"
	daemon_log | sed 's/^/#   /'
	stop_daemon
	return 1
}
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	# Under $DAEMON_WRAP, portholed is the wrapper's child: it goes first.
	kill -TERM "$(daemon_real_pid)" 2>/dev/null
	stop_pid "$daemon_pid"
	daemon_pid=
}
# The pid of portholed itself (under $DAEMON_WRAP, the wrapper's child).
# Unwrapped, that is $daemon_pid: portholed's own children (its closers,
# issue 9 item 3) are not it.
daemon_real_pid() {
	if [ "$(cat "/proc/$daemon_pid/comm" 2>/dev/null)" = portholed ]; then
		printf '%s\n' "$daemon_pid"
		return
	fi
	_c=$(cat "/proc/$daemon_pid/task/$daemon_pid/children" 2>/dev/null)
	printf '%s\n' "${_c:-$daemon_pid}"
}
# SIGHUP; waits for the daemon's answer (loaded, or kept the old one).
reload_daemon() {
	_n0=$(daemon_log | grep -cE "policy .* loaded|keeping the previous")
	kill -HUP "$(daemon_real_pid)"
	_i=0
	while [ "$_i" -lt 50 ]; do
		[ "$(daemon_log | grep -cE "policy .* loaded|keeping the previous")" -gt "$_n0" ] &&
		    return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}

# --- running clients -----------------------------------------------------
# mode_env MODE: $_S and $_H, the daemon socket and helper MODE uses; the
# other one points nowhere, so exactly one broker can answer.
mode_env() {
	case $1 in
	daemon) _S=$SOCK _H=/nonexistent ;;
	setuid) _S=/nonexistent _H=$HELPER_SUID ;;
	caps) _S=/nonexistent _H=$HELPER_CAPS ;;
	esac
}
with_daemon() {		# user cmd...
	_u=$1; shift
	mode_env daemon
	as "$_u" env PORTHOLE_SOCKET="$_S" PORTHOLE_HELPER="$_H" "$@"
}
with_helper() {		# user setuid|caps cmd...
	_u=$1
	mode_env "$2"
	shift 2
	as "$_u" env PORTHOLE_SOCKET="$_S" PORTHOLE_HELPER="$_H" "$@"
}
with_mode() {		# daemon|setuid|caps user cmd...
	_m=$1; shift
	if [ "$_m" = daemon ]; then with_daemon "$@"
	else _u=$1; shift; with_helper "$_u" "$_m" "$@"; fi
}
# client MODE USER ARGS...: ph-brokerclient as USER against MODE's broker
# (USER root: as root, e.g. to make a socket before its -u drop).
client() {
	_m=$1 _u=$2; shift 2
	mode_env "$_m"
	if [ "$_m" = daemon ]; then set -- -d "$_S" "$@"
	else set -- -H "$_H" "$@"; fi
	if [ "$_u" = root ]; then "$T/ph-brokerclient" "$@"
	else as "$_u" "$T/ph-brokerclient" "$@"; fi
}
# verdict TEXT: "RESULT BOUND" from ph-brokerclient output, plus the
# helper's exit when there was one: the usual thing to compare.
verdict() {
	_v="$(kv result "$1") $(kv bound "$1")"
	_h=$(kv helper "$1")
	[ -n "$_h" ] && _v="$_v $_h"
	printf '%s\n' "$_v"
}
kv() {		# key text: the value of the first "key=value" line
	printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1
}

# for_modes "MODES" FUNCTION [N [ADJUST]]: FUNCTION MODE for each of
# MODES, skipping those that cannot run here: as many tests as the first
# run made, plus ADJUST (e.g. -1 for a line only the daemon has), or N
# (default 1) when none has run yet.
for_modes() {
	_fn=$2 _cnt=
	for _mode in $1; do
		_why=$(mode_skip "$_mode")
		if [ -n "$_why" ]; then
			skip "${_cnt:-${3:-1}}" "$_mode: $_why"
			continue
		fi
		_n0=$_n
		"$_fn" "$_mode"
		[ -n "$_cnt" ] || _cnt=$((_n - _n0 + ${4:-0}))
	done
}
each_mode() { for_modes "daemon setuid caps" "$@"; }		# FN [N [ADJUST]]
helper_modes() { for_modes "setuid caps" "$@"; }		# FN [N [ADJUST]]

# wait_port tcp|udp PORT: until a TCP listener or UDP socket is bound on
# PORT (at most 5 s); 1 if none.
wait_port() {
	_hex=$(printf '%04X' "$2") _st=0A _i=0
	[ "$1" = udp ] && _st=07
	while [ "$_i" -lt 50 ]; do
		cat "/proc/net/$1" "/proc/net/${1}6" 2>/dev/null | awk -v p=":$_hex" \
		    -v st="$_st" '$4 == st && substr($2, length($2) - 4) == p { f = 1 }
		    END { exit !f }' && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}

# The uid column of /proc/net/tcp{,6} for a socket listening on PORT.
listening_uid() {
	_hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$_hex" '
	    $4 == "0A" && substr($2, length($2) - 4) == p { print $8; exit }'
}

# On any exit: stop the daemon, and remove $T (this replaces lib.sh's trap).
trap 'stop_daemon; rm -rf "$T"' EXIT
