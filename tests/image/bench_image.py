#!/usr/bin/env python3
"""Benchmark: one download through k210sockd (curl via SOCKS5) with the USB
link and the ESP8285's UART at 2 Mbaud (as on the board), from the K210
firmware image on the emulated K210
(k210-emu --image) and, in the same run, from the firmware core built for
Linux (k210-emu).  Prints the image's throughput as a ratio to the wire
limit (baud/10 bytes/s; target >= 0.90) and to the core's, the share of one
host core the emulator used meanwhile, and from a second download with
--count-instructions the instructions the firmware executes per byte moved,
hence the share of a 400 MHz K210 core that a 2 Mbaud download costs.
The two boards alternate, two rounds and up to four while the image is
below its target; the best of each counts.  The emulated CPU needs about half a host
core at 2 Mbaud, so other load on the machine weighs on the image far more
than on the core: it fails only when the image falls clearly behind the
core (below 0.75 of its figure; the image reaches 0.99 of it, 0.90-0.94
while its lines' output to the far ends waited for 1 ms batches, about
0.3 before the firmware's UART drivers were made to touch fewer registers
per byte), and gives no verdict when every round ran with more runnable
work than cores."""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from harness import Env, cpu_ticks, fail, firmware_image, log, sha256_file

BAUD = 2000000
SIZE = 1 << 20
COUNT_SIZE = 512 << 10
TARGET = 0.90              # of the wire limit
FLOOR = 0.75               # of the core's figure: below this is a regression
K210_HZ = 400e6
MIN_ROUNDS, MAX_ROUNDS = 2, 4
hz = os.sysconf("SC_CLK_TCK")
image = firmware_image()


def stats(env):
    return dict(line.split("=", 1) for line in env.emu_command("stats").splitlines() if "=" in line)


def download(env, name):
    """One curl download through the daemon: (ratio to the wire, emulator CPU share, bytes)."""
    out = os.path.join(env.dir, "out")
    ticks0 = cpu_ticks(env.board.pid)
    t0 = time.monotonic()
    r = subprocess.run(["curl", "-sS", "--max-time", "120", "-x", "socks5h://localhost" + env.sock,
                        "-o", out, "-w", "%{speed_download}", env.url(name)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    ticks = cpu_ticks(env.board.pid) - ticks0
    if r.returncode != 0 or sha256_file(out) != env.files[name]:
        return None, "%s: download of %s failed: %s" % (env.dir, name, r.stderr.decode().strip())
    return float(r.stdout.decode()) / (BAUD / 10), ticks / hz / wall


def busy():
    """More runnable work than cores: the image, which needs about half a core, does not get it."""
    return os.getloadavg()[0] > os.cpu_count() + 0.5


def board(kind, *extra):
    env = Env("bench-" + kind)
    args = ["--baud", str(BAUD), "--esp-baud", str(BAUD)] + list(extra)
    if kind != "core":
        args += ["--image", image]
    env.start_emu(*args)
    env.start_http(sizes=(COUNT_SIZE, SIZE))
    env.start_daemon(device={"path": env.board_link, "baud": str(BAUD)}, log={"level": "info"})
    st = env.status()
    if st["link.baud"] != BAUD:
        fail("%s: the link runs at %d baud, not %d" % (kind, st["link.baud"], BAUD))
    return env


def finish(env):
    env.check_no_leak()
    if env.stop(env.daemon) != 0:
        fail("the daemon did not stop cleanly")
    env.stop(env.board)


core_env = board("core")
image_env = board("image")
best = {"core": 0.0, "image": 0.0}
cpu = 0.0
quiet = False
for i in range(MAX_ROUNDS):
    c, why = download(core_env, "f%d" % SIZE)
    if c is None:
        fail(why)
    best["core"] = max(best["core"], c)
    m, share = download(image_env, "f%d" % SIZE)
    was_busy = busy()
    if m is None:
        # Starved of CPU, the emulated board overruns its UART and resets the module: the client
        # gets an error (nothing is lost silently).  That spoils the round; on a quiet machine it fails.
        if not was_busy:
            fail(share)
        log("round %d: spoiled, the machine was busy (load %.1f): %s" % (i + 1, os.getloadavg()[0], share))
        image_env.check_no_leak(timeout=30)
        continue
    log("round %d: image %.3f of the wire, core %.3f; k210-emu --image used %.0f%% of a core%s"
        % (i + 1, m, c, 100 * share, "; the machine was busy (load %.1f)" % os.getloadavg()[0] if was_busy
           else ""))
    if m > best["image"]:
        best["image"], cpu = m, share
    quiet |= not was_busy
    if i + 1 >= MIN_ROUNDS and best["image"] >= TARGET:
        break
finish(core_env)
finish(image_env)

# Instructions per byte: a board counting them (slower, so apart from the figure above).
count_env = board("count", "--count-instructions")
before = int(stats(count_env)["instructions"])
ok, why = download(count_env, "f%d" % COUNT_SIZE)
if ok is None and not busy():
    fail(why)
per_byte = (int(stats(count_env)["instructions"]) - before) / COUNT_SIZE if ok is not None else None
finish(count_env)

ratio, core = best["image"], best["core"]
if ratio == 0:
    print("image-bench: every round was spoiled on a busy machine: no figure, no verdict")
    print("image-bench: 1 passed, 0 failed")
    sys.exit(0)
print("image-bench: one download through k210sockd at %d baud: the image %.3f of the wire limit "
      "(baud/10 = %d bytes/s; target %.2f: %s), %.3f of the core's %.3f; k210-emu --image used "
      "%.0f%% of one host core" % (BAUD, ratio, BAUD // 10, TARGET, "met" if ratio >= TARGET else "MISSED",
                                  ratio / core, core, 100 * cpu))
if per_byte is not None:
    print("image-bench: the firmware executes %.0f instructions per byte downloaded: 2 Mbaud (%d bytes/s) "
          "takes %.1f%% of a 400 MHz K210 core (one instruction a clock)"
          % (per_byte, BAUD // 10, 100 * per_byte * BAUD / 10 / K210_HZ))
else:
    print("image-bench: instructions per byte not measured: the counting board's download failed on a busy "
          "machine (%s)" % why)
if ratio < FLOOR * core and not quiet:
    print("image-bench: every round ran on a busy machine: no verdict on the figure")
elif ratio < FLOOR * core:
    fail("the image reached %.3f of the wire, %.3f of the core's %.3f: below %.2f of it"
         % (ratio, ratio / core, core, FLOOR))
print("image-bench: 1 passed, 0 failed")
