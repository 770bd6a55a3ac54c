/* SPDX-License-Identifier: ISC */
/*
 * private.h - libporthole's private interface, for porthole's own
 * programs only: the porthole command, portholed, porthole-helper, the
 * broker library (src/broker/), libporthole-preload, and the tests,
 * fuzzers and benchmarks.  It is never installed and makes no ABI or API
 * promise: anything here may change with any commit.  Programs outside
 * this tree use include/porthole.h alone.
 *
 * Every function here is ph__* ("private to porthole"): hidden from
 * the shared library by -fvisibility=hidden and libporthole.map, reached
 * by porthole's programs through the static libporthole.a.  A library
 * ph__ function that a program calls is declared here, or in the two
 * headers this one includes, and nowhere else; what only the library's
 * own files use stays in internal.h.
 *
 * The broker's wire format (proto.h), the grant grammar (grant.h) and
 * the server loop (server.h) are part of this interface: include this
 * header, not those.
 */
#ifndef PH_PRIVATE_H
#define PH_PRIVATE_H

#include <sys/stat.h>

#include "grant.h"
#include "proto.h"
#include "server.h"

struct ph_peer;

/* Close an fd the library owns; never 0-2 (libuv's uv__close rule). */
void	ph__fd_close(int *fdp);
/* Owner and mode rule for directories (see ph_dir_check()); also the
 * broker's rule for the trusted files it reads (src/broker/). */
int	ph__dir_check_stat(const struct stat *st, uid_t me, int flags);
/* ph_peer_get() for a socket known to be connected. */
int	ph__peer_get(int sock, int flags, struct ph_peer *ret_peer);
/* The broker's daemon socket and helper (compiled in, or the test
 * overrides PORTHOLE_SOCKET and PORTHOLE_HELPER). */
const char	*ph__broker_daemon_path(void);
const char	*ph__broker_helper_path(void);

#endif /* PH_PRIVATE_H */
