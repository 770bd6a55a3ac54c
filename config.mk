# config.mk - the variables a packager or a developer may override:
#   make PREFIX=/usr SYSCONFDIR=/etc RUNSTATEDIR=/run
#   make check SAN=address,undefined
#   make WERROR=1          (what CI does)
#   make MUSL_CC=          (porthole and porthole-helper with $(CC), not musl)

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
RUNSTATEDIR	?= /run
DESTDIR		?=

CC		?= cc
AR		?= ar
# MUSL_CC: a musl compiler for `porthole`, exec'd before the program by
# every `porthole run` and `porthole exec`, which is then linked
# statically against musl (static PIE), as skarnet's programs are.  Its
# start-up is a large part of their cost: on a VM that traps CPUID,
# glibc's takes ~350 us, a static musl program's ~60 us.  Default:
# musl-gcc when it is on PATH, else empty, and always empty with SAN (no
# static sanitizer runtime); `make MUSL_CC=` builds it with $(CC).  The
# library, portholed, porthole-helper (privileged: glibc's
# _FORTIFY_SOURCE stays), the preload shim (loaded into glibc programs)
# and the tests are always built with $(CC).
# Note: musl has no NSS.  A musl-built porthole resolves user and group
# names (listen -U/-G, connect -U, check -u, the names audit prints) from
# /etc/passwd and /etc/group, and asks nscd for names not found there;
# names that only an NSS module knows (LDAP, sssd, systemd's dynamic
# users) are not found; listen and connect take numeric ids too.
ifeq ($(origin MUSL_CC),undefined)
MUSL_CC		:= $(shell command -v musl-gcc >/dev/null 2>&1 && echo musl-gcc)
endif
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
