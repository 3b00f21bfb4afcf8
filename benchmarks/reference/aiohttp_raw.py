"""Reference `aiohttp`: ddbtui's RawDynamoClient used directly, gather under a Semaphore(C).

Not a blog script (the raw client is ddbtui's own): the plain loop around the same client
shows what ddbtui's benchmark harness adds (recorder, snapshots, worker pool)."""
import asyncio

from _args import KEY, REGION, SECRET, Clock, parse, report

from ddbtui.dynamo.raw import RawDynamoClient

a = parse()


async def main():
    async with RawDynamoClient(a.endpoint, REGION, (KEY, SECRET, None),
                               max_connections=a.concurrency) as client:
        await client.describe_table(a.table)
        sem = asyncio.Semaphore(a.concurrency)

        async def put(item):
            async with sem:
                await client.put_item(a.table, item)
                return 1

        with Clock() as clock:
            ok = sum(await asyncio.gather(*(put(it) for it in a.item_list)))
    return clock, ok


clock, ok = asyncio.run(main())
report(a, clock, ok)
