# SPDX-License-Identifier: ISC
# 63-prolog.sh - the SWI-Prolog pack `porthole` (bindings/prolog), as
# alice with portholed running and a policy granting her
# tcp:127.0.0.1:80: the pack loaded exactly as a user loads it
# (pack_attach, then use_module(library(porthole))), its plunit suite
# (every test counts fds), SWI-Prolog's own HTTP server on a
# porthole_mkpath/1 socket (alice reaches it with curl --unix-socket, bob
# does not), the same server on port 80 through porthole_open/2 and
# through `porthole run` (porthole_listen_fds/1).  Skips without swipl.
if ! command -v swipl >/dev/null 2>&1; then
	echo "1..0 # SKIP swipl not installed (swi-prolog-nox)"
	exit 77
fi
_plbase=$(swipl --dump-runtime-variables 2>/dev/null |
    sed -n 's/^PLBASE="\(.*\)";$/\1/p')
_plarch=$(swipl --dump-runtime-variables 2>/dev/null |
    sed -n 's/^PLARCH="\(.*\)";$/\1/p')
if [ ! -f "$_plbase/include/SWI-Prolog.h" ] || [ -z "$_plarch" ]; then
	echo "1..0 # SKIP SWI-Prolog.h not installed"
	exit 77
fi
if ! command -v curl >/dev/null 2>&1; then
	echo "1..0 # SKIP curl not installed"
	exit 77
fi
. "$TOP/tests/root/broker-lib.sh"

write_policy <<EOF2
# 63-prolog.sh
allow user alice tcp:127.0.0.1:80
EOF2
ok "portholed starts" start_daemon

# The pack as the build left it (make install-setuid built `all`, and so
# the foreign library), copied where alice can read it.
SO=$TOP/bindings/prolog/lib/$_plarch/porthole4pl.so
ok "make built the foreign library into the pack's lib/$_plarch/" test -f "$SO"
is "it exports install_porthole4pl only" \
    "$(nm -D --defined-only "$SO" | awk '$2 ~ /^[TDBRV]$/ { print $3 }')" \
    install_porthole4pl
fails "it is not a sanitizer build (swipl is no ASan program)" \
    sh -c "nm -D '$SO' | grep -q __asan_"
mkdir -p "$T/src/bindings" "$T/home" "$T/alice-tmp"
cp -R "$TOP/bindings/prolog" "$T/src/bindings/prolog"
chmod -R a+rX "$T/src"
chown alice "$T/home" "$T/alice-tmp"
chmod 0700 "$T/home"
chmod 0755 "$T/alice-tmp"	# only the socket's own 0700 directory protects it
TESTPL=bindings/prolog/test/test_porthole.pl
# as alice, brokered by the daemon, in $T/src, with her own HOME and TMPDIR
alice() {
	(cd "$T/src" && with_daemon alice env -u XDG_RUNTIME_DIR \
	    HOME="$T/home" TMPDIR="$T/alice-tmp" "$@")
}

# --- loaded as a user loads it ---------------------------------------
out=$(alice swipl -g "pack_attach('bindings/prolog', [])" \
    -g "use_module(library(porthole))" \
    -g "porthole_mkpath(P), writeln(P), file_directory_name(P, D), delete_directory(D)" \
    -t halt 2>&1)
matches "pack_attach, use_module(library(porthole)), porthole_mkpath/1" \
    "$out" "^$T/alice-tmp/porthole-[0-9a-f]+/sock\$"

# --- the plunit suite ------------------------------------------------
denied=$(alice "$PH" run tcp:127.0.0.1:81 -- /bin/true 2>&1 |
    sed 's/^porthole run: //')
matches "porthole run's denial (what the binding must say)" "$denied" \
    "^tcp:127.0.0.1:81: denied by the porthole policy; to allow it"
alice env PORTHOLE="$PH" PH_TEST_GRANTED=tcp:127.0.0.1:80 \
    PH_TEST_DENIED=tcp:127.0.0.1:81 PH_TEST_DENIED_SENTENCE="$denied" \
    swipl -g run_tests -t halt "$TESTPL" >"$T/plunit.out" 2>&1
rc=$?
sed 's/^/#   /' "$T/plunit.out"
is "plunit suite as alice (swipl -g run_tests -t halt)" "$rc" 0
# Every conditional test ran: 18 of the 19 (socket activation is below).
matches "plunit: all 18 tests ran and passed" "$(cat "$T/plunit.out")" \
    "All 18 tests passed"

# --- HTTP on a porthole_mkpath/1 socket: alice yes, bob no -------------
mkfifo "$T/stop"
chmod 0666 "$T/stop"
exec 7<>"$T/stop"
bg_start alice sh -c 'exec swipl -g serve_unix -t halt "$1" <"$2"' sh \
    "$TESTPL" "$T/stop"
path=$(head -n 1 "$T/bg.out")
matches "the server prints its mkpath socket" "$path" \
    "^$T/alice-tmp/porthole-[0-9a-f]+/sock\$"
dir=${path%/sock}
is "its directory is 0700" "$(mode_of "$dir")" 0700
out=$(as alice curl -s --max-time 5 --unix-socket "$path" http://localhost/)
is "alice reaches it with curl --unix-socket; porthole_peer/2 says alice" \
    "$out" "hello from prolog, uid $A"
chmod 0666 "$path"	# the socket open to all: only the directory is left
fails "bob cannot connect (the 0700 directory)" \
    as bob curl -s --max-time 5 --unix-socket "$path" http://localhost/
chmod 0711 "$dir"	# control: with the directory open, bob gets in
out=$(as bob curl -s --max-time 5 --unix-socket "$path" http://localhost/)
is "control: with the directory opened, bob is served, as uid $B" "$out" \
    "hello from prolog, uid $B"
chmod 0700 "$dir"
echo "stop." >&7
bg_wait
is "the server stops" "$?" 0
exec 7>&-
fails "it removed its socket directory" test -e "$dir"

# --- HTTP on port 80 through porthole_open/2 ---------------------------
mkfifo "$T/stop80"
chmod 0666 "$T/stop80"
exec 7<>"$T/stop80"
bg_start alice env PH_TEST_GRANTED=tcp:127.0.0.1:80 sh -c \
    'exec swipl -g serve_tcp -t halt "$1" <"$2"' sh "$TESTPL" "$T/stop80"
is "the port-80 server is up" "$(head -n 1 "$T/bg.out")" ready
is "the listener on port 80 is alice's socket" "$(listening_uid 80)" "$A"
out=$(curl -s --max-time 5 http://127.0.0.1/)
is "curl http://127.0.0.1/ is served by alice's SWI-Prolog" "$out" \
    "hello from prolog, uid none"
echo "stop." >&7
bg_wait
is "the port-80 server stops" "$?" 0
exec 7>&-
matches "the daemon granted it" "$(daemon_log)" "grant.*tcp:127.0.0.1:80"

# --- socket activation: porthole run ... -- swipl ---------------------
alice env PH_TEST_GRANTED=tcp:127.0.0.1:80 PH_TEST_LISTEN=web \
    "$PH" run tcp:127.0.0.1:80,name=web -- \
    swipl -g "run_tests(listen_fds)" -t halt "$TESTPL" >"$T/act.out" 2>&1
rc=$?
sed 's/^/#   /' "$T/act.out"
is "porthole_listen_fds/1 under porthole run: the server on fd 3" "$rc" 0
matches "both socket-activation tests ran" "$(cat "$T/act.out")" \
    "All 2 tests passed"

stop_daemon
finish
