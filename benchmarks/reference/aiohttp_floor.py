"""The aiohttp floor: prebuilt, pre-signed PutItem requests posted through aiohttp's public
ClientSession.post with the raw client's session settings (no cookie jar, no auto headers,
no decompression). No JSON encode, no signing, no parsing inside the clock: what aiohttp's
public API alone costs per request here, i.e. the least any client on that path can spend.
`--uvloop`: the same on uvloop."""
import asyncio
import json
import sys

from _args import KEY, REGION, SECRET, Clock, parse, report

from ddbtui.dynamo.sigv4 import DynamoDBSigner

UV = "--uvloop" in sys.argv
if UV:
    sys.argv.remove("--uvloop")
a = parse()


async def main():
    import aiohttp

    signer = DynamoDBSigner(REGION, a.endpoint)
    creds = (KEY, SECRET, None)
    reqs = []
    for item in a.item_list:
        data = json.dumps({"TableName": a.table, "Item": item}, separators=(",", ":")).encode()
        reqs.append((data, signer.headers("PutItem", data, creds)))
    connector = aiohttp.TCPConnector(limit=a.concurrency, limit_per_host=0, keepalive_timeout=30)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
                                     auto_decompress=False) as session:
        url = a.endpoint.rstrip("/") + "/"
        body = json.dumps({"TableName": a.table}).encode()
        async with session.post(url, data=body, headers=signer.headers("DescribeTable", body, creds)) as r:
            await r.read()
        it = iter(reqs)
        ok = 0

        async def worker():
            nonlocal ok
            for data, headers in it:
                async with session.post(url, data=data, headers=headers) as resp:
                    await resp.read()
                    if resp.status == 200:
                        ok += 1

        with Clock() as clock:
            await asyncio.gather(*(worker() for _ in range(a.concurrency)))
    return clock, ok


if UV:
    import uvloop

    clock, ok = uvloop.run(main())
else:
    clock, ok = asyncio.run(main())
report(a, clock, ok)
