#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/setup.sh - what `make check` needs beyond the compiler, installed
# when missing and when we may (root with apt-get): mandoc to lint the
# man pages; s6 and ucspi-unix (real UCSPI peers); for the broker tests
# lighttpd (a real server that reads LISTEN_FDS), curl, iproute2, setcap
# and strace; for porthole exec nginx (nginx-light: a forking server that
# binds port 80 itself); debhelper, dpkg-dev, lintian and pkgconf for
# the package test (tests/root/80-deb.sh).  Installing happens here, before
# the root tests enter a network namespace without network.
# Test users are created by the root tests themselves.
#
# The host's services are not ours: no service of a package installed
# here is started (policy-rc.d, for the duration of apt-get only), and
# none is ever stopped, disabled or removed, except that a package this
# run installed is not left enabled to start at the next boot.
# PH_NO_INSTALL=1 turns this off; tests that need a missing tool skip.
set -u
[ "${PH_NO_INSTALL:-0}" = 1 ] && exit 0
[ "$(id -u)" = 0 ] || exit 0
command -v apt-get >/dev/null 2>&1 || exit 0
missing=
command -v mandoc >/dev/null 2>&1 || missing="$missing mandoc"
command -v setpriv >/dev/null 2>&1 || missing="$missing util-linux"
command -v lighttpd >/dev/null 2>&1 || missing="$missing lighttpd"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
command -v setcap >/dev/null 2>&1 || missing="$missing libcap2-bin"
command -v strace >/dev/null 2>&1 || missing="$missing strace"
# newuidmap: tests/root/32-daemon-attacks.sh floods from real subuids.
command -v newuidmap >/dev/null 2>&1 || missing="$missing uidmap"
# porthole listen and connect against real UCSPI clients and servers.
command -v s6-ipcclient >/dev/null 2>&1 || missing="$missing s6"
command -v unixclient >/dev/null 2>&1 || missing="$missing ucspi-unix"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
# The language bindings (bindings/): Python's venv and pip, Erlang/OTP
# with EUnit, SWI-Prolog with its C headers.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import ensurepip, venv' \
    2>/dev/null || missing="$missing python3-venv"
command -v erlc >/dev/null 2>&1 || missing="$missing erlang-base"
[ -d /usr/lib/erlang/lib ] && ls -d /usr/lib/erlang/lib/eunit-* \
    >/dev/null 2>&1 || missing="$missing erlang-eunit"
command -v swipl >/dev/null 2>&1 || missing="$missing swi-prolog-nox"
# make deb (tests/root/80-deb.sh): debian/control's Build-Depends, and
# lintian.  systemd.pc comes from systemd-dev where there is one (trixie
# and later); on bookworm from systemd itself, which is not installed here.
command -v dh >/dev/null 2>&1 || missing="$missing debhelper"
command -v dpkg-buildpackage >/dev/null 2>&1 || missing="$missing dpkg-dev"
command -v lintian >/dev/null 2>&1 || missing="$missing lintian"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkgconf"
# porthole exec: a real forking server binding port 80 (tests/root/70-exec.sh).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ||
    missing="$missing nginx-light"
if ! pkg-config --exists systemd 2>/dev/null &&
    apt-cache show systemd-dev >/dev/null 2>&1; then
	missing="$missing systemd-dev"
fi
[ -n "$missing" ] || exit 0
echo "# setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# No service of these packages is started on the host while installing:
# policy-rc.d answers 101 ("action forbidden") to invoke-rc.d and
# deb-systemd-invoke.  A policy-rc.d of the host's that does not forbid
# is set aside for the install and put back, also on a signal.
rcd=/usr/sbin/policy-rc.d host_rcd= saved=
if [ -e "$rcd" ] || [ -L "$rcd" ]; then
	host_rcd=1
	"$rcd" porthole-setup start >/dev/null 2>&1
	if [ $? != 101 ]; then
		saved=$rcd.porthole-setup
		mv -f "$rcd" "$saved" || exit 1
	fi
fi
restore() {
	if [ -n "$saved" ]; then
		mv -f "$saved" "$rcd"
	elif [ -z "$host_rcd" ]; then
		rm -f "$rcd"
	fi
}
trap 'restore; exit 1' HUP INT TERM
if [ -z "$host_rcd" ] || [ -n "$saved" ]; then
	printf '#!/bin/sh\n# tests/setup.sh: no service starts while it installs\nexit 101\n' \
	    > "$rcd" && chmod 0755 "$rcd"
fi
installed() {
	dpkg-query -W -f='${db:Status-Status} ${Package}\n' 2>/dev/null |
	    awk '$1 == "installed" { print $2 }' | sort
}
before=$(mktemp) || { restore; exit 1; }
installed > "$before"
{ apt-get update && apt-get install -y --no-install-recommends $missing; } \
    >/tmp/porthole-setup.log 2>&1 ||
    echo "# setup: apt-get failed (see /tmp/porthole-setup.log); dependent tests will skip"
restore
trap - HUP INT TERM
# Debian enables the services of what it installs (lighttpd, nginx: port
# 80 at the next boot).  Those of the packages this run installed, and
# only those, are disabled again; none was started.
new=$(installed | comm -13 "$before" -)
rm -f "$before"
if command -v systemctl >/dev/null 2>&1; then
	for p in $new; do
		for u in $(dpkg -L "$p" 2>/dev/null | grep -E \
		    '^(/usr)?/lib/systemd/system/[^/@]+\.(service|socket|timer)$'); do
			u=${u##*/}
			[ "$(systemctl is-enabled "$u" 2>/dev/null)" = enabled ] ||
			    continue
			echo "# setup: $u (of $p, installed now) disabled; it was not started"
			systemctl disable "$u" >/dev/null 2>&1 || true
		done
	done
fi
exit 0
