#!/usr/bin/env python3
"""SIGHUP applies [access] at once and keeps the old configuration when the
new one is bad; SIGTERM closes the board's sockets, removes the socket file
and exits 0."""
import os
import time

from harness import Env, expect_socks, fail, log, native_connect

env = Env("signals")
env.start_fakeboard()
env.start_http(sizes=(65536,))
env.start_daemon()

expect_socks(env.sock, "127.0.0.1", env.http_port, 0, "before any rule")

log("SIGHUP: deny the HTTP server")
env.write_conf(access={"deny_destinations": "127.0.0.0/8"})
env.reload()
expect_socks(env.sock, "127.0.0.1", env.http_port, 2, "denied destination")
expect_socks(env.sock, "localhost", env.http_port, 2, "denied destination by name")

log("SIGHUP: a bad file keeps the rules in force")
with open(env.conf, "a") as f:
    f.write("[limits]\nclients = many\n")
env.reload(expect="reload failed")
if "k210sockd.conf:" not in env.read_log() or "[limits] clients" not in env.read_log():
    fail("the reload error does not say file:line and the key")
expect_socks(env.sock, "127.0.0.1", env.http_port, 2, "after a failed reload, the old rules")

log("SIGHUP: [socket] changes need a restart")
env.write_conf(socket={"path": env.sock + ".new", "mode": "0666", "group": ""})
env.reload(expect="[socket] need a restart")
if not os.path.exists(env.sock):
    fail("the socket moved on reload")
expect_socks(env.sock, "127.0.0.1", env.http_port, 0, "rules lifted on reload")

env.check_no_leak()
log("SIGTERM with an open stream")
err, pipe = native_connect(env.sock, "127.0.0.1", env.http_port)
if err != "OK":
    fail("native CONNECT: " + err)
t0 = time.monotonic()
rc = env.stop(env.daemon)
took = time.monotonic() - t0
if rc != 0:
    fail("exit status %d after SIGTERM" % rc)
if os.path.exists(env.sock):
    fail("the socket file is still there")
if "fakeboard: close" not in env.read_log("fakeboard.log"):
    fail("the board socket was not closed on the board")
if "fakeboard: link down" not in env.read_log("fakeboard.log"):
    fail("the link was not closed")
pipe.settimeout(5)
try:
    rest = pipe.recv(100)
except OSError:
    rest = b""
if rest:
    fail("data on a pipe after the daemon stopped")
log("stopped in %.2f s" % took)
print("signals: 1 passed, 0 failed")
