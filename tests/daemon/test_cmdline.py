#!/usr/bin/env python3
"""The command line and start-up checks: -n on good and bad files (exit
status, file:line messages in line order, a binary file's bytes escaped, a
file too large), -h and --help, a bad option, a missing file, and the socket
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
r = run("--help")
if r.returncode != 0 or not r.stdout.startswith(b"usage") or r.stderr:
    fail("--help: exit %d %r %r" % (r.returncode, r.stdout, r.stderr))
r = run("-x")
if r.returncode != 2 or b"unknown option -x" not in r.stderr:
    fail("bad option: exit %d %r, expected 2" % (r.returncode, r.stderr))

log("-n on a binary file: its bytes are escaped, not echoed")
binfile = os.path.join(env.dir, "binary.conf")
with open(binfile, "wb") as f:
    f.write(b"[device]\n\x1b]0;title\x07\x9b2J = 1\n" + bytes(range(1, 32)).replace(b"\n", b"") +
            b"\n")
r = run("-n", "-f", binfile)
if r.returncode != 1 or any(b < 0x20 and b != 0x0a or b >= 0x7f for b in r.stderr):
    fail("-n on a binary file: exit %d, raw bytes in %r" % (r.returncode, r.stderr))
if b"\\x1b]0;title\\x07\\x9b2J" not in r.stderr:
    fail("-n on a binary file: the key is not shown escaped: %r" % r.stderr)

log("-n on a 2 MB file, and a section left open before a bad line")
big = os.path.join(env.dir, "big.conf")
with open(big, "wb") as f:
    f.truncate(2 << 20)
r = run("-n", "-f", big)
if r.returncode != 1 or b"too large" not in r.stderr or b"regular" in r.stderr:
    fail("-n on a 2 MB file: exit %d %r" % (r.returncode, r.stderr))
with open(bad, "w") as f:
    f.write("[device\nbaud = fast\n")
r = run("-n", "-f", bad)
lines = r.stderr.decode().splitlines()
if r.returncode != 1 or len(lines) != 2 or not lines[0].startswith(bad + ":1: syntax error") \
        or not lines[1].startswith(bad + ":2: "):
    fail("[device then a bad line: errors %r" % lines)
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
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("cmdline: 1 passed, 0 failed")
