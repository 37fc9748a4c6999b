"""The board's MicroPython usocket examples as plain Python socket code, run unmodified in the
app namespace: nothing here knows of the board, k210sockd or k210-netif.

usage: usocket_examples.py HOST HTTP_PATH SHA256 SINK_PORT UDP_PORT SLOW_PORT REFUSED_PORT
Prints one "ok <example>" line per example; any failure raises.
"""

import hashlib
import os
import select
import socket
import struct
import sys
import time

host, path, want, sink_port, udp_port, slow_port, refused_port = sys.argv[1:8]
sink_port, udp_port, slow_port, refused_port = (int(sink_port), int(udp_port), int(slow_port),
                                                int(refused_port))

# getaddrinfo, as usocket.getaddrinfo(host, port)[0][-1]
infos = socket.getaddrinfo(host, 80)
addr = infos[0][-1]
assert all(i[0] == socket.AF_INET for i in infos), infos
assert addr[0] == "198.18.0.1", addr
print("ok getaddrinfo", addr[0], flush=True)

# HTTP GET read in a recv loop, with settimeout
s = socket.socket()
s.settimeout(20)
s.connect(addr)
s.send(("GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
data = b""
while True:
    chunk = s.recv(2048)
    if not chunk:
        break
    data += chunk
s.close()
head, _, body = data.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.1 200"), head[:80]
assert hashlib.sha256(body).hexdigest() == want, "body of %d bytes differs" % len(body)
print("ok http-get", len(body), flush=True)

# A file sent with send() in 2 KB chunks; the sink answers with its SHA-256 (the ESP8285 cannot
# pass a half close on, so the length goes first).
blob = os.urandom(300 * 1024)
s = socket.socket()
s.settimeout(30)
s.connect((host, sink_port))
s.send(struct.pack(">I", len(blob)))
for off in range(0, len(blob), 2048):
    chunk = blob[off:off + 2048]
    while chunk:
        n = s.send(chunk)
        chunk = chunk[n:]
reply = b""
while len(reply) < 64:
    more = s.recv(64 - len(reply))
    if not more:
        break
    reply += more
s.close()
assert reply.decode() == hashlib.sha256(blob).hexdigest(), "sink saw other bytes"
print("ok send-chunks", len(blob), flush=True)

# UDP sendto / recvfrom
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
got = None
for attempt in range(5):
    payload = b"datagram %d" % attempt
    u.sendto(payload, (host, udp_port))
    try:
        got, peer = u.recvfrom(2048)
    except socket.timeout:
        continue
    assert got == payload and peer == ("198.18.0.1", udp_port), (got, peer)
    break
assert got is not None, "no UDP echo in 5 tries"
u.close()
print("ok udp-echo", flush=True)

# select.poll: wait for a reply that comes after a second
s = socket.socket()
s.settimeout(20)
s.connect((host, slow_port))
p = select.poll()
p.register(s, select.POLLIN)
t0 = time.monotonic()
assert p.poll(200) == [], "readable before the server answered"
events = p.poll(10000)
assert events and events[0][1] & select.POLLIN, events
assert s.recv(64) == b"late hello\n"
s.close()
print("ok poll %.1f s" % (time.monotonic() - t0), flush=True)

# A port nothing listens on: ECONNREFUSED, at once
s = socket.socket()
s.settimeout(20)
t0 = time.monotonic()
try:
    s.connect((host, refused_port))
    raise AssertionError("connected to a closed port")
except ConnectionRefusedError:
    pass
s.close()
print("ok refused %.2f s" % (time.monotonic() - t0), flush=True)
