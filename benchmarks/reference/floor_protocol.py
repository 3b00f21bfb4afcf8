"""The floor: the least client CPU any Python asyncio client can spend per PutItem here.

A bare asyncio.Protocol per connection (C keep-alive connections) writes prebuilt, already
signed PutItem requests (the same items, signed by ddbtui's signer before the clock
starts) and waits for each answer by its Content-Length: no JSON, no signing, no header
building, no retries, no recording inside the window. What is left is the event loop, the
socket syscalls and the kernel's loopback TCP path charged to this process.
`--uvloop` runs it on uvloop (when installed)."""
import asyncio
import json
import sys
from urllib.parse import urlsplit

from _args import KEY, REGION, SECRET, Clock, parse, report

from ddbtui.dynamo.sigv4 import DynamoDBSigner

UV = "--uvloop" in sys.argv
if UV:
    sys.argv.remove("--uvloop")
a = parse()
u = urlsplit(a.endpoint)
signer = DynamoDBSigner(REGION, a.endpoint)
requests = []
for it in a.item_list:
    body = json.dumps({"TableName": a.table, "Item": it}, separators=(",", ":")).encode()
    h = signer.headers("PutItem", body, (KEY, SECRET, None))
    head = (f"POST / HTTP/1.1\r\nHost: {signer.host}\r\nContent-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n")
    requests.append(head.encode() + body)


class Conn(asyncio.Protocol):
    def __init__(self):
        self.buf = b""
        self.fut = None
        self.ok = 0

    def connection_made(self, t):
        self.t = t

    def data_received(self, d):
        self.buf += d
        i = self.buf.find(b"\r\n\r\n")
        if i < 0:
            return
        head = self.buf[:i].lower()
        n = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
        if len(self.buf) >= i + 4 + n:
            if head.startswith(b"http/1.1 200"):
                self.ok += 1
            self.buf = self.buf[i + 4 + n:]
            self.fut.set_result(None)


async def main():
    loop = asyncio.get_running_loop()
    conns = [(await loop.create_connection(Conn, u.hostname, u.port))[1] for _ in range(a.concurrency)]
    it = iter(requests)

    async def worker(c):
        for r in it:
            c.fut = loop.create_future()
            c.t.write(r)
            await c.fut

    with Clock() as clock:
        await asyncio.gather(*(worker(c) for c in conns))
    for c in conns:
        c.t.close()
    return clock, sum(c.ok for c in conns)


if UV:
    import uvloop

    clock, ok = uvloop.run(main())
else:
    clock, ok = asyncio.run(main())
report(a, clock, ok)
