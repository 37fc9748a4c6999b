#!/usr/bin/env python3
"""The README's "using it from" table, line by line, with the clients Debian 12 ships: curl over
the Unix socket and the TCP port, git (the form its version takes), ssh with a ProxyCommand,
proxychains4, torsocks (names through RESOLVE), Python with PySocks, what a browser set to SOCKS5
with remote DNS sends.  k210sockd runs in the app namespace with its TCP SOCKS5 port, so these
programs reach the test address through it or not at all; the last line, k210-netif, is
netif-programs.  Ends with no board socket held."""

import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

world.enter()
from world import TEST_ADDR, World, fail, harness, log  # noqa: E402

# Not 1080: git before 2.47 drops the socket path and tries localhost:1080, which must fail here.
PORT = 9050
w = World("clients")
w.start_daemon_in_app(socket={"socks_port": str(PORT), "socks_address": "127.0.0.1"})
w.add_file("f256k", 256 * 1024)
# nginx keeps connections alive: the clients close first, and their board sockets must go with them.
w.start_nginx()
head = w.make_git_repo()
ssh_opts = w.start_sshd()
URL = "http://www.k210.test/f256k"
SOCK = w.env.sock
TCP = "127.0.0.1:%d" % PORT


def fetched(what, argv, env=None, timeout=90):
    """Run a download in the app namespace; the file must arrive whole."""
    out = os.path.join(w.dir, "out-" + re.sub(r"\W", "_", what))
    argv = [a.replace("OUT", out) for a in argv]
    p = w.app(argv, timeout=timeout, env=env)
    if p.returncode != 0 or not os.path.exists(out) or harness.sha256_file(out) != w.files["f256k"]:
        fail("%s: %s: exit %d: %s" % (what, " ".join(argv), p.returncode,
                                      p.stderr.decode(errors="replace")[-2000:]))
    log("ok: " + what)


log("without a proxy the test address is out of reach")
p = w.app(["curl", "-sS", "--max-time", "10", URL.replace("www.k210.test", TEST_ADDR)], timeout=30)
if p.returncode == 0:
    fail("the app namespace reaches the test address directly")

fetched("curl, Unix socket", ["curl", "-sS", "--max-time", "60", "-x", "socks5h://localhost" + SOCK,
                              "-o", "OUT", URL])
fetched("curl, TCP port", ["curl", "-sS", "--max-time", "60", "-x", "socks5h://" + TCP, "-o", "OUT",
                           URL])
# A browser set to SOCKS5 127.0.0.1:1080 with remote DNS sends exactly this.
fetched("browser-style SOCKS5 with remote DNS", ["curl", "-sS", "--max-time", "60",
                                                  "--socks5-hostname", TCP, "-o", "OUT", URL])

log("git: the form this version takes")
version = subprocess.run(["git", "--version"], stdout=subprocess.PIPE).stdout.decode().split()[2]
major, minor = (int(x) for x in version.split(".")[:2])
genv = {"HOME": w.dir, "GIT_TERMINAL_PROMPT": "0"}


def clone(proxy, name):
    dest = os.path.join(w.dir, name)
    p = w.app(["git", "-c", "http.proxy=" + proxy, "clone", "-q", "http://git.k210.test/repo.git", dest],
              env=genv, timeout=120)
    return p, dest


p, dest = clone("socks5h://" + TCP, "clone-tcp")
if p.returncode != 0:
    fail("git %s through the TCP port: %s" % (version, p.stderr.decode()))
got = subprocess.run(["git", "-C", dest, "rev-parse", "HEAD"], stdout=subprocess.PIPE,
                     env=dict(os.environ, **genv)).stdout.decode().strip()
if got != head:
    fail("git clone through the TCP port: HEAD %s" % got)
log("ok: git %s, socks5h://%s" % (version, TCP))
p, dest = clone("socks5h://localhost" + SOCK, "clone-unix")
if (major, minor) >= (2, 47):
    if p.returncode != 0:
        fail("git %s, socks5h://localhost/PATH: %s" % (version, p.stderr.decode()))
    log("ok: git %s, socks5h://localhost/PATH" % version)
else:
    # What the README says of older versions: they drop the path and try localhost:1080.
    if p.returncode == 0 or "1080" not in p.stderr.decode():
        fail("git %s with socks5h://localhost/PATH: exit %d: %s" % (version, p.returncode,
                                                                     p.stderr.decode()))
    log("ok: git %s drops the socket path, as documented: %s" % (
        version, p.stderr.decode().strip().splitlines()[-1]))

log("ssh with a ProxyCommand through the Unix socket")
proxy = "ProxyCommand=%s -s %s connect %%h %%p" % (harness.binary("k210sock"), SOCK)
p = w.app(["ssh"] + ssh_opts + ["-o", proxy, "root@ssh.k210.test", "echo", "over", "the", "board"],
          timeout=60)
if p.stdout.decode().strip() != "over the board":
    fail("ssh: exit %d: %r %s" % (p.returncode, p.stdout, p.stderr.decode()))
log("ok: ssh -o ProxyCommand='k210sock connect %h %p'")

log("proxychains4 without localnet lines")
pconf = os.path.join(w.dir, "proxychains.conf")
with open(pconf, "w") as f:
    f.write("strict_chain\nproxy_dns\nremote_dns_subnet 224\ntcp_read_time_out 15000\n"
            "tcp_connect_time_out 8000\n[ProxyList]\nsocks5 127.0.0.1 %d\n" % PORT)
fetched("proxychains4, a name", ["proxychains4", "-q", "-f", pconf, "curl", "-sS", "--max-time", "60",
                                 "-o", "OUT", URL])
fetched("proxychains4, an address", ["proxychains4", "-q", "-f", pconf, "curl", "-sS", "--max-time",
                                     "60", "-o", "OUT", URL.replace("www.k210.test", TEST_ADDR)])

log("torsocks: names through RESOLVE, connects through CONNECT")
tconf = os.path.join(w.dir, "torsocks.conf")
with open(tconf, "w") as f:
    f.write("TorAddress 127.0.0.1\nTorPort %d\n" % PORT)
tenv = {"TORSOCKS_CONF_FILE": tconf}
before = w.env.read_log().count("SOCKS RESOLVE www.k210.test")
fetched("torsocks curl", ["torsocks", "curl", "-sS", "--max-time", "60", "-o", "OUT", URL], env=tenv)
p = w.app(["torsocks", sys.executable, "-c",
           "import socket; print(socket.gethostbyname('www.k210.test'))"], env=tenv, timeout=30)
if p.stdout.decode().strip() != TEST_ADDR:
    fail("torsocks gethostbyname: %r %s" % (p.stdout, p.stderr.decode()))
if w.env.read_log().count("SOCKS RESOLVE www.k210.test") < before + 2:
    fail("torsocks did not resolve through RESOLVE")
p = w.app(["torsocks", sys.executable, "-c", "import socket; socket.gethostbyaddr('%s')" % TEST_ADDR],
          env=tenv, timeout=30)
if p.returncode == 0:
    fail("a reverse lookup (RESOLVE_PTR) succeeded")
log("ok: torsocks resolves (RESOLVE) and connects; a reverse lookup fails at once")

log("Python with PySocks (TCP port only)")
script = ("import hashlib,socks\ns=socks.socksocket()\ns.set_proxy(socks.SOCKS5,'127.0.0.1',%d,rdns=True)\n"
          "s.settimeout(30)\ns.connect(('www.k210.test',80))\n"
          "s.sendall(b'GET /f256k HTTP/1.0\\r\\nHost: www.k210.test\\r\\n\\r\\n')\nd=b''\n"
          "while True:\n c=s.recv(65536)\n if not c: break\n d+=c\n"
          "print(hashlib.sha256(d.partition(b'\\r\\n\\r\\n')[2]).hexdigest())\n" % PORT)
# Debian's python3-socks belongs to Debian's python3.
p = w.app(["/usr/bin/python3", "-c", script], timeout=60)
if p.stdout.decode().strip() != w.files["f256k"]:
    fail("PySocks: %r %s" % (p.stdout, p.stderr.decode()))
log("ok: PySocks, rdns=True")

st = w.status()
log("socks.requests %d, socks.failed %d" % (st["socks.requests"], st["socks.failed"]))
w.check_no_leak()
log("PASS")
