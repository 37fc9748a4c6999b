#!/usr/bin/env python3
"""Tests of the K210 firmware image itself on the emulated K210 (k210-emu
--image): how it boots, as the host sees it on the USB line, and what it
does with a PLL that never locks.  Built on the shim tests' rig
(shimrig.py: boards, probe, daemon, the no-leak check at the end of every
test) and runner (itest.py); every board here runs
the image.

usage: test_image.py --emu K210-EMU --probe K210-PROBE --sim ESPAT-SIM --daemon K210SOCKD --cli K210SOCK
                     --image ELF TEST...
"""

import os
import select
import struct
import sys
import termios
import time
import tty

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shim"))
import itest  # noqa: E402
from shimrig import Board, Daemon, check, test  # noqa: E402

HELLO_INTERVAL = 0.25          # PROTOCOL.md §3.2: HELLO repeat while down
BOARD_MAX_BAUD = 3000000       # the image's K210_HOST_MAX_BAUD
# A UART's rate is what its divisor makes of its clock: within this of the nominal rate.
RATE_TOLERANCE = 0.01


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def cobs_decode(enc):
    """The frame body with its CRC (enc holds no delimiter), or None for a block cut short."""
    out, i = bytearray(), 0
    while i < len(enc):
        code, end = enc[i], i + enc[i]
        if end > len(enc):
            return None
        out += enc[i + 1:end]
        i = end
        if code < 255 and i < len(enc):
            out.append(0)
    return bytes(out)


def parse_hello(frame):
    """A good HELLO frame's fields as a dict; None if the frame is not one (or its CRC is wrong)."""
    raw = cobs_decode(frame)
    if raw is None or len(raw) < 9 + 22 + 4:
        return None
    body, crc = raw[:-4], struct.unpack(">I", raw[-4:])[0]
    if crc32c(body) != crc or body[0] & 0x0f != 3:
        return None
    major, minor, boot_id, nonce, peer_nonce, payload, window, max_baud, flags = \
        struct.unpack(">BBIIIHBIB", body[9:31])
    return {"version": (major, minor), "boot_id": boot_id, "nonce": nonce, "peer_nonce": peer_nonce,
            "payload": payload, "window": window, "max_baud": max_baud, "flags": flags}


def listen_raw(link, seconds, baud=termios.B115200):
    """What the board sends on its USB line for seconds, the host end at baud: (frames, bad) --
    each frame as (arrival time, decoded HELLO or None) and the count of undecodable ones.  The
    first piece, cut by the start of listening, is not counted."""
    fd = os.open(link, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        tty.setraw(fd)
        attrs = termios.tcgetattr(fd)
        attrs[4] = attrs[5] = baud
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        buf, frames, bad, first = b"", [], 0, True
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
            if not r:
                continue
            try:
                buf += os.read(fd, 4096)
            except BlockingIOError:
                continue
            while b"\x00" in buf:
                piece, buf = buf.split(b"\x00", 1)
                if first:
                    first = False
                    continue
                if not piece:
                    continue
                hello = parse_hello(piece)
                frames.append((time.monotonic(), hello))
                bad += hello is None
        return frames, bad
    finally:
        os.close(fd)


def near(value, nominal, tolerance=RATE_TOLERANCE):
    return abs(float(value) - nominal) <= tolerance * nominal


def hellos(ctx, board, seconds=1.6):
    """The board's HELLO frames over seconds: all decode, CRC good, version 1.0, the image's limits,
    one boot id, at the hello interval."""
    frames, bad = listen_raw(board.link, seconds)
    good = [h for _, h in frames if h]
    ctx.say("HELLO frames: %d good, %d bad: %s" % (len(good), bad, good[:1]))
    check(bad == 0, "%d frames on the USB line did not decode as a HELLO with a good CRC" % bad)
    want = seconds / HELLO_INTERVAL
    check(want - 2 <= len(good) <= want + 2, "%d HELLO frames in %.1f s, expected about %d (every %d ms)"
          % (len(good), seconds, want, HELLO_INTERVAL * 1000))
    check(all(h["version"] == (1, 0) for h in good), "protocol version 1.0")
    check(all(h["max_baud"] == BOARD_MAX_BAUD for h in good), "max_baud %d" % BOARD_MAX_BAUD)
    check(all(h["payload"] == 2048 and 1 <= h["window"] <= 32 for h in good), "payload 2048, a window")
    check(all(h["peer_nonce"] == 0 and h["nonce"] != 0 for h in good), "nonce set, no peer nonce yet")
    ids = {h["boot_id"] for h in good}
    check(len(ids) == 1, "one boot id in a boot: %s" % ids)
    stats = board.control("stats")
    check(near(stats["host_baud"], 115200), "UARTHS at %s baud, not 115200 within 1%%" % stats["host_baud"])
    return ids.pop()


@test("boot")
def t_boot(ctx):
    """The image boots: HELLO frames at 115200 (CRC good, v1.0, its limits, every 250 ms), a new boot id
    after a reset; both UARTs raised to 2 Mbaud; WiFi joined; k210sockd attaches and answers status."""
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    first_id = hellos(ctx, board)
    board.control("reset")
    second_id = hellos(ctx, board)
    check(second_id != first_id, "the boot id must change at a reset (%08x both times)" % first_id)

    board.probe("wait-wifi", "15")
    info = board.probe("info", baud=2000000)
    check(info["firmware"].startswith("k210sockd-shim"), "firmware name: %s" % info["firmware"])
    check(info["usb_baud"] == "2000000" and info["esp_baud"] == "2000000",
          "the image raises both UARTs to 2 Mbaud: usb %s, esp %s" % (info["usb_baud"], info["esp_baud"]))
    stats = board.control("stats")
    check(near(stats["esp_baud"], 2000000) and stats["esp_peer_baud"] == "2000000",
          "UART2 at %s baud by its divisor, the ESP8285 at %s" % (stats["esp_baud"], stats["esp_peer_baud"]))
    check(stats["esp_rx_overruns"] == "0", "UART2 overran %s times" % stats["esp_rx_overruns"])
    check(stats["exceptions"] == "0", "the image took %s exceptions" % stats["exceptions"])

    daemon = Daemon(ctx, board)
    st = daemon.status()
    check(st["board.firmware"].startswith("k210sockd-shim"), "daemon status: firmware %s" % st)
    check(st["link.baud"] == 2000000, "daemon status: link at %s baud" % st["link.baud"])
    check(st["wifi.state"] == "got-ip", "daemon status: WiFi %s" % st["wifi.state"])
    stats = board.control("stats")
    check(near(stats["host_baud"], 2000000), "UARTHS at %s baud with the daemon" % stats["host_baud"])
    daemon.check_idle()


@test("pll-off")
def t_pll_off(ctx):
    """The boot ROM leaves PLL0 off: the image programs it, waits for the lock and boots normally."""
    board = Board(ctx, ["--pll", "off", "--baud", "2000000", "--esp-baud", "2000000"])
    hellos(ctx, board)
    board.probe("wait-wifi", "15")
    info = board.probe("info", baud=2000000)
    check(info["usb_baud"] == "2000000", "link at %s after programming PLL0" % info["usb_baud"])
    stats = board.control("stats")
    check(stats["board_resets"] == "1", "the image reset itself: %s boots" % stats["board_resets"])


@test("pll-never")
def t_pll_never(ctx):
    """PLL0 never locks: the image gives up waiting and resets the chip (soft reset), again and again,
    and never speaks on either UART nor sets UART2 up meanwhile."""
    board = Board(ctx, ["--pll", "never", "--baud", "2000000"], autojoin=False)
    frames, bad = listen_raw(board.link, 3.0)
    check(not frames and bad == 0, "the USB line must stay silent: %d frames" % len(frames))
    end = time.monotonic() + 30
    while True:
        stats = board.control("stats")
        if int(stats["board_resets"]) >= 3:
            break
        check(board.proc.poll() is None, "k210-emu exited (%s): the give-up path is a reset, not a fault"
              % board.proc.returncode)
        check(time.monotonic() < end, "the image did not reset itself twice within 30 s: %s boots"
              % stats["board_resets"])
        time.sleep(0.2)
    check(stats["host_tx_bytes"] == "0" and stats["esp_tx_bytes"] == "0",
          "a chip without its clock sent bytes: usb %s, esp %s" % (stats["host_tx_bytes"], stats["esp_tx_bytes"]))
    check(stats["esp_baud"] == "0", "UART2 was set up (%s baud) before the clock was" % stats["esp_baud"])
    with open(board.link + ".log", errors="replace") as f:
        log = f.read()
    check(log.count("soft reset by the firmware") >= 2, "the resets must be the firmware's soft resets")
    check("firmware fault" not in log, "no fault")
    # A core that never started holds no sockets to check.
    board.stop()


if __name__ == "__main__":
    sys.exit(itest.main())
