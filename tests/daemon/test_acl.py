#!/usr/bin/env python3
"""Access control: a uid that is not allowed is refused (a client run as
nobody), denied destinations get SOCKS reply 2 / EACCES, and privileged
requests, LISTEN and UDP follow the rules."""
import os
import shutil
import struct
import subprocess
import sys

from harness import (Env, Native, expect_socks, fail, log, native_connect, ERRNO, RESET,
                     LISTEN, UDP_BIND, WIFI_LEAVE)

env = Env("acl")
os.chmod(env.dir, 0o755)
env.start_fakeboard()
env.start_http(sizes=(1024,))
env.start_daemon(access={"allow_users": "root", "deny_destinations": "127.0.0.1/32:%d" % 1,
                         "allow_listen": "no", "allow_udp": "no"})

CLIENT = r"""
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"\x01\x00\x0d" + struct.pack(">HBBI", 1, 1, 0, 0) + b"\x04test")
data = b""
while True:
    chunk = s.recv(100)
    if not chunk:
        break
    data += chunk
print(data.hex())
"""


def as_nobody(code, *args, groups=None):
    setpriv = shutil.which("setpriv")
    if not setpriv:
        fail("setpriv (util-linux) is needed to run a client as nobody")
    grouparg = "--groups=" + groups if groups else "--clear-groups"
    return subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", grouparg,
                           sys.executable, "-c", code] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)

log("a user not in allow_users is refused")
before = env.status()["clients.refused"]
r = as_nobody(CLIENT, env.sock)
if r.returncode != 0:
    fail("client as nobody failed to run: " + r.stderr.decode())
reply = bytes.fromhex(r.stdout.decode().strip())
if len(reply) < 6 or reply[0] != 0x81 or reply[5] != ERRNO["EACCES"]:
    fail("nobody: expected HELLO answered with EACCES, got %r" % reply)
if env.status()["clients.refused"] != before + 1:
    fail("the refusal was not counted")
if "is not allowed" not in env.read_log():
    fail("the refusal was not logged")

log("SOCKS from nobody gets no acceptable method")
r = as_nobody(r"""
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"\x05\x01\x00"); print(s.recv(10).hex())
""", env.sock)
if r.stdout.decode().strip() != "05ff":
    fail("SOCKS from nobody: %r %r" % (r.stdout, r.stderr))

log("allow_groups: a supplementary group admits, the primary group alone does not")
env.write_conf(access={"allow_users": "", "allow_groups": "4242", "allow_listen": "no",
                       "allow_udp": "no"})
env.reload()
HELLO_ONLY = CLIENT.replace("while True:", "while len(data) < 6:")
r = as_nobody(HELLO_ONLY, env.sock, groups="4241,4242")
reply = bytes.fromhex(r.stdout.decode().strip() or "00")
if len(reply) < 6 or reply[0] != 0x81 or reply[5] != 0:
    fail("nobody in supplementary group 4242 was not admitted: %r %r" % (reply, r.stderr))
r = as_nobody(HELLO_ONLY, env.sock, groups="4241")
reply = bytes.fromhex(r.stdout.decode().strip() or "00")
if len(reply) < 6 or reply[5] != ERRNO["EACCES"]:
    fail("nobody outside group 4242 was admitted: %r" % reply)

log("denied destinations")
env.write_conf(access={"allow_users": "root", "deny_destinations": "127.0.0.0/8",
                       "allow_listen": "no", "allow_udp": "no"})
env.reload()
expect_socks(env.sock, "127.0.0.1", env.http_port, 2, "a denied address")
expect_socks(env.sock, "localhost", env.http_port, 2, "a denied name (resolved on the board)")
err, s = native_connect(env.sock, "127.0.0.1", env.http_port)
if err != "EACCES":
    fail("native CONNECT to a denied address: " + err)

log("allow list: only what is listed")
env.write_conf(access={"allow_destinations": "127.0.0.1/32:%d" % env.http_port,
                       "deny_destinations": "", "allow_listen": "no", "allow_udp": "no"})
env.reload()
expect_socks(env.sock, "127.0.0.1", env.http_port, 0, "an allowed destination")
expect_socks(env.sock, "127.0.0.1", env.http_port + 1 if env.http_port < 65535 else 1, 2,
             "a port outside the allow list")

log("LISTEN and UDP refused by the rules; RESET refused for nobody")
with Native(env.sock) as n:
    r = n.request(LISTEN, struct.pack(">HHBI", 1, 8080, 1, 0))
    if r["err"] != ERRNO["EACCES"]:
        fail("LISTEN with allow_listen = no: err %d" % r["err"])
    r = n.request(UDP_BIND, struct.pack(">HHI", 1, 0, 0))
    if r["err"] != ERRNO["EACCES"]:
        fail("UDP_BIND with allow_udp = no: err %d" % r["err"])
r = as_nobody(r"""
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"\x01\x00\x0d" + struct.pack(">HBBI", 1, 1, 0, 0) + b"\x04test")
s.recv(100)
s.sendall(b"\x03\x00\x03\x00\x02\x01")
s.sendall(b"\x07\x00\x02\x00\x03")
out = b""
while len(out) < 12:
    chunk = s.recv(100)
    if not chunk:
        break
    out += chunk
print(out.hex())
""", env.sock)
out = bytes.fromhex(r.stdout.decode().strip() or "00")
if out[:6] != bytes([0x83, 0, 3, 0, 2, ERRNO["EACCES"]]) or out[6:12] != bytes(
        [WIFI_LEAVE | 0x80, 0, 3, 0, 3, ERRNO["EACCES"]]):
    fail("privileged requests from nobody: %r %r" % (out, r.stderr))
with Native(env.sock) as n:
    r = n.request(RESET, b"\x07")
    if r["err"] == ERRNO["EACCES"]:
        fail("root was refused a RESET")
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("acl: 1 passed, 0 failed")
