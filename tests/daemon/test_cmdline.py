#!/usr/bin/env python3
"""The command line and start-up checks: -n on good and bad files (exit
status, file:line messages), -h, a bad option, a missing file, and the socket
path: a stale socket is replaced, a live one or a plain file is not."""
import os
import socket
import subprocess

from harness import Env, binary, fail, log

exe = binary("k210sockd")
env = Env("cmdline")


def run(*args, timeout=10):
    return subprocess.run([exe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


good = env.write_conf()
r = run("-n", "-f", good)
if r.returncode != 0 or b"configuration OK" not in r.stdout:
    fail("-n on a good file: exit %d %r %r" % (r.returncode, r.stdout, r.stderr))

bad = os.path.join(env.dir, "bad.conf")
with open(bad, "w") as f:
    f.write("[device]\nbaud = fast\n[nonsense]\n[limits]\nclients = 0\n")
r = run("-n", "-f", bad)
err = r.stderr.decode()
if r.returncode != 1:
    fail("-n on a bad file: exit %d" % r.returncode)
for want in ("bad.conf:2: [device] baud", "bad.conf:3: unknown section [nonsense]",
             "bad.conf:5: [limits] clients"):
    if want not in err:
        fail("-n: %r missing from %r" % (want, err))

r = run("-h")
if r.returncode != 0 or b"usage" not in r.stdout:
    fail("-h: exit %d" % r.returncode)
r = run("-x")
if r.returncode != 2:
    fail("bad option: exit %d, expected 2" % r.returncode)
r = run("-n", "-f", os.path.join(env.dir, "missing.conf"))
if r.returncode != 1 or b"missing.conf" not in r.stderr:
    fail("missing file: exit %d %r" % (r.returncode, r.stderr))

log("a plain file where the socket goes")
with open(env.sock, "w") as f:
    f.write("not a socket")
r = run("-d", "-f", good)
if r.returncode != 1 or b"is not a socket" not in r.stderr:
    fail("plain file at the socket path: exit %d %r" % (r.returncode, r.stderr))
os.unlink(env.sock)

log("a stale socket is replaced")
stale = socket.socket(socket.AF_UNIX)
stale.bind(env.sock)
stale.close()
env.start_fakeboard()
env.start_daemon()
if "removing a stale socket" not in env.read_log():
    fail("the stale socket was not reported")

log("a second daemon on a live socket refuses to start")
r = run("-d", "-f", good)
if r.returncode != 1 or b"another daemon is listening" not in r.stderr:
    fail("second daemon: exit %d %r" % (r.returncode, r.stderr))
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("cmdline: 1 passed, 0 failed")
