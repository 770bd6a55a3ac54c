# SPDX-License-Identifier: ISC
# 60-exec.sh - porthole exec without any broker, as the user who runs the
# tests (as root, the privileged-port checks run as nobody): usage and
# exit statuses (2, 125, 126, 127, PROGRAM's own), the programs it must
# refuse before exec because ld.so would ignore LD_PRELOAD for them
# (static, setuid/setgid of another user, file capabilities, another
# machine, a static "#!" interpreter) and the missing preload; that the
# preload really is loaded, that it is inherited by what PROGRAM executes
# unless --no-inherit (other LD_PRELOAD entries survive), and, through
# tests/helpers/ph-bindtest, the bind() contract where no broker is
# needed: unprivileged binds unchanged, EACCES with an explanation when
# no broker is there, the local refusals (S48 SO_REUSEPORT and UDP
# SO_REUSEADDR, S52 non-TCP/UDP sockets, an already bound socket), no fd
# left open, errno never EINTR under a 1 ms SIGALRM, no SIGCHLD, at most
# 8 messages and none once fd 2 is another file.  What needs a broker is
# in tests/root/70-exec.sh.
. "$TOP/tests/integration/lib.sh"

PRE=$BUILD/libporthole-preload.so
BT=$BUILD/tests/ph-bindtest
# A sanitizer build's ph-bindtest must find its runtime first; ours comes
# first in LD_PRELOAD by design (the preload is never instrumented).
[ -n "${SAN:-}" ] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
# Never a broker of the host: every run points both at nothing.
export PORTHOLE_SOCKET=/nonexistent PORTHOLE_HELPER=/nonexistent
ME=$(id -u)

if [ ! -f "$PRE" ] || [ ! -x "$BT" ]; then
	echo "1..0 # SKIP $PRE or $BT not built (make tests)"
	exit 77
fi

# Everything the checks run is copied into $T, so that nobody (as root)
# can reach it whatever the build tree's permissions.
chmod 0755 "$T"
mkdir -m 0755 "$T/bin"
cp "$PORTHOLE" "$PRE" "$BT" "$T/bin/"
PH=$T/bin/porthole PRE=$T/bin/libporthole-preload.so BT=$T/bin/ph-bindtest
export PORTHOLE_PRELOAD="$PRE"

# run OUT CMD...: stdout to $O/OUT, stderr to $O/OUT.err; $rc.
O=$T/o
mkdir -m 0755 "$O"
run() {
	_o=$1; shift
	"$@" >"$O/$_o" 2>"$O/$_o.err"; rc=$?
}
err_of() { cat "$O/$1.err"; }
out_of() { cat "$O/$1"; }
kv() {		# key OUT: the value of the first "key=value" line
	sed -n "s/^$1=//p" "$O/$2" | head -n 1
}

# --- usage --------------------------------------------------------------
run help "$PH" exec --help
is "--help exits 0" "$rc" 0
matches "--help prints the usage on stdout" "$(out_of help)" \
    '^Usage: porthole exec \[--no-inherit\] \[--\] PROGRAM \[ARG\.\.\.\]'
matches "--help documents --no-inherit" "$(out_of help)" '--no-inherit'
is "--help writes nothing on stderr" "$(err_of help)" ""
run help2 "$PH" exec -h
is "-h exits 0" "$rc" 0
run noprog "$PH" exec
is "a missing PROGRAM is a usage error (2)" "$rc" 2
matches "and says so" "$(err_of noprog)" 'missing PROGRAM'
run noprog2 "$PH" exec --
is "'--' without PROGRAM is a usage error (2)" "$rc" 2
run badopt "$PH" exec --bogus /bin/true
is "an unknown option is a usage error (2)" "$rc" 2
is "...said in one line of porthole's own, with the hint" "$(err_of badopt)" \
    "porthole exec: unknown option '--bogus'; see 'porthole exec --help'"
run badopt2 "$PH" exec -n /bin/true
is "-n is no short form of --no-inherit" "$(err_of badopt2)" \
    "porthole exec: unknown option '-n'; see 'porthole exec --help'"
run badopt3 "$PH" exec --no-inherit=1 /bin/true
is "--no-inherit=1: takes no argument" "$(err_of badopt3)" \
    "porthole exec: option '--no-inherit' takes no argument; see 'porthole exec --help'"
run ddash "$PH" exec --no-inherit -- sh -c 'exit 0'
is "options, '--', PROGRAM" "$rc" 0
run after "$PH" exec sh -c 'printf "%s\n" "$@"' sh --no-inherit --help
is "options after PROGRAM are PROGRAM's" "$(out_of after)" \
    "--no-inherit
--help"

# --- exit statuses ------------------------------------------------------
run st7 "$PH" exec sh -c 'exit 7'
is "PROGRAM's exit status is passed through (7)" "$rc" 7
run st1 "$PH" exec false
is "false found on PATH exits 1" "$rc" 1
run sig "$PH" exec sh -c 'kill -TERM $$'
is "a PROGRAM killed by SIGTERM: 128+15 (porthole exec is gone)" "$rc" 143
run nf "$PH" exec ph-no-such-program-$$
is "PROGRAM not found on PATH: 127" "$rc" 127
matches "it names PROGRAM" "$(err_of nf)" "cannot run 'ph-no-such-program-$$'"
run nf2 "$PH" exec "$T/missing"
is "a missing path: 127" "$rc" 127
printf 'echo should not run\n' > "$T/noexec"
chmod 0644 "$T/noexec"
run nx "$PH" exec "$T/noexec"
is "a file that is not executable: 126" "$rc" 126
is "and it did not run" "$(out_of nx)" ""
mkdir -m 0755 "$T/pathdir"
cp "$T/noexec" "$T/pathdir/ph-noexec"
run nx2 env PATH="$T/pathdir" "$PH" exec ph-noexec
is "found on PATH but not executable: 126" "$rc" 126
run dir "$PH" exec "$T/pathdir"
is "a directory: 126" "$rc" 126

# --- the preload is loaded; "#!" scripts ---------------------------------
run maps "$PH" exec cat /proc/self/maps
is "cat runs" "$rc" 0
matches "cat's memory maps show the preload" "$(out_of maps)" \
    " $PRE\$"
printf '#!/bin/sh\ngrep -q " %s$" /proc/$$/maps && echo loaded\nexit 5\n' \
    "$PRE" > "$T/script"
chmod 0755 "$T/script"
run script "$PH" exec "$T/script"
is "a #!/bin/sh script runs, its status passed (5)" "$rc" 5
is "the preload is loaded into its interpreter" "$(out_of script)" loaded
printf 'grep -q " %s$" /proc/$$/maps && echo loaded\n' "$PRE" > "$T/nohash"
chmod 0755 "$T/nohash"
run nohash "$PH" exec "$T/nohash"
is "a script without #! runs with sh, as execvp() would" "$(out_of nohash)" \
    loaded

# --- programs ld.so would not preload: refused, exit 125 -----------------
cat > "$T/static.c" <<'EOF'
int main(void) { return 42; }
EOF
static_ok=0
if cc -static -o "$T/static" "$T/static.c" >"$T/cc.out" 2>&1; then
	static_ok=1
	run st "$PH" exec "$T/static"
	is "a static binary is refused before exec (125, not its 42)" "$rc" 125
	matches "it says why and what to use" "$(err_of st)" \
	    "^porthole exec: $T/static is statically linked, so no preload can reach its bind\(\); run it with 'porthole run SPEC\.\.\. -- $T/static'"
	printf '#!%s\nexit 3\n' "$T/static" > "$T/static-script"
	chmod 0755 "$T/static-script"
	run sts "$PH" exec "$T/static-script"
	is "a #! script whose interpreter is static: 125" "$rc" 125
	matches "the interpreter is named, for the script" "$(err_of sts)" \
	    "$T/static \(the interpreter of $T/static-script\) is statically linked"
	# Nested: a script whose interpreter is that script (kernel: 4 deep).
	printf '#!%s\n' "$T/static-script" > "$T/static-script2"
	chmod 0755 "$T/static-script2"
	run sts2 "$PH" exec "$T/static-script2"
	is "two levels of #! down to a static binary: 125" "$rc" 125
else
	skip 5 "cc -static failed (no static libc?): $(head -n 1 "$T/cc.out")"
fi
if cc -static-pie -fPIE -o "$T/static-pie" "$T/static.c" >/dev/null 2>&1; then
	run stp "$PH" exec "$T/static-pie"
	is "a static-pie binary (no PT_INTERP) is refused: 125" "$rc" 125
else
	skip 1 "cc -static-pie failed"
fi
# Another machine: /bin/true with e_machine set to AArch64 (183).
cp /bin/true "$T/foreign"
printf '\267\000' | dd of="$T/foreign" bs=1 seek=18 conv=notrunc 2>/dev/null
run fm "$PH" exec "$T/foreign"
is "an ELF for another machine: 125" "$rc" 125
matches "it says so" "$(err_of fm)" "built for another machine"
# Nested "#!": sN's interpreter is sN-1, s0's is /bin/sh.  porthole exec
# follows as deep as the kernel does, no deeper and no less deep: the
# kernel's own answer is the reference (Linux runs s4, not s5).
printf '#!/bin/sh\nexit 0\n' > "$T/s0"
for i in 1 2 3 4 5; do
	printf '#!%s\n' "$T/s$((i - 1))" > "$T/s$i"
done
chmod 0755 "$T"/s[0-5]
run deep "$PH" exec "$T/s3"
is "four nested #! scripts run" "$rc" 0
# The kernel follows 5 interpreters (fs/exec.c: depth > 5 is ELOOP), and
# so must exec.c: what runs directly runs through porthole exec.
# (The shell's status for the kernel's ELOOP varies: 126 or 127.)
for i in 4 5; do
	"$T/s$i" >/dev/null 2>&1; krc=$?
	want=0 what="runs"
	[ "$krc" = 0 ] || want=126 what="does not run"
	run deep$i "$PH" exec "$T/s$i"
	is "s$i: the kernel $what it, porthole exec agrees ($want)" \
	    "$rc" "$want"
done

# The missing or unusable preload: 125, and what to do about it.
run nopre env PORTHOLE_PRELOAD=/nonexistent/libporthole-preload.so \
    "$PH" exec sh -c 'exit 9'
is "a missing preload: 125 (and PROGRAM not run)" "$rc" 125
matches "it names the file and says to reinstall" "$(err_of nopre)" \
    "^porthole exec: /nonexistent/libporthole-preload\.so.*(reinstall porthole: make install)"
matches "... and why" "$(err_of nopre)" "No such file or directory"
run notelf env PORTHOLE_PRELOAD="$T/noexec" "$PH" exec sh -c 'exit 9'
is "a preload that is not an ELF: 125" "$rc" 125
cp "$PRE" "$T/bad:name.so"
run colon env PORTHOLE_PRELOAD="$T/bad:name.so" "$PH" exec sh -c 'exit 9'
is "a preload path with a colon (LD_PRELOAD cannot carry it): 125" "$rc" 125

# Set-id and file-capability programs: only root can make one of another
# user's.
if [ "$ME" != 0 ]; then
	skip 9 "needs root to make setuid, setgid and file-capability files"
elif findmnt -no OPTIONS -T "$T" 2>/dev/null | grep -qw nosuid; then
	skip 9 "$T is on a nosuid mount"
else
	cp /bin/cat "$T/suid-cat"
	chown nobody "$T/suid-cat"
	chmod 4755 "$T/suid-cat"
	run suid "$PH" exec "$T/suid-cat" /proc/self/maps
	is "a setuid program of another user: 125" "$rc" 125
	matches "it says why" "$(err_of suid)" \
	    "$T/suid-cat is setuid, so the dynamic loader ignores LD_PRELOAD for it; run it with 'porthole run SPEC\.\.\. -- $T/suid-cat' instead"
	run suidnnp setpriv --no-new-privs "$PH" exec "$T/suid-cat" \
	    /proc/self/maps
	is "the same under no_new_privs (setuid ignored) runs" "$rc" 0
	matches "with the preload loaded" "$(out_of suidnnp)" " $PRE\$"
	cp /bin/cat "$T/sgid-cat"
	chgrp "$(id -g nobody)" "$T/sgid-cat"
	chmod 2755 "$T/sgid-cat"
	run sgid "$PH" exec "$T/sgid-cat" /dev/null
	is "a setgid program of another group: 125" "$rc" 125
	matches "it says setgid" "$(err_of sgid)" "is setgid, so"
	cp /bin/cat "$T/own-suid-cat"
	chmod 4755 "$T/own-suid-cat"
	run ownsuid "$PH" exec "$T/own-suid-cat" /proc/self/maps
	is "a setuid program of our own (no change of id) runs" "$rc" 0
	matches "with the preload loaded" "$(out_of ownsuid)" " $PRE\$"
	if command -v setcap >/dev/null 2>&1; then
		cp /bin/cat "$T/caps-cat"
		if setcap cap_net_bind_service+ep "$T/caps-cat" 2>/dev/null; then
			run caps "$PH" exec "$T/caps-cat" /dev/null
			is "a program with file capabilities: 125" "$rc" 125
		else
			skip 1 "setcap failed on $T"
		fi
	else
		skip 1 "setcap not installed (libcap2-bin)"
	fi
fi

# --- inheritance -------------------------------------------------------
# A harmless library of our own, to stand for another preload.
printf 'int ph_test_other(void);\nint ph_test_other(void) { return 1; }\n' \
    > "$T/other.c"
OTHER=$T/libother.so
cc -shared -fPIC -o "$OTHER" "$T/other.c" 2>/dev/null || OTHER=
# self: the preload in PROGRAM (sh); env: LD_PRELOAD as its child sees
# it; child: the preload in the child (grep); other: libother there.
# shellcheck disable=SC2016 # for the inner sh
PROBE='grep -q " $1\$" /proc/$$/maps && echo self
env | grep "^LD_PRELOAD=" || echo "no LD_PRELOAD"
env | grep "^PORTHOLE_EXEC_NOINHERIT="
grep -q "libporthole-preload" /proc/self/maps && echo child
[ -n "$2" ] && grep -q " $2\$" /proc/self/maps && echo other
exit 0'
run inh "$PH" exec sh -c "$PROBE" sh "$PRE" ""
is "inherited: PROGRAM and its child both have the preload" \
    "$(out_of inh)" "self
LD_PRELOAD=$PRE
child"
run noinh "$PH" exec --no-inherit sh -c "$PROBE" sh "$PRE" ""
is "--no-inherit: PROGRAM has it, its child has neither it nor LD_PRELOAD" \
    "$(out_of noinh)" "self
no LD_PRELOAD"
if [ -n "$OTHER" ]; then
	run inho env LD_PRELOAD="$OTHER" "$PH" exec sh -c "$PROBE" sh "$PRE" \
	    "$OTHER"
	is "inherited, with another preload: ours first, both in the child" \
	    "$(out_of inho)" "self
LD_PRELOAD=$PRE $OTHER
child
other"
	run noinho env LD_PRELOAD="$OTHER" "$PH" exec --no-inherit \
	    sh -c "$PROBE" sh "$PRE" "$OTHER"
	is "--no-inherit keeps the other LD_PRELOAD entry for the child" \
	    "$(out_of noinho)" "self
LD_PRELOAD=$OTHER
other"
else
	skip 2 "cc -shared failed: no second library to preload"
fi
# A "#!/usr/bin/env sh" script: env is loaded first, then sh, which is
# PROGRAM too and must still get the preload under --no-inherit.
if [ -x /usr/bin/env ]; then
	{ echo '#!/usr/bin/env sh'; printf '%s\n' "$PROBE"; } > "$T/envscript"
	chmod 0755 "$T/envscript"
	run envs "$PH" exec --no-inherit "$T/envscript" "$PRE" ""
	is "--no-inherit, #!/usr/bin/env sh: sh has the preload, its child not" \
	    "$(out_of envs)" "self
no LD_PRELOAD"
	run envs2 "$PH" exec "$T/envscript" "$PRE" ""
	is "inherited, #!/usr/bin/env sh: sh and its child have it" \
	    "$(out_of envs2)" "self
LD_PRELOAD=$PRE
child"
else
	skip 2 "no /usr/bin/env"
fi

# --- bind() without a broker ---------------------------------------------
# Who runs the binds: ourselves, or nobody when we are root (root binds
# every port itself, and the preload would never be asked).
start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
NB=""
mkdir -m 0755 "$T/w"
if [ "$ME" = 0 ]; then
	NB="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups --"
	chown nobody "$T/w"
	UNPRIV=nobody
else
	UNPRIV=$(id -un)
fi
W=$T/w		# writable by whoever runs the binds
# bt OUT ARGS...: ph-bindtest ARGS under porthole exec, unprivileged.
bt() {
	_o=$1; shift
	# shellcheck disable=SC2086 # $NB: a command prefix, or nothing
	run "$_o" $NB "$PH" exec "$BT" "$@"
}

bt p0 bind tcp4 127.0.0.1 0
is "port 0: bound as usual" "$(kv result p0)" ok
is "port 0: errno untouched on success" "$(kv errno_kept p0)" 1
is "port 0: not made listening (the preload did nothing)" \
    "$(kv listening p0)" 0
matches "port 0: an ephemeral port" "$(kv bound p0)" '^127\.0\.0\.1:[1-9][0-9]*$'
is "port 0: nothing on stderr" "$(err_of p0)" ""
bt hi bind tcp6 ::1 free
is "a free high port (IPv6): bound as usual, not listening" \
    "$(kv result hi) $(kv errno_kept hi) $(kv listening hi) $(kv fds_leaked hi)" \
    "ok 1 0 0"
bt hiu bind udp4 127.0.0.1 free reuseaddr
is "a high UDP port with SO_REUSEADDR: bound as usual" "$(kv result hiu)" ok
bt ux bind unix "$W/sock" 0
is "AF_UNIX: bound as usual" "$(kv result ux)" ok
is "AF_UNIX: the socket file is the program's" \
    "$(stat -c %U "$W/sock" 2>/dev/null)" "$UNPRIV"
mkdir -m 0755 "$T/ro"
[ "$ME" = 0 ] || chmod 0555 "$T/ro"
bt uxro bind unix "$T/ro/sock" 0
is "S52: AF_UNIX in a directory the program cannot write: EACCES as is" \
    "$(kv result uxro)" EACCES
is "S52: never sent anywhere (no message, no file)" \
    "$(err_of uxro)$(ls -A "$T/ro")" ""

if [ "$start" -le 1 ]; then
	skip 34 "ip_unprivileged_port_start is $start: no privileged ports"
	finish
fi
if [ "$ME" = 0 ] && ! setpriv --reuid=nobody --regid="$(id -g nobody)" \
    --clear-groups -- true 2>/dev/null; then
	skip 34 "cannot become nobody with setpriv"
	finish
fi
PP=$((start > 1024 ? 1023 : start - 1))
echo "# privileged port $PP, as $UNPRIV, no broker"

bt nob bind tcp4 127.0.0.1 $PP
is "no broker: EACCES" "$(kv result nob)" EACCES
is "no broker: the fd is still the same socket" "$(kv same_socket nob)" 1
is "no broker: no fd left open (daemon connection, helper socketpair)" \
    "$(kv fds_leaked nob)" 0
is "no broker: left unbound" "$(kv bound nob)" none
matches "no broker: one line, 'porthole exec: PROG[PID]: bind ...'" \
    "$(err_of nob)" "^porthole exec: ph-bindtest\[[0-9]+\]: bind tcp:127\.0\.0\.1:$PP"
is "no broker: exactly one line" "$(err_of nob | wc -l | tr -d ' ')" 1
# A helper that cannot be executed is "no helper" (broker.c learns the
# clone()d child's execve error), not "Broken pipe" from a dead channel.
matches "no broker: the message names portholed and porthole-helper" \
    "$(err_of nob)" "neither portholed \(/nonexistent\) nor porthole-helper \(/nonexistent\) is available"
bt nob6 bind tcp6 ::1 $PP len24
is "no broker, IPv6 given in 24 bytes: EACCES, no fd left" \
    "$(kv result nob6) $(kv fds_leaked nob6)" "EACCES 0"
bt nobu bind udp6 :: $PP v6only
is "no broker, UDP: EACCES, no fd left" \
    "$(kv result nobu) $(kv fds_leaked nobu)" "EACCES 0"
bt nobra bind tcp4 127.0.0.1 $PP reuseaddr
is "TCP with SO_REUSEADDR is not refused for it (no broker: EACCES)" \
    "$(kv result nobra)" EACCES
fails "... and the message is not about SO_REUSEADDR" \
    grep -q SO_REUSEADDR "$O/nobra.err"

# Refused before any broker is asked, with a reason (S48, S52).
bt rp bind tcp4 127.0.0.1 $PP reuseport
is "S48: SO_REUSEPORT set: EACCES" "$(kv result rp)" EACCES
matches "S48: SO_REUSEPORT: the message says why" "$(err_of rp)" \
    "^porthole exec: ph-bindtest\[[0-9]+\]: bind tcp:127\.0\.0\.1:$PP refused: the socket has SO_REUSEPORT set"
bt ura bind udp4 127.0.0.1 $PP reuseaddr
is "S48: UDP with SO_REUSEADDR: EACCES" "$(kv result ura)" EACCES
matches "S48: UDP SO_REUSEADDR: the message says why" "$(err_of ura)" \
    "bind udp:127\.0\.0\.1:$PP refused: SO_REUSEADDR on a UDP socket"
bt mp bind mptcp4 127.0.0.1 $PP
if [ "$(kv socket mp)" = "" ]; then
	is "S52: an MPTCP socket (not TCP/UDP): EACCES" "$(kv result mp)" EACCES
	matches "S52: MPTCP: only TCP and UDP are sent" "$(err_of mp)" \
	    "refused: porthole binds only TCP and UDP sockets"
else
	skip 2 "no MPTCP sockets here: $(kv socket mp)"
fi
bt ul bind udplite4 127.0.0.1 $PP
if [ "$(kv socket ul)" = "" ]; then
	is "S52: a UDP-Lite socket (not UDP): EACCES" "$(kv result ul)" EACCES
else
	skip 1 "no UDP-Lite sockets here: $(kv socket ul)"
fi
bt pb bind tcp4 127.0.0.1 $PP prebind
is "an already bound socket: EINVAL, as a privileged bind() says" \
    "$(kv result pb)" EINVAL
matches "... and it keeps its first address" "$(kv bound pb)" \
    '^127\.0\.0\.1:[1-9][0-9]*$'
bt na bind tcp4 192.0.2.1 $PP
is "a non-local address: EADDRNOTAVAIL (the kernel's answer)" \
    "$(kv result na)" EADDRNOTAVAIL

# At most 8 messages a process; none once fd 2 is another file.
bt rep bind tcp4 127.0.0.1 $PP reuseport repeat:12
is "12 refusals: all EACCES" "$(kv failed rep)" 12
is "... explained 8 times, no more" "$(err_of rep | wc -l | tr -d ' ')" 8
bt e2 bind tcp4 127.0.0.1 $PP reuseport "stderr:$W/other-stderr"
is "fd 2 replaced by the program: still EACCES" "$(kv result e2)" EACCES
is "... and no message in the program's new fd 2" \
    "$(cat "$W/other-stderr" 2>/dev/null)" ""
is "... nor anywhere else" "$(err_of e2)" ""

# A program that closed every fd, 0 to 2 included, first.
bt ca -C -o "$W/ca.out" bind tcp4 127.0.0.1 $PP
cp "$W/ca.out" "$O/ca" 2>/dev/null || : > "$O/ca"
is "all fds closed first: EACCES, no fd left, not crashed" \
    "$rc $(kv result ca) $(kv fds_leaked ca)" "0 EACCES 0"
bt ca0 -C -o "$W/ca0.out" bind tcp4 127.0.0.1 0
cp "$W/ca0.out" "$O/ca0" 2>/dev/null || : > "$O/ca0"
is "all fds closed first, port 0: bound" "$(kv result ca0)" ok

# Threads and signals on the way to the (absent) broker.
bt th threads 8 tcp4 127.0.0.1 $((PP - 7))
is "8 threads at once: 8 EACCES, no fd left" \
    "$(kv ok th) $(kv listening th) $(kv fds_leaked th)" "0 0 0"
matches "... each one EACCES" "$(kv errors th)" \
    '^([0-9]+:EACCES,){7}[0-9]+:EACCES$'
bt al sigalrm tcp4 127.0.0.1 $PP 50
matches "SIGALRM every 1 ms without SA_RESTART: every bind() says EACCES, never EINTR" \
    "$(kv errors al)" '^EACCES:[0-9]+$'
matches "... and the timer did fire" "$(kv alarms al)" '^[1-9][0-9]*$'
is "... no fd left" "$(kv fds_leaked al)" 0
bt ch sigchld tcp4 127.0.0.1 $PP
is "helper attempt (clone, no SIGCHLD): EACCES, no SIGCHLD, no child left" \
    "$(kv result ch) $(kv sigchld ch) $(kv waitpid ch) $(kv fds_leaked ch)" \
    "EACCES 0 ECHILD 0"
finish
