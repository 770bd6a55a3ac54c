#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/run.sh - run every test program and script, each in its own
# process under timeout(1), pass their TAP through, and end with the one
# line CI reads: "N passed, N failed, N skipped".
#
#   BUILD=build sh tests/run.sh [PATTERN]
#
# Unit tests:        $BUILD/tests/test-*          (tests/unit/*.c)
# Command tests:     tests/integration/*.sh       (unprivileged)
# Root tests:        tests/root/*.sh               (other users; skip unless root)
# A program that exits 77 is skipped as a whole.  A program that exits
# non-zero without any "not ok" line counts as one failure, so a crash
# can never pass.
set -u
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$TOP" && cd "$BUILD" && pwd)
export TOP BUILD
pattern=${1:-}
pass=0 fail=0 skip=0 failed_progs=""
out=$(mktemp)
trap 'rm -f "$out"' EXIT

run_one() {	# name command...
	name=$1; shift
	case "$name" in *"$pattern"*) ;; *) return ;; esac
	echo "# --- $name"
	timeout -k 5 "${PH_TEST_TIMEOUT:-300}" "$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -c '^ok ' "$out" | tr -d ' ')
	s=$(grep -c '^ok .*# SKIP' "$out" | tr -d ' ')
	f=$(grep -c '^not ok ' "$out" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" = 77 ]; then
		s=$((s + 1))
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	[ "$f" = 0 ] || failed_progs="$failed_progs $name"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

for t in "$BUILD"/tests/test-*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in "$TOP"/tests/integration/[0-9]*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t")" sh "$t"
done
for t in "$TOP"/tests/root/[0-9]*.sh; do
	[ -f "$t" ] || continue
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		run_one "root/$(basename "$t")" unshare -n sh "$t"
	else
		run_one "root/$(basename "$t")" sh "$t"
	fi
done

[ -z "$failed_progs" ] || echo "# failed:$failed_progs"
echo "total: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
