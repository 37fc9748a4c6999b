#!/usr/bin/env python3
"""A server that accepts and closes at once, with and without sending first,
through the daemon and the emulated board in each of espat-sim's AT modes
(1.1: active receive only, where the connect answer, the data and the close
come back to back; 1.7; 2.x): 100 `k210sock connect`s of each kind end within
a bound, exit 0 with exactly what the server sent, and no board socket is
left behind."""
import concurrent.futures
import socket
import subprocess
import threading
import time

from harness import Env, binary, fail, log

ROUNDS = 100
BOUND = 20          # seconds one connect may take, on a busy machine
GREETING = b"220 greeting from a server that closes at once\r\n"
k210sock = binary("k210sock")
if not k210sock:
    fail("k210sock is not built")


def server(send):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)

    def loop():
        while True:
            c, _ = s.accept()
            if send:
                try:
                    c.sendall(GREETING)
                except OSError:
                    pass
            c.close()
    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]


ports = {False: server(False), True: server(True)}


def one(env, send, i):
    # Half of them keep their input open (--no-shutdown): the remote's close alone ends them.
    args = [k210sock, "-q", "-s", env.sock, "connect"] + (["--no-shutdown"] if i % 2 else []) + \
        ["127.0.0.1", str(ports[send])]
    t0 = time.monotonic()
    try:
        r = subprocess.run(args, input=b"", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=BOUND)
    except subprocess.TimeoutExpired:
        return "connect %d hung (still running after %d s)" % (i, BOUND)
    want = GREETING if send else b""
    if r.returncode != 0 or r.stdout != want:
        return "connect %d: exit %d, %d bytes of %d: %s" % (
            i, r.returncode, len(r.stdout), len(want), r.stderr.decode(errors="replace").strip())
    return time.monotonic() - t0


for version in ("1.1", "1.7", "2"):
    env = Env("acceptclose-%s" % version)
    # The ESP UART paced at its boot rate (115200), as on the board: the burst of
    # n,CONNECT OK n,CLOSED comes as the firmware sees it there.
    env.start_board("--baud", "0", "--esp-arg", "--at-version",
                    "--esp-arg", version)
    env.start_daemon()
    for send in (False, True):
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda i: one(env, send, i), range(ROUNDS)))
        bad = [r for r in results if isinstance(r, str)]
        if bad:
            fail("AT %s, a server that %s: %d of %d failed: %s" % (
                version, "sends and closes" if send else "closes at once", len(bad), ROUNDS,
                "; ".join(bad[:5])))
        log("AT %s, %d connects to a server that %s: all ended in order, slowest %.2f s "
            "(%.1f s in all)" % (version, ROUNDS, "sends and closes" if send else "closes at once",
                                 max(results), time.monotonic() - t0))
    env.check_no_leak()
    early = env.read_log().count("before the open was answered")
    log("AT %s: %s, closes before the connect answer: %d" % (
        version, env.read_log().split("board: ")[-1].split(",")[3].strip() if "board: k210" in
        env.read_log() else "?", early))
    if env.stop(env.daemon) != 0:
        fail("the daemon did not stop cleanly")
    env.stop(env.board)
print("acceptclose: 1 passed, 0 failed")
