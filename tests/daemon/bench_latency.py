#!/usr/bin/env python3
"""Benchmark: round trips of an interactive connection while bulk transfers
fill the link.  The whole chain runs (k210-emu with espat-sim as its
ESP8285, USB line and ESP UART at the same rate, and k210sockd); a fifth
connection echoes 1-byte and 100-byte messages off a local echo server,
first alone (idle) and then beside four bulk streams through the daemon
(downloads from a local source, then uploads into a local sink), at
2000000 and at 921600 baud.

For each direction and rate it prints one line:

  latency: down 2000000 idle_p50_ms= idle_p95_ms= loaded_p50_ms= loaded_p95_ms=
           added_p95_ms= bulk_ratio= bulk_wire= added_p95_frames=

Each case has 200 round trips, the two sizes taking turns; p50 and p95 are
over all of them.  added_p95_ms is loaded_p95 - idle_p95.  bulk_wire is the
four streams' aggregate throughput while the echo runs, as a ratio of the
wire limit (baud/10 bytes/s); bulk_ratio is that throughput over the same
streams' throughput without the echo (the loaded round trips come in five
bursts, with the streams alone before, between and after them, so that
other load on the machine weighs on both alike).  added_p95_frames is
added_p95 in line time of one full frame (2048 bytes of payload).

It fails only on clear regressions of ratios measured in this run (a
configuration whose figures miss is measured again, up to ROUNDS times, and
its best round counts, since a busy machine spoils single rounds):
  - bulk_ratio below BULK_RATIO_MIN: serving the echo costs the bulk
    streams throughput;
  - added_p95 above ADDED_FRAMES_MAX frame times;
  - added_p95 at 921600 baud above SCALING_MAX times the figure at 2 Mbaud
    (queueing must scale with line time, not worse).
Every line also says whether the targets of the scheduler work are met:
added_p95 at most 30 ms at 2 Mbaud (2.9 frame times, the same line time at
any rate), at 921600 baud within 2.2x of the 2 Mbaud figure, bulk_ratio at
least 0.95.  With K210_LATENCY_TARGETS=1 in the environment (or
ENFORCE_TARGETS set below) they are the pass rule.

Options: --trace adds a breakdown of where the loaded round trips spend
their time (latency_trace.py); --samples N, --bauds B[,B], --directions
down,up and --rounds N shorten a run by hand.
"""
import argparse
import os
import random
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time

from harness import Env, fail, log, native_connect

BAUDS = (2000000, 921600)
DIRECTIONS = ("down", "up")
SIZES = (1, 100)
SAMPLES = 200             # round trips per case, the sizes taking turns
STREAMS = 4
BURSTS = 5                # loaded round trips come in bursts...
OFF_S = 0.8               # ...with the bulk streams alone before, between and after
WARMUP_S = 1.0
FRAME_PAYLOAD = 2048

# Regression guards, about four times today's figures (2.0-2.6 frame times,
# 1.9-2.2x at 921600: see README), and the targets.
BULK_RATIO_MIN = 0.90
ADDED_FRAMES_MAX = 10.0
SCALING_MAX = 4.0
TARGET_BULK_RATIO_MIN = 0.95
TARGET_ADDED_MS_2M = 30.0
TARGET_SCALING_MAX = 2.2
ENFORCE_TARGETS = os.environ.get("K210_LATENCY_TARGETS") == "1"
ROUNDS = 3


def frame_ms(baud):
    """Line time of one full frame (payload, header, CRC, COBS, delimiter)."""
    return (FRAME_PAYLOAD + 25) * 10 * 1000.0 / baud


TARGET_ADDED_FRAMES_MAX = TARGET_ADDED_MS_2M / frame_ms(2000000)


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


# ---- the bulk load: a child process, so that its work never delays the echo ----

def load_main(sock_path, direction, streams):
    """Serve a source (down) or a sink (up) on 127.0.0.1, open the streams
    through the daemon, move bytes until told to stop.  stdin: 'count'
    prints 'monotonic_s bytes' (bytes that crossed the board so far),
    'stop' ends."""
    sel = selectors.DefaultSelector()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.setblocking(False)
    sel.register(srv, selectors.EVENT_READ, "accept")
    port = srv.getsockname()[1]
    chunk = os.urandom(65536)
    counted = [0]
    remote_ends = []

    def accept_pending():
        while True:
            try:
                c, _ = srv.accept()
            except BlockingIOError:
                return
            c.setblocking(False)
            remote_ends.append(c)
            sel.register(c, selectors.EVENT_WRITE if direction == "down" else selectors.EVENT_READ,
                         "remote")

    pipes = []
    for _ in range(streams):
        # The kernel completes the TCP handshake from the listen queue: the
        # selector loop accepts the remote ends later.
        err, p = native_connect(sock_path, "127.0.0.1", port)
        if err != "OK":
            print("error connect %s" % err, flush=True)
            return 1
        p.setblocking(False)
        pipes.append(p)
        sel.register(p, selectors.EVENT_READ if direction == "down" else selectors.EVENT_WRITE, "pipe")
    sel.register(sys.stdin, selectors.EVENT_READ, "ctl")
    print("ready", flush=True)
    while True:
        for key, _ in sel.select(1.0):
            s = key.fileobj
            if key.data == "accept":
                accept_pending()
            elif key.data == "ctl":
                line = sys.stdin.readline().strip()
                if line == "count":
                    print("%.6f %d" % (time.monotonic(), counted[0]), flush=True)
                elif line in ("stop", ""):
                    for c in pipes + remote_ends:
                        c.close()
                    print("stopped", flush=True)
                    return 0
            elif direction == "down" and key.data == "remote":
                try:
                    s.send(chunk)
                except (BlockingIOError, InterruptedError):
                    pass
            elif direction == "down":
                data = s.recv(65536)
                if not data:
                    print("error: a download ended", flush=True)
                    return 1
                counted[0] += len(data)
            elif key.data == "pipe":
                try:
                    s.send(chunk)
                except (BlockingIOError, InterruptedError):
                    pass
            else:
                data = s.recv(65536)
                if not data:
                    print("error: an upload ended", flush=True)
                    return 1
                counted[0] += len(data)


class Load:
    def __init__(self, env, direction):
        self.p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--load", env.sock,
                                   direction, str(STREAMS)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=dict(os.environ))
        line = self.p.stdout.readline().strip()
        if line != "ready":
            self.p.kill()
            fail("the bulk load did not start: %r" % line)

    def count(self):
        self.p.stdin.write("count\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline().split()
        if len(line) != 2:
            fail("the bulk load stopped: %r" % line)
        return float(line[0]), int(line[1])

    def stop(self):
        self.p.stdin.write("stop\n")
        self.p.stdin.flush()
        out = self.p.stdout.readline().strip()
        self.p.wait(timeout=10)
        if out != "stopped":
            fail("the bulk load failed: %r" % out)


# ---- the echo ----

class EchoServer:
    """Echoes every byte at once; notes when each chunk came in and went out."""

    def __init__(self):
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(8)
        self.port = self.srv.getsockname()[1]
        self.seen = []          # (monotonic, bytes) of each chunk echoed
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self.echo, args=(c,), daemon=True).start()

    def echo(self, c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            try:
                data = c.recv(4096)
            except OSError:
                return
            if not data:
                c.close()
                return
            self.seen.append((time.monotonic(), len(data)))
            c.sendall(data)


class EchoClient:
    """A connection through the daemon to the echo server."""

    def __init__(self, sock_path, server):
        err, self.s = native_connect(sock_path, "127.0.0.1", server.port)
        if err != "OK":
            fail("echo CONNECT failed: %s" % err)
        self.rng = random.Random(11)
        self.n = 0

    def run(self, count, rtts, sends):
        """count round trips, message sizes taking turns; ms into rtts[size]."""
        try:
            for _ in range(count):
                size = SIZES[self.n % len(SIZES)]
                msg = bytes([0x41 + self.n % 26]) * size
                self.n += 1
                # A short random pause: an interactive user, not a tight loop
                # in step with any period of the chain.
                time.sleep(self.rng.uniform(0.001, 0.006))
                t0 = time.monotonic()
                self.s.sendall(msg)
                got = b""
                while len(got) < size:
                    chunk = self.s.recv(size - len(got))
                    if not chunk:
                        fail("the echo connection closed")
                    got += chunk
                t1 = time.monotonic()
                if got != msg:
                    fail("the echo came back changed")
                rtts.setdefault(size, []).append((t1 - t0) * 1000)
                sends.append((t0, t1, size))
        except socket.timeout:
            fail("an echo did not come back within 10 s")

    def close(self):
        self.s.close()


# ---- one direction at one rate ----

def measure(env, echo, direction, baud, samples, tracer):
    """One round: the echo alone, then the bulk streams with and without the
    echo in turns (BURSTS of each), so that other load on the machine weighs
    on both alike."""
    wire = baud / 10.0
    client = EchoClient(env.sock, echo)
    idle = {}
    client.run(samples, idle, [])
    load = Load(env, direction)
    time.sleep(WARMUP_S)
    loaded, sends = {}, []
    on = [0, 0.0]
    off = [0, 0.0]
    if tracer:
        tracer.start()
    t, b = load.count()
    for burst in range(BURSTS + 1):
        time.sleep(OFF_S)
        t1, b1 = load.count()
        off[0] += b1 - b
        off[1] += t1 - t
        if burst == BURSTS:
            break
        n = samples * (burst + 1) // BURSTS - samples * burst // BURSTS
        client.run(n, loaded, sends)
        t, b = load.count()
        on[0] += b - b1
        on[1] += t - t1
    breakdown = tracer.stop(sends) if tracer else None
    client.close()
    load.stop()
    env.wait_sockets_free(timeout=15)
    idle_all = [v for size in SIZES for v in idle[size]]
    loaded_all = [v for size in SIZES for v in loaded[size]]
    r = {
        "idle_p50_ms": statistics.median(idle_all),
        "idle_p95_ms": pct(idle_all, 95),
        "loaded_p50_ms": statistics.median(loaded_all),
        "loaded_p95_ms": pct(loaded_all, 95),
        "bulk_ratio": (on[0] / on[1]) / (off[0] / off[1]),
        "bulk_wire": on[0] / on[1] / wire,
        "alone_wire": off[0] / off[1] / wire,
        "breakdown": breakdown,
    }
    r["added_p95_ms"] = r["loaded_p95_ms"] - r["idle_p95_ms"]
    r["added_p95_frames"] = r["added_p95_ms"] / frame_ms(baud)
    return r


def verdicts(r, baud, ref=None, targets=False):
    """What this round misses: a list of reasons (empty: it passes)."""
    bulk_min = TARGET_BULK_RATIO_MIN if targets else BULK_RATIO_MIN
    frames_max = TARGET_ADDED_FRAMES_MAX if targets else ADDED_FRAMES_MAX
    scaling_max = TARGET_SCALING_MAX if targets else SCALING_MAX
    bad = []
    if r["bulk_ratio"] < bulk_min:
        bad.append("bulk_ratio %.3f < %.2f" % (r["bulk_ratio"], bulk_min))
    if r["added_p95_frames"] > frames_max:
        bad.append("added p95 %.1f ms = %.1f frame times > %.1f" %
                   (r["added_p95_ms"], r["added_p95_frames"], frames_max))
    if ref is not None and ref["added_p95_ms"] > 0:
        scale = r["added_p95_ms"] / ref["added_p95_ms"]
        if scale > scaling_max:
            bad.append("added p95 %.2fx the 2 Mbaud figure > %.1fx" % (scale, scaling_max))
    return bad


def line_of(direction, baud, r):
    return ("latency: %-4s %7d idle_p50_ms=%.2f idle_p95_ms=%.2f loaded_p50_ms=%.1f "
            "loaded_p95_ms=%.1f added_p95_ms=%.1f bulk_ratio=%.3f bulk_wire=%.3f "
            "added_p95_frames=%.1f" %
            (direction, baud, r["idle_p50_ms"], r["idle_p95_ms"], r["loaded_p50_ms"],
             r["loaded_p95_ms"], r["added_p95_ms"], r["bulk_ratio"], r["bulk_wire"],
             r["added_p95_frames"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=SAMPLES)
    ap.add_argument("--bauds", default=",".join(str(b) for b in BAUDS))
    ap.add_argument("--directions", default=",".join(DIRECTIONS))
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    args = ap.parse_args()
    bauds = [int(b) for b in args.bauds.split(",")]
    dirs = [{"d": "down", "u": "up"}.get(d, d) for d in args.directions.split(",")]
    echo = EchoServer()
    results = {}
    failures = []
    for baud in bauds:
        env = Env("latency-%d" % baud)
        extra = ()
        if args.trace:
            import latency_trace
            extra = latency_trace.Tracer.emu_args(os.path.join(env.dir, "esp-events.trace"))
        env.start_board("--baud", str(baud), "--esp-baud", str(baud), *extra)
        env.start_daemon(device={"path": env.board_link, "baud": str(baud)},
                         log={"level": "info"})
        st = env.status()
        if st["link.baud"] != baud:
            fail("the link runs at %d baud, not %d" % (st["link.baud"], baud))
        tracer = latency_trace.Tracer(env, echo, baud) if args.trace else None
        for direction in dirs:
            ref = results.get((direction, 2000000)) if baud != 2000000 else None
            best = None
            for rnd in range(args.rounds):
                r = measure(env, echo, direction, baud, args.samples, tracer)
                bad = verdicts(r, baud, ref, ENFORCE_TARGETS)
                log("round %d: %s%s" % (rnd + 1, line_of(direction, baud, r),
                                        "" if not bad else "  [" + "; ".join(bad) + "]"))
                if best is None or len(bad) < len(best[1]) or \
                        (len(bad) == len(best[1]) and r["added_p95_ms"] < best[0]["added_p95_ms"]):
                    best = (r, bad)
                if not bad:
                    break
            r, bad = best
            results[(direction, baud)] = r
            if r["breakdown"]:
                print(r["breakdown"])
            if bad:
                failures.append("%s %d: %s" % (direction, baud, "; ".join(bad)))
        env.check_no_leak(timeout=20)
        if env.stop(env.daemon) != 0:
            fail("the daemon did not stop cleanly")
        env.stop(env.board)
    for (direction, baud), r in results.items():
        print(line_of(direction, baud, r))
        target = verdicts(r, baud, results.get((direction, 2000000)) if baud != 2000000 else None,
                          True)
        print("  targets (added p95 <= %.1f frame times = %.1f ms, bulk_ratio >= %.2f%s): %s" %
              (TARGET_ADDED_FRAMES_MAX, TARGET_ADDED_FRAMES_MAX * frame_ms(baud),
               TARGET_BULK_RATIO_MIN,
               ", within %.1fx of 2 Mbaud" % TARGET_SCALING_MAX if baud != 2000000 else "",
               "met" if not target else "missed: " + "; ".join(target)))
    if failures:
        fail("; ".join(failures))
    print("bench-latency: 1 passed, 0 failed")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        sys.exit(load_main(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    main()
