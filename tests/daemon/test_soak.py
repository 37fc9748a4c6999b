#!/usr/bin/env python3
"""Soak: 500 fetches from nginx through the Unix socket and 500 through the
TCP SOCKS5 port -- one after the other, then 20 at a time; curl, and a
Python client that half-closes after its request -- from keep-alive and
close-after-answer URLs.  Every body arrives intact (SHA-256) and within 2 s
of the last fetch no board socket is held and every ESP link is free."""
import concurrent.futures
import hashlib
import itertools
import socket
import subprocess
import time

from harness import Env, fail, free_port, log, socks_connect

PER_WAY = 500
SEQUENTIAL = 100        # of each way's fetches, one after the other; the rest 20 at a time
PARALLEL = 20

env = Env("soak")
env.start_board("--baud", "0", "--esp-baud", "0")
env.start_nginx(sizes=(512, 4096, 65536))
tcp_port = free_port()
env.start_daemon(socket={"socks_port": str(tcp_port), "socks_address": "127.0.0.1"},
                 log={"level": "info"})
proxies = {"unix": env.sock, "tcp": ("127.0.0.1", tcp_port)}


def plan(i):
    """Fetch i: its file (mostly small), keep-alive or not, curl or the half-closer."""
    name = "f65536" if i % 25 == 0 else ("f4096" if i % 3 == 0 else "f512")
    return name, i % 4 == 1, "curl" if i % 2 == 0 else "python"


def fetch_curl(via, name, close):
    proxy = ("socks5h://localhost" + env.sock if via == "unix"
             else "socks5h://127.0.0.1:%d" % tcp_port)
    r = subprocess.run(["curl", "-sS", "--max-time", "60", "-x", proxy,
                        env.nginx_url(name, close)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=90)
    if r.returncode != 0:
        return "curl exit %d: %s" % (r.returncode, r.stderr.decode().strip())
    return r.stdout


def fetch_python(via, name, close):
    rep, s = socks_connect(proxies[via], "127.0.0.1", env.nginx_port, timeout=60)
    with s:
        if rep != 0:
            return "SOCKS reply %d" % rep
        s.sendall(("GET /%s%s HTTP/1.1\r\nHost: x\r\n\r\n" % ("close/" if close else "", name))
                  .encode())
        s.shutdown(socket.SHUT_WR)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return "the answer ended in its head"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int([h for h in head.split(b"\r\n")
                      if h.lower().startswith(b"content-length:")][0].split(b":")[1])
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                return "the body ended after %d of %d bytes" % (len(body), length)
            body += chunk
        return body


def fetch(via, i):
    name, close, how = plan(i)
    try:
        got = (fetch_curl if how == "curl" else fetch_python)(via, name, close)
    except (OSError, EOFError, subprocess.TimeoutExpired) as e:
        got = str(e)
    what = "%s fetch %d (%s, /%s%s)" % (via, i, how, "close/" if close else "", name)
    if isinstance(got, str):
        return "%s: %s" % (what, got)
    if hashlib.sha256(got).hexdigest() != env.nginx_files[name]:
        return "%s: the body differs (%d bytes)" % (what, len(got))
    return None


t_all = time.monotonic()
for via in ("unix", "tcp"):
    t0 = time.monotonic()
    for i in range(SEQUENTIAL):
        err = fetch(via, i)
        if err:
            fail(err)
    t1 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        errs = [e for e in pool.map(lambda i: fetch(via, i), range(SEQUENTIAL, PER_WAY)) if e]
    if errs:
        fail("%d of %d parallel fetches failed: %s" % (len(errs), PER_WAY - SEQUENTIAL,
                                                      "; ".join(errs[:5])))
    last = time.monotonic()
    st = env.check_no_leak(timeout=2)
    log("%s: %d fetches one after the other in %.1f s, %d %d at a time in %.1f s; "
        "in_use 0 and links_free 5 %.2f s after the last" % (
            via, SEQUENTIAL, t1 - t0, PER_WAY - SEQUENTIAL, PARALLEL, last - t1,
            time.monotonic() - last))
st = env.status()
log("%d fetches in %.1f s: streams opened %d, failed %d, reset %d" % (
    2 * PER_WAY, time.monotonic() - t_all, st["streams.opened"], st["streams.failed"],
    st["streams.reset"]))
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("soak: 1 passed, 0 failed")
