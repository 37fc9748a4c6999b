#!/usr/bin/env python3
"""The k210sock tool with the real k210sockd, on temporary paths.

  integration.py noboard K210SOCK K210SOCKD
      the daemon with no board: status says so, board commands exit 4, a
      missing socket exits 3.
  integration.py emulated K210SOCK K210SOCKD K210-EMU
      the daemon on the emulated board (k210-emu with espat-sim, whose
      sockets are the host's): status, WiFi, resolve, connect to a local echo
      server, UDP echo, listen/accept, bench against a local chargen server,
      and monitor showing the events of an ESP reset.

Every process started is stopped at exit and every wait has a deadline.
Exit status 77 (skipped) when a binary is missing.
"""
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

# The daemon's test harness: processes, temporary directories, logs, waits.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from harness import fail, free_port, spawn, temp_dir, track, wait_for  # noqa: E402
from harness import log as note  # noqa: E402


class Env:
    def __init__(self, k210sock, k210sockd):
        self.dir = temp_dir("k210sock-it-")
        self.k210sock = k210sock
        self.k210sockd = k210sockd
        self.sock = os.path.join(self.dir, "k210sockd.sock")
        self.board = os.path.join(self.dir, "board")
        self.control = os.path.join(self.dir, "control")
        self.conf = os.path.join(self.dir, "k210sockd.conf")

    def spawn(self, argv, logname):
        return spawn(argv, os.path.join(self.dir, logname))

    def start_emu(self, emu):
        # The USB line paced at the daemon's rate (bench figures mean something);
        # the ESP8285's UART unthrottled, so that the link is what is measured.
        self.emu = self.spawn([emu, "--link", self.board, "--control", self.control,
                               "--baud", "2000000", "--esp-baud", "0"], "emu.log")
        wait_for(lambda: os.path.islink(self.board), 15, "the emulated board's pty")

    def start_daemon(self):
        with open(self.conf, "w") as f:
            f.write("[device]\npath = %s\nrequest_wait = 2\nreconnect_min = 0.05\n"
                    "reconnect_max = 0.5\n" % self.board)
            f.write("[socket]\npath = %s\nmode = 0666\ngroup =\n" % self.sock)
            f.write("[access]\nallow_listen = yes\nallow_udp = yes\n")
            f.write("[log]\nlevel = debug\n")
        self.daemon = self.spawn([self.k210sockd, "-d", "-f", self.conf], "daemon.log")
        wait_for(lambda: os.path.exists(self.sock) or self.daemon.poll() is not None, 10,
                 "the daemon's socket")
        if self.daemon.poll() is not None:
            fail("the daemon exited at start")

    def cli(self, *args, input=b"", timeout=60, check=None):
        """Run k210sock; returns (status, stdout, stderr)."""
        try:
            r = subprocess.run([self.k210sock, "-s", self.sock] + list(args), input=input,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            fail("k210sock %s: still running after %d s" % (" ".join(args), timeout))
        out, err = r.stdout, r.stderr.decode(errors="replace").strip()
        if check is not None and r.returncode != check:
            fail("k210sock %s: exit status %d, expected %d; stderr: %s"
                 % (" ".join(args), r.returncode, check, err))
        return r.returncode, out, err

    def cli_json(self, *args, timeout=60):
        _, out, _ = self.cli(*args, "--json", timeout=timeout, check=0)
        try:
            return json.loads(out)
        except ValueError as e:
            fail("k210sock %s --json: not JSON (%s): %r" % (" ".join(args), e, out[:300]))

    def cli_background(self, *args):
        return track(subprocess.Popen([self.k210sock, "-s", self.sock] + list(args),
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True))


def finish(p, timeout, what):
    if p.stdin and p.stdin.closed:
        p.stdin = None
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail("%s: still running after %d s; stderr: %s" % (what, timeout, err.decode(errors="replace")))
    return p.returncode, out, err.decode(errors="replace").strip()


# --- local servers on the host (the emulated ESP's network) ---------------------

def tcp_server(handler):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    s.settimeout(60)

    def loop():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]


def echo_handler(c):
    """Echo, and close once nothing came for a moment: an end of input cannot
    reach a remote through the ESP8285, so the remote ends the exchange."""
    c.settimeout(1.0)
    try:
        while True:
            data = c.recv(4096)
            if not data:
                break
            c.sendall(data)
    except OSError:
        pass
    c.close()


def sink_handler(c):
    """Read until the end of the input, then close: only an end of input
    that reaches the remote ends the exchange."""
    h = hashlib.sha256()
    c.settimeout(60)
    try:
        while True:
            data = c.recv(65536)
            if not data:
                break
            h.update(data)
        sunk.append(h.hexdigest())
    except OSError:
        pass
    c.close()


sunk = []


def chargen_handler(c):
    line = bytes(range(33, 127)) + b"\r\n"
    block = line * 64
    try:
        while True:
            c.sendall(block)
    except OSError:
        pass
    c.close()


def udp_echo():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))

    def loop():
        while True:
            try:
                data, addr = s.recvfrom(4096)
                s.sendto(data, addr)
            except OSError:
                return
    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]


# --- the tests ---------------------------------------------------------------------

def test_noboard(env):
    env.start_daemon()
    st = env.cli_json("status")
    if st.get("board", {}).get("state") != "absent" or "version" not in st.get("daemon", {}):
        fail("status without a board: %s" % st)
    rc, out, _ = env.cli("status", check=0)
    if b"absent" not in out:
        fail("status: the board's absence is not shown")
    for args in (("resolve", "example.org"), ("connect", "example.org", "80"),
                 ("udp", "192.0.2.1", "7"), ("wifi", "status"), ("wifi", "scan"), ("bench",)):
        rc, _, err = env.cli(*args)
        if rc != 4 or not err.endswith(": no board attached"):
            fail("k210sock %s without a board: exit %d, %s" % (" ".join(args), rc, err))
    rc, _, err = env.cli("resolve", "example.org")
    if err != "k210sock: resolve example.org: no board attached":
        fail("resolve without a board: message %r" % err)
    r = subprocess.run([env.k210sock, "-s", os.path.join(env.dir, "none.sock"), "status"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if r.returncode != 3:
        fail("status on a missing socket: exit %d" % r.returncode)
    note("no board: status, exit 4 for board commands, exit 3 without a daemon")


def ensure_wifi(env):
    ws = env.cli_json("wifi", "status")
    if ws["state"] != "got-ip":
        env.cli("wifi", "join", "k210sim", "k210sim-pass", timeout=90, check=0)
        ws = wait_for(lambda: (lambda w: w if w["state"] == "got-ip" else None)(
            env.cli_json("wifi", "status")), 30, "WiFi to get an address")
    return ws


def test_emulated(env, emu):
    env.start_emu(emu)
    env.start_daemon()
    st = wait_for(lambda: (lambda s: s if s.get("board", {}).get("state") == "attached" and
                           "firmware" in s["board"] else None)(env.cli_json("status")),
                  30, "the board to attach")
    if not st["link"]["baud"] > 0:
        fail("status: link.baud is %r" % st["link"]["baud"])
    _, out, _ = env.cli("status", check=0)
    if st["board"]["firmware"].encode() not in out:
        fail("status: the firmware version is not shown")
    note("status: board %s, %s, link %d baud" % (st["board"]["name"], st["board"]["firmware"],
                                                 st["link"]["baud"]))

    ws = ensure_wifi(env)
    note("wifi: %s on %s, %s" % (ws["state"], ws["ssid"], ws["ip"]))
    scan = env.cli_json("wifi", "scan", timeout=90)
    if not any(ap["ssid"] == "k210sim" for ap in scan["access_points"]):
        fail("wifi scan: k210sim not seen: %s" % scan)
    _, out, _ = env.cli("wifi", "scan", timeout=90, check=0)
    if b"k210sim" not in out:
        fail("wifi scan: k210sim not listed")

    r = env.cli_json("resolve", "localhost")
    if "127.0.0.1" not in r["addresses"]:
        fail("resolve localhost: %s" % r)
    rc, _, err = env.cli("resolve", "no-such-host.invalid")
    if rc != 1 or err != "k210sock: resolve no-such-host.invalid: name does not resolve":
        fail("resolve of a .invalid name: exit %d, %s" % (rc, err))
    note("resolve: localhost and a name that does not resolve")

    # The whole way of PING: k210sock, the daemon, the board's core, AT+PING on espat-sim.
    r = env.cli_json("ping", "127.0.0.1")
    if r.get("host") != "127.0.0.1" or not 0 <= r.get("rtt_ms", -1) < 1000:
        fail("ping 127.0.0.1: %s" % r)
    rc, _, err = env.cli("ping", "no-such-host.invalid")
    if rc != 1 or err != "k210sock: ping no-such-host.invalid: timed out":
        fail("ping of a .invalid name: exit %d, %s" % (rc, err))
    note("ping: 127.0.0.1 answered in %d ms, a name that does not resolve timed out" % r["rtt_ms"])

    port = tcp_server(echo_handler)
    payload = b"".join(b"line %d of the echo test\n" % i for i in range(200))
    _, out, _ = env.cli("connect", "127.0.0.1", str(port), input=payload, check=0)
    if out != payload:
        fail("connect to the echo server: %d bytes back of %d" % (len(out), len(payload)))
    closed = free_port()
    rc, _, err = env.cli("connect", "127.0.0.1", str(closed))
    if rc != 1 or err != "k210sock: connect 127.0.0.1:%d: connection refused" % closed:
        fail("connect to a closed port: exit %d, %s" % (rc, err))
    note("connect: %d bytes echoed; a closed port is refused" % len(payload))

    sport = tcp_server(sink_handler)
    upload = os.urandom(200000)
    t0 = time.monotonic()
    rc, _, err = env.cli("connect", "127.0.0.1", str(sport), input=upload, timeout=60)
    if rc != 0:
        fail("connect to a server reading until the end of input: exit %d, %s" % (rc, err))
    wait_for(lambda: hashlib.sha256(upload).hexdigest() in sunk, 10,
             "the sink to receive the whole upload and its end")
    note("connect: the end of input reached a sink (200000 bytes) in %.1f s"
         % (time.monotonic() - t0))
    keep = env.cli_background("connect", "--no-shutdown", "127.0.0.1", str(sport))
    keep.stdin.write(b"held open")
    keep.stdin.close()
    time.sleep(5)
    if keep.poll() is not None:
        fail("connect --no-shutdown ended after the end of input: exit %d" % keep.returncode)
    keep.kill()
    keep.wait()
    note("connect --no-shutdown: still open 5 s after the end of input")
    check_no_leak(env)

    uport = udp_echo()
    _, out, _ = env.cli("udp", "127.0.0.1", str(uport), input=b"ping\npong\n", check=0)
    if sorted(out.split()) != [b"ping", b"pong"]:
        fail("udp echo: got %r" % out)
    note("udp: two datagrams echoed")

    lport = free_port()
    listener = env.cli_background("listen", str(lport))
    listener.stdin.write(b"from the cli\n")
    listener.stdin.close()
    remote = wait_for(lambda: try_connect(lport), 20, "the board to listen on %d" % lport)
    remote.sendall(b"hello from the remote\n")
    got = b""
    remote.settimeout(20)
    while not got.endswith(b"\n"):
        chunk = remote.recv(100)
        if not chunk:
            break
        got += chunk
    if got != b"from the cli\n":
        fail("listen: the remote got %r" % got)
    remote.close()
    rc, out, err = finish(listener, 30, "listen")
    if rc != 0 or out != b"hello from the remote\n":
        fail("listen: exit %d, stdout %r, stderr %s" % (rc, out, err))
    note("listen: one connection accepted and relayed both ways")

    cport = tcp_server(chargen_handler)
    b = env.cli_json("bench", "--bytes", "1M", "127.0.0.1", str(cport), timeout=300)
    if b["bytes"] < 1 << 20 or not 0 < b["ratio"] <= 1 or b["link_baud"] != st["link"]["baud"]:
        fail("bench: %s" % b)
    note("bench: %d bytes in %.2f s, %.0f bytes/s = %.3f of the wire limit (%d baud); "
         "connect %.1f ms, first byte %.1f ms"
         % (b["bytes"], b["seconds"], b["bytes_per_s"], b["ratio"], b["link_baud"],
            b["connect_ms"]["avg"], b["first_byte_ms"]["avg"]))
    b = env.cli_json("bench", "--bytes", "1M", "--streams", "3", "127.0.0.1", str(cport),
                     timeout=300)
    if b["bytes"] < 1 << 20 or not 0 < b["ratio"] <= 1 or b["streams"] != 3:
        fail("bench, 3 streams: %s" % b)
    note("bench: 3 streams, %.0f bytes/s = %.3f of the wire limit" % (b["bytes_per_s"], b["ratio"]))
    rt = env.cli_json("bench")
    note("bench: board round trip %.2f ms average, %.2f ms max"
         % (rt["round_trip_ms"]["avg"], rt["round_trip_ms"]["max"]))

    monitor = env.cli_background("-v", "monitor", "--json")
    # With -v it says when it has subscribed: events from then on reach it.
    wait_for(lambda: any("waiting for events" in l for l in read_available(monitor, "stderr")),
             20, "monitor to subscribe")
    env.cli("reset", "esp", timeout=60, check=0)
    wait_for(lambda: any('"esp-reset"' in l for l in read_available(monitor)), 20,
             "monitor to show the ESP reset")
    monitor.send_signal(signal.SIGINT)
    try:
        monitor.wait(timeout=10)
    except subprocess.TimeoutExpired:
        fail("monitor did not stop on SIGINT")
    lines = read_available(monitor)
    events = []
    for l in lines:
        try:
            events.append(json.loads(l))
        except ValueError:
            fail("monitor --json: not JSON: %r" % l)
    if not any(e["event"] == "device" and e.get("what") == "esp-reset" for e in events):
        fail("monitor: no esp-reset event after reset esp: %s" % lines)
    note("monitor: %d events around an ESP reset" % len(events))
    check_no_leak(env, timeout=20)


def check_no_leak(env, timeout=5):
    """No board socket held, every ESP link free (status --json)."""
    last = {}

    def clean():
        last.update(env.cli_json("status").get("sockets", {}))
        return last.get("in_use") == 0 and last.get("links_free") == 5
    deadline = time.monotonic() + timeout
    while not clean():
        if time.monotonic() > deadline:
            fail("board sockets leaked: sockets %s" % last)
        time.sleep(0.1)


_output = {}


def read_available(p, stream="stdout"):
    """Every line p wrote so far to stream (read without blocking)."""
    fd = getattr(p, stream).fileno()
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    buf = _output.setdefault((p.pid, stream), b"")
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
    except BlockingIOError:
        pass
    _output[(p.pid, stream)] = buf
    return [l.decode(errors="replace") for l in buf.split(b"\n") if l]


def try_connect(port):
    try:
        return socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return None


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("noboard", "emulated"):
        print(__doc__)
        return 2
    mode, k210sock, k210sockd = sys.argv[1:4]
    needed = [k210sock, k210sockd] + ([sys.argv[4] if len(sys.argv) > 4 else ""]
                                      if mode == "emulated" else [])
    for exe in needed:
        if not exe or not os.access(exe, os.X_OK):
            print("SKIP: %s is not built" % (exe or "k210-emu"))
            return 77
    env = Env(k210sock, k210sockd)
    if mode == "noboard":
        test_noboard(env)
    else:
        test_emulated(env, sys.argv[4])
    print("k210sock integration (%s) passed" % mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
