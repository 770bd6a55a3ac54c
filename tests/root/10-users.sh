# SPDX-License-Identifier: ISC
# 10-users.sh - the foundation across real users (root only): private
# directories others cannot use or replace, peers allowed and refused by
# uid and by group, a client refusing another user's server, locks and
# pid files of other users.
. "$TOP/tests/root/lib.sh"

A=$(uid_of alice) B=$(uid_of bob) C=$(uid_of carol)

# --- S21, S22: bases owned by another user are refused -----------------
mkdir -m 1777 "$T/bobs"; chown bob "$T/bobs"; chmod 1777 "$T/bobs"
err=$(as alice "$T/porthole" mkpath --dir "$T/bobs" 2>&1); rc=$?
is "alice refuses a base owned by bob" "$rc" 1
matches "reason names bob's uid" "$err" "is owned by uid $B, not by you \(uid $A\) or root"
is "nothing created in bob's dir" "$(ls -A "$T/bobs" | wc -l | tr -d ' ')" 0
p=$(as alice env TMPDIR="$T/bobs" "$T/porthole" mkpath)
matches "hostile TMPDIR of bob skipped for /tmp" "$p" "^/tmp/porthole-"
is "alice owns her directory" "$(stat -c %U "$(dirname "$p")")" alice
rm -rf "$(dirname "$p")"
mkdir -m 0700 "$T/bobxdg"; chown bob "$T/bobxdg"
p=$(as alice env XDG_RUNTIME_DIR="$T/bobxdg" TMPDIR=/tmp "$T/porthole" mkpath)
matches "bob's XDG_RUNTIME_DIR skipped" "$p" "^/tmp/porthole-"
rm -rf "$(dirname "$p")"

# --- S23: umask 000 at start still gives the asked mode ---------------
p=$(as alice "$T/porthole" mkpath)
bg_start as alice sh -c "umask 000; exec '$T/ph-probe' listen '$p' 600"
is "alice's server is ready" "$(head -n 1 "$T/bg.out")" ready
is "socket mode 0600 under umask 000" "$(mode_of "$p")" 0600
out=$(as bob "$T/ph-probe" connect "$p")
is "bob cannot reach alice's private socket" "$out" "error: EACCES"
out=$(as alice "$T/ph-probe" connect "$p")
is "alice reaches her own" "$out" "connected uid=$A"
bg_wait
is "her server accepted her" "$(sed -n 2p "$T/bg.out")" "allowed uid=$A"
fails "socket removed on close" test -e "$p"
rm -rf "$(dirname "$p")"

# --- peers allowed and refused by uid ---------------------------------
mkdir -m 0711 "$T/srv" "$T/srva"; chown bob "$T/srv"; chown alice "$T/srva"
bg_start as bob "$T/ph-probe" listen "$T/srv/s" 666 "$A"
out=$(as carol "$T/ph-probe" connect "$T/srv/s" "$B")
bg_wait
is "carol connects at the socket level" "$out" "connected uid=$B"
is "bob's server refuses carol by uid" "$(sed -n 2p "$T/bg.out")" "refused uid=$C"
bg_start as bob "$T/ph-probe" listen "$T/srv/s" 666 "$A"
out=$(as alice "$T/ph-probe" connect "$T/srv/s" "$B")
bg_wait
is "bob's server allows alice" "$(sed -n 2p "$T/bg.out")" "allowed uid=$A"

# --- S28: a client refuses a server of another user --------------------
bg_start as alice "$T/ph-probe" listen "$T/srva/s" 666 "$B"
out=$(as bob "$T/ph-probe" connect "$T/srva/s")
is "bob refuses alice's server (default: self or root)" "$out" "refused server uid=$A"
bg_wait
bg_start as alice "$T/ph-probe" listen "$T/srva/s" 666 "$B"
out=$(as bob "$T/ph-probe" connect "$T/srva/s" "$B")
is "bob refuses it when he expects himself" "$out" "refused server uid=$A"
kill "$bg_pid" 2>/dev/null; wait "$bg_pid" 2>/dev/null

# --- S36: groups, from SO_PEERGROUPS ---------------------------------
echo "served to group members" > "$T/secret"; chown bob "$T/secret"; chmod 0600 "$T/secret"
bg_start as bob "$T/fd-server" -G brokerusers -n 3 "$T/secret"
# Its first line is the socket path; a late line of the server before it
# (slow under SAN) may land in bg.out too, so take the path itself.
i=0
while ! grep -q '^/' "$T/bg.out" && [ $i -lt 250 ]; do
	sleep 0.02; i=$((i + 1))
done
p=$(grep -m 1 '^/' "$T/bg.out")
out=$(as alice "$T/fd-client" -U bob "$p" 2>&1)
matches "alice (brokerusers in /etc/group) gets the fd" "$out" "served to group members"
out=$(as carol "$T/fd-client" -U bob "$p" 2>&1); rc=$?
is "carol (no group) is refused" "$rc" 1
out=$(setpriv --reuid=carol --regid=carol --groups="$(getent group brokerusers | cut -d: -f3)" -- "$T/fd-client" -U bob "$p" 2>&1)
matches "carol with the group in her process (not in /etc/group) is allowed" "$out" "served to group members"
bg_wait
matches "server logged alice allowed" "$(cat "$T/bg.out")" "allowed: uid=$A\(alice\)"
matches "server logged carol refused" "$(cat "$T/bg.out")" "refused: uid=$C\(carol\)"

# --- S62, S63: locks of another user --------------------------------
mkdir -m 1777 "$T/shared"; chmod 1777 "$T/shared"
bg_start as bob "$T/ph-probe" lock "$T/shared/app.lock" 3
is "bob holds his lock" "$(head -n 1 "$T/bg.out")" locked
is "bob's lock file is 0600" "$(mode_of "$T/shared/app.lock")" 0600
out=$(as alice "$T/ph-probe" lock "$T/shared/app.lock")
is "alice cannot take (or hold hostage) bob's lock" "$out" "error: EACCES"
kill "$bg_pid"; wait "$bg_pid" 2>/dev/null
out=$(as alice "$T/ph-probe" lock "$T/shared/app.lock")
is "even when free, bob's lock file is not alice's" "$out" "error: EACCES"
chmod 0666 "$T/shared/app.lock"
out=$(as alice "$T/ph-probe" lock "$T/shared/app.lock")
is "a lock file of bob's that alice could write is refused" "$out" "error: EPERM"
ln -s /etc/passwd "$T/shared/evil.lock"
sum=$(md5sum < /etc/passwd)
out=$(as alice "$T/ph-probe" lock "$T/shared/evil.lock")
is "a planted symlink is not followed" "$out" "error: ELOOP"
is "its target is unchanged" "$(md5sum < /etc/passwd)" "$sum"

# --- S67: pid files written by others are not trusted ---------------
echo 1234 > "$T/shared/bob.pid"; chown bob "$T/shared/bob.pid"
out=$(as alice "$T/ph-probe" pidfile-read "$T/shared/bob.pid")
is "alice does not trust bob's pid file" "$out" "error: EPERM"
out=$("$T/ph-probe" pidfile-read "$T/shared/bob.pid")
is "root does not trust it either" "$out" "error: EPERM"
rm -rf "$T/shared" "$T/srv" "$T/srva" "$T/bobs" "$T/bobxdg"
finish
