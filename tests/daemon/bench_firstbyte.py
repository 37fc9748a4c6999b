#!/usr/bin/env python3
"""Benchmark: connect-to-first-byte latency through the daemon (native
CONNECT to a server that greets at once) against k210-probe first-byte
straight on the emulated board.  Prints both medians; the daemon may add at
most 1 ms."""
import re
import socket
import statistics
import struct
import subprocess
import threading
import time

from harness import Env, Native, binary, fail, s8, msg, CONNECT, RESPONSE

ROUNDS = 50
BAUD = 2000000

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
r = subprocess.run([probe, "--link", env.board_link, "--baud", str(BAUD), "first-byte",
                    "127.0.0.1", str(port), "--count", str(ROUNDS)],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
text = r.stdout.decode()
m = re.search(r"median_ms=([0-9.]+)", text)
if r.returncode != 0 or not m:
    fail("k210-probe first-byte: exit %d: %s" % (r.returncode, text))
direct_ms = float(m.group(1))

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
daemon_ms = statistics.median(times)
print("first byte, k210-probe on the board: median %.2f ms" % direct_ms)
print("first byte, through k210sockd: median %.2f ms (p90 %.2f ms); the daemon adds %.2f ms "
      "(target <= 1 ms)" % (daemon_ms, sorted(times)[int(ROUNDS * 0.9)], daemon_ms - direct_ms))
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
server.close()
if daemon_ms - direct_ms > 1.0:
    fail("the daemon adds more than 1 ms")
print("bench-firstbyte: 1 passed, 0 failed")
