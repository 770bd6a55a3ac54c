# SPDX-License-Identifier: ISC
# 32-daemon-attacks.sh - portholed against a hostile local user (issue 9,
# items 3, 4, 5 and the daemon's half of 7), root only, in a fresh
# network namespace.  tests/helpers/ph-daemonattack runs the attacks;
# alice and bob are granted, carol and the subuids are granted nothing.
#
#   S42      fds whose close blocks (SO_LINGER TCP, a FUSE file whose
#            server holds FLUSH), sent every way a client can: the event
#            loop never stalls, SIGTERM always ends the daemon
#   S80      users the policy grants nothing never take a granted
#            user's slot (16 subuids x 16 connections)
#   S58      refusals are rate-limited per uid; every grant is logged
#   S56      a client in another network namespace gets no raw socket
. "$TOP/tests/root/broker-lib.sh"

# Our attack helper, built like broker-lib's (the same make variables, so
# nothing is rebuilt but it).
if ! make -s -C "$TOP" BUILD="$T/build" PREFIX="$T/prefix" SYSCONFDIR="$T/etc" \
    RUNSTATEDIR="$T/run" LIBEXECDIR="$T/prefix/libexec" SAN="$SAN" \
    "$T/build/tests/ph-daemonattack" >"$T/build2.log" 2>&1; then
	sed 's/^/#   /' "$T/build2.log" | tail -n 20
	_result 1 "build tests/helpers/ph-daemonattack"
	finish
fi
AT=$T/ph-daemonattack
cp "$T/build/tests/ph-daemonattack" "$AT"
chmod 0755 "$AT"

Ag=$(id -g alice) Cg=$(id -g carol)
write_policy <<EOF
# 32-daemon-attacks.sh
allow user alice tcp:127.0.0.1:80 tcp:127.0.0.1:90 raw:icmp
allow user bob tcp:127.0.0.1:91
EOF

# probe USER N PORT [GAP_MS]: N granted binds, each on a new connection,
# as USER, GAP_MS (20) apart; pv KEY OUTPUT: a value from its one line
# "granted=N within100=N max_ms=N".
probe() { as "$1" "$AT" -d "$SOCK" probe "$2" "$3" ${4:-}; }
pv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# sigterm_ms: SIGTERM the daemon; ms until it has exited (a zombie of
# ours, or gone), 3000 if it has not.
running() {
	_st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$_st" ] && [ "$_st" != Z ]
}
sigterm_ms() {
	_p=$(daemon_real_pid) _t0=$(date +%s%N)
	kill -TERM "$_p"
	_i=0
	while running "$_p" && [ $_i -lt 300 ]; do
		sleep 0.01; _i=$((_i + 1))
	done
	if running "$_p"; then echo 3000
	else echo $(( ($(date +%s%N) - _t0) / 1000000 )); fi
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}
closers() {	# the daemon's closer processes
	pgrep -P "$(daemon_real_pid)" -x portholed-close | wc -l | tr -d ' '
}

ok "portholed starts" start_daemon
out=$(probe bob 20 91)
is "bob: 20 granted binds, each answered within 100 ms (baseline)" \
    "$(pv granted "$out") $(pv within100 "$out")" "20 20"
matches "S42: the daemon has one closer, without capabilities (S12-S14)" \
    "$(closers) $(awk '/^CapEff:/ { print $2 }' \
    "/proc/$(pgrep -P "$(daemon_real_pid)" -x portholed-close | head -n 1)/status" 2>/dev/null)" \
    "^1 0000000000000000$"

# --- S42: lingering TCP sockets ------------------------------------------
out=$(as carol "$AT" lingerclose)
is "S42 control: the last close of a SO_LINGER {1,3600} socket with unsent data blocks (> 1.5 s)" \
    "$(kv close_ms "$out")" 1500

# linger_attack USER: USER sends lingering sockets for 30 s (three ways:
# a bind request's fd, behind a zero-length message, queued unread on a
# connection it then closes) while bob probes; then SIGTERM.
linger_attack() {
	u=$1
	: > "$T/linger.out"
	_n0=$(daemon_log | grep -c 'slow closes')
	as "$u" "$AT" -d "$SOCK" linger 300 40 > "$T/linger.out" 2>&1 &
	lj=$!
	# bob, meanwhile, for 30 s: 300 requests 100 ms apart
	out=$(probe bob 300 91 100)
	_i=0
	while ! grep -q '^sent=' "$T/linger.out" && [ $_i -lt 150 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	ok "S42: $u's 300 lingering sockets were all sent, over 30 s" \
	    grep -q '^sent=300$' "$T/linger.out"
	is "S42: $u attacking: bob's 300 binds are granted, each within 100 ms" \
	    "$(pv granted "$out") $(pv within100 "$out")" "300 300"
	echo "# bob: $out"
	n1=$(daemon_log | grep -c 'slow closes')
	ok "S42 control: the daemon did get sockets whose close blocks (its closers logged slow closes)" \
	    test "$n1" -gt "$_n0"
	is "S42: the daemon has at most 4 closers meanwhile (a linger wait is cut short, not stuck)" \
	    "$([ "$(closers)" -le 4 ] && echo yes)" yes
	ms=$(sigterm_ms)
	ok "S42: $u attacking: SIGTERM ends the daemon within 1 s (${ms} ms)" test "$ms" -le 1000
	# as's subshell may not be the helper itself: end the helper by pid
	lp=$(sed -n 's/^pid=//p' "$T/linger.out")
	[ -n "$lp" ] && kill "$lp" 2>/dev/null
	wait "$lj" 2>/dev/null
}
linger_attack carol
ok "portholed starts again" start_daemon
linger_attack alice

# --- S42: a FUSE file whose server never answers FLUSH -------------------
# fuse_attack USER: USER sends 20 fds of it (the three ways); the file
# system holds every FLUSH but its own client's for 8 s more.
fuse_attack() {
	u=$1 ug=$2
	: > "$T/fuse.out"
	mkdir -p "$T/mnt"
	"$AT" -d "$SOCK" fuse "$T/mnt" 20 8 "$ug" > "$T/fuse.out" 2>&1 &
	fj=$!
	_i=0
	while ! grep -q '^sent=' "$T/fuse.out" && [ $_i -lt 100 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	if grep -q '^setup-error' "$T/fuse.out"; then
		skip 5 "FUSE: $(cat "$T/fuse.out")"
		kill "$fj" 2>/dev/null; wait "$fj" 2>/dev/null
		return
	fi
	is "S42 $u: control: a close of the FUSE file blocks (> 1.5 s)" \
	    "$(kv control_close_ms "$(cat "$T/fuse.out")")" 1500
	is "$u sent 20 FUSE fds" "$(kv sent "$(cat "$T/fuse.out")" | cut -d' ' -f1)" 20
	out=$(probe bob 100 91)
	is "S42: $u's FUSE fds in the daemon: bob's 100 binds granted within 100 ms" \
	    "$(pv granted "$out") $(pv within100 "$out")" "100 100"
	echo "# bob: $out"
	ms=$(sigterm_ms)
	ok "S42: $u's FUSE fds in the daemon: SIGTERM ends it within 1 s (${ms} ms)" \
	    test "$ms" -le 1000
	wait "$fj"
	held=$(kv flush_held "$(cat "$T/fuse.out")")
	echo "# $u: FLUSH requests held: $held (the control's is 1)"
	eval "fuse_held_$u=\$held"
}
if [ -c /dev/fuse ]; then
	ok "portholed starts again" start_daemon
	fuse_attack carol "$C:$Cg"
	is "S42: carol (granted nothing): the daemon never held her FUSE fds (only the control's FLUSH)" \
	    "${fuse_held_carol:-}" 1
	ok "portholed starts again" start_daemon
	fuse_attack alice "$A:$Ag"
	ok "S42 control: alice (granted): her FUSE fds reached a blocking close, off the loop (FLUSHes held: ${fuse_held_alice:-})" \
	    test "${fuse_held_alice:-0}" -gt 1
	matches "S42: and the daemon stopped reading alice while a close of hers was stuck" \
	    "$(daemon_log)" "stuck on a close of an fd from uid $A"
else
	skip 12 "no /dev/fuse"
fi

# --- S80: the connection table against 16 subuids x 16 connections --------
# carol's subordinate uids (newuidmap, Debian's uidmap), each holding 16
# connections and sending a request on each every 5 s; ours if she has
# none, and removed at the end.
sub_added=
if ! grep -q '^carol:' /etc/subuid 2>/dev/null; then
	echo "carol:3000000:65536" >> /etc/subuid
	echo "carol:3000000:65536" >> /etc/subgid
	sub_added=1
fi
SUB=$(awk -F: '$1 == "carol" { print $2; exit }' /etc/subuid)
SUBG=$(awk -F: '$1 == "carol" { print $2; exit }' /etc/subgid)
cleanup_sub() {
	[ -n "$sub_added" ] || return 0
	sed -i '/^carol:3000000:65536$/d' /etc/subuid /etc/subgid
}
# flood SECONDS: the 16 x 16 flood, in the background ($fl_job).
flood() {
	cat > "$T/flood.sh" <<EOF
i=0
while [ \$i -lt 16 ]; do
	setpriv --reuid=\$i --regid=\$i --clear-groups "$AT" -d "$SOCK" slots 16 $1 &
	i=\$((i + 1))
done
wait
EOF
	chmod 0644 "$T/flood.sh"
	as carol unshare --user --map-users="$SUB,0,16" --map-groups="$SUBG,0,16" \
	    --setuid 0 --setgid 0 sh "$T/flood.sh" > "$T/flood.out" 2>&1 &
	fl_job=$!
}
if command -v newuidmap >/dev/null 2>&1 && [ -n "$SUB" ] && [ -n "$SUBG" ]; then
	ok "portholed starts again" start_daemon
	# The control: the same flood by uids the policy does name fills
	# the table, and alice is turned away.
	{ cat "$POLICY"; i=0; while [ $i -lt 16 ]; do
		echo "allow user $((SUB + i)) tcp:127.0.0.1:99"; i=$((i + 1)); done; } > "$T/p2"
	write_policy < "$T/p2"
	reload_daemon
	flood 8
	sleep 3
	out=$(probe alice 50 90)
	ok "S80 control: 16 granted subuids x 16 connections turn alice away ($out)" \
	    test "$(pv granted "$out")" -lt 50
	matches "S80 control: alice was refused for a full table" \
	    "$(daemon_log)" "refused uid=$A pid=[0-9]+: too many connections"
	wait "$fl_job"
	write_policy <<EOF
allow user alice tcp:127.0.0.1:80 tcp:127.0.0.1:90 raw:icmp
allow user bob tcp:127.0.0.1:91
EOF
	reload_daemon
	sleep 1
	# The attack: the same uids, granted nothing, for 35 s.
	flood 35
	sleep 3
	out=$(probe alice 300 90 100)	# 30 s
	is "S80: 16 subuids x 16 connections granted nothing: alice's 300 binds are all granted" \
	    "$(pv granted "$out")" 300
	is "S80: and each answered within 100 ms" "$(pv within100 "$out")" 300
	echo "# alice: $out"
	wait "$fl_job"
	c=$(sed -n 's/^connects=//p' "$T/flood.out" | awk '{ s += $1 } END { print s + 0 }')
	ok "S80: the flood ran: 16 x 16 connections held, and remade ($c connects)" \
	    test "$c" -ge 256
	out=$(client daemon carol bind tcp4 127.0.0.1 80)
	is "S80: a user granted nothing still gets an answer (EACCES) when no flood" \
	    "$(kv result "$out")" refused:EACCES
	stop_daemon
else
	skip 7 "newuidmap (uidmap) or a subuid range for carol missing"
fi
cleanup_sub

# --- S58: the audit log under a flood of refusals ---------------------------
ok "portholed starts again" start_daemon
l0=$(wc -l < "$T/daemon.log")
cj=
for p in 1 2 3; do
	as carol "$AT" -d "$SOCK" connect 3 > "$T/conn$p.out" 2>&1 &
	cj="$cj $!"
done
out=$(probe alice 20 90)
for j in $cj; do wait "$j"; done
l1=$(wc -l < "$T/daemon.log")
c=$(cat "$T/conn1.out" "$T/conn2.out" "$T/conn3.out" | sed -n 's/^connects=//p' |
    awk '{ s += $1 } END { print s + 0 }')
echo "# carol made $c requests in 3 s"
ok "S58: 3 processes x 3 s of refused requests ($c): at most 100 log lines ($((l1 - l0)))" \
    test $((l1 - l0)) -le 100
is "S58: alice's 20 grants meanwhile" "$(pv granted "$out")" 20
is "S58: are all logged" "$(tail -n +"$((l0 + 1))" "$T/daemon.log" | grep -c "granted uid=$A ")" 20
ok "S58 control: the count of what was suppressed is logged within 10 s" \
    wait_log "uid $C: [0-9]+ more refusals suppressed in the last 10 s" 150
sup=$(daemon_log | sed -n "s/.*uid $C: \([0-9]*\) more refusals suppressed.*/\1/p" | head -n 1)
ok "S58 control: the flood would have written $sup more lines" test "${sup:-0}" -ge 1000

# --- S56: another network namespace gets no raw socket (issue 9 item 7) ----
out=$(client daemon alice open raw4 1)
is "S56 control: alice in our network namespace gets raw:icmp" "$(kv result "$out")" granted
out=$(unshare -n setpriv --reuid=alice --regid=alice --init-groups \
    "$T/ph-brokerclient" -d "$SOCK" open raw4 1)
matches "S56: alice in a child network namespace does not (SO_NETNS_COOKIE)" "$(kv result "$out")" "^refused:"
stop_daemon
finish
