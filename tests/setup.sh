#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/setup.sh - what `make check` needs beyond the compiler, installed
# when missing and when we may (root with apt-get): mandoc to lint the
# man pages; s6 and ucspi-unix (real UCSPI peers); for the broker tests lighttpd (a real server that reads
# LISTEN_FDS), curl, iproute2, setcap and strace; for porthole exec nginx
# (nginx-light: a forking server that binds port 80 itself); musl-tools,
# with which porthole and porthole-helper are built when it is there.  Installing happens
# here, before the root tests enter a network namespace without network.
# Test users are created by the root tests themselves.
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
# porthole listen and connect against real UCSPI clients and servers.
command -v s6-ipcclient >/dev/null 2>&1 || missing="$missing s6"
command -v unixclient >/dev/null 2>&1 || missing="$missing ucspi-unix"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
# porthole and porthole-helper are linked statically against musl where
# musl-gcc is found (config.mk, MUSL_CC): a build made after this one.
command -v musl-gcc >/dev/null 2>&1 || missing="$missing musl-tools"
# porthole exec: a real forking server binding port 80 (tests/root/70-exec.sh).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ||
    missing="$missing nginx-light"
[ -n "$missing" ] || exit 0
echo "# setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# No service of these packages is started on the host while installing
# (policy-rc.d, exit 101: "action forbidden"); the tests start their own.
rcd=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d &&
	    chmod 0755 /usr/sbin/policy-rc.d && rcd=1
fi
{ apt-get update && apt-get install -y --no-install-recommends $missing; } \
    >/tmp/porthole-setup.log 2>&1 ||
    echo "# setup: apt-get failed (see /tmp/porthole-setup.log); dependent tests will skip"
[ -z "$rcd" ] || rm -f /usr/sbin/policy-rc.d
# Debian starts lighttpd and nginx on the host's port 80 where systemd runs.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now lighttpd >/dev/null 2>&1 || true
	systemctl disable --now nginx >/dev/null 2>&1 || true
fi
exit 0
