"""Local servers for the board tests: they stand for the Internet behind
the emulated WiFi.  All listen on 127.0.0.1 on ports the kernel picks.

Stream protocol (one command line, then data):
  GET <n> <seed>          the server sends n bytes of pattern(seed), then closes
  PUT <n>                 the server reads n bytes, answers their SHA-256 in hex
                          and a newline, then closes
  BOTH <n> <seed> <m>     both at once: sends n bytes of pattern(seed) while
                          reading m bytes, then the SHA-256 line of what it read
  ECHO                    echoes everything until the client closes
  GET /bytes/<n> HTTP/1.0 an HTTP response with n bytes of pattern(0)
pattern(seed) is SHA-256("<seed>:0") || SHA-256("<seed>:1") || ..., the same
bytes k210-probe makes.
"""

import hashlib
import socket
import ssl
import threading
import time


def pattern(seed, n):
    out = bytearray()
    k = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, k)).digest()
        k += 1
    return bytes(out[:n])


def _recv_exact(conn, n, digest=None):
    got = 0
    while got < n:
        chunk = conn.recv(min(65536, n - got))
        if not chunk:
            raise ConnectionError("peer closed after %d of %d bytes" % (got, n))
        if digest:
            digest.update(chunk)
        got += len(chunk)


def _listener():
    """A TCP socket listening on 127.0.0.1 at a port the kernel picks."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


def _read_line(conn):
    line = b""
    while not line.endswith(b"\n") and len(line) < 200:
        c = conn.recv(1)
        if not c:
            break
        line += c
    return line.decode("ascii", "replace").strip()


class StreamServer:
    """The command protocol above, optionally over TLS, optionally with a
    small send buffer so that a slow reader back-pressures the sender."""

    def __init__(self, tls_context=None, sndbuf=None):
        self.tls = tls_context
        self.sndbuf = sndbuf
        self.sock = _listener()
        self.port = self.sock.getsockname()[1]
        self.log = []          # (command, started, sent_all, finished)
        self.errors = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.sndbuf:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.sndbuf)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self._command(conn)
        except (OSError, ConnectionError, ssl.SSLError) as e:
            with self.lock:
                self.errors.append(str(e))
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _command(self, conn):
        line = _read_line(conn)
        started = time.monotonic()
        words = line.split()
        sent = None
        if line.startswith("GET /bytes/"):
            n = int(words[1].split("/")[-1])
            while _read_line(conn):
                pass
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % n + pattern(0, n))
            sent = time.monotonic()
        elif words[:1] == ["GET"]:
            conn.sendall(pattern(int(words[2]), int(words[1])))
            sent = time.monotonic()
        elif words[:1] == ["PUT"]:
            d = hashlib.sha256()
            _recv_exact(conn, int(words[1]), d)
            conn.sendall(d.hexdigest().encode() + b"\n")
        elif words[:1] == ["BOTH"]:
            data = pattern(int(words[2]), int(words[1]))
            times = {}

            def send():
                conn.sendall(data)
                times["sent"] = time.monotonic()

            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            d = hashlib.sha256()
            _recv_exact(conn, int(words[3]), d)
            sender.join()
            sent = times.get("sent")
            conn.sendall(d.hexdigest().encode() + b"\n")
        elif words[:1] == ["ECHO"]:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                conn.sendall(chunk)
        with self.lock:
            self.log.append((line, started, sent, time.monotonic()))

    def close(self):
        self.sock.close()


class BannerServer:
    """Sends one byte as soon as a client connects (first-byte latency)."""

    def __init__(self):
        self.sock = _listener()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                conn.sendall(b"x")
            except OSError:
                pass
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    @staticmethod
    def _drain(conn):
        try:
            while conn.recv(4096):
                pass
        except OSError:
            pass
        conn.close()

    def close(self):
        self.sock.close()


class CloseServer:
    """Accepts and closes at once, after sending `greeting` if one is given
    (a server that refuses politely, or answers and hangs up)."""

    def __init__(self, greeting=b""):
        self.greeting = greeting
        self.sock = _listener()
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            try:
                if self.greeting:
                    conn.sendall(self.greeting)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.sock.close()


class UdpEchoServer:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(65536)
            except OSError:
                return
            self.count += 1
            self.sock.sendto(data, addr)

    def close(self):
        self.sock.close()


def tls_context(workdir):
    """A server context with a throwaway self-signed certificate (openssl CLI)."""
    import subprocess
    key, cert = workdir + "/key.pem", workdir + "/cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx
