#!/usr/bin/env python3
"""Benchmark: one download through the daemon (curl via SOCKS5) over a noisy
USB line, end to end on the emulated board: the line at 2000000 baud with
k210-emu's `noise BER DROP` (bit errors and lost bytes, both ways), the ESP
side unthrottled so that the line is what limits.  For each noise level it
prints the throughput as a ratio of the wire limit (baud/10 bytes/s), the
same download on the clean line in the same run, and what the link
simulation (k210-linkbench, a virtual clock: the same figure on any
machine) reaches at that noise level.

It fails when a noisy download keeps less than its case's share of the
clean one's throughput (the simulation's share is 0.78 at BER 1e-4 and
0.86 at BER 1e-5 with drops; end to end 0.75-0.78 and 0.80-0.84; in half
the runs 0.35-0.40 at BER 1e-4 while frames under repair held the writer
back).  Clean and noisy downloads take turns for two rounds, and up to
four while other load on the machine spoils the figures; the best of each
counts."""
import os
import re
import subprocess

from harness import Env, binary, fail, log, sha256_file

BAUD = 2000000
SIZE = 1 << 20
# (bit error rate, byte drop rate, least share of the clean throughput)
CASES = (("1e-4", "0", 0.70), ("1e-5", "1e-4", 0.77))
MIN_ROUNDS, MAX_ROUNDS = 2, 4

env = Env("noise-bench")
env.start_board("--baud", str(BAUD), "--esp-baud", "0")
env.start_http(sizes=(SIZE,))
env.start_daemon(device={"path": env.board_link, "baud": str(BAUD)}, log={"level": "info"})
name = "f%d" % SIZE
if env.status()["link.baud"] != BAUD:
    fail("the link does not run at %d baud" % BAUD)


def download(ber, drop):
    if env.emu_command("noise %s %s" % (ber, drop)) != "ok":
        fail("k210-emu refused the noise command")
    before = env.status()
    out = os.path.join(env.dir, "out")
    r = subprocess.run(["curl", "-sS", "--max-time", "120", "-x", "socks5h://localhost" + env.sock,
                        "-o", out, "-w", "%{speed_download}", env.url(name)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    env.emu_command("noise 0 0")
    if r.returncode != 0 or sha256_file(out) != env.files[name]:
        fail("download with noise %s %s failed: %s" % (ber, drop, r.stderr.decode()))
    crc = env.status()["link.crc_errors"] - before["link.crc_errors"]
    return float(r.stdout.decode()) / (BAUD / 10), crc


def simulated(ber, drop):
    sim = subprocess.run([binary("k210-linkbench"), "--bytes", "2M", "--baud", str(BAUD), "--ber", ber,
                          "--drop", drop], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=120).stdout.decode()
    m = re.search(r"goodput_ratio=([0-9.]+)", sim)
    if not m:
        fail("k210-linkbench: " + sim)
    return float(m.group(1))


failures = []
for ber, drop, share in CASES:
    clean = noisy = None
    for i in range(MAX_ROUNDS):
        c, _ = download("0", "0")
        n, crc = download(ber, drop)
        log("BER %s, drop %s, round %d: clean %.3f, noisy %.3f (%d CRC errors)" %
            (ber, drop, i + 1, c, n, crc))
        if crc == 0:
            fail("the noise did not reach the link: the figure means nothing")
        clean = c if clean is None else max(clean, c)
        noisy = n if noisy is None else max(noisy, n)
        if i + 1 >= MIN_ROUNDS and noisy >= share * clean:
            break
    print("noise: one download through k210sockd at %d baud, BER %s, byte drops %s: %.3f of the wire "
          "limit (clean line, same run: %.3f; %.1f%% of it; target >= %.0f%%); link simulation: %.3f" %
          (BAUD, ber, drop, noisy, clean, 100 * noisy / clean, 100 * share, simulated(ber, drop)))
    if noisy < share * clean:
        failures.append("BER %s, drop %s: the noisy download keeps %.3f of the clean one's throughput, "
                        "expected >= %.2f" % (ber, drop, noisy / clean, share))
env.check_no_leak(timeout=20)
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
if failures:
    fail("; ".join(failures))
print("bench-noise: 1 passed, 0 failed")
