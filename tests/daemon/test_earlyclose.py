#!/usr/bin/env python3
"""A remote that closes at once, with the board passing its data and its close
on before the CONNECT answer (the stand-in board's "early" fault): every
client still gets a definite outcome -- the remote's bytes, then the end of
the stream -- through the native protocol and SOCKS5, and no board socket
is left behind."""
import socket
import threading
import time

from harness import Env, fail, log, native_connect, socks_connect

GREETING = b"hello from a server that closes at once\n"


def server(send):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)

    def loop():
        while True:
            c, _ = s.accept()
            if send:
                c.sendall(GREETING)
            c.close()
    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]


def read_all(s, what):
    s.settimeout(5)
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return data
            data += chunk
    except socket.timeout:
        fail("%s: no end of stream after %d bytes (a hang)" % (what, len(data)))
    except OSError as e:
        fail("%s: %s after %d bytes" % (what, e, len(data)))
    finally:
        s.close()


env = Env("earlyclose")
env.start_fakeboard("--fault", "early")
env.start_daemon()
ROUNDS = 50
for send in (False, True):
    port = server(send)
    for how in ("native", "socks"):
        t0 = time.monotonic()
        for i in range(ROUNDS):
            what = "%s connect %d to a server that %s" % (
                how, i, "sends and closes" if send else "closes at once")
            if how == "native":
                err, s = native_connect(env.sock, "127.0.0.1", port)
                if err != "OK":
                    fail("%s: %s" % (what, err))
            else:
                rep, s = socks_connect(env.sock, "127.0.0.1", port)
                if rep != 0:
                    fail("%s: SOCKS reply %d" % (what, rep))
            data = read_all(s, what)
            if data != (GREETING if send else b""):
                fail("%s: got %r" % (what, data[:80]))
        log("%d %s connects to a server that %s: data then end of stream (%.1f s)" % (
            ROUNDS, how, "sends and closes" if send else "closes at once",
            time.monotonic() - t0))
if "before the open was answered" not in env.read_log():
    fail("the board never closed a socket before answering its open: the case was not tested")
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("earlyclose: 1 passed, 0 failed")
