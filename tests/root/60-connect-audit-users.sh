# SPDX-License-Identifier: ISC
# 60-connect-audit-users.sh - porthole connect and porthole audit between
# users.  S28: alice runs a fake server (s6-ipcserver, a server nobody
# here wrote) at a path bob's client is told to use, in a directory both
# may write; bob's `porthole connect` refuses it with alice's uid named
# and sends it nothing, with and without a PROGRAM; -U alice (by name or
# uid) then accepts it.  A root server is accepted by default.  audit:
# a path in a directory owned by bob, seen by alice, is unsafe (bob
# could replace the socket), whether the socket is missing or is
# alice's; bob's socket in bob's directory is safe but noted as bob's; a
# directory alice may not search is "cannot be examined", never safe.
# Every wait is bounded.
. "$TOP/tests/root/lib.sh"

command -v s6-ipcserver >/dev/null 2>&1 || {
	echo "1..0 # SKIP s6-ipcserver not installed"; exit 77; }

pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
P=$T/porthole
ua=$(uid_of alice)
ub=$(uid_of bob)

# pc USER ARGS...: porthole connect as USER, never for more than 10 s.
pc() { u=$1; shift; timeout -k 2 10 setpriv --reuid="$u" --regid="$u" \
    --init-groups -- "$P" connect "$@"; }

# ---- S28: alice's fake server at the path bob uses ------------------
mkdir "$T/drop"; chmod 1777 "$T/drop"	# both may create entries
mkdir "$T/alice"; chown alice:alice "$T/alice"; chmod 0700 "$T/alice"
# umask 0: the socket is 0777, so bob can connect (S23: the mode is the
# only thing keeping him out, and we want him to reach the impostor).
(umask 0; exec setpriv --reuid=alice --regid=alice --init-groups -- \
    s6-ipcserver "$T/drop/sock" sh -c "cat >> '$T/alice/got'") &
pids="$pids $!"
wait_sock "$T/drop/sock"
is "fake server listens as alice" "$(stat -c %u "$T/drop/sock")" "$ua"

err=$(printf 'secret' | pc bob "$T/drop/sock" 2>&1 >/dev/null); rc=$?
is "S28: bob refuses alice's server" $rc 1
is "S28: the message names alice's uid" "$err" \
    "porthole connect: refusing server at '$T/drop/sock': it runs as uid $ua (alice), not you or root; use -U to allow it"
sleep 0.3
is "S28: the fake server received nothing" \
    "$(cat "$T/alice/got" 2>/dev/null)" ""
# The PROGRAM form: refused before PROGRAM runs, status 125.
pc bob "$T/drop/sock" -- sh -c 'echo secret >&7' 2>"$T/err2"; rc=$?
is "S28 with PROGRAM: 125" $rc 125
matches "S28 with PROGRAM: same message" "$(cat "$T/err2")" \
    "refusing server at '$T/drop/sock': it runs as uid $ua \(alice\)"
sleep 0.3
is "S28 with PROGRAM: still nothing received" \
    "$(cat "$T/alice/got" 2>/dev/null)" ""
# -U carol (not alice) still refuses, naming the -U rule.
err=$(printf 'x' | pc bob -U carol "$T/drop/sock" 2>&1 >/dev/null); rc=$?
is "-U carol: alice still refused" $rc 1
matches "-U carol: message" "$err" "uid $ua \(alice\), which -U does not allow\$"

# -U alice, by name and by uid: accepted, and the bytes arrive.
printf 'one;' | pc bob -U alice "$T/drop/sock" >/dev/null; rc=$?
is "-U alice: accepted" $rc 0
printf 'two;' | pc bob -U "$ua" "$T/drop/sock" >/dev/null; rc=$?
is "-U alice's uid: accepted" $rc 0
i=0
while [ "$(cat "$T/alice/got" 2>/dev/null)" != "one;two;" ] && [ $i -lt 250 ]
do sleep 0.02; i=$((i + 1)); done
is "alice's server got both, in order" "$(cat "$T/alice/got")" "one;two;"
out=$(pc bob -U alice "$T/drop/sock" -- sh -c \
    'echo "$UNIXREMOTEEUID/$UNIXREMOTEEGID"'); rc=$?
is "PROGRAM sees alice's ids" "$out/$rc" "$ua/$(id -g alice)/0"

# Root's server is accepted by default: root is trusted by everyone.
(umask 0; exec s6-ipcserver "$T/drop/rootsock" echo from-root) &
pids="$pids $!"
wait_sock "$T/drop/rootsock"
out=$(pc bob "$T/drop/rootsock" </dev/null); rc=$?
is "bob accepts root's server" "$out/$rc" "from-root/0"
# And bob's own server, but carol refuses it.
(umask 0; exec setpriv --reuid=bob --regid=bob --init-groups -- \
    s6-ipcserver "$T/drop/bobsock" echo from-bob) &
pids="$pids $!"
wait_sock "$T/drop/bobsock"
out=$(pc bob "$T/drop/bobsock" </dev/null); rc=$?
is "bob accepts his own server" "$out/$rc" "from-bob/0"
err=$(pc carol "$T/drop/bobsock" </dev/null 2>&1); rc=$?
is "carol refuses bob's server" $rc 1
matches "carol's message names bob" "$err" "uid $ub \(bob\), not you or root"

# ---- audit between users --------------------------------------------
mkdir "$T/bobdir"; chown bob:bob "$T/bobdir"; chmod 0755 "$T/bobdir"
aud() { u=$1; shift; out=$(as "$u" "$P" audit "$@"); rc=$?; }

aud alice "$T/bobdir/sock"
is "alice: missing path in bob's dir is unsafe" $rc 1
matches "line for bob's dir" "$out" "^drwxr-xr-x bob bob $T/bobdir\$"
matches "reason: bob could replace it" "$out" \
    "^  '$T/bobdir' is owned by bob \(uid $ub\), who is neither you, root nor the socket's owner: they could rename what is in it, put their own socket in its place, or change its mode\.\$"
matches "reason: bob could create it first" "$out" \
    "and bob \(uid $ub\) could create it first: they own '$T/bobdir'\."
aud bob "$T/bobdir/sock"
is "bob: the same path is safe for bob" $rc 0
matches "bob: only you and root" "$out" "only you and root could create it"

# alice's socket in bob's directory: bob could still replace it.
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$T/bobdir/asock" 2>/dev/null && chown alice:alice "$T/bobdir/asock" &&
    chmod 0600 "$T/bobdir/asock"
if [ -S "$T/bobdir/asock" ]; then
	aud alice "$T/bobdir/asock"
	is "alice's socket in bob's dir: unsafe" $rc 1
	matches "reason names bob" "$out" "'$T/bobdir' is owned by bob \(uid $ub\)"
	matches "socket line" "$out" "^srw------- alice alice $T/bobdir/asock\$"
	# bob's socket in bob's directory, seen by alice: bob is the
	# server, he may keep it in his own directory; but it is his.
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	    "$T/bobdir/bsock" && chown bob:bob "$T/bobdir/bsock" &&
	    chmod 0660 "$T/bobdir/bsock"
	aud alice "$T/bobdir/bsock"
	is "bob's socket in bob's dir, seen by alice: safe" $rc 0
	matches "connect: group" "$out" '^connect: group$'
	matches "note: it is bob's" "$out" \
	    "The socket belongs to bob \(uid $ub\): 'porthole connect' refuses such a server unless given -U\."
	js=$(as alice "$P" audit --json "$T/bobdir/bsock")
	ok "--json as alice: bob's uid and names" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
s = j["components"][-1]
assert s["type"] == "socket" and s["uid"] == int(sys.argv[2]), s
assert s["user"] == "bob" and s["group"] == "bob" and s["mode"] == "0660", s
assert j["safe"] is True and j["connect"] == "group", j
' "$js" "$ub"
else
	skip 8 "python3 cannot make a socket"
fi

# A directory alice may not search: not examined, so never "safe".
mkdir "$T/bobpriv"; chown bob:bob "$T/bobpriv"; chmod 0700 "$T/bobpriv"
aud alice "$T/bobpriv/sock"
is "unsearchable directory: not safe" $rc 1
matches "reason: cannot be examined" "$out" \
    "'$T/bobpriv/sock' cannot be examined \(Permission denied\)"
aud alice --json "$T/bobpriv/sock"
matches "--json: type unknown" "$out" '"type":"unknown","uid":null'

# The fake server's directory, seen by bob: a 1777 directory lets alice
# create any name there first (S22).
aud bob "$T/drop/newsock"
is "missing name in a 1777 dir: unsafe for bob" $rc 1
matches "reason: anyone could create it first" "$out" \
    "'$T/drop/newsock' does not exist, and anyone could create it first"
aud bob "$T/drop/sock"
is "alice's existing socket in the sticky dir: not replaceable" $rc 0
matches "but noted as alice's" "$out" "The socket belongs to alice \(uid $ua\)"
finish
