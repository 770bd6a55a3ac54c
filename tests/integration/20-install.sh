# SPDX-License-Identifier: ISC
# 20-install.sh - make install honours PREFIX, DESTDIR and the directory
# variables, compiles the paths in from them, installs a pkg-config file
# that a program using <porthole.h> builds with, and the exported ABI is
# exactly the version script.
. "$TOP/tests/integration/lib.sh"

B=$T/build S=$T/stage
make -s -C "$TOP" BUILD="$B" PREFIX=/opt/ph SYSCONFDIR=/etc/phx \
    RUNSTATEDIR=/run/phx LIBEXECDIR=/opt/ph/lib/exec MANDIR=/opt/ph/man \
    DESTDIR="$S" install >"$T/make.out" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/#   /' "$T/make.out"
is "make install succeeds" $rc 0
for f in bin/porthole lib/libporthole.a lib/libporthole.so.0.1.0 \
    lib/libporthole.so.0 lib/libporthole.so include/porthole.h \
    lib/pkgconfig/libporthole.pc man/man1/porthole.1 man/man3/libporthole.3; do
	ok "installed /opt/ph/$f" test -e "$S/opt/ph/$f"
done
is "nothing installed outside DESTDIR" "$(find "$S" -mindepth 1 -maxdepth 1)" "$S/opt"
h=$(cat "$B/paths.h")
matches "policy path from SYSCONFDIR" "$h" '"/etc/phx/porthole/policy"'
matches "broker socket from RUNSTATEDIR" "$h" '"/run/phx/porthole/porthole.sock"'
matches "helper from LIBEXECDIR" "$h" '"/opt/ph/lib/exec/porthole-helper"'
# The installed man pages name the installed paths, not a default build's.
M=$S/opt/ph/man
is "no installed man page names /usr/local" \
    "$(cat "$M"/man*/* 2>/dev/null | grep -c /usr/local)" 0
matches "porthole.policy(5) names SYSCONFDIR's policy" \
    "$(cat "$M/man5/porthole.policy.5")" '^\.Pa /etc/phx/porthole/policy$'
matches "porthole-helper(8) names LIBEXECDIR's helper" \
    "$(cat "$M/man8/porthole-helper.8")" '^\.It Pa /opt/ph/lib/exec/porthole-helper$'
matches "porthole(1) names RUNSTATEDIR's socket" \
    "$(cat "$M/man1/porthole.1")" '/run/phx/porthole/porthole\.sock'
ok "bash completion installed" \
    test -f "$S/opt/ph/share/bash-completion/completions/porthole"
is "soname" "$(readelf -d "$S/opt/ph/lib/libporthole.so.0.1.0" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" libporthole.so.0

cat > "$T/prog.c" <<'C'
#include <stdio.h>
#include <porthole.h>
int
main(void)
{
	struct ph_sockdir *sd;
	if (ph_sockdir_create(NULL, NULL, 0, &sd) < 0)
		return 1;
	puts(ph_sockdir_path(sd));
	return ph_sockdir_remove(sd) < 0;
}
C
if command -v pkg-config >/dev/null 2>&1; then
	flags=$(PKG_CONFIG_PATH="$S/opt/ph/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$S" \
	    pkg-config --cflags --libs libporthole)
	ok "a program builds with pkg-config" cc $SANFLAGS -o "$T/prog" "$T/prog.c" $flags
	out=$(LD_LIBRARY_PATH="$S/opt/ph/lib" "$T/prog")
	matches "and runs against the shared library" "$out" '/porthole-[0-9a-f]{16}/sock$'
else
	skip 2 "pkg-config not installed"
fi
out=$("$S/opt/ph/bin/porthole" --version)
is "installed porthole runs" "$out" "porthole 0.1.0"

# The ABI: exported symbols are exactly those of the version script.
exp=$(nm -D --defined-only "$S/opt/ph/lib/libporthole.so.0.1.0" |
    awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
map=$(sed -n 's/^[[:space:]]*\(ph_[a-z_]*\);/\1/p' "$TOP/src/lib/libporthole.map" | sort)
is "exported symbols == libporthole.map" "$exp" "$map"
ok "no ph__ internals exported" sh -c "! nm -D '$S/opt/ph/lib/libporthole.so.0.1.0' | grep -q ' ph__'"

# make uninstall, with the same variables, removes every file it installed.
make -s -C "$TOP" BUILD="$B" PREFIX=/opt/ph SYSCONFDIR=/etc/phx \
    RUNSTATEDIR=/run/phx LIBEXECDIR=/opt/ph/lib/exec MANDIR=/opt/ph/man \
    DESTDIR="$S" uninstall >"$T/make.out" 2>&1
is "make uninstall succeeds" $? 0
is "make uninstall leaves no file" "$(find "$S" ! -type d)" ""
finish
