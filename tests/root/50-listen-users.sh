# SPDX-License-Identifier: ISC
# 50-listen-users.sh - porthole listen across real users (root only): bob
# serves; alice (in brokerusers) and carol (in no group) connect with
# ucspi-unix's unixclient.  Peers allowed and refused by uid (-U alice)
# and by group (-G brokerusers, primary or supplementary, S36); a refused
# peer reads EOF before it sends anything and the server's stderr names it
# by the kernel's credentials (S31); -m 0660 in a setgid directory lets
# group members in and keeps others out at the kernel; the private
# directory is 0711 when others are allowed; a flood of 200 connections
# from carol does not keep alice from being served within 5 s, costs no
# slot, and is logged at a limited rate (S79, S80); -C caps one uid
# without touching another.  Every wait is bounded.
. "$TOP/tests/root/lib.sh"
command -v unixclient >/dev/null 2>&1 || {
	echo "1..0 # SKIP unixclient (ucspi-unix) not installed"; exit 77; }

# Ids come from the system: a user's primary gid need not equal her uid
# (here brokerusers may have taken the gid useradd would have given alice).
A=$(uid_of alice) B=$(uid_of bob) C=$(uid_of carol)
AG=$(gid_of alice) CG=$(gid_of carol)
BU=$(getent group brokerusers | cut -d: -f3)
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

listening() {
	awk -v p="$1" '$8 == p && $4 == "00010000" { f = 1 } END { exit !f }' \
	    /proc/net/unix
}
gone() { ! kill -0 "$1" 2>/dev/null; }
# srv NAME USER ARG...: `porthole listen ARG...` as USER in the
# background; output in $T/NAME.out and $T/NAME.err; $srv is its pid.
srv() {
	_sn=$1 _su=$2; shift 2
	# setpriv itself, not `as`: a function in the background is a
	# subshell, and $! must be the server's own pid.
	setpriv --reuid="$_su" --regid="$_su" --init-groups -- \
	    "$T/porthole" listen "$@" >"$T/$_sn.out" 2>"$T/$_sn.err" &
	srv=$!
	pids="$pids $srv"
}
stop() {
	kill "$1" 2>/dev/null
	wait_for 50 gone "$1"
	wait "$1"
}
# hear USER PATH: connect as USER and print what comes, without sending.
hear() { as "$1" timeout 10 unixclient "$2" sh -c 'cat <&6'; }

cat >"$T/hello.sh" <<'EOF'
#!/bin/sh
echo "hello $UNIXREMOTEEUID $UNIXREMOTEEGID"
EOF
cat >"$T/hold.sh" <<'EOF'
#!/bin/sh
echo ready
exec sleep 30
EOF
chmod 0755 "$T/hello.sh" "$T/hold.sh"
mkdir -m 0755 "$T/bob"; chown bob "$T/bob"

# --- by uid: -U alice ---------------------------------------------------
srv u bob -p "$T/bob/u" -m 0666 -U alice "$T/hello.sh"
wait_for 50 listening "$T/bob/u"; is "bob's server listens" $? 0
is "the socket is bob's" "$(stat -c %U "$T/bob/u")" bob
out=$(hear alice "$T/bob/u")
is "-U alice: alice is served" "$out" "hello $A $AG"
out=$(hear carol "$T/bob/u"); rc=$?
is "-U alice: carol reads EOF at once, before sending" "$rc:$out" "0:"
wait_for 50 grep -q "refused uid=$C" "$T/u.err"
matches "the server's stderr names carol" "$(cat "$T/u.err")" \
    "^porthole listen: refused uid=$C gid=$CG pid=[0-9]+\$"
out=$(hear bob "$T/bob/u")
is "-U alice: exactly alice, not bob himself" "$out" ""
wait_for 50 grep -q "refused uid=$B" "$T/u.err"; is "...bob logged" $? 0
stop "$srv"; is "SIGTERM: bob's server exits 0" $? 0
fails "...and its socket is gone" test -e "$T/bob/u"

# --- by group: -G brokerusers -------------------------------------------
srv g bob -p "$T/bob/g" -m 0666 -G brokerusers "$T/hello.sh"
wait_for 50 listening "$T/bob/g"
out=$(hear alice "$T/bob/g")
is "-G: alice (supplementary group) is served" "$out" "hello $A $AG"
out=$(hear carol "$T/bob/g")
is "-G: carol (no group) reads EOF" "$out" ""
out=$(setpriv --reuid=carol --regid=brokerusers --clear-groups -- \
    timeout 10 unixclient "$T/bob/g" sh -c 'cat <&6')
is "-G: carol with brokerusers as primary group is served" "$out" \
    "hello $C $BU"
out=$(hear bob "$T/bob/g")
is "-G: bob, not a member, reads EOF" "$out" ""
wait_for 50 grep -q "refused uid=$C gid=$CG" "$T/g.err"
matches "-G: the refusal names carol" "$(cat "$T/g.err")" \
    "refused uid=$C gid=$CG "
is "-G: the primary-group carol was not refused" \
    "$(grep -c "refused uid=$C gid=$BU" "$T/g.err" | tr -d ' ')" 0
stop "$srv" >/dev/null

# --- -m 0660 with -G in a setgid directory of the group ------------------
mkdir "$T/grp"; chown bob:brokerusers "$T/grp"; chmod 2750 "$T/grp"
srv m bob -p "$T/grp/s" -m 0660 -G brokerusers "$T/hello.sh"
wait_for 50 listening "$T/grp/s"
is "socket mode 0660 from birth" "$(mode_of "$T/grp/s")" 0660
is "socket group brokerusers (setgid directory)" \
    "$(stat -c %G "$T/grp/s")" brokerusers
is "no mode warning with 0660" "$(grep -c warning "$T/m.err" | tr -d ' ')" 0
out=$(hear alice "$T/grp/s")
is "-m 0660 -G: the member alice connects and is served" "$out" "hello $A $AG"
err=$(as carol timeout 10 unixclient "$T/grp/s" true 2>&1); rc=$?
is "-m 0660 -G: carol cannot even connect" "$rc" 1
matches "...the kernel says no" "$err" 'Permission denied'
is "...so the server saw nothing of her" \
    "$(grep -c "uid=$C" "$T/m.err" | tr -d ' ')" 0
stop "$srv" >/dev/null

# --- the private directory: 0700, or 0711 when others are allowed --------
srv d bob "$T/hello.sh"
wait_for 50 test -s "$T/d.out"
p=$(head -n 1 "$T/d.out")
is "no -U/-G: private directory 0700" "$(mode_of "$(dirname "$p")")" 0700
err=$(as alice timeout 10 unixclient "$p" true 2>&1)
matches "...alice cannot reach the socket" "$err" 'Permission denied'
stop "$srv" >/dev/null
fails "...directory removed on SIGTERM" test -e "$(dirname "$p")"
srv s bob -U alice -m 0666 "$T/hello.sh"
wait_for 50 test -s "$T/s.out"
p=$(head -n 1 "$T/s.out")
is "-U alice: private directory 0711" "$(mode_of "$(dirname "$p")")" 0711
is "...owned by bob" "$(stat -c %U "$(dirname "$p")")" bob
is "...socket 0666" "$(mode_of "$p")" 0666
out=$(hear alice "$p")
is "...alice is served through it" "$out" "hello $A $AG"
out=$(as carol ls "$(dirname "$p")" 2>&1)
matches "...carol cannot list it" "$out" 'Permission denied'
stop "$srv" >/dev/null
fails "...directory removed on SIGTERM" test -e "$(dirname "$p")"
srv w bob -U alice "$T/hello.sh"
wait_for 50 test -s "$T/w.out"
matches "-U alice with the default 0600: a warning" "$(cat "$T/w.err")" \
    'warning: -U/-G allow other users, but mode 0600'
out=$(as alice timeout 10 unixclient "$(head -n 1 "$T/w.out")" true 2>&1)
matches "...and indeed alice cannot connect" "$out" 'Permission denied'
stop "$srv" >/dev/null

# --- a flood from carol while alice is served (S79, S80) ----------------
srv f bob -p "$T/bob/f" -m 0666 -U alice "$T/hello.sh"
wait_for 50 listening "$T/bob/f"
as carol sh -c 'i=0
	while [ $i -lt 200 ]; do
		timeout 20 unixclient "$0" true 2>/dev/null &
		i=$((i + 1))
	done
	wait' "$T/bob/f" &
flood=$!; pids="$pids $flood"
sleep 0.2
t0=$(date +%s%N)
out=$(hear alice "$T/bob/f")
ms=$((($(date +%s%N) - t0) / 1000000))
is "during carol's flood alice is served" "$out" "hello $A $AG"
ok "...within 5 s ($ms ms)" test "$ms" -lt 5000
wait_for 300 gone "$flood"; is "carol's 200 connections all ended" $? 0
ok "the server is alive" kill -0 "$srv"
n=0; i=0
while [ $i -lt 12 ]; do
	[ "$(hear alice "$T/bob/f")" = "hello $A $AG" ] && n=$((n + 1))
	i=$((i + 1))
done
is "after the flood: 12 more of alice's served (no slot was taken)" "$n" 12
# Every refusal is either a line or counted in a "dropped" summary,
# which comes when the next second starts.
logged() {
	r=$(grep -c "refused uid=$C " "$T/f.err")
	d=$(sed -n 's/.* \([0-9][0-9]*\) more log lines dropped.*/\1/p' \
	    "$T/f.err" | awk '{ s += $1 } END { print s + 0 }')
	[ $((r + d)) -ge 200 ]
}
wait_for 50 logged; is "all 200 refusals accounted for in the log" $? 0
is "...exactly 200" "$((r + d))" 200
ok "...no more than 20 lines a second ($r lines)" test "$r" -le 120
matches "...the lines name carol" "$(head -n 1 "$T/f.err")" \
    "^porthole listen: refused uid=$C gid=$CG pid=[0-9]+\$"
stop "$srv" >/dev/null

# --- -C caps one uid, not another ----------------------------------------
holders=
srv C bob -p "$T/bob/C" -m 0666 -U alice -U carol -C 2 "$T/hold.sh"
wait_for 50 listening "$T/bob/C"
for h in 1 2; do
	as alice timeout 20 unixclient "$T/bob/C" sh -c 'cat <&6' \
	    >"$T/hold$h" 2>&1 &
	pids="$pids $!" holders="$holders $!"
	wait_for 50 grep -q ready "$T/hold$h"
done
is "-C 2: alice holds two connections" "$(cat "$T/hold1" "$T/hold2")" \
    "ready
ready"
out=$(hear alice "$T/bob/C"); rc=$?
is "-C 2: alice's third is closed at once" "$rc:$out" "0:"
wait_for 50 grep -q busy "$T/C.err"
matches "...logged as busy for alice" "$(cat "$T/C.err")" \
    "busy: uid=$A has 2 connections \(-C 2\)"
as carol timeout 20 unixclient "$T/bob/C" sh -c 'cat <&6' >"$T/hold3" 2>&1 &
pids="$pids $!" holders="$holders $!"
wait_for 50 grep -q ready "$T/hold3"
is "-C 2: carol is still served" "$(cat "$T/hold3")" ready
stop "$srv"; is "SIGTERM with connections open: exit 0" $? 0
all_gone() { for h in $holders; do gone "$h" || return 1; done; }
wait_for 50 all_gone
is "...their PROGRAMs got SIGTERM: every client saw EOF" $? 0
finish
