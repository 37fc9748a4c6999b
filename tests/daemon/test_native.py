#!/usr/bin/env python3
"""The native protocol through the emulated board: DNS (localhost resolves,
a .invalid name fails with ENOHOST), UDP echo with a bound socket, and
listen/accept (a remote connects to the ESP's listening port, the client
claims the connection on a new daemon connection and it is a byte pipe)."""
import signal
import socket
import struct
import threading
import time

from harness import (Env, Native, fail, free_port, log, wait_for, recv_exact, msg, ERR, ERRNO, UDP_BIND,
                     DATAGRAM, EV_CLOSED, EV_ACCEPTED, EV_LOG, EV_DEVICE, EV_WIFI, LISTEN, ACCEPT, CLOSE,
                     DEVICE_INFO, RESET, SUBSCRIBE, WIFI_STATUS)


env = Env("native")
# The daemon joins the WiFi itself here: [wifi] is added by a reload.
env.start_board("--baud", "0", "--esp-baud", "0", autojoin=False)
access = {"allow_listen": "yes", "allow_udp": "yes"}
env.start_daemon(wait_attached=False, access=access)
wait_for(lambda: env.status().get("board.firmware"), 15, "the board")
time.sleep(1)
if env.status()["wifi.state"] == "got-ip":
    fail("the WiFi is up although nobody joined it")
env.write_conf(access=access, wifi={"ssid": "k210sim", "psk": "k210sim-pass"})
env.daemon.send_signal(signal.SIGHUP)
env.wait_attached()
if "WiFi: joined \"k210sim\"" not in env.read_log():
    fail("the daemon did not join the configured network on reload")

with Native(env.sock) as n:
    log("device info and WiFi status")
    r = n.request(DEVICE_INFO)
    if r["err"]:
        fail("DEVICE_INFO: " + ERR[r["err"]])
    r = n.request(WIFI_STATUS)
    if r["err"]:
        fail("WIFI_STATUS: " + ERR[r["err"]])

    log("DNS")
    err, addrs = n.resolve("localhost")
    if err != "OK" or "127.0.0.1" not in addrs:
        fail("RESOLVE localhost: %s %s" % (err, addrs))
    err, addrs = n.resolve("no-such-host.invalid")
    if err != "ENOHOST":
        fail("RESOLVE .invalid: %s %s" % (err, addrs))

    log("UDP echo")
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))
    echo.settimeout(10)
    echo_port = echo.getsockname()[1]

    def echo_loop():
        try:
            while True:
                data, addr = echo.recvfrom(4096)
                if data == b"quit":
                    return
                echo.sendto(data, addr)
        except OSError:
            return
    et = threading.Thread(target=echo_loop)
    et.start()
    r = n.request(UDP_BIND, struct.pack(">HHI", 7, 0, 0))
    if r["err"]:
        fail("UDP_BIND: " + ERR[r["err"]])
    back = 0
    for i in range(20):
        payload = b"datagram %d " % i + bytes(range(200))
        n.send(msg(DATAGRAM, struct.pack(">H4sH", 7, socket.inet_aton("127.0.0.1"), echo_port) +
                   payload))
        t, body = n.next_event((DATAGRAM, EV_CLOSED))
        if t == EV_CLOSED:
            fail("UDP socket closed: err %d" % body[2])
        sock, ip, port = struct.unpack(">H4sH", body[:8])
        if sock != 7 or socket.inet_ntoa(ip) != "127.0.0.1" or port != echo_port:
            fail("datagram from the wrong place: %d %s:%d" % (sock, socket.inet_ntoa(ip), port))
        if body[8:] != payload:
            fail("datagram %d altered" % i)
        back += 1
    log("UDP: a datagram to a denied destination is dropped with a warning")
    wifi = {"ssid": "k210sim", "psk": "k210sim-pass"}
    env.write_conf(access=dict(access, deny_destinations="127.0.0.1/32:%d" % echo_port), wifi=wifi)
    env.reload()
    n.send(msg(DATAGRAM, struct.pack(">H4sH", 7, socket.inet_aton("127.0.0.1"), echo_port) +
               b"must not leave"))
    t, body = n.next_event((DATAGRAM, EV_LOG, EV_CLOSED))
    if t != EV_LOG or b"refused by the rules" not in body:
        fail("a datagram to a denied destination: event %#x %r" % (t, body))
    if n.status().get("datagrams.refused") != 1:
        fail("datagrams.refused is not 1: %s" % n.status().get("datagrams.refused"))
    env.write_conf(access=access, wifi=wifi)
    env.reload()
    n.send(msg(DATAGRAM, struct.pack(">H4sH", 7, socket.inet_aton("127.0.0.1"), echo_port) +
               b"allowed again"))
    t, body = n.next_event((DATAGRAM, EV_CLOSED))
    if t != DATAGRAM or body[8:] != b"allowed again":
        fail("after the rule was lifted: event %#x %r" % (t, body))
    echo.sendto(b"quit", echo.getsockname())
    et.join(5)
    r = n.request(CLOSE, struct.pack(">H", 7))
    if r["err"]:
        fail("CLOSE of the UDP socket: " + ERR[r["err"]])
    log("UDP: %d of 20 datagrams echoed" % back)

    log("listen and accept")
    port = free_port()
    r = n.request(LISTEN, struct.pack(">HHBI", 3, port, 2, 0))
    if r["err"]:
        fail("LISTEN: " + ERR[r["err"]])
    remote = socket.create_connection(("127.0.0.1", port), timeout=10)
    t, body = n.next_event((EV_ACCEPTED,))
    lsock, token, rip, rport, _ = struct.unpack(">HH4sHI", body[:14])
    if lsock != 3:
        fail("EV_ACCEPTED for listener %d" % lsock)
    log("accepted token %d from %s:%d" % (token, socket.inet_ntoa(rip), rport))
    remote.sendall(b"hello from the remote\n")
    claim = Native(env.sock)
    r = claim.request(ACCEPT, struct.pack(">H", token))
    if r["err"]:
        fail("ACCEPT: " + ERR[r["err"]])
    pipe = claim.s
    got = claim.buf + recv_exact(pipe, 22 - len(claim.buf))
    if got != b"hello from the remote\n":
        fail("accepted pipe: got %r" % got)
    pipe.sendall(b"and back\n")
    if recv_exact(remote, 9) != b"and back\n":
        fail("accepted pipe: nothing came back")
    remote.close()
    pipe.settimeout(10)
    if pipe.recv(10) != b"":
        fail("accepted pipe: no EOF after the remote closed")
    pipe.close()

    log("a token cannot be claimed twice")
    with Native(env.sock) as again:
        r = again.request(ACCEPT, struct.pack(">H", token))
        if r["err"] != ERRNO["EBADF"]:
            fail("second claim: %s" % ERR[r["err"]])
    r = n.request(CLOSE, struct.pack(">H", 3))
    if r["err"]:
        fail("CLOSE of the listener: " + ERR[r["err"]])

env.check_no_leak()

log("events: SUBSCRIBE, then an ESP reset and a board RESET")
with Native(env.sock) as n:
    r = n.request(SUBSCRIBE, struct.pack(">I", 7))
    if r["err"]:
        fail("SUBSCRIBE: " + ERR[r["err"]])
    if env.emu_command("esp-reset") != "ok":
        fail("emulator refused esp-reset")
    t, body = n.next_event((EV_DEVICE,))
    if body[0] != 4:
        fail("EV_DEVICE after an ESP reset: what=%d" % body[0])
    t, body = n.next_event((EV_WIFI,))
    log("EV_WIFI state %d after the ESP reset" % body[0])
    env.wait_attached()
    r = n.request(RESET, b"\x00")
    if r["err"]:
        fail("RESET board: " + ERR[r["err"]])
    seen = set()
    while not {2, 3} <= seen:
        t, body = n.next_event((EV_DEVICE,))
        seen.add(body[0])
    log("board RESET: detached and reset events seen")
env.wait_attached()
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("native: 1 passed, 0 failed")
