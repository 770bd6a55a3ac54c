# SPDX-License-Identifier: ISC
# 35-check.sh - porthole check without any broker: usage errors (2), a
# policy not owned by root refused (S53), and, as root (the policy must be
# root's, so the rest skips otherwise): a bind asked as the broker asks it
# (S50: the IPv6 wildcard, or no address, needs the IPv4 wildcard too,
# whatever IPV6_V6ONLY would say; an IPv4-mapped address is the IPv4
# address), and the warnings of --policy FILE on stderr, which never
# change the exit status: one line per rule granting raw or packet
# sockets, saying what the holder gets (S46, S51, kernel-facts V22), and
# one per IPv6-wildcard grant that needs an IPv4 grant its subject lacks
# or per IPv4-mapped grant, which grant nothing (S50).
. "$TOP/tests/integration/lib.sh"

PH=$PORTHOLE

# --- usage and trust, as anyone ----------------------------------------
"$PH" check >/dev/null 2>&1
is "no SPEC and no --policy: usage error 2" $? 2
"$PH" check --policy rel/policy >/dev/null 2>&1
is "--policy with a relative path: usage error 2" $? 2
"$PH" check tcp:0 >/dev/null 2>&1
is "a SPEC with port 0: usage error 2" $? 2
# Usage errors of check and run (the same SPECs) say what is wrong, in
# one line with the hint; run fails before any socket or PROGRAM.
HC="; see 'porthole check --help'" HR="; see 'porthole run --help'"
out=$("$PH" check tcp:80 --user x 2>&1)
is "an option after a SPEC: usage error 2" $? 2
is "...saying that options come before SPECs" "$out" \
    "porthole check: '--user' after a SPEC: options come before SPECs$HC"
out=$("$PH" check -- -x 2>&1)
matches "after '--', '-x' is a (bad) SPEC, not an option" "$out" \
    "^porthole check: '-x': not a SPEC "
out=$("$PH" check -x tcp:80 2>&1)
is "an unknown option: usage error 2" $? 2
is "...one line of porthole's own, with the hint" "$out" \
    "porthole check: unknown option '-x'$HC"
is "an unknown long option" "$("$PH" check --frob tcp:80 2>&1)" \
    "porthole check: unknown option '--frob'$HC"
is "--policy without its FILE (abbreviated)" "$("$PH" check --pol 2>&1)" \
    "porthole check: option '--policy' needs an argument$HC"
out=$("$PH" run -- touch "$T/ran" 2>&1)
is "run -- PROGRAM without a SPEC: usage error 2" $? 2
is "...saying that no SPEC was given" "$out" \
    "porthole run: no SPEC given before '--'$HR"
fails "...and PROGRAM did not run" test -e "$T/ran"
out=$("$PH" run 2>&1)
is "run with nothing: no SPEC given" "$out" "porthole run: no SPEC given$HR"
out=$("$PH" run tcp:80 --backlog 5 -- touch "$T/ran" 2>&1)
is "run: an option after a SPEC: usage error 2" $? 2
is "...saying that options come before SPECs" "$out" \
    "porthole run: '--backlog' after a SPEC: options come before SPECs$HR"
is "run: an unknown option" "$("$PH" run -x tcp:80 -- true 2>&1)" \
    "porthole run: unknown option '-x'$HR"
is "run: --backlog without its N" "$("$PH" run --backlog 2>&1)" \
    "porthole run: option '--backlog' needs an argument$HR"
is "run: --help=x" "$("$PH" run --help=x 2>&1)" \
    "porthole run: option '--help' takes no argument$HR"

mkdir -m 0755 "$T/etc"
printf 'allow user 0 tcp:80\n' >"$T/etc/notroot"
chmod 0644 "$T/etc/notroot"
[ "$(id -u)" = 0 ] && chown 65534 "$T/etc/notroot"
out=$("$PH" check --policy "$T/etc/notroot" 2>&1)
is "test_s53: a policy not owned by root: status 1" $? 1
# As root the file is refused, as a user already $T, which is theirs;
# either way the error names the policy file (issue 11).
matches "...and it says whose it is, naming the policy file" "$out" \
    "^porthole check: ($T/etc/notroot|policy $T/etc/notroot: $T): .*owned by uid [0-9]+, not root\$"

if [ "$(id -u)" != 0 ]; then
	skip 30 "the rest needs a root-owned policy, so root"
	finish
fi

# pol NAME: the policy on stdin as $T/etc/NAME, root's and 0644.
pol() {
	cat >"$T/etc/$1"
	chmod 0644 "$T/etc/$1"
}
# check_p NAME ARG...: run check on that policy; stdout in $out, stderr
# in $err, the status in $rc.
check_p() {
	_p=$T/etc/$1; shift
	"$PH" check --policy "$_p" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out") err=$(cat "$T/err")
}
P=$T/etc
# Warnings start so; extended regular expressions from here on.
W="^porthole check: $P"
NEEDS="which a bind of the IPv6 wildcard needs too"
ALONE="grants nothing on its own:"

# --- S50: the questions of a bind, as the broker asks them --------------
pol dual <<'EOF'
# 35-check.sh
allow user 0 tcp:[::]:543 tcp:0.0.0.0:544 tcp:[::]:544
allow user root tcp:0.0.0.0:545
allow user 0 tcp:[::]:545 udp:[::]:546 tcp:127.0.0.1:80 tcp:547
EOF
check_p dual "tcp:[::]:543"
is "test_s50_any6_alone: tcp:[::]:543 granted alone is denied" "$rc" 1
is "...and the answer names what is missing" "$out" \
    "denied: tcp:[::]:543 (no rule in $P/dual allows tcp:0.0.0.0:543, $NEEDS)"
check_p dual tcp:543
is "test_s50_no_address: tcp:543 (what run binds, [::]) is denied too" \
    "$rc" 1
check_p dual "tcp:[::]:544"
is "test_s50_both_wildcards: [::]:544 with 0.0.0.0:544 is allowed" "$rc" 0
r1="$P/dual:2: allow user 0 tcp:[::]:544"
r2="$P/dual:2: allow user 0 tcp:0.0.0.0:544"
is "...naming both grants" "$out" "allowed: tcp:[::]:544 by $r1 and $r2"
check_p dual tcp:545
r1="$P/dual:4: allow user 0 tcp:[::]:545"
r2="$P/dual:3: allow user root tcp:0.0.0.0:545"
is "test_s50_two_rules: the two wildcards from two rules (name and uid)" \
    "$out" "allowed: tcp:545 by $r1 and $r2"
check_p dual "udp:[::]:546"
is "test_s50_udp: udp:[::]:546 alone is denied" "$rc" 1
check_p dual "tcp:[::]:547"
is "test_s50_every_address: tcp:547 covers both wildcards, one rule named" \
    "$rc:$out" "0:allowed: tcp:[::]:547 by $P/dual:4: allow user 0 tcp:547"
check_p dual "tcp:0.0.0.0:543"
is "...the IPv4 wildcard alone needs only its own grant" "$rc" 1
check_p dual "tcp:[::ffff:127.0.0.1]:80"
r1="$P/dual:4: allow user 0 tcp:127.0.0.1:80"
is "test_s50_v4mapped: [::ffff:127.0.0.1] is judged as 127.0.0.1" \
    "$rc:$out" "0:allowed: tcp:[::ffff:127.0.0.1]:80 by $r1"
check_p dual "tcp:[::1]:80"
is "...but [::1] is not 127.0.0.1" "$rc" 1

# --- S50: --policy warns about wildcard grants that grant nothing -------
check_p dual
is "--policy with warnings: status still 0" "$rc" 0
is "...and stdout still says OK" "$out" "$P/dual: OK (3 rules)"
is "test_s50_warn_any6: one warning each for [::]:543 and udp [::]:546" \
    "$(printf '%s\n' "$err" | grep -c 'grants nothing on its own')" 2
re="add tcp:0\.0\.0\.0:543, or grant tcp:543 \(every address\)\$"
matches "...[::]:543 by line, with what to add" "$err" \
    "$W/dual:2: warning: tcp:\[::\]:543 $ALONE .*$re"
matches "...udp:[::]:546 likewise" "$err" \
    "$W/dual:4: warning: udp:\[::\]:546 $ALONE .*add udp:0\.0\.0\.0:546,"
is "...none for [::]:544 and [::]:545, whose IPv4 wildcard is granted" \
    "$(printf '%s\n' "$err" | grep -c ':54[45] grants nothing')" 0
pol mapped <<'EOF'
allow user 0 tcp:[::ffff:127.0.0.1]:80 tcp:[::]:600-610 tcp:0.0.0.0:600-605
EOF
check_p mapped "tcp:127.0.0.1:80"
is "test_s50_v4mapped_grant: a grant of [::ffff:127.0.0.1] allows nothing" \
    "$rc" 1
check_p mapped
re="tcp:\[::ffff:127\.0\.0\.1\]:80 grants nothing: "
matches "...and --policy says so, with the IPv4 form" "$err" \
    "$W/mapped:1: warning: $re.*write tcp:127\.0\.0\.1:80\$"
matches "test_s50_range: a range half covered by 0.0.0.0 is warned" "$err" \
    "$W/mapped:1: warning: tcp:\[::\]:600-610 $ALONE .*\
add tcp:0\.0\.0\.0:600-610,"
pol ranges <<'EOF'
allow user 0 tcp:[::]:600-610 tcp:0.0.0.0:600-605
allow user root tcp:606-610
EOF
check_p ranges
is "test_s50_ranges: a range covered by two IPv4 grants is not warned" \
    "$rc:$err" "0:"

# --- S46, S51: one warning line per raw or packet rule -------------------
pol raw <<'EOF'
allow user 0 tcp:80 udp:53
allow user 0 raw:icmp raw6:icmpv6   # ping, two grants: one line
allow group 0 raw:17
allow user 0 packet:lo
allow user 0 raw6:17 tcp:81
EOF
check_p raw
is "raw and packet warnings: status still 0" "$rc:$out" "0:$P/raw: OK (5 rules)"
is "test_s51_one_line_per_rule: 4 warnings for 4 raw or packet rules" \
    "$(printf '%s\n' "$err" | grep -c ': warning: ')" 4
lines=$(printf '%s\n' "$err" |
    sed -n "s|^porthole check: $P/raw:\([0-9]*\): warning: .*|\1|p")
is "...on lines 2 to 5, none for the tcp/udp rule" \
    "$(printf '%s\n' "$lines" | tr '\n' ' ')" "2 3 4 5 "
ANY="of any protocol, from any source address"
matches "test_s51_raw4: raw:icmp sends any IPv4 packet, from any source" \
    "$err" "$W/raw:2: warning: raw:icmp receives every IPv4 packet of \
protocol 1 .*sends any IPv4 packet, $ANY \(IP_HDRINCL\); raw6:icmpv6 "
matches "test_s51_raw6: raw6:icmpv6 likewise (IPV6_HDRINCL)" "$err" \
    "raw6:icmpv6 receives every IPv6 packet of protocol 58 .*sends any \
IPv6 packet, $ANY \(IPV6_HDRINCL\) \(see porthole\.policy\(5\)\)\$"
matches "test_s51_raw_any_protocol: raw:17 is warned as well, not only 255" \
    "$err" "$W/raw:3: warning: raw:17 receives every IPv4 packet of \
protocol 17 .*sends any IPv4 packet, $ANY"
matches "test_s46_packet: packet:lo gets every frame, sends any frame" \
    "$err" "$W/raw:4: warning: packet:lo receives every frame on lo .*\
promiscuous.*sends any frame"
pol clean <<'EOF'
allow user 0 tcp:80 tcp:[::]:443 tcp:0.0.0.0:443 udp:127.0.0.1:53
EOF
check_p clean
is "a policy with nothing to warn about: stderr empty" "$rc:$out:$err" \
    "0:$P/clean: OK (1 rules):"
check_p raw raw:icmp
is "with a SPEC, only the answer: no warnings" "$rc:$err" "0:"

finish
