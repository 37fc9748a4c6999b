#!/usr/bin/env python3
"""ESP link scarcity: with every link taken, connects wait in a FIFO queue of
[limits] connect_queue entries; one more is refused at once (ENOBUFS), the
queued ones fail after connect_timeout (ETIMEDOUT, SOCKS reply 6), and a
queued connect gets the link as soon as one is closed."""
import socket
import threading
import time

from harness import Env, expect_socks, fail, log, native_connect, wait_for

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(16)
port = server.getsockname()[1]
held = []
threading.Thread(target=lambda: [held.append(server.accept()) for _ in range(16)],
                 daemon=True).start()

env = Env("queue")
env.start_fakeboard("--links", "1")
env.start_daemon(limits={"connect_queue": "2", "connect_timeout": "1.5"})

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

log("a queued connect takes the link a closed one frees")
t = threading.Thread(target=queued, args=("q3",))
t.start()
wait_queued(1)
first.close()
t.join(10)
(err, s), took = results.get("q3", (("none", None), 0))
if err != "OK":
    fail("queued connect after a close: %s" % err)
s.close()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("queue: 1 passed, 0 failed")
