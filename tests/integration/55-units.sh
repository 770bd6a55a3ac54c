# SPDX-License-Identifier: ISC
# 55-units.sh - the systemd units (issue 11): they are generated with no
# token left, `systemd-analyze verify` has nothing to say about them,
# `systemd-analyze security --offline=yes` rates the service 2.0 ("OK")
# or better, every directive carries a comment, and the directives agree
# with what src/daemon/portholed.c and src/broker/priv.c do: the
# capabilities it keeps, the socket families it makes, its tasks, and the
# sandboxing it cannot live with.  Controls show that each check can
# fail: a weaker unit scores worse, an unknown directive is reported.
# Nothing is installed, started or enabled: systemd-analyze reads files.
# tests/root/55-unit-sandbox.sh runs the daemon the way the unit does.
. "$TOP/tests/integration/lib.sh"

IN=$TOP/systemd/portholed.service.in
SRC=$TOP/src/daemon/portholed.c
PRIV=$TOP/src/broker/priv.c
GEN=$T/gen/systemd
SVC=$GEN/portholed.service
SOCKU=$GEN/portholed.socket
MAX_SCORE=2.0

# --- generated as `make install` does, into $T ----------------------------
# SBINDIR is the build, so that ExecStart names a program that exists.
ok "make generates both units" \
    make -s -C "$TOP" BUILD="$T/gen" SBINDIR="$BUILD" RUNSTATEDIR=/run \
    "$SVC" "$SOCKU"
ok "no @TOKEN@ is left in them" \
    sh -c '! grep -n "@[A-Z]*@" "$1" "$2"' sh "$SVC" "$SOCKU"
is "ExecStart runs the built portholed in the foreground (journal)" \
    "$(sed -n 's/^ExecStart=//p' "$SVC")" "$BUILD/portholed --foreground"

# --- the text: every directive commented ---------------------------------
# A directive of [Service] is commented when its paragraph (lines up to a
# blank line) holds a comment line, as in the rest of the file.
uncommented=$(awk '
	/^\[/ { sect = $0; para = 0; n = 0; next }
	/^$/ { for (i = 0; i < n; i++) if (!para) print held[i]; para = 0; n = 0; next }
	/^#/ { para = 1; next }
	sect == "[Service]" && /=/ { held[n++] = FNR ": " $0 }
	END { for (i = 0; i < n; i++) if (!para) print held[i] }
' "$IN")
is "every [Service] directive has a comment saying why" "$uncommented" ""

# get KEY FILE: the values of KEY, one line per assignment.
get() { sed -n "s/^$1=//p" "$2"; }
# words KEY FILE: the values of KEY as sorted words.
words() { get "$1" "$2" | tr ' ' '\n' | grep . | sort -u; }

# --- the directives agree with the code ------------------------------------
# Capabilities: every CAP_ portholed.c keeps (BIND_CAPS, over its lines)
# is in the bounding and the ambient set, and nothing else is.
code_caps=$( (sed -n '/^#define BIND_CAPS/,/[^\\]$/p' "$SRC"; echo CAP_NET_RAW) |
    grep -o 'CAP_[A-Z_]*' | grep -v '^CAP_$' | sort -u)
matches "portholed.c names the capabilities it keeps" "$code_caps" \
    CAP_NET_BIND_SERVICE
is "CapabilityBoundingSet= is exactly what portholed keeps" \
    "$(words CapabilityBoundingSet "$SVC")" "$code_caps"
is "AmbientCapabilities= is exactly what portholed keeps" \
    "$(words AmbientCapabilities "$SVC")" "$code_caps"
# Socket families: AF_UNIX (portholed.c, listen.c) and each family
# priv.c's make_socket() is called with must be allowed.
code_af=$( (echo AF_UNIX; grep -o 'make_socket(AF_[A-Z0-9]*' \
    "$PRIV" | grep -o 'AF_[A-Z0-9]*') | sort -u)
missing=$(printf '%s\n' "$code_af" |
    grep -vxF "$(words RestrictAddressFamilies "$SVC")")
is "RestrictAddressFamilies= allows every family portholed creates" \
    "$missing" ""
matches "priv.c still makes raw and packet sockets (the check above bites)" \
    "$code_af" AF_PACKET
# Tasks: portholed, its --user child, CLOSER_MAX closers and the kill of
# ExecReload=, which runs in the same cgroup.
closers=$(sed -n 's/^#define[[:space:]]*CLOSER_MAX[[:space:]]*\([0-9]*\).*/\1/p' \
    "$TOP/src/broker/closer.h")
matches "closer.h says how many closers there are (the check below bites)" \
    "${closers:-}" '^[1-9][0-9]*$'
tasks=$(get TasksMax "$SVC")
ok "TasksMax=$tasks leaves room for portholed, its child, ${closers:-0} closers and kill" \
    test "$tasks" -ge $((${closers:-0} + 3)) -a "$tasks" -ge 4
# What the daemon cannot live with (the comment at the end of the unit
# says why): each would break grants with no error at start.
for bad in PrivateNetwork PrivateUsers IPAddressDeny \
    RestrictNetworkInterfaces; do
	is "no $bad= (see the end of portholed.service.in)" \
	    "$(get "$bad" "$SVC")" ""
done
# Its identity: never root, and no set*id capability to become root.
is "DynamicUser=yes" "$(get DynamicUser "$SVC")" yes
ok "no directive grants CAP_SETUID, CAP_SETGID or CAP_SETPCAP" \
    sh -c '! grep -E "^[^#].*CAP_SET(UID|GID|PCAP)" "$1"' sh "$SVC"
# portholed takes a passed socket only if root owns it (S30).
is "the socket unit leaves the socket root's (no SocketUser=)" \
    "$(get SocketUser "$SOCKU")$(get SocketGroup "$SOCKU")" ""
is "the socket is SOCK_SEQPACKET at the default path" \
    "$(get ListenSequentialPacket "$SOCKU")" /run/porthole/porthole.sock

# --- systemd-analyze ---------------------------------------------------------
if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip 6 "systemd-analyze not installed"
	finish
fi
# verify exits 0 on an unknown key and only prints it: so nothing at all
# may be printed.  --man=no: the pages are not installed here.
verify() {	# dir
	(cd "$1" && systemd-analyze verify --man=no portholed.socket \
	    portholed.service 2>&1; echo "rc=$?")
}
is "systemd-analyze verify has nothing to say about the units" \
    "$(verify "$GEN")" "rc=0"
mkdir "$T/unknown"
cp "$SOCKU" "$T/unknown/"
sed 's/^UMask=.*/&\nProtectNothing=yes/' "$SVC" >"$T/unknown/portholed.service"
matches "control: verify reports a directive systemd does not know" \
    "$(verify "$T/unknown")" "Unknown key .?ProtectNothing"

if ! systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	skip 4 "systemd-analyze security has no --offline (systemd < 250)"
	finish
fi
# score FILE: the exposure, e.g. 2.0.
score() {
	(cd "$(dirname "$1")" && systemd-analyze security --offline=yes \
	    "$(basename "$1")" 2>&1) | tee "$T/security.out" |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
s=$(score "$SVC")
echo "# systemd-analyze security --offline=yes: $s (at most $MAX_SCORE)"
grep '^✗' "$T/security.out" | sed 's/^/#   /'
matches "systemd-analyze security rates the service" "$s" '^[0-9]+\.[0-9]$'
ok "the exposure is at most $MAX_SCORE (\"OK\")" \
    awk -v s="$s" -v m="$MAX_SCORE" 'BEGIN { exit !(s != "" && s <= m) }'
ok "--threshold agrees (exit 0 at $MAX_SCORE)" \
    sh -c 'cd "$1" && systemd-analyze security --offline=yes \
    --threshold="$2" portholed.service' sh "$GEN" \
    "$(echo "$MAX_SCORE" | tr -d .)"
# Control: without its system call filter the same unit scores worse.
mkdir "$T/weak"
grep -v '^SystemCallFilter=' "$SVC" >"$T/weak/portholed.service"
w=$(score "$T/weak/portholed.service")
echo "# without SystemCallFilter=: $w"
ok "control: a unit without SystemCallFilter= scores above $MAX_SCORE" \
    awk -v s="$w" -v m="$MAX_SCORE" 'BEGIN { exit !(s != "" && s > m) }'
finish
