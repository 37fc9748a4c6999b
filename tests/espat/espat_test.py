#!/usr/bin/env python3
"""Drives espat-sim over its real transport and checks its replies byte for byte.

Each case starts the simulator on stdin/stdout (or a pty), with local TCP/UDP/TLS peers on
127.0.0.1 started by the case itself, in a temporary directory removed afterwards.
Usage: espat_test.py --sim PATH CASE
"""

import argparse
import os
import random
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import espat_harness
from espat_harness import PSK, Failure, Server, Sim, check, echo_handler, free_port, pattern, send_data

TMP = None


# ---------------------------------------------------------------- cases

def case_boot():
    sim = Sim()
    sim.cmd("AT", "AT\r\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPMUX?", "AT+CIPMUX?\r\r\n+CIPMUX:0\r\n\r\nOK\r\n")
    sim.cmd("AT+SYSRAM?", "AT+SYSRAM?\r\r\n+SYSRAM:46000\r\n\r\nOK\r\n")
    sim.cmd("AT+SYSSTORE=0", "AT+SYSSTORE=0\r\r\n\r\nERROR\r\n")
    sim.cmd("AT+NOSUCH", "AT+NOSUCH\r\r\n\r\nERROR\r\n")
    sim.close()


def case_echo():
    sim = Sim()
    sim.cmd("ATE0", "ATE0\r\r\n\r\nOK\r\n")
    sim.cmd("AT", "\r\nOK\r\n")
    sim.cmd("ATE1", "\r\nOK\r\n")
    sim.cmd("AT", "AT\r\r\n\r\nOK\r\n")
    # The echo follows the bytes as they arrive, byte by byte.
    for b in b"AT+GMR":
        sim.send(bytes([b]))
        sim.expect(bytes([b]))
    sim.send("\r\n")
    sim.expect("\r\r\nAT version:1.7.4.0")
    sim.until("OK\r\n")
    sim.close()


def case_gmr():
    texts = {
        "1.1": "AT version:1.1.0.0(May 11 2016 18:09:56)\r\nSDK version:1.5.4(baaeaebb)\r\n"
               "Ai-Thinker Technology Co. Ltd.\r\nJun 13 2016 11:29:20\r\nOK\r\n",
        "1.7": "AT version:1.7.4.0(May 11 2020 19:13:04)\r\nSDK version:3.0.4(9532ceb)\r\n"
               "compile time:May 27 2020 10:12:17\r\nBin version(Wroom 02):1.7.4\r\nOK\r\n",
        "2": "AT version:2.2.0.0(b097cdf - ESP8266 - Jun 17 2021 12:57:45)\r\nSDK version:v3.4-22-g967752e2\r\n"
             "compile time(6800286):Aug  4 2021 17:20:05\r\nBin version:2.2.0(ESP8266_1MB)\r\n\r\nOK\r\n",
    }
    for version, text in texts.items():
        sim = Sim("--at-version", version)
        sim.cmd("AT+GMR", "AT+GMR\r\r\n" + text)
        sim.close()


def case_cipmux():
    srv = Server(echo_handler)
    sim = Sim()
    sim.setup(mux=False)
    sim.cmd("AT+CIPSERVER=1,5555", "\r\nERROR\r\n")
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "Link type ERROR\r\n\r\nERROR\r\n")
    sim.cmd('AT+CIPSTART="TCP","127.0.0.1",%d' % srv.port, "CONNECT\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPMUX=1", "link is builded\r\n\r\nERROR\r\n")
    sim.cmd("AT+CIPSEND=3", "\r\nOK\r\n> ")
    sim.send("abc")
    sim.expect("\r\nRecv 3 bytes\r\n\r\nSEND OK\r\n")
    sim.expect("\r\n+IPD,3:abc")
    sim.cmd("AT+CIPCLOSE", "CLOSED\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
    sim.cmd("AT+CIPMUX?", "+CIPMUX:1\r\n\r\nOK\r\n")
    port = free_port(socket.SOCK_STREAM)
    sim.cmd("AT+CIPSERVER=1,%d" % port, "\r\nOK\r\n")
    sim.cmd("AT+CIPMUX=0", "CIPSERVER must be 0\r\n\r\nERROR\r\n")
    sim.cmd("AT+CIPSERVER=0", "\r\nOK\r\n")
    sim.cmd("AT+CIPMUX=0", "\r\nOK\r\n")
    sim.close()
    srv.close()


def case_tcp_active():
    srv = Server(echo_handler)
    sim = Sim()
    sim.setup()
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "ALREADY CONNECTED\r\n\r\nERROR\r\n")
    send_data(sim, 0, b"hello")
    check(sim.ipd_active(0) == b"hello", "echo mismatch")
    every_byte = bytes(range(256)) * 4
    send_data(sim, 0, every_byte)
    got = b""
    while len(got) < len(every_byte):
        got += sim.ipd_active(0)
    check(got == every_byte, "binary data altered")
    sim.cmd("AT+CIPSTATUS", "STATUS:3\r\n")
    line = sim.until("\r\n")
    check(line.startswith(b'+CIPSTATUS:0,"TCP","127.0.0.1",%d,' % srv.port) and line.endswith(b",0\r\n"),
          "bad CIPSTATUS line %r" % line)
    sim.expect("\r\nOK\r\n")
    sim.cmd("AT+CIPDINFO=1", "\r\nOK\r\n")
    send_data(sim, 0, b"xy")
    sim.expect(b"\r\n+IPD,0,2,127.0.0.1,%d:xy" % srv.port)
    sim.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPCLOSE=0", "UNLINK\r\n\r\nERROR\r\n")
    sim.cmd("AT+CIPSTATUS", "STATUS:4\r\n\r\nOK\r\n")
    # The peer closing is reported as a URC.
    sim.cmd('AT+CIPSTART=2,"TCP","localhost",%d,60' % srv.port, "2,CONNECT\r\n\r\nOK\r\n")
    deadline = time.time() + 3
    while len(srv.conns) < 2:
        check(time.time() < deadline, "server never saw the connection")
        time.sleep(0.01)
    srv.conns[-1].shutdown(socket.SHUT_RDWR)
    sim.expect("2,CLOSED\r\n")
    sim.cmd("AT+CIPCLOSE=5", "\r\nOK\r\n")
    sim.close()
    srv.close()


def source_handler(payload, close_after=True):
    def handler(conn):
        conn.sendall(payload)
        if close_after:
            time.sleep(0.2)
            conn.close()
    return handler


def read_passive(sim, link, total, chunk=2048):
    got = b""
    while len(got) < total:
        sim.send("AT+CIPRECVDATA=%d,%d\r\n" % (link, chunk))
        deadline = time.time() + 5
        while b":" not in sim.buf and b"\r\nERROR\r\n" not in sim.buf:
            check(time.time() < deadline, "no CIPRECVDATA reply")
            sim.fill(deadline - time.time())
        if b":" not in sim.buf:
            # The buffer was empty for a moment (the host drained it faster than data came in).
            sim.skipped += sim.until(b"\r\nERROR\r\n")
            time.sleep(0.02)
            continue
        head = sim.until(b":", 5)
        # Skip passive notifications that arrived before the reply.
        marker = b"\r\n+CIPRECVDATA,"
        idx = head.rfind(marker)
        check(idx >= 0, "no CIPRECVDATA reply in %r" % head)
        sim.skipped += head[:idx]
        n = int(head[idx + len(marker):-1])
        check(0 < n <= chunk, "bad length %d" % n)
        deadline = time.time() + 5
        while len(sim.buf) < n:
            check(time.time() < deadline, "short CIPRECVDATA payload")
            sim.fill(deadline - time.time())
        got += bytes(sim.buf[:n])
        del sim.buf[:n]
        sim.until("\r\nOK\r\n")
    return got


def case_tcp_passive():
    payload = pattern(5000)
    srv = Server(source_handler(payload))
    sim = Sim()
    sim.setup()
    sim.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
    sim.cmd("AT+CIPRECVMODE?", "+CIPRECVMODE:1\r\n\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    note = sim.until("\r\n+IPD,0,")
    check(note == b"\r\n+IPD,0,", "notification expected, got %r" % note)
    n = int(sim.until("\r\n")[:-2])
    check(0 < n <= 2920, "bad notification length %d" % n)
    time.sleep(0.5)
    sim.buf.clear()
    sim.fill(0.1)
    sim.buf.clear()
    sim.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:2920,0,0,0,0\r\n\r\nOK\r\n")
    got = read_passive(sim, 0, len(payload))
    check(got == payload, "passive data mismatch")
    # The server closed after sending: CLOSED was printed even while data was buffered.
    if b"0,CLOSED\r\n" not in sim.skipped:
        sim.until("0,CLOSED\r\n")
    sim.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:0,0,0,0,0\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPRECVDATA=0,10", "link is not valid\r\n\r\nERROR\r\n")
    sim.close()
    srv.close()


def case_recvdata_chunks():
    payload = pattern(3000, 2)
    srv = Server(source_handler(payload, close_after=False))
    sim = Sim()
    sim.setup()
    sim.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=1,"TCP","127.0.0.1",%d' % srv.port, "1,CONNECT\r\n\r\nOK\r\n")
    time.sleep(0.5)
    sim.fill(0.1)
    sim.buf.clear()
    sim.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:0,2920,0,0,0\r\n\r\nOK\r\n")
    # A request above 2048 is capped at 2048; one below the buffered amount gets just that.
    sim.send("AT+CIPRECVDATA=1,5000\r\n")
    sim.expect_past_notes(b"\r\n+CIPRECVDATA,2048:" + payload[:2048] + b"\r\nOK\r\n")
    sim.send("AT+CIPRECVDATA=1,10\r\n")
    sim.expect_past_notes(b"\r\n+CIPRECVDATA,10:" + payload[2048:2058] + b"\r\nOK\r\n")
    rest = read_passive(sim, 1, len(payload) - 2058)
    check(rest == payload[2058:], "chunked data mismatch")
    sim.buf.clear()
    sim.cmd("AT+CIPRECVDATA=1,10", "\r\nERROR\r\n")
    sim.cmd("AT+CIPRECVDATA=9,10", "\r\nERROR\r\n")
    sim.close()
    srv.close()


def case_backpressure():
    total = 400 * 1024
    payload = pattern(total, 3)
    progress = {"sent": 0, "done": False}

    def handler(conn):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
        view = memoryview(payload)
        while view:
            n = conn.send(view[:4096])
            progress["sent"] += n
            view = view[n:]
        progress["done"] = True
        conn.close()

    srv = Server(handler, sndbuf=8192)
    sim = Sim("--unpaced")
    sim.setup()
    sim.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    time.sleep(1.0)
    stalled_at = progress["sent"]
    time.sleep(0.5)
    check(progress["sent"] == stalled_at, "remote sender was not held back (%d -> %d bytes)"
          % (stalled_at, progress["sent"]))
    check(stalled_at < 128 * 1024, "remote sender got %d bytes out before blocking" % stalled_at)
    check(not progress["done"], "remote sender finished although nothing was read")
    sim.fill(0.1)
    sim.buf.clear()
    got = read_passive(sim, 0, total)
    check(got == payload, "data corrupted under back-pressure")
    deadline = time.time() + 5
    while not progress["done"]:
        check(time.time() < deadline, "sender never finished")
        time.sleep(0.01)
    sim.close()
    srv.close()


def case_udp():
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(3)
    peer_port = peer.getsockname()[1]
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.1", 0))
    other.settimeout(3)
    local = free_port()
    sim = Sim()
    sim.setup()
    # Mode 2 with remote 0.0.0.0: a listener whose remote is every datagram's sender.
    sim.cmd('AT+CIPSTART=1,"UDP","0.0.0.0",0,%d,2' % local, "1,CONNECT\r\n\r\nOK\r\n")
    peer.sendto(b"ping", ("127.0.0.1", local))
    check(sim.ipd_active(1) == b"ping", "datagram not delivered")
    send_data(sim, 1, b"pong")
    data, addr = peer.recvfrom(100)
    check(data == b"pong" and addr[1] == local, "reply not sent to the last sender")
    other.sendto(b"x" * 1400, ("127.0.0.1", local))
    check(sim.ipd_active(1) == b"x" * 1400, "datagram not whole")
    send_data(sim, 1, b"to-other")
    check(other.recvfrom(100)[0] == b"to-other", "remote did not follow the sender")
    # An explicit destination in AT+CIPSEND.
    sim.cmd('AT+CIPSEND=1,3,"127.0.0.1",%d' % peer_port, "\r\nOK\r\n> ")
    sim.send("abc")
    sim.expect("\r\nRecv 3 bytes\r\n\r\nSEND OK\r\n")
    check(peer.recvfrom(100)[0] == b"abc", "explicit destination ignored")
    sim.cmd("AT+CIPCLOSE=1", "1,CLOSED\r\n\r\nOK\r\n")
    # Mode 0: a fixed remote; datagrams go there.
    sim.cmd('AT+CIPSTART=2,"UDP","127.0.0.1",%d,%d,0' % (peer_port, local), "2,CONNECT\r\n\r\nOK\r\n")
    send_data(sim, 2, b"fixed")
    check(peer.recvfrom(100)[0] == b"fixed", "mode 0 remote not used")
    peer.sendto(b"back", ("127.0.0.1", local))
    check(sim.ipd_active(2) == b"back", "mode 0 reply not delivered")
    sim.cmd('AT+CIPSEND=2,3,"127.0.0.1"', "\r\nERROR\r\n")
    sim.close()
    peer.close()
    other.close()


def case_server():
    port = free_port(socket.SOCK_STREAM)
    sim = Sim()
    sim.setup()
    sim.cmd("AT+CIPSTO?", "+CIPSTO:180\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPSTO=60", "\r\nOK\r\n")
    sim.cmd("AT+CIPSERVER=1,%d" % port, "\r\nOK\r\n")
    sim.cmd("AT+CIPSERVER=1,%d" % port, "no change\r\n\r\nOK\r\n")
    clients = []
    for i in range(5):
        c = socket.create_connection(("127.0.0.1", port), 3)
        clients.append(c)
        sim.expect("%d,CONNECT\r\n" % i)
    clients[2].sendall(b"hi there")
    check(sim.ipd_active(2) == b"hi there", "server client data lost")
    send_data(sim, 2, b"welcome")
    clients[2].settimeout(3)
    check(clients[2].recv(100) == b"welcome", "reply to server client lost")
    # No free link: the sixth connection is closed at once.
    extra = socket.create_connection(("127.0.0.1", port), 3)
    extra.settimeout(3)
    try:
        check(extra.recv(10) == b"", "sixth client was not refused")
    except ConnectionResetError:
        pass
    extra.close()
    clients[4].close()
    sim.expect("4,CLOSED\r\n")
    sim.cmd("AT+CIPSTATUS", "STATUS:3\r\n")
    status = sim.until("\r\nOK\r\n")
    check(status.count(b"+CIPSTATUS:") == 4 and b',%d,1\r\n' % port in status, "bad status %r" % status)
    for c in clients[:4]:
        c.close()
    closed = b"".join(sim.until("CLOSED\r\n") for _ in range(4))
    check(all(b"%d,CLOSED" % i in closed for i in range(4)), "clients not all closed: %r" % closed)
    # AT+CIPSTO: a server client idle that long is closed by the chip.
    sim.cmd("AT+CIPSTO=1", "\r\nOK\r\n")
    idle = socket.create_connection(("127.0.0.1", port), 3)
    sim.expect("0,CONNECT\r\n")
    started = time.time()
    sim.expect("0,CLOSED\r\n", 4)
    check(time.time() - started > 0.8, "idle client closed too early")
    idle.close()
    sim.cmd("AT+CIPSERVER=0", "\r\nOK\r\n")
    sim.close()


def case_domain():
    for version, ok in (("1.7", "+CIPDOMAIN:127.0.0.1\r\n\r\nOK\r\n"), ("2", '+CIPDOMAIN:"127.0.0.1"\r\n\r\nOK\r\n')):
        sim = Sim("--at-version", version)
        sim.cmd("ATE0", "ATE0\r\r\n\r\nOK\r\n")
        sim.cmd('AT+CIPDOMAIN="localhost"', "DNS Fail\r\n\r\nERROR\r\n")
        sim.cmd('AT+CWJAP="k210sim","%s"' % PSK, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
        sim.cmd('AT+CIPDOMAIN="localhost"', ok)
        sim.cmd('AT+CIPDOMAIN="no-such-host.invalid"', "DNS Fail\r\n\r\nERROR\r\n")
        sim.cmd("AT+CIPDOMAIN=localhost", "\r\nERROR\r\n")
        sim.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
        sim.cmd('AT+CIPSTART=0,"TCP","no-such-host.invalid",80', "DNS Fail\r\n\r\nERROR\r\n")
        sim.close()


def case_send_errors():
    srv = Server(echo_handler)
    closed_port = free_port(socket.SOCK_STREAM)
    sim = Sim()
    sim.setup(join=False)
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "no ip\r\n\r\nERROR\r\n")
    sim.cmd('AT+CWJAP_CUR="k210sim","%s"' % PSK, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % closed_port, "\r\nERROR\r\n0,CLOSED\r\n")
    sim.cmd('AT+CIPSTART=0,"XYZ","127.0.0.1",80', "Link type ERROR\r\n\r\nERROR\r\n")
    sim.cmd('AT+CIPSTART=5,"TCP","127.0.0.1",80', "\r\nERROR\r\n")
    sim.cmd("AT+CIPSEND=3,5", "link is not valid\r\n\r\nERROR\r\n")
    sim.cmd('AT+CIPSTART=3,"TCP","127.0.0.1",%d' % srv.port, "3,CONNECT\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPSEND=3,0", "\r\nERROR\r\n")
    sim.cmd("AT+CIPSEND=3,2049", "\r\nERROR\r\n")
    sim.cmd("AT+CIPSEND=3,x", "\r\nERROR\r\n")
    sim.cmd('AT+CIPSEND=3,2,"127.0.0.1",1', "\r\nERROR\r\n")
    sim.cmd("AT+CIPSEND=3,2048", "\r\nOK\r\n> ")
    sim.send(b"z" * 2048)
    sim.expect("\r\nRecv 2048 bytes\r\n\r\nSEND OK\r\n")
    got = b""
    while len(got) < 2048:
        got += sim.ipd_active(3)
    sim.cmd("AT+CIPCLOSE=3", "3,CLOSED\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPSEND=3,5", "link is not valid\r\n\r\nERROR\r\n")
    # The link dies while the host is still sending its data: SEND FAIL.
    sim.cmd('AT+CIPSTART=4,"TCP","127.0.0.1",%d' % srv.port, "4,CONNECT\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPSEND=4,6", "\r\nOK\r\n> ")
    sim.send("abc")
    deadline = time.time() + 3
    while len(srv.conns) < 2:
        check(time.time() < deadline, "server never saw link 4")
        time.sleep(0.01)
    srv.conns[-1].shutdown(socket.SHUT_RDWR)
    sim.expect("4,CLOSED\r\n")
    sim.send("def")
    sim.expect("\r\nRecv 6 bytes\r\n\r\nSEND FAIL\r\n")
    sim.close()
    srv.close()


def case_busy():
    # busy p: a command arriving while another one is still running.
    sim = Sim("--cmd-latency-us", "300000")
    sim.send("ATE0\r\n")
    sim.expect("ATE0\r\r\n")
    # Echo is already off: ATE0 took effect, only its OK is still held back.
    sim.send("AT\r\n")
    sim.expect("busy p...\r\n")
    sim.expect("\r\nOK\r\n", 2)
    sim.send("AT\r\nAT\r\n")
    sim.expect("busy p...\r\n")
    sim.expect("\r\nOK\r\n", 2)
    sim.close()
    sim = Sim()
    sim.setup(join=False)
    sim.send('AT+CWJAP_CUR="k210sim","%s"\r\nAT\r\n' % PSK)
    sim.expect("busy p...\r\n")
    sim.expect("WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPMUX=1", "\r\nOK\r\n")

    # busy s: bytes right behind the data, in the same write, meet a chip that is still sending.
    srv = Server(echo_handler)
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPSEND=0,3", "\r\nOK\r\n> ")
    sim.send("abcAT\r\n")
    sim.expect("\r\nRecv 3 bytes\r\nbusy s...\r\n\r\nSEND OK\r\n")
    check(sim.ipd_active(0) == b"abc", "data after busy s lost")

    # busy s while the socket does not take the data (the peer stops reading).
    hold = threading.Event()

    def lazy(conn):
        hold.wait(20)
        while conn.recv(65536):
            pass

    lazy_srv = Server(lazy, rcvbuf=4096)
    sim.cmd('AT+CIPSTART=1,"TCP","127.0.0.1",%d' % lazy_srv.port, "1,CONNECT\r\n\r\nOK\r\n")
    blocked = False
    for _ in range(1000):
        sim.cmd("AT+CIPSEND=1,2048", "\r\nOK\r\n> ")
        sim.send(b"q" * 2048)
        sim.expect("\r\nRecv 2048 bytes\r\n")
        deadline = time.time() + 0.3
        while len(sim.buf) < 13 and time.time() < deadline:
            sim.fill(deadline - time.time())
        if not sim.buf:
            blocked = True
            break
        sim.expect("\r\nSEND OK\r\n")
    check(blocked, "socket never filled up")
    sim.send("AT\r\n")
    sim.expect("busy s...\r\n")
    hold.set()
    sim.expect("\r\nSEND OK\r\n", 10)
    sim.cmd("AT", "\r\nOK\r\n")
    sim.close()
    srv.close()
    lazy_srv.close()


def make_cert():
    key = os.path.join(TMP, "key.pem")
    cert = os.path.join(TMP, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)
    return cert, key


class TlsServer(Server):
    def __init__(self, cert, key):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        super().__init__(self.tls_echo)

    def tls_echo(self, conn):
        tls = self.ctx.wrap_socket(conn, server_side=True)
        while True:
            data = tls.recv(4096)
            if not data:
                tls.close()
                return
            tls.sendall(data.upper())


def case_ssl():
    cert, key = make_cert()
    srv = TlsServer(cert, key)
    sim = Sim()
    sim.setup()
    sim.cmd("AT+CIPSSLSIZE=1024", "\r\nERROR\r\n")
    sim.cmd("AT+CIPSSLSIZE=4096", "\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=0,"SSL","localhost",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n", timeout=10)
    send_data(sim, 0, b"secret words")
    got = b""
    while len(got) < 12:
        got += sim.ipd_active(0)
    check(got == b"SECRET WORDS", "TLS echo mismatch: %r" % got)
    big = pattern(6000, 4)
    for off in range(0, len(big), 2048):
        part = big[off:off + 2048]
        send_data(sim, 0, part)
        got = b""
        while len(got) < len(part):
            got += sim.ipd_active(0)
        check(got == part.upper(), "TLS bulk data mismatch")
    # One TLS session at a time.
    sim.cmd('AT+CIPSTART=1,"SSL","127.0.0.1",%d' % srv.port, "ALREADY CONNECTED\r\n\r\nERROR\r\n")
    sim.cmd("AT+CIPSSLSIZE=2048", "\r\nERROR\r\n")
    sim.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPSSLSIZE=2048", "\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=1,"SSL","127.0.0.1",%d' % srv.port, "1,CONNECT\r\n\r\nOK\r\n", timeout=10)
    # A TCP peer that does not speak TLS: the handshake fails like a failed connect.
    plain = Server(lambda conn: (conn.recv(10), conn.close()))
    sim.cmd("AT+CIPCLOSE=1", "1,CLOSED\r\n\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=2,"SSL","127.0.0.1",%d' % plain.port, "\r\nERROR\r\n2,CLOSED\r\n", timeout=10)
    sim.close()
    srv.close()
    plain.close()


def case_wifi():
    sim = Sim("--ap", "k210sim,%s,-40,11" % PSK, "--ap", "faraway,password1,-95,3", "--ap", "open,,-70,1")
    sim.setup(join=False, mux=False)
    sim.cmd("AT+CWJAP_CUR?", "No AP\r\n\r\nOK\r\n")
    sim.cmd('AT+CWJAP_CUR="k210sim","wrong-password"', "+CWJAP:2\r\n\r\nFAIL\r\n")
    sim.cmd('AT+CWJAP_CUR="nosuchnet","whatever1"', "+CWJAP:3\r\n\r\nFAIL\r\n")
    sim.cmd('AT+CWJAP_CUR="faraway","password1"', "+CWJAP:1\r\n\r\nFAIL\r\n")
    sim.cmd('AT+CWJAP_CUR="k210sim"', "\r\nERROR\r\n")
    sim.cmd("AT+CIFSR", '+CIFSR:STAIP,"0.0.0.0"\r\n+CIFSR:STAMAC,"5c:cf:7f:21:0a:85"\r\n\r\nOK\r\n')
    sim.cmd("AT+CIPSTATUS", "STATUS:5\r\n\r\nOK\r\n")
    sim.cmd('AT+CWJAP_CUR="open",""', "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
    sim.cmd('AT+CWJAP_CUR="k210sim","%s"' % PSK,
            "WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
    sim.cmd("AT+CWJAP_CUR?", '+CWJAP_CUR:"k210sim","02:4b:32:31:30:10",11,-40\r\n\r\nOK\r\n')
    sim.cmd("AT+CWMODE_CUR?", "+CWMODE_CUR:1\r\n\r\nOK\r\n")
    sim.cmd("AT+CWMODE_CUR=1", "\r\nOK\r\n")
    sim.cmd("AT+CIFSR", '+CIFSR:STAIP,"192.168.4.2"\r\n+CIFSR:STAMAC,"5c:cf:7f:21:0a:85"\r\n\r\nOK\r\n')
    sim.cmd("AT+CIPSTA_CUR?", '+CIPSTA_CUR:ip:"192.168.4.2"\r\n+CIPSTA_CUR:gateway:"192.168.4.1"\r\n'
            '+CIPSTA_CUR:netmask:"255.255.255.0"\r\n\r\nOK\r\n')
    sim.cmd("AT+CIPSTAMAC_CUR?", '+CIPSTAMAC_CUR:"5c:cf:7f:21:0a:85"\r\n\r\nOK\r\n')
    sim.cmd("AT+CWLAP", '+CWLAP:(3,"k210sim",-40,"02:4b:32:31:30:10",11,-8,0,4,4,7,0)\r\n'
            '+CWLAP:(3,"faraway",-95,"02:4b:32:31:30:11",3,-8,0,4,4,7,0)\r\n'
            '+CWLAP:(0,"open",-70,"02:4b:32:31:30:12",1,-8,0,0,0,7,0)\r\n\r\nOK\r\n')
    srv = Server(echo_handler)
    sim.cmd('AT+CIPSTART="TCP","127.0.0.1",%d' % srv.port, "CONNECT\r\n\r\nOK\r\n")
    sim.cmd("AT+CWQAP", "\r\nOK\r\nWIFI DISCONNECT\r\nCLOSED\r\n")
    sim.cmd("AT+CWJAP_CUR?", "No AP\r\n\r\nOK\r\n")
    sim.close()
    srv.close()
    sim = Sim("--at-version", "2")
    sim.setup(join=False, mux=False)
    sim.cmd('AT+CWJAP="k210sim","wrong-password"', "+CWJAP:2\r\n\r\nERROR\r\n")
    sim.close()


def case_autojoin():
    sim = Sim("--autojoin", "k210sim", boot=False)
    sim.wait_boot()
    sim.expect("WIFI CONNECTED\r\nWIFI GOT IP\r\n", 3)
    sim.cmd("AT+CIPSTATUS", "AT+CIPSTATUS\r\r\nSTATUS:2\r\n\r\nOK\r\n")
    sim.close()


def case_reset():
    peer_gone = threading.Event()

    def watch(conn):
        try:
            while conn.recv(100):
                pass
        except OSError:
            pass
        peer_gone.set()

    srv = Server(watch)
    sim = Sim()
    sim.setup()
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    # EN low: silence, input ignored, links gone.
    sim.proc.send_signal(signal.SIGUSR1)
    time.sleep(0.2)
    sim.send("AT\r\n")
    sim.quiet(0.4)
    check(peer_gone.wait(3), "link survived EN low")
    # EN high: boot noise, ready, everything back to defaults (echo on, single link).
    sim.proc.send_signal(signal.SIGUSR2)
    sim.wait_boot()
    sim.cmd("AT+CIPMUX?", "AT+CIPMUX?\r\r\n+CIPMUX:0\r\n\r\nOK\r\n")
    sim.cmd("AT+CWJAP_CUR?", "AT+CWJAP_CUR?\r\r\nNo AP\r\n\r\nOK\r\n")
    # AT+RST: OK, then a boot; the UART rate returns to 115200.
    sim.cmd("AT+UART_CUR=921600,8,1,0,0", "AT+UART_CUR=921600,8,1,0,0\r\r\n\r\nOK\r\n")
    sim.cmd("AT+UART_CUR?", "AT+UART_CUR?\r\r\n+UART_CUR:921600,8,1,0,0\r\n\r\nOK\r\n")
    sim.cmd("AT+RST", "AT+RST\r\r\n\r\nOK\r\n")
    sim.wait_boot()
    sim.cmd("AT+UART_CUR?", "AT+UART_CUR?\r\r\n+UART_CUR:115200,8,1,0,0\r\n\r\nOK\r\n")
    # Bytes after AT+RST in the same write belong to no boot: they are ignored.
    sim.send("AT+RST\r\nAT\r\n")
    sim.expect("AT+RST\r\r\n\r\nOK\r\n")
    sim.wait_boot()
    sim.quiet(0.2)
    sim.close()
    srv.close()


def measure_rate(sim, total):
    """Bytes per second of a long burst: from its first byte to its last."""
    deadline = time.time() + 60
    got = 0
    while not sim.buf:
        sim.fill(1)
        check(time.time() < deadline, "burst never started")
    start = time.monotonic()
    got = len(sim.buf)
    sim.buf.clear()
    while got < total:
        check(time.time() < deadline, "burst stalled at %d of %d" % (got, total))
        if sim.fill(2):
            got += len(sim.buf)
            sim.buf.clear()
    return (got - 0) / (time.monotonic() - start), got


def case_pacing():
    # Active mode pushes a large download as fast as the UART allows: measure it at two rates.
    size_slow, size_fast = 20000, 200000
    go = {"n": 0}
    go_events = [threading.Event(), threading.Event()]

    def handler(conn):
        i = go["n"]
        go["n"] += 1
        go_events[i].wait(20)
        conn.sendall(b"p" * (size_slow if i == 0 else size_fast))
        time.sleep(30)

    srv = Server(handler)
    sim = Sim()
    sim.setup()
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    chunks = (size_slow + 1459) // 1460
    expected_slow = size_slow + chunks * len(b"\r\n+IPD,0,1460:")
    go_events[0].set()
    rate, _ = measure_rate(sim, expected_slow - 16)
    ratio = rate / (115200 / 10)
    print("pacing at 115200: %.0f bytes/s, %.3f of the wire limit" % (rate, ratio))
    check(0.85 < ratio < 1.05, "115200 pacing off: ratio %.3f" % ratio)
    sim.fill(0.5)
    sim.buf.clear()
    # The OK of AT+UART_CUR goes out at the old rate; everything after it at 2 Mbaud.
    sim.cmd("AT+UART_CUR=2000000,8,1,0,0", "\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=1,"TCP","127.0.0.1",%d' % srv.port, "1,CONNECT\r\n\r\nOK\r\n")
    chunks = (size_fast + 1459) // 1460
    expected_fast = size_fast + chunks * len(b"\r\n+IPD,1,1460:")
    go_events[1].set()
    rate, _ = measure_rate(sim, expected_fast - 16)
    ratio = rate / (2000000 / 10)
    print("pacing at 2000000: %.0f bytes/s, %.3f of the wire limit" % (rate, ratio))
    check(0.7 < ratio < 1.05, "2 Mbaud pacing off: ratio %.3f" % ratio)
    sim.close()
    srv.close()


def case_at11():
    payload = b"factory firmware data"
    srv = Server(source_handler(payload, close_after=False))
    sim = Sim("--at-version", "1.1")
    sim.setup()
    sim.cmd("AT+CIPRECVMODE=1", "\r\nERROR\r\n")
    sim.cmd("AT+CIPRECVMODE?", "\r\nERROR\r\n")
    sim.cmd("AT+CIPRECVLEN?", "\r\nERROR\r\n")
    sim.cmd("AT+CIPRECVDATA=0,100", "\r\nERROR\r\n")
    sim.cmd("AT+CWLAP", '+CWLAP:(3,"k210sim",-52,"02:4b:32:31:30:10",6,-8,0)\r\n\r\nOK\r\n')
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    check(sim.ipd_active(0) == payload, "active data missing in 1.1 mode")
    sim.close()
    srv.close()


def case_at2():
    payload = b"hello from 2.x"
    srv = Server(source_handler(payload, close_after=False))
    sim = Sim("--at-version", "2")
    sim.cmd("ATE0", "ATE0\r\r\n\r\nOK\r\n")
    sim.cmd("AT+SYSSTORE=0", "\r\nOK\r\n")
    sim.cmd("AT+CWMODE_CUR=1", "\r\nERROR\r\n")
    sim.cmd("AT+CWMODE=1", "\r\nOK\r\n")
    sim.cmd('AT+CWJAP_CUR="k210sim","%s"' % PSK, "\r\nERROR\r\n")
    sim.cmd('AT+CWJAP="k210sim","%s"' % PSK, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
    sim.cmd("AT+CWJAP?", '+CWJAP:"k210sim","02:4b:32:31:30:10",6,-52,0,1,3,0,1\r\n\r\nOK\r\n')
    sim.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
    sim.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
    sim.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:-1,-1,-1,-1,-1\r\n\r\nOK\r\n")
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    sim.expect("\r\n+IPD,0,%d\r\n" % len(payload))
    sim.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:%d,-1,-1,-1,-1\r\n\r\nOK\r\n" % len(payload))
    sim.send("AT+CIPRECVDATA=0,5\r\n")
    sim.expect(b"\r\n+CIPRECVDATA:5," + payload[:5] + b"\r\nOK\r\n")
    sim.cmd("AT+CIPSEND=0,2", "\r\nOK\r\n\r\n>")
    sim.send("ok")
    sim.expect("\r\nRecv 2 bytes\r\n\r\nSEND OK\r\n")
    sim.cmd("AT+CIPSSLSIZE=4096", "\r\nERROR\r\n")
    sim.close()
    srv.close()


def case_robust():
    sim = Sim()
    sim.cmd("ATE0", "ATE0\r\r\n\r\nOK\r\n")
    sim.cmd("A" * 300, "\r\nERROR\r\n")
    sim.cmd("AT", "\r\nOK\r\n")
    for bad in ('AT+CIPSTART="', "AT+CIPSTART=0,,,,,,,,,,,", "AT+CWJAP_CUR=1,2", "AT+UART_CUR=0,8,1,0,0",
                "AT+UART_CUR=115200,7,1,0,0", "AT+CIPMUX=2", "AT+CIPSEND", "at", "AT+CIPCLOSE=a",
                "AT+CIPRECVDATA=", "AT\x00", "AT+GMR=1", "AT+RST?"):
        sim.cmd(bad, "\r\nERROR\r\n")
    sim.cmd("", "")
    rnd = random.Random(5)
    junk = bytes(rnd.getrandbits(8) for _ in range(20000))
    sim.send(junk)
    sim.send("\r\n")
    time.sleep(0.5)
    sim.fill(0.2)
    sim.buf.clear()
    sim.cmd("AT", "\r\nOK\r\n")
    check(sim.proc.poll() is None, "simulator died on junk")
    sim.close()


def case_chaos():
    """URCs released at odd points: every reply must still be there once the URCs are taken out."""
    srv = Server(echo_handler)
    sim = Sim("--urc-chaos", "7")
    sim.setup()
    for link in range(3):
        sim.cmd('AT+CIPSTART=%d,"TCP","127.0.0.1",%d' % (link, srv.port), "%d,CONNECT\r\n\r\nOK\r\n" % link)
    wanted = {0: b"", 1: b"", 2: b""}
    got = {0: b"", 1: b"", 2: b""}
    stream = bytearray()
    for i in range(40):
        link = i % 3
        data = b"m%03d" % i
        wanted[link] += data
        sim.send("AT+CIPSEND=%d,%d\r\n" % (link, len(data)))
        deadline = time.time() + 3
        while b"> " not in sim.buf:
            check(time.time() < deadline, "no prompt")
            sim.fill(0.5)
        sim.send(data)
        deadline = time.time() + 3
        while b"SEND OK\r\n" not in sim.buf:
            check(time.time() < deadline, "no SEND OK")
            sim.fill(0.5)
        idx = sim.buf.index(b"SEND OK\r\n") + 9
        stream += sim.buf[:idx]
        del sim.buf[:idx]
        sim.send("AT+CIPRECVLEN?\r\n")
    time.sleep(0.3)
    sim.fill(0.3)
    stream += sim.buf
    sim.buf.clear()
    # Take the +IPD URCs out, then every command's replies must read in order.
    rest = bytearray()
    i = 0
    while i < len(stream):
        if stream.startswith(b"\r\n+IPD,", i):
            colon = stream.index(b":", i)
            link, n = (int(x) for x in stream[i + 7:colon].split(b","))
            got[link] += bytes(stream[colon + 1:colon + 1 + n])
            i = colon + 1 + n
        else:
            rest.append(stream[i])
            i += 1
    for link in wanted:
        check(got[link] == wanted[link], "link %d data %r != %r" % (link, got[link], wanted[link]))
    expected_one = b"\r\nOK\r\n> \r\nRecv 4 bytes\r\n\r\nSEND OK\r\n"
    text = bytes(rest)
    check(text.count(expected_one) >= 38 and text.count(b"+CIPRECVLEN:0,0,0,0,0\r\n\r\nOK\r\n") >= 38,
          "replies damaged by URC insertion: %r" % text[:300])
    sim.close()
    srv.close()


def case_pty():
    link = os.path.join(TMP, "esp.tty")
    sim = Sim("-v", pty_link=link)
    sim.cmd("AT", "AT\r\r\n\r\nOK\r\n")
    sim.cmd("AT+GMR", "AT+GMR\r\r\nAT version:1.7.4.0(May 11 2020 19:13:04)\r\n")
    sim.until("OK\r\n")
    sim.close()
    check(not os.path.lexists(link), "pty symlink left behind")


def case_trace():
    path = os.path.join(TMP, "trace.txt")
    sim = Sim("--trace", path)
    sim.cmd("AT", "AT\r\r\n\r\nOK\r\n")
    sim.close()
    with open(path) as f:
        text = f.read()
    check('< "AT\\r\\n"' in text, "input not traced")
    check('> "AT\\r\\r\\n' in text or '> "AT\\r' in text, "output not traced")
    check("ready" in text and "# boot" in text, "events not traced")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    global TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    espat_harness.SIM = os.path.abspath(args.sim)
    with tempfile.TemporaryDirectory(prefix="espat-test-") as tmp:
        TMP = tmp
        try:
            CASES[args.case]()
        except Failure as e:
            print("FAIL %s: %s" % (args.case, e))
            return 1
    print("PASS %s" % args.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
