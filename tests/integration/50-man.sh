# SPDX-License-Identifier: ISC
# 50-man.sh - the manual pages: mandoc -Tlint has nothing to say about
# them, the two programs under EXAMPLES in libporthole(3) compile with
# -Wall -Wextra -Werror and work together, and every exported function,
# every PH_ macro and every struct of porthole.h is documented there.
#
# An example program sits in the .Bd -literal block right after a line
# '.\" example: NAME' and is written in roff: \e stands for a backslash
# and \& for nothing.
. "$TOP/tests/integration/lib.sh"

MAN=$TOP/man
LIB3=$MAN/libporthole.3
MAP=$TOP/src/lib/libporthole.map
HDR=$TOP/include/porthole.h
CC=${CC:-cc}

# --- mandoc -Tlint: no output at all, at warning level or above.

lint() {	# page
	lint_out=$(mandoc -Tlint -Wwarning "$1" 2>&1)
	lint_rc=$?
	[ -z "$lint_out" ] || printf '%s\n' "$lint_out"
	[ "$lint_rc" = 0 ] && [ -z "$lint_out" ]
}

if command -v mandoc >/dev/null 2>&1; then
	for page in "$MAN"/*.[1-9]; do
		ok "mandoc -Tlint -Wwarning $(basename "$page") is silent" \
		    lint "$page"
	done
else
	set -- "$MAN"/*.[1-9]
	skip $# "mandoc not installed"
fi
# House style section 7: the sections every page of a program has.
for page in "$MAN"/*.1 "$MAN"/*.8; do
	for sec in SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES \
	    "SECURITY CONSIDERATIONS"; do
		ok "$(basename "$page") has $sec" grep -qx ".Sh $sec" "$page"
	done
done

# --- The EXAMPLES compile, and run as documented.

extract() {	# name: print that example as C source
	awk -v want="$1" '
		$0 == ".\\\" example: " want { state = 1; next }
		state == 1 && /^\.Bd -literal/ { state = 2; next }
		state == 1 { exit 1 }		# marker not followed by .Bd
		state == 2 && /^\.Ed/ { done = 1; exit 0 }
		state == 2 { print }
		END { exit done ? 0 : 1 }
	' "$LIB3" | sed -e 's/\\e/\\/g' -e 's/\\&//g'
}

for ex in server client; do
	extract "$ex.c" >"$T/$ex.c"
	ok "libporthole.3 holds the example $ex.c" test -s "$T/$ex.c"
	ok "example $ex.c compiles with -std=c11 -Wall -Wextra -Werror" \
	    "$CC" -std=c11 -Wall -Wextra -Werror -I"$TOP/include" \
	    $SANFLAGS -o "$T/$ex" "$T/$ex.c" "$BUILD/libporthole.a" -pthread
done

if [ -x "$T/server" ] && [ -x "$T/client" ]; then
	# A base of our own, so that the server's default choice is known.
	mkdir -m 0700 "$T/run"
	(
		unset XDG_RUNTIME_DIR
		TMPDIR=$T/run
		export TMPDIR
		exec timeout 20 "$T/server" >"$T/server.out" 2>"$T/server.err"
	) &
	spid=$!
	i=0
	while [ $i -lt 100 ] && ! [ -s "$T/server.out" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	path=$(head -n 1 "$T/server.out")
	matches "server prints a socket path in a new private directory" \
	    "$path" "^$T/run/porthole-[0-9a-f]{16}/sock\$"
	if [ -n "$path" ]; then
		got=$(timeout 10 "$T/client" "$path" 2>"$T/client.err")
		[ -s "$T/client.err" ] && sed 's/^/#   client: /' "$T/client.err"
	else
		got=
	fi
	is "client reads the text through the passed pipe" "$got" \
	    "hello through a passed pipe"
	[ -n "$got" ] || kill "$spid" 2>/dev/null
	wait "$spid"
	is "server exits 0" $? 0
	matches "server names the client's uid" "$(cat "$T/server.err")" \
	    "^server: client uid $(id -u) pid [0-9]+\$"
	is "server removed everything it made" "$(ls -A "$T/run")" ""
else
	skip 5 "the examples did not compile"
fi

# --- Every exported function, macro and struct is documented.

funcs=$(sed -n 's/^[[:space:]]*\(ph_[a-z0-9_]*\);.*/\1/p' "$MAP")
[ -n "$funcs" ]
is "libporthole.map lists exported functions" $? 0

documented() {	# function: listed with .Nm in NAME and used with .Fn
	doc_rc=0
	if ! grep -Eq "^\.Nm $1( ,)?\$" "$LIB3"; then
		echo "no '.Nm $1' in NAME"
		doc_rc=1
	fi
	if ! grep -Eq "^\.(.*[[:space:]])?Fn $1([[:space:]]|\$)" "$LIB3"; then
		echo "no '.Fn $1'"
		doc_rc=1
	fi
	return $doc_rc
}

for f in $funcs; do
	ok "libporthole.3 documents $f with .Nm and .Fn" documented "$f"
done

stray=
# shellcheck disable=SC2086 # $funcs is a list of words
exported=" $(printf '%s ' $funcs)"
for f in $(grep -Eo 'Fn ph_[a-z0-9_]+' "$LIB3" | sed 's/^Fn //' | sort -u); do
	case "$exported" in
	*" $f "*) ;;
	*) stray="$stray $f" ;;
	esac
done
is "every function libporthole.3 names is exported" "$stray" ""

missing=
for m in $(sed -n 's/^#define[[:space:]]\{1,\}\(PH_[A-Z0-9_]*\).*/\1/p' "$HDR"); do
	grep -Eq "Dv $m([^A-Z0-9_]|\$)" "$LIB3" || missing="$missing $m"
done
is "every PH_ macro of porthole.h is documented with .Dv" "$missing" ""

missing=
for s in $(grep -Eo 'struct ph_[a-z0-9_]+' "$HDR" | sed 's/^struct //' | sort -u); do
	grep -Eq "struct $s([^a-z0-9_]|\$)" "$LIB3" || missing="$missing $s"
done
is "every struct of porthole.h is named in libporthole.3" "$missing" ""

finish
