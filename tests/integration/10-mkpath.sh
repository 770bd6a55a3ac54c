# SPDX-License-Identifier: ISC
# 10-mkpath.sh - porthole mkpath, --help and --version, as the user who
# runs the tests: fresh 0700 directories (S21), never a truncated path
# (S26), hostile bases refused with a reason (S21, S22, S25), umask
# ignored (S8), nothing left behind on failure.
. "$TOP/tests/integration/lib.sh"

out=$("$PORTHOLE" --help); rc=$?
is "--help exits 0" "$rc" 0
matches "--help lists mkpath" "$out" '^  mkpath '
is "--version" "$("$PORTHOLE" --version)" "porthole 0.1.0"
"$PORTHOLE" >/dev/null 2>&1; is "no command is a usage error" $? 2
err=$("$PORTHOLE" frobnicate 2>&1); rc=$?
is "unknown command exits 2" "$rc" 2
is "unknown command: one line, with the hint" "$err" \
    "porthole: unknown command 'frobnicate'; see 'porthole --help'"
err=$("$PORTHOLE" -x 2>&1); rc=$?
is "unknown option before any command: 2" "$rc" 2
is "...named as an option, in one line" "$err" \
    "porthole: unknown option '-x'; see 'porthole --help'"
out=$("$PORTHOLE" mkpath --help); rc=$?
is "mkpath --help exits 0" "$rc" 0
matches "mkpath --help shows usage" "$out" '^Usage: porthole mkpath'

mkdir -m 0700 "$T/base"
p=$("$PORTHOLE" mkpath --dir "$T/base")
is "mkpath exits 0" $? 0
matches "path is base/porthole-<16 hex>/sock" "$p" \
    "^$T/base/porthole-[0-9a-f]{16}/sock\$"
is "one line of output" "$(printf '%s\n' "$p" | wc -l | tr -d ' ')" 1
is "directory mode 0700" "$(mode_of "$(dirname "$p")")" 0700
is "directory is ours" "$(stat -c %u "$(dirname "$p")")" "$(id -u)"
fails "socket path does not exist yet" test -e "$p"
p2=$("$PORTHOLE" mkpath -d "$T/base" app.sock)
matches "NAME is used" "$p2" '/app\.sock$'
[ "$(dirname "$p")" != "$(dirname "$p2")" ]; is "each call a new directory" $? 0

# S8: umask 000 and 0777 still give 0700.
p3=$(umask 000; "$PORTHOLE" mkpath --dir "$T/base")
is "umask 000: mode 0700" "$(mode_of "$(dirname "$p3")")" 0700
p4=$(umask 0777; "$PORTHOLE" mkpath --dir "$T/base")
is "umask 0777: mode 0700" "$(mode_of "$(dirname "$p4")")" 0700
rm -rf "$T/base"/porthole-*

# A shell program can bind there at once (python3 if present).
if command -v python3 >/dev/null 2>&1; then
	p=$("$PORTHOLE" mkpath --dir "$T/base")
	ok "python binds the path it was given" python3 -c \
	    "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$p"
	rm -rf "$(dirname "$p")"
else
	skip 1 "python3 not installed"
fi

# S21, S22: hostile bases, with a reason and nothing created.
mkdir -m 0777 "$T/open"; chmod 0777 "$T/open"
err=$("$PORTHOLE" mkpath --dir "$T/open" 2>&1); rc=$?
is "world-writable base refused" $rc 1
matches "reason: writable by others" "$err" "'$T/open' \(mode 0777\) is writable by other users and not sticky"
is "nothing created in it" "$(ls -A "$T/open" | wc -l | tr -d ' ')" 0
mkdir -m 0700 "$T/real"
ln -s "$T/real" "$T/link"
err=$("$PORTHOLE" mkpath --dir "$T/link" 2>&1); rc=$?
is "S25: symlinked base refused" $rc 1
matches "reason: symbolic link" "$err" "is a symbolic link"
is "nothing created behind the link" "$(ls -A "$T/real" | wc -l | tr -d ' ')" 0
: > "$T/file"
err=$("$PORTHOLE" mkpath --dir "$T/file" 2>&1); rc=$?
is "file as base refused" $rc 1
matches "reason: not a directory" "$err" "is not a directory"
err=$("$PORTHOLE" mkpath --dir "$T/missing" 2>&1); rc=$?
is "missing base refused" $rc 1
matches "reason: no such directory" "$err" "No such file or directory"
# A safe base we may not write in (--dir /etc for a user): the real
# cause, EACCES, never "unsafe".  Root writes anywhere, so as root this
# runs as nobody (setpriv), with a copy of porthole that nobody reaches.
mkdir -m 0555 "$T/ro"; chmod 0555 "$T/ro"	# ours: a safe base
ro_err="porthole mkpath: cannot create a private directory in '$T/ro': Permission denied"
if [ "$(id -u)" != 0 ]; then
	err=$("$PORTHOLE" mkpath --dir "$T/ro" 2>&1); rc=$?
elif command -v setpriv >/dev/null 2>&1; then
	chmod 0711 "$T"
	mkdir -m 0755 "$T/bin"
	cp "$PORTHOLE" "$T/bin/porthole"
	chmod 0755 "$T/bin/porthole"
	err=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	    "$T/bin/porthole" mkpath --dir "$T/ro" 2>&1); rc=$?
else
	err=$ro_err rc=skip
fi
if [ "$rc" = skip ]; then
	skip 3 "root without setpriv: mkdir is never refused by mode"
else
	is "a base we may not write in: exit 1" "$rc" 1
	is "...with the real cause, EACCES, not 'unsafe'" "$err" "$ro_err"
	is "...and nothing created" "$(ls -A "$T/ro" | wc -l | tr -d ' ')" 0
fi
mkdir -m 1777 "$T/sticky"; chmod 1777 "$T/sticky"
p=$("$PORTHOLE" mkpath --dir "$T/sticky"); rc=$?
is "sticky world-writable base accepted" $rc 0

# S26: too long is refused, never truncated; --portable is stricter.
long=$T/$(printf '%080d' 0)
mkdir -m 0700 "$long"
err=$("$PORTHOLE" mkpath --dir "$long" 2>&1); rc=$?
is "over-long path refused" $rc 1
matches "reason: sun_path" "$err" "would not fit sun_path \(107 bytes"
is "nothing left behind" "$(ls -A "$long" | wc -l | tr -d ' ')" 0
mid=$T/$(printf '%050d' 0)
mkdir -m 0700 "$mid"
err=$("$PORTHOLE" mkpath --portable --dir "$mid" 2>&1); rc=$?
is "--portable refuses over 91 bytes" $rc 1
matches "reason mentions --portable" "$err" "91 bytes at most with --portable"
p=$("$PORTHOLE" mkpath --dir "$mid"); rc=$?
is "the same base fits Linux" $rc 0
is "path fits 107" "$([ ${#p} -le 107 ] && echo y)" y

# Usage errors.
"$PORTHOLE" mkpath a/b >/dev/null 2>&1; is "NAME with / is usage error" $? 2
"$PORTHOLE" mkpath a b >/dev/null 2>&1; is "two NAMEs is usage error" $? 2
"$PORTHOLE" mkpath --bogus >/dev/null 2>&1; is "unknown option is usage error" $? 2
# Option errors: one line of porthole's own (not the C library's), with
# the hint; a long option by the name typed, or its full name.
H="; see 'porthole mkpath --help'"
is "unknown long option: one line" "$("$PORTHOLE" mkpath --bogus 2>&1)" \
    "porthole mkpath: unknown option '--bogus'$H"
is "unknown short option: one line" "$("$PORTHOLE" mkpath -x 2>&1)" \
    "porthole mkpath: unknown option '-x'$H"
is "unknown short option in a cluster" "$("$PORTHOLE" mkpath -px 2>&1)" \
    "porthole mkpath: unknown option '-x'$H"
is "missing argument, short" "$("$PORTHOLE" mkpath -d 2>&1)" \
    "porthole mkpath: option '-d' needs an argument$H"
is "missing argument, long (abbreviated)" "$("$PORTHOLE" mkpath --di 2>&1)" \
    "porthole mkpath: option '--dir' needs an argument$H"
is "an argument to a flag" "$("$PORTHOLE" mkpath --portable=1 2>&1)" \
    "porthole mkpath: option '--portable' takes no argument$H"

# Default base: a hostile TMPDIR is skipped, and XDG_RUNTIME_DIR used
# only when it is ours and 0700.
mkdir -m 0700 "$T/xdg"
p=$(XDG_RUNTIME_DIR=$T/xdg "$PORTHOLE" mkpath)
matches "XDG_RUNTIME_DIR used" "$p" "^$T/xdg/porthole-"
p=$(XDG_RUNTIME_DIR=$T/link TMPDIR=$T/sticky "$PORTHOLE" mkpath)
matches "symlinked XDG skipped for TMPDIR" "$p" "^$T/sticky/porthole-"
p=$(XDG_RUNTIME_DIR=$T/open TMPDIR=$T/open "$PORTHOLE" mkpath)
matches "hostile TMPDIR skipped for /tmp" "$p" "^/tmp/porthole-"
rm -rf "$(dirname "$p")"
p=$(env -u XDG_RUNTIME_DIR -u TMPDIR "$PORTHOLE" mkpath)
matches "no environment: /tmp" "$p" "^/tmp/porthole-"
rm -rf "$(dirname "$p")"

# A closed stdout: the path cannot be told, so nothing may remain.
before=$(ls /tmp | grep -c '^porthole-' || true)
"$PORTHOLE" mkpath --dir /tmp >&- 2>/dev/null; rc=$?
after=$(ls /tmp | grep -c '^porthole-' || true)
is "closed stdout fails" $rc 1
is "closed stdout leaves nothing" "$after" "$before"
finish
