#!/usr/bin/env python3
"""Benchmark: connect-to-first-byte latency through the daemon (native
CONNECT to a server that greets at once) against k210-probe first-byte
straight on the emulated board.  The two take turns in blocks (the daemon
holds the port while it runs), so that other load on the machine weighs on
both alike.  Prints both medians and what the daemon adds (target: at most
1 ms).  It fails when, in every block, the daemon's median is more than
RATIO_MAX times the direct one (today: about 1.1x on a quiet machine, 1.5x
on a busy one): a clear regression of the daemon's path, measured against
the board's own in the same run.  Blocks repeat, up to MAX_BLOCKS, while the
figure misses."""
import re
import socket
import statistics
import struct
import subprocess
import threading
import time

from harness import Env, Native, binary, fail, log, s8, msg, CONNECT, RESPONSE

ROUNDS = 25             # connections per block and side
MIN_BLOCKS, MAX_BLOCKS = 2, 4
BAUD = 2000000
RATIO_MAX = 3.0
TARGET_ADDED_MS = 1.0

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(64)
port = server.getsockname()[1]


def greeter():
    while True:
        try:
            c, _ = server.accept()
        except OSError:
            return
        try:
            c.sendall(b"!")
            c.close()
        except OSError:
            pass


threading.Thread(target=greeter, daemon=True).start()

env = Env("firstbyte")
env.start_board("--baud", str(BAUD), "--esp-baud", "0")

probe = binary("k210-probe")
if not probe:
    fail("k210-probe is not built")
r = subprocess.run([probe, "--link", env.board_link, "wait-wifi", "15"], stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, timeout=60)
if r.returncode != 0:
    fail("k210-probe wait-wifi: " + r.stdout.decode())


def direct_block():
    r = subprocess.run([probe, "--link", env.board_link, "--baud", str(BAUD), "first-byte",
                        "127.0.0.1", str(port), "--count", str(ROUNDS)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    text = r.stdout.decode()
    m = re.search(r"median_ms=([0-9.]+)", text)
    if r.returncode != 0 or not m:
        fail("k210-probe first-byte: exit %d: %s" % (r.returncode, text))
    return float(m.group(1))


def daemon_block():
    env.start_daemon(device={"path": env.board_link, "baud": str(BAUD)}, log={"level": "info"})
    times = []
    for i in range(ROUNDS):
        n = Native(env.sock)
        req = msg(CONNECT, struct.pack(">HHBHHI", 1, 0, 1, port, 0, 0) + s8("127.0.0.1"))
        t0 = time.monotonic()
        n.send(req)
        t, body = n.read_msg()
        if t != CONNECT | RESPONSE or body[2] != 0:
            fail("CONNECT failed: type 0x%02x err %d" % (t, body[2]))
        first = n.buf or n.s.recv(1)
        times.append((time.monotonic() - t0) * 1000)
        if first[:1] != b"!":
            fail("no greeting byte")
        n.close()
        # Each round starts with the board's sockets all closed.
        env.wait_sockets_free()
    env.check_no_leak()
    if env.stop(env.daemon) != 0:
        fail("the daemon did not stop cleanly")
    return statistics.median(times), sorted(times)[int(ROUNDS * 0.9)]


best = None
for block in range(MAX_BLOCKS):
    direct_ms = direct_block()
    daemon_ms, p90 = daemon_block()
    log("block %d: direct %.2f ms, through the daemon %.2f ms (p90 %.2f): %.2fx, +%.2f ms" %
        (block + 1, direct_ms, daemon_ms, p90, daemon_ms / direct_ms, daemon_ms - direct_ms))
    if best is None or daemon_ms / direct_ms < best[1] / best[0]:
        best = (direct_ms, daemon_ms, p90)
    if block + 1 >= MIN_BLOCKS and best[1] / best[0] <= RATIO_MAX:
        break
direct_ms, daemon_ms, p90 = best
server.close()
print("first byte, k210-probe on the board: median %.2f ms" % direct_ms)
print("first byte, through k210sockd: median %.2f ms (p90 %.2f ms); the daemon adds %.2f ms = %.2fx "
      "(target <= %.0f ms: %s)" % (daemon_ms, p90, daemon_ms - direct_ms, daemon_ms / direct_ms,
                                   TARGET_ADDED_MS,
                                   "met" if daemon_ms - direct_ms <= TARGET_ADDED_MS else "missed"))
if daemon_ms / direct_ms > RATIO_MAX:
    fail("the daemon's first byte takes %.2fx the board's own, more than %.1fx" %
         (daemon_ms / direct_ms, RATIO_MAX))
print("bench-firstbyte: 1 passed, 0 failed")
