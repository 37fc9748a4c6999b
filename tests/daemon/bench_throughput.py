#!/usr/bin/env python3
"""Benchmark: one download through the daemon (curl via SOCKS5) with the USB
link at 2000000 baud and the ESP side unthrottled.  Prints the throughput as
a ratio to the wire limit (baud/10 bytes/s; target >= 0.95) and the daemon's
CPU use over the transfer (utime+stime; target <= 5% of one core)."""
import os
import subprocess
import time

from harness import Env, binary, cpu_ticks, fail, log, sanitized, sha256_file

BAUD = 2000000
SIZE = 2 << 20

env = Env("throughput")
env.start_board("--baud", str(BAUD), "--esp-baud", "0")
env.start_http(sizes=(SIZE,))
env.start_daemon(device={"path": env.board_link, "baud": str(BAUD)}, log={"level": "info"})
st = env.status()
if st["link.baud"] != BAUD:
    fail("the link runs at %d baud, not %d" % (st["link.baud"], BAUD))

out = os.path.join(env.dir, "out")
hz = os.sysconf("SC_CLK_TCK")
ticks0 = cpu_ticks(env.daemon.pid)
t0 = time.monotonic()
r = subprocess.run(["curl", "-sS", "--max-time", "120", "-x", "socks5h://localhost" + env.sock,
                    "-o", out, "-w", "%{speed_download} %{time_starttransfer}",
                    env.url("f%d" % SIZE)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.monotonic() - t0
ticks = cpu_ticks(env.daemon.pid) - ticks0
if r.returncode != 0 or sha256_file(out) != env.files["f%d" % SIZE]:
    fail("download failed: %s" % r.stderr.decode())
speed, first = r.stdout.decode().split()
speed = float(speed)
ratio = speed / (BAUD / 10)
cpu = 100.0 * ticks / hz / wall
st = env.status()
print("throughput: %d bytes in %.2f s = %.0f bytes/s = %.3f of the wire limit (%d baud/10); "
      "target >= 0.95" % (SIZE, wall, speed, ratio, BAUD))
print("daemon CPU: %.2f%% of one core over the transfer (target <= 5%%)" % cpu)
print("link: %d retransmits, %d CRC errors, payload %d, srtt %d us" %
      (st["link.retransmits"], st["link.crc_errors"], st["link.payload"], st["link.srtt_us"]))
env.stop(env.daemon)
if ratio < 0.95:
    fail("throughput below 95% of the wire limit")
if cpu > 5.0 and not sanitized(binary("k210sockd")):
    fail("the daemon used more than 5% CPU")
print("bench-throughput: 1 passed, 0 failed")
