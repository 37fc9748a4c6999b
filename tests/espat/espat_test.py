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
import espat_links
import espat_quirks
from espat_harness import (PSK, Failure, Server, Sim, check, echo_handler, free_port, pattern, send_data,
                           source_handler)

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


def case_ping():
    """AT+PING in each firmware's words: a host that answers the handshake (accepting or refusing),
    a name, one that does not resolve, no WiFi, and malformed commands."""
    import re
    forms = {"1.7": (rb"\+(\d+)\r\n\r\nOK\r\n", "+timeout\r\n\r\nERROR\r\n"),
             "1.1": (rb"\+(\d+)\r\n\r\nOK\r\n", "+timeout\r\n\r\nERROR\r\n"),
             "2": (rb"\+PING:(\d+)\r\n\r\nOK\r\n", "+PING:TIMEOUT\r\n\r\nERROR\r\n")}
    for version, (answered, timeout) in forms.items():
        sim = Sim("--at-version", version)
        sim.cmd("ATE0", "ATE0\r\r\n\r\nOK\r\n")
        sim.cmd('AT+PING="127.0.0.1"', timeout)
        sim.cmd('AT+CWJAP="k210sim","%s"' % PSK, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
        for host in ("127.0.0.1", "localhost"):
            sim.send('AT+PING="%s"\r\n' % host)
            got = sim.until("OK\r\n")
            check(re.fullmatch(answered, got), "%s: AT+PING=%s answered %r" % (version, host, got))
            check(int(re.fullmatch(answered, got).group(1)) < 1000, "round trip over the wait")
        sim.cmd('AT+PING="no-such-host.invalid"', timeout)
        sim.cmd("AT+PING=127.0.0.1", "\r\nERROR\r\n")
        sim.cmd('AT+PING=""', "\r\nERROR\r\n")
        sim.cmd("AT+PING?", "\r\nERROR\r\n")
        sim.close()


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


CASES = {name[5:]: fn for module in (globals(), vars(espat_links), vars(espat_quirks)) for name, fn in module.items()
         if name.startswith("case_")}


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
        finally:
            espat_harness.cleanup()
    print("PASS %s" % args.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
