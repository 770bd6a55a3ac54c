# config.mk - the variables a packager or a developer may override:
#   make PREFIX=/usr SYSCONFDIR=/etc RUNSTATEDIR=/run
#   make check SAN=address,undefined
#   make WERROR=1          (what CI does)
#   make MUSL_CC=musl-gcc  (porthole static against musl; off by default)

VERSION		= 0.1.0
SOVERSION	= 0

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
LIBEXECDIR	?= $(PREFIX)/libexec
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
SYSCONFDIR	?= $(PREFIX)/etc
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
RUNSTATEDIR	?= /run
DESTDIR		?=

CC		?= cc
AR		?= ar
# MUSL_CC: a musl compiler for `porthole`, exec'd before the program by
# every `porthole run` and `porthole exec`, which is then linked
# statically against musl (static PIE), as skarnet's programs are.
# Off unless asked for (`make MUSL_CC=musl-gcc`): the build must be the
# same whatever happens to be installed, and musl changes what porthole
# can do (below).  What it saves is machine-dependent: glibc's start-up
# cost ~350 us against musl's ~60 us on a VM that traps CPUID, and only
# a few percent on another (docs/PERFORMANCE.md).  Always empty with SAN
# (no static sanitizer runtime).  The library, portholed,
# porthole-helper (privileged: glibc's _FORTIFY_SOURCE stays), the
# preload shim (loaded into glibc programs) and the tests are always
# built with $(CC).
# Note: musl has no NSS.  A musl-built porthole resolves user and group
# names (listen -U/-G, connect -U, check -u, the names audit prints) from
# /etc/passwd and /etc/group, and asks nscd for names not found there;
# names that only an NSS module knows (LDAP, sssd, systemd's dynamic
# users) are not found; listen and connect take numeric ids too.
MUSL_CC		?=
# Where a compiler lacks the kernel's headers (Debian's musl-gcc), the
# build links them from where this one finds them.
KERNEL_HEADERS_CC ?= cc
SAN		?=
WERROR		?=

# Base, warnings, always-errors and hardening (house style, section 9).
CFLAGS_BASE	= -std=c11 -D_GNU_SOURCE -O2 -g -pthread
CFLAGS_WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes \
		  -Wmissing-prototypes -Wpointer-arith -Wformat=2 \
		  -Wimplicit-fallthrough -Wvla \
		  -Werror=implicit-function-declaration \
		  -Werror=incompatible-pointer-types -Werror=format-security
CFLAGS_HARDEN	= -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 \
		  -fstack-protector-strong -fstack-clash-protection \
		  -fcf-protection -ftrivial-auto-var-init=zero
LDFLAGS_HARDEN	= -Wl,-z,relro,-z,now,-z,noexecstack
CFLAGS		?=
LDFLAGS		?=
