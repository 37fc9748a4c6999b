#!/usr/bin/env python3
"""Benchmark: 10,000 connected idle clients (each past its HELLO).  Prints
the daemon's RSS (target: at most 64 MB) and the latency of a STATUS request
meanwhile (target: under 50 ms)."""
import resource
import socket
import statistics
import struct
import sys
import time

from harness import Env, Native, binary, fail, msg, s8, rss_kb, sanitized, HELLO

CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 10000

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

with Native(env.sock) as n:
    st = n.status()
    if st["clients"] < CLIENTS:
        fail("the daemon counts %d clients, expected %d" % (st["clients"], CLIENTS))
    lat = []
    for _ in range(50):
        t = time.monotonic()
        n.status()
        lat.append((time.monotonic() - t) * 1000)
rss = rss_kb(pid)
median = statistics.median(lat)
worst = max(lat)
print("clients: %d connected in %.1f s" % (CLIENTS, connect_s))
print("daemon RSS: %.1f MB with %d idle clients (%.1f MB at start; target <= 64 MB)" %
      (rss / 1024, CLIENTS, base_rss / 1024))
print("STATUS latency: median %.2f ms, worst %.2f ms (target < 50 ms)" % (median, worst))
# Under AddressSanitizer RSS says little (shadow memory, quarantine): latency only.
ok = (rss <= 64 * 1024 or sanitized(binary("k210sockd"))) and median < 50
for s in socks:
    s.close()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
if not ok:
    fail("targets missed")
print("bench-clients: 1 passed, 0 failed")
