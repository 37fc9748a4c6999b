#!/usr/bin/env python3
"""Twenty downloads at once through k210-netif: the ESP8285 has five links, so connects beyond
them wait (in k210-netif's queue beyond its streams limit, then in k210sockd's connect queue),
and every file arrives whole.  Ends with no board socket held."""

import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

world.enter()
from world import World, fail, harness, log  # noqa: E402

N = 20
w = World("parallel")
w.start_daemon()
for i in range(N):
    w.add_file("p%02d" % i, 96 * 1024 + i * 997)
w.start_nginx()
# Fewer streams than downloads: the rest wait in k210-netif's own queue.
w.start_netif(limits={"streams": "12", "udp_idle": "5"})

out = os.path.join(w.dir, "out")
os.mkdir(out)
procs = []
t0 = time.monotonic()
for i in range(N):
    procs.append(w.app_spawn(["curl", "-sS", "--max-time", "180", "-o",
                              os.path.join(out, "p%02d" % i), "http://www.k210.test/p%02d" % i],
                             "curl%02d.log" % i))
queued = waiting = 0
while any(p.poll() is None for p in procs):
    st = w.status()
    queued = max(queued, st["sockets.queued"])
    try:
        waiting = max(waiting, w.netif_status()["netif"]["tcp"]["waiting"])
    except SystemExit:
        raise
    if time.monotonic() - t0 > 200:
        fail("downloads still running after 200 s")
    time.sleep(0.2)
took = time.monotonic() - t0
for i, p in enumerate(procs):
    if p.returncode != 0:
        fail("download %d: curl exit %d: %s" % (i, p.returncode, w.env.read_log("curl%02d.log" % i)))
    if harness.sha256_file(os.path.join(out, "p%02d" % i)) != w.files["p%02d" % i]:
        fail("download %d arrived damaged" % i)
total = sum(os.path.getsize(os.path.join(out, "p%02d" % i)) for i in range(N))
log("%d downloads, %d bytes intact in %.1f s; most waiting for a link in k210sockd: %d, "
    "in k210-netif: %d" % (N, total, took, queued, waiting))
st = w.netif_status()["netif"]["tcp"]
if queued < 1:
    fail("no connect ever waited in k210sockd's queue")
if st["waiting_max"] < N - 12:
    fail("k210-netif's queue held at most %d connects, expected %d" % (st["waiting_max"], N - 12))
if st["opened"] < N or st["reset"] or st["timed_out"]:
    fail("netif.tcp: %s" % st)
w.check_no_leak(timeout=30)
log("PASS")
