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
#
# As root it then measures the porthole broker (bench-broker, bind80):
# it builds and installs porthole into a private prefix (setuid helper),
# writes a policy granting user alice (created if missing) 127.0.0.1 TCP
# ports 80 and 700-799, and in a new network namespace (loopback up) and
# mount namespace (a private /etc/authbind that lets alice bind port 80)
# starts portholed -f and runs bench-broker's "bind" and "program" modes,
# pinned and unpinned.  Targets: a bind on a kept connection <= 2.5 x
# the limit (root's own socket + bind + listen), on a new connection
# <= 4 x; a whole program binding port 80 through the daemon <= 0.4 x
# authbind, through the helper <= 0.6 x.  authbind is installed with
# apt-get when missing (not with PH_NO_INSTALL=1).  BENCH_BROKER=0 skips
# this part; as non-root it is skipped with a message.

BUILD=${BUILD:-build}
CPU=${BENCH_CPU:-0}
TARGET=${BENCH_TARGET:-1.10}
ARGS=${BENCH_ARGS:-}

case $BUILD in
/*)	;;
*)	BUILD=$(pwd)/$BUILD ;;
esac

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUSER=alice

# ---- the broker benchmarks -------------------------------------------------

# Inside `unshare -n -m` (run.sh --broker-inner T): loopback up, a private
# /etc/authbind, portholed in the background, bench-broker pinned and
# unpinned; the rows go to T/rows, tagged with pinned/unpinned.
broker_inner() {
	T=$1
	ip link set lo up || return 1
	if [ -d /etc/authbind ] && [ -d "$T/authbind" ]; then
		mount --bind "$T/authbind" /etc/authbind || return 1
	fi
	"$T/prefix/sbin/portholed" -f --user nobody 2>"$T/portholed.log" &
	dpid=$!
	# shellcheck disable=SC2064
	trap "kill $dpid 2>/dev/null" EXIT
	trap 'exit 1' HUP INT TERM
	i=0
	while [ ! -S "$T/run/porthole/porthole.sock" ] && [ $i -lt 250 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	if [ ! -S "$T/run/porthole/porthole.sock" ]; then
		echo "run.sh: portholed did not start:" >&2
		cat "$T/portholed.log" >&2
		kill "$dpid" 2>/dev/null
		return 1
	fi
	bb=$T/build/bench/bench-broker
	ab=-
	[ -f "$T/authbind-ok" ] && ab=$(command -v authbind)
	mask=$(taskset -p $$ 2>/dev/null | sed 's/.*: //')
	rc=0
	for mode in pinned unpinned; do
		if [ "$mode" = pinned ]; then
			[ -n "$pin" ] || continue
			# The daemon shares the CPU with the client, as the
			# kernel-facts costs were measured.
			taskset -pc "$CPU" "$dpid" >/dev/null
			cmd="$pin $bb"
		else
			[ -n "$mask" ] && taskset -p "$mask" "$dpid" >/dev/null
			cmd=$bb
		fi
		# shellcheck disable=SC2086
		for what in "bind" \
		    "program $T/bind80 $T/bind80-ph $T/prefix/bin/porthole $ab"
		do
			if ! rows=$($cmd $ARGS -u "$BUSER" $what); then
				echo "run.sh: bench-broker $what ($mode) failed" >&2
				rc=1
				continue
			fi
			printf '%s\n' "$rows" | awk -v mode="$mode" -F '\t' '
			    $1 == "row" { print $2 "\t" mode "\t" $3 "\t" \
				$4 "\t" $5 "\t" $6 "\t" $7 }' >>"$T/rows"
		done
	done
	kill "$dpid"
	wait "$dpid" 2>/dev/null
	return $rc
}

if [ "${1:-}" = --broker-inner ]; then
	pin=
	taskset -c "$CPU" true 2>/dev/null && pin="taskset -c $CPU"
	broker_inner "$2"
	exit $?
fi

# Set up, run in the namespaces, print the table, clean up.
broker() {
	if [ "${BENCH_BROKER:-1}" = 0 ]; then
		return 0
	fi
	echo
	if [ "$(id -u)" != 0 ]; then
		echo "porthole broker benchmarks: skipped (they need root: a" \
		    "setuid helper, a user to drop to, a network namespace)"
		return 0
	fi
	for tool in unshare ip useradd mount; do
		if ! command -v $tool >/dev/null 2>&1; then
			echo "porthole broker benchmarks: skipped ($tool is" \
			    "missing)"
			return 0
		fi
	done
	bstart=$(date +%s)
	if ! command -v authbind >/dev/null 2>&1 &&
	    [ "${PH_NO_INSTALL:-0}" != 1 ] &&
	    command -v apt-get >/dev/null 2>&1; then
		echo "run.sh: installing authbind (apt-get) to compare with"
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y \
		    --no-install-recommends authbind ||
		  { apt-get update && DEBIAN_FRONTEND=noninteractive \
		    apt-get install -y --no-install-recommends authbind; }
		} >/dev/null 2>&1
	fi
	id "$BUSER" >/dev/null 2>&1 ||
	    useradd -M -s /usr/sbin/nologin "$BUSER" || return 0
	T=$(mktemp -d "${TMPDIR:-/tmp}/ph-bench-broker.XXXXXX") || {
		status=1; return 0; }
	# shellcheck disable=SC2064
	trap "rm -rf '$T'; rm -f '$out'" EXIT
	# The user must reach the programs; the policy's directories must
	# be root's and not writable by others (S53).
	chmod 0755 "$T"
	if ! make -s -j"$(nproc)" -C "$TOP" BUILD="$T/build" PREFIX="$T/prefix" \
	    SYSCONFDIR="$T/etc" RUNSTATEDIR="$T/run" install-setuid \
	    "$T/build/bench/bench-broker" >"$T/make.log" 2>&1 ||
	    ! ${CC:-cc} -O2 -o "$T/bind80" "$TOP/bench/bind80.c" \
	    >>"$T/make.log" 2>&1 ||
	    ! ${CC:-cc} -O2 -DBIND80_PORTHOLE -I"$TOP/include" \
	    -o "$T/bind80-ph" "$TOP/bench/bind80.c" "$T/build/libporthole.a" \
	    >>"$T/make.log" 2>&1; then
		echo "run.sh: broker benchmarks: build failed:" >&2
		cat "$T/make.log" >&2
		status=1
		return 0
	fi
	# portholed makes its run directory under umask 077 (0700, which
	# no user can connect through): made here, 0755, as systemd does.
	mkdir -p "$T/etc/porthole" "$T/run/porthole"
	echo "allow user $BUSER tcp:127.0.0.1:80 tcp:127.0.0.1:700-799" \
	    >"$T/etc/porthole/policy"
	chmod 0644 "$T/etc/porthole/policy"
	if command -v authbind >/dev/null 2>&1 && [ -d /etc/authbind ]; then
		# authbind(1): the user may bind port 80 if it may execute
		# byport/80; only inside the mount namespace.
		mkdir -p "$T/authbind/byport" "$T/authbind/byaddr" \
		    "$T/authbind/byuid"
		: >"$T/authbind/byport/80"
		chown "$BUSER" "$T/authbind/byport/80"
		chmod 0500 "$T/authbind/byport/80"
		: >"$T/authbind-ok"
	else
		echo "run.sh: authbind is not installed: the rows against" \
		    "it are skipped" >&2
	fi
	if ! BENCH_CPU=$CPU BENCH_ARGS=$ARGS unshare -n -m sh "$0" \
	    --broker-inner "$T"
	then
		status=1
	fi
	bend=$(date +%s)
	[ -s "$T/rows" ] || return 0

	echo "porthole broker benchmarks: a privileged bind through portholed" \
	    "and porthole-helper"
	echo "limit: root's own socket + bind + listen + close;" \
	    "kept/fresh: ph_broker_bind() on a kept / a new connection;"
	echo "program-*: a whole program binding 127.0.0.1:80, fork to exit:" \
	    "as root, via authbind --deep,"
	echo "  run-*: unchanged, via porthole run; lib-*: calling ph_bind();" \
	    "*-daemon: portholed; *-helper: porthole-helper."
	echo "base, measured: medians (context only); ratio: median of the" \
	    "per-round ratios, [q1-q3] their quartiles."
	echo
	awk -F '\t' '
	BEGIN {
		tgt["broker-kept"] = 2.5; base["broker-kept"] = "limit"
		tgt["broker-fresh"] = 4; base["broker-fresh"] = "limit"
		base["program-authbind"] = "root"
		tgt["program-run-daemon"] = 0.4
		tgt["program-run-helper"] = 0.6
		tgt["program-lib-daemon"] = 0.4
		tgt["program-lib-helper"] = 0.6
		for (c in tgt)
			if (c ~ /^program-/)
				base[c] = "authbind"
	}
	{
		if (!($1 in seen)) {
			seen[$1] = 1
			order[++ncases] = $1
		}
		line[$1, ++n[$1]] = $0
	}
	END {
		printf "%-23s %-9s %-8s %11s %11s %7s  %-15s %6s %s\n",
		    "case", "cpu", "vs", "base", "measured", "ratio",
		    "[q1-q3]", "target", "verdict"
		for (c = 1; c <= ncases; c++)
			for (i = 1; i <= n[order[c]]; i++) {
				split(line[order[c], i], f, "\t")
				if (f[1] ~ /\/root$/)
					base[f[1]] = "root"
				if (f[1] in tgt) {
					t = sprintf("%.1f", tgt[f[1]])
					v = (f[5] + 0 <= tgt[f[1]]) ? \
					    "PASS" : "OVER"
				} else {
					t = "-"
					v = "(context)"
				}
				printf "%-23s %-9s %-8s %8.1f us %8.1f us " \
				    "%7.3f  [%.3f-%.3f] %6s %s\n", f[1], f[2],
				    base[f[1]], f[3] / 1000, f[4] / 1000,
				    f[5], f[6], f[7], t, v
			}
	}' "$T/rows"
	echo
	echo "($(uname -r), $(nproc) CPUs, load" \
	    "$(cut -d' ' -f1-3 /proc/loadavg), $((bend - bstart)) s" \
	    "with set-up)"
}

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
	# Needs root, a daemon and a namespace: run below, on its own.
	[ "$name" = bench-broker ] && continue
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

broker
exit "$status"
