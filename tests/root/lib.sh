# SPDX-License-Identifier: ISC
# tests/root/lib.sh - sourced by tests that need root: the checklist's
# users (alice the attacker, bob the victim, carol with no rights) and the
# group brokerusers (alice is a member), created when missing; `as USER
# CMD...` runs a command as that user with their groups; binaries are
# copied into $T, which other users can enter, because the build tree
# may be under a directory they cannot.
. "$TOP/tests/integration/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root to create and become other users"
	exit 77
fi
for tool in useradd groupadd setpriv; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "1..0 # SKIP $tool not installed"; exit 77; }
done
getent group brokerusers >/dev/null || groupadd brokerusers
for u in alice bob carol; do
	id "$u" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$u"
done
id -nG alice | grep -qw brokerusers || usermod -aG brokerusers alice

chmod 0755 "$T"
for b in "$BUILD"/porthole "$BUILD"/tests/ph-probe "$BUILD"/examples/*; do
	[ -f "$b" ] && cp "$b" "$T/"
done
uid_of() { id -u "$1"; }
gid_of() { id -g "$1"; }	# never assume it equals the uid
as() {		# user cmd...
	u=$1; shift
	setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"
}
# Start "$@" in the background, wait for its first line in $T/bg.out.
bg_start() {
	: > "$T/bg.out"
	"$@" > "$T/bg.out" 2>&1 &
	bg_pid=$!
	i=0
	while [ ! -s "$T/bg.out" ] && [ $i -lt 200 ]; do
		sleep 0.02; i=$((i + 1))
	done
}
bg_wait() { wait "$bg_pid"; }
# stop_pid PID: SIGTERM, at most 3 s, then SIGKILL; reaped.
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	_k=0
	while kill -0 "$1" 2>/dev/null && [ "$_k" -lt 30 ]; do
		sleep 0.1; _k=$((_k + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
# failed_itself DESC RC: RC is the program's own failure, not success,
# timeout(1)'s 124 nor a kill's 137.
failed_itself() {
	if [ "$2" != 0 ] && [ "$2" != 124 ] && [ "$2" != 137 ]; then
		_result 0 "$1"
	else
		echo "#   status $2"
		_result 1 "$1"
	fi
}
