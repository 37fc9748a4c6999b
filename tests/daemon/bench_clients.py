#!/usr/bin/env python3
"""Benchmark: 10,000 connected idle clients (each past its HELLO).  Prints
the daemon's RSS (target: at most 64 MB) and the latency of a STATUS request
meanwhile (target: under 50 ms), against the same request to a second
daemon without clients, asked in turns so that other load on the machine
weighs on both alike.  It fails on RSS above the target, or when the idle
clients make STATUS more than RATIO_MAX times slower than on the daemon
without them (work per request that grows with the clients)."""
import resource
import socket
import statistics
import struct
import sys
import time

from harness import Env, Native, binary, fail, msg, s8, rss_kb, sanitized, HELLO

CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
RATIO_MAX = 10.0
BLOCKS, PER_BLOCK = 5, 10

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
need = CLIENTS + 1000
if hard < need:
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
    except (ValueError, OSError):
        fail("cannot raise RLIMIT_NOFILE to %d (hard limit %d): run as root" % (need, hard))
else:
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))

env = Env("clients")
env.start_fakeboard()
# One user opens them all, 500 at a time before their answers are read:
# handshakes_per_user would (rightly) refuse that much of one user.
env.start_daemon(limits={"clients": str(CLIENTS + 100), "handshake_timeout": "60",
                         "handshakes_per_user": str(CLIENTS)},
                 log={"level": "info"})
# The same-run baseline: a daemon with no clients but this test's requests.
quiet = Env("clients-baseline")
quiet.start_fakeboard()
quiet.start_daemon(log={"level": "info"})
pid = env.daemon.pid
base_rss = rss_kb(pid)

hello = msg(HELLO, struct.pack(">HBBI", 1, 1, 0, 0) + s8("idle"))
socks = []
t0 = time.monotonic()
for i in range(CLIENTS):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(env.sock)
    s.sendall(hello)
    socks.append(s)
    if len(socks) % 500 == 0:
        # Read the answers as we go so that nothing piles up anywhere.
        for c in socks[-500:]:
            head = c.recv(3)
            c.recv(struct.unpack(">H", head[1:3])[0])
for c in socks[len(socks) - len(socks) % 500:]:
    head = c.recv(3)
    c.recv(struct.unpack(">H", head[1:3])[0])
connect_s = time.monotonic() - t0


def status_ms(n):
    t = time.monotonic()
    n.status()
    return (time.monotonic() - t) * 1000


with Native(env.sock) as n, Native(quiet.sock) as q:
    st = n.status()
    if st["clients"] < CLIENTS:
        fail("the daemon counts %d clients, expected %d" % (st["clients"], CLIENTS))
    lat, base = [], []
    for _ in range(BLOCKS):
        lat += [status_ms(n) for _ in range(PER_BLOCK)]
        base += [status_ms(q) for _ in range(PER_BLOCK)]
rss = rss_kb(pid)
median, base_median = statistics.median(lat), statistics.median(base)
worst = max(lat)
ratio = median / base_median
print("clients: %d connected in %.1f s" % (CLIENTS, connect_s))
print("daemon RSS: %.1f MB with %d idle clients (%.1f MB at start; target <= 64 MB)" %
      (rss / 1024, CLIENTS, base_rss / 1024))
print("STATUS latency: median %.2f ms, worst %.2f ms (target < 50 ms: %s); without clients %.2f ms: "
      "%.1fx (fails above %.0fx)" % (median, worst, "met" if median < 50 else "missed", base_median,
                                     ratio, RATIO_MAX))
for s in socks:
    s.close()
env.check_no_leak()
quiet.check_no_leak()
if env.stop(env.daemon) != 0 or quiet.stop(quiet.daemon) != 0:
    fail("a daemon did not stop cleanly")
# Under AddressSanitizer RSS says little (shadow memory, quarantine): latency only.
if rss > 64 * 1024 and not sanitized(binary("k210sockd")):
    fail("RSS above 64 MB")
if ratio > RATIO_MAX:
    fail("STATUS takes %.1fx as long with %d idle clients" % (ratio, CLIENTS))
print("bench-clients: 1 passed, 0 failed")
