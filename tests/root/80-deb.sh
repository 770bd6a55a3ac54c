# SPDX-License-Identifier: ISC
# 80-deb.sh - `make deb` builds Debian packages that lintian passes; they
# install what they should where they should (porthole, portholed, the
# helper without privilege, the library with its SONAME, the policy as a
# conffile that grants nothing, man pages naming the installed paths,
# units enabled but nothing started); the installed portholed, started by
# hand in a private network namespace with a policy of its own, grants
# alice her port and refuses carol; and `dpkg --purge` leaves nothing.
#
# This test installs packages on the host, so it runs only where that is
# safe: root, the build tools present (tests/setup.sh installs them), no
# porthole package or file already there, and a policy-rc.d that forbids
# starting services (ours for the duration of the test if there is none).
# Whatever happens, the EXIT trap purges what it installed.
. "$TOP/tests/root/lib.sh"

PKGS="porthole libporthole0 libporthole-dev"
if [ -n "${SAN:-}" ]; then
	echo "1..0 # SKIP the package is built without sanitizers: tested by the plain make check"
	exit 77
fi
for tool in dpkg-buildpackage dpkg-checkbuilddeps dh dpkg unshare ip; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "1..0 # SKIP $tool not installed (tests/setup.sh installs debhelper and dpkg-dev)"
		exit 77; }
done
if ! (cd "$TOP" && dpkg-checkbuilddeps) >"$T/deps.out" 2>&1; then
	echo "1..0 # SKIP build dependencies missing: $(tail -n 1 "$T/deps.out")"
	exit 77
fi
for p in $PKGS; do
	if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null |
	    grep -qv '^not-installed$'; then
		echo "1..0 # SKIP package $p is on this host: not touched"
		exit 77
	fi
done
for f in /usr/bin/porthole /usr/sbin/portholed /usr/libexec/porthole-helper \
    /etc/porthole; do
	if [ -e "$f" ]; then
		echo "1..0 # SKIP $f exists on this host: not touched"
		exit 77
	fi
done
# No service may start on the host: the host's policy-rc.d must say
# "forbidden" (101), or there is none and ours says so until we exit.
rcd=
if [ -e /usr/sbin/policy-rc.d ]; then
	/usr/sbin/policy-rc.d portholed.service start >/dev/null 2>&1
	if [ $? != 101 ]; then
		echo "1..0 # SKIP /usr/sbin/policy-rc.d allows starting services: dpkg -i would start portholed"
		exit 77
	fi
else
	printf '#!/bin/sh\n# tests/root/80-deb.sh: no service starts\nexit 101\n' \
	    > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d &&
	    rcd=/usr/sbin/policy-rc.d
fi
installed=
cleanup() {
	[ -z "$installed" ] ||
	    dpkg --purge $PKGS >"$T/purge-trap.out" 2>&1 ||
	    { echo "# trap: dpkg --purge failed:"; sed 's/^/#   /' "$T/purge-trap.out"; }
	[ -z "$rcd" ] || rm -f "$rcd"
	# A portholed of ours left by an interrupted netns.sh (below).
	p=$(cat "$T/d/daemon.pid" 2>/dev/null)
	[ -n "$p" ] && grep -qs portholed "/proc/$p/cmdline" && kill -KILL "$p"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --- build ---------------------------------------------------------------
make -s -C "$TOP" BUILD="$T/b" deb >"$T/deb.out" 2>&1
rc=$?
[ $rc = 0 ] || tail -n 30 "$T/deb.out" | sed 's/^/#   /'
is "make deb succeeds" $rc 0
if grep -q '^lintian is not installed' "$T/deb.out"; then
	skip 1 "lintian not installed"
else
	# make deb runs lintian --fail-on error,warning; show what it said.
	lint=$(grep -E '^[EW]: ' "$T/deb.out")
	is "lintian: no error, no warning" "$lint" ""
fi
debs=
for p in $PKGS; do
	deb=$(ls "$T/b/deb/${p}_"*.deb 2>/dev/null | head -n 1)
	ok "built $p" test -f "$deb"
	debs="$debs $deb"
done
[ $rc = 0 ] || finish
is "the checkout is left as it was: no debian/ build files in it" \
    "$(cd "$TOP" && ls -d debian/tmp debian/build debian/porthole debian/files \
    debian/.debhelper 2>/dev/null)" ""

# --- install -------------------------------------------------------------
installed=1
dpkg -i $debs >"$T/install.out" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/#   /' "$T/install.out"
is "dpkg -i succeeds" $rc 0
[ $rc = 0 ] || finish
for p in $PKGS; do
	is "$p is installed" "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" installed
done
dpkg -L $PKGS 2>/dev/null | sort -u > "$T/files"
is "porthole --version" "$(/usr/bin/porthole --version 2>&1)" "porthole 0.1.0"
ok "portholed is in /usr/sbin" test -x /usr/sbin/portholed
H=/usr/libexec/porthole-helper
is "the helper is 0755 root:root, not setuid" "$(stat -c '%a %U:%G' "$H")" "755 root:root"
if command -v getcap >/dev/null 2>&1; then
	is "the helper has no file capabilities" "$(getcap "$H" 2>&1)" ""
else
	skip 1 "getcap not installed"
fi
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
L=/usr/lib/$ma
is "libporthole.so.0 has its SONAME" \
    "$(readelf -d "$L/libporthole.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" \
    libporthole.so.0
# (as /lib/... where /lib is /usr/lib)
matches "the dynamic linker's cache has it" "$(ldconfig -p | grep libporthole)" \
    "libporthole\.so\.0 .*=> (/usr)?/lib/$ma/libporthole\.so\.0"
ok "the preload library" test -f "$L/porthole/libporthole-preload.so"
ok "  where porthole exec looks for it" \
    grep -q "$L/porthole/libporthole-preload.so" /usr/bin/porthole
ok "the header" test -f /usr/include/porthole.h
if command -v pkg-config >/dev/null 2>&1; then
	printf '#include <porthole.h>\nint main(void) { int fd = -1; ph_fd_close(&fd); return fd != -1; }\n' \
	    > "$T/prog.c"
	ok "a program builds against the installed library (pkg-config)" \
	    sh -c "cc -o '$T/prog' '$T/prog.c' \$(pkg-config --cflags --libs libporthole)"
	ok "and runs, finding libporthole.so.0 without help" "$T/prog"
else
	skip 2 "pkg-config not installed"
fi
matches "/etc/porthole/policy is a conffile" \
    "$(dpkg-query -W -f='${Conffiles}' porthole)" '^ /etc/porthole/policy '
is "the policy is root's, 0644" "$(stat -c '%a %U:%G' /etc/porthole/policy)" "644 root:root"
is "the policy has no rule: every line is a comment or blank" \
    "$(grep -Ev '^[[:space:]]*(#|$)' /etc/porthole/policy)" ""
out=$(/usr/bin/porthole check --policy /etc/porthole/policy 2>&1)
rc=$?
is "porthole check --policy /etc/porthole/policy" $rc 0
matches "  and it grants nothing" "$out" '\(0 rules\)'
# The installed pages name the installed paths (SYSCONFDIR=/etc,
# LIBEXECDIR=/usr/libexec), not a default build's /usr/local.
man=$(for f in $(grep '^/usr/share/man/.*\.gz$' "$T/files"); do zcat "$f"; done)
is "no installed man page names /usr/local" "$(printf '%s\n' "$man" | grep -c /usr/local)" 0
matches "porthole.policy(5) names /etc/porthole/policy" \
    "$(zcat /usr/share/man/man5/porthole.policy.5.gz)" '^\.Pa /etc/porthole/policy$'
matches "porthole-helper(8) names /usr/libexec/porthole-helper" \
    "$(zcat /usr/share/man/man8/porthole-helper.8.gz)" '^\.It Pa /usr/libexec/porthole-helper$'
unitdir=$(dirname "$(grep '/portholed\.socket$' "$T/files")")
ok "the socket unit names /run/porthole" \
    grep -qx 'ListenSequentialPacket=/run/porthole/porthole.sock' "$unitdir/portholed.socket"
ok "portholed.socket is enabled (sockets.target.wants)" \
    test -L /etc/systemd/system/sockets.target.wants/portholed.socket
running=
for e in /proc/[0-9]*/exe; do
	[ "$(readlink "$e" 2>/dev/null)" = /usr/sbin/portholed ] && running="$running $e"
done
is "no portholed was started on the host" "$running" ""
C=/usr/share/bash-completion/completions/porthole
if command -v bash >/dev/null 2>&1; then
	comp() {	# the words of a command line, the last one being completed
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _porthole;
		    printf "%s\n" "${COMPREPLY[@]}"' bash "$C" "$@" 2>&1 | sort | tr '\n' ' '
	}
	is "completion: subcommands" "$(comp porthole c)" "check connect "
	is "completion: SPEC kinds" "$(comp porthole run r)" "raw6: raw: "
	is "completion: options" "$(comp porthole check --p)" "--policy "
	matches "completion: user names for -u" "$(comp porthole check -u ali)" '^alice $'
else
	skip 4 "bash not installed"
fi

# --- the installed portholed, by hand, in a network namespace of its own --
# Its own policy and socket under $T, never /etc/porthole or /run.
D=$T/d
mkdir -p "$D/etc/porthole" "$D/run"
chmod 0755 "$D" "$D/etc" "$D/etc/porthole" "$D/run"
echo "allow user alice tcp:127.0.0.1:80" > "$D/etc/porthole/policy"
chmod 0644 "$D/etc/porthole/policy"
cat > "$T/netns.sh" <<'EOF'
D=$1
cd / || exit 3
ip link set lo up || exit 3
/usr/sbin/portholed -f --policy "$D/etc/porthole/policy" \
    --socket "$D/run/porthole.sock" >"$D/daemon.log" 2>&1 &
pid=$!
echo $pid > "$D/daemon.pid"
i=0
until [ -S "$D/run/porthole.sock" ] && grep -q 'listening on' "$D/daemon.log"; do
	i=$((i + 1))
	[ $i -lt 50 ] && kill -0 $pid 2>/dev/null || { kill $pid; exit 4; }
	sleep 0.1
done
as() { u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"; }
export PORTHOLE_SOCKET="$D/run/porthole.sock" PORTHOLE_HELPER=/nonexistent
as alice /usr/bin/porthole run tcp:127.0.0.1:80 -- sh -c 'test "$LISTEN_FDS" = 1'
echo "alice=$?"
as carol /usr/bin/porthole run tcp:127.0.0.1:80 -- true 2>/dev/null
echo "carol=$?"
kill -TERM $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
exit 0
EOF
out=$(unshare -n sh "$T/netns.sh" "$D" 2>&1)
rc=$?
[ $rc = 0 ] || { echo "#   netns.sh: $rc $out"; sed 's/^/#   /' "$D/daemon.log"; }
is "portholed ran in a private network namespace" $rc 0
matches "alice gets tcp:127.0.0.1:80 from the installed portholed" "$out" '^alice=0$'
matches "carol, whom the policy does not name, is refused" "$out" '^carol=125$'
matches "the daemon logged alice's grant" "$(cat "$D/daemon.log")" \
    "granted uid=$(id -u alice) .*tcp:127\.0\.0\.1:80"

# --- purge ---------------------------------------------------------------
dpkg --purge $PKGS >"$T/purge.out" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/#   /' "$T/purge.out"
is "dpkg --purge succeeds" $rc 0
[ $rc = 0 ] && installed=
left=
while read -r f; do
	[ "$f" = /. ] && continue
	if [ -d "$f" ]; then
		# A directory another package has too (/usr/bin) stays.
		dpkg -S "$f" >/dev/null 2>&1 || left="$left $f"
	elif [ -e "$f" ] || [ -L "$f" ]; then
		left="$left $f"
	fi
done < "$T/files"
is "nothing of the packages' files is left" "$left" ""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	is "$p is purged" "${st:-not-installed}" not-installed
done
ok "/etc/porthole is gone" test ! -e /etc/porthole
ok "/run/porthole is gone" test ! -e /run/porthole
is "no unit is left enabled" \
    "$(ls /etc/systemd/system/*/portholed.* /var/lib/systemd/deb-systemd-helper-enabled/*portholed* \
    /var/lib/systemd/deb-systemd-helper-enabled/*/portholed.* 2>/dev/null)" ""
fails "the dynamic linker's cache has forgotten libporthole" \
    sh -c 'ldconfig -p | grep -q libporthole'
ok "/usr/bin/porthole is gone" test ! -e /usr/bin/porthole
finish
