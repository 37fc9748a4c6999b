#!/usr/bin/env python3
"""Bad input from local clients: each abuse gets its error or a disconnect,
the daemon keeps running, and a well-behaved client fetching files at the
same time does not notice."""
import os
import socket
import struct
import threading
import time

from harness import (Env, Native, fail, log, msg, s8, recv_exact, sha256_file,
                     HELLO, RESOLVE, STATUS, RESPONSE, ERR, ERRNO)

env = Env("badinput")
env.start_fakeboard()
env.start_http(sizes=(1 << 20,))
env.start_daemon(limits={"handshake_timeout": "1", "sockets_per_client": "64"})

# A good client downloading all along.
good = {"runs": 0, "errors": []}
stop = threading.Event()


def good_client():
    out = os.path.join(env.dir, "good.out")
    while not stop.is_set():
        r = env.curl("f1048576", out, timeout=30)
        if r.returncode != 0:
            good["errors"].append("curl exit %d: %s" % (r.returncode, r.stderr.decode()))
        elif sha256_file(out) != env.files["f1048576"]:
            good["errors"].append("hash mismatch")
        good["runs"] += 1


t = threading.Thread(target=good_client)
t.start()


def raw(data=b"", timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(env.sock)
    if data:
        s.sendall(data)
    return s


def read_all(s, limit=1 << 16):
    data = b""
    try:
        while len(data) < limit:
            chunk = s.recv(4096)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True
    return data, False


def response_err(data, mtype):
    if len(data) < 6 or data[0] != mtype | RESPONSE:
        return None
    return ERR.get(data[5])


def hello(major=1):
    return msg(HELLO, struct.pack(">HBBI", 1, major, 0, 0) + s8("bad"))


cases = []


def case(name):
    def wrap(fn):
        cases.append((name, fn))
        return fn
    return wrap


@case("random bytes")
def _():
    s = raw(bytes([0x17]) + os.urandom(300), timeout=3)
    data, closed = read_all(s)
    s.close()
    # Either an error answer or nothing, and the connection ends.
    if not closed:
        fail("random bytes: connection left open")


@case("oversized length")
def _():
    s = raw(hello())
    s.settimeout(3)
    if response_err(recv_exact_msg(s), HELLO) != "OK":
        fail("oversized message: HELLO was not accepted first")
    s.sendall(bytes([RESOLVE, 0xff, 0xff]) + b"\0" * 100)
    data, closed = read_all(s)
    s.close()
    if not closed:
        fail("oversized message: connection left open")


@case("unknown request type")
def _():
    with Native(env.sock) as n:
        n.send(msg(0x1e, struct.pack(">H", 77)))
        t, body = n.read_msg()
        if t != 0x1e | RESPONSE or body[2] != ERRNO["ENOTSUP"]:
            fail("unknown request: got type 0x%02x err %d" % (t, body[2]))
        if n.status().get("board.state") != "attached":
            fail("unknown request: the connection is not usable afterwards")


@case("unknown non-request type is ignored")
def _():
    with Native(env.sock) as n:
        before = n.status()["messages.bad"]
        n.send(msg(0x5e, b"xyz"))
        if n.status()["messages.bad"] != before + 1:
            fail("an unknown message type was not counted as bad")


@case("wrong HELLO version")
def _():
    s = raw(hello(major=9))
    data, closed = read_all(s)
    s.close()
    if response_err(data, HELLO) != "EVERSION" or not closed:
        fail("wrong version: %r closed=%s" % (data[:8], closed))


@case("first message is not HELLO")
def _():
    s = raw(msg(STATUS, struct.pack(">H", 5)))
    data, closed = read_all(s)
    s.close()
    if response_err(data, STATUS) != "EPROTO" or not closed:
        fail("no HELLO first: %r closed=%s" % (data[:8], closed))


@case("truncated HELLO")
def _():
    s = raw(msg(HELLO, struct.pack(">HB", 3, 1)))
    data, closed = read_all(s)
    s.close()
    if response_err(data, HELLO) != "EINVAL" or not closed:
        fail("truncated HELLO: %r" % data[:8])


@case("truncated request after HELLO")
def _():
    with Native(env.sock) as n:
        n.send(msg(RESOLVE, struct.pack(">H", 9) + bytes([20]) + b"abc"))
        t, body = n.read_msg()
        if t != RESOLVE | RESPONSE or body[2] != ERRNO["EINVAL"]:
            fail("truncated RESOLVE: type 0x%02x err %d" % (t, body[2]))
        n.status()


@case("message cut short, then silence")
def _():
    s = raw(hello()[:4])
    t0 = time.monotonic()
    data, closed = read_all(s, limit=100)
    s.close()
    if not closed or time.monotonic() - t0 > 4:
        fail("half a message: not closed by the handshake timeout")


@case("client that says nothing")
def _():
    s = raw(timeout=5)
    t0 = time.monotonic()
    data, closed = read_all(s)
    took = time.monotonic() - t0
    s.close()
    if not closed or took > 4 or data:
        fail("silent client: closed=%s after %.1fs" % (closed, took))


GREET = b"\x05\x01\x00"   # SOCKS5, one method: no authentication


def socks_refusal(rep):
    """The method answer, then a request's failure reply with code rep."""
    return b"\x05\x00" + b"\x05" + bytes([rep]) + b"\x00\x01" + b"\0" * 6


# What a SOCKS client sends at once, and all it gets before the daemon closes.
SOCKS_BAD = [
    ("SOCKS bad version in the request",
     GREET + b"\x04\x01\x00\x01\x7f\x00\x00\x01\x00\x50", socks_refusal(1)),
    ("SOCKS bad address type", GREET + b"\x05\x01\x00\x09", socks_refusal(8)),
    ("SOCKS IPv6", GREET + b"\x05\x01\x00\x04" + b"\0" * 15 + b"\x01\x00\x50", socks_refusal(8)),
    ("SOCKS overlong name", GREET + b"\x05\x01\x00\x03\xfe" + b"a" * 254 + b"\x00\x50",
     socks_refusal(1)),
    ("SOCKS reserved byte not zero", GREET + b"\x05\x01\x01\x01\x7f\x00\x00\x01\x00\x50",
     socks_refusal(1)),
    ("SOCKS port 0", GREET + b"\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x00", socks_refusal(1)),
    ("SOCKS without no-auth", b"\x05\x01\x02", b"\x05\xff"),
    ("SOCKS BIND", GREET + b"\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50", socks_refusal(7)),
    ("SOCKS UDP ASSOCIATE", GREET + b"\x05\x03\x00\x01\x7f\x00\x00\x01\x00\x50",
     socks_refusal(7)),
    ("SOCKS RESOLVE_PTR (Tor)", GREET + b"\x05\xf1\x00\x01\x7f\x00\x00\x01\x00\x00",
     socks_refusal(7)),
    ("SOCKS unknown command 0xf2", GREET + b"\x05\xf2\x00\x01\x7f\x00\x00\x01\x00\x00",
     socks_refusal(7)),
    # Clients that do not know their UDP address yet send 0.0.0.0 port 0.
    ("SOCKS UDP ASSOCIATE from 0.0.0.0 port 0", GREET + b"\x05\x03\x00\x01" + b"\0" * 6,
     socks_refusal(7)),
]


def socks_case(name, send, want):
    @case(name)
    def _():
        s = raw(send)
        data, closed = read_all(s)
        s.close()
        if data != want or not closed:
            fail("%s: got %r, closed=%s, expected %r" % (name, data, closed, want))


for _name, _send, _want in SOCKS_BAD:
    socks_case(_name, _send, _want)


@case("300 connections of random bytes, native and SOCKS")
def _():
    import random
    rng = random.Random(1234)
    for i in range(300):
        first = [b"", b"\x05", b"\x05\x01\x00", hello()][i % 4]
        body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 600)))
        try:
            s = raw(first + body, timeout=2)
            s.settimeout(0.05)
            try:
                s.recv(4096)
            except OSError:
                pass
            s.close()
        except OSError:
            pass
    with Native(env.sock) as n:
        n.status()


@case("a flood of requests")
def _():
    n = Native(env.sock)
    count = 2000
    blob = b"".join(msg(RESOLVE, struct.pack(">H", i) + s8("localhost")) for i in range(count))
    sender = threading.Thread(target=lambda: n.s.sendall(blob))
    sender.start()
    time.sleep(0.5)
    # Meanwhile another client is served at once.
    t0 = time.monotonic()
    with Native(env.sock) as other:
        other.status()
    if time.monotonic() - t0 > 2.0:
        fail("flood: another client waited %.2fs" % (time.monotonic() - t0))
    seen = set()
    while len(seen) < count:
        t, body = n.read_msg()
        if t != RESOLVE | RESPONSE:
            fail("flood: unexpected type 0x%02x" % t)
        seen.add(struct.unpack(">H", body[:2])[0])
    sender.join(10)
    n.close()


def recv_exact_msg(s):
    head = recv_exact(s, 3)
    return head + recv_exact(s, struct.unpack(">H", head[1:3])[0])


try:
    for name, fn in cases:
        log("case: " + name)
        fn()
        if env.daemon.poll() is not None:
            fail("the daemon died during: " + name)
finally:
    stop.set()
    t.join(60)

if good["errors"]:
    fail("the good client noticed: " + "; ".join(good["errors"][:3]))
if good["runs"] < 1:
    fail("the good client never finished a download")
st = env.status()
if st["messages.bad"] < 5:
    fail("bad messages not counted: %d" % st["messages.bad"])
log("good client: %d downloads meanwhile; bad messages counted: %d; clients dropped: %d" %
    (good["runs"], st["messages.bad"], st["clients.dropped"]))
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("badinput: %d passed, 0 failed" % len(cases))
