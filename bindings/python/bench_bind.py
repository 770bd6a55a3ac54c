#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench_bind.py N kept|fresh - the cost of one bind of 127.0.0.1:80
through the porthole Python binding, as bench/bindings.sh measures it:

  kept   socket() + Broker.bind() on one connection made beforehand
         (ph_broker_bind() on a ph_broker_connect() connection) + close()
  fresh  socket() + porthole.bind() (bind() refused with EACCES, then a
         new connection to the daemon) + close(), as ph_bind() does

Run as a user the policy grants tcp:127.0.0.1:80, with portholed at
PORTHOLE_SOCKET.  Prints one line: ns_per_bind=<float> (the best of 5
timed batches of N, after a warm-up batch).
"""
import socket
import sys
import time

import porthole


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("kept", "fresh"):
        sys.exit("usage: bench_bind.py N kept|fresh")
    n = int(sys.argv[1])
    addr = ("127.0.0.1", 80)
    broker = porthole.Broker() if sys.argv[2] == "kept" else None
    bind = broker.bind if broker else porthole.bind
    sock = socket.socket
    best = None
    for _ in range(6):              # the first batch warms up
        t0 = time.perf_counter_ns()
        for _ in range(n):
            s = sock()
            bind(s, addr)
            s.close()
        dt = (time.perf_counter_ns() - t0) / n
        best = dt if best is None else min(best, dt)
    if broker:
        broker.close()
    print("ns_per_bind=%.1f" % best)


if __name__ == "__main__":
    main()
