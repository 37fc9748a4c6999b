#!/usr/bin/env python3
"""Benchmark: one download through the daemon (curl via SOCKS5) with the USB
link at 2000000 baud and the ESP side unthrottled.  Prints the throughput as
a ratio to the wire limit (baud/10 bytes/s; target >= 0.95), the same
download by k210-probe straight on the board for comparison, and the
daemon's CPU use over the transfer (utime+stime; target <= 5% of one core).
It fails when the daemon costs throughput the board delivers (below 97% of
the direct figure) or uses too much CPU: above the target on a quiet
machine, above twice the target on a busy one (more runnable work than
cores: the daemon then wakes for fewer bytes at a time).  The two alternate
for two rounds, and up to four while other load on the machine spoils the
figures; the best of each (the least CPU) counts."""
import os
import re
import subprocess
import time

from harness import Env, binary, cpu_ticks, fail, log, sanitized, sha256_file

BAUD = 2000000
SIZE = 2 << 20

env = Env("throughput")
env.start_board("--baud", str(BAUD), "--esp-baud", "0")
env.start_http(sizes=(SIZE,))
name = "f%d" % SIZE

MIN_ROUNDS, MAX_ROUNDS = 2, 4
CPU_TARGET = 5.0           # % of one core
hz = os.sysconf("SC_CLK_TCK")
probe = binary("k210-probe")


def run_direct():
    """The same download by k210-probe straight on the board (no daemon).  A
    loaded machine can make its rate switch fail: it gets a second try."""
    for attempt in (1, 2):
        subprocess.run([probe, "--link", env.board_link, "wait-wifi", "15"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        r = subprocess.run([probe, "--link", env.board_link, "--baud", str(BAUD), "get",
                            "127.0.0.1", str(env.http_port), "/" + name, "--out",
                            os.path.join(env.dir, "direct.out")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        m = re.search(r"ratio=([0-9.]+)", r.stdout.decode())
        if r.returncode == 0 and m:
            return float(m.group(1))
        log("k210-probe get failed (try %d): %s" % (attempt, r.stdout.decode().strip()))
    fail("k210-probe get failed twice")


def run_daemon():
    env.start_daemon(device={"path": env.board_link, "baud": str(BAUD)}, log={"level": "info"})
    st = env.status()
    if st["link.baud"] != BAUD:
        fail("the link runs at %d baud, not %d" % (st["link.baud"], BAUD))
    out = os.path.join(env.dir, "out")
    ticks0 = cpu_ticks(env.daemon.pid)
    t0 = time.monotonic()
    r = subprocess.run(["curl", "-sS", "--max-time", "120", "-x",
                        "socks5h://localhost" + env.sock, "-o", out, "-w", "%{speed_download}",
                        env.url(name)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    ticks = cpu_ticks(env.daemon.pid) - ticks0
    if r.returncode != 0 or sha256_file(out) != env.files[name]:
        fail("download failed: %s" % r.stderr.decode())
    st = env.status()
    env.check_no_leak(timeout=20)
    if env.stop(env.daemon) != 0:
        fail("the daemon did not stop cleanly")
    return float(r.stdout.decode()) / (BAUD / 10), 100.0 * ticks / hz / wall, wall, st


def good_enough(ratio, direct):
    return ratio >= 0.97 * direct if direct is not None else ratio >= 0.95


# Alternate the two so that a busy machine weighs on both alike; keep the best
# of each.  Other load on the machine spoils single rounds: more rounds then.
direct = None
best = None
least_cpu, cpu_busy = None, False
for i in range(MAX_ROUNDS):
    if probe:
        d = run_direct()
        direct = d if direct is None else max(direct, d)
    res = run_daemon()
    log("round: daemon %.3f, direct %s, daemon CPU %.2f%%" %
        (res[0], "%.3f" % d if probe else "-", res[1]))
    if best is None or res[0] > best[0]:
        best = res
    if least_cpu is None or res[1] < least_cpu:
        least_cpu, cpu_busy = res[1], os.getloadavg()[0] > os.cpu_count()
    if i + 1 >= MIN_ROUNDS and good_enough(best[0], direct):
        break
ratio, _, wall, st = best
cpu = least_cpu
speed = ratio * BAUD / 10
print("throughput through k210sockd: %d bytes in %.2f s = %.0f bytes/s = %.3f of the wire "
      "limit (%d baud/10); target >= 0.95: %s" %
      (SIZE, wall, speed, ratio, BAUD, "met" if ratio >= 0.95 else "MISSED"))
if direct is not None:
    print("throughput of k210-probe straight on the board: %.3f of the wire limit; the daemon "
          "keeps %.1f%% of it" % (direct, 100.0 * ratio / direct))
print("daemon CPU: %.2f%% of one core over the transfer (target <= %.0f%%: %s)%s"
      % (cpu, CPU_TARGET, "met" if cpu <= CPU_TARGET else "MISSED",
         "; the machine was busy (load %.1f)" % os.getloadavg()[0] if cpu_busy else ""))
print("link: %d retransmits, %d CRC errors, srtt %d us" %
      (st["link.retransmits"], st["link.crc_errors"], st["link.srtt_us"]))
if not good_enough(ratio, direct):
    if direct is not None:
        fail("the daemon costs throughput: %.3f vs %.3f straight on the board" % (ratio, direct))
    fail("throughput below 95% of the wire limit")
if cpu > (2 if cpu_busy else 1) * CPU_TARGET and not sanitized(binary("k210sockd")):
    fail("the daemon used %.2f%% CPU%s" % (cpu, " on a busy machine" if cpu_busy else ""))
print("bench-throughput: 1 passed, 0 failed")
