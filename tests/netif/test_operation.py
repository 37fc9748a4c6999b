#!/usr/bin/env python3
"""Operating k210-netif: configuration check, clear errors without the TUN device or the
capability, the interface as configured (address, MTU, routes and metric, no IPv6, MSS),
capabilities dropped, status through k210sock, SIGHUP reload, a program that shuts down its
sending side or is killed, the daemon going away and coming back, SIGTERM.  Ends with no board
socket held."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

world.enter()
from world import TEST_ADDR, World, fail, harness, log, wait_for  # noqa: E402

EXE = harness.binary("k210-netif")
w = World("operation")

log("configuration check (-n)")
good = w.write_netif_conf()
p = subprocess.run([EXE, "-n", "-f", good], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
if p.returncode != 0:
    fail("-n on a good file: exit %d: %s" % (p.returncode, p.stderr.decode()))
bad = os.path.join(w.dir, "bad.conf")
with open(bad, "w") as f:
    f.write("[interface]\naddress = 10.210.0.6/29\nmtu = 99999\n[limits]\nstreams = 0\nnosuch = 1\n"
            "[interface]\nmtu = 1500\n")
p = subprocess.run([EXE, "-n", "-f", bad], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
err = p.stderr.decode()
for want in ("bad.conf:3: [interface] mtu: '99999' is not a number from 576 to 9000",
             "bad.conf:5: [limits] streams: '0' is not a number from 1 to 65535",
             "bad.conf:6: unknown key [limits] nosuch", "bad.conf:8: [interface] mtu given twice",
             "must be host addresses of the prefix"):
    if want not in err:
        fail("-n on a bad file: %r missing from:\n%s" % (want, err))
if p.returncode != 1:
    fail("-n on a bad file: exit %d" % p.returncode)

w.start_daemon()
w.add_file("f1m", 1 << 20)
w.start_nginx()
w.start_app_ns()

log("clear errors: no TUN device, no CAP_NET_ADMIN")
p = w.app(["unshare", "--mount", "--propagation", "private", "sh", "-c",
           "mount -t tmpfs none /dev/net && exec %s -d -f %s" % (EXE, good)], timeout=20)
if p.returncode != 1 or "the kernel's tun driver is missing" not in p.stderr.decode():
    fail("without /dev/net/tun: exit %d: %s" % (p.returncode, p.stderr.decode()))
# A user without the capability, with a configuration it can read.
open_dir = harness.temp_dir("k210-netif-conf-")
os.chmod(open_dir, 0o755)
readable = os.path.join(open_dir, "k210-netif.conf")
with open(good) as src, open(readable, "w") as dst:
    dst.write(src.read())
os.chmod(readable, 0o644)
p = w.app(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", EXE, "-d", "-f", readable],
          timeout=20)
if p.returncode != 1 or "needs CAP_NET_ADMIN" not in p.stderr.decode():
    fail("without the capability: exit %d: %s" % (p.returncode, p.stderr.decode()))
log("  " + p.stderr.decode().strip().splitlines()[-1])

log("a user holding CAP_NET_ADMIN alone, as under k210-netif.service")
os.chmod(w.dir, 0o755)
unpriv_ctl = os.path.join(open_dir, "ctl.sock")
with open(readable, "w") as f:
    f.write("[interface]\nroutes = 198.18.0.0/15\n[daemon]\nsocket = %s\n[control]\npath = %s\n"
            "[log]\nlevel = debug\n" % (w.env.sock, unpriv_ctl))
os.chmod(open_dir, 0o777)
unpriv = w.app_spawn(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      "--inh-caps=+net_admin", "--ambient-caps=+net_admin", EXE, "-d", "-f", readable],
                     "netif-unprivileged.log")
wait_for(lambda: os.path.exists(unpriv_ctl) or unpriv.poll() is not None, 10, "k210-netif as nobody")
if unpriv.poll() is not None:
    fail("k210-netif with CAP_NET_ADMIN alone: " + w.env.read_log("netif-unprivileged.log"))
# The control socket comes just before the capabilities go; the "up" line just after.
wait_for(lambda: " up: " in w.env.read_log("netif-unprivileged.log") or unpriv.poll() is not None, 10,
         "k210-netif as nobody to bring the interface up")
with open("/proc/%d/status" % unpriv.pid) as f:
    caps = dict(line.split(":\t") for line in f.read().splitlines() if line.startswith("Cap"))
if any(int(caps[k], 16) for k in ("CapEff", "CapPrm", "CapInh", "CapAmb")):
    fail("k210-netif kept capabilities: %s" % caps)
if w.app(["ip", "-6", "addr", "show", "dev", "k210-0"], check=0).stdout.strip():
    fail("IPv6 addresses on the interface")
out = os.path.join(w.dir, "unpriv.out")
w.app(["curl", "-sS", "--max-time", "60", "-o", out, "http://www.k210.test/f1m"], check=0, timeout=90)
if harness.sha256_file(out) != w.files["f1m"]:
    fail("download through k210-netif as nobody: damaged")
w.env.stop(unpriv)
w.check_no_leak()

log("the interface as configured")
w.start_netif(interface={"routes": "default", "metric": "700", "mtu": "1500"})
link = w.app(["ip", "-o", "link", "show", "k210-0"], check=0).stdout.decode()
if "mtu 1500" not in link or ",UP" not in link:
    fail("link: %s" % link)
route = w.app(["ip", "route"], check=0).stdout.decode()
if "default dev k210-0 scope link metric 700" not in route:
    fail("routes: %s" % route)
if w.app(["ip", "-6", "addr", "show", "dev", "k210-0"], check=0).stdout.strip():
    fail("IPv6 addresses on the interface")
with open("/proc/%d/status" % w.netif.pid) as f:
    caps = dict(line.split(":\t") for line in f.read().splitlines() if line.startswith("Cap"))
if any(int(caps[k], 16) for k in ("CapEff", "CapPrm", "CapInh", "CapAmb")):
    fail("k210-netif still holds capabilities: %s" % caps)
mss = ("import socket\ns=socket.create_connection(('%s',80),20)\n"
       "print(s.getsockopt(socket.IPPROTO_TCP,socket.TCP_MAXSEG))\n" % TEST_ADDR)
seg = int(w.app([sys.executable, "-c", mss], check=0).stdout)
if not 1000 < seg <= 1460:
    fail("MSS through an interface of MTU 1500: %d" % seg)
log("  MTU 1500, default route metric 700, no IPv6, no capabilities, MSS %d" % seg)

log("k210sock status shows the interface")
p = subprocess.run([harness.binary("k210sock"), "-s", w.env.sock, "status", "--netif", w.netif_ctl],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
text = p.stdout.decode()
if p.returncode != 0 or "\nnetif\n" not in text or " interface " not in text or "k210-0" not in text:
    fail("k210sock status: %s %s" % (text, p.stderr.decode()))

log("SIGHUP: [limits] and [log] now, the rest at the next start")
w.write_netif_conf(interface={"routes": "default", "metric": "700", "mtu": "1500"},
                   limits={"udp_idle": "2", "streams": "3"}, log={"level": "info"})
w.netif.send_signal(signal.SIGHUP)
wait_for(lambda: "configuration reloaded" in w.env.read_log("netif.log"), 10, "the reload")
w.write_netif_conf(interface={"name": "k210-9"}, log={"level": "debug"})
w.netif.send_signal(signal.SIGHUP)
wait_for(lambda: w.env.read_log("netif.log").count("configuration reloaded") == 2, 10, "the reload")
if "take a restart" not in w.env.read_log("netif.log"):
    fail("a changed interface name was not reported as needing a restart")


def hold_open(conn):
    """A server that answers after a second and then keeps the connection, silent."""
    with conn:
        conn.settimeout(60)
        try:
            conn.recv(100)
            time.sleep(1)
            conn.sendall(b"answer after your half close\n")
            conn.recv(100)
        except OSError:
            pass


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((TEST_ADDR, 9100))
ls.listen(4)
threading.Thread(target=lambda: [threading.Thread(target=hold_open, args=(ls.accept()[0],),
                                                  daemon=True).start() for _ in range(4)],
                 daemon=True).start()

log("a program that shuts down its sending side still gets the answer; its close frees the link")
half = ("import socket,time\ns=socket.create_connection(('%s',9100),20)\ns.sendall(b'question')\n"
        "s.shutdown(socket.SHUT_WR)\nd=s.recv(100)\nprint(d.decode().strip())\n" % TEST_ADDR)
p = w.app([sys.executable, "-c", half], check=0, timeout=30)
if p.stdout.decode().strip() != "answer after your half close":
    fail("half close: got %r" % p.stdout)
t0 = time.monotonic()
w.check_no_leak(timeout=15)
log("  the link was free %.1f s after the program closed (the server stays silent)" %
    (time.monotonic() - t0))

log("a download killed half way frees its link")
curl = w.app_spawn(["curl", "-sS", "--limit-rate", "50k", "-o", "/dev/null",
                    "http://%s/f1m" % TEST_ADDR], "killed.log")
wait_for(lambda: w.status()["sockets.in_use"] >= 1, 20, "the download to start")
time.sleep(1)
os.killpg(curl.pid, signal.SIGKILL)
curl.wait()
w.check_no_leak(timeout=15)

log("the daemon goes away: connects, names and pings fail at once; it comes back: they work")
w.env.stop(w.env.daemon)
t0 = time.monotonic()
p = w.app(["curl", "-sS", "--max-time", "20", "http://%s/" % TEST_ADDR], timeout=40)
if p.returncode != 7 or time.monotonic() - t0 > 5:
    fail("curl without the daemon: exit %d after %.1f s" % (p.returncode, time.monotonic() - t0))
p = w.app(["getent", "hosts", "www.k210.test"], timeout=40)
if p.returncode != 2:
    fail("a name without the daemon: exit %d" % p.returncode)
p = w.app(["ping", "-n", "-c", "1", "-W", "5", TEST_ADDR], timeout=20)
if p.returncode == 0 or "Unreachable" not in p.stdout.decode():
    fail("ping without the daemon: %s" % p.stdout.decode())
w.env.start_daemon()
out = os.path.join(w.dir, "again")
w.app(["curl", "-sS", "--max-time", "60", "-o", out, "http://www.k210.test/f1m"], check=0, timeout=90)
if harness.sha256_file(out) != w.files["f1m"]:
    fail("download after the daemon came back: damaged")
w.check_no_leak()

log("SIGTERM: connections are reset, the interface goes")
curl = w.app_spawn(["curl", "-sS", "--limit-rate", "30k", "-o", "/dev/null",
                    "http://%s/f1m" % TEST_ADDR], "sigterm.log")
wait_for(lambda: w.status()["sockets.in_use"] >= 1, 20, "the download to start")
time.sleep(1)
if w.env.stop(w.netif, timeout=10) != 0:
    fail("k210-netif exit status %d after SIGTERM" % w.netif.returncode)
try:
    rc = curl.wait(timeout=10)
except subprocess.TimeoutExpired:
    fail("curl still waits 10 s after k210-netif stopped")
if rc == 0 or "reset" not in w.env.read_log("sigterm.log").lower():
    fail("curl after SIGTERM: exit %d: %s" % (rc, w.env.read_log("sigterm.log")))
if "k210-0" in w.app(["ip", "-o", "link"], check=0).stdout.decode():
    fail("the interface outlived k210-netif")
if os.path.exists(w.netif_ctl):
    fail("the control socket outlived k210-netif")
w.check_no_leak()
log("PASS")
