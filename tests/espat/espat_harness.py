"""Test harness for espat-sim: the simulator as a subprocess, and local TCP peers.

Sim talks to one simulator over stdin/stdout or its pty and checks replies byte for byte;
Server runs a handler per client on 127.0.0.1. Both clean up after themselves.
"""

import os
import random
import re
import select
import signal
import socket
import subprocess
import threading
import time

SIM = None  # path of the espat-sim binary, set by the test runner
BOOT_READY = b"\r\nready\r\n"
PSK = "k210sim-pass"
# Passive-mode notifications, which may come before any reply.
NOTE = re.compile(rb"\r\n\+IPD,\d+,\d+\r\n")
# Simulators and servers still running: a failed case leaves none behind.
RUNNING = []


def cleanup():
    for thing in list(RUNNING):
        thing.stop()


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Sim:
    """One simulator process and the bytes it has printed but the case has not consumed yet."""

    def __init__(self, *args, boot=True, pty_link=None):
        cmd = [SIM, "--boot-delay-ms", "50", "--join-ms", "40", *args]
        self.pty_link = pty_link
        if pty_link:
            cmd += ["--pty-link", pty_link]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
            deadline = time.time() + 5
            while not os.path.exists(pty_link):
                check(time.time() < deadline, "pty symlink never appeared")
                time.sleep(0.02)
            self.fd_in = self.fd_out = os.open(pty_link, os.O_RDWR | os.O_NOCTTY)
        else:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self.fd_in = self.proc.stdout.fileno()
            self.fd_out = self.proc.stdin.fileno()
        RUNNING.append(self)
        self.buf = bytearray()
        self.skipped = bytearray()  # URCs passed over while looking for a reply
        self.eof = False
        if boot:
            self.wait_boot()

    def fill(self, timeout):
        if self.eof:
            return False
        r, _, _ = select.select([self.fd_in], [], [], max(timeout, 0))
        if not r:
            return False
        try:
            data = os.read(self.fd_in, 65536)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        view = memoryview(data)
        while view:
            n = os.write(self.fd_out, view)
            view = view[n:]

    def expect(self, want, timeout=3.0):
        """The next bytes must be exactly want."""
        if isinstance(want, str):
            want = want.encode()
        deadline = time.time() + timeout
        while len(self.buf) < len(want) and time.time() < deadline:
            self.fill(deadline - time.time())
        got = bytes(self.buf[: len(want)])
        check(got == want, "expected %r, got %r" % (want, bytes(self.buf[: len(want) + 40])))
        del self.buf[: len(want)]

    def until(self, marker, timeout=5.0):
        """Everything up to and including marker."""
        if isinstance(marker, str):
            marker = marker.encode()
        deadline = time.time() + timeout
        while marker not in self.buf:
            check(time.time() < deadline, "timed out waiting for %r; have %r" % (marker, bytes(self.buf[-200:])))
            self.fill(deadline - time.time())
        end = self.buf.index(marker) + len(marker)
        out = bytes(self.buf[:end])
        del self.buf[:end]
        return out

    def quiet(self, duration):
        """Nothing at all may arrive for duration seconds."""
        deadline = time.time() + duration
        while time.time() < deadline:
            self.fill(deadline - time.time())
        check(not self.buf, "unexpected output %r" % bytes(self.buf[:100]))

    def expect_past_notes(self, want, timeout=3.0):
        """Like expect(), after any passive-mode +IPD notifications that came first."""
        deadline = time.time() + timeout
        while True:
            while len(self.buf) < 8 and time.time() < deadline:
                self.fill(deadline - time.time())
            if not self.buf.startswith(b"\r\n+IPD,"):
                break
            self.until(b"\r\n", timeout)
            self.until(b"\r\n", timeout)
        self.expect(want, max(deadline - time.time(), 0.1))

    def cmd(self, line, reply, timeout=3.0):
        self.send(line + "\r\n")
        self.expect(reply, timeout)

    def cmd_until(self, line, reply, timeout=5.0):
        """Repeats a query ending in OK until it gives reply, notifications aside (state that settles)."""
        if isinstance(reply, str):
            reply = reply.encode()
        deadline = time.time() + timeout
        while True:
            self.send(line + "\r\n")
            got = NOTE.sub(b"", self.until(b"OK\r\n", max(deadline - time.time(), 0.5)))
            if got == reply:
                return
            check(time.time() < deadline, "%s: still %r, expected %r" % (line, got, reply))
            time.sleep(0.05)

    def wait_boot(self):
        noise = self.until(BOOT_READY)
        check(len(noise) > 100, "boot noise missing")
        check(b"\x00" in noise and b"\xff" in noise, "boot noise lacks NUL/0xFF bytes")

    def setup(self, mux=True, join=True):
        self.cmd("ATE0", "ATE0\r\r\n\r\nOK\r\n")
        if join:
            self.cmd('AT+CWJAP_CUR="k210sim","%s"' % PSK, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
        if mux:
            self.cmd("AT+CIPMUX=1", "\r\nOK\r\n")

    def ipd_active(self, link, timeout=5.0):
        """Reads one active +IPD and returns its data."""
        head = self.until(b":", timeout)
        prefix = b"\r\n+IPD,%d," % link
        check(head.startswith(prefix), "expected %r, got %r" % (prefix, head))
        n = int(head[len(prefix):-1].split(b",")[0])
        self.expect(b"", 0)
        deadline = time.time() + timeout
        while len(self.buf) < n:
            check(time.time() < deadline, "short +IPD payload")
            self.fill(deadline - time.time())
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def stop(self):
        """Ends the simulator whatever its state (after a failure)."""
        RUNNING.remove(self)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        RUNNING.remove(self)
        if self.pty_link:
            self.proc.send_signal(signal.SIGTERM)
        else:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            rc = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("simulator did not exit at end of input")
        if self.pty_link:
            os.close(self.fd_in)
        else:
            self.proc.stdout.close()
        check(rc == 0, "simulator exit status %d" % rc)


class Server:
    """A TCP server on 127.0.0.1 running handler(conn) per client on its own thread."""

    def __init__(self, handler, sndbuf=None, rcvbuf=None):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if sndbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.conns = []
        RUNNING.append(self)
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            self.handler(conn)
        except OSError:
            pass

    def stop(self):
        self.close()

    def close(self):
        if self in RUNNING:
            RUNNING.remove(self)
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def echo_handler(conn):
    while True:
        data = conn.recv(4096)
        if not data:
            conn.close()
            return
        conn.sendall(data)


def source_handler(payload, close_after=True):
    """A handler that sends payload, then (unless told not to) closes a moment later."""
    def handler(conn):
        conn.sendall(payload)
        if close_after:
            time.sleep(0.2)
            conn.close()
    return handler


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pattern(n, seed=1):
    rnd = random.Random(seed)
    return bytes(rnd.getrandbits(8) for _ in range(n))


def send_data(sim, link, data):
    sim.cmd("AT+CIPSEND=%d,%d" % (link, len(data)), "\r\nOK\r\n> ")
    sim.send(data)
    sim.expect("\r\nRecv %d bytes\r\n\r\nSEND OK\r\n" % len(data))


