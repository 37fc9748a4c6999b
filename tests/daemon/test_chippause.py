#!/usr/bin/env python3
"""Downloads while the host keeps stopping the ESP8285's simulator for 80 ms
at a time.  An emulated board is a set of processes that a busy host
deschedules, which a real board never is: the firmware must not take such a
pause for a module that stalled halfway through a reply (the firmware image
counts board time apart from the host's clock).  Every download arrives
whole, and no board socket is left held."""
import os
import signal
import threading
import time

from harness import Env, fail, log, sha256_file

BAUD = 2000000
SIZE = 1 << 20
PAUSE_S, RUN_S = 0.08, 0.15
DOWNLOADS = 3

env = Env("chippause")
env.start_board("--baud", str(BAUD), "--esp-baud", str(BAUD))
env.start_http(sizes=(SIZE,))
env.start_daemon(device={"path": env.board_link, "baud": str(BAUD)}, log={"level": "info"})
env.status()
chip = env.chip_pid()
done = threading.Event()
pauses = 0


def pause_chip():
    global pauses
    while not done.wait(RUN_S):
        os.kill(chip, signal.SIGSTOP)
        time.sleep(PAUSE_S)
        os.kill(chip, signal.SIGCONT)
        pauses += 1


pauser = threading.Thread(target=pause_chip)
pauser.start()
try:
    for i in range(DOWNLOADS):
        out = os.path.join(env.dir, "out")
        r = env.curl("f%d" % SIZE, out, timeout=120)
        if r.returncode != 0 or sha256_file(out) != env.files["f%d" % SIZE]:
            fail("download %d with the chip paused now and then: %s" % (i + 1, r.stderr.decode().strip()))
finally:
    done.set()
    pauser.join()
log("%d downloads of %d bytes whole across %d pauses of the chip" % (DOWNLOADS, SIZE, pauses))
if pauses < DOWNLOADS:
    fail("the chip was paused only %d times: the test did not test" % pauses)
env.check_no_leak(timeout=30)
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
env.stop(env.board)
print("chippause: 1 passed, 0 failed")
