#!/usr/bin/env python3
"""Socket activation (as systemd does it, through systemd-socket-activate):
the passed Unix socket replaces [socket] path, a passed TCP socket is a
SOCKS5 listener, and the passed socket file is left alone at exit.  Also the
TCP SOCKS5 listener the daemon opens itself ([socket] socks_port)."""
import os
import shutil
import socket
import struct
import subprocess
import time

from harness import Env, Native, binary, fail, free_port, log, sha256_file, wait_for


def _status(path):
    try:
        with Native(path, timeout=2) as n:
            return n.status()
    except OSError:
        return None


def curl_tcp(env, port, out):
    return subprocess.run(["curl", "-sS", "--max-time", "30", "-x",
                           "socks5h://127.0.0.1:%d" % port, "-o", out, env.url("f65536")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=40)


log("[socket] socks_port")
env = Env("tcpsocks")
env.start_fakeboard()
env.start_http(sizes=(65536,))
port = free_port()
env.sock = os.path.join(env.dir, "k.sock")
env.start_daemon(socket={"path": env.sock, "mode": "0600", "group": "",
                         "socks_port": str(port), "socks_address": "127.0.0.1"})
out = os.path.join(env.dir, "tcp.out")
r = curl_tcp(env, port, out)
if r.returncode != 0 or sha256_file(out) != env.files["f65536"]:
    fail("curl through the TCP SOCKS listener: " + r.stderr.decode())
log("the TCP listener speaks SOCKS5 only: a native HELLO there is closed unanswered")
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(b"\x01\x00\x0d" + struct.pack(">HBBI", 1, 1, 0, 0) + b"\x04test")
    if s.recv(100) != b"":
        fail("the TCP listener answered the native protocol")
wait_for(lambda: "does not speak SOCKS5" in env.read_log(), 5, "the refusal in the log")
if oct(os.stat(env.sock).st_mode & 0o777) != "0o600":
    fail("socket mode %o, expected 600" % (os.stat(env.sock).st_mode & 0o777))
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
env.stop(env.board)

log("socket activation")
activate = shutil.which("systemd-socket-activate")
if not activate:
    fail("systemd-socket-activate is needed (package systemd)")
env = Env("activation")
env.start_fakeboard()
env.start_http(sizes=(65536,))
passed = os.path.join(env.dir, "passed.sock")
tport = free_port()
env.write_conf()
env.daemon = env._spawn([activate, "-l", passed, "-l", "127.0.0.1:%d" % tport,
                         "--fdname=k210sockd:socks", binary("k210sockd"), "-d", "-f", env.conf],
                        "daemon.log")
wait_for(lambda: os.path.exists(passed), 5, "the activation socket")
env.sock = passed
# The first connection starts the daemon.
wait_for(lambda: _status(passed), 15, "the activated daemon")
if os.path.exists(os.path.join(env.dir, "k210sockd.sock")):
    fail("the daemon created [socket] path although a socket was passed")
env.wait_attached()
r = curl_tcp(env, tport, out)
if r.returncode != 0:
    fail("curl through the passed TCP socket: " + r.stderr.decode())
if "passed by the service manager" not in env.read_log():
    fail("the daemon did not say it serves the passed sockets")
env.check_no_leak()
rc = env.stop(env.daemon)
if rc != 0:
    fail("exit status %d" % rc)
if not os.path.exists(passed):
    fail("the daemon removed the passed socket's file")
log("sd_notify: READY, STATUS, WATCHDOG, RELOADING, STOPPING")
env = Env("notify")
env.start_fakeboard()
notify_path = os.path.join(env.dir, "notify")
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ns.bind(notify_path)
ns.settimeout(5)
env.start_daemon(environ={"NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": "400000"})
seen = []


def collect(until, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(ns.recv(4096).decode())
        except socket.timeout:
            break
        if until(seen):
            return True
    return until(seen)


if not collect(lambda s: any("READY=1" in m for m in s)):
    fail("no READY=1: %r" % seen)
if not collect(lambda s: sum("WATCHDOG=1" in m for m in s) >= 3, timeout=3):
    fail("fewer than 3 watchdog pings in 3 s at WATCHDOG_USEC=400000: %r" % seen)
if not any("STATUS=board attached" in m for m in seen):
    fail("no STATUS line for the attached board: %r" % seen)
env.daemon.send_signal(1)
if not collect(lambda s: any("RELOADING=1" in m for m in s) and
               sum("READY=1" in m for m in s) >= 2):
    fail("reload not reported: %r" % seen)
env.check_no_leak()
env.stop(env.daemon)
if not collect(lambda s: any("STOPPING=1" in m for m in s)):
    fail("stop not reported: %r" % seen)
print("activation: 1 passed, 0 failed")
