#!/usr/bin/env python3
"""Integration tests and benchmarks of the firmware core on the emulated
board: k210-emu (the real core on emulated UARTs) with espat-sim as its
ESP8285, driven by k210-probe, against local servers (testserver.py).
Every test runs in a fresh temporary directory and stops every process it
started, on success and on failure.

usage: itest.py --emu K210-EMU --probe K210-PROBE --sim ESPAT-SIM TEST...
       itest.py --list
"""

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tty

# The test server module is imported from the source tree: leave no bytecode there.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testserver  # noqa: E402

TESTS = {}


def test(name, bench=False):
    def register(fn):
        TESTS[name] = (fn, bench)
        return fn
    return register


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Board:
    """A k210-emu process with its pty link and control socket."""

    def __init__(self, ctx, emu_args=(), esp_args=(), autojoin=True):
        self.ctx = ctx
        self.link = os.path.join(ctx.work, "board%d" % ctx.boards)
        self.ctl = self.link + ".ctl"
        ctx.boards += 1
        cmd = [ctx.args.emu, "--link", self.link, "--control", self.ctl, "--esp-sim", ctx.args.sim, "-v"]
        cmd += list(emu_args)
        if autojoin:
            esp_args = ["--autojoin", "k210sim"] + list(esp_args)
        for a in esp_args:
            cmd += ["--esp-arg", a]
        self.log = open(self.link + ".log", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        ctx.boards_running.append(self)
        end = time.monotonic() + 5
        while not (os.path.exists(self.link) and os.path.exists(self.ctl)):
            check(self.proc.poll() is None, "k210-emu exited at start")
            check(time.monotonic() < end, "k210-emu did not publish its link")
            time.sleep(0.02)

    def probe(self, *args, baud=None, timeout=60, expect=0):
        """Run k210-probe; returns its key=value output as a dict (repeated keys: a list)."""
        cmd = [self.ctx.args.probe, "--link", self.link, "--timeout", str(timeout)]
        if baud:
            cmd += ["--baud", str(baud)]
        cmd += [str(a) for a in args]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout + 15)
        out = {}
        for line in p.stdout.decode(errors="replace").splitlines():
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
        text = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
        self.ctx.say("$ k210-probe " + " ".join(str(a) for a in args) + "\n" + text.rstrip())
        if expect is not None and p.returncode != expect:
            raise Failure("k210-probe %s exited %d, expected %d" % (args[0], p.returncode, expect))
        return {k: v[0] if len(v) == 1 else v for k, v in out.items()}

    def probe_bg(self, *args, baud=None, timeout=60):
        cmd = [self.ctx.args.probe, "--link", self.link, "--timeout", str(timeout)]
        if baud:
            cmd += ["--baud", str(baud)]
        cmd += [str(a) for a in args]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.ctx.procs.append(p)
        return p

    def control(self, command):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.ctl)
        s.sendall(command.encode() + b"\n")
        reply = b""
        while not (reply.endswith(b"ok\n") or b"error:" in reply):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        s.close()
        text = reply.decode()
        check(text.endswith("ok\n"), "control %s: %s" % (command, text.strip()))
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if self in self.ctx.boards_running:
            self.ctx.boards_running.remove(self)


class Context:
    def __init__(self, args, name):
        self.args = args
        self.name = name
        self.work = tempfile.mkdtemp(prefix="k210-shim-")
        self.boards = 0
        self.boards_running = []
        self.procs = []
        self.servers = []
        self.transcript = []

    def say(self, text):
        self.transcript.append(text)
        if self.args.verbose:
            print(text, flush=True)

    def server(self, cls, *a, **kw):
        s = cls(*a, **kw)
        self.servers.append(s)
        return s

    def cleanup(self, failed):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for b in list(self.boards_running):
            if failed and b.proc.poll() is None:
                try:
                    stats = b.control("stats")
                    print("--- %s stats\n%s" % (os.path.basename(b.link),
                          " ".join("%s=%s" % kv for kv in sorted(stats.items()))))
                except (OSError, Failure):
                    pass
            b.stop()
        for s in self.servers:
            s.close()
        if failed:
            for f in sorted(os.listdir(self.work)):
                if f.endswith(".log"):
                    with open(os.path.join(self.work, f), errors="replace") as fh:
                        lines = fh.readlines()
                    print("--- %s (last 40 lines)" % f)
                    print("".join(lines[-40:]), end="")
        shutil.rmtree(self.work, ignore_errors=True)


def children(pid):
    """The processes whose parent is pid (others may come and go while /proc is read)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                # The command name in parentheses may hold spaces: the fields after it are plain.
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(entry))
    return found


def transfer_ok(out, streams):
    check(out.get("failed") == "0", "transfer failed: %s" % out)
    check(out.get("streams") == str(streams), "stream count")


# ---- tests ----

@test("basic")
def t_basic(ctx):
    """Link at 2 Mbaud, ESP UART raised to 2 Mbaud, device info, DNS, scan."""
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    info = board.probe("info", baud=2000000)
    check(info["usb_baud"] == "2000000", "USB link not at 2 Mbaud: %s" % info["usb_baud"])
    check(info["esp_baud"] == "2000000", "ESP UART not at 2 Mbaud: %s" % info["esp_baud"])
    check(info["firmware"].startswith("k210sockd-shim"), "firmware name")
    check(info["at_version"].startswith("1.7"), "AT version")
    check(info["links_free"] == "5" and info["caps"] == "15", "links and caps")
    check(board.probe("resolve", "localhost")["ip"] == "127.0.0.1", "resolve localhost")
    bad = board.probe("resolve", "nothing.invalid", expect=1)
    check(bad["error_code"] == "17", "a .invalid name must give ENOHOST")
    scan = board.probe("wifi-scan")
    check(scan["count"] == "1" and scan["ap"].startswith("k210sim,"), "scan result")
    status = board.probe("wifi-status")
    check(status["state"] == "3" and status["ssid"] == "k210sim", "wifi status")
    stats = board.control("stats")
    check(stats["host_baud"] == "115200", "the link goes back to 115200 when the session ends")
    check(stats["esp_baud"] == "2000000", "ESP UART rate in the emulator")


@test("transfer")
def t_transfer(ctx):
    """Five sockets, 1 MB each way at once, checked byte for byte and by SHA-256."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "4000000", "--esp-baud", "4000000"])
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 5, "--down", 1 << 20,
                      "--up", 1 << 20, baud=4000000, timeout=50)
    transfer_ok(out, 5)


@test("udp")
def t_udp(ctx):
    """A bound UDP socket: datagrams out with an address, echoes back with the sender's."""
    udp = ctx.server(testserver.UdpEchoServer)
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    out = board.probe("udp-echo", "127.0.0.1", udp.port, "--count", 30, "--size", 700)
    check(out["received"] == "30" and out["from_port"] == str(udp.port), "UDP echoes: %s" % out)


@test("listen")
def t_listen(ctx):
    """LISTEN on the ESP: two clients connect, their bytes come back."""
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = board.probe_bg("listen", port, "--count", 2)
    line = p.stdout.readline().decode()
    check(line.startswith("listening="), "no listener: %r" % line)
    for i in range(2):
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        data = testserver.pattern(7 + i, 20000)
        c.sendall(data)
        got = b""
        while len(got) < len(data):
            chunk = c.recv(65536)
            check(chunk, "echo ended early")
            got += chunk
        check(got == data, "echo differs")
        c.close()
    out, err = p.communicate(timeout=30)
    ctx.say(out.decode() + err.decode())
    check(p.returncode == 0, "listen failed")
    check(out.decode().count("accepted=") == 2, "two accepted connections")


@test("slow-reader")
def t_slow_reader(ctx):
    """A client that reads slowly loses nothing, and the remote sender is held back."""
    srv = ctx.server(testserver.StreamServer, sndbuf=8192)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    size, rate = 400000, 80000
    out = board.probe("transfer", "127.0.0.1", srv.port, "--down", size, "--read-rate", rate,
                      "--window", 16384, baud=2000000)
    transfer_ok(out, 1)
    secs = float(out["seconds"])
    check(secs >= 0.8 * size / rate, "the reader was not slow: %.1f s" % secs)
    cmd, started, sent, finished = srv.log[-1]
    check(sent is not None and sent - started >= 0.6 * size / rate,
          "the server was not held back: it sent everything in %.2f s" % (sent - started))


def interrupted_transfer(ctx, board, srv, action):
    p = board.probe_bg("transfer", "127.0.0.1", srv.port, "--down", 4000000, "--expect-fail",
                       baud=2000000, timeout=40)
    time.sleep(2)
    check(p.poll() is None, "the transfer ended before the reset")
    board.control(action)
    out, err = p.communicate(timeout=30)
    text = out.decode() + err.decode()
    ctx.say(text)
    check(p.returncode == 0, "the transfer must fail")
    check("why=connection reset" in text, "the socket must fail with ECONNRESET")
    board.probe("wait-wifi", "15")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 100000, "--up", 50000,
                      baud=2000000)
    transfer_ok(out, 2)


@test("board-reset")
def t_board_reset(ctx):
    """A board reset mid-transfer fails the socket; new connections work after it."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    interrupted_transfer(ctx, board, srv, "reset")
    check(board.control("stats")["board_resets"] == "2", "one board reset")


@test("esp-reset")
def t_esp_reset(ctx):
    """An ESP8285 reset mid-transfer fails the socket; the board recovers."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    interrupted_transfer(ctx, board, srv, "esp-reset")
    stats = board.control("stats")
    check(stats["esp_resets"] == "1", "the core saw one ESP reset: %s" % stats["esp_resets"])
    check(stats["esp_baud"] == "2000000", "the ESP UART is raised again")


@test("at11")
def t_at11(ctx):
    """Factory AT 1.1: no passive receive, data arrives unsolicited; still checked whole."""
    srv = ctx.server(testserver.StreamServer)
    # Without passive receive nothing holds the remote back: the ESP UART must be
    # slower than the USB line, or the board's buffer overflows (ENOBUFS, by design).
    # (A quarter of the USB rate leaves room for the emulator being scheduled late on a busy machine.)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "500000"], ["--at-version", "1.1"])
    board.probe("wait-wifi", "10")
    info = board.probe("info")
    check(info["caps"] == "14" and info["at_version"].startswith("1.1"), "AT 1.1 without passive receive")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 200000, "--up", 100000,
                      baud=2000000)
    transfer_ok(out, 2)


@test("at2")
def t_at2(ctx):
    """ESP-AT 2.x spellings and reply formats."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--at-version", "2"])
    board.probe("wait-wifi", "10")
    check(board.probe("info")["at_version"].startswith("2."), "AT 2.x")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 300000, "--up", 100000,
                      baud=2000000)
    transfer_ok(out, 2)
    check(board.probe("resolve", "localhost")["ip"] == "127.0.0.1", "resolve on 2.x")


@test("tls")
def t_tls(ctx):
    """TLS terminated on the ESP8285 to a local TLS server."""
    srv = ctx.server(testserver.StreamServer, tls_context=testserver.tls_context(ctx.work))
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--tls", "--down", 200000, "--up", 100000,
                      baud=2000000)
    transfer_ok(out, 1)


@test("noise")
def t_noise(ctx):
    """Bit errors and lost bytes on the USB line: the link repairs them, the data is whole."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000", "--ber", "2e-6", "--drop", "2e-6",
                        "--seed", "7"])
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 400000, "--up", 200000,
                      baud=2000000)
    transfer_ok(out, 2)
    stats = board.control("stats")
    check(int(stats["host_flipped"]) + int(stats["host_dropped"]) > 0, "no noise was injected")


@test("unplug")
def t_unplug(ctx):
    """Unplug takes the pty away; replug brings a fresh board at the same path."""
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    board.control("unplug")
    check(not os.path.lexists(board.link), "the symlink must go on unplug")
    board.probe("info", timeout=2, expect=3)
    board.control("unplug-for 0.5")
    check(not os.path.lexists(board.link), "unplugged for a while: no symlink at first")
    end = time.monotonic() + 10
    while not os.path.lexists(board.link):
        check(time.monotonic() < end, "the symlink must come back")
        time.sleep(0.05)
    board.probe("wait-wifi", "10")
    stats = board.control("stats")
    check(stats["plugged"] == "1" and stats["replugs"] == "1", "replug counted")


@test("get")
def t_get(ctx):
    """An HTTP GET through the board, and the first-byte latency of a connection."""
    srv = ctx.server(testserver.StreamServer)
    banner = ctx.server(testserver.BannerServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    out = board.probe("get", "127.0.0.1", srv.port, "/bytes/150000", baud=2000000)
    check(out["status"] == "200" and out["bytes"] == "150000", "HTTP body")
    check(out["sha256"] == hashlib.sha256(testserver.pattern(0, 150000)).hexdigest(), "HTTP body checksum")
    fb = board.probe("first-byte", "127.0.0.1", banner.port, "--count", 10, baud=2000000)
    check(float(fb["median_ms"]) < 100, "first byte takes too long: %s ms" % fb["median_ms"])
    # connect: stdin to the socket, the socket to stdout, until the remote closes.
    p = subprocess.run([ctx.args.probe, "--link", board.link, "--timeout", "20", "connect", "127.0.0.1",
                        str(srv.port)], input=b"GET 5000 9\n", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    check(p.returncode == 0, "connect failed: %s" % p.stderr.decode())
    check(p.stdout.startswith(testserver.pattern(9, 5000)), "connect: the remote's bytes on stdout")


@test("lifecycle")
def t_lifecycle(ctx):
    """Signals, the control socket's errors, a dying espat-sim, and a clean exit."""
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    board.proc.send_signal(signal.SIGUSR1)
    board.probe("wait-wifi", "10")
    board.proc.send_signal(signal.SIGUSR2)
    time.sleep(0.5)
    board.probe("wait-wifi", "10")
    stats = board.control("stats")
    check(stats["board_resets"] == "2" and stats["esp_pulses"] == "1", "SIGUSR1/SIGUSR2: %s" % stats)
    # RESET from the host: the board answers, reboots, and a new session follows.
    board.probe("reset", "board")
    board.probe("wait-wifi", "10")
    board.probe("reset", "esp")
    board.probe("wait-wifi", "10")
    stats = board.control("stats")
    check(stats["board_resets"] == "3", "RESET what=BOARD reboots the board: %s" % stats["board_resets"])
    check(int(stats["esp_resets"]) >= 1, "the core saw the ESP8285 restart")
    for bad in ["frobnicate", "noise 2 0", "unplug-for soon", "unplug now"]:
        try:
            board.control(bad)
            raise Failure("control accepted %r" % bad)
        except Failure as e:
            check("error:" in str(e), "control %r: %s" % (bad, e))
    board.control("noise 0.00001 0")
    board.proc.terminate()
    check(board.proc.wait(5) == 0, "k210-emu exit status after SIGTERM")
    check(not os.path.lexists(board.link) and not os.path.exists(board.ctl), "link and control socket removed")
    board.stop()
    # espat-sim dying takes the board down with a message.
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    sim = children(board.proc.pid)
    check(len(sim) == 1, "one espat-sim child")
    os.kill(sim[0], signal.SIGKILL)
    check(board.proc.wait(5) == 1, "k210-emu must exit 1 when espat-sim dies")
    board.stop()
    with open(board.link + ".log") as f:
        check("espat-sim killed by signal 9" in f.read(), "the exit says why")
    # A file at the link path that is not a symlink is never replaced.
    keep = os.path.join(ctx.work, "not-a-link")
    with open(keep, "w") as f:
        f.write("keep")
    p = subprocess.run([ctx.args.emu, "--link", keep, "--esp-sim", ctx.args.sim], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    check(p.returncode == 1 and b"cannot publish" in p.stdout, "k210-emu must refuse a regular file: %r" % p.stdout)
    with open(keep) as f:
        check(f.read() == "keep", "the file at the link path was replaced")


# ---- benchmarks (ctest label "bench") ----
#
# A benchmark's figure is a ratio to the wire limit (baud/10 bytes/s).  A
# machine busy with other work makes an emulated line slower than the baud
# rate says, so each round also measures a bare paced line (k210-emu
# --raw-source: the same pacing, no firmware, no ESP8285) and the verdict
# uses the chain's figure over that baseline.  Rounds repeat, up to
# BENCH_ROUNDS, until one meets the target: a spoiled round is measured again.

BENCH_BAUD = 2000000
BENCH_ROUNDS = 4
BENCH_TARGET = 0.85        # of the wire limit, on a quiet machine
BENCH_RAW_QUIET = 0.99     # what a bare paced line delivers on a quiet machine


def raw_line_ratio(ctx, baud=BENCH_BAUD, seconds=2.0):
    """Bytes a bare paced line delivers now, as a ratio of baud/10."""
    link = os.path.join(ctx.work, "raw%d" % ctx.boards)
    ctx.boards += 1
    log = open(link + ".log", "w")
    p = subprocess.Popen([ctx.args.emu, "--link", link, "--raw-source", "--baud", str(baud)],
                         stdout=log, stderr=subprocess.STDOUT)
    ctx.procs.append(p)
    try:
        end = time.monotonic() + 5
        while not os.path.exists(link):
            check(p.poll() is None and time.monotonic() < end, "k210-emu --raw-source did not start")
            time.sleep(0.02)
        fd = os.open(link, os.O_RDONLY | os.O_NOCTTY)
        try:
            tty.setraw(fd)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 0.3:         # settle: the start is not steady
                os.read(fd, 65536)
            got, t0 = 0, time.monotonic()
            while time.monotonic() - t0 < seconds:
                got += len(os.read(fd, 65536))
            rate = got / (time.monotonic() - t0)
        finally:
            os.close(fd)
    finally:
        p.terminate()
        p.wait(5)
        log.close()
    return rate / (baud / 10)


def bench_download(ctx, streams, size):
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", str(BENCH_BAUD), "--esp-baud", str(BENCH_BAUD)])
    board.probe("wait-wifi", "10")
    out = board.probe("bench-download", "127.0.0.1", srv.port, streams, "--size", size, baud=BENCH_BAUD,
                      timeout=50)
    transfer_ok(out, streams)
    board.stop()
    srv.close()
    ctx.servers.remove(srv)
    return out


def bench_rounds(ctx, streams, size, good):
    """Baseline and download in turns; returns (out, raw) of the best round."""
    best = None
    for rnd in range(BENCH_ROUNDS):
        raw = raw_line_ratio(ctx)
        out = bench_download(ctx, streams, size)
        ratio = float(out["aggregate_ratio"])
        print("round %d: %.3f of the wire; bare paced line %.3f; figure %.3f of the bare line"
              % (rnd + 1, ratio, raw, ratio / raw), flush=True)
        if best is None or ratio / raw > float(best[0]["aggregate_ratio"]) / best[1]:
            best = (out, raw)
        if good(out, raw):
            break
    return best


def bench_ratio_ok(out, raw):
    """The target on a quiet machine, or the same share of what the machine's paced line delivers."""
    ratio = float(out["aggregate_ratio"])
    return ratio >= BENCH_TARGET or ratio / raw >= BENCH_TARGET / BENCH_RAW_QUIET


@test("bench-one", bench=True)
def b_one(ctx):
    """One TCP download, USB link and ESP UART at 2 Mbaud: target 85% of 200 KB/s (of a bare paced line)."""
    out, raw = bench_rounds(ctx, 1, 1500000, bench_ratio_ok)
    ratio = float(out["aggregate_ratio"])
    print("bench-one: %s bytes/s = %.3f of the wire limit (baud/10 = 200000 bytes/s); a bare paced line "
          "%.3f; %.3f of it" % (out["aggregate_Bps"], ratio, raw, ratio / raw))
    check(bench_ratio_ok(out, raw), "one download reached %.3f of the wire, %.3f of a bare paced line "
          "(%.3f): target 0.85 of the wire, %.3f of the line" %
          (ratio, ratio / raw, raw, BENCH_TARGET / BENCH_RAW_QUIET))


@test("bench-five", bench=True)
def b_five(ctx):
    """Five parallel downloads: aggregate 85% of the wire (of a bare paced line), each within 10% of the mean."""
    def good(out, raw):
        return bench_ratio_ok(out, raw) and float(out["spread_pct"]) <= 10.0
    out, raw = bench_rounds(ctx, 5, 400000, good)
    ratio = float(out["aggregate_ratio"])
    spread = float(out["spread_pct"])
    print("bench-five: aggregate %s bytes/s = %.3f of the wire limit (a bare paced line %.3f; %.3f of it); "
          "streams %.3f..%.3f, spread %.1f%%"
          % (out["aggregate_Bps"], ratio, raw, ratio / raw, float(out["min_ratio"]), float(out["max_ratio"]),
             spread))
    for line in out["stream"] if isinstance(out["stream"], list) else [out["stream"]]:
        print("  stream=" + line)
    check(bench_ratio_ok(out, raw), "five downloads reached %.3f of the wire, %.3f of a bare paced line: "
          "target 0.85 of the wire, %.3f of the line" % (ratio, ratio / raw, BENCH_TARGET / BENCH_RAW_QUIET))
    check(spread <= 10.0, "a stream is %.1f%% off the mean, target 10%%" % spread)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emu")
    ap.add_argument("--probe")
    ap.add_argument("--sim")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("tests", nargs="*")
    args = ap.parse_args()
    if args.list:
        for name, (fn, bench) in TESTS.items():
            print("%-12s %s%s" % (name, "[bench] " if bench else "", fn.__doc__.strip()))
        return 0
    if not (args.emu and args.probe and args.sim) or not args.tests:
        ap.error("--emu, --probe, --sim and at least one test are needed")
    failed = 0
    for name in args.tests:
        if name not in TESTS:
            print("unknown test %s" % name)
            return 2
        ctx = Context(args, name)
        start = time.monotonic()
        ok = False
        try:
            TESTS[name][0](ctx)
            ok = True
        except (Failure, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
            if not args.verbose:
                print("\n".join(ctx.transcript[-12:]))
        finally:
            ctx.cleanup(not ok)
        print("%s %s (%.1f s)" % ("ok" if ok else "FAIL", name, time.monotonic() - start), flush=True)
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
