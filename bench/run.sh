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
# bench-sockfilter's rows (bpf-echo64k-v4, -v6) have their own target,
# 1.02 (issue 9): raw is a plain loopback TCP listener, lib the same with
# the broker's SYN|ACK-drop socket filter attached and locked.
#
# As root it then measures the porthole broker (bench-broker, bind80):
# it builds and installs porthole into a private prefix (setuid helper),
# writes a policy granting user alice (created if missing) 127.0.0.1 TCP
# ports 80 and 700-799, and in a new network namespace (loopback up) and
# mount namespace (a private /etc/authbind that lets alice bind port 80)
# starts portholed -f and runs bench-broker's "bind" and "program" modes,
# pinned and unpinned.  Targets: a bind on a kept connection <= 2.5 x
# the limit (root's own socket + bind + listen), on a new connection
# <= 4 x; a whole program binding port 80 ported to porthole (ph_bind())
# or run by `porthole run`, through the daemon <= 0.4 x authbind, through
# the helper <= 0.6 x; the unchanged program run by `porthole exec` (the
# preload: the authbind replacement) <= 0.5 x authbind, through the daemon
# and through the helper.  program-exec-daemon/root (against root binding
# directly) is context.  authbind is installed with apt-get when missing
# (not with PH_NO_INSTALL=1).  `porthole` is built as `make` builds it:
# with $(CC), or statically against musl when MUSL_CC is given (`make
# bench MUSL_CC=musl-gcc`, config.mk); the table says which.
# BENCH_BROKER=0 skips this part; as non-root it is skipped with a message.
#
# Before the broker part it measures connections per second through
# fork-and-exec Unix socket servers serving /bin/true (bench-ucspi): porthole
# listen against s6-ipcserver (target: at least its rate), unixserver and
# the limit, bench/ucspi-limit.c, built here.  All servers and the client
# are pinned to $BENCH_CPU, then unpinned.  A server that is not installed
# (Debian packages s6, ucspi-unix) or a porthole without `listen` loses its
# rows, with a message.  BENCH_UCSPI=0 skips this part.

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
	# The language bindings against the C client (issue 12):
	# bench/bindings.sh prints its own table.
	[ -n "$mask" ] && taskset -p "$mask" "$dpid" >/dev/null
	sh "$TOP/bench/bindings.sh" "$T" "$BUSER" >"$T/bindings.out" 2>&1 ||
	    rc=1
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
	# `porthole` as `make` builds it: static against musl only when
	# MUSL_CC is given (config.mk), which a setting in the environment
	# or on make's command line is.
	musl=${MUSL_CC:-}
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
	    SYSCONFDIR="$T/etc" RUNSTATEDIR="$T/run" MUSL_CC="$musl" \
	    install-setuid \
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
	# What was built, as the table's heading says: the variable, and
	# what the binary is.
	built="porthole built with MUSL_CC=$musl"
	[ -n "$musl" ] || built="$built (empty: ${CC:-cc})"
	if command -v readelf >/dev/null 2>&1; then
		if readelf -lW "$T/prefix/bin/porthole" 2>/dev/null |
		    grep -q 'program interpreter'; then
			built="$built; porthole is dynamically linked"
		else
			built="$built; porthole is statically linked"
		fi
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
	    "exec-*: unchanged, via porthole exec"
	echo "  (LD_PRELOAD); *-daemon: portholed; *-helper: porthole-helper."
	echo "base, measured: medians (context only); ratio: median of the" \
	    "per-round ratios, [q1-q3] their quartiles."
	echo "$built."
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
		tgt["program-exec-daemon"] = 0.5
		tgt["program-exec-helper"] = 0.5
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
		printf "%-24s %-9s %-8s %11s %11s %7s  %-15s %6s %s\n",
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
				printf "%-24s %-9s %-8s %8.1f us %8.1f us " \
				    "%7.3f  [%.3f-%.3f] %6s %s\n", f[1], f[2],
				    base[f[1]], f[3] / 1000, f[4] / 1000,
				    f[5], f[6], f[7], t, v
			}
	}' "$T/rows"
	if [ -s "$T/bindings.out" ]; then
		echo
		cat "$T/bindings.out"
	fi
	echo
	echo "($(uname -r), $(nproc) CPUs, load" \
	    "$(cut -d' ' -f1-3 /proc/loadavg), $((bend - bstart)) s" \
	    "with set-up)"
}

# ---- fork-and-exec Unix socket servers (UCSPI) ------------------------------

# Kill the servers started for one mode (pids in $upids) and reap them.
ucspi_stop() {
	for p in $upids; do
		kill "$p" 2>/dev/null
	done
	for p in $upids; do
		wait "$p" 2>/dev/null
	done
	upids=
}

# Start one server in the background ($upin: the pinning prefix, or none):
# ucspi_start NAME COMMAND...; the socket is $U/NAME.
ucspi_start() {
	un=$1
	shift
	# shellcheck disable=SC2086
	$upin "$@" 2>>"$U/servers.log" &
	upids="$upids $!"
	uvars="$uvars $un=$U/$un"
}

ucspi() {
	if [ "${BENCH_UCSPI:-1}" = 0 ]; then
		return 0
	fi
	echo
	ub=$BUILD/bench/bench-ucspi
	if [ ! -x "$ub" ]; then
		echo "ucspi benchmarks: skipped ($ub is not built: run make bench)"
		return 0
	fi
	missing=
	command -v s6-ipcserver >/dev/null 2>&1 || missing="$missing s6"
	command -v unixserver >/dev/null 2>&1 || missing="$missing ucspi-unix"
	have_ph=0
	"$BUILD/porthole" listen --help >/dev/null 2>&1 && have_ph=1
	if [ -n "$missing" ]; then
		echo "ucspi benchmarks: not installed:$missing (Debian" \
		    "packages; tests/setup.sh should install them): their" \
		    "rows are skipped"
	fi
	if [ "$have_ph" = 0 ]; then
		echo "ucspi benchmarks: $BUILD/porthole has no working" \
		    "\`listen\`: the porthole rows are skipped"
	fi
	case $missing in
	*s6*ucspi-unix*)
		if [ "$have_ph" = 0 ]; then
			echo "ucspi benchmarks: skipped (nothing to compare" \
			    "with the limit)"
			return 0
		fi ;;
	esac
	U=$(mktemp -d "${TMPDIR:-/tmp}/ph-bench-ucspi.XXXXXX") || {
		status=1; return 0; }
	upids=
	# shellcheck disable=SC2064
	trap "ucspi_stop; rm -rf '$U'; rm -f '$out'" EXIT
	if ! ${CC:-cc} -O2 -o "$U/ucspi-limit" "$TOP/bench/ucspi-limit.c" \
	    >"$U/make.log" 2>&1; then
		echo "run.sh: ucspi benchmarks: build of ucspi-limit failed:" >&2
		cat "$U/make.log" >&2
		status=1
		return 0
	fi
	ustart=$(date +%s)
	for mode in pinned unpinned; do
		if [ "$mode" = pinned ]; then
			[ -n "$pin" ] || continue
			upin=$pin
		else
			upin=
		fi
		uvars=
		rm -f "$U"/limit* "$U"/porthole* "$U"/s6-ipcserver* \
		    "$U"/unixserver*
		# Each as a plain forking server with no access control and
		# a concurrency limit that never binds: connections are
		# sequential.
		ucspi_start limit "$U/ucspi-limit" "$U/limit" /bin/true
		case $missing in
		*s6*)	;;
		*)	ucspi_start s6-ipcserver s6-ipcserver -q -c 1000 \
			    -C 1000 "$U/s6-ipcserver" /bin/true ;;
		esac
		case $missing in
		*ucspi-unix*) ;;
		*)	ucspi_start unixserver unixserver -q -c 1000 \
			    "$U/unixserver" /bin/true ;;
		esac
		if [ "$have_ph" = 1 ]; then
			ucspi_start porthole "$BUILD/porthole" listen \
			    -c 1000 -C 1000 -p "$U/porthole" -- /bin/true
		fi
		# $ARGS holds options, $uvars NAME=PATH words: split both.
		# shellcheck disable=SC2086
		if ! rows=$($upin "$ub" $ARGS $uvars); then
			echo "run.sh: bench-ucspi ($mode) failed" >&2
			[ -s "$U/servers.log" ] && cat "$U/servers.log" >&2
			status=1
		else
			printf '%s\n' "$rows" | awk -v mode="$mode" -F '\t' '
			    $1 == "row" { print $2 "\t" mode "\t" $3 "\t" \
				$4 "\t" $5 "\t" $6 "\t" $7 "\t" $8 "\t" \
				$9 }' >>"$U/rows"
		fi
		ucspi_stop
	done
	uend=$(date +%s)
	if [ -s "$U/rows" ]; then
		echo "ucspi benchmarks: connections per second through a" \
		    "fork-and-exec Unix socket server running /bin/true"
		echo "one client, sequential connections (connect, read to" \
		    "EOF, close); limit: bench/ucspi-limit.c."
		echo "base, measured: medians in connections/s (context" \
		    "only); ratio: median of the per-round rate ratios"
		echo "measured/base (higher is faster), [q1-q3] their" \
		    "quartiles; target: ratio at least this."
		echo
		awk -F '\t' '
		BEGIN {
			want[++nw] = "porthole/s6-ipcserver"
			want[++nw] = "porthole/unixserver"
			want[++nw] = "porthole/limit"
			want[++nw] = "s6-ipcserver/limit"
			want[++nw] = "unixserver/limit"
			tgt["porthole/s6-ipcserver"] = 1.0
		}
		{ line[$1, ++n[$1]] = $0 }
		END {
			printf "%-13s %-9s %-13s %10s %10s %7s  %-15s %6s " \
			    "%s\n", "case", "cpu", "vs", "base/s",
			    "measured/s", "ratio", "[q1-q3]", "target",
			    "verdict"
			for (w = 1; w <= nw; w++)
				for (i = 1; i <= n[want[w]]; i++) {
					split(line[want[w], i], f, "\t")
					split(f[1], xy, "/")
					if (f[1] in tgt) {
						t = sprintf("%.2f", tgt[f[1]])
						v = (f[5] + 0 >= tgt[f[1]]) ? \
						    "PASS" : "UNDER"
					} else {
						t = "-"
						v = "(context)"
					}
					printf "%-13s %-9s %-13s %10.0f %10.0f " \
					    "%7.3f  [%.3f-%.3f] %6s %s\n",
					    xy[1], f[2], xy[2], 1e9 / f[3],
					    1e9 / f[4], f[5], f[6], f[7], t, v
				}
		}' "$U/rows"
		echo
		echo "($(uname -r), $(nproc) CPUs, load" \
		    "$(cut -d' ' -f1-3 /proc/loadavg), $((uend - ustart)) s)"
	fi
	ucspi_stop
	rm -rf "$U"
	trap 'rm -f "$out"' EXIT
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
	# Needs servers to talk to: run below, on its own.
	[ "$name" = bench-ucspi ] && continue
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
echo "bpf-echo64k-*: connect + accept + 64 KiB echo; raw: plain listener," \
    "lib: with the broker's"
echo "  SYN|ACK-drop socket filter (target: lib <= 1.02x raw)."
echo "raw, lib: median per operation over all rounds (for context only);"
echo "lib/raw: median of the per-round ratios, [q1-q3] their quartiles."
echo
# Group the rows by case, in the order the benchmarks printed them.
awk -F '\t' -v target="$TARGET" '
BEGIN {
	# Rows with a target of their own; the verdict names it.
	tgt["bpf-echo64k-v4"] = 1.02
	tgt["bpf-echo64k-v6"] = 1.02
}
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
			t = (f[1] in tgt) ? tgt[f[1]] : target + 0
			verdict = (f[5] + 0 <= t) ? "PASS" : "OVER"
			if (f[1] in tgt)
				verdict = verdict " (target " t ")"
			printf "%-16s %-9s %7.2f us %7.2f us %8.3f  " \
			    "[%.3f-%.3f]   %s\n", f[1], f[2], f[3] / 1000,
			    f[4] / 1000, f[5], f[6], f[7], verdict
		}
}' "$out"
echo
echo "($(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$((end - start)) s)"

ucspi
broker
exit "$status"
