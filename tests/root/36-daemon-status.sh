# SPDX-License-Identifier: ISC
# 36-daemon-status.sh - operating portholed (issue 11), root only, in a
# fresh network namespace:
#
#   status   `porthole status` and `--json`: the daemon's version, policy
#            file, rules, load time, uptime, connections, grants and
#            refusals; no names, ids or rules in the answer (S89);
#            answered to a user the policy names nowhere (the daemon's
#            ungranted path); exit 1 with one line when no daemon
#            listens, when the socket is out of reach, and when its
#            listener is not root's (S28); porthole-helper refuses a
#            status with EOPNOTSUPP
#   journal  with JOURNAL_STREAM naming its stderr the daemon prefixes
#            each line with the syslog priority "<N>" (sd-daemon(3));
#            a value naming another file, or not strictly numeric
#            (S11), gives no prefix
#   policy   with no valid policy the client hears that, not "add a
#            rule" (`porthole run` and `porthole exec`); `porthole
#            check` names the policy file in every error
. "$TOP/tests/root/broker-lib.sh"

Bg=$(id -g bob)
write_policy <<EOF2
# 36-daemon-status.sh
allow user alice tcp:127.0.0.1:80
EOF2
VERSION=$("$PH" --version | sed -n 's/^porthole //p')

# stj USER: porthole status --json as USER against our daemon.
stj() { with_daemon "$1" "$PH" status --json; }
# jf JSON KEY: one field, as python's json module reads it (an error,
# and so a failed test, if it does not parse).
jf() {
	printf '%s' "$1" | "$PY" -c 'import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(json.dumps(v) if isinstance(v, bool) else v)' "$2"
}

# --- status ------------------------------------------------------------
start_daemon || { _result 1 "portholed starts"; finish; }
out=$(with_daemon alice "$PH" status 2>&1); rc=$?
is "status as alice: exit 0" "$rc" 0
matches "status names version and socket" "$out" \
    "^portholed $VERSION at $SOCK\$"
matches "status names the policy, its rules and load time" "$out" \
    "^policy: +$POLICY: 1 rules, loaded [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC\$"
matches "status counts this connection" "$out" "^connections: +1\$"
matches "status: no grants yet" "$out" "^grants: +0\$"

# One grant (alice, port 80) and one refusal (bob, port 80).
v=$(kv result "$(client daemon alice bind tcp4 127.0.0.1 80)")
is "control: alice is granted tcp:80" "$v" granted
v=$(kv result "$(client daemon bob bind tcp4 127.0.0.1 80)")
is "control: bob is refused tcp:80" "$v" refused:EACCES

j=$(stj alice); rc=$?
is "status --json: exit 0" "$rc" 0
is "json: version" "$(jf "$j" version)" "$VERSION"
is "json: socket" "$(jf "$j" socket)" "$SOCK"
is "json: policy" "$(jf "$j" policy)" "$POLICY"
is "json: policy_valid" "$(jf "$j" policy_valid)" true
is "json: rules" "$(jf "$j" rules)" 1
is "json: grants since start" "$(jf "$j" grants)" 1
is "json: refusals since start" "$(jf "$j" refusals)" 1
is "json: connections" "$(jf "$j" connections)" 1
now=$(date +%s)
loaded=$(jf "$j" loaded)
ok "json: loaded is the time of start ($loaded, now $now)" \
    test "$loaded" -le "$now" -a "$loaded" -ge "$((now - 60))"
up=$(jf "$j" uptime)
ok "json: uptime is seconds since start ($up)" test "$up" -ge 0 -a "$up" -le 60
# S89: exactly these keys, and no user name or id among the values.
keys=$(printf '%s' "$j" | "$PY" -c 'import json, sys
print(" ".join(sorted(json.load(sys.stdin))))')
is "json: the documented keys only" "$keys" \
    "connections grants loaded policy policy_valid refusals rules socket uptime version"
case $j in
*alice*|*bob*|*"\"$A\""*|*": $A,"*|*": $B,"*) _result 1 "S89: no names or ids in the answer" ;;
*) _result 0 "S89: no names or ids in the answer" ;;
esac

# carol: named nowhere in the policy, answered on the ungranted path.
j=$(stj carol); rc=$?
is "S89: carol (no rule) gets the status too: exit 0" "$rc" 0
is "carol's status: the same counts" "$(jf "$j" grants)/$(jf "$j" refusals)" 1/1
is "carol's status: the same policy" "$(jf "$j" policy)" "$POLICY"
# The daemon is still there for everyone after that.
v=$(kv result "$(client daemon alice bind tcp4 127.0.0.1 80)")
is "the daemon still serves alice after carol's status" "$v" granted
out=$(with_daemon carol "$PH" status 2>&1); rc=$?
matches "carol's plain status names the socket" "$out" "^portholed .* at $SOCK\$"
ok "status requests are not in the audit log (S58)" \
    sh -c "! grep -q 'status' '$T/daemon.log'"

# porthole-helper refuses a status (it has no daemon state): EOPNOTSUPP.
HELPER_PY='import os, socket, struct, subprocess, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
def pre():
    os.dup2(b.fileno(), 3)
p = subprocess.Popen(["porthole-helper"], executable=sys.argv[1], env={},
                     preexec_fn=pre, pass_fds=(3,), stderr=subprocess.DEVNULL)
b.close()
a.send(struct.pack("=IHHIIII", 24, 4, 1, 77, 0, 0, 0))
r = a.recv(256)
p.wait()
ln, t, ver, i, res, err, fl = struct.unpack("=IHHIIiI", r[:24])
print(len(r), t, i, err, r[24:].split(b"\0")[0].decode())'
why=$(mode_skip setuid)
if [ -n "$why" ]; then
	skip 1 "setuid helper: $why"
else
	out=$(as alice "$PY" -c "$HELPER_PY" "$HELPER_SUID" 2>&1)
	is "porthole-helper answers a status with EOPNOTSUPP" "$out" \
	    "120 3 77 95 status requests are answered by portholed only"
fi

# --- status when nobody answers ------------------------------------------
stop_daemon
out=$(with_daemon alice "$PH" status 2>&1); rc=$?
is "no daemon: exit 1" "$rc" 1
is "no daemon: one line" "$(printf '%s\n' "$out" | wc -l)" 1
matches "no daemon: says so, and how to start it" "$out" \
    "^porthole status: no portholed at $SOCK \((connection refused|no such socket)\); start it with \`systemctl start portholed.socket\`\$"
ok "no daemon: nothing about porthole-helper or a reset" \
    sh -c "! printf '%s' '$out' | grep -Eq 'helper|reset'"
out=$(as alice env PORTHOLE_SOCKET="$T/nothing/here.sock" "$PH" status 2>&1); rc=$?
is "no socket at all: exit 1" "$rc" 1
matches "no socket at all: no portholed there" "$out" \
    "^porthole status: no portholed at $T/nothing/here.sock \(no such socket\)"
j=$(with_daemon alice "$PH" status --json 2>/dev/null); rc=$?
is "no daemon, --json: exit 1" "$rc" 1
is "no daemon, --json: nothing on stdout" "$j" ""

# No permission: the socket's directory is root's, mode 0700.
# listen_py USER PATH [MODE]: a SOCK_SEQPACKET listener of USER's at
# PATH (chmod MODE) for 10 s; $lpid, once PATH is there.  setpriv execs
# python: $! is the listener itself, so kill ends it.
listen_py() {
	setpriv --reuid="$1" --regid="$1" --init-groups -- "$PY" -c 'import socket, os, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1])
if len(sys.argv) > 2: os.chmod(sys.argv[1], int(sys.argv[2], 8))
s.listen(1); time.sleep(10)' "$2" ${3:+"$3"} &
	lpid=$!
	wait_for 50 test -S "$2"
}
mkdir -m 0700 "$T/private"
listen_py root "$T/private/p.sock"
out=$(as alice env PORTHOLE_SOCKET="$T/private/p.sock" "$PH" status 2>&1); rc=$?
is "no permission: exit 1" "$rc" 1
matches "no permission: says so" "$out" \
    "^porthole status: cannot connect to portholed at $T/private/p.sock \(permission denied\)"
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null

# Wrong uid (S28): a listener of alice's own, which bob could reach.
mkdir -m 0755 "$T/alice"; chown alice "$T/alice"
listen_py alice "$T/alice/fake.sock" 666
out=$(as bob env PORTHOLE_SOCKET="$T/alice/fake.sock" "$PH" status 2>&1); rc=$?
is "S28: a listener that is not root's: exit 1" "$rc" 1
matches "S28: says the socket is not root's" "$out" \
    "^porthole status: the socket at $T/alice/fake.sock is not root's"
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
fails "usage: status takes no arguments" as alice "$PH" status extra
is "usage: exit 2" "$(as alice "$PH" status extra >/dev/null 2>&1; echo $?)" 2

# --- journal priority prefixes ---------------------------------------------
# JOURNAL_STREAM names daemon.log, which start_daemon makes its stderr.
js=$(stat -c '%d:%i' "$T/daemon.log")
export JOURNAL_STREAM="$js"
start_daemon || _result 1 "portholed starts with JOURNAL_STREAM"
unset JOURNAL_STREAM
v=$(kv result "$(client daemon bob bind tcp4 127.0.0.1 80)")
is "journal: control: bob is refused" "$v" refused:EACCES
wait_log "refused uid=$B" >/dev/null
log=$(daemon_log)
matches "journal: notices carry <5>" "$log" "^<5>policy $POLICY loaded: 1 rules\$"
matches "journal: 'listening on' is <5>" "$log" "^<5>listening on $SOCK"
matches "journal: refusals carry <4> (journalctl -p warning shows them)" \
    "$log" "^<4>refused uid=$B gid=$Bg pid=[0-9]+ tcp:127\.0\.0\.1:80"
ok "journal: every line has a prefix" \
    sh -c "! printf '%s\n' \"\$1\" | grep -v '^<[0-7]>'" sh "$log"
# A fatal error (a second daemon on the same socket) is <3> too.
: > "$T/second.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/second.log") timeout 10 "$PHD" -f \
    --policy "$POLICY" --socket "$SOCK" 2>>"$T/second.log"
is "journal: a second daemon exits 1" "$?" 1
is "journal: its fatal error carries <3>" "$(cat "$T/second.log")" \
    "<3>portholed: already running"
: > "$T/second.log"
timeout 10 "$PHD" -f --policy "$POLICY" --socket "$SOCK" 2>>"$T/second.log"
is "journal: control: without JOURNAL_STREAM, no prefix" \
    "$(cat "$T/second.log")" "portholed: already running"
stop_daemon
# An invalid policy is an error: <3>.
cp "$POLICY" "$T/policy.good"
write_policy <<EOF2
this is not a rule
EOF2
export JOURNAL_STREAM="$js"
start_daemon || _result 1 "portholed starts with an invalid policy"
unset JOURNAL_STREAM
matches "journal: a policy error carries <3>" "$(daemon_log)" \
    "^<3>$POLICY:1: .*nothing is granted until it is fixed\$"
stop_daemon
write_policy < "$T/policy.good"
# Controls: another file's dev:ino, and the right one written loosely.
dev=${js%%:*} ino=${js#*:}
for val in "$dev:$((ino + 1))" "0$dev:$ino" "$dev:+$ino" " $dev:$ino" \
    "$dev:$ino:" "$dev" "$dev:${ino}x" ":$ino"; do
	export JOURNAL_STREAM="$val"
	start_daemon || _result 1 "portholed starts ($val)"
	unset JOURNAL_STREAM
	ok "journal: JOURNAL_STREAM='$val' gives no prefixes" \
	    sh -c "! printf '%s\n' \"\$1\" | grep -q '^<'" sh "$(daemon_log)"
	stop_daemon
done

# --- no valid policy: the client hears it --------------------------------
# Control first: with the policy, bob's denial suggests a rule.
start_daemon || _result 1 "portholed starts"
with_daemon bob "$PH" run tcp:127.0.0.1:80 -- true >"$T/run.out" 2>&1
matches "control: with a policy, run's denial suggests a rule" \
    "$(cat "$T/run.out")" "add a line such as 'allow user bob tcp:127.0.0.1:80'"
stop_daemon
rm -f "$POLICY"
start_daemon || _result 1 "portholed starts without a policy"
j=$(stj alice)
is "status: no valid policy (policy_valid false)" "$(jf "$j" policy_valid)" false
is "status: the stand-in has 0 rules" "$(jf "$j" rules)" 0
out=$(with_daemon alice "$PH" status 2>&1)
matches "status says there is no valid policy" "$out" \
    "^policy: +$POLICY: NO VALID POLICY, nothing is granted"
with_daemon alice "$PH" run tcp:127.0.0.1:80 -- true >"$T/run.out" 2>&1; rc=$?
is "run without a valid policy: 125" "$rc" 125
is "run: the reason, and no rule to add" "$(cat "$T/run.out")" \
    "porthole run: tcp:127.0.0.1:80: portholed has no valid policy: see \`journalctl -u portholed\`"
out=$(with_daemon alice "$PH" exec -- "$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 80))' 2>&1)
matches "exec: the reason, and no rule to add" "$out" \
    "^porthole exec: python3\[[0-9]+\]: bind tcp:127\.0\.0\.1:80: portholed has no valid policy: see \`journalctl -u portholed\`\$"
ok "exec: no 'add a line' hint" sh -c "! printf '%s' \"\$1\" | grep -q 'add a line'" sh "$out"
matches "the daemon logged which policy is missing" "$(daemon_log)" \
    "refused uid=$A .*tcp:127\.0\.0\.1:80: .*no valid policy at $POLICY"
stop_daemon
write_policy < "$T/policy.good"

# porthole check names the policy file in every error.
chmod 0777 "$T/etc/porthole"
out=$("$PH" check --policy "$POLICY" 2>&1); rc=$?
chmod 0755 "$T/etc/porthole"
is "check: an unsafe directory fails" "$rc" 1
matches "check: the directory's error names the policy file" "$out" \
    "^porthole check: policy $POLICY: $T/etc/porthole: directory writable"
printf 'allow user alice tcp:80\nbogus\n' > "$T/bad.policy"
out=$("$PH" check --policy "$T/bad.policy" 2>&1)
matches "check: a syntax error names the file once, with its line" "$out" \
    "^porthole check: $T/bad.policy:2: "
out=$("$PH" check --policy "$T/none.policy" 2>&1)
matches "check: a missing file names it" "$out" \
    "^porthole check: $T/none.policy: No such file"

finish
