#!/usr/bin/env python3
"""Integration tests and benchmarks of the firmware core on the emulated
board: k210-emu (the real core on emulated UARTs) with espat-sim as its
ESP8285, driven by k210-probe, against local servers (testserver.py).
Every test runs in a fresh temporary directory and stops every process it
started, on success and on failure; a test passes only if every board still
running at its end holds no socket (k210-emu's control "stats").

With K210_TEST_BOARD=image every board runs the K210 firmware image itself
(k210-emu --image: --image ELF, else K210_IMAGE_ELF) instead of the firmware
core built for Linux.

usage: itest.py --emu K210-EMU --probe K210-PROBE --sim ESPAT-SIM [--daemon K210SOCKD --cli K210SOCK]
                [--image ELF] TEST...
       itest.py --list
"""

import argparse
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import tty

# The test server module is imported from the source tree: leave no bytecode there.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testserver  # noqa: E402

from shimrig import (TESTS, Board, Context, Daemon, Failure, check, children, rate_is,  # noqa: E402
                     test, transfer_ok)


# ---- tests ----

@test("basic")
def t_basic(ctx):
    """Link at 2 Mbaud, ESP UART raised to 2 Mbaud, device info, DNS, scan."""
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    info = board.probe("info", baud=2000000)
    check(info["usb_baud"] == "2000000", "USB link not at 2 Mbaud: %s" % info["usb_baud"])
    check(info["esp_baud"] == "2000000", "ESP UART not at 2 Mbaud: %s" % info["esp_baud"])
    check(info["firmware"].startswith("k210sockd-shim"), "firmware name")
    check(info["at_version"].startswith("1.7"), "AT version")
    check(info["links_free"] == "5" and info["caps"] == "15", "links and caps")
    check(board.probe("resolve", "localhost")["ip"] == "127.0.0.1", "resolve localhost")
    bad = board.probe("resolve", "nothing.invalid", expect=1)
    check(bad["error_code"] == "17", "a .invalid name must give ENOHOST")
    scan = board.probe("wifi-scan")
    check(scan["count"] == "1" and scan["ap"].startswith("k210sim,"), "scan result")
    status = board.probe("wifi-status")
    check(status["state"] == "3" and status["ssid"] == "k210sim", "wifi status")
    stats = board.control("stats")
    check(rate_is(stats["host_baud"], 115200), "the link goes back to 115200 when the session ends")
    check(rate_is(stats["esp_baud"], 2000000), "ESP UART rate in the emulator")


@test("transfer")
def t_transfer(ctx):
    """Five sockets, 1 MB each way at once (256 KB on the image), checked byte for byte and by SHA-256."""
    srv = ctx.server(testserver.StreamServer)
    # The image offers 3 Mbaud at most (K210_HOST_MAX_BAUD), and the emulated CPU moves less:
    # a quarter of the bytes there.
    baud = 3000000 if ctx.image else 4000000
    size = 1 << 18 if ctx.image else 1 << 20
    board = Board(ctx, ["--baud", str(baud), "--esp-baud", str(baud)])
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 5, "--down", size,
                      "--up", size, baud=baud, timeout=50)
    transfer_ok(out, 5)


@test("udp")
def t_udp(ctx):
    """A bound UDP socket: datagrams out with an address, echoes back with the sender's."""
    udp = ctx.server(testserver.UdpEchoServer)
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    out = board.probe("udp-echo", "127.0.0.1", udp.port, "--count", 30, "--size", 700)
    check(out["received"] == "30" and out["from_port"] == str(udp.port), "UDP echoes: %s" % out)


@test("listen")
def t_listen(ctx):
    """LISTEN on the ESP: two clients connect, their bytes come back."""
    # The echo sends back only what the board's window allows: the link must not be slower than
    # the ESP's UART, which the image raises to 2 Mbaud whatever --esp-baud says.
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = board.probe_bg("listen", port, "--count", 2, baud=2000000)
    line = p.stdout.readline().decode()
    check(line.startswith("listening="), "no listener: %r" % line)
    for i in range(2):
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        data = testserver.pattern(7 + i, 20000)
        c.sendall(data)
        got = b""
        while len(got) < len(data):
            chunk = c.recv(65536)
            check(chunk, "echo ended early")
            got += chunk
        check(got == data, "echo differs")
        c.close()
    out, err = p.communicate(timeout=30)
    ctx.say(out.decode() + err.decode())
    check(p.returncode == 0, "listen failed")
    check(out.decode().count("accepted=") == 2, "two accepted connections")


@test("slow-reader")
def t_slow_reader(ctx):
    """A client that reads slowly loses nothing, and the remote sender is held back."""
    srv = ctx.server(testserver.StreamServer, sndbuf=8192)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    size, rate = 400000, 80000
    out = board.probe("transfer", "127.0.0.1", srv.port, "--down", size, "--read-rate", rate,
                      "--window", 16384, baud=2000000)
    transfer_ok(out, 1)
    secs = float(out["seconds"])
    check(secs >= 0.8 * size / rate, "the reader was not slow: %.1f s" % secs)
    cmd, started, sent, finished = srv.log[-1]
    check(sent is not None and sent - started >= 0.6 * size / rate,
          "the server was not held back: it sent everything in %.2f s" % (sent - started))


def interrupted_transfer(ctx, board, srv, action, errors=("connection reset",)):
    """A transfer that action interrupts fails with one of errors; new ones work after it."""
    p = board.probe_bg("transfer", "127.0.0.1", srv.port, "--down", 4000000, "--expect-fail",
                       baud=2000000, timeout=40)
    time.sleep(2)
    check(p.poll() is None, "the transfer ended before the reset")
    board.control(action)
    out, err = p.communicate(timeout=30)
    text = out.decode() + err.decode()
    ctx.say(text)
    check(p.returncode == 0, "the transfer must fail")
    why = text.split("why=", 1)[1].splitlines()[0] if "why=" in text else "(none)"
    check(why in errors, "the socket must fail with %s, not %s" % (" or ".join(errors), why))
    board.probe("wait-wifi", "15")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 100000, "--up", 50000,
                      baud=2000000)
    transfer_ok(out, 2)


@test("board-reset")
def t_board_reset(ctx):
    """A board reset mid-transfer fails the socket; new connections work after it."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    interrupted_transfer(ctx, board, srv, "reset")
    check(board.control("stats")["board_resets"] == "2", "one board reset")


@test("esp-reset")
def t_esp_reset(ctx):
    """An ESP8285 reset mid-transfer fails the socket; the board recovers."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    # Between replies the core sees the module's "ready" and fails the socket with ECONNRESET.  A
    # reset that cuts a reply short swallows "ready" into the reply's data: the read times out (EIO
    # for bytes it cannot vouch for) and the core, finding the module deaf, resets it itself.
    interrupted_transfer(ctx, board, srv, "esp-reset", errors=("connection reset", "WiFi module error"))
    stats = board.control("stats")
    check(stats["esp_resets"] == "1", "the core saw one ESP reset: %s" % stats["esp_resets"])
    check(rate_is(stats["esp_baud"], 2000000), "the ESP UART is raised again")


@test("at11")
def t_at11(ctx):
    """Factory AT 1.1: no passive receive, data arrives unsolicited; still checked whole."""
    srv = ctx.server(testserver.StreamServer)
    # Without passive receive nothing holds the remote back: the firmware keeps the ESP UART
    # below the USB line's rate by itself.
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--at-version", "1.1"])
    board.probe("wait-wifi", "10")
    info = board.probe("info")
    check(info["caps"] == "14" and info["at_version"].startswith("1.1"), "AT 1.1 without passive receive")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 200000, "--up", 100000,
                      baud=2000000)
    transfer_ok(out, 2)
    esp = int(board.control("stats")["esp_baud"])
    check(115200 < esp <= 0.93 * 2000000, "the ESP UART runs below the USB line: %d baud" % esp)


@test("at11-parallel")
def t_at11_parallel(ctx):
    """Factory AT 1.1 at 2 Mbaud: 20 fetches of 256 KB, five at a time, read at line rate; none is lost."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--at-version", "1.1"])
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 20, "--parallel", 5, "--down", 262144,
                      baud=2000000, timeout=100)
    transfer_ok(out, 20)
    stats = board.control("stats")
    check(stats["rx_overflows"] == "0", "receive overflows: %s" % stats["rx_overflows"])
    print("at11-parallel: %s bytes/s = %s of the USB wire; ESP UART at %s baud; the pool held at most %s bytes"
          % (out["aggregate_Bps"], out["aggregate_ratio"], stats["esp_baud"], stats.get("rx_pool_peak", "?")))


@test("at11-daemon")
def t_at11_daemon(ctx):
    """AT 1.1 through k210sockd on a 1.5 Mbaud link, the ESP UART able to go to 2 Mbaud: 20 curl
    fetches of 256 KB at once over SOCKS5, read at once; none is lost."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--at-version", "1.1"])
    daemon = Daemon(ctx, board, device={"baud": "1500000"})
    size = 262144
    want = hashlib.sha256(testserver.pattern(0, size)).hexdigest()
    start = time.monotonic()
    # Bodies go to files: a pipe nobody reads yet would stop its curl, and a stopped reader holds a link.
    outs = [os.path.join(ctx.work, "body%d" % i) for i in range(20)]
    curls = [subprocess.Popen(["curl", "-sS", "--max-time", "200", "-x", "socks5h://localhost" + daemon.sock,
                               "-o", out, "http://127.0.0.1:%d/bytes/%d" % (srv.port, size)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for out in outs]
    ctx.procs.extend(curls)
    failed = []
    for i, c in enumerate(curls):
        _, err = c.communicate(timeout=240)
        body = open(outs[i], "rb").read() if os.path.exists(outs[i]) else b""
        if c.returncode != 0 or hashlib.sha256(body).hexdigest() != want:
            failed.append("fetch %d: curl exit %d, %d bytes: %s" % (i, c.returncode, len(body),
                                                                  err.decode(errors="replace").strip()))
    took = time.monotonic() - start
    stats = board.control("stats")
    print("at11-daemon: 20 x %d bytes in %.1f s = %.0f bytes/s on a 1.5 Mbaud link; ESP UART at %s baud; "
          "receive pool peak %s bytes"
          % (size, took, 20 * size / took, stats["esp_baud"], stats.get("rx_pool_peak", "?")))
    check(not failed, "%d of 20 fetches failed: %s" % (len(failed), "; ".join(failed)))
    check(stats["rx_overflows"] == "0", "receive overflows: %s" % stats["rx_overflows"])
    daemon.check_idle()


@test("at2")
def t_at2(ctx):
    """ESP-AT 2.x spellings and reply formats."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--at-version", "2"])
    board.probe("wait-wifi", "10")
    check(board.probe("info")["at_version"].startswith("2."), "AT 2.x")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 300000, "--up", 100000,
                      baud=2000000)
    transfer_ok(out, 2)
    check(board.probe("resolve", "localhost")["ip"] == "127.0.0.1", "resolve on 2.x")


@test("tls")
def t_tls(ctx):
    """TLS terminated on the ESP8285 to a local TLS server."""
    srv = ctx.server(testserver.StreamServer, tls_context=testserver.tls_context(ctx.work))
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--tls", "--down", 200000, "--up", 100000,
                      baud=2000000)
    transfer_ok(out, 1)


@test("noise")
def t_noise(ctx):
    """Bit errors and lost bytes on the USB line: the link repairs them, the data is whole."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000", "--ber", "2e-6", "--drop", "2e-6",
                        "--seed", "7"])
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 400000, "--up", 200000,
                      baud=2000000)
    transfer_ok(out, 2)
    stats = board.control("stats")
    check(int(stats["host_flipped"]) + int(stats["host_dropped"]) > 0, "no noise was injected")


@test("unplug")
def t_unplug(ctx):
    """Unplug takes the pty away; replug brings a fresh board at the same path."""
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    board.control("unplug")
    check(not os.path.lexists(board.link), "the symlink must go on unplug")
    board.probe("info", timeout=2, expect=3)
    board.control("unplug-for 0.5")
    check(not os.path.lexists(board.link), "unplugged for a while: no symlink at first")
    end = time.monotonic() + 10
    while not os.path.lexists(board.link):
        check(time.monotonic() < end, "the symlink must come back")
        time.sleep(0.05)
    board.probe("wait-wifi", "10")
    stats = board.control("stats")
    check(stats["plugged"] == "1" and stats["replugs"] == "1", "replug counted")


@test("get")
def t_get(ctx):
    """An HTTP GET through the board, and the first-byte latency of a connection."""
    srv = ctx.server(testserver.StreamServer)
    banner = ctx.server(testserver.BannerServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"])
    board.probe("wait-wifi", "10")
    out = board.probe("get", "127.0.0.1", srv.port, "/bytes/150000", baud=2000000)
    check(out["status"] == "200" and out["bytes"] == "150000", "HTTP body")
    check(out["sha256"] == hashlib.sha256(testserver.pattern(0, 150000)).hexdigest(), "HTTP body checksum")
    fb = board.probe("first-byte", "127.0.0.1", banner.port, "--count", 10, baud=2000000)
    check(float(fb["median_ms"]) < 100, "first byte takes too long: %s ms" % fb["median_ms"])
    # connect: stdin to the socket, the socket to stdout, until the remote closes.
    p = subprocess.run([ctx.args.probe, "--link", board.link, "--timeout", "20", "connect", "127.0.0.1",
                        str(srv.port)], input=b"GET 5000 9\n", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    check(p.returncode == 0, "connect failed: %s" % p.stderr.decode())
    check(p.stdout.startswith(testserver.pattern(9, 5000)), "connect: the remote's bytes on stdout")


@test("lifecycle")
def t_lifecycle(ctx):
    """Signals, the control socket's errors, a dying espat-sim, and a clean exit."""
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    board.proc.send_signal(signal.SIGUSR1)
    board.probe("wait-wifi", "10")
    board.proc.send_signal(signal.SIGUSR2)
    time.sleep(0.5)
    board.probe("wait-wifi", "10")
    stats = board.control("stats")
    check(stats["board_resets"] == "2" and stats["esp_pulses"] == "1", "SIGUSR1/SIGUSR2: %s" % stats)
    # RESET from the host: the board answers, reboots, and a new session follows.
    board.probe("reset", "board")
    board.probe("wait-wifi", "10")
    board.probe("reset", "esp")
    board.probe("wait-wifi", "10")
    stats = board.control("stats")
    check(stats["board_resets"] == "3", "RESET what=BOARD reboots the board: %s" % stats["board_resets"])
    check(int(stats["esp_resets"]) >= 1, "the core saw the ESP8285 restart")
    for bad in ["frobnicate", "noise 2 0", "unplug-for soon", "unplug now"]:
        try:
            board.control(bad)
            raise Failure("control accepted %r" % bad)
        except Failure as e:
            check("error:" in str(e), "control %r: %s" % (bad, e))
    board.control("noise 0.00001 0")
    board.check_idle()
    board.proc.terminate()
    check(board.proc.wait(5) == 0, "k210-emu exit status after SIGTERM")
    check(not os.path.lexists(board.link) and not os.path.exists(board.ctl), "link and control socket removed")
    board.stop()
    # espat-sim dying takes the board down with a message.
    board = Board(ctx)
    board.probe("wait-wifi", "10")
    sim = children(board.proc.pid)
    check(len(sim) == 1, "one espat-sim child")
    os.kill(sim[0], signal.SIGKILL)
    check(board.proc.wait(5) == 1, "k210-emu must exit 1 when espat-sim dies")
    board.stop()
    with open(board.link + ".log") as f:
        check("espat-sim killed by signal 9" in f.read(), "the exit says why")
    # A file at the link path that is not a symlink is never replaced.
    keep = os.path.join(ctx.work, "not-a-link")
    with open(keep, "w") as f:
        f.write("keep")
    p = subprocess.run([ctx.args.emu, "--link", keep, "--esp-sim", ctx.args.sim], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    check(p.returncode == 1 and b"cannot publish" in p.stdout, "k210-emu must refuse a regular file: %r" % p.stdout)
    with open(keep) as f:
        check(f.read() == "keep", "the file at the link path was replaced")


def accept_close_on(ctx, board, what, count):
    """count connects to a server that closes at once, and as many to one that sends first: none may hang."""
    for greeting in (b"", b"220 hello, and goodbye\r\n"):
        srv = ctx.server(testserver.CloseServer, greeting)
        out = board.probe("accept-close", "127.0.0.1", srv.port, "--count", count, baud=2000000, timeout=120,
                          expect=None)
        check(out.get("hung") == "0" and out.get("connects") == str(count),
              "%s: connects to a server that closes at once (greeting %r): %s" % (what, greeting, out))
        check(int(out["opened"]) + int(out["refused"]) == count, "every connect has an outcome: %s" % out)
        if greeting:
            check(int(out["bytes"]) > 0, "the greetings arrive: %s" % out)


def accept_close(ctx, version, esp_args=(), count=100):
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--at-version", version] + list(esp_args))
    board.probe("wait-wifi", "10")
    accept_close_on(ctx, board, "AT " + version, count)


@test("accept-close-11")
def t_accept_close_11(ctx):
    """AT 1.1: 100 connects to a server that closes at once, 100 to one that sends first; no hang."""
    accept_close(ctx, "1.1")


@test("accept-close-17")
def t_accept_close_17(ctx):
    """AT 1.7: the same 2 x 100 connects to servers that close at once."""
    accept_close(ctx, "1.7")


@test("accept-close-2")
def t_accept_close_2(ctx):
    """ESP-AT 2.x: the same 2 x 100 connects to servers that close at once."""
    accept_close(ctx, "2")


@test("quirk-links")
def t_quirk_links(ctx):
    """AT 1.1 printing OK before CONNECT, the send prompt before OK, no Recv line, CR LF after +IPD data."""
    srv = ctx.server(testserver.StreamServer)
    quirks = ["--quirk", "ok-before-connect", "--quirk", "prompt-before-ok", "--quirk", "no-recv-bytes",
              "--quirk", "ipd-crlf"]
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--at-version", "1.1"] + quirks)
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 3, "--down", 100000, "--up", 60000,
                      baud=2000000)
    transfer_ok(out, 3)
    accept_close_on(ctx, board, "1.1 + quirks", 50)
    board.check_idle()
    board.stop()
    # Passive receive too: the late CONNECT is a confirmation there as well.
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--quirk", "ok-before-connect"])
    board.probe("wait-wifi", "10")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 100000, "--up", 60000,
                      baud=2000000)
    transfer_ok(out, 2)
    accept_close_on(ctx, board, "1.7 + ok-before-connect", 50)


@test("quirk-burst")
def t_quirk_burst(ctx):
    """An AT 1.1 module that holds its output and sends it in bursts: CONNECT, OK, CLOSED at once."""
    accept_close(ctx, "1.1", ["--quirk", "burst"], count=50)


@test("quirk-module")
def t_quirk_module(ctx):
    """A bare AT+GMR version, +CISFR:STAIP, no AT+UART_CUR, no passive receive, no sender addresses."""
    srv = ctx.server(testserver.StreamServer)
    udp = ctx.server(testserver.UdpEchoServer)
    quirks = ["--quirk", "gmr-bare", "--quirk", "cifsr-typo", "--quirk", "no-uart-cur", "--quirk", "no-passive",
              "--quirk", "no-dinfo"]
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], quirks)
    board.probe("wait-wifi", "10")
    info = board.probe("info", baud=2000000)
    check(info["at_version"].startswith("1.7.4"), "the bare version is read: %s" % info["at_version"])
    check(info["ip"] == "192.168.4.2", "the misspelled address line is read: %s" % info["ip"])
    check(info["esp_baud"] == "115200", "AT+UART_CUR refused: the ESP UART stays at 115200")
    check(info["caps"] == "14", "no passive receive: %s" % info["caps"])
    out = board.probe("transfer", "127.0.0.1", srv.port, "--streams", 2, "--down", 30000, "--up", 10000,
                      baud=2000000)
    transfer_ok(out, 2)
    bad = board.probe("udp-echo", "127.0.0.1", udp.port, expect=1)
    check(bad["error_code"] == "2", "no sender addresses: no UDP_BIND (ENOTSUP): %s" % bad)


@test("quirk-udp")
def t_quirk_udp(ctx):
    """A module that answers ERROR and a bare CLOSED to UDP: the module refused it, no port is in use."""
    udp = ctx.server(testserver.UdpEchoServer)
    board = Board(ctx, [], ["--quirk", "no-udp"])
    board.probe("wait-wifi", "10")
    bad = board.probe("udp-echo", "127.0.0.1", udp.port, expect=1)
    check(bad["error_code"] == "28" and bad["error"] == "the WiFi module refused the UDP socket",
          "UDP refused by the module: %s" % bad)


@test("quirk-join")
def t_quirk_join(ctx):
    """AT+CWJAP answered OK before the association: the join ends once the board has an address."""
    board = Board(ctx, [], ["--quirk", "join-ok-early"], autojoin=False)
    start = time.monotonic()
    out = board.probe("wifi-join", "k210sim", "k210sim-pass", timeout=40)
    took = time.monotonic() - start
    check(out.get("ok") == "1" and took >= 2, "the join is answered once associated (%.1f s): %s" % (took, out))
    status = board.probe("wifi-status")
    check(status["state"] == "3" and status["ip"] == "192.168.4.2", "joined with an address: %s" % status)
    check(board.probe("info")["ip"] == "192.168.4.2", "the address in DEVICE_INFO")


def wait_wedged(ctx, board, count, seconds=60):
    """Requests fail while the module is busy, until the board declares it wedged and resets it."""
    end = time.monotonic() + seconds
    while board.control("stats")["esp_wedged"] != str(count):
        check(time.monotonic() < end, "the busy module was not reset within %d s" % seconds)
        board.probe("resolve", "localhost", timeout=10, expect=None)
        time.sleep(1)


@test("quirk-busy")
def t_quirk_busy(ctx):
    """Busy for ever after a scan: reset after 35 s, sockets fail, counted; RESET works in that state."""
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--quirk", "busy-after-scan"])
    board.probe("wait-wifi", "10")
    board.probe("wifi-scan")
    start = time.monotonic()
    bad = board.probe("resolve", "localhost", expect=1)
    check(bad["error_code"] == "7", "a busy module: try again: %s" % bad)
    wait_wedged(ctx, board, 1)
    took = time.monotonic() - start
    check(took >= 30, "declared wedged after %.0f s: sooner than a command may run" % took)
    board.probe("wait-wifi", "15")
    check(board.probe("resolve", "localhost")["ip"] == "127.0.0.1", "the module answers again")
    out = board.probe("transfer", "127.0.0.1", srv.port, "--down", 50000, "--up", 20000, baud=2000000)
    transfer_ok(out, 1)
    # Wedged again: RESET of the module works at once.
    board.probe("wifi-scan")
    board.probe("resolve", "localhost", expect=1)
    start = time.monotonic()
    board.probe("reset", "esp", timeout=20)
    board.probe("wait-wifi", "15")
    check(time.monotonic() - start < 15, "RESET of a busy module took %.0f s" % (time.monotonic() - start))
    check(board.probe("resolve", "localhost")["ip"] == "127.0.0.1", "the module answers after RESET")
    check(board.control("stats")["esp_wedged"] == "1", "the RESET is not counted as a wedge")


@test("busy-daemon")
def t_busy_daemon(ctx):
    """Busy for ever, through k210sockd: reset esp works at once; the wedge is reset, logged and counted."""
    board = Board(ctx, ["--baud", "2000000", "--esp-baud", "2000000"], ["--quirk", "busy-after-scan"])
    daemon = Daemon(ctx, board)
    daemon.cli("wifi", "scan")
    daemon.cli("resolve", "localhost", expect=1)
    start = time.monotonic()
    daemon.cli("reset", "esp", timeout=30)
    took = time.monotonic() - start
    check(took < 10, "reset esp of a busy module took %.1f s" % took)
    end = time.monotonic() + 20
    while daemon.cli("resolve", "localhost", expect=None).returncode != 0:
        check(time.monotonic() < end, "the module does not answer after reset esp")
        time.sleep(0.5)
    # Busy again; this time the board finds out by itself.
    daemon.cli("wifi", "scan")
    end = time.monotonic() + 60
    while daemon.status().get("esp.wedged", 0) < 1:
        check(time.monotonic() < end, "the busy module was not reset within 60 s")
        daemon.cli("resolve", "localhost", expect=None, timeout=30)
        time.sleep(1)
    with open(daemon.log) as f:
        check("answered only \"busy\"" in f.read(), "the daemon logs the wedge")
    end = time.monotonic() + 20
    while daemon.cli("resolve", "localhost", expect=None).returncode != 0:
        check(time.monotonic() < end, "the module does not answer after the board reset it")
        time.sleep(0.5)
    daemon.check_idle()


# ---- benchmarks (ctest label "bench") ----
#
# A benchmark's figure is a ratio to the wire limit (baud/10 bytes/s).  A
# machine busy with other work makes an emulated line slower than the baud
# rate says, so each round also measures a bare paced line (k210-emu
# --raw-source: the same pacing, no firmware, no ESP8285) and the verdict
# uses the chain's figure over that baseline.  Rounds repeat, up to
# BENCH_ROUNDS, until one meets the target: a spoiled round is measured again.

BENCH_BAUD = 2000000
BENCH_ROUNDS = 4
BENCH_TARGET = 0.85        # of the wire limit, on a quiet machine
BENCH_RAW_QUIET = 0.99     # what a bare paced line delivers on a quiet machine


def raw_line_ratio(ctx, baud=BENCH_BAUD, seconds=2.0):
    """Bytes a bare paced line delivers now, as a ratio of baud/10."""
    link = os.path.join(ctx.work, "raw%d" % ctx.boards)
    ctx.boards += 1
    log = open(link + ".log", "w")
    p = subprocess.Popen([ctx.args.emu, "--link", link, "--raw-source", "--baud", str(baud)],
                         stdout=log, stderr=subprocess.STDOUT)
    ctx.procs.append(p)
    try:
        end = time.monotonic() + 5
        while not os.path.exists(link):
            check(p.poll() is None and time.monotonic() < end, "k210-emu --raw-source did not start")
            time.sleep(0.02)
        fd = os.open(link, os.O_RDONLY | os.O_NOCTTY)
        try:
            tty.setraw(fd)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 0.3:         # settle: the start is not steady
                os.read(fd, 65536)
            got, t0 = 0, time.monotonic()
            while time.monotonic() - t0 < seconds:
                got += len(os.read(fd, 65536))
            rate = got / (time.monotonic() - t0)
        finally:
            os.close(fd)
    finally:
        p.terminate()
        p.wait(5)
        log.close()
    return rate / (baud / 10)


def bench_download(ctx, streams, size):
    srv = ctx.server(testserver.StreamServer)
    board = Board(ctx, ["--baud", str(BENCH_BAUD), "--esp-baud", str(BENCH_BAUD)])
    board.probe("wait-wifi", "10")
    out = board.probe("bench-download", "127.0.0.1", srv.port, streams, "--size", size, baud=BENCH_BAUD,
                      timeout=50)
    transfer_ok(out, streams)
    board.check_idle()
    board.stop()
    srv.close()
    ctx.servers.remove(srv)
    return out


def bench_rounds(ctx, streams, size, good):
    """Baseline and download in turns; returns (out, raw) of the best round."""
    best = None
    for rnd in range(BENCH_ROUNDS):
        raw = raw_line_ratio(ctx)
        out = bench_download(ctx, streams, size)
        ratio = float(out["aggregate_ratio"])
        print("round %d: %.3f of the wire; bare paced line %.3f; figure %.3f of the bare line"
              % (rnd + 1, ratio, raw, ratio / raw), flush=True)
        if best is None or ratio / raw > float(best[0]["aggregate_ratio"]) / best[1]:
            best = (out, raw)
        if good(out, raw):
            break
    return best


def bench_ratio_ok(out, raw):
    """The target on a quiet machine, or the same share of what the machine's paced line delivers."""
    ratio = float(out["aggregate_ratio"])
    return ratio >= BENCH_TARGET or ratio / raw >= BENCH_TARGET / BENCH_RAW_QUIET


@test("bench-one", bench=True)
def b_one(ctx):
    """One TCP download, USB link and ESP UART at 2 Mbaud: target 85% of 200 KB/s (of a bare paced line)."""
    out, raw = bench_rounds(ctx, 1, 1500000, bench_ratio_ok)
    ratio = float(out["aggregate_ratio"])
    print("bench-one: %s bytes/s = %.3f of the wire limit (baud/10 = 200000 bytes/s); a bare paced line "
          "%.3f; %.3f of it" % (out["aggregate_Bps"], ratio, raw, ratio / raw))
    check(bench_ratio_ok(out, raw), "one download reached %.3f of the wire, %.3f of a bare paced line "
          "(%.3f): target 0.85 of the wire, %.3f of the line" %
          (ratio, ratio / raw, raw, BENCH_TARGET / BENCH_RAW_QUIET))


@test("bench-five", bench=True)
def b_five(ctx):
    """Five parallel downloads: aggregate 85% of the wire (of a bare paced line), each within 10% of the mean."""
    def good(out, raw):
        return bench_ratio_ok(out, raw) and float(out["spread_pct"]) <= 10.0
    out, raw = bench_rounds(ctx, 5, 400000, good)
    ratio = float(out["aggregate_ratio"])
    spread = float(out["spread_pct"])
    print("bench-five: aggregate %s bytes/s = %.3f of the wire limit (a bare paced line %.3f; %.3f of it); "
          "streams %.3f..%.3f, spread %.1f%%"
          % (out["aggregate_Bps"], ratio, raw, ratio / raw, float(out["min_ratio"]), float(out["max_ratio"]),
             spread))
    for line in out["stream"] if isinstance(out["stream"], list) else [out["stream"]]:
        print("  stream=" + line)
    check(bench_ratio_ok(out, raw), "five downloads reached %.3f of the wire, %.3f of a bare paced line: "
          "target 0.85 of the wire, %.3f of the line" % (ratio, ratio / raw, BENCH_TARGET / BENCH_RAW_QUIET))
    check(spread <= 10.0, "a stream is %.1f%% off the mean, target 10%%" % spread)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emu")
    ap.add_argument("--probe")
    ap.add_argument("--sim")
    ap.add_argument("--daemon", help="k210sockd, for the tests through the daemon")
    ap.add_argument("--cli", help="k210sock, for the tests through the daemon")
    ap.add_argument("--image", help="the firmware image the boards run with K210_TEST_BOARD=image")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("tests", nargs="*")
    args = ap.parse_args()
    if args.list:
        for name, (fn, bench) in TESTS.items():
            print("%-12s %s%s" % (name, "[bench] " if bench else "", fn.__doc__.strip()))
        return 0
    if not (args.emu and args.probe and args.sim) or not args.tests:
        ap.error("--emu, --probe, --sim and at least one test are needed")
    failed = 0
    for name in args.tests:
        if name not in TESTS:
            print("unknown test %s" % name)
            return 2
        ctx = Context(args, name)
        start = time.monotonic()
        ok = False
        try:
            TESTS[name][0](ctx)
            # Whatever the test did, no board it leaves running may hold a socket.
            for b in ctx.boards_running:
                if b.proc.poll() is None and b.ctx is ctx:
                    b.check_idle()
            ok = True
        except (Failure, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
            if not args.verbose:
                print("\n".join(ctx.transcript[-12:]))
        finally:
            ctx.cleanup(not ok)
        print("%s %s (%.1f s)" % ("ok" if ok else "FAIL", name, time.monotonic() - start), flush=True)
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
