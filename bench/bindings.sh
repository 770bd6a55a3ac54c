#!/bin/sh
# SPDX-License-Identifier: ISC
# bindings.sh - a bind of 127.0.0.1:80 through the language bindings
# against the C client, on a kept and on a new connection to portholed.
#
#   sh bench/bindings.sh T USER [N]
#
# Called by bench/run.sh's broker_inner (as root, in its network and mount
# namespace, portholed running from the prefix T/prefix with its socket
# at T/run/porthole/porthole.sock, unless PORTHOLE_SOCKET says otherwise,
# and a policy granting USER tcp:127.0.0.1:80).  Every program runs as
# USER and prints one line, ns_per_bind=<float>, for N binds (default
# 2000) of one kind:
#   kept   socket() + the binding's kept-connection bind + close()
#          (C: ph_broker_bind() on a ph_broker_connect() connection)
#   fresh  socket() + the binding's bind(): bind() refused with EACCES,
#          then a new connection to the daemon + close() (C: ph_bind())
# C is a small program built here against T/build/libporthole.a; Python
# is bindings/python/bench_bind.py run with /usr/bin/python3 on the
# source tree; Erlang, when there is an escript and
# bindings/erlang/bench/bench_bind.escript, is run the same way.  Ratios
# are binding/C; the target is 1.5 (issue 12).  A missing language
# is skipped with a message; exit 1 only when the C baseline fails.
set -u
T=${1:?usage: bindings.sh T USER [N]}
BUSER=${2:?usage: bindings.sh T USER [N]}
N=${3:-2000}
TOP=$(cd "$(dirname "$0")/.." && pwd)
TARGET=1.5
: "${PORTHOLE_SOCKET:=$T/run/porthole/porthole.sock}"
export PORTHOLE_SOCKET
# Only the daemon answers: the bench measures it, not a helper.
export PORTHOLE_HELPER=/nonexistent

mkdir -p "$T/bindings-bench"
chmod 0755 "$T/bindings-bench"
cat >"$T/bindings-bench/bench_bind.c" <<'CEOF'
/* bench_bind N kept|fresh: the C client, as bench/bindings.sh says. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "porthole.h"

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	sin;
	double			t0, dt, best = 0;
	long			n, i;
	int			kept, conn = -1, round, fd, r;

	if (argc != 3 || (n = atol(argv[1])) <= 0)
		return 2;
	kept = strcmp(argv[2], "kept") == 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (kept && (conn = ph_broker_connect()) < 0) {
		fprintf(stderr, "ph_broker_connect: %s\n", strerror(-conn));
		return 1;
	}
	for (round = 0; round < 6; round++) {	/* the first warms up */
		t0 = now();
		for (i = 0; i < n; i++) {
			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			r = kept ? ph_broker_bind(conn, fd,
			    (struct sockaddr *)&sin, sizeof(sin), 0, 0, NULL, 0) :
			    ph_bind(fd, (struct sockaddr *)&sin, sizeof(sin));
			close(fd);
			if (r < 0) {
				fprintf(stderr, "bind: %s\n", strerror(-r));
				return 1;
			}
		}
		dt = (now() - t0) / n;
		if (round == 1 || (round > 1 && dt < best))
			best = dt;
	}
	printf("ns_per_bind=%.1f\n", best);
	return 0;
}
CEOF
if ! ${CC:-cc} -O2 -I"$TOP/include" -o "$T/bindings-bench/bench_bind" \
    "$T/bindings-bench/bench_bind.c" "$T/build/libporthole.a" \
    >"$T/bindings-bench/cc.log" 2>&1; then
	echo "bindings.sh: cannot build the C baseline:" >&2
	cat "$T/bindings-bench/cc.log" >&2
	exit 1
fi
chmod 0755 "$T/bindings-bench/bench_bind"

as_user() {
	setpriv --reuid="$BUSER" --regid="$BUSER" --init-groups -- env \
	    PORTHOLE_SOCKET="$PORTHOLE_SOCKET" PORTHOLE_HELPER=/nonexistent \
	    PYTHONDONTWRITEBYTECODE=1 "$@"
}
ns() {		# command...: its ns_per_bind, or nothing
	as_user "$@" 2>"$T/bindings-bench/err" |
	    sed -n 's/^ns_per_bind=//p' | head -n 1
}

# The Python package from the source tree, copied where USER can read it.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null || echo /nonexistent)
rm -rf "$T/bindings-bench/py"
mkdir -p "$T/bindings-bench/py"
cp -R "$TOP/bindings/python/porthole" "$TOP/bindings/python/bench_bind.py" \
    "$T/bindings-bench/py/"
chmod -R a+rX "$T/bindings-bench/py"
ERL=$TOP/bindings/erlang/bench/bench_bind.escript

echo
echo "porthole bindings: a bind of 127.0.0.1:80 through portholed, $N per" \
    "batch, best of 5 batches; ratio: binding / C (target $TARGET)"
printf '%-10s %-6s %12s %12s %7s %s\n' language conn "C" measured ratio \
    verdict
status=0
for mode in kept fresh; do
	c=$(ns "$T/bindings-bench/bench_bind" "$N" "$mode")
	if [ -z "$c" ]; then
		echo "bindings.sh: C baseline ($mode) failed:" \
		    "$(cat "$T/bindings-bench/err")" >&2
		status=1
		continue
	fi
	row() {		# language measured-ns
		awk -v l="$1" -v m="$mode" -v c="$c" -v b="$2" -v t="$TARGET" \
		    'BEGIN { r = b / c; printf "%-10s %-6s %9.1f us %9.1f us %7.3f %s\n",
			l, m, c / 1000, b / 1000, r, (r <= t ? "PASS" : "OVER") }'
	}
	row C "$c"
	if [ -x "$PY" ]; then
		p=$(ns "$PY" "$T/bindings-bench/py/bench_bind.py" "$N" "$mode")
		if [ -n "$p" ]; then row python "$p"
		else echo "python     $mode   failed: $(cat "$T/bindings-bench/err")"
		fi
	else
		echo "python     $mode   skipped: no python3"
	fi
	if [ -f "$ERL" ] && command -v escript >/dev/null 2>&1; then
		e=$(ns escript "$ERL" "$N" "$mode")
		if [ -n "$e" ]; then row erlang "$e"
		else echo "erlang     $mode   failed: $(cat "$T/bindings-bench/err")"
		fi
	else
		echo "erlang     $mode   skipped: no escript or $ERL"
	fi
done
exit $status
