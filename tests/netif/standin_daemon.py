"""A stand-in for k210sockd for the memory benchmark: answers HELLO, and CONNECT to anything at
once, then echoes the stream, holding as many connections as come (the real daemon has five
board links).  usage: standin_daemon.py SOCKET"""

import asyncio
import resource
import struct
import sys

HELLO, CONNECT, RESPONSE = 0x01, 0x10, 0x80


async def read_msg(r):
    head = await r.readexactly(3)
    return head[0], await r.readexactly(struct.unpack(">H", head[1:3])[0])


def msg(mtype, body):
    return struct.pack(">BH", mtype, len(body)) + body


async def client(r, w):
    try:
        while True:
            mtype, body = await read_msg(r)
            tag = body[:2]
            if mtype == HELLO:
                name = b"k210sockd-standin"
                w.write(msg(HELLO | RESPONSE, tag + b"\x00\x01\x00" + b"\x00" * 4 + bytes([len(name)]) + name))
            elif mtype == CONNECT:
                w.write(msg(CONNECT | RESPONSE, tag + b"\x00" + struct.pack(">IH", 16384, 40000)))
                break
            else:
                w.write(msg(mtype | RESPONSE, tag + b"\x02"))
        while True:
            data = await r.read(65536)
            if not data:
                break
            w.write(data)
            await w.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    w.close()


async def main(path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = await asyncio.start_unix_server(client, path, backlog=4096)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main(sys.argv[1]))
