#!/usr/bin/env python3
"""A noisy USB line: downloads arrive intact over bit errors and lost bytes
(the link retransmits), and a burst of garbage that breaks the link for a
while is survived: the daemon comes back by itself."""
import os
import time

from harness import Env, fail, log, sha256_file

env = Env("noise")
env.start_board("--baud", "2000000", "--esp-baud", "0", "--ber", "2e-6", "--drop", "2e-6",
                "--seed", "7")
env.start_http(sizes=(1 << 20,))
env.start_daemon()

for i in range(2):
    out = os.path.join(env.dir, "n%d.out" % i)
    r = env.curl("f1048576", out, timeout=120)
    if r.returncode != 0 or sha256_file(out) != env.files["f1048576"]:
        fail("download over a noisy line: %s" % r.stderr.decode())
st = env.status()
log("noisy line: %d CRC errors, %d retransmits, link payload %d" %
    (st["link.crc_errors"], st["link.retransmits"], st["link.payload"]))
if st["link.crc_errors"] + st["link.retransmits"] == 0:
    fail("the noise did not reach the link: the test proves nothing")

log("a burst of garbage")
before = env.status()
if env.emu_command("noise 0.05 0.05") != "ok":
    fail("emulator refused the noise command")
time.sleep(6)
if env.emu_command("noise 0 0") != "ok":
    fail("emulator refused the noise command")
if env.daemon.poll() is not None:
    fail("the daemon died in the noise")
env.wait_attached(timeout=20)
after = env.status()
if after["link.restarts"] == before["link.restarts"] and \
        after["link.crc_errors"] <= before["link.crc_errors"]:
    fail("the burst did not reach the link: the test proves nothing")
out = os.path.join(env.dir, "after.out")
r = env.curl("f1048576", out, timeout=120)
if r.returncode != 0 or sha256_file(out) != env.files["f1048576"]:
    fail("download after the burst: %s" % r.stderr.decode())
log("after the burst: link restarts %d" % env.status()["link.restarts"])
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("noise: 1 passed, 0 failed")
