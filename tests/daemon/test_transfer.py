#!/usr/bin/env python3
"""curl through SOCKS5 over the Unix socket: files of 1 KB to 4 MB arrive
intact, and 20 concurrent downloads share the five ESP links (queueing) and
all arrive intact.  Uploads: bytes a client sends reach the remote once and
in order (a hashing sink, and echo both ways on five streams at once), also
when the client closes its connection right after its last byte."""
import hashlib
import os
import socket
import struct
import subprocess
import threading
import time

from harness import Env, fail, log, native_connect, recv_exact, sha256_file, wait_for


sunk = []    # the sha256 of every upload the sink received whole


def start_servers():
    """A sink (length-prefixed data in, its sha256 out) and an echo server."""
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(16)
    echo = socket.socket()
    echo.bind(("127.0.0.1", 0))
    echo.listen(16)

    def sink_conn(c):
        with c:
            n = struct.unpack(">Q", recv_exact(c, 8))[0]
            h = hashlib.sha256()
            while n:
                chunk = c.recv(min(n, 65536))
                if not chunk:
                    return
                h.update(chunk)
                n -= len(chunk)
            sunk.append(h.hexdigest())
            try:
                c.sendall(h.hexdigest().encode())
            except OSError:
                pass

    def echo_conn(c):
        with c:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    return
                c.sendall(chunk)

    def serve(s, fn):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=fn, args=(c,), daemon=True).start()
    threading.Thread(target=serve, args=(sink, sink_conn), daemon=True).start()
    threading.Thread(target=serve, args=(echo, echo_conn), daemon=True).start()
    return sink.getsockname()[1], echo.getsockname()[1]

env = Env("transfer")
env.start_board("--baud", "0", "--esp-baud", "0")
env.start_http()
# The default limits: one user's 20 parallel downloads queue for the links.
env.start_daemon()

for name in ("f1024", "f65536", "f1048576", "f4194304"):
    out = os.path.join(env.dir, name + ".out")
    t0 = time.monotonic()
    r = env.curl(name, out, timeout=120)
    took = time.monotonic() - t0
    if r.returncode != 0:
        fail("%s: curl exit %d: %s" % (name, r.returncode, r.stderr.decode()))
    if sha256_file(out) != env.files[name]:
        fail("%s: sha256 differs" % name)
    log("%s: ok in %.2f s" % (name, took))

sink_port, echo_port = start_servers()


def upload(data):
    """A stream to the sink with data sent on it, its length first."""
    err, pipe = native_connect(env.sock, "127.0.0.1", sink_port)
    if err != "OK":
        fail("CONNECT to the sink: " + err)
    pipe.settimeout(120)
    pipe.sendall(struct.pack(">Q", len(data)) + data)
    return pipe


log("upload 1 MB to a hashing sink")
data = os.urandom(1 << 20)
pipe = upload(data)
digest = recv_exact(pipe, 64).decode()
pipe.close()
if digest != hashlib.sha256(data).hexdigest():
    fail("upload: the sink got different bytes")

log("upload 1 MB and close at once: the bytes still in the daemon go out")
data = os.urandom(1 << 20)
upload(data).close()
wait_for(lambda: hashlib.sha256(data).hexdigest() in sunk, 60,
         "the sink to receive the whole upload of a client that closed")

log("echo both ways on five streams at once")
results = []


def echo_stream(i):
    payload = os.urandom(256 * 1024)
    err, p = native_connect(env.sock, "127.0.0.1", echo_port)
    if err != "OK":
        results.append("stream %d: %s" % (i, err))
        return
    p.settimeout(120)
    got = bytearray()
    reader = threading.Thread(target=lambda: got.extend(recv_exact(p, len(payload))))
    reader.start()
    p.sendall(payload)
    reader.join(150)
    p.close()
    results.append(None if bytes(got) == payload else "stream %d: echo differs" % i)


threads = [threading.Thread(target=echo_stream, args=(i,)) for i in range(5)]
for t in threads:
    t.start()
for t in threads:
    t.join(200)
bad = [r for r in results if r]
if bad or len(results) != 5:
    fail("echo: " + "; ".join(bad or ["%d of 5 streams finished" % len(results)]))

log("20 concurrent downloads")
procs = []
t0 = time.monotonic()
for i in range(20):
    out = os.path.join(env.dir, "c%d.out" % i)
    procs.append((out, subprocess.Popen(
        ["curl", "-sS", "--max-time", "180", "-x", "socks5h://localhost" + env.sock, "-o", out,
         env.url("f65536" if i % 2 else "f1048576")], stderr=subprocess.PIPE)))
peak_queued = 0
while any(p.poll() is None for _, p in procs):
    peak_queued = max(peak_queued, env.status()["sockets.queued"])
    time.sleep(0.05)
for i, (out, p) in enumerate(procs):
    if p.returncode != 0:
        fail("download %d: curl exit %d: %s" % (i, p.returncode, p.stderr.read().decode()))
    if sha256_file(out) != env.files["f65536" if i % 2 else "f1048576"]:
        fail("download %d: sha256 differs" % i)
st = env.status()
log("20 downloads in %.1f s, at most %d queued for a link; streams opened %d, failed %d" %
    (time.monotonic() - t0, peak_queued, st["streams.opened"], st["streams.failed"]))
if peak_queued == 0:
    fail("20 downloads on five links, but none was seen waiting for a link")
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("transfer: 1 passed, 0 failed")
