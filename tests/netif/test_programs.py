#!/usr/bin/env python3
"""Unmodified programs through k210-netif: curl without -x, ssh and scp to a test sshd, git clone
over HTTP, Python socket code written like the board's usocket examples, ping (answered, lost,
refused), names through the interface's resolver, a refused port.  They run in a namespace whose
only way to the test address is the interface; the servers, the emulated board and k210sockd run
in the world namespace (world.py).  It ends with no board socket held."""

import hashlib
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

world.enter()
from world import TEST_ADDR, UNROUTED_ADDR, World, fail, harness, log  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def serve_tcp(port, handler):
    """A threaded TCP server on the test address."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((TEST_ADDR, port))
    ls.listen(16)

    def loop():
        while True:
            try:
                conn, _ = ls.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(conn,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def sink(conn):
    """Reads a length and that many bytes, answers their SHA-256."""
    with conn:
        conn.settimeout(60)
        n = struct.unpack(">I", harness.recv_exact(conn, 4))[0]
        h = hashlib.sha256()
        while n:
            chunk = conn.recv(min(n, 65536))
            if not chunk:
                return
            h.update(chunk)
            n -= len(chunk)
        conn.sendall(h.hexdigest().encode())


def slow(conn):
    with conn:
        time.sleep(1.0)
        conn.sendall(b"late hello\n")
        time.sleep(0.5)


w = World("programs")
w.start_daemon()
w.add_file("f1m", 1 << 20)
w.add_file("f64k", 64 * 1024)
w.start_nginx()
head = w.make_git_repo()
ssh_opts = w.start_sshd()
udp_port = w.start_udp_echo()
serve_tcp(9000, sink)
serve_tcp(9001, slow)
w.start_netif()

log("curl without a proxy, by name")
out = os.path.join(w.dir, "curl.out")
w.app(["curl", "-sS", "--max-time", "60", "-o", out, "http://www.k210.test/f1m"], check=0,
      timeout=90)
if harness.sha256_file(out) != w.files["f1m"]:
    fail("curl: the file arrived damaged")

log("ssh and scp to the test sshd")
p = w.app(["ssh"] + ssh_opts + ["root@ssh.k210.test", "echo", "hello from", "ssh"], check=0)
if p.stdout.decode().strip() != "hello from ssh":
    fail("ssh: printed %r" % p.stdout)
up = os.path.join(w.dir, "scp-up.bin")
with open(up, "wb") as f:
    f.write(os.urandom(300 * 1024))
remote = os.path.join(w.dir, "scp-remote.bin")
w.app(["scp"] + ssh_opts + ["-q", up, "root@ssh.k210.test:" + remote], check=0, timeout=90)
back = os.path.join(w.dir, "scp-back.bin")
w.app(["scp"] + ssh_opts + ["-q", "root@ssh.k210.test:" + remote, back], check=0, timeout=90)
if not (harness.sha256_file(up) == harness.sha256_file(remote) == harness.sha256_file(back)):
    fail("scp: the file changed on the way")

log("git clone over HTTP")
clone = os.path.join(w.dir, "clone")
genv = {"HOME": w.dir, "GIT_TERMINAL_PROMPT": "0"}
w.app(["git", "clone", "-q", "http://git.k210.test/repo.git", clone], check=0, env=genv, timeout=120)
got = subprocess.run(["git", "-C", clone, "rev-parse", "HEAD"], stdout=subprocess.PIPE,
                     env=dict(os.environ, **genv)).stdout.decode().strip()
if got != head:
    fail("git clone: HEAD %s, expected %s" % (got, head))

log("Python socket code as in the usocket examples")
closed = 9002
p = w.app([sys.executable, os.path.join(HERE, "usocket_examples.py"), "www.k210.test", "f64k",
           w.files["f64k"], "9000", str(udp_port), "9001", str(closed)], timeout=120)
print(p.stdout.decode(), end="")
if p.returncode != 0:
    fail("usocket examples: %s" % p.stderr.decode(errors="replace")[-3000:])
refused_s = float(p.stdout.decode().split("ok refused ")[1].split()[0])
if refused_s > 5:
    fail("a refused connect took %.1f s" % refused_s)

log("names through the interface's resolver")
p = w.app(["getent", "ahostsv4", "www.k210.test"], check=0)
if TEST_ADDR not in p.stdout.decode():
    fail("getent ahostsv4: %r" % p.stdout)
t0 = time.monotonic()
p = w.app(["getent", "hosts", "no-such-host.invalid"])
if p.returncode != 2 or time.monotonic() - t0 > 10:
    fail("a name that does not resolve: exit %d after %.1f s" % (p.returncode, time.monotonic() - t0))
# AAAA: an empty answer, MX: NOTIMP (asked over plain UDP, as any resolver library does).
query = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x04k210\x04test\x00"
         b"\x00%c\x00\x01")
dns = ("import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.settimeout(5)\n"
       "for t in (28,15):\n s.sendto(%r %% t,('%s',53))\n r=s.recv(512)\n"
       " print(r[3]&15, r[6]<<8|r[7])\n" % (query, world.NETIF_RESOLVER))
p = w.app([sys.executable, "-c", dns], check=0)
if p.stdout.decode().split() != ["0", "0", "4", "0"]:
    fail("AAAA and MX answers: %r" % p.stdout)

log("ping: answered, lost, and refused when the board cannot ping")
p = w.app(["ping", "-n", "-c", "3", "-i", "0.3", "-W", "5", TEST_ADDR], timeout=30)
if p.returncode != 0 or " 3 received" not in p.stdout.decode():
    fail("ping %s: %s" % (TEST_ADDR, p.stdout.decode()))
t0 = time.monotonic()
p = w.app(["ping", "-n", "-c", "2", "-i", "0.5", "-W", "3", UNROUTED_ADDR], timeout=30)
if p.returncode != 1 or " 0 received" not in p.stdout.decode() or time.monotonic() - t0 > 15:
    fail("ping %s: exit %d: %s" % (UNROUTED_ADDR, p.returncode, p.stdout.decode()))
cli = harness.binary("k210sock")
subprocess.run([cli, "-s", w.env.sock, "wifi", "leave"], check=True, timeout=30)
harness.wait_for(lambda: w.status()["wifi.state"] == "down", 10, "the WiFi to be down")
t0 = time.monotonic()
p = w.app(["ping", "-n", "-c", "1", "-W", "10", TEST_ADDR], timeout=30)
if p.returncode == 0 or "Unreachable" not in p.stdout.decode() or time.monotonic() - t0 > 5:
    fail("ping without WiFi: exit %d after %.1f s: %s" % (p.returncode, time.monotonic() - t0,
                                                          p.stdout.decode()))
log("  without WiFi: %s" % [l for l in p.stdout.decode().splitlines() if "Unreachable" in l][0])
t0 = time.monotonic()
p = w.app(["curl", "-sS", "--max-time", "20", "http://%s/f64k" % TEST_ADDR], timeout=40)
if p.returncode != 7 or time.monotonic() - t0 > 5:
    fail("curl without WiFi: exit %d after %.1f s: %s" % (p.returncode, time.monotonic() - t0,
                                                          p.stderr.decode()))
subprocess.run([cli, "-s", w.env.sock, "wifi", "join", "k210sim", "k210sim-pass"], check=True,
               timeout=60)
harness.wait_for(lambda: w.status()["wifi.state"] == "got-ip", 20, "the WiFi to come back")
w.app(["ping", "-n", "-c", "1", "-W", "5", TEST_ADDR], check=0, timeout=30)

log("the interface's status")
st = w.netif_status()["netif"]
for key, least in (("opened", 8), ("refused", 1), ("bytes_down", 1 << 20)):
    if st["tcp"][key] < least:
        fail("netif.tcp.%s is %d" % (key, st["tcp"][key]))
if st["dns"]["answered"] < 3 or st["dns"]["nxdomain"] < 1 or st["dns"]["notimp"] < 1:
    fail("netif.dns counters: %s" % st["dns"])
if st["icmp"]["answered"] < 4 or st["icmp"]["lost"] < 2 or st["icmp"]["unreachable"] < 1:
    fail("netif.icmp counters: %s" % st["icmp"])
if st["udp"]["up"] < 1 or st["udp"]["down"] < 1:
    fail("netif.udp counters: %s" % st["udp"])
log("netif: %d TCP connections, %d DNS answers, %d echo replies" % (
    st["tcp"]["opened"], st["dns"]["answered"], st["icmp"]["answered"]))
w.check_no_leak(timeout=30)
log("PASS")
