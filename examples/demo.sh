#!/bin/sh
# SPDX-License-Identifier: ISC
# examples/demo.sh - run by `make demo` (as root): an unprivileged user
# serves HTTP on port 80, with the socket from porthole's broker.
#
# It builds porthole and installs it into a private prefix under a fresh
# temporary directory, writes a policy there that grants the user alice
# tcp:127.0.0.1:80, and then, in a private network namespace (so the
# host's own port 80 is never touched): starts portholed, runs
# examples/http-server as alice under `porthole run` (a plain
# socket-activated server that knows nothing of porthole), fetches its
# page with curl, and shows portholed's audit line and who owns the
# listening socket.  Then it stops everything and removes the directory.
#
# Root is needed to create alice (if missing), the network namespace and
# the daemon.  porthole itself goes nowhere but the temporary directory;
# curl and ip (iproute2), when missing, are installed with apt-get.  The
# Unix-socket demo of issue 2 is examples/demo-unix.sh.
#
# Internally the script runs twice: as itself (build, install, policy,
# then remove the directory), and as `demo.sh --netns DIR` inside
# `unshare -n` (daemon, server, curl; it stops what it started).
set -eu
umask 022
TOP=$(cd "$(dirname "$0")/.." && pwd)
SPEC=tcp:127.0.0.1:80
USER_=alice

# indent: the output of a step, under its heading.
indent() { sed 's/^/   /'; }

# wait_for TENTHS CMD...: run CMD every 0.1 s until it succeeds; fail
# after TENTHS tries.  Every wait in the demo is bounded.
wait_for() {
	n=$1; shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		n=$((n - 1)) && sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------
# Inside the network namespace: daemon, server, client.
# ---------------------------------------------------------------------
in_netns() {
	T=$1
	sock=$T/run/porthole/porthole.sock
	daemon_pid='' server_pid=''
	stop() {
		for p in $server_pid $daemon_pid; do
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		done
	}
	# 0100007F:0050 is 127.0.0.1:80 in /proc/net/tcp; 0A is LISTEN.
	listener() {
		awk '$2 == "0100007F:0050" && $4 == "0A" { print $8, $10 }' \
		    /proc/net/tcp
	}
	listening() { [ -n "$(listener)" ]; }
	server_gone() { ! kill -0 "$server_pid" 2>/dev/null; }
	listening_or_gone() { listening || server_gone; }
	trap stop EXIT
	trap 'exit 1' INT TERM

	ip link set lo up
	echo "== a private network namespace: only lo, and ports below" \
	    "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start) need privilege"

	# portholed makes its run directory itself, root's and 0755 whatever
	# its umask, so that every user can reach the socket in it.
	"$T/prefix/sbin/portholed" -f --policy "$T/etc/porthole/policy" \
	    --socket "$sock" 2> "$T/portholed.log" &
	daemon_pid=$!
	if ! wait_for 50 test -S "$sock"; then
		echo "portholed did not start:"; indent < "$T/portholed.log"
		exit 1
	fi
	echo "== portholed started (pid $daemon_pid):"
	indent < "$T/portholed.log"

	echo "== as $USER_: porthole run $SPEC -- http-server -n 1"
	setpriv --reuid="$USER_" --regid="$USER_" --init-groups -- \
	    env PORTHOLE_SOCKET="$sock" \
	    "$T/prefix/bin/porthole" run "$SPEC" -- \
	    "$T/prefix/bin/http-server" -n 1 2> "$T/server.err" &
	server_pid=$!
	wait_for 50 listening_or_gone || true
	if ! listening; then
		echo "nothing listens on port 80:"
		indent < "$T/server.err"; indent < "$T/portholed.log"
		exit 1
	fi
	# shellcheck disable=SC2046 # "uid inode", split on purpose
	set -- $(listener)
	sock_uid=$1 inode=$2
	proc_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$server_pid/status")
	fd3=$(readlink "/proc/$server_pid/fd/3")
	echo "== 127.0.0.1:80 is listening:"
	echo "   /proc/net/tcp: the socket's owner is uid $sock_uid" \
	    "($(id -nu "$sock_uid")), inode $inode"
	echo "   pid $server_pid ($(cat "/proc/$server_pid/comm")) runs as" \
	    "uid $proc_uid ($(id -nu "$proc_uid")) and holds it: fd 3 is $fd3"

	echo "== curl http://127.0.0.1/"
	curl -sS --max-time 5 http://127.0.0.1/ > "$T/page"
	indent < "$T/page"

	# http-server -n 1 exits after its answer.
	if ! wait_for 50 server_gone; then
		echo "http-server did not exit after one request"; exit 1
	fi
	wait "$server_pid" || { indent < "$T/server.err"; exit 1; }
	server_pid=

	echo "== portholed's audit log:"
	grep -E '^(granted|refused) ' "$T/portholed.log" | indent

	# The demo's claims, checked: alice's process served the page over
	# port 80, through a socket alice's process owned.
	alice=$(id -u "$USER_")
	if ! { grep -q "running as uid $alice ($USER_)" "$T/page" &&
	    grep -q 'It serves 127.0.0.1:80 without binding it' "$T/page" &&
	    [ "$sock_uid" = "$alice" ] && [ "$proc_uid" = "$alice" ] &&
	    [ "$fd3" = "socket:[$inode]" ] &&
	    grep -q "^granted uid=$alice .* $SPEC by " "$T/portholed.log"; }
	then
		echo "the page did not come from $USER_'s process on port 80"
		exit 1
	fi
	kill "$daemon_pid" 2>/dev/null || true
	wait "$daemon_pid" || true
	daemon_pid=
	echo "== http-server exited after one request; portholed stopped"
}

if [ "${1:-}" = --netns ]; then
	in_netns "$2"
	exit 0
fi

# ---------------------------------------------------------------------
# Outside: checks, user, build and install, policy; then the namespace.
# ---------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root: it creates the user $USER_, a private" \
	    "network namespace and starts the porthole daemon." >&2
	echo "Run it as root: sudo make demo" >&2
	exit 1
fi
missing=
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
for tool in setpriv unshare useradd; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "make demo needs $tool (util-linux, passwd)" >&2; exit 1; }
done
if [ -n "$missing" ]; then
	echo "== installing$missing with apt-get"
	command -v apt-get >/dev/null 2>&1 || {
		echo "make demo needs$missing" >&2; exit 1; }
	# shellcheck disable=SC2086 # one word per package
	{ DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    --no-install-recommends $missing ||
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get \
	    install -y --no-install-recommends $missing; }; } \
	    > /tmp/porthole-demo-apt.log 2>&1 || {
		echo "apt-get failed, see /tmp/porthole-demo-apt.log" >&2
		exit 1; }
fi
if ! unshare -n true 2>/dev/null; then
	echo "make demo needs to create a network namespace (unshare -n)," \
	    "which this system refuses" >&2
	exit 1
fi
if ! id "$USER_" >/dev/null 2>&1; then
	useradd -M -s /usr/sbin/nologin "$USER_"
	echo "== created the user $USER_"
fi

T=$(mktemp -d /tmp/porthole-demo.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
# alice runs the programs from here; the policy's directories must be
# root's and not writable by others (S53).
chmod 0755 "$T"

echo "== building porthole and installing it into $T/prefix"
# A make of its own: the Makefile's flags and variables (BUILD, DESTDIR,
# -j's jobserver) are not ours to inherit.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR \
    make -C "$TOP" -s BUILD="$T/build" PREFIX="$T/prefix" \
    SYSCONFDIR="$T/etc" RUNSTATEDIR="$T/run" \
    install "$T/build/examples/http-server" > "$T/make.log" 2>&1; then
	cat "$T/make.log" >&2
	exit 1
fi
install -m 0755 "$T/build/examples/http-server" "$T/prefix/bin/"
mkdir -m 0755 "$T/etc" "$T/etc/porthole" "$T/run"

printf 'allow user %s %s\n' "$USER_" "$SPEC" > "$T/etc/porthole/policy"
chmod 0644 "$T/etc/porthole/policy"
echo "== the policy, $T/etc/porthole/policy (root's, 0644):"
indent < "$T/etc/porthole/policy"
echo "== porthole check --user $USER_ $SPEC"
"$T/prefix/bin/porthole" check --user "$USER_" "$SPEC" | indent

unshare -n sh "$0" --netns "$T"
rm -rf "$T"
echo "== removed $T"
