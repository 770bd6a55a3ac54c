#!/bin/sh
# SPDX-License-Identifier: ISC
# examples/demo-unix.sh - porthole's secure local socket, for real,
# between users (the issue-2 demo; `make demo` is now examples/demo.sh).
#
# It uses the example programs $BUILD/examples/fd-server and fd-client
# (BUILD defaults to build/ in the source tree).  To run it without a
# Makefile target, from the source tree:
#
#   make build/examples/fd-server build/examples/fd-client
#   sh examples/demo-unix.sh
#
# bob runs a server on a private socket that allows alice.  alice
# connects, checks that bob answered, and receives an open fd of a file
# only bob can read; the server prints alice's credentials as the kernel
# gave them.  carol, not allowed, is turned away before a byte is read.
# As root it creates the users alice, bob and carol if they are missing;
# as anyone else it runs server and client as yourself.
set -eu
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac

T=$(mktemp -d /tmp/porthole-demo.XXXXXX)
server_pid=
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
# The binaries may sit under a directory other users cannot enter.
chmod 0755 "$T"
cp "$BUILD/examples/fd-server" "$BUILD/examples/fd-client" "$T/"

if [ "$(id -u)" = 0 ]; then
	for u in alice bob carol; do
		id "$u" >/dev/null 2>&1 ||
		    useradd -M -s /usr/sbin/nologin "$u"
	done
	as() { u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"; }
	server=bob client=alice stranger=carol
else
	echo "(not root: server and client both run as $(id -un))"
	as() { shift; "$@"; }
	server=$(id -un) client=$server stranger=
fi

printf 'This line is in a file only %s can read.\n' "$server" > "$T/secret.txt"
[ "$(id -u)" != 0 ] || chown bob "$T/secret.txt"
chmod 0600 "$T/secret.txt"

n=1; [ -z "$stranger" ] || n=2
as "$server" "$T/fd-server" -U "$client" -n "$n" "$T/secret.txt" \
    > "$T/server.out" &
server_pid=$!
i=0
while [ ! -s "$T/server.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
path=$(head -n 1 "$T/server.out")
echo "== $server serves on $path"
ls -ld "$(dirname "$path")" "$path" | sed 's/^/   /'

echo "== $client connects, checks the server is $server, receives an fd:"
as "$client" "$T/fd-client" -U "$server" "$path" | sed 's/^/   /'
if [ -n "$stranger" ]; then
	echo "== $client cannot open the file herself:"
	as "$client" cat "$T/secret.txt" 2>&1 | sed 's/^/   /' || true
	echo "== $stranger is not allowed:"
	as "$stranger" "$T/fd-client" -U "$server" "$path" 2>&1 |
	    sed 's/^/   /' || true
fi
wait "$server_pid"
server_pid=
echo "== what the server saw (credentials from the kernel):"
tail -n +2 "$T/server.out" | sed 's/^/   /'
[ ! -e "$path" ] && echo "== the server removed its socket and directory"
