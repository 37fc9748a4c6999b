#!/usr/bin/env python3
"""A broken or vanishing board never crashes the daemon: undecodable and
oversized messages restart the link, requests from the board are refused
(ENOTSUP) and change nothing, data beyond the credit fails that one socket,
a reboot or an unplug mid-transfer fails the transfers (the client sees an
error) and new requests work soon after the board is back."""
import os
import signal
import subprocess
import time

from harness import Env, fail, log, socks_connect, sha256_file, wait_for


def fetch_ok(env, what):
    out = os.path.join(env.dir, "ok.out")
    r = env.curl("f1048576", out, timeout=30)
    if r.returncode != 0 or sha256_file(out) != env.files["f1048576"]:
        fail("%s: a fetch afterwards failed: %s" % (what, r.stderr.decode()))


def stop_all(env, what):
    env.check_no_leak()
    if env.stop(env.daemon) != 0:
        fail("%s: the daemon did not stop cleanly" % what)
    env.stop(env.board)


def slow_curl(env):
    out = os.path.join(env.dir, "slow.out")
    return subprocess.Popen(["curl", "-sS", "--max-time", "60", "--limit-rate", "300k", "-x",
                             "socks5h://localhost" + env.sock, "-o", out,
                             env.url("f4194304")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


for fault in ("garbage", "oversize"):
    log("fault: " + fault)
    env = Env(fault)
    env.start_fakeboard("--fault", fault)
    env.start_http(sizes=(1 << 20, 4 << 20))
    env.start_daemon()
    before = env.status()["link.restarts"]
    r = env.curl("f1048576", os.path.join(env.dir, "x"), timeout=20)
    if r.returncode == 0:
        fail(fault + ": the stream carried on through a broken link")
    wait_for(lambda: "restarting the link" in env.read_log(), 5, "the link restart")
    env.wait_attached()
    if env.status()["link.restarts"] <= before:
        fail(fault + ": restart not counted")
    fetch_ok(env, fault)
    stop_all(env, fault)

log("fault: requests from the board")
env = Env("request")
env.start_fakeboard("--fault", "request")
env.start_http(sizes=(1 << 20,))
env.start_daemon()
before = env.status()["link.restarts"]
fetch_ok(env, "requests from the board")
for rtype in ("0x02", "0x1d"):
    wait_for(lambda: "request %s refused: operation not supported" % rtype in
             env.read_log("fakeboard.log"), 5, "the refusal of request %s" % rtype)
if env.status()["link.restarts"] != before:
    fail("requests from the board restarted the link")
stop_all(env, "requests from the board")

log("fault: data beyond the credit")
env = Env("overcredit")
env.start_fakeboard("--fault", "overcredit")
env.start_http(sizes=(1 << 20, 4 << 20))
env.start_daemon()
rep, s = socks_connect(env.sock, "127.0.0.1", env.http_port)
if rep != 0:
    fail("overcredit: connect reply %d" % rep)
s.sendall(b"GET /f4194304 HTTP/1.0\r\n\r\n")
wait_for(lambda: "beyond the credit" in env.read_log(), 15, "the credit violation")
s.settimeout(10)
got = 0
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += len(chunk)
except OSError:
    pass
s.close()
if got >= (4 << 20):
    fail("overcredit: the whole file arrived through a broken stream")
if env.daemon.poll() is not None:
    fail("overcredit: the daemon died")
stop_all(env, "overcredit")

for how, sig in (("reboot", signal.SIGUSR1), ("unplug", signal.SIGUSR2)):
    log("board %s mid-transfer" % how)
    env = Env(how)
    env.start_fakeboard()
    env.start_http(sizes=(1 << 20, 4 << 20))
    env.start_daemon()
    c = slow_curl(env)
    wait_for(lambda: env.status()["bytes.down"] > 200000, 15, "the transfer to start")
    env.board.send_signal(sig)
    rc = c.wait(timeout=60)
    if rc == 0:
        fail(how + ": curl finished cleanly although the board went away")
    t0 = time.monotonic()
    env.wait_attached(timeout=15)
    fetch_ok(env, how)
    log("%s: curl exit %d (%s); a new fetch worked %.2f s after the board was back" %
        (how, rc, c.stderr.read().decode().strip(), time.monotonic() - t0))
    stop_all(env, how)
print("boardfault: 1 passed, 0 failed")
