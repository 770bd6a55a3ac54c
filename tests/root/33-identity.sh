# SPDX-License-Identifier: ISC
# 33-identity.sh - who the broker thinks is asking, and with which ids it
# parses (issue 9, item 6, root only, in a fresh network namespace), in
# all three modes: portholed, the setuid porthole-helper and the
# file-capability porthole-helper.
#
#   S31-S36  one identity in every mode: the caller's effective uid and
#            gid and supplementary groups, as SO_PEERCRED/SO_PEERGROUPS
#            give them and as the kernel checks permissions.  A caller
#            whose egid matches a group rule and whose real gid does not
#            is granted in every mode; the reverse is denied in every
#            mode; supplementary groups count, as before.
#   S12-S14  no parser runs with any uid 0 (issue 9): the parser guard
#            refuses in the shipped binaries (the helper run by root;
#            portholed started with a real uid 0 it cannot drop); gdb,
#            breaking on every parser (policy, passwd/group, request),
#            sees each entered with the caller's uids in both helpers
#            and with 65534 in portholed and its --user child, and sees
#            uid 0 in the control (the helper run by root); a caller
#            with mixed real and effective uids is refused; the setuid
#            helper reads as root, then setgroups/setresgid/setresuid,
#            then raises only the capabilities the request's kind needs
#            (strace); the file-capability helper the same; the daemon
#            parses --user in a child as 65534 and the policy after its
#            own drop (strace), and keeps the three capabilities it
#            serves with, whatever the policy grants.
#   S47      a raw socket from the setuid helper is the caller's: it is
#            made after the drop, not under setfsuid().
. "$TOP/tests/root/broker-lib.sh"

GA=$(id -g alice)	# alice's primary gid (never assume it is her uid)
GB=$(id -g bob)		# a group alice is not in
NOBODY=$(id -u nobody)
if [ -z "$GA" ] || [ -z "$GB" ] || [ -z "$NOBODY" ]; then
	echo "1..0 # SKIP cannot read the ids of alice, bob and nobody"
	exit 77
fi
case " $(id -G alice) " in
*" $GB "*) echo "1..0 # SKIP alice is in bob's group $GB"; exit 77 ;;
esac
write_policy <<EOF
# 33-identity.sh
allow group $GB tcp:127.0.0.1:80 raw:icmp
allow user alice tcp:127.0.0.1:81
EOF
GOOD_POLICY=$(cat "$POLICY")

# ids MODE SETPRIV-ARGS... -- CLIENT-ARGS...: ph-brokerclient with those
# ids (set by root with setpriv, which sets real and effective gids
# separately), against MODE's broker.
ids() {
	_m=$1; shift
	mode_env "$_m"
	_sp=
	while [ "$1" != -- ]; do _sp="$_sp $1"; shift; done
	shift
	if [ "$_m" = daemon ]; then _t="-d $_S"; else _t="-H $_H"; fi
	# shellcheck disable=SC2086
	setpriv --reuid=alice $_sp -- "$T/ph-brokerclient" $_t "$@"
}

ok "portholed starts" start_daemon

# --- S31-S36: the same identity in every mode ------------------------------
V_EG= V_RG= V_SUPP= V_NONE=
identity() {	# mode
	m=$1
	out=$(ids "$m" --rgid="$GA" --egid="$GB" --clear-groups -- \
	    bind tcp4 127.0.0.1 80)
	v=$(kv result "$out")
	is "$m: egid $GB (the rule's), real gid $GA: granted (S33, S36)" "$v" granted
	V_EG="$V_EG $v"
	out=$(ids "$m" --rgid="$GB" --egid="$GA" --clear-groups -- \
	    bind tcp4 127.0.0.1 80)
	v=$(kv result "$out")
	is "$m: real gid $GB (the rule's), egid $GA: denied (S33)" "$v" refused:EACCES
	V_RG="$V_RG $v"
	out=$(ids "$m" --regid="$GA" --groups="$GB" -- bind tcp4 127.0.0.1 80)
	v=$(kv result "$out")
	is "$m: control: $GB as a supplementary group: granted (S36)" "$v" granted
	V_SUPP="$V_SUPP $v"
	out=$(ids "$m" --regid="$GA" --clear-groups -- bind tcp4 127.0.0.1 80)
	v=$(kv result "$out")
	is "$m: control: neither gid nor groups: denied" "$v" refused:EACCES
	V_NONE="$V_NONE $v"
	out=$(ids "$m" --rgid="$GA" --egid="$GB" --clear-groups -- open raw4 1)
	is "$m: egid $GB: raw:icmp granted" "$(kv result "$out")" granted
	if [ "$m" = daemon ]; then
		# the daemon makes it as itself (30-broker.sh: a known gap)
		is "$m: and the raw socket is the daemon's user's" \
		    "$(kv uid "$out")" "$NOBODY"
	else
		is "$m: and the raw socket is alice's, made after the drop (S47)" \
		    "$(kv uid "$out")" "$A"
	fi
	out=$(ids "$m" --rgid="$GB" --egid="$GA" --clear-groups -- open raw4 1)
	is "$m: real gid $GB: raw:icmp denied" "$(kv result "$out")" refused:EACCES
}
each_mode identity
# The same verdict in every mode that ran: one word a mode in each list.
nmodes=0
for mm in daemon setuid caps; do
	[ -n "$(mode_skip "$mm")" ] || nmodes=$((nmodes + 1))
done
for c in "EG granted" "RG refused:EACCES" "SUPP granted" "NONE refused:EACCES"; do
	set -- $c
	eval "got=\$V_$1"
	is "one verdict for case $1 in all $nmodes modes that ran" \
	    "$(echo $got)" "$(for mm in $(seq "$nmodes"); do printf '%s ' "$2"; done | sed 's/ $//')"
done
stop_daemon

# --- S12-S14, issue 9: the guard is on in the shipped programs ------------
# The helper run by root cannot drop to anyone but root, so its parsers
# refuse: nothing is granted, and it says why.  The control: alice.
guard_helper() {	# setuid|caps
	m=$1
	mode_env "$m"
	out=$("$T/ph-brokerclient" -H "$_H" bind tcp4 127.0.0.1 81 2>&1)
	is "$m: run by root: nothing granted, exit 1 (the guard)" \
	    "$(verdict "$out")" "dropped none exit:1"
	matches "$m: because no parser runs as root" "$out" \
	    "porthole-helper: .*refusing to parse as root"
	out=$(ids "$m" --regid="$GA" --clear-groups -- bind tcp4 127.0.0.1 81)
	is "$m: control: alice is granted the same request" "$(verdict "$out")" \
	    "granted 127.0.0.1:81 exit:0"
}
helper_modes guard_helper 3
# S12, S18: a caller whose real and effective uids differ (as under a
# set-user-ID program of bob's run by alice) is refused: the setuid
# helper acts for its real uid only if that is the channel's peer; the
# file-capability helper cannot change ids, so they must all agree.
mixed() {	# setuid|caps
	m=$1
	mode_env "$m"
	out=$(setpriv --ruid=alice --euid=bob --regid="$GA" --clear-groups -- \
	    "$T/ph-brokerclient" -H "$_H" bind tcp4 127.0.0.1 81 2>&1)
	is "$m: real uid alice, effective uid bob: refused (S12, S18)" \
	    "$(verdict "$out")" "dropped none exit:1"
	if [ "$m" = setuid ]; then
		matches "setuid: the peer (bob's euid) is not the caller (alice)" \
		    "$out" "the peer on fd 3 is not the calling user"
	else
		matches "caps: the ids are mixed" "$out" "mixed user ids"
	fi
}
helper_modes mixed 2
# portholed with a real uid 0 it cannot drop (effective uid nobody, no
# capabilities): the guard refuses to parse /etc/passwd for --user.
_log_mark=$(wc -l < "$T/daemon.log")
timeout 10 setpriv --euid="$NOBODY" --inh-caps=-all -- "$PHD" -f \
    --policy "$POLICY" --socket "$T/run/other.sock" >> "$T/daemon.log" 2>&1
rc=$?
is "daemon: real uid 0 kept: refuses to start (exit 1)" "$rc" 1
matches "daemon: because no parser runs as root" "$(daemon_log)" \
    "portholed: refusing to parse /etc/passwd as root"
ok "daemon: control: started as root it drops, parses and listens" start_daemon
out=$(ids daemon --regid="$GA" --clear-groups -- bind tcp4 127.0.0.1 81)
is "daemon: control: and grants" "$(kv result "$out")" granted
stop_daemon

# portholed itself: $daemon_pid, or strace's child when it runs under
# strace (not portholed's own children, which daemon_real_pid may name).
dpid() {
	if [ "$(cat "/proc/$daemon_pid/comm" 2>/dev/null)" = strace ]; then
		_c=$(cat "/proc/$daemon_pid/task/$daemon_pid/children")
		echo "${_c%% *}"
	else
		echo "$daemon_pid"
	fi
}

# --- S12-S14, issue 9: no parser is entered with any uid 0 (gdb) --------
# A breakpoint on every parser of the policy, the name files and the
# request; at each hit, the process's four uids (real, effective, saved,
# file system) from /proc.  This sees a parse as root whatever the guard
# says; the control (the helper run by root) shows that it would.
cat > "$T/hits.py" <<'EOF'
import gdb
gdb.execute("set pagination off")
gdb.execute("set detach-on-fork off")
gdb.execute("set schedule-multiple on")
gdb.execute("set follow-fork-mode parent")
class Hit(gdb.Breakpoint):
    def stop(self):
        pid = gdb.selected_inferior().pid
        with open("/proc/%d/status" % pid) as f:
            uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
        print("HIT %s pid=%d uids=%s" % (self.location, pid, ",".join(uids)),
              flush=True)
        return False
for fn in ("ph_names_parse", "tab_parse", "ph_policy_parse", "parse_line",
           "ph__req_decode"):
    Hit(fn)
if gdb.selected_inferior().pid == 0:
    gdb.execute("run")
for _ in range(20):
    live = [i for i in gdb.inferiors() if i.pid > 0]
    if not live:
        break
    gdb.execute("inferior %d" % live[0].num)
    try:
        gdb.execute("continue")
    except gdb.error:
        break
print("GDB-DONE", flush=True)
EOF
# hits_helper MODE OUT SETPRIV-ARGS... -- CLIENT-ARGS...: gdb attaches to
# the helper while it waits for its request (-W), then lets it run.
hits_helper() {
	_m=$1 _o=$2; shift 2
	: > "$T/gdb.client"
	ids "$_m" "$@" > "$T/gdb.client" 2>&1 &
	_j=$!
	wait_for 50 grep -qs '^helper_pid=' "$T/gdb.client"
	_hp=$(kv helper_pid "$(cat "$T/gdb.client")")
	timeout 30 gdb -batch -nx -p "${_hp:-0}" -x "$T/hits.py" > "$_o" 2>&1
	wait "$_j"
	out=$(cat "$T/gdb.client")
}
# uids_of FILE: the distinct uid lists of its hits, one a line
uids_of() { sed -n 's/^HIT .* uids=//p' "$1" | sort -u; }
fns_of() { sed -n 's/^HIT \([^ ]*\) .*/\1/p' "$1" | sort -u | tr '\n' ' '; }
ALL_PARSERS="parse_line ph__req_decode ph_names_parse ph_policy_parse tab_parse "
if command -v gdb >/dev/null 2>&1 && gdb -batch -nx -ex 'python print(1)' \
    >/dev/null 2>&1; then
	for m in setuid caps; do
		if [ -n "$(mode_skip "$m")" ]; then
			skip 3 "$m: $(mode_skip "$m")"
			continue
		fi
		hits_helper "$m" "$T/gdb.$m" --regid="$GA" --clear-groups -- \
		    -W 4000 bind tcp4 127.0.0.1 81
		is "$m (under gdb): alice's bind is granted" "$(kv result "$out")" granted
		is "$m: gdb saw every parser run" "$(fns_of "$T/gdb.$m")" "$ALL_PARSERS"
		is "$m: each of them as alice, no uid 0 (issue 9)" \
		    "$(uids_of "$T/gdb.$m")" "$A,$A,$A,$A"
	done
	if [ -z "$(mode_skip setuid)" ]; then
		mode_env setuid
		: > "$T/gdb.client"
		"$T/ph-brokerclient" -H "$_H" -W 4000 bind tcp4 127.0.0.1 81 \
		    > "$T/gdb.client" 2>&1 &
		j=$!
		wait_for 50 grep -qs '^helper_pid=' "$T/gdb.client"
		hp=$(kv helper_pid "$(cat "$T/gdb.client")")
		timeout 30 gdb -batch -nx -p "${hp:-0}" -x "$T/hits.py" \
		    > "$T/gdb.root" 2>&1
		wait "$j"
		matches "control: run by root, gdb sees a parser entered as root" \
		    "$(uids_of "$T/gdb.root")" "^0,0,0,0$"
		matches "control: which the guard then refuses" \
		    "$(cat "$T/gdb.client")" "refusing to parse as root"
	else
		skip 2 "setuid: $(mode_skip setuid)"
	fi
	# portholed under gdb: the --user child and the daemon itself.
	timeout 60 gdb -batch -nx -ex 'set startup-with-shell off' -x "$T/hits.py" \
	    --args "$PHD" -f --policy "$POLICY" --socket "$SOCK" \
	    > "$T/gdb.daemon" 2>&1 &
	g=$!
	wait_for 200 grep -q 'listening on' "$T/gdb.daemon"
	dp=$(sed -n 's/^HIT ph_policy_parse pid=\([0-9]*\) .*/\1/p' "$T/gdb.daemon" |
	    head -n 1)
	ok "daemon (under gdb): starts and listens" grep -q 'listening on' "$T/gdb.daemon"
	out=$(ids daemon --regid="$GA" --clear-groups -- bind tcp4 127.0.0.1 81)
	is "daemon (under gdb): alice's bind is granted" "$(kv result "$out")" granted
	[ -n "$dp" ] && kill -TERM "$dp" 2>/dev/null
	wait "$g"
	is "daemon: gdb saw the name files, the policy and the request parsed" \
	    "$(fns_of "$T/gdb.daemon")" "$ALL_PARSERS"
	is "daemon: in two processes (the --user child, then the daemon)" \
	    "$(sed -n 's/^HIT ph_names_parse pid=\([0-9]*\) .*/\1/p' "$T/gdb.daemon" |
	    sort -u | wc -l | tr -d ' ')" 2
	is "daemon: each of them as $NOBODY, no uid 0 (issue 9)" \
	    "$(uids_of "$T/gdb.daemon")" "$NOBODY,$NOBODY,$NOBODY,$NOBODY"
else
	skip 13 "gdb with python not installed"
fi

# --- S12-S14: the order, seen by strace -----------------------------------
# lineno FILE REGEX: the number of the first line matching, or 0.
lineno() { grep -nE -- "$2" "$1" | head -n 1 | cut -d: -f1 | grep . || echo 0; }
# lastno FILE REGEX: the number of the last line matching, or 0.
lastno() { grep -nE -- "$2" "$1" | tail -n 1 | cut -d: -f1 | grep . || echo 0; }
before() {	# desc a b: 0 < a < b
	if [ "$2" -gt 0 ] && [ "$2" -lt "$3" ]; then _result 0 "$1"
	else echo "#   lines $2 and $3"; _result 1 "$1"; fi
}
# What a bind raises: its kind's capabilities (priv.c's table `kinds`):
# CAP_NET_BIND_SERVICE for the port, CAP_NET_RAW to take S49's guard off
# (SO_BINDTOIFINDEX), CAP_NET_ADMIN to lock S49's filter where the guard
# cannot serve (tcpguard.c).
BIND_CAP='effective=1<<CAP_NET_BIND_SERVICE\|1<<CAP_NET_ADMIN\|1<<CAP_NET_RAW,'
RAW_CAP='effective=1<<CAP_NET_RAW,'
BIND_EFF='effective=[^,]*CAP_NET_BIND_SERVICE'
TRACE=execve,recvmsg,openat,setgroups,setresgid,setresuid,capset,bind,socket,sendmsg
# trace MODE OUT SETPRIV-ARGS... -- CLIENT-ARGS...: ids() under root's
# strace -f (so the setuid bit and file caps still take effect,
# kernel-facts V23); OUT gets the helper's own lines, from its execve on.
trace() {
	_m=$1 _o=$2; shift 2
	mode_env "$_m"
	_sp=
	while [ "$1" != -- ]; do _sp="$_sp $1"; shift; done
	shift
	# shellcheck disable=SC2086
	out=$(strace -f -qq -s 256 -o "$_o.all" -e trace=$TRACE setpriv --reuid=alice \
	    $_sp -- "$T/ph-brokerclient" -H "$_H" "$@" 2>&1)
	_p=$(grep -E "execve\\(\"$_H\"" "$_o.all" | head -n 1 | cut -d' ' -f1)
	sed -n "s/^${_p:-none} *//p" "$_o.all" > "$_o"
}
order() {	# setuid|caps
	m=$1
	f=$T/st.$m
	trace "$m" "$f" --regid="$GA" --clear-groups -- bind tcp4 127.0.0.1 81
	is "$m (traced): alice's bind is granted" "$(kv result "$out")" granted
	if [ "$m" = setuid ]; then
		drop=$(lineno "$f" "^setresuid\\($A, $A, $A\\) += 0")
		before "setuid: setgroups(0) before setresgid($GA) (S13)" \
		    "$(lineno "$f" '^setgroups\(0, NULL\) += 0')" \
		    "$(lineno "$f" "^setresgid\\($GA, $GA, $GA\\) += 0")"
		before "setuid: setresgid($GA) before setresuid($A) (S13)" \
		    "$(lineno "$f" "^setresgid\\($GA, $GA, $GA\\) += 0")" "$drop"
	else
		# caps: the drop is the capset that leaves only the two
		# capabilities, permitted and not effective
		drop=$(lineno "$f" '^capset\(.*effective=0, permitted=1<<CAP_NET_BIND_SERVICE\|(1<<CAP_NET_ADMIN\|)?1<<CAP_NET_RAW,')
		is "caps: no set*id() call (it has no right to one)" \
		    "$(lineno "$f" '^set(groups|resgid|resuid)\(')" 0
		ok "caps: (the trace saw the helper's drop)" test "$drop" -gt 0
	fi
	before "$m: the request is read (recvmsg on fd 3) before the drop" \
	    "$(lineno "$f" '^recvmsg\(3,')" "$drop"
	before "$m: the policy, /etc/passwd and /etc/group are read before it" \
	    "$(lastno "$f" '^openat\(.*("policy"|"/etc/passwd"|"/etc/group")')" "$drop"
	before "$m: the drop comes before any capability is raised" \
	    "$drop" "$(lineno "$f" "^capset\\(.*$BIND_CAP")"
	before "$m: the bind's capabilities (and no others) are raised, then bind() (S14)" \
	    "$(lineno "$f" "^capset\\(.*$BIND_CAP")" "$(lineno "$f" '^bind\(')"
	before "$m: every capability is gone before the answer (S14)" \
	    "$(lineno "$f" '^capset\(.*effective=0, permitted=0,')" \
	    "$(lineno "$f" '^sendmsg\(3,')"
	is "$m: no capability but the bind's is ever effective for a bind" \
	    "$(grep -o 'effective=[^,]*' "$f" |
	    sed 's/1<<CAP_NET_\(BIND_SERVICE\|ADMIN\|RAW\)//g' | grep -c CAP_)" 0
	f=$T/st.$m.raw
	trace "$m" "$f" --rgid="$GA" --egid="$GB" --clear-groups -- open raw4 1
	is "$m (traced): raw:icmp for egid $GB is granted" \
	    "$(kv result "$out")" granted
	before "$m: CAP_NET_RAW alone is raised after the drop, then socket() (S14)" \
	    "$(lineno "$f" "^capset\\(.*$RAW_CAP")" \
	    "$(lineno "$f" '^socket\(AF_INET, SOCK_RAW')"
	[ "$m" = setuid ] &&
	    before "setuid: the raw socket is made after setresuid($A) (S47)" \
	    "$(lineno "$f" "^setresuid\\($A, $A, $A\\) += 0")" \
	    "$(lineno "$f" '^socket\(AF_INET, SOCK_RAW')"
	[ "$m" = caps ] &&
	    is "caps: CAP_NET_BIND_SERVICE is never effective for a raw socket" \
	    "$(grep -cE "$BIND_EFF" "$f")" 0
}

# the helpers, then the daemon (below): 12 + 12 + 4 tests
if command -v strace >/dev/null 2>&1; then
	for m in setuid caps; do
		if [ -n "$(mode_skip "$m")" ]; then
			skip 12 "$m: $(mode_skip "$m")"
			continue
		fi
		order "$m"
	done

	# portholed: --user parsed in a child as 65534, the policy after
	# the drop (S12-S14)
	DAEMON_WRAP="strace -f -qq -s 256 -o $T/st.daemon -e trace=clone,fork,setresuid,write,exit_group"
	ok "daemon starts under strace" start_daemon
	DAEMON_WRAP=
	is "daemon (traced): uids all --user's" \
	    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$(dpid)/status")" \
	    "$NOBODY $NOBODY $NOBODY $NOBODY"
	stop_daemon
	f=$T/st.daemon
	main=$(head -n 1 "$f" | cut -d' ' -f1)
	child=$(grep -E "^$main +(clone|fork)\(" "$f" | head -n 1 | sed 's/.* = //')
	sed -n "s/^$main *//p" "$f" > "$f.main"
	sed -n "s/^${child:-none} *//p" "$f" > "$f.child"
	before "daemon: the --user child drops to 65534, then answers 8 bytes" \
	    "$(lineno "$f.child" '^setresuid\(65534, 65534, 65534\) += 0')" \
	    "$(lineno "$f.child" '^write\([0-9]+, .*, 8\) += 8')"
	before "daemon: it drops to --user, then parses the policy" \
	    "$(lineno "$f.main" "^setresuid\\($NOBODY, $NOBODY, $NOBODY\\) += 0")" \
	    "$(lineno "$f.main" '^write\(2, ".*policy .* loaded: 2 rules')"
else
	skip 28 "strace not installed"
fi

# --- portholed keeps what it serves with, whatever the policy (S14, S15) --
# CAP_NET_RAW is kept without a raw grant too: every TCP grant needs it
# to take S49's guard off (tcpguard.c).
# capof SET: the daemon's capability SET (CapEff...) as hex, without
# CAP_NET_ADMIN (bit 12), which binding may need (priv.c's S49 filter):
# this test is about CAP_NET_BIND_SERVICE (10) and CAP_NET_RAW (13).
capof() {
	_v=$(awk -v k="$1:" '$1 == k { print $2 }' "/proc/$(dpid)/status")
	[ -n "$_v" ] && printf '%016x\n' $((0x$_v & ~0x1000))
}
daemon_caps() {	# want-hex description
	is "daemon: CapEff $1 ($2)" "$(capof CapEff)" "$1"
	is "daemon: CapPrm $1" "$(capof CapPrm)" "$1"
}
ok "daemon starts" start_daemon
daemon_caps 0000000000002400 "the policy grants raw:icmp"
stop_daemon
printf '# no raw grant\nallow user alice tcp:127.0.0.1:81\n' | write_policy
ok "daemon starts with a policy that grants no raw socket" start_daemon
daemon_caps 0000000000002400 "no raw grant: CAP_NET_RAW kept for the guard"
out=$(ids daemon --regid="$GA" --clear-groups -- bind tcp4 127.0.0.1 81)
is "daemon: control: and grants" "$(kv result "$out")" granted
stop_daemon
printf '%s\n' "$GOOD_POLICY" | write_policy
finish
