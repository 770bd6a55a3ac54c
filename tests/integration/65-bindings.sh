#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/integration/65-bindings.sh - the language bindings' own suites,
# as any user, with no broker: Python's unittest (bindings/python/tests),
# Erlang's EUnit (bindings/erlang/test) and SWI-Prolog's plunit
# (bindings/prolog/test).  Their broker cases skip here; they run against
# the real daemon in tests/root/61-python.sh, 62-erlang.sh and
# 63-prolog.sh.  A runtime that is not installed is skipped.
. "$TOP/tests/integration/lib.sh"

# suite DESC DONE-PATTERN CMD...: CMD exits 0 and prints DONE-PATTERN.
suite() {
	d=$1 pat=$2; shift 2
	"$@" >"$T/suite.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$T/suite.out" | tail -n 15
	is "$d: exit status" "$rc" 0
	matches "$d: the runner's summary" "$(cat "$T/suite.out")" "$pat"
}

if [ -x /usr/bin/python3 ]; then
	suite "python3 -m unittest (bindings/python)" '^OK' \
	    sh -c 'cd "$1/bindings/python" &&
	    PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m unittest' sh "$TOP"
else
	skip 2 "no /usr/bin/python3"
fi

if command -v erlc >/dev/null 2>&1 && command -v erl >/dev/null 2>&1; then
	mkdir "$T/ebin"
	ok "erlc bindings/erlang/src/porthole.erl works on its own" \
	    erlc -o "$T/ebin" "$TOP/bindings/erlang/src/porthole.erl"
	ok "erlc the EUnit suite" \
	    erlc -o "$T/ebin" "$TOP/bindings/erlang/test/porthole_tests.erl"
	suite "EUnit (bindings/erlang)" "passed" sh -c 'cd "$1" && export PORTHOLE_VECTORS="$1/tests/vectors/requests.txt" &&
	    erl -noshell -pa "$2" -eval "case eunit:test(porthole_tests, [verbose]) of ok -> halt(0); _ -> halt(1) end"' \
	    sh "$TOP" "$T/ebin"
else
	skip 4 "Erlang/OTP (erlang-base) is not installed"
fi

if command -v swipl >/dev/null 2>&1 &&
    ls "$TOP"/bindings/prolog/lib/*/porthole4pl.so >/dev/null 2>&1; then
	suite "plunit (bindings/prolog)" 'passed' sh -c 'cd "$1" &&
	    swipl -g run_tests -t halt bindings/prolog/test/test_porthole.pl' \
	    sh "$TOP"
else
	skip 2 "SWI-Prolog or the pack's foreign library (make) is missing"
fi
finish
