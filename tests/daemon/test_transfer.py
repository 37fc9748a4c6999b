#!/usr/bin/env python3
"""curl through SOCKS5 over the Unix socket: files of 1 KB to 4 MB arrive
intact, and 20 concurrent downloads share the five ESP links (queueing) and
all arrive intact."""
import os
import subprocess
import time

from harness import Env, fail, log, sha256_file

env = Env("transfer")
env.start_board("--baud", "0", "--esp-baud", "0")
env.start_http()
env.start_daemon(limits={"sockets_per_client": "64", "connect_timeout": "120"})

for name in ("f1024", "f65536", "f1048576", "f4194304"):
    out = os.path.join(env.dir, name + ".out")
    t0 = time.monotonic()
    r = env.curl(name, out, timeout=120)
    took = time.monotonic() - t0
    if r.returncode != 0:
        fail("%s: curl exit %d: %s" % (name, r.returncode, r.stderr.decode()))
    if sha256_file(out) != env.files[name]:
        fail("%s: sha256 differs" % name)
    log("%s: ok in %.2f s" % (name, took))

log("20 concurrent downloads")
procs = []
t0 = time.monotonic()
for i in range(20):
    out = os.path.join(env.dir, "c%d.out" % i)
    procs.append((out, subprocess.Popen(
        ["curl", "-sS", "--max-time", "180", "-x", "socks5h://localhost" + env.sock, "-o", out,
         env.url("f65536" if i % 2 else "f1048576")], stderr=subprocess.PIPE)))
peak_queued = 0
while any(p.poll() is None for _, p in procs):
    peak_queued = max(peak_queued, env.status()["sockets.queued"])
    time.sleep(0.05)
for i, (out, p) in enumerate(procs):
    if p.returncode != 0:
        fail("download %d: curl exit %d: %s" % (i, p.returncode, p.stderr.read().decode()))
    if sha256_file(out) != env.files["f65536" if i % 2 else "f1048576"]:
        fail("download %d: sha256 differs" % i)
st = env.status()
log("20 downloads in %.1f s, at most %d queued for a link; streams opened %d, failed %d" %
    (time.monotonic() - t0, peak_queued, st["streams.opened"], st["streams.failed"]))
if st["sockets.in_use"] != 0:
    fail("sockets left in use: %d" % st["sockets.in_use"])
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("transfer: 1 passed, 0 failed")
