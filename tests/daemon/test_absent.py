#!/usr/bin/env python3
"""No board: requests wait [device] request_wait and then fail with ENODEV
(SOCKS: general failure) while STATUS is answered at once; a request made
while the board is away succeeds when the board comes within the wait."""
import threading
import time

from harness import Env, Native, expect_socks, fail, log, wait_for

env = Env("absent")
env.start_http(sizes=(1024,))
env.start_daemon(wait_attached=False, device={"path": env.board_link, "request_wait": "1.5",
                                              "reconnect_min": "0.05", "reconnect_max": "0.2"})
with Native(env.sock) as n:
    t0 = time.monotonic()
    st = n.status()
    if st["board.state"] != "absent" or time.monotonic() - t0 > 0.5:
        fail("status without a board: %s" % st["board.state"])
    t0 = time.monotonic()
    err, _ = n.resolve("localhost")
    took = time.monotonic() - t0
    if err != "ENODEV" or not 1.3 <= took <= 3.0:
        fail("RESOLVE without a board: %s after %.2f s" % (err, took))
t0 = time.monotonic()
expect_socks(env.sock, "127.0.0.1", env.http_port, 1, "SOCKS without a board")
if time.monotonic() - t0 < 1.3:
    fail("SOCKS without a board: failed after %.2f s, before request_wait" % (time.monotonic() - t0))

log("a request waiting while the board arrives")
result = {}


def waiter():
    with Native(env.sock) as n:
        result["resolve"] = n.resolve("localhost")


base = env.status()["requests"]
polls = [0]


def waiter_arrived():
    """STATUS counts itself: one more than the polls is the waiter's RESOLVE."""
    polls[0] += 1
    return env.status()["requests"] - base - polls[0] >= 1


t = threading.Thread(target=waiter)
t.start()
wait_for(waiter_arrived, 10, "the waiting RESOLVE to reach the daemon")
env.start_fakeboard()
t.join(10)
if result.get("resolve", ("none",))[0] != "OK":
    fail("the waiting request: %s" % (result.get("resolve"),))
env.wait_attached()
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("absent: 1 passed, 0 failed")
