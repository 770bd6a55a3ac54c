# SPDX-License-Identifier: ISC
# 30-listen.sh - porthole listen as the user who runs the tests: every
# option; the path as the first line of output in a fresh private
# directory (S21); the socket's mode from birth whatever the umask (S23);
# one server per path, and a server killed with -9 replaced (S24, S64,
# S69); SIGTERM and SIGINT remove socket, lock and directory; no zombies;
# the ucspi-unix environment; refused peers closed before a byte is read
# and logged (S31); -a abstract names guarded by the peer check (S27);
# -c, -C and -t (S80, S81); socket activation at fd 3 (S30); and real
# clients nobody here wrote: ucspi-unix's unixclient, s6's s6-ipcclient
# and curl --unix-socket against an HTTP handler.  Every wait is bounded.
. "$TOP/tests/integration/lib.sh"
command -v unixclient >/dev/null 2>&1 || {
	echo "1..0 # SKIP unixclient (ucspi-unix) not installed"; exit 77; }

ME=$(id -u) MYGID=$(id -g)
OTHER=4000000001		# a uid that is not ours; no passwd entry needed
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
mkdir -m 0700 "$T/run"
export XDG_RUNTIME_DIR="$T/run"	# the default base, ours and 0700
unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES

# listening PATH: a listening Unix socket at PATH (or @NAME) exists.
listening() {
	awk -v p="$1" '$8 == p && $4 == "00010000" { f = 1 } END { exit !f }' \
	    /proc/net/unix
}
gone() { ! kill -0 "$1" 2>/dev/null; }
# srv NAME ARG...: start `porthole listen ARG...` in the background with
# output in $T/NAME.out and $T/NAME.err; $srv is its pid.
srv() {
	_sn=$1; shift
	"$PORTHOLE" listen "$@" >"$T/$_sn.out" 2>"$T/$_sn.err" &
	srv=$!
	pids="$pids $srv"
}
# first_line NAME: wait for the path the server prints, and echo it.
first_line() {
	wait_for 50 test -s "$T/$1.out" && head -n 1 "$T/$1.out"
}
# stop PID [SIG]: signal the server and wait (bounded) for its status.
stop() {
	kill -"${2:-TERM}" "$1" 2>/dev/null
	wait_for 50 gone "$1"
	wait "$1"
}
# The Z-state children of a pid, from /proc.
zombies_of() {
	_z=0
	for _s in /proc/[0-9]*/stat; do
		_l=$(cat "$_s" 2>/dev/null) || continue
		set -- ${_l##*) }
		[ "$1" = Z ] && [ "$2" = "$_zp" ] && _z=$((_z + 1))
	done
	echo "$_z"
}
no_zombies() { _zp=$1; [ "$(zombies_of)" = 0 ]; }
children_of() {
	_c=0
	for _s in /proc/[0-9]*/stat; do
		_l=$(cat "$_s" 2>/dev/null) || continue
		set -- ${_l##*) }
		[ "$2" = "$_zp" ] && _c=$((_c + 1))
	done
	echo "$_c"
}
no_children() { _zp=$1; [ "$(children_of)" = 0 ]; }
# A client that sends one line, then prints what it reads until EOF.
say() {		# path line
	timeout 10 unixclient "$1" sh -c 'printf "%s\n" "$0" >&7; cat <&6' "$2"
}
# A client that only reads: what a refused peer sees.
hear() { timeout 10 unixclient "$1" sh -c 'cat <&6'; }
# timed_hear PATH: hear PATH; $out, $rc, and $el the seconds it took.
timed_hear() {
	_s0=$(date +%s)
	out=$(hear "$1"); rc=$?
	el=$(($(date +%s) - _s0))
}

# Programs.
cat >"$T/env.sh" <<'EOF'
#!/bin/sh
env | grep -E '^(PROTO|UNIX)' | sort
echo "SELF=$$"
echo "PARENT=$PPID"
for v in LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; do
	eval "[ -n \"\${$v+x}\" ]" && echo "LEAKED=$v"
done
for f in /proc/$$/fd/*; do
	echo "FD ${f##*/} $(readlink "$f")"
done
# The mask as exec passes it on (the shell blocks signals for a moment
# around each fork, so its own /proc/$$/status may show that).
exec grep -E '^Sig(Blk|Ign):' /proc/self/status
EOF
cat >"$T/echo.sh" <<'EOF'
#!/bin/sh
read -r line
echo "got $line from $UNIXREMOTEEUID"
EOF
cat >"$T/http.sh" <<'EOF'
#!/bin/sh
# A minimal HTTP/1.0 handler: the request line, headers to the blank
# line, then a response naming the path asked for and the peer's uid.
cr=$(printf '\r')
read -r method target version
while IFS= read -r h; do
	case $h in ''|"$cr") break ;; esac
done
body="you asked for $target as uid $UNIXREMOTEEUID"
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n'
printf 'Content-Length: %d\r\nConnection: close\r\n\r\n%s\n' \
    $((${#body} + 1)) "$body"
EOF
chmod 0755 "$T/env.sh" "$T/echo.sh" "$T/http.sh"

# --- help and usage --------------------------------------------------
out=$("$PORTHOLE" listen --help); rc=$?
is "--help exits 0" "$rc" 0
matches "--help shows usage" "$out" '^Usage: porthole listen \[OPTIONS\] -- PROGRAM'
matches "--help documents -c default 40" "$out" 'in all \(default 40\)'
matches "--help documents -C default 8" "$out" 'per uid \(default 8\)'
matches "--help documents -t default 3600" "$out" '\(default 3600; 0: no'
matches "--help lists UCSPI variables" "$out" 'UNIXREMOTEEUID'
usage() {	# desc args...
	d=$1; shift
	"$PORTHOLE" listen "$@" >/dev/null 2>"$T/usage.err"
	is "usage: $d exits 2" $? 2
}
usage "no PROGRAM" -p "$T/x"
usage "-p and -a" -p "$T/x" -a name -- true
usage "-m 0800" -m 0800 -- true
usage "-m 01777" -m 1777 -- true
usage "-m with -a" -a name -m 0600 -- true
usage "-c 0" -c 0 -- true
usage "-C x" -C x -- true
usage "-t -1" -t -1 -- true
usage "-p @name" -p @name -- true
usage "-U no such user" -U no-such-user-porthole -- true
usage "-U 4294967295 ((uid_t)-1, S37)" -U 4294967295 -- true
usage "-U 65534 (overflow uid, S35)" -U 65534 -- true
matches "overflow uid refusal says why" "$(cat "$T/usage.err")" 'overflow uid'
usage "-G 65534 (overflow gid, S35)" -G 65534 -- true
usage "unknown option" --bogus -- true
H="; see 'porthole listen --help'"
is "unknown option: one line of porthole's own, with the hint" \
    "$(cat "$T/usage.err")" "porthole listen: unknown option '--bogus'$H"
usage "unknown short option" -x -- true
is "...named as typed" "$(cat "$T/usage.err")" \
    "porthole listen: unknown option '-x'$H"
usage "-p without its argument" -p
is "...says so" "$(cat "$T/usage.err")" \
    "porthole listen: option '-p' needs an argument$H"
usage "--help=x" --help=x
is "...a flag given an argument" "$(cat "$T/usage.err")" \
    "porthole listen: option '--help' takes no argument$H"

# PROGRAM is looked for at start, as execvp() will, with env(1)'s
# statuses, before anything is made on disk: a server that cannot run
# its PROGRAM would only serve EOF.
noprog() {	# desc status program [listen args...]
	_d=$1 _st=$2 _pr=$3; shift 3
	# Bounded: a listen that does not check would serve for ever.
	timeout -k 2 10 "$PORTHOLE" listen "$@" -- "$_pr" >"$T/np.out" \
	    2>"$T/np.err"
	is "PROGRAM $_d: exit $_st" $? "$_st"
}
printf '#!/bin/sh\n' >"$T/noexec.sh"
chmod 0644 "$T/noexec.sh"
noprog "not found (a path)" 127 "$T/no-such-program" -p "$T/np.sock"
is "...with the usual message" "$(cat "$T/np.err")" \
    "porthole listen: cannot run '$T/no-such-program': No such file or directory"
fails "...and no socket made" test -e "$T/np.sock"
fails "...nor its lock" test -e "$T/np.sock.lock"
noprog "not found on PATH" 127 no-such-program-porthole
is "...says so" "$(cat "$T/np.err")" \
    "porthole listen: cannot run 'no-such-program-porthole': No such file or directory"
is "...no path printed" "$(cat "$T/np.out")" ""
is "...no private directory left" "$(ls -A "$T/run" | wc -l | tr -d ' ')" 0
noprog "not executable" 126 "$T/noexec.sh" -p "$T/np.sock"
is "...says so" "$(cat "$T/np.err")" \
    "porthole listen: cannot run '$T/noexec.sh': Permission denied"
fails "...and no socket made" test -e "$T/np.sock"
noprog "a directory" 126 "$T"

# --- the default: a private directory, the path as the first line ----
srv d "$T/env.sh"
p=$(first_line d)
matches "first line is the socket path in a fresh directory" "$p" \
    "^$T/run/porthole-[0-9a-f]{16}/sock\$"
wait_for 50 listening "$p"; is "the socket listens" $? 0
is "S21: directory mode 0700" "$(mode_of "$(dirname "$p")")" 0700
is "directory is ours" "$(stat -c %u "$(dirname "$p")")" "$ME"
is "socket mode 0600 by default" "$(mode_of "$p")" 0600
ok "lock beside the socket" test -f "$p.lock"
is "the lock names the server" "$(cat "$p.lock")" "$srv"
is "one line of output" "$(wc -l <"$T/d.out" | tr -d ' ')" 1

# The ucspi-unix environment, as unixclient sees it.
timeout 10 unixclient "$p" sh -c 'echo "CLIENT=$$"; cat <&6' >"$T/env.out"
is "unixclient exits 0" $? 0
envout=$(cat "$T/env.out")
client=$(sed -n 's/^CLIENT=//p' "$T/env.out")
self=$(sed -n 's/^SELF=//p' "$T/env.out")
matches "PROTO=UNIX" "$envout" '^PROTO=UNIX$'
matches "UNIXLOCALPATH is the socket path" "$envout" "^UNIXLOCALPATH=$p\$"
matches "UNIXLOCALUID is the server's euid" "$envout" "^UNIXLOCALUID=$ME\$"
matches "UNIXLOCALGID is the server's egid" "$envout" "^UNIXLOCALGID=$MYGID\$"
matches "UNIXLOCALPID is PROGRAM's pid (as unixserver)" "$envout" \
    "^UNIXLOCALPID=$self\$"
matches "PROGRAM is the server's child" "$envout" "^PARENT=$srv\$"
matches "UNIXREMOTEEUID is the client's" "$envout" "^UNIXREMOTEEUID=$ME\$"
matches "UNIXREMOTEEGID is the client's" "$envout" "^UNIXREMOTEEGID=$MYGID\$"
matches "UNIXREMOTEPID is the client's" "$envout" "^UNIXREMOTEPID=$client\$"
matches "signal mask reset for PROGRAM" "$envout" '^SigBlk:[[:space:]]+0+$'
# The standard signals (1-31) only: glibc keeps 32 and 33 for itself, so
# a runner that ignores them cannot be undone by anyone (seen in CI).
ign=$(printf '%s\n' "$envout" | sed -n 's/^SigIgn:[[:space:]]*//p')
is "no standard signal ignored for PROGRAM (SIGPIPE, SIGINT)" \
    "$(( 0x${ign:-ffffffff} & 0x7fffffff ))" 0
matches "stdin is the connection" "$envout" '^FD 0 socket:'
matches "stdout is the connection" "$envout" '^FD 1 socket:'
is "no other socket, lock or signalfd reaches PROGRAM" \
    "$(printf '%s\n' "$envout" | grep -E '^FD ([3-9]|[1-9][0-9])' |
    grep -cE 'socket:|signalfd|\.lock|/porthole-' | tr -d ' ')" 0
is "no LISTEN_* reaches PROGRAM" \
    "$(printf '%s\n' "$envout" | grep -c '^LEAKED=' | tr -d ' ')" 0

# SIGTERM: socket, lock and private directory removed, exit 0.
stop "$srv"; rc=$?
is "SIGTERM: exit 0" "$rc" 0
fails "SIGTERM: socket removed" test -e "$p"
fails "SIGTERM: lock removed" test -e "$p.lock"
fails "SIGTERM: private directory removed" test -e "$(dirname "$p")"
is "nothing left in the base" "$(ls -A "$T/run" | wc -l | tr -d ' ')" 0

# SIGINT too, although a background job of sh starts with SIGINT ignored.
srv i cat
p=$(first_line i)
wait_for 50 listening "$p"
stop "$srv" INT; rc=$?
is "SIGINT: exit 0" "$rc" 0
fails "SIGINT: private directory removed" test -e "$(dirname "$p")"

# Standard output is released after the path: $(... &) returns.
p=$("$PORTHOLE" listen -- cat 2>/dev/null &)
matches "path=\$(porthole listen ... &) returns the path" "$p" \
    "^$T/run/porthole-[0-9a-f]{16}/sock\$"
if [ -f "$p.lock" ]; then
	bgp=$(cat "$p.lock"); pids="$pids $bgp"
	kill "$bgp"
	wait_for 50 test ! -e "$(dirname "$p")"; is "and it stops cleanly" $? 0
else
	skip 1 "no lock file to find the server by"
fi

# A closed stdout: the path cannot be told, so nothing may remain.
"$PORTHOLE" listen -- cat >&- 2>/dev/null; rc=$?
is "closed stdout fails" "$rc" 1
is "closed stdout leaves nothing" "$(ls -A "$T/run" | wc -l | tr -d ' ')" 0

# --- -p: one server per path, stale recovery, mode, unsafe places ---
mkdir -m 0700 "$T/p"
P=$T/p/s
srv p1 -p "$P" "$T/echo.sh"
wait_for 50 listening "$P"; is "-p listens at PATH" $? 0
is "-p prints nothing" "$(cat "$T/p1.out")" ""
is "-p: mode 0600 by default" "$(mode_of "$P")" 0600
out=$(say "$P" hello)
is "unixclient talks to PROGRAM" "$out" "got hello from $ME"
if command -v s6-ipcclient >/dev/null 2>&1; then
	out=$(timeout 10 s6-ipcclient "$P" sh -c 'echo s6 >&7; cat <&6')
	is "s6-ipcclient talks to PROGRAM" "$out" "got s6 from $ME"
else
	skip 1 "s6-ipcclient (s6) not installed"
fi
err=$("$PORTHOLE" listen -p "$P" -- cat 2>&1); rc=$?
is "S69: a second server on a live path exits 1" "$rc" 1
is "...saying already running" "$err" \
    "porthole listen: cannot listen on '$P': already running"
out=$(say "$P" still)
is "the first server still serves" "$out" "got still from $ME"

# kill -9 leaves a stale socket and lock; the next start recovers.
first=$srv
kill -KILL "$first"; wait "$first" 2>/dev/null
ok "kill -9 left the socket" test -S "$P"
srv p2 -p "$P" "$T/echo.sh"
wait_for 50 listening "$P"; is "S64: stale socket recovered after kill -9" $? 0
out=$(say "$P" again)
is "the new server serves" "$out" "got again from $ME"
is "the lock names the new server" "$(cat "$P.lock")" "$srv"
stop "$srv"; rc=$?
is "-p: SIGTERM exits 0" "$rc" 0
fails "-p: socket removed" test -e "$P"
fails "-p: lock removed" test -e "$P.lock"
ok "-p: the directory, not ours to remove, stays" test -d "$T/p"
srv hup -p "$P" cat
wait_for 50 listening "$P"
stop "$srv" HUP; rc=$?
is "SIGHUP: exit 0" "$rc" 0
fails "SIGHUP: socket and lock removed" test -e "$P" -o -e "$P.lock"

# S23: the mode is right from birth, whatever the umask.
(umask 000; exec "$PORTHOLE" listen -p "$T/p/u" -- cat >/dev/null 2>&1) &
u=$!; pids="$pids $u"
wait_for 50 listening "$T/p/u"
is "S23: umask 000, default mode 0600" "$(mode_of "$T/p/u")" 0600
stop "$u" >/dev/null
(umask 000; exec "$PORTHOLE" listen -m 0640 -p "$T/p/u" -- cat >/dev/null 2>&1) &
u=$!; pids="$pids $u"
wait_for 50 listening "$T/p/u"
is "-m 0640 under umask 000" "$(mode_of "$T/p/u")" 0640
stop "$u" >/dev/null
(umask 0777; exec "$PORTHOLE" listen -m 0666 -p "$T/p/u" -- cat >/dev/null 2>&1) &
u=$!; pids="$pids $u"
wait_for 50 listening "$T/p/u"
is "-m 0666 under umask 0777" "$(mode_of "$T/p/u")" 0666
stop "$u" >/dev/null

# Places that are not safe, or not ours.
mkdir -m 0777 "$T/open"; chmod 0777 "$T/open"
err=$("$PORTHOLE" listen -p "$T/open/s" -- cat 2>&1); rc=$?
is "S22: socket in a world-writable directory refused" "$rc" 1
matches "...with the reason" "$err" "'$T/open' \(mode 0777\) is writable by other users"
is "...and nothing created there" "$(ls -A "$T/open" | wc -l | tr -d ' ')" 0
: >"$T/p/file"
err=$("$PORTHOLE" listen -p "$T/p/file" -- cat 2>&1); rc=$?
is "S24: a regular file at PATH is refused" "$rc" 1
matches "...and left alone" "$err" "not a socket of yours is there"
ok "...the file is still there" test -f "$T/p/file"
# S25: a symlink planted at PATH is neither followed nor replaced.
ln -s "$T/p/victim" "$T/p/link"
err=$("$PORTHOLE" listen -p "$T/p/link" -- cat 2>&1); rc=$?
is "S25: a symlink at PATH is refused" "$rc" 1
fails "...its target was not created" test -e "$T/p/victim"
ok "...the symlink is still there" test -L "$T/p/link"
# S22: a directory squatting the name.
mkdir "$T/p/sq"
err=$("$PORTHOLE" listen -p "$T/p/sq" -- cat 2>&1); rc=$?
is "S22: a directory at PATH is refused" "$rc" 1
ok "...and left alone" test -d "$T/p/sq"
# S24: a live socket of ours that does not use porthole's lock.
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(30)' \
    "$T/p/live" & pyp=$!
wait_for 50 test -S "$T/p/live"
err=$("$PORTHOLE" listen -p "$T/p/live" -- cat 2>&1); rc=$?
is "S24: a live foreign server at PATH is not displaced" "$rc" 1
ok "...its socket is still there" test -S "$T/p/live"
kill "$pyp" 2>/dev/null; wait "$pyp" 2>/dev/null
long=$T/p/$(printf '%0110d' 0)
err=$("$PORTHOLE" listen -p "$long" -- cat 2>&1); rc=$?
is "S26: an over-long PATH is refused" "$rc" 1
matches "...not truncated" "$err" "does not fit sun_path"

# --- who may connect ---------------------------------------------------
# -U naming another uid only: we are refused, see EOF before sending,
# and the server logs us by the kernel's credentials.
srv r -p "$T/p/r" -U "$OTHER" -m 0666 "$T/echo.sh"
wait_for 50 listening "$T/p/r"
out=$(timeout 10 unixclient "$T/p/r" sh -c 'echo "CLIENT=$$"; cat <&6')
rc=$?
is "refused client ends at once (not by timeout)" "$rc" 0
cpid=$(printf '%s\n' "$out" | sed -n 's/^CLIENT=//p')
is "refused peer reads EOF, nothing from PROGRAM" \
    "$(printf '%s\n' "$out" | grep -v '^CLIENT=')" ""
wait_for 50 grep -q refused "$T/r.err"
matches "the refusal is logged with uid, gid, pid" "$(cat "$T/r.err")" \
    "^porthole listen: refused uid=$ME gid=$MYGID pid=$cpid\$"
is "-U with -m 0666: no mode warning" "$(grep -c warning "$T/r.err" | tr -d ' ')" 0
ok "the server lives on" kill -0 "$srv"
stop "$srv" >/dev/null

# -U ourselves, by number and by name, and -G our group: allowed.
srv a -p "$T/p/a" -U "$ME" "$T/echo.sh"
wait_for 50 listening "$T/p/a"
is "-U our uid allowed" "$(say "$T/p/a" x)" "got x from $ME"
stop "$srv" >/dev/null
srv a -p "$T/p/a" -U "$(id -un)" "$T/echo.sh"
wait_for 50 listening "$T/p/a"
is "-U our name allowed" "$(say "$T/p/a" x)" "got x from $ME"
stop "$srv" >/dev/null
srv a -p "$T/p/a" -G "$MYGID" -m 0660 "$T/echo.sh"
wait_for 50 listening "$T/p/a"
is "-G our primary gid allowed" "$(say "$T/p/a" x)" "got x from $ME"
stop "$srv" >/dev/null
srv a -p "$T/p/a" -G "$(id -gn)" -m 0660 "$T/echo.sh"
wait_for 50 listening "$T/p/a"
is "-G our group name allowed" "$(say "$T/p/a" x)" "got x from $ME"
stop "$srv" >/dev/null
# Another uid with a mode only the owner can use: a warning.
srv w -p "$T/p/w" -U "$OTHER" cat
wait_for 50 listening "$T/p/w"
matches "-U other with mode 0600 warns" "$(cat "$T/w.err")" \
    'warning: -U/-G allow other users, but mode 0600'
stop "$srv" >/dev/null

# --- -a: an abstract name, guarded only by the peer check (S27) --------
if command -v python3 >/dev/null 2>&1; then
	name=ph-test-$$-$(date +%s)
	srv ab -a "$name" "$T/env.sh"
	wait_for 50 listening "@$name"; is "-a listens on @NAME" $? 0
	is "-a: no file anywhere, nothing printed" "$(cat "$T/ab.out")" ""
	aout=$(timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect("\0" + sys.argv[1])
s.shutdown(socket.SHUT_WR)
b = b"".join(iter(lambda: s.recv(4096), b""))
sys.stdout.write(b.decode())' "$name")
	matches "-a: PROGRAM served us" "$aout" '^PROTO=UNIX$'
	matches "-a: UNIXLOCALPATH is @NAME" "$aout" "^UNIXLOCALPATH=@$name\$"
	err=$("$PORTHOLE" listen -a "$name" -- cat 2>&1); rc=$?
	is "-a: a taken name exits 1" "$rc" 1
	matches "...already in use" "$err" "cannot listen on '@$name': already in use"
	stop "$srv" >/dev/null
	srv ar -a "$name" -U "$OTHER" "$T/env.sh"
	wait_for 50 listening "@$name"
	aout=$(timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect("\0" + sys.argv[1])
print(repr(s.recv(4096)))' "$name")
	is "-a -U other: we are refused with EOF" "$aout" "b''"
	wait_for 50 grep -q refused "$T/ar.err"
	matches "-a: the refusal is logged" "$(cat "$T/ar.err")" "refused uid=$ME "
	stop "$srv" >/dev/null
else
	skip 8 "python3 not installed"
fi

# --- curl, an HTTP client nobody here wrote ----------------------------
if command -v curl >/dev/null 2>&1; then
	srv h "$T/http.sh"
	p=$(first_line h)
	wait_for 50 listening "$p"
	out=$(curl -sS --max-time 10 --unix-socket "$p" http://localhost/hello)
	is "curl --unix-socket gets the page" "$out" \
	    "you asked for /hello as uid $ME"
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	    --unix-socket "$p" http://localhost/x)
	is "curl sees HTTP 200" "$code" 200
	stop "$srv" >/dev/null
else
	skip 2 "curl not installed"
fi

# --- limits: -C, -c, -t -------------------------------------------------
cat >"$T/hold.sh" <<'EOF'
#!/bin/sh
echo ready
exec sleep 30
EOF
chmod 0755 "$T/hold.sh"
# hold PATH: a connection that stays open; waits for "ready".
hold() {
	_hn=$((${_hn:-0} + 1))
	timeout 20 unixclient "$1" sh -c 'cat <&6' >"$T/hold$_hn" 2>&1 &
	pids="$pids $!"
	wait_for 50 grep -q ready "$T/hold$_hn"
}
srv C -p "$T/p/C" -C 2 "$T/hold.sh"
wait_for 50 listening "$T/p/C"
hold "$T/p/C"; is "-C 2: first connection held" $? 0
hold "$T/p/C"; is "-C 2: second connection held" $? 0
out=$(hear "$T/p/C"); rc=$?
is "-C 2: the third is closed at once" "$rc:$out" "0:"
wait_for 50 grep -q busy "$T/C.err"
matches "...and logged" "$(cat "$T/C.err")" \
    "busy: uid=$ME has 2 connections \(-C 2\)"
stop "$srv" >/dev/null
srv c -p "$T/p/c" -c 1 "$T/hold.sh"
wait_for 50 listening "$T/p/c"
hold "$T/p/c"; is "-c 1: first connection held" $? 0
out=$(hear "$T/p/c"); rc=$?
is "-c 1: the second is closed at once" "$rc:$out" "0:"
wait_for 50 grep -q busy "$T/c.err"
matches "...and logged" "$(cat "$T/c.err")" "busy: 1 connections \(-c 1\)"
stop "$srv" >/dev/null

# -t: SIGTERM at the end of the lifetime; SIGKILL for a PROGRAM that
# ignores it, 2 s later.  Both reach the whole process group.
srv t -p "$T/p/t" -t 1 "$T/hold.sh"
wait_for 50 listening "$T/p/t"
timed_hear "$T/p/t"
is "-t 1: the connection ends (not by timeout)" "$rc:$out" "0:ready"
ok "-t 1: after 1 to 4 s ($el)" test "$el" -ge 1 -a "$el" -le 4
wait_for 50 grep -q lifetime "$T/t.err"
matches "...and is logged" "$(cat "$T/t.err")" "reached its lifetime of 1 s: SIGTERM"
stop "$srv" >/dev/null
cat >"$T/stubborn.sh" <<'EOF'
#!/bin/sh
trap '' TERM
echo ready
sleep 30
EOF
chmod 0755 "$T/stubborn.sh"
srv k -p "$T/p/k" -t 1 "$T/stubborn.sh"
wait_for 50 listening "$T/p/k"
timed_hear "$T/p/k"
is "-t 1, SIGTERM ignored: SIGKILL ends it" "$rc:$out" "0:ready"
ok "...after 2 to 6 s ($el)" test "$el" -ge 2 -a "$el" -le 6
wait_for 30 no_children "$srv"; is "...grandchild sleep killed too" $? 0
stop "$srv" >/dev/null

# S79: at the fd limit, each pending connection is taken with the
# reserve fd and closed, instead of poll() spinning on it.  Eight fds are
# exactly what a -p server holds (0-2, signalfd, reserve, directory,
# lock, socket), so every accept fails with EMFILE.
if command -v python3 >/dev/null 2>&1 && command -v prlimit >/dev/null 2>&1
then
	python3 -c 'import os, sys
os.closerange(3, 65536)
os.execvp(sys.argv[1], sys.argv[1:])' prlimit --nofile=8:8 "$PORTHOLE" \
	    listen -p "$T/p/e" -- "$T/echo.sh" >/dev/null 2>"$T/e.err" &
	srv=$!; pids="$pids $srv"
	wait_for 50 listening "$T/p/e"
	n=0; i=0
	while [ $i -lt 3 ]; do
		out=$(hear "$T/p/e") && [ -z "$out" ] && n=$((n + 1))
		i=$((i + 1))
	done
	is "S79: at the fd limit, connections get EOF at once" "$n" 3
	is "...each one logged once" \
	    "$(grep -c 'out of file descriptors' "$T/e.err" | tr -d ' ')" 3
	cpu() { awk '{ print $14 + $15 }' "/proc/$srv/stat"; }
	c0=$(cpu); sleep 1; c1=$(cpu)
	ok "...and the server does not spin ($((c1 - c0)) ticks in 1 s)" \
	    test $((c1 - c0)) -le 5
	stop "$srv" >/dev/null
else
	skip 3 "python3 or prlimit not installed"
fi

# --- children are reaped; a PROGRAM that cannot run --------------------
srv z -t 0 -c 100 -C 100 "$T/echo.sh"
p=$(first_line z)
wait_for 50 listening "$p"
n=0; i=0
while [ $i -lt 12 ]; do
	[ "$(say "$p" "n$i")" = "got n$i from $ME" ] && n=$((n + 1))
	i=$((i + 1))
done
is "12 connections served" "$n" 12
wait_for 50 no_children "$srv"; is "no children left" $? 0
_zp=$srv; is "no zombies among them" "$(zombies_of)" 0
stop "$srv" >/dev/null
# PROGRAM is checked at start (above); one that goes away later fails
# per connection only.
cp "$T/echo.sh" "$T/vanishing.sh"
srv x -- "$T/vanishing.sh"
p=$(first_line x)
wait_for 50 listening "$p"
rm -f "$T/vanishing.sh"
out=$(hear "$p"); rc=$?
is "a PROGRAM gone since start: the client gets EOF" "$rc:$out" "0:"
wait_for 50 grep -q 'cannot run' "$T/x.err"
matches "...the error is on stderr" "$(cat "$T/x.err")" \
    "porthole listen: cannot run '$T/vanishing.sh': No such file"
ok "...and the server lives on" kill -0 "$srv"
_zp=$srv; wait_for 50 no_children "$srv"; is "...its child reaped" $? 0
stop "$srv" >/dev/null

# --- socket activation: fd 3 ---------------------------------------------
if command -v python3 >/dev/null 2>&1; then
	# act.py SOCKPATH CMD...: bind and listen, put it at fd 3, exec CMD.
	cat >"$T/act.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.execvp(sys.argv[2], sys.argv[2:])
EOF
	A=$T/p/act
	# sh -c 'LISTEN_PID=$$ exec ...': the pid stays through exec.
	python3 "$T/act.py" "$A" sh -c 'LISTEN_PID=$$ exec "$@"' sh \
	    "$PORTHOLE" listen -- "$T/env.sh" >"$T/act.out" 2>"$T/act.err" &
	srv=$!; pids="$pids $srv"
	wait_for 50 listening "$A"
	aout=$(timeout 10 unixclient "$A" sh -c 'cat <&6')
	matches "LISTEN_FDS: fd 3 is served" "$aout" '^PROTO=UNIX$'
	matches "...UNIXLOCALPATH from getsockname" "$aout" "^UNIXLOCALPATH=$A\$"
	is "...no LISTEN_* reaches PROGRAM" \
	    "$(printf '%s\n' "$aout" | grep -c '^LEAKED=' | tr -d ' ')" 0
	is "...no path printed" "$(cat "$T/act.out")" ""
	stop "$srv"; rc=$?
	is "...SIGTERM exits 0" "$rc" 0
	ok "...and leaves the socket it did not make" test -S "$A"
	rm -f "$A"
	python3 "$T/act.py" "$A" sh -c 'LISTEN_PID=$$ exec "$@"' sh \
	    "$PORTHOLE" listen -U "$OTHER" -- "$T/env.sh" >"$T/act.out" \
	    2>"$T/act.err" &
	srv=$!; pids="$pids $srv"
	wait_for 50 listening "$A"
	aout=$(hear "$A")
	is "LISTEN_FDS with -U other: refused, EOF" "$aout" ""
	wait_for 50 grep -q refused "$T/act.err"
	matches "...and logged" "$(cat "$T/act.err")" "refused uid=$ME "
	stop "$srv" >/dev/null
	rm -f "$A"
	# LISTEN_PID not ours: the variables are ignored (sd_listen_fds).
	python3 "$T/act.py" "$A" env LISTEN_PID=1 \
	    "$PORTHOLE" listen -- "$T/env.sh" >"$T/act.out" 2>"$T/act.err" &
	srv=$!; pids="$pids $srv"
	p=$(first_line act)
	matches "LISTEN_PID not ours: a private directory instead" "$p" \
	    "^$T/run/porthole-[0-9a-f]{16}/sock\$"
	stop "$srv" >/dev/null
	rm -f "$A"
	# fd 3 that is not a listening Unix stream socket: refused.
	err=$(sh -c 'LISTEN_FDS=1 LISTEN_PID=$$ exec "$@" 3</dev/null' sh \
	    "$PORTHOLE" listen -- cat 2>&1); rc=$?
	is "LISTEN_FDS with fd 3 not a socket: exit 1" "$rc" 1
	matches "...saying so" "$err" "fd 3 is not a listening Unix stream socket"
else
	skip 11 "python3 not installed"
fi
finish
