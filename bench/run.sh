#!/bin/sh
# SPDX-License-Identifier: ISC
#
# run.sh - run every $BUILD/bench/bench-* program twice, pinned to one CPU
# (`taskset -c $BENCH_CPU`, default 0; forked children inherit it, so all
# processes of a benchmark share that CPU) and unpinned, and print one
# table of lib/raw ratios with PASS (at most the target, 1.10) or OVER.
#
# Run by `make bench`, which sets BUILD (absolute or relative to the
# current directory).  BENCH_ARGS is passed to every program (for
# example BENCH_ARGS="-r 101" for a quick run).  The benchmarks are
# informational: a ratio over target still exits 0.  Exit 1 only when a
# benchmark could not run at all.

BUILD=${BUILD:-build}
CPU=${BENCH_CPU:-0}
TARGET=${BENCH_TARGET:-1.10}
ARGS=${BENCH_ARGS:-}

case $BUILD in
/*)	;;
*)	BUILD=$(pwd)/$BUILD ;;
esac

out=$(mktemp "${TMPDIR:-/tmp}/ph-bench.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
trap 'exit 1' HUP INT TERM

pin=
if command -v taskset >/dev/null 2>&1 && taskset -c "$CPU" true 2>/dev/null
then
	pin="taskset -c $CPU"
else
	echo "run.sh: cannot pin to CPU $CPU (no taskset, or CPU not" \
	    "allowed): pinned rows skipped" >&2
fi

status=0
found=0
start=$(date +%s)
for prog in "$BUILD"/bench/bench-*; do
	if [ ! -f "$prog" ] || [ ! -x "$prog" ]; then
		continue
	fi
	found=1
	name=${prog##*/}
	for mode in pinned unpinned; do
		if [ "$mode" = pinned ]; then
			[ -n "$pin" ] || continue
			cmd="$pin $prog"
		else
			cmd=$prog
		fi
		# $ARGS is split on purpose: it holds options.
		# shellcheck disable=SC2086
		if ! rows=$($cmd $ARGS); then
			echo "run.sh: $name ($mode) failed" >&2
			status=1
			continue
		fi
		printf '%s\n' "$rows" |
		    awk -v mode="$mode" -F '\t' '$1 == "row" {
			print $2 "\t" mode "\t" $3 "\t" $4 "\t" $5 "\t" \
			    $6 "\t" $7 "\t" $8 "\t" $9 }' >>"$out"
	done
done
end=$(date +%s)

if [ "$found" = 0 ]; then
	echo "run.sh: no benchmarks in $BUILD/bench (run make bench)" >&2
	exit 1
fi

echo "porthole benchmarks: libporthole against the raw syscalls" \
    "(target: lib <= ${TARGET}x raw)"
echo "raw, lib: median per operation over all rounds (for context only);"
echo "lib/raw: median of the per-round ratios, [q1-q3] their quartiles."
echo
# Group the rows by case, in the order the benchmarks printed them.
awk -F '\t' -v target="$TARGET" '
{
	if (!($1 in seen)) {
		seen[$1] = 1
		order[++ncases] = $1
	}
	line[$1, ++n[$1]] = $0
}
END {
	printf "%-16s %-9s %10s %10s %8s  %-15s %s\n", "case", "cpu",
	    "raw", "lib", "lib/raw", "[q1-q3]", "verdict"
	for (c = 1; c <= ncases; c++)
		for (i = 1; i <= n[order[c]]; i++) {
			split(line[order[c], i], f, "\t")
			verdict = (f[5] + 0 <= target + 0) ? "PASS" : "OVER"
			printf "%-16s %-9s %7.2f us %7.2f us %8.3f  " \
			    "[%.3f-%.3f]   %s\n", f[1], f[2], f[3] / 1000,
			    f[4] / 1000, f[5], f[6], f[7], verdict
		}
}' "$out"
echo
echo "($(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$((end - start)) s)"
exit "$status"
