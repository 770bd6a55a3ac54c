# SPDX-License-Identifier: ISC
# 62-erlang.sh - the Erlang binding (bindings/erlang) against a real
# portholed (root only, in a fresh network namespace): alice, granted
# tcp:80 and raw:icmp, runs the EUnit suite (a gen_tcp server on port 80
# answering a client, binds on kept and fresh connections with the fds
# counted, procket-style open/2, an ICMP echo to 127.0.0.1 through gen_udp
# on the raw:icmp socket); bob, granted nothing, gets {error, eacces} and
# the very sentence `porthole run` prints; listen_fds/0 under `porthole
# run`.  Every erl runs with -noshell under timeout and ends with halt().
if ! command -v erl >/dev/null 2>&1 || ! command -v erlc >/dev/null 2>&1; then
	echo "1..0 # SKIP erl and erlc (Erlang/OTP) are not installed"
	exit 77
fi
. "$TOP/tests/root/broker-lib.sh"

write_policy <<EOF
# 62-erlang.sh
allow user alice tcp:80 udp:53 raw:icmp
EOF
ok "portholed starts and listens" start_daemon
chmod 0755 "$T/run/porthole"

# The module and the suite, compiled here (the users cannot read the
# build tree); the golden vectors beside them.
E=$T/erl
mkdir -p "$E/ebin" "$E/home" "$E/bench"
cp "$TOP/bindings/erlang/bench/bench_bind.escript" "$E/bench/"
ok "erlc compiles src/porthole.erl and the EUnit suite" \
    erlc -Wall -o "$E/ebin" "$TOP/bindings/erlang/src/porthole.erl" \
    "$TOP/bindings/erlang/test/porthole_tests.erl"
cp "$TOP/tests/vectors/requests.txt" "$E/requests.txt"
chmod -R a+rX "$E"
chmod 1777 "$E/home"

EUNIT='R = eunit:test(porthole, [verbose]), halt(case R of ok -> 0; _ -> 1 end).'
# eunit USER TEST: the suite as USER with PORTHOLE_TEST=TEST, daemon only.
eunit() {
	with_daemon "$1" env HOME="$E/home" PORTHOLE_TEST="$2" \
	    PORTHOLE_VECTORS="$E/requests.txt" PORTHOLE_POLICY="$POLICY" \
	    PORTHOLE_SENTENCE_OUT="$E/home/$1.sentence" \
	    timeout 120 erl -noshell -pa "$E/ebin" -eval "$EUNIT" \
	    >"$T/eunit-$1.out" 2>&1
	_rc=$?
	grep -E "passed|Failed|failed|\*failed\*|error" "$T/eunit-$1.out" |
	    head -n 20 | sed 's/^/#   /'
	return $_rc
}

# alice: everything the policy grants her, and nothing left behind.
eunit alice granted
is "alice: the EUnit suite passes (gen_tcp on port 80, kept and fresh binds, ICMP echo)" \
    "$?" 0
matches "alice: it ran the daemon tests, not only the offline ones" \
    "$(cat "$T/eunit-alice.out")" "tcp_server.*ok"
matches "alice: the ICMP echo ran" "$(cat "$T/eunit-alice.out")" "icmp_echo.*ok"
matches "alice: the encoder agreed with the C client's golden vectors" \
    "$(cat "$T/eunit-alice.out")" "bind 6 ::ffff:127.0.0.1 1 17 0.*ok"

# bob: {error, eacces} and the C tool's sentence, word for word.
eunit bob denied
is "bob: the EUnit suite passes (denied: {error, eacces})" "$?" 0
matches "bob: the denial tests ran" "$(cat "$T/eunit-bob.out")" "denied.*ok"
with_daemon bob "$PH" run tcp:127.0.0.1:80 -- /bin/true >/dev/null 2>"$T/c.err"
is "bob: the Erlang sentence is the one \`porthole run\` prints" \
    "$(cat "$E/home/bob.sentence" 2>/dev/null)" \
    "$(sed 's/^porthole run: //' "$T/c.err")"

# listen_fds/0 under socket activation by `porthole run`.
with_daemon alice timeout 60 "$PH" run tcp:127.0.0.1:80 udp:53,name=dns -- \
    env HOME="$E/home" erl -noshell -pa "$E/ebin" \
    -eval 'io:format("~p~n", [porthole:listen_fds()]), halt().' \
    >"$T/lfds.out" 2>&1
is "listen_fds/0 under porthole run" "$(cat "$T/lfds.out")" \
    '[{"tcp-80",3},{"dns",4}]'

# The binding's cost per bind (bench/bindings.sh compares it with C's).
for m in kept fresh; do
	with_daemon alice env HOME="$E/home" timeout 120 escript \
	    "$E/bench/bench_bind.escript" 2000 "$m" >"$T/bench-$m.out" 2>&1
	matches "bench_bind.escript 2000 $m prints ns_per_bind" \
	    "$(cat "$T/bench-$m.out")" '^ns_per_bind=[0-9]+\.[0-9]$'
	echo "# erlang $m: $(cat "$T/bench-$m.out")"
done

# Nothing of ours is left running.
is "no erl of the test is left running" \
    "$(pgrep -u "$A" -f "$E/ebin" 2>/dev/null; pgrep -u "$B" -f "$E/ebin" 2>/dev/null)" ""
stop_daemon
finish
