#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/setup.sh - what `make check` needs beyond the compiler, installed
# when missing and when we may (root with apt-get): mandoc to lint the
# man pages; s6 and ucspi-unix (real UCSPI peers); for the broker tests lighttpd (a real server that reads
# LISTEN_FDS), curl, iproute2, setcap and strace.  Installing happens
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
[ -n "$missing" ] || exit 0
echo "# setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
{ apt-get update && apt-get install -y --no-install-recommends $missing; } \
    >/tmp/porthole-setup.log 2>&1 ||
    echo "# setup: apt-get failed (see /tmp/porthole-setup.log); dependent tests will skip"
# Debian starts lighttpd on the host's port 80 where systemd runs.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now lighttpd >/dev/null 2>&1 || true
fi
exit 0
