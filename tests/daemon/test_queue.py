#!/usr/bin/env python3
"""ESP link scarcity: with every link taken, connects wait in a FIFO queue of
[limits] connect_queue entries; one more is refused at once (ENOBUFS), the
queued ones fail after queue_timeout (ETIMEDOUT, SOCKS reply 6) -- a wait
bounded apart from connect_timeout, which a queued connect may outlast --,
and a queued connect gets the link as soon as one is closed.  One user's
idle connections (no first request) are limited by handshakes_per_user, so
that another user still gets in; every refusal is logged at info."""
import os
import socket
import threading
import time

from harness import Env, Native, expect_socks, fail, log, native_connect, wait_for

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(16)
port = server.getsockname()[1]
held = []
threading.Thread(target=lambda: [held.append(server.accept()) for _ in range(16)],
                 daemon=True).start()

env = Env("queue")
env.start_fakeboard("--links", "1")
env.start_daemon(limits={"connect_queue": "2", "queue_timeout": "1.5", "connect_timeout": "1",
                         "clients": "100", "handshakes_per_user": "8"}, log={"level": "info"})

err, first = native_connect(env.sock, "127.0.0.1", port)
if err != "OK":
    fail("first connect: " + err)
results = {}


def queued(name):
    t0 = time.monotonic()
    results[name] = (native_connect(env.sock, "127.0.0.1", port, timeout=10),
                     time.monotonic() - t0)


def wait_queued(n):
    wait_for(lambda: env.status()["sockets.queued"] == n, 10, "%d connects in the queue" % n)


threads = [threading.Thread(target=queued, args=(n,)) for n in ("q1", "q2")]
for t in threads:
    t.start()
wait_queued(2)
t0 = time.monotonic()
err, _ = native_connect(env.sock, "127.0.0.1", port)
if err != "ENOBUFS" or time.monotonic() - t0 > 1.0:
    fail("connect beyond the queue: %s after %.2f s" % (err, time.monotonic() - t0))
for t in threads:
    t.join(10)
for name in ("q1", "q2"):
    (err, s), took = results[name]
    if err != "ETIMEDOUT" or not 1.2 < took < 3.0:
        fail("%s: %s after %.2f s, expected ETIMEDOUT after 1.5 s" % (name, err, took))
expect_socks(env.sock, "127.0.0.1", port, 6, "SOCKS connect timing out in the queue")
for line in ("all 1 ESP links in use: connects wait for one",
             "no ESP link came free in 1.5 s (all 1 in use; queue_timeout): failed",
             "2 connects already wait for a link (limit)"):
    if line not in env.read_log():
        fail("not logged at info: " + line)

log("a queued connect takes the link a closed one frees, after more than connect_timeout")
t = threading.Thread(target=queued, args=("q3",))
t.start()
wait_queued(1)
time.sleep(1.2)
first.close()
t.join(10)
(err, s), took = results.get("q3", (("none", None), 0))
if err != "OK" or took < 1.2:
    fail("queued connect after a close: %s after %.2f s" % (err, took))
s.close()
env.check_no_leak(links=1)

log("one user's idle connections do not lock others out")
if os.geteuid() == 0:
    os.chmod(env.dir, 0o711)     # the socket (mode 0666) within reach of nobody
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setgid(65534)
        os.setuid(65534)
        conns = []
        for _ in range(150):
            c = socket.socket(socket.AF_UNIX)
            c.connect(env.sock)
            conns.append(c)
        os.write(w, b"x")
        time.sleep(30)
        os._exit(0)
    os.read(r, 1)
    try:
        with Native(env.sock) as n:
            n.status()
    except (OSError, EOFError) as e:
        fail("root was locked out by another user's idle connections: %s" % e)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    if "uid 65534 gid 65534" not in env.read_log() or \
            "already has handshakes_per_user connections" not in env.read_log():
        fail("the refusal of the idle user is not logged with its uid")
else:
    log("(not root: the second user is not tested)")

env.check_no_leak(links=1)
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("queue: 1 passed, 0 failed")
