# SPDX-License-Identifier: ISC
# 40-connect-audit.sh - porthole connect and porthole audit as the user
# who runs the tests.  connect: relays both ways with half-close, against
# servers nobody here wrote (s6-ipcserver, ucspi-unix's unixserver), a
# python3 server that half-closes first, and porthole listen when it is
# built; the PROGRAM form (fds 6 and 7, PROTO=UNIX, UNIXREMOTE*, exit
# statuses as env(1)); a server not allowed by -U gets nothing (S28);
# missing paths and over-long paths (S26) fail cleanly.  audit: a private
# directory is safe, a 0777 or group-writable directory is not (S21,
# S22), symlinks are reported and followed (S25), /tmp's sticky bit is
# fine for an existing socket but not for a name anyone could create
# first, and --json parses and is escaped.  Every wait is bounded.
. "$TOP/tests/integration/lib.sh"

pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
me=$(id -u)
myname=$(id -un)
mygroup=$(id -gn)
have_py=0
command -v python3 >/dev/null 2>&1 && have_py=1

# pc ARGS...: porthole connect, never for more than 10 s.
pc() { timeout -k 2 10 "$PORTHOLE" connect "$@"; }

# ---- usage -----------------------------------------------------------
out=$("$PORTHOLE" connect --help); rc=$?
is "connect --help exits 0" $rc 0
matches "connect --help shows usage" "$out" '^Usage: porthole connect'
"$PORTHOLE" connect >/dev/null 2>&1; is "connect without PATH: 2" $? 2
"$PORTHOLE" connect a b >/dev/null 2>&1; is "connect a b: 2" $? 2
"$PORTHOLE" connect a -- >/dev/null 2>&1; is "'--' without PROGRAM: 2" $? 2
"$PORTHOLE" connect -U no-such-user-xyz a >/dev/null 2>&1
is "-U unknown user: 2" $? 2
"$PORTHOLE" connect -U 4294967295 a >/dev/null 2>&1
is "-U (uid_t)-1 refused: 2" $? 2
"$PORTHOLE" connect --bogus a >/dev/null 2>&1; is "connect bad option: 2" $? 2
# One line of porthole's own, with the hint; also after PATH (connect
# takes options anywhere before '--').
is "connect bad option: one line, with the hint" \
    "$("$PORTHOLE" connect a --bogus 2>&1)" \
    "porthole connect: unknown option '--bogus'; see 'porthole connect --help'"
is "connect -U without its USER" "$("$PORTHOLE" connect a -U 2>&1)" \
    "porthole connect: option '-U' needs an argument; see 'porthole connect --help'"
out=$("$PORTHOLE" audit --help); rc=$?
is "audit --help exits 0" $rc 0
matches "audit --help shows usage" "$out" '^Usage: porthole audit'
"$PORTHOLE" audit >/dev/null 2>&1; is "audit without PATH: 2" $? 2
"$PORTHOLE" audit a b >/dev/null 2>&1; is "audit a b: 2" $? 2
"$PORTHOLE" audit --bogus a >/dev/null 2>&1; is "audit bad option: 2" $? 2
is "audit bad option: one line, with the hint" \
    "$("$PORTHOLE" audit -q a 2>&1)" \
    "porthole audit: unknown option '-q'; see 'porthole audit --help'"

# ---- connect: real servers ------------------------------------------
mkdir -m 0700 "$T/s"

# s6-ipcserver running wc -c: the count comes only after our half-close
# (shutdown SHUT_WR on stdin's EOF), and we exit when the server does.
if command -v s6-ipcserver >/dev/null 2>&1; then
	s6-ipcserver "$T/s/wc" wc -c & pids="$pids $!"
	s6-ipcserver "$T/s/cat" cat & pids="$pids $!"
	s6-ipcserver "$T/s/bye" echo bye & pids="$pids $!"
	s6-ipcserver "$T/s/log" sh -c "cat > \"$T/s/got\"" & pids="$pids $!"
	wait_sock "$T/s/wc"; wait_sock "$T/s/cat"
	wait_sock "$T/s/bye"; wait_sock "$T/s/log"
	out=$(printf 'hello' | pc "$T/s/wc"); rc=$?
	is "s6-ipcserver: half-close, then the reply" "$(echo $out)/$rc" "5/0"
	out=$(printf 'one\ntwo\n' | pc "$T/s/cat"); rc=$?
	is "s6-ipcserver: echo relayed both ways" "$out/$rc" "one
two/0"
	# 2 MB each way through cat: no deadlock, nothing lost.
	head -c 2000000 /dev/urandom > "$T/big"
	pc "$T/s/cat" < "$T/big" > "$T/big.back"; rc=$?
	is "2 MB through cat: exit 0" $rc 0
	ok "2 MB through cat: same bytes" cmp "$T/big" "$T/big.back"
	# A server that closes while stdin stays open: stdin is a FIFO
	# we hold open for writing, so it never ends; we must not wait.
	mkfifo "$T/fifo"
	out=$(pc "$T/s/bye" 0<>"$T/fifo"); rc=$?
	is "server closes first: we end at once, exit 0" "$out/$rc" "bye/0"
	# S28: a server not allowed by -U gets no byte.
	: > "$T/s/got"
	err=$(printf 'secret' | pc -U 4242 "$T/s/log" 2>&1 >/dev/null); rc=$?
	is "-U another uid: our own server refused" $rc 1
	matches "refusal names the server's uid" "$err" \
	    "^porthole connect: refusing server at '$T/s/log': it runs as uid $me \($myname\), which -U does not allow\$"
	sleep 0.2
	is "the refused server received nothing" "$(cat "$T/s/got")" ""
	printf 'ok1' | pc -U "$me" "$T/s/log" >/dev/null; rc=$?
	wait_file "$T/s/got"
	is "-U own uid accepted" "$rc/$(cat "$T/s/got")" "0/ok1"
	: > "$T/s/got"
	printf 'ok2' | pc -U "4242,$myname" "$T/s/log" >/dev/null; rc=$?
	wait_file "$T/s/got"
	is "-U list with own name accepted" "$rc/$(cat "$T/s/got")" "0/ok2"
	# With PROGRAM, a refused server is our failure (125); PROGRAM
	# never runs.
	pc -U 4242 "$T/s/cat" -- sh -c "touch \"$T/ran\"" 2>/dev/null; rc=$?
	is "refused with PROGRAM: 125" $rc 125
	fails "refused: PROGRAM not run" test -e "$T/ran"
else
	skip 12 "s6-ipcserver not installed"
fi

# ucspi-unix's unixserver: greeting first, then an echo.
cat > "$T/greet.sh" <<'EOF'
#!/bin/sh
echo greeting
read -r line
echo "got $line"
EOF
chmod 0755 "$T/greet.sh"
# The PROGRAM side, as a UCSPI client: talk on 6 and 7, then describe
# what it was given.
cat > "$T/client.sh" <<'EOF'
#!/bin/sh
read -r g <&6
echo ping >&7
read -r r <&6
echo "$g/$r"
echo "PROTO=$PROTO"
echo "EUID=$UNIXREMOTEEUID EGID=$UNIXREMOTEEGID PID=$UNIXREMOTEPID"
echo "PATH=$UNIXLOCALPATH"
for fd in 6 7; do
	echo "fd$fd=$(readlink /proc/$$/fd/$fd | sed 's/:.*//')"
done
# Sockets other than 6 and 7: anything porthole leaked.
n=0
for f in /proc/$$/fd/*; do
	case "${f##*/}" in 0|1|2|6|7) continue ;; esac
	case "$(readlink "$f")" in socket:*) n=$((n + 1)) ;; esac
done
echo "leaked=$n"
exit 3
EOF
chmod 0755 "$T/client.sh"
if command -v unixserver >/dev/null 2>&1; then
	unixserver "$T/s/us" "$T/greet.sh" 2>/dev/null & us_pid=$!; pids="$pids $us_pid"
	wait_sock "$T/s/us"
	out=$(printf 'hello\n' | pc "$T/s/us"); rc=$?
	is "unixserver: greeting and echo" "$(echo $out)/$rc" "greeting got hello/0"
	out=$(pc "$T/s/us" -- "$T/client.sh"); rc=$?
	is "PROGRAM: its status is ours" $rc 3
	matches "PROGRAM talks on fds 6 and 7" "$out" '^greeting/got ping$'
	matches "PROTO=UNIX" "$out" '^PROTO=UNIX$'
	matches "UNIXREMOTEEUID/EGID/PID of the server" "$out" \
	    "^EUID=$me EGID=$(id -g) PID=$us_pid\$"
	matches "UNIXLOCALPATH is the path" "$out" "^PATH=$T/s/us\$"
	matches "fd 6 is the socket" "$out" '^fd6=socket$'
	matches "fd 7 is the socket" "$out" '^fd7=socket$'
	matches "no other socket fd leaked into PROGRAM" "$out" '^leaked=0$'
	# The same program under unixclient, the reference: same view.
	if command -v unixclient >/dev/null 2>&1; then
		ref=$(timeout 10 unixclient "$T/s/us" "$T/client.sh")
		is "same as under unixclient" \
		    "$(printf '%s\n' "$out" | grep -v '^EUID')" \
		    "$(printf '%s\n' "$ref" | grep -v '^EUID')"
	else
		skip 1 "unixclient not installed"
	fi
	pc "$T/s/us" -- "$T/no-such-program" 2>/dev/null
	is "PROGRAM not found: 127" $? 127
	: > "$T/not-exec"
	pc "$T/s/us" -- "$T/not-exec" 2>/dev/null
	is "PROGRAM not executable: 126" $? 126
else
	skip 12 "unixserver not installed"
fi

# python3: a server that says hello and shuts down its writing side at
# once, then reads to the end: we must keep relaying stdin after the
# socket's EOF, and end only when stdin does.
if [ $have_py = 1 ]; then
	python3 - "$T/s/py" "$T/s/pygot" <<'EOF' & pids="$pids $!"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
c.sendall(b"hello\n"); c.shutdown(socket.SHUT_WR)
data = b"".join(iter(lambda: c.recv(65536), b""))
open(sys.argv[2], "wb").write(data)
EOF
	wait_sock "$T/s/py"
	out=$( (sleep 0.5; printf 'late') | pc "$T/s/py"); rc=$?
	is "server half-closes first: its data, exit 0" "$out/$rc" "hello/0"
	wait_file "$T/s/pygot"
	is "stdin still relayed after the socket's EOF" "$(cat "$T/s/pygot")" late

	# @NAME: the abstract namespace.
	name=ph-test-$$-$(date +%s)
	python3 - "$name" <<'EOF' & pids="$pids $!"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind("\0" + sys.argv[1]); s.listen(1)
c, _ = s.accept()
c.sendall(c.recv(100).upper()); c.close()
EOF
	i=0
	until grep -q "@$name" /proc/net/unix 2>/dev/null || [ $i -ge 250 ]; do
		sleep 0.02; i=$((i + 1))
	done
	out=$(printf 'abstract' | pc "@$name"); rc=$?
	is "@NAME: abstract socket" "$out/$rc" "ABSTRACT/0"
else
	skip 3 "python3 not installed"
fi

# porthole listen, when it works: the pair end to end.
if "$PORTHOLE" listen --help >/dev/null 2>&1; then
	mkdir -m 0700 "$T/l"
	"$PORTHOLE" listen -p "$T/l/sock" -- wc -c >/dev/null 2>&1 &
	pids="$pids $!"
	wait_sock "$T/l/sock"
	out=$(printf 'four' | pc "$T/l/sock"); rc=$?
	is "porthole listen + connect: half-close, reply" "$(echo $out)/$rc" "4/0"
	# A server that refuses us (listen -U another uid) accepts and
	# closes at once, before reading: connect says so, exit 1, whether
	# our input reached the socket first or not (5 tries), and when it
	# had not ended (a FIFO held open: nothing sent, no EOF).
	other=4000000001		# not ours; no passwd entry needed
	"$PORTHOLE" listen -p "$T/l/no" -U "$other" -- cat \
	    >/dev/null 2>"$T/l/no.log" &
	pids="$pids $!"
	wait_sock "$T/l/no"
	refused="^porthole connect: '$T/l/no' closed the connection without a reply: the server may not allow uid $me \\($myname\\), or be busy; its log says which\$"
	n=0
	for i in 1 2 3 4 5; do
		err=$(printf 'hello\n' | pc "$T/l/no" 2>&1 >/dev/null); rc=$?
		[ "$rc" = 1 ] && printf '%s\n' "$err" | grep -Eq -- "$refused" &&
		    n=$((n + 1))
	done
	is "refused by the server, input sent: exit 1 with the reason (5/5)" \
	    "$n" 5
	mkfifo "$T/l/fifo"
	err=$(pc "$T/l/no" 0<>"$T/l/fifo" 2>&1 >/dev/null); rc=$?
	is "refused, input not ended and nothing sent: exit 1" "$rc" 1
	matches "...with the reason" "$err" "$refused"
	matches "the server logged the refusals" "$(cat "$T/l/no.log")" \
	    "refused uid=$me "
	# A server that reads everything and answers nothing is no refusal.
	"$PORTHOLE" listen -p "$T/l/quiet" -- sh -c 'cat >/dev/null' \
	    >/dev/null 2>&1 &
	pids="$pids $!"
	wait_sock "$T/l/quiet"
	err=$(printf 'hello\n' | pc "$T/l/quiet" 2>&1); rc=$?
	is "a server that reads and answers nothing: exit 0, silent" \
	    "$rc/$err" "0/"
else
	skip 6 "porthole listen not built"
fi

# ---- connect: failures ---------------------------------------------
err=$(pc "$T/s/missing" </dev/null 2>&1); rc=$?
is "missing path: exit 1" $rc 1
matches "missing path: reason" "$err" \
    "^porthole connect: cannot connect to '$T/s/missing': No such file or directory\$"
: > "$T/s/plain"
err=$(pc "$T/s/plain" </dev/null 2>&1); rc=$?
is "a regular file: exit 1" $rc 1
matches "a regular file: no server" "$err" "no server is listening"
# S26: never truncated.  107 bytes fit, 108 do not.
long=$T/s/$(printf '%0200d' 0)
err=$(pc "$long" </dev/null 2>&1); rc=$?
is "S26: over-long path refused" $rc 1
matches "S26: reason" "$err" "too long for a socket address \(107 bytes at most\); refusing to truncate"
p108=/$(printf '%0107d' 0)
pc "$p108" </dev/null 2>&1 | grep -q 'too long'
is "S26: 108 bytes refused" $? 0
p107=/$(printf '%0106d' 0)
err=$(pc "$p107" </dev/null 2>&1)
matches "S26: 107 bytes tried (ENOENT)" "$err" 'No such file or directory'
pc "$long" -- sh -c "touch \"$T/ran2\"" 2>/dev/null; rc=$?
is "S26 with PROGRAM: 125" $rc 125
fails "S26: PROGRAM not run" test -e "$T/ran2"

# ---- audit -------------------------------------------------------------
tmp_ok=0
[ "$(stat -c '%u %a' /tmp)" = "0 1777" ] &&
    [ "$(stat -c '%u' /)" = 0 ] && tmp_ok=1
# audit_out PATH...: stdout and status as "TEXT\nrc=N".
aud() { out=$("$PORTHOLE" audit "$@"); rc=$?; }

if [ $tmp_ok = 1 ]; then
	# A private directory from mkpath: safe, and the lines name owners.
	p=$("$PORTHOLE" mkpath --dir "$T")
	d=$(dirname "$p")
	aud "$p"
	is "mkpath directory, missing socket: safe (0)" $rc 0
	matches "verdict: safe" "$out" '^verdict: safe$'
	matches "line for /" "$out" '^drwxr-xr-x root [^ ]+ /$'
	matches "line for /tmp (sticky)" "$out" '^drwxrwxrwt root [^ ]+ /tmp$'
	matches "line for the private directory" "$out" \
	    "^drwx------ $myname $mygroup $d\$"
	matches "missing socket line" "$out" "^\?{10} - - $p \(missing\)\$"
	matches "who could create it: you and root" "$out" \
	    "does not exist yet; only (you and )?root could create it"
	is "connect: nobody (no socket)" \
	    "$(printf '%s\n' "$out" | grep '^connect:')" "connect: nobody"

	if [ $have_py = 1 ]; then
		(umask 077; python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$p")
		aud "$p"
		is "existing 0700 socket: safe" $rc 0
		matches "socket line" "$out" "^srwx------ $myname $mygroup $p\$"
		matches "connect: owner" "$out" '^connect: owner$'
		chmod 0777 "$p"
		aud "$p"
		is "0777 socket in a 0700 dir: still safe" $rc 0
		matches "connect: everyone" "$out" '^connect: everyone$'
		matches "a 0700 directory on the way narrows it" "$out" \
		    "^note: But '$T[^']*' \(drwx------, owner $myname"
		# Final component a symlink to the socket: followed, and
		# bind()'s refusal to follow it is said.
		ln -s "$p" "$d/alias"
		aud "$d/alias"
		is "symlink to the socket: followed, safe" $rc 0
		matches "the link is reported" "$out" \
		    "^lrwxrwxrwx $myname $mygroup $d/alias -> $p\$"
		matches "bind() does not follow a final link" "$out" \
		    "bind\(\) there fails \(EADDRINUSE\)"
		# An existing socket right in /tmp: the sticky bit protects it.
		ts=/tmp/ph-audit-$$.sock
		rm -f "$ts"
		(umask 077; python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$ts")
		aud "$ts"
		is "socket in sticky /tmp: safe" $rc 0
		rm -f "$ts"
	else
		skip 11 "python3 not installed"
	fi
	# A missing name right in /tmp: anyone could create it first (S22).
	aud "/tmp/ph-audit-missing-$$"
	is "missing name in /tmp: unsafe (1)" $rc 1
	matches "verdict: UNSAFE" "$out" '^verdict: UNSAFE$'
	matches "reason: anyone could create it first" "$out" \
	    "^  '/tmp/ph-audit-missing-$$' does not exist, and anyone could create it first: '/tmp' \(drwxrwxrwt\) is writable by everyone \(the sticky bit stops removal, not creation\)\.\$"

	# S21: a 0777 directory without the sticky bit.
	mkdir "$T/open"; chmod 0777 "$T/open"
	aud "$T/open/sock"
	is "0777 non-sticky directory: unsafe (1)" $rc 1
	matches "reason: writable by everyone, not sticky" "$out" \
	    "^  '$T/open' \(drwxrwxrwx\) is writable by everyone and not sticky: anyone could remove or rename what is in it and put their own in its place\.\$"
	mkdir "$T/grp"; chmod 0770 "$T/grp"
	aud "$T/grp/sock"
	is "0770 directory: unsafe" $rc 1
	matches "reason: group members" "$out" \
	    "'$T/grp' \(drwxrwx---\) is writable by group $mygroup \(gid $(id -g)\) and not sticky"
	mkdir "$T/grpst"; chmod 1770 "$T/grpst"
	aud "$T/grpst/sock"
	is "1770, missing: group could create it first" "$rc" 1
	matches "reason: group could pre-create" "$out" \
	    "members of group $mygroup \(gid $(id -g)\) could create it first"
	# A missing directory under the 0777 one: the first missing name.
	aud "$T/open/sub/sock"
	matches "missing dir under 0777: who could create it" "$out" \
	    "'$T/open/sub' does not exist, and anyone could create it first"
	matches "both missing components listed" "$out" \
	    "^\?{10} - - $T/open/sub/sock \(missing\)\$"

	# S25: a symlink on the way is reported and followed.
	mkdir -m 0700 "$T/real"
	ln -s "$T/real" "$T/link"
	aud "$T/link/sock"
	is "own symlink to a private dir: safe" $rc 0
	matches "symlink line with target" "$out" \
	    "^lrwxrwxrwx $myname $mygroup $T/link -> $T/real\$"
	matches "target directory audited" "$out" \
	    "^drwx------ $myname $mygroup $T/real\$"
	matches "note on the link" "$out" \
	    "^note: '$T/link' is a symbolic link to '$T/real'; the path was followed through it\.\$"
	# A relative link into the 0777 directory: the target's rules apply.
	ln -s open "$T/rel"
	aud "$T/rel/sock"
	is "relative link to a 0777 dir: unsafe" $rc 1
	matches "the target directory is blamed" "$out" "'$T/open' \(drwxrwxrwx\)"
	# A loop ends with ELOOP, not a hang.
	ln -s loop2 "$T/loop1"; ln -s loop1 "$T/loop2"
	aud "$T/loop1/sock"
	is "symlink loop: unsafe" $rc 1
	matches "symlink loop: reason" "$out" "symbolic links are on the way"

	# Not a socket; a file in the middle.
	: > "$T/real/file"
	aud "$T/real/file"
	is "regular file: unsafe" $rc 1
	matches "reason: not a socket" "$out" "'$T/real/file' is not a socket: it is a regular file\."
	aud "$T/real/file/sock"
	matches "file in the middle: not a directory" "$out" \
	    "'$T/real/file' is not a directory"
	# S26: an over-long path is unsafe whatever the directories.
	aud "$T/real/$(printf '%0120d' 0)"
	is "over-long path: unsafe" $rc 1
	matches "reason: sun_path" "$out" "more than the 107 that fit a socket address"
	# Relative paths start from the current directory.
	out=$(cd "$T/real" && "$PORTHOLE" audit sock); rc=$?
	is "relative path: safe" $rc 0
	matches "relative path shown absolute" "$out" "^\?{10} - - $T/real/sock \(missing\)\$"
	# S27: an abstract name has no permissions at all.
	aud @some-name
	is "@NAME: unsafe" $rc 1
	matches "@NAME: reason" "$out" "abstract socket name: it has no owner or permissions"

	# A hostile name cannot forge lines on a terminal.
	evil="$T/real/x
verdict: safe"
	mkdir "$evil"
	aud "$evil/sock"
	is "newline in a name: one line per component" \
	    "$(printf '%s\n' "$out" | grep -c '^verdict:')" 1
	matches "newline shown escaped" "$out" 'x\\x0averdict: safe/sock \(missing\)$'

	# --json: parses, has the fields, escapes.
	if [ $have_py = 1 ]; then
		js=$("$PORTHOLE" audit --json "$T/open/sock"); rc=$?
		is "--json keeps the exit status" $rc 1
		ok "--json parses (python3 -m json.tool)" sh -c \
		    'printf "%s\n" "$1" | python3 -m json.tool' sh "$js"
		ok "--json has the fields and values" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert list(j) == ["path", "components", "safe", "reasons", "connect", "notes"], list(j)
assert j["path"] == sys.argv[2], j["path"]
assert j["safe"] is False and len(j["reasons"]) == 2, j["reasons"]
assert j["connect"] == "nobody"
c = j["components"]
assert c[0] == {"path": "/", "type": "dir", "uid": 0, "user": "root",
    "gid": 0, "group": c[0]["group"], "mode": "0755"}, c[0]
o = [x for x in c if x["path"] == sys.argv[3]][0]
assert o["type"] == "dir" and o["mode"] == "0777", o
assert c[-1]["type"] == "missing" and c[-1]["uid"] is None, c[-1]
for x in c:
    assert list(x)[:7] == ["path", "type", "uid", "user", "gid", "group", "mode"]
' "$js" "$T/open/sock" "$T/open"
		js=$("$PORTHOLE" audit --json "$p")
		ok "--json: socket, safe, connect" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert j["safe"] is True and j["reasons"] == [], j
assert j["components"][-1]["type"] == "socket", j
assert j["components"][-1]["mode"] == "0777"
assert j["connect"] == "everyone"
' "$js"
		js=$("$PORTHOLE" audit --json "$T/link/sock")
		ok "--json: symlink type and target" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
l = [x for x in j["components"] if x["type"] == "symlink"][0]
assert l["path"] == sys.argv[2] and l["target"] == sys.argv[3], l
' "$js" "$T/link" "$T/real"
		# Quote, backslash, tab, newline, DEL and an invalid UTF-8
		# byte in one name; U+00E9 passes through.
		weird=$(printf '%s/real/q"b\\t\tn\nd\177x\377\303\251' "$T")
		mkdir "$weird"
		js=$("$PORTHOLE" audit --json "$weird/sock")
		ok "--json escapes every kind of byte" python3 -c '
import json, sys
raw = sys.stdin.buffer.read()
j = json.loads(raw.decode("utf-8"))
want = sys.argv[1].encode("utf-8", "surrogateescape").decode("utf-8", "replace")
assert j["components"][-2]["path"] == want, (j["components"][-2]["path"], want)
assert b"\n" not in raw.rstrip(b"\n")
' "$weird" <<EOF
$js
EOF
	else
		skip 5 "python3 not installed"
	fi
else
	skip 56 "/ or /tmp is not root-owned with the usual modes"
fi
finish
