#!/bin/sh
# SPDX-License-Identifier: ISC
#
# broker-ab.sh - the broker rows of two (or more) builds, side by side:
# each build's own portholed and bench-broker ("bind" mode: broker-kept
# and broker-fresh against the limit), the builds taking turns, REPS
# times, all pinned to one CPU, in a network namespace of its own.
# Turns interleave so that a machine that drifts (this one is shared)
# moves every build alike; the mean of the per-turn ratios is printed,
# with each build's change against the first.
#
#   sh bench/broker-ab.sh BUILD_A BUILD_B [BUILD...]
#
# Each BUILD is a build directory holding portholed and
# bench/bench-broker (`make BUILD=DIR all DIR/bench/bench-broker`); a
# tree from before a change is built with `git worktree add` and the
# same command.  Run as root; USER (BENCH_USER, default alice) must
# exist: it is the one the policy grants.  REPS (default 6) turns of
# ROUNDS (default 1001) rounds each; BENCH_CPU (default 0).
set -eu
[ $# -ge 2 ] || { echo "usage: broker-ab.sh BUILD_A BUILD_B [BUILD...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "broker-ab.sh: needs root (a policy, a daemon)" >&2; exit 1; }
BUSER=${BENCH_USER:-alice}
REPS=${REPS:-6}
ROUNDS=${ROUNDS:-1001}
CPU=${BENCH_CPU:-0}
id "$BUSER" >/dev/null 2>&1 || { echo "broker-ab.sh: no user $BUSER" >&2; exit 1; }
for b in "$@"; do
	for f in portholed bench/bench-broker; do
		[ -x "$b/$f" ] || { echo "broker-ab.sh: no $b/$f" >&2; exit 1; }
	done
done

if [ "${AB_INNER:-}" != 1 ]; then
	AB_INNER=1 exec unshare -n sh "$0" "$@"
fi
ip link set lo up
D=$(mktemp -d "${TMPDIR:-/tmp}/ph-ab.XXXXXX")
chmod 0755 "$D"
trap 'rm -rf "$D"' EXIT
echo "allow user $BUSER tcp:127.0.0.1:80 tcp:127.0.0.1:700-799" >"$D/policy"
chmod 0644 "$D/policy"

rep=1
while [ "$rep" -le "$REPS" ]; do
	i=0
	for b in "$@"; do
		i=$((i + 1))
		mkdir -p "$D/run$i"
		chmod 0755 "$D/run$i"
		"$b/portholed" -f --policy "$D/policy" --socket "$D/run$i/s" \
		    2>"$D/log$i" &
		dp=$!
		n=0
		while [ ! -S "$D/run$i/s" ] && [ $n -lt 100 ]; do
			sleep 0.05
			n=$((n + 1))
		done
		taskset -pc "$CPU" "$dp" >/dev/null
		PORTHOLE_SOCKET=$D/run$i/s PORTHOLE_HELPER=/nonexistent \
		    taskset -c "$CPU" "$b/bench/bench-broker" -r "$ROUNDS" \
		    -u "$BUSER" bind |
		    awk -v i="$i" '$1 == "row" { print i, $2, $5 }' >>"$D/rows"
		kill "$dp"
		wait "$dp" 2>/dev/null || true
		rm -f "$D/run$i/s"
	done
	rep=$((rep + 1))
done

echo "broker rows, pinned to CPU $CPU: mean of $REPS turns of $ROUNDS rounds," \
    "ratio against the limit; change against build 1"
i=0
for b in "$@"; do
	i=$((i + 1))
	echo "  build $i: $b"
done
awk '
{ s[$1, $2] += $3; n[$1, $2]++; if ($1 > nb) nb = $1; row[$2] = 1 }
END {
	for (r in row)
		for (b = 1; b <= nb; b++) {
			m = s[b, r] / n[b, r]
			if (b == 1)
				base = m
			printf "%-14s build %d %7.3f %+6.1f%%\n", r, b, m,
			    (m / base - 1) * 100
		}
}' "$D/rows" | sort
