#!/usr/bin/env python3
"""Clients that close first free their board socket, through the Unix socket
and the TCP SOCKS5 listener alike: curl fetching from nginx, which keeps the
connection alive (HTTP/1.1), a client that half-closes and then closes, one
that half-closes and reads the answer long after, and one that resets.  A
remote that closes right after answering frees it too; a half-closed client
that stays has its stream ended once the remote has been quiet for
half_close_timeout (the ESP8285 passes an end of input on only as a close).  Every case ends with
no board socket held within 2 s."""
import os
import socket
import struct
import subprocess
import time

from harness import Env, fail, free_port, log, socks_connect, wait_for

env = Env("clientclose")
env.start_board("--baud", "0", "--esp-baud", "0")
env.start_nginx()
tcp_port = free_port()
HALF_CLOSE = 2
env.start_daemon(socket={"socks_port": str(tcp_port), "socks_address": "127.0.0.1"},
                 limits={"half_close_timeout": str(HALF_CLOSE)})
proxies = {"unix": env.sock, "tcp": ("127.0.0.1", tcp_port)}


def curl(via, name, close=False):
    proxy = ("socks5h://localhost" + env.sock if via == "unix"
             else "socks5h://127.0.0.1:%d" % tcp_port)
    out = os.path.join(env.dir, "curl.out")
    r = subprocess.run(["curl", "-sS", "--max-time", "20", "-x", proxy, "-o", out,
                        env.nginx_url(name, close)], stderr=subprocess.PIPE, timeout=40)
    if r.returncode != 0:
        fail("curl via %s: exit %d: %s" % (via, r.returncode, r.stderr.decode()))
    return out


def read_response(s):
    """One HTTP/1.1 answer with a Content-Length; returns its body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            fail("the answer ended in its head: %r" % data[:200])
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = [int(h.split(b":")[1]) for h in head.split(b"\r\n")
              if h.lower().startswith(b"content-length:")]
    while len(body) < length[0]:
        chunk = s.recv(65536)
        if not chunk:
            fail("the answer ended after %d of %d bytes" % (len(body), length[0]))
        body += chunk
    return body


def fetch_half_close(via, name, read_after=0.0, then=None):
    rep, s = socks_connect(proxies[via], "127.0.0.1", env.nginx_port)
    if rep != 0:
        fail("SOCKS connect via %s: reply %d" % (via, rep))
    s.sendall(("GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % name).encode())
    s.shutdown(socket.SHUT_WR)
    time.sleep(read_after)
    body = read_response(s)
    if len(body) != int(name[1:]):
        fail("half-closed client via %s: %d bytes" % (via, len(body)))
    if then == "reset":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def no_leak(what):
    t0 = time.monotonic()
    env.check_no_leak(timeout=2)
    log("%s: board socket freed after %.2f s" % (what, time.monotonic() - t0))


for via in ("tcp", "unix"):
    # More fetches than the ESP has links: a leak shows as a hang at the sixth.
    for i in range(7):
        curl(via, "f4096")
    no_leak("curl via %s, nginx keeping the connection alive, 7 times" % via)
    curl(via, "f4096", close=True)
    no_leak("curl via %s, nginx closing after its answer" % via)
    for i in range(6):
        fetch_half_close(via, "f512")
    no_leak("half close then close via %s, 6 times" % via)
    fetch_half_close(via, "f65536", read_after=1.5)
    no_leak("half close, the answer read 1.5 s later, via %s" % via)
    fetch_half_close(via, "f512", then="reset")
    no_leak("half close then reset via %s" % via)

    log("a half-closed client that stays holds its socket until the remote has been quiet "
        "for half_close_timeout (%s s), then reads the end of the stream" % HALF_CLOSE)
    rep, s = socks_connect(proxies[via], "127.0.0.1", env.nginx_port)
    s.sendall(b"GET /f512 HTTP/1.1\r\nHost: x\r\n\r\n")
    s.shutdown(socket.SHUT_WR)
    read_response(s)
    t0 = time.monotonic()
    time.sleep(1)
    if env.status()["sockets.in_use"] != 1:
        fail("via %s: the socket of a client still reading was freed" % via)
    s.settimeout(HALF_CLOSE + 5)
    if s.recv(100) != b"":
        fail("via %s: data after the answer" % via)
    took = time.monotonic() - t0
    if took < HALF_CLOSE - 0.1:
        fail("via %s: the stream ended %.2f s after the answer, before half_close_timeout"
             % (via, took))
    no_leak("the stream of a half-closed client ended by the daemon after %.1f s via %s"
            % (took, via))
    s.close()

env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("clientclose: 1 passed, 0 failed")
