"""Test harness for k210sockd: starts the real binaries on temporary paths
(a board -- the emulated one or the stand-in fakeboard --, the daemon, a
local HTTP server) and speaks the native protocol.  Everything started is
stopped again at exit, and every wait has a deadline."""

import atexit
import hashlib
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("K210_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))

# Message types and errors (proto/proto.h).
HELLO, DEVICE_INFO, RESET, WIFI_STATUS, WIFI_JOIN, WIFI_SCAN, WIFI_LEAVE, RESOLVE, STATUS, \
    SUBSCRIBE = range(1, 11)
CONNECT, UDP_BIND, LISTEN, ACCEPT, CLOSE, SETSOCKOPT = range(0x10, 0x16)
DATA, DATAGRAM, CREDIT = 0x20, 0x21, 0x22
EV_CLOSED, EV_ACCEPTED, EV_WIFI, EV_DEVICE, EV_LOG = range(0x40, 0x45)
RESPONSE = 0x80
ERR = {0: "OK", 1: "EINVAL", 2: "ENOTSUP", 3: "ENOBUFS", 4: "EMFILE", 5: "EBADF", 6: "EBUSY",
       7: "EAGAIN", 8: "ENETDOWN", 9: "EHOSTUNREACH", 10: "ECONNREFUSED", 11: "ECONNRESET",
       12: "ETIMEDOUT", 13: "ENOTCONN", 14: "EADDRINUSE", 15: "EMSGSIZE", 16: "EACCES",
       17: "ENOHOST", 18: "EAUTH", 19: "ENOAP", 20: "EIO", 21: "EPROTO", 22: "ENODEV",
       23: "EVERSION", 24: "ECANCELED", 25: "EPIPE", 26: "EALREADY", 27: "ECONNABORTED"}
ERRNO = {v: k for k, v in ERR.items()}

_procs = []
_dirs = []


def fail(msg):
    """Report, show the end of every log of the run, and exit 1."""
    print("FAIL: " + msg, flush=True)
    for d in _dirs:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(".log"):
                with open(os.path.join(d, name), errors="replace") as f:
                    lines = f.read().splitlines()[-150:]
                print("---- %s (last %d lines)" % (name, len(lines)))
                print("\n".join(lines))
    sys.stdout.flush()
    sys.exit(1)


def log(msg):
    print(msg, flush=True)


def _cleanup():
    for p in reversed(_procs):
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            except OSError:
                pass
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, lambda s, f: sys.exit(1))


def temp_dir(prefix):
    """A directory removed at exit, whose logs fail() shows."""
    d = tempfile.mkdtemp(prefix=prefix)
    _dirs.append(d)
    return d


def track(p):
    """Stop process p at exit (SIGTERM, then SIGKILL)."""
    _procs.append(p)
    return p


def spawn(argv, logfile, cwd=None, environ=None, user=None):
    """Start a program in a session of its own, its output to logfile; stopped at exit.
    user (a name): run it as that user (when the harness runs as root)."""
    env = dict(os.environ)
    env.update(environ or {})
    ids = {}
    if user is not None and os.geteuid() == 0:
        pw = pwd.getpwnam(user)
        ids = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    with open(logfile, "ab") as logf:
        return track(subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, cwd=cwd,
                                      start_new_session=True, env=env, **ids))


def binary(*names):
    """Find a built program in the build tree."""
    for name in names:
        for sub in ("daemon", "daemon/netif", "tests/daemon", "firmware-shim/port/host", "firmware-shim",
                    "espat-sim", "tests/shim", "tests/proto", "daemon/cli", "bin", "."):
            p = os.path.join(BUILD, sub, name)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return os.path.abspath(p)
    return None


def test_board():
    """Which board the tests run against (K210_TEST_BOARD): "emu" (k210-emu
    running the firmware core built for Linux; the default), "image" (k210-emu
    --image: the K210 firmware image itself on an emulated CPU) or "fake" (the
    stand-in board, where a test allows it)."""
    return os.environ.get("K210_TEST_BOARD") or "emu"


def firmware_image():
    """The K210 firmware image k210-emu --image runs (K210_IMAGE_ELF, else the build tree's)."""
    path = os.environ.get("K210_IMAGE_ELF") or os.path.join(BUILD, "firmware-shim", "k210",
                                                            "k210sockd-shim.elf")
    if not os.path.isfile(path):
        fail("K210_TEST_BOARD=image: no firmware image at %s (a build with K210_FIRMWARE=ON makes it)"
             % path)
    return os.path.abspath(path)


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    fail("timed out waiting for " + what)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sanitized(exe):
    """True when a binary is built with AddressSanitizer (RSS means little then)."""
    try:
        with open(exe, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log info;
events { worker_connections 512; }
http {
    access_log %(dir)s/access.log;
    client_body_temp_path %(dir)s/tmp/body;
    proxy_temp_path %(dir)s/tmp/proxy;
    fastcgi_temp_path %(dir)s/tmp/fastcgi;
    uwsgi_temp_path %(dir)s/tmp/uwsgi;
    scgi_temp_path %(dir)s/tmp/scgi;
    default_type application/octet-stream;
    keepalive_timeout 75s;
    keepalive_requests 10000;
    server {
        listen 127.0.0.1:%(port)d;
        root %(dir)s/www;
        location /close/ {
            alias %(dir)s/www/;
            keepalive_timeout 0;
        }
    }
}
"""


class Env:
    """A temporary directory with a board, a daemon and an HTTP server."""

    def __init__(self, name):
        self.dir = temp_dir("k210d-%s-" % name)
        self.sock = os.path.join(self.dir, "k210sockd.sock")
        self.board_link = os.path.join(self.dir, "board")
        self.control = os.path.join(self.dir, "control")
        self.conf = os.path.join(self.dir, "k210sockd.conf")
        self.daemon = None
        self.board = None
        self.http = None
        self.http_port = None
        self.daemon_log = os.path.join(self.dir, "daemon.log")
        self.emulated = False

    # --- the board ---
    def start_fakeboard(self, *args):
        fb = binary("k210-fakeboard")
        if not fb:
            fail("k210-fakeboard is not built")
        self.board = self._spawn([fb, "--link", self.board_link] + list(args), "fakeboard.log")
        wait_for(lambda: os.path.islink(self.board_link), 5, "the fakeboard's pty")
        return self.board

    def start_emu(self, *args, autojoin=True):
        """k210-emu; by default its ESP8285 boots joined to the simulated AP
        (saved credentials), otherwise the daemon's [wifi] has to join."""
        emu = binary("k210-emu")
        if not emu:
            fail("k210-emu is not built")
        extra = ["--esp-arg", "--autojoin", "--esp-arg", "k210sim"] if autojoin else []
        if test_board() == "image":
            extra += ["--image", firmware_image()]
        self.board = self._spawn([emu, "--link", self.board_link, "--control", self.control] +
                                 extra + list(args), "emu.log")
        self.emulated = True
        wait_for(lambda: os.path.islink(self.board_link), 10, "the emulated board's pty")
        return self.board

    def start_board(self, *emu_args, autojoin=True):
        """The emulated board (k210-emu + espat-sim), running the firmware image
        with K210_TEST_BOARD=image; K210_TEST_BOARD=fake substitutes the
        stand-in board where a test allows it."""
        if test_board() == "fake":
            return self.start_fakeboard()
        return self.start_emu(*emu_args, autojoin=autojoin)

    def chip_pid(self):
        """The emulated board's ESP8285: the espat-sim process k210-emu runs."""
        with open("/proc/%d/task/%d/children" % (self.board.pid, self.board.pid)) as f:
            kids = f.read().split()
        if not kids:
            fail("the emulated board runs no ESP8285 simulator")
        return int(kids[0])

    def emu_command(self, line, timeout=10):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.control)
        s.sendall(line.encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        s.close()
        return reply.decode().strip()

    # --- the daemon ---
    def write_conf(self, **sections):
        conf = {
            "device": {"path": self.board_link, "request_wait": "2", "reconnect_min": "0.05",
                       "reconnect_max": "0.5"},
            "socket": {"path": self.sock, "mode": "0666", "group": ""},
            "log": {"level": "debug"},
        }
        for sec, keys in sections.items():
            conf.setdefault(sec, {}).update(keys)
        with open(self.conf, "w") as f:
            for sec, keys in conf.items():
                f.write("[%s]\n" % sec)
                for k, v in keys.items():
                    f.write("%s = %s\n" % (k, v))
        return self.conf

    def start_daemon(self, wait_attached=True, extra_args=(), environ=None, **sections):
        if not os.path.exists(self.conf) or sections:
            self.write_conf(**sections)
        exe = binary("k210sockd")
        if not exe:
            fail("k210sockd is not built")
        self.daemon = self._spawn([exe, "-d", "-f", self.conf] + list(extra_args), "daemon.log",
                                  environ=environ)
        wait_for(lambda: os.path.exists(self.sock) or self.daemon.poll() is not None, 5,
                 "the daemon's socket")
        if self.daemon.poll() is not None:
            fail("the daemon exited: " + self.read_log())
        if wait_attached:
            self.wait_attached()
        return self.daemon

    def reload(self, expect="configuration reloaded", timeout=10):
        """SIGHUP, then wait for one more log line saying expect."""
        before = self.read_log().count(expect)
        self.daemon.send_signal(signal.SIGHUP)
        wait_for(lambda: self.read_log().count(expect) > before, timeout,
                 "the reload to say: " + expect)

    def read_log(self, name="daemon.log"):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def status(self):
        with Native(self.sock) as n:
            return n.status()

    def wait_attached(self, timeout=15):
        def attached():
            try:
                st = self.status()
            except OSError:
                return None
            if st.get("board.state") != "attached" or "board.firmware" not in st:
                return None
            # On the emulated board streams need the WiFi up.
            if self.emulated and st.get("wifi.state") != "got-ip":
                return None
            return st
        return wait_for(attached, timeout, "the board to attach (and its WiFi)")

    def wait_sockets_free(self, timeout=5):
        """Closing a board socket takes a round trip: wait for none in use."""
        return wait_for(lambda: self.status()["sockets.in_use"] == 0, timeout,
                        "every board socket to be closed")

    def check_no_leak(self, timeout=5, links=5):
        """The end of every test on a board: no board socket held, every ESP link
        free again (within timeout: closing takes a round trip to the board)."""
        last = {}

        def clean():
            try:
                last.update(self.status())
            except (OSError, EOFError):
                return False
            return last.get("sockets.in_use") == 0 and last.get("sockets.links_free") == links
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if clean():
                return last
            time.sleep(0.05)
        fail("board sockets leaked: sockets.in_use %s, sockets.links_free %s (expected 0 and %d)"
             % (last.get("sockets.in_use"), last.get("sockets.links_free"), links))

    # --- an HTTP server with files of the given sizes ---
    def start_http(self, sizes=(1024, 65536, 1 << 20, 4 << 20)):
        root = os.path.join(self.dir, "www")
        os.mkdir(root)
        self.files = {}
        for size in sizes:
            name = "f%d" % size
            with open(os.path.join(root, name), "wb") as f:
                f.write(os.urandom(size))
            self.files[name] = sha256_file(os.path.join(root, name))
        self.http = self._spawn([sys.executable, "-u", "-m", "http.server", "--bind",
                                 "127.0.0.1", "0"], "http.log", cwd=root)

        def port():
            m = re.search(r"port (\d+)", self.read_log("http.log"))
            return int(m.group(1)) if m else None
        self.http_port = wait_for(port, 10, "the HTTP server")
        return self.http_port

    # --- nginx: HTTP/1.1 keep-alive, and /close/ where it closes after each answer ---
    def start_nginx(self, sizes=(512, 4096, 65536)):
        """Debian's nginx on a free port and a configuration of its own, as an
        unprivileged user when the tests run as root.  Files f<size> are served
        at /NAME (keep-alive) and /close/NAME (the server closes after sending)."""
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(exe):
            fail("nginx is not installed (scripts/deps installs nginx-light)")
        base = os.path.join(self.dir, "nginx")
        root = os.path.join(base, "www")
        os.makedirs(os.path.join(base, "tmp"))
        os.mkdir(root)
        self.nginx_files = {}
        for size in sizes:
            name = "f%d" % size
            with open(os.path.join(root, name), "wb") as f:
                f.write(os.urandom(size))
            self.nginx_files[name] = sha256_file(os.path.join(root, name))
        self.nginx_port = free_port()
        conf = os.path.join(base, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"dir": base, "port": self.nginx_port})
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o711)
            nobody = pwd.getpwnam("nobody")
            for d, _, names in os.walk(base):
                for n in [d] + [os.path.join(d, n) for n in names]:
                    os.chown(n, nobody.pw_uid, nobody.pw_gid)
        self.nginx = self._spawn([exe, "-p", base, "-e", os.path.join(base, "error.log"),
                                  "-c", conf], "nginx.log", user="nobody")

        def listening():
            if self.nginx.poll() is not None:
                fail("nginx exited: " + self.read_log("nginx/error.log"))
            try:
                socket.create_connection(("127.0.0.1", self.nginx_port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for(listening, 10, "nginx to listen")
        return self.nginx_port

    def nginx_url(self, name, close=False):
        return "http://127.0.0.1:%d/%s%s" % (self.nginx_port, "close/" if close else "", name)

    def url(self, name):
        return "http://127.0.0.1:%d/%s" % (self.http_port, name)

    def curl(self, name, out, timeout=60, extra=()):
        cmd = ["curl", "-sS", "--max-time", str(timeout), "-x",
               "socks5h://localhost" + self.sock, "-o", out] + list(extra) + [self.url(name)]
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout + 10)

    def _spawn(self, argv, logname, cwd=None, environ=None, user=None):
        return spawn(argv, os.path.join(self.dir, logname), cwd=cwd, environ=environ, user=user)

    def stop(self, proc, sig=signal.SIGTERM, timeout=10):
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                return proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                fail("%s did not stop within %ds" % (proc.args[0], timeout))
        return proc.returncode


def msg(mtype, body=b""):
    return struct.pack(">BH", mtype, len(body)) + body


def s8(text):
    b = text.encode()
    return bytes([len(b)]) + b


class Native:
    """A native protocol client (blocking, with timeouts)."""

    def __init__(self, path, hello=True, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.tag = 0
        self.events = []
        if hello:
            r = self.request(HELLO, struct.pack(">BBI", 1, 0, 0) + s8("harness"))
            if r["err"] != 0:
                raise OSError("HELLO refused: " + ERR.get(r["err"], "?"))

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def close(self):
        self.s.close()

    def send(self, data):
        self.s.sendall(data)

    def read_msg(self):
        while True:
            if len(self.buf) >= 3:
                n = struct.unpack(">H", self.buf[1:3])[0]
                if len(self.buf) >= 3 + n:
                    m, self.buf = self.buf[:3 + n], self.buf[3 + n:]
                    return m[0], m[3:]
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def request(self, mtype, body=b""):
        """Send a request; return its response (events that come first are kept)."""
        self.tag = (self.tag + 1) & 0xffff
        tag = self.tag
        self.send(msg(mtype, struct.pack(">H", tag) + body))
        return self.wait_response(mtype, tag)

    def wait_response(self, mtype, tag):
        while True:
            t, body = self.read_msg()
            if t == mtype | RESPONSE and struct.unpack(">H", body[:2])[0] == tag:
                return {"type": t, "tag": tag, "err": body[2], "body": body[3:]}
            self.events.append((t, body))

    def next_event(self, types):
        for i, (t, body) in enumerate(self.events):
            if t in types:
                del self.events[i]
                return t, body
        while True:
            t, body = self.read_msg()
            if t in types:
                return t, body
            self.events.append((t, body))

    def status(self):
        r = self.request(STATUS)
        if r["err"]:
            raise OSError("STATUS: " + ERR[r["err"]])
        return parse_kv(r["body"])

    def resolve(self, host):
        r = self.request(RESOLVE, s8(host))
        if r["err"]:
            return ERR[r["err"]], []
        body = r["body"]
        return "OK", [socket.inet_ntoa(body[1 + 4 * i:5 + 4 * i]) for i in range(body[0])]


def parse_kv(body):
    count, pos, out = body[0], 1, {}
    for _ in range(count):
        klen = body[pos]
        key = body[pos + 1:pos + 1 + klen].decode()
        pos += 1 + klen
        kind = body[pos]
        pos += 1
        if kind == 0:
            out[key] = struct.unpack(">q", body[pos:pos + 8])[0]
            pos += 8
        else:
            slen = body[pos]
            out[key] = body[pos + 1:pos + 1 + slen].decode()
            pos += 1 + slen
    return out


def native_connect(path, host, port, kind=1, timeout=30):
    """CONNECT on a new connection; returns (err, socket) -- a byte pipe on success."""
    n = Native(path, timeout=timeout)
    r = n.request(CONNECT, struct.pack(">HBHHI", 0, kind, port, 0, 0) + s8(host))
    if r["err"]:
        n.close()
        return ERR[r["err"]], None
    return "OK", PipeSocket(n.s, n.buf) if n.buf else n.s


class PipeSocket:
    """A pipe whose first bytes came in one read with the CONNECT answer."""

    def __init__(self, s, first):
        self.s = s
        self.first = first

    def __getattr__(self, name):
        return getattr(self.s, name)

    def recv(self, n, *flags):
        if self.first:
            data, self.first = self.first[:n], self.first[n:]
            return data
        return self.s.recv(n, *flags)


def socks_connect(path, host, port, timeout=30):
    """SOCKS5 CONNECT over the Unix socket (path), or the TCP listener (path
    an (address, port) pair); returns (reply code, socket)."""
    tcp = isinstance(path, tuple)
    s = socket.socket(socket.AF_INET if tcp else socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall(b"\x05\x01\x00")
    if recv_exact(s, 2) != b"\x05\x00":
        raise AssertionError("SOCKS method refused")
    name = host.encode()
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", port))
    rep = recv_exact(s, 10)
    return rep[1], s


def expect_socks(path, host, port, want, what):
    """A SOCKS5 CONNECT must get reply code want; the connection is closed."""
    rep, s = socks_connect(path, host, port)
    s.close()
    if rep != want:
        fail("%s: SOCKS reply %d, expected %d" % (what, rep, want))


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def http_get_pipe(s, path):
    """Send an HTTP/1.0 GET on a pipe and read everything until EOF."""
    s.sendall(("GET /%s HTTP/1.0\r\nHost: x\r\n\r\n" % path).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body
