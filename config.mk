# config.mk - the variables a packager or a developer may override:
#   make PREFIX=/usr SYSCONFDIR=/etc RUNSTATEDIR=/run
#   make check SAN=address,undefined
#   make WERROR=1          (what CI does)

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
