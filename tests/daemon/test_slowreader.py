#!/usr/bin/env python3
"""A client that stops reading holds back only its own stream: the others
finish at their normal speed, the daemon's memory stays bounded (the stalled
stream stops taking data from the board), and once the client reads again
every byte arrives."""
import hashlib
import os
import subprocess
import time

from harness import Env, binary, fail, log, rss_kb, sanitized, sha256_file, socks_connect


def three_downloads(env, tag):
    procs = []
    t0 = time.monotonic()
    for i in range(3):
        out = os.path.join(env.dir, "%s%d.out" % (tag, i))
        procs.append((out, subprocess.Popen(
            ["curl", "-sS", "--max-time", "120", "-x", "socks5h://localhost" + env.sock,
             "-o", out, env.url("f1048576")], stderr=subprocess.PIPE)))
    for out, p in procs:
        if p.wait(timeout=150) != 0:
            fail("%s download: %s" % (tag, p.stderr.read().decode()))
        if sha256_file(out) != env.files["f1048576"]:
            fail("%s download: sha256 differs" % tag)
    return time.monotonic() - t0


env = Env("slowreader")
env.start_board("--baud", "0", "--esp-baud", "0")
env.start_http(sizes=(1 << 20, 4 << 20))
env.start_daemon(limits={"client_buffer": "64K"})
pid = env.daemon.pid

baseline = three_downloads(env, "base")
rss_before = rss_kb(pid)
log("baseline: 3 downloads in %.2f s, daemon RSS %d KB" % (baseline, rss_before))

rep, stalled = socks_connect(env.sock, "127.0.0.1", env.http_port)
if rep != 0:
    fail("SOCKS connect: reply %d" % rep)
stalled.sendall(b"GET /f4194304 HTTP/1.0\r\nHost: x\r\n\r\n")
time.sleep(1.0)
with_stall = three_downloads(env, "stall")
down_a = env.status()["bytes.down"]
time.sleep(1.5)
down_b = env.status()["bytes.down"]
rss_during = rss_kb(pid)
log("with a stalled reader: 3 downloads in %.2f s; stalled stream moved %d bytes in 1.5 s; "
    "daemon RSS %d KB" % (with_stall, down_b - down_a, rss_during))
if with_stall > baseline * 1.5 + 1.0:
    fail("the stalled reader slowed the others: %.2f s vs %.2f s" % (with_stall, baseline))
if down_b - down_a > 0:
    fail("data kept flowing to a client that does not read")
# Under AddressSanitizer freed memory sits in quarantine: RSS tells nothing there.
if not sanitized(binary("k210sockd")) and rss_during - rss_before > 3 * 1024:
    fail("daemon RSS grew by %d KB" % (rss_during - rss_before))

log("the stalled client reads again")
stalled.settimeout(120)
data = b""
while True:
    chunk = stalled.recv(1 << 16)
    if not chunk:
        break
    data += chunk
stalled.close()
head, _, body = data.partition(b"\r\n\r\n")
if hashlib.sha256(body).hexdigest() != env.files["f4194304"]:
    fail("the stalled stream lost data: %d bytes of body" % len(body))
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("slowreader: 1 passed, 0 failed")
