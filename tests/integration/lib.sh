# SPDX-License-Identifier: ISC
# tests/integration/lib.sh - sourced by every shell test: TAP output,
# assertions, a per-test temporary directory, fd-leak-free cleanup.
#
# Provides: ok DESC CMD..., fails DESC CMD..., is DESC GOT WANT,
# matches DESC TEXT PATTERN, skip N REASON, finish; mode_of, wait_for,
# wait_sock, wait_file; $T (mode 0700),
# $PORTHOLE (the built command), TOP and BUILD from tests/run.sh.
set -u
: "${TOP:?run through tests/run.sh}" "${BUILD:?run through tests/run.sh}"
PORTHOLE=$BUILD/porthole
# Programs linked against a sanitizer build need the same runtime.
SANFLAGS=${SAN:+-fsanitize=$SAN}
_n=0 _fail=0 _skip=0
T=$(mktemp -d /tmp/ph-it.XXXXXX)
chmod 0700 "$T"
trap 'rm -rf "$T"' EXIT

_result() {	# status desc
	_n=$((_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_n - $2"
	else
		_fail=$((_fail + 1))
		echo "not ok $_n - $2"
	fi
}
ok() {		# the command succeeds
	d=$1; shift
	"$@" >"$T/.out" 2>&1; rc=$?
	[ $rc = 0 ] || sed 's/^/#   /' "$T/.out"
	_result $rc "$d"
}
fails() {	# the command exits non-zero (but was not killed)
	d=$1; shift
	"$@" >"$T/.out" 2>&1; rc=$?
	if [ $rc != 0 ] && [ $rc -lt 128 ]; then _result 0 "$d"
	else echo "#   status $rc"; _result 1 "$d"; fi
}
is() {		# desc got want
	if [ "$2" = "$3" ]; then _result 0 "$1"
	else echo "#   got '$2', want '$3'"; _result 1 "$1"; fi
}
matches() {	# desc text extended-regex
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then _result 0 "$1"
	else echo "#   '$2' does not match /$3/"; _result 1 "$1"; fi
}
skip() {	# n reason
	i=0
	while [ $i -lt "$1" ]; do
		_n=$((_n + 1)) _skip=$((_skip + 1))
		echo "ok $_n # SKIP $2"
		i=$((i + 1))
	done
}
finish() {
	echo "1..$_n"
	echo "$((_n - _fail - _skip)) passed, $_fail failed, $_skip skipped"
	[ $_fail = 0 ]
	exit $?
}
# The mode of a file as four octal digits.
mode_of() { stat -c '%a' "$1" | awk '{ printf "%04d\n", $1 }'; }

# wait_for TENTHS CMD...: retry CMD every 0.1 s, at most TENTHS times;
# 0 as soon as it succeeds, 1 if it never does.  Every wait is bounded.
wait_for() {
	_w=$1; shift
	until "$@"; do
		_w=$((_w - 1))
		[ "$_w" -gt 0 ] || return 1
		sleep 0.1
	done
}
# wait_sock PATH: until PATH is a socket (0), at most 5 s (1).
wait_sock() { wait_for 50 test -S "$1"; }
# wait_file PATH: until PATH is non-empty (0), at most 5 s (1).
wait_file() { wait_for 50 test -s "$1"; }
