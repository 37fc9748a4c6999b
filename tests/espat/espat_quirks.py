"""espat-sim cases for --quirk: behaviour of AT firmware builds other than the default, each
checked byte for byte against what the switch promises in --help."""

import signal
import subprocess
import time

from espat_harness import PSK, Server, Sim, check, echo_handler, free_port
import espat_harness


def case_quirks_links():
    srv = Server(echo_handler)
    # OK first, the link's CONNECT after it.
    sim = Sim("--quirk", "ok-before-connect")
    sim.setup()
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "\r\nOK\r\n0,CONNECT\r\n")
    sim.close()
    # The prompt before the OK, no "Recv N bytes", and CR LF after the data of every +IPD.
    sim = Sim("--quirk", "prompt-before-ok", "--quirk", "no-recv-bytes", "--quirk", "ipd-crlf")
    sim.setup()
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    sim.cmd("AT+CIPSEND=0,5", "> \r\nOK\r\n")
    sim.send(b"hello")
    sim.expect("\r\nSEND OK\r\n")
    sim.expect(b"\r\n+IPD,0,5:hello\r\n")
    sim.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
    # No UDP at all: ERROR, then CLOSED without a link id.
    sim.close()
    sim = Sim("--quirk", "no-udp")
    sim.setup()
    sim.cmd('AT+CIPSTART=0,"UDP","0.0.0.0",0,%d,2' % free_port(), "\r\nERROR\r\nCLOSED\r\n")
    sim.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",%d' % srv.port, "0,CONNECT\r\n\r\nOK\r\n")
    sim.close()
    # Bursts: nothing for a while, then everything at once.
    sim = Sim("--quirk", "burst")
    sim.setup()
    t0 = time.time()
    sim.cmd("AT", "\r\nOK\r\n")
    check(time.time() - t0 >= 0.015, "burst mode answered at once")
    sim.close()
    srv.close()


def case_quirks_module():
    sim = Sim("--quirk", "no-passive", "--quirk", "no-dinfo", "--quirk", "no-uart-cur", "--quirk", "gmr-bare")
    sim.setup(join=False)
    sim.cmd("AT+CIPRECVMODE=1", "\r\nERROR\r\n")
    sim.cmd("AT+CIPRECVMODE=0", "\r\nOK\r\n")
    sim.cmd("AT+CIPDINFO=1", "\r\nERROR\r\n")
    sim.cmd("AT+UART_CUR=2000000,8,1,0,0", "\r\nERROR\r\n")
    sim.cmd("AT+GMR", "1.7.4.0(May 11 2020 19:13:04)\r\nSDK version:3.0.4(9532ceb)\r\n"
            "compile time:May 27 2020 10:12:17\r\nBin version(Wroom 02):1.7.4\r\nOK\r\n")
    sim.close()
    # A misspelled address line.
    sim = Sim("--quirk", "cifsr-typo")
    sim.setup()
    sim.cmd("AT+CIFSR", '+CISFR:STAIP,"192.168.4.2"\r\n+CIFSR:STAMAC,"5c:cf:7f:21:0a:85"\r\n\r\nOK\r\n')
    sim.close()
    # OK to the join at once; the association is reported on its own seconds later.
    sim = Sim("--quirk", "join-ok-early")
    sim.setup(join=False)
    t0 = time.time()
    sim.cmd('AT+CWJAP_CUR="k210sim","%s"' % PSK, "\r\nOK\r\n")
    sim.expect("WiFi CONNECTED\r\nWiFi GOT IP\r\n", 5)
    check(time.time() - t0 >= 2, "the association came too soon")
    sim.close()
    # After a scan every command is busy, until WIFI_EN drops and rises again.
    sim = Sim("--quirk", "busy-after-scan")
    sim.setup(join=False)
    sim.cmd("AT+CWLAP", '+CWLAP:(3,"k210sim",-52,"02:4b:32:31:30:10",6,-8,0,4,4,7,0)\r\n\r\nOK\r\n')
    for line in ("AT", "AT+RST", "AT+GMR"):
        sim.cmd(line, "busy p...\r\n")
    sim.proc.send_signal(signal.SIGUSR1)
    time.sleep(0.1)
    sim.proc.send_signal(signal.SIGUSR2)
    sim.wait_boot()
    sim.cmd("AT", "AT\r\r\n\r\nOK\r\n")
    sim.close()
    # An unknown quirk is refused at start.
    p = subprocess.run([espat_harness.SIM, "--quirk", "no-such-thing"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    check(p.returncode != 0 and b"no-such-thing" in p.stderr, "an unknown quirk must be refused")
