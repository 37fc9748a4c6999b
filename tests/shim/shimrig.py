"""The rig of the shim's integration tests (itest.py): the emulated boards
(k210-emu with espat-sim, the core built for Linux or the firmware image),
k210sockd beside them, a test's temporary directory and processes, and the
registry of tests.  Every board a test leaves running must hold no socket."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

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


def rate_is(stat, nominal):
    """A UART rate from the emulator's stats: the core's UARTs run at the rate asked for; the
    image's run at what their divisors make of their clocks, within 1% of it."""
    return abs(float(stat) - nominal) <= 0.01 * nominal


class Board:
    """A k210-emu process with its pty link and control socket."""

    def __init__(self, ctx, emu_args=(), esp_args=(), autojoin=True):
        self.ctx = ctx
        self.link = os.path.join(ctx.work, "board%d" % ctx.boards)
        self.ctl = self.link + ".ctl"
        ctx.boards += 1
        cmd = [ctx.args.emu, "--link", self.link, "--control", self.ctl, "--esp-sim", ctx.args.sim, "-v"]
        cmd += list(emu_args)
        if ctx.image:
            check(os.path.isfile(ctx.image), "K210_TEST_BOARD=image: no firmware image %s "
                  "(itest.py --image or K210_IMAGE_ELF)" % ctx.image)
            cmd += ["--image", ctx.image]
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

    def check_idle(self, seconds=10):
        """The board holds no socket and every ESP8285 link is free once its clients are gone."""
        end = time.monotonic() + seconds
        while True:
            stats = self.control("stats")
            if (stats["sockets_in_use"] == "0" and stats["links_free"] == "5" and
                    stats["rx_pool_free"] == stats["rx_pool_bytes"]):
                return stats
            check(time.monotonic() < end, "the board still holds sockets: sockets_in_use=%s links_free=%s "
                  "rx_pool_free=%s of %s" % (stats["sockets_in_use"], stats["links_free"],
                                             stats["rx_pool_free"], stats["rx_pool_bytes"]))
            time.sleep(0.1)

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


class Daemon:
    """k210sockd on a board's link, with its socket in the test's directory, and the k210sock CLI."""

    def __init__(self, ctx, board, device=None, **limits):
        check(ctx.args.daemon and ctx.args.cli, "this test needs --daemon and --cli")
        self.ctx = ctx
        self.sock = os.path.join(ctx.work, "k210sockd.sock")
        self.log = os.path.join(ctx.work, "daemon.log")
        conf = os.path.join(ctx.work, "k210sockd.conf")
        sections = {
            "device": dict({"path": board.link, "baud": "2000000"}, **(device or {})),
            "socket": {"path": self.sock, "mode": "0600", "group": ""},
            "limits": dict({"sockets_per_client": "64", "connect_timeout": "300"}, **limits),
            "log": {"level": os.environ.get("K210_ITEST_DAEMON_LOG", "info")},
        }
        with open(conf, "w") as f:
            for name, keys in sections.items():
                f.write("[%s]\n" % name + "".join("%s = %s\n" % kv for kv in keys.items()))
        self.proc = subprocess.Popen([ctx.args.daemon, "-d", "-f", conf], stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT)
        ctx.procs.append(self.proc)
        end = time.monotonic() + 20
        while True:
            st = self.status(expect=None) if os.path.exists(self.sock) else {}
            if st.get("board.state") == "attached" and st.get("wifi.state") == "got-ip" and "esp.baud" in st:
                break
            check(self.proc.poll() is None, "k210sockd exited")
            check(time.monotonic() < end, "the daemon did not attach the board: %s" % st)
            time.sleep(0.2)

    def cli(self, *args, expect=0, timeout=60, stdin=None):
        p = subprocess.run([self.ctx.args.cli, "-s", self.sock, "-q"] + [str(a) for a in args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, input=stdin)
        self.ctx.say("$ k210sock " + " ".join(str(a) for a in args) + " -> %d\n" % p.returncode +
                     (p.stdout + p.stderr).decode(errors="replace").rstrip())
        if expect is not None and p.returncode != expect:
            raise Failure("k210sock %s exited %d, expected %d: %s" % (args[0], p.returncode, expect,
                                                                   p.stderr.decode(errors="replace").strip()))
        return p

    def status(self, expect=0):
        """STATUS as a flat dict of dotted keys."""
        p = self.cli("--json", "status", expect=expect, timeout=15)
        if p.returncode != 0:
            return {}
        flat = {}

        def walk(prefix, node):
            for k, v in node.items():
                if isinstance(v, dict):
                    walk(prefix + k + ".", v)
                else:
                    flat[prefix + k] = v
        walk("", json.loads(p.stdout))
        return flat

    def check_idle(self, seconds=5):
        """Every board socket the daemon knows of is freed once its clients are gone."""
        end = time.monotonic() + seconds
        while True:
            st = self.status()
            if st["sockets.in_use"] == 0 and st["sockets.links_free"] == 5:
                return st
            check(time.monotonic() < end, "the daemon still holds board sockets: in_use=%s links_free=%s"
                  % (st["sockets.in_use"], st["sockets.links_free"]))
            time.sleep(0.1)


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
        # The firmware image every board runs, or None: the core built for Linux.
        self.image = None
        if os.environ.get("K210_TEST_BOARD") == "image":
            self.image = args.image or os.environ.get("K210_IMAGE_ELF") or "(none given)"

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
