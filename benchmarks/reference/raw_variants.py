"""ddbtui's RawDynamoClient in the plain loop of aiohttp_raw.py, with a choice of transport and
event loop: `--transport http1` (the experimental hand-written HTTP/1.1 pool; the default
is aiohttp's public ClientSession.post) and `--uvloop` (the optional fast loop)."""
import asyncio
import sys

from _args import KEY, REGION, SECRET, Clock, parse, report

from ddbtui.dynamo.raw import RawDynamoClient

UV = "--uvloop" in sys.argv
TRANSPORT = "aiohttp"
if UV:
    sys.argv.remove("--uvloop")
if "--transport" in sys.argv:
    i = sys.argv.index("--transport")
    TRANSPORT = sys.argv[i + 1]
    del sys.argv[i:i + 2]
a = parse()


async def main():
    async with RawDynamoClient(a.endpoint, REGION, (KEY, SECRET, None), max_connections=a.concurrency,
                               transport=TRANSPORT) as client:
        await client.describe_table(a.table)
        it = iter(a.item_list)
        ok = 0

        async def worker():
            nonlocal ok
            for item in it:
                await client.put_item(a.table, item)
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
