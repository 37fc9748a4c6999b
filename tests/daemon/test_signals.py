#!/usr/bin/env python3
"""SIGHUP applies [access] at once and keeps the old configuration when the
new one is bad; SIGTERM closes the board's sockets, removes the socket file
and exits 0."""
import os
import signal
import time

from harness import Env, fail, log, socks_connect, native_connect, wait_for

env = Env("signals")
env.start_fakeboard()
env.start_http(sizes=(65536,))
env.start_daemon()

rep, s = socks_connect(env.sock, "127.0.0.1", env.http_port)
if rep != 0:
    fail("SOCKS connect before any rule: reply %d" % rep)
s.close()

log("SIGHUP: deny the HTTP server")
env.write_conf(access={"deny_destinations": "127.0.0.0/8"})
env.daemon.send_signal(signal.SIGHUP)
wait_for(lambda: "configuration reloaded" in env.read_log(), 5, "the reload")
rep, s = socks_connect(env.sock, "127.0.0.1", env.http_port)
s.close()
if rep != 2:
    fail("denied destination: SOCKS reply %d, expected 2" % rep)
rep, s = socks_connect(env.sock, "localhost", env.http_port)
s.close()
if rep != 2:
    fail("denied destination by name: SOCKS reply %d, expected 2" % rep)

log("SIGHUP: a bad file keeps the rules in force")
with open(env.conf, "a") as f:
    f.write("[limits]\nclients = many\n")
env.daemon.send_signal(signal.SIGHUP)
wait_for(lambda: "reload failed" in env.read_log(), 5, "the failed reload")
if "k210sockd.conf:" not in env.read_log() or "[limits] clients" not in env.read_log():
    fail("the reload error does not say file:line and the key")
rep, s = socks_connect(env.sock, "127.0.0.1", env.http_port)
s.close()
if rep != 2:
    fail("after a failed reload the old rules must hold: reply %d" % rep)

log("SIGHUP: [socket] changes need a restart")
env.write_conf(socket={"path": env.sock + ".new", "mode": "0666", "group": ""})
env.daemon.send_signal(signal.SIGHUP)
wait_for(lambda: "[socket] need a restart" in env.read_log(), 5, "the restart notice")
if not os.path.exists(env.sock):
    fail("the socket moved on reload")
rep, s = socks_connect(env.sock, "127.0.0.1", env.http_port)
s.close()
if rep != 0:
    fail("rules lifted on reload, but SOCKS reply %d" % rep)

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
