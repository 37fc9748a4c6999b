"""espat-sim cases about its links: active and passive receive, back-pressure, UDP, the server,
send errors, busy answers and URCs at odd places (run through espat_test.py).
"""

import socket
import threading
import time

from espat_harness import PSK, Server, Sim, check, echo_handler, free_port, pattern, send_data, source_handler


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
    # The passive buffer fills up to its 2920 bytes, and no further.
    sim.cmd_until("AT+CIPRECVLEN?", "+CIPRECVLEN:2920,0,0,0,0\r\n\r\nOK\r\n")
    sim.quiet(0.2)
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
    sim.cmd_until("AT+CIPRECVLEN?", "+CIPRECVLEN:0,2920,0,0,0\r\n\r\nOK\r\n")
    sim.fill(0.1)
    sim.buf.clear()
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


def take_out_ipd(stream, links):
    """stream without its active +IPD URCs, and their data per link; an unfinished one is left out."""
    rest, got, i = bytearray(), {link: b"" for link in range(links)}, 0
    while i < len(stream):
        if stream.startswith(b"\r\n+IPD,", i):
            colon = stream.find(b":", i)
            if colon < 0:
                break
            link, n = (int(x) for x in stream[i + 7:colon].split(b","))
            if colon + 1 + n > len(stream):
                break
            got[link] += bytes(stream[colon + 1:colon + 1 + n])
            i = colon + 1 + n
        else:
            rest.append(stream[i])
            i += 1
    return bytes(rest), got


def case_chaos():
    """URCs released at odd points: every reply must still be there once the URCs are taken out."""
    srv = Server(echo_handler)
    sim = Sim("--urc-chaos", "7")
    sim.setup()
    for link in range(3):
        sim.cmd('AT+CIPSTART=%d,"TCP","127.0.0.1",%d' % (link, srv.port), "%d,CONNECT\r\n\r\nOK\r\n" % link)
    wanted = {0: b"", 1: b"", 2: b""}
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
    # The last reply and the echoes come in their own time: wait until everything is there.
    recvlen_reply = b"+CIPRECVLEN:0,0,0,0,0\r\n\r\nOK\r\n"
    deadline = time.time() + 5
    while True:
        text, got = take_out_ipd(stream + sim.buf, len(wanted))
        if (got == wanted and text.count(recvlen_reply) == 40) or time.time() > deadline:
            break
        sim.fill(0.2)
    for link in wanted:
        check(got[link] == wanted[link], "link %d data %r != %r" % (link, got[link], wanted[link]))
    # With the URCs taken out, every command's replies read in order.
    expected_one = b"\r\nOK\r\n> \r\nRecv 4 bytes\r\n\r\nSEND OK\r\n"
    check(text.count(expected_one) == 40 and text.count(recvlen_reply) == 40,
          "replies damaged by URC insertion: %r" % text[:300])
    sim.close()
    srv.close()
